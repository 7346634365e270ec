"""Django settings for the test suite.

The database and cache come from the environment, so one suite runs on SQLite + locmem (the
default) and on PostgreSQL + Redis (``ITSME_TEST_DATABASE=postgres``, ``ITSME_TEST_CACHE=redis``
with ``ITSME_TEST_POSTGRES`` / ``ITSME_TEST_REDIS`` URLs, as ``scripts/test`` starts them).
``ITSME["ENVIRONMENT"]`` is replaced by the running simulator's issuer in the app fixtures.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "tests-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "Europe/Brussels"
LANGUAGE_CODE = "en"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ROOT_URLCONF = "tests.urls"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_itsme",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "django_itsme.backends.ItsmeBackend",
    "django.contrib.auth.backends.ModelBackend",
]
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
            ]
        },
    }
]
STATIC_URL = "/static/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests only
LOGIN_REDIRECT_URL = "/"


def _database() -> dict[str, object]:
    if os.environ.get("ITSME_TEST_DATABASE") == "postgres":
        url = urlsplit(os.environ["ITSME_TEST_POSTGRES"])
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": url.path.lstrip("/") or "postgres",
            "USER": url.username or "postgres",
            "PASSWORD": url.password or "",
            "HOST": url.hostname,
            "PORT": url.port,
        }
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "test.sqlite3"}


def _cache() -> dict[str, object]:
    if os.environ.get("ITSME_TEST_CACHE") == "redis":
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["ITSME_TEST_REDIS"],
            "KEY_PREFIX": f"itsme-tests-{os.getpid()}",
        }
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


DATABASES = {"default": _database()}
CACHES = {"default": _cache()}

ITSME = {
    "CLIENT_ID": "OIDC_TEST",
    "ENVIRONMENT": "http://127.0.0.1:9/v2",  # replaced by the simulator's issuer in fixtures
    "PRIVATE_JWKS": BASE_DIR / "keys" / "rp_private.json",
    "SERVICES": {
        "login": {"CODE": "TEST_LOGIN"},
        "share": {
            "CODE": "TEST_SHARE",
            "SCOPES": ["profile", "email", "address", "phone"],
            "CLAIMS": ["eid", "city_of_birth", "nationality", "device", "photo"],
            "ACR": "advanced",
            # userinfo, so the userinfo tests have a flow that calls it; the default (id_token)
            # is covered by test_claims_location.py.
            "CLAIMS_IN": "userinfo",
        },
        "confirm": {"CODE": "TEST_CONFIRM", "ACR": "advanced"},
    },
}
