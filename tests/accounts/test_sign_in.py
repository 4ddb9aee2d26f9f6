"""Signing in: lockout after repeated failures (django-axes), the second factor (django-otp), and
the audit entries every sign-in event leaves."""

import datetime as dt
import re
from base64 import b32decode

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from svidok.accounts.models import Role
from svidok.accounts.services import confirm_totp_enrollment, start_totp_enrollment
from svidok.audit.models import AuditEntry
from tests.helpers import PASSWORD, authenticator, current_code, login, make_user

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-at-all"


def sign_in(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def entries(*actions):
    return list(AuditEntry.objects.filter(action__in=actions).order_by("id").values_list("action", "object_repr", "changes"))


# --- lockout ------------------------------------------------------------------------------------

def test_fifty_wrong_passwords_then_the_right_one_does_not_sign_in(client, viewer):
    for _ in range(50):
        sign_in(client, "viewer", WRONG)

    response = sign_in(client, "viewer")

    assert response.status_code == 429
    assert "Signing in is paused" in response.content.decode()
    assert "Try again in 15 minutes." in response.content.decode()
    assert not signed_in(client)
    assert WRONG not in "".join(AccessAttempt.objects.values_list("post_data", flat=True))  # axes masks it


def test_lockout_comes_at_the_fifth_failure(client, viewer):
    answers = [sign_in(client, "viewer", WRONG).status_code for _ in range(5)]

    assert answers == [200, 200, 200, 200, 429]


def test_failures_from_one_address_lock_it_whatever_the_names(client, viewer):
    for number in range(5):
        sign_in(client, f"guess{number}", WRONG)

    assert sign_in(client, "viewer").status_code == 429
    assert not signed_in(client)


def test_failures_for_one_name_lock_it_from_any_address(client, viewer):
    for number in range(5):
        client.post("/accounts/login/", {"username": "viewer", "password": WRONG}, REMOTE_ADDR=f"192.0.2.{number + 1}")

    response = client.post("/accounts/login/", {"username": "viewer", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7")

    assert response.status_code == 429


def test_admin_login_page_signs_nobody_in(client, admin_user):
    response = client.post("/admin/login/", {"username": "admin", "password": PASSWORD, "next": "/admin/"})

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    assert not signed_in(client)


def test_admin_sign_out_is_the_audited_one(client, admin_user):
    login(client, admin_user)

    response = client.post("/admin/logout/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    assert not signed_in(client)
    assert entries("logout") == [("logout", "admin", {"reason": "signed out"})]


def test_lockout_lifts_after_the_cool_off(client, admin_user):
    for _ in range(5):
        sign_in(client, "admin", WRONG)
    assert sign_in(client, "admin").status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))

    assert sign_in(client, "admin").status_code == 302
    assert signed_in(client)


def test_axes_reset_lifts_a_lockout(client, admin_user):
    for _ in range(5):
        sign_in(client, "admin", WRONG)

    call_command("axes_reset", verbosity=0)

    assert sign_in(client, "admin").status_code == 302


def test_locked_out_page_speaks_ukrainian(client, viewer):
    client.cookies["django_language"] = "uk"
    for _ in range(5):
        response = sign_in(client, "viewer", WRONG)

    assert response.status_code == 429
    assert "<h1>Вхід призупинено</h1>" in response.content.decode()


# --- audit --------------------------------------------------------------------------------------

def test_sign_in_and_sign_out_are_audited(client, viewer):
    sign_in(client, "viewer")
    client.post("/accounts/logout/")

    assert entries("login", "logout") == [("login", "viewer", {"step": "password"}), ("logout", "viewer", {"reason": "signed out"})]


def test_failures_are_audited_naming_only_existing_accounts_and_never_the_password(client, viewer):
    sign_in(client, "viewer", WRONG)
    sign_in(client, "olena.k", WRONG)

    failures = AuditEntry.objects.filter(action="login_failed").order_by("id")
    assert [(e.actor_label, e.object_repr, e.object_id, e.changes) for e in failures] == [
        ("anonymous", "viewer", str(viewer.pk), {"reason": "password"}),
        ("anonymous", "unknown account", "", {"reason": "password"}),
    ]
    assert not AuditEntry.objects.filter(payload__contains=WRONG).exists()
    assert not AuditEntry.objects.filter(payload__contains="olena").exists()


def test_each_attempt_leaves_one_entry_and_the_lockout_its_own(client, viewer):
    for _ in range(6):
        sign_in(client, "viewer", WRONG)

    # The fifth failure is the one that locks: it is recorded as the lockout, and so is each
    # attempt refused while the lock holds.
    assert [action for action, *_ in entries("login_failed", "lockout")] == ["login_failed"] * 4 + ["lockout", "lockout"]
    assert entries("lockout")[0] == ("lockout", "viewer", {"minutes": 15})


# --- second factor ------------------------------------------------------------------------------

def test_documenter_without_authenticator_reaches_only_the_set_up_page(client, documenter):
    sign_in(client, "documenter")

    pages = {url: client.get(url) for url in ("/", "/incidents/", "/people/persons/", "/accounts/")}
    api = client.get("/api/v1/incidents/")

    assert {url: r["Location"] for url, r in pages.items()} == {
        url: "/accounts/two-factor/setup/?next=" + url.replace("/", "%2F") for url in pages}
    assert api.status_code == 403
    assert client.get("/accounts/two-factor/setup/").status_code == 200


def test_the_public_site_is_read_before_the_second_factor_as_without_signing_in(client, documenter):
    sign_in(client, "documenter")

    public = client.get("/public/")
    private = client.get("/incidents/")

    assert public.status_code == 200
    assert private.status_code == 302 and private["Location"].startswith("/accounts/two-factor/setup/")


def test_admin_site_needs_the_second_factor_too(client, admin_user):
    authenticator(admin_user)
    sign_in(client, "admin")

    response = client.get("/admin/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/two-factor/?next=%2Fadmin%2F")


def test_enrollment_shows_qr_and_key_and_is_confirmed_with_the_first_code(client, documenter):
    sign_in(client, "documenter")
    page = client.get("/accounts/two-factor/setup/").content.decode()
    secret = re.search(r'<code class="secret" id="otp-secret">([A-Z2-7 ]+)</code>', page).group(1)
    code = TOTP(b32decode(secret.replace(" ", "")))

    response = client.post("/accounts/two-factor/setup/", {"otp_token": f"{code.token():06d}", "next": "/incidents/"})

    assert '<svg width="' in page and "style=" not in page
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert (response.status_code, len(codes)) == (200, 10)
    assert client.get("/incidents/").status_code == 200
    assert client.get("/accounts/two-factor/setup/")["Location"] == "/accounts/"  # shown once: no way back to them
    assert codes[0] not in client.get("/accounts/").content.decode()
    assert entries("otp_enrolled") == [("otp_enrolled", "documenter", {"device": [None, "totp"]})]
    assert not AuditEntry.objects.filter(payload__contains=secret.replace(" ", "")[:16]).exists()


def test_enrollment_refuses_a_wrong_code(client, documenter):
    sign_in(client, "documenter")
    client.get("/accounts/two-factor/setup/")

    response = client.post("/accounts/two-factor/setup/", {"otp_token": "000000"})

    assert "That code is not right" in response.content.decode()
    assert TOTPDevice.objects.get(user=documenter).confirmed is False
    assert client.get("/").status_code == 302


def test_sign_in_asks_for_the_code_after_the_password(client, coordinator):
    device = authenticator(coordinator)

    after_password = sign_in(client, "coordinator")
    wrong = client.post("/accounts/two-factor/", {"otp_token": "123456"})
    # After a wrong code the device waits a second before it checks another (django-otp's
    # throttling); the person's second try comes later than that.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=5))
    right = client.post("/accounts/two-factor/", {"otp_token": current_code(device), "next": "/incidents/"})

    assert after_password["Location"] == "/accounts/two-factor/?next=%2F"
    assert "That code is not right" in wrong.content.decode()
    assert (right.status_code, right["Location"]) == (302, "/incidents/")
    assert client.get("/").status_code == 200
    assert [(a, c) for a, _, c in entries("login", "otp_failed", "otp_verified")] == [
        ("login", {"step": "password"}), ("otp_failed", {"reason": "wrong code"}), ("otp_verified", {"step": "totp"})]


def test_a_backup_code_signs_in_once(client, documenter):
    device = start_totp_enrollment(actor=documenter)
    codes = confirm_totp_enrollment(actor=documenter, device=device, code=current_code(device))

    sign_in(client, "documenter")
    first = client.post("/accounts/two-factor/", {"otp_token": codes[0]})
    client.post("/accounts/logout/")
    sign_in(client, "documenter")
    again = client.post("/accounts/two-factor/", {"otp_token": codes[0]})

    assert first["Location"] == "/"
    assert again.status_code == 200 and "That code is not right" in again.content.decode()
    assert not AuditEntry.objects.filter(payload__contains=codes[0]).exists()


def test_roles_without_second_factor_follow_the_setting(client, settings, analyst, viewer):
    settings.SVIDOK_2FA_ROLES = [Role.ANALYST]

    sign_in(client, "analyst")
    analyst_home = client.get("/")
    client.post("/accounts/logout/")
    sign_in(client, "viewer")

    assert analyst_home["Location"].startswith("/accounts/two-factor/setup/")
    assert client.get("/").status_code == 200


def test_unknown_role_in_the_setting_fails_the_check(settings):
    from svidok.accounts.signals import check_second_factor_roles

    settings.SVIDOK_2FA_ROLES = ["admin", "boss"]

    assert [e.id for e in check_second_factor_roles(None)] == ["svidok.E201"]


def test_reset_2fa_command_sends_the_user_to_set_up_again(client, coordinator, capsys):
    authenticator(coordinator)

    call_command("user", "reset-2fa", "coordinator")
    sign_in(client, "coordinator")

    assert capsys.readouterr().out == "coordinator: authenticator removed\n"
    assert client.get("/")["Location"].startswith("/accounts/two-factor/setup/")
    assert entries("otp_removed") == [("otp_removed", "coordinator", {"device": ["totp", None]})]


def test_make_user_helper_roles_need_codes():
    assert [make_user(role, role).needs_second_factor for role in Role.values] == [True, True, True, False, False, True]
