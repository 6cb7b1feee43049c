"""JSONPath as AWS Step Functions evaluates it: Paths, Reference Paths and ResultPath.

ASL spec, sections "Paths" and "Reference Paths" (https://states-language.net/spec.html#path) and "Filters"
(``ResultPath``, https://states-language.net/spec.html#filters). AWS evaluates paths with the Jayway JsonPath
library over Jackson trees (``JacksonJsonNodeJsonProvider``); this module reproduces that behaviour, including
the text of Jayway's error messages, which AWS copies into its causes.

What a path looks like::

    $.a.b[0]            state data (``root == "input"``)
    $$.Execution.Id     the context object (``root == "context"``)
    $order.items[0]     a workflow variable (``root == "variable"``, ASL "Assign")
    $['a b']["c"]       bracket notation; quoted names are kept as written (a backslash only stops the
                        closing quote, as AWS does: ``$['a\\"b']`` names the key ``a\\"b``)
    $.a[-1]  $.a[1:3]  $.a[*]  $..name  $.a[?(@.x > 1 && @.y == 'z')]

Two evaluation regimes, as in Jayway:

* **Definite paths** (field names and single indexes only) are compiled to a tuple of steps walked by a tight
  loop. A missing field raises :class:`PathNotFound` with Jayway's wording (``No results for path:
  $['a']['b']`` for a missing last field, ``Missing property in path $['a']`` for a missing intermediate one).
  An index past the end of an array selects ``null`` (Jackson's ``ArrayNode.get`` returns nothing and Jayway
  reports it as ``null``), unless ``strict=True`` (the rule for intrinsic-function arguments).
* **Indefinite paths** (wildcards, slices, filters, deep scan, several names or indexes) return a list of every
  match, possibly empty; they never raise. AWS gives ``[]`` for ``$.item.items[*]`` on ``{}``.

:func:`set_path` implements ``ResultPath`` on a Reference Path and raises ``States.ResultPathMatchFailure``
with AWS's cause text (``Unable to apply ReferencePath $.x to input "..."``) when a parent is not an object.
:func:`json_text` renders a value the way AWS (Jackson) prints JSON inside causes: compact, Java doubles.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final, Literal

from sfnkit import errors
from sfnkit import messages as msg
from sfnkit.asl.diagnostics import CaretError
from sfnkit.asl.scan import Scanner
from sfnkit.errors import StatesError
from sfnkit.frozen import frozen

__all__ = [
    "Path",
    "PathNotFound",
    "PathSyntaxError",
    "check_path",
    "check_reference_path",
    "compile_path",
    "java_double",
    "json_text",
    "set_path",
]

Root = Literal["input", "context", "variable"]

_PROVIDER: Final = "com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider"
_INT32: Final = (-(2**31), 2**31 - 1)
_INT64: Final = (-(2**63), 2**63 - 1)


class _Missing:
    """Marker for "the path selected nothing" (distinct from JSON ``null``)."""

    __slots__ = ()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "MISSING"


MISSING: Final = _Missing()


# ---------------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------------


class PathSyntaxError(CaretError):
    """A string that is not a path AWS accepts."""

    what = "JSONPath"


class PathNotFound(LookupError):
    """A definite path selected nothing. ``detail`` is Jayway's wording, which AWS puts in its causes.

    ``str()`` gives the form AWS uses for InputPath/OutputPath/ResultSelector-less fields:
    ``Invalid path '$.x' : No results for path: $['x']``.
    """

    def __init__(self, expr: str, detail: str) -> None:
        super().__init__(detail)
        self.expr = expr
        self.detail = detail

    @property
    def expression(self) -> str:
        """Alias of ``expr`` (the name :class:`PathSyntaxError` uses)."""
        return self.expr

    def __str__(self) -> str:
        return msg.invalid_path(self.expr, self.detail)


# ---------------------------------------------------------------------------------------------------------------
# Rendering values like Java / Jackson do (used in causes)
# ---------------------------------------------------------------------------------------------------------------


def java_double(value: float) -> str:
    """``Double.toString(value)``: ``1.5``, ``100.0``, ``1.0E20``, ``1.0E-4``."""
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    ds = "".join(map(str, digits))
    stripped = ds.rstrip("0")
    exponent = int(exponent) + (len(ds) - len(stripped))
    ds = stripped or "0"
    sci = len(ds) + exponent - 1  # power of ten of the first digit
    neg = "-" if sign else ""
    if 1e-3 <= abs(value) < 1e7:
        if sci >= 0:
            whole = ds[: sci + 1].ljust(sci + 1, "0")
            frac = ds[sci + 1 :] or "0"
        else:
            whole = "0"
            frac = "0" * (-sci - 1) + ds
        return f"{neg}{whole}.{frac}"
    return f"{neg}{ds[0]}.{ds[1:] or '0'}E{sci}"


class _Lazy:
    """A regular expression compiled when first used: compiling this module's five at import took 1 M
    instructions of every fresh process's first ``load`` (bench/interpreter.py --cold)."""

    __slots__ = ("_compiled", "_pattern")

    def __init__(self, pattern: str) -> None:
        self._pattern = pattern
        self._compiled: re.Pattern[str] | None = None

    def _get(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self._pattern)
        return self._compiled

    def match(self, text: str, pos: int = 0) -> re.Match[str] | None:
        return self._get().match(text, pos)

    def search(self, text: str) -> re.Match[str] | None:
        return self._get().search(text)

    def sub(self, repl: Callable[[re.Match[str]], str], text: str) -> str:
        return self._get().sub(repl, text)


