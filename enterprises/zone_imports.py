"""The zone's kinds of Excel import that clerks fill in by the dozen: safety activities (with
the publicity materials and people trained) and the zone's standing in the city.

Declarative like the sponsorship's kinds (``enterprises.imports``): columns, natural key and
the rules between fields; the engine previews, refuses bad rows naming them and writes all or
nothing. Text that would start a formula is stored as text and guarded again on export
(core/exports.py). Registered when ``enterprises.imports`` is discovered, after its kinds.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.imports.kinds import (
    CHOICE,
    DATE,
    DECIMAL,
    INTEGER,
    TEXT,
    YEAR,
    Column,
    ImportKind,
    register,
)

from .choices import SafetyActivityKind as ActivityKind
from .choices import StandingIndicator
from .models import SafetyActivity, ZoneStanding


class SafetyActivityImport(ImportKind):
    key = "safety_activities"
    label = _("safety activities")
    model = SafetyActivity
    natural_key = ("held_on", "title")
    model_clean = True

    columns = [
        Column("held_on", _("date"), DATE, required=True, field="held_on", example="2021-06-16"),
        Column(
            "kind",
            _("kind"),
            CHOICE,
            required=True,
            field="kind",
            choices=ActivityKind,
            example=ActivityKind.TRAINING,
        ),
        Column(
            "title",
            pgettext_lazy("record heading", "title"),
            TEXT,
            required=True,
            field="title",
            example="安全生产培训",
        ),
        Column("participants", _("participants"), INTEGER, field="participants", example=86),
        Column(
            "materials_distributed",
            _("materials distributed"),
            INTEGER,
            field="materials_distributed",
            help=_("Publicity materials handed out (份); blank if none were counted."),
        ),
        Column(
            "people_trained",
            _("people trained"),
            INTEGER,
            field="people_trained",
            help=_("People of the zone trained; blank if not counted."),
        ),
        Column("venue", _("venue"), TEXT, field="venue"),
    ]

    def notes(self):
        return [_("One activity per date and title: a row naming a stored one changes it.")]


class ZoneStandingImport(ImportKind):
    key = "zone_standings"
    label = _("zone standings")
    model = ZoneStanding
    natural_key = ("year", "indicator")

    columns = [
        Column("year", _("year"), YEAR, required=True, field="year", example=2021),
        Column(
            "indicator",
            _("indicator"),
            CHOICE,
            required=True,
            field="indicator",
            choices=StandingIndicator,
            example=StandingIndicator.VALUE_ADDED,
        ),
        Column(
            "rank",
            pgettext_lazy("standing", "rank"),
            INTEGER,
            required=True,
            field="rank",
            example=2,
        ),
        Column(
            "out_of",
            _("out of"),
            INTEGER,
            required=True,
            field="out_of",
            help=_("How many counties and zones of the city are ranked."),
            example=13,
        ),
        Column("value", _("value"), DECIMAL, field="value"),
        Column("unit", _("unit"), TEXT, field="unit"),
        Column("note", _("note"), TEXT, field="note"),
    ]

    def check(self, ctx, row):
        rank, out_of = row.values.get("rank"), row.values.get("out_of")
        if rank is not None and rank < 1:
            row.error(self.columns[2], rank, _("The rank is 1 or more."))
        elif rank is not None and out_of is not None and rank > out_of:
            row.error(self.columns[2], rank, _("The rank cannot exceed how many are ranked."))


for _kind in (SafetyActivityImport(), ZoneStandingImport()):
    register(_kind)
