"""Tidy pandas DataFrames over execution histories: events, state visits, Task attempts, failures, errors.

Every frame is built from the derived views of ``sfnkit.history.views`` (``spans``, ``attempts``, ``failures``,
``execution_summary``), which are computed once per ``History`` and memoised on it; the rows of each frame are
memoised on the history too, so asking again (or asking for another frame) does not walk the events again.
Nothing here needs sfnkit's interpreter: a history from AWS (``History.from_boto(...)``) gives the same frames.

**One or many.** Each function takes one execution (a ``History``, or an ``Execution``) or many (a batch from
``sfnkit.run_many``, or a list of Histories/Executions). With many, every frame starts with an ``execution``
column: the position of the history in the collection (``int64``; in a batch from ``run_many``, execution
``i`` ran with seed ``seed + i``). With one, there is no ``execution`` column.

**Display.** Every frame is a :class:`sfnkit.reports._display.ReportFrame`: a plain DataFrame whose notebook
display writes durations compactly (``25m43s``, ``1.2 s``) and keeps wide tables readable; the data and dtypes
are untouched.

**Stable columns and dtypes.** Columns come in the documented order with these dtypes, whatever the data
(an empty frame has them too):

* timestamps: ``datetime64[us, UTC]`` (AWS writes milliseconds; the virtual clock may be finer); missing: ``NaT``;
* durations and offsets: ``timedelta64[us]``; missing: ``NaT``. An *offset* is the time from the start of the
  execution (its first event, ``ExecutionStarted``) to the start of the row's subject;
* text: ``string`` (``pd.StringDtype()``); missing: ``<NA>``;
* counts and event ids: ``int64``; ids and indexes that may be missing: ``Int64``; rates: ``float64``.

Scopes are written as in ``StateSpan.path``: ``"Process[2]"`` is iteration 2 of the Map state ``Process``,
``"Fan.Branches[0]"`` is branch 0 of the Parallel state ``Fan``, nested scopes are joined with ``/``, and the
top level is ``""``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Final

from sfnkit.gcpause import gc_paused
from sfnkit.history import views
from sfnkit.history.model import History, escape_surrogates
from sfnkit.history.views import ScopeFrame, StateSpan, TaskAttempt
from sfnkit.reports._inputs import collect, require
from sfnkit.types import HistorySource

__all__ = [
    "ATTEMPT_COLUMNS",
    "ERROR_COLUMNS",
    "EVENT_COLUMNS",
    "FAILURE_COLUMNS",
    "OVERVIEW_COLUMNS",
    "STATE_COLUMNS",
    "SUMMARY_COLUMNS",
    "attempts",
    "errors",
    "events",
    "failures",
    "overview",
    "states",
    "summary",
]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND: Final = timedelta(microseconds=1)
#: int64 minimum: NaT once viewed as datetime64/timedelta64.
NAT: Final = -(2**63)

# column kinds -> pandas dtypes
_DTYPES: Final[Mapping[str, str]] = {
    "int": "int64",
    "Int": "Int64",
    "str": "string",
    "dt": "datetime64[us, UTC]",
    "td": "timedelta64[us]",
    "float": "float64",
}

EVENT_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("id", "int"),
    ("previous_event_id", "int"),
    ("type", "str"),
    ("timestamp", "dt"),
    ("offset", "td"),
    ("state", "str"),
    ("state_type", "str"),
    ("scope", "str"),
    ("entered_event_id", "Int"),
    ("error", "str"),
    ("cause", "str"),
    ("details", "str"),
)
STATE_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("state", "str"),
    ("type", "str"),
    ("path", "str"),
    ("scope", "str"),
    ("depth", "int"),
    ("iteration", "Int"),
    ("branch", "Int"),
    ("parent_event_id", "Int"),
    ("entered_event_id", "int"),
    ("ended_event_id", "Int"),
    ("entered", "dt"),
    ("exited", "dt"),
    ("ended", "dt"),
    ("offset", "td"),
    ("duration", "td"),
    ("status", "str"),
    ("attempts", "int"),
    ("retries", "int"),
    ("error", "str"),
    ("cause", "str"),
    ("input_bytes", "Int"),
    ("output_bytes", "Int"),
)
ATTEMPT_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("state", "str"),
    ("path", "str"),
    ("scope", "str"),
    ("iteration", "Int"),
    ("branch", "Int"),
    ("entered_event_id", "Int"),
    ("attempt", "int"),
    ("kind", "str"),
    ("resource", "str"),
    ("resource_type", "str"),
    ("status", "str"),
    ("scheduled_event_id", "Int"),
    ("ended_event_id", "Int"),
    ("scheduled", "dt"),
    ("started", "dt"),
    ("ended", "dt"),
    ("offset", "td"),
    ("duration", "td"),
    ("backoff", "td"),
    ("error", "str"),
    ("cause", "str"),
    ("timeout_seconds", "Int"),
    ("heartbeat_seconds", "Int"),
)
FAILURE_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("event_id", "int"),
    ("type", "str"),
    ("timestamp", "dt"),
    ("offset", "td"),
    ("state", "str"),
    ("state_type", "str"),
    ("path", "str"),
    ("scope", "str"),
    ("entered_event_id", "Int"),
    ("error", "str"),
    ("cause", "str"),
    ("outcome", "str"),
)
ERROR_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("state", "str"),
    ("state_type", "str"),
    ("path", "str"),
    ("scope", "str"),
    ("entered_event_id", "int"),
    ("attempt", "Int"),
    ("timestamp", "dt"),
    ("offset", "td"),
    ("error", "str"),
    ("cause", "str"),
    ("outcome", "str"),
)
OVERVIEW_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("status", "str"),
    ("started", "dt"),
    ("stopped", "dt"),
    ("duration", "td"),
    ("events", "int"),
    ("transitions", "int"),
    ("visits", "int"),
    ("retries", "int"),
    ("failures", "int"),
    ("error", "str"),
    ("cause", "str"),
    ("input_bytes", "Int"),
    ("output_bytes", "Int"),
)
SUMMARY_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("state", "str"),
    ("type", "str"),
    ("count", "int"),
    ("executions", "int"),
    ("total", "td"),
    ("mean", "td"),
    ("p50", "td"),
    ("p95", "td"),
    ("max", "td"),
    ("attempts", "int"),
    ("retries", "int"),
    ("retry_rate", "float"),
    ("failures", "int"),
    ("failure_rate", "float"),
)

Rows = dict[str, list[Any]]


# ---------------------------------------------------------------------------------------------------------
# helpers


def epoch_us(value: datetime | None) -> int:
    """Microseconds since the epoch, exactly (``NAT`` for ``None``)."""
    return NAT if value is None else (value - _EPOCH) // MICROSECOND


def _size(text: str | None) -> int | None:
    """Bytes of JSON text in UTF-8, the unit of AWS's 256 KiB payload quota."""
    if text is None:
        return None
    return len(text) if text.isascii() else len(text.encode("utf-8"))


