"""What the runtime derives from a state machine once and reuses in every execution of it: its plan.

The frozen model (:mod:`sfnkit.asl.model`) holds what the definition says; the interpreter also wants facts it
would otherwise recompute on every visit of a state: whether a state reads the context object (``$$``), the
size of a Pass state's static ``Result``, a Task's timeouts and whether its data flow is the identity. Those
facts belong to the runtime, not to the model, so they live here, in a :class:`Plan` per machine that
:func:`plan_for` builds the first time an execution of that machine starts and finds again afterwards. The
interpreter fills each per-state table the first time it visits the state (most machines never visit all of
their states), keyed by the state's location (``/States/Charge``), which is unique in a machine.

Plans are keyed by the machine's identity (a machine is immutable, so one of it is one plan) and dropped when the
machine is garbage collected, so a notebook that loads thousands of machines does not keep their plans.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sfnkit.asl.model import state_children

__all__ = ["Plan", "plan_for", "reads_context", "task_states"]


class Plan:
    """Per-state facts of one state machine, by state location, filled as the states are first visited."""

    # A plain class rather than a dataclass: ``@dataclass`` compiles its methods at import, about 0.5 ms of a
    # fresh process's first run (bench/interpreter.py --cold), for a record nobody compares or prints.
    __slots__ = ("needs_context", "static_size", "task_flow", "tasks")

    def __init__(self) -> None:
        #: whether the state needs the context object built (a Task, a JSONata state, or ``$$`` in its fields)
        self.needs_context: dict[str, bool] = {}
        #: the UTF-8 size of a Pass state's static ``Result``, checked against the payload limit
        self.static_size: dict[str, int] = {}
        #: a Task's (plain input, plain output, TimeoutSeconds, HeartbeatSeconds)
        self.task_flow: dict[str, tuple[bool, bool, float | None, float | None]] = {}
        #: the machine's Task states, depth first (``StateMachine.walk()`` order), found on first use
        self.tasks: tuple[Any, ...] | None = None

    def __repr__(self) -> str:
        return f"<Plan: facts of {len(self.needs_context)} visited states>"


_PLANS: dict[int, tuple[weakref.ref[Any], Plan]] = {}
_LOCK = threading.Lock()  # executions of one machine may start on several threads at once


def plan_for(machine: Any) -> Plan:
    """The plan of ``machine`` (a :class:`~sfnkit.asl.model.StateMachine`): the same object for the same machine."""
    key = id(machine)
    entry = _PLANS.get(key)
    if entry is not None and entry[0]() is machine:
        return entry[1]
    with _LOCK:
        entry = _PLANS.get(key)
        if entry is not None and entry[0]() is machine:
            return entry[1]
        plan = Plan()

        def forget(ref: weakref.ref[Any], key: int = key) -> None:
            if _PLANS.get(key, (None,))[0] is ref:
                del _PLANS[key]

        _PLANS[key] = (weakref.ref(machine, forget), plan)
        return plan


def reads_context(raw: Any) -> bool:
    """Whether ``"$$"`` appears in a key or a string anywhere in a state's JSON (``raw``): only then can one of its
    fields read the context object. The same answer as ``"$$" in repr(raw)`` (a JSON value's text holds "$$"
    only inside a string), found without writing the text: that took a third of a fresh machine's first run of
    a 1,000-Pass chain, where every state is visited for the first time (bench/interpreter.py --cold)."""
    todo = [raw]
    while todo:
        value = todo.pop()
        items = value.items() if type(value) is dict else enumerate(value) if type(value) is list else None
        if items is None:
            return _in_repr(raw)
        for key, x in items:
            if type(key) is str and "$$" in key:
                return True
            t = type(x)
            if t is str:
                if "$$" in x:
                    return True
            elif t is dict or t is list:
                todo.append(x)
            elif not (t is int or t is bool or t is float or x is None):
                return _in_repr(raw)  # not plain JSON (a subclass, a tuple...): read its repr, as before
    return False


def _in_repr(raw: Any) -> bool:
    try:
        return "$$" in repr(raw)
    except ValueError:  # an integer literal past Python's 4,300-digit limit: assume the state reads $$
        return True


def task_states(machine: Any) -> tuple[Any, ...]:
    """The Task states of ``machine``, in ``walk()`` order: found once per machine, not at every execution's start
    (which checks that each has a handler)."""
    plan = plan_for(machine)
    if plan.tasks is None:
        found: list[Any] = []

        def visit(body: Any) -> None:
            for st in body.states.values():
                if st.type == "Task":
                    found.append(st)
                elif st.type == "Parallel" or st.type == "Map":
                    for child in state_children(st):
                        visit(child)

        visit(machine)
        plan.tasks = tuple(found)
    return plan.tasks
