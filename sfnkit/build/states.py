"""State classes that mirror ASL one to one, chaining with ``>>``, and :class:`Machine`, which assembles them.

ASL spec, "States" (https://states-language.net/spec.html#statetypes): one class per state type (:class:`Pass`,
:class:`Task`, :class:`Choice`, :class:`Wait`, :class:`Succeed`, :class:`Fail`, :class:`Parallel`,
:class:`Map`); every field of that type (in either query language) is a snake_case keyword, the table being
:data:`sfnkit.asl.parse.FIELDS`. Objects that ASL nests get their own class: :class:`Retry`, :class:`Catch`,
:class:`Branch` (a Parallel branch), :class:`Processor` (a Map ``ItemProcessor``/``Iterator``, inline or
distributed), :class:`ItemReader`, :class:`ItemBatcher`, :class:`ResultWriter`. Plain dicts work for any of them.

Transitions: ``a >> b`` sets ``a``'s ``Next`` (and returns a chain, so ``a >> b >> c`` reads left to right);
``choice.when(rule, state)`` and ``choice.otherwise(state)`` add Choice rules and the ``Default``; a Catch's
``next`` is a state. A state may also name its target by string (``next="Later"``), which is how loops read.

Nothing is checked against the whole machine until :meth:`Machine.build` (which runs :func:`sfnkit.load` on the
generated definition); misuse a single object can see (two ``Next``s, an unknown field, a Choice ``Next``) raises
:class:`~sfnkit.build.fields.BuildError` at once. Either way the message names the ``file:line`` that built it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any, ClassVar

from sfnkit.asl import parse
from sfnkit.asl.diagnostics import Diagnostic
from sfnkit.asl.model import StateMachine
from sfnkit.build.fields import BuildError, Origin, asl_name, caller, snake_name
from sfnkit.build.rules import Path, Rule
from sfnkit.errors import DefinitionError

__all__ = [
    "Branch",
    "Catch",
    "Chain",
    "Choice",
    "Fail",
    "ItemBatcher",
    "ItemReader",
    "Machine",
    "Map",
    "Parallel",
    "Pass",
    "Processor",
    "PythonFunction",
    "ReaderConfig",
    "ResultWriter",
    "Retry",
    "State",
    "Succeed",
    "Task",
    "Wait",
    "When",
    "chain",
]

#: Fields every state class handles itself instead of storing them as plain JSON.
_STRUCTURED = frozenset(
    {"Type", "Next", "Choices", "Default", "Branches", "Iterator", "ItemProcessor", "Retry", "Catch"}
)
_LAMBDA_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: The account and region of the Lambda ARN a Python function task carries until it is deployed (sfnkit's
#: local defaults, so the local run's ARNs and the history agree).
LOCAL_ACCOUNT = "123456789012"
LOCAL_REGION = "us-east-1"


def placeholder_arn(function_name: str) -> str:
    """The Lambda ARN a Python function task carries locally; :func:`sfnkit.aws.deploy` swaps it for the real one."""
    return f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:{function_name}"


class PythonFunction:
    """A Python function that stands in for a Lambda function: ``PythonFunction(score, name="score-model")``.

    Used as a Task's ``resource`` (or through :func:`sfnkit.build.task`), it puts the Lambda ARN
    :func:`placeholder_arn` into the definition and attaches the function to the built machine, so
    ``sfnkit.run(machine, input)`` calls it without ``resources=``.
    """

    def __init__(self, fn: Callable[..., Any], *, name: str | None = None) -> None:
        origin = caller()
        if not callable(fn):
            raise BuildError(f"{origin}: PythonFunction takes a callable, got {type(fn).__name__}")
        fname: str = name or str(getattr(fn, "__name__", ""))
        if not _LAMBDA_NAME.match(fname):
            raise BuildError(
                f"{origin}: {fname!r} is not a Lambda function name (1-64 letters, digits, - or _); pass name='...'"
            )
        self.fn = fn
        self.name = fname
        self.origin = origin

    @property
    def arn(self) -> str:
        return placeholder_arn(self.name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"PythonFunction({getattr(self.fn, '__qualname__', self.fn)!s}, name={self.name!r})"


# -- compile context ------------------------------------------------------------------------------------------


class _Compile:
    """What one :meth:`Machine.definition` call collects: origins by JSON Pointer and attached functions."""

    def __init__(self) -> None:
        self.origins: dict[str, Origin] = {}
        self.handlers: dict[str, PythonFunction] = {}
        self.owner: dict[int, str] = {}  # id(state) -> the body it was placed in

    def function(self, fn: PythonFunction) -> str:
        other = self.handlers.get(fn.name)
        if other is not None and other.fn is not fn.fn:
            raise BuildError(
                f"{fn.origin}: two different Python functions are both called {fn.name!r} (the other one at "
                f"{other.origin}); give one of them PythonFunction(fn, name='...')"
            )
        self.handlers[fn.name] = fn
        return fn.arn


def _json(value: Any, origin: Origin, where: str, cx: _Compile, ptr: str, ql: str | None = None) -> Any:
    """A JSON copy of a field value; builder objects inside (Retry, ItemReader, ...) become their ASL.

    In a state's fields (``ql`` given) a :class:`~sfnkit.build.rules.Path` is a reference: a path field
    (``input_path=P.input.order``) takes its text; inside a template (``parameters={"id": P.input.order.id}``)
    it becomes ``"id.$": "$.order.id"`` in JSONPath, or ``"id": "{% $states.input.order.id %}"`` in JSONata.
    """
    if isinstance(value, _Part):
        return value.to_asl(cx, ptr)
    if isinstance(value, PythonFunction):
        return cx.function(value)
    if isinstance(value, Path):
        if ql is None:
            raise BuildError(f"{origin}: {where}: write the path as text here ({value.path!r})")
        if ql == "JSONata":
            return "{% " + _jsonata_of(value.path, origin, where) + " %}"
        return value.path
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise BuildError(f"{origin}: {where}: JSON object keys are strings, got {k!r}")
            if isinstance(v, Path) and ql == "JSONPath":
                out[k + ".$"] = v.path  # a reference in a JSONPath template: the ".$" key
                continue
            out[k] = _json(v, origin, where, cx, f"{ptr}/{k}", ql)
        return out
    if isinstance(value, (list, tuple)):
        items = [_json(v, origin, where, cx, f"{ptr}/{i}", ql) for i, v in enumerate(value)]
        if ql == "JSONPath" and any(isinstance(v, Path) for v in value):
            raise BuildError(
                f'{origin}: {where}: JSONPath templates take paths only as object values ("key.$"); '
                "put the path in an object, or use States.Array(...)"
            )
        return items
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise BuildError(f"{origin}: {where}: {value} is not a JSON number")
        return value
    if isinstance(value, Rule):
        raise BuildError(f"{origin}: {where}: a Choice rule belongs in Choice.when(rule, next)")
    raise BuildError(
        f"{origin}: {where}: {type(value).__name__} is not a JSON value (dict, list, str, number, bool or None)"
    )


_SIMPLE_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]")


def _jsonata_of(path: str, origin: Origin, where: str) -> str:
    """The JSONata expression that reads what a simple JSONPath reads ($ -> $states.input, $$ -> $states.context,
    $name -> the variable)."""
    m = re.match(r"^(\$\$|\$(?=[.\[]|$)|\$[A-Za-z_][A-Za-z0-9_]*)", path)
    if m is None:
        raise BuildError(f"{origin}: {where}: {path!r} is not a path")
    head = {"$$": "$states.context", "$": "$states.input"}.get(m.group(1), m.group(1))
    out, pos = head, m.end()
    while pos < len(path):
        s = _SIMPLE_STEP.match(path, pos)
        if s is None:
            raise BuildError(
                f"{origin}: {where}: {path!r} has no plain JSONata form; write the JSONata expression "
                'as a string "{% ... %}"'
            )
        if s.group(1) is not None:
            out += "." + s.group(1)
        elif s.group(2) is not None:
            out += f"[{s.group(2)}]"
        else:
            out += ".`" + re.sub(r"\\(.)", r"\1", s.group(3)).replace("`", "") + "`"
        pos = s.end()
    return out


class _Part:
    """A nested ASL object (Retry, Catch, ItemReader, ...): a field table and snake_case keywords."""

    ALLOWED: ClassVar[frozenset[str]] = frozenset()
    WHAT: ClassVar[str] = ""

    def __init__(self, **fields: Any) -> None:
        self.origin = caller()
        self.fields: dict[str, Any] = {}
        for kw, v in fields.items():
            self.fields[asl_name(kw, self.ALLOWED, what=self.WHAT, origin=self.origin)] = v

    def to_asl(self, cx: _Compile, ptr: str) -> dict[str, Any]:
        cx.origins.setdefault(ptr, self.origin)
        return {k: _json(v, self.origin, f"{self.WHAT} {k}", cx, f"{ptr}/{k}") for k, v in self.fields.items()}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.fields!r})"


def _errors(errors: str | Iterable[str]) -> list[str]:
    return [errors] if isinstance(errors, str) else list(errors)


class Retry(_Part):
    """A retrier: ``Retry(["States.Timeout"], interval_seconds=2, max_attempts=3, backoff_rate=2.0)``.

    Error names are the constants of :mod:`sfnkit.errors` (``errors.TIMEOUT``, ``errors.ALL``, ...) or your own.
    """

    ALLOWED = parse.RETRY_FIELDS
    WHAT = "a Retry"

    def __init__(self, errors: str | Iterable[str] | None = None, **fields: Any) -> None:
        if errors is not None:
            fields["error_equals"] = _errors(errors)
        super().__init__(**fields)


class Catch(_Part):
    """A catcher: ``Catch([errors.ALL], next=handle, result_path="$.error")``; ``next`` is a state or a name."""

    ALLOWED = parse.CATCH_FIELDS
    WHAT = "a Catch"

    def __init__(
        self, errors: str | Iterable[str] | None = None, next: State | str | None = None, **fields: Any
    ) -> None:
        if errors is not None:
            fields["error_equals"] = _errors(errors)
        if next is not None:
            fields["next"] = next
        super().__init__(**fields)

    def to_asl(self, cx: _Compile, ptr: str) -> dict[str, Any]:
        cx.origins.setdefault(ptr, self.origin)
        out = {
            k: _json(v, self.origin, f"a Catch {k}", cx, f"{ptr}/{k}") for k, v in self.fields.items() if k != "Next"
        }
        if "Next" in self.fields:
            out["Next"] = _target_name(self.fields["Next"], self.origin)
        return out

    @property
    def targets(self) -> list[State]:
        t = self.fields.get("Next")
        return [t] if isinstance(t, State) else []


class ItemReader(_Part):
    """A Distributed Map's ``ItemReader``: ``ItemReader(resource="arn:aws:states:::s3:getObject", ...)``."""

    ALLOWED = parse.ITEM_READER_FIELDS
    WHAT = "an ItemReader"


