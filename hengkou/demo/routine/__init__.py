"""The monthly routine of one year of the demo, as it would have happened (issue 17).

Visits at the article's cadence (the responsible person weekly, the department head monthly, the
county-level leader quarterly), problems along their "13710" clocks with their dated step log,
the monthly work reports, the quarterly inspections of the sponsoring departments, and the
projects' half-year inspections and year-end evaluation.

The whole year, and its aftermath into January of the next year, is planned from random streams
seeded by section and year, never from ``until``; only the events dated on or before ``until``
are written, each row in the state it had reached that day. A later ``until`` therefore only adds
rows and advances states, and the same ``until`` twice writes nothing the second time.

``plan`` plans the year; ``visits`` writes the visits and problems; ``reports`` the work reports
and the inspections; ``year`` runs the whole year and reads a year back.
"""

from .plan import Plan, plan_problems, plan_visits, planned_compliance
from .year import link_routine_users, load_people, load_sponsorships, write_routine

__all__ = [
    "Plan",
    "link_routine_users",
    "load_people",
    "load_sponsorships",
    "plan_problems",
    "plan_visits",
    "planned_compliance",
    "write_routine",
]
