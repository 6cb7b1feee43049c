"""Reading a definition: a path, JSON text, YAML text or a dict, into a plain JSON value.

Syntax errors become ``INVALID_JSON_DESCRIPTION`` diagnostics with a line and column. For text sources a
:class:`Positions` object maps JSON Pointers back to line/column, computed only when a diagnostic needs it (so
the happy path pays nothing for it).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sfnkit.asl.diagnostics import INVALID_JSON_DESCRIPTION, Diagnostic, pointer
from sfnkit.asl.jsontext import MAX_DEPTH, json_positions, json_problems

__all__ = ["Positions", "ReadResult", "parse_text", "read_source"]

_YAML_SUFFIXES = (".yaml", ".yml")
_JSON_SUFFIXES = (".json", ".asl", ".asl.json")


# ReadResult and Positions are plain classes, not dataclasses: ``@dataclass`` writes and compiles their methods
# when this module is imported, about 0.5 ms each in a fresh process's first ``load`` (bench/interpreter.py --cold).
class ReadResult:
    """The outcome of reading a source: the value (or None) plus syntax diagnostics."""

    __slots__ = ("diagnostics", "name", "positions", "value")

    def __init__(
        self, value: Any, name: str | None, diagnostics: list[Diagnostic], positions: Positions | None = None
    ) -> None:
        self.value = value
        self.name = name
        self.diagnostics = diagnostics
        self.positions = positions

    def __repr__(self) -> str:
        return (
            f"ReadResult(value={self.value!r}, name={self.name!r}, diagnostics={self.diagnostics!r}, "
            f"positions={self.positions!r})"
        )


class Positions:
    """Lazily maps JSON Pointers to (line, column) in the source text (1-based)."""

    __slots__ = ("_map", "kind", "text")

    def __init__(self, text: str, kind: str, _map: dict[str, tuple[int, int]] | None = None) -> None:
        self.text = text
        self.kind = kind  # "json" | "yaml"
        self._map = _map

    def __repr__(self) -> str:
        return f"Positions(text={self.text!r}, kind={self.kind!r}, _map={self._map!r})"

    def lookup(self, location: str) -> tuple[int | None, int | None]:
        if self._map is None:
            try:
                self._map = _yaml_positions(self.text) if self.kind == "yaml" else json_positions(self.text)
            except Exception:  # positions are a nicety; never let them break a diagnostic
                self._map = {}
        loc = location
        while True:
            if loc in self._map:
                return self._map[loc]
            if not loc:
                return None, None
            loc = loc.rsplit("/", 1)[0]


def _looks_like_path(s: str) -> bool:
    st = s.strip()
    if not st or "\n" in st or st[0] in "{[" or len(st) > 4096:
        return False
    return st.endswith(_YAML_SUFFIXES + _JSON_SUFFIXES) or os.sep in st or os.path.exists(st)


def read_source(source: Any) -> ReadResult:
    """Turn any accepted source into a JSON value. Never raises for bad content."""
    if isinstance(source, Mapping):
        # A copy: the model must not change when the caller later edits the dict it passed in. Plain JSON (the
        # usual case) is copied and checked in one pass; anything else takes the slow path that names the
        # first non-JSON value.
        try:
            return ReadResult(_json_copy(dict(source)), None, [])
        except (_NotJson, RecursionError):
            pass
        try:
            import copy  # only for a dict that is not plain JSON

            value = copy.deepcopy(dict(source))
        except Exception:  # not copyable (a lock, a generator...): report it below rather than fail here
            value = dict(source)
        return ReadResult(value, None, json_problems(value))
    if isinstance(source, os.PathLike) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            return ReadResult(
                None,
                str(path),
                [
                    Diagnostic(
                        severity="ERROR",
                        code=INVALID_JSON_DESCRIPTION,
                        message=f"cannot read {path}: {e.strerror or e}",
                    )
                ],
            )
        except ValueError as e:  # e.g. an embedded NUL byte: not a usable path (UnicodeDecodeError is caught below)
            if isinstance(e, UnicodeDecodeError):
                return ReadResult(
                    None,
                    str(path),
                    [
                        Diagnostic(
                            severity="ERROR",
                            code=INVALID_JSON_DESCRIPTION,
                            message=f"{path} is not UTF-8 text: {e.reason}",
                        )
                    ],
                )
            return ReadResult(
                None,
                None,
                [
                    Diagnostic(
                        severity="ERROR", code=INVALID_JSON_DESCRIPTION, message=f"cannot read {str(path)[:80]!r}: {e}"
                    )
                ],
            )
        kind = "yaml" if path.name.endswith(_YAML_SUFFIXES) else "json"
        return parse_text(text, str(path), kind)
    if isinstance(source, bytes | bytearray):
        try:
            source = bytes(source).decode("utf-8")
        except UnicodeDecodeError as e:
            return ReadResult(
                None,
                None,
                [
                    Diagnostic(
                        severity="ERROR",
                        code=INVALID_JSON_DESCRIPTION,
                        message=f"definition is not UTF-8 text: {e.reason}",
                    )
                ],
            )
    if isinstance(source, str):
        stripped = source.lstrip()
        kind = "json" if stripped.startswith(("{", "[")) or not stripped else "yaml"
        return parse_text(source, None, kind)
    return ReadResult(
        None,
        None,
        [
            Diagnostic(
                severity="ERROR",
                code=INVALID_JSON_DESCRIPTION,
                message=f"a definition must be a dict, JSON or YAML text, or a path; got {type(source).__name__}",
            )
        ],
    )


def parse_text(text: str, name: str | None, kind: str) -> ReadResult:
    positions = Positions(text, kind)
    if kind == "json":
        try:
            value = json.loads(text)
            return ReadResult(value, name, json_problems(value), positions)
        except json.JSONDecodeError as e:
            if (name and not name.endswith(_JSON_SUFFIXES)) or text.lstrip()[:1] not in ("{", "["):
                pass  # fall through to YAML for files with unusual suffixes
            else:
                return ReadResult(
                    None,
                    name,
                    [
                        Diagnostic(
                            severity="ERROR",
                            code=INVALID_JSON_DESCRIPTION,
                            message=f"malformed JSON: {e.msg}",
                            line=e.lineno,
                            column=e.colno,
                        )
                    ],
                    positions,
                )
        except RecursionError:
            return ReadResult(
                None,
                name,
                [Diagnostic(severity="ERROR", code=INVALID_JSON_DESCRIPTION, message="JSON nested too deeply")],
            )
        except ValueError as e:  # not a syntax error: a number too long for Python to convert (over 4,300 digits)
            return ReadResult(None, name, [_unreadable(text, "JSON", e)], positions)
    positions.kind = "yaml"
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is a core dependency
        return ReadResult(
            None,
            name,
            [Diagnostic(severity="ERROR", code=INVALID_JSON_DESCRIPTION, message="YAML needs PyYAML installed")],
        )
    try:
        try:
            value = yaml.load(text, Loader=_JsonishLoader)
        except yaml.YAMLError:
            value = yaml.load(text, Loader=_PureLoader)  # the same refusal, with the clearer message
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        return ReadResult(
            None,
            name,
            [
                Diagnostic(
                    severity="ERROR",
                    code=INVALID_JSON_DESCRIPTION,
                    message=f"malformed YAML: {e.problem or e.context}",
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None,
                )
            ],
            positions,
        )
    except ValueError as e:
        return ReadResult(None, name, [_unreadable(text, "YAML", e)], positions)
    except (yaml.YAMLError, RecursionError, TypeError) as e:
        return ReadResult(
            None, name, [Diagnostic(severity="ERROR", code=INVALID_JSON_DESCRIPTION, message=f"malformed YAML: {e}")]
        )
    if isinstance(value, str | int | float) and not isinstance(value, bool) and kind == "yaml" and name is None:
        return ReadResult(
            None,
            name,
            [
                Diagnostic(
                    severity="ERROR",
                    code=INVALID_JSON_DESCRIPTION,
                    message="the text is neither a JSON object nor a YAML mapping (is it a path to a file that does not exist?)",
                )
            ],
        )
    return ReadResult(value, name, json_problems(value), positions)


def _unreadable(text: str, kind: str, e: ValueError) -> Diagnostic:
    """A ValueError that is not a syntax error: in practice a number too long for Python to convert."""
    if "digits" not in str(e):
        return Diagnostic(severity="ERROR", code=INVALID_JSON_DESCRIPTION, message=f"malformed {kind}: {e}")
    limit = sys.get_int_max_str_digits() or 4300
    found = re.search(r"\d{" + str(limit + 1) + ",}", text)
    line = column = None
    if found:
        line = text.count("\n", 0, found.start()) + 1
        column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    size = f"{len(found.group()):,}" if found else f"over {limit:,}"
    return Diagnostic(
        severity="ERROR",
        code=INVALID_JSON_DESCRIPTION,
        message=f"malformed {kind}: a number of {size} digits is too long to read; numbers may have at most {limit:,} digits",
        line=line,
        column=column,
    )


class _NotJson(Exception):
    """Raised by :func:`_json_copy` at the first value that is not plain JSON."""


_SMALL = 1 << 62  # an int this small has far fewer than 4,300 digits


def _json_copy(v: Any, depth: int = 0) -> Any:
    """A copy of the plain JSON value ``v`` (dicts with string keys, lists, strings, finite numbers, booleans,
    None), or :class:`_NotJson`. Exact types only, so subclasses and every oddity go to :func:`~sfnkit.asl.jsontext.json_problems`.

    One recursive pass instead of ``copy.deepcopy`` followed by a separate check: a 10,000-state definition
    loads about twice as fast (bench/interpreter.py's cold section). A cycle or very deep nesting raises
    RecursionError, which the caller also sends to the slow, iterative path.
    """
    t = type(v)
    if t is str or t is bool or v is None:
        return v
    if t is int:
        if v.bit_length() > 14_000:  # maybe over 4,300 digits: _json_problems decides
            raise _NotJson
        return v
    if depth > MAX_DEPTH:  # _json_problems reports where
        raise _NotJson
    if t is dict:
        # copy() clones the hash table whole; then only the values that are containers (or need a look) are
        # replaced, in place. Strings, booleans, null and small integers (most of a definition's values) are
        # checked inline: a call per value was half the time.
        out = v.copy()
        for k, x in out.items():
            if type(k) is not str:
                raise _NotJson
            tx = type(x)
            if not (tx is str or tx is bool or x is None or (tx is int and -_SMALL < x < _SMALL)):
                out[k] = _json_copy(x, depth + 1)  # same key: the dict keeps its size while iterated
        return out
    if t is list:
        return [_json_copy(x, depth + 1) for x in v]
    if t is float and v - v == 0.0:  # finite: NaN and the infinities give nan here
        return v
    raise _NotJson


def _make_loader(fast: bool = True) -> type:
    import yaml

    # libyaml's parser when PyYAML has it: the pure-Python scanner reads about 300 KB a second, so a large
    # definition took seconds to validate (and the text is read twice: once for the value, once for positions).
    # Its error messages say less ("found character that cannot start any token", without the character), so a
    # text it refuses is read again by the pure-Python parser for the message (``fast=False``).
    base: Any = (getattr(yaml, "CSafeLoader", None) if fast else None) or yaml.SafeLoader

    class Loader(base):  # type: ignore[misc]
        """SafeLoader that keeps timestamps as strings (ASL wants ISO text, not datetime objects) and mapping keys
        as written: JSON keys are strings, so a state called ``Yes`` or ``1`` must not become ``True`` or ``1``."""

        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            if isinstance(node, yaml.MappingNode):
                self.flatten_mapping(node)
            else:
                return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]
            mapping: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        "found a mapping key that is not a plain value (JSON keys are strings)",
                        key_node.start_mark,
                    )
                mapping[key_node.value] = self.construct_object(value_node, deep=deep)
            return mapping

        def get_single_node(self) -> Any:
            node = super().get_single_node()
            if node is not None:
                _check_alias_expansion(node)
            return node

    Loader.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


#: The most bytes of JSON a YAML definition may expand to through anchors and aliases: AWS's quota for a state
#: machine definition (1 MiB). Without a bound, a few hundred bytes of nested aliases (a "billion laughs")
#: describe gigabytes, and every later walk over the definition would pay for all of them.
MAX_EXPANDED_BYTES = 1024 * 1024


def _check_alias_expansion(root: Any) -> None:
    """Raise a marked YAML error when the definition, with every alias expanded, passes MAX_EXPANDED_BYTES.

    An alias composes to its anchor's own node, so the node graph is the text's size even when its expansion is
    not. Sizes are computed once per node, bottom-up without recursion, so the check costs the size of the text,
    not of the expansion. A node met again while its own size is being computed is a cycle (an anchor used
    inside itself); it counts nothing here and is reported later. The error points at the anchor whose
    repetitions weigh the most."""
    import yaml

    size: dict[int, int] = {}
    uses: dict[int, int] = {}
    nodes: dict[int, Any] = {}
    busy: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        if leaving:
            busy.discard(key)
            if isinstance(node, yaml.MappingNode):
                total = 2 + sum(size.get(id(k), 0) + size.get(id(v), 0) + 2 for k, v in node.value)
            else:
                total = 2 + sum(size.get(id(v), 0) + 1 for v in node.value)
            size[key] = total
            continue
        uses[key] = uses.get(key, 0) + 1
        if key in size or key in busy:
            continue
        nodes[key] = node
        if isinstance(node, yaml.ScalarNode):
            size[key] = len(node.value) + 2
            continue
        busy.add(key)
        stack.append((node, True))
        children = [c for kv in node.value for c in kv] if isinstance(node, yaml.MappingNode) else list(node.value)
        stack.extend((c, False) for c in reversed(children))
    total = size.get(id(root), 0)
    if total <= MAX_EXPANDED_BYTES:
        return
    repeated = [k for k, n in uses.items() if n > 1] or [id(root)]
    worst = max(repeated, key=lambda k: size.get(k, 0) * uses[k])
    raise yaml.constructor.ConstructorError(
        None,
        None,
        f"anchors and aliases expand the definition to about {total:,} bytes (the anchor here, used "
        f"{uses[worst]:,} times, repeats {size.get(worst, 0):,} bytes each time); at most {MAX_EXPANDED_BYTES:,} "
        "bytes (1 MiB, AWS's largest definition) are allowed",
        nodes[worst].start_mark,
    )


class _LazyLoader:
    def __init__(self, fast: bool) -> None:
        self._fast = fast
        self._cls: type | None = None

    def __call__(self, stream: Any) -> Any:
        if self._cls is None:
            self._cls = _make_loader(self._fast)
        return self._cls(stream)


_JsonishLoader: Any = _LazyLoader(fast=True)
_PureLoader: Any = _LazyLoader(fast=False)


# -- positions --------------------------------------------------------------------------------------------


def _yaml_positions(text: str) -> dict[str, tuple[int, int]]:
    import yaml

    node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader)
    out: dict[str, tuple[int, int]] = {}

    def walk(n: Any, parts: tuple[str | int, ...]) -> None:
        out.setdefault(pointer(*parts), (n.start_mark.line + 1, n.start_mark.column + 1))
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = k.value
                out[pointer(*parts, key)] = (k.start_mark.line + 1, k.start_mark.column + 1)
                walk(v, (*parts, key))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                walk(v, (*parts, i))

    if node is not None:
        walk(node, ())
    return out