class ItemBatcher(_Part):
    """A Map's ``ItemBatcher``: ``ItemBatcher(max_items_per_batch=10, batch_input={...})``."""

    ALLOWED = parse.ITEM_BATCHER_FIELDS
    WHAT = "an ItemBatcher"


class ResultWriter(_Part):
    """A Distributed Map's ``ResultWriter``: ``ResultWriter(resource="arn:aws:states:::s3:putObject", ...)``."""

    ALLOWED = parse.RESULT_WRITER_FIELDS
    WHAT = "a ResultWriter"


class ReaderConfig(_Part):
    """An ItemReader's ``ReaderConfig``: ``ReaderConfig(input_type="CSV", csv_header_location="FIRST_ROW")``."""

    ALLOWED = parse.READER_CONFIG_FIELDS
    WHAT = "a ReaderConfig"


def _target_name(target: Any, origin: Origin) -> str:
    if isinstance(target, State):
        return target.name
    if isinstance(target, Chain):
        return target.head.name
    if isinstance(target, str):
        return target
    raise BuildError(f"{origin}: a transition goes to a state or a state name, got {type(target).__name__}")


# -- states ---------------------------------------------------------------------------------------------------


class State:
    """One ASL state. Subclasses fix ``Type``; every other field of that type is a snake_case keyword."""

    TYPE: ClassVar[str] = ""
    #: ``a >> b`` is allowed (the state has a Next).
    FLOWS: ClassVar[bool] = True

    def __init__(self, name: str, /, **fields: Any) -> None:
        self.origin = caller()
        if not isinstance(name, str):
            raise BuildError(f"{self.origin}: a state's name is a string, got {type(name).__name__}")
        self.name = name
        self.fields: dict[str, Any] = {}
        self._next: State | str | None = None
        self._next_origin: Origin | None = None
        self.retries: list[Retry | Mapping[str, Any]] = []
        self.catches: list[Catch | Mapping[str, Any]] = []
        self.given: set[str] = set()
        allowed = parse.FIELDS[self.TYPE] - {"Type"}
        for kw, v in fields.items():
            # every keyword given is a field, None included: "ResultPath": null means "discard the result"
            self._set(asl_name(kw, allowed, what=f"a {self.TYPE} state", origin=self.origin), v)

    def to_state_definition(self) -> dict[str, Any]:
        """This state's ASL alone, as it stands in a machine of just this state (what
        :func:`sfnkit.runtime.teststate.test_state` runs)."""
        return Machine(self, states=[self]).definition()["States"][self.name]  # type: ignore[no-any-return]

    # -- fields ---------------------------------------------------------------------------------------------
    def _set(self, key: str, value: Any) -> None:
        if key == "Next":
            self._link(value, self.origin)
        elif key in ("Retry", "Catch"):
            if isinstance(value, (str, Mapping, _Part)) or not isinstance(value, Iterable):
                raise BuildError(f"{self.origin}: {snake_name(key)}=[...] takes a list of {key} objects")
            self.given.add(key)  # an empty list stays in the definition ("Retry": [] is valid ASL)
            (self.retries if key == "Retry" else self.catches).extend(value)
        else:
            self.fields[key] = value

    def _link(self, target: Any, origin: Origin) -> None:
        if not self.FLOWS:
            extra = "; use .when(rule, state) and .otherwise(state)" if self.TYPE == "Choice" else ""
            raise BuildError(
                f"{origin}: a {self.TYPE} state ({self.name!r}, built at {self.origin}) has no Next{extra}"
            )
        _target_name(target, origin)
        if isinstance(target, Chain):
            target = target.head
        if self._next is not None and self._next is not target:
            raise BuildError(
                f"{origin}: state {self.name!r} (built at {self.origin}) already goes to "
                f"{_target_name(self._next, origin)!r} (set at {self._next_origin}); a state has one Next"
            )
        if self.fields.get("End") is True:
            raise BuildError(f"{origin}: state {self.name!r} (built at {self.origin}) has End=True, so it has no Next")
        self._next = target
        self._next_origin = origin

    def retry(self, errors: str | Iterable[str], **fields: Any) -> State:
        """Add a retrier (``Retry(errors, **fields)``); returns the state."""
        self._needs("Retry")
        self.retries.append(Retry(errors, **fields))
        return self

    def catch(self, errors: str | Iterable[str] | None, next: State | str | None, **fields: Any) -> State:
        """Add a catcher going to ``next``; returns the state."""
        self._needs("Catch")
        self.catches.append(Catch(errors, next, **fields))
        return self

    def _needs(self, key: str) -> None:
        if key not in parse.FIELDS[self.TYPE]:
            raise BuildError(f"{caller()}: a {self.TYPE} state has no {key} (only Task, Parallel and Map do)")

    # -- chaining -------------------------------------------------------------------------------------------
    def __rshift__(self, other: State | Chain | str) -> Chain:
        origin = caller()
        self._link(other, origin)
        tail = other.tail if isinstance(other, Chain) else other
        return Chain(self, tail if isinstance(tail, State) else self)

    @property
    def next(self) -> State | str | None:
        return self._next

    def targets(self) -> list[State]:
        """The states this one can move to (its scope's graph edges), in definition order."""
        out: list[State] = [self._next] if isinstance(self._next, State) else []
        for c in self.catches:
            if isinstance(c, Catch):
                out.extend(c.targets)
        return out

    # -- ASL ------------------------------------------------------------------------------------------------
    def to_asl(self, cx: _Compile, ptr: str, ql: str) -> dict[str, Any]:
        cx.origins[ptr] = self.origin
        here = self.fields.get("QueryLanguage", ql) if isinstance(self.fields.get("QueryLanguage"), str) else ql
        out: dict[str, Any] = {"Type": self.TYPE}
        for key, value in self._fields(here).items():
            out[key] = self._value(key, value, cx, f"{ptr}/{key}", here)
        if self.retries or "Retry" in self.given:
            out["Retry"] = [self._value("Retry", r, cx, f"{ptr}/Retry/{i}", here) for i, r in enumerate(self.retries)]
        if self.catches or "Catch" in self.given:
            out["Catch"] = [self._value("Catch", c, cx, f"{ptr}/Catch/{i}", here) for i, c in enumerate(self.catches)]
        if self._next is not None:
            out["Next"] = _target_name(self._next, self.origin)
        return out

    def _fields(self, ql: str) -> dict[str, Any]:
        return self.fields

    def _value(self, key: str, value: Any, cx: _Compile, ptr: str, ql: str) -> Any:
        return _json(value, self.origin, f"state {self.name!r} field {key}", cx, ptr, ql)

    def __repr__(self) -> str:
        return f"<{self.TYPE} {self.name!r} built at {self.origin}>"


