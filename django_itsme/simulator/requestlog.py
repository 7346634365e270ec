"""The request log: one entry for every HTTP request the simulator serves."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field


@dataclass
class LoggedRequest:
    """One served HTTP request.

    :param method: the HTTP method.
    :param path: the path without query string.
    :param query: query parameters (first value of each).
    :param headers: request headers (last value of each name).
    :param body: the raw request body.
    :param form: form fields of an ``application/x-www-form-urlencoded`` body.
    :param endpoint: endpoint name (``discovery``, ``jwks``, ``authorization``,
        ``decision``, ``token``, ``userinfo``) or ``None`` when unknown.
    :param time: when it arrived, per the simulator clock.
    :param status: the answered HTTP status; ``None`` while still being handled.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    form: dict[str, str] = field(default_factory=dict)
    endpoint: str | None = None
    time: float = 0.0
    status: int | None = None


#: How many requests the log keeps (the newest): any test's worth, bounded for a long load run.
MAX_LOGGED_REQUESTS = 100_000


class RequestLog:
    """Thread-safe log of the last :data:`MAX_LOGGED_REQUESTS` :class:`LoggedRequest`."""

    def __init__(self) -> None:
        """Create an empty log."""
        self._lock = threading.Lock()
        self._entries: deque[LoggedRequest] = deque(maxlen=MAX_LOGGED_REQUESTS)

    def append(self, entry: LoggedRequest) -> None:
        """Add one entry.

        :param entry: the request.
        """
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def entries(self) -> list[LoggedRequest]:
        """Return a snapshot of the log.

        :returns: the entries, oldest first.
        """
        with self._lock:
            return list(self._entries)

    def count(self, path_suffix: str) -> int:
        """Count requests whose path ends with ``path_suffix``.

        :param path_suffix: e.g. ``"/token"`` or ``"/jwkSet"``.
        :returns: the number of matching requests.
        """
        with self._lock:
            return sum(1 for entry in self._entries if entry.path.endswith(path_suffix))
