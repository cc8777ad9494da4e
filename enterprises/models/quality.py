"""The data-quality flags of the monthly figures (统计数据质量) and their explanations."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import BoundedTextField

from .. import choices
from ..quality import flag_message
from .enterprise import Enterprise
from .figures import MonthlyReport

EXPLANATION_MAX = 300


class FigureFlag(models.Model):
    """A rule of enterprises/quality.py that a monthly report breaks, and why, if explained.

    Derived data: recomputed whenever the report, or a report it is compared against (the
    month before, the same month a year earlier), is written. A flag that still holds keeps its
    explanation while the numbers it compared are the same; new numbers need a new one. The
    reporter explains a flag (a short reason, kept with history) or corrects the figure.
    ``enterprise`` and ``period`` repeat the report's, so a month's board reads one index.
    """

    report = models.ForeignKey(
        MonthlyReport,
        verbose_name=_("monthly report"),
        on_delete=models.CASCADE,
        related_name="flags",
        db_index=False,
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="figure_flags",
        db_index=False,
    )
    period = models.DateField(_("month"))
    rule = models.CharField(_("rule"), max_length=32, choices=choices.FlagRule)
    metric = models.CharField(_("metric"), max_length=16, choices=choices.Metric)
    params = models.JSONField(_("numbers compared"), default=dict)
    explanation = BoundedTextField(_("explanation"), blank=True, max_length=EXPLANATION_MAX)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("explained by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    explained_at = models.DateTimeField(_("explained at"), null=True, blank=True)
    created_at = models.DateTimeField(_("flagged at"), auto_now_add=True)

    history = HistoricalRecords(no_db_index=["enterprise", "report", "explained_by"])

    class Meta:
        verbose_name = _("figure flag")
        verbose_name_plural = _("figure flags")
        ordering = ["-period", "enterprise_id", "rule", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "rule", "metric"], name="figure_flag_one_per_rule_metric"
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="figure_flag_period_first_day"),
            models.CheckConstraint(
                condition=Q(rule__in=choices.FlagRule.values), name="figure_flag_rule_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["period", "enterprise"], name="figure_flag_period_idx"),
            models.Index(fields=["enterprise", "period"], name="figure_flag_enterprise_idx"),
        ]

    def __str__(self):
        return f"{self.enterprise_id} · {self.period:%Y-%m} · {self.rule} · {self.metric}"

    @property
    def explained(self) -> bool:
        return bool(self.explanation)

    @property
    def message(self) -> str:
        return flag_message(self.rule, self.metric, self.params)
