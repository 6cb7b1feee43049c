"""Every state type end to end through ``sfnkit.run``: exact outputs, event-type sequences and virtual times.

The facts about AWS used here come from the AWS-recorded conformance cases in
``tests/conformance/cases`` (file names are cited where a test depends on one).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

import sfnkit
from sfnkit import TaskCall, TaskFailure, virtual_sleep

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


# ---------------------------------------------------------------------------------------------------------
# Pass


def test_pass_passes_its_input_through() -> None:
    ex = sfnkit.run(one({"Type": "Pass"}), {"a": 1})
    assert ex.status == "SUCCEEDED"
    assert ex.output == {"a": 1}
    assert types(ex) == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]


def test_pass_result_replaces_the_input() -> None:
    assert sfnkit.run(one({"Type": "Pass", "Result": {"x": [1, 2]}}), {"a": 1}).output == {"x": [1, 2]}


def test_pass_parameters_with_paths_literals_and_context() -> None:
    sm = one(
        {
            "Type": "Pass",
            "InputPath": "$.a",
            "Parameters": {
                "x.$": "$.b",
                "lit": "text",
                "state.$": "$$.State.Name",
                "name.$": "$$.Execution.Name",
                "nested": {"y.$": "$.b"},
            },
        },
        name="P",
    )
    ex = sfnkit.run(sm, {"a": {"b": 1}}, name="exec-1")
    assert ex.output == {"x": 1, "lit": "text", "state": "P", "name": "exec-1", "nested": {"y": 1}}


def test_pass_result_path_into_a_field() -> None:
    assert sfnkit.run(one({"Type": "Pass", "Result": 7, "ResultPath": "$.r"}), {"a": 1}).output == {"a": 1, "r": 7}


def test_pass_result_path_creates_nested_objects() -> None:
    ex = sfnkit.run(one({"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.a.b.c"}), {"a": {"k": 0}})
    assert ex.output == {"a": {"k": 0, "b": {"c": {"x": 1}}}}


def test_pass_result_path_null_keeps_the_input() -> None:
    assert sfnkit.run(one({"Type": "Pass", "Result": 7, "ResultPath": None}), {"a": 1}).output == {"a": 1}


def test_pass_result_path_dollar_replaces() -> None:
    assert sfnkit.run(one({"Type": "Pass", "Result": 7, "ResultPath": "$"}), {"a": 1}).output == 7


def test_pass_result_path_through_a_non_object_fails() -> None:
    ex = sfnkit.run(one({"Type": "Pass", "Result": 1, "ResultPath": "$.a.b"}, name="P"), {"a": 5})
    assert ex.status == "FAILED"
    assert ex.error == "States.ResultPathMatchFailure"
    assert ex.cause is not None and ex.cause.startswith(
        "An error occurred while executing the state 'P' (entered at the event id #2). "
    )
    assert types(ex) == ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]


def test_pass_output_path() -> None:
    assert sfnkit.run(one({"Type": "Pass", "OutputPath": "$.a"}), {"a": {"b": 1}, "c": 2}).output == {"b": 1}


def test_pass_input_path_and_output_path_null_give_an_empty_object() -> None:
    assert sfnkit.run(one({"Type": "Pass", "InputPath": None}), {"a": 1}).output == {}
    assert sfnkit.run(one({"Type": "Pass", "OutputPath": None}), {"a": 1}).output == {}


def test_pass_io_order_input_path_parameters_result_path_output_path() -> None:
    sm = one(
        {
            "Type": "Pass",
            "InputPath": "$.in",
            "Parameters": {"v.$": "$.x"},
            "ResultPath": "$.in.res",
            "OutputPath": "$.in",
        }
    )
    assert sfnkit.run(sm, {"in": {"x": 3}, "other": 0}).output == {"x": 3, "res": {"v": 3}}


def test_pass_missing_path_is_a_states_runtime_failure() -> None:
    ex = sfnkit.run(one({"Type": "Pass", "InputPath": "$.nope"}, name="P"), {"a": 1})
    assert ex.status == "FAILED"
    assert ex.error == "States.Runtime"
    assert "'P'" in (ex.cause or "")
    assert types(ex) == ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]


def test_pass_chain_and_history_details() -> None:
    sm = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Result": {"n": 1}, "Next": "B"},
            "B": {"Type": "Pass", "Parameters": {"m.$": "$.n"}, "End": True},
        },
    }
    ex = sfnkit.run(sm, {"start": True})
    assert ex.output == {"m": 1}
    h = ex.history
    assert [(e.id, e.previous_event_id, e.type) for e in h] == [
        (1, 0, "ExecutionStarted"),
        (2, 0, "PassStateEntered"),  # AWS: the first state's previousEventId is 0
        (3, 2, "PassStateExited"),
        (4, 3, "PassStateEntered"),
        (5, 4, "PassStateExited"),
        (6, 5, "ExecutionSucceeded"),
    ]
    assert h[0].input_value == {"start": True}
    assert h[1].state_name == "A" and h[1].input_value == {"start": True}
    assert h[2].output_value == {"n": 1}
    assert h[3].state_name == "B" and h[3].input_value == {"n": 1}
    assert h[5].output_value == {"m": 1}
    assert h[0].timestamp.timestamp() == START


# ---------------------------------------------------------------------------------------------------------
# Task: handlers


def test_task_one_argument_handler() -> None:
    ex = sfnkit.run(task(), {"x": 2}, resources={"f": lambda event: {"doubled": event["x"] * 2}})
    assert ex.status == "SUCCEEDED"
    assert ex.output == {"doubled": 4}
    assert types(ex) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    scheduled = ex.history[2]
    assert scheduled.details is not None
    assert scheduled.details["resource"] == arn("f")
    assert scheduled.input_value == {"x": 2}
    assert ex.history[4].output_value == {"doubled": 4}


def test_task_two_argument_lambda_style_handler() -> None:
    seen: dict[str, Any] = {}

    def handler(event: Any, context: sfnkit.LambdaContext) -> Any:
        seen.update(
            fn=context.function_name,
            arn=context.invoked_function_arn,
            state=context.state_context["State"]["Name"],
            remaining=context.get_remaining_time_in_millis(),
            request_id=context.aws_request_id,
        )
        return {"got": event}

    ex = sfnkit.run(task("Charge", arn("charge")), {"a": 1}, resources={"charge": handler})
    assert ex.output == {"got": {"a": 1}}
    assert seen["fn"] == "charge"
    assert seen["arn"] == arn("charge")
    assert seen["state"] == "Charge"
    assert seen["remaining"] > 0
    assert isinstance(seen["request_id"], str) and len(seen["request_id"]) == 36


def test_task_task_call_handler() -> None:
    calls: list[TaskCall] = []

    def handler(call: TaskCall) -> Any:
        calls.append(call)
        return {"attempt": call.attempt}

    ex = sfnkit.run(task("Charge", arn("charge")), {"a": 1}, resources={"charge": handler})
    assert ex.output == {"attempt": 0}
    (call,) = calls
    assert call.input == {"a": 1}
    assert call.resource == arn("charge")
    assert call.state_name == "Charge"
    assert call.function_name == "charge"
    assert call.task_token is None
    assert call.context["State"]["Name"] == "Charge"
    assert call.context["Execution"]["Input"] == {"a": 1}


def test_task_handler_annotated_with_task_call_under_any_name() -> None:
    def handler(anything: TaskCall) -> Any:
        return anything.state_name

    assert sfnkit.run(task("X"), {}, resources={"f": handler}).output == "X"


def test_task_resolves_by_full_arn_name_and_pattern() -> None:
    sm = task("T", arn("orders-prod"))
    assert sfnkit.run(sm, {}, resources={arn("orders-prod"): lambda e: "arn"}).output == "arn"
    assert sfnkit.run(sm, {}, resources={"orders-prod": lambda e: "name"}).output == "name"
    assert sfnkit.run(sm, {}, resources={"arn:aws:lambda:*:function:orders-*": lambda e: "pattern"}).output == "pattern"
    r = sfnkit.Resources({"arn:aws:lambda:*:function:orders-*": lambda e: "pattern", "orders-prod": lambda e: "exact"})
    assert sfnkit.run(sm, {}, resources=r).output == "exact"


def test_a_function_name_pattern_works_for_lambda_arns_as_for_lambda_invoke() -> None:
    invoke = task(
        "I", "arn:aws:states:::lambda:invoke", Parameters={"FunctionName": "orders-prod"}, OutputPath="$.Payload"
    )
    assert sfnkit.run(invoke, {}, resources={"orders-*": lambda e: "pattern"}).output == "pattern"
    legacy = task("T", arn("orders-prod"))
    assert sfnkit.run(legacy, {}, resources={"orders-*": lambda e: "pattern"}).output == "pattern"


def test_task_parameters_result_selector_result_path_output_path() -> None:
    sm = task(
        Parameters={"n.$": "$.n", "k": 1}, ResultSelector={"sum.$": "$.sum"}, ResultPath="$.out", OutputPath="$.out"
    )
    ex = sfnkit.run(sm, {"n": 4}, resources={"f": lambda e: {"sum": e["n"] + e["k"], "noise": True}})
    assert ex.output == {"sum": 5}
    assert ex.history[2].input_value == {"n": 4, "k": 1}  # the scheduled input is the effective parameters


def test_task_handler_cannot_rewrite_recorded_input() -> None:
    def handler(event: Any) -> Any:
        event["mutated"] = True
        return "ok"

    ex = sfnkit.run(task(ResultPath="$.r"), {"a": 1}, resources={"f": handler})
    assert ex.output == {"a": 1, "r": "ok"}
    assert ex.history[1].input_value == {"a": 1}
    assert ex.history[2].input_value == {"a": 1}


def test_task_handler_result_is_a_snapshot_taken_when_it_returns() -> None:
    """Lambda serialises a result when the function returns; later mutations of the returned object (a handler
    returning its own state, say) change neither the output nor the history."""
    counter = {"n": 0}

    def handler(event: Any) -> Any:
        counter["n"] += 1
        return counter

    sm = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Task", "Resource": arn("f"), "ResultPath": "$.a", "Next": "B"},
            "B": {"Type": "Task", "Resource": arn("f"), "ResultPath": "$.b", "End": True},
        },
    }
    ex = sfnkit.run(sm, {}, resources={"f": handler})
    assert ex.output == {"a": {"n": 1}, "b": {"n": 2}}
    succeeded = [e.output_value for e in ex.history if e.type == "LambdaFunctionSucceeded"]
    assert succeeded == [{"n": 1}, {"n": 2}]


def test_task_handler_returning_bytes_is_decoded_as_json() -> None:
    assert sfnkit.run(task(), {}, resources={"f": lambda e: b'{"a": 1}'}).output == {"a": 1}


def test_task_handler_result_is_json_tuples_become_lists() -> None:
    ex = sfnkit.run(task(), {}, resources={"f": lambda e: (1, 2)})
    assert ex.output == [1, 2]
    assert ex.history[-1].output_value == [1, 2]


@pytest.mark.parametrize("value", [{1, 2}, datetime(2025, 1, 1), object()], ids=["set", "datetime", "object"])
def test_task_handler_returning_a_non_json_value_fails_the_task(value: Any) -> None:
    """Like Lambda's Runtime.MarshalError: a task failure in the history, never an exception out of run()."""
    ex = sfnkit.run(task(), {}, resources={"f": lambda e: value})
    assert ex.status == "FAILED"
    assert types(ex)[-2:] == ["LambdaFunctionFailed", "ExecutionFailed"]
    json.loads(ex.history.to_json())


