"""The site's kind of Excel import: next year's draft targets of a turn of the year.

Found by ``core.imports.kinds.autodiscover``. The targets are checked and written all or
nothing like every import; they go into the drafts of the year's turn (never into the real
targets, which only the confirmation writes), for enterprises among its draft assignments.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.imports.kinds import CHOICE, DECIMAL, YEAR, Column, ImportKind, register
from enterprises import choices
from enterprises.imports import CREDIT_CODE, ENTERPRISE_NAME, resolve_enterprises

from .annual.models import YearTurnStatus
from .models import DraftAssignment, DraftTarget, YearTurn


class DraftTargetKind(ImportKind):
    key = "year_turn_targets"
    label = _("draft targets of the turn of the year")
    model = DraftTarget
    natural_key = ("turn_id", "enterprise_id", "metric")
    key_references = {"enterprise_id": "credit_code", "turn_id": "year"}

    columns = [
        Column(
            "year",
            _("year"),
            YEAR,
            required=True,
            help=_("The new year, whose turn must be started and not yet confirmed."),
            example=2022,
        ),
        CREDIT_CODE,
        ENTERPRISE_NAME,
        Column(
            "metric",
            _("metric"),
            CHOICE,
            required=True,
            field="metric",
            choices=choices.Metric,
            example=choices.Metric.OUTPUT_VALUE,
        ),
        Column(
            "value", _("target value"), DECIMAL, required=True, field="value", example="1200.00"
        ),
    ]

    def notes(self):
        return [
            _(
                "The targets are drafts: they count only once the turn of the year is "
                "confirmed on its page."
            )
        ]

    def resolve(self, ctx, rows):
        resolve_enterprises(ctx, rows, self.columns[1])
        years = {row.values.get("year") for row in rows} - {None}
        turns = dict(
            YearTurn.objects.filter(year__in=years, status=YearTurnStatus.DRAFT).values_list(
                "year", "pk"
            )
        )
        drafted = set(
            DraftAssignment.objects.filter(turn_id__in=turns.values()).values_list(
                "turn_id", "enterprise_id"
            )
        )
        for row in rows:
            year = row.values.get("year")
            if year is None:
                continue
            turn_id = turns.get(year)
            if turn_id is None:
                row.error(
                    self.columns[0],
                    year,
                    _("The year %(year)s has no turn of the year in draft.") % {"year": year},
                )
                continue
            row.values["turn_id"] = turn_id
            enterprise_id = row.values.get("enterprise_id")
            if enterprise_id is not None and (turn_id, enterprise_id) not in drafted:
                row.error(
                    self.columns[1],
                    row.values.get("credit_code"),
                    _("This enterprise is not among the year's draft assignments."),
                )

    def export_queryset(self, user=None):
        return DraftTarget.objects.filter(turn__status=YearTurnStatus.DRAFT).select_related(
            "turn", "enterprise"
        )

    def export_row(self, obj):
        return {
            "year": obj.turn.year,
            "credit_code": obj.enterprise.credit_code,
            "enterprise_name": obj.enterprise.name,
            "metric": obj.metric,
            "value": obj.value,
        }


register(DraftTargetKind())
