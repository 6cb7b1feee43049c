"""Load the AWS-recorded conformance cases, run them with sfnkit and compare with what AWS did.

This module owns the *comparison rules* of the conformance suite (``tests/conformance/CASES_README.md`` is the
contract; the cases were recorded on real AWS Step Functions). It has no pytest dependency, so a notebook or a
script can score an interpreter with it too::

    from tests.conformance import harness
    result = harness.evaluate(harness.load_cases()[0], sfnkit.run)
    print(result.describe())

Three scores per case:

``output``
    status, output, error and cause, compared as parsed JSON.
``events``
    the sequence of history event types (``expected.events``).
``events_full``
    every recorded event field (ids, ``previousEventId``, each ``...EventDetails`` field), timestamps ignored.

Comparison rules, in one place:

* A recorded string may contain **placeholders** that stand for values varying from run to run: anything of
  the form ``<...>`` (``<uuid:1>``, ``<ExecArnPart_0idx>``, ``<<task_token>:1>``) and every token the case lists
  in ``placeholders`` (``snf_role_arn``, ``bucket-name``, ...). Each matches any text; a string that is *only*
  a placeholder matches any JSON value (the recorder replaced whole values, whatever their type).
* The recorder also replaced timestamp-looking strings with the bare words ``date`` and ``timestamp``
  (``"StartTime": "date"``, ``"TimestampValue": "timestamp"``) without listing them: a recorded value that is
  exactly one of these words matches an actual ISO-8601-like or HTTP-date string.
* ``<partition>`` and ``<region>`` are not wildcards: actual strings are rewritten first (``arn:aws:`` becomes
  ``arn:<partition>:``, ``us-east-1`` becomes ``<region>``), then compared literally.
* JSON values compare by kind as well as value: ``true`` is not ``1``, and ``3`` is not ``3.0`` (AWS writes
  them differently, and users see the text).
* Fields that AWS carries as JSON text (``input``, ``output``, ``parameters``, ``cause`` and the values of
  ``assignedVariables``) compare parsed when both sides parse, so whitespace does not count.
* ``snapshot_skip_paths`` (``$..SdkHttpMetadata``, ``$..events[4].previousEventId``, ...) name fields the
  recording's own test did not check; they are skipped in all three scores. The result document they apply
  to is ``{"status", "output", "error", "cause"}``; the history is ``{"events": [...]}``.
* ``events_order: parallel_sorted``: the recorder normalised the events of Parallel states (see
  :func:`sort_parallel_events`); the same transformation is applied to the actual history first.

Lambda handlers come from the case's ``lambda_sources``: each source is ``exec``-ed into a fresh namespace as
``/var/task/handler.py`` (the file name in Lambda's recorded stack traces), and ``time.sleep`` inside it is
virtual: it calls ``context.sleep(seconds)`` on the context object the interpreter passes, never blocking.

Without pytest: ``python -m tests.conformance.harness [-k TEXT] [--show] [--ledger]``.
"""

from __future__ import annotations

import builtins
import dataclasses
import difflib
import functools
import json
import linecache
import os
import re
import sys
import time
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

__all__ = [
    "ACCOUNT",
    "CHOICE_MATRIX_SOURCE",
    "PARTITION",
    "REGION",
    "Case",
    "CaseResult",
    "Diff",
    "Expected",
    "LedgerError",
    "Matcher",
    "PartResult",
    "build_resources",
    "cases_dir",
    "compare_execution",
    "evaluate",
    "format_summary",
    "interpreter_run",
    "load_case",
    "load_cases",
    "load_handler",
    "load_ledger",
    "parse_ledger",
    "parse_skip_path",
    "rewrite_actual",
    "run_case",
    "sort_parallel_events",
    "summarise",
]

# --------------------------------------------------------------------------------------------------------------
# Where the cases are, and what one looks like
# --------------------------------------------------------------------------------------------------------------

ACCOUNT: Final = "111111111111"
REGION: Final = "us-east-1"
PARTITION: Final = "aws"
CASES_DIR_ENV: Final = "SFNKIT_CONFORMANCE_DIR"
REPO_ROOT: Final = Path(__file__).resolve().parents[2]
LEDGER_PATH: Final = Path(__file__).resolve().parent / "xfail_ledger.txt"
# The Choice-operator matrix: one tiny Choice per operator and value pair, recording the output only.
CHOICE_MATRIX_SOURCE: Final = "/choice_operators/"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Expected:
    """What AWS did (``case["expected"]``)."""

    status: str
    output: Any
    error: str | None
    cause: str | None
    cause_is_json: bool
    events: tuple[str, ...] | None
    events_full: tuple[Mapping[str, Any], ...] | None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """One recorded execution (one JSON file of the cases directory)."""

    id: str
    source: str
    path: Path | None
    state_machine_type: str
    definition: Any
    input: Any
    expected: Expected
    placeholders: tuple[str, ...]
    features: tuple[str, ...]
    needs: tuple[str, ...]
    lambda_sources: Mapping[str, Mapping[str, str]]
    events_order: str
    snapshot_skip_paths: tuple[str, ...]
    runnable_locally: bool
    not_runnable_because: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def is_choice_matrix(self) -> bool:
        """True for the Choice-operator matrix cases (output-only recordings of one Choice each)."""
        return CHOICE_MATRIX_SOURCE in self.source

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, path: Path | None = None) -> Case:
        """Build a case from its decoded JSON document; a missing key raises ``ValueError`` naming it."""
        where = str(path) if path is not None else data.get("id", "<case>")
        try:
            exp = data["expected"]
            expected = Expected(
                status=exp["status"],
                output=exp["output"],
                error=exp["error"],
                cause=exp["cause"],
                cause_is_json=bool(exp.get("cause_is_json", False)),
                events=None if exp["events"] is None else tuple(exp["events"]),
                events_full=None if exp["events_full"] is None else tuple(exp["events_full"]),
            )
            return cls(
                id=data["id"],
                source=data.get("source", ""),
                path=path,
                state_machine_type=data.get("state_machine_type", "STANDARD"),
                definition=data["definition"],
                input=data["input"],
                expected=expected,
                placeholders=tuple(data.get("placeholders", ())),
                features=tuple(data.get("features", ())),
                needs=tuple(data.get("needs", ())),
                lambda_sources=data.get("lambda_sources", {}),
                events_order=data.get("events_order", "as_recorded"),
                snapshot_skip_paths=tuple(data.get("snapshot_skip_paths", ())),
                runnable_locally=bool(data.get("runnable_locally", False)),
                not_runnable_because=tuple(data.get("not_runnable_because", ())),
                notes=tuple(data.get("notes", ())),
            )
        except KeyError as exc:
            raise ValueError(f"{where}: conformance case lacks the key {exc.args[0]!r}") from None


