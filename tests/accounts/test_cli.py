import re

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from svidok.accounts.models import User
from svidok.accounts.services import SYSTEM_USERNAME
from svidok.audit.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db


def test_user_create_prints_generated_password_once(capsys):
    call_command("user", "create", "olena", "--role", "documenter", "--email", "olena@example.org")

    out = capsys.readouterr().out
    password = re.fullmatch(r"Created olena \(documenter\)\. Password \(shown once\): (\S+)\n", out).group(1)
    user = User.objects.get(username="olena")
    assert (user.role, user.email, user.check_password(password)) == ("documenter", "olena@example.org", True)
    assert AuditEntry.objects.exclude(object_repr=SYSTEM_USERNAME).filter(object_type="accounts.user", action="create").count() == 1
    assert password not in AuditEntry.objects.exclude(object_repr=SYSTEM_USERNAME).get(object_type="accounts.user").payload


def test_user_create_taken_name_fails_clearly(viewer):
    with pytest.raises(CommandError) as caught:
        call_command("user", "create", "viewer", "--role", "viewer")

    assert str(caught.value) == "username: User name is empty or taken."


def test_user_create_unknown_role_is_refused():
    with pytest.raises(CommandError):
        call_command("user", "create", "olena", "--role", "boss")

    assert User.objects.exclude(username=SYSTEM_USERNAME).count() == 0


def test_user_list_shows_roles(viewer, analyst, capsys):
    call_command("user", "list")

    # The system account, which commands act as, is an account too (an administrator nobody signs in as).
    assert capsys.readouterr().out.split() == ["analyst", "analyst", "system", "admin", "viewer", "viewer"]


def test_user_set_role_changes_and_audits(viewer, capsys):
    call_command("user", "set-role", "viewer", "analyst")

    assert User.objects.get(username="viewer").role == "analyst"
    assert capsys.readouterr().out == "viewer: viewer -> analyst\n"
    assert AuditEntry.objects.get(action="update", object_type="accounts.user").changes == {"role": ["viewer", "analyst"]}


def test_user_set_role_unknown_user_fails():
    with pytest.raises(CommandError) as caught:
        call_command("user", "set-role", "nobody", "analyst")

    assert str(caught.value) == "No user 'nobody'."


def test_token_create_prints_a_token_that_works_against_the_api(documenter, capsys):
    incident = factories.incident(documenter)
    call_command("token", "create", "documenter", "--name", "laptop")
    token = capsys.readouterr().out.strip()
    client = APIClient()

    response = client.get(f"/api/v1/incidents/{incident.reference}/", HTTP_AUTHORIZATION=f"Token {token}")
    refused = client.get(f"/api/v1/incidents/{incident.reference}/", HTTP_AUTHORIZATION="Token sv_not-a-real-token")

    assert token.startswith("sv_")
    assert (response.status_code, response.json()["reference"]) == (200, incident.reference)
    assert refused.status_code == 401
    assert documenter.api_tokens.get().name == "laptop"


def test_token_create_unknown_user_fails():
    with pytest.raises(CommandError) as caught:
        call_command("token", "create", "nobody")

    assert str(caught.value) == "No active user 'nobody'."
