"""Clocks. The scheduler owns the clock and is the only thing that advances it (DESIGN principle 3).

``VirtualClock`` (the default) jumps straight to the next deadline when nothing is runnable, so a 24-hour Wait
finishes at once while the history still shows 24 hours. ``WallClock`` really waits (for demos against real
services). Times are float seconds since the Unix epoch.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

__all__ = ["DEFAULT_START", "Clock", "VirtualClock", "WallClock"]

#: Where a virtual clock starts unless told otherwise: a fixed instant, so histories are reproducible.
DEFAULT_START = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC).timestamp()


class Clock:
    """Interface: ``now()`` and ``advance_to(t)``."""

    def now(self) -> float:
        raise NotImplementedError

    def advance_to(self, t: float) -> None:
        raise NotImplementedError


class VirtualClock(Clock):
    """Time that moves only when the scheduler says so."""

    __slots__ = ("_now",)

    def __init__(self, start: float | datetime | None = None) -> None:
        if isinstance(start, datetime):
            start = start.timestamp()
        self._now = DEFAULT_START if start is None else float(start)

    def now(self) -> float:
        return self._now

    def advance_to(self, t: float) -> None:
        if t > self._now:
            self._now = t

    def __repr__(self) -> str:
        return f"VirtualClock({datetime.fromtimestamp(self._now, UTC).isoformat()})"


class WallClock(Clock):
    """Real time: ``advance_to`` sleeps until the deadline."""

    def now(self) -> float:
        return time.time()

    def advance_to(self, t: float) -> None:
        delay = t - time.time()
        if delay > 0:
            time.sleep(delay)

    def __repr__(self) -> str:
        return "WallClock()"
