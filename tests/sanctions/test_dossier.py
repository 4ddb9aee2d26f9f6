"""Proposal exports for people: the dossier (HTML, PDF) and the sanctions-desk table (CSV, XLSX)."""

import csv
import datetime as dt
import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from svidok.common.cells import xlsx_cell
from svidok.people.services import update_person
from svidok.sanctions import dossier
from svidok.sanctions import services as proposals

pytestmark = pytest.mark.django_db



@pytest.fixture
def world(base_world, coordinator):
    w = base_world
    w.proposal = proposals.create_proposal(actor=coordinator, title="Organizers of the 2018 election in occupied Crimea")
    w.member = proposals.add_member(actor=coordinator, proposal=w.proposal, person=w.chair)
    proposals.set_grounds(actor=coordinator, member=w.member, grounds="Chaired the commission that organised the vote.",
                          occupancies=[w.chair_held], incidents=[w.ordered, w.secret], sources=[w.appointment])
    w.org_member = proposals.add_member(actor=coordinator, proposal=w.proposal, organization=w.commission,
                                        grounds="=HYPERLINK(\"https://example.org\")")
    proposals.record_listing(actor=coordinator, member=w.member, jurisdiction="eu", status="listed", date=dt.date(2018, 5, 14),
                             legal_act="Council Implementing Regulation (EU) 2018/705")
    proposals.record_listing(actor=coordinator, member=w.member, jurisdiction="other", jurisdiction_other="Canada",
                             status="proposed")
    return w


def refs(html: str, text: str) -> list[str]:
    """The citation numbers right after ``text`` in the dossier."""
    after = html.split(text, 1)[1].split("</li>", 1)[0]
    return re.findall(r'href="#source-(\d+)"', after)


def test_dossier_html_cites_every_ground_with_numbered_sources(world, coordinator):
    html = dossier.dossier_html(world.proposal, coordinator)

    assert refs(html, "Chair, Избирательная комиссия Республики Крым") == ["1"]
    # Incidents in date order: the threats (10 March) before the order to vote (20 March).
    assert refs(html, "Threats to a precinct member") == ["2"]
    assert refs(html, "Teachers ordered to vote") == ["3"]
    assert refs(html, "Decision No. 1 on the chair of the commission") == ["1"]  # further evidence, cited once
    sources = re.findall(r'<li id="source-(\d+)">(.*?)</li>', html, re.S)
    assert [(n, text.split(".")[0]) for n, text in sources] == [
        ("1", "Decision No"), ("2", "Statement of a protected witness"), ("3", "Teachers told to vote")]
    assert "Decision No. 1 on the chair of the commission. Crimean election commission, 2014-09-01. " \
           '<a href="https://example.org/decision-1">https://example.org/decision-1</a>.' in sources[0][1]


def test_dossier_html_shows_names_in_every_script_birth_date_and_listing(world, coordinator):
    html = dossier.dossier_html(world.proposal, coordinator)

    for name in ("Михаил Григорьевич МАЛЫШЕВ", "Mikhail Grigorievich MALYSHEV", "Михайло Григорович МАЛИШЕВ"):
        assert name in html
    assert "<dt>Birth date</dt><dd>1961-05-17</dd>" in html
    assert "<td>European Union</td><td>listed</td><td>2018-05-14</td><td>Council Implementing Regulation (EU) 2018/705</td>" in html
    assert "No listing record yet: Избирательная комиссия Республики Крым</p>" in html
    assert "<td>European Union 2018-05-14</td>" in html


def test_dossier_html_leaves_out_incidents_the_reader_may_not_see(world, analyst):
    html = dossier.dossier_html(world.proposal, analyst)

    assert world.secret.reference not in html
    assert "Threats to a precinct member" not in html
    assert "Statement of a protected witness" not in html
    assert world.ordered.reference in html
    assert re.findall(r'<li id="source-(\d+)">', html) == ["1", "2"]


def test_dossier_never_shows_a_victim(world, coordinator):
    html = dossier.dossier_html(world.proposal, coordinator)

    assert "Rustem Aliev" not in html
    assert "1980-02-02" not in html
    assert world.victim.pseudonym not in html


