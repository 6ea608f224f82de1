"""Settings, read from the environment. With nothing set, the studio runs on one
machine: SQLite, local files, a filesystem broker and the built-in gateway emulator.
See .env.example for every variable."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

from studio.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be a boolean, got {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def envfloat(name: str, default: float) -> float:
    value = os.environ.get(name)
    return default if value in (None, "") else float(value)


VAR_DIR = Path(env("STUDIO_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in var/."""
    if env("SECRET_KEY"):
        return env("SECRET_KEY")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    # The studio's own apps, bottom layer first; each may import only those above it
    # in this list, never one below (the contract is .importlinter, checked by make test).
    "audit",
    "teams",
    "spend",
    "generations",
    "references",
    "edits",
    "tryon",
    "presets",
    "matrix",
    "gallery",
    "boards",
    "shares",
    "dashboard",
    "webhooks",
    "api",
    "sso",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "studio.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the sign-in page's 429.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "studio.signin.SignInBackend",  # django-axes: refuses a locked (username, address)
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on: acts only on the OpenID Connect callback, and only when
    # OIDC_RP_CLIENT_ID is set (sso/backend.py).
    "sso.backend.SsoBackend",
]

ROOT_URLCONF = "studio.urls"
WSGI_APPLICATION = "studio.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "boards.context.boards_nav",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'studio.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The INCLUDE columns of a few indexes serve PostgreSQL's index-only scans; SQLite
    # keeps the same indexes on their key columns, which is all it can use anyway.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
    # WAL and immediate transactions let the worker's threads and the web process
    # write without "database is locked" errors.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so the end-to-end tests' worker processes can share it; one
    # per test process so parallel runs don't collide.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(
        VAR_DIR / f"test-{os.getpid()}.sqlite3"
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and envint(
    "DB_POOL_MAX", 20
):
    # One pool per process, shared by its threads: a worker with 200 threads waiting
    # on the gateway needs a connection only for its short claim and finish steps,
    # and must not open 200 (PostgreSQL's default limit is 100).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": envint("DB_POOL_MAX", 20),
        "timeout": 60,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "studio"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"

# Media is private: it is served by access-checked views, never from a public URL.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env("AWS_S3_REGION_NAME") or None,
            "access_key": env("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": envint("AWS_QUERYSTRING_EXPIRE", 300),
            "signature_version": "s3v4",  # what AWS requires in every newer region
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    }
# On S3, media is streamed through the access-checked views by default, which works
# wherever the web processes reach the bucket. MEDIA_REDIRECT=1 sends browsers to
# short-lived signed URLs instead (less traffic through the studio); the bucket's
# endpoint must then be reachable from browsers, and its origin is allowed in CSP.
MEDIA_REDIRECT = bool(AWS_STORAGE_BUCKET_NAME) and envbool("MEDIA_REDIRECT", False)
MEDIA_ORIGIN = (
    env("AWS_S3_ENDPOINT_URL") or f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"
).rstrip("/")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024

# --- the gateway -------------------------------------------------------------------
EMULATOR_PORT = envint("EMULATOR_PORT", 8090)
LLMTR_BASE_URL = env("LLMTR_BASE_URL") or f"http://127.0.0.1:{EMULATOR_PORT}"
LLMTR_API_KEY = env("LLMTR_API_KEY") or ("" if env("LLMTR_BASE_URL") else "llmtr-local-emulator")
LLMTR_USES_EMULATOR = not env("LLMTR_BASE_URL")
LLMTR_CONNECT_TIMEOUT = envfloat("LLMTR_CONNECT_TIMEOUT", 5.0)
LLMTR_READ_TIMEOUT = envfloat("LLMTR_READ_TIMEOUT", 180.0)
LLMTR_MAX_RETRIES = envint("LLMTR_MAX_RETRIES", 3)
CATALOG_MAX_AGE_SECONDS = envint("CATALOG_MAX_AGE_SECONDS", 3600)

# E-mail (budget alerts to team admins): printed to the console unless an SMTP host
# is set.
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "studio@localhost")

# --- background work ---------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT = "studio.broker:Transport"  # see studio/broker.py
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, int | str] = {
        # How long an unacknowledged task waits before Redis hands it to another
        # worker; a killed worker's task comes back after this.
        "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 600),
    }
