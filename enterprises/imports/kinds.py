"""One declarative spec per kind of import: its columns, natural key, references and rules.

A kind lists its columns (label, how a cell is read, which model field it fills) and its
natural key; the engine does the rest. References to other rows (an enterprise by its credit
code, a department by its code or name) are resolved in a few set-based queries per chunk of
rows by ``resolve``. Field rules come from the model fields themselves (their validators,
choices, lengths and decimal places); rules between fields reuse the model's ``clean`` where it
needs no query, and whole-file rules run in ``finish``.

Kinds of other apps register themselves with ``register`` from their own ``imports`` module,
imported by their AppConfig.ready (projects) or else found by ``autodiscover`` the way the admin
finds ``admin`` modules, so this app never imports them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .. import choices
from ..models import (
    Assignment,
    Department,
    Enterprise,
    MonthlyReport,
    Official,
    Target,
    month_not_begun_message,
)
from ..validators import build_credit_code

TEXT, CODE, DECIMAL, INTEGER, MONTH, YEAR, DATE, CHOICE, INFO = (
    "text",
    "code",
    "decimal",
    "integer",
    "month",
    "year",
    "date",
    "choice",
    "info",
)

FORMAT_HELP = {
    TEXT: _("Text."),
    CODE: _("A code: spaces are ignored, letters read as capitals."),
    DECIMAL: _("A number with at most 2 decimals, e.g. 1234.50 (thousands separators allowed)."),
    INTEGER: _("A whole number."),
    MONTH: _("A month: a date cell, or text such as 2021-11 or 2021/11."),
    YEAR: _("A year, e.g. 2021."),
    DATE: _("A date: a date cell, or text such as 2021-11-30."),
    CHOICE: _("One of the values of the dropdown."),
    INFO: _("For reading only: ignored by the import."),
}


@dataclass(frozen=True)
class Column:
    """One column of an import: its header, how its cells are read and what they fill."""

    key: str
    label: Any
    parse: str
    required: bool = False
    # The model field whose validators, choices and default apply; "" for none.
    field: str = ""
    choices: Any = None
    help: Any = ""
    example: Any = None

    def header(self) -> str:
        return capfirst(str(self.label))


class Row:
    """A data row of the file while it is checked: its values, natural key and errors."""

    __slots__ = ("number", "values", "key", "errors", "existing", "blanks")

    def __init__(self, number: int):
        self.number = number
        self.values: dict[str, Any] = {}
        self.key: tuple | None = None
        self.errors: list[tuple[str, Any, str]] = []
        self.existing: dict | None = None
        # The keys of optional cells left blank: absent from ``values``, so an update leaves
        # their stored values alone; a new row takes the model's blank value (default, null).
        self.blanks: list[str] | None = None

    def blank(self, key: str) -> None:
        if self.blanks is None:
            self.blanks = [key]
        else:
            self.blanks.append(key)

    def error(self, column: Column | str, value: Any, message) -> None:
        label = column.header() if isinstance(column, Column) else str(column)
        self.errors.append((label, value, str(message)))


@dataclass
class Context:
    """What a run knows beyond the rows: who imports, when, and caches of reference tables."""

    user: Any
    today: datetime.date
    now: datetime.datetime
    cache: dict = field(default_factory=dict)
    # The connection the writes go through: after_write runs in the writer's thread on
    # PostgreSQL, where ``django.db.connection`` would be another thread's connection.
    db: Any = None

    def once(self, name: str, load):
        """Return ``load()`` computed once per run (a reference table, the closed months)."""
        if name not in self.cache:
            self.cache[name] = load()
        return self.cache[name]

    def closed_months(self) -> set[datetime.date]:
        closed = self.cache.get("closed")
        if closed is not None:
            return closed
        from ..models import Period

        return self.once(
            "closed",
            lambda: set(
                Period.objects.filter(status=choices.PeriodStatus.CLOSED).values_list(
                    "period", flat=True
                )
            ),
        )


def closed_message(period: datetime.date) -> str:
    """Return the model's own message (refuse_closed_month) for a write into a closed month."""
    return _(
        "The month %(period)s is closed: its figures are locked. An administrator "
        "must reopen it before they can change."
    ) % {"period": f"{period:%Y-%m}"}


