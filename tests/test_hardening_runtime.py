"""Issue 13, the runtime side: hostile handlers, inputs and interrupts never break a run or its history.

One regression test per class the fuzzer found (histories that could not be read, arithmetic blow-ups,
interrupts, timeouts on real handler time, partition-qualified service ARNs, the 25,000-event limit), then
Hypothesis properties over random machines whose handlers misbehave in every way we know of: every history is
readable by every view (``tests/_read_all.py``), event ids are contiguous with valid previous ids, interrupted
histories are as consistent as finished ones, and the same seed gives the same history.
"""

from __future__ import annotations

import decimal
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sfnkit
from sfnkit import TaskCall, TaskFailure, virtual_sleep
from sfnkit.runtime.interpreter import Interpreter

sys.path.insert(0, str(Path(__file__).parent))
from _read_all import read_everything, read_history
from test_runtime_properties import (
    Built,
    check_ids,
    check_states_close,
    check_terminal,
    check_time,
    inputs,
    machines,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f"
YEAR = 365 * 86400


def task(**extra: Any) -> dict[str, Any]:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": ARN, "End": True, **extra}}}


def raiser(exc: BaseException) -> Any:
    def handler(event: Any) -> Any:
        raise exc

    return handler


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("__str__ is broken")


def check_aborts_match_entries(h: sfnkit.History) -> None:
    """No ``<Type>StateAborted`` without a matching ``<Type>StateEntered`` that did not exit."""
    open_by_type: dict[str, int] = {}
    for e in h:
        if e.type.endswith("StateEntered"):
            kind = e.type[: -len("StateEntered")]
            open_by_type[kind] = open_by_type.get(kind, 0) + 1
        elif e.type.endswith(("StateExited", "StateAborted")):
            kind = e.type[: -len("StateExited")] if e.type.endswith("StateExited") else e.type[: -len("StateAborted")]
            open_by_type[kind] = open_by_type.get(kind, 0) - 1
            assert open_by_type[kind] >= 0, f"#{e.id} {e.type} closes a state that was never entered"


def check_all(ex: sfnkit.Execution) -> None:
    h = ex.history
    check_ids(h)
    check_time(h)
    check_terminal(ex)
    check_aborts_match_entries(h)


# ---------------------------------------------------------------------------------------------------------
# histories that could not be read afterwards


def test_a_result_with_an_integer_over_4300_digits_fails_the_task_like_lambda(tmp_path: Path) -> None:
    ex = sfnkit.run(task(), {}, resources={"f": lambda e: {"n": 10**5000}})
    assert ex.status == "FAILED" and ex.error == "Runtime.MarshalError"
    cause = json.loads(ex.cause or "")
    assert cause["errorMessage"].startswith("Unable to marshal response: Exceeds the limit (4300 digits)")
    check_all(ex)
    read_everything(ex, tmp_path, full=True)


def test_big_integers_count_against_the_256_kib_limit() -> None:
    # 70 integers of 4,000 digits: 280,000 bytes of JSON, though each number is one value
    ex = sfnkit.run(task(), {}, resources={"f": lambda e: [10**3999] * 70})
    assert ex.status == "FAILED" and ex.error == "States.DataLimitExceeded"
    ok = sfnkit.run(task(), {}, resources={"f": lambda e: [10**3999] * 60})
    assert ok.status == "SUCCEEDED" and ok.output == [10**3999] * 60


def test_an_input_with_an_integer_over_4300_digits_runs_and_every_view_reads_it() -> None:
    from tests._read_all import read_everything

    big = -(10**5000) - 7
    passed = sfnkit.run({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, {"n": big})
    assert passed.status == "SUCCEEDED" and passed.output == {"n": big}  # JSON has no length limit; AWS reads it
    assert passed.history[0].details["input"].startswith('{"n":-1000')
    read_everything(passed)
    assert '{"n":-1000' in str(sfnkit.explain(passed, "P"))
    # a Python Lambda cannot send it back: Lambda's runtime answers Runtime.MarshalError, and the run ends cleanly
    lam = sfnkit.run(task(), {"n": big}, resources={"f": lambda e: e})
    assert lam.status == "FAILED" and lam.error == "Runtime.MarshalError"
    read_everything(lam)


def test_an_input_both_deep_and_holding_a_long_integer_runs_with_keys_in_order() -> None:
    # found by bench/fuzz.py (seed 202): the long-integer writer walked the value recursively, so 500 levels of
    # nesting (JSON that the C encoder and AWS both handle) raised out of run()
    big = 10**5000
    value: object = {"b": big, "a": [1, big, {"z": 2, "y": big}]}
    for _ in range(500):
        value = [value]
    ex = sfnkit.run({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, value)
    assert ex.status == "SUCCEEDED" and ex.output == value
    text = ex.history[0].details["input"]
    assert text.startswith("[" * 500 + '{"b":1000') and '{"z":2,"y":1000' in text


@pytest.mark.parametrize(
    "state",
    [
        {"Type": "Pass", "Result": {"n": 10**5000}, "End": True},
        {"Type": "Task", "Resource": ARN, "Parameters": {"n": 10**5000}, "End": True},
    ],
    ids=["pass-result", "task-parameters"],
)
def test_big_integer_literals_in_a_definition_are_refused_and_aws_histories_with_them_read(
    state: dict[str, Any],
) -> None:
    # the front end refuses them (a diagnostic, not a crash) ...
    with pytest.raises(sfnkit.DefinitionError, match="4300 digits"):
        sfnkit.run({"StartAt": "S", "States": {"S": state}}, {}, resources={"f": lambda e: {"ok": True}})
    # ... and a history holding one (from AWS, whose numbers have no such limit) is read by every view
    ok = sfnkit.run(task(), {"n": 1}, resources={"f": lambda e: {"ok": True}})
    text = ok.history.to_json().replace('{\\"n\\":1}', '{\\"n\\":' + "7" * 5000 + "}")
    assert "7" * 5000 in text
    h = sfnkit.History.from_boto(text)
    assert h[0].input_value == {"n": int(decimal.Decimal("7" * 5000))}  # int() refuses so many digits
    read_history(h)


@pytest.mark.parametrize(
    "handler",
    [
        lambda e: {"text": "\ud800", "ok": "\udfff tail"},
        raiser(ValueError("bad \udc00 text")),
        raiser(TaskFailure("Err\ud800", "cause \udfff")),
    ],
    ids=["result", "exception-message", "task-failure"],
)
def test_lone_surrogates_are_kept_and_every_view_reads_them(handler: Any, tmp_path: Path) -> None:
    ex = sfnkit.run(task(), {"in": "\ud83d"}, resources={"f": handler})
    assert ex.status in ("SUCCEEDED", "FAILED")
    check_all(ex)
    read_everything(ex, tmp_path, full=True)
    h = ex.history
    # the JSON text escapes the surrogate, so it decodes to exactly what the handler returned
    assert h[0].input_value == {"in": "\ud83d"}
    if ex.status == "SUCCEEDED":
        assert h[-1].output_value == {"text": "\ud800", "ok": "\udfff tail"} == ex.output


@pytest.mark.parametrize(
    ("error", "cause", "expected"),
    [
        (123, {"x": 1}, ("123", '{"x":1}')),
        (None, ["a", 2], (None, '["a",2]')),
        ("E", object, ("E", "<class 'object'>")),
        (Unprintable(), Unprintable(), ("<unprintable Unprintable object: str() raised RuntimeError>",) * 2),
    ],
)
def test_a_task_failure_whose_error_or_cause_is_not_a_string(error: Any, cause: Any, expected: Any) -> None:
    failure = TaskFailure("placeholder")
    failure.error, failure.cause = error, cause  # as a handler may set them (TaskFailure's own str() needs text)
    ex = sfnkit.run(task(), {}, resources={"f": raiser(failure)})
    assert ex.status == "FAILED"
    assert (ex.error, ex.cause) == expected
    check_all(ex)
    read_everything(ex)


def test_an_exception_whose_str_raises_is_a_task_failure(tmp_path: Path) -> None:
    ex = sfnkit.run(task(), {}, resources={"f": raiser(Unprintable())})
    assert ex.status == "FAILED" and ex.error == "Unprintable"
    assert json.loads(ex.cause or "")["errorMessage"] == "<unprintable Unprintable object: str() raised RuntimeError>"
    read_everything(ex, tmp_path, full=True)


def test_virtual_sleep_inf_ends_at_the_task_timeout_or_the_execution_limit(tmp_path: Path) -> None:
    forever = {"f": lambda e: virtual_sleep(float("inf"))}
    timed = sfnkit.run(task(TimeoutSeconds=5), {}, resources=forever)
    assert timed.status == "FAILED" and timed.error == "States.Timeout"
    assert (timed.history[-1].timestamp - timed.history[0].timestamp).total_seconds() == 5
    # no TimeoutSeconds: AWS's default (99,999,999 s) is longer than a STANDARD execution may last (a year)
    endless = sfnkit.run(task(), {}, resources=forever)
    assert endless.status == "TIMED_OUT" and endless.error == "States.Timeout"
    assert (endless.history[-1].timestamp - endless.history[0].timestamp).total_seconds() == YEAR
    express = sfnkit.run(task(), {}, resources=forever, type="EXPRESS")
    assert express.status == "TIMED_OUT"
    assert (express.history[-1].timestamp - express.history[0].timestamp).total_seconds() == 300
    for ex in (timed, endless, express):
        check_all(ex)
        read_everything(ex, tmp_path, full=True)


def test_huge_wait_seconds_from_the_input_end_at_the_execution_limit() -> None:
    definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "End": True}}}
    ex = sfnkit.run(definition, {"s": 10**400})
    assert ex.status == "TIMED_OUT"
    read_history(ex.history)


