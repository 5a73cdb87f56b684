"""One settings module for every environment, driven by environment variables.

With nothing set, the platform runs embedded: SQLite, the in-memory channel layer, a local
memory cache and console e-mail. ``DATABASE_URL`` and ``REDIS_URL`` move it to PostgreSQL and
Redis; ``DIALOGUE_ENV=production`` turns on the production safeguards and requires a real secret.
"""

from __future__ import annotations

import ipaddress
import json
import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.origins import allowed_origins

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in env(name, default).split(",") if part.strip()]


ENVIRONMENT = env("DIALOGUE_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured("DIALOGUE_ENV must be 'development' or 'production'")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production")
    SECRET_KEY = "development-only-insecure-key-never-used-in-production"  # noqa: S105 - dev default, refused above in production

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost")
# Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For is believed:
# the client is the right-most forwarded address that is not one of them
# (config/client_address.py). Empty: the direct peer is the client, whatever headers say.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an address or network"
        ) from None
# Origins allowed to open a WebSocket, compared on scheme, host and port (config/origins.py);
# by default the allowed hosts over https (production) or over http on any port (development).
try:
    WEBSOCKET_ALLOWED_ORIGINS = allowed_origins(
        env_list("WEBSOCKET_ALLOWED_ORIGINS"), ALLOWED_HOSTS, production=PRODUCTION
    )
except ValueError as error:
    raise ImproperlyConfigured(f"WEBSOCKET_ALLOWED_ORIGINS: {error}") from None
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "dialogue.apps.PolicyAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "ninja",
    "dialogue",
    "meetings",
    "documents",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "dialogue.middleware.PersonMiddleware",
    "dialogue.middleware.UserPreferencesMiddleware",
    "dialogue.middleware.SecretariatTwoFactorMiddleware",
    "dialogue.middleware.AuditClientMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "config.error_pages.ProductNotFound",
]
# Views a request without a session cookie reaches without the session, user, CSRF, messages
# and two-factor middleware (config/one_hop.py): the calendar feeds, which calendar clients ask
# for without cookies. Such a view must treat the request as an anonymous visitor's.
SESSIONLESS_VIEWS = frozenset({"meeting_calendar", "dialogue_calendar", "personal_calendar"})
# The product's error pages even with DEBUG on; tracebacks only in the console
# (config/error_pages.py). DJANGO_TECHNICAL_ERROR_PAGES=1 shows Django's instead (they list every
# URL pattern and the settings): only on a developer's own machine.
TECHNICAL_ERROR_PAGES = env_bool("DJANGO_TECHNICAL_ERROR_PAGES")
DEFAULT_EXCEPTION_REPORTER = "config.error_pages.ProductErrorReporter"

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dialogue.context_processors.navigation",
                "notifications.context_processors.inbox",
            ],
        },
    },
]

# --- Data stores -----------------------------------------------------------------------------

DATABASE_URL = env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
# Under ASGI every request runs in a thread of its own: a persistent connection per thread
# piles up until PostgreSQL refuses more clients. PostgreSQL gets a pool per process instead
# (connections reused, none opened per database call); `close()` hands a connection back.
DATABASES: dict[str, dict[str, Any]] = {"default": dict(dj_database_url.parse(DATABASE_URL))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": int(env("DB_POOL_MIN_SIZE", "2")),
            "max_size": int(env("DB_POOL_MAX_SIZE", "20")),
            "timeout": float(env("DB_POOL_TIMEOUT", "10")),
        },
        # JIT compilation costs 100-300 ms on any query whose estimated cost passes
        # jit_above_cost, and a policy-filtered search is estimated past it (the correlated
        # checks of named delegations): it never pays back on the short queries of a request.
        "options": env("DB_SESSION_OPTIONS", "-c jit=off"),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
# redis-py's defaults fail under load (a pool that raises at 100 connections and a socket
# timeout racing the channel layer's blocking reads): both are set explicitly.
REDIS_MAX_CONNECTIONS = int(env("REDIS_MAX_CONNECTIONS", "1000"))
REDIS_SOCKET_TIMEOUT = float(env("REDIS_SOCKET_TIMEOUT", "15"))
REDIS_CONNECT_TIMEOUT = float(env("REDIS_CONNECT_TIMEOUT", "2"))

