import logging
from functools import wraps

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from svidok.common import crypto
from svidok.common.context import reset_request_id, set_request_id

# Strict policy: no inline script or style anywhere, every asset from our own origin.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The public portal's embeds (the map and the charts that partners put in an iframe on their sites,
# docs/public-portal.md) may be framed by any site; every other page by none (clickjacking).
EMBED_PREFIX = "/public/embed/"
CSP_EMBEDDABLE = CSP.replace("frame-ancestors 'none'", "frame-ancestors *")


def embeddable(view):
    """Mark a view's answers as framable by any site: the CSP says ``frame-ancestors *`` and no
    ``X-Frame-Options`` is sent. Honoured only under ``EMBED_PREFIX``, so that a decorator put on
    the wrong view cannot open a page with a form or a record to clickjacking."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.path.startswith(EMBED_PREFIX):
            response.embeddable = True
            response.xframe_options_exempt = True  # django.middleware.clickjacking leaves it out
        return response

    return wrapped


class RequestIdMiddleware:
    """Tag each request with an id that its audit entries carry (and that the response echoes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_request_id()
        try:
            from svidok.common.context import current_request_id

            request.request_id = current_request_id()
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            return response
        finally:
            reset_request_id(token)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The browsable API and the admin carry inline scripts; they are for staff only.
        if not request.path.startswith(("/admin/", "/api/")) or not settings.DEBUG:
            embed = getattr(response, "embeddable", False) and request.path.startswith(EMBED_PREFIX)
            response.setdefault("Content-Security-Policy", CSP_EMBEDDABLE if embed else CSP)
        return response


class NoStoreMiddleware:
    """Nothing Svidok answers is kept by a browser or a proxy cache: every page and API response
    carries ``Cache-Control: no-store`` (a shared computer's cache or back button must not show a
    victim's record to the next person). Static files never reach this middleware (WhiteNoise answers
    them before it); a response that chose its own caching keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        if "no-store" in response["Cache-Control"]:
            response.setdefault("Pragma", "no-cache")  # HTTP/1.0 caches know no Cache-Control
        return response


logger = logging.getLogger("svidok.vault")


class VaultUnavailableMiddleware:
    """A request that needs a sealed identity while the identity key is missing or wrong answers
    503 with a sentence for the user and one for the administrator, not a server error: the
    installation is misconfigured, nothing is broken, and nothing about the person is said.
    The log line names the configuration problem only (``crypto.VaultError`` messages name keys and
    files, never values)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, crypto.VaultError):
            return None
        logger.error("identity vault unavailable: %s", exception)
        message = _("Protected identities cannot be opened on this server right now: its identity key is missing "
                    "or is not the key the data was sealed with. Nothing was changed. Tell the administrator.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=503)
        return render(request, "503_vault.html", {"message": message}, status=503)
