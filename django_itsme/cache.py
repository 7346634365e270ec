"""Django's cache as the core's cache, and the one-time store of request objects.

Discovery, itsme's keys and request objects (``REQUEST_BY = "reference"``) live in the cache alias
named by ``ITSME["CACHE"]``, so every worker shares them. Django's ``BaseCache`` already offers the
``get``/``set``/``delete`` the core's :class:`~django_itsme.core.cache.Cache` protocol asks for.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.cache import BaseCache, caches

from .conf import get_settings
from .core.authorize import REQUEST_OBJECT_LIFETIME

__all__ = [
    "SharedCache",
    "get_cache",
    "new_request_object_token",
    "pop_request_object",
    "store_request_object",
]

_REQUEST_OBJECT_KEY = "django-itsme:request-object:{token}"


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
    """An unguessable token for the one-time URL of a request object (``itsme:request_object``).

    The URL goes inside the authorization request, so it is chosen before the object is built.
    """
    return secrets.token_urlsafe(32)


def store_request_object(request_object: str, *, token: str) -> None:
    """Keep a request object under ``token`` until itsme fetches it, at most as long as it is
    valid (``REQUEST_OBJECT_LIFETIME``)."""
    key = _REQUEST_OBJECT_KEY.format(token=token)
    get_cache().set(key, request_object, REQUEST_OBJECT_LIFETIME)


def pop_request_object(token: str) -> str | None:
    """Return the request object stored under ``token`` and forget it (one fetch only).

    Of two concurrent fetches only the one whose ``delete`` removed the entry gets it.
    """
    cache = get_cache()
    key = _REQUEST_OBJECT_KEY.format(token=token)
    value = cache.get(key)
    if not isinstance(value, str) or not cache.delete(key):
        return None
    return value
