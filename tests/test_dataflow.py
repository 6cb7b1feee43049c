"""The data-flow playground: sfnkit.runtime.teststate (one state, stage by stage) and sfnkit.widgets.DataFlow."""

from __future__ import annotations

from typing import Any

import pytest

import sfnkit
from sfnkit.runtime import teststate

pytest.importorskip("anywidget")
from sfnkit.widgets import DataFlow

TASK = {
    "Type": "Task",
    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:price",
    "InputPath": "$.order",
    "Parameters": {"id.$": "$.id", "qty": 2},
    "ResultSelector": {"total.$": "$.sum"},
    "ResultPath": "$.priced",
    "OutputPath": "$.priced",
    "Next": "Elsewhere",
}
INPUT = {"order": {"id": 7}}


def _values(t: teststate.StateTest) -> dict[str, Any]:
    return {s.name: (s.status, s.value) for s in t.stages}


def test_every_jsonpath_stage_of_a_task() -> None:
    t = teststate.test_state(TASK, INPUT, result={"sum": 30})
    assert t.status == "SUCCEEDED" and t.output == {"total": 30}
    assert _values(t) == {
        "input": ("ok", INPUT),
        "afterInputPath": ("ok", {"id": 7}),
        "afterParameters": ("ok", {"id": 7, "qty": 2}),
        "result": ("ok", {"sum": 30}),
        "afterResultSelector": ("ok", {"total": 30}),
        "afterResultPath": ("ok", {"order": {"id": 7}, "priced": {"total": 30}}),  # the raw input, as on AWS
        "output": ("ok", {"total": 30}),
    }


def _run_alone(state: dict[str, Any], data: Any, result: Any) -> Any:
    """The same state in an ordinary machine, run by sfnkit.run: the authority the playground must agree with."""
    st = {k: v for k, v in state.items() if k not in ("Next",)}
    st["End"] = True
    return sfnkit.run({"StartAt": "State", "States": {"State": st}}, data, resources={"price": lambda e: result})


@pytest.mark.parametrize(
    ("field", "value", "stage"),
    [
        ("InputPath", "$.missing", "afterInputPath"),
        ("Parameters", {"id.$": "$.nope"}, "afterParameters"),
        ("ResultSelector", {"t.$": "$.nope"}, "afterResultSelector"),
        ("OutputPath", "$.nope", "output"),
    ],
)
def test_a_failing_path_shows_at_its_stage_with_the_error_aws_gives(field: str, value: Any, stage: str) -> None:
    state = {**TASK, field: value}
    t = teststate.test_state(state, INPUT, result={"sum": 30})
    ex = _run_alone(state, INPUT, {"sum": 30})
    assert t.status == "FAILED" and ex.status == "FAILED"
    failed = t.stage(stage)
    assert failed.status == "failed" and (failed.error, failed.cause) == (ex.error, ex.cause) == (t.error, t.cause)
    assert failed.error == "States.Runtime" and "An error occurred while executing the state 'State'" in failed.cause
    names = [s.name for s in t.stages]
    assert all(s.status == "skipped" for s in t.stages[names.index(stage) + 1 :])


def test_a_field_aws_would_reject_is_a_definition_error_at_its_stage() -> None:
    t = teststate.test_state({**TASK, "ResultPath": "$$bad"}, INPUT, result={})
    assert t.status == "INVALID" and t.error == "InvalidDefinition"
    assert t.stage("afterResultPath").status == "failed" and "/States/State/ResultPath" in (t.cause or "")


def test_pass_and_jsonata_states() -> None:
    p = teststate.test_state({"Type": "Pass", "Result": {"a": 1}, "ResultPath": "$.r", "End": True}, {"x": 1})
    assert p.output == {"x": 1, "r": {"a": 1}} and p.stage("afterResultSelector").status == "absent"
    j = {
        "Type": "Task",
        "QueryLanguage": "JSONata",
        "Resource": "arn:aws:lambda:us-east-1:1:function:f",
        "Arguments": {"id": "{% $states.input.order.id %}"},
        "Output": "{% $states.result.sum + 1 %}",
        "Assign": {"seen": "{% $states.input.order.id %}"},
        "End": True,
    }
    t = teststate.test_state(j, INPUT, result={"sum": 3})
    assert _values(t) == {
        "input": ("ok", INPUT),
        "afterArguments": ("ok", {"id": 7}),
        "result": ("ok", {"sum": 3}),
        "output": ("ok", 4),
        "variables": ("ok", {"seen": 7}),
    }
    bad = teststate.test_state({**j, "Output": "{% $states.result.sum + 'a' %}"}, INPUT, result={"sum": 3})
    assert bad.stage("output").status == "failed" and bad.error == "States.QueryEvaluationError"
    assert bad.stage("afterArguments").status == "ok" and bad.stage("variables").status == "skipped"
    with pytest.raises(ValueError, match="Map"):
        teststate.test_state({"Type": "Map", "ItemProcessor": {}})


def test_the_playground_recomputes_when_a_field_the_input_or_the_result_changes() -> None:
    flow = DataFlow(TASK, INPUT, result={"sum": 30})
    assert flow.status == "SUCCEEDED" and flow.editable == [
        "InputPath",
        "Parameters",
        "ResultSelector",
        "ResultPath",
        "OutputPath",
    ]
    assert [s["name"] for s in flow.stages][-1] == "output" and '"total": 30' in flow.stages[-1]["value"]
    flow.set("OutputPath", "$.nope")
    assert flow.status == "FAILED" and flow.stages[-1]["status"] == "failed"
    assert "Invalid path '$.nope'" in flow.stages[-1]["cause"]
    flow.set("OutputPath")  # removed: the default "$"
    assert flow.status == "SUCCEEDED" and "OutputPath" not in flow.state()
    flow.result = {"sum": 5}
    assert '"total": 5' in flow.stages[-1]["value"]
    flow.input = {"order": {"id": 9}}
    assert '"id": 9' in flow.stages[1]["value"]
    # what the browser does: edit the text of a field
    flow.fields = {**flow.fields, "ResultPath": "null"}
    assert flow.state()["ResultPath"] is None and '"order"' in flow.stages[-1]["value"]
    flow.fields = {**flow.fields, "Parameters": "{not json"}
    assert flow.message.startswith("Parameters: not JSON") and flow.status == "SUCCEEDED"  # last good stages stay
    with pytest.raises(ValueError, match="not a data-flow field"):
        flow.set("Seconds", 1)


def test_the_playground_takes_states_of_loaded_and_built_machines() -> None:
    from sfnkit.build import Machine, Pass

    sm = sfnkit.load(
        {
            "StartAt": "A",
            "QueryLanguage": "JSONata",
            "States": {"A": {"Type": "Pass", "Output": "{% $states.input.n * 2 %}", "End": True}},
        }
    )
    flow = DataFlow(sm.find("A"), {"n": 4}, query_language="JSONata")
    assert flow.editable == ["Output", "Assign"] and flow.test is not None and flow.test.output == 8
    b = Pass("B", parameters={"n.$": "$.n"})
    Machine(b)
    assert DataFlow(b, {"n": 1}).test.output == {"n": 1}  # type: ignore[union-attr]


def test_the_static_fallback_escapes_everything() -> None:
    evil = "<script>alert(1)</script>"
    flow = DataFlow({**TASK, "Parameters": {evil: 1}}, {"order": {"id": evil}}, result={"sum": evil}, name=evil)
    bundle, _ = flow._repr_mimebundle_()
    page = bundle["text/html"]
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "application/vnd.jupyter.widget-view+json" in bundle and "SUCCEEDED" in bundle["text/plain"]