def test_task_handler_returning_nan_does_not_break_the_history() -> None:
    ex = sfnkit.run(task(), {}, resources={"f": lambda e: float("nan")})
    assert ex.done
    json.loads(ex.history.to_json())  # the history must stay valid JSON


# ---------------------------------------------------------------------------------------------------------
# Task: arn:aws:states:::lambda:invoke


def test_lambda_invoke_wraps_the_result_in_lambdas_envelope() -> None:
    sm = task("Invoke", "arn:aws:states:::lambda:invoke", Parameters={"FunctionName": "f", "Payload.$": "$"})
    ex = sfnkit.run(sm, {"a": 1}, resources={"f": lambda e: {"got": e}})
    assert ex.status == "SUCCEEDED"
    out = ex.output
    assert out["Payload"] == {"got": {"a": 1}}
    assert out["StatusCode"] == 200
    assert out["ExecutedVersion"] == "$LATEST"
    assert out["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert out["SdkResponseMetadata"]["RequestId"] == out["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-RequestId"]
    assert types(ex) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    scheduled = ex.history[2]
    assert scheduled.details is not None
    assert (scheduled.details["resourceType"], scheduled.details["resource"]) == ("lambda", "invoke")
    assert scheduled.details["region"] == "us-east-1"
    assert scheduled.parameters_value == {"FunctionName": "f", "Payload": {"a": 1}}


def test_lambda_invoke_function_name_as_arn_and_payload_selector() -> None:
    sm = task(
        "Invoke",
        "arn:aws:states:::lambda:invoke",
        Parameters={"FunctionName": arn("f") + ":$LATEST", "Payload": {"v.$": "$.v"}},
        ResultSelector={"r.$": "$.Payload"},
    )
    ex = sfnkit.run(sm, {"v": 3}, resources={"f": lambda e: e["v"] + 1})
    assert ex.output == {"r": 4}


def test_lambda_invoke_handler_exception_is_a_task_failed_event() -> None:
    sm = task("Invoke", "arn:aws:states:::lambda:invoke", Parameters={"FunctionName": "f"})
    ex = sfnkit.run(sm, {}, resources={"f": raising(ValueError("bad"))})
    assert ex.status == "FAILED"
    assert ex.error == "ValueError"
    assert types(ex)[-2:] == ["TaskFailed", "ExecutionFailed"]
    payload = json.loads(ex.cause or "")
    assert (payload["errorType"], payload["errorMessage"]) == ("ValueError", "bad")


# ---------------------------------------------------------------------------------------------------------
# Task: failures, Retry, Catch, timeouts


def test_handler_exception_becomes_lambda_function_failed_with_lambdas_error_payload() -> None:
    def boom(event: Any) -> Any:
        raise KeyError("missing")

    ex = sfnkit.run(task(), {}, resources={"f": boom})
    assert ex.status == "FAILED"
    assert ex.error == "KeyError"
    assert types(ex) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionFailed",
        "ExecutionFailed",
    ]
    failed = ex.history[4]
    assert failed.error == "KeyError"
    assert failed.cause == ex.cause
    payload = json.loads(ex.cause or "")
    assert list(payload) == ["errorMessage", "errorType", "requestId", "stackTrace"]  # Lambda's key order
    assert payload["errorType"] == "KeyError"
    assert payload["errorMessage"] == str(KeyError("missing"))
    assert len(payload["requestId"]) == 36
    # the user's frames, as Lambda shows them; none of sfnkit's own
    assert payload["stackTrace"] == [
        f'  File "{__file__}", line {boom.__code__.co_firstlineno + 1}, in boom\n    raise KeyError("missing")\n'
    ]


def test_custom_exception_class_name_is_the_error() -> None:
    class PaymentDeclined(Exception):
        pass

    ex = sfnkit.run(task(), {}, resources={"f": raising(PaymentDeclined("card expired"))})
    assert ex.error == "PaymentDeclined"
    assert json.loads(ex.cause or "")["errorMessage"] == "card expired"


def test_task_failure_sets_error_and_cause() -> None:
    ex = sfnkit.run(task(), {}, resources={"f": raising(TaskFailure("Payment.Declined", "card expired"))})
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "Payment.Declined", "card expired")
    failed = ex.history[4]
    assert failed.type == "LambdaFunctionFailed"
    assert (failed.error, failed.cause) == ("Payment.Declined", "card expired")


def test_task_failure_without_cause() -> None:
    ex = sfnkit.run(task(), {}, resources={"f": raising(TaskFailure("Just.Error"))})
    assert (ex.error, ex.cause) == ("Just.Error", None)
    assert ex.history[4].details is not None and "cause" not in ex.history[4].details


def test_retry_backoff_shows_in_the_virtual_timestamps() -> None:
    attempts: list[int] = []

    def flaky(call: TaskCall) -> Any:
        attempts.append(call.attempt)
        if call.attempt < 3:
            raise TaskFailure("Flaky", f"attempt {call.attempt}")
        return "done"

    sm = task(Retry=[{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "BackoffRate": 2, "MaxAttempts": 3}])
    wall = time.perf_counter()
    ex = sfnkit.run(sm, {}, resources={"f": flaky})
    assert time.perf_counter() - wall < 1.0  # the virtual clock does not really wait
    assert ex.status == "SUCCEEDED" and ex.output == "done"
    assert attempts == [0, 1, 2, 3]
    assert offsets(ex, "LambdaFunctionScheduled") == [0, 1, 3, 7]  # delays of 1 s, 2 s, 4 s
    assert offsets(ex, "LambdaFunctionFailed") == [0, 1, 3]
    assert types(ex) == (
        ["ExecutionStarted", "TaskStateEntered"]
        + ["LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed"] * 3
        + [
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded",
        ]
    )


def test_retry_count_is_in_the_context_object() -> None:
    seen: list[int] = []

    def flaky(call: TaskCall) -> Any:
        seen.append(call.context["State"]["RetryCount"])
        if len(seen) < 3:
            raise TaskFailure("E")
        return None

    sfnkit.run(task(Retry=[{"ErrorEquals": ["States.ALL"]}]), {}, resources={"f": flaky})
    assert seen == [0, 1, 2]


def test_retry_exhausted_fails_with_the_last_error() -> None:
    calls = []

    def always(event: Any) -> Any:
        calls.append(1)
        raise TaskFailure("E", f"call {len(calls)}")

    sm = task(Retry=[{"ErrorEquals": ["E"], "MaxAttempts": 2, "IntervalSeconds": 2, "BackoffRate": 3}])
    ex = sfnkit.run(sm, {}, resources={"f": always})
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "E", "call 3")
    assert offsets(ex, "LambdaFunctionScheduled") == [0, 2, 8]
    assert offsets(ex, "ExecutionFailed") == [8]


def test_retry_max_delay_seconds_caps_the_backoff() -> None:
    sm = task(
        Retry=[{"ErrorEquals": ["E"], "MaxAttempts": 4, "IntervalSeconds": 2, "BackoffRate": 10, "MaxDelaySeconds": 5}]
    )
    ex = sfnkit.run(sm, {}, resources={"f": raising(TaskFailure("E"))})
    assert offsets(ex, "LambdaFunctionScheduled") == [0, 2, 7, 12, 17]


def test_retry_with_full_jitter_is_seeded() -> None:
    sm = task(Retry=[{"ErrorEquals": ["E"], "MaxAttempts": 3, "IntervalSeconds": 10, "JitterStrategy": "FULL"}])
    runs = [
        offsets(sfnkit.run(sm, {}, resources={"f": raising(TaskFailure("E"))}, seed=s), "LambdaFunctionScheduled")
        for s in (1, 1, 2)
    ]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    gaps = [b - a for a, b in zip(runs[0], runs[0][1:], strict=False)]
    assert all(0 <= g <= cap for g, cap in zip(gaps, [10, 20, 40], strict=True))


def test_max_attempts_zero_never_retries() -> None:
    sm = task(Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}])
    ex = sfnkit.run(sm, {}, resources={"f": raising(TaskFailure("E"))})
    assert types(ex).count("LambdaFunctionScheduled") == 1


def test_retriers_are_chosen_by_first_match_and_count_separately() -> None:
    errors = iter(["A", "B", "A", "B", "A"])

    def handler(event: Any) -> Any:
        raise TaskFailure(next(errors))

    sm = task(Retry=[{"ErrorEquals": ["A"], "MaxAttempts": 2}, {"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}])
    ex = sfnkit.run(sm, {}, resources={"f": handler})
    # A(retry 1 of A), B(retry 1 of ALL), A(retry 2 of A), B(retry 2 of ALL), A: A's retrier is exhausted
    assert ex.error == "A"
    assert types(ex).count("LambdaFunctionScheduled") == 5


def test_catch_with_result_path() -> None:
    sm = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": arn("f"),
                "End": True,
                "Catch": [{"ErrorEquals": ["Payment.Declined"], "ResultPath": "$.error", "Next": "Handle"}],
            },
            "Handle": {"Type": "Pass", "End": True},
        },
    }
    ex = sfnkit.run(sm, {"order": 1}, resources={"f": raising(TaskFailure("Payment.Declined", "card expired"))})
    assert ex.status == "SUCCEEDED"
    assert ex.output == {"order": 1, "error": {"Error": "Payment.Declined", "Cause": "card expired"}}
    assert types(ex) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionFailed",
        "TaskStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert ex.history[5].output_value == ex.output


