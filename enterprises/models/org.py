"""Departments and their officials: who sponsors."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import choices
from .base import TimeStampedModel


class Department(TimeStampedModel):
    """A government unit: a sponsoring department, the economic bureau or one of the offices."""

    # Few enough for the browsable API to offer them in a dropdown (core.api.IdField).
    api_dropdown = True

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(
        _("kind"),
        max_length=32,
        choices=choices.DepartmentKind,
        default=choices.DepartmentKind.SPONSOR,
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=choices.DepartmentKind.values), name="department_kind_valid"
            ),
        ]

    def __str__(self):
        return self.name


class Official(TimeStampedModel):
    """A person who takes part in the sponsorship, optionally linked to a login."""

    name = models.CharField(_("name"), max_length=50)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="officials",
    )
    rank = models.CharField(
        _("rank"), max_length=32, choices=choices.OfficialRank, default=choices.OfficialRank.STAFF
    )
    title = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="official",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        ordering = ["department__code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rank__in=choices.OfficialRank.values), name="official_rank_valid"
            ),
            models.UniqueConstraint(
                fields=["department"],
                condition=Q(rank="department_head"),
                name="official_one_head_per_department",
                violation_error_message=_("This department already has a department head."),
            ),
        ]

    def __str__(self):
        return self.name
