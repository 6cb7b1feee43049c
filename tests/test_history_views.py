"""Derived views over histories: on every AWS-recorded history of the conformance cases, and on built ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sfnkit.history import History, HistoryBuilder, views
from sfnkit.history import events as et
from tests.conformance.harness import cases_dir

CASES = cases_dir()
T0 = 1_700_000_000


def _case_files() -> list[Path]:
    if not CASES.is_dir():
        return []
    return sorted(p for p in CASES.glob("*.json") if json.loads(p.read_text())["expected"].get("events_full"))


def recorded_events(events_full: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A recording's ``events_full`` made into GetExecutionHistory events.

    The recordings removed timestamps (we add them, 1 s apart) and decoded JSON causes (AWS's ``cause`` is a
    string). In the cases recorded with ``events_order: parallel_sorted`` the events inside Parallel states
    were sorted and lost their ids (``[0]``) and links (``previousEventId`` 0); those are renumbered 1..n and
    their links to lost ids become 0, so only the structure that survived the recording can be checked there.
    """
    events = [dict(e) for e in events_full]
    if any(not isinstance(e["id"], int) for e in events):
        renumbered = {e["id"]: i for i, e in enumerate(events, 1) if isinstance(e["id"], int)}
        for i, e in enumerate(events, 1):
            e["id"] = i
        for e in events:
            e["previousEventId"] = renumbered.get(e["previousEventId"], 0)
    for i, e in enumerate(events):
        e["timestamp"] = T0 + i
        for key, value in list(e.items()):
            if key.endswith("EventDetails") and "cause" in value and not isinstance(value["cause"], str):
                e[key] = {**value, "cause": json.dumps(value["cause"])}
    return events


def load_case(name: str) -> tuple[dict[str, Any], History]:
    case = json.loads((CASES / name).read_text())
    return case, History.from_boto(recorded_events(case["expected"]["events_full"]))


def _is_json(text: str | None) -> bool:
    try:
        json.loads(text or "")
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------------------------
# every recorded history


@pytest.mark.skipif(not CASES.is_dir(), reason=f"conformance cases not found at {CASES}")
def test_there_are_recorded_histories() -> None:
    assert len(_case_files()) >= 300


@pytest.mark.parametrize("path", _case_files(), ids=lambda p: p.stem[:90])
def test_every_recorded_history_loads_and_views(path: Path) -> None:
    case = json.loads(path.read_text())
    expected = case["expected"]
    h = History.from_boto(recorded_events(expected["events_full"]))
    assert [e.type for e in h] == expected["events"]
    assert History.from_boto(h.to_boto()) == h
    assert History.from_boto(h.to_json()) == h

    summary = views.execution_summary(h)
    assert summary.status == expected["status"]
    assert summary.started_at is not None and summary.event_count == len(h)
    if expected["status"] == "SUCCEEDED":
        if _is_json(summary.output_json):  # a few recordings replaced the output by a placeholder
            assert summary.output == expected["output"]
    elif expected["status"] == "FAILED":
        assert summary.error == expected["error"]
        assert summary.output_json is None

    spans = views.spans(h)
    assert len(spans) == sum(1 for e in h if e.type in et.STATE_ENTERED_TYPES)
    for span in spans:
        assert span.status in ("succeeded", "caught", "failed", "aborted")  # every recording is finished
        assert span.ended_event_id is not None and span.ended_event_id >= span.entered_event_id
        assert span.ended_at is not None and span.ended_at >= span.entered_at
        assert span.event_ids[0] == span.entered_event_id
        assert (span.exited_event_id is None) == (span.status not in ("succeeded", "caught"))
        if span.exited_event_id is not None:
            assert span.output_json == h.get(span.exited_event_id).output_json  # type: ignore[union-attr]
        assert span.input_json == h.get(span.entered_event_id).input_json  # type: ignore[union-attr]
    scopes = views.event_scopes(h)
    assert len(scopes) == len(h)
    for attempt in views.attempts(h):
        assert attempt.status in ("succeeded", "failed", "timed_out", "aborted")
        if case["events_order"] == "as_recorded":
            assert attempt.state_name is not None and attempt.span_entered_event_id is not None
    for failure in views.failures(h):
        assert failure.outcome in ("retried", "caught", "tolerated", "propagated", "terminal")

    if case["events_order"] == "as_recorded":
        # the scope derived from previousEventId agrees with what the Map iteration events say
        for event, scope in zip(h, scopes, strict=True):
            if event.type in et.MAP_ITERATION_TYPES:
                assert scope and scope[-1].kind == "map", (event, scope)
                assert (scope[-1].state_name, scope[-1].index) == (event.map_name, event.map_index)
        # a state inside a Map/Parallel is inside one that was entered before it and ended after it
        by_entered = {s.entered_event_id: s for s in spans}
        for span in spans:
            if span.scope:
                parent = by_entered[span.scope[-1].entered_event_id]
                assert parent.state_type == {"map": "Map", "parallel": "Parallel"}[span.scope[-1].kind]
                assert parent.name == span.scope[-1].state_name
                assert parent.entered_event_id < span.entered_event_id <= parent.ended_event_id  # type: ignore[operator]


