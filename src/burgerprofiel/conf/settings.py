"""Settings: every value comes from the environment through ``conf.env`` (see README)."""

from __future__ import annotations

import base64
import os
import secrets

import dj_database_url

from burgerprofiel.conf.env import BASE_DIR, VAR_DIR, env, env_bool, env_int, env_list, profile

PROFILE = profile()
PRODUCTION = PROFILE == "production"
TESTING = PROFILE == "test"

SECRET_KEY = env("SECRET_KEY", help="Django secret key (sessions, CSRF tokens).", secret=True)
DEBUG = env_bool("DEBUG", False, help="Django debug pages. Never on in production.")
if PRODUCTION and DEBUG:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DEBUG cannot be on in the production profile")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    "" if PRODUCTION else "127.0.0.1,localhost,testserver",
    help="Comma-separated host names this instance answers to. Required in production.",
)
if PRODUCTION and not ALLOWED_HOSTS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in the production profile")

PUBLIC_URL = env(
    "PUBLIC_URL",
    "http://127.0.0.1:8000",
    help="The external base URL; the token endpoint URL (the `aud` of client assertions) derives from it.",
).rstrip("/")


def _generate_kek() -> str:
    return "dev1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


KEY_ENCRYPTION_KEYS = env(
    "KEY_ENCRYPTION_KEYS",
    help="Key-encryption keys wrapping the data keys: comma-separated `id:base64url(32 bytes)`. "
    "The first one wraps new keys; all of them unwrap. Rotate by putting a new key first, "
    "then running `burgerprofiel keys rewrap`.",
    secret=True,
    generate=_generate_kek,
)
BLIND_INDEX_KEY = env(
    "BLIND_INDEX_KEY",
    help="HMAC key for blind indexes (INSZ lookups). Never rotate without re-indexing.",
    secret=True,
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs' own scripts, so no CDN (blocked by our CSP)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "burgerprofiel.common",
    "burgerprofiel.crypto",
    "burgerprofiel.audit",
    "burgerprofiel.agencies",
    "burgerprofiel.oauth",
    "burgerprofiel.citizens",
    "burgerprofiel.api",
    "burgerprofiel.backoffice",
    "burgerprofiel.dossiers",
    "burgerprofiel.notifications",
    "burgerprofiel.preferences",
    "burgerprofiel.personal_data",
    "burgerprofiel.documents",
    "burgerprofiel.portal",
]

MIDDLEWARE = [
    "burgerprofiel.common.middleware.RequestIdMiddleware",
    "burgerprofiel.common.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "burgerprofiel.common.middleware.SecurityHeadersMiddleware",
    "burgerprofiel.api.middleware.ApiGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "burgerprofiel.api.middleware.IdempotencyMiddleware",
]

ROOT_URLCONF = "burgerprofiel.conf.urls"
WSGI_APPLICATION = "burgerprofiel.conf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = env(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'burgerprofiel.sqlite3'}",
    help="Database URL: `postgres://user@host:5432/name` in production, an SQLite file by default.",
    shown="sqlite:///$BURGERPROFIEL_BASE_DIR/var/burgerprofiel.sqlite3",
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = env("CACHE_URL", "locmem://", help="Cache for rate limits: `locmem://` or `redis://host:6379/0`.")
if CACHE_URL.startswith("redis://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": env(
            "TASKS_BACKEND",
            "immediate" if TESTING else "django_tasks_db.DatabaseBackend",
            help="django.tasks backend: the database backend by default; `immediate` runs tasks inline.",
        ).replace("immediate", "django_tasks.backends.immediate.ImmediateBackend")
    }
}

OTP_TOTP_ISSUER = "Burgerprofiel"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "nl-be"
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Security defaults (production gets HSTS and secure cookies; development runs over plain HTTP).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 30
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_HSTS_SECONDS = 63072000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION, help="Redirect plain HTTP to HTTPS.")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

# Agency API limits.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024, help="Largest accepted API request body.")
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
API_RATE_LIMIT_PER_MINUTE = env_int(
    "API_RATE_LIMIT_PER_MINUTE", 600, help="Requests per minute per API client before 429."
)
OAUTH_RATE_LIMIT_PER_MINUTE = env_int(
    "OAUTH_RATE_LIMIT_PER_MINUTE",
    120,
    help="Token requests per minute per IP address before 429 (slows secret guessing).",
)
METRICS_ALLOWED_IPS = env_list(
    "METRICS_ALLOWED_IPS", "127.0.0.1,::1", help="Addresses that may read /metrics; others get 404."
)
IDEMPOTENCY_TTL_HOURS = env_int("IDEMPOTENCY_TTL_HOURS", 24, help="How long an Idempotency-Key is remembered.")
ACCESS_TOKEN_TTL_SECONDS = env_int(
    "ACCESS_TOKEN_TTL_SECONDS",
    300,
    help="Lifetime of agency access tokens (short: the order is re-checked anyway).",
)
CLIENT_ASSERTION_MAX_TTL_SECONDS = 600  # RFC 7523 assertions may live at most 10 minutes (ACM rule).
AUDIT_SEAL_INTERVAL_SECONDS = env_int(
    "AUDIT_SEAL_INTERVAL_SECONDS", 60, help="How often the worker signs a new audit tree head."
)
DATA_KEY_CACHE_SECONDS = env_int(
    "DATA_KEY_CACHE_SECONDS", 30, help="How long a process keeps an unwrapped data key in memory."
)

LOG_LEVEL = env("LOG_LEVEL", "INFO", help="Log level of the JSON logs on standard output.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "burgerprofiel.common.logging.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
        "django.request": {"handlers": ["stdout"], "level": "ERROR", "propagate": False},
    },
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never outside tests
    STORAGES = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

os.environ.setdefault("BURGERPROFIEL_BASE_DIR", str(BASE_DIR))
