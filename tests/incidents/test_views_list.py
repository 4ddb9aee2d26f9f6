import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from svidok.incidents.services import submit_incident, verify_incident
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db


def _refs(response):
    return [incident.reference for incident in response.context["page"]]


def test_list_shows_coordinator_all_and_new_incident_button(client, coordinator, verified, draft):
    login(client, coordinator)

    response = client.get("/incidents/")

    assert response.status_code == 200
    assert _refs(response) == [draft.reference, verified.reference]
    assert ">New incident</a>" in response.content.decode()


def test_list_hides_drafts_and_create_button_from_viewer(client, viewer, verified, draft):
    login(client, viewer)

    response = client.get("/incidents/")

    assert _refs(response) == [verified.reference]
    assert "New incident" not in response.content.decode()


def test_list_shows_documenter_own_draft_but_not_others(client, documenter, other_documenter, verified, draft):
    factories.incident(other_documenter, title="Someone else's draft")
    login(client, documenter)

    response = client.get("/incidents/")

    assert sorted(_refs(response)) == sorted([verified.reference, draft.reference])


def test_list_filters_by_type_status_and_dates(client, coordinator, documenter, verified, draft):
    old = factories.incident(documenter, title="Old search", type_code="search", date=dt.date(2016, 9, 1))
    login(client, coordinator)

    assert _refs(client.get("/incidents/", {"type": "search"})) == [old.reference]
    assert _refs(client.get("/incidents/", {"status": "verified"})) == [verified.reference]
    assert _refs(client.get("/incidents/", {"date_from": "2016-01-01", "date_to": "2016-12-31"})) == [old.reference]


def test_list_filters_by_place_name_including_settlements_of_raion(client, coordinator, documenter, places, verified):
    in_town = factories.incident(documenter, title="Dismissal in town", place=places["town"])
    login(client, coordinator)

    by_code = client.get("/incidents/", {"place": places["raion"].code})
    by_name = client.get("/incidents/", {"place": "Bakhchysarai"})

    assert _refs(by_code) == [in_town.reference]
    assert _refs(by_name) == [in_town.reference]


def test_place_filter_takes_each_level_and_what_lies_under_it(coordinator, documenter, places):
    from svidok.incidents.models import Incident
    from svidok.incidents.queries import filter_incidents

    at = {name: factories.incident(documenter, title=f"At the {name}", place=places[name]) for name in places}
    factories.incident(documenter, title="Nowhere in particular")

    def titles(code):
        return sorted(filter_incidents(Incident.objects.all(), {"place": code})[0].values_list("title", flat=True))

    assert titles(places["crimea"].code) == sorted(i.title for i in at.values())
    assert titles(places["raion"].code) == ["At the hromada", "At the raion", "At the town"]
    assert titles(places["hromada"].code) == ["At the hromada", "At the town"]
    assert titles(places["town"].code) == ["At the town"]
    assert titles("UA01999999999999999") == []


def test_list_filters_by_election_sensitivity_tag_and_text(client, coordinator, documenter, election, verified):
    tagged = factories.incident(documenter, title="Commission threat", election=election, sensitivity="restricted")
    from svidok.incidents.services import update_incident

    update_incident(actor=coordinator, incident=tagged, fields={}, tags=["Boycott"])
    login(client, coordinator)

    assert _refs(client.get("/incidents/", {"election": str(election.uuid)})) == [tagged.reference]
    assert _refs(client.get("/incidents/", {"sensitivity": "restricted"})) == [tagged.reference]
    assert _refs(client.get("/incidents/", {"tag": "boycott"})) == [tagged.reference]
    assert _refs(client.get("/incidents/", {"q": "commission"})) == [tagged.reference]


