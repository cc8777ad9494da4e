"""The demo data: the article's figures computed back from the rows, idempotence and validity."""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from enterprises.choices import ChainRole, OfficialRank, ProblemStatus, TitleKind, VisitKind
from enterprises.models import (
    Assignment,
    Department,
    Enterprise,
    EnterpriseTitle,
    MonthlyReport,
    Official,
    Problem,
    ProblemEvent,
    Target,
    Visit,
    WorkReport,
)
from hengkou.demo.article import apportion, plan_firms
from hengkou.models import Inspection
from hengkou.selectors import get_zone_stats
from projects.choices import STAGE_ORDER, ProjectKind, Stage
from projects.models import (
    Project,
    ProjectEvaluation,
    ProjectInspection,
    ProjectPlan,
    ProjectReport,
    StageMove,
)

pytestmark = pytest.mark.django_db

MODELS = (
    Department,
    Official,
    Enterprise,
    EnterpriseTitle,
    Assignment,
    Assignment.team.through,
    Target,
    MonthlyReport,
    Project,
    StageMove,
    ProjectPlan,
    ProjectReport,
    Visit,
    Visit.participants.through,
    Problem,
    ProblemEvent,
    WorkReport,
    Inspection,
    ProjectInspection,
    ProjectEvaluation,
)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Load the demo data once for the module; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        # Leave the test database empty for the other modules.
        transaction.set_rollback(True)


def _year(year):
    return Q(period__gte=datetime.date(year, 1, 1), period__lte=datetime.date(year, 12, 1))


def _above_scale(year):
    return EnterpriseTitle.objects.filter(title=TitleKind.ABOVE_SCALE, year=year).values(
        "enterprise"
    )


def _above_scale_output(year, members_year=2021):
    reports = MonthlyReport.objects.filter(_year(year), enterprise__in=_above_scale(members_year))
    return reports.aggregate(total=Sum("output_value"))["total"]


def _investment(year, **filters):
    reports = ProjectReport.objects.filter(
        _year(year), project__in=Project.objects.filter(**filters)
    )
    return reports.aggregate(total=Sum("investment"))["total"]


