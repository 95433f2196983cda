"""Settings: every value comes from the environment through ``conf.env`` (see README)."""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import secrets
from pathlib import Path

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
AUDIT_TRUSTED_KEYS = env_list(
    "AUDIT_TRUSTED_KEYS",
    "",
    help="RFC 7638 thumbprints of the platform signing keys trusted to sign audit tree heads and access tokens, "
    "comma-separated (`burgerprofiel keys trusted` prints them): pinned outside the database, so a key written "
    "into the signing-key table is not believed. Required in production (system check crypto.E001). Empty in "
    "development and tests: every key the platform made itself is pinned automatically.",
)
AUDIT_TRUSTED_KEYS_FILE = env(
    "AUDIT_TRUSTED_KEYS_FILE",
    "",
    help="Path of a published JWKS of trusted signing keys (public parts), pinned in addition to AUDIT_TRUSTED_KEYS.",
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
    "burgerprofiel.webhooks",
    "burgerprofiel.api",
    "burgerprofiel.backoffice",
    "burgerprofiel.dossiers",
    "burgerprofiel.notifications",
    "burgerprofiel.preferences",
    "burgerprofiel.personal_data",
    "burgerprofiel.documents",
    "burgerprofiel.corrections",
    "burgerprofiel.service_requests",
    "burgerprofiel.payments",
    "burgerprofiel.compliance.notices",
    "burgerprofiel.compliance.breaches",
    "burgerprofiel.compliance.instructions",
    "burgerprofiel.compliance.subprocessors",
    "burgerprofiel.compliance.offboarding",
    "burgerprofiel.compliance.subject_rights",
    "burgerprofiel.compliance.retention",
    "burgerprofiel.compliance.charter",
    "burgerprofiel.compliance.reports",
    "burgerprofiel.compliance.subject_requests",
    "burgerprofiel.portal",
    "burgerprofiel.cli",
]