class Pass(State):
    """``Pass("Name", result=..., result_path=..., parameters=..., assign=..., output=...)``."""

    TYPE = "Pass"


class Task(State):
    """``Task("Name", resource=..., parameters=... | arguments=..., result_selector=..., retry=[...], ...)``.

    ``resource`` is an ARN, or a Python function (or :class:`PythonFunction`): that function then runs the
    task locally, attached to the built machine.
    """

    TYPE = "Task"

    def __init__(self, name: str, /, **fields: Any) -> None:
        res = fields.get("resource")
        if callable(res) and not isinstance(res, PythonFunction):
            fields["resource"] = PythonFunction(res)
        super().__init__(name, **fields)


class Wait(State):
    """``Wait("Name", seconds=10)`` (or ``timestamp=``, ``seconds_path=``, ``timestamp_path=``)."""

    TYPE = "Wait"


class Succeed(State):
    """``Succeed("Done")``: a terminal state."""

    TYPE = "Succeed"
    FLOWS = False


class Fail(State):
    """``Fail("Failed", error="MyError", cause="...")`` (or ``error_path=`` / ``cause_path=``)."""

    TYPE = "Fail"
    FLOWS = False


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: "Not given" for keywords whose value may be JSON null.
UNSET: Any = _Unset()


class When:
    """One entry of a Choice's ``Choices``: a rule (or a JSONata condition) and where it goes."""

    def __init__(
        self,
        rule: Rule | str | bool | Mapping[str, Any],
        next: State | Chain | str,
        *,
        assign: Any = UNSET,
        output: Any = UNSET,
        comment: str | None = None,
        origin: Origin | None = None,
    ) -> None:
        self.origin = origin or caller()
        if not isinstance(rule, (Rule, str, bool, Mapping)):
            raise BuildError(
                f"{self.origin}: a Choice rule is a rule (P.input.x > 1), a JSONata condition "
                f"string or a boolean, got {type(rule).__name__}"
            )
        _target_name(next, self.origin)
        self.rule = rule
        self.next = next.head if isinstance(next, Chain) else next
        self.assign = assign
        self.output = output
        self.comment = comment

    def to_asl(self, cx: _Compile, ptr: str) -> dict[str, Any]:
        cx.origins[ptr] = self.origin
        if isinstance(self.rule, Rule):
            out = self.rule.to_asl()
        elif isinstance(self.rule, Mapping):
            out = _json(self.rule, self.origin, "a Choice rule", cx, ptr)
        else:
            out = {"Condition": self.rule}
        if self.comment is not None:
            out["Comment"] = self.comment
        if self.assign is not UNSET:
            out["Assign"] = _json(self.assign, self.origin, "a Choice rule's Assign", cx, f"{ptr}/Assign")
        if self.output is not UNSET:
            out["Output"] = _json(self.output, self.origin, "a Choice rule's Output", cx, f"{ptr}/Output")
        out["Next"] = _target_name(self.next, self.origin)
        return out


