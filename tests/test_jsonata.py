"""The JSONata adapter (sfnkit.asl.jsonata): AWS's dialect of JSONata 2.0.6, its six extra functions and its
``States.QueryEvaluationError`` causes.

Sources of the expected values, in order of authority:

* the AWS-recorded conformance cases (``tests/conformance/cases``), used verbatim in the self-check at the
  bottom: every case with the feature "jsonata" whose machine is a single JSONata Pass state is evaluated here
  as AWS would and compared with the recorded output, error and cause;
* AWS's developer guide ("Transforming data with JSONata in Step Functions") for the six functions;
* the recorded outputs of LocalStack's AWS-validated snapshots (``test_array_jsonata``: ``$range(1, 9, 9)`` is
  ``1``, not ``[1]``);
* the Floci emulator's ``test-state`` captures for argument edge cases and ``$random(seed)`` (the values of
  ``java.util.Random(seed).nextDouble()``), marked "(Floci)" below.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import re
import threading
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfnkit import errors
from sfnkit.asl import jsonata
from sfnkit.asl.jsonata import QueryEvaluationError, evaluate, evaluate_tree, expect_type
from sfnkit.asl.jsonata import strip as unwrap
from tests.conformance.harness import Matcher, load_cases

RNG_SEED = 1234


def ev(
    text: str,
    *,
    states: dict[str, Any] | None = None,
    variables: dict[str, Any] | None = None,
    field: str = "Output",
    rng: random.Random | None = None,
    now_ms: int | None = None,
) -> Any:
    return evaluate(
        text,
        states=states if states is not None else {},
        variables=variables,
        field=field,
        rng=rng or random.Random(RNG_SEED),
        now_ms=now_ms,
    )


def cause_of(text: str, **kw: Any) -> str:
    with pytest.raises(QueryEvaluationError) as info:
        ev(text, **kw)
    err = info.value
    assert err.error == errors.QUERY_EVALUATION_ERROR == "States.QueryEvaluationError"
    assert isinstance(err, errors.StatesError)
    assert err.cause is not None
    return err.cause


def threw(expr: str, jsonata_cause: str, field: str = "Output") -> str:
    return (
        f"The JSONata expression '{expr}' specified for the field '{field}' threw an error during evaluation. "
        f"{jsonata_cause}"
    )


# ------------------------------------------------------------------------------------------------ text helpers


def test_strip_and_is_expression() -> None:
    assert unwrap("{% $states.input %}") == "$states.input"
    assert unwrap("{%1+2%}") == "1+2"
    assert jsonata.is_expression("{% x %}")
    # AWS treats a string with space around the delimiters as a literal (conformance case BASE_LITERALS).
    assert not jsonata.is_expression(" {% states.input %} ")
    assert not jsonata.is_expression("{%}")
    assert not jsonata.is_expression(42)


def test_check_syntax() -> None:
    assert jsonata.check_syntax("{% $states.input.a + 1 %}") is None
    assert jsonata.check_syntax("{%  %}") == "empty JSONata expression: write something between {% and %}"
    problem = jsonata.check_syntax("{% $states.input.( %}")
    assert problem is not None and problem.startswith("invalid JSONata expression: S0207")


@pytest.mark.parametrize("op", ["??", "?:"])
def test_check_syntax_rejects_operators_newer_than_2_0_6(op: str) -> None:
    problem = jsonata.check_syntax(f"{{% $states.input.a {op} 1 %}}")
    assert problem is not None
    assert f"the '{op}' operator needs JSONata 2.1" in problem and "JSONata 2.0.6" in problem
    assert jsonata.check_syntax(f"{{% 'a {op} b' %}}") is None  # inside a string it is just text


def test_unsupported_reference() -> None:
    assert jsonata.unsupported_reference("{% $$.a %}") == "Reference to '$$' is not supported."
    assert jsonata.unsupported_reference("{% $.a %}") == "Reference to '$' at the top level is not supported."
    assert jsonata.unsupported_reference("{% $states.input.items[$.id > 1] %}") is None
    assert jsonata.unsupported_reference("{% '$$' %}") is None


def test_referenced_variables() -> None:
    names = jsonata.referenced_variables("{% $a + $b.c + $sum($states.input) & '$notAVariable' /* $nor */ %}")
    assert names == {"a", "b", "sum"}
    assert jsonata.referenced_variables("{% $match('x', /\\$y/) %}") == {"match"}


# ------------------------------------------------------------------------------------------------ binding


def test_states_and_variables_are_bound() -> None:
    states = {"input": {"a": 1}, "result": {"b": 2}, "errorOutput": {"Error": "E"}, "context": {"State": {"Name": "S"}}}
    got = ev(
        "{% [$states.input.a, $states.result.b, $states.errorOutput.Error, $states.context.State.Name, $v] %}",
        states=states,
        variables={"v": "var"},
    )
    assert got == [1, 2, "E", "S", "var"]
    assert ev("{% $keys($states) %}", states={"input": 1, "context": {}}) == ["input", "context"]


def test_only_given_states_keys_exist() -> None:
    assert cause_of("{% $states.result %}", states={"input": {}}) == (
        "The JSONata expression '$states.result' specified for the field 'Output' returned nothing (undefined)."
    )


EXPRESSIONS = [
    "$states.input.a",
    "$states.input.a.b",
    "$states.input.a[0]",
    "$states.input.list.x",
    "$states.input.n + $states.input.zero",
    "$states.input.a + $states.input.n",
    "$count($states.input.list)",
    "$keys($states.input)",
    "$states.input.`odd key`",
    "$states.input.list[x > 1].x",
    "$states.context.Execution.Id & '/' & $states.input.s",
    "$v.k",
    "$v",
    "$states.input.list",
    "$states.input.s.x",
    "{'a': $states.input.a, 'l': $states.input.list}",
]
DATA = {
    "a": {"b": [1, 2]},
    "n": 3,
    "s": "str",
    "odd key": True,
    "zero": 0,
    "list": [{"x": 1}, {"x": 2}, {"y": 3}],
}


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_answers_are_the_engines_with_everything_bound(expr: str) -> None:
    """The data goes in as the engine's lazily-read input document and plain paths are navigated in Python:
    the answers are still the engine's own with $states and every variable bound the plain way."""
    import jsonatapy

    states = {"input": DATA, "context": {"Execution": {"Id": "id"}, "State": {"Name": "S"}}}
    variables = {"v": {"k": [1]}, "unused": list(range(1000))}
    try:
        full = jsonatapy.compile(expr).evaluate(None, {"states": states, **variables})
    except ValueError as e:
        assert str(e)[:5] in cause_of("{% " + expr + " %}", states=states, variables=variables)
        return
    try:
        ours = ev("{% " + expr + " %}", states=states, variables=variables)
    except QueryEvaluationError as e:
        assert full is None and "returned nothing (undefined)" in (e.cause or "")
        return
    assert json.dumps(ours, sort_keys=True) == json.dumps(full, sort_keys=True)