MIDDLEWARE = [
    "burgerprofiel.common.client_ip.TrustedProxyMiddleware",
    "burgerprofiel.common.middleware.RequestIdMiddleware",
    "burgerprofiel.common.middleware.MetricsMiddleware",
    "burgerprofiel.common.replica.ReplicaMiddleware",
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
        # The back-office's versions of Django admin templates (admin/base_site.html, admin/filter.html):
        # an app template would lose to django.contrib.admin's own, which comes first in INSTALLED_APPS.
        "DIRS": [Path(__file__).resolve().parent.parent / "backoffice" / "admin_templates"],
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
DATABASE_REPLICA_URL = env(
    "DATABASE_REPLICA_URL",
    "",
    help="A read replica of DATABASE_URL (PostgreSQL streaming replication): portal pages read from it; "
    "writes, the order check, reads inside a transaction and a citizen's reads after their own write stay "
    "on the primary. Empty: every read on DATABASE_URL.",
)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    # Read-only sessions: a write that slipped past the router fails instead of diverging.
    DATABASES["replica"]["OPTIONS"] = {"options": "-c default_transaction_read_only=on"}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_PREPARED_STATEMENTS = env_bool(
    "DATABASE_PREPARED_STATEMENTS",
    True,
    help="PostgreSQL: the hottest write statements (a DOSIS single upload) are bound on the server and prepared "
    "once per connection. Turn off behind a pooler that cannot keep prepared statements (PgBouncer before 1.21, "
    "or without max_prepared_statements).",
)
DATABASE_REPLICA_PIN_SECONDS = env_int(
    "DATABASE_REPLICA_PIN_SECONDS",
    5,
    help="After a citizen's own write, how long their portal reads stay on the primary (more than the replica's lag).",
)
DATABASE_ROUTERS = ["burgerprofiel.common.replica.ReplicaRouter"]
# Which requests and which tables may be read on the replica (burgerprofiel.common.replica).
DATABASE_REPLICA_NAMESPACES = ("portal", "dossiers", "notifications", "preferences", "personal_data", "documents")
DATABASE_REPLICA_APPS = ("dossiers", "notifications", "preferences", "personal_data", "audit")

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
    # ASVS 5.0 6.2.11: the documented context-specific words (backoffice/passwords.py).
    {"NAME": "burgerprofiel.backoffice.passwords.ContextWordsValidator"},
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
# ASVS 5.0 3.3.1/3.3.3: over HTTPS every cookie is Secure and host-only (``__Host-`` prefix).
CSRF_COOKIE_NAME = "__Host-bp_csrf" if PRODUCTION else "csrftoken"
SECURE_HSTS_SECONDS = 63072000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION, help="Redirect plain HTTP to HTTPS.")
# ASVS 5.0 4.1.2: only pages people open in a browser are redirected; an API or token request over
# plain HTTP is refused (api.middleware), so a client that leaks its credentials in clear finds out.
SECURE_REDIRECT_EXEMPT = [r"^api/", r"^oauth/"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# ASVS 5.0 3.4.3: an allowlist policy with object-src 'none' and base-uri 'none' (no page uses <base>).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
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
OAUTH_CLIENT_RATE_LIMIT_PER_MINUTE = env_int(
    "OAUTH_CLIENT_RATE_LIMIT_PER_MINUTE",
    30,
    help="Token requests per minute per client_id before 429, from any address (a token lives "
    "ACCESS_TOKEN_TTL_SECONDS; guessing one client's secret from many addresses is slowed down too).",
)
TRUSTED_PROXIES = env_list(
    "TRUSTED_PROXIES",
    "127.0.0.1/32,::1/128" if PRODUCTION else "",
    help="CIDRs of the reverse proxies whose X-Forwarded-For is believed (rightmost untrusted hop = the "
    "client); empty: the socket's address is the client. Production default: loopback, where `serve` listens.",
)
METRICS_ALLOWED_IPS = env_list(
    "METRICS_ALLOWED_IPS",
    "127.0.0.1,::1",
    help="Addresses or CIDRs (of the client, after TRUSTED_PROXIES) that may read /metrics; others get 404.",
)
METRICS_AUTH_REQUIRED = env_bool(
    "METRICS_AUTH_REQUIRED", PRODUCTION, help="Whether /metrics also needs `Authorization: Bearer METRICS_TOKEN`."
)
METRICS_TOKEN = env(
    "METRICS_TOKEN",
    help="Bearer token the metrics scraper sends to /metrics (Prometheus `authorization: credentials:`).",
    secret=True,
)
IDEMPOTENCY_TTL_HOURS = env_int("IDEMPOTENCY_TTL_HOURS", 24, help="How long an Idempotency-Key is remembered.")
ACCESS_TOKEN_TTL_SECONDS = env_int(
    "ACCESS_TOKEN_TTL_SECONDS",
    300,
    help="Lifetime of agency access tokens (short: the order is re-checked anyway).",
)
CLIENT_ASSERTION_MAX_TTL_SECONDS = env_int(
    "CLIENT_ASSERTION_MAX_TTL_SECONDS",
    3600,
    help="Furthest `exp` of a private_key_jwt client assertion, in seconds from now. One hour, as large identity "
    "providers accept (Authlib's default assertion lives an hour); each `jti` is remembered until its `exp`.",
)
WORKER_SCHEDULE_INTERVAL_SECONDS = env_int(
    "WORKER_SCHEDULE_INTERVAL_SECONDS",
    15,
    help="How often the worker enqueues its periodic work (audit sealing, retries, DOSIS meldingen).",
)
RETENTION_PURGE_INTERVAL_SECONDS = env_int(
    "RETENTION_PURGE_INTERVAL_SECONDS", 3600, help="How often the worker purges data past its order's retention."
)
# Periodic work is data (as Sentry declares its beat schedule): ``burgerprofiel worker`` enqueues each
# task (a dotted path to a django.tasks task in its own app's tasks.py) every ``seconds``, the first
# time when it starts. Nothing low imports something high to schedule it (the layers in pyproject.toml).
# What follows the filing of DOSIS uploads: dotted paths of tasks, run inline and in order by whoever
# filed (the worker's DOSIS loop, the dosis-uploads task). Filing records status changes in an outbox
# of the dossiers app; the notifications app consumes it. Declared here, as the periodic tasks are,
# so that dossiers names nothing above it (the layers in pyproject.toml).
DOSIS_AFTER_FILING_TASKS = ["burgerprofiel.notifications.tasks.dosis_status_changes_task"]
AUDIT_FAILURE_WINDOW_SECONDS = env_int(
    "AUDIT_FAILURE_WINDOW_SECONDS",
    300,
    help="Failed authentications of one caller (client, or address) are one audit event per window of this "
    "many seconds, and one more with the count of the rest: anonymous callers cannot grow the audit log at will.",
)
PERIODIC_TASKS: dict[str, dict[str, str | int]] = {
    # The fallback to the worker's DOSIS loop (should it be stuck): file queued uploads, then their meldingen.
    "dosis-uploads": {
        "task": "burgerprofiel.dossiers.tasks.dosis_uploads_process",
        "seconds": WORKER_SCHEDULE_INTERVAL_SECONDS,
    },
    # Queued uploads that old web processes sealed as bp1: during a rolling upgrade: sealed again to be filed.
    "dosis-uploads-reseal": {"task": "burgerprofiel.dossiers.tasks.dosis_uploads_reseal", "seconds": 60},
    "audit-seal": {"task": "burgerprofiel.audit.tasks.audit_seal_task", "seconds": WORKER_SCHEDULE_INTERVAL_SECONDS},
    # Failed authentications counted per caller and window: one event for the rest once the window closes.
    "audit-failures-flush": {
        "task": "burgerprofiel.audit.tasks.audit_failures_flush_task",
        "seconds": WORKER_SCHEDULE_INTERVAL_SECONDS,
    },
    "oauth-assertions-purge": {
        "task": "burgerprofiel.oauth.tasks.used_assertions_purge_task",
        "seconds": WORKER_SCHEDULE_INTERVAL_SECONDS,
    },
    "idempotency-purge": {
        "task": "burgerprofiel.api.tasks.idempotency_records_purge_task",
        "seconds": WORKER_SCHEDULE_INTERVAL_SECONDS,
    },
    # Retries, interrupted sends, message content past retention.
    "notifications-housekeeping": {
        "task": "burgerprofiel.notifications.tasks.notifications_housekeeping_task",
        "seconds": WORKER_SCHEDULE_INTERVAL_SECONDS,
    },
    # Webhook retries that came due, events past retention.
    "webhooks-housekeeping": {
        "task": "burgerprofiel.webhooks.tasks.webhooks_housekeeping_task",
        "seconds": WORKER_SCHEDULE_INTERVAL_SECONDS,
    },
    # The processor's notices to agencies: their e-mails to contact persons and DPOs (compliance.notices).
    "agency-notice-mails": {
        "task": "burgerprofiel.compliance.notices.tasks.notice_mails_task",
        "seconds": WORKER_SCHEDULE_INTERVAL_SECONDS,
    },
    # Breaches: the detectors (pull.incident, refused-call spikes) and the notice deadline's warnings.
    "breaches-check": {"task": "burgerprofiel.compliance.breaches.tasks.breaches_check_task", "seconds": 60},
    # Planned sub-processor changes whose date has come (charter 6.2), unless an objection holds them back.
    "subprocessor-changes": {
        "task": "burgerprofiel.compliance.subprocessors.tasks.subprocessor_changes_apply_task",
        "seconds": RETENTION_PURGE_INTERVAL_SECONDS,
    },
    # Retention is data (DESIGN rule 7): one job per agency and component (its order's retention as it is
    # at the run) and one per kind of the platform's own data (compliance.retention).
    "retention": {
        "task": "burgerprofiel.compliance.retention.tasks.retention_schedule_task",
        "seconds": RETENTION_PURGE_INTERVAL_SECONDS,
    },
    # Legal holds past their end date (charter 12.2): their records are purged, the agency's key destroyed.
    "legal-holds": {
        "task": "burgerprofiel.compliance.offboarding.tasks.legal_holds_task",
        "seconds": RETENTION_PURGE_INTERVAL_SECONDS,
    },
    # The coming months' partitions of the large append-only tables (PostgreSQL), months ahead of need.
    "partitions": {"task": "burgerprofiel.common.tasks.partitions_ensure_task", "seconds": 3600},
}
# --- personal data breaches (charter 8, GDPR 33; compliance.breaches) ---
BREACH_NOTICE_DEADLINE_HOURS = env_int(
    "BREACH_NOTICE_DEADLINE_HOURS",
    24,
    help="Hours from a breach's detection by which every affected agency must have its notice (charter 8.1: "
    "without undue delay; the agency has 72 hours towards the supervisory authority). Past it: overdue.",
)
BREACH_NOTICE_WARNING_HOURS = env_int(
    "BREACH_NOTICE_WARNING_HOURS",
    12,
    help="Hours from a breach's detection after which an unnotified breach shows and logs a warning.",
)
BREACH_REFUSED_SPIKE_THRESHOLD = env_int(
    "BREACH_REFUSED_SPIKE_THRESHOLD",
    200,
    help="Refused calls (order check, scope, authentication) of one agency within BREACH_REFUSED_SPIKE_WINDOW_SECONDS "
    "at which a draft breach is opened for an operator to assess.",
)
BREACH_REFUSED_SPIKE_WINDOW_SECONDS = env_int(
    "BREACH_REFUSED_SPIKE_WINDOW_SECONDS", 600, help="The window in which refused calls are counted for a spike."
)
PROCESSOR_DPO_NAME = env(
    "PROCESSOR_DPO_NAME",
    "Functionaris voor gegevensbescherming, Digitaal Vlaanderen",
    help="The processor's DPO as breach notices name them (charter 8.2).",
)
PROCESSOR_DPO_EMAIL = env(
    "PROCESSOR_DPO_EMAIL", "dpo@burgerprofiel.example", help="The processor's DPO's e-mail address (charter 8.2)."
)
PROCESSOR_DPO_PHONE = env("PROCESSOR_DPO_PHONE", "", help="The processor's DPO's phone number (charter 8.2); optional.")
KEY_STORE_DIR = env(
    "KEY_STORE_DIR",
    str(VAR_DIR / "keystore"),
    help="The key store: one KEK-wrapped secret per agency data key, outside the database and its backups "
    "(crypto-shredding that reaches backups, docs/operations.md). Shared by every web and worker machine; "
    "backed up on its own with a short retention.",
    shown="$BURGERPROFIEL_BASE_DIR/var/keystore",
)
# --- retention of everything (issue 13 item 9; compliance.retention) ---
RETENTION_BATCH_SIZE = env_int(
    "RETENTION_BATCH_SIZE", 500, help="Rows the retention job removes per transaction (each batch commits on its own)."
)
RETENTION_RUN_LEASE_SECONDS = env_int(
    "RETENTION_RUN_LEASE_SECONDS",
    3600,
    help="A retention run younger than this that is still running belongs to another worker; an older one was "
    "interrupted and the next run goes on from where it stopped.",
)
CITIZEN_UNREFERENCED_RETENTION_DAYS = env_int(
    "CITIZEN_UNREFERENCED_RETENTION_DAYS",
    365,
    help="A citizen row nothing refers to (no dossier, melding, consent, preference, ...) and older than this many "
    "days is removed and its data key shredded; a new login creates it again.",
)
PREFERENCES_VERIFICATION_RETENTION_DAYS = env_int(
    "PREFERENCES_VERIFICATION_RETENTION_DAYS", 30, help="How long used or expired verification records are kept."
)
NOTIFICATIONS_DELIVERY_RETENTION_DAYS = env_int(
    "NOTIFICATIONS_DELIVERY_RETENTION_DAYS",
    365,
    help="How long delivery metadata (status, times, the signed receipt) is kept after a send became final.",
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
        # weasyprint logs every step of every PDF at INFO (receipts): only its warnings matter.
        "weasyprint": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
        # httpx logs every request's URL at INFO ("HTTP Request: GET https://.../certificates/<INSZ>"):
        # a certificate source's URL names the citizen. Warnings and errors carry no URL.
        "httpx": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
        "httpcore": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
    },
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never outside tests
    STORAGES = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

os.environ.setdefault("BURGERPROFIEL_BASE_DIR", str(BASE_DIR))

# --- portal (citizen login, sessions, live pull of "Uw gegevens" and certificates) ---
OIDC_ISSUER = env(
    "OIDC_ISSUER",
    "http://127.0.0.1:8001",
    help="Issuer URL of the citizens' OIDC provider (ACM/IDM or the dev provider); discovery is read from it.",
).rstrip("/")
OIDC_CLIENT_ID = env("OIDC_CLIENT_ID", "burgerprofiel-portal", help="The portal's client id at the OIDC provider.")
OIDC_CLIENT_SECRET = env(
    "OIDC_CLIENT_SECRET", help="The portal's client secret at the OIDC provider (client_secret_basic).", secret=True
)
OIDC_SCOPES = "openid profile rrn"
OIDC_HTTP_TIMEOUT_SECONDS = 5.0
# Login methods (the `acr` claim) and their level: a page may demand a minimum level (step-up).
PORTAL_ACR_LEVELS = {"eid": 4, "itsme": 4, "app": 3, "sms": 2}
PORTAL_SESSION_IDLE_SECONDS = env_int(
    "PORTAL_SESSION_IDLE_SECONDS", 15 * 60, help="A citizen's session ends after this much inactivity."
)
PORTAL_SESSION_MAX_SECONDS = env_int(
    "PORTAL_SESSION_MAX_SECONDS", 8 * 3600, help="A citizen's session ends this long after login, whatever happens."
)
SESSION_COOKIE_AGE = PORTAL_SESSION_MAX_SECONDS
SESSION_COOKIE_NAME = "__Host-bp_session" if PRODUCTION else "bp_session"
SESSION_COOKIE_SAMESITE = "Lax"  # Lax, not Strict: the OIDC callback arrives by a top-level redirect
PULL_TIMEOUT_SECONDS = 2.0  # a source's own timeout, when staff register none
PULL_MAX_RESPONSE_BYTES = 256 * 1024
PULL_MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
PULL_CACHE_SECONDS = 60  # "Uw gegevens" kept per session this long, never longer
PULL_BREAKER_FAILURES = 3  # consecutive failures that open a source's circuit
PULL_BREAKER_OPEN_SECONDS = 30
PULL_JWT_TTL_SECONDS = 60
PULL_PRIVATE_ALLOWLIST = env_list(
    "PULL_PRIVATE_ALLOWLIST",
    "" if PRODUCTION else "127.0.0.1/32,::1/128",
    help="Private networks (CIDR) that pull sources and webhook endpoints may live in; every other private or "
    "special-purpose range is refused (SSRF guard). A webhook endpoint must be https unless all its addresses lie "
    "in these networks, so tests and `make run` can use loopback http. Empty in production.",
)
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]
LANGUAGE_COOKIE_NAME = "__Host-bp_taal" if PRODUCTION else "bp_taal"
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True  # read by the server only
LANGUAGE_COOKIE_SAMESITE = "Lax"
# The portal speaks Dutch unless the citizen chose English (a cookie); the browser's language is not guessed.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
    "burgerprofiel.portal.middleware.PortalMiddleware",
)

