"""Mocked service integrations in the format of Step Functions Local's ``MockConfigFile.json``.

A mock configuration names, per state machine and test case, which *mocked response* each Task state uses; a
mocked response lists, per invocation of that state, a ``Return`` (the task's result) or a ``Throw``
(``{"Error": ..., "Cause": ...}``)::

    {"StateMachines": {"Orders": {"TestCases": {"RetryPath": {"Charge": "ChargeFlaky"}}}},
     "MockedResponses": {"ChargeFlaky": {"0-1": {"Throw": {"Error": "Lambda.TooManyRequestsException",
                                                         "Cause": "Rate exceeded"}},
                                         "2": {"Return": {"StatusCode": 200, "Payload": {"ok": true}}}}}}

Counting follows Step Functions Local (AWS docs, "Configuration file for mocked service integrations"):
invocation numbers start at 0 and count every call of the state in one execution, so a retry is the next
invocation, and the iterations of a Map share the state's counter (in the order the iterations call it).
Keys are single numbers (``"3"``) or inclusive ranges (``"1-2"``). A mock must cover every invocation: an
invocation without a response fails the execution, as in Step Functions Local. For ``lambda:invoke`` a
``Return`` is the *whole* Invoke response (``StatusCode``, ``Payload``...), so such handlers carry
``sfnkit_raw_response = True`` and the interpreter must not wrap them in its own Lambda envelope.

``from_history(history)`` writes the mock configuration that replays a recorded execution (an AWS history or a
local one) locally, Task by Task.

Users reach this module as ``sfnkit.mocks`` (the name the README documents; ``sfnkit/__init__.py`` maps it here).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sfnkit import messages as msg
from sfnkit.errors import RUNTIME, TASK_FAILED, TIMEOUT, TaskFailure
from sfnkit.runtime.resources import TaskCall

__all__ = ["MockConfig", "MockConfigError", "MockedResponse", "TestCaseMocks", "from_history"]


class MockConfigError(ValueError):
    """The mock configuration is malformed; the message says where (a JSON Pointer) and what is allowed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Entry:
    first: int
    last: int
    kind: str  # "Return" | "Throw"
    value: Any


@dataclass(frozen=True, slots=True, kw_only=True)
class MockedResponse:
    """One named mocked response: what invocation ``n`` of a state returns or throws."""

    name: str
    entries: tuple[_Entry, ...]

    @classmethod
    def parse(cls, name: str, doc: Any, where: str) -> MockedResponse:
        if not isinstance(doc, Mapping) or not doc:
            raise MockConfigError(
                f"{where}: a mocked response must be a non-empty object whose keys are invocation "
                'numbers ("0") or ranges ("1-3")'
            )
        entries = []
        for key, value in doc.items():
            at = f"{where}/{key}"
            first, last = _parse_key(str(key), at)
            if not isinstance(value, Mapping) or len(value) != 1 or next(iter(value)) not in ("Return", "Throw"):
                raise MockConfigError(
                    f'{at}: must be an object with exactly one field, "Return" or "Throw"; got {_short(value)}'
                )
            kind, payload = next(iter(value.items()))
            if kind == "Throw":
                if not isinstance(payload, Mapping) or not isinstance(payload.get("Error"), str):
                    raise MockConfigError(
                        f'{at}/Throw: must be {{"Error": "<name>", "Cause": "<text>"}} with '
                        f"string values; got {_short(payload)}"
                    )
                cause = payload.get("Cause")
                if cause is not None and not isinstance(cause, str):
                    raise MockConfigError(f"{at}/Throw/Cause: must be a string, got {type(cause).__name__}")
            entries.append(_Entry(first=first, last=last, kind=kind, value=payload))
        entries.sort(key=lambda e: e.first)
        for a, b in itertools.pairwise(entries):
            if b.first <= a.last:
                raise MockConfigError(
                    f'{where}: invocation {b.first} is covered twice (by "{_key(a)}" and "{_key(b)}")'
                )
        return cls(name=name, entries=tuple(entries))

    def at(self, invocation: int) -> _Entry | None:
        for e in self.entries:
            if e.first <= invocation <= e.last:
                return e
        return None

    def covered(self) -> str:
        return ", ".join(_key(e) for e in self.entries)


