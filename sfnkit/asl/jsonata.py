"""The one adapter between sfnkit and its JSONata engine: ``{% expr %}`` strings evaluated the way AWS does.

Implements the ASL's JSONata query language ("QueryLanguage": "JSONata"; states-language.net, the parts on
JSONata fields and the reserved variable ``$states``) as AWS Step Functions runs it, which is JSONata 2.0.6 with
``$eval`` removed and six functions added (AWS developer guide, "Transforming data with JSONata in Step
Functions"): ``$partition``, ``$range``, ``$hash``, ``$random``, ``$uuid`` and ``$parse``.

What this module owns:

* ``evaluate(text, states=..., variables=..., field=..., rng=...)``: one ``{% expr %}`` string, with
  ``$states`` bound to ``{input, result, errorOutput, context}`` (only the keys given) and every workflow
  variable bound as ``$name``.
* ``evaluate_tree``: AWS evaluates ``{% %}`` strings anywhere inside ``Arguments``/``Output``/``Assign``/
  ``ItemSelector`` objects and arrays; every other value is literal. Errors name the nested field the way AWS
  does: ``Output/a/b[0]``.
* the causes of ``States.QueryEvaluationError``, worded as AWS words them (without the "An error occurred
  while executing the state ..." prefix, which the interpreter adds).

Engine: ``jsonatapy`` (Rust core). The data goes in as the engine's input document, which it converts lazily,
as the expression reads it (variables bound the engine's other way are converted whole, up front: 0.35 ms for a
1,000-object input, against 0.6 µs); ``$states`` and each variable the expression names are assigned from it
at the top of the program. A plain path (``$states.input.a.b``, ``$var.x``) is navigated in Python while it
meets objects. A 2.0.6-exact built-in called by name goes straight to its Python host, bound at compile time
(``_direct_calls``; a regular expression literal already compiled), and an expression made only of plain paths,
literals, such calls, ``&`` and arithmetic runs as a Python plan (``_fast_plan``) that hands anything unusual to
the engine. Typical costs per evaluation (a shared, busy 2-core machine): a plain path 0.6-1 µs;
``$states.input.x + 1`` 2-3 µs; URL building or ``$replace(s, /re/, 'r')`` 3-5 µs; an extension function
7-16 µs. Expressions are compiled once per text and
thread (the engine's objects are bound to their thread, using one elsewhere panics); a compiled program is
shared between executions, so the randomness and the clock of the current evaluation travel in a
``ContextVar``, never in a global. The engine's module is first imported on a thread that lives as long as the
process (see ``_engine_module``): initialised on a short-lived thread it crashed the process later.

Where AWS's behaviour is known only from third-party measurements (the ``test-state`` captures of the Floci
emulator) the code says so; the conformance cases in ``tests/conformance/cases`` are the primary source.
"""

from __future__ import annotations

import contextvars
import datetime as _dt
import functools
import hashlib
import json
import math
import random
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from sfnkit import messages
from sfnkit.asl.identity import IdentityCache
from sfnkit.asl.jsontext import type_name
from sfnkit.errors import QUERY_EVALUATION_ERROR, StatesError

__all__ = [
    "EXTENSION_FUNCTIONS",
    "QueryEvaluationError",
    "check_syntax",
    "compile_expression",
    "compile_tree",
    "evaluate",
    "evaluate_tree",
    "expect_type",
    "is_expression",
    "referenced_variables",
    "strip",
    "unsupported_reference",
]

#: The functions AWS adds to JSONata 2.0.6, with the number of parameters each takes.
EXTENSION_FUNCTIONS: Final[Mapping[str, int]] = {
    "partition": 2,
    "range": 3,
    "hash": 2,
    "random": 1,
    "uuid": 0,
    "parse": 1,
}

#: Built-ins whose jsonatapy answer differs from jsonata-js 2.0.6 (the engine AWS runs): an expression that
#: names one gets a JSONata lambda of that name with the 2.0.6 signature, calling the Python host below.
_REPLACED: Final[Mapping[str, tuple[int, str]]] = {
    "encodeUrl": (1, "<s-:s>"),
    "encodeUrlComponent": (1, "<s-:s>"),
    "decodeUrl": (1, "<s-:s>"),
    "decodeUrlComponent": (1, "<s-:s>"),
    "base64encode": (1, "<s-:s>"),
    "base64decode": (1, "<s-:s>"),
    "string": (2, "<x-x?:s>"),
    "number": (1, "<(nsb)-:n>"),
    "toMillis": (2, "<s-s?:n>"),
    "fromMillis": (3, "<n-s?s?:s>"),
}

# A runaway expression (a tail call with no base case loops instead of overflowing) must end, and fail fast
# (issue 13): a legitimate tail-recursive loop runs 100,000 iterations in 0.1 s, so 1 s is generous for
# anything a state machine evaluates. AWS's own bound is not documented.
_TIMEOUT_MS: Final = 1_000
# AWS refuses a $range longer than this with its memory-limit error (Floci's test-state measurements).
_RANGE_LIMIT: Final = 360_145
_HASHES: Final = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
_UNDEF: Final = "\x00sfnkit:undefined\x00"
_FUNCTION: Final = "\x00sfnkit:function\x00"
_POSITION = re.compile(r"(?:position|at char(?:acter)?)\s*(\d+)", re.I)


class QueryEvaluationError(StatesError):
    """``States.QueryEvaluationError`` raised while evaluating a JSONata expression.

    ``cause`` is AWS's text without the "An error occurred while executing the state ..." prefix; ``field`` is
    the field as AWS names it in the ``EvaluationFailed`` event's ``location`` (``Output/a/b[0]``), or None.
    """

    def __init__(self, cause: str, *, field: str | None = None) -> None:
        super().__init__(QUERY_EVALUATION_ERROR, cause)
        self.field = field


# ---------------------------------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------------------------------


def is_expression(value: Any) -> bool:
    """True for a JSONata expression string: it starts with ``{%`` and ends with ``%}`` (no surrounding space)."""
    return isinstance(value, str) and len(value) >= 4 and value.startswith("{%") and value.endswith("%}")


def strip(text: str) -> str:
    """The expression inside ``{% ... %}``, as AWS quotes it in error causes."""
    return text[2:-2].strip()


def _bare(text: str) -> str:
    return strip(text) if is_expression(text) else text.strip()


# ---------------------------------------------------------------------------------------------------------------
# A lexical scan of JSONata (the token rules of jsonata 2.0.6's tokenizer): which variables an expression
# names, how it reaches into $states, and whether it uses operators JSONata 2.0.6 does not have.
# ---------------------------------------------------------------------------------------------------------------

_OPS1: Final = frozenset(".[]{}(),@#;:?+-*/%|=<>^&!~")
_OPS2: Final = ("..", ":=", "!=", ">=", "<=", "**", "~>", "??", "?:")
_WORD_OPS: Final = frozenset({"and", "or", "in"})
_LITERALS: Final = frozenset({"true", "false", "null"})
_NUMBER = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]+)?([Ee][-+]?[0-9]+)?")
_SPACE: Final = " \t\n\r\v"


class _ScanError(ValueError):
    pass


_ESCAPES: Final = frozenset('"\\/bfnrtu')  # jsonata-js 2.0.6's string escapes (no \\')
_HEX4: Final = re.compile(r"[0-9a-fA-F]{4}")


def _tokens(
    expr: str, regex_spans: list[tuple[int, int]] | None = None, starts: list[int] | None = None
) -> list[tuple[str, str]]:
    """(kind, value) pairs; kind is var, name, lit, str, num, regex or op. Raises _ScanError on unterminated
    text. ``regex_spans`` (when given) receives the (start, end) of each regular expression literal, ``starts``
    the start of every token."""
    out: list[tuple[str, str]] = []
    wild: set[int] = set()  # indexes of "*", "**" and "%" tokens that are values (a wildcard, the parent)
    i, n = 0, len(expr)
    last_start = 0
    while i < n:
        if starts is not None and len(starts) < len(out):
            starts.append(last_start)
        last_start = i
        ch = expr[i]
        if ch in _SPACE:
            i += 1
            continue
        if expr.startswith("/*", i):
            end = expr.find("*/", i + 2)
            if end < 0:
                raise _ScanError("comment has no closing tag")
            i = end + 2
            continue
        prev = out[-1] if out else None
        prefix = (
            prev is None
            or (prev[0] == "op" and prev[1] not in ")]}" and len(out) - 1 not in wild)
            or (prev[0] == "name" and prev[1] in _WORD_OPS)
        )
        if ch == "/" and prefix:  # a regular expression literal, delimited as jsonata's scanRegex does
            j, depth = i + 1, 0
            while True:
                if j >= n:
                    raise _ScanError("no terminating / in regular expression")
                c = expr[j]
                if c == "/" and depth == 0:
                    k = j - 1
                    while k > i and expr[k] == "\\":
                        k -= 1
                    if (j - 1 - k) % 2 == 0:
                        break
                if c in "([{" and expr[j - 1] != "\\":
                    depth += 1
                elif c in ")]}" and expr[j - 1] != "\\":
                    depth -= 1
                j += 1
            j += 1
            while j < n and expr[j] in "gimsuy":
                j += 1
            out.append(("regex", expr[i:j]))
            if regex_spans is not None:
                regex_spans.append((i, j))
            i = j
            continue
        two = expr[i : i + 2]
        if two in _OPS2:
            if prefix and two == "**":
                wild.add(len(out))
            out.append(("op", two))
            i += 2
            continue
        if ch in _OPS1:
            if prefix and ch in "*%":  # a wildcard or the parent: a value, after which "/" divides
                wild.add(len(out))
            out.append(("op", ch))
            i += 1
            continue
        if ch in "\"'":
            j = i + 1
            while j < n and expr[j] != ch:
                if expr[j] == "\\" and j + 1 < n:  # jsonata-js reads escapes as it scans: the first bad one wins
                    escape = expr[j + 1]
                    if escape == "u" and not _HEX4.match(expr, j + 2):
                        raise _ScanError("the escape sequence \\u must be followed by 4 hex digits")
                    if escape not in _ESCAPES:
                        raise _ScanError("unsupported escape sequence: \\" + escape)
                j += 2 if expr[j] == "\\" else 1
            if j >= n:
                raise _ScanError("string literal must be terminated by a matching quote")
            out.append(("str", expr[i + 1 : j]))
            i = j + 1
            continue
        m = _NUMBER.match(expr, i)
        if m:
            if math.isinf(float(m.group(0))):
                raise _ScanError("number out of range: " + m.group(0))
            out.append(("num", m.group(0)))
            i = m.end()
            continue
        if ch == "`":
            end = expr.find("`", i + 1)
            if end < 0:
                raise _ScanError("quoted property name must be terminated with a backquote")
            out.append(("name", expr[i + 1 : end]))
            i = end + 1
            continue
        j = i + 1 if ch == "$" else i
        while j < n and expr[j] not in _SPACE and expr[j] not in _OPS1:
            j += 1
        if ch == "$":
            out.append(("var", expr[i + 1 : j]))
        elif expr[i:j] in _LITERALS:
            out.append(("lit", expr[i:j]))
        else:
            out.append(("name", expr[i:j]))
        i = j
    if starts is not None and len(starts) < len(out):
        starts.append(last_start)
    return out


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Refs:
    """What an expression names: variables, $states, what the engine must provide."""

    variables: tuple[str, ...] | None  # sorted; None: could not tell, bind every workflow variable
    uses_states: bool
    extensions: frozenset[str]
    replaced: frozenset[str]  # built-ins replaced by 2.0.6-exact hosts (_REPLACED)
    overrides: frozenset[str]  # built-ins AWS replaces or removes: now, millis, eval
    walk: bool  # the result may hold a non-finite number (arithmetic or a function call)
    newer_ops: tuple[str, ...]  # operators JSONata 2.0.6 does not have (?? and ?:)
    reads_context: bool  # may read the top-level context, which AWS leaves undefined
    copies: bool  # the transform operator (| pattern | update |): a copy of the data comes back
    mixed_orders: bool  # two object constructors list the same keys in different orders
    path: tuple[str | int, ...] | None  # $var.a[0].b: a plain path, navigated in Python while it meets objects


def _analyse(expr: str) -> _Refs:
    try:
        toks = _tokens(expr)
    except _ScanError:
        names = frozenset(m.group(1) for m in re.finditer(r"\$([A-Za-z_][A-Za-z0-9_]*)", expr))
        return _Refs(
            variables=None,
            uses_states=True,
            extensions=names & EXTENSION_FUNCTIONS.keys(),
            replaced=names & _REPLACED.keys(),
            overrides=names & {"now", "millis", "eval"},
            walk=True,
            newer_ops=(),
            reads_context=True,
            copies=True,
            mixed_orders=True,
            path=None,
        )
    names = frozenset(v for k, v in toks if k == "var")
    signature = _signature_tokens(toks)
    regex_fallback = bool(_python_ready(toks)) or any(k == "regex" and _needs_fallback(v) for k, v in toks)
    return _Refs(
        variables=tuple(sorted(n for n in names - {"states"} if _IDENT.match(n))),
        uses_states="states" in names,
        extensions=names & EXTENSION_FUNCTIONS.keys(),
        replaced=names & (_REPLACED.keys() | (_REGEX_FUNCTIONS.keys() if regex_fallback else set())),
        overrides=names & {"now", "millis", "eval"},
        walk=any(k == "op" and v in "+-*/%(" for k, v in toks),
        newer_ops=tuple(
            sorted({v for n, (k, v) in enumerate(toks) if k == "op" and v in ("??", "?:") and n not in signature})
        ),
        reads_context=_reads_context(toks),
        copies=any(k == "op" and v == "|" for k, v in toks),
        mixed_orders=_mixed_key_orders(toks),
        path=_plain_path(toks),
    )


# jsonata-js 2.0.6 built-ins whose signature takes the context for a missing first argument (a "-" in it), with
# the number of arguments they need: a call with fewer reads the context.
_CONTEXT_DEFAULTED: Final[Mapping[str, int]] = {
    **dict.fromkeys(
        [
            "string",
            "lowercase",
            "uppercase",
            "length",
            "trim",
            "formatBase",
            "number",
            "floor",
            "ceil",
            "round",
            "abs",
            "sqrt",
            "boolean",
            "not",
            "sift",
            "keys",
            "spread",
            "encodeUrlComponent",
            "encodeUrl",
            "decodeUrlComponent",
            "decodeUrl",
            "toMillis",
            "fromMillis",
            "clone",
        ],
        1,
    ),
    **dict.fromkeys(
        [
            "substring",
            "substringBefore",
            "substringAfter",
            "pad",
            "match",
            "contains",
            "split",
            "formatNumber",
            "formatInteger",
            "parseInteger",
            "power",
            "lookup",
            "each",
        ],
        2,
    ),
    "replace": 3,
}


def _call_arguments(toks: list[tuple[str, str]], open_at: int) -> int:
    """How many arguments the call whose "(" is at ``open_at`` passes."""
    depth, count, empty = 0, 0, True
    for kind, value in toks[open_at:]:
        if kind == "op" and value in ("(", "[", "{"):
            depth += 1
            if depth == 1:
                continue
        elif kind == "op" and value in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                break
        elif kind == "op" and value == "," and depth == 1:
            count += 1
            continue
        empty = False
    return 0 if empty else count + 1