class _Scopes:
    """Scope strings and innermost indexes, computed once per scope tuple (threads share their tuple)."""

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        self._cache: dict[int, tuple[str, int | None, int | None, int | None, tuple[ScopeFrame, ...]]] = {}

    def get(self, scope: tuple[ScopeFrame, ...]) -> tuple[str, int | None, int | None, int | None]:
        hit = self._cache.get(id(scope))
        if hit is None or hit[4] is not scope:
            iteration = branch = None
            for frame in reversed(scope):
                if frame.kind == "map" and iteration is None:
                    iteration = frame.index
                elif frame.kind == "parallel" and branch is None:
                    branch = frame.index
            parent = scope[-1].entered_event_id if scope else None
            hit = ("/".join(map(str, scope)), iteration, branch, parent, scope)
            self._cache[id(scope)] = hit
        return hit[0], hit[1], hit[2], hit[3]


def start_us(history: History) -> int:
    """The execution's start: its ``ExecutionStarted`` event, else its first event."""
    summary = views.execution_summary(history)
    if summary.started_at is not None:
        return epoch_us(summary.started_at)
    return epoch_us(history[0].timestamp) if len(history) else NAT


def _offset(at: int, start: int) -> int:
    return NAT if at == NAT or start == NAT else at - start


def _plain(value: Any) -> Any:
    if value.__class__ is MappingProxyType:  # what History details are made of; skips the ABC check
        return value.copy()
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def _make_details_encoder() -> Callable[[Any], str]:
    """Compact JSON for details objects (read-only mappings inside), with the C encoder built once.

    ``json.dumps(..., separators=..., default=...)`` builds a new encoder on every call; on a 25,000-event
    history that costs more than the encoding itself.
    """
    try:
        from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - CPython has the accelerator
        c_make_encoder = None
    if c_make_encoder is None:  # pragma: no cover
        encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_plain)
        return encoder.encode
    iterencode = c_make_encoder(None, _plain, encode_basestring, None, ":", ",", False, False, True)

    def encode(value: Any) -> str:
        return "".join(iterencode(value, 0))

    return encode


_encode_details: Final = _make_details_encoder()


def _json(details: Mapping[str, Any] | None) -> str | None:
    if details is None:
        return None
    return _encode_details(details)


def attempts_by_visit(history: History) -> dict[int, list[TaskAttempt]]:
    """The Task attempts of each state visit, by the visit's entered event id (memoised on the history)."""

    def compute(h: History) -> dict[int, list[TaskAttempt]]:
        out: dict[int, list[TaskAttempt]] = {}
        for attempt in views.attempts(h):
            if attempt.span_entered_event_id is not None:
                out.setdefault(attempt.span_entered_event_id, []).append(attempt)
        return out

    return history.cached("sfnkit.reports.attempts_by_visit", compute)


