"""Views of the site: the home page that routes each user, and the supervisor dashboard."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.exports import XLSX, Column, attachment, attr, wants_xlsx, xlsx_response
from core.periods import DefaultPeriod
from core.scoping import get_scope, get_scoped_object_or_404, scope_queryset
from enterprises.models import Official

from .access import CLOSE_MONTH, REOPEN_MONTH, may_open
from .assessment import list_assessments
from .choices import NoticeStatus, RankedMetric
from .dashboard import get_dashboard, render_assessment_xlsx, render_ranking_xlsx
from .drilldown import get_closed_members
from .drilldown_views import REPORT_STATUS_LABELS, member_headers
from .forms import (
    DashboardForm,
    InspectionForm,
    NoticeFilterForm,
    NoticeResponseForm,
    year_from,
)
from .models import Inspection, SupervisionNotice
from .navigation import areas_for
from .selectors import (
    get_assessment_default_year,
    get_dashboard_default_month,
    get_inspection_default_year,
    list_notices,
)
from .services import (
    close_month,
    close_notice,
    record_inspection,
    reopen_month,
    respond_to_notice,
)

# --- the lists' columns, as on the screen (the Excel downloads use the same) --------------------


def _rate(read):
    """Return a reader of a rate as a number Excel formats as a percentage."""

    def value(row):
        rate = read(row)
        return None if rate is None else float(rate)

    return value


def notice_columns(today: datetime.date) -> list[Column]:
    """Return the notice list's columns; a notice still issued after its due day is overdue."""

    def status(notice):
        if notice.status == NoticeStatus.ISSUED and notice.due_on < today:
            return _("Overdue")
        return notice.get_status_display()

    return [
        Column(gettext_lazy("Month"), lambda notice: f"{notice.period:%Y-%m}"),
        Column(gettext_lazy("Department"), attr("department.name")),
        Column(gettext_lazy("Metric"), attr("get_metric_display")),
        Column(gettext_lazy("Completion"), _rate(attr("completion_rate"))),
        Column(gettext_lazy("Gap"), _rate(attr("gap"))),
        Column(gettext_lazy("Due"), attr("due_on")),
        Column(gettext_lazy("Status"), status),
    ]


INSPECTION_COLUMNS = [
    Column(gettext_lazy("Quarter"), lambda inspection: f"Q{inspection.quarter}"),
    Column(gettext_lazy("Department"), attr("department.name")),
    Column(gettext_lazy("Enterprise"), attr("assignment.enterprise.name")),
    Column(gettext_lazy("Findings"), attr("findings")),
    Column(gettext_lazy("Score"), attr("score")),
]
NOTIFICATION_COLUMNS = [
    Column(capfirst(gettext_lazy("title")), attr("title")),
    Column(capfirst(gettext_lazy("created at")), attr("created_at")),
    Column(capfirst(gettext_lazy("message")), attr("body")),
    Column(
        capfirst(gettext_lazy("attached files")),
        lambda notification: "、".join(
            str(item.get("label", "")) for item in notification.attachments or []
        ),
    ),
    Column(capfirst(gettext_lazy("read at")), attr("read_at")),
]


