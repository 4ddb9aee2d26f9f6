"""The duplicate review pages (svidok.people.duplicate_views) and what the person pages show of links."""

import datetime as dt
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from svidok.incidents.services import add_involvement
from svidok.people import duplicates
from svidok.people.merging import judge_pair
from svidok.people.models import DuplicateCandidate, PairJudgement, Person
from svidok.people.services import record_occupancy, record_position
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db



@pytest.fixture
def pair(coordinator):
    """Two records of one person, proposed by a finder run; a third person nobody confuses with them."""
    a = factories.person(coordinator, "Inna Guzeeva", identity={"birth_date": dt.date(1971, 4, 2)},
                         names=[{"name": "ГУЗЕЕВА Инна", "lang": "ru", "kind": "press"}])
    b = factories.person(coordinator, "Інна Миколаївна Гузєєва", names=[{"name": "Iнна Гузєєва", "lang": "uk"}])
    factories.person(coordinator, "Mykola Petrenko")
    commission = factories.organization(coordinator)
    post = record_position(actor=coordinator, organization=commission, title="Secretary", kind="secretary")
    record_occupancy(actor=coordinator, person=b, position=post, start_date=dt.date(2014, 3, 1))
    incident = factories.incident(coordinator)
    add_involvement(actor=coordinator, incident=incident, role=factories.term("involvement_role", "perpetrator"), person=a)
    duplicates.run_finder(actor=coordinator)
    return a, b


def pair_url(a, b):
    return f"/people/duplicates/{a.uuid}/{b.uuid}/"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def assert_csp_clean(response):
    html = response.content.decode()
    assert ' style="' not in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []


# --- the list --------------------------------------------------------------------------------------------

def test_duplicate_list_shows_the_pair_side_by_side_for_a_coordinator(client, coordinator, pair):
    a, b = pair
    login(client, coordinator)

    response = client.get("/people/duplicates/")

    assert response.status_code == 200
    page = text(response)
    assert "1 pair waits for a verdict." in page
    assert f'href="{pair_url(a, b)}">Inna Guzeeva ⇄ Інна Миколаївна Гузєєва</a>' in response.content.decode()
    assert "ГУЗЕЕВА Инна Russian · Cyrillic · as in the press" in page
    assert ["Cyrl" in page, "svidok-names" in page] == [False, False]  # codes of scripts and of the matcher stay inside
    assert "as entered: Iнна Гузєєва" in page  # the raw spelling with a Latin I, repaired in the name
    assert "Birth date 1971-04-02" in page
    assert "Secretary, Election Commission of the Republic of Crimea" in page
    assert "Incidents 1" in page
    assert_csp_clean(response)


@pytest.mark.parametrize("role", ["documenter", "analyst", "viewer"])
def test_duplicate_pages_are_forbidden_to_other_roles(client, pair, role, request):
    a, b = pair
    login(client, request.getfixturevalue(role))

    responses = [client.get("/people/duplicates/"), client.get(pair_url(a, b)),
                 client.post(pair_url(a, b), {"verdict": "same"}), client.post("/people/duplicates/run/", {"threshold": "0.8"})]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert (PairJudgement.objects.count(), DuplicateCandidate.objects.count()) == (0, 1)


def test_duplicate_list_asks_a_stranger_to_sign_in(client, pair):
    response = client.get("/people/duplicates/")

    assert (response.status_code, response.url) == (302, "/accounts/login/?next=/people/duplicates/")


def test_duplicate_list_query_count_does_not_grow_with_pairs(client, coordinator, pair):
    login(client, coordinator)
    with CaptureQueriesContext(connection) as few:
        client.get("/people/duplicates/")
    for n, (given, surname) in enumerate([("Mykola", "Ivanenko"), ("Olena", "Kovalenko"), ("Petro", "Shevchuk")]):
        factories.person(coordinator, f"{given} {surname}")
        other = factories.person(coordinator, f"{given} {surname}", names=[{"name": f"{surname} {given}"}])
        record_occupancy(actor=coordinator, person=other, position=record_position(
            actor=coordinator, organization=factories.organization(coordinator, name=f"Commission {n}"), title="Member"))
    duplicates.run_finder(actor=coordinator)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/people/duplicates/")

    assert len(response.context["items"]) == 4
    assert len(many) == len(few)


# --- a verdict ----------------------------------------------------------------------------------------

def test_same_from_the_list_links_the_records_and_the_proposal_goes(client, coordinator, pair):
    a, b = pair
    login(client, coordinator)

    response = client.post(pair_url(a, b), {"verdict": "same", "note": "same commission post", "next": "list"}, follow=True)

    b.refresh_from_db()
    judgement = PairJudgement.objects.get()
    assert response.redirect_chain == [("/people/duplicates/", 302)]
    assert "Linked: Інна Миколаївна Гузєєва is now shown as Inna Guzeeva." in text(response)
    assert "No pair waits for a verdict." in text(response)
    assert (b.merged_into_id, judgement.verdict, judgement.note, judgement.matcher, judgement.threshold) == (
        a.pk, "same", "same commission post", "svidok-names", 0.8)
    assert DuplicateCandidate.objects.count() == 0


def test_different_from_the_pair_page_is_recorded_and_shown_there(client, coordinator, pair):
    a, b = pair
    login(client, coordinator)

    response = client.post(pair_url(a, b), {"verdict": "different"}, follow=True)

    assert response.redirect_chain == [(pair_url(a, b), 302)]
    page = text(response)
    assert "Recorded as different persons: the pair will not be proposed again." in page
    assert "This pair is not proposed at the moment." in page
    assert "different persons" in page and "Undo" in page
    assert PairJudgement.objects.get().verdict == "different"