def test_dossier_of_a_member_protected_after_being_added_shows_only_the_pseudonym(world, coordinator):
    update_person(actor=coordinator, person=world.chair, fields={"protected": True})
    world.chair.refresh_from_db()

    html = dossier.dossier_html(world.proposal, coordinator)
    rows = dossier.desk_rows(world.proposal, coordinator)

    assert "МАЛЫШЕВ" not in html and "MALYSHEV" not in html and "1961-05-17" not in html
    assert world.chair.pseudonym in html
    assert (rows[0]["name"], rows[0]["names_cyrillic"], rows[0]["names_latin"], rows[0]["birth_date"]) == (
        world.chair.pseudonym, "", "", "")


def test_dossier_export_by_a_viewer_is_forbidden(world, viewer):
    with pytest.raises(PermissionDenied):
        dossier.dossier_html(world.proposal, viewer)


def test_dossier_pdf_embeds_dejavu_with_the_cyrillic_letters(world, coordinator):
    pdf = dossier.dossier_pdf(world.proposal, coordinator, uncompressed_pdf=True)

    assert pdf.startswith(b"%PDF-")
    fonts = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([\w-]+)", pdf))
    assert fonts and all(f.startswith(b"DejaVu") for f in fonts)
    mapped = {chr(int(code, 16)) for code in re.findall(rb"<[0-9a-f]+> <([0-9a-f]{4})>", pdf)}
    assert set("МАЛЫШЕВИзбирательнаякомиссияРеспублики") <= mapped


def test_dossier_pdf_compressed_is_smaller(world, coordinator):
    assert len(dossier.dossier_pdf(world.proposal, coordinator)) < len(
        dossier.dossier_pdf(world.proposal, coordinator, uncompressed_pdf=True))


# --- the sanctions desk table --------------------------------------------------------------------------


def test_desk_csv_one_row_per_member(world, coordinator):
    output = io.StringIO()

    count = dossier.write_csv(world.proposal, coordinator, output)

    rows = list(csv.DictReader(io.StringIO(output.getvalue())))
    chair, commission = rows
    assert (count, len(rows)) == (2, 2)
    assert {k: chair[k] for k in ("kind", "name", "names_cyrillic", "names_latin", "birth_date", "positions", "incidents",
                                  "eu_status", "eu_date", "eu_legal_act", "uk_status", "other_jurisdictions", "listed_anywhere")} == {
        "kind": "person", "name": "Михаил Григорьевич МАЛЫШЕВ",
        "names_cyrillic": "Михаил Григорьевич МАЛЫШЕВ; Михайло Григорович МАЛИШЕВ",
        "names_latin": "Mikhail Grigorievich MALYSHEV", "birth_date": "1961-05-17",
        "positions": "Chair, Избирательная комиссия Республики Крым (2014-09-01 –)",
        "incidents": f"{world.secret.reference} (Instigator); {world.ordered.reference} (Perpetrator)",
        "eu_status": "listed", "eu_date": "2018-05-14", "eu_legal_act": "Council Implementing Regulation (EU) 2018/705",
        "uk_status": "", "other_jurisdictions": "Canada proposed", "listed_anywhere": "yes",
    }
    assert chair["sources"] == ("[1] Decision No. 1 on the chair of the commission, Crimean election commission, 2014-09-01, "
                                "https://example.org/decision-1; [2] Statement of a protected witness, Svidok interview; "
                                "[3] Teachers told to vote, QHA, 2018-03-21, https://example.org/qha-teachers")
    assert (commission["kind"], commission["organization_type"], commission["names_latin"], commission["birth_date"],
            commission["listed_anywhere"]) == ("organization", "Election commission", "Election Commission of the Republic of Crimea", "", "no")


def test_desk_csv_for_an_analyst_has_no_invisible_incident(world, analyst):
    output = io.StringIO()

    dossier.write_csv(world.proposal, analyst, output)

    assert world.secret.reference not in output.getvalue()
    assert "Statement of a protected witness" not in output.getvalue()


def test_desk_xlsx_same_rows_and_no_formulas(world, coordinator):
    output = io.BytesIO()

    dossier.write_xlsx(world.proposal, coordinator, output)

    sheet = load_workbook(io.BytesIO(output.getvalue())).active
    values = [[c.value if c.value is not None else "" for c in row] for row in sheet.iter_rows()]
    assert values[0] == dossier.desk_columns()
    assert values[1:] == [[xlsx_cell(row[c]) for c in dossier.desk_columns()] for row in dossier.desk_rows(world.proposal, coordinator)]
    grounds = sheet.cell(row=3, column=dossier.desk_columns().index("grounds") + 1)
    assert (grounds.value, grounds.data_type) == ("'=HYPERLINK(\"https://example.org\")", "s")
