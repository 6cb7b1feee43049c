"""Choice-rule comparison operators (sfnkit.asl.operators), checked against the AWS-recorded operator matrix.

The matrix: every conformance case whose file starts with ``test_is_operators``, ``test_numeric``,
``test_string_operators``, ``test_timestamp_operators`` or ``test_boolean_equals`` (feature tag "choice") is
one tiny machine, a Choice with one data-test rule whose ``Next`` is a Pass state ``ConditionTrue`` and whose
``Default`` is a Pass state ``ConditionFalse``, run on real AWS with the output recorded. The test below
evaluates the rule with this module's operators (resolving the simple ``$.x`` paths itself), follows the
transition through Pass/Succeed/Fail states and predicts the recorded status, output, error and cause.

This directory holds 297 such files, where the conformance README counts 318 Choice-matrix cases; the other
21 are not here (held out, or counted differently), so the test asserts at least 297. Every case found is
predicted, none is skipped. The matrix has no case for ``IsTimestamp``, ``StringMatches``,
``StringLessThanPath``, ``TimestampGreaterThanEquals`` and ``TimestampLessThanPath`` and never leaves
``Variable`` unmatched; the unit tests further down cover those from the ASL spec's text.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sfnkit import errors
from sfnkit.asl.operators import (
    OPERATORS,
    check_operand,
    compile_operator,
    compile_path_operator,
    operator_names,
    pattern_problem,
    suggest_operator,
)
from tests.conformance.harness import cases_dir

CASES_DIR = cases_dir()
MATRIX_PREFIXES = (
    "test_is_operators__",
    "test_numeric__",
    "test_string_operators__",
    "test_timestamp_operators__",
    "test_boolean_equals__",
)


# --------------------------------------------------------------------------------------------- a tiny interpreter

_MISSING = object()


def resolve(path: str, data: Any) -> tuple[bool, Any]:
    """(present, value) of a simple reference path: ``$``, ``$.a.b``, ``$.a[0]``. Enough for the matrix."""
    if path == "$":
        return True, data
    assert path.startswith("$"), path
    value = data
    for name, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path[1:]):
        if name:
            value = value.get(name, _MISSING) if isinstance(value, dict) else _MISSING
        else:
            i = int(index)
            value = value[i] if isinstance(value, list) and i < len(value) else _MISSING
        if value is _MISSING:
            return False, None
    return True, value


def evaluate(rule: dict[str, Any], data: Any) -> bool:
    """A Choice rule, as the Choice state will evaluate it with this module's operators."""
    if "And" in rule:
        return all(evaluate(r, data) for r in rule["And"])
    if "Or" in rule:
        return any(evaluate(r, data) for r in rule["Or"])
    if "Not" in rule:
        return not evaluate(rule["Not"], data)
    (name,) = [key for key in rule if key in OPERATORS]
    spec = OPERATORS[name]
    present, value = resolve(rule["Variable"], data)
    if not present and not spec.allows_missing:
        raise errors.StatesError(errors.RUNTIME, f"Invalid path '{rule['Variable']}'")
    if spec.is_path:
        found, other = resolve(rule[name], data)
        if not found:
            raise errors.StatesError(errors.RUNTIME, f"Invalid path '{rule[name]}'")
        return compile_path_operator(name)(value, other)
    return compile_operator(name, rule[name])(value, present)


PASS_FIELDS = {"Type", "Comment", "Result", "Next", "End"}


