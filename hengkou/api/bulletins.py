"""bulletins/: the closed months' bulletins (月通报), each with links to its files.

The files are served by the API itself (``bulletins/{period}/files/{kind}/``, token or session
auth), the same bytes as the pages' downloads: rendered on their first request and then kept
(hengkou/bulletin/files.py).
"""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError

from core.api.views import ERRORS, ApiSchema, ScopedViewSetMixin, requires
from core.exports import DOCX, PDF, XLSX, attachment
from core.periods import check_month_begun, format_period, parse_period
from core.scoping import scope_queryset
from enterprises.filtersets import YearFilter
from enterprises.models import Period

from ..access import READS_RANKINGS
from ..bulletin.content import closed_months, export_filenames, get_bulletin, month_label
from ..bulletin.files import bulletin_file
from .schema import PERIOD_PATH


class BulletinSerializer(serializers.Serializer):
    """A closed month's bulletin: its number, when it closed, and its page and files."""

    period = serializers.SerializerMethodField(help_text="The month reported, YYYY-MM.")
    number = serializers.CharField(
        source="document_number",
        allow_null=True,
        help_text="The document number printed on the bulletin (e.g. 恒示包抓〔2021〕11号); "
        "null until the month's issue is stored (on the first read of an old close).",
    )
    closed_at = serializers.DateTimeField(allow_null=True, help_text="When the month closed.")
    url = serializers.SerializerMethodField(help_text="The bulletin's page (printable).")
    xlsx = serializers.SerializerMethodField(help_text="The Excel workbook (.xlsx).")
    docx = serializers.SerializerMethodField(help_text="The Word document (.docx).")
    pdf = serializers.SerializerMethodField(help_text="The PDF official document.")

    def get_period(self, month) -> str:
        return format_period(month.period)

    def _link(self, name: str, month, *extra: str) -> str:
        path = reverse(name, args=[format_period(month.period), *extra])
        return self.context["request"].build_absolute_uri(path)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, month):
        return self._link("bulletin:detail", month)

    @extend_schema_field(OpenApiTypes.URI)
    def get_xlsx(self, month):
        return self._link("api:bulletin-file", month, "xlsx")

    @extend_schema_field(OpenApiTypes.URI)
    def get_docx(self, month):
        return self._link("api:bulletin-file", month, "docx")

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf(self, month):
        return self._link("api:bulletin-file", month, "pdf")


class BulletinFilterSet(django_filters.FilterSet):
    year = YearFilter(field_name="period__year", help_text="The year of the month reported.")

    class Meta:
        model = Period
        fields = ["year"]


BULLETIN_EXAMPLE = {
    "period": "2021-11",
    "number": "恒示包抓〔2021〕11号",
    "closed_at": "2021-12-06T10:00:00+08:00",
    "url": "https://tracker.example/bulletin/2021-11/",
    "xlsx": "https://tracker.example/api/v1/bulletins/2021-11/files/xlsx/",
    "docx": "https://tracker.example/api/v1/bulletins/2021-11/files/docx/",
    "pdf": "https://tracker.example/api/v1/bulletins/2021-11/files/pdf/",
}
FILE_TYPES = {"xlsx": XLSX, "docx": DOCX, "pdf": PDF}
READ_ERRORS = {400: ERRORS["400"], 403: ERRORS["403"]}


@extend_schema_view(
    list=extend_schema(
        summary="The bulletins of the closed months, newest first",
        description=(
            "One per closed month (an open month has none). The file links are this API's "
            "downloads (token or session): each file is rendered on its first request and "
            "kept. Same permission as the bulletin pages (the readers of the rankings)."
        ),
        responses={200: BulletinSerializer(many=True), **READ_ERRORS},
        examples=[OpenApiExample("November 2021", [BULLETIN_EXAMPLE], response_only=True)],
    ),
    retrieve=extend_schema(
        summary="The bulletin of a closed month",
        parameters=[PERIOD_PATH],
        responses={
            200: OpenApiResponse(
                BulletinSerializer, examples=[OpenApiExample("November 2021", BULLETIN_EXAMPLE)]
            ),
            **READ_ERRORS,
            404: OpenApiResponse(ERRORS["404"].response, description="The month is not closed."),
        },
    ),
)
class BulletinViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The closed months' bulletins (月通报): number, close and links to the files."""

    queryset = Period.objects.none()  # closed_months(), read per request
    serializer_class = BulletinSerializer
    filterset_class = BulletinFilterSet
    permission_classes = [requires(READS_RANKINGS)]
    schema = ApiSchema()
    lookup_field = "period"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return closed_months()

    def get_object(self):
        raw = self.kwargs["period"]
        try:
            day = parse_period(raw)
            check_month_begun(day)
        except DjangoValidationError as error:
            raise ValidationError({"period": error.messages}) from error
        month = scope_queryset(self.get_queryset(), self.request.user).filter(period=day).first()
        if month is None:
            raise NotFound(
                _(
                    "%(month)s is not closed yet, so it has no bulletin. The bulletin is "
                    "produced when the month is closed."
                )
                % {"month": month_label(day)}
            )
        self.check_object_permissions(self.request, month)
        return month

    @extend_schema(
        summary="A closed month's bulletin file: .xlsx, .docx or PDF",
        description=(
            "The same bytes as the bulletin page's download, rendered on the first request and "
            "kept. Send no `Accept` header, or `*/*`."
        ),
        parameters=[
            PERIOD_PATH,
            OpenApiParameter(
                "kind", str, OpenApiParameter.PATH, enum=list(FILE_TYPES), description="The file."
            ),
        ],
        responses={
            **{(200, media_type): OpenApiTypes.BINARY for media_type in FILE_TYPES.values()},
            **READ_ERRORS,
            404: OpenApiResponse(ERRORS["404"].response, description="The month is not closed."),
        },
    )
    @action(detail=True, methods=["get"], url_path="files/(?P<kind>xlsx|docx|pdf)", url_name="file")
    def file(self, request, period=None, kind=None):
        """Return a closed month's bulletin file as an attachment."""
        month = self.get_object()
        bulletin = get_bulletin(period=month.period, now=timezone.now())
        name, fallback = export_filenames(bulletin, kind)
        return attachment(
            bulletin_file(bulletin, kind), FILE_TYPES[kind], name=name, fallback=fallback
        )
