"""Proposal exports and protected names (issue 10, items 2 and 4): a dossier carries no narrative
and no victim, but free text (incident titles, an involvement's details, the statement of reasons,
source titles) may hold a protected name typed by hand. Without the person's consent to sharing
with sanctions authorities it is replaced by the pseudonym in every format, and listed."""

import csv
import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook

from svidok.incidents.models import Source
from svidok.incidents.services import add_involvement, update_incident
from svidok.people import consent as consents
from svidok.sanctions import dossier, ftm
from svidok.sanctions import services as proposals
from tests import factories

pytestmark = pytest.mark.django_db

TYPED = "Rustem Aliev"  # the protected victim of the base world, typed by hand


@pytest.fixture
def world(base_world, coordinator):
    w = base_world
    update_incident(actor=coordinator, incident=w.ordered, fields={
        "title": f"Teachers ordered to vote, {TYPED} among them", "narrative": f"The chair told {TYPED} to vote or leave."})
    add_involvement(actor=coordinator, incident=w.ordered, person=w.chair, role=factories.term("involvement_role", "instigator"),
                    details=f"phoned {TYPED} twice")
    Source.objects.filter(pk=w.report.pk).update(title=f"Interview with {TYPED}")
    w.proposal = proposals.create_proposal(actor=coordinator, title="Organizers of the 2018 election in occupied Crimea")
    w.member = proposals.add_member(actor=coordinator, proposal=w.proposal, person=w.chair)
    proposals.set_grounds(actor=coordinator, member=w.member, grounds=f"Chaired the commission; threatened {TYPED}.",
                          occupancies=[w.chair_held], incidents=[w.ordered], sources=[w.appointment])
    return w


def every_format(proposal, user) -> dict[str, str]:
    texts = {fmt: dossier.export_bytes(proposal, user, fmt).decode("utf-8") for fmt in ("html", "csv", "ftm")}
    workbook = load_workbook(io.BytesIO(dossier.export_bytes(proposal, user, "xlsx")))
    texts["xlsx"] = json.dumps([list(sheet.values) for sheet in workbook.worksheets], ensure_ascii=False, default=str)
    return texts


def test_a_protected_name_typed_into_cited_incidents_leaves_in_no_proposal_format(world, coordinator):
    texts = every_format(world.proposal, coordinator)

    for fmt, text in texts.items():
        assert "Aliev" not in text, fmt
        assert "told" not in text, fmt  # the narrative never travels in a proposal
    html = texts["html"]
    pseudonym = world.victim.pseudonym
    assert f"Teachers ordered to vote, {pseudonym} among them" in html
    assert f"threatened {pseudonym}." in html and f"phoned {pseudonym} twice" in html
    assert f"Interview with {pseudonym}" in html
    [row] = [r for r in csv.DictReader(io.StringIO(texts["csv"]))]
    assert row["grounds"] == f"Chaired the commission; threatened {pseudonym}."


def test_every_redaction_is_listed_in_the_dossier_and_the_desk_workbook(world, coordinator):
    built = dossier.build_dossier(world.proposal, coordinator)
    reference = world.ordered.reference
    assert sorted((r["where"], r["field"]) for r in built.redactions) == sorted([
        ("Михаил Григорьевич МАЛЫШЕВ", "grounds"), (reference, "title"), (reference, "role"), ("[2]", "source title")])
    assert {(r["person"], r["shown"], r["reason"]) for r in built.redactions} == {
        (world.victim.pseudonym, "pseudonym", "no consent for sharing with sanctions authorities")}
    html = dossier.dossier_html(world.proposal, coordinator)
    assert "<h2>Redactions</h2>" in html
    workbook = load_workbook(io.BytesIO(dossier.export_bytes(world.proposal, coordinator, "xlsx")))
    assert workbook.sheetnames == ["members", "redactions"]
    assert len(list(workbook["redactions"].values)) == 1 + len(built.redactions)


def test_consent_to_sharing_with_sanctions_authorities_names_the_person(world, coordinator, analyst):
    consents.record_consent(actor=coordinator, person=world.victim, purpose="partner", given_on=dt.date(2024, 3, 1),
                            method="written", partner=dossier.RECIPIENT)
    assert dossier.build_dossier(world.proposal, coordinator).redactions == []
    assert f"threatened {TYPED}." in dossier.dossier_html(world.proposal, coordinator)
    # Consent is not clearance: an analyst's export still shows the pseudonym.
    assert TYPED not in dossier.dossier_html(world.proposal, analyst)


def test_ftm_entities_carry_the_grounds_redacted(world, coordinator):
    entities = [e.to_dict() for e in ftm.proposal_entities(world.proposal, coordinator)]
    assert "Aliev" not in json.dumps(entities, ensure_ascii=False)
    [person] = [e for e in entities if e["schema"] == "Person"]
    assert person["properties"]["notes"] == [f"Chaired the commission; threatened {world.victim.pseudonym}."]
