"""Seed the article's demo: its records, each year's routine and the zone's ledgers, at once."""

from django.db import transaction

from enterprises.services import aggregates

from .article.common import YEARS, Tally, Writer
from .article.sponsorship import write_article
from .routine import write_routine
from .zone import seed_zone_demo


def seed_demo() -> dict[str, Tally]:
    """Write the whole demo data in one transaction and return what was done per model."""
    writer = Writer()
    with transaction.atomic():
        assignments, departments, people = write_article(writer)
        for year in YEARS:
            sponsorships = [s for s in assignments.values() if s.year == year]
            write_routine(
                writer, sponsorships, year=year, until=None, departments=departments, people=people
            )
        seed_zone_demo(writer)
        # Sponsorships and targets were written in bulk: the department totals follow once.
        aggregates.rebuild_department_ytd()
    return writer.tallies