def test_views_are_computed_once() -> None:
    h = sequential_map_with_catch()
    assert views.spans(h) is views.spans(h)
    assert views.failures(h) is views.failures(h)


# ---------------------------------------------------------------------------------------------------------
# chosen recordings, exactly

needs_cases = pytest.mark.skipif(not CASES.is_dir(), reason=f"conformance cases not found at {CASES}")


def sequential_map_with_catch() -> History:
    return load_case(
        "test_error_output__test_map_catch_error__MAP_CATCH_ERROR_OUTPUT__get_execution_history__cc3439e0.json"
    )[1]


@needs_cases
def test_map_iterations_in_sequence_with_catch() -> None:
    h = sequential_map_with_catch()
    assert [(s.path, s.status, s.entered_event_id, s.ended_event_id, s.error) for s in views.spans(h)] == [
        ("ProcessItems", "succeeded", 2, 32, None),
        ("ProcessItems[0]/ProcessItem", "caught", 5, 9, "Exception"),
        ("ProcessItems[0]/Fallback", "succeeded", 10, 11, None),
        ("ProcessItems[1]/ProcessItem", "caught", 14, 18, "Exception"),
        ("ProcessItems[1]/Fallback", "succeeded", 19, 20, None),
        ("ProcessItems[2]/ProcessItem", "caught", 23, 27, "Exception"),
        ("ProcessItems[2]/Fallback", "succeeded", 28, 29, None),
    ]
    fallback = views.spans(h)[2]
    assert fallback.iteration == 0 and fallback.branch is None and fallback.parent_entered_event_id == 2
    assert fallback.input["stateError"]["Error"] == "Exception"
    assert fallback.input["stateInput"] == 1
    assert fallback.scope[0].started_event_id == 3 and fallback.scope[0].first_event_id == 4
    assert [(f.event_id, f.type, f.error, f.state_name, f.outcome) for f in views.failures(h)] == [
        (8, "TaskFailed", "Exception", "ProcessItem", "caught"),
        (17, "TaskFailed", "Exception", "ProcessItem", "caught"),
        (26, "TaskFailed", "Exception", "ProcessItem", "caught"),
    ]
    # MapIterationStarted #13 points at #11 (the last event of iteration 0), yet starts iteration 1
    assert h.get(13).previous_event_id == 11  # type: ignore[union-attr]
    assert [str(s[-1]) if s else "" for s in views.event_scopes(h)][10:14] == [
        "ProcessItems[0]",
        "ProcessItems[0]",
        "ProcessItems[1]",
        "ProcessItems[1]",
    ]
    assert views.execution_summary(h).status == "SUCCEEDED"


