"""Svidok settings: one module, driven by environment variables.

Every variable is read through ``svidok.common.env`` so that a bad value stops start-up with a
message naming it. Defaults give the embedded mode: SQLite (WAL) and files under ``var/``.
"""

import datetime as dt
import os
import re
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from svidok.common.env import env_bool, env_int, env_list, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SVIDOK_VAR_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR = BASE_DIR / "data"


def _secret_key() -> str:
    """Take the key from the environment, or keep a generated one in ``var/`` (embedded mode)."""
    key = env_str("SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long")
        return key
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
PORT = env_int("SVIDOK_PORT", 8000, minimum=1, maximum=65535)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.admin",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "django_ratelimit",
    "svidok.common",
    "svidok.accounts",
    "svidok.audit",
    "svidok.incidents",
    "svidok.people",
    "svidok.search",
    "svidok.sanctions",
    "svidok.forensics",
    "svidok.evidence",
    "svidok.ingest",
    "svidok.backup",
    "svidok.work",
    "svidok.reports",
    "svidok.public",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "svidok.common.middleware.NoStoreMiddleware",
    "svidok.common.middleware.RequestIdMiddleware",
    "svidok.common.middleware.ContentSecurityPolicyMiddleware",
    "svidok.common.middleware.VaultUnavailableMiddleware",
    # The public portal's pages from its cache, before sessions and authentication it does not need
    # (svidok/public/cache.py); inside the CSP and security headers, which its answers get as any other.
    "svidok.public.cache.PortalCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

# Authentication (docs/authentication.md): a second factor (django-otp) after the password, and
# lockout after repeated failures (django-axes, whose middleware must come last).
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static", "axes"]
_auth_at = MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1
MIDDLEWARE[_auth_at:_auth_at] = ["django_otp.middleware.OTPMiddleware", "svidok.accounts.middleware.SecondFactorMiddleware"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]

ROOT_URLCONF = "svidok.urls"
WSGI_APPLICATION = "svidok.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "svidok" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "svidok.accounts.context_processors.navigation",
                "svidok.people.freetext.context",
                "svidok.work.context_processors.notifications",
            ],
        },
    }
]

# PostgreSQL plans with random_page_cost 4 by default (a page read at random costs four read in
# sequence: spinning disks). A Svidok database is read from memory or SSD, where that made the
# planner scan a whole table rather than probe an index for a thousand ids (docs/search.md, "Reads
# at scale"); 1.1 is the usual figure for SSD. Set on each connection, so any server gets it.
PG_RANDOM_PAGE_COST = env_str("SVIDOK_PG_RANDOM_PAGE_COST", "1.1")
try:
    if PG_RANDOM_PAGE_COST and not float(PG_RANDOM_PAGE_COST) > 0:
        raise ValueError
except ValueError:
    raise ImproperlyConfigured("SVIDOK_PG_RANDOM_PAGE_COST must be a number above 0 (or empty: the server's own).") from None


def _postgresql_options(database: dict) -> dict:
    if database.get("ENGINE") == "django.db.backends.postgresql" and PG_RANDOM_PAGE_COST:
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c random_page_cost={PG_RANDOM_PAGE_COST}".strip()
    return database


