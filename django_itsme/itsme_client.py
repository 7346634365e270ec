"""The process-wide :class:`~django_itsme.core.ItsmeClient`, built from the settings once.

Named apart from :mod:`django_itsme.core.client` (the client itself): this module only holds the
one instance this process uses, built like the settings (:class:`~django_itsme.conf.Lazy`) and
forgotten with them.
"""

from __future__ import annotations

from .cache import SharedCache
from .conf import Lazy, get_settings
from .core import ItsmeClient

__all__ = ["clear_client", "get_client"]


def _build_client() -> ItsmeClient:
    settings = get_settings()
    return ItsmeClient(settings.client, cache=SharedCache(settings.cache_alias))


_client: Lazy[ItsmeClient] = Lazy(_build_client, cleared_with_settings=True)


def get_client() -> ItsmeClient:
    """The client for ``settings.ITSME``: one per process (keys parsed once, one HTTP session),
    with discovery and itsme's keys in the shared Django cache.

    :raises ImproperlyConfigured: ``ITSME`` has an error (see
        :func:`~django_itsme.conf.get_settings`).
    """
    return _client.get()


def clear_client() -> None:
    """Forget the client (it is built again on next use)."""
    _client.clear()
