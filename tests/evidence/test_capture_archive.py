"""Importing web archives: a WARC we captured, a WACZ built here, and hostile or damaged files."""

import gzip
import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from svidok.audit.services import history
from svidok.evidence import fetch, warc
from svidok.evidence.archives import import_archive
from svidok.evidence.models import Blob, EvidenceItem
from svidok.evidence.storage import blob_name, evidence_storage
from tests import factories
from tests.evidence.capture_site import Site


@pytest.fixture(scope="module")
def warc_bytes():
    site = Site()
    try:
        policy = fetch.Policy(timeout=5, max_bytes=10**6, user_agent="SvidokTest/1", allow_loopback=True)
        page = fetch.fetch_page(site.url("/page.html"), policy, max_resources=10, max_total=10**7)
        out = io.BytesIO()
        warc.write_capture(out, page, url=site.url("/page.html"), captured_at="2026-12-02T10:00:00+00:00", user_agent="u")
        page.close()
        return site.url("/page.html"), out.getvalue()
    finally:
        site.close()


def wacz(path, members: dict, *, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def datapackage(**extra) -> bytes:
    return json.dumps({"profile": "data-package", "wacz_version": "1.1.1", "title": "Deleted news page",
                       "resources": [{"name": "data.warc.gz", "path": "archive/data.warc.gz"}], **extra}).encode()


def stored_bytes(item: EvidenceItem) -> bytes:
    with evidence_storage().open(blob_name(item.blob.sha256)) as handle:
        return handle.read()


def test_import_of_our_warc_stores_it_byte_exact_with_what_it_holds(warc_bytes, documenter, tmp_path):
    url, data = warc_bytes
    path = tmp_path / "capture.warc.gz"
    path.write_bytes(data)
    incident = factories.incident(documenter)

    item = import_archive(actor=documenter, file=path, name=path.name, incident=incident)

    assert (item.method, item.original_name, item.origin) == ("archive", "capture.warc.gz", "capture.warc.gz")
    assert stored_bytes(item) == data
    facts = item.metadata["web_archive"]
    assert (facts["format"], facts["records"], facts["captures"]) == ("warc", 9, 4)
    assert facts["urls"][0]["url"] == url
    assert facts["first_date"] <= facts["last_date"]
    assert [link.incident_id for link in item.links.all()] == [incident.pk]
    checked = [e for e in history(item) if e.action == "archive_checked"]
    assert checked[0].changes["captures"] == [None, 4]


def test_import_of_a_wacz_reads_it_without_unpacking(warc_bytes, documenter, tmp_path):
    url, data = warc_bytes
    (tmp_path / "in").mkdir()
    path = wacz(tmp_path / "in" / "site.wacz", {"datapackage.json": datapackage(), "archive/data.warc.gz": data,
                                         "pages/pages.jsonl": b'{"format": "json-pages-1.0"}\n'},
                compression=zipfile.ZIP_STORED)

    item = import_archive(actor=documenter, file=path)

    facts = item.metadata["web_archive"]
    assert (facts["format"], facts["captures"], facts["title"], facts["warcs"]) == ("wacz", 4, "Deleted news page", ["archive/data.warc.gz"])
    assert stored_bytes(item) == path.read_bytes()
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == ["site.wacz"]  # nothing unpacked beside it


def test_import_from_a_stream(warc_bytes, documenter):
    _url, data = warc_bytes
    item = import_archive(actor=documenter, file=io.BytesIO(data), name="upload.warc.gz")
    assert stored_bytes(item) == data


def refused(actor, path) -> str:
    with pytest.raises(ValidationError) as error:
        import_archive(actor=actor, file=path)
    assert (EvidenceItem.objects.count(), Blob.objects.count()) == (0, 0)
    return error.value.message_dict["file"][0]


def test_wacz_with_a_path_outside_the_archive_is_refused(warc_bytes, documenter, tmp_path):
    (tmp_path / "in").mkdir()
    path = wacz(tmp_path / "in" / "evil.wacz", {"datapackage.json": datapackage(), "archive/data.warc.gz": warc_bytes[1],
                                                "../../etc/cron.d/evil": b"* * * * * root sh"})
    assert refused(documenter, path) == "This WACZ holds a file whose name points outside the archive; it is refused."
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == ["evil.wacz"]


@pytest.mark.parametrize("name", ["/etc/passwd", "archive\\..\\x", "C:/x"])
def test_wacz_with_absolute_or_odd_names_is_refused(warc_bytes, documenter, tmp_path, name):
    path = wacz(tmp_path / "evil.wacz", {"datapackage.json": datapackage(), name: b"x"})
    assert "points outside the archive" in refused(documenter, path)


def test_wacz_zip_bomb_is_refused_before_decompressing(documenter, tmp_path):
    path = tmp_path / "bomb.wacz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", datapackage())
        with archive.open("archive/data.warc.gz", "w") as member:
            for _ in range(64):
                member.write(b"\0" * (1024 * 1024))
    assert path.stat().st_size < 200_000
    assert refused(documenter, path) == "This WACZ unpacks to far more than its size (a zip bomb); it is refused."


def test_zip_without_datapackage_is_not_a_wacz(warc_bytes, documenter, tmp_path):
    path = wacz(tmp_path / "plain.zip", {"archive/data.warc.gz": warc_bytes[1]})
    assert refused(documenter, path) == "This ZIP has no datapackage.json: it is not a WACZ."


def test_altered_warc_fails_its_digest(warc_bytes, documenter, tmp_path):
    plain = gzip.decompress(warc_bytes[1])
    assert plain.count(b"Teacher dismissed.") == 1
    path = tmp_path / "altered.warc"
    path.write_bytes(plain.replace(b"Teacher dismissed.", b"Teacher promoted!!"))
    assert "does not match its recorded digest" in refused(documenter, path)


@pytest.mark.parametrize("data", [b"", b"not an archive at all\n" * 10, gzip.compress(b"plain text, gzipped", mtime=0)],
                         ids=["empty", "text", "gzipped-text"])  # ids: every xdist worker must collect the same names
def test_files_that_are_not_archives_are_refused(documenter, tmp_path, data):
    path = tmp_path / "x.warc.gz"
    path.write_bytes(data)
    message = refused(documenter, path)
    assert message in ("This web archive holds no records.", "This is not a readable web archive (WARC): record 1 could not be read.")


def test_import_archive_command_prints_json(warc_bytes, documenter, tmp_path):
    path = tmp_path / "capture.warc.gz"
    path.write_bytes(warc_bytes[1])
    out = io.StringIO()
    call_command("import-archive", str(path), "--as", documenter.username, "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["format"], result["captures"], result["urls"][0]["url"]) == ("warc", 4, warc_bytes[0])


def test_evidence_import_archive_is_the_same_command(warc_bytes, documenter, tmp_path):
    path = tmp_path / "capture.warc.gz"
    path.write_bytes(warc_bytes[1])
    out = io.StringIO()
    call_command("evidence", "import-archive", str(path), "--as", documenter.username, "--json", stdout=out)
    assert json.loads(out.getvalue())["captures"] == 4
    assert EvidenceItem.objects.get().method == "archive"


def test_import_archive_command_names_the_problem(documenter, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello\n" * 100)
    with pytest.raises(CommandError) as error:
        call_command("import-archive", str(path), "--as", documenter.username, stdout=io.StringIO())
    assert str(error.value) == f"{path}: This is not a readable web archive (WARC): record 1 could not be read."