def _visit_attempts(span: StateSpan, tasks: Mapping[int, list[TaskAttempt]]) -> int:
    if span.state_type == "Task":
        return len(tasks.get(span.entered_event_id, ()))
    if span.state_type in ("Map", "Parallel"):
        return span.retries + 1
    return 1


# ---------------------------------------------------------------------------------------------------------
# rows of one history (memoised on the history)


def _event_rows(h: History) -> Rows:
    spans = views.spans(h)
    scopes = views.event_scopes(h)
    owner: dict[int, StateSpan] = {}
    for span in spans:
        for event_id in span.event_ids:
            owner[event_id] = span
    start = start_us(h)
    cache = _Scopes()
    rows: Rows = {name: [] for name, _ in EVENT_COLUMNS}
    (r_id, r_prev, r_type, r_ts, r_off, r_state, r_stype, r_scope, r_entered, r_error, r_cause, r_details) = (
        rows[name] for name, _ in EVENT_COLUMNS
    )
    for event, scope in zip(h, scopes, strict=True):
        ts = epoch_us(event.timestamp)
        visit = owner.get(event.id)
        details = event.details
        r_id.append(event.id)
        r_prev.append(event.previous_event_id)
        r_type.append(event.type)
        r_ts.append(ts)
        r_off.append(_offset(ts, start))
        if visit is not None:
            r_state.append(visit.name)
            r_stype.append(visit.state_type)
            r_entered.append(visit.entered_event_id)
        else:
            r_state.append(None)
            r_stype.append(None)
            r_entered.append(None)
        r_scope.append(cache.get(scope)[0])
        if details is None:
            r_error.append(None)
            r_cause.append(None)
            r_details.append(None)
        else:
            error, cause = details.get("error"), details.get("cause")
            r_error.append(error if isinstance(error, str) else None)
            r_cause.append(cause if isinstance(cause, str) else None)
            r_details.append(_json(details))
    return rows


def state_rows(h: History) -> Rows:
    """The columns of :func:`states` for one history, as lists (the plots and the cost estimate read them too)."""
    spans = views.spans(h)
    tasks = attempts_by_visit(h)
    start = start_us(h)
    cache = _Scopes()
    rows: Rows = {name: [] for name, _ in STATE_COLUMNS}
    (
        r_state, r_type, r_path, r_scope, r_depth, r_iter, r_branch, r_parent, r_entered_id, r_ended_id,
        r_entered, r_exited, r_ended, r_offset, r_duration, r_status, r_attempts, r_retries, r_error, r_cause,
        r_in, r_out,
    ) = (rows[name] for name, _ in STATE_COLUMNS)  # fmt: skip
    for span in spans:
        scope, iteration, branch, parent = cache.get(span.scope)
        entered, ended = epoch_us(span.entered_at), epoch_us(span.ended_at)
        r_state.append(span.name)
        r_type.append(span.state_type)
        r_path.append(f"{scope}/{span.name}" if scope else span.name)
        r_scope.append(scope)
        r_depth.append(len(span.scope))
        r_iter.append(iteration)
        r_branch.append(branch)
        r_parent.append(parent)
        r_entered_id.append(span.entered_event_id)
        r_ended_id.append(span.ended_event_id)
        r_entered.append(entered)
        r_exited.append(epoch_us(span.exited_at))
        r_ended.append(ended)
        r_offset.append(_offset(entered, start))
        r_duration.append(NAT if ended == NAT else ended - entered)
        r_status.append(span.status)
        r_attempts.append(_visit_attempts(span, tasks))
        r_retries.append(span.retries)
        r_error.append(span.error)
        r_cause.append(span.cause)
        r_in.append(_size(span.input_json))
        r_out.append(_size(span.output_json))
    return rows


