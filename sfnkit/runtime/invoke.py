"""Task invocation: one attempt of a Task state, from its Scheduled event to its result or failure.

Owns how a Task reaches its resource and what the history records meanwhile (AWS docs, "Task workflow state",
"Integrating services with Step Functions", "Activities", "Wait for a Callback with Task Token"):

* Lambda function ARNs (``LambdaFunction*`` events) and the optimized integrations (``arn:aws:states:::...``,
  ``Task*`` events), ``lambda:invoke``'s response envelope included;
* ``.sync`` tasks whose handler gives two answers (``TaskSubmitted`` with the start response, then the job's end)
  and ``.waitForTaskToken`` callbacks, which wait for ``send_task_success``/``send_task_failure``;
* activities, answered by a Python worker or by the caller through a task token;
* HeartbeatSeconds where AWS enforces it: on a callback's wait for its token, and on an activity, whose Python
  worker heartbeats with ``call.send_task_heartbeat()`` (or ``Execution.send_task_heartbeat(token)``). AWS docs,
  SendTaskHeartbeat: "Used by activity workers and Task states using the callback pattern, and optionally Task
  states using the job run pattern"; a Lambda invocation has no task token to heartbeat with, so it is held to
  TimeoutSeconds only (its ``LambdaFunctionScheduled`` event has no ``heartbeatInSeconds`` either). The expiry is
  recorded as AWS records it: ``TaskTimedOut``/``ActivityTimedOut`` with ``States.Timeout`` (Task state docs,
  HeartbeatSeconds: "this state fails with a States.Timeout error name"; the recorded conformance cases
  ``test_heartbeats__test_heartbeat_no_timeout`` and ``..._path_timeout``). A ``.sync`` job's optional
  heartbeats are not modelled (its polls answer for it);
* a task that timed out is over at its deadline, not when its handler returned: the ``...TimedOut`` event is
  stamped at the deadline and the execution goes on from there (:mod:`sfnkit.runtime.clock`, "When a task times
  out");
* calling a handler: its input copied, its exceptions turned into Lambda-shaped failures (the stack trace of the
  user's frames only), its result snapshotted as JSON (too large, or not JSON: AWS's errors), and the virtual and
  real time it took (:mod:`sfnkit.runtime.clock`, "Handler time").

The :class:`Invoker` belongs to one :class:`~sfnkit.runtime.interpreter.Interpreter`: it records through the
interpreter's ``record`` (looked up on each event, so a wrapper set on the interpreter sees these events too) and
counts retried attempts in its ``retries``.
"""

from __future__ import annotations

import base64
import functools
import json
import linecache
import weakref
from collections.abc import Generator
from datetime import UTC, datetime
from time import perf_counter as _perf_counter
from typing import TYPE_CHECKING, Any, Final

from sfnkit import messages as msg
from sfnkit.asl import model as m
from sfnkit.asl.intrinsics import jackson_message
from sfnkit.errors import DATA_LIMIT_EXCEEDED, HEARTBEAT_TIMEOUT, RUNTIME, TIMEOUT, TaskFailure
from sfnkit.frozen import make
from sfnkit.history import events as ev
from sfnkit.runtime import dataflow as df
from sfnkit.runtime import lambda_runtime as lr
from sfnkit.runtime.failures import error_details, state_error, task_failure
from sfnkit.runtime.resources import LambdaContext, TaskCall, call_with_elapsed, function_name_of, service_integration
from sfnkit.runtime.scheduler import LATER, SLEEP, TOKEN, Branch, Failed, TokenWait
from sfnkit.text import safe_str

if TYPE_CHECKING:
    from sfnkit.runtime.interpreter import Interpreter

__all__ = ["DEFAULT_TASK_TIMEOUT", "SERVICE_PREFIX", "Invoker"]

Gen = Generator[Any, Any, Any]

