"""Sessions end (lifetime, "sign out everywhere", a disabled account); API tokens expire, have a
scope, and are listed and revoked from the command line and the account page."""

import datetime as dt
import time

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from svidok.accounts.middleware import SIGNED_IN_AT
from svidok.accounts.models import APIToken
from svidok.accounts.services import create_token, revoke_token, set_active
from svidok.audit.models import AuditEntry
from tests.helpers import PASSWORD, login

pytestmark = pytest.mark.django_db


def api_get(raw, url="/api/v1/incidents/"):
    return APIClient().get(url, HTTP_AUTHORIZATION=f"Token {raw}")


# --- sessions -----------------------------------------------------------------------------------

def test_session_cookie_ends_with_the_browser(client, viewer):
    response = client.post("/accounts/login/", {"username": "viewer", "password": PASSWORD})

    cookie = response.cookies["sessionid"]
    assert (cookie["max-age"], cookie["expires"]) == ("", "")


def test_session_older_than_its_lifetime_is_ended(client, settings, viewer):
    login(client, viewer)
    session = client.session
    session[SIGNED_IN_AT] = int(time.time()) - settings.SVIDOK_SESSION_MAX_AGE - 1
    session.save()

    response = client.get("/incidents/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=%2Fincidents%2F")
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="logout").values_list("changes", flat=True).get() == {"reason": "session expired"}


