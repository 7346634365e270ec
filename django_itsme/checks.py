"""System checks for django-itsme: every id, its hint and its ``obj`` come from one registry.

Ids are stable: sites silence them with ``SILENCED_SYSTEM_CHECKS`` and README.rst lists them, so
an id is never reused for another problem. ``E001``-``E018`` are the protocol core's
:data:`~django_itsme.core.config.PROBLEMS`; the rest concern the Django side only.

===================  ==========================================================================
id                   reported when
===================  ==========================================================================
django_itsme.E001    ``ITSME`` is missing or is not a dict (then nothing else in ``ITSME`` is
                     checked)
django_itsme.E002    ``ITSME`` has an unknown key
django_itsme.E003    ``CLIENT_ID`` is missing or invalid
django_itsme.E004    ``ENVIRONMENT`` is not ``'e2e'``, ``'prd'`` or an issuer URL
django_itsme.E005    ``ENVIRONMENT`` is a plain http URL outside loopback
django_itsme.E006    ``PRIVATE_JWKS`` is not set
django_itsme.E007    ``PRIVATE_JWKS`` cannot be read or parsed
django_itsme.E008    a key in ``PRIVATE_JWKS`` is unusable (not RSA, too short, not private)
django_itsme.E009    ``PRIVATE_JWKS`` lacks a ``sig`` or ``enc`` key, or a kid
django_itsme.E010    ``SERVICES`` is missing, empty or not a dict
django_itsme.E011    a service is invalid (not a dict, unknown key, bad name or ``CODE``)
django_itsme.E012    a service's ``SCOPES`` are invalid
django_itsme.E013    a service's ``CLAIMS`` are invalid
django_itsme.E014    a service's ``ACR`` is not ``'basic'`` or ``'advanced'``
django_itsme.E015    ``REDIRECT_URI`` is not an absolute https URL
django_itsme.E016    ``REQUEST_BY`` is not ``'value'`` or ``'reference'``
django_itsme.E017    ``HTTP_TIMEOUT`` is not a positive number of seconds
django_itsme.E018    ``LEEWAY`` is not a number of seconds between 0 and 300
django_itsme.E019    ``CREATE_USERS`` is not a bool
django_itsme.E020    ``CACHE`` is not a string naming an alias of ``settings.CACHES``
django_itsme.E021    ``AUTHENTICATION_BACKENDS`` has no ``django_itsme.backends.ItsmeBackend``
                     (or subclass)
django_itsme.E022    ``MIDDLEWARE`` has no ``SessionMiddleware`` (or subclass)
django_itsme.E023    ``MIDDLEWARE`` has no ``AuthenticationMiddleware`` (or subclass)
django_itsme.E024    ``REQUEST_BY`` is ``'reference'`` but the ``CACHE`` alias is a
                     ``DummyCache``: request objects could never be served
django_itsme.E025    ``LINK_MAX_AGE`` is not None or a whole number of seconds > 0
django_itsme.E026    ``KEY_ARCHIVE`` is not None or a non-empty file path
django_itsme.E027    the ``KEY_ARCHIVE`` file cannot be read or is not a valid key archive (not
                     JSON, another format, a private key member, a wrong thumbprint)
django_itsme.E028    ``REQUEST_BY`` is ``'reference'`` but the ``CACHE`` alias is a
                     ``LocMemCache``: it culls at ``MAX_ENTRIES``, so anonymous flow starts
                     evict waiting users' request objects (whatever ``DEBUG`` is)
django_itsme.E029    ``FLOW_START_LIMIT`` is not None or a whole number >= 0, or
                     ``CLIENT_ADDRESS_HEADER`` is not None or a ``request.META`` key
django_itsme.E034    ``REQUEST_URI_BASE`` is not an https URL with an explicit ``:443`` ending in
                     ``/``
django_itsme.E035    ``REQUEST_OBJECT_AUD`` is not ``'issuer'``, ``'authorization_endpoint'`` or
                     an https URL
django_itsme.E036    ``ENCRYPT_CLIENT_ASSERTION`` is not a bool
django_itsme.E037    ``TOKEN_AUTH_METHOD``, ``CLIENT_SECRET`` or ``ID_TOKEN_SIGNING_ALG`` is
                     invalid, or they do not fit together (a secret with ``private_key_jwt``)
django_itsme.E039    ``KEY_STORE`` is invalid (not a PKCS#11 setting or a key-store class, a
                     missing ``MODULE``, ``TOKEN_LABEL``, PIN source or key label), or is set
                     together with ``PRIVATE_JWKS``
django_itsme.E040    the ``KEY_STORE`` cannot be used: the PKCS#11 library, token, PIN or a key
                     fails (a key that could leave the token is refused), or the class cannot be
                     built (the message never holds the PIN)
django_itsme.W001    ``ENVIRONMENT`` is the loopback simulator (plain http) while ``DEBUG`` is
                     False
django_itsme.W002    the ``CACHE`` alias is per-process (``LocMemCache``) or stores nothing
                     (``DummyCache``) while ``DEBUG`` is False
django_itsme.W004    (``check --deploy``) a Confirm service is configured (its name or ``CODE``
                     says "confirm" or "approv") while ``KEY_ARCHIVE`` is not set
django_itsme.W005    the ``KEY_ARCHIVE`` file does not exist yet
django_itsme.W006    ``REQUEST_BY`` is ``'reference'`` and the ``CACHE`` alias is a file or
                     database cache that culls below ``MIN_CULLING_MAX_ENTRIES`` entries
django_itsme.W007    flow starts are not limited (``FLOW_START_LIMIT`` off, or a ``DummyCache``
                     that cannot count them) while ``DEBUG`` is False
django_itsme.W009    (``check --deploy``) ``REQUEST_BY`` is ``'value'``, a service looks like
                     Confirm, the ``CACHE`` can serve request objects and ``REQUEST_URI_BASE``
                     is not set while ``DEBUG`` is False: long Confirm requests switch to an
                     unregistered ``request_uri``
django_itsme.E038    ``JWKS_MAX_AGE`` is not a whole number of seconds from 1 to 86400
django_itsme.W011    ``JWKS_MAX_AGE`` is under 1800 seconds: itsme keeps our JWKS at least 30
                     minutes whatever ``max-age`` says, so it only brings more fetches
===================  ==========================================================================

Nothing is registered at import time: the app's ``ready()`` calls :func:`register_checks`.
Every check reads the settings afresh (never the cached :func:`~django_itsme.conf.get_settings`),
and no message quotes key material or the raw ``PRIVATE_JWKS`` value.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.checks import Warning as CheckWarning
from django.utils.module_loading import import_string

from .conf import (
    DJANGO_SETTINGS,
    ITSME_JWKS_CACHE_FLOOR,
    inspect_settings,
    is_client_address_header,
    is_flow_start_limit,
    is_jwks_max_age,
    is_key_archive,
    is_link_max_age,
)
from .core.client import MAX_AUTHORIZATION_URL_LENGTH
from .core.config import PROBLEMS, Problem
from .core.environments import is_loopback_url, issuer_problem
from .core.key_archive import KeyArchiveError, read_archive

__all__ = [
    "AUTHENTICATION_MIDDLEWARE",
    "BACKEND_PATH",
    "CHECKS",
    "ITSME_TAG",
    "SESSION_MIDDLEWARE",
    "check_deployment",
    "check_installation",
    "check_request_size",
    "check_settings",
    "register_checks",
    "run_checks",
]

#: The check tag of every django-itsme check: ``manage.py check --tag itsme``.
ITSME_TAG = "itsme"

#: The backend a site adds to ``AUTHENTICATION_BACKENDS`` (DESIGN.md §1).
BACKEND_PATH = "django_itsme.backends.ItsmeBackend"
#: The flow's state, nonce and PKCE verifier live in the session between redirect and callback.
SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
#: ``request.user`` must exist for the callback to log the user in and link identities.
AUTHENTICATION_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"

_DUMMY_CACHE = "django.core.cache.backends.dummy.DummyCache"
_LOCMEM_CACHE = "django.core.cache.backends.locmem.LocMemCache"
#: Caches that delete a share of their entries once they hold ``MAX_ENTRIES`` (300 by default).
_CULLING_CACHES = (
    "django.core.cache.backends.filebased.FileBasedCache",
    "django.core.cache.backends.db.DatabaseCache",
)
#: ``MAX_ENTRIES`` a culling cache needs before request objects are reasonably safe in it: with
#: ``FLOW_START_LIMIT`` at 20 a minute, one address keeps at most 200 request objects alive (10
#: minutes each), so filling 100 000 entries takes 500 addresses at full speed.
MIN_CULLING_MAX_ENTRIES = 100_000
#: Django's default ``MAX_ENTRIES`` (``BaseCache``).
_DJANGO_MAX_ENTRIES = 300

#: The one registry of check ids: id -> what it is about. The core's protocol problems first,
#: then the Django-only ones. A message with an id missing here is a programming error.
CHECKS: dict[str, str] = {
    **PROBLEMS,
    "E019": "CREATE_USERS is not a bool.",
    "E020": "CACHE is not a string naming an alias in settings.CACHES.",
    "E021": f"{BACKEND_PATH} is not in AUTHENTICATION_BACKENDS.",
    "E022": "SessionMiddleware is not in MIDDLEWARE.",
    "E023": "AuthenticationMiddleware is not in MIDDLEWARE.",
    "E024": "REQUEST_BY is 'reference' but the CACHE alias is a DummyCache.",
    "E025": "LINK_MAX_AGE is not None or a whole number of seconds > 0.",
    "E026": "KEY_ARCHIVE is not None or a file path.",
    "E027": "The KEY_ARCHIVE file cannot be read or is not a valid key archive.",
    "E028": "REQUEST_BY is 'reference' but the CACHE alias is a LocMemCache.",
    "E029": "FLOW_START_LIMIT or CLIENT_ADDRESS_HEADER is invalid.",
    "W001": "ENVIRONMENT is the loopback simulator while DEBUG is False.",
    "W002": "The CACHE alias is not shared between processes while DEBUG is False.",
    "W004": "A Confirm service is configured while KEY_ARCHIVE is not set.",
    "W005": "The KEY_ARCHIVE file does not exist yet.",
    "W006": "REQUEST_BY is 'reference' and the CACHE alias culls at a small MAX_ENTRIES.",
    "W007": "Flow starts are not limited while DEBUG is False.",
    "W009": "Long Confirm requests switch to a request_uri; REQUEST_URI_BASE is not set.",
    "E038": "JWKS_MAX_AGE is not a whole number of seconds from 1 to 86400.",
    "W011": "JWKS_MAX_AGE is shorter than itsme's 30-minute cache floor.",
}

#: How to fix a core problem that comes without a hint of its own.
_FALLBACK_HINTS: dict[str, str] = {
    "E011": "Each service is 'name': {'CODE': '...'}, named with letters, digits, '_' or '-', "
    "and with no keys but CODE, SCOPES, CLAIMS and ACR.",
    "E012": "SCOPES is a list of scope names, for example ['profile', 'email'].",
    "E013": "CLAIMS is a list of claim names, for example ['eid', 'nationality'].",
}
_GENERIC_HINT = "See the ITSME settings reference in README.rst."


def _message(
    check_id: str, msg: str, *, hint: str, obj: str, warning: bool | None = None
) -> CheckMessage:
    """Build the Error or Warning for a registry id.

    :param check_id: an id of :data:`CHECKS` (without the ``django_itsme.`` prefix).
    :param msg: what is wrong, as a sentence.
    :param hint: how to fix it.
    :param obj: the setting concerned, spelled as in a settings file.
    :param warning: force the level; by default ``W`` ids are warnings and ``E`` ids errors.
    :returns: the check message, with id ``django_itsme.<check_id>``.
    :raises KeyError: ``check_id`` is not in the registry.
    """
    if check_id not in CHECKS:
        raise KeyError(f"Unregistered django-itsme check id {check_id!r}.")
    is_warning = check_id.startswith("W") if warning is None else warning
    level = CheckWarning if is_warning else Error
    return level(msg, hint=hint, obj=obj, id=f"django_itsme.{check_id}")


def _setting_path(setting: str, raw: Any) -> str:
    """Turn a core problem's ``"SERVICES.share.ACR"`` into ``"ITSME['SERVICES']['share']['ACR']"``.

    Service names and unknown keys may hold dots, so a ``SERVICES`` path is matched against the
    configured service names rather than split blindly.
    """
    if not setting:
        return "ITSME"
    parts: list[Any] = [setting]
    services = raw.get("SERVICES") if isinstance(raw, Mapping) else None
    if setting.startswith("SERVICES.") and isinstance(services, Mapping):
        rest = setting[len("SERVICES.") :]
        matches = [name for name in services if rest == str(name) or rest.startswith(f"{name}.")]
        if matches:
            name = max(matches, key=lambda n: len(str(n)))
            parts = ["SERVICES", name]
            tail = rest[len(str(name)) + 1 :]
            if tail:
                parts.append(tail)
    return "ITSME" + "".join(f"[{part!r}]" for part in parts)


def _problem_message(problem: Problem, raw: Any) -> CheckMessage:
    return _message(
        problem.id,
        problem.message,
        hint=problem.hint or _FALLBACK_HINTS.get(problem.id, _GENERIC_HINT),
        obj=_setting_path(problem.setting, raw),
        warning=problem.level == "warning",
    )


def _imports_as_subclass(path: str, base: type) -> bool:
    """Tell whether the dotted ``path`` names ``base`` or a subclass, importing it lazily."""
    try:
        imported = import_string(path)
    except ImportError:
        return False
    return isinstance(imported, type) and issubclass(imported, base)


def _has_class(entries: Iterable[Any], path: str) -> bool:
    """Tell whether a settings list holds ``path``, or the path of a subclass of it.

    When ``path`` itself cannot be imported (an app still being installed), only the exact
    string counts.
    """
    names = [entry for entry in entries if isinstance(entry, str)]
    if path in names:
        return True
    try:
        base = import_string(path)
    except ImportError:
        return False
    return isinstance(base, type) and any(_imports_as_subclass(name, base) for name in names)


def _cache_backend(alias: str) -> str:
    caches: Mapping[str, Any] = getattr(settings, "CACHES", {})
    backend = caches.get(alias, {}).get("BACKEND", "")
    return backend if isinstance(backend, str) else ""


def _is_cache_backend(backend: str, path: str) -> bool:
    return backend == path or (bool(backend) and _imports_as_subclass(backend, import_string(path)))


def _check_create_users(raw: Mapping[str, Any]) -> list[CheckMessage]:
    value = raw.get("CREATE_USERS", DJANGO_SETTINGS["CREATE_USERS"])
    if isinstance(value, bool):
        return []
    return [
        _message(
            "E019",
            f"CREATE_USERS must be True or False, not a {type(value).__name__}.",
            hint="True creates a local user on the first itsme login of an unknown person; "
            "False lets only people whose itsme identity is already linked log in.",
            obj="ITSME['CREATE_USERS']",
        )
    ]


def _check_link_max_age(raw: Mapping[str, Any]) -> list[CheckMessage]:
    value = raw.get("LINK_MAX_AGE", DJANGO_SETTINGS["LINK_MAX_AGE"])
    if is_link_max_age(value):
        return []
    shown = repr(value) if isinstance(value, int | float) else f"a {type(value).__name__}"
    return [
        _message(
            "E025",
            f"LINK_MAX_AGE must be None or a whole number of seconds > 0, not {shown}.",
            hint="Set LINK_MAX_AGE to how recent a login must be to link an itsme identity "
            "(e.g. 300), or to None for no requirement.",
            obj="ITSME['LINK_MAX_AGE']",
        )
    ]


def _check_jwks_max_age(raw: Mapping[str, Any]) -> list[CheckMessage]:
    """E038 (invalid) or W011 (under itsme's cache floor) for ``JWKS_MAX_AGE``."""
    value = raw.get("JWKS_MAX_AGE", DJANGO_SETTINGS["JWKS_MAX_AGE"])
    if not is_jwks_max_age(value):
        shown = repr(value) if isinstance(value, int | float) else f"a {type(value).__name__}"
        return [
            _message(
                "E038",
                f"JWKS_MAX_AGE must be a whole number of seconds from 1 to 86400, not {shown}.",
                hint="itsme caches our JWKS 30 minutes to 24 hours and honours max-age in "
                "between (D-AUTH 'Key rotation procedure'); the default is 3600.",
                obj="ITSME['JWKS_MAX_AGE']",
            )
        ]
    if value < ITSME_JWKS_CACHE_FLOOR:
        return [
            _message(
                "W011",
                f"JWKS_MAX_AGE is {value} seconds, but itsme keeps our JWKS at least 30 "
                "minutes: a shorter max-age does not make a rotation reach itsme sooner.",
                hint="Use 1800 or more (the default is 3600); rotations wait for itsme's "
                "worst case anyway (manage.py itsme_keys rotate).",
                obj="ITSME['JWKS_MAX_AGE']",
            )
        ]
    return []


def _check_cache_alias(raw: Mapping[str, Any]) -> tuple[str | None, list[CheckMessage]]:
    """Check ``CACHE``; return the alias when it names a configured cache."""
    alias = raw.get("CACHE", DJANGO_SETTINGS["CACHE"])
    aliases = [str(name) for name in getattr(settings, "CACHES", {})]
    if isinstance(alias, str) and alias in aliases:
        return alias, []
    if isinstance(alias, str):
        close = difflib.get_close_matches(alias, aliases, n=1)
        suggestion = f" Did you mean {close[0]!r}?" if close else ""
        msg = f"CACHE names the cache alias {alias!r}, which is not in settings.CACHES."
        msg += suggestion
    else:
        msg = f"CACHE must be the name of a cache alias (a string), not a {type(alias).__name__}."
    known = ", ".join(repr(name) for name in aliases) or "none"
    return None, [
        _message(
            "E020",
            msg,
            hint=f"Set CACHE to one of the aliases in settings.CACHES ({known}), or leave it "
            "out to use 'default'.",
            obj="ITSME['CACHE']",
        )
    ]


def _check_request_by_reference(raw: Mapping[str, Any], backend: str) -> list[CheckMessage]:
    if raw.get("REQUEST_BY") != "reference" or not _is_cache_backend(backend, _DUMMY_CACHE):
        return []
    return [
        _message(
            "E024",
            "REQUEST_BY is 'reference', but the CACHE alias is a DummyCache, which stores "
            "nothing: itsme could never fetch the request objects.",
            hint="Point CACHE at a real cache (Redis, Memcached, database), or set REQUEST_BY "
            "to 'value'.",
            obj="ITSME['CACHE']",
        )
    ]


def _check_production_environment(raw: Mapping[str, Any]) -> list[CheckMessage]:
    environment = raw.get("ENVIRONMENT")
    if settings.DEBUG or not isinstance(environment, str) or issuer_problem(environment):
        return []
    if not (environment.startswith("http://") and is_loopback_url(environment)):
        return []
    return [
        _message(
            "W001",
            "ENVIRONMENT is a plain http issuer on loopback (the itsme simulator) while DEBUG "
            "is False.",
            hint="Use 'e2e' or 'prd' outside development; the simulator is for tests and local "
            "development only.",
            obj="ITSME['ENVIRONMENT']",
        )
    ]


def _check_shared_cache(alias: str, backend: str) -> list[CheckMessage]:
    if settings.DEBUG:
        return []
    if _is_cache_backend(backend, _DUMMY_CACHE):
        what = "a DummyCache, which stores nothing"
    elif _is_cache_backend(backend, _LOCMEM_CACHE):
        what = "a LocMemCache, private to each process"
    else:
        return []
    return [
        _message(
            "W002",
            f"The CACHE alias {alias!r} is {what}: workers will not share itsme's discovery "
            "document, keys or request objects while DEBUG is False.",
            hint="Use a cache shared by every worker (Redis, Memcached, database or file "
            "based) for the itsme CACHE alias.",
            obj="ITSME['CACHE']",
        )
    ]


def _max_entries(alias: str) -> int:
    """``MAX_ENTRIES`` of a cache alias, read as Django's ``BaseCache`` reads it."""
    params: Mapping[str, Any] = getattr(settings, "CACHES", {}).get(alias, {})
    options = params.get("OPTIONS") or {}
    value = params.get("max_entries", options.get("MAX_ENTRIES", _DJANGO_MAX_ENTRIES))
    try:
        return int(value)
    except (TypeError, ValueError):
        return _DJANGO_MAX_ENTRIES


def _check_evicted_request_objects(alias: str, backend: str) -> list[CheckMessage]:
    """E028/W006: request objects in a cache that culls when anonymous visitors fill it."""
    if _is_cache_backend(backend, _LOCMEM_CACHE):
        return [
            _message(
                "E028",
                f"REQUEST_BY is 'reference' but the CACHE alias {alias!r} is a LocMemCache: it "
                f"keeps at most MAX_ENTRIES entries ({_max_entries(alias)}) and culls when full, "
                "so a few hundred anonymous flow starts evict the request objects itsme is about "
                "to fetch for waiting users (and other processes cannot serve them).",
                hint="Point CACHE at a shared cache (Redis or Memcached), or set REQUEST_BY to "
                "'value', which stores no request objects.",
                obj="ITSME['CACHE']",
            )
        ]
    culls = any(_is_cache_backend(backend, path) for path in _CULLING_CACHES)
    max_entries = _max_entries(alias)
    if not culls or max_entries >= MIN_CULLING_MAX_ENTRIES:
        return []
    return [
        _message(
            "W006",
            f"REQUEST_BY is 'reference' and the CACHE alias {alias!r} culls entries once it "
            f"holds MAX_ENTRIES ({max_entries}): anonymous flow starts can evict the request "
            "objects itsme is about to fetch for waiting users.",
            hint=f"Set OPTIONS['MAX_ENTRIES'] of that cache to at least "
            f"{MIN_CULLING_MAX_ENTRIES}, use Redis or Memcached, or set REQUEST_BY to 'value'.",
            obj="ITSME['CACHE']",
        )
    ]


def _check_flow_start_limit(raw: Mapping[str, Any], backend: str) -> list[CheckMessage]:
    """E029: the limit's settings; W007: no limit in production."""
    messages: list[CheckMessage] = []
    limit = raw.get("FLOW_START_LIMIT", DJANGO_SETTINGS["FLOW_START_LIMIT"])
    header = raw.get("CLIENT_ADDRESS_HEADER", DJANGO_SETTINGS["CLIENT_ADDRESS_HEADER"])
    if not is_flow_start_limit(limit):
        shown = repr(limit) if isinstance(limit, int | float | str) else f"a {type(limit).__name__}"
        messages.append(
            _message(
                "E029",
                f"FLOW_START_LIMIT must be None or a whole number >= 0, not {shown}.",
                hint="Set FLOW_START_LIMIT to the flow starts allowed per client address and "
                "minute (default 20), or to None (or 0) for no limit.",
                obj="ITSME['FLOW_START_LIMIT']",
            )
        )
    if not is_client_address_header(header):
        shown = repr(header) if isinstance(header, str) else f"a {type(header).__name__}"
        messages.append(
            _message(
                "E029",
                f"CLIENT_ADDRESS_HEADER must be None or a request.META key, not {shown}.",
                hint="Name the header your reverse proxy sets as Django sees it, e.g. "
                "'HTTP_X_FORWARDED_FOR' for X-Forwarded-For, or leave it out to use REMOTE_ADDR.",
                obj="ITSME['CLIENT_ADDRESS_HEADER']",
            )
        )
    if messages or settings.DEBUG:
        return messages
    if not limit:
        why = "FLOW_START_LIMIT is off"
    elif _is_cache_backend(backend, _DUMMY_CACHE):
        why = "the CACHE alias is a DummyCache, in which FLOW_START_LIMIT cannot count"
    else:
        return []
    return [
        _message(
            "W007",
            f"{why}: anonymous visitors can start any number of itsme flows, each of which "
            "stores a session (and, with REQUEST_BY 'reference', a request object).",
            hint="Keep FLOW_START_LIMIT (default 20 per client address and minute) and a "
            "shared cache as CACHE, or limit /itsme/login/ in front of Django.",
            obj="ITSME['FLOW_START_LIMIT']",
        )
    ]


def _check_visitor_storage(
    raw: Mapping[str, Any], alias: str | None, backend: str
) -> list[CheckMessage]:
    """What anonymous visitors can make the site store, and evict (issue 9)."""
    messages: list[CheckMessage] = []
    if alias is not None and raw.get("REQUEST_BY") == "reference":
        messages += _check_evicted_request_objects(alias, backend)
    return messages + _check_flow_start_limit(raw, backend)


#: Words in a service's name or CODE that mark it as a Confirm (approval) service for W004: the
#: settings do not say a service's type, so this is a guess a site silences if it is wrong.
CONFIRM_SERVICE_WORDS = ("confirm", "approv")
_ARCHIVE_HINT = (
    "Set ITSME['KEY_ARCHIVE'] to a file path and run 'manage.py itsme_archive_keys' daily "
    "(cron), committing the file; see README.rst, Confirm evidence."
)


def _looks_like_confirm(name: object, service: object) -> bool:
    code = service.get("CODE") if isinstance(service, Mapping) else None
    words = f"{name} {code if isinstance(code, str) else ''}".lower()
    return any(word in words for word in CONFIRM_SERVICE_WORDS)


def check_deployment(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Deployment advice (``manage.py check --deploy``): W004, a Confirm service without
    ``KEY_ARCHIVE``.

    :param app_configs: the apps being checked (unused: the setting is project-wide).
    :returns: W004 when it applies.
    """
    raw = getattr(settings, "ITSME", None)
    if not isinstance(raw, dict) or raw.get("KEY_ARCHIVE") is not None:
        return []
    services = raw.get("SERVICES")
    if not isinstance(services, Mapping) or not any(
        _looks_like_confirm(name, service) for name, service in services.items()
    ):
        return []
    return [
        _message(
            "W004",
            "A Confirm service is configured but KEY_ARCHIVE is not set: Confirm evidence can "
            "only be anchored on itsme's live JWKS, so it stops verifying once itsme rotates "
            "its signing key.",
            hint=_ARCHIVE_HINT,
            obj="ITSME['KEY_ARCHIVE']",
        )
    ]


def _check_key_archive(raw: Mapping[str, Any]) -> list[CheckMessage]:
    """E026/E027/W005: the ``KEY_ARCHIVE`` setting and its file."""
    value = raw.get("KEY_ARCHIVE", DJANGO_SETTINGS["KEY_ARCHIVE"])
    obj = "ITSME['KEY_ARCHIVE']"
    if value is None:
        return []
    if not is_key_archive(value):
        return [
            _message(
                "E026",
                f"KEY_ARCHIVE must be None or a file path, not {type(value).__name__}.",
                hint=_ARCHIVE_HINT,
                obj=obj,
            )
        ]
    try:
        read_archive(value)
    except KeyArchiveError as error:
        if isinstance(error.__cause__, FileNotFoundError):
            return [
                _message(
                    "W005",
                    f"The KEY_ARCHIVE file {str(value)!r} does not exist yet: Confirm evidence "
                    "is anchored online only until it does.",
                    hint="Run 'manage.py itsme_archive_keys' to create it (and daily from cron).",
                    obj=obj,
                )
            ]
        return [
            _message(
                "E027",
                f"KEY_ARCHIVE: {error.message}",
                hint="Restore the file from version control or a backup; never edit keys into "
                "it by hand ('manage.py itsme_archive_keys --list' shows what it holds).",
                obj=obj,
            )
        ]
    return []


def check_request_size(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Deployment advice (``manage.py check --deploy``): W009.

    :param app_configs: the apps being checked (unused: the setting is project-wide).
    :returns: W009 when it applies.
    """
    raw = getattr(settings, "ITSME", None)
    if not isinstance(raw, dict):
        return []
    alias = raw.get("CACHE", DJANGO_SETTINGS["CACHE"])
    if not isinstance(alias, str) or alias not in getattr(settings, "CACHES", {}):
        return []
    return _check_request_size(raw, _cache_backend(alias))


def _check_request_size(raw: Mapping[str, Any], backend: str) -> list[CheckMessage]:
    """W009: Confirm by value will switch long requests to a ``request_uri`` nobody registered.

    With a cache that can serve request objects, a request over
    ``MAX_AUTHORIZATION_URL_LENGTH`` goes by ``request_uri`` on the request's host, which itsme
    refuses unless it was registered (D-AREQ). Setting ``REQUEST_URI_BASE`` (the registered base)
    says it was. Not while ``DEBUG`` is True; a per-process cache is W002's business.
    """
    if settings.DEBUG or raw.get("REQUEST_BY", "value") != "value":
        return []
    if raw.get("REQUEST_URI_BASE") is not None:
        return []
    if _is_cache_backend(backend, _DUMMY_CACHE) or _is_cache_backend(backend, _LOCMEM_CACHE):
        return []
    services = raw.get("SERVICES")
    if not isinstance(services, Mapping) or not any(
        _looks_like_confirm(name, service) for name, service in services.items()
    ):
        return []
    return [
        _message(
            "W009",
            "REQUEST_BY is 'value' and a Confirm service is configured: a long free text (up to "
            "7500 characters) makes an authorization URL over "
            f"{MAX_AUTHORIZATION_URL_LENGTH} bytes, which django-itsme then sends by request_uri "
            "on the request's host. itsme refuses a request_uri that was not registered.",
            hint="Register the request URI base with itsme and set REQUEST_URI_BASE to it "
            "(README: Request size), or keep Confirm texts short and silence this warning.",
            obj="ITSME['REQUEST_URI_BASE']",
        )
    ]


def check_settings(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Check ``settings.ITSME``: the core's problems, then the Django-only keys.

    :param app_configs: the apps being checked (unused: the setting is project-wide).
    :returns: the check messages, core problems in the core's order first.
    """
    raw = getattr(settings, "ITSME", None)
    _parsed, problems = inspect_settings()
    messages = [_problem_message(problem, raw) for problem in problems]
    if isinstance(raw, Mapping) and not isinstance(raw, dict):
        # The core accepts any mapping; the Django layer reads a plain dict (conf.py).
        messages.append(
            _message(
                "E001",
                f"ITSME must be a plain dict, not a {type(raw).__name__}.",
                hint="Define ITSME = {...} in your settings.",
                obj="ITSME",
            )
        )
    if not isinstance(raw, dict):
        return messages
    messages += _check_create_users(raw)
    messages += _check_link_max_age(raw)
    messages += _check_jwks_max_age(raw)
    alias, cache_messages = _check_cache_alias(raw)
    messages += cache_messages
    backend = _cache_backend(alias) if alias is not None else ""
    if alias is not None:
        messages += _check_request_by_reference(raw, backend)
    messages += _check_production_environment(raw)
    if alias is not None:
        messages += _check_shared_cache(alias, backend)
    messages += _check_visitor_storage(raw, alias, backend)
    messages += _check_key_archive(raw)
    return messages


def check_installation(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Check the settings outside ``ITSME`` that the login flow needs.

    :param app_configs: the apps being checked (unused: these settings are project-wide).
    :returns: E021 (backend), E022 (sessions), E023 (authentication middleware) as they apply.
    """
    messages: list[CheckMessage] = []
    backends = getattr(settings, "AUTHENTICATION_BACKENDS", [])
    if not _has_class(backends, BACKEND_PATH):
        messages.append(
            _message(
                "E021",
                f"AUTHENTICATION_BACKENDS does not include {BACKEND_PATH}: itsme logins would "
                "be refused.",
                hint=f"Add {BACKEND_PATH!r} (or a subclass) to AUTHENTICATION_BACKENDS.",
                obj="AUTHENTICATION_BACKENDS",
            )
        )
    middleware = getattr(settings, "MIDDLEWARE", None) or []
    if not _has_class(middleware, SESSION_MIDDLEWARE):
        messages.append(
            _message(
                "E022",
                "MIDDLEWARE does not include SessionMiddleware: the itsme flow keeps its state, "
                "nonce and PKCE verifier in the session.",
                hint=f"Add {SESSION_MIDDLEWARE!r} (or a subclass) to MIDDLEWARE.",
                obj="MIDDLEWARE",
            )
        )
    if not _has_class(middleware, AUTHENTICATION_MIDDLEWARE):
        messages.append(
            _message(
                "E023",
                "MIDDLEWARE does not include AuthenticationMiddleware: the itsme callback "
                "cannot log the user in.",
                hint=f"Add {AUTHENTICATION_MIDDLEWARE!r} (or a subclass) to MIDDLEWARE, after "
                "SessionMiddleware.",
                obj="MIDDLEWARE",
            )
        )
    return messages


def run_checks() -> list[CheckMessage]:
    """Run every django-itsme check now, without the Django check registry.

    :returns: the messages of :func:`check_settings` then :func:`check_installation`.
    """
    return [*check_settings(), *check_installation()]


def register_checks() -> None:
    """Register the checks with Django's check framework; called from the app's ``ready()``.

    Idempotent: the registry holds a set of functions, so a second call changes nothing.
    """
    register(check_settings, Tags.security, Tags.caches, ITSME_TAG)
    register(check_installation, Tags.security, Tags.compatibility, ITSME_TAG)
    register(check_deployment, Tags.security, ITSME_TAG, deploy=True)
    register(check_request_size, Tags.compatibility, ITSME_TAG, deploy=True)
