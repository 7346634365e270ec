"""Django settings for the site instances of the multi-instance test and the load run.

Every instance (a gunicorn master with its workers) loads this module; the processes share
nothing but PostgreSQL (users, identities, sessions, confirmations) and Redis (discovery, keys,
request objects, flow-start counters). Everything comes from the environment, which
``tests/multi_instance/cluster.py`` sets:

``ITSME_MULTI_POSTGRES``   the database URL (a database made for this run)
``ITSME_MULTI_REDIS``      the Redis URL
``ITSME_MULTI_PREFIX``     the cache key prefix of this run
``ITSME_MULTI_ISSUER``     the simulator's issuer (``ENVIRONMENT``)
``ITSME_MULTI_INSTANCE``   this instance's name, sent back in ``X-Served-By``
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from tests.settings import (
    AUTHENTICATION_BACKENDS,
    BASE_DIR,
    DEFAULT_AUTO_FIELD,
    INSTALLED_APPS,
    LANGUAGE_CODE,
    PASSWORD_HASHERS,
    STATIC_URL,
    TEMPLATES,
    TIME_ZONE,
    USE_TZ,
)
from tests.settings import ITSME as TEST_ITSME
from tests.settings import (
    MIDDLEWARE as TEST_MIDDLEWARE,
)

__all__ = [
    "ALLOWED_HOSTS",
    "AUTHENTICATION_BACKENDS",
    "CACHES",
    "DATABASES",
    "DEBUG",
    "DEFAULT_AUTO_FIELD",
    "INSTALLED_APPS",
    "ITSME",
    "LANGUAGE_CODE",
    "LOGIN_REDIRECT_URL",
    "MIDDLEWARE",
    "PASSWORD_HASHERS",
    "ROOT_URLCONF",
    "SECRET_KEY",
    "SILENCED_SYSTEM_CHECKS",
    "STATIC_URL",
    "TEMPLATES",
    "TIME_ZONE",
    "USE_TZ",
]

SECRET_KEY = "multi-instance-tests-only-not-secret"  # one key for every instance
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "tests.urls"
LOGIN_REDIRECT_URL = "/"
MIDDLEWARE = ["tests.multi_instance.served_by.ServedByMiddleware", *TEST_MIDDLEWARE]
# The simulator with DEBUG off is this test's point, not a mistake.
SILENCED_SYSTEM_CHECKS = ["django_itsme.W001"]

_database = urlsplit(os.environ["ITSME_MULTI_POSTGRES"])
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _database.path.lstrip("/"),
        "USER": _database.username or "postgres",
        "PASSWORD": _database.password or "",
        "HOST": _database.hostname,
        "PORT": _database.port,
        # Each gunicorn thread keeps its connection, as a deployed site would.
        "CONN_MAX_AGE": 60,
    }
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["ITSME_MULTI_REDIS"],
        "KEY_PREFIX": os.environ["ITSME_MULTI_PREFIX"],
    }
}

ITSME = {
    **TEST_ITSME,
    "ENVIRONMENT": os.environ["ITSME_MULTI_ISSUER"],
    "PRIVATE_JWKS": BASE_DIR / "keys" / "rp_private.json",
    # itsme fetches each request object from whichever instance its request_uri reaches.
    "REQUEST_BY": "reference",
    # Every simulated user comes from 127.0.0.1: the limit stays on (its counters live in
    # Redis) but far above what a load run starts in a minute.
    "FLOW_START_LIMIT": 1_000_000,
}
