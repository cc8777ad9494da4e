"""Reads of the funding applications (项目资金争取, issue 9)."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from core.numbers import cents

from ..models import FundingApplication


def list_funding_applications() -> QuerySet[FundingApplication]:
    """Return the funding applications with their project and enterprise, latest year first."""
    return FundingApplication.objects.select_related("project", "enterprise").order_by(
        "-year", "programme", "pk"
    )


def funding_totals(queryset: QuerySet[FundingApplication]) -> dict:
    """Return the applications' number and the amounts requested, approved and received (万元)."""
    totals = queryset.order_by().aggregate(
        applications=Count("pk"),
        sum_requested=Sum("requested"),
        sum_approved=Sum("approved"),
        sum_received=Sum("received"),
    )
    return {
        "applications": totals["applications"],
        **{name: cents(totals[f"sum_{name}"]) for name in ("requested", "approved", "received")},
    }