# ---------------------------------------------------------------------------------------------------------
# the 25,000-event limit, exactly as AWS: event 25,000 is ExecutionSucceeded, or ExecutionFailed


def counting_loop(n: int) -> dict[str, Any]:
    """4 events per turn; ``n`` turns make a history of 4n + 4 events."""
    return {
        "StartAt": "Inc",
        "States": {
            "Inc": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "Check"},
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.i", "NumericLessThan": n, "Next": "Inc"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }


def test_a_run_that_ends_at_event_25000_succeeds() -> None:
    ex = sfnkit.run(counting_loop(6249), {"i": 0})
    assert ex.status == "SUCCEEDED" and len(ex.history) == 25_000
    assert ex.history[-1].type == "ExecutionSucceeded"


def test_a_run_that_would_pass_25000_events_fails_at_event_25000() -> None:
    ex = sfnkit.run(counting_loop(6250), {"i": 0})
    assert ex.status == "FAILED" and ex.error == "States.Runtime"
    assert ex.cause == "The execution reached the maximum number of history events (25000)."
    assert len(ex.history) == 25_000 and ex.history[-1].type == "ExecutionFailed"
    check_ids(ex.history)


def endless(state: dict[str, Any]) -> dict[str, Any]:
    """A loop that never ends (its way out is never taken): ``state``, then a Choice back to it."""
    return {
        "StartAt": "A",
        "States": {
            "A": {**state, "Next": "C"},
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$$.State.Name", "StringEquals": "never", "Next": "Out"}],
                "Default": "A",
            },
            "Out": {"Type": "Succeed"},
        },
    }


