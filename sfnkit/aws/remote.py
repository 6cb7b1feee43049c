"""Running state machines on AWS Step Functions itself: deploy, start, wait, follow, fetch the history, stop,
redrive, list executions, and the TestState API.

A :class:`RemoteExecution` has the surface of a local :class:`sfnkit.Execution` (``status``, ``output``,
``error``, ``cause``, ``history``, ``summary()``, ``stop()``), and its ``history`` is the same
:class:`sfnkit.History` (built with ``History.from_boto``), so reports and widgets read AWS runs and local runs
alike (DESIGN principle 1).

API references: the Step Functions API (``CreateStateMachine``, ``UpdateStateMachine``,
``ValidateStateMachineDefinition``, ``StartExecution``, ``StartSyncExecution``, ``DescribeExecution``,
``GetExecutionHistory``, ``StopExecution``, ``RedriveExecution``, ``ListExecutions``, ``TestState``).
Operations an endpoint does not implement (a moto server has no ``StartSyncExecution``, ``TestState``,
``ValidateStateMachineDefinition`` nor ``RedriveExecution``) are skipped where sfnkit can do without them
(validation: the local validator already ran; a synchronous Express run: start + wait) and reported clearly
otherwise.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sfnkit.asl import model as m
from sfnkit.asl.validate import load
from sfnkit.aws.connection import Connection, not_implemented
from sfnkit.errors import AwsError
from sfnkit.history import events as ev
from sfnkit.history.model import History, HistoryEvent

__all__ = [
    "FollowUpdate",
    "Poll",
    "RemoteExecution",
    "RemoteStateMachine",
    "TestStateResult",
    "deploy",
    "execution",
    "list_executions",
    "test_state",
]

_FINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
_STAGES = (
    "input",
    "afterArguments",
    "afterInputPath",
    "afterParameters",
    "result",
    "afterResultSelector",
    "afterResultPath",
    "afterItemsPath",
    "afterItemSelector",
    "afterItemBatcher",
    "afterItemsPointer",
    "variables",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Poll:
    """How often to ask AWS while waiting: ``initial`` seconds, times ``factor`` after each unchanged answer, at
    most ``maximum`` seconds apart (reset to ``initial`` when something new arrives)."""

    initial: float = 0.2
    factor: float = 1.5
    maximum: float = 5.0

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.factor < 1 or self.maximum < self.initial:
            raise ValueError(f"Poll needs initial > 0, factor >= 1 and maximum >= initial, got {self!r}")

    def delays(self) -> Iterator[float]:
        d = self.initial
        while True:
            yield d
            d = min(d * self.factor, self.maximum)


def _connection(
    client: Any, session: Any, endpoint_url: str | None, region: str | None, connection: Connection | None
) -> Connection:
    if connection is not None:
        return connection
    return Connection.of(client, session=session, endpoint_url=endpoint_url, region=region)


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def loads_or_text(text: str | None) -> Any:
    """JSON text decoded; text that is not JSON (a plain-text cause) as it is; ``None`` as ``None``."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


# -- deploying ------------------------------------------------------------------------------------------------


