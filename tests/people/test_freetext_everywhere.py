"""Protected persons' names in every free text (issue 10, item 2): incident titles, place details,
review notes, involvement details, source titles, excerpts and notes, link notes, evidence
descriptions and reasons, interventions and cases, on their pages, in the API, the search and the
histories. A reader without ``person.identity`` finds the pseudonym; a coordinator the text as
written. And the warning while typing: its endpoint, who may ask it, and the notice after saving."""

import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from svidok.audit.models import AuditEntry
from svidok.evidence import services as evidence_services
from svidok.evidence.models import EvidenceItem
from svidok.incidents import cases
from svidok.incidents.services import (
    add_involvement,
    link_source,
    record_election,
    record_intervention,
    submit_incident,
    update_incident,
    verify_incident,
)
from svidok.people import freetext
from svidok.people.services import update_person
from svidok.search.api import search
from tests import factories
from tests.helpers import login, second_lead

pytestmark = pytest.mark.django_db

NAME = "Ірина Коваленко"
WRITTEN = "Iryna Kovalenko"
NAME_WORDS = ("Kovalenko", "Iryna", "Коваленко", "Ірина")


@pytest.fixture(autouse=True)
def _evidence_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "evidence")}}}


@pytest.fixture
def victim(coordinator):
    return factories.person(coordinator, name=NAME, protected=True)


@pytest.fixture
def world(coordinator, viewer, analyst, victim):
    """Every free text naming the victim: a verified incident (title, place details, review note,
    involvement details, a source and its link note), evidence, an intervention and a case."""
    incident = factories.incident(coordinator, title=f"{WRITTEN} threatened with dismissal", place_text=f"at the house of {WRITTEN}")
    update_incident(actor=coordinator, incident=incident, fields={"narrative": f"The director called {WRITTEN} in."})
    add_involvement(actor=coordinator, incident=incident, role=factories.term("involvement_role", "perpetrator"),
                    organization=factories.organization(coordinator), details=f"threatened {WRITTEN}")
    source = factories.source(coordinator, title=f"Interview with {WRITTEN}", excerpt=f"{WRITTEN} said she was told to vote.",
                              notes=f"Called {WRITTEN} twice.")
    link_source(actor=coordinator, incident=incident, source=source, note=f"{WRITTEN} confirms the threat")
    submit_incident(actor=coordinator, incident=incident)
    verify_incident(actor=second_lead(), incident=incident, reason=f"Checked with {WRITTEN}")
    item = evidence_services.add_item(actor=coordinator, file=io.BytesIO(b"order text"), name="order.txt", incident=incident,
                                      description=f"Order naming {WRITTEN}", method=EvidenceItem.Method.UPLOAD,
                                      link_description=f"the order sent to {WRITTEN}")
    withdrawn = evidence_services.add_item(actor=coordinator, file=io.BytesIO(b"photo bytes"), name="photo.bin",
                                           incident=incident, method=EvidenceItem.Method.UPLOAD)
    evidence_services.withdraw_item(actor=coordinator, item=withdrawn, reason=f"{WRITTEN} asked to take it down")
    intervention = record_intervention(actor=coordinator, incidents=[incident], fields={
        "kind": factories.term("intervention_type", "statement"), "title": f"Appeal for {WRITTEN}",
        "description": f"Letter on behalf of {WRITTEN}"})
    case = cases.create_case(actor=coordinator, name="Dismissals", description=f"The dismissal of {WRITTEN} and others")
    cases.add_incident(actor=coordinator, case=case, reference=incident.reference)
    for user in (viewer, analyst):
        cases.share_case(actor=coordinator, case=case, username=user.username)
    # Descriptions and notes of the registry's records: the person's own, an organization's, an election's.
    update_person(actor=coordinator, person=victim, fields={"description": f"Teacher; {WRITTEN} asked for help twice."})
    organization = factories.organization(coordinator, name="School No. 3 administration",
                                          description=f"Dismissed {WRITTEN} after the vote.")
    election = record_election(actor=coordinator, fields={"name": "Presidential election 2018", "date": dt.date(2018, 3, 18),
                                                          "notes": f"Turnout pressure on {WRITTEN}'s school."})
    incident.refresh_from_db()
    return {"incident": incident, "source": source, "item": item, "withdrawn": withdrawn, "intervention": intervention, "case": case,
            "person": victim, "organization": organization, "election": election}