@pytest.mark.parametrize(
    ("data", "expr", "expected"),
    [
        ({"a": [[1, 2], [3]]}, "$x.a", [[1, 2], [3]]),
        ({"a": []}, "$x.a", []),
        ({"a": [5]}, "$x.a", [5]),
        ({"a": None}, "$x.a", None),
        ({"a": [{"b": 1}, {"b": 2}]}, "$x.a.b", [1, 2]),
        ({"a": [{"b": 1}]}, "$x.a.b", 1),
        ([{"b": 1}, {"c": 2}], "$x.b", 1),
    ],
)
def test_plain_paths(data: Any, expr: str, expected: Any) -> None:
    assert ev("{% " + expr + " %}", variables={"x": data}) == expected


@pytest.mark.parametrize("expr", ["$x.a.b", "$x.s.b", "$x.n.b", "$x.missing", "$missing"])
def test_plain_paths_to_nothing(expr: str) -> None:
    cause = cause_of("{% " + expr + " %}", variables={"x": {"a": None, "s": "abc", "n": 1}})
    assert cause.endswith("returned nothing (undefined).")


def test_data_the_engine_cannot_take_directly() -> None:
    from types import MappingProxyType

    states = {"input": MappingProxyType({"t": (1, 2), "big": 2**70})}
    assert ev("{% {'t': $states.input.t, 'big': $states.input.big} %}", states=states) == {
        "t": [1, 2],
        "big": float(2**70),
    }


# ------------------------------------------------------------------------------------------------ results


def test_null_is_a_value_and_undefined_is_an_error() -> None:
    assert ev("{% null %}") is None
    assert ev("{% $states.input.n %}", states={"input": {"n": None}}) is None
    assert ev("{% $exists($states.input.n) %}", states={"input": {"n": None}}) is True
    # test_assign_reference_variables::BASE_UNDEFINED_OUTPUT
    assert cause_of("{% $doesNotExist %}") == (
        "The JSONata expression '$doesNotExist' specified for the field 'Output' returned nothing (undefined)."
    )


def test_a_function_is_not_a_result() -> None:
    assert cause_of("{% $sum %}") == (
        "The JSONata expression '$sum' specified for the field 'Output' returned an unsupported result type."
    )


def test_whole_doubles_of_the_input_come_out_as_javascript_writes_them() -> None:
    # AWS evaluates JSONata on JavaScript values: "threshold": 1.0 in the input is the number 1 there, so every
    # JSONata answer holding it is written 1 (a JSONPath state passes the input text through untouched)
    import sfnkit

    sm = sfnkit.load(
        {
            "StartAt": "Paths",
            "States": {
                "Paths": {"Type": "Pass", "Assign": {"t.$": "$.threshold"}, "Next": "Ata"},
                "Ata": {
                    "Type": "Pass",
                    "QueryLanguage": "JSONata",
                    "Output": {"all": "{% $states.input %}", "t": "{% $t %}", "w": "{% $states.input.w[1] %}"},
                    "End": True,
                },
            },
        }
    )
    ex = sfnkit.run(sm, {"threshold": 1.0, "w": [0.5, 2.0, 1e21, 1e22]})
    written = ex.history.to_boto()["events"][-1]["executionSucceededEventDetails"]["output"]
    assert written == '{"all":{"threshold":1,"w":[0.5,2,1e+21,1e+22]},"t":1,"w":2}'
    passed = sfnkit.run(sfnkit.load({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}), {"a": 1.0})
    assert passed.history.to_boto()["events"][-1]["executionSucceededEventDetails"]["output"] == '{"a":1.0}'