# --- notifications & preferences ---
NOTIFICATIONS_SMTP_HOST = env("NOTIFICATIONS_SMTP_HOST", "127.0.0.1", help="SMTP server for notification e-mail.")
NOTIFICATIONS_SMTP_PORT = env_int("NOTIFICATIONS_SMTP_PORT", 1025, help="Port of the SMTP server.")
NOTIFICATIONS_SMTP_USER = env("NOTIFICATIONS_SMTP_USER", "", help="SMTP login; empty: no authentication.")
# The two passwords are secrets (never logged) but not required: a relay on the local network may need none.
NOTIFICATIONS_SMTP_PASSWORD = env(
    "NOTIFICATIONS_SMTP_PASSWORD", "", help="SMTP password (secret; used only with NOTIFICATIONS_SMTP_USER)."
)
NOTIFICATIONS_SMTP_STARTTLS = env_bool(
    "NOTIFICATIONS_SMTP_STARTTLS", False, help="Use STARTTLS towards the SMTP server."
)
NOTIFICATIONS_SMTP_TIMEOUT_SECONDS = env_int(
    "NOTIFICATIONS_SMTP_TIMEOUT_SECONDS", 10, help="Socket timeout towards the SMTP server."
)
NOTIFICATIONS_MAIL_FROM = env(
    "NOTIFICATIONS_MAIL_FROM", "Mijn Burgerprofiel <noreply@burgerprofiel.example>", help="Sender of notification mail."
)
NOTIFICATIONS_SMPP_HOST = env("NOTIFICATIONS_SMPP_HOST", "127.0.0.1", help="SMPP server (SMS centre).")
NOTIFICATIONS_SMPP_PORT = env_int("NOTIFICATIONS_SMPP_PORT", 2775, help="Port of the SMPP server.")
NOTIFICATIONS_SMPP_SYSTEM_ID = env("NOTIFICATIONS_SMPP_SYSTEM_ID", "burgerprofiel", help="SMPP system_id (bind).")
NOTIFICATIONS_SMPP_PASSWORD = env("NOTIFICATIONS_SMPP_PASSWORD", "", help="SMPP password for the bind (secret).")
NOTIFICATIONS_SMS_SENDER = env("NOTIFICATIONS_SMS_SENDER", "Burgerprof", help="SMS sender (alphanumeric, max 11).")
NOTIFICATIONS_BATCH_SIZE = env_int("NOTIFICATIONS_BATCH_SIZE", 100, help="Deliveries one worker claims at once.")
NOTIFICATIONS_DRAIN_INTERVAL_MS = env_int(
    "NOTIFICATIONS_DRAIN_INTERVAL_MS",
    50,
    help="How long the worker's delivery loop waits, when nothing is due, before looking again.",
)
NOTIFICATIONS_GATHER_MS = env_int(
    "NOTIFICATIONS_GATHER_MS",
    100,
    help="How long a thread of the worker's delivery loop waits after a batch that emptied the outbox before it "
    "claims again, so that under a steady load each batch carries several messages (0: at once).",
)
NOTIFICATIONS_DRAIN_THREADS = env_int(
    "NOTIFICATIONS_DRAIN_THREADS",
    2,
    help="Threads of the worker's delivery loop, each with its own lease name and SMTP/SMPP session: while one "
    "waits for the mail server's answer, the next message is built.",
)
NOTIFICATIONS_SESSION_KEEP_SECONDS = env_int(
    "NOTIFICATIONS_SESSION_KEEP_SECONDS",
    10,
    help="How long the worker's delivery loop keeps an idle SMTP session open for its next batch (probed with "
    "NOOP after 1 s idle); 0: a session per batch.",
)
NOTIFICATIONS_SENDING_CHUNK = env_int(
    "NOTIFICATIONS_SENDING_CHUNK",
    20,
    help="Deliveries marked `sending` (and finished) together in one commit; a crash mid-chunk ends at most "
    "this many as technical-failure.",
)
NOTIFICATIONS_WAKE_TASKS = env_bool(
    "NOTIFICATIONS_WAKE_TASKS",
    False,
    help="Queue a dispatch task after each melding (for workers that only run tasks); `burgerprofiel worker` "
    "drains the delivery outbox itself.",
)
NOTIFICATIONS_LEASE_SECONDS = env_int(
    "NOTIFICATIONS_LEASE_SECONDS", 120, help="How long a claimed batch is reserved for its worker."
)
NOTIFICATIONS_RETRY_SECONDS = env_int(
    "NOTIFICATIONS_RETRY_SECONDS", 300, help="Wait between retries after a temporary failure (GOV.UK Notify: 5 min)."
)
NOTIFICATIONS_MAX_ATTEMPTS = env_int(
    "NOTIFICATIONS_MAX_ATTEMPTS", 48, help="Attempts before a temporary failure becomes technical-failure (48 × 5 min)."
)
NOTIFICATIONS_SENDING_TIMEOUT_SECONDS = env_int(
    "NOTIFICATIONS_SENDING_TIMEOUT_SECONDS",
    600,
    help="A delivery longer in `sending` was interrupted (crash): the sweeper ends it as technical-failure.",
)
NOTIFICATIONS_MESSAGE_MAX_LENGTH = env_int(
    "NOTIFICATIONS_MESSAGE_MAX_LENGTH", 2000, help="Longest notification message (characters)."
)
NOTIFICATIONS_BULK_MAX_ITEMS = env_int(
    "NOTIFICATIONS_BULK_MAX_ITEMS", 10000, help="Most notifications in one bulk request."
)
NOTIFICATIONS_BULK_CHUNK_SIZE = env_int(
    "NOTIFICATIONS_BULK_CHUNK_SIZE",
    250,
    help="Meldingen of a bulk request stored per transaction (short write transactions; all are validated first).",
)
NOTIFICATIONS_DEFAULT_RETENTION_DAYS = env_int(
    "NOTIFICATIONS_DEFAULT_RETENTION_DAYS", 90, help="Notification content retention when the order sets none."
)
PREFERENCES_EMAIL_LINK_HOURS = env_int(
    "PREFERENCES_EMAIL_LINK_HOURS", 24, help="How long an e-mail verification link stays valid."
)
PREFERENCES_SMS_CODE_MINUTES = env_int(
    "PREFERENCES_SMS_CODE_MINUTES", 15, help="How long an SMS verification code stays valid."
)
PREFERENCES_VERIFICATIONS_PER_HOUR = env_int(
    "PREFERENCES_VERIFICATIONS_PER_HOUR",
    5,
    help="Verification links or codes a citizen may ask per channel per hour (each is a mail or SMS).",
)
TEMPLATES[0]["OPTIONS"]["context_processors"].append(  # type: ignore[index]
    "burgerprofiel.portal.context_processors.unread_notifications"
)

