"""The public portal's pages (issue 14, items 4 and 5): anonymous and read-only, showing only what a
coordinator published, redacted; cached, and fresh again after a publication or a withdrawal; the
embeds framable by any site and nothing else.

The world holds a published incident with a protected victim whose real name a monitor typed into
its title, narrative and source, and beside it a draft, a reported one, a restricted one, an internal
one marked published behind the services' back, an unpublished verified one and a withdrawn one.
The crawl follows every link of the portal from its home page and reads every page and file."""

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.cache import caches
from django.test import Client

from svidok.incidents import publication
from svidok.incidents.models import Incident, Place
from svidok.incidents.services import add_involvement, link_source, submit_incident, update_incident, verify_incident
from svidok.people.services import record_occupancy, record_position
from svidok.public import cache as portal_cache
from svidok.sanctions import services as sanctions
from tests import factories
from tests.helpers import second_lead

pytestmark = pytest.mark.django_db

NAME = "Ірина Коваленко"  # the protected victim's real name, sealed in the vault
TYPED = "Iryna Kovalenko"  # the same name as a monitor typed it into the texts
OFFICIAL = "Oleh Petrenko"  # a school director on a signed-off sanctions proposal: named
UNSIGNED = "Viktor Hrabovskyi"  # a perpetrator on a proposal still in review: named on the incident, no page of his own
REVIEW_NOTE = "Reviewernote qzx"
HIDDEN = ["Draft qzx", "Reported qzx", "Restricted later qzx", "Internal qzx", "Withdrawn qzx", "Not chosen qzx"]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def verified(coordinator, *, title, sensitivity="public", **fields):
    incident = factories.incident(coordinator, title=title, sensitivity=sensitivity, **fields)
    submit_incident(actor=coordinator, incident=incident)
    return verify_incident(actor=second_lead(), incident=incident, reason=REVIEW_NOTE)


def signed_off(coordinator, person, incident, *, sign=True):
    """A sanctions proposal naming ``person`` on ``incident``, signed off by a second lead (or left in review)."""
    proposal = sanctions.create_proposal(actor=coordinator, title=f"Proposal on {person.display_name}")
    member = sanctions.add_member(actor=coordinator, proposal=proposal, person=person)
    sanctions.set_grounds(actor=coordinator, member=member, grounds="Dismissed teachers who did not vote.",
                          incidents=[incident])
    sanctions.send_for_review(actor=coordinator, proposal=proposal)
    if sign:
        sanctions.review_member(actor=coordinator, member=member)
        sanctions.sign_off_proposal(actor=second_lead(), proposal=proposal)
    return proposal


