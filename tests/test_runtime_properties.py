"""Hypothesis properties of the interpreter over random small state machines.

Machines are chains of Pass, Choice, Wait, Task, Parallel and Map states (nested up to two levels), with
Retry (sometimes with full jitter), Catch, task timeouts and an occasional execution timeout; task handlers
fail at random (decided by the drawn plan, so a re-run behaves the same). For every machine:

* event ids are contiguous from 1 and every ``previousEventId`` is smaller than its event's id;
* timestamps never go backwards;
* the history ends with exactly one ``Execution*`` terminal event, matching ``Execution.status``;
* every entered state exits (or is aborted) unless its branch of work ended there;
* the same seed gives an identical history (``to_boto()`` equal);
* ``History.from_boto(h.to_boto()) == h`` (and from its JSON text).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sfnkit
from sfnkit import History, TaskCall, TaskFailure, virtual_sleep

ARN = "arn:aws:lambda:us-east-1:123456789012:function:work"
TERMINAL = frozenset({"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"})
STATUS_OF = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionAborted": "ABORTED",
}
LEAF_TYPES = ("Pass", "Wait", "Task", "Choice", "Succeed", "Fail")
# events a leaf state writes between its ...StateEntered and its ...StateExited
TASK_EVENTS = frozenset(
    {
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionSucceeded",
        "LambdaFunctionFailed",
        "LambdaFunctionTimedOut",
        "LambdaFunctionScheduleFailed",
        "LambdaFunctionStartFailed",
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
        "TaskFailed",
        "TaskTimedOut",
        "ActivityScheduled",
        "ActivityStarted",
        "ActivitySucceeded",
        "ActivityFailed",
        "ActivityTimedOut",
    }
)
FAILURE_EVENTS = frozenset(
    {
        "LambdaFunctionFailed",
        "LambdaFunctionTimedOut",
        "TaskFailed",
        "TaskTimedOut",
        "ActivityFailed",
        "ActivityTimedOut",
    }
)


@dataclass
class Plan:
    """What the handler does, per task state: for each attempt, fail (and how) or succeed, and how long."""

    outcomes: dict[str, list[str]] = field(default_factory=dict)  # "ok" | "raise" | "task_failure"
    sleeps: dict[str, float] = field(default_factory=dict)

    def handler(self) -> Callable[[TaskCall], Any]:
        def work(call: TaskCall) -> Any:
            outcomes = self.outcomes[call.state_name]
            outcome = outcomes[min(call.attempt, len(outcomes) - 1)]
            virtual_sleep(self.sleeps[call.state_name])
            if outcome == "raise":
                raise ValueError(f"{call.state_name} attempt {call.attempt}")
            if outcome == "task_failure":
                raise TaskFailure("Work.Failed", f"{call.state_name} attempt {call.attempt}")
            return {"by": call.state_name, "attempt": call.attempt}

        return work


@dataclass
class Built:
    definition: dict[str, Any]
    plan: Plan
    top_level: frozenset[str]
    state_types: dict[str, str]


@st.composite
def machines(draw: st.DrawFn) -> Built:
    counter = itertools.count()
    plan = Plan()
    state_types: dict[str, str] = {}

    def name(kind: str) -> str:
        n = f"{kind}{next(counter)}"
        state_types[n] = kind
        return n

    def retry() -> list[dict[str, Any]]:
        if not draw(st.booleans()):
            return []
        r: dict[str, Any] = {
            "ErrorEquals": [
                draw(
                    st.sampled_from(["States.ALL", "States.TaskFailed", "Work.Failed", "ValueError", "States.Timeout"])
                )
            ],
            "MaxAttempts": draw(st.integers(0, 2)),
            "IntervalSeconds": draw(st.integers(1, 3)),
            "BackoffRate": draw(st.sampled_from([1, 1.5, 2])),
        }
        if draw(st.booleans()):
            r["JitterStrategy"] = "FULL"
        return [r]

    def chain(depth: int) -> dict[str, Any]:
        kinds = draw(
            st.lists(
                st.sampled_from(["Pass", "Wait", "Task", "Choice"] + (["Parallel", "Map"] if depth < 2 else [])),
                min_size=1,
                max_size=3 if depth else 4,
            )
        )
        names = [name(k) for k in kinds]
        states: dict[str, Any] = {}
        ending = draw(st.sampled_from(["End", "Succeed", "Fail"]))
        if ending != "End" or kinds[-1] == "Choice":
            names.append(name("Fail" if ending == "Fail" else "Succeed"))
            kinds.append(state_types[names[-1]])
        for i, (kind, n) in enumerate(zip(kinds, names, strict=True)):
            nxt = names[i + 1] if i + 1 < len(names) else None
            s: dict[str, Any] = {"Type": kind}
            if kind == "Pass":
                if draw(st.booleans()):
                    s["Result"] = {"v": draw(st.integers(0, 9))}
                    s["ResultPath"] = "$.r"
            elif kind == "Wait":
                s["Seconds"] = draw(st.integers(0, 3))
            elif kind == "Task":
                s["Resource"] = ARN
                s["ResultPath"] = "$.r"
                plan.outcomes[n] = draw(
                    st.lists(st.sampled_from(["ok", "ok", "raise", "task_failure"]), min_size=1, max_size=3)
                )
                plan.sleeps[n] = draw(st.sampled_from([0, 0, 1, 4]))
                if draw(st.booleans()):
                    s["TimeoutSeconds"] = draw(st.integers(1, 5))
            elif kind == "Choice":
                assert nxt is not None
                other = name(draw(st.sampled_from(["Succeed", "Fail"])))
                states[other] = {"Type": state_types[other]}
                if state_types[other] == "Fail":
                    states[other].update(Error="Chose.Fail", Cause="by choice")
                cond = {"Variable": "$.k", "NumericGreaterThan": draw(st.integers(0, 5))}
                rule = {"Not": cond, "Next": nxt} if draw(st.booleans()) else {**cond, "Next": nxt}
                s["Choices"] = [rule]
                s["Default"] = other
            elif kind == "Parallel":
                s["Branches"] = [chain(depth + 1) for _ in range(draw(st.integers(1, 2)))]
                s["ResultPath"] = "$.p"
            elif kind == "Map":
                s["ItemsPath"] = "$.items"
                s["ItemSelector"] = {"k.$": "$$.Map.Item.Value", "items": []}
                s["ItemProcessor"] = chain(depth + 1)
                s["ResultPath"] = "$.m"
                if draw(st.booleans()):
                    s["MaxConcurrency"] = draw(st.integers(1, 2))
            elif kind == "Fail":
                s.update(Error="Chain.Fail", Cause="end of chain")
            if kind in ("Task", "Parallel", "Map"):
                if r := retry():
                    s["Retry"] = r
                if nxt is not None and draw(st.booleans()):
                    s["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": nxt}]
            if kind not in ("Choice", "Succeed", "Fail"):
                if nxt is None:
                    s["End"] = True
                else:
                    s["Next"] = nxt
            states[n] = s
        return {"StartAt": names[0], "States": states}

    body = chain(0)
    definition: dict[str, Any] = dict(body)
    if draw(st.integers(0, 4)) == 0:
        definition["TimeoutSeconds"] = draw(st.integers(1, 10))
    return Built(definition, plan, frozenset(body["States"]), state_types)


inputs = st.fixed_dictionaries(
    {"k": st.integers(0, 6), "items": st.lists(st.integers(0, 6), min_size=1, max_size=3) | st.just([])}
)


def run(built: Built, data: Any, seed: int) -> sfnkit.Execution:
    return sfnkit.run(built.definition, data, resources={"work": built.plan.handler()}, seed=seed)


# ---------------------------------------------------------------------------------------------------------
# the checks


def check_ids(h: History) -> None:
    assert [e.id for e in h] == list(range(1, len(h) + 1))
    for e in h:
        assert 0 <= e.previous_event_id < e.id, (e.id, e.type, e.previous_event_id)


def check_time(h: History) -> None:
    stamps = [e.timestamp for e in h]
    assert stamps == sorted(stamps)


def check_terminal(ex: sfnkit.Execution) -> None:
    h = ex.history
    ends = [e for e in h if e.type in TERMINAL]
    assert len(ends) == 1
    assert ends[0] is h[-1] or ends[0].id == h[-1].id
    assert STATUS_OF[ends[0].type] == ex.status == h.status
    assert ex.done
    if ex.status == "SUCCEEDED":
        assert h[-1].output_value == ex.output
    else:
        assert ex.output is None


def children_of(h: History) -> dict[int, list[Any]]:
    children: dict[int, list[Any]] = {}
    for e in h:
        children.setdefault(e.previous_event_id, []).append(e)
    return children


def leaf_visit_closed(
    h: History, children: dict[int, list[Any]], entered_index: int, state_type: str
) -> tuple[bool, str]:
    """Follow a leaf state's own events from its ...StateEntered; return (closed, type of the last own event)."""
    cur = h[entered_index]
    closing = {f"{state_type}StateExited", f"{state_type}StateAborted"}
    while True:
        nxt = [e for e in children.get(cur.id, []) if e.type in TASK_EVENTS or e.type in closing]
        if not nxt:
            # AWS links the "aborted" events of a failed Parallel/Map's other branches to the failing branch's
            # last event, not to the aborted state's own events: look for one among the later events
            aborted = f"{state_type}StateAborted"
            if any(x.type == aborted for x in h[entered_index + 1 :]):
                return True, aborted
            return False, cur.type
        (cur,) = nxt[:1]
        if cur.type in closing:
            return True, cur.type


