"""A database session engine that replays a race on demand: requests carrying the same session
cookie all read the session, then run one at a time, each on what it read.

That is the race a replayed callback wins when it arrives while the first one is still being
answered (a double click, or someone racing a callback URL they intercepted): every copy has
read the pending flow before any has written the session back. In real life the window is a few
milliseconds wide; the tests hold it open. Running the requests one at a time afterwards keeps
the database free of concurrent writers (SQLite's shared in-memory test database refuses them),
so the outcome depends only on what the code does with a stale session.

:func:`arm` sets it up for the next ``parties`` loads; each request's thread calls
:func:`end_turn` when its request is answered; :func:`disarm` after the test.
"""

from __future__ import annotations

import threading
from typing import Any

from django.contrib.sessions.backends import db

_barrier: threading.Barrier | None = None
_arrivals = 0  # loads still expected at the barrier; any later load goes straight through
_lock = threading.Lock()
_turn = threading.Lock()
_mine = threading.local()


def arm(parties: int) -> None:
    """Make the next ``parties`` session loads wait for each other (5 s at most), then take
    turns."""
    global _barrier, _arrivals  # noqa: PLW0603 - one switch for the test process
    with _lock:
        _barrier = threading.Barrier(parties, timeout=5)
        _arrivals = parties


def disarm() -> None:
    global _barrier, _arrivals
    with _lock:
        _barrier, _arrivals = None, 0


def end_turn() -> None:
    """Let the next request go on (call it from the request's thread once it is answered)."""
    if getattr(_mine, "turn", False):
        _mine.turn = False
        _turn.release()


class SessionStore(db.SessionStore):
    def load(self) -> dict[str, Any]:
        global _arrivals  # noqa: PLW0603
        data = super().load()
        with _lock:
            barrier = _barrier if _arrivals > 0 else None
            if barrier is not None:
                _arrivals -= 1
        if barrier is not None:
            barrier.wait()
            _turn.acquire(timeout=30)
            _mine.turn = True
        return data
