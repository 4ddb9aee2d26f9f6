"""Use cases for accounts: users, roles, API tokens, sign-in events, second factor, sessions."""

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from svidok.accounts import rules
from svidok.accounts.models import APIToken, Role, User
from svidok.audit.services import record

DEMO_USERS = ("admin", "coordinator", "documenter", "analyst", "viewer", "counsel")
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


def _require_self_or_manager(actor, user: User) -> None:
    """Anybody signed in may act on their own account (tokens, second factor, sessions); on
    somebody else's it takes ``user.manage``."""
    if getattr(actor, "pk", None) != user.pk or not rules.role_of(actor):
        rules.require(actor, "user.manage")


@transaction.atomic
def create_token(*, actor, user: User, name: str = "", scope: str = APIToken.Scope.READ, days: int | None = None) -> str:
    """Issue an API token for ``user``; the raw token is returned once and only its digest kept.
    It expires after ``days`` (default ``SVIDOK_TOKEN_DAYS``) and is read-only unless ``scope`` is write."""
    _require_self_or_manager(actor, user)
    if not user.is_active:
        raise ValidationError({"user": _("The account is disabled.")})
    if scope not in APIToken.Scope.values:
        raise ValidationError({"scope": _("Unknown scope %(scope)r; use one of %(scopes)s.") % {"scope": scope, "scopes": ", ".join(APIToken.Scope.values)}})
    days = settings.SVIDOK_TOKEN_DAYS if days is None else days
    if not 1 <= days <= 3650:
        raise ValidationError({"days": _("A token lives between 1 and 3650 days.")})
    raw = APIToken.generate()
    token = APIToken.objects.create(user=user, name=name, prefix=raw[3:11], digest=APIToken.digest_of(raw), scope=scope,
                                    expires_at=timezone.now() + dt.timedelta(days=days))
    record(actor=actor, action="create", object_type="accounts.apitoken", object_id=str(token.public_id),
           object_repr=f"{token.prefix}… for {user.username}",
           changes={"user": [None, user.username], "scope": [None, scope], "expires_at": [None, token.expires_at]})
    return raw


@transaction.atomic
def revoke_token(*, actor, token: APIToken) -> APIToken:
    """Revoke a token at once; revoking a revoked token changes nothing."""
    _require_self_or_manager(actor, token.user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action="revoke", object_type="accounts.apitoken", object_id=str(token.public_id),
               object_repr=f"{token.prefix}… for {token.user.username}", changes={"revoked_at": [None, token.revoked_at]})
    return token


def tokens_for(actor, user: User | None = None):
    """Tokens ``actor`` may see: their own; with ``user.manage`` everybody's (or ``user``'s)."""
    if not rules.role_of(actor):
        raise PermissionDenied("account")
    tokens = APIToken.objects.select_related("user").order_by("-created_at")
    if rules.can(actor, "user.manage"):
        return tokens.filter(user=user) if user is not None else tokens
    if user is not None and user.pk != actor.pk:
        raise PermissionDenied("user.manage")
    return tokens.filter(user=actor)


# --- sign-in events -----------------------------------------------------------------------------
# Never a password or a code; a user name only when it names an existing account.
UNKNOWN_ACCOUNT = "unknown account"
ANONYMOUS = "anonymous"


def _account_target(username: str | None) -> dict:
    user = User.objects.filter(username=username).first() if username else None
    if user is None:
        return {"object_type": "accounts.user", "object_id": "", "object_repr": UNKNOWN_ACCOUNT}
    return {"obj": user, "object_repr": user.username}


@transaction.atomic
def record_sign_in(*, user: User, step: str) -> None:
    """``step`` is "password" (the password was right) or the second factor that passed ("totp",
    "backup code"); a role without a second factor is signed in after the password alone."""
    action = "login" if step == "password" else "otp_verified"
    record(actor=user, action=action, obj=user, object_repr=user.username, changes={"step": step})


@transaction.atomic
def record_sign_in_failure(*, username: str | None, reason: str = "password") -> None:
    record(actor=ANONYMOUS, action="login_failed", changes={"reason": reason}, **_account_target(username))


@transaction.atomic
def record_second_factor_failure(*, user: User) -> None:
    record(actor=user, action="otp_failed", obj=user, object_repr=user.username, changes={"reason": "wrong code"})


@transaction.atomic
def record_lockout(*, username: str | None, minutes: int) -> None:
    record(actor=ANONYMOUS, action="lockout", changes={"minutes": minutes}, **_account_target(username))


@transaction.atomic
def record_sign_out(*, user: User, reason: str = "signed out") -> None:
    record(actor=user, action="logout", obj=user, object_repr=user.username, changes={"reason": reason})