def cases_dir() -> Path:
    """The cases directory: ``$SFNKIT_CONFORMANCE_DIR``, else the copy kept in this repository
    (``tests/conformance/cases``, see its ``LICENSE.md``), so a fresh clone runs the whole suite on its own."""
    env = os.environ.get(CASES_DIR_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return (Path(__file__).resolve().parent / "cases").resolve()


def load_case(path: str | Path) -> Case:
    """Load one case file."""
    p = Path(path)
    with p.open(encoding="utf-8") as fh:
        return Case.from_json(json.load(fh), path=p)


@functools.cache
def _load_cases_cached(directory: Path) -> tuple[Case, ...]:
    if not directory.is_dir():
        raise FileNotFoundError(
            f"conformance cases directory {directory} does not exist; set ${CASES_DIR_ENV} to the folder that "
            f"holds the *.json cases, or put shared/ beside the repository"
        )
    cases = tuple(load_case(p) for p in sorted(directory.glob("*.json")))
    if not cases:
        raise FileNotFoundError(f"conformance cases directory {directory} holds no *.json case")
    ids = [c.id for c in cases]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"{directory}: case ids used twice: {', '.join(dupes)}")
    return cases


def load_cases(directory: str | Path | None = None) -> tuple[Case, ...]:
    """All cases of ``directory`` (default :func:`cases_dir`), sorted by file name; cached per directory."""
    return _load_cases_cached(Path(directory).resolve() if directory is not None else cases_dir())


def recorded_histories() -> list[Case]:
    """The cases whose recording holds a whole event history to read (none when the cases are missing); the
    parallel_sorted recordings renumbered their events, so they are no history."""
    try:
        cases = load_cases()
    except FileNotFoundError:
        return []
    return [
        c for c in cases if c.expected.events_full and all(isinstance(e.get("id"), int) for e in c.expected.events_full)
    ]


# --------------------------------------------------------------------------------------------------------------
# Lambda handlers from the case's sources
# --------------------------------------------------------------------------------------------------------------

# Lambda's Python runtime loads the deployment package from /var/task; the recorded stack traces say
# `File "/var/task/handler.py", line 2, in handler`, so the local handler module gets the same file name.
LAMBDA_FILENAME: Final = "/var/task/handler.py"


@dataclasses.dataclass(slots=True)
class _HandlerClock:
    """Makes ``time.sleep`` inside a case handler virtual.

    Some recorded handlers sleep (``wait_60_seconds.py`` calls ``time.sleep(60)`` to make a Task time out).
    Locally that must cost no wall time. The handler module gets a ``time`` module whose ``sleep`` never
    blocks: it calls ``context.sleep(seconds)`` when the context object the interpreter passed to the handler
    has such a method (so the interpreter can advance its virtual clock), and records the seconds in ``slept``.
    """

    handler_code: types.CodeType | None = None
    slept: list[float] = dataclasses.field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.slept.append(float(seconds))
        context = self._find_context()
        hook = getattr(context, "sleep", None)
        if callable(hook):
            hook(seconds)

    def _find_context(self) -> Any:
        # The handler may sleep in a helper: walk up to the handler's own frame and read its 2nd parameter.
        frame: types.FrameType | None = sys._getframe(2)
        code = self.handler_code
        while frame is not None:
            if frame.f_code is code and code.co_argcount >= 2:
                return frame.f_locals.get(code.co_varnames[1])
            frame = frame.f_back
        return None

    def module(self) -> types.ModuleType:
        fake = types.ModuleType("time", "The time module, with a sleep that does not block (conformance harness).")
        fake.__dict__.update({k: v for k, v in vars(time).items() if not k.startswith("__")})
        fake.sleep = self.sleep  # type: ignore[attr-defined]
        return fake


