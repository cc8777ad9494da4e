"""The zone's kinds of Excel import that clerks fill in by the dozen: safety activities (with
the publicity materials and people trained), the zone's standing in the city, its milestones
(honours and platforms), promotion events (trade fairs) and the industry chains by year.

Declarative like the sponsorship's kinds (``enterprises.imports``): columns, natural key and
the rules between fields; the engine previews, refuses bad rows naming them and writes all or
nothing. Text that would start a formula is stored as text and guarded again on export
(core/exports.py). Registered when ``enterprises.imports`` is discovered, after its kinds.
"""

from __future__ import annotations

import re

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

from .choices import MilestoneKind, MilestoneLevel, StandingIndicator
from .choices import SafetyActivityKind as ActivityKind
from .models import ChainYear, Enterprise, Milestone, PromotionEvent, SafetyActivity, ZoneStanding

# The most enterprises one cell may name (a fair or a milestone names a few).
NAMES_PER_CELL = 50
NAME_SEPARATORS = re.compile(r"[、,，;；\n]+")


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


# --- enterprises named in a cell -----------------------------------------------------------------


def _enterprise_ids_by_name(ctx, names: set[str]) -> dict[str, int]:
    """Return the ids of the enterprises of ``names`` the importing user may see (one query)."""
    from core.scoping import scope_queryset

    found = Enterprise.objects.filter(name__in=names)
    if ctx.user is not None:
        found = scope_queryset(found, ctx.user)
    return dict(found.values_list("name", "pk"))


def split_names(value) -> list[str]:
    """Return the names of a cell: separated by 、 , ; or a line break, blanks dropped."""
    return [name.strip() for name in NAME_SEPARATORS.split(str(value or "")) if name.strip()]


class _EnterprisesNamed:
    """A kind whose rows name their enterprises (a many-to-many) in one cell, by name.

    A filled cell replaces the stored list once every row is written (``after_all``, in the
    import's transaction); a blank one leaves it alone. An unknown name is refused at its row.
    """

    links_column = "enterprises"

    def _links_cell(self):
        return next(c for c in self.columns if c.key == self.links_column)

    def resolve(self, ctx, rows):
        column = self._links_cell()
        named = {row.number: split_names(row.values.get(column.key)) for row in rows}
        ids = _enterprise_ids_by_name(ctx, {n for names in named.values() for n in names})
        links = ctx.cache.setdefault("links", {})
        for row in rows:
            names = named[row.number]
            row.values.pop(column.key, None)
            if not names:
                continue
            if len(names) > NAMES_PER_CELL:
                row.error(
                    column,
                    f"{len(names)}",
                    _("A cell names at most %(max)s enterprises.") % {"max": NAMES_PER_CELL},
                )
                continue
            unknown = [name for name in names if name not in ids]
            for name in unknown:
                row.error(column, name, _("No enterprise is named “%(name)s”.") % {"name": name})
            if not unknown:
                row_key = tuple(row.values.get(name) for name in self.natural_key)
                links[row_key] = sorted({ids[name] for name in names})

    def after_all(self, ctx):
        for row_key, ids in ctx.cache.get("links", {}).items():
            stored = self.model._default_manager.get(
                **dict(zip(self.natural_key, row_key, strict=True))
            )
            if sorted(stored.enterprises.values_list("pk", flat=True)) != ids:
                stored._history_user = ctx.user  # the many-to-many's history names the importer
                stored.enterprises.set(ids)

    def export_queryset(self, user=None):
        return self.model._default_manager.prefetch_related("enterprises")

    def export_row(self, obj):
        row = super().export_row(obj)
        row[self.links_column] = "、".join(sorted(e.name for e in obj.enterprises.all()))
        return row


def _enterprises_column(example):
    return Column(
        "enterprises",
        _("enterprises"),
        TEXT,
        help=_(
            "The enterprises taking part, by their full names separated by 、; a filled cell "
            "replaces the stored list, a blank one leaves it."
        ),
        example=example,
    )