class ImportKind:
    """A kind of rows that can be imported; subclasses declare columns and references."""

    key = ""
    label: Any = ""
    model: type[Model]
    columns: list[Column] = []
    # Model attnames forming the natural key, after references are resolved.
    natural_key: tuple[str, ...] = ()
    # The path from the model to the row that decides the scope (Enterprise, Project), or "".
    scope_model: type[Model] | None = None
    scope_field = ""
    # Whether the model's clean() runs per row (only for models whose clean needs no query).
    model_clean = False

    @property
    def permissions(self) -> tuple[str, str]:
        meta = self.model._meta
        return (
            f"{meta.app_label}.add_{meta.model_name}",
            f"{meta.app_label}.change_{meta.model_name}",
        )

    def key_columns(self) -> list[Column]:
        """Return the columns that hold the natural key (a reference stands for its id)."""
        references = {"enterprise_id": "credit_code", "project_id": "project"}
        keys = {references.get(name, name) for name in self.natural_key}
        return [column for column in self.columns if column.key in keys]

    def may_import(self, user) -> bool:
        return bool(user and user.is_active and any(user.has_perm(p) for p in self.permissions))

    def notes(self) -> list[Any]:
        """Return sentences for the notes sheet beside the column table."""
        return []

    def resolve(self, ctx: Context, rows: list[Row]) -> None:
        """Turn references into ids, set-based; add an error to rows naming unknown ones."""

    def check(self, ctx: Context, row: Row) -> None:
        """Check rules between fields of one row (no queries)."""

    def finish(self, ctx: Context) -> list[tuple[int, str, Any, str]]:
        """Return errors of whole-file rules, once every row was checked."""
        return []

    def after_write(self, ctx: Context, rows: list[dict]) -> None:
        """Bring derived data in step after rows were written (one call per chunk).

        It may run in the engine's writer thread: its SQL goes through ``ctx.db``, never the
        thread's own ``django.db.connection`` (or the ORM), so it stays in the import's
        transaction.
        """

    def after_all(self, ctx: Context) -> None:
        """Bring derived data in step once everything was written."""

    def export_queryset(self, user=None):
        """Return the rows to write into a filled template (the round trip)."""
        return self.model._default_manager.all()

    def export_row(self, obj) -> dict[str, Any]:
        """Return the cell values of ``obj`` keyed by column key."""
        return {
            column.key: getattr(obj, column.field or column.key, None) for column in self.columns
        }

    def example_rows(self) -> list[dict[str, Any]]:
        """Return example rows, shown in the template's notes sheet (never in its data sheet)."""
        return [
            {column.key: column.example for column in self.columns if column.example is not None}
        ]


# --- references ----------------------------------------------------------------------------------


# Templates used to carry an example row in the data sheet (示例企业有限公司, this code);
# a file still holding one is refused at that row rather than written or silently skipped.
SAMPLE_CREDIT_CODE = build_credit_code(1)


def sample_row_message(row: Row) -> str:
    return _(
        "Row %(row)s is the example row of an old template: delete the row and upload the "
        "file again."
    ) % {"row": row.number}


def resolve_enterprises(ctx: Context, rows: list[Row], column: Column) -> None:
    """Set ``enterprise_id`` from the credit code of each row; two queries per chunk."""
    codes = {row.values[column.key] for row in rows if row.values.get(column.key)}
    sample = SAMPLE_CREDIT_CODE in codes
    codes.discard(SAMPLE_CREDIT_CODE)
    found = dict(Enterprise.objects.filter(credit_code__in=codes).values_list("credit_code", "pk"))
    allowed = ids_in_scope(ctx, Enterprise, set(found.values()))
    for row in rows:
        code = row.values.get(column.key)
        if not code:
            continue
        if sample and code == SAMPLE_CREDIT_CODE:
            row.error(column, code, sample_row_message(row))
            continue
        pk = found.get(code)
        if pk is None:
            row.error(
                column, code, _("No enterprise has the credit code %(code)s.") % {"code": code}
            )
        elif allowed is not None and pk not in allowed:
            row.error(
                column,
                code,
                _("The enterprise %(code)s is outside the enterprises you may change.")
                % {"code": code},
            )
        else:
            row.values["enterprise_id"] = pk