def predict(definition: dict[str, Any], data: Any) -> dict[str, Any]:
    """Status, output, error and cause of a machine made of Choice, Pass, Succeed and Fail states only.

    A Pass state here may only carry ``Result`` (its output, taken literally: ``"TestResult.$"`` inside
    ``Result`` is not a path) and ``Next``/``End``; anything else fails the test loudly rather than being
    guessed at.
    """
    states = definition["States"]
    name = definition["StartAt"]
    for _ in range(100):
        state = states[name]
        kind = state["Type"]
        if kind == "Choice":
            try:
                chosen = next((r["Next"] for r in state["Choices"] if evaluate(r, data)), state.get("Default"))
            except errors.StatesError as failure:
                return {"status": "FAILED", "output": None, "error": failure.error, "cause": failure.cause}
            if chosen is None:
                return {"status": "FAILED", "output": None, "error": errors.NO_CHOICE_MATCHED, "cause": None}
            name = chosen
            continue
        if kind == "Succeed":
            return {"status": "SUCCEEDED", "output": data, "error": None, "cause": None}
        if kind == "Fail":
            return {"status": "FAILED", "output": None, "error": state.get("Error"), "cause": state.get("Cause")}
        assert kind == "Pass", f"state {name!r}: a {kind} state is beyond this test's tiny interpreter"
        assert set(state) <= PASS_FIELDS, f"state {name!r}: fields {set(state) - PASS_FIELDS} not predicted"
        data = state.get("Result", data)
        if state.get("End"):
            return {"status": "SUCCEEDED", "output": data, "error": None, "cause": None}
        name = state["Next"]
    raise AssertionError("more than 100 transitions")


def _matrix() -> list[dict[str, Any]]:
    if not CASES_DIR.is_dir():
        return []
    cases = []
    for path in sorted(CASES_DIR.glob("*.json")):
        if path.name.startswith(MATRIX_PREFIXES):
            case = json.loads(path.read_text())
            if "choice" in case["features"]:
                cases.append(case)
    return cases


MATRIX = _matrix()


@pytest.mark.skipif(not CASES_DIR.is_dir(), reason=f"conformance cases not found at {CASES_DIR}")
def test_the_matrix_is_all_there() -> None:
    assert len(MATRIX) >= 297
    used = {key for case in MATRIX for key in _rule_keys(case)}
    # Every operator but these five appears in the recording; the unit tests below cover them.
    assert set(OPERATORS) - used == {
        "IsTimestamp",
        "StringMatches",
        "StringLessThanPath",
        "TimestampGreaterThanEquals",
        "TimestampLessThanPath",
    }


def _rule_keys(case: dict[str, Any]) -> set[str]:
    keys: set[str] = set()
    for state in case["definition"]["States"].values():
        for rule in state.get("Choices", []):
            keys |= set(rule) & set(OPERATORS)
    return keys


@pytest.mark.parametrize("case", MATRIX, ids=[case["id"] for case in MATRIX])
def test_aws_recorded_choice_matrix(case: dict[str, Any]) -> None:
    expected = case["expected"]
    predicted = predict(case["definition"], case["input"])
    assert predicted == {
        "status": expected["status"],
        "output": expected["output"],
        "error": expected["error"],
        "cause": expected["cause"],
    }


# --------------------------------------------------------------------------------------------- the table


def test_there_are_39_operators_in_the_spec_order() -> None:
    names = operator_names()
    assert len(names) == len(set(names)) == 39
    assert names[:3] == ("StringEquals", "StringEqualsPath", "StringLessThan")
    assert names[-6:] == ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")
    assert "StringMatchesPath" not in OPERATORS  # the spec has no such operator
    for name, spec in OPERATORS.items():
        assert spec.name == name
        assert spec.is_path == name.endswith("Path")
        assert (spec.operand == "path") == spec.is_path
        assert spec.allows_missing == (name == "IsPresent")
    assert OPERATORS["NumericLessThanEqualsPath"].compares == "number"
    assert OPERATORS["NumericLessThanEqualsPath"].relation == "<="
    assert OPERATORS["IsNull"].operand == "boolean"
    assert OPERATORS["StringMatches"].operand == "pattern"


def test_the_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        OPERATORS["Foo"] = OPERATORS["IsNull"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("NumericEqual", "NumericEquals"),
        ("stringequals", "StringEquals"),
        ("NumericGreaterThen", "NumericGreaterThan"),
        ("TimestampEqualPath", "TimestampEqualsPath"),
        ("IsPresnt", "IsPresent"),
        ("Banana", None),
    ],
)
def test_suggestions(typo: str, meant: str | None) -> None:
    assert suggest_operator(typo) == meant