def _pages(world) -> dict[str, str]:
    incident, source = world["incident"], world["source"]
    return {
        "incident page": reverse("incidents:detail", args=[incident.reference]),
        "incident list": reverse("incidents:list"),
        "source page": reverse("incidents:source_detail", args=[source.uuid]),
        "source list": reverse("incidents:source_list"),
        "evidence item page": reverse("evidence:item", args=[world["item"].uuid]),
        "withdrawn item page": reverse("evidence:item", args=[world["withdrawn"].uuid]),
        "intervention list": reverse("incidents:intervention_list"),
        "case page": reverse("incidents:case_detail", args=[world["case"].uuid]),
        "case list": reverse("incidents:case_list"),
        "search page": reverse("search:search") + "?q=threatened",
        "person page": reverse("people:person_detail", args=[world["person"].uuid]),
        "organization page": reverse("people:organization_detail", args=[world["organization"].uuid]),
        "election page": reverse("incidents:election_detail", args=[world["election"].uuid]),
    }


def _api(world) -> dict[str, str]:
    incident, source = world["incident"], world["source"]
    return {
        "incident": f"/api/v1/incidents/{incident.reference}/",
        "incidents": "/api/v1/incidents/",
        "source": f"/api/v1/sources/{source.uuid}/",
        "sources": "/api/v1/sources/",
        "evidence item": f"/api/v1/evidence/{world['item'].uuid}/",
        "withdrawn item": f"/api/v1/evidence/{world['withdrawn'].uuid}/",
        "evidence": "/api/v1/evidence/",
        "interventions": "/api/v1/interventions/",
        "search": "/api/v1/search/?q=threatened",
        "person": f"/api/v1/persons/{world['person'].uuid}/",
        "organization": f"/api/v1/organizations/{world['organization'].uuid}/",
        "organizations": "/api/v1/organizations/",
        "election": f"/api/v1/elections/{world['election'].uuid}/",
    }


def _leaks(text: str) -> list[str]:
    return [w for w in NAME_WORDS if w in text]


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_readers_without_clearance_find_the_pseudonym_on_every_page(client, world, victim, role, request):
    login(client, request.getfixturevalue(role))
    for what, url in _pages(world).items():
        response = client.get(url)
        assert response.status_code == 200, what
        page = response.content.decode()
        assert _leaks(page) == [], what
        assert victim.pseudonym in page, what


def test_a_coordinator_reads_every_page_as_written(client, world, coordinator):
    login(client, coordinator)
    for what, url in _pages(world).items():
        page = client.get(url).content.decode()
        assert WRITTEN in page, what


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_readers_without_clearance_find_the_pseudonym_in_every_api_answer(api, world, victim, role, request):
    client = api(request.getfixturevalue(role))
    for what, url in _api(world).items():
        response = client.get(url)
        assert response.status_code == 200, what
        text = json.dumps(response.json(), ensure_ascii=False)
        assert _leaks(text) == [], what
        assert victim.pseudonym in text, what


def test_the_api_gives_a_coordinator_every_text_as_written(api, world, coordinator):
    client = api(coordinator)
    incident = client.get(_api(world)["incident"]).json()
    assert incident["title"] == f"{WRITTEN} threatened with dismissal"
    assert incident["place_text"] == f"at the house of {WRITTEN}"
    assert incident["status_reason"] == f"Checked with {WRITTEN}"
    assert [i["details"] for i in incident["involvements"]] == [f"threatened {WRITTEN}"]
    assert [(s["title"], s["note"]) for s in incident["sources"]] == [(f"Interview with {WRITTEN}", f"{WRITTEN} confirms the threat")]
    source = client.get(_api(world)["source"]).json()
    assert (source["title"], source["excerpt"], source["notes"]) == (
        f"Interview with {WRITTEN}", f"{WRITTEN} said she was told to vote.", f"Called {WRITTEN} twice.")
    item = client.get(_api(world)["evidence item"]).json()
    assert (item["description"], item["links"][0]["description"]) == (f"Order naming {WRITTEN}", f"the order sent to {WRITTEN}")
    assert client.get(_api(world)["withdrawn item"]).json()["status_reason"] == f"{WRITTEN} asked to take it down"


