"""Answering with an original or a thumbnail, so that nothing uploaded can ever run in a browser.

Every original goes out as a download (``Content-Disposition: attachment``) with
``X-Content-Type-Options: nosniff`` and a CSP that sandboxes the response and allows nothing;
an active type (HTML, SVG, XML, JavaScript, anything not on the list below) is sent as
``application/octet-stream``. Thumbnails are our own PNGs and go out as ``image/png`` only.
"""

import unicodedata
from urllib.parse import quote

from django.http import FileResponse

from svidok.evidence import storage
from svidok.evidence.models import EvidenceItem

SANDBOX_CSP = "sandbox; default-src 'none'"
# Types a browser only displays or saves, never executes (with nosniff, it trusts the type we send).
PASSIVE_TYPES = {
    "image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff", "image/bmp", "image/heic", "image/heif",
    "application/pdf", "text/plain", "text/csv", "application/zip", "application/gzip", "application/x-7z-compressed",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/msword",
    "application/vnd.ms-excel", "application/vnd.oasis.opendocument.text", "application/warc",
}
PASSIVE_PREFIXES = ("audio/", "video/")


def served_type(media_type: str) -> str:
    """The Content-Type an original is sent with: its sniffed type when passive, else octet-stream."""
    if media_type in PASSIVE_TYPES or (media_type.startswith(PASSIVE_PREFIXES) and "xml" not in media_type):
        return media_type
    return "application/octet-stream"


def content_disposition(name: str, *, attachment: bool = True) -> str:
    """RFC 6266 with an RFC 5987 ``filename*`` for the real name and a plain ASCII fallback."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(ch if ch.isprintable() and ch not in '"\\;' else "_" for ch in ascii_name).strip() or "evidence"
    kind = "attachment" if attachment else "inline"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _harden(response, name: str, *, attachment: bool = True):
    response["Content-Disposition"] = content_disposition(name, attachment=attachment)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


def original_response(item: EvidenceItem) -> FileResponse:
    """The original of ``item``, streamed from the storage. ``FileNotFoundError`` when the bytes are gone."""
    handle = storage.open_blob(item.blob.storage_name)
    response = FileResponse(handle, content_type=served_type(item.blob.media_type))
    response["Content-Length"] = str(item.blob.size)
    return _harden(response, item.original_name)


def thumbnail_response(item: EvidenceItem) -> FileResponse:
    handle = storage.open_blob(item.thumbnail)
    stem = item.original_name.rsplit(".", 1)[0] or "evidence"
    return _harden(FileResponse(handle, content_type="image/png"), f"{stem}.thumbnail.png", attachment=False)