def test_catch_without_result_path_replaces_the_input_with_the_error_output() -> None:
    sm = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": arn("f"),
                "End": True,
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}],
            },
            "Handle": {"Type": "Pass", "End": True},
        },
    }
    ex = sfnkit.run(sm, {"order": 1}, resources={"f": raising(TaskFailure("E"))})
    assert ex.output == {"Error": "E"}  # no Cause key when there is no cause


def test_catch_handler_exception_gets_lambdas_payload_as_cause() -> None:
    sm = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": arn("f"),
                "End": True,
                "Catch": [{"ErrorEquals": ["ValueError"], "ResultPath": "$.err", "Next": "H"}],
            },
            "H": {"Type": "Pass", "End": True},
        },
    }
    ex = sfnkit.run(sm, {}, resources={"f": raising(ValueError("nope"))})
    assert ex.output["err"]["Error"] == "ValueError"
    assert json.loads(ex.output["err"]["Cause"])["errorMessage"] == "nope"


def test_retry_then_catch() -> None:
    sm = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": arn("f"),
                "End": True,
                "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 1}],
                "Catch": [{"ErrorEquals": ["E"], "ResultPath": None, "Next": "H"}],
            },
            "H": {"Type": "Pass", "Result": "handled", "End": True},
        },
    }
    ex = sfnkit.run(sm, {"a": 1}, resources={"f": raising(TaskFailure("E"))})
    assert ex.output == "handled"
    assert types(ex).count("LambdaFunctionScheduled") == 2
    assert offsets(ex, "TaskStateExited") == [1]


def test_states_task_failed_catches_errors_but_not_timeouts() -> None:
    sm = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": arn("f"),
                "TimeoutSeconds": 5,
                "End": True,
                "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "H"}],
            },
            "H": {"Type": "Pass", "Result": "caught", "End": True},
        },
    }
    caught = sfnkit.run(sm, {}, resources={"f": raising(ValueError("x"))})
    assert caught.output == "caught"

    def slow(event: Any) -> Any:
        virtual_sleep(10)
        return "late"

    timed_out = sfnkit.run(sm, {}, resources={"f": slow})
    assert (timed_out.status, timed_out.error) == ("FAILED", "States.Timeout")


def test_timeout_seconds_with_virtual_sleep() -> None:
    def slow(event: Any) -> Any:
        virtual_sleep(10)
        return "late"

    ex = sfnkit.run(task(TimeoutSeconds=3), {}, resources={"f": slow})
    assert (ex.status, ex.error) == ("FAILED", "States.Timeout")
    assert types(ex) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionTimedOut",
        "ExecutionFailed",
    ]
    assert ex.history[2].details is not None and ex.history[2].details["timeoutInSeconds"] == 3
    assert offsets(ex, "LambdaFunctionTimedOut") == [3]
    assert ex.history[4].error == "States.Timeout"


def test_virtual_sleep_within_the_timeout_takes_virtual_time() -> None:
    def slow(event: Any) -> Any:
        virtual_sleep(4)
        virtual_sleep(6)
        return "in time"

    wall = time.perf_counter()
    ex = sfnkit.run(task(TimeoutSeconds=30), {}, resources={"f": slow})
    assert time.perf_counter() - wall < 1.0
    assert ex.output == "in time"
    assert offsets(ex, "LambdaFunctionSucceeded") == [10]


def test_virtual_sleep_outside_a_task_does_nothing() -> None:
    virtual_sleep(1000)  # no error, no effect


def test_lambda_context_sleep_is_virtual() -> None:
    def handler(event: Any, context: sfnkit.LambdaContext) -> Any:
        context.sleep(20)
        return 1

    ex = sfnkit.run(task(TimeoutSeconds=10), {}, resources={"f": handler})
    assert ex.error == "States.Timeout"


def test_service_task_timeout() -> None:
    def slow(event: Any) -> Any:
        virtual_sleep(100)
        return {}

    sm = task("Invoke", "arn:aws:states:::lambda:invoke", Parameters={"FunctionName": "f"}, TimeoutSeconds=3)
    ex = sfnkit.run(sm, {}, resources={"f": slow})
    assert types(ex) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskTimedOut",
        "ExecutionFailed",
    ]
    timed_out = ex.history[4]
    assert timed_out.details is not None
    # as recorded in test_timeouts__test_fixed_timeout_service_lambda_with_path
    assert dict(timed_out.details) == {"resourceType": "lambda", "resource": "invoke", "error": "States.Timeout"}


def test_timeout_seconds_path() -> None:
    def slow(event: Any) -> Any:
        virtual_sleep(5)
        return 1

    ok = sfnkit.run(task(TimeoutSecondsPath="$.t"), {"t": 10}, resources={"f": slow})
    late = sfnkit.run(task(TimeoutSecondsPath="$.t"), {"t": 2}, resources={"f": slow})
    assert ok.status == "SUCCEEDED"
    assert late.error == "States.Timeout"


# ---------------------------------------------------------------------------------------------------------
# Choice

CHOICE = {
    "StartAt": "C",
    "States": {
        "C": {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.n", "NumericGreaterThan": 1},
                        {"Not": {"Variable": "$.s", "StringEquals": "x"}},
                    ],
                    "Next": "One",
                },
                {
                    "Or": [{"Variable": "$.n", "NumericEquals": 0}, {"Variable": "$.s", "StringEquals": "x"}],
                    "Next": "Two",
                },
            ],
            "Default": "Three",
        },
        "One": {"Type": "Pass", "Result": 1, "End": True},
        "Two": {"Type": "Pass", "Result": 2, "End": True},
        "Three": {"Type": "Pass", "Result": 3, "End": True},
    },
}


@pytest.mark.parametrize(
    ("data", "expected"),
    [({"n": 2, "s": "y"}, 1), ({"n": 2, "s": "x"}, 2), ({"n": 0, "s": "y"}, 2), ({"n": 1, "s": "y"}, 3)],
)
def test_choice_and_or_not_default(data: dict[str, Any], expected: int) -> None:
    ex = sfnkit.run(CHOICE, data)
    assert ex.output == expected
    assert types(ex) == [
        "ExecutionStarted",
        "ChoiceStateEntered",
        "ChoiceStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert ex.history[2].output_value == data  # Choice passes its input through


def test_choice_first_matching_rule_wins() -> None:
    sm = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.n", "NumericGreaterThan": 0, "Next": "A"},
                    {"Variable": "$.n", "NumericGreaterThan": 5, "Next": "B"},
                ],
            },
            "A": {"Type": "Succeed"},
            "B": {"Type": "Succeed"},
        },
    }
    ex = sfnkit.run(sm, {"n": 10})
    assert [e.state_name for e in ex.history if e.type.endswith("Entered")] == ["C", "A"]


def test_choice_no_match_without_default() -> None:
    sm = {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 0, "Next": "D"}]},
            "D": {"Type": "Succeed"},
        },
    }
    ex = sfnkit.run(sm, {"n": 1})
    assert (ex.status, ex.error) == ("FAILED", "States.NoChoiceMatched")
    assert "'C'" in (ex.cause or "")
    assert types(ex) == ["ExecutionStarted", "ChoiceStateEntered", "ExecutionFailed"]


def test_choice_no_match_can_be_caught_by_an_enclosing_parallel() -> None:
    sm = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Catch": [{"ErrorEquals": ["States.NoChoiceMatched"], "ResultPath": "$.e", "Next": "H"}],
                "Branches": [
                    {
                        "StartAt": "C",
                        "States": {
                            "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 0, "Next": "D"}]},
                            "D": {"Type": "Succeed"},
                        },
                    }
                ],
            },
            "H": {"Type": "Pass", "OutputPath": "$.e.Error", "End": True},
        },
    }
    assert sfnkit.run(sm, {"n": 1}).output == "States.NoChoiceMatched"


def test_choice_is_present_and_missing_variable() -> None:
    sm = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.maybe", "IsPresent": True, "Next": "Yes"}],
                "Default": "No",
            },
            "Yes": {"Type": "Pass", "Result": "yes", "End": True},
            "No": {"Type": "Pass", "Result": "no", "End": True},
        },
    }
    assert sfnkit.run(sm, {"maybe": None}).output == "yes"
    assert sfnkit.run(sm, {}).output == "no"


def test_choice_on_a_missing_variable_is_a_runtime_error() -> None:
    sm = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.nope", "NumericEquals": 1, "Next": "D"}],
                "Default": "D",
            },
            "D": {"Type": "Succeed"},
        },
    }
    ex = sfnkit.run(sm, {})
    assert (ex.status, ex.error) == ("FAILED", "States.Runtime")


def test_a_choice_operator_that_fails_when_evaluated_fails_the_state_as_a_runtime_error() -> None:
    """A StringMatches pattern with an open escape raises StatesError when it is tested: the runtime records it as
    the state's States.Runtime failure (terminal: no Catch), never as an internal error of the interpreter."""
    sm = {
        "StartAt": "Try",
        "States": {
            "Try": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "C",
                        "States": {
                            "C": {
                                "Type": "Choice",
                                "Choices": [{"Variable": "$.a", "StringMatches": "abc\\", "Next": "D"}],
                                "Default": "D",
                            },
                            "D": {"Type": "Succeed"},
                        },
                    }
                ],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    ex = sfnkit.run(sm, {"a": "abc"})
    assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
    assert ex.cause is not None
    assert ex.cause.startswith("An error occurred while executing the state 'C' (entered at the event id #4). ")
    assert "open escape" in ex.cause and "internal error" not in ex.cause
    assert [e.type for e in ex.history][-2:] == ["ChoiceStateEntered", "ExecutionFailed"]


def test_choice_output_path() -> None:
    sm = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "D"}],
                "OutputPath": "$.keep",
            },
            "D": {"Type": "Succeed"},
        },
    }
    assert sfnkit.run(sm, {"n": 1, "keep": {"k": 1}}).output == {"k": 1}