def test_the_api_pseudonymizes_each_field_for_a_viewer(api, world, viewer, victim):
    incident = api(viewer).get(_api(world)["incident"]).json()
    assert incident["title"] == f"{victim.pseudonym} threatened with dismissal"
    assert incident["status_reason"] == f"Checked with {victim.pseudonym}"
    assert incident["sources"][0]["note"] == f"{victim.pseudonym} confirms the threat"


def test_the_source_list_finds_no_title_by_a_protected_name_for_a_viewer(client, world, viewer, coordinator):
    url = reverse("incidents:source_list")
    login(client, viewer)
    assert "Interview with" not in client.get(url + "?q=Kovalenko").content.decode()
    assert "Interview with" in client.get(url + "?q=Interview").content.decode()
    login(client, coordinator)
    assert f"Interview with {WRITTEN}" in client.get(url + "?q=Kovalenko").content.decode()


def test_nobody_finds_the_incident_by_the_name_in_its_title_or_place(world, viewer, coordinator):
    for user in (viewer, coordinator):
        assert search(user, "Kovalenko")["incidents"] == []
    assert search(viewer, "threatened dismissal")["incidents"] == [world["incident"]]


def test_the_audit_log_keeps_what_was_written(world):
    source = world["source"]
    entry = AuditEntry.objects.get(object_type="incidents.source", object_id=source.public_id, action="create")
    assert WRITTEN in json.dumps(entry.changes, ensure_ascii=False)


def test_the_incident_list_reads_the_blind_index_once_whatever_the_rows(client, coordinator, viewer, victim):
    def make(n):
        for i in range(n):
            incident = factories.incident(coordinator, title=f"{WRITTEN} case {i} word{i}x", place_text=f"street{i} of {WRITTEN}")
            submit_incident(actor=coordinator, incident=incident)
            verify_incident(actor=second_lead(), incident=incident)

    login(client, viewer)
    make(1)
    client.get(reverse("incidents:list"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("incidents:list")).status_code == 200
    make(8)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("incidents:list")).content.decode()
    assert _leaks(page) == []
    assert len(few) == len(many)


def test_the_incident_api_list_reads_the_blind_index_once_whatever_the_rows(api, coordinator, viewer, victim):
    client = api(viewer)

    def make(n):
        for i in range(n):
            incident = factories.incident(coordinator, title=f"{WRITTEN} case {i} word{i}x")
            submit_incident(actor=coordinator, incident=incident)
            verify_incident(actor=second_lead(), incident=incident, reason=f"seen{i} by {WRITTEN}")

    make(1)
    client.get("/api/v1/incidents/")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/incidents/")
    make(8)
    with CaptureQueriesContext(connection) as many:
        answer = client.get("/api/v1/incidents/").json()
    assert _leaks(json.dumps(answer, ensure_ascii=False)) == []
    assert len(few) == len(many)


def test_a_text_the_reader_was_not_told_of_is_pseudonymized_all_the_same(viewer, victim):
    reader = freetext.Reader(viewer).expect(["nothing here"])
    assert reader(f"{WRITTEN} said so") == f"{victim.pseudonym} said so"


def test_the_as_read_filter_without_a_reader_reads_as_without_clearance(victim):
    from svidok.people.templatetags.people_tags import as_read

    assert as_read(f"{WRITTEN} said so", "") == f"{victim.pseudonym} said so"


# -- the warning while typing -------------------------------------------------------------------------


CHECK = "/people/names-in-text/"


def test_the_endpoint_answers_a_documenter_with_the_spans_and_the_pseudonym(client, documenter, victim):
    login(client, documenter)
    text = f"The director called {WRITTEN} in."
    response = client.post(CHECK, {"text": text})
    assert response.status_code == 200
    answer = response.json()
    start = text.index(WRITTEN)
    assert answer["names"] == [{"start": start, "end": start + len(WRITTEN), "pseudonym": victim.pseudonym}]
    assert answer["warnings"] == [f"Readers without clearance will see “{victim.pseudonym}” here."]
    assert _leaks(json.dumps(answer, ensure_ascii=False)) == []


