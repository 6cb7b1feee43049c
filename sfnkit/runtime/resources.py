"""Task resources: which Python code answers which ``Resource`` ARN (DESIGN principle 5: registries are
instances the user passes in; the definition never picks Python code by itself).

A key is a Lambda function name (``"charge"``), a full ARN (``"arn:aws:lambda:...:function:charge"``,
``"arn:aws:states:::sqs:sendMessage"``, an activity ARN), or an ARN pattern with ``*``/``?`` wildcards.
Lookup order: exact ARN, function or activity name, then patterns in insertion order.

A handler is called with what fits its signature:

- ``fn(input)``: the effective task input;
- ``fn(input, context)``: plus a :class:`LambdaContext` (like AWS Lambda's second argument), which also carries
  the ASL context object and the task token;
- ``fn(call: TaskCall)``: one :class:`TaskCall` with everything (the Temporal-style single argument).

Which one a one-parameter handler gets is decided, in this order: the :func:`task_call` decorator (always a
``TaskCall``); else the parameter's annotation (``TaskCall``, or the text ``"TaskCall"``/``"sfnkit.TaskCall"``
under ``from __future__ import annotations``: a ``TaskCall``; any other annotation, such as ``dict``: the
input); else its name (``call``: a ``TaskCall``; any other name: the input).
"""

from __future__ import annotations

import contextvars
import fnmatch
import functools
import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import field
from typing import Any

from sfnkit.frozen import frozen, record

__all__ = ["LambdaContext", "Layered", "Resources", "TaskCall", "task_call", "virtual_sleep"]

Handler = Callable[..., Any]


@frozen  # (not @dataclass: that compiles its methods at import, 0.5 ms of every fresh process; sfnkit/frozen.py)
class TaskCall:
    """Everything a handler may want to know about one task attempt."""

    input: Any
    resource: str
    state_name: str
    context: Mapping[str, Any]
    task_token: str | None = None
    attempt: int = 0
    function_name: str | None = None
    on_heartbeat: Callable[[], object] | None = field(default=None, repr=False, compare=False)

    def send_task_heartbeat(self) -> None:
        """SendTaskHeartbeat with this task's token: an activity worker tells Step Functions it is still working,
        which resets the task's HeartbeatSeconds clock (at the task time this call is made: the virtual seconds
        asked for so far plus the real time taken, as the clock counts it). Nothing happens for a task that
        has no token, or once the call is over."""
        if self.on_heartbeat is not None:
            self.on_heartbeat()


@record  # a mutable dataclass made without generated code (sfnkit/frozen.py)
class LambdaContext:
    """A stand-in for AWS Lambda's context object (the handler's second argument).

    ``state_context`` is the ASL context object (``$$``) of the task; ``task_token`` its token, if any.
    """

    function_name: str
    invoked_function_arn: str
    state_context: Mapping[str, Any] = field(default_factory=dict)
    task_token: str | None = None
    memory_limit_in_mb: int = 128
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""
    new_id: Any = field(default=None, repr=False)
    on_heartbeat: Callable[[], object] | None = field(default=None, repr=False)
    _request_id: str | None = field(default=None, repr=False)

    @property
    def aws_request_id(self) -> str:
        """A request id, drawn from the execution's seeded random source the first time it is read."""
        if self._request_id is None:
            self._request_id = self.new_id() if self.new_id is not None else "00000000-0000-4000-8000-000000000000"
        return self._request_id

    def get_remaining_time_in_millis(self) -> int:
        return 900_000

    def sleep(self, seconds: float) -> None:
        """Take ``seconds`` of virtual time (see :func:`virtual_sleep`)."""
        virtual_sleep(seconds)

    def send_task_heartbeat(self) -> None:
        """SendTaskHeartbeat with this task's token (see :meth:`TaskCall.send_task_heartbeat`)."""
        if self.on_heartbeat is not None:
            self.on_heartbeat()


# -- virtual time inside a handler ------------------------------------------------------------------------

_elapsed: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar("sfnkit_task_elapsed", default=None)