def load_handler(spec: Mapping[str, str]) -> Callable[[Any, Any], Any]:
    """Load one ``lambda_sources`` entry with ``exec`` into a fresh namespace; return its handler function.

    The returned function takes ``(event, context)``. ``import time`` inside it yields a ``time`` module whose
    ``sleep`` does not block (see :class:`_HandlerClock`); the clock is reachable as ``fn.sfnkit_clock``.
    """
    source = spec["source"]
    handler_name = spec.get("handler", "handler")
    code = compile(source, LAMBDA_FILENAME, "exec")
    # Let tracebacks show the handler's source lines, as Lambda's do.
    linecache.cache[LAMBDA_FILENAME] = (len(source), None, source.splitlines(True), LAMBDA_FILENAME)
    clock = _HandlerClock()
    fake_time = clock.module()

    def _import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
        if name == "time" and level == 0:
            return fake_time
        return builtins.__import__(name, globals, locals, fromlist, level)

    namespace: dict[str, Any] = {
        "__name__": "handler",
        "__file__": LAMBDA_FILENAME,
        "__builtins__": {**vars(builtins), "__import__": _import},
    }
    exec(code, namespace)
    handler = namespace.get(handler_name)
    if not callable(handler):
        raise ValueError(
            f"lambda source {spec.get('path', '?')} defines no callable {handler_name!r}; "
            f"it defines: {', '.join(sorted(k for k in namespace if not k.startswith('__'))) or 'nothing'}"
        )
    clock.handler_code = getattr(handler, "__code__", None)
    handler.sfnkit_clock = clock  # type: ignore[attr-defined]
    return handler  # type: ignore[no-any-return]


def build_resources(case: Case) -> dict[str, Callable[[Any, Any], Any]]:
    """``resources`` for ``sfnkit.run``: each ``lambda_sources`` key (as used in the definition) -> its handler.

    A function the definition references without a source did not exist on AWS either; it is left out.
    """
    return {name: load_handler(spec) for name, spec in case.lambda_sources.items()}


# --------------------------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------------------------

RunFunction = Callable[..., Any]


def interpreter_run() -> RunFunction:
    """``sfnkit.run``; raises ``RuntimeError`` saying so when the interpreter is not there yet."""
    try:
        import sfnkit
    except Exception as exc:  # an import error of the package is the interpreter's problem too
        raise RuntimeError(f"import sfnkit failed: {type(exc).__name__}: {exc}") from exc
    run = getattr(sfnkit, "run", None)
    if not callable(run):
        raise RuntimeError(
            "sfnkit.run does not exist: the interpreter is not integrated yet, so no conformance case can run"
        )
    return run  # type: ignore[no-any-return]


def run_case(case: Case, run: RunFunction) -> Any:
    """Run ``case`` with ``run`` (``sfnkit.run``) as AWS ran it: same account, region and machine type."""
    return run(
        case.definition,
        case.input,
        resources=build_resources(case),
        seed=0,
        account=ACCOUNT,
        region=REGION,
        type=case.state_machine_type,
    )


# --------------------------------------------------------------------------------------------------------------
# Placeholder-aware comparison
# --------------------------------------------------------------------------------------------------------------

# `<...>`, allowing one level of nesting (`<<task_token>:1>`).
_BRACKET_RE: Final = re.compile(r"<(?:[^<>]|<[^<>]*>)+>")
# Written into actual values before comparing, so literal in expected values.
_LITERAL_TOKENS: Final = frozenset({"<partition>", "<region>"})
# Fields AWS carries as JSON text inside `...EventDetails`.
_JSON_TEXT_FIELDS: Final = frozenset({"input", "output", "parameters", "cause"})
_MISSING: Final = object()
_MAX_SHOWN: Final = 80
# Whole values the recorder wrote for timestamps, and what they may stand for (ISO-8601-like, even invalid
# dates such as 2016-13-05T21:29:29Z, or an HTTP date).
_DATE_WORDS: Final = frozenset({"date", "timestamp"})
_TIMESTAMP_RE: Final = re.compile(
    r"\d{1,4}-\d{1,2}-\d{1,4}[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT"
)