# Parallel test processes (pytest-xdist, `make test`) share one Redis database: each keeps its
# own channel and cache keys, as each has its own test database.
_TEST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": REDIS_MAX_CONNECTIONS,
                        "socket_timeout": REDIS_SOCKET_TIMEOUT,
                        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                        "retry_on_timeout": True,
                    }
                ],
                "prefix": env("CHANNEL_LAYER_PREFIX", "dialogue") + _TEST_WORKER,
                "capacity": 1000,
                "expiry": 30,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "config.cache.SharedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "dialogue") + _TEST_WORKER,
            "OPTIONS": {
                "max_connections": REDIS_MAX_CONNECTIONS,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "retry_on_timeout": True,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions in the database, read by one statement of our own SQL (config/sessions.py): every
# process sees a sign-out at once, and Redis being down changes nothing for a signed-in person.
SESSION_ENGINE = "config.sessions"

# --- Accounts --------------------------------------------------------------------------------

AUTH_USER_MODEL = "dialogue.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "dialogue.accounts.InvitationOnlyAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "dialogue.forms.SignupProfileForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Dialogue] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "5/5m/key,20/5m/ip",
    "signup": "10/h/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "5/h/ip,3/h/key",
    "reset_password_from_key": "20/h/ip",
}
# Rate limits per address read REMOTE_ADDR, which config/client_address.py has already set
# from the trusted proxies' headers; allauth must not read X-Forwarded-For itself.
ALLAUTH_TRUSTED_PROXY_COUNT = 0
# Passkeys (WebAuthn) sign in on their own, and satisfy the secretariat's two-factor rule.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Dialogue platform"
# Secretariat roles must have TOTP before they can do anything else (see the middleware).
SECRETARIAT_REQUIRES_2FA = env_bool("SECRETARIAT_REQUIRES_2FA", True)

INVITATION_VALID_DAYS = int(env("INVITATION_VALID_DAYS", "14"))

# --- The read API (/api/v1/, docs/api.md) -------------------------------------------------------
# Requests per window ("N/s", "N/m", "N/h"): per token, and per address without one.
API_RATE_LIMIT = env("API_RATE_LIMIT", "600/m")
API_ANONYMOUS_RATE_LIMIT = env("API_ANONYMOUS_RATE_LIMIT", "120/m")
API_PAGE_SIZE = 50
API_MAX_PAGE_SIZE = 200
# The longest a token may be valid.
API_TOKEN_MAX_DAYS = int(env("API_TOKEN_MAX_DAYS", "365"))
# django-ninja ("ninja" above serves its Swagger UI from its own static files: no CDN, as the
# CSP allows only 'self'). A cursor skips at most this many rows of equal position.
NINJA_PAGINATION_MAX_OFFSET = 1000

# Check-in at the door opens at this local time of the meeting's zone on the day before its
# first day (delegations arriving the evening before collect their badges), and closes at the
# end of its last day.
CHECK_IN_OPENS_THE_DAY_BEFORE_AT = env("CHECK_IN_OPENS_THE_DAY_BEFORE_AT", "18:00")
# "Open the session" and "Conclude" are offered (and accepted) from this many hours before a
# meeting starts; earlier they are refused with the date they become possible.
SESSION_OPENS_HOURS_BEFORE = int(env("SESSION_OPENS_HOURS_BEFORE", "24"))
# On SIGTERM, how long a Daphne process waits for its live sockets to answer "going away"
# before it exits (notifications/going_away.py); newcomers meanwhile are told too.
LIVE_GOING_AWAY_GRACE_SECONDS = float(env("LIVE_GOING_AWAY_GRACE_SECONDS", "1"))

# Registration: how many days after a meeting ends each personal-data field of its
# nominations is kept (then erased by `erase_expired_registration_data`); fields not named are
# kept. Category, delegation, gender, travel support and attendance stay for the statistics.
REGISTRATION_RETENTION_DAYS = {
    "passport_number": int(env("RETAIN_PASSPORT_DAYS", "30")),
    "passport_expires": int(env("RETAIN_PASSPORT_DAYS", "30")),
    "date_of_birth": int(env("RETAIN_PASSPORT_DAYS", "30")),
    "nationality": int(env("RETAIN_PASSPORT_DAYS", "30")),
    "nomination_letters": int(env("RETAIN_LETTERS_DAYS", "90")),
    "phone": int(env("RETAIN_CONTACT_DAYS", "365")),
    "title": int(env("RETAIN_PARTICIPANTS_DAYS", "1825")),
    "affiliation": int(env("RETAIN_PARTICIPANTS_DAYS", "1825")),
    "full_name": int(env("RETAIN_PARTICIPANTS_DAYS", "1825")),
    "email": int(env("RETAIN_PARTICIPANTS_DAYS", "1825")),
}

# The permanent record (dialogue/audit/): how many years each entry is kept, then purged by
# `purge_audit_trail`; far beyond the event log's EVENT_RETENTION_DAYS (the secretariat's rules
# keep decisions ten years).
AUDIT_RETENTION_YEARS = int(env("AUDIT_RETENTION_YEARS", "10"))