@pytest.fixture
def world(coordinator, places, election):
    town = places["town"]
    Place.objects.filter(pk=town.pk).update(latitude=Decimal("44.752000"), longitude=Decimal("33.860000"))
    victim = factories.person(coordinator, name=NAME, protected=True)
    official = factories.person(coordinator, name=OFFICIAL)
    unsigned = factories.person(coordinator, name=UNSIGNED)
    role = lambda code: factories.term("involvement_role", code)  # noqa: E731

    shown = factories.incident(
        coordinator, title=f"{TYPED} dismissed before the vote", sensitivity="public", place=town, election=election,
        narrative=f"The director told {TYPED} to vote or leave.")
    add_involvement(actor=coordinator, incident=shown, role=role("victim"), person=victim)
    add_involvement(actor=coordinator, incident=shown, role=role("perpetrator"), person=official,
                    perpetrator_type=factories.term("perpetrator_type", "school"))
    add_involvement(actor=coordinator, incident=shown, role=role("perpetrator"), person=unsigned)
    link_source(actor=coordinator, incident=shown, source=factories.source(
        coordinator, title=f"Interview with {TYPED}", url="https://news.example.org/2018/dismissals",
        publisher="QHA", published_on=dt.date(2018, 3, 22)))
    submit_incident(actor=coordinator, incident=shown)
    verify_incident(actor=second_lead(), incident=shown, reason=REVIEW_NOTE)
    publication.publish(coordinator, shown)
    # Published, with no place at all: the pages say it is not on the map.
    nowhere = verified(coordinator, title="Threat with no place", type_code="intimidation", date=dt.date(2018, 2, 1))
    publication.publish(coordinator, nowhere)

    factories.incident(coordinator, title="Draft qzx", sensitivity="public", place=town)
    reported = factories.incident(coordinator, title="Reported qzx", sensitivity="public", place=town)
    submit_incident(actor=coordinator, incident=reported)
    restricted = verified(coordinator, title="Restricted later qzx", place=town)
    publication.publish(coordinator, restricted)
    update_incident(actor=coordinator, incident=restricted, fields={"sensitivity": "restricted"})
    internal = verified(coordinator, title="Internal qzx", sensitivity="internal", place=town)
    Incident.objects.filter(pk=internal.pk).update(published_at=shown.published_at)
    withdrawn = verified(coordinator, title="Withdrawn qzx", place=town)
    publication.publish(coordinator, withdrawn)
    publication.withdraw(coordinator, withdrawn, "The victim asked us to")
    not_chosen = verified(coordinator, title="Not chosen qzx", place=town)

    position = record_position(actor=coordinator, title="director of school No. 5",
                               organization=factories.organization(coordinator, name="School No. 5", kind="school"))
    record_occupancy(actor=coordinator, person=official, position=position, start_date=dt.date(2015, 9, 1),
                     source=factories.source(coordinator, title="School site"))
    shown.refresh_from_db()
    signed_off(coordinator, official, shown)
    signed_off(coordinator, unsigned, shown, sign=False)
    caches[portal_cache.PAGES].clear()
    return {"shown": shown, "nowhere": nowhere, "victim": victim, "official": official, "not_chosen": not_chosen,
            "withdrawn": withdrawn}


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src", "data-points", "data-boundaries"):
            if attrs.get(name):
                self.links.append(attrs[name])


# The embeds are offered as code to copy (text, not links): the crawl starts from them too.
STARTS = ("/public/", "/public/embed/map/", "/public/embed/chart/by-type/")


def crawl(client, starts=STARTS, languages=("en", "uk")) -> dict[str, bytes]:
    """Every address under /public/ reachable from ``starts`` (each in ``languages``): ``{"language url": body}``."""
    seen: dict[str, bytes] = {}
    for language in languages:
        client.cookies["django_language"] = language
        todo = list(starts)
        while todo:
            url = todo.pop()
            key = f"{language} {url}"
            if key in seen:
                continue
            response = client.get(url)
            assert response.status_code in (200, 302), (url, response.status_code)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            seen[key] = body
            if response.status_code == 302 or "html" not in response["Content-Type"]:
                continue
            parser = Links()
            parser.feed(body.decode())
            for link in parser.links:
                target = urljoin(url, link.replace("&amp;", "&"))
                parts = urlsplit(target)
                if parts.netloc or not parts.path.startswith("/public/") or "/language/" in parts.path:
                    continue
                todo.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def test_every_public_page_is_anonymous_and_shows_nothing_unpublished(client, world):
    pages = crawl(client)
    paths = {key.split(" ", 1)[1].split("?")[0] for key in pages}
    # Every kind of page was reached by following links from the home page.
    expected = {"/public/", "/public/incidents/", f"/public/incidents/{world['shown'].reference}/",
                f"/public/incidents/{world['nowhere'].reference}/", "/public/statistics/", "/public/elections/",
                "/public/perpetrators/", "/public/data/", "/public/data/incidents.json",
                "/public/data/incidents.geojson", "/public/data/incidents.csv", "/public/map/points.geojson",
                "/public/statistics/by-month.svg", "/public/statistics/by-month.csv", "/public/embed/map/"}
    assert expected - paths == set()
    assert any(p.startswith("/public/elections/2018-03-18-") for p in paths)
    assert any(p.startswith("/public/perpetrators/oleh-petrenko") for p in paths)
    assert [p for p in paths if "hrabovskyi" in p] == []
    for url, body in pages.items():
        text = body.decode()
        found = [s for s in [NAME, TYPED, "Kovalenko", world["victim"].pseudonym, REVIEW_NOTE, *HIDDEN,
                             "The victim asked us to"] if s in text]
        assert found == [], url
        assert UUID.findall(text) == [], url


