"""`svidok people export-proposal` through call_command."""

import csv

import pytest
from django.core.management import CommandError, call_command

from svidok.sanctions import services as proposals

pytestmark = pytest.mark.django_db



@pytest.fixture
def world(base_world, coordinator):
    w = base_world
    w.proposal = proposals.create_proposal(actor=coordinator, title="Organizers")
    w.member = proposals.add_member(actor=coordinator, proposal=w.proposal, person=w.chair)
    proposals.set_grounds(actor=coordinator, member=w.member, grounds="Chaired the commission.", incidents=[w.ordered, w.secret])
    return w


def test_export_proposal_as_the_installation_has_every_incident(world, tmp_path, capsys):
    output = tmp_path / "dossier.html"

    call_command("people", "export-proposal", str(world.proposal.uuid), "--format", "html", "--output", str(output))

    html = output.read_text(encoding="utf-8")
    assert world.secret.reference in html and world.ordered.reference in html
    assert capsys.readouterr().out.startswith(f"Wrote {output} (html, ")


def test_export_proposal_as_an_analyst_leaves_out_what_they_may_not_see(world, analyst, tmp_path):
    output = tmp_path / "proposal.csv"

    call_command("people", "export-proposal", str(world.proposal.uuid), "--format", "csv", "-o", str(output), "--as", "analyst")

    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert [row["incidents"] for row in rows] == [f"{world.ordered.reference} (Perpetrator)"]


def test_export_proposal_pdf(world, tmp_path):
    output = tmp_path / "dossier.pdf"

    call_command("people", "export-proposal", str(world.proposal.uuid), "--format", "pdf", "--output", str(output))

    assert output.read_bytes().startswith(b"%PDF-")


def test_export_proposal_unknown_id_is_an_error(world, tmp_path):
    with pytest.raises(CommandError, match="No proposal 'SV-1'."):
        call_command("people", "export-proposal", "SV-1", "--format", "csv", "--output", str(tmp_path / "x.csv"))


def test_export_proposal_by_a_viewer_is_refused_and_writes_nothing(world, tmp_path, viewer):
    output = tmp_path / "x.csv"

    with pytest.raises(CommandError, match="viewer may not export proposals."):
        call_command("people", "export-proposal", str(world.proposal.uuid), "--format", "csv", "--output", str(output), "--as", "viewer")

    assert not output.exists()
