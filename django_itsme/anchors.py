"""The trust anchors Confirm evidence is verified against: ``KEY_ARCHIVE`` and itsme's live JWKS.

Neither comes from the row being verified (see :mod:`.core.evidence`). The archive is read from
the file ``KEY_ARCHIVE`` names and parsed again only when the file changes, so the admin stays
fast; the live JWKS goes through the process-wide client (discovery and keys from the shared
cache, one refetch on an unknown kid) or, with ``fresh=True``, through a client of its own that
fetches itsme's keys now, over TLS, whatever the cache holds.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .conf import get_settings
from .core.client import ItsmeClient
from .core.errors import ItsmeError
from .core.evidence import KeyAnchor, LiveKeysAnchor
from .core.key_archive import ArchiveAnchor, KeyArchive, KeyArchiveError, read_archive
from .itsme_client import get_client

__all__ = ["LIVE_LABEL", "UnavailableAnchor", "evidence_anchors", "load_key_archive"]

#: How the live JWKS is named in verdicts.
LIVE_LABEL = "itsme live JWKS"

_lock = threading.Lock()
#: path -> (modification time in ns, size, parsed archive): parsed once per change of the file.
_archives: dict[Path, tuple[int, int, KeyArchive]] = {}


def load_key_archive(path: Path) -> KeyArchive:
    """The archive at ``path``, parsed again only when its modification time or size changed.

    :raises KeyArchiveError: missing, unreadable or invalid (see
        :func:`~django_itsme.core.key_archive.read_archive`).
    """
    try:
        status = path.stat()
    except OSError as exc:
        raise KeyArchiveError(
            f"The key archive {str(path)!r} cannot be read ({type(exc).__name__})."
        ) from exc
    stamp = (status.st_mtime_ns, status.st_size)
    with _lock:
        cached = _archives.get(path)
        if cached is not None and cached[:2] == stamp:
            return cached[2]
    archive = read_archive(path)
    with _lock:
        _archives[path] = (*stamp, archive)
    return archive


@dataclass(frozen=True, slots=True)
class UnavailableAnchor:
    """An anchor that is configured but cannot be used (e.g. an unreadable archive): it never
    vouches, and every verdict notes why."""

    label: str
    error: ItsmeError

    def vouch(self, *, issuer: str, kid: str, thumbprint: str) -> str | None:
        """Raise the stored error (the verdict turns it into a note)."""
        raise self.error


def evidence_anchors(*, online: bool, fresh: bool = False) -> list[KeyAnchor]:
    """The anchors configured for this site, in the order they are asked.

    :param online: also ask itsme's live JWKS (after the archive).
    :param fresh: fetch the live JWKS now with a client of its own instead of the shared,
        cached one (``manage.py itsme_verify_confirmation --online``).
    :returns: the ``KEY_ARCHIVE`` anchor (or an :class:`UnavailableAnchor` naming its problem)
        when set, then the live JWKS when ``online``.
    :raises django.core.exceptions.ImproperlyConfigured: ``ITSME`` is invalid.
    """
    settings = get_settings()
    anchors: list[KeyAnchor] = []
    path = settings.key_archive
    if path is not None:
        try:
            anchors.append(ArchiveAnchor(load_key_archive(path), str(path)))
        except KeyArchiveError as error:
            anchors.append(UnavailableAnchor(f"key archive {path}", error))
    if online:
        client = ItsmeClient(settings.client) if fresh else get_client()

        def lookup(kid: str) -> dict[str, Any]:
            return client.provider_keys().public_jwk(kid)

        anchors.append(LiveKeysAnchor(settings.client.issuer, lookup, label=LIVE_LABEL))
    return anchors