_CONTROL = _Lazy(r"[\x00-\x1f]")


def _escape_control(m: re.Match[str]) -> str:
    ch = m.group(0)
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}.get(ch, f"\\u{ord(ch):04X}")


def _json_string(s: str) -> str:
    out = s.replace("\\", "\\\\").replace('"', '\\"')
    if _CONTROL.search(out):
        out = _CONTROL.sub(_escape_control, out)
    return f'"{out}"'


def json_text(value: Any) -> str:
    """Compact JSON exactly as Jackson writes it (``{"a":[1,2.5,"x"]}``, doubles as Java prints them)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    t = type(value)
    if t is str:
        return _json_string(value)
    if t is int:
        return str(value)
    if t is float:
        return java_double(value)
    if t is dict:
        return "{" + ",".join(f"{_json_string(str(k))}:{json_text(v)}" for k, v in value.items()) + "}"
    if t is list or t is tuple:
        return "[" + ",".join(json_text(v) for v in value) + "]"
    if isinstance(value, bool):  # pragma: no cover - bool subclasses
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return java_double(float(value))
    if isinstance(value, str):
        return _json_string(str(value))
    if isinstance(value, dict):
        return json_text(dict(value))
    if isinstance(value, (list, tuple)):
        return json_text(list(value))
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _java_class(value: Any) -> str:
    """The Java class Jayway names for a value it found (after Jackson unwrapping)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "java.lang.Boolean"
    if isinstance(value, int):
        if _INT32[0] <= value <= _INT32[1]:
            return "java.lang.Integer"
        if _INT64[0] <= value <= _INT64[1]:
            return "java.lang.Long"
        return "java.math.BigInteger"
    if isinstance(value, float):
        return "java.lang.Double"
    if isinstance(value, str):
        return "java.lang.String"
    if isinstance(value, list):
        return "com.fasterxml.jackson.databind.node.ArrayNode"
    return "com.fasterxml.jackson.databind.node.ObjectNode"


