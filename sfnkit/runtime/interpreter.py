"""The states: one generator per state type, run by :mod:`sfnkit.runtime.scheduler`.

Implements ASL spec sections "State Types", "Errors" (Retry/Catch) and AWS's history semantics: which events
each state records, in what order, with which details. Event details hold raw Python values; the
:class:`~sfnkit.history.HistoryBuilder` turns them into AWS's JSON text only when an event is read, which keeps
JSON encoding off the hot path.

Conventions
-----------
* A state generator returns ``(next_state_name_or_None, output)`` or raises :class:`Failed`.
* ``branch.prev`` is the id of the last event of the branch: each new event's ``previousEventId``.
* Failures raised by data-flow functions carry only AWS's cause *detail*; :meth:`Interpreter.state_error`
  adds the "An error occurred while executing the state ..." prefix where AWS does.
"""

from __future__ import annotations

import base64
import functools
import json
import linecache
import random
import sys
from collections.abc import Generator, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from time import perf_counter as _perf_counter
from typing import Any, ClassVar, Final

from sfnkit import messages as msg
from sfnkit._text import safe_str
from sfnkit.asl import model as m
from sfnkit.asl.intrinsics import jackson_message
from sfnkit.asl.timestamps import format_timestamp, parse_timestamp
from sfnkit.errors import (
    DATA_LIMIT_EXCEEDED,
    EXCEED_TOLERATED_FAILURE_THRESHOLD,
    NO_CHOICE_MATCHED,
    QUERY_EVALUATION_ERROR,
    RUNTIME,
    TIMEOUT,
    TaskFailure,
)
from sfnkit.history.events import STATE_TYPES
from sfnkit.history.map_runs import MapRun
from sfnkit.history.model import HistoryBuilder
from sfnkit.runtime import dataflow as df
from sfnkit.runtime import items as items_mod
from sfnkit.runtime import lambda_runtime as lr
from sfnkit.runtime import retry as rt
from sfnkit.runtime.jsonata_flow import JsonataFlow
from sfnkit.runtime.resources import (
    LambdaContext,
    Resources,
    TaskCall,
    call_with_elapsed,
    function_name_of,
    service_integration,
)
from sfnkit.runtime.scheduler import (
    CHECKPOINT,
    FORK,
    LATER,
    PAUSE,
    SLEEP,
    TOKEN,
    Branch,
    Failed,
    HistoryFull,
    Join,
    Scheduler,
    TokenWait,
)

__all__ = ["Interpreter", "Visit"]

Gen = Generator[Any, Any, Any]

_SERVICE_PREFIX = "arn:aws:states:::"
_MAX_INT = 99999999
#: AWS's quota of events in one STANDARD execution's history. AWS: "When an execution reaches 24,999 events, it
#: waits for the next event to happen. If the event number 25,000 is ExecutionSucceeded, the execution finishes
#: successfully"; any other event in that place becomes ExecutionFailed (States.Runtime) instead.
MAX_HISTORY_EVENTS = 25_000
#: AWS's TimeoutSeconds when a Task gives none (99,999,999 s, about 3 years).
DEFAULT_TASK_TIMEOUT = 99_999_999.0
#: The longest Wait or Seconds(Path) counted, so that no deadline overflows a float (the execution's own maximum
#: duration, a year at most, ends it long before).
_MAX_SECONDS = 10**12
#: AWS runs at most this many iterations of an inline Map at once, whatever its MaxConcurrency ("In Inline
#: mode, the Map state supports up to 40 concurrent iterations"); iteration 41 starts when one ends.
INLINE_MAP_MAX_CONCURRENCY = 40
_TOO_LARGE = "result too large"  # marker cause from _call, reworded with the resource by _too_large

#: The interpreter understands a ``.sync`` handler's two answers (an object with ``sfnkit_submitted = True``,
#: ``output`` and ``wait()``: ``sfnkit.aws.Submitted``).
SUPPORTS_SUBMITTED = True


class _Iteration:
    """What a Map iteration needs to start: its Map state, item, the Map's effective input and ItemSelector."""

    __slots__ = ("entered", "entered_event_id", "index", "item", "map_input", "selector", "state")

    def __init__(
        self,
        state: m.MapState,
        index: int,
        item: Any,
        map_input: Any,
        selector: Any,
        entered: float,
        entered_event_id: int,
    ) -> None:
        self.state = state
        self.index = index
        self.item = item
        self.map_input = map_input
        self.selector = selector
        self.entered = entered
        self.entered_event_id = entered_event_id


# RFC 4122 bits of a version-4 UUID: the version nibble (4) and the variant bits (10)
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (4 << 76) | (0x8000 << 48)

_NO_ERRORS: tuple[()] = ()  # Visit.attempt_errors until a visit fails: most never do, so no list per visit


# The event types a state's entry and exit record, one string object each: a type built per event (st.type +
# "StateEntered") would keep one fresh 65-byte string per event in the history's type column.
_ENTERED: Final = {t: sys.intern(t + "StateEntered") for t in STATE_TYPES}
_EXITED: Final = {t: sys.intern(t + "StateExited") for t in STATE_TYPES}


class Visit:
    """What one state visit did to the data: the debugger's inspector reads these (never the history)."""

    __slots__ = (
        "attempt_errors",
        "branch_index",
        "entered_event_id",
        "error",
        "name",
        "scope",
        "stages",
        "variables",
        "variables_before",
    )

    def __init__(
        self,
        name: str,
        entered_event_id: int,
        branch_index: int,
        state_input: Any = None,
        variables_before: Mapping[str, Any] | None = None,
        scope: tuple[tuple[str, int], ...] = (),
    ) -> None:
        self.name = name
        self.entered_event_id = entered_event_id
        self.branch_index = branch_index
        self.stages: dict[str, Any] = {"input": state_input}
        self.error: tuple[str, str | None] | None = None  # the failure that ended the visit (caught or not)
        self.attempt_errors: Sequence[tuple[str, str | None]] = _NO_ERRORS  # every failure, retried ones included
        self.variables: dict[str, Any] | None = None  # what this visit's Assign wrote
        # every variable in scope when the state was entered
        self.variables_before: Mapping[str, Any] = {} if variables_before is None else variables_before
        self.scope = scope  # enclosing (Parallel/Map state, branch/item index)

    def __repr__(self) -> str:
        return f"Visit({self.name!r}, entered=#{self.entered_event_id}, stages={list(self.stages)})"


def _swap(box: list[float], value: float) -> float:
    """Put ``value`` in ``box[0]``; return what was there."""
    was = box[0]
    box[0] = value
    return was


def _frame_text(tb: Any) -> str:
    """One traceback entry as Lambda's Python runtime shows it in ``stackTrace``, JSON-encoded; "" for
    sfnkit's own frames (the interpreter's, and those of the local stand-ins that call a template's Lambda)."""
    code = tb.tb_frame.f_code
    filename = code.co_filename
    where = filename.replace("\\", "/")
    if "/sfnkit/runtime/" in where or "/sfnkit/aws/local" in where:
        return ""
    linecache.checkcache(filename)
    return lr.stack_entry(tb)


