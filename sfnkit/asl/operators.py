"""The 39 comparison operators of ASL Choice data-test expressions, compiled once into fast predicates.

ASL spec, section "Choice State" / "Data-test expression" (https://states-language.net/spec.html#data-test).
A data-test rule reads one value with its ``Variable`` path and tests it with exactly one operator::

    {"Variable": "$.price", "NumericGreaterThan": 100, "Next": "Expensive"}
    {"Variable": "$.price", "NumericGreaterThanPath": "$.limit", "Next": "Expensive"}

This module owns the operators only; finding the operator in a rule, resolving paths, ``And``/``Or``/``Not``
and the transitions belong to the Choice state. The contract with that caller:

* **Literal operators** (``StringEquals``, ``IsNull``, ...): ``compile_operator(name, operand)`` once, at load
  time, gives a :data:`Predicate` ``test(value, present)``. ``value`` is what ``Variable`` selected (``None``
  when ``present`` is false) and ``present`` says whether it selected anything.
* **Path operators** (``StringEqualsPath``, ...): ``compile_path_operator(name)`` gives a
  :data:`PathPredicate` ``test(value, other)``; the caller resolves the operand path against the same input
  (or context object, or variables) and passes what it selected as ``other``.
* **Missing values.** Only ``IsPresent`` may see a ``Variable`` that selects nothing: it is then false, and no
  error is raised (spec: "if the Variable-field Path fails to match anything in the input no exception is
  thrown and the Choice Rule just returns false"). For every other operator a ``Variable`` (or an operand
  path) that selects nothing is a run-time error the caller raises *before* calling the predicate:
  ``States.Runtime``, failing the execution, as for any reference path that matches nothing. The predicates
  of those operators ignore ``present``. :attr:`OperatorSpec.allows_missing` tells the two apart.

Semantics (spec, and the 297 AWS-recorded cases of ``tests/test_operators.py``):

* **A type mismatch is false, never an error.** ``StringEquals`` on ``0``, ``null``, ``[]`` or ``{}``;
  ``NumericEquals`` on ``""``, ``"0"``, ``false`` or ``true``; ``BooleanEquals`` on ``0``, ``1`` or ``""``;
  ``Timestamp*`` on a number or on a string that is not a timestamp: all false. The same holds for the value a
  Path operator's operand selects. Spec: "if the values are not both of the appropriate type ... the comparison
  will return false". Booleans are not numbers (JSON has no 0/1 booleans), numbers are not strings.
* **Numbers** compare by value: ``0`` equals ``0.0`` and ``1.0`` equals ``1`` (recorded). Python compares
  ``int`` with ``float`` exactly; AWS advises not to rely on integers beyond 2**53.
* **Strings** compare "character-by-character with no special treatments" (spec), in the order of Java's
  ``String.compareTo`` (AWS docs), i.e. by UTF-16 code unit: ``"\\uffff" < "\\U0001f600"`` is *false* in
  Java, true in Python. The fast path keeps Python's order whenever it provably agrees.
* **Timestamps** are read as :mod:`sfnkit.asl.timestamps` reads them and compared as instants (offsets
  applied, all nine fraction digits kept). ``IsTimestamp`` is true exactly for the strings that parse.
* **StringMatches**: ``*`` matches any run of characters (possibly empty); ``\\*`` is a literal ``*`` and
  ``\\\\`` a literal backslash (JSON text ``"\\\\*"`` and ``"\\\\\\\\"``); nothing else is special. A backslash
  escaping anything else, or ending the pattern, is an "open escape", which the spec makes a run-time error:
  the predicate raises ``StatesError("States.Runtime", ...)`` when it is evaluated.
  :func:`pattern_problem` reports it ahead of time so the validator can warn.
* **Is\\*** operators take a boolean operand: ``{"IsNull": false}`` is true for every present non-null value.
  ``IsNumeric`` is true for JSON numbers only (not ``"5"``), ``IsString`` for strings (timestamps included),
  ``IsBoolean`` for ``true``/``false`` only, ``IsNull`` for ``null`` only.

Values are JSON values as ``json.loads`` builds them (``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``,
``None``); the predicates test exact types, which is both faster and right for ``bool`` (a Python ``int``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from sfnkit import errors
from sfnkit.asl.jsontext import type_name
from sfnkit.asl.timestamps import timestamp_nanos

__all__ = [
    "OPERATORS",
    "OperandKind",
    "OperatorSpec",
    "PathPredicate",
    "Predicate",
    "check_operand",
    "compile_operator",
    "compile_path_operator",
    "operator_names",
    "pattern_problem",
    "suggest_operator",
]

#: ``test(value, present) -> bool`` for an operator with a literal operand.
Predicate = Callable[[Any, bool], bool]
#: ``test(value, other) -> bool`` for a ``...Path`` operator; ``other`` is what the operand path selected.
PathPredicate = Callable[[Any, Any], bool]

#: What a rule's operand must be: a JSON string / number / boolean, a timestamp string, a glob pattern string
#: (``StringMatches``), or a path string (every ``...Path`` operator).
OperandKind = Literal["string", "number", "boolean", "timestamp", "pattern", "path"]
#: The type of data an operator compares (``None`` for the ``Is*`` operators, which test the type itself).
ValueType = Literal["string", "number", "boolean", "timestamp"]
Relation = Literal["==", "<", ">", "<=", ">=", "matches", "is"]


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorSpec:
    """One row of :data:`OPERATORS`.

    ``operand`` is the kind of operand the definition must give and ``is_path`` whether it is a ``...Path``
    variant (its operand is then a path, and ``compares`` says what type the selected value must have).
    ``allows_missing`` is true only for ``IsPresent``.
    """

    name: str
    operand: OperandKind
    is_path: bool
    compares: ValueType | None
    relation: Relation
    allows_missing: bool = False


def _build_table() -> dict[str, OperatorSpec]:
    table: dict[str, OperatorSpec] = {}
    relations: tuple[tuple[str, Relation], ...] = (
        ("Equals", "=="),
        ("LessThan", "<"),
        ("GreaterThan", ">"),
        ("LessThanEquals", "<="),
        ("GreaterThanEquals", ">="),
    )
    families: tuple[tuple[str, ValueType, OperandKind], ...] = (
        ("String", "string", "string"),
        ("Numeric", "number", "number"),
        ("Boolean", "boolean", "boolean"),
        ("Timestamp", "timestamp", "timestamp"),
    )
    for prefix, compares, operand in families:
        for suffix, relation in relations:
            if prefix == "Boolean" and suffix != "Equals":
                continue
            name = prefix + suffix
            table[name] = OperatorSpec(name=name, operand=operand, is_path=False, compares=compares, relation=relation)
            table[name + "Path"] = OperatorSpec(
                name=name + "Path", operand="path", is_path=True, compares=compares, relation=relation
            )
        if prefix == "String":  # StringMatches has no Path variant (spec)
            table["StringMatches"] = OperatorSpec(
                name="StringMatches", operand="pattern", is_path=False, compares="string", relation="matches"
            )
    for name in ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"):
        table[name] = OperatorSpec(
            name=name,
            operand="boolean",
            is_path=False,
            compares=None,
            relation="is",
            allows_missing=name == "IsPresent",
        )
    return table


#: Every data-test operator of the ASL spec (39), in the spec's order.
OPERATORS: Mapping[str, OperatorSpec] = MappingProxyType(_build_table())
assert len(OPERATORS) == 39


def operator_names() -> tuple[str, ...]:
    """The names of the 39 data-test operators, in the spec's order (for "did you mean" suggestions)."""
    return tuple(OPERATORS)


