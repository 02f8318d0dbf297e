"""Settings of the Library System sandbox.

Everything that differs between machines comes from the environment or a
`.env` file at the repository root (see `.env.example`).
"""

import os
import tempfile
from pathlib import Path

import environ
from celery.schedules import crontab

from config.stages import email_settings, mailroom_address

PROJECT_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PROJECT_DIR.parent
VAR_DIR = REPO_DIR / "var"  # git-ignored: database, sent-mail folders, local CA
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(REPO_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
# The sandbox runs on a laptop; a real deployment must set its own key.
SECRET_KEY = env.str("SECRET_KEY", default="sandbox-only-insecure-key-change-me-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
SITE_NAME = env.str("SITE_NAME", default="Library System")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "notifications",
    "accounts",
    "catalog",
    "orders",
    "newsletters",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [REPO_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
            ],
        },
    },
]

# SQLite by default (WAL so the web process and a worker can share it);
# PostgreSQL or any other database through DATABASE_URL.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so worker processes started by the tests share it;
    # one per test run, so two runs on one machine never share a database.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"library-test-{os.getpid()}.sqlite3")}

# Redis: REDIS_URL, else the embedded server `make run` starts (config/embedded_redis.py).
REDIS_URL = env.str("REDIS_URL", default="")
EMBEDDED_REDIS_PORT = env.int("EMBEDDED_REDIS_PORT", default=6399)
BROKER_URL = REDIS_URL or f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    # Shared by every process on this machine, so rate limits hold across them.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": "django_cache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "catalog:book_list"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)
EMAIL_VERIFICATION_TIMEOUT = env.int("EMAIL_VERIFICATION_TIMEOUT", default=60 * 60 * 48)
UNSUBSCRIBE_TIMEOUT = env.int("UNSUBSCRIBE_TIMEOUT", default=60 * 60 * 24 * 90)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Email: one variable picks the stage; see config/stages.py and .env.example.
EMAIL_STAGE = env.str("EMAIL_STAGE", default="console")
_email = email_settings(EMAIL_STAGE, env, VAR_DIR)
globals().update(_email)
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"]
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Library System <library@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Per recipient and kind: how many seconds must pass between two emails.
EMAIL_RATE_LIMITS = {
    "password_reset": 60,
    "verification": 60,
}
# Kinds sent to lists: they carry one-click unsubscribe headers.
EMAIL_BULK_KINDS = ("book_notification", "weekly_report", "newsletter")

# Background sending (Celery). EMAIL_ASYNC makes views hand their emails to workers.
EMAIL_ASYNC = env.bool("EMAIL_ASYNC", default=False)
EMAIL_BATCH_SIZE = env.int("EMAIL_BATCH_SIZE", default=100)
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=5)
EMAIL_RETRY_BASE_DELAY = env.float("EMAIL_RETRY_BASE_DELAY", default=5.0)
EMAIL_RETRY_MAX_DELAY = env.float("EMAIL_RETRY_MAX_DELAY", default=600.0)
# A send is killed after this long, so a row still "sending" past the lease is abandoned.
EMAIL_SEND_TIME_LIMIT = env.float("EMAIL_SEND_TIME_LIMIT", default=3 * EMAIL_TIMEOUT + 10)
EMAIL_SENDING_LEASE = env.float("EMAIL_SENDING_LEASE", default=2 * EMAIL_SEND_TIME_LIMIT)
EMAIL_SWEEP_AFTER = env.float("EMAIL_SWEEP_AFTER", default=60.0)
EMAIL_SWEEP_INTERVAL = env.float("EMAIL_SWEEP_INTERVAL", default=30.0)
MAILHOG_URL = env.str("MAILHOG_URL", default=(
    f"http://{mailroom_address(env)}:{env.int('MAILROOM_HTTP_PORT', default=8025)}"))
# The catcher's web UI as the student's browser opens it: in a container, MAILHOG_URL
# names a host only the other containers know.
MAILHOG_UI_URL = env.str("MAILHOG_UI_URL", default=MAILHOG_URL)
# Where the sweeper asks whether an abandoned send was delivered (see notifications/reconcile.py).
EMAIL_RECONCILE_URL = env.str(
    "EMAIL_RECONCILE_URL",
    default=MAILHOG_URL if EMAIL_STAGE in ("mailhog", "smtp", "sendgrid")
    and "EMAIL_HOST" not in env.ENVIRON and "SENDGRID_API_HOST" not in env.ENVIRON else "",
)

CELERY_BROKER_URL = BROKER_URL
CELERY_RESULT_BACKEND = BROKER_URL
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = EMAIL_SEND_TIME_LIMIT
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="emails")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than the longest retry delay: a retry waiting in a worker must not
    # be handed to a second worker meanwhile.
    "visibility_timeout": int(max(3600, 4 * EMAIL_RETRY_MAX_DELAY)),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# A request must not hang on a dead broker; the sweeper sends what could not be queued.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0,
                                    "interval_step": 0.2, "interval_max": 0.5}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "weekly-report": {
        "task": "notifications.tasks.send_weekly_report",
        "schedule": crontab(day_of_week="mon", hour=9, minute=0),
    },
    "sweep-stuck-emails": {
        "task": "notifications.tasks.sweep_stuck_emails",
        "schedule": EMAIL_SWEEP_INTERVAL,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{levelname} {name}: {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        # propagate off: Celery also logs the root logger, which would print twice.
        "notifications": {"handlers": ["console"], "propagate": False,
                          "level": env.str("LOG_LEVEL", default="INFO")},
    },
}
