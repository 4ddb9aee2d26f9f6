from django.conf import settings

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
            response.setdefault("Content-Security-Policy", CSP)
        return response
