"""notifications/: the caller's own in-app notifications, and marking one read (as the page's
button does)."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.views import ERRORS, ApiSchema, ScopedViewSetMixin

from ..models import Notification
from ..services.notifications import mark_notification_read
from .permissions import HoldsARole


class NotificationSerializer(serializers.ModelSerializer):
    """A notification: title, message, link, attached files, when sent and when read."""

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "attachments", "created_at", "read_at"]
        read_only_fields = fields


NOTIFICATION_EXAMPLE = {
    "id": 7,
    "title": "2021-11 月通报",
    "body": "2021年11月的包抓通报已发布。",
    "url": "/bulletin/2021-11/",
    "attachments": [{"label": "Excel", "url": "/bulletin/2021-11/xlsx/"}],
    "created_at": "2021-12-06T10:00:00+08:00",
    "read_at": "2021-12-06T10:20:00+08:00",
}


@extend_schema_view(
    list=extend_schema(
        summary="The caller's notifications, newest first",
        description="Only the caller's own; `read_at` is null while unread.",
    ),
    retrieve=extend_schema(
        summary="One of the caller's notifications (reading it does not mark it read)"
    ),
)
class NotificationViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's in-app notifications (another user's is a 404, whoever asks: a
    notification is its recipient's alone, even for the roles that read every record)."""

    # Any user holding a role reads their own (the site's default: no model permission).
    permission_classes = [IsAuthenticated, HoldsARole]
    queryset = Notification.objects.none()
    serializer_class = NotificationSerializer
    schema = ApiSchema()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.filter(recipient=self.request.user).order_by(
            "-created_at", "-id"
        )

    @extend_schema(
        summary="Mark a notification read (as the page's button does)",
        description="Sets `read_at` to now; marking it again keeps the first time.",
        request=None,
        responses={200: NotificationSerializer, 403: ERRORS["403"], 404: ERRORS["404"]},
        examples=[OpenApiExample("Read", NOTIFICATION_EXAMPLE, response_only=True)],
    )
    @action(detail=True, methods=["post"], url_path="read")
    def read(self, request, pk=None):
        notification = mark_notification_read(notification=self.get_object(), now=timezone.now())
        return Response(self.get_serializer(notification).data)