else:
    _queue = VAR_DIR / "celery-queue"
    _queue.mkdir(parents=True, exist_ok=True)
    # A host, though the filesystem transport has no use for one: without it kombu
    # warns "No hostname was supplied" at every start.
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {  # a str-valued case of the same setting
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "control_folder": str(VAR_DIR / "celery-control"),
    }
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# acks_late: a task is acknowledged only when it ends, so a worker that dies mid-task
# leaves it to be delivered again. That is safe because generation_run claims its row
# with a conditional update and finishes it under a fencing token (the attempt number).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-generations": {
        "task": "generations.tasks.sweep_generations",
        "schedule": envfloat("SWEEP_INTERVAL_SECONDS", 30.0),
    },
    "refresh-catalog": {
        "task": "generations.tasks.refresh_catalog",
        "schedule": float(CATALOG_MAX_AGE_SECONDS),
    },
    "reconcile-spend": {
        "task": "dashboard.tasks.reconcile_spend",
        "schedule": envfloat("RECONCILE_INTERVAL_SECONDS", 3600.0),
    },
    # Teams' retention rules (generations/retention.py): once a day; running it more
    # often or twice at once is harmless.
    "archive-originals": {
        "task": "generations.tasks.archive_originals",
        "schedule": 24 * 3600.0,
    },
    # Matrix runs move on when a cell's generation ends (a signal); this sweep is the
    # fallback for a signal lost with its process (matrix/services.py).
    "advance-matrix-runs": {
        "task": "matrix.tasks.sweep_runs",
        "schedule": 30.0,
    },
}
# Generations of one matrix run in flight at once; the rest of its cells wait queued.
MATRIX_CONCURRENCY = 3

# A claimed generation belongs to its worker for this long unless the worker renews it
# (generations/heartbeat.py): a live worker renews every heartbeat, however long the
# gateway takes; a dead one stops, and its generations end within lease + sweep.
GENERATION_LEASE_SECONDS = envint("GENERATION_LEASE_SECONDS", 60)
GENERATION_HEARTBEAT_SECONDS = envfloat("GENERATION_HEARTBEAT_SECONDS", 15.0)
# A request sent by a worker that died before the answer may have been billed. By
# default the generation then fails with that reason (booked as a possible charge)
# instead of being sent again; 1 sends it again, holding its estimate once more.
RESEND_LOST_CALLS = envbool("RESEND_LOST_CALLS", False)
# A 429/5xx asking to wait longer than a worker sleeps (the client's 20 s) puts the
# generation back in the queue with a task due then: up to this wait, this many times.
MAX_RETRY_AFTER_SECONDS = envint("MAX_RETRY_AFTER_SECONDS", 600)
MAX_DEFERRALS = envint("MAX_DEFERRALS", 3)
GENERATION_MAX_ATTEMPTS = envint("GENERATION_MAX_ATTEMPTS", 3)
# Per worker process: how many threads may handle gateway answers (mirror, store,
# finish) at once, and decode images at once. Hundreds of threads wait on the gateway;
# letting them all work at once on a few cores only makes them queue for the GIL.
RESULT_CONCURRENCY = envint("RESULT_CONCURRENCY", 8)
# Per worker process: megapixels decoded at once (about 4 bytes each while decoding),
# whatever the number of images: the bound on a worker's memory for hostile answers.
MIRROR_PIXEL_BUDGET = envint("MIRROR_PIXEL_BUDGET", 24_000_000)
# A queued generation whose task has not started after this long is sent again.
SWEEP_QUEUED_AFTER_SECONDS = envint("SWEEP_QUEUED_AFTER_SECONDS", 120)

