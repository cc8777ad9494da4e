"""Two departments with one of every record each, and a user for every role.

Department 1 is the side the role users belong to (its head is the department user, its
responsible person the official, its leader the county leader); department 2 is the other
department whose records none of them but the roles that read everything may reach.
"""

import datetime
from dataclasses import dataclass
from types import SimpleNamespace

from django.utils import timezone

from enterprises.choices import OfficialRank, PeriodStatus
from enterprises.models import Period, WorkReport
from projects.models import ProjectInspection
from tests.factories import (
    AssignmentFactory,
    CountyLeaderFactory,
    CultivationFactory,
    DepartmentFactory,
    EnterpriseTitleFactory,
    FundingApplicationFactory,
    InspectionFactory,
    LoanFactory,
    MonthlyReportFactory,
    NewInvestorFactory,
    NotificationFactory,
    OfficialFactory,
    ProblemFactory,
    ProjectFactory,
    ProjectPlanFactory,
    ProjectReportFactory,
    SafetyInspectionFactory,
    StandardFactoryFactory,
    SupervisionNoticeFactory,
    TargetFactory,
    UserFactory,
    VisitFactory,
)
from tests.roles import user_with_role

CLOSED_MONTH = datetime.date(2021, 11, 1)


@dataclass
class Side:
    """One department's records."""

    department: object
    head: object
    responsible: object
    leader: object
    enterprise: object
    assignment: object
    records: dict


def _side(index: int, today: datetime.date) -> Side:
    department = DepartmentFactory(code=f"S{index}", name=f"部门{index}")
    head = OfficialFactory(department=department, rank=OfficialRank.DEPARTMENT_HEAD)
    responsible = OfficialFactory(department=department)
    leader = CountyLeaderFactory()
    assignment = AssignmentFactory(
        year=today.year, department=department, responsible=responsible, leader=leader
    )
    enterprise = assignment.enterprise
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    visit = VisitFactory(enterprise=enterprise, visited_on=today)
    visit.participants.add(responsible)
    project = ProjectFactory(enterprise=enterprise, stage="started")
    plan = ProjectPlanFactory(
        project=project, year=today.year, department=department, leader=leader
    )
    records = {
        "department": department,
        "official": responsible,
        "enterprise": enterprise,
        "enterprisetitle": EnterpriseTitleFactory(enterprise=enterprise, year=today.year),
        "assignment": assignment,
        "visit": visit,
        "problem": ProblemFactory(enterprise=enterprise, raised_on=today, department=department),
        "target": TargetFactory(enterprise=enterprise, year=today.year),
        "monthlyreport": MonthlyReportFactory(enterprise=enterprise, period=last_month),
        "workreport": WorkReport.objects.create(
            assignment=assignment, period=today.replace(day=1), progress="进展顺利"
        ),
        "project": project,
        "projectplan": plan,
        "projectreport": ProjectReportFactory(project=project, period=last_month),
        "projectinspection": ProjectInspection.objects.create(
            project=project,
            year=today.year,
            half=1 if today.month <= 6 else 2,
            inspected_on=today,
            findings="按期推进",
            rating=80,
        ),
        "supervisionnotice": SupervisionNoticeFactory(
            department=department, period=CLOSED_MONTH, due_on=today + datetime.timedelta(days=7)
        ),
        "inspection": InspectionFactory(
            year=today.year, quarter=1, department=department, inspected_on=today
        ),
        "cultivation": CultivationFactory(enterprise=enterprise),
        "loan": LoanFactory(enterprise=enterprise),
        "safetyinspection": SafetyInspectionFactory(enterprise=enterprise),
        "standardfactory": StandardFactoryFactory(occupant=enterprise),
        "newinvestor": NewInvestorFactory(enterprise=enterprise),
        "fundingapplication": FundingApplicationFactory(enterprise=enterprise, project=None),
    }
    return Side(department, head, responsible, leader, enterprise, assignment, records)


def build_world() -> SimpleNamespace:
    """Create both departments' records and one user per role (plus one without a role)."""
    today = timezone.localdate()
    ours, theirs = _side(1, today), _side(2, today)
    Period.objects.create(period=CLOSED_MONTH, status=PeriodStatus.CLOSED, closed_at=timezone.now())
    users = {
        "administrator": user_with_role("administrator", username="r-admin", is_staff=True),
        "economic_bureau": user_with_role("economic_bureau", username="r-eb", is_staff=True),
        "supervision_office": user_with_role("supervision_office", username="r-so"),
        "department_user": user_with_role(
            "department_user", official=ours.head, username="r-du", is_staff=True
        ),
        "official": user_with_role("official", official=ours.responsible, username="r-of"),
        "county_leader": user_with_role("county_leader", official=ours.leader, username="r-cl"),
        "no_role": UserFactory(username="r-none"),
    }
    notifications = {role: NotificationFactory(recipient=user) for role, user in users.items()}
    return SimpleNamespace(
        today=today, ours=ours, theirs=theirs, users=users, notifications=notifications
    )
