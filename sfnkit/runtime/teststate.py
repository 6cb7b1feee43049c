"""One state's data flow, stage by stage, in the kernel: what AWS's TestState API shows, for teaching and the
:class:`~sfnkit.widgets.DataFlow` playground.

AWS developer guide, "Using TestState" and "Processing input and output": a JSONPath state applies
``InputPath -> Parameters -> (task) -> ResultSelector -> ResultPath -> OutputPath``; a JSONata state
``Arguments -> (task) -> Output`` and ``Assign``. :func:`test_state` runs the state on its own, in a one-state
machine through the ordinary interpreter (so its output, status, error and cause are exactly what a run gives),
and computes the intermediate stages with the interpreter's own data-flow functions (:mod:`.dataflow`), so a
path that fails shows at the stage where it fails, with the error AWS would give. The stage names are TestState's
(``afterInputPath``, ``afterParameters``, ``result``, ``afterResultSelector``, ``afterResultPath``, ``output``;
``afterArguments`` and ``variables`` for JSONata).
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from sfnkit.asl import model as m
from sfnkit.asl.validate import load, validate
from sfnkit.runtime import dataflow as df
from sfnkit.runtime.execution import run
from sfnkit.runtime.scheduler import Failed

__all__ = ["MISSING", "Stage", "StateTest", "state_definition", "test_state"]

MISSING: Any = m.MISSING
#: The fields each stage comes from, JSONPath (state types that have them) and JSONata.
JSONPATH_STAGES = (
    ("afterInputPath", "InputPath"),
    ("afterParameters", "Parameters"),
    ("result", "Result"),
    ("afterResultSelector", "ResultSelector"),
    ("afterResultPath", "ResultPath"),
    ("output", "OutputPath"),
)
JSONATA_STAGES = (("afterArguments", "Arguments"), ("result", "Result"), ("output", "Output"), ("variables", "Assign"))
_LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:sfnkit-playground"
_DROP = ("Next", "End", "Retry", "Catch", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
         "HeartbeatSecondsPath", "Credentials", "Branches")  # fmt: skip
_HAS = {
    "Pass": {"InputPath", "Parameters", "Result", "ResultPath", "OutputPath", "Output", "Assign"},
    "Task": {"InputPath", "Parameters", "Result", "ResultSelector", "ResultPath", "OutputPath", "Arguments", "Output",
             "Assign"},
    "Choice": {"InputPath", "OutputPath", "Output", "Assign"},
    "Wait": {"InputPath", "OutputPath", "Output", "Assign"},
    "Succeed": {"InputPath", "OutputPath", "Output"},
    "Fail": set(),
}  # fmt: skip
_HAS["Parallel"] = _HAS["Task"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Stage:
    """One step of the data flow: the field that made it, its expression, and the value (or the error)."""

    name: str
    field: str | None
    expression: Any = MISSING  # the field as written, MISSING when the state leaves it at its default
    value: Any = None
    status: str = "ok"  # "ok" | "failed" | "skipped" (after a failure) | "absent" (the state type has no such field)
    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StateTest:
    """What :func:`test_state` found: every stage, and the state's outcome as a run gives it."""

    state_name: str
    state_type: str
    query_language: str
    stages: tuple[Stage, ...]
    status: str  # "SUCCEEDED" | "FAILED" | "INVALID" (the definition itself is rejected)
    output: Any = None
    error: str | None = None
    cause: str | None = None
    next_state: str | None = None
    definition: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def stage(self, name: str) -> Stage:
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(f"no stage {name!r}; stages: {', '.join(s.name for s in self.stages)}")


def state_definition(state: Any) -> tuple[str, dict[str, Any]]:
    """A state's name and its definition as a fresh dict, from any form :func:`test_state` takes."""
    if isinstance(state, m.State):
        return state.name, copy.deepcopy(dict(state.raw))
    to_definition = getattr(state, "to_state_definition", None)
    if callable(to_definition):  # a sfnkit.build state (duck-typed: the runtime never imports the builder)
        return str(state.name), to_definition()
    if isinstance(state, Mapping):
        return "State", json.loads(json.dumps(dict(state)))
    raise TypeError(
        f"test_state takes a state (a dict, a StateMachine's state or a sfnkit.build state), got {type(state).__name__}"
    )


def single_state_machine(name: str, st: Mapping[str, Any], query_language: str | None) -> dict[str, Any]:
    """The state alone in a machine: its transitions, retriers and catchers removed, a Task's resource (and a
    Parallel's branches) replaced by one function whose result the caller chooses."""
    typ = st.get("Type")
    out = {k: v for k, v in st.items() if k not in _DROP}
    if typ in ("Task", "Parallel"):
        out["Type"] = "Task"
        out["Resource"] = _LAMBDA
    states: dict[str, Any] = {name: out}
    if typ == "Choice":
        for target in [r.get("Next") for r in st.get("Choices") or () if isinstance(r, dict)] + [st.get("Default")]:
            if isinstance(target, str) and target != name:
                states[target] = {"Type": "Succeed"}
    elif typ not in ("Succeed", "Fail"):
        out["End"] = True
    d: dict[str, Any] = {"StartAt": name, "States": states}
    if query_language:
        d["QueryLanguage"] = query_language
    return d