class Choice(State):
    """``Choice("Route").when(P.input.total > 100, big).when(P.input.vip == True, vip).otherwise(small)``."""

    TYPE = "Choice"
    FLOWS = False

    def __init__(
        self, name: str, /, *, choices: Iterable[When] | None = None, default: State | str | None = None, **fields: Any
    ) -> None:
        super().__init__(name, **fields)
        self.choices: list[When] = []
        self.default: State | str | None = None
        self._default_origin: Origin | None = None
        for w in choices or ():
            if not isinstance(w, When):
                raise BuildError(f"{self.origin}: choices=[...] takes When(rule, next) entries, got {type(w).__name__}")
            self.choices.append(w)
        if default is not None:
            self._set_default(default, self.origin)

    def when(
        self,
        rule: Rule | str | bool | Mapping[str, Any],
        next: State | Chain | str,
        *,
        assign: Any = UNSET,
        output: Any = UNSET,
        comment: str | None = None,
    ) -> Choice:
        """Add a rule: when ``rule`` holds, go to ``next``. Returns the Choice (so calls chain)."""
        self.choices.append(
            When(
                rule,
                next,
                assign=assign,
                output=output,
                comment=comment,
                origin=caller(),
            )
        )
        return self

    def otherwise(self, state: State | Chain | str) -> Choice:
        """The ``Default`` state, taken when no rule holds."""
        self._set_default(state, caller())
        return self

    def _set_default(self, state: Any, origin: Origin) -> None:
        _target_name(state, origin)
        state = state.head if isinstance(state, Chain) else state
        if self.default is not None and self.default is not state:
            raise BuildError(
                f"{origin}: Choice {self.name!r} (built at {self.origin}) already has the Default "
                f"{_target_name(self.default, origin)!r} (set at {self._default_origin})"
            )
        self.default = state
        self._default_origin = origin

    def targets(self) -> list[State]:
        out = [w.next for w in self.choices if isinstance(w.next, State)]
        if isinstance(self.default, State):
            out.append(self.default)
        return out

    def to_asl(self, cx: _Compile, ptr: str, ql: str) -> dict[str, Any]:
        if not self.choices:
            raise BuildError(
                f"{self.origin}: Choice {self.name!r} has no rules; add them with "
                ".when(rule, next_state) (a Choice needs at least one)"
            )
        out = super().to_asl(cx, ptr, ql)
        out["Choices"] = [w.to_asl(cx, f"{ptr}/Choices/{i}") for i, w in enumerate(self.choices)]
        if self.default is not None:
            out["Default"] = _target_name(self.default, self.origin)
        return out


