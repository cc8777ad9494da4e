"""The living demo's month closes, with their supervision notices answered and accepted."""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass

from django.urls import reverse

from enterprises.choices import DepartmentKind, OfficialRank
from enterprises.models import Official

from ...choices import NoticeStatus
from ...models import Notification, SupervisionNotice
from ...services import close_month, close_notice, respond_to_notice
from ..article.common import _rng, at, next_month
from .quality import explain_month_flags

CLOSE_DAY = 6
# Growth a year of the zone's enterprises from 2021 to last year, and this year's spread.
YEARLY_GROWTH = (1.02, 1.10)
THIS_YEAR_GROWTH = (0.90, 1.20)
TARGET_RAISE = (1.04, 1.14)
MEASURES = (
    "已召开专题会议分析{metric}滞后原因，逐户对接包抓企业，帮助协调订单和原材料，"
    "督促企业满负荷生产，力争下月追赶至时序进度。",
    "部门主要负责人带队走访包抓企业，梳理影响{metric}的困难问题，已交办相关部门限时解决，"
    "同时督促企业按时报送统计数据。",
    "制定{metric}追赶方案，明确责任人和完成时限，每周调度一次进度，"
    "对停产半停产企业逐户分析原因、落实帮扶措施。",
    "协调金融机构为包抓企业提供流动资金贷款，帮助企业拓展销售渠道，"
    "确保{metric}按月递增、年底完成目标任务。",
)
ACCEPTANCE_NOTES = (
    "整改措施具体可行，同意销号，下月继续跟踪。",
    "措施已落实，予以销号。",
    "已核实整改情况，同意办结。",
)


def close_time(period: datetime.date) -> datetime.datetime:
    """Return when the demo closes ``period``: day 6 of the next month, late morning."""
    minute = _rng(f"close/{period:%Y-%m}").randint(0, 45)
    return at(next_month(period).replace(day=CLOSE_DAY), 11, minute)


def day_end(day: datetime.date) -> datetime.datetime:
    """Return the last moment of ``day`` that the demo writes events for."""
    return at(day, 23, 59)


@dataclass
class LiveTally:
    closed: list = dataclasses.field(default_factory=list)
    responded: int = 0
    accepted: int = 0


@dataclass(frozen=True)
class DemoUsers:
    """Who acts in the routine: the bureau closes, departments respond, the office accepts."""

    bureau: object
    office: object
    by_department: dict

    @classmethod
    def load(cls) -> DemoUsers:
        heads = {
            official.department_id: official
            for official in Official.objects.filter(
                rank=OfficialRank.DEPARTMENT_HEAD, user__isnull=False
            ).select_related("user", "department")
        }

        def head_of(kind):
            return next(
                (o.user for o in heads.values() if o.department.kind == kind),
                None,
            )

        return cls(
            bureau=head_of(DepartmentKind.ECONOMIC_BUREAU),
            office=head_of(DepartmentKind.SUPERVISION_OFFICE),
            by_department={pk: official.user for pk, official in heads.items()},
        )


# --- closes and notices ---------------------------------------------------------------------------


def _working_day_after(day: datetime.date, days: int) -> datetime.date:
    day += datetime.timedelta(days=days)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def answer_notices(period: datetime.date, users: DemoUsers, until: datetime.date, tally) -> None:
    """Answer ``period``'s notices as their departments would have, as far as ``until``.

    Most respond within the ten days, a few after the due date, a few never; the supervision
    office accepts a response one to four working days later.
    """
    notices = SupervisionNotice.objects.filter(period=period).select_related("department")
    for notice in notices.order_by("department__code", "metric"):
        if notice.status in (NoticeStatus.CLOSED, NoticeStatus.WITHDRAWN):
            continue
        rng = _rng(f"notice/{period:%Y-%m}/{notice.department.code}/{notice.metric}")
        draw = rng.random()
        issued = notice.issued_at.date()
        if draw < 0.08:
            continue  # never answered
        if draw < 0.22:
            responded_on = _working_day_after(notice.due_on, rng.randint(1, 6))
        else:
            responded_on = _working_day_after(issued, rng.randint(2, 8))
            responded_on = min(responded_on, notice.due_on)
        responded_at = at(responded_on, rng.randint(9, 17), rng.randint(0, 59))
        accepted_at = at(
            _working_day_after(responded_on, rng.randint(1, 4)), rng.randint(9, 17), 30
        )
        measures = rng.choice(MEASURES).format(metric=notice.get_metric_display())
        note = rng.choice(ACCEPTANCE_NOTES)
        user = users.by_department.get(notice.department_id)
        if notice.status == NoticeStatus.ISSUED and responded_on <= until and user is not None:
            notice = respond_to_notice(
                notice=notice, response=measures, acting_user=user, now=responded_at
            )
            # Whoever answered had read the notice's notification by then.
            Notification.objects.filter(
                url=reverse("notice_detail", args=[notice.pk]),
                read_at=None,
                created_at__lte=responded_at,
            ).update(read_at=responded_at)
            tally.responded += 1
        if (
            notice.status == NoticeStatus.RESPONDED
            and accepted_at.date() <= until
            and users.office is not None
        ):
            close_notice(notice=notice, acting_user=users.office, now=accepted_at, note=note)
            tally.accepted += 1


def close_months(months, users: DemoUsers, until: datetime.date, tally) -> None:
    """Close each month of ``months`` whose day 6 has come by ``until``, and answer its notices."""
    for period in months:
        when = close_time(period)
        if when.date() > until:
            break
        explain_month_flags(period, users, before=when)
        result = close_month(period=period, acting_user=users.bureau, now=when)
        if result.closed_now:
            tally.closed.append(period)
        answer_notices(period, users, until, tally)
