"""Web archives: writing a capture as WARC, and reading WARC and WACZ files to check and describe them.

WARC (ISO 28500) is the format courts and archives know (the Internet Archive, Webrecorder,
Perma.cc). ``warcio`` writes and reads it. Our records carry SHA-256 digests (``sha256:`` base32)
instead of warcio's default SHA-1, which has known collisions; WARC 1.1 allows any labelled
algorithm and warcio checks them when reading.

A WACZ is a ZIP holding ``datapackage.json`` and ``archive/*.warc.gz``: read member by member from
the ZIP, never unpacked to disk, with the names checked (no absolute or ``..`` paths) and the
sizes bounded (no zip bombs) before anything is decompressed.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from importlib import metadata

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from svidok.common.untrusted import load_json

SOFTWARE = "Svidok"
LISTED_URLS = 500  # captured URLs kept in an item's metadata; the count is always exact
WACZ_MAX_MEMBERS = 10_000
WACZ_MAX_RATIO = 200  # uncompressed / compressed size of one member
WACZ_MAX_TOTAL = 20 * 1024**3


class ArchiveError(Exception):
    """A file that is not a readable WARC or WACZ; ``code`` says why."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


class _SHA256WARCWriter(WARCWriter):
    @staticmethod
    def _create_digester():
        return Digester("sha256")


def _software() -> str:
    try:
        return f"{SOFTWARE} {metadata.version('svidok')}"
    except metadata.PackageNotFoundError:
        return SOFTWARE


def write_capture(out, page, *, url: str, captured_at: str, user_agent: str) -> int:
    """Write ``page`` (``fetch.Page``) to the binary file ``out`` as gzipped WARC 1.1: a warcinfo
    record, then a request and a response record for every exchange. Returns the record count."""
    writer = _SHA256WARCWriter(out, gzip=True, warc_version="1.1")
    info = {
        "software": _software(),
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "description": f"Capture of {url} by {SOFTWARE}",
        "isPartOf": url,
        "http-header-user-agent": user_agent,
        "capture-time": captured_at,
    }
    writer.write_record(writer.create_warcinfo_record("capture.warc.gz", info))
    count = 1
    for exchange in page.exchanges + page.resources:
        size = exchange.response.seek(0, 2)
        exchange.response.seek(0)
        response = writer.create_warc_record(
            exchange.url, "response", payload=exchange.response, length=size,
            warc_headers_dict={"WARC-Date": exchange.date, "WARC-IP-Address": exchange.remote_ip},
        )
        request = writer.create_warc_record(
            exchange.url, "request", payload=io.BytesIO(exchange.request), length=len(exchange.request),
            warc_headers_dict={"WARC-Date": exchange.date,
                               "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")},
        )
        writer.write_record(response)
        writer.write_record(request)
        count += 2
    return count


def describe_warc(stream) -> dict:
    """Read every record of a WARC stream, checking its digests; what it holds, or ``ArchiveError``."""
    urls, first, last, records, responses = [], None, None, 0, 0
    try:
        iterator = ArchiveIterator(stream, check_digests=True)
        for record in iterator:
            records += 1
            if record.format != "warc":
                # warcio also reads the older ARC format, and takes nearly any text for ARC lines
                raise ArchiveError("not_warc", record=records)
            content = record.content_stream()
            while content.read(1024 * 1024):
                pass
            if record.digest_checker.passed is False:
                raise ArchiveError("digest", record=records)
            if record.rec_type in ("response", "resource", "revisit"):
                responses += 1
                date = record.rec_headers.get_header("WARC-Date") or ""
                first = min(first or date, date)
                last = max(last or date, date)
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                if len(urls) < LISTED_URLS and uri:
                    urls.append({"url": uri, "date": date})
    except ArchiveError:
        raise
    except (ArchiveLoadFailed, EOFError, OSError, ValueError, zipfile.BadZipFile):
        raise ArchiveError("not_warc", record=records + 1) from None
    if records == 0:
        raise ArchiveError("empty")
    return {"records": records, "captures": responses, "first_date": first, "last_date": last, "urls": urls}


def _safe_name(name: str) -> bool:
    if not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name or ":" in name.split("/")[0]:
        return False
    return ".." not in posixpath.normpath(name).split("/") and not posixpath.isabs(posixpath.normpath(name))


def describe_wacz(path) -> dict:
    """Check a WACZ (names, sizes, ``datapackage.json``, every WARC in it) without unpacking it."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ArchiveError("not_zip") from None
    with archive:
        members = archive.infolist()
        if len(members) > WACZ_MAX_MEMBERS:
            raise ArchiveError("too_many_members")
        total = 0
        for member in members:
            if not _safe_name(member.filename):
                raise ArchiveError("unsafe_name")
            total += member.file_size
            if member.file_size > WACZ_MAX_RATIO * max(member.compress_size, 1024) or total > WACZ_MAX_TOTAL:
                raise ArchiveError("bomb")
        names = {m.filename for m in members}
        if "datapackage.json" not in names:
            raise ArchiveError("no_datapackage")
        try:
            with archive.open("datapackage.json") as handle:
                package = load_json(handle.read(10 * 1024 * 1024), name="datapackage.json")
        except (ValueError, UnicodeDecodeError):  # InputRefused too: too deep, numbers too long
            raise ArchiveError("bad_datapackage") from None
        if not isinstance(package, dict) or not isinstance(package.get("resources", []), list):
            raise ArchiveError("bad_datapackage")
        warcs = sorted(n for n in names if n.startswith("archive/") and n.endswith((".warc", ".warc.gz")))
        if not warcs:
            raise ArchiveError("no_warc")
        description = {"records": 0, "captures": 0, "first_date": None, "last_date": None, "urls": [],
                       "warcs": warcs, "title": str(package.get("title") or "")[:500],
                       "wacz_version": str(package.get("wacz_version") or "")[:20]}
        for name in warcs:
            with archive.open(name) as handle:
                part = describe_warc(handle)
            description["records"] += part["records"]
            description["captures"] += part["captures"]
            for key, pick in (("first_date", min), ("last_date", max)):
                dates = [d for d in (description[key], part[key]) if d]
                description[key] = pick(dates) if dates else None
            description["urls"].extend(part["urls"][: LISTED_URLS - len(description["urls"])])
        return description


def describe_archive(path) -> tuple[str, dict]:
    """``("wacz"|"warc", description)`` of the file at ``path``, or ``ArchiveError``."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith(b"PK"):
        return "wacz", describe_wacz(path)
    with open(path, "rb") as handle:
        return "warc", describe_warc(handle)