@needs_cases
def test_map_iterations_concurrently_timing_out() -> None:
    _, h = load_case("test_timeouts__test_service_lambda_map_timeout__get_execution_history__1295a064.json")
    assert [(s.path, s.status, s.entered_event_id, s.ended_event_id, s.error) for s in views.spans(h)] == [
        ("MapWait", "failed", 2, 32, "States.Timeout"),
        ("MapWait[0]/LambdaInvoke", "failed", 8, 25, "States.Timeout"),
        ("MapWait[1]/LambdaInvoke", "failed", 10, 27, "States.Timeout"),
        ("MapWait[2]/LambdaInvoke", "failed", 12, 29, "States.Timeout"),
        ("MapWait[3]/LambdaInvoke", "failed", 14, 31, "States.Timeout"),
    ]
    # every abort points at event 20 (the first time-out); each still lands in its own iteration
    assert {h.get(i).previous_event_id for i in range(24, 32)} == {20}  # type: ignore[union-attr]
    scopes = views.event_scopes(h)
    assert [str(scopes[i - 1][-1]) for i in (4, 5, 6, 7, 16, 17, 21, 22, 26, 28, 30)] == [
        "MapWait[0]",
        "MapWait[1]",
        "MapWait[2]",
        "MapWait[3]",
        "MapWait[0]",
        "MapWait[1]",
        "MapWait[2]",
        "MapWait[1]",
        "MapWait[1]",
        "MapWait[2]",
        "MapWait[3]",
    ]
    assert scopes[31] == () and scopes[32] == ()
    assert [(a.scheduled_event_id, a.started_event_id, a.ended_event_id, a.status) for a in views.attempts(h)] == [
        (9, 16, 20, "timed_out"),
        (11, 17, 22, "timed_out"),
        (13, 18, 21, "timed_out"),
        (15, 19, 23, "timed_out"),
    ]
    assert [(f.event_id, f.type, f.error, f.outcome) for f in views.failures(h)] == [
        (20, "TaskTimedOut", "States.Timeout", "propagated"),
        (21, "TaskTimedOut", "States.Timeout", "propagated"),
        (22, "TaskTimedOut", "States.Timeout", "propagated"),
        (23, "TaskTimedOut", "States.Timeout", "propagated"),
        (24, "MapIterationFailed", "States.Timeout", "propagated"),
        (32, "MapStateFailed", "States.Timeout", "propagated"),
        (33, "ExecutionFailed", "States.Timeout", "terminal"),
    ]
    summary = views.execution_summary(h)
    assert (summary.status, summary.error, summary.cause) == ("FAILED", "States.Timeout", None)
    assert summary.duration is not None and summary.duration.total_seconds() == 32  # events 1 s apart


@needs_cases
def test_parallel_retried_then_failed() -> None:
    _, h = load_case("test_base_scenarios__test_parallel_state_retry__get_execution_history__eaeb2030.json")
    spans = views.spans(h)
    assert [(s.path, s.status, s.entered_event_id, s.ended_event_id, s.error, s.retries) for s in spans] == [
        ("ParallelState", "failed", 2, 9, "FailureType", 2),
        ("ParallelState.Branches[0]/Branch1", "failed", 4, 4, None, 0),
        ("ParallelState.Branches[0]/Branch1", "failed", 6, 6, None, 0),
        ("ParallelState.Branches[0]/Branch1", "failed", 8, 8, "FailureType", 0),
    ]
    # the three runs of the Parallel are told apart by their ParallelStateStarted event
    assert [s.scope[0].started_event_id for s in spans[1:]] == [3, 5, 7]
    assert spans[0].event_ids == (2, 3, 5, 7, 9)
    assert spans[0].cause == "Cause description"
    assert [(f.event_id, f.type, f.outcome) for f in views.failures(h)] == [
        (9, "ParallelStateFailed", "propagated"),
        (10, "ExecutionFailed", "terminal"),
    ]


