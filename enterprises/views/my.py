"""The official's own page: my enterprises with this window's visit duties, last visit and
open problems."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.exports import Column, attr, wants_xlsx, xlsx_response

from ..selectors.sponsorship import get_latest_assignment_year, list_my_assignments
from ..services.visits import (
    official_of,
)

ROLE_LABELS = {
    "leader": gettext_lazy("as leader"),
    "head": gettext_lazy("as department head"),
    "responsible": gettext_lazy("as responsible person"),
}
VISIT_KIND_LABELS = {
    "leader": gettext_lazy("Quarterly visit"),
    "head": gettext_lazy("Monthly visit"),
}


def _roles_text(item) -> str:
    return " · ".join(
        str(ROLE_LABELS.get(role, gettext_lazy("in the team"))) for role in item.roles
    )


def _duties_text(item) -> str:
    """Return the card's duties as one line each: the visit, its window, done or days left."""
    lines = []
    for duty in item.duties:
        kind = VISIT_KIND_LABELS.get(duty.role, gettext_lazy("Weekly visit"))
        if duty.met:
            state = _("done")
        else:
            state = ngettext(
                "due, %(days)s day left", "due, %(days)s days left", duty.days_left
            ) % {"days": duty.days_left}
        window = f"{duty.window.start:%m-%d}–{duty.window.end:%m-%d}"
        lines.append(f"{kind} ({window}): {state}")
    return "\n".join(lines)


# The cards of "my enterprises" as columns (the Excel download).
MY_ENTERPRISE_COLUMNS = [
    Column(gettext_lazy("Enterprise"), attr("assignment.enterprise.name")),
    Column(gettext_lazy("Department"), attr("assignment.department.name")),
    Column(gettext_lazy("Roles"), _roles_text),
    Column(gettext_lazy("Visit duties"), _duties_text),
    Column(gettext_lazy("Last visit"), attr("last_visit")),
    Column(gettext_lazy("Open problems"), attr("open_problems")),
    Column(gettext_lazy("Month"), attr("latest_period")),
    Column(gettext_lazy("Output (10k CNY)"), attr("latest_output")),
]


@login_required
def my_enterprises(request):
    """Show the official's enterprises with this window's duties, last visit and problems."""
    official = official_of(request.user)
    today = timezone.localdate()
    items = list_my_assignments(official=official, year=today.year, today=today) if official else []
    # No assignment this year: point to the latest year's duties rather than an empty page.
    latest_year = (
        get_latest_assignment_year(official=official, before=today.year)
        if official and not items
        else None
    )
    if wants_xlsx(request):
        return xlsx_response(
            title=_("My enterprises"),
            filename=f"{_('My enterprises')}-{today:%Y-%m-%d}",
            columns=MY_ENTERPRISE_COLUMNS,
            rows=items,
        )
    return render(
        request,
        "enterprises/my_enterprises.html",
        {"official": official, "items": items, "today": today, "latest_year": latest_year},
    )
