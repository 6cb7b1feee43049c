"""One vocabulary: the runtime writes event types and error names with the constants of
``sfnkit.history.events`` and ``sfnkit.errors``, and every event type it can record is one that AWS's own
service model (botocore's ``stepfunctions``, shape ``HistoryEventType``) knows.

The event types the runtime can record are read from its source: every call that records an event
(``record``, ``record_at``, ``record_io``, ``_record_keep_prev`` with the type second; a history builder's ``add``/
``add_state_io`` with the type first) must name its type with a constant (``ev.TASK_SUCCEEDED``), a lookup in one
of the ``events`` tables (``ev.STATE_ENTERED[st.type]``), a choice between those, a local variable set from them,
or a parameter whose every caller passes one of those. A string literal there fails the test.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sfnkit import errors
from sfnkit.history import events as ev

botocore_session = pytest.importorskip("botocore.session")

RUNTIME = Path(__file__).resolve().parent.parent / "sfnkit" / "runtime"
AWS = Path(__file__).resolve().parent.parent / "sfnkit" / "aws"
#: calls that record an event, and the position of the event type among their arguments
RECORDERS = {
    "record": 1,
    "record_at": 1,
    "record_io": 1,
    "_record_keep_prev": 1,
    "add": 0,
    "_add": 0,
    "add_state_io": 0,
    "_add_io": 0,
}
#: the recording calls themselves, whose ``type`` parameter their callers (all scanned) give
FORWARDERS = {"record", "record_at", "record_io", "_record_keep_prev", "_past_limit"}


def _aws_event_types() -> frozenset[str]:
    model = botocore_session.get_session().get_service_model("stepfunctions")
    return frozenset(model.shape_for("HistoryEventType").enum)


def _event_constants() -> dict[str, str]:
    return {n: getattr(ev, n) for n in ev.__all__ if n.isupper() and isinstance(getattr(ev, n), str)}


def _module_aliases(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level names bound to an expression (``_ENTERED = ev.STATE_ENTERED``)."""
    out: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    out[t.id] = node.value
    return out


class _Resolver:
    """The event types an expression of the runtime's source can stand for."""

    def __init__(
        self, where: str, tree: ast.Module, aliases: dict[str, ast.expr], function: ast.FunctionDef | None
    ) -> None:
        self.where = where
        self.tree = tree
        self.aliases = aliases
        self.function = function

    def _passed(self, fn: ast.FunctionDef, param: str) -> set[str]:
        """A parameter that carries an event type: the types every caller in the module passes for it."""
        params = [a.arg for a in fn.args.args if a.arg != "self"]
        index = params.index(param)
        types: set[str] = set()
        callers = 0
        for caller in (n for n in ast.walk(self.tree) if isinstance(n, ast.FunctionDef)):
            for call in ast.walk(caller):
                if not (
                    isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == fn.name
                ):
                    continue
                callers += 1
                arg = call.args[index] if index < len(call.args) else None
                arg = next((k.value for k in call.keywords if k.arg == param), arg)
                if arg is not None and not (isinstance(arg, ast.Constant) and arg.value is None):
                    where = f"{self.where} (called at line {call.lineno})"
                    types |= _Resolver(where, self.tree, self.aliases, caller).types(arg)
        assert callers, f"{self.where}: {fn.name}() passes its {param!r} on as an event type but has no caller"
        return types

    def types(self, node: ast.expr) -> set[str]:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ev":
            value = getattr(ev, node.attr)
            if isinstance(value, str):
                return {value}
            return set(value.values())  # a table: every type it holds
        if isinstance(node, ast.Subscript):
            return self.types(node.value)
        if isinstance(node, ast.IfExp):
            return self.types(node.body) | self.types(node.orelse)
        if isinstance(node, ast.Name):
            fn = self.function
            if fn is not None and node.id == "type" and fn.name in FORWARDERS:
                return set()  # a recording call itself: its callers are checked
            if fn is not None and any(a.arg == node.id for a in fn.args.args):
                return self._passed(fn, node.id)
            if fn is not None:
                assigned = [
                    n.value
                    for n in ast.walk(fn)
                    if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets)
                ]
                if assigned:
                    return set().union(*(self.types(v) for v in assigned))
            if node.id in self.aliases:
                return self.types(self.aliases[node.id])
        raise AssertionError(
            f"{self.where}: the event type {ast.unparse(node)!r} is not written with sfnkit.history.events"
        )


def _recorded_types() -> Iterator[tuple[str, set[str]]]:
    """(file:line, the event types that call can record) for every recording call in sfnkit/runtime."""
    for path in sorted(RUNTIME.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = _module_aliases(tree)
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        for fn in functions:
            for node in ast.walk(fn):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                position = RECORDERS.get(node.func.attr)
                # a history builder's add() takes (type, previous id, time, details): a set's add() takes one
                if position is None or (node.func.attr == "add" and len(node.args) < 3):
                    continue
                where = f"{path.name}:{node.lineno}"
                yield where, _Resolver(where, tree, aliases, fn).types(node.args[position])


def test_every_event_type_the_runtime_can_record_is_in_botocores_model() -> None:
    aws = _aws_event_types()
    calls = list(_recorded_types())
    recorded = set().union(*(types for _, types in calls))
    assert len(calls) > 50  # the scan finds the recording calls (there are about sixty)
    # the scan sees the whole vocabulary the runtime writes, entry/exit tables and Task attempts included
    assert {
        "TaskStateEntered",
        "ChoiceStateExited",
        "MapRunStarted",
        "ActivityTimedOut",
        "EvaluationFailed",
    } <= recorded
    unknown = {where: sorted(types - aws) for where, types in calls if types - aws}
    assert unknown == {}


def test_every_constant_in_events_is_in_botocores_model() -> None:
    aws = _aws_event_types()
    constants = _event_constants()
    assert len(constants) >= 50
    assert {n: v for n, v in constants.items() if v not in aws} == {}
    assert ev.EVENT_TYPE_NAMES.issubset(aws)
    for table in (ev.STATE_ENTERED, ev.STATE_EXITED, ev.STATE_ABORTED, ev.STATE_FAILED, ev.EXECUTION_END_TYPES):
        assert set(table) <= aws | set(ev.STATE_TYPES)  # keys are state types or event types
        assert {v for v in table.values() if v.endswith(("Entered", "Exited", "Aborted", "Failed"))} <= aws


def test_constant_names_spell_their_types() -> None:
    """``TASK_STATE_ENTERED`` is "TaskStateEntered": the names are the types in UPPER_SNAKE."""
    for name, value in _event_constants().items():
        snake = "".join("_" + c if c.isupper() else c.upper() for c in value).lstrip("_")
        assert snake == name


def _string_constants(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef)
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_the_runtime_writes_no_event_type_or_error_name_as_a_literal() -> None:
    """Event types come from ``sfnkit.history.events``, ASL error names from ``sfnkit.errors`` and Lambda's from
    ``sfnkit.runtime.lambda_runtime`` (the one module that owns them, as literals); in the runtime and in the AWS
    backend (``sfnkit.aws``: service integrations, local services, remote runs) alike."""
    event_names = set(_event_constants().values())
    found: list[Any] = []
    for path in sorted([*RUNTIME.glob("*.py"), *AWS.glob("*.py")]):
        for line, text in _string_constants(path):
            is_event = text in event_names
            is_error = text in errors.PREDEFINED_ERRORS or text.startswith(("States.", "Lambda."))
            if (is_event or is_error) and not (path.name == "lambda_runtime.py" and text.startswith("Lambda.")):
                found.append(f"{path.name}:{line}: {text!r}")
    assert found == []