# --------------------------------------------------------------------------------------------- operands


@pytest.mark.parametrize(
    ("name", "operand", "message"),
    [
        ("NumericEquals", "5", 'NumericEquals needs a number, got string "5"'),
        ("NumericEquals", True, "NumericEquals needs a number, got boolean true"),
        ("NumericEquals", None, "NumericEquals needs a number, got null"),
        ("StringEquals", 5, "StringEquals needs a string, got number 5"),
        (
            "StringMatches",
            ["*"],
            'StringMatches needs a string pattern where "*" matches any characters, '
            'such as "log-*.txt", got array ["*"]',
        ),
        ("BooleanEquals", "true", 'BooleanEquals needs a boolean (true or false), got string "true"'),
        ("IsNull", 1, "IsNull needs a boolean (true or false), got number 1"),
        (
            "TimestampEquals",
            "2016-13-05T21:29:29Z",
            "TimestampEquals needs a timestamp string such as "
            '"2016-03-14T01:59:00Z", got string "2016-13-05T21:29:29Z" (not a valid ISO-8601 date-time with an offset)',
        ),
        (
            "TimestampLessThan",
            0,
            'TimestampLessThan needs a timestamp string such as "2016-03-14T01:59:00Z", got number 0',
        ),
        (
            "StringEqualsPath",
            "limit",
            'StringEqualsPath needs a path string beginning with "$", such as "$.limit", got string "limit"',
        ),
        (
            "NumericEqualsPath",
            3,
            'NumericEqualsPath needs a path string beginning with "$", such as "$.limit", got number 3',
        ),
        ("NumericEqual", 1, 'unknown comparison operator "NumericEqual"; did you mean "NumericEquals"?'),
        ("Banana", 1, 'unknown comparison operator "Banana"'),
    ],
)
def test_check_operand_says_what_is_wrong(name: str, operand: Any, message: str) -> None:
    assert check_operand(name, operand) == message


@pytest.mark.parametrize(
    ("name", "operand"),
    [
        ("NumericEquals", 0),
        ("NumericEquals", 1.5),
        ("StringEquals", ""),
        ("StringMatches", "a\\b"),  # an open escape is a run-time matter (see pattern_problem)
        ("BooleanEquals", False),
        ("IsPresent", False),
        ("TimestampEquals", "2016-03-14T01:59:00+01:00"),
        ("TimestampEqualsPath", "$.when"),
        ("StringEqualsPath", "$$.Execution.Name"),
        ("NumericEqualsPath", "$limit"),  # a variable
    ],
)
def test_check_operand_accepts(name: str, operand: Any) -> None:
    assert check_operand(name, operand) is None


def test_compile_refuses_what_the_validator_rejects() -> None:
    with pytest.raises(ValueError, match='NumericEquals needs a number, got string "5"'):
        compile_operator("NumericEquals", "5")
    with pytest.raises(ValueError, match="compile_path_operator"):
        compile_operator("NumericEqualsPath", "$.x")
    with pytest.raises(ValueError, match="compile_operator"):
        compile_path_operator("NumericEquals")
    with pytest.raises(ValueError, match='did you mean "IsNull"'):
        compile_operator("IsNul", True)


# --------------------------------------------------------------------------------------------- semantics

JSON_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    0.0,
    1,
    -2.5,
    "",
    " ",
    "0",
    "true",
    "null",
    "abc",
    "2016-03-14T01:59:00Z",
    [],
    [1],
    {},
    {"a": 1},
]


def _truth(name: str, operand: Any, value: Any, present: bool = True) -> bool:
    return compile_operator(name, operand)(value, present)


@pytest.mark.parametrize("value", JSON_VALUES)
def test_is_operators_classify_every_json_type(value: Any) -> None:
    cls = value.__class__
    expected = {
        "IsNull": value is None,
        "IsNumeric": cls in (int, float),
        "IsString": cls is str,
        "IsBoolean": cls is bool,
        "IsTimestamp": value == "2016-03-14T01:59:00Z",
        "IsPresent": True,
    }
    for name, truth in expected.items():
        assert _truth(name, True, value) is truth, name
        assert _truth(name, False, value) is (not truth), name


