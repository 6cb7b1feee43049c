"""Frozen dataclasses (keyword-only unless asked) that cost almost nothing to define, and a fast way to build them.

``@dataclass(frozen=True, kw_only=True)`` writes the source of ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``,
``__setattr__`` and ``__delattr__`` for every class and compiles each with ``exec``: about 1 ms per class on the
project's 2-core machine, 14 ms for the model's 14 classes and 17 more for the paths, templates and intrinsics
that a first run compiles: the largest single cost of a fresh process's first ``load`` and ``run``
(bench/interpreter.py --cold). :func:`frozen` makes the same thing without generating code: it records the fields
as ``dataclasses.dataclass`` records them (``__dataclass_fields__``, so ``dataclasses.fields``, ``replace``,
``asdict`` and ``is_dataclass`` work as before, and type checkers see a frozen dataclass, through
``dataclass_transform``), and shared methods read them. (It records them itself: ``dataclasses.dataclass()``, even
told to write nothing, took 0.5 M instructions a class, two thirds of importing the model; a test checks that both
record the same.) Assigning a field raises ``dataclasses.FrozenInstanceError``; equality, hashing and ``repr``
follow the fields' ``compare`` and ``repr`` flags, as a dataclass's do. :func:`record` is the mutable sibling.

Instances keep their fields in their ``__dict__``, not in slots, so that :func:`make` can fill one from a dict in a
single step: the parser builds every state of a 10,000-state definition this way (a slotted instance needs one
call per field). ``__init__`` is generic, and slower than a generated one; it serves code that builds a few
objects (tests, ``dataclasses.replace``), never the parser's hot path.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, dataclass_transform, overload

__all__ = ["frozen", "make", "record"]

T = TypeVar("T")

_FrozenInstanceError = dataclasses.FrozenInstanceError


class _Spec:
    """What the shared methods need to know about one class's fields, computed once when it is defined."""

    __slots__ = ("compared", "defaults", "factories", "names", "positional", "repr_names", "required")

    def __init__(self, cls: type, kw_only: bool) -> None:
        fields = dataclasses.fields(cls)
        self.names = frozenset(f.name for f in fields)
        self.positional = () if kw_only else tuple(f.name for f in fields)
        self.repr_names = tuple(f.name for f in fields if f.repr)
        compared = [f.name for f in fields if f.compare]
        # a tuple of the compared values, as a dataclass's generated __eq__ and __hash__ build
        self.compared: Callable[[Any], Any]
        if len(compared) > 1:
            self.compared = operator.attrgetter(*compared)
        elif compared:  # attrgetter of one name gives the value itself, not a 1-tuple
            one = operator.attrgetter(compared[0])
            self.compared = lambda obj: (one(obj),)
        else:
            self.compared = lambda obj: ()
        self.defaults = {f.name: f.default for f in fields if f.default is not dataclasses.MISSING}
        self.factories = tuple(
            (f.name, f.default_factory) for f in fields if f.default_factory is not dataclasses.MISSING
        )
        self.required = tuple(
            f.name for f in fields if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        )


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    spec: _Spec = type(self).__frozen_spec__
    cls_name = type(self).__qualname__
    if args:
        if len(args) > len(spec.positional):
            raise TypeError(
                f"{cls_name}.__init__() takes {len(spec.positional) + 1} positional arguments but {len(args) + 1} were given"
            )
        for name, value in zip(spec.positional, args, strict=False):
            if name in kwargs:
                raise TypeError(f"{cls_name}.__init__() got multiple values for argument {name!r}")
            kwargs[name] = value
    for name in kwargs:
        if name not in spec.names:
            raise TypeError(f"{cls_name}.__init__() got an unexpected keyword argument {name!r}")
    missing = [n for n in spec.required if n not in kwargs]
    if missing:
        raise TypeError(
            f"{cls_name}.__init__() missing {len(missing)} required {'keyword-only ' if not spec.positional else ''}argument"
            f"{'s' if len(missing) > 1 else ''}: {', '.join(repr(n) for n in missing)}"
        )
    values = dict(spec.defaults)
    for name, factory in spec.factories:
        if name not in kwargs:
            values[name] = factory()
    values.update(kwargs)
    object.__setattr__(self, "__dict__", values)


def _repr(self: Any) -> str:
    spec: _Spec = type(self).__frozen_spec__
    return f"{type(self).__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in spec.repr_names)})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    compared = type(self).__frozen_spec__.compared
    return compared(self) == compared(other)


def _hash(self: Any) -> int:
    return hash(type(self).__frozen_spec__.compared(self))


def _setattr(self: Any, name: str, value: Any) -> None:
    raise _FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise _FrozenInstanceError(f"cannot delete field {name!r}")


@overload
def frozen(cls: type[T], /) -> type[T]: ...
@overload
def frozen(*, kw_only: bool = True) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(dataclasses.field,))
def frozen(cls: type[T] | None = None, /, *, kw_only: bool = True) -> Any:
    """Make ``cls`` a frozen dataclass, keyword-only unless ``kw_only=False`` (see the module docstring for how and
    why): ``@frozen`` or ``@frozen(kw_only=False)``.

    Give the class a docstring: without one, ``dataclasses`` computes one from ``inspect.signature``, which costs
    as much as the rest. A ``__repr__`` the class defines itself is kept."""
    if cls is None:
        return lambda c: _make_frozen(c, kw_only)
    return _make_frozen(cls, kw_only)


