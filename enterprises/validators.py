"""Validators of identifiers used by Chinese enterprises."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: the 31 characters a unified social credit code may hold (no I, O, S, V, Z).
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714-1997: the organisation code embedded in characters 9-17.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def credit_code_check_digit(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters of a code."""
    total = sum(
        CREDIT_CODE_CHARSET.index(ch) * weight
        for ch, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def org_code_check_digit(body8: str) -> str:
    """Return the GB 11714-1997 check character for the 8-character body of an organisation code."""
    total = sum(
        ORG_CODE_CHARSET.index(ch) * weight
        for ch, weight in zip(body8, ORG_CODE_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def validate_credit_code(value: str) -> None:
    """Validate a unified social credit code (统一社会信用代码) and say which check failed.

    Checks, in order: the length (18), the characters allowed, the check digit of the embedded
    9-character organisation code (characters 9-17, GB 11714-1997) and the code's own check digit
    (character 18, GB 32100-2015).
    """
    if not isinstance(value, str) or len(value) != 18:
        raise ValidationError(
            _("A unified social credit code has exactly 18 characters (this one has %(n)s)."),
            code="credit_code_length",
            params={"n": len(value) if isinstance(value, str) else 0},
        )
    bad = sorted({ch for ch in value if ch not in CREDIT_CODE_CHARSET})
    if bad:
        raise ValidationError(
            _(
                "The credit code contains characters that are not allowed: %(chars)s "
                "(only digits and capital letters except I, O, S, V and Z)."
            ),
            code="credit_code_charset",
            params={"chars": " ".join(bad)},
        )
    org_code = value[8:17]
    if any(ch not in ORG_CODE_CHARSET for ch in org_code[:8]) or org_code[
        8
    ] != org_code_check_digit(org_code[:8]):
        raise ValidationError(
            _(
                "The check digit of the embedded organisation code (characters 9-17, %(org)s) "
                "is wrong."
            ),
            code="credit_code_org_check",
            params={"org": org_code},
        )
    if value[17] != credit_code_check_digit(value[:17]):
        raise ValidationError(
            _("The check digit of the credit code (its 18th character) is wrong."),
            code="credit_code_check",
        )


def build_credit_code(serial: int, *, prefix: str = "91610900") -> str:
    """Return a valid credit code whose organisation code body is ``serial`` (for demo and tests).

    ``prefix`` holds the registration authority, the institution type and the 6-digit division
    code (610900: Ankang, Shaanxi).
    """
    body = f"{serial:08d}"
    first17 = prefix + body + org_code_check_digit(body)
    return first17 + credit_code_check_digit(first17)
