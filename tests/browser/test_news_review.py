"""Flow: a documenter imports an article written for the test on the Import news page, reviews
the incidents extraction proposed from it — opens the queue and the article, sees the evidence
highlighted, corrects the place, accepts — and finds the new draft incident in the incident search
by a Latin spelling of its perpetrator. At desktop and phone size."""

import re

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role, User
from svidok.incidents import search_index
from svidok.incidents.models import Incident, Place
from svidok.incidents.services import submit_incident, verify_incident
from svidok.ingest import services
from svidok.ingest.models import Article
from tests import factories
from tests.browser.conftest import phone_context, shot, sign_in, watch
from tests.helpers import make_user, second_lead
from tests.ingest import review_world

pytestmark = pytest.mark.browser

PAGE_WIDTH = "() => document.documentElement.scrollWidth"


@pytest.fixture
def world(vocabularies):
    """The places of the article written for the tests, a registry person it names, and another
    incident the search must leave out."""
    make_user(Role.DOCUMENTER, "documenter")
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    crimea = Place.objects.create(code="UA01000000000013043", category="O", name_uk="Автономна Республіка Крим",
                                  name_latin="Avtonomna Respublika Krym")
    raion = Place.objects.create(code="UA01020000000022387", category="P", name_uk="Бахчисарайський",
                                 name_latin="Bakhchysaraiskyi", parent=crimea, region=crimea)
    town = Place.objects.create(code="UA01020010010073418", category="M", name_uk="Бахчисарай", name_ru="Бахчисарай",
                                name_latin="Bakhchysarai", parent=raion, region=crimea, raion=raion)
    search_index.index_places([crimea, raion, town])
    factories.person(coordinator, name="Ігор Федоренко")
    other = factories.incident(coordinator, title="Polling station searched", type_code="search", place=town)
    submit_incident(actor=coordinator, incident=other)
    verify_incident(actor=second_lead(), incident=other)
    return {"town": town, "other": other}


def read_world(world) -> dict:
    """The imported article and its dismissal proposal, once extraction has read it."""
    article = Article.objects.get(source__title=review_world.TITLE)
    return world | {"article": article, "dismissal": article.candidates.get(type__code="dismissal")}


@pytest.fixture
def article(world):
    """The article stored the way every importer stores one (``services.store_article``: the
    article, then the incidents extraction proposes from it)."""
    documenter = User.objects.get(username="documenter")
    services.store_article(actor=documenter, article=review_world.read_article())
    return read_world(world)


def import_through_the_page(page, tmp_path) -> None:
    """The documenter uploads the article (a text file: title, blank line, body) on Import news."""
    path = tmp_path / "bakhchysarai.txt"
    path.write_text(review_world.TEXT, encoding="utf-8")
    page.goto("/news/import/")
    page.get_by_label("Article files").set_input_files(str(path))
    page.get_by_role("button", name="Import").click()
    results = page.locator("table.news-items")
    expect(results).to_contain_text(review_world.TITLE)
    expect(results).to_contain_text("Stored")


def review_and_accept(page, world, prefix: str, *, signed_in: bool = False) -> None:
    if not signed_in:
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

    # The documenter corrects the place to the town (the test's gazetteer row is not the one
    # extraction names) and names the official who signed the dismissal (the article names him
    # two sentences on), then accepts.
    proposal.get_by_label("Place").fill("Bakhchysarai")
    proposal.get_by_label("Perpetrators").fill("Ігор Федоренко")
    if not proposal.get_by_label("Date").input_value():
        # An uploaded file has no publication date, so "19 березня" has no year: the documenter gives it.
        proposal.get_by_label("Date").fill("2024-03-19")
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
    fold = page.locator("details.filter-fold > summary")
    if fold.is_visible():  # a phone: the filters are folded behind a button
        fold.click()
    page.get_by_label("Text").fill("Ihor Fedorenko")
    page.get_by_role("button", name="Filter").click()
    incident = Incident.objects.get(news_candidates=world["dismissal"])
    expect(page.get_by_role("link", name=re.compile(incident.reference))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(world["other"].reference))).to_have_count(0)


def test_documenter_imports_an_article_accepts_a_proposal_and_finds_the_incident_by_latin_name(
        page, console_errors, world, tmp_path):
    sign_in(page, "documenter")
    import_through_the_page(page, tmp_path)
    shot(page, "news-desktop-imported.png")
    article = read_world(world)
    review_and_accept(page, article, "news-desktop", signed_in=True)

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
