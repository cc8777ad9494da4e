"""The visit-duty compliance page: by department, missed duties, or one official's.

At city scale the zone has tens of thousands of duty lines: the page computes only the lines
it shows (the user's scope, narrowed to the department or official asked for) and lists them a
page at a time; the department totals come whole, and the Excel download holds every line.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.exports import Column, attr, wants_xlsx, xlsx_response
from core.periods import parse_period
from core.scoping import get_scope, get_scoped_object_or_404, scope_queryset

from ..choices import OfficialRank
from ..models import Department, Official, Visit
from ..selectors.duties import (
    HEAD_MONTHLY,
    LEADER_QUARTERLY,
    RESPONSIBLE_WEEKLY,
    get_compliance_default_month,
)
from ..selectors.duty_counts import get_scoped_compliance

# Duty lines per page (the department totals are listed whole).
PAGE_SIZE = 100

DUTY_LABELS = {
    LEADER_QUARTERLY: gettext_lazy("Leader, each quarter"),
    HEAD_MONTHLY: gettext_lazy("Department head, each month"),
    RESPONSIBLE_WEEKLY: gettext_lazy("Responsible person, each week"),
}

# The duties table of the compliance page, as on the screen (the Excel download uses the same).
COMPLIANCE_COLUMNS = [
    Column(gettext_lazy("Enterprise"), attr("enterprise_name")),
    Column(gettext_lazy("Official"), attr("official_name")),
    Column(gettext_lazy("Duty"), lambda line: DUTY_LABELS[line.duty]),
    Column(gettext_lazy("Met"), lambda line: f"{line.met}/{line.required}"),
    Column(gettext_lazy("Missed"), attr("missed")),
    Column(pgettext_lazy("duty windows still running", "Due"), attr("due")),
]


def _compliance_query(request):
    """Return the month shown, why the one asked for was refused, the default month and today.

    With no month asked for, the default is the latest with duties and a visit the user sees.
    """
    today = timezone.localdate()

    def default():
        visits = scope_queryset(Visit.objects.all(), request.user)
        return get_compliance_default_month(visits=visits, today=today)

    if not request.GET.get("period"):
        chosen = default()
        return chosen.value, None, chosen, today
    try:
        return parse_period(request.GET["period"]), None, None, today
    except ValidationError as exc:
        return default().value, " ".join(exc.messages), None, today


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _shown_assignments(request, official_id, department_id):
    """Return the official asked for (or None) and the assignments whose lines the page shows.

    An official's duties are those of the assignments they lead or are responsible for, and of
    their department's as its head; a department's, its assignments; None: every one in scope.
    """
    if official_id is not None:
        official = get_scoped_object_or_404(
            Official.objects.select_related("department"), request.user, pk=official_id
        )
        shown = Q(leader_id=official.pk) | Q(responsible_id=official.pk)
        if official.rank == OfficialRank.DEPARTMENT_HEAD:
            shown |= Q(department_id=official.department_id)
        return official, shown
    return None, (Q(department_id=department_id) if department_id else None)


@login_required
def compliance(request, official_id=None):
    """Show visit-duty compliance for a month: by department, missed duties, or one official."""
    period, error, default, today = _compliance_query(request)
    department_id = request.GET.get("department", "")
    department_id = int(department_id) if department_id.isdigit() else None
    official, shown = _shown_assignments(request, official_id, department_id)
    data = get_scoped_compliance(
        periods=[period],
        today=today,
        user=request.user,
        assignments=shown,
        departments=official is None,  # an official's page shows no department totals
        # The zone's (or the user's) missed duties, by department code and enterprise name.
        lines="missed" if shown is None else "list",
    )
    departments = Department.objects.in_bulk({row.department_id for row in data.departments})
    lines = data.lines
    if official is not None:
        lines = [line for line in lines if line.official_id == official.pk]
    elif department_id:
        lines = sorted(lines, key=lambda line: (line.missed == 0, line.enterprise_name))
    rows = [
        {"department": departments[row.department_id], "totals": row}
        for row in sorted(data.departments, key=lambda row: departments[row.department_id].code)
    ]
    if wants_xlsx(request):
        return xlsx_response(
            title=_("Visit duties"),
            filename=f"{_('Visit duties')}-{period:%Y-%m}",
            columns=COMPLIANCE_COLUMNS,
            rows=lines,
        )
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "enterprises/compliance.html",
        {
            "period": period,
            "default_period": default,
            "error": error,
            "rows": rows,
            "lines": page,
            "page": page,
            "official": official,
            "department_id": department_id,
            # The heading says "across the zone" only to those who see all of it.
            "zone_wide": get_scope(request.user).everything,
            "departments": departments,
            "duty_labels": DUTY_LABELS,
            "query": _query_without_page(request),
        },
    )
