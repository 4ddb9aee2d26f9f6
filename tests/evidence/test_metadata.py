"""Metadata read from real files made here: EXIF by Pillow, a PDF by pypdf, audio and video by ffmpeg."""

import io
import shutil
import subprocess

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfWriter

from svidok.evidence import services
from svidok.evidence.metadata import NEAR_DUPLICATE_BITS, hamming
from svidok.evidence.models import EvidenceItem

UPLOAD = EvidenceItem.Method.UPLOAD


def add(actor, data: bytes, name: str):
    return services.add_item(actor=actor, file=io.BytesIO(data), name=name, method=UPLOAD)


def picture(seed: int = 0, size=(640, 480)) -> Image.Image:
    """A picture with shapes (a perceptual hash needs structure, not noise)."""
    image = Image.new("RGB", size, (240, 240, 230))
    draw = ImageDraw.Draw(image)
    w, h = size
    if seed == 0:
        draw.rectangle((w * 0.1, h * 0.2, w * 0.5, h * 0.9), fill=(30, 60, 160))
        draw.ellipse((w * 0.55, h * 0.1, w * 0.95, h * 0.6), fill=(200, 40, 40))
    else:
        draw.polygon([(0, h), (w * 0.5, 0), (w, h)], fill=(20, 140, 40))
        draw.rectangle((w * 0.7, h * 0.05, w * 0.95, h * 0.3), fill=(10, 10, 10))
    return image


def jpeg_with_exif(image: Image.Image) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS 5D"
    exif[0x0132] = "2018:03:18 09:00:00"
    exif.get_ifd(0x8769)[0x9003] = "2018:03:18 08:15:30"  # DateTimeOriginal
    exif.get_ifd(0x8825).update({1: "N", 2: (44.0, 57.0, 7.2), 3: "E", 4: (34.0, 6.0, 0.0)})  # Simferopol
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def test_exif_capture_time_device_and_gps_are_read(documenter, vault):
    item = add(documenter, jpeg_with_exif(picture()), "IMG_0001.JPG")

    assert item.blob.media_type == "image/jpeg"
    meta = item.metadata
    assert (meta["width"], meta["height"], meta["format"]) == (640, 480, "JPEG")
    assert meta["captured_at"] == "2018-03-18T08:15:30"
    assert meta["device"] == "Canon Canon EOS 5D"
    assert meta["gps"] == {"latitude": 44.952, "longitude": 34.1}
    assert "errors" not in meta


def test_an_image_gets_a_png_thumbnail_beside_the_original_which_stays_untouched(documenter, vault):
    data = jpeg_with_exif(picture())
    item = add(documenter, data, "IMG_0001.JPG")

    assert item.thumbnail == item.blob.storage_name + ".thumb.png"
    thumb = Image.open(vault / item.thumbnail)
    assert thumb.format == "PNG"
    assert max(thumb.size) == 320
    assert not thumb.getexif()  # re-encoded pixels: nothing of the original's metadata
    assert (vault / item.blob.storage_name).read_bytes() == data
    assert len(item.phash) == 16


def test_a_resized_copy_is_a_near_duplicate_and_another_picture_is_not(documenter):
    original = add(documenter, jpeg_with_exif(picture()), "original.jpg")
    copy_bytes = io.BytesIO()
    picture().resize((320, 240)).save(copy_bytes, format="PNG")
    copy = add(documenter, copy_bytes.getvalue(), "forwarded.png")
    other_bytes = io.BytesIO()
    picture(seed=1).save(other_bytes, format="PNG")
    other = add(documenter, other_bytes.getvalue(), "other.png")

    assert hamming(original.phash, copy.phash) <= NEAR_DUPLICATE_BITS
    assert hamming(original.phash, other.phash) > NEAR_DUPLICATE_BITS
    assert [(item, distance) for item, distance in services.near_duplicates(original)] == [
        (copy, hamming(original.phash, copy.phash))]
    assert services.near_duplicates(other) == []


def test_same_bytes_are_not_listed_as_near_duplicates(documenter):
    data = jpeg_with_exif(picture())
    first, second = add(documenter, data, "a.jpg"), add(documenter, data, "b.jpg")

    assert first.blob_id == second.blob_id
    assert services.near_duplicates(first) == []


def test_a_decompression_bomb_image_is_kept_without_thumbnail(documenter, vault):
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")  # 400 megapixels in a few hundred KB
    item = add(documenter, out.getvalue(), "bomb.png")

    assert item.blob.media_type == "image/png"
    assert item.thumbnail == ""
    assert "DecompressionBomb" in item.metadata["errors"][0]
    assert (vault / item.blob.storage_name).stat().st_size == len(out.getvalue())


def test_pdf_metadata_is_read(documenter):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Order No. 12", "/Author": "School director", "/Producer": "LibreOffice 6.0",
                         "/CreationDate": "D:20180320101500+03'00'"})
    out = io.BytesIO()
    writer.write(out)
    item = add(documenter, out.getvalue(), "order.pdf")

    assert item.blob.media_type == "application/pdf"
    meta = item.metadata
    assert (meta["pages"], meta["title"], meta["author"], meta["producer"]) == (2, "Order No. 12", "School director",
                                                                                 "LibreOffice 6.0")
    assert meta["created_at"] == "2018-03-20T10:15:00+03:00"
    assert meta["encrypted"] is False


def test_a_broken_pdf_is_kept_with_the_reason(documenter):
    item = add(documenter, b"%PDF-1.7\n1 0 obj <<>> garbage", "broken.pdf")

    assert item.blob.media_type == "application/pdf"
    assert len(item.metadata["errors"]) == 1


needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is installed by scripts/system-deps.sh test")


def ffmpeg(tmp_path, name: str, *arguments: str) -> bytes:
    target = tmp_path / name
    subprocess.run(["ffmpeg", "-v", "error", "-y", *arguments, str(target)], check=True, timeout=120)
    return target.read_bytes()


@needs_ffmpeg
def test_audio_duration_and_codec_come_from_ffprobe(documenter, tmp_path):
    data = ffmpeg(tmp_path, "call.wav", "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-ac", "1", "-ar", "8000")
    item = add(documenter, data, "call.wav")

    assert item.blob.media_type in {"audio/x-wav", "audio/wav"}
    meta = item.metadata
    assert meta["duration"] == 2.0
    assert meta["container"] == "wav"
    assert meta["streams"] == [{"type": "audio", "codec": "pcm_s16le", "sample_rate": "8000", "channels": 1}]


@needs_ffmpeg
def test_video_duration_and_codecs_come_from_ffprobe(documenter, tmp_path):
    data = ffmpeg(tmp_path, "clip.mp4", "-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=10",
                  "-c:v", "mpeg4", "-metadata", "creation_time=2018-03-18T08:15:30Z")
    item = add(documenter, data, "clip.mp4")

    assert item.blob.media_type == "video/mp4"
    meta = item.metadata
    assert meta["duration"] == 1.0
    assert meta["streams"] == [{"type": "video", "codec": "mpeg4", "width": 160, "height": 120}]
    assert meta["captured_at"] == "2018-03-18T08:15:30.000000Z"