def _attempt_rows(h: History) -> Rows:
    start = start_us(h)
    cache = _Scopes()
    rows: Rows = {name: [] for name, _ in ATTEMPT_COLUMNS}
    (
        r_state, r_path, r_scope, r_iter, r_branch, r_entered_id, r_attempt, r_kind, r_resource, r_rtype,
        r_status, r_sched_id, r_ended_id, r_sched, r_started, r_ended, r_offset, r_duration, r_backoff, r_error,
        r_cause, r_timeout, r_heartbeat,
    ) = (rows[name] for name, _ in ATTEMPT_COLUMNS)  # fmt: skip
    all_attempts = views.attempts(h)
    # the next attempt of the same visit, to measure the Retry backoff between the two
    following: dict[int, TaskAttempt] = {}
    last_of_visit: dict[int, int] = {}
    for position, attempt in enumerate(all_attempts):
        key = attempt.span_entered_event_id
        if key is not None:
            if key in last_of_visit:
                following[last_of_visit[key]] = attempt
            last_of_visit[key] = position
    for position, a in enumerate(all_attempts):
        scope, iteration, branch, _parent = cache.get(a.scope)
        scheduled, ended = epoch_us(a.scheduled_at), epoch_us(a.ended_at)
        name = a.state_name
        r_state.append(name)
        r_path.append(None if name is None else (f"{scope}/{name}" if scope else name))
        r_scope.append(scope)
        r_iter.append(iteration)
        r_branch.append(branch)
        r_entered_id.append(a.span_entered_event_id)
        r_attempt.append(a.number)
        r_kind.append(a.kind)
        r_resource.append(a.resource)
        r_rtype.append(a.resource_type)
        r_status.append(a.status)
        r_sched_id.append(a.scheduled_event_id)
        r_ended_id.append(a.ended_event_id)
        r_sched.append(scheduled)
        r_started.append(epoch_us(a.started_at))
        r_ended.append(ended)
        r_offset.append(_offset(scheduled, start))
        r_duration.append(NAT if ended == NAT or scheduled == NAT else ended - scheduled)
        nxt = following.get(position)
        nxt_scheduled = NAT if nxt is None else epoch_us(nxt.scheduled_at)
        r_backoff.append(NAT if ended == NAT or nxt_scheduled == NAT else nxt_scheduled - ended)
        r_error.append(a.error)
        r_cause.append(a.cause)
        r_timeout.append(a.timeout_seconds)
        r_heartbeat.append(a.heartbeat_seconds)
    return rows


def _failure_rows(h: History) -> Rows:
    start = start_us(h)
    cache = _Scopes()
    rows: Rows = {name: [] for name, _ in FAILURE_COLUMNS}
    (r_id, r_type, r_ts, r_off, r_state, r_stype, r_path, r_scope, r_entered, r_error, r_cause, r_outcome) = (
        rows[name] for name, _ in FAILURE_COLUMNS
    )
    by_entered = {span.entered_event_id: span for span in views.spans(h)}
    for f in views.failures(h):
        scope = cache.get(f.scope)[0]
        ts = epoch_us(f.timestamp)
        span = by_entered.get(f.span_entered_event_id) if f.span_entered_event_id is not None else None
        # the state's path (a MapIterationFailed happens inside the iteration, but is about the Map)
        path = None
        if span is not None:
            span_scope = cache.get(span.scope)[0]
            path = f"{span_scope}/{span.name}" if span_scope else span.name
        r_id.append(f.event_id)
        r_type.append(f.type)
        r_ts.append(ts)
        r_off.append(_offset(ts, start))
        r_state.append(f.state_name)
        r_stype.append(f.state_type)
        r_path.append(path)
        r_scope.append(scope)
        r_entered.append(f.span_entered_event_id)
        r_error.append(f.error)
        r_cause.append(f.cause)
        r_outcome.append(f.outcome)
    return rows


def error_rows(h: History) -> Rows:
    """The columns of :func:`errors` for one history, as lists."""
    spans = views.spans(h)
    tasks = attempts_by_visit(h)
    start = start_us(h)
    cache = _Scopes()
    by_entered = {s.entered_event_id: s for s in spans}
    last_run: dict[int, int] = {}  # Map/Parallel visit -> started event id of its last run
    failed_children: dict[int, list[StateSpan]] = {}
    for s in spans:
        for frame in s.scope:
            if last_run.get(frame.entered_event_id, -1) < frame.started_event_id:
                last_run[frame.entered_event_id] = frame.started_event_id
        if s.scope and s.status == "failed":
            failed_children.setdefault(s.scope[-1].entered_event_id, []).append(s)

    def fate(scope: tuple[ScopeFrame, ...]) -> str:
        """What became of an error that ended a state visit unhandled, looking outwards through its scopes."""
        for frame in reversed(scope):
            if frame.started_event_id < last_run.get(frame.entered_event_id, frame.started_event_id):
                return "retried"  # the Map/Parallel ran again
            container = by_entered.get(frame.entered_event_id)
            status = container.status if container is not None else "failed"
            if status == "caught":
                return "caught"
            if status == "succeeded":
                return "tolerated"
            if status == "running":
                return "pending"
            if status == "aborted":
                return "failed"
        return "failed"

    def ended(span: StateSpan) -> str:
        if span.status == "caught":
            return "caught"
        if span.status == "running":
            return "pending"
        return fate(span.scope)

    rows: Rows = {name: [] for name, _ in ERROR_COLUMNS}

    def add(span: StateSpan, attempt: int | None, at: datetime | None, error: Any, cause: Any, outcome: str) -> None:
        scope = cache.get(span.scope)[0]
        ts = epoch_us(at)
        rows["state"].append(span.name)
        rows["state_type"].append(span.state_type)
        rows["path"].append(f"{scope}/{span.name}" if scope else span.name)
        rows["scope"].append(scope)
        rows["entered_event_id"].append(span.entered_event_id)
        rows["attempt"].append(attempt)
        rows["timestamp"].append(ts)
        rows["offset"].append(_offset(ts, start))
        rows["error"].append(error)
        rows["cause"].append(cause)
        rows["outcome"].append(outcome)

    for span in spans:
        own_error = span.status in ("failed", "caught")
        if span.state_type == "Task":
            attempts = tasks.get(span.entered_event_id, [])
            last_failed = False
            for k, a in enumerate(attempts):
                if a.status not in ("failed", "timed_out"):
                    continue
                last = k == len(attempts) - 1
                last_failed = last
                add(span, a.number, a.ended_at, a.error, a.cause, ended(span) if last else "retried")
            if own_error and not last_failed:  # e.g. ResultSelector/ResultPath failed after a good attempt
                add(span, None, span.ended_at, span.error, span.cause, ended(span))
        elif span.state_type in ("Map", "Parallel"):
            if not own_error:
                continue
            children = failed_children.get(span.entered_event_id, ())
            if any(c.error == span.error or span.error is None for c in children):
                continue  # the error came up from a branch or an iteration: counted where it arose
            add(span, None, span.ended_at, span.error, span.cause, ended(span))
        elif own_error:
            add(span, None, span.ended_at, span.error, span.cause, ended(span))
    return rows


