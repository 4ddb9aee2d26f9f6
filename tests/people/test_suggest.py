"""Likely existing persons wherever a person is entered (svidok.people.suggest): the new-person form,
the involvement rows of the incident form, and the htmx box under a name field."""

import datetime as dt

import pytest

from svidok.incidents.models import Incident
from svidok.people import suggest
from svidok.people.merging import judge_pair
from svidok.people.models import Person
from tests import factories
from tests.helpers import login
from tests.incidents.test_views_form import incident_data, row

pytestmark = pytest.mark.django_db

CHAIR = "Mikhail Grigorievich MALYSHEV"



@pytest.fixture
def chair(coordinator):
    return factories.person(coordinator, name=CHAIR, names=[{"name": "Михаил Григорьевич МАЛЫШЕВ", "lang": "ru"}],
                            identity={"birth_date": dt.date(1961, 5, 17), "contacts": "+380 00 000 0000"})


@pytest.fixture
def victim(coordinator):
    return factories.person(coordinator, name="Rustem Aliev", protected=True, identity={"birth_date": dt.date(1980, 2, 2)})


# --- candidates ------------------------------------------------------------------------------------------


def test_candidates_find_a_latin_record_from_an_inflected_cyrillic_name(chair):
    found = suggest.candidates("Михаила Малышева")

    assert [(c.person, c.score, c.matched_name, c.unpaired) for c in found] == [(chair, 1.0, CHAIR, [])]
    assert found[0].pairs == [("mikhail", "mikhail", 1.0), ("malyshev", "malyshev", 1.0)]


def test_candidates_never_include_a_protected_person(victim):
    assert suggest.candidates("Rustem Aliev") == []
    assert suggest.candidates("Рустем Алиев") == []


def test_candidates_below_the_threshold_are_not_shown(chair):
    # A surname alone is capped below the threshold; another given name is another person.
    assert suggest.candidates("Malyshev") == []
    assert suggest.candidates("Sergey Malyshev") == []


def test_candidates_of_unusable_names_are_empty(chair):
    assert suggest.candidates("") == []
    assert suggest.candidates("M. M.") == []
    assert suggest.candidates("Mi") == []


def test_candidates_show_a_linked_record_as_its_canonical_person(coordinator, chair):
    duplicate = factories.person(coordinator, name="Mykhailo MALYSHEV")
    judge_pair(actor=coordinator, a=chair, b=duplicate, verdict="same", canonical_record=chair)

    found = suggest.candidates("Mykhailo Malyshev")

    assert [(c.person, c.via, c.matched_name) for c in found] == [(chair, duplicate, "Mykhailo MALYSHEV")]


def test_candidates_use_a_birth_date_when_given(chair):
    agrees = suggest.candidates("Mikhail Malyshev", birth_date="1961-05-17")
    other_year = suggest.candidates("Mikhail Malyshev", birth_date="1975-01-01")

    assert [(c.person, c.score, c.birth_date) for c in agrees] == [(chair, 1.0, "agrees")]
    assert other_year == []  # a birth date of another year takes the score below the threshold


# --- the new-person form (no JavaScript) ----------------------------------------------------------------


def test_new_person_matching_an_existing_one_comes_back_with_candidates(client, documenter, chair):
    login(client, documenter)

    response = client.post("/people/persons/new/", {"name": "Михаил Малышев"})

    body = response.content.decode()
    form = response.context["form"]
    assert response.status_code == 400
    assert Person.objects.count() == 1
    assert [c.person for c in form.suggest_box.candidates] == [chair]
    assert f'<a class="button" href="/people/persons/{chair.uuid}/">Use this person</a>' in body
    assert '<input type="hidden" name="checked_name" value="Михаил Малышев">' in body
    assert '<input type="checkbox" name="confirm_new" value="1"> None of these: create a new person anyway' in body
    assert form.errors["name"] == ["Persons already recorded may be the one you mean (below). Open the one it is, "
                                   "or tick “create a new person anyway” and save again."]


def test_new_person_confirmed_as_new_is_recorded(client, documenter, chair):
    login(client, documenter)

    response = client.post("/people/persons/new/", {"name": "Михаил Малышев", "confirm_new": "1",
                                                     "checked_name": "Михаил Малышев"})

    created = Person.objects.exclude(pk=chair.pk).get()
    assert (response.status_code, response["Location"]) == (302, f"/people/persons/{created.uuid}/")
    assert created.display_name == "Михаил Малышев"


def test_new_person_confirmation_for_another_name_does_not_count(client, documenter, chair):
    login(client, documenter)

    response = client.post("/people/persons/new/", {"name": "Mikhail Malyshev", "confirm_new": "1",
                                                     "checked_name": "Михаил Малышев"})

    assert response.status_code == 400
    assert Person.objects.count() == 1
    assert [c.person for c in response.context["form"].suggest_box.candidates] == [chair]