# --- webhooks (events to agencies) ---
WEBHOOKS_TIMEOUT_SECONDS = env_int(
    "WEBHOOKS_TIMEOUT_SECONDS",
    10,
    help="How long a webhook delivery may take (connect and answer) before it is retried.",
)
WEBHOOKS_BATCH_SIZE = env_int("WEBHOOKS_BATCH_SIZE", 100, help="Webhook deliveries one worker claims at once.")
WEBHOOKS_CONCURRENCY = env_int(
    "WEBHOOKS_CONCURRENCY", 8, help="Webhook deliveries of one batch sent at the same time (one HTTP client)."
)
WEBHOOKS_LEASE_SECONDS = env_int(
    "WEBHOOKS_LEASE_SECONDS",
    120,
    help="How long a claimed batch of webhook deliveries is reserved (at least what the batch may take at worst); "
    "after a crash it is sent again (at least once).",
)
WEBHOOKS_RETRY_BASE_SECONDS = env_int(
    "WEBHOOKS_RETRY_BASE_SECONDS",
    10,
    help="First wait after a failed webhook delivery; doubled each time, with jitter.",
)
WEBHOOKS_RETRY_MAX_SECONDS = env_int(
    "WEBHOOKS_RETRY_MAX_SECONDS", 3600, help="Longest wait between two attempts of one webhook delivery."
)
WEBHOOKS_RETRY_WINDOW_SECONDS = env_int(
    "WEBHOOKS_RETRY_WINDOW_SECONDS",
    86400,
    help="How long a failing webhook delivery is retried (network errors, timeouts, 5xx) before it becomes a dead "
    "letter the agency and the back-office can replay. At least 24 hours in production.",
)
if PRODUCTION and WEBHOOKS_RETRY_WINDOW_SECONDS < 86400:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("WEBHOOKS_RETRY_WINDOW_SECONDS must be at least 86400 (24 hours) in production")
WEBHOOKS_SECRET_OVERLAP_SECONDS = env_int(
    "WEBHOOKS_SECRET_OVERLAP_SECONDS",
    86400,
    help="After a webhook secret is rotated, how long the old secret still signs beside the new one (default).",
)
WEBHOOKS_MAX_ENDPOINTS = env_int("WEBHOOKS_MAX_ENDPOINTS", 20, help="Webhook endpoints one agency may register.")
WEBHOOKS_RETENTION_DAYS = env_int(
    "WEBHOOKS_RETENTION_DAYS",
    30,
    help="How long events stay readable in the feed (/api/v1/events) and finished deliveries in the list.",
)