def _overview_rows(h: History) -> Rows:
    summary = views.execution_summary(h)
    spans = views.spans(h)
    retries = sum(s.retries for s in spans)
    started, stopped = epoch_us(summary.started_at), epoch_us(summary.stopped_at)
    return {
        "status": [summary.status],
        "started": [started],
        "stopped": [stopped],
        "duration": [NAT if started == NAT or stopped == NAT else stopped - started],
        "events": [len(h)],
        "transitions": [len(spans) + retries],
        "visits": [len(spans)],
        "retries": [retries],
        "failures": [sum(1 for s in spans if s.status in ("failed", "caught"))],
        "error": [summary.error],
        "cause": [summary.cause],
        "input_bytes": [_size(summary.input_json)],
        "output_bytes": [_size(summary.output_json)],
    }


# ---------------------------------------------------------------------------------------------------------
# assembling frames


def frame_column(pd: Any, np: Any, values: list[Any], kind: str) -> Any:
    """One column of a frame from its values, with the dtype of its kind (``dt``, ``td``, ``int``, ``str``, ...)."""
    if kind == "dt":
        array = np.fromiter(values, dtype=np.int64, count=len(values)).view("M8[us]")
        return pd.DatetimeIndex(array).tz_localize("UTC").array
    if kind == "td":
        return np.fromiter(values, dtype=np.int64, count=len(values)).view("m8[us]")
    if kind == "int":
        return np.fromiter(values, dtype=np.int64, count=len(values))
    if kind == "float":
        return np.fromiter(values, dtype=np.float64, count=len(values))
    if kind == "str" and not "".join([v for v in values if v.__class__ is str]).isascii():
        # a lone surrogate (in a state name, say) as the history's JSON text writes it, so that the frame's CSV
        # and HTML have a UTF-8 form (as HistoryEvent.state_name and the history's details read it)
        values = [escape_surrogates(v) if v.__class__ is str else v for v in values]
    return pd.array(values, dtype=_DTYPES[kind])


def _build(
    source: Any,
    function: str,
    key: str,
    make: Callable[[History], Rows],
    spec: tuple[tuple[str, str], ...],
) -> Any:
    pd = require("pandas", f"sfnkit.reports.{function}()")
    import numpy as np

    histories, many = collect(source, function)
    with gc_paused():
        per = [h.cached(f"sfnkit.reports.{key}", make) for h in histories]
    data: dict[str, Any] = {}
    if many:
        execution: list[int] = []
        for i, rows in enumerate(per):
            execution.extend([i] * len(rows[spec[0][0]]))
        data["execution"] = np.asarray(execution, dtype=np.int64)
    for name, kind in spec:
        if len(per) == 1:
            values = per[0][name]
        else:
            values = []
            for rows in per:
                values.extend(rows[name])
        data[name] = frame_column(pd, np, values, kind)
    from sfnkit.reports._display import report_frame

    return report_frame(pd.DataFrame(data, copy=False))


