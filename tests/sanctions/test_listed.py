"""Already listed? The person page's answer for each imported reference list (svidok.sanctions.listed):
listing records as facts, the matcher's name-only possible matches apart from them."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from svidok.names import matching
from svidok.sanctions import matching as sanctions_matching
from svidok.sanctions import services as proposals
from svidok.sanctions.lists import import_list
from svidok.sanctions.models import ReferenceEntity
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db

CHAIR = "Михаил Григорьевич МАЛЫШЕВ"



def ftm_lines(*entities) -> str:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entities)


def person_entity(entity_id, *names, birth_date=None):
    properties = {"name": list(names)} | ({"birthDate": [birth_date]} if birth_date else {})
    return {"id": entity_id, "schema": "Person", "properties": properties}


def sanction(entity_id, since):
    return {"id": f"{entity_id}-sanction", "schema": "Sanction", "properties": {"entity": [entity_id], "startDate": [since]}}


@pytest.fixture
def chair(coordinator):
    return factories.person(coordinator, name=CHAIR, names=[{"name": "Михайло Григорович МАЛИШЕВ", "lang": "uk"}],
                            identity={"birth_date": dt.date(1961, 5, 17)})


@pytest.fixture
def lists(coordinator, tmp_path):
    eu = tmp_path / "eu.ftm.json"
    eu.write_text(ftm_lines(person_entity("eu-5178", "Mikhail Grigorievich MALYSHEV"), sanction("eu-5178", "2018-05-14"),
                            person_entity("eu-5179", "Natalia Ivanovna BEZRUCHENKO"), sanction("eu-5179", "2018-05-14")),
                  encoding="utf-8")
    uk = tmp_path / "uk.ftm.json"
    uk.write_text(ftm_lines(person_entity("uk-1", "Sergey Valeryevich AKSYONOV"), sanction("uk-1", "2014-03-17")),
                  encoding="utf-8")
    return (import_list(actor=coordinator, path=eu, name="eu-test", title="EU list (test)", jurisdiction="eu"),
            import_list(actor=coordinator, path=uk, name="uk-test", title="UK list (test)", jurisdiction="uk"))


def section(body: str) -> str:
    return " ".join(body.split("<h2>Already listed?</h2>", 1)[1].split("</section>", 1)[0].split())


def test_person_page_shows_a_possible_match_apart_from_facts(client, viewer, chair, lists):
    login(client, viewer)

    response = client.get(f"/people/persons/{chair.uuid}/")

    statuses = response.context["listing"]["lists"]
    assert [(s.reference_list.name, s.facts, [(p.record_id, p.caption, p.listed_since) for p in s.possible]) for s in statuses] == [
        ("eu-test", [], [("eu-5178", "Mikhail Grigorievich MALYSHEV", "2018-05-14")]),
        ("uk-test", [], []),
    ]
    assert statuses[0].possible[0].score >= matching.DEFAULT_THRESHOLD
    html = section(response.content.decode())
    assert ('<td data-label="List">EU list (test) <small>eu-test</small></td> <td data-label="On the list?">'
            '<span class="badge">possible match (name only, not confirmed)</span> <small>score 0.98</small></td> '
            '<td data-label="Entry"><code>eu-5178</code> Mikhail Grigorievich MALYSHEV</td> '
            '<td data-label="Listed since">2018-05-14</td>') in html
    imported = timezone.localtime(lists[1].imported_at).strftime("%Y-%m-%d")
    assert ('<td data-label="List">UK list (test) <small>uk-test</small></td> <td data-label="On the list?">'
            f'not found in the list imported on {imported}</td>') in html
    assert "Listing records" not in html


def test_listing_record_pointing_at_an_entry_is_the_fact(client, viewer, coordinator, chair, lists):
    proposal = proposals.create_proposal(actor=coordinator, title="Organizers")
    member = proposals.add_member(actor=coordinator, proposal=proposal, person=chair)
    entity = ReferenceEntity.objects.get(record_id="eu-5178")
    proposals.record_listing(actor=coordinator, member=member, jurisdiction="eu", status="listed", date=dt.date(2018, 5, 14),
                             legal_act="Council Implementing Regulation (EU) 2018/705", reference_entity=entity)
    login(client, viewer)

    response = client.get(f"/people/persons/{chair.uuid}/")

    eu, uk = response.context["listing"]["lists"]
    assert ([f.reference_entity for f in eu.facts], eu.possible, eu.since) == ([entity], [], dt.date(2018, 5, 14))
    html = section(response.content.decode())
    assert ('<td data-label="On the list?"><span class="badge">listed (listing record)</span></td> '
            '<td data-label="Entry"><code>eu-5178</code> Mikhail Grigorievich MALYSHEV</td> '
            '<td data-label="Listed since">2018-05-14</td>') in html
    assert ('<td data-label="Legal act">Council Implementing Regulation (EU) 2018/705</td> '
            '<td data-label="List entry">eu-test: eu-5178</td> '
            f'<td data-label="Recorded in"><a href="/people/proposals/{proposal.uuid}/">Organizers</a></td>') in html
    assert "possible match (name only" not in html


def test_listing_record_without_an_entry_leaves_the_lists_to_the_matcher(client, viewer, coordinator, chair, lists):
    proposal = proposals.create_proposal(actor=coordinator, title="Organizers")
    member = proposals.add_member(actor=coordinator, proposal=proposal, person=chair)
    proposals.record_listing(actor=coordinator, member=member, jurisdiction="ua", status="listed", date=dt.date(2019, 1, 10))
    proposals.record_listing(actor=coordinator, member=member, jurisdiction="uk", status="proposed")
    login(client, viewer)

    response = client.get(f"/people/persons/{chair.uuid}/")

    listing = response.context["listing"]
    assert [(f.jurisdiction, f.status, f.date) for f in listing["listings"]] == [("ua", "listed", dt.date(2019, 1, 10))]
    assert [[p.record_id for p in s.possible] for s in listing["lists"]] == [["eu-5178"], []]


def test_protected_person_is_never_matched_against_the_lists(client, coordinator, tmp_path):
    victim = factories.person(coordinator, name="Rustem Aliev", protected=True)
    path = tmp_path / "other.ftm.json"
    path.write_text(ftm_lines(person_entity("x-1", "Rustem ALIEV")), encoding="utf-8")
    import_list(actor=coordinator, path=path, name="other", jurisdiction="other")
    login(client, coordinator)

    response = client.get(f"/people/persons/{victim.uuid}/")

    assert response.context["listing"] == {"listings": [], "lists": []}
    assert "Already listed?" not in response.content.decode()
    assert "x-1" not in response.content.decode()


def test_no_imported_list_says_no_reference_list_loaded_never_not_listed(client, viewer, chair):
    login(client, viewer)

    response = client.get(f"/people/persons/{chair.uuid}/")

    assert response.context["listing"] == {"listings": [], "lists": [], "no_list": True}
    body = response.content.decode()
    assert ("No reference list loaded: this person's names were not checked against any sanctions list."
            in section(body))
    assert "not listed" not in body.lower()


def test_person_page_membership_never_says_not_listed_beside_a_possible_match(client, viewer, coordinator, chair, lists):
    proposal = proposals.create_proposal(actor=coordinator, title="Chairs")
    proposals.add_member(actor=coordinator, proposal=proposal, person=chair)
    login(client, viewer)

    body = client.get(f"/people/persons/{chair.uuid}/").content.decode()

    assert "possible match (name only, not confirmed)" in body
    assert "no listing record yet" in body
    assert "not listed anywhere" not in body.lower()


def test_surname_alone_is_not_a_possible_match(client, viewer, coordinator, chair, tmp_path):
    path = tmp_path / "surnames.ftm.json"
    path.write_text(ftm_lines(person_entity("s-1", "MALYSHEV"), person_entity("s-2", "Sergey MALYSHEV")), encoding="utf-8")
    import_list(actor=coordinator, path=path, name="surnames", jurisdiction="other")
    login(client, viewer)

    response = client.get(f"/people/persons/{chair.uuid}/")

    assert [s.possible for s in response.context["listing"]["lists"]] == [[]]


def test_birth_date_takes_part_only_for_those_who_may_see_identities(client, viewer, coordinator, chair, tmp_path):
    # The list's namesake was born in another year: a coordinator's page drops it, a viewer's cannot tell.
    path = tmp_path / "namesake.ftm.json"
    path.write_text(ftm_lines(person_entity("n-1", "Mikhail Grigorievich MALYSHEV", birth_date="1975-02-03")), encoding="utf-8")
    import_list(actor=coordinator, path=path, name="namesake", jurisdiction="other")

    login(client, viewer)
    seen_by_viewer = client.get(f"/people/persons/{chair.uuid}/").context["listing"]["lists"]
    login(client, coordinator)
    seen_by_coordinator = client.get(f"/people/persons/{chair.uuid}/").context["listing"]["lists"]

    assert [p.record_id for p in seen_by_viewer[0].possible] == ["n-1"]
    assert seen_by_coordinator[0].possible == []


def test_person_page_reuses_the_list_index_between_requests(client, viewer, chair, lists):
    login(client, viewer)
    client.get(f"/people/persons/{chair.uuid}/")
    built = sanctions_matching.get_index("eu-test")

    client.get(f"/people/persons/{chair.uuid}/")

    assert sanctions_matching.get_index("eu-test") is built