def test_a_map_of_endless_loops_stops_exactly_at_the_limit() -> None:
    loop = endless({"Type": "Pass"})
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": loop, "End": True}}}
    ex = sfnkit.run(definition, list(range(40)))
    assert ex.status == "FAILED" and ex.error == "States.Runtime"
    assert len(ex.history) == 25_000 and ex.history[-1].type == "ExecutionFailed"
    check_ids(ex.history)


def test_aborting_near_the_limit_never_passes_it() -> None:
    loop = endless({"Type": "Wait", "Seconds": 1})
    definition = {
        "TimeoutSeconds": 6240,
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "ItemProcessor": loop, "End": True}},
    }
    ex = sfnkit.run(definition, list(range(2)))
    assert len(ex.history) <= 25_000
    check_ids(ex.history)
    check_aborts_match_entries(ex.history)


# ---------------------------------------------------------------------------------------------------------
# timeouts on real handler time


def slow(event: Any) -> Any:
    time.sleep(1.05)
    return {"done": True}


def test_a_slow_handler_times_out_on_the_virtual_clock() -> None:
    ex = sfnkit.run(task(TimeoutSeconds=1), {}, resources={"f": slow})
    assert ex.status == "FAILED" and ex.error == "States.Timeout"
    assert [e.type for e in ex.history][-2] == "LambdaFunctionTimedOut"
    # the virtual clock counted the handler's real time: the timeout fell exactly TimeoutSeconds after the call
    assert (ex.history[-2].timestamp - ex.history[2].timestamp).total_seconds() == 1
    reproducible = sfnkit.run(
        task(TimeoutSeconds=1), {}, resources={"f": slow}, clock=sfnkit.VirtualClock(handler_time=False)
    )
    assert reproducible.status == "SUCCEEDED"


