import pytest

from tests.factories import AssignmentFactory


@pytest.mark.django_db
def test_factories_build_a_valid_assignment():
    assignment = AssignmentFactory()
    assignment.full_clean()
    assert assignment.leader.rank == "county_leader"