@needs_cases
def test_parallel_failure_caught() -> None:
    _, h = load_case(
        "test_callback__test_sqs_failure_in_wait_for_task_tok_no_error_field__SQS_PARALLEL_WAIT_FOR_TASK_TOKEN"
        "__get_execution_history__44fd5fc7.json"
    )
    assert [(s.path, s.status, s.entered_event_id, s.exited_event_id, s.ended_event_id) for s in views.spans(h)] == [
        ("ParallelJob", "caught", 2, 11, 11),
        ("ParallelJob.Branches[0]/SendMessageWithWait", "failed", 4, None, 9),
        ("CaughtStatesALL", "succeeded", 12, 13, 13),
    ]
    (attempt,) = views.attempts(h)
    assert (attempt.kind, attempt.resource, attempt.resource_type, attempt.status) == (
        "task",
        "sendMessage.waitForTaskToken",
        "sqs",
        "failed",
    )
    assert attempt.input == {"MessageBody": attempt.input["MessageBody"], "QueueUrl": "<sqs_queue_url>"}
    assert [(f.event_id, f.type, f.outcome) for f in views.failures(h)] == [
        (8, "TaskFailed", "propagated"),
        (10, "ParallelStateFailed", "caught"),
    ]


@needs_cases
def test_lambda_retries_then_caught() -> None:
    _, h = load_case(
        "test_base_scenarios__test_lambda_invoke_with_retry_extended_input__get_execution_history__43098ca8.json"
    )
    task, handler = views.spans(h)
    assert (task.name, task.status, task.retries, task.error, task.exited_event_id) == (
        "InvokeLambdaWithRetry",
        "caught",
        3,
        "Exception",
        15,
    )
    assert task.event_ids == tuple(range(2, 16))
    assert (handler.name, handler.status) == ("HandleError", "succeeded")
    attempts = views.attempts(h)
    assert [
        (a.number, a.kind, a.status, a.scheduled_event_id, a.started_event_id, a.ended_event_id) for a in attempts
    ] == [
        (0, "lambda", "failed", 3, 4, 5),
        (1, "lambda", "failed", 6, 7, 8),
        (2, "lambda", "failed", 9, 10, 11),
        (3, "lambda", "failed", 12, 13, 14),
    ]
    assert all(a.error == "Exception" and "Some exception" not in (a.resource or "") for a in attempts)
    assert json.loads(attempts[0].cause or "")["errorType"] == "Exception"
    assert attempts[0].duration is not None and attempts[0].duration.total_seconds() == 2
    assert [f.outcome for f in views.failures(h)] == ["retried", "retried", "retried", "caught"]


# ---------------------------------------------------------------------------------------------------------
# built histories: what the recordings do not show


class Events:
    """Writes a history the way AWS links events; each call returns the new event id."""

    def __init__(self) -> None:
        self.builder = HistoryBuilder()
        self.t = float(T0)

    def __call__(self, type_: str, previous: int, **details: Any) -> int:
        self.t += 1
        return self.builder.add(type_, previous, self.t, details or None)

    def history(self) -> History:
        return self.builder.build()