def test_a_slow_handler_times_out_on_the_wall_clock() -> None:
    ex = sfnkit.run(task(TimeoutSeconds=1), {}, resources={"f": slow}, clock=sfnkit.WallClock())
    assert ex.status == "FAILED" and ex.error == "States.Timeout"


def test_the_machine_timeout_is_enforced_against_real_time_on_the_wall_clock() -> None:
    definition = {
        "TimeoutSeconds": 1,
        "StartAt": "T",
        "States": {"T": {"Type": "Task", "Resource": ARN, "Next": "P"}, "P": {"Type": "Pass", "End": True}},
    }
    ex = sfnkit.run(definition, {}, resources={"f": slow}, clock=sfnkit.WallClock())
    assert ex.status == "TIMED_OUT"
    types = [e.type for e in ex.history]
    assert "LambdaFunctionSucceeded" not in types and "PassStateEntered" not in types
    check_all(ex)


CALLBACK = {
    "StartAt": "T",
    "States": {
        "T": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "HeartbeatSeconds": 1,
            "TimeoutSeconds": 30,
            "Parameters": {"QueueUrl": "q", "MessageBody.$": "$$.Task.Token"},
            "End": True,
        }
    },
}


def test_a_callbacks_heartbeat_is_enforced_against_real_time_on_the_wall_clock() -> None:
    ex = sfnkit.run(
        CALLBACK, {}, resources={"arn:aws:states:::sqs:sendMessage": lambda e: {}}, clock=sfnkit.WallClock()
    )
    (token,) = ex.pending_tokens
    time.sleep(0.4)
    ex.send_task_heartbeat(token)  # in time: the task waits on
    time.sleep(1.2)  # past HeartbeatSeconds since the last heartbeat
    with pytest.raises(sfnkit.errors.ExecutionStateError, match="timed out"):
        ex.send_task_success(token, {"late": True})
    assert ex.status == "FAILED" and ex.error == "States.Timeout"
    assert [e.type for e in ex.history][-2:] == ["TaskTimedOut", "ExecutionFailed"]
    check_all(ex)


# ---------------------------------------------------------------------------------------------------------
# partition-qualified service ARNs are service integrations


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws-cn:states:::sqs:sendMessage",
        "arn:aws-us-gov:states:::sqs:sendMessage",
        "arn:aws:states:us-east-1:123456789012:sqs:sendMessage",
        "arn:aws-cn:states:cn-north-1:123456789012:sqs:sendMessage",
    ],
)
def test_partition_qualified_service_arns_run_as_service_integrations(resource: str) -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": resource,
                "Parameters": {"QueueUrl": "q", "MessageBody": "m"},
                "End": True,
            }
        },
    }
    sent: list[Any] = []

    def send(event: Any) -> Any:
        sent.append(event)
        return {"MessageId": "1"}

    ex = sfnkit.run(definition, {}, resources={"arn:aws:states:::sqs:sendMessage": send})
    assert ex.status == "SUCCEEDED" and sent == [{"QueueUrl": "q", "MessageBody": "m"}]
    scheduled = ex.history[2]
    assert scheduled.type == "TaskScheduled"
    assert (scheduled.details or {})["resourceType"] == "sqs" and (scheduled.details or {})["resource"] == "sendMessage"


