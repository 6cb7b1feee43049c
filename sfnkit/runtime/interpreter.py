"""The states: one generator per state type, run by :mod:`sfnkit.runtime.scheduler`, and the events they record.

Implements ASL spec section "State Types" and AWS's history semantics: which events each state records, in what
order, with which details. Event details hold raw Python values; the :class:`~sfnkit.history.HistoryBuilder`
turns them into AWS's JSON text only when an event is read, which keeps JSON encoding off the hot path.

The hot loop reads top to bottom here: :meth:`Scheduler.drive <sfnkit.runtime.scheduler.Scheduler.drive>` resumes
a branch's :meth:`Interpreter.run_body`, which runs each state's runner (``s_pass``, ``s_task``, ... in
``Interpreter._runners``), which records its events with :meth:`Interpreter.record`. What a runner hands off
lives in objects the interpreter holds, one concept each:

* ``jn`` (:mod:`.jsonata_flow`): the JSONata fields (``Arguments``, ``Output``, ``Assign``, typed fields);
* ``invoker`` (:mod:`.invoke`): one attempt of a Task (Lambda, optimized integrations, ``.sync``, callbacks,
  activities, calling a handler);
* ``errors`` (:mod:`.failures`, beside :mod:`.retry`): Retry and Catch once a state failed;
* ``dm`` (:mod:`.distributed_map`): ItemReader, ItemBatcher, ResultWriter, tolerance and child executions.

Conventions
-----------
* A state generator returns ``(next_state_name_or_None, output)`` or raises :class:`Failed`.
* ``branch.prev`` is the id of the last event of the branch: each new event's ``previousEventId``.
* Failures raised by data-flow functions carry only AWS's cause *detail*; :func:`.failures.state_error`
  adds the "An error occurred while executing the state ..." prefix where AWS does.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Generator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Final

from sfnkit import messages as msg
from sfnkit.asl import model as m
from sfnkit.asl.timestamps import format_timestamp, parse_timestamp
from sfnkit.errors import (
    DATA_LIMIT_EXCEEDED,
    NO_CHOICE_MATCHED,
    QUERY_EVALUATION_ERROR,
    RUNTIME,
    StatesError,
)
from sfnkit.history import events as ev
from sfnkit.history.map_runs import MapRun
from sfnkit.history.model import HistoryBuilder
from sfnkit.runtime import dataflow as df
from sfnkit.runtime.failures import ErrorHandler, state_error
from sfnkit.runtime.plan import plan_for, reads_context
from sfnkit.runtime.resources import (
    Resources,
)
from sfnkit.runtime.scheduler import (
    CHECKPOINT,
    FORK,
    SLEEP,
    Branch,
    ChildHistoryFull,
    Failed,
    HistoryFull,
    Join,
    Scheduler,
)
from sfnkit.runtime.visits import OpenVisit, Visit, VisitLog
from sfnkit.types import StateMocks, Storage

if TYPE_CHECKING:
    from sfnkit.runtime.distributed_map import DistributedMap
    from sfnkit.runtime.invoke import Invoker
    from sfnkit.runtime.jsonata_flow import JsonataFlow

__all__ = ["Interpreter", "Visit"]

Gen = Generator[Any, Any, Any]

#: AWS's quota of events in one STANDARD execution's history. AWS: "When an execution reaches 24,999 events, it
#: waits for the next event to happen. If the event number 25,000 is ExecutionSucceeded, the execution finishes
#: successfully"; any other event in that place becomes ExecutionFailed (States.Runtime) instead.
MAX_HISTORY_EVENTS = 25_000
#: The events that may take a Distributed Map child execution's last place (its end; see MAX_HISTORY_EVENTS).
_CHILD_ENDS: Final = frozenset({ev.EXECUTION_SUCCEEDED, ev.EXECUTION_FAILED, ev.EXECUTION_ABORTED})
#: The longest Wait or Seconds(Path) counted, so that no deadline overflows a float (the execution's own maximum
#: duration, a year at most, ends it long before).
_MAX_SECONDS = 10**12
#: AWS runs at most this many iterations of an inline Map at once, whatever its MaxConcurrency ("In Inline
#: mode, the Map state supports up to 40 concurrent iterations"); iteration 41 starts when one ends.
INLINE_MAP_MAX_CONCURRENCY = 40


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


# The event types a state's entry and exit record, one string object each: a type built per event (st.type +
# "StateEntered") would keep one fresh 65-byte string per event in the history's type column.
_ENTERED: Final = ev.STATE_ENTERED
_EXITED: Final = ev.STATE_EXITED  # a Fail state never exits


class Interpreter:
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
        storage: Storage | None = None,
        mocks: StateMocks | None = None,
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
        self.visits = VisitLog()  # the visits and their data-flow stages, compactly (runtime/visits.py)
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
        self._add = builder.add  # bound once: record() is the hottest call of all
        self._add_io = builder.add_state_io
        self._now = scheduler.clock.now
        self.task_seconds = [0.0]  # virtual_sleep's box while this execution drives (see track_virtual_time)
        plan = plan_for(sm)  # per-state facts derived once per machine, shared by its executions (plan.py)
        self._needs_ctx = plan.needs_context
        self._static_size = plan.static_size
        self._flows = plan.task_flow
        # the concepts the state runners hand work to, each in its own module
        self.errors = ErrorHandler(self)  # Retry and Catch (failures.py)
        # and jn, invoker and dm below, made on first use

    # Made when first needed, so that a machine that has no JSONata, no Task or no Distributed Map never imports
    # the JSONata engine, the Lambda runtime or the item readers (a fresh process's first run, bench --cold).
    @functools.cached_property
    def jn(self) -> JsonataFlow:
        """JSONata fields: Arguments, Output, Assign, ... (jsonata_flow.py)."""
        from sfnkit.runtime.jsonata_flow import JsonataFlow

        return JsonataFlow(self)

    @functools.cached_property
    def invoker(self) -> Invoker:
        """One attempt of a Task: Lambda, services, .sync, callbacks (invoke.py)."""
        from sfnkit.runtime.invoke import Invoker

        return Invoker(self)

    @functools.cached_property
    def dm(self) -> DistributedMap:
        """ItemReader, ItemBatcher, ResultWriter, child executions (distributed_map.py)."""
        from sfnkit.runtime.distributed_map import DistributedMap

        return DistributedMap(self)

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
            flag = self._needs_ctx[st.location] = (
                st.type == "Task" or st.query_language == "JSONata" or reads_context(st.raw)
            )
        return flag

    def record(self, branch: Branch, type: str, details: dict[str, Any] | None = None) -> int:
        sink = branch.sink  # the child execution of a distributed Map records into its own history
        if sink is not None:
            eid: int = sink.add(type, branch.prev, self._now(), details)
            if eid >= self.max_events and type not in _CHILD_ENDS:
                return self._child_past_limit(branch, sink)
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

    def _child_past_limit(self, branch: Branch, sink: HistoryBuilder) -> int:
        """A Distributed Map child execution is an execution: its history has the same limit, and the same last
        place for its end. Take the event back; a running child fails there (ChildHistoryFull), a child being
        stopped (aborted events) drops it."""
        sink.discard_last()
        if branch.dead:
            return branch.prev
        raise ChildHistoryFull(RUNTIME, msg.history_limit(self.max_events), terminal=True)

    def record_at(self, branch: Branch, type: str, details: dict[str, Any] | None, at: float) -> int:
        """``record()``, stamped ``at``: a task's ``...TimedOut`` event, at the deadline when Step Functions
        stopped waiting (on a wall clock the handler returned later; see clock.py, "When a task times out")."""
        now = self._now
        self._now = lambda: at
        try:
            return self.record(branch, type, details)
        finally:
            self._now = now

    def heartbeat(self, token: str) -> bool:
        """SendTaskHeartbeat from the handler call running now (an activity worker): True if it took it."""
        return self.invoker.heartbeat(token)

    def record_io(self, branch: Branch, type: str, name: str, key: str, value: Any) -> int:
        """``record(branch, type, {"name": name, key: value})``: a state's Entered or Exited event, which the
        builder keeps in a compact form (most events of a big run are these)."""
        sink = branch.sink
        if sink is not None:
            eid: int = sink.add_state_io(type, branch.prev, self._now(), name, key, value)
            if eid >= self.max_events:
                return self._child_past_limit(branch, sink)
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
        if iteration is not None and _own_history(branch):  # a Distributed Map child execution
            self.dm.child_succeeded(branch, data)
        elif iteration is not None:  # the branch stays linked to its last state event (see _map_child)
            last = branch.prev  # MapIterationSucceeded is not linked to by the branch's next event
            self.record_io(branch, ev.MAP_ITERATION_SUCCEEDED, iteration.state.name, "index", iteration.index)
            branch.prev = last
        return data

    # -- entering and leaving ---------------------------------------------------------------------------
    def enter(self, st: m.State, data: Any, branch: Branch, open_visit: bool = True) -> tuple[int, OpenVisit | None]:
        branch.entered_prev = branch.prev
        eid = self.record_io(branch, _ENTERED[st.type], st.name, "input", data)
        # the branch is in the state once its Entered event is recorded, not before: an abort (Ctrl-C, a sibling's
        # failure) closes only a state that was entered
        branch.state = st
        visit = None
        if self.keep_stages and open_visit:
            # branches replace their variables dict on Assign (never mutate it), so keeping it costs nothing
            visit = self.visits.open(st.name, eid, branch.index, data, branch.variables, branch.scope)
        return eid, visit

    def exit(
        self, st: m.State, output: Any, branch: Branch, visit: OpenVisit | None, assigned: dict[str, Any] | None = None
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
            self.visits.close(visit)  # the state is done with it: packed into the log's columns

    def assign(self, template: Mapping[str, Any] | None, value: Any, ctx: Any, branch: Branch) -> dict[str, Any] | None:
        """Evaluate an ``Assign`` (JSONPath flavour: a payload template over ``value``) and update the branch's
        variables. Every expression sees the variables as they were before this Assign; the branch's dict is
        replaced, never mutated, so Parallel branches and Map iterations that share it cannot leak into it."""
        if template is None:
            return None
        new: dict[str, Any] = df.evaluate_template(template, value, ctx, branch.variables, self.rng)
        df.check_variable_sizes(branch.state, new)
        branch.variables = {**branch.variables, **new}
        return new

    # -- Pass ---------------------------------------------------------------------------------------------
    def s_pass(self, st: m.PassState, data: Any, branch: Branch) -> Gen:
        entered = self.clock.now()
        if st.query_language == "JSONata":
            eid, visit = self.enter(st, data, branch)
            states = {"input": data, "context": self.context(st, entered, branch)}
            out = self.jn.output(st, eid, branch, states, data)
            assigned = self.jn.assign(st, eid, branch, st.assign, states)
            self.exit(st, out, branch, visit, assigned)
            return (None if st.end else st.next), out
        # JSONPath: nothing runs between the Entered and Exited events, so the visit is recorded whole once the
        # state has exited (VisitLog.add_pass: most visits of a big run are these), or opened if it does not
        eid, _ = self.enter(st, data, branch, open_visit=False)
        variables = branch.variables
        try:
            ctx = self.context(st, entered, branch) if self.needs_context(st) else None
            eff = df.apply_input_path(st.input_path, data, ctx, variables)
            params = df.evaluate_template(st.parameters, eff, ctx, variables, self.rng) if st.has_parameters else eff
            result = st.result if st.has_result else params
            assigned = self.assign(st.assign, result, ctx, branch)
            after_result_path = df.apply_result_path(st.result_path, data, result)
            out = df.apply_output_path(st.output_path, after_result_path, ctx, variables)
            if st.has_result and self._result_size(st) > df.MAX_PAYLOAD_BYTES:
                raise Failed(DATA_LIMIT_EXCEEDED, msg.data_limit_exceeded(st.name), terminal=True)
        except BaseException as e:
            self._pass_unfinished(st, eid, data, variables, branch, {})
            if isinstance(e, Failed):
                raise state_error(st, eid, e) from None
            raise
        try:
            self.exit(st, out, branch, None, assigned)
        except BaseException:  # the history's limit, an interrupt
            stages = {"afterInputPath": eff, "afterParameters": params, "result": result}
            self._pass_unfinished(st, eid, data, variables, branch, {**stages, "afterResultPath": after_result_path})
            raise
        if self.keep_stages:
            self.visits.add_pass(
                st.name, eid, branch.index, variables, branch.scope, data, eff, params, result, after_result_path, out,
                assigned,
            )  # fmt: skip
        return (None if st.end else st.next), out
        yield  # pragma: no cover - makes this a generator

    def _pass_unfinished(
        self, st: m.PassState, eid: int, data: Any, variables: Any, branch: Branch, stages: dict[str, Any]
    ) -> None:
        """The visit of a JSONPath Pass state that did not exit: open, with the stages it reached (as every state
        that fails or is interrupted keeps it; never lost)."""
        if self.keep_stages:
            visit = self.visits.open(st.name, eid, branch.index, data, variables, branch.scope)
            visit.stages.update(stages)

    # -- Succeed / Fail ------------------------------------------------------------------------------------
    def s_succeed(self, st: m.SucceedState, data: Any, branch: Branch) -> Gen:
        entered = self.clock.now()
        eid, visit = self.enter(st, data, branch)
        if st.query_language == "JSONata":
            states = {"input": data, "context": self.context(st, entered, branch)}
            out = self.jn.output(st, eid, branch, states, data)
            self.exit(st, out, branch, visit)
            return None, out
        try:
            ctx = self.context(st, entered, branch) if self.needs_context(st) else None
            eff = df.apply_input_path(st.input_path, data, ctx, branch.variables)
            out = df.apply_output_path(st.output_path, eff, ctx, branch.variables)
        except Failed as f:
            raise state_error(st, eid, f) from None
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
                error = self.jn.typed(st, eid, branch, error, "Error", states, "string")
            if cause is not None:
                cause = self.jn.typed(st, eid, branch, cause, "Cause", states, "string")
            if visit is not None:
                visit.error = (error or "", cause)
            raise Failed(error or "", cause)
        try:
            ctx = self.context(st, entered, branch)
            if st.error_path is not None:
                error = self._string_or_intrinsic(st.error_path, "ErrorPath", data, ctx, branch)
            if st.cause_path is not None:
                cause = self._string_or_intrinsic(st.cause_path, "CausePath", data, ctx, branch)
        except Failed as f:
            raise state_error(st, eid, f) from None
        if visit is not None:
            visit.error = (error or "", cause)
        raise Failed(error or "", cause)
        yield  # pragma: no cover

    def _string_or_intrinsic(self, expr: str, field: str, data: Any, ctx: Any, branch: Branch) -> str:
        from sfnkit.asl import intrinsics

        if intrinsics.is_intrinsic(expr):
            value = df.evaluate_template({"v.$": expr}, data, ctx, branch.variables, self.rng)["v"]
        else:
            value = df.select_field(expr, field, data, ctx, branch.variables)
        return value if isinstance(value, str) else df.json_text(value)

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
                    cond = self.jn.typed(st, eid, branch, cond, "Condition", states, "boolean")
                if cond is True:
                    matched, nxt = rule, rule.next
                    break
            if nxt is None:
                nxt = st.default
            if nxt is None:
                raise Failed(NO_CHOICE_MATCHED, msg.no_choice_matched(st.name))
            holder = matched if matched is not st and (matched.has_output or matched.assign is not None) else st
            out = self.jn.output(st, eid, branch, states, data, holder)
            assigned = self.jn.assign(st, eid, branch, holder.assign, states)
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
            raise state_error(st, eid, f) from None
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
        try:
            return bool(operators.compile_operator(op, rule.operand)(value, present))
        except StatesError as e:  # a predicate that fails when evaluated (StringMatches with an open escape)
            raise Failed(e.error, e.cause, terminal=e.error == RUNTIME) from None

    # -- Wait ---------------------------------------------------------------------------------------------
    def s_wait(self, st: m.WaitState, data: Any, branch: Branch) -> Gen:
        entered = self.clock.now()
        eid, visit = self.enter(st, data, branch)
        if st.query_language == "JSONata":
            states = {"input": data, "context": self.context(st, entered, branch)}
            if st.seconds is not None:
                seconds = self.jn.typed(st, eid, branch, st.seconds, "Seconds", states, "integer")
                until = entered + min(int(seconds), _MAX_SECONDS)
            else:
                text = self.jn.typed(st, eid, branch, st.timestamp, "Timestamp", states, "string")
                ts = parse_timestamp(text)
                if ts is None:
                    raise self.jn.evaluation_failed(
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
            out = self.jn.output(st, eid, branch, states, data)
            assigned = self.jn.assign(st, eid, branch, st.assign, states)
            self.exit(st, out, branch, visit, assigned)
            return (None if st.end else st.next), out
        try:
            ctx = self.context(st, entered, branch)
            variables = branch.variables
            eff = df.apply_input_path(st.input_path, data, ctx, variables)
            until = self._wait_until(st, eff, ctx, variables, entered)
        except Failed as f:
            raise state_error(st, eid, f) from None
        if until > self.clock.now():
            yield (SLEEP, until)
        try:
            assigned = self.assign(st.assign, eff, ctx, branch)
            out = df.apply_output_path(st.output_path, eff, ctx, variables)
        except Failed as f:
            raise state_error(st, eid, f) from None
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
                raise Failed(RUNTIME, msg.seconds_path_not_long(path, df.json_text(value)), terminal=True)
            if value < 0:
                raise Failed(RUNTIME, msg.seconds_path_negative(path, df.json_text(value)), terminal=True)
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
            shown = value if isinstance(value, str) else df.json_text(value)
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
                        self.jn.evaluate(st, eid, branch, st.parameters, "Arguments", states)
                        if st.has_parameters
                        else data
                    )
                    timeout = self.jn.seconds(st, eid, branch, st.timeout_seconds, "TimeoutSeconds", states)
                    heartbeat = self.jn.seconds(st, eid, branch, st.heartbeat_seconds, "HeartbeatSeconds", states)
                    role = (
                        self.jn.evaluate(st, eid, branch, st.credentials.get("RoleArn"), "Credentials/RoleArn", states)
                        if isinstance(st.credentials, dict)
                        else None
                    )
                    self.invoker.check_request(st, eid, params, role)
                    result = yield from self.invoker.invoke(
                        st, params, ctx, branch, timeout, heartbeat, retry_count, role
                    )
                    states = {"input": data, "context": ctx, "result": result}
                    out = self.jn.output(st, eid, branch, states, result)
                    assigned = self.jn.assign(st, eid, branch, st.assign, states)
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
                        raise state_error(st, eid, f) from None
                    self.invoker.check_request(st, eid, params, role)
                result = yield from self.invoker.invoke(st, params, ctx, branch, timeout, heartbeat, retry_count, role)
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
                        raise state_error(st, eid, f) from None
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
                handled = yield from self.errors.handle(st, f, data, branch, visit, retriers, attempts)
                if handled is None:
                    retry_count += 1
                    continue
                return handled

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
                        self.jn.evaluate(st, eid, branch, st.parameters, "Arguments", {"input": data, "context": ctx})
                        if st.has_parameters
                        else data
                    )
                else:
                    try:
                        eff = df.apply_input_path(st.input_path, data, ctx, variables)
                        if st.has_parameters:
                            eff = df.evaluate_template(st.parameters, eff, ctx, variables, self.rng)
                    except Failed as f:
                        raise state_error(st, eid, f) from None
                self.record(branch, ev.PARALLEL_STATE_STARTED)
                if retry_count:  # a Retrier restarted the Parallel: one more transition
                    self.retries += 1
                start_prev = branch.prev

                join = Join(len(st.branches), None)
                join.make = functools.partial(self._parallel_child, st, branch, join, eff, start_prev, variables)
                results = yield (FORK, join)
                self._sync_prev(branch)
                # AWS writes ParallelStateSucceeded (the recorded cases drop it when they sort branch events);
                # the next event links past it, to the branches' last event, as MapStateExited does
                self._record_keep_prev(branch, ev.PARALLEL_STATE_SUCCEEDED)
                if jn:
                    states = {"input": data, "context": ctx, "result": results}
                    out = self.jn.output(st, eid, branch, states, results)
                    assigned = self.jn.assign(st, eid, branch, st.assign, states)
                    self.exit(st, out, branch, visit, assigned)
                    return (None if st.end else st.next), out
                return self._container_result(st, eid, branch, visit, data, eff, results, ctx)
            except Failed as f:
                handled = yield from self.errors.state_failed(st, f, data, branch, visit, retriers, attempts)
                if handled is None:
                    retry_count += 1
                    continue
                return handled

    def _container_result(
        self,
        st: Any,
        eid: int,
        branch: Branch,
        visit: OpenVisit | None,
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
            raise state_error(st, eid, f) from None
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
        child.sink = parent.sink  # inside a Distributed Map's child execution, its branches record into its history
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
            self.dm.child_started(run, i, child)
        else:  # an inline Map's iteration records where its Map does (a child execution's own history, maybe)
            child.sink = parent.sink
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
        sink = branch.sink
        branch.prev = sink.last_id if sink is not None else self.builder.last_id

    def _on_abort(self, child: Branch) -> None:
        """A branch stopped from outside: close the state it was in (Task, Wait, Map, Parallel). The branch whose
        failure ended its Parallel/Map gets this too, for a Task (the recorded cases show it), since that Task
        never exited; a failed Map or Parallel inside it already recorded its own failure."""
        st = child.state
        if st is None:
            return
        failed_here = child.join is not None and child.join.failed_branch is child
        if st.type == "Task" or (not failed_here and st.type in ("Wait", "Map", "Parallel")):
            self.record(child, ev.STATE_ABORTED[st.type])

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
                        items = self.dm.reader_items(st, eid, branch, data, ctx, states)
                    elif st.has_items:
                        items = self.jn.typed(st, eid, branch, st.items, "Items", states, "array")
                    else:
                        items = self.jn.array_input(st, eid, branch, data)
                    max_conc = st.max_concurrency
                    if max_conc is not None:
                        max_conc = int(self.jn.typed(st, eid, branch, max_conc, "MaxConcurrency", states, "integer"))
                else:
                    try:
                        eff = df.apply_input_path(st.input_path, data, ctx, variables)
                        if st.item_reader is not None:  # a list, or a lazy sequence of a big object's items
                            items = self.dm.reader_items(st, eid, branch, eff, ctx, None)
                        else:
                            items = (
                                df.select(st.items_path, eff, ctx, variables)
                                if st.items_path not in (None, "$")
                                else eff
                            )
                            if not isinstance(items, list):
                                raise Failed(RUNTIME, msg.map_input_not_array(df.json_text(items)), terminal=True)
                        from sfnkit.runtime.distributed_map import map_number

                        max_conc = map_number(
                            st.max_concurrency,
                            st.max_concurrency_path,
                            "MaxConcurrency",
                            eff,
                            ctx,
                            variables,
                            "integer",
                        )
                    except Failed as f:
                        raise state_error(st, eid, f) from None
                # with an ItemReader, AWS reads the items inside the map run: MapStateStarted counts none
                self.record(branch, ev.MAP_STATE_STARTED, {"length": 0 if st.item_reader is not None else len(items)})
                if retry_count:  # a Retrier restarted the Map: one more transition
                    self.retries += 1
                tolerance = None
                run_arn = ""
                if distributed:
                    # AWS reads the tolerated-failure settings after MapStateStarted
                    tolerance = self.dm.tolerance(st, eid, branch, data, eff, ctx, variables)
                    run_arn = self.dm.start(st, branch, items)
                start_prev = branch.prev
                processor = st.processor
                assert processor is not None
                selector = st.item_selector if st.has_item_selector else m.MISSING
                if st.item_batcher is not None:
                    # AWS applies ItemSelector to each item, then groups the selected items into batches
                    items = self.dm.batches(st, eid, branch, items, eff, data, ctx, selector, entered)
                    selector = m.MISSING
                map_run = self.dm.open_run(st, run_arn, len(items)) if distributed else None

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
                        results = self.dm.write_results(st, eid, branch, join, items, run_arn, data, eff, ctx)
                except Failed as f:
                    if distributed:
                        f = self.dm.failed(branch, f)
                    raise f from None
                if distributed:
                    self.dm.succeeded(branch)
                else:
                    self._sync_prev(branch)
                if jn:
                    states = {"input": data, "context": ctx, "result": results}
                    out = self.jn.output(st, eid, branch, states, results)
                    assigned = self.jn.assign(st, eid, branch, st.assign, states)
                    self._record_keep_prev(branch, ev.MAP_STATE_SUCCEEDED)
                    self.exit(st, out, branch, visit, assigned)
                    return (None if st.end else st.next), out
                return self._container_result(st, eid, branch, visit, data, eff, results, ctx, ev.MAP_STATE_SUCCEEDED)
            except Failed as f:
                handled = yield from self.errors.state_failed(st, f, data, branch, visit, retriers, attempts)
                if handled is None:
                    retry_count += 1
                    continue
                return handled

    def _iteration_input(self, it: _Iteration, child: Branch) -> Any:
        """Start a Map iteration: record MapIterationStarted; the iteration's input (ItemSelector applied).
        A Distributed Map child is an execution of its own: its history starts with ExecutionStarted."""
        if _own_history(child):
            data = it.item if it.selector is m.MISSING else self._selected(it, child)
            self.dm.child_execution_started(child, data)
            return data
        self.record_io(child, ev.MAP_ITERATION_STARTED, it.state.name, "index", it.index)
        if it.selector is m.MISSING:
            return it.item
        return self._selected(it, child)

    def _selected(self, it: _Iteration, child: Branch) -> Any:
        st = it.state
        ctx = self.context(st, it.entered, child, {"Map": {"Item": {"Index": it.index, "Value": it.item}}})
        if st.query_language == "JSONata":
            return self.jn.evaluate(
                st, it.entered_event_id, child, it.selector, "ItemSelector", {"input": it.map_input, "context": ctx}
            )
        return df.evaluate_template(it.selector, it.map_input, ctx, child.variables, self.rng)

    def _iteration_failed(self, it: _Iteration, child: Branch, f: Failed) -> Failed:
        if _own_history(child):  # a Distributed Map child execution ends as an execution does
            self.dm.child_failed(child, f)
            if isinstance(f, ChildHistoryFull):
                # the child's own end: for the map run, one failed child execution, which its tolerated-failure
                # settings count like any other (not a run-time error of the parent's)
                return Failed(f.error, f.cause)
            return state_error(it.state, it.entered_event_id, f) if child.state is None else f
        last = child.prev
        self.record(child, ev.MAP_ITERATION_FAILED, {"index": it.index, "name": it.state.name})
        child.prev = last  # what follows the failure links to the iteration's last state event, as on AWS
        return state_error(it.state, it.entered_event_id, f) if child.state is None else f

    def _on_abort_iteration(self, child: Branch) -> None:
        join = child.join
        if join is not None and join.failed_branch is child:
            self._on_abort(child)  # the iteration that failed: only its open Task is closed
            return
        anchor = child.prev
        self._on_abort(child)
        if _own_history(child):  # a Distributed Map child execution is stopped as an execution is
            self.dm.child_aborted(child)
            return
        name = (
            join.parent.state.name
            if join is not None and join.parent is not None and join.parent.state is not None
            else ""
        )
        child.prev = anchor  # AWS links MapIterationAborted where the iteration's TaskStateAborted links, too
        self.record(child, ev.MAP_ITERATION_ABORTED, {"index": child.index, "name": name})

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


def _own_history(branch: Branch) -> bool:
    """Whether ``branch`` records into a history of its own, not its parent's: a Distributed Map's child execution
    (the branches and inline Map iterations inside one record into the child's history, as their parent does)."""
    sink = branch.sink
    if sink is None:
        return False
    join = branch.join
    parent = join.parent if join is not None else None
    return parent is None or sink is not parent.sink
