"""Per-user rate limits on the ways to pull many records out at once: search and export.

A stolen session or token, or an insider, should not walk the whole database through the search box
or export it proposal by proposal faster than a person reads. The limits are per user (per address
for the few views open without signing in), per group of views, set by SVIDOK_RATE_* (settings).
A request over the limit gets 429 with a sentence saying why: the page below, or the API's JSON
error (``svidok.common.api.exception_handler``).
"""

from django.conf import settings
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit


def configured_rate(group: str, request) -> str | None:
    # Read at each request (not at import), so that a changed setting, or a test's, takes effect.
    return settings.SVIDOK_RATE_LIMITS.get(group)


def limited(group: str, method=ratelimit.ALL):
    """Count each request of the view in ``group`` against the user's limit; over it, 429.
    ``method`` ("POST") counts only those requests: a page whose GET shows a form and whose POST
    makes the export."""
    return ratelimit(group=group, key="user_or_ip", rate=configured_rate, method=method, block=True)


def limited_method(group: str):
    """``limited`` for a method of a class-based view (the API)."""
    return method_decorator(limited(group))


def rate_limited(request, exception):
    """The page of a refused request (``RATELIMIT_VIEW``)."""
    return render(request, "429.html", status=429)
