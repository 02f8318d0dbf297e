"""Settings of the Library System sandbox.

Everything that differs between machines comes from the environment or a
`.env` file at the repository root (see `.env.example`).
"""

import os
import tempfile
from pathlib import Path

import environ

from config.stages import email_settings

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

REDIS_URL = env.str("REDIS_URL", default="")
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
globals().update(email_settings(env.str("EMAIL_STAGE", default="console"), env, VAR_DIR))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Library System <library@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Per recipient and kind: how many seconds must pass between two emails.
EMAIL_RATE_LIMITS = {
    "password_reset": 60,
    "verification": 60,
}
# Kinds sent to lists: they carry one-click unsubscribe headers.
EMAIL_BULK_KINDS = ("book_notification", "weekly_report", "newsletter")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{levelname} {name}: {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "notifications": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    },
}
