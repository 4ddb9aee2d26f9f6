"""Fetching articles and feeds from the web: plain functions, no database (issue 12, docs/news.md).

Every request goes through the evidence app's checked fetcher (``evidence.fetch``): http(s) only,
never a private or local address (SSRF), at most five redirects, connect and read timeouts, one
deadline for the whole page, and reading stops at ``reading.MAX_BYTES``: a 50 MB page is cut off
there, never read whole. What was fetched is then read by ``reading`` (trafilatura for HTML).
Feeds are parsed by ``feedparser`` from the bytes fetched here; feedparser never fetches anything.

A failure is a :class:`FetchFailed` (a ``reading.ReadError``) with a ``code`` and the address's
host; :func:`reason_text` says it in the reader's language. No message quotes the page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from svidok.evidence import fetch
from svidok.ingest import reading

REDIRECTS = 5
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
                        "text/xml", "application/feed+json"})
# The root element of RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom, after an XML declaration and comments.
_FEED_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE[^>]*>\s*)?<(?:rss|feed|rdf:RDF)[\s>]",
                         re.DOTALL | re.IGNORECASE)

# Why an address gave no article, in people's words; %(host)s is the site's name.
REASONS = {
    "bad_url": _("This is not a web address (it must start with http:// or https://)."),
    "scheme": _("%(host)s: only addresses starting with http:// or https:// are read."),
    "credentials": _("%(host)s: addresses with a user name or password in them are not read."),
    "dns": _("%(host)s: the site's name could not be found."),
    "private_address": _("%(host)s: the address leads into a private or local network; Svidok does not read those."),
    "refused": _("%(host)s: the site refused the connection."),
    "timeout": _("%(host)s: the site did not answer in time."),
    "tls": _("%(host)s: the site's secure connection (certificate) could not be verified."),
    "connection": _("%(host)s: the connection to the site failed."),
    "too_big": _("%(host)s: the page is larger than 5 MB; reading stopped there and nothing was stored."),
    "redirects": _("%(host)s: the address redirects too many times."),
    "http_status": _("%(host)s: the site answered with an error (HTTP %(status)s)."),
    "not_text": _("%(host)s: the address gives a file that is not a web page or text (%(type)s)."),
    "not_feed": _("%(host)s: the address is not an RSS or Atom feed."),
    "empty_feed": _("%(host)s: the feed has no articles with web addresses."),
    "empty": _("%(host)s: the page is empty."),
    "binary": _("%(host)s: the page is a binary file, not text or HTML."),
    "encoding": _("%(host)s: the page is not UTF-8 and declares no encoding that fits it."),
    "no_article": _("%(host)s: the page has no article in it."),
    "too_short": _("%(host)s: the page's text is too short to be an article."),
    "no_title": _("%(host)s: the page has no title."),
    "language": _("%(host)s: the article is not in Ukrainian, Russian, English or Crimean Tatar."),
    "unreadable": _("%(host)s: the page could not be read."),
    "not_stored": _("%(host)s: the article was not stored: %(detail)s"),
    "not_allowed": _("%(host)s: the person who asked may no longer import articles."),
    "unexpected": _("%(host)s: reading stopped on an unexpected error; the administrators can see it in the worker's log."),
}


def reason_text(entry: dict) -> str:
    """A reason (``{"code": ..., "host": ..., params}``) in the current language."""
    template = str(REASONS.get(entry.get("code"), REASONS["unreadable"]))
    params = {"host": "", "status": "", "type": "", "detail": "", **{k: v for k, v in entry.items() if k != "code"}}
    params["host"] = params["host"] or str(_("the site"))
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return template


class FetchFailed(reading.ReadError):
    """An address that gave no article or feed: ``code`` says why (a key of ``REASONS``), ``params``
    the host and what the reason needs. ``str()`` is the English message (the command's)."""

    def __init__(self, code: str, host: str = "", **params):
        self.params = {"host": host, **params}
        with translation.override("en"):
            message = reason_text({"code": code, **self.params})
        super().__init__(message, code)

    @property
    def reason(self) -> dict:
        return {"code": self.code, **self.params}


@dataclass(frozen=True)
class Policy:
    """Limits of one fetch: ``timeout`` seconds to connect and between reads, ``deadline`` seconds
    for the whole exchange (redirects included), at most ``max_bytes`` read."""

    timeout: float
    deadline: float
    user_agent: str
    max_bytes: int = reading.MAX_BYTES
    allow_loopback: bool = False
    redirects: int = REDIRECTS


def policy_from_settings() -> Policy:
    return Policy(timeout=settings.SVIDOK_NEWS_TIMEOUT, deadline=settings.SVIDOK_NEWS_DEADLINE,
                  user_agent=settings.SVIDOK_NEWS_USER_AGENT, allow_loopback=settings.SVIDOK_NEWS_ALLOW_LOOPBACK)


@dataclass(frozen=True)
class Fetched:
    """A 2xx answer: the address it came from after redirects, its type, charset and body."""

    url: str
    content_type: str
    charset: str | None
    body: bytes

    @property
    def is_feed(self) -> bool:
        return self.content_type in FEED_TYPES - {"application/xml", "text/xml"} or bool(_FEED_START.match(self.body[:4096]))


@dataclass(frozen=True)
class FeedItem:
    url: str
    title: str
    published: dt.date | None


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "")[:200]
    except ValueError:
        return ""


