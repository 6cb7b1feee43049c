"""JSONPath, Reference Paths and ResultPath (sfnkit.asl.paths), checked against AWS's recorded behaviour.

Sources of the expected texts: the conformance cases in tests/conformance/cases (``No results for path``,
``Missing property in path``, quoted keys, slices/wildcards on missing input, filters); Jayway JsonPath's
messages for the other definite-path failures (AWS evaluates paths with Jayway over Jackson trees); the
``Unable to apply ReferencePath`` cause of ``States.ResultPathMatchFailure`` as AWS printed it (aws-cdk #29473).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfnkit import errors
from sfnkit.asl.paths import (
    PathNotFound,
    PathSyntaxError,
    check_path,
    check_reference_path,
    compile_path,
    java_double,
    json_text,
    set_path,
)
from sfnkit.errors import StatesError

# ----------------------------------------------------------------------------------------------------------------
# syntax
# ----------------------------------------------------------------------------------------------------------------

VALID = [
    "$",
    "$.a",
    "$.a.b[0]",
    "$.a[-1]",
    "$['a b']",
    '$["a"]',
    "$['a','b']",
    "$.a[0,2]",
    "$.a[1:3]",
    "$.a[:2]",
    "$.a[-2:]",
    "$.a[*]",
    "$.*",
    "$..name",
    "$..[0]",
    "$.a.['b c']",
    "$.delivery-partner",
    "$.users[?(@.status == 0)]",
    "$.a[?(@.x > 1 && @.y == 'z' || !(@.z))]",
    "$.a[?(@.name =~ /ab.*/i)]",
    "$$",
    "$$.Execution.Input",
    "$$.Map.Item.Value",
    "$var",
    "$my_var.a[0]",
    "  $.a  ",
]

INVALID = [
    ("", 0, "empty"),
    ("a.b", 0, "must start with '$'"),
    ("$.", 1, "cannot end with '.'"),
    ("$..", 1, "cannot end with '..'"),
    ("$.a b", 3, "bracket notation"),
    ("$[", 1, "unterminated"),
    ("$['a]", 2, "unterminated quoted name"),
    ("$[abc]", 2, "is not an array index"),
    ("$[1:2:3]", 1, "steps are not supported"),
    ("$.a.length()", 10, "length() are not supported"),
    ("$.a[?(@.x ==)]", 12, "expected a value"),
    ("$.a[?@.x]", 5, "[?(<expression>)]"),
    ("$a-b", 2, "unexpected character"),
    ("$.a[0]x", 6, "unexpected character"),
]


@pytest.mark.parametrize("expr", VALID)
def test_valid_paths_compile(expr: str) -> None:
    assert check_path(expr).expr == expr


@pytest.mark.parametrize(("expr", "position", "reason"), INVALID)
def test_invalid_paths_point_at_the_problem(expr: str, position: int, reason: str) -> None:
    with pytest.raises(PathSyntaxError) as info:
        compile_path(expr)
    err = info.value
    assert err.expression == expr
    assert err.position == position
    assert reason in err.reason
    text = str(err)
    # Lark-style: the message, then the expression, then a caret under the offending character
    lines = text.splitlines()
    assert lines[-2] == "    " + expr
    assert lines[-1] == "    " + " " * position + "^"


def test_roots_and_flags() -> None:
    p = compile_path("$.a[0]")
    assert (p.root, p.variable, p.is_definite, p.is_reference) == ("input", None, True, True)
    p = compile_path("$$.Execution.Id")
    assert (p.root, p.variable) == ("context", None)
    p = compile_path("$order.items[0]")
    assert (p.root, p.variable, p.is_definite) == ("variable", "order", True)
    for expr in ("$.a[*]", "$..a", "$.a[1:]", "$.a[?(@.x)]", "$['a','b']", "$.a[0,1]"):
        p = compile_path(expr)
        assert not p.is_definite and not p.is_reference, expr


def test_compile_is_cached() -> None:
    assert compile_path("$.cached.path") is compile_path("$.cached.path")


def test_reference_path_check() -> None:
    check_reference_path("$.a.b[0]['c d']")
    with pytest.raises(PathSyntaxError) as info:
        check_reference_path("$.a[*].b")
    assert info.value.position == 3
    assert "Reference Path" in info.value.reason and "wildcard" in info.value.reason
    with pytest.raises(PathSyntaxError, match="deep scan"):
        check_reference_path("$..b")
    with pytest.raises(PathSyntaxError, match="filter"):
        check_reference_path("$.a[?(@.x)]")


# ----------------------------------------------------------------------------------------------------------------
# definite paths
# ----------------------------------------------------------------------------------------------------------------

DATA = {"a": {"b": [10, 20, {"c": "x"}]}, "s": "str", "n": None, "i": 1, "arr": [1, 2], "d-p": 1}


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("$", DATA),
        ("$.a.b[0]", 10),
        ("$.a.b[-1].c", "x"),
        ("$['a']['b'][1]", 20),
        ('$["a"].b[2]["c"]', "x"),
        ("$.d-p", 1),
        ("$.n", None),
        ("$.arr[5]", None),  # Jackson's ArrayNode.get past the end: AWS selects null
        ("$.arr[-5]", None),
    ],
)
def test_definite_select(expr: str, expected: Any) -> None:
    assert compile_path(expr).select(DATA) == expected


@pytest.mark.parametrize(
    ("expr", "detail"),
    [
        # recorded on AWS (test_invalid_jsonpath / test_catch_states_runtime cases)
        ("$.NoSuchInputPath", "No results for path: $['NoSuchInputPath']"),
        ("$.no.such.result.path", "Missing property in path $['no']"),
        # Jayway's messages
        ("$.a.zz", "No results for path: $['a']['zz']"),
        (
            "$.s.x",
            "Expected to find an object with property ['x'] in path $['s'] but found 'java.lang.String'. This is "
            "not a json object according to the JsonProvider: "
            "'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'.",
        ),
        (
            "$.n.x",
            "Expected to find an object with property ['x'] in path $['n'] but found 'null'. This is not a json "
            "object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'.",
        ),
        ("$.i[0]", "Filter: [0] can only be applied to arrays. Current context is: 1"),
        ("$.n[0]", "The path $['n'] is null"),
    ],
)
def test_definite_not_found_details(expr: str, detail: str) -> None:
    with pytest.raises(PathNotFound) as info:
        compile_path(expr).select(DATA)
    assert info.value.detail == detail
    assert info.value.expr == expr
    assert str(info.value) == f"Invalid path '{expr}' : {detail}"
    assert isinstance(info.value, LookupError)


def test_strict_mode_treats_out_of_range_as_missing() -> None:
    with pytest.raises(PathNotFound):
        compile_path("$.arr[5]").select(DATA, strict=True)
    assert compile_path("$.arr[1]").select(DATA, strict=True) == 2
    assert compile_path("$.n").select(DATA, strict=True) is None


def test_quoted_key_keeps_backslashes_as_aws_does() -> None:
    # test_escape_sequence_parsing ESCAPE_SEQUENCES_JSONPATH: "$['Test\\\"\"Name\"']" selects key Test\""Name"
    case = json.loads(r"""{"path": "$['Test\\\"\"Name\"']", "input": {"Test\\\"\"Name\"": "Value\"\\"}}""")
    assert compile_path(case["path"]).select(case["input"]) == 'Value"\\'


def test_context_and_variables() -> None:
    ctx = {"Execution": {"Input": {"k": 1}}, "Map": {"Item": {"Index": 2}}}
    assert compile_path("$$.Execution.Input.k").select({}, context=ctx) == 1
    assert compile_path("$$").select({}, context=ctx) == ctx
    assert compile_path("$$.Map.Item.Index").select({"x": 1}, context=ctx) == 2
    assert compile_path("$v.a[0]").select({}, variables={"v": {"a": [7]}}) == 7
    assert compile_path("$v").select({}, variables={"v": None}) is None
    with pytest.raises(PathNotFound, match="not defined"):
        compile_path("$undefinedVar.x").select({}, variables={"v": 1})
    with pytest.raises(PathNotFound):
        compile_path("$$.Task.Token").select({}, context=ctx)


# ----------------------------------------------------------------------------------------------------------------
# indefinite paths
# ----------------------------------------------------------------------------------------------------------------

ITEMS = {"items": [{"itemValue": i, "k": i % 2} for i in range(6)]}


@pytest.mark.parametrize(
    ("expr", "data", "expected"),
    [
        # AWS: test_json_path_array_wildcard_or_slice_with_no_input -> [] on {} for every one of these
        ("$.items[*]", {}, []),
        ("$.items[1:]", {}, []),
        ("$.items[:1].itemValue", {}, []),
        ("$.item.items[1:5].itemValue", {}, []),
        ("$.item.items[*]", {}, []),
        ("$.items[*].itemValue", ITEMS, [0, 1, 2, 3, 4, 5]),
        ("$.items[1:3].itemValue", ITEMS, [1, 2]),
        ("$.items[:2].itemValue", ITEMS, [0, 1]),
        ("$.items[-2:].itemValue", ITEMS, [4, 5]),
        ("$.items[4:10].itemValue", ITEMS, [4, 5]),
        ("$.items[0,2].itemValue", ITEMS, [0, 2]),
        ("$.items[?(@.k == 1)].itemValue", ITEMS, [1, 3, 5]),
        ("$.items[?(@.itemValue >= 4)].itemValue", ITEMS, [4, 5]),
        ("$.items[?(@.itemValue > 1 && @.k == 0)].itemValue", ITEMS, [2, 4]),
        ("$.items[?(@.itemValue < 1 || @.itemValue > 4)].itemValue", ITEMS, [0, 5]),
        ("$.items[?(!(@.k == 1))].itemValue", ITEMS, [0, 2, 4]),
        ("$.items[?(@.itemValue in [1, 5])].itemValue", ITEMS, [1, 5]),
        ("$.items[?(@.itemValue nin [1, 5])].itemValue", ITEMS, [0, 2, 3, 4]),
        ("$.items[?(@.missing)]", ITEMS, []),
        ("$.items[?(@.k)].itemValue", ITEMS, [0, 1, 2, 3, 4, 5]),
        ("$.*", {"a": 1, "b": [2]}, [1, [2]]),
        ("$['a','b']", {"a": 1, "b": 2, "c": 3}, [{"a": 1, "b": 2}]),
        ("$..name", {"name": 1, "a": {"name": 2, "b": [{"name": 3}]}, "c": [{"d": {"name": 4}}]}, [1, 2, 3, 4]),
        ("$..[0]", {"a": [[1, 2], 3], "b": {"c": [4]}}, [[1, 2], 1, 4]),
        ("$.s[*]", {"s": "text"}, []),
    ],
)
def test_indefinite_select(expr: str, data: Any, expected: Any) -> None:
    assert compile_path(expr).select(data) == expected


def test_filter_on_aws_recorded_case() -> None:
    # test_state_pass_regex_json_path_base
    data = {"users": [{"status": 0, "year": 1997}, {"status": 1, "year": 1998}]}
    assert compile_path("$.users[?(@.status == 0)]").select(data) == [{"status": 0, "year": 1997}]


def test_filter_operators() -> None:
    data = {
        "books": [
            {"t": "Sayings", "price": 8.95, "tags": ["a", "b"], "isbn": "0-553"},
            {"t": "Moby", "price": 8.99, "tags": ["b"]},
            {"t": "Lord", "price": 22.99, "tags": []},
        ],
        "limit": 10,
    }

    def titles(filter_: str) -> list[str]:
        return [b["t"] for b in compile_path(f"$.books[?({filter_})]").select(data)]

    assert titles("@.price < $.limit") == ["Sayings", "Moby"]
    assert titles("@.t =~ /mo.*/i") == ["Moby"]
    assert titles("@.t =~ /Mo/") == []  # Java's matches(): the whole string must match
    assert titles("@.tags size 1") == ["Moby"]
    assert titles("@.tags empty true") == ["Lord"]
    assert titles("@.tags contains 'a'") == ["Sayings"]
    assert titles("@.tags subsetof ['a', 'b', 'c']") == ["Sayings", "Moby", "Lord"]
    assert titles("@.tags anyof ['a']") == ["Sayings"]
    assert titles("@.tags noneof ['a']") == ["Moby", "Lord"]
    assert titles("@.isbn") == ["Sayings"]
    assert titles("@.t != 'Moby'") == ["Sayings", "Lord"]
    assert titles("@.price == '8.99'") == ["Moby"]  # Jayway compares a number with a numeric string


# ----------------------------------------------------------------------------------------------------------------
# ResultPath
# ----------------------------------------------------------------------------------------------------------------


def test_set_path_basics() -> None:
    data = {"a": {"keep": 1}, "list": [{"x": 1}, 2]}
    assert set_path(data, "$", [1]) == [1]
    assert set_path(data, "$.a.b.c", 5) == {"a": {"keep": 1, "b": {"c": 5}}, "list": [{"x": 1}, 2]}
    assert set_path(data, "$.a", None) == {"a": None, "list": [{"x": 1}, 2]}
    assert set_path(data, "$.list[0].y", 3)["list"] == [{"x": 1, "y": 3}, 2]
    assert set_path(data, "$.list[1]", "z")["list"] == [{"x": 1}, "z"]
    assert set_path(data, "$['a']['k k']", 1)["a"] == {"keep": 1, "k k": 1}
    assert data == {"a": {"keep": 1}, "list": [{"x": 1}, 2]}  # never mutated


def test_set_path_copies_only_along_the_path() -> None:
    untouched = {"deep": [1, 2]}
    data = {"a": {"b": 1}, "other": untouched}
    out = set_path(data, "$.a.c", 2)
    assert out["other"] is untouched
    assert out["a"] is not data["a"]


@pytest.mark.parametrize(
    ("data", "expr"),
    [
        ("a string", "$.x"),
        ([1, 2], "$.x"),
        (5, "$.x"),
        ({"a": "text"}, "$.a.b"),
        ({"a": None}, "$.a.b"),
        ({"a": [1]}, "$.a.b"),
        ({"a": [1]}, "$.a[3]"),
        ({"a": {}}, "$.a[0]"),
        ({}, "$.a[0]"),
    ],
)
def test_set_path_failures(data: Any, expr: str) -> None:
    with pytest.raises(StatesError) as info:
        set_path(data, expr, "r")
    assert info.value.error == errors.RESULT_PATH_MATCH_FAILURE
    assert info.value.cause == f"Unable to apply ReferencePath {expr} to input {json_text(data)}"


def test_set_path_cause_text_matches_aws() -> None:
    # aws-cdk issue #29473: a Lambda returned a JSON *string*; ResultPath $.partitioned could not apply
    payload = '{"min_size":10000,"max_partitions":100,"batch_size":100}'
    with pytest.raises(StatesError) as info:
        set_path(payload, "$.partitioned", {})
    assert info.value.cause == (
        'Unable to apply ReferencePath $.partitioned to input "{\\"min_size\\":10000,\\"max_partitions\\":100,'
        '\\"batch_size\\":100}"'
    )


def test_set_path_rejects_non_reference_paths() -> None:
    with pytest.raises(ValueError):
        set_path({}, "$.a[*]", 1)
    with pytest.raises(ValueError):
        set_path({}, "$$.a", 1)


# ----------------------------------------------------------------------------------------------------------------
# JSON text like Jackson / doubles like Java
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1.0"),
        (1.5, "1.5"),
        (100.0, "100.0"),
        (1e7, "1.0E7"),
        (9999999.0, "9999999.0"),
        (1e20, "1.0E20"),
        (0.001, "0.001"),
        (0.0001, "1.0E-4"),
        (-1.5e-10, "-1.5E-10"),
        (123456.789, "123456.789"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (math.inf, "Infinity"),
    ],
)
def test_java_double(value: float, text: str) -> None:
    assert java_double(value) == text


def test_json_text() -> None:
    assert json_text({"other": 1}) == '{"other":1}'
    assert json_text([None, True, 'a"b\\', 1.0, {"x": []}]) == '[null,true,"a\\"b\\\\",1.0,{"x":[]}]'
    assert json_text("é\n\x01") == '"é\\n\\u0001"'


# ----------------------------------------------------------------------------------------------------------------
# properties
# ----------------------------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=10,
)
names = st.text(
    alphabet=st.characters(blacklist_characters="'\\", blacklist_categories=("Cs",)), min_size=1, max_size=6
)


@settings(max_examples=200, deadline=None)
@given(
    data=st.dictionaries(names, json_values, max_size=3),
    keys=st.lists(names, min_size=1, max_size=4),
    value=json_values,
)
def test_set_then_select_returns_the_value(data: dict[str, Any], keys: list[str], value: Any) -> None:
    expr = "$" + "".join(f"['{k}']" for k in keys)
    # only paths whose intermediate steps are objects or missing can be set
    node: Any = data
    for k in keys[:-1]:
        if not isinstance(node, dict):
            return
        node = node.get(k, {})
    if not isinstance(node, dict):
        return
    before = json.dumps(data, sort_keys=True)
    out = set_path(data, expr, value)
    assert compile_path(expr).select(out) == value
    assert json.dumps(data, sort_keys=True) == before  # the input is never mutated


@settings(max_examples=200, deadline=None)
@given(value=json_values)
def test_json_text_is_json(value: Any) -> None:
    assert json.loads(json_text(value)) == value
