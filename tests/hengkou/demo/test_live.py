"""The living demo with a fixed today: history dated as it happened, this year up to today."""

import datetime
from decimal import Decimal
from fractions import Fraction
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models, transaction
from django.db.models import Count, Max, Q, Sum
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from enterprises.choices import TitleKind
from enterprises.models import (
    Assignment,
    EnterpriseTitle,
    FigureFlag,
    MonthlyReport,
    Official,
    Period,
    Target,
)
from hengkou.choices import NoticeStatus
from hengkou.demo.live import close_time
from hengkou.demo.logins import demo_logins
from hengkou.models import BulletinIssue, NoticeEvent, Notification, SupervisionNotice

pytestmark = pytest.mark.django_db
# A fixed day before the real one (a visit may not be dated in the future): 3 November.
TODAY = datetime.date(2026, 11, 3)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def living(django_db_setup, django_db_blocker, tmp_path_factory):
    """Run setup_demo --today 2026-12-03 once; each test runs in a savepoint inside it."""
    var = tmp_path_factory.mktemp("var")
    with (
        django_db_blocker.unblock(),
        override_settings(VAR_DIR=var),
        transaction.atomic(),
    ):
        out = StringIO()
        call_command("setup_demo", "--today", TODAY.isoformat(), stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _local(moment):
    return moment.astimezone(SHANGHAI)


def test_the_articles_2021_figures_are_still_exact(living):
    above = EnterpriseTitle.objects.filter(title=TitleKind.ABOVE_SCALE, year=2021).values(
        "enterprise"
    )
    output = MonthlyReport.objects.filter(period__year=2021, enterprise__in=above).aggregate(
        total=Sum("output_value")
    )["total"]
    assert output == Decimal("299000.00")


def test_every_month_is_closed_on_day_6_of_the_next_month_in_the_morning(living):
    closed = list(Period.objects.filter(status="closed").order_by("period"))
    months = [p.period for p in closed]
    # 2020, 2021 and last year whole, and this year up to September: October closes on 6
    # November.
    assert months[:36] == [datetime.date(y, m, 1) for y in (2020, 2021, 2025) for m in range(1, 13)]
    assert months[36:] == [datetime.date(2026, m, 1) for m in range(1, 10)]
    for period in closed:
        local = _local(period.closed_at)
        following = period.period.replace(day=28) + datetime.timedelta(days=4)
        assert (local.year, local.month, local.day) == (following.year, following.month, 6)
        assert 11 <= local.hour < 12
        assert period.closed_at == close_time(period.period)
        assert period.created_at == period.closed_at
        bulletin = BulletinIssue.objects.get(period=period, superseded_at=None)
        assert bulletin.closed_at == period.closed_at


def test_no_event_is_dated_after_today(living):
    end = datetime.datetime.combine(TODAY, datetime.time.max, tzinfo=SHANGHAI)
    checks = {
        "closes": Period.objects.filter(closed_at__gt=end),
        "notices issued": SupervisionNotice.objects.filter(issued_at__gt=end),
        "notices answered": SupervisionNotice.objects.filter(responded_at__gt=end),
        "notices accepted": SupervisionNotice.objects.filter(closed_at__gt=end),
        "notice events": NoticeEvent.objects.filter(at__gt=end),
        "notifications": Notification.objects.filter(created_at__gt=end),
        "reports": MonthlyReport.objects.filter(Q(submitted_at__gt=end) | Q(created_at__gt=end)),
        "assignments": Assignment.objects.filter(created_at__gt=end),
    }
    for label, queryset in checks.items():
        assert not queryset.exists(), label
    # The audit trail too: no history row of any model is dated after today.
    for model in apps.get_models():
        if any(f.name == "history_date" for f in model._meta.fields):
            assert not model.objects.filter(history_date__gt=end).exists(), model.__name__


def test_nothing_after_2022_speaks_of_epidemic_measures(living):
    from enterprises.models import Problem, Visit, WorkReport

    later = {
        "visits": Visit.objects.filter(visited_on__year__gt=2022, notes__contains="疫情"),
        "problems": Problem.objects.filter(raised_on__year__gt=2022).filter(
            Q(description__contains="疫情")
            | Q(description__contains="核酸")
            | Q(category="epidemic")
        ),
        "work reports": WorkReport.objects.filter(period__year__gt=2022).filter(
            Q(progress__contains="疫情")
            | Q(standards__contains="疫情")
            | Q(deadlines__contains="疫情")
        ),
        "plans": Assignment.objects.filter(year__gt=2022).filter(
            Q(plan_goals__contains="疫情") | Q(plan_standards__contains="疫情")
        ),
    }
    for label, queryset in later.items():
        assert not queryset.exists(), label
    # The article's years keep theirs.
    assert Visit.objects.filter(visited_on__year=2021, notes__contains="疫情").exists()


# Dates that name the future by nature (a deadline, a due date, a plan), not an event.
FUTURE_BY_NATURE = {"plan_deadline", "due_on", "planned_start", "planned_end", "deadline"}
# Not records of the zone: logins, sessions and sign-in attempts are made when the demo is
# installed and used; caches say when they were computed; the year-to-date rollups hold a row
# for every month of a year (a month, not an event).
NOT_EVENTS = {"auth", "sessions", "axes"}
NOT_EVENT_FIELDS = {
    ("hengkou.ProjectionHistory", "computed_at"),
    ("hengkou.OpenRanking", "computed_at"),
    ("hengkou.OpenRanking", "period"),
    ("enterprises.MonthlyYtd", "period"),
    ("enterprises.DepartmentYtd", "period"),
}


def test_nothing_of_the_demo_is_dated_after_today(living):
    """No row of any model holds an event (a date or a moment) after today, last year's
    aftermath included; only deadlines and plans may lie ahead."""
    end = datetime.datetime.combine(TODAY, datetime.time.max, tzinfo=SHANGHAI)
    late = []
    for model in apps.get_models():
        if model._meta.app_label in NOT_EVENTS:
            continue
        for field in model._meta.concrete_fields:
            if (
                field.name in FUTURE_BY_NATURE
                or (model._meta.label, field.name) in NOT_EVENT_FIELDS
            ):
                continue
            if isinstance(field, models.DateTimeField):
                bound = end
            elif isinstance(field, models.DateField):
                bound = TODAY
            else:
                continue
            found = model._default_manager.filter(**{f"{field.name}__gt": bound})
            if found.exists():
                late.append(f"{model._meta.label}.{field.name}: {found.count()}")
    assert late == []


def test_history_rows_carry_the_dates_of_their_events(living):
    from enterprises.models.figures import HistoricalMonthlyReport

    report = MonthlyReport.objects.get(
        period=datetime.date(2021, 6, 1), enterprise__name="安康恒安玩具有限公司"
    )
    created = HistoricalMonthlyReport.objects.get(id=report.pk, history_type="+")
    assert created.history_date == report.submitted_at
    locked = HistoricalMonthlyReport.objects.get(id=report.pk, history_type="~")
    assert locked.history_date == Period.objects.get(period=report.period).closed_at


def test_notices_of_2021_are_due_by_january_2022_and_mostly_answered_in_time(living):
    notices = SupervisionNotice.objects.filter(period__year__in=(2020, 2021))
    assert notices.aggregate(last=Max("due_on"))["last"] <= datetime.date(2022, 1, 31)
    answered = notices.exclude(responded_at=None)
    in_time = [n for n in answered if timezone.localdate(n.responded_at) <= n.due_on]
    late = [n for n in answered if timezone.localdate(n.responded_at) > n.due_on]
    never = notices.filter(status=NoticeStatus.ISSUED)
    total = notices.count()
    assert len(in_time) > 0.7 * total
    assert 0 < len(late) < 0.25 * total
    assert 0 < never.count() < 0.12 * total
    for notice in answered:
        assert notice.responded_at > notice.issued_at
        if notice.status == NoticeStatus.CLOSED:
            assert notice.closed_at > notice.responded_at
            assert notice.closed_by is not None and notice.responded_by is not None


def test_this_year_carries_last_years_sponsorships_with_their_teams_and_restated_plans(living):
    """2021's sponsorships went into last year at its turn, and from last year into this one."""
    from hengkou.annual.models import YearTurn

    assert dict(YearTurn.objects.values_list("year", "from_year")) == {2025: 2021, 2026: 2025}
    before = {
        a.enterprise_id: a for a in Assignment.objects.filter(year=2021).prefetch_related("team")
    }
    for year in (2025, 2026):
        assignments = Assignment.objects.filter(year=year).prefetch_related("team")
        assert assignments.count() == len(before)
        for assignment in assignments:
            previous = before[assignment.enterprise_id]
            assert assignment.responsible_id == previous.responsible_id
            assert {o.pk for o in assignment.team.all()} == {o.pk for o in previous.team.all()}
            assert assignment.team.exists()
            assert "2021年" not in assignment.plan_goals
            assert assignment.created_at.year == year
    assignments = Assignment.objects.filter(year=2026)
    with_target = assignments.filter(
        enterprise__targets__year=2026, enterprise__targets__metric="output_value"
    )
    assert with_target.count() > 0.7 * assignments.count()
    for assignment in with_target[:10]:
        target = Target.objects.get(
            enterprise=assignment.enterprise, year=2026, metric="output_value"
        )
        assert f"2026年实现工业总产值{int(target.value)}万元" in assignment.plan_goals
        assert "2025年完成" in assignment.plan_goals


def test_last_years_targets_are_a_raise_over_the_year_before_and_this_year_raises_them(living):
    """2025's targets were set as 2026's were (a raise over the year before's output); 2026's
    are at least 4% above 2025's, and 2025's were met by some and missed by others."""
    last = dict(
        Target.objects.filter(year=2025, metric="output_value").values_list(
            "enterprise_id", "value"
        )
    )
    this = dict(
        Target.objects.filter(year=2026, metric="output_value").values_list(
            "enterprise_id", "value"
        )
    )
    assert last.keys() == this.keys()
    assert len(last) > 0.7 * Assignment.objects.filter(year=2025).count()
    for enterprise_id, value in this.items():
        assert value >= last[enterprise_id] * Decimal("1.04"), enterprise_id
    actual = dict(
        MonthlyReport.objects.filter(period__year=2025, enterprise_id__in=last)
        .values_list("enterprise_id")
        .annotate(total=Sum("output_value"))
    )
    rates = [actual[e] / value for e, value in last.items()]
    assert all(Decimal("0.85") < rate < Decimal("1.15") for rate in rates)
    assert any(rate >= 1 for rate in rates) and any(rate < 1 for rate in rates)
    for assignment in Assignment.objects.filter(year=2025, enterprise_id__in=last)[:10]:
        goal = f"2025年实现工业总产值{int(last[assignment.enterprise_id])}万元（2024年完成"
        assert goal in assignment.plan_goals


def test_last_year_is_a_whole_year_of_routine_closes_and_evaluations(living):
    """2025: visits, problems and work reports every month, four quarterly inspections, its
    projects' plans and reports, its notices answered, its evaluations confirmed in January."""
    from enterprises.models import Problem, Visit, WorkReport
    from hengkou.models import Inspection
    from projects.models import ProjectEvaluation, ProjectPlan

    months = {datetime.date(2025, m, 1) for m in range(1, 13)}
    visited = {
        d.replace(day=1)
        for d in Visit.objects.filter(visited_on__year=2025).dates("visited_on", "month")
    }
    assert visited == months
    assert set(WorkReport.objects.filter(period__year=2025).values_list("period", flat=True)) == (
        months
    )
    assert Problem.objects.filter(raised_on__year=2025).exists()
    assert set(Inspection.objects.filter(year=2025).values_list("quarter", flat=True)) == {
        1,
        2,
        3,
        4,
    }
    plans = ProjectPlan.objects.filter(year=2025).select_related("project")
    assert plans.count() == 3
    assert {plan.project.stage for plan in plans} == {"completed"}
    evaluations = ProjectEvaluation.objects.filter(year=2025)
    assert evaluations.count() == plans.count()
    for evaluation in evaluations:
        assert evaluation.grade and evaluation.grade == evaluation.proposed_grade
        assert evaluation.confirmed_by is not None
        confirmed = _local(evaluation.confirmed_at).date()
        assert datetime.date(2026, 1, 8) <= confirmed <= datetime.date(2026, 1, 20)
    notices = SupervisionNotice.objects.filter(period__year=2025)
    assert notices.exists()
    assert notices.exclude(responded_at=None).count() > 0.8 * notices.count()


def test_last_years_assessment_ranks_every_department_and_opens_by_default(living, admin_client):
    """On a day of this year before December the assessment opens on 2025 (it opened on 2021
    while 2025 had no targets); every department is ranked with its output completion."""
    import time_machine

    from hengkou.selectors.assessment import list_assessments
    from hengkou.selectors.defaults import get_assessment_default_year

    assert get_assessment_default_year(today=TODAY).value == 2025
    rows = list_assessments(year=2025, today=TODAY)
    assert len(rows) == 10
    assert [row.rank for row in rows] == list(range(1, 11))
    for row in rows:
        parts = {part.key: part for part in row.parts}
        assert parts["output"].applies and parts["visits"].applies, row.department_code
        assert row.inspection_average is not None
    assert any({p.key: p for p in row.parts}["investment"].applies for row in rows)
    with time_machine.travel(datetime.datetime(2026, 11, 3, 12, tzinfo=SHANGHAI), tick=False):
        page = admin_client.get(reverse("assessment"))
    assert page.context["year"] == 2025
    assert page.context["rows"] == rows


def test_the_dashboard_of_last_december_shows_targets_and_completion(living, admin_client):
    page = admin_client.get(reverse("dashboard"), {"period": "2025-12", "metric": "output_value"})
    ranking = page.context["dashboard"].ranking
    assert ranking.closed  # December's close froze it on 6 January
    assert len(ranking.rows) == 10
    for row in ranking.rows:
        assert row.target > 0 and row.completion_rate is not None
        assert Fraction(17, 20) < row.completion_rate < Fraction(23, 20)
    assert "本年度没有部门包抓该指标的对象" not in page.content.decode()


def test_this_years_figures_run_to_last_month_with_a_few_still_owed(living):
    months = set(MonthlyReport.objects.filter(period__year=2026).values_list("period", flat=True))
    assert months == {datetime.date(2026, m, 1) for m in range(1, 11)}
    reporting = MonthlyReport.objects.filter(period=datetime.date(2026, 9, 1)).count()
    october = MonthlyReport.objects.filter(period=datetime.date(2026, 10, 1)).count()
    assert 0 < october < reporting  # due on 5 November: some have reported, some still owe
    # Last year's figures exist, so this year's growth can be measured like for like.
    assert MonthlyReport.objects.filter(period__year=2025).count() >= 12 * reporting * 0.9


def test_a_second_run_with_the_same_today_changes_nothing_and_a_later_day_closes_october(
    living, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    reports = MonthlyReport.objects.count()
    notices = SupervisionNotice.objects.count()
    again = StringIO()
    call_command("setup_demo", "--today", TODAY.isoformat(), stdout=again)
    assert "nothing changed" in again.getvalue()
    assert MonthlyReport.objects.count() == reports
    assert SupervisionNotice.objects.count() == notices

    later = StringIO()
    call_command("setup_demo", "--today", "2026-11-09", stdout=later)
    assert "Closed 1 month(s), 2026-10 to 2026-10" in later.getvalue()
    october = Period.objects.get(period=datetime.date(2026, 10, 1))
    assert _local(october.closed_at).date() == datetime.date(2026, 11, 6)
    assert MonthlyReport.objects.count() > reports


def test_the_command_refuses_a_malformed_today(living):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("setup_demo", "--today", "2026-13-01", stdout=StringIO())


def test_each_printed_login_opens_its_landing_page(living):
    logins = demo_logins()
    assert {login.role for login in logins} == {
        "official",
        "department_user",
        "economic_bureau",
        "supervision_office",
        "county_leader",
        "administrator",
    }
    for login in logins:
        assert f"“{login.username}” / “{login.password}”" in living
        client = Client()
        signed_in = client.post(
            "/accounts/login/", {"username": login.username, "password": login.password}
        )
        assert signed_in.status_code == 302, login.role
        response = client.get(login.landing)
        assert response.status_code == 200, login.role
    # With work in it: the official sponsors enterprises this year, the department user's
    # department has notices still to answer.
    by_role = {login.role: login for login in logins}
    official = Official.objects.get(user__username=by_role["official"].username)
    assert Assignment.objects.filter(year=TODAY.year, responsible=official).exists()
    head = Official.objects.get(user__username=by_role["department_user"].username)
    assert SupervisionNotice.objects.filter(
        department=head.department_id, status=NoticeStatus.ISSUED
    ).exists()


def _roles(official):
    return set(official.user.groups.values_list("name", flat=True))


def _opens(client, user, *urls):
    """Log ``user`` in and return the status code of each page."""
    client.force_login(user)
    return [client.get(url).status_code for url in urls]


def test_setup_demo_gives_every_demo_login_the_roles_of_its_work(living, client):
    year = TODAY.year
    month = f"{TODAY:%Y-%m}"
    officials = Official.objects.select_related("user", "department")

    # Every demo login holds a role; county leaders hold theirs alone.
    for official in officials:
        assert _roles(official), official.name
    for leader in officials.filter(rank="county_leader"):
        assert _roles(leader) == {"county_leader"}, leader.name
    # Officials log visits; the heads of the sponsoring departments act for their department.
    for official in officials.exclude(rank="county_leader"):
        assert "official" in _roles(official), official.name
    for head in officials.filter(rank="department_head", department__kind="sponsor"):
        assert {"official", "department_user"} <= _roles(head), head.name
    assert get_user_model().objects.get(username="admin").is_superuser

    # And with them each one opens the pages of their work.
    assignment = (
        Assignment.objects.filter(year=year, responsible__rank="staff")
        .select_related("responsible__user", "leader__user", "enterprise")
        .order_by("pk")
        .first()
    )
    enterprise = assignment.enterprise_id
    assert (
        _opens(
            client,
            assignment.responsible.user,
            reverse("enterprises:my_enterprises"),
            reverse("enterprises:enterprise_detail", args=[enterprise]),
            reverse("enterprises:visit_new", args=[enterprise]),
            reverse("problems:list"),
        )
        == [200] * 4
    )
    assert (
        assignment.enterprise.name
        in client.get(reverse("enterprises:my_enterprises")).content.decode()
    )

    head = officials.get(rank="department_head", department=assignment.department_id)
    assert (
        _opens(
            client,
            head.user,
            reverse("enterprises:enterprise_detail", args=[enterprise]),
            reverse("work_reports:board"),
            reverse("work_reports:edit", args=[assignment.pk, month]),
            reverse("problems:list"),
            reverse("projects:board"),
            reverse("notice_list"),
        )
        == [200] * 6
    )

    assert (
        _opens(
            client,
            assignment.leader.user,
            reverse("enterprises:enterprise_detail", args=[enterprise]),
            reverse("dashboard"),
            reverse("projects:board"),
        )
        == [200] * 3
    )

    bureau = officials.filter(department__kind="economic_bureau").first()
    assert (
        _opens(
            client,
            bureau.user,
            reverse("dashboard"),
            reverse("bulletin:index"),
            reverse("work_reports:board"),
            reverse("enterprises:enterprise_detail", args=[enterprise]),
        )
        == [200] * 4
    )

    supervisor = officials.filter(department__kind="supervision_office").first()
    assert (
        _opens(
            client,
            supervisor.user,
            reverse("dashboard"),
            reverse("notice_list"),
            reverse("inspection_list"),
            reverse("projects:evaluations"),
        )
        == [200] * 4
    )


def test_this_years_projects_move_through_their_stages_up_to_today(living):
    from projects.models import Project, ProjectPlan, ProjectReport, StageMove

    plans = ProjectPlan.objects.filter(year=2026).select_related("project")
    stages = {plan.project.name: plan.project.stage for plan in plans}
    assert stages["恒安玩具智能化生产线技改项目"] == "completed"  # works ended in October
    assert stages["富硒食品精深加工园二期项目"] == "started"
    assert stages["毛绒玩具文创产业园标准化厂房三期"] == "reserve"
    reports = ProjectReport.objects.filter(period__year=2026)
    assert reports.exists()
    assert reports.aggregate(last=Max("period"))["last"] <= datetime.date(2026, 10, 1)
    assert not StageMove.objects.filter(moved_on__gt=TODAY).exists()
    # The article's projects still under construction at the end of 2021 were completed later.
    assert (
        not Project.objects.filter(stage="started", plans__year=2021)
        .exclude(plans__year=2026)
        .exists()
    )


def test_the_overview_of_this_year_compares_the_same_months_of_last_year(living, admin_client):
    from hengkou.overview.selectors import get_zone_overview
    from hengkou.selectors.zone import get_zone_stats

    overview = get_zone_overview(year=2026, as_of=TODAY)
    # Figures run through October (the latest month reported by 3 November), not all of 2025.
    assert overview.through_month == 10
    like_for_like = get_zone_stats(period=datetime.date(2026, 10, 1))
    assert overview.stats.above_scale_output_yoy == like_for_like.above_scale_output_yoy
    assert get_zone_overview(year=2021, as_of=TODAY).through_month == 12
    page = admin_client.get(reverse("overview:overview"), {"year": "2026"}).content.decode()
    assert "1—10月累计" in page


def test_every_menu_page_of_every_login_opens_on_this_years_data(living):
    from hengkou.navigation import areas_for
    from tests.default_periods import NOTE_MONTH, NOTE_YEAR

    for login in demo_logins():
        client = Client()
        client.post("/accounts/login/", {"username": login.username, "password": login.password})
        user = get_user_model().objects.get(username=login.username)
        for area in areas_for(user):
            response = client.get(area.url)
            assert response.status_code == 200, (login.role, area.url)
            page = response.content.decode()
            # A page may fall back to a month that has data, never to the demo's history.
            for note in (NOTE_MONTH, NOTE_YEAR):
                assert f"{note}：202" not in page or f"{note}：2026" in page, (login.role, area.url)


def test_projects_are_entered_in_reserve_and_moved_on_dated_as_it_happened(living):
    """Each project's history: entered in reserve, then one change per stage move, each dated
    on its move's day; no project is born "started" or "completed"."""
    from rest_framework.test import APIClient

    from projects.models import Project

    moved = 0
    for project in Project.objects.prefetch_related("stage_moves"):
        rows = list(project.history.order_by("history_date", "history_id"))
        assert rows[0].history_type == "+" and rows[0].stage == "reserve", project.name
        assert rows[0].history_date == project.created_at
        moves = sorted(project.stage_moves.all(), key=lambda m: (m.moved_on, m.pk))
        stages = ["reserve"]
        for row in rows[1:]:
            if row.stage != stages[-1]:
                stages.append(row.stage)
        assert stages == ["reserve", *[m.to_stage for m in moves]], project.name
        assert stages[-1] == project.stage
        for move in moves:
            change = next(r for r in rows if r.stage == move.to_stage)
            assert change.history_type == "~"
            assert change.history_date == move.recorded_at
            assert _local(change.history_date).date() == move.moved_on
            assert change.created_at == project.created_at
            assert rows[0].history_date <= change.history_date
            moved += 1
    assert moved >= 10
    # Through the API: 通用机械's trail starts in reserve and moves on 2020-04-08.
    project = Project.objects.get(name="通用机械迁建技改项目")
    api = APIClient()
    api.force_authenticate(get_user_model().objects.filter(is_superuser=True).first())
    trail = api.get(
        "/api/v1/history/", {"model": "projects.project", "object_id": project.pk}
    ).json()["results"]
    oldest = trail[-1]
    assert oldest["type"] == "+"
    assert {"field": "stage", "before": None, "after": "reserve"} in oldest["changes"]
    started = trail[-2]
    assert started["at"].startswith("2020-04-08")
    assert {"field": "stage", "before": "reserve", "after": "started"} in started["changes"]
    body = api.get(f"/api/v1/projects/{project.pk}/").json()
    assert [m["moved_on"] for m in body["stage_moves"]] == [
        "2020-04-08",
        "2021-06-25",
        "2021-07-12",
    ]


def test_the_dashboard_shows_junes_projections_from_the_demos_seasons(living, admin_client):
    """June of this year is projected from the same members' seasonal shape of 2021 to 2025."""
    page = admin_client.get(reverse("dashboard"), {"period": "2026-06", "metric": "output_value"})
    html = page.content.decode()
    assert 'id="projections-table"' in html and "预计全年完成率（按往年季节规律）" in html
    projections = page.context["dashboard"].projections
    # Five earlier years: 2021 (the article's) and 2022-2025 (the years since): 2020, the
    # epidemic year, is more than five years back.
    assert projections.zone.method == "seasonal" and projections.zone.history_years == 5
    # The demo's seasons (a February dip, a December peak): less than half the year by June.
    assert projections.zone.share < Fraction(1, 2)
    assert all(row.method == "seasonal" for row in projections.departments)
    # Without a month chosen: the latest reported month, projected the same way.
    default = admin_client.get(reverse("dashboard")).context["dashboard"]
    assert default.period == datetime.date(2026, 10, 1)
    assert default.projections.zone.method == "seasonal"


def test_the_years_between_the_article_and_last_year_have_figures_and_no_open_flags(living):
    """2022-2024: every enterprise of 2021 reports every month (the projection's history), with
    no sponsorship or target; the flags their figures raise were explained, none left open."""
    reporting_2021 = set(
        MonthlyReport.objects.filter(period__year=2021).values_list("enterprise_id", flat=True)
    )
    for year in (2022, 2023, 2024):
        reports = MonthlyReport.objects.filter(period__year=year)
        months = reports.values("enterprise_id").annotate(months=Count("period"))
        assert {row["months"] for row in months} == {12}
        assert {row["enterprise_id"] for row in months} <= reporting_2021
        assert not Assignment.objects.filter(year=year).exists()
        # The above-scale enterprises of 2021 stay above scale in the years between.
        above = EnterpriseTitle.objects.filter(title=TitleKind.ABOVE_SCALE, year=year)
        assert set(above.values_list("enterprise_id", flat=True)) == set(
            EnterpriseTitle.objects.filter(title=TitleKind.ABOVE_SCALE, year=2021)
            .filter(enterprise__monthly_reports__period__year=year)
            .values_list("enterprise_id", flat=True)
        )
        assert not Target.objects.filter(year=year).exists()
        flags = FigureFlag.objects.filter(period__year=year)
        assert not flags.filter(explanation="").exists()
    # The staff go on from December 2021 (no employees flag at the turn of 2022).
    assert not FigureFlag.objects.filter(period="2022-01-01", metric="employees").exists()


def test_the_demo_has_channels_that_cannot_reach_the_internet(living):
    from django.core.exceptions import ValidationError

    from core.messaging import validate_webhook_url
    from hengkou.messaging.models import DeliveryChannel

    channels = list(DeliveryChannel.objects.order_by("kind", "name"))
    kinds = [(c.kind, bool(c.department_id), bool(c.user_id)) for c in channels]
    assert kinds == [("dingtalk", False, True), ("wecom", True, False), ("wecom", True, False)]
    leader = channels[0]
    assert leader.secret.startswith("SEC") and leader.user.groups.filter(name="county_leader")
    head = Official.objects.get(user__username=_login("department_user").username)
    assert head.department_id in {c.department_id for c in channels}
    for channel in channels:
        assert channel.is_active and ".invalid/" in channel.target
        with pytest.raises(ValidationError):  # refused before any lookup
            validate_webhook_url(channel.target, kind=channel.kind)


def _login(role):
    return next(login for login in demo_logins() if login.role == role)


def test_the_demos_delivery_log_is_dated_as_it_happened_with_sent_and_failed(living):
    from hengkou.messaging.models import Delivery
    from hengkou.messaging.services import send_deliveries

    deliveries = list(Delivery.objects.select_related("notice"))
    statuses = {d.status for d in deliveries}
    assert statuses == {"sent", "failed"}
    notices = [d for d in deliveries if d.event == "notice"]
    assert notices and {d.event for d in deliveries} == {"notice", "escalation"}
    for delivery in notices:
        assert delivery.created_at == delivery.notice.issued_at
    end_of_today = datetime.datetime.combine(
        TODAY + datetime.timedelta(days=1), datetime.time(), tzinfo=SHANGHAI
    )
    for delivery in deliveries:
        assert delivery.created_at < end_of_today and delivery.next_attempt_at is None
        if delivery.status == "sent":
            assert delivery.created_at < delivery.sent_at < end_of_today
            assert delivery.last_error == ""
        else:
            assert delivery.attempts == 6 and delivery.last_error
    failed = sum(d.status == "failed" for d in deliveries)
    assert 0 < failed < len(deliveries) / 4
    # Nothing of the past is attempted again.
    assert send_deliveries(now=timezone.now()) == (0, 0)


def test_no_demo_secret_is_readable_in_the_admin_or_the_notice_pages(living, admin_client):
    from urllib.parse import parse_qsl, urlsplit

    from hengkou.messaging.models import Delivery, DeliveryChannel

    secrets = []
    for channel in DeliveryChannel.objects.all():
        secrets += [value for _name, value in parse_qsl(urlsplit(channel.target).query)]
        secrets += [channel.secret] if channel.secret else []
    assert len(secrets) == 4
    failed = Delivery.objects.filter(status="failed").first()
    pages = [
        reverse("admin:hengkou_deliverychannel_changelist"),
        reverse("admin:hengkou_delivery_changelist"),
        reverse("admin:hengkou_delivery_change", args=[failed.pk]),
        reverse("notice_detail", args=[Delivery.objects.exclude(notice=None).first().notice_id]),
        *[
            reverse("admin:hengkou_deliverychannel_change", args=[pk])
            for pk in DeliveryChannel.objects.values_list("pk", flat=True)
        ],
    ]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert all(secret not in html for secret in secrets), page
    log = admin_client.get(reverse("admin:hengkou_delivery_changelist") + "?status=failed")
    assert failed.last_error in log.content.decode()
    # Nor in the lists' Excel exports.
    from io import BytesIO

    from openpyxl import load_workbook

    for export in (
        "admin:hengkou_deliverychannel_export_xlsx",
        "admin:hengkou_delivery_export_xlsx",
    ):
        response = admin_client.get(reverse(export))
        assert response.status_code == 200
        cells = " ".join(
            str(cell)
            for sheet in load_workbook(BytesIO(response.content))
            for row in sheet.iter_rows(values_only=True)
            for cell in row
        )
        assert all(secret not in cells for secret in secrets), export


def test_the_demos_department_login_sees_its_notices_among_its_notifications(living):
    login = _login("department_user")
    head = Official.objects.get(user__username=login.username)
    client = Client()
    client.force_login(head.user)
    html = client.get(reverse("notification_list")).content.decode()
    notices = SupervisionNotice.objects.filter(department=head.department_id)
    assert notices.exists()
    mine = head.user.notifications.filter(url__startswith="/notices/")
    assert mine.count() == notices.count()
    # The latest first, linked to its notice through the notification.
    latest = mine.order_by("-created_at").first()
    assert reverse("notification_open", args=[latest.pk]) in html
    assert latest.title in html
    assert "督办通知" in html
    # Answered notices were read when answered; the ones still open are not.
    open_ = notices.filter(status=NoticeStatus.ISSUED).values_list("pk", flat=True)
    unread = {
        int(url.split("/")[2]) for url in mine.filter(read_at=None).values_list("url", flat=True)
    }
    assert set(open_) <= unread
