import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory

from svidok.accounts.authentication import APITokenAuthentication
from svidok.accounts.models import APIToken, User
from svidok.accounts.services import (
    DEMO_USERS,
    SYSTEM_USERNAME,
    create_token,
    create_user,
    ensure_demo_users,
    ensure_service_account,
    system_account,
)
from svidok.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "lantern-orchard-quietly-42"


def _authenticate(raw: str, keyword: str = "Token"):
    request = APIRequestFactory().get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"{keyword} {raw}")
    return APITokenAuthentication().authenticate(request)


def test_create_user_with_password_signs_in_and_audits_no_password():
    user, generated = create_user(actor=system_account(), username="monitor1", role="documenter", password=GOOD_PASSWORD)

    assert (user.role, generated, user.check_password(GOOD_PASSWORD)) == ("documenter", None, True)
    entry = AuditEntry.objects.exclude(object_repr=SYSTEM_USERNAME).get(object_type="accounts.user")
    assert entry.changes == {"username": [None, "monitor1"], "role": [None, "documenter"]}
    assert GOOD_PASSWORD not in entry.payload


def test_create_user_without_password_returns_generated_one():
    user, generated = create_user(actor=system_account(), username="monitor1", role="viewer")

    assert len(generated) >= 16
    assert user.check_password(generated) is True


@pytest.mark.parametrize(
    ("username", "role", "password", "field"),
    [
        ("monitor1", "superuser", GOOD_PASSWORD, "role"),
        ("", "viewer", GOOD_PASSWORD, "username"),
        ("bad name!", "viewer", GOOD_PASSWORD, "username"),
        ("monitor1", "viewer", "12345", "password"),
        ("monitor1", "viewer", "password123", "password"),
    ],
)
def test_create_user_bad_input_names_the_field_and_writes_nothing(username, role, password, field):
    with pytest.raises(ValidationError) as caught:
        create_user(actor=system_account(), username=username, role=role, password=password)

    assert list(caught.value.message_dict) == [field]
    assert (User.objects.exclude(username=SYSTEM_USERNAME).count(), AuditEntry.objects.exclude(object_repr=SYSTEM_USERNAME).filter(object_type="accounts.user").count()) == (0, 0)


def test_create_user_taken_username_names_the_field():
    create_user(actor=system_account(), username="monitor1", role="viewer", password=GOOD_PASSWORD)

    with pytest.raises(ValidationError) as caught:
        create_user(actor=system_account(), username="monitor1", role="analyst", password=GOOD_PASSWORD)

    assert list(caught.value.message_dict) == ["username"]
    assert list(User.objects.exclude(username=SYSTEM_USERNAME).values_list("username", "role")) == [("monitor1", "viewer")]


def test_create_user_refused_to_coordinator(coordinator):
    with pytest.raises(PermissionDenied):
        create_user(actor=coordinator, username="monitor1", role="viewer", password=GOOD_PASSWORD)

    assert User.objects.filter(username="monitor1").count() == 0


def test_create_user_by_admin_records_admin_as_actor(admin_user):
    create_user(actor=admin_user, username="monitor1", role="analyst", password=GOOD_PASSWORD)

    assert list(AuditEntry.objects.exclude(object_repr=SYSTEM_USERNAME).filter(object_type="accounts.user").values_list("actor_label", "object_repr")) == [("admin", "monitor1")]


def test_create_token_stores_only_a_digest(documenter):
    raw = create_token(actor=system_account(), user=documenter, name="laptop")

    token = APIToken.objects.get()
    assert raw.startswith("sv_")
    assert (token.user, token.name, token.prefix, token.digest) == (documenter, "laptop", raw[3:11], hashlib.sha256(raw.encode()).hexdigest())
    assert raw not in AuditEntry.objects.get(object_type="accounts.apitoken").payload