# ---------------------------------------------------------------------------------------------------------
# Wait


def test_wait_seconds_takes_virtual_time() -> None:
    ex = sfnkit.run(one({"Type": "Wait", "Seconds": 5}), {"a": 1})
    assert ex.output == {"a": 1}
    assert types(ex) == ["ExecutionStarted", "WaitStateEntered", "WaitStateExited", "ExecutionSucceeded"]
    assert offsets(ex, "WaitStateExited") == [5]


def test_a_24_hour_wait_finishes_at_once_but_the_history_shows_24_hours() -> None:
    wall = time.perf_counter()
    ex = sfnkit.run(one({"Type": "Wait", "Seconds": 86400}), {})
    assert time.perf_counter() - wall < 1.0
    assert ex.status == "SUCCEEDED"
    h = ex.history
    assert (h[-1].timestamp - h[0].timestamp).total_seconds() == 86400
    assert offsets(ex, "WaitStateEntered") == [0]
    assert offsets(ex, "WaitStateExited") == [86400]
    assert ex.stop_time is not None and ex.stop_time - ex.start_time == 86400


def test_wait_seconds_path() -> None:
    ex = sfnkit.run(one({"Type": "Wait", "SecondsPath": "$.s"}), {"s": 42})
    assert offsets(ex, "WaitStateExited") == [42]


def test_wait_timestamp() -> None:
    ex = sfnkit.run(one({"Type": "Wait", "Timestamp": "2025-01-02T00:00:00Z"}), {})
    assert [e.timestamp for e in ex.history if e.type == "WaitStateExited"] == [datetime(2025, 1, 2, tzinfo=UTC)]


def test_wait_timestamp_path() -> None:
    ex = sfnkit.run(one({"Type": "Wait", "TimestampPath": "$.t"}), {"t": "2025-01-01T12:30:00+00:00"})
    assert offsets(ex, "WaitStateExited") == [1800]


def test_wait_timestamp_in_the_past_does_not_wait() -> None:
    ex = sfnkit.run(one({"Type": "Wait", "Timestamp": "2020-01-01T00:00:00Z"}), {})
    assert offsets(ex, "WaitStateExited") == [0]


def test_wait_on_a_virtual_clock_with_a_given_start() -> None:
    clock = sfnkit.VirtualClock(datetime(2030, 6, 1, tzinfo=UTC))
    ex = sfnkit.run(one({"Type": "Wait", "Seconds": 60}), {}, clock=clock)
    assert ex.history[0].timestamp == datetime(2030, 6, 1, tzinfo=UTC)
    assert ex.history[-1].timestamp == datetime(2030, 6, 1, 0, 1, tzinfo=UTC)


@pytest.mark.parametrize("data", [{"s": -1}, {"s": "ten"}, {"s": 1.5}, {}])
def test_wait_seconds_path_bad_values_are_runtime_errors(data: dict[str, Any]) -> None:
    ex = sfnkit.run(one({"Type": "Wait", "SecondsPath": "$.s"}), data)
    assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
    assert types(ex) == ["ExecutionStarted", "WaitStateEntered", "ExecutionFailed"]


def test_wait_timestamp_path_bad_value_is_a_runtime_error() -> None:
    ex = sfnkit.run(one({"Type": "Wait", "TimestampPath": "$.t"}), {"t": "tomorrow"})
    assert (ex.status, ex.error) == ("FAILED", "States.Runtime")


# ---------------------------------------------------------------------------------------------------------
# Succeed / Fail


