"""Receivers for the sign-in events Django and django-axes announce (connected in ``apps.py``).

Failures and lockouts have no view of ours around them (``authenticate`` and axes decide), so they
are audited from the signals; successful sign-ins and sign-outs are audited by our views."""

from django.conf import settings
from django.core import checks

from svidok.accounts.models import Role
from svidok.accounts.services import record_lockout, record_sign_in_failure


def sign_in_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in ``credentials``; only the user name is kept, and
    # only when it names an account.
    if getattr(request, "axes_locked_out", False):
        return  # the lockout receiver records this attempt
    record_sign_in_failure(username=credentials.get("username"))


def locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    record_lockout(username=username, minutes=int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def check_second_factor_roles(app_configs, **kwargs):
    unknown = sorted(set(settings.SVIDOK_2FA_ROLES) - set(Role.values))
    if unknown:
        return [checks.Error(f"SVIDOK_2FA_ROLES names unknown roles {unknown}; use some of {Role.values}.", id="svidok.E201")]
    return []
