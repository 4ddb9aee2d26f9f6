"""Fetching news in the background: ``start_fetch`` queues a run, the worker reads each address
(``run_fetch``), one item per address, refusals write nothing and the batch goes on."""

import datetime as dt
import signal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from svidok.audit.models import AuditEntry
from svidok.audit.services import history
from svidok.incidents.models import Source
from svidok.ingest import fetching, services
from svidok.ingest.models import Article, FetchRun
from tests.ingest import texts
from tests.ingest.news_site import html_page

pytestmark = pytest.mark.django_db


def outcomes(run: FetchRun) -> list[tuple[str, str, str]]:
    return [(item["url"], item["outcome"], fetching.reason_text(item["reason"]) if item.get("reason") else item["title"])
            for item in run.items]


def stored_count() -> tuple[int, int]:
    return Source.objects.count(), Article.objects.count()


def test_run_reads_pages_and_feed_and_goes_on_past_every_bad_address(news_site, documenter):
    bad = ["/empty.html", "/binary", "/no-article.html", "/big.html", "/silent", "/loop", "/de.html", "/missing.html"]
    run = services.start_fetch(actor=documenter, urls=[news_site.url(p) for p in ["/uk.html", *bad]] + ["not an address"],
                               feeds=[news_site.url("/feed.atom")])

    assert services.run_fetch(run.pk) == "done"

    run.refresh_from_db()
    host = "127.0.0.1"
    assert outcomes(run) == [
        (news_site.url("/uk.html"), "stored", "Окупаційна влада погрожувала звільненням вчителям у Джанкої"),
        (news_site.url("/empty.html"), "refused", f"{host}: the page is empty."),
        (news_site.url("/binary"), "refused", f"{host}: the address gives a file that is not a web page or text (application/octet-stream)."),
        (news_site.url("/no-article.html"), "refused", f"{host}: the page has no article in it."),
        (news_site.url("/big.html"), "refused", f"{host}: the page is larger than 5 MB; reading stopped there and nothing was stored."),
        (news_site.url("/silent"), "refused", f"{host}: the site did not answer in time."),
        (news_site.url("/loop"), "refused", f"{host}: the address redirects too many times."),
        (news_site.url("/de.html"), "refused", f"{host}: the article is not in Ukrainian, Russian, English or Crimean Tatar."),
        (news_site.url("/missing.html"), "refused", f"{host}: the site answered with an error (HTTP 404 Not Found)."),
        ("not an address", "refused", "This is not a web address (it must start with http:// or https://)."),
        # the feed's articles come after the pages; its first was asked for as a page: read once
        (news_site.url("/en.html"), "stored", "Teachers in a Crimean town told to photograph their ballots"),
    ]
    assert (run.status, run.stored, run.linked, run.already, run.refused) == ("done", 2, 0, 0, 9)
    assert stored_count() == (2, 2)
    assert run.items[0]["article"] == Article.objects.get(source__language="uk").public_id
    assert [e.action for e in history(run).order_by("id")] == ["fetch_queued", "fetch_finished"]


def test_run_links_a_reprint_from_another_address(news_site, documenter):
    news_site.routes["/reprint.html"] = (200, html_page(texts.ENGLISH_REPRINT), "text/html")
    run = services.start_fetch(actor=documenter, urls=[news_site.url("/en.html"), news_site.url("/reprint.html")])

    services.run_fetch(run.pk)

    run.refresh_from_db()
    first = Article.objects.get(source__url=news_site.url("/en.html"))
    assert [item["outcome"] for item in run.items] == ["stored", "linked"]
    assert (run.items[1]["original"], run.items[1]["original_title"]) == (first.public_id, first.title)


def test_page_address_that_gives_a_feed_is_read_as_one(news_site, documenter):
    run = services.start_fetch(actor=documenter, urls=[news_site.url("/feed.rss")])

    services.run_fetch(run.pk)

    run.refresh_from_db()
    assert [(item["url"], item["outcome"]) for item in run.items] == [
        (news_site.url("/en.html"), "stored"), (news_site.url("/de.html"), "refused"), (news_site.url("/uk.html"), "stored")]


def test_feed_that_never_answers_is_one_refused_item(news_site, documenter):
    run = services.start_fetch(actor=documenter, feeds=[news_site.url("/silent"), news_site.url("/not-a-feed.xml")],
                               urls=[news_site.url("/ru.txt")])

    services.run_fetch(run.pk)

    run.refresh_from_db()
    assert outcomes(run) == [
        (news_site.url("/silent"), "refused", "127.0.0.1: the site did not answer in time."),
        (news_site.url("/not-a-feed.xml"), "refused", "127.0.0.1: the address is not an RSS or Atom feed."),
        (news_site.url("/ru.txt"), "stored", "В Армянске сотрудников комбината заставили голосовать на рабочем месте"),
    ]