def test_succeed_with_paths() -> None:
    ex = sfnkit.run(one({"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}), {"a": {"b": 1}})
    assert ex.output == 1
    assert types(ex) == ["ExecutionStarted", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"]


def test_fail_with_error_and_cause() -> None:
    ex = sfnkit.run(one({"Type": "Fail", "Error": "Oops", "Cause": "because"}), {"a": 1})
    assert (ex.status, ex.error, ex.cause, ex.output) == ("FAILED", "Oops", "because", None)
    assert types(ex) == ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]
    last = ex.history[-1]
    assert (last.error, last.cause, last.previous_event_id) == ("Oops", "because", 2)


def test_fail_with_error_path_and_cause_path() -> None:
    ex = sfnkit.run(one({"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}), {"e": "E1", "c": "C1"})
    assert (ex.error, ex.cause) == ("E1", "C1")


def test_fail_cause_path_with_an_intrinsic() -> None:
    sm = one({"Type": "Fail", "Error": "E", "CausePath": "States.Format('item {} failed', $.id)"})
    assert sfnkit.run(sm, {"id": 7}).cause == "item 7 failed"


def test_fail_without_error_or_cause() -> None:
    ex = sfnkit.run(one({"Type": "Fail"}), {})
    assert ex.status == "FAILED"
    assert ex.cause is None


# ---------------------------------------------------------------------------------------------------------
# Parallel


def _branch(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    names = [n for n, _ in states]
    body = {}
    for i, (n, s) in enumerate(states):
        s = dict(s)
        if s["Type"] not in ("Succeed", "Fail", "Choice"):
            s.setdefault("End", True) if i == len(states) - 1 else s.setdefault("Next", names[i + 1])
        body[n] = s
    return {"StartAt": names[0], "States": body}


def test_parallel_results_are_in_branch_order_not_finishing_order() -> None:
    sm = one(
        {
            "Type": "Parallel",
            "Branches": [
                _branch(("Slow", {"Type": "Wait", "Seconds": 5}), ("X", {"Type": "Pass", "Result": "slow"})),
                _branch(("Fast", {"Type": "Pass", "Result": "fast"})),
            ],
        },
        name="P",
    )
    ex = sfnkit.run(sm, {"in": 1})
    assert ex.output == ["slow", "fast"]
    assert types(ex) == [
        "ExecutionStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "WaitStateEntered",
        "PassStateEntered",
        "PassStateExited",
        "WaitStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ParallelStateSucceeded",  # dropped by the recorder in the parallel_sorted cases, kept by AWS
        "ParallelStateExited",
        "ExecutionSucceeded",
    ]
    assert offsets(ex, "ParallelStateExited") == [5]
    # each branch chains its own previousEventIds from ParallelStateStarted
    h = ex.history
    started = next(e.id for e in h if e.type == "ParallelStateStarted")
    firsts = [e for e in h if e.type.endswith("StateEntered") and e.state_name in ("Slow", "Fast")]
    assert [e.previous_event_id for e in firsts] == [started, started]


def test_parallel_branches_get_the_same_input() -> None:
    sm = one(
        {
            "Type": "Parallel",
            "Parameters": {"v.$": "$.v"},
            "ResultSelector": {"both.$": "$"},
            "ResultPath": "$.res",
            "Branches": [_branch(("A", {"Type": "Pass"})), _branch(("B", {"Type": "Pass", "OutputPath": "$.v"}))],
        }
    )
    assert sfnkit.run(sm, {"v": 3}).output == {"v": 3, "res": {"both": [{"v": 3}, 3]}}


def test_parallel_failure_of_one_branch_aborts_the_others() -> None:
    sm = one(
        {
            "Type": "Parallel",
            "Branches": [
                _branch(("W", {"Type": "Wait", "Seconds": 5}), ("After", {"Type": "Pass"})),
                _branch(("F", {"Type": "Fail", "Error": "Boom", "Cause": "b"})),
            ],
        },
        name="P",
    )
    ex = sfnkit.run(sm, {})
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "Boom", "b")
    assert types(ex) == [
        "ExecutionStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "WaitStateEntered",
        "FailStateEntered",
        "WaitStateAborted",
        "ParallelStateFailed",
        "ExecutionFailed",
    ]
    assert "After" not in [e.state_name for e in ex.history]
    assert offsets(ex, "ExecutionFailed") == [0]  # the Wait was cut short


def test_parallel_failed_event_follows_the_failing_branch() -> None:
    """Recorded on AWS (test_base_scenarios__test_parallel_state_fail): ParallelStateFailed's previousEventId
    is the failing branch's FailStateEntered, not ParallelStateStarted."""
    sm = {
        "StartAt": "ParallelState",
        "States": {
            "ParallelState": {
                "Type": "Parallel",
                "End": True,
                "Branches": [{"StartAt": "Branch1", "States": {"Branch1": {"Type": "Fail", "Error": "FailureType"}}}],
            }
        },
    }
    ex = sfnkit.run(sm, {})
    assert [(e.id, e.previous_event_id, e.type) for e in ex.history] == [
        (1, 0, "ExecutionStarted"),
        (2, 0, "ParallelStateEntered"),
        (3, 2, "ParallelStateStarted"),
        (4, 3, "FailStateEntered"),
        (5, 4, "ParallelStateFailed"),
        (6, 5, "ExecutionFailed"),
    ]


def test_parallel_retry_restarts_after_the_failing_branch() -> None:
    """Recorded on AWS (test_base_scenarios__test_parallel_state_retry): each retry's ParallelStateStarted
    follows the previous attempt's FailStateEntered."""
    sm = {
        "StartAt": "ParallelState",
        "States": {
            "ParallelState": {
                "Type": "Parallel",
                "Next": "Final",
                "Retry": [{"ErrorEquals": ["FailureType"], "MaxAttempts": 2}],
                "Branches": [
                    {
                        "StartAt": "Branch1",
                        "States": {"Branch1": {"Type": "Fail", "Error": "FailureType", "Cause": "Cause description"}},
                    }
                ],
            },
            "Final": {"Type": "Pass", "End": True},
        },
    }
    ex = sfnkit.run(sm, {})
    assert (ex.error, ex.cause) == ("FailureType", "Cause description")
    assert [(e.id, e.previous_event_id, e.type) for e in ex.history] == [
        (1, 0, "ExecutionStarted"),
        (2, 0, "ParallelStateEntered"),
        (3, 2, "ParallelStateStarted"),
        (4, 3, "FailStateEntered"),
        (5, 4, "ParallelStateStarted"),
        (6, 5, "FailStateEntered"),
        (7, 6, "ParallelStateStarted"),
        (8, 7, "FailStateEntered"),
        (9, 8, "ParallelStateFailed"),
        (10, 9, "ExecutionFailed"),
    ]
    assert offsets(ex, "ParallelStateStarted") == [0, 1, 3]


def test_parallel_catch() -> None:
    sm = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [_branch(("F", {"Type": "Fail", "Error": "E", "Cause": "C"}))],
                "Catch": [{"ErrorEquals": ["E"], "ResultPath": "$.err", "Next": "Z"}],
            },
            "Z": {"Type": "Pass", "End": True},
        },
    }
    ex = sfnkit.run(sm, {"a": 1})
    assert ex.output == {"a": 1, "err": {"Error": "E", "Cause": "C"}}
    # a caught failure still records ParallelStateFailed, then ParallelStateExited (as recorded, unsorted, in
    # test_callback__test_sqs_failure_in_wait_for_task_tok_no_error_field__SQS_PARALLEL_WAIT_FOR_TASK_TOKEN; the
    # parallel_sorted recordings lose the closing event)
    assert types(ex) == [
        "ExecutionStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "FailStateEntered",
        "ParallelStateFailed",
        "ParallelStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]


def test_parallel_task_failure_aborts_a_running_task() -> None:
    def slow(event: Any) -> Any:
        virtual_sleep(10)
        return 1

    sm = one(
        {
            "Type": "Parallel",
            "Branches": [
                _branch(("Slow", {"Type": "Task", "Resource": arn("slow")})),
                _branch(("Bad", {"Type": "Task", "Resource": arn("bad")})),
            ],
        }
    )
    ex = sfnkit.run(sm, {}, resources={"slow": slow, "bad": raising(TaskFailure("E"))})
    assert ex.error == "E"
    assert "TaskStateAborted" in types(ex)
    assert "LambdaFunctionSucceeded" not in types(ex)
    assert offsets(ex, "ExecutionFailed") == [0]


def test_nested_parallel() -> None:
    inner = {
        "Type": "Parallel",
        "Branches": [_branch(("I1", {"Type": "Pass", "Result": 1})), _branch(("I2", {"Type": "Pass", "Result": 2}))],
    }
    sm = one(
        {"Type": "Parallel", "Branches": [_branch(("Inner", inner)), _branch(("O", {"Type": "Pass", "Result": 3}))]}
    )
    assert sfnkit.run(sm, {}).output == [[1, 2], 3]


# ---------------------------------------------------------------------------------------------------------
# Map (inline)


def test_map_items_path_and_item_selector_with_context() -> None:
    sm = one(
        {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemSelector": {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value", "k.$": "$.k"},
            "ItemProcessor": _branch(("T", {"Type": "Task", "Resource": arn("f")})),
        },
        name="M",
    )
    ex = sfnkit.run(sm, {"items": ["a", "b", "c"], "k": 9}, resources={"f": lambda e: e})
    assert ex.output == [
        {"index": 0, "value": "a", "k": 9},
        {"index": 1, "value": "b", "k": 9},
        {"index": 2, "value": "c", "k": 9},
    ]
    h = ex.history
    assert h[2].type == "MapStateStarted" and h[2].details is not None and h[2].details["length"] == 3
    its = [e for e in h if e.type == "MapIterationStarted"]
    assert [(e.map_name, e.map_index) for e in its] == [("M", 0), ("M", 1), ("M", 2)]
    assert types(ex)[-3:] == ["MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]


def test_map_parameters_is_the_old_name_of_item_selector() -> None:
    sm = one({"Type": "Map", "Parameters": {"v.$": "$$.Map.Item.Value"}, "Iterator": _branch(("P", {"Type": "Pass"}))})
    assert sfnkit.run(sm, [1, 2]).output == [{"v": 1}, {"v": 2}]


def test_map_max_concurrency_one_runs_items_in_order() -> None:
    order: list[int] = []

    def handler(event: Any) -> Any:
        order.append(event)
        virtual_sleep(event)
        return event * 10

    sm = one(
        {"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": _branch(("T", {"Type": "Task", "Resource": arn("f")}))}
    )
    ex = sfnkit.run(sm, [3, 1, 2], resources={"f": handler})
    assert ex.output == [30, 10, 20]
    assert order == [3, 1, 2]
    its = [(e.type, e.map_index) for e in ex.history if e.type.startswith("MapIteration")]
    assert its == [
        ("MapIterationStarted", 0),
        ("MapIterationSucceeded", 0),
        ("MapIterationStarted", 1),
        ("MapIterationSucceeded", 1),
        ("MapIterationStarted", 2),
        ("MapIterationSucceeded", 2),
    ]
    assert offsets(ex, "MapIterationSucceeded") == [3, 4, 6]


def _most_open_iterations(ex: Any) -> int:
    open_now = most = 0
    for e in ex.history:
        if e.type == "MapIterationStarted":
            open_now += 1
            most = max(most, open_now)
        elif e.type in ("MapIterationSucceeded", "MapIterationFailed", "MapIterationAborted"):
            open_now -= 1
    return most


@pytest.mark.parametrize("max_concurrency", [None, 0, 100])
def test_inline_map_runs_at_most_40_iterations_at_once(max_concurrency: int | None) -> None:
    """AWS: "In Inline mode, the Map state supports up to 40 concurrent iterations"; the 41st item starts when
    the first iteration ends, whatever MaxConcurrency asks for."""
    state: dict[str, Any] = {"Type": "Map", "ItemProcessor": _branch(("W", {"Type": "Wait", "SecondsPath": "$"}))}
    if max_concurrency is not None:
        state["MaxConcurrency"] = max_concurrency
    ex = sfnkit.run(one(state), [1 + i % 7 for i in range(100)])
    assert ex.status == "SUCCEEDED" and len(ex.output) == 100
    assert _most_open_iterations(ex) == 40
    events = list(ex.history)
    started = [e.map_index for e in events if e.type == "MapIterationStarted"]
    assert started == list(range(100))
    first_end = next(i for i, e in enumerate(events) if e.type == "MapIterationSucceeded")
    start_41st = next(i for i, e in enumerate(events) if e.type == "MapIterationStarted" and e.map_index == 40)
    assert start_41st > first_end


def test_map_unbounded_concurrency_overlaps_items() -> None:
    sm = one({"Type": "Map", "ItemProcessor": _branch(("W", {"Type": "Wait", "SecondsPath": "$"}))})
    ex = sfnkit.run(sm, [3, 1, 2])
    assert ex.output == [3, 1, 2]
    assert [e.map_index for e in ex.history if e.type == "MapIterationSucceeded"] == [1, 2, 0]
    assert offsets(ex, "MapStateExited") == [3]


def test_map_empty_items() -> None:
    ex = sfnkit.run(one({"Type": "Map", "ItemProcessor": _branch(("P", {"Type": "Pass"}))}), [])
    assert ex.output == []
    assert types(ex) == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]


def test_map_over_a_non_array_is_a_runtime_error() -> None:
    ex = sfnkit.run(one({"Type": "Map", "ItemProcessor": _branch(("P", {"Type": "Pass"}))}, name="M"), {"a": 1})
    assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
    assert ex.cause == (
        "An error occurred while executing the state 'M' (entered at the event id #2). "
        'Map state input must be an array but was: {"a":1}'
    )


def test_map_failure_of_one_item_aborts_the_rest() -> None:
    def handler(event: Any) -> Any:
        if event == 2:
            raise TaskFailure("Two")
        virtual_sleep(5)
        return event

    sm = one({"Type": "Map", "ItemProcessor": _branch(("T", {"Type": "Task", "Resource": arn("f")}))})
    ex = sfnkit.run(sm, [1, 2, 3], resources={"f": handler})
    assert (ex.status, ex.error) == ("FAILED", "Two")
    it = [(e.type, e.map_index) for e in ex.history if e.type.startswith("MapIteration")]
    assert ("MapIterationFailed", 1) in it
    assert ("MapIterationAborted", 0) in it and ("MapIterationAborted", 2) in it
    assert types(ex)[-2:] == ["MapStateFailed", "ExecutionFailed"]
    # AWS also writes TaskStateAborted for the failed iteration's task (test_timeouts__test_service_lambda_map_timeout)
    assert types(ex).count("TaskStateAborted") == 3
    assert offsets(ex, "ExecutionFailed") == [0]


def test_map_state_failed_follows_the_failing_iteration() -> None:
    """AWS links MapStateFailed to the failing iteration's events, not to MapStateStarted (recorded cases of
    test_error_output__test_map_catch_error and test_timeouts__test_service_lambda_map_timeout)."""
    sm = one({"Type": "Map", "ItemProcessor": _branch(("F", {"Type": "Fail", "Error": "E"}))})
    ex = sfnkit.run(sm, [1])
    h = ex.history
    failed = next(e for e in h if e.type == "MapStateFailed")
    started = next(e for e in h if e.type == "MapStateStarted")
    assert failed.previous_event_id != started.id
    assert failed.previous_event_id > started.id


def test_map_catch_and_retry() -> None:
    calls: list[Any] = []
    sm: dict[str, Any]

    def handler(event: Any) -> Any:
        calls.append(event)
        raise TaskFailure("E", "c")

    sm = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "ItemProcessor": _branch(("T", {"Type": "Task", "Resource": arn("f")})),
                "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 1, "IntervalSeconds": 3}],
                "Catch": [{"ErrorEquals": ["E"], "ResultPath": "$.err", "Next": "H"}],
            },
            "H": {"Type": "Pass", "OutputPath": "$.err", "End": True},
        },
    }
    sm["States"]["M"]["ItemsPath"] = "$.xs"
    ex = sfnkit.run(sm, {"xs": [7]}, resources={"f": handler})
    assert ex.output == {"Error": "E", "Cause": "c"}
    assert calls == [7, 7]
    assert offsets(ex, "MapStateStarted") == [0, 3]


def test_map_result_selector_and_result_path() -> None:
    sm = one(
        {
            "Type": "Map",
            "ItemsPath": "$.xs",
            "ItemProcessor": _branch(("P", {"Type": "Pass"})),
            "ResultSelector": {"n.$": "States.ArrayLength($)"},
            "ResultPath": "$.count",
        }
    )
    assert sfnkit.run(sm, {"xs": [1, 2, 3]}).output == {"xs": [1, 2, 3], "count": {"n": 3}}


