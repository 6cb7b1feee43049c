"""Task invocation (``sfnkit/runtime/invoke.py``), end to end through ``sfnkit.run``: how handlers are called and
what they may return, ``lambda:invoke``'s envelope, task timeouts and task time, ``.waitForTaskToken`` callbacks,
missing resources and results over the payload limit.

The facts about AWS used here come from the AWS-recorded conformance cases in ``tests/conformance/cases``
(file names are cited where a test depends on one); the helpers (``one``, ``task``, ``types``, ...) are in
``tests/_runtime.py``.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import pytest

import sfnkit
from sfnkit import TaskCall, virtual_sleep
from tests._runtime import ACCOUNT, arn, chain, offsets, one, raising, task, types

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
# Task: timeouts and the time a task takes


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
                chain(("W1", {"Type": "Task", "Resource": SQS_TOKEN, "Parameters": {"MessageBody": "1"}})),
                chain(("W2", {"Type": "Task", "Resource": SQS_TOKEN, "Parameters": {"MessageBody": "2"}})),
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
                chain(
                    (
                        "M",
                        {"Type": "Map", "ItemProcessor": chain(("Deep", {"Type": "Task", "Resource": arn("deep")}))},
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
# Task: results too large, and which handlers get a TaskCall


def test_task_result_over_256_kib_is_data_limit_exceeded() -> None:
    ex = sfnkit.run(task(), {}, resources={"f": lambda e: "x" * 300_000})
    assert (ex.status, ex.error) == ("FAILED", "States.DataLimitExceeded")
    # AWS's words (test_states_errors__test_task_lambda_catch_state_all_data_limit_exceeded_on_large_utf8_response)
    assert ex.cause == (
        f"The state/task '{arn('f')}' returned a result with a size exceeding the maximum number of bytes service limit."
    )
    assert types(ex)[-2:] == ["LambdaFunctionFailed", "ExecutionFailed"]


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
