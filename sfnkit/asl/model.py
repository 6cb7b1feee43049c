"""The immutable model of a state machine (ASL spec: "Structure of a State Machine", "State Types").

Built by :mod:`sfnkit.asl.parse` from a validated definition. Every node remembers its JSON Pointer
``location`` so that diagnostics, run-time errors and the graph can point at it. Field names are the ASL names
in snake_case; ``None`` means the field was absent (defaults are applied by the interpreter, where the spec
puts them, so the model stays a faithful picture of what the user wrote).

Each state keeps its original JSON object in ``raw`` for display and round-tripping.

The classes are frozen, keyword-only dataclasses made with :func:`sfnkit.frozen.frozen`, which defines them
without generating code (a fresh process's first ``load`` paid 14 ms for ``@dataclass`` to write and compile
these fourteen classes' methods) and lets the parser fill an instance from a dict in one step.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import field
from typing import Any, Literal

from sfnkit.frozen import frozen

__all__ = [
    "Body",
    "Catcher",
    "ChoiceRule",
    "ChoiceState",
    "FailState",
    "MapState",
    "ParallelState",
    "PassState",
    "QueryLanguage",
    "Retrier",
    "State",
    "StateMachine",
    "SucceedState",
    "TaskState",
    "WaitState",
]

QueryLanguage = Literal["JSONPath", "JSONata"]


class _Missing:
    """The value of a field the definition does not have, where ``None`` is a value it can have (``"Result": null``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"  # pickled by name, so that a machine sent to a worker process still compares it by identity


_MISSING: Any = _Missing()


@frozen
class Retrier:
    """One entry of a ``Retry`` array (ASL spec "Retrying after error")."""

    location: str
    error_equals: tuple[str, ...]
    interval_seconds: int = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: int | None = None
    jitter_strategy: Literal["FULL", "NONE"] = "NONE"
    comment: str | None = None


@frozen
class Catcher:
    """One entry of a ``Catch`` array (ASL spec "Fallback states")."""

    location: str
    error_equals: tuple[str, ...]
    next: str
    result_path: str | None = "$"
    result_path_given: bool = False
    output: Any = _MISSING
    assign: Mapping[str, Any] | None = None
    comment: str | None = None

    @property
    def has_output(self) -> bool:
        return self.output is not _MISSING


@frozen
class ChoiceRule:
    """A Choice rule. Top-level rules have ``next``; rules inside And/Or/Not do not.

    JSONPath rules use ``variable`` + ``operator``/``operand`` or one of ``and_``/``or_``/``not_``; JSONata rules use
    ``condition`` (a ``{% %}`` expression or a boolean literal).
    """

    location: str
    next: str | None = None
    variable: str | None = None
    operator: str | None = None
    operand: Any = None
    and_: tuple[ChoiceRule, ...] | None = None
    or_: tuple[ChoiceRule, ...] | None = None
    not_: ChoiceRule | None = None
    condition: Any = _MISSING
    output: Any = _MISSING
    assign: Mapping[str, Any] | None = None
    comment: str | None = None

    @property
    def has_output(self) -> bool:
        return self.output is not _MISSING

    @property
    def has_condition(self) -> bool:
        return self.condition is not _MISSING

    def short(self) -> str:
        """A short human form of the rule, for graph labels."""
        if self.has_condition:
            c = self.condition
            return str(c[2:-2].strip() if isinstance(c, str) and c.startswith("{%") else c)
        if self.and_ is not None:
            return " and ".join(f"({r.short()})" for r in self.and_)
        if self.or_ is not None:
            return " or ".join(f"({r.short()})" for r in self.or_)
        if self.not_ is not None:
            return f"not ({self.not_.short()})"
        return f"{self.variable} {self.operator} {json.dumps(self.operand)}"


@frozen
class State:
    """Fields every state type may carry. ``query_language`` is the effective one (inherited when absent)."""

    name: str
    type: str
    location: str
    query_language: QueryLanguage = "JSONPath"
    comment: str | None = None
    next: str | None = None
    end: bool = False
    input_path: str | None = "$"
    output_path: str | None = "$"
    assign: Mapping[str, Any] | None = None
    output: Any = _MISSING
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def has_output(self) -> bool:
        return self.output is not _MISSING

    @property
    def is_terminal(self) -> bool:
        return self.end or self.type in ("Succeed", "Fail")

    def transitions(self) -> Iterator[tuple[str, str]]:
        """``(kind, target)`` for each outgoing transition: ``next``, ``choice``, ``default``, ``catch``."""
        if self.next is not None:
            yield "next", self.next
        for c in getattr(self, "catch", ()):
            yield "catch", c.next


@frozen
class PassState(State):
    """A Pass state (ASL spec "Pass State"): passes its input, or ``Result``, on."""

    result: Any = _MISSING
    result_path: str | None = "$"
    parameters: Any = _MISSING

    @property
    def has_result(self) -> bool:
        return self.result is not _MISSING

    @property
    def has_parameters(self) -> bool:
        return self.parameters is not _MISSING


@frozen
class TaskState(State):
    """A Task state (ASL spec "Task State"): calls ``Resource``."""

    resource: str = ""
    parameters: Any = _MISSING  # JSONPath Parameters, or JSONata Arguments
    result_selector: Any = _MISSING
    result_path: str | None = "$"
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    timeout_seconds: Any = None  # int, or a JSONata expression string
    timeout_seconds_path: str | None = None
    heartbeat_seconds: Any = None
    heartbeat_seconds_path: str | None = None
    credentials: Any = None

    @property
    def has_parameters(self) -> bool:
        return self.parameters is not _MISSING

    @property
    def has_result_selector(self) -> bool:
        return self.result_selector is not _MISSING


@frozen
class ChoiceState(State):
    """A Choice state (ASL spec "Choice State"): the first rule that matches picks the next state."""

    choices: tuple[ChoiceRule, ...] = ()
    default: str | None = None

    def transitions(self) -> Iterator[tuple[str, str]]:
        for rule in self.choices:
            if rule.next is not None:
                yield "choice", rule.next
        if self.default is not None:
            yield "default", self.default


@frozen
class WaitState(State):
    """A Wait state (ASL spec "Wait State"): waits for a number of seconds or until a time."""

    seconds: Any = None  # int, or a JSONata expression string
    timestamp: str | None = None
    seconds_path: str | None = None
    timestamp_path: str | None = None


@frozen
class SucceedState(State):
    """A Succeed state (ASL spec "Succeed State"): ends its scope successfully."""


@frozen
class FailState(State):
    """A Fail state (ASL spec "Fail State"): ends the execution with an error and a cause."""

    error: str | None = None
    cause: str | None = None
    error_path: str | None = None
    cause_path: str | None = None


@frozen
class Body:
    """A set of states with a start: the top level, a Parallel branch or a Map processor."""

    location: str
    start_at: str
    states: Mapping[str, State]
    query_language: QueryLanguage = "JSONPath"
    comment: str | None = None
    processor_mode: str | None = None  # Map ItemProcessor ProcessorConfig.Mode: INLINE | DISTRIBUTED
    execution_type: str | None = None  # Map ItemProcessor ProcessorConfig.ExecutionType

    @property
    def start(self) -> State:
        return self.states[self.start_at]

    def walk(self) -> Iterator[State]:
        """Every state in this body and, depth first, in the bodies nested in it."""
        for state in self.states.values():
            yield state
            for child in state_children(state):
                yield from child.walk()


@frozen
class ParallelState(State):
    """A Parallel state (ASL spec "Parallel State"): runs its branches side by side."""

    branches: tuple[Body, ...] = ()
    parameters: Any = _MISSING  # JSONPath Parameters, or JSONata Arguments
    result_selector: Any = _MISSING
    result_path: str | None = "$"
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()

    @property
    def has_parameters(self) -> bool:
        return self.parameters is not _MISSING

    @property
    def has_result_selector(self) -> bool:
        return self.result_selector is not _MISSING


@frozen
class MapState(State):
    """A Map state (ASL spec "Map State"): runs its processor once per item."""

    processor: Body | None = None  # ItemProcessor, or the legacy Iterator
    items_path: str | None = "$"
    items: Any = _MISSING  # JSONata Items
    item_selector: Any = _MISSING  # ItemSelector, or the legacy Parameters
    item_reader: Mapping[str, Any] | None = None
    item_batcher: Mapping[str, Any] | None = None
    result_writer: Mapping[str, Any] | None = None
    result_selector: Any = _MISSING
    result_path: str | None = "$"
    max_concurrency: Any = None
    max_concurrency_path: str | None = None
    tolerated_failure_count: Any = None
    tolerated_failure_count_path: str | None = None
    tolerated_failure_percentage: Any = None
    tolerated_failure_percentage_path: str | None = None
    label: str | None = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()

    @property
    def is_distributed(self) -> bool:
        return self.processor is not None and self.processor.processor_mode == "DISTRIBUTED"

    @property
    def has_items(self) -> bool:
        return self.items is not _MISSING

    @property
    def has_item_selector(self) -> bool:
        return self.item_selector is not _MISSING

    @property
    def has_result_selector(self) -> bool:
        return self.result_selector is not _MISSING


def state_children(state: State) -> tuple[Body, ...]:
    """The bodies nested directly in a state: Parallel branches or the Map processor."""
    if isinstance(state, ParallelState):
        return state.branches
    if isinstance(state, MapState) and state.processor is not None:
        return (state.processor,)
    return ()


@frozen  # weakly referenced by sfnkit.asl.identity (an instance with a __dict__ has a __weakref__ too)
class StateMachine(Body):
    """A whole state machine: the top-level body plus the machine-wide fields."""

    timeout_seconds: int | None = None
    version: str | None = None
    definition: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    source_name: str | None = field(default=None, compare=False)
    index: Mapping[str, tuple[State, ...]] = field(default_factory=dict, repr=False, compare=False)
    #: The template project this machine was loaded from (``sfnkit.asl.project.model.Project``), else None.
    project: Any = field(default=None, repr=False, compare=False)
    #: Python functions attached by the builder (Lambda function name -> callable, :mod:`sfnkit.build`): the
    #: runtime calls them for Tasks that ``resources=`` does not answer.
    handlers: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def find(self, name: str) -> State:
        """The state called ``name`` anywhere in the machine (names are unique across scopes)."""
        try:
            return self.index[name][0]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(name, list(self.index), n=3)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise KeyError(f"no state named {name!r} in this state machine{hint}") from None

    def __repr__(self) -> str:
        n = len(self.index) or len(self.states)
        where = f" from {self.source_name}" if self.source_name else ""
        return f"<StateMachine{where}: {n} states, StartAt={self.start_at!r}, QueryLanguage={self.query_language}>"

    def to_json(self, indent: int | None = 2) -> str:
        """The definition as ASL JSON, keys in the order hand-written ASL uses (:mod:`sfnkit.asl.format`)."""
        from sfnkit.asl.format import to_json

        return to_json(self.definition, indent=indent)

    def to_yaml(self) -> str:
        """The definition as ASL YAML, keys in the order hand-written ASL uses."""
        from sfnkit.asl.format import to_yaml

        return to_yaml(self.definition)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """In a notebook: the graph (SVG) and an outline (text, for untrusted notebooks and terminals)."""
        from sfnkit.views.display import state_machine_mimebundle

        return state_machine_mimebundle(self, include=include, exclude=exclude)


MISSING = _MISSING
