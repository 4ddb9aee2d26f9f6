"""The second factor and the session lifetime, checked on every request after authentication."""

import time
from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth, messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from svidok.accounts.services import record_sign_out, totp_device

SIGNED_IN_AT = "svidok_signed_in_at"


@cache
def _open_paths() -> tuple[str, ...]:
    """Pages a signed-in person may reach before passing the second factor."""
    names = ("accounts:login", "accounts:logout", "accounts:two_factor", "accounts:two_factor_setup")
    return tuple(reverse(name) for name in names)


def stamp_session(sender, request, user, **kwargs):
    """``user_logged_in``: the time the session's lifetime counts from (sign-in, not last use)."""
    request.session[SIGNED_IN_AT] = int(time.time())


class SecondFactorMiddleware:
    """A session older than ``SVIDOK_SESSION_MAX_AGE`` is ended. A person whose role needs a second
    factor (``SVIDOK_2FA_ROLES``) reaches nothing but the code page (or, without an authenticator,
    the set-up page) until the code is given; the API answers 403. /admin/ is no exception."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        started = request.session.get(SIGNED_IN_AT)
        if started is None or time.time() - started > settings.SVIDOK_SESSION_MAX_AGE:
            record_sign_out(user=user, reason="session expired")
            auth.logout(request)
            messages.info(request, _("Your session has ended. Please sign in again."))
            return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}")
        # The public site (/public/) is what anybody reads without signing in: a half-signed-in
        # person reads it as everybody does.
        if (not user.needs_second_factor or user.is_verified() or request.path in _open_paths()
                or request.path.startswith(("/i18n/", "/public/"))):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("Give the code of your second factor first (sign in on the web page).")}, status=403)
        target = "accounts:two_factor" if totp_device(user) is not None else "accounts:two_factor_setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
