"""Build the demo data of the Hengkou zone for 2020 and 2021, reproducing the article's figures.

Everything is planned in memory from fixed random seeds first, then written by natural key, so a
second run finds every row already as planned and writes nothing.

``common`` holds the zone's constants, the helpers and the writer by natural key; ``firms`` plans
the enterprises; ``sponsorship`` writes the plan (departments, officials, enterprises,
sponsorships, reports, targets); ``projects`` the projects; ``texts`` the routine's texts.
"""

from .common import YEARS, People, Tally, Writer, apportion
from .firms import Firm, plan_firms
from .sponsorship import Sponsorship, write_article

__all__ = [
    "YEARS",
    "Firm",
    "People",
    "Sponsorship",
    "Tally",
    "Writer",
    "apportion",
    "plan_firms",
    "write_article",
]