_database_url = env_str("DATABASE_URL")
if _database_url:
    try:
        DATABASES = {"default": _postgresql_options(dj_database_url.parse(_database_url, conn_max_age=60))}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "svidok.sqlite3",
            "OPTIONS": {
                # WAL lets readers proceed while one writer commits; IMMEDIATE takes the write
                # lock at BEGIN so concurrent writers queue instead of failing mid-transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Each worker thread keeps its connection between requests, as on PostgreSQL: a new
            # SQLite connection reads the schema and runs the PRAGMAs above again (about 10 ms a
            # request on the reference machine, bench/load.py).
            "CONN_MAX_AGE": 60,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Streaming replicas for reads (docs/deploy.md, "A primary with replicas"): comma-separated URLs,
# aliases replica1, replica2, ...; only with PostgreSQL. svidok.common.db_router decides what is read
# there (the models below, in GET requests, outside transactions, after the person's last write has
# been replayed); writes, migrations and everything sensitive stay on the primary.
SVIDOK_REPLICA_DATABASES = []
for _number, _replica_url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs DATABASE_URL to be a PostgreSQL database.")
    try:
        _replica = _postgresql_options(dj_database_url.parse(_replica_url, conn_max_age=60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS has an invalid database URL: {exc}") from None
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS must name PostgreSQL streaming replicas.")
    # Tests make no database of their own for a replica: it is the primary's (Django's MIRROR).
    DATABASES[f"replica{_number}"] = {**_replica, "TEST": {"MIRROR": "default"}}
    SVIDOK_REPLICA_DATABASES.append(f"replica{_number}")
if SVIDOK_REPLICA_DATABASES:
    DATABASE_ROUTERS = ["svidok.common.db_router.ReplicaRouter"]
    # Before everything that reads: the portal cache's generation, sessions, authentication.
    MIDDLEWARE.insert(MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
                      "svidok.common.db_router.ReplicaReadsMiddleware")
# The models read on a replica in an eligible request: records and reference data whose copy a few
# milliseconds old harms nobody. Not here, so always on the primary: accounts, sessions, second
# factor, lockouts (axes), permission shares (CaseShare, IncidentAccess), drafts, reference counters,
# the identity vault and consents (people), evidence and its custody, the audit log, job queues and
# run states, rate-limit and cache tables.
SVIDOK_REPLICA_MODELS = frozenset({
    "incidents.vocabulary", "incidents.term", "incidents.place", "incidents.election", "incidents.electionfigure",
    "incidents.source", "incidents.tag", "incidents.incident", "incidents.incidentsource", "incidents.involvement",
    "incidents.intervention", "incidents.case",
    "search.searchentry",
    "sanctions.referencelist", "sanctions.referenceentity", "sanctions.proposal", "sanctions.proposalmember",
    "sanctions.listing",
    "forensics.resultset", "forensics.precinct", "forensics.analysis",
    "ingest.article", "ingest.candidate",
    "work.assignment", "work.comment", "work.notification", "work.savedsearch",
})
# Requests under these paths read only from the primary: the public portal (its page cache would
# keep a stale page for minutes), the admin, and sign-in.
SVIDOK_REPLICA_EXCLUDED_PATHS = ("/public/", "/admin/", "/accounts/")
# The longest a person's reads are kept on the primary waiting for a replica to replay their write (seconds).
SVIDOK_REPLICA_PIN_MAX_AGE = env_int("SVIDOK_REPLICA_PIN_MAX_AGE", 24 * 3600, minimum=60)

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "reports:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Axes counts failures per user name and, separately, per address; the lock lifts by itself after
# the cool-off, so nobody (an administrator included) is locked out for good. `svidok axes_reset`.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("SVIDOK_LOCKOUT_FAILURES", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("SVIDOK_LOCKOUT_MINUTES", 15, minimum=1, maximum=24 * 60))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "svidok.accounts.views.locked_out"
AXES_DISABLE_ACCESS_LOG = True  # successes are in the audit log; axes keeps only the failures it counts
AXES_VERBOSE = False
# Roles that must pass a second factor (TOTP or a backup code) after the password.
# External counsel too: it opens case files (evidence included) from outside the organisation.
SVIDOK_2FA_ROLES = env_list("SVIDOK_2FA_ROLES", ["admin", "coordinator", "documenter", "counsel"])
OTP_TOTP_ISSUER = "Svidok"
# A session ends when the browser closes, and at the latest this many seconds after sign-in.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SVIDOK_SESSION_MAX_AGE = env_int("SVIDOK_SESSION_MAX_AGE", 12 * 3600, minimum=300)
# API tokens: lifetime of a new token unless given (days).
SVIDOK_TOKEN_DAYS = env_int("SVIDOK_TOKEN_DAYS", 90, minimum=1, maximum=3650)
# Four eyes (docs/permissions.md): the person who recorded an incident does not verify it, and who
# reviewed a proposal's members does not sign it off. Off only for a one-person installation.
SVIDOK_FOUR_EYES = env_bool("SVIDOK_FOUR_EYES", True)
# Notifications by e-mail (docs/daily-work.md): through Django's mail settings, sent by the worker.
# On when EMAIL_HOST is set, or with SVIDOK_NOTIFY_EMAIL=true (another EMAIL_BACKEND); never personal data.
if env_str("EMAIL_HOST"):
    EMAIL_HOST = env_str("EMAIL_HOST")
    EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "svidok@localhost")
SVIDOK_NOTIFY_EMAIL = env_bool("SVIDOK_NOTIFY_EMAIL", bool(env_str("EMAIL_HOST")))
# The address people open Svidok at, for the links in e-mails (no trailing slash).
SVIDOK_SITE_URL = env_str("SVIDOK_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

LANGUAGE_CODE = "en"
# Each language is offered in its own name by the switcher (svidok/templates/_tools.html). Django
# knows no Crimean Tatar: svidok/common/apps.py registers "crh" in its LANG_INFO, and
# svidok/formats/crh/ gives its date formats (docs/translating.md).
LANGUAGES = [("en", _("English")), ("uk", _("Ukrainian")), ("crh", _("Crimean Tatar")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "svidok" / "locale"]
# Searched before Django's own format modules; only languages Django lacks have one here.
FORMAT_MODULE_PATH = ["svidok.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Kyiv")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise warns on every request when the directory is missing (before collectstatic runs).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The map's browser libraries (Leaflet, its marker clusters) come from npm (package-lock.json, with
# integrity hashes) into node_modules/, installed by `make setup` and `make test` (`npm ci`), and are
# served from there under vendor/: never copied into the repository (docs/maps.md).
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "svidok" / "static",
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/leaflet.markercluster", NODE_MODULES / "leaflet.markercluster" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Evidence originals, content-addressed (evidence/ab/cd/<sha256>): a local directory by default.
STORAGES["evidence"] = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                        "OPTIONS": {"location": str(VAR_DIR / "evidence"), "file_permissions_mode": 0o600,
                                    "directory_permissions_mode": 0o700}}
# S3-compatible object storage instead (MinIO, AWS S3, ...): docs/evidence.md, "Storage".
_evidence_storage = env_str("SVIDOK_EVIDENCE_STORAGE", "local")
if _evidence_storage == "s3":
    if not env_str("SVIDOK_EVIDENCE_S3_BUCKET"):
        raise ImproperlyConfigured("SVIDOK_EVIDENCE_STORAGE=s3 needs SVIDOK_EVIDENCE_S3_BUCKET.")
    STORAGES["evidence"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": env_str("SVIDOK_EVIDENCE_S3_BUCKET"),
        "endpoint_url": env_str("SVIDOK_EVIDENCE_S3_ENDPOINT") or None,
        "access_key": env_str("SVIDOK_EVIDENCE_S3_ACCESS_KEY") or None,
        "secret_key": env_str("SVIDOK_EVIDENCE_S3_SECRET_KEY") or None,
        "region_name": env_str("SVIDOK_EVIDENCE_S3_REGION") or None,
        "location": env_str("SVIDOK_EVIDENCE_S3_PREFIX"),
        "default_acl": "private",
        "querystring_auth": True,
        # Names are content addresses or random: the same name can only hold the same bytes.
        "file_overwrite": True,
    }}
elif _evidence_storage != "local":
    raise ImproperlyConfigured(f"SVIDOK_EVIDENCE_STORAGE must be 'local' or 's3', not {_evidence_storage!r}.")
# The largest file accepted as evidence (bytes); a bigger one is refused before anything is stored.
SVIDOK_EVIDENCE_MAX_BYTES = env_int("SVIDOK_EVIDENCE_MAX_BYTES", 4 * 1024**3, minimum=1024)
# Uploads over 2.5 MB go to a temporary file, never whole into memory, and stop at the limit above as they arrive.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler",
                        "svidok.evidence.uploads.LimitedTemporaryFileUploadHandler"]
# The audit log's Ed25519 signing key (PKCS#8 PEM, mode 0600), generated on first use; outside the
# database on purpose. Public keys, old ones included, are kept as <key id>.pem in the directory.
SVIDOK_AUDIT_KEY = Path(env_str("SVIDOK_AUDIT_KEY", str(VAR_DIR / "audit" / "signing-key.pem"))).resolve()
SVIDOK_AUDIT_PUBLIC_KEYS = Path(env_str("SVIDOK_AUDIT_PUBLIC_KEYS", str(VAR_DIR / "audit" / "public-keys"))).resolve()
# Backups (docs/backups.md): a file of age public keys that `svidok backup` encrypts to by default.
SVIDOK_BACKUP_RECIPIENTS = env_str("SVIDOK_BACKUP_RECIPIENTS", "")
# The identity vault's key file (``svidok.common.crypto``, docs/identity-vault.md): 0600 in a 0700
# directory, made by `svidok keys init` or `svidok setup`. SVIDOK_IDENTITY_KEY (base64), when set, is used instead.
SVIDOK_IDENTITY_KEY_FILE = Path(env_str("SVIDOK_IDENTITY_KEY_FILE", str(VAR_DIR / "keys" / "identity.key"))).resolve()
# An RFC 3161 time-stamping authority for signed heads (optional), and the CA certificate(s) its
# replies are checked against by `svidok audit verify`.
SVIDOK_AUDIT_TSA_URL = env_str("SVIDOK_AUDIT_TSA_URL")
SVIDOK_AUDIT_TSA_CA = env_str("SVIDOK_AUDIT_TSA_CA")
SVIDOK_AUDIT_TSA_TIMEOUT = env_int("SVIDOK_AUDIT_TSA_TIMEOUT", 10, minimum=1, maximum=300)
# Background jobs (web capture, periodic signed heads): Django's task API, queued in the database
# and run by `svidok worker` (`svidok serve` starts one beside the web server).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Jobs the worker runs periodically: import path of a function -> seconds between runs.
SVIDOK_PERIODIC_JOBS = {
    "svidok.audit.log.issue_head_if_grown": env_int("SVIDOK_HEAD_INTERVAL", 3600, minimum=10),
    "svidok.evidence.capture.fail_interrupted_captures": 600,
    "svidok.ingest.services.fail_interrupted_fetches": 600,
    "svidok.ingest.data_imports.fail_interrupted_imports": 600,
    "svidok.reports.runs.fail_interrupted_reports": 600,
}
# Web capture: limits of one capture, and the user agent it announces.
SVIDOK_CAPTURE_TIMEOUT = env_int("SVIDOK_CAPTURE_TIMEOUT", 30, minimum=1, maximum=600)  # seconds per fetch
SVIDOK_CAPTURE_MAX_BYTES = env_int("SVIDOK_CAPTURE_MAX_BYTES", 50 * 1024**2, minimum=1024)  # one response
SVIDOK_CAPTURE_MAX_TOTAL_BYTES = env_int("SVIDOK_CAPTURE_MAX_TOTAL_BYTES", 200 * 1024**2, minimum=1024)
SVIDOK_CAPTURE_MAX_RESOURCES = env_int("SVIDOK_CAPTURE_MAX_RESOURCES", 50, minimum=0, maximum=1000)
SVIDOK_CAPTURE_USER_AGENT = env_str("SVIDOK_CAPTURE_USER_AGENT", "Mozilla/5.0 (compatible; Svidok web capture)")
SVIDOK_CAPTURE_CHROMIUM = env_str("SVIDOK_CAPTURE_CHROMIUM", "/usr/bin/chromium")
# Tests only: let captures reach loopback addresses (the test server). Private, link-local and
# other non-public addresses are refused whatever this says (no requests into our own network).
SVIDOK_CAPTURE_ALLOW_LOOPBACK = env_bool("SVIDOK_CAPTURE_ALLOW_LOOPBACK", False)
# Fetching news articles and feeds (svidok/ingest/fetching.py, docs/news.md): seconds to connect
# and between reads, seconds for a whole page or feed, the most items taken from one feed.
SVIDOK_NEWS_TIMEOUT = env_int("SVIDOK_NEWS_TIMEOUT", 10, minimum=1, maximum=300)
SVIDOK_NEWS_DEADLINE = env_int("SVIDOK_NEWS_DEADLINE", 20, minimum=1, maximum=600)
SVIDOK_NEWS_FEED_ITEMS = env_int("SVIDOK_NEWS_FEED_ITEMS", 50, minimum=1, maximum=1000)
SVIDOK_NEWS_USER_AGENT = env_str("SVIDOK_NEWS_USER_AGENT", "Mozilla/5.0 (compatible; Svidok news reader)")
# Tests only, as for captures: let the news reader reach loopback (the test server).
SVIDOK_NEWS_ALLOW_LOOPBACK = env_bool("SVIDOK_NEWS_ALLOW_LOOPBACK", False)
if env_bool("SVIDOK_PLAIN_STATIC", False):
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = True

# --- Deployment: TLS, cookies, headers (docs/deploy.md) --------------------------------------------
# Cookies are Secure unless every allowed host is this machine's loopback (the embedded default,
# `make run`): a loopback site is reached by no network, and a browser may refuse Secure cookies over
# plain HTTP (Chromium keeps them on loopback; others we could not test). SECURE_COOKIES=1/0 decides.
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not set(ALLOWED_HOSTS) <= _LOOPBACK_HOSTS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HSTS: off until the site is known to work over HTTPS (a browser that saw it keeps refusing HTTP).
SECURE_HSTS_SECONDS = env_int("SVIDOK_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SVIDOK_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SVIDOK_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SVIDOK_SSL_REDIRECT", False)
# The header by which the TLS proxy says the client came over HTTPS (X-Forwarded-Proto: https). Only
# behind a proxy that overwrites it on every request: otherwise any client can claim HTTPS.
_proxy_ssl_header = env_str("SVIDOK_PROXY_SSL_HEADER").strip()
if _proxy_ssl_header:
    if not re.fullmatch(r"[A-Za-z0-9-]+", _proxy_ssl_header):
        raise ImproperlyConfigured(f"SVIDOK_PROXY_SSL_HEADER must be a header name such as X-Forwarded-Proto, "
                                   f"got {_proxy_ssl_header!r}")
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
# --- end of deployment block ------------------------------------------------------------------------

# --- Rate limits on search and export, per user (svidok/common/ratelimits.py, docs/deploy.md) --------
SVIDOK_RATE_LIMITS = {
    "search": env_rate("SVIDOK_RATE_SEARCH", "60/m"),  # the search page and GET /api/v1/search/
    "export": env_rate("SVIDOK_RATE_EXPORT", "30/h"),  # proposal exports, court bundles (page and API)
}
# Counters live in the database (shared by every web process, on SQLite and PostgreSQL alike; the
# table is made by `migrate`, svidok.common.apps). django-ratelimit prefers memcached or Redis, whose
# increment is atomic: here two requests of one user at the same instant can count once, so a
# client racing itself gets somewhat more than the limit. Its check says so; silenced for that reason.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "svidok_ratelimit"},
    # The public portal (svidok/public/cache.py): whole pages in each process's memory, and the
    # generation number that publication bumps, in a table every process reads.
    "public": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "svidok-public",
               "TIMEOUT": 300, "OPTIONS": {"MAX_ENTRIES": 5000}},
    "public_generation": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": "svidok_public_generation", "TIMEOUT": None},
}
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_VIEW = "svidok.common.ratelimits.rate_limited"
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
# --- end of rate limits ------------------------------------------------------------------------------