def check_states_close(ex: sfnkit.Execution, built: Built) -> None:
    h = ex.history
    # never more exits than entries of a state, at any point of the history
    open_count: dict[str, int] = {}
    for e in h:
        if e.type.endswith("StateEntered"):
            open_count[e.state_name or ""] = open_count.get(e.state_name or "", 0) + 1
        elif e.type.endswith("StateExited"):
            n = e.state_name or ""
            open_count[n] = open_count.get(n, 0) - 1
            assert open_count[n] >= 0, f"{n} exited more often than entered"
    # leaf states: each visit exits or is aborted, unless its thread ended there with a failure
    children = children_of(h)
    for i, e in enumerate(h):
        if not e.type.endswith("StateEntered"):
            continue
        kind = e.type[: -len("StateEntered")]
        if kind not in LEAF_TYPES:
            continue
        closed, last = leaf_visit_closed(h, children, i, kind)
        if closed:
            continue
        ended_by_failure = kind == "Fail" or last in FAILURE_EVENTS
        if e.state_name in built.top_level:
            # a top-level visit that did not exit ended the execution
            assert ex.status != "SUCCEEDED", f"top-level {e.state_name} never exited in a successful run"
            later = [x for x in h[i + 1 :] if x.type.endswith("StateEntered") and x.state_name in built.top_level]
            assert not later, f"{e.state_name} did not exit but the top level went on to {later[0].state_name}"
        else:
            assert ended_by_failure or ex.status != "SUCCEEDED", (
                f"{e.state_name} (#{e.id}) neither exited nor failed, yet the run succeeded"
            )
    # a successful run exits every top-level state it entered
    if ex.status == "SUCCEEDED":
        top_entered = [e.state_name for e in h if e.type.endswith("StateEntered") and e.state_name in built.top_level]
        top_exited = [e.state_name for e in h if e.type.endswith("StateExited") and e.state_name in built.top_level]
        assert not [n for n in top_entered if built.state_types.get(n or "") == "Fail"]
        assert top_entered == top_exited


