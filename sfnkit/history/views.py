"""Derived views over a ``History``: state visits, task attempts, failures and the execution's result.

Reports and widgets read these views instead of re-parsing events. Every view is computed by one pass over
the history (``_analyse``), memoised on the ``History`` (``History.cached``), and is plain frozen data.
Nothing here needs sfnkit's interpreter: the views work the same on a history fetched from AWS.

The same pass runs incrementally as :class:`Analysis`: ``extend(history)`` reads only the events added since the
last call, so following a growing history (the Debugger, after every step) costs the same at event 10 and
10,000. While a history is not finished, what it gives (visits, colours, waiting attempts) is what the whole
pass gives on that prefix; the end of a history settles visits left open, which only the whole pass does.

How AWS links events (studied on the AWS-recorded conformance histories), which the pass relies on:

* Events run in *threads*: the top level, each Parallel branch and each Map iteration. Within a thread,
  ``previousEventId`` is the thread's previous event. The first state of the top level has
  ``previousEventId`` 0, like ``ExecutionStarted``.
* A Parallel state writes ``ParallelStateEntered`` and ``ParallelStateStarted`` in its own thread; the first
  event of every branch points at ``ParallelStateStarted``. AWS does not name the branch, so the branch
  index here is the order in which the branches' first events appear (sfnkit's interpreter starts branches
  in definition order; AWS usually does too, but does not promise it).
* A Map state writes ``MapStateEntered``/``MapStateStarted``; each iteration opens with
  ``MapIterationStarted`` (details: the Map's ``name`` and the item ``index``), which points at
  ``MapStateStarted`` or, when iterations run one after another, at the last event of the previous
  iteration; the iteration's first state points at its ``MapIterationStarted``. ``MapIterationSucceeded``/
  ``Failed`` point at the iteration's last event.
* Closing events (``...StateSucceeded``/``Failed``/``Aborted``, ``...StateExited`` of Map and Parallel, a
  ``...StateStarted`` that restarts a retried Map or Parallel) point at the last event of *some* child
  thread (or of the state's own thread); they belong to the innermost enclosing open Map/Parallel.
* ``EvaluationFailed`` points at the event *before* the failing state's ``...StateEntered`` and names the
  state in ``details.state``.
* When a failure aborts sibling branches or iterations, every ``TaskStateAborted``/``MapIterationAborted``
  points at the first failure event; an abort is matched to the oldest still-open visit of that state type.
* A Task retry schedules a new attempt (``TaskScheduled``/``LambdaFunctionScheduled``/``ActivityScheduled``)
  in the same visit; a retried Map or Parallel writes a new ``...StateStarted`` without a ``...StateFailed``.

Statuses of a state visit: ``succeeded`` (exited normally), ``caught`` (exited after its last attempt
failed: a Catch took over), ``failed`` (ended by an error, or a Fail state), ``aborted`` (stopped because
something else failed, or the execution was stopped or timed out), ``running`` (history not finished).
Fail states carry no error in their events: a failed visit without its own error takes the error of the
Parallel (or Map, unless its error is ``States.ExceedToleratedFailureThreshold``) that failed because of
it, and a top-level failed visit takes the execution's error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal, Protocol

from sfnkit.gcpause import gc_paused
from sfnkit.history import events as et
from sfnkit.history.colours import Colour, visit_colour, waits
from sfnkit.history.model import History, decode_json

__all__ = [
    "Analysis",
    "ExecutionSummary",
    "Failure",
    "ScopeFrame",
    "StateSpan",
    "StateVisits",
    "TaskAttempt",
    "VisitUpdate",
    "attempts",
    "event_scopes",
    "execution_summary",
    "failures",
    "spans",
    "state_transitions",
    "state_visits",
]

SpanStatus = Literal["succeeded", "caught", "failed", "aborted", "running"]
AttemptStatus = Literal["succeeded", "failed", "timed_out", "aborted", "running"]
FailureOutcome = Literal["retried", "caught", "tolerated", "propagated", "pending", "terminal"]

_EXCEED_TOLERATED: Final = "States.ExceedToleratedFailureThreshold"


def _as_datetime(timestamp: float | datetime) -> datetime:
    return timestamp if isinstance(timestamp, datetime) else datetime.fromtimestamp(timestamp, UTC)


# ---------------------------------------------------------------------------------------------------------
# public records


@dataclass(frozen=True, slots=True, kw_only=True)
class ScopeFrame:
    """One level of nesting: a Map iteration or a Parallel branch.

    ``started_event_id`` tells apart the runs of a retried Map/Parallel; ``first_event_id`` is the
    ``MapIterationStarted`` event of an iteration, or the first event of a branch.
    """

    kind: Literal["map", "parallel"]
    state_name: str
    entered_event_id: int
    started_event_id: int
    index: int
    first_event_id: int

    def __str__(self) -> str:
        if self.kind == "map":
            return f"{self.state_name}[{self.index}]"
        return f"{self.state_name}.Branches[{self.index}]"


Scope = tuple[ScopeFrame, ...]


def _scope_path(scope: Scope) -> str:
    return "/".join(str(frame) for frame in scope)


class _HasJsonText(Protocol):
    @property
    def input_json(self) -> str | None: ...

    @property
    def output_json(self) -> str | None: ...


class _Decoded:
    """``input``/``output``: a view's ``input_json``/``output_json`` decoded, on each access (``None`` when the
    text is ``None``)."""

    __slots__ = ()

    @property
    def input(self: _HasJsonText) -> Any:
        return decode_json(self.input_json)

    @property
    def output(self: _HasJsonText) -> Any:
        return decode_json(self.output_json)


@dataclass(frozen=True, slots=True, kw_only=True)
class StateSpan(_Decoded):
    """One visit of a state: from its ``...StateEntered`` event to its exit (or whatever ended it)."""

    name: str
    state_type: str
    status: SpanStatus
    entered_event_id: int
    entered_at: datetime
    exited_event_id: int | None
    exited_at: datetime | None
    ended_event_id: int | None
    """The event that ended the visit (exit, abort, failure, Fail state entered, end of the execution);
    ``None`` while running."""
    ended_at: datetime | None
    scope: Scope
    error: str | None
    cause: str | None
    retries: int
    """Task attempts after the first, or restarts of a retried Map/Parallel."""
    event_ids: tuple[int, ...]
    """Every event of this visit, in order (for a Map/Parallel: its own events, not its children's)."""
    history: History = field(repr=False, compare=False)

    @property
    def input_json(self) -> str | None:
        """The state's input as AWS recorded it (JSON text)."""
        event = self.history.get(self.entered_event_id)
        return None if event is None else event.input_json

    @property
    def output_json(self) -> str | None:
        """The state's output (JSON text), or ``None`` if it did not exit."""
        if self.exited_event_id is None:
            return None
        event = self.history.get(self.exited_event_id)
        return None if event is None else event.output_json

    @property
    def duration(self) -> timedelta | None:
        """Time from entering to the end of the visit, ``None`` while running."""
        return None if self.ended_at is None else self.ended_at - self.entered_at

    @property
    def iteration(self) -> int | None:
        """Index of the innermost Map iteration this visit runs in, else ``None``."""
        for frame in reversed(self.scope):
            if frame.kind == "map":
                return frame.index
        return None

    @property
    def branch(self) -> int | None:
        """Index of the innermost Parallel branch this visit runs in, else ``None``."""
        for frame in reversed(self.scope):
            if frame.kind == "parallel":
                return frame.index
        return None

    @property
    def parent_entered_event_id(self) -> int | None:
        """``entered_event_id`` of the Map/Parallel visit this visit runs inside, ``None`` at the top level."""
        return self.scope[-1].entered_event_id if self.scope else None

    @property
    def path(self) -> str:
        """Scope and name, e.g. ``"Process[2]/Fan.Branches[0]/Charge"``."""
        return f"{_scope_path(self.scope)}/{self.name}" if self.scope else self.name

    def __repr__(self) -> str:
        return (
            f"StateSpan({self.path!r}, {self.state_type}, {self.status}, events "
            f"{self.entered_event_id}..{self.ended_event_id if self.ended_event_id is not None else ''}"
            f"{', error=' + repr(self.error) if self.error else ''})"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskAttempt(_Decoded):
    """One attempt of a Task state: scheduled, (started,) then succeeded, failed or timed out."""

    state_name: str | None
    span_entered_event_id: int | None
    scope: Scope
    number: int
    """0 for the first attempt, 1 for the first retry (``$$.State.RetryCount``)."""
    kind: Literal["task", "lambda", "activity"]
    resource: str | None
    resource_type: str | None
    status: AttemptStatus
    scheduled_event_id: int | None
    scheduled_at: datetime | None
    started_event_id: int | None
    started_at: datetime | None
    ended_event_id: int | None
    ended_at: datetime | None
    end_event_type: str | None
    error: str | None
    cause: str | None
    timeout_seconds: int | None
    heartbeat_seconds: int | None
    history: History = field(repr=False, compare=False)

    @property
    def input_json(self) -> str | None:
        """What was sent: ``parameters`` of ``TaskScheduled``, ``input`` of a Lambda/activity schedule."""
        if self.scheduled_event_id is None:
            return None
        event = self.history.get(self.scheduled_event_id)
        if event is None or event.details is None:
            return None
        sent = event.details.get("parameters", event.details.get("input"))
        return sent if isinstance(sent, str) else None

    @property
    def output_json(self) -> str | None:
        """The result (JSON text) of a succeeded attempt, else ``None``."""
        if self.status != "succeeded" or self.ended_event_id is None:
            return None
        event = self.history.get(self.ended_event_id)
        return None if event is None else event.output_json

    @property
    def duration(self) -> timedelta | None:
        """From scheduling to the end of the attempt, ``None`` while running."""
        if self.ended_at is None or self.scheduled_at is None:
            return None
        return self.ended_at - self.scheduled_at


@dataclass(frozen=True, slots=True, kw_only=True)
class Failure:
    """An event that reports a failure, where it happened and what became of it.

    ``outcome``: ``retried`` (a Retrier tried again), ``caught`` (a Catcher took over), ``tolerated`` (the
    state still succeeded: a Map's tolerated failures), ``propagated`` (the failure ended the state),
    ``pending`` (the history is not finished), ``terminal`` (the execution itself failed or timed out).
    """

    event_id: int
    type: str
    timestamp: datetime
    error: str | None
    cause: str | None
    state_name: str | None
    state_type: str | None
    span_entered_event_id: int | None
    scope: Scope
    outcome: FailureOutcome


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionSummary(_Decoded):
    """The execution's result, as ``DescribeExecution`` would give it, read from the history."""

    status: Literal["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]
    started_at: datetime | None
    stopped_at: datetime | None
    error: str | None
    cause: str | None
    role_arn: str | None
    event_count: int
    redrive_count: int
    history: History = field(repr=False, compare=False)

    @property
    def input_json(self) -> str | None:
        event = self.history.get(1) if len(self.history) else None
        if event is None or event.type != et.EXECUTION_STARTED:
            return None
        return event.input_json

    @property
    def output_json(self) -> str | None:
        if self.status != "SUCCEEDED" or not len(self.history):
            return None
        return self.history[-1].output_json

    @property
    def duration(self) -> timedelta | None:
        if self.started_at is None or self.stopped_at is None:
            return None
        return self.stopped_at - self.started_at


# ---------------------------------------------------------------------------------------------------------
# the pass


class _Thread:
    """The top level, a Parallel branch or a Map iteration: a sequence of state visits."""

    __slots__ = ("container", "last_failure", "parent", "scope", "visit")

    def __init__(self, scope: Scope, parent: _Thread | None) -> None:
        self.scope = scope
        self.parent = parent
        self.visit: _Visit | None = None  # the open visit, if any
        self.container: _Container | None = None  # the Map/Parallel this thread is running, if any
        self.last_failure: tuple[str | None, str | None] | None = None


class _Container:
    __slots__ = (
        "branch_threads",
        "branches",
        "child_failure",
        "failed_child",
        "iterations",
        "kind",
        "name",
        "phase",
        "started_event_id",
        "thread",
        "visit",
    )

    def __init__(self, kind: Literal["map", "parallel"], visit: _Visit, thread: _Thread) -> None:
        self.kind = kind
        self.name = visit.name
        self.visit = visit
        self.thread = thread
        self.phase = "entered"  # -> "running" (Started) -> "closed" (Succeeded/Failed/Aborted); removed on Exited
        self.started_event_id = visit.entered_id
        self.branches = 0
        self.iterations: dict[int, _Thread] = {}
        self.branch_threads: list[_Thread] = []
        self.child_failure: tuple[str | None, str | None] | None = None
        self.failed_child: _Visit | None = None


class _Visit:
    __slots__ = (
        "attempts",
        "cause",
        "container",
        "ended_id",
        "ended_ts",
        "entered_id",
        "entered_ts",
        "error",
        "event_ids",
        "exited_id",
        "exited_ts",
        "failed_pending",
        "name",
        "open_attempt",
        "retries",
        "scope",
        "state_type",
        "status",
        "thread",
    )

    def __init__(self, name: str, state_type: str, event_id: int, ts: float | datetime, thread: _Thread) -> None:
        self.name = name
        self.state_type = state_type
        self.entered_id = event_id
        self.entered_ts = ts
        self.thread = thread
        self.scope = thread.scope
        self.exited_id: int | None = None
        self.exited_ts: float | datetime | None = None
        self.ended_id: int | None = None
        self.ended_ts: float | datetime | None = None
        self.status: SpanStatus | None = None  # None while open
        self.error: str | None = None
        self.cause: str | None = None
        self.failed_pending = False  # the last thing that happened in this visit was a failure
        self.retries = 0
        self.event_ids: list[int] = [event_id]
        # most visits (Pass, Choice, Map...) have no attempt: one shared empty tuple, not a list each (a 100,000-item
        # Map's pass kept 200,000 empty lists for the collector to walk)
        self.attempts: list[_Attempt] | tuple[()] = ()
        self.open_attempt: _Attempt | None = None
        self.container: _Container | None = None


class _Attempt:
    __slots__ = (
        "cause",
        "end_type",
        "ended_id",
        "ended_ts",
        "error",
        "heartbeat",
        "kind",
        "number",
        "resource",
        "resource_type",
        "scheduled_id",
        "scheduled_ts",
        "started_id",
        "started_ts",
        "status",
        "timeout",
        "visit",
    )

    def __init__(self, visit: _Visit | None, number: int, kind: str) -> None:
        self.visit = visit
        self.number = number
        self.kind = kind
        self.resource: str | None = None
        self.resource_type: str | None = None
        self.status: AttemptStatus = "running"
        self.scheduled_id: int | None = None
        self.scheduled_ts: float | datetime | None = None
        self.started_id: int | None = None
        self.started_ts: float | datetime | None = None
        self.ended_id: int | None = None
        self.ended_ts: float | datetime | None = None
        self.end_type: str | None = None
        self.error: str | None = None
        self.cause: str | None = None
        self.timeout: int | None = None
        self.heartbeat: int | None = None


class _Analysis:
    """The whole pass over a finished history. The public records (spans, attempts, failures) are made on first
    use, all at once, or for one state's visits (:func:`state_visits`): opening one state's inspector on a
    600,000-event history need not make 200,000 spans. The visits are final (the pass is over), so a record made
    late is the one made early."""

    __slots__ = ("_attempt_records", "_attempts", "_attempts_by_visit", "_by_name", "_fails_by_visit",
                 "_failure_rows", "_failures", "_spans", "_visits", "history", "scopes", "summary")  # fmt: skip

    def __init__(
        self,
        history: History,
        visits: list[_Visit],
        attempts: list[_Attempt],
        failure_rows: list[tuple[int, str, float | datetime, str | None, str | None, _Visit | None, _Thread, int]],
        scopes: tuple[Scope, ...],
        summary: ExecutionSummary,
    ) -> None:
        self.history = history
        self._visits: list[_Visit] | None = visits
        self._attempts = attempts
        self._failure_rows = failure_rows
        self.scopes = scopes
        self.summary = summary
        self._spans: tuple[StateSpan, ...] | None = None
        self._attempt_records: tuple[TaskAttempt, ...] | None = None
        self._failures: tuple[Failure, ...] | None = None
        self._by_name: dict[str, list[int]] | None = None
        self._attempts_by_visit: dict[int, list[_Attempt]] | None = None
        self._fails_by_visit: dict[int, list[Failure]] | None = None

    @property
    def spans(self) -> tuple[StateSpan, ...]:
        if self._spans is None:
            history = self.history
            visits = self._visits
            assert visits is not None  # let go only once the spans are made
            with gc_paused():
                self._spans = tuple(_span_of(v, history) for v in visits)
            # the spans say all the visits did (state_visits reads them from now on): the visits, their threads and
            # containers go (a 100,000-item Map's 200,000 visits: more than the spans themselves)
            self._visits = None
        return self._spans

    @property
    def attempts(self) -> tuple[TaskAttempt, ...]:
        if self._attempt_records is None:
            history = self.history
            with gc_paused():
                self._attempt_records = tuple(_attempt_of(a, history) for a in self._attempts)
        return self._attempt_records

    @property
    def failures(self) -> tuple[Failure, ...]:
        if self._failures is None:
            dt = _as_datetime
            self._failures = tuple(
                Failure(
                    event_id=event_id,
                    type=type_,
                    timestamp=dt(ts),
                    error=error,
                    cause=cause,
                    state_name=visit.name if visit is not None else None,
                    state_type=visit.state_type if visit is not None else None,
                    span_entered_event_id=visit.entered_id if visit is not None else None,
                    scope=thread.scope,
                    outcome=_Analyser._outcome(type_, visit, retries_then),
                )
                for event_id, type_, ts, error, cause, visit, thread, retries_then in self._failure_rows
            )
        return self._failures

    def named(self, name: str) -> list[int]:
        """The positions (in :attr:`spans`) of the visits of state ``name``, in the order entered."""
        if self._by_name is None:
            by_name: dict[str, list[int]] = {}
            visits = self._visits
            names = [v.name for v in visits] if visits is not None else [s.name for s in self.spans]
            for i, state in enumerate(names):
                by_name.setdefault(state, []).append(i)
            self._by_name = by_name
        return self._by_name.get(name, [])

    def state_visits(self, name: str, where: Callable[[Scope], bool] | None, last: int | None) -> StateVisits:
        """:func:`state_visits`: from the pass's visits, or from the spans once they are made (which frees those)."""
        history = self.history
        positions = self.named(name)
        visits = self._visits  # read before the spans: the spans are made before the visits are let go
        spans = self._spans
        items: Sequence[_Visit] | Sequence[StateSpan]
        if spans is not None:
            items = spans
        else:
            assert visits is not None
            items = visits
        total = len(positions)
        state_type = items[positions[0]].state_type if positions else None
        if where is not None:
            positions = [i for i in positions if where(items[i].scope)]
        matching = len(positions)
        if last is not None:
            positions = positions[-last:] if last > 0 else []
        if spans is not None:
            shown = tuple(spans[i] for i in positions)
        else:
            shown = tuple(_span_of(items[i], history) for i in positions)  # type: ignore[arg-type]
        return StateVisits(
            total=total,
            matching=matching,
            state_type=state_type,
            spans=shown,
            attempts=tuple(
                tuple(_attempt_of(a, history) for a in self._attempts_of(s.entered_event_id)) for s in shown
            ),
            failures=tuple(tuple(self._failures_of(s.entered_event_id)) for s in shown),
        )

    def _attempts_of(self, entered_id: int) -> Sequence[_Attempt]:
        if self._attempts_by_visit is None:
            by_visit: dict[int, list[_Attempt]] = {}
            for a in self._attempts:
                if a.visit is not None:
                    by_visit.setdefault(a.visit.entered_id, []).append(a)
            self._attempts_by_visit = by_visit
        return self._attempts_by_visit.get(entered_id, ())

    def _failures_of(self, entered_id: int) -> list[Failure]:
        if self._fails_by_visit is None:
            by_visit: dict[int, list[Failure]] = {}
            for f in self.failures:
                if f.span_entered_event_id is not None:
                    by_visit.setdefault(f.span_entered_event_id, []).append(f)
            self._fails_by_visit = by_visit
        return self._fails_by_visit.get(entered_id, [])


_CONTAINER_LIFECYCLE: Final[Mapping[str, tuple[Literal["map", "parallel"], str]]] = {
    et.MAP_STATE_STARTED: ("map", "started"),
    et.MAP_STATE_SUCCEEDED: ("map", "succeeded"),
    et.MAP_STATE_FAILED: ("map", "failed"),
    et.MAP_STATE_ABORTED: ("map", "aborted"),
    et.MAP_STATE_EXITED: ("map", "exited"),
    et.PARALLEL_STATE_STARTED: ("parallel", "started"),
    et.PARALLEL_STATE_SUCCEEDED: ("parallel", "succeeded"),
    et.PARALLEL_STATE_FAILED: ("parallel", "failed"),
    et.PARALLEL_STATE_ABORTED: ("parallel", "aborted"),
    et.PARALLEL_STATE_EXITED: ("parallel", "exited"),
}
_CONTAINER_KIND: Final[Mapping[str, Literal["map", "parallel"]]] = {"Map": "map", "Parallel": "parallel"}

# How ``_thread_for`` finds an event's thread, by type, in one look-up (the pass reads 600,000 events for a
# 100,000-item Map): types not listed follow ``previousEventId`` (and may open a Parallel branch).
_ROOT, _ITERATION, _LIFECYCLE, _EVALUATION = 1, 2, 3, 4
_THREAD_RULE: Final[Mapping[str, int]] = {
    **dict.fromkeys((*et.EXECUTION_END_TYPES, et.EXECUTION_STARTED, et.EXECUTION_REDRIVEN), _ROOT),
    **dict.fromkeys(et.MAP_ITERATION_TYPES, _ITERATION),
    **dict.fromkeys(_CONTAINER_LIFECYCLE, _LIFECYCLE),
    et.EVALUATION_FAILED: _EVALUATION,
}
# The state type of each ``...StateEntered`` type (``et.state_type_of``, looked up once per type, not per event).
_ENTERED_STATE_TYPE: Final[Mapping[str, str]] = {t: et.state_type_of(t) or "?" for t in et.STATE_ENTERED_TYPES}


def _find_container(thread: _Thread, kind: str, name: str | None, phases: tuple[str, ...]) -> _Thread | None:
    """The innermost thread, from ``thread`` outwards, running a Map/Parallel of ``kind`` (and ``name``)."""
    t: _Thread | None = thread
    while t is not None:
        c = t.container
        if c is not None and c.kind == kind and c.phase in phases and (name is None or c.name == name):
            return t
        t = t.parent
    return None


class _Analyser:
    def __init__(self, history: History) -> None:
        self.history = history
        self.root = _Thread((), None)
        self.thread_of: dict[int, _Thread] = {}
        self.parallel_started: set[int] = set()  # ids of the ParallelStateStarted events read
        self.visits: list[_Visit] = []
        self.attempts: list[_Attempt] = []
        self.open_containers: list[_Container] = []
        # (event id, type, ts, error, cause, visit, thread, retries of the visit when it happened)
        self.failure_events: list[
            tuple[int, str, float | datetime, str | None, str | None, _Visit | None, _Thread, int]
        ] = []
        self.scopes: list[Scope] = []
        self.end_type: str | None = None
        self.end_id: int | None = None
        self.end_ts: float | datetime | None = None
        self.end_error: str | None = None
        self.end_cause: str | None = None
        self.started_ts: float | datetime | None = None
        self.role_arn: str | None = None
        self.redrive_count = 0
        self.status = "RUNNING"
        self.position = 0  # events read
        self.iterations: dict[str, int] = {}  # Map state name -> iterations started

    # -- thread resolution ------------------------------------------------------------------------------
    def _thread_for(
        self, event_id: int, type_: str, previous: int, details: Mapping[str, Any] | None
    ) -> tuple[_Thread, _Container | None]:
        """The thread an event belongs to and, for Map/Parallel lifecycle and iteration events, their container."""
        base = self.thread_of.get(previous, self.root) if previous else self.root
        rule = _THREAD_RULE.get(type_)
        if rule is None:  # the most common case (a state's own events): follow previousEventId
            if previous and previous in self.parallel_started:
                return self._branch_for(event_id, previous, base), None
            return base, None
        if rule == _ROOT:
            return self.root, None

        if rule == _ITERATION:
            name = details.get("name") if details else None
            index = details.get("index") if details else None
            holder = _find_container(base, "map", name, ("entered", "running"))
            if holder is None:
                holder = self._newest_open_container("map", name)
            if holder is None or holder.container is None:
                return base, None
            container = holder.container
            if type_ == et.MAP_ITERATION_STARTED and isinstance(index, int):
                frame = ScopeFrame(
                    kind="map",
                    state_name=container.name,
                    entered_event_id=container.visit.entered_id,
                    started_event_id=container.started_event_id,
                    index=index,
                    first_event_id=event_id,
                )
                thread = _Thread((*holder.scope, frame), holder)
                container.iterations[index] = thread
                return thread, container
            if isinstance(index, int) and index in container.iterations:
                return container.iterations[index], container
            return holder, container

        if rule == _LIFECYCLE:
            kind, phase = _CONTAINER_LIFECYCLE[type_]
            if phase == "exited":
                holder = _find_container(
                    base, kind, details.get("name") if details else None, ("entered", "running", "closed")
                )
            else:
                holder = _find_container(base, kind, None, ("entered", "running"))
            if holder is None:
                return base, None
            return holder, holder.container

        if details is not None:  # EvaluationFailed
            # points at the event before the failing state's "...Entered": find the visit by name
            state = details.get("state")
            if base.visit is not None and base.visit.status is None and base.visit.name == state:
                return base, None
            if previous in self.parallel_started and base.container is not None:
                for branch in base.container.branch_threads:
                    if branch.visit is not None and branch.visit.status is None and branch.visit.name == state:
                        return branch, None
        if previous in self.parallel_started:
            return self._branch_for(event_id, previous, base), None
        return base, None

    def _branch_for(self, event_id: int, previous: int, base: _Thread) -> _Thread:
        """The thread of an event that follows a ``ParallelStateStarted``: a new branch of that Parallel."""
        parallel = base.container
        if parallel is not None and parallel.kind == "parallel" and parallel.started_event_id == previous:
            frame = ScopeFrame(
                kind="parallel",
                state_name=parallel.name,
                entered_event_id=parallel.visit.entered_id,
                started_event_id=previous,
                index=parallel.branches,
                first_event_id=event_id,
            )
            parallel.branches += 1
            thread = _Thread((*base.scope, frame), base)
            parallel.branch_threads.append(thread)
            return thread
        return base

    def _newest_open_container(self, kind: str, name: str | None) -> _Thread | None:
        for container in reversed(self.open_containers):
            if container.kind == kind and container.phase != "closed" and (name is None or container.name == name):
                return container.thread
        return None

    # -- bookkeeping ------------------------------------------------------------------------------------
    def _record_failure(self, thread: _Thread, error: str | None, cause: str | None) -> None:
        t: _Thread | None = thread
        while t is not None:
            t.last_failure = (error, cause)
            parent = t.parent
            if parent is not None and parent.container is not None and error is not None:
                parent.container.child_failure = (error, cause)
            t = parent

    def _end_visit(self, visit: _Visit, status: SpanStatus, event_id: int | None, ts: float | datetime | None) -> None:
        visit.status = status
        visit.ended_id = event_id
        visit.ended_ts = ts
        if visit.thread.visit is visit:
            visit.thread.visit = None
        if status == "failed":
            parent = visit.thread.parent
            if parent is not None and parent.container is not None:
                parent.container.failed_child = visit
        attempt = visit.open_attempt
        if attempt is not None and attempt.status == "running":
            attempt.status = "aborted"
            attempt.ended_id, attempt.ended_ts = event_id, ts
        visit.open_attempt = None

    def _oldest_open_visit(self, state_type: str) -> _Visit | None:
        for visit in self.visits:
            if visit.status is None and visit.state_type == state_type:
                return visit
        return None

    # -- the pass ---------------------------------------------------------------------------------------
    def read(self, history: History) -> None:
        """Apply the events of ``history`` from position ``self.position`` on (the ones not read yet)."""
        self.history = history
        parallel_started, thread_of, scopes = self.parallel_started, self.thread_of, self.scopes
        iterations = self.iterations
        thread_for, apply = self._thread_for, self._apply
        iteration_started, parallel_type = et.MAP_ITERATION_STARTED, et.PARALLEL_STATE_STARTED
        for event_id, type_, previous, ts, details in history.raw_events(self.position):
            thread, container = thread_for(event_id, type_, previous, details)
            if type_ == parallel_type:
                parallel_started.add(event_id)
            elif parallel_started and event_id in parallel_started:  # an id read twice: its latest type counts
                parallel_started.discard(event_id)
            thread = apply(event_id, type_, ts, details, thread, container)
            thread_of[event_id] = thread
            scopes.append(thread.scope)
            if type_ == iteration_started and details:
                name, index = details.get("name"), details.get("index")
                if isinstance(name, str) and isinstance(index, int) and index + 1 > iterations.get(name, 0):
                    iterations[name] = index + 1
        self.position = len(history)

    def run(self) -> _Analysis:
        with gc_paused():
            self.read(self.history)
            self._finish()
            return self._result()

    def _apply(
        self,
        event_id: int,
        type_: str,
        ts: float | datetime,
        details: Mapping[str, Any] | None,
        thread: _Thread,
        container: _Container | None,
    ) -> _Thread:
        d: Mapping[str, Any] = details if details is not None else {}
        visit: _Visit | None

        state_type = _ENTERED_STATE_TYPE.get(type_)
        if state_type is not None:  # a ...StateEntered event
            if thread.visit is not None and thread.visit.status is None:
                old = thread.visit
                self._end_visit(old, "failed" if old.failed_pending else "aborted", event_id, ts)
            visit = _Visit(str(d.get("name", "")), state_type, event_id, ts, thread)
            self.visits.append(visit)
            thread.visit = visit
            kind = _CONTAINER_KIND.get(state_type)
            if kind is not None:
                container = _Container(kind, visit, thread)
                visit.container = container
                thread.container = container
                self.open_containers.append(container)
            elif state_type == "Fail":
                self._end_visit(visit, "failed", event_id, ts)
            return thread

        if type_ in et.STATE_EXITED_TYPES:
            visit = thread.visit
            name = d.get("name")
            if visit is None or visit.status is not None or (name is not None and visit.name != name):
                visit = self._open_visit_named(thread, name)
            if visit is None:
                return thread
            visit.event_ids.append(event_id)
            visit.exited_id, visit.exited_ts = event_id, ts
            self._end_visit(visit, "caught" if visit.failed_pending else "succeeded", event_id, ts)
            if visit.container is not None:
                visit.container.phase = "closed"
                if thread.container is visit.container:
                    thread.container = None
            return thread

        lifecycle = _CONTAINER_LIFECYCLE.get(type_)
        if lifecycle is not None or type_ in et.MAP_ITERATION_TYPES:
            if container is None:
                return thread
            visit = container.visit
            visit.event_ids.append(event_id)
            if lifecycle is None:  # Map iteration events
                if type_ == et.MAP_ITERATION_FAILED:
                    failure = thread.last_failure or (None, None)
                    self.failure_events.append(
                        (event_id, type_, ts, failure[0], failure[1], visit, thread, visit.retries)
                    )
                return thread
            phase = lifecycle[1]
            if phase == "started":
                if container.phase == "running":  # a Retrier restarts the Map/Parallel
                    visit.retries += 1
                    container.iterations = {}
                    container.branch_threads = []
                container.phase = "running"
                container.started_event_id = event_id
                container.branches = 0
                visit.failed_pending = False
            elif phase == "succeeded":
                container.phase = "closed"
                visit.failed_pending = False
            elif phase == "failed":
                container.phase = "closed"
                visit.failed_pending = True
                if visit.error is None and container.child_failure is not None:
                    visit.error, visit.cause = container.child_failure
                if visit.error is not None:
                    self._record_failure(thread, visit.error, visit.cause)
                self.failure_events.append(
                    (event_id, type_, ts, visit.error, visit.cause, visit, thread, visit.retries)
                )
            elif phase == "aborted":
                container.phase = "closed"
                if visit.status is None:
                    self._end_visit(visit, "failed" if visit.failed_pending else "aborted", event_id, ts)
            return thread

        if type_ in et.STATE_ABORTED_TYPES:  # Task/Wait (Map/Parallel were handled above)
            state_type = et.state_type_of(type_) or "?"
            visit = thread.visit
            if visit is None or visit.status is not None or visit.state_type != state_type:
                visit = self._oldest_open_visit(state_type)
            if visit is None:
                return thread
            visit.event_ids.append(event_id)
            self._end_visit(visit, "failed" if visit.failed_pending else "aborted", event_id, ts)
            return visit.thread

        attempt_kind = et.ATTEMPT_KIND.get(type_)
        if attempt_kind is not None:
            self._attempt_event(event_id, type_, ts, d, thread, attempt_kind)
            return thread

        if type_ == et.EVALUATION_FAILED or type_ == et.MAP_RUN_FAILED:
            visit = thread.visit
            if visit is not None and visit.status is None:
                visit.event_ids.append(event_id)
                visit.failed_pending = True
                visit.error, visit.cause = d.get("error"), d.get("cause")
            self._record_failure(thread, d.get("error"), d.get("cause"))
            self.failure_events.append(
                (
                    event_id,
                    type_,
                    ts,
                    d.get("error"),
                    d.get("cause"),
                    visit,
                    thread,
                    visit.retries if visit is not None else 0,
                )
            )
            return thread

        if type_ in et.EXECUTION_END_TYPES:
            self.end_type, self.end_id, self.end_ts = type_, event_id, ts
            self.end_error, self.end_cause = d.get("error"), d.get("cause")
            if type_ in (et.EXECUTION_FAILED, et.EXECUTION_TIMED_OUT):
                self.failure_events.append((event_id, type_, ts, d.get("error"), d.get("cause"), None, thread, 0))
            return thread

        if type_ == et.EXECUTION_STARTED:
            self.started_ts = ts
            self.role_arn = d.get("roleArn")
            return thread
        if type_ == et.EXECUTION_REDRIVEN:
            self.end_type = None
            self.redrive_count = int(d.get("redriveCount", self.redrive_count + 1))
            return thread

        # anything else (MapRunStarted, MapRunSucceeded, unknown types) belongs to the thread's open visit
        visit = thread.visit
        if visit is not None and visit.status is None:
            visit.event_ids.append(event_id)
        return thread

    def _open_visit_named(self, thread: _Thread, name: str | None) -> _Visit | None:
        for visit in reversed(self.visits):
            if visit.status is None and (name is None or visit.name == name) and visit.thread is thread:
                return visit
        for visit in reversed(self.visits):
            if visit.status is None and (name is None or visit.name == name):
                return visit
        return None

    def _attempt_event(
        self, event_id: int, type_: str, ts: float | datetime, d: Mapping[str, Any], thread: _Thread, kind: str
    ) -> None:
        visit = thread.visit if thread.visit is not None and thread.visit.status is None else None
        if visit is not None:
            visit.event_ids.append(event_id)
        attempt = visit.open_attempt if visit is not None else None
        opens = type_ in et.ATTEMPT_SCHEDULED_TYPES or (
            attempt is None and type_ in (et.LAMBDA_FUNCTION_SCHEDULE_FAILED, et.ACTIVITY_SCHEDULE_FAILED)
        )
        if opens or attempt is None:
            number = len(visit.attempts) if visit is not None else 0
            attempt = _Attempt(visit, number, kind)
            self.attempts.append(attempt)
            if visit is not None:
                if visit.attempts:
                    visit.attempts.append(attempt)
                else:
                    visit.attempts = [attempt]
                visit.open_attempt = attempt
                visit.retries = number
                visit.failed_pending = False
            attempt.scheduled_id, attempt.scheduled_ts = (event_id, ts) if opens else (None, None)
        if d.get("resource") is not None:
            attempt.resource = d.get("resource")
        if d.get("resourceType") is not None:
            attempt.resource_type = d.get("resourceType")
        if type_ in et.ATTEMPT_SCHEDULED_TYPES:
            attempt.timeout = d.get("timeoutInSeconds")
            attempt.heartbeat = d.get("heartbeatInSeconds")
            return
        if type_ in et.ATTEMPT_STARTED_TYPES:
            attempt.started_id, attempt.started_ts = event_id, ts
            return
        if type_ == et.TASK_SUBMITTED:
            return
        ended: AttemptStatus | None = None
        if type_ in et.ATTEMPT_SUCCEEDED_TYPES:
            ended = "succeeded"
        elif type_ in et.ATTEMPT_TIMED_OUT_TYPES:
            ended = "timed_out"
        elif type_ in et.ATTEMPT_FAILED_TYPES:
            ended = "failed"
        if ended is None:
            return
        attempt.status = ended
        attempt.ended_id, attempt.ended_ts, attempt.end_type = event_id, ts, type_
        if visit is not None and visit.open_attempt is attempt:
            visit.open_attempt = None
        if ended == "succeeded":
            if visit is not None:
                visit.failed_pending = False
            return
        attempt.error, attempt.cause = d.get("error"), d.get("cause")
        if visit is not None:
            visit.failed_pending = True
            visit.error, visit.cause = attempt.error, attempt.cause
        self._record_failure(thread, attempt.error, attempt.cause)
        self.failure_events.append((event_id, type_, ts, attempt.error, attempt.cause, visit, thread, attempt.number))

    # -- end of history ---------------------------------------------------------------------------------
    def _finish(self) -> None:
        status = et.EXECUTION_END_TYPES.get(self.end_type or "", "RUNNING")
        self.status = status
        if status != "RUNNING":
            ts_of: dict[int, float | datetime] | None = None  # event id -> timestamp, read when first needed
            for visit in self.visits:
                if visit.status is not None:
                    continue
                if visit.failed_pending:
                    # it failed and nothing caught it: it ended with its last event (the failure)
                    if ts_of is None:
                        ts_of = {event_id: ts for event_id, _t, _p, ts, _d in self.history.raw_events()}
                    last = visit.event_ids[-1]
                    self._end_visit(visit, "failed", last, ts_of[last])
                    continue
                if status in ("FAILED", "TIMED_OUT") and visit.thread is self.root:
                    new: SpanStatus = "failed"
                else:
                    new = "aborted"
                self._end_visit(visit, new, self.end_id, self.end_ts)
            for attempt in self.attempts:
                if attempt.status == "running":
                    attempt.status = "aborted"
                    attempt.ended_id, attempt.ended_ts = self.end_id, self.end_ts
        if status in ("FAILED", "TIMED_OUT") and self.end_error is not None:
            for visit in reversed(self.visits):
                if visit.thread is self.root and visit.status == "failed":
                    if visit.error is None:
                        visit.error, visit.cause = self.end_error, self.end_cause
                    break
        # Fail states (and other failures without an error of their own) take the error they raised in the
        # Map/Parallel that failed because of them; parents come before children, so errors flow down.
        for visit in self.visits:
            if visit.status != "failed" or visit.error is not None:
                continue
            parent = visit.thread.parent
            container = parent.container if parent is not None else None
            if container is None:
                continue
            pv = container.visit
            if container.failed_child is visit and pv.error is not None and pv.status in ("failed", "caught"):
                if container.kind == "map" and pv.error == _EXCEED_TOLERATED:
                    continue
                visit.error, visit.cause = pv.error, pv.cause

    def _result(self) -> _Analysis:
        history = self.history
        dt = _as_datetime
        summary = ExecutionSummary(
            status=self.status,  # type: ignore[arg-type]
            started_at=None if self.started_ts is None else dt(self.started_ts),
            stopped_at=None if self.end_ts is None or self.end_type is None else dt(self.end_ts),
            error=self.end_error if self.end_type not in (None, et.EXECUTION_SUCCEEDED) else None,
            cause=self.end_cause if self.end_type not in (None, et.EXECUTION_SUCCEEDED) else None,
            role_arn=self.role_arn,
            event_count=len(history),
            redrive_count=self.redrive_count,
            history=history,
        )
        return _Analysis(history, self.visits, self.attempts, self.failure_events, tuple(self.scopes), summary)

    @staticmethod
    def _outcome(type_: str, visit: _Visit | None, retries_then: int) -> FailureOutcome:
        if visit is None:
            return "terminal" if type_ in (et.EXECUTION_FAILED, et.EXECUTION_TIMED_OUT) else "propagated"
        if visit.retries > retries_then:
            return "retried"
        status = visit.status
        if status == "caught":
            return "caught"
        if status == "succeeded":
            return "tolerated" if type_ == et.MAP_ITERATION_FAILED else "retried"
        if status is None or status == "running":
            return "pending"
        return "propagated"


def _span_of(v: _Visit, history: History) -> StateSpan:
    """The public record of a visit as the events read so far tell it (``running`` while open)."""
    dt = _as_datetime
    exited_at = None if v.exited_ts is None else dt(v.exited_ts)
    # a visit that exited ended with its exit: one datetime for both (200,000 spans of a big Map)
    ended_at = exited_at if v.ended_ts is v.exited_ts else None if v.ended_ts is None else dt(v.ended_ts)
    return StateSpan(
        name=v.name,
        state_type=v.state_type,
        status=v.status or "running",
        entered_event_id=v.entered_id,
        entered_at=dt(v.entered_ts),
        exited_event_id=v.exited_id,
        exited_at=exited_at,
        ended_event_id=v.ended_id,
        ended_at=ended_at,
        scope=v.scope,
        error=v.error if v.status in ("failed", "caught") else None,
        cause=v.cause if v.status in ("failed", "caught") else None,
        retries=v.retries,
        event_ids=tuple(v.event_ids),
        history=history,
    )


def _attempt_of(a: _Attempt, history: History) -> TaskAttempt:
    dt = _as_datetime
    return TaskAttempt(
        state_name=a.visit.name if a.visit is not None else None,
        span_entered_event_id=a.visit.entered_id if a.visit is not None else None,
        scope=a.visit.scope if a.visit is not None else (),
        number=a.number,
        kind=a.kind,  # type: ignore[arg-type]
        resource=a.resource,
        resource_type=a.resource_type,
        status=a.status,
        scheduled_event_id=a.scheduled_id,
        scheduled_at=None if a.scheduled_ts is None else dt(a.scheduled_ts),
        started_event_id=a.started_id,
        started_at=None if a.started_ts is None else dt(a.started_ts),
        ended_event_id=a.ended_id,
        ended_at=None if a.ended_ts is None else dt(a.ended_ts),
        end_event_type=a.end_type,
        error=a.error,
        cause=a.cause,
        timeout_seconds=a.timeout,
        heartbeat_seconds=a.heartbeat,
        history=history,
    )


def _open_attempt_waits(visit: _Visit) -> bool:
    a = visit.open_attempt
    return a is not None and a.status == "running" and waits(a.resource, a.kind, started=a.started_id is not None)


def _colour(visit: _Visit) -> Colour:
    return visit_colour(
        visit.status or "running", visit.retries, waiting=visit.status is None and _open_attempt_waits(visit)
    )


def _analyse(history: History) -> _Analysis:
    return history.cached("sfnkit.history.views", lambda h: _Analyser(h).run())


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitUpdate:
    """A visit that :meth:`Analysis.updates` reports: entered, or still open, since the last report."""

    number: int
    """The visit's position in the order of entering (its index in :meth:`Analysis.spans`)."""
    name: str
    scope: Scope
    colour: Colour
    """Its colour now (:func:`sfnkit.history.colours.visit_colour`)."""
    open: bool
    """Whether the visit is still open (it may change again)."""


class Analysis:
    """The views' pass over a history that grows: :meth:`extend` reads the events added since the last call.

    Events only ever change the open visits (and add new ones), so :meth:`updates` looks at those alone, and a
    live view that follows an execution step by step pays for what changed, not for the whole history. For a
    finished history use the module functions (:func:`spans`, ...): they also settle what the end of the
    history closes.
    """

    __slots__ = ("_an", "_by_entered", "_by_name", "_closed_retries", "_indexed", "_open", "_seen", "_updates")

    def __init__(self) -> None:
        self._an = _Analyser(History(()))
        self._seen = 0  # visits already reported
        self._open: list[tuple[int, _Visit]] = []  # (number, visit) open at the last report
        self._updates: list[VisitUpdate] = []
        self._closed_retries = 0
        self._indexed = 0  # visits in _by_entered
        self._by_entered: dict[int, _Visit] = {}
        self._by_name: dict[str, list[_Visit]] = {}

    def extend(self, history: History) -> Analysis:
        """Read the events of ``history`` not read yet (``history`` is the same execution's, grown)."""
        if len(history) < self._an.position:
            raise ValueError(
                f"this Analysis has read {self._an.position} events and the history given has {len(history)}: "
                "a history only grows; start a new Analysis for another execution"
            )
        with gc_paused():
            self._an.read(history)
            self._refresh()
        return self

    def _refresh(self) -> None:
        an = self._an
        visits = an.visits
        still_open: list[tuple[int, _Visit]] = []
        updates = self._updates
        for number, visit in (*self._open, *zip(range(self._seen, len(visits)), visits[self._seen :], strict=True)):
            is_open = visit.status is None
            updates.append(VisitUpdate(number=number, name=visit.name, scope=visit.scope, colour=_colour(visit),
                                       open=is_open))  # fmt: skip
            if is_open:
                still_open.append((number, visit))
            else:
                self._closed_retries += visit.retries
        self._seen = len(visits)
        self._open = still_open

    # -- what it gives ----------------------------------------------------------------------------------
    @property
    def events(self) -> int:
        """How many events have been read."""
        return self._an.position

    @property
    def history(self) -> History:
        """The history last given to :meth:`extend`."""
        return self._an.history

    def updates(self) -> tuple[VisitUpdate, ...]:
        """The visits entered, or open, since the last call (each once, in the order entered), with their colour."""
        out, self._updates = tuple(self._updates), []
        if len(out) > 1:
            # a visit open at the last report and reported again by the same refresh: keep its latest
            latest: dict[int, VisitUpdate] = {}
            for u in out:
                latest[u.number] = u
            out = tuple(sorted(latest.values(), key=lambda u: u.number))
        return out

    @property
    def scopes(self) -> Sequence[Scope]:
        """The scope of each event read (:func:`event_scopes` of the history so far)."""
        return self._an.scopes

    @property
    def iterations(self) -> Mapping[str, int]:
        """Map state name -> iterations started so far (the highest index seen plus one)."""
        return self._an.iterations

    @property
    def transitions(self) -> int:
        """State transitions so far (:func:`state_transitions`): visits entered plus their retries."""
        return len(self._an.visits) + self._closed_retries + sum(v.retries for _n, v in self._open)

    def visit_count(self, name: str | None = None, *, where: Callable[[Scope], bool] | None = None) -> int:
        """How many visits (of state ``name``; whose scope passes ``where``) have been entered."""
        visits = self._an.visits if name is None else self._named(name)
        if where is None:
            return len(visits)
        return sum(1 for v in visits if where(v.scope))

    def spans(
        self, name: str | None = None, *, where: Callable[[Scope], bool] | None = None, last: int | None = None
    ) -> tuple[StateSpan, ...]:
        """The visits so far as :func:`spans` records (open visits are ``running``): of state ``name``, whose scope
        passes ``where``, the ``last`` newest (only those are made)."""
        visits = self._an.visits if name is None else self._named(name)
        if where is not None:
            visits = [v for v in visits if where(v.scope)]
        if last is not None:
            visits = visits[-last:] if last > 0 else []
        history = self._an.history
        return tuple(_span_of(v, history) for v in visits)

    def attempts_of(self, span: StateSpan) -> tuple[TaskAttempt, ...]:
        """The Task attempts of a visit that :meth:`spans` gave, so far."""
        self._index()
        visit = self._by_entered.get(span.entered_event_id)
        history = self._an.history
        return () if visit is None else tuple(_attempt_of(a, history) for a in visit.attempts)

    def waiting(self) -> tuple[tuple[StateSpan, TaskAttempt], ...]:
        """The open visits whose open attempt waits for a task token or an activity worker, with that attempt."""
        history = self._an.history
        return tuple(
            (_span_of(v, history), _attempt_of(v.open_attempt, history))
            for _n, v in self._open
            if v.open_attempt is not None and _open_attempt_waits(v)
        )

    def _index(self) -> None:
        visits = self._an.visits
        for v in visits[self._indexed :]:
            self._by_entered[v.entered_id] = v
            self._by_name.setdefault(v.name, []).append(v)
        self._indexed = len(visits)

    def _named(self, name: str) -> list[_Visit]:
        self._index()
        return self._by_name.get(name, [])


# ---------------------------------------------------------------------------------------------------------
# public functions


def spans(history: History) -> tuple[StateSpan, ...]:
    """Every state visit, in the order the states were entered."""
    return _analyse(history).spans


@dataclass(frozen=True, slots=True, kw_only=True)
class StateVisits:
    """One state's visits in a history, as :func:`state_visits` gives them."""

    total: int
    """How many visits the state has."""
    matching: int
    """How many of them pass ``where``."""
    state_type: str | None
    """The state's type, as its first visit's events tell it (``None``: never entered)."""
    spans: tuple[StateSpan, ...]
    """The newest ``last`` of the matching visits, oldest first, as :func:`spans` records them."""
    attempts: tuple[tuple[TaskAttempt, ...], ...]
    """The Task attempts of each of ``spans`` (:func:`attempts` of that visit)."""
    failures: tuple[tuple[Failure, ...], ...]
    """The failures reported in each of ``spans`` (:func:`failures` of that visit)."""


def state_visits(
    history: History, name: str, *, where: Callable[[Scope], bool] | None = None, last: int | None = None
) -> StateVisits:
    """The visits of state ``name`` (whose scope passes ``where``; the ``last`` newest), with their attempts and
    failures: what :func:`spans`, :func:`attempts` and :func:`failures` give for them, made for these alone (so
    inspecting one state of a big history costs its visits shown, not every visit's record)."""
    return _analyse(history).state_visits(name, where, last)


def attempts(history: History) -> tuple[TaskAttempt, ...]:
    """Every Task attempt (Task, Lambda and activity resources), in the order they were scheduled."""
    return _analyse(history).attempts


def failures(history: History) -> tuple[Failure, ...]:
    """Every event that reports a failure, in event order, with where it happened and its outcome."""
    return _analyse(history).failures


def state_transitions(history: History) -> int:
    """The one count of "state transitions" sfnkit prints everywhere (summaries, CLI, HTML report, cost).

    It is AWS's: "Step Functions counts a state transition each time a step of your workflow is executed",
    retries included (AWS Step Functions pricing). So: every state entered (each visit, in every Map iteration and
    Parallel branch) plus one per retry of a visit.
    """
    return history.cached("sfnkit.views.state_transitions", _count_transitions)


def _count_transitions(history: History) -> int:
    visits = spans(history)
    return len(visits) + sum(v.retries for v in visits)


def execution_summary(history: History) -> ExecutionSummary:
    """Status, error, cause, start and stop of the execution; input and output decoded on access."""
    return _analyse(history).summary


def event_scopes(history: History) -> tuple[Scope, ...]:
    """The scope (Map iterations and Parallel branches it runs in) of each event, aligned with ``history``."""
    return _analyse(history).scopes
