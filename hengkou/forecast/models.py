"""The stored history of the year-end projections (derived data)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectionHistory(models.Model):
    """This year's members' figures of the earlier years for a month's projection (derived data).

    What ``get_projection_history`` sums for an enterprise metric, kept with the fingerprint of
    the department totals it depends on: the month's (this year's members and figures) and each
    earlier year's December (any figure of that year rewrites it). A read whose fingerprint
    differs sums afresh and replaces the row. ``history`` maps a department id to each earlier
    year's [figure by the month, year-end figure], as Decimal strings.
    """

    period = models.DateField(_("month"))
    metric = models.CharField(_("metric"), max_length=32)
    fingerprint = models.CharField(_("fingerprint"), max_length=200)
    history = models.JSONField(_("history"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        app_label = "hengkou"
        verbose_name = _("projection history")
        verbose_name_plural = _("projection histories")
        constraints = [
            models.UniqueConstraint(fields=["period", "metric"], name="projection_history_unique")
        ]

    def __str__(self):
        return f"{self.period:%Y-%m} {self.metric}"
