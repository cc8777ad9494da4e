"""Views of the site: the home page that routes each user, and the supervisor dashboard."""

import datetime
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enterprises.models import Official

from .choices import RankedMetric
from .dashboard import get_dashboard, render_ranking_xlsx
from .forms import DashboardForm
from .navigation import areas_for
from .selectors import get_latest_reported_period
from .services import close_month

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def home(request):
    """Show the areas the user works in, and who they are in the sponsorship."""
    official = Official.objects.select_related("department").filter(user=request.user).first()
    return render(
        request,
        "hengkou/home.html",
        {"areas": areas_for(request.user), "official": official},
    )


def _dashboard_query(request) -> tuple[DashboardForm, datetime.date, str]:
    """Return the form and the month and metric asked for (defaults: latest reported month)."""
    data = request.GET.copy()
    if not data.get("period"):
        latest = get_latest_reported_period() or timezone.localdate().replace(day=1)
        data["period"] = f"{latest:%Y-%m}"
    data.setdefault("metric", RankedMetric.OUTPUT_VALUE)
    form = DashboardForm(data)
    if form.is_valid():
        return form, form.cleaned_data["period"], form.cleaned_data["metric"]
    fallback = get_latest_reported_period() or timezone.localdate().replace(day=1)
    return form, fallback, RankedMetric.OUTPUT_VALUE


@login_required
def dashboard(request):
    """Show the supervisor dashboard: zone figures, the ranking, charts and who has not reported."""
    form, period, metric = _dashboard_query(request)
    board = get_dashboard(period=period, metric=metric, today=timezone.localdate())
    query = urlencode({"period": f"{period:%Y-%m}", "metric": metric})
    return render(
        request,
        "hengkou/dashboard.html",
        {
            "form": form,
            "dashboard": board,
            "query": query,
            "can_close": request.user.has_perm("enterprises.close_period"),
            "chart_data": board.chart_data(),
        },
    )


@login_required
def dashboard_xlsx(request):
    """Download the ranking on the dashboard as .xlsx, with the same columns as the screen."""
    _form, period, metric = _dashboard_query(request)
    board = get_dashboard(period=period, metric=metric, today=timezone.localdate())
    title = _("Department ranking: %(metric)s, %(period)s") % {
        "metric": board.metric_label,
        "period": f"{period:%Y-%m}",
    }
    response = HttpResponse(render_ranking_xlsx(rows=board.ranking.rows, title=title), XLSX)
    filename = f"{_('ranking')}-{metric}-{period:%Y-%m}.xlsx"
    response["Content-Disposition"] = (
        f'attachment; filename="ranking-{metric}-{period:%Y-%m}.xlsx"; '
        f"filename*=UTF-8''{quote(filename)}"
    )
    return response


@login_required
@require_POST
def dashboard_close(request):
    """Close the month shown on the dashboard (the economic bureau's button)."""
    if not request.user.has_perm("enterprises.close_period"):
        raise PermissionDenied(_("Only the economic bureau or an administrator closes a month."))
    form = DashboardForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("dashboard")
    period = form.cleaned_data["period"]
    result = close_month(period=period, acting_user=request.user, now=timezone.now())
    if result.closed_now:
        messages.success(
            request,
            _("%(period)s is closed: %(count)s supervision notice(s) issued.")
            % {"period": f"{period:%Y-%m}", "count": len(result.notices)},
        )
    else:
        messages.info(request, _("%(period)s was already closed.") % {"period": f"{period:%Y-%m}"})
    query = urlencode({"period": f"{period:%Y-%m}", "metric": form.cleaned_data["metric"]})
    return redirect(f"{reverse('dashboard')}?{query}")