def test_incident_page_shows_the_public_record_only(client, world):
    shown = world["shown"]
    response = client.get(f"/public/incidents/{shown.reference}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "[protected name] dismissed before the vote" in text
    assert OFFICIAL in text
    assert '<a href="https://news.example.org/2018/dismissals" rel="noopener noreferrer nofollow">' in text
    assert REVIEW_NOTE not in text


@pytest.mark.parametrize("title", ["Draft qzx", "Reported qzx", "Restricted later qzx", "Internal qzx", "Withdrawn qzx",
                                   "Not chosen qzx"])
def test_an_unpublished_incident_page_is_404(client, world, title):
    reference = Incident.objects.get(title=title).reference
    assert client.get(f"/public/incidents/{reference}/").status_code == 404


def test_perpetrator_pages_name_only_persons_of_a_signed_off_proposal(client, world):
    listing = client.get("/public/perpetrators/").content.decode()
    assert OFFICIAL in listing
    assert UNSIGNED not in listing
    page = client.get("/public/perpetrators/oleh-petrenko/").content.decode()
    assert "director of school No. 5, School No. 5" in page
    assert world["shown"].reference in page
    assert client.get("/public/perpetrators/viktor-hrabovskyi/").status_code == 404


def test_list_filters_by_type_and_says_what_it_left_out(client, world):
    text = client.get("/public/incidents/", {"type": "intimidation"}).content.decode()
    assert "Threat with no place" in text
    assert "dismissed before the vote" not in text
    text = client.get("/public/incidents/", {"type": "no-such-type", "since": "2018-03-01"}).content.decode()
    assert "Some filters were not understood and are left out:" in text
    assert "dismissed before the vote" in text
    assert "Threat with no place" not in text


def test_map_points_are_redacted_and_count_the_incidents_without_a_place(client, world):
    data = client.get("/public/map/points.geojson").json()
    assert [f["properties"]["title"] for f in data["features"]] == ["[protected name] dismissed before the vote"]
    assert data["features"][0]["properties"]["url"] == f"/public/incidents/{world['shown'].reference}/"
    assert data["not_shown"] == 1


def test_empty_portal_says_so(client, db):
    text = client.get("/public/").content.decode()
    assert "Nothing has been published yet." in text
    for url in ("/public/incidents/", "/public/statistics/", "/public/elections/", "/public/perpetrators/",
                "/public/map/points.geojson", "/public/statistics/by-month.svg", "/public/embed/chart/by-type/"):
        assert client.get(url).status_code == 200, url


def test_election_page_without_results_says_so(client, world):
    url = next(u for u in crawl(client, ("/public/elections/",), ("en",)) if "/public/elections/2018" in u).split(" ")[1]
    text = client.get(url).content.decode()
    assert "No official results of this election have been imported." in text
    assert "[protected name] dismissed before the vote" in text


# --- cache ---------------------------------------------------------------------------------------


def test_pages_are_cached_per_language_and_public_for_a_minute(client, world, django_assert_max_num_queries):
    first = client.get("/public/incidents/")
    assert first["X-Portal-Cache"] == "miss"
    assert first["Cache-Control"] == "public, max-age=60"
    assert first["Vary"] == "Accept-Language, Cookie"
    with django_assert_max_num_queries(1):  # the generation, at most: no session, no user, no page query
        again = client.get("/public/incidents/")
    assert again["X-Portal-Cache"] == "hit"
    assert again.content == first.content
    assert [again[h] for h in ("Cache-Control", "Vary", "X-Frame-Options", "Content-Type")] == [
        first[h] for h in ("Cache-Control", "Vary", "X-Frame-Options", "Content-Type")]
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]
    client.cookies["django_language"] = "uk"
    ukrainian = client.get("/public/incidents/")
    assert ukrainian["X-Portal-Cache"] == "miss"
    assert "Опубліковані інциденти" in ukrainian.content.decode()


def test_a_parameter_the_portal_does_not_read_is_redirected_away_not_rendered_or_cached(client, world, django_assert_max_num_queries):
    client.get("/public/incidents/?type=dismissal&page=1")  # the canonical address, now cached

    with django_assert_max_num_queries(0):  # no page rendered, not even the generation read
        made_up = client.get("/public/incidents/?type=dismissal&utm_source=x&page=1&x=2")
    followed = client.get(made_up["Location"])

    assert made_up.status_code == 302
    assert made_up["Location"] == "/public/incidents/?type=dismissal&page=1"
    assert followed["X-Portal-Cache"] == "hit"
    assert client.get("/public/?cachebust=1")["Location"] == "/public/"