# --- payments (charter 1.1 "betalen"; issue 12) ---
PAYMENTS_PROVIDER = env(
    "PAYMENTS_PROVIDER",
    "burgerprofiel.payments.providers.mollie.MollieProvider",
    help="Dotted path of the payment-provider adapter the portal's checkout uses.",
)
MOLLIE_API_ENDPOINT = env(
    "MOLLIE_API_ENDPOINT",
    "https://api.mollie.com",
    help="Mollie's API base URL. `make run` and the tests point it at the fake Mollie (payments/fake/mollie.py).",
).rstrip("/")
MOLLIE_API_KEY = env(
    "MOLLIE_API_KEY",
    help="Mollie API key (`live_...` or `test_...`); required in production.",
    secret=True,
    generate=lambda: "test_" + secrets.token_hex(16),
)
PAYMENTS_METHODS = env_list(
    "PAYMENTS_METHODS",
    "bancontact,kbc,belfius,creditcard,applepay",
    help="Payment methods offered at the provider's checkout, in order (Mollie method ids); empty: all enabled ones.",
)
PAYMENTS_WEBHOOK_URL = env(
    "PAYMENTS_WEBHOOK_URL",
    f"{PUBLIC_URL}/betaaldienst/webhook",
    help="Where the payment provider calls when a payment changes (reachable from the provider).",
    shown="PUBLIC_URL + /betaaldienst/webhook",
)
PAYMENTS_CHECKOUT_ORIGIN = env(
    "PAYMENTS_CHECKOUT_ORIGIN",
    "https://www.mollie.com"
    if MOLLIE_API_ENDPOINT == "https://api.mollie.com"
    else "/".join(MOLLIE_API_ENDPOINT.split("/")[:3]),
    help="Origin of the provider's hosted checkout page (the portal's pay button redirects there; CSP form-action).",
    shown="https://www.mollie.com, or the origin of MOLLIE_API_ENDPOINT",
)
PAYMENTS_SYNC_AFTER_SECONDS = env_int(
    "PAYMENTS_SYNC_AFTER_SECONDS",
    600,
    help="A payment or refund under way that no provider webhook moved for this long is fetched from the provider "
    "by the worker's periodic check (a lost webhook never leaves a payment open).",
)
# Charter 14.3: an agency's termination under an amendment takes effect on the amendment's date.
PERIODIC_TASKS["charter-terminations"] = {
    "task": "burgerprofiel.compliance.charter.tasks.charter_terminations_execute_task",
    "seconds": 3600,
}
COMPLIANCE_OBLIGATIONS_REPORT_DAYS = env_int(
    "COMPLIANCE_OBLIGATIONS_REPORT_DAYS",
    365,
    help="Days between the platform's own reports to each agency on its obligations (charter 9); "
    "recording an independent audit sends one at once as well.",
)
PERIODIC_TASKS["compliance-obligations-reports"] = {
    "task": "burgerprofiel.compliance.reports.tasks.obligations_reports_send_due_task",
    "seconds": 86400,
}
SUBJECT_REQUEST_REMINDER_DAYS = env_int(
    "SUBJECT_REQUEST_REMINDER_DAYS",
    7,
    help="Days before a data-subject request's one-month deadline (GDPR 12(3)) that the agency is reminded.",
)
PERIODIC_TASKS["subject-requests-remind"] = {
    "task": "burgerprofiel.compliance.subject_requests.tasks.subject_requests_remind_task",
    "seconds": 3600,
}
PERIODIC_TASKS["payments-provider-sync"] = {
    "task": "burgerprofiel.payments.tasks.payments_stale_sync_task",
    "seconds": 300,
}
if PRODUCTION and not MOLLIE_API_ENDPOINT.startswith("https://"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("MOLLIE_API_ENDPOINT must be an https URL in production")

# --- dossiers ---
DOSIS_BULK_FILE_AT_ACCEPTANCE = env_bool(
    "DOSIS_BULK_FILE_AT_ACCEPTANCE",
    True,
    help="A DOSIS bulk request files its uploads set-based as it accepts them (answered is filed); the lines "
    "that must wait their turn (their dossier has queued uploads) and false: queued for the worker.",
)
DOSIS_BULK_MAX_BODY_BYTES = env_int(
    "DOSIS_BULK_MAX_BODY_BYTES",
    32 * 1024 * 1024,
    help="Largest accepted body of a DOSIS bulk upload (/api/v2/dosis/dossiers/bulk, NDJSON).",
)
DOSIS_BULK_MAX_LINES = 10_000  # DOSIS bulk contract: at most 10,000 uploads per request
DOSIS_DRAIN_INTERVAL_MS = env_int(
    "DOSIS_DRAIN_INTERVAL_MS",
    200,
    help="How long the worker's DOSIS loop waits, when the upload queue is empty, before looking again.",
)
DOSIS_DRAIN_THREADS = env_int(
    "DOSIS_DRAIN_THREADS",
    2,
    help="Threads of the worker's DOSIS loop: while one waits for the database to write its batch, the next "
    "batch is read and planned (batches are claimed with SKIP LOCKED, as by several workers).",
)
DOSIS_PURGE_BATCH_SIZE = env_int(
    "DOSIS_PURGE_BATCH_SIZE", 500, help="Dossiers removed per transaction by the DOSIS retention purge."
)
DOSSIER_STALE_DAYS = env_int(
    "DOSSIER_STALE_DAYS",
    730,
    help="An open dossier without any change (WijzigingsDatum) for this many days is purged too; 0: never.",
)
DOSIS_MANDATE_PROVIDER = env(
    "DOSIS_MANDATE_PROVIDER",
    "",
    help="Dotted path of a callable (citizen) -> KBO numbers the citizen may act for; empty: no organisation dossiers.",
)
TEMPLATES[0]["OPTIONS"]["context_processors"].append("burgerprofiel.portal.context_processors.portal")  # type: ignore[index]
# Logging out is a form that ends at the provider (RP-initiated logout): browsers check each
# redirect of a form submission against form-action, so the provider's origin is allowed there.
CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "form-action 'self'", f"form-action 'self' {'/'.join(OIDC_ISSUER.split('/')[:3])}"
)
# The pay button is a form whose answer redirects to the provider's hosted checkout: allowed the same way.
CONTENT_SECURITY_POLICY = re.sub(r"form-action [^;]*", rf"\g<0> {PAYMENTS_CHECKOUT_ORIGIN}", CONTENT_SECURITY_POLICY)
INSTALLED_APPS.append("django_htmx")  # its static htmx file: progressive enhancement without a CDN