def _growth_percent(current, previous):
    return ((current / previous - 1) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _snapshot():
    return {model._meta.label: list(model.objects.order_by("pk").values_list()) for model in MODELS}


def test_the_command_prints_a_summary(seeded):
    assert "Enterprise" in seeded
    assert "MonthlyReport" in seeded
    assert "rows written" in seeded


def test_above_scale_output_of_2021_and_its_growth_are_the_articles(seeded):
    assert _above_scale(2021).count() == 40
    output_2021 = _above_scale_output(2021)
    output_2020 = _above_scale_output(2020)  # the same enterprises (同口径)
    assert output_2021 == Decimal("299000.00")
    assert output_2020 == Decimal("250418.76")
    assert _growth_percent(output_2021, output_2020) == Decimal("19.4")


def test_the_zone_statistics_screen_shows_the_articles_figures(seeded):
    stats = get_zone_stats(period=datetime.date(2021, 12, 1))
    assert stats.above_scale_enterprises == 40
    assert stats.above_scale_output == Decimal("299000.00")
    assert round(float(stats.above_scale_output_yoy) * 100, 1) == 19.4
    assert stats.investment == Decimal("97200.00")
    assert stats.tech_investment == Decimal("38500.00")
    assert round(float(stats.tech_investment_yoy) * 100, 1) == 43.4


def test_some_departments_finish_2021_ahead_of_their_output_targets_and_some_behind(seeded):
    rates = []
    for department in Department.objects.filter(kind="sponsor"):
        members = Assignment.objects.filter(year=2021, department=department).values("enterprise")
        targets = Target.objects.filter(year=2021, metric="output_value", enterprise__in=members)
        target = targets.aggregate(total=Sum("value"))["total"]
        done = MonthlyReport.objects.filter(
            _year(2021), enterprise__in=targets.values("enterprise")
        ).aggregate(total=Sum("output_value"))["total"]
        rates.append(done / target)
    assert len(rates) == 10
    assert any(rate >= 1 for rate in rates)
    assert any(rate < 1 for rate in rates)


def test_above_scale_enterprises_report_every_month_and_earn_over_20_million(seeded):
    for enterprise in Enterprise.objects.filter(pk__in=_above_scale(2021)):
        reports = enterprise.monthly_reports.filter(_year(2021))
        assert reports.count() == 12, enterprise.name
        assert reports.aggregate(total=Sum("revenue"))["total"] >= Decimal("1800"), enterprise.name


def test_industrial_and_tech_renovation_investment_are_the_articles(seeded):
    assert _investment(2021) == Decimal("97200.00")
    tech_2021 = _investment(2021, kind=ProjectKind.RENOVATION)
    tech_2020 = _investment(2020, kind=ProjectKind.RENOVATION)
    assert tech_2021 == Decimal("38500.00")
    assert tech_2020 == Decimal("26847.98")
    assert _growth_percent(tech_2021, tech_2020) == Decimal("43.4")
    assert Project.objects.filter(kind=ProjectKind.RENOVATION).count() >= 2


def test_the_plush_toy_chain_has_the_articles_96_enterprises_and_jobs(seeded):
    chain = Enterprise.objects.filter(chain="毛绒玩具")
    assert chain.count() == 96
    by_role = dict(chain.values_list("chain_role").annotate(n=Count("id")))
    assert by_role == {
        ChainRole.HEADQUARTERS: 1,
        ChainRole.PRODUCER: 29,
        ChainRole.WHOLESALER: 38,
        ChainRole.BRANCH_FACTORY: 15,
        ChainRole.ECOMMERCE_DESIGN: 13,
    }
    totals = chain.aggregate(employees=Sum("employees"), poverty=Sum("poverty_employees"))
    assert totals == {"employees": 3107, "poverty": 378}
    assert not chain.filter(poverty_employees__gt=F("employees")).exists()
    assert chain.get(name__contains="恒安玩具").employees == 1046
    assert chain.get(chain_role=ChainRole.HEADQUARTERS).name.startswith("安贝斯")


def test_three_enterprises_became_above_scale_in_2021_and_they_are_the_articles(seeded):
    new = Enterprise.objects.filter(pk__in=_above_scale(2021)).exclude(pk__in=_above_scale(2020))
    names = sorted(new.values_list("name", flat=True))
    assert len(names) == 3
    for short in ("恒通纤维", "集味魔芋", "通用机械"):
        assert any(short in name for name in names), short


def test_jiwei_konjac_is_the_one_high_tech_enterprise_recognised_in_2021(seeded):
    titles = EnterpriseTitle.objects.filter(title=TitleKind.HIGH_TECH, year=2021)
    assert titles.count() == 1
    title = titles.get()
    assert "集味魔芋" in title.enterprise.name
    assert title.level == "provincial"


def test_a_second_run_changes_no_row_and_no_value(seeded):
    before = _snapshot()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert _snapshot() == before
    assert "nothing changed" in out.getvalue()


def test_the_plan_is_deterministic():
    first, second = plan_firms(), plan_firms()
    assert [(f.name, f.serial, f.employees, f.output) for f in first] == [
        (f.name, f.serial, f.employees, f.output) for f in second
    ]


def test_apportion_is_exact_and_respects_caps():
    assert apportion(1000, [1, 1, 1]) == [334, 333, 333]
    assert sum(apportion(25_041_876, [3.3, 7.1, 0.2, 11])) == 25_041_876
    assert apportion(10, [1, 0, 1]) == [5, 0, 5]
    assert apportion(10, [1, 9], caps=[5, 5]) == [5, 5]


def test_every_enterprise_and_assignment_passes_model_validation(seeded):
    for model in (Enterprise, Assignment):
        for obj in model.objects.all():
            obj.full_clean()


def test_the_other_rows_pass_model_validation(seeded):
    for model in (
        Department,
        Official,
        EnterpriseTitle,
        Project,
        StageMove,
        ProjectPlan,
        Problem,
        Inspection,
        ProjectInspection,
        ProjectEvaluation,
    ):
        for obj in model.objects.all():
            obj.full_clean()
    # The many monthly rows are checked on a fixed sample, to keep the suite fast.
    for model in (Target, MonthlyReport, Visit, WorkReport, ProblemEvent):
        for obj in list(model.objects.order_by("pk"))[::17]:
            obj.full_clean()


def test_assignments_follow_the_five_ones(seeded):
    assert not Assignment.objects.exclude(leader__rank=OfficialRank.COUNTY_LEADER).exists()
    assert not Assignment.objects.exclude(department__kind="sponsor").exists()
    assert not Assignment.objects.exclude(responsible__department=F("department")).exists()
    above = {2020: set(_above_scale(2020).values_list("enterprise", flat=True))}
    above[2021] = set(_above_scale(2021).values_list("enterprise", flat=True))
    for year in (2020, 2021):
        assigned = set(Assignment.objects.filter(year=year).values_list("enterprise", flat=True))
        assert above[year] < assigned  # all above-scale enterprises, and a few others
    for assignment in Assignment.objects.prefetch_related("team"):
        team = set(assignment.team.all())
        assert 2 <= len(team) <= 3
        assert assignment.responsible in team
        assert any(o.rank == OfficialRank.DEPARTMENT_HEAD for o in team)
        assert assignment.plan_goals and assignment.plan_standards
        assert assignment.plan_deadline == datetime.date(assignment.year, 12, 31)
    department = dict(Assignment.objects.filter(year=2020).values_list("enterprise", "department"))
    moved = [
        enterprise
        for enterprise, code in Assignment.objects.filter(year=2021).values_list(
            "enterprise", "department"
        )
        if enterprise in department and department[enterprise] != code
    ]
    assert 0 < len(moved) <= 6


def test_each_department_has_one_head_and_the_leaders_are_county_level(seeded):
    heads = Official.objects.filter(rank=OfficialRank.DEPARTMENT_HEAD)
    assert heads.count() == Department.objects.count() == 13
    assert Official.objects.filter(rank=OfficialRank.COUNTY_LEADER).count() == 6
    for department in Department.objects.filter(kind="sponsor"):
        assert 2 <= department.officials.filter(rank=OfficialRank.STAFF).count() <= 4
    kinds = set(Department.objects.values_list("kind", flat=True))
    assert kinds == {"sponsor", "economic_bureau", "supervision_office", "leading_office"}


def test_targets_exist_for_most_assigned_enterprises(seeded):
    for year in (2020, 2021):
        assigned = Assignment.objects.filter(year=year).values("enterprise")
        targeted = Target.objects.filter(year=year, metric="output_value").values("enterprise")
        untargeted = Enterprise.objects.filter(pk__in=assigned).exclude(pk__in=targeted)
        assert 1 <= untargeted.count() <= 3
        assert not untargeted.filter(pk__in=_above_scale(year)).exists()
    assert Target.objects.exclude(metric="output_value").exists()


def test_some_small_enterprises_have_not_reported_the_last_months(seeded):
    december = datetime.date(2021, 12, 1)
    assigned = Assignment.objects.filter(year=2021).values("enterprise")
    reported = MonthlyReport.objects.filter(period=december).values("enterprise")
    missing = Enterprise.objects.filter(pk__in=assigned).exclude(pk__in=reported)
    assert missing.count() == 2
    assert not missing.filter(pk__in=_above_scale(2021)).exists()


def test_stage_moves_only_go_forward_and_end_at_the_projects_stage(seeded):
    for project in Project.objects.prefetch_related("stage_moves"):
        moves = sorted(project.stage_moves.all(), key=lambda m: (m.moved_on, m.pk))
        stage = Stage.RESERVE
        for move in moves:
            assert move.from_stage == stage
            assert STAGE_ORDER[move.to_stage] > STAGE_ORDER[move.from_stage]
            stage = move.to_stage
        assert stage == project.stage, project.name
        dates = [m.moved_on for m in moves]
        assert dates == sorted(dates)
        assert all(datetime.date(2019, 1, 1) <= day <= datetime.date(2021, 12, 31) for day in dates)


def test_project_reports_cover_the_construction_months_with_rising_progress(seeded):
    for project in Project.objects.prefetch_related("stage_moves", "reports"):
        reports = sorted(project.reports.all(), key=lambda r: r.period)
        moves = {m.to_stage: m.moved_on for m in project.stage_moves.all()}
        if Stage.STARTED not in moves:
            assert reports == []
            continue
        assert reports[0].period == moves[Stage.STARTED].replace(day=1)
        end = moves.get(Stage.COMPLETED, datetime.date(2021, 12, 1)).replace(day=1)
        assert reports[-1].period == end
        percents = [r.percent_complete for r in reports]
        assert percents == sorted(percents), project.name
        assert (percents[-1] == 100) == (Stage.COMPLETED in moves)
        assert all(r.progress_note for r in reports)


def test_the_articles_projects_are_at_their_stages(seeded):
    stages = dict(Project.objects.values_list("name", "stage"))
    assert stages["通用机械迁建技改项目"] == Stage.OPERATING
    assert stages["恒通PP棉项目一期"] == Stage.OPERATING
    assert stages["鑫安环保建材项目"] == Stage.OPERATING
    assert stages["海润恒昶精密制造产业园"] == Stage.OPERATING
    assert stages["安贝斯文创产业园项目"] == Stage.STARTED
    assert stages["魔芋特色产业融合发展项目"] == Stage.STARTED
    assert list(stages.values()).count(Stage.STARTED) == 6
    assert Stage.RESERVE in stages.values()
    konjac = Project.objects.get(name="魔芋特色产业融合发展项目")
    assert konjac.floor_area == Decimal("4000.00")
    quartz = Project.objects.get(name__contains="石英砂")
    assert quartz.capacity == "年产20万吨"
    assert not ProjectPlan.objects.exclude(leader__rank=OfficialRank.COUNTY_LEADER).exists()
    assert ProjectPlan.objects.filter(year=2020).exists()


def test_visits_and_problems_are_plausible(seeded):
    assert Visit.objects.filter(kind=VisitKind.EMERGENCY).count() == 3
    assert not Visit.objects.filter(visited_on__gt=timezone.localdate()).exists()
    allowed = {
        (a.enterprise_id, a.year): {o.pk for o in a.team.all()} | {a.leader_id}
        for a in Assignment.objects.prefetch_related("team")
    }
    for visit in Visit.objects.prefetch_related("participants"):
        assert visit.visited_on.year in (2020, 2021)
        assert visit.visited_on.weekday() < 5
        key = (visit.enterprise_id, visit.visited_on.year)
        assert {o.pk for o in visit.participants.all()} <= allowed[key]
    # History is concluded: every problem was confirmed by January of the following year.
    assert set(Problem.objects.values_list("status", flat=True)) == {ProblemStatus.RESOLVED}
    for problem in Problem.objects.all():
        assert problem.resolution and problem.resolved_on and problem.satisfaction
        assert problem.raised_on <= problem.solved_on <= problem.resolved_on
        assert problem.resolved_on <= datetime.date(problem.raised_on.year + 1, 1, 31)
    assert Problem.objects.filter(resolved_on__gt=F("due_on")).exists()
