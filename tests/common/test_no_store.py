"""No page or API answer may be kept by a browser or proxy cache: ``Cache-Control: no-store``.

Every URL pattern of the project is requested (with stand-in arguments where it takes some, so most
answer 404, which must not be cached either), then a sample of real data pages of every app, the API
lists and details, exports and the sign-in page, which must answer 200 with the header. Static files
are the exception: they hold no data and are cached.
"""

import itertools
import uuid

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from svidok.sanctions import services as proposals
from tests import factories
from tests.helpers import login

STAND_INS = ["SV-2018-000001", str(uuid.UUID(int=1)), "1", "UA01020010010073418", "csv", "incidents", "json"]


def named_patterns(patterns=None, namespaces=(), arguments=()):
    """``(URL name, argument names)`` of every named pattern, through every include."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        names = list(arguments) + list(getattr(entry.pattern, "converters", {}) or entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            yield from named_patterns(entry.url_patterns, (*namespaces, entry.namespace) if entry.namespace else namespaces, names)
        elif isinstance(entry, URLPattern) and entry.name:
            yield ":".join([*namespaces, entry.name]), names


def stand_in_url(name: str, arguments: list[str]) -> str | None:
    for values in itertools.product(STAND_INS, repeat=len(arguments)):
        try:
            return reverse(name, kwargs=dict(zip(arguments, values, strict=True)))
        except NoReverseMatch:
            continue
    return None


def assert_not_stored(response, url):
    directives = {directive.strip() for directive in response.get("Cache-Control", "").split(",")}
    assert (url, "no-store" in directives, response.get("Pragma")) == (url, True, "no-cache")


@pytest.mark.django_db
def test_every_url_answers_no_store(client, admin_user):
    login(client, admin_user)
    client.raise_request_exception = False
    urls = {(name, *arguments): stand_in_url(name, arguments) for name, arguments in named_patterns()}

    assert [name for name, url in urls.items() if url is None] == []
    assert len(urls) > 150  # the walk reached the admin, the API and every app
    for url in sorted(set(urls.values())):
        response = client.get(url)
        if response.has_header("Cache-Control") and "max-age=3600" in response["Cache-Control"]:
            continue  # a chart of official figures that chose its own caching (forensics plots)
        if url == reverse("reports:map_boundaries"):
            continue  # the maps' region outlines: public OpenStreetMap geography, no record data (docs/maps.md)
        if url.startswith("/public/") and response.status_code == 200 and "public" in response.get("Cache-Control", ""):
            # The public portal (docs/public-portal.md): published records only, the same for everybody,
            # kept by browsers for a minute. Its errors (404) are not kept.
            assert (url, response["Cache-Control"]) == (url, "public, max-age=60")
            continue
        assert_not_stored(response, url)


@pytest.fixture
def world(admin_user, coordinator, documenter, verified, election, places):
    person = factories.person(documenter, name="Olena Kovalenko")
    source = factories.source(documenter)
    proposal = proposals.create_proposal(actor=coordinator, title="Organizers")
    proposals.add_member(actor=coordinator, proposal=proposal, person=person)
    return {"incident": verified, "person": person, "source": source, "proposal": proposal, "election": election,
            "place": places["town"]}


def data_pages(world) -> list[str]:
    incident, person, proposal = world["incident"], world["person"], world["proposal"]
    return [
        reverse("reports:dashboard"),
        reverse("incidents:list"),
        reverse("incidents:detail", args=[incident.reference]),
        reverse("incidents:source_detail", args=[world["source"].uuid]),
        reverse("incidents:election_detail", args=[world["election"].uuid]),
        reverse("incidents:place_detail", args=[world["place"].code]),
        reverse("people:person_detail", args=[person.uuid]),
        reverse("sanctions:proposal_detail", args=[proposal.uuid]),
        reverse("sanctions:proposal_export", args=[proposal.uuid, "csv"]),
        reverse("sanctions:proposal_list"),
        reverse("people:organization_list"),
        reverse("people:duplicates"),
        reverse("search:search") + "?q=Teacher",
        reverse("api:incident-list"),
        reverse("api:incident-detail", args=[incident.reference]),
        reverse("api:person-list"),
        reverse("api:person-detail", args=[person.uuid]),
        reverse("api:search") + "?q=Teacher",
        reverse("api:schema"),
    ]


@pytest.mark.django_db
def test_data_pages_api_and_exports_answer_200_with_no_store(client, admin_user, world):
    login(client, admin_user)

    for url in data_pages(world):
        response = client.get(url)
        assert (url, response.status_code) == (url, 200)
        assert_not_stored(response, url)


@pytest.mark.django_db
def test_the_sign_in_page_answers_no_store(client):
    response = client.get(reverse("accounts:login"))

    assert response.status_code == 200
    assert_not_stored(response, "sign-in")


def test_static_files_stay_cacheable(client):
    response = client.get("/static/svidok/app.css")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert not response.has_header("Pragma")
