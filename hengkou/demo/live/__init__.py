"""The demo as a living zone: history's routine dated as it happened, and this year up to today.

``seed_demo`` writes the article's 2020–2021 records. ``live_demo(today)`` then runs the monthly
routine the way the zone would have: each month closed on day 6 of the next month in the morning
(Asia/Shanghai), its supervision notices answered mostly in time (a few late, a few never) and
accepted by the supervision office. It writes *last year* whole: the 2021 sponsorships carried
over on its first working day with their teams, plans and targets (a raise over the year before),
its figures, projects, routine and aftermath, its twelve months closed, its projects' year-end
evaluations confirmed in January. And it brings *this year* up to ``today``: last year's
sponsorships carried over with plans and targets restated from last year's figures, monthly
figures up to last month (a few enterprises still owing), the routine of visits, problems, work
reports and inspections, and the past months closed on their day 6.

Everything is planned from fixed random seeds and dated by the plan, never by the clock: a second
run with the same ``today`` writes nothing, a later ``today`` only adds what has happened since.

``closes`` closes the months and answers their notices; ``year`` writes last year and brings
this year up to today; ``stamps`` dates what was written as the events it records.
"""

from .closes import DemoUsers, LiveTally, close_months, close_time
from .stamps import is_demo_database, stamp_dates
from .year import bring_this_year, live_demo

__all__ = [
    "DemoUsers",
    "LiveTally",
    "bring_this_year",
    "close_months",
    "close_time",
    "is_demo_database",
    "live_demo",
    "stamp_dates",
]