def _java_model(value: Any) -> str:
    """``String.valueOf(model)`` for a Jackson-unwrapped value (containers print as JSON)."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    return json_text(value)


# ---------------------------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------------------------


@frozen(kw_only=False)
class _Prop:
    """A token: one or more member names (``.a``, ``['a','b']``)."""

    names: tuple[str, ...]
    pos: int

    def fragment(self) -> str:
        return "[" + ",".join(f"'{n}'" for n in self.names) + "]"


@frozen(kw_only=False)
class _Index:
    """A token: one or more array indexes (``[0]``, ``[0,2]``)."""

    indexes: tuple[int, ...]
    pos: int

    def fragment(self) -> str:
        return "[" + ",".join(str(i) for i in self.indexes) + "]"


@frozen(kw_only=False)
class _Slice:
    """A token: an array slice (``[1:3]``, ``[-2:]``)."""

    start: int | None
    end: int | None
    pos: int

    def fragment(self) -> str:
        a = "" if self.start is None else str(self.start)
        b = "" if self.end is None else str(self.end)
        return f"[{a}:{b}]"

    def indexes(self, length: int) -> range:
        # Jayway's ArraySliceToken: negative bounds count from the end; nothing wraps around.
        start, end = self.start, self.end
        if start is None:
            start = 0
        elif start < 0:
            start = max(0, length + start)
        if end is None:
            end = length
        elif end < 0:
            end = length + end
        return range(start, min(end, length))


@frozen(kw_only=False)
class _Wildcard:
    """A token: every member or element (``*``)."""

    pos: int

    def fragment(self) -> str:
        return "[*]"


@frozen(kw_only=False)
class _Scan:
    """A token: a deep scan (``..``)."""

    pos: int

    def fragment(self) -> str:
        return ".."


@frozen(kw_only=False)
class _Filter:
    """A token: a filter expression (``[?(@.x > 1)]``)."""

    predicate: Callable[[Any, Any], bool]
    text: str
    pos: int

    def fragment(self) -> str:
        return "[?]"


_Token = _Prop | _Index | _Slice | _Wildcard | _Scan | _Filter


# ---------------------------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------------------------

# compiled on first use, not at import: most paths have neither a variable nor a bracketed index
_INT_RE = _Lazy(r"\s*(-?\d+)\s*$")
_VAR_START = _Lazy(r"[A-Za-z_]")
_VAR_CHARS = _Lazy(r"[A-Za-z0-9_]*")
_DOT_NAME_END = frozenset(".[ \t\r\n()")


class _Parser:
    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.n = len(expr.rstrip())
        self.i = len(expr) - len(expr.lstrip())

    def fail(self, reason: str, pos: int | None = None) -> PathSyntaxError:
        return PathSyntaxError(self.expr, self.i if pos is None else pos, reason)

    def parse(self) -> tuple[Root, str | None, tuple[_Token, ...]]:
        s, n = self.expr, self.n
        if self.i >= n:
            raise self.fail("a path cannot be empty; it must start with '$'")
        if s[self.i] != "$":
            raise self.fail(f"a path must start with '$', found {s[self.i]!r}")
        self.i += 1
        root: Root = "input"
        variable: str | None = None
        if self.i < n and s[self.i] == "$":
            root = "context"
            self.i += 1
        elif self.i < n and _VAR_START.match(s[self.i]):
            m = _VAR_CHARS.match(s, self.i)
            assert m is not None
            variable = s[self.i : m.end()]
            root = "variable"
            self.i = m.end()
        tokens: list[_Token] = []
        while self.i < n:
            c = s[self.i]
            if c == ".":
                start = self.i
                if self.i + 1 < n and s[self.i + 1] == ".":
                    self.i += 2
                    if self.i >= n:
                        raise self.fail("a path cannot end with '..'; name what to look for", start)
                    if s[self.i] == ".":
                        raise self.fail("'...' is not valid; use '..' for a deep scan")
                    tokens.append(_Scan(start))
                    if s[self.i] == "[":
                        continue
                    tokens.append(self.dot_name())
                    continue
                self.i += 1
                if self.i >= n:
                    raise self.fail("a path cannot end with '.'; add a field name after it", start)
                if s[self.i] == "[":
                    continue
                tokens.append(self.dot_name())
            elif c == "[":
                tokens.append(self.bracket())
            else:
                raise self.fail(f"unexpected character {c!r}; expected '.' or '[' here")
        return root, variable, tuple(tokens)

    def dot_name(self) -> _Token:
        s, n, start = self.expr, self.n, self.i
        if s[start] == "*":
            self.i += 1
            return _Wildcard(start)
        j = start
        while j < n and s[j] not in _DOT_NAME_END:
            j += 1
        if j < n and s[j] in " \t\r\n":
            raise self.fail("use bracket notation, e.g. ['my field'], for a field name with blanks", j)
        if j < n and s[j] in "()":
            raise self.fail(
                "path functions such as length() are not supported; use an intrinsic such as States.ArrayLength", j
            )
        if j == start:
            raise self.fail("expected a field name after '.'", start)
        self.i = j
        return _Prop((s[start:j],), start)

    def skip_ws(self) -> None:
        while self.i < self.n and self.expr[self.i] in " \t\r\n":
            self.i += 1

    def expect(self, ch: str, what: str) -> None:
        self.skip_ws()
        if self.i >= self.n or self.expr[self.i] != ch:
            found = "the end of the path" if self.i >= self.n else repr(self.expr[self.i])
            raise self.fail(f"expected {ch!r} {what}, found {found}")
        self.i += 1

    def bracket(self) -> _Token:
        s, n, start = self.expr, self.n, self.i
        self.i += 1
        self.skip_ws()
        if self.i >= n:
            raise self.fail("unterminated '['", start)
        c = s[self.i]
        if c in "'\"":
            names: list[str] = []
            while True:
                names.append(self.quoted())
                self.skip_ws()
                if self.i < n and s[self.i] == ",":
                    self.i += 1
                    self.skip_ws()
                    if self.i >= n or s[self.i] not in "'\"":
                        raise self.fail("expected a quoted field name after ','")
                    continue
                break
            self.expect("]", "to close the bracket")
            return _Prop(tuple(names), start)
        if c == "*":
            self.i += 1
            self.expect("]", "after '*'")
            return _Wildcard(start)
        if c == "?":
            self.i += 1
            self.skip_ws()
            if self.i >= n or s[self.i] != "(":
                raise self.fail("a filter must be written [?(<expression>)]")
            close = _matching_paren(s, self.i, n)
            if close < 0:
                raise self.fail("unterminated filter expression; missing ')'", self.i)
            text = s[self.i + 1 : close]
            predicate = _compile_filter(text, self.expr, self.i + 1)
            self.i = close + 1
            self.expect("]", "to close the filter")
            return _Filter(predicate, text, start)
        if c == "(":
            raise self.fail("script expressions [(...)] are not supported")
        j = s.find("]", self.i, n)
        if j < 0:
            raise self.fail("unterminated '['; missing ']'", start)
        body = s[self.i : j]
        self.i = j + 1
        if ":" in body:
            parts = body.split(":")
            if len(parts) != 2:
                raise self.fail("a slice is written [start:end]; steps are not supported", start)
            bounds: list[int | None] = []
            for p in parts:
                if p.strip() == "":
                    bounds.append(None)
                    continue
                m = _INT_RE.match(p)
                if not m:
                    raise self.fail(f"slice bound {p.strip()!r} is not an integer", start + 1)
                bounds.append(int(m.group(1)))
            if bounds[0] is None and bounds[1] is None:
                raise self.fail("a slice needs at least one bound, e.g. [1:] or [:2]", start)
            return _Slice(bounds[0], bounds[1], start)
        indexes: list[int] = []
        for p in body.split(","):
            m = _INT_RE.match(p)
            if not m:
                what = p.strip() or "nothing"
                raise self.fail(
                    f"{what!r} is not an array index; inside [] use an integer, a slice, '*', a quoted name "
                    "or a filter ?(...)",
                    start + 1,
                )
            indexes.append(int(m.group(1)))
        return _Index(tuple(indexes), start)

    def quoted(self) -> str:
        s, n, start = self.expr, self.n, self.i
        q = s[start]
        k = start + 1
        while k < n:
            ch = s[k]
            if ch == "\\":
                k += 2
                continue
            if ch == q:
                break
            k += 1
        if k >= n:
            raise self.fail(f"unterminated quoted name; missing closing {q}", start)
        self.i = k + 1
        # Kept as written: AWS matches $['Test\"Name'] against the key Test\"Name (recorded case).
        return s[start + 1 : k]


def _matching_paren(s: str, open_at: int, n: int) -> int:
    scan = Scanner(s, open_at, n)
    for k, ch in scan:
        if ch == ")" and scan.depth == 0:
            return k
        if ch == "/" and k > 0 and s[k - 1] in " ~(":
            # regex literal: skip to its closing slash
            end = s.find("/", k + 1, n)
            if end > 0:
                scan.pos = end + 1
    return -1


# ---------------------------------------------------------------------------------------------------------------
# Filters  [?( ... )]  (Jayway's predicate language)
# ---------------------------------------------------------------------------------------------------------------

_FILTER_OPS: Final = ("===", "!==", "==", "!=", "<=", ">=", "=~", "<", ">")
_WORD_OPS: Final = ("nin", "in", "subsetof", "anyof", "noneof", "size", "empty", "contains")
_NUMBER_RE = _Lazy(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_Operand = Callable[[Any, Any], Any]


class _FilterParser:
    def __init__(self, text: str, expr: str, offset: int) -> None:
        self.t = text
        self.expr = expr
        self.offset = offset
        self.i = 0

    def fail(self, reason: str) -> PathSyntaxError:
        return PathSyntaxError(self.expr, self.offset + self.i, f"in filter: {reason}")

    def ws(self) -> None:
        while self.i < len(self.t) and self.t[self.i] in " \t\r\n":
            self.i += 1

    def peek(self, s: str) -> bool:
        return self.t.startswith(s, self.i)

    def parse(self) -> Callable[[Any, Any], bool]:
        pred = self.or_()
        self.ws()
        if self.i < len(self.t):
            raise self.fail(f"unexpected {self.t[self.i :]!r}")
        return pred

    def or_(self) -> Callable[[Any, Any], bool]:
        left = self.and_()
        self.ws()
        while self.peek("||"):
            self.i += 2
            right = self.and_()
            left = (lambda a, b: lambda x, r: a(x, r) or b(x, r))(left, right)
            self.ws()
        return left

    def and_(self) -> Callable[[Any, Any], bool]:
        left = self.unary()
        self.ws()
        while self.peek("&&"):
            self.i += 2
            right = self.unary()
            left = (lambda a, b: lambda x, r: a(x, r) and b(x, r))(left, right)
            self.ws()
        return left

    def unary(self) -> Callable[[Any, Any], bool]:
        self.ws()
        if self.peek("!") and not self.peek("!="):
            self.i += 1
            inner = self.unary()
            return lambda x, r: not inner(x, r)
        if self.peek("("):
            self.i += 1
            inner = self.or_()
            self.ws()
            if not self.peek(")"):
                raise self.fail("missing ')'")
            self.i += 1
            return inner
        return self.comparison()

    def comparison(self) -> Callable[[Any, Any], bool]:
        left, left_is_path = self.operand()
        self.ws()
        op = None
        for o in _FILTER_OPS:
            if self.peek(o):
                op = o
                self.i += len(o)
                break
        if op is None:
            for w in _WORD_OPS:
                if (
                    self.t[self.i : self.i + len(w)].lower() == w
                    and not self.t[self.i + len(w) : self.i + len(w) + 1].isalnum()
                ):
                    op = w
                    self.i += len(w)
                    break
        if op is None:
            if not left_is_path:
                raise self.fail("expected a comparison operator such as ==, <, =~ or in")
            return lambda x, r: left(x, r) is not MISSING
        right, _ = self.operand()
        return _comparison(op, left, right)

    def operand(self) -> tuple[_Operand, bool]:
        self.ws()
        t, i = self.t, self.i
        if i >= len(t):
            raise self.fail("expected a value")
        c = t[i]
        if c in "@$":
            j = len(t)
            scan = Scanner(t, i + 1, opening="[", closing="]")
            for k, ch in scan:
                if scan.depth == 0 and ch in " \t\r\n=!<>&|),~(":  # the end of the path, outside brackets
                    j = k
                    break
            text = "$" + t[i + 1 : j]
            try:
                path = compile_path(text)
            except PathSyntaxError as e:
                raise PathSyntaxError(
                    self.expr, self.offset + i + max(0, e.position), f"in filter: {e.reason}"
                ) from None
            self.i = j
            relative = c == "@"

            def read(x: Any, r: Any, _p: Path = path, _rel: bool = relative) -> Any:
                base = x if _rel else r
                if _p._steps is not None:
                    return _walk_quiet(_p._steps, base)
                return _p._find(base)

            return read, True
        if c in "'\"":
            j = i + 1
            while j < len(t) and t[j] != c:
                j += 2 if t[j] == "\\" else 1
            if j >= len(t):
                raise self.fail("unterminated string")
            value = t[i + 1 : j].replace("\\" + c, c)
            self.i = j + 1
            return (lambda x, r, _v=value: _v), False
        if c == "/":
            j = t.find("/", i + 1)
            if j < 0:
                raise self.fail("unterminated regular expression")
            pattern = t[i + 1 : j]
            k = j + 1
            flags = 0
            while k < len(t) and t[k].isalpha():
                flags |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}.get(t[k], 0)
                k += 1
            try:
                rx = re.compile(pattern, flags)
            except re.error as e:
                raise self.fail(f"invalid regular expression: {e}") from None
            self.i = k
            return (lambda x, r, _v=rx: _v), False
        if c in "[{":
            import json

            dec = json.JSONDecoder()
            try:
                value, end = dec.raw_decode(t.replace("'", '"'), i)
            except ValueError:
                raise self.fail("invalid JSON literal") from None
            self.i = end
            return (lambda x, r, _v=value: _v), False
        m = _NUMBER_RE.match(t, i)
        if m:
            txt = m.group(0)
            num: Any = float(txt) if ("." in txt or "e" in txt or "E" in txt) else int(txt)
            self.i = m.end()
            return (lambda x, r, _v=num: _v), False
        for word, val in (("true", True), ("false", False), ("null", None)):
            if t.startswith(word, i):
                self.i = i + len(word)
                return (lambda x, r, _v=val: _v), False
        raise self.fail(f"unexpected {t[i:]!r}")


def _is_num(v: Any) -> bool:
    return (type(v) is int or type(v) is float) and v is not True and v is not False


def _f_equal(a: Any, b: Any) -> bool:
    if a is MISSING or b is MISSING:
        return False
    if _is_num(a) and _is_num(b):
        return bool(a == b)
    if _is_num(a) and isinstance(b, str):
        try:
            return bool(Decimal(b) == Decimal(repr(a) if isinstance(a, float) else a))
        except ArithmeticError:
            return False
    if isinstance(a, str) and _is_num(b):
        return a == (java_double(b) if isinstance(b, float) else str(b))
    if type(a) is bool or type(b) is bool:
        return a is b
    return type(a) is type(b) and bool(a == b)


def _f_order(a: Any, b: Any) -> int | None:
    if (_is_num(a) and _is_num(b)) or (isinstance(a, str) and isinstance(b, str)):
        return int(a > b) - int(a < b)
    return None


def _comparison(op: str, left: _Operand, right: _Operand) -> Callable[[Any, Any], bool]:
    def cmp(x: Any, r: Any) -> bool:
        a, b = left(x, r), right(x, r)
        if op in ("==", "==="):
            return _f_equal(a, b) and (op == "==" or type(a) is type(b))
        if op in ("!=", "!=="):
            return not (_f_equal(a, b) and (op == "!=" or type(a) is type(b)))
        if op in ("<", "<=", ">", ">="):
            o = _f_order(a, b)
            if o is None:
                return False
            return {"<": o < 0, "<=": o <= 0, ">": o > 0, ">=": o >= 0}[op]
        if op == "=~":
            return isinstance(a, str) and isinstance(b, re.Pattern) and b.fullmatch(a) is not None
        if op == "in":
            return isinstance(b, list) and any(_f_equal(a, e) for e in b)
        if op == "nin":
            return not (isinstance(b, list) and any(_f_equal(a, e) for e in b))
        if op == "contains":
            if isinstance(a, str) and isinstance(b, str):
                return b in a
            return isinstance(a, list) and any(_f_equal(e, b) for e in a)
        if op == "subsetof":
            return isinstance(a, list) and isinstance(b, list) and all(any(_f_equal(e, f) for f in b) for e in a)
        if op == "anyof":
            return isinstance(a, list) and isinstance(b, list) and any(any(_f_equal(e, f) for f in b) for e in a)
        if op == "noneof":
            return isinstance(a, list) and isinstance(b, list) and not any(any(_f_equal(e, f) for f in b) for e in a)
        if op == "size":
            return isinstance(a, (list, str)) and _is_num(b) and len(a) == b
        if op == "empty":
            return isinstance(a, (list, str)) and isinstance(b, bool) and (len(a) == 0) == b
        return False  # pragma: no cover

    return cmp


def _compile_filter(text: str, expr: str, offset: int) -> Callable[[Any, Any], bool]:
    return _FilterParser(text, expr, offset).parse()


# ---------------------------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------------------------


def _walk_quiet(steps: tuple[str | int, ...], node: Any) -> Any:
    """Definite walk that returns MISSING instead of raising (filters, existence checks)."""
    for step in steps:
        if type(step) is str:
            if type(node) is not dict or step not in node:
                return MISSING
            node = node[step]
        else:
            if type(node) is not list:
                return MISSING
            i: int = step  # type: ignore[assignment]  # (type() narrowing is invisible to mypy)
            idx = i if i >= 0 else len(node) + i
            if not 0 <= idx < len(node):
                return None
            node = node[idx]
    return node


def _scan_matches(tok: _Token, node: Any) -> bool:
    if isinstance(tok, _Prop):
        return type(node) is dict and (len(tok.names) > 1 or tok.names[0] in node)
    if isinstance(tok, (_Index, _Slice)):
        return type(node) is list
    if isinstance(tok, _Filter):
        return type(node) is dict
    return True  # wildcard


def _find(tokens: tuple[_Token, ...], k: int, node: Any, root: Any, out: list[Any]) -> None:
    n = len(tokens)
    while k < n:
        tok = tokens[k]
        if isinstance(tok, _Prop):
            if type(node) is not dict:
                return
            if len(tok.names) == 1:
                name = tok.names[0]
                if name not in node:
                    return
                node = node[name]
                k += 1
                continue
            if k == n - 1:  # Jayway merges several names at the leaf into one object
                out.append({nm: node[nm] for nm in tok.names if nm in node})
                return
            for nm in tok.names:
                if nm in node:
                    _find(tokens, k + 1, node[nm], root, out)
            return
        if isinstance(tok, _Index):
            if type(node) is not list:
                return
            if len(tok.indexes) == 1:
                i = tok.indexes[0]
                idx = i if i >= 0 else len(node) + i
                node = node[idx] if 0 <= idx < len(node) else None
                k += 1
                continue
            for i in tok.indexes:
                idx = i if i >= 0 else len(node) + i
                _find(tokens, k + 1, node[idx] if 0 <= idx < len(node) else None, root, out)
            return
        if isinstance(tok, _Slice):
            if type(node) is list:
                for idx in tok.indexes(len(node)):
                    _find(tokens, k + 1, node[idx], root, out)
            return
        if isinstance(tok, _Wildcard):
            if type(node) is dict:
                for v in node.values():
                    _find(tokens, k + 1, v, root, out)
            elif type(node) is list:
                for v in node:
                    _find(tokens, k + 1, v, root, out)
            return
        if isinstance(tok, _Filter):
            if type(node) is dict:
                if tok.predicate(node, root):
                    _find(tokens, k + 1, node, root, out)
            elif type(node) is list:
                for v in node:
                    if tok.predicate(v, root):
                        _find(tokens, k + 1, v, root, out)
            return
        # deep scan: the next token applies at this node and at every node below it, parents first
        nxt = tokens[k + 1]
        _scan(tokens, k + 1, nxt, node, root, out)
        return
    out.append(node)


def _scan(tokens: tuple[_Token, ...], k: int, nxt: _Token, node: Any, root: Any, out: list[Any]) -> None:
    if type(node) is dict:
        if _scan_matches(nxt, node):
            _find(tokens, k, node, root, out)
        for v in node.values():
            if type(v) is dict or type(v) is list:
                _scan(tokens, k, nxt, v, root, out)
    elif type(node) is list:
        if _scan_matches(nxt, node):
            _find(tokens, k, node, root, out)
        for v in node:
            if type(v) is dict or type(v) is list:
                _scan(tokens, k, nxt, v, root, out)


@frozen
class Path:
    """A compiled path. Build it with :func:`compile_path` (cached by expression)."""

    expr: str
    root: Root
    variable: str | None
    is_definite: bool
    is_reference: bool
    _tokens: tuple[_Token, ...]
    _steps: tuple[str | int, ...] | None

    def render(self, upto: int | None = None) -> str:
        """Jayway's normalised form of the path (``$['a'][0]``), optionally only the first ``upto`` tokens."""
        toks = self._tokens if upto is None else self._tokens[:upto]
        return "$" + "".join(t.fragment() for t in toks)

    def _root_value(self, data: Any, context: Any, variables: Any) -> Any:
        if self.root == "input":
            return data
        if self.root == "context":
            return {} if context is None else context
        if variables is None or self.variable not in variables:
            raise PathNotFound(self.expr, msg.variable_not_defined(self.variable or ""))
        return variables[self.variable]

    def _find(self, node: Any) -> list[Any]:
        out: list[Any] = []
        _find(self._tokens, 0, node, node, out)
        return out

    def select(self, data: Any, *, context: Any = None, variables: Any = None, strict: bool = False) -> Any:
        """The value the path selects (a list of matches when the path is indefinite).

        Raises :class:`PathNotFound` when a definite path selects nothing. ``strict=True`` also treats an index
        past the end of an array as not found (AWS's rule for intrinsic-function arguments); by default it
        selects ``null``, as AWS does for ``"x.$": "$.items[5]"``.
        """
        node = data if self.root == "input" else self._root_value(data, context, variables)
        steps = self._steps
        if steps is None:
            return self._find(node)
        for k, step in enumerate(steps):
            if type(step) is str:
                if type(node) is dict:
                    try:
                        node = node[step]
                    except KeyError:
                        raise self._missing(k) from None
                else:
                    raise self._not_object(k, node)
            else:
                if type(node) is list:
                    i: int = step  # type: ignore[assignment]
                    idx = i if i >= 0 else len(node) + i
                    if 0 <= idx < len(node):
                        node = node[idx]
                    elif strict:
                        raise PathNotFound(self.expr, msg.no_results(self.render()))
                    else:
                        node = None
                elif node is None:
                    raise PathNotFound(self.expr, msg.path_is_null(self.render(k)))
                else:
                    raise PathNotFound(self.expr, msg.filter_needs_array(step, _java_model(node)))
        return node

    def _missing(self, k: int) -> PathNotFound:
        if k == len(self._tokens) - 1:
            return PathNotFound(self.expr, msg.no_results(self.render()))
        return PathNotFound(self.expr, msg.missing_property(self.render(k + 1)))

    def _not_object(self, k: int, node: Any) -> PathNotFound:
        tok = self._tokens[k]
        return PathNotFound(self.expr, msg.not_an_object(tok.fragment(), self.render(k), _java_class(node), _PROVIDER))


