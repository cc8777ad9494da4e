"""Validation of the cultivation, financing, safety, park and funding records (issue 9)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from enterprises.choices import CultivationStatus, InspectionKind, SafetyActivityKind, TitleKind
from enterprises.models import (
    Cultivation,
    Loan,
    Matchmaking,
    NewInvestor,
    SafetyActivity,
    SafetyInspection,
    ServiceFacility,
    StandardFactory,
)
from projects.models import FundingApplication, FundingStatus
from tests.factories import EnterpriseFactory, ProjectFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def refused(obj, field=None):
    """Assert that full_clean refuses ``obj`` (on ``field`` if given) and nothing is written."""
    with pytest.raises(ValidationError) as error:
        obj.full_clean()
    if field:
        assert field in error.value.message_dict
    assert type(obj).objects.count() == 0
    return error.value


def cultivation(**fields):
    values = {
        "title": TitleKind.HIGH_TECH,
        "year": 2021,
        "status": CultivationStatus.CANDIDATE,
        "identified_on": D(2021, 3, 1),
        **fields,
    }
    values.setdefault("enterprise", EnterpriseFactory())
    return Cultivation(**values)


def test_cultivation_candidate_is_valid():
    cultivation().full_clean()


def test_cultivation_applying_needs_an_application_date():
    error = refused(cultivation(status=CultivationStatus.APPLYING))
    assert "申报日期" in str(error)


def test_cultivation_decision_date_only_once_decided():
    refused(cultivation(status=CultivationStatus.RECOGNISED, applied_on=D(2021, 4, 1)))
    refused(cultivation(decided_on=D(2021, 5, 1)))
    cultivation(
        status=CultivationStatus.RECOGNISED, applied_on=D(2021, 4, 1), decided_on=D(2021, 5, 1)
    ).full_clean()


def test_cultivation_dates_run_forward():
    refused(cultivation(status=CultivationStatus.APPLYING, applied_on=D(2021, 2, 1)))
    refused(
        cultivation(
            status=CultivationStatus.REJECTED, applied_on=D(2021, 4, 1), decided_on=D(2021, 3, 31)
        )
    )


def test_cultivation_one_per_enterprise_title_and_year():
    first = cultivation()
    first.save()
    with pytest.raises(ValidationError):
        cultivation(enterprise=first.enterprise).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        cultivation(enterprise=first.enterprise).save()
    assert Cultivation.objects.count() == 1


def test_cultivation_database_refuses_a_decision_without_date():
    with pytest.raises(IntegrityError), transaction.atomic():
        cultivation(status=CultivationStatus.RECOGNISED, applied_on=D(2021, 4, 1)).save()
    assert Cultivation.objects.count() == 0


def funding(**fields):
    values = {"programme": "陕南发展专项", "year": 2021, "requested": Decimal("100"), **fields}
    return FundingApplication(**values)


def test_funding_amounts_shrink_along_the_way():
    funding(
        project=ProjectFactory(),
        status=FundingStatus.APPROVED,
        approved=Decimal("80"),
        received=Decimal("80"),
    ).full_clean()
    refused(funding(status=FundingStatus.APPROVED, approved=Decimal("120")))
    refused(funding(status=FundingStatus.APPROVED, approved=Decimal("50"), received=Decimal("60")))
    refused(funding(requested=Decimal("-1")), "requested")


def test_funding_only_an_approved_application_has_an_approved_amount():
    error = refused(funding(status=FundingStatus.SUBMITTED, approved=Decimal("50")))
    assert "仅已批复的申报" in str(error)
    with pytest.raises(IntegrityError), transaction.atomic():
        funding(status=FundingStatus.REJECTED, approved=Decimal("50")).save()
    assert FundingApplication.objects.count() == 0


def test_matchmaking_and_loan_validation():
    meeting = Matchmaking(held_on=D(2021, 3, 18), title="银企对接会", banks="工行")
    meeting.full_clean()
    refused(Matchmaking(held_on=D(2021, 3, 18), title="x", banks="工行", loans_amount=-1))
    enterprise = EnterpriseFactory()
    loan = Loan(enterprise=enterprise, bank="工行", amount=Decimal("500"), granted_on=D(2021, 4, 1))
    refused(loan, "term_months")
    loan.term_months = 12
    loan.full_clean()
    assert loan.year == 2021
    refused(
        Loan(
            enterprise=enterprise, bank="工行", amount=0, granted_on=D(2021, 4, 1), term_months=12
        ),
        "amount",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.create(
            enterprise=enterprise, bank="工行", amount=0, granted_on=D(2021, 4, 1), term_months=12
        )


def inspection(**fields):
    values = {"inspected_on": D(2021, 5, 10), "kind": InspectionKind.RANDOM, "area": "工业"}
    return SafetyInspection(**{**values, **fields})


def test_inspection_cannot_rectify_more_than_found():
    error = refused(
        inspection(hazards_found=1, hazards_rectified=2, rectify_deadline=D(2021, 6, 1))
    )
    assert "已整改隐患不能多于" in str(error)


def test_inspection_open_hazards_need_a_deadline_after_the_inspection():
    refused(inspection(hazards_found=2, hazards_rectified=1))
    refused(inspection(hazards_found=2, hazards_rectified=1, rectify_deadline=D(2021, 5, 1)))
    refused(inspection(kind="monthly"), "kind")
    with pytest.raises(IntegrityError), transaction.atomic():
        inspection(hazards_found=2).save()
    assert SafetyInspection.objects.count() == 0


def test_inspection_is_overdue_only_with_open_hazards_past_the_deadline():
    late = inspection(hazards_found=2, hazards_rectified=1, rectify_deadline=D(2021, 6, 1))
    late.full_clean()
    assert not late.is_overdue(as_of=D(2021, 6, 1))
    assert late.is_overdue(as_of=D(2021, 6, 2))
    done = inspection(hazards_found=2, hazards_rectified=2, rectify_deadline=D(2021, 6, 1))
    assert not done.is_overdue(as_of=D(2022, 1, 1))


def test_safety_activity_validation():
    SafetyActivity(kind=SafetyActivityKind.DRILL, held_on=D(2021, 5, 12), title="演练").full_clean()
    refused(SafetyActivity(kind="party", held_on=D(2021, 5, 12), title="x"), "kind")
    refused(SafetyActivity(kind="drill", held_on=D(2021, 5, 12), title="x", participants=-1))


def test_standard_factory_validation():
    StandardFactory(park="园区", building="1#", area=Decimal("4800"), year_built=2021).full_clean()
    refused(StandardFactory(park="园区", building="1#", area=0, year_built=2021), "area")
    refused(StandardFactory(park="园区", building="1#", area=1, year_built=1999), "year_built")
    StandardFactory.objects.create(park="园区", building="1#", area=1, year_built=2021)
    with pytest.raises(ValidationError):
        StandardFactory(park="园区", building="1#", area=1, year_built=2021).full_clean()


def test_service_facility_validation():
    refused(ServiceFacility(name="食堂", kind="pool", year=2021), "kind")
    ServiceFacility(name="食堂", kind="canteen", year=2021).full_clean()


def test_new_investor_flags_investments_of_ten_million_or_more():
    enterprise = EnterpriseFactory()
    refused(NewInvestor(enterprise=enterprise, year=2021, investment=-5), "investment")
    assert NewInvestor(enterprise=enterprise, year=2021, investment=Decimal("1000")).is_major
    assert not NewInvestor(enterprise=enterprise, year=2021, investment=Decimal("999.99")).is_major
