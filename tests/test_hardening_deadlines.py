"""Issue 13: task deadlines against handler time, where AWS enforces them, and when the events say it happened.

* **HeartbeatSeconds.** AWS enforces it on the tasks that can send heartbeats (SendTaskHeartbeat is "used by
  activity workers and Task states using the callback pattern"): an activity whose worker is a Python handler
  must heartbeat (``call.send_task_heartbeat()``, ``context.send_task_heartbeat()`` or
  ``Execution.send_task_heartbeat(token)``) at least every HeartbeatSeconds while it works, or the task times
  out; AWS records it as ``ActivityTimedOut``/``TaskTimedOut`` with ``States.Timeout`` (the Task state docs:
  "this state fails with a States.Timeout error name"; the recorded callback cases
  ``test_heartbeats__test_heartbeat_no_timeout``). A Lambda function, which has no task token to heartbeat
  with, is not held to it.
* **When a task timed out.** Step Functions stops waiting at the deadline; the handler runs on. The
  ``...TimedOut`` event is stamped at the deadline and the execution goes on from there, on both clocks (on a
  virtual clock the overrun never counts; on a wall clock the execution's time stays behind real time by the
  overrun, so its later deadlines, the machine's TimeoutSeconds among them, fall where they fall on AWS).
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import sfnkit
from sfnkit import LambdaContext, TaskCall, virtual_sleep

sys.path.insert(0, str(Path(__file__).parent))
from _read_all import read_everything
from test_runtime_properties import check_ids, check_time

ACTIVITY = "arn:aws:states:us-east-1:123456789012:activity:work"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"


def machine(resource: str, **task: Any) -> dict[str, Any]:
    """One Task, caught on States.Timeout by a Pass (so what follows the timeout shows in the history)."""
    return {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": resource,
                "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Late"}],
                "End": True,
                **task,
            },
            "Late": {"Type": "Pass", "End": True},
        },
    }


def event(ex: sfnkit.Execution, type: str) -> sfnkit.HistoryEvent:
    (e,) = [e for e in ex.history if e.type == type]
    return e


def since(ex: sfnkit.Execution, type: str, start: str) -> float:
    """Seconds from the ``start`` event to the ``type`` event."""
    return (event(ex, type).timestamp - event(ex, start).timestamp).total_seconds()


def check(ex: sfnkit.Execution) -> None:
    check_ids(ex.history)
    check_time(ex.history)
    read_everything(ex)


# -- HeartbeatSeconds for Python activity workers, on the virtual clock ----------------------------------------


def test_a_worker_that_heartbeats_in_time_may_take_longer_than_heartbeat_seconds() -> None:
    tokens: list[str | None] = []

    def worker(call: TaskCall) -> Any:
        tokens.append(call.task_token)
        for _ in range(3):
            virtual_sleep(8)
            call.send_task_heartbeat()
        virtual_sleep(8)
        return {"done": True}

    ex = sfnkit.run(machine(ACTIVITY, HeartbeatSeconds=10, TimeoutSeconds=100), {}, resources={ACTIVITY: worker})
    assert ex.status == "SUCCEEDED" and ex.output == {"done": True}
    assert since(ex, "ActivitySucceeded", "ActivityStarted") == 32
    scheduled = event(ex, "ActivityScheduled").details or {}
    assert (scheduled["heartbeatInSeconds"], scheduled["timeoutInSeconds"]) == (10, 100)
    (token,) = tokens
    assert isinstance(token, str) and len(token) == 36  # GetActivityTask gives the worker a task token
    check(ex)


def test_a_worker_that_never_heartbeats_times_out_at_heartbeat_seconds() -> None:
    def worker(event: Any) -> Any:
        virtual_sleep(25)
        return {"done": True}

    ex = sfnkit.run(machine(ACTIVITY, HeartbeatSeconds=10, TimeoutSeconds=100), {}, resources={ACTIVITY: worker})
    assert ex.status == "SUCCEEDED" and ex.output == {"Error": "States.Timeout"}
    timed_out = event(ex, "ActivityTimedOut")
    assert timed_out.details == {"error": "States.Timeout"}
    assert since(ex, "ActivityTimedOut", "ActivityStarted") == 10
    # the execution goes on from the deadline: the worker's last 15 s are not the execution's
    assert since(ex, "PassStateEntered", "ActivityStarted") == 10
    assert since(ex, "ExecutionSucceeded", "ActivityStarted") == 10
    check(ex)


def test_the_heartbeat_deadline_runs_from_the_last_heartbeat() -> None:
    def worker(event: Any, context: LambdaContext) -> Any:
        virtual_sleep(6)
        context.send_task_heartbeat()
        virtual_sleep(9)
        context.send_task_heartbeat()
        virtual_sleep(30)
        return "late"

    definition = machine(ACTIVITY, HeartbeatSeconds=10, TimeoutSeconds=100)
    del definition["States"]["T"]["Catch"], definition["States"]["Late"]
    ex = sfnkit.run(definition, {}, resources={ACTIVITY: worker})
    assert (ex.status, ex.error) == ("FAILED", "States.Timeout")
    assert since(ex, "ActivityTimedOut", "ActivityStarted") == 25  # 15 s (last heartbeat) + 10 s
    assert [e.type for e in ex.history][-2:] == ["ActivityTimedOut", "ExecutionFailed"]
    check(ex)


def test_timeout_seconds_still_bounds_a_worker_that_heartbeats() -> None:
    """AWS: "The Timeout of a task ... is its maximum allowed duration, regardless of the number of
    SendTaskHeartbeat requests received"."""

    def worker(call: TaskCall) -> Any:
        for _ in range(10):
            virtual_sleep(5)
            call.send_task_heartbeat()
        return "never seen"

    ex = sfnkit.run(machine(ACTIVITY, HeartbeatSeconds=10, TimeoutSeconds=30), {}, resources={ACTIVITY: worker})
    assert ex.output == {"Error": "States.Timeout"}
    assert since(ex, "ActivityTimedOut", "ActivityStarted") == 30
    check(ex)