def test_map_inside_a_parallel_branch() -> None:
    ev = Events()
    ev("ExecutionStarted", 0, input={}, roleArn="r")
    fan = ev("ParallelStateEntered", 0, name="Fan", input={})
    started = ev("ParallelStateStarted", fan)
    a1 = ev("PassStateEntered", started, name="A1", input={})
    loop = ev("MapStateEntered", started, name="Loop", input={})
    ev("PassStateExited", a1, name="A1", output={})
    map_started = ev("MapStateStarted", loop, length=2)
    i0 = ev("MapIterationStarted", map_started, name="Loop", index=0)
    i1 = ev("MapIterationStarted", map_started, name="Loop", index=1)
    w0 = ev("TaskStateEntered", i0, name="Work", input=0)
    w1 = ev("TaskStateEntered", i1, name="Work", input=1)
    s0 = ev("TaskScheduled", w0, resourceType="lambda", resource="invoke", region="us-east-1", parameters={"n": 0})
    s1 = ev("TaskScheduled", w1, resourceType="lambda", resource="invoke", region="us-east-1", parameters={"n": 1})
    st0 = ev("TaskStarted", s0, resourceType="lambda", resource="invoke")
    st1 = ev("TaskStarted", s1, resourceType="lambda", resource="invoke")
    f0 = ev("TaskFailed", st0, resourceType="lambda", resource="invoke", error="Boom", cause="bad luck")
    r0 = ev("TaskScheduled", f0, resourceType="lambda", resource="invoke", region="us-east-1", parameters={"n": 0})
    ok1 = ev("TaskSucceeded", st1, resourceType="lambda", resource="invoke", output={"r": 1})
    x1 = ev("TaskStateExited", ok1, name="Work", output={"r": 1})
    ev("MapIterationSucceeded", x1, name="Loop", index=1)
    rs0 = ev("TaskStarted", r0, resourceType="lambda", resource="invoke")
    ok0 = ev("TaskSucceeded", rs0, resourceType="lambda", resource="invoke", output={"r": 0})
    x0 = ev("TaskStateExited", ok0, name="Work", output={"r": 0})
    done0 = ev("MapIterationSucceeded", x0, name="Loop", index=0)
    ev("MapStateSucceeded", done0)
    loop_exit = ev("MapStateExited", done0, name="Loop", output=[{"r": 0}, {"r": 1}])
    fan_ok = ev("ParallelStateSucceeded", loop_exit)
    fan_exit = ev("ParallelStateExited", fan_ok, name="Fan", output=[{}, [{"r": 0}, {"r": 1}]])
    ev("ExecutionSucceeded", fan_exit, output=[{}, [{"r": 0}, {"r": 1}]])
    h = ev.history()

    assert [(s.path, s.status, s.entered_event_id, s.ended_event_id, s.retries) for s in views.spans(h)] == [
        ("Fan", "succeeded", 2, 28, 0),
        ("Fan.Branches[0]/A1", "succeeded", 4, 6, 0),
        ("Fan.Branches[1]/Loop", "succeeded", 5, 26, 0),
        ("Fan.Branches[1]/Loop[0]/Work", "succeeded", 10, 23, 1),
        ("Fan.Branches[1]/Loop[1]/Work", "succeeded", 11, 19, 0),
    ]
    work0 = views.spans(h)[3]
    assert (work0.iteration, work0.branch, work0.input, work0.output) == (0, 1, 0, {"r": 0})
    assert work0.error is None  # the retry succeeded
    assert [(a.state_name, a.number, a.status, a.error, a.input, a.output) for a in views.attempts(h)] == [
        ("Work", 0, "failed", "Boom", {"n": 0}, None),
        ("Work", 0, "succeeded", None, {"n": 1}, {"r": 1}),
        ("Work", 1, "succeeded", None, {"n": 0}, {"r": 0}),
    ]
    assert [(f.event_id, f.outcome, "/".join(map(str, f.scope))) for f in views.failures(h)] == [
        (16, "retried", "Fan.Branches[1]/Loop[0]"),
    ]
    assert views.execution_summary(h).output == [{}, [{"r": 0}, {"r": 1}]]


def test_running_history() -> None:
    ev = Events()
    ev("ExecutionStarted", 0, input={"wait": 5}, roleArn="r")
    w = ev("WaitStateEntered", 0, name="Pause", input={"wait": 5})
    h = ev.history()
    (span,) = views.spans(h)
    assert (span.status, span.ended_event_id, span.ended_at, span.duration, span.output) == (
        "running",
        None,
        None,
        None,
        None,
    )
    summary = views.execution_summary(h)
    assert (summary.status, summary.stopped_at, summary.output, summary.input) == ("RUNNING", None, None, {"wait": 5})
    ev("WaitStateExited", w, name="Pause", output={"wait": 5})
    assert views.spans(ev.history())[0].status == "succeeded"  # a new snapshot has its own views
    assert views.spans(h)[0].status == "running"


def test_stopped_execution_aborts_what_runs() -> None:
    ev = Events()
    ev("ExecutionStarted", 0, input={}, roleArn="r")
    w = ev("WaitStateEntered", 0, name="Pause", input={})
    ev("ExecutionAborted", w)
    h = ev.history()
    (span,) = views.spans(h)
    assert (span.status, span.ended_event_id, span.error) == ("aborted", 3, None)
    assert views.execution_summary(h).status == "ABORTED"
    assert views.failures(h) == ()