def test_is_present_reads_presence_only() -> None:
    assert _truth("IsPresent", True, None, present=False) is False
    assert _truth("IsPresent", False, None, present=False) is True
    assert _truth("IsPresent", True, None, present=True) is True  # a present null is present


@pytest.mark.parametrize("value", JSON_VALUES)
def test_a_type_mismatch_is_false(value: Any) -> None:
    cls = value.__class__
    if cls is not str:
        for name in ("StringEquals", "StringLessThan", "StringGreaterThanEquals"):
            assert _truth(name, "abc", value) is False
        assert _truth("StringMatches", "*", value) is False
        assert _truth("TimestampEquals", "2016-03-14T01:59:00Z", value) is False
    if cls not in (int, float):
        for name in ("NumericEquals", "NumericLessThan", "NumericGreaterThanEquals"):
            assert _truth(name, 0, value) is False
            assert _truth(name, 1, value) is False
    if cls is not bool:
        assert _truth("BooleanEquals", True, value) is False
        assert _truth("BooleanEquals", False, value) is False


def test_numbers_compare_by_value() -> None:
    assert _truth("NumericEquals", 0, 0.0)
    assert _truth("NumericEquals", 1.0, 1)
    assert not _truth("NumericEquals", 1, 1.1)
    assert _truth("NumericLessThan", 1, 0.5)
    assert _truth("NumericGreaterThanEquals", -1, -1.0)
    assert not _truth("NumericEquals", 1, True)  # true is not 1
    assert not _truth("NumericEquals", 0, False)
    assert _truth("NumericEquals", 2**63, 2**63)
    equals = compile_path_operator("NumericEqualsPath")
    assert equals(1, 1.0) and not equals(1, True) and not equals(True, True) and not equals("1", 1)
    below = compile_path_operator("NumericLessThanPath")
    assert below(0, 0.5) and not below(1, 1) and not below(None, 1)


def test_booleans() -> None:
    assert _truth("BooleanEquals", True, True)
    assert not _truth("BooleanEquals", True, "true")
    assert not _truth("BooleanEquals", False, 0)
    equals = compile_path_operator("BooleanEqualsPath")
    assert equals(False, False) and not equals(False, True) and not equals(0, False) and not equals(1, True)


def test_strings_compare_as_java_does() -> None:
    assert _truth("StringLessThan", "AB", "A")
    assert not _truth("StringLessThan", "", "")
    assert _truth("StringLessThanEquals", "", "")
    assert not _truth("StringEquals", "\t\r\n", "\t\n")
    assert not _truth("StringEquals", "\u00e9", "e\u0301")  # no Unicode normalisation
    # Java's compareTo orders UTF-16 code units: U+1F600 is the pair D83D DE00, which sorts before U+FFFF.
    smiley, last_bmp = "\U0001f600", "\uffff"
    assert _truth("StringLessThan", last_bmp, smiley)
    assert _truth("StringGreaterThan", smiley, last_bmp)
    assert compile_path_operator("StringLessThanPath")(smiley, last_bmp)
    assert _truth("StringLessThan", "é\uffff", "é\U0001f600")
    assert _truth("StringLessThan", "z", "é\U0001f600") is False
    assert _truth("StringGreaterThanEquals", "\U0001f600", smiley)


_TEXT = st.text(alphabet=st.sampled_from(["a", "b", "é", "\ue000", "\uffff", "\U00010000", "\U0001f600"]), max_size=5)


@given(_TEXT, _TEXT)
def test_string_order_is_utf16_order(a: str, b: str) -> None:
    ua, ub = a.encode("utf-16-be"), b.encode("utf-16-be")
    for name, holds in [
        ("StringLessThan", ua < ub),
        ("StringGreaterThan", ua > ub),
        ("StringLessThanEquals", ua <= ub),
        ("StringGreaterThanEquals", ua >= ub),
        ("StringEquals", a == b),
    ]:
        assert compile_operator(name, b)(a, True) is holds, name
        assert compile_path_operator(name + "Path")(a, b) is holds, name


