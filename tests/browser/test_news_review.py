"""Flow: a documenter reviews the incidents proposed from an article — opens the queue and the
article, sees the evidence highlighted, corrects the place, accepts — and finds the new draft
incident in the incident search by a Latin spelling of its perpetrator. At desktop and phone size."""

import re

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.incidents import search_index
from svidok.incidents.models import Incident, Place
from svidok.incidents.services import submit_incident, verify_incident
from svidok.ingest import services
from tests import factories
from tests.browser.conftest import phone_context, shot, sign_in, watch
from tests.helpers import make_user
from tests.ingest import review_world

pytestmark = pytest.mark.browser

PAGE_WIDTH = "() => document.documentElement.scrollWidth"


@pytest.fixture
def article(vocabularies):
    """The article written for the tests, stored through ``import_article``, with the incidents
    extraction proposes from it (``services.propose_candidates``; rows written here where it is
    absent), a registry person named in it, and another incident the search must leave out."""
    documenter = make_user(Role.DOCUMENTER, "documenter")
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    crimea = Place.objects.create(code="UA01000000000013043", category="O", name_uk="Автономна Республіка Крим",
                                  name_latin="Avtonomna Respublika Krym")
    raion = Place.objects.create(code="UA01020000000022387", category="P", name_uk="Бахчисарайський",
                                 name_latin="Bakhchysaraiskyi", parent=crimea, region=crimea)
    town = Place.objects.create(code="UA01020010010073418", category="M", name_uk="Бахчисарай", name_ru="Бахчисарай",
                                name_latin="Bakhchysarai", parent=raion, region=crimea, raion=raion)
    search_index.index_places([crimea, raion, town])
    factories.person(coordinator, name="Ігор Федоренко")
    if hasattr(services, "propose_candidates"):
        article = services.import_article(actor=documenter, article=review_world.read_article()).article
        services.propose_candidates(actor=documenter, article=article)
    else:
        article = review_world.world(documenter, place=raion)[0]
    dismissal = article.candidates.get(type__code="dismissal")
    other = factories.incident(coordinator, title="Polling station searched", type_code="search", place=town)
    submit_incident(actor=coordinator, incident=other)
    verify_incident(actor=coordinator, incident=other)
    return {"article": article, "dismissal": dismissal, "town": town, "other": other}


def review_and_accept(page, world, prefix: str) -> None:
    sign_in(page, "documenter")
    navigation = page.get_by_role("navigation", name="Main")
    if not navigation.first.is_visible():
        page.locator("details.menu summary").click()
    page.get_by_role("link", name="News").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("News: proposed incidents")
    shot(page, f"{prefix}-queue.png")

    page.get_by_role("link", name=review_world.TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(review_world.TITLE)
    dismissal = world["dismissal"]
    number = list(world["article"].candidates.values_list("pk", flat=True)).index(dismissal.pk) + 1
    expect(page.locator(f"mark#evidence-{number}")).to_contain_text("звільнила директорку місцевої школи")
    expect(page.locator("mark")).to_have_count(world["article"].candidates.count())
    proposal = page.get_by_role("article", name=f"Proposal {number}: Dismissal")
    shot(page, f"{prefix}-article.png")

    # The documenter corrects the place to the town and names the official who signed the
    # dismissal (the article names him in the next sentence), then accepts.
    proposal.get_by_label("Place").fill("Bakhchysarai")
    proposal.get_by_label("Perpetrators").fill("Ігор Федоренко")
    proposal.get_by_role("button", name="Accept").click()

    expect(page.get_by_role("status")).to_have_text(re.compile(r"Accepted: draft incident SV-\d{4}-\d{6} recorded\."))
    incident = Incident.objects.get(news_candidates=world["dismissal"])
    expect(page.get_by_role("status")).to_have_text(f"Accepted: draft incident {incident.reference} recorded.")
    expect(page.get_by_role("article", name=f"Proposal {number}: Dismissal").get_by_role("link", name=incident.reference)).to_be_visible()
    shot(page, f"{prefix}-accepted.png")
    assert (incident.status, incident.place, incident.type.code) == ("draft", world["town"], "dismissal")
    assert [(i.person.display_name, i.role.code) for i in incident.involvements.all()] == [("Ігор Федоренко", "perpetrator")]


def find_by_latin_perpetrator(page, world) -> None:
    page.goto("/incidents/")
    expect(page.get_by_role("link", name=re.compile(world["other"].reference))).to_be_visible()
    page.get_by_label("Text").fill("Ihor Fedorenko")
    page.get_by_role("button", name="Filter").click()
    incident = Incident.objects.get(news_candidates=world["dismissal"])
    expect(page.get_by_role("link", name=re.compile(incident.reference))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(world["other"].reference))).to_have_count(0)


def test_documenter_accepts_a_proposal_and_finds_the_incident_by_latin_name(page, console_errors, article):
    review_and_accept(page, article, "news-desktop")

    find_by_latin_perpetrator(page, article)
    shot(page, "news-desktop-search.png")
    assert console_errors == []


def test_review_on_a_phone(browser, live_server, console_errors, article):
    context = phone_context(browser, live_server)
    try:
        page = watch(context.new_page(), console_errors)
        page.set_viewport_size({"width": 390, "height": 844})
        review_and_accept(page, article, "news-phone")

        assert page.evaluate(PAGE_WIDTH) <= 390
        find_by_latin_perpetrator(page, article)
    finally:
        context.close()
    assert console_errors == []
