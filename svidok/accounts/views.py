"""Sign-in and sign-out: Django's auth views with our templates."""

from django.contrib.auth import views as auth_views


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass
