"""The year-end assessment (年终一考核) of API v1: the page's selector, every part shown."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api.http import PlainIntegerField
from core.api.views import ERRORS, requires

from ..access import READS_RANKINGS
from ..selectors.assessment import DepartmentAssessment, Part, assessment_weights, list_assessments
from .conventions import validate_query
from .serializers import rate


class AssessmentQuerySerializer(serializers.Serializer):
    year = PlainIntegerField(
        min_value=2000,
        max_value=2100,
        help_text=gettext_lazy("The year assessed; one that has begun."),
    )


class AssessmentPartSerializer(serializers.Serializer):
    key = serializers.ChoiceField(
        choices=["output", "investment", "visits", "problems", "responsiveness"]
    )
    label = serializers.CharField()
    weight = serializers.FloatField(help_text=gettext_lazy("The part's weight (of 100)."))
    ratio = serializers.FloatField(
        allow_null=True,
        help_text=gettext_lazy("The part's ratio (uncapped); `null` when the part does not apply."),
    )
    points = serializers.FloatField(
        allow_null=True,
        help_text=gettext_lazy("`min(max(ratio, 0), 1) × weight`; `null` likewise."),
    )
    numerator = serializers.IntegerField(allow_null=True)
    denominator = serializers.IntegerField(allow_null=True)


class AssessmentRowSerializer(serializers.Serializer):
    department = serializers.IntegerField()
    department_code = serializers.CharField()
    department_name = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    total = serializers.FloatField(
        allow_null=True,
        help_text=gettext_lazy(
            "The score out of 100: the applicable parts' points scaled up to 100; `null` when "
            "no part applies."
        ),
    )
    applicable_weight = serializers.FloatField()
    inspection_average = serializers.FloatField(
        allow_null=True, help_text=gettext_lazy("The average score of the year's inspections.")
    )
    parts = AssessmentPartSerializer(many=True)


class AssessmentSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    weights = serializers.DictField(child=serializers.FloatField())
    results = AssessmentRowSerializer(many=True)


def _part(part: Part) -> dict:
    return {
        "key": part.key,
        "label": str(part.label),
        "weight": rate(part.weight),
        "ratio": rate(part.ratio),
        "points": rate(part.points),
        "numerator": part.numerator,
        "denominator": part.denominator,
    }


def _row(row: DepartmentAssessment) -> dict:
    return {
        "department": row.department_id,
        "department_code": row.department_code,
        "department_name": row.department_name,
        "rank": row.rank,
        "total": rate(row.total),
        "applicable_weight": rate(row.applicable_weight),
        "inspection_average": rate(row.inspection_average),
        "parts": [_part(part) for part in row.parts],
    }


EXAMPLE = {
    "year": 2021,
    "weights": {
        "output": 40.0,
        "investment": 20.0,
        "visits": 20.0,
        "problems": 10.0,
        "responsiveness": 10.0,
    },
    "results": [
        {
            "department": 1,
            "department_code": "D01",
            "department_name": "工业园区管委会",
            "rank": 1,
            "total": 100.0,
            "applicable_weight": 40.0,
            "inspection_average": None,
            "parts": [
                {
                    "key": "output",
                    "label": "产值完成",
                    "weight": 40.0,
                    "ratio": 1.0833333333333333,
                    "points": 40.0,
                    "numerator": None,
                    "denominator": None,
                }
            ],
        }
    ],
}


@extend_schema(
    parameters=[AssessmentQuerySerializer],
    responses={
        200: OpenApiResponse(
            AssessmentSerializer,
            examples=[OpenApiExample("A department", value=EXAMPLE)],
        ),
        400: ERRORS["400"],
        403: ERRORS["403"],
    },
)
@api_view(["GET"])
@permission_classes([requires(READS_RANKINGS)])
def assessments(request):
    """Return the year-end assessment: each department's parts, weights, total and rank.

    The same figures as the assessment page (one selector): output and investment completion
    of the December ranking, visit compliance, problems resolved on time and notices answered
    on time, each a ratio capped at 1 times its weight; a part that does not apply is left out
    and the other weights are scaled up to 100. Ranked by total, then department code.
    """
    year = validate_query(AssessmentQuerySerializer, request)["year"]
    today = timezone.localdate()
    if year > today.year:
        raise ValidationError(
            {"year": [_("The year %(year)s has not begun yet.") % {"year": year}]}
        )
    rows = list_assessments(year=year, today=today)
    return Response(
        {
            "year": year,
            "weights": {key: rate(weight) for key, weight in assessment_weights().items()},
            "results": [_row(row) for row in rows],
        }
    )
