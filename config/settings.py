"""Bulletin settings, read from the environment.

With no environment set the service starts on SQLite and a file-system broker,
so a newcomer can run it with nothing else installed. Production differs only
by environment variables (see the table in README.md).
"""

import datetime
import os
import re
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_guid.integrations import CeleryIntegration
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false, 1/0), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}, got {value}")
    return value


RATE_PATTERN = r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)"


def env_rate(name: str, default: str) -> str:
    """A request rate as DRF's throttles read it, e.g. 1000/hour."""
    raw = os.environ.get(name, default)
    if not re.fullmatch(RATE_PATTERN, raw):
        raise ImproperlyConfigured(f"{name} must look like {default}, got {raw!r}")
    return raw


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # Only ever used for local development: DEBUG is on.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- HTTPS (what `check --deploy` asks for) -------------------------------------
# Secure by default once DEBUG is off; each can be turned off for a deployment that really has no TLS.
# Plain-HTTP requests are redirected to https://, and cookies travel only over HTTPS.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Except /health/: a load balancer or monitor may ask gunicorn itself, over plain HTTP; the answer holds no secret.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
# Browsers remember for this long to use HTTPS only (a year); start lower on a first rollout, as a browser that
# saw the header refuses plain HTTP until it expires. Django sends it on HTTPS answers only.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# Only lets the domain be submitted to the browsers' preload list; nothing is listed without that submission.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
# Behind a proxy that ends TLS, the request reaches gunicorn as plain HTTP: the proxy's X-Forwarded-Proto says
# whether the visitor used HTTPS (without it every request would be redirected again, in a loop). Off unless
# asked for: anyone who can reach gunicorn directly could send the header, so gunicorn listens on loopback only.
USE_X_FORWARDED_PROTO = env_bool("USE_X_FORWARDED_PROTO", False)
if USE_X_FORWARDED_PROTO:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "config.apps.AdminConfig",  # django.contrib.admin with our site (config/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    # The request id on log lines and in X-Request-ID (LOGGING, DJANGO_GUID below).
    "django_guid",
    # django-health-check: its `health_check` command runs /health/'s checks from the command line (container probes).
    "health_check",
    "changes",
    "notifications",
    "bulletin",
]

# Searched before the installed apps' catalogs: Django's own would otherwise win for shared words
# ("Change" is the verb "Ändern" in the admin's, "Save" is "Sichern").
LOCALE_PATHS = [BASE_DIR / app / "locale" for app in ("changes", "bulletin", "notifications", "config")]