def test_non_finite_numbers_are_written_as_javascript_names_them() -> None:
    # (Floci) AWS answers the strings JavaScript prints, wherever the number lands.
    assert ev("{% 1/0 %}") == "Infinity"
    assert ev("{% -1/0 %}") == "-Infinity"
    assert ev("{% [1/0, {'k': 0/0}] %}") == ["Infinity", {"k": "NaN"}]


def test_sequences_collapse_like_jsonata() -> None:
    assert ev("{% $map([1], function($v){$v}) %}") == 1
    assert ev("{% $states.input.items %}", states={"input": {"items": [0]}}) == [0]


def test_error_carries_the_field_for_the_evaluation_failed_event() -> None:
    with pytest.raises(QueryEvaluationError) as info:
        ev("{% $nope %}", field="Assign/result")
    assert info.value.field == "Assign/result"
    assert info.value.cause == (
        "The JSONata expression '$nope' specified for the field 'Assign/result' returned nothing (undefined)."
    )


# ------------------------------------------------------------------------------------------------ engine errors


@pytest.mark.parametrize(
    ("expr", "jsonata_cause"),
    [
        # AWS snapshot test_math_operations_jsonata::test_math_random_seeded
        ("$randomSeeded(1)", "T1006: Attempted to invoke a non-function"),
        # the rest: jsonata-js 2.0.6's messages, which AWS reports (Floci test-state captures for the T0410, T2002,
        # D3020, D3050, D3060 and D3138 ones)
        ('"a" + 1', 'T2001: The left side of the "+" operator must evaluate to a number'),
        ("1 + {}", 'T2002: The right side of the "+" operator must evaluate to a number'),
        ("$sqrt(-1)", "D3060: The sqrt function cannot be applied to a negative number: -1"),
        ("$split('a', 'b', -1)", "D3020: Third argument of split function must evaluate to a positive number"),
        ("$each('x', function($v){$v})", 'T0410: Argument 1 of function "each" does not match function signature'),
        ("$sum(['a'])", 'T0412: Argument 1 of function "sum" must be an array of "numbers"'),
        (
            "$reduce([1,2], function($a){$a})",
            "D3050: The second argument of reduce function must be a function with at least two arguments",
        ),
        (
            "$single([1,2], function($x){true})",
            "D3138: The $single() function expected exactly 1 matching result.  Instead it matched more.",
        ),
        ("$error('boom')", "D3137: boom"),
        ("$number('abc')", 'D3030: Unable to cast value to a number: "abc"'),
        ("[1.5..3]", "T2003: The left side of the range operator (..) must evaluate to an integer"),
    ],
)
def test_engine_errors_are_worded_as_aws_words_them(expr: str, jsonata_cause: str) -> None:
    assert cause_of("{% " + expr + " %}") == threw(expr, jsonata_cause)


def test_eval_is_not_available() -> None:
    # AWS: "$eval is not available - use $parse instead"; a call is a call of a non-function.
    assert cause_of("{% $eval('1 + 1') %}") == threw("$eval('1 + 1')", "T1006: Attempted to invoke a non-function")


def test_deep_recursion_is_a_stack_overflow() -> None:
    expr = "($f := function($x){ $x <= 0 ? 0 : 1 + $f($x - 1) }; $f(1000000))"
    assert cause_of("{% " + expr + " %}") == threw(
        expr,
        "U1001: Stack overflow error: Check for non-terminating recursive function.  "
        "Consider rewriting as tail-recursive.",
    )


# ------------------------------------------------------------------------------------------------ $partition


@pytest.mark.parametrize("length", [1, 2, 3, 4])
@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_partition_matrix(length: int, size: int) -> None:
    # The inputs of the AWS-recorded test_array_jsonata::test_array_partition (the cases here hold some of them).
    array = list(range(length))
    expected = [array[i : i + size] for i in range(0, length, size)]
    assert (
        ev("{% $partition($states.input.fst, $states.input.snd) %}", states={"input": {"fst": array, "snd": size}})
        == expected
    )


def test_partition_edges() -> None:
    assert ev("{% $partition([1,2,3,4,5], 2) %}") == [[1, 2], [3, 4], [5]]
    # (Floci) no size: one chunk; a fractional size is truncated towards zero; usable as a function value
    assert ev("{% $partition([1,2,3]) %}") == [[1, 2, 3]]
    assert ev("{% $partition([1,2,3,4,5], 2.9) %}") == [[1, 2], [3, 4], [5]]
    assert ev("{% $map([[1,2],[3]], function($a){$partition($a, 1)}) %}") == [[[1], [2]], [[3]]]
    # (Floci) an empty array, a zero size (also -0.5, truncated to 0) and an undefined array give nothing
    for expr in (
        "$partition([], 2)",
        "$partition([1,2,3], 0)",
        "$partition([1,2,3,4], -0.5)",
        "$partition($nothing, 2)",
    ):
        assert cause_of("{% " + expr + " %}").endswith("returned nothing (undefined).")
    assert cause_of("{% $partition([1,2,3], -1) %}") == threw(
        "$partition([1,2,3], -1)", "D3137: Second argument must be zero or greater"
    )
    assert 'T0412: Argument 1 of function "partition"' in cause_of("{% $partition(null, 2) %}")
    assert cause_of("{% $partition([1], 'a') %}") == threw(
        "$partition([1], 'a')", 'T0410: Argument 2 of function "partition" does not match function signature'
    )


