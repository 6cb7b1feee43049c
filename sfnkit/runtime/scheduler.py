"""The scheduler: runs branch coroutines, owns the clock, and is the only place that advances time.

Every branch of work (the top level, each Parallel branch, each Map iteration) is a generator that yields
commands (tuples, first item an opcode):

``(CHECKPOINT, state, input)``
    about to enter ``state`` with ``input``: where branches interleave (the branch goes to the back of the
    queue) and, when its turn comes, where stepping and breakpoints stop.
``(SLEEP, until)``
    resume at virtual time ``until`` (Wait states, retry backoff, a task's virtual duration).
``LATER`` (the one-item tuple ``(DEFER,)``)
    resume at the same instant, once every branch that is ready now has run (how all tasks started at one
    instant record their Started events before any records its result, as on AWS). Same as ``(SLEEP, now)``,
    without a timer or a clock read.
``(FORK, join)``
    run the children of a :class:`Join` (Parallel branches, Map iterations) and resume with their results, or
    with the failure that ended them.
``(PAUSE, state, reason)``
    a state failed: stop here when breaking on errors (the debugger), else carry on at once.
``(TOKEN, wait)``
    park until ``send_task_success/failure`` answers the task token, or its timeout/heartbeat fires.

**Deterministic order.** Runnable branches sit in one FIFO queue. A branch that reaches a checkpoint goes to
the back of the queue, so branches advance round-robin, one state at a time, in the order they were started
(Parallel branches by index, Map iterations by item index). When nothing is runnable, the clock jumps to the
earliest timer; timers due at the same instant fire in the order they were set. Nothing reads the OS clock
unless a ``WallClock`` is used.
"""

from __future__ import annotations

import functools
import heapq
from collections import deque
from collections.abc import Callable, Generator
from typing import Any

from sfnkit.errors import HEARTBEAT_TIMEOUT, TIMEOUT
from sfnkit.runtime.clock import Clock

__all__ = [
    "CHECKPOINT",
    "DEFER",
    "FORK",
    "LATER",
    "PAUSE",
    "SLEEP",
    "TOKEN",
    "Branch",
    "Failed",
    "HistoryFull",
    "Join",
    "Scheduler",
    "TokenWait",
]

CHECKPOINT = 0
SLEEP = 1
PAUSE = 4  # (PAUSE, state, reason): stop here if the caller asked to (break on error)
_AT_CHECKPOINT: Any = object()  # queued value: "this branch is about to enter branch.state"
FORK = 2
TOKEN = 3
DEFER = 5
LATER = (DEFER,)


class Failed(Exception):
    """A failure travelling through the interpreter: an ASL error name and cause.

    The one failure type inside the runtime, from the state that fails to the Retry/Catch that handles it or the
    execution's end; the pure ASL functions raise :class:`sfnkit.errors.StatesError` instead, which the runtime
    converts into this where it calls them (see :mod:`sfnkit.errors` for why there are two). ``terminal``
    failures (States.Runtime and friends) skip Retry and Catch and end the execution.
    """

    __slots__ = ("cause", "error", "terminal")

    def __init__(self, error: str, cause: str | None = None, *, terminal: bool = False) -> None:
        super().__init__(error)
        self.error = error
        self.cause = cause
        self.terminal = terminal

    def __repr__(self) -> str:
        return f"Failed({self.error!r}, {self.cause!r})"

    def detach(self) -> Failed:
        """Drop the Python traceback and chained exceptions, once caught. A Failed means its error and cause;
        its traceback reaches the frames that raised it, which still hold it: a reference cycle per failure
        that only the cycle collector would free (with everything those frames hold)."""
        self.__traceback__ = None
        self.__context__ = None
        self.__cause__ = None
        return self


class HistoryFull(Exception):
    """The history holds all the events it may (AWS: 25,000) but the execution's end: the execution fails now.

    Raised by the interpreter when it is about to record an event that would be the last one a history may hold;
    it is not a state failure (no Retry or Catch sees it), so it travels out of the scheduler to the execution,
    which records ``ExecutionFailed`` as that last event."""