def events(source: HistorySource) -> Any:
    """One row per history event, in event order.

    ======================  ======================  =======================================================
    column                  dtype                   meaning
    ======================  ======================  =======================================================
    ``execution``           int64                   (many only) position of the history in the collection
    ``id``                  int64                   the event id (1, 2, ...)
    ``previous_event_id``   int64                   AWS's ``previousEventId`` (0 for none)
    ``type``                string                  AWS's event type (``TaskStateEntered``, ``TaskFailed``...)
    ``timestamp``           datetime64[us, UTC]     when it happened
    ``offset``              timedelta64[us]         time since the execution started
    ``state``               string                  the state visit the event belongs to (a Task's attempts
                                                    and a Map's iteration events included); <NA> for the
                                                    execution's own events
    ``state_type``          string                  that state's ASL type (``Task``, ``Map``...)
    ``scope``               string                  the Map iteration / Parallel branch the event ran in
                                                    (``"Process[2]"``, ``""`` at the top level)
    ``entered_event_id``    Int64                   the ``...StateEntered`` event of that visit (joins with
                                                    ``states()``)
    ``error``               string                  ``error`` of the event's details, if any
    ``cause``               string                  ``cause`` of the event's details, if any
    ``details``             string                  the event's details object as compact JSON text, AWS's
                                                    field names (its JSON-text fields stay text); <NA> if none
    ======================  ======================  =======================================================
    """
    return _build(source, "events", "events", _event_rows, EVENT_COLUMNS)


def states(source: HistorySource) -> Any:
    """One row per state visit (from entering a state to leaving it), in the order states were entered.

    ======================  ======================  =======================================================
    column                  dtype                   meaning
    ======================  ======================  =======================================================
    ``execution``           int64                   (many only) position of the history in the collection
    ``state``               string                  the state's name
    ``type``                string                  its ASL type: Task, Pass, Choice, Wait, Succeed, Fail,
                                                    Map, Parallel
    ``path``                string                  scope and name, e.g. ``"Process[2]/Train"``
    ``scope``               string                  the Map iterations / Parallel branches it ran in
                                                    (``""`` at the top level)
    ``depth``               int64                   how deeply nested (0 at the top level)
    ``iteration``           Int64                   index of the innermost Map iteration, else <NA>
    ``branch``              Int64                   index of the innermost Parallel branch, else <NA>
    ``parent_event_id``     Int64                   ``entered_event_id`` of the Map/Parallel visit it ran in
    ``entered_event_id``    int64                   its ``...StateEntered`` event: identifies the visit
    ``ended_event_id``      Int64                   the event that ended it (exit, failure, abort); <NA>
                                                    while running
    ``entered``             datetime64[us, UTC]     when it was entered
    ``exited``              datetime64[us, UTC]     its ``...StateExited`` event; NaT if it did not exit
                                                    (failed, aborted, running)
    ``ended``               datetime64[us, UTC]     when the visit ended, however it ended; NaT if running
    ``offset``              timedelta64[us]         ``entered`` minus the execution's start
    ``duration``            timedelta64[us]         ``ended - entered``; NaT while running
    ``status``              string                  ``succeeded``, ``caught`` (its error went to a Catch),
                                                    ``failed``, ``aborted`` (something else stopped it),
                                                    ``running``
    ``attempts``            int64                   Task: attempts scheduled (0 if it failed before calling
                                                    anything); Map/Parallel: runs (1 + retries); others: 1
    ``retries``             int64                   attempts after the first (Retry); Map/Parallel: restarts
    ``error``               string                  the error that ended a failed or caught visit
    ``cause``               string                  its cause
    ``input_bytes``         Int64                   size of the state's input JSON text in UTF-8 bytes (AWS's
                                                    payload quota is 262,144)
    ``output_bytes``        Int64                   size of its output; <NA> if it did not exit
    ======================  ======================  =======================================================
    """
    return _build(source, "states", "states", state_rows, STATE_COLUMNS)


def attempts(source: HistorySource) -> Any:
    """One row per Task attempt (Task, Lambda and activity resources), in the order they were scheduled.

    ======================  ======================  =======================================================
    column                  dtype                   meaning
    ======================  ======================  =======================================================
    ``execution``           int64                   (many only) position of the history in the collection
    ``state``               string                  the Task state's name
    ``path``                string                  scope and name, as in ``states()``
    ``scope``               string                  the Map iterations / Parallel branches it ran in
    ``iteration``           Int64                   innermost Map iteration index, else <NA>
    ``branch``              Int64                   innermost Parallel branch index, else <NA>
    ``entered_event_id``    Int64                   the visit this attempt belongs to (joins with ``states()``)
    ``attempt``             int64                   0 for the first attempt, 1 for the first retry
                                                    (``$$.State.RetryCount``)
    ``kind``                string                  ``task`` (``TaskScheduled``), ``lambda``
                                                    (``LambdaFunctionScheduled``), ``activity``
    ``resource``            string                  the resource (``invoke``, a function ARN...)
    ``resource_type``       string                  the resource type (``lambda``, ``sqs``...), if given
    ``status``              string                  ``succeeded``, ``failed``, ``timed_out``, ``aborted``,
                                                    ``running``
    ``scheduled_event_id``  Int64                   its ``...Scheduled`` event
    ``ended_event_id``      Int64                   the event that ended it
    ``scheduled``           datetime64[us, UTC]     when it was scheduled
    ``started``             datetime64[us, UTC]     its ``...Started`` event; NaT if none
    ``ended``               datetime64[us, UTC]     when it ended; NaT while running
    ``offset``              timedelta64[us]         ``scheduled`` minus the execution's start
    ``duration``            timedelta64[us]         ``ended - scheduled``
    ``backoff``             timedelta64[us]         the wait before the next attempt of the same visit (the
                                                    Retry interval, with backoff and jitter); NaT for the
                                                    last attempt
    ``error``               string                  the error of a failed or timed-out attempt
    ``cause``               string                  its cause
    ``timeout_seconds``     Int64                   ``timeoutInSeconds`` of the schedule event, if any
    ``heartbeat_seconds``   Int64                   ``heartbeatInSeconds`` of the schedule event, if any
    ======================  ======================  =======================================================
    """
    return _build(source, "attempts", "attempts", _attempt_rows, ATTEMPT_COLUMNS)


