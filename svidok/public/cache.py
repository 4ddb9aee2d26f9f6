"""The public portal's page cache (docs/public-portal.md).

Whole answers are kept per address (path and query string, parameters sorted), per language, under
the portal's *generation*: a number kept in the database (a cache table every web process shares)
that changes when an incident is published, withdrawn, or changed while published
(``bump_generation``, on every such save of an incident: svidok.public.apps). An answer of an older
generation is never read again; the rest (a source or a person edited) expires after ``PAGE_SECONDS``.
Each process reads the generation at most once every ``GENERATION_SECONDS``: another process's
publication shows here within that second, the process's own at once.

The answers live in the ``public`` cache alias, in each process's memory (LocMem). Nothing in them
depends on who asks: the portal's templates know no user, no session and no CSRF token (the language
switcher is a link), so one copy serves everybody.

Two halves: :func:`cached_page` marks a view's answers as cacheable (GET and HEAD only, browsers may
keep them a minute); :class:`PortalCacheMiddleware`, early in the stack (before sessions,
authentication and the rest, which a public page does not need), answers from the cache and fills
it with the finished answer, headers and all.
"""

import hashlib
import time
from functools import wraps
from urllib.parse import urlencode

from django.core.cache import caches
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language_from_request
from django.views.decorators.http import require_safe

PAGES = "public"
GENERATION = "public_generation"
GENERATION_KEY = "generation"
PREFIX = "/public/"
# A page of the current generation is kept this long (edits that do not bump the generation show after it).
PAGE_SECONDS = 300
# What a browser (or a proxy in front) may keep without asking again.
BROWSER_SECONDS = 60
# How long a process trusts the generation it read from the database.
GENERATION_SECONDS = 1.0
# Headers of a finished answer that are kept with its body; the rest (CSP, request id, security
# headers) are added again by the middleware around this one.
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language", "Link", "Access-Control-Allow-Origin",
                "Cache-Control", "Vary", "X-Frame-Options")
# A streamed answer (the open data files) is kept when it ends within this size; a bigger one is
# streamed every time, never held in memory.
STREAM_KEEP_BYTES = 8 * 1024 * 1024

# The query parameters the portal reads (its filters, the page of a list, the open data's language,
# a chart's width, the language switch's way back). An address with any other is sent, by a cheap
# redirect, to the same address without it: otherwise any made-up parameter (?x=1, ?x=2, ...) would
# be a new cache entry and a page rendered afresh (20 a second here instead of 2,000: a way to
# take the portal down with plain requests), and the cache would fill with copies of one page.
PARAMETERS = frozenset({"type", "region", "election", "since", "until", "page", "lang", "width", "next"})

_seen = {"value": None, "until": 0.0}


def generation() -> int:
    """The portal's current generation. A missing number (a fresh database, a culled entry) starts a
    new one: what was cached before cannot be told from it, so none of it is read."""
    now = time.monotonic()
    if _seen["value"] is not None and now < _seen["until"]:
        return _seen["value"]
    shared = caches[GENERATION]
    value = shared.get(GENERATION_KEY)
    if value is None:
        shared.add(GENERATION_KEY, time.time_ns(), None)
        value = shared.get(GENERATION_KEY)
    _seen.update(value=value, until=now + GENERATION_SECONDS)
    return value


def bump_generation() -> None:
    """Make every cached public page stale, in every process (in this one at once)."""
    value = time.time_ns()
    caches[GENERATION].set(GENERATION_KEY, value, None)
    _seen.update(value=None, until=0.0)


def page_key(request) -> str:
    # The language as LocaleMiddleware will choose it (cookie, then Accept-Language), read before it runs.
    language = get_language_from_request(request)
    # The host and scheme too: the embed code a page offers names the address it was asked at.
    raw = "\x1f".join([request.scheme, request.get_host(), request.path, repr(sorted(request.GET.lists())), language])
    return f"page:{generation()}:{hashlib.sha256(raw.encode()).hexdigest()}"


def cached_page(view):
    """A public page: GET or HEAD only, kept by :class:`PortalCacheMiddleware` when it answers 200,
    and by browsers for ``BROWSER_SECONDS``."""

    @require_safe
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            response.portal_cacheable = True
            response["Cache-Control"] = f"public, max-age={BROWSER_SECONDS}"
            # The language comes from the cookie or the browser's Accept-Language (LocaleMiddleware).
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    return wrapped


class PortalCacheMiddleware:
    """Answer a GET under /public/ from the cache, or keep the answer a :func:`cached_page` view
    gave. ``X-Portal-Cache`` says which (``hit`` or ``miss``), for the benchmark and the tests."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or not request.path.startswith(PREFIX):
            return self.get_response(request)
        if any(name not in PARAMETERS for name in request.GET):
            return _canonical(request)
        key = page_key(request)
        kept = caches[PAGES].get(key)
        if kept is not None:
            return _from_cache(kept)
        response = self.get_response(request)
        if not getattr(response, "portal_cacheable", False) or response.status_code != 200:
            return response
        headers = {h: response[h] for h in KEPT_HEADERS if response.has_header(h)}
        embeddable = getattr(response, "embeddable", False)
        if response.streaming:
            response.streaming_content = _keeping(response.streaming_content, key, headers, embeddable)
        else:
            caches[PAGES].set(key, (response.content, headers, embeddable), PAGE_SECONDS)
        response["X-Portal-Cache"] = "miss"
        return response


def _canonical(request) -> HttpResponseRedirect:
    """The same address without the parameters the portal does not read (302: a parameter the
    portal learns to read later must not be remembered away by browsers)."""
    kept = [(name, value) for name, values in request.GET.lists() if name in PARAMETERS for value in values]
    response = HttpResponseRedirect(request.path + ("?" + urlencode(kept) if kept else ""))
    response["Cache-Control"] = f"public, max-age={BROWSER_SECONDS}"
    return response


def _from_cache(kept) -> HttpResponse:
    content, headers, embeddable = kept
    response = HttpResponse(content)
    for name, value in headers.items():
        response[name] = value
    response.embeddable = embeddable  # the CSP middleware outside this one reads it
    response["X-Portal-Cache"] = "hit"
    return response


def _keeping(parts, key: str, headers: dict, embeddable: bool):
    """Pass a streamed body through, and keep it once it has ended if it stayed small."""
    kept, size = [], 0
    for part in parts:
        if kept is not None:
            size += len(part)
            if size > STREAM_KEEP_BYTES:
                kept = None
            else:
                kept.append(part)
        yield part
    if kept is not None:
        caches[PAGES].set(key, (b"".join(kept), headers, embeddable), PAGE_SECONDS)
