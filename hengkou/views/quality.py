"""The data-quality board (统计数据质量): a month's flagged figures and their explanations."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.periods import check_month_begun, default_month, format_period, parse_period
from core.scoping import get_scoped_object_or_404, scope_queryset
from enterprises.choices import ReportStatus
from enterprises.models import FigureFlag, MonthlyReport
from enterprises.selectors.quality import get_quality_board
from enterprises.services.quality import can_explain_flag, explain_figure_flag

from ..access import CLOSE_MONTH
from ..services.close import close_mode

PAGE_SIZE = 50


def _month(request):
    """Return the month asked for, or the latest month with figures, and an error if any."""
    value = request.GET.get("period", "")
    if value:
        try:
            period = parse_period(value)
            check_month_begun(period, today=timezone.localdate())
            return period, None, ""
        except ValidationError as error:
            return None, None, error.messages[0]
    reports = scope_queryset(MonthlyReport.objects.all(), request.user)
    default = default_month(reports, "period", today=timezone.localdate())
    return default.value, default, ""


@login_required
def data_quality(request):
    """Show a month's flagged figures by department and enterprise, explained or not."""
    period, default, error = _month(request)
    if period is None:
        default = default_month(
            scope_queryset(MonthlyReport.objects.all(), request.user),
            "period",
            today=timezone.localdate(),
        )
        period = default.value
    shown = request.GET.get("shown", "")
    explained = {"explained": True, "unexplained": False}.get(shown)
    board = get_quality_board(period=period, user=request.user, explained=explained)
    page = Paginator(board.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    flags = list(page)
    explainable, correctable = set(), set()
    if request.user.has_perm("enterprises.change_monthlyreport"):
        # Who may change a report explains its flags: one query for the page's reports. Its
        # figures are corrected in the admin (staff), while the month is open.
        statuses = dict(
            scope_queryset(
                MonthlyReport.objects.filter(pk__in=[flag.report_id for flag in flags]),
                request.user,
            ).values_list("pk", "status")
        )
        explainable = set(statuses)
        if request.user.is_staff:
            correctable = {pk for pk, status in statuses.items() if status == ReportStatus.OPEN}
    rows = [
        (
            flag,
            flag.report_id in explainable,
            reverse("admin:enterprises_monthlyreport_change", args=[flag.report_id])
            if flag.report_id in correctable
            else "",
        )
        for flag in flags
    ]
    return render(
        request,
        "hengkou/data_quality.html",
        {
            "board": board,
            "page": page,
            "rows": rows,
            "period": period,
            "period_param": format_period(period),
            "period_error": error,
            "default_period": default,
            "shown": shown,
            "close_mode": close_mode(),
            "can_close": CLOSE_MONTH.allows(request.user),
            "query": urlencode({"period": format_period(period), "shown": shown}),
        },
    )


@login_required
@require_POST
def data_quality_explain(request, pk: int):
    """Record the reporter's explanation of a flagged figure, then show the board again."""
    flag = get_scoped_object_or_404(
        FigureFlag.objects.select_related("report"), request.user, pk=pk
    )
    if not can_explain_flag(request.user, flag):
        raise PermissionDenied(_("Only those who may change this report explain its flags."))
    try:
        explain_figure_flag(
            flag=flag,
            explanation=request.POST.get("explanation", ""),
            acting_user=request.user,
            now=timezone.now(),
        )
        messages.success(request, _("The explanation is recorded."))
    except ValidationError as refusal:
        for message in refusal.messages:
            messages.error(request, message)
    query = urlencode(
        {"period": format_period(flag.period), "shown": request.POST.get("shown", "")}
    )
    return redirect(f"{reverse('data_quality')}?{query}#flag-{flag.pk}")