# --- Internationalisation --------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian")), ("ar", _("Arabic"))]
# Django's own formats, with a few corrections for Arabic (config/formats/ar/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static files ----------------------------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Collected files are for production; development serves from the apps (WhiteNoise finders).
STATIC_ROOT = env("STATIC_ROOT") or (str(BASE_DIR / "staticfiles") if PRODUCTION else None)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Document files (see "Documents" below): local files under MEDIA_ROOT unless configured.
    "documents": {
        "BACKEND": env("DOCUMENTS_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(env("DOCUMENTS_STORAGE_OPTIONS", "{}")),
    },
    "staticfiles": {
        "BACKEND": (
            "config.storage.StaticFiles"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- E-mail ----------------------------------------------------------------------------------

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / ".mail"))
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Dialogue secretariat <secretariat@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security --------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # The reverse proxy terminates TLS and says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS: list[str] = []

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint (Arabic letters) logs every step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Notifications ---------------------------------------------------------------------------

# The permission policy's answers for the live machinery (see notifications/policy.py).
NOTIFICATIONS_POLICY = "dialogue.live.policy"
EVENT_RETENTION_DAYS = int(env("EVENT_RETENTION_DAYS", "30"))
EMAIL_COALESCE_SECONDS = int(env("EMAIL_COALESCE_SECONDS", "120"))
# Inbox lines and e-mails of an event written by the fan-out worker (`fan_out_events`, started
# by bin/serve, which turns this on) rather than in the publishing transaction under the log's
# lock: publishers then wait for each other only for the event's row. Off, `publish` writes them.
NOTIFICATIONS_FAN_OUT_WORKER = env_bool("NOTIFICATIONS_FAN_OUT_WORKER", False)
EMAIL_DIGEST_HOUR = int(env("EMAIL_DIGEST_HOUR", "7"))
# Absolute links in e-mails.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
EMAIL_SUBJECT_PREFIX = env("EMAIL_SUBJECT_PREFIX", "[Dialogue] ")
# Webhooks (notifications/webhooks): failed deliveries are retried this long, then paused.
WEBHOOK_RETRY_HOURS = int(env("WEBHOOK_RETRY_HOURS", "24"))
# Endpoints on loopback or private addresses, over plain http: for development and tests only.
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE")

# --- Documents -------------------------------------------------------------------------------

# Request bodies are refused with 413 before Django reads them (config/asgi.py): document
# uploads may be this large, every other request at most REQUEST_MAX_BYTES.
DOCUMENT_MAX_BYTES = int(env("DOCUMENT_MAX_BYTES", str(250 * 1024 * 1024)))
REQUEST_MAX_BYTES = int(env("REQUEST_MAX_BYTES", str(25 * 1024 * 1024)))
# Reading the text of uploaded files for the library's search (documents/extraction.py): in a
# child process limited in memory and CPU time and killed at the wall-clock limit; a file larger
# than TEXT_EXTRACTION_MAX_BYTES is not read; the text stops at TEXT_EXTRACTION_MAX_CHARS. Files
# up to TEXT_EXTRACTION_INLINE_BYTES are read as their upload commits, larger ones by the worker
# (`manage.py extract_document_texts`, which `make run` starts).
TEXT_EXTRACTION_MAX_BYTES = int(env("TEXT_EXTRACTION_MAX_BYTES", str(100 * 1024 * 1024)))
TEXT_EXTRACTION_MAX_CHARS = int(env("TEXT_EXTRACTION_MAX_CHARS", "1000000"))
TEXT_EXTRACTION_SECONDS = int(env("TEXT_EXTRACTION_SECONDS", "30"))
TEXT_EXTRACTION_MEMORY_BYTES = int(env("TEXT_EXTRACTION_MEMORY_BYTES", str(1024 * 1024 * 1024)))
TEXT_EXTRACTION_INLINE_BYTES = int(env("TEXT_EXTRACTION_INLINE_BYTES", str(2 * 1024 * 1024)))
# Paths (regular expressions) that take document uploads, with the larger cap.
DOCUMENT_UPLOAD_PATHS = [
    r"^/meetings/\d+/documents/new/$",
    r"^/dialogues/[-\w]+/documents/new/$",
    r"^/documents/\d+/upload/$",
]
# After the permission check, hand the bytes to the reverse proxy: the internal location that
# maps onto the document storage's root (nginx: `location /protected/ { internal; alias
# /srv/dialogue/media/; }`). Empty: Daphne streams the file itself. Local storage only.
DOCUMENTS_X_ACCEL_REDIRECT = env("DOCUMENTS_X_ACCEL_REDIRECT")
# Virus scanning through clamd (INSTREAM): "tcp://127.0.0.1:3310" or "unix:///run/clamav/clamd.ctl".
# When set, an upload is refused unless clamd says it is clean (it fails closed).
CLAMD_URL = env("CLAMD_URL")
CLAMD_TIMEOUT = float(env("CLAMD_TIMEOUT", "30"))
