"""The wording crawl: every web page of the project (every URL pattern outside the API and Django's
admin, filled with the records of the authorization walk's world: an incident of each sensitivity,
persons, an organization, a proposal with a member, a source, places, elections, news, forensics,
a case, an intervention, evidence), as every role, in English and in Ukrainian, fails on what a
person should never have to read (docs/wording.md):

- a UUID in the visible text (hrefs and other attributes may hold them: addresses use public ids);
- a raw field or status code: a snake_case word (``date_start``, ``in_review``,
  ``coerced_participation``) or a bare status value of a record (``draft``, ``in_review``) shown
  where its label belongs.

Visible text is the HTML without tags, attributes, ``<script>``, ``<style>`` and ``<template>``.
Django's admin is left out (the administrators' tool, Django's own wording, see docs/wording.md);
the API answers JSON for programs.
"""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest

from svidok.accounts.models import Role
from svidok.incidents.models import Incident
from svidok.incidents.services import reject_incident, submit_incident
from svidok.sanctions import services as sanctions_services
from tests import factories
from tests.accounts.test_walk import _body, addresses, world  # noqa: F401 (the shared world fixture)

LANGUAGES = ["en", "uk", "ru", "crh"]
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
# Two or more lowercase latin words joined by underscores: the shape of a field, choice or term code.
SNAKE = re.compile(r"(?<![\w/.@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.@-])")
# Things that look like codes but are data or the reader's own input, each with its reason.
ALLOWED_SNAKE = {
    # A command the duplicates page tells coordinators to run on a large registry: typed, not read.
    "find_duplicates",
}
# The first characters of an API token ("sv_" and random URL-safe letters), shown on the account page
# so its owner can tell their tokens apart: data, and random, so it looks like a code only by chance.
TOKEN_PREFIX = re.compile(r"(?<![\w-])sv_[A-Za-z0-9_-]{1,5}")
SKIP_PREFIXES = ("api/", "admin/", "i18n/", "static/", "media/")


@pytest.fixture(scope="module")
def wording_world(world, django_db_blocker):  # noqa: F811
    """The walk's world, with a history that names statuses and members: the proposal sent for
    review and its member's listing recorded (rolled back with the world)."""
    lead = world["users"][Role.COORDINATOR]
    with django_db_blocker.unblock():
        sanctions_services.record_listing(actor=lead, member=world["member"], jurisdiction="eu", status="submitted",
                                          date=dt.date(2025, 1, 10))
        sanctions_services.send_for_review(actor=lead, proposal=world["proposal"])
        documenter = world["users"][Role.DOCUMENTER]
        rejected = factories.incident(documenter, title="Wording rejected incident", sensitivity="public",
                                      place=world["place"])
        submit_incident(actor=documenter, incident=rejected)
        reject_incident(actor=lead, incident=rejected, reason="Needs a second source")
    # Pages beyond the URL patterns' one address each: a rejected incident, the list per status.
    extra = [f"/incidents/{rejected.reference}/", *(f"/incidents/?status={s}" for s in Incident.Status.values),
             "/people/proposals/?status=in_review", f"/people/proposals/{world['proposal'].uuid}/export/html/"]
    return world | {"extra": extra}


