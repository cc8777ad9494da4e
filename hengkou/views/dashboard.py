"""The supervisor dashboard: the ranking page, its download, the monthly close and reopen."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exports import XLSX, attachment
from core.periods import DefaultPeriod
from enterprises.selectors.quality import list_unexplained_flags

from ..access import CLOSE_MONTH, REOPEN_MONTH
from ..choices import RankedMetric
from ..forms import DashboardForm
from ..selectors.dashboard import Dashboard, RankingPage, get_dashboard, is_ranking_sort
from ..selectors.defaults import (
    get_dashboard_default_month,
)
from ..services.close import (
    LISTED_FLAGS,
    UnexplainedFlags,
    close_mode,
    close_month,
    reopen_month,
)
from .workbooks import render_ranking_xlsx


def dashboard_form(request) -> tuple[DashboardForm, DefaultPeriod | None]:
    """Return the bound month-and-metric form of the dashboard and its drill-down, with the
    default month when none was asked for.

    The default is the latest month with a monthly report, up to the current one; the metric's
    is gross industrial output.
    """
    data = request.GET.copy()
    default = None
    if not data.get("period"):
        default = get_dashboard_default_month(today=timezone.localdate())
        data["period"] = f"{default.value:%Y-%m}"
    data.setdefault("metric", RankedMetric.OUTPUT_VALUE)
    return DashboardForm(data), default


def _dashboard_query(request) -> tuple[DashboardForm, datetime.date, str, DefaultPeriod | None]:
    """Return the form, the month and metric asked for, and the default month when none was.

    An invalid query shows the default month's gross industrial output.
    """
    form, default = dashboard_form(request)
    if form.is_valid():
        return form, form.cleaned_data["period"], form.cleaned_data["metric"], default
    default = default or get_dashboard_default_month(today=timezone.localdate())
    return form, default.value, RankedMetric.OUTPUT_VALUE, None


def _table_links(board: Dashboard, ranking: RankingPage, completeness: Page) -> dict[str, str]:
    """Return the query strings of the tables' links, each without the parameters it sets.

    Every link keeps the month and metric shown; sorting or filtering the ranking goes back to
    its first page, and each table's pages keep the other table's page.
    """
    state = {
        "period": f"{board.period:%Y-%m}",
        "metric": board.metric,
        "sort": ranking.sort,
        "lagging": "1" if ranking.lagging_only else "",
        "page": ranking.page.number if ranking.page.number > 1 else "",
        "board_page": completeness.number if completeness.number > 1 else "",
    }

    def without(*names: str) -> str:
        return urlencode({key: value for key, value in state.items() if value and key not in names})

    return {
        "sort": without("sort", "page"),
        "lagging": without("lagging", "page"),
        "ranking_pages": without("page"),
        "board_pages": without("board_page"),
    }


@login_required
def dashboard(request):
    """Show the supervisor dashboard: zone figures, the ranking, charts and who has not reported.

    The ranking table shows a page of departments (``page``), sorted by ``sort`` (a column's
    key, "-" first for descending) and, with ``lagging=1``, the lagging ones only; an unknown
    sort shows the ranking's order with a note. The completeness board pages with
    ``board_page``.
    """
    form, period, metric, default = _dashboard_query(request)
    board = get_dashboard(period=period, metric=metric, today=timezone.localdate())
    sort = request.GET.get("sort", "")
    unknown_sort = bool(sort) and not is_ranking_sort(sort)
    ranking = board.ranking_page(
        sort="" if unknown_sort else sort,
        lagging_only=request.GET.get("lagging") == "1",
        page=request.GET.get("page"),
    )
    completeness = board.board_page(request.GET.get("board_page"))
    can_close = CLOSE_MONTH.allows(request.user)
    unexplained, unexplained_count = [], 0
    if can_close and not board.ranking.closed:
        # The close asks about the month's flagged figures that nobody explained.
        flags = list_unexplained_flags(period=period)
        unexplained = list(flags[:LISTED_FLAGS])
        unexplained_count = len(unexplained)
        if unexplained_count == LISTED_FLAGS:
            unexplained_count = flags.count()
    return render(
        request,
        "hengkou/dashboard.html",
        {
            "form": form,
            "default_period": default,
            "dashboard": board,
            "ranking": ranking,
            "completeness": completeness,
            "unknown_sort": unknown_sort,
            "query": urlencode({"period": f"{period:%Y-%m}", "metric": metric}),
            "links": _table_links(board, ranking, completeness),
            "can_close": can_close,
            "unexplained_flags": unexplained,
            "unexplained_count": unexplained_count,
            "close_mode": close_mode(),
            "can_reopen": REOPEN_MONTH.allows(request.user),
            "chart_data": board.chart_data(ranking.page.object_list),
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
        result = close_month(
            period=period,
            acting_user=request.user,
            now=timezone.now(),
            confirm_unexplained=request.POST.get("confirm_unexplained") == "1",
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(f"{reverse('dashboard')}?{query}")
    except UnexplainedFlags as refusal:
        messages.error(request, refusal.message)
        return redirect(f"{reverse('dashboard')}?{query}#unexplained-flags")
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
