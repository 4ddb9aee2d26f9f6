import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    COORDINATOR = "coordinator", _("Coordinator")
    DOCUMENTER = "documenter", _("Documenter")
    ANALYST = "analyst", _("Analyst")
    VIEWER = "viewer", _("Viewer")
    # Outside the organisation: sees only the cases shared with the account (docs/permissions.md).
    COUNSEL = "counsel", _("External counsel")


class User(AbstractUser):
    """A person who signs in. What they may see and do follows from ``role`` (docs/permissions.md)."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    # Raised by "sign out everywhere": every session carries a hash of it (below), so all end at once.
    session_epoch = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["username"]

    def __str__(self):
        return self.username

    def get_session_auth_hash(self):
        """Django ends a session whose stored hash no longer matches: a new password or a raised
        ``session_epoch`` ends every session of the user on its next request."""
        return self._session_hash(None)

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret)

    def _session_hash(self, secret):
        return salted_hmac("svidok.accounts.User.session", f"{self.password}|{self.session_epoch}",
                           secret=secret, algorithm="sha256").hexdigest()

    @property
    def needs_second_factor(self) -> bool:
        return self.role in settings.SVIDOK_2FA_ROLES

    def save(self, *args, **kwargs):
        # Only admins reach Django's admin site; keep the flags in step with the role.
        self.is_staff = self.role == Role.ADMIN
        self.is_superuser = self.role == Role.ADMIN
        super().save(*args, **kwargs)


class APIToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once.

    Every token expires, and is either read-only (safe methods) or read-write; within that, its
    user's role decides as for a session."""

    class Scope(models.TextChoices):
        READ = "read", _("read only")
        WRITE = "write", _("read and write")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def generate() -> str:
        return "sv_" + secrets.token_urlsafe(32)
