"""Payload templates (sfnkit.asl.templates): evaluation, AWS's run-time errors and validator diagnostics.

The "could not be found in the input" cause is the one AWS prints (seen in public execution histories and in
Floci's / Step Functions Local's AWS-captured tests); the interpreter adds the per-state prefix itself.
"""

from __future__ import annotations

import glob
import json
import os
import random
import re
import timeit
from typing import Any

import pytest

from sfnkit import errors
from sfnkit.asl.paths import PathNotFound, compile_path, set_path
from sfnkit.asl.templates import TemplateError, check_template, compile_template
from sfnkit.errors import StatesError
from tests.conformance.harness import cases_dir

CASES_DIR = str(cases_dir())
PREFIX = re.compile(r"^An error occurred while executing the state '[^']*' \(entered at the event id #\d+\)\. ")


def test_nested_template() -> None:
    tpl = compile_template(
        {
            "constant": "HelloWorld",
            "from.$": "$.a",
            "nested": {"list": [1, {"deep.$": "$.b[0]"}, "$.not_a_path"], "n": None},
            "call.$": "States.Format('{}-{}', $.a, $$.Execution.Name)",
            "ctx.$": "$$.Map.Item.Index",
            "var.$": "$counter",
        }
    )
    out = tpl.evaluate(
        {"a": "x", "b": [True]},
        context={"Execution": {"Name": "run"}, "Map": {"Item": {"Index": 3}}},
        variables={"counter": 4},
    )
    assert out == {
        "constant": "HelloWorld",
        "from": "x",
        "nested": {"list": [1, {"deep": True}, "$.not_a_path"], "n": None},
        "call": "x-run",
        "ctx": 3,
        "var": 4,
    }
    assert not tpl.is_constant


def test_constant_parts_are_fresh_copies() -> None:
    tpl = compile_template({"fixed": {"list": [1, 2]}, "x.$": "$"})
    first = tpl.evaluate(1)
    first["fixed"]["list"].append(3)
    assert tpl.evaluate(1) == {"fixed": {"list": [1, 2]}, "x": 1}
    const = compile_template({"a": [1]})
    assert const.is_constant and const.evaluate(None) == {"a": [1]} and const.evaluate(None) is not const.source


def test_compile_is_cached_by_identity() -> None:
    src = {"a.$": "$.x"}
    assert compile_template(src) is compile_template(src)
    assert compile_template(dict(src)) is not compile_template(src)


def test_path_keys_in_arrays_of_objects() -> None:
    tpl = compile_template([{"a.$": "$.x"}, 2])
    assert tpl.evaluate({"x": 9}) == [{"a": 9}, 2]


def test_missing_path_fails_like_aws() -> None:
    with pytest.raises(StatesError) as info:
        compile_template({"missing.$": "$.nope.deep"}).evaluate({"other": 1})
    assert info.value.error == errors.RUNTIME
    assert info.value.cause == (
        "The JSONPath '$.nope.deep' specified for the field 'missing.$' could not be found in the input '{\"other\":1}'"
    )
    with pytest.raises(StatesError) as info:
        compile_template({"address.$": "$.application.address"}).evaluate({"flagged": False})
    assert info.value.cause == (
        "The JSONPath '$.application.address' specified for the field 'address.$' could not be found in the input "
        "'{\"flagged\":false}'"
    )
    # ResultSelector over an array result
    with pytest.raises(StatesError) as info:
        compile_template({"missing.$": "$.nope"}).evaluate([1, 2])
    assert (
        info.value.cause
        == "The JSONPath '$.nope' specified for the field 'missing.$' could not be found in the input '[1,2]'"
    )


def test_index_past_the_end_is_null_not_missing() -> None:
    assert compile_template({"idx.$": "$.items[5]"}).evaluate({"items": [1, 2]}) == {"idx": None}


def test_indefinite_paths_give_lists() -> None:
    tpl = compile_template({"item.$": "$.items[1:]", "none.$": "$.nothing[*]"})
    assert tpl.evaluate({"items": [1, 2, 3]}) == {"item": [2, 3], "none": []}


def test_intrinsic_errors_pass_through() -> None:
    with pytest.raises(StatesError) as info:
        compile_template({"v.$": "States.ArrayGetItem($.a, 5)"}).evaluate({"a": [1]})
    assert info.value.cause == (
        "There was an error while evaluating the intrinsic function: States.ArrayGetItem($.a, 5). Invalid arguments "
        "in States.ArrayGetItem"
    )


def test_random_intrinsics_use_the_rng() -> None:
    tpl = compile_template({"id.$": "States.UUID()"})
    assert tpl.evaluate({}, rng=random.Random(3)) == tpl.evaluate({}, rng=random.Random(3))


