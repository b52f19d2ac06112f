"""Settings for Partnership Monitor.

Every value that differs between a laptop and production comes from the environment (see README.md);
production differs from development by environment variables only. On a developer's machine, the .env that
`make setup` writes fills in what the real environment leaves unset; production has no .env.
"""

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from monitoring.env import env_bool, env_int, env_list, env_str, read_env_file

BASE_DIR = Path(__file__).resolve().parent.parent

# Before any variable is read: BASE_DIR/.env, or the file ENV_FILE names (none when empty); the real environment wins.
read_env_file(BASE_DIR)

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not env_bool("ALLOW_INSECURE_SECRET_KEY", False):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in production, or DEBUG=true for local development."
        )
    # Only ever used on a developer's machine or in the test suite (see the two guards above).
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from this site: never a CDN
    "import_export",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "plans",
    "indicators",
    "funding",
    "monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "monitoring.partnership_scope.PartnershipScopeMiddleware",  # every read after this sees the user's partnership
    "monitoring.security.PrivateResponseMiddleware",  # a signed-in user's pages and downloads are never cached
    "monitoring.security.SessionTimeoutMiddleware",  # before LoginRequired: an ended session signs in again
    "monitoring.security.ForbiddenLogMiddleware",
    "monitoring.seal_refusals.SealRefusalMiddleware",  # a write a seal refuses answers 409 in words
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "monitoring.security.ExpensiveRequestMiddleware",  # after the sign-in check: one PDF or download at a time each
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "monitoring.urls"

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
                "monitoring.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "monitoring.wsgi.application"

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
if DATABASE_URL.split(":", 1)[0] not in {"sqlite", "postgres", "postgresql", "pgsql"}:
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with sqlite:// or postgres://, not {DATABASE_URL.split(':', 1)[0]!r}."
    )
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL could not be read: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite, the embedded default, lets one writer in at a time. Four people saving at once lost 48 of 400 saves
    # to "database is locked": a transaction that began by reading could not become a writer while another
    # wrote, and SQLite fails that at once rather than wait. So every transaction takes the write lock as it
    # begins (IMMEDIATE) and waits up to `timeout` seconds for it; the write-ahead log (WAL) lets pages be read
    # while one writer writes. WAL keeps db.sqlite3-wal and -shm beside the file: its folder must be writable,
    # and on local disk, not a network share. synchronous stays FULL: a signed-off figure is never lost.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL",
    }
else:
    # PostgreSQL's JIT compiler pays tens of milliseconds to compile a query the planner only guesses is costly;
    # a web page's short queries never win that back (the overview spent 72 of 76 ms of one query compiling).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # Each statement is sent with the partnership scope its row-level security reads (plans.partnerships), which a
    # server-side cursor's DECLARE cannot carry; without them the connection also suits a transaction-mode pooler.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English (United Kingdom)")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("STATIC_MANIFEST", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# Caches. "default" is per process, for nothing shared. "throttle" counts the expensive requests (PDFs, downloads)
# each person has running, so that one person's cannot hold every worker (monitoring.security); the count must be
# shared by every gunicorn worker and app server, so it is kept in the database, like sessions, needing nothing more
# to run. `manage.py createcachetable` makes its table: `make setup` runs it, the test database gets it
# automatically, and a deployment runs it after `migrate`. Without the table requests go on uncounted, and the
# security log says so.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "expensive_requests"},
}

# Background work (committee packs) waits in the database until `manage.py db_worker` runs it: no extra server.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Email: the console backend prints messages on a developer's machine; production sets SMTP.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set at most one of EMAIL_USE_TLS and EMAIL_USE_SSL.")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Partnership Monitor <monitor@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Security: secure by default, relaxed only for local development over plain HTTP.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Joining the browsers' HSTS preload list binds every subdomain of the council's domain for months: that is
# the domain owner's decision (SECURE_HSTS_PRELOAD=true), not a default, so its reminder is silenced.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
# A session also ends after 30 minutes without a request (monitoring.security.SessionTimeoutMiddleware).
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)

# Sign-in throttling (django-axes): 5 failures for one username from one address lock that pair out for 15
# minutes; a success clears the count. monitoring.security shows the GOV.UK lockout page and logs it.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "monitoring.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "monitoring.security.client_ip"
AXES_USERNAME_CALLABLE = "monitoring.security.axes_username"  # cut to an account's longest: axes' column is 255
AXES_VERBOSE = False  # monitoring.security logs each failure and lockout on the "security" logger

# Content-Security-Policy (django-csp): scripts, styles and everything else only from this site; no inline
# script or style attribute, no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF, "data:"],
        "style-src": [SELF],
        "script-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
    },
}

# Request bodies: 2.5 MB of form fields at most; uploaded files over 2.5 MB go to a temporary file rather than
# memory, and the import refuses files over IMPORT_MAX_UPLOAD_BYTES (monitoring.uploads.check_upload).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Spreadsheet imports (monitoring.spreadsheets.imports): the largest file accepted, on the upload page and the command line.
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)

# The API (monitoring.api, docs/api.md): personal tokens or the browser's session; JSON only (no browsable pages,
# whose forms would read outside the request's partnership scope); every refusal as problem details (RFC 9457).
# Throttled per token (per login for a session) in the shared "throttle" cache, so that every worker counts alike.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "600/minute")
if not re.fullmatch(r"[1-9][0-9]*/(second|minute|hour|day)", API_THROTTLE_RATE):
    raise ImproperlyConfigured(f"API_THROTTLE_RATE must be like 600/minute (per second, minute, hour or day), "
                               f"not {API_THROTTLE_RATE!r}.")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "monitoring.api.authentication.BearerTokenAuthentication",  # first: its challenge makes the 401
        "rest_framework.authentication.SessionAuthentication",  # keeps CSRF on a session's unsafe requests
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "monitoring.api.pagination.Pagination",
    "DEFAULT_THROTTLE_CLASSES": ["monitoring.api.throttling.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": API_THROTTLE_RATE},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "monitoring.api.problems.handle",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,  # money and figures are Decimal: never a float on the way out
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partnership Monitor API",
    "DESCRIPTION": "Plans, indicators, values, funding, risks, rounds and returns of the partnership you work in. "
    "See docs/api.md.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "EntryStatusEnum": "indicators.models.EntryStatus",
        "ReturnStatusEnum": "monitoring.models.Return.Status",
    },
    "PREPROCESSING_HOOKS": ["monitoring.api.schema.only_the_api"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "monitoring.api.schema.add_problem_details",
    ],
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/govuk_table.html"
DJANGO_TABLES2_PAGE_RANGE = 7

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Sign-ins, failed sign-ins, lockouts, ended sessions and 403s (monitoring.security).
        "security": {"level": "INFO"},
        "axes": {"level": "WARNING"},  # not a line per sign-in; the security logger has what matters
        # WeasyPrint logs every step and page of every PDF it lays out at INFO.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
