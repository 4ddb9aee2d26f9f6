from django.apps import AppConfig
from django.conf import settings


class AccountsConfig(AppConfig):
    name = "svidok.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    setup_order = 90  # last: the demo accounts' passwords end the output of ``svidok setup --demo``

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.core import checks

        from svidok.accounts import signals
        from svidok.accounts.middleware import stamp_session

        user_logged_in.connect(stamp_session, dispatch_uid="svidok.accounts.stamp_session")
        user_login_failed.connect(signals.sign_in_failed, dispatch_uid="svidok.accounts.sign_in_failed")
        user_locked_out.connect(signals.locked_out, dispatch_uid="svidok.accounts.locked_out")
        checks.register(signals.check_second_factor_roles)

    def setup_data(self, *, demo: bool, stdout) -> None:
        """``svidok setup --demo``: the demo accounts (one per role), their passwords shown once."""
        if not demo:
            return
        from svidok.accounts.services import ensure_demo_users

        passwords = ensure_demo_users(password=settings.SVIDOK_DEMO_PASSWORD or None)
        stdout.write("")
        stdout.write(f"Sign in at http://127.0.0.1:{settings.PORT}/ with one of the demo accounts:")
        for username, password in passwords.items():
            if password is None:
                shown = "(password set earlier; shown only when it was created)"
            elif settings.SVIDOK_DEMO_PASSWORD:
                shown = "(the password in SVIDOK_DEMO_PASSWORD)"
            else:
                shown = password
            stdout.write(f"  {username:<12} {shown}")
        if settings.SVIDOK_2FA_ROLES:
            stdout.write(f"Accounts of the roles {', '.join(settings.SVIDOK_2FA_ROLES)} set up an authenticator app at their first sign-in.")
        if any(passwords.values()) and not settings.SVIDOK_DEMO_PASSWORD:
            stdout.write("These passwords are shown once. Set SVIDOK_DEMO_PASSWORD to choose one for all demo accounts.")
