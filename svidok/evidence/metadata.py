"""What a file says about itself, read without changing it: its real type, EXIF, PDF and media facts.

Every reader is defensive: evidence files are hostile by assumption. A reader that fails records
why in ``metadata["errors"]`` and the file is stored all the same; nothing here unpacks an
archive, runs a script or renders a document.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess

import magic

THUMBNAIL_SIZE = (320, 320)
# An image with more pixels than this is not decoded (a decompression bomb: a few KB that
# expand to gigabytes). 100 megapixels covers every camera in use.
MAX_IMAGE_PIXELS = 100_000_000
# Two pictures whose 64-bit perceptual hashes differ in at most this many bits are flagged as
# near-duplicates: a re-encoded, resized or lightly cropped copy of one photo stays within ~6 bits,
# unrelated pictures are ~32 bits apart on average.
NEAR_DUPLICATE_BITS = 10
FFPROBE_TIMEOUT = 60

IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff", "image/bmp", "image/x-ms-bmp"}


def needs_reading(media_type: str) -> bool:
    """Whether the file has metadata worth reading beyond its first bytes (images, PDF, audio, video)."""
    return media_type in IMAGE_TYPES or media_type == "application/pdf" or media_type.startswith(("audio/", "video/"))


def sniff(head: bytes) -> str:
    """The media type libmagic reads from the first bytes; ``application/x-empty`` for nothing."""
    if not head:
        return "application/x-empty"
    try:
        return magic.from_buffer(head, mime=True) or "application/octet-stream"
    except magic.MagicException:
        return "application/octet-stream"


def describe(head: bytes) -> str:
    """libmagic's description of the bytes, for the record ("PDF document, version 1.4")."""
    if not head:
        return "empty"
    try:
        return magic.from_buffer(head)[:300]
    except magic.MagicException:
        return ""


def _rational(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return float("nan")


def _gps_degrees(values, ref) -> float | None:
    try:
        degrees = _rational(values[0]) + _rational(values[1]) / 60 + _rational(values[2]) / 3600
    except (TypeError, IndexError):
        return None
    if degrees != degrees:  # NaN
        return None
    return round(-degrees if ref in ("S", "W") else degrees, 6)


def _exif_time(text) -> str | None:
    try:
        return dt.datetime.strptime(str(text).strip("\x00 "), "%Y:%m:%d %H:%M:%S").isoformat()
    except ValueError:
        return None


def image_facts(handle) -> tuple[dict, object | None]:
    """Size, format and EXIF (capture time, device, GPS) of an image, and the opened image."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    image = Image.open(handle)
    facts = {"width": image.width, "height": image.height, "format": image.format}
    exif = image.getexif()
    if exif:
        sub = exif.get_ifd(0x8769)  # Exif IFD: the original capture time lives here
        taken = _exif_time(sub.get(0x9003) or exif.get(0x0132) or "")
        if taken:
            facts["captured_at"] = taken
            offset = sub.get(0x9011)  # OffsetTimeOriginal, "+03:00"
            if offset:
                facts["captured_at_offset"] = str(offset).strip("\x00 ")
        device = " ".join(str(exif.get(tag, "")).strip("\x00 ") for tag in (0x010F, 0x0110)).strip()
        if device:
            facts["device"] = device[:200]
        if exif.get(0x0131):
            facts["software"] = str(exif[0x0131]).strip("\x00 ")[:200]
        gps = exif.get_ifd(0x8825)
        if gps and 2 in gps and 4 in gps:
            latitude, longitude = _gps_degrees(gps[2], gps.get(1)), _gps_degrees(gps[4], gps.get(3))
            if latitude is not None and longitude is not None:
                facts["gps"] = {"latitude": latitude, "longitude": longitude}
    return facts, image


def thumbnail_and_phash(image) -> tuple[bytes, str]:
    """A PNG re-encoded from the decoded pixels (no metadata, no embedded content of the
    original survives) and the image's 64-bit perceptual hash as 16 hex digits."""
    import imagehash
    from PIL import ImageOps

    image = ImageOps.exif_transpose(image)
    phash = str(imagehash.phash(image))
    preview = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    preview.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    preview.save(out, format="PNG")
    return out.getvalue(), phash


def _pdf_date(value) -> str | None:
    try:
        return value.isoformat() if value else None
    except AttributeError:
        return None


def pdf_facts(handle) -> dict:
    from pypdf import PdfReader

    reader = PdfReader(handle, strict=False)
    facts = {"encrypted": reader.is_encrypted}
    if reader.is_encrypted:
        return facts
    facts["pages"] = len(reader.pages)
    info = reader.metadata
    if info:
        for key, value in (("title", info.title), ("author", info.author), ("subject", info.subject),
                           ("creator", info.creator), ("producer", info.producer)):
            if value:
                facts[key] = str(value)[:500]
        for key, value in (("created_at", info.creation_date), ("modified_at", info.modification_date)):
            try:
                text = _pdf_date(value)
            except Exception:  # noqa: BLE001  pypdf raises on malformed dates when reading the property
                text = None
            if text:
                facts[key] = text
    return facts


def ffprobe_available() -> bool:
    return shutil.which("ffprobe") is not None


def media_facts(path: str) -> dict:
    """Duration, container and codecs of audio or video, from ``ffprobe`` (read-only, no decoding
    of the whole file). Empty when ffprobe is not installed."""
    if not ffprobe_available():
        return {"ffprobe": "not installed"}
    result = subprocess.run(  # noqa: S603  fixed arguments; the path is ours, never a user's word
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", "--", path],
        capture_output=True, timeout=FFPROBE_TIMEOUT, check=False,
    )
    if result.returncode != 0:
        raise ValueError(result.stderr.decode("utf-8", "replace").strip()[:300] or "ffprobe failed")
    data = json.loads(result.stdout or b"{}")
    fmt = data.get("format", {})
    facts = {"container": fmt.get("format_name", "")}
    if fmt.get("duration"):
        facts["duration"] = round(float(fmt["duration"]), 3)
    streams = []
    for stream in data.get("streams", []):
        entry = {"type": stream.get("codec_type", ""), "codec": stream.get("codec_name", "")}
        if stream.get("codec_type") == "video":
            entry.update(width=stream.get("width"), height=stream.get("height"))
        if stream.get("codec_type") == "audio":
            entry.update(sample_rate=stream.get("sample_rate"), channels=stream.get("channels"))
        streams.append(entry)
    facts["streams"] = streams
    tags = fmt.get("tags") or {}
    if tags.get("creation_time"):
        facts["captured_at"] = tags["creation_time"]
    return facts


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()
