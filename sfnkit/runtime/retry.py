"""Retry and Catch matching and backoff (ASL spec "Retrying after error", "Fallback states"; AWS's
``MaxDelaySeconds`` and ``JitterStrategy`` additions).

The delay before retry number *n* (n = 1 for the first retry) is
``IntervalSeconds * BackoffRate ** (n - 1)``, capped by ``MaxDelaySeconds`` and, in any case, by 99,999,999 s (the
largest interval AWS accepts anywhere in a definition); with ``JitterStrategy: FULL`` it is drawn uniformly from
``[0, delay]`` using the execution's seeded random source. The power is never computed once it would pass the cap,
so a Retry with ``MaxAttempts: 99999999`` cannot overflow however long it keeps retrying.

These are pure decisions; :mod:`sfnkit.runtime.failures` acts on them for a failed state visit (backoff, the
catcher's output, the ``<Type>StateFailed`` event).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from sfnkit.asl.model import Catcher, Retrier
from sfnkit.errors import ALL, RUNTIME, TASK_FAILED, TIMEOUT

__all__ = ["MAX_DELAY_SECONDS", "find_catcher", "find_retrier", "matches", "retry_delay"]

#: No retry waits longer than this (AWS's ceiling for IntervalSeconds and MaxDelaySeconds).
MAX_DELAY_SECONDS = 99_999_999

#: States.Runtime is terminal: neither States.ALL nor its own name retries or catches it. (AWS recordings show
#: States.DataLimitExceeded from a task result IS caught by States.ALL, despite older docs.)
_NOT_MATCHED_BY_ALL = frozenset({RUNTIME})


def matches(error_equals: Sequence[str], error: str) -> bool:
    """Whether an ``ErrorEquals`` list covers ``error``.

    ``States.ALL`` matches every error but States.Runtime; ``States.TaskFailed`` is a wildcard too, for every
    error except States.Timeout (AWS docs, "Error names"), which the recorded catch-order cases confirm.
    """
    if error == RUNTIME:
        return False
    if error in error_equals:
        return True
    if ALL in error_equals:
        return error not in _NOT_MATCHED_BY_ALL
    return TASK_FAILED in error_equals and error != TIMEOUT


def find_retrier(retriers: Sequence[Retrier], error: str) -> int | None:
    """Index of the first retrier whose ErrorEquals matches, or None."""
    for i, r in enumerate(retriers):
        if matches(r.error_equals, error):
            return i
    return None


def find_catcher(catchers: Sequence[Catcher], error: str) -> Catcher | None:
    for c in catchers:
        if matches(c.error_equals, error):
            return c
    return None


def retry_delay(retrier: Retrier, attempt: int, rng: random.Random) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based)."""
    cap = float(MAX_DELAY_SECONDS)
    if retrier.max_delay_seconds is not None:
        cap = min(cap, float(retrier.max_delay_seconds))
    interval = float(retrier.interval_seconds)
    rate = float(retrier.backoff_rate)
    exponent = max(attempt - 1, 0)
    if interval <= 0 or cap <= 0:
        delay = 0.0
    elif rate > 1.0 and exponent * math.log(rate) > math.log(cap / interval) + 1e-9:
        # the power is past the cap (and may be past what a float holds): the cap it is, without computing it
        delay = cap
    else:
        delay = min(interval * rate**exponent, cap)
    if retrier.jitter_strategy == "FULL":
        delay = rng.uniform(0, delay)
    return delay
