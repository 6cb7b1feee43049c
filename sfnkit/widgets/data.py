"""What the widgets show, as plain JSON-ready data computed from a ``History`` (and, live, the runtime's visits).

The front end (``widgets/sfnkit.js``) never parses events: it receives the lists and dicts made here and writes
them into the page with ``textContent``. Everything here is pure (no widget, no kernel), so it is tested directly
and works the same on a history recorded by sfnkit or fetched from AWS.

* :func:`event_rows`: one short row per history event, for the event list.
* :func:`visit_status` and :func:`status_changes`: the status of each state at every event, so the replay
  slider recolours the graph in the browser without asking the kernel. The colours and the way visits of one
  state combine (the most telling wins) are :mod:`sfnkit.history.colours`'s, the rule
  :func:`sfnkit.views.render.status_of` uses too; at the last event the two agree.
* :func:`inspector`: the visits of one state with every data-flow stage (the stage names are TestState's:
  ``afterInputPath``, ``afterParameters``, ``result``, ``afterResultSelector``, ``afterResultPath``), the task
  attempts with their errors and the backoff before each retry, the variables assigned, and the caught error.
* :func:`map_iterations`, :func:`in_iteration`: the Map iteration picker.
* :func:`pending_tasks`: which state each pending task token belongs to (``.waitForTaskToken``, activities).

Event ids tag every item (``entered``, ``ended``, the event of each stage), so the front end can hide what had
not happened yet at the replay cursor.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from sfnkit.gcpause import gc_paused
from sfnkit.history import events as et
from sfnkit.history.colours import RANK, visit_colour, waiting_ends, waits
from sfnkit.history.model import History, escape_surrogates, named_state
from sfnkit.history.views import (
    Analysis,
    Failure,
    ScopeFrame,
    StateSpan,
    TaskAttempt,
    attempts,
    event_scopes,
    spans,
    state_visits,
)
from sfnkit.widgets.messages import (
    AttemptRecord,
    ErrorRecord,
    InspectorData,
    PackedRows,
    PendingTask,
    VisitRecord,
)

__all__ = [
    "MAX_TEXT",
    "MAX_VISITS",
    "RANK",
    "STAGES",
    "event_rows",
    "in_iteration",
    "inspector",
    "json_text",
    "map_iterations",
    "pack_rows",
    "pending_tasks",
    "scope_text",
    "status_changes",
    "statuses_at",
    "visit_status",
]

#: The data-flow stages of a visit, in the order a state applies them (AWS TestState's names).
STAGES: Final = (
    "input",
    "afterInputPath",
    "afterParameters",
    "result",
    "afterResultSelector",
    "afterResultPath",
    "output",
)
#: Longest JSON text sent for one value; longer values are cut and say how long they were.
MAX_TEXT: Final = 20_000
#: Most visits of one state sent to the inspector at once (a Map runs a state once per item: pick an iteration).
MAX_VISITS: Final = 10
# RANK (re-exported): how visits of one state combine into the state's colour, :mod:`sfnkit.history.colours`'s rule.

Scope = tuple[ScopeFrame, ...]
Row = list[Any]


def json_text(value: Any, *, limit: int = MAX_TEXT) -> str:
    """``value`` as indented JSON text, cut at ``limit`` characters (the cut says how long the whole was)."""
    try:
        text = json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:
        try:
            text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
        except (ValueError, RecursionError) as e:  # an integer past Python's 4,300-digit text limit, a deep value
            text = f"<a value JSON text cannot show: {e}>"
    # a lone surrogate (legal in JSON, kept by the history as an escape) has no UTF-8 form: show its escape
    return _cut(escape_surrogates(text), limit)


def _pretty(text: str | None, limit: int = MAX_TEXT) -> str | None:
    """JSON text as recorded in a history event, re-indented for reading (kept verbatim if it does not parse)."""
    if text is None:
        return None
    if len(text) <= limit * 4:
        try:
            return json_text(json.loads(text), limit=limit)
        except ValueError:
            pass
    return _cut(text, limit)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n… (cut: {len(text):,} characters in all)"


def scope_text(scope: Iterable[ScopeFrame]) -> str:
    """``"Fulfil.Branches[0]/PackItems[2]"``: where a visit or event ran (``""`` at the top level)."""
    return "/".join(str(frame) for frame in scope)


def _seconds(ts: datetime | None, t0: datetime | None) -> float | None:
    if ts is None or t0 is None:
        return None
    return round((ts - t0).total_seconds(), 6)


# ---------------------------------------------------------------------------------------------------------
# the event list


def event_rows(
    history: History, start: int = 0, stop: int | None = None, *, scopes: Sequence[Scope] | None = None
) -> list[Row]:
    """Rows ``[id, type, state name, seconds since the start, scope, error]`` for events ``start:stop`` (positions).

    ``state name`` is ``""`` for events that name no state (a Map iteration event names its Map); ``error`` is the
    error name of a failure event, else ``""``. ``scopes``: the events' scopes when already known (a live
    :class:`~sfnkit.history.views.Analysis`), else :func:`~sfnkit.history.views.event_scopes`.
    """
    n = len(history)
    stop = n if stop is None else min(stop, n)
    start = max(0, start)
    if start >= stop:
        return []
    if scopes is None:
        scopes = event_scopes(history)
    t0 = history[0].timestamp
    rows: list[Row] = []
    known = len(scopes)
    # read as raw events (no HistoryEvent materialised, cached and JSON-encoded per event: for a 100,000-item
    # Map's 600,000 events that was most of the time and memory); consecutive events of one branch or iteration
    # share their scope object, and a virtual clock many timestamps, so each is made into text once for them;
    # the rows are built with the cyclic collector paused (see sfnkit.gcpause)
    last_scope: object = None
    last_text = ""
    last_stamp: object = None
    last_seconds: float | None = None
    with gc_paused():
        for position, (eid, type_, _, stamp, details) in enumerate(
            itertools.islice(history.raw_events(start), stop - start), start
        ):
            if stamp != last_stamp:
                when = stamp if isinstance(stamp, datetime) else datetime.fromtimestamp(stamp, UTC)
                last_stamp, last_seconds = stamp, _seconds(when, t0)
            if details is None:
                name, error = "", ""
            else:
                if type_.startswith("MapIteration"):
                    name = details.get("name") or ""
                    if details.get("index") is not None:
                        name = f"{name}[{details['index']}]"
                else:
                    name = named_state(type_, details) or ""
                found = details.get("error")
                error = found if isinstance(found, str) and found else ""
            if position < known:
                scope = scopes[position]
                if scope is not last_scope:
                    last_scope, last_text = scope, scope_text(scope)
                where = last_text
            else:
                where = ""
            rows.append([eid, type_, name, last_seconds, where, error])
    return rows


def pack_rows(rows: Sequence[Row]) -> PackedRows:
    """Event rows for sending many at once: ``{"types": [type names], "events": rows}`` with each row's type
    replaced by its index in ``types`` (a long history repeats a handful of types thousands of times)."""
    types: dict[str, int] = {}
    packed = []
    with gc_paused():
        for row in rows:
            index = types.setdefault(row[1], len(types))
            packed.append([row[0], index, *row[2:]])
    return {"types": list(types), "events": packed}


# ---------------------------------------------------------------------------------------------------------
# statuses over time


def visit_status(span: StateSpan) -> str:
    """The colour of one finished or running visit: ``running``, ``succeeded``, ``retried`` (succeeded after a
    retry), ``caught``, ``failed`` or ``aborted`` (``waiting`` is told by the visit's attempts)."""
    return visit_colour(span.status, span.retries)


def _can_wait(a: TaskAttempt) -> bool:
    """Whether the attempt waits from when it is scheduled (a task token, an activity without a worker yet)."""
    return waits(a.resource, a.kind, started=False)


def in_iteration(scope: Scope, iteration: Mapping[str, int] | None) -> bool:
    """Whether a visit with this scope belongs to the chosen Map iterations (``{map state name: index}``)."""
    if not iteration:
        return True
    for frame in scope:
        if frame.kind == "map":
            want = iteration.get(frame.state_name)
            if want is not None and want != frame.index:
                return False
    return True


def status_changes(history: History, *, iteration: Mapping[str, int] | None = None) -> list[Row]:
    """``[event id, state name, status]`` each time a state's colour changes, in event order.

    Applying the rows with ``event id <= k`` gives the colours after event ``k`` (states without a row are
    ``not_run``). Visits outside the chosen Map ``iteration`` are left out. Each visit is ``running`` from its
    ``...StateEntered`` event (``waiting`` while a ``.waitForTaskToken`` or activity attempt is open and has no
    worker), then takes its final status at the event that ended it; a state shows the highest-ranked status
    among its visits (:data:`RANK`). The rule is :mod:`sfnkit.history.colours`'s, applied over time.
    """
    # (event id, order, name, status, +1/-1): order keeps a visit's own transitions in sequence at equal ids
    marks: list[tuple[int, int, str, str, int]] = []
    waiting: dict[int, list[TaskAttempt]] = {}
    for a in attempts(history):
        if a.span_entered_event_id is not None and _can_wait(a) and a.scheduled_event_id is not None:
            waiting.setdefault(a.span_entered_event_id, []).append(a)
    for span in spans(history):
        if not in_iteration(span.scope, iteration):
            continue
        name = span.name
        current = "running"
        marks.append((span.entered_event_id, 0, name, current, +1))
        for a in waiting.get(span.entered_event_id, ()):
            begin = a.scheduled_event_id or 0
            end = waiting_ends(a.resource, a.kind, started_event_id=a.started_event_id, ended_event_id=a.ended_event_id)
            marks.append((begin, 1, name, current, -1))
            marks.append((begin, 1, name, "waiting", +1))
            if end is None or (span.ended_event_id is not None and end >= span.ended_event_id):
                current = "waiting"
                continue
            marks.append((end, 2, name, "waiting", -1))
            marks.append((end, 2, name, "running", +1))
            current = "running"
        if span.ended_event_id is not None and span.status != "running":
            marks.append((span.ended_event_id, 3, name, current, -1))
            marks.append((span.ended_event_id, 3, name, visit_status(span), +1))
    marks.sort(key=lambda m: (m[0], m[1]))
    counts: dict[str, list[int]] = {}
    shown: dict[str, str] = {}
    changes: list[Row] = []
    pending: dict[str, int] = {}  # names touched by the current event id
    last_id = None

    def flush(event_id: int) -> None:
        for name in pending:
            c = counts[name]
            best = "not_run"
            for status, rank in RANK.items():
                if c[rank] > 0 and rank > RANK[best]:
                    best = status
            if shown.get(name, "not_run") != best:
                shown[name] = best
                changes.append([event_id, name, best])
        pending.clear()

    for event_id, _order, name, status, delta in marks:
        if last_id is not None and event_id != last_id:
            flush(last_id)
        last_id = event_id
        c = counts.get(name)
        if c is None:
            c = counts[name] = [0] * len(RANK)
        c[RANK[status]] += delta
        pending[name] = 1
    if last_id is not None:
        flush(last_id)
    return changes


def statuses_at(changes: Sequence[Row], event_id: int | None = None) -> dict[str, str]:
    """The colours after event ``event_id`` (the end when ``None``), from :func:`status_changes` rows."""
    out: dict[str, str] = {}
    for row in changes:
        if event_id is not None and row[0] > event_id:
            break
        out[row[1]] = row[2]
    return out


def map_iterations(history: History) -> dict[str, int]:
    """How many iterations each Map state started (the highest index seen plus one), by Map state name."""
    out: dict[str, int] = {}
    for _id, type_, _prev, _ts, details in history.raw_events():  # names and indexes only: no JSON text decoded
        if type_ == et.MAP_ITERATION_STARTED and details:
            name, index = details.get("name"), details.get("index")
            if isinstance(name, str) and isinstance(index, int) and index + 1 > out.get(name, 0):
                out[name] = index + 1
    return out


# ---------------------------------------------------------------------------------------------------------
# the inspector


def _attempt_rows(items: Sequence[TaskAttempt], t0: datetime | None) -> list[AttemptRecord]:
    rows: list[AttemptRecord] = []
    for i, a in enumerate(items):
        backoff = None
        if i + 1 < len(items) and a.ended_at is not None and items[i + 1].scheduled_at is not None:
            backoff = round((items[i + 1].scheduled_at - a.ended_at).total_seconds(), 6)  # type: ignore[operator]
        rows.append(
            {
                "number": a.number,
                "kind": a.kind,
                "resource": a.resource or "",
                "status": a.status,
                "error": a.error,
                "cause": _cut(a.cause, MAX_TEXT) if a.cause else a.cause,
                "sent": _pretty(a.input_json),
                "result": _pretty(a.output_json),
                "scheduled": a.scheduled_event_id,
                "ended": a.ended_event_id,
                "at": _seconds(a.scheduled_at, t0),
                "duration": None if a.duration is None else a.duration.total_seconds(),
                "backoff": backoff,
            }
        )
    return rows


def _failure_row(f: Failure) -> ErrorRecord:
    return {"event": f.event_id, "type": f.type, "error": f.error, "cause": f.cause, "outcome": f.outcome}


def inspector(
    history: History,
    name: str,
    *,
    visits: Sequence[Any] | None = None,
    iteration: Mapping[str, int] | None = None,
    limit: int = MAX_VISITS,
    state_type: str | None = None,
    analysis: Analysis | None = None,
) -> InspectorData:
    """What the inspector shows for state ``name``: its visits, newest last (at most ``limit``).

    ``visits`` are the runtime's :class:`~sfnkit.runtime.interpreter.Visit` records of a local execution (every
    data-flow stage, the variables assigned); without them (a history from AWS) the stages are the ones a
    history records: the input, what a task was sent, its result and the output. ``iteration`` keeps only the
    visits in the chosen Map iterations. ``analysis``: a live :class:`~sfnkit.history.views.Analysis` following
    ``history`` (a running execution), read instead of the whole-history views so a step costs what changed.
    """
    where = (lambda scope: in_iteration(scope, iteration)) if iteration else None
    fails: dict[int, list[Failure]] = {}
    if analysis is not None:
        total = analysis.visit_count(name)
        matching = analysis.visit_count(name, where=where)
        shown = list(analysis.spans(name, where=where, last=limit or None))
        by_visit = {s.entered_event_id: list(analysis.attempts_of(s)) for s in shown}
        first_type = shown[0].state_type if shown else None
    else:
        # this state's visits alone: on a 600,000-event history, the records of the few shown, not of every visit
        found = state_visits(history, name, where=where, last=limit or None)
        total, matching, first_type = found.total, found.matching, found.state_type
        shown = list(found.spans)
        by_visit = {s.entered_event_id: list(a) for s, a in zip(found.spans, found.attempts, strict=True)}
        fails = {s.entered_event_id: list(f) for s, f in zip(found.spans, found.failures, strict=True)}
    t0 = history[0].timestamp if len(history) else None
    runtime: dict[int, Any] = {}
    if visits is not None and shown:
        # newest first, stopping at the last one wanted: the inspector shows the newest visits, and a scan of all
        # 200,000 visits of a 100,000-item Map was most of what a second look at a state cost
        wanted = {s.entered_event_id for s in shown}
        for v in reversed(visits):
            if v.name == name and v.entered_event_id in wanted:
                runtime.setdefault(v.entered_event_id, v)
                if len(runtime) == len(wanted):
                    break
    records = []
    for span in shown:
        v = runtime.get(span.entered_event_id)
        records.append(_visit_record(history, span, v, by_visit.get(span.entered_event_id, []),
                                     fails.get(span.entered_event_id, []), t0))  # fmt: skip
    return {
        "state": name,
        "type": state_type or first_type,
        "total": total,
        "matching": matching,
        "visits": records,
        "live": visits is not None,
    }


def _visit_record(
    history: History, span: StateSpan, visit: Any, tries: list[TaskAttempt], fails: list[Failure], t0: datetime | None
) -> VisitRecord:
    stages: list[list[Any]] = []  # [stage name, JSON text, event id when it happened (None: at once)]
    variables = None
    nxt = None
    if visit is not None:
        for stage in STAGES:
            if stage in visit.stages:
                stages.append(
                    [stage, json_text(visit.stages[stage]), span.exited_event_id if stage == "output" else None]
                )
        nxt = visit.stages.get("next")
        if visit.variables is not None:
            variables = json_text(visit.variables)
    else:
        stages.append(["input", _pretty(span.input_json), span.entered_event_id])
        if tries and tries[-1].input_json is not None:
            stages.append(["afterParameters", _pretty(tries[-1].input_json), tries[-1].scheduled_event_id])
        if tries and tries[-1].output_json is not None:
            stages.append(["result", _pretty(tries[-1].output_json), tries[-1].ended_event_id])
        if span.output_json is not None:
            stages.append(["output", _pretty(span.output_json), span.exited_event_id])
        exited = history.get(span.exited_event_id) if span.exited_event_id is not None else None
        assigned = exited.assigned_variables if exited is not None else None
        if assigned is not None:
            variables = json_text(assigned)
    error: ErrorRecord | None = None
    if visit is not None and visit.error is not None:
        # the runtime's own record of the failure holds the text as it came (a lone surrogate, say): shown as the
        # history shows it
        error = {"event": None, "type": "", "error": _text(visit.error[0]), "cause": _text(visit.error[1]),
                 "outcome": ""}  # fmt: skip
    caught = [f for f in fails if f.outcome == "caught"]
    ending = (
        caught[-1] if caught else next((f for f in reversed(fails) if f.outcome in ("propagated", "terminal")), None)
    )
    if ending is not None:
        error = _failure_row(ending)
    elif error is None and span.error is not None:
        error = {"event": span.ended_event_id, "type": "", "error": span.error, "cause": span.cause,
                 "outcome": "caught" if span.status == "caught" else "propagated"}  # fmt: skip
    return {
        "entered": span.entered_event_id,
        "ended": span.ended_event_id,
        "path": span.path,
        "scope": scope_text(span.scope),
        "iteration": span.iteration,
        "status": visit_status(span),
        "at": _seconds(span.entered_at, t0),
        "duration": None if span.duration is None else span.duration.total_seconds(),
        "stages": stages,
        "next": nxt,
        "variables": variables,
        "attempts": _attempt_rows(tries, t0),
        "retries": span.retries,
        "error": error,
    }


# ---------------------------------------------------------------------------------------------------------
# task tokens


def pending_tasks(history: History, tokens: Sequence[str], *, analysis: Analysis | None = None) -> list[PendingTask]:
    """``{"token", "state", "path", "resource"}`` for each pending token, in the order given.

    A token is matched to the open ``.waitForTaskToken`` attempt whose parameters hold it; the tokens left
    (an activity's, or a token the parameters do not show) go to the other open waiting attempts in order.
    Which attempts wait is :func:`sfnkit.history.colours.waits`. ``analysis``: as for :func:`inspector`.
    """
    open_: list[tuple[str | None, TaskAttempt]]
    if analysis is not None:
        open_ = [(span.path, a) for span, a in analysis.waiting()]
    else:
        span_path = {s.entered_event_id: s.path for s in spans(history)}
        open_ = [
            (span_path.get(a.span_entered_event_id or -1, a.state_name), a)
            for a in attempts(history)
            if a.status == "running" and waits(a.resource, a.kind, started=a.started_event_id is not None)
        ]
    out: list[PendingTask] = []
    used: set[int] = set()
    unmatched: list[int] = []
    for i, token in enumerate(tokens):
        out.append({"token": token, "state": None, "path": None, "resource": None})
        for j, (path, a) in enumerate(open_):
            if j not in used and token in (a.input_json or ""):
                used.add(j)
                _fill(out[-1], a, path)
                break
        else:
            unmatched.append(i)
    rest = [item for j, item in enumerate(open_) if j not in used]
    for i, (path, a) in zip(unmatched, rest, strict=False):
        _fill(out[i], a, path)
    return out


def _fill(row: PendingTask, a: TaskAttempt, path: str | None) -> None:
    row["state"] = a.state_name
    row["path"] = path
    row["resource"] = a.resource


def _text(value: str | None) -> str | None:
    return escape_surrogates(value) if isinstance(value, str) else value
