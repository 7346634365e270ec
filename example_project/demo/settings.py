"""Settings of the django-itsme demo: a local site talking to the embedded itsme simulator.

For a local demo only: it answers on loopback hosts only. The environment can move the moving
parts, which is how ``scripts/demo`` and the browser tests run it:

``ITSME_DEMO_ISSUER``           the simulator's issuer (default ``http://127.0.0.1:8100/v2``)
``ITSME_DEMO_JWKS``             the site's private JWK set (default
                                ``example_project/jwks_private.json``)
``ITSME_DEMO_DATABASE``         the SQLite file (default ``example_project/db.sqlite3``)
``ITSME_DEMO_DEBUG``            ``1`` (the default) or ``0``: Django's ``DEBUG``
``ITSME_DEMO_SECRET_KEY``       the ``SECRET_KEY``; by default a random key generated once per
                                checkout into ``ITSME_DEMO_SECRET_KEY_FILE`` (default
                                ``example_project/secret_key.txt``, untracked)

``DEBUG`` is on by default because this is a local demo on loopback (its error pages help whoever
tries it, and only this computer can reach them); turn it off with ``ITSME_DEMO_DEBUG=0`` to see
the site as production would answer. There is no fixed ``SECRET_KEY``: a key in a public
repository would let anyone forge the demo's sessions and signed values.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

#: ``example_project/``
BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _debug_from_environment() -> bool:
    """``ITSME_DEMO_DEBUG``: on unless set to a false value; anything unclear is an error."""
    value = os.environ.get("ITSME_DEMO_DEBUG", "1").strip().lower()
    if value not in _TRUE + _FALSE:
        raise ImproperlyConfigured(f"ITSME_DEMO_DEBUG must be 1 or 0, not {value!r}.")
    return value in _TRUE


def _secret_key_from_file(path: Path) -> str:
    """The key stored in ``path``, generated there (readable by its owner only) on first use.

    The site and its autoreloader start at the same moment: the key is written to a temporary
    file and linked into place, so every process reads the same complete key.
    """
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_urlsafe(50) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            temporary.unlink()
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 50:
        raise ImproperlyConfigured(f"{path} holds no usable secret key: delete it for a new one.")
    return key


DEBUG = _debug_from_environment()
SECRET_KEY = os.environ.get("ITSME_DEMO_SECRET_KEY") or _secret_key_from_file(
    Path(os.environ.get("ITSME_DEMO_SECRET_KEY_FILE") or BASE_DIR / "secret_key.txt")
)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    # First, so that its templates/django_itsme/failure.html restyles the library's error page.
    "demo.apps.DemoConfig",
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
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "django_itsme.backends.ItsmeBackend",
    "django.contrib.auth.backends.ModelBackend",
]
ROOT_URLCONF = "demo.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "demo.context_processors.visitor",
            ]
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": Path(os.environ.get("ITSME_DEMO_DATABASE") or BASE_DIR / "db.sqlite3"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions live in the server's memory, not in the database: the identity data a Share flow
# returns is kept in the session only (see demo/shared.py), so it never reaches the disk and is
# gone when the visitor logs out or the demo stops.
SESSION_ENGINE = "django.contrib.sessions.backends.cache"

LOGIN_URL = "demo:login"
LOGIN_REDIRECT_URL = "demo:profile"
LOGOUT_REDIRECT_URL = "demo:home"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("nl", _("Dutch")),
    ("de", _("German")),
]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Brussels"

STATIC_URL = "/static/"

ITSME = {
    "CLIENT_ID": "DEMO_PARTNER",
    "ENVIRONMENT": os.environ.get("ITSME_DEMO_ISSUER") or "http://127.0.0.1:8100/v2",
    "PRIVATE_JWKS": Path(os.environ.get("ITSME_DEMO_JWKS") or BASE_DIR / "jwks_private.json"),
    "SERVICES": {
        "login": {"CODE": "DEMO_LOGIN"},
        "share": {
            "CODE": "DEMO_SHARE",
            "SCOPES": ["profile", "email", "address", "phone"],
            "CLAIMS": ["eid", "city_of_birth", "nationality", "device", "photo"],
            "ACR": "advanced",
        },
        "confirm": {"CODE": "DEMO_CONFIRM", "ACR": "advanced"},
    },
}
if os.environ.get("ITSME_DEMO_FLOW_START_LIMIT"):
    # Flow starts per client address and minute (default 20): the browser tests start more than
    # that from 127.0.0.1 within a minute.
    ITSME["FLOW_START_LIMIT"] = int(os.environ["ITSME_DEMO_FLOW_START_LIMIT"])
