"""The compact visit log (sfnkit.runtime.visits) reads back exactly what the interpreter wrote, as the
one-object-per-visit records it replaced did: the same names, event ids, branch indexes, scopes, variables,
errors, and stage dicts with the same keys in the same order holding the very same objects."""

from __future__ import annotations

import pickle
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfnkit.runtime.visits import OpenVisit, Visit, VisitLog, Visits
from tests.test_runtime_properties import Built, inputs, machines, run

STAGE_NAMES = ("afterInputPath", "afterParameters", "afterArguments", "result", "afterResultSelector",
               "afterResultPath", "next", "output")  # fmt: skip


class OldVisit:
    """The representation the log replaced (sfnkit 0.x ``interpreter.Visit``): one object, a dict of stages."""

    def __init__(
        self,
        name: str,
        entered_event_id: int,
        branch_index: int,
        state_input: Any,
        variables_before: Mapping[str, Any] | None,
        scope: tuple[tuple[str, int], ...],
    ) -> None:
        self.name = name
        self.entered_event_id = entered_event_id
        self.branch_index = branch_index
        self.stages: dict[str, Any] = {"input": state_input}
        self.error: tuple[str, str | None] | None = None
        self.attempt_errors: Sequence[tuple[str, str | None]] = ()
        self.variables: dict[str, Any] | None = None
        self.variables_before: Mapping[str, Any] = {} if variables_before is None else variables_before
        self.scope = scope


def same_visit(new: Visit, old: Any) -> None:
    """``new`` reads exactly as ``old``: equal attributes, the stages in the same order, and the same sharing
    (two stages are one object in ``new`` exactly when they are in ``old``)."""
    assert new.name == old.name
    assert new.entered_event_id == old.entered_event_id
    assert new.branch_index == old.branch_index
    assert new.scope == old.scope
    assert new.variables_before == old.variables_before
    assert new.error == old.error
    assert list(new.attempt_errors) == list(old.attempt_errors)
    assert new.variables == old.variables
    assert list(new.stages) == list(old.stages)
    assert new.stages == old.stages
    new_values, old_values = list(new.stages.values()), list(old.stages.values())
    for i, a in enumerate(new_values):
        for j, b in enumerate(new_values):
            assert (a is b) == (old_values[i] is old_values[j]), (list(new.stages)[i], list(new.stages)[j])


def test_a_pass_visit_keeps_its_stages_and_shares_equal_ones() -> None:
    log = VisitLog()
    data, params = {"v": 1}, {"item": 1}
    visit = log.open("P", 2, 0, data, None, ())
    visit.stages.update(afterInputPath=data, afterParameters=params, result=params, afterResultPath=params)
    visit.stages["output"] = params
    log.close(visit)
    (v,) = log.snapshot()
    assert v.name == "P" and v.entered_event_id == 2 and v.branch_index == 0 and v.scope == ()
    assert list(v.stages) == ["input", "afterInputPath", "afterParameters", "result", "afterResultPath", "output"]
    assert v.stages["input"] is data and v.stages["afterInputPath"] is data
    assert all(v.stages[k] is params for k in ("afterParameters", "result", "afterResultPath", "output"))
    assert v.error is None and v.attempt_errors == () and v.variables is None and v.variables_before == {}
    assert repr(v) == f"Visit('P', entered=#2, stages={list(v.stages)})"


def test_visits_with_the_same_shape_share_it() -> None:
    log = VisitLog()
    for i in range(100):
        item, out = [i], {"i": i}
        visit = log.open("Tag", 10 + i, i, item, None, (("M", i),))
        visit.stages.update(afterInputPath=item, afterParameters=out, result=out, afterResultPath=out)
        visit.stages["output"] = out
        log.close(visit)
    assert [v.stages["output"] for v in log.snapshot()] == [{"i": i} for i in range(100)]
    assert len(log._shapes) == 2  # the placeholder of open visits, and the one shape of these 100 (once packed)
    assert len(log._frames) == 1  # one frame for the hundred iterations of M
    assert [v.scope for v in log.snapshot()] == [(("M", i),) for i in range(100)]