def rewrite_actual(value: Any) -> Any:
    """Rewrite ``arn:aws:`` -> ``arn:<partition>:`` and ``us-east-1`` -> ``<region>`` in every string."""
    if isinstance(value, str):
        if "arn:aws:" in value:
            value = value.replace("arn:aws:", "arn:<partition>:")
        if REGION in value:
            value = value.replace(REGION, "<region>")
        return value
    if isinstance(value, dict):
        return {rewrite_actual(k): rewrite_actual(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rewrite_actual(v) for v in value]
    return value


@functools.lru_cache(maxsize=65536)
def _compile_pattern(text: str, tokens: tuple[str, ...]) -> re.Pattern[str] | None:
    """A regex for ``text`` with every placeholder turned into ``.*``; ``None`` when it has none."""
    spans: list[tuple[int, int]] = [m.span() for m in _BRACKET_RE.finditer(text) if m.group() not in _LITERAL_TOKENS]
    for token in tokens:
        start = text.find(token)
        while start != -1:
            spans.append((start, start + len(token)))
            start = text.find(token, start + 1)
    if not spans:
        return None
    spans.sort()
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    parts: list[str] = []
    pos = 0
    for s, e in merged:
        parts.append(re.escape(text[pos:s]))
        parts.append(".*")
        pos = e
    parts.append(re.escape(text[pos:]))
    return re.compile("".join(parts), re.DOTALL)


# JSONPath as the recordings use it: `$..name`, `$..events[4].previousEventId`, `$..a..b.c`, `[*]`, `['k']`.
_SKIP_TOKEN_RE: Final = re.compile(
    r"""(?P<dots>\.\.|\.)?(?:(?P<name>[A-Za-z_$][\w$-]*|\*)|\[(?P<index>-?\d+|\*)\]|\[['"](?P<quoted>[^'"]*)['"]\])"""
)
_WILD: Final = object()

SkipPath = tuple[tuple[bool, Any], ...]


def parse_skip_path(path: str) -> SkipPath:
    """Parse a ``snapshot_skip_paths`` entry into ``((descendant, key), ...)``; ``key`` is str, int or wildcard.

    >>> parse_skip_path("$..events[4].previousEventId")
    ((True, 'events'), (False, 4), (False, 'previousEventId'))
    """
    if not path.startswith("$"):
        raise ValueError(f"skip path {path!r} must start with '$'")
    segments: list[tuple[bool, Any]] = []
    pos = 1
    while pos < len(path):
        m = _SKIP_TOKEN_RE.match(path, pos)
        if m is None or m.end() == pos:
            raise ValueError(
                f"skip path {path!r}: cannot read {path[pos:]!r} at offset {pos}; "
                "allowed are .name, ..name, [n], [*] and ['name']"
            )
        dots = m.group("dots")
        if m.group("name") is not None:
            if dots is None:
                raise ValueError(f"skip path {path!r}: a name at offset {pos} must follow '.' or '..'")
            key: Any = _WILD if m.group("name") == "*" else m.group("name")
        elif m.group("index") is not None:
            key = _WILD if m.group("index") == "*" else int(m.group("index"))
        else:
            key = m.group("quoted")
        segments.append((dots == "..", key))
        pos = m.end()
    return tuple(segments)


def _key_matches(key: Any, part: Any) -> bool:
    if key is _WILD:
        return True
    return type(key) is type(part) and key == part


def _skip_matches(segments: SkipPath, loc: tuple[Any, ...], i: int = 0, j: int = 0) -> bool:
    """Does ``segments`` match a prefix of ``loc`` (so ``loc`` lies inside a skipped field)?"""
    if i == len(segments):
        return True
    descendant, key = segments[i]
    if descendant:
        return any(_key_matches(key, loc[k]) and _skip_matches(segments, loc, i + 1, k + 1) for k in range(j, len(loc)))
    return j < len(loc) and _key_matches(key, loc[j]) and _skip_matches(segments, loc, i + 1, j + 1)


def _format_loc(loc: Sequence[Any]) -> str:
    out = ["$"]
    for part in loc:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif isinstance(part, str) and re.fullmatch(r"[A-Za-z_][\w-]*", part):
            out.append(f".{part}")
        else:
            out.append(f"[{json.dumps(part)}]")
    return "".join(out)


def _show(value: Any) -> str:
    if value is _MISSING:
        return "nothing"
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _a(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


@dataclasses.dataclass(frozen=True, slots=True)
class Diff:
    """One difference: where (a JSONPath-like location) and what."""

    loc: tuple[Any, ...]
    message: str

    def __str__(self) -> str:
        return f"{_format_loc(self.loc)}: {self.message}"


def _diff(loc: tuple[Any, ...], expected: Any, actual: Any, note: str = "") -> Diff:
    if isinstance(expected, str) and isinstance(actual, str):
        exp_text, act_text = _show_strings(expected, actual)
        return Diff(loc, f"expected {exp_text}, got {act_text}{note}")
    return Diff(loc, f"expected {_show(expected)}, got {_show(actual)}{note}")


def _show_strings(expected: str, actual: str) -> tuple[str, str]:
    """Both strings as JSON text, cut to a window around their first difference when they are long."""
    exp, act = json.dumps(expected, ensure_ascii=False), json.dumps(actual, ensure_ascii=False)
    if len(exp) <= _MAX_SHOWN and len(act) <= _MAX_SHOWN:
        return exp, act
    first = next((i for i, (a, b) in enumerate(zip(exp, act, strict=False)) if a != b), min(len(exp), len(act)))
    start = max(0, first - 30)

    def window(text: str) -> str:
        cut = text[start : start + _MAX_SHOWN - 6]
        return ("..." if start else "") + cut + ("..." if start + _MAX_SHOWN - 6 < len(text) else "")

    return window(exp), window(act)


class Matcher:
    """Compares recorded (expected) values with actual ones under one case's placeholders and skip paths."""

    __slots__ = ("skips", "tokens")

    def __init__(self, placeholders: Iterable[str] = (), skip_paths: Iterable[str] = ()) -> None:
        self.tokens: tuple[str, ...] = tuple(sorted({t for t in placeholders if t and t not in _LITERAL_TOKENS}))
        self.skips: tuple[SkipPath, ...] = tuple(parse_skip_path(p) for p in skip_paths)

    @classmethod
    def for_case(cls, case: Case) -> Matcher:
        return cls(case.placeholders, case.snapshot_skip_paths)

    def skipped(self, loc: tuple[Any, ...]) -> bool:
        """Is ``loc`` inside a field named by a skip path?"""
        return any(_skip_matches(s, loc) for s in self.skips)

    def is_wildcard(self, expected: str) -> bool:
        """Is ``expected`` nothing but placeholders (so it stands for a whole value of any type)?"""
        pattern = _compile_pattern(expected, self.tokens)
        return pattern is not None and pattern.pattern == ".*"

    def match_text(self, expected: str, actual: str) -> bool:
        """Does ``actual`` (already rewritten) match ``expected``, placeholders matching any text?"""
        if expected == actual:
            return True
        if expected in _DATE_WORDS and _TIMESTAMP_RE.fullmatch(actual):
            return True
        pattern = _compile_pattern(expected, self.tokens)
        return pattern is not None and pattern.fullmatch(actual) is not None

    def compare(self, expected: Any, actual: Any, loc: tuple[Any, ...] = ()) -> list[Diff]:
        """Differences between a recorded JSON value and an actual (rewritten) one; empty when they match."""
        if self.skips and self.skipped(loc):
            return []
        if isinstance(expected, str):
            if isinstance(actual, str):
                return [] if self.match_text(expected, actual) else [_diff(loc, expected, actual)]
            if self.is_wildcard(expected):
                return []
            return [_diff(loc, expected, actual, f" ({_a(_kind(actual))}, not a string)")]
        ek, ak = _kind(expected), _kind(actual)
        if ek != ak:
            if ek in ("integer", "float") and ak in ("integer", "float") and expected == actual:
                return [_diff(loc, expected, actual, f" ({_a(ak)} where AWS wrote {_a(ek)})")]
            return [_diff(loc, expected, actual, f" ({_a(ak)}, not {_a(ek)})")]
        if ek == "object":
            diffs: list[Diff] = []
            for key, value in expected.items():
                sub = (*loc, key)
                if key in actual:
                    diffs.extend(self.compare(value, actual[key], sub))
                elif not (self.skips and self.skipped(sub)):
                    diffs.append(Diff(sub, f"missing; expected {_show(value)}"))
            for key in actual:
                sub = (*loc, key)
                if key not in expected and not (self.skips and self.skipped(sub)):
                    diffs.append(Diff(sub, f"unexpected field, value {_show(actual[key])}"))
            return diffs
        if ek == "array":
            diffs = []
            if len(expected) != len(actual):
                diffs.append(Diff(loc, f"expected {len(expected)} items, got {len(actual)}"))
            for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
                diffs.extend(self.compare(e, a, (*loc, i)))
            return diffs
        return [] if expected == actual else [_diff(loc, expected, actual)]

    def compare_json_text(self, expected: Any, actual: Any, loc: tuple[Any, ...] = ()) -> list[Diff]:
        """Compare a field AWS carries as JSON text; parsed when both sides parse, else as text."""
        if self.skips and self.skipped(loc):
            return []
        if not isinstance(actual, str):  # already decoded by whoever produced it
            return self.compare(expected, rewrite_actual(actual), loc)
        parsed = _parse_json(actual)
        if not isinstance(expected, str):
            if parsed is _MISSING:
                return [_diff(loc, expected, actual, " (not JSON text)")]
            return self.compare(expected, rewrite_actual(parsed), loc)
        if parsed is not _MISSING and not self.is_wildcard(expected):
            expected_parsed = _parse_json(expected)
            if expected_parsed is not _MISSING:
                return self.compare(expected_parsed, rewrite_actual(parsed), loc)
        return self.compare(expected, rewrite_actual(actual), loc)


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return _MISSING


# --------------------------------------------------------------------------------------------------------------
# Histories
# --------------------------------------------------------------------------------------------------------------

_PARALLEL_ENDS: Final = frozenset({"ParallelStateSucceeded", "ParallelStateFailed"})


def _sort_key(event: Mapping[str, Any]) -> str:
    decoded: dict[str, Any] = {}
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, Mapping):
            value = {f: (_decoded_object(v) if f in _JSON_TEXT_FIELDS else v) for f, v in value.items()}
        decoded[key] = value
    return json.dumps(decoded, sort_keys=True, default=str)


def _decoded_object(value: Any) -> Any:
    if isinstance(value, str):
        parsed = _parse_json(value)
        if isinstance(parsed, dict):
            return parsed
    return value


def sort_parallel_events(events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Apply the recorder's normalisation of Parallel states (``events_order: parallel_sorted``).

    Reconstructed from the recordings (all seven ``parallel_sorted`` cases agree): walking the history, every
    ``ParallelStateStarted`` opens a new group (an earlier open group stays where it is, renumbered); each
    event inside a group gets ``id`` ``[0]`` and ``previousEventId`` ``0``; ``ParallelStateSucceeded`` /
    ``ParallelStateFailed`` closes it. At the end, the events from just after the *last* ``ParallelStateStarted``
    up to and including the *last* closing event are replaced by the last group sorted by its sorted-keys
    JSON text. So with nested or retried Parallel states some events disappear, as in the recordings.
    """
    out = [dict(e) for e in events]
    start: int | None = None
    end: int | None = None
    group: list[dict[str, Any]] = []
    inside = False
    for i, event in enumerate(out):
        kind = event.get("type")
        if kind == "ParallelStateStarted":
            start, inside, group = i, True, []
        elif kind in _PARALLEL_ENDS:
            inside, end = False, i
        elif inside:
            event["id"] = [0]
            event["previousEventId"] = 0
            group.append(event)
    if start is not None and end is not None:
        out[start + 1 : end + 1] = sorted(group, key=_sort_key)
    return out


def _boto_events(history: Any) -> list[dict[str, Any]]:
    """The events of a history: an object with ``to_boto()``, a ``{"events": [...]}`` mapping or a list."""
    if hasattr(history, "to_boto"):
        history = history.to_boto()
    if isinstance(history, Mapping):
        history = history["events"]
    return [dict(e) for e in history]


def _normalise_events(case: Case, history: Any) -> tuple[list[dict[str, Any]], str | None]:
    """Timestamps dropped, Parallel normalisation applied when the case asks; and a hint if it could not be."""
    events = [{k: v for k, v in e.items() if k != "timestamp"} for e in _boto_events(history)]
    hint = None
    if case.events_order == "parallel_sorted":
        hint = _parallel_hint(events)
        events = sort_parallel_events(events)
    return events, hint


# --------------------------------------------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------------------------------------------

_MAX_DIFFS: Final = 8


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class PartResult:
    """One score of one case. ``matched`` is ``None`` when the recording has nothing to compare."""

    name: str
    matched: bool | None
    diffs: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.matched is None:
            return f"{self.name}: not recorded"
        if self.matched:
            return f"{self.name}: match"
        shown = list(self.diffs[:_MAX_DIFFS])
        if len(self.diffs) > _MAX_DIFFS:
            shown.append(f"(+{len(self.diffs) - _MAX_DIFFS} more)")
        return f"{self.name}: DIFFERS\n" + "\n".join(f"    {d}" for d in shown)


def _part(name: str, diffs: Sequence[Diff | str]) -> PartResult:
    return PartResult(name=name, matched=not diffs, diffs=tuple(str(d) for d in diffs))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CaseResult:
    """The three scores of one case, or the exception the run raised."""

    case_id: str
    features: tuple[str, ...]
    is_choice_matrix: bool
    output: PartResult
    events: PartResult
    events_full: PartResult
    exception: BaseException | None = None

    @property
    def passed(self) -> bool:
        """The suite's verdict: output matches and, where recorded, the event types do too."""
        return self.exception is None and bool(self.output.matched) and self.events.matched is not False

    def describe(self) -> str:
        """A short readable account of what differs."""
        head = f"{self.case_id}: {'PASS' if self.passed else 'FAIL'}"
        if self.exception is not None:
            return f"{head}\n  the run raised {type(self.exception).__name__}: {self.exception}"
        parts = [self.output, self.events, self.events_full]
        return head + "\n" + "\n".join("  " + p.describe().replace("\n", "\n  ") for p in parts)

    @classmethod
    def crashed(cls, case: Case, exc: BaseException) -> CaseResult:
        msg = f"the run raised {type(exc).__name__}: {exc}"

        def part(name: str, recorded: bool) -> PartResult:
            return PartResult(name=name, matched=False if recorded else None, diffs=(msg,) if recorded else ())

        return cls(
            case_id=case.id,
            features=case.features,
            is_choice_matrix=case.is_choice_matrix,
            output=part("output", True),
            events=part("events", case.expected.events is not None),
            events_full=part("events_full", case.expected.events_full is not None),
            exception=exc,
        )


def _compare_output(case: Case, matcher: Matcher, status: Any, output: Any, error: Any, cause: Any) -> PartResult:
    exp = case.expected
    diffs: list[Diff] = []
    if not matcher.skipped(("status",)) and status != exp.status:
        diffs.append(_diff(("status",), exp.status, status))
    diffs += matcher.compare(exp.output, rewrite_actual(output), ("output",))
    diffs += matcher.compare(exp.error, rewrite_actual(error), ("error",))
    if exp.cause_is_json and isinstance(exp.cause, str):
        diffs += matcher.compare_json_text(exp.cause, cause, ("cause",))
    else:
        diffs += matcher.compare(exp.cause, rewrite_actual(cause), ("cause",))
    return _part("output", diffs)


def _parallel_hint(raw_events: Sequence[Mapping[str, Any]]) -> str | None:
    """Why the Parallel normalisation could not apply, when the history lacks a closing event."""
    kinds = [e.get("type") for e in raw_events]
    if "ParallelStateStarted" in kinds and not _PARALLEL_ENDS.intersection(kinds):
        return (
            "note: the history has ParallelStateStarted but no ParallelStateSucceeded/ParallelStateFailed; AWS "
            "writes one (the recorder's normalisation then drops it, which is why the recorded ids skip a number)"
        )
    return None


def _compare_event_types(
    case: Case, matcher: Matcher, events: Sequence[Mapping[str, Any]], hint: str | None = None
) -> PartResult:
    expected = case.expected.events
    if expected is None or matcher.skipped(("events",)):
        return PartResult(name="events", matched=None)
    actual = [str(e.get("type")) for e in events]
    if list(expected) == actual:
        return _part("events", [])
    first = next((i for i, (e, a) in enumerate(zip(expected, actual, strict=False)) if e != a), None)
    if first is None:
        first = min(len(expected), len(actual))
    lines = [
        f"expected {len(expected)} events, got {len(actual)}; first difference at event #{first + 1}: "
        f"expected {expected[first] if first < len(expected) else 'the end'}, "
        f"got {actual[first] if first < len(actual) else 'the end'}"
    ]
    lo = max(0, first - 2)
    window = difflib.unified_diff(
        list(expected[lo : first + 6]), actual[lo : first + 6], "expected", "actual", lineterm="", n=2
    )
    lines += [ln for ln in window if not ln.startswith(("---", "+++", "@@"))]
    if hint:
        lines.insert(0, hint)
    return PartResult(name="events", matched=False, diffs=tuple(lines))


def _compare_event_details(
    matcher: Matcher, expected: Mapping[str, Any], actual: Any, loc: tuple[Any, ...]
) -> list[Diff]:
    if matcher.skipped(loc):
        return []
    if not isinstance(actual, Mapping):
        return [_diff(loc, expected, actual)]
    diffs: list[Diff] = []
    for field, value in expected.items():
        sub = (*loc, field)
        if field not in actual:
            if not matcher.skipped(sub):
                diffs.append(Diff(sub, f"missing; expected {_show(value)}"))
        elif field in _JSON_TEXT_FIELDS:
            diffs += matcher.compare_json_text(value, actual[field], sub)
        elif field == "assignedVariables" and isinstance(value, Mapping) and isinstance(actual[field], Mapping):
            got = actual[field]
            for name, text in value.items():
                if name in got:
                    diffs += matcher.compare_json_text(text, got[name], (*sub, name))
                elif not matcher.skipped((*sub, name)):
                    diffs.append(Diff((*sub, name), f"missing; expected {_show(text)}"))
            for name in got:
                if name not in value and not matcher.skipped((*sub, name)):
                    diffs.append(Diff((*sub, name), f"unexpected variable, value {_show(got[name])}"))
        else:
            diffs += matcher.compare(value, rewrite_actual(actual[field]), sub)
    for field in actual:
        if field not in expected and not matcher.skipped((*loc, field)):
            diffs.append(Diff((*loc, field), f"unexpected field, value {_show(actual[field])}"))
    return diffs


def _compare_events_full(
    case: Case, matcher: Matcher, events: Sequence[Mapping[str, Any]], hint: str | None = None
) -> PartResult:
    expected = case.expected.events_full
    if expected is None or matcher.skipped(("events",)):
        return PartResult(name="events_full", matched=None)
    lines: list[str] = []
    if len(expected) != len(events):
        lines.append(f"expected {len(expected)} events, got {len(events)}")
    for i, (exp, act) in enumerate(zip(expected, events, strict=False)):
        loc: tuple[Any, ...] = ("events", i)
        diffs: list[Diff] = []
        for key, value in exp.items():
            sub = (*loc, key)
            if key.endswith("EventDetails") and isinstance(value, Mapping):
                diffs += _compare_event_details(matcher, value, act.get(key, _MISSING), sub)
            elif key not in act:
                if not matcher.skipped(sub):
                    diffs.append(Diff(sub, f"missing; expected {_show(value)}"))
            else:
                diffs += matcher.compare(value, rewrite_actual(act[key]), sub)
        for key in act:
            if key not in exp and not matcher.skipped((*loc, key)):
                diffs.append(Diff((*loc, key), f"unexpected field, value {_show(act[key])}"))
        label = f"event #{i + 1} {exp.get('type')}"
        lines += [f"{label}: {d}" for d in diffs]
    if lines and hint:
        lines.insert(0, hint)
    return PartResult(name="events_full", matched=not lines, diffs=tuple(lines))


def compare_execution(
    case: Case,
    execution: Any = None,
    *,
    status: Any = _MISSING,
    output: Any = _MISSING,
    error: Any = _MISSING,
    cause: Any = _MISSING,
    history: Any = _MISSING,
) -> CaseResult:
    """Score an execution against ``case``: pass the execution handle, or its parts as keywords.

    ``history`` is anything with ``to_boto()``, a ``GetExecutionHistory`` body or a list of boto-shaped
    events (``input``/``output`` as JSON text).
    """

    def pick(value: Any, attr: str) -> Any:
        if value is not _MISSING:
            return value
        if execution is None:
            return [] if attr == "history" else None
        return getattr(execution, attr)

    matcher = Matcher.for_case(case)
    status, output = pick(status, "status"), pick(output, "output")
    error, cause, history = pick(error, "error"), pick(cause, "cause"), pick(history, "history")
    needs_history = case.expected.events is not None or case.expected.events_full is not None
    events, hint = _normalise_events(case, history) if needs_history else ([], None)
    return CaseResult(
        case_id=case.id,
        features=case.features,
        is_choice_matrix=case.is_choice_matrix,
        output=_compare_output(case, matcher, status, output, error, cause),
        events=_compare_event_types(case, matcher, events, hint),
        events_full=_compare_events_full(case, matcher, events, hint),
    )


def evaluate(case: Case, run: RunFunction) -> CaseResult:
    """Run ``case`` with ``run`` and score it; an exception from the run (or the scoring) is recorded."""
    try:
        return compare_execution(case, run_case(case, run))
    except Exception as exc:
        return CaseResult.crashed(case, exc)


# --------------------------------------------------------------------------------------------------------------
# The xfail ledger
# --------------------------------------------------------------------------------------------------------------


class LedgerError(ValueError):
    """The ledger file is malformed (the message names the line)."""


def parse_ledger(text: str, *, source: str = "xfail_ledger.txt") -> dict[str, str]:
    """Parse ledger text: one ``case_id  # reason`` per line; ``#`` comments and blank lines allowed."""
    ledger: dict[str, str] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        case_id, sep, reason = line.partition("#")
        case_id, reason = case_id.strip(), reason.strip()
        if not sep or not reason:
            raise LedgerError(f"{source}:{lineno}: {case_id!r} has no reason; write `case_id  # why it fails`")
        if any(ch.isspace() for ch in case_id):
            raise LedgerError(f"{source}:{lineno}: {case_id!r} is not one case id (it contains a space)")
        if case_id in ledger:
            raise LedgerError(f"{source}:{lineno}: {case_id!r} is listed twice")
        ledger[case_id] = reason
    return ledger


def load_ledger(path: str | Path = LEDGER_PATH) -> dict[str, str]:
    """The ledger as ``{case_id: reason}``; a missing file is an empty ledger."""
    p = Path(path)
    if not p.exists():
        return {}
    return parse_ledger(p.read_text(encoding="utf-8"), source=str(p))


# --------------------------------------------------------------------------------------------------------------
# Pass rates
# --------------------------------------------------------------------------------------------------------------

_SCORES: Final = ("output", "events", "events_full")


def _rates(results: Sequence[CaseResult]) -> dict[str, Any]:
    out: dict[str, Any] = {"cases": len(results)}
    for score in _SCORES:
        parts = [getattr(r, score) for r in results]
        recorded = [p for p in parts if p.matched is not None]
        passed = sum(1 for p in recorded if p.matched)
        out[score] = {
            "passed": passed,
            "total": len(recorded),
            "rate": round(passed / len(recorded), 4) if recorded else None,
        }
    out["passed"] = sum(1 for r in results if r.passed)
    return out


def summarise(
    results: Iterable[CaseResult],
    *,
    not_runnable: Iterable[Case] = (),
    ledger: Mapping[str, str] | None = None,
    directory: str | Path | None = None,
) -> dict[str, Any]:
    """Pass rates per feature tag (all cases and without the Choice matrix), totals, and per-case verdicts."""
    results = list(results)
    skipped = list(not_runnable)
    ledger = dict(ledger or {})
    others = [r for r in results if not r.is_choice_matrix]
    features = sorted({f for r in results for f in r.features})
    reasons: dict[str, int] = {}
    for case in skipped:
        for reason in case.not_runnable_because or ("(no reason given)",):
            reasons[reason] = reasons.get(reason, 0) + 1
    return {
        "cases_dir": str(directory) if directory is not None else None,
        "counts": {
            "run": len(results),
            "choice_matrix": len(results) - len(others),
            "not_runnable": len(skipped),
            "crashed": sum(1 for r in results if r.exception is not None),
            "in_ledger": sum(1 for r in results if r.case_id in ledger),
        },
        "total": _rates(results),
        "total_without_choice_matrix": _rates(others),
        "by_feature": {
            f: {
                "all": _rates([r for r in results if f in r.features]),
                "without_choice_matrix": _rates([r for r in others if f in r.features]),
            }
            for f in features
        },
        "cases": {
            r.case_id: {
                "passed": r.passed,
                "output": r.output.matched,
                "events": r.events.matched,
                "events_full": r.events_full.matched,
                "in_ledger": r.case_id in ledger,
                "crashed": None if r.exception is None else f"{type(r.exception).__name__}: {r.exception}",
                "diffs": [d for p in (r.output, r.events, r.events_full) for d in p.diffs[:_MAX_DIFFS]],
            }
            for r in results
        },
        "not_runnable": {c.id: list(c.not_runnable_because) for c in skipped},
        "not_runnable_reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
    }


def _cell(rate: Mapping[str, Any]) -> str:
    if not rate["total"]:
        return f"{'-':>6} {'':>9}"
    return f"{100 * rate['rate']:5.1f}% {rate['passed']:>4}/{rate['total']:<4}"


def format_summary(summary: Mapping[str, Any]) -> list[str]:
    """Terminal lines for :func:`summarise`'s figures: one row per feature tag, then the totals."""
    counts = summary["counts"]
    groups = ("all", "without_choice_matrix")
    width = max([len("feature"), len("TOTAL"), *(len(f) for f in summary["by_feature"])])
    group_width = 4 + 3 * 17
    head = f"{'feature':<{width}}" + "".join(
        f" | {'n':>4} {'output':^16} {'events':^16} {'events_full':^16}" for _ in groups
    )
    matrix_title = f"without the Choice matrix ({counts['choice_matrix']} cases)"
    lines = [f"{'':<{width}} | {'all cases':^{group_width}} | {matrix_title:^{group_width}}", head, "-" * len(head)]

    def row(label: str, pair: Sequence[Mapping[str, Any]]) -> str:
        return f"{label:<{width}}" + "".join(
            f" | {r['cases']:>4} {_cell(r['output'])} {_cell(r['events'])} {_cell(r['events_full'])}" for r in pair
        )

    for feature, rates in summary["by_feature"].items():
        lines.append(row(feature, [rates[g] for g in groups]))
    lines.append("-" * len(head))
    lines.append(row("TOTAL", [summary["total"], summary["total_without_choice_matrix"]]))
    lines.append(
        f"{summary['total']['passed']}/{counts['run']} cases pass (output and events); {counts['crashed']} raised; "
        f"{counts['in_ledger']} in the xfail ledger"
    )
    if counts["not_runnable"]:
        reasons = ", ".join(f"{r} ({n})" for r, n in summary["not_runnable_reasons"].items())
        lines.append(f"{counts['not_runnable']} cases not runnable locally, not run; they need: {reasons}")
    full_only = [cid for cid, c in summary["cases"].items() if c["passed"] and c["events_full"] is False]
    if full_only:
        lines.append(f"events_full differs in {len(full_only)} passing cases (details in the JSON report), e.g.:")
        lines += [f"  {cid}" for cid in full_only[:5]]
    return lines


# --------------------------------------------------------------------------------------------------------------
# Command line: score the interpreter without pytest
# --------------------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tests.conformance.harness [-k TEXT] [--show] [--ledger]``: run the cases, print the figures."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.conformance.harness", description=main.__doc__)
    parser.add_argument("-k", dest="select", default="", help="only cases whose id contains this text")
    parser.add_argument("--show", action="store_true", help="describe every failing case")
    parser.add_argument(
        "--ledger", action="store_true", help="print `case_id  # first difference` lines for the failing cases"
    )
    args = parser.parse_args(argv)
    run = interpreter_run()
    cases = load_cases()
    runnable = [c for c in cases if c.runnable_locally and args.select in c.id]
    results = [evaluate(c, run) for c in runnable]
    if args.ledger:
        for r in results:
            if not r.passed:
                first = next((d for p in (r.output, r.events) for d in p.diffs if not d.startswith("note:")), "")
                reason = f"raised {type(r.exception).__name__}" if r.exception is not None else first
                print(f"{r.case_id}  # {reason[:110]}")
        return 0
    if args.show:
        for r in results:
            if not r.passed:
                print(r.describe(), end="\n\n")
    summary = summarise(
        results, not_runnable=[c for c in cases if not c.runnable_locally], ledger=load_ledger(), directory=cases_dir()
    )
    print("\n".join(format_summary(summary)))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