@transaction.atomic
def sign_out_everywhere(*, actor, user: User) -> User:
    """End every session of ``user`` on its next request (sessions carry a hash of the epoch)."""
    _require_self_or_manager(actor, user)
    User.objects.filter(pk=user.pk).update(session_epoch=models.F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    record(actor=actor, action="logout", obj=user, object_repr=user.username, changes={"reason": "everywhere"})
    return user


@transaction.atomic
def set_active(*, actor, user: User, active: bool) -> User:
    """Disable or enable an account. Disabling ends its sessions and revokes its tokens at once
    (re-enabling brings neither back: new tokens are issued)."""
    rules.require(actor, "user.manage")
    if getattr(actor, "pk", None) == user.pk and not active:
        raise ValidationError({"user": _("You cannot disable your own account.")})
    if user.is_active == active:
        return user
    user.is_active = active
    if not active:
        user.session_epoch += 1
    user.save(update_fields=["is_active", "session_epoch"])
    record(actor=actor, action="update", obj=user, object_repr=user.username, changes={"is_active": [not active, active]})
    if not active:
        for token in user.api_tokens.filter(revoked_at__isnull=True):
            revoke_token(actor=actor, token=token)
    return user


# --- second factor ------------------------------------------------------------------------------
BACKUP_CODES = 10


def totp_device(user: User, *, confirmed: bool | None = True) -> TOTPDevice | None:
    devices = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        devices = devices.filter(confirmed=confirmed)
    return devices.order_by("-id").first()


@transaction.atomic
def start_totp_enrollment(*, actor) -> TOTPDevice:
    """The unconfirmed device whose key the enrollment page shows; kept across reloads of the page
    so the code a person's app shows still fits."""
    if not rules.role_of(actor):
        raise PermissionDenied("account")
    if totp_device(actor) is not None:
        raise ValidationError(_("A second factor is already set up."))
    return totp_device(actor, confirmed=False) or TOTPDevice.objects.create(user=actor, name="authenticator", confirmed=False)


@transaction.atomic
def confirm_totp_enrollment(*, actor, device: TOTPDevice, code: str) -> list[str]:
    """Confirm ``device`` with the first code from the app; returns new backup codes (shown once)."""
    if not rules.role_of(actor) or device.user_id != actor.pk or device.confirmed:
        raise PermissionDenied("account")
    if not device.verify_token(code.strip().replace(" ", "")):
        raise ValidationError({"otp_token": _("That code is not right. Check the time on your phone and type the code your app shows now.")})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record(actor=actor, action="otp_enrolled", obj=actor, object_repr=actor.username, changes={"device": [None, "totp"]})
    return _new_backup_codes(actor)


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    record(actor=user, action="otp_backup_codes", obj=user, object_repr=user.username, changes={"count": BACKUP_CODES})
    return codes


@transaction.atomic
def new_backup_codes(*, actor) -> list[str]:
    """Replace the backup codes (the old ones stop working); returns the new ones, shown once."""
    if not rules.role_of(actor) or totp_device(actor) is None:
        raise PermissionDenied("account")
    return _new_backup_codes(actor)


@transaction.atomic
def remove_second_factor(*, actor, user: User) -> int:
    """Remove the user's authenticator and backup codes (a lost phone: an administrator does it,
    the user sets up a new one at the next sign-in). Returns how many devices were removed."""
    _require_self_or_manager(actor, user)
    removed = TOTPDevice.objects.filter(user=user).delete()[1].get(TOTPDevice._meta.label, 0)
    StaticDevice.objects.filter(user=user).delete()
    if removed:
        record(actor=actor, action="otp_removed", obj=user, object_repr=user.username, changes={"device": ["totp", None]})
    return removed


@transaction.atomic
def ensure_demo_users(*, password: str | None) -> dict[str, str | None]:
    """Create the demo accounts (one per role) if missing. Returns ``{username: new password or None}``.

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
def verify_second_factor(*, user: User, code: str) -> TOTPDevice | StaticDevice | None:
    """The device that accepts ``code`` (the authenticator's code, or a backup code, which is
    used up), or None. Not one transaction on purpose: a wrong code's throttling (each device
    waits longer after every failure) must stay written. Audited either way."""
    code = (code or "").strip().replace(" ", "").lower()
    if not code or len(code) > 16:
        record_second_factor_failure(user=user)
        return None
    for device in (totp_device(user), StaticDevice.objects.filter(user=user, confirmed=True).first()):
        if device is not None and device.verify_token(code):
            record_sign_in(user=user, step="totp" if isinstance(device, TOTPDevice) else "backup code")
            return device
    record_second_factor_failure(user=user)
    return None
