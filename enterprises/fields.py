"""Model fields of the enterprises app."""

from django.core.validators import MaxLengthValidator
from django.db import models

from .validators import validate_credit_code


class CreditCodeField(models.CharField):
    """An 18-character unified social credit code, with one clear message per failed check.

    The generic maximum-length check is left to ``validate_credit_code``, which names the length
    itself, so a clerk never sees two messages for one mistake.
    """

    default_validators = [validate_credit_code]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 18)
        super().__init__(*args, **kwargs)
        self.validators[:] = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]

    def formfield(self, **kwargs):
        field = super().formfield(**kwargs)
        field.max_length = None
        field.validators[:] = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
        field.widget.attrs.pop("maxlength", None)
        return field
