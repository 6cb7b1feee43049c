"""What a state does when it fails: Retry, Catch, or the failure goes on (ASL spec "Errors", "Retrying after
error", "Fallback states"), and how a failure is written down.

:mod:`sfnkit.runtime.retry` decides which retrier or catcher matches and how long a backoff is; this module acts
on those decisions for one state visit: it waits out the backoff, applies the catcher's ``ResultPath`` (JSONPath)
or ``Output`` (JSONata) and ``Assign`` to the error output, and records the ``<Type>StateFailed`` event AWS writes
for a Parallel or Map whose failure ends it. The small functions here shape a failure for the history: its error
details, the AWS "An error occurred while executing the state ..." prefix (:func:`state_error`) and the failure a
handler's :class:`~sfnkit.TaskFailure` stands for.
"""

from __future__ import annotations

import weakref
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sfnkit import messages as msg
from sfnkit.asl import model as m
from sfnkit.errors import DATA_LIMIT_EXCEEDED, TaskFailure
from sfnkit.history import events as ev
from sfnkit.runtime import dataflow as df
from sfnkit.runtime import retry as rt
from sfnkit.runtime.scheduler import PAUSE, SLEEP, Branch, Failed
from sfnkit.text import safe_str

if TYPE_CHECKING:
    from sfnkit.runtime.interpreter import Interpreter
    from sfnkit.runtime.visits import OpenVisit

__all__ = ["ErrorHandler", "error_details", "state_error", "task_failure", "will_retry"]

Gen = Generator[Any, Any, Any]


class ErrorHandler:
    """Retry and Catch for the states of one execution; the interpreter's ``exit``, ``assign``, ``context`` and
    JSONata flow close a caught state exactly as a successful one is closed."""

    def __init__(self, ip: Interpreter) -> None:
        # a weak reference: the interpreter holds this object, which must not hold the interpreter (a cycle
        # would keep every finished execution, its history included, until the cycle collector runs)
        self.ip = weakref.proxy(ip)

    def handle(
        self,
        st: Any,
        f: Failed,
        data: Any,
        branch: Branch,
        visit: OpenVisit | None,
        retriers: tuple[m.Retrier, ...],
        attempts: list[int],
    ) -> Gen:
        """Retry (returns None after the backoff) or Catch (returns (next, output)), else re-raise."""
        ip = self.ip
        f.detach()
        if visit is not None:
            visit.attempt_errors = [*visit.attempt_errors, (f.error, f.cause)]  # rare: copy, never share
        if ip.scheduler.pause_on_error:
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
            delay = rt.retry_delay(retriers[i], attempts[i], ip.rng)
            if delay > 0:
                yield (SLEEP, ip.clock.now() + delay)
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
            states = {"input": data, "context": ip.context(st, ip.clock.now(), branch), "errorOutput": error_output}
            out = ip.jn.output(st, eid, branch, states, error_output, catcher)
            assigned = ip.jn.assign(st, eid, branch, catcher.assign, states)
            ip.exit(st, out, branch, visit, assigned)
            return catcher.next, out
        try:
            ctx = ip.context(st, ip.clock.now(), branch)
            assigned = ip.assign(catcher.assign, error_output, ctx, branch)
            out = df.apply_result_path(catcher.result_path, data, error_output)
        except Failed as g:
            raise state_error(st, visit.entered_event_id if visit else 0, g) from None
        ip.exit(st, out, branch, visit, assigned)
        return catcher.next, out

    def state_failed(
        self,
        st: Any,
        f: Failed,
        data: Any,
        branch: Branch,
        visit: OpenVisit | None,
        retriers: tuple[m.Retrier, ...],
        attempts: list[int],
    ) -> Gen:
        """Parallel and Map: record <Type>StateFailed when the failure ends the state, caught or not (a retried
        attempt records none, and a terminal run-time error is reported by ExecutionFailed alone), then
        Retry/Catch."""
        if not f.terminal and not will_retry(retriers, attempts, f.error):
            self.ip.record(branch, ev.STATE_FAILED[st.type])
        return (yield from self.handle(st, f, data, branch, visit, retriers, attempts))


def will_retry(retriers: tuple[m.Retrier, ...], attempts: list[int], error: str) -> bool:
    """Whether a failure with ``error`` is retried, given the attempts each retrier has made so far."""
    i = rt.find_retrier(retriers, error)
    return i is not None and attempts[i] < retriers[i].max_attempts


def state_error(st: m.State, entered_id: int, f: Failed) -> Failed:
    """Prefix a data-flow failure the way AWS words it."""
    if f.cause is not None and f.error != DATA_LIMIT_EXCEEDED and not f.cause.startswith(msg.STATE_PREFIX):
        f.cause = msg.in_state(st.name, entered_id, f.cause)
    return f


def error_details(f: Failed) -> dict[str, Any]:
    """A failure's ``error`` and ``cause`` as the details of a ``...Failed`` event (absent ones left out)."""
    d: dict[str, Any] = {}
    if f.error is not None:
        d["error"] = f.error
    if f.cause is not None:
        d["cause"] = f.cause
    return d


def task_failure(e: TaskFailure) -> Failed:
    """The failure a handler's ``TaskFailure`` stands for, whatever it was given as error and cause."""
    return Failed(_as_text(getattr(e, "error", None)), _as_text(getattr(e, "cause", None)))  # type: ignore[arg-type]


def _as_text(value: Any) -> str | None:
    """A failure's error or cause as the text a history holds: a str as is, ``None`` as absent, a JSON value as its
    JSON text, anything else its ``str`` (never raising); lone surrogates escaped."""
    if value is None:
        return None
    if type(value) is not str:
        try:
            value = df.json_text(value)
        except (TypeError, ValueError, RecursionError):
            return safe_str(value)
    return safe_str(value)