def test_map_max_concurrency_path() -> None:
    sm = one(
        {
            "Type": "Map",
            "ItemsPath": "$.xs",
            "MaxConcurrencyPath": "$.c",
            "ItemProcessor": _branch(("W", {"Type": "Wait", "Seconds": 1})),
        }
    )
    ex = sfnkit.run(sm, {"xs": [1, 2, 3, 4], "c": 2})
    assert offsets(ex, "MapStateExited") == [2]


def test_nested_map_context_is_the_inner_item() -> None:
    inner = {
        "Type": "Map",
        "ItemSelector": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"},
        "ItemProcessor": _branch(("P", {"Type": "Pass"})),
    }
    sm = one({"Type": "Map", "ItemProcessor": _branch(("Inner", inner))})
    assert sfnkit.run(sm, [["a", "b"], ["c"]]).output == [
        [{"i": 0, "v": "a"}, {"i": 1, "v": "b"}],
        [{"i": 0, "v": "c"}],
    ]


# ---------------------------------------------------------------------------------------------------------
# Map (distributed)


def _dmap(**fields: Any) -> dict[str, Any]:
    return one(
        {
            "Type": "Map",
            **fields,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                **_branch(
                    (
                        "C",
                        {
                            "Type": "Choice",
                            "Choices": [{"Variable": "$", "NumericGreaterThan": 2, "Next": "F"}],
                            "Default": "S",
                        },
                    ),
                    ("F", {"Type": "Fail", "Error": "TooBig", "Cause": "big"}),
                    ("S", {"Type": "Succeed"}),
                ),
            },
        },
        name="M",
    )


def test_distributed_map_records_a_map_run() -> None:
    ex = sfnkit.run(_dmap(), [1, 2])
    assert ex.status == "SUCCEEDED"
    assert ex.output == [1, 2]
    assert types(ex) == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]
    run_arn = ex.history[3].details["mapRunArn"]  # type: ignore[index]
    assert run_arn.startswith(f"arn:aws:states:us-east-1:{ACCOUNT}:mapRun:")
    assert "/M:" in run_arn
    # the child executions' events stay out of the parent history
    assert not any(t.startswith("MapIteration") or t.startswith("Choice") for t in types(ex))


def test_distributed_map_tolerated_failure_count() -> None:
    ex = sfnkit.run(_dmap(ToleratedFailureCount=2), [1, 2, 3, 4])
    assert ex.status == "SUCCEEDED"
    assert len(ex.output) == 4
    assert ex.output[:2] == [1, 2]


def test_distributed_map_tolerated_failure_percentage() -> None:
    assert sfnkit.run(_dmap(ToleratedFailurePercentage=50), [1, 2, 3, 4]).status == "SUCCEEDED"
    ex = sfnkit.run(_dmap(ToleratedFailurePercentage=49), [1, 2, 3, 4])
    assert ex.error == "States.ExceedToleratedFailureThreshold"


def test_distributed_map_exceeding_the_threshold() -> None:
    ex = sfnkit.run(_dmap(ToleratedFailureCount=1), [1, 2, 3, 4])
    assert ex.status == "FAILED"
    assert ex.error == "States.ExceedToleratedFailureThreshold"
    assert ex.cause == "The specified tolerated failure threshold was exceeded"
    assert types(ex) == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapRunStarted",
        "MapRunFailed",
        "MapStateFailed",
        "ExecutionFailed",
    ]


def test_distributed_map_without_tolerance_fails_on_the_first_failure() -> None:
    ex = sfnkit.run(_dmap(), [1, 5])
    assert ex.error == "States.ExceedToleratedFailureThreshold"


def test_distributed_map_threshold_error_can_be_caught() -> None:
    sm = _dmap(ToleratedFailureCount=0)
    sm["States"]["M"].pop("End")
    sm["States"]["M"]["Next"] = "Done"
    sm["States"]["M"]["Catch"] = [{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "Next": "Handled"}]
    sm["States"]["Done"] = {"Type": "Succeed"}
    sm["States"]["Handled"] = {"Type": "Pass", "OutputPath": "$.Error", "End": True}
    assert sfnkit.run(sm, [9]).output == "States.ExceedToleratedFailureThreshold"


# ---------------------------------------------------------------------------------------------------------
# variables


def test_assign_and_variables_in_paths() -> None:
    sm = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"x": 1, "y.$": "$.y"}, "Next": "B"},
            "B": {"Type": "Pass", "Parameters": {"x.$": "$x", "y.$": "$y"}, "End": True},
        },
    }
    ex = sfnkit.run(sm, {"y": "why"})
    assert ex.output == {"x": 1, "y": "why"}
    exited = ex.history[2]
    assert exited.assigned_variables == {"x": 1, "y": "why"}
    assert exited.details is not None and dict(exited.details["assignedVariablesDetails"]) == {"truncated": False}


def test_assign_sees_the_variables_from_before_the_state() -> None:
    sm = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "B"},
            "B": {"Type": "Pass", "Assign": {"x": 2, "old.$": "$x"}, "Next": "C"},
            "C": {"Type": "Pass", "Parameters": {"x.$": "$x", "old.$": "$old"}, "End": True},
        },
    }
    assert sfnkit.run(sm, {}).output == {"x": 2, "old": 1}


def test_variable_in_choice_and_wait() -> None:
    sm = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"limit": 3, "pause": 7}, "Next": "C"},
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericGreaterThanPath": "$limit", "Next": "W"}],
                "Default": "Small",
            },
            "W": {"Type": "Wait", "SecondsPath": "$pause", "Next": "Big"},
            "Big": {"Type": "Pass", "Result": "big", "End": True},
            "Small": {"Type": "Pass", "Result": "small", "End": True},
        },
    }
    big = sfnkit.run(sm, {"n": 5})
    assert big.output == "big"
    assert offsets(big, "WaitStateExited") == [7]
    assert sfnkit.run(sm, {"n": 1}).output == "small"


def test_task_assign_from_the_result() -> None:
    sm = {
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": arn("f"), "Assign": {"got.$": "$.v"}, "ResultPath": None, "Next": "U"},
            "U": {"Type": "Pass", "Parameters": {"got.$": "$got"}, "End": True},
        },
    }
    assert sfnkit.run(sm, {}, resources={"f": lambda e: {"v": 42}}).output == {"got": 42}


def test_catch_assign() -> None:
    sm = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": arn("f"),
                "End": True,
                "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"err.$": "$.Error"}, "Next": "H"}],
            },
            "H": {"Type": "Pass", "Parameters": {"err.$": "$err"}, "End": True},
        },
    }
    assert sfnkit.run(sm, {}, resources={"f": raising(TaskFailure("Bad"))}).output == {"err": "Bad"}


def test_map_iterations_read_but_cannot_change_outer_variables() -> None:
    sm = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"x": 1, "y": "outer"}, "Next": "M"},
            "M": {
                "Type": "Map",
                "ItemsPath": "$.l",
                "ItemSelector": {"v.$": "$$.Map.Item.Value"},
                "ResultPath": "$.m",
                "Next": "C",
                "ItemProcessor": _branch(
                    ("I", {"Type": "Pass", "Parameters": {"v.$": "$.v", "seen.$": "$x"}, "Assign": {"x.$": "$.v"}}),
                    ("J", {"Type": "Pass", "Parameters": {"seen.$": "$.seen", "now.$": "$x", "y.$": "$y"}}),
                ),
            },
            "C": {"Type": "Pass", "Parameters": {"x.$": "$x", "m.$": "$.m"}, "End": True},
        },
    }
    ex = sfnkit.run(sm, {"l": [10, 20]})
    assert ex.output == {"x": 1, "m": [{"seen": 1, "now": 10, "y": "outer"}, {"seen": 1, "now": 20, "y": "outer"}]}


def test_parallel_branches_read_outer_variables_and_do_not_leak() -> None:
    sm: dict[str, Any] = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"x": 42}, "Next": "P"},
            "P": {
                "Type": "Parallel",
                "Next": "C",
                "ResultPath": "$.r",
                "Branches": [
                    _branch(("B1", {"Type": "Pass", "Assign": {"inner": 1}, "Parameters": {"x.$": "$x"}})),
                    _branch(("B2", {"Type": "Pass", "Parameters": {"x.$": "$x"}})),
                ],
            },
            "C": {"Type": "Pass", "Parameters": {"r.$": "$.r", "x.$": "$x"}, "End": True},
        },
    }
    ex = sfnkit.run(sm, {})
    assert ex.output == {"r": [{"x": 42}, {"x": 42}], "x": 42}
    bad = {**sm, "States": {**sm["States"], "C": {"Type": "Pass", "Parameters": {"inner.$": "$inner"}, "End": True}}}
    leaked = sfnkit.run(bad, {})
    assert (leaked.status, leaked.error) == ("FAILED", "States.Runtime")


def test_parallel_and_map_assign_from_their_results() -> None:
    sm = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Assign": {"first.$": "$[0]"},
                "Next": "M",
                "Branches": [_branch(("A", {"Type": "Pass", "Result": "a"})), _branch(("B", {"Type": "Pass"}))],
            },
            "M": {
                "Type": "Map",
                "ItemsPath": "$",
                "Assign": {"count.$": "States.ArrayLength($)"},
                "Next": "Z",
                "ItemProcessor": _branch(("I", {"Type": "Pass"})),
            },
            "Z": {"Type": "Pass", "Parameters": {"first.$": "$first", "count.$": "$count"}, "End": True},
        },
    }
    assert sfnkit.run(sm, {}).output == {"first": "a", "count": 2}


# ---------------------------------------------------------------------------------------------------------
# execution-level timeout


def test_top_level_timeout_seconds_times_the_execution_out() -> None:
    sm = {"TimeoutSeconds": 10, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": True}}}
    ex = sfnkit.run(sm, {})
    assert ex.status == "TIMED_OUT"
    assert ex.output is None
    assert types(ex) == ["ExecutionStarted", "WaitStateEntered", "ExecutionTimedOut"]
    assert offsets(ex, "ExecutionTimedOut") == [10]
    assert ex.history.status == "TIMED_OUT"


def test_top_level_timeout_during_a_slow_task() -> None:
    def slow(event: Any) -> Any:
        virtual_sleep(60)
        return 1

    sm = {"TimeoutSeconds": 5, **task()}
    ex = sfnkit.run(sm, {}, resources={"f": slow})
    assert ex.status == "TIMED_OUT"
    assert offsets(ex, "ExecutionTimedOut") == [5]
    assert types(ex)[-1] == "ExecutionTimedOut"


def test_top_level_timeout_not_reached() -> None:
    sm = {"TimeoutSeconds": 10, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 9, "End": True}}}
    ex = sfnkit.run(sm, {})
    assert ex.status == "SUCCEEDED"
    assert types(ex)[-1] == "ExecutionSucceeded"