class _Scope:
    """A body of states (the machine, a Parallel branch, a Map processor): a start and the states around it."""

    FIELDS: ClassVar[frozenset[str]] = parse.BODY_FIELDS
    WHAT: ClassVar[str] = "a Parallel branch"

    def __init__(self, start: State | Chain | str, *, states: Iterable[State] | None = None, **fields: Any) -> None:
        self.origin = caller()
        self.start = start.head if isinstance(start, Chain) else start
        if not isinstance(self.start, (State, str)):
            raise BuildError(f"{self.origin}: {self.WHAT} starts at a state, got {type(start).__name__}")
        self.states = list(states or ())
        self.fields: dict[str, Any] = {}
        for kw, v in fields.items():
            if v is not None:
                key = asl_name(kw, self.FIELDS - {"StartAt", "States"}, what=self.WHAT, origin=self.origin)
                self.fields[key] = v

    def ordered(self) -> list[State]:
        """The scope's states: those listed in ``states=`` (in that order; they may be unreachable), then the
        others reachable from the start in the order a reader follows them (depth first: ``Next``, then the
        Choice rules and ``Default``, then the catchers), which is how hand-written ASL is usually laid out."""
        out: list[State] = []
        seen: dict[str, State] = {}

        def add(st: State) -> bool:
            prev = seen.get(st.name)
            if prev is not None:
                if prev is not st:
                    raise BuildError(
                        f"{st.origin}: two different states are called {st.name!r} (the other one was "
                        f"built at {prev.origin}); state names are unique in a machine"
                    )
                return False
            seen[st.name] = st
            out.append(st)
            return True

        expanded: set[int] = set()

        def visit(root: State) -> None:
            stack = [root]
            while stack:
                s = stack.pop()
                add(s)
                if id(s) not in expanded:
                    expanded.add(id(s))
                    stack.extend(reversed(s.targets()))

        for st in self.states:
            if not isinstance(st, State):
                raise BuildError(f"{self.origin}: states=[...] takes states, got {type(st).__name__}")
            add(st)
        if isinstance(self.start, State):
            visit(self.start)
        for st in list(out):
            visit(st)
        return out

    def to_asl(self, cx: _Compile, ptr: str, ql: str) -> dict[str, Any]:
        cx.origins.setdefault(ptr, self.origin)
        here = self.fields.get("QueryLanguage", ql) if isinstance(self.fields.get("QueryLanguage"), str) else ql
        out: dict[str, Any] = {}
        for key, value in self.fields.items():
            if key not in ("ProcessorConfig",):
                out[key] = _json(value, self.origin, f"{self.WHAT} {key}", cx, f"{ptr}/{key}")
        out["StartAt"] = _target_name(self.start, self.origin)
        states: dict[str, Any] = {}
        for st in self.ordered():
            owner = cx.owner.setdefault(id(st), ptr)
            if owner != ptr:
                raise BuildError(
                    f"{st.origin}: state {st.name!r} is used in two scopes ({owner or 'the machine'} and "
                    f"{ptr or 'the machine'}); a transition never leaves its branch or processor"
                )
            states[st.name] = st.to_asl(cx, f"{ptr}/States/{_escape(st.name)}", here)
        out["States"] = states
        return out


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


