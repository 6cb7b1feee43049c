"""Workflow variables (``Assign``) in both query languages: scope rules, history details and the size quota,
and the definition-time checks of JSONata expressions."""

from __future__ import annotations

from typing import Any

import pytest

import sfnkit
from sfnkit.asl import diagnostics as codes


def _run(definition: dict[str, Any], data: Any = None, **kw: Any) -> sfnkit.Execution:
    return sfnkit.run(definition, {} if data is None else data, **kw)


def test_jsonpath_assign_and_dollar_name_references() -> None:
    ex = _run(
        {
            "StartAt": "Set",
            "States": {
                "Set": {"Type": "Pass", "Assign": {"orderId.$": "$.order.id", "kind": "retail"}, "Next": "Use"},
                "Use": {"Type": "Pass", "Parameters": {"id.$": "$orderId", "k.$": "$kind"}, "End": True},
            },
        },
        {"order": {"id": 42}},
    )
    assert ex.output == {"id": 42, "k": "retail"}
    exited = next(e for e in ex.history if e.type == "PassStateExited")
    assert exited.details is not None
    assert dict(exited.details["assignedVariables"]) == {"orderId": "42", "kind": '"retail"'}
    assert dict(exited.details["assignedVariablesDetails"]) == {"truncated": False}


def test_one_assign_sees_the_values_from_before_it() -> None:
    # "b" reads the old "a" (1), not the value this same Assign writes (2)
    ex = _run(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "Init",
            "States": {
                "Init": {"Type": "Pass", "Assign": {"a": 1}, "Next": "Swap"},
                "Swap": {"Type": "Pass", "Assign": {"a": 2, "b": "{% $a %}"}, "Next": "Show"},
                "Show": {"Type": "Pass", "Output": {"a": "{% $a %}", "b": "{% $b %}"}, "End": True},
            },
        }
    )
    assert ex.output == {"a": 2, "b": 1}


def test_output_and_assign_of_one_state_do_not_see_each_other() -> None:
    ex = _run(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "Init",
            "States": {
                "Init": {"Type": "Pass", "Assign": {"n": 1}, "Next": "Both"},
                "Both": {"Type": "Pass", "Assign": {"n": 5}, "Output": {"n": "{% $n %}"}, "End": True},
            },
        }
    )
    assert ex.output == {"n": 1}


@pytest.mark.parametrize("container", ["Parallel", "Map"])
def test_branches_and_iterations_read_outer_variables_but_cannot_change_them(container: str) -> None:
    def inner(name: str) -> dict[str, Any]:
        return {
            "StartAt": name,
            "States": {
                name: {
                    "Type": "Pass",
                    "Assign": {"seen": "{% $outer %}", "outer": "changed inside"},
                    "Output": "{% $outer %}",
                    "End": True,
                }
            },
        }

    state: dict[str, Any] = {"Type": container, "Next": "After"}
    if container == "Parallel":
        state["Branches"] = [inner("Inner0"), inner("Inner1")]
    else:
        state["Items"] = [1, 2, 3]
        state["ItemProcessor"] = inner("Inner")
    ex = _run(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "Init",
            "States": {
                "Init": {"Type": "Pass", "Assign": {"outer": "from outside"}, "Next": "Fan"},
                "Fan": state,
                "After": {
                    "Type": "Pass",
                    "Output": {"outer": "{% $outer %}", "inner": "{% $states.input %}"},
                    "End": True,
                },
            },
        }
    )
    assert ex.status == "SUCCEEDED", ex.cause
    n = 2 if container == "Parallel" else 3
    assert ex.output == {"outer": "from outside", "inner": ["from outside"] * n}


def test_a_variable_assigned_in_a_branch_is_not_visible_after_it() -> None:
    ex = _run(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "Fan",
            "States": {
                "Fan": {
                    "Type": "Parallel",
                    "Branches": [{"StartAt": "I", "States": {"I": {"Type": "Pass", "Assign": {"x": 1}, "End": True}}}],
                    "Next": "After",
                },
                "After": {"Type": "Pass", "Output": "{% $x %}", "End": True},
            },
        }
    )
    assert ex.status == "FAILED"
    assert ex.error == "States.QueryEvaluationError"
    assert "returned nothing (undefined)" in (ex.cause or "")
    assert any(e.type == "EvaluationFailed" for e in ex.history)