def test_a_worker_may_heartbeat_through_the_execution_with_its_token() -> None:
    box: list[sfnkit.Execution] = []

    def worker(call: TaskCall) -> Any:
        for _ in range(3):
            virtual_sleep(8)
            assert call.task_token is not None
            box[0].send_task_heartbeat(call.task_token)  # SendTaskHeartbeat(taskToken), as a worker calls it
        return "on time"

    ex = sfnkit.start(machine(ACTIVITY, HeartbeatSeconds=10), {}, resources={ACTIVITY: worker})
    box.append(ex)
    ex.run()
    assert ex.status == "SUCCEEDED" and ex.output == "on time"
    check(ex)


def test_a_heartbeat_from_a_worker_that_already_returned_is_refused() -> None:
    calls: list[TaskCall] = []

    def worker(call: TaskCall) -> Any:
        calls.append(call)
        return "ok"

    ex = sfnkit.run(machine(ACTIVITY, HeartbeatSeconds=10), {}, resources={ACTIVITY: worker})
    token = calls[0].task_token
    assert token is not None
    with pytest.raises(sfnkit.ExecutionStateError, match="no task is waiting on token"):
        ex.send_task_heartbeat(token)
    calls[0].send_task_heartbeat()  # the call is over: nothing to tell any more, and nothing breaks
    assert ex.status == "SUCCEEDED"


def test_a_worker_whose_real_time_passes_heartbeat_seconds_times_out_on_the_virtual_clock() -> None:
    def worker(event: Any) -> Any:
        time.sleep(1.2)
        return "slow"

    ex = sfnkit.run(machine(ACTIVITY, HeartbeatSeconds=1, TimeoutSeconds=100), {}, resources={ACTIVITY: worker})
    assert ex.output == {"Error": "States.Timeout"}
    assert since(ex, "ActivityTimedOut", "ActivityStarted") == 1
    check(ex)


def test_an_activity_without_a_worker_times_out_on_heartbeat_with_states_timeout() -> None:
    definition = machine(ACTIVITY, HeartbeatSeconds=30, TimeoutSeconds=300)
    del definition["States"]["T"]["Catch"], definition["States"]["Late"]
    ex = sfnkit.run(definition, {})
    assert ex.status == "RUNNING" and len(ex.pending_tokens) == 1
    ex.run()  # nobody answers: time moves on to the heartbeat deadline
    assert (ex.status, ex.error) == ("FAILED", "States.Timeout")
    assert event(ex, "ActivityTimedOut").details == {"error": "States.Timeout"}
    assert since(ex, "ActivityTimedOut", "ActivityScheduled") == 30
    check(ex)


@pytest.mark.parametrize(
    "resource",
    [LAMBDA, "arn:aws:states:::lambda:invoke"],
    ids=["lambda-arn", "lambda-invoke"],
)
def test_a_lambda_function_is_not_held_to_heartbeat_seconds(resource: str) -> None:
    """A Lambda invocation has no task token to heartbeat with: AWS holds it to TimeoutSeconds only."""

    def f(event: Any) -> Any:
        virtual_sleep(25)
        return {"done": True}

    extra: dict[str, Any] = {"HeartbeatSeconds": 10, "TimeoutSeconds": 100}
    if resource.endswith("invoke"):
        extra["Parameters"] = {"FunctionName": "f", "Payload": {}}
    ex = sfnkit.run(machine(resource, **extra), {}, resources={"f": f})
    assert ex.status == "SUCCEEDED"
    assert "PassStateEntered" not in [e.type for e in ex.history]
    check(ex)


# -- the same on a wall clock, against real time ----------------------------------------------------------------


