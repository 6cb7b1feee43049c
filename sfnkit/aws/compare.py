"""Parity check: run a state machine locally and on AWS (or any endpoint) with the same input, and say where the
two differ, state visit by state visit.

Both runs are read through the same history views (:func:`sfnkit.history.spans`), so the comparison is of what
AWS recorded against what sfnkit recorded. Visits are matched by (scope, state name, n-th visit of that state in
that scope); a visit on one side only is a difference in the *path* taken.

A scope is matched by identity, never by where its events sit in the history: branches and iterations run
concurrently on AWS, so two runs interleave them differently. A Map iteration is its index (AWS writes it in
``MapIterationStarted``). A Parallel branch is the state it started with: AWS's events do not name the branch,
but a branch always starts at its ``StartAt`` and state names are unique across a state machine (ASL), so that
name is the branch. Its index for display comes from the definition when given, else from the local history
(sfnkit starts branches in definition order).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sfnkit.asl import model as m
from sfnkit.asl.validate import load
from sfnkit.aws.connection import Connection
from sfnkit.aws.remote import RemoteStateMachine, deploy, loads_or_text
from sfnkit.history.model import History
from sfnkit.history.views import ScopeFrame, spans

__all__ = ["compare", "compare_histories"]

EXECUTION = "(execution)"


def _norm(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# A scope frame by identity: ("map", state, iteration index) or ("parallel", state, first state of the branch).
_FrameId = tuple[str, str, int | str]
_ScopeId = tuple[_FrameId, ...]


def _frame_id(frame: ScopeFrame, first_state: dict[int, str]) -> _FrameId:
    if frame.kind == "map":
        return ("map", frame.state_name, frame.index)
    # a branch whose first event is not a state's (it failed before entering one) keeps its position
    return ("parallel", frame.state_name, first_state.get(frame.first_event_id, frame.index))


def _visits(history: History) -> tuple[dict[tuple[_ScopeId, str, int], Any], dict[_FrameId, int]]:
    """The visits keyed by (scope identity, state name, n-th visit there), and the index each Parallel branch
    identity has in this history's own order."""
    visits = spans(history)
    first_state = {span.entered_event_id: span.name for span in visits}
    counts: dict[tuple[_ScopeId, str], int] = defaultdict(int)
    out: dict[tuple[_ScopeId, str, int], Any] = {}
    positions: dict[_FrameId, int] = {}
    for span in visits:
        scope = tuple(_frame_id(f, first_state) for f in span.scope)
        for frame, fid in zip(span.scope, scope, strict=True):
            if frame.kind == "parallel":
                positions.setdefault(fid, frame.index)
        n = counts[(scope, span.name)]
        counts[(scope, span.name)] += 1
        out[(scope, span.name, n)] = span
    return out, positions


def _definition_positions(definition: Any) -> dict[_FrameId, int]:
    """Each Parallel branch's index in the definition, keyed as :func:`_frame_id` keys branches."""
    machine = load(definition)
    out: dict[_FrameId, int] = {}
    for state in machine.walk():
        if isinstance(state, m.ParallelState):
            for i, branch in enumerate(state.branches):
                out[("parallel", state.name, branch.start_at)] = i
    return out


def _scope_text(scope: _ScopeId, positions: dict[_FrameId, int]) -> str:
    parts = []
    for fid in scope:
        kind, state, ident = fid
        if kind == "map":
            parts.append(f"{state}[{ident}]")
        else:
            index = positions.get(fid, ident)
            parts.append(f"{state}.Branches[{index}]")
    return "/".join(parts)