def test_catch_assign_reads_the_error_output() -> None:
    def boom(event: Any) -> Any:
        raise sfnkit.TaskFailure("Payment.Declined", "card expired")

    ex = _run(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "Charge",
            "States": {
                "Charge": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
                    "Catch": [
                        {
                            "ErrorEquals": ["States.ALL"],
                            "Assign": {"why": "{% $states.errorOutput.Cause %}"},
                            "Output": {"error": "{% $states.errorOutput.Error %}"},
                            "Next": "Report",
                        }
                    ],
                    "End": True,
                },
                "Report": {
                    "Type": "Pass",
                    "Output": {"error": "{% $states.input.error %}", "why": "{% $why %}"},
                    "End": True,
                },
            },
        },
        resources={"charge": boom},
    )
    assert ex.output == {"error": "Payment.Declined", "why": "card expired"}


def test_jsonpath_catch_assign() -> None:
    def boom(event: Any) -> Any:
        raise sfnkit.TaskFailure("Oops", "broken")

    ex = _run(
        {
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:t",
                    "Catch": [
                        {"ErrorEquals": ["States.ALL"], "Assign": {"err.$": "$.Error"}, "ResultPath": None, "Next": "R"}
                    ],
                    "End": True,
                },
                "R": {"Type": "Pass", "Parameters": {"err.$": "$err"}, "End": True},
            },
        },
        resources={"t": boom},
    )
    assert ex.output == {"err": "Oops"}


def test_an_assign_over_256_kib_fails_the_execution() -> None:
    ex = _run(
        {
            "StartAt": "Big",
            "States": {"Big": {"Type": "Pass", "Assign": {"blob.$": "$.blob"}, "End": True}},
        },
        {"blob": "x" * 200_000},
    )
    assert ex.status == "SUCCEEDED"
    ex = _run(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "Big",
            "States": {
                "Big": {
                    "Type": "Pass",
                    "Assign": {"a": "{% $states.input.blob %}", "b": "{% $states.input.blob %}"},
                    "End": True,
                }
            },
        },
        {"blob": "x" * 200_000},
    )
    assert ex.status == "FAILED"
    assert ex.error == "States.DataLimitExceeded"
    assert "256 KiB" in (ex.cause or "")


# -- definition-time checks of JSONata expressions -----------------------------------------------------------


def _codes(definition: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(d.code, d.location, d.message) for d in sfnkit.validate(definition) if d.severity == "ERROR"]


def test_unknown_states_field_with_a_suggestion() -> None:
    found = _codes(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "A",
            "States": {"A": {"Type": "Pass", "Output": "{% $states.inptu %}", "End": True}},
        }
    )
    assert [(c, loc) for c, loc, _ in found] == [(codes.INVALID_JSONATA, "/States/A/Output")]
    assert 'did you mean "$states.input"' in found[0][2]


def test_states_result_only_after_a_task_and_error_output_only_in_a_catch() -> None:
    found = _codes(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Output": "{% $states.result %}", "Next": "B"},
                "B": {"Type": "Pass", "Assign": {"e": "{% $states.errorOutput %}"}, "End": True},
            },
        }
    )
    assert {loc for _, loc, _ in found} == {"/States/A/Output", "/States/B/Assign/e"}
    ok = _codes(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Arguments": {"FunctionName": "f"},
                    "Output": "{% $states.result.Payload %}",
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": "E"}],
                    "End": True,
                },
                "E": {"Type": "Succeed"},
            },
        }
    )
    assert ok == []


def test_top_level_context_references_are_refused() -> None:
    found = _codes(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "A",
            "States": {"A": {"Type": "Pass", "Output": "{% $$.Execution %}", "End": True}},
        }
    )
    assert found and found[0][0] == codes.INVALID_JSONATA
    assert "'$$'" in found[0][2]


def test_jsonata_syntax_error_has_a_caret() -> None:
    found = _codes(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "A",
            "States": {"A": {"Type": "Pass", "Output": "{% $states.input.( %}", "End": True}},
        }
    )
    assert found[0][0] == codes.INVALID_JSONATA
    assert "^" in found[0][2]