# ------------------------------------------------------------------------------------------------ $range


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # LocalStack's AWS-validated snapshot test_array_jsonata::test_array_range
        ((0, 9, 3), [0, 3, 6, 9]),
        ((0, 10, 3), [0, 3, 6, 9]),
        ((1, 9, 9), 1),  # a single value is not wrapped in an array
        ((1, 9, 2), [1, 3, 5, 7, 9]),
        # AWS developer guide
        ((0, 10, 2), [0, 2, 4, 6, 8, 10]),
        # (Floci) descending, truncation towards zero
        ((10, 0, -2), [10, 8, 6, 4, 2, 0]),
        ((-1.7, 2, 1), [-1, 0, 1, 2]),
        ((-2.9, 0, 1), [-2, -1, 0]),
        ((5, 1, -1.5), [5, 4, 3, 2, 1]),
    ],
)
def test_range(args: tuple[float, float, float], expected: Any) -> None:
    fst, snd, trd = args
    assert (
        ev(
            "{% $range($states.input.fst, $states.input.snd, $states.input.trd) %}",
            states={"input": {"fst": fst, "snd": snd, "trd": trd}},
        )
        == expected
    )


def test_range_edges() -> None:
    # (Floci) a step of the wrong sign, a zero step or no step give nothing; no end is a signature error
    for expr in ("$range(5, 1, 1)", "$range(1, 5, 0)", "$range(1, 5)"):
        assert cause_of("{% " + expr + " %}").endswith("returned nothing (undefined).")
    assert cause_of("{% $range(1) %}") == threw(
        "$range(1)", 'T0410: Argument 2 of function "range" does not match function signature'
    )
    assert cause_of("{% $range(1, 'x', 1) %}") == threw(
        "$range(1, 'x', 1)", 'T0410: Argument 2 of function "range" does not match function signature'
    )
    # (Floci) AWS accepts 360,145 elements and refuses one more
    assert ev("{% $count($range(1, 360145, 1)) %}") == 360145
    assert cause_of("{% $range(1, 360146, 1) %}") == threw(
        "$range(1, 360146, 1)", "Expression evaluation memory limit exceeded"
    )


# ------------------------------------------------------------------------------------------------ $hash


@pytest.mark.parametrize(
    ("algorithm", "digest"),
    [
        ("MD5", "8b1a9953c4611296a827abf8c47804d7"),
        ("SHA-1", "f7ff9e8b7bb2e09b70935a5d785e0cc5d9d0abf0"),
        ("SHA-256", "185f8db32271fe25f561a6fc938b2e264306ec304eda518007d1764826381969"),
        ("SHA-384", "3519fe5ad2c596efe3e276a6f351b8fc0b03db861782490d45f7598ebd0ab5fd5520ed102f38c4a5ec834e98668035fc"),
        (
            "SHA-512",
            "3615f80c9d293ed7402687f94b22d58e529b8cc7916f8fac7fddf7fbd5af4cf777d3d795a7a00a16bf7e7f3fb9561ee9baae"
            "480da9fe7a18769e71886b03f315",
        ),
    ],
)
def test_hash(algorithm: str, digest: str) -> None:
    assert ev("{% $hash('Hello', $states.input.alg) %}", states={"input": {"alg": algorithm}}) == digest


def test_hash_edges() -> None:
    assert ev("{% $hash('ñ', 'MD5') %}") == hashlib.md5("ñ".encode()).hexdigest()  # UTF-8 bytes
    assert cause_of("{% $hash('a') %}").endswith("returned nothing (undefined).")
    assert cause_of("{% $hash(42, 'MD5') %}") == threw(
        "$hash(42, 'MD5')", 'T0410: Argument 1 of function "hash" does not match function signature'
    )
    assert cause_of("{% $hash('a', 5) %}") == threw(
        "$hash('a', 5)", 'T0410: Argument 2 of function "hash" does not match function signature'
    )
    for algorithm in ("md5", "SHA3-256"):  # names are case-sensitive
        assert "threw an error during evaluation. D3137: " in cause_of(f"{{% $hash('a', '{algorithm}') %}}")


# ------------------------------------------------------------------------------------------------ $random, $uuid


@pytest.mark.parametrize(
    ("seed", "value"),
    [
        # (Floci) what AWS returns: new java.util.Random(seed).nextDouble()
        (42, 0.7275636800328681),
        (0, 0.730967787376657),
        (7, 0.7306990420600421),
        (0.9, 0.730967787376657),  # the seed is truncated towards zero
    ],
)
def test_random_with_a_seed_is_javas(seed: float, value: float) -> None:
    assert ev(f"{{% $random({seed}) %}}") == value