def favicon(request):
    """Send browsers asking for /favicon.ico to the site's icon."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@login_required
def home(request):
    """Show the areas the user works in; an official (that role alone) lands on /my/."""
    if get_scope(request.user).roles == {"official"}:
        return redirect("enterprises:my_enterprises")
    official = Official.objects.select_related("department").filter(user=request.user).first()
    return render(
        request,
        "hengkou/home.html",
        {"areas": areas_for(request.user), "official": official},
    )


def _dashboard_query(request) -> tuple[DashboardForm, datetime.date, str, DefaultPeriod | None]:
    """Return the form, the month and metric asked for, and the default month when none was.

    The default is the latest month with a monthly report, up to the current one.
    """
    data = request.GET.copy()
    default = None
    if not data.get("period"):
        default = get_dashboard_default_month(today=timezone.localdate())
        data["period"] = f"{default.value:%Y-%m}"
    data.setdefault("metric", RankedMetric.OUTPUT_VALUE)
    form = DashboardForm(data)
    if form.is_valid():
        return form, form.cleaned_data["period"], form.cleaned_data["metric"], default
    default = default or get_dashboard_default_month(today=timezone.localdate())
    return form, default.value, RankedMetric.OUTPUT_VALUE, None


@login_required
def dashboard(request):
    """Show the supervisor dashboard: zone figures, the ranking, charts and who has not reported."""
    form, period, metric, default = _dashboard_query(request)
    board = get_dashboard(period=period, metric=metric, today=timezone.localdate())
    query = urlencode({"period": f"{period:%Y-%m}", "metric": metric})
    return render(
        request,
        "hengkou/dashboard.html",
        {
            "form": form,
            "default_period": default,
            "dashboard": board,
            "query": query,
            "can_close": CLOSE_MONTH.allows(request.user),
            "can_reopen": REOPEN_MONTH.allows(request.user),
            "chart_data": board.chart_data(),
        },
    )


@login_required
def dashboard_xlsx(request):
    """Download the ranking on the dashboard as .xlsx, with the same columns as the screen."""
    _form, period, metric, _default = _dashboard_query(request)
    board = get_dashboard(period=period, metric=metric, today=timezone.localdate())
    title = _("Department ranking: %(metric)s, %(period)s") % {
        "metric": board.metric_label,
        "period": f"{period:%Y-%m}",
    }
    return attachment(
        render_ranking_xlsx(ranking=board.metric_ranking, title=title),
        XLSX,
        name=f"{_('ranking')}-{metric}-{period:%Y-%m}.xlsx",
        fallback=f"ranking-{metric}-{period:%Y-%m}.xlsx",
    )


@login_required
@require_POST
def dashboard_close(request):
    """Close the month shown on the dashboard (the economic bureau's button)."""
    CLOSE_MONTH.check(request.user)
    form = DashboardForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("dashboard")
    period = form.cleaned_data["period"]
    query = urlencode({"period": f"{period:%Y-%m}", "metric": form.cleaned_data["metric"]})
    try:
        result = close_month(period=period, acting_user=request.user, now=timezone.now())
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(f"{reverse('dashboard')}?{query}")
    if result.closed_now:
        messages.success(
            request,
            _("%(period)s is closed: %(count)s supervision notice(s) issued.")
            % {"period": f"{period:%Y-%m}", "count": len(result.notices)},
        )
    else:
        messages.info(request, _("%(period)s was already closed.") % {"period": f"{period:%Y-%m}"})
    return redirect(f"{reverse('dashboard')}?{query}")


@login_required
def notice_list(request):
    """List the supervision notices (督办), overdue first, filtered by month and status."""
    form = NoticeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    notices = scope_queryset(
        list_notices(period=filters.get("period"), status=filters.get("status", ""), today=today),
        request.user,
    )
    if wants_xlsx(request):
        return xlsx_response(
            title=_("Supervision notices"),
            filename=f"{_('Supervision notices')}-{today:%Y-%m-%d}",
            columns=notice_columns(today),
            rows=notices,
        )
    page = Paginator(notices, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "hengkou/notice_list.html",
        {"form": form, "page": page, "today": today, "query": _query_without_page(request)},
    )


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def notice_detail(request, pk):
    """Show a notice with its history; the department responds, the supervision office closes."""
    notice = get_scoped_object_or_404(
        SupervisionNotice.objects.select_related("department"), request.user, pk=pk
    )
    form = NoticeResponseForm(initial={"response": notice.response})
    if request.method == "POST":
        action = request.POST.get("action")
        needed = "close" if action == "close" else "respond"
        if not request.user.has_perm(f"hengkou.{needed}_supervisionnotice"):
            raise PermissionDenied
        try:
            if action == "close":
                close_notice(notice=notice, acting_user=request.user, now=timezone.now())
                messages.success(request, _("The notice is closed."))
                return redirect("notice_detail", pk=notice.pk)
            form = NoticeResponseForm(request.POST)
            if form.is_valid():
                respond_to_notice(
                    notice=notice,
                    response=form.cleaned_data["response"],
                    acting_user=request.user,
                    now=timezone.now(),
                )
                messages.success(request, _("Your response is recorded."))
                return redirect("notice_detail", pk=notice.pk)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("notice_detail", pk=notice.pk)
    events = notice.events.select_related("by").order_by("at", "id")
    # The members behind the notice, as the month's close froze them.
    members = get_closed_members(
        period=notice.period,
        metric=notice.metric,
        department_id=notice.department_id,
        department_name=notice.department.name,
        user=request.user,
    )
    query = urlencode({"period": f"{notice.period:%Y-%m}", "metric": notice.metric})
    return render(
        request,
        "hengkou/notice_detail.html",
        {
            "notice": notice,
            "events": events,
            "members": members,
            "headers": member_headers(notice.metric, notice.period),
            "status_labels": REPORT_STATUS_LABELS,
            "ranking_url": f"{reverse('dashboard')}?{query}"
            if may_open("dashboard", request.user)
            else "",
            "form": form,
            "today": timezone.localdate(),
            "can_respond": request.user.has_perm("hengkou.respond_supervisionnotice")
            and notice.status in (NoticeStatus.ISSUED, NoticeStatus.RESPONDED),
            "can_close": request.user.has_perm("hengkou.close_supervisionnotice")
            and notice.status == NoticeStatus.RESPONDED,
        },
    )


@login_required
def assessment(request):
    """Show the year-end assessment: every part of each department's score, and the ranking."""
    today = timezone.localdate()
    form, year, default = year_from(
        request, default=lambda: get_assessment_default_year(today=today)
    )
    rows = list_assessments(year=year, today=today)
    if request.GET.get("format") == "xlsx":
        return attachment(
            render_assessment_xlsx(rows=rows, year=year),
            XLSX,
            name=f"{_('assessment')}-{year}.xlsx",
            fallback=f"assessment-{year}.xlsx",
        )
    return render(
        request,
        "hengkou/assessment.html",
        {"form": form, "year": year, "rows": rows, "default_period": default},
    )


@login_required
def inspection_list(request):
    """List the quarterly inspections of a year and record a new one."""
    today = timezone.localdate()
    visible = scope_queryset(Inspection.objects.all(), request.user)
    form_year, year, default = year_from(
        request, default=lambda: get_inspection_default_year(inspections=visible, today=today)
    )
    can_add = request.user.has_perm("hengkou.add_inspection")
    form = InspectionForm(initial={"year": year, "inspected_on": today})
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        form = InspectionForm(request.POST)
        if form.is_valid():
            inspection = record_inspection(form=form, acting_user=request.user)
            messages.success(
                request,
                _("The inspection of %(department)s is recorded.")
                % {"department": inspection.department.name},
            )
            return redirect(f"{reverse('inspection_list')}?year={inspection.year}")
    inspections = (
        visible.filter(year=year)
        .select_related("department", "assignment__enterprise", "inspector")
        .order_by("-quarter", "department__code", "-inspected_on")
    )
    if wants_xlsx(request):
        return xlsx_response(
            title=_("Quarterly inspections %(year)s") % {"year": year},
            filename=_("Quarterly inspections %(year)s") % {"year": year},
            columns=INSPECTION_COLUMNS,
            rows=inspections,
        )
    return render(
        request,
        "hengkou/inspection_list.html",
        {
            "year_form": form_year,
            "year": year,
            "default_period": default,
            "inspections": inspections,
            "form": form,
            "can_add": can_add,
        },
    )


@login_required
def notification_list(request):
    """List the user's notifications, newest first, unread ones highlighted."""
    notifications = request.user.notifications.order_by("-created_at", "-id")
    if wants_xlsx(request):
        return xlsx_response(
            title=_("Notifications"),
            filename=f"{_('Notifications')}-{timezone.localdate():%Y-%m-%d}",
            columns=NOTIFICATION_COLUMNS,
            rows=notifications,
        )
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(request, "hengkou/notification_list.html", {"page": page, "query": ""})


@login_required
def notification_open(request, pk):
    """Mark a notification read and go to what it links to."""
    notification = get_object_or_404(request.user.notifications, pk=pk)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return redirect(notification.url or "notification_list")


@login_required
@require_POST
def dashboard_reopen(request):
    """Reopen a closed month with a reason (administrators only); the reason is recorded."""
    REOPEN_MONTH.check(request.user)
    form = DashboardForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("dashboard")
    period = form.cleaned_data["period"]
    try:
        reopen_month(
            period=period,
            acting_user=request.user,
            reason=request.POST.get("reason", ""),
            now=timezone.now(),
        )
        messages.success(request, _("%(period)s is open again.") % {"period": f"{period:%Y-%m}"})
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    query = urlencode({"period": f"{period:%Y-%m}", "metric": form.cleaned_data["metric"]})
    return redirect(f"{reverse('dashboard')}?{query}")
