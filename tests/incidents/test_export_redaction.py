"""Exports by purpose (issue 10, items 2 and 4): a protected person's real name leaves Svidok only
when the exporting user may see identities and the person consented to that use; everything held
back is listed in the file; publication carries only verified public incidents, and without
consent not even the pseudonym."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from svidok.incidents.exporting import export_incidents
from svidok.incidents.services import add_involvement, link_source, submit_incident, verify_incident
from svidok.people import consent as consents
from tests import factories
from tests.helpers import second_lead

pytestmark = pytest.mark.django_db

NAME = "Ірина Коваленко"
TYPED = "Iryna Kovalenko"  # the same name as a monitor types it, in Latin script
PARTNER = "OSCE ODIHR"


@pytest.fixture
def world(coordinator):
    victim = factories.person(coordinator, name=NAME, protected=True)
    official = factories.person(coordinator, name="Олег Петренко")
    incident = factories.incident(coordinator, title=f"{TYPED} dismissed", sensitivity="public",
                                  narrative=f"The director told {TYPED} to vote or leave.", place_text="School No. 3")
    add_involvement(actor=coordinator, incident=incident, role=factories.term("involvement_role", "victim"), person=victim,
                    details=f"{TYPED} taught there for 20 years")
    add_involvement(actor=coordinator, incident=incident, role=factories.term("involvement_role", "perpetrator"), person=official)
    link_source(actor=coordinator, incident=incident, source=factories.source(
        coordinator, title=f"Interview with {TYPED}", excerpt=f"{TYPED} said she was threatened"), note=f"{TYPED} agreed to talk")
    submit_incident(actor=coordinator, incident=incident)
    verify_incident(actor=second_lead(), incident=incident, reason="two sources")
    incident.refresh_from_db()
    return incident, victim


def export(actor, purpose, fmt="json", partner=""):
    output = io.BytesIO() if fmt == "xlsx" else io.StringIO()
    result = export_incidents(actor=actor, fmt=fmt, output=output, purpose=purpose, partner=partner)
    return result, output


def given(coordinator, victim, purpose, state):
    if state == "absent" or purpose == "internal":
        return
    consent = consents.record_consent(actor=coordinator, person=victim, purpose=purpose, given_on=dt.date(2024, 3, 1),
                                      method="written", partner=PARTNER if purpose == "partner" else "")
    if state == "withdrawn":
        consents.withdraw_consent(actor=coordinator, consent=consent, withdrawn_on=dt.date(2024, 6, 1), method="written")


def expected_shown(purpose, cleared, state):
    if cleared and (purpose == "internal" or state == "given"):
        return "named"
    if purpose == "publication" and state != "given":
        return "withheld"
    return "pseudonym"


FREE_TEXT = ["title", "narrative", "involvements.details", "sources.title", "sources.excerpt", "sources.note"]


@pytest.mark.parametrize("state", ["given", "withdrawn", "absent"])
@pytest.mark.parametrize("cleared", [True, False], ids=["cleared", "uncleared"])
@pytest.mark.parametrize("purpose", ["internal", "litigation", "partner", "publication"])
def test_real_name_leaves_only_with_clearance_and_consent(world, coordinator, analyst, purpose, cleared, state):
    incident, victim = world
    given(coordinator, victim, purpose, state)
    actor = coordinator if cleared else analyst

    result, output = export(actor, purpose, partner=PARTNER if purpose == "partner" else "")
    data = json.loads(output.getvalue())
    text = output.getvalue()

    shown = expected_shown(purpose, cleared, state)
    assert (data["purpose"], data["partner"]) == (purpose, PARTNER if purpose == "partner" else "")
    [item] = data["incidents"]
    victim_entry = item["involvements"][0]
    label = {"named": NAME, "pseudonym": victim.pseudonym, "withheld": "a protected person"}[shown]
    assert victim_entry["name"] == label
    assert item["involvements"][1]["name"] == "Олег Петренко"  # officials are always named
    # The real name is in the file exactly when allowed, in the involvements and in every free text.
    assert (NAME in text) == (shown == "named")
    assert (TYPED in text) == (shown == "named")
    assert (victim.pseudonym in text) == (shown == "pseudonym")
    if shown == "named":
        assert data["redactions"] == [] and result.redactions == []
        assert item["narrative"] == f"The director told {TYPED} to vote or leave."
        return
    replaced = victim.pseudonym if shown == "pseudonym" else "[protected name]"
    assert item["narrative"] == f"The director told {replaced} to vote or leave."
    assert item["sources"][0]["note"] == f"{replaced} agreed to talk"
    assert victim_entry["details"] == ("" if shown == "withheld" else f"{replaced} taught there for 20 years")
    assert victim_entry.get("withheld", False) == (shown == "withheld")
    fields = ["involvements"] + [f for f in FREE_TEXT if not (shown == "withheld" and f == "involvements.details")]
    assert sorted((r["where"], r["field"], r["person"], r["shown"]) for r in data["redactions"]) == sorted(
        (incident.reference, f, label, shown) for f in fields)
    assert all(r["reason"] for r in data["redactions"])
    assert data["redactions"] == result.redactions
    assert result.withheld == (1 if shown == "withheld" else 0)


def test_publication_exports_only_verified_public_incidents_and_says_how_many_were_left_out(world, coordinator):
    factories.incident(coordinator, title="Still a draft", sensitivity="public")
    unverified = factories.incident(coordinator, title="Submitted only", sensitivity="public")
    submit_incident(actor=coordinator, incident=unverified)
    restricted = factories.incident(coordinator, title="Restricted", sensitivity="restricted")
    submit_incident(actor=coordinator, incident=restricted)
    verify_incident(actor=second_lead(), incident=restricted, reason="two sources")

    result, output = export(coordinator, "publication")

    assert [i["reference"] for i in json.loads(output.getvalue())["incidents"]] == [world[0].reference]
    assert (result.incidents, result.left_out) == (1, 3)
    assert json.loads(output.getvalue())["left_out"] == 3


def test_partner_consent_for_another_partner_does_not_name(world, coordinator):
    incident, victim = world
    consents.record_consent(actor=coordinator, person=victim, purpose="partner", given_on=dt.date(2024, 3, 1),
                            method="written", partner="Office of the Prosecutor General")
    result, output = export(coordinator, "partner", partner=PARTNER)
    assert NAME not in output.getvalue() and TYPED not in output.getvalue()
    assert {r["reason"] for r in result.redactions} == {f"no consent for sharing with {PARTNER}"}


def test_xlsx_carries_a_redactions_sheet_and_the_importer_still_reads_the_first(world, coordinator, tmp_path):
    incident, victim = world
    result, output = export(coordinator, "litigation", fmt="xlsx")
    workbook = load_workbook(io.BytesIO(output.getvalue()))
    assert workbook.sheetnames == ["incidents", "redactions"]
    rows = list(workbook["redactions"].values)
    assert rows[0] == ("where", "field", "person", "shown", "reason")
    assert len(rows) - 1 == len(result.redactions) == 7
    header, row = list(workbook["incidents"].values)
    assert dict(zip(header, row, strict=True))["victims"] == victim.pseudonym
    assert NAME not in str(list(workbook["incidents"].values)) and TYPED not in str(list(workbook["incidents"].values))


def test_csv_export_writes_its_redactions_beside_it_and_the_command_says_where(world, coordinator, tmp_path, capsys):
    incident, victim = world
    path = tmp_path / "litigation.csv"
    call_command("export", "--format", "csv", "--output", str(path), "--purpose", "litigation")

    [row] = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    assert row["victims"] == victim.pseudonym and TYPED not in row["narrative"]
    listed = list(csv.DictReader(open(f"{path}.redactions.csv", encoding="utf-8", newline="")))
    assert len(listed) == 7 and {r["person"] for r in listed} == {victim.pseudonym}
    assert capsys.readouterr().err.splitlines()[-1] == f"Redactions: 7; the list is in {path}.redactions.csv."


def test_command_publication_counts_withheld_persons(world, coordinator, tmp_path, capsys):
    path = tmp_path / "public.json"
    call_command("export", "--format", "json", "--output", str(path), "--purpose", "publication")
    assert capsys.readouterr().err.splitlines() == [
        "Exported 1 incidents.",
        "Redactions: 6, 1 persons withheld entirely; the list is in the file's \"redactions\" list.",
    ]
    assert NAME not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("arguments, message", [
    (["--format", "csv", "--purpose", "litigation"], "must carry its list of redactions"),
    (["--format", "json", "--purpose", "partner"], "Name the partner the document is for."),
    (["--format", "json", "--partner", PARTNER], "--partner goes with --purpose partner."),
])
def test_command_refuses_an_export_that_would_lose_its_list_or_its_partner(world, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("export", *arguments)


def test_every_export_is_an_audit_entry_with_its_purpose_and_counts(coordinator, tmp_path):
    from svidok.audit.models import AuditEntry
    from svidok.incidents.exporting import export_incidents

    factories.incident(coordinator, title="Teacher threatened")
    with open(tmp_path / "out.json", "w", encoding="utf-8") as handle:
        result = export_incidents(actor=coordinator, fmt="json", output=handle, purpose="partner", partner="OSCE ODIHR")
    entry = AuditEntry.objects.get(action="export", object_type="incidents.export")
    assert entry.actor == coordinator
    assert entry.changes["export"][1] == {"format": "json", "purpose": "partner", "partner": "OSCE ODIHR",
                                          "incidents": result.incidents, "redactions": len(result.redactions), "left_out": 0}
    assert result.incidents == 1