def test_a_partition_qualified_callback_waits_for_its_token() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws-cn:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                "End": True,
            }
        },
    }
    ex = sfnkit.run(definition, {}, resources={"arn:aws:states:::sqs:sendMessage": lambda e: {"MessageId": "1"}})
    assert ex.status == "RUNNING" and len(ex.pending_tokens) == 1
    ex.send_task_success(ex.pending_tokens[0], {"ok": 1})
    assert ex.status == "SUCCEEDED" and ex.output == {"ok": 1}


def test_a_partition_qualified_lambda_invoke_calls_the_function() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws-us-gov:states:::lambda:invoke",
                "Parameters": {"FunctionName": "f", "Payload": {"a": 1}},
                "OutputPath": "$.Payload",
                "End": True,
            }
        },
    }
    ex = sfnkit.run(definition, {}, resources={"f": lambda e: {"got": e}})
    assert ex.status == "SUCCEEDED" and ex.output == {"got": {"a": 1}}


# ---------------------------------------------------------------------------------------------------------
# interrupts


def interrupt_at(k: int) -> Any:
    def handler(call: TaskCall) -> Any:
        if call.input.get("i") == k:
            raise KeyboardInterrupt
        return call.input

    return handler


def test_ctrl_c_during_run_many_stops_the_batch_and_keeps_what_finished() -> None:
    batch = sfnkit.run_many(task(), [{"i": i} for i in range(6)], resources={"f": interrupt_at(3)}, progress=False)
    assert batch.interrupted and batch.not_started == 2
    assert batch.statuses == ("SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "ABORTED")
    assert [ex.output for ex in batch[:3]] == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert batch[3].error == "KeyboardInterrupt" and batch[3].interrupted
    assert "interrupted, 2 not started" in repr(batch)
    for ex in batch:
        check_all(ex)
    batch.summary()
    batch.overview()


def test_ctrl_c_between_two_runs_keeps_the_finished_ones() -> None:
    def resources(i: int) -> Any:
        if i == 2:
            raise KeyboardInterrupt
        return {"f": lambda e: e}

    batch = sfnkit.run_many(task(), 5, resources=resources, progress=False)
    assert batch.interrupted and batch.not_started == 3 and batch.statuses == ("SUCCEEDED", "SUCCEEDED")
    unsized = sfnkit.run_many(task(), iter([{}] * 5), resources=resources, progress=False)
    assert unsized.interrupted and unsized.not_started is None and len(unsized) == 2


def test_a_batch_that_was_not_interrupted_says_so() -> None:
    batch = sfnkit.run_many(task(), 3, resources={"f": lambda e: e}, progress=False)
    assert not batch.interrupted and batch.not_started == 0


MAP_OF_TASKS = {
    "StartAt": "M",
    "States": {
        "M": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "MaxConcurrency": 0,
            "ItemProcessor": {
                "StartAt": "T",
                "States": {
                    "T": {"Type": "Task", "Resource": ARN, "Next": "W"},
                    "W": {"Type": "Wait", "Seconds": 5, "End": True},
                },
            },
            "End": True,
        }
    },
}


