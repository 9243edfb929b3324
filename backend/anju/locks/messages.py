"""What the lock side says to people, in Chinese and English."""

from anju.common.i18n import register

register(
    {
        "locks.unknown": {"zh": "找不到该门锁", "en": "No such lock"},
        "locks.bad_serial": {
            "zh": "序列号应为 3–40 位字母、数字、- 或 _",
            "en": "The serial is 3–40 letters, digits, - or _",
        },
        "locks.bad_kind": {
            "zh": "类型应为房间锁（room）或门禁（gate）",
            "en": "The kind is room or gate",
        },
        "locks.room_required": {
            "zh": "房间锁需要指定房间",
            "en": "A room lock needs its room",
        },
        "locks.serial_taken": {
            "zh": "该序列号的门锁已登记",
            "en": "A lock with this serial is already registered",
        },
        "locks.bad_period": {
            "zh": "授权期限无效：结束时间须晚于开始时间和现在",
            "en": "The period is not valid: it must end after it starts and after now",
        },
        "locks.credential_not_live": {
            "zh": "该钥匙已撤销或已过期",
            "en": "This key has been revoked or has expired",
        },
        "locks.area_required": {"zh": "请选择区域", "en": "Choose an area"},
        "locks.area_not_found": {"zh": "该区域不存在", "en": "No such area"},
        "locks.room_not_found": {"zh": "该房间不存在", "en": "No such room"},
    }
)
