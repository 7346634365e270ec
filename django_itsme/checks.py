"""System checks for django-itsme: every id, its hint and its ``obj`` come from one registry.

Ids are stable: sites silence them with ``SILENCED_SYSTEM_CHECKS``, so an id is never reused
for another problem. Each id's level, summary, message template and hint live in
:data:`django_itsme.check_registry.CHECKS`: the core's problems (whose messages the core writes)
and the Django side's. README.rst's "System checks" table is generated from that registry.

Nothing is registered at import time: the app's ``ready()`` calls :func:`register_checks`.
Every check reads the settings afresh (never the cached :func:`~django_itsme.conf.get_settings`),
and no message quotes key material or the raw ``PRIVATE_JWKS`` value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.checks import Warning as CheckWarning
from django.utils.module_loading import import_string

from .check_registry import CHECKS
from .conf import (
    DJANGO_SETTINGS,
    ITSME_JWKS_CACHE_FLOOR,
    inspect_settings,
    is_client_address_header,
    is_flow_start_limit,
    is_jwks_max_age,
    is_key_archive,
    is_link_max_age,
    itsme_setting,
)
from .core.authorize import MAX_AUTHORIZATION_URL_LENGTH
from .core.config import Problem
from .core.environments import find_issuer_problem, is_loopback_url
from .core.key_archive import KeyArchiveError, read_archive
from .core.problem_registry import GENERIC_HINT
from .core.spelling import did_you_mean

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


def _message(
    check_id: str, obj: str, *, msg: str | None = None, hint: str | None = None, **fields: Any
) -> CheckMessage:
    """Build the Error or Warning of a registry id.

    :param check_id: an id of :data:`~django_itsme.check_registry.CHECKS` (no prefix).
    :param obj: the setting concerned, spelled as in a settings file.
    :param msg: the message, when not the registry's template (the core's problems, a variant).
    :param hint: the hint, when not the registry's (falls back to the registry's, then to
        :data:`~django_itsme.core.problem_registry.GENERIC_HINT`).
    :param fields: what the registry's message and hint templates are filled with.
    :returns: the check message, with id ``django_itsme.<check_id>`` and the registry's level.
    :raises KeyError: ``check_id`` is not in the registry.
    :raises ValueError: no ``msg`` for an id without a message template (the core's).
    """
    spec = CHECKS.get(check_id)
    if spec is None:
        raise KeyError(f"Unregistered django-itsme check id {check_id!r}.")
    # Templates are filled only when the site gives fields: a core hint such as E001's holds braces.
    text = msg if msg is not None else spec.message.format(**fields) if fields else spec.message
    if not text:
        raise ValueError(f"Check {check_id} has no message template: pass msg.")
    advice = hint or (spec.hint.format(**fields) if fields else spec.hint) or GENERIC_HINT
    level = CheckWarning if spec.level == "warning" else Error
    return level(text, hint=advice, obj=obj, id=f"django_itsme.{check_id}")


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
        problem.id, _setting_path(problem.setting, raw), msg=problem.message, hint=problem.hint
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


def _obj(key: str) -> str:
    """The ``obj`` of a message about the ``ITSME`` key ``key``."""
    return f"ITSME[{key!r}]"


def _shown(value: object) -> str:
    """A wrong value as a message shows it: numbers and strings as written, else their type."""
    return repr(value) if isinstance(value, int | float | str) else f"a {type(value).__name__}"


def _check_value(
    raw: Mapping[str, Any],
    key: str,
    is_valid: Callable[[object], bool],
    check_id: str,
    **fields: Any,
) -> list[CheckMessage]:
    """``check_id`` when the Django-only key ``key`` (or its default) is not valid.

    :param raw: ``settings.ITSME``.
    :param key: a key of :data:`~django_itsme.conf.DJANGO_SETTINGS`.
    :param is_valid: conf.py's rule for the key.
    :param check_id: the registry id reported.
    :param fields: further fields of the id's message and hint templates (besides ``setting``,
        ``shown`` and ``type``).
    :returns: no message, or the one.
    """
    value = raw.get(key, DJANGO_SETTINGS[key])
    if is_valid(value):
        return []
    shown, kind = _shown(value), type(value).__name__
    return [_message(check_id, _obj(key), setting=key, shown=shown, type=kind, **fields)]


def _is_bool(value: object) -> bool:
    return isinstance(value, bool)


def _check_jwks_max_age(raw: Mapping[str, Any]) -> list[CheckMessage]:
    """E038 (invalid) or W011 (under itsme's cache floor) for ``JWKS_MAX_AGE``."""
    invalid = _check_value(raw, "JWKS_MAX_AGE", is_jwks_max_age, "E038")
    value = raw.get("JWKS_MAX_AGE", DJANGO_SETTINGS["JWKS_MAX_AGE"])
    if invalid or value >= ITSME_JWKS_CACHE_FLOOR:
        return invalid
    return [_message("W011", _obj("JWKS_MAX_AGE"), value=value)]


def _check_cache_alias(raw: Mapping[str, Any]) -> tuple[str | None, list[CheckMessage]]:
    """Check ``CACHE``; return the alias when it names a configured cache."""
    alias = raw.get("CACHE", DJANGO_SETTINGS["CACHE"])
    aliases = [str(name) for name in getattr(settings, "CACHES", {})]
    if isinstance(alias, str) and alias in aliases:
        return alias, []
    msg = None
    suggestion = ""
    if isinstance(alias, str):
        suggestion = did_you_mean(alias, aliases)
    else:
        msg = f"CACHE must be the name of a cache alias (a string), not a {type(alias).__name__}."
    known = ", ".join(repr(name) for name in aliases) or "none"
    fields = {"alias": alias, "suggestion": suggestion, "known": known}
    return None, [_message("E020", _obj("CACHE"), msg=msg, **fields)]


def _check_request_by_reference(raw: Mapping[str, Any], backend: str) -> list[CheckMessage]:
    if raw.get("REQUEST_BY") != "reference" or not _is_cache_backend(backend, _DUMMY_CACHE):
        return []
    return [_message("E024", _obj("CACHE"))]


def _check_production_environment(raw: Mapping[str, Any]) -> list[CheckMessage]:
    environment = raw.get("ENVIRONMENT")
    if settings.DEBUG or not isinstance(environment, str):
        return []
    if find_issuer_problem(environment) is not None or not environment.startswith("http://"):
        return []
    return [_message("W001", _obj("ENVIRONMENT"))] if is_loopback_url(environment) else []


def _check_shared_cache(alias: str, backend: str) -> list[CheckMessage]:
    if settings.DEBUG:
        return []
    if _is_cache_backend(backend, _DUMMY_CACHE):
        what = "a DummyCache, which stores nothing"
    elif _is_cache_backend(backend, _LOCMEM_CACHE):
        what = "a LocMemCache, private to each process"
    else:
        return []
    return [_message("W002", _obj("CACHE"), alias=alias, what=what)]


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
    max_entries = _max_entries(alias)
    if _is_cache_backend(backend, _LOCMEM_CACHE):
        return [_message("E028", _obj("CACHE"), alias=alias, max_entries=max_entries)]
    culls = any(_is_cache_backend(backend, path) for path in _CULLING_CACHES)
    if not culls or max_entries >= MIN_CULLING_MAX_ENTRIES:
        return []
    minimum = MIN_CULLING_MAX_ENTRIES
    return [_message("W006", _obj("CACHE"), alias=alias, max_entries=max_entries, minimum=minimum)]


#: E029's hint when ``CLIENT_ADDRESS_HEADER`` is wrong (the registry's is about the limit).
_CLIENT_ADDRESS_HEADER_HINT = (
    "Name the header your reverse proxy sets as Django sees it, e.g. 'HTTP_X_FORWARDED_FOR' for "
    "X-Forwarded-For, or leave it out to use REMOTE_ADDR."
)


def _check_flow_start_limit(raw: Mapping[str, Any], backend: str) -> list[CheckMessage]:
    """E029: the limit's settings; W007: no limit in production."""
    messages = _check_value(
        raw, "FLOW_START_LIMIT", is_flow_start_limit, "E029", expected="a whole number >= 0"
    )
    messages += _check_value(
        raw,
        "CLIENT_ADDRESS_HEADER",
        is_client_address_header,
        "E029",
        expected="a request.META key",
        hint=_CLIENT_ADDRESS_HEADER_HINT,
    )
    if messages or settings.DEBUG:
        return messages
    if not raw.get("FLOW_START_LIMIT", DJANGO_SETTINGS["FLOW_START_LIMIT"]):
        why = "FLOW_START_LIMIT is off"
    elif _is_cache_backend(backend, _DUMMY_CACHE):
        why = "the CACHE alias is a DummyCache, in which FLOW_START_LIMIT cannot count"
    else:
        return []
    return [_message("W007", _obj("FLOW_START_LIMIT"), why=why)]


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


def _looks_like_confirm(name: object, service: object) -> bool:
    code = service.get("CODE") if isinstance(service, Mapping) else None
    words = f"{name} {code if isinstance(code, str) else ''}".lower()
    return any(word in words for word in CONFIRM_SERVICE_WORDS)


def _has_confirm_service(raw: Mapping[str, Any]) -> bool:
    """Whether a configured service looks like Confirm (W004, W009)."""
    services = raw.get("SERVICES")
    return isinstance(services, Mapping) and any(
        _looks_like_confirm(name, service) for name, service in services.items()
    )


def check_deployment(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Deployment advice (``manage.py check --deploy``): W004, a Confirm service without
    ``KEY_ARCHIVE``.

    :param app_configs: the apps being checked (unused: the setting is project-wide).
    :returns: W004 when it applies.
    """
    raw = itsme_setting()
    if not isinstance(raw, dict) or raw.get("KEY_ARCHIVE") is not None:
        return []
    return [_message("W004", _obj("KEY_ARCHIVE"))] if _has_confirm_service(raw) else []


def _check_key_archive(raw: Mapping[str, Any]) -> list[CheckMessage]:
    """E026/E027/W005: the ``KEY_ARCHIVE`` setting and its file."""
    value = raw.get("KEY_ARCHIVE", DJANGO_SETTINGS["KEY_ARCHIVE"])
    if value is None:
        return []
    invalid = _check_value(raw, "KEY_ARCHIVE", is_key_archive, "E026")
    if invalid:
        return invalid
    try:
        read_archive(value)
    except KeyArchiveError as error:
        if isinstance(error.__cause__, FileNotFoundError):
            return [_message("W005", _obj("KEY_ARCHIVE"), path=str(value))]
        return [_message("E027", _obj("KEY_ARCHIVE"), error=error.message)]
    return []


def check_request_size(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Deployment advice (``manage.py check --deploy``): W009.

    :param app_configs: the apps being checked (unused: the setting is project-wide).
    :returns: W009 when it applies.
    """
    raw = itsme_setting()
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
    if not _has_confirm_service(raw):
        return []
    return [_message("W009", _obj("REQUEST_URI_BASE"), max_length=MAX_AUTHORIZATION_URL_LENGTH)]


def check_settings(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Check ``settings.ITSME``: the core's problems, then the Django-only keys.

    :param app_configs: the apps being checked (unused: the setting is project-wide).
    :returns: the check messages, core problems in the core's order first.
    """
    raw = itsme_setting()
    _parsed, problems = inspect_settings()
    messages = [_problem_message(problem, raw) for problem in problems]
    if isinstance(raw, Mapping) and not isinstance(raw, dict):
        # The core accepts any mapping; the Django layer reads a plain dict (conf.py).
        msg = f"ITSME must be a plain dict, not a {type(raw).__name__}."
        messages.append(_message("E001", "ITSME", msg=msg))
    if not isinstance(raw, dict):
        return messages
    messages += _check_value(raw, "CREATE_USERS", _is_bool, "E019")
    messages += _check_value(raw, "LINK_MAX_AGE", is_link_max_age, "E025")
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
    messages += _check_confirm_signature(raw)
    return messages


def _check_confirm_signature(raw: Mapping[str, Any]) -> list[CheckMessage]:
    """W013: a Confirm-looking service for a partner whose ID tokens are HS256 (refused at
    start by the core: ``confirm_needs_rs256``)."""
    if raw.get("TOKEN_AUTH_METHOD") != "client_secret_post":
        return []
    if raw.get("ID_TOKEN_SIGNING_ALG") != "HS256":
        return []
    services = raw.get("SERVICES")
    if not isinstance(services, Mapping):
        return []
    return [
        _message("W013", _obj("ID_TOKEN_SIGNING_ALG"), service=str(name)[:64])
        for name, service in services.items()
        if _looks_like_confirm(name, service)
    ]


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
        messages.append(_message("E021", "AUTHENTICATION_BACKENDS", backend=BACKEND_PATH))
    middleware = getattr(settings, "MIDDLEWARE", None) or []
    for check_id, path in (("E022", SESSION_MIDDLEWARE), ("E023", AUTHENTICATION_MIDDLEWARE)):
        if not _has_class(middleware, path):
            messages.append(_message(check_id, "MIDDLEWARE", middleware=path))
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