def virtual_sleep(seconds: float) -> None:
    """Let a task take ``seconds`` of *virtual* time (e.g. to exercise TimeoutSeconds) without really sleeping.

    Outside a running task it does nothing, so handlers stay plain functions. The real time the handler takes
    counts as well (from 1 s of it on a ``VirtualClock``; all of it on a ``WallClock``: see ``sfnkit.runtime.clock``);
    ``virtual_sleep(float("inf"))`` means "never answers": the task times out at its TimeoutSeconds (AWS's default
    99,999,999 s without one) or the execution at its maximum duration, whichever comes first.
    """
    box = _elapsed.get()
    if box is not None and seconds > 0:
        box[0] += float(seconds)


def track_virtual_time(box: list[float]) -> contextvars.Token[list[float] | None]:
    """From now on ``virtual_sleep`` adds to ``box[0]``, until ``untrack_virtual_time(token)``. The execution
    sets this once around each drive of its scheduler; the interpreter zeroes ``box[0]`` before a handler call
    and reads it after (one context-variable switch per drive instead of one per call)."""
    return _elapsed.set(box)


def untrack_virtual_time(token: contextvars.Token[list[float] | None]) -> None:
    _elapsed.reset(token)


def call_with_elapsed(box: list[float], fn: Callable[..., Any], *args: Any) -> Any:
    """Call ``fn(*args)``; the virtual seconds it asks to take (``virtual_sleep``) accumulate in ``box[0]``,
    which the caller reads whether the call returns or raises."""
    token = _elapsed.set(box)
    try:
        return fn(*args)
    finally:
        _elapsed.reset(token)


# -- the registry -----------------------------------------------------------------------------------------


_MARK = "__sfnkit_task_call__"


def task_call(fn: Handler) -> Handler:
    """Decorator: ``fn`` receives one :class:`TaskCall`, whatever its parameter is called or annotated."""
    setattr(fn, _MARK, True)
    return fn


def _is_task_call_annotation(annotation: Any) -> bool | None:
    """True: TaskCall; False: another annotation; None: none given."""
    if annotation is inspect.Parameter.empty:
        return None
    if annotation is TaskCall:
        return True
    if isinstance(annotation, str):
        return annotation.strip().strip("'\"").split(".")[-1] == "TaskCall"
    return False


