"""Production settings come from the environment, and `check --deploy` is clean with them.

Settings are read once per process, so each environment is tried in a ``svidok`` subprocess.
"""

import json
import os
import secrets
import subprocess
import sys

import pytest

SVIDOK = [sys.executable, "-c", "import sys; from svidok.cli import main; sys.exit(main())"]
SHOWN = ["ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
         "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE", "SECURE_HSTS_SECONDS",
         "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER",
         "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY", "SECURE_CONTENT_TYPE_NOSNIFF", "DEBUG", "SVIDOK_RATE_LIMITS"]
PRODUCTION = {
    "ALLOWED_HOSTS": "svidok.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://svidok.example.org",
    "SVIDOK_HSTS_SECONDS": "31536000",
    "SVIDOK_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SVIDOK_HSTS_PRELOAD": "1",
    "SVIDOK_SSL_REDIRECT": "1",
    "SVIDOK_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}
VARIABLES = ["SECRET_KEY", "DEBUG", "SECURE_COOKIES", "SVIDOK_RATE_SEARCH", "SVIDOK_RATE_EXPORT", *PRODUCTION]


def run(tmp_path, *args, **variables) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE is the browser tests' (tests/browser/conftest.py), set in this process
    # when they ran first: never a production variable, and `check --deploy` rightly refuses it.
    env = {name: value for name, value in os.environ.items()
           if name not in VARIABLES and name not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(SVIDOK_VAR_DIR=str(tmp_path / "var"), SECRET_KEY=secrets.token_urlsafe(50), **variables)
    return subprocess.run([*SVIDOK, *args], env=env, capture_output=True, text=True, timeout=120)


def settings_in(tmp_path, **variables) -> dict:
    code = f"from django.conf import settings; import json; print(json.dumps({{n: getattr(settings, n, None) for n in {SHOWN!r}}}))"
    result = run(tmp_path, "shell", "--no-imports", "-c", code, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_is_clean_with_a_production_environment(tmp_path):
    result = run(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert (result.returncode, result.stderr) == (0, ""), result.stderr + result.stdout
    assert result.stdout.strip() == "System check identified no issues (2 silenced)."


def test_each_variable_sets_its_setting(tmp_path):
    default = settings_in(tmp_path)
    production = settings_in(tmp_path, **PRODUCTION)

    changed = {name: (default[name], production[name]) for name in SHOWN if default[name] != production[name]}
    assert changed == {
        "ALLOWED_HOSTS": (["127.0.0.1", "localhost", "[::1]"], ["svidok.example.org"]),
        "CSRF_TRUSTED_ORIGINS": ([], ["https://svidok.example.org"]),
        # Not set: Secure because the site is no longer loopback-only.
        "SESSION_COOKIE_SECURE": (False, True),
        "CSRF_COOKIE_SECURE": (False, True),
        "SECURE_HSTS_SECONDS": (0, 31536000),
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": (False, True),
        "SECURE_HSTS_PRELOAD": (False, True),
        "SECURE_SSL_REDIRECT": (False, True),
        "SECURE_PROXY_SSL_HEADER": (None, ["HTTP_X_FORWARDED_PROTO", "https"]),
    }
    # Fixed whatever the environment says.
    assert {name: production[name] for name in SHOWN if name not in changed} == {
        "SESSION_COOKIE_HTTPONLY": True, "SESSION_COOKIE_SAMESITE": "Lax", "CSRF_COOKIE_SAMESITE": "Lax",
        "X_FRAME_OPTIONS": "DENY", "SECURE_REFERRER_POLICY": "same-origin", "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "DEBUG": False, "SVIDOK_RATE_LIMITS": {"search": "60/m", "export": "30/h"},
    }


def test_rate_limits_come_from_the_environment(tmp_path):
    shown = settings_in(tmp_path, SVIDOK_RATE_SEARCH="100/15m", SVIDOK_RATE_EXPORT="off")

    assert shown["SVIDOK_RATE_LIMITS"] == {"search": "100/15m", "export": None}


@pytest.mark.parametrize(("variables", "secure"), [
    ({}, False),  # loopback only: `make run`
    ({"ALLOWED_HOSTS": "localhost,127.0.0.1"}, False),
    ({"ALLOWED_HOSTS": "svidok.example.org"}, True),
    ({"ALLOWED_HOSTS": "localhost,svidok.example.org"}, True),
    ({"ALLOWED_HOSTS": "svidok.example.org", "SECURE_COOKIES": "0"}, False),
    ({"SECURE_COOKIES": "1"}, True),
], ids=["default", "loopback", "public", "mixed", "public-forced-off", "loopback-forced-on"])
def test_cookies_are_secure_unless_the_site_is_loopback_only(tmp_path, variables, secure):
    shown = settings_in(tmp_path, **variables)

    assert (shown["SESSION_COOKIE_SECURE"], shown["CSRF_COOKIE_SECURE"]) == (secure, secure)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("SVIDOK_PROXY_SSL_HEADER", "X-Forwarded-Proto: https",
     "SVIDOK_PROXY_SSL_HEADER must be a header name such as X-Forwarded-Proto, got 'X-Forwarded-Proto: https'"),
    ("SVIDOK_HSTS_SECONDS", "a year", "SVIDOK_HSTS_SECONDS must be a whole number, got 'a year'"),
    ("SVIDOK_SSL_REDIRECT", "sure", "SVIDOK_SSL_REDIRECT must be one of 1/0/true/false/yes/no/on/off, got 'sure'"),
    ("SVIDOK_RATE_SEARCH", "lots", "SVIDOK_RATE_SEARCH must be a rate such as 60/m, 30/h or 100/15m, or off, got 'lots'"),
    ("SVIDOK_RATE_EXPORT", "0/h", "SVIDOK_RATE_EXPORT must be a rate such as 60/m, 30/h or 100/15m, or off, got '0/h'"),
])
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, name, value, message):
    result = run(tmp_path, "check", **{name: value})

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == f"django.core.exceptions.ImproperlyConfigured: {message}"


def test_behind_the_proxy_https_is_served_and_plain_http_redirected(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.ALLOWED_HOSTS = ["svidok.example.org"]

    plain = client.get("/accounts/login/", HTTP_HOST="svidok.example.org")
    secure = client.get("/accounts/login/", HTTP_HOST="svidok.example.org", HTTP_X_FORWARDED_PROTO="https")

    assert (plain.status_code, plain["Location"]) == (301, "https://svidok.example.org/accounts/login/")
    assert (secure.status_code, secure["Strict-Transport-Security"]) == (200, "max-age=31536000; includeSubDomains")
