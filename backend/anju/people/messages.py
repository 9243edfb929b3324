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
        "corrections.name_required": {
            "zh": "更正后的姓名不能为空",
            "en": "The corrected name may not be empty",
        },
        "corrections.nothing_given": {
            "zh": "请填写更正后的姓名或身份证号",
            "en": "Give the corrected name or ID number",
        },
        "corrections.unchanged": {
            "zh": "与记录中的相同，没有需要更正的内容",
            "en": "This is the same as on record; there is nothing to correct",
        },
        "corrections.id_number_taken": {
            "zh": "该身份证号已有其他人员的记录，请核实后再更正",
            "en": "This ID number is on record for another person; check it first",
        },
        "corrections.reason_length": {
            "zh": "更正原因应为2至200个字",
            "en": "The reason for the correction takes 2 to 200 characters",
        },
        "corrections.changed_meanwhile": {
            "zh": "该记录刚刚被修改，请刷新后再更正",
            "en": "The record was changed a moment ago; reload it and correct again",
        },
        "corrections.reason_sensitive": {
            "zh": "更正原因中不能包含身份证号或手机号",
            "en": "The reason must not contain an ID number or a phone number",
        },
    }
)
