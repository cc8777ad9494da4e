"""The supervision notices (督办): their list and each notice's page."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exports import Column, attr, wants_xlsx, xlsx_response
from core.scoping import get_scoped_object_or_404, scope_queryset

from ..access import may_open
from ..choices import NoticeStatus
from ..forms import NoticeFilterForm, NoticeResponseForm
from ..models import SupervisionNotice
from ..selectors.drilldown import get_closed_members
from ..selectors.notices import list_notices
from ..services.notices import close_notice, respond_to_notice
from .drilldown import REPORT_STATUS_LABELS, member_headers

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
        if notice.is_overdue(today):
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


def _act_on_notice(request, notice) -> tuple[NoticeResponseForm, bool]:
    """Close the notice or record the department's response, as the POST asks.

    Returns the response form (with its errors) and whether the page should be shown afresh.
    """
    action = request.POST.get("action")
    needed = "close" if action == "close" else "respond"
    if not request.user.has_perm(f"hengkou.{needed}_supervisionnotice"):
        raise PermissionDenied
    form = NoticeResponseForm(request.POST)
    try:
        if action == "close":
            close_notice(notice=notice, acting_user=request.user, now=timezone.now())
            messages.success(request, _("The notice is closed."))
            return form, True
        if form.is_valid():
            respond_to_notice(
                notice=notice,
                response=form.cleaned_data["response"],
                acting_user=request.user,
                now=timezone.now(),
            )
            messages.success(request, _("Your response is recorded."))
            return form, True
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return form, True
    return form, False


DELIVERIES_SHOWN = 50


@login_required
def notice_detail(request, pk):
    """Show a notice with its history; the department responds, the supervision office closes."""
    notice = get_scoped_object_or_404(
        SupervisionNotice.objects.select_related("department"), request.user, pk=pk
    )
    form = NoticeResponseForm(initial={"response": notice.response})
    if request.method == "POST":
        form, done = _act_on_notice(request, notice)
        if done:
            return redirect("notice_detail", pk=notice.pk)
    events = notice.events.select_related("by").order_by("at", "id")
    # The delivery log of the notice to the department's channels (names and outcomes only).
    deliveries = notice.deliveries.order_by("created_at", "id")[:DELIVERIES_SHOWN]
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
            "deliveries": deliveries,
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
