"""Fuzz sfnkit as an attacker would, and count every promise it breaks.

The promises (README, "Guarantees"): ``validate`` never raises; ``load`` raises only ``DefinitionError``; nothing
a handler does escapes ``run()``, ``start()``/``step()`` or ``run_many()``; every history recorded can be read by
every view, report, display and widget data function; and the histories are well formed.

Each example is built from one seeded ``random.Random`` (so ``--seed S`` and the example number reproduce it):

- a **definition**: a seed (the AWS-recorded conformance definitions in ``tests/conformance/cases``, the
  machines of ``sfnkit/examples`` and a few built in here, one per state type and query language) with 1-4
  mutations: a field deleted, renamed or given a value of another type (huge, deep, odd text), a transition
  retargeted, a sub-tree copied elsewhere, a path, intrinsic or JSONata expression swapped in; sometimes handed
  over as JSON or YAML text, sometimes with the text itself damaged;
- an **input**: a JSON value, sometimes huge (an integer of 5,000 digits, a long string), deep (hundreds of
  levels) or odd (lone surrogates, NUL characters);
- **handler behaviours**: each call returns a JSON value, or one JSON cannot hold (a set, bytes, NaN, an
  object), or a huge or deep one; raises any exception type (including ``TaskFailure`` with non-string fields,
  an exception whose ``str()`` raises, a ``BaseException`` subclass); sleeps briefly in real time; asks for
  virtual time; or mutates its input.

Then it drives ``validate``, ``load``, ``run``, ``start`` + ``step`` to the end, ``run_many``, ``explain`` (every
state), every report table, the timeline/durations/retries plots and the HTML report (every ``--heavy-every``
examples: they cost tens of milliseconds), every display (``_repr_mimebundle_``, ``show_static``'s bundle) and
the widgets' data functions. An **escape** is an exception an API must not raise; a **hang** is an example
that passes ``--timeout`` seconds; a **violation** is a history that breaks an invariant (ids 1..n contiguous,
previous ids earlier, one ExecutionStarted first, a final status closed by its event, the boto round trip, the
same seed giving the same history).

    python bench/fuzz.py --examples 2000 --seed 1          # prints a summary; exit status 1 on any finding
    python bench/fuzz.py --examples 200 --seed 7 --show 5  # and the first 5 findings with their tracebacks

Runs of a few thousand examples take a few minutes on one core; split long campaigns by seed.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import glob
import io
import json
import os
import random
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sfnkit  # noqa: E402  (after the path set-up, so the checkout's sfnkit is used)
from sfnkit.errors import TaskFailure  # noqa: E402

LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:Fn"
RESOURCES = [
    LAMBDA_ARN,
    "arn:aws:states:::lambda:invoke",
    "arn:aws:states:::lambda:invoke.waitForTaskToken",
    "arn:aws:states:::sqs:sendMessage",
    "arn:aws:states:::dynamodb:getItem",
    "arn:aws:states:::states:startExecution.sync:2",
    "arn:aws:states:::aws-sdk:s3:listBuckets",
    "arn:aws:states:us-east-1:123456789012:activity:Act",
    "arn:aws:states:::http:invoke",
    "arn:aws-cn:states:::sqs:sendMessage",
    "arn:aws:lambda:us-east-1:123456789012:function:Fn:$LATEST",
]
PATHS = [
    "$",
    "$.a",
    "$.a.b",
    "$[0]",
    "$.a[0].b",
    "$$",
    "$$.Execution",
    "$$.Execution.Input",
    "$$.Map.Item.Value",
    "$foo",
    "$foo.bar",
    "$..a",
    "$.a[*]",
    "$.a[?(@.b > 1)]",
    "$[1:2]",
    "$['a b']",
    "$.",
    "$[",
    "",
    "a",
    "$.a.length()",
    "$$$",
    "$.\u0000",
    "$." + "a." * 300 + "a",
]
INTRINSICS = [
    "States.Format('{} {}', $.a, $.b)",
    "States.StringToJson($.s)",
    "States.JsonToString($)",
    "States.Array(1, $.a, 'x')",
    "States.ArrayRange(0, 1000000, 1)",
    "States.ArrayRange(0, 5, 0)",
    "States.Hash($.a, 'SHA-1')",
    "States.MathAdd(9007199254740991, 1)",
    "States.UUID()",
    "States.MathRandom(1, 0)",
    "States.Base64Decode('!!')",
    "States.ArrayPartition($.a, 0)",
    "States.StringSplit($.s, '')",
    "States.ArrayGetItem($.a, -1)",
    "States.Format('{}'",
    "States.Nope()",
    "States.ArrayLength($.a)",
    "States.JsonMerge($.a, $.b, false)",
]
JSONATA = [
    "{% $states.input %}",
    "{% $states.input.a %}",
    "{% $x %}",
    "{% $states.result %}",
    "{% $states.errorOutput %}",
    "{% $sum($states.input.a) %}",
    "{% 1/0 %}",
    "{% $error('boom') %}",
    "{% $string($states.input) %}",
    "{% [1..10000000] %}",
    "{% (function($f){$f($f)})(function($f){$f($f)}) %}",
    "{% $partition($states.input.a, 1) %}",
    "{% $states.context.Execution.Id %}",
    "{% %}",
    "{% ( %}",
    "{% $parse('[1,') %}",
    "{% $uuid() %}",
    "{% $random() %}",
    "{% $now() %}",
    "{% 9e999 %}",
    "{% $states.input.nope.deeper %}",
    "{% $count($states.input) > 2 ? 'a' : {'b': 1} %}",
]
FIELDS = [
    "Type",
    "Next",
    "End",
    "Resource",
    "Parameters",
    "Arguments",
    "ResultPath",
    "ResultSelector",
    "InputPath",
    "OutputPath",
    "Output",
    "Assign",
    "Retry",
    "Catch",
    "TimeoutSeconds",
    "HeartbeatSeconds",
    "TimeoutSecondsPath",
    "Seconds",
    "SecondsPath",
    "Timestamp",
    "Choices",
    "Default",
    "Branches",
    "ItemProcessor",
    "Iterator",
    "ItemsPath",
    "Items",
    "ItemSelector",
    "MaxConcurrency",
    "ItemReader",
    "ItemBatcher",
    "ResultWriter",
    "ToleratedFailurePercentage",
    "Credentials",
    "QueryLanguage",
    "Error",
    "Cause",
    "ErrorPath",
    "CausePath",
    "Result",
    "Comment",
    "Label",
    "StartAt",
    "States",
]
REPORT_PATH = Path(os.environ.get("TMPDIR", "/tmp")) / f"sfnkit-fuzz-report-{os.getpid()}.html"
BUILTIN = 6  # how many seeds _builtin_seeds() gives
FINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
CLOSING = {"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"}

# -- seeds -------------------------------------------------------------------------------------------------------


def _builtin_seeds() -> list[tuple[dict[str, Any], Any]]:
    task = {
        "Type": "Task",
        "Resource": LAMBDA_ARN,
        "TimeoutSeconds": 5,
        "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2, "IntervalSeconds": 1, "BackoffRate": 2.0}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Done"}],
        "Next": "Done",
    }
    return [
        ({"StartAt": "T", "States": {"T": task, "Done": {"Type": "Succeed"}}}, {"a": [1, 2], "b": 2}),
        (
            {
                "StartAt": "P",
                "States": {
                    "P": {
                        "Type": "Parallel",
                        "Branches": [
                            {
                                "StartAt": "A",
                                "States": {
                                    "A": {**{k: v for k, v in task.items() if k not in ("Catch", "Next")}, "End": True}
                                },
                            },
                            {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": {"x": 1}, "End": True}}},
                        ],
                        "Next": "W",
                    },
                    "W": {"Type": "Wait", "Seconds": 3, "Next": "C"},
                    "C": {
                        "Type": "Choice",
                        "Choices": [{"Variable": "$[0].a", "IsPresent": True, "Next": "S"}],
                        "Default": "F",
                    },
                    "S": {"Type": "Succeed"},
                    "F": {"Type": "Fail", "Error": "E", "Cause": "c"},
                },
            },
            {"a": 1},
        ),
        (
            {
                "StartAt": "M",
                "States": {
                    "M": {
                        "Type": "Map",
                        "ItemsPath": "$.a",
                        "MaxConcurrency": 2,
                        "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
                        "ItemProcessor": {
                            "StartAt": "T",
                            "States": {
                                "T": {
                                    "Type": "Task",
                                    "Resource": "arn:aws:states:::lambda:invoke",
                                    "Parameters": {"FunctionName": "Fn", "Payload.$": "$"},
                                    "OutputPath": "$.Payload",
                                    "End": True,
                                }
                            },
                        },
                        "ToleratedFailurePercentage": 50,
                        "End": True,
                    }
                },
            },
            {"a": [1, 2, 3]},
        ),
        (
            {
                "QueryLanguage": "JSONata",
                "StartAt": "J",
                "States": {
                    "J": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::lambda:invoke",
                        "Arguments": {"FunctionName": "Fn", "Payload": "{% $states.input %}"},
                        "Assign": {"x": "{% $states.result.Payload %}"},
                        "Output": "{% $states.result %}",
                        "Next": "K",
                    },
                    "K": {"Type": "Pass", "Output": {"x": "{% $x %}", "n": "{% $count($states.input) %}"}, "Next": "L"},
                    "L": {
                        "Type": "Map",
                        "Items": "{% [1, 2] %}",
                        "ItemProcessor": {"StartAt": "Q", "States": {"Q": {"Type": "Pass", "End": True}}},
                        "End": True,
                    },
                },
            },
            {"a": [1]},
        ),
        (
            {
                "StartAt": "D",
                "States": {
                    "D": {
                        "Type": "Map",
                        "ItemProcessor": {
                            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                            "StartAt": "X",
                            "States": {"X": {"Type": "Task", "Resource": LAMBDA_ARN, "End": True}},
                        },
                        "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"b.$": "$.b"}},
                        "Label": "L",
                        "End": True,
                    }
                },
            },
            [1, 2, 3],
        ),
        (
            {
                "StartAt": "A",
                "States": {
                    "A": {"Type": "Pass", "Assign": {"v.$": "$.a"}, "Next": "B"},
                    "B": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                        "Parameters": {"FunctionName": "Fn", "Payload": {"t.$": "$$.Task.Token"}},
                        "HeartbeatSeconds": 2,
                        "TimeoutSeconds": 10,
                        "End": True,
                    },
                },
            },
            {"a": 1},
        ),
    ]


def load_seeds() -> list[tuple[Any, Any]]:
    seeds: list[tuple[Any, Any]] = list(_builtin_seeds())
    for f in sorted(glob.glob(str(ROOT / "tests" / "conformance" / "cases" / "*.json"))):
        try:
            case = json.loads(Path(f).read_text())
        except ValueError:
            continue
        if isinstance(case, dict) and isinstance(case.get("definition"), dict):
            seeds.append((case["definition"], case.get("input", {})))
    for f in sorted(glob.glob(str(ROOT / "sfnkit" / "examples" / "*.json"))):
        seeds.append((json.loads(Path(f).read_text()), {"a": 1}))
    return seeds


# -- random values -------------------------------------------------------------------------------------------------


def clone(value: Any) -> Any:
    """A deep copy of a JSON-ish value without recursion (inputs are hundreds of levels deep)."""
    if type(value) not in (dict, list):
        return value
    root: Any = {} if type(value) is dict else []
    stack = [(value, root)]
    seen: dict[int, Any] = {id(value): root}
    while stack:
        src, dst = stack.pop()
        for k, v in src.items() if type(src) is dict else enumerate(src):
            if type(v) in (dict, list):
                if id(v) in seen:
                    v2 = seen[id(v)]
                else:
                    v2 = seen[id(v)] = {} if type(v) is dict else []
                    stack.append((v, v2))
                v = v2
            if type(dst) is dict:
                dst[k] = v
            else:
                dst.append(v)
    return root


def deep(depth: int, leaf: Any = 1) -> Any:
    v = leaf
    for i in range(depth):
        v = [v] if i % 2 else {"d": v}
    return v


#: Values of the classes of issue 13 whose fix belongs to the runtime's history handling (integers of more than
#: 4,300 digits, lone surrogates, TaskFailure fields that are not strings, exceptions whose str() raises).
#: ``--no-history-classes`` leaves them out, so that the rest can be checked to zero on its own.
HISTORY_CLASSES = True


def json_value(rng: random.Random, size: int = 3) -> Any:
    """A JSON value, now and then huge, deep or odd."""
    r = rng.random()
    if r < 0.04:
        digits = [20, 400, 4299, 4400, 5000] if HISTORY_CLASSES else [20, 400, 4299]
        return rng.choice([10 ** rng.choice(digits), -(2**63), 2**64, 1e308, -0.0, 5e-324])
    if r < 0.07:
        odd = ["\x00", "\u202e<script>alert(1)</script>", "x" * 300_000, "{% $x %}", "$.a", "😀" * 1000, "A" * 70_000]
        return rng.choice(odd + (["\ud800", "a\udfffb"] if HISTORY_CLASSES else []))
    if r < 0.09:
        return deep(rng.choice([50, 400, 600, 900]))
    if size <= 0 or r < 0.45:
        return rng.choice([None, True, False, 0, 1, -1, 2.5, "", "a", "b c", "States.ALL", 3, 10**9])
    if r < 0.7:
        return [json_value(rng, size - 1) for _ in range(rng.randint(0, 4))]
    keys = ["a", "b", "s", "x", "Payload", "", "a.$", "0"] + (["\ud800"] if HISTORY_CLASSES else [])
    return {rng.choice(keys): json_value(rng, size - 1) for _ in range(rng.randint(0, 4))}


class _BadStr(Exception):
    def __str__(self) -> str:
        raise RuntimeError("__str__ raised")


class _BadBase(BaseException):
    pass


class _Weird:
    def __repr__(self) -> str:
        raise ValueError("repr raised")


def non_json(rng: random.Random) -> Any:
    return rng.choice(
        [
            {1, 2},
            b"bytes",
            float("nan"),
            float("inf"),
            _Weird(),
            object(),
            {1: "int key"},
            (1, 2),
            {"a": {1, 2}},
            [b"x"],
            complex(1, 2),
            Path("/tmp"),
            {"nested": [float("-inf")]},
            range(3),
        ]
    )


def exception(rng: random.Random) -> BaseException:
    common: list[BaseException] = [
        ValueError("bad"),
        KeyError("k"),
        RuntimeError("x" * 50_000),
        ZeroDivisionError(),
        TypeError(None),
        TaskFailure("Custom.Error", "cause"),
        RecursionError("deep"),
        MemoryError(),
        OSError(2, "nope"),
        UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"),
        StopIteration(),
        _BadBase("base"),
        AssertionError(),
    ]
    if HISTORY_CLASSES:
        common += [
            _BadStr(),
            TaskFailure(5, {"not": "a string"}),
            TaskFailure(None, None),  # type: ignore[arg-type]
            Exception("\ud800"),
        ]
    return rng.choice(common)


# -- mutations -----------------------------------------------------------------------------------------------------


def _containers(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) pair in ``value``: where a mutation can strike."""
    out: list[tuple[Any, Any]] = []
    stack = [value]
    while stack and len(out) < 5000:
        v = stack.pop()
        if isinstance(v, dict):
            for k, x in v.items():
                out.append((v, k))
                stack.append(x)
        elif isinstance(v, list):
            for i, x in enumerate(v):
                out.append((v, i))
                stack.append(x)
    return out


