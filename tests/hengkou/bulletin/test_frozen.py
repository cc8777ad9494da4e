"""The bulletin of a closed month is stored at its close and reads the same forever.

Until the month is reopened and closed again: then it is rebuilt with the same document number
and the old issue is kept. States are taken as at the month's last day.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse

from enterprises.models import Period, Problem, Target
from hengkou.bulletin.content import MonthNotClosed, get_bulletin
from hengkou.bulletin.issue import build_content, document_number
from hengkou.bulletin.tables import page_context
from hengkou.models import BulletinIssue, NoticeEvent, SupervisionNotice
from hengkou.services.close import close_month, reopen_month
from hengkou.services.notices import respond_to_notice
from projects.models import Project
from projects.services import move_project_stage
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    MonthlyReportFactory,
    OfficialFactory,
    ProblemFactory,
    ProjectFactory,
    ProjectPlanFactory,
    ProjectReportFactory,
    TargetFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

SEP = datetime.date(2021, 9, 1)
OCT = datetime.date(2021, 10, 1)
NOV = datetime.date(2021, 11, 1)
DEC = datetime.date(2021, 12, 1)
JAN = datetime.date(2022, 1, 1)


def at(year, month, day, hour=2):
    """Return a time in UTC (10:00 in Shanghai at the default hour)."""
    return datetime.datetime(year, month, day, hour, 0, tzinfo=datetime.UTC)


SEP_CLOSE = at(2021, 10, 8)  # its notices are due 2021-10-18
OCT_CLOSE = at(2021, 11, 6)
LATER = at(2022, 3, 1)


def created_on(model, obj, when):
    """Date a row's creation (created_at is set on insert, so set it after)."""
    model.objects.filter(pk=obj.pk).update(created_at=when)


def _member(department, *, target="1200", outputs=()):
    enterprise = AssignmentFactory(department=department, year=2021).enterprise
    TargetFactory(enterprise=enterprise, year=2021, value=Decimal(target))
    for period, value in outputs:
        MonthlyReportFactory(enterprise=enterprise, period=period, output_value=Decimal(value))
    return enterprise


@pytest.fixture(autouse=True)
def _no_jump_flags(settings):
    # D1's member drops from 900 in September to 100 in October: a jump the data-quality gate
    # would ask about at the close. These tests are about the bulletin, not the gate.
    settings.HENGKOU_DQ_MONTH_FACTOR = "100"


@pytest.fixture
def october():
    """Close September and October 2021 over two departments; D2 lags in both.

    D2's September notice is still unanswered at the end of October; a problem of D2 is overdue
    then; one project started in August, one is in reserve; the head of D1 visited in October.
    """
    d1 = DepartmentFactory(code="D1", name="工信局")
    d2 = DepartmentFactory(code="D2", name="商务局")
    ahead = _member(d1, outputs=[(SEP, "900"), (OCT, "100")])
    _member(d2, outputs=[(SEP, "100"), (OCT, "100")])
    head = OfficialFactory(department=d1, rank="department_head")
    VisitFactory(enterprise=ahead, visited_on=datetime.date(2021, 10, 12)).participants.add(head)

    started = ProjectFactory(name="扩建项目", kind="renovation", total_investment="3000")
    ProjectPlanFactory(project=started, department=d1, planned_investment="1200")
    move_project_stage(project=started, to_stage="started", moved_on=datetime.date(2021, 8, 2))
    ProjectReportFactory(project=started, period=SEP, investment="1000")
    ProjectReportFactory(project=started, period=OCT, investment="500")
    reserve = ProjectFactory(name="储备项目", total_investment="800")
    created_on(Project, reserve, at(2021, 6, 1))

    problem = ProblemFactory(
        department=d2, raised_on=datetime.date(2021, 10, 2), due_on=datetime.date(2021, 10, 9)
    )
    close_month(period=SEP, acting_user=None, now=SEP_CLOSE)
    close_month(period=OCT, acting_user=None, now=OCT_CLOSE)
    return {"D1": d1, "D2": d2, "started": started, "problem": problem, "ahead": ahead}