def test_a_worker_that_heartbeats_in_real_time_succeeds_on_the_wall_clock() -> None:
    def worker(call: TaskCall) -> Any:
        for _ in range(4):
            time.sleep(0.5)
            call.send_task_heartbeat()
        time.sleep(0.5)
        return "kept alive"

    ex = sfnkit.run(
        machine(ACTIVITY, HeartbeatSeconds=2, TimeoutSeconds=30),
        {},
        resources={ACTIVITY: worker},
        clock=sfnkit.WallClock(),
    )
    assert ex.status == "SUCCEEDED" and ex.output == "kept alive"
    check(ex)


def test_a_silent_worker_times_out_at_heartbeat_seconds_on_the_wall_clock() -> None:
    def worker(event: Any) -> Any:
        time.sleep(3.2)
        return "too late"

    ex = sfnkit.run(
        machine(ACTIVITY, HeartbeatSeconds=2, TimeoutSeconds=30),
        {},
        resources={ACTIVITY: worker},
        clock=sfnkit.WallClock(),
    )
    assert ex.output == {"Error": "States.Timeout"}
    assert event(ex, "ActivityTimedOut").details == {"error": "States.Timeout"}
    # stamped when Step Functions stopped waiting, not when the worker returned 1.2 s later
    assert since(ex, "ActivityTimedOut", "ActivityStarted") == pytest.approx(2, abs=0.002)
    assert since(ex, "PassStateEntered", "ActivityTimedOut") < 1.0
    check(ex)


# -- TimeoutSeconds: the TimedOut event is stamped at the deadline and the run goes on from there ------------------


def test_a_timed_out_task_ends_at_its_deadline_on_the_virtual_clock() -> None:
    def f(event: Any) -> Any:
        virtual_sleep(50)
        return "late"

    ex = sfnkit.run(machine(LAMBDA, TimeoutSeconds=1), {}, resources={"f": f})
    assert ex.output == {"Error": "States.Timeout"}
    assert since(ex, "LambdaFunctionTimedOut", "LambdaFunctionStarted") == 1
    assert since(ex, "ExecutionSucceeded", "LambdaFunctionStarted") == 1  # the 49 s overrun never counts
    check(ex)


def slow(seconds: float) -> Any:
    def handler(event: Any) -> Any:
        time.sleep(seconds)
        return {"done": True}

    return handler


def test_a_timed_out_task_is_stamped_at_its_deadline_on_the_wall_clock() -> None:
    ex = sfnkit.run(machine(LAMBDA, TimeoutSeconds=1), {}, resources={"f": slow(2.5)}, clock=sfnkit.WallClock())
    assert ex.output == {"Error": "States.Timeout"}
    assert since(ex, "LambdaFunctionTimedOut", "LambdaFunctionStarted") == pytest.approx(1, abs=0.002)
    # the events after it follow from the deadline, not from the handler's return 1.5 s later
    assert since(ex, "ExecutionSucceeded", "LambdaFunctionTimedOut") < 1.0
    assert ex.stop_time is not None and ex.stop_time - ex.start_time < 2.0
    check(ex)


def test_a_task_deadline_before_the_machine_deadline_comes_first_on_the_wall_clock() -> None:
    """The task times out at 1 s and is caught; the machine's TimeoutSeconds (2 s) is not reached by the
    execution's own time, though the handler really returns at 2.5 s (on AWS the run ends at about 1 s)."""
    definition = {**machine(LAMBDA, TimeoutSeconds=1), "TimeoutSeconds": 2}
    ex = sfnkit.run(definition, {}, resources={"f": slow(2.5)}, clock=sfnkit.WallClock())
    assert ex.status == "SUCCEEDED" and ex.output == {"Error": "States.Timeout"}
    check(ex)


def test_a_machine_deadline_before_the_task_deadline_comes_first_on_the_wall_clock() -> None:
    definition = {**machine(LAMBDA, TimeoutSeconds=2), "TimeoutSeconds": 1}
    ex = sfnkit.run(definition, {}, resources={"f": slow(2.5)}, clock=sfnkit.WallClock())
    assert ex.status == "TIMED_OUT"
    types = [e.type for e in ex.history]
    assert "LambdaFunctionTimedOut" not in types and "LambdaFunctionSucceeded" not in types
    check(ex)


def test_a_wall_clock_shared_by_two_runs_keeps_each_runs_time_its_own() -> None:
    clock = sfnkit.WallClock()
    first = sfnkit.run(machine(LAMBDA, TimeoutSeconds=1), {}, resources={"f": slow(2.2)}, clock=clock)
    before = time.time()
    second = sfnkit.run({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, {}, clock=clock)
    assert first.output == {"Error": "States.Timeout"}
    # the first run's time fell behind by its overrun; the second starts now, in real time
    assert second.start_time >= before - 0.001
    assert abs(second.history[0].timestamp - second.history[-1].timestamp) < timedelta(seconds=1)