def _key(e: _Entry) -> str:
    return str(e.first) if e.first == e.last else f"{e.first}-{e.last}"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _parse_key(key: str, where: str) -> tuple[int, int]:
    parts = key.split("-")
    try:
        if len(parts) == 1:
            n = int(parts[0])
            if n < 0 or parts[0].strip() != parts[0]:
                raise ValueError
            return n, n
        if len(parts) == 2:
            a, b = int(parts[0]), int(parts[1])
            if 0 <= a <= b:
                return a, b
    except ValueError:
        pass
    raise MockConfigError(
        f'{where}: invocation key {key!r} must be a number ("0") or an inclusive range ("1-3") of numbers >= 0'
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class MockConfig:
    """A parsed ``MockConfigFile.json``: ``MockConfig.load(path_or_dict)``."""

    state_machines: Mapping[str, Mapping[str, Mapping[str, str]]]
    responses: Mapping[str, MockedResponse]
    source: str | None = field(default=None, compare=False)

    @classmethod
    def load(cls, source: str | Path | Mapping[str, Any]) -> MockConfig:
        """Read a mock configuration from a path, JSON text or a dict. Every reference is checked: a test case
        naming a mocked response that does not exist is an error here, not in the middle of a run."""
        name: str | None = None
        if isinstance(source, Mapping):
            doc: Any = source
        else:
            text = str(source)
            if isinstance(source, Path) or not text.lstrip().startswith("{"):
                name = text
                try:
                    text = Path(text).read_text(encoding="utf-8")
                except OSError as e:
                    raise MockConfigError(f"cannot read the mock configuration {text!r}: {e.strerror}") from None
            try:
                doc = json.loads(text)
            except ValueError as e:
                raise MockConfigError(f"{name or 'mock configuration'}: not JSON: {e}") from None
        if not isinstance(doc, Mapping):
            raise MockConfigError("a mock configuration must be a JSON object with StateMachines and MockedResponses")
        unknown = sorted(set(doc) - {"StateMachines", "MockedResponses"})
        if unknown:
            raise MockConfigError(
                f"/: unknown field(s) {unknown}; a mock configuration has StateMachines and MockedResponses"
            )
        raw_responses = doc.get("MockedResponses") or {}
        if not isinstance(raw_responses, Mapping):
            raise MockConfigError("/MockedResponses: must be an object of named mocked responses")
        responses = {n: MockedResponse.parse(n, r, f"/MockedResponses/{n}") for n, r in raw_responses.items()}
        machines: dict[str, dict[str, dict[str, str]]] = {}
        raw_machines = doc.get("StateMachines") or {}
        if not isinstance(raw_machines, Mapping):
            raise MockConfigError("/StateMachines: must be an object of state machine names")
        for sm_name, sm in raw_machines.items():
            where = f"/StateMachines/{sm_name}"
            if not isinstance(sm, Mapping) or set(sm) != {"TestCases"} or not isinstance(sm["TestCases"], Mapping):
                raise MockConfigError(f'{where}: must be {{"TestCases": {{...}}}}')
            cases: dict[str, dict[str, str]] = {}
            for case_name, case in sm["TestCases"].items():
                at = f"{where}/TestCases/{case_name}"
                if not isinstance(case, Mapping):
                    raise MockConfigError(f"{at}: must map state names to mocked response names")
                for state, response in case.items():
                    if response not in responses:
                        import difflib

                        close = difflib.get_close_matches(str(response), list(responses), n=3)
                        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
                        raise MockConfigError(
                            f"{at}/{state}: no mocked response named {response!r} in MockedResponses{hint}"
                        )
                cases[case_name] = dict(case)
            machines[sm_name] = cases
        return cls(state_machines=machines, responses=responses, source=name)

    def test_case(self, state_machine_name: str, test_case_name: str) -> TestCaseMocks:
        """The mocks of one test case, with fresh invocation counters (one per execution)."""
        import difflib

        cases = self.state_machines.get(state_machine_name)
        if cases is None:
            close = difflib.get_close_matches(state_machine_name, list(self.state_machines), n=3)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise KeyError(
                f"the mock configuration has no state machine {state_machine_name!r}{hint} (it has "
                f"{sorted(self.state_machines)})"
            )
        case = cases.get(test_case_name)
        if case is None:
            close = difflib.get_close_matches(test_case_name, list(cases), n=3)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise KeyError(
                f"state machine {state_machine_name!r} has no test case {test_case_name!r}{hint} (it has "
                f"{sorted(cases)})"
            )
        return TestCaseMocks(
            state_machine_name=state_machine_name,
            test_case_name=test_case_name,
            mocks={state: self.responses[r] for state, r in case.items()},
        )

    def to_dict(self) -> dict[str, Any]:
        """The configuration as ``MockConfigFile.json`` holds it."""
        return {
            "StateMachines": {
                sm: {"TestCases": {c: dict(m) for c, m in cases.items()}} for sm, cases in self.state_machines.items()
            },
            "MockedResponses": {n: {_key(e): {e.kind: e.value} for e in r.entries} for n, r in self.responses.items()},
        }


class TestCaseMocks:
    """The mocks of one test case for one execution: ``handler_for(state_name)`` gives the Task handler (or
    None when the state is not mocked). Counters are per state and live as long as this object."""

    __test__ = False  # not a pytest test class, despite its name

    def __init__(self, *, state_machine_name: str, test_case_name: str, mocks: Mapping[str, MockedResponse]) -> None:
        self.state_machine_name = state_machine_name
        self.test_case_name = test_case_name
        self.mocks = dict(mocks)
        self.counts: dict[str, int] = {}
        self._handlers: dict[str, Callable[[TaskCall], Any]] = {}

    def handler_for(self, state_name: str) -> Callable[[TaskCall], Any] | None:
        """The handler that answers ``state_name``'s invocations from its mocked response, or None."""
        known = self._handlers.get(state_name)
        if known is not None:
            return known
        response = self.mocks.get(state_name)
        if response is None:
            return None

        def handler(call: TaskCall) -> Any:
            n = self.counts.get(state_name, 0)
            self.counts[state_name] = n + 1
            entry = response.at(n)
            if entry is None:
                raise TaskFailure(
                    RUNTIME,
                    msg.mock_not_covered(
                        n, state_name, response.name, response.covered(), self.test_case_name, self.state_machine_name
                    ),
                )
            if entry.kind == "Throw":
                raise TaskFailure(entry.value["Error"], entry.value.get("Cause"))
            return json.loads(json.dumps(entry.value))

        handler.__name__ = f"mock_{state_name}"
        handler.__qualname__ = handler.__name__
        handler.sfnkit_mock = True  # type: ignore[attr-defined]
        # lambda:invoke: Return is the whole Invoke response, not just the Payload
        handler.sfnkit_raw_response = True  # type: ignore[attr-defined]
        self._handlers[state_name] = handler
        return handler

    def invocations(self, state_name: str) -> int:
        """How many times ``state_name`` was invoked so far."""
        return self.counts.get(state_name, 0)

    def __repr__(self) -> str:
        return (
            f"<TestCaseMocks {self.state_machine_name}#{self.test_case_name}: "
            f"{', '.join(f'{s}->{r.name}' for s, r in self.mocks.items())}>"
        )


def from_history(
    history: Any,
    *,
    state_machine_name: str = "StateMachine",
    test_case_name: str = "Replay",
    states: Iterable[str] | None = None,
) -> dict[str, Any]:
    """A ``MockConfigFile`` (as a dict) that replays ``history`` locally: every attempt of every Task becomes
    one invocation of its state's mocked response (``Return`` = the recorded result, ``Throw`` = the recorded
    error and cause), in the order the history shows them; runs of equal responses become ranges.

    ``history`` is anything :meth:`sfnkit.History.from_boto` reads (a real AWS execution's history included).
    ``states`` limits the mocks to those Task states. Load the result with ``MockConfig.load``.
    Map iterations replay in history order, which is the order Step Functions Local would consume them with
    ``MaxConcurrency: 1``.
    """
    from sfnkit.history.model import History
    from sfnkit.history.views import attempts

    h = History.from_boto(history)
    wanted = None if states is None else set(states)
    per_state: dict[str, list[tuple[str, Any]]] = {}
    for attempt in attempts(h):
        name = attempt.state_name
        if name is None or (wanted is not None and name not in wanted):
            continue
        if attempt.status == "succeeded":
            text = attempt.output_json
            per_state.setdefault(name, []).append(("Return", None if text is None else json.loads(text)))
        elif attempt.status in ("failed", "timed_out"):
            throw: dict[str, Any] = {
                "Error": attempt.error or (TIMEOUT if attempt.status == "timed_out" else TASK_FAILED)
            }
            if attempt.cause is not None:
                throw["Cause"] = attempt.cause
            per_state.setdefault(name, []).append(("Throw", throw))
        # attempts still running or aborted replay nothing
    responses: dict[str, Any] = {}
    case: dict[str, str] = {}
    for name, calls in per_state.items():
        response: dict[str, Any] = {}
        i = 0
        while i < len(calls):
            j = i
            while j + 1 < len(calls) and calls[j + 1] == calls[i]:
                j += 1
            response[str(i) if i == j else f"{i}-{j}"] = {calls[i][0]: calls[i][1]}
            i = j + 1
        rname = f"{name}Replay"
        while rname in responses:
            rname += "_"
        responses[rname] = response
        case[name] = rname
    return {"StateMachines": {state_machine_name: {"TestCases": {test_case_name: case}}}, "MockedResponses": responses}
