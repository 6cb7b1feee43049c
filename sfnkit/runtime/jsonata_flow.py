"""JSONata data flow of one state (AWS "Transforming data with JSONata in Step Functions").

In a JSONata state there is no InputPath/Parameters/ResultSelector/ResultPath/OutputPath. Instead:

* ``Arguments`` (Task, Parallel) is evaluated with ``$states.input`` and ``$states.context``;
* ``Output`` is evaluated with ``$states.input``, ``$states.context`` and, after a Task/Parallel/Map,
  ``$states.result`` (or ``$states.errorOutput`` in a Catch); without ``Output`` a state passes on its result,
  or its input when it has none;
* ``Assign`` sees the same ``$states`` and the variables as they were *before* the state assigns any, so
  ``Output`` and ``Assign`` of one state never see each other's effects.

A failed evaluation is a ``States.QueryEvaluationError``: AWS records an ``EvaluationFailed`` event (pointing
at the event before the state's Entered event, with the field as ``location``) and fails the state.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any, Protocol

from sfnkit import messages as msg
from sfnkit.asl import jsonata
from sfnkit.asl import model as m
from sfnkit.errors import QUERY_EVALUATION_ERROR, RUNTIME, StatesError
from sfnkit.history import events as ev
from sfnkit.runtime import dataflow as df
from sfnkit.runtime.scheduler import Branch, Failed

__all__ = ["Host", "JsonataFlow"]


class Host(Protocol):
    """What the JSONata flow needs of the interpreter that holds it."""

    clock: Any
    rng: Any

    def record(self, branch: Branch, type: str, details: dict[str, Any] | None = None) -> int: ...


class JsonataFlow:
    """The JSONata fields of the states of one execution, evaluated with AWS's error reporting. Held by
    :class:`~sfnkit.runtime.interpreter.Interpreter` as ``jn``; records ``EvaluationFailed`` through its host's
    ``record`` (looked up on each failure, so a wrapper set on the host sees these events too)."""

    __slots__ = ("host",)

    def __init__(self, host: Host) -> None:
        self.host = weakref.proxy(host)  # the host holds this object: no strong reference back (no cycle)

    # -- evaluation with AWS's error reporting ------------------------------------------------------------
    def evaluate(self, st: m.State, eid: int, branch: Branch, value: Any, field: str, states: Mapping[str, Any]) -> Any:
        """Evaluate a JSONata payload (``{% %}`` strings anywhere inside ``value``)."""
        try:
            return jsonata.evaluate_tree(
                value,
                states=states,
                variables=branch.variables,
                field=field,
                rng=self.host.rng,
                now_ms=int(self.host.clock.now() * 1000),
            )
        except StatesError as e:
            raise self.evaluation_failed(
                st, eid, branch, e.error, e.cause or "", getattr(e, "field", None) or field
            ) from None

    def evaluation_failed(
        self,
        st: m.State,
        eid: int,
        branch: Branch,
        error: str,
        cause: str,
        location: str | None,
        *,
        after_entered: bool = False,
    ) -> Failed:
        """Record ``EvaluationFailed`` and return the failure to raise (prefixed the way AWS words it)."""
        cause = msg.in_state(st.name, eid, cause)
        details: dict[str, Any] = {"error": error, "cause": cause, "state": st.name}
        if location:
            details["location"] = location
        # AWS links EvaluationFailed to the event *before* the state's Entered event (failed expressions, and
        # results of the wrong type), except where the recordings show a link to the Entered event itself:
        # a Wait whose Timestamp evaluates to a string that is no date (``after_entered``)
        if not after_entered:
            branch.prev = branch.entered_prev
        self.host.record(branch, ev.EVALUATION_FAILED, details)
        return Failed(error, cause, terminal=error == RUNTIME)

    def typed(
        self, st: m.State, eid: int, branch: Branch, value: Any, field: str, states: Mapping[str, Any], expected: str
    ) -> Any:
        """A JSONata field that must produce one type (``Items`` an array, ``TimeoutSeconds`` an integer...)."""
        result = self.evaluate(st, eid, branch, value, field, states)
        if isinstance(value, str) and jsonata.is_expression(value):
            try:
                return jsonata.expect_type(result, expected, value, field)  # type: ignore[arg-type]
            except StatesError as e:
                raise self.evaluation_failed(st, eid, branch, e.error, e.cause or "", field) from None
        return result

    def assign(
        self,
        st: m.State,
        eid: int,
        branch: Branch,
        assign: Mapping[str, Any] | None,
        states: Mapping[str, Any],
        field: str = "Assign",
    ) -> dict[str, Any] | None:
        """Evaluate ``Assign`` against the variables as they were, then replace the branch's variables."""
        if assign is None:
            return None
        new = self.evaluate(st, eid, branch, assign, field, states)
        df.check_variable_sizes(st, new)
        branch.variables = {**branch.variables, **new}
        return dict(new)

    def output(
        self,
        st: Any,
        eid: int,
        branch: Branch,
        states: Mapping[str, Any],
        default: Any,
        holder: Any = None,
        field: str = "Output",
    ) -> Any:
        """``Output`` of ``holder`` (the state, a Choice rule or a catcher), or ``default`` when it has none."""
        holder = st if holder is None else holder
        if holder.has_output:
            return self.evaluate(st, eid, branch, holder.output, field, states)
        return default

    def array_input(self, st: m.State, eid: int, branch: Branch, data: Any) -> list[Any]:
        if not isinstance(data, list):
            shown = df.json_text(data)
            raise self.evaluation_failed(st, eid, branch, QUERY_EVALUATION_ERROR, msg.map_input_not_array(shown), None)
        return data

    def seconds(self, st: m.State, eid: int, branch: Branch, value: Any, field: str, states: Any) -> float | None:
        """A JSONata ``TimeoutSeconds``/``HeartbeatSeconds``: an integer, as float seconds (None when absent)."""
        if value is None:
            return None
        return float(self.typed(st, eid, branch, value, field, states, "integer"))