def _kind_of(fn: Handler) -> str:
    """How to call ``fn``: "call" (TaskCall), "one" (input), "two" (input, context); see the module docstring."""
    if getattr(fn, _MARK, False) is True:
        return "call"
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return "one"
    params = [p for p in sig.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if any(p.kind == p.VAR_POSITIONAL for p in sig.parameters.values()):
        return "two"
    if len(params) == 1:
        annotated = _is_task_call_annotation(params[0].annotation)
        if annotated is not None:  # an annotation says what the handler wants, whatever the name
            return "call" if annotated else "one"
        return "call" if params[0].name == "call" else "one"
    return "two" if len(params) >= 2 else "one"


@functools.lru_cache(maxsize=1024)  # asked on every Lambda task attempt, always about the same few ARNs
def function_name_of(arn_or_name: str) -> str:
    """The bare function name in a Lambda ARN, partial ARN or name (qualifiers such as ``:$LATEST`` dropped)."""
    s = arn_or_name
    if s.startswith("arn:"):
        parts = s.split(":")
        # arn:aws:lambda:region:account:function:name[:qualifier]
        if len(parts) >= 7 and parts[5] == "function":
            return parts[6]
        return parts[-1]
    parts = s.split(":")
    # account:function:name[:qualifier] or name[:qualifier]
    if len(parts) >= 3 and parts[1] == "function":
        return parts[2]
    return parts[0]


INTEGRATION_PATTERNS = (".waitForTaskToken", ".sync:2", ".sync")

#: The part of a states ARN that names what it is, when it is not a service integration.
_STATES_RESOURCE_KINDS = frozenset({"activity", "stateMachine", "execution", "express", "mapRun", "stateMachineAlias"})


@functools.lru_cache(maxsize=1024)
def service_integration(resource: str) -> str | None:
    """``"service:action[.pattern]"`` when ``resource`` is a Step Functions service integration, else None.

    AWS writes them ``arn:<partition>:states:::<service>:<action>`` in every partition (``aws``, ``aws-cn``,
    ``aws-us-gov``, ...), and accepts the form with a region and account too
    (``arn:aws:states:us-east-1:123456789012:sqs:sendMessage``); an activity ARN (``...:activity:name``) is not one.
    """
    parts = resource.split(":", 6)
    if len(parts) < 7 or parts[0] != "arn" or not parts[1].startswith("aws") or parts[2] != "states":
        return None
    if parts[5] in _STATES_RESOURCE_KINDS or not parts[5] or not parts[6]:
        return None
    return f"{parts[5]}:{parts[6]}"


def canonical_service_arn(resource: str) -> str | None:
    """A service integration ARN in its usual spelling, ``arn:aws:states:::service:action`` (None if not one)."""
    rest = service_integration(resource)
    return None if rest is None else f"arn:aws:states:::{rest}"


def strip_pattern(resource: str) -> str:
    """An integration ARN without its ``.sync``/``.sync:2``/``.waitForTaskToken`` suffix."""
    for suffix in INTEGRATION_PATTERNS:
        if resource.endswith(suffix):
            return resource[: -len(suffix)]
    return resource


def activity_name_of(arn: str) -> str | None:
    parts = arn.split(":")
    if len(parts) >= 7 and parts[2] == "states" and parts[5] == "activity":
        return parts[6]
    return None


class Resources(Mapping[str, Handler]):
    """A mutable registry of task handlers. ``Resources({"charge": fn})`` or ``r["charge"] = fn``."""

    def __init__(self, handlers: Mapping[str, Handler] | None = None) -> None:
        self._exact: dict[str, Handler] = {}
        self._patterns: dict[str, Handler] = {}
        self._kinds: dict[int, str] = {}
        self._resolved: dict[tuple[str, str | None], Handler | None] = {}
        #: Asked when this registry has no handler (the Python functions a built machine carries).
        self._fallback: Resources | None = None
        for k, v in (handlers or {}).items():
            self[k] = v

    def with_fallback(self, handlers: Mapping[str, Handler]) -> Resources:
        """A copy of this registry that asks ``handlers`` for what it does not answer itself (so the user's
        ``resources=`` always win over the functions attached to a machine). ``self`` is left unchanged."""
        if not handlers:
            return self
        out = Resources()
        out._exact = dict(self._exact)
        out._patterns = dict(self._patterns)
        out._kinds = self._kinds
        out._fallback = Resources(handlers) if self._fallback is None else self._fallback.with_fallback(handlers)
        return out

    def __setitem__(self, key: str, fn: Handler) -> None:
        if not callable(fn):
            raise TypeError(f"the handler for {key!r} must be callable, got {type(fn).__name__}")
        if any(ch in key for ch in "*?[") and not key.startswith("<"):
            self._patterns[key] = fn
        else:
            self._exact[key] = fn
        self._resolved.clear()

    def __getitem__(self, key: str) -> Handler:
        return {**self._exact, **self._patterns}[key]

    def __iter__(self) -> Iterator[str]:
        yield from self._exact
        yield from self._patterns

    def __len__(self) -> int:
        return len(self._exact) + len(self._patterns)

    def kind(self, fn: Handler) -> str:
        k = self._kinds.get(id(fn))
        if k is None:
            k = self._kinds[id(fn)] = _kind_of(fn)
        return k

    def resolve(self, resource: str, function_name: str | None = None) -> Handler | None:
        """The handler for a resource ARN (and, for ``lambda:invoke``, its FunctionName), or None."""
        exact = self._exact
        if function_name is not None:
            if function_name in exact:
                return exact[function_name]
            name = function_name_of(function_name)
            if name in exact:
                return exact[name]
            for pat, fn in self._patterns.items():
                if fnmatch.fnmatchcase(function_name, pat) or fnmatch.fnmatchcase(name, pat):
                    return fn
        if resource in exact:
            return exact[resource]
        if ":lambda:" in resource and ":function:" in resource:
            name = function_name_of(resource)
            if name in exact:
                return exact[name]
            base = resource.rsplit(":", 1)[0] if resource.count(":") >= 7 else None
            if base and base in exact:
                return exact[base]
        act = activity_name_of(resource)
        if act is not None and act in exact:
            return exact[act]
        short = function_name_of(resource) if ":lambda:" in resource and ":function:" in resource else act
        for pat, fn in self._patterns.items():
            if fnmatch.fnmatchcase(resource, pat) or (short is not None and fnmatch.fnmatchcase(short, pat)):
                return fn
        if self._fallback is not None:
            return self._fallback.resolve(resource, function_name)
        return None

    def resolve_task(self, resource: str, function_name: str | None = None) -> Handler | None:
        """What a Task runs for ``resource``: an integration ARN with ``.sync``/``.sync:2``/``.waitForTaskToken``
        falls back to the handler registered for the plain ARN. Answers are cached until the registry changes."""
        key = (resource, function_name)
        try:
            return self._resolved[key]
        except KeyError:
            pass
        fn = self.resolve(resource, function_name)
        if fn is None:
            base = strip_pattern(resource)
            if base != resource:
                fn = self.resolve(base, function_name)
        if fn is None:
            # arn:aws-cn:states:::sqs:sendMessage (another partition, or the region/account form) is the same
            # integration as arn:aws:states:::sqs:sendMessage: a handler registered under that answers it too
            canonical = canonical_service_arn(resource)
            if canonical is not None and canonical != resource:
                fn = self.resolve_task(canonical, function_name)
        self._resolved[key] = fn
        return fn

    def suggest(self, wanted: str) -> str:
        """A hint naming the closest keys, for "no handler" messages."""
        keys = list(self)
        if not keys:
            return "no resources were given; pass resources={name_or_arn: function}"
        import difflib  # only for a message's hint

        close = difflib.get_close_matches(function_name_of(wanted), keys, n=3, cutoff=0.4) or difflib.get_close_matches(
            wanted, keys, n=3, cutoff=0.4
        )
        if close:
            return "closest keys: " + ", ".join(repr(k) for k in close)
        return "known keys: " + ", ".join(repr(k) for k in keys[:8])

    def __repr__(self) -> str:
        return f"Resources({sorted(self)!r})"


class Layered(Resources):
    """The user's resources in front of fallback handlers (``services="local"``): every lookup asks ``front``
    first, with all of its rules (exact ARN, name, patterns, the plain ARN of a ``.sync`` resource), and only
    then ``back``, so a user's pattern wins over a fallback's exact ARN."""

    def __init__(self, front: Resources, back: Resources) -> None:
        super().__init__()
        self.front = front
        self.back = back

    def __setitem__(self, key: str, fn: Handler) -> None:
        self.front[key] = fn
        self._resolved.clear()

    def __getitem__(self, key: str) -> Handler:
        return self.front[key] if key in self.front else self.back[key]

    def __iter__(self) -> Iterator[str]:
        yield from self.front
        yield from (k for k in self.back if k not in self.front)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def resolve(self, resource: str, function_name: str | None = None) -> Handler | None:
        fn = self.front.resolve(resource, function_name)
        return fn if fn is not None else self.back.resolve(resource, function_name)

    def resolve_task(self, resource: str, function_name: str | None = None) -> Handler | None:
        key = (resource, function_name)
        try:
            return self._resolved[key]
        except KeyError:
            pass
        fn = self.front.resolve_task(resource, function_name)
        if fn is None:
            fn = self.back.resolve_task(resource, function_name)
        self._resolved[key] = fn
        return fn

    def __repr__(self) -> str:
        return f"Layered({self.front!r}, then {len(self.back)} local handlers)"
