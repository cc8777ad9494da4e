"""Pages of the work reports (工作开展情况): the leading office's board and the report form."""

from html import escape as _html_escape
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.exports import Column, attr, wants_xlsx, xlsx_response
from core.forms import render_options
from core.periods import format_period, parse_period
from core.scoping import get_scoped_object_or_404, scope_queryset

from ..forms.work_reports import WorkReportBoardForm, WorkReportForm
from ..models import Assignment, Department, WorkReport
from ..selectors.work_reports import (
    can_submit_work_report,
    get_work_report_board,
    get_work_report_default_month,
)
from ..services.work_reports import check_work_report_period, submit_work_report

PAGE_SIZE = 50


def _local_day(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d}"


def _status_text(row) -> str:
    """Return the board's status cell: reported on a day (and amended on another), or not yet."""
    if row.report is None:
        return _("Not reported yet")
    parts = [_("Reported"), _local_day(row.report.submitted_at)]
    if row.report.amended:
        parts.append(_("amended %(date)s") % {"date": _local_day(row.report.updated_at)})
    return " ".join(parts)


# The board's columns, as on the screen (the Excel download uses the same).
BOARD_COLUMNS = [
    Column(gettext_lazy("Enterprise"), attr("enterprise_name")),
    Column(gettext_lazy("Department"), attr("department_name")),
    Column(capfirst(gettext_lazy("responsible person")), attr("responsible_name")),
    Column(gettext_lazy("Plan deadline"), attr("plan_deadline")),
    Column(gettext_lazy("Progress"), attr("report.progress")),
    Column(gettext_lazy("Status"), _status_text),
]


def escape(text) -> str:
    """Escape as ``django.utils.html.escape`` does, without its lazy-string wrapper's cost."""
    return _html_escape(str(text))


def _number(value: int) -> str:
    """Return an integer as ``{{ value }}`` shows it (``localize`` costs microseconds each)."""
    return formats.number_format(value) if settings.USE_THOUSAND_SEPARATOR else str(value)


def _department_options(form, selected: Department | None) -> SafeString:
    """Return the department filter's ``<option>`` elements, the selected one marked.

    Hundreds of departments: one query of ids and names (a department's ``str`` is its name),
    where the template loop over the field's choices cost a count and a model instance each.
    """
    field = form.fields["department"]
    choices = [("", field.empty_label), *field.queryset.values_list("pk", "name")]
    return render_options(choices, selected.pk if selected else None)


def _summary_items(departments, *, period_param: str, selected: Department | None) -> SafeString:
    """Return the "reported by department" list's items, as the template wrote them.

    One link per department with its count and a progress bar: for hundreds of departments,
    formatting in Python takes a millisecond or two where the template loop took tens (the
    names and the month are escaped; the rest are numbers).
    """
    selected_pk = selected.pk if selected else None
    period = escape(period_param)
    items = []
    for row in departments:
        current = row.department_id == selected_pk
        missing = ""
        if row.missing:
            text = ngettext("%(missing)s missing", "%(missing)s missing", row.missing) % {
                "missing": _number(row.missing)
            }
            # As blocktranslate: the translation is markup, only the number is escaped.
            missing = f' <span class="badge text-bg-warning">{text}</span>'
        items.append(
            SUMMARY_ITEM.format(
                active=_ACTIVE if current else "",
                period=period,
                department=_number(row.department_id),
                current=_CURRENT if current else "",
                name=escape(row.department_name),
                reported=_number(row.reported),
                assignments=_number(row.assignments),
                missing=missing,
                percent=_number(row.percent),
                bar=_WARNING if row.missing else _SUCCESS,
            )
        )
    return mark_safe("".join(items))


# One item of the summary list, with the whitespace the template loop gave it.
SUMMARY_ITEM = (
    "\n"
    '    <a class="list-group-item list-group-item-action{active}" '
    'href="?period={period}&amp;department={department}"{current}>\n'
    '      <div class="d-flex justify-content-between gap-2">\n'
    '        <span class="text-truncate">{name}</span>\n'
    '        <span class="text-nowrap">{reported} / {assignments}{missing}</span>\n'
    "      </div>\n"
    '      <div class="progress mt-1" style="height:4px" role="progressbar" '
    'aria-label="{name}" aria-valuenow="{percent}" aria-valuemin="0" aria-valuemax="100">'
    '<div class="progress-bar{bar}" style="width:{percent}%"></div></div>\n'
    "    </a>\n"
    "  "
)
_ACTIVE = mark_safe(" list-group-item-secondary fw-semibold")
_CURRENT = mark_safe(' aria-current="true"')
_WARNING = mark_safe(" bg-warning")
_SUCCESS = mark_safe(" bg-success")


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _own_department_id(user) -> int | None:
    try:
        return user.official.department_id
    except ObjectDoesNotExist:
        return None