def _reads_context(toks: list[tuple[str, str]]) -> bool:
    """Whether the expression may read the top-level context (``$``): an unqualified name (``s``), a wildcard
    (``*``, ``**``), a parent step, ``$`` itself, or a built-in that defaults to the context, anywhere outside a
    path step, a predicate, a sort or a group-by (whose context is the item). Over-approximates: True costs
    speed only (the data is then bound, not passed lazily), False must be certain."""
    relative: list[bool] = []  # per open bracket: is its context an item rather than the top level?
    pending_body = 0  # a function's parameters closed: its body follows
    for n, (kind, value) in enumerate(toks):
        prev = toks[n - 1] if n else ("op", "(")
        here = bool(relative and relative[-1])
        after_value = prev[0] in _VALUE_END or (prev[0] == "op" and prev[1] in ")]}")
        if kind == "op" and value in ("(", "[", "{"):
            step = prev == ("op", ".") or prev == ("op", "^") or (value in "[{" and after_value and not pending_body)
            relative.append(here or step)
            pending_body = 0 if value == "{" else pending_body
            continue
        if kind == "op" and value in (")", "]", "}"):
            if relative:
                relative.pop()
            continue
        if (
            kind == "var"
            and prev == ("op", ".")
            and value in _CONTEXT_DEFAULTED
            and toks[n + 1 : n + 2] == [("op", "(")]
            and _call_arguments(toks, n + 1) < _CONTEXT_DEFAULTED[value]
        ):
            # a context-defaulted call as a path step: the engine answers undefined over the lazily converted
            # document (jsonatapy 2.2.13), but right over bound data
            return True
        if here:
            continue
        if kind == "name" and value in ("function", "λ"):
            pending_body = 1
            continue
        if kind == "name" and prev != ("op", "."):
            return True
        if kind == "op" and value in ("*", "**", "%") and prev != ("op", ".") and not after_value:
            return True
        if kind == "var" and value == "":
            return True
        if (
            kind == "var"
            and value in _CONTEXT_DEFAULTED
            and toks[n + 1 : n + 2] == [("op", "(")]
            and _call_arguments(toks, n + 1) + (prev == ("op", "~>")) < _CONTEXT_DEFAULTED[value]
        ):
            return True
    return False


def _mixed_key_orders(toks: list[tuple[str, str]]) -> bool:
    """Whether two object constructors with literal keys (``{'a': 1, 'b': 2}`` and ``{'b': 3, 'a': 4}``) list the
    same keys in different orders: the engine's conversion to Python would give both the first one's order."""
    seen: dict[frozenset[str], tuple[str, ...]] = {}
    for n, tok in enumerate(toks):
        if tok != ("op", "{"):
            continue
        keys: list[str] = []
        depth, expect_key, literal = 0, True, True
        for j in range(n, len(toks)):
            kind, value = toks[j]
            if kind == "op" and value in ("(", "[", "{"):
                literal = literal and not (depth == 1 and expect_key)
                depth += 1
                continue
            if kind == "op" and value in (")", "]", "}"):
                depth -= 1
                if depth == 0:
                    break
                continue
            if depth != 1:
                continue
            if expect_key:
                if kind == "str" and toks[j + 1 : j + 2] == [("op", ":")]:
                    keys.append(value)
                else:
                    literal = False
                expect_key = False
            elif (kind, value) == ("op", ","):
                expect_key = True
        if not literal or len(keys) < 2:
            continue
        known = seen.setdefault(frozenset(keys), tuple(keys))
        if known != tuple(keys):
            return True
    return False


def _with_context(expr: str, names: frozenset[str]) -> str:
    """``expr`` with the context passed explicitly (``x.$string()`` -> ``x.$string($)``) where a replaced
    built-in is called with fewer arguments than it needs, as its 2.0.6 signature would take the context."""
    if not names:
        return expr
    starts: list[int] = []
    try:
        toks = _tokens(expr, starts=starts)
    except _ScanError:
        return expr
    inserts: list[tuple[int, str]] = []
    for n, (kind, value) in enumerate(toks):
        if kind != "var" or value not in names or toks[n + 1 : n + 2] != [("op", "(")]:
            continue
        if n and toks[n - 1] == ("op", "~>"):
            continue
        count = _call_arguments(toks, n + 1)
        if count < _CONTEXT_DEFAULTED.get(value, 0):
            inserts.append((starts[n + 1] + 1, "$, " if count else "$"))
    for at, text in reversed(inserts):
        expr = expr[:at] + text + expr[at:]
    return expr


def _signature_tokens(toks: list[tuple[str, str]]) -> set[int]:
    """Indexes of the tokens inside function signatures (``function($a, $b)<a<s>s?:s>{...}``), where ``?:``
    is an optional string result, not 2.1's operator."""
    inside: set[int] = set()
    for n, tok in enumerate(toks):
        if tok[0] != "name" or tok[1] not in ("function", "λ") or toks[n + 1 : n + 2] != [("op", "(")]:
            continue
        depth, i = 0, n + 1
        while i < len(toks):
            if toks[i] == ("op", "("):
                depth += 1
            elif toks[i] == ("op", ")"):
                depth -= 1
                if depth == 0:
                    break
            i += 1
        i += 1
        if toks[i : i + 1] == [("op", "<")]:
            depth = 0
            while i < len(toks):
                inside.add(i)
                if toks[i] == ("op", "<"):
                    depth += 1
                elif toks[i] == ("op", ">"):
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
    return inside


_VALUE_END: Final = frozenset({"name", "var", "str", "num", "lit", "regex"})


def _refused_by_2_0_6(expr: str) -> str | None:
    """``CODE: message`` for syntax jsonatapy (JSONata 2.2) accepts and jsonata-js 2.0.6 refuses at parse time,
    so a definition that loads here would fail on AWS: regular expression flags other than ``i`` and ``m``, an
    empty regular expression, and a range anywhere but as an item of an array constructor (``[1..5]``): inside
    a predicate (``items[0..1]``; 2.0.6 needs ``items[[0..1]]``), parentheses, arguments, an object or bare."""
    try:
        toks = _tokens(expr)
    except _ScanError as e:  # what jsonata-js's tokenizer refuses and the engine reads otherwise: /(/
        return _lexical(e)
    stack: list[str] = []  # one per open bracket: "[" an array constructor, "]" a predicate, ")" or "}"
    signature = _signature_tokens(toks)
    for n, (kind, value) in enumerate(toks):
        if kind == "op" and value in ("??", "?:") and n not in signature:
            return None  # 2.1's operators come first in the text: check_syntax reports them (S0211)
        if kind == "regex":
            flags = value[value.rindex("/") + 1 :]
            bad = next((f for f in flags if f not in "im"), None)
            if bad is not None:
                return f'S0202: Expected ")", got "{flags}" (JSONata 2.0.6 knows only the regular expression flags i and m)'
            if value.startswith("//"):
                return "S0301: Empty regular expressions are not allowed"
        elif kind == "op" and value in ("(", "[", "{"):
            prev = toks[n - 1] if n else None
            predicate = prev is not None and (prev[0] in _VALUE_END or (prev[0] == "op" and prev[1] in ")]}"))
            stack.append({"(": ")", "{": "}"}.get(value) or ("]" if predicate else "["))
        elif kind == "op" and value in (")", "]", "}"):
            if stack:
                stack.pop()
        elif kind == "op" and value == ".." and (not stack or stack[-1] != "["):
            if not stack:
                return 'S0201: Syntax error: ".." (a range is an item of an array constructor: [1..5])'
            if stack[-1] == "]":
                return 'S0202: Expected "]", got ".." (JSONata 2.0.6 needs an array constructor: items[[0..1]])'
            return f'S0202: Expected "{stack[-1]}", got ".." (a range is an item of an array constructor: [1..5])'
    return None


#: jsonata-js 2.0.6's tokenizer errors, by the scan's own text (_tokens): what the engine reports without a code
_LEXICAL: Final[Mapping[str, str]] = {
    "comment has no closing tag": "S0106: Comment has no closing tag",
    "no terminating / in regular expression": "S0302: No terminating / in regular expression",
    "string literal must be terminated by a matching quote": "S0101: String literal must be terminated by a "
    "matching quote",
    "quoted property name must be terminated with a backquote": "S0105: Quoted property name must be terminated "
    "with a backquote (`)",
    "the escape sequence \\u must be followed by 4 hex digits": "S0104: The escape sequence \\u must be followed "
    "by 4 hex digits",
}


def _lexical(scan: _ScanError) -> str:
    text = str(scan)
    if text.startswith("unsupported escape sequence: "):
        return f"S0103: Unsupported escape sequence: {text.rpartition(' ')[2]}"
    if text.startswith("number out of range: "):
        return f"S0102: Number out of range: {text.rpartition(' ')[2]}"
    return _LEXICAL.get(text, text)


def _parse_error(expr: str, exc: BaseException) -> str:
    """The text of a parse failure. Both parsers read tokens as they go, so the first problem in the text wins:
    a syntax error the engine met (S02xx) came first; a tokenizer error (or one without a code) is jsonata-js's
    own where the text does not scan by its rules (the engine's words lack the code there, or it reads a
    regular expression as a division)."""
    engine = str(exc)
    m = _CODED.match(_PREFIXES.sub("", engine).strip())
    if m and m.group(1).startswith("S02"):
        return engine
    try:
        _tokens(expr)
    except _ScanError as e:
        return _lexical(e)
    return engine


# JavaScript's \w, \d and \b are ASCII-only; the engine's regular expressions are Unicode-aware.
_ASCII_CLASSES: Final = {"w": "A-Za-z0-9_", "d": "0-9"}


def _js_regexes(expr: str) -> str:
    r"""``expr`` with each regular expression literal's ``\w``/``\d``/``\b`` (and negations) made ASCII-only, as
    JavaScript's are."""
    spans: list[tuple[int, int]] = []
    try:
        toks = _tokens(expr, spans)
    except _ScanError:
        return expr
    if not spans:
        return expr
    ready = _python_ready(toks)
    out, last = [], 0
    for ordinal, (start, end) in enumerate(spans):
        out.append(expr[last:start])
        out.append(_js_regex(expr[start:end], python=ordinal in ready))
        last = end
    out.append(expr[last:])
    return "".join(out)


_FALLBACK_REGEX: Final = re.compile(r"\(\?<[=!]|\\[1-9]|\\k<")
_REGEX_MARK: Final = "\x00sfnkit:re:"
#: the functions that take a regular expression; the engine's regex has no look-behind or back-references
_REGEX_FUNCTIONS: Final[Mapping[str, int]] = {"match": 3, "replace": 4, "contains": 2, "split": 3}


def _needs_fallback(literal: str) -> bool:
    """A regular expression literal with look-behind or back-references, which JavaScript's regular expressions
    have and the engine's do not: it runs on Python's ``re`` instead."""
    return bool(_FALLBACK_REGEX.search(literal))


def _python_ready(toks: list[tuple[str, str]]) -> set[int]:
    """The ordinals (among the regular expression literals) of those written straight as the pattern of
    ``$match``/``$contains``/``$split``/``$replace`` (a ``$replace`` with a string replacement): these run on
    Python's ``re``, compiled once, where the engine's regular expressions take 50-150 µs a call. A literal used
    any other way (``~> /re/``, a function replacement, held in a variable) stays the engine's."""
    ready: set[int] = set()
    ordinal = -1
    for at, (kind, _) in enumerate(toks):
        if kind != "regex":
            continue
        ordinal += 1
        if at < 3 or toks[at - 1] != ("op", ","):
            continue
        depth, j = 0, at - 2
        while j >= 0:  # back over the first argument to the call's "("
            k, v = toks[j]
            if k == "op" and v in (")", "]", "}"):
                depth += 1
            elif k == "op" and v in ("(", "[", "{"):
                if depth == 0:
                    break
                depth -= 1
            elif k == "op" and v == "," and depth == 0:
                j = -1
                break
            j -= 1
        if j < 1 or toks[j] != ("op", "(") or toks[j - 1][0] != "var" or toks[j - 1][1] not in _REGEX_FUNCTIONS:
            continue
        after = toks[at + 1 : at + 4]
        if toks[j - 1][1] == "replace" and not (
            len(after) >= 3
            and after[0] == ("op", ",")
            and after[1][0] == "str"
            and after[2] in (("op", ","), ("op", ")"))
        ):
            continue
        ready.add(ordinal)
    return ready


