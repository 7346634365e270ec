"""A bound on the failure lines a flood can write: each code gets a budget per minute.

Some failures cost the one who causes them nothing: a callback with a made-up ``state``
(``unknown_state``), a flow start over ``FLOW_START_LIMIT`` (``too_many_flows``), an error
redirect nobody started. One WARNING line each would let a script writing a million requests fill
the log's disk, run up a log service's bill and bury the lines that matter. So each failure code
may write :data:`FAILURE_LOG_LINES` lines per :data:`FAILURE_LOG_WINDOW` seconds in each process;
past that, its lines are counted instead of written, and the first line the next window writes
for the code says how many were left out (``suppressed=N``). The ``login_failed`` signal still
fires for every failure, so what a site counts from it (the Prometheus exporter too) stays exact.

A site that sees ``suppressed=`` in its log is being flooded (or has a broken integration): the
lines that were written say with what.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FAILURE_LOG_BUDGET", "FAILURE_LOG_LINES", "FAILURE_LOG_WINDOW", "LogBudget"]

#: Lines one failure code may write per window in one process: far above what failing real
#: logins write (every real flow start is itself limited per client address), far below a flood.
FAILURE_LOG_LINES = 60
#: The window's length, in seconds.
FAILURE_LOG_WINDOW = 60.0


@dataclass(slots=True)
class _Window:
    started: float
    written: int = 0
    suppressed: int = 0


class LogBudget:
    """Fixed windows of ``lines`` per ``window`` seconds, one per key, safe across threads.

    :param lines: lines a key may write per window.
    :param window: the window's length in seconds.
    :param clock: monotonic seconds (tests pass their own).
    """

    #: Keys remembered at most (failure codes are a short, fixed list; this only bounds memory
    #: should a caller ever pass something else).
    MAX_KEYS = 256

    def __init__(
        self, *, lines: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.lines = lines
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}

    def take(self, key: str) -> int | None:
        """Ask to write one line for ``key``.

        :returns: None when the line must not be written; otherwise how many lines of ``key``
            were left out since the last one written (0 normally).
        """
        now = self._clock()
        with self._lock:
            current = self._windows.get(key)
            if current is None:
                if len(self._windows) >= self.MAX_KEYS:
                    self._windows.clear()
                current = self._windows[key] = _Window(now)
            elif now - current.started >= self.window:
                current.started, current.written = now, 0
            if current.written >= self.lines:
                current.suppressed += 1
                return None
            current.written += 1
            left_out, current.suppressed = current.suppressed, 0
            return left_out

    def reset(self) -> None:
        """Forget every window (tests)."""
        with self._lock:
            self._windows.clear()

    def __len__(self) -> int:
        return len(self._windows)


#: The budget of the failure lines of :func:`django_itsme.failures.render_failure`.
FAILURE_LOG_BUDGET = LogBudget(lines=FAILURE_LOG_LINES, window=FAILURE_LOG_WINDOW)
