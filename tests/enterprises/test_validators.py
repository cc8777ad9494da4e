import pytest
from django.core.exceptions import ValidationError

from enterprises.validators import (
    build_credit_code,
    credit_code_check_digit,
    org_code_check_digit,
    validate_credit_code,
)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
def test_published_credit_codes_are_accepted(code):
    validate_credit_code(code)


def test_built_codes_pass_both_checks():
    for serial in (0, 1, 12345678, 99999999):
        validate_credit_code(build_credit_code(serial))


def test_check_digits_of_a_known_code():
    assert org_code_check_digit("60003734") == "1"
    assert credit_code_check_digit("91110000600037341") == "L"


@pytest.mark.parametrize(
    ("code", "error_code", "fragment"),
    [
        ("91350100M000100Y4", "credit_code_length", "18"),
        ("91350100M000100Y433", "credit_code_length", "18"),
        ("", "credit_code_length", "18"),
        ("91350100M000100YO3", "credit_code_charset", "O"),
        ("91350100m000100Y43", "credit_code_charset", "m"),
        # A wrong organisation-code check digit (character 17).
        ("91110000600037342L", "credit_code_org_check", "600037342"),
        # A right organisation code, a wrong final check digit.
        ("91110000600037341M", "credit_code_check", "18"),
        ("91350100M000100Y44", "credit_code_check", "18"),
    ],
)
def test_wrong_credit_codes_say_which_check_failed(code, error_code, fragment):
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(code)
    error = excinfo.value
    assert error.code == error_code
    assert fragment in str(error.message % (error.params or {}))


def test_messages_are_in_chinese_by_default():
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code("91110000600037341M")
    assert "校验码" in str(excinfo.value.messages[0])
