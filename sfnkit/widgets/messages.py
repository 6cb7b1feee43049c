"""The messages between the widgets' Python side and their front end (``widgets/sfnkit.js``), as types.

Everything the Debugger and GraphView send is plain JSON in traits (``status``, ``info``, ``inspector``,
``pending``, ``events``, ``timeline``, ``changes``, ``maps``, ``_styles``); a button in the page sends one
:class:`ActionMessage` back through the comm. These ``TypedDict``\\ s name every key; ``widgets/sfnkit.js`` mirrors
each one as a JSDoc ``@typedef`` of the same name, so a key added on one side is looked for on the other
(``tests/test_widgets.py`` checks that the two lists of names agree).
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

__all__ = [
    "ActionMessage",
    "AttemptRecord",
    "ErrorRecord",
    "EventRow",
    "Info",
    "InspectorData",
    "PackedRows",
    "PauseError",
    "PendingTask",
    "Position",
    "StatusChange",
    "StatusStyle",
    "VisitRecord",
]

#: ``[event id, type, state name, seconds since the start, scope, error]`` (``event_rows``).
EventRow = list[Any]
#: ``[event id, state name, status]`` (``status_changes``).
StatusChange = list[Any]

Action = Literal[
    "step", "step_over", "continue", "run_to", "restart", "stop", "toggle_breakpoint", "send_success", "send_failure"
]


class ActionMessage(TypedDict, total=False):
    """Front end -> Python: a button or gesture (``action``) and what it needs."""

    action: Action
    name: str  # run_to, toggle_breakpoint: the state
    token: str | None  # send_success, send_failure
    output: str  # send_success: JSON text
    error: str  # send_failure
    cause: str  # send_failure


class StatusStyle(TypedDict):
    """``_styles`` trait: how each status is drawn, and its rank (a collapsed node shows the highest)."""

    fill: str
    stroke: str
    label: str
    glyph: str
    rank: int


class Position(TypedDict):
    """Where a paused execution stands."""

    state: str
    scope: str
    reason: str  # "step", "breakpoint", "until", "error"


class PauseError(TypedDict):
    error: str
    cause: str


class Info(TypedDict):
    """``info`` trait: the execution's status and position; ``seq`` grows on every update."""

    seq: int
    status: str
    done: bool
    summary: str
    error: str | None
    cause: str | None
    position: Position | None
    pause_error: PauseError | None
    note: str
    events: int


class PendingTask(TypedDict):
    """One item of the ``pending`` trait: a task token and the state waiting on it."""

    token: str
    state: str | None
    path: str | None
    resource: str | None


class ErrorRecord(TypedDict):
    event: int | None
    type: str
    error: str | None
    cause: str | None
    outcome: str


class AttemptRecord(TypedDict):
    number: int
    kind: str
    resource: str
    status: str
    error: str | None
    cause: str | None
    sent: str | None
    result: str | None
    scheduled: int | None
    ended: int | None
    at: float | None
    duration: float | None
    backoff: float | None


class _VisitRecordBase(TypedDict):
    entered: int
    ended: int | None
    path: str
    scope: str
    iteration: int | None
    status: str
    at: float | None
    duration: float | None
    stages: list[list[Any]]  # [stage name, JSON text, event id it happened at (None: at once)]
    next: str | None
    variables: str | None
    attempts: list[AttemptRecord]
    retries: int
    error: ErrorRecord | None


class VisitRecord(_VisitRecordBase, total=False):
    """One visit in the inspector; ``explain`` (plain-words steps) is added for a local execution."""

    explain: list[str]


class InspectorData(TypedDict):
    """``inspector`` trait: the selected state's visits, newest last."""

    state: str
    type: str | None
    total: int
    matching: int
    visits: list[VisitRecord]
    live: bool


class PackedRows(TypedDict):
    """``timeline`` trait: event rows with each type replaced by its index in ``types``."""

    types: list[str]
    events: list[EventRow]
