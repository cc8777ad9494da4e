"""The enterprise's page: its sponsorship, latest figures, problems and visit history."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from core.scoping import get_scoped_object_or_404

from ..models import Enterprise
from ..selectors.enterprise import get_enterprise_page


@login_required
def enterprise_detail(request, pk):
    """Show an enterprise: its sponsorship, latest figures, problems and visit history."""
    today = timezone.localdate()
    enterprise = get_scoped_object_or_404(
        Enterprise.objects.prefetch_related("titles"), request.user, pk=pk
    )
    page = get_enterprise_page(enterprise=enterprise, today=today)
    return render(
        request,
        "enterprises/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "assignment": page.assignment,
            "reports": page.reports,
            "problems": page.problems,
            "visits": page.visits,
            "today": today,
        },
    )