def test_the_bulletin_holds_each_section_as_at_the_close(october):
    bulletin = get_bulletin(period=OCT)

    assert bulletin.number == 2 and bulletin.document_number == "恒示包抓〔2021〕2号"
    assert bulletin.closed_at == OCT_CLOSE
    assert bulletin.as_at == datetime.date(2021, 10, 31)
    assert bulletin.today == datetime.date(2021, 11, 6)  # the close's day in Shanghai
    (output,) = [r for r in bulletin.rankings if r.metric == "output_value"]
    assert [(r.department_code, r.lagging) for r in output.rows] == [("D1", False), ("D2", True)]
    assert output.rows[1].ytd_targeted == Decimal("200.00")
    # The lagging department with the notice of this close, as issued.
    (lagging,) = [line for line in bulletin.lagging if line.metric == "output_value"]
    assert (lagging.department_code, lagging.notice_status) == ("D2", "issued")
    assert lagging.notice_due_on == datetime.date(2021, 11, 16)
    assert lagging.notice_overdue is False
    # September's notice, unanswered at the end of October: 13 days past its due date.
    assert [
        (n.department_name, n.period, n.due_on, n.days_overdue) for n in bulletin.overdue_notices
    ] == [("商务局", SEP, datetime.date(2021, 10, 18), 13)]
    assert [(p.department_code, p.problems) for p in bulletin.overdue_problems] == [("D2", 1)]
    assert [(s.stage, s.projects) for s in bulletin.projects] == [
        ("reserve", 1),
        ("started", 1),
        ("completed", 0),
        ("operating", 0),
    ]
    assert [(v.department_code, v.met) for v in bulletin.visit_compliance][0] == ("D1", 1)


def test_later_changes_leave_every_section_of_the_closed_month_unchanged(october):
    issue = BulletinIssue.objects.get(period__period=OCT)
    content = issue.content
    before = get_bulletin(period=OCT)
    context = page_context(before)

    # A report of the next month, a new project (planned for the year), a stage move after the
    # month, the overdue problem confirmed resolved, a target of the month's year, a visit dated
    # in the month but recorded later, both notices answered after the month's end.
    MonthlyReportFactory(enterprise=october["ahead"], period=NOV, output_value=Decimal("500"))
    ProjectPlanFactory(project=ProjectFactory(name="新项目"), year=2021)
    move_project_stage(
        project=october["started"], to_stage="completed", moved_on=datetime.date(2021, 11, 20)
    )
    Problem.objects.filter(pk=october["problem"].pk).update(
        status="resolved",
        resolution="已解决",
        solved_on=datetime.date(2021, 11, 8),
        resolved_on=datetime.date(2021, 11, 10),
        satisfaction=5,
    )
    Target.objects.filter(metric="output_value").update(value=Decimal("100"))
    TargetFactory(enterprise=october["ahead"], year=2021, metric="tax", value=Decimal("10"))
    VisitFactory(
        enterprise=october["ahead"], visited_on=datetime.date(2021, 10, 20)
    ).participants.add(*october["D1"].officials.all())
    for notice in SupervisionNotice.objects.all():
        respond_to_notice(notice=notice, response="加强调度", acting_user=None, now=at(2021, 11, 9))

    after = get_bulletin(period=OCT, now=LATER)
    assert BulletinIssue.objects.get(pk=issue.pk).content == content
    assert after == before
    assert page_context(after) == context
    # Built afresh the content would differ: the stored one is what is read.
    assert build_content(month=Period.objects.get(period=OCT)) != content
    assert BulletinIssue.objects.count() == 2


def test_reopen_and_close_again_rebuild_with_the_same_number_and_keep_the_old_issue(october):
    first = BulletinIssue.objects.get(period__period=OCT)
    reopen_month(period=OCT, acting_user=None, reason="补录", now=at(2021, 11, 10))
    MonthlyReportFactory(
        enterprise=AssignmentFactory(department=october["D1"], year=2021).enterprise,
        period=OCT,
        output_value=Decimal("50"),
    )
    # Reopened: no bulletin is shown until the month is closed again.
    with pytest.raises(MonthNotClosed):
        get_bulletin(period=OCT)
    close_month(period=OCT, acting_user=None, now=at(2021, 11, 12))

    first.refresh_from_db()
    current = BulletinIssue.objects.get(period__period=OCT, superseded_at__isnull=True)
    assert first.superseded_at == at(2021, 11, 12)
    assert current.pk != first.pk
    assert (current.number, current.document_number) == (first.number, first.document_number)
    assert current.closed_at == at(2021, 11, 12)
    bulletin = get_bulletin(period=OCT)
    assert bulletin.number == first.number
    assert [c.members for c in bulletin.completeness if c.department_code == "D1"] == [2]
    assert [(v.document_number, v.closed_at) for v in bulletin.versions] == [
        (first.document_number, OCT_CLOSE)
    ]

    # Closing a closed month again builds nothing.
    close_month(period=OCT, acting_user=None, now=at(2021, 11, 13))
    assert BulletinIssue.objects.filter(period__period=OCT).count() == 2


