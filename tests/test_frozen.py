"""sfnkit.frozen: classes that behave as frozen keyword-only dataclasses, and make() that fills one from a dict."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import field
from typing import Any

import pytest

import sfnkit
from sfnkit.asl import model as m
from sfnkit.frozen import frozen, make, record


@frozen
class Point:
    """A test record."""

    x: int
    y: int = 0
    tags: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@frozen
class Point3(Point):
    """A subclass adds a field after the inherited ones."""

    z: int = 0


def test_init_defaults_eq_hash_repr() -> None:
    p = Point(x=1)
    assert (p.x, p.y, p.tags) == (1, 0, {})
    assert p.tags is not Point(x=1).tags  # a fresh default per instance
    assert p == Point(x=1, tags={"a": 1})  # compare=False fields do not count
    assert p != Point(x=1, y=2) and p != Point3(x=1)  # another class is never equal
    assert hash(p) == hash(Point(x=1))
    assert repr(p) == "Point(x=1, y=0)"
    assert repr(Point3(x=1, z=3)) == "Point3(x=1, y=0, z=3)"


def test_init_refuses_what_a_dataclass_refuses() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'w'"):
        Point(x=1, w=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1)  # type: ignore[misc]


def test_frozen_and_the_dataclass_protocol() -> None:
    p = Point3(x=1, y=2, z=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del p.x  # type: ignore[misc]
    assert dataclasses.is_dataclass(p)
    assert [f.name for f in dataclasses.fields(p)] == ["x", "y", "tags", "z"]
    assert dataclasses.replace(p, z=9) == Point3(x=1, y=2, z=9)
    assert dataclasses.asdict(p) == {"x": 1, "y": 2, "tags": {}, "z": 3}


def test_pickle_and_copy_keep_the_fields() -> None:
    p = Point3(x=1, y=2, z=3, tags={"k": [1]})
    for q in (pickle.loads(pickle.dumps(p)), copy.copy(p), copy.deepcopy(p)):
        assert q == p and q.tags == {"k": [1]} and type(q) is Point3


def test_make_fills_defaults_and_equals_init() -> None:
    assert make(Point3, {"x": 1, "z": 2}) == Point3(x=1, z=2)
    assert make(Point, {"x": 1}).tags == {}


def test_loaded_model_is_the_same_as_one_built_with_init() -> None:
    sm = sfnkit.load({"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": True}}})
    a = sm.states["A"]
    assert a == m.PassState(name="A", type="Pass", location="/States/A", end=True, result=1)
    assert (a.input_path, a.output_path, a.result_path, a.comment, a.next) == ("$", "$", "$", None, None)
    again = pickle.loads(pickle.dumps(sm))
    assert again.states == sm.states and again.start_at == "A"


@record
class Counter:
    """A mutable test record."""

    name: str
    count: int = 0
    notes: list[str] = field(default_factory=list, repr=False)


def test_record_is_a_mutable_dataclass() -> None:
    c = Counter(name="a")
    assert (c.name, c.count, c.notes) == ("a", 0, [])
    c.count += 1  # fields may be assigned
    assert c == Counter(name="a", count=1) and c != Counter(name="a")
    assert repr(c) == "Counter(name='a', count=1)"
    with pytest.raises(TypeError, match="unhashable"):  # compared by value and mutable, as @dataclass(eq=True)
        hash(c)
    assert dataclasses.is_dataclass(c) and [f.name for f in dataclasses.fields(c)] == ["name", "count", "notes"]
    assert dataclasses.replace(c, count=5).count == 5 and dataclasses.asdict(c)["count"] == 1
    assert make(Counter, {"name": "b"}) == Counter(name="b")
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'name'"):
        Counter()  # type: ignore[call-arg]
    assert pickle.loads(pickle.dumps(c)) == c


def test_task_call_and_lambda_context_keep_their_dataclass_behaviour() -> None:
    call = sfnkit.TaskCall(input={"a": 1}, resource="arn:aws:lambda:::function:f", state_name="T", context={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.attempt = 2  # type: ignore[misc]
    assert dataclasses.replace(call, attempt=2).attempt == 2 and call.attempt == 0
    assert "on_heartbeat" not in repr(call) and call == dataclasses.replace(call, on_heartbeat=print)
    ctx = sfnkit.LambdaContext(function_name="f", invoked_function_arn="arn:aws:lambda:::function:f")
    assert ctx.aws_request_id == "00000000-0000-4000-8000-000000000000" and ctx.state_context == {}
    ctx.memory_limit_in_mb = 256  # mutable, like the Lambda runtime's object
    assert ctx.memory_limit_in_mb == 256 and ctx != sfnkit.LambdaContext(function_name="g", invoked_function_arn="x")


_BASE = '''
class Base:
    """A base."""

    a: int
    b: str = "x"
    c: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    d: Any = field(default=None, metadata={"m": 1})
'''
_CHILD = '''
class Child(Base):
    """A child redefines a field and adds two."""

    b: str = "y"
    e: tuple[int, ...] = ()
    f: int = field(default=0, kw_only=False)
'''


def _declared(maker: Any) -> list[tuple[Any, ...]]:
    namespace: dict[str, Any] = {"field": field, "Any": Any, "__name__": __name__}
    out = []
    for name, body in (("Base", _BASE), ("Child", _CHILD)):
        exec("from __future__ import annotations\n" + body, namespace)
        cls = namespace[name] = maker(namespace[name])
        for f in dataclasses.fields(cls):
            flags = (f.repr, f.compare, f.hash, f.init, f.kw_only)
            attr = repr(vars(cls).get(f.name, "<absent>"))
            out.append((name, f.name, repr(f.default), repr(f.default_factory), *flags, f.type, repr(f.metadata), attr))
        out.append((name, repr(cls.__dataclass_params__), str(dataclasses.is_dataclass(cls))))
    return out


def test_fields_are_declared_as_dataclasses_declares_them() -> None:
    # frozen() records the fields itself (dataclass() cost 0.5 M instructions a class at import); what it records
    # must be what dataclasses.dataclass(init=False, repr=False, eq=False, match_args=False) records
    real = _declared(
        lambda cls: dataclasses.dataclass(init=False, repr=False, eq=False, match_args=False, kw_only=True)(cls)
    )
    assert _declared(lambda cls: frozen(cls)) == real
    with pytest.raises(ValueError, match="mutable default <class 'list'> for field x is not allowed"):

        @frozen
        class Bad:
            """A list default."""

            x: list[int] = []  # noqa: RUF012 - the mistake under test