def test_the_endpoint_answers_nothing_for_a_text_without_protected_names(client, documenter, victim):
    login(client, documenter)
    assert client.post(CHECK, {"text": "The director called the staff in."}).json() == {"names": [], "warnings": []}


def test_the_endpoint_writes_no_audit_entry(client, documenter, victim):
    login(client, documenter)
    before = AuditEntry.objects.count()
    for _ in range(3):
        client.post(CHECK, {"text": f"{WRITTEN} again"})
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_the_endpoint_is_refused_to_roles_that_do_not_write(client, victim, role, request):
    login(client, request.getfixturevalue(role))
    assert client.post(CHECK, {"text": f"{WRITTEN} said"}).status_code == 403


def test_the_endpoint_takes_no_get_and_no_stranger(client, documenter, victim):
    assert client.post(CHECK, {"text": WRITTEN}).status_code == 302
    login(client, documenter)
    assert client.get(CHECK, {"text": WRITTEN}).status_code == 405


def test_the_endpoint_needs_the_csrf_token(documenter, victim):
    client = Client(enforce_csrf_checks=True)
    login(client, documenter)
    assert client.post(CHECK, {"text": f"{WRITTEN} said"}).status_code == 403


def test_the_endpoint_refuses_a_text_too_long(client, documenter, settings):
    login(client, documenter)
    response = client.post(CHECK, {"text": "word " * (settings.SVIDOK_MAX_TEXT // 5 + 1)})
    assert response.status_code == 400
    assert response.json() == {"error": "The text is too long to check."}


def test_the_endpoint_counts_against_the_search_limit(client, documenter, settings, victim):
    settings.SVIDOK_RATE_LIMITS = {**settings.SVIDOK_RATE_LIMITS, "search": "2/m"}
    login(client, documenter)
    codes = [client.post(CHECK, {"text": WRITTEN}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_the_forms_mark_their_free_texts_for_the_check(client, documenter):
    login(client, documenter)
    page = client.get(reverse("incidents:create")).content.decode()
    assert f'data-names-check="{CHECK}"' in page
    assert 'id="id_narrative_names"' in page and 'aria-live="polite"' in page
    assert "svidok/freetext.js" in page
    upload = client.get(reverse("evidence:upload")).content.decode()
    assert 'id="id_description_names"' in upload


def test_saving_a_source_that_names_a_protected_person_says_so(client, documenter, victim):
    login(client, documenter)
    response = client.post(reverse("incidents:source_create"), {
        "title": "Interview", "kind": "article", "excerpt": f"{WRITTEN} said she was told to vote.",
        "reliability": "F", "credibility": "6"}, follow=True)
    assert response.status_code == 200
    notices = [str(m) for m in response.context["messages"]]
    assert "This text names a protected person; readers without clearance see the pseudonym in its place." in notices


def test_saving_a_source_without_protected_names_says_nothing_of_them(client, documenter, victim):
    login(client, documenter)
    response = client.post(reverse("incidents:source_create"), {
        "title": "Interview", "kind": "article", "excerpt": "The director said so.", "reliability": "F", "credibility": "6"},
        follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Source recorded."]


def test_uploading_evidence_described_with_a_protected_name_says_so(client, documenter, victim):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, documenter)
    response = client.post(reverse("evidence:upload"), {
        "files": SimpleUploadedFile("order.txt", b"order text"), "description": f"Order naming {WRITTEN}"})
    assert response.status_code == 201
    assert [str(m) for m in response.context["messages"]] == [
        "This text names a protected person; readers without clearance see the pseudonym in its place."]


def test_several_sources_matching_are_listed_by_pseudonym(coordinator, victim):
    from django.core.exceptions import ValidationError

    from svidok.incidents.forms import resolve_source

    for n in (1, 2):
        factories.source(coordinator, title=f"Interview {n} with {WRITTEN}")
    with pytest.raises(ValidationError) as refused:
        resolve_source("Interview")
    message = " ".join(refused.value.messages)
    assert _leaks(message) == []
    assert message.count(victim.pseudonym) == 2