def test_ctrl_c_during_a_maps_failure_handling_closes_every_sibling(monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(call: TaskCall) -> Any:
        if call.input == 0:
            virtual_sleep(1)  # the others are waiting in their Wait state when iteration 0 fails
            raise ValueError("boom")
        return call.input

    original = Interpreter._on_abort_iteration
    calls = []

    def interrupted(self: Interpreter, child: Any) -> None:
        original(self, child)
        calls.append(child.index)
        if len(calls) == 2:  # Ctrl-C while the failed Map closes its third iteration
            raise KeyboardInterrupt

    monkeypatch.setattr(Interpreter, "_on_abort_iteration", interrupted)
    ex = sfnkit.run(MAP_OF_TASKS, {"items": list(range(6))}, resources={"f": handler})
    assert ex.status == "ABORTED" and ex.interrupted
    h = ex.history
    aborted = sorted(e.map_index or 0 for e in h if e.type == "MapIterationAborted")
    assert aborted == [1, 2, 3, 4, 5]  # every sibling closed, the interrupt notwithstanding
    assert sum(e.type == "WaitStateAborted" for e in h) == 5
    check_all(ex)
    read_everything(ex)


def test_ctrl_c_before_a_state_is_entered_aborts_nothing_that_was_not_entered() -> None:
    def stop_here(data: Any) -> bool:
        raise KeyboardInterrupt

    ex = sfnkit.start(MAP_OF_TASKS, {"items": [1, 2, 3]}, resources={"f": lambda e: e}, breakpoints={"W": stop_here})
    ex.run()
    assert ex.status == "ABORTED" and ex.interrupted
    h = ex.history
    assert not [e for e in h if e.type == "WaitStateEntered"]
    assert not [e for e in h if e.type == "WaitStateAborted"]
    check_all(ex)


def test_a_handler_that_raises_keyboard_interrupt_aborts_with_a_consistent_history(tmp_path: Path) -> None:
    ex = sfnkit.run(MAP_OF_TASKS, {"items": [5, 6, 7]}, resources={"f": raiser(KeyboardInterrupt())})
    assert ex.status == "ABORTED" and ex.error == "KeyboardInterrupt"
    assert sum(e.type == "TaskStateAborted" for e in ex.history) == 3
    check_all(ex)
    read_everything(ex, tmp_path, full=True)


def test_an_interpreter_bug_fails_the_execution_instead_of_raising(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Interpreter, *args: Any) -> Any:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(Interpreter, "_runners", {**Interpreter._runners, "Pass": broken})
    ex = sfnkit.run({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, {})
    assert ex.status == "FAILED" and ex.error == "States.Runtime"
    assert "ZeroDivisionError: a bug" in (ex.cause or "")
    check_all(ex)


# ---------------------------------------------------------------------------------------------------------
# properties: hostile handlers on random machines

HOSTILE = [
    "ok",
    "raise",
    "task_failure",
    "big_int",
    "surrogate",
    "weird_failure",
    "unprintable",
    "not_json",
    "nan",
    "sleep_inf",
    "too_large",
    "mutate_input",
    "bytes",
]


def hostile_handler(outcomes: dict[str, list[str]], interrupt: str | None) -> Any:
    def work(call: TaskCall) -> Any:
        plan = outcomes[call.state_name]
        outcome = plan[min(call.attempt, len(plan) - 1)]
        if outcome == interrupt:
            raise KeyboardInterrupt
        if outcome == "raise":
            raise ValueError(f"{call.state_name} attempt {call.attempt}")
        if outcome == "task_failure":
            raise TaskFailure("Work.Failed", "planned")
        if outcome == "big_int":
            return {"n": 10**4400}
        if outcome == "surrogate":
            return {"s": "\ud800\udfff\udc00", call.state_name: "\ud834"}
        if outcome == "weird_failure":
            raise TaskFailure(42, {"nested": ["x", "\ud800"]})  # type: ignore[arg-type]
        if outcome == "unprintable":
            raise Unprintable()
        if outcome == "not_json":
            return {"s": {1, 2}}
        if outcome == "nan":
            return [float("nan")]
        if outcome == "sleep_inf":
            virtual_sleep(float("inf"))
            return {}
        if outcome == "too_large":
            return "x" * (256 * 1024)
        if outcome == "mutate_input":
            if isinstance(call.input, dict):
                call.input["mutated"] = True
                call.input.pop("items", None)
            return call.input
        if outcome == "bytes":
            return b"\xff\xfe not utf-8"
        return {"by": call.state_name}

    return work


@st.composite
def hostile_runs(draw: st.DrawFn) -> tuple[Built, dict[str, list[str]], str | None]:
    built = draw(machines())
    outcomes = {name: draw(st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=3)) for name in built.plan.outcomes}
    interrupt = draw(st.none() | st.sampled_from(HOSTILE))  # this outcome raises KeyboardInterrupt instead
    return built, outcomes, interrupt


def hostile_run(case: tuple[Built, dict[str, list[str]], str | None], data: Any, seed: int) -> sfnkit.Execution:
    built, outcomes, interrupt = case
    return sfnkit.run(built.definition, data, resources={"work": hostile_handler(outcomes, interrupt)}, seed=seed)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=hostile_runs(), data=inputs, seed=st.integers(0, 2**16))