# ---------------------------------------------------------------------------------------------------------
# .waitForTaskToken

SQS_TOKEN = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"


def _token_machine(**fields: Any) -> dict[str, Any]:
    return task("Wait", SQS_TOKEN, Parameters={"MessageBody": {"token.$": "$$.Task.Token", "m.$": "$.m"}}, **fields)


def test_wait_for_task_token_token_is_in_the_parameters() -> None:
    """``$$.Task.Token`` is how a definition hands the token to the worker (every recorded callback case)."""
    sent: list[Any] = []

    def send(params: Any) -> Any:
        sent.append(params)
        return {"MessageId": "1"}

    ex = sfnkit.run(_token_machine(), {"m": "hi"}, resources={SQS_TOKEN: send})
    assert ex.status == "RUNNING"
    (token,) = ex.pending_tokens
    assert sent == [{"MessageBody": {"token": token, "m": "hi"}}]
    assert ex.history[2].parameters_value == {"MessageBody": {"token": token, "m": "hi"}}


def test_wait_for_task_token_success() -> None:
    tokens: list[str | None] = []

    def send(call: TaskCall) -> Any:
        tokens.append(call.task_token)
        return {"MessageId": "1"}

    sm = task("Wait", SQS_TOKEN, Parameters={"MessageBody": "hi"})
    ex = sfnkit.run(sm, {"a": 1}, resources={SQS_TOKEN: send})
    assert ex.status == "RUNNING"
    assert not ex.done
    assert ex.pending_tokens == tokens and tokens[0] is not None
    assert types(ex) == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted"]
    assert ex.history[4].output_value == {"MessageId": "1"}
    ex.send_task_success(tokens[0], {"answer": 42})
    assert ex.status == "SUCCEEDED"
    assert ex.output == {"answer": 42}
    assert ex.pending_tokens == []
    assert types(ex)[-3:] == ["TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"]
    details = ex.history[5].details
    assert details is not None
    assert (details["resourceType"], details["resource"]) == ("sqs", "sendMessage.waitForTaskToken")


def test_wait_for_task_token_failure() -> None:
    sm = task("Wait", SQS_TOKEN, Parameters={"MessageBody": "hi"})
    ex = sfnkit.run(sm, {}, resources={SQS_TOKEN: lambda p: {}})
    ex.send_task_failure(ex.pending_tokens[0], "Rejected", "by a human")
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "Rejected", "by a human")
    assert types(ex)[-2:] == ["TaskFailed", "ExecutionFailed"]


def test_wait_for_task_token_failure_can_be_caught() -> None:
    sm = {
        "StartAt": "W",
        "States": {
            "W": {
                "Type": "Task",
                "Resource": SQS_TOKEN,
                "Parameters": {"MessageBody": "hi"},
                "End": True,
                "Catch": [{"ErrorEquals": ["Rejected"], "Next": "H"}],
            },
            "H": {"Type": "Pass", "End": True},
        },
    }
    ex = sfnkit.run(sm, {}, resources={SQS_TOKEN: lambda p: {}})
    ex.send_task_failure(ex.pending_tokens[0], "Rejected", "no")
    assert ex.output == {"Error": "Rejected", "Cause": "no"}


def test_wait_for_task_token_keeps_waiting_with_a_heartbeat_and_timeout() -> None:
    """``run()`` stops when the execution waits on a task token, also when the task has HeartbeatSeconds or
    TimeoutSeconds: the virtual clock must not jump to the timeout before the caller had a chance to answer."""
    sm = task("Wait", SQS_TOKEN, Parameters={"MessageBody": "hi"}, HeartbeatSeconds=30, TimeoutSeconds=300)
    ex = sfnkit.run(sm, {}, resources={SQS_TOKEN: lambda p: {}})
    assert ex.status == "RUNNING"
    assert len(ex.pending_tokens) == 1
    ex.send_task_success(ex.pending_tokens[0], {"ok": True})
    assert ex.output == {"ok": True}


def test_wait_for_task_token_heartbeat_timeout() -> None:
    sm = task("Wait", SQS_TOKEN, Parameters={"MessageBody": "hi"}, HeartbeatSeconds=30, TimeoutSeconds=300)
    ex = sfnkit.run(sm, {}, resources={SQS_TOKEN: lambda p: {}})
    ex.run()  # nobody answers: time moves on to the heartbeat deadline
    # AWS records a callback's heartbeat expiry as TaskTimedOut with States.Timeout (conformance case
    # test_heartbeats__test_heartbeat_no_timeout)
    assert (ex.status, ex.error) == ("FAILED", "States.Timeout")
    assert types(ex) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskTimedOut",
        "ExecutionFailed",
    ]
    assert offsets(ex, "TaskTimedOut") == [30]
    scheduled = ex.history[2].details
    assert scheduled is not None
    assert (scheduled["heartbeatInSeconds"], scheduled["timeoutInSeconds"]) == (30, 300)


def test_wait_for_task_token_timeout() -> None:
    sm = task("Wait", SQS_TOKEN, Parameters={"MessageBody": "hi"}, TimeoutSeconds=300)
    ex = sfnkit.run(sm, {}, resources={SQS_TOKEN: lambda p: {}})
    ex.run()
    assert (ex.status, ex.error) == ("FAILED", "States.Timeout")
    assert offsets(ex, "TaskTimedOut") == [300]


def test_wait_for_task_token_send_heartbeat_and_unknown_tokens() -> None:
    sm = task("Wait", SQS_TOKEN, Parameters={"MessageBody": "hi"})
    ex = sfnkit.run(sm, {}, resources={SQS_TOKEN: lambda p: {}})
    token = ex.pending_tokens[0]
    ex.send_task_heartbeat(token)
    with pytest.raises(sfnkit.ExecutionStateError, match="no task is waiting on token"):
        ex.send_task_success("not-a-token", {})
    with pytest.raises(sfnkit.ExecutionStateError):
        ex.send_task_failure("not-a-token", "E", "c")
    with pytest.raises(sfnkit.ExecutionStateError):
        ex.send_task_heartbeat("not-a-token")
    with pytest.raises(sfnkit.ExecutionStateError, match="JSON"):
        ex.send_task_success(token, {1, 2})
    assert ex.status == "RUNNING"
    ex.send_task_success(token, "fine")
    assert ex.output == "fine"
    with pytest.raises(sfnkit.ExecutionStateError):
        ex.send_task_success(token, "again")


def test_wait_for_task_token_in_parallel_branches() -> None:
    sm = one(
        {
            "Type": "Parallel",
            "Branches": [
                _branch(("W1", {"Type": "Task", "Resource": SQS_TOKEN, "Parameters": {"MessageBody": "1"}})),
                _branch(("W2", {"Type": "Task", "Resource": SQS_TOKEN, "Parameters": {"MessageBody": "2"}})),
            ],
        }
    )
    ex = sfnkit.run(sm, {}, resources={SQS_TOKEN: lambda p: {}})
    first, second = ex.pending_tokens
    ex.send_task_success(second, "two")
    assert ex.status == "RUNNING"
    ex.send_task_success(first, "one")
    assert ex.output == ["one", "two"]


def test_wait_for_task_token_resource_registered_without_the_suffix() -> None:
    """The runtime looks a ``.waitForTaskToken`` resource up with and without the suffix; the check made before
    the run must accept the same keys."""
    sm = task("Wait", SQS_TOKEN, Parameters={"MessageBody": "hi"})
    ex = sfnkit.run(sm, {}, resources={"arn:aws:states:::sqs:sendMessage": lambda p: {}})
    assert ex.status == "RUNNING"
    assert len(ex.pending_tokens) == 1


# ---------------------------------------------------------------------------------------------------------
# missing resources


def test_missing_resource_is_reported_before_the_run_naming_the_closest_keys() -> None:
    sm = task("Charge", arn("chargeCard"))
    with pytest.raises(sfnkit.ResourceError) as info:
        sfnkit.run(sm, {}, resources={"chargeCards": lambda e: 1, "refund": lambda e: 2})
    text = str(info.value)
    assert "'Charge'" in text
    assert "'chargeCard'" in text
    assert "closest keys: 'chargeCards'" in text
    assert 'missing_resources="fail"' in text


def test_missing_resource_lists_every_problem() -> None:
    sm = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Task", "Resource": arn("one"), "Next": "B"},
            "B": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "two"},
                "End": True,
            },
        },
    }
    with pytest.raises(sfnkit.ResourceError) as info:
        sfnkit.run(sm, {})
    text = str(info.value)
    assert "'one'" in text and "'two'" in text
    assert "no resources were given" in text


def test_missing_resource_inside_map_and_parallel_is_found() -> None:
    sm = one(
        {
            "Type": "Parallel",
            "Branches": [
                _branch(
                    (
                        "M",
                        {"Type": "Map", "ItemProcessor": _branch(("Deep", {"Type": "Task", "Resource": arn("deep")}))},
                    )
                )
            ],
        }
    )
    with pytest.raises(sfnkit.ResourceError, match="'Deep'"):
        sfnkit.run(sm, [])


def test_missing_resource_error_is_raised_before_anything_runs() -> None:
    calls: list[Any] = []
    sm = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Task", "Resource": arn("present"), "Next": "B"},
            "B": {"Type": "Task", "Resource": arn("absent"), "End": True},
        },
    }
    with pytest.raises(sfnkit.ResourceError):
        sfnkit.run(sm, {}, resources={"present": calls.append})
    assert calls == []


def test_missing_resources_fail_fails_the_task_like_aws() -> None:
    ex = sfnkit.run(task("Charge", arn("chargeCard")), {}, missing_resources="fail")
    assert ex.status == "FAILED"
    assert ex.error == "Lambda.ResourceNotFoundException"
    assert ex.cause is not None and ex.cause.startswith(
        f"Function not found: arn:aws:lambda:us-east-1:{ACCOUNT}:function:chargeCard:$LATEST (Service: AWSLambda; "
        "Status Code: 404; Error Code: ResourceNotFoundException; Request ID: "
    )
    assert types(ex) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionFailed",
        "ExecutionFailed",
    ]


