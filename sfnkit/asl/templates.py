"""Payload templates: ``Parameters``, ``ResultSelector``, ``ItemSelector`` and JSONPath ``Assign``.

ASL spec, section "Payload Template" (https://states-language.net/spec.html#payload-template). A payload
template is a JSON value; in every object inside it, however deeply nested (arrays included), a field whose name
ends in ``.$`` holds a path or an intrinsic call, is evaluated against the state data, and is written under the
name without ``.$``::

    {"greeting.$": "States.Format('Hi {}', $.name)", "id.$": "$$.Execution.Id", "fixed": [1, {"x.$": "$.x"}]}

Compile once with :func:`compile_template` (constant sub-trees are detected and only copied at evaluation),
evaluate many times with :meth:`Template.evaluate`. :func:`check_template` lists every problem for the
validator as ``(JSON Pointer, message)`` pairs and never raises.

Run-time errors and the cause-prefix convention
-----------------------------------------------
Evaluation raises :class:`~sfnkit.errors.StatesError` with AWS's error name and cause. AWS prefixes every such
cause with ``An error occurred while executing the state 'X' (entered at the event id #N). ``; that prefix is
the interpreter's job (it knows the state and the event id), so the causes raised here are only the part after
it. A path that selects nothing fails with ``States.Runtime`` and::

    The JSONPath '$.a.b' specified for the field 'x.$' could not be found in the input '{"a":{}}'

where the input is the state data printed as compact JSON (for ``$$`` paths, the context object). An index past
the end of an array is not "nothing": it selects ``null``, as on AWS. Intrinsic-function failures carry their
own causes (see :mod:`sfnkit.asl.intrinsics`).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, Final

from sfnkit import errors
from sfnkit import messages as msg
from sfnkit.asl.identity import IdentityCache
from sfnkit.asl.intrinsics import Call, IntrinsicSyntaxError, compile_intrinsic, is_intrinsic
from sfnkit.asl.jsontext import type_name, with_article
from sfnkit.asl.paths import Path, PathNotFound, PathSyntaxError, compile_path, json_text
from sfnkit.errors import StatesError
from sfnkit.frozen import frozen

__all__ = ["Template", "TemplateError", "check_template", "compile_template"]


class TemplateError(ValueError):
    """:func:`compile_template` was given a template that is not valid; ``problems`` lists every one."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        more = len(self.problems) - 1
        super().__init__(f"{first[0] or '/'}: {first[1]}" + (f" (+{more} more)" if more else ""))


def _copy(value: Any) -> Any:
    """A deep copy of a JSON value, without recursion: a constant may be nested as deeply as the definition."""
    t = type(value)
    if t is not dict and t is not list:
        return value
    root: Any = {} if t is dict else []
    stack = [(value, root)]
    while stack:
        src, dst = stack.pop()
        items = src.items() if type(src) is dict else enumerate(src)
        for k, v in items:
            vt = type(v)
            if vt is dict or vt is list:
                v2: Any = {} if vt is dict else []
                stack.append((v, v2))
                v = v2
            if type(dst) is dict:
                dst[k] = v
            else:
                dst.append(v)
    return root


@frozen(kw_only=False)
class _Const:
    """A value copied as written (``mutable`` when it is a container the caller could change)."""

    value: Any
    mutable: bool

    def eval(self, data: Any, context: Any, variables: Any, rng: random.Random | None) -> Any:
        return _copy(self.value) if self.mutable else self.value


@frozen(kw_only=False)
class _PathField:
    """A ``key.$`` field whose value is a path."""

    path: Path
    field: str  # the key as written, with ".$"

    def eval(self, data: Any, context: Any, variables: Any, rng: random.Random | None) -> Any:
        try:
            return self.path.select(data, context=context, variables=variables)
        except PathNotFound:
            shown = context if self.path.root == "context" else data
            raise StatesError(
                errors.RUNTIME, msg.field_path_not_found(self.path.expr, self.field, json_text(shown))
            ) from None


@frozen(kw_only=False)
class _CallField:
    """A ``key.$`` field whose value is an intrinsic function call."""

    call: Call

    def eval(self, data: Any, context: Any, variables: Any, rng: random.Random | None) -> Any:
        return self.call.evaluate(data, context=context, variables=variables, rng=rng)


@frozen(kw_only=False)
class _Object:
    """An object: its fields in order, each compiled."""

    fields: tuple[tuple[str, Any], ...]

    def eval(self, data: Any, context: Any, variables: Any, rng: random.Random | None) -> Any:
        out = {}
        for k, node in self.fields:  # a loop, not a comprehension: one Python frame per level of nesting
            out[k] = node.eval(data, context, variables, rng)
        return out


