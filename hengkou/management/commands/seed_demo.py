"""Load the demo data of the Hengkou zone (2020 and 2021), reproducing the article's figures."""

from django.core.management.base import BaseCommand

from hengkou.demo.seed import seed_demo


class Command(BaseCommand):
    help = (
        "Load the demo data of the Hengkou zone for 2020 and 2021: departments, officials, "
        "enterprises, the 五个一 assignments, targets, monthly figures, projects, visits and "
        "problems. The figures reproduce the article exactly (above-scale output 299,000 万元 in "
        "2021, +19.4%; investment 97,200 万元; tech-renovation investment 38,500 万元, +43.4%). "
        "Idempotent: a second run finds every row as planned and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print nothing.")

    def handle(self, *args, quiet=False, verbosity=1, **options):
        tallies = seed_demo()
        if quiet or verbosity == 0:
            return
        self.stdout.write("Demo data of the Hengkou zone (2020–2021):")
        for label, tally in tallies.items():
            line = (
                f"  {label:<20} {tally.total:>5} rows: {tally.created} created, "
                f"{tally.updated} updated, {tally.unchanged} unchanged"
            )
            if tally.deleted:
                line += f", {tally.deleted} removed"
            self.stdout.write(line)
        changed = sum(t.created + t.updated + t.deleted for t in tallies.values())
        message = f"{changed} rows written." if changed else "Already loaded; nothing changed."
        self.stdout.write(self.style.SUCCESS(message))