def _js_regex(literal: str, *, python: bool = False) -> str:
    if python or _needs_fallback(literal):
        body, _, flags = literal[1:].rpartition("/")
        return json.dumps(f"{_REGEX_MARK}{flags}:{body}")
    out: list[str] = []
    i, n, in_class = 0, len(literal), False
    while i < n:
        ch = literal[i]
        if ch == "\\" and i + 1 < n:
            nxt = literal[i + 1]
            if nxt in _ASCII_CLASSES:
                out.append(_ASCII_CLASSES[nxt] if in_class else f"[{_ASCII_CLASSES[nxt]}]")
            elif nxt.lower() in _ASCII_CLASSES and not in_class:
                out.append(f"[^{_ASCII_CLASSES[nxt.lower()]}]")
            elif nxt in "bB" and not in_class:
                out.append(f"(?-u:\\{nxt})")
            else:
                out.append(literal[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


def _plain_path(toks: list[tuple[str, str]]) -> tuple[str | int, ...] | None:
    """``("states", "input", "items", 0, "sku")`` for ``$states.input.items[0].sku``; None for anything but a
    variable, field names and whole-number indexes (``[3]``, ``[-1]``)."""
    if not toks or toks[0][0] != "var" or toks[0][1] in ("", "$"):
        return None
    steps: list[str | int] = [toks[0][1]]
    i, n = 1, len(toks)
    while i < n:
        if toks[i] == ("op", ".") and i + 1 < n and toks[i + 1][0] == "name":
            steps.append(toks[i + 1][1])
            i += 2
            continue
        if toks[i] == ("op", "[") and (steps[0] != "states" or len(steps) > 1):
            negative = toks[i + 1 : i + 2] == [("op", "-")]
            j = i + 1 + negative
            if j + 1 < n and toks[j][0] == "num" and toks[j][1].isdigit() and toks[j + 1] == ("op", "]"):
                steps.append(-int(toks[j][1]) if negative else int(toks[j][1]))
                i = j + 2
                continue
        return None
    if steps[0] == "states" and (len(steps) < 2 or not isinstance(steps[1], str)):
        return None
    return tuple(steps)


def referenced_variables(text: str) -> frozenset[str]:
    """The ``$name`` variables a ``{% expr %}`` (or bare expression) names, without ``states``.

    Over-approximates (a name bound inside the expression is listed too); never misses one, because JSONata
    has no dynamic variable lookup once ``$eval`` is gone.
    """
    refs = _analyse(_bare(text))
    if refs.variables is not None:
        return frozenset(refs.variables)
    return frozenset(m.group(1) for m in re.finditer(r"\$([A-Za-z_][A-Za-z0-9_]*)", _bare(text))) - {"states"}


def unsupported_reference(text: str) -> str | None:
    """AWS's message when an expression refers to the top-level context, which AWS refuses at creation time
    (``UNSUPPORTED_JSONATA_EXPRESSION``), else None. Detects ``$$`` anywhere and a leading ``$``."""
    try:
        toks = _tokens(_bare(text))
    except _ScanError:
        return None
    if any(k == "var" and v == "$" for k, v in toks):
        return "Reference to '$$' is not supported."
    if toks and toks[0] == ("var", ""):
        return "Reference to '$' at the top level is not supported."
    return None


# ---------------------------------------------------------------------------------------------------------------
# Compiling
# ---------------------------------------------------------------------------------------------------------------


# jsonatapy's compiled expressions are bound to the thread that compiled them (using one from another thread
# panics), so every cache of engine objects here is per thread.
_LOCAL = threading.local()
_CACHE_SIZE: Final = 4096
_MODULE: Any = None
_MODULE_LOCK = threading.Lock()


def _engine_module() -> Any:
    """The ``jsonatapy`` module, first imported on a thread that lives as long as the process.

    Why: the engine's native module keeps state bound to the thread that initialised it. Imported (lazily, by
    the first compile) on a short-lived thread, that state dies with the thread; the next thread that drops
    an engine object at its exit and then compiles on another thread touches freed memory, and the process
    dies of SIGSEGV (three ``load`` calls, each on a new thread, were enough). So a worker thread never
    initialises it: the main thread imports it itself, any other thread hands the import to a parked daemon
    thread that never exits.
    """
    global _MODULE
    if _MODULE is not None:
        return _MODULE
    with _MODULE_LOCK:
        if _MODULE is None:
            if threading.current_thread() is threading.main_thread():
                import jsonatapy

                _MODULE = jsonatapy
            else:
                _MODULE = _import_on_keeper()
    return _MODULE


_KEEPER_PARK = threading.Event()  # never set: the keeper thread stays parked for the life of the process


def _import_on_keeper() -> Any:
    box: dict[str, Any] = {}
    ready = threading.Event()

    def keeper() -> None:
        try:
            import jsonatapy

            box["module"] = jsonatapy
        except BaseException as e:  # pragma: no cover - jsonatapy is a core dependency
            box["error"] = e
        ready.set()
        _KEEPER_PARK.wait()

    threading.Thread(target=keeper, name="sfnkit-jsonata-engine", daemon=True).start()
    ready.wait()
    if "error" in box:  # pragma: no cover
        raise box["error"]
    return box["module"]


def _thread_cache(name: str) -> dict[Any, Any]:
    cache: dict[Any, Any] | None = getattr(_LOCAL, name, None)
    if cache is None or len(cache) >= _CACHE_SIZE:
        cache = {}
        setattr(_LOCAL, name, cache)
    return cache


def compile_expression(expr: str) -> Any:
    """Compile a bare JSONata expression (without ``{% %}``), cached per thread; raises ValueError on bad
    syntax. The engine object must be used only on the calling thread."""
    cache = _thread_cache("bare")
    engine = cache.get(expr)
    if engine is None:
        engine = cache[expr] = _engine_module().compile(expr, timeout=_TIMEOUT_MS)
    return engine


def check_syntax(text: str) -> str | None:
    """A readable message when ``{% expr %}`` does not parse as JSONata 2.0.6, else None."""
    expr = strip(text)
    if not expr:
        return "empty JSONata expression: write something between {% and %}"
    try:
        compile_expression(expr)
    except ImportError:  # pragma: no cover - jsonatapy is a core dependency
        return None
    except BaseException as e:  # the engine raises ValueError; be defensive about its other failures (a panic)
        if not isinstance(e, Exception) and type(e).__name__ != "PanicException":
            raise
        msg = _PREFIXES.sub("", _parse_error(expr, e))
        m = _POSITION.search(msg)
        if m:
            pos = min(int(m.group(1)), len(expr))
            caret = f"\n    {expr}\n    {' ' * pos}^"
        elif "end of expression" in msg:
            caret = f"\n    {expr}\n    {' ' * len(expr)}^"
        else:
            caret = f"\n    {expr}"
        return f"invalid JSONata expression: {msg}{caret}"
    refused = _refused_by_2_0_6(expr)
    if refused:
        return f"invalid JSONata expression: {refused}\n    {expr}"
    newer = _analyse(expr).newer_ops
    if newer:
        op = newer[0]
        pos = _find_op(expr, op)
        return (
            f"invalid JSONata expression: S0211: the {op!r} operator needs JSONata 2.1, and AWS Step Functions runs "
            f"JSONata 2.0.6; write a conditional (cond ? a : b) or $exists() instead"
            f"\n    {expr}\n    {' ' * pos}^"
        )
    return None


def _find_op(expr: str, op: str) -> int:
    pos = expr.find(op)
    return max(pos, 0)


class _Compiled:
    """One ``{% %}`` text compiled for one set of bound workflow variables.

    The data is passed to the engine as its input document ``{"s": states, "v": variables}`` (the engine
    converts an input document lazily, as it reads it, where bound variables are converted whole up front:
    0.6 µs against 0.35 ms for a 1,000-object input), and the program opens with ``$states := $$.s`` and one
    ``$name := $$.v.name`` per variable the expression names and the execution has.
    """

    __slots__ = (
        "_probe",
        "bound",
        "detached",
        "direct",
        "expr",
        "fast",
        "navigate",
        "needs_env",
        "ordered",
        "program",
        "refs",
        "reorder",
        "replaced",
        "source",
        "text",
    )

    def __init__(self, expr: str, refs: _Refs, bound: tuple[str, ...]) -> None:
        self.expr = expr
        self.refs = refs
        self.bound = bound
        # the calls written out by name go straight to their hosts; the stand-ins stay for any other use
        self.navigate = _navigator(refs.path) if refs.path is not None else None
        simple = not (refs.extensions or refs.overrides or refs.path)
        self.fast = _fast_plan(expr, refs.replaced & _DIRECT_HOSTS, frozenset(bound)) if simple else None
        self.text, self.direct = _direct_calls(expr, refs.replaced & _DIRECT_HOSTS, frozenset(bound))
        self.replaced = _still_replaced(self.text, refs.replaced) if self.direct else refs.replaced
        # a workflow variable named like a built-in hides it, as any JSONata binding does: no stand-in for it
        self.replaced -= frozenset(bound)
        if refs.copies:
            self.text = _clone_transforms(self.text)
        self.text, self.ordered = _order_constructors(self.text)
        # AWS gives an expression no input document: one that may read the top-level context gets none, and
        # $states and the variables as bindings (converted whole: slower on a big input, exact).
        # The engine's Python conversion gives every object of an array that share one set of keys the first
        # one's key order; its JSON text keeps each object's own. A transform copies the data it matches, whose
        # objects may hold their keys in different orders, so its answer comes back as JSON text (detached).
        # So does an expression whose object constructors list the same keys in different orders.
        self.detached = refs.reads_context or refs.copies or refs.mixed_orders
        # JavaScript lists integer-like keys first. Only an expression that looks at key order (a wildcard,
        # $keys, $each, $spread, $string...) needs its data reordered first; any other shows the order only in
        # its result, which is reordered instead (usually far smaller than the data)
        self.reorder = _order_sensitive(expr)
        self.needs_env = bool(refs.extensions & {"random", "uuid"} or refs.overrides & {"now", "millis"})
        head = ["$states := $$.s;"] if refs.uses_states and not self.detached else []
        head += [f"${name} := $$.v.{name};" for name in bound if not self.detached]
        if refs.copies:  # the engine's own $string, before any stand-in takes the name (_clone_transforms)
            head.insert(0, "$__sfn_json := $string;")
        for name in sorted(refs.extensions - frozenset(bound)):
            params = [f"$__sfn_{p}" for p in "abc"[: EXTENSION_FUNCTIONS[name]]]
            flags = ", ".join(f"$exists({p})" for p in params)
            args = "".join(f", {p}" for p in params)
            head.append(
                f"${name} := function({', '.join(params)}){{ ($__sfn_r := $__sfn_{name}([{flags}]{args}); "
                f'$__sfn_r = "{_js(_UNDEF)}" ? $__sfn_nothing : $__sfn_r) }};'
            )
        for name in sorted(self.replaced & _REGEX_FUNCTIONS.keys()):
            # a marked string is a regular expression the engine cannot run (see _js_regex): Python's re runs it
            params = [f"$__sfn_{p}" for p in "abcd"[: _REGEX_FUNCTIONS[name]]]
            flags = ", ".join(f"$exists({p})" for p in params)
            args = ", ".join(params)
            head.append(f"$__sfn_native_{name} := ${name};")
            head.append(
                f'${name} := function({args}){{ ($type($__sfn_b) = "string" and '
                f'$substring($__sfn_b, 0, {len(_REGEX_MARK)}) = "{_js(_REGEX_MARK)}") ? '
                f"($__sfn_r := $__sfn_{name}([{flags}], {args}); "
                f'$__sfn_r = "{_js(_UNDEF)}" ? $__sfn_nothing : $__sfn_r) : $__sfn_native_{name}({args}) }};'
            )
        for name in sorted(self.replaced - _REGEX_FUNCTIONS.keys()):
            count, _ = _REPLACED[name]  # the signature is the host's to check
            params = [f"$__sfn_{p}" for p in "abc"[:count]]
            flags = ", ".join(f"$exists({p})" for p in params)
            args = "".join(f", {p}" for p in params)
            call = (
                f'($__sfn_r := $__sfn_{name}([{flags}]{args}); $__sfn_r = "{_js(_UNDEF)}" ? $__sfn_nothing : $__sfn_r)'
            )
            if name in _DEFINED_WHEN_GIVEN:
                # one argument, and the host answers undefined only when it is missing: no flags list, no
                # undefined check (about a third of the call's cost in the engine)
                call = f"($exists($__sfn_a) ? $__sfn_{name}([true], $__sfn_a) : $__sfn_a)"
            elif name == "toMillis":
                # without a picture the host answers a number or fails; undefined comes only from a missing stamp
                call = (
                    f"($exists($__sfn_b) ? {call} : $exists($__sfn_a) ? $__sfn_toMillis([true, false], $__sfn_a) "
                    ": $__sfn_a)"
                )
            if name == "string":
                # the engine's own $string is exact for strings and numbers below 1e15 (and much faster); a
                # function is written as ""; a second argument that is no boolean (what $map passes) is ignored.
                # An object or array reaches the host as the engine's JSON text, which writes a function inside
                # it as "" (as jsonata-js does; converted to Python it would be null) and keeps each object's own
                # key order; the host rewrites its numbers and key order as jsonata-js does.
                head.append("$__sfn_native_string := $string;")
                call = (
                    '($type($__sfn_a) = "string" ? $__sfn_a : $type($__sfn_a) = "function" ? "" : '
                    '($type($__sfn_a) = "number" and $__sfn_a < 1e15 and $__sfn_a > -1e15) ? '
                    '$__sfn_native_string($__sfn_a) : $type($__sfn_a) in ["object", "array"] ? '
                    f"$__sfn_string_json($__sfn_native_string($__sfn_a), $__sfn_b) : {call})"
                )
            # no signature on the lambda: the engine checks one in about 40 µs per call; the host checks types,
            # and _with_context passes the context where a call leaves it to the signature
            head.append(f"${name} := function({', '.join(params)}){{ {call} }};")
        self.source = "\n".join(head)
        # With the extensions the one program also tells undefined and functions apart (their calls must not
        # run twice: they draw random numbers); otherwise that takes a second program, run only on a None.
        classify = bool(refs.extensions) or self.detached
        self.program = self._engine(classify=classify)
        self._probe: Any = None if classify else False

    def _engine(self, *, classify: bool) -> Any:
        jsonatapy = _engine_module()
        user = _with_context(_js_regexes(self.text), self.replaced)
        if classify:
            body = (
                f"$__sfn_v := (\n{user}\n);\n"
                f'$exists($__sfn_v) ? ($type($__sfn_v) = "function" ? "{_js(_FUNCTION)}" : $__sfn_v) '
                f': "{_js(_UNDEF)}"'
            )
        else:
            body = f"(\n{user}\n)"
        text = f"(\n{self.source}\n{body}\n)" if self.source or classify or user != self.expr else self.expr
        engine = jsonatapy.compile(text, timeout=_TIMEOUT_MS) if text != self.expr else _fresh(self.expr)
        for name in self.refs.extensions:
            engine.register(f"__sfn_{name}", _HOSTS[name])
        for name in self.replaced:
            engine.register(f"__sfn_{name}", _REPLACEMENTS.get(name) or _REGEX_HOSTS[name])
        if "string" in self.replaced:
            engine.register("__sfn_string_json", _host_string_json)
        for n, host in enumerate(self.direct):
            engine.register(f"__sfn_d{n}", host)
        if self.refs.copies:
            engine.register("__sfn_clone", _host_clone)
        if self.ordered:
            engine.register("__sfn_order", _host_reorder)
        for name in self.refs.overrides:
            engine.register_override(name, _OVERRIDES[name])
        return engine

    @property
    def probe(self) -> Any:
        """The classifying program (null, undefined or a function?), compiled on first need; None when
        ``program`` already classifies."""
        if self._probe is False:
            self._probe = self._engine(classify=True)
        return self._probe


def _clone_transforms(expr: str) -> str:
    """``expr`` with each transform (``| pattern | update [, delete] |``) fed a copy made as jsonata-js 2.0.6
    makes it, through ``$string`` (``JSON.parse($string(value))``): every number rounded to 15 significant
    digits, JavaScript's key order. The engine's own copy keeps every digit. A transform inside another is
    left as it is."""
    starts: list[int] = []
    try:
        toks = _tokens(expr, starts=starts)
    except _ScanError:
        return expr
    opened: list[list[int]] = []  # [token index of the opening bar, bars seen]
    closers: set[int] = set()
    spans: list[tuple[int, int]] = []
    for n, (kind, value) in enumerate(toks):
        if kind != "op" or value != "|":
            continue
        prev = toks[n - 1] if n else None
        prefix = prev is None or (
            (prev[0] == "op" and prev[1] not in ")]}" and n - 1 not in closers)
            or (prev[0] == "name" and prev[1] in _WORD_OPS)
        )
        if prefix:
            opened.append([n, 1])
        elif opened and opened[-1][1] == 1:
            opened[-1][1] = 2
        elif opened:
            start = opened.pop()[0]
            closers.add(n)
            if not opened:
                spans.append((starts[start], starts[n] + 1))
    for lo, hi in reversed(spans):
        transform = expr[lo:hi]
        expr = (
            f"{expr[:lo]}(function($__sfn_x){{ $exists($__sfn_x) ? (($type($__sfn_x) in ['object', 'array'] ? "
            f"$__sfn_clone($__sfn_json($__sfn_x)) : $__sfn_x) ~> {transform}) : $__sfn_x }}){expr[hi:]}"
        )
    return expr


def _order_constructors(expr: str) -> tuple[str, bool]:
    """``expr`` with each object constructor that has an integer-like literal key (``{'b': 1, '2': 2}``) put in
    JavaScript's key order as it is built (``$__sfn_order({...})``), so that ``.*``, ``$each`` and the rest
    see the order jsonata-js's JavaScript object has; and whether there was one."""
    if "{" not in expr:
        return expr, False
    starts: list[int] = []
    try:
        toks = _tokens(expr, starts=starts)
    except _ScanError:
        return expr, False
    spans: list[tuple[int, int]] = []
    for n, tok in enumerate(toks):
        if tok != ("op", "{"):
            continue
        prev = toks[n - 1] if n else None
        if prev is not None and (
            prev[0] in _VALUE_END or (prev[0] == "op" and prev[1] in (")", "]", "}", "*", "**", "%"))
        ):
            continue  # a group-by (items{key: value}, *{...}, %{...}) or a function body
        depth, close, integer = 0, -1, False
        for j in range(n, len(toks)):
            kind, value = toks[j]
            if kind == "op" and value in ("(", "[", "{"):
                depth += 1
            elif kind == "op" and value in (")", "]", "}"):
                depth -= 1
                if depth == 0:
                    close = j
                    break
            elif depth == 1 and kind == "str" and toks[j + 1 : j + 2] == [("op", ":")] and _is_index(value):
                integer = True
        if integer and close > 0 and not any(lo <= starts[n] < hi for lo, hi in spans):
            spans.append((starts[n], starts[close] + 1))
    if not spans:
        return expr, False
    for lo, hi in reversed(spans):
        expr = f"{expr[:lo]}$__sfn_order({expr[lo:hi]}){expr[hi:]}"
    return expr, True


def _host_clone(text: Any) -> Any:
    """jsonata-js 2.0.6's copy for the transform operator, ``JSON.parse($string(value))``, from the engine's
    ``$string`` of the value (JSON text keeps each object's own key order, which the engine's conversion of an
    array of like-keyed objects to Python does not)."""
    return _rounded(json.loads(text))


def _rounded(value: Any) -> Any:
    if type(value) is dict:
        return {k: _rounded(value[k]) for k in _js_key_order(value)}
    if type(value) is list:
        return [_rounded(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = _precision15(value)
        if not math.isfinite(number):
            raise _HostError("D1001: Number out of range")
        return _whole(number)
    return value


def _still_replaced(text: str, replaced: frozenset[str]) -> frozenset[str]:
    """The built-ins of ``replaced`` that ``text`` (after _direct_calls) still reaches through a stand-in."""
    try:
        toks = _tokens(text)
    except _ScanError:
        return replaced
    left = {v for k, v in toks if k == "var"}
    marked = bool(_python_ready(toks)) or any(k == "regex" and _needs_fallback(v) for k, v in toks)
    regex = replaced & _REGEX_FUNCTIONS.keys() if marked else frozenset()
    return frozenset(((replaced - _REGEX_FUNCTIONS.keys()) | regex) & left)


def _fresh(expr: str) -> Any:
    """The engine object for a bare expression: the shared syntax-check one unless built-ins get replaced."""
    return compile_expression(expr) if not _analyse(expr).overrides else _compile_raw(expr)


def _compile_raw(expr: str) -> Any:
    return _engine_module().compile(expr, timeout=_TIMEOUT_MS)


def _js(s: str) -> str:
    return s.replace("\x00", "\\u0000")


def _analysis(text: str) -> tuple[str, _Refs]:
    cache = _thread_cache("analysis")
    found = cache.get(text)
    if found is None:
        expr = _bare(text)
        compile_expression(expr)  # a syntax error surfaces here, with the user's own positions
        refused = _refused_by_2_0_6(expr)
        if refused:
            raise ValueError(refused)
        found = cache[text] = (expr, _analyse(expr))
    return found


def _compile(text: str, variables: Mapping[str, Any] | None) -> _Compiled:
    # the common case first, in one lookup: no variables, or an expression that names none
    hit: _Compiled | None = _thread_cache("compiled").get(text)
    if hit is not None and (not variables or hit.refs.variables == ()):
        return hit
    expr, refs = _analysis(text)
    if refs.variables is not None and not refs.variables:
        variables = None  # it names none: compiled as without
    if not variables:
        bound: tuple[str, ...] = ()
    elif refs.variables is None:
        bound = tuple(sorted(n for n in variables if isinstance(n, str) and _IDENT.match(n)))
    else:
        bound = tuple(n for n in refs.variables if n in variables)
    cache = _thread_cache("compiled")
    key: str | tuple[str, tuple[str, ...]] = (text, bound) if bound else text
    c = cache.get(key)
    if c is None:
        c = cache[key] = _Compiled(expr, refs, bound)
    return c


# ---------------------------------------------------------------------------------------------------------------
# The functions AWS adds, and the built-ins it replaces. They run inside the engine as host functions; each
# extension is wrapped in a JSONata lambda that passes which arguments exist, so that an undefined argument
# (which JSONata functions accept and answer with undefined) differs from a JSON null (a signature error).
# ---------------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Env:
    rng: random.Random
    now_ms: int


_ENV: contextvars.ContextVar[_Env | None] = contextvars.ContextVar("sfnkit_jsonata_env", default=None)


class _HostError(Exception):
    """Raised by a host function; its message is the JSONata "CODE: text" AWS reports."""


def _signature(index: int, name: str) -> _HostError:
    return _HostError(f'T0410: Argument {index} of function "{name}" does not match function signature')


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _trunc(v: Any) -> int:
    """A JavaScript number as AWS's Java code takes it: rounded towards zero, saturated to a long."""
    if isinstance(v, float):
        if math.isnan(v):
            return 0
        if math.isinf(v):
            return 2**63 - 1 if v > 0 else -(2**63)
    return max(-(2**63), min(2**63 - 1, int(v)))


def _env() -> _Env:
    env = _ENV.get()
    if env is None:  # pragma: no cover - evaluate() always sets it for expressions that need it
        raise _HostError("D3137: the JSONata evaluation environment is not set")
    return env


def _host_partition(flags: list[bool], array: Any = None, size: Any = None) -> Any:
    """``$partition(array, chunkSize)``: chunks of ``chunkSize``, the last one holding the remainder."""
    if not flags[0]:
        return _UNDEF
    if array is None:
        raise _HostError('T0412: Argument 1 of function "partition" must be an array of "values"')
    if flags[1] and not _is_number(size):
        raise _signature(2, "partition")
    items = array if isinstance(array, list) else [array]
    if not items:
        return _UNDEF
    if not flags[1]:
        return [items]
    chunk = _trunc(size)
    if chunk < 0:
        raise _HostError("D3137: Second argument must be zero or greater")
    if chunk == 0:
        return _UNDEF
    return [items[i : i + chunk] for i in range(0, len(items), chunk)]


def _host_range(flags: list[bool], start: Any = None, end: Any = None, step: Any = None) -> Any:
    """``$range(start, end, step)``: start, start+step, ... up to end inclusive; one value is not an array."""
    if not flags[1]:
        raise _signature(2, "range")
    for index, (present, value) in enumerate(zip(flags, (start, end, step), strict=True), start=1):
        if present and not _is_number(value):
            raise _signature(index, "range")
    if not (flags[0] and flags[2]):
        return _UNDEF
    a, b, s = _trunc(start), _trunc(end), _trunc(step)
    if s == 0 or (b - a) * s < 0:
        return _UNDEF
    count = (b - a) // s + 1
    if count > _RANGE_LIMIT:
        raise _HostError("Expression evaluation memory limit exceeded")
    if count == 1:
        return a
    return list(range(a, a + count * s, s))


def _host_hash(flags: list[bool], value: Any = None, algorithm: Any = None) -> Any:
    """``$hash(value, algorithm)``: lowercase hex digest of the UTF-8 bytes of a string."""
    if flags[0] and not isinstance(value, str):
        raise _signature(1, "hash")
    if flags[1] and not isinstance(algorithm, str):
        raise _signature(2, "hash")
    if not (flags[0] and flags[1]):
        return _UNDEF
    if algorithm not in _HASHES:
        raise _HostError(
            f"D3137: Unsupported hash algorithm '{algorithm}'. Supported algorithms are: {', '.join(_HASHES)}"
        )
    return hashlib.new(_HASHES[algorithm], value.encode("utf-8", "surrogatepass")).hexdigest()


def _java_random_double(seed: int) -> float:
    """``new java.util.Random(seed).nextDouble()``, which is what AWS's ``$random(seed)`` answers."""
    mask = (1 << 48) - 1
    state = (seed ^ 0x5DEECE66D) & mask
    state = (state * 0x5DEECE66D + 0xB) & mask
    high = state >> 22
    state = (state * 0x5DEECE66D + 0xB) & mask
    low = state >> 21
    return ((high << 27) + low) * (1.0 / (1 << 53))


def _host_random(flags: list[bool], seed: Any = None) -> Any:
    """``$random()`` draws from the execution's seeded source; ``$random(seed)`` is reproducible."""
    if not flags[0]:
        return _env().rng.random()
    if not _is_number(seed):
        raise _signature(1, "random")
    return _java_random_double(_trunc(seed))


def _host_uuid(flags: list[bool]) -> Any:
    """``$uuid()``: a version 4 UUID from the execution's seeded source."""
    return str(uuid.UUID(int=_env().rng.getrandbits(128), version=4))


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _parse_int(text: str) -> int | float:
    value = int(text)
    return value if -(2**63) <= value < 2**63 else float(value)  # exact while it fits in a long, as on AWS


def _parse_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError("number out of range")
    return value


_DECODER: Final = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_reject_constant
)


def _host_parse(flags: list[bool], text: Any = None) -> Any:
    """``$parse(jsonString)``: the JSON value a string holds (the replacement for ``$eval``)."""
    if not flags[0]:
        return _UNDEF
    if not isinstance(text, str):
        raise _signature(1, "parse")
    try:
        return _DECODER.decode(text)
    except (ValueError, RecursionError):
        raise _HostError("D3137: Invalid JSON") from None


def _removed_eval(*args: Any) -> Any:
    """AWS removed ``$eval``: calling it is calling a variable that holds no function."""
    raise _HostError("T1006: Attempted to invoke a non-function")


# JavaScript's encodeURIComponent leaves these unescaped; encodeURI also leaves the URI's reserved characters.
_URI_UNRESERVED: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()")
_URI_RESERVED: Final = frozenset(";/?:@&=+$,#")


def _malformed(name: str, value: str) -> _HostError:
    return _HostError(f"D3140: Malformed URL passed to ${name}(): {value}")


def _encode_uri(name: str, text: str, keep: frozenset[str]) -> str:
    if keep.issuperset(text):  # the common case (an id, a path): nothing to escape
        return text
    out: list[str] = []
    for ch in text:
        if ch in keep:
            out.append(ch)
            continue
        try:
            raw = ch.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: JavaScript's URIError
            raise _malformed(name, text) from None
        out.append("".join(f"%{b:02X}" for b in raw))
    return "".join(out)


_HEX: Final = frozenset("0123456789abcdefABCDEF")


def _decode_uri(name: str, text: str, reserved: frozenset[str]) -> str:
    """JavaScript's decodeURIComponent (``reserved`` empty) or decodeURI (escapes of reserved characters kept)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        start = i
        raw = bytearray()
        while True:
            pair = text[i + 1 : i + 3]
            if len(pair) != 2 or not set(pair) <= _HEX:
                raise _malformed(name, text)
            raw.append(int(pair, 16))
            i += 3
            lead = raw[0]
            need = (
                1
                if lead < 0x80
                else 2
                if 0xC2 <= lead < 0xE0
                else 3
                if 0xE0 <= lead < 0xF0
                else 4
                if 0xF0 <= lead < 0xF5
                else 0
            )
            if need == 0:
                raise _malformed(name, text)
            if len(raw) == need:
                break
            if i >= n or text[i] != "%":
                raise _malformed(name, text)
        try:
            decoded = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise _malformed(name, text) from None
        out.append(text[start:i] if decoded in reserved else decoded)
    return "".join(out)


def _string_argument(name: str, flags: list[bool], value: Any) -> None:
    if flags[0] and not isinstance(value, str):
        raise _signature(1, name)


def _url_host(name: str, keep: frozenset[str] | None, reserved: frozenset[str]) -> Callable[..., Any]:
    def host(flags: list[bool], text: Any = None) -> Any:
        _string_argument(name, flags, text)
        if not flags[0]:
            return _UNDEF
        if keep is not None:
            return _encode_uri(name, text, keep)
        return _decode_uri(name, text, reserved)

    return host


def _code_units(text: str) -> bytes:
    return text.encode("utf-16-le", "surrogatepass")


def _host_base64encode(flags: list[bool], text: Any = None) -> Any:
    """Node's ``Buffer.from(str, 'binary')``, which jsonata-js uses: each UTF-16 code unit's low byte."""
    _string_argument("base64encode", flags, text)
    if not flags[0]:
        return _UNDEF
    import base64

    return base64.b64encode(_code_units(text)[::2]).decode("ascii")


_B64: Final = re.compile(r"[^A-Za-z0-9+/\-_]")


def _host_base64decode(flags: list[bool], text: Any = None) -> Any:
    """Node's ``Buffer.from(str, 'base64').toString('binary')``: lenient about padding and stray characters,
    each byte one character (Latin-1)."""
    _string_argument("base64decode", flags, text)
    if not flags[0]:
        return _UNDEF
    import base64

    body = _B64.sub("", text.split("=", 1)[0]).replace("-", "+").replace("_", "/")
    body = body[: len(body) - (len(body) % 4 == 1)]  # a lone trailing sextet carries no byte
    return base64.b64decode(body + "=" * (-len(body) % 4)).decode("latin-1")


# -- numbers and strings as JavaScript writes them ------------------------------------------------------------


def _js_number(x: float) -> str:
    """JavaScript's ``Number.prototype.toString()`` of a finite double: the shortest digits that round-trip
    (as Python's repr), fixed notation from 1e-7 to 1e21, exponential (``1e+21``, ``1.5e-7``) outside."""
    if x == 0:
        return "0"
    text = repr(float(x))
    sign = "-" if text.startswith("-") else ""
    text = text.lstrip("-")
    mantissa, _, exp = text.partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac.rstrip("0")).lstrip("0") if frac != "0" else whole.lstrip("0")
    # the decimal exponent n: the value is 0.digits * 10**n
    point = len(whole) if whole != "0" else -(len(frac) - len(frac.lstrip("0")))
    n = point + (int(exp) if exp else 0)
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    head = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{head}e{'+' if e >= 0 else '-'}{abs(e)}"


def _precision15(x: Any) -> float:
    return float(f"{float(x):.15g}")


def _js_key_order(obj: Mapping[str, Any]) -> list[str]:
    """A JavaScript object's own key order: array indexes (canonical integers below 2**32 - 1) ascending, then
    the other keys in insertion order."""
    keys = list(obj)
    index = [k for k in keys if _is_index(k)]
    if not index:
        return keys
    return sorted(index, key=int) + [k for k in keys if not _is_index(k)]


def _is_index(key: Any) -> bool:
    return (
        isinstance(key, str)
        and key.isdigit()
        and key.isascii()
        and (key == "0" or key[0] != "0")
        and int(key) < 4_294_967_295
    )


def _stringify(value: Any, indent: str, level: str) -> str:
    """``JSON.stringify`` with jsonata-js's replacer: numbers to 15 significant digits, functions as ""."""
    if value is None or value is True or value is False:
        return "null" if value is None else ("true" if value else "false")
    if isinstance(value, (int, float)):
        number = _precision15(value)
        if not math.isfinite(number):  # jsonata-js refuses the arithmetic that made it
            raise _HostError("D1001: Number out of range")
        return _js_number(number)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    inner = level + indent
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        parts = [_stringify(v, indent, inner) for v in value]
    elif isinstance(value, Mapping):
        if not value:
            return "{}"
        colon = ": " if indent else ":"
        parts = [
            json.dumps(k, ensure_ascii=False) + colon + _stringify(value[k], indent, inner)
            for k in _js_key_order(value)
        ]
        if indent:
            return "{\n" + ",\n".join(inner + p for p in parts) + "\n" + level + "}"
        return "{" + ",".join(parts) + "}"
    else:
        return '""'
    if indent:
        return "[\n" + ",\n".join(inner + p for p in parts) + "\n" + level + "]"
    return "[" + ",".join(parts) + "]"


def _host_string(flags: list[bool], value: Any = None, pretty: Any = None) -> Any:
    """jsonata-js 2.0.6 ``$string``: strings as they are, numbers to 15 significant digits, anything else as
    ``JSON.stringify`` writes it (JavaScript's key order: integer-like keys first)."""
    if not flags[0]:
        return _UNDEF
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise _HostError("D3001: Attempting to invoke string function on Infinity or NaN")
        return _js_number(_precision15(value))
    return _stringify(value, "  " if flags[1] and pretty is True else "", "")


def _host_string_json(text: str, pretty: Any = None) -> str:
    """``$string`` of an object or array, from the engine's own JSON text of it (see _Compiled)."""
    return _stringify(json.loads(text), "  " if pretty is True else "", "")


def _delegate(program: str, bindings: dict[str, Any]) -> Any:
    """The engine's own built-in, for the cases it answers as jsonata-js does; undefined stays undefined."""
    text = compile_expression(program).evaluate_json_or_none(None, bindings)
    return _UNDEF if text is None else json.loads(text)


_JS_DECIMAL: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?\Z")
_JS_PREFIXED: Final = re.compile(r"^(0[xX][0-9A-Fa-f]+)|(0[oO][0-7]+)|(0[bB][0-1]+)$")


def _js_numeric(text: str) -> float:
    """JavaScript's ``Number(text)`` for the prefixed forms jsonata-js lets through (NaN when not one)."""
    body = text.strip(" \t\n\r\v\f\u00a0\ufeff")
    for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
        if body[:2].lower() == prefix:
            try:
                return float(int(body[2:], base))
            except ValueError:
                return math.nan
    return math.nan


def _whole(x: float) -> int | float:
    return int(x) if math.isfinite(x) and x.is_integer() and abs(x) < 2**53 else x


def _host_number(flags: list[bool], value: Any = None) -> Any:
    """jsonata-js 2.0.6 ``$number``: decimal text exactly (no spaces, no leading "+"), 0x/0o/0b text, booleans."""
    if flags[0] and not isinstance(value, (str, int, float)):
        raise _signature(1, "number")
    if not flags[0]:
        return _UNDEF
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        if _JS_DECIMAL.match(value):
            number = float(value)
            if math.isfinite(number):
                return _whole(number)
        elif _JS_PREFIXED.search(value):
            return _whole(_js_numeric(value))
    shown = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else _stringify(value, "", "")
    raise _HostError(f"D3030: Unable to cast value to a number: {shown}")


# jsonata-js 2.0.6 lets a timestamp through to JavaScript's Date.parse only when it matches this
_ISO8601: Final = re.compile(
    r"^\d{4}(-[01]\d)*(-[0-3]\d)*(T[0-2]\d:[0-5]\d:[0-5]\d)*(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?\Z"
)
# the forms V8's Date.parse reads as ECMAScript's date-time format
_ES_DATE: Final = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?\Z"
)


def _days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


# $toMillis's answers by timestamp: a workflow reads the same few timestamps (the context's EnteredTime and
# StartTime, an item's date) over and over, and the answer depends on the text alone
_DATE_CACHE: dict[str, int | float] = {}
_DATE_CACHE_SIZE: Final = 4096


def _date_parse(text: str) -> float:
    """V8's ``Date.parse`` of an ISO 8601 timestamp: a day past the month's end rolls over (2024-02-30 is
    March 1st), an impossible month, hour, minute or second is NaN; without an offset, UTC (AWS's zone)."""
    m = _ES_DATE.match(text)
    if not m:
        return math.nan
    year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    hour, minute, second = int(m.group(4) or 0), int(m.group(5) or 0), int(m.group(6) or 0)
    millis = int((m.group(7) or "0")[:3].ljust(3, "0"))
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 24 and minute <= 59 and second <= 59):
        return math.nan
    if hour == 24 and (minute or second or millis):
        return math.nan
    total = (((_days_from_civil(year, month, 1) + day - 1) * 24 + hour) * 60 + minute) * 60_000 + second * 1000
    zone = m.group(8)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        total -= sign * (int(digits[:2]) * 60 + int(digits[2:])) * 60_000
    return float(total + millis)


def _host_to_millis(flags: list[bool], stamp: Any = None, picture: Any = None) -> Any:
    """jsonata-js 2.0.6 ``$toMillis``: without a picture, its ISO 8601 check then JavaScript's Date.parse;
    with one, the engine's own picture parser."""
    _string_argument("toMillis", flags, stamp)
    if flags[1] and not isinstance(picture, str):
        raise _signature(2, "toMillis")
    if not flags[0]:
        return _UNDEF
    if flags[1]:
        return _delegate("$toMillis($t, $p)", {"t": stamp, "p": picture})
    millis = _DATE_CACHE.get(stamp)
    if millis is None:
        if not _ISO8601.match(stamp):
            raise _HostError(
                f"D3110: The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given {stamp}"
            )
        if len(_DATE_CACHE) >= _DATE_CACHE_SIZE:
            _DATE_CACHE.clear()
        millis = _DATE_CACHE[stamp] = _whole(_date_parse(stamp))
    return millis


def _host_from_millis(flags: list[bool], ms: Any = None, picture: Any = None, zone: Any = None) -> Any:
    """jsonata-js 2.0.6 ``$fromMillis``: JavaScript's Date takes whole milliseconds (a fraction is cut off)."""
    if flags[0] and not _is_number(ms):
        raise _signature(1, "fromMillis")
    for index in (1, 2):
        if flags[index] and not isinstance((picture, zone)[index - 1], str):
            raise _signature(index + 1, "fromMillis")
    if not flags[0]:
        return _UNDEF
    bindings: dict[str, Any] = {"ms": _trunc(ms) if isinstance(ms, float) and math.isfinite(ms) else ms}
    if flags[1]:
        bindings["p"] = picture
    if flags[2]:
        bindings["t"] = zone
    return _delegate("$fromMillis($ms, $p, $t)", bindings)


# -- regular expressions the engine cannot run (look-behind, back-references), on Python's re ---------------------


# JavaScript's \s (WhiteSpace and LineTerminator), line terminators, \w and \d, as Python character-class text
_JS_SPACE: Final = "\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
_JS_CLASSES: Final = {"s": _JS_SPACE, "w": "A-Za-z0-9_", "d": "0-9"}
_JS_LINE_END: Final = "\\n\\r\\u2028\\u2029"


def _python_regex_body(body: str, multiline: bool) -> str:
    """A JavaScript (non-Unicode-mode) pattern as Python's ``re`` reads it: ASCII \\w/\\d/\b, JavaScript's
    \\s, ``.`` and ``^``/``$`` with all four line terminators, named groups and their back-references."""
    out: list[str] = []
    i, n, in_class = 0, len(body), False
    while i < n:
        ch = body[i]
        if ch == "\\" and i + 1 < n:
            nxt = body[i + 1]
            if nxt in _JS_CLASSES:
                out.append(_JS_CLASSES[nxt] if in_class else f"[{_JS_CLASSES[nxt]}]")
            elif nxt.lower() in _JS_CLASSES and not in_class:
                out.append(f"[^{_JS_CLASSES[nxt.lower()]}]")
            elif nxt in "bB" and not in_class:
                out.append(f"(?a:\\{nxt})")
            elif nxt == "k" and body.startswith("<", i + 2) and ">" in body[i + 3 :]:
                end = body.index(">", i + 3)
                out.append(f"(?P={body[i + 3 : end]})")
                i = end + 1
                continue
            else:
                out.append(body[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
            out.append(ch)
        elif ch == "[":
            in_class = True
            out.append(ch)
            if body.startswith("^", i + 1):  # a leading ^ or ] belongs to the class
                out.append("^")
                i += 1
            if body.startswith("]", i + 1):
                out.append("\\]")
                i += 1
        elif ch == ".":
            out.append(f"[^{_JS_LINE_END}]")
        elif ch == "$":
            out.append(f"(?=[{_JS_LINE_END}]|\\Z)" if multiline else "\\Z")
        elif ch == "^":
            out.append(f"(?<![^{_JS_LINE_END}])" if multiline else "\\A")
        elif ch == "(" and body.startswith("?<", i + 1) and body[i + 3 : i + 4] not in ("=", "!"):
            out.append("(?P<")
            i += 3
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


_EMPTY_FREE: dict[re.Pattern[str], bool] = {}
_SOLID_ESCAPES: Final = frozenset("sSdDwWtnrfv")
_BRACES: Final = re.compile(r"\{(\d*)(?:,\d*)?\}")


def _never_empty(rx: re.Pattern[str]) -> bool:
    """Whether ``rx`` certainly never matches the empty string: a top-level sequence (no ``|``) holding an atom
    that must match a character (a literal, a class, ``.``, ``\\s``...) without a quantifier allowing none.
    False when unsure (groups count as possibly empty)."""
    known = _EMPTY_FREE.get(rx)
    if known is None:
        if len(_EMPTY_FREE) >= 1024:
            _EMPTY_FREE.clear()
        known = _EMPTY_FREE[rx] = _solid(rx.pattern)
    return known


def _solid(body: str) -> bool:
    i, n, solid = 0, len(body), False
    while i < n:
        ch = body[i]
        atom = True
        if ch == "|":
            return False
        if ch == "\\" and i + 1 < n:
            nxt = body[i + 1]
            if nxt in "ux":  # \uXXXX, \xXX: one character
                i += 6 if nxt == "u" else 4
            elif nxt.isdigit():  # a back-reference (or octal): may be empty
                atom = False
                i += 2
                while i < n and body[i].isdigit():
                    i += 1
            elif nxt in "bBAZ":  # zero width
                atom = False
                i += 2
            elif nxt.isalnum() and nxt not in _SOLID_ESCAPES:
                return False  # unsure
            else:
                i += 2
        elif ch == "[":
            j = i + 1
            if body.startswith("^", j):
                j += 1
            if body.startswith("]", j):
                j += 1
            while j < n and body[j] != "]":
                j += 2 if body[j] == "\\" else 1
            i = j + 1
        elif ch == "(":
            depth, j = 0, i
            while j < n:
                if body[j] == "\\":
                    j += 2
                    continue
                if body[j] == "[":  # a class may hold parentheses
                    j += 1
                    while j < n and body[j] != "]":
                        j += 2 if body[j] == "\\" else 1
                elif body[j] == "(":
                    depth += 1
                elif body[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            atom = False
            i = j + 1
        else:
            atom = ch not in "^$"
            i += 1
        quantifier = body[i : i + 1]
        if quantifier in ("*", "?"):
            atom = False
        if quantifier in ("*", "+", "?"):
            i += 1
        elif quantifier == "{":
            m = _BRACES.match(body, i)
            if m is None:
                return False  # a literal brace: unsure
            atom = atom and int(m.group(1) or 0) > 0
            i = m.end()
        if body[i : i + 1] == "?":  # a lazy quantifier
            i += 1
        solid = solid or atom
    return solid


def _pattern(pattern: str | re.Pattern[str]) -> re.Pattern[str]:
    """A regular expression host's pattern: compiled already (a direct call, see _direct_calls), or marked."""
    return pattern if isinstance(pattern, re.Pattern) else _python_regex(pattern)


@functools.lru_cache(maxsize=1024)
def _python_regex(marked: str) -> re.Pattern[str]:
    flags_text, _, body = marked[len(_REGEX_MARK) :].partition(":")
    flags = re.IGNORECASE if "i" in flags_text else 0
    try:
        return re.compile(_python_regex_body(body, "m" in flags_text), flags)
    except re.error as e:
        raise _HostError(f"S0302: the regular expression /{body}/ is not valid: {e}") from None


def _js_matches(rx: re.Pattern[str], text: str, limit: Any) -> list[re.Match[str]]:
    """jsonata-js's matcher loop: from each match's end on; an empty match after the first is D1004."""
    out: list[re.Match[str]] = []
    m = rx.search(text, 0)
    while m is not None and (limit is None or len(out) < limit):
        out.append(m)
        if m.end() >= len(text):
            break
        m = rx.search(text, m.end())
        if m is not None and m.group(0) == "":
            raise _HostError("D1004: Regular expression matches zero length string")
    return out


def _regex_limit(limit_given: bool, limit: Any, code: str, index: int, name: str) -> Any:
    if not limit_given:
        return None
    if not _is_number(limit):
        raise _signature(index, name)
    if limit < 0:
        raise _HostError(
            f"{code}: Fourth argument of replace function must evaluate to a positive number"
            if name == "replace"
            else f"{code}: Third argument of {name} function must evaluate to a positive number"
        )
    return int(limit)


def _match_object(m: re.Match[str]) -> dict[str, Any]:
    return {"match": m.group(0), "index": m.start(), "groups": list(m.groups())}


def _host_re_match(flags: list[bool], text: Any = None, pattern: Any = None, limit: Any = None) -> Any:
    if not flags[0]:
        return _UNDEF
    _string_argument("match", flags, text)
    found = [
        _match_object(m)
        for m in _js_matches(_pattern(pattern), text, _regex_limit(flags[2], limit, "D3040", 3, "match"))
    ]
    return _UNDEF if not found else found[0] if len(found) == 1 else found


def _host_re_contains(flags: list[bool], text: Any = None, pattern: Any = None) -> Any:
    if not flags[0]:
        return _UNDEF
    _string_argument("contains", flags, text)
    return _pattern(pattern).search(text) is not None


def _host_re_split(flags: list[bool], text: Any = None, pattern: Any = None, limit: Any = None) -> Any:
    if not flags[0]:
        return _UNDEF
    _string_argument("split", flags, text)
    bound = _regex_limit(flags[2], limit, "D3020", 3, "split")
    if bound == 0:
        return []
    matches = _js_matches(_pattern(pattern), text, bound)
    out, start = [], 0
    for m in matches:
        out.append(text[start : m.start()])
        start = m.end()
    if bound is None or len(matches) < bound:
        out.append(text[start:])
    return out


_LEADING_DIGITS: Final = re.compile(r"[0-9]+")


def _parse_int_prefix(text: str) -> int | None:
    """JavaScript's ``parseInt(text, 10)`` of a replacement's digits: the leading digits, or NaN (None)."""
    m = _LEADING_DIGITS.match(text)
    return int(m.group(0)) if m else None


def _substitute(replacement: str, m: re.Match[str]) -> str:
    """jsonata-js's ``$`` references in a replacement: ``$$``, ``$0``, ``$n`` (as many digits as groups need)."""
    groups = m.groups()
    out, position = [], 0
    index = replacement.find("$")
    while index != -1 and position < len(replacement):
        out.append(replacement[position:index])
        position = index + 1
        following = replacement[position : position + 1]
        if following == "$":
            out.append("$")
            position += 1
        elif following == "0":
            out.append(m.group(0))
            position += 1
        else:
            digits = 1 if not groups else int(math.log10(len(groups))) + 1
            number = _parse_int_prefix(replacement[position : position + digits])
            if digits > 1 and number is not None and number > len(groups):
                number = _parse_int_prefix(replacement[position : position + digits - 1])
            if number is not None:
                if groups and 0 < number <= len(groups) and groups[number - 1] is not None:
                    out.append(groups[number - 1])
                position += len(str(number))
            else:
                out.append("$")
        index = replacement.find("$", position)
    out.append(replacement[position:])
    return "".join(out)


def _host_re_replace(
    flags: list[bool], text: Any = None, pattern: Any = None, repl: Any = None, limit: Any = None
) -> Any:
    if not flags[0]:
        return _UNDEF
    _string_argument("replace", flags, text)
    if not isinstance(repl, str):
        raise _signature(3, "replace")
    bound = _regex_limit(flags[3], limit, "D3011", 4, "replace")
    rx = _pattern(pattern)
    if bound is None and "$" not in repl and _never_empty(rx):
        # no match can be empty: re's loop is jsonata-js's, and the replacement is literal text
        return rx.sub(repl.replace("\\", "\\\\"), text)
    if bound is None and "$" not in repl:
        # the common case (no limit, a literal replacement): re's own loop finds the same matches as
        # jsonata-js's while none is empty; an empty one (D1004, or the end of the text) takes the exact loop
        empty = False

        def literal(m: re.Match[str]) -> str:
            nonlocal empty
            empty = empty or m.start() == m.end()
            return repl

        replaced = rx.sub(literal, text)
        if not empty:
            return replaced
    out, position = [], 0
    for m in _js_matches(rx, text, bound):
        out.append(text[position : m.start()])
        out.append(_substitute(repl, m))
        position = m.end()
    out.append(text[position:])
    return "".join(out)


_REGEX_HOSTS: Final[Mapping[str, Callable[..., Any]]] = {
    "match": _host_re_match,
    "contains": _host_re_contains,
    "split": _host_re_split,
    "replace": _host_re_replace,
}


#: the one-argument replacements whose host returns undefined only for a missing argument
_DEFINED_WHEN_GIVEN: Final = frozenset(
    {"encodeUrl", "encodeUrlComponent", "decodeUrl", "decodeUrlComponent", "base64encode", "base64decode"}
)

_REPLACEMENTS: Final[Mapping[str, Callable[..., Any]]] = {
    "encodeUrl": _url_host("encodeUrl", _URI_UNRESERVED | _URI_RESERVED, frozenset()),
    "encodeUrlComponent": _url_host("encodeUrlComponent", _URI_UNRESERVED, frozenset()),
    "decodeUrl": _url_host("decodeUrl", None, _URI_RESERVED),
    "decodeUrlComponent": _url_host("decodeUrlComponent", None, frozenset()),
    "base64encode": _host_base64encode,
    "base64decode": _host_base64decode,
    "string": _host_string,
    "number": _host_number,
    "toMillis": _host_to_millis,
    "fromMillis": _host_from_millis,
}


# -- direct calls: a replaced built-in called by name goes straight to its Python host -----------------------------
# Through the JSONata lambda that stands in for the built-in, a call costs 15-40 µs in the engine (the lambda's
# frame, the list of which arguments exist, the undefined check; for a regular expression the marker test too).
# A call written out in the expression (``$encodeUrlComponent(x)``, ``$replace(s, /re/, 'r')``) is instead
# rewritten at compile time into a call of a host made for that call site: its arguments go in as one object
# (``{"a": x}``: JSONata leaves an undefined value out of an object, so the host still tells undefined from null),
# a regular expression literal is bound to the host already compiled (never passed, never re-translated), and
# the answer comes back as ``{"v": answer}`` (``.v`` of ``{}`` is undefined) or, for the hosts answering arrays,
# through the undefined marker. About 5 µs a call.

#: the hosts answering a string, number or boolean (or undefined); $match and $split answer arrays
_DIRECT_SCALAR: Final = frozenset({*_DEFINED_WHEN_GIVEN, "number", "toMillis", "fromMillis", "replace", "contains"})
#: $string stays behind its stand-in: a function argument reaches a host as null, and jsonata-js writes ""
_DIRECT_HOSTS: Final = frozenset(_REPLACEMENTS.keys() - {"string"})
_REGEX_KEYS: Final = ("a", "c", "d", "e", "f", "g", "h")


def _context_free(toks: list[tuple[str, str]]) -> bool:
    """Whether these argument tokens certainly never read the call's context directly (``$``, a parent step, a
    wildcard, a context-defaulted built-in): inside an object constructor the context of an argument is the
    group of items, not the call's input, and the two differ only for an expression that reads it whole."""
    for n, (kind, value) in enumerate(toks):
        prev = toks[n - 1] if n else None
        after_value = prev is not None and (prev[0] in _VALUE_END or (prev[0] == "op" and prev[1] in ")]}"))
        if kind == "var" and value == "":
            return False
        if kind == "op" and (value in ("%", "@", "#", "**") or (value == "*" and not after_value)):
            return False
        if (
            kind == "var"
            and value in _CONTEXT_DEFAULTED
            and toks[n + 1 : n + 2] == [("op", "(")]
            and _call_arguments(toks, n + 1) < _CONTEXT_DEFAULTED[value]
        ):
            return False
    return True


def _arguments(toks: list[tuple[str, str]], open_at: int) -> tuple[int, list[tuple[int, int]]]:
    """The index of the ")" closing the call whose "(" is at ``open_at``, and each argument's token range."""
    depth, first, spans = 0, open_at + 1, []
    for i in range(open_at, len(toks)):
        kind, value = toks[i]
        if kind != "op":
            continue
        if value in ("(", "[", "{"):
            depth += 1
        elif value in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                if i > first:
                    spans.append((first, i))
                return i, spans
        elif value == "," and depth == 1:
            spans.append((first, i))
            first = i + 1
    return -1, spans


def _direct_calls(
    expr: str, names: frozenset[str], bound: frozenset[str] = frozenset()
) -> tuple[str, list[Callable[..., Any]]]:
    """``expr`` with each direct call of a built-in in ``names`` (and each regular expression call with a
    literal pattern) rewritten to a call site host ``$__sfn_dN``, and those hosts, in order. A workflow variable
    in ``bound`` hides the built-in of its name, as JSONata's own bindings do."""
    hosts: list[Callable[..., Any]] = []
    return _rewrite_calls(expr, names, hosts, bound), hosts


def _rewrite_calls(
    expr: str, names: frozenset[str], hosts: list[Callable[..., Any]], bound: frozenset[str] = frozenset()
) -> str:
    starts: list[int] = []
    try:
        toks = _tokens(expr, starts=starts)
    except _ScanError:
        return expr
    candidates = names | _REGEX_FUNCTIONS.keys() | _ORDER_HOSTS.keys() | _REPLACED.keys()
    # a name the expression binds or passes as a value (``$replace := ...``, ``function($string)``, ``$map(x,
    # $string)``) keeps its stand-in everywhere: the direct call would bypass the user's own function
    held = bound | {v for n, (k, v) in enumerate(toks) if k == "var" and toks[n + 1 : n + 2] != [("op", "(")]}
    out: list[str] = []
    last, n = 0, 0
    while n < len(toks):
        kind, name = toks[n]
        if kind != "var" or name not in candidates or name in held or (n and toks[n - 1] == ("op", "~>")):
            n += 1
            continue
        close, spans = _arguments(toks, n + 1)
        call = _call_site(name, toks, spans, names) if close > 0 else None
        if call is None:
            n += 1
            continue
        host, keys, literal_at, scalar = call
        texts = [_rewrite_calls(expr[starts[lo] : starts[hi]], names, hosts, bound) for lo, hi in spans]
        label = f"__sfn_d{len(hosts)}"
        hosts.append(host)
        out.append(expr[last : starts[n]])
        if name == "string" and host is _host_pretty_flag:
            # the stand-in ignores a second argument that is no boolean (what $map passes it); written out, it
            # meets the 2.0.6 signature <x-b?:s> (T0410)
            out.append(f'$string({texts[0]}, (${label}({{"b": {texts[1]}}}).v))')
            last = starts[close] + 1
            n = close + 1
            continue
        if name in _ORDER_HOSTS and name != "keys":
            # only the object is the host's (put in JavaScript's key order); the engine's built-in does the rest
            # (a function, which would reach the host as null, passes by)
            reordered = (
                f'($__sfn_t := {texts[0]}; $type($__sfn_t) in ["object", "array"] ? ${label}($__sfn_t) : $__sfn_t)'
            )
            out.append(f"${name}({', '.join([reordered, *texts[1:]])})")
            last = starts[close] + 1
            n = close + 1
            continue
        values = [t for i, t in enumerate(texts) if i != literal_at]
        argument = "{" + ", ".join(f'"{k}": {t}' for k, t in zip(keys, values, strict=True)) + "}"
        if scalar:
            out.append(f"(${label}({argument}).v)")
        else:
            out.append(f'(($__sfn_r := ${label}({argument}); $__sfn_r = "{_js(_UNDEF)}" ? $__sfn_nothing : $__sfn_r))')
        last = starts[close] + 1
        n = close + 1
    out.append(expr[last:])
    return "".join(out)


def _call_site(
    name: str, toks: list[tuple[str, str]], spans: list[tuple[int, int]], names: frozenset[str]
) -> tuple[Callable[..., Any], tuple[str, ...], int, bool] | None:
    """The host for one call, the keys its arguments go under, the index of the argument bound at compile time
    (a regular expression literal; -1 for none), and whether it answers a scalar; None to leave the call to the
    engine and the stand-in."""
    if any(hi - lo == 1 and toks[lo] == ("op", "?") for lo, hi in spans):
        return None  # a partial application
    if not all(_context_free(toks[lo:hi]) for lo, hi in spans):
        return None
    count = len(spans)
    if name in _REGEX_FUNCTIONS:
        if count < 2 or spans[1][1] - spans[1][0] != 1 or toks[spans[1][0]][0] != "regex":
            return None
        if name == "replace" and (count < 3 or spans[2][1] - spans[2][0] != 1 or toks[spans[2][0]][0] != "str"):
            return None  # a function as the replacement calls back into the engine: the engine's own $replace
        literal = toks[spans[1][0]][1]
        body, _, flags = literal[1:].rpartition("/")
        keys = _REGEX_KEYS[: count - 1]
        return _regex_site(name, f"{_REGEX_MARK}{flags}:{body}", count), keys, 1, name in _DIRECT_SCALAR
    if count < _CONTEXT_DEFAULTED.get(name, 0):
        return None  # too few arguments: the built-in (or its stand-in, _with_context) takes the context
    keys = tuple("abcdefgh"[:count])
    if name in _ORDER_HOSTS:
        params = _ORDER_HOSTS[name]
        if count > params:
            return _too_many(name, params), keys, -1, True
        return (_host_keys if name == "keys" else _host_reorder), keys, -1, name == "keys"
    if name in _REPLACED and count > _REPLACED[name][0]:
        return _too_many(name, _REPLACED[name][0]), keys, -1, True
    if name == "string" and count == 2:
        return _host_pretty_flag, keys, -1, True
    if name not in names or name not in _DIRECT_HOSTS:
        return None
    return _host_site(name, count), keys, -1, name in _DIRECT_SCALAR


def _too_many(name: str, params: int) -> Callable[..., Any]:
    def site(arguments: dict[str, Any]) -> Any:
        raise _signature(params + 1, name)  # jsonata-js's signature check: one argument more than it takes

    return site


def _host_site(name: str, count: int) -> Callable[..., Any]:
    host = _REPLACEMENTS[name]
    params = _REPLACED[name][0]
    if count > params:
        return _too_many(name, params)
    if params == 1:  # these answer undefined exactly when the argument is missing

        def one(arguments: dict[str, Any]) -> Any:
            if "a" not in arguments:
                return _NOTHING
            return {"v": host(_GIVEN, arguments["a"])}

        return one
    if count == 1:  # $toMillis(t), $fromMillis(ms): the other parameters are never given
        given, missing = [True] + [False] * (params - 1), [False] * params

        def first(arguments: dict[str, Any]) -> Any:
            answer = host(given, arguments["a"]) if "a" in arguments else host(missing)
            return _NOTHING if type(answer) is str and answer == _UNDEF else {"v": answer}

        return first
    keys = "abc"[:params]

    def site(arguments: dict[str, Any]) -> Any:
        answer = host([k in arguments for k in keys], *[arguments.get(k) for k in keys])
        return _NOTHING if type(answer) is str and answer == _UNDEF else {"v": answer}

    return site


def _regex_site(name: str, marked: str, count: int) -> Callable[..., Any]:
    params = _REGEX_FUNCTIONS[name]
    if count > params:
        return _too_many(name, params)
    host = _REGEX_HOSTS[name]
    pattern: str | re.Pattern[str]
    try:
        pattern = _python_regex(marked)  # compiled once, with the expression
    except _HostError:
        pattern = marked  # the host raises the error when the call runs, as the engine would
    keys = (_REGEX_KEYS[0], None, *_REGEX_KEYS[1 : params - 1])  # None: the pattern's place
    scalar = name in _DIRECT_SCALAR

    def site(arguments: dict[str, Any]) -> Any:
        present = [k is None or k in arguments for k in keys]
        answer = host(present, *[pattern if k is None else arguments.get(k) for k in keys])
        if scalar:
            return _NOTHING if type(answer) is str and answer == _UNDEF else {"v": answer}
        return answer

    return site


#: built-ins that make an order out of an object's keys, with the parameters each takes: jsonata-js lists an
#: object's integer-like keys first (a JavaScript object), the engine in insertion order, and an object the
#: expression builds itself (``$keys({'b': 1, '2': 2})``) was never put in JavaScript's order on the way in
_ORDER_HOSTS: Final[Mapping[str, int]] = {"keys": 1, "each": 2, "spread": 1}


def _host_keys(arguments: dict[str, Any]) -> Any:
    """jsonata-js 2.0.6 ``$keys``: an object's keys, or the distinct keys of an array's objects, in JavaScript's
    order (the merged keys of an array form one JavaScript object too); a sequence: one key is a string, none
    is undefined."""
    if "a" not in arguments:
        return _NOTHING
    value = arguments["a"]
    if type(value) is list:
        merged: dict[str, None] = {}
        for item in value:
            if type(item) is dict:
                merged.update(dict.fromkeys(item))
        keys = _js_key_order(merged)
    elif type(value) is dict:
        keys = _js_key_order(value)
    else:
        keys = []
    if not keys:
        return _NOTHING
    return {"v": keys[0] if len(keys) == 1 else keys}


def _host_pretty_flag(arguments: dict[str, Any]) -> Any:
    """``$string``'s second argument, which its signature wants a boolean."""
    if "b" not in arguments:
        return _NOTHING
    if type(arguments["b"]) is not bool:
        raise _signature(2, "string")
    return {"v": arguments["b"]}


def _host_reorder(value: Any) -> Any:
    """An object or array in JavaScript's key order (itself when it is in that order already)."""
    return _js_ordered(value)


_GIVEN: Final = [True]
_NOTHING: Final[dict[str, Any]] = {}


# -- a Python fast path for the simplest expressions --------------------------------------------------------------
# Most Step Functions expressions are a few plain paths, literals and host calls joined by "&" or arithmetic
# (``$base & '/orders/' & $encodeUrlComponent($states.input.orderId)``, ``$toMillis(a) - $toMillis(b)``). Such an
# expression is planned at compile time into Python closures: the paths navigated as _navigate does, the hosts
# called directly, "&" and arithmetic as jsonata-js defines them. Anything off the plan's narrow road (an array
# on a path, a value of an unexpected type, an error, a non-finite or huge number) hands the evaluation to the
# engine (_Bail), which answers it exactly; the plan only ever answers what the engine would.


class _Bail(Exception):
    """The fast plan cannot answer this evaluation: the engine does."""


_FastTerm = Callable[[Mapping[str, Any], "Mapping[str, Any] | None"], Any]
_FAST_BINARY: Final[Mapping[str, int]] = {"&": 50, "+": 50, "-": 50, "*": 60, "/": 60}
_SAFE_WHOLE: Final = 2**53


@dataclass(frozen=True, slots=True)
class _FastNames:
    replaced: frozenset[str]  # the replaced built-ins the expression names
    bound: frozenset[str]  # the workflow variables bound for it


def _fast_plan(expr: str, names: frozenset[str], bound: frozenset[str]) -> _FastTerm | None:
    """The fast plan of ``expr``, or None when it is not that simple. ``names``: the replaced built-ins it
    names; ``bound``: the workflow variables bound for it (one named like a built-in hides it)."""
    try:
        toks = _tokens(expr)
    except _ScanError:
        return None
    if not toks or len(toks) > 64:
        return None
    try:
        term, end = _fast_expression(toks, 0, 0, _FastNames(names, bound))
    except _Bail:
        return None
    return term if end == len(toks) else None


def _fast_expression(toks: list[tuple[str, str]], at: int, bp: int, names: _FastNames) -> tuple[_FastTerm, int]:
    left, at = _fast_operand(toks, at, names)
    while at < len(toks) and toks[at][0] == "op" and _FAST_BINARY.get(toks[at][1], 0) > bp:
        op = toks[at][1]
        right, at = _fast_expression(toks, at + 1, _FAST_BINARY[op], names)
        left = _fast_concat(left, right) if op == "&" else _fast_arithmetic(op, left, right)
    return left, at


def _fast_operand(toks: list[tuple[str, str]], at: int, names: _FastNames) -> tuple[_FastTerm, int]:
    if at >= len(toks):
        raise _Bail
    kind, value = toks[at]
    if kind == "str":
        if "\\" in value:
            raise _Bail  # an escape: the engine reads it
        return (lambda states, variables: value), at + 1
    if kind == "num":
        if not value.isdigit():
            raise _Bail
        number = int(value)
        return (lambda states, variables: number), at + 1
    if (kind, value) == ("op", "{"):
        return _fast_object(toks, at, names)
    if kind != "var" or value in ("", "$"):
        raise _Bail
    if toks[at + 1 : at + 2] == [("op", "(")]:
        return _fast_call(toks, at, names)
    end = at + 1
    while end < len(toks):
        if toks[end] == ("op", ".") and toks[end + 1 : end + 2] and toks[end + 1][0] == "name":
            end += 2
        elif toks[end] == ("op", "[") and [k for k, _ in toks[end + 1 : end + 3]] == ["num", "op"]:
            end += 3
        elif toks[end] == ("op", "[") and [k for k, _ in toks[end + 1 : end + 4]] == ["op", "num", "op"]:
            end += 4
        else:
            break
    path = _plain_path(toks[at:end])
    if path is None:
        raise _Bail
    walk = _navigator(path)

    def navigate(states: Mapping[str, Any], variables: Mapping[str, Any] | None) -> Any:
        found = walk(states, variables)
        if found is _MISSING:
            raise _Bail
        return found

    return navigate, end


def _fast_call(toks: list[tuple[str, str]], at: int, names: _FastNames) -> tuple[_FastTerm, int]:
    name = toks[at][1]
    close, spans = _arguments(toks, at + 1)
    if close < 0 or name in ("each", "spread") or name in names.bound:
        raise _Bail  # (a workflow variable of the name hides the built-in)
    if name == "count":
        if len(spans) != 1:
            raise _Bail
        counted = _fast_whole(toks, spans[0], names)

        def count(states: Mapping[str, Any], variables: Mapping[str, Any] | None) -> Any:
            value = counted(states, variables)  # jsonata-js: an array's length, one value 1, nothing 0
            return 0 if value is _UNDEF else len(value) if type(value) is list else 1

        return count, close + 1
    if name == "string":
        if len(spans) != 1:
            raise _Bail
        inner = _fast_whole(toks, spans[0], names)

        def string(states: Mapping[str, Any], variables: Mapping[str, Any] | None) -> Any:
            value = inner(states, variables)
            if type(value) is str or value is _UNDEF:
                return value
            return _fast_string(value)

        return string, close + 1
    site = _call_site(name, toks, spans, names.replaced)
    if site is None or site[0] is _host_pretty_flag:
        raise _Bail
    host, keys, literal_at, scalar = site
    parts = [_fast_whole(toks, span, names) for i, span in enumerate(spans) if i != literal_at]
    pairs = list(zip(keys, parts, strict=True))

    def call(states: Mapping[str, Any], variables: Mapping[str, Any] | None) -> Any:
        arguments = {}
        for key, part in pairs:
            value = part(states, variables)
            if value is not _UNDEF:
                arguments[key] = value
        try:
            answer = host(arguments)
        except _HostError:
            raise _Bail from None  # the engine raises it, worded and placed as every engine error
        if scalar:
            return answer["v"] if answer else _UNDEF
        return answer

    return call, close + 1


def _fast_object(toks: list[tuple[str, str]], at: int, names: _FastNames) -> tuple[_FastTerm, int]:
    """``{'key': value, ...}`` with literal keys: an undefined value leaves its key out, as in JSONata."""
    pairs: list[tuple[str, _FastTerm]] = []
    at += 1
    while toks[at : at + 1] != [("op", "}")]:
        if pairs:
            if toks[at : at + 1] != [("op", ",")]:
                raise _Bail
            at += 1
        if at + 1 >= len(toks) or toks[at][0] != "str" or "\\" in toks[at][1] or toks[at + 1] != ("op", ":"):
            raise _Bail
        key = toks[at][1]
        if any(key == known for known, _ in pairs):
            raise _Bail  # a duplicate key: the engine's D1009
        term, at = _fast_expression(toks, at + 2, 0, names)
        pairs.append((key, term))
        if at >= len(toks):
            raise _Bail

    def build(states: Mapping[str, Any], variables: Mapping[str, Any] | None) -> Any:
        out = {}
        for key, term in pairs:
            value = term(states, variables)
            kind = type(value)
            if kind is float and value.is_integer() and -_SAFE_WHOLE < value < _SAFE_WHOLE:
                value = int(value)  # the engine's answer holds a whole number as an integer
            elif kind is dict or kind is list:
                raise _Bail  # data copied into the answer: the engine's copy, whole numbers and all
            if value is not _UNDEF:
                out[key] = value
        return out

    return build, at + 1


def _fast_whole(toks: list[tuple[str, str]], span: tuple[int, int], names: _FastNames) -> _FastTerm:
    lo, hi = span
    term, end = _fast_expression(toks[:hi], lo, 0, names)
    if end != hi:
        raise _Bail
    return term


def _fast_string(value: Any) -> str:
    """``$string`` / the text "&" makes of a value from the data (JSON: no functions)."""
    if value is None or value is True or value is False:
        return "null" if value is None else ("true" if value else "false")
    if type(value) is int and -_EXACT_INT < value < _EXACT_INT:
        return str(value)  # 15 digits at most: exact, and written as JavaScript writes it
    if type(value) is int or type(value) is float:
        if not math.isfinite(value):
            raise _Bail
        return _js_number(_precision15(value))
    try:
        return _stringify(value, "", "")
    except _HostError:
        raise _Bail from None


_EXACT_INT: Final = 10**15


class _Concat:
    """``a & b & c``: one string of the parts' texts (undefined is "")."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[_FastTerm]) -> None:
        self.parts = parts

    def __call__(self, states: Mapping[str, Any], variables: Mapping[str, Any] | None) -> Any:
        out = []
        for part in self.parts:
            value = part(states, variables)
            if type(value) is str:
                if value is not _UNDEF:
                    out.append(value)
            else:
                out.append(_fast_string(value))
        return "".join(out)


def _fast_concat(left: _FastTerm, right: _FastTerm) -> _FastTerm:
    parts = left.parts if isinstance(left, _Concat) else [left]  # left-associative: a chain grows on the left
    return _Concat([*parts, right])


def _fast_arithmetic(op: str, left: _FastTerm, right: _FastTerm) -> _FastTerm:
    def arithmetic(states: Mapping[str, Any], variables: Mapping[str, Any] | None) -> Any:
        a, b = left(states, variables), right(states, variables)
        if not (
            (type(a) is int or type(a) is float or a is _UNDEF) and (type(b) is int or type(b) is float or b is _UNDEF)
        ):
            raise _Bail  # a string, boolean, null...: the engine's T2001/T2002
        if a is _UNDEF or b is _UNDEF:
            return _UNDEF
        x, y = float(a), float(b)
        if op == "+":
            r = x + y
        elif op == "-":
            r = x - y
        elif op == "*":
            r = x * y
        elif y == 0:
            raise _Bail
        else:
            r = x / y
        if not math.isfinite(r) or abs(r) >= _SAFE_WHOLE or abs(x) >= _SAFE_WHOLE or abs(y) >= _SAFE_WHOLE:
            raise _Bail
        return int(r) if r.is_integer() else r

    return arithmetic


_EPOCH: Final = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


def _override_millis(*args: Any) -> Any:
    if args:  # jsonata-js 2.0.6 defines $millis with the signature <:n>
        raise _signature(1, "millis")
    return _env().now_ms


def _override_now(picture: Any = None, timezone: Any = None, *rest: Any) -> Any:
    """``$now()`` from the virtual clock: the same instant for the whole evaluation, as in JSONata."""
    ms = _env().now_ms
    if picture is None and timezone is None:
        stamp = _EPOCH + _dt.timedelta(milliseconds=ms)
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
    bindings: dict[str, Any] = {"ms": ms}
    if picture is not None:
        bindings["p"] = picture
    if timezone is not None:
        bindings["t"] = timezone
    return compile_expression("$fromMillis($ms, $p, $t)").evaluate(None, bindings)


_HOSTS: Final[Mapping[str, Callable[..., Any]]] = {
    "partition": _host_partition,
    "range": _host_range,
    "hash": _host_hash,
    "random": _host_random,
    "uuid": _host_uuid,
    "parse": _host_parse,
}
_OVERRIDES: Final[Mapping[str, Callable[..., Any]]] = {
    "now": _override_now,
    "millis": _override_millis,
    "eval": _removed_eval,
}


# ---------------------------------------------------------------------------------------------------------------
# Engine messages, reworded as jsonata-js 2.0.6 (and so AWS) words them where the engine's text differs.
# ---------------------------------------------------------------------------------------------------------------

_ARRAY_OF: Final = {
    "Number": "numbers",
    "String": "strings",
    "Boolean": "booleans",
    "Object": "objects",
    "Array": "arrays",
    "Function": "functions",
}
_CALL = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def _called(expr: str) -> str | None:
    """The one function an expression calls, to name it in a signature error; None when there are several."""
    names = {m.group(1) for m in _CALL.finditer(expr)} - {"__sfn_r"}
    return next(iter(names)) if len(names) == 1 else None


def _function_ref(expr: str) -> str:
    name = _called(expr)
    return f'function "{name}"' if name else "function"


def _reword(code: str, msg: str, expr: str) -> str:
    if code == "T1006":
        return "Attempted to invoke a non-function"
    if code in ("T2001", "T2002"):
        m = re.match(r"The (left|right) side of the (\S+) operator must evaluate to a number", msg)
        if m:
            return f'The {m.group(1)} side of the "{m.group(2)}" operator must evaluate to a number'
    if code == "T0410":
        m = re.match(r"Argument (\d+) (?:must be|of function does not match)", msg)
        if m:
            return f"Argument {m.group(1)} of {_function_ref(expr)} does not match function signature"
        m = re.match(r"Argument count mismatch: expected (\d+), got (\d+)", msg)
        if m:
            expected, got = int(m.group(1)), int(m.group(2))
            index = expected + 1 if got > expected else got + 1
            return f"Argument {index} of {_function_ref(expr)} does not match function signature"
    if code == "T0412":
        m = re.match(r"Argument (\d+) (?:of function )?must be an array of (\w+)", msg)
        if m:
            kind = _ARRAY_OF.get(m.group(2), m.group(2).lower() + "s")
            return f'Argument {m.group(1)} of {_function_ref(expr)} must be an array of "{kind}"'
    if code == "T0411":
        m = re.search(r"argument (\d+)", msg)
        position = m.group(1) if m else "1"
        return f"Context value is not a compatible type with argument {position} of {_function_ref(expr)}"
    if code == "T2003":
        return "The left side of the range operator (..) must evaluate to an integer"
    if code == "T2004":
        return "The right side of the range operator (..) must evaluate to an integer"
    if code == "D3030":
        m = re.match(r"Cannot convert '(.*)' to number$", msg, re.S)
        if m:
            return f"Unable to cast value to a number: {json.dumps(m.group(1), ensure_ascii=False)}"
    if code == "D3001":
        return "Attempting to invoke string function on Infinity or NaN"
    if code == "D3010":
        return "Second argument of replace function cannot be an empty string"
    if code == "D3020":
        return "Third argument of split function must evaluate to a positive number"
    if code == "D3100":
        m = re.search(r"got (\S+)", msg)
        if m:
            return f"The radix of the formatBase function must be between 2 and 36.  It was given {m.group(1)}"
    if code == "D3138":
        return "The $single() function expected exactly 1 matching result.  Instead it matched more."
    if code == "D3081":
        return "The sub-picture must not contain more than one instance of the 'decimal-separator' character"
    if code == "U1001":
        return (
            "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive."
        )
    return msg


_PREFIXES = re.compile(
    r"^(?:(?:Parse error|Signature validation failed|Invalid syntax|Invalid number|host function raised \w+)"
    r":\s*)+"
)
_CODED = re.compile(r"^([A-Z]\d{4}): ?(.*)$", re.S)


#: the engine's own failure (a Rust panic, which pyo3 raises as a BaseException): some picture strings of
#: $toMillis/$fromMillis and digit pictures of $parseInteger make jsonatapy 2.2.13 panic
_ENGINE_PANIC: Final = "the JSONata engine could not evaluate this expression ({detail})"


def _panic(exc: BaseException) -> ValueError:
    """A panic of the engine as an evaluation error (it must not escape a run); anything else re-raised."""
    if type(exc).__name__ != "PanicException":
        raise exc
    return ValueError(_ENGINE_PANIC.format(detail=str(exc)[:200]))


def _engine_cause(exc: BaseException, expr: str) -> str:
    """The JSONata part of an evaluation failure's cause: ``CODE: message`` as jsonata-js words it."""
    raw = _PREFIXES.sub("", str(exc)).strip()
    m = _CODED.match(raw)
    if not m:
        return raw
    code, msg = m.group(1), m.group(2)
    if code == "D1012":  # the engine's time bound
        return "U1001: Expression evaluation timeout: Check for infinite loop"
    if code == "D1011":
        code = "U1001"
    return f"{code}: {_reword(code, msg, expr)}"


# ---------------------------------------------------------------------------------------------------------------
# Evaluating
# ---------------------------------------------------------------------------------------------------------------


_MISSING: Final = object()
_NO_VARIABLES: Final[Mapping[str, Any]] = {}


def _plain(value: Any) -> Any:
    """A deep copy the engine accepts: dicts, lists, and integers beyond a long as doubles (as on AWS)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        return float(value)
    return value


def _non_finite(value: Any) -> Any:
    """AWS writes a non-finite number as the string JavaScript names it ("Infinity", "-Infinity", "NaN")."""
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, (float, list, dict)):
                value[i] = _non_finite(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (float, list, dict)):
                value[k] = _non_finite(v)
    return value


def _epoch_ms(stamp: Any) -> int | None:
    if not isinstance(stamp, str):
        return None
    try:
        parsed = _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_dt.UTC)
    return int(parsed.timestamp() * 1000)


def _context_now(states: Mapping[str, Any]) -> int:
    """The instant ``$now()`` answers when the caller gives none: when the state was entered."""
    context = states.get("context")
    if isinstance(context, Mapping):
        for section, key in (("State", "EnteredTime"), ("Execution", "StartTime")):
            part = context.get(section)
            if isinstance(part, Mapping):
                ms = _epoch_ms(part.get(key))
                if ms is not None:
                    return ms
    return 0


class _Undefined(Exception):
    pass


class _FunctionResult(Exception):
    pass


def _engine_run(c: _Compiled, data: Any) -> Any:
    if c.detached:
        values = {name: data["v"][name] for name in c.bound}
        if c.refs.uses_states:
            values["states"] = data["s"]
        try:
            text = c.program.evaluate_json_or_none(None, values)
        except (TypeError, OverflowError):
            text = c.program.evaluate_json_or_none(None, _plain(values))
        return _UNDEF if text is None else json.loads(text)
    try:
        result = c.program.evaluate(data)
    except (TypeError, OverflowError):
        # The data held a Mapping/tuple or an integer beyond a long, which the engine does not convert.
        data = _plain(data)
        result = c.program.evaluate(data)
    if result is None:
        probe = c.probe
        if probe is not None:
            result = probe.evaluate(data)  # null, undefined or a function? (nothing random to draw twice)
    return result


def _navigate(path: tuple[str | int, ...], states: Mapping[str, Any], variables: Mapping[str, Any] | None) -> Any:
    """A plain path resolved in Python, as JSONata resolves it while every step meets an object: the value
    itself (shared with the data, not copied), _UNDEF when a step finds nothing, or _MISSING when an array
    (JSONata maps over it) or an unknown name (perhaps a built-in function) needs the engine."""
    head = str(path[0])  # _plain_path starts every path with a name, and $states with two
    if head == "states":
        current = states.get(str(path[1]), _UNDEF)
        steps = path[2:]
    elif variables is not None and head in variables:
        current = variables[head]
        steps = path[1:]
    else:
        return _MISSING
    for step in steps:
        if type(step) is int:  # an index: into an array; a single value is its own element 0 (and -1)
            if type(current) is list:
                if not -len(current) <= step < len(current):
                    return _UNDEF
                current = current[step]
            elif current is _UNDEF:
                return _UNDEF
            elif not (type(current) is dict or current is None or isinstance(current, (str, int, float))):
                return _MISSING  # a tuple or another sequence: the engine decides
            elif step not in (0, -1):
                return _UNDEF
            continue
        if type(current) is dict:
            current = current.get(step, _UNDEF)
        elif current is _UNDEF or not isinstance(current, (list, tuple, Mapping)):
            return _UNDEF  # a field of a string, number, boolean or null is nothing
        else:
            return _MISSING
    if (
        type(current) is dict
        or type(current) is list
        or current is _UNDEF
        or current is None
        or isinstance(current, (str, int, float))
    ):
        return current
    return _MISSING


_Navigator = Callable[[Mapping[str, Any], "Mapping[str, Any] | None"], Any]


def _navigator(path: tuple[str | int, ...]) -> _Navigator:
    """``_navigate`` of one path, with its head and steps bound: a path of field names (the usual kind) walks
    in a tight loop; anything else (an index, a value of another type at the end) takes _navigate itself."""
    if any(type(step) is int for step in path[1:]):
        return lambda states, variables: _navigate(path, states, variables)
    head = str(path[0])
    first = str(path[1]) if head == "states" else head
    steps = tuple(str(step) for step in path[2:] if head == "states") or tuple(
        str(step) for step in path[1:] if head != "states"
    )

    def navigate(states: Mapping[str, Any], variables: Mapping[str, Any] | None) -> Any:
        if head == "states":
            current = states.get(first, _UNDEF)
        elif variables is not None and first in variables:
            current = variables[first]
        else:
            return _MISSING
        for step in steps:
            if type(current) is dict:
                current = current.get(step, _UNDEF)
            elif current is _UNDEF or not isinstance(current, (list, tuple, Mapping)):
                return _UNDEF
            else:
                return _MISSING
        kind = type(current)
        if (
            kind is str
            or kind is dict
            or kind is list
            or kind is int
            or kind is float
            or kind is bool
            or current is None
        ):
            return current
        return _navigate(path, states, variables)

    return navigate


def _run(
    c: _Compiled, states: Mapping[str, Any], variables: Mapping[str, Any] | None, rng: random.Random, now_ms: int | None
) -> Any:
    """Evaluate; raises _Undefined / _FunctionResult / the engine's ValueError (field-free)."""
    if c.fast is not None:
        try:
            answer = c.fast(states, variables)
        except _Bail:
            pass
        else:
            if answer is _UNDEF:
                raise _Undefined
            if type(answer) is float and not math.isfinite(answer):
                return _non_finite(answer)  # $toMillis of an impossible date: NaN, which AWS writes "NaN"
            return _js_ordered_cached(answer)
    if c.reorder:
        states = _js_states(states)
        if variables:
            variables = _js_states(variables)
    if c.navigate is not None:
        found = c.navigate(states, variables)
        if found is _UNDEF:
            raise _Undefined
        if found is not _MISSING:
            return _js_ordered_cached(found)
    data = {"s": states, "v": variables if variables is not None else _NO_VARIABLES}
    if c.needs_env:
        token = _ENV.set(_Env(rng, now_ms if now_ms is not None else _context_now(states)))
        try:
            result = _engine_run(c, data)
        finally:
            _ENV.reset(token)
    else:
        result = _engine_run(c, data)
    if result is None or result is True or result is False:
        return result
    if type(result) is str:
        if result == _UNDEF:
            raise _Undefined
        if result == _FUNCTION:
            raise _FunctionResult
        return result
    if type(result) is dict or type(result) is list:
        # one walk: the non-finite numbers named (when arithmetic may have made one), and whether some object
        # needs JavaScript's key order; an engine answer is a new object, so no cache by identity
        return _reordered(result) if _finish(result, c.refs.walk) else result
    if c.refs.walk:
        return _non_finite(result)
    return result


def _finish(value: Any, walk: bool) -> bool:
    """Whether some object in ``value`` (a new engine answer) needs JavaScript's key order; with ``walk``, its
    non-finite numbers are replaced in place by the names AWS writes (see _non_finite)."""
    need = False
    if type(value) is dict:
        other, last = False, -1
        for key, item in value.items():
            if not need:
                if type(key) is str and key[:1].isdigit() and _is_index(key):
                    number = int(key)
                    if other or number < last:
                        need = True
                    last = number
                else:
                    other = True
            kind = type(item)
            if kind is dict or kind is list:
                need = _finish(item, walk) or need
            elif walk and kind is float and not math.isfinite(item):
                value[key] = _non_finite(item)
        return need
    for i, item in enumerate(value):
        kind = type(item)
        if kind is dict or kind is list:
            need = _finish(item, walk) or need
        elif walk and kind is float and not math.isfinite(item):
            value[i] = _non_finite(item)
    return need


# -- JavaScript's key order --------------------------------------------------------------------------------------
# AWS's engine holds every value as a JavaScript object, whose keys list array indexes ("0", "1", "10") first,
# ascending, then the others in insertion order: $keys, $each, $spread, "*", $string and the output all show it.
# The data is put in that order before the engine sees it (a copy only where some object needs it; the answer
# is kept per object, by identity, so the several fields of one state reorder its input once).


_ORDER_SENSITIVE: Final = re.compile(r"\*|\$(?:keys|each|spread|string|sift|merge|clone|lookup)\b")
_ORDER_FUNCTIONS: Final = frozenset({"keys", "each", "spread", "string", "sift", "merge", "clone", "lookup"})


def _order_sensitive(expr: str) -> bool:
    """Whether the expression can show the data's key order other than in its result: a wildcard (``*``,
    ``**``; a multiplication is none) or a function that lists keys or writes JSON."""
    try:
        toks = _tokens(expr)
    except _ScanError:
        return _ORDER_SENSITIVE.search(expr) is not None
    for n, (kind, value) in enumerate(toks):
        if kind == "var" and value in _ORDER_FUNCTIONS:
            return True
        if kind == "op" and value in ("**", "&"):  # "&" writes an object operand as JSON
            return True
        if kind == "op" and value == "*":
            prev = toks[n - 1] if n else None
            after_value = prev is not None and (prev[0] in _VALUE_END or (prev[0] == "op" and prev[1] in ")]}"))
            if not after_value:
                return True
    return False


def _needs_js_order(value: Any) -> bool:
    if type(value) is dict:
        other, last = False, -1
        for key, item in value.items():
            if type(key) is str and key[:1].isdigit() and _is_index(key):
                number = int(key)
                if other or number < last:
                    return True
                last = number
            else:
                other = True
            kind = type(item)
            if kind is dict or kind is list:
                if _needs_js_order(item):
                    return True
            elif kind is float and _js_whole(item):
                return True
        return False
    if type(value) is list:
        for v in value:
            kind = type(v)
            if kind is dict or kind is list:
                if _needs_js_order(v):
                    return True
            elif kind is float and _js_whole(v):
                return True
    return False


def _js_whole(number: float) -> bool:
    """Whether JavaScript writes this double as an integer: a whole number below 1e21 (``2.0`` is ``2``;
    from 1e21 on both languages write ``1e+21``). A JavaScript number has no separate integer type, so a
    ``2.0`` in the input comes out of any JSONata expression as ``2``."""
    return number.is_integer() and -1e21 < number < 1e21


def _reordered(value: Any) -> Any:
    """A copy in JavaScript's view: its key order, and whole doubles as integers (see _js_whole)."""
    if type(value) is dict:
        return {k: _reordered(value[k]) for k in _js_key_order(value)}
    if type(value) is list:
        return [_reordered(v) for v in value]
    if type(value) is float and _js_whole(value):
        return int(value)
    return value


def _js_ordered(value: Any) -> Any:
    """``value`` itself when every object in it is in JavaScript's key order and it holds no whole double,
    else a copy in JavaScript's view (see _reordered)."""
    return _reordered(value) if _needs_js_order(value) else value


_ORDER_CACHE_SIZE: Final = 64


def _js_ordered_cached(value: Any) -> Any:
    if type(value) is not dict and type(value) is not list:
        return int(value) if type(value) is float and _js_whole(value) else value
    cache = _thread_cache("order")
    hit = cache.get(id(value))
    if hit is not None and hit[0] is value:
        return hit[1]
    if len(cache) >= _ORDER_CACHE_SIZE:
        cache.clear()
    ordered = _js_ordered(value)
    cache[id(value)] = (value, ordered)  # the entry keeps ``value`` alive, so its id is not reused meanwhile
    return ordered


def _js_states(values: Mapping[str, Any]) -> Mapping[str, Any]:
    """``$states`` (or the variables) with each value in JavaScript's key order; the same mapping when none
    needed it."""
    changed: dict[str, Any] | None = None
    for key, value in values.items():
        ordered = _js_ordered_cached(value)
        if ordered is not value:
            if changed is None:
                changed = dict(values)
            changed[key] = ordered
    return values if changed is None else changed


def _failure(c: _Compiled, field: str, exc: BaseException) -> QueryEvaluationError:
    if isinstance(exc, _Undefined):
        return QueryEvaluationError(messages.jsonata_returned_undefined(c.expr, field), field=field)
    if isinstance(exc, _FunctionResult):
        return QueryEvaluationError(messages.jsonata_unsupported_result(c.expr, field), field=field)
    return QueryEvaluationError(messages.jsonata_threw(c.expr, field, _engine_cause(exc, c.expr)), field=field)


def _compiled_or_fail(text: str, field: str, variables: Mapping[str, Any] | None) -> _Compiled:
    try:
        return _compile(text, variables)
    except ValueError as e:  # only reachable for a definition that skipped validation
        expr = _bare(text)
        raise QueryEvaluationError(
            messages.jsonata_unparsable(expr, field, _PREFIXES.sub("", str(e))), field=field
        ) from None


def evaluate(
    text: str,
    *,
    states: Mapping[str, Any],
    variables: Mapping[str, Any] | None,
    field: str,
    rng: random.Random,
    now_ms: int | None = None,
) -> Any:
    """Evaluate one ``{% expr %}`` string the way AWS Step Functions does.

    ``states`` is what ``$states`` holds (``input``, ``result``, ``errorOutput``, ``context``: only the keys
    given); each workflow variable is bound as ``$name``. ``field`` names the field for error causes
    (``Output``, ``Assign/result``, ``Items``...). ``rng`` is the only source of ``$random()`` and ``$uuid()``;
    ``now_ms`` (epoch milliseconds of the virtual clock) is what ``$now()`` and ``$millis()`` answer, by default
    ``$states.context.State.EnteredTime``.

    Returns a JSON value (dicts, lists, str, int, float, bool, None) which may share containers with
    ``states`` and ``variables`` (``$states.input`` is the input itself): treat every value as immutable. Raises
    :class:`QueryEvaluationError` (``States.QueryEvaluationError``) when the expression returns nothing, a
    function, or throws.
    """
    c = _compiled_or_fail(text, field, variables)
    try:
        return _run(c, states, variables, rng, now_ms)
    except (ValueError, _Undefined, _FunctionResult) as e:
        raise _failure(c, field, e) from None
    except BaseException as e:
        raise _failure(c, field, _panic(e)) from None


TreeEvaluator = Callable[[Mapping[str, Any], "Mapping[str, Any] | None", random.Random, "int | None"], Any]


def _tree_plan(node: Any, path: str) -> TreeEvaluator:
    """A closure building ``node`` with its ``{% %}`` strings evaluated; field names are computed here, once."""
    if isinstance(node, str):
        if is_expression(node):
            _compiled_or_fail(node, path, None)  # a syntax error surfaces when the plan is built

            def expression(
                states: Mapping[str, Any], variables: Mapping[str, Any] | None, rng: random.Random, now_ms: int | None
            ) -> Any:
                c = _compile(node, variables)  # per thread: the plan itself may be shared between threads
                try:
                    return _run(c, states, variables, rng, now_ms)
                except (ValueError, _Undefined, _FunctionResult) as e:
                    raise _failure(c, path, e) from None
                except BaseException as e:
                    raise _failure(c, path, _panic(e)) from None

            return expression
        return lambda states, variables, rng, now_ms: node
    if isinstance(node, Mapping):
        items = [(k, _tree_plan(v, f"{path}/{k}")) for k, v in node.items()]
        return lambda states, variables, rng, now_ms: {k: f(states, variables, rng, now_ms) for k, f in items}
    if isinstance(node, (list, tuple)):
        parts = [_tree_plan(v, f"{path}[{i}]") for i, v in enumerate(node)]
        return lambda states, variables, rng, now_ms: [f(states, variables, rng, now_ms) for f in parts]
    return lambda states, variables, rng, now_ms: node


# Owned per machine (sfnkit.asl.identity): a dropped definition's plans are freed with it.
_TREES: IdentityCache[tuple[str, TreeEvaluator]] = IdentityCache()


def compile_tree(value: Any, field: str) -> TreeEvaluator:
    """Compile a JSONata-state payload once: ``compile_tree(v, "Output")(states, variables, rng, now_ms)``
    equals ``evaluate_tree(v, ...)``. Raises :class:`QueryEvaluationError` for an expression that does not
    parse (which validation reports first)."""
    return _tree_plan(value, field)


def evaluate_tree(
    value: Any,
    *,
    states: Mapping[str, Any],
    variables: Mapping[str, Any] | None,
    field: str,
    rng: random.Random,
    now_ms: int | None = None,
) -> Any:
    """A JSONata-state payload (``Arguments``, ``Output``, ``Assign``, ``ItemSelector``...) with every
    ``{% %}`` string in it evaluated; other values are literal. Nested fields are named as AWS names them in
    causes: ``Output/a/b`` for object keys, ``Output/list[0]`` for array elements. The template's containers
    are rebuilt (the result never shares one with ``value``); an evaluated value may share with the data.

    The plan for ``value`` is cached by identity (``value`` is kept alive by the cache until the machine that
    owns it is collected: :mod:`sfnkit.asl.identity`), so pass the definition's own, never-mutated object: the
    payloads of a frozen model.
    """
    if isinstance(value, str) and is_expression(value):
        return evaluate(value, states=states, variables=variables, field=field, rng=rng, now_ms=now_ms)
    if not isinstance(value, (Mapping, list, tuple)):
        return value
    entry = _TREES.get(value)
    if entry is None or entry[0] != field:
        entry = (field, _tree_plan(value, field))
        _TREES.put(value, entry)
    return entry[1](states, variables, rng, now_ms)


Expected = Literal["array", "object", "string", "number", "integer", "boolean"]


def expect_type(value: Any, expected: Expected, text: str, field: str) -> Any:
    """``value`` when it is of the ``expected`` JSON type, else AWS's ``States.QueryEvaluationError``:

    ``The JSONata expression '$x' specified for the field 'Items' returned an unexpected result type.
    Expected 'array', but was 'null' for value: null``

    ``integer`` accepts whole numbers (``3`` and ``3.0``) and reports the type as ``integer``.
    """
    actual = type_name(value, other="object")  # not JSON (a function value): reported as an object
    ok = actual == "number" and float(value).is_integer() if expected == "integer" else actual == expected
    if ok:
        return value
    shown = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    raise QueryEvaluationError(
        messages.jsonata_unexpected_type(_bare(text), field, expected, actual, shown), field=field
    )


# ---------------------------------------------------------------------------------------------------------------
# The engine path over an input document, for the differential oracle (tests/test_jsonata_oracle.py runs the
# JSONata 2.0.6 test suite through it against the reference jsonata-js).
# ---------------------------------------------------------------------------------------------------------------


def _code_and_message(cause: str) -> tuple[str, str]:
    m = _CODED.match(cause)
    return (m.group(1), m.group(2)) if m else ("", cause)


def evaluate_document(
    expr: str,
    *,
    data: Any = _MISSING,
    bindings: Mapping[str, Any] | None = None,
    rng: random.Random | None = None,
    now_ms: int = 0,
) -> dict[str, Any]:
    """A bare JSONata expression evaluated by sfnkit's engine as jsonata-js evaluates ``expr.evaluate(data,
    bindings)``: the same compilation, AWS functions, overrides and rewording as :func:`evaluate`, answered the
    way the oracle's driver answers: ``{"result": v}``, ``{"undefined": True}``, ``{"function": True}`` or
    ``{"error": {"code": "T2001", "message": ...}}``. ``data`` left out means no input document."""
    try:
        try:
            compile_expression(expr)
        except ValueError as e:
            raise ValueError(_parse_error(expr, e)) from None
        refused = _refused_by_2_0_6(expr)
        if refused:
            raise ValueError(refused)
        refs = _analyse(expr)
        c = _Compiled(expr, refs, ())
        program = c._engine(classify=True)
    except ValueError as e:
        code, msg = _code_and_message(_PREFIXES.sub("", str(e)).strip())
        return {"error": {"code": code, "message": msg}}
    values = dict(bindings or {})
    if c.reorder:  # as _run does: the data in JavaScript's key order for an expression that can see it
        values = dict(_js_states(values))
        if data is not _MISSING:
            data = _js_ordered(data)
    token = _ENV.set(_Env(rng or random.Random(0), now_ms))
    try:
        if data is _MISSING:
            text = program.evaluate_json_or_none(None, values)
            result = None if text is None else json.loads(text)
        elif refs.copies or refs.mixed_orders:  # see _Compiled.detached: JSON text keeps each object's order
            text = program.evaluate_json_or_none(json.dumps(_plain(data)), values)
            result = _UNDEF if text is None else json.loads(text)
        else:
            try:
                result = program.evaluate(data, values)
            except (TypeError, OverflowError):
                result = program.evaluate(_plain(data), values)
    except ValueError as e:
        code, msg = _code_and_message(_engine_cause(e, expr))
        return {"error": {"code": code, "message": msg}}
    except BaseException as e:
        return {"error": {"code": "", "message": str(_panic(e))}}
    finally:
        _ENV.reset(token)
    if result == _UNDEF:
        return {"undefined": True}
    if result == _FUNCTION:
        return {"function": True}
    return {"result": _non_finite(_js_ordered(result))}