def test_a_publication_in_another_process_shows_within_a_second(client, world, monkeypatch):
    assert client.get("/public/")["X-Portal-Cache"] == "miss"
    assert client.get("/public/")["X-Portal-Cache"] == "hit"
    # Another web process published something: it wrote a new generation into the shared table.
    caches[portal_cache.GENERATION].set(portal_cache.GENERATION_KEY, 42, None)
    monkeypatch.setattr(portal_cache, "GENERATION_SECONDS", 0)  # the second has passed
    assert client.get("/public/")["X-Portal-Cache"] == "hit"  # this process still trusted its own reading
    monkeypatch.setattr(portal_cache, "_seen", {"value": None, "until": 0.0})
    assert client.get("/public/")["X-Portal-Cache"] == "miss"


def test_an_error_page_is_not_cached(client, world):
    assert client.get("/public/incidents/SV-2099-000001/").status_code == 404
    response = client.get("/public/incidents/SV-2099-000001/")
    assert response.status_code == 404
    assert not response.has_header("X-Portal-Cache")
    assert "no-store" in response["Cache-Control"]


def test_publishing_and_withdrawing_show_at_once(client, coordinator, world):
    not_chosen, shown = world["not_chosen"], world["shown"]
    assert "Not chosen qzx" not in client.get("/public/").content.decode()
    publication.publish(coordinator, not_chosen)
    assert "Not chosen qzx" in client.get("/public/").content.decode()
    assert b"Not chosen qzx" in b"".join(client.get("/public/data/incidents.csv").streaming_content)
    publication.withdraw(coordinator, shown, "Asked by the family")
    home = client.get("/public/").content.decode()
    assert "[protected name] dismissed before the vote" not in home
    assert client.get(f"/public/incidents/{shown.reference}/").status_code == 404


def test_a_published_incident_made_restricted_leaves_at_once(client, coordinator, world):
    shown = world["shown"]
    assert client.get(f"/public/incidents/{shown.reference}/").status_code == 200
    update_incident(actor=coordinator, incident=shown, fields={"sensitivity": "restricted"})
    assert client.get(f"/public/incidents/{shown.reference}/").status_code == 404


def test_generation_is_shared_through_the_database(db, monkeypatch):
    before = portal_cache.generation()
    portal_cache.bump_generation()
    assert portal_cache.generation() != before
    monkeypatch.setattr(portal_cache, "_seen", {"value": None, "until": 0.0})
    caches[portal_cache.GENERATION].clear()  # lost (culled): a new generation, never an old one
    assert portal_cache.generation() not in (before, None)


def test_open_data_files_are_served_from_the_cache(client, world):
    first = client.get("/public/data/incidents.json")
    body = b"".join(first.streaming_content)
    again = client.get("/public/data/incidents.json")
    assert (first["X-Portal-Cache"], again["X-Portal-Cache"]) == ("miss", "hit")
    assert again.content == body
    assert again["Content-Disposition"] == first["Content-Disposition"]


def test_portal_is_read_only(client, world):
    assert client.post("/public/").status_code == 405
    assert client.post("/public/incidents/").status_code == 405


def test_language_link_sets_the_cookie_and_goes_back(client, world):
    response = client.get("/public/language/uk/", {"next": "/public/statistics/?type=dismissal"})
    assert response.status_code == 302
    assert response["Location"] == "/public/statistics/?type=dismissal"
    assert response.cookies["django_language"].value == "uk"
    elsewhere = client.get("/public/language/uk/", {"next": "https://evil.example/"})
    assert elsewhere["Location"] == "/public/"
    inside = client.get("/public/language/uk/", {"next": "/incidents/"})
    assert inside["Location"] == "/public/"
    assert client.get("/public/language/xx/").status_code == 404


# --- framing (item 5) ----------------------------------------------------------------------------

CSP_NONE = "frame-ancestors 'none'"
CSP_ANY = "frame-ancestors *"