@lru_cache(maxsize=4096)
def compile_path(expr: str) -> Path:
    """Parse ``expr`` once (cached) into a :class:`Path`. Raises :class:`PathSyntaxError`."""
    if not isinstance(expr, str):
        raise TypeError(f"a path must be a string, got {type(expr).__name__}")
    root, variable, tokens = _Parser(expr).parse()
    definite = all(
        (isinstance(t, _Prop) and len(t.names) == 1) or (isinstance(t, _Index) and len(t.indexes) == 1) for t in tokens
    )
    steps: tuple[str | int, ...] | None = None
    if definite:
        steps = tuple(t.names[0] if isinstance(t, _Prop) else t.indexes[0] for t in tokens)  # type: ignore[union-attr,index]
    return Path(
        expr=expr,
        root=root,
        variable=variable,
        is_definite=definite,
        is_reference=definite,
        _tokens=tokens,
        _steps=steps,
    )


def check_path(expr: str) -> Path:
    """Raise :class:`PathSyntaxError` unless ``expr`` is a Path AWS accepts; return the compiled path."""
    if not isinstance(expr, str):
        raise PathSyntaxError(repr(expr), 0, f"a path must be a string, got {type(expr).__name__}")
    return compile_path(expr)


def check_reference_path(expr: str) -> Path:
    """Raise :class:`PathSyntaxError` unless ``expr`` is a Reference Path (one node: names and single indexes)."""
    path = check_path(expr)
    if not path.is_reference:
        bad = next(
            t
            for t in path._tokens
            if not ((isinstance(t, _Prop) and len(t.names) == 1) or (isinstance(t, _Index) and len(t.indexes) == 1))
        )
        what = {
            _Wildcard: "a wildcard '*'",
            _Scan: "a deep scan '..'",
            _Filter: "a filter '[?(...)]'",
            _Slice: "a slice '[a:b]'",
            _Prop: "several field names",
            _Index: "several indexes",
        }[type(bad)]
        raise PathSyntaxError(
            expr,
            bad.pos,
            f"a Reference Path must select a single node, so it may only hold field names and single array "
            f"indexes; found {what}",
        )
    return path