def test_random_and_uuid_draw_only_from_the_given_rng() -> None:
    state = random.getstate()
    first = ev("{% [$random(), $uuid()] %}", rng=random.Random(5))
    again = ev("{% [$random(), $uuid()] %}", rng=random.Random(5))
    other = ev("{% [$random(), $uuid()] %}", rng=random.Random(6))
    assert first == again != other
    assert 0 <= first[0] < 1
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first[1])
    assert ev("{% $uuid() = $uuid() %}") is False
    assert random.getstate() == state  # the global generator was never touched


def test_compiled_expressions_shared_between_threads_keep_their_own_rng() -> None:
    results: dict[int, list[Any]] = {}
    failures: list[BaseException] = []

    def run(seed: int) -> None:
        rng = random.Random(seed)
        try:
            results[seed] = [ev("{% $random() %}", rng=rng) for _ in range(200)]
            results[seed].append(evaluate_tree(tree, states={"input": seed}, variables=None, field="Output", rng=rng))
        except BaseException as e:  # a panic in the engine is a BaseException
            failures.append(e)

    ev("{% $random() %}")  # compiled on this thread first: other threads must not use this thread's engine
    tree = {"a": ["{% $states.input %}"]}
    evaluate_tree(tree, states={"input": 0}, variables=None, field="Output", rng=random.Random(0))

    threads = [threading.Thread(target=run, args=(seed,)) for seed in (1, 2, 3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert sorted(results) == [1, 2, 3, 4]
    for seed, values in results.items():
        rng = random.Random(seed)
        assert values == [*(rng.random() for _ in range(200)), {"a": [seed]}]


def test_random_and_uuid_signature_errors() -> None:
    assert 'T0410: Argument 1 of function "random"' in cause_of("{% $random('x') %}")
    assert 'T0410: Argument 1 of function "random"' in cause_of("{% $random(null) %}")


# ------------------------------------------------------------------------------------------------ $parse


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # the inputs of AWS's test_json_manipulation_jsonata::test_parse (recorded outputs)
        ("-0", 0),
        ("1", 1),
        ("1.1", 1.1),
        ("true", True),
        ('"HelloWorld"', "HelloWorld"),
        ('[1, 2, "HelloWorld"]', [1, 2, "HelloWorld"]),
        ('{"Arg1": 1, "Arg2": []}', {"Arg1": 1, "Arg2": []}),
        ("null", None),
        # (Floci) key order kept; integers exact while they fit in a long
        ('{"b":1,"a":2}', {"b": 1, "a": 2}),
        ('{"n": 9223372036854775807}', {"n": 9223372036854775807}),
    ],
)
def test_parse(text: str, value: Any) -> None:
    got = ev("{% $parse($states.input.FunctionInput) %}", states={"input": {"FunctionInput": text}})
    assert json.dumps(got) == json.dumps(value)


def test_parse_edges() -> None:
    assert ev("{% $exists($parse('null')) %}") is True
    assert ev("""{% $map(['{"a":1}', '{"a":2}'], $parse).a %}""") == [1, 2]
    assert cause_of("{% $parse() %}").endswith("returned nothing (undefined).")
    assert cause_of("{% $parse(null) %}") == threw(
        "$parse(null)", 'T0410: Argument 1 of function "parse" does not match function signature'
    )
    # (Floci) AWS refuses an empty text, trailing data, a repeated key and a number beyond a double
    for bad in (
        "''",
        "'  '",
        """'{"a":1}{"b":2}'""",
        "'[1,2] [3,4]'",
        """'{"a":1,"a":2}'""",
        "'1e400'",
        "'NaN'",
        "'{a: 1}'",
    ):
        assert cause_of(f"{{% $parse({bad}) %}}").endswith("threw an error during evaluation. D3137: Invalid JSON")


# ------------------------------------------------------------------------------------------------ $now, $millis


def test_now_and_millis_come_from_the_virtual_clock() -> None:
    assert ev("{% $millis() %}", now_ms=1_700_000_000_123) == 1_700_000_000_123
    assert ev("{% $now() %}", now_ms=1_700_000_000_123) == "2023-11-14T22:13:20.123Z"
    assert ev("{% $now('[Y0001]-[M01]-[D01]') %}", now_ms=0) == "1970-01-01"
    # without now_ms: the instant the state was entered
    context = {"State": {"EnteredTime": "2024-01-02T03:04:05.678Z"}}
    assert ev("{% $now() %}", states={"context": context}) == "2024-01-02T03:04:05.678Z"
    assert ev("{% $now() = $now() %}", states={"context": context}) is True


# ------------------------------------------------------------------------------------------------ evaluate_tree