def test_timestamps_compare_as_instants() -> None:
    assert _truth("TimestampEquals", "2012-10-09T18:00:55Z", "2012-10-09T19:00:55+01:00")
    assert _truth("TimestampEquals", "2012-10-09T19:00:55Z", "2012-10-09T19:00:55.000Z")
    assert _truth("TimestampLessThan", "2012-10-09T19:00:55.000000002Z", "2012-10-09T19:00:55.000000001Z")
    assert _truth("TimestampGreaterThanEquals", "2012-10-09T19:00:55Z", "2012-10-09T19:00:55Z")
    assert not _truth("TimestampEquals", "2012-10-09T19:00:55Z", "2012-10-09T19:00:55")  # no offset: not one
    assert not _truth("TimestampLessThan", "2012-10-09T19:00:55Z", "2012-10-09")
    before = compile_path_operator("TimestampLessThanPath")
    assert before("2012-10-09T18:59:59+00:00", "2012-10-09T19:00:00Z")
    assert not before("2012-10-09T18:59:59Z", "not a timestamp")
    assert not before(0, "2012-10-09T19:00:00Z")


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("foo*.log", "foo23.log", True),  # the spec's examples
        ("*.log", "zebra.log", True),
        ("foo*.*", "foobar.zebra", True),
        ("log-*.txt", "log-.txt", True),
        ("log-*.txt", "log.txt", False),
        ("*", "", True),
        ("", "", True),
        ("", "a", False),
        ("a*b*c", "abc", True),
        ("a*b*c", "aXbYc", True),
        ("a*b*c", "acb", False),
        ("a*b*c", "abcbc", True),
        ("ab*ba", "aba", False),  # prefix and suffix may not overlap
        ("a**b", "ab", True),
        ("a?c", "abc", False),  # nothing but "*" is special
        ("a[b]c", "abc", False),
        ("a.c", "abc", False),
        ("a\\*c", "a*c", True),  # JSON "a\\*c": a literal star
        ("a\\*c", "abc", False),
        ("a\\\\*", "a\\bc", True),  # JSON "a\\\\*": a literal backslash, then a wildcard
        ("a\\\\*", "abc", False),
        ("*\\**", "x*y", True),
        ("*\\**", "xy", False),
    ],
)
def test_string_matches(pattern: str, value: str, matches: bool) -> None:
    assert _truth("StringMatches", pattern, value) is matches
    assert pattern_problem(pattern) is None


def _reference_glob(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\":
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(".*" if pattern[i] == "*" else re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out), re.DOTALL)


@given(
    st.lists(st.sampled_from(["a", "b", "*", "\\*", "\\\\", "\n"]), max_size=6).map("".join),
    st.text(alphabet="ab*\\\n", max_size=8),
)
def test_string_matches_agrees_with_a_regex_reading_of_the_spec(pattern: str, value: str) -> None:
    expected = _reference_glob(pattern).fullmatch(value) is not None
    assert _truth("StringMatches", pattern, value) is expected


@pytest.mark.parametrize("pattern", ["a\\b", "a\\", "\\", "ok*\\?"])
def test_an_open_escape_fails_at_run_time(pattern: str) -> None:
    problem = pattern_problem(pattern)
    assert problem is not None and "open escape" in problem
    test = compile_operator("StringMatches", pattern)  # compiles: AWS fails it when it runs
    with pytest.raises(errors.StatesError) as failure:
        test("anything", True)
    assert failure.value.error == errors.RUNTIME
    assert failure.value.cause == problem


def test_path_operators_need_both_values_of_their_type() -> None:
    for name, spec in OPERATORS.items():
        if not spec.is_path:
            continue
        test = compile_path_operator(name)
        for value in JSON_VALUES:
            others: tuple[Any, ...] = (None, [], {})
            for other in others:
                assert test(value, other) is False, (name, value, other)
