"""The photos of a record (a visit, a project report) as API v1 lists and accepts them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser

from core.api.http import ObjectJSONParser

# Photos arrive as multipart form data, one or more parts named ``image``. A JSON body is read
# too, only to be refused as every other API body is (400: not an object, or no file in it).
PHOTO_PARSERS = [MultiPartParser, FormParser, ObjectJSONParser]


class PhotoSerializer(serializers.Serializer):
    """A stored photo: its id (to delete it), its URL and its thumbnail's (null without one)."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField(help_text=_("The photo, an upright JPEG."))
    thumbnail_url = serializers.SerializerMethodField(
        help_text=_("A thumbnail of at most 320 pixels a side, or `null` when none was made.")
    )

    def _absolute(self, file) -> str | None:
        if not file:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(file.url) if request is not None else file.url

    def get_url(self, photo) -> str:
        return self._absolute(photo.image)

    def get_thumbnail_url(self, photo) -> str | None:
        return self._absolute(getattr(photo, "thumbnail", None))


class PhotoUploadSerializer(serializers.Serializer):
    """Multipart form data: one or more parts named ``image``, all added or none."""

    image = serializers.FileField(
        help_text=_(
            "A JPEG, PNG or WebP photo of at most 10 MB and 40 million pixels, 32 to 12,000 "
            "pixels a side; repeat the part to send several. Stored re-encoded, without its "
            "metadata."
        )
    )


def uploaded_photos(request) -> list:
    """Return the files of a photo upload, after checking that there is one (400 otherwise)."""
    upload = PhotoUploadSerializer(data=request.data)
    upload.is_valid(raise_exception=True)
    return request.FILES.getlist("image")