def test_evaluate_tree_evaluates_strings_anywhere_and_keeps_literals() -> None:
    template = {
        "expr": "{% $states.input.a %}",
        "nested": {"list": [1, "{% $states.input.a + 1 %}", {"deep": "{% $v %}"}]},
        "literal": " {% not evaluated %} ",
        "path_like": "$states.input",
        "null": None,
        "empty": {},
    }
    out = evaluate_tree(
        template, states={"input": {"a": 1}}, variables={"v": "x"}, field="Arguments", rng=random.Random(0)
    )
    assert out == {
        "expr": 1,
        "nested": {"list": [1, 2, {"deep": "x"}]},
        "literal": " {% not evaluated %} ",
        "path_like": "$states.input",
        "null": None,
        "empty": {},
    }
    assert out["nested"] is not template["nested"] and out["empty"] is not template["empty"]
    assert evaluate_tree("{% 1 + 1 %}", states={}, variables=None, field="Output", rng=random.Random(0)) == 2
    assert evaluate_tree(7, states={}, variables=None, field="Output", rng=random.Random(0)) == 7


@pytest.mark.parametrize(
    ("template", "field"),
    [
        ({"error": "{% $stateError %}"}, "Output/error"),  # test_error_output::MAP_CATCH_ERROR_OUTPUT_WITH_RETRY
        ({"a": {"b": ["x", "{% $nope %}"]}}, "Output/a/b[1]"),
        (["{% $nope %}"], "Output[0]"),
    ],
)
def test_evaluate_tree_names_the_nested_field(template: Any, field: str) -> None:
    with pytest.raises(QueryEvaluationError) as info:
        evaluate_tree(template, states={}, variables=None, field="Output", rng=random.Random(0))
    assert info.value.field == field
    assert info.value.cause is not None and f"specified for the field '{field}'" in info.value.cause


def test_compile_tree() -> None:
    run = jsonata.compile_tree({"a": ["{% $states.input %}"]}, "Output")
    assert run({"input": 3}, None, random.Random(0), None) == {"a": [3]}
    assert run({"input": 4}, None, random.Random(0), None) == {"a": [4]}


# ------------------------------------------------------------------------------------------------ expect_type


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        # test_base_scenarios::test_map_state_items_eval_jsonata*_fail
        (None, "'null' for value: null"),
        (True, "'boolean' for value: true"),
        ({"foo": "bar"}, '\'object\' for value: {"foo":"bar"}'),
        ("string", "'string' for value: \"string\""),
    ],
)
def test_expect_type_array(value: Any, shown: str) -> None:
    with pytest.raises(QueryEvaluationError) as info:
        expect_type(value, "array", "{% $ItemsVar %}", "Items")
    assert info.value.cause == (
        "The JSONata expression '$ItemsVar' specified for the field 'Items' returned an "
        f"unexpected result type. Expected 'array', but was {shown}"
    )
    assert info.value.field == "Items"


def test_expect_type_accepts() -> None:
    assert expect_type([1], "array", "{% x %}", "Items") == [1]
    assert expect_type(3, "integer", "{% x %}", "Seconds") == 3
    assert expect_type(3.0, "integer", "{% x %}", "Seconds") == 3.0
    assert expect_type(True, "boolean", "{% x %}", "Condition") is True
    for value, expected in ((True, "number"), (1.5, "integer"), ("1", "number"), (1, "boolean")):
        with pytest.raises(QueryEvaluationError):
            expect_type(value, expected, "{% x %}", "F")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ properties


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
        max_leaves=10,
    )
)
def test_states_input_round_trips(value: Any) -> None:
    assert ev("{% $states.input %}", states={"input": value}) == value
    if not isinstance(value, str):
        # $string writes numbers to 15 significant digits, as jsonata-js 2.0.6 (JavaScript) does
        assert ev("{% $parse($string($states.input)) %}", states={"input": value}) == _fifteen_digits(value)


