"""The periodic report as PDF in each of the four languages: pages, fonts that hold Cyrillic and
Crimean Tatar Latin, the language's own words, and (with poppler-utils, which
``scripts/system-deps.sh test`` installs) each page turned into a PNG and looked at: not blank."""

import datetime as dt
import shutil
import subprocess

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from pypdf import PdfReader

from svidok.incidents.services import link_source, submit_incident, verify_incident
from svidok.reports import periodic, runs
from tests import factories
from tests.helpers import second_lead

pytestmark = pytest.mark.django_db
LANGUAGES = ["en", "uk", "crh", "ru"]
# The place's own name in each language (the gazetteer's): text only that language's report holds.
PLACE = {"en": "Bakhchysarai", "uk": "Бахчисарай", "crh": "Bağçasaray", "ru": "Бахчисарай"}
needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
                                   reason="poppler-utils is installed by scripts/system-deps.sh test")


@pytest.fixture
def report_world(coordinator, places, election):
    places["town"].latitude, places["town"].longitude = 44.75, 33.86
    places["town"].save()
    for day, type_code in ((1, "dismissal"), (5, "search"), (9, "dismissal")):
        incident = factories.incident(coordinator, title=f"Incident of March {day}", type_code=type_code,
                                      place=places["town"], election=election, date=dt.date(2018, 3, day),
                                      sensitivity="public", narrative="Workers were told to bring photographs of ballots.")
        link_source(actor=coordinator, incident=incident, new_source={
            "title": f"Report of March {day}", "kind": factories.term("source_type", "article"),
            "url": f"https://example.org/{day}"})
        submit_incident(actor=coordinator, incident=incident)
        verify_incident(actor=second_lead(), incident=incident, reason="two sources")
    return election


def _pdf(election, language, path):
    scope = periodic.resolve_scope(election=election)
    runs.make_report(actor=second_lead(), scope=scope, purpose="publication", fmt="pdf", language=language, path=path)
    return PdfReader(path)


@pytest.mark.parametrize("language", LANGUAGES)
def test_pdf_in_each_language_has_its_title_place_names_and_embedded_fonts(report_world, tmp_path, language):
    pdf = _pdf(report_world, language, tmp_path / "report.pdf")

    text = "\n".join(page.extract_text() for page in pdf.pages)
    with translation.override(language):
        title = _("Pressure around the “elections” in occupied Ukraine")
    assert len(pdf.pages) >= 4  # title page, summary and map, charts, incidents
    assert " ".join(title.split()) in " ".join(text.split())
    assert PLACE[language] in text
    assert "SV-2018-000001" in text and "SV-2018-000003" in text
    fonts = {str(f["/BaseFont"]) for page in pdf.pages for f in (page["/Resources"].get("/Font") or {}).values()
             for f in [f.get_object()]}
    assert fonts and all("DejaVu" in name for name in fonts)  # no fallback font: every letter has its glyph
    # The pages are numbered on across the parts the report was rendered in.
    assert pdf.pages[-1].extract_text().strip().endswith(str(len(pdf.pages)))


@needs_poppler
@pytest.mark.parametrize("language", LANGUAGES)
def test_pdf_pages_as_png_are_not_blank(report_world, tmp_path, language):
    from PIL import Image

    path = tmp_path / "report.pdf"
    pdf = _pdf(report_world, language, path)

    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True, timeout=120)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout

    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(pdf.pages)
    for png in pages:
        image = Image.open(png).convert("L")
        dark = sum(image.histogram()[:200])  # pixels darker than 200 of 255
        assert dark > 200, f"{png.name} is blank"
    with translation.override(language):
        assert _("Pressure around the “elections” in occupied Ukraine").split()[0] in text
    assert PLACE[language] in text


@needs_poppler
def test_a_pdf_joined_from_one_part_per_incident_keeps_every_page_in_order_and_its_title(report_world, tmp_path, monkeypatch):
    from svidok.reports import periodic_writers

    path = tmp_path / "report.pdf"
    whole = _pdf(report_world, "uk", tmp_path / "whole.pdf")
    batches = periodic_writers._batches
    # Each incident a part of its own (six parts instead of four), as 100,000 incidents make 100 parts.
    monkeypatch.setattr(periodic_writers, "_batches", lambda entries, size=1: batches(entries, 1))
    pdf = _pdf(report_world, "uk", path)

    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    with translation.override("uk"):
        title = _("Pressure around the “elections” in occupied Ukraine")
    assert pdf.metadata.title.startswith(title) and pdf.metadata.creator == "Svidok"
    assert f"Title:           {title}" in info  # poppler reads the incremental update too
    assert len(pdf.pages) > len(whole.pages)  # each incident on a page of its own
    text = [page.extract_text() for page in pdf.pages]
    firsts = [next(i for i, t in enumerate(text) if f"SV-2018-00000{n}" in t) for n in (1, 2, 3)]
    assert firsts == sorted(firsts)
    assert text[-1].strip().endswith(str(len(pdf.pages)))
