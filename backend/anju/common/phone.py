"""Mainland China mobile numbers: 11 digits, the first 1, the second 3 to 9.

People type them in many ways (+86 138 1234 5678, 0086-13812345678, full-width
digits from a Chinese keyboard); :func:`normalize_phone` turns each into the
same 11 digits or says why it cannot. Errors never carry the number.
"""

from __future__ import annotations

import re

from anju.common.i18n import register

MESSAGES: dict[str, dict[str, str]] = {
    "phone.required": {
        "zh": "请填写手机号码",
        "en": "Enter the mobile number",
    },
    "phone.format": {
        "zh": "请填写11位中国大陆手机号码",
        "en": "Enter an 11-digit mainland China mobile number",
    },
}

_FULL_WIDTH = str.maketrans(
    {
        **{chr(0xFF10 + digit): str(digit) for digit in range(10)},
        "＋": "+",
        "－": "-",
    }
)
# Spaces, and dashes of every width people type between groups of digits.
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2013\u2014]+")
_COUNTRY_CODE = re.compile(r"^(?:\+|00)?86(?=[0-9]{11}$)")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


class PhoneError(ValueError):
    """A phone number that cannot be accepted, and why, as a stable code."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(MESSAGES[self.key]["en"])

    @property
    def key(self) -> str:
        """The message code, e.g. ``phone.format``."""
        return f"phone.{self.code}"


def normalize_phone(raw: str) -> str:
    """The 11 digits of a mainland mobile number, or :class:`PhoneError`."""
    number = _SEPARATORS.sub("", (raw or "").translate(_FULL_WIDTH))
    if not number:
        raise PhoneError("required")

    number = _COUNTRY_CODE.sub("", number, count=1)
    if not _MOBILE.fullmatch(number):
        raise PhoneError("format")
    return number


def mask_phone(phone: str) -> str:
    """Show the first three and last four digits: ``138****1234``."""
    # Anything that is not a whole number is hidden entirely rather than in part.
    if len(phone) != 11:
        return "*" * 11
    return f"{phone[:3]}****{phone[-4:]}"


register(MESSAGES)
