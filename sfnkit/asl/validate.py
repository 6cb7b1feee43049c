"""``validate()`` and ``load()``: the front end's public entry points, and the rules about the state *graph*.

Graph rules (ASL spec "Transitions", "Parallel State", "Map State"): StartAt and every Next, Default and Catch
target exist in the same scope (a branch or a Map processor cannot jump outside itself); every state is
reachable from StartAt; each scope can end; state names are unique across the whole machine. Warnings flag
things AWS accepts but that are likely mistakes: a loop with no Wait (it burns through the 25,000-event history
limit) and a Task with no TimeoutSeconds (AWS's default is 99999999 s, so a lost callback hangs for a year).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping
from typing import Any

from sfnkit.asl import identity
from sfnkit.asl import model as m
from sfnkit.asl.diagnostics import (
    DUPLICATE_LABEL_NAME,
    DUPLICATE_STATE_NAME,
    LOOP_WITHOUT_WAIT,
    MISSING_TRANSITION_TARGET,
    NO_TERMINAL_STATE,
    TASK_WITHOUT_TIMEOUT,
    UNREACHABLE_STATE,
    Diagnostic,
    sort_key,
)
from sfnkit.asl.parse import build, pointer_join
from sfnkit.asl.source import read_source
from sfnkit.errors import DefinitionError

__all__ = ["load", "validate"]


def _graph_checks(
    sm: m.StateMachine, owners: dict[str, tuple[m.State, ...]], maps: list[m.MapState]
) -> Iterator[Diagnostic]:
    """The graph rules; ``owners`` lists the states of each name and ``maps`` the Map states, depth first."""
    for name, sts in owners.items():
        for st in sts[1:]:
            yield Diagnostic(
                severity="ERROR",
                code=DUPLICATE_STATE_NAME,
                message=f'state name "{name}" is already used at {sts[0].location}; names must be unique across the '
                "whole state machine, branches and Map processors included",
                location=st.location,
            )
    labels: dict[str, m.MapState] = {}
    for st in maps:
        if st.label is not None:
            if st.label in labels:
                yield Diagnostic(
                    severity="ERROR",
                    code=DUPLICATE_LABEL_NAME,
                    message=f'Map "Label" {st.label!r} is already used by {labels[st.label].location}; labels must be '
                    "unique across the state machine",
                    location=pointer_join(st.location, "Label"),
                )
            else:
                labels[st.label] = st
    yield from _body_checks(sm, "the state machine", owners)


_NESTING = frozenset({"Parallel", "Map"})


def _owners(sm: m.StateMachine) -> tuple[dict[str, tuple[m.State, ...]], list[m.MapState]]:
    """The states of each name (the machine's ``index``), and the Map states, depth first: one walk for the name
    and label checks. Tuples from the start, not lists turned into tuples: 10,000 fewer objects for the
    garbage collector to scan in a 10,000-state load."""
    owners: dict[str, tuple[m.State, ...]] = {}
    maps: list[m.MapState] = []

    def visit(body: m.Body) -> None:
        for st in body.states.values():
            name = st.name
            sts = owners.get(name)
            owners[name] = (st,) if sts is None else (*sts, st)
            if st.type in _NESTING:
                if st.type == "Map" and isinstance(st, m.MapState):
                    maps.append(st)
                for child in m.state_children(st):
                    visit(child)

    visit(sm)
    return owners, maps


def _targets(st: m.State) -> list[tuple[str, str]]:
    """``st.transitions()`` as a list; the usual states (a Next and nothing else) without a generator."""
    if st.type in _NEXT_ONLY or (st.type == "Task" and not st.catch):  # type: ignore[attr-defined]
        return [] if st.next is None else [("next", st.next)]
    return list(st.transitions())


_NEXT_ONLY = frozenset({"Pass", "Wait", "Succeed", "Fail"})
_TERMINAL_TYPES = frozenset({"Succeed", "Fail"})


def _body_checks(body: m.Body, what: str, owners: dict[str, tuple[m.State, ...]]) -> Iterator[Diagnostic]:
    states = body.states
    if body.start_at not in states and states:
        yield _missing(body.start_at, pointer_join(body.location, "StartAt"), "StartAt", states, owners, what)
    # One pass over the states finds each one's successors inside this scope (for reachability and the loop
    # check), whether the scope can end, whether every transition goes forward, and the Tasks to look at below:
    # a 10,000-state definition spent a quarter of its load in five separate passes.
    succ: dict[str, list[str]] = {}
    position = {name: i for i, name in enumerate(states)}
    terminal = False
    forward = True
    tasks: list[m.TaskState] = []
    for here, (name, st) in enumerate(states.items()):
        typ = st.type
        if typ in _NEXT_ONLY:  # the usual state: a Next (or End) and nothing else
            if st.end or typ in _TERMINAL_TYPES:
                terminal = True
            nxt = st.next
            if nxt is None:
                succ[name] = []
                continue
            at = position.get(nxt)
            if at is not None:
                succ[name] = [nxt]
                if at <= here:
                    forward = False
                continue
        elif st.end:
            terminal = True
        if typ == "Task" and isinstance(st, m.TaskState):
            tasks.append(st)
        inside = []
        for kind, target in _targets(st):
            at = position.get(target)
            if at is not None:
                inside.append(target)
                if at <= here:
                    forward = False
            else:
                yield _missing(target, _transition_location(st, kind, target), kind, states, owners, what)
        succ[name] = inside
        if typ in _NESTING:
            for child_index, child in enumerate(m.state_children(st)):
                child_what = (
                    f'branch {child_index} of Parallel state "{st.name}"'
                    if isinstance(st, m.ParallelState)
                    else f'the ItemProcessor of Map state "{st.name}"'
                )
                yield from _body_checks(child, child_what, owners)
    # reachability within this scope
    if body.start_at in states:
        seen = {body.start_at}
        todo = [body.start_at]
        while todo:
            for target in succ[todo.pop()]:
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        if len(seen) < len(states):
            for name, st in states.items():
                if name not in seen:
                    yield Diagnostic(
                        severity="ERROR",
                        code=UNREACHABLE_STATE,
                        message=f'state "{name}" is not reachable: no transition leads to it from StartAt "{body.start_at}" in {what}',
                        location=st.location,
                    )
        if states and not terminal:  # no State.is_terminal in the scope
            yield Diagnostic(
                severity="ERROR",
                code=NO_TERMINAL_STATE,
                message=f'{what} has no terminal state: add "End": true, a Succeed or a Fail state',
                location=pointer_join(body.location, "States"),
            )
        if not forward:  # a transition back: maybe a loop (Tarjan's algorithm, several times the cost)
            yield from _loop_warnings(body, what, succ)
    for st in tasks:
        if (
            st.timeout_seconds is None
            and st.timeout_seconds_path is None
            and (".waitForTaskToken" in st.resource or ":activity:" in st.resource)
        ):
            yield Diagnostic(
                severity="WARNING",
                code=TASK_WITHOUT_TIMEOUT,
                message=f'Task "{st.name}" waits for a callback but has no "TimeoutSeconds"; AWS then waits up to '
                "99999999 seconds (over 3 years) for an answer that may never come",
                location=st.location,
            )


def _loop_warnings(body: m.Body, what: str, succ: dict[str, list[str]]) -> Iterator[Diagnostic]:
    """Warn once per strongly connected component (a loop) that contains no Wait state (Tarjan)."""
    states = body.states
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    sccs: list[list[str]] = []
    counter = 0

    def strong(v: str) -> None:
        nonlocal counter
        # iterative Tarjan to survive long chains
        work = [(v, iter(succ[v]))]
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(succ[w])))
                    advanced = True
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                sccs.append(comp)

    for name in states:
        if name not in index:
            strong(name)
    for comp in sccs:
        is_loop = len(comp) > 1 or comp[0] in succ[comp[0]]
        if is_loop and not any(states[n].type == "Wait" for n in comp):
            first = min(comp, key=list(states).index)
            yield Diagnostic(
                severity="WARNING",
                code=LOOP_WITHOUT_WAIT,
                message=f"the loop through {', '.join(repr(n) for n in sorted(comp, key=list(states).index))} in {what} "
                "has no Wait state; a STANDARD execution stops at 25,000 history events",
                location=states[first].location,
            )


def check_graph(sm: m.StateMachine) -> tuple[list[Diagnostic], dict[str, tuple[m.State, ...]]]:
    """The graph rules' diagnostics for a freshly built machine, and its index (name -> states) for
    ``StateMachine.index``: one walk of the machine serves both."""
    owners, maps = _owners(sm)
    return list(_graph_checks(sm, owners, maps)), owners


def _transition_location(st: m.State, kind: str, target: str) -> str:
    if kind == "next":
        return pointer_join(st.location, "Next")
    if kind == "default":
        return pointer_join(st.location, "Default")
    if kind == "choice":
        for rule in getattr(st, "choices", ()):
            if rule.next == target:
                return pointer_join(rule.location, "Next")
    for c in getattr(st, "catch", ()):
        if c.next == target:
            return pointer_join(c.location, "Next")
    return st.location


def _missing(
    target: str, location: str, kind: str, states: Any, owners: dict[str, tuple[m.State, ...]], what: str
) -> Diagnostic:
    label = {"next": "Next", "default": "Default", "choice": "Next", "catch": "Next", "StartAt": "StartAt"}[kind]
    if target in owners:
        message = (
            f'"{label}" points at "{target}", which is defined outside {what} ({owners[target][0].location}); '
            "transitions cannot leave a Parallel branch or a Map processor"
        )
    else:
        import difflib  # only for a message's hint

        close = difflib.get_close_matches(target, list(states), n=1, cutoff=0.6)
        hint = f'; did you mean "{close[0]}"?' if close else f"; states here: {', '.join(list(states)[:10])}"
        message = f'"{label}" points at "{target}", which is not a state in {what}{hint}'
    return Diagnostic(severity="ERROR", code=MISSING_TRANSITION_TARGET, message=message, location=location)


def _analyse(source: Any) -> tuple[m.StateMachine | None, list[Diagnostic], str | None]:
    read = read_source(source)
    diags = list(read.diagnostics)
    sm = None
    index: dict[str, tuple[m.State, ...]] = {}
    if not diags:
        sm, found = build(read.value)
        diags.extend(found)
        if sm is not None:
            graph, index = check_graph(sm)
            diags.extend(graph)
    if read.positions is not None:
        diags = [d if d.line is not None else d.with_position(*read.positions.lookup(d.location)) for d in diags]
    diags.sort(key=sort_key)
    if sm is not None:
        # a new machine with its index and name (a shallow copy of a few fields), never a frozen one mutated
        sm = dataclasses.replace(sm, index=index, source_name=read.name)
        identity.own(sm, read.value)  # the compiled-template caches let go of this definition with the machine
    return sm, diags, read.name


def _template(source: Any) -> bool:
    if not isinstance(source, str | os.PathLike):  # a dict or bytes: never a template path (and no import)
        return False
    from sfnkit.asl.project.load import template_kind

    return template_kind(source) is not None


def _only_for_templates(source: Any, name: str | None, parameters: Mapping[str, Any] | None) -> None:
    if name is not None or parameters is not None:
        raise TypeError(
            "name= and parameters= pick and configure a state machine of a template (SAM, CloudFormation, CDK, "
            f"serverless.yml, Terraform); {str(source)[:80]!r} is not one"
        )


def validate(source: Any, name: str | None = None, parameters: Mapping[str, Any] | None = None) -> list[Diagnostic]:
    """Every problem in a definition (a path, JSON or YAML text, or a dict), errors first. Never raises on bad ASL.

    A template path (SAM/CloudFormation/CDK/serverless.yml/Terraform, or a project folder) gives the diagnostics
    of its state machines (``name`` picks one), pointing into the template's lines.
    """
    if isinstance(source, m.StateMachine):  # already loaded: its warnings are still worth seeing
        source = source.definition
    elif _template(source):
        from sfnkit.asl.project.load import validate_template

        return validate_template(source, name, parameters)
    _only_for_templates(source, name, parameters)
    return _analyse(source)[1]


def load(source: Any, name: str | None = None, parameters: Mapping[str, Any] | None = None) -> m.StateMachine:
    """Load and validate a definition into an immutable :class:`StateMachine`.

    ``source`` may also be a template path (SAM/CloudFormation JSON or YAML, CDK synth output, serverless.yml,
    Terraform ``.tf``, or a folder of them): ``name`` picks the state machine by logical id or name (optional when
    there is one), ``parameters`` override the template's parameter defaults, and the machine's ``project`` holds
    what the template declares.

    Raises :class:`DefinitionError` (listing every diagnostic) when the definition has errors. Warnings do not stop
    a load; :func:`validate` lists them.
    """
    if isinstance(source, m.StateMachine):
        return source
    if hasattr(source, "to_state_machine"):  # a sfnkit.build.Machine (duck-typed: asl never imports the builder)
        built = source.to_state_machine()
        if isinstance(built, m.StateMachine):
            return built
    if _template(source):
        from sfnkit.asl.project.load import load_template

        return load_template(source, name, parameters)
    _only_for_templates(source, name, parameters)
    sm, diags, source_name = _analyse(source)
    if sm is None or any(d.severity == "ERROR" for d in diags):
        raise DefinitionError(diags, source_name=source_name)
    return sm
