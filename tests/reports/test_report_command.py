"""``svidok report``: each format written, bad input refused with a message and no file, the
report audited."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from svidok.audit.models import AuditEntry
from svidok.incidents.services import link_source, submit_incident, verify_incident
from tests import factories
from tests.helpers import second_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(coordinator, places, election):
    incident = factories.incident(coordinator, title="Teacher dismissed for not voting", place=places["town"],
                                  election=election, date=dt.date(2018, 3, 1), sensitivity="public")
    link_source(actor=coordinator, incident=incident, new_source={
        "title": "Teachers pushed to vote", "kind": factories.term("source_type", "article"),
        "url": "https://example.org/teachers"})
    submit_incident(actor=coordinator, incident=incident)
    return verify_incident(actor=second_lead(), incident=incident, reason="two sources")


def _run(*args) -> str:
    err = io.StringIO()
    call_command("report", *args, stderr=err)
    return err.getvalue()


def test_report_html_for_an_election(reported, election, tmp_path):
    out = tmp_path / "report.html"

    message = _run("--election", election.name, "--format", "html", "-o", str(out), "--language", "uk")

    html = out.read_text(encoding="utf-8")
    assert message.startswith(f"Wrote {out}: 1 incidents counted, 1 verified listed")
    assert html.startswith("<!doctype html>") and 'lang="uk"' in html
    assert "Тиск навколо «виборів» на окупованих територіях України" in html
    assert reported.reference in html and "https://example.org/teachers" in html
    assert "http://" not in html.replace("http://www.w3.org", "")  # nothing to fetch: pictures are inline
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left behind


def test_report_pdf_for_a_period(reported, tmp_path):
    out = tmp_path / "report.pdf"

    _run("--from", "2018-01-01", "--to", "2018-12-31", "--format", "pdf", "-o", str(out))

    from pypdf import PdfReader

    pdf = PdfReader(out)
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert out.read_bytes().startswith(b"%PDF-")
    assert len(pdf.pages) >= 3 and reported.reference in text
    assert pdf.metadata.title.startswith("Pressure around the “elections” in occupied Ukraine")


def test_report_docx_for_publication(reported, election, tmp_path):
    out = tmp_path / "report.docx"

    _run("--election", election.public_id, "--format", "docx", "-o", str(out), "--purpose", "publication",
         "--language", "uk")

    from docx import Document

    text = "\n".join(p.text for p in Document(out).paragraphs)
    assert reported.reference in text and "Звіт для оприлюднення" in text
    assert text.index(reported.reference) < text.index("Про цей звіт")  # incidents streamed in before the closing
    with zipfile.ZipFile(out) as package:
        assert any(name.startswith("word/media/") and name.endswith(".png") for name in package.namelist())


@pytest.mark.parametrize(("arguments", "message"), [
    (["--election", "No such vote"], "No election is called “No such vote”."),
    (["--from", "2018-03-31", "--to", "2018-03-01"], "The period ends (March 1, 2018) before it begins (March 31, 2018)."),
    (["--from", "31.03.2018", "--to", "2018-04-01"], "From: “31.03.2018” is not a date; write it as 2024-03-31."),
    (["--from", "2018-03-01", "--to", "2018-03-31", "--place", "UA00000000000000000"],
     "No place has the code UA00000000000000000."),
    (["--election", "x", "--from", "2018-03-01", "--to", "2018-03-31"], "Choose an election or a period, not both."),
])
def test_bad_input_is_refused_and_writes_nothing(reported, tmp_path, arguments, message):
    out = tmp_path / "report.pdf"
    before = AuditEntry.objects.filter(object_type="reports.periodic").count()

    with pytest.raises(CommandError) as refused:
        _run(*arguments, "--format", "pdf", "-o", str(out))

    assert str(refused.value).startswith(message)
    assert list(tmp_path.iterdir()) == []
    assert AuditEntry.objects.filter(object_type="reports.periodic").count() == before


def test_report_as_a_user_who_may_not_writes_nothing(reported, viewer, tmp_path):
    with pytest.raises(CommandError) as refused:
        _run("--from", "2018-01-01", "--to", "2018-12-31", "--format", "html", "-o", str(tmp_path / "r.html"),
             "--as", "viewer")

    assert str(refused.value) == "viewer may not make reports."
    assert list(tmp_path.iterdir()) == []


def test_report_is_audited_with_its_scope_and_digest(reported, election, tmp_path):
    import hashlib

    out = tmp_path / "report.html"

    _run("--election", election.name, "--format", "html", "-o", str(out), "--purpose", "publication")

    entry = AuditEntry.objects.filter(object_type="reports.periodic").get()
    assert entry.action == "export" and entry.actor.username == "system"
    assert entry.changes["report"][1] == {
        "election": election.public_id, "date_from": "", "date_to": "", "place": "", "purpose": "publication",
        "format": "html", "language": "en", "incidents": 1, "listed": 1, "redactions": 0,
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest()}