def test_new_person_without_a_match_is_recorded_at_once(client, documenter, chair):
    login(client, documenter)

    response = client.post("/people/persons/new/", {"name": "Emil Kurbedinov"})

    assert response.status_code == 302
    assert sorted(Person.objects.values_list("display_name", flat=True)) == ["Emil Kurbedinov", CHAIR]


def test_new_person_form_shows_the_birth_date_comparison_to_a_coordinator(client, coordinator, chair):
    login(client, coordinator)

    response = client.post("/people/persons/new/", {"name": "Mikhail Malyshev", "birth_date": "1961-05-17"})

    assert [(c.person, c.birth_date) for c in response.context["form"].suggest_box.candidates] == [(chair, "agrees")]
    assert "birth date: agrees" in response.content.decode()


def test_edit_person_form_does_not_suggest(client, coordinator, chair):
    other = factories.person(coordinator, name="Emil Kurbedinov")
    login(client, coordinator)

    response = client.post(f"/people/persons/{other.uuid}/edit/", {"name": "Emil Kurbedinov", "description": "lawyer"})

    assert response.status_code == 302
    assert 'hx-post="/people/persons/suggest/"' not in client.get(f"/people/persons/{other.uuid}/edit/").content.decode()


# --- the box while typing (htmx) --------------------------------------------------------------------------