class MilestoneImport(_EnterprisesNamed, ImportKind):
    key = "milestones"
    label = _("milestones")
    model = Milestone
    natural_key = ("happened_on", "title")
    model_clean = True

    columns = [
        Column(
            "happened_on", _("date"), DATE, required=True, field="happened_on", example="2021-06-30"
        ),
        Column(
            "kind",
            _("kind"),
            CHOICE,
            required=True,
            field="kind",
            choices=MilestoneKind,
            example=MilestoneKind.RECOGNITION,
        ),
        Column(
            "title",
            pgettext_lazy("record heading", "title"),
            TEXT,
            required=True,
            field="title",
            example="国家外贸转型升级基地（毛绒玩具产业）",
        ),
        Column(
            "level",
            _("level"),
            CHOICE,
            field="level",
            choices=MilestoneLevel,
            example=MilestoneLevel.NATIONAL,
        ),
        _enterprises_column("安贝斯玩具科创（安康）有限公司"),
        Column("institutions", _("institutions"), TEXT, field="institutions", example="苏州大学"),
        Column("note", _("note"), TEXT, field="note"),
    ]

    def notes(self):
        return [_("One milestone per date and title: a row naming a stored one changes it.")]


class PromotionEventImport(_EnterprisesNamed, ImportKind):
    key = "promotion_events"
    label = _("promotion events")
    model = PromotionEvent
    natural_key = ("held_on", "title", "city")
    model_clean = True

    columns = [
        Column("held_on", _("date"), DATE, required=True, field="held_on", example="2021-09-10"),
        Column(
            "title",
            _("event"),
            TEXT,
            required=True,
            field="title",
            example="名优特色产品展销活动",
        ),
        Column("city", _("city"), TEXT, required=True, field="city", example="南宁"),
        _enterprises_column("安康恒安玩具有限公司、安贝斯玩具科创（安康）有限公司"),
        Column("note", _("note"), TEXT, field="note"),
    ]

    def notes(self):
        return [_("One event per date, title and city: a row naming a stored one changes it.")]


class ChainYearImport(ImportKind):
    key = "chain_years"
    label = _("chain years")
    model = ChainYear
    natural_key = ("chain", "year", "enterprise_id")
    key_references = {"enterprise_id": "enterprise"}
    model_clean = True

    columns = [
        Column(
            "chain", _("industry chain"), TEXT, required=True, field="chain", example="毛绒玩具"
        ),
        Column("year", _("year"), YEAR, required=True, field="year", example=2021),
        Column(
            "enterprise",
            _("enterprise"),
            TEXT,
            help=_("The enterprise's full name; blank for the chain as a whole."),
        ),
        Column("output", _("output (10k CNY)"), DECIMAL, field="output", example="60924.12"),
        Column(
            "cumulative_output",
            _("cumulative output (10k CNY)"),
            DECIMAL,
            field="cumulative_output",
            example="109800.00",
        ),
        Column("employment", _("employment"), INTEGER, field="employment", example=3107),
        Column(
            "poverty_employment",
            _("employment of people out of poverty"),
            INTEGER,
            field="poverty_employment",
            example=378,
        ),
        Column("branch_factories", _("branch factories"), INTEGER, field="branch_factories"),
        Column("workshops", _("family workshops"), INTEGER, field="workshops"),
        Column(
            "income_increase",
            _("income increase per person (CNY)"),
            DECIMAL,
            field="income_increase",
            example="30000.00",
        ),
        Column(
            "supporting_enterprises",
            _("supporting enterprises brought"),
            INTEGER,
            field="supporting_enterprises",
        ),
        Column("note", _("source note"), TEXT, field="note"),
    ]

    def notes(self):
        return [
            _(
                "One row per chain and year for the chain as a whole (enterprise blank), and "
                "one per chain, year and enterprise: a row naming a stored one changes it."
            )
        ]

    def resolve(self, ctx, rows):
        column = self.columns[2]
        names = {row.values[column.key] for row in rows if row.values.get(column.key)}
        ids = _enterprise_ids_by_name(ctx, names)
        for row in rows:
            name = row.values.pop(column.key, None)
            if not name:
                row.values["enterprise_id"] = None
            elif name in ids:
                row.values["enterprise_id"] = ids[name]
            else:
                row.error(column, name, _("No enterprise is named “%(name)s”.") % {"name": name})

    def check(self, ctx, row):
        # ChainYear.clean's rule, without building the row.
        poverty, employment = row.values.get("poverty_employment"), row.values.get("employment")
        if poverty is not None and employment is not None and poverty > employment:
            column = next(c for c in self.columns if c.key == "poverty_employment")
            row.error(
                column,
                poverty,
                _("Employment of people out of poverty cannot exceed the employment."),
            )

    def export_queryset(self, user=None):
        return ChainYear.objects.select_related("enterprise")

    def export_row(self, obj):
        row = super().export_row(obj)
        row["enterprise"] = obj.enterprise.name if obj.enterprise_id else None
        return row


for _kind in (
    SafetyActivityImport(),
    ZoneStandingImport(),
    MilestoneImport(),
    PromotionEventImport(),
    ChainYearImport(),
):
    register(_kind)