class Branch:
    """One running coroutine plus where it reports when it ends."""

    __slots__ = (
        "dead",
        "depth",
        "entered_prev",
        "gen",
        "index",
        "join",
        "next_input",
        "next_state",
        "on_abort",
        "prev",
        "scope",
        "sink",
        "state",
        "variables",
        "waiting",
    )

    def __init__(
        self, gen: Generator[Any, Any, Any] | None, join: Join | None, index: int, prev: int, variables: Any = None
    ) -> None:
        self.gen = gen
        self.join = join
        self.index = index
        self.prev = prev  # id of the last event recorded in this branch (AWS's previousEventId chain)
        self.state: Any = None  # the state being executed, for abort events and the debugger
        self.dead = False
        self.waiting: Join | TokenWait | None = None
        self.on_abort: Callable[[Branch], None] | None = None
        self.variables = variables
        self.sink: Any = None  # a separate HistoryBuilder (child executions of a distributed Map)
        self.entered_prev = 0  # previousEventId of the current state's Entered event
        self.next_state: Any = None  # the state this branch is about to enter (at a checkpoint)
        self.next_input: Any = None  # ... and its input, for conditional breakpoints
        self.depth = 0  # 0 for the top level, +1 per Parallel/Map nesting
        self.scope: tuple[
            tuple[str, int], ...
        ] = ()  # (Parallel or Map state name, branch or item index), outermost first


class Join:
    """Children of a Parallel or Map, their results, and the concurrency and failure rules."""

    __slots__ = (
        "children",
        "done",
        "errors",
        "failed",
        "failed_branch",
        "failures",
        "make",
        "max_concurrency",
        "next_index",
        "parent",
        "pending",
        "results",
        "running",
        "start_prev",
        "tolerance",
        "total",
    )

    def __init__(
        self,
        total: int,
        make: Callable[[int], Branch] | None,
        max_concurrency: int = 0,
        tolerance: Callable[[int, int], bool] | None = None,
    ) -> None:
        self.total = total
        self.make: Callable[[int], Branch] = make or _no_children  # index -> a new Branch, created lazily
        self.max_concurrency = max_concurrency
        self.tolerance = tolerance  # (failures, total) -> still tolerated?
        self.results: list[Any] = [None] * total
        self.pending = total
        self.next_index = 0
        self.running: dict[int, Branch] = {}
        self.children: list[Branch] = []
        self.failures = 0
        self.failed: Failed | None = None
        self.failed_branch: Branch | None = None
        self.errors: dict[int, Failed] = {}  # tolerated failures, by child index
        # previousEventId for the next child's first event, once a child has ended (None: the factory decides)
        self.start_prev: int | None = None
        self.parent: Branch | None = None
        self.done = False


def _no_children(i: int) -> Branch:  # pragma: no cover - a Join is always given its factory before it forks
    raise RuntimeError("this Join has no child factory")


class TokenWait:
    """A task parked on ``.waitForTaskToken`` (or an activity)."""

    __slots__ = ("branch", "heartbeat", "heartbeat_deadline", "timeout_deadline", "token")

    def __init__(self, token: str, timeout: float | None, heartbeat: float | None) -> None:
        self.token = token
        self.branch: Branch | None = None
        self.heartbeat = heartbeat
        self.timeout_deadline: float | None = None
        self.heartbeat_deadline: float | None = None


