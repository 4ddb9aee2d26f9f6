"""Fetching pages and feeds from a news site on loopback (``ingest.fetching``): no database."""

import datetime as dt

import pytest
from django.utils import translation

from svidok.ingest import fetching
from tests.ingest import texts
from tests.loopback import closed_port

HOST = "127.0.0.1"


def policy(**overrides) -> fetching.Policy:
    values = {"timeout": 1, "deadline": 5, "user_agent": "SvidokTest/1", "allow_loopback": True}
    return fetching.Policy(**{**values, **overrides})


def refusal(call, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(fetching.FetchFailed) as caught:
        call(*args, **kwargs)
    return caught.value.code, str(caught.value)


def test_fetch_article_reads_html_page_with_title_date_and_outlet(news_site):
    article = fetching.fetch_article(news_site.url("/en.html"), policy=policy())

    assert (article.title, article.language, article.published, article.url, article.outlet) == (
        "Teachers in a Crimean town told to photograph their ballots", "en", dt.date(2024, 3, 19),
        news_site.url("/en.html"), HOST)
    assert article.text.startswith("Staff at a secondary school in a small Crimean town")
    assert "Example News" not in article.text


def test_fetch_article_follows_redirect_and_keeps_final_address(news_site):
    article = fetching.fetch_article(news_site.url("/moved"), policy=policy())

    assert article.url == news_site.url("/en.html")
    assert news_site.requests == ["/moved", "/en.html"]


def test_fetch_article_reads_plain_text_and_declared_charset(news_site):
    text = fetching.fetch_article(news_site.url("/ru.txt"), policy=policy())
    cp1251 = fetching.fetch_article(news_site.url("/ru-1251.html"), policy=policy())

    assert (text.title, text.language) == ("В Армянске сотрудников комбината заставили голосовать на рабочем месте", "ru")
    assert (cp1251.title, cp1251.language) == (text.title, "ru")


@pytest.mark.parametrize(("path", "code", "message"), [
    ("/empty.html", "empty", f"{HOST}: the page is empty."),
    ("/binary", "not_text", f"{HOST}: the address gives a file that is not a web page or text (application/octet-stream)."),
    ("/binary-as-html", "binary", f"{HOST}: the page is a binary file, not text or HTML."),
    ("/no-article.html", "no_article", f"{HOST}: the page has no article in it."),
    ("/de.html", "language", f"{HOST}: the article is not in Ukrainian, Russian, English or Crimean Tatar."),
    ("/missing.html", "http_status", f"{HOST}: the site answered with an error (HTTP 404 Not Found)."),
    ("/loop", "redirects", f"{HOST}: the address redirects too many times."),
])
def test_fetch_article_refuses_bad_page_with_one_clear_message(news_site, path, code, message):
    assert refusal(fetching.fetch_article, news_site.url(path), policy=policy()) == (code, message)


def test_fetch_article_stops_reading_a_50_mb_page_at_the_cap(news_site):
    code, message = refusal(fetching.fetch_article, news_site.url("/big.html"), policy=policy(deadline=60))

    assert (code, message) == ("too_big", f"{HOST}: the page is larger than 5 MB; reading stopped there and nothing was stored.")
    news_site.release.set()
    # The server got as far as the reader read and the socket buffers held, far from 50 MB.
    assert news_site.big_sent < 20 * 1024 * 1024


def test_fetch_article_redirect_loop_stops_after_five_hops(news_site):
    refusal(fetching.fetch_article, news_site.url("/loop"), policy=policy())

    assert len(news_site.requests) == 6


def test_fetch_of_an_address_that_never_answers_times_out(news_site):
    assert refusal(fetching.read_feed, news_site.url("/silent"), policy=policy(timeout=1)) == (
        "timeout", f"{HOST}: the site did not answer in time.")


@pytest.mark.parametrize(("url", "code"), [
    ("not an address", "bad_url"),
    ("https://news.example/a https://news.example/b", "bad_url"),
    ("https://news.example/" + "a" * 2000, "bad_url"),
    ("ftp://example.org/news", "scheme"),
    ("http://user:secret@example.org/news", "credentials"),
    ("http://10.1.2.3/news", "private_address"),
    ("http://169.254.169.254/latest/meta-data/", "private_address"),
])
def test_fetch_article_refuses_bad_address_before_connecting(url, code):
    assert refusal(fetching.fetch_article, url, policy=policy())[0] == code


def test_fetch_refuses_loopback_unless_the_policy_allows_it(news_site):
    assert refusal(fetching.fetch_article, news_site.url("/en.html"), policy=policy(allow_loopback=False))[0] == "private_address"
    assert news_site.requests == []


def test_policy_from_settings_refuses_loopback_by_default():
    assert fetching.policy_from_settings().allow_loopback is False


def test_fetch_of_a_closed_port_says_refused():
    assert refusal(fetching.fetch_article, f"http://127.0.0.1:{closed_port()}/", policy=policy()) == (
        "refused", f"{HOST}: the site refused the connection.")


def test_read_feed_gives_rss_items_with_dates(news_site):
    items = fetching.read_feed(news_site.url("/feed.rss"), policy=policy())

    assert items == [
        fetching.FeedItem(news_site.url("/en.html"), "Item 0", dt.date(2024, 3, 10)),
        fetching.FeedItem(news_site.url("/de.html"), "Item 1", dt.date(2024, 3, 11)),
        fetching.FeedItem(news_site.url("/uk.html"), "Item 2", dt.date(2024, 3, 12)),
    ]


def test_read_feed_gives_atom_entries_up_to_the_limit(news_site):
    items = fetching.read_feed(news_site.url("/feed.atom"), policy=policy(), limit=1)

    assert items == [fetching.FeedItem(news_site.url("/uk.html"), "Entry 0", dt.date(2024, 3, 10))]


@pytest.mark.parametrize(("path", "code"), [("/not-a-feed.xml", "not_feed"), ("/en.html", "not_feed"),
                                            ("/empty-feed.rss", "empty_feed")])
def test_read_feed_of_something_else_says_so(news_site, path, code):
    assert refusal(fetching.read_feed, news_site.url(path), policy=policy())[0] == code


@pytest.mark.parametrize(("path", "is_feed"), [("/feed.rss", True), ("/feed-as-xml", True), ("/feed.atom", True),
                                               ("/not-a-feed.xml", False), ("/en.html", False)])
def test_fetched_bytes_are_recognised_as_feed(news_site, path, is_feed):
    assert fetching.fetch_url(news_site.url(path), policy=policy()).is_feed is is_feed


def test_reason_text_in_ukrainian():
    with translation.override("uk"):
        text = fetching.reason_text({"code": "timeout", "host": "news.example"})

    assert text == "news.example: сайт не відповів вчасно."


def test_read_url_list_names_bad_lines():
    content = ("# my list\n\nhttps://news.example/a\n  http://news.example/b#part  \nnews.example/c\n"
               "https://news.example/a\nftp://news.example/d\n")

    assert fetching.read_url_list(content) == (
        ["https://news.example/a", "http://news.example/b#part"],
        ["line 5: not a web address (http:// or https://)", "line 7: not a web address (http:// or https://)"])


def test_feed_dates_fill_in_a_page_without_one(news_site):
    news_site.routes["/undated.txt"] = (200, texts.ENGLISH.encode("utf-8"), "text/plain")
    fetched = fetching.fetch_url(news_site.url("/undated.txt"), policy=policy())

    article = fetching.article_from(fetched, {"published": dt.date(2024, 3, 1)})

    assert article.published == dt.date(2024, 3, 1)