def suggest_operator(name: str) -> str | None:
    """The known operator closest to a misspelt one, e.g. ``"NumericEqual"`` -> ``"NumericEquals"``; or None."""
    lowered = {n.lower(): n for n in OPERATORS}
    if name.lower() in lowered:  # wrong case only: "stringequals"
        return lowered[name.lower()]
    import difflib  # only for a message's hint

    close = difflib.get_close_matches(name, OPERATORS, n=1, cutoff=0.75)
    return close[0] if close else None


# --------------------------------------------------------------------------------------------- describing


def _describe(value: object) -> str:
    """``string "5"``, ``number 5``, ``null``: a short, JSON-flavoured account of a value for messages."""
    kind = type_name(value)
    if value is None:
        return kind
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{kind} {text}"


_NEEDS: dict[OperandKind, str] = {
    "string": "a string",
    "number": "a number",
    "boolean": "a boolean (true or false)",
    "timestamp": 'a timestamp string such as "2016-03-14T01:59:00Z"',
    "pattern": 'a string pattern where "*" matches any characters, such as "log-*.txt"',
    "path": 'a path string beginning with "$", such as "$.limit"',
}


def check_operand(name: str, operand: Any) -> str | None:
    """Why ``operand`` is not a valid literal operand of operator ``name``; ``None`` when it is.

    For the validator, which adds the location. Examples::

        NumericEquals needs a number, got string "5"
        TimestampEquals needs a timestamp string such as "2016-03-14T01:59:00Z", got string "2016-13-05T21:29:29Z"
            (not a valid ISO-8601 date-time with an offset)
        StringEqualsPath needs a path string beginning with "$", such as "$.limit", got string "limit"

    Only the JSON type (and, for timestamps, the format) is checked here: the syntax of a path belongs to the
    paths module, and an open escape in a ``StringMatches`` pattern (a run-time error on AWS) to
    :func:`pattern_problem`.
    """
    spec = OPERATORS.get(name)
    if spec is None:
        hint = suggest_operator(name)
        return f'unknown comparison operator "{name}"' + (f'; did you mean "{hint}"?' if hint else "")
    kind = spec.operand
    cls = operand.__class__
    if kind in ("string", "pattern"):
        ok = cls is str
    elif kind == "number":
        ok = cls is int or cls is float
    elif kind == "boolean":
        ok = cls is bool
    elif kind == "path":
        ok = cls is str and operand.startswith("$")
    else:  # timestamp
        if cls is str:
            if timestamp_nanos(operand) is not None:
                return None
            return (
                f"{name} needs {_NEEDS[kind]}, got {_describe(operand)} (not a valid ISO-8601 date-time with an offset)"
            )
        ok = False
    return None if ok else f"{name} needs {_NEEDS[kind]}, got {_describe(operand)}"


