"""JSONPath data flow of one state (ASL spec "Input and Output Processing"):

``InputPath -> Parameters -> (task) -> ResultSelector -> ResultPath -> OutputPath``

Every function takes the values it needs and returns a new value; nothing is mutated. Failures raise
:class:`~sfnkit.runtime.scheduler.Failed` with AWS's error name and cause *detail* (a
:class:`~sfnkit.errors.StatesError` from the ASL functions is converted here); the interpreter adds the
"An error occurred while executing the state 'X' (entered at the event id #N). " prefix
(:func:`sfnkit.runtime.failures.state_error`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from typing import Any

from sfnkit import messages as msg
from sfnkit.asl import paths
from sfnkit.errors import DATA_LIMIT_EXCEEDED, RUNTIME, StatesError
from sfnkit.history.model import copy_json_iteratively, encode_json, join_surrogate_pairs
from sfnkit.runtime.scheduler import Failed

__all__ = [
    "apply_input_path",
    "apply_output_path",
    "apply_result_path",
    "check_variable_sizes",
    "copy_json",
    "evaluate_template",
    "json_text",
    "select",
    "size_of",
    "snapshot",
]

#: AWS's payload limit for state input, output and task results (256 KiB of UTF-8).
MAX_PAYLOAD_BYTES = 256 * 1024


def select(expr: str, data: Any, context: Mapping[str, Any] | None, variables: Mapping[str, Any] | None) -> Any:
    """Evaluate a path; a path that selects nothing is a terminal States.Runtime failure."""
    try:
        return paths.compile_path(expr).select(data, context=context, variables=variables)
    except paths.PathNotFound as e:
        raise Failed(RUNTIME, msg.invalid_path(expr, e.detail), terminal=True) from None
    except StatesError as e:
        raise Failed(e.error, e.cause, terminal=e.error == RUNTIME) from None
    except RecursionError:
        raise Failed(RUNTIME, _TOO_DEEP, terminal=True) from None


def select_field(
    expr: str, field: str, data: Any, context: Mapping[str, Any] | None, variables: Mapping[str, Any] | None
) -> Any:
    """A Fail state's ``ErrorPath``/``CausePath``: a path that selects nothing fails as a payload field does,
    naming the field and showing the document it was applied to (recorded on AWS:
    test_invalid_jsonpath[INVALID_JSONPATH_IN_ERRORPATH] and [ST.INVALID_JSONPATH_IN_CAUSEPATH])."""
    path = paths.compile_path(expr)
    try:
        return path.select(data, context=context, variables=variables)
    except paths.PathNotFound:
        shown = context if path.root == "context" else data
        raise Failed(RUNTIME, msg.field_path_not_found(expr, field, json_text(shown)), terminal=True) from None
    except StatesError as e:
        raise Failed(e.error, e.cause, terminal=e.error == RUNTIME) from None
    except RecursionError:
        raise Failed(RUNTIME, _TOO_DEEP, terminal=True) from None


def apply_input_path(expr: str | None, data: Any, context: Any, variables: Any) -> Any:
    if expr == "$":
        return data
    if expr is None:  # "InputPath": null discards the input
        return {}
    return select(expr, data, context, variables)


def apply_output_path(expr: str | None, data: Any, context: Any, variables: Any) -> Any:
    if expr == "$":
        return data
    if expr is None:
        return {}
    return select(expr, data, context, variables)


def apply_result_path(expr: str | None, state_input: Any, result: Any) -> Any:
    if expr == "$":
        return result
    if expr is None:  # "ResultPath": null keeps the input and discards the result
        return state_input
    try:
        return paths.set_path(state_input, expr, result)
    except StatesError as e:
        raise Failed(e.error, e.cause, terminal=e.error == RUNTIME) from None
    except ValueError as e:  # not a Reference Path into the state data ("$$", "$var"): validate() reports it
        raise Failed(RUNTIME, str(e), terminal=True) from None
    except RecursionError:
        raise Failed(RUNTIME, _TOO_DEEP, terminal=True) from None


def evaluate_template(template: Any, data: Any, context: Any, variables: Any, rng: random.Random) -> Any:
    # imported here, not at the top: a machine without payload templates never loads them or the intrinsic
    # functions (a fresh process's first run); an import of a loaded module is a dict lookup
    from sfnkit.asl import templates

    try:
        return templates.compile_template(template).evaluate(data, context=context, variables=variables, rng=rng)
    except paths.PathNotFound as e:
        raise Failed(RUNTIME, msg.invalid_path(e.expression, e.detail), terminal=True) from None
    except StatesError as e:
        raise Failed(e.error, e.cause, terminal=e.error == RUNTIME) from None
    except templates.TemplateError as e:
        # validate() reports every template it knows of; this is the safety net for one it does not (a
        # definition built by hand, a field added later): the run fails as AWS fails a bad template, never
        # with a Python exception.
        raise Failed(RUNTIME, msg.template_invalid(str(e)), terminal=True) from None
    except RecursionError:
        raise Failed(RUNTIME, _TOO_DEEP, terminal=True) from None


_TOO_DEEP = msg.data_too_deep()


def json_text(value: Any) -> str:
    """A JSON value as the compact text AWS shows in causes (no spaces, non-ASCII kept)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value (dicts and lists rebuilt, scalars shared), at any depth."""
    try:
        return _copy(value)
    except RecursionError:  # hundreds of levels: still JSON (the history and AWS hold it), so copy it without recursion
        return copy_json_iteratively(value)


def _copy(value: Any) -> Any:
    t = type(value)
    if t is dict:  # scalars are tested inline: a call per scalar doubled the cost of copying a flat object
        return {k: v if type(v) not in _CONTAINERS else _copy(v) for k, v in value.items()}
    if t is list:
        return [v if type(v) not in _CONTAINERS else _copy(v) for v in value]
    return value


_CONTAINERS = frozenset((dict, list))


# Worst case of JSON bytes per unit counted by snapshot(): a character of a string becomes at most 6 bytes
# (\uXXXX), a number at most 24; so a value whose estimate is under this cannot exceed 256 KiB.
_SURE_UNDER = MAX_PAYLOAD_BYTES // 24


def snapshot(value: Any) -> Any:
    """What a task returned, as Lambda would serialise it: a private deep copy of a JSON value (tuples become
    lists), checked on the way: a value JSON cannot carry raises TypeError/ValueError, and a result over
    256 KiB raises OverflowError. Measures the exact size only when a cheap estimate says it might be large."""
    counter = [0]
    out = _snap(value, counter)
    if counter[0] > _SURE_UNDER and size_of(out) > MAX_PAYLOAD_BYTES:
        raise OverflowError("result too large")
    return out


def _snap(value: Any, counter: list[int]) -> Any:
    t = type(value)
    if t is str:
        counter[0] += len(value) + 1
        # a surrogate pair in a Python str is one character in JSON: keep what the history will read back
        return value if value.isascii() else join_surrogate_pairs(value)
    if t is int:
        counter[0] += 1 if -_SMALL_INT < value < _SMALL_INT else _big_int_units(value)
        return value
    if t is bool or value is None:
        counter[0] += 1
        return value
    if t is float:
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
        counter[0] += 1
        return value
    if t is dict:
        out = {}
        units = 0
        for k, v in value.items():
            if type(k) is not str:
                raise TypeError(f"keys must be str, not {type(k).__name__}")
            if not k.isascii():
                k = join_surrogate_pairs(k)
            # strings, integers, booleans and null inline (the same counts as above); the rest recursively
            vt = type(v)
            if vt is str:
                units += len(k) + len(v) + 2
                out[k] = v if v.isascii() else join_surrogate_pairs(v)
            elif vt is int or vt is bool or v is None:
                units += len(k) + (2 if vt is not int or -_SMALL_INT < v < _SMALL_INT else 1 + _big_int_units(v))
                out[k] = v
            else:
                units += len(k) + 1
                out[k] = _snap(v, counter)
        counter[0] += units
        return out
    if t is list or t is tuple:
        counter[0] += 1
        return [_snap(v, counter) for v in value]
    raise TypeError(f"Object of type {t.__name__} is not JSON serializable")


#: Integers below this in magnitude have at most 20 digits, within the 24 bytes snapshot() counts per number.
_SMALL_INT = 10**20


def _big_int_units(value: int) -> int:
    """The JSON bytes of a big integer, counted against the 256 KiB limit like any other text. One over Python's
    integer-to-text limit (4,300 digits unless ``sys.set_int_max_str_digits`` says otherwise) raises ValueError with
    Python's message, which is what Lambda's Python runtime answers when a handler returns one (Runtime.MarshalError)."""
    return len(str(value))


def check_variable_sizes(st: Any, assigned: Mapping[str, Any]) -> None:
    """AWS's quota: the values one ``Assign`` writes total at most 256 KiB. A terminal States.DataLimitExceeded."""
    try:
        snapshot(assigned)
    except OverflowError:
        name = getattr(st, "name", "?")
        raise Failed(
            DATA_LIMIT_EXCEEDED,
            msg.variables_too_large(name, size_of(assigned), MAX_PAYLOAD_BYTES),
            terminal=True,
        ) from None
    except (TypeError, ValueError):  # pragma: no cover - values built from JSON are JSON
        pass


_INT64 = 1 << 63


def size_of(value: Any) -> int:
    """Bytes of the compact JSON text of ``value`` (what AWS counts against its 256 KiB limit)."""
    t = type(value)
    if t is int and -_INT64 <= value < _INT64:  # a number's text is its repr (a Pass state's Result, often)
        return len(repr(value))
    if value is None or value is True:
        return 4
    if value is False:
        return 5
    try:
        text = encode_json(value)  # the history's own compact encoder: built once, not per call as json.dumps
    except (TypeError, ValueError):  # NaN and friends: what json.dumps would write
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
