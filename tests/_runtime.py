"""Helpers the ``test_runtime_*.py`` modules share: machines of one state or one Task, Lambda ARNs, event types
and virtual-time offsets of an execution's history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sfnkit

ACCOUNT = "123456789012"
START = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC).timestamp()  # the virtual clock's default start


def arn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"


def types(ex: sfnkit.Execution) -> list[str]:
    return [e.type for e in ex.history]


def offsets(ex: sfnkit.Execution, event_type: str) -> list[float]:
    """Seconds since the execution started of every event of ``event_type``."""
    return [e.timestamp.timestamp() - ex.start_time for e in ex.history if e.type == event_type]


def task(name: str = "T", resource: str | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "StartAt": name,
        "States": {name: {"Type": "Task", "Resource": resource or arn("f"), "End": True, **fields}},
    }


def one(state: dict[str, Any], name: str = "S") -> dict[str, Any]:
    """A machine of one state (``End: true`` added unless the state is terminal by type)."""
    if state["Type"] not in ("Succeed", "Fail", "Choice") and "Next" not in state:
        state = {**state, "End": True}
    return {"StartAt": name, "States": {name: state}}


def raising(exc: BaseException) -> Callable[[Any], Any]:
    def handler(event: Any) -> Any:
        raise exc

    return handler


def chain(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """A branch (or ItemProcessor) of ``(name, state)`` pairs run in order: ``Next``/``End`` added."""
    names = [n for n, _ in states]
    body = {}
    for i, (n, s) in enumerate(states):
        s = dict(s)
        if s["Type"] not in ("Succeed", "Fail", "Choice"):
            s.setdefault("End", True) if i == len(states) - 1 else s.setdefault("Next", names[i + 1])
        body[n] = s
    return {"StartAt": names[0], "States": body}