def _states(value: Any) -> list[dict[str, Any]]:
    found = []
    for c, k in _containers(value):
        if k == "States" and isinstance(c, dict) and isinstance(c[k], dict):
            found.extend(s for s in c[k].values() if isinstance(s, dict))
    return found


def mutate(rng: random.Random, d: Any) -> str:
    """One random edit of ``d`` in place; returns its name."""
    spots = _containers(d)
    states = _states(d)
    names = [n for c, k in _containers(d) if k == "States" and isinstance(c[k], dict) for n in c[k]] or ["X"]
    kind = rng.choice(
        [
            "delete",
            "retype",
            "rename",
            "retarget",
            "copy",
            "path",
            "dollar",
            "intrinsic",
            "jsonata",
            "field",
            "resource",
            "ql",
            "retry",
            "deep",
            "huge",
        ]
    )
    if not spots or (kind in ("field", "resource", "retry", "path", "dollar") and not states):
        kind = "retype"
    if not spots:
        return "none"
    c, k = rng.choice(spots)
    st = rng.choice(states) if states else {}
    if kind == "delete" and isinstance(c, dict):
        del c[k]
    elif kind == "rename" and isinstance(c, dict):
        c[rng.choice([*FIELDS, k + ".$", k.removesuffix(".$"), k.lower()]) if isinstance(k, str) else "x"] = c.pop(k)
    elif kind == "retarget":
        st["Next"] = rng.choice(names)
        st.pop("End", None)
    elif kind == "copy":
        c2, k2 = rng.choice(spots)
        with contextlib.suppress(Exception):
            c[k] = clone(c2[k2])
    elif kind == "path":
        st[
            rng.choice(
                [
                    "ResultPath",
                    "InputPath",
                    "OutputPath",
                    "ItemsPath",
                    "SecondsPath",
                    "TimestampPath",
                    "ErrorPath",
                    "TimeoutSecondsPath",
                ]
            )
        ] = rng.choice(PATHS)
    elif kind == "dollar":
        target = st.setdefault(
            rng.choice(["Parameters", "ResultSelector", "ItemSelector", "Assign", "Credentials"]), {}
        )
        if isinstance(target, dict):
            target[rng.choice(["a.$", "FunctionName.$", "RoleArn.$", "Payload.$", "x"])] = rng.choice(
                PATHS + INTRINSICS + [5, None, [1], {"a": 1}]
            )
    elif kind == "intrinsic":
        c[k] = rng.choice(INTRINSICS)
    elif kind == "jsonata":
        c[k] = rng.choice(JSONATA)
    elif kind == "field":
        st[rng.choice(FIELDS)] = json_value(rng) if rng.random() < 0.5 else rng.choice(PATHS + JSONATA + names)
    elif kind == "resource":
        st["Type"], st["Resource"] = "Task", rng.choice(RESOURCES)
    elif kind == "ql":
        target = d if rng.random() < 0.5 or not states else st
        if isinstance(target, dict):
            target["QueryLanguage"] = rng.choice(["JSONata", "JSONPath", "Other", 1])
    elif kind == "retry":
        st["Retry"] = [
            {
                "ErrorEquals": rng.choice([["States.ALL"], ["ValueError"], ["States.TaskFailed"], []]),
                "MaxAttempts": rng.choice([0, 1, 3, 99999999, -1]),
                "IntervalSeconds": rng.choice([1, 0, 99999999]),
                "BackoffRate": rng.choice([1, 2.0, 1e308, 0.5]),
                "MaxDelaySeconds": rng.choice([1, 5, 99999999]),
                "JitterStrategy": rng.choice(["FULL", "NONE"]),
            }
        ]
    elif kind == "deep":
        c[k] = deep(rng.choice([100, 500, 900]), rng.choice([1, {"a.$": "$"}, "{% 1 %}"]))
    elif kind == "huge":
        c[k] = json_value(rng) if rng.random() < 0.5 else rng.choice([10**5000, "x" * 1_100_000, 1e400, -1])
    else:  # retype
        c[k] = json_value(rng) if rng.random() < 0.8 else rng.choice([float("nan"), {1: 2}, (1,), b"x"])
    return kind