# --------------------------------------------------------------------------------------------- strings


def _utf16(text: str) -> bytes:
    # Big-endian UTF-16 bytes sort exactly as Java's compareTo sorts the chars (code units).
    return text.encode("utf-16-be", "surrogatepass")


def _java_compare(a: str, b: str) -> int:
    """-1, 0 or 1 as Java's ``a.compareTo(b)`` signs it (UTF-16 code-unit order)."""
    if a == b:
        return 0
    # Code-point order (Python's) and code-unit order (Java's) differ only where the first differing chars are
    # a supplementary one (>= U+10000) and one in U+E000..U+FFFF; that cannot happen if either side is ASCII.
    if a.isascii() or b.isascii():
        return -1 if a < b else 1
    return -1 if _utf16(a) < _utf16(b) else 1


_STRING_RELATIONS: dict[Relation, Callable[[int], bool]] = {
    "<": lambda c: c < 0,
    ">": lambda c: c > 0,
    "<=": lambda c: c <= 0,
    ">=": lambda c: c >= 0,
}


def _compile_string(relation: Relation, operand: str) -> Callable[[Any], bool]:
    if relation == "==":
        return lambda value: value.__class__ is str and value == operand
    if not operand.isascii():
        # The general path; the operand's UTF-16 form is computed once.
        encoded = _utf16(operand)
        holds = _STRING_RELATIONS[relation]

        def general(value: Any) -> bool:
            if value.__class__ is not str:
                return False
            if value == operand:
                return holds(0)
            if value.isascii():
                return holds(-1 if value < operand else 1)
            return holds(-1 if _utf16(value) < encoded else 1)

        return general
    # ASCII operand: Python's order is Java's order for every string value.
    if relation == "<":
        return lambda value: value.__class__ is str and value < operand
    if relation == ">":
        return lambda value: value.__class__ is str and value > operand
    if relation == "<=":
        return lambda value: value.__class__ is str and value <= operand
    return lambda value: value.__class__ is str and value >= operand


# --------------------------------------------------------------------------------------------- StringMatches