def test_an_open_visit_reads_as_it_is_now() -> None:
    log = VisitLog()
    visit = log.open("T", 5, 0, 1, None, ())
    view = log.snapshot()[0]
    assert view.stages == {"input": 1}
    visit.stages["afterInputPath"] = 1
    visit.attempt_errors = [("E", "c")]
    assert view.stages == {"input": 1, "afterInputPath": 1}  # the same view sees the visit move on
    assert view.attempt_errors == [("E", "c")]
    visit.error = ("E", "c")
    assert view.error == ("E", "c")
    visit.stages["output"] = 2
    log.close(visit)
    assert view.stages == {"input": 1, "afterInputPath": 1, "output": 2}
    assert view.error == ("E", "c") and view.attempt_errors == [("E", "c")]


@pytest.mark.parametrize("read_while_open", [False, True])
def test_a_visit_closes_once(read_while_open: bool) -> None:
    log = VisitLog()
    visit = log.open("T", 1, 0, 1, None, ())
    if read_while_open:
        assert log.snapshot()[0].stages == {"input": 1}
    visit.stages["output"] = 2
    log.close(visit)
    visit.stages["output"] = 3
    visit.error = ("Late", None)
    log.close(visit)  # a second close changes nothing, and nor does what is written after the first
    assert log.snapshot()[0].stages == {"input": 1, "output": 2}
    assert log.snapshot()[0].error is None
    log.close(VisitLog().open("Other", 1, 0, 1, None, ()))  # another log's visit: not this one's to close
    assert len(log) == 1 and log.snapshot()[0].stages == {"input": 1, "output": 2}


def test_nested_scopes_and_a_scope_that_does_not_end_with_the_branch_index() -> None:
    log = VisitLog()
    outer = [("Outer", i) for i in range(3)]
    scopes = []
    for i in range(3):
        for j in range(2):
            scope = (outer[i], ("Inner", j))
            scopes.append((scope, j))
            log.close(log.open("S", len(scopes), j, None, None, scope))
    odd = (("P", 7),)
    scopes.append((odd, 3))
    log.close(log.open("S", 99, 3, None, None, odd))  # not a branch's own scope: kept as it is
    assert [(v.scope, v.branch_index) for v in log.snapshot()] == scopes
    # two equal prefixes that are different objects are still one prefix each (frames keyed by identity)
    twin = ("Outer", 0)
    log.close(log.open("S", 100, 1, None, None, (twin, ("Inner", 1))))
    assert log.snapshot()[-1].scope == (("Outer", 0), ("Inner", 1))


def test_snapshot_is_a_sequence_that_compares_like_a_list() -> None:
    log = VisitLog()
    assert log.snapshot() == [] and log.snapshot() == ()
    for i in range(12):
        log.close(log.open(f"S{i}", i + 1, 0, i, None, ()))
    visits = log.snapshot()
    log.close(log.open("Later", 13, 0, None, None, ()))
    assert len(visits) == 12  # a snapshot: the later visit is not in it
    assert [v.name for v in visits] == [f"S{i}" for i in range(12)]
    assert visits[-1].name == "S11" and visits[0] == visits[0] and visits[0] != visits[1]
    assert [v.name for v in visits[2:4]] == ["S2", "S3"]
    assert [v.name for v in reversed(visits)] == [f"S{i}" for i in reversed(range(12))]
    assert visits == list(visits) and visits != list(visits)[:-1]
    assert [v.stages["input"] for v in visits.named("S3")] == [3]
    assert visits.index(visits[5]) == 5
    assert len({visits[0], log.snapshot()[0]}) == 1
    assert repr(visits).startswith("[Visit('S0'") and "(12 visits)" in repr(visits)
    try:
        visits[12]
    except IndexError:
        pass
    else:
        raise AssertionError("visits[12] of 12 visits should raise IndexError")


