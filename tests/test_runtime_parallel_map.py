"""Parallel and inline Map states (``sfnkit/runtime/interpreter.py``: forks, joins, iterations, aborts), end to
end through ``sfnkit.run``. The Distributed Map is in ``test_runtime_distributed_map.py``.

The facts about AWS used here come from the AWS-recorded conformance cases in ``tests/conformance/cases``
(file names are cited where a test depends on one); the helpers (``one``, ``task``, ``types``, ...) are in
``tests/_runtime.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

import sfnkit
from sfnkit import TaskFailure, virtual_sleep
from tests._runtime import arn, chain, offsets, one, raising, types

# ---------------------------------------------------------------------------------------------------------
# Parallel


def test_parallel_results_are_in_branch_order_not_finishing_order() -> None:
    sm = one(
        {
            "Type": "Parallel",
            "Branches": [
                chain(("Slow", {"Type": "Wait", "Seconds": 5}), ("X", {"Type": "Pass", "Result": "slow"})),
                chain(("Fast", {"Type": "Pass", "Result": "fast"})),
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
            "Branches": [chain(("A", {"Type": "Pass"})), chain(("B", {"Type": "Pass", "OutputPath": "$.v"}))],
        }
    )
    assert sfnkit.run(sm, {"v": 3}).output == {"v": 3, "res": {"both": [{"v": 3}, 3]}}


def test_parallel_failure_of_one_branch_aborts_the_others() -> None:
    sm = one(
        {
            "Type": "Parallel",
            "Branches": [
                chain(("W", {"Type": "Wait", "Seconds": 5}), ("After", {"Type": "Pass"})),
                chain(("F", {"Type": "Fail", "Error": "Boom", "Cause": "b"})),
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
                "Branches": [chain(("F", {"Type": "Fail", "Error": "E", "Cause": "C"}))],
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
                chain(("Slow", {"Type": "Task", "Resource": arn("slow")})),
                chain(("Bad", {"Type": "Task", "Resource": arn("bad")})),
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
        "Branches": [chain(("I1", {"Type": "Pass", "Result": 1})), chain(("I2", {"Type": "Pass", "Result": 2}))],
    }
    sm = one({"Type": "Parallel", "Branches": [chain(("Inner", inner)), chain(("O", {"Type": "Pass", "Result": 3}))]})
    assert sfnkit.run(sm, {}).output == [[1, 2], 3]


# ---------------------------------------------------------------------------------------------------------
# Map (inline)


def test_map_items_path_and_item_selector_with_context() -> None:
    sm = one(
        {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemSelector": {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value", "k.$": "$.k"},
            "ItemProcessor": chain(("T", {"Type": "Task", "Resource": arn("f")})),
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
    sm = one({"Type": "Map", "Parameters": {"v.$": "$$.Map.Item.Value"}, "Iterator": chain(("P", {"Type": "Pass"}))})
    assert sfnkit.run(sm, [1, 2]).output == [{"v": 1}, {"v": 2}]


def test_map_max_concurrency_one_runs_items_in_order() -> None:
    order: list[int] = []

    def handler(event: Any) -> Any:
        order.append(event)
        virtual_sleep(event)
        return event * 10

    sm = one(
        {"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": chain(("T", {"Type": "Task", "Resource": arn("f")}))}
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
    state: dict[str, Any] = {"Type": "Map", "ItemProcessor": chain(("W", {"Type": "Wait", "SecondsPath": "$"}))}
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
    sm = one({"Type": "Map", "ItemProcessor": chain(("W", {"Type": "Wait", "SecondsPath": "$"}))})
    ex = sfnkit.run(sm, [3, 1, 2])
    assert ex.output == [3, 1, 2]
    assert [e.map_index for e in ex.history if e.type == "MapIterationSucceeded"] == [1, 2, 0]
    assert offsets(ex, "MapStateExited") == [3]


def test_map_empty_items() -> None:
    ex = sfnkit.run(one({"Type": "Map", "ItemProcessor": chain(("P", {"Type": "Pass"}))}), [])
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
    ex = sfnkit.run(one({"Type": "Map", "ItemProcessor": chain(("P", {"Type": "Pass"}))}, name="M"), {"a": 1})
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

    sm = one({"Type": "Map", "ItemProcessor": chain(("T", {"Type": "Task", "Resource": arn("f")}))})
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
    sm = one({"Type": "Map", "ItemProcessor": chain(("F", {"Type": "Fail", "Error": "E"}))})
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
                "ItemProcessor": chain(("T", {"Type": "Task", "Resource": arn("f")})),
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
            "ItemProcessor": chain(("P", {"Type": "Pass"})),
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
            "ItemProcessor": chain(("W", {"Type": "Wait", "Seconds": 1})),
        }
    )
    ex = sfnkit.run(sm, {"xs": [1, 2, 3, 4], "c": 2})
    assert offsets(ex, "MapStateExited") == [2]


def test_nested_map_context_is_the_inner_item() -> None:
    inner = {
        "Type": "Map",
        "ItemSelector": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"},
        "ItemProcessor": chain(("P", {"Type": "Pass"})),
    }
    sm = one({"Type": "Map", "ItemProcessor": chain(("Inner", inner))})
    assert sfnkit.run(sm, [["a", "b"], ["c"]]).output == [
        [{"i": 0, "v": "a"}, {"i": 1, "v": "b"}],
        [{"i": 0, "v": "c"}],
    ]


# ---------------------------------------------------------------------------------------------------------
# Map: failures of the iteration input


def test_item_selector_failure_names_the_map_state() -> None:
    """Every other JSONPath failure in a state's data flow gets AWS's "An error occurred while executing the
    state ..." prefix; an ItemSelector evaluated for an iteration should too (inferred, no AWS recording)."""
    sm = one(
        {"Type": "Map", "ItemSelector": {"x.$": "$.nope"}, "ItemProcessor": chain(("I", {"Type": "Pass"}))},
        name="M",
    )
    ex = sfnkit.run(sm, [1])
    assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
    assert (ex.cause or "").startswith("An error occurred while executing the state 'M' (entered at the event id #2). ")
