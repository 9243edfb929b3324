from anju.common.i18n import register

register(
    {
        "people.search_empty": {
            "zh": "请至少填写姓名、手机号或身份证号之一",
            "en": "Give a name, a phone number or an ID number",
        },
        "people.area_outside_scope": {
            "zh": "所选区域不在您的管辖范围内",
            "en": "The area chosen is outside your jurisdiction",
        },
        "people.purpose_sensitive": {
            "zh": "用途说明中不能包含身份证号或手机号",
            "en": "The purpose must not contain an ID number or a phone number",
        },
        "people.purpose_required": {
            "zh": "查看完整身份证号须说明用途",
            "en": "State the purpose for seeing the full ID number",
        },
    }
)
