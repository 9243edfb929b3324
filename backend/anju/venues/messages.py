"""Texts of the venues domain and of venue codes, in Chinese and English."""

from anju.common.i18n import register

register(
    {
        "venues.area_not_found": {
            "zh": "所选区域不存在",
            "en": "The area chosen does not exist",
        },
        "venues.area_outside_scope": {
            "zh": "所选区域不在您的管辖范围内",
            "en": "The area chosen is outside your jurisdiction",
        },
        "venues.not_pending": {
            "zh": "该场所不在待审核状态",
            "en": "This venue is not waiting for approval",
        },
        "venues.not_active": {
            "zh": "该场所尚未启用或已关闭，暂不能登记",
            "en": "This venue is not open for registration (not approved, or closed)",
        },
        "venues.approve_required": {
            "zh": "只有区域管理员或民警可以启用场所",
            "en": "Only an area administrator or an officer can open a venue",
        },
        "venues.bulk_range": {
            "zh": "结束编号不能小于起始编号",
            "en": "The last number must not be below the first",
        },
        "venues.bulk_too_many": {
            "zh": "一次最多创建{limit}个场所",
            "en": "At most {limit} venues can be created at once",
        },
        "venues.bulk_name_too_long": {
            "zh": "前缀加编号后名称过长",
            "en": "The prefix and number make a name that is too long",
        },
        "venues.none_to_print": {
            "zh": "该区域没有可打印的已启用场所",
            "en": "There is no active venue to print in this area",
        },
        "venues.poster_size": {
            "zh": "海报尺寸只能是A5或A4",
            "en": "The poster size must be A5 or A4",
        },
        "venue_codes.invalid": {
            "zh": "二维码无效，请确认扫描的是场所张贴的安居码",
            "en": "This code is not valid: scan the Anju code posted at the venue",
        },
        "venue_codes.replaced": {
            "zh": "此二维码已更换，请向{contact}索取新码",
            "en": "This code has been replaced: ask {contact} for the new one",
        },
    }
)
