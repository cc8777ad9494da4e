"""The page of a department's members behind its ranking row (the dashboard's drill-down)."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import Column, xlsx_response
from core.periods import DefaultPeriod
from enterprises.models import Department

from ..bulletin.content import metric_unit
from ..bulletin.tables import projection_basis
from ..choices import MemberReportStatus, RankedMetric
from ..forms import DashboardForm
from ..ranking import INVESTMENT_METRICS, STOCK_METRICS
from ..selectors.drilldown import DepartmentMembers, get_department_members, money_of
from ..selectors.projections import get_department_projection
from .dashboard import dashboard_form

REPORT_STATUS_LABELS = dict(MemberReportStatus.choices)


def member_headers(metric: str, period: datetime.date) -> dict[str, str]:
    """Return the members table's column titles, each saying exactly what its number is."""
    unit = {"unit": metric_unit(metric), "month": period.month}
    if metric in STOCK_METRICS:
        ytd = _("At the end of month %(month)s (%(unit)s)") % unit
        previous = _("At the end of month %(month)s last year (%(unit)s)") % unit
    else:
        ytd = _("Completed, months 1–%(month)s (%(unit)s)") % unit
        previous = _("Same period last year, months 1–%(month)s (%(unit)s)") % unit
    if metric in INVESTMENT_METRICS:
        member, target = _("Project"), _("Planned investment of the year (%(unit)s)") % unit
    else:
        member, target = _("Enterprise"), _("Annual target (%(unit)s)") % unit
    return {
        "member": member,
        "target": target,
        "ytd": ytd,
        "completion": _("Completion rate (completed ÷ target)"),
        "expected": _("Due by time progress (target × %(month)s/12)") % unit,
        "shortfall": _("Shortfall against time progress (due − completed; negative: ahead)"),
        "previous": previous,
        "yoy": _("Year on year (completed ÷ same period last year − 1)"),
        "report": _("Report of month %(month)s") % unit,
    }


def _query(request) -> tuple[DashboardForm, datetime.date | None, str, str, DefaultPeriod | None]:
    """Return the form, the month and metric asked for, why they were refused (or "") and the
    default month when none was asked for.

    Defaults as on the dashboard: the latest reported month, and gross industrial output. A
    month that has not begun has no figures and is refused.
    """
    form, default = dashboard_form(request)
    if not form.is_valid():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return form, None, "", error, None
    period, metric = form.cleaned_data["period"], form.cleaned_data["metric"]
    if period > timezone.localdate().replace(day=1):
        error = _("%(period)s has not begun yet: it has no figures.") % {
            "period": f"{period:%Y-%m}"
        }
        return form, None, metric, error, None
    return form, period, metric, "", default


def member_columns(members: DepartmentMembers, headers: dict[str, str]) -> list[Column]:
    """Return the columns of the .xlsx download, as on the screen."""

    def number(value):
        return None if value is None else float(value)

    return [
        Column(headers["member"], lambda line: line.name),
        Column(headers["target"], lambda line: line.target),
        Column(headers["ytd"], lambda line: line.ytd),
        Column(headers["completion"], lambda line: number(line.completion_rate)),
        Column(headers["expected"], lambda line: money_of(line.expected)),
        Column(headers["shortfall"], lambda line: money_of(line.shortfall)),
        Column(headers["previous"], lambda line: line.ytd_previous),
        Column(headers["yoy"], lambda line: number(line.yoy_growth)),
        Column(headers["report"], lambda line: str(REPORT_STATUS_LABELS[line.report_status])),
    ]


@login_required
def department_members(request, department):
    """Show a department's members behind its ranking row for a month and a metric.

    Each member with its target, year-to-date figure, completion rate, shortfall against time
    progress, year-on-year growth and report status, largest shortfall first, with the totals
    that make the department's row. ``?format=xlsx`` downloads the table.
    """
    form, period, metric, error, default = _query(request)
    if error:
        department_row = Department.objects.filter(pk=department).values("name").first()
        if department_row is None:
            raise Http404
        context = {"form": form, "error": error, "department_name": department_row["name"]}
        return render(request, "hengkou/department_members.html", context, status=400)
    try:
        members = get_department_members(
            period=period, metric=metric, department_id=department, user=request.user
        )
    except Department.DoesNotExist as error:
        raise Http404 from error
    headers = member_headers(metric, period)
    if request.GET.get("format") == "xlsx":
        title = _("%(department)s: %(metric)s, %(period)s") % {
            "department": members.department_name,
            "metric": RankedMetric(metric).label,
            "period": f"{period:%Y-%m}",
        }
        return xlsx_response(
            title=title,
            filename=title.replace(":", " ").replace(",", ""),
            columns=member_columns(members, headers),
            rows=members.lines,
        )
    query = urlencode({"period": f"{period:%Y-%m}", "metric": metric})
    projection = (
        None
        if members.row is None
        else get_department_projection(period=period, metric=metric, row=members.row)
    )
    return render(
        request,
        "hengkou/department_members.html",
        {
            "form": form,
            "default_period": default,
            "members": members,
            "metric_label": RankedMetric(metric).label,
            "headers": headers,
            "status_labels": REPORT_STATUS_LABELS,
            "query": query,
            "dashboard_url": f"{reverse('dashboard')}?{query}",
            "projection": projection,
            "projection_basis": projection_basis(projection) if projection else "",
            "unit": metric_unit(metric),
        },
    )
