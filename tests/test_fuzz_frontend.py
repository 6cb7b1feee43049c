"""Fuzzing the front end: whatever it is given, ``validate()`` returns diagnostics and ``load()`` returns a model or
raises ``DefinitionError``. Any other exception is a bug.

Three sources of input: random JSON values (and Python values JSON cannot hold), random text (JSON-ish, YAML-ish
and plain), and the AWS-recorded conformance definitions with a few random edits each (a field deleted, renamed or
given a value of another type; a transition pointed somewhere else; a sub-tree copied elsewhere). Example counts
keep the whole module at a few seconds.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sfnkit
from sfnkit.asl.diagnostics import Diagnostic

FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def check(source: Any) -> None:
    """The property: validate never raises; load raises DefinitionError exactly when validate reports an ERROR."""
    diags = sfnkit.validate(source)
    assert isinstance(diags, list) and all(isinstance(d, Diagnostic) for d in diags)
    has_error = any(d.severity == "ERROR" for d in diags)
    try:
        sm = sfnkit.load(source)
    except sfnkit.DefinitionError as e:
        assert has_error or not diags or e.diagnostics == diags
        assert str(e)  # the message renders
    else:
        assert not has_error
        assert isinstance(sm, sfnkit.StateMachine)
    for d in diags:
        d.format("f.json")
        json.dumps(d.to_dict())


# -- random JSON values ---------------------------------------------------------------------------------------------
ASL_WORDS = [
    "StartAt",
    "States",
    "Type",
    "Next",
    "End",
    "Pass",
    "Task",
    "Choice",
    "Wait",
    "Succeed",
    "Fail",
    "Parallel",
    "Map",
    "Resource",
    "Branches",
    "ItemProcessor",
    "Iterator",
    "Choices",
    "Default",
    "Variable",
    "StringEquals",
    "And",
    "Not",
    "Retry",
    "Catch",
    "ErrorEquals",
    "Parameters",
    "Arguments",
    "Output",
    "Assign",
    "QueryLanguage",
    "JSONata",
    "JSONPath",
    "InputPath",
    "ResultPath",
    "Seconds",
    "Timestamp",
    "ItemsPath",
    "Items",
    "MaxConcurrency",
    "x.$",
    "$",
    "$.x",
    "$$.Execution.Id",
    "{% $states.input %}",
    "{% ( %}",
    "States.ALL",
    "States.Format('{}', $.a)",
    "States.Array(",
    "arn:aws:lambda:us-east-1:1:function:f",
    "A",
    "B",
]
keys = st.sampled_from(ASL_WORDS) | st.text(max_size=6)
leaves = (
    st.none()
    | st.booleans()
    | st.integers(-(10**10), 10**10)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(ASL_WORDS)
    | st.text(max_size=10)
)
json_values = st.recursive(
    leaves, lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5), max_leaves=40
)
# things a hand-built dict or a YAML document can hold and JSON cannot
odd_leaves = st.sampled_from([float("nan"), float("inf"), b"bytes", (1, 2), {1, 2}, object(), 1 + 2j])
odd_values = st.recursive(
    leaves | odd_leaves,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(keys | st.integers() | st.none() | st.booleans(), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(FUZZ, max_examples=400)
@given(json_values)
def test_random_json_values(value: Any) -> None:
    check(value)


@settings(FUZZ, max_examples=150)
@given(st.dictionaries(st.sampled_from(["StartAt", "States", "Comment", "QueryLanguage"]), odd_values, min_size=1))
def test_values_json_cannot_hold(value: Any) -> None:
    check(value)


@settings(FUZZ, max_examples=150)
@given(json_values)
def test_random_json_values_as_text(value: Any) -> None:
    check(json.dumps(value))


# -- random text ----------------------------------------------------------------------------------------------------
text_pieces = st.sampled_from(
    [
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        '"',
        "'",
        "\n",
        "  ",
        "\t",
        "- ",
        "&a ",
        "*a",
        "!!binary ",
        "!!set ",
        "? ",
        "|",
        "---",
        "#",
        "\\",
        "\x00",
        "\ufeff",
        "é",
        "NaN",
        "1e999",
        "true",
        "null",
        "~",
        *ASL_WORDS,
    ]
)
texts = st.lists(text_pieces, max_size=30).map("".join) | st.text(max_size=80)


@settings(FUZZ, max_examples=400)
@given(texts)
def test_random_text(text: str) -> None:
    check(text)


@settings(FUZZ, max_examples=100)
@given(texts)
def test_random_bytes(text: str) -> None:
    check(text.encode("utf-8", "surrogatepass"))
    check(text.encode("utf-16"))


# -- mutated conformance definitions -----------------------------------------------------------------------------------
def _definitions() -> list[Any]:
    from tests.test_validate import CASE_FILES  # the same cases directory lookup

    seen: dict[str, Any] = {}
    for path in CASE_FILES:
        d = json.loads(Path(path).read_text(encoding="utf-8"))["definition"]
        seen.setdefault(json.dumps(d, sort_keys=True), d)
    return list(seen.values())


DEFINITIONS = _definitions()


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _nodes(v, (*path, i))


def _state_names(definition: Any) -> list[str]:
    return [name for p, v in _nodes(definition) if p and p[-1] == "States" and isinstance(v, dict) for name in v]


@st.composite
def mutated_definitions(draw: st.DrawFn) -> Any:
    d = copy.deepcopy(draw(st.sampled_from(DEFINITIONS)))
    for _ in range(draw(st.integers(1, 4))):
        candidates = [(p, v) for p, v in _nodes(d) if p]
        if not candidates:
            break
        path, _value = draw(st.sampled_from(candidates))
        parent = d
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        edit = draw(st.sampled_from(["delete", "rename", "retype", "retarget", "copy"]))
        if edit == "delete":
            del parent[key]
        elif edit == "rename" and isinstance(parent, dict):
            parent[draw(keys)] = parent.pop(key)
        elif edit == "retype":
            parent[key] = draw(json_values)
        elif edit == "retarget":
            parent[key] = draw(st.sampled_from([*_state_names(d), "Nowhere"]))
        elif edit == "copy":
            parent[key] = copy.deepcopy(draw(st.sampled_from(candidates))[1])
    return d


@pytest.mark.skipif(not DEFINITIONS, reason="conformance cases not found (set SFNKIT_CONFORMANCE_DIR)")
@settings(FUZZ, max_examples=600)
@given(mutated_definitions())
def test_mutated_conformance_definitions(definition: Any) -> None:
    check(definition)


@pytest.mark.skipif(not DEFINITIONS, reason="conformance cases not found (set SFNKIT_CONFORMANCE_DIR)")
@settings(FUZZ, max_examples=150)
@given(mutated_definitions(), st.sampled_from(["json", "yaml"]))
def test_mutated_definitions_as_text(definition: Any, kind: str) -> None:
    import yaml

    text = json.dumps(definition, indent=2) if kind == "json" else yaml.safe_dump(definition, sort_keys=False)
    check(text)


# -- a few shapes that once crashed or could --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "source",
    [
        "x/\x00y.json",  # a "path" with a NUL byte
        "StartAt: 1\nStates:\n  1: {Type: Pass, End: true}\n",  # YAML integer keys
        "StartAt: A\nStates:\n  A: &a {Type: Pass, End: true, Result: [*a]}\n",  # a self-referencing anchor
        {"StartAt": "A", "States": {1: {"Type": "Pass", "End": True}}},  # a non-string key in a dict
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True, "Result": float("nan")}}},
        "[" * 5000 + "]" * 5000,  # deep nesting
        "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 400)),  # deep YAML
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True, "Result": {"a": {}}}}},
        # "Arguments" on a JSONata Map (a Map has none) once reached the model constructor
        {
            "QueryLanguage": "JSONata",
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "End": True,
                    "Arguments": True,
                    "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                }
            },
        },
    ],
)
def test_shapes_that_could_crash(source: Any) -> None:
    check(source)


def test_deeply_nested_dict_does_not_crash() -> None:
    value: Any = {"Type": "Pass", "End": True}
    for _ in range(3000):
        value = {"x": value}
    check({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True, "Result": value}}})
    check({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True, "Parameters": value}}})