@frozen(kw_only=False)
class _Array:
    """An array: its items in order, each compiled."""

    items: tuple[Any, ...]

    def eval(self, data: Any, context: Any, variables: Any, rng: random.Random | None) -> Any:
        out = []
        for node in self.items:
            out.append(node.eval(data, context, variables, rng))
        return out


_Node = _Const | _PathField | _CallField | _Object | _Array


@frozen(kw_only=False)
class Template:
    """A compiled payload template. ``source`` is the JSON value it was compiled from."""

    source: Any
    _root: Any

    @property
    def is_constant(self) -> bool:
        """True when the template has no ``.$`` field anywhere (it evaluates to a copy of ``source``)."""
        return isinstance(self._root, _Const)

    def evaluate(
        self,
        data: Any,
        *,
        context: Any = None,
        variables: Mapping[str, Any] | None = None,
        rng: random.Random | None = None,
    ) -> Any:
        """Build the payload from the state data ``data`` (and the context object / workflow variables).

        ``rng`` feeds ``States.UUID`` and ``States.MathRandom``; it is only needed when the template uses them.
        Raises :class:`~sfnkit.errors.StatesError` as AWS would (cause without the per-state prefix).
        """
        return self._root.eval(data, context, variables, rng)


def _pointer(base: str, key: str | int) -> str:
    return f"{base}/{str(key).replace('~', '~0').replace('/', '~1')}"


def _compile(value: Any, loc: str, problems: list[tuple[str, str]]) -> Any:
    if isinstance(value, Mapping):
        fields: list[tuple[str, Any]] = []
        dynamic = False
        for key, sub in value.items():
            where = _pointer(loc, key)
            if isinstance(key, str) and key.endswith(".$"):
                dynamic = True
                node = _compile_dynamic(key, sub, where, problems)
                fields.append((key[:-2], node))
            else:
                node = _compile(sub, where, problems)
                dynamic = dynamic or not isinstance(node, _Const)
                fields.append((key, node))
        if not dynamic:
            return _Const(dict(value), True)
        return _Object(tuple(fields))
    if isinstance(value, (list, tuple)):
        items = [_compile(v, _pointer(loc, i), problems) for i, v in enumerate(value)]
        if all(isinstance(n, _Const) for n in items):
            return _Const(list(value), True)
        return _Array(tuple(items))
    return _Const(value, False)


_NOT_A_STRING: Final = (
    "The value for the field '{key}' must be a string holding a JSONPath (starting with '$') or an intrinsic "
    "function call (States.*), got {kind}"
)


def _compile_dynamic(key: str, expr: Any, where: str, problems: list[tuple[str, str]]) -> Any:
    if not isinstance(expr, str):
        problems.append((where, _NOT_A_STRING.format(key=key, kind=with_article(type_name(expr)))))
        return _Const(None, False)
    if is_intrinsic(expr):
        try:
            return _CallField(compile_intrinsic(expr))
        except IntrinsicSyntaxError as e:
            problems.append((where, f"The value for the field '{key}' is not a valid intrinsic function call: {e}"))
            return _Const(None, False)
    if expr.lstrip().startswith("$"):
        try:
            return _PathField(compile_path(expr), key)
        except PathSyntaxError as e:
            problems.append((where, f"The value for the field '{key}' is not a valid JSONPath: {e}"))
            return _Const(None, False)
    problems.append(
        (
            where,
            f"The value for the field '{key}' must be a valid JSONPath (starting with '$') or a valid intrinsic "
            f"function call (States.*), got {expr!r}",
        )
    )
    return _Const(None, False)


# Owned per machine (see sfnkit.asl.identity): a dropped definition's templates are freed with it.
_CACHE: IdentityCache[Template] = IdentityCache()


def compile_template(obj: Any) -> Template:
    """Compile a payload template. Raises :class:`TemplateError` listing every problem.

    Compiled templates are cached by the identity of ``obj`` (the definition model is immutable), so calling
    this again with the same object costs a dictionary lookup; the entry goes when the machine whose definition
    holds ``obj`` is collected. Do not mutate a template after compiling it.
    """
    cached = _CACHE.get(obj)
    if cached is not None:
        return cached
    problems: list[tuple[str, str]] = []
    root = _compile(obj, "", problems)
    if problems:
        raise TemplateError(problems)
    template = Template(obj, root)
    if isinstance(obj, (dict, list)):
        _CACHE.put(obj, template)  # the entry holds obj, so its id cannot be reused while cached
    return template


def check_template(obj: Any, location: str) -> list[tuple[str, str]]:
    """Every problem in a payload template as ``(JSON Pointer, message)``; ``location`` is the template's own
    pointer (e.g. ``/States/Charge/Parameters``). Never raises."""
    problems: list[tuple[str, str]] = []
    _compile(obj, location, problems)
    return problems