def fetch_url(url: str, *, policy: Policy) -> Fetched:
    """GET ``url`` (following redirects) within the policy; ``FetchFailed`` unless it answers 2xx."""
    host = host_of(url)
    if len(url) > 2000 or any(ch.isspace() for ch in url):
        raise FetchFailed("bad_url")  # not storable as a Source's address; a space is a pasting slip
    checked = fetch.Policy(timeout=policy.timeout, max_bytes=policy.max_bytes, user_agent=policy.user_agent,
                           allow_loopback=policy.allow_loopback)
    try:
        exchanges = fetch.fetch_following(url, checked, deadline=time.monotonic() + policy.deadline, hops=policy.redirects)
    except fetch.FetchError as error:
        no_scheme = error.code == "scheme" and not url.partition(":")[1]
        raise FetchFailed("bad_url" if no_scheme else error.code, host) from None
    for exchange in exchanges:
        exchange.response.close()  # the raw copy is for web captures' archives; not kept here
    final = exchanges[-1]
    if final.status in fetch.REDIRECTS:
        raise FetchFailed("redirects", host)  # a redirect without a Location
    if not 200 <= final.status < 300:
        raise FetchFailed("http_status", host, status=f"{final.status} {final.reason}".strip())
    return Fetched(url=final.url, content_type=final.content_type, charset=final.headers.get_content_charset(),
                   body=final.body)


def article_from(fetched: Fetched, meta: dict | None = None) -> reading.ReadArticle:
    """The article in a fetched page; ``meta`` as for ``reading.read_bytes`` (a feed's date)."""
    host = host_of(fetched.url)
    if fetched.content_type and fetched.content_type not in PAGE_TYPES:
        raise FetchFailed("not_text", host, type=fetched.content_type[:100])
    html = None if not fetched.content_type else fetched.content_type != "text/plain"
    meta = dict(meta or {})
    published = meta.pop("published", None)
    try:
        article = reading.read_bytes(fetched.body, meta, html=html, charset=fetched.charset)
    except FetchFailed:
        raise
    except reading.ReadError as error:
        raise FetchFailed(error.code, host) from None
    # The page's own date wins; the feed's is for pages that give none.
    return dataclasses.replace(article, url=fetched.url[:2000], outlet=article.outlet or _outlet(host),
                               published=article.published or published)


def _outlet(host: str) -> str:
    return host.removeprefix("www.")[:300]


def feed_from(fetched: Fetched, *, limit: int) -> list[FeedItem]:
    """The items of a fetched RSS or Atom feed (at most ``limit``, as the feed orders them), each
    with an http(s) address, once."""
    import feedparser

    host = host_of(fetched.url)
    # A file object, never a string: given a string, feedparser may take it for an address or a
    # path and open it itself.
    parsed = feedparser.parse(io.BytesIO(fetched.body), response_headers={
        "content-type": fetched.content_type + (f"; charset={fetched.charset}" if fetched.charset else ""),
        "content-location": fetched.url,
    })
    if not parsed.get("version") and not parsed.entries:
        raise FetchFailed("not_feed", host)
    items, seen = [], set()
    for entry in parsed.entries:
        link = (entry.get("link") or "").strip()
        if urlsplit(link).scheme not in ("http", "https") or link in seen or len(link) > 2000:
            continue
        seen.add(link)
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = dt.date(*stamp[:3]) if stamp else None
        items.append(FeedItem(url=link, title=" ".join((entry.get("title") or "").split())[:500], published=published))
        if len(items) >= limit:
            break
    if not items:
        raise FetchFailed("empty_feed", host)
    return items


def fetch_article(url: str, *, policy: Policy) -> reading.ReadArticle:
    """The article at ``url``, or ``FetchFailed`` saying why not."""
    return article_from(fetch_url(url, policy=policy))


def read_feed(url: str, *, policy: Policy, limit: int | None = None) -> list[FeedItem]:
    """The items of the feed at ``url``, or ``FetchFailed`` (``not_feed`` when it is not one)."""
    return feed_from(fetch_url(url, policy=policy), limit=limit or settings.SVIDOK_NEWS_FEED_ITEMS)


def read_url_list(content: str) -> tuple[list[str], list[str]]:
    """The addresses of a URL-list file (one a line; blank lines and ``#`` comments skipped) and
    the problems found, each naming its line (``line 3: not a web address``)."""
    urls, problems = [], []
    for number, line in enumerate(content.lstrip("\ufeff").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):  # not a trailing "#": an address may end in a fragment
            continue
        if not is_web_address(line):
            problems.append(f"line {number}: not a web address (http:// or https://)")
            continue
        if line not in urls:
            urls.append(line)
    return urls, problems


def is_web_address(text: str) -> bool:
    try:
        fetch.check_url(text)
    except fetch.FetchError:
        return False
    return not any(ch.isspace() for ch in text) and len(text) <= 2000
