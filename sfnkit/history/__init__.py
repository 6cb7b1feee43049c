"""The execution history: the contract between the interpreter, the reports and the widgets.

An execution's history has the shape of AWS's ``GetExecutionHistory`` response (botocore's ``stepfunctions``
service model), whether sfnkit's interpreter wrote it or AWS did:

* ``events``: the event types and where each keeps its details (``TASK_STATE_ENTERED``, ``DETAILS_KEY``...);
* ``model``: ``HistoryEvent``, the immutable ``History`` (with ``to_boto``/``to_json``/``from_boto``) and the
  interpreter's ``HistoryBuilder``;
* ``views``: derived, memoised views: ``spans`` (state visits), ``attempts`` (Task attempts), ``failures``,
  ``execution_summary`` and ``event_scopes`` (the Map iteration / Parallel branch of each event).

This package imports nothing from ``sfnkit.runtime``.
"""

from typing import TYPE_CHECKING

from sfnkit.history import events
from sfnkit.history.model import History, HistoryBuilder, HistoryEvent, JsonText, decode_json, encode_json

if TYPE_CHECKING:
    from sfnkit.history.views import (
        ExecutionSummary,
        Failure,
        ScopeFrame,
        StateSpan,
        TaskAttempt,
        attempts,
        event_scopes,
        execution_summary,
        failures,
        spans,
    )

# The views load on first use (PEP 562): a run writes a history without reading any of them, and their classes
# were a sixth of a fresh process's first run (bench/interpreter.py --cold).
_VIEWS = frozenset(
    {
        "ExecutionSummary",
        "Failure",
        "ScopeFrame",
        "StateSpan",
        "TaskAttempt",
        "attempts",
        "event_scopes",
        "execution_summary",
        "failures",
        "spans",
    }
)


def __getattr__(name: str) -> object:
    if name in _VIEWS:
        from sfnkit.history import views

        value = getattr(views, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sfnkit.history' has no attribute {name!r}")


__all__ = [
    "ExecutionSummary",
    "Failure",
    "History",
    "HistoryBuilder",
    "HistoryEvent",
    "JsonText",
    "ScopeFrame",
    "StateSpan",
    "TaskAttempt",
    "attempts",
    "decode_json",
    "encode_json",
    "event_scopes",
    "events",
    "execution_summary",
    "failures",
    "spans",
]