class Branch(_Scope):
    """A Parallel branch: ``Branch(first >> second, comment=..., query_language=...)``; a plain state or chain
    in ``Parallel(branches=[...])`` is a branch too."""


class Processor(_Scope):
    """A Map's ``ItemProcessor`` (or ``Iterator``): ``Processor(step, mode="DISTRIBUTED",
    execution_type="EXPRESS")``; ``processor_config={...}`` gives the whole ``ProcessorConfig`` instead."""

    FIELDS = parse.PROCESSOR_FIELDS
    WHAT = "a Map processor"

    def __init__(
        self,
        start: State | Chain | str,
        *,
        states: Iterable[State] | None = None,
        mode: str | None = None,
        execution_type: str | None = None,
        **fields: Any,
    ) -> None:
        super().__init__(start, states=states, **fields)
        if mode is not None or execution_type is not None:
            cfg = dict(self.fields.get("ProcessorConfig") or {})
            if mode is not None:
                cfg["Mode"] = mode
            if execution_type is not None:
                cfg["ExecutionType"] = execution_type
            self.fields["ProcessorConfig"] = cfg

    def to_asl(self, cx: _Compile, ptr: str, ql: str) -> dict[str, Any]:
        out = super().to_asl(cx, ptr, ql)
        if "ProcessorConfig" in self.fields:
            out["ProcessorConfig"] = _json(
                self.fields["ProcessorConfig"], self.origin, "ProcessorConfig", cx, f"{ptr}/ProcessorConfig"
            )
        return out