# --- security ----------------------------------------------------------------------
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_SECONDS = envint("LOGIN_LOCKOUT_SECONDS", 900)
LOGIN_SLOWDOWN_SECONDS = envfloat("LOGIN_SLOWDOWN_SECONDS", 1.0)
# Sign-in limits (studio/signin.py): django-axes, its state in the database.
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_LOCKOUT_SECONDS)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "studio.signin.axes_username"
AXES_LOCKOUT_CALLABLE = "studio.signin.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["username", "password"]
AXES_VERBOSE = False
# Proxies in front of the studio (the compose nginx: 1). With none, X-Forwarded-For is
# ignored: anybody could write it.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "studio.signin.client_address"
if REDIS_URL:
    # Shared by every web process (the catalog-refresh nudge). Nothing on the sign-in
    # path uses it, and its users fail open: pages work while Redis is down.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "studio",
        }
    }
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
HTTPS = envbool("HTTPS", False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- webhooks ------------------------------------------------------------------------
# The studio's public address (https://studio.example.com): links in webhook payloads
# are absolute with it, paths without it.
STUDIO_URL = env("STUDIO_URL")
# Development and tests only: let webhooks reach 127.0.0.1 and ::1 (plain http too).
# Every other private, loopback, link-local or metadata address stays refused.
WEBHOOKS_ALLOW_LOOPBACK = envbool("WEBHOOKS_ALLOW_LOOPBACK", False)

# The REST API: requests a minute one token may make before answers are 429.
API_RATE_LIMIT_PER_MINUTE = envint("API_RATE_LIMIT_PER_MINUTE", 120)
# Deliveries due after a long wait, or whose message was lost (webhooks/delivery.py).
CELERY_BEAT_SCHEDULE["send-due-webhooks"] = {
    "task": "webhooks.tasks.sweep_webhooks",
    "schedule": 30.0,
}

# --- single sign-on (OpenID Connect; sso/) -------------------------------------------
# Off while OIDC_RP_CLIENT_ID is empty: no button on the sign-in page, the URLs 404.
# The provider's endpoints come from OIDC_OP_DISCOVERY_URL (fetched on first use, with
# OIDC_TIMEOUT, kept OIDC_DISCOVERY_CACHE_SECONDS); an OIDC_OP_* variable overrides it.
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET")
OIDC_OP_DISCOVERY_URL = env("OIDC_OP_DISCOVERY_URL")
OIDC_OP_ISSUER = env("OIDC_OP_ISSUER")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", "openid email profile")
OIDC_USE_PKCE = envbool("OIDC_USE_PKCE", True)
OIDC_TIMEOUT = envfloat("OIDC_TIMEOUT", 10.0)
OIDC_DISCOVERY_CACHE_SECONDS = envint("OIDC_DISCOVERY_CACHE_SECONDS", 3600)
# Development and tests only: plain http to a provider on 127.0.0.1, ::1 or localhost.
OIDC_ALLOW_HTTP_LOCALHOST = envbool("OIDC_ALLOW_HTTP_LOCALHOST", False)
OIDC_BUTTON_LABEL = env("OIDC_BUTTON_LABEL", "Sign in with your company account")
# Comma lists and name=value lists, checked here so a typo stops the start.
OIDC_ALLOWED_DOMAINS = [
    d.strip().lower() for d in env("OIDC_ALLOWED_DOMAINS").split(",") if d.strip()
]


def envmap(name: str) -> dict[str, str]:
    """'a=b,c=d' -> {"a": "b", "c": "d"}, in the order given."""
    pairs = [p.strip() for p in env(name).split(",") if p.strip()]
    if any("=" not in p for p in pairs):
        raise ValueError(f"{name} must read key=value,key=value, got {env(name)!r}")
    return {k.strip(): v.strip() for k, v in (p.split("=", 1) for p in pairs)}


OIDC_TEAM_BY_DOMAIN = {k.lower(): v for k, v in envmap("OIDC_TEAM_BY_DOMAIN").items()}
OIDC_GROUPS_CLAIM = env("OIDC_GROUPS_CLAIM")
OIDC_TEAM_BY_GROUP = envmap("OIDC_TEAM_BY_GROUP")
OIDC_ROLE_CLAIM = env("OIDC_ROLE_CLAIM")
# Where the e-mail domain decides (allowed domains, a team by domain), an address the
# provider does not say is verified is refused, unless the provider is trusted to send
# only verified addresses without saying so (some omit the email_verified claim).
OIDC_TRUST_UNVERIFIED_EMAIL = envbool("OIDC_TRUST_UNVERIFIED_EMAIL", False)

# --- logs, error reports, health ---------------------------------------------------
# LOG_FORMAT=json: one JSON object a line, with generation_id on a worker's lines while
# it runs one (studio/logs.py); unset: the human format. The gateway key is never logged.
LOGGING = logging_config(log_format=env("LOG_FORMAT", "plain"), level=env("LOG_LEVEL", "INFO"))

# Error reports, only with a DSN (studio/reporting.py: no personal data, no gateway key).
if env("SENTRY_DSN"):
    from studio.reporting import start_error_reporting

    start_error_reporting(
        dsn=env("SENTRY_DSN"), environment=env("SENTRY_ENVIRONMENT"), release=env("SENTRY_RELEASE")
    )

# GET /health/ (studio/health.py). The catalog is stale when beat has not refreshed it
# for this long (by default three refresh periods).
HEALTH_CATALOG_MAX_AGE_SECONDS = envint(
    "HEALTH_CATALOG_MAX_AGE_SECONDS", 3 * CATALOG_MAX_AGE_SECONDS
)
HEALTH_LIVE_CHECKS = [  # /health/live/: what a web process needs to serve pages
    "health_check.checks.Database",
    "studio.health.Storage",
    "studio.health.Broker",
    *(["studio.health.Redis"] if REDIS_URL else []),
]
HEALTH_CHECKS = [*HEALTH_LIVE_CHECKS, "generations.health.Catalog"]  # /health/: all of it
# Probes speak plain HTTP to the container: with HTTPS=1 they get the answer, not a
# redirect (which `curl -f` would count as healthy).
SECURE_REDIRECT_EXEMPT = [r"^health/(live/)?$"]