def test_run_runs_once_even_when_its_task_runs_twice(news_site, documenter):
    run = services.start_fetch(actor=documenter, urls=[news_site.url("/en.html")])

    assert (services.run_fetch(run.pk), services.run_fetch(run.pk)) == ("done", "done")

    assert news_site.requests == ["/en.html"]


def test_candidates_are_proposed_once_per_new_first_copy(news_site, documenter, monkeypatch):
    proposed = []
    monkeypatch.setattr(services, "propose_candidates", lambda *, actor, article: proposed.append(article))
    news_site.routes["/reprint.html"] = (200, html_page(texts.ENGLISH_REPRINT), "text/html")
    run = services.start_fetch(actor=documenter, urls=[news_site.url(p) for p in ("/en.html", "/reprint.html", "/en.html?again")])

    services.run_fetch(run.pk)

    assert proposed == [Article.objects.get(source__url=news_site.url("/en.html"))]


def test_failed_extraction_stores_nothing_of_the_article_and_the_rest_goes_on(news_site, documenter, monkeypatch):
    def propose(*, actor, article):
        if article.language == "en":
            raise RuntimeError("extraction broke")

    monkeypatch.setattr(services, "propose_candidates", propose)
    run = services.start_fetch(actor=documenter, urls=[news_site.url("/en.html"), news_site.url("/uk.html")])

    services.run_fetch(run.pk)

    run.refresh_from_db()
    assert [item["outcome"] for item in run.items] == ["refused", "stored"]
    assert fetching.reason_text(run.items[0]["reason"]) == (
        "127.0.0.1: reading stopped on an unexpected error; the administrators can see it in the worker's log.")
    assert stored_count() == (1, 1)


def test_run_of_a_requester_who_lost_the_right_reads_nothing(news_site, documenter):
    run = services.start_fetch(actor=documenter, urls=[news_site.url("/en.html")])
    documenter.role = "viewer"
    documenter.save()

    services.run_fetch(run.pk)

    run.refresh_from_db()
    assert outcomes(run) == [(news_site.url("/en.html"), "refused", "127.0.0.1: the person who asked may no longer import articles.")]
    assert news_site.requests == []


def test_start_fetch_refused_to_viewer(viewer):
    with pytest.raises(PermissionDenied):
        services.start_fetch(actor=viewer, urls=["https://news.example/a"])
    assert FetchRun.objects.count() == 0


@pytest.mark.parametrize("urls", [[], ["", "  "], [f"https://news.example/{n}" for n in range(201)]])
def test_start_fetch_needs_between_one_and_200_addresses(documenter, urls):
    with pytest.raises(ValidationError):
        services.start_fetch(actor=documenter, urls=urls)
    assert (FetchRun.objects.count(), AuditEntry.objects.filter(object_type="ingest.fetchrun").count()) == (0, 0)


def test_start_fetch_records_addresses_once_each(documenter):
    run = services.start_fetch(actor=documenter, urls=[" https://news.example/a ", "https://news.example/a"],
                               feeds=["https://news.example/rss"])

    assert (run.pages, run.feeds, run.status) == (["https://news.example/a"], ["https://news.example/rss"], "queued")
    assert history(run).get().changes == {"pages": ["https://news.example/a"], "feeds": ["https://news.example/rss"]}


@pytest.fixture
def keep_signals():
    """The worker installs its own signal handlers; put pytest's back afterwards."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


def test_run_is_read_by_the_worker(vocabularies, news_site, documenter, settings, keep_signals):
    settings.SVIDOK_PERIODIC_JOBS = {}
    run = services.start_fetch(actor=documenter, urls=[news_site.url("/en.html")])
    run.refresh_from_db()
    assert run.task_id != ""

    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    run.refresh_from_db()
    assert (run.status, run.stored, [item["outcome"] for item in run.items]) == ("done", 1, ["stored"]), run.items


def test_run_cut_off_by_a_stopped_worker_is_marked_stopped_later(documenter, settings):
    settings.SVIDOK_NEWS_DEADLINE = 20
    run = services.start_fetch(actor=documenter, urls=["https://news.example/a", "https://news.example/b"])
    started = timezone.now() - dt.timedelta(seconds=2 * 20 * 2 + 61)
    FetchRun.objects.filter(pk=run.pk).update(status="running", started_at=started)
    recent = services.start_fetch(actor=documenter, urls=["https://news.example/c"])
    FetchRun.objects.filter(pk=recent.pk).update(status="running", started_at=timezone.now())

    assert services.fail_interrupted_fetches() == 1

    run.refresh_from_db()
    assert (run.status, run.reason, FetchRun.objects.get(pk=recent.pk).status) == ("failed", {"code": "interrupted"}, "running")
    assert history(run).order_by("id").last().changes["reason"] == (
        "Reading was interrupted (the worker stopped); the addresses not listed below were not read. Ask for them again.")
