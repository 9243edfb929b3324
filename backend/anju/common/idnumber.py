"""Resident ID numbers (公民身份号码, GB 11643-1999).

An ID number has 18 characters: a six-digit region code (GB/T 2260), the date of
birth as YYYYMMDD, a three-digit sequence whose last digit is odd for men and
even for women, and a check character computed by ISO 7064 MOD 11-2.

Region codes stay on a number for life, so a code is accepted if it was ever in
force, not only if it is in force today; the table ships in ``data/regions.json``
and ``scripts/build-regions`` rebuilds it.

Errors carry a code and a fixed message, never the number itself, so they are
safe to log.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cache
from importlib.resources import files

from anju.common.i18n import register

MESSAGES: dict[str, dict[str, str]] = {
    "id_number.required": {
        "zh": "请填写身份证号码",
        "en": "Enter the ID number",
    },
    "id_number.format": {
        "zh": "身份证号码应为18位：17位数字，最后一位为数字或X",
        "en": "An ID number has 18 characters: 17 digits, then a digit or X",
    },
    "id_number.legacy_15": {
        "zh": "15位身份证号码已停止使用，请填写18位身份证号码",
        "en": "15-digit ID numbers are no longer accepted; "
        "enter the 18-digit ID number",
    },
    "id_number.region": {
        "zh": "身份证号码前6位不是有效的地区代码",
        "en": "The first 6 digits of the ID number are not a known region code",
    },
    "id_number.birth_date": {
        "zh": "身份证号码中的出生日期（第7至14位）不正确",
        "en": "The date of birth in the ID number (digits 7 to 14) is not valid",
    },
    "id_number.checksum": {
        "zh": "身份证号码校验位不正确",
        "en": "The ID number's check character is wrong",
    },
}

EARLIEST_BIRTH_DATE = date(1900, 1, 1)

# China keeps one time zone and no daylight saving: a fixed offset is exact.
CHINA_TIME = timezone(timedelta(hours=8), "CST")

_FULL_WIDTH = str.maketrans(
    {
        **{chr(0xFF10 + digit): str(digit) for digit in range(10)},
        "Ｘ": "X",
        "ｘ": "X",
        "x": "X",
    }
)
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_LEGACY_SHAPE = re.compile(r"[0-9]{15}")

# Weight of each of the first 17 characters: 2 ** (17 - position) mod 11.
_WEIGHTS = tuple(pow(2, 17 - position, 11) for position in range(17))
_CHECK_CHARACTERS = "10X98765432"

# Codes the first GB/T 2260 editions gave every city's districts as a whole
# (01, 20) and its inner and outer districts (02, 11). Numbers issued then still
# carry them, though the published lists do not always name each one.
_CITY_DISTRICT_CODES = {"01": "市辖区", "02": "城区", "11": "郊区", "20": "市区"}

# City-level entries that group districts or counties rather than name a city.
_GROUPING_NAMES = frozenset(
    {
        "市辖区",
        "县",
        "省直辖县级行政区划",
        "省直辖县级行政单位",
        "省直辖行政单位",
        "自治区直辖县级行政区划",
        "自治区直辖县级行政单位",
    }
)


class IdNumberError(ValueError):
    """An ID number that cannot be accepted, and why, as a stable code."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(MESSAGES[self.key]["en"])

    @property
    def key(self) -> str:
        """The message code, e.g. ``id_number.checksum``."""
        return f"id_number.{self.code}"


@dataclass(frozen=True)
class IdNumberFacts:
    number: str
    birth_date: date
    gender: str
    region_code: str
    region_name: str


def normalize_id_number(raw: str) -> str:
    """Drop all spaces, make full-width digits and X plain, and x upper case."""
    return "".join(raw.split()).translate(_FULL_WIDTH)


def parse_id_number(raw: str, today: date | None = None) -> IdNumberFacts:
    """Check an ID number and read what it says about its holder.

    Raises :class:`IdNumberError` with the first problem found, in the order
    required, legacy_15, format, region, birth_date, checksum.
    """
    number = normalize_id_number(raw or "")
    today = today or datetime.now(CHINA_TIME).date()

    if not number:
        raise IdNumberError("required")
    if _LEGACY_SHAPE.fullmatch(number):
        raise IdNumberError("legacy_15")
    if not _SHAPE.fullmatch(number):
        raise IdNumberError("format")

    region_code = number[:6]
    name = region_name(region_code)
    if name is None:
        raise IdNumberError("region")

    birth_date = _birth_date(number[6:14])
    if birth_date is None or not EARLIEST_BIRTH_DATE <= birth_date <= today:
        raise IdNumberError("birth_date")

    if check_character(number[:17]) != number[17]:
        raise IdNumberError("checksum")

    return IdNumberFacts(
        number=number,
        birth_date=birth_date,
        gender="male" if int(number[16]) % 2 else "female",
        region_code=region_code,
        region_name=name,
    )


def check_character(body: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if not re.fullmatch(r"[0-9]{17}", body):
        raise ValueError("the body of an ID number is 17 digits")

    total = sum(
        int(digit) * weight for digit, weight in zip(body, _WEIGHTS, strict=True)
    )
    return _CHECK_CHARACTERS[total % 11]


def make_id_number(region_code: str, birth_date: date, sequence: int) -> str:
    """A well-formed ID number, for tests and seed data; odd sequences are men."""
    if not re.fullmatch(r"[0-9]{6}", region_code):
        raise ValueError("a region code is 6 digits")
    if not 0 <= sequence <= 999:
        raise ValueError("the sequence runs from 0 to 999")

    body = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return body + check_character(body)


def mask_id_number(number: str) -> str:
    """Show the first and last four characters: ``1309**********123X``."""
    # Anything that is not a whole number is hidden entirely rather than in part.
    if len(number) != 18:
        return "*" * 18
    return f"{number[:4]}{'*' * 10}{number[-4:]}"


def region_name(code: str) -> str | None:
    """The full name of a current or historical region code, or None if unknown.

    Names run from province to county, e.g. 河北省石家庄市长安区; a code no longer
    in force has the last name it was known by.
    """
    names = _regions()
    own = names.get(code) or _city_district_name(code, names)
    province = names.get(code[:2] + "0000")
    if own is None or province is None:
        return None

    parts = [province]
    if code[2:4] != "00":
        city = names.get(code[:4] + "00")
        if city and city not in _GROUPING_NAMES:
            parts.append(city)
        if code[4:] != "00":
            parts.append(own)
    return "".join(parts)


def _city_district_name(code: str, names: dict[str, str]) -> str | None:
    city_code = code[:4] + "00"
    if code[2:4] == "00" or city_code not in names:
        return None
    return _CITY_DISTRICT_CODES.get(code[4:])


def _birth_date(digits: str) -> date | None:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


@cache
def _regions() -> dict[str, str]:
    source = files("anju.common") / "data" / "regions.json"
    table = json.loads(source.read_text(encoding="utf-8"))
    return {**table["historical"], **table["current"]}


register(MESSAGES)