def test_created_token_authenticates_its_user(documenter):
    raw = create_token(actor=documenter, user=documenter)

    user, token = _authenticate(raw)

    assert (user, token.user) == (documenter, documenter)
    assert APIToken.objects.get().last_used_at is not None
    assert _authenticate(raw, keyword="Bearer")[0] == documenter


def test_wrong_or_revoked_token_is_refused(documenter):
    raw = create_token(actor=system_account(), user=documenter)

    with pytest.raises(exceptions.AuthenticationFailed):
        _authenticate(raw + "x")
    APIToken.objects.update(revoked_at=timezone.now())
    with pytest.raises(exceptions.AuthenticationFailed):
        _authenticate(raw)


def test_token_of_deactivated_user_is_refused(documenter):
    raw = create_token(actor=system_account(), user=documenter)
    documenter.is_active = False
    documenter.save()

    with pytest.raises(exceptions.AuthenticationFailed):
        _authenticate(raw)


def test_create_token_for_someone_else_needs_admin(documenter, analyst, admin_user):
    with pytest.raises(PermissionDenied):
        create_token(actor=documenter, user=analyst)

    raw = create_token(actor=admin_user, user=analyst)

    assert _authenticate(raw)[0] == analyst
    assert APIToken.objects.count() == 1


def test_ensure_demo_users_generates_distinct_passwords_once():
    first = ensure_demo_users(password=None)
    second = ensure_demo_users(password=None)

    users = {u.username: u for u in User.objects.exclude(username=SYSTEM_USERNAME).all()}
    assert sorted(users) == sorted(DEMO_USERS)
    assert {name: users[name].role for name in DEMO_USERS} == {name: name for name in DEMO_USERS}
    assert len(set(first.values())) == len(DEMO_USERS)  # a password of its own each
    assert all(users[name].check_password(first[name]) for name in DEMO_USERS)
    assert second == dict.fromkeys(DEMO_USERS)


def test_ensure_demo_users_passwords_differ_between_installations():
    # Two fresh databases, simulated by rolling the first one back: no password is built in.
    with transaction.atomic():
        first = ensure_demo_users(password=None)
        transaction.set_rollback(True)
    second = ensure_demo_users(password=None)

    assert User.objects.exclude(username=SYSTEM_USERNAME).count() == len(DEMO_USERS)
    assert all(first[name] != second[name] for name in DEMO_USERS)


def test_ensure_demo_users_with_fixed_password_sets_it_for_everyone():
    result = ensure_demo_users(password=GOOD_PASSWORD)

    assert result == dict.fromkeys(DEMO_USERS, GOOD_PASSWORD)
    assert all(u.check_password(GOOD_PASSWORD) for u in User.objects.exclude(username=SYSTEM_USERNAME).all())
    assert ensure_demo_users(password=GOOD_PASSWORD) == dict.fromkeys(DEMO_USERS)


def test_ensure_demo_users_resets_to_a_new_fixed_password():
    ensure_demo_users(password=None)

    result = ensure_demo_users(password=GOOD_PASSWORD)

    assert result == dict.fromkeys(DEMO_USERS, GOOD_PASSWORD)
    assert User.objects.get(username="viewer").check_password(GOOD_PASSWORD) is True
    assert all(GOOD_PASSWORD not in e.payload for e in AuditEntry.objects.all())


def test_ensure_service_account_cannot_sign_in_and_is_created_once():
    first = ensure_service_account(username="demo-loader", role="coordinator")
    second = ensure_service_account(username="demo-loader", role="coordinator")

    assert (first.pk, first.role, first.has_usable_password()) == (second.pk, "coordinator", False)
    assert AuditEntry.objects.exclude(object_repr=SYSTEM_USERNAME).filter(object_type="accounts.user").count() == 1


def test_ensure_service_account_unknown_role_names_the_field():
    with pytest.raises(ValidationError) as caught:
        ensure_service_account(username="robot", role="robot")

    assert list(caught.value.message_dict) == ["role"]