def test_numbers_run_per_year_of_the_reported_month_in_close_order():
    close_month(period=NOV, acting_user=None, now=at(2021, 12, 3))
    close_month(period=OCT, acting_user=None, now=at(2021, 12, 4))  # closed late
    close_month(period=JAN, acting_user=None, now=at(2022, 2, 3))
    close_month(period=DEC, acting_user=None, now=at(2022, 1, 6))  # closed in 2022

    numbers = dict(
        BulletinIssue.objects.values_list("period__period", "document_number").order_by()
    )
    assert numbers == {
        NOV: "恒示包抓〔2021〕1号",
        OCT: "恒示包抓〔2021〕2号",
        JAN: "恒示包抓〔2022〕1号",
        DEC: "恒示包抓〔2021〕3号",
    }
    assert get_bulletin(period=DEC).document_number == "恒示包抓〔2021〕3号"


@override_settings(HENGKOU_BULLETIN_NUMBER_PREFIX="恒经办")
def test_the_document_number_prefix_is_a_setting():
    assert document_number(year=2021, number=12) == "恒经办〔2021〕12号"
    close_month(period=NOV, acting_user=None, now=at(2021, 12, 3))
    assert get_bulletin(period=NOV).document_number == "恒经办〔2021〕1号"


def test_a_number_is_used_once_per_year_among_current_issues():
    close_month(period=NOV, acting_user=None, now=at(2021, 12, 3))
    issue = BulletinIssue.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        BulletinIssue.objects.create(
            period=Period.objects.create(period=OCT),
            year=2021,
            number=issue.number,
            document_number=issue.document_number,
            closed_at=issue.closed_at,
            built_at=issue.built_at,
            content={},
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        BulletinIssue.objects.create(
            period=issue.period,
            year=2021,
            number=7,
            document_number="x",
            closed_at=issue.closed_at,
            built_at=issue.built_at,
            content={},
        )


def test_projects_are_counted_as_they_stood_on_the_months_last_day():
    planned = ProjectFactory(name="计划项目", stage="started")
    ProjectPlanFactory(project=planned, year=2021)  # created now, planned for 2021: counted
    moved_later = ProjectFactory(name="后移项目", total_investment="100")
    created_on(Project, moved_later, at(2021, 5, 1))
    move_project_stage(project=moved_later, to_stage="started", moved_on=datetime.date(2021, 12, 2))
    moved_before = ProjectFactory(name="先移项目", total_investment="200")
    move_project_stage(
        project=moved_before, to_stage="completed", moved_on=datetime.date(2021, 11, 30)
    )
    ProjectPlanFactory(project=ProjectFactory(name="明年项目"), year=2022)  # not yet recorded
    newer = ProjectFactory(name="新录项目")
    created_on(Project, newer, at(2021, 12, 1, hour=0))  # 08:00 on 1 December in Shanghai

    close_month(period=NOV, acting_user=None, now=at(2021, 12, 6))
    projects = {line.stage: line for line in get_bulletin(period=NOV).projects}

    assert {stage: line.projects for stage, line in projects.items()} == {
        "reserve": 1,  # moved_later, still in reserve on 30 November
        "started": 1,  # planned
        "completed": 1,  # moved_before
        "operating": 0,
    }
    assert projects["completed"].planned_investment == Decimal("200.00")


def test_a_problem_resolved_after_the_month_counts_as_overdue_in_it():
    department = DepartmentFactory(code="P1", name="住建局")
    ProblemFactory(
        department=department,
        due_on=datetime.date(2021, 11, 15),
        status="resolved",
        resolution="已解决",
        resolved_on=datetime.date(2021, 12, 2),
        satisfaction=4,
    )
    ProblemFactory(
        department=department,
        due_on=datetime.date(2021, 11, 15),
        status="resolved",
        resolution="已解决",
        resolved_on=datetime.date(2021, 11, 30),
        satisfaction=4,
    )
    ProblemFactory(department=department, due_on=datetime.date(2021, 12, 1))  # not yet due
    ProblemFactory(department=department, due_on=datetime.date(2021, 11, 30))  # due that day

    close_month(period=NOV, acting_user=None, now=at(2021, 12, 6))
    (line,) = get_bulletin(period=NOV).overdue_problems
    assert (line.department_code, line.problems) == ("P1", 2)
    assert line.earliest_due_on == datetime.date(2021, 11, 15)


def test_notices_are_open_at_the_months_end_until_answered_by_then():
    lagging = [DepartmentFactory(code=f"N{index}") for index in range(4)]
    for department in lagging:
        _member(department, outputs=[(SEP, "10")])
    close_month(period=SEP, acting_user=None, now=SEP_CLOSE)
    notices = {n.department.code: n for n in SupervisionNotice.objects.select_related("department")}
    # N0 answers before the end of October, N1 after it, N2 is withdrawn then, N3 never answers.
    respond_to_notice(notice=notices["N0"], response="整改", acting_user=None, now=at(2021, 10, 30))
    respond_to_notice(notice=notices["N1"], response="整改", acting_user=None, now=at(2021, 11, 2))
    SupervisionNotice.objects.filter(pk=notices["N2"].pk).update(status="withdrawn")
    NoticeEvent.objects.create(notice=notices["N2"], status="withdrawn", at=at(2021, 10, 20))

    close_month(period=OCT, acting_user=None, now=OCT_CLOSE)
    overdue = get_bulletin(period=OCT).overdue_notices
    assert [(n.department_name, n.days_overdue) for n in overdue] == [
        (notices["N1"].department.name, 13),
        (notices["N3"].department.name, 13),
    ]


def test_a_month_closed_before_bulletins_were_stored_gets_its_issue_on_first_read(october):
    # As a database closed before this change: closed months, no stored bulletin.
    BulletinIssue.objects.all().delete()
    bulletin = get_bulletin(period=OCT, now=LATER)

    # The whole year's missing issues were built in close order, with the same as-at rules.
    assert dict(BulletinIssue.objects.values_list("period__period", "number")) == {
        SEP: 1,
        OCT: 2,
    }
    issue = BulletinIssue.objects.get(period__period=OCT)
    assert (issue.closed_at, issue.built_at) == (OCT_CLOSE, LATER)
    assert bulletin.document_number == "恒示包抓〔2021〕2号"
    assert [n.days_overdue for n in bulletin.overdue_notices] == [13]
    # The next close of the year follows them.
    close_month(period=NOV, acting_user=None, now=at(2021, 12, 6))
    assert get_bulletin(period=NOV).number == 3


def test_a_close_numbers_the_years_unstored_months_first(october):
    BulletinIssue.objects.all().delete()
    close_month(period=NOV, acting_user=None, now=at(2021, 12, 6))
    assert dict(BulletinIssue.objects.values_list("period__period", "number")) == {
        SEP: 1,
        OCT: 2,
        NOV: 3,
    }


def test_page_and_index_show_the_document_number_and_no_live_wording(october, reader):
    html = reader.get(reverse("bulletin:detail", args=["2021-10"])).content.decode()
    assert "恒示包抓〔2021〕2号" in html
    assert "实时" not in html and "Live" not in html
    assert "2021-11-06" in html  # the close's date
    assert "2026" not in html.split('id="bulletin"')[1]

    index = reader.get(reverse("bulletin:index")).content.decode()
    assert "恒示包抓〔2021〕1号" in index and "恒示包抓〔2021〕2号" in index


def test_page_lists_the_earlier_versions_of_a_month_closed_again(october, reader, client):
    reopen_month(period=OCT, acting_user=None, reason="补录", now=at(2021, 11, 10))
    close_month(period=OCT, acting_user=None, now=at(2021, 11, 12))
    html = reader.get(reverse("bulletin:detail", args=["2021-10"])).content.decode()
    versions = html.split('id="versions"')[1].split("</section>")[0]
    assert "恒示包抓〔2021〕2号" in versions and "2021-11-06" in versions


def test_the_admin_lists_every_issue_read_only(october, client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="clerk", is_staff=True, is_superuser=True))
    changelist = client.get(reverse("admin:hengkou_bulletinissue_changelist"))
    assert changelist.status_code == 200
    assert "恒示包抓〔2021〕2号" in changelist.content.decode()
    issue = BulletinIssue.objects.get(period__period=OCT)
    page = client.get(reverse("admin:hengkou_bulletinissue_change", args=[issue.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert (
        client.post(reverse("admin:hengkou_bulletinissue_delete", args=[issue.pk])).status_code
        == 403
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rows_exist", [True, False], ids=["months-known", "first-of-year"])
def test_two_months_closed_at_once_take_different_numbers(rows_exist):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; concurrency is proven on PostgreSQL only")
    if rows_exist:
        for period in (OCT, NOV):
            Period.objects.create(period=period)
    barrier = threading.Barrier(2, timeout=60)
    errors = []

    def close(period):
        try:
            barrier.wait()
            close_month(period=period, acting_user=None, now=at(2021, 12, 6))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=(period,)) for period in (OCT, NOV)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(BulletinIssue.objects.values_list("number", flat=True)) == [1, 2]


def test_an_issue_belongs_to_its_months_year():
    from django.core.exceptions import ValidationError

    close_month(period=NOV, acting_user=None, now=at(2021, 12, 3))
    issue = BulletinIssue.objects.get()
    issue.year = 2022
    with pytest.raises(ValidationError):
        issue.full_clean(validate_constraints=False)
