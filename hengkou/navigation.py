"""The areas of the site; the navigation and the home page show those hengkou/access.py offers."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .access import may_offer


@dataclass(frozen=True)
class Area:
    """One area of the site: where it is and what it is for.

    Who may enter it is its page's rule in hengkou/access.py (``may_offer``).
    """

    key: str
    label: Promise
    description: Promise
    url_name: str
    icon: str
    group: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


AREAS = [
    Area(
        key="my_enterprises",
        label=_("My enterprises"),
        description=_("The enterprises you sponsor: this week's duties, visits and problems."),
        url_name="enterprises:my_enterprises",
        icon="bi-briefcase",
    ),
    Area(
        key="problems",
        label=_("Enterprise problems"),
        description=_("Problems raised by enterprises, their 13710 clocks and confirmation."),
        url_name="problems:list",
        icon="bi-exclamation-circle",
    ),
    Area(
        key="projects",
        label=_("Industrial projects"),
        description=_(
            "Projects by stage with their lights, monthly reports and photos, the monthly "
            "analysis and the year-end evaluation."
        ),
        url_name="projects:board",
        icon="bi-building-gear",
    ),
    Area(
        key="dashboard",
        label=_("Rankings"),
        description=_(
            "Department rankings against annual targets, zone figures, who has not reported, "
            "and the monthly close."
        ),
        url_name="dashboard",
        icon="bi-bar-chart-line",
    ),
    Area(
        key="compliance",
        label=_("Visit duties"),
        description=_("Who visited their enterprises as often as the sponsorship requires."),
        url_name="enterprises:compliance",
        icon="bi-calendar-check",
    ),
    Area(
        key="overview",
        label=_("Zone overview"),
        description=_("The year's figures of the annual summary, each linked to its records."),
        url_name="overview:overview",
        icon="bi-clipboard-data",
        group="supervision",
    ),
    Area(
        key="zone",
        label=_("Zone records"),
        description=_(
            "Cultivation, the industry chain, funding, financing, safety and parks: the records "
            "behind the zone overview, with Excel downloads."
        ),
        url_name="zone:index",
        icon="bi-collection",
        group="supervision",
    ),
    Area(
        key="bulletin",
        label=_("Monthly bulletins"),
        description=_("Each closed month's bulletin: view, print, Excel and Word."),
        url_name="bulletin:index",
        icon="bi-newspaper",
        group="supervision",
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
        group="supervision",
    ),
    Area(
        key="work_reports",
        label=_("Work reports"),
        description=_(
            "Each sponsoring department's monthly work report on its enterprises, and who has "
            "not reported."
        ),
        url_name="work_reports:board",
        icon="bi-journal-text",
        group="supervision",
    ),
    Area(
        key="inspections",
        label=_("Inspections"),
        description=_("Quarterly inspections (一季一督查) of departments and their findings."),
        url_name="inspection_list",
        icon="bi-clipboard-check",
        group="supervision",
    ),
    Area(
        key="assessment",
        label=_("Assessment"),
        description=_("The year-end assessment of the sponsoring departments, part by part."),
        url_name="assessment",
        icon="bi-award",
        group="supervision",
    ),
    Area(
        key="annual_plans",
        label=_("Annual work plan"),
        description=_("The year's work plan (实施方案) and its goals per indicator."),
        url_name="annual:plans",
        icon="bi-flag",
        group="supervision",
    ),
    Area(
        key="year_turn",
        label=_("Turn of the year"),
        description=_(
            "Start the new year from the last one: draft assignments and targets, reviewed "
            "and confirmed at once."
        ),
        url_name="annual:turn",
        icon="bi-calendar2-plus",
        group="supervision",
    ),
    Area(
        key="data_quality",
        label=_("Data quality"),
        description=_(
            "Each month's flagged figures (a value in 元 instead of 万元, a jump, a ratio that "
            "cannot be) by department and enterprise, explained or not, before the close."
        ),
        url_name="data_quality",
        icon="bi-shield-check",
        group="data",
    ),
    Area(
        key="imports",
        label=_("Import from Excel"),
        description=_(
            "Templates and imports of enterprises, assignments, targets, monthly figures and "
            "project plans and reports, with every mistake listed before anything is written."
        ),
        url_name="imports:index",
        icon="bi-file-earmark-arrow-up",
        group="data",
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
        group="data",
    ),
    Area(
        key="api",
        label=_("API"),
        description=_("The REST API for the zone's other systems."),
        url_name="api:api-root",
        icon="bi-plug",
        group="data",
    ),
]


GROUP_LABELS = {"supervision": _("Supervision"), "data": _("Data")}


@dataclass(frozen=True)
class NavItem:
    """An entry of the navigation bar: one area, or a menu of the areas of a group."""

    label: Promise
    icon: str
    areas: list[Area]


def navigation_for(user) -> list[NavItem]:
    """Return the navigation bar's entries: areas alone, or grouped into menus."""
    items: list[NavItem] = []
    groups: dict[str, NavItem] = {}
    for area in areas_for(user):
        if not area.group:
            items.append(NavItem(area.label, area.icon, [area]))
        elif area.group in groups:
            groups[area.group].areas.append(area)
        else:
            groups[area.group] = NavItem(GROUP_LABELS[area.group], area.icon, [area])
            items.append(groups[area.group])
    return items


def current_area_url(path: str, items: list[NavItem]) -> str:
    """Return the URL of the area ``path`` lies in (the longest area URL it starts with), or ""."""
    urls = [area.url for item in items for area in item.areas if path.startswith(area.url)]
    return max(urls, key=len, default="")


def areas_for(user) -> list[Area]:
    """Return the areas ``user`` may enter, in navigation order."""
    if not user.is_authenticated:
        return []
    # The access table decides, as for the page itself.
    return [area for area in AREAS if may_offer(area.url_name, user)]