def test_missing_resources_fail_with_lambda_invoke_and_catch() -> None:
    sm = {
        "StartAt": "I",
        "States": {
            "I": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "nope"},
                "End": True,
                "Catch": [{"ErrorEquals": ["Lambda.ResourceNotFoundException"], "Next": "H"}],
            },
            "H": {"Type": "Pass", "OutputPath": "$.Error", "End": True},
        },
    }
    ex = sfnkit.run(sm, {}, missing_resources="fail")
    assert ex.output == "Lambda.ResourceNotFoundException"
    assert "TaskFailed" in types(ex)


def test_bad_options_are_rejected() -> None:
    with pytest.raises(ValueError, match="missing_resources"):
        sfnkit.run(one({"Type": "Pass"}), {}, missing_resources="ignore")
    with pytest.raises(ValueError, match="type"):
        sfnkit.run(one({"Type": "Pass"}), {}, type="FAST")


# ---------------------------------------------------------------------------------------------------------
# the context object, names and ARNs


def test_context_object_and_arns() -> None:
    sm = one({"Type": "Pass", "Parameters": {"ctx.$": "$$"}}, name="P")
    ex = sfnkit.run(sm, {"a": 1}, name="run-1", account="111111111111", region="eu-west-1", state_machine_name="orders")
    ctx = ex.output["ctx"]
    assert ctx["Execution"]["Id"] == "arn:aws:states:eu-west-1:111111111111:execution:orders:run-1"
    assert ctx["Execution"]["Name"] == "run-1"
    assert ctx["Execution"]["Input"] == {"a": 1}
    assert ctx["Execution"]["StartTime"] == "2025-01-01T12:00:00Z"
    assert ctx["StateMachine"] == {"Id": "arn:aws:states:eu-west-1:111111111111:stateMachine:orders", "Name": "orders"}
    assert ctx["State"]["Name"] == "P"
    assert ex.arn == ctx["Execution"]["Id"]


def test_express_execution_arn() -> None:
    """Express execution ARNs have one more part (recorded: ``express:<sm>:<part1>:<part2>``)."""
    ex = sfnkit.run(one({"Type": "Pass"}), {}, type="EXPRESS", name="e1")
    assert ex.arn.startswith(f"arn:aws:states:us-east-1:{ACCOUNT}:express:sfnkit-local:e1:")
    assert len(ex.arn.split(":")) == 9


def test_default_name_is_a_seeded_uuid() -> None:
    a = sfnkit.run(one({"Type": "Pass"}), {}, seed=3)
    b = sfnkit.run(one({"Type": "Pass"}), {}, seed=3)
    c = sfnkit.run(one({"Type": "Pass"}), {}, seed=4)
    assert a.name == b.name != c.name
    assert len(a.name) == 36


def test_none_input_is_an_empty_object() -> None:
    assert sfnkit.run(one({"Type": "Pass"})).output == {}


# ---------------------------------------------------------------------------------------------------------
# immutability (DESIGN principle 4)


def test_the_callers_input_is_not_shared_with_the_history() -> None:
    data = {"a": [1]}
    ex = sfnkit.run(one({"Type": "Pass"}), data)
    data["a"].append(2)
    assert ex.history[0].input_value == {"a": [1]}
    assert ex.output == {"a": [1]}


def test_mutating_an_output_does_not_change_the_state_machine() -> None:
    sm = sfnkit.load(one({"Type": "Pass", "Result": {"x": [1]}}))
    first = sfnkit.run(sm, {})
    first.output["x"].append(99)
    assert sfnkit.run(sm, {}).output == {"x": [1]}


def test_mutating_an_output_does_not_change_the_history() -> None:
    ex = sfnkit.run(task(), {}, resources={"f": lambda e: {"v": [1]}})
    ex.output["v"].append(2)
    assert ex.history[-1].output_value == {"v": [1]}


def test_a_non_json_input_is_rejected_before_the_run() -> None:
    """Misuse raises (DESIGN principle 2): an input that is not JSON cannot be recorded in a history."""
    with pytest.raises((TypeError, ValueError)):
        sfnkit.run(one({"Type": "Pass"}), {"tags": {"a", "b"}})
    with pytest.raises((TypeError, ValueError)):
        sfnkit.run(one({"Type": "Pass"}), {"x": float("nan")})


# ---------------------------------------------------------------------------------------------------------
# more failure shapes


def test_task_result_over_256_kib_is_data_limit_exceeded() -> None:
    ex = sfnkit.run(task(), {}, resources={"f": lambda e: "x" * 300_000})
    assert (ex.status, ex.error) == ("FAILED", "States.DataLimitExceeded")
    # AWS's words (test_states_errors__test_task_lambda_catch_state_all_data_limit_exceeded_on_large_utf8_response)
    assert ex.cause == (
        f"The state/task '{arn('f')}' returned a result with a size exceeding the maximum number of bytes service limit."
    )
    assert types(ex)[-2:] == ["LambdaFunctionFailed", "ExecutionFailed"]


def test_item_selector_failure_names_the_map_state() -> None:
    """Every other JSONPath failure in a state's data flow gets AWS's "An error occurred while executing the
    state ..." prefix; an ItemSelector evaluated for an iteration should too (inferred, no AWS recording)."""
    sm = one(
        {"Type": "Map", "ItemSelector": {"x.$": "$.nope"}, "ItemProcessor": _branch(("I", {"Type": "Pass"}))},
        name="M",
    )
    ex = sfnkit.run(sm, [1])
    assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
    assert (ex.cause or "").startswith("An error occurred while executing the state 'M' (entered at the event id #2). ")


def test_wait_for_task_token_is_not_cut_short_by_the_execution_timeout() -> None:
    """As with the task's own timeouts: run() returns to let the caller answer before the clock jumps."""
    sm = {"TimeoutSeconds": 100, **task("Wait", SQS_TOKEN, Parameters={"MessageBody": "hi"})}
    ex = sfnkit.run(sm, {}, resources={SQS_TOKEN: lambda p: {}})
    assert ex.status == "RUNNING"
    (token,) = ex.pending_tokens
    ex.send_task_success(token, 1)
    assert ex.output == 1


def test_execution_timeout_fires_when_nobody_answers_the_token() -> None:
    sm = {"TimeoutSeconds": 100, **task("Wait", SQS_TOKEN, Parameters={"MessageBody": "hi"})}
    ex = sfnkit.run(sm, {}, resources={SQS_TOKEN: lambda p: {}})
    ex.run()
    assert ex.status == "TIMED_OUT"
    assert offsets(ex, "ExecutionTimedOut") == [100]


def test_uuids_are_the_standard_library_text_of_the_same_random_bits() -> None:
    import random
    import uuid

    from sfnkit.runtime.interpreter import Interpreter

    class Holder:
        rng = random.Random(7)

    reference = random.Random(7)
    for _ in range(2000):
        expected = str(uuid.UUID(int=reference.getrandbits(128), version=4))
        assert Interpreter.uuid(Holder()) == expected  # type: ignore[arg-type]


def _collected_after(run: Callable[[], Any]) -> list[str]:
    """The objects the cycle collector finds after ``run()`` and dropping its result (type names)."""
    import gc

    run()  # first run: imports and per-machine caches
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        run()
        gc.collect()
        return [type(o).__name__ for o in gc.garbage]
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
        gc.collect()
        if was_enabled:
            gc.enable()


def test_a_finished_execution_leaves_no_reference_cycles() -> None:
    """Dropping a finished execution frees it at once (reference counting), even after retried and uncaught
    task failures and a failed Parallel branch: no history waits for the cycle collector."""
    seen: set[int] = set()

    def flaky(event: Any) -> Any:
        if event["i"] not in seen:
            seen.add(event["i"])
            raise TimeoutError("not yet")
        if event["i"] == 3:
            raise ValueError("item 3 is bad")
        return event

    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Each",
                        "States": {
                            "Each": {
                                "Type": "Map",
                                "ItemProcessor": {
                                    "StartAt": "Work",
                                    "States": {
                                        "Work": {
                                            "Type": "Task",
                                            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
                                            "Retry": [{"ErrorEquals": ["TimeoutError"], "IntervalSeconds": 1}],
                                            "End": True,
                                        }
                                    },
                                },
                                "End": True,
                            }
                        },
                    },
                    {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 5, "End": True}}},
                ],
                "End": True,
            }
        },
    }
    machine = sfnkit.load(definition)

    def run() -> None:
        seen.clear()
        ex = sfnkit.run(machine, [{"i": i} for i in range(5)], resources={"flaky": flaky})
        assert ex.status == "FAILED" and ex.error == "ValueError"

    assert _collected_after(run) == []


def test_which_handlers_get_a_task_call_decorator_then_annotation_then_name() -> None:
    """The rule the README states: @sfnkit.task_call, else the annotation, else the name ``call``."""
    from sfnkit.runtime.resources import _kind_of

    def by_name(call):  # type: ignore[no-untyped-def]
        return call

    def annotated(c: sfnkit.TaskCall) -> Any:
        return c

    def text_annotation(c: "sfnkit.TaskCall") -> Any:  # noqa: UP037 - as `from __future__ import annotations` leaves it
        return c

    def named_call_wants_input(call: dict) -> Any:  # type: ignore[type-arg]
        return call

    @sfnkit.task_call
    def decorated(anything):  # type: ignore[no-untyped-def]
        return anything

    def plain(event):  # type: ignore[no-untyped-def]
        return event

    assert [_kind_of(f) for f in (by_name, annotated, text_annotation, decorated)] == ["call"] * 4
    assert _kind_of(named_call_wants_input) == "one" and _kind_of(plain) == "one"
    sm = {
        "StartAt": "T",
        "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "End": True}},
    }

    @sfnkit.task_call
    def echo(c):  # type: ignore[no-untyped-def]
        return {"state": c.state_name, "got": c.input}

    ex = sfnkit.run(sm, {"x": 1}, resources={"f": echo})
    assert ex.output == {"state": "T", "got": {"x": 1}}
    assert sfnkit.run(sm, {"x": 1}, resources={"f": named_call_wants_input}).output == {"x": 1}
