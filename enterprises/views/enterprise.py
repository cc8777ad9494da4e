"""The enterprise's page: its sponsorship, latest figures, problems and visit history."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from core.offline import allow_offline_copy
from core.scoping import get_scoped_object_or_404

from ..models import Enterprise
from ..selectors.enterprise import get_enterprise_page
from ..selectors.sponsorship import is_involved
from ..services.visits import official_of


@login_required
def enterprise_detail(request, pk):
    """Show an enterprise: its sponsorship, latest figures, problems and visit history."""
    today = timezone.localdate()
    enterprise = get_scoped_object_or_404(
        Enterprise.objects.prefetch_related("titles"), request.user, pk=pk
    )
    page = get_enterprise_page(enterprise=enterprise, today=today)
    response = render(
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
    # An enterprise of the official's own assignment this year may be kept on their phone.
    own = is_involved(official_of(request.user), enterprise_id=enterprise.pk, year=today.year)
    return allow_offline_copy(response, own=own)
