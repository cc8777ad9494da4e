"""Photos as the site accepts and stores them.

A photo is a JPEG, PNG or WebP file of at most ``HENGKOU_PHOTO_MAX_BYTES`` (10 MB) and
``HENGKOU_PHOTO_MAX_PIXELS`` decoded pixels (40 Mpx), 32 to 12,000 pixels a side. The check reads
only the file's header, so a small file that claims 12000 × 12000 pixels is refused before any
pixel is decoded. What is stored is re-encoded as a plain JPEG: turned upright, without the
original's metadata (GPS positions included) or anything appended to it. A visit or a project
report holds at most ``HENGKOU_PHOTOS_PER_RECORD`` (20) photos.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

# Formats every browser shows; MPO is the JPEG variant many phone cameras write.
PHOTO_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_PHOTOS = 20
SIDE_RANGE = (32, 12_000)
JPEG_QUALITY = 85


def max_bytes() -> int:
    return int(getattr(settings, "HENGKOU_PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_pixels() -> int:
    return int(getattr(settings, "HENGKOU_PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def max_photos() -> int:
    """Return how many photos one record (a visit, a project report) holds at most."""
    return int(getattr(settings, "HENGKOU_PHOTOS_PER_RECORD", DEFAULT_MAX_PHOTOS))


def check_photo_count(*, existing: int, adding: int) -> None:
    """Raise ValidationError when ``adding`` photos to ``existing`` ones passes the limit."""
    if existing + adding > max_photos():
        raise ValidationError(
            _(
                "A record holds at most %(limit)s photos: it has %(existing)s, and %(adding)s "
                "more were sent."
            ),
            code="photo_count",
            params={"limit": max_photos(), "existing": existing, "adding": adding},
        )


def _rewound(file):
    source = getattr(file, "file", file)
    if hasattr(source, "seek"):
        source.seek(0)
    return source


def check_photo(file) -> None:
    """Raise ValidationError unless ``file`` is a photo within the limits (header read only)."""
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes():
        raise ValidationError(
            _("A photo is at most %(mb)s MB (this one has %(size)s MB)."),
            code="photo_size",
            params={"mb": max_bytes() // (1024 * 1024), "size": f"{size / 1024 / 1024:.1f}"},
        )
    not_a_photo = ValidationError(
        _("This file is not a photo: upload a JPEG, PNG or WebP image."), code="photo_type"
    )
    source = _rewound(file)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(source) as picture:
                kind, (width, height) = picture.format, picture.size
    except Image.DecompressionBombError as error:
        raise _too_many_pixels(None) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise not_a_photo from error
    finally:
        _rewound(file)
    if kind not in PHOTO_FORMATS:
        raise not_a_photo
    if width * height > max_pixels():
        raise _too_many_pixels(width * height)
    low, high = SIDE_RANGE
    if not (low <= width <= high and low <= height <= high):
        raise ValidationError(
            _("A photo is between 32 and 12,000 pixels wide and high."), code="photo_dimensions"
        )


def _too_many_pixels(pixels: int | None) -> ValidationError:
    return ValidationError(
        _("A photo has at most %(limit)s million pixels%(found)s."),
        code="photo_pixels",
        params={
            "limit": max_pixels() // 1_000_000,
            "found": "" if pixels is None else f" ({pixels / 1_000_000:.0f})",
        },
    )


def reencode_photo(file, *, name: str = "") -> ContentFile:
    """Return the photo re-encoded as an upright JPEG without metadata, after checking it."""
    check_photo(file)
    source = _rewound(file)
    try:
        upright = _decoded_upright(source)
    except (OSError, SyntaxError, ValueError) as error:  # truncated or corrupt pixel data
        raise ValidationError(
            _("This file is not a photo: upload a JPEG, PNG or WebP image."), code="photo_type"
        ) from error
    buffer = io.BytesIO()
    upright.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    _rewound(file)
    stem = os.path.splitext(os.path.basename(name or getattr(file, "name", "") or ""))[0]
    return ContentFile(buffer.getvalue(), name=f"{stem or 'photo'}.jpg")


_STRICT = threading.Lock()


@contextlib.contextmanager
def _strict_decoding():
    """Decode with truncated pixel data refused, whatever the process set: WeasyPrint (the
    bulletin's PDF) turns PIL's ``ImageFile.LOAD_TRUNCATED_IMAGES`` on for the whole process
    when it is imported, and a cut-off upload would then be stored as a half-grey photo."""
    with _STRICT:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _decoded_upright(source) -> Image.Image:
    with _strict_decoding():
        return _decode_upright(source)


def _decode_upright(source) -> Image.Image:
    with Image.open(source) as picture:
        upright = ImageOps.exif_transpose(picture)
        if upright.mode in ("RGBA", "LA", "P"):
            upright = upright.convert("RGBA")
            background = Image.new("RGB", upright.size, "white")
            background.paste(upright, mask=upright.getchannel("A"))
            upright = background
        elif upright.mode != "RGB":
            upright = upright.convert("RGB")
        upright.load()
    return upright


def delete_files_on_commit(files) -> None:
    """Delete stored files (image or thumbnail fields; empty ones skipped) once the transaction
    commits, so that a write rolled back keeps them."""
    stored = [(file.storage, file.name) for file in files if file]

    def delete():
        for storage, name in stored:
            storage.delete(name)

    transaction.on_commit(delete)


def _delete_files_of(sender, instance, **kwargs) -> None:
    delete_files_on_commit(
        getattr(instance, field.attname)
        for field in sender._meta.concrete_fields
        if isinstance(field, models.FileField)
    )


def delete_files_with_rows(model) -> None:
    """Delete a model's stored files once a deletion of its rows commits, however the rows go
    (a service, the admin, or a cascade from the record they belong to)."""
    post_delete.connect(
        _delete_files_of, sender=model, dispatch_uid=f"core.images.files.{model._meta.label}"
    )
