"""The name each reader sees (svidok.people.display over names.display_name) on the person list, the
person page and the proposal pages, and the list of every name variant on the person page."""

import pytest
from django.utils import translation

from svidok.people import display
from svidok.people.models import NameVariant
from svidok.sanctions import services as proposals
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db

PRIMARY = "Михаил Григорьевич МАЛЫШЕВ"
ENGLISH = "Mikhail Grigorievich MALYSHEV"
UKRAINIAN = "Михайло Григорович МАЛИШЕВ"
NAMES = [
    {"name": ENGLISH, "lang": "en", "kind": "transliteration", "origin": "EU Regulation 2018/705"},
    {"name": UKRAINIAN, "lang": "uk", "kind": "official", "origin": "CEC decision"},
]



@pytest.fixture
def chair(coordinator):
    return factories.person(coordinator, name=PRIMARY, names=NAMES)


def get(client, url, lang):
    try:
        return client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
    finally:
        translation.activate("en")  # the locale middleware leaves the request's language active in this thread


def test_shown_name_per_language(chair):
    assert {lang: display.shown_name(chair, lang) for lang in ("uk", "en", "ru", "crh")} == {
        "uk": UKRAINIAN, "en": ENGLISH, "ru": PRIMARY, "crh": ENGLISH}
    assert chair.display_name == PRIMARY  # the stored display name stays the primary name


def test_shown_name_follows_the_active_language(chair):
    with translation.override("uk"):
        assert display.shown_name(chair) == UKRAINIAN
    assert display.shown_name(chair) == ENGLISH


def test_shown_name_without_a_latin_variant_is_romanized(coordinator):
    person = factories.person(coordinator, name="Інна Миколаївна ГУЗЄЄВА")

    assert (display.shown_name(person, "en"), display.shown_name(person, "uk")) == (
        "Inna Mykolaivna HUZIEIEVA", "Інна Миколаївна ГУЗЄЄВА")


def test_shown_name_of_a_protected_person_is_the_pseudonym(coordinator):
    victim = factories.person(coordinator, name="Rustem Aliev", protected=True)

    assert [display.shown_name(victim, lang) for lang in ("uk", "en")] == [victim.pseudonym, victim.pseudonym]


def test_person_list_shows_each_reader_their_variant(client, viewer, chair):
    login(client, viewer)

    english = get(client, "/people/persons/", "en").content.decode()
    ukrainian = get(client, "/people/persons/", "uk").content.decode()

    link = f'<a href="/people/persons/{chair.uuid}/">%s</a>'
    assert link % ENGLISH in english
    assert link % UKRAINIAN in ukrainian
    assert link % PRIMARY not in english


def test_person_list_queries_do_not_grow_with_persons(client, viewer, coordinator, chair, django_assert_num_queries):
    login(client, viewer)
    client.get("/people/persons/")  # the session and the user are read once more on a first request
    # Session, user, the unread notifications of the nav, the count, the page, its names.
    with django_assert_num_queries(6):
        first = client.get("/people/persons/")
    for number in range(6):
        factories.person(coordinator, name=f"Петро Іванович Петренко{'к' * number}",
                         names=[{"name": f"Petro Petrenko{'k' * number}", "lang": "en", "kind": "transliteration"}])

    with django_assert_num_queries(6):
        second = client.get("/people/persons/")

    assert len(first.context["page"]) == 1
    assert len(second.context["page"]) == 7


def test_person_page_heading_in_the_readers_language(client, viewer, chair):
    login(client, viewer)

    body = get(client, f"/people/persons/{chair.uuid}/", "uk").content.decode()

    assert f"<h1>{UKRAINIAN}</h1>" in body
    assert f"<title>{UKRAINIAN} · " in body


def test_person_page_lists_every_variant_with_language_script_kind_and_origin(client, viewer, coordinator):
    # A Latin "I" inside a Cyrillic word: repaired for matching and display, kept as entered.
    person = factories.person(coordinator, name="Iнна Миколаївна ГУЗЄЄВА",
                              names=[{"name": "Inna Mykolayivna HUZIEIEVA", "lang": "en", "kind": "transliteration",
                                      "origin": "EU Regulation 2018/705"}])
    login(client, viewer)

    response = client.get(f"/people/persons/{person.uuid}/")

    body = response.content.decode()
    rows = [r.split("</tr>")[0] for r in body.split('<table class="records names">')[1].split("</tbody>")[0].split("<tr>")[2:]]
    assert [" ".join(r.split()) for r in rows] == [
        '<td data-label="Name"><div class="cell">Інна Миколаївна ГУЗЄЄВА <span class="badge">primary</span> '
        '<small class="raw">as entered: Iнна Миколаївна ГУЗЄЄВА</small></div></td> <td data-label="Language">—</td> '
        '<td data-label="Script">Cyrillic</td> <td data-label="Kind">official</td> <td data-label="Origin">—</td>',
        '<td data-label="Name"><div class="cell">Inna Mykolayivna HUZIEIEVA</div></td> <td data-label="Language">English</td> '
        '<td data-label="Script">Latin</td> <td data-label="Kind">transliteration</td> '
        '<td data-label="Origin">EU Regulation 2018/705</td>',
    ]
    assert NameVariant.objects.get(person=person, primary=True).raw == "Iнна Миколаївна ГУЗЄЄВА"


def test_person_page_in_ukrainian_names_languages_in_ukrainian(client, viewer, chair):
    login(client, viewer)

    body = get(client, f"/people/persons/{chair.uuid}/", "uk").content.decode()

    assert '<td data-label="Мова">Англійська</td>' in body
    assert '<td data-label="Письмо">латиниця</td>' in body


def test_proposal_pages_show_the_member_in_the_readers_language(client, viewer, coordinator, chair):
    proposal = proposals.create_proposal(actor=coordinator, title="Organizers")
    member = proposals.add_member(actor=coordinator, proposal=proposal, person=chair)
    login(client, viewer)

    detail = get(client, f"/people/proposals/{proposal.uuid}/", "uk").content.decode()
    member_page = get(client, f"/people/proposals/{proposal.uuid}/members/{member.uuid}/", "en").content.decode()

    assert f'<a href="/people/proposals/{proposal.uuid}/members/{member.uuid}/">{UKRAINIAN}</a>' in detail
    assert f"<h1>{ENGLISH}</h1>" in member_page


def test_proposal_page_queries_do_not_grow_with_members(client, viewer, coordinator, chair, django_assert_num_queries):
    proposal = proposals.create_proposal(actor=coordinator, title="Organizers")
    proposals.add_member(actor=coordinator, proposal=proposal, person=chair)
    login(client, viewer)
    client.get(f"/people/proposals/{proposal.uuid}/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(f"/people/proposals/{proposal.uuid}/")
    for number in range(3):
        person = factories.person(coordinator, name=f"Петро Петренко{'к' * number}",
                                  names=[{"name": f"Petro Petrenko{'k' * number}", "lang": "en", "kind": "transliteration"}])
        proposals.add_member(actor=coordinator, proposal=proposal, person=person)

    with django_assert_num_queries(len(one)):
        response = client.get(f"/people/proposals/{proposal.uuid}/")

    assert len(response.context["members"]) == 4