def as_source(rng: random.Random, d: Any) -> Any:
    """Hand the definition over as a dict, JSON text or YAML text, sometimes damaged."""
    r = rng.random()
    if r < 0.55:
        return d
    try:
        if r < 0.8:
            text = json.dumps(d, ensure_ascii=rng.random() < 0.5)
        else:
            import yaml

            text = yaml.safe_dump(d, allow_unicode=True, width=rng.choice([40, 1000]))
    except (TypeError, ValueError, RecursionError, OverflowError, Exception):
        return d
    if rng.random() < 0.25 and text:
        i = rng.randrange(len(text))
        damage = ["", "}", "{", "\x00", "&a ", "*a", '"', "1" * 5000] + (["\ud800"] if HISTORY_CLASSES else [])
        text = text[:i] + rng.choice(damage) + text[i + 1 :]
    if rng.random() < 0.05:
        text = (
            "a: &a [x,x,x,x,x,x,x,x,x]\n"
            + "".join(f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
            + text
        )
    return text


# -- handlers -------------------------------------------------------------------------------------------------------


@dataclass
class Behaviour:
    """Seeded handler behaviour: every call draws its own, deterministically from the example's seed."""

    seed: int
    sleep_ok: bool
    calls: int = 0
    slept: bool = False
    kinds: collections.Counter[str] = field(default_factory=collections.Counter)

    def __call__(self, event: Any, context: Any = None) -> Any:
        self.calls += 1
        rng = random.Random(self.seed * 1_000_003 + self.calls)
        r = rng.random()
        if r < 0.3:
            self.kinds["json"] += 1
            return json_value(rng)
        if r < 0.45:
            self.kinds["raise"] += 1
            raise exception(rng)
        if r < 0.55:
            self.kinds["non_json"] += 1
            return non_json(rng)
        if r < 0.62:
            self.kinds["mutate"] += 1
            if isinstance(event, dict):
                event.clear()
                event["mutated"] = rng.choice([1, {1, 2}, "x"])
            elif isinstance(event, list):
                event.append(event)  # a cycle
            return event
        if r < 0.7:
            self.kinds["huge"] += 1
            return rng.choice(
                [{"a": "x" * 300_000}, [list(range(1000))] * 100, deep(900)] + ([10**4400] if HISTORY_CLASSES else [])
            )
        if r < 0.77 and self.sleep_ok:
            self.kinds["sleep"] += 1
            self.slept = True
            time.sleep(rng.choice([0.001, 0.005, 0.02]))
            return {"slept": True}
        if r < 0.85:
            self.kinds["virtual_sleep"] += 1
            sfnkit.virtual_sleep(
                rng.choice([1, 3600, 0, 1e9] + ([float("inf"), float("nan")] if HISTORY_CLASSES else []))
            )
            return event
        self.kinds["echo"] += 1
        return event


# -- invariants ------------------------------------------------------------------------------------------------------


def history_problems(ex: Any) -> list[str]:
    h = ex.history
    problems = []
    ids = [e.id for e in h]
    if ids != list(range(1, len(ids) + 1)):
        problems.append("event ids are not 1..n")
    for e in h:
        prev = getattr(e, "previous_event_id", None)
        if prev is not None and prev >= e.id:
            problems.append(f"event {e.id} has previous id {prev}")
            break
    types = [e.type for e in h]
    if types[:1] != ["ExecutionStarted"] or types.count("ExecutionStarted") != 1:
        problems.append("ExecutionStarted is not the one first event")
    if ex.status in FINAL:
        if not types or types[-1] not in CLOSING or sum(t in CLOSING for t in types) != 1:
            problems.append(f"a {ex.status} execution does not end with one closing event")
    elif any(t in CLOSING for t in types):
        problems.append(f"a {ex.status} execution has a closing event")
    back = sfnkit.History.from_boto(h.to_boto())
    if [(e.id, e.type) for e in back] != [(e.id, e.type) for e in h] or back.to_boto() != h.to_boto():
        problems.append("History.from_boto(h.to_boto()) differs from h")
    return problems


# -- the drive -------------------------------------------------------------------------------------------------------


class Hang(BaseException):
    """Raised by the per-example alarm."""


@dataclass
class Findings:
    examples: int = 0
    escapes: collections.Counter[str] = field(default_factory=collections.Counter)
    hangs: int = 0
    violations: collections.Counter[str] = field(default_factory=collections.Counter)
    calls: collections.Counter[str] = field(default_factory=collections.Counter)
    outcomes: collections.Counter[str] = field(default_factory=collections.Counter)
    details: list[tuple[int, str, str]] = field(default_factory=list)
    signatures: dict[str, tuple[int, str]] = field(default_factory=dict)


def _signature(api: str, e: BaseException) -> str:
    tb = traceback.extract_tb(e.__traceback__)
    inner = [f for f in tb if "/sfnkit/" in f.filename]
    where = f"{Path(inner[-1].filename).name}:{inner[-1].lineno}" if inner else "?"
    return f"{api}: {type(e).__name__} at {where}"


class Example:
    def __init__(self, findings: Findings, index: int, heavy: bool) -> None:
        self.f = findings
        self.index = index
        self.heavy = heavy

    def call(self, api: str, fn: Callable[[], Any], allowed: tuple[type[BaseException], ...] = ()) -> Any:
        self.f.calls[api] += 1
        try:
            return fn()
        except Hang:
            raise
        except allowed:
            return None
        except BaseException as e:  # an escape: record it, go on with the next API
            self.f.escapes[api] += 1
            sig = _signature(api, e)
            text = "".join(traceback.format_exception(type(e), e, e.__traceback__, limit=-8))
            if sig not in self.f.signatures:
                self.f.signatures[sig] = (self.index, text)
            self.f.details.append((self.index, sig, text))
            return None

    def violation(self, what: str) -> None:
        self.f.violations[what] += 1
        if what not in self.f.signatures:
            self.f.signatures["violation: " + what] = (self.index, what)


def views(x: Example, ex: Any, sm: Any) -> None:
    """Every way to look at one execution."""
    import sfnkit.reports as reports
    from sfnkit.history import views as hv
    from sfnkit.views import display
    from sfnkit.widgets import data

    h = ex.history
    for name in ("events", "states", "attempts", "failures", "errors", "overview", "summary"):
        x.call(f"reports.{name}", lambda name=name: getattr(reports, name)(h))
    x.call("reports.cost", lambda: reports.cost(h))
    x.call("reports.transitions", lambda: reports.transitions(h))
    for name in ("spans", "attempts", "failures", "execution_summary", "event_scopes"):
        x.call(f"history.{name}", lambda name=name: getattr(hv, name)(h))
    x.call("repr", lambda: (repr(ex), repr(h), ex.summary(), [repr(e) for e in h], str(ex.error), str(ex.cause)))
    x.call("display.execution", lambda: ex._repr_mimebundle_())
    x.call("display.history", lambda: display.history_mimebundle(h, sm=sm))
    x.call("display.mimebundle", lambda: display.mimebundle(h))
    x.call("history.to_json", lambda: h.to_json())
    x.call("widgets.event_rows", lambda: data.pack_rows(data.event_rows(h)))
    x.call("widgets.status_changes", lambda: data.statuses_at(data.status_changes(h)))
    x.call("widgets.map_iterations", lambda: data.map_iterations(h))
    x.call("widgets.pending_tasks", lambda: data.pending_tasks(h, []))
    for name in list(sm.index)[:6]:
        x.call("widgets.inspector", lambda name=name: data.inspector(h, name, visits=ex.visits))
        x.call("explain", lambda name=name: (repr(sfnkit.explain(ex, name)), sfnkit.explain(ex, name)._repr_html_()))
    if x.heavy:
        import matplotlib.pyplot as plt

        for name in ("timeline", "durations", "retries_failures"):
            x.call(f"reports.{name}", lambda name=name: getattr(reports, name)(h))
        plt.close("all")
        x.call("reports.html", lambda: reports.html(ex, REPORT_PATH))
        plt.close("all")


def drive(x: Example, rng: random.Random, seeds: list[tuple[Any, Any]]) -> None:
    # the built-in seeds load and run as they are; most conformance definitions need placeholders filled in
    pool = seeds[:BUILTIN] if rng.random() < 0.4 else seeds
    chosen, seed_input = rng.choice(pool)
    definition, seed_input = clone(chosen), clone(seed_input)  # never edit the corpus itself
    n = rng.choice([0, 0, 0, 0, 1, 1, 2, 3])
    for _ in range(n):
        mutate(rng, definition)
    source = as_source(rng, definition)
    data = seed_input if rng.random() < 0.5 else json_value(rng)
    x.call("validate", lambda: sfnkit.validate(source))
    sm = x.call("load", lambda: sfnkit.load(source), (sfnkit.DefinitionError,))
    if sm is None:
        x.f.outcomes["not loaded"] += 1
        return
    x.call("display.state_machine", lambda: (sm._repr_mimebundle_(), repr(sm)))
    x.call("validate(loaded)", lambda: sfnkit.validate(sm))
    x.call("explain(machine)", lambda: [repr(sfnkit.explain(sm, n)) for n in list(sm.index)[:6]])
    behaviour = Behaviour(seed=rng.randrange(2**32), sleep_ok=rng.random() < 0.2)

    def resources() -> dict[str, Any]:
        return {"*": behaviour}

    seed = rng.randrange(1000)
    ex = x.call("run", lambda: sfnkit.run(sm, clone(data), resources=resources(), seed=seed))
    if ex is None:
        return
    x.f.outcomes[str(ex.status)] += 1
    for p in x.call("invariants", lambda: history_problems(ex)) or []:
        x.violation(p)
    views(x, ex, sm)
    # same seed, same history (when no handler slept in real time: real time counts as virtual time)
    if not behaviour.slept and rng.random() < 0.3:
        behaviour.calls = 0
        again = x.call("run", lambda: sfnkit.run(sm, clone(data), resources=resources(), seed=seed))
        same = x.call("invariants", lambda: again.history.to_boto() == ex.history.to_boto()) if again else None
        if same is False and not behaviour.slept:
            x.violation("same seed, different history")
    if rng.random() < 0.35:
        behaviour.calls = 0

        def stepped() -> Any:
            e = sfnkit.start(sm, clone(data), resources=resources(), seed=seed)
            for _ in range(400):
                if e.status != "RUNNING":
                    break
                before = len(e.history)
                e.step()
                if len(e.history) == before and e.status == "RUNNING":
                    break  # waiting for a callback: nothing more to step
            return e

        st = x.call("start/step", stepped)
        if st is not None:
            for p in x.call("invariants", lambda: history_problems(st)) or []:
                x.violation(p)
    if rng.random() < 0.15:
        behaviour.calls = 0
        batch = x.call(
            "run_many", lambda: sfnkit.run_many(sm, [clone(data), {}], resources=resources(), progress=False)
        )
        if batch is not None:
            x.call("run_many.summary", lambda: (batch.summary(), repr(batch)))
            x.call("reports(batch)", lambda: sfnkit.reports.states(batch))


@contextlib.contextmanager
def alarm(seconds: float) -> Iterator[None]:
    def fire(signum: int, frame: Any) -> None:
        raise Hang()

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def fuzz(
    examples: int,
    seed: int,
    *,
    timeout: float = 20.0,
    heavy_every: int = 25,
    progress: bool = False,
    history_classes: bool = True,
    budget: float | None = None,
) -> Findings:
    global HISTORY_CLASSES
    HISTORY_CLASSES = history_classes
    import matplotlib

    matplotlib.use("Agg")
    seeds = load_seeds()
    findings = Findings()
    started = time.perf_counter()
    for i in range(examples):
        if budget is not None and time.perf_counter() - started > budget:
            break  # the figures say how many examples ran
        rng = random.Random(f"{seed}:{i}")
        x = Example(findings, i, heavy=heavy_every > 0 and i % heavy_every == 0)
        findings.examples += 1
        try:
            with alarm(timeout), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                drive(x, rng, seeds)
        except Hang:
            findings.hangs += 1
            findings.signatures.setdefault(f"hang in example {i}", (i, "timeout"))
        if progress and (i + 1) % 500 == 0:
            print(
                f"  {i + 1} examples, {time.perf_counter() - started:.0f} s, escapes {sum(findings.escapes.values())}",
                file=sys.stderr,
                flush=True,
            )
    return findings


def report(f: Findings, seed: int, elapsed: float, show: int) -> str:
    lines = [
        f"sfnkit fuzz: seed {seed}, {f.examples} examples in {elapsed:.0f} s"
        + ("" if HISTORY_CLASSES else " (without the history classes)"),
        f"  escapes: {sum(f.escapes.values())}" + "".join(f"\n    {api}: {n}" for api, n in sorted(f.escapes.items())),
        f"  hangs: {f.hangs}",
        f"  invariant violations: {sum(f.violations.values())}"
        + "".join(f"\n    {what}: {n}" for what, n in sorted(f.violations.items())),
        "  run outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(f.outcomes.items())),
        "  API calls: " + ", ".join(f"{k} {v}" for k, v in sorted(f.calls.items())),
    ]
    if f.signatures:
        lines.append("  distinct findings (first example):")
        for sig, (i, _) in sorted(f.signatures.items(), key=lambda kv: kv[1][0]):
            lines.append(f"    #{i}: {sig}")
    for sig, (i, text) in list(sorted(f.signatures.items(), key=lambda kv: kv[1][0]))[:show]:
        lines.append(f"\n--- example {i}: {sig}\n{text}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--examples", type=int, default=1000, help="how many examples (default 1000)")
    p.add_argument(
        "--seed", type=int, default=0, help="the campaign's seed; example i uses random.Random(f'{seed}:{i}')"
    )
    p.add_argument("--timeout", type=float, default=20.0, help="seconds one example may take before it is a hang")
    p.add_argument("--heavy-every", type=int, default=25, help="draw the plots and the HTML report every N examples")
    p.add_argument("--show", type=int, default=0, help="print the tracebacks of the first N distinct findings")
    p.add_argument("--budget", type=float, help="stop starting examples after this many seconds")
    p.add_argument("--json", help="also write the figures to this file")
    p.add_argument(
        "--no-history-classes",
        action="store_true",
        help="leave out the values of the history classes (huge integers, lone surrogates, odd TaskFailures)",
    )
    a = p.parse_args(argv)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    os.environ.setdefault("MPLBACKEND", "Agg")
    started = time.perf_counter()
    f = fuzz(
        a.examples,
        a.seed,
        timeout=a.timeout,
        heavy_every=a.heavy_every,
        progress=True,
        history_classes=not a.no_history_classes,
        budget=a.budget,
    )
    elapsed = time.perf_counter() - started
    print(report(f, a.seed, elapsed, a.show))
    if a.json:
        Path(a.json).write_text(
            json.dumps(
                {
                    "seed": a.seed,
                    "examples": f.examples,
                    "seconds": round(elapsed, 1),
                    "escapes": dict(f.escapes),
                    "hangs": f.hangs,
                    "violations": dict(f.violations),
                    "findings": sorted(f.signatures),
                },
                indent=2,
            )
        )
    return 1 if (f.escapes or f.hangs or f.violations) else 0


if __name__ == "__main__":
    raise SystemExit(main())