def failures(source: HistorySource) -> Any:
    """One row per event that reports a failure, in event order, with what became of it.

    A failure deep inside shows up once per level it crosses (``TaskFailed``, then ``MapIterationFailed``,
    ``MapStateFailed``, ``ExecutionFailed``): this is the history's view. ``errors()`` counts each error once,
    where it arose.

    ======================  ======================  =======================================================
    column                  dtype                   meaning
    ======================  ======================  =======================================================
    ``execution``           int64                   (many only) position of the history in the collection
    ``event_id``            int64                   the failure event
    ``type``                string                  its type (``TaskFailed``, ``EvaluationFailed``,
                                                    ``MapIterationFailed``, ``ExecutionFailed``...)
    ``timestamp``           datetime64[us, UTC]     when it happened
    ``offset``              timedelta64[us]         time since the execution started
    ``state``               string                  the state visit it belongs to; <NA> for the execution's
                                                    own failure events
    ``state_type``          string                  that state's type
    ``path``                string                  scope and name of that state (as in ``states()``)
    ``scope``               string                  where the event happened: for ``MapIterationFailed``,
                                                    the iteration (``"Process[3]"``)
    ``entered_event_id``    Int64                   that visit's ``...StateEntered`` event
    ``error``               string                  the error name (for ``MapIterationFailed``, the error of
                                                    the failure inside the iteration)
    ``cause``               string                  the cause
    ``outcome``             string                  ``retried`` (a Retrier tried again), ``caught`` (a Catcher
                                                    took over), ``tolerated`` (the Map still succeeded),
                                                    ``propagated`` (it ended the state), ``terminal`` (the
                                                    execution failed), ``pending`` (history not finished)
    ======================  ======================  =======================================================
    """
    return _build(source, "failures", "failures", _failure_rows, FAILURE_COLUMNS)


def errors(source: HistorySource) -> Any:
    """One row per error *raised*, attributed to the state that raised it (the data of the Pareto chart).

    Each failed or timed-out Task attempt is one row; so is every other state visit that ended in an error of
    its own (a Fail state, a Choice with no match, a failed JSONata or path evaluation, a Task whose result
    could not be placed). A Map or Parallel that failed *because* an iteration or a branch failed adds no row:
    that error was counted where it arose. ``States.ExceedToleratedFailureThreshold`` is the Map's own.

    ======================  ======================  =======================================================
    column                  dtype                   meaning
    ======================  ======================  =======================================================
    ``execution``           int64                   (many only) position of the history in the collection
    ``state``               string                  the state that raised the error
    ``state_type``          string                  its ASL type
    ``path``                string                  its scope and name
    ``scope``               string                  the Map iterations / Parallel branches it ran in
    ``entered_event_id``    int64                   the visit (joins with ``states()``)
    ``attempt``             Int64                   the Task attempt number (0 = first) for attempt failures,
                                                    else <NA>
    ``timestamp``           datetime64[us, UTC]     when the error was recorded
    ``offset``              timedelta64[us]         time since the execution started
    ``error``               string                  the error name (<NA> for a Fail state without ``Error``)
    ``cause``               string                  the cause
    ``outcome``             string                  what became of it: ``retried`` (a Retrier, here or on an
                                                    enclosing Map/Parallel, tried again), ``caught`` (a Catch
                                                    took over, here or further out), ``tolerated`` (an
                                                    enclosing Map tolerated the failure), ``failed`` (it
                                                    failed the execution, or was cut short), ``pending``
    ======================  ======================  =======================================================
    """
    return _build(source, "errors", "errors", error_rows, ERROR_COLUMNS)