def test_hostile_handlers_keep_every_history_readable_and_consistent(case: Any, data: Any, seed: int) -> None:
    ex = hostile_run(case, data, seed)
    assert ex.done
    h = ex.history
    check_ids(h)
    check_time(h)
    check_terminal(ex)
    check_aborts_match_entries(h)
    check_states_close(ex, case[0])  # interrupted (ABORTED) runs too: the same invariants as finished ones
    read_everything(ex, html=False)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(built=machines(), data=inputs, seed=st.integers(0, 2**16), pick=st.integers(0, 50), visits=st.integers(1, 3))
def test_ctrl_c_at_any_state_leaves_a_consistent_history(
    built: Built, data: Any, seed: int, pick: int, visits: int
) -> None:
    """Ctrl-C as a state is about to be entered (its ``visits``-th time), anywhere in the machine."""
    names = sorted(built.state_types)
    target = names[pick % len(names)]
    seen = [0]

    def interrupt(state_input: Any) -> bool:
        seen[0] += 1
        if seen[0] >= visits:
            raise KeyboardInterrupt
        return False

    ex = sfnkit.start(
        built.definition, data, resources={"work": built.plan.handler()}, seed=seed, breakpoints={target: interrupt}
    )
    ex.run()
    assert ex.done
    if ex.interrupted:
        assert ex.status == "ABORTED" and ex.error == "KeyboardInterrupt"
    h = ex.history
    check_ids(h)
    check_time(h)
    check_terminal(ex)
    check_aborts_match_entries(h)
    check_states_close(ex, built)
    read_history(h, html=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(built=machines(), data=inputs, seed=st.integers(0, 2**16), at=st.integers(1, 60))
def test_ctrl_c_after_any_event_leaves_a_consistent_history(built: Built, data: Any, seed: int, at: int) -> None:
    """Ctrl-C right after the interpreter records its ``at``-th event (a signal lands between two events)."""
    ex = sfnkit.start(built.definition, data, resources={"work": built.plan.handler()}, seed=seed)
    interp = ex._interp
    record = interp.record
    count = [0]

    def record_then_interrupt(branch: Any, type: str, details: Any = None) -> int:
        eid = record(branch, type, details)
        count[0] += 1
        if count[0] == at:
            raise KeyboardInterrupt
        return eid

    interp.record = record_then_interrupt  # type: ignore[method-assign]
    ex.run()
    assert ex.done
    assert ex.interrupted == (count[0] >= at)
    h = ex.history
    check_ids(h)
    check_time(h)
    check_terminal(ex)
    check_aborts_match_entries(h)
    check_states_close(ex, built)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=hostile_runs(), data=inputs, seed=st.integers(0, 2**16))
def test_hostile_handlers_same_seed_same_history(case: Any, data: Any, seed: int) -> None:
    a = hostile_run(case, data, seed)
    b = hostile_run(case, data, seed)
    assert a.history.to_boto() == b.history.to_boto()
    assert (a.status, a.error, a.cause) == (b.status, b.error, b.cause)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=hostile_runs(), n=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_interrupted_batches_keep_every_finished_execution(case: Any, n: int, seed: int) -> None:
    built, outcomes, interrupt = case
    batch = sfnkit.run_many(
        built.definition,
        [{"k": i, "items": [i]} for i in range(n)],
        resources={"work": hostile_handler(outcomes, interrupt)},
        seed=seed,
        progress=False,
    )
    assert 1 <= len(batch) <= n
    if batch.interrupted:
        assert batch[-1].status == "ABORTED" and batch.not_started == n - len(batch)
        assert all(not ex.interrupted for ex in batch[:-1])
    else:
        assert len(batch) == n
    for ex in batch:
        check_all(ex)