def _split_pattern(pattern: str) -> tuple[list[str], str | None]:
    """The literal segments between unescaped ``*`` (so ``len(segments) - 1`` wildcards), and a problem text.

    ``"a\\*b*c"`` (JSON ``"a\\\\*b*c"``) gives ``["a*b", "c"]``.
    """
    segments: list[str] = []
    current: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            segments.append("".join(current))
            current = []
        elif ch == "\\":
            if i + 1 < n and pattern[i + 1] in "*\\":
                current.append(pattern[i + 1])
                i += 1
            else:
                escaped = "the end of the pattern" if i + 1 == n else f'"{pattern[i + 1]}"'
                return [], (
                    f"StringMatches pattern {json.dumps(pattern, ensure_ascii=False)} has an open escape: the "
                    f"backslash at index {i} escapes {escaped}; only \\* (a literal *) and \\\\ (a literal "
                    "backslash) are escapes"
                )
        else:
            current.append(ch)
        i += 1
    segments.append("".join(current))
    return segments, None


def pattern_problem(pattern: str) -> str | None:
    """Why a ``StringMatches`` pattern will fail at run time (an open escape backslash), or ``None``."""
    return _split_pattern(pattern)[1]


def _compile_matches(pattern: str) -> Callable[[Any], bool]:
    segments, problem = _split_pattern(pattern)
    if problem is not None:
        cause = problem

        def open_escape(value: Any) -> bool:
            raise errors.StatesError(errors.RUNTIME, cause)

        return open_escape
    if len(segments) == 1:  # no wildcard: plain equality
        literal = segments[0]
        return lambda value: value.__class__ is str and value == literal
    head, *middle, tail = segments
    minimum = len(head) + len(tail) + sum(map(len, middle))
    if not middle:
        return lambda value: (
            value.__class__ is str and len(value) >= minimum and value.startswith(head) and value.endswith(tail)
        )
    inner = tuple(m for m in middle if m)  # "a**b" is "a*b"

    def matches(value: Any) -> bool:
        if value.__class__ is not str or len(value) < minimum:
            return False
        if not value.startswith(head) or not value.endswith(tail):
            return False
        # With "*" the only wildcard, taking each middle segment at its leftmost place is never wrong.
        position, stop = len(head), len(value) - len(tail)
        for segment in inner:
            found = value.find(segment, position, stop)
            if found < 0:
                return False
            position = found + len(segment)
        return True

    return matches


# --------------------------------------------------------------------------------------------- numbers, timestamps


def _is_number(value: Any) -> bool:
    cls = value.__class__
    return cls is int or cls is float


def _compile_number(relation: Relation, operand: int | float) -> Callable[[Any], bool]:
    # Each closure checks the exact type first: bool is excluded because its class is bool, not int.
    if relation == "==":
        return lambda v: (v.__class__ is int or v.__class__ is float) and v == operand
    if relation == "<":
        return lambda v: (v.__class__ is int or v.__class__ is float) and v < operand
    if relation == ">":
        return lambda v: (v.__class__ is int or v.__class__ is float) and v > operand
    if relation == "<=":
        return lambda v: (v.__class__ is int or v.__class__ is float) and v <= operand
    return lambda v: (v.__class__ is int or v.__class__ is float) and v >= operand


def _compile_timestamp(relation: Relation, key: int) -> Callable[[Any], bool]:
    if relation == "==":

        def equals(value: Any) -> bool:
            mine = timestamp_nanos(value)
            return mine is not None and mine == key

        return equals

    def ordered(value: Any) -> bool:
        mine = timestamp_nanos(value)
        return mine is not None and _holds(relation, mine - key)

    return ordered


def _holds(relation: Relation, difference: int) -> bool:
    if relation == "<":
        return difference < 0
    if relation == ">":
        return difference > 0
    if relation == "<=":
        return difference <= 0
    if relation == ">=":
        return difference >= 0
    return difference == 0


# --------------------------------------------------------------------------------------------- Is*

_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsNumeric": _is_number,
    "IsString": lambda v: v.__class__ is str,
    "IsBoolean": lambda v: v.__class__ is bool,
    "IsTimestamp": lambda v: timestamp_nanos(v) is not None,
}