def ids_in_scope(ctx: Context, model, ids: set[int]) -> set[int] | None:
    """Return which of ``ids`` the importing user may change (None: every row, no user)."""
    if ctx.user is None:
        return None
    from core.scoping import scope_queryset

    if not ids:
        return set()
    return set(
        scope_queryset(model._default_manager.filter(pk__in=ids), ctx.user).values_list(
            "pk", flat=True
        )
    )


def departments(ctx: Context) -> dict[str, int]:
    """Return department ids by code and by name (normalised), loaded once per run."""

    def load():
        by = {}
        for pk, code, name in Department.objects.values_list("pk", "code", "name"):
            by[code.strip().lower()] = pk
            by[name.strip().lower()] = pk
        return by

    return ctx.once("departments", load)


def officials(ctx: Context) -> dict[str, list[tuple[int, int, str]]]:
    """Return (id, department id, rank) of the officials by name, loaded once per run."""

    def load():
        by = defaultdict(list)
        for pk, name, department_id, rank in Official.objects.values_list(
            "pk", "name", "department_id", "rank"
        ):
            by[name.strip()].append((pk, department_id, rank))
        return by

    return ctx.once("officials", load)


def resolve_department(ctx: Context, row: Row, column: Column, attname: str) -> None:
    value = row.values.get(column.key)
    if not value:
        return
    pk = departments(ctx).get(str(value).strip().lower())
    if pk is None:
        row.error(
            column, value, _("No department has the code or name “%(value)s”.") % {"value": value}
        )
    else:
        row.values[attname] = pk


def resolve_official(
    ctx: Context, row: Row, column: Column, attname: str, *, rank=None, department_id=None
) -> None:
    """Set ``attname`` to the official named in the cell (of ``rank``, in ``department_id``)."""
    name = row.values.get(column.key)
    if not name:
        return
    candidates = officials(ctx).get(str(name).strip(), [])
    if rank:
        candidates = [c for c in candidates if c[2] == rank] or candidates
    if department_id and len(candidates) > 1:
        candidates = [c for c in candidates if c[1] == department_id] or candidates
    if not candidates:
        row.error(column, name, _("No official is named “%(name)s”.") % {"name": name})
    elif len(candidates) > 1:
        row.error(
            column,
            name,
            _("Several officials are named “%(name)s”: the import cannot tell which one.")
            % {"name": name},
        )
    else:
        row.values[attname] = candidates[0][0]


CREDIT_CODE = Column(
    "credit_code",
    _("unified social credit code"),
    CODE,
    required=True,
    help=_("The enterprise's 18-character code; it must already exist in the system."),
    example=SAMPLE_CREDIT_CODE,
)
ENTERPRISE_NAME = Column(
    "enterprise_name",
    _("enterprise"),
    INFO,
    help=_("The enterprise's name, for reading; the credit code decides."),
    example="示例企业有限公司",
)


# --- the kinds -----------------------------------------------------------------------------------


