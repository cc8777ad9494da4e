"""The enterprises' kinds of Excel import: enterprises, assignments, targets, monthly reports.

One declarative spec per kind (``core.imports.kinds``): its columns, natural key, references
and rules; the engine (``core.imports.engine``) does the rest. References to other rows (an
enterprise by its credit code, a department by its code or name, an official by name) are
resolved here in a few set-based queries per chunk, for the projects' kinds too. Found and
registered by ``core.imports.kinds.autodiscover``.

Writing monthly reports brings the year-to-date rollup in step chunk by chunk
(``MonthlyReportKind.after_write``); every import that writes drops the cached figures.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.imports.kinds import (
    CHOICE,
    CODE,
    DATE,
    DECIMAL,
    INFO,
    INTEGER,
    MONTH,
    TEXT,
    YEAR,
    Column,
    Context,
    ImportKind,
    Row,
    register,
)

from . import choices
from .models import (
    Assignment,
    Department,
    Enterprise,
    MonthlyReport,
    Official,
    Period,
    Target,
    month_not_begun_message,
)
from .quality import QualityThresholds, check_report, flag_message
from .services import aggregates
from .services.figures import refresh_ytd_pairs
from .services.quality import refresh_figure_flags
from .validators import build_credit_code


def closed_months(ctx: Context) -> set[datetime.date]:
    """Return the closed months, read once per run: their figures are locked (domain.md)."""
    closed = ctx.cache.get("closed")
    if closed is not None:
        return closed
    return ctx.once(
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
# A key's enterprise id stands for the credit code that named it.
ENTERPRISE_REFERENCE = {"enterprise_id": "credit_code"}
ENTERPRISE_NAME = Column(
    "enterprise_name",
    _("enterprise"),
    INFO,
    help=_("The enterprise's name, for reading; the credit code decides."),
    example="示例企业有限公司",
)
SPONSOR_DEPARTMENT = Column(
    "department",
    _("sponsoring department"),
    TEXT,
    required=True,
    help=_("The department's code or its name."),
    example="D0001",
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
    key_references = ENTERPRISE_REFERENCE
    model_clean = True

    columns = [
        Column("year", _("year"), YEAR, required=True, field="year", example=2021),
        CREDIT_CODE,
        ENTERPRISE_NAME,
        SPONSOR_DEPARTMENT,
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

    def after_write(self, ctx, rows):
        ctx.once("touched_years", set).update(row["year"] for row in rows)

    def after_all(self, ctx):
        # Bulk writes send no signals: every department total of the years written follows.
        aggregates.refresh_years(years=ctx.once("touched_years", set))

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
    key_references = ENTERPRISE_REFERENCE

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

    def after_write(self, ctx, rows):
        ctx.once("touched_years", set).update(row["year"] for row in rows)

    def after_all(self, ctx):
        # Bulk writes send no signals: every department total of the years written follows.
        aggregates.refresh_years(years=ctx.once("touched_years", set))

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
    key_references = ENTERPRISE_REFERENCE

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
        elif period is not None and period in closed_months(ctx):
            row.error(self.columns[2], f"{period:%Y-%m}", closed_message(period))

    def preview_warnings(self, rows):
        """Return the data-quality flags each previewed row would get, by row number.

        A row is compared with the month before and the same month a year earlier as they
        would be after the import: the file's own rows where it has them, the stored ones
        otherwise (one query for every previewed row).
        """
        values = {}
        for number, (key, row) in rows.items():
            values[key] = (number, {metric: row.get(metric) or 0 for metric in REPORT_METRICS})
        enterprise_ids = {enterprise_id for enterprise_id, _period in values}
        years = {period.year for _e, period in values}
        stored = {
            (report["enterprise_id"], report["period"]): report
            for report in MonthlyReport.objects.filter(
                enterprise_id__in=enterprise_ids,
                period__year__in=sorted(years | {year - 1 for year in years}),
            )
            .order_by()  # the model's ordering would join the enterprises to sort the rows
            .values("enterprise_id", "period", *REPORT_METRICS)
        }

        def figures(key):
            if key in values:
                return values[key][1]
            return stored.get(key)

        thresholds = QualityThresholds.from_settings()
        warnings = {}
        for (enterprise_id, period), (number, report) in values.items():
            before = (period - datetime.timedelta(days=1)).replace(day=1)
            findings = check_report(
                report,
                previous=figures((enterprise_id, before)),
                last_year=figures((enterprise_id, period.replace(year=period.year - 1))),
                thresholds=thresholds,
            )
            if findings:
                warnings[number] = [flag_message(f.rule, f.metric, f.params) for f in findings]
        return warnings

    def after_write(self, ctx, rows):
        # Chunk by chunk, so the rollup's writes overlap with reading the rest of the file; a
        # pair cut by a chunk boundary is simply refreshed twice.
        pairs = {(row["enterprise_id"], row["period"].year) for row in rows}
        refresh_ytd_pairs(pairs, db=ctx.db)
        ctx.once("touched_pairs", set).update(pairs)

    def after_all(self, ctx):
        # The department totals and the data-quality flags once, over every pair the file
        # touched (the flags compare each month with its neighbours, wherever they were read).
        pairs = ctx.once("touched_pairs", set)
        aggregates.refresh_for_enterprises(pairs=pairs)
        refresh_figure_flags(pairs=pairs, acting_user=ctx.user)

    def export_queryset(self, user=None):
        return MonthlyReport.objects.select_related("enterprise")

    def export_row(self, obj):
        return {
            "credit_code": obj.enterprise.credit_code,
            "enterprise_name": obj.enterprise.name,
            "period": obj.period.strftime("%Y-%m"),
            **{metric: getattr(obj, metric) for metric in REPORT_METRICS},
        }


# --- the year-to-date rollup of imported reports -------------------------------------------------

# The pairs' reports are read with one range scan of the (enterprise, period) index each, and
# the twelve months come from generate_series(1, 12): with constant bounds the planner counts
# its rows right, where bounds computed from each pair made it guess 1,000 rows a pair and, on
# a table of millions of reports, hash the whole table for every chunk. A pair without any
# report that year gets no rows.


for _kind in (EnterpriseKind(), AssignmentKind(), TargetKind(), MonthlyReportKind()):
    register(_kind)

# The zone's records that clerks import by the dozen (safety activities, the zone's standing),
# after the sponsorship's kinds on the import page.
from . import zone_imports  # noqa: E402, F401