MIDDLEWARE = [
    # First, so every line a request logs carries its id, a refused request's too (django-guid asks for the top).
    "django_guid.middleware.guid_middleware",
    "config.middleware.refuse_forms_not_in_utf8",
    "django.middleware.security.SecurityMiddleware",
    # Static files answered here, before sessions, languages and the database are touched (WhiteNoise asks for
    # this place: after SecurityMiddleware, so its HTTPS redirect still applies).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A logged-in person's own language, over the browser's (LocaleMiddleware's choice above).
    "changes.languages.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.middleware.refuse_nul_bytes",
    "config.middleware.DatabaseUnavailable",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Overrides of third-party templates (config/templates/drf_spectacular/redoc.html).
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bulletin.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    # Persistent connections are checked before each request reuses them: after a database restart
    # the first request on every stale one answered 500.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
except Exception as exc:  # dj-database-url raises several types for bad URLs
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web, worker and beat write to one file: a transaction takes the write lock when it begins, so
    # writers wait their turn (up to the timeout) instead of failing half-way with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Change has a covering index (INCLUDE columns) for PostgreSQL; SQLite builds it
# without the extra columns, which is fine for the demo.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Auth ---------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
# Password guessing (django-axes): after LOGIN_FAILURE_LIMIT failed logins for one account, or from one
# address, further tries are refused for LOGIN_LOCKOUT_MINUTES, on the login page and the admin's alike.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=5))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Our own line logs each failure with the account and address (changes/apps.py); axes would add its own chatter.
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time --------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "de")
LANGUAGES = [("de", _("German")), ("en", _("English"))]
if LANGUAGE_CODE not in {code for code, _name in LANGUAGES}:
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of de, en; got {LANGUAGE_CODE!r}")
TIME_ZONE = env_str("TIME_ZONE", "Europe/Berlin")
try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE is not a known time zone: {TIME_ZONE!r}") from None
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "static/"
# Where `collectstatic` gathers the files WhiteNoise serves with DEBUG off (any folder the web process can read).
STATIC_ROOT = Path(env_str("STATIC_ROOT", "") or BASE_DIR / "staticfiles")
# With DEBUG off, pages link each file under a name with its content's hash, from the manifest collectstatic
# writes: browsers keep such a file for ten years, and a new release's file has a new name. It also stores a gzip
# copy of each file for WhiteNoise to send (no Brotli: its best level made collectstatic 12 s slower here, for
# API-docs bundles a fifth smaller). Without collectstatic such a page fails, hence the switch (off: files under
# their own names, no collectstatic; for tests and for trying DEBUG=false locally, not for production).
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# No manifest, no collectstatic: WhiteNoise looks up each file in the apps' own folders when asked, as with DEBUG on.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = not STATIC_MANIFEST

# --- E-mail -------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Bulletin <bulletin@localhost>")

# --- Celery -------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"REDIS_URL must start with redis://, rediss:// or unix://, got {REDIS_URL!r}")
    CELERY_BROKER_URL = REDIS_URL
    # Fail fast when Redis is down so filing and publishing stay quick; the
    # outbox rows wait in the database and the sweep queues them later.
    # A Redis that accepts connections and never answers must not hold a request: every socket call gives up
    # after half a second (publishing answered 500 after gunicorn's 60 s before).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
        "socket_timeout": 0.5,
        "socket_connect_timeout": 0.5,
    }
