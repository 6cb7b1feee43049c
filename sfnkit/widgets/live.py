"""Following a live execution's history event by event, so a Debugger step costs the same at event 10 and 10,000.

The history views (:mod:`sfnkit.history.views`) analyse a whole history in one pass. A live execution's history
only grows, and the Debugger looks at it after every step, so re-analysing it each time would make a step cost
grow with the history (measured: about 30 ms per step at 6,000 events). :class:`LiveView` runs the views' own
analysis (``views._Analyser``, the same rules for threads, visits, attempts and failures) *incrementally*: each
:meth:`LiveView.feed` applies only the events added since the last one, then re-reads only the visits that were
still open. What it gives back has the shapes of :mod:`sfnkit.widgets.data` (statuses, event rows, inspector
records, pending tokens), and ``tests/test_widgets_live.py`` checks it against the whole-history views at every
step of many executions.

It reads the analyser's private state: the analyser is this project's code, and the equality tests fail loudly
if its rules change. Once the execution has ended, the Debugger switches to the public views (the end of a
history settles visits that were left open, which only the whole pass does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sfnkit.history import events as et
from sfnkit.history.model import History
from sfnkit.history.views import _Analyser  # the views' own incremental pass (see the module docstring)
from sfnkit.widgets.data import MAX_TEXT, MAX_VISITS, RANK, STAGES, _cut, _pretty, in_iteration, json_text, scope_text

__all__ = ["LiveView"]

_STATUSES = tuple(RANK)


def _seconds(ts: float | datetime | None, t0: float | datetime | None) -> float | None:
    if ts is None or t0 is None:
        return None
    if isinstance(ts, datetime) or isinstance(t0, datetime):
        a = ts.timestamp() if isinstance(ts, datetime) else ts
        b = t0.timestamp() if isinstance(t0, datetime) else t0
        return round(a - b, 6)
    return round(ts - t0, 6)


def _is_waiting(attempt: Any) -> bool:
    if attempt is None or attempt.status != "running":
        return False
    return (attempt.resource or "").endswith(".waitForTaskToken") or (
        attempt.kind == "activity" and attempt.started_id is None
    )


class LiveView:
    """The state of a growing history, updated by :meth:`feed` with the events added since the last call."""

    def __init__(self, history: History) -> None:
        self._analyser = _Analyser(history)
        self._position = 0
        self._seen = 0  # visits of the analyser already looked at
        self._open: list[Any] = []  # visits still open when last looked at
        self._visit_status: dict[Any, str] = {}  # every visit -> its colour
        self._counts: dict[str, list[int]] = {}  # state name -> visits per status rank (in the chosen iteration)
        self._iteration: Mapping[str, int] | None = None
        self.maps: dict[str, int] = {}
        """Map state name -> iterations started."""
        self.t0: float | datetime | None = None

    # -- following the history ------------------------------------------------------------------------------
    def feed(self, history: History) -> set[str]:
        """Apply the events added since the last call; return the names of the states whose visits may have
        changed (those that were open, or were entered since)."""
        an = self._analyser
        raw = history._raw  # (id, type, previous id, timestamp, details) without decoding JSON text
        maps = self.maps
        for position in range(self._position, len(history)):
            event_id, type_, previous, ts, details = raw(position)
            # the loop body of _Analyser.run(), one event at a time
            thread, container = an._thread_for(event_id, type_, previous, details)
            an.type_of[event_id] = type_
            an.ts_of[event_id] = ts
            thread = an._apply(event_id, type_, ts, details, thread, container)
            an.thread_of[event_id] = thread
            an.scopes.append(thread.scope)
            if position == 0:
                self.t0 = ts
            if type_ == et.MAP_ITERATION_STARTED and details:
                name, index = details.get("name"), details.get("index")
                if isinstance(name, str) and isinstance(index, int) and index + 1 > maps.get(name, 0):
                    maps[name] = index + 1
        self._position = len(history)
        touched: set[str] = set()
        new = an.visits[self._seen :]
        self._seen = len(an.visits)
        still_open = []
        # events only ever change open visits (and create new ones): nothing else needs a look
        for visit in (*self._open, *new):
            touched.add(visit.name)
            status = self._status(visit)
            old = self._visit_status.get(visit)
            if status != old:
                self._visit_status[visit] = status
                self._count(visit, old, -1)
                self._count(visit, status, +1)
            if visit.status is None:
                still_open.append(visit)
        self._open = still_open
        return touched

    @staticmethod
    def _status(visit: Any) -> str:
        status = visit.status
        if status is None:
            return "waiting" if _is_waiting(visit.open_attempt) else "running"
        if status == "succeeded" and visit.retries:
            return "retried"
        return str(status)

    def _count(self, visit: Any, status: str | None, delta: int) -> None:
        if status is None or not in_iteration(visit.scope, self._iteration):
            return
        counts = self._counts.get(visit.name)
        if counts is None:
            counts = self._counts[visit.name] = [0] * len(RANK)
        counts[RANK[status]] += delta

    def set_iteration(self, iteration: Mapping[str, int] | None) -> None:
        """Count only the visits in the chosen Map iterations (``{map state name: index}``; ``None``: all)."""
        self._iteration = dict(iteration) if iteration else None
        self._counts = {}
        for visit, status in self._visit_status.items():
            self._count(visit, status, +1)

    # -- what the Debugger shows ------------------------------------------------------------------------------
    @property
    def transitions(self) -> int:
        """State transitions so far: states entered plus retries (``views.state_transitions``)."""
        return sum(1 + v.retries for v in self._analyser.visits)

    def statuses(self) -> dict[str, str]:
        """State name -> colour, for the states with at least one visit (``not_run`` left out)."""
        out = {}
        for name, counts in self._counts.items():
            best = -1
            for rank in range(len(counts) - 1, -1, -1):
                if counts[rank] > 0:
                    best = rank
                    break
            if best > 0:
                out[name] = _STATUSES[best]
        return out

    def rows(self, history: History, start: int) -> list[list[Any]]:
        """:func:`sfnkit.widgets.data.event_rows` for the events from position ``start`` on."""
        scopes = self._analyser.scopes
        t0 = history[0].timestamp if len(history) else None
        rows = []
        for position in range(max(0, start), min(len(history), len(scopes))):
            e = history[position]
            name = e.state_name or e.map_name or ""
            if e.type.startswith("MapIteration") and e.map_index is not None:
                name = f"{name}[{e.map_index}]"
            at = None if t0 is None else round((e.timestamp - t0).total_seconds(), 6)
            rows.append([e.id, e.type, name, at, scope_text(scopes[position]), e.error or ""])
        return rows

    def pending(self, history: History, tokens: Sequence[str]) -> list[dict[str, Any]]:
        """:func:`sfnkit.widgets.data.pending_tasks` from the open visits."""
        waiting = [v for v in self._open if _is_waiting(v.open_attempt)]
        out = []
        used: set[int] = set()
        unmatched = []
        for i, token in enumerate(tokens):
            out.append({"token": token, "state": None, "path": None, "resource": None})
            for j, visit in enumerate(waiting):
                a = visit.open_attempt
                event = history.get(a.scheduled_id) if a.scheduled_id is not None else None
                sent = (event.details or {}).get("parameters", (event.details or {}).get("input")) if event else None
                if j not in used and isinstance(sent, str) and token in sent:
                    used.add(j)
                    self._fill(out[-1], visit)
                    break
            else:
                unmatched.append(i)
        rest = [v for j, v in enumerate(waiting) if j not in used]
        for i, visit in zip(unmatched, rest, strict=False):
            self._fill(out[i], visit)
        return out

    @staticmethod
    def _fill(row: dict[str, Any], visit: Any) -> None:
        row["state"] = visit.name
        row["path"] = f"{scope_text(visit.scope)}/{visit.name}" if visit.scope else visit.name
        row["resource"] = visit.open_attempt.resource

    def inspector(
        self,
        history: History,
        name: str,
        *,
        visits: Sequence[Any] | None = None,
        iteration: Mapping[str, int] | None = None,
        limit: int = MAX_VISITS,
        state_type: str | None = None,
    ) -> dict[str, Any]:
        """:func:`sfnkit.widgets.data.inspector` for a live execution, from the visits followed so far."""
        mine = [v for v in self._analyser.visits if v.name == name]
        chosen = [v for v in mine if in_iteration(v.scope, iteration)]
        shown = chosen[-limit:] if limit else chosen
        runtime: dict[int, Any] = {}
        if visits is not None and shown:
            wanted = {v.entered_id for v in shown}
            for rv in visits:
                if rv.name == name and rv.entered_event_id in wanted:
                    runtime[rv.entered_event_id] = rv
        return {
            "state": name,
            "type": state_type or (mine[0].state_type if mine else None),
            "total": len(mine),
            "matching": len(chosen),
            "visits": [self._record(history, v, runtime.get(v.entered_id)) for v in shown],
            "live": visits is not None,
        }

    def _record(self, history: History, v: Any, rv: Any) -> dict[str, Any]:
        t0 = self.t0
        stages: list[list[Any]] = []
        variables = None
        nxt = None
        if rv is not None:
            for stage in STAGES:
                if stage in rv.stages:
                    stages.append([stage, json_text(rv.stages[stage]), v.exited_id if stage == "output" else None])
            nxt = rv.stages.get("next")
            if rv.variables is not None:
                variables = json_text(rv.variables)
        attempts = []
        tries = v.attempts
        for i, a in enumerate(tries):
            backoff = None
            if i + 1 < len(tries) and a.ended_ts is not None and tries[i + 1].scheduled_ts is not None:
                backoff = _seconds(tries[i + 1].scheduled_ts, a.ended_ts)
            sent = result = None
            if a.scheduled_id is not None:
                event = history.get(a.scheduled_id)
                d = (event.details or {}) if event is not None else {}
                text = d.get("parameters", d.get("input"))
                sent = _pretty(text) if isinstance(text, str) else None
            if a.status == "succeeded" and a.ended_id is not None:
                event = history.get(a.ended_id)
                result = _pretty(event.output_json) if event is not None else None
            attempts.append(
                {
                    "number": a.number,
                    "kind": a.kind,
                    "resource": a.resource or "",
                    "status": a.status,
                    "error": a.error,
                    "cause": _cut(a.cause, MAX_TEXT) if a.cause else a.cause,
                    "sent": sent,
                    "result": result,
                    "scheduled": a.scheduled_id,
                    "ended": a.ended_id,
                    "at": _seconds(a.scheduled_ts, t0),
                    "duration": _seconds(a.ended_ts, a.scheduled_ts),
                    "backoff": backoff,
                }
            )
        error = None
        if rv is not None and rv.error is not None:
            error = {"event": None, "type": "", "error": rv.error[0], "cause": rv.error[1], "outcome": ""}
        if v.status in ("failed", "caught") and v.error is not None:
            error = {"event": v.ended_id, "type": "", "error": v.error, "cause": v.cause,
                     "outcome": "caught" if v.status == "caught" else "propagated"}  # fmt: skip
        iteration = None
        for frame in reversed(v.scope):
            if frame.kind == "map":
                iteration = frame.index
                break
        return {
            "entered": v.entered_id,
            "ended": v.ended_id,
            "path": f"{scope_text(v.scope)}/{v.name}" if v.scope else v.name,
            "scope": scope_text(v.scope),
            "iteration": iteration,
            "status": self._visit_status.get(v) or self._status(v),
            "at": _seconds(v.entered_ts, t0),
            "duration": _seconds(v.ended_ts, v.entered_ts),
            "stages": stages,
            "next": nxt,
            "variables": variables,
            "attempts": attempts,
            "retries": v.retries,
            "error": error,
        }