# Longest narrative and excerpt accepted; a bigger text is refused with a field error.
SVIDOK_MAX_TEXT = env_int("SVIDOK_MAX_TEXT", 100_000, minimum=1000)

# Limits on imported files, checked before reading (docs/inputs.md): rows of a table, columns of an
# XLSX sheet, unpacked size, compression ratio and members of a ZIP (XLSX included), nesting depth
# and number length in JSON.
SVIDOK_IMPORT_MAX_ROWS = env_int("SVIDOK_IMPORT_MAX_ROWS", 100_000, minimum=1)
SVIDOK_IMPORT_MAX_COLUMNS = env_int("SVIDOK_IMPORT_MAX_COLUMNS", 200, minimum=10)
SVIDOK_IMPORT_MAX_UNPACKED_BYTES = env_int("SVIDOK_IMPORT_MAX_UNPACKED_BYTES", 512 * 1024**2, minimum=1024**2)
SVIDOK_IMPORT_MAX_RATIO = env_int("SVIDOK_IMPORT_MAX_RATIO", 200, minimum=10)
SVIDOK_IMPORT_MAX_ZIP_MEMBERS = env_int("SVIDOK_IMPORT_MAX_ZIP_MEMBERS", 1000, minimum=10)
SVIDOK_IMPORT_MAX_JSON_DEPTH = env_int("SVIDOK_IMPORT_MAX_JSON_DEPTH", 32, minimum=4, maximum=500)
SVIDOK_IMPORT_MAX_NUMBER_DIGITS = env_int("SVIDOK_IMPORT_MAX_NUMBER_DIGITS", 100, minimum=20, maximum=4000)
# Files uploaded on the "Imports" page wait here for the worker and are deleted when their run
# ends (docs/import-format.md, "On the web"); the largest file accepted there.
SVIDOK_IMPORT_UPLOAD_DIR = Path(env_str("SVIDOK_IMPORT_UPLOAD_DIR", str(VAR_DIR / "imports"))).resolve()
SVIDOK_IMPORT_UPLOAD_MAX_BYTES = env_int("SVIDOK_IMPORT_UPLOAD_MAX_BYTES", 200 * 1024**2, minimum=1024)
SVIDOK_DEMO_PASSWORD = env_str("SVIDOK_DEMO_PASSWORD")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "svidok.accounts.authentication.APITokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    "EXCEPTION_HANDLER": "svidok.common.api.exception_handler",
    # JSON bodies within SVIDOK_IMPORT_MAX_JSON_DEPTH and _NUMBER_DIGITS (a deep body was a 500).
    "DEFAULT_PARSER_CLASSES": ["svidok.common.parsers.BoundedJSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Svidok API",
    "DESCRIPTION": "Documentation of pressure around occupation 'elections': incidents, people, sources, places.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema tells the truth about nulls and errors (docs/api.md, "The contract").
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "svidok.common.schema.mark_nullable",
        "svidok.common.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "svidok.incidents.models.Incident.Status",
        "InterventionStatusEnum": "svidok.incidents.models.Intervention.Status",
        "EvidenceStatusEnum": "svidok.evidence.models.EvidenceItem.Status",
        # "method" is both the evidence items' (how collected) and the consents': each keeps a name of its own.
        "MethodEnum": "svidok.evidence.models.EvidenceItem.Method",
        "ConsentMethodEnum": "svidok.people.models.Consent.Method",
        "ConsentPurposeEnum": "svidok.people.models.Consent.Purpose",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint tells every step of every document at INFO: a periodic report renders its PDF in
    # parts (dozens of documents), which would fill the log with nothing to act on.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