else:
    # A broker with no server: kombu keeps messages as files, which works across
    # the web, worker and beat processes of the one-command demo.
    BROKER_DIR = BASE_DIR / ".broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
    }
    # kombu fails on a fresh clone unless the folders exist.
    for _folder in ("queue", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
# The workers log through LOGGING (one format, the request id), and print what a task prints (the console e-mail
# backend's messages) as it is, instead of as one log record per write.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_REDIRECT_STDOUTS = False
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# Publishing must not wait on a broker that is down: the outbox sweep queues later.
CELERY_TASK_PUBLISH_RETRY = False
# Three queues, so that a full re-scan of 100,000 texts never delays an e-mail: each queue has workers of its own
# in production (config/Procfile.production). A worker started without --queues consumes all three.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name) for name in ("default", "deliveries", "scans")]
# By task name; a task not listed runs on `default`: the sweeps, the heartbeat, the handover reminders and the
# digest's compilation, which records one outbox row per reader and sends nothing itself (each message is then an
# outbox_deliver task on `deliveries`, so a long compilation never holds a process that sends).
CELERY_TASK_ROUTES = {
    # Work over every support text or a help desk's whole export: CPU-bound, and long.
    **{
        name: {"queue": "scans"}
        for name in (
            "bulletin.tasks.flags_scan_change_task",
            "bulletin.tasks.flags_scan_texts_task",
            "bulletin.tasks.flags_rescan_all_task",
            "bulletin.tasks.flags_without_parents_sweep_task",
            "bulletin.tasks.helpdesk_sync_task",
            "bulletin.tasks.support_texts_import_task",
        )
    },
    # Sending (it waits on mail servers, Slack and webhook receivers, not on the CPU), and the addenda: the late news
    # of one change, small and urgent, must not wait behind a digest's compilation.
    **{
        name: {"queue": "deliveries"}
        for name in (
            "notifications.tasks.outbox_deliver",
            "notifications.tasks.outbox_sweep_task",
            "bulletin.tasks.addendum_deliver_task",
            "bulletin.tasks.addenda_sweep_task",
        )
    },
}
# Exactly one beat may run (a second queues every scheduled task twice). Its schedule file records when each entry
# last ran, so that a run missed while beat was down is made up once it is back: a path that survives restarts and
# releases, writable by beat alone. `celery beat` reads it from here unless given --schedule.
CELERY_BEAT_SCHEDULE_FILENAME = env_str("BEAT_SCHEDULE_PATH", "") or str(BASE_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "notifications.tasks.outbox_sweep_task",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Nightly: makes the flag table what a fresh scan says (changes that ended, missed events).
    # 03:30 stays clear of the 02:00-03:00 DST gap; expires under the 24 h period.
    "flags-rescan": {
        "task": "bulletin.tasks.flags_rescan_all_task",
        "schedule": crontab(minute=30, hour=3),
        "options": {"expires": 23 * 3600},
    },
    # Nightly, before the re-scan: flags left without their text, change or fact change (they have no foreign
    # keys in the database; see bulletin/texts/models.py, Flag).
    "flags-sweep": {
        "task": "bulletin.tasks.flags_without_parents_sweep_task",
        "schedule": crontab(minute=15, hour=3),
        "options": {"expires": 23 * 3600},
    },
}

# --- Notifications ------------------------------------------------------------
NOTIFICATIONS_MAX_ATTEMPTS = env_int("NOTIFICATIONS_MAX_ATTEMPTS", 8, minimum=1)
NOTIFICATIONS_RETRY_BASE_SECONDS = env_int("NOTIFICATIONS_RETRY_BASE_SECONDS", 30, minimum=0)
# A delivery claimed longer than this lost its worker and is sent again. An attempt takes at most a few
# EMAIL_TIMEOUTs (connect, then each SMTP command) or 20 s over HTTP, so six EMAIL_TIMEOUTs: 2 minutes.
NOTIFICATIONS_CLAIM_SECONDS = env_int("NOTIFICATIONS_CLAIM_SECONDS", 6 * EMAIL_TIMEOUT, minimum=30)
# Webhook and Slack URLs must resolve to public addresses unless this is on (receivers inside your network).
NOTIFICATIONS_ALLOW_PRIVATE_HOSTS = env_bool("NOTIFICATIONS_ALLOW_PRIVATE_HOSTS", False)

# --- Bulletin -----------------------------------------------------------------
BULLETIN_MIN_NOTICE_DAYS = env_int("BULLETIN_MIN_NOTICE_DAYS", 7, minimum=0)
# A handover support has not confirmed this many days before the change takes effect is reminded once, by
# e-mail, to its filing lead and the support leads (bulletin/handover/reminders.py; beat runs it each morning).
HANDOVER_REMINDER_DAYS = env_int("HANDOVER_REMINDER_DAYS", 3, minimum=0)
HANDOVER_REMINDER_HOUR = env_int("HANDOVER_REMINDER_HOUR", 7, minimum=0, maximum=23)

# --- Support-text imports from the import page ---------------------------------
# Uploads wait here (one folder per run) until the worker has read them, deleted after the run: web and
# worker must both reach this folder (one machine, or a shared volume).
IMPORT_UPLOAD_DIR = Path(env_str("IMPORT_UPLOAD_DIR", "") or BASE_DIR / "var" / "imports")
# One upload (all its files together) at most this many megabytes; a help desk's full export is far below.
IMPORT_MAX_UPLOAD_MB = env_int("IMPORT_MAX_UPLOAD_MB", 200, minimum=1)
# A running import writes its progress every batch (under a second); one silent this long lost its worker
# and is queued again (the import is an idempotent upsert).
IMPORT_STALE_MINUTES = env_int("IMPORT_STALE_MINUTES", 10, minimum=1)

# --- Digest -------------------------------------------------------------------
# The weekly digest is compiled and sent at DIGEST_HOUR:00 on DIGEST_WEEKDAY in TIME_ZONE.
DIGEST_HOUR = env_int("DIGEST_HOUR", 6, minimum=0, maximum=23)
DIGEST_WEEKDAY = (env_str("DIGEST_WEEKDAY", "mon") or "").strip().lower()
if DIGEST_WEEKDAY not in {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}:
    raise ImproperlyConfigured(f"DIGEST_WEEKDAY must be one of mon … sun (three letters), got {DIGEST_WEEKDAY!r}")
# Edits of one change within this many seconds after the first send one addendum.
DIGEST_ADDENDUM_DELAY_SECONDS = env_int("DIGEST_ADDENDUM_DELAY_SECONDS", 90, minimum=0, maximum=300)
CELERY_BEAT_SCHEDULE["digest-weekly"] = {
    "task": "bulletin.tasks.digest_compile_task",
    "schedule": crontab(minute=0, hour=DIGEST_HOUR, day_of_week=DIGEST_WEEKDAY),
    # Under the one-week period: a run missed for days still goes out, never two at once.
    "options": {"expires": 6 * 24 * 3600},
}
# Transitions whose follow-up work did not finish (a broker away) are announced again.
CELERY_BEAT_SCHEDULE["handover-reminders"] = {
    "task": "bulletin.tasks.handover_reminders_task",
    "schedule": crontab(minute=0, hour=HANDOVER_REMINDER_HOUR),
    "options": {"expires": 23 * 3600},
}
CELERY_BEAT_SCHEDULE["change-events-sweep"] = {
    "task": "changes.tasks.change_events_sweep_task",
    "schedule": 60.0,
    "options": {"expires": 50},
}
# Imports from the import page whose task was never sent (broker away) or whose worker died.
CELERY_BEAT_SCHEDULE["import-runs-sweep"] = {
    "task": "bulletin.tasks.import_runs_sweep_task",
    "schedule": 60.0,
    "options": {"expires": 50},
}
CELERY_BEAT_SCHEDULE["addenda-sweep"] = {
    "task": "bulletin.tasks.addenda_sweep_task",
    "schedule": 60.0,
    "options": {"expires": 50},
}
# --- Health (/health/, bulletin/health/checks.py) ---------------------------------
# Beat queues a heartbeat every minute and a worker of the default queue records it (bulletin/health/heartbeat.py).
CELERY_BEAT_SCHEDULE["health-heartbeat"] = {
    "task": "bulletin.tasks.health_heartbeat_task",
    "schedule": 60.0,
    "options": {"expires": 50},
}
# Older than this, /health/ fails "beat": beat is down, or every worker of the default queue is. Above the one
# minute between heartbeats plus the 50 s one may wait in the queue.
HEALTH_BEAT_MAX_AGE_MINUTES = env_int("HEALTH_BEAT_MAX_AGE_MINUTES", 5, minimum=2)
# A message due to be sent for longer than this fails "outbox". Not lower: Monday's digest to a few thousand
# readers waits its turn in the queue for a while, and a receiver that fails is retried later (not due meanwhile).
HEALTH_OUTBOX_MAX_AGE_MINUTES = env_int("HEALTH_OUTBOX_MAX_AGE_MINUTES", 30, minimum=1)
# The full re-scan runs nightly at 03:30: a day, plus two hours for a long scan or a night that beat restarted.
HEALTH_RESCAN_MAX_AGE_HOURS = env_int("HEALTH_RESCAN_MAX_AGE_HOURS", 26, minimum=1)
# The workers' answer to the ping is reused this long (0: never): the ping waits a whole second for every worker
# to answer, and several monitors may call every few seconds.
HEALTH_WORKER_CACHE_SECONDS = env_int("HEALTH_WORKER_CACHE_SECONDS", 15, minimum=0, maximum=300)

# --- Help desk live sync -------------------------------------------------------
# bulletin/texts/syncing.py pulls macros and articles from Zendesk and Freshdesk. A help desk is synced
# when its address and credentials are set; beat runs each one every HELPDESK_SYNC_MINUTES (0: never).


def _helpdesk_base_url(name: str) -> str:
    value = (env_str(name, "") or "").strip().rstrip("/")
    if value and not re.fullmatch(r"https?://[^/\s?#]+", value):
        raise ImproperlyConfigured(f"{name} must be an address like https://acme.zendesk.com, got {value!r}")
    return value


ZENDESK_BASE_URL = _helpdesk_base_url("ZENDESK_BASE_URL")
ZENDESK_EMAIL = (env_str("ZENDESK_EMAIL", "") or "").strip()
ZENDESK_API_TOKEN = (env_str("ZENDESK_API_TOKEN", "") or "").strip()
FRESHDESK_BASE_URL = _helpdesk_base_url("FRESHDESK_BASE_URL")
FRESHDESK_API_KEY = (env_str("FRESHDESK_API_KEY", "") or "").strip()
HELPDESKS_CONFIGURED = []
for _helpdesk, _names in {
    "zendesk": ("ZENDESK_BASE_URL", "ZENDESK_EMAIL", "ZENDESK_API_TOKEN"),
    "freshdesk": ("FRESHDESK_BASE_URL", "FRESHDESK_API_KEY"),
}.items():
    _given = [name for name in _names if globals()[name]]
    if _given and len(_given) < len(_names):
        # Half a configuration is a typo, not a wish to stay unsynced.
        _missing = ", ".join(name for name in _names if name not in _given)
        raise ImproperlyConfigured(f"{_missing} must be set as well when {', '.join(_given)} is set")
    if _given:
        HELPDESKS_CONFIGURED.append(_helpdesk)
HELPDESK_SYNC_MINUTES = env_int("HELPDESK_SYNC_MINUTES", 60, minimum=0, maximum=7 * 24 * 60)
# Seconds one API request may take (connecting, then between bytes of the answer).
HELPDESK_TIMEOUT_SECONDS = env_int("HELPDESK_TIMEOUT_SECONDS", 30, minimum=1)
# Attempts per request for 5xx, timeouts and 429s; the wait after a 5xx starts here and doubles.
HELPDESK_MAX_ATTEMPTS = env_int("HELPDESK_MAX_ATTEMPTS", 5, minimum=1, maximum=20)
HELPDESK_RETRY_BASE_SECONDS = env_int("HELPDESK_RETRY_BASE_SECONDS", 2, minimum=0)
# A 429 asking to wait longer than this ends the sync (the next one starts afresh) instead of holding the worker.
HELPDESK_RETRY_AFTER_MAX_SECONDS = env_int("HELPDESK_RETRY_AFTER_MAX_SECONDS", 120, minimum=1)
# A sync still marked running after this long lost its worker; the next one takes over.
HELPDESK_SYNC_LOCK_MINUTES = env_int("HELPDESK_SYNC_LOCK_MINUTES", 120, minimum=5)
# Zendesk's incremental article listing leaves deleted articles out: a full listing at least this often finds them.
HELPDESK_FULL_LISTING_HOURS = env_int("HELPDESK_FULL_LISTING_HOURS", 24, minimum=1)
if HELPDESK_SYNC_MINUTES:
    for _helpdesk in HELPDESKS_CONFIGURED:
        CELERY_BEAT_SCHEDULE[f"helpdesk-sync-{_helpdesk}"] = {
            "task": "bulletin.tasks.helpdesk_sync_task",
            "schedule": HELPDESK_SYNC_MINUTES * 60.0,
            "args": (_helpdesk,),
            # Under the period: runs that piled up while the worker was away do not run back to back.
            "options": {"expires": max(30, HELPDESK_SYNC_MINUTES * 60 - 30)},
        }

# --- Cache --------------------------------------------------------------------
# API throttling counts requests in the cache, so with several web processes the
# cache must be shared: Redis when there is one, process memory for the demo.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # The throttle's counter: a hung Redis costs a request half a second once, then is skipped for a while.
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- REST API -----------------------------------------------------------------
# Requests per token (per user for session logins), e.g. "1000/hour" or "20/minute".
API_THROTTLE_RATE = env_rate("API_THROTTLE_RATE", "1000/hour")
# Requests with a token that is not valid, per address: beyond this, 429 (keys cannot be guessed at machine speed).
API_BAD_TOKEN_RATE = env_rate("API_BAD_TOKEN_RATE", "30/minute")
# Longest time a client may reuse an API answer without asking again (it is also
# never longer than the time left until midnight in TIME_ZONE).
API_CACHE_MAX_AGE = env_int("API_CACHE_MAX_AGE", 60, minimum=0)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "changes.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["changes.api.throttling.TokenRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "changes.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "changes.api.errors.api_exception_handler",
}
# A bulk import of 1,000 support texts runs to several megabytes; Django's default stops at 2.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
SPECTACULAR_SETTINGS = {
    "TITLE": "Bulletin API",
    "DESCRIPTION": (
        "Customer-facing changes: what is true for customers on a given day. "
        "Authenticate with `Authorization: Token <key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc served from our own static files: no CDN needed. /api/redoc/ loads the sidecar's Redoc
    # bundle through config/redoc.py, which drops the one logo it fetches from Redocly's CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # REDOC_UI_SETTINGS stays unset: with settings, drf-spectacular starts Redoc from an inline script the CSP refuses.
    "COMPONENT_SPLIT_REQUEST": True,
    # For generated clients (tests/api/test_generated_client.py): English whatever Accept-Language says, operations
    # named and grouped after the resource (`changes_list` under `changes`, not `v1_changes_list` under `v1`), and
    # the channel enum named in the singular, as the `channel` filter that shares it.
    "DEFAULT_GENERATOR_CLASS": "changes.api.schema.EnglishSchemaGenerator",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {"ChannelEnum": "changes.models.Channel"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "changes.api.schema.promise_what_is_checked",
    ],
}

# --- Content-Security-Policy (django-csp) ----------------------------------------
# Scripts only from our own static files: an injected <script> or onclick="…" does not run.
# Styles may be inline: Swagger UI and Redoc (/api/docs/, /api/redoc/) write theirs at run time.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Logging --------------------------------------------------------------------
# One line per event on stderr (journald, honcho or the container runtime keep them), each with its time, level,
# logger and the id of the request or task it belongs to ("-" outside one), e.g.
#   2026-11-23 06:00:01,532 WARNING django.request [3f2a…] Not Found: /changes/999/
LOG_LEVEL = (env_str("LOG_LEVEL", "INFO") or "").strip().upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL; got {LOG_LEVEL!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.log_lines.RequestIdFilter"}},
    "formatters": {
        "line": {
            "()": "config.log_lines.OneLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django gives these handlers of their own: with DEBUG on, every line of theirs was printed twice (by
        # theirs and by root's), and runserver's request lines had a format of their own. Root prints them now.
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
        # django-guid says for every request whether it came with an id: a line per request that tells nothing.
        "django_guid": {"level": "WARNING"},
        # django-health-check logs each failed check with its traceback on every call (a monitor calls every
        # 10 s); the 503 and the failing check's name are in Django's request line and in the answer.
        "health_check": {"level": "ERROR"},
    },
}
# The request id: taken from the proxy's X-Request-ID when that is a UUID (nginx's $request_id, Heroku, Envoy), else
# a new one; sent back in X-Request-ID and handed on to the tasks the request queues.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": False,
    "INTEGRATIONS": [CeleryIntegration()],
}
