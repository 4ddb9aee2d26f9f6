"""Flow: signing in with Secure cookies over plain HTTP on this machine (http://localhost).

Chromium treats localhost as a secure context and keeps Secure cookies it receives over HTTP there;
a deployment's cookies are Secure (settings, docs/deploy.md), and this shows they do not stop
sign-in on a developer's machine either.
"""

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from tests.browser.conftest import sign_in
from tests.helpers import make_user

pytestmark = pytest.mark.browser


def test_sign_in_over_http_localhost_with_secure_cookies(page, context, settings, console_errors, vocabularies):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    make_user(Role.DOCUMENTER, "documenter")

    sign_in(page, "documenter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    assert (cookies["sessionid"]["secure"], cookies["csrftoken"]["secure"]) == (True, True)
    assert console_errors == []
