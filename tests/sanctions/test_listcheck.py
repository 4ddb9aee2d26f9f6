"""Suggested reference-list entries for proposal members (svidok.sanctions.listcheck over the matcher)."""

import datetime as dt

import pytest

from svidok.sanctions import ftm, listcheck
from svidok.sanctions import services as proposals
from svidok.sanctions.lists import import_list
from tests.helpers import login

pytestmark = pytest.mark.django_db



@pytest.fixture
def world(base_world, coordinator):
    w = base_world
    w.proposal = proposals.create_proposal(actor=coordinator, title="Organizers")
    w.member = proposals.add_member(actor=coordinator, proposal=w.proposal, person=w.chair)
    proposals.set_grounds(actor=coordinator, member=w.member, occupancies=[w.chair_held])
    proposals.record_listing(actor=coordinator, member=w.member, jurisdiction="eu", status="listed", date=dt.date(2018, 5, 14),
                             legal_act="Council Implementing Regulation (EU) 2018/705")
    w.org_member = proposals.add_member(actor=coordinator, proposal=w.proposal, organization=w.commission)
    return w


def test_suggestions_find_the_member_in_a_list_exported_by_svidok(world, coordinator, tmp_path):
    # Svidok's own FtM export read back by the list importer: the listed person, with the listing date.
    path = tmp_path / "exported.ftm.json"
    with path.open("w", encoding="utf-8") as handle:
        ftm.write_ftm(world.proposal, coordinator, handle)
    person_id = next(e.id for e in ftm.proposal_entities(world.proposal, coordinator) if e.schema.name == "Person")
    import_list(actor=coordinator, path=path, name="svidok-export", jurisdiction="eu")

    found = listcheck.suggestions(world.member)

    assert [(s.reference, s.listed_since, s.entity.caption) for s in found] == [
        (f"svidok-export:{person_id}", "2018-05-14", "Михаил Григорьевич МАЛЫШЕВ")]
    assert found[0].score >= 0.9


def test_suggestions_for_a_member_on_no_list_are_empty(world, coordinator, tmp_path):
    path = tmp_path / "other.ftm.json"
    path.write_text('{"id": "x-1", "schema": "Person", "properties": {"name": ["Natalia Ivanovna BEZRUCHENKO"]}}\n',
                    encoding="utf-8")
    import_list(actor=coordinator, path=path, name="other", jurisdiction="uk")

    assert listcheck.suggestions(world.member) == []
    assert listcheck.suggestions(world.org_member) == []


def test_member_page_shows_the_suggestion_until_a_listing_is_recorded(world, coordinator, client, tmp_path):
    path = tmp_path / "eu.ftm.json"
    path.write_text('{"id": "eu-5178", "schema": "Person", "properties": {"name": ["Mikhail Grigorievich MALYSHEV"]}}\n',
                    encoding="utf-8")
    import_list(actor=coordinator, path=path, name="eu-test", jurisdiction="eu")
    fresh = proposals.create_proposal(actor=coordinator, title="Second proposal")
    member = proposals.add_member(actor=coordinator, proposal=fresh, person=world.chair)  # no listing recorded here
    login(client, coordinator)
    url = f"/people/proposals/{fresh.uuid}/members/{member.uuid}/"

    before = client.get(url).content.decode()
    client.post(f"{url}listing/", {"jurisdiction": "eu", "status": "listed", "date": "2018-05-14", "reference_entity": "eu-test:eu-5178"})
    after = client.get(url).content.decode()

    assert "<code>eu-test:eu-5178</code> Mikhail Grigorievich MALYSHEV" in before
    assert "<code>eu-test:eu-5178</code>" not in after
    assert "<td data-label=\"List entry\">eu-test: eu-5178</td>" in after
