from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions

from svidok.accounts.models import APIToken


class APITokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token sv_...`` (or ``Bearer``), checked against the stored digest.

    An expired or revoked token, or one of a disabled account, answers 401 saying which; a
    read-only token answers 403 to anything but a safe method."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Authorization header must be 'Token <token>'."))
        token = APIToken.objects.select_related("user").filter(digest=APIToken.digest_of(header[1])).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        if token.is_expired:
            raise exceptions.AuthenticationFailed(_("This token has expired; ask for a new one."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The account of this token is disabled."))
        if token.scope != APIToken.Scope.WRITE and request.method not in permissions.SAFE_METHODS:
            raise exceptions.PermissionDenied(_("This token is read-only."))
        APIToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token

    def authenticate_header(self, request):
        return "Token"