class EnterpriseKind(ImportKind):
    key = "enterprises"
    label = _("enterprises")
    model = Enterprise
    natural_key = ("credit_code",)
    scope_model = Enterprise
    scope_field = "pk"

    columns = [
        Column(
            "credit_code",
            _("unified social credit code"),
            CODE,
            required=True,
            field="credit_code",
            help=_("18 characters; both check digits are verified. The natural key."),
            example=SAMPLE_CREDIT_CODE,
        ),
        Column("name", _("name"), TEXT, required=True, field="name", example="示例企业有限公司"),
        Column("chain", _("industry chain"), TEXT, field="chain", example="毛绒玩具"),
        Column(
            "chain_role",
            _("role in the chain"),
            CHOICE,
            field="chain_role",
            choices=choices.ChainRole,
            example=choices.ChainRole.PRODUCER,
        ),
        Column("employees", _("employees"), INTEGER, field="employees", example=120),
        Column(
            "poverty_employees",
            _("employees lifted out of poverty"),
            INTEGER,
            field="poverty_employees",
            example=8,
        ),
        Column("address", _("address"), TEXT, field="address"),
    ]

    def resolve(self, ctx, rows):
        codes = {row.values["credit_code"] for row in rows if row.values.get("credit_code")}
        if ctx.user is None or not codes:
            return
        found = dict(
            Enterprise.objects.filter(credit_code__in=codes).values_list("credit_code", "pk")
        )
        allowed = ids_in_scope(ctx, Enterprise, set(found.values()))
        for row in rows:
            code = row.values.get("credit_code")
            if code in found and found[code] not in allowed:
                row.error(
                    self.columns[0],
                    code,
                    _("The enterprise %(code)s is outside the enterprises you may change.")
                    % {"code": code},
                )

    def check(self, ctx, row):
        if row.values.get("credit_code") == SAMPLE_CREDIT_CODE:
            row.error(self.columns[0], SAMPLE_CREDIT_CODE, sample_row_message(row))
            return
        employees = row.values.get("employees") or 0
        poverty = row.values.get("poverty_employees") or 0
        if poverty > employees:
            row.error(
                self.columns[5],
                poverty,
                _("Employees lifted out of poverty cannot exceed the employees."),
            )


class AssignmentKind(ImportKind):
    key = "assignments"
    label = _("assignments (五个一)")
    model = Assignment
    natural_key = ("enterprise_id", "year")
    model_clean = True

    columns = [
        Column("year", _("year"), YEAR, required=True, field="year", example=2021),
        CREDIT_CODE,
        ENTERPRISE_NAME,
        Column(
            "department",
            _("sponsoring department"),
            TEXT,
            required=True,
            help=_("The department's code or its name."),
            example="D0001",
        ),
        Column(
            "leader",
            _("leader"),
            TEXT,
            required=True,
            help=_("The name of a county-level leader."),
            example="张三",
        ),
        Column(
            "responsible",
            _("responsible person"),
            TEXT,
            required=True,
            help=_("The name of an official, preferably of the sponsoring department."),
            example="李四",
        ),
        Column("plan_goals", _("plan: goals"), TEXT, field="plan_goals"),
        Column("plan_standards", _("plan: standards"), TEXT, field="plan_standards"),
        Column("plan_deadline", _("plan: deadline"), DATE, field="plan_deadline"),
    ]

    def notes(self):
        return [_("The team (工作专班) is not imported: add its members on the assignment's page.")]

    def resolve(self, ctx, rows):
        resolve_enterprises(ctx, rows, self.columns[1])
        for row in rows:
            resolve_department(ctx, row, self.columns[3], "department_id")
            resolve_official(
                ctx, row, self.columns[4], "leader_id", rank=choices.OfficialRank.COUNTY_LEADER
            )
            resolve_official(
                ctx,
                row,
                self.columns[5],
                "responsible_id",
                department_id=row.values.get("department_id"),
            )

    def check(self, ctx, row):
        leader_id = row.values.get("leader_id")
        if leader_id is None:
            return
        rank = next(
            (
                c[2]
                for c in officials(ctx).get(str(row.values["leader"]).strip(), [])
                if c[0] == leader_id
            ),
            None,
        )
        instance = Assignment(leader=Official(pk=leader_id, rank=rank))
        try:
            instance.clean()
        except ValidationError as error:
            for messages in error.message_dict.values():
                for message in messages:
                    row.error(self.columns[4], row.values["leader"], message)

    def export_queryset(self, user=None):
        return Assignment.objects.select_related(
            "enterprise", "department", "leader", "responsible"
        )

    def export_row(self, obj):
        return {
            "year": obj.year,
            "credit_code": obj.enterprise.credit_code,
            "enterprise_name": obj.enterprise.name,
            "department": obj.department.code,
            "leader": obj.leader.name,
            "responsible": obj.responsible.name,
            "plan_goals": obj.plan_goals,
            "plan_standards": obj.plan_standards,
            "plan_deadline": obj.plan_deadline,
        }


