"""factory_boy factories of the site's models; each sets only what a valid row needs.

Ranking snapshots, member snapshots and bulletin issues are what ``close_month`` writes: a test
of the close or of a closed month's figures closes a month, so its rows stay what a close
produces. Their factories are for a test that needs one stored row of its own.
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from hengkou.choices import RankedMetric
from hengkou.models import (
    BulletinFile,
    BulletinIssue,
    Inspection,
    NoticeEvent,
    Notification,
    OpenRanking,
    ProjectionHistory,
    RankingMemberSnapshot,
    RankingSnapshot,
    Reminder,
    SupervisionNotice,
)

from .enterprises import DepartmentFactory, PeriodFactory, UserFactory


class SupervisionNoticeFactory(factory.django.DjangoModelFactory):
    """An issued notice for November 2021: half the target done against 11/12 of the year."""

    class Meta:
        model = SupervisionNotice

    department = factory.SubFactory(DepartmentFactory)
    period = datetime.date(2021, 11, 1)
    metric = RankedMetric.OUTPUT_VALUE
    completion_rate = Decimal("0.5")
    time_progress = Decimal("0.916666667")
    gap = factory.LazyAttribute(lambda notice: notice.completion_rate - notice.time_progress)
    due_on = datetime.date(2021, 12, 13)


class InspectionFactory(factory.django.DjangoModelFactory):
    """A quarterly inspection of a whole department, in the quarter's last month."""

    class Meta:
        model = Inspection

    department = factory.SubFactory(DepartmentFactory)
    year = 2021
    quarter = 4
    inspected_on = factory.LazyAttribute(lambda row: datetime.date(row.year, row.quarter * 3, 10))
    findings = "台账齐全"
    score = Decimal("90")


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    title = "月度通报"
    url = "/"


class NoticeEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NoticeEvent

    notice = factory.SubFactory(SupervisionNoticeFactory)
    status = "issued"


class ReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reminder

    recipient = factory.SubFactory(UserFactory)
    key = factory.Sequence(lambda n: f"notice-due:{n}")


class RankingSnapshotFactory(factory.django.DjangoModelFactory):
    """A department's row of a closed November 2021: half its target against 11/12 of the year."""

    class Meta:
        model = RankingSnapshot

    period = factory.SubFactory(PeriodFactory, status="closed")
    metric = RankedMetric.OUTPUT_VALUE
    department = factory.SubFactory(DepartmentFactory)
    department_code = factory.SelfAttribute("department.code")
    department_name = factory.SelfAttribute("department.name")
    members = 1
    targeted_members = 1
    reported = 1
    target = Decimal("1200.00")
    ytd = Decimal("600.00")
    ytd_targeted = Decimal("600.00")
    ytd_previous = Decimal("550.00")
    completion_rate = Decimal("0.5")
    time_progress = Decimal("0.916666667")
    gap = Decimal("-0.416666667")
    yoy_growth = Decimal("0.090909091")
    completeness = Decimal("1")
    rank = 1
    lagging = True
    light = "red"


class RankingMemberSnapshotFactory(factory.django.DjangoModelFactory):
    """An enterprise's line under its department's row of a closed month."""

    class Meta:
        model = RankingMemberSnapshot

    period = factory.SubFactory(PeriodFactory, status="closed")
    metric = RankedMetric.OUTPUT_VALUE
    department = factory.SubFactory(DepartmentFactory)
    member_kind = "enterprise"
    member_id = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"企业{n}有限公司")
    target = Decimal("1200.00")
    ytd = Decimal("600.00")
    ytd_previous = Decimal("550.00")
    report_status = "reported"


class BulletinIssueFactory(factory.django.DjangoModelFactory):
    """A stored bulletin of a closed month (its content as small as the model accepts)."""

    class Meta:
        model = BulletinIssue

    period = factory.SubFactory(PeriodFactory, status="closed")
    year = factory.LazyAttribute(lambda row: row.period.period.year)
    number = factory.Sequence(lambda n: n + 1)
    document_number = factory.LazyAttribute(lambda row: f"恒示经发〔{row.year}〕{row.number}号")
    closed_at = factory.LazyFunction(timezone.now)
    built_at = factory.LazyFunction(timezone.now)
    content = factory.LazyAttribute(lambda row: {"period": row.period.period.isoformat()})


class BulletinFileFactory(factory.django.DjangoModelFactory):
    """A kept file of a bulletin issue (bytes that only look like the kind they claim)."""

    class Meta:
        model = BulletinFile

    issue = factory.SubFactory(BulletinIssueFactory)
    kind = BulletinFile.Kind.PDF
    language = ""
    content = b"%PDF-1.7 test"


class OpenRankingFactory(factory.django.DjangoModelFactory):
    """A stored open-month ranking; its fingerprint matches nothing, so a read recomputes it."""

    class Meta:
        model = OpenRanking

    period = datetime.date(2021, 11, 1)
    metric = RankedMetric.OUTPUT_VALUE
    fingerprint = "0:0:none"
    rows = factory.LazyFunction(list)
    body = '{"results": []}'


class ProjectionHistoryFactory(factory.django.DjangoModelFactory):
    """Stored earlier years of a month's projection; its fingerprint matches nothing, so a read
    sums them afresh."""

    class Meta:
        model = ProjectionHistory

    period = datetime.date(2021, 11, 1)
    metric = RankedMetric.OUTPUT_VALUE
    fingerprint = "none"
    history = factory.LazyFunction(dict)
