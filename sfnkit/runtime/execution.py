"""The :class:`Execution` handle: the one mutable object of sfnkit (DESIGN principle 4).

``sfnkit.run()`` runs an execution to its end (or until it waits on a task token); ``sfnkit.start()`` returns a
handle paused before the first state, to be advanced with ``step()``, ``run()`` and ``run(until=...)``.
Breakpoints stop the run *before* a state is entered. ``stop()`` aborts (``ABORTED``), and a KeyboardInterrupt
during ``run()`` does the same, keeping the history recorded so far. Nothing a task handler raises escapes
``run()`` or ``step()``: it becomes a task failure in the history.

**Interrupts.** A KeyboardInterrupt (Ctrl-C) while the execution runs, or raised by a handler, aborts it:
``status`` becomes ``ABORTED`` (error ``KeyboardInterrupt``), every open state, Map iteration and Parallel branch
is closed with its "aborted" event, and ``interrupted`` is set, so ``run_many`` knows to stop the batch.

**Limits**, as on AWS: a STANDARD history holds at most 25,000 events (event 25,000 is ``ExecutionSucceeded``,
or else the execution fails there with ``States.Runtime``); a STANDARD execution lasts at most a year and an
EXPRESS one five minutes (then ``TIMED_OUT``), whatever its ``TimeoutSeconds``. Should the interpreter itself
fail (a bug), the execution fails with ``States.Runtime`` naming the Python error rather than raising.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sfnkit import messages as msg
from sfnkit.asl import model as m
from sfnkit.asl.validate import load
from sfnkit.errors import RUNTIME, TIMEOUT, ExecutionStateError, ResourceError
from sfnkit.frozen import frozen, make
from sfnkit.history import events as ev
from sfnkit.history.map_runs import CHILD_HISTORIES, MapRun
from sfnkit.history.model import History, HistoryBuilder, decode_json, encode_json
from sfnkit.runtime.clock import Clock, VirtualClock, WallClock
from sfnkit.runtime.dataflow import copy_json
from sfnkit.runtime.interpreter import MAX_HISTORY_EVENTS, Interpreter
from sfnkit.runtime.plan import task_states
from sfnkit.runtime.resources import (
    Resources,
    function_name_of,
    service_integration,
    track_virtual_time,
    untrack_virtual_time,
)
from sfnkit.runtime.scheduler import Branch, Failed, HistoryFull, Scheduler
from sfnkit.runtime.visits import VisitLog, Visits
from sfnkit.text import escape_surrogates, format_duration, safe_str
from sfnkit.types import MockSource, StateMocks, StorageSource

__all__ = ["Execution", "ExecutionOptions", "run", "start"]

#: ``breakpoints=``: state names, or state name -> condition on the state's input (or None: always)
Breakpoints = Iterable[str] | Mapping[str, Callable[[Any], bool] | None] | None
_FINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
#: AWS's maximum duration of one execution: a year for STANDARD workflows, five minutes for EXPRESS ones.
MAX_DURATION_SECONDS = {"STANDARD": 365 * 86400, "EXPRESS": 5 * 60}


@frozen
class ExecutionOptions:
    """The keywords an :class:`Execution` was started with, as given: ``ex.options``.

    One field per keyword of :class:`Execution`, :func:`run` and :func:`start`, with the same name and default
    (``tests/test_public_api.py`` pins that), holding what the caller passed, not what the execution made of it:
    ``clock=None`` stays ``None`` (the execution runs on a fresh ``VirtualClock()``), ``name=None`` stays ``None``
    (the execution's name came from its seed), ``mocks`` is the configuration as given. So
    ``Execution(ex.state_machine, ex.input, **ex.options.keywords())`` starts the same execution again, which is
    what ``Debugger.restart()`` does (with a fresh clock and fresh mock counters). The values are the caller's
    objects, not copies: a ``VirtualClock`` passed as ``clock=`` has moved on with the execution.
    """

    resources: Mapping[str, Any] | Resources | None = None
    seed: int = 0
    clock: Clock | None = None
    name: str | None = None
    account: str = "123456789012"
    region: str = "us-east-1"
    type: str = "STANDARD"
    role_arn: str | None = None
    state_machine_name: str | None = None
    breakpoints: Breakpoints = None
    missing_resources: str = "raise"
    keep_stages: bool = True
    break_on_error: bool = False
    storage: StorageSource = None
    mocks: MockSource = None
    test_case: str | None = None
    child_histories: str = "auto"
    services: Any = None

    def keywords(self) -> dict[str, Any]:
        """The options as keyword arguments of :class:`Execution` (or :func:`run`, :func:`start`)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def replace(self, **changes: Any) -> ExecutionOptions:
        """These options with some changed, e.g. ``ex.options.replace(seed=1)``."""
        return dataclasses.replace(self, **changes)


class Execution:
    """One execution of a state machine in this kernel."""

    def __init__(
        self,
        sm: m.StateMachine,
        input: Any = None,
        *,
        resources: Mapping[str, Any] | Resources | None = None,
        seed: int = 0,
        clock: Clock | None = None,
        name: str | None = None,
        account: str = "123456789012",
        region: str = "us-east-1",
        type: str = "STANDARD",
        role_arn: str | None = None,
        state_machine_name: str | None = None,
        breakpoints: Breakpoints = None,
        missing_resources: str = "raise",
        keep_stages: bool = True,
        break_on_error: bool = False,
        storage: StorageSource = None,
        mocks: MockSource = None,
        test_case: str | None = None,
        child_histories: str = "auto",
        services: Any = None,
    ) -> None:
        if type not in ("STANDARD", "EXPRESS"):
            raise ValueError(f'type must be "STANDARD" or "EXPRESS", got {type!r}')
        if child_histories not in CHILD_HISTORIES:
            raise ValueError(
                f"child_histories must be one of {', '.join(repr(c) for c in CHILD_HISTORIES)} (which Distributed "
                f"Map child execution histories to keep), got {child_histories!r}"
            )
        if missing_resources not in ("raise", "fail"):
            raise ValueError(f'missing_resources must be "raise" or "fail", got {missing_resources!r}')
        # the keywords as given, in ExecutionOptions' field order: ex.options makes the object when first read
        # (making it here cost 1.4 us, 4 % of a one-Pass execution in a run_many batch)
        self._given = (resources, seed, clock, name, account, region, type, role_arn, state_machine_name, breakpoints,
                       missing_resources, keep_stages, break_on_error, storage, mocks, test_case, child_histories,
                       services)  # fmt: skip
        self._options: ExecutionOptions | None = None
        self.state_machine = sm
        try:
            # a private copy: the caller may change their dict later without rewriting this execution's history
            self.input = json.loads(json.dumps({} if input is None else input, allow_nan=False))
        except ValueError as e:
            if "integer string conversion" not in str(e):
                raise TypeError(
                    f"the execution input must be a JSON value (dict, list, str, int, float, bool or None): {e}. "
                    "Convert dates, sets, numpy values and the like first, e.g. json.loads(df.to_json())."
                ) from None
            # JSON allows integers of any length (AWS reads them): the history's encoder writes them digit by digit
            self.input = decode_json(encode_json(input))
        except TypeError as e:
            raise TypeError(
                f"the execution input must be a JSON value (dict, list, str, int, float, bool or None): {e}. "
                "Convert dates, sets, numpy values and the like first, e.g. json.loads(df.to_json())."
            ) from None
        self.type = type
        self.seed = seed
        self.resources = resources if isinstance(resources, Resources) else Resources(resources or {})
        # the Python functions a built machine carries (sfnkit.build) answer what resources= does not
        self.resources = self.resources.with_fallback(getattr(sm, "handlers", None) or {})
        #: what the user passed as resources= (a services="local" run puts local stand-ins behind them)
        self.user_resources = self.resources
        #: child executions run locally (``states:startExecution`` of a state machine of the same template)
        self.children: list[Execution] = []
        self.services = services
        self._local: Any = None
        if services is not None:
            if state_machine_name is None and sm.project is not None:
                state_machine_name = _project_machine_name(sm)
            # The local stand-ins live in sfnkit.aws (boto3, moto), above the runtime: loaded only when asked for
            from sfnkit.aws.local_services import local_resources

            self.resources, self._local = local_resources(
                sm, self.resources, services, seed=seed, region=region, account=account, execution=self
            )
            if storage is None:  # a Distributed Map's ItemReader/ResultWriter read and write the local S3
                storage = self._local.storage()
        self.mocks = _test_case_mocks(mocks, test_case, state_machine_name)
        if missing_resources == "raise":
            _check_resources(sm, self.resources, self.mocks)
        self.rng = random.Random(seed)
        clock = clock or VirtualClock()
        # a wall clock's lag after a timed-out task is this execution's own (see clock.py, "When a task times out")
        for_execution = getattr(clock, "for_execution", None)
        self.clock = for_execution() if for_execution is not None else clock
        self.name = name or _uuid4(self.rng)
        sm_name = state_machine_name or "sfnkit-local"
        self.state_machine_arn = f"arn:aws:states:{region}:{account}:stateMachine:{sm_name}"
        if type == "EXPRESS":  # express execution ARNs carry one more id part
            self.arn = f"arn:aws:states:{region}:{account}:express:{sm_name}:{self.name}:{_uuid4(self.rng)}"
        else:
            self.arn = f"arn:aws:states:{region}:{account}:execution:{sm_name}:{self.name}"
        self.role_arn = role_arn or f"arn:aws:iam::{account}:role/sfnkit-local"
        self.status = "RUNNING"
        self._output: Any = None
        self.error: str | None = None
        self.cause: str | None = None
        self.breakpoints: dict[str, Callable[[Any], bool] | None] = {}
        if breakpoints is not None:
            if isinstance(breakpoints, Mapping):
                self.breakpoints.update(breakpoints)
            else:
                self.breakpoints.update(dict.fromkeys(breakpoints))
        self.breakpoint_error: str | None = None
        self._builder = HistoryBuilder()
        # state transitions counted so far, and up to which event: summary() reads only the events since
        self._transitions = 0
        self._transitions_upto = 0
        self._history: History | None = None
        self._scheduler = Scheduler(self.clock)
        self._scheduler.on_end = self._on_end
        self._interp = Interpreter(
            sm,
            resources=self.resources,
            builder=self._builder,
            scheduler=self._scheduler,
            rng=self.rng,
            execution_arn=self.arn,
            state_machine_arn=self.state_machine_arn,
            execution_name=self.name,
            state_machine_name=sm_name,
            role_arn=self.role_arn,
            region=region,
            account=account,
            input=self.input,
            keep_stages=keep_stages,
            max_events=MAX_HISTORY_EVENTS if type == "STANDARD" else None,
            storage=None if storage is None else _storage_from(storage),
            mocks=self.mocks,
            child_histories=child_histories,
        )
        self.start_time = self.clock.now()
        self.stop_time: float | None = None
        self._top = Branch(None, None, 0, 0, {})
        self._builder.add(ev.EXECUTION_STARTED, 0, self.start_time, {"input": self.input, "roleArn": self.role_arn})
        self._top.prev = 0
        self._top.gen = self._interp.run_body(sm, self.input, self._top)
        self._scheduler.start(self._top)
        self.interrupted = False  # a KeyboardInterrupt ended it (see run_many)
        # the machine's TimeoutSeconds, or AWS's maximum duration when that comes first (or none is given)
        longest = MAX_DURATION_SECONDS[type]
        if sm.timeout_seconds is not None and sm.timeout_seconds <= longest:
            self._scheduler.at(self.start_time + sm.timeout_seconds, self._timed_out)
        else:
            self._scheduler.at(self.start_time + longest, functools.partial(self._timed_out, longest))
        self._mode = "run"
        self._until: str | None = None
        self._waiting = False
        self._step_depth: int | None = None
        self._pause_reason: str | None = None
        self._scheduler.pause_check = self._pause_check
        self._scheduler.pause_on_error = break_on_error
        self.paused_at: str | None = None

    # -- public surface --------------------------------------------------------------------------------------
    @property
    def options(self) -> ExecutionOptions:
        """The keywords this execution was started with, as given (:class:`ExecutionOptions`, read-only)."""
        if self._options is None:  # made without __init__'s checks: the names are its fields
            self._options = make(ExecutionOptions, dict(zip(_OPTION_NAMES, self._given, strict=True)))
        return self._options

    @property
    def history(self) -> History:
        """The events so far: an immutable snapshot, the same object until new events are recorded (so the views
        memoised on it are computed once)."""
        if self._history is None or len(self._history) != len(self._builder):
            self._history = self._builder.build()
        return self._history

    @property
    def visits(self) -> Visits:
        """Every state visit so far, oldest first, with its data-flow stages, for the debugger (kept beside the
        history, never in it): a read-only sequence of :class:`~sfnkit.runtime.visits.Visit` views, fixed when
        read (it compares equal to a list of the same visits)."""
        return self._interp.visits.snapshot()

    @property
    def map_runs(self) -> list[MapRun]:
        """The runs of the Distributed Map states so far, in start order: each child execution's status, times
        and (as ``child_histories=`` chose) history. Inline Maps have no map run: their iterations are in
        this execution's own history."""
        return list(self._interp.map_runs)

    @property
    def output(self) -> Any:
        """The decoded output of a SUCCEEDED execution (a fresh copy each time: change it freely), else None."""
        return None if self._output is None else copy_json(self._output)

    @property
    def done(self) -> bool:
        return self.status in _FINAL

    @property
    def pending_tokens(self) -> list[str]:
        """Task tokens the execution is waiting on."""
        return list(self._scheduler.tokens)

    def run(self, until: str | None = None) -> Execution:
        """Run until the end, a breakpoint, the state ``until``, or a wait on a task token."""
        self._mode, self._until = "run", until
        # no breakpoint and no target: skip the per-state pause check altogether
        self._scheduler.pause_check = self._pause_check if (until is not None or self.breakpoints) else None
        return self._drive()

    def step(self, over: bool = False) -> Execution:
        """Run the current state and stop before the next one, in any Parallel branch or Map iteration
        ("step into"). ``over=True`` steps over a Parallel or Map: it stops only at a state no deeper than
        the one it is paused at."""
        self._mode, self._until = "step", None
        at = self._scheduler.paused_at
        self._step_depth = (at[1].depth if at is not None else 0) if over else None
        self._scheduler.pause_check = self._pause_check
        return self._drive()

    @property
    def position(self) -> dict[str, Any] | None:
        """Where a paused execution stands: the state it is about to enter (or the state that failed, when it
        broke on an error), its scope (the enclosing Parallel/Map states and branch/item indexes, outermost
        first) and why it stopped ("step", "breakpoint", "until", "error")."""
        at = self._scheduler.paused_at
        if at is None or self.done or self.paused_at is None:
            return None
        state, branch = at
        return {"state": state.name, "scope": list(branch.scope), "reason": self._pause_reason}

    @property
    def break_on_error(self) -> bool:
        """Pause when a state fails, before Retry or Catch handle it."""
        return self._scheduler.pause_on_error

    @break_on_error.setter
    def break_on_error(self, value: bool) -> None:
        self._scheduler.pause_on_error = bool(value)

    def stop(self, error: str | None = None, cause: str | None = None) -> Execution:
        """Abort the execution (status ABORTED), keeping its history."""
        if self.done:
            return self
        self._finish("ABORTED", error=error, cause=cause)
        return self

    def send_task_success(self, token: str, output: Any) -> Execution:
        self._answer(token, output, None)
        return self

    def send_task_failure(self, token: str, error: str | None = None, cause: str | None = None) -> Execution:
        """Fail the task waiting on ``token`` (like SendTaskFailure: both fields are optional)."""
        self._answer(token, None, Failed(_text_or_none(error), _text_or_none(cause)))  # type: ignore[arg-type]
        return self

    def send_task_heartbeat(self, token: str) -> Execution:
        """SendTaskHeartbeat: the task waiting on ``token`` is still making progress (its HeartbeatSeconds clock
        starts again). Also from inside a running activity worker (or from a thread it started), with the
        token its call carries."""
        if self._interp.heartbeat(token):
            return self
        self._catch_up(token)
        if token not in self._scheduler.tokens:
            raise ExecutionStateError(f"no task is waiting on token {token!r}; pending: {self.pending_tokens}")
        self._scheduler.heartbeat(token)
        return self

    def summary(self) -> str:
        """One line: status, duration, transitions, and the error if any."""
        # states entered plus retries, as AWS counts (and bills) them: the definition of
        # sfnkit.history.views.state_transitions, counted as the run goes so that repr(ex) stays O(1)
        n = self._count_transitions() + self._interp.retries
        end = self.stop_time if self.stop_time is not None else self.clock.now()
        text = (
            f"{self.status} in {format_duration(end - self.start_time)}, {n} state transitions, "
            f"{len(self._builder)} events"
        )
        if self.error is not None:
            text += f"; error {self.error!r}" + (f": {self.cause}" if self.cause else "")
        elif self.cause:
            text += f"; cause: {self.cause}"
        if self.pending_tokens and not self.done:
            text += f"; waiting on {len(self.pending_tokens)} task token(s)"
        if self.paused_at is not None and not self.done:
            text += f"; paused before {self.paused_at!r}"
        return text

    def _count_transitions(self) -> int:
        """The ``...StateEntered`` events so far, counted incrementally from the builder's kind column, so
        ``repr(ex)`` stays O(1) however long the history is (it used to build every event: 296 ms on 18k)."""
        total = len(self._builder)
        if total > self._transitions_upto:
            self._transitions += self._builder.count_since(self._transitions_upto, ev.STATE_ENTERED_TYPES)
            self._transitions_upto = total
        return self._transitions

    def __repr__(self) -> str:
        return f"<Execution {self.name}: {self.summary()}>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """In a notebook: the graph coloured by status, with a summary of the run."""
        from sfnkit.views.display import execution_mimebundle

        return execution_mimebundle(self, include=include, exclude=exclude)

    # -- a finished execution, sent between processes -------------------------------------------------------
    def finished_state(self) -> dict[str, Any]:
        """What a finished execution is, without its machine, handlers or interpreter: its attributes, history
        columns, visits and child histories, all plain data that pickles. ``run_many(processes=N)``'s workers
        send these back; :meth:`from_finished_state` makes the execution again in the parent process.

        Its :attr:`options` travel too, except the caller's objects among them (``resources``, and ``clock``,
        ``mocks``, ``storage``, ``services`` or ``breakpoints`` given as anything but plain data or an sfnkit clock):
        those stay ``None`` until the receiving side gives its own to :meth:`from_finished_state`."""
        if not self.done:
            raise ExecutionStateError(f"execution {self.name} is {self.status}; only a finished execution can be sent")
        state = {k: v for k, v in self.__dict__.items() if k not in _LIVE_ONLY}
        options = self.options
        state["_options"] = options.replace(
            resources=None, **{k: None for k in _OBJECT_OPTIONS if not _plain(getattr(options, k))}
        )
        state["_visits"] = self._interp.visits
        state["_map_runs"] = self._interp.map_runs
        state["_retries"] = self._interp.retries
        # local child executions (services="local"): each sent the same way, with its own machine
        state["_children"] = [(child.finished_state(), child.state_machine) for child in self.children]
        return state

    @classmethod
    def from_finished_state(
        cls,
        state: dict[str, Any],
        sm: m.StateMachine,
        resources: Resources | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Execution:
        """The finished execution that :meth:`finished_state` described, bound to ``sm`` (and ``resources``,
        kept only so that the execution reads like one run here: a finished execution calls nothing).

        Its :attr:`options` are those that travelled, with ``resources`` and the given ``options`` (this side's
        copies of the caller's objects that did not travel, e.g. ``{"mocks": config}``) put back."""
        ex = cls.__new__(cls)
        state = dict(state)
        state["_options"] = state["_options"].replace(resources=resources, **(options or {}))
        visits, runs, retries = state.pop("_visits"), state.pop("_map_runs"), state.pop("_retries")
        children = state.pop("_children", [])
        ex.__dict__.update(state)
        ex.state_machine = sm
        ex.resources = resources if resources is not None else Resources({})
        ex.user_resources = ex.resources
        ex._local = None
        ex.children = [cls.from_finished_state(child, child_sm) for child, child_sm in children]
        ex.mocks = None
        ex.rng = random.Random(ex.seed)  # not the state it ended in: nothing draws from it after the end
        ex.breakpoints = {}
        ex._history = None
        ex._top = None  # type: ignore[assignment]
        ex._interp = _FinishedRun(visits, runs, retries)  # type: ignore[assignment]
        ex._scheduler = _FinishedScheduler()  # type: ignore[assignment]
        return ex

    # -- driving ---------------------------------------------------------------------------------------------
    def _pause_check(self, state: Any, branch: Branch) -> bool:
        """Called at every checkpoint (before a state is entered): stop here?"""
        if self._mode == "step" and (self._step_depth is None or branch.depth <= self._step_depth):
            self._pause_reason = "step"
            return True
        if self._until is not None and state.name == self._until:
            self._pause_reason = "until"
            return True
        if state.name in self.breakpoints:
            self._pause_reason = "breakpoint"
            cond = self.breakpoints[state.name]
            if cond is None:
                return True
            try:
                return bool(cond(branch.next_input))
            except Exception as e:  # a broken condition stops the run where it is, and says why
                self.breakpoint_error = f"the breakpoint condition on {state.name!r} raised {type(e).__name__}: {e}"
                return True
        return False

    def _drive(self) -> Execution:
        # A paused branch was put back at the head of the queue; resuming it continues *past* the checkpoint
        # it stopped at, so "step" simply means: stop at the next checkpoint reached.
        if self.done:
            return self
        self.paused_at = None
        self._scheduler.paused_at = None
        # Still waiting on a task token with nothing else to do: this call lets virtual time pass (heartbeat
        # and timeout deadlines fire); the first run() stops and waits instead, so the token can be answered.
        let_time_pass = self._waiting
        token = track_virtual_time(self._interp.task_seconds)
        try:
            outcome = self._scheduler.drive(let_time_pass=let_time_pass)
            # services="local": the local callback worker answers the tokens its requests carried once the
            # execution has nothing else to do (on AWS, a worker answers some time after the request)
            answers = self._local.answers if self._local is not None else None
            while outcome == "waiting" and answers and self._mode == "run":
                ready = [t for t in self._scheduler.tokens if t in answers]
                if not ready:
                    break
                for t in ready:
                    self._scheduler.answer(t, answers.pop(t), None)
                outcome = self._scheduler.drive(let_time_pass=False)
        except KeyboardInterrupt:
            self.interrupted = True
            self._finish("ABORTED", error="KeyboardInterrupt", cause=msg.interrupted())
            return self
        except HistoryFull as full:
            self._finish("FAILED", error=RUNTIME, cause=str(full))
            return self
        except Exception as e:  # an interpreter bug: the execution fails, its history so far is kept
            self._finish(
                "FAILED",
                error=RUNTIME,
                cause=msg.internal_error(type(e).__name__, safe_str(e)),
            )
            return self
        finally:
            untrack_virtual_time(token)
        self._waiting = outcome == "waiting"
        if outcome == "paused" and self._scheduler.paused_at is not None:
            self.paused_at = self._scheduler.paused_at[0].name
            if self._scheduler.pause_reason == "error":
                self._pause_reason = "error"
                self._scheduler.pause_reason = None
        if outcome == "idle" and not self.done:  # pragma: no cover - would be an interpreter bug
            self._finish("FAILED", error=RUNTIME, cause=msg.stopped_without_ending())
        return self

    def _catch_up(self, token: str) -> None:
        """On a wall clock, deadlines that passed while the execution waited for an answer (a task's TimeoutSeconds
        or HeartbeatSeconds, the execution's TimeoutSeconds) take effect before the answer is taken; an answer
        for a task that timed out meanwhile is refused, as AWS refuses it (TaskTimedOut)."""
        sched = self._scheduler
        if self.done or not getattr(self.clock, "real_time", False) or token not in sched.tokens:
            return
        sched.fire_due()
        if token not in sched.tokens:
            if self._mode == "run" or self.done:
                self._drive()  # record the timeout and carry on, as the execution would have
            raise ExecutionStateError(
                f"the task waiting on token {token!r} timed out before the answer came (AWS answers TaskTimedOut)"
            )

    def _answer(self, token: str, value: Any, failure: Failed | None) -> None:
        self._catch_up(token)
        if token not in self._scheduler.tokens:
            raise ExecutionStateError(f"no task is waiting on token {token!r}; pending: {self.pending_tokens}")
        if failure is None:
            try:
                json.dumps(value)
            except (TypeError, ValueError) as e:
                raise ExecutionStateError(f"send_task_success output must be JSON-serialisable: {e}") from None
        self._scheduler.answer(token, value, failure)
        self._waiting = False
        if self._mode == "run":
            self._drive()

    def _on_end(self, branch: Branch, value: Any, failure: Failed | None) -> None:
        if failure is None:
            self._finish("SUCCEEDED", output=value)
        else:  # a Fail state without Error fails the execution with no error name
            self._finish("FAILED", error=failure.error or None, cause=failure.cause)

    def _timed_out(self, longest: float | None = None) -> None:
        if self.done:
            return
        if longest is None:
            self._finish("TIMED_OUT")
        else:
            self._finish(
                "TIMED_OUT",
                error=TIMEOUT,
                cause=msg.execution_max_duration(self.type, format_duration(longest)),
            )

    def _finish(self, status: str, *, output: Any = None, error: str | None = None, cause: str | None = None) -> None:
        if self.done:
            return
        sched = self._scheduler
        interp = self._interp
        # an interrupt may have landed inside an append of an event or a visit: columns one length again first
        self._builder.heal()
        interp.visits.heal()
        for map_run in interp.map_runs:
            map_run.heal()
        interp.closing = True  # the aborted events below never push the end event past the history's limit
        if status != "SUCCEEDED" and status != "FAILED":
            try:
                sched.abort(self._top)
            except KeyboardInterrupt:  # a second Ctrl-C while closing: close what is left, then end
                self.interrupted = True
                _abort_all(sched, self._top)

        now = self.clock.now()
        prev = self._top.prev
        # the error and cause read as the history reads them (a lone surrogate, from a Fail state's literal or
        # from the data, as its JSON escape), so repr(), summary() and every display have a UTF-8 form
        if isinstance(error, str):
            error = escape_surrogates(error)
        if isinstance(cause, str):
            cause = escape_surrogates(cause)
        details: dict[str, Any] = {}
        if error is not None:
            details["error"] = error
        if cause is not None:
            details["cause"] = cause
        if status == "SUCCEEDED":
            self._builder.add(ev.EXECUTION_SUCCEEDED, prev, now, {"output": output})
        elif status == "FAILED":
            self._builder.add(ev.EXECUTION_FAILED, prev, now, details)
        elif status == "TIMED_OUT":
            self._builder.add(ev.EXECUTION_TIMED_OUT, prev, now, details)
        else:  # AWS links ExecutionAborted to no event
            self._builder.add(ev.EXECUTION_ABORTED, 0, now, details)
        self.status = status
        self._output = output
        self.error = error
        self.cause = cause
        self.stop_time = now
        sched.ready.clear()
        sched.deferred.clear()
        sched.timers.clear()
        sched.tokens.clear()
        # The scheduler's callbacks are this execution's bound methods: a reference cycle that would leave a
        # finished execution (its whole history) for the cycle collector. Nothing runs after the end.
        sched.on_end = _ended
        sched.pause_check = None
        self._count_transitions()  # once, here: repr() and summary() of a finished run cost O(1) after this


def _uuid4(rng: random.Random) -> str:
    """``str(uuid.UUID(int=rng.getrandbits(128), version=4))`` without importing :mod:`uuid`, which imports
    :mod:`platform` and compiles its regular expressions: a tenth of a fresh process's first run (bench --cold)."""
    n = rng.getrandbits(128)
    n = (n & ~(0xC000 << 48) | 0x8000 << 48) & ~(0xF000 << 64) | 4 << 76  # RFC 4122 variant, version 4
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _storage_from(storage: Any) -> Any:
    from sfnkit.runtime.items import storage_from  # the item readers load with the first storage= (cold start)

    return storage_from(storage)


def _project_machine_name(sm: m.StateMachine) -> str | None:
    """The name a template gives this state machine (its ARN then matches the template's references)."""
    for spec in sm.project.state_machines.values():
        if len(sm.project.state_machines) == 1 or sm.source_name in (spec.name, spec.logical_id, spec.definition_file):
            return str(spec.name)
    return None


def _abort_all(sched: Scheduler, top: Branch) -> None:
    """Abort again until nothing is left open (each abort of an already-dead branch does nothing)."""
    for _ in range(3):
        try:
            sched.abort(top)
            return
        except KeyboardInterrupt:
            continue


def _text_or_none(value: Any) -> str | None:
    """An error or cause given by user code as text: ``None`` stays ``None``, a JSON value becomes its JSON text,
    anything else its ``str``."""
    if value is None:
        return None
    if isinstance(value, str):
        return safe_str(value)
    try:
        return safe_str(json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError, RecursionError):
        return safe_str(value)


# attributes of a live execution that finished_state() leaves out: the machine, handlers and random source (the receiving side
# has its own), and the interpreter and scheduler (nothing runs after the end; stand-ins take their place)
_LIVE_ONLY = frozenset(
    (
        "state_machine",
        "resources",
        "user_resources",
        "mocks",
        "breakpoints",
        "rng",
        "_history",
        "_top",
        "_interp",
        "_scheduler",
        "_local",
        "children",
        "_given",
    )
)


_OPTION_NAMES = tuple(f.name for f in dataclasses.fields(ExecutionOptions))
# the options that may hold the caller's objects (handlers, clocks, stores, mock and service objects, breakpoint
# conditions) rather than data: finished_state() sends them only when they are plain data
_OBJECT_OPTIONS = ("clock", "mocks", "storage", "services", "breakpoints")


def _plain(value: Any) -> bool:
    """Whether an option's value is plain data that pickles as it is: JSON-like values, paths and sfnkit's clocks."""
    if value is None or isinstance(value, str | int | float | bool | os.PathLike | VirtualClock | WallClock):
        return True
    if isinstance(value, list | tuple | frozenset | set):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


class _FinishedRun:
    """Stands for the interpreter of an execution rebuilt by ``from_finished_state``: its recorded data only."""

    __slots__ = ("map_runs", "retries", "task_seconds", "visits")

    def __init__(self, visits: VisitLog, map_runs: list[MapRun], retries: int) -> None:
        self.visits = visits
        self.map_runs = map_runs
        self.retries = retries
        self.task_seconds = [0.0]


class _FinishedScheduler:
    """Stands for the scheduler of a rebuilt execution: nothing pending, nothing paused (its switches can be
    set, as on a finished live execution, and change nothing)."""

    def __init__(self) -> None:
        self.tokens: dict[str, Any] = {}
        self.paused_at: Any = None
        self.pause_reason: str | None = None
        self.pause_on_error = False
        self.pause_check: Any = None


def _ended(branch: Branch, value: Any, failure: Failed | None) -> None:
    """The scheduler's end callback once the execution has finished."""


def _test_case_mocks(mocks: MockSource, test_case: str | None, state_machine_name: str | None) -> StateMocks | None:
    """``mocks=`` (a MockConfigFile path, JSON text, dict or ``sfnkit.runtime.mocks.MockConfig``) and ``test_case=`` ->
    the per-execution mocks of that test case (fresh invocation counters)."""
    if mocks is None:
        if test_case is not None:
            raise ValueError("test_case= needs mocks= (a Step Functions Local MockConfigFile)")
        return None
    if hasattr(mocks, "handler_for"):  # already one test case's mocks
        return mocks
    from sfnkit.runtime.mocks import MockConfig  # loaded only when a run has mocks

    config = mocks if isinstance(mocks, MockConfig) else MockConfig.load(mocks)
    if test_case is None:
        raise ValueError("mocks= needs test_case= (the name of a test case in the mock configuration)")
    name = state_machine_name
    if name is None:
        if len(config.state_machines) != 1:
            raise ValueError(
                "the mock configuration has several state machines "
                f"({', '.join(sorted(config.state_machines))}): pass state_machine_name="
            )
        name = next(iter(config.state_machines))
    return config.test_case(name, test_case)


def _check_resources(sm: m.StateMachine, resources: Resources, mocks: StateMocks | None = None) -> None:
    """Report every Task whose resource has no handler (and that no mock answers), before anything runs."""
    problems = []
    for st in task_states(sm):  # found once per machine (plan.py), not walked at every start
        if mocks is not None and mocks.handler_for(st.name) is not None:
            continue
        res = st.resource
        if (service_integration(res) or "").startswith("lambda:invoke"):
            fname = st.parameters.get("FunctionName") if isinstance(st.parameters, dict) else None
            if (
                isinstance(fname, str)
                and not fname.startswith("{%")
                and resources.resolve_task(res, fname) is None
                and resources.resolve_task(res) is None
            ):
                problems.append(
                    f"Task {st.name!r} ({st.location}) invokes Lambda function {fname!r}, which has no "
                    f"handler; {resources.suggest(fname)}"
                )
            continue  # a dynamic FunctionName ("FunctionName.$") is resolved when the task runs
        if ":activity:" in res and resources.resolve(res) is None:
            continue  # activities without a worker wait for send_task_* like a callback
        if resources.resolve_task(res) is None and not res.startswith("{%"):
            hint = resources.suggest(res)
            what = f"Lambda function {function_name_of(res)!r}" if ":lambda:" in res else f"resource {res!r}"
            problems.append(f"Task {st.name!r} ({st.location}) calls {what}, which has no handler; {hint}")
    if problems:
        raise ResourceError(
            "\n".join(problems) + '\n(pass resources={"name or ARN": function}, or '
            'missing_resources="fail" to fail those tasks at run time like AWS)'
        )


# run() and start() spell out Execution's keywords (rather than **kwargs) so that help(), IDEs and type checkers
# show and check them; tests/test_public_api.py pins that the three signatures agree.
def start(
    definition: Any,
    input: Any = None,
    *,
    resources: Mapping[str, Any] | Resources | None = None,
    seed: int = 0,
    clock: Clock | None = None,
    name: str | None = None,
    account: str = "123456789012",
    region: str = "us-east-1",
    type: str = "STANDARD",
    role_arn: str | None = None,
    state_machine_name: str | None = None,
    breakpoints: Breakpoints = None,
    missing_resources: str = "raise",
    keep_stages: bool = True,
    break_on_error: bool = False,
    storage: StorageSource = None,
    mocks: MockSource = None,
    test_case: str | None = None,
    child_histories: str = "auto",
    services: Any = None,
) -> Execution:
    """Create an execution paused before its first state. Keywords as for :func:`run`."""
    return Execution(
        load(definition),
        input,
        resources=resources,
        seed=seed,
        clock=clock,
        name=name,
        account=account,
        region=region,
        type=type,
        role_arn=role_arn,
        state_machine_name=state_machine_name,
        breakpoints=breakpoints,
        missing_resources=missing_resources,
        keep_stages=keep_stages,
        break_on_error=break_on_error,
        storage=storage,
        mocks=mocks,
        test_case=test_case,
        child_histories=child_histories,
        services=services,
    ).step()


def run(
    definition: Any,
    input: Any = None,
    *,
    resources: Mapping[str, Any] | Resources | None = None,
    seed: int = 0,
    clock: Clock | None = None,
    name: str | None = None,
    account: str = "123456789012",
    region: str = "us-east-1",
    type: str = "STANDARD",
    role_arn: str | None = None,
    state_machine_name: str | None = None,
    breakpoints: Breakpoints = None,
    missing_resources: str = "raise",
    keep_stages: bool = True,
    break_on_error: bool = False,
    storage: StorageSource = None,
    mocks: MockSource = None,
    test_case: str | None = None,
    child_histories: str = "auto",
    services: Any = None,
) -> Execution:
    """Run a state machine to the end on the virtual clock and return the finished :class:`Execution`.

    ``definition`` is anything :func:`sfnkit.load` accepts. Keywords: ``resources`` (name/ARN/pattern ->
    function), ``seed``, ``clock``, ``name``, ``account``, ``region``, ``type`` ("STANDARD"/"EXPRESS"),
    ``breakpoints``, ``missing_resources`` ("raise" before the run, or "fail" the task at run time like AWS),
    ``storage`` (where a Distributed Map's ItemReader/ResultWriter find S3: a folder whose subfolders are buckets,
    a ``{bucket: folder}`` mapping, or an S3 storage from ``sfnkit.aws``), ``break_on_error``, and
    ``mocks``/``test_case``/``state_machine_name`` (a Step Functions Local MockConfigFile: the mocked states answer
    from it, the others from ``resources``), and ``services="local"`` (every Task that ``resources`` does not
    answer goes to a local stand-in: the embedded moto AWS of :func:`sfnkit.local_aws`, the template's Python
    Lambdas run in the kernel, nested state machines as child executions; see :mod:`sfnkit.aws.local_services`).
    """
    return Execution(
        load(definition),
        input,
        resources=resources,
        seed=seed,
        clock=clock,
        name=name,
        account=account,
        region=region,
        type=type,
        role_arn=role_arn,
        state_machine_name=state_machine_name,
        breakpoints=breakpoints,
        missing_resources=missing_resources,
        keep_stages=keep_stages,
        break_on_error=break_on_error,
        storage=storage,
        mocks=mocks,
        test_case=test_case,
        child_histories=child_histories,
        services=services,
    ).run()
