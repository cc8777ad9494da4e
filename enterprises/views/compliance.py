"""The visit-duty compliance page: by department, missed duties, or one official's."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.exports import Column, attr, wants_xlsx, xlsx_response
from core.periods import parse_period
from core.scoping import get_scoped_object_or_404, scope_queryset

from ..models import Department, Official, Visit
from ..selectors.duties import (
    HEAD_MONTHLY,
    LEADER_QUARTERLY,
    RESPONSIBLE_WEEKLY,
    get_compliance_default_month,
    get_visit_compliance,
    scope_compliance,
)

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


@login_required
def compliance(request, official_id=None):
    """Show visit-duty compliance for a month: by department, missed duties, or one official."""
    period, error, default, today = _compliance_query(request)
    department_id = request.GET.get("department", "")
    department_id = int(department_id) if department_id.isdigit() else None
    data = scope_compliance(get_visit_compliance(periods=[period], today=today), request.user)
    # The lines name the departments of the user's assignments even when the user sees no
    # department's totals (an official).
    department_ids = {row.department_id for row in data.departments}
    department_ids |= {line.department_id for line in data.lines}
    departments = {d.pk: d for d in Department.objects.filter(pk__in=department_ids)}
    lines = data.lines
    official = None
    if official_id is not None:
        official = get_scoped_object_or_404(
            Official.objects.select_related("department"), request.user, pk=official_id
        )
        lines = [line for line in lines if line.official_id == official.pk]
    elif department_id:
        lines = [line for line in lines if line.department_id == department_id]
        lines = sorted(lines, key=lambda line: (line.missed == 0, line.enterprise_name))
    else:
        lines = sorted(
            (line for line in lines if line.missed),
            key=lambda line: (departments[line.department_id].code, line.enterprise_name),
        )
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
    return render(
        request,
        "enterprises/compliance.html",
        {
            "period": period,
            "default_period": default,
            "error": error,
            "rows": rows,
            "lines": lines,
            "official": official,
            "department_id": department_id,
            "departments": departments,
            "duty_labels": DUTY_LABELS,
            "query": request.GET.urlencode(),
        },
    )
