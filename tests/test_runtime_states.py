"""The states the interpreter runs itself (``sfnkit/runtime/interpreter.py``), end to end through ``sfnkit.run``:
Pass, Choice, Wait, Succeed, Fail and variables (Assign), with exact outputs, event-type sequences and virtual times.

The facts about AWS used here come from the AWS-recorded conformance cases in ``tests/conformance/cases``
(file names are cited where a test depends on one); the helpers (``one``, ``task``, ``types``, ...) are in
``tests/_runtime.py``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

import sfnkit
from sfnkit import TaskFailure
from tests._runtime import START, arn, chain, offsets, one, raising, types

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
                "ItemProcessor": chain(
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
                    chain(("B1", {"Type": "Pass", "Assign": {"inner": 1}, "Parameters": {"x.$": "$x"}})),
                    chain(("B2", {"Type": "Pass", "Parameters": {"x.$": "$x"}})),
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
                "Branches": [chain(("A", {"Type": "Pass", "Result": "a"})), chain(("B", {"Type": "Pass"}))],
            },
            "M": {
                "Type": "Map",
                "ItemsPath": "$",
                "Assign": {"count.$": "States.ArrayLength($)"},
                "Next": "Z",
                "ItemProcessor": chain(("I", {"Type": "Pass"})),
            },
            "Z": {"Type": "Pass", "Parameters": {"first.$": "$first", "count.$": "$count"}, "End": True},
        },
    }
    assert sfnkit.run(sm, {}).output == {"first": "a", "count": 2}