# --- back-office sessions and logins (ASVS 5.0 7.3.1 inactivity timeout; 6.3.1 brute force) ---
BACKOFFICE_SESSION_IDLE_SECONDS = env_int(
    "BACKOFFICE_SESSION_IDLE_SECONDS",
    15 * 60,
    help="A staff member's back-office session ends after this much inactivity (ASVS 7.3.1); "
    "8 hours after login it ends anyway.",
)
BACKOFFICE_LOGIN_FAILURE_LIMIT = env_int(
    "BACKOFFICE_LOGIN_FAILURE_LIMIT",
    5,
    help="Failed back-office logins (wrong password or verification code) after which the account is locked.",
)
BACKOFFICE_LOGIN_LOCKOUT_MINUTES = env_int(
    "BACKOFFICE_LOGIN_LOCKOUT_MINUTES",
    30,
    help="How long a locked back-office account stays locked; 0: until an operator lifts the lock "
    "(back-office: Vergrendelde aanmeldingen, or `burgerprofiel axes_reset_username USERNAME`).",
)
if BACKOFFICE_LOGIN_FAILURE_LIMIT < 1 or BACKOFFICE_LOGIN_LOCKOUT_MINUTES < 0:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("BACKOFFICE_LOGIN_FAILURE_LIMIT must be at least 1, the lockout minutes at least 0")
MIDDLEWARE.insert(  # after the user (and its OTP check) and messages are there
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "burgerprofiel.backoffice.middleware.StaffSessionMiddleware",
)
# Charter 4: personal data only after the current confidentiality statement was accepted.
MIDDLEWARE.insert(
    MIDDLEWARE.index("burgerprofiel.backoffice.middleware.StaffSessionMiddleware") + 1,
    "burgerprofiel.backoffice.confidentiality.ConfidentialityMiddleware",
)
# A back-office page or act refused to a staff member (403) leaves an audit event (issue 16).
MIDDLEWARE.insert(
    MIDDLEWARE.index("burgerprofiel.backoffice.middleware.StaffSessionMiddleware") + 1,
    "burgerprofiel.backoffice.middleware.StaffRefusalMiddleware",
)
# django-axes counts failed logins per account (username) whatever the address: behind a reverse proxy
# every address is the proxy's, and locking by address would lock everyone out at once.
INSTALLED_APPS.append("axes")
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as django-axes asks
# The agency API (/api/) skips the middleware only browsers need: the class of the same name in
# conf.middleware, a subclass that passes API requests on (its note lists them and why each does
# nothing for the API). Everything the API relies on (security headers, guards, ...) still runs.
_BROWSER_ONLY = {
    "django.contrib.sessions.middleware.SessionMiddleware",
    "burgerprofiel.portal.middleware.PortalMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "burgerprofiel.backoffice.middleware.StaffSessionMiddleware",
    "burgerprofiel.backoffice.middleware.StaffRefusalMiddleware",
    "burgerprofiel.backoffice.confidentiality.ConfidentialityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
}
MIDDLEWARE = [
    f"burgerprofiel.conf.middleware.{path.rsplit('.', 1)[1]}" if path in _BROWSER_ONLY else path for path in MIDDLEWARE
]
AXES_FAILURE_LIMIT = BACKOFFICE_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=BACKOFFICE_LOGIN_LOCKOUT_MINUTES) if BACKOFFICE_LOGIN_LOCKOUT_MINUTES else None
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "burgerprofiel.backoffice.lockout.lockout_response"
AXES_CLIENT_STR_CALLABLE = "burgerprofiel.backoffice.lockout.log_label"  # no user names or addresses in logs
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in the audit trail
AXES_ENABLE_ADMIN = False  # the back-office shows locks its own way (backoffice.lockout)
AXES_VERBOSE = False
# axes.W006 warns that without the address, rotating user agents or cookies would dodge the count: not so
# here, the count is summed over all of an account's attempts whatever their address or user agent.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
