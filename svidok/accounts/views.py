"""Sign-in (password, then the second factor), sign-out, and the account page: second factor,
sessions and API tokens."""

from base64 import b32encode
from urllib.parse import urlencode

import django_otp
import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticToken

from svidok.accounts import rules, services
from svidok.accounts.models import APIToken


class CodeForm(forms.Form):
    otp_token = forms.CharField(label=gettext_lazy("Code"), max_length=32, strip=True,
                                widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}))


def _next_url(request, default: str = "reports:dashboard") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(default)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def locked_out(request, response=None, credentials=None):
    """django-axes' answer while sign-in is paused (429), in words and in the person's language."""
    from django.conf import settings

    context = {"failure_limit": settings.AXES_FAILURE_LIMIT,
               "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)}
    return render(request, "registration/locked_out.html", context, status=429)


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        services.record_sign_in(user=user, step="password")
        if user.needs_second_factor:
            name = "accounts:two_factor" if services.totp_device(user) is not None else "accounts:two_factor_setup"
            return redirect(_with_next(name, self.get_success_url()))
        return response


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.record_sign_out(user=request.user)
        return super().post(request, *args, **kwargs)


@login_required
def two_factor(request):
    """After the password: the code from the authenticator app, or a backup code."""
    if request.user.is_verified() or services.totp_device(request.user) is None:
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.verify_second_factor(user=request.user, code=form.cleaned_data["otp_token"])
        if device is not None:
            request.session.cycle_key()
            django_otp.login(request, device)
            if device.persistent_id.startswith("otp_static"):
                left = StaticToken.objects.filter(device__user=request.user).count()
                messages.warning(request, _("You used a backup code; %(left)d are left. Make new ones on your account page.") % {"left": left})
            return redirect(_next_url(request))
        form.add_error("otp_token", _("That code is not right, or too many wrong codes were given: wait a moment and try the code your app shows now."))
    return render(request, "registration/two_factor.html", {"form": form, "next": _next_url(request)})


@login_required
def two_factor_setup(request):
    """Set up the authenticator: a QR code and the key as text, confirmed with a first code;
    the backup codes are shown once, on the answer to that confirmation."""
    if services.totp_device(request.user) is not None:
        return redirect("accounts:account")
    device = services.start_totp_enrollment(actor=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.confirm_totp_enrollment(actor=request.user, device=device, code=form.cleaned_data["otp_token"])
        except ValidationError as exc:
            form.add_error("otp_token", exc.message_dict["otp_token"])
        else:
            request.session.cycle_key()
            django_otp.login(request, device)
            return render(request, "registration/backup_codes.html", {"codes": codes, "next": _next_url(request)})
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": _next_url(request),
        "qr": segno.make(device.config_url, error="m").svg_inline(scale=4, title=_("QR code for your authenticator app")),
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    }
    return render(request, "registration/two_factor_setup.html", context)


@login_required
def account(request):
    user = request.user
    tokens = list(services.tokens_for(user))
    context = {
        "has_device": services.totp_device(user) is not None,
        "backup_left": StaticToken.objects.filter(device__user=user).count(),
        "tokens": tokens,
        "show_owner": any(token.user_id != user.pk for token in tokens),
    }
    return render(request, "registration/account.html", context)


@login_required
@require_POST
def sign_out_everywhere(request):
    services.sign_out_everywhere(actor=request.user, user=request.user)
    logout(request)
    messages.info(request, _("You were signed out on every device and browser."))
    return redirect("accounts:login")


@login_required
@require_POST
def backup_codes(request):
    codes = services.new_backup_codes(actor=request.user)
    return render(request, "registration/backup_codes.html", {"codes": codes, "next": reverse("accounts:account")})


@login_required
@require_POST
def remove_second_factor(request):
    services.remove_second_factor(actor=request.user, user=request.user)
    messages.info(request, _("Your authenticator was removed."))
    return redirect("accounts:account")


@login_required
@require_POST
def revoke_token(request, public_id):
    token = get_object_or_404(APIToken.objects.select_related("user"), public_id=public_id)
    if token.user_id != request.user.pk and not rules.can(request.user, "user.manage"):
        raise Http404  # somebody else's token is invisible, as it is on the account page
    services.revoke_token(actor=request.user, token=token)
    messages.info(request, _("The token was revoked."))
    return redirect("accounts:account")