def compare_histories(
    local: History, remote: History, *, ignore: tuple[str, ...] = (), definition: Any = None
) -> list[dict[str, Any]]:
    """Rows comparing two histories of the same machine and input.

    Visits are matched by scope identity, whatever the order the two runs interleaved their Parallel branches
    and Map iterations in (see the module docstring). ``definition`` (anything :func:`sfnkit.load` accepts)
    numbers Parallel branches as the definition does; without it, as ``local`` ordered them.

    One row for the execution (``state`` is ``"(execution)"``), then one per state visit, in local order
    (remote-only visits last). Columns: ``state``, ``scope`` (``"Map[2]"``, ``"P.Branches[0]"``; ``""`` at
    top level), ``visit`` (0 for the first visit of that state in that scope), ``in_local``, ``in_remote``,
    ``local_status``, ``remote_status``, ``local_output``, ``remote_output``, ``local_error``,
    ``remote_error``, ``local_cause``, ``remote_cause``, ``output_equal``, ``error_equal``, ``path_equal``,
    ``equal`` and ``difference`` (a short text, empty when equal). ``ignore`` names states whose output
    is not compared (e.g. a Task returning a timestamp or a request id).
    """
    from sfnkit.history.views import execution_summary

    ls, rs = execution_summary(local), execution_summary(remote)
    lo = ls.output if ls.status == "SUCCEEDED" else None
    ro = rs.output if rs.status == "SUCCEEDED" else None
    rows = [
        _row(
            EXECUTION,
            "",
            0,
            True,
            True,
            ls.status,
            rs.status,
            lo,
            ro,
            ls.error,
            rs.error,
            loads_or_text(ls.cause),
            loads_or_text(rs.cause),
            compare_output=True,
        )
    ]
    lv, local_positions = _visits(local)
    rv, remote_positions = _visits(remote)
    positions = {**remote_positions, **local_positions}
    if definition is not None:
        positions.update(_definition_positions(definition))
    for key in list(lv) + [k for k in rv if k not in lv]:
        a, b = lv.get(key), rv.get(key)
        scope, name, n = key
        rows.append(
            _row(
                name,
                _scope_text(scope, positions),
                n,
                a is not None,
                b is not None,
                None if a is None else a.status,
                None if b is None else b.status,
                None if a is None else a.output,
                None if b is None else b.output,
                None if a is None else a.error,
                None if b is None else b.error,
                None if a is None else loads_or_text(a.cause),
                None if b is None else loads_or_text(b.cause),
                compare_output=name not in ignore,
            )
        )
    return rows


def _row(
    state: str,
    scope: str,
    visit: int,
    in_local: bool,
    in_remote: bool,
    local_status: Any,
    remote_status: Any,
    local_output: Any,
    remote_output: Any,
    local_error: Any,
    remote_error: Any,
    local_cause: Any,
    remote_cause: Any,
    *,
    compare_output: bool,
) -> dict[str, Any]:
    path_equal = in_local and in_remote
    output_equal = not compare_output or _norm(local_output) == _norm(remote_output)
    error_equal = local_error == remote_error and _norm(local_cause) == _norm(remote_cause)
    status_equal = local_status == remote_status
    diffs = []
    if not path_equal:
        diffs.append("visited only " + ("locally" if in_local else "on AWS"))
    else:
        if not status_equal:
            diffs.append(f"status {local_status} locally, {remote_status} on AWS")
        if not output_equal:
            diffs.append("output differs")
        if local_error != remote_error:
            diffs.append(f"error {local_error!r} locally, {remote_error!r} on AWS")
        elif not error_equal:
            diffs.append("cause differs")
    return {
        "state": state,
        "scope": scope,
        "visit": visit,
        "in_local": in_local,
        "in_remote": in_remote,
        "local_status": local_status,
        "remote_status": remote_status,
        "local_output": local_output,
        "remote_output": remote_output,
        "local_error": local_error,
        "remote_error": remote_error,
        "local_cause": local_cause,
        "remote_cause": remote_cause,
        "output_equal": output_equal,
        "error_equal": error_equal,
        "path_equal": path_equal,
        "equal": not diffs,
        "difference": "; ".join(diffs),
    }


def compare(
    sm: Any,
    input: Any = None,
    *,
    remote: RemoteStateMachine | None = None,
    name: str | None = None,
    role_arn: str | None = None,
    type: str = "STANDARD",
    resources: Mapping[str, Any] | None = None,
    ignore: tuple[str, ...] = (),
    client: Any = None,
    session: Any = None,
    endpoint_url: str | None = None,
    region: str | None = None,
    connection: Connection | None = None,
    timeout: float | None = 300.0,
    **run_kwargs: Any,
) -> list[dict[str, Any]]:
    """Run ``sm`` with ``input`` locally (``sfnkit.run`` with ``resources`` and ``run_kwargs``) and on the
    configured endpoint (``remote``, or deployed now as ``name`` with ``role_arn``), then compare the two
    histories with :func:`compare_histories`. Returns rows ready for ``pandas.DataFrame``."""
    from sfnkit.runtime.execution import run

    machine = load(sm)
    if remote is None:
        if not name:
            raise ValueError("compare needs remote=<RemoteStateMachine> or name=... (and role_arn=...) to deploy")
        remote = deploy(
            machine,
            name=name,
            role_arn=role_arn,
            type=type,
            client=client,
            session=session,
            endpoint_url=endpoint_url,
            region=region,
            connection=connection,
        )
    local = run(machine, input, resources=resources, type=remote.type, **run_kwargs)
    ex = remote.run(input, timeout=timeout)
    return compare_histories(local.history, ex.history, ignore=ignore, definition=machine)