def test_state(
    state: Any, input: Any = None, *, result: Any = MISSING, name: str | None = None, query_language: str | None = None
) -> StateTest:
    """Run one state on ``input``; a Task (or Parallel) returns ``result`` (default: what it was given).

    ``state`` is a state's definition (a dict), a state of a loaded machine (``sm.find("Name")``) or a
    :mod:`sfnkit.build` state; ``query_language`` is the machine's (a state without ``QueryLanguage`` inherits it).
    Map states are not supported (their stages run per item).
    """
    sname, st = state_definition(state)
    sname = name or sname
    typ = st.get("Type")
    if typ == "Map":
        raise ValueError(
            "test_state covers Pass, Task, Parallel, Choice, Wait, Succeed and Fail states; a Map's "
            "stages run once per item: test its ItemProcessor's states instead"
        )
    if typ not in _HAS:
        raise ValueError(f'a state needs a "Type" (Pass, Task, Choice, ...), got {typ!r}')
    definition = single_state_machine(sname, st, query_language)
    ql = st.get("QueryLanguage") or query_language or "JSONPath"
    data = {} if input is None else json.loads(json.dumps(input))
    diags = [d for d in validate(definition) if d.severity == "ERROR"]
    if diags:
        return _invalid(sname, str(typ), str(ql), st, data, diags, definition)
    sm = load(definition)
    calls: list[Any] = []

    def handler(event: Any) -> Any:
        calls.append(event)
        return copy.deepcopy(event if result is MISSING else result)

    ex = run(sm, data, resources={_LAMBDA: handler})
    visit = ex.visits[0] if ex.visits else None
    if ql == "JSONata":
        stages = _jsonata_stages(st, str(typ), visit, ex, calls, definition, sname, data, result)
    else:
        stages = _jsonpath_stages(sm.find(sname), st, data, result, ex)
    nxt = visit.stages.get("next") if visit is not None else None
    return StateTest(
        state_name=sname,
        state_type=str(typ),
        query_language=str(ql),
        stages=tuple(stages),
        status="SUCCEEDED" if ex.status == "SUCCEEDED" else "FAILED",
        output=ex.output,
        error=ex.error,
        cause=ex.cause,
        next_state=nxt if isinstance(nxt, str) else None,
        definition=definition,
    )


def _invalid(
    sname: str, typ: str, ql: str, st: Mapping[str, Any], data: Any, diags: list[Any], definition: Mapping[str, Any]
) -> StateTest:
    cause = "; ".join(f"{d.location}: {d.message}" for d in diags)
    table = JSONATA_STAGES if ql == "JSONata" else JSONPATH_STAGES
    stages = [Stage(name="input", field=None, value=data)]
    failed = False
    for stage, fld in table:
        hit = any(d.location.split("/")[3:4] == [fld] for d in diags)
        if fld not in _HAS[typ]:
            stages.append(Stage(name=stage, field=fld, status="absent"))
        elif hit and not failed:
            failed = True
            stages.append(
                Stage(
                    name=stage,
                    field=fld,
                    expression=st.get(fld, MISSING),
                    status="failed",
                    error="InvalidDefinition",
                    cause=cause,
                )
            )
        else:
            stages.append(Stage(name=stage, field=fld, expression=st.get(fld, MISSING), status="skipped"))
    return StateTest(
        state_name=sname,
        state_type=typ,
        query_language=ql,
        stages=tuple(stages),
        status="INVALID",
        error="InvalidDefinition",
        cause=cause,
        definition=definition,
    )


def _context(ex: Any, name: str, data: Any) -> dict[str, Any]:
    from datetime import datetime

    started = datetime.fromtimestamp(ex.start_time, tz=UTC).isoformat(timespec="milliseconds")
    started = started.replace("+00:00", "Z")
    return {
        "Execution": {"Id": ex.arn, "Input": data, "Name": ex.name, "RoleArn": ex.role_arn, "StartTime": started},
        "State": {"EnteredTime": started, "Name": name, "RetryCount": 0},
        "StateMachine": {"Id": ex.state_machine_arn, "Name": ex.state_machine_arn.rsplit(":", 1)[-1]},
    }