# --------------------------------------------------------------------------------------------- compiling


def _spec(name: str) -> OperatorSpec:
    spec = OPERATORS.get(name)
    if spec is None:
        hint = suggest_operator(name)
        raise ValueError(f'unknown comparison operator "{name}"' + (f'; did you mean "{hint}"?' if hint else ""))
    return spec


def compile_operator(name: str, operand: Any) -> Predicate:
    """Compile a literal-operand operator into ``test(value, present) -> bool``.

    Call once per rule when the definition is loaded. ``value`` is what the rule's ``Variable`` selected and
    ``present`` whether it selected anything; only ``IsPresent`` reads ``present`` (see the module docstring
    for the caller's duty when a value is missing).

    Raises ``ValueError`` for an unknown operator, a ``...Path`` operator (use :func:`compile_path_operator`)
    or an operand :func:`check_operand` rejects: the validator reports those before anything is compiled.
    A ``StringMatches`` pattern with an open escape compiles into a predicate that raises ``States.Runtime``.

    >>> test = compile_operator("NumericGreaterThan", 100)
    >>> test(150, True), test("150", True), test(True, True)
    (True, False, False)
    """
    spec = _spec(name)
    if spec.is_path:
        raise ValueError(
            f"{name} compares with a value its path selects at run time; compile it with "
            "compile_path_operator() and pass the selected value to the predicate"
        )
    problem = check_operand(name, operand)
    if problem is not None:
        raise ValueError(problem)
    if name == "IsPresent":
        wanted = operand
        return lambda value, present: bool(present) is wanted
    if spec.relation == "is":
        type_test = _TYPE_TESTS[name]
        if operand:
            return lambda value, present: type_test(value)
        return lambda value, present: not type_test(value)
    test: Callable[[Any], bool]
    if spec.relation == "matches":
        test = _compile_matches(operand)
    elif spec.compares == "string":
        test = _compile_string(spec.relation, operand)
    elif spec.compares == "number":
        test = _compile_number(spec.relation, operand)
    elif spec.compares == "boolean":
        wanted_bool = operand
        test = lambda value: value is wanted_bool  # noqa: E731 - True/False are singletons
    else:  # timestamp
        key = timestamp_nanos(operand)
        assert key is not None  # check_operand accepted it
        test = _compile_timestamp(spec.relation, key)
    return lambda value, present: test(value)


def compile_path_operator(name: str) -> PathPredicate:
    """Compile a ``...Path`` operator into ``test(value, other) -> bool``.

    ``value`` is what the rule's ``Variable`` selected and ``other`` what the operator's own path selected
    (``{"Variable": "$.rating", "NumericGreaterThanPath": "$.threshold"}``: ``other`` is ``$.threshold``).
    Both are resolved by the caller, which raises ``States.Runtime`` when either selects nothing. If either
    value is not of the operator's type the result is false.

    >>> greater = compile_path_operator("NumericGreaterThanPath")
    >>> greater(5, 3), greater(5, "3")
    (True, False)
    """
    spec = _spec(name)
    if not spec.is_path:
        raise ValueError(f"{name} takes a literal operand; compile it with compile_operator(name, operand)")
    relation = spec.relation
    if spec.compares == "string":
        if relation == "==":
            return lambda value, other: value.__class__ is str and other.__class__ is str and value == other
        holds = _STRING_RELATIONS[relation]
        return lambda value, other: (
            value.__class__ is str and other.__class__ is str and holds(_java_compare(value, other))
        )
    if spec.compares == "number":

        def numbers(value: Any, other: Any) -> bool:
            if not (_is_number(value) and _is_number(other)):
                return False
            if relation == "==":
                return bool(value == other)
            return _holds(relation, -1 if value < other else (1 if value > other else 0))

        return numbers
    if spec.compares == "boolean":
        return lambda value, other: value.__class__ is bool and other.__class__ is bool and value is other

    def timestamps(value: Any, other: Any) -> bool:
        mine, theirs = timestamp_nanos(value), timestamp_nanos(other)
        if mine is None or theirs is None:
            return False
        return _holds(relation, mine - theirs)

    return timestamps
