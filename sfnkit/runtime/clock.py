"""Clocks. The scheduler owns the clock and is the only thing that advances it (DESIGN principle 3).

``VirtualClock`` (the default) jumps straight to the next deadline when nothing is runnable, so a 24-hour Wait
finishes at once while the history still shows 24 hours. ``WallClock`` really waits (for demos against real
services). Times are float seconds since the Unix epoch.

**Handler time.** Time jumps only while nothing runs: the real time a task handler takes counts too. On a
``WallClock`` it simply passes; on a ``VirtualClock`` the interpreter adds it to the task's virtual duration (with
what the handler asked for through ``virtual_sleep``), as time-skipping test environments do, once a call takes
at least ``HANDLER_TIME_THRESHOLD`` (1 s, the smallest TimeoutSeconds), to the millisecond (AWS's history
resolution). So a handler that really takes 3 s in a Task with ``TimeoutSeconds: 1`` times out on either clock,
as on AWS (Step Functions stops waiting; the Lambda runs on), while the histories of quicker handlers (a moto
call, a pause of the garbage collector on a busy machine) stay byte-identical run after run.
``VirtualClock(handler_time=False)`` makes every history reproducible whatever the handlers take.

**When a task times out.** Step Functions stops waiting for a task at its deadline (TimeoutSeconds, or
HeartbeatSeconds without a heartbeat); the handler runs on, but its overrun is not the execution's time. The
``...TimedOut`` event is stamped at the deadline and the execution goes on from there: a virtual clock simply
never counts the overrun; a wall clock, told by ``stopped_waiting(deadline)``, keeps the execution's time behind
real time by the overrun from then on, so the execution's later deadlines (its own TimeoutSeconds among them)
fall where they fall on AWS. Each execution keeps its own lag: ``Execution`` runs on ``clock.for_execution()``.
"""

from __future__ import annotations

import copy
import math
import time
from datetime import UTC, datetime

__all__ = ["DEFAULT_START", "HANDLER_TIME_THRESHOLD", "Clock", "VirtualClock", "WallClock"]

#: A handler call that takes less real time than this leaves a virtual clock untouched.
HANDLER_TIME_THRESHOLD = 1.0

#: Where a virtual clock starts unless told otherwise: a fixed instant, so histories are reproducible.
DEFAULT_START = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC).timestamp()


class Clock:
    """Interface: ``now()`` and ``advance_to(t)``; ``handler_time(real)`` says how a handler's real time counts."""

    #: whether time passes on its own (a wall clock): the scheduler then checks for deadlines that fell due while
    #: a handler ran, instead of only when nothing is runnable
    real_time = False

    def now(self) -> float:
        raise NotImplementedError

    def advance_to(self, t: float) -> None:
        raise NotImplementedError

    def handler_time(self, real_seconds: float) -> float:
        """Seconds to add to a task's duration for ``real_seconds`` of real time its handler took (beyond what
        ``now()`` already shows)."""
        return 0.0

    def stopped_waiting(self, deadline: float) -> None:
        """A task timed out at ``deadline``, which is already past on a clock that moves by itself: from now on,
        time goes on from there (see "When a task timed out" above). A virtual clock never passed it."""

    def for_execution(self) -> Clock:
        """The clock one execution runs on: this one, or (for a clock that keeps per-execution state, such as a
        wall clock's lag) a fresh copy, so that executions sharing a clock never share that state."""
        return self


class VirtualClock(Clock):
    """Time that moves only when the scheduler says so."""

    __slots__ = ("_now", "handler_time_counts")

    def __init__(self, start: float | datetime | None = None, *, handler_time: bool = True) -> None:
        if isinstance(start, datetime):
            start = start.timestamp()
        self._now = DEFAULT_START if start is None else float(start)
        self.handler_time_counts = handler_time

    def handler_time(self, real_seconds: float) -> float:
        """A handler's real time, in whole milliseconds, once it reaches ``HANDLER_TIME_THRESHOLD`` (never when
        ``handler_time=False``)."""
        if not self.handler_time_counts or real_seconds < HANDLER_TIME_THRESHOLD:
            return 0.0
        return math.floor(real_seconds * 1000.0) / 1000.0

    def now(self) -> float:
        return self._now

    def advance_to(self, t: float) -> None:
        if t > self._now:
            self._now = t

    def __repr__(self) -> str:
        return f"VirtualClock({datetime.fromtimestamp(self._now, UTC).isoformat()})"


class WallClock(Clock):
    """Real time: ``advance_to`` sleeps until the deadline; a handler's real time has already passed on it.

    After a task timed out while its handler ran on (``stopped_waiting``), the time it shows stays behind real
    time by the handler's overrun past the deadline (``behind``, in seconds)."""

    real_time = True

    def __init__(self) -> None:
        self.behind = 0.0

    def now(self) -> float:
        return time.time() - self.behind

    def advance_to(self, t: float) -> None:
        delay = t - self.now()
        if delay > 0:
            time.sleep(min(delay, 86400.0 * 365))  # time.sleep refuses what it cannot hold; nothing waits longer

    def stopped_waiting(self, deadline: float) -> None:
        behind = time.time() - deadline
        if behind > self.behind:  # never forwards: the execution's time only goes on
            self.behind = behind

    def for_execution(self) -> WallClock:
        clock = copy.copy(self)
        clock.behind = 0.0
        return clock

    def __repr__(self) -> str:
        return "WallClock()"