def _jsonpath_stages(st: Any, raw: Mapping[str, Any], data: Any, result: Any, ex: Any) -> list[Stage]:
    """The stages, computed with the interpreter's own functions; the first failure carries the run's error."""
    typ = raw["Type"]
    has = _HAS[typ]
    ctx = _context(ex, st.name, data)
    rng = random.Random(0)
    variables: dict[str, Any] = {}
    stages = [Stage(name="input", field=None, value=data)]
    failure: tuple[str, str | None] | None = None

    def run_error(f: Failed) -> tuple[str, str | None]:
        return (ex.error, ex.cause) if ex.status == "FAILED" and ex.error else (f.error, f.cause)

    value = data
    eff = data
    for stage, fld in JSONPATH_STAGES:
        if fld not in has or (fld == "Result" and typ not in ("Pass", "Task", "Parallel")):
            stages.append(Stage(name=stage, field=fld, status="absent"))
            continue
        expr = raw.get(fld, MISSING)
        shown: str | None = None if fld == "Result" and typ != "Pass" else fld  # a task's result is the task's
        if failure is not None:
            stages.append(Stage(name=stage, field=shown, expression=expr, status="skipped"))
            continue
        try:
            if stage == "afterInputPath":
                value = eff = df.apply_input_path(st.input_path, data, ctx, variables)
            elif stage == "afterParameters":
                if st.has_parameters:
                    value = df.evaluate_template(st.parameters, eff, ctx, variables, rng)
            elif stage == "result":
                if typ == "Pass":
                    value = st.result if st.has_result else value
                elif result is not MISSING:
                    value = copy.deepcopy(result)
            elif stage == "afterResultSelector":
                if st.has_result_selector:
                    value = df.evaluate_template(st.result_selector, value, ctx, variables, rng)
            elif stage == "afterResultPath":
                value = df.apply_result_path(st.result_path, data, value) if "ResultPath" in has else value
            elif stage == "output":
                value = df.apply_output_path(st.output_path, value, ctx, variables)
            stages.append(Stage(name=stage, field=shown, expression=expr, value=value))
        except Failed as f:
            failure = run_error(f)
            stages.append(
                Stage(name=stage, field=shown, expression=expr, status="failed", error=failure[0], cause=failure[1])
            )
    if failure is None and ex.status == "SUCCEEDED" and stages[-1].status == "ok":
        # the run is the authority on the output (it also checks payload sizes and the like)
        stages[-1] = Stage(
            name="output", field="OutputPath", expression=raw.get("OutputPath", MISSING), value=ex.output
        )
    elif failure is None and ex.status == "FAILED":  # failed outside the stages (Fail state, size limits)
        last = stages[-1]
        stages[-1] = Stage(
            name=last.name,
            field=last.field,
            expression=last.expression,
            status="failed",
            error=ex.error,
            cause=ex.cause,
        )
    return stages


def _jsonata_stages(
    raw: Mapping[str, Any],
    typ: str,
    visit: Any,
    ex: Any,
    calls: list[Any],
    definition: Mapping[str, Any],
    sname: str,
    data: Any,
    result: Any,
) -> list[Stage]:
    """JSONata stages from the run itself; when it fails, rerun without the later fields to find the culprit."""
    has = _HAS[typ]
    culprit = None
    if ex.status == "FAILED":
        culprit = _jsonata_culprit(definition, sname, data, result, has)
    stages = [Stage(name="input", field=None, value=data)]
    failed = False
    recorded = visit.stages if visit is not None else {}
    for stage, fld in JSONATA_STAGES:
        if fld not in has or (fld == "Result" and typ not in ("Pass", "Task", "Parallel")):
            stages.append(Stage(name=stage, field=fld, status="absent"))
            continue
        expr = raw.get(fld, MISSING)
        shown: str | None = None if fld == "Result" else fld  # JSONata has no Result field: the task gives it
        if failed:
            stages.append(Stage(name=stage, field=shown, expression=expr, status="skipped"))
        elif fld == culprit:
            failed = True
            stages.append(
                Stage(name=stage, field=shown, expression=expr, status="failed", error=ex.error, cause=ex.cause)
            )
        elif stage == "afterArguments":
            stages.append(Stage(name=stage, field=shown, expression=expr, value=calls[0] if calls else data))
        elif stage == "result":
            value = recorded.get("result", calls[0] if calls and result is MISSING else result)
            stages.append(Stage(name=stage, field=shown, expression=expr, value=value))
        elif stage == "output":
            stages.append(Stage(name=stage, field=shown, expression=expr, value=ex.output))
        else:
            stages.append(
                Stage(
                    name=stage,
                    field=fld,
                    expression=expr,
                    value=dict(visit.variables or {}) if visit is not None else {},
                )
            )
    return stages


def _jsonata_culprit(definition: Mapping[str, Any], sname: str, data: Any, result: Any, has: set[str]) -> str | None:
    order = [f for f in ("Arguments", "Output", "Assign") if f in has and f in definition["States"][sname]]
    for i, fld in enumerate(order):
        trial = json.loads(json.dumps(definition))
        for later in order[i + 1 :]:
            trial["States"][sname].pop(later, None)
        ex = run(load(trial), data, resources={_LAMBDA: lambda e: e if result is MISSING else result})
        if ex.status == "FAILED":
            return fld
    return None


test_state.__test__ = False  # type: ignore[attr-defined]  # a library function, not a pytest test
