"""Photos: refused from their header when they claim too many pixels, re-encoded when stored."""

import io
import struct
import tracemalloc
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from core.images import check_photo, reencode_photo


def png_claiming(width: int, height: int) -> SimpleUploadedFile:
    """Return a tiny PNG whose header claims ``width`` × ``height`` pixels (a pixel flood)."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    # IHDR is the first chunk: length (4) + type (4) at offset 8, then width and height.
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return SimpleUploadedFile("flood.png", bytes(data), content_type="image/png")


def jpeg_with_gps() -> SimpleUploadedFile:
    image = Image.new("RGB", (80, 60), "green")
    exif = Image.Exif()
    exif[0x8825] = {2: (30.0, 0.0, 0.0)}  # GPSInfo: a latitude
    exif[0x0112] = 6  # Orientation: rotated 90°
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile("site.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_a_pixel_flood_is_refused_from_its_header_without_decoding():
    flood = png_claiming(12000, 12000)
    assert flood.size < 1000
    tracemalloc.start()
    with pytest.raises(ValidationError) as excinfo:
        check_photo(flood)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert excinfo.value.code == "photo_pixels"
    assert peak < 5 * 1024 * 1024  # decoding it would take 432 MB


def test_a_huge_claim_beyond_pillows_own_limit_is_refused_too():
    with pytest.raises(ValidationError) as excinfo:
        check_photo(png_claiming(60000, 60000))
    assert excinfo.value.code == "photo_pixels"


def test_a_gif_with_html_appended_is_not_a_photo():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "blue").save(buffer, "GIF")
    poc = SimpleUploadedFile("poc.gif", buffer.getvalue() + b"<script>alert(1)</script>")
    with pytest.raises(ValidationError) as excinfo:
        check_photo(poc)
    assert excinfo.value.code == "photo_type"


def test_a_stored_photo_is_an_upright_jpeg_without_its_metadata():
    stored = reencode_photo(jpeg_with_gps())
    assert stored.name == "site.jpg"
    with Image.open(io.BytesIO(stored.read())) as picture:
        assert picture.format == "JPEG"
        assert picture.size == (60, 80)  # turned upright by its orientation
        assert not picture.getexif()  # no GPS, no orientation left to apply twice


def test_png_with_transparency_is_stored_on_white():
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 40), (255, 0, 0, 0)).save(buffer, "PNG")
    stored = reencode_photo(SimpleUploadedFile("clear.png", buffer.getvalue()))
    with Image.open(io.BytesIO(stored.read())) as picture:
        assert stored.name == "clear.jpg"
        assert picture.getpixel((20, 20)) == pytest.approx((255, 255, 255), abs=2)


def test_a_truncated_photo_is_refused_when_decoded():
    whole = jpeg_with_gps().read()
    with pytest.raises(ValidationError) as excinfo:
        reencode_photo(SimpleUploadedFile("cut.jpg", whole[: len(whole) // 2]))
    assert excinfo.value.code == "photo_type"


def test_a_truncated_photo_is_refused_after_weasyprint_allowed_truncated_images(monkeypatch):
    # Importing WeasyPrint (the bulletin's PDF) turns this on for the whole process.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    buffer = io.BytesIO()
    Image.effect_noise((200, 200), 64).convert("RGB").save(buffer, "PNG")
    whole = buffer.getvalue()
    with pytest.raises(ValidationError) as excinfo:
        reencode_photo(SimpleUploadedFile("cut.png", whole[: len(whole) // 2]))
    assert excinfo.value.code == "photo_type"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as the process had it