def test_map_tolerates_a_failed_iteration() -> None:
    ev = Events()
    ev("ExecutionStarted", 0, input=[1, 2], roleArn="r")
    m = ev("MapStateEntered", 0, name="Each", input=[1, 2])
    ms = ev("MapStateStarted", m, length=2)
    i0 = ev("MapIterationStarted", ms, name="Each", index=0)
    bad = ev("FailStateEntered", i0, name="Bad", input=1)
    ev("MapIterationFailed", bad, name="Each", index=0)
    i1 = ev("MapIterationStarted", bad, name="Each", index=1)
    p = ev("PassStateEntered", i1, name="Good", input=2)
    px = ev("PassStateExited", p, name="Good", output=2)
    done = ev("MapIterationSucceeded", px, name="Each", index=1)
    ev("MapStateSucceeded", done)
    mx = ev("MapStateExited", done, name="Each", output=[None, 2])
    ev("ExecutionSucceeded", mx, output=[None, 2])
    h = ev.history()
    assert [(s.path, s.status) for s in views.spans(h)] == [
        ("Each", "succeeded"),
        ("Each[0]/Bad", "failed"),
        ("Each[1]/Good", "succeeded"),
    ]
    assert [(f.type, f.outcome) for f in views.failures(h)] == [("MapIterationFailed", "tolerated")]


def test_evaluation_failure_in_the_first_state_of_a_branch() -> None:
    # EvaluationFailed points at the event before the state's "...Entered": here the ParallelStateStarted
    ev = Events()
    ev("ExecutionStarted", 0, input={}, roleArn="r")
    p = ev("ParallelStateEntered", 0, name="P", input={})
    ps = ev("ParallelStateStarted", p)
    x = ev("PassStateEntered", ps, name="X", input={})
    ev("TaskStateEntered", ps, name="Y", input={})
    bad = ev("EvaluationFailed", ps, state="Y", error="States.QueryEvaluationError", cause="oops", location="Arguments")
    ev("PassStateExited", x, name="X", output={})
    pf = ev("ParallelStateFailed", bad)
    ev("ExecutionFailed", pf, error="States.QueryEvaluationError", cause="oops")
    h = ev.history()
    assert [(s.path, s.status, s.ended_event_id, s.error) for s in views.spans(h)] == [
        ("P", "failed", 8, "States.QueryEvaluationError"),
        ("P.Branches[0]/X", "succeeded", 7, None),
        ("P.Branches[1]/Y", "failed", 6, "States.QueryEvaluationError"),
    ]
    assert [(f.type, f.state_name, f.outcome) for f in views.failures(h)] == [
        ("EvaluationFailed", "Y", "propagated"),
        ("ParallelStateFailed", "P", "propagated"),
        ("ExecutionFailed", None, "terminal"),
    ]


def test_sibling_branch_aborted_when_another_fails() -> None:
    ev = Events()
    ev("ExecutionStarted", 0, input={}, roleArn="r")
    p = ev("ParallelStateEntered", 0, name="P", input={})
    ps = ev("ParallelStateStarted", p)
    ev("WaitStateEntered", ps, name="Slow", input={})
    fail = ev("FailStateEntered", ps, name="Stop", input={})
    ev("WaitStateAborted", fail)
    pf = ev("ParallelStateFailed", fail)
    ev("ExecutionFailed", pf, error="Halt", cause="stop now")
    h = ev.history()
    assert [(s.path, s.status, s.ended_event_id, s.error) for s in views.spans(h)] == [
        ("P", "failed", 7, "Halt"),
        ("P.Branches[0]/Slow", "aborted", 6, None),
        ("P.Branches[1]/Stop", "failed", 5, "Halt"),  # a Fail state's error is in no event: the Parallel's
    ]
    summary = views.execution_summary(h)
    assert (summary.status, summary.error, summary.cause) == ("FAILED", "Halt", "stop now")