# ---------------------------------------------------------------------------------------------------------------
# ResultPath
# ---------------------------------------------------------------------------------------------------------------


def set_path(data: Any, expr: str, value: Any) -> Any:
    """Return a copy of ``data`` with ``value`` placed at the Reference Path ``expr`` (ASL ``ResultPath``).

    ``$`` replaces the whole input. Missing intermediate objects are created. Only the containers along the
    path are copied; ``data`` is never mutated. When a parent on the path is not an object (or, for an index
    step, not an array holding that index), raises ``StatesError("States.ResultPathMatchFailure", ...)`` with
    AWS's cause ``Unable to apply ReferencePath <expr> to input <input as JSON>``.
    """
    path = compile_path(expr)
    steps = path._steps
    if path.root != "input" or steps is None:
        raise ValueError(f"ResultPath must be a Reference Path into the state data, got {expr!r}")
    if not steps:
        return value
    step = steps[0]
    if len(steps) == 1 and type(step) is str and type(data) is dict:  # the common "$.result" case
        new = dict(data)
        new[step] = value
        return new
    try:
        return _put(data, steps, 0, value)
    except _NoMatch:
        raise StatesError(
            errors.RESULT_PATH_MATCH_FAILURE, msg.result_path_unapplicable(expr, json_text(data))
        ) from None


class _NoMatch(Exception):
    pass


def _put(node: Any, steps: tuple[str | int, ...], k: int, value: Any) -> Any:
    step = steps[k]
    last = k == len(steps) - 1
    if type(step) is str:
        if type(node) is not dict:
            raise _NoMatch
        new = dict(node)
        if last:
            new[step] = value
        else:
            child = node.get(step, MISSING)
            if child is MISSING:
                if type(steps[k + 1]) is not str:
                    raise _NoMatch  # an index step needs an existing array
                child = {}
            new[step] = _put(child, steps, k + 1, value)
        return new
    if type(node) is not list:
        raise _NoMatch
    i: int = step  # type: ignore[assignment]
    idx = i if i >= 0 else len(node) + i
    if not 0 <= idx < len(node):
        raise _NoMatch
    new_list = list(node)
    new_list[idx] = value if last else _put(node[idx], steps, k + 1, value)
    return new_list