def overview(source: HistorySource) -> Any:
    """One row per execution: status, timing and counts (what ``DescribeExecution`` says, plus counts).

    ======================  ======================  =======================================================
    column                  dtype                   meaning
    ======================  ======================  =======================================================
    ``execution``           int64                   (many only) position of the history in the collection
    ``status``              string                  SUCCEEDED, FAILED, TIMED_OUT, ABORTED or RUNNING
    ``started``             datetime64[us, UTC]     the ``ExecutionStarted`` event
    ``stopped``             datetime64[us, UTC]     the execution's end event; NaT while running
    ``duration``            timedelta64[us]         ``stopped - started``
    ``events``              int64                   history events
    ``transitions``         int64                   state transitions as AWS bills them for Standard
                                                    workflows: states entered, plus one per retry
    ``visits``              int64                   states entered
    ``retries``             int64                   Task retries plus Map/Parallel restarts
    ``failures``            int64                   state visits that ended in an error (failed or caught)
    ``error``               string                  the execution's error, if it failed
    ``cause``               string                  its cause
    ``input_bytes``         Int64                   size of the execution input (UTF-8 JSON text)
    ``output_bytes``        Int64                   size of its output; <NA> unless SUCCEEDED
    ======================  ======================  =======================================================
    """
    return _build(source, "overview", "overview", _overview_rows, OVERVIEW_COLUMNS)


def summary(source: HistorySource) -> Any:
    """Per state: how often it ran, how long it took, how often it retried and failed.

    One row per state (name and type), in the order the states were first entered. Across many executions
    every visit of every execution counts. Durations are those of finished visits (``states().duration``);
    quantiles interpolate linearly (``numpy.quantile``'s default). Sort it to answer questions, e.g.
    ``summary(batch).sort_values("p95", ascending=False)``.

    ======================  ======================  =======================================================
    column                  dtype                   meaning
    ======================  ======================  =======================================================
    ``state``               string                  the state's name
    ``type``                string                  its ASL type
    ``count``               int64                   visits
    ``executions``          int64                   executions in which it ran at least once
    ``total``               timedelta64[us]         sum of the visits' durations
    ``mean``                timedelta64[us]         mean duration (rounded to the microsecond)
    ``p50``                 timedelta64[us]         median duration
    ``p95``                 timedelta64[us]         95th percentile
    ``max``                 timedelta64[us]         longest visit
    ``attempts``            int64                   sum of ``states().attempts``
    ``retries``             int64                   sum of ``states().retries``
    ``retry_rate``          float64                 share of visits that needed at least one retry
    ``failures``            int64                   visits that ended in an error (status failed or caught)
    ``failure_rate``        float64                 ``failures / count``
    ======================  ======================  =======================================================
    """
    pd = require("pandas", "sfnkit.reports.summary()")
    import numpy as np

    histories, _many = collect(source, "summary")
    per = [h.cached("sfnkit.reports.states", state_rows) for h in histories]
    groups: dict[tuple[str, str], list[Any]] = {}
    # key -> [durations in us, executions set, attempts, retries, retried visits, failures, count]
    for i, rows in enumerate(per):
        for name, type_, duration, status, n_attempts, n_retries in zip(
            rows["state"],
            rows["type"],
            rows["duration"],
            rows["status"],
            rows["attempts"],
            rows["retries"],
            strict=True,
        ):
            g = groups.get((name, type_))
            if g is None:
                g = groups[(name, type_)] = [[], set(), 0, 0, 0, 0, 0]
            if duration != NAT:
                g[0].append(duration)
            g[1].add(i)
            g[2] += n_attempts
            g[3] += n_retries
            g[4] += n_retries > 0
            g[5] += status in ("failed", "caught")
            g[6] += 1
    out: Rows = {name: [] for name, _ in SUMMARY_COLUMNS}
    for (name, type_), (durations, executions, n_att, n_ret, retried, n_fail, count) in groups.items():
        out["state"].append(name)
        out["type"].append(type_)
        out["count"].append(count)
        out["executions"].append(len(executions))
        if durations:
            d = np.asarray(durations, dtype=np.int64)
            total = int(d.sum())
            p50, p95 = np.quantile(d, [0.5, 0.95])
            stats = [total, round(total / len(d)), round(float(p50)), round(float(p95)), int(d.max())]
        else:
            stats = [NAT] * 5
        for column, value in zip(("total", "mean", "p50", "p95", "max"), stats, strict=True):
            out[column].append(value)
        out["attempts"].append(n_att)
        out["retries"].append(n_ret)
        out["retry_rate"].append(retried / count)
        out["failures"].append(n_fail)
        out["failure_rate"].append(n_fail / count)
    from sfnkit.reports._display import report_frame

    return report_frame(
        pd.DataFrame({name: frame_column(pd, np, out[name], kind) for name, kind in SUMMARY_COLUMNS}, copy=False)
    )