SERVICE_PREFIX = "arn:aws:states:::"
#: AWS's TimeoutSeconds when a Task gives none (99,999,999 s, about 3 years).
DEFAULT_TASK_TIMEOUT = 99_999_999.0
_TOO_LARGE = "result too large"  # marker cause from _call, reworded with the resource by _too_large
_NO_BEATS: Final[tuple[float, ...]] = ()


class _Beats:
    """The heartbeats of the handler call running now (one with a task token): each as the virtual seconds the
    call had asked for by then and the perf counter, turned into task time once the call returns."""

    __slots__ = ("box", "marks", "token")

    def __init__(self, token: str, box: list[float]) -> None:
        self.token = token
        self.box = box
        self.marks: list[tuple[float, float]] = []


class Invoker:
    """Runs the attempts of the Task states of one execution (see the module docstring)."""

    def __init__(self, ip: Interpreter) -> None:
        # a weak reference: the interpreter holds this object, which must not hold the interpreter (a cycle
        # would keep every finished execution, its history included, until the cycle collector runs)
        self.ip = weakref.proxy(ip)
        self.resources = ip.resources
        self.mocks = ip.mocks  # an object with handler_for(state_name) (sfnkit.mocks.TestCaseMocks), consulted first
        self.clock = ip.clock
        self._now = ip.clock.now
        self.region = ip.region
        self.account = ip.account
        self.partition = ip.partition
        self.task_seconds = ip.task_seconds  # virtual_sleep's box while the execution drives (track_virtual_time)
        self.call_started = 0.0  # when the last handler call started (its task's time counts from there)
        self._beats: _Beats | None = None  # the heartbeats of the handler call running now, if it has a token
        self.beats: tuple[float, ...] = _NO_BEATS  # the last call's heartbeats, in task seconds from its start
        self._frame_texts: dict[tuple[Any, int], str] = {}  # (code, lasti) -> its stackTrace entry, this execution

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
        if resource.startswith(SERVICE_PREFIX) or service_integration(resource) is not None:
            return self._invoke_service(st, resource, params, ctx, branch, timeout, heartbeat, attempt, role_arn)
        if ":activity:" in resource:
            return self._invoke_activity(st, resource, params, ctx, branch, timeout, heartbeat, attempt)
        return self._invoke_lambda_arn(st, resource, params, ctx, branch, timeout, attempt, role_arn)

    def check_request(self, st: m.TaskState, eid: int, params: Any, role: Any) -> None:
        """Fail as AWS does, before scheduling, when the request cannot be made: a ``RoleArn`` or a Lambda
        ``FunctionName`` that evaluated to something other than a string (AWS checks the parameters against the
        API's shapes; a dict or a list is no function name, and must not reach the handler lookup)."""
        problems = []
        if st.credentials is not None and not isinstance(role, str):
            problems.append(msg.field_must_be_string("RoleArn"))
        if st.resource.startswith(SERVICE_PREFIX + "lambda:invoke"):
            name = params.get("FunctionName") if isinstance(params, dict) else None
            if name is not None and not isinstance(name, str):
                problems.append(msg.field_must_be_string("FunctionName"))
        if problems:
            try:
                shown = df.json_text(params)
            except (TypeError, ValueError):  # a value JSON cannot print (an integer of 5,000 digits)
                shown = "<parameters that cannot be printed as JSON>"
            raise state_error(
                st,
                eid,
                Failed(RUNTIME, msg.parameters_unusable(shown, problems), terminal=True),
            )

    def heartbeat(self, token: str | None) -> bool:
        """SendTaskHeartbeat from the handler call running now (or from a thread it started): True if ``token``
        is that call's task token (the heartbeat is noted), False otherwise."""
        beats = self._beats
        if beats is None or token is None or token != beats.token:
            return False
        beats.marks.append((beats.box[0], _perf_counter()))
        return True

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
        outer_beats = self._beats
        self._beats = _Beats(token, box) if token is not None else None
        on_heartbeat = functools.partial(self.heartbeat, token) if token is not None else None
        self.beats = _NO_BEATS
        t0 = _perf_counter()
        try:
            if kind == "one":
                result = fn(arg)
            elif kind == "two":
                # make(): the fields are known good here, and the generic __init__ checks them (sfnkit/frozen.py)
                lctx = make(
                    LambdaContext,
                    {
                        "function_name": function_name or resource.rsplit(":", 1)[-1],
                        "invoked_function_arn": resource,
                        "state_context": ctx,
                        "task_token": token,
                        "new_id": self.ip.uuid,
                        "on_heartbeat": on_heartbeat,
                    },
                )
                result = fn(arg, lctx)
            else:
                call = make(
                    TaskCall,
                    {
                        "input": arg,
                        "resource": resource,
                        "state_name": st.name,
                        "context": ctx,
                        "task_token": token,
                        "attempt": attempt,
                        "function_name": function_name,
                        "on_heartbeat": on_heartbeat,
                    },
                )
                result = fn(call)
        except TaskFailure as e:
            return None, self._took(box, outer, t0, fn), task_failure(e)
        except KeyboardInterrupt:
            box[0] = outer
            raise
        except SystemExit as e:  # the runtime process ends: Lambda itself reports the invocation's failure
            return (
                None,
                self._took(box, outer, t0, fn),
                Failed(lr.EXIT_ERROR, lr.exit_error_document(self.ip.uuid(), e.code)),
            )
        except BaseException as e:
            return (
                None,
                self._took(box, outer, t0, fn),
                Failed(safe_str(type(e).__name__), self._lambda_error_cause(e, compact)),
            )
        else:
            return result, self._took(box, outer, t0, fn), None
        finally:
            self._beats = outer_beats  # a handler that drives this execution again keeps its own heartbeats

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
            return None, elapsed, self._marshal_error(msg.unable_to_marshal(str(e)))

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
        return Failed(
            lr.MARSHAL_ERROR, lr.error_document(message, lr.MARSHAL_ERROR, self.ip.uuid(), [], compact=compact)
        )

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
        return lr.error_document(safe_str(e), safe_str(type(e).__name__), self.ip.uuid(), stack, compact=compact)

    def _missing(self, resource: str, function_name: str | None) -> Failed:
        name = function_name or resource
        arn = name
        if not name.startswith("arn:"):
            arn = f"arn:{self.partition}:lambda:{self.region}:{self.account}:function:{function_name_of(name)}"
        if arn.count(":") == 6:
            arn += ":$LATEST"
        return Failed(lr.RESOURCE_NOT_FOUND, msg.function_not_found(arn, self.ip.uuid()))

    def _too_large(self, failure: Failed | None, result: Any, who: str) -> Failed | None:
        """Name the resource in a DataLimitExceeded cause (``_call`` cannot know how AWS names it)."""
        if failure is not None and failure.cause is _TOO_LARGE:
            return Failed(DATA_LIMIT_EXCEEDED, msg.data_limit_exceeded(who))
        return failure

    def _took(self, box: list[float], outer: float, t0: float, fn: Any = None) -> float:
        """How long the handler call that started at ``t0`` (perf counter) took, in this execution's time: the
        virtual seconds it asked for (``virtual_sleep``) plus its real time, as the clock counts it. An emulated
        service (``sfnkit_emulated``: the stand-ins of ``services="local"``) takes only the virtual seconds it
        asks for: its real time is the emulator's, not the service's. The call's heartbeats, if it had a token,
        become ``self.beats``, in the same task time."""
        end = _perf_counter()
        beats = self._beats
        if beats is not None and beats.box is box and beats.marks:
            self.beats = tuple(self._task_time(v, at - t0, fn) for v, at in beats.marks)
        virtual = _swap(box, outer)
        return self._task_time(virtual, end - t0, fn)

    def _task_time(self, virtual: float, real: float, fn: Any) -> float:
        """Task seconds for ``virtual`` seconds asked for and ``real`` seconds taken (see :meth:`_took`)."""
        if getattr(fn, "sfnkit_emulated", False):
            return virtual
        clock = self.clock
        if getattr(clock, "real_time", False):
            return virtual + real  # already passed on the clock: _elapse measures from the call's start
        handler_time = getattr(clock, "handler_time", None)
        return virtual + (handler_time(real) if handler_time is not None else 0.0)

    @staticmethod
    def _heartbeat_limit(heartbeat: float | None, beats: tuple[float, ...], elapsed: float) -> float | None:
        """When a call that took ``elapsed`` and heartbeat at ``beats`` (task seconds from its start) ran out of
        HeartbeatSeconds: the end of the first gap longer than ``heartbeat`` between its start, its heartbeats and
        its end; None if it never did."""
        if heartbeat is None:
            return None
        last = 0.0
        for mark in (*sorted(beats), elapsed):
            mark = min(mark, elapsed)
            if mark - last > heartbeat:
                return last + heartbeat
            last = max(last, mark)
        return None

    def _elapse(self, elapsed: float, timeout: float | None, heartbeat_limit: float | None = None) -> Gen:
        """Let a task's time pass, from the start of its handler call (``call_started``); returns None in time,
        else the instant it timed out (its deadline: Step Functions stops waiting there, the handler's overrun
        is not the execution's time). Without TimeoutSeconds a task may take AWS's default of 99,999,999 s, no
        more (a handler that asks for ``virtual_sleep(inf)`` times out there, unless the execution's own limit
        comes first). ``heartbeat_limit``: when the task ran out of HeartbeatSeconds, if it did."""
        start = self.call_started
        limit = DEFAULT_TASK_TIMEOUT if timeout is None else timeout
        if heartbeat_limit is not None and heartbeat_limit < limit:
            limit = heartbeat_limit
        if not elapsed <= limit:  # NaN cannot get here (virtual_sleep ignores it), but would time out too
            deadline = start + limit
            clock = self.clock
            if not getattr(clock, "real_time", False):
                yield (SLEEP, deadline)  # the virtual clock jumps to the deadline, never past it
                return self._now()
            # a wall clock is past the deadline already: the execution's time goes on from the deadline, and
            # what fell due before it (the execution's TimeoutSeconds, say) happens first, as on AWS
            stopped = getattr(clock, "stopped_waiting", None)
            if stopped is not None:
                stopped(deadline)
            timers = self.ip.scheduler.timers
            if timers and timers[0][0] <= deadline:
                yield (SLEEP, deadline)
                return max(deadline, self._now())
            return deadline
        end = start + elapsed
        if end > self.clock.now() or getattr(self.clock, "real_time", False):
            # on a wall clock, always hand back to the scheduler: a deadline that fell due while the handler ran
            # (the execution's TimeoutSeconds) fires before the task's result is recorded
            yield (SLEEP, end)
        return None

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
        self.ip.record(branch, ev.LAMBDA_FUNCTION_SCHEDULED, details)
        if attempt:  # a retried attempt: one more state transition, as AWS counts them
            self.ip.retries += 1
        yield LATER
        self.ip.record(branch, ev.LAMBDA_FUNCTION_STARTED)
        yield LATER  # every task at this instant starts before any finishes
        fn = self._mock(st) or self.resources.resolve_task(resource)
        if fn is None:
            failure: Failed | None = self._missing(resource, None)
            result, elapsed = None, 0.0
        else:
            result, _, elapsed, failure = self._call_lambda(
                st, fn, params, ctx, resource, function_name_of(resource), attempt, False
            )
        if elapsed and (at := (yield from self._elapse(elapsed, timeout))) is not None:
            self.ip.record_at(branch, ev.LAMBDA_FUNCTION_TIMED_OUT, {"error": TIMEOUT}, at)
            yield LATER
            raise Failed(TIMEOUT)
        failure = self._too_large(failure, None, arn)
        if failure is not None:
            self.ip.record(branch, ev.LAMBDA_FUNCTION_FAILED, error_details(failure))
            raise failure
        self.ip.record(branch, ev.LAMBDA_FUNCTION_SUCCEEDED, {"output": result})
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
        service_action = service_integration(resource) or resource[len(SERVICE_PREFIX) :]
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
        self.ip.record(branch, ev.TASK_SCHEDULED, scheduled)
        if attempt:  # a retried attempt: one more state transition, as AWS counts them
            self.ip.retries += 1
        yield LATER
        self.ip.record(branch, ev.TASK_STARTED, rdetails)
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
            failure = Failed(lr.INVALID_REQUEST_CONTENT, msg.lambda_invalid_request_content(refused, self.ip.uuid()))
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
        if elapsed and (at := (yield from self._elapse(elapsed, timeout))) is not None:
            self.ip.record_at(branch, ev.TASK_TIMED_OUT, {**rdetails, "error": TIMEOUT}, at)
            yield LATER
            raise Failed(TIMEOUT)
        if failure is None and lambda_invoke and not getattr(fn, "sfnkit_raw_response", False):
            result = self._lambda_envelope(
                result, body_len, log=isinstance(params, dict) and params.get("LogType") == "Tail"
            )
        failure = self._too_large(failure, None, service)
        if failure is not None:
            self.ip.record(branch, ev.TASK_FAILED, {**rdetails, **error_details(failure)})
            raise failure
        if token is None or getattr(fn, "sfnkit_mock", False):
            # a mocked callback task ends with its mocked response, as in Step Functions Local
            self.ip.record(branch, ev.TASK_SUCCEEDED, {**rdetails, "output": result})
            return result
        self.ip.record(branch, ev.TASK_SUBMITTED, {**rdetails, "output": result})
        wait = TokenWait(token, timeout, heartbeat)
        if timeout is not None:
            # TimeoutSeconds counts from the task's start (AWS: "The count begins after the task has been
            # started"), so the handler's own time is part of it
            wait.timeout_deadline = (self.call_started if elapsed else self.clock.now()) + timeout
        try:
            answer = yield (TOKEN, wait)
        except Failed as f:
            if f.error == HEARTBEAT_TIMEOUT:
                f = Failed(TIMEOUT)  # AWS's recordings: a callback's heartbeat expiry is TaskTimedOut, States.Timeout
            kind = ev.TASK_TIMED_OUT if f.error == TIMEOUT else ev.TASK_FAILED
            self.ip.record(branch, kind, {**rdetails, **error_details(f)})
            raise f from None
        self.ip.record(branch, ev.TASK_SUCCEEDED, {**rdetails, "output": answer})
        return answer

    def _run_submitted(
        self, job: Any, elapsed: float, rdetails: dict[str, Any], branch: Branch, timeout: float | None, service: str
    ) -> Gen:
        """A ``.sync`` task whose handler gave two answers: ``TaskSubmitted`` with the start request's response,
        then the job's end (``job.wait()``, whose polls take virtual time through ``virtual_sleep``)."""
        try:
            submitted = df.snapshot(job.output)
        except (TypeError, ValueError, OverflowError, RecursionError) as e:
            marshal = Failed(lr.MARSHAL_ERROR, msg.unable_to_marshal(str(e), submitted=True))
            self.ip.record(branch, ev.TASK_FAILED, {**rdetails, **error_details(marshal)})
            raise marshal from None
        self.ip.record(branch, ev.TASK_SUBMITTED, {**rdetails, "output": submitted})
        box = [0.0]  # the virtual seconds the polls asked for, whether the wait returns or raises
        failure: Failed | None = None
        result: Any = None
        t0 = _perf_counter()
        try:
            result = df.snapshot(call_with_elapsed(box, job.wait))
        except TaskFailure as e:
            failure = task_failure(e)
        except KeyboardInterrupt:
            raise
        except OverflowError:
            failure = Failed(DATA_LIMIT_EXCEEDED, _TOO_LARGE)
        except BaseException as e:
            failure = Failed(safe_str(type(e).__name__), safe_str(e))
        waited = self._took(box, 0.0, t0, job)  # the polls' virtual seconds and the real time the wait took
        if (at := (yield from self._elapse(elapsed + waited, timeout))) is not None:
            self.ip.record_at(branch, ev.TASK_TIMED_OUT, {**rdetails, "error": TIMEOUT}, at)
            yield LATER
            raise Failed(TIMEOUT)
        failure = self._too_large(failure, None, service)
        if failure is not None:
            self.ip.record(branch, ev.TASK_FAILED, {**rdetails, **error_details(failure)})
            raise failure
        self.ip.record(branch, ev.TASK_SUCCEEDED, {**rdetails, "output": result})
        return result

    def _lambda_envelope(self, payload: Any, content_length: int, log: bool = False) -> dict[str, Any]:
        """What ``arn:aws:states:::lambda:invoke`` returns: Lambda's Invoke response as Step Functions shapes it,
        ``Content-Length`` the length of the body the runtime sent. With ``"LogType": "Tail"`` it carries
        ``LogResult``: the base64 tail of the (local) invocation log."""
        request_id = self.ip.uuid()
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
        self.ip.record(branch, ev.ACTIVITY_SCHEDULED, details)
        if attempt:  # a retried attempt: one more state transition, as AWS counts them
            self.ip.retries += 1
        fn = self._mock(st) or self.resources.resolve_task(resource)
        if fn is None:
            token = self.ip.uuid()
            wait = TokenWait(token, timeout, heartbeat)
            if timeout is not None:
                wait.timeout_deadline = self.clock.now() + timeout
            try:
                answer = yield (TOKEN, wait)
            except Failed as f:
                if f.error == HEARTBEAT_TIMEOUT:
                    f = Failed(TIMEOUT)  # as AWS records a heartbeat's expiry (see the module docstring)
                self.ip.record(
                    branch, ev.ACTIVITY_TIMED_OUT if f.error == TIMEOUT else ev.ACTIVITY_FAILED, error_details(f)
                )
                raise f from None
            self.ip.record(branch, ev.ACTIVITY_SUCCEEDED, {"output": answer})
            return answer
        yield LATER
        self.ip.record(branch, ev.ACTIVITY_STARTED, {"workerName": getattr(fn, "__name__", "worker")})
        # the worker gets a task token, as GetActivityTask gives one, to heartbeat with
        token = self.ip.uuid()
        result, elapsed, failure = self._call(st, fn, params, ctx, resource, None, token, attempt)
        beat_limit = self._heartbeat_limit(heartbeat, self.beats, elapsed)
        if elapsed and (at := (yield from self._elapse(elapsed, timeout, beat_limit))) is not None:
            self.ip.record_at(branch, ev.ACTIVITY_TIMED_OUT, {"error": TIMEOUT}, at)
            raise Failed(TIMEOUT)
        if failure is not None:
            self.ip.record(branch, ev.ACTIVITY_FAILED, error_details(failure))
            raise failure
        self.ip.record(branch, ev.ACTIVITY_SUCCEEDED, {"output": result})
        return result


def _swap(box: list[float], value: float) -> float:
    """Put ``value`` in ``box[0]``; return what was there."""
    was = box[0]
    box[0] = value
    return was


def _frame_text(tb: Any) -> str:
    """One traceback entry as Lambda's Python runtime shows it in ``stackTrace``, JSON-encoded; "" for
    sfnkit's own frames (the runtime's, and those of the local stand-ins that call a template's Lambda)."""
    code = tb.tb_frame.f_code
    filename = code.co_filename
    where = filename.replace("\\", "/")
    if "/sfnkit/runtime/" in where or "/sfnkit/aws/local" in where:
        return ""
    linecache.checkcache(filename)
    return lr.stack_entry(tb)


def _copy(value: Any) -> Any:
    """A private copy for a handler, so a handler that mutates its input cannot rewrite recorded history."""
    return df.copy_json(value)
