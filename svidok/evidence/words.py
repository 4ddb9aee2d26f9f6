"""How evidence facts read for people: a file's type in words rather than a media type code."""

from django.utils.translation import gettext as _

# The sniffed media types people meet most; anything else reads by its family (image, video...).
_KNOWN = {
    "application/pdf": lambda: _("PDF document"),
    "image/jpeg": lambda: _("JPEG image"),
    "image/png": lambda: _("PNG image"),
    "image/gif": lambda: _("GIF image"),
    "image/webp": lambda: _("WebP image"),
    "image/heic": lambda: _("HEIC photo"),
    "image/tiff": lambda: _("TIFF image"),
    "image/svg+xml": lambda: _("SVG drawing"),
    "text/plain": lambda: _("plain text"),
    "text/html": lambda: _("web page (HTML)"),
    "text/csv": lambda: _("table (CSV)"),
    "application/json": lambda: _("data (JSON)"),
    "application/zip": lambda: _("ZIP archive"),
    "application/warc": lambda: _("web archive (WARC)"),
    "application/gzip": lambda: _("compressed file (gzip)"),
    "application/msword": lambda: _("Word document"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": lambda: _("Word document"),
    "application/vnd.ms-excel": lambda: _("Excel spreadsheet"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": lambda: _("Excel spreadsheet"),
    "application/vnd.oasis.opendocument.text": lambda: _("OpenDocument text"),
    "application/vnd.oasis.opendocument.spreadsheet": lambda: _("OpenDocument spreadsheet"),
    "message/rfc822": lambda: _("e-mail message"),
    "video/mp4": lambda: _("MP4 video"),
    "audio/mpeg": lambda: _("MP3 audio"),
    "audio/x-wav": lambda: _("WAV audio"),
    "audio/wav": lambda: _("WAV audio"),
    "audio/ogg": lambda: _("Ogg audio"),
    "application/octet-stream": lambda: _("unrecognised binary data"),
    "inode/x-empty": lambda: _("empty file"),
}
_FAMILIES = {
    "image": lambda: _("image"),
    "video": lambda: _("video"),
    "audio": lambda: _("audio"),
    "text": lambda: _("text"),
}


def type_in_words(media_type: str) -> str:
    """``application/pdf`` → "PDF document"; an unknown type → its family, else "other file"."""
    media_type = (media_type or "").split(";")[0].strip().lower()
    if media_type in _KNOWN:
        return _KNOWN[media_type]()
    family = media_type.partition("/")[0]
    if family in _FAMILIES:
        return _FAMILIES[family]()
    return _("other file")