@dataclass_transform(kw_only_default=True, field_specifiers=(dataclasses.field,))
def record(cls: type[T], /) -> type[T]:
    """:func:`frozen`'s mutable sibling: a keyword-only dataclass whose fields may be assigned, made the same cheap
    way (no generated code). Equality follows the fields' ``compare`` flags and instances are unhashable, as
    ``@dataclass(eq=True)`` makes them. For the few mutable records a fresh process defines at import."""
    return _make_frozen(cls, True, frozen=False)


# dataclasses' marks for a field and for the parameters a class was made with. They are not public names, so
# they are looked up once, here; without them every class goes through dataclasses.dataclass() (_declare).
_FIELD_MARK = getattr(dataclasses, "_FIELD", None)
_FIELDS_ATTR = getattr(dataclasses, "_FIELDS", "__dataclass_fields__")
_PARAMS_ATTR = getattr(dataclasses, "_PARAMS", "__dataclass_params__")
_PARAMS: list[Any] = []


def _params() -> Any:
    """The ``__dataclass_params__`` dataclass() gives a class made the way :func:`_declare` makes one (taken once
    from a class dataclasses itself declares, so a real ``@dataclass`` subclass sees what it saw before)."""
    if not _PARAMS:
        probe: type = dataclasses.dataclass(init=False, repr=False, eq=False, match_args=False)(
            type("_Probe", (), {"__doc__": "-"})
        )
        _PARAMS.append(getattr(probe, _PARAMS_ATTR))
    return _PARAMS[0]


def _declare(cls: type[T], kw_only: bool) -> type[T]:
    """Record ``cls``'s fields as ``dataclasses.dataclass(init=False, repr=False, eq=False, match_args=False)``
    records them (``__dataclass_fields__``: the bases' fields first, then the class's own annotations in order,
    a redefined field keeping its place; defaults as class attributes), without the rest of dataclass():
    that took two thirds of importing the model (0.5 M instructions a class; bench/interpreter.py --cold).
    Anything unusual (no docstring, a ClassVar, InitVar or KW_ONLY annotation, a Python without the marks) goes
    to dataclass() itself."""
    own = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 - as dataclasses reads them (no inspect)
    if (
        _FIELD_MARK is None
        or cls.__doc__ is None
        or any(
            not isinstance(a, str) or a.startswith(("ClassVar", "InitVar", "KW_ONLY", "typing.", "dataclasses."))
            for a in own.values()
        )
    ):
        return dataclasses.dataclass(init=False, repr=False, eq=False, match_args=False, kw_only=kw_only)(cls)
    fields: dict[str, dataclasses.Field[Any]] = {}
    for base in cls.__mro__[-1:0:-1]:
        base_fields = base.__dict__.get(_FIELDS_ATTR)
        if base_fields is not None:
            fields.update(base_fields)
    for name, annotation in own.items():
        value = cls.__dict__.get(name, dataclasses.MISSING)
        if isinstance(value, dataclasses.Field):
            f = value
            if f.default is dataclasses.MISSING:
                delattr(cls, name)  # a field(default_factory=...) leaves no class attribute, as in dataclass()
            else:
                setattr(cls, name, f.default)
        else:
            f = dataclasses.field(default=value)
        default = f.default
        if default is not dataclasses.MISSING and default.__class__.__hash__ is None:
            raise ValueError(f"mutable default {type(default)} for field {name} is not allowed: use default_factory")
        f.name = name
        f.type = annotation
        f._field_type = _FIELD_MARK  # type: ignore[attr-defined]
        if f.kw_only is dataclasses.MISSING:
            f.kw_only = kw_only
        fields[name] = f
    setattr(cls, _FIELDS_ATTR, fields)
    setattr(cls, _PARAMS_ATTR, _params())
    return cls


def _make_frozen(cls: type[T], kw_only: bool, *, frozen: bool = True) -> type[T]:
    cls = _declare(cls, kw_only)
    cls.__frozen_spec__ = _Spec(cls, kw_only)  # type: ignore[attr-defined]
    own = cls.__dict__
    methods: dict[str, Any] = {"__init__": _init, "__repr__": _repr, "__eq__": _eq}
    if frozen:
        methods.update(__hash__=_hash, __setattr__=_setattr, __delattr__=_delattr)
    elif "__hash__" not in own or own["__hash__"] is None:
        methods["__hash__"] = None  # mutable and compared by value: unhashable, as a dataclass with eq=True
    for name, method in methods.items():
        # what the class body defines stays, as with dataclass(); __hash__ is None there when the body defines __eq__
        if name not in own or (name == "__hash__" and own[name] is None):
            setattr(cls, name, method)
    return cls


def make(cls: type[T], values: Mapping[str, Any]) -> T:
    """An instance of the :func:`frozen` class ``cls`` with the fields in ``values`` and the defaults for the rest,
    without ``__init__``'s checks: the caller passes only field names of ``cls`` and every required one."""
    spec: _Spec = cls.__frozen_spec__  # type: ignore[attr-defined]
    obj = object.__new__(cls)
    # copy() clones the defaults' hash table whole (no insertion per key) and update() overwrites the given
    # fields in place: half the dict work of {**defaults, **values} in a 10,000-state load
    fields = spec.defaults.copy()
    fields.update(values)
    for name, factory in spec.factories:
        if name not in values:
            fields[name] = factory()
    _set(obj, "__dict__", fields)
    return obj


_set = object.__setattr__