def _scope(value: Any, kind: type[_Scope], origin: Origin) -> _Scope:
    if isinstance(value, kind):
        return value
    if isinstance(value, (State, Chain)):
        sc = kind(value)
        sc.origin = origin
        return sc
    raise BuildError(f"{origin}: expected a state, a chain or {kind.__name__}(...), got {type(value).__name__}")


class Parallel(State):
    """``Parallel("Both", branches=[a >> b, Branch(c)], result_path=..., retry=[...], catch=[...])``."""

    TYPE = "Parallel"

    def _set(self, key: str, value: Any) -> None:
        if key == "Branches":
            if isinstance(value, (State, Chain, _Scope)) or not isinstance(value, Iterable):
                raise BuildError(f"{self.origin}: branches=[...] takes a list of branches")
            self.fields[key] = [_scope(b, Branch, self.origin) for b in value]
        else:
            super()._set(key, value)

    def _value(self, key: str, value: Any, cx: _Compile, ptr: str, ql: str) -> Any:
        if key == "Branches":
            return [b.to_asl(cx, f"{ptr}/{i}", ql) for i, b in enumerate(value)]
        return super()._value(key, value, cx, ptr, ql)


class Map(State):
    """``Map("Each", items_path="$.items", item_processor=step >> other, max_concurrency=5)``.

    ``item_processor`` (or the older ``iterator``) is a state, a chain or a :class:`Processor` (inline or
    distributed); ``item_reader``, ``item_batcher`` and ``result_writer`` take the classes of the same name
    or dicts.
    """

    TYPE = "Map"

    def _set(self, key: str, value: Any) -> None:
        if key in ("ItemProcessor", "Iterator"):
            self.fields[key] = _scope(value, Processor, self.origin)
        else:
            super()._set(key, value)

    def _value(self, key: str, value: Any, cx: _Compile, ptr: str, ql: str) -> Any:
        if key in ("ItemProcessor", "Iterator"):
            return value.to_asl(cx, ptr, ql)
        return super()._value(key, value, cx, ptr, ql)