def _fifteen_digits(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(f"{value:.15g}")
    if isinstance(value, list):
        return [_fifteen_digits(v) for v in value]
    return {k: _fifteen_digits(v) for k, v in value.items()}


# ------------------------------------------------------------------------------------------------ self-check


def _context(case_id: str, name: str, data: Any) -> dict[str, Any]:
    arn = "arn:aws:states:us-east-1:111111111111"
    return {
        "Execution": {
            "Id": f"{arn}:execution:sm:{case_id}",
            "Input": data,
            "Name": case_id,
            "RoleArn": "arn:aws:iam::111111111111:role/sfn",
            "StartTime": "2024-01-01T00:00:00.000Z",
            "RedriveCount": 0,
        },
        "StateMachine": {"Id": f"{arn}:stateMachine:sm", "Name": "sm"},
        "State": {"Name": name, "EnteredTime": "2024-01-01T00:00:00.000Z", "RetryCount": 0},
    }


def _single_jsonata_pass_cases() -> list[Any]:
    global CASES_MISSING
    found = []
    try:
        cases = load_cases()
    except (OSError, ValueError) as e:  # no cases folder (a partial copy of the repository): say so, do not crash
        CASES_MISSING = str(e)
        return []
    for case in cases:
        definition = case.definition
        states = definition.get("States", {})
        if "jsonata" not in case.features or len(states) != 1:
            continue
        (state,) = states.values()
        language = state.get("QueryLanguage", definition.get("QueryLanguage", "JSONPath"))
        if state.get("Type") == "Pass" and language == "JSONata":
            found.append(case)
    return found


CASES_MISSING: str | None = None  # why the conformance cases could not be read, if they could not
SINGLE_PASS_CASES = _single_jsonata_pass_cases()


def test_the_self_check_finds_its_cases() -> None:
    if CASES_MISSING is not None:
        pytest.skip(f"the conformance cases are missing: {CASES_MISSING}")
    assert len(SINGLE_PASS_CASES) >= 25


@pytest.mark.parametrize("case", SINGLE_PASS_CASES, ids=lambda c: c.id)
def test_conformance_single_pass_state(case: Any) -> None:
    """A single JSONata Pass state: Assign and Output evaluated against the case input, as AWS did.

    Pass is the one state whose output needs no interpreter: ``Output`` (default: the input) evaluated with
    ``$states.input``. ``Assign`` is evaluated too, against the same input and the variables before it, for its
    errors. The cause carries AWS's prefix for the first state, entered at event #2.
    """
    ((name, state),) = case.definition["States"].items()
    states = {"input": case.input, "context": _context(case.id, name, case.input)}
    rng = random.Random(0)
    status, output, error, cause = "SUCCEEDED", None, None, None
    try:
        if "Assign" in state:
            evaluate_tree(state["Assign"], states=states, variables={}, field="Assign", rng=rng)
        output = (
            evaluate_tree(state["Output"], states=states, variables={}, field="Output", rng=rng)
            if "Output" in state
            else case.input
        )
    except QueryEvaluationError as e:
        status, error = "FAILED", e.error
        cause = f"An error occurred while executing the state '{name}' (entered at the event id #2). {e.cause}"
        output = None
    matcher = Matcher.for_case(case)
    exp = case.expected
    assert status == exp.status
    diffs = matcher.compare(exp.output, output, ("output",))
    diffs += matcher.compare(exp.error, error, ("error",))
    diffs += matcher.compare(exp.cause, cause, ("cause",))
    assert not diffs, "\n".join(str(d) for d in diffs)


@pytest.mark.parametrize("expr", ["s", "v", "**", "*", "$string()", "$keys()", "$spread()"])
def test_unqualified_names_at_the_top_level_see_no_document(expr: str) -> None:
    # AWS gives the expression no input document (issue 14): nothing of sfnkit's own carrier shows through
    with pytest.raises(jsonata.QueryEvaluationError) as caught:
        jsonata.evaluate(
            "{% " + expr + " %}",
            states={"input": {"secret": 1}, "context": {"Execution": {"Id": "x"}}},
            variables={"token": "t"},
            field="Output",
            rng=random.Random(0),
        )
    cause = caught.value.cause or ""
    assert "returned nothing (undefined)" in cause or "threw an error" in cause
    assert "secret" not in cause and '"t"' not in cause


def test_names_inside_steps_still_read_the_items() -> None:
    states = {"input": {"items": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}], "10": 1, "2": 2}}
    ev = functools.partial(jsonata.evaluate, states=states, variables={"n": 1}, field="Output", rng=random.Random(0))
    assert ev("{% $states.input.items[qty > $n].sku %}") == "a"
    assert ev("{% $states.input.items{sku: qty} %}") == {"a": 2, "b": 1}
    assert ev("{% $states.input.items^(qty).sku %}") == ["b", "a"]
    assert ev("{% $states.input.items.$string(qty) %}") == ["2", "1"]
    assert ev("{% $states.input.items.sku ~> $join(',') %}") == "a,b"


def test_a_runaway_recursion_fails_with_a_query_evaluation_error() -> None:
    # a tail call with no base case loops (no stack grows); the engine's bound ends it (issue 13: fail fast)
    with pytest.raises(jsonata.QueryEvaluationError) as caught:
        jsonata.evaluate(
            "{% ($f := function($x){ $f($x + 1) }; $f(0)) %}",
            states={"input": {}},
            variables=None,
            field="Output",
            rng=random.Random(0),
        )
    assert "U1001: Expression evaluation timeout: Check for infinite loop" in (caught.value.cause or "")


# -- the Python plan and the direct calls: the same answers as the engine ---------------------------------------

PLAN_STATES = {
    "input": {
        "id": "ord 0042",
        "n": 3,
        "x": 1.5,
        "big": 2**60,
        "flag": True,
        "none": None,
        "obj": {"b": 1, "2": [1, 2.5]},
        "list": [1, 2],
        "text": "a  b\tc",
        "stamp": "2024-02-30T10:00:00Z",
        "whole": 2.0,
    },
    "context": {"State": {"EnteredTime": "2024-03-01T10:00:01.250Z"}, "Execution": {"Name": "run-1"}},
}
PLAN_VARIABLES = {"base": "https://x.example", "limit": 2}


def _outcome(text: str, variables: dict[str, Any] | None) -> tuple[str, str]:
    try:
        return "value", repr(ev(text, states=PLAN_STATES, variables=variables))
    except QueryEvaluationError as e:
        return "error", e.cause or ""