def test_the_log_pickles_with_its_sharing() -> None:
    log = VisitLog()
    shared = {"big": list(range(10))}
    visit = log.open("A", 2, 0, shared, {"x": 1}, (("M", 0),))
    visit.stages.update(afterInputPath=shared, result=[1], afterResultPath=shared)
    visit.stages["output"] = shared
    visit.variables = {"y": 2}
    log.close(visit)
    log.open("B", 4, 0, shared, None, ())  # still open
    back = pickle.loads(pickle.dumps(log, protocol=pickle.HIGHEST_PROTOCOL))
    a, b = back.snapshot()
    assert a.stages == {"input": shared, "afterInputPath": shared, "result": [1], "afterResultPath": shared,
                        "output": shared}  # fmt: skip
    assert a.stages["input"] is a.stages["output"] is b.stages["input"]
    assert a.variables == {"y": 2} and a.variables_before == {"x": 1} and a.scope == (("M", 0),)
    assert back.is_open(1) and b.stages == {"input": shared}
    back.close(back.open("C", 6, 0, 1, None, (("M", 1),)))  # the frame cache starts again after unpickling
    assert back.snapshot()[-1].scope == (("M", 1),)


# -- property: any interleaving of visits reads back as the old records did -------------------------------

_values = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=3),
    st.lists(st.integers(0, 3), max_size=3), st.dictionaries(st.sampled_from("ab"), st.integers(0, 3), max_size=2),
)  # fmt: skip
# one step: open a visit, or write into / close the k-th open visit
_steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("open"),
            st.sampled_from(["A", "B", "C"]),
            st.integers(0, 3),
            _values,
            st.sampled_from([(), (("M",),), (("M",), ("P",))]),
        ),
        st.tuples(st.just("stage"), st.integers(0, 5), st.sampled_from(STAGE_NAMES), _values, st.integers(-1, 3)),
        st.tuples(st.just("error"), st.integers(0, 5), st.text(max_size=2), st.one_of(st.none(), st.text(max_size=2))),
        st.tuples(st.just("assign"), st.integers(0, 5), st.dictionaries(st.sampled_from("xy"), _values, max_size=2)),
        st.tuples(st.just("close"), st.integers(0, 5)),
        st.tuples(st.just("read"), st.integers(0, 40)),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(steps=_steps)
def test_any_interleaving_reads_back_as_the_old_records(steps: list[tuple[Any, ...]]) -> None:
    log = VisitLog()
    views: list[tuple[Visit, OldVisit]] = []  # views taken mid-run: each must keep reading as its record does
    old: list[OldVisit] = []
    open_pairs: list[tuple[OpenVisit, OldVisit]] = []
    frames: dict[tuple[str, int], tuple[str, int]] = {}  # one scope element per (state, index), as branches do
    variables = [{}, {"x": 1}, None]
    for step in steps:
        kind = step[0]
        if kind == "open":
            _, name, branch, value, shape = step
            scope = tuple(frames.setdefault((s[0], branch if k == len(shape) - 1 else 0),
                                            (s[0], branch if k == len(shape) - 1 else 0))
                          for k, s in enumerate(shape))  # fmt: skip
            before = variables[len(old) % 3]
            eid = 2 * len(old) + 1
            open_pairs.append(
                (log.open(name, eid, branch, value, before, scope), OldVisit(name, eid, branch, value, before, scope))
            )
            old.append(open_pairs[-1][1])
        elif kind == "read":  # a reader in the middle of the run (the Debugger)
            if old:
                k = step[1] % len(old)
                views.append((log.snapshot()[k], old[k]))
                same_visit(*views[-1])
            continue
        elif not open_pairs:
            continue
        elif kind == "stage":
            _, k, stage, value, same_as = step
            new_v, old_v = open_pairs[k % len(open_pairs)]
            if same_as >= 0 and old_v.stages:  # reuse an earlier stage's object, as the interpreter does
                value = list(old_v.stages.values())[same_as % len(old_v.stages)]
            new_v.stages[stage] = old_v.stages[stage] = value
        elif kind == "error":
            _, k, error, cause = step
            new_v, old_v = open_pairs[k % len(open_pairs)]
            new_v.attempt_errors = [*new_v.attempt_errors, (error, cause)]
            old_v.attempt_errors = [*old_v.attempt_errors, (error, cause)]
            new_v.error = old_v.error = (error, cause)
        elif kind == "assign":
            _, k, assigned = step
            new_v, old_v = open_pairs[k % len(open_pairs)]
            new_v.variables = old_v.variables = assigned
        else:
            new_v, _ = open_pairs.pop(step[1] % len(open_pairs))
            log.close(new_v)
    visits = log.snapshot()
    assert isinstance(visits, Visits) and len(visits) == len(old)
    for new, was in zip(visits, old, strict=True):
        same_visit(new, was)
    for view, was in views:
        same_visit(view, was)
    for new, was in zip(pickle.loads(pickle.dumps(log)).snapshot(), old, strict=True):
        assert new.stages == was.stages and new.scope == was.scope and new.error == was.error


