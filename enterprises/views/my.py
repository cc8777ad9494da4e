"""The official's own page: my enterprises with this window's visit duties, last visit and
open problems."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.exports import Column, attr, wants_xlsx, xlsx_response
from core.offline import allow_offline_copy

from ..selectors.sponsorship import (
    STATES,
    get_latest_assignment_year,
    get_my_enterprises_page,
    has_assignments,
    list_my_assignments,
)
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


SEARCH_MAX = 100


def _my_filters(request) -> tuple[str, str]:
    """Return the search text and the state asked for; an unknown state shows every card."""
    search = request.GET.get("q", "").strip()[:SEARCH_MAX]
    state = request.GET.get("state", "")
    return search, state if state in STATES else ""


@login_required
def my_enterprises(request):
    """Show the official's enterprises with this window's duties, last visit and problems.

    A page of cards (``page``), the due ones first; ``q`` searches the enterprises' names and
    ``state`` keeps the cards due, done or without a duty. The download has every card of the
    search and state.
    """
    official = official_of(request.user)
    today = timezone.localdate()
    search, state = _my_filters(request)
    if wants_xlsx(request):
        items = (
            list_my_assignments(
                official=official, year=today.year, today=today, search=search, state=state
            )
            if official
            else []
        )
        return xlsx_response(
            title=_("My enterprises"),
            filename=f"{_('My enterprises')}-{today:%Y-%m-%d}",
            columns=MY_ENTERPRISE_COLUMNS,
            rows=items,
        )
    mine = None
    if official:
        mine = get_my_enterprises_page(
            official=official,
            year=today.year,
            today=today,
            search=search,
            state=state,
            page=request.GET.get("page"),
        )
    # No assignment this year: point to the latest year's duties rather than an empty page.
    has_cards = bool(mine and (mine.total or (search and has_assignments(official, today.year))))
    latest_year = (
        get_latest_assignment_year(official=official, before=today.year)
        if official and not has_cards
        else None
    )
    response = render(
        request,
        "enterprises/my_enterprises.html",
        {
            "official": official,
            "mine": mine,
            "has_cards": has_cards,
            "search": search,
            "today": today,
            "latest_year": latest_year,
            "query": urlencode(
                {key: value for key, value in (("q", search), ("state", state)) if value}
            ),
            "search_query": urlencode({"q": search} if search else {}),
        },
    )
    # The official's own list: kept on their phone for the visits logged offline.
    return allow_offline_copy(response, own=official is not None)
