"""The areas of the site and who sees them; the navigation and the home page read this list."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Area:
    """One area of the site: where it is, what it is for and who may enter it."""

    key: str
    label: Promise
    description: Promise
    url_name: str
    icon: str
    allowed: Callable

    @property
    def url(self) -> str:
        return reverse(self.url_name)


AREAS = [
    Area(
        key="dashboard",
        label=_("Rankings"),
        description=_(
            "Department rankings against annual targets, zone figures, who has not reported, "
            "and the monthly close."
        ),
        url_name="dashboard",
        icon="bi-bar-chart-line",
        allowed=lambda user: user.is_authenticated,
    ),
    Area(
        key="bulletin",
        label=_("Monthly bulletins"),
        description=_("Each closed month's bulletin: view, print, Excel and Word."),
        url_name="bulletin:index",
        icon="bi-newspaper",
        allowed=lambda user: user.is_authenticated,
    ),
    Area(
        key="notices",
        label=_("Supervision notices"),
        description=_(
            "督办 notices to lagging departments: their measures, the supervision office's "
            "acceptance, and what is overdue."
        ),
        url_name="notice_list",
        icon="bi-bell",
        allowed=lambda user: user.is_authenticated,
    ),
    Area(
        key="inspections",
        label=_("Inspections"),
        description=_("Quarterly inspections (一季一督查) of departments and their findings."),
        url_name="inspection_list",
        icon="bi-clipboard-check",
        allowed=lambda user: user.is_authenticated,
    ),
    Area(
        key="assessment",
        label=_("Assessment"),
        description=_("The year-end assessment of the sponsoring departments, part by part."),
        url_name="assessment",
        icon="bi-award",
        allowed=lambda user: user.is_authenticated,
    ),
    Area(
        key="admin",
        label=_("Data administration"),
        description=_(
            "Enter and correct departments, officials, enterprises, assignments, targets, "
            "monthly figures and projects."
        ),
        url_name="admin:index",
        icon="bi-table",
        allowed=lambda user: user.is_active and user.is_staff,
    ),
    Area(
        key="api",
        label=_("API"),
        description=_("The REST API for the zone's other systems."),
        url_name="api:api-root",
        icon="bi-plug",
        allowed=lambda user: user.is_authenticated,
    ),
]


def areas_for(user) -> list[Area]:
    """Return the areas ``user`` may enter, in navigation order."""
    if not user.is_authenticated:
        return []
    return [area for area in AREAS if area.allowed(user)]