# -- property: whole runs record the same visits as with the old records ----------------------------------


class OldLog:
    """The interpreter's visit list as it was: one mutable record per visit, kept as the interpreter left it."""

    def __init__(self) -> None:
        self.visits: list[OldVisit] = []

    def open(self, name: str, eid: int, branch: int, data: Any, before: Any, scope: Any) -> OldVisit:
        visit = OldVisit(name, eid, branch, data, before, scope)
        self.visits.append(visit)
        return visit

    def close(self, visit: OldVisit) -> None:
        pass

    def heal(self) -> None:
        pass  # one append a visit: nothing can be half-written

    def add_pass(self, name: str, eid: int, branch: int, before: Any, scope: Any, data: Any, *rest: Any) -> None:
        # what a Pass visit was: opened, its stages written one by one, its Assign kept
        *values, assigned = rest
        visit = self.open(name, eid, branch, data, before, scope)
        names = ("afterInputPath", "afterParameters", "result", "afterResultPath", "output")
        visit.stages.update(zip(names, values, strict=True))
        visit.variables = assigned

    def snapshot(self) -> list[OldVisit]:
        return list(self.visits)


def runs_alike(run: Any, monkeypatch: Any) -> tuple[Any, Any]:
    """The same run twice: with the compact log, and with the old records in its place."""
    new = run()
    with monkeypatch.context() as patch:
        patch.setattr("sfnkit.runtime.interpreter.VisitLog", OldLog)
        old = run()
    return new, old


def same_visits(new: Any, old: Any) -> None:
    assert new.history.to_boto() == old.history.to_boto()
    assert len(new.visits) == len(old.visits) > 0
    for a, b in zip(new.visits, old.visits, strict=True):
        same_visit(a, b)

    from sfnkit.explaining import visit_steps
    from sfnkit.widgets import data as wdata

    for name in {v.name for v in old.visits}:
        # what the Debugger's inspector and the explanations show, from either record
        assert wdata.inspector(new.history, name, visits=new.visits, limit=0) == wdata.inspector(
            old.history, name, visits=old.visits, limit=0
        )
        st = new.state_machine.find(name)
        assert [visit_steps(st, v) for v in new.visits.named(name)] == [
            visit_steps(st, v) for v in old.visits if v.name == name
        ]


def test_the_bench_machines_record_the_same_visits_as_the_old_records(monkeypatch: Any) -> None:
    import sfnkit
    from sfnkit import demo, examples
    from sfnkit.examples import machines

    cases: list[tuple[Any, Any, Any]] = [
        (machines.inline_map(3), list(range(25)), None),
        (
            machines.jsonata_map(),
            {"rate": 1.5, "items": [{"sku": f"s{i}", "price": i, "qty": 2} for i in range(6)]},
            None,
        ),
        (machines.choice_loop(5), {}, None),
        (machines.parallel(3, 2), {"x": 1}, None),
        (machines.pass_chain(7), {}, None),
        (examples.definition("order_pipeline"), demo.ORDER, demo.resources),
    ]
    for definition, data, resources in cases:
        new, old = runs_alike(
            lambda d=definition, i=data, r=resources: sfnkit.run(
                d, i, resources=r() if r else None, seed=3, type="EXPRESS"
            ),
            monkeypatch,
        )
        same_visits(new, old)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(built=machines(), data=inputs, seed=st.integers(0, 2**16))