def deploy(
    sm: Any,
    *,
    name: str,
    role_arn: str | None = None,
    type: str = "STANDARD",
    client: Any = None,
    session: Any = None,
    endpoint_url: str | None = None,
    region: str | None = None,
    connection: Connection | None = None,
    validate: bool = True,
    tags: Mapping[str, str] | None = None,
    logging_configuration: Mapping[str, Any] | None = None,
    tracing: bool | None = None,
    functions: Mapping[str, str] | None = None,
) -> RemoteStateMachine:
    """Create the state machine ``name`` on AWS, or update it to this definition and role (idempotent).

    A machine built with :mod:`sfnkit.build` may run Python functions as tasks: ``functions`` maps each one's
    name to the ARN of the Lambda function that does its work on AWS (every one must be mapped).

    ``sm`` is anything :func:`sfnkit.load` accepts (it is validated locally first). With ``validate``, AWS's
    ``ValidateStateMachineDefinition`` checks it too where the endpoint offers that operation; its errors raise
    :class:`~sfnkit.errors.AwsError` listing every diagnostic. ``role_arn`` is required to create a machine.
    """
    if type not in ("STANDARD", "EXPRESS"):
        raise ValueError(f'type must be "STANDARD" or "EXPRESS", got {type!r}')
    if not name or not isinstance(name, str):
        raise ValueError("deploy needs name='...': the state machine's name on AWS (1-80 characters)")
    machine = load(sm)
    machine = _bind_functions(machine, functions)
    conn = _connection(client, session, endpoint_url, region, connection)
    definition = _dump(machine.definition)
    validated = False
    if validate:
        validated = _validate_remote(conn, definition, type)
    arn = _find_state_machine(conn, name)
    created = updated = False
    if arn is None:
        if not role_arn:
            raise ValueError(
                f"deploy needs role_arn='arn:aws:iam::<account>:role/<name>' to create {name!r}: the "
                "IAM role Step Functions assumes to run it"
            )
        params: dict[str, Any] = {"name": name, "definition": definition, "roleArn": role_arn, "type": type}
        if tags:
            params["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
        if logging_configuration is not None:
            params["loggingConfiguration"] = dict(logging_configuration)
        if tracing is not None:
            params["tracingConfiguration"] = {"enabled": bool(tracing)}
        arn = conn.call("stepfunctions", "CreateStateMachine", **params)["stateMachineArn"]
        created = True
    else:
        current = conn.call("stepfunctions", "DescribeStateMachine", stateMachineArn=arn)
        if current.get("type", "STANDARD") != type:
            raise AwsError(
                f"UpdateStateMachine failed: the state machine {name!r} exists as {current.get('type')}, and AWS "
                f"cannot change a state machine's type to {type}; delete it or deploy under another name",
                operation="UpdateStateMachine",
                code="TypeMismatch",
            )
        role_arn = role_arn or current.get("roleArn")
        changes: dict[str, Any] = {}
        if loads_or_text(current.get("definition")) != machine.definition:
            changes["definition"] = definition
        if role_arn and role_arn != current.get("roleArn"):
            changes["roleArn"] = role_arn
        if logging_configuration is not None:
            changes["loggingConfiguration"] = dict(logging_configuration)
        if tracing is not None:
            changes["tracingConfiguration"] = {"enabled": bool(tracing)}
        if changes:
            conn.call("stepfunctions", "UpdateStateMachine", stateMachineArn=arn, **changes)
            updated = True
    return RemoteStateMachine(
        arn=arn,
        name=name,
        type=type,
        role_arn=role_arn,
        state_machine=machine,
        connection=conn,
        created=created,
        updated=updated,
        validated=validated,
    )


def _bind_functions(machine: m.StateMachine, functions: Mapping[str, str] | None) -> m.StateMachine:
    """The machine as AWS must see it: each attached Python function's Lambda ARN swapped for the real one."""
    attached = machine.handlers
    unknown = sorted(set(functions or {}) - set(attached))
    if unknown:
        have = ", ".join(repr(n) for n in sorted(attached)) or "none"
        raise ValueError(
            f"functions= names {', '.join(repr(n) for n in unknown)}, which this state machine does not "
            f"run as a Python function (its Python functions: {have})"
        )
    if not attached:
        return machine
    from sfnkit.build.tasks import bind_functions

    return load(bind_functions(machine.definition, attached, functions))


def _validate_remote(conn: Connection, definition: str, type: str) -> bool:
    """Run ValidateStateMachineDefinition; True when it ran, False when the endpoint lacks it."""
    result = conn.optional("stepfunctions", "ValidateStateMachineDefinition", definition=definition, type=type)
    if result is None:
        return False
    if result.get("result") == "FAIL":
        diags = [d for d in result.get("diagnostics", []) if d.get("severity") == "ERROR"] or result.get(
            "diagnostics", []
        )
        lines = [f"{d.get('location') or '/'}: {d.get('code')}: {d.get('message')}" for d in diags]
        raise AwsError(
            "ValidateStateMachineDefinition rejected the definition:\n  " + "\n  ".join(lines),
            operation="ValidateStateMachineDefinition",
            code="InvalidDefinition",
        )
    return True


def _find_state_machine(conn: Connection, name: str) -> str | None:
    token: str | None = None
    while True:
        page = conn.call("stepfunctions", "ListStateMachines", **({"nextToken": token} if token else {}))
        for item in page.get("stateMachines", []):
            if item.get("name") == name:
                return str(item["stateMachineArn"])
        token = page.get("nextToken")
        if not token:
            return None


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteStateMachine:
    """A state machine deployed on AWS (or an AWS-compatible endpoint)."""

    arn: str
    name: str
    type: str
    role_arn: str | None
    state_machine: m.StateMachine = field(repr=False)
    connection: Connection = field(repr=False)
    created: bool = False
    updated: bool = False
    validated: bool = False

    def start(self, input: Any = None, *, name: str | None = None, trace_header: str | None = None) -> RemoteExecution:
        """StartExecution; returns the running execution at once (Standard and asynchronous Express)."""
        # AWS names an unnamed execution with a UUID; some endpoints (moto) do not, so sfnkit always names it
        params: dict[str, Any] = {
            "stateMachineArn": self.arn,
            "input": _dump({} if input is None else input),
            "name": name or str(uuid.uuid4()),
        }
        if trace_header:
            params["traceHeader"] = trace_header
        out = self.connection.call("stepfunctions", "StartExecution", **params)
        ex = RemoteExecution(
            out["executionArn"], connection=self.connection, type=self.type, state_machine_arn=self.arn
        )
        ex._start_date = out.get("startDate")
        return ex

    def run(
        self,
        input: Any = None,
        *,
        name: str | None = None,
        timeout: float | None = None,
        poll: Poll = Poll(),
        sleep: Callable[[float], None] = time.sleep,
    ) -> RemoteExecution:
        """Run to the end. Express machines use StartSyncExecution (where the endpoint has it); Standard ones
        StartExecution and DescribeExecution with backoff until the execution ends (``timeout`` wall seconds)."""
        if self.type == "EXPRESS":
            params: dict[str, Any] = {"stateMachineArn": self.arn, "input": _dump({} if input is None else input)}
            if name:
                params["name"] = name
            out = self.connection.optional("stepfunctions", "StartSyncExecution", **params)
            if out is not None:
                return RemoteExecution._from_sync(out, self.connection, self.arn)
        return self.start(input, name=name).wait(timeout=timeout, poll=poll, sleep=sleep)

    def executions(self, *, status: str | None = None, max_results: int | None = None) -> list[dict[str, Any]]:
        """This machine's executions, newest first (see :func:`list_executions`)."""
        return list_executions(self, status=status, max_results=max_results, connection=self.connection)

    def delete(self) -> None:
        self.connection.call("stepfunctions", "DeleteStateMachine", stateMachineArn=self.arn)

    def test_state(self, state_name: str, input: Any = None, **kwargs: Any) -> TestStateResult:
        """TestState for one of this machine's states (see :func:`test_state`)."""
        kwargs.setdefault("role_arn", self.role_arn)
        return test_state(self.state_machine, state_name, input, connection=self.connection, **kwargs)


# -- executions -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowUpdate:
    """What :meth:`RemoteExecution.follow` passes to its callback after each poll that brought new events."""

    execution: RemoteExecution
    history: History
    new_events: tuple[HistoryEvent, ...]
    status: str


class RemoteExecution:
    """An execution on AWS: the remote twin of :class:`sfnkit.Execution`.

    ``status``, ``output``, ``error`` and ``cause`` ask ``DescribeExecution`` while the execution runs (and
    never again once it has ended); ``history`` fetches every page of ``GetExecutionHistory``.
    """

    def __init__(
        self, arn: str, *, connection: Connection, type: str | None = None, state_machine_arn: str | None = None
    ) -> None:
        self.arn = arn
        self.connection = connection
        self.type = type or ("EXPRESS" if ":express:" in arn else "STANDARD")
        self.state_machine_arn = state_machine_arn
        self.name = arn.split(":")[7] if arn.count(":") >= 7 else arn
        self._status = "RUNNING"
        self._described: dict[str, Any] = {}
        self._start_date: datetime | None = None
        self._events: list[dict[str, Any]] = []
        self._history: History | None = None
        self._sync = False

    @classmethod
    def _from_sync(cls, out: Mapping[str, Any], conn: Connection, sm_arn: str) -> RemoteExecution:
        ex = cls(out["executionArn"], connection=conn, type="EXPRESS", state_machine_arn=sm_arn)
        ex._sync = True
        ex._absorb(out)
        # Express executions have no GetExecutionHistory: the history is what StartSyncExecution tells.
        events: list[dict[str, Any]] = [
            {
                "id": 1,
                "previousEventId": 0,
                "type": ev.EXECUTION_STARTED,
                "timestamp": out.get("startDate"),
                "executionStartedEventDetails": {"input": out.get("input", "{}"), "roleArn": ""},
            }
        ]
        end = {
            "SUCCEEDED": (ev.EXECUTION_SUCCEEDED, "executionSucceededEventDetails"),
            "FAILED": (ev.EXECUTION_FAILED, "executionFailedEventDetails"),
            "TIMED_OUT": (ev.EXECUTION_TIMED_OUT, "executionTimedOutEventDetails"),
            "ABORTED": (ev.EXECUTION_ABORTED, "executionAbortedEventDetails"),
        }.get(str(out.get("status")))
        if end is not None:
            details: dict[str, Any] = {}
            if end[0] == ev.EXECUTION_SUCCEEDED:
                details["output"] = out.get("output", "null")
            else:
                details.update({k: out[k] for k in ("error", "cause") if out.get(k) is not None})
            events.append(
                {"id": 2, "previousEventId": 1, "type": end[0], "timestamp": out.get("stopDate"), end[1]: details}
            )
        ex._history = History.from_boto({"events": events})
        return ex

    # -- state -----------------------------------------------------------------------------------------------
    def _absorb(self, d: Mapping[str, Any]) -> None:
        self._described = dict(d)
        self._status = str(d.get("status", self._status))
        self.state_machine_arn = d.get("stateMachineArn", self.state_machine_arn)
        if d.get("name"):
            self.name = str(d["name"])

    def refresh(self) -> RemoteExecution:
        """DescribeExecution now."""
        if not self._sync:
            answer = self.connection.call("stepfunctions", "DescribeExecution", executionArn=self.arn)
            if not isinstance(answer.get("status"), str):  # JSON, but not an answer: "{}" from a stub server
                raise AwsError(
                    f"DescribeExecution failed: the endpoint's answer has no execution status ({self.connection.describe()})",
                    operation="DescribeExecution",
                    code="InvalidResponse",
                )
            self._absorb(answer)
        return self

    def _current(self) -> None:
        if self._status not in _FINAL or not self._described:
            self.refresh()

    @property
    def status(self) -> str:
        self._current()
        return self._status

    @property
    def done(self) -> bool:
        return self.status in _FINAL

    @property
    def output(self) -> Any:
        self._current()
        return loads_or_text(self._described.get("output")) if self._status == "SUCCEEDED" else None

    @property
    def input(self) -> Any:
        self._current()
        return loads_or_text(self._described.get("input"))

    @property
    def error(self) -> str | None:
        self._current()
        return self._described.get("error")

    @property
    def cause(self) -> str | None:
        self._current()
        return self._described.get("cause")

    @property
    def start_date(self) -> datetime | None:
        return self._described.get("startDate", self._start_date)

    @property
    def stop_date(self) -> datetime | None:
        return self._described.get("stopDate")

    @property
    def describe(self) -> dict[str, Any]:
        """The last DescribeExecution answer (boto3's dict); after :meth:`follow`, with the status, output,
        error, cause and stop date of the history's end event."""
        self._current()
        return dict(self._described)

    # -- history -----------------------------------------------------------------------------------------------
    @property
    def history(self) -> History:
        """Every event so far (``GetExecutionHistory``, all pages), as a :class:`sfnkit.History`."""
        if self._history is not None:
            return self._history
        final = self.status in _FINAL
        self._fetch_new()
        h = History.from_boto({"events": self._events})
        if final:
            self._history = h
        return h

    def _page(self, **params: Any) -> dict[str, Any]:
        return self.connection.call(
            "stepfunctions", "GetExecutionHistory", executionArn=self.arn, includeExecutionData=True, **params
        )

    def _forward(self, page: dict[str, Any]) -> list[dict[str, Any]]:
        events = list(page.get("events", []))
        token = page.get("nextToken")
        while token:
            page = self._page(maxResults=1000, nextToken=token)
            events.extend(page.get("events", []))
            token = page.get("nextToken")
        return events

    def _fetch_new(self) -> list[dict[str, Any]]:
        """Fetch the events not seen yet and append them; returns them.

        The first fetch reads forward, page by page. Later fetches read newest-first until they reach an event
        already seen, so a long history is not read again on every poll (a finished forward read leaves no
        ``nextToken`` to resume from)."""
        last = self._events[-1]["id"] if self._events else 0
        new: list[dict[str, Any]] = []
        if last:
            token: str | None = None
            while True:
                page = self._page(maxResults=100, reverseOrder=True, **({"nextToken": token} if token else {}))
                events = page.get("events", [])
                if len(events) >= 2 and events[0]["id"] < events[-1]["id"]:
                    # the endpoint ignored reverseOrder (moto does): read forward from this page on
                    new = [e for e in self._forward(page) if e["id"] > last]
                    break
                fresh = [e for e in events if e["id"] > last]
                new.extend(fresh)
                token = page.get("nextToken")
                if len(fresh) < len(events) or not token:
                    break
            new.sort(key=lambda ev: ev["id"])
        else:
            new = self._forward(self._page(maxResults=1000))
        self._events.extend(new)
        return new

    # -- waiting -------------------------------------------------------------------------------------------
    def wait(
        self, *, timeout: float | None = None, poll: Poll = Poll(), sleep: Callable[[float], None] = time.sleep
    ) -> RemoteExecution:
        """Poll DescribeExecution with backoff until the execution ends (``timeout``: wall seconds)."""
        start = time.monotonic()
        delays = poll.delays()
        while self.status not in _FINAL:
            delay = next(delays)
            if timeout is not None and time.monotonic() - start + delay > timeout:
                raise TimeoutError(
                    f"execution {self.arn} still {self._status} after {timeout:g} s; "
                    "call wait() or follow() again to keep waiting"
                )
            sleep(delay)
            self.refresh()
        return self

    def follow(
        self,
        on_update: Callable[[FollowUpdate], None] | None = None,
        *,
        timeout: float | None = None,
        poll: Poll = Poll(),
        sleep: Callable[[float], None] = time.sleep,
    ) -> RemoteExecution:
        """Poll GetExecutionHistory (with backoff, reset when events arrive) until the execution ends, calling
        ``on_update(FollowUpdate)`` with the new events after each poll that brought some. A graph widget uses
        this to live-update. Returns self; ``timeout`` (wall seconds) raises TimeoutError.

        The history decides the end: following stops at the event that ends the execution
        (``ExecutionSucceeded``, ``...Failed``, ``...TimedOut``, ``...Aborted``), and each update's ``status``
        is the status *of the history it carries*, so the last update always holds the whole history and its
        final status. DescribeExecution is eventually consistent (its API reference says so) and may still say
        ``RUNNING`` after the history has ended (moto also writes the last event before the status), so its
        answer only ends the following when the history read *after* it has no end event: an endpoint that
        does not record the end in the history would never send it.
        """
        if self._history is not None:  # already complete
            if on_update is not None:
                h = self._history
                on_update(FollowUpdate(execution=self, history=h, new_events=tuple(h), status=self._status))
            return self
        start = time.monotonic()
        delays = poll.delays()
        while True:
            self.refresh()  # before the history read: see _end_of
            described = self._status
            before = len(self._events)
            new = self._fetch_new()
            h = History.from_boto({"events": self._events})
            status = self._end_of(h, described)
            if new and on_update is not None:
                on_update(FollowUpdate(execution=self, history=h, new_events=tuple(h[before:]), status=status))
            if status in _FINAL:
                self._settle(h, status)
                return self
            if new:
                delays = poll.delays()
            delay = next(delays)
            if timeout is not None and time.monotonic() - start + delay > timeout:
                raise TimeoutError(f"execution {self.arn} still {status} after {timeout:g} s of following")
            sleep(delay)

    def _end_of(self, h: History, described: str) -> str:
        """The execution's status as of the history ``h``, given what DescribeExecution said just before ``h``
        was read.

        The history's own end event wins, unless DescribeExecution counts more redrives than the history
        shows (a redriven execution whose ``ExecutionRedriven`` event is not written yet: its old end event is
        not the end). A final answer from DescribeExecution with no end event in the history read after it
        ends the execution too (see :meth:`follow`); otherwise the execution still runs, as ``described``."""
        from sfnkit.history.views import execution_summary

        summary = execution_summary(h)
        redrives = self._described.get("redriveCount")
        redriven_later = isinstance(redrives, int) and redrives > summary.redrive_count
        if summary.status in _FINAL and not redriven_later:
            return summary.status
        return described

    def _settle(self, h: History, status: str) -> None:
        """Record the end: the complete history and, when it records the end, the status, output, error, cause
        and stop date of its end event, so that ``status``, ``output``... agree with the history :meth:`follow`
        delivered last (and never go back to ``RUNNING``), whatever a lagging DescribeExecution says."""
        from sfnkit.history.views import execution_summary

        self._history = h
        summary = execution_summary(h)
        if summary.status != status:  # the end came from DescribeExecution: its answer is all there is
            return
        described = dict(self._described)
        for key in ("output", "error", "cause", "stopDate"):
            described.pop(key, None)
        described["status"] = status
        if summary.stopped_at is not None:
            described["stopDate"] = summary.stopped_at
        if summary.output_json is not None:
            described["output"] = summary.output_json
        if summary.error is not None:
            described["error"] = summary.error
        if summary.cause is not None:
            described["cause"] = summary.cause
        self._absorb(described)

    # -- control ---------------------------------------------------------------------------------------------
    def stop(
        self,
        error: str | None = None,
        cause: str | None = None,
        *,
        timeout: float | None = 60.0,
        poll: Poll = Poll(initial=0.05, maximum=1.0),
        sleep: Callable[[float], None] = time.sleep,
    ) -> RemoteExecution:
        """StopExecution, then wait (as :meth:`wait` does) until DescribeExecution says the execution ended
        (ABORTED, or how it ended if it ended first).

        The wait is what makes ``status`` right on return: DescribeExecution is eventually consistent, and an
        endpoint may stop the run asynchronously (moto ends it on its own thread after answering), so a status
        read at once may still say RUNNING."""
        params: dict[str, Any] = {"executionArn": self.arn}
        if error is not None:
            params["error"] = error
        if cause is not None:
            params["cause"] = cause
        self.connection.call("stepfunctions", "StopExecution", **params)
        self._described = {}
        self.refresh()
        return self.wait(timeout=timeout, poll=poll, sleep=sleep)

    def redrive(self) -> RemoteExecution:
        """RedriveExecution: restart a failed Standard execution from the state that failed."""
        client = self.connection.client("stepfunctions")
        try:
            client.redrive_execution(executionArn=self.arn)
        except Exception as e:
            err = self.connection.error(e, "RedriveExecution")
            if not_implemented(e):
                err = AwsError(
                    f"RedriveExecution failed: the endpoint ({self.connection.describe()}) does not "
                    "implement RedriveExecution",
                    operation="RedriveExecution",
                    code=err.code,
                )
            raise err from None
        self._status = "RUNNING"
        self._described = {}
        self._history = None
        self._events = []
        return self

    # -- display --------------------------------------------------------------------------------------------
    def summary(self) -> str:
        """One line, as for a local execution: status, duration, transitions, events, the error if any."""
        h = self.history
        status = self.status
        from sfnkit.history.views import execution_summary, state_transitions

        entered = state_transitions(h)  # states entered plus retries, as AWS counts them
        text = status

        hs = execution_summary(h)
        start = hs.started_at or self.start_date
        stop = hs.stopped_at or self.stop_date
        if start is not None and stop is not None:
            text += f" in {(stop - start).total_seconds():g} s"
        text += f", {entered} state transitions, {len(h)} events"
        if self.error is not None:
            text += f"; error {self.error!r}" + (f": {self.cause}" if self.cause else "")
        elif self.cause:
            text += f"; cause: {self.cause}"
        return text

    def __repr__(self) -> str:  # no network call in a repr
        return f"<RemoteExecution {self.name}: {self._status} ({self.connection.describe()})>"


def execution(
    arn: str,
    *,
    client: Any = None,
    session: Any = None,
    endpoint_url: str | None = None,
    region: str | None = None,
    connection: Connection | None = None,
) -> RemoteExecution:
    """Attach to an existing execution by ARN (DescribeExecution runs at once, so a wrong ARN fails here)."""
    if region is None and arn.startswith("arn:") and arn.count(":") >= 4:
        region = arn.split(":")[3] or None
    conn = _connection(client, session, endpoint_url, region, connection)
    return RemoteExecution(arn, connection=conn).refresh()


def list_executions(
    state_machine: RemoteStateMachine | str | None = None,
    *,
    status: str | None = None,
    max_results: int | None = None,
    map_run_arn: str | None = None,
    client: Any = None,
    session: Any = None,
    endpoint_url: str | None = None,
    region: str | None = None,
    connection: Connection | None = None,
) -> list[dict[str, Any]]:
    """ListExecutions, every page (or the first ``max_results``), as rows ready for ``pandas.DataFrame``.

    Columns: ``name``, ``status``, ``start_date``, ``stop_date``, ``execution_arn``, ``state_machine_arn``,
    ``redrive_count``, ``map_run_arn``.
    """
    if isinstance(state_machine, RemoteStateMachine):
        connection = connection or state_machine.connection
        sm_arn: str | None = state_machine.arn
    else:
        sm_arn = state_machine
    if (sm_arn is None) == (map_run_arn is None):
        raise ValueError("list_executions needs a state machine (RemoteStateMachine or ARN) or map_run_arn=, not both")
    if status is not None and status not in (*_FINAL, "RUNNING", "PENDING_REDRIVE"):
        raise ValueError(
            f"status must be one of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE; got {status!r}"
        )
    conn = _connection(client, session, endpoint_url, region, connection)
    params: dict[str, Any] = {"stateMachineArn": sm_arn} if sm_arn else {"mapRunArn": map_run_arn}
    if status:
        params["statusFilter"] = status
    rows: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = conn.call("stepfunctions", "ListExecutions", **params, **({"nextToken": token} if token else {}))
        for item in page.get("executions", []):
            rows.append(
                {
                    "name": item.get("name"),
                    "status": item.get("status"),
                    "start_date": item.get("startDate"),
                    "stop_date": item.get("stopDate"),
                    "execution_arn": item.get("executionArn"),
                    "state_machine_arn": item.get("stateMachineArn"),
                    "redrive_count": item.get("redriveCount", 0),
                    "map_run_arn": item.get("mapRunArn"),
                }
            )
            if max_results is not None and len(rows) >= max_results:
                return rows
        token = page.get("nextToken")
        if not token:
            return rows


# -- TestState ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class TestStateResult:
    """What the TestState API said about one state, with the inspection data decoded into the same stages a
    local visit records (``sfnkit.Execution.visits[i].stages``): ``input``, ``afterInputPath``,
    ``afterParameters``, ``result``, ``afterResultSelector``, ``afterResultPath`` (and ``afterArguments``,
    ``afterItemsPath``... when AWS gives them)."""

    __test__ = False  # not a pytest test class, despite its name

    state_name: str
    status: str  # SUCCEEDED | FAILED | RETRIABLE | CAUGHT_ERROR
    output: Any = None
    error: str | None = None
    cause: str | None = None
    next_state: str | None = None
    stages: Mapping[str, Any] = field(default_factory=dict)
    request: Mapping[str, Any] | None = None
    response: Mapping[str, Any] | None = None
    error_details: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


def test_state(
    sm: Any,
    state_name: str,
    input: Any = None,
    *,
    role_arn: str | None = None,
    inspection_level: str = "DEBUG",
    reveal_secrets: bool = False,
    variables: Mapping[str, Any] | None = None,
    mock: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
    client: Any = None,
    session: Any = None,
    endpoint_url: str | None = None,
    region: str | None = None,
    connection: Connection | None = None,
) -> TestStateResult:
    """Run one state of ``sm`` with AWS's TestState API and return its result and data-flow stages.

    The whole definition is sent with ``stateName`` (so states inside Map and Parallel can be tested, and
    variables and the context resolve as on AWS). ``mock`` is TestState's mock (``{"result": ...}`` or
    ``{"errorOutput": {"error": ..., "cause": ...}}``), which tests a Task without calling its service.
    """
    if inspection_level not in ("INFO", "DEBUG", "TRACE"):
        raise ValueError(f'inspection_level must be "INFO", "DEBUG" or "TRACE", got {inspection_level!r}')
    machine = load(sm)
    machine.find(state_name)  # a KeyError naming the closest states when it is not there
    conn = _connection(client, session, endpoint_url, region, connection)
    params: dict[str, Any] = {
        "definition": _dump(machine.definition),
        "stateName": state_name,
        "input": _dump({} if input is None else input),
        "inspectionLevel": inspection_level,
    }
    if role_arn:
        params["roleArn"] = role_arn
    if reveal_secrets:
        params["revealSecrets"] = True
    if variables is not None:
        params["variables"] = _dump(dict(variables))
    if mock is not None:
        mk = dict(mock)
        if "result" in mk and not isinstance(mk["result"], str):
            mk["result"] = _dump(mk["result"])
        params["mock"] = mk
    if context is not None:
        params["context"] = _dump(dict(context))
    try:
        out = conn.client("stepfunctions").test_state(**params)
    except Exception as e:
        err = conn.error(e, "TestState")
        if not_implemented(e) or (type(e).__name__ == "EndpointConnectionError" and conn.endpoint_url):
            err = AwsError(
                f"TestState failed: the endpoint ({conn.describe()}) does not implement TestState ({err})",
                operation="TestState",
                code=err.code,
            )
        raise err from None
    return test_state_result(state_name, out)


def test_state_result(state_name: str, out: Mapping[str, Any]) -> TestStateResult:
    """Decode a TestState response (boto3's dict) into a :class:`TestStateResult`."""
    data = out.get("inspectionData") or {}
    stages = {k: loads_or_text(data[k]) for k in _STAGES if k in data}
    return TestStateResult(
        state_name=state_name,
        status=str(out.get("status")),
        output=loads_or_text(out.get("output")),
        error=out.get("error"),
        cause=out.get("cause"),
        next_state=out.get("nextState"),
        stages=stages,
        request=data.get("request"),
        response=data.get("response"),
        error_details=data.get("errorDetails"),
        raw=dict(out),
    )


test_state.__test__ = False  # type: ignore[attr-defined]
