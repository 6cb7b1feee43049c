"""The 18 intrinsic functions of ASL (``States.Format``, ``States.ArrayRange``, ...), parsed once, evaluated fast.

ASL spec, section "Intrinsic Functions" (https://states-language.net/spec.html#appendix-b) and AWS's
"Intrinsic functions for JSONPath states" page. An invocation is written in a payload-template field whose name
ends in ``.$``::

    "id.$": "States.Format('{}-{}', $.order, States.UUID())"

Arguments are string literals (``'it\\'s'``; the escapes ``\\'``, ``\\{``, ``\\}`` and ``\\\\`` are the only ones
allowed), numbers, ``true``/``false``/``null``, paths (``$.x``, ``$$.Execution.Id``, ``$var.x``) and nested
calls. :func:`compile_intrinsic` parses (and caches) an expression into a :class:`Call`; syntax problems raise
:class:`IntrinsicSyntaxError` with a caret under the offending character. An unknown function name is a syntax
error; a wrong number of arguments is not (AWS accepts the definition and fails at run time).

Run-time failures follow what AWS records (error ``States.Runtime``; the interpreter adds the prefix
``An error occurred while executing the state 'X' (entered at the event id #N). ``):

* a path argument that selects nothing: ``The function '<whole expression>' had the following error: The
  JsonPath argument for the field '<path>' could not be found in the input '<state input as JSON>'``
  (an index past the end of an array counts as nothing here; an explicit ``null`` is a value);
* anything else: ``There was an error while evaluating the intrinsic function: <whole expression>. <detail>``
  where ``<detail>`` is ``Invalid arguments in States.X`` (wrong arity, wrong type, out-of-range value),
  ``Invalid template in States.Format: matching '}' not found for '{'.`` or
  ``Cannot convert String to Json in States.StringToJson, caused by: <parser message>``.

AWS runs Java: values are compared and printed the way Java prints them (``States.Format`` writes an object as
``{a=1, b=[x, y]}``), numbers are truncated (``ArrayRange``, ``ArrayPartition``, ``ArrayGetItem``,
``MathRandom``) or rounded half up (``MathAdd``) to 32-bit integers, ``ArrayUnique`` returns the order of a
Java ``HashSet`` and ``Base64Decode`` is Java's lenient MIME decoder. The sources of each rule are in the tests.
Randomness (``UUID``, ``MathRandom`` without a seed) comes only from the ``rng`` argument of
:meth:`Call.evaluate`; a seeded ``MathRandom`` is ``java.util.Random(seed).nextInt`` and needs no ``rng``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from decimal import ROUND_FLOOR, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from sfnkit import errors
from sfnkit import messages as msg
from sfnkit.asl.diagnostics import CaretError
from sfnkit.asl.paths import (
    Path,
    PathNotFound,
    PathSyntaxError,
    compile_path,
    java_double,
    json_text,
)
from sfnkit.asl.scan import Scanner
from sfnkit.errors import StatesError
from sfnkit.frozen import frozen

if TYPE_CHECKING:
    import random

__all__ = [
    "FUNCTIONS",
    "Call",
    "IntrinsicSyntaxError",
    "compile_intrinsic",
    "is_intrinsic",
    "jackson_message",
    "java_str",
]

_INT32_MIN: Final = -(2**31)
_INT32_MAX: Final = 2**31 - 1
_MAX_CHARS: Final = 10_000  # Base64Encode/Base64Decode/Hash input limit (10,000 ok, 10,001 fails on AWS)
_MAX_RANGE: Final = 1_000  # ArrayRange result limit


class IntrinsicSyntaxError(CaretError):
    """An intrinsic invocation that does not parse."""

    what = "intrinsic function call"


class _ArgError(Exception):
    """Raised by a function body; becomes ``There was an error while evaluating ... <detail>``."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class _Invalid(_ArgError):
    def __init__(self, name: str) -> None:
        super().__init__(msg.invalid_arguments(name))


# ---------------------------------------------------------------------------------------------------------------
# Java renderings
# ---------------------------------------------------------------------------------------------------------------


