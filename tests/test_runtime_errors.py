"""Failures, Retry and Catch (``sfnkit/runtime/failures.py`` acting on ``sfnkit/runtime/retry.py``'s decisions),
end to end through ``sfnkit.run``: error names and causes as Lambda and Step Functions shape them, backoff in
virtual time, retrier and catcher order.

The facts about AWS used here come from the AWS-recorded conformance cases in ``tests/conformance/cases``
(file names are cited where a test depends on one); the helpers (``one``, ``task``, ``types``, ...) are in
``tests/_runtime.py``.
"""

from __future__ import annotations

import json
import time
from typing import Any

import sfnkit
from sfnkit import TaskCall, TaskFailure, virtual_sleep
from tests._runtime import arn, offsets, raising, task, types

# ---------------------------------------------------------------------------------------------------------
# Task: failures, Retry, Catch


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
