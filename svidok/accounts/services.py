"""Use cases for accounts: users, roles, API tokens."""

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from svidok.accounts import rules
from svidok.accounts.models import APIToken, Role, User
from svidok.audit.services import record

DEMO_USERS = ("admin", "coordinator", "documenter", "analyst", "viewer")
SYSTEM_USERNAME = "system"


@transaction.atomic
def create_user(*, actor, username: str, role: str, password: str | None = None, email: str = "") -> tuple[User, str | None]:
    """Create a user. Without a password, one is generated and returned (shown once)."""
    rules.require(actor, "user.manage")
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)r; use one of %(roles)s.") % {"role": role, "roles": ", ".join(Role.values)}})
    if not username or User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("User name is empty or taken.")})
    generated = None
    if password is None:
        password = generated = secrets.token_urlsafe(12)
    user = User(username=username, role=role, email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        # Django's validators raise a bare list; callers (forms, API, CLI) need the field named.
        raise ValidationError({"password": exc.messages}) from None
    user.full_clean(exclude=["password"])
    user.set_password(password)
    user.save()
    record(actor=actor, action="create", obj=user, object_repr=username, changes={"username": [None, username], "role": [None, role]})
    return user, generated


@transaction.atomic
def set_role(*, actor, user: User, role: str) -> User:
    rules.require(actor, "user.manage")
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)r.") % {"role": role}})
    before = user.role
    user.role = role
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    record(actor=actor, action="update", obj=user, object_repr=user.username, changes={"role": [before, role]})
    return user


@transaction.atomic
def create_token(*, actor, user: User, name: str = "") -> str:
    """Issue an API token for ``user``; the raw token is returned once and only its digest kept."""
    # Anybody may issue a token for themselves; for somebody else it takes user.manage.
    if getattr(actor, "pk", None) != user.pk or not rules.role_of(actor):
        rules.require(actor, "user.manage")
    raw = APIToken.generate()
    token = APIToken.objects.create(user=user, name=name, prefix=raw[3:11], digest=APIToken.digest_of(raw))
    record(actor=actor, action="create", object_type="accounts.apitoken", object_id=str(token.pk), object_repr=f"{token.prefix}… for {user.username}", changes={"user": [None, user.username]})
    return raw


@transaction.atomic
def ensure_demo_users(*, password: str | None) -> dict[str, str | None]:
    """Create the five demo accounts if missing. Returns ``{username: new password or None}``.

    Passwords are generated per account on first run (returned to be shown once) unless
    ``password`` (SVIDOK_DEMO_PASSWORD) is given, in which case every demo account gets it.
    """
    result = {}
    for username in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            new_password = password or secrets.token_urlsafe(9)
            user = User(username=username, role=username)
            user.set_password(new_password)
            user.save()
            record(actor=None, action="create", obj=user, object_repr=username, changes={"username": [None, username], "role": [None, username]})
            result[username] = new_password
        elif password and not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
            record(actor=None, action="update", obj=user, object_repr=username, changes={"password": ["[protected]", "[protected]"]})
            result[username] = password
        else:
            result[username] = None
    return result


@transaction.atomic
def ensure_service_account(*, username: str, role: str) -> User:
    """Return the non-login account ``username``, creating it with an unusable password if missing.

    Such an account authors records written by the platform itself (the demo data set): it holds a
    role so the services' permission checks apply to it as to anyone, but nobody can sign in as it.
    """
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)r.") % {"role": role}})
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    user = User(username=username, role=role)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    record(actor=None, action="create", obj=user, object_repr=username,
           changes={"username": [None, username], "role": [None, role], "password": [None, "[unusable]"]})
    return user


def system_account() -> User:
    """The account commands act as when no ``--as USER`` is given: the installation's owner at the
    command line, an administrator nobody can sign in as. Its writes are audited under its name
    like anybody's; it is a named account, not a bypass of the rules."""
    user = ensure_service_account(username=SYSTEM_USERNAME, role=Role.ADMIN)
    if user.has_usable_password() or user.role != Role.ADMIN or not user.is_active:
        raise PermissionDenied(f"The account {SYSTEM_USERNAME!r} exists as a person's account; rename it to run commands.")
    return user