class Scheduler:
    """Runs branches until there is nothing left to do, or until asked to pause."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.ready: deque[tuple[Branch, Any, BaseException | None]] = deque()
        # branches that yielded (SLEEP, now): they run, in order, once nothing else is ready (cheaper than timers)
        self.deferred: deque[tuple[Branch, Any, BaseException | None]] = deque()  # same items as ``ready``
        self.timers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = 0
        self.tokens: dict[str, TokenWait] = {}
        self.pause_check: Callable[[Any, Branch], bool] | None = None
        self.on_end: Callable[[Branch, Any, Failed | None], None] = lambda b, v, f: None
        self.paused_at: tuple[Any, Branch] | None = None
        self.pause_reason: str | None = None
        self.pause_on_error = False

    # -- queueing ----------------------------------------------------------------------------------------
    def start(self, branch: Branch) -> None:
        self.ready.append((branch, None, None))

    def at(self, when: float, action: Callable[[], None]) -> None:
        self._seq += 1
        heapq.heappush(self.timers, (when, self._seq, action))

    def resume(self, branch: Branch, value: Any = None, exc: BaseException | None = None) -> None:
        if not branch.dead:
            self.ready.append((branch, value, exc))

    # -- the loop ----------------------------------------------------------------------------------------
    def drive(self, let_time_pass: bool = False) -> str:
        """Run until paused ("paused"), blocked on task tokens ("waiting") or out of work ("idle").

        While a task token is pending and nothing else is runnable, time stops ("waiting"), so the caller can
        answer it; ``let_time_pass=True`` lets the clock move on to the next timer instead (heartbeat and
        timeout deadlines then fire).
        """
        ready = self.ready
        timers = self.timers
        clock = self.clock
        pause_check = self.pause_check
        real_time = getattr(clock, "real_time", False)
        while True:
            if real_time and timers and timers[0][0] <= clock.now():
                # a wall clock moved while work ran (a slow handler): deadlines that fell due meanwhile (the
                # execution's TimeoutSeconds) fire before anything else runs
                self.fire_due()
                continue
            if not ready and self.deferred:  # the deferred branches, in order, become the ready queue
                self.ready, self.deferred = self.deferred, ready
                ready = self.ready
                continue
            if not ready:
                if not timers or (self.tokens and not let_time_pass):
                    return "waiting" if self.tokens else "idle"
                # fire every timer due at the earliest instant before running anything: work that falls due at
                # the same moment (sibling tasks timing out together) is recorded together, as AWS does
                when, _, action = heapq.heappop(timers)
                clock.advance_to(when)
                action()
                while timers and timers[0][0] <= when:
                    heapq.heappop(timers)[2]()
                continue
            branch, value, exc = ready.popleft()
            if branch.dead:
                continue
            if value is _AT_CHECKPOINT:
                # The branch reached a checkpoint and waited its turn; it is about to enter the state. Pausing
                # here (not when the checkpoint was yielded) keeps stepping in the same order as running.
                if pause_check is not None and pause_check(branch.next_state, branch):
                    ready.appendleft((branch, None, None))
                    self.paused_at = (branch.next_state, branch)
                    return "paused"
                value = None
            try:
                cmd = branch.gen.throw(exc) if exc is not None else branch.gen.send(value)  # type: ignore[union-attr]
            except StopIteration as stop:
                self._end(branch, stop.value, None)
                continue
            except Failed as failure:
                self._end(branch, None, failure.detach())
                continue
            op = cmd[0]
            if op == CHECKPOINT:
                branch.next_state = cmd[1]
                branch.next_input = cmd[2]
                ready.append((branch, _AT_CHECKPOINT, None))
            elif op == DEFER:
                self.deferred.append((branch, None, None))
            elif op == SLEEP:
                if cmd[1] <= clock.now():
                    self.deferred.append((branch, None, None))
                else:
                    self.at(cmd[1], functools.partial(self.resume, branch))
            elif op == FORK:
                self._fork(branch, cmd[1])
            elif op == PAUSE:
                if self.pause_on_error:
                    ready.appendleft((branch, None, None))
                    self.paused_at = (cmd[1], branch)
                    self.pause_reason = cmd[2]
                    return "paused"
                ready.appendleft((branch, None, None))
            elif op == TOKEN:
                wait: TokenWait = cmd[1]
                wait.branch = branch
                branch.waiting = wait
                self.tokens[wait.token] = wait
                if wait.timeout_deadline is not None:
                    self.at(wait.timeout_deadline, functools.partial(self._token_timeout, wait, TIMEOUT))
                if wait.heartbeat is not None:
                    self._arm_heartbeat(wait)
            else:  # pragma: no cover - a bug in the interpreter
                raise RuntimeError(f"unknown scheduler command {cmd!r}")

    def fire_due(self) -> None:
        """Fire the timers whose time has come on a clock that moves by itself (a wall clock), earliest first."""
        timers = self.timers
        now = self.clock.now()
        while timers and timers[0][0] <= now:
            heapq.heappop(timers)[2]()

    # -- endings ---------------------------------------------------------------------------------------
    def _end(self, branch: Branch, value: Any, failure: Failed | None) -> None:
        branch.dead = True
        join = branch.join
        if join is None:
            self.on_end(branch, value, failure)
            return
        if join.done:
            return
        join.running.pop(branch.index, None)
        join.pending -= 1
        if failure is None:
            join.results[branch.index] = value
        else:
            join.failures += 1
            tolerated = (
                not failure.terminal and join.tolerance is not None and join.tolerance(join.failures, join.total)
            )
            if not tolerated:
                join.failed = failure
                join.failed_branch = branch
                self._finish_join(join)
                return
            join.results[branch.index] = None
            join.errors[branch.index] = failure
        # a child started in the freed slot links its first event to where the ended one stopped (AWS)
        join.start_prev = branch.prev
        self._start_children(join)
        if join.pending == 0:
            self._finish_join(join)

    def _fork(self, parent: Branch, join: Join) -> None:
        join.parent = parent
        parent.waiting = join
        if join.total == 0:
            self._finish_join(join)
            return
        self._start_children(join)

    def _start_children(self, join: Join) -> None:
        limit = join.max_concurrency or join.total
        while join.next_index < join.total and len(join.running) < limit and not join.done:
            child = join.make(join.next_index)
            join.running[join.next_index] = child
            join.next_index += 1
            self.ready.append((child, None, None))

    def _finish_join(self, join: Join) -> None:
        join.done = True
        join.make = _no_children  # the factory usually holds the join itself: drop that reference cycle
        failed = join.failed_branch
        # AWS links the aborted siblings, and the parent's next event, to the failing branch's last event
        # (not across histories: a Distributed Map's child execution numbers its events in its own history, so
        # its ids mean nothing in the parent's, where MapRunFailed linked to itself)
        anchor = failed.prev if failed is not None and failed.sink is None else None
        for index, child in list(join.running.items()):
            if anchor is not None:
                child.prev = anchor
            self.abort(child)
            del join.running[index]  # closed: an interrupt from here on leaves only the others for abort() to close
        if failed is not None and failed.on_abort is not None:
            # the state that failed never exited: AWS closes it with an "aborted" event too
            failed.on_abort(failed)
        join.failed_branch = None  # it links back to the join (a reference cycle), and nothing reads it now
        parent = join.parent
        if parent is not None and anchor is not None:
            parent.prev = anchor
        if parent is None:
            return
        parent.waiting = None
        if join.failed is not None:
            self.resume(parent, None, join.failed)
        else:
            self.resume(parent, join.results)

    def abort(self, branch: Branch) -> None:
        """Stop a branch and everything below it, letting each record its "aborted" events."""
        if branch.dead:
            return
        waiting = branch.waiting
        if isinstance(waiting, Join):
            # also when the join is already done: a join whose failure handling was interrupted (Ctrl-C) still
            # lists the children it had not closed yet
            waiting.done = True
            waiting.make = _no_children
            for child in list(waiting.running.values()):
                self.abort(child)
        elif isinstance(waiting, TokenWait):
            self.tokens.pop(waiting.token, None)
        branch.dead = True
        if branch.on_abort is not None:
            branch.on_abort(branch)
        if branch.gen is not None:
            branch.gen.close()

    # -- task tokens -----------------------------------------------------------------------------------
    def _arm_heartbeat(self, wait: TokenWait) -> None:
        assert wait.heartbeat is not None
        deadline = self.clock.now() + wait.heartbeat
        wait.heartbeat_deadline = deadline
        self.at(deadline, lambda: self._heartbeat_due(wait, deadline))

    def _heartbeat_due(self, wait: TokenWait, deadline: float) -> None:
        if wait.heartbeat_deadline == deadline:
            self._token_timeout(wait, HEARTBEAT_TIMEOUT)

    def _token_timeout(self, wait: TokenWait, error: str) -> None:
        if self.tokens.get(wait.token) is not wait:
            return
        del self.tokens[wait.token]
        assert wait.branch is not None
        wait.branch.waiting = None
        self.resume(wait.branch, None, Failed(error))

    def answer(self, token: str, value: Any = None, failure: Failed | None = None) -> None:
        wait = self.tokens.pop(token)
        assert wait.branch is not None
        wait.branch.waiting = None
        self.resume(wait.branch, value, failure)

    def heartbeat(self, token: str) -> None:
        wait = self.tokens[token]
        if wait.heartbeat is not None:
            self._arm_heartbeat(wait)
