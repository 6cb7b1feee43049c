"""``sfnkit.load``: every kind of source gives the same frozen model, nodes know where they came from, and a bad
definition raises one ``DefinitionError`` that lists every problem."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

import sfnkit
from sfnkit.asl import model as m

LAMBDA = "arn:aws:lambda:us-east-1:111111111111:function:charge"

DEFINITION: dict[str, Any] = {
    "Comment": "orders",
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [{"Variable": "$.n", "IsPresent": True}, {"Variable": "$.n", "NumericGreaterThan": 0}],
                    "Next": "Charge",
                },
            ],
            "Default": "Rejected",
        },
        "Charge": {
            "Type": "Task",
            "Resource": LAMBDA,
            "Retry": [
                {"ErrorEquals": ["Busy"], "IntervalSeconds": 2, "BackoffRate": 1.5},
                {"ErrorEquals": ["States.ALL"]},
            ],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Rejected", "ResultPath": "$.error"}],
            "Next": "Fan",
        },
        "Fan": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                {
                    "StartAt": "Each",
                    "States": {
                        "Each": {
                            "Type": "Map",
                            "ItemsPath": "$.items",
                            "End": True,
                            "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}},
                        }
                    },
                },
            ],
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
        "Rejected": {"Type": "Fail", "Error": "Rejected", "Cause": "n must be positive"},
    },
}

YAML_TEXT = """\
Comment: orders
StartAt: Check
States:
  Check:
    Type: Choice
    Choices:
      - And:
          - Variable: $.n
            IsPresent: true
          - Variable: $.n
            NumericGreaterThan: 0
        Next: Charge
    Default: Rejected
  Charge:
    Type: Task
    Resource: arn:aws:lambda:us-east-1:111111111111:function:charge
    Retry:
      - ErrorEquals: [Busy]
        IntervalSeconds: 2
        BackoffRate: 1.5
      - ErrorEquals: [States.ALL]
    Catch:
      - ErrorEquals: [States.ALL]
        Next: Rejected
        ResultPath: $.error
    Next: Fan
  Fan:
    Type: Parallel
    Branches:
      - StartAt: Left
        States:
          Left: {Type: Pass, End: true}
      - StartAt: Each
        States:
          Each:
            Type: Map
            ItemsPath: $.items
            End: true
            ItemProcessor:
              StartAt: Item
              States:
                Item: {Type: Pass, End: true}
    Next: Done
  Done:
    Type: Succeed
  Rejected:
    Type: Fail
    Error: Rejected
    Cause: n must be positive