@pytest.mark.parametrize("url", ["/public/embed/map/?type=dismissal", "/public/embed/chart/by-month/"])
def test_embeds_may_be_framed_by_any_site(client, world, url):
    for _ in range(2):  # from the view, then from the cache
        response = client.get(url)
        assert response.status_code == 200
        assert CSP_ANY in response["Content-Security-Policy"]
        assert CSP_NONE not in response["Content-Security-Policy"]
        assert not response.has_header("X-Frame-Options")


@pytest.mark.parametrize("url", ["/public/", "/public/incidents/", "/public/statistics/", "/public/data/",
                                 "/public/embed/chart/no-such-chart/", "/accounts/login/"])
def test_every_other_page_refuses_framing(client, world, url):
    response = client.get(url)
    assert CSP_NONE in response["Content-Security-Policy"]
    assert CSP_ANY not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_the_embed_decorator_is_ignored_outside_the_embed_addresses(rf):
    from django.http import HttpResponse

    from svidok.common.middleware import ContentSecurityPolicyMiddleware, embeddable

    view = embeddable(lambda request: HttpResponse("x"))
    request = rf.get("/incidents/")
    response = ContentSecurityPolicyMiddleware(view)(request)
    assert CSP_NONE in response["Content-Security-Policy"]
    assert not getattr(response, "xframe_options_exempt", False)


def test_statistics_page_offers_embed_codes(client, world):
    text = client.get("/public/statistics/").content.decode()
    assert 'src="http://testserver/public/embed/chart/by-month/"' in text.replace("&quot;", '"').replace("&lt;", "<")


def test_staff_pages_still_need_signing_in(db):
    response = Client().get("/incidents/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_election_page_shows_the_figures_and_plots_of_its_official_results(client, coordinator, world, election):
    from svidok.forensics import services as forensics
    from tests.forensics.conftest import csv_text, synthetic_row

    rows = [synthetic_row(uik=str(n), registered=1000 + n, issued_station=600 + 3 * n) for n in range(1, 30)]
    forensics.import_results(actor=coordinator, election=election, source=csv_text(rows).encode(), name="cec-2018.csv")
    url = next(u for u in crawl(client, ("/public/elections/",), ("en",)) if "/public/elections/2018" in u).split(" ")[1]
    text = client.get(url).content.decode()
    assert "cec-2018.csv" in text
    assert "<dt>Precincts</dt><dd>29</dd>" in text
    plots = re.findall(r'<img src="([^"]+\.svg)"', text)
    assert [p.rsplit("/", 1)[1] for p in plots] == ["turnout.svg", "leader_share.svg", "fingerprint.svg", "integers.svg"]
    for plot in plots:
        response = client.get(plot)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        assert response.content.startswith(b"<?xml")


@pytest.mark.parametrize("url", ["/public/", "/public/incidents/", "/public/statistics/", "/public/map/points.geojson"])
def test_pages_read_in_a_number_of_queries_that_does_not_grow_with_the_incidents(client, coordinator, world, places,
                                                                                  monkeypatch, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(portal_cache, "GENERATION_SECONDS", 3600)

    def queries() -> int:
        caches[portal_cache.PAGES].clear()
        portal_cache.generation()  # read once, outside the count
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = queries()
    for n in range(3):
        incident = verified(coordinator, title=f"Another dismissal {n}", place=places["town"])
        add_involvement(actor=coordinator, incident=incident, role=factories.term("involvement_role", "perpetrator"),
                        person=world["official"])
        link_source(actor=coordinator, incident=incident, source=factories.source(coordinator, title=f"Report {n}"))
        publication.publish(coordinator, incident)
    assert queries() == before


def test_a_page_asked_at_another_host_is_kept_apart(client, world, settings):
    settings.ALLOWED_HOSTS = ["testserver", "svidok.example.org"]
    first = client.get("/public/statistics/")
    other = client.get("/public/statistics/", HTTP_HOST="svidok.example.org")
    assert (first["X-Portal-Cache"], other["X-Portal-Cache"]) == ("miss", "miss")
    assert "http://svidok.example.org/public/embed/chart/by-month/" in other.content.decode()
    assert client.get("/public/statistics/", HTTP_HOST="evil.example").status_code == 400