@pytest.mark.parametrize(
    "expr",
    [
        "$states.input.n * 2 + 1",
        "$states.input.n / 2",
        "$states.input.x * 2",
        "$states.input.n - $states.input.x",
        "$states.input.big + 1",
        "$states.input.n / 0",
        "$states.input.n + $states.input.missing",
        "$states.input.n + 'a'",
        "$states.input.flag + 1",
        "$base & '/orders/' & $encodeUrlComponent($states.input.id) & '?limit=' & $limit",
        "'x' & $states.input.flag & $states.input.none & $states.input.missing & $states.input.x",
        "'x' & $states.input.list & $states.input.x",
        "'n=' & $string($states.input.n) & $string($states.input.obj) & $string($states.input.missing)",
        "$string($states.input.big)",
        "$encodeUrlComponent($states.input.missing)",
        "$encodeUrlComponent($states.input.none)",
        "$encodeUrlComponent($states.input.n)",
        "$encodeUrlComponent($states.input.id, 1)",
        "$toMillis($states.context.State.EnteredTime) - $toMillis($states.input.stamp)",
        "$toMillis('2024-13-01')",
        "$replace($states.input.text, /\\s+/, '_')",
        "$replace($states.input.text, /x*/, '_')",
        "$split($states.input.text, /\\s/)",
        "$match($states.input.text, /b/)",
        "$contains($states.input.id, /ORD/i)",
        "$keys($states.input.obj)",
        "$number('0x1F') + $states.input.n",
        "$states.input.list[0] + $states.input.list[-1]",
        "{'id': $states.input.id, 'n': $count($states.input.list), 'w': $states.input.whole, 'm': $states.input.no}",
        "{'o': $states.input.obj, 'l': $states.input.list}",
        "{'b': 1, '2': $count($states.input.missing), 'u': $encodeUrlComponent($states.input.id) & '/'}",
        "$count($states.input.obj) + $count($states.input.id) + $count($states.input.missing)",
    ],
)
def test_the_python_plan_answers_as_the_engine(expr: str) -> None:
    text = "{% " + expr + " %}"
    compiled = jsonata._compile(text, PLAN_VARIABLES)
    assert compiled.fast is not None, "the expression should take the Python plan"
    planned = _outcome(text, PLAN_VARIABLES)
    plan, compiled.fast = compiled.fast, None
    try:
        engine = _outcome(text, PLAN_VARIABLES)
    finally:
        compiled.fast = plan
    assert planned == engine


def test_a_variable_named_like_a_built_in_hides_it() -> None:
    # JSONata looks a name up in its bindings first: the call meets the number 1, no function
    assert "T1006" in cause_of("{% $encodeUrlComponent('a b') %}", variables={"encodeUrlComponent": 1})
    assert "T1006" in cause_of("{% $replace('a b', / /, '_') %}", variables={"replace": 1})
    assert "T1006" in cause_of("{% $partition([1, 2], 1) %}", variables={"partition": 1})


def test_a_built_in_the_expression_rebinds_is_its_own() -> None:
    assert ev("{% ($encodeUrlComponent := function($x){ 'mine' }; $encodeUrlComponent('a b')) %}") == "mine"
    assert ev("{% ($f := $encodeUrlComponent; $f('a b')) %}") == "a%20b"
    assert ev("{% $map(['a b', 'c'], $encodeUrlComponent) %}") == ["a%20b", "c"]
    assert ev("{% 'a-b' ~> $replace(/-/, '_') %}") == "a_b"


@pytest.mark.parametrize(
    "body",
    [
        r"\s+",
        r"x*",
        r"$",
        r"(?<=-)0+",
        r"a|b",
        r"[-_.]",
        r"(\w)(\d)",
        r"a{0,2}",
        r"a{2}",
        r"\b",
        r"^",
        r".",
        r"a?",
        r"(a)+",
        r"[a-z]+?",
        r"x{",
        r"\d{1,3}",
        r"(?:ab)*c",
        r"\u00e9",
        r"\u00e9?",
        r"\x41*",
        r"(a)\1",
        r"[\]]*",
    ],
)
def test_a_pattern_called_never_empty_never_matches_empty(body: str) -> None:
    rx = jsonata._python_regex(jsonata._REGEX_MARK + ":" + body)
    texts = ["", "a", "aa", "ab-0012 x", "\\]", "é", "A"]
    empty = any(m.start() == m.end() for t in texts for m in rx.finditer(t))
    assert not (jsonata._never_empty(rx) and empty)


def test_never_empty_recognises_the_usual_patterns() -> None:
    for body in (r"\s+", r"[-_.]", r"\d{1,3}", r"(?<=-)0+", r"."):
        assert jsonata._never_empty(jsonata._python_regex(jsonata._REGEX_MARK + ":" + body)), body


@pytest.mark.parametrize(
    "expr", ["$parseInteger('\uff11}\uff12\uff13', '##\uff10')", "$toMillis('27 03 MMXVIII', '[D1] [M01] [,YI](')"]
)
def test_an_engine_panic_is_an_evaluation_error(expr: str) -> None:
    # jsonatapy 2.2.13 panics on some pictures; the panic (a BaseException) must not escape a run
    cause = cause_of("{% " + expr + " %}")
    assert "threw an error during evaluation" in cause and "could not evaluate" in cause
