"""/my/ keeps a defined order: a duty still due first, the nearest deadline first, then name."""

import datetime
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.choices import OfficialRank
from enterprises.models import Assignment
from enterprises.selectors.sponsorship import (
    get_latest_assignment_year,
    involvement,
    list_my_assignments,
)
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    EnterpriseFactory,
    OfficialFactory,
    VisitFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 18)  # a Wednesday: the week ends on the 22nd, the quarter later


def _names(official, today=TODAY):
    items = list_my_assignments(official=official, year=today.year, today=today)
    return [item.assignment.enterprise.name for item in items]


def _responsible_for(official, name, year=TODAY.year):
    return AssignmentFactory(
        year=year,
        responsible=official,
        department=official.department,
        enterprise=EnterpriseFactory(name=name),
    )


def _visit(official, assignment, day=TODAY):
    visit = VisitFactory(enterprise=assignment.enterprise, visited_on=day)
    visit.participants.add(official)


def test_equal_urgency_is_ordered_by_name_whatever_was_created_or_visited_first():
    official = OfficialFactory()
    for name in ("丙企业", "甲企业", "乙企业"):
        _responsible_for(official, name)
    names = _names(official)
    assert names == sorted(names)
    assert len(names) == 3


def test_visiting_an_enterprise_moves_only_that_one():
    official = OfficialFactory()
    assignments = {name: _responsible_for(official, name) for name in ("A厂", "B厂", "C厂", "D厂")}
    assert _names(official) == ["A厂", "B厂", "C厂", "D厂"]
    _visit(official, assignments["B厂"])
    # B's weekly duty is done: it follows the ones still due, whose order stays.
    assert _names(official) == ["A厂", "C厂", "D厂", "B厂"]
    _visit(official, assignments["D厂"])
    assert _names(official) == ["A厂", "C厂", "B厂", "D厂"]


def test_the_nearest_deadline_comes_first_before_the_name():
    official = OfficialFactory()
    # As leader of A厂 the duty runs to the quarter's end; as responsible person of B厂 only to
    # Sunday: B厂 is more urgent though its name comes later.
    AssignmentFactory(year=TODAY.year, leader=official, enterprise=EnterpriseFactory(name="A厂"))
    _responsible_for(official, "B厂")
    assert _names(official) == ["B厂", "A厂"]


def test_a_visit_long_ago_plays_no_part():
    official = OfficialFactory()
    old = _responsible_for(official, "A厂")
    _responsible_for(official, "B厂")
    _visit(official, old, day=TODAY - datetime.timedelta(days=30))  # an earlier window
    assert _names(official) == ["A厂", "B厂"]


def test_the_page_says_how_it_is_sorted_and_keeps_the_order_after_a_visit(client):
    today = timezone.localdate()
    official = OfficialFactory()
    client.force_login(user_with_role("official", official=official))
    assignments = {
        name: _responsible_for(official, name, year=today.year) for name in ("A厂", "B厂", "C厂")
    }
    html = client.get(reverse("enterprises:my_enterprises")).content.decode()
    assert "按应帮扶期限排序" in html
    assert html.index("A厂") < html.index("B厂") < html.index("C厂")
    _visit(official, assignments["A厂"], day=today)
    html = client.get(reverse("enterprises:my_enterprises")).content.decode()
    assert html.index("B厂") < html.index("C厂") < html.index("A厂")


def test_without_an_assignment_this_year_the_page_points_to_the_latest_year(client):
    today = timezone.localdate()
    official = OfficialFactory()
    client.force_login(user_with_role("official", official=official))
    html = client.get(reverse("enterprises:my_enterprises")).content.decode()
    assert "您今年没有包抓企业" in html
    assert 'id="latest-duties"' not in html  # nothing earlier either
    _responsible_for(official, "旧年企业", year=today.year - 3)
    _responsible_for(official, "更早企业", year=today.year - 4)
    html = client.get(reverse("enterprises:my_enterprises")).content.decode()
    link = reverse("enterprises:official_compliance", args=[official.pk])
    assert f'href="{link}?period={today.year - 3}-12"' in html
    # The link opens on that year's duties, which the official may read.
    response = client.get(link, {"period": f"{today.year - 3}-12"})
    assert response.status_code == 200
    assert "旧年企业" in response.content.decode()


def test_the_latest_year_of_each_role_is_that_of_every_involvement_in_one_query(
    django_assert_num_queries,
):
    # Random assignments over six years in every role; the latest year before each year is the
    # latest of the assignments ``involvement`` selects, read plainly.
    rng = random.Random(19)
    department = DepartmentFactory()
    head = OfficialFactory(department=department, rank=OfficialRank.DEPARTMENT_HEAD)
    people = [OfficialFactory(department=department) for _ in range(3)]
    others = [DepartmentFactory() for _ in range(2)]
    for _ in range(25):
        assignment = AssignmentFactory(
            year=rng.randrange(2018, 2024),
            department=rng.choice([department, *others]),
            leader=rng.choice(people),
            responsible=rng.choice(people),
        )
        assignment.team.add(*rng.sample(people, rng.randrange(0, 3)))
    for official in (head, *people, OfficialFactory()):
        for before in range(2017, 2026):
            expected = max(
                Assignment.objects.filter(involvement(official), year__lt=before).values_list(
                    "year", flat=True
                ),
                default=None,
            )
            with django_assert_num_queries(1):
                found = get_latest_assignment_year(official=official, before=before)
            assert found == expected, (official, before)