@login_required
def board(request):
    """List the month's assignments with their work report, those not reported first."""
    form = WorkReportBoardForm(request.GET or None, user=request.user)
    form.fields["department"].queryset = scope_queryset(
        # EXISTS probes the departments (hundreds), where a join with DISTINCT read every
        # assignment of every year.
        Department.objects.filter(
            Exists(Assignment.objects.filter(department=OuterRef("pk")))
        ).order_by("code"),
        request.user,
    )
    # A bad month keeps the department filter; only the valid fields are used.
    filters = form.cleaned_data if form.is_valid() else getattr(form, "cleaned_data", {})
    today = timezone.localdate()
    period = filters.get("period")
    default = None
    if period is None:
        default = get_work_report_default_month(
            reports=scope_queryset(WorkReport.objects.all(), request.user), today=today
        )
        period = default.value
    department = filters.get("department")
    work_board = get_work_report_board(period=period, department=department, user=request.user)
    if wants_xlsx(request):
        return xlsx_response(
            title=_("Work reports"),
            filename=f"{_('Work reports')}-{format_period(period)}",
            columns=BOARD_COLUMNS,
            rows=work_board.rows,
        )
    page = Paginator(work_board.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    period_errors = form.errors.get("period")
    return render(
        request,
        "enterprises/work_report_board.html",
        {
            "form": form,
            "board": work_board,
            "page": page,
            "period": period,
            "default_period": None if form.errors.get("period") else default,
            "period_param": format_period(period),
            "period_value": request.GET.get("period", "")
            if period_errors
            else format_period(period),
            "selected_department": department,
            "department_options": _department_options(form, department),
            "summary_items": _summary_items(
                work_board.departments, period_param=format_period(period), selected=department
            ),
            "own_department_id": _own_department_id(request.user),
            "query": _query_without_page(request),
        },
    )


def _add_service_errors(form, error: ValidationError) -> None:
    """Show a refusal of the service on the form field it concerns, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        form.add_error(target, errors)


def _board_url(period: str, assignment: Assignment) -> str:
    """Return the board of the month ``period``, filtered on the assignment's department."""
    query = urlencode({"period": period, "department": assignment.department_id})
    return f"{reverse('work_reports:board')}?{query}"


def _period_refusals(assignment: Assignment, month, today) -> list[str]:
    """Return why the month cannot be reported on (not begun, another year), or nothing."""
    try:
        check_work_report_period(assignment=assignment, period=month, today=today)
    except ValidationError as error:
        return error.messages
    return []


def _blank_or_filled_form(report: WorkReport | None) -> WorkReportForm:
    """Return the report form, filled with the month's report when there is one."""
    if report is None:
        return WorkReportForm()
    return WorkReportForm(
        initial={
            "progress": report.progress,
            "standards": report.standards,
            "deadlines": report.deadlines,
        }
    )


def _submit(request, form, *, assignment, month, report, today) -> bool:
    """Submit a posted report through the service; return whether it was accepted (and say so)."""
    if not form.is_valid():
        return False
    try:
        submit_work_report(
            assignment=assignment,
            period=month,
            acting_user=request.user,
            now=timezone.now(),
            today=today,
            **form.cleaned_data,
        )
    except ValidationError as error:
        _add_service_errors(form, error)
        return False
    if report is None:
        messages.success(request, _("The work report is submitted."))
    else:
        messages.success(request, _("The work report is amended."))
    return True


@login_required
def edit(request, assignment_id: int, period: str):
    """Show an assignment's plan and its work report of a month; its department submits it."""
    try:
        month = parse_period(period)
    except ValidationError as error:
        raise Http404(error.messages[0]) from error
    assignment = get_scoped_object_or_404(
        Assignment.objects.select_related("enterprise", "department", "leader", "responsible"),
        request.user,
        pk=assignment_id,
    )
    report = (
        WorkReport.objects.select_related("submitted_by__official")
        .filter(assignment=assignment, period=month)
        .first()
    )
    can_submit = can_submit_work_report(request.user, assignment)
    today = timezone.localdate()
    refusals = _period_refusals(assignment, month, today)

    if request.method == "POST":
        if not can_submit:
            raise PermissionDenied
        form = WorkReportForm(request.POST)
        if _submit(request, form, assignment=assignment, month=month, report=report, today=today):
            return redirect(_board_url(period, assignment))
    else:
        form = _blank_or_filled_form(report)
    return render(
        request,
        "enterprises/work_report_form.html",
        {
            "assignment": assignment,
            "report": report,
            "period": month,
            "form": form,
            "can_submit": can_submit,
            "refusals": refusals,
            "board_url": _board_url(period, assignment),
        },
    )
