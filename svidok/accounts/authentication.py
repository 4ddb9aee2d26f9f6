from django.utils import timezone
from rest_framework import authentication, exceptions

from svidok.accounts.models import APIToken


class APITokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token sv_...`` (or ``Bearer``), checked against the stored digest."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Token <token>'.")
        token = (
            APIToken.objects.select_related("user")
            .filter(digest=APIToken.digest_of(header[1]), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        APIToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token

    def authenticate_header(self, request):
        return "Token"