# ---------------------------------------------------------------------------------------------------------
# the properties


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(built=machines(), data=inputs, seed=st.integers(0, 2**16))
def test_random_machines_keep_the_history_invariants(built: Built, data: dict[str, Any], seed: int) -> None:
    ex = run(built, data, seed)
    h = ex.history
    check_ids(h)
    check_time(h)
    check_terminal(ex)
    check_states_close(ex, built)
    assert h[0].type == "ExecutionStarted"
    assert h[0].input_value == data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(built=machines(), data=inputs, seed=st.integers(0, 2**16))
def test_same_seed_gives_an_identical_history(built: Built, data: dict[str, Any], seed: int) -> None:
    a = run(built, data, seed)
    b = run(built, data, seed)
    assert a.history.to_boto() == b.history.to_boto()
    assert (a.status, a.output, a.error, a.cause) == (b.status, b.output, b.error, b.cause)
    assert a.name == b.name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(built=machines(), data=inputs, seed=st.integers(0, 2**16))
def test_history_round_trips_through_boto(built: Built, data: dict[str, Any], seed: int) -> None:
    h = run(built, data, seed).history
    assert History.from_boto(h.to_boto()) == h
    assert History.from_boto(h.to_json()) == h
    assert History.from_boto(h.to_boto()).to_boto() == h.to_boto()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(built=machines(), data=inputs, seed=st.integers(0, 2**16))
def test_stepping_reaches_the_same_end_as_running(built: Built, data: dict[str, Any], seed: int) -> None:
    """Stepping state by state ends the same way as running (same status, output and error)."""
    ran = run(built, data, seed)
    stepped = sfnkit.start(built.definition, data, resources={"work": built.plan.handler()}, seed=seed)
    for _ in range(10_000):
        if stepped.done:
            break
        stepped.step()
    check_ids(stepped.history)
    check_terminal(stepped)
    assert (stepped.status, stepped.output, stepped.error) == (ran.status, ran.output, ran.error)
