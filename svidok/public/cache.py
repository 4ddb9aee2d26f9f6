"""The public portal's page cache (docs/public-portal.md).

Whole pages are kept per address (path and query string, parameters sorted), per language, under the
portal's *generation*: a number kept in the database (a cache table every web process shares) that
changes when an incident is published, withdrawn or otherwise edited (``bump_generation``, called on
every save of an incident: svidok.public.apps). A page of an older generation is never read again;
the rest (a source or a person edited) expires after ``PAGE_SECONDS``.

The pages themselves live in the ``public`` cache alias: in the memory of each process (LocMem), so
two web processes each render a page once. Nothing in them depends on who asks: the portal's
templates know no user, no session and no CSRF token (the language switcher is a link).
"""

import hashlib
import time
from functools import wraps

from django.core.cache import caches
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

PAGES = "public"
GENERATION = "public_generation"
GENERATION_KEY = "generation"
# A page of the current generation is kept this long (edits that do not bump the generation show after it).
PAGE_SECONDS = 300
# What a browser (or a proxy in front) may keep without asking again.
BROWSER_SECONDS = 60
# Headers of a response that are kept with its body.
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language", "Link", "Access-Control-Allow-Origin")
# A streamed answer (the open data files) is kept when it ends within this size; a bigger one is
# streamed every time, never held in memory.
STREAM_KEEP_BYTES = 8 * 1024 * 1024


def generation() -> int:
    """The portal's current generation. A missing number (a fresh database, a culled entry) starts a
    new one: what was cached before cannot be told from it, so none of it is read."""
    shared = caches[GENERATION]
    value = shared.get(GENERATION_KEY)
    if value is None:
        shared.add(GENERATION_KEY, time.time_ns(), None)
        value = shared.get(GENERATION_KEY)
    return value


def bump_generation() -> None:
    """Make every cached public page stale, in every process (the next request renders it again)."""
    caches[GENERATION].set(GENERATION_KEY, time.time_ns(), None)


def page_key(request) -> str:
    query = sorted(request.GET.lists())
    raw = "\x1f".join([request.path, repr(query), get_language() or ""])
    return f"page:{generation()}:{hashlib.sha256(raw.encode()).hexdigest()}"


def _public_headers(response) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={BROWSER_SECONDS}"
    # The language comes from the cookie or the browser's Accept-Language (LocaleMiddleware).
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


def cached_page(view):
    """A public page (GET or HEAD only) answered from the portal's cache when it is there; a
    successful answer is kept. ``X-Portal-Cache`` says which (for the benchmark and the tests)."""

    @require_safe
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        pages = caches[PAGES]
        key = page_key(request)
        kept = pages.get(key)
        if kept is not None:
            status, content, headers = kept
            response = HttpResponse(content, status=status)
            for name, value in headers.items():
                response[name] = value
            response["X-Portal-Cache"] = "hit"
            return _public_headers(response)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and response.streaming:
            headers = {h: response[h] for h in KEPT_HEADERS if response.has_header(h)}
            response.streaming_content = _keeping(response.streaming_content, key, headers)
            response["X-Portal-Cache"] = "miss"
            return _public_headers(response)
        if response.status_code == 200:
            if hasattr(response, "render") and callable(response.render):
                response.render()
            headers = {h: response[h] for h in KEPT_HEADERS if response.has_header(h)}
            pages.set(key, (response.status_code, response.content, headers), PAGE_SECONDS)
            response["X-Portal-Cache"] = "miss"
            return _public_headers(response)
        return response

    return wrapped


def _keeping(parts, key: str, headers: dict):
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
        caches[PAGES].set(key, (200, b"".join(kept), headers), PAGE_SECONDS)