"""


# -- sources -------------------------------------------------------------------------------------------------------
def test_yaml_fixture_is_the_same_definition() -> None:
    import yaml

    assert yaml.safe_load(YAML_TEXT) == DEFINITION


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda tmp: DEFINITION, id="dict"),
        pytest.param(lambda tmp: json.dumps(DEFINITION, indent=2), id="json-text"),
        pytest.param(lambda tmp: json.dumps(DEFINITION).encode(), id="json-bytes"),
        pytest.param(lambda tmp: YAML_TEXT, id="yaml-text"),
        pytest.param(lambda tmp: _write(tmp / "m.json", json.dumps(DEFINITION)), id="json-file"),
        pytest.param(lambda tmp: _write(tmp / "m.asl.json", json.dumps(DEFINITION)), id="asl-json-file"),
        pytest.param(lambda tmp: _write(tmp / "m.yaml", YAML_TEXT), id="yaml-file"),
        pytest.param(lambda tmp: _write(tmp / "m.yml", YAML_TEXT), id="yml-file"),
        pytest.param(lambda tmp: str(_write(tmp / "m.asl.json", json.dumps(DEFINITION))), id="path-as-str"),
        pytest.param(lambda tmp: _write(tmp / "definition", json.dumps(DEFINITION)), id="file-without-suffix"),
    ],
)
def test_every_source_gives_the_same_model(make: Any, tmp_path: Path) -> None:
    sm = sfnkit.load(make(tmp_path))
    assert isinstance(sm, sfnkit.StateMachine)
    assert sm == sfnkit.load(DEFINITION)
    assert sm.definition == DEFINITION
    assert sm.start_at == "Check" and list(sm.states) == ["Check", "Charge", "Fan", "Done", "Rejected"]
    assert sorted(sm.index) == ["Charge", "Check", "Done", "Each", "Fan", "Item", "Left", "Rejected"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_source_name_is_remembered_for_files(tmp_path: Path) -> None:
    path = _write(tmp_path / "orders.asl.json", json.dumps(DEFINITION))
    assert sfnkit.load(path).source_name == str(path)
    assert sfnkit.load(DEFINITION).source_name is None
    assert "orders.asl.json" in repr(sfnkit.load(path))


def test_loading_a_state_machine_returns_it() -> None:
    sm = sfnkit.load(DEFINITION)
    assert sfnkit.load(sm) is sm
    assert sfnkit.validate(sm) == sfnkit.validate(DEFINITION) == []


def test_json_round_trip() -> None:
    sm = sfnkit.load(DEFINITION)
    assert json.loads(sm.to_json()) == DEFINITION
    assert sfnkit.load(sm.to_json()) == sm


# -- the model is immutable ----------------------------------------------------------------------------------------
def test_model_is_frozen() -> None:
    sm = sfnkit.load(DEFINITION)
    charge = sm.states["Charge"]
    assert isinstance(charge, m.TaskState)
    for obj, attr in [
        (sm, "start_at"),
        (charge, "resource"),
        (charge.retry[0], "max_attempts"),
        (charge.catch[0], "next"),
        (sm.states["Fan"].branches[0], "start_at"),
        (sm.states["Check"].choices[0], "next"),
    ]:  # type: ignore[attr-defined]
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, attr, "changed")
    assert isinstance(charge.retry, tuple) and isinstance(charge.catch, tuple)
    assert isinstance(sm.states["Fan"].branches, tuple)  # type: ignore[attr-defined]


def test_editing_the_source_dict_afterwards_does_not_change_the_model() -> None:
    source = copy.deepcopy(DEFINITION)
    sm = sfnkit.load(source)
    source["States"]["Charge"]["Resource"] = "arn:aws:lambda:us-east-1:111111111111:function:other"
    source["States"]["Charge"]["Retry"][0]["ErrorEquals"].append("More")
    source["States"]["Rejected"]["Cause"] = "changed"
    assert sm.states["Charge"].raw["Resource"] == LAMBDA
    assert sm.definition == DEFINITION
    assert sm.states["Charge"].retry[0].error_equals == ("Busy",)  # type: ignore[attr-defined]


# -- what the model holds ----------------------------------------------------------------------------------------------
def test_fields_and_defaults() -> None:
    sm = sfnkit.load(DEFINITION)
    charge = sm.states["Charge"]
    assert isinstance(charge, m.TaskState)
    assert (charge.next, charge.end, charge.input_path, charge.result_path) == ("Fan", False, "$", "$")
    busy, everything = charge.retry
    assert (busy.error_equals, busy.interval_seconds, busy.max_attempts, busy.backoff_rate) == (("Busy",), 2, 3, 1.5)
    assert (everything.interval_seconds, everything.backoff_rate, everything.jitter_strategy) == (1, 2.0, "NONE")
    assert charge.catch[0].result_path == "$.error" and charge.catch[0].result_path_given
    fail = sm.states["Rejected"]
    assert isinstance(fail, m.FailState) and (fail.error, fail.cause) == ("Rejected", "n must be positive")
    assert fail.is_terminal and sm.states["Done"].is_terminal and not charge.is_terminal
    rule = sm.states["Check"].choices[0]  # type: ignore[attr-defined]
    assert rule.and_ is not None and [r.operator for r in rule.and_] == ["IsPresent", "NumericGreaterThan"]
    assert list(sm.states["Check"].transitions()) == [("choice", "Charge"), ("default", "Rejected")]
    assert list(charge.transitions()) == [("next", "Fan"), ("catch", "Rejected")]


def test_every_node_knows_its_location() -> None:
    sm = sfnkit.load(DEFINITION)
    assert sm.location == ""
    charge = sm.states["Charge"]
    assert charge.location == "/States/Charge"
    assert [r.location for r in charge.retry] == ["/States/Charge/Retry/0", "/States/Charge/Retry/1"]  # type: ignore[attr-defined]
    assert charge.catch[0].location == "/States/Charge/Catch/0"  # type: ignore[attr-defined]
    rule = sm.states["Check"].choices[0]  # type: ignore[attr-defined]
    assert rule.location == "/States/Check/Choices/0"
    assert [r.location for r in rule.and_] == ["/States/Check/Choices/0/And/0", "/States/Check/Choices/0/And/1"]
    fan = sm.states["Fan"]
    assert [b.location for b in fan.branches] == ["/States/Fan/Branches/0", "/States/Fan/Branches/1"]  # type: ignore[attr-defined]
    each = sm.find("Each")
    assert each.location == "/States/Fan/Branches/1/States/Each"
    assert isinstance(each, m.MapState) and each.processor is not None
    assert each.processor.location == "/States/Fan/Branches/1/States/Each/ItemProcessor"
    assert sm.find("Item").location == "/States/Fan/Branches/1/States/Each/ItemProcessor/States/Item"
    assert {st.location for st in sm.walk()} == {st.location for states in sm.index.values() for st in states}


def test_find_names_the_closest_states() -> None:
    sm = sfnkit.load(DEFINITION)
    with pytest.raises(KeyError, match="did you mean 'Charge'"):
        sm.find("Charg")


def test_locations_are_json_pointers_with_escapes() -> None:
    sm = sfnkit.load({"StartAt": "a/b~c", "States": {"a/b~c": {"Type": "Pass", "End": True}}})
    assert sm.states["a/b~c"].location == "/States/a~1b~0c"


def test_legacy_iterator_and_parameters_fill_the_same_fields() -> None:
    sm = sfnkit.load(
        {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "End": True,
                    "Parameters": {"v.$": "$$.Map.Item.Value"},
                    "Iterator": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                }
            },
        }
    )
    mp = sm.states["M"]
    assert isinstance(mp, m.MapState) and mp.processor is not None
    assert mp.processor.location == "/States/M/Iterator" and mp.processor.processor_mode == "INLINE"
    assert mp.item_selector == {"v.$": "$$.Map.Item.Value"}


# -- QueryLanguage inheritance -------------------------------------------------------------------------------------------
def _nested(top: str | None, state_ql: str | None) -> dict[str, Any]:
    par: dict[str, Any] = {
        "Type": "Parallel",
        "End": True,
        "Branches": [
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}},
            {
                "StartAt": "M",
                "States": {
                    "M": {
                        "Type": "Map",
                        "End": True,
                        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
                    }
                },
            },
        ],
    }
    if state_ql:
        par["QueryLanguage"] = state_ql
    d: dict[str, Any] = {"StartAt": "P", "States": {"P": par}}
    if top:
        d["QueryLanguage"] = top
    return d


@pytest.mark.parametrize(
    ("top", "state_ql", "expected"),
    [
        (None, None, "JSONPath"),
        ("JSONPath", None, "JSONPath"),
        ("JSONata", None, "JSONata"),
        (None, "JSONata", "JSONata"),
    ],
)
def test_query_language_is_inherited_by_branches_and_map_processors(
    top: str | None, state_ql: str | None, expected: str
) -> None:
    sm = sfnkit.load(_nested(top, state_ql))
    assert sm.query_language == (top or "JSONPath")
    par = sm.states["P"]
    assert isinstance(par, m.ParallelState)
    assert par.query_language == expected
    assert [b.query_language for b in par.branches] == [expected, expected]
    assert sm.find("B").query_language == expected
    mp = sm.find("M")
    assert isinstance(mp, m.MapState) and mp.processor is not None
    assert (mp.query_language, mp.processor.query_language, sm.find("I").query_language) == (
        expected,
        expected,
        expected,
    )


def test_a_jsonata_state_inside_a_jsonpath_machine_uses_jsonata_fields() -> None:
    sm = sfnkit.load(
        {
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input.x %}", "Next": "B"},
                "B": {"Type": "Pass", "End": True},
            },
        }
    )
    a, b = sm.states["A"], sm.states["B"]
    assert (a.query_language, b.query_language) == ("JSONata", "JSONPath")
    assert a.has_output and a.output == "{% $states.input.x %}"
    assert not b.has_output and b.input_path == "$"


# -- DefinitionError ---------------------------------------------------------------------------------------------------
BROKEN: dict[str, Any] = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Next": "Missing"},
        "B": {"Type": "Task", "Resource": LAMBDA, "End": True, "Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0}]},
    },
}


def test_definition_error_message_is_the_best_error_plus_a_count() -> None:
    diags = sfnkit.validate(BROKEN)
    errors = [d for d in diags if d.severity == "ERROR"]
    assert len(errors) == 3  # the dangling Next, the unreachable B, the BackoffRate
    with pytest.raises(sfnkit.DefinitionError) as info:
        sfnkit.load(BROKEN)
    e = info.value
    assert e.diagnostics == diags
    assert str(e) == errors[0].format() + " (+2 more)"
    assert str(e).startswith("<definition>: error ")
    assert isinstance(e, sfnkit.SfnkitError)


def test_definition_error_with_a_single_error_has_no_count() -> None:
    with pytest.raises(sfnkit.DefinitionError) as info:
        sfnkit.load({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True, "ResultPath": "$.a[*]"}}})
    assert len(info.value.diagnostics) == 1
    assert "more)" not in str(info.value)


def test_definition_error_warnings_are_kept_but_not_counted() -> None:
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Task", "Resource": LAMBDA, "Next": "A", "Retry": [{"ErrorEquals": ["X"], "MaxAttempts": 0}]}
        },
    }
    with pytest.raises(sfnkit.DefinitionError) as info:
        sfnkit.load(definition)
    severities = [d.severity for d in info.value.diagnostics]
    assert severities.count("ERROR") == 1 and severities.count("WARNING") >= 2
    assert "more)" not in str(info.value)


def test_text_sources_give_line_and_column(tmp_path: Path) -> None:
    text = json.dumps(BROKEN, indent=2)
    path = _write(tmp_path / "broken.asl.json", text)
    with pytest.raises(sfnkit.DefinitionError) as info:
        sfnkit.load(path)
    e = info.value
    assert e.source_name == str(path)
    assert all(d.line is not None and d.column is not None for d in e.diagnostics)
    lines = text.splitlines()
    for d in e.diagnostics:  # each position points at the key the location names
        key = d.location.rsplit("/", 1)[-1]
        assert lines[d.line - 1][d.column - 1 :].startswith(json.dumps(key)), (d, lines[d.line - 1])
    assert str(e).startswith(f"{path}:")
    assert str(e).split(": error ")[0] == f"{path}:{e.diagnostics[0].line}:{e.diagnostics[0].column}"


def test_yaml_sources_give_line_and_column() -> None:
    text = "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Next: Nowhere\n"
    (d,) = [d for d in sfnkit.validate(text) if d.location == "/States/A/Next"]
    assert (d.line, d.column) == (5, 5)


def test_dict_sources_have_no_position() -> None:
    assert all(d.line is None and d.column is None for d in sfnkit.validate(BROKEN))


def test_syntax_errors_have_a_position_and_no_location() -> None:
    with pytest.raises(sfnkit.DefinitionError) as info:
        sfnkit.load('{\n  "StartAt": "A",\n  "States": {,}\n}')
    (d,) = info.value.diagnostics
    assert (d.code, d.location, d.line, d.column) == ("INVALID_JSON_DESCRIPTION", "", 3, 14)
    assert str(info.value).startswith("<definition>:3:14: error INVALID_JSON_DESCRIPTION malformed JSON")


def test_a_missing_file_is_a_definition_error(tmp_path: Path) -> None:
    with pytest.raises(sfnkit.DefinitionError, match="cannot read"):
        sfnkit.load(tmp_path / "nope.asl.json")


def test_warnings_do_not_stop_a_load() -> None:
    definition = {
        "StartAt": "T",
        "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": True}},
    }
    assert [d.severity for d in sfnkit.validate(definition)] == ["WARNING"]
    assert sfnkit.load(definition).states["T"].type == "Task"


def test_validate_returns_a_list_of_diagnostics_and_never_raises_on_bad_asl() -> None:
    for source in (None, 3, [], "", "{", "[]", {"States": 1}, b"\xff\xfe", object()):
        diags = sfnkit.validate(source)
        assert isinstance(diags, list) and diags and all(isinstance(d, sfnkit.Diagnostic) for d in diags)


def test_diagnostic_is_data() -> None:
    (d,) = sfnkit.validate({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A", "End": True}}})[:1]
    assert d.to_dict() == {
        "severity": "ERROR",
        "code": "SCHEMA_VALIDATION_FAILED",
        "message": d.message,
        "location": "/States/A",
        "line": None,
        "column": None,
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.code = "X"  # type: ignore[misc]
    assert str(d) == d.format() == f"<definition>: error SCHEMA_VALIDATION_FAILED /States/A: {d.message}"