def test_an_unknown_verdict_is_a_400_and_changes_nothing(client, coordinator, pair):
    a, b = pair
    login(client, coordinator)

    response = client.post(pair_url(a, b), {"verdict": "maybe"})

    assert response.status_code == 400
    assert "Select a valid choice. maybe is not one of the available choices." in text(response)
    assert (PairJudgement.objects.count(), DuplicateCandidate.objects.count()) == (0, 1)


def test_a_verdict_on_a_pair_no_longer_proposed_says_so_and_changes_nothing(client, coordinator, pair):
    a, b = pair
    DuplicateCandidate.objects.all().delete()
    login(client, coordinator)

    response = client.post(pair_url(a, b), {"verdict": "same"})

    assert response.status_code == 400
    assert "This pair is not proposed any more" in text(response)
    assert (PairJudgement.objects.count(), Person.objects.filter(merged_into__isnull=False).count()) == (0, 0)


def test_pair_page_of_an_unknown_person_is_a_404(client, coordinator, pair):
    a, _b = pair
    login(client, coordinator)

    assert client.get(f"/people/duplicates/{a.uuid}/{uuid.uuid4()}/").status_code == 404
    assert client.get(pair_url(a, a)).status_code == 404


def test_pair_page_works_in_either_order(client, coordinator, pair):
    a, b = pair
    login(client, coordinator)

    response = client.get(pair_url(b, a))

    assert response.status_code == 200
    assert "Score " in text(response)
    assert_csp_clean(response)


# --- undo ------------------------------------------------------------------------------------------------

def test_undo_removes_the_link_and_keeps_the_verdict(client, coordinator, pair):
    a, b = pair
    login(client, coordinator)
    client.post(pair_url(a, b), {"verdict": "same"})
    judgement = PairJudgement.objects.get()

    response = client.post(f"/people/duplicates/verdicts/{judgement.uuid}/undo/", {"note": "namesakes", "next": "list"},
                           follow=True)

    b.refresh_from_db()
    judgement.refresh_from_db()
    assert response.redirect_chain == [("/people/duplicates/", 302)]
    assert "Verdict undone." in text(response)
    assert (b.merged_into_id, judgement.undone_by, judgement.note) == (None, coordinator, "namesakes")


def test_undo_twice_says_it_was_undone_already(client, coordinator, pair):
    a, b = pair
    login(client, coordinator)
    client.post(pair_url(a, b), {"verdict": "unsure"})
    judgement = PairJudgement.objects.get()
    client.post(f"/people/duplicates/verdicts/{judgement.uuid}/undo/")

    response = client.post(f"/people/duplicates/verdicts/{judgement.uuid}/undo/", follow=True)

    assert "This verdict was already undone." in text(response)


def test_undo_of_an_unknown_verdict_is_a_404(client, coordinator):
    login(client, coordinator)

    assert client.post(f"/people/duplicates/verdicts/{uuid.uuid4()}/undo/").status_code == 404


# --- a finder run from the page -----------------------------------------------------------------------------

def test_run_from_the_page_replaces_the_proposals(client, coordinator, pair):
    DuplicateCandidate.objects.all().delete()
    login(client, coordinator)

    response = client.post("/people/duplicates/run/", {"threshold": "0.85"}, follow=True)

    assert "The finder proposed 1 pair(s) at threshold 0.85." in text(response)
    assert "Last run" in text(response)
    assert DuplicateCandidate.objects.get().threshold == 0.85


def test_run_with_a_bad_threshold_names_the_field_and_changes_nothing(client, coordinator, pair):
    login(client, coordinator)

    response = client.post("/people/duplicates/run/", {"threshold": "7"}, follow=True)

    assert "Threshold: Ensure this value is less than or equal to 1.0." in text(response)
    assert DuplicateCandidate.objects.get().threshold == 0.8


# --- the person pages ------------------------------------------------------------------------------------------

def test_person_list_shows_canonical_persons_only(client, coordinator, viewer, pair):
    a, b = pair
    judge_pair(actor=coordinator, a=a, b=b, verdict="same")
    login(client, viewer)

    response = client.get("/people/persons/")
    found = client.get("/people/persons/", {"q": "Гузєєва"})

    assert [p.pk for p in response.context["page"]] == [a.pk, Person.objects.get(display_name="Mykola Petrenko").pk]
    assert [p.pk for p in found.context["page"]] == [a.pk]  # found through the linked record's name


def test_canonical_person_page_lists_linked_records_with_their_verdict(client, coordinator, pair):
    a, b = pair
    login(client, coordinator)
    client.post(pair_url(a, b), {"verdict": "same"})

    response = client.get(f"/people/persons/{a.uuid}/")

    html = response.content.decode()
    assert "Also recorded as" in html
    assert f'href="/people/persons/{b.uuid}/">Інна Миколаївна Гузєєва</a>' in html
    assert f'href="{pair_url(a, b)}">verdict of ' in html
    assert_csp_clean(response)


def test_linked_record_page_says_which_record_it_is_linked_to(client, coordinator, viewer, pair):
    a, b = pair
    judge_pair(actor=coordinator, a=a, b=b, verdict="same")
    login(client, viewer)

    response = client.get(f"/people/persons/{b.uuid}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "This record is linked to Inna Guzeeva as the same person" in html
    assert f'href="/people/persons/{a.uuid}/">Inna Guzeeva</a>' in html
    assert "/people/duplicates/" not in html  # the verdict's page is for leads


def test_person_list_links_to_the_review_for_leads_only(client, coordinator, documenter):
    login(client, coordinator)
    lead = client.get("/people/persons/").content.decode()
    login(client, documenter)
    other = client.get("/people/persons/").content.decode()

    assert ('href="/people/duplicates/">Possible duplicates</a>' in lead, "/people/duplicates/" in other) == (True, False)