def test_random_machines_record_the_same_visits_as_the_old_records(
    built: Built, data: dict[str, Any], seed: int, monkeypatch: Any
) -> None:
    new, old = runs_alike(lambda: run(built, data, seed), monkeypatch)
    same_visits(new, old)


def test_an_empty_log_pickles_small_and_works_after() -> None:
    blob = pickle.dumps(VisitLog(), protocol=pickle.HIGHEST_PROTOCOL)
    assert len(blob) < 80  # a batch worker sends one per execution
    log = pickle.loads(blob)
    assert log.snapshot() == []
    log.close(log.open("A", 1, 0, 5, None, ()))
    assert log.snapshot()[0].stages == {"input": 5}


# -- a JSONPath Pass visit, recorded whole (VisitLog.add_pass) -------------------------------------------------


def test_a_pass_visit_added_whole_reads_as_one_opened_written_and_closed() -> None:
    # every pattern of shared stages (32: each of the five later stages the previous one's object, or not)
    names = ("afterInputPath", "afterParameters", "result", "afterResultPath", "output")
    for runs in range(32):
        values: list[Any] = [{"input": 0}]
        for k in range(5):
            values.append({"stage": k} if runs >> k & 1 else values[-1])
        assigned = {"x": runs} if runs % 3 == 0 else None
        whole, piecewise, old = VisitLog(), VisitLog(), OldVisit("P", 7, 2, values[0], {"v": 1}, (("M", 2),))
        whole.add_pass("P", 7, 2, {"v": 1}, (("M", 2),), *values, assigned)
        visit = piecewise.open("P", 7, 2, values[0], {"v": 1}, (("M", 2),))
        visit.stages.update(zip(names, values[1:], strict=True))
        visit.variables = assigned
        piecewise.close(visit)
        old.stages.update(zip(names, values[1:], strict=True))
        old.variables = assigned
        (a,), (b,) = whole.snapshot(), piecewise.snapshot()
        same_visit(a, old)
        same_visit(b, old)
        assert whole._shape[0] == piecewise._shape[0] or whole._shapes == piecewise._shapes[: len(whole._shapes)]
        back = pickle.loads(pickle.dumps(whole))
        same_visit(back.snapshot()[0], old)
        back.add_pass("Q", 9, 0, None, (), *values, None)  # after unpickling the shape cache starts again
        assert back.snapshot()[1].stages == dict(zip(("input", *names), values, strict=True))


def test_a_pass_that_fails_keeps_its_visit_open_with_its_input() -> None:
    import sfnkit

    sm = sfnkit.load({"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.missing", "End": True}}})
    ex = sfnkit.run(sm, {"a": 1})
    assert ex.status == "FAILED" and ex.error == "States.Runtime"
    (visit,) = ex.visits
    assert visit.name == "P" and visit.stages == {"input": {"a": 1}} and visit.entered_event_id == 2


def test_a_pass_stopped_by_the_history_limit_keeps_the_stages_it_reached() -> None:
    import sfnkit

    # a Task (5 events), then a counting loop of 4 events a turn: Count's Exited event would be the 25,000th
    sm = sfnkit.load(
        {
            "StartAt": "T",
            "States": {
                "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "Next": "Count"},
                "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "More"},
                "More": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.n", "NumericLessThan": 100000, "Next": "Count"}],
                    "Default": "Done",
                },
                "Done": {"Type": "Succeed"},
            },
        }
    )
    ex = sfnkit.run(sm, {"n": 0}, resources={"f": lambda event: event})
    assert ex.status == "FAILED" and len(ex.history) == 25000
    entered = [e for e in ex.history if e.type.endswith("StateEntered")]
    assert len(ex.visits) == len(entered)
    last = ex.visits[-1]
    assert last.name == "Count" and last.entered_event_id == 24999
    assert list(last.stages) == ["input", "afterInputPath", "afterParameters", "result", "afterResultPath"]
    assert last.stages["afterResultPath"] == {"n": 6249}
    assert ex.visits[-3].stages["output"] == {"n": 6248}  # the turn before ended as usual