class TargetKind(ImportKind):
    key = "targets"
    label = _("annual targets")
    model = Target
    natural_key = ("enterprise_id", "year", "metric")

    columns = [
        Column("year", _("year"), YEAR, required=True, field="year", example=2021),
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

    def resolve(self, ctx, rows):
        resolve_enterprises(ctx, rows, self.columns[1])

    def export_queryset(self, user=None):
        return Target.objects.select_related("enterprise")

    def export_row(self, obj):
        return {
            "year": obj.year,
            "credit_code": obj.enterprise.credit_code,
            "enterprise_name": obj.enterprise.name,
            "metric": obj.metric,
            "value": obj.value,
        }


REPORT_METRICS = [
    "output_value",
    "value_added",
    "revenue",
    "profit",
    "tax",
    "employees",
    "wages",
    "electricity",
]


class MonthlyReportKind(ImportKind):
    key = "monthly_reports"
    label = _("monthly reports")
    model = MonthlyReport
    natural_key = ("enterprise_id", "period")

    columns = [
        CREDIT_CODE,
        ENTERPRISE_NAME,
        Column("period", _("month"), MONTH, required=True, field="period", example="2021-11"),
        *[
            Column(
                metric,
                MonthlyReport._meta.get_field(metric).verbose_name,
                INTEGER if metric == "employees" else DECIMAL,
                field=metric,
                example=120 if metric == "employees" else "100.00",
            )
            for metric in REPORT_METRICS
        ],
    ]

    def notes(self):
        return [
            _(
                "Figures of the month itself (当月值), never cumulative; money in 万元, "
                "electricity in 万千瓦时. Profit may be negative, the other amounts may not."
            ),
            _("Months already closed, and months not begun yet, are refused."),
        ]

    def resolve(self, ctx, rows):
        resolve_enterprises(ctx, rows, self.columns[0])

    def check(self, ctx, row):
        period = row.values.get("period")
        if period is not None and period > ctx.today.replace(day=1):
            row.error(self.columns[2], f"{period:%Y-%m}", month_not_begun_message(period))
        elif period is not None and period in ctx.closed_months():
            row.error(self.columns[2], f"{period:%Y-%m}", closed_message(period))

    def after_write(self, ctx, rows):
        # Chunk by chunk, so the rollup's writes overlap with reading the rest of the file; a
        # pair cut by a chunk boundary is simply refreshed twice.
        from .engine import refresh_ytd_pairs

        refresh_ytd_pairs({(row["enterprise_id"], row["period"].year) for row in rows}, db=ctx.db)

    def export_queryset(self, user=None):
        return MonthlyReport.objects.select_related("enterprise")

    def export_row(self, obj):
        return {
            "credit_code": obj.enterprise.credit_code,
            "enterprise_name": obj.enterprise.name,
            "period": obj.period.strftime("%Y-%m"),
            **{metric: getattr(obj, metric) for metric in REPORT_METRICS},
        }


# --- the registry --------------------------------------------------------------------------------

KINDS: dict[str, ImportKind] = {}
_discovered = False


def register(kind: ImportKind) -> ImportKind:
    """Make ``kind`` importable under its key."""
    KINDS[kind.key] = kind
    return kind


def autodiscover() -> None:
    """Import the ``imports`` module of every installed app, which registers its kinds."""
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("imports")
        _discovered = True


def get_kind(key: str) -> ImportKind | None:
    autodiscover()
    return KINDS.get(key)


def all_kinds() -> list[ImportKind]:
    autodiscover()
    return list(KINDS.values())


for _kind in (EnterpriseKind(), AssignmentKind(), TargetKind(), MonthlyReportKind()):
    register(_kind)
