"""JSON values and JSON text: the helpers every reader of definitions and data shares.

* :func:`type_name` is JSON's word for a value's type (``null``, ``boolean``, ``number``, ``string``, ``array``,
  ``object``), the word AWS's messages use ("Expected 'array', but was 'null'"); :func:`with_article` puts
  "a"/"an" before it for prose.
* :func:`json_problems` says where a Python value stops being JSON (the front end reads YAML and hand-built dicts,
  AWS only ever sees JSON), and :data:`MAX_DEPTH` bounds how deeply a definition may nest.
* :func:`json_positions` maps each JSON Pointer of a JSON text to the line and column where its value starts, so
  a diagnostic can point into the file the user edits (RFC 6901 pointers, RFC 8259 text).
"""

from __future__ import annotations

import bisect
import functools
import json
import re
import sys
from collections.abc import Mapping
from typing import Any, Final

from sfnkit.asl.diagnostics import INVALID_JSON_DESCRIPTION, Diagnostic, pointer

__all__ = ["JSON_TYPES", "MAX_DEPTH", "json_positions", "json_problems", "type_name", "with_article"]

#: The six JSON types, as AWS's messages name them.
JSON_TYPES: Final = ("null", "boolean", "number", "string", "array", "object")


def type_name(value: Any, *, other: str | None = None) -> str:
    """JSON's name for the type of ``value``: ``null``, ``boolean``, ``number``, ``string``, ``array`` (a list or a
    tuple) or ``object`` (a mapping). Anything else is named ``other`` when given, else by its Python type (so a
    message about a YAML date or a set says what was there)."""
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: a bool is an int in Python
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return other if other is not None else type(value).__name__


def with_article(name: str) -> str:
    """``an object``, ``a number``, ``an array``; ``null`` stays bare (it is a value, not a kind of value)."""
    if name == "null":
        return name
    return f"an {name}" if name[:1] in "aeiou" else f"a {name}"


#: How deeply objects and arrays may nest in a definition. Every tool that walks a definition (the runtime's
#: templates, explain, reports, json.dumps itself) recurses once or twice per level on Python's stack of about
#: 1,000 frames; a definition past this is a diagnostic, never a RecursionError later.
MAX_DEPTH = 250


def json_problems(value: Any) -> list[Diagnostic]:
    """The first place where ``value`` is not a JSON value, as a diagnostic (AWS only ever sees JSON).

    Catches what YAML or a hand-built dict can hold and JSON cannot: non-string keys, NaN and infinities (which
    ``json.loads`` also accepts), bytes, sets, dates, tuples, and self-referencing YAML anchors.
    """
    active: set[int] = set()  # containers on the current path, to detect cycles
    # iterative walk: (value, pointer parts)
    stack: list[tuple[Any, tuple[str | int, ...], bool]] = [(value, (), False)]
    while stack:
        v, parts, leaving = stack.pop()
        if leaving:
            active.discard(id(v))
            continue
        problem: str | None = None
        if len(parts) > MAX_DEPTH and isinstance(v, dict | list):
            problem = (
                f"the definition is nested more than {MAX_DEPTH} levels deep here; at most {MAX_DEPTH} levels are "
                "allowed (deeper values cannot be copied, printed or reported safely)"
            )
        elif isinstance(v, dict):
            if id(v) in active:
                problem = "the value contains itself (a YAML anchor used inside its own definition)"
            else:
                active.add(id(v))
                stack.append((v, parts, True))
                for k, x in reversed(list(v.items())):
                    if not isinstance(k, str):
                        problem = f"the key {k!r} ({type(k).__name__}) is not a string; JSON object keys are strings"
                        break
                    stack.append((x, (*parts, k), False))
        elif isinstance(v, list):
            if id(v) in active:
                problem = "the value contains itself (a YAML anchor used inside its own definition)"
            else:
                active.add(id(v))
                stack.append((v, parts, True))
                for i in range(len(v) - 1, -1, -1):
                    stack.append((v[i], (*parts, i), False))
        elif isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                problem = f"{v!r} is not a JSON number (JSON has no NaN or Infinity)"
        elif type(v) is int and v.bit_length() > 14_000 and not _printable_int(v):
            problem = (
                f"a number of more than {sys.get_int_max_str_digits() or 4300} digits cannot be read or written; "
                "numbers may have at most that many"
            )
        elif v is not None and not isinstance(v, str | int | bool):
            problem = f"a Python {type(v).__name__} is not a JSON value; use an object, array, string, number, boolean or null"
        if problem:
            loc = pointer(*parts)
            return [Diagnostic(severity="ERROR", code=INVALID_JSON_DESCRIPTION, message=problem, location=loc)]
    return []


def _printable_int(v: int) -> bool:
    """Whether Python can turn ``v`` into text (it refuses integers of more than 4,300 digits, by default)."""
    try:
        str(v)
    except ValueError:
        return False
    return True


@functools.cache  # compiled when a text's positions are first needed, not at import (0.8 M instructions)
def _token() -> re.Pattern[str]:
    return re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|([{}\[\],:])|([^\s{}\[\],:"]+))', re.S)


def json_positions(text: str) -> dict[str, tuple[int, int]]:
    """Scan JSON text and record where each value (and each object key) starts."""
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    token = _token()

    def lc(offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(line_starts, offset) - 1
        return i + 1, offset - line_starts[i] + 1

    out: dict[str, tuple[int, int]] = {}
    # stack of (container kind, path parts, next index or pending key)
    stack: list[list[Any]] = []
    path: list[str | int] = []
    pending_key: str | None = None
    expect_key = False
    pos = 0
    n = len(text)
    while pos < n:
        m = token.match(text, pos)
        if not m or m.end() == pos:
            break
        start = m.start(m.lastindex or 0)
        pos = m.end()
        s, punct = m.group(1), m.group(2)
        if punct in ("{", "["):
            here = path + ([pending_key] if pending_key is not None else [])
            if stack and stack[-1][0] == "[":
                here = [*path, stack[-1][1]]
            out.setdefault(pointer(*here), lc(start))
            stack.append([punct, 0])
            path = here
            pending_key = None
            expect_key = punct == "{"
        elif punct in ("}", "]"):
            if stack:
                stack.pop()
            path = path[:-1] if path else path
            pending_key = None
        elif punct == ",":
            if stack and stack[-1][0] == "[":
                stack[-1][1] += 1
            expect_key = bool(stack) and stack[-1][0] == "{"
        elif punct == ":":
            expect_key = False
        else:
            if expect_key and s is not None:
                try:
                    pending_key = json.loads(s)
                except ValueError:
                    pending_key = s.strip('"')
                out[pointer(*path, pending_key)] = lc(start)
            else:
                if stack and stack[-1][0] == "[":
                    out.setdefault(pointer(*path, stack[-1][1]), lc(start))
                pending_key = None
    return out