def test_suggest_fragment_lists_candidates_without_identity_fields(client, documenter, chair, victim):
    login(client, documenter)

    response = client.post("/people/persons/suggest/", {"name": "Михаил Малышев", "prefix": ""}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert [c.person for c in response.context["box"].candidates] == [chair]
    assert f'<a href="/people/persons/{chair.uuid}/">{CHAIR}</a>' in body
    assert "score 1.00" in body
    assert "Михаил Григорьевич МАЛЫШЕВ" in body  # the public name variants
    for identity in ("1961", "+380", "birth date", "Rustem", victim.pseudonym):
        assert identity not in body
    assert "<html" not in body


def test_suggest_fragment_for_a_protected_persons_name_is_empty(client, documenter, victim):
    login(client, documenter)

    response = client.post("/people/persons/suggest/", {"name": "Rustem Aliev", "prefix": ""})

    assert (response.status_code, response.content.decode().strip()) == (200, "")


def test_suggest_fragment_for_an_organization_row_is_empty(client, documenter, chair):
    login(client, documenter)

    response = client.post("/people/persons/suggest/", {"inv-1-name": "Mikhail Malyshev", "inv-1-party_kind": "organization",
                                                        "prefix": "inv-1", "pick": "/incidents/persons/pick/"})

    assert (response.status_code, response.content.decode().strip()) == (200, "")


def test_suggest_fragment_in_a_row_offers_use_this_person(client, documenter, chair):
    login(client, documenter)

    response = client.post("/people/persons/suggest/", {"inv-1-name": "Mikhail Malyshev", "inv-1-party_kind": "person",
                                                        "prefix": "inv-1", "pick": "/incidents/persons/pick/"})

    body = response.content.decode()
    assert f'<button type="submit" name="inv-1-use" value="{chair.uuid}" formnovalidate' in body
    assert 'hx-get="/incidents/persons/pick/" hx-target="closest .suggestions"' in body
    assert '<input type="hidden" name="inv-1-checked_name" value="Mikhail Malyshev">' in body


def test_suggest_fragment_refuses_get_strangers_and_bad_prefixes(client, documenter):
    assert client.post("/people/persons/suggest/", {"name": "Mikhail Malyshev"}).status_code == 302  # sign in first
    login(client, documenter)
    assert client.get("/people/persons/suggest/", {"name": "Mikhail Malyshev"}).status_code == 405
    assert client.post("/people/persons/suggest/", {"prefix": '"><b>x', "name": "x"}).status_code == 400


def test_name_fields_post_the_name_not_get_it(client, documenter):
    # The name being typed never goes into a URL (access logs): the box is filled by a POST.
    login(client, documenter)

    body = client.get("/incidents/new/").content.decode()

    assert ('hx-post="/people/persons/suggest/" hx-trigger="keyup changed delay:400ms" hx-target="#id_inv-0-name_suggestions" '
            'hx-swap="innerHTML" hx-params="csrfmiddlewaretoken,prefix,pick,inv-0-name,inv-0-party_kind"') in body
    assert '<div class="suggestions" id="id_inv-0-name_suggestions" aria-live="polite">' in body


def test_pick_fills_the_row_out_of_band(client, documenter, chair):
    login(client, documenter)

    response = client.get("/incidents/persons/pick/", {"prefix": "inv-2", "inv-2-use": str(chair.uuid)})

    body = response.content.decode()
    assert response.status_code == 200
    assert f'<input type="text" name="inv-2-existing" value="{CHAIR}" maxlength="300" hx-swap-oob="true"' in body
    assert f'<input type="hidden" name="inv-2-picked" value="{chair.uuid}" hx-swap-oob="true" id="id_inv-2-picked">' in body
    assert '<input type="text" name="inv-2-name" maxlength="300" hx-post="/people/persons/suggest/"' in body
    assert f"Existing person picked: {CHAIR}. Save to record the involvement." in body


def test_pick_of_an_unknown_person_or_without_a_row_is_refused(client, documenter):
    login(client, documenter)

    assert client.get("/incidents/persons/pick/", {"prefix": "inv-0", "inv-0-use": "not-a-uuid"}).status_code == 404
    assert client.get("/incidents/persons/pick/", {"prefix": "", "use": "x"}).status_code == 400


# --- the incident form's involvement rows ----------------------------------------------------------------


def test_incident_row_naming_an_existing_person_comes_back_with_candidates(client, documenter, chair):
    login(client, documenter)

    response = client.post("/incidents/new/", incident_data(**row("inv", 0, name="Михаила Малышева", role="perpetrator")))

    body = response.content.decode()
    first = response.context["involvement_rows"].forms[0]
    assert response.status_code == 400
    assert (Incident.objects.count(), Person.objects.count()) == (0, 1)
    assert [c.person for c in first.suggest_box.candidates] == [chair]
    assert first.errors["name"] == ["Persons already recorded may be the one you mean (below): use one of them, or tick "
                                    "“create a new person anyway” and save again."]
    assert f'name="inv-0-use" value="{chair.uuid}"' in body


def test_incident_row_use_this_person_links_the_existing_person(client, documenter, chair):
    login(client, documenter)
    data = incident_data(**row("inv", 0, name="Михаила Малышева", role="perpetrator"))

    response = client.post("/incidents/new/", data | {"inv-0-use": str(chair.uuid)})

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert incident.involvements.get().person == chair
    assert Person.objects.count() == 1


def test_incident_row_confirmed_new_person_is_recorded(client, documenter, chair):
    login(client, documenter)
    data = incident_data(**row("inv", 0, name="Михаила Малышева", role="perpetrator", confirm_new="1",
                               checked_name="Михаила Малышева"))

    response = client.post("/incidents/new/", data)

    person = Incident.objects.get().involvements.get().person
    assert response.status_code == 302
    assert person != chair
    assert Person.objects.count() == 2


def test_incident_row_after_use_and_another_error_keeps_the_pick(client, documenter, chair):
    login(client, documenter)
    data = incident_data(**row("inv", 0, name="Михаила Малышева", role="perpetrator")) | {"title": ""}

    response = client.post("/incidents/new/", data | {"inv-0-use": str(chair.uuid)})

    body = response.content.decode()
    assert response.status_code == 400
    assert Incident.objects.count() == 0
    assert f'name="inv-0-existing" value="{CHAIR}"' in body
    assert f'name="inv-0-picked" value="{chair.uuid}"' in body
    assert response.context["involvement_rows"].forms[0].errors == {}


def test_incident_row_for_an_organization_is_not_matched_against_persons(client, documenter, chair):
    login(client, documenter)
    data = incident_data(**row("inv", 0, name="Mikhail Malyshev", party_kind="organization", role="perpetrator",
                               perpetrator_type="school"))

    response = client.post("/incidents/new/", data)

    assert response.status_code == 302
    assert Incident.objects.get().involvements.get().organization.name == "Mikhail Malyshev"


def test_incident_row_picked_person_wins_over_a_namesake(client, documenter, chair):
    namesake = factories.person(documenter, CHAIR)
    login(client, documenter)
    data = incident_data(**row("inv", 0, existing=CHAIR, picked=str(chair.uuid), role="perpetrator"))

    response = client.post("/incidents/new/", data)

    assert response.status_code == 302
    assert Incident.objects.get().involvements.get().person == chair
    assert namesake != chair


def test_suggest_fragment_queries_do_not_grow_with_the_candidates(client, documenter, coordinator, chair):
    """The name box is asked at every pause in typing: its queries are a fixed number, not one more
    per candidate shown (their names, their canonical record)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, documenter)
    form = {"name": "Михаил Малышев", "prefix": ""}
    client.post("/people/persons/suggest/", form, HTTP_HX_REQUEST="true")  # the index built, the session read once
    with CaptureQueriesContext(connection) as one:
        first = client.post("/people/persons/suggest/", form, HTTP_HX_REQUEST="true")
    for patronymic in ("Петрович", "Иванович", "Сергеевич", "Андреевич"):
        factories.person(coordinator, name=f"Михаил {patronymic} Малышев", names=[{"name": f"Mikhail Malyshev {patronymic}", "lang": "en"}])
    client.post("/people/persons/suggest/", form, HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connection) as five:
        many = client.post("/people/persons/suggest/", form, HTTP_HX_REQUEST="true")

    assert (len(first.context["box"].candidates), len(many.context["box"].candidates)) == (1, 5)
    assert len(five) == len(one), [q["sql"][:120] for q in five.captured_queries]
