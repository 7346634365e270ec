"""Django's cache as the core's cache, the store of request objects, and of spent ``state`` values.

Discovery, itsme's keys, request objects (``REQUEST_BY = "reference"``) and spent states live in
the cache alias named by ``ITSME["CACHE"]``, so every worker shares them. Django's ``BaseCache``
already offers the ``get``/``set``/``delete`` the core's :class:`~django_itsme.core.cache.Cache`
protocol asks for.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Any

from django.core.cache import BaseCache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache

from .conf import get_settings
from .core.authorize import REQUEST_OBJECT_LIFETIME
from .logsafe import quote_for_log

__all__ = [
    "SharedCache",
    "can_serve_request_objects",
    "claim_state",
    "get_cache",
    "new_request_object_token",
    "read_request_object",
    "store_request_object",
]

logger = logging.getLogger("django_itsme")

_REQUEST_OBJECT_KEY = "django-itsme:request-object:{token}"
_SPENT_STATE_KEY = "django-itsme:spent-state:{digest}"


def get_cache() -> BaseCache:
    """The cache named by ``ITSME["CACHE"]``, for the current thread."""
    return caches[get_settings().cache_alias]


class SharedCache:
    """The core's cache for a process-wide client: each call uses the calling thread's own
    connection to the alias, as Django's cache objects are not meant to be shared by threads."""

    def __init__(self, alias: str) -> None:
        self.alias = alias

    def get(self, key: str, default: Any = None) -> Any:
        return caches[self.alias].get(key, default)

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        caches[self.alias].set(key, value, timeout)

    def delete(self, key: str) -> Any:
        return caches[self.alias].delete(key)


def new_request_object_token() -> str:
    """An unguessable token for the URL of a request object (``itsme:request_object``):
    32 random bytes (256 bits), so the URL cannot be guessed or enumerated.

    The URL goes inside the authorization request, so it is chosen before the object is built.
    """
    return secrets.token_urlsafe(32)


def store_request_object(request_object: str, *, token: str) -> None:
    """Keep a request object under ``token`` for as long as it is valid
    (``REQUEST_OBJECT_LIFETIME``, the ``exp`` it carries)."""
    key = _REQUEST_OBJECT_KEY.format(token=token)
    get_cache().set(key, request_object, REQUEST_OBJECT_LIFETIME)


def read_request_object(token: str) -> str | None:
    """Return the request object stored under ``token``, or None once it has expired.

    Not deleted on read: itsme may fetch the same ``request_uri`` more than once (its web front,
    then the app on the phone; issue 10), and the fetch order is not documented (protocol notes
    §3.3, §11 #17). No fetch count either: the object is encrypted to itsme's key (D-AREQ, D-JOSE),
    so a copy is useless to anyone else, and a replay to itsme carries our ``state``, ``nonce``
    and PKCE challenge, which only the browser session that started the flow can redeem; a
    count would only risk refusing itsme's own later fetch. The object leaves the cache when it
    expires, with the flow.
    """
    value = get_cache().get(_REQUEST_OBJECT_KEY.format(token=token))
    return value if isinstance(value, str) else None


def can_serve_request_objects() -> bool:
    """Whether the ``CACHE`` alias can hold request objects for itsme to fetch: shared by every
    worker and not culled by anonymous visitors. A ``DummyCache`` stores nothing; a
    ``LocMemCache`` is private to one process and culls at ``MAX_ENTRIES`` (checks E024, E028).

    :returns: False for those two, True for the others (Redis, Memcached, database, file).
    """
    return not isinstance(get_cache(), DummyCache | LocMemCache)


def claim_state(state: str, *, lifetime: float) -> bool | None:
    """Mark ``state`` as redeemed, atomically, for every worker sharing the cache.

    The callback claims a flow's ``state`` before it redeems anything: of several callbacks
    carrying the same ``state`` (a double click, a replay racing the first), only the one whose
    claim succeeds goes on, wherever each is answered. ``add`` is atomic in Redis, Memcached and
    the database cache, and within its process in a ``LocMemCache`` (which W002 flags outside
    ``DEBUG``). The key is a digest: the ``state`` itself never reaches the cache.

    :param state: the flow's ``state``.
    :param lifetime: seconds to remember it: as long as the flow could still be redeemed.
    :returns: True if claimed now; False if it was claimed before (a replay); None if the
        cache stores nothing (``DummyCache``) or cannot be reached now, so the caller must record
        the claim elsewhere.
    """
    cache = get_cache()
    if isinstance(cache, DummyCache):
        return None
    digest = hashlib.sha256(state.encode("utf-8")).hexdigest()
    try:
        return bool(cache.add(_SPENT_STATE_KEY.format(digest=digest), True, lifetime))
    except Exception as exc:  # each cache client raises its own errors
        logger.warning(
            "itsme could not claim a state in the cache (the session records it): error=%s",
            quote_for_log(type(exc).__name__),
        )
        return None
