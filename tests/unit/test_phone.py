import pytest

from anju.common import phone
from anju.common.phone import PhoneError, mask_phone, normalize_phone


def reason(raw: str) -> str:
    with pytest.raises(PhoneError) as caught:
        normalize_phone(raw)
    return caught.value.code


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "+86-138-1234-5678",
        "008613812345678",
        "0086 138 1234 5678",
        "8613812345678",
        "１３８１２３４５６７８",
        "＋８６ １３８－１２３４－５６７８",
        "138\u30001234\u30005678",
        " 13812345678\n",
    ],
)
def test_normalize(raw):
    assert normalize_phone(raw) == "13812345678"


@pytest.mark.parametrize("second", "3456789")
def test_every_mobile_prefix(second):
    number = f"1{second}012345678"

    assert normalize_phone(number) == number


@pytest.mark.parametrize("raw", ["", "  ", "\u3000", "--"])
def test_required(raw):
    assert reason(raw) == "required"


@pytest.mark.parametrize(
    "raw",
    [
        "12812345678",
        "10012345678",
        "23812345678",
        "1381234567",
        "138123456789",
        "+86",
        "+8612812345678",
        "8813812345678",
        "+1 202 555 0123",
        "010-12345678",
        "1381234567a",
        "13886123456789",
        "86138123456789",
        "\u0661" + "3812345678",
    ],
)
def test_format(raw):
    assert reason(raw) == "format"


def test_errors_never_carry_the_number():
    with pytest.raises(PhoneError) as caught:
        normalize_phone("12812345678")

    assert "12812345678" not in str(caught.value)
    assert caught.value.key == "phone.format"


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("13812341234", "138****1234"),
        ("19900001111", "199****1111"),
        ("1381234", "***********"),
        ("", "***********"),
    ],
)
def test_mask(number, masked):
    assert mask_phone(number) == masked


def test_every_error_code_has_both_languages():
    assert sorted(phone.MESSAGES) == ["phone.format", "phone.required"]
    for texts in phone.MESSAGES.values():
        assert set(texts) == {"zh", "en"}
