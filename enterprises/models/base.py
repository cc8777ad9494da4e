"""What every model of the app shares: creation and modification times, money and years."""

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.periods import check_date_begun, check_year_begun

MONEY = {"max_digits": 14, "decimal_places": 2}
YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]
YEAR_RANGE = Q(year__gte=2000, year__lte=2100)
NON_NEGATIVE = [MinValueValidator(0)]
# A year or a day something happened in: one that has begun (the current year counts), from
# 2000 on like every year of the site; the admin, the pages, the imports and the API refuse others.
BEGUN_YEAR_VALIDATORS = [*YEAR_VALIDATORS, check_year_begun]
FIRST_DAY = datetime.date(2000, 1, 1)
BEGUN_DATE_VALIDATORS = [MinValueValidator(FIRST_DAY), check_date_begun]


class TimeStampedModel(models.Model):
    """Add creation and modification times to a model."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
