"""Texts of employments, registration by scan and share codes (zh and en)."""

from anju.common.i18n import register

register(
    {
        "start_date.future": {
            "zh": "入职日期不能晚于今天",
            "en": "The start date cannot be in the future",
        },
        "start_date.too_early": {
            "zh": "入职日期过早，请检查",
            "en": "The start date is too far in the past; check it",
        },
        "end_date.before_start": {
            "zh": "离职日期不能早于入职日期",
            "en": "The end date cannot be before the start date",
        },
        "end_date.future": {
            "zh": "离职日期不能晚于今天",
            "en": "The end date cannot be in the future",
        },
        "job.required": {"zh": "请填写岗位", "en": "Enter the job"},
        "emergency_contact_name.required": {
            "zh": "填写了紧急联系人电话，请同时填写其姓名",
            "en": "Give the emergency contact's name with their phone",
        },
        "employments.identity_taken": {
            "zh": "该身份证号已用其他手机号登记，请联系场所负责人为您登记",
            "en": (
                "This ID number is registered with another phone: "
                "ask the venue's operator to register you"
            ),
        },
        "employments.not_active": {
            "zh": "该登记已结束，不能再修改",
            "en": "This employment has already ended",
        },
        "employments.identity_or_share_code": {
            "zh": "请填写姓名和身份证号，或输入分享码",
            "en": "Give a name and an ID number, or a share code",
        },
        "employments.retry": {
            "zh": "记录正在被同时修改，请重试",
            "en": "The record changed at the same moment; try again",
        },
        "share_codes.invalid": {
            "zh": "分享码无效、已过期或已撤回",
            "en": "This share code is not valid, has expired or was withdrawn",
        },
        "share_codes.wrong_purpose": {
            "zh": "此分享码不能用于本次登记",
            "en": "This share code was made for another purpose",
        },
        "share_codes.no_person": {
            "zh": "您还没有登记过身份信息，请先扫码登记一次",
            "en": "Your identity is not registered yet: register once by scanning",
        },
        "share_codes.too_many": {
            "zh": "有效的分享码过多，请先撤回不用的",
            "en": "You have too many live share codes; withdraw some first",
        },
        "share_codes.withdrawn": {
            "zh": "此分享码已撤回",
            "en": "This share code has been withdrawn",
        },
    }
)