def test_list_bad_date_is_400_with_field_error(client, coordinator, verified):
    login(client, coordinator)

    response = client.get("/incidents/", {"date_from": "2018-02-31"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"date_from": ["Enter a date as YYYY-MM-DD."]}
    assert "Enter a date as YYYY-MM-DD." in response.content.decode()


def test_list_unknown_place_is_400_with_field_error(client, coordinator, places):
    login(client, coordinator)

    response = client.get("/incidents/", {"place": "Atlantis"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"place": ["No place matches “Atlantis”."]}


def test_list_sorts_by_title(client, coordinator, documenter, verified, draft):
    login(client, coordinator)

    response = client.get("/incidents/", {"sort": "title"})

    assert _refs(response) == [draft.reference, verified.reference]


def test_list_paginates_fifty_per_page(client, coordinator, documenter):
    for day in range(1, 56):
        factories.incident(documenter, date=dt.date(2017, 1, 1) + dt.timedelta(days=day))
    login(client, coordinator)

    first = client.get("/incidents/")
    second = client.get("/incidents/", {"page": "2"})

    assert (len(first.context["page"]), len(second.context["page"])) == (50, 5)
    assert 'href="?page=2" rel="next"' in first.content.decode()


def test_list_htmx_request_gets_results_fragment_only(client, coordinator, verified):
    login(client, coordinator)

    response = client.get("/incidents/", {"status": "verified"}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert verified.reference in body
    assert "HX-Request" in response["Vary"]


def test_list_query_count_does_not_grow_with_rows(client, coordinator, documenter, places, election):
    login(client, coordinator)
    factories.incident(documenter, place=places["town"], election=election)
    with CaptureQueriesContext(connection) as few:
        client.get("/incidents/")
    for day in range(1, 30):
        incident = factories.incident(documenter, date=dt.date(2017, 1, day), place=places["town"] if day % 2 else places["raion"],
                                      election=election if day % 3 else None)
        if day % 5 == 0:
            submit_incident(actor=documenter, incident=incident)
            verify_incident(actor=coordinator, incident=incident)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/incidents/")

    assert len(response.context["page"]) == 30
    assert len(many) == len(few)


def test_a_text_search_counts_up_to_its_own_smaller_cap(client, coordinator, documenter, monkeypatch):
    from svidok.common.pagination import CappedPaginator
    from svidok.incidents import views

    for n in range(4):
        factories.incident(documenter, title=f"Dismissal of teacher Hordiienko {n}")
    factories.incident(documenter, title="Threat to a nurse")
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 4)
    monkeypatch.setattr(views, "TEXT_COUNT_CAP", 3)
    login(client, coordinator)

    searched = client.get("/incidents/", {"q": "Hordiienko"})
    listed = client.get("/incidents/")

    assert (searched.context["page"].paginator.count, searched.context["page"].paginator.capped) == (4, True)
    assert "More than 3 incidents" in searched.content.decode()
    assert len(_refs(searched)) == 4
    # Without a text, the list counts up to the general cap.
    assert (listed.context["page"].paginator.count, listed.context["page"].paginator.capped) == (5, True)
    assert "More than 4 incidents" in listed.content.decode()


def test_a_text_search_lists_its_matches_newest_first_under_the_other_filters_page_by_page(client, coordinator, documenter, monkeypatch):
    from svidok.incidents import views
    from svidok.incidents.models import Incident

    made = []
    for n in range(9):
        incident = factories.incident(documenter, title=f"Teacher Hordiienko dismissed {n}",
                                      date=dt.date(2014, 3, 16) + dt.timedelta(days=200 * (n % 5)))
        if n % 3:
            submit_incident(actor=documenter, incident=incident)
        made.append(incident)
    factories.incident(documenter, title="Nurse threatened")
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "TEXT_COUNT_CAP", 4)
    login(client, coordinator)
    expected = list(Incident.objects.filter(pk__in=[i.pk for i in made], status="submitted")
                    .order_by("-date_start", "-id").values_list("reference", flat=True))

    pages = [client.get("/incidents/", {"q": "hordiienko", "status": "submitted", "page": n}) for n in (1, 2, 3)]

    assert len(expected) == 6
    # The count stops at 5 ("more than 4"): the third page holds the fifth, as any capped count pages.
    assert [_refs(page) for page in pages] == [expected[0:2], expected[2:4], expected[4:5]]
    assert {(p.context["page"].paginator.count, p.context["page"].paginator.capped) for p in pages} == {(5, True)}
    # Sorted another way, the same matches, sorted by the database.
    by_title = client.get("/incidents/", {"q": "hordiienko", "status": "submitted", "sort": "title"})
    assert _refs(by_title) == list(Incident.objects.filter(pk__in=[i.pk for i in made], status="submitted")
                                   .order_by("title", "id").values_list("reference", flat=True))[:5]
