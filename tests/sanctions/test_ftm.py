"""A proposal as FollowTheMoney JSON lines: schemas, names, sanctions, round trip, the ``ftm`` command line."""

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from followthemoney import model

from svidok.incidents.services import link_source
from svidok.people.merging import judge_pair
from svidok.people.services import add_name_variant, update_person
from svidok.sanctions import ftm
from svidok.sanctions import services as proposals
from svidok.sanctions.models import ReferenceEntity, ReferenceList
from tests import factories

pytestmark = pytest.mark.django_db



FTM_CLI = Path(sys.executable).with_name("ftm")


@pytest.fixture
def world(base_world, coordinator):
    w = base_world
    w.proposal = proposals.create_proposal(actor=coordinator, title="Organizers of the 2018 election in occupied Crimea")
    w.member = proposals.add_member(actor=coordinator, proposal=w.proposal, person=w.chair)
    proposals.set_grounds(actor=coordinator, member=w.member, grounds="Chaired the commission that organised the vote.",
                          occupancies=[w.chair_held], incidents=[w.ordered, w.secret], sources=[w.appointment])
    w.school = factories.organization(coordinator, name="School No. 5, Bakhchysarai", kind="school")
    w.org_member = proposals.add_member(actor=coordinator, proposal=w.proposal, organization=w.commission)
    proposals.add_member(actor=coordinator, proposal=w.proposal, organization=w.school)
    eu_list = ReferenceList.objects.create(name="eu-269", jurisdiction="eu", format="eu-269-csv", source_name="eu.csv",
                                           sha256="0" * 64, imported_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    w.eu_entry = ReferenceEntity.objects.create(reference_list=eu_list, record_id="EU.5178.38", schema="Person",
                                                caption="Mikhail Grigorievich MALYSHEV", program="Regulation (EU) No 269/2014")
    proposals.record_listing(actor=coordinator, member=w.member, jurisdiction="eu", status="listed", date=dt.date(2018, 5, 14),
                             legal_act="Council Implementing Regulation (EU) 2018/705", reference_entity=w.eu_entry,
                             source=w.appointment)
    proposals.record_listing(actor=coordinator, member=w.member, jurisdiction="uk", status="submitted", date=dt.date(2018, 6, 1))
    return w


def export(proposal, user) -> list[dict]:
    output = io.StringIO()
    ftm.write_ftm(proposal, user, output)
    return [json.loads(line) for line in output.getvalue().splitlines()]


def by_schema(entities: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for entity in entities:
        grouped.setdefault(entity["schema"], []).append(entity)
    return grouped


def test_ftm_entities_of_a_proposal(world, coordinator):
    entities = by_schema(export(world.proposal, coordinator))

    assert {schema: len(items) for schema, items in entities.items()} == {
        "Person": 1, "PublicBody": 1, "Position": 1, "Occupancy": 1, "Sanction": 1, "Organization": 1}
    person, body = entities["Person"][0], entities["PublicBody"][0]
    position, held, sanction = entities["Position"][0], entities["Occupancy"][0], entities["Sanction"][0]
    assert person["properties"]["name"] == ["Михаил Григорьевич МАЛЫШЕВ"]
    assert sorted(person["properties"]["alias"]) == ["Mikhail Grigorievich MALYSHEV", "Михайло Григорович МАЛИШЕВ"]
    assert (person["properties"]["birthDate"], person["properties"]["topics"]) == (["1961-05-17"], ["sanction"])
    assert body["properties"]["alias"] == ["Election Commission of the Republic of Crimea"]
    assert (position["properties"]["name"], position["properties"]["organization"]) == (
        ["Chair, Избирательная комиссия Республики Крым"], [body["id"]])
    assert held["properties"] == {"holder": [person["id"]], "post": [position["id"]], "startDate": ["2014-09-01"],
                                  "sourceUrl": ["https://example.org/decision-1"]}
    assert sanction["properties"] == {
        "entity": [person["id"]], "authority": ["Council of the European Union"], "country": ["eu"],
        "program": ["Regulation (EU) No 269/2014"], "provisions": ["Council Implementing Regulation (EU) 2018/705"],
        "startDate": ["2018-05-14"], "listingDate": ["2018-05-14"], "authorityId": ["EU.5178.38"],
        "sourceUrl": ["https://example.org/decision-1"]}
    assert entities["Organization"][0]["properties"]["name"] == ["School No. 5, Bakhchysarai"]


def test_ftm_ids_are_stable(world, coordinator):
    assert export(world.proposal, coordinator) == export(world.proposal, coordinator)


def test_ftm_every_line_is_valid_for_the_model_and_round_trips(world, coordinator):
    lines = export(world.proposal, coordinator)

    for data in lines:
        schema = model.get(data["schema"])
        proxy = model.get_proxy(data, cleaned=False)
        for prop, values in data["properties"].items():
            # Re-cleaning each value through the model's type keeps it unchanged: nothing invalid was written.
            assert [schema.properties[prop].type.clean(v) for v in values] == values, (data["schema"], prop)
        assert proxy.to_dict() == data


def test_ftm_command_line_validates_the_file_unchanged(world, coordinator, tmp_path):
    if not FTM_CLI.exists():
        pytest.skip("the ftm command line is not installed next to this Python")
    exported = tmp_path / "proposal.ftm.json"
    validated = tmp_path / "validated.ftm.json"
    with exported.open("w", encoding="utf-8") as handle:
        ftm.write_ftm(world.proposal, coordinator, handle)

    run = subprocess.run([str(FTM_CLI), "validate", "-i", str(exported), "-o", str(validated)], capture_output=True, text=True,
                         check=False)

    assert (run.returncode, run.stderr) == (0, "")
    original = {e["id"]: (e["schema"], e["properties"]) for e in map(json.loads, exported.read_text().splitlines())}
    again = {e["id"]: (e["schema"], e["properties"]) for e in map(json.loads, validated.read_text().splitlines())}
    assert again == original


def test_ftm_sources_of_invisible_incidents_are_left_out(world, analyst, coordinator):
    hidden = factories.source(coordinator, title="Hidden", url="https://example.org/hidden")
    link_source(actor=coordinator, incident=world.secret, source=hidden)

    person = by_schema(export(world.proposal, analyst))["Person"][0]
    everything = by_schema(export(world.proposal, coordinator))["Person"][0]

    assert sorted(person["properties"]["sourceUrl"]) == ["https://example.org/decision-1", "https://example.org/qha-teachers"]
    assert "https://example.org/hidden" in everything["properties"]["sourceUrl"]


def test_ftm_includes_the_names_of_linked_records(world, coordinator):
    duplicate = factories.person(coordinator, name="Malyshev Mikhail")
    add_name_variant(actor=coordinator, person=duplicate, name="Михаила Малышева", lang="ru", kind="press")
    judge_pair(actor=coordinator, a=world.chair, b=duplicate, verdict="same")

    person = by_schema(export(world.proposal, coordinator))["Person"][0]

    assert sorted(person["properties"]["alias"]) == [
        "Malyshev Mikhail", "Mikhail Grigorievich MALYSHEV", "Михаила Малышева", "Михайло Григорович МАЛИШЕВ"]


def test_ftm_never_exports_a_protected_person(world, coordinator):
    update_person(actor=coordinator, person=world.chair, fields={"protected": True})

    entities = export(world.proposal, coordinator)
    text = json.dumps(entities, ensure_ascii=False)

    assert sorted({e["schema"] for e in entities}) == ["Organization", "PublicBody"]
    assert "МАЛЫШЕВ" not in text and "MALYSHEV" not in text and "1961-05-17" not in text
