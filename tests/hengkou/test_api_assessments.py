"""The year-end assessment of API v1: the page's selector, every part and weight, the rank."""

from fractions import Fraction

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from hengkou.selectors.assessment import list_assessments
from tests.factories import UserFactory
from tests.hengkou.selectors.test_assessment import department  # noqa: F401 (a fixture)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
URL = "/api/v1/assessments/"


def reader() -> APIClient:
    client = APIClient()
    client.force_authenticate(user_with_role("supervision_office"))
    return client


def test_every_part_weight_total_and_rank_as_the_page_computes_them(department):  # noqa: F811
    response = reader().get(URL, {"year": 2021})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["year"] == 2021
    assert data["weights"] == {
        "output": 40.0,
        "investment": 20.0,
        "visits": 20.0,
        "problems": 10.0,
        "responsiveness": 10.0,
    }
    [row] = data["results"]
    [expected] = list_assessments(year=2021, today=timezone.localdate())
    assert (row["department"], row["department_code"], row["rank"]) == (department.pk, "D1", 1)
    assert row["total"] == pytest.approx(float(expected.total))
    assert row["applicable_weight"] == 100.0
    assert row["inspection_average"] is None
    parts = {part["key"]: part for part in row["parts"]}
    assert list(parts) == ["output", "investment", "visits", "problems", "responsiveness"]
    for part in expected.parts:
        shown = parts[part.key]
        assert shown["weight"] == float(part.weight)
        assert shown["ratio"] == pytest.approx(float(part.ratio))
        assert shown["points"] == pytest.approx(float(part.points))
        assert (shown["numerator"], shown["denominator"]) == (part.numerator, part.denominator)
    # The hand-computed example of the selector's tests.
    assert parts["output"]["ratio"] == pytest.approx(0.6)
    assert parts["output"]["points"] == 24.0
    assert (parts["investment"]["ratio"], parts["investment"]["points"]) == (1.5, 20.0)
    assert (parts["visits"]["numerator"], parts["visits"]["denominator"]) == (6, 64)
    total = 24 + 20 + Fraction(6, 64) * 20 + Fraction(2, 3) * 10 + 5
    assert row["total"] == pytest.approx(float(total))


def test_a_year_without_work_lists_nobody(db):
    response = reader().get(URL, {"year": 2020})
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("query", [{}, {"year": "abc"}, {"year": "2021.0"}, {"year": 1999}])
def test_a_missing_or_malformed_year_is_400(db, query):
    response = reader().get(URL, query)
    assert response.status_code == 400
    assert list(response.json()) == ["year"]


def test_a_year_that_has_not_begun_is_400(db):
    year = timezone.localdate().year + 1
    response = reader().get(URL, {"year": year})
    assert response.status_code == 400
    with translation.override("zh-hans"):
        message = gettext("The year %(year)s has not begun yet.") % {"year": year}
    assert response.json() == {"year": [message]}
    assert reader().get(URL, {"year": timezone.localdate().year}).status_code == 200


def test_it_needs_the_pages_permission(db):
    assert APIClient().get(URL, {"year": 2021}).status_code in (401, 403)
    for user in (user_with_role("department_user", official=True), UserFactory()):
        client = APIClient()
        client.force_authenticate(user)
        assert client.get(URL, {"year": 2021}).status_code == 403
    assert reader().post(URL, {"year": 2021}, format="json").status_code == 405


def test_the_url_name():
    assert reverse("api:assessments") == URL
