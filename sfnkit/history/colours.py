"""The colour of a state in a picture: one rule, read by every view that colours states.

The static SVG (:func:`sfnkit.views.render.status_of`), the Debugger while it drives an execution
(:mod:`sfnkit.widgets.live`) and the replay slider's timeline (:func:`sfnkit.widgets.data.status_changes`) all
colour with these functions, so the three agree by construction (``tests/test_history_colours.py`` pins the rule).

A *visit* (one :class:`~sfnkit.history.views.StateSpan`) gets one colour:

* a finished visit shows its status (``succeeded``, ``caught``, ``failed``, ``aborted``), except that a visit
  that succeeded after a retry (a Task attempt retried, a Map/Parallel restarted by a Retrier) is ``retried``;
* an open visit is ``running``, or ``waiting`` while its open Task attempt waits on someone outside the
  execution: a ``.waitForTaskToken`` integration until the token is answered (or the attempt times out), an
  activity until a worker picks it up (``ActivityStarted``; from then on the worker is running it).

A *state* visited more than once (a loop, Map iterations) shows its most telling visit, by :data:`RANK`:
waiting > running > failed > aborted > caught > retried > succeeded > not_run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, Literal

__all__ = [
    "COLOURS",
    "RANK",
    "Colour",
    "most_telling",
    "visit_colour",
    "waiting_ends",
    "waits",
]

Colour = Literal["not_run", "succeeded", "retried", "caught", "aborted", "failed", "running", "waiting"]

#: Every colour, least telling first: how the visits of one state combine (the highest wins).
COLOURS: Final[tuple[Colour, ...]] = (
    "not_run",
    "succeeded",
    "retried",
    "caught",
    "aborted",
    "failed",
    "running",
    "waiting",
)
#: Colour -> its rank in :data:`COLOURS`.
RANK: Final[Mapping[str, int]] = {c: i for i, c in enumerate(COLOURS)}


def waits(resource: str | None, kind: str, *, started: bool) -> bool:
    """Whether an open Task attempt waits on someone outside the execution (a task token, an activity worker).

    ``kind`` is the attempt's kind (``"task"``, ``"lambda"``, ``"activity"``), ``started`` whether its
    ``...Started`` event was recorded (for an activity: a worker took it).
    """
    if (resource or "").endswith(".waitForTaskToken"):
        return True
    return kind == "activity" and not started


def waiting_ends(
    resource: str | None, kind: str, *, started_event_id: int | None, ended_event_id: int | None
) -> int | None:
    """The event at which an attempt that waits stops waiting: an activity's ``ActivityStarted`` (else its end),
    a token's answer (its end); ``None`` while it still waits. Same rule as :func:`waits`, over time."""
    if kind == "activity" and not (resource or "").endswith(".waitForTaskToken") and started_event_id is not None:
        return started_event_id
    return ended_event_id


def visit_colour(status: str, retries: int, *, waiting: bool = False) -> Colour:
    """The colour of one visit: ``status`` is the span's (``running`` while open), ``retries`` its retries,
    ``waiting`` whether its open attempt :func:`waits`."""
    if status == "running":
        return "waiting" if waiting else "running"
    if status == "succeeded" and retries:
        return "retried"
    if status not in RANK:
        raise ValueError(f"a visit's status is one of succeeded, caught, failed, aborted, running; got {status!r}")
    return status  # type: ignore[return-value]


def most_telling(colours: Iterable[str]) -> Colour:
    """The colour of a state from the colours of its visits (``not_run`` for none)."""
    best = 0
    for colour in colours:
        rank = RANK[colour]
        if rank > best:
            best = rank
    return COLOURS[best]