class VisibleText(HTMLParser):
    """The text a reader sees: data outside script/style/template elements."""

    HIDDEN = {"script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def status_codes() -> set[str]:
    """Status values of the records (``in_review``, ``signed_off``...) whose labels differ from them:
    shown bare, they are codes."""
    from django.apps import apps

    codes = set()
    for model in apps.get_models():
        if not model.__module__.startswith("svidok."):
            continue
        for field in model._meta.get_fields():
            if getattr(field, "name", "") == "status" and getattr(field, "choices", None):
                codes.update(str(value) for value, _label in field.choices if "_" in str(value))
    return codes


def violations(text: str) -> list[str]:
    text = TOKEN_PREFIX.sub("", text)
    found = [f"UUID {m.group(0)}" for m in UUID.finditer(text)]
    found += [f"code {m.group(0)}" for m in SNAKE.finditer(text) if m.group(0) not in ALLOWED_SNAKE]
    return found


def test_visible_text_drops_tags_attributes_and_scripts():
    html = ('<p title="date_start">Seen <a href="/x/0b1e4a52-0000-4000-8000-000000000000/">link</a></p>'
            '<script>var date_end = 1;</script><style>.a_b{}</style>')
    assert visible_text(html) == "Seen link"


def test_a_token_prefix_is_data_not_a_code():
    assert violations("Token sv_4h437 (created 2026-12-03)") == []
    assert violations("sv_4h437 date_start") == ["code date_start"]


def test_violations_finds_uuid_and_snake_case_codes():
    text = "date_end ends before date_start starts. member: 48f9adf3-1111-4222-8333-444455556666 e-mail a_b@x.org"
    assert violations(text) == ["UUID 48f9adf3-1111-4222-8333-444455556666", "code date_end", "code date_start"]


def test_status_codes_include_proposal_review():
    assert "in_review" in status_codes()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", list(Role.values))
def test_no_code_or_uuid_on_any_page(role, language, wording_world, db):
    world = wording_world  # noqa: F811
    client = world["clients"][role]
    client.cookies["django_language"] = language
    codes = status_codes()
    failures, pages = [], 0
    walk = [(name, url, sensitivity) for route, name, _callback, url, sensitivity in addresses(world)
            if not route.startswith(SKIP_PREFIXES)]
    for name, url, sensitivity in [*walk, *(("extra", url, None) for url in world["extra"])]:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        body = _body(response)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        text = visible_text(body)
        found = violations(text)
        found += [f"status {c}" for c in codes if re.search(rf"(?<![\w-]){c}(?![\w-])", text) and f"code {c}" not in found]
        for problem in found:
            failures.append(f"{role} [{language}] GET {url} ({name}) [{sensitivity or '-'}]: {problem}")
    print(f"\nwording as {role} in {language}: {pages} pages read")
    assert pages >= 10
    assert failures == [], f"{len(failures)} failures:\n" + "\n".join(sorted(set(failures)))


@pytest.mark.parametrize(("language", "heading", "status", "member", "listing"), [
    ("en", "Change history", "Status draft → in review", "Member Petro Walkovenko",
     "Listing — → jurisdiction: European Union; status: submitted; date: 2025-01-10"),
    ("uk", "Історія змін", "чернетка → на перевірці", "Учасник Petro Walkovenko",
     "Санкційний статус — → юрисдикція: Європейський Союз; статус: подано; дата: 2025-01-10"),
    ("ru", "История изменений", "черновик → на проверке", "Участник Petro Walkovenko",
     "Санкционный статус — → юрисдикция: Европейский союз; статус: подано; дата: 2025-01-10"),
    ("crh", "Deñişmeler tarihı", "qaralama → közden keçirile", "Aza Petro Walkovenko",
     "Listege kirsetüv — → yurisdiktsiya: Avropa Birligi; durum: yollanğan; tarih: 2025-01-10"),
])
def test_proposal_history_reads_in_words(wording_world, db, language, heading, status, member, listing):
    client = wording_world["clients"][Role.COORDINATOR]
    client.cookies["django_language"] = language
    response = client.get(f"/people/proposals/{wording_world['proposal'].uuid}/", HTTP_ACCEPT_LANGUAGE=language)
    history = visible_text(_body(response)).split(heading, 1)[1]
    assert status in history
    assert member in history
    assert listing in history


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "The end date (March 1, 2018) is before the start date (March 20, 2018)."),
    ("uk", "Дата завершення (01 березня 2018 р.) раніша за дату початку (20 березня 2018 р.)."),
    ("ru", "Дата окончания (1 марта 2018 г.) раньше даты начала (20 марта 2018 г.)."),
    ("crh", "Soñ tarihi (1 mart 2018) başlanğıç tarihinden (20 mart 2018) evel."),
])
def test_reversed_dates_error_names_no_field_code(client, documenter, language, expected):
    from tests.helpers import login
    from tests.incidents.test_views_form import incident_data

    login(client, documenter)
    client.cookies["django_language"] = language

    response = client.post("/incidents/new/", incident_data(date_end="2018-03-01"), HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 400
    assert response.context["form"].errors["date_end"] == [expected]
    assert violations(visible_text(response.content.decode())) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_incident_form_errors_name_no_code_or_id(client, documenter, language):
    from tests.helpers import login
    from tests.incidents.test_views_form import incident_data, row

    factories.person(documenter, "Ostap Wordingenko")
    factories.person(documenter, "Ostap Wordingenkov")
    login(client, documenter)
    client.cookies["django_language"] = language
    data = incident_data(title="", date_end="2018-03-01", date_precision="range",
                         **row("inv", 0, existing="Ostap Wording", role="victim"),
                         **row("inv", 1, existing="Nobody Nowhere", name="Also new", role="witness"),
                         **row("src", 0, existing="No such source"))

    response = client.post("/incidents/new/", data, HTTP_ACCEPT_LANGUAGE=language)

    text = visible_text(response.content.decode())
    assert response.status_code == 400
    assert violations(text) == []
    assert "Ostap Wordingenko" in text


def test_public_id_in_reads_an_id_or_a_pasted_address():
    from svidok.common.validation import public_id_in

    uuid = "0b1e4a52-1111-4222-8333-444455556666"
    assert [public_id_in(uuid), public_id_in(f"https://svidok.example/people/persons/{uuid}/"),
            public_id_in(f"/people/persons/{uuid}"), public_id_in("Petro Walkovenko"), public_id_in("a/b")] == [
        uuid, uuid, uuid, None, None]


def test_member_named_by_a_pasted_address_among_namesakes(documenter, db):
    from django.core.exceptions import ValidationError

    from svidok.sanctions.forms import resolve_member

    first = factories.person(documenter, "Ostap Namesake")
    factories.person(documenter, "Ostap Namesake")

    with pytest.raises(ValidationError) as several:
        resolve_member("Ostap Namesake")
    assert several.value.messages == ["Several match: Ostap Namesake; Ostap Namesake. Type the full name, or paste "
                                      "the address of the record's page."]
    assert resolve_member(f"https://svidok.example/people/persons/{first.uuid}/") == first
