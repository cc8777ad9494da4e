"""What the apps above tell this one at start-up, so that nothing here has to name them.

Imports point one way (hengkou → projects → enterprises → core), and a permission or a URL name
of a higher app counts as an import (tests/test_layers.py). The site (hengkou) and projects fill
``SITE`` in from their ``AppConfig.ready``; until they do, what they would tell is left out: a
page shows no link to it and a check that needs its permission admits no one.
"""

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class ZoneLink:
    """A record list on the zone's index: what it holds, where it is and who may open it."""

    label: Any
    description: Any
    url_name: str
    icon: str
    permission: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    def allows(self, user) -> bool:
        return bool(self.permission) and user.has_perm(self.permission)


@dataclass
class Site:
    """The names of the apps above that the pages of this one and of projects link to or check."""

    # The permission of the roles reading zone-wide figures (rankings, zone and chain statistics).
    figures_permission: str = ""
    # The zone's overview (its figures), which the zone's records link back to.
    overview_url_name: str = ""
    # The department ranking, which the projects' board opens on the investment metrics.
    ranking_url_name: str = ""
    # Record lists of the apps above, shown on the zone's index after the industry chain.
    zone_links: list[ZoneLink] = field(default_factory=list)

    def add_zone_link(self, link: ZoneLink) -> None:
        """Add a record list to the zone's index, replacing one of the same URL name."""
        self.zone_links = [*(old for old in self.zone_links if old.url_name != link.url_name), link]


SITE = Site()


def reads_zone_figures(user) -> bool:
    """Return whether the user may read zone-wide figures (the chain's page and statistics)."""
    permission = SITE.figures_permission
    return bool(permission) and user.has_perm(permission)