def test_sign_out_everywhere_ends_every_session_of_the_user(client, documenter):
    elsewhere = login(type(client)(), documenter)
    login(client, documenter)
    assert elsewhere.get("/").status_code == 200

    response = client.post("/accounts/sign-out-everywhere/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    assert elsewhere.get("/")["Location"] == "/accounts/login/?next=/"
    assert client.get("/")["Location"] == "/accounts/login/?next=/"
    assert AuditEntry.objects.filter(action="logout").values_list("object_repr", "changes").get() == ("documenter", {"reason": "everywhere"})


def test_disabling_an_account_stops_its_session_and_token_at_once(client, admin_user, analyst):
    login(client, analyst)
    raw = create_token(actor=admin_user, user=analyst)
    assert (client.get("/").status_code, api_get(raw).status_code) == (200, 200)

    set_active(actor=admin_user, user=analyst, active=False)

    assert client.get("/")["Location"] == "/accounts/login/?next=/"
    assert (api_get(raw).status_code, api_get(raw).json()) == (401, {"detail": "This token has been revoked."})
    assert list(AuditEntry.objects.filter(object_repr="analyst", action="update").values_list("changes", flat=True)) == [
        {"is_active": [True, False]}]


def test_user_disable_command_and_enable_again(analyst, capsys):
    call_command("user", "disable", "analyst")
    call_command("user", "enable", "analyst")

    assert capsys.readouterr().out == "analyst: disabled\nanalyst: enabled\n"


# --- tokens -------------------------------------------------------------------------------------

def test_expired_token_answers_401_saying_so(admin_user, viewer):
    raw = create_token(actor=admin_user, user=viewer, days=1)
    APIToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = api_get(raw)

    assert (response.status_code, response.json()) == (401, {"detail": "This token has expired; ask for a new one."})


def test_revoked_token_answers_401_saying_so(admin_user, viewer):
    raw = create_token(actor=admin_user, user=viewer)
    revoke_token(actor=admin_user, token=APIToken.objects.get())

    response = api_get(raw)

    assert (response.status_code, response.json()) == (401, {"detail": "This token has been revoked."})


def test_new_token_expires_after_the_default_lifetime_and_reads_only(settings, admin_user, documenter):
    before = timezone.now()
    raw = create_token(actor=admin_user, user=documenter)

    token = APIToken.objects.get()
    response = APIClient().post("/api/v1/incidents/", {}, format="json", HTTP_AUTHORIZATION=f"Token {raw}")

    assert token.scope == "read"
    assert dt.timedelta(days=settings.SVIDOK_TOKEN_DAYS) <= token.expires_at - before < dt.timedelta(days=settings.SVIDOK_TOKEN_DAYS, minutes=1)
    assert (response.status_code, response.json()) == (403, {"detail": "This token is read-only."})


def test_write_token_may_write(admin_user, documenter):
    raw = create_token(actor=admin_user, user=documenter, scope="write")

    response = APIClient().post("/api/v1/incidents/", {}, format="json", HTTP_AUTHORIZATION=f"Token {raw}")

    assert response.status_code == 400  # past authentication: the empty record is refused field by field


def test_token_list_and_revoke_commands(documenter, capsys):
    call_command("token", "create", "documenter", "--scope", "write", "--days", "7", "--name", "laptop")
    raw = capsys.readouterr().out.strip()
    token = APIToken.objects.get()

    call_command("token", "list")
    listed = capsys.readouterr().out
    call_command("token", "revoke", str(token.public_id))
    revoked = capsys.readouterr().out
    call_command("token", "list", "documenter")

    assert listed.split()[:5] == [str(token.public_id), "documenter", f"sv_{raw[3:11]}…", "write", timezone.localtime(token.created_at).strftime("%Y-%m-%d")]
    assert listed.split()[-2:] == ["active", "laptop"]
    assert revoked == f"Revoked sv_{raw[3:11]}… of documenter.\n"
    assert capsys.readouterr().out.split()[-2:] == ["revoked", "laptop"]
    assert api_get(raw).status_code == 401
    assert raw not in "".join(AuditEntry.objects.values_list("payload", flat=True))


def test_token_revoke_unknown_id_fails_clearly():
    with pytest.raises(CommandError) as caught:
        call_command("token", "revoke", "not-an-id")

    assert str(caught.value) == "'not-an-id' is not a token id; `svidok token list` shows the ids."


def test_token_create_refuses_a_bad_lifetime(documenter):
    with pytest.raises(CommandError) as caught:
        call_command("token", "create", "documenter", "--days", "0")

    assert str(caught.value) == "days: A token lives between 1 and 3650 days."
    assert APIToken.objects.count() == 0


def test_account_page_lists_own_tokens_with_dates(client, admin_user, analyst, viewer):
    create_token(actor=admin_user, user=analyst, name="notebook")
    create_token(actor=admin_user, user=viewer, name="other")
    login(client, analyst)

    page = client.get("/accounts/").content.decode()

    assert "notebook" in page and "other" not in page
    assert page.count('action="/accounts/tokens/') == 1
    assert "never" in page  # last used


def test_owner_revokes_own_token_from_the_account_page(client, admin_user, analyst):
    raw = create_token(actor=admin_user, user=analyst)
    login(client, analyst)

    response = client.post(f"/accounts/tokens/{APIToken.objects.get().public_id}/revoke/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/")
    assert api_get(raw).status_code == 401


def test_somebody_elses_token_cannot_be_revoked_by_a_non_admin(client, admin_user, analyst, viewer):
    raw = create_token(actor=admin_user, user=viewer)
    login(client, analyst)

    response = client.post(f"/accounts/tokens/{APIToken.objects.get().public_id}/revoke/")

    assert response.status_code == 404
    assert api_get(raw).status_code == 200


def test_admin_sees_and_revokes_others_tokens(client, admin_user, viewer):
    raw = create_token(actor=admin_user, user=viewer, name="reader")
    login(client, admin_user)

    page = client.get("/accounts/").content.decode()
    client.post(f"/accounts/tokens/{APIToken.objects.get().public_id}/revoke/")

    assert '<td data-label="Account">viewer</td>' in page
    assert api_get(raw).status_code == 401
    assert AuditEntry.objects.filter(action="revoke").values_list("actor_label", "object_type").get() == ("admin", "accounts.apitoken")


@pytest.mark.django_db(transaction=True)
def test_migration_gives_old_tokens_an_expiry_and_keeps_them_writing(settings):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0001_initial")])
    old = executor.loader.project_state([("accounts", "0001_initial")]).apps
    user = old.get_model("accounts", "User").objects.create(username="integration", role="analyst")
    old.get_model("accounts", "APIToken").objects.create(user=user, prefix="abcdefgh", digest="0" * 64)
    before = timezone.now()

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    token = APIToken.objects.get()
    assert token.scope == "write"
    assert dt.timedelta(days=settings.SVIDOK_TOKEN_DAYS) <= token.expires_at - before < dt.timedelta(days=settings.SVIDOK_TOKEN_DAYS, minutes=1)
    assert token.public_id is not None