def java_str(value: Any) -> str:
    """``String.valueOf`` of the Java value AWS holds: what ``States.Format`` prints for an argument.

    ``null`` -> ``null``, ``1.0`` -> ``1.0``, ``{"a": [1, "x"]}`` -> ``{a=[1, x]}``.
    """
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, list):
        return "[" + ", ".join(java_str(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={java_str(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _i32(h: int) -> int:
    h &= 0xFFFFFFFF
    return h - 0x1_0000_0000 if h & 0x8000_0000 else h


def _java_string_hash(s: str) -> int:
    h = 0
    data = s.encode("utf-16-le")
    for i in range(0, len(data), 2):
        h = (31 * h + (data[i] | (data[i + 1] << 8))) & 0xFFFFFFFF
    return _i32(h)


def _node_hash(v: Any) -> int:
    """``hashCode()`` of the plain Java value AWS holds for ``v`` (null, Boolean, Integer/Long, Double, String,
    List, Map): a ``HashMap`` puts ``null`` in bucket 0 and ``Boolean.hashCode`` is 1231/1237, which is why AWS
    returns ``[null, 1]`` and ``[false, true]`` for ``[null, null, 1, null]`` and ``[true, false, true]``."""
    if v is None:
        return 0
    if v is True:
        return 1231
    if v is False:
        return 1237
    if isinstance(v, int):
        if _INT32_MIN <= v <= _INT32_MAX:
            return v
        if -(2**63) <= v < 2**63:
            return _i32((v & 0xFFFFFFFF) ^ ((v >> 32) & 0xFFFFFFFF))
        return _java_string_hash(str(v))  # BigIntegerNode: approximation
    if isinstance(v, float):
        import struct

        bits = struct.unpack(">q", struct.pack(">d", v if v == v else math.nan))[0]
        return _i32((bits & 0xFFFFFFFF) ^ ((bits >> 32) & 0xFFFFFFFF))
    if isinstance(v, str):
        return _java_string_hash(v)
    if isinstance(v, list):
        h = 1
        for e in v:
            h = (31 * h + _node_hash(e)) & 0xFFFFFFFF
        return _i32(h)
    if isinstance(v, dict):
        h = 0
        for k, e in v.items():
            h = (h + (_java_string_hash(str(k)) ^ _node_hash(e))) & 0xFFFFFFFF
        return _i32(h)
    raise TypeError(f"not a JSON value: {type(v).__name__}")


def _node_key(v: Any) -> Any:
    """A hashable key equal exactly when the Java values are ``equals`` (1 and 1.0 differ, key order doesn't)."""
    if v is None:
        return ("n",)
    if v is True or v is False:
        return ("b", v)
    if isinstance(v, int):
        return ("i", v)
    if isinstance(v, float):
        return ("f", v)
    if isinstance(v, str):
        return ("s", v)
    if isinstance(v, list):
        return ("l", tuple(_node_key(e) for e in v))
    return ("o", frozenset((k, _node_key(e)) for k, e in v.items()))


def _hash_set_order(items: Sequence[Any]) -> list[Any]:
    """``new ArrayList<>(new HashSet<>(items))`` in Java 8-17: first occurrence kept, hash-bucket order."""
    cap = max(int(len(items) / 0.75) + 1, 16)
    n = 1 << (cap - 1).bit_length()
    buckets: dict[int, list[Any]] = {}
    seen: set[Any] = set()
    for v in items:
        key = _node_key(v)
        if key in seen:
            continue
        seen.add(key)
        h = _node_hash(v) & 0xFFFFFFFF
        idx = (h ^ (h >> 16)) & (n - 1)
        buckets.setdefault(idx, []).append(v)
    return [v for idx in sorted(buckets) for v in buckets[idx]]


def _utf16_len(s: str) -> int:
    """Java's ``String.length()``: characters outside the BMP count twice."""
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _trunc_int(v: Any, name: str) -> int:
    """Java ``Number.intValue()`` as AWS applies it to integer arguments (2.6 -> 2, -0.6 -> 0)."""
    if not _is_number(v) or (isinstance(v, float) and not math.isfinite(v)):
        raise _Invalid(name)
    i = int(v)
    if not _INT32_MIN <= i <= _INT32_MAX:
        raise _Invalid(name)
    return i


def _java_round(v: float) -> int:
    """``Math.round``: half up towards positive infinity (0.5 -> 1, -0.5 -> 0, -2.5 -> -2)."""
    return int((Decimal(v) + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR))


# ---------------------------------------------------------------------------------------------------------------
# Java's lenient pieces: MIME Base64 decoding, java.util.Random, Jackson-like parse errors
# ---------------------------------------------------------------------------------------------------------------

_B64_INDEX: Final = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def _mime_b64decode(s: str) -> bytes:
    """``Base64.getMimeDecoder().decode(s)``: characters outside the alphabet are skipped, padding is optional
    and anything after the padding is ignored. Raises ValueError where Java throws IllegalArgumentException."""
    out = bytearray()
    bits = 0
    shiftto = 18
    chars = s
    i = 0
    n = len(chars)
    while i < n:
        c = chars[i]
        i += 1
        if c == "=":
            # a '=' must complete a unit: "xx==" or "xxx="
            if shiftto == 6:
                # need a second '=' (skipping non-alphabet characters in between)
                while i < n and chars[i] not in _B64_INDEX and chars[i] != "=":
                    i += 1
                if i >= n or chars[i] != "=":
                    raise ValueError("Input byte array has wrong 4-byte ending unit")
            elif shiftto == 18 or shiftto == 12:
                raise ValueError("Input byte array has wrong 4-byte ending unit")
            break
        b = _B64_INDEX.get(c)
        if b is None:
            continue
        bits |= b << shiftto
        shiftto -= 6
        if shiftto < 0:
            out += bytes(((bits >> 16) & 0xFF, (bits >> 8) & 0xFF, bits & 0xFF))
            shiftto = 18
            bits = 0
    if shiftto == 6:
        out.append((bits >> 16) & 0xFF)
    elif shiftto == 0:
        out += bytes(((bits >> 16) & 0xFF, (bits >> 8) & 0xFF))
    elif shiftto == 12:
        raise ValueError("Last unit does not have enough valid bits")
    return bytes(out)


def _java_random_next_int(seed: int, bound: int) -> int:
    """``new java.util.Random(seed).nextInt(bound)``."""
    mask = (1 << 48) - 1
    state = (seed ^ 0x5DEECE66D) & mask

    def next31() -> int:
        nonlocal state
        state = (state * 0x5DEECE66D + 0xB) & mask
        return state >> 17

    if bound & (bound - 1) == 0:
        return (bound * next31()) >> 31
    while True:
        r = next31()
        val = r % bound
        if r - val + (bound - 1) < 2**31:
            return val


_JACKSON_LOC: Final = (
    "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: {line}, column: {col}]"
)
_JSON_TOKEN = re.compile(r"[A-Za-z0-9_+\-.]+")


def _jackson_error(text: str, err: json.JSONDecodeError) -> str:
    """An approximation of Jackson's parser message for the most common mistakes."""
    pos = err.pos
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    if pos >= len(text):
        msg = "Unexpected end-of-input"
        return msg + _JACKSON_LOC.format(line=line, col=col)
    ch = text[pos]
    if err.msg.startswith("Expecting property name"):
        msg = f"Unexpected character ('{ch}' (code {ord(ch)})): was expecting double-quote to start field name"
        return msg + _JACKSON_LOC.format(line=line, col=col)
    m = _JSON_TOKEN.match(text, pos)
    if err.msg.startswith("Expecting value") and m and (ch.isalpha() or ch == "_"):
        token = m.group(0)
        msg = (
            f"Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', "
            "'true' or 'false')"
        )
        return msg + _JACKSON_LOC.format(line=line, col=col + len(token))
    msg = f"Unexpected character ('{ch}' (code {ord(ch)}))"
    if err.msg.startswith("Expecting value"):
        msg += (
            ": expected a valid value (JSON String, Number (or 'NaN'/'+INF'/'-INF'), Array, Object or token "
            "'null', 'true' or 'false')"
        )
    elif "delimiter" in err.msg:
        msg += ": was expecting comma to separate entries"
    return msg + _JACKSON_LOC.format(line=line, col=col)


def jackson_message(text: str) -> str | None:
    """Why Jackson (the JSON parser of AWS's Java services) refuses ``text``, approximately; ``None`` when it is
    JSON. Lambda's Invoke quotes it for a payload that is not JSON, States.StringToJson for its argument."""
    try:
        _DECODER.decode(text)
    except json.JSONDecodeError as e:
        return _jackson_error(text, e)
    return None


def _reject_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"Expecting value ({name})", name, 0)


_DECODER: Final = json.JSONDecoder(parse_constant=_reject_constant)


# ---------------------------------------------------------------------------------------------------------------
# The 18 functions. Each receives the evaluated arguments and the Env; raises _ArgError on failure.
# ---------------------------------------------------------------------------------------------------------------


class _Env:
    """What one evaluation needs (a plain class: built on every call, so kept cheap)."""

    __slots__ = ("context", "data", "expr", "rng", "variables")

    def __init__(self, data: Any, context: Any, variables: Any, rng: random.Random | None, expr: str) -> None:
        self.data = data
        self.context = context
        self.variables = variables
        self.rng = rng
        self.expr = expr


def _arity(args: Sequence[Any], name: str, *counts: int) -> None:
    if len(args) not in counts:
        raise _Invalid(name)


def _f_format(args: list[Any], env: _Env, template_parts: tuple[str | None, ...] | None) -> str:
    name = "States.Format"
    if not args or not isinstance(args[0], str):
        raise _Invalid(name)
    parts = template_parts if template_parts is not None else _format_parts(args[0])
    holes = sum(1 for p in parts if p is None)
    if holes != len(args) - 1:
        raise _ArgError(msg.format_argument_count(name))
    out: list[str] = []
    it = iter(args[1:])
    for p in parts:
        out.append(java_str(next(it)) if p is None else p)
    return "".join(out)


def _format_parts(template: str, escapes: bool = False) -> tuple[str | None, ...]:
    """Split a Format template into literal text and ``None`` for each ``{}``. With ``escapes`` (a string literal
    written in the definition) ``\\{``, ``\\}``, ``\\'`` and ``\\\\`` are literal characters."""
    parts: list[str | None] = []
    buf: list[str] = []
    i, n = 0, len(template)
    while i < n:
        c = template[i]
        if escapes and c == "\\" and i + 1 < n:
            buf.append(template[i + 1])
            i += 2
            continue
        if c == "{":
            if i + 1 < n and template[i + 1] == "}":
                parts.append("".join(buf))
                buf = []
                parts.append(None)
                i += 2
                continue
            raise _ArgError(msg.format_unmatched_open())
        if c == "}":
            raise _ArgError(msg.format_unmatched_close())
        buf.append(c)
        i += 1
    parts.append("".join(buf))
    return tuple(parts)


def _f_string_to_json(args: list[Any], env: _Env) -> Any:
    name = "States.StringToJson"
    _arity(args, name, 1)
    s = args[0]
    if not isinstance(s, str):
        raise _Invalid(name)
    start = len(s) - len(s.lstrip(" \t\r\n"))
    if start == len(s):
        return None  # AWS: "" and " " give null
    try:
        value, _end = _DECODER.raw_decode(s, start)  # like Jackson, trailing content is ignored
    except json.JSONDecodeError as e:
        raise _ArgError(msg.string_to_json_failed(name, _jackson_error(s, e))) from None
    return value


def _f_json_to_string(args: list[Any], env: _Env) -> str:
    _arity(args, "States.JsonToString", 1)
    return json_text(args[0])


def _f_array(args: list[Any], env: _Env) -> list[Any]:
    return list(args)


def _f_array_partition(args: list[Any], env: _Env) -> list[Any]:
    name = "States.ArrayPartition"
    _arity(args, name, 2)
    arr, size = args
    if not isinstance(arr, list):
        raise _Invalid(name)
    chunk = _trunc_int(size, name)
    if chunk <= 0:
        raise _Invalid(name)
    return [arr[i : i + chunk] for i in range(0, len(arr), chunk)]


def _f_array_contains(args: list[Any], env: _Env) -> bool:
    name = "States.ArrayContains"
    _arity(args, name, 2)
    arr, value = args
    if not isinstance(arr, list):
        raise _Invalid(name)
    # AWS compares Java string forms: "true" matches true, {"a":1,"b":2} does not match {"b":2,"a":1}.
    target = java_str(value)
    return any(java_str(e) == target for e in arr)


def _f_array_range(args: list[Any], env: _Env) -> list[int]:
    name = "States.ArrayRange"
    _arity(args, name, 3)
    start, end, step = (_trunc_int(a, name) for a in args)
    if step == 0:
        raise _Invalid(name)
    if (step > 0 and start > end) or (step < 0 and start < end):
        return []
    count = (end - start) // step + 1
    if count > _MAX_RANGE:
        raise _Invalid(name)
    return list(range(start, end + (1 if step > 0 else -1), step))


def _f_array_get_item(args: list[Any], env: _Env) -> Any:
    name = "States.ArrayGetItem"
    _arity(args, name, 2)
    arr, index = args
    if not isinstance(arr, list):
        raise _Invalid(name)
    i = _trunc_int(index, name)
    if not arr and i >= 0:
        return None  # AWS returns null for any index into an empty array
    if not 0 <= i < len(arr):
        raise _Invalid(name)
    return arr[i]


def _f_array_length(args: list[Any], env: _Env) -> int:
    name = "States.ArrayLength"
    _arity(args, name, 1)
    if not isinstance(args[0], list):
        raise _Invalid(name)
    return len(args[0])


def _f_array_unique(args: list[Any], env: _Env) -> list[Any]:
    name = "States.ArrayUnique"
    _arity(args, name, 1)
    if not isinstance(args[0], list):
        raise _Invalid(name)
    return _hash_set_order(args[0])


def _f_base64_encode(args: list[Any], env: _Env) -> str:
    name = "States.Base64Encode"
    _arity(args, name, 1)
    s = args[0]
    if not isinstance(s, str) or _utf16_len(s) > _MAX_CHARS:
        raise _Invalid(name)
    import base64  # here, not at the top: only this function and the next need it (cold start)

    return base64.b64encode(s.encode("utf-8", "surrogatepass")).decode("ascii")


def _f_base64_decode(args: list[Any], env: _Env) -> str:
    name = "States.Base64Decode"
    _arity(args, name, 1)
    s = args[0]
    if not isinstance(s, str) or _utf16_len(s) > _MAX_CHARS:
        raise _Invalid(name)
    try:
        raw = _mime_b64decode(s)
    except ValueError:
        raise _Invalid(name) from None
    return raw.decode("utf-8", "replace")


_HASHES: Final = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


def _f_hash(args: list[Any], env: _Env) -> str:
    name = "States.Hash"
    _arity(args, name, 2)
    data, algorithm = args
    if not isinstance(algorithm, str) or algorithm not in _HASHES:
        raise _Invalid(name)
    text = data if isinstance(data, str) else json_text(data)  # AWS hashes numbers and objects as text
    if _utf16_len(text) > _MAX_CHARS:
        raise _Invalid(name)
    import hashlib  # here, not at the top: States.Hash alone needs it (cold start)

    return hashlib.new(_HASHES[algorithm], text.encode("utf-8", "surrogatepass")).hexdigest()


def _f_json_merge(args: list[Any], env: _Env) -> dict[str, Any]:
    name = "States.JsonMerge"
    _arity(args, name, 3)
    a, b, deep = args
    if not isinstance(a, dict) or not isinstance(b, dict):
        raise _Invalid(name)
    if deep is True:  # AWS supports only the shallow merge; a non-boolean flag is read as shallow
        raise _Invalid(name)
    merged = dict(a)
    merged.update(b)
    return merged


def _f_math_random(args: list[Any], env: _Env) -> int:
    name = "States.MathRandom"
    _arity(args, name, 2, 3)
    start = _trunc_int(args[0], name)
    end = _trunc_int(args[1], name)
    bound = end - start
    if bound <= 0 or bound > _INT32_MAX:
        raise _Invalid(name)
    if len(args) == 3:
        seed = args[2]
        if not _is_number(seed) or (isinstance(seed, float) and not math.isfinite(seed)):
            raise _Invalid(name)
        return start + _java_random_next_int(int(seed), bound)
    if env.rng is None:
        raise ValueError("States.MathRandom needs a random source: pass rng=random.Random(seed) to evaluate()")
    return start + env.rng.randrange(bound)


def _f_math_add(args: list[Any], env: _Env) -> int:
    name = "States.MathAdd"
    _arity(args, name, 2)
    total = 0
    for a in args:
        if not _is_number(a) or (isinstance(a, float) and not math.isfinite(a)):
            raise _Invalid(name)
        v = a if isinstance(a, int) else _java_round(a)
        if not _INT32_MIN <= v <= _INT32_MAX:
            raise _Invalid(name)
        total += v
    if not _INT32_MIN <= total <= _INT32_MAX:
        raise _Invalid(name)
    return total


def _f_string_split(args: list[Any], env: _Env) -> list[str]:
    name = "States.StringSplit"
    _arity(args, name, 2)
    s, delims = args
    if not isinstance(s, str) or not isinstance(delims, str):
        raise _Invalid(name)
    # java.util.StringTokenizer: every character of the second argument is a delimiter; empty tokens vanish.
    if not delims:
        return [s] if s else []
    if len(delims) == 1:
        return [t for t in s.split(delims) if t]
    return [t for t in re.split("[" + re.escape(delims) + "]", s) if t]


def _f_uuid(args: list[Any], env: _Env) -> str:
    _arity(args, "States.UUID", 0)
    if env.rng is None:
        raise ValueError("States.UUID needs a random source: pass rng=random.Random(seed) to evaluate()")
    import uuid  # here, not at the top: States.UUID alone needs it, and uuid imports platform (cold start)

    return str(uuid.UUID(int=env.rng.getrandbits(128), version=4))


#: Every intrinsic function AWS knows, by name.
FUNCTIONS: Final[dict[str, Callable[[list[Any], _Env], Any]]] = {
    "States.Format": lambda a, e: _f_format(a, e, None),
    "States.StringToJson": _f_string_to_json,
    "States.JsonToString": _f_json_to_string,
    "States.Array": _f_array,
    "States.ArrayPartition": _f_array_partition,
    "States.ArrayContains": _f_array_contains,
    "States.ArrayRange": _f_array_range,
    "States.ArrayGetItem": _f_array_get_item,
    "States.ArrayLength": _f_array_length,
    "States.ArrayUnique": _f_array_unique,
    "States.Base64Encode": _f_base64_encode,
    "States.Base64Decode": _f_base64_decode,
    "States.Hash": _f_hash,
    "States.JsonMerge": _f_json_merge,
    "States.MathRandom": _f_math_random,
    "States.MathAdd": _f_math_add,
    "States.StringSplit": _f_string_split,
    "States.UUID": _f_uuid,
}


# ---------------------------------------------------------------------------------------------------------------
# Compiled form
# ---------------------------------------------------------------------------------------------------------------


@frozen(kw_only=False)
class _Literal:
    """A literal argument: a string, number, boolean or null."""

    value: Any
    raw: str | None = None  # a string literal as written between the quotes (escapes kept)
    format_parts: tuple[str | None, ...] | None = None  # its Format template, when it is a valid one

    def eval(self, env: _Env) -> Any:
        return self.value


@frozen(kw_only=False)
class _PathArg:
    """A path argument, read from the state's data, the context object or a variable."""

    path: Path
    text: str

    def eval(self, env: _Env) -> Any:
        try:
            return self.path.select(env.data, context=env.context, variables=env.variables, strict=True)
        except PathNotFound:
            field = self.text[1:] if self.path.root == "context" else self.text
            raise StatesError(
                errors.RUNTIME, msg.intrinsic_path_not_found(env.expr, field, json_text(env.data))
            ) from None


@frozen(kw_only=False)
class Call:
    """A compiled intrinsic invocation. ``expr`` is the text as written (AWS echoes it in causes)."""

    expr: str
    name: str
    args: tuple[_Literal | _PathArg | Call, ...]
    pos: int = 0

    @property
    def uses_random(self) -> bool:
        """True when evaluating may need ``rng`` (``States.UUID`` or an unseeded ``States.MathRandom``)."""
        own = self.name == "States.UUID" or (self.name == "States.MathRandom" and len(self.args) != 3)
        return own or any(isinstance(a, Call) and a.uses_random for a in self.args)

    def eval(self, env: _Env) -> Any:
        values = [a.eval(env) for a in self.args]
        try:
            first = self.args[0] if self.args else None
            if self.name == "States.Format" and isinstance(first, _Literal) and first.raw is not None:
                parts = first.format_parts
                if parts is None:
                    parts = _format_parts(first.raw, escapes=True)  # raises the template error
                return _f_format(values, env, parts)
            return FUNCTIONS[self.name](values, env)
        except _ArgError as e:
            raise StatesError(errors.RUNTIME, msg.intrinsic_error(env.expr, e.detail)) from None

    def evaluate(
        self,
        data: Any,
        *,
        context: Any = None,
        variables: Any = None,
        rng: random.Random | None = None,
    ) -> Any:
        """Evaluate against the state data ``data``. Raises ``StatesError`` (``States.Runtime``) like AWS."""
        return self.eval(_Env(data, context, variables, rng, self._shown))

    @property
    def _shown(self) -> str:
        return self.expr.strip()


def is_intrinsic(expr: Any) -> bool:
    """True when ``expr`` is written as an intrinsic call (starts with ``States.``), valid or not."""
    return isinstance(expr, str) and expr.lstrip().startswith("States.")


_NAME_RE = re.compile(r"States\.[A-Za-z0-9]+")
_NUM_RE = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_MAX_NESTING: Final = 10


class _Parser:
    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.i = 0
        self.n = len(expr)

    def fail(self, reason: str, pos: int | None = None) -> IntrinsicSyntaxError:
        return IntrinsicSyntaxError(self.expr, self.i if pos is None else pos, reason)

    def ws(self) -> None:
        while self.i < self.n and self.expr[self.i] in " \t\r\n":
            self.i += 1

    def call(self, depth: int) -> Call:
        start = self.i
        m = _NAME_RE.match(self.expr, self.i)
        if not m:
            raise self.fail("expected an intrinsic function name such as States.Format")
        name = m.group(0)
        if name not in FUNCTIONS:
            close = sorted(FUNCTIONS, key=lambda f: _distance(f, name))[0]
            raise self.fail(f"unknown intrinsic function {name!r}; did you mean {close!r}?", start)
        if depth > _MAX_NESTING:
            raise self.fail(f"intrinsic functions can be nested at most {_MAX_NESTING} deep", start)
        self.i = m.end()
        self.ws()
        if self.i >= self.n or self.expr[self.i] != "(":
            raise self.fail(f"expected '(' after {name}")
        self.i += 1
        args: list[_Literal | _PathArg | Call] = []
        self.ws()
        if self.i < self.n and self.expr[self.i] == ")":
            self.i += 1
            return Call(self.expr[start : self.i], name, (), start)
        while True:
            self.ws()
            args.append(self.arg(depth))
            self.ws()
            if self.i >= self.n:
                raise self.fail(f"missing ')' to close {name}(")
            c = self.expr[self.i]
            if c == ",":
                self.i += 1
                continue
            if c == ")":
                self.i += 1
                break
            raise self.fail(f"expected ',' or ')' after an argument of {name}, found {c!r}")
        return Call(self.expr[start : self.i], name, tuple(args), start)

    def arg(self, depth: int) -> _Literal | _PathArg | Call:
        s, i = self.expr, self.i
        if i >= self.n:
            raise self.fail("expected an argument")
        c = s[i]
        if c == "'":
            return self.string()
        if c == "$":
            return self.path()
        if s.startswith("States.", i):
            return self.call(depth + 1)
        m = _NUM_RE.match(s, i)
        if m:
            self.i = m.end()
            txt = m.group(0)
            try:
                return _Literal(float(txt) if any(ch in txt for ch in ".eE") else int(txt))
            except ValueError:  # more digits than Python converts (4,300)
                raise self.fail(
                    f"a number of {len(txt):,} digits is too long; numbers may have at most 4,300 digits", i
                ) from None
        for word, value in (("true", True), ("false", False), ("null", None)):
            if s.startswith(word, i) and not s[i + len(word) : i + len(word) + 1].isalnum():
                self.i = i + len(word)
                return _Literal(value)
        if c in ",)":
            raise self.fail("missing argument")
        if c == '"':
            raise self.fail("string literals are written with single quotes, e.g. 'text'")
        raise self.fail(
            "an argument must be a 'string', a number, true, false, null, a path starting with '$' or another "
            "States.* call"
        )

    def string(self) -> _Literal:
        s, start = self.expr, self.i
        i = start + 1
        out: list[str] = []
        while i < self.n:
            c = s[i]
            if c == "\\":
                if i + 1 >= self.n:
                    break
                nxt = s[i + 1]
                if nxt not in "'{}\\":
                    raise self.fail(
                        f"'\\{nxt}' is not an escape; in an intrinsic string only \\', \\{{, \\}} and \\\\ are",
                        i,
                    )
                out.append(c + nxt)
                i += 2
                continue
            if c == "'":
                raw = "".join(out)
                self.i = i + 1
                value = re.sub(r"\\(.)", r"\1", raw)
                try:
                    parts: tuple[str | None, ...] | None = _format_parts(raw, escapes=True)
                except _ArgError:
                    parts = None  # reported when (if) it is used as a Format template
                return _Literal(value, raw, parts)
            out.append(c)
            i += 1
        raise self.fail("unterminated string literal; missing closing '", start)

    def path(self) -> _PathArg:
        s, start = self.expr, self.i
        i = self.n
        scan = Scanner(s, start, self.n, opening="[(", closing="])")
        for k, c in scan:
            # the argument ends at a comma outside brackets, or at the parenthesis that closes the call
            if scan.depth < 0 or (c == "," and scan.depth == 0):
                i = k
                break
        text = s[start:i].rstrip()
        try:
            path = compile_path(text)
        except PathSyntaxError as e:
            raise IntrinsicSyntaxError(self.expr, start + e.position, f"invalid path argument: {e.reason}") from None
        self.i = start + len(text)
        return _PathArg(path, text)


def _distance(a: str, b: str) -> int:
    """Levenshtein distance, for "did you mean" hints."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca.lower() != cb.lower())))
        prev = cur
    return prev[-1]


@lru_cache(maxsize=4096)
def compile_intrinsic(expr: str) -> Call:
    """Parse ``expr`` (cached) into a :class:`Call`. Raises :class:`IntrinsicSyntaxError`."""
    if not isinstance(expr, str):
        raise TypeError(f"an intrinsic call must be a string, got {type(expr).__name__}")
    p = _Parser(expr)
    p.ws()
    call = p.call(1)
    p.ws()
    if p.i < p.n:
        raise p.fail(f"unexpected text after the closing ')': {expr[p.i :]!r}")
    if call.expr != expr:
        call = Call(expr, call.name, call.args, call.pos)
    return call