def test_check_template_lists_every_problem() -> None:
    problems = check_template(
        {
            "ok.$": "$.a",
            "num.$": 5,
            "nested": {"bad/key.$": "$.a b", "arr": [{"f.$": "States.Nope()"}]},
            "plain.$": "hello",
            "fmt.$": "States.Format('a\\nb')",
        },
        "/States/Charge/Parameters",
    )
    where = [p[0] for p in problems]
    assert where == [
        "/States/Charge/Parameters/num.$",
        "/States/Charge/Parameters/nested/bad~1key.$",
        "/States/Charge/Parameters/nested/arr/0/f.$",
        "/States/Charge/Parameters/plain.$",
        "/States/Charge/Parameters/fmt.$",
    ]
    messages = dict(problems)
    assert (
        "must be a string" in messages["/States/Charge/Parameters/num.$"]
        and "got a number" in messages["/States/Charge/Parameters/num.$"]
    )
    assert "not a valid JSONPath" in messages["/States/Charge/Parameters/nested/bad~1key.$"]
    assert "\n    $.a b\n       ^" in messages["/States/Charge/Parameters/nested/bad~1key.$"]
    assert "unknown intrinsic function 'States.Nope'" in messages["/States/Charge/Parameters/nested/arr/0/f.$"]
    assert (
        "valid JSONPath (starting with '$') or a valid intrinsic function call"
        in messages["/States/Charge/Parameters/plain.$"]
    )
    assert "is not an escape" in messages["/States/Charge/Parameters/fmt.$"]
    assert check_template({"a.$": "$.x", "b": {"c": 1}}, "/P") == []


def test_compile_template_raises_with_all_problems() -> None:
    with pytest.raises(TemplateError) as info:
        compile_template({"a.$": 1, "b.$": "x"})
    assert len(info.value.problems) == 2
    assert str(info.value).startswith("/a.$: ") and str(info.value).endswith("(+1 more)")


def test_hot_path_speed() -> None:
    """The interpreter targets 100,000+ transitions/s: a small template must evaluate in a few microseconds."""
    tpl = compile_template({"a.$": "$.x.y", "b": 1, "c.$": "$.z[0]"})
    data = {"x": {"y": 1}, "z": [2]}
    n = 20000
    per_call = timeit.timeit(lambda: tpl.evaluate(data), number=n) / n
    assert per_call < 50e-6, per_call


# ----------------------------------------------------------------------------------------------------------------
# Conformance: every JSONPath case whose machine is a single Pass state
# ----------------------------------------------------------------------------------------------------------------


def _placeholder_re(expected: str) -> re.Pattern[str]:
    return re.compile(
        "".join(".*" if p.startswith("<") else re.escape(p) for p in re.split(r"(<[^<>]+>)", expected)), re.S
    )


def matches(actual: Any, expected: Any) -> bool:
    if isinstance(expected, str) and isinstance(actual, str) and "<" in expected:
        return _placeholder_re(expected).fullmatch(actual) is not None
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and actual.keys() == expected.keys()
            and all(matches(actual[k], v) for k, v in expected.items())
        )
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(map(matches, actual, expected))
    return type(actual) is type(expected) and actual == expected


def _single_pass_cases() -> list[Any]:
    out = []
    for path in sorted(glob.glob(os.path.join(CASES_DIR, "*.json"))):
        with open(path) as f:
            case = json.load(f)
        states = case["definition"]["States"]
        if len(states) != 1:
            continue
        state = next(iter(states.values()))
        ql = state.get("QueryLanguage", case["definition"].get("QueryLanguage", "JSONPath"))
        if state.get("Type") != "Pass" or ql != "JSONPath":
            continue
        out.append(pytest.param(case, id=os.path.basename(path)[:-5]))
    return out


PASS_CASES = _single_pass_cases()


@pytest.mark.skipif(not PASS_CASES, reason=f"conformance cases not found in {CASES_DIR}")
@pytest.mark.parametrize("case", PASS_CASES)
def test_conformance_single_pass_state(case: dict[str, Any]) -> None:
    """InputPath -> Parameters -> Result -> ResultPath -> OutputPath, exactly as a Pass state runs them."""
    state = next(iter(case["definition"]["States"].values()))
    expected = case["expected"]
    text = json.dumps(state)
    if expected["error"] == errors.DATA_LIMIT_EXCEEDED:
        pytest.skip("payload size limits belong to the interpreter")
    if "Assign" in state or "States.UUID" in text or "States.MathRandom" in text:
        pytest.skip("random values / Assign: checked in tests/test_intrinsics.py")
    if re.search(r"\$\$(?!\.Execution\.Input)", text):
        pytest.skip("needs context-object fields the interpreter decides (names, ids, times)")
    raw = case["input"]
    context = {"Execution": {"Input": raw}}
    rng = random.Random(0)
    try:
        try:
            effective = compile_path(state.get("InputPath", "$")).select(raw, context=context)
        except PathNotFound as e:
            raise StatesError(errors.RUNTIME, str(e)) from None
        if "Parameters" in state:
            effective = compile_template(state["Parameters"]).evaluate(effective, context=context, rng=rng)
        result = state.get("Result", effective)
        result_path = state.get("ResultPath", "$")
        output = raw if result_path is None else set_path(raw, result_path, result)
        try:
            output = compile_path(state.get("OutputPath", "$")).select(output, context=context)
        except PathNotFound as e:
            raise StatesError(errors.RUNTIME, str(e)) from None
    except StatesError as err:
        assert expected["status"] == "FAILED", err
        assert err.error == expected["error"]
        assert err.cause == PREFIX.sub("", expected["cause"])
        return
    assert expected["status"] == "SUCCEEDED"
    assert matches(output, expected["output"]), (output, expected["output"])
