"""What housing says to landlords, tenants and officers, in Chinese and English."""

from anju.common.i18n import register

register(
    {
        "tenancies.room_full": {
            "zh": "该房间已住满（{capacity} 个床位）",
            "en": "This room is full ({capacity} beds)",
        },
        "tenancies.already_ended": {
            "zh": "该租住记录已结束",
            "en": "This tenancy has already ended",
        },
        "tenancies.duplicate": {
            "zh": "此人在该房间已有未结束的租住登记",
            "en": "This person already has an open tenancy in this room",
        },
        "tenancies.elsewhere": {
            "zh": "此人目前已入住另一房间（{place}）",
            "en": "This person is checked into another room ({place})",
        },
        "tenancies.wrong_state": {
            "zh": "当前状态（{state}）下不能进行此操作",
            "en": "Not possible while the tenancy is {state}",
        },
        "tenancies.not_verified": {
            "zh": "身份核验未通过（{state}），不能授权开锁",
            "en": "The identity check has not matched ({state}); no key can be issued",
        },
        "tenancies.no_lock": {
            "zh": "该房间尚未安装智能锁",
            "en": "This room has no smart lock yet",
        },
        "tenancies.no_credential": {
            "zh": "尚未发放门锁凭证",
            "en": "No key has been issued for this tenancy yet",
        },
        "tenancies.override_forbidden": {
            "zh": "只有社区民警可以超员登记",
            "en": "Only a community police officer may exceed a room's capacity",
        },
        "tenancies.name_mismatch": {
            "zh": "姓名与该身份证号已登记的姓名不一致",
            "en": "The name differs from the one on record for this ID number",
        },
        "tenancies.identity_required": {
            "zh": "请填写租客的姓名和身份证号，或租客的分享码",
            "en": "Give the tenant's name and ID number, or their share code",
        },
        "tenancies.identity_or_code": {
            "zh": "分享码和身份信息只能二选一",
            "en": "Give either a share code or the tenant's details, not both",
        },
        "tenancies.not_you": {
            "zh": "只能登记本人身份",
            "en": "This is not your identity; register yourself only",
        },
        "tenancies.end_before_start": {
            "zh": "退租日期不能早于入住日期",
            "en": "The end date must not be before the start date",
        },
        "tenancies.ended_in_past": {
            "zh": "退租日期不能早于今天",
            "en": "The end date must not be in the past",
        },
        "tenancies.too_long": {
            "zh": "单次租住登记最长 {days} 天",
            "en": "A tenancy may last at most {days} days",
        },
        "tenancies.capacity_below_occupants": {
            "zh": "床位数不能少于当前入住人数（{occupants}）",
            "en": "The capacity cannot be below the current occupants ({occupants})",
        },
        "properties.landlord_unknown": {
            "zh": "找不到该手机号的经营者账号",
            "en": "No operator account has this phone number",
        },
        "rooms.number_taken": {
            "zh": "该房号已存在",
            "en": "This room number already exists in the property",
        },
        "codes.invalid": {
            "zh": "无效的二维码",
            "en": "This code is not valid",
        },
        "codes.replaced": {
            "zh": "此二维码已更换，请扫描新的二维码",
            "en": "This code has been replaced; scan the new one",
        },
        "codes.render_unavailable": {
            "zh": "二维码生成暂不可用",
            "en": "Code images are not available yet",
        },
    }
)