class Chain:
    """States linked with ``>>``: ``head`` is where the chain starts, ``tail`` where the next ``>>`` attaches."""

    def __init__(self, head: State, tail: State) -> None:
        self.head = head
        self.tail = tail

    def __rshift__(self, other: State | Chain | str) -> Chain:
        origin = caller()
        self.tail._link(other, origin)
        tail = other.tail if isinstance(other, Chain) else other
        return Chain(self.head, tail if isinstance(tail, State) else self.tail)

    def __repr__(self) -> str:
        return f"<Chain {self.head.name!r} ... {self.tail.name!r}>"


def chain(*steps: State | Chain) -> Chain:
    """``chain(a, b, c)`` is ``a >> b >> c``."""
    if not steps:
        raise BuildError(f"{caller()}: chain() needs at least one state")
    first = steps[0]
    out = first if isinstance(first, Chain) else Chain(first, first)
    for s in steps[1:]:
        out = out >> s
    return out


# -- the machine ----------------------------------------------------------------------------------------------


class Machine(_Scope):
    """A whole state machine: ``Machine(first >> second, comment=..., timeout_seconds=..., query_language=...)``.

    :meth:`build` gives the ordinary :class:`~sfnkit.StateMachine` (validated by :func:`sfnkit.load`, with the
    Python functions of its tasks attached); :meth:`definition` gives the ASL as a dict.
    """

    FIELDS = parse.TOP_FIELDS
    WHAT = "a state machine"

    def definition(self) -> dict[str, Any]:
        """The ASL definition, keys in the order hand-written ASL uses."""
        return self._compile()[0]

    def _compile(self) -> tuple[dict[str, Any], _Compile]:
        from sfnkit.asl.format import ordered

        cx = _Compile()
        ql = self.fields.get("QueryLanguage", "JSONPath")
        out = _Scope.to_asl(self, cx, "", ql if isinstance(ql, str) else "JSONPath")
        cx.origins[""] = self.origin
        return ordered(out), cx

    def validate(self) -> list[Diagnostic]:
        """Every diagnostic of the generated definition, each pointing at the Python line that built the part."""
        from sfnkit.asl.validate import validate

        d, cx = self._compile()
        return [_located(x, cx.origins) for x in validate(d)]

    def build(self) -> StateMachine:
        """The :class:`~sfnkit.StateMachine`; a :class:`~sfnkit.DefinitionError` names the Python lines."""
        from sfnkit.asl.validate import load, validate

        d, cx = self._compile()
        diags = validate(d)
        if any(x.severity == "ERROR" for x in diags):
            located = [_located(x, cx.origins) for x in diags]
            first = next((_origin_for(x.location, cx.origins) for x in diags if x.severity == "ERROR"), self.origin)
            raise DefinitionError(located, source_name=first.filename)
        sm = load(d)
        handlers = {name: fn.fn for name, fn in cx.handlers.items()}
        return replace(sm, handlers=handlers)  # a plain dict: a StateMachine stays picklable

    def to_state_machine(self) -> StateMachine:
        """What :func:`sfnkit.load` (and so :func:`sfnkit.run`) does with a Machine: :meth:`build`."""
        return self.build()

    def to_json(self, indent: int | None = 2) -> str:
        """The definition as ASL JSON (hand-written key order)."""
        return json.dumps(self.definition(), indent=indent, ensure_ascii=False)

    def to_yaml(self) -> str:
        """The definition as ASL YAML (hand-written key order)."""
        from sfnkit.asl.format import to_yaml

        return to_yaml(self.definition())

    def __repr__(self) -> str:
        return f"<Machine starting at {_target_name(self.start, self.origin)!r}, built at {self.origin}>"


def _origin_for(location: str, origins: Mapping[str, Origin]) -> Origin:
    loc = location
    while True:
        if loc in origins:
            return origins[loc]
        if not loc:
            return origins.get("", Origin("<unknown>", 0))
        loc = loc.rsplit("/", 1)[0]


def _located(d: Diagnostic, origins: Mapping[str, Origin]) -> Diagnostic:
    o = _origin_for(d.location, origins)
    return replace(d, message=f"{d.message} (built at {o})", line=o.lineno, column=None)