def _jdump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class Interpreter(JsonataFlow):
    """Executes one state machine for one execution. Created and driven by :class:`sfnkit.Execution`."""

    def __init__(
        self,
        sm: m.StateMachine,
        *,
        resources: Resources,
        builder: HistoryBuilder,
        scheduler: Scheduler,
        rng: random.Random,
        execution_arn: str,
        state_machine_arn: str,
        execution_name: str,
        state_machine_name: str,
        role_arn: str,
        region: str,
        account: str,
        input: Any,
        keep_stages: bool = True,
        max_events: int | None = MAX_HISTORY_EVENTS,
        storage: Any = None,
        mocks: Any = None,
        child_histories: str = "auto",
    ) -> None:
        self.sm = sm
        self.storage = storage
        self.mocks = mocks  # an object with handler_for(state_name) (sfnkit.mocks.TestCaseMocks), consulted first
        self.max_events = max_events if max_events is not None else 2**62
        self.closing = False  # the execution is ending: events past the history's limit are dropped, not raised
        self.resources = resources
        self.builder = builder
        self.scheduler = scheduler
        self.clock = scheduler.clock
        self.rng = rng
        self.region = region
        self.account = account
        self.partition = "aws"
        self.keep_stages = keep_stages
        self.visits: list[Visit] = []
        self._iso_t = -1.0
        self._iso = ""
        self.start_time = self.clock.now()
        self.exec_ctx = {
            "Id": execution_arn,
            "Input": input,
            "Name": execution_name,
            "RoleArn": role_arn,
            "StartTime": self.iso(self.start_time),
            "RedriveCount": 0,
        }
        self.sm_ctx = {"Id": state_machine_arn, "Name": state_machine_name}
        self.child_histories = child_histories  # which Distributed Map child histories to keep (map_runs.py)
        self.map_runs: list[MapRun] = []
        # retried attempts and restarted Maps/Parallels so far: with the StateEntered events, the state transitions
        # (sfnkit.history.views.state_transitions), kept here so that Execution.summary() stays O(1)
        self.retries = 0
        self._children: dict[Branch, tuple[MapRun, int]] = {}  # running distributed-Map children
        self._add = builder.add  # bound once: record() is the hottest call of all
        self._add_io = builder.add_state_io
        self._now = scheduler.clock.now
        self.task_seconds = [0.0]  # virtual_sleep's box while this execution drives (see track_virtual_time)
        self.call_started = 0.0  # when the last handler call started (its task's time counts from there)
        self._frame_texts: dict[tuple[Any, int], str] = {}  # (code, lasti) -> its stackTrace entry, this execution
        self._needs_ctx: dict[str, bool] = sm.cache.setdefault("needs_context", {})
        self._static_size: dict[str, int] = sm.cache.setdefault("static_size", {})
        self._flows: dict[str, tuple[bool, bool, float | None, float | None]] = sm.cache.setdefault("task_flow", {})

    # -- small helpers -------------------------------------------------------------------------------------
    def iso(self, t: float) -> str:
        if t != self._iso_t:  # many states share an instant on the virtual clock
            self._iso_t, self._iso = t, format_timestamp(datetime.fromtimestamp(t, UTC))
        return self._iso

    def _result_size(self, st: m.PassState) -> int:
        """Size of a Pass state's static Result, measured once per machine. (sfnkit measures the 256 KiB limit
        on execution input, task results and static Results, where payloads come from outside; payloads built
        from those by Parameters or intrinsics are not measured on every transition, for speed.)"""
        size = self._static_size.get(st.location)
        if size is None:
            size = self._static_size[st.location] = df.size_of(st.result)
        return size

    def needs_context(self, st: m.State) -> bool:
        """Whether any field of ``st`` can read the context object (``$$``); Tasks always pass it to handlers."""
        flag = self._needs_ctx.get(st.location)
        if flag is None:
            try:
                # repr() is the quickest text of the raw state (no encoder to set up); "$$" reads the same in it
                raw = repr(st.raw)
            except ValueError:  # an integer literal past Python's 4,300-digit limit: assume the state reads $$
                raw = "$$"
            flag = self._needs_ctx[st.location] = st.type == "Task" or st.query_language == "JSONata" or "$$" in raw
        return flag

    def record(self, branch: Branch, type: str, details: dict[str, Any] | None = None) -> int:
        sink = branch.sink  # the child execution of a distributed Map records into its own history
        if sink is not None:
            eid = sink.add(type, branch.prev, self._now(), details)
        else:
            eid = self._add(type, branch.prev, self._now(), details)
            if eid >= self.max_events:
                return self._past_limit(branch)
        branch.prev = eid
        return eid

    def _past_limit(self, branch: Branch) -> int:
        """The last place in a history is for the execution's end (MAX_HISTORY_EVENTS): take the event back;
        while running, the execution fails there; while it is ending (aborted events), the event is dropped."""
        self.builder.discard_last()
        if not self.closing:
            raise HistoryFull(msg.history_limit(self.max_events))
        return branch.prev

    def record_io(self, branch: Branch, type: str, name: str, key: str, value: Any) -> int:
        """``record(branch, type, {"name": name, key: value})``: a state's Entered or Exited event, which the
        builder keeps in a compact form (most events of a big run are these)."""
        sink = branch.sink
        if sink is not None:
            eid = sink.add_state_io(type, branch.prev, self._now(), name, key, value)
        else:
            eid = self._add_io(type, branch.prev, self._now(), name, key, value)
            if eid >= self.max_events:
                return self._past_limit(branch)
        branch.prev = eid
        return eid

    def context(
        self,
        state: m.State,
        entered: float,
        branch: Branch,
        extra: Mapping[str, Any] | None = None,
        retry_count: int | None = None,
    ) -> dict[str, Any]:
        st: dict[str, Any] = {"EnteredTime": self.iso(entered), "Name": state.name}
        if retry_count is not None:
            st["RetryCount"] = retry_count
        ctx: dict[str, Any] = {"Execution": self.exec_ctx, "State": st, "StateMachine": self.sm_ctx}
        if state.type == "Task" and state.resource.endswith(".waitForTaskToken"):  # type: ignore[attr-defined]
            ctx["Task"] = {"Token": self.uuid()}  # a new token for each attempt, readable as $$.Task.Token
        if extra:
            ctx.update(extra)
        return ctx

    def uuid(self) -> str:
        """A version-4 UUID from the execution's seeded random source: the text ``uuid.UUID(int=bits,
        version=4)`` gives, formatted here directly (twice as fast; a test pins the two together)."""
        n = (self.rng.getrandbits(128) & _UUID_CLEAR) | _UUID_SET
        h = f"{n:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def state_error(self, st: m.State, entered_id: int, f: Failed) -> Failed:
        """Prefix a data-flow failure the way AWS words it."""
        if f.cause is not None and f.error != DATA_LIMIT_EXCEEDED and not f.cause.startswith(msg.STATE_PREFIX):
            f.cause = msg.in_state(st.name, entered_id, f.cause)
        return f

    # -- bodies ------------------------------------------------------------------------------------------
    def run_body(self, body: m.Body, data: Any, branch: Branch, iteration: _Iteration | None = None) -> Gen:
        """A branch: run states from StartAt until one ends; returns the output.

        A Map iteration (``iteration`` given) also records its MapIteration* events and applies the
        ItemSelector, here rather than in a wrapping generator: every suspended Map iteration then costs one
        generator, not two, and each resume passes one frame less (measured: 5% of a Map of Tasks)."""
        states = body.states
        name = body.start_at
        runners = self._runners
        try:
            if iteration is not None:
                data = self._iteration_input(iteration, branch)
            while True:
                st = states[name]
                yield (CHECKPOINT, st, data)
                try:
                    nxt, data = yield from runners[st.type](self, st, data, branch)
                except RecursionError:
                    # Data or a payload nested deeper than Python's stack allows (hundreds of levels): the run
                    # fails as AWS fails a state it cannot evaluate, instead of a RecursionError out of run().
                    raise Failed(RUNTIME, msg.nested_too_deeply(st.name), terminal=True) from None
                branch.state = None
                if nxt is None:
                    break
                name = nxt
        except Failed as f:
            if iteration is None:
                raise
            raise self._iteration_failed(iteration, branch, f) from None
        if iteration is not None and branch.sink is not None:  # a Distributed Map child execution
            self.record(branch, "ExecutionSucceeded", {"output": data})
            self._child_ended(branch, "SUCCEEDED")
        elif iteration is not None:  # the branch stays linked to its last state event (see _map_child)
            last = branch.prev  # MapIterationSucceeded is not linked to by the branch's next event
            self.record_io(branch, "MapIterationSucceeded", iteration.state.name, "index", iteration.index)
            branch.prev = last
        return data

    # -- entering and leaving ---------------------------------------------------------------------------
    def enter(self, st: m.State, data: Any, branch: Branch) -> tuple[int, Visit | None]:
        branch.entered_prev = branch.prev
        eid = self.record_io(branch, _ENTERED[st.type], st.name, "input", data)
        # the branch is in the state once its Entered event is recorded, not before: an abort (Ctrl-C, a sibling's
        # failure) closes only a state that was entered
        branch.state = st
        visit = None
        if self.keep_stages:
            # branches replace their variables dict on Assign (never mutate it), so keeping it costs nothing
            visit = Visit(st.name, eid, branch.index, data, branch.variables, branch.scope)
            self.visits.append(visit)
        return eid, visit

    def exit(
        self, st: m.State, output: Any, branch: Branch, visit: Visit | None, assigned: dict[str, Any] | None = None
    ) -> None:
        # out of the state before its Exited event: an interrupt landing on that event never adds an Aborted one
        branch.state = None
        if assigned is None:
            self.record_io(branch, _EXITED[st.type], st.name, "output", output)
        else:
            self.record(branch, _EXITED[st.type], {"name": st.name, "output": output, "assignedVariables": assigned})
        if visit is not None:
            visit.stages["output"] = output
            if assigned is not None:
                visit.variables = assigned

    def assign(self, template: Mapping[str, Any] | None, value: Any, ctx: Any, branch: Branch) -> dict[str, Any] | None:
        """Evaluate an ``Assign`` (JSONPath flavour: a payload template over ``value``) and update the branch's
        variables. Every expression sees the variables as they were before this Assign; the branch's dict is
        replaced, never mutated, so Parallel branches and Map iterations that share it cannot leak into it."""
        if template is None:
            return None
        new = df.evaluate_template(template, value, ctx, branch.variables, self.rng)
        df.check_variable_sizes(branch.state, new)
        branch.variables = {**branch.variables, **new}
        return new

    # -- Pass ---------------------------------------------------------------------------------------------
    def s_pass(self, st: m.PassState, data: Any, branch: Branch) -> Gen:
        entered = self.clock.now()
        eid, visit = self.enter(st, data, branch)
        if st.query_language == "JSONata":
            states = {"input": data, "context": self.context(st, entered, branch)}
            out = self.j_output(st, eid, branch, states, data)
            assigned = self.j_assign(st, eid, branch, st.assign, states)
            self.exit(st, out, branch, visit, assigned)
            return (None if st.end else st.next), out
        try:
            ctx = self.context(st, entered, branch) if self.needs_context(st) else None
            variables = branch.variables
            eff = df.apply_input_path(st.input_path, data, ctx, variables)
            params = df.evaluate_template(st.parameters, eff, ctx, variables, self.rng) if st.has_parameters else eff
            result = st.result if st.has_result else params
            assigned = self.assign(st.assign, result, ctx, branch)
            after_result_path = df.apply_result_path(st.result_path, data, result)
            out = df.apply_output_path(st.output_path, after_result_path, ctx, variables)
            if st.has_result and self._result_size(st) > df.MAX_PAYLOAD_BYTES:
                raise Failed(DATA_LIMIT_EXCEEDED, msg.data_limit_exceeded(st.name), terminal=True)
        except Failed as f:
            raise self.state_error(st, eid, f) from None
        if visit is not None:
            visit.stages.update(
                afterInputPath=eff, afterParameters=params, result=result, afterResultPath=after_result_path
            )
        self.exit(st, out, branch, visit, assigned)
        return (None if st.end else st.next), out
        yield  # pragma: no cover - makes this a generator

    # -- Succeed / Fail ------------------------------------------------------------------------------------
    def s_succeed(self, st: m.SucceedState, data: Any, branch: Branch) -> Gen:
        entered = self.clock.now()
        eid, visit = self.enter(st, data, branch)
        if st.query_language == "JSONata":
            states = {"input": data, "context": self.context(st, entered, branch)}
            out = self.j_output(st, eid, branch, states, data)
            self.exit(st, out, branch, visit)
            return None, out
        try:
            ctx = self.context(st, entered, branch) if self.needs_context(st) else None
            eff = df.apply_input_path(st.input_path, data, ctx, branch.variables)
            out = df.apply_output_path(st.output_path, eff, ctx, branch.variables)
        except Failed as f:
            raise self.state_error(st, eid, f) from None
        self.exit(st, out, branch, visit)
        return None, out
        yield  # pragma: no cover

    def s_fail(self, st: m.FailState, data: Any, branch: Branch) -> Gen:
        entered = self.clock.now()
        eid, visit = self.enter(st, data, branch)
        error, cause = st.error, st.cause
        if st.query_language == "JSONata":
            states = {"input": data, "context": self.context(st, entered, branch)}
            if error is not None:
                error = self.j_typed(st, eid, branch, error, "Error", states, "string")
            if cause is not None:
                cause = self.j_typed(st, eid, branch, cause, "Cause", states, "string")
            if visit is not None:
                visit.error = (error or "", cause)
            raise Failed(error or "", cause)
        try:
            ctx = self.context(st, entered, branch)
            if st.error_path is not None:
                error = self._string_or_intrinsic(st.error_path, data, ctx, branch)
            if st.cause_path is not None:
                cause = self._string_or_intrinsic(st.cause_path, data, ctx, branch)
        except Failed as f:
            raise self.state_error(st, eid, f) from None
        if visit is not None:
            visit.error = (error or "", cause)
        raise Failed(error or "", cause)
        yield  # pragma: no cover

    def _string_or_intrinsic(self, expr: str, data: Any, ctx: Any, branch: Branch) -> str:
        from sfnkit.asl import intrinsics

        if intrinsics.is_intrinsic(expr):
            value = df.evaluate_template({"v.$": expr}, data, ctx, branch.variables, self.rng)["v"]
        else:
            value = df.select(expr, data, ctx, branch.variables)
        return value if isinstance(value, str) else _jdump(value)

    # -- Choice ---------------------------------------------------------------------------------------------
    def s_choice(self, st: m.ChoiceState, data: Any, branch: Branch) -> Gen:
        entered = self.clock.now()
        eid, visit = self.enter(st, data, branch)
        if st.query_language == "JSONata":
            states = {"input": data, "context": self.context(st, entered, branch)}
            matched: Any = st
            nxt = None
            for rule in st.choices:
                cond = rule.condition
                if isinstance(cond, str):
                    cond = self.j_typed(st, eid, branch, cond, "Condition", states, "boolean")
                if cond is True:
                    matched, nxt = rule, rule.next
                    break
            if nxt is None:
                nxt = st.default
            if nxt is None:
                raise Failed(NO_CHOICE_MATCHED, msg.no_choice_matched(st.name))
            holder = matched if matched is not st and (matched.has_output or matched.assign is not None) else st
            out = self.j_output(st, eid, branch, states, data, holder)
            assigned = self.j_assign(st, eid, branch, holder.assign, states)
            if visit is not None:
                visit.stages["next"] = nxt
            self.exit(st, out, branch, visit, assigned)
            return nxt, out
        try:
            ctx = self.context(st, entered, branch) if self.needs_context(st) else None
            variables = branch.variables
            eff = df.apply_input_path(st.input_path, data, ctx, variables)
            nxt = None
            assign = st.assign
            for rule in st.choices:
                if self._rule(rule, eff, ctx, variables):
                    nxt = rule.next
                    if rule.assign is not None:
                        assign = rule.assign
                    break
            if nxt is None:
                nxt = st.default
            if nxt is None:
                raise Failed(NO_CHOICE_MATCHED, msg.no_choice_matched(st.name))
            assigned = self.assign(assign, eff, ctx, branch)
            out = df.apply_output_path(st.output_path, eff, ctx, variables)
        except Failed as f:
            if f.error == NO_CHOICE_MATCHED:
                raise
            raise self.state_error(st, eid, f) from None
        if visit is not None:
            visit.stages["afterInputPath"] = eff
            visit.stages["next"] = nxt
        self.exit(st, out, branch, visit, assigned)
        return nxt, out
        yield  # pragma: no cover

    def _rule(self, rule: m.ChoiceRule, data: Any, ctx: Any, variables: Any) -> bool:
        if rule.and_ is not None:
            return all(self._rule(r, data, ctx, variables) for r in rule.and_)
        if rule.or_ is not None:
            return any(self._rule(r, data, ctx, variables) for r in rule.or_)
        if rule.not_ is not None:
            return not self._rule(rule.not_, data, ctx, variables)
        from sfnkit.asl import operators, paths

        op = rule.operator or ""
        assert rule.variable is not None
        try:
            value = paths.compile_path(rule.variable).select(data, context=ctx, variables=variables)
            present = True
        except paths.PathNotFound:
            if op == "IsPresent":
                value, present = None, False
            else:
                raise Failed(RUNTIME, msg.choice_variable_invalid(rule.variable), terminal=True) from None
        if op.endswith("Path"):
            other = df.select(rule.operand, data, ctx, variables)
            return bool(operators.compile_path_operator(op)(value, other))
        return bool(operators.compile_operator(op, rule.operand)(value, present))

    # -- Wait ---------------------------------------------------------------------------------------------
    def s_wait(self, st: m.WaitState, data: Any, branch: Branch) -> Gen:
        entered = self.clock.now()
        eid, visit = self.enter(st, data, branch)
        if st.query_language == "JSONata":
            states = {"input": data, "context": self.context(st, entered, branch)}
            if st.seconds is not None:
                seconds = self.j_typed(st, eid, branch, st.seconds, "Seconds", states, "integer")
                until = entered + min(int(seconds), _MAX_SECONDS)
            else:
                text = self.j_typed(st, eid, branch, st.timestamp, "Timestamp", states, "string")
                ts = parse_timestamp(text)
                if ts is None:
                    raise self.evaluation_failed(
                        st,
                        eid,
                        branch,
                        QUERY_EVALUATION_ERROR,
                        msg.timestamp_field_invalid(text),
                        "Timestamp",
                        after_entered=True,
                    )
                until = ts.timestamp()
            if until > self.clock.now():
                yield (SLEEP, until)
            out = self.j_output(st, eid, branch, states, data)
            assigned = self.j_assign(st, eid, branch, st.assign, states)
            self.exit(st, out, branch, visit, assigned)
            return (None if st.end else st.next), out
        try:
            ctx = self.context(st, entered, branch)
            variables = branch.variables
            eff = df.apply_input_path(st.input_path, data, ctx, variables)
            until = self._wait_until(st, eff, ctx, variables, entered)
        except Failed as f:
            raise self.state_error(st, eid, f) from None
        if until > self.clock.now():
            yield (SLEEP, until)
        try:
            assigned = self.assign(st.assign, eff, ctx, branch)
            out = df.apply_output_path(st.output_path, eff, ctx, variables)
        except Failed as f:
            raise self.state_error(st, eid, f) from None
        self.exit(st, out, branch, visit, assigned)
        return (None if st.end else st.next), out

    def _wait_until(self, st: m.WaitState, eff: Any, ctx: Any, variables: Any, entered: float) -> float:
        if st.seconds is not None:
            return entered + int(st.seconds)
        if st.timestamp is not None:
            ts = parse_timestamp(st.timestamp)
            return ts.timestamp() if ts else entered
        if st.seconds_path is not None:
            path = st.seconds_path
            try:
                from sfnkit.asl import paths

                value = paths.compile_path(path).select(eff, context=ctx, variables=variables)
            except Exception:
                raise Failed(RUNTIME, msg.seconds_path_missing(path), terminal=True) from None
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or (isinstance(value, float) and not value.is_integer())
            ):
                raise Failed(RUNTIME, msg.seconds_path_not_long(path, _jdump(value)), terminal=True)
            if value < 0:
                raise Failed(RUNTIME, msg.seconds_path_negative(path, _jdump(value)), terminal=True)
            # a number too big for a float deadline waits "forever": the execution's maximum duration ends it
            return entered + min(int(value), _MAX_SECONDS)
        path = st.timestamp_path or "$"
        try:
            from sfnkit.asl import paths

            value = paths.compile_path(path).select(eff, context=ctx, variables=variables)
        except Exception:
            raise Failed(RUNTIME, msg.timestamp_path_missing(path), terminal=True) from None
        ts = parse_timestamp(value) if isinstance(value, str) else None
        if ts is None:
            shown = value if isinstance(value, str) else _jdump(value)
            raise Failed(RUNTIME, msg.timestamp_path_invalid(path, shown), terminal=True)
        return ts.timestamp()

    # -- Task -----------------------------------------------------------------------------------------------
    def s_task(self, st: m.TaskState, data: Any, branch: Branch) -> Gen:
        entered = self.clock.now()
        eid, visit = self.enter(st, data, branch)
        retry_count = 0
        retriers = st.retry
        attempts = [0] * len(retriers)
        while True:
            try:
                ctx = self.context(st, entered, branch, None, retry_count)
                variables = branch.variables
                if st.query_language == "JSONata":
                    states = {"input": data, "context": ctx}
                    params = (
                        self.j_eval(st, eid, branch, st.parameters, "Arguments", states) if st.has_parameters else data
                    )
                    timeout = self._j_seconds(st, eid, branch, st.timeout_seconds, "TimeoutSeconds", states)
                    heartbeat = self._j_seconds(st, eid, branch, st.heartbeat_seconds, "HeartbeatSeconds", states)
                    role = (
                        self.j_eval(st, eid, branch, st.credentials.get("RoleArn"), "Credentials/RoleArn", states)
                        if isinstance(st.credentials, dict)
                        else None
                    )
                    self._check_task_request(st, eid, params, role)
                    result = yield from self.invoke(st, params, ctx, branch, timeout, heartbeat, retry_count, role)
                    states = {"input": data, "context": ctx, "result": result}
                    out = self.j_output(st, eid, branch, states, result)
                    assigned = self.j_assign(st, eid, branch, st.assign, states)
                    if visit is not None:
                        visit.stages.update(afterArguments=params, result=result)
                    self.exit(st, out, branch, visit, assigned)
                    return (None if st.end else st.next), out
                plain_in, plain_out, timeout, heartbeat = self._task_flow(st)
                if plain_in:  # no InputPath, Parameters, ...Path timeouts or Credentials: the input goes as is
                    eff = params = data
                    role = None
                else:
                    try:
                        eff = df.apply_input_path(st.input_path, data, ctx, variables)
                        params = (
                            df.evaluate_template(st.parameters, eff, ctx, variables, self.rng)
                            if st.has_parameters
                            else eff
                        )
                        timeout, heartbeat = self._task_timeouts(st, eff, ctx, variables)
                        role = (
                            df.evaluate_template(st.credentials, eff, ctx, variables, self.rng).get("RoleArn")
                            if isinstance(st.credentials, dict)
                            else None
                        )
                    except Failed as f:
                        raise self.state_error(st, eid, f) from None
                    self._check_task_request(st, eid, params, role)
                result = yield from self.invoke(st, params, ctx, branch, timeout, heartbeat, retry_count, role)
                if plain_out:  # no ResultSelector, Assign, ResultPath or OutputPath: the result is the output
                    selected = after_result_path = out = result
                    assigned = None
                else:
                    try:
                        selected = (
                            df.evaluate_template(st.result_selector, result, ctx, variables, self.rng)
                            if st.has_result_selector
                            else result
                        )
                        assigned = self.assign(st.assign, selected, ctx, branch)
                        after_result_path = df.apply_result_path(st.result_path, data, selected)
                        out = df.apply_output_path(st.output_path, after_result_path, ctx, variables)
                    except Failed as f:
                        raise self.state_error(st, eid, f) from None
                if visit is not None:
                    stages = visit.stages
                    stages["afterInputPath"] = eff
                    stages["afterParameters"] = params
                    stages["result"] = result
                    stages["afterResultSelector"] = selected
                    stages["afterResultPath"] = after_result_path
                self.exit(st, out, branch, visit, assigned)
                return (None if st.end else st.next), out
            except Failed as f:
                handled = yield from self._handle_error(st, f, data, branch, visit, retriers, attempts)
                if handled is None:
                    retry_count += 1
                    continue
                return handled

    def _check_task_request(self, st: m.TaskState, eid: int, params: Any, role: Any) -> None:
        """Fail as AWS does, before scheduling, when the request cannot be made: a ``RoleArn`` or a Lambda
        ``FunctionName`` that evaluated to something other than a string (AWS checks the parameters against the
        API's shapes; a dict or a list is no function name, and must not reach the handler lookup)."""
        problems = []
        if st.credentials is not None and not isinstance(role, str):
            problems.append("The value for the field 'RoleArn' must be a STRING")
        if st.resource.startswith(_SERVICE_PREFIX + "lambda:invoke"):
            name = params.get("FunctionName") if isinstance(params, dict) else None
            if name is not None and not isinstance(name, str):
                problems.append("The value for the field 'FunctionName' must be a STRING")
        if problems:
            try:
                shown = _jdump(params)
            except (TypeError, ValueError):  # a value JSON cannot print (an integer of 5,000 digits)
                shown = "<parameters that cannot be printed as JSON>"
            raise self.state_error(
                st,
                eid,
                Failed(
                    RUNTIME,
                    f"The Parameters '{shown}' could not be used to start the Task: [{', '.join(problems)}]",
                    terminal=True,
                ),
            )

    def _handle_error(
        self,
        st: Any,
        f: Failed,
        data: Any,
        branch: Branch,
        visit: Visit | None,
        retriers: tuple[m.Retrier, ...],
        attempts: list[int],
    ) -> Gen:
        """Retry (returns None after the backoff) or Catch (returns (next, output)), else re-raise."""
        f.detach()
        if visit is not None:
            visit.attempt_errors = [*visit.attempt_errors, (f.error, f.cause)]  # rare: copy, never share
        if self.scheduler.pause_on_error:
            yield (PAUSE, st, "error")  # the debugger's break-on-error stops here, before Retry or Catch
        if f.terminal:
            if visit is not None:
                visit.error = (f.error, f.cause)
            raise f
        i = rt.find_retrier(retriers, f.error)
        if (i is None or attempts[i] >= retriers[i].max_attempts) and visit is not None:
            visit.error = (f.error, f.cause)
        if i is not None and attempts[i] < retriers[i].max_attempts:
            attempts[i] += 1
            delay = rt.retry_delay(retriers[i], attempts[i], self.rng)
            if delay > 0:
                yield (SLEEP, self.clock.now() + delay)
            return None
        catcher = rt.find_catcher(getattr(st, "catch", ()), f.error)
        if catcher is None:
            raise f
        # AWS: a failure without a cause gives {"Error": ...}; SendTaskFailure without an error gives both, null
        error_output = (
            {"Error": f.error, "Cause": f.cause} if f.cause is not None or f.error is None else {"Error": f.error}
        )
        if st.query_language == "JSONata":
            eid = visit.entered_event_id if visit is not None else 0
            states = {"input": data, "context": self.context(st, self.clock.now(), branch), "errorOutput": error_output}
            out = self.j_output(st, eid, branch, states, error_output, catcher)
            assigned = self.j_assign(st, eid, branch, catcher.assign, states)
            self.exit(st, out, branch, visit, assigned)
            return catcher.next, out
        try:
            ctx = self.context(st, self.clock.now(), branch)
            assigned = self.assign(catcher.assign, error_output, ctx, branch)
            out = df.apply_result_path(catcher.result_path, data, error_output)
        except Failed as g:
            raise self.state_error(st, visit.entered_event_id if visit else 0, g) from None
        self.exit(st, out, branch, visit, assigned)
        return catcher.next, out

    def _j_seconds(self, st: m.State, eid: int, branch: Branch, value: Any, field: str, states: Any) -> float | None:
        if value is None:
            return None
        return float(self.j_typed(st, eid, branch, value, field, states, "integer"))

    def _task_flow(self, st: m.TaskState) -> tuple[bool, bool, float | None, float | None]:
        """Per Task state, once per machine: whether its input and its output data flow are all defaults (so
        the hot path can skip them), and its literal TimeoutSeconds/HeartbeatSeconds as floats."""
        flow = self._flows.get(st.location)
        if flow is None:
            plain_in = (
                st.input_path == "$"
                and not st.has_parameters
                and st.credentials is None
                and st.timeout_seconds_path is None
                and st.heartbeat_seconds_path is None
            )
            plain_out = (
                not st.has_result_selector and st.assign is None and st.result_path == "$" and st.output_path == "$"
            )
            timeout, heartbeat = self._task_timeouts(st, None, None, None) if plain_in else (None, None)
            flow = self._flows[st.location] = (plain_in, plain_out, timeout, heartbeat)
        return flow

    def _task_timeouts(self, st: m.TaskState, eff: Any, ctx: Any, variables: Any) -> tuple[float | None, float | None]:
        timeout = st.timeout_seconds
        if st.timeout_seconds_path is not None:
            timeout = df.select(st.timeout_seconds_path, eff, ctx, variables)
        heartbeat = st.heartbeat_seconds
        if st.heartbeat_seconds_path is not None:
            heartbeat = df.select(st.heartbeat_seconds_path, eff, ctx, variables)
        return _seconds_or_none(timeout), _seconds_or_none(heartbeat)

    # -- invoking a resource --------------------------------------------------------------------------------
    def invoke(
        self,
        st: m.TaskState,
        params: Any,
        ctx: dict[str, Any],
        branch: Branch,
        timeout: float | None,
        heartbeat: float | None,
        attempt: int,
        role_arn: Any = None,
    ) -> Gen:
        """The generator that runs one attempt of a task (a plain function: one generator frame less)."""
        resource = st.resource
        if resource.startswith(_SERVICE_PREFIX) or service_integration(resource) is not None:
            return self._invoke_service(st, resource, params, ctx, branch, timeout, heartbeat, attempt, role_arn)
        if ":activity:" in resource:
            return self._invoke_activity(st, resource, params, ctx, branch, timeout, heartbeat, attempt)
        return self._invoke_lambda_arn(st, resource, params, ctx, branch, timeout, attempt, role_arn)

    def _mock(self, st: m.TaskState) -> Any:
        """The mocked-response handler for this Task state (Step Functions Local's MockConfigFile), if any."""
        return self.mocks.handler_for(st.name) if self.mocks is not None else None

    def _run_handler(
        self,
        st: m.TaskState,
        fn: Any,
        payload: Any,
        ctx: dict[str, Any],
        resource: str,
        function_name: str | None,
        token: str | None,
        attempt: int,
        compact: bool = False,
    ) -> tuple[Any, float, Failed | None]:
        """Call a handler with what it asks for; any exception becomes a Failed shaped like Lambda's error."""
        kind = self.resources.kind(fn)
        arg = _copy(payload)
        # virtual seconds the handler asks to take (virtual_sleep adds to box[0] while the execution drives),
        # kept even when it raises; a handler that drives this execution again keeps its own count
        box = self.task_seconds
        outer = box[0]
        box[0] = 0.0
        # the real time the handler takes counts as task time too (see clock.py, "Handler time")
        self.call_started = self._now()
        t0 = _perf_counter()
        try:
            if kind == "one":
                result = fn(arg)
            elif kind == "two":
                lctx = LambdaContext(
                    function_name=function_name or resource.rsplit(":", 1)[-1],
                    invoked_function_arn=resource,
                    state_context=ctx,
                    task_token=token,
                    new_id=self.uuid,
                )
                result = fn(arg, lctx)
            else:
                call = TaskCall(
                    input=arg,
                    resource=resource,
                    state_name=st.name,
                    context=ctx,
                    task_token=token,
                    attempt=attempt,
                    function_name=function_name,
                )
                result = fn(call)
        except TaskFailure as e:
            return None, self._took(box, outer, t0, fn), _task_failure(e)
        except KeyboardInterrupt:
            box[0] = outer
            raise
        except SystemExit as e:  # the runtime process ends: Lambda itself reports the invocation's failure
            return (
                None,
                self._took(box, outer, t0, fn),
                Failed(lr.EXIT_ERROR, lr.exit_error_document(self.uuid(), e.code)),
            )
        except BaseException as e:
            return (
                None,
                self._took(box, outer, t0, fn),
                Failed(safe_str(type(e).__name__), self._lambda_error_cause(e, compact)),
            )
        return result, self._took(box, outer, t0, fn), None

    def _call(
        self,
        st: m.TaskState,
        fn: Any,
        payload: Any,
        ctx: dict[str, Any],
        resource: str,
        function_name: str | None,
        token: str | None,
        attempt: int,
        compact: bool = False,
    ) -> tuple[Any, float, Failed | None]:
        """Call a (service or activity) handler; its result becomes a private JSON snapshot. ``compact``: a
        service integration, whose error documents Step Functions writes again compactly (as for lambda:invoke)."""
        result, elapsed, failure = self._run_handler(
            st, fn, payload, ctx, resource, function_name, token, attempt, compact
        )
        if failure is not None or getattr(result, "sfnkit_submitted", False):  # a .sync handler's two answers
            return result, elapsed, failure
        if isinstance(result, bytes | bytearray):
            try:
                return json.loads(bytes(result).decode("utf-8")), elapsed, None
            except ValueError:
                result = bytes(result).decode("utf-8", "replace")
        # A snapshot: the handler may reuse its objects afterwards, and a value JSON cannot carry fails the task.
        try:
            return df.snapshot(result), elapsed, None
        except OverflowError:
            return None, elapsed, Failed(DATA_LIMIT_EXCEEDED, _TOO_LARGE)
        except (TypeError, ValueError, RecursionError) as e:
            return None, elapsed, self._marshal_error(f"Unable to marshal response: {e}")

    def _call_lambda(
        self,
        st: m.TaskState,
        fn: Any,
        payload: Any,
        ctx: dict[str, Any],
        resource: str,
        function_name: str | None,
        attempt: int,
        invoke: bool,
    ) -> tuple[Any, int, float, Failed | None]:
        """Call a Lambda function's handler and pass its answer through Lambda's Python runtime
        (:mod:`sfnkit.runtime.lambda_runtime`): ``(value, body length, elapsed, failure)``. The value is what
        Step Functions decodes from the body the runtime sent, so it is a private copy too. ``invoke``: the
        task is ``lambda:invoke``, whose error documents Step Functions writes again compactly."""
        result, elapsed, failure = self._run_handler(
            st, fn, payload, ctx, resource, function_name, None, attempt, invoke
        )
        if failure is not None:
            return None, 0, elapsed, failure
        try:
            body = lr.response_body(result)
        except lr.MarshalError as e:
            return None, 0, elapsed, self._marshal_error(str(e), invoke)
        value = lr.decode_payload(body)
        # compact JSON is never longer than the runtime's spaced text: measure it only when it might be too large
        if len(body) > df.MAX_PAYLOAD_BYTES and df.size_of(value) > df.MAX_PAYLOAD_BYTES:
            return None, 0, elapsed, Failed(DATA_LIMIT_EXCEEDED, _TOO_LARGE)
        return value, len(body), elapsed, None

    def _marshal_error(self, message: str, compact: bool = True) -> Failed:
        """Lambda's answer to a result its runtime cannot encode (no stack: the handler had returned)."""
        return Failed(lr.MARSHAL_ERROR, lr.error_document(message, lr.MARSHAL_ERROR, self.uuid(), [], compact=compact))

    def _lambda_error_cause(self, e: BaseException, compact: bool = False) -> str:
        # The user's frames only (not sfnkit's), each formatted as Lambda's Python runtime formats stackTrace.
        # Each (code, instruction) is formatted once per execution, its source file checked for edits then: a
        # retried task fails at the same lines again and again (re-reading them cost 40 us per failure).
        stack = []
        texts = self._frame_texts
        tb = e.__traceback__
        while tb is not None:
            key = (tb.tb_frame.f_code, tb.tb_lasti)
            text = texts.get(key)
            if text is None:
                text = texts[key] = _frame_text(tb)
            if text:
                stack.append(text)
            tb = tb.tb_next
        return lr.error_document(safe_str(e), safe_str(type(e).__name__), self.uuid(), stack, compact=compact)

    def _missing(self, resource: str, function_name: str | None) -> Failed:
        name = function_name or resource
        arn = name
        if not name.startswith("arn:"):
            arn = f"arn:{self.partition}:lambda:{self.region}:{self.account}:function:{function_name_of(name)}"
        if arn.count(":") == 6:
            arn += ":$LATEST"
        return Failed("Lambda.ResourceNotFoundException", msg.function_not_found(arn, self.uuid()))

    def _too_large(self, failure: Failed | None, result: Any, who: str) -> Failed | None:
        """Name the resource in a DataLimitExceeded cause (``_call`` cannot know how AWS names it)."""
        if failure is not None and failure.cause is _TOO_LARGE:
            return Failed(DATA_LIMIT_EXCEEDED, msg.data_limit_exceeded(who))
        return failure

    def _took(self, box: list[float], outer: float, t0: float, fn: Any = None) -> float:
        """How long the handler call that started at ``t0`` (perf counter) took, in this execution's time: the
        virtual seconds it asked for (``virtual_sleep``) plus its real time, as the clock counts it. An emulated
        service (``sfnkit_emulated``: the stand-ins of ``services="local"``) takes only the virtual seconds it
        asks for: its real time is the emulator's, not the service's."""
        virtual = _swap(box, outer)
        if getattr(fn, "sfnkit_emulated", False):
            return virtual
        real = _perf_counter() - t0
        clock = self.clock
        if getattr(clock, "real_time", False):
            return virtual + real  # already passed on the clock: _elapse measures from the call's start
        handler_time = getattr(clock, "handler_time", None)
        return virtual + (handler_time(real) if handler_time is not None else 0.0)

    def _elapse(self, elapsed: float, timeout: float | None) -> Gen:
        """Let a task's time pass, from the start of its handler call (``call_started``); returns True when it
        timed out. Without TimeoutSeconds a task may take AWS's default of 99,999,999 s, no more (a handler that
        asks for ``virtual_sleep(inf)`` times out there, unless the execution's own limit comes first)."""
        start = self.call_started
        limit = DEFAULT_TASK_TIMEOUT if timeout is None else timeout
        if not elapsed <= limit:  # NaN cannot get here (virtual_sleep ignores it), but would time out too
            yield (SLEEP, start + limit)
            return True
        end = start + elapsed
        if end > self.clock.now() or getattr(self.clock, "real_time", False):
            # on a wall clock, always hand back to the scheduler: a deadline that fell due while the handler ran
            # (the execution's TimeoutSeconds) fires before the task's result is recorded
            yield (SLEEP, end)
        return False

    def _invoke_lambda_arn(
        self,
        st: m.TaskState,
        resource: str,
        params: Any,
        ctx: Any,
        branch: Branch,
        timeout: float | None,
        attempt: int,
        role_arn: Any = None,
    ) -> Gen:
        arn = resource
        details: dict[str, Any] = {"resource": arn, "input": params}
        if st.credentials is not None:
            details["taskCredentials"] = {"roleArn": role_arn}
        if timeout is not None:
            details["timeoutInSeconds"] = int(timeout)
        self.record(branch, "LambdaFunctionScheduled", details)
        if attempt:  # a retried attempt: one more state transition, as AWS counts them
            self.retries += 1
        yield LATER
        self.record(branch, "LambdaFunctionStarted")
        yield LATER  # every task at this instant starts before any finishes
        fn = self._mock(st) or self.resources.resolve_task(resource)
        if fn is None:
            failure: Failed | None = self._missing(resource, None)
            result, elapsed = None, 0.0
        else:
            result, _, elapsed, failure = self._call_lambda(
                st, fn, params, ctx, resource, function_name_of(resource), attempt, False
            )
        if elapsed and (yield from self._elapse(elapsed, timeout)):
            self.record(branch, "LambdaFunctionTimedOut", {"error": TIMEOUT})
            yield LATER
            raise Failed(TIMEOUT)
        failure = self._too_large(failure, None, arn)
        if failure is not None:
            self.record(branch, "LambdaFunctionFailed", _error_details(failure))
            raise failure
        self.record(branch, "LambdaFunctionSucceeded", {"output": result})
        return result

    def _invoke_service(
        self,
        st: m.TaskState,
        resource: str,
        params: Any,
        ctx: dict[str, Any],
        branch: Branch,
        timeout: float | None,
        heartbeat: float | None,
        attempt: int,
        role_arn: Any = None,
    ) -> Gen:
        service_action = service_integration(resource) or resource[len(_SERVICE_PREFIX) :]
        service, _, action = service_action.partition(":")
        if service == "aws-sdk":  # AWS records resourceType "aws-sdk:s3" and resource "getObject"
            sdk_service, _, action = action.partition(":")
            service = f"aws-sdk:{sdk_service}"
        pattern = ""
        for suffix in (".waitForTaskToken", ".sync:2", ".sync"):
            if action.endswith(suffix):
                pattern, action = suffix, action[: -len(suffix)]
                break
        rdetails = {"resourceType": service, "resource": action + pattern}
        token = ctx["Task"]["Token"] if pattern == ".waitForTaskToken" else None
        scheduled: dict[str, Any] = {**rdetails, "region": self.region, "parameters": params}
        if st.credentials is not None:
            scheduled["taskCredentials"] = {"roleArn": role_arn}
        if timeout is not None:
            scheduled["timeoutInSeconds"] = int(timeout)
        if heartbeat is not None:
            scheduled["heartbeatInSeconds"] = int(heartbeat)
        self.record(branch, "TaskScheduled", scheduled)
        if attempt:  # a retried attempt: one more state transition, as AWS counts them
            self.retries += 1
        yield LATER
        self.record(branch, "TaskStarted", rdetails)
        yield LATER  # every task at this instant starts before any finishes
        function_name = None
        lambda_invoke = service == "lambda" and action == "invoke"
        body_len = 0
        refused: str | None = None  # why Lambda's Invoke refuses the request body
        if lambda_invoke:
            function_name = params.get("FunctionName") if isinstance(params, dict) else None
            fn = self._mock(st) or (self.resources.resolve_task(resource, function_name) if function_name else None)
            if fn is None:
                fn = self.resources.resolve_task(resource)
            payload = params.get("Payload") if isinstance(params, dict) else None
            if payload is None:  # no Payload: Lambda receives an empty object
                payload = {}
            elif isinstance(payload, str) and payload.strip():  # a string Payload is the request body: JSON text
                try:
                    payload = json.loads(payload)
                except ValueError:
                    refused = jackson_message(payload) or "Unexpected end-of-input"
        else:
            fn = self._mock(st) or self.resources.resolve_task(resource)
            payload = params
        if fn is None:
            failure: Failed | None = (
                self._missing(resource, function_name)
                if service == "lambda"
                else Failed(RUNTIME, msg.no_handler(resource))
            )
            result, elapsed = None, 0.0
        elif refused is not None and not getattr(fn, "sfnkit_mock", False):
            # Lambda's Invoke refuses a body that is not JSON before any code runs
            result, elapsed = None, 0.0
            failure = Failed(
                "Lambda.InvalidRequestContentException", msg.lambda_invalid_request_content(refused, self.uuid())
            )
        elif lambda_invoke and not getattr(fn, "sfnkit_raw_response", False):
            result, body_len, elapsed, failure = self._call_lambda(
                st, fn, payload, ctx, resource, function_name, attempt, True
            )
        else:
            result, elapsed, failure = self._call(st, fn, payload, ctx, resource, function_name, token, attempt, True)
        if failure is None and getattr(result, "sfnkit_submitted", False):
            return (yield from self._run_submitted(result, elapsed, rdetails, branch, timeout, service))
        if failure is not None and failure.error == RUNTIME and getattr(fn, "sfnkit_mock", False):
            failure.terminal = True  # a mock with no response left fails the execution, as in Step Functions Local
        if elapsed and (yield from self._elapse(elapsed, timeout)):
            self.record(branch, "TaskTimedOut", {**rdetails, "error": TIMEOUT})
            yield LATER
            raise Failed(TIMEOUT)
        if failure is None and lambda_invoke and not getattr(fn, "sfnkit_raw_response", False):
            result = self._lambda_envelope(
                result, body_len, log=isinstance(params, dict) and params.get("LogType") == "Tail"
            )
        failure = self._too_large(failure, None, service)
        if failure is not None:
            self.record(branch, "TaskFailed", {**rdetails, **_error_details(failure)})
            raise failure
        if token is None or getattr(fn, "sfnkit_mock", False):
            # a mocked callback task ends with its mocked response, as in Step Functions Local
            self.record(branch, "TaskSucceeded", {**rdetails, "output": result})
            return result
        self.record(branch, "TaskSubmitted", {**rdetails, "output": result})
        wait = TokenWait(token, timeout, heartbeat)
        if timeout is not None:
            wait.timeout_deadline = self.clock.now() + timeout
        try:
            answer = yield (TOKEN, wait)
        except Failed as f:
            if f.error == "States.HeartbeatTimeout":
                f = Failed(TIMEOUT)  # AWS's recordings: a callback's heartbeat expiry is TaskTimedOut, States.Timeout
            kind = "TaskTimedOut" if f.error == TIMEOUT else "TaskFailed"
            self.record(branch, kind, {**rdetails, **_error_details(f)})
            raise f from None
        self.record(branch, "TaskSucceeded", {**rdetails, "output": answer})
        return answer

    def _run_submitted(
        self, job: Any, elapsed: float, rdetails: dict[str, Any], branch: Branch, timeout: float | None, service: str
    ) -> Gen:
        """A ``.sync`` task whose handler gave two answers: ``TaskSubmitted`` with the start request's response,
        then the job's end (``job.wait()``, whose polls take virtual time through ``virtual_sleep``)."""
        try:
            submitted = df.snapshot(job.output)
        except (TypeError, ValueError, OverflowError, RecursionError) as e:
            marshal = Failed("Runtime.MarshalError", f"Unable to marshal the submitted response: {e}")
            self.record(branch, "TaskFailed", {**rdetails, **_error_details(marshal)})
            raise marshal from None
        self.record(branch, "TaskSubmitted", {**rdetails, "output": submitted})
        box = [0.0]  # the virtual seconds the polls asked for, whether the wait returns or raises
        failure: Failed | None = None
        result: Any = None
        t0 = _perf_counter()
        try:
            result = df.snapshot(call_with_elapsed(box, job.wait))
        except TaskFailure as e:
            failure = _task_failure(e)
        except KeyboardInterrupt:
            raise
        except OverflowError:
            failure = Failed(DATA_LIMIT_EXCEEDED, _TOO_LARGE)
        except BaseException as e:
            failure = Failed(safe_str(type(e).__name__), safe_str(e))
        waited = self._took(box, 0.0, t0, job)  # the polls' virtual seconds and the real time the wait took
        if (yield from self._elapse(elapsed + waited, timeout)):
            self.record(branch, "TaskTimedOut", {**rdetails, "error": TIMEOUT})
            yield LATER
            raise Failed(TIMEOUT)
        failure = self._too_large(failure, None, service)
        if failure is not None:
            self.record(branch, "TaskFailed", {**rdetails, **_error_details(failure)})
            raise failure
        self.record(branch, "TaskSucceeded", {**rdetails, "output": result})
        return result

    def _lambda_envelope(self, payload: Any, content_length: int, log: bool = False) -> dict[str, Any]:
        """What ``arn:aws:states:::lambda:invoke`` returns: Lambda's Invoke response as Step Functions shapes it,
        ``Content-Length`` the length of the body the runtime sent. With ``"LogType": "Tail"`` it carries
        ``LogResult``: the base64 tail of the (local) invocation log."""
        request_id = self.uuid()
        now = self.clock.now()
        date = datetime.fromtimestamp(now, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
        tail = None
        if log:
            text = f"START RequestId: {request_id} Version: $LATEST\nEND RequestId: {request_id}\n"
            tail = base64.b64encode(text.encode()).decode()
        all_headers, headers = lr.invoke_headers(
            content_length=content_length,
            request_id=request_id,
            date=date,
            trace_id=lr.trace_header(request_id, now),
            log_result=tail,
        )
        envelope: dict[str, Any] = {"ExecutedVersion": "$LATEST"}
        if tail is not None:
            envelope["LogResult"] = tail
        envelope["Payload"] = payload
        envelope["SdkHttpMetadata"] = {"AllHttpHeaders": all_headers, "HttpHeaders": headers, "HttpStatusCode": 200}
        envelope["SdkResponseMetadata"] = {"RequestId": request_id}
        envelope["StatusCode"] = 200
        return envelope

    def _invoke_activity(
        self,
        st: m.TaskState,
        resource: str,
        params: Any,
        ctx: Any,
        branch: Branch,
        timeout: float | None,
        heartbeat: float | None,
        attempt: int,
    ) -> Gen:
        details: dict[str, Any] = {"resource": resource, "input": params}
        if timeout is not None:
            details["timeoutInSeconds"] = int(timeout)
        if heartbeat is not None:
            details["heartbeatInSeconds"] = int(heartbeat)
        self.record(branch, "ActivityScheduled", details)
        if attempt:  # a retried attempt: one more state transition, as AWS counts them
            self.retries += 1
        fn = self._mock(st) or self.resources.resolve_task(resource)
        if fn is None:
            token = self.uuid()
            wait = TokenWait(token, timeout, heartbeat)
            if timeout is not None:
                wait.timeout_deadline = self.clock.now() + timeout
            try:
                answer = yield (TOKEN, wait)
            except Failed as f:
                self.record(
                    branch,
                    "ActivityTimedOut" if f.error in (TIMEOUT, "States.HeartbeatTimeout") else "ActivityFailed",
                    _error_details(f),
                )
                raise
            self.record(branch, "ActivitySucceeded", {"output": answer})
            return answer
        yield LATER
        self.record(branch, "ActivityStarted", {"workerName": getattr(fn, "__name__", "worker")})
        result, elapsed, failure = self._call(st, fn, params, ctx, resource, None, None, attempt)
        if elapsed and (yield from self._elapse(elapsed, timeout)):
            self.record(branch, "ActivityTimedOut", {"error": TIMEOUT})
            raise Failed(TIMEOUT)
        if failure is not None:
            self.record(branch, "ActivityFailed", _error_details(failure))
            raise failure
        self.record(branch, "ActivitySucceeded", {"output": result})
        return result

    # -- Parallel -------------------------------------------------------------------------------------------
    def s_parallel(self, st: m.ParallelState, data: Any, branch: Branch) -> Gen:
        entered = self.clock.now()
        eid, visit = self.enter(st, data, branch)
        retriers = st.retry
        attempts = [0] * len(retriers)
        retry_count = 0
        while True:
            try:
                ctx = self.context(st, entered, branch, None, retry_count)
                variables = branch.variables
                jn = st.query_language == "JSONata"
                if jn:
                    eff = (
                        self.j_eval(st, eid, branch, st.parameters, "Arguments", {"input": data, "context": ctx})
                        if st.has_parameters
                        else data
                    )
                else:
                    try:
                        eff = df.apply_input_path(st.input_path, data, ctx, variables)
                        if st.has_parameters:
                            eff = df.evaluate_template(st.parameters, eff, ctx, variables, self.rng)
                    except Failed as f:
                        raise self.state_error(st, eid, f) from None
                self.record(branch, "ParallelStateStarted")
                if retry_count:  # a Retrier restarted the Parallel: one more transition
                    self.retries += 1
                start_prev = branch.prev

                join = Join(len(st.branches), None)
                join.make = functools.partial(self._parallel_child, st, branch, join, eff, start_prev, variables)
                results = yield (FORK, join)
                self._sync_prev(branch)
                # AWS writes ParallelStateSucceeded (the recorded cases drop it when they sort branch events);
                # the next event links past it, to the branches' last event, as MapStateExited does
                self._record_keep_prev(branch, "ParallelStateSucceeded")
                if jn:
                    states = {"input": data, "context": ctx, "result": results}
                    out = self.j_output(st, eid, branch, states, results)
                    assigned = self.j_assign(st, eid, branch, st.assign, states)
                    self.exit(st, out, branch, visit, assigned)
                    return (None if st.end else st.next), out
                return self._container_result(st, eid, branch, visit, data, eff, results, ctx)
            except Failed as f:
                handled = yield from self._state_failed(st, f, data, branch, visit, retriers, attempts)
                if handled is None:
                    retry_count += 1
                    continue
                return handled

    def _container_result(
        self,
        st: Any,
        eid: int,
        branch: Branch,
        visit: Visit | None,
        data: Any,
        eff: Any,
        results: list[Any],
        ctx: Any,
        succeeded_event: str | None = None,
    ) -> tuple[str | None, Any]:
        """The JSONPath end of a Parallel or Map: ResultSelector, Assign, ResultPath, OutputPath, then exit."""
        variables = branch.variables
        try:
            selected = (
                df.evaluate_template(st.result_selector, results, ctx, variables, self.rng)
                if st.has_result_selector
                else results
            )
            assigned = self.assign(st.assign, selected, ctx, branch)
            after_result_path = df.apply_result_path(st.result_path, data, selected)
            out = df.apply_output_path(st.output_path, after_result_path, ctx, variables)
        except Failed as f:
            raise self.state_error(st, eid, f) from None
        if succeeded_event is not None:
            self._record_keep_prev(branch, succeeded_event)
        if visit is not None:
            visit.stages.update(
                afterInputPath=eff, result=results, afterResultSelector=selected, afterResultPath=after_result_path
            )
        self.exit(st, out, branch, visit, assigned)
        return (None if st.end else st.next), out

    def _parallel_child(
        self, st: m.ParallelState, parent: Branch, join: Join, data: Any, start_prev: int, variables: Any, i: int
    ) -> Branch:
        """Branch ``i`` of a Parallel state (created when the scheduler starts it)."""
        child = Branch(None, join, i, start_prev, variables)
        child.depth, child.scope = parent.depth + 1, (*parent.scope, (st.name, i))
        child.gen = self.run_body(st.branches[i], data, child)
        child.on_abort = self._on_abort
        return child

    def _map_child(
        self,
        st: m.MapState,
        parent: Branch,
        join: Join,
        items: Sequence[Any],
        eff: Any,
        start_prev: int,
        variables: Any,
        processor: m.Body,
        selector: Any,
        entered: float,
        eid: int,
        run: MapRun | None,
        i: int,
    ) -> Branch:
        """Iteration ``i`` of a Map state, created lazily so that a huge Map stays small in memory; in a
        distributed Map it is a child execution with a history of its own."""
        if join.start_prev is not None and not st.is_distributed:
            # an iteration started when another ended (MaxConcurrency, or AWS's 40 at once for inline Maps):
            # AWS links its MapIterationStarted to the ended iteration's last state event
            start_prev = join.start_prev
        child = Branch(None, join, i, start_prev, variables)
        child.depth, child.scope = parent.depth + 1, (*parent.scope, (st.name, i))
        if run is not None:  # a child execution: its own history, whose first event links to none
            child.prev = 0
            child.sink = HistoryBuilder()
            run.child_started(i, child.sink, self._now())
            self._children[child] = (run, i)
        child.gen = self.run_body(processor, None, child, _Iteration(st, i, items[i], eff, selector, entered, eid))
        child.on_abort = self._on_abort_iteration
        return child

    def _record_keep_prev(self, branch: Branch, type: str, details: dict[str, Any] | None = None) -> None:
        """Record an event that the branch's next event does not link to (AWS links MapStateExited to the
        last MapIterationSucceeded, past MapStateSucceeded)."""
        last = branch.prev
        self.record(branch, type, details)
        branch.prev = last

    def _sync_prev(self, branch: Branch) -> None:
        """After a Parallel or Map, the next event links to the last event its children recorded."""
        branch.prev = self.builder.last_id

    def _on_abort(self, child: Branch) -> None:
        """A branch stopped from outside: close the state it was in (Task, Wait, Map, Parallel). The branch whose
        failure ended its Parallel/Map gets this too, for a Task (the recorded cases show it), since that Task
        never exited; a failed Map or Parallel inside it already recorded its own failure."""
        st = child.state
        if st is None:
            return
        failed_here = child.join is not None and child.join.failed_branch is child
        if st.type == "Task" or (not failed_here and st.type in ("Wait", "Map", "Parallel")):
            self.record(child, st.type + "StateAborted")

    # -- Map ------------------------------------------------------------------------------------------------
    def s_map(self, st: m.MapState, data: Any, branch: Branch) -> Gen:
        entered = self.clock.now()
        eid, visit = self.enter(st, data, branch)
        retriers = st.retry
        attempts = [0] * len(retriers)
        retry_count = 0
        distributed = st.is_distributed
        while True:
            try:
                ctx = self.context(st, entered, branch, None, retry_count)
                variables = branch.variables
                jn = st.query_language == "JSONata"
                if jn:
                    states = {"input": data, "context": ctx}
                    eff = data
                    if st.item_reader is not None:
                        items = self._reader_items(st, eid, branch, data, ctx, states)
                    elif st.has_items:
                        items = self.j_typed(st, eid, branch, st.items, "Items", states, "array")
                    else:
                        items = self.j_array_input(st, eid, branch, data)
                    max_conc = st.max_concurrency
                    if max_conc is not None:
                        max_conc = int(self.j_typed(st, eid, branch, max_conc, "MaxConcurrency", states, "integer"))
                else:
                    try:
                        eff = df.apply_input_path(st.input_path, data, ctx, variables)
                        if st.item_reader is not None:  # a list, or a lazy sequence of a big object's items
                            items = self._reader_items(st, eid, branch, eff, ctx, None)
                        else:
                            items = (
                                df.select(st.items_path, eff, ctx, variables)
                                if st.items_path not in (None, "$")
                                else eff
                            )
                            if not isinstance(items, list):
                                raise Failed(RUNTIME, msg.map_input_not_array(_jdump(items)), terminal=True)
                        max_conc = self._map_number(
                            st.max_concurrency,
                            st.max_concurrency_path,
                            "MaxConcurrency",
                            eff,
                            ctx,
                            variables,
                            "integer",
                        )
                    except Failed as f:
                        raise self.state_error(st, eid, f) from None
                self.record(branch, "MapStateStarted", {"length": len(items)})
                if retry_count:  # a Retrier restarted the Map: one more transition
                    self.retries += 1
                tolerance = None
                if distributed:
                    # AWS reads the tolerated-failure settings after MapStateStarted
                    try:
                        tolerance = (
                            self._j_tolerance(st, eid, branch, {"input": data, "context": ctx})
                            if jn
                            else self._tolerance(st, eff, ctx, variables)
                        )
                    except Failed as f:
                        raise self.state_error(st, eid, f) from None
                    run_arn = f"arn:aws:states:{self.region}:{self.account}:mapRun:{self.sm_ctx['Name']}/{st.label or st.name}:{self.uuid()}"
                    self.record(branch, "MapRunStarted", {"mapRunArn": run_arn})
                    map_run: MapRun | None = MapRun(st.name, run_arn, self.child_histories, 0)
                else:
                    map_run = None
                start_prev = branch.prev
                processor = st.processor
                assert processor is not None
                selector = st.item_selector if st.has_item_selector else m.MISSING
                if st.item_batcher is not None:
                    # AWS applies ItemSelector to each item, then groups the selected items into batches
                    items = self._batches(st, eid, branch, items, eff, data, ctx, selector, entered)
                    selector = m.MISSING
                if map_run is not None:
                    map_run = MapRun(st.name, map_run.arn, self.child_histories, len(items))
                    self.map_runs.append(map_run)

                concurrency = max_conc or 0
                if not distributed:
                    concurrency = min(concurrency or INLINE_MAP_MAX_CONCURRENCY, INLINE_MAP_MAX_CONCURRENCY)
                join = Join(len(items), None, concurrency, tolerance)
                join.make = functools.partial(
                    self._map_child,
                    st,
                    branch,
                    join,
                    items,
                    eff,
                    start_prev,
                    variables,
                    processor,
                    selector,
                    entered,
                    eid,
                    map_run,
                )
                try:
                    results = yield (FORK, join)
                    if st.result_writer is not None:
                        results = self._write_results(st, eid, branch, join, items, run_arn, data, eff, ctx)
                except Failed as f:
                    if distributed:
                        self.record(branch, "MapRunFailed", _error_details(f))
                        if not f.terminal:
                            f = Failed(EXCEED_TOLERATED_FAILURE_THRESHOLD, msg.tolerated_threshold_exceeded())
                    raise f from None
                if distributed:
                    self.record(branch, "MapRunSucceeded")
                else:
                    self._sync_prev(branch)
                if jn:
                    states = {"input": data, "context": ctx, "result": results}
                    out = self.j_output(st, eid, branch, states, results)
                    assigned = self.j_assign(st, eid, branch, st.assign, states)
                    self._record_keep_prev(branch, "MapStateSucceeded")
                    self.exit(st, out, branch, visit, assigned)
                    return (None if st.end else st.next), out
                return self._container_result(st, eid, branch, visit, data, eff, results, ctx, "MapStateSucceeded")
            except Failed as f:
                handled = yield from self._state_failed(st, f, data, branch, visit, retriers, attempts)
                if handled is None:
                    retry_count += 1
                    continue
                return handled

    # -- Distributed Map: ItemReader, ItemBatcher, ResultWriter (see items.py) ---------------------------------
    def _dm_params(
        self,
        st: m.MapState,
        eid: int,
        branch: Branch,
        spec: Mapping[str, Any],
        field: str,
        eff: Any,
        ctx: Any,
        states: Any,
    ) -> Any:
        if st.query_language == "JSONata":
            return self.j_eval(st, eid, branch, spec.get("Arguments", {}), f"{field}/Arguments", states)
        try:
            return df.evaluate_template(spec.get("Parameters", {}), eff, ctx, branch.variables, self.rng)
        except Failed as f:
            raise self.state_error(st, eid, f) from None

    def _reader_items(self, st: m.MapState, eid: int, branch: Branch, eff: Any, ctx: Any, states: Any) -> Sequence[Any]:
        reader = st.item_reader or {}
        config = dict(reader.get("ReaderConfig") or {})
        params = self._dm_params(st, eid, branch, reader, "ItemReader", eff, ctx, states)
        max_items = config.get("MaxItems")
        if states is not None and isinstance(max_items, str):
            max_items = self.j_typed(st, eid, branch, max_items, "ItemReader/ReaderConfig/MaxItems", states, "integer")
        elif "MaxItemsPath" in config:
            max_items = self._map_number(
                None, config["MaxItemsPath"], "MaxItems", eff, ctx, branch.variables, "integer"
            )
        return items_mod.read_items(
            self.storage,
            str(reader.get("Resource", "")),
            params or {},
            config,
            int(max_items) if max_items is not None else None,
        )

    def _batches(
        self,
        st: m.MapState,
        eid: int,
        branch: Branch,
        items: Sequence[Any],
        eff: Any,
        data: Any,
        ctx: Any,
        selector: Any,
        entered: float,
    ) -> Sequence[Any]:
        spec = st.item_batcher or {}
        jn = st.query_language == "JSONata"
        states = {"input": data, "context": ctx}
        limits: dict[str, int | None] = {}
        for key in ("MaxItemsPerBatch", "MaxInputBytesPerBatch"):
            value = spec.get(key)
            if jn and isinstance(value, str):
                value = self.j_typed(st, eid, branch, value, f"ItemBatcher/{key}", states, "integer")
            elif not jn and f"{key}Path" in spec:
                try:
                    value = self._map_number(None, spec[f"{key}Path"], key, eff, ctx, branch.variables, "integer")
                except Failed as f:
                    raise self.state_error(st, eid, f) from None
            limits[key] = int(value) if value is not None else None
        batch_input = None
        if "BatchInput" in spec:
            batch_input = (
                self.j_eval(st, eid, branch, spec["BatchInput"], "ItemBatcher/BatchInput", states)
                if jn
                else df.evaluate_template(spec["BatchInput"], eff, ctx, branch.variables, self.rng)
            )
        if selector is not m.MISSING:
            selected = []
            for i, item in enumerate(items):
                item_ctx = self.context(st, entered, branch, {"Map": {"Item": {"Index": i, "Value": item}}})
                selected.append(
                    self.j_eval(st, eid, branch, selector, "ItemSelector", {"input": data, "context": item_ctx})
                    if jn
                    else df.evaluate_template(selector, eff, item_ctx, branch.variables, self.rng)
                )
            items = selected
        return items_mod.batch_items(items, limits["MaxItemsPerBatch"], limits["MaxInputBytesPerBatch"], batch_input)

    def _write_results(
        self,
        st: m.MapState,
        eid: int,
        branch: Branch,
        join: Join,
        items: Sequence[Any],
        run_arn: str,
        data: Any,
        eff: Any,
        ctx: Any,
    ) -> Any:
        spec = st.result_writer or {}
        params = self._dm_params(st, eid, branch, spec, "ResultWriter", eff, ctx, {"input": data, "context": ctx})

        def outcomes() -> Iterator[tuple[str, Any, Any]]:  # one child at a time: items may be decoded lazily
            for i in range(len(items)):
                failure = join.errors.get(i)
                if failure is None:
                    yield "SUCCEEDED", items[i], join.results[i]
                else:
                    yield "FAILED", items[i], {"Error": failure.error, "Cause": failure.cause}

        return items_mod.write_results(self.storage, params or {}, run_arn, self.exec_ctx["Id"], outcomes())

    def _state_failed(
        self,
        st: Any,
        f: Failed,
        data: Any,
        branch: Branch,
        visit: Visit | None,
        retriers: tuple[m.Retrier, ...],
        attempts: list[int],
    ) -> Gen:
        """Parallel and Map: record <Type>StateFailed when the failure ends the state, caught or not (a retried
        attempt records none, and a terminal run-time error is reported by ExecutionFailed alone), then
        Retry/Catch."""
        if not f.terminal and not _will_retry(retriers, attempts, f.error):
            self.record(branch, st.type + "StateFailed")
        return (yield from self._handle_error(st, f, data, branch, visit, retriers, attempts))

    def _j_tolerance(self, st: m.MapState, eid: int, branch: Branch, states: Any) -> Any:
        count, pct = st.tolerated_failure_count, st.tolerated_failure_percentage
        if count is not None:
            count = int(self.j_typed(st, eid, branch, count, "ToleratedFailureCount", states, "integer"))
        if pct is not None:
            pct = float(self.j_typed(st, eid, branch, pct, "ToleratedFailurePercentage", states, "number"))
        return self._tolerance_rule(count, pct)

    def _tolerance(self, st: m.MapState, eff: Any, ctx: Any, variables: Any) -> Any:
        count = self._map_number(
            st.tolerated_failure_count,
            st.tolerated_failure_count_path,
            "ToleratedFailureCount",
            eff,
            ctx,
            variables,
            "integer",
        )
        pct = self._map_number(
            st.tolerated_failure_percentage,
            st.tolerated_failure_percentage_path,
            "ToleratedFailurePercentage",
            eff,
            ctx,
            variables,
            "float",
        )
        return self._tolerance_rule(count, pct)

    def _tolerance_rule(self, count: int | None, pct: float | None) -> Any:
        if count is not None and count < 0:
            raise Failed(RUNTIME, msg.tolerated_count_negative(), terminal=True)
        if pct is not None and not 0 <= pct <= 100:
            raise Failed(RUNTIME, msg.tolerated_percentage_range(), terminal=True)

        def tolerated(failures: int, total: int) -> bool:
            if count is not None and failures <= count:
                return True
            return pct is not None and total > 0 and failures * 100.0 / total <= pct

        return tolerated

    def _map_number(
        self, value: Any, path: str | None, field: str, eff: Any, ctx: Any, variables: Any, kind: str
    ) -> Any:
        """A Map setting given literally or through its ``...Path`` form (numeric strings are accepted, as AWS does)."""
        if path is None:
            return value
        v = df.select(path, eff, ctx, variables)
        number: float | None = None
        if isinstance(v, int | float) and not isinstance(v, bool):
            number = v
        elif isinstance(v, str):
            try:
                number = int(v) if kind == "integer" else float(v)
            except ValueError:
                number = None
        if number is None or (kind == "integer" and not float(number).is_integer()):
            shown = v if isinstance(v, str) else _jdump(v)
            raise Failed(RUNTIME, msg.map_path_value_invalid(field, shown, kind, path), terminal=True)
        return int(number) if kind == "integer" else float(number)

    def _iteration_input(self, it: _Iteration, child: Branch) -> Any:
        """Start a Map iteration: record MapIterationStarted; the iteration's input (ItemSelector applied).
        A Distributed Map child is an execution of its own: its history starts with ExecutionStarted."""
        if child.sink is not None:
            data = it.item if it.selector is m.MISSING else self._selected(it, child)
            self.record(child, "ExecutionStarted", {"input": data, "roleArn": self.exec_ctx["RoleArn"]})
            return data
        self.record_io(child, "MapIterationStarted", it.state.name, "index", it.index)
        if it.selector is m.MISSING:
            return it.item
        return self._selected(it, child)

    def _selected(self, it: _Iteration, child: Branch) -> Any:
        st = it.state
        ctx = self.context(st, it.entered, child, {"Map": {"Item": {"Index": it.index, "Value": it.item}}})
        if st.query_language == "JSONata":
            return self.j_eval(
                st, it.entered_event_id, child, it.selector, "ItemSelector", {"input": it.map_input, "context": ctx}
            )
        return df.evaluate_template(it.selector, it.map_input, ctx, child.variables, self.rng)

    def _iteration_failed(self, it: _Iteration, child: Branch, f: Failed) -> Failed:
        if child.sink is not None:  # a Distributed Map child execution ends as an execution does
            self.record(child, "ExecutionFailed", _error_details(f))
            self._child_ended(child, "FAILED")
            return self.state_error(it.state, it.entered_event_id, f) if child.state is None else f
        last = child.prev
        self.record(child, "MapIterationFailed", {"index": it.index, "name": it.state.name})
        child.prev = last  # what follows the failure links to the iteration's last state event, as on AWS
        return self.state_error(it.state, it.entered_event_id, f) if child.state is None else f

    def _on_abort_iteration(self, child: Branch) -> None:
        join = child.join
        if join is not None and join.failed_branch is child:
            self._on_abort(child)  # the iteration that failed: only its open Task is closed
            return
        anchor = child.prev
        self._on_abort(child)
        if child.sink is not None:  # a Distributed Map child execution is stopped as an execution is
            self.record(child, "ExecutionAborted")
            self._child_ended(child, "ABORTED")
            return
        name = (
            join.parent.state.name
            if join is not None and join.parent is not None and join.parent.state is not None
            else ""
        )
        child.prev = anchor  # AWS links MapIterationAborted where the iteration's TaskStateAborted links, too
        self.record(child, "MapIterationAborted", {"index": child.index, "name": name})

    def _child_ended(self, child: Branch, status: str) -> None:
        """A Distributed Map child execution ended: its MapRun notes it (and drops its history if so asked)."""
        entry = self._children.pop(child, None)
        if entry is not None and child.sink is not None:
            run, index = entry
            run.child_ended(index, child.sink, status, self._now())

    _runners: ClassVar[dict[str, Any]] = {
        "Pass": s_pass,
        "Task": s_task,
        "Choice": s_choice,
        "Wait": s_wait,
        "Succeed": s_succeed,
        "Fail": s_fail,
        "Parallel": s_parallel,
        "Map": s_map,
    }


def _seconds_or_none(value: Any) -> float | None:
    """A TimeoutSeconds/HeartbeatSeconds value as float seconds (None if not a number), never past
    ``_MAX_SECONDS``: an integer read from the input may be too big for a float."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    return float(min(value, _MAX_SECONDS))


def _will_retry(retriers: tuple[m.Retrier, ...], attempts: list[int], error: str) -> bool:
    i = rt.find_retrier(retriers, error)
    return i is not None and attempts[i] < retriers[i].max_attempts


def _error_details(f: Failed) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if f.error is not None:
        d["error"] = f.error
    if f.cause is not None:
        d["cause"] = f.cause
    return d


def _as_text(value: Any) -> str | None:
    """A failure's error or cause as the text a history holds: a str as is, ``None`` as absent, a JSON value as its
    JSON text, anything else its ``str`` (never raising); lone surrogates escaped."""
    if value is None:
        return None
    if type(value) is not str:
        try:
            value = _jdump(value)
        except (TypeError, ValueError, RecursionError):
            return safe_str(value)
    return safe_str(value)


def _task_failure(e: TaskFailure) -> Failed:
    """The failure a handler's ``TaskFailure`` stands for, whatever it was given as error and cause."""
    return Failed(_as_text(getattr(e, "error", None)), _as_text(getattr(e, "cause", None)))  # type: ignore[arg-type]


def _copy(value: Any) -> Any:
    """A private copy for a handler, so a handler that mutates its input cannot rewrite recorded history."""
    return df.copy_json(value)
