"""The builder's compact columns (``HistoryBuilder``: an event-kind number and a value instead of a type and a
details tuple, kinds shared through ``EventKinds``) read back exactly as a plain history of the same events:
events, raw events, boto form, pickles, snapshots, discarded events, and builders sharing one kind table."""

from __future__ import annotations

import pickle
import threading
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sfnkit.history import History, HistoryBuilder
from sfnkit.history import events as et
from sfnkit.history.model import EventKinds

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=6),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=8,
)
state_names = st.sampled_from(["A", "Tag", "Keep", "Ünïcode", "Map"]) | st.text(min_size=1, max_size=6)
_IO_TYPES = [t.name for t in et.EVENT_TYPES if t.name.endswith(("StateEntered", "StateExited"))]
_ITERATION_TYPES = [t.name for t in et.EVENT_TYPES if t.name.startswith("MapIteration")]
_OTHER_TYPES = [t.name for t in et.EVENT_TYPES]


@st.composite
def steps(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    """What an interpreter does to a builder: add events (compactly or whole), and take back the one just added."""
    out: list[tuple[Any, ...]] = []
    ts = 1_700_000_000.0
    for _ in range(draw(st.integers(0, 40))):
        ts += draw(st.integers(0, 3000)) / 1000
        what = draw(st.sampled_from(["io", "io", "iteration", "plain", "none", "discard"]))
        prev = draw(st.integers(0, 50))
        if what == "io":
            key = draw(st.sampled_from(["input", "output"]))
            out.append(("io", draw(st.sampled_from(_IO_TYPES)), prev, ts, draw(state_names), key, draw(json_values)))
        elif what == "iteration":
            index = draw(st.integers(0, 10**6))
            out.append(("io", draw(st.sampled_from(_ITERATION_TYPES)), prev, ts, draw(state_names), "index", index))
        elif what == "plain":
            details = {"name": draw(state_names), "output": draw(json_values)}
            if draw(st.booleans()):
                details["assignedVariables"] = {"x": draw(json_values)}
            out.append(("plain", draw(st.sampled_from(_IO_TYPES)), prev, ts, details))
        elif what == "none":
            out.append(("plain", draw(st.sampled_from(_OTHER_TYPES)), prev, ts, None))
        elif out and out[-1][0] != "discard":  # as the interpreter does: the event just added, once
            out.append(("discard",))
    return out


def _record(builder: HistoryBuilder, plain: list[tuple[Any, ...]], step: tuple[Any, ...]) -> None:
    """Apply one step to the builder, and to a plain list of ``(type, prev, timestamp, details dict)`` records."""
    if step[0] == "io":
        _, type_, prev, ts, name, key, value = step
        assert builder.add_state_io(type_, prev, ts, name, key, value) == len(plain) + 1
        details = {key: value, "name": name} if key == "index" else {"name": name, key: value}
        plain.append((type_, prev, ts, details))
    elif step[0] == "plain":
        _, type_, prev, ts, details = step
        assert builder.add(type_, prev, ts, details) == len(plain) + 1
        plain.append((type_, prev, ts, details))
    elif plain:
        builder.discard_last()
        plain.pop()


def _same(compact: History, plain: History) -> None:
    assert len(compact) == len(plain)
    assert list(compact) == list(plain)
    assert compact.to_boto() == plain.to_boto()
    for got, want in zip(compact.raw_events(), plain.raw_events(), strict=True):
        assert got == want
    for position in range(len(plain)):
        assert compact.raw_event(position) == plain.raw_event(position)
    assert compact.status == plain.status


@settings(max_examples=200, deadline=None)
@given(steps())
def test_the_compact_builder_reads_back_as_a_plain_history(todo: list[tuple[Any, ...]]) -> None:
    builder = HistoryBuilder()
    plain: list[tuple[Any, ...]] = []
    snapshots: list[tuple[History, list[tuple[Any, ...]]]] = []
    for i, step in enumerate(todo):
        _record(builder, plain, step)
        # a snapshot taken mid-run keeps its length while the builder grows (the interpreter takes an event back
        # only right after adding it, before anything reads it: no snapshot is taken before a discard)
        if i % 7 == 3 and todo[i + 1 : i + 2] != [("discard",)]:
            snapshots.append((builder.build(), list(plain)))
    _same(builder.build(), History(plain))
    assert builder.types_since(0) == [r[0] for r in plain]
    assert builder.types_since(len(plain) // 2) == [r[0] for r in plain[len(plain) // 2 :]]
    entered = et.STATE_ENTERED_TYPES
    for start in (0, len(plain) // 3, len(plain), len(plain) + 5):
        assert builder.count_since(start, entered) == sum(r[0] in entered for r in plain[start:])
    assert len(builder) == builder.last_id == len(plain)
    for snapshot, records in snapshots:
        assert len(snapshot) <= len(records)
        _same(snapshot, History(records[: len(snapshot)]))
    # a pickled builder (a run_many worker's history) reads back the same, and keeps recording
    again = pickle.loads(pickle.dumps(builder))
    _same(again.build(), History(plain))
    _record(again, plain, ("io", "PassStateEntered", 0, 1.0, "After", "input", {"a": 1}))
    _same(again.build(), History(plain))


@settings(max_examples=60, deadline=None)
@given(steps(), steps())
def test_builders_sharing_one_kind_table(first: list[tuple[Any, ...]], second: list[tuple[Any, ...]]) -> None:
    # a Distributed Map's children record into builders that share their parent's kinds
    parent = HistoryBuilder()
    child = HistoryBuilder(parent.kinds)
    assert child.kinds is parent.kinds
    plain_parent: list[tuple[Any, ...]] = []
    plain_child: list[tuple[Any, ...]] = []
    for a, b in zip(first, second, strict=False):
        _record(parent, plain_parent, a)
        _record(child, plain_child, b)
    _same(parent.build(), History(plain_parent))
    _same(child.build(), History(plain_child))
    # pickled together (an execution with its map runs) they still share one table; each reads back alike
    parent2, child2 = pickle.loads(pickle.dumps((parent, child)))
    assert child2.kinds is parent2.kinds
    _same(parent2.build(), History(plain_parent))
    _same(child2.build(), History(plain_child))


def test_kinds_added_from_many_threads_at_once_read_back() -> None:
    kinds = EventKinds()
    barrier = threading.Barrier(4)
    results: dict[int, tuple[HistoryBuilder, list[tuple[Any, ...]]]] = {}

    def work(t: int) -> None:
        builder = HistoryBuilder(kinds)
        plain: list[tuple[Any, ...]] = []
        barrier.wait()
        for i in range(2000):
            # every thread adds the same new kinds at about the same time, and some of its own
            _record(builder, plain, ("io", "PassStateEntered", i, 1.0, f"S{i % 50}", "input", i))
            _record(builder, plain, ("io", "PassStateExited", i, 1.0, f"T{t}-{i % 7}", "output", t))
            _record(builder, plain, ("plain", "TaskFailed" if i % 3 else "WaitStateAborted", i, 1.0, None))
        results[t] = builder, plain

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for builder, plain in results.values():
        _same(builder.build(), History(plain))
    # a kind has one number however many threads added it (a duplicate table row, if any, reads the same)
    assert len(set(kinds.table)) == 50 + 4 * 7 + 2
    assert len(kinds.io) == 50 + 4 * 7
    assert sorted(kinds.plain) == ["TaskFailed", "WaitStateAborted"]


def test_an_execution_history_is_kept_in_columns_and_reads_as_aws_writes_it() -> None:
    import sfnkit
    from sfnkit.examples import machines

    sm = sfnkit.load(machines.inline_map(max_concurrency=0))
    ex = sfnkit.run(sm, list(range(30)), type="EXPRESS")
    h = ex.history
    assert len(h) == 6 * 30 + 6
    assert History.from_boto(h.to_boto()) == h
    started = [e for e in h if e.type == "MapIterationStarted"]
    assert [e.details for e in started] == [{"index": i, "name": "EachItem"} for i in range(30)]
    tags = [e for e in h if e.type == "PassStateExited" and e.state_name == "Tag"]
    assert tags[0].details == {"name": "Tag", "output": '{"item":0,"seen":true}', "outputDetails": {"truncated": False}}
    # the kinds: one per (type, state, key) and per whole-details type, however many events
    kinds = ex._builder.kinds
    assert len(kinds.table) <= 12
    assert sorted(kinds.io) == sorted(
        {
            ("MapIterationStarted", "EachItem", "index"),
            ("MapIterationSucceeded", "EachItem", "index"),
            ("MapStateEntered", "EachItem", "input"),
            ("MapStateExited", "EachItem", "output"),
            ("PassStateEntered", "Tag", "input"),
            ("PassStateExited", "Tag", "output"),
            ("PassStateEntered", "Keep", "input"),
            ("PassStateExited", "Keep", "output"),
        }
    )


def _consistent(ex: Any) -> None:
    """An execution's history and visits after an interrupt: every event reads as AWS writes it, and each visit
    belongs to a StateEntered event of its state."""
    h = ex.history
    assert [e.id for e in h] == list(range(1, len(h) + 1))
    assert History.from_boto(h.to_boto()) == h
    for event in h:
        if event.type.endswith(("StateEntered", "StateExited")) or event.type.startswith("MapIteration"):
            assert event.details is not None and isinstance(event.details["name"], str)
    entered = {e.id: e.state_name for e in h if e.type.endswith("StateEntered")}
    assert sorted(v.entered_event_id for v in ex.visits) == sorted(entered)
    for visit in ex.visits:
        assert entered[visit.entered_event_id] == visit.name
        assert "input" in visit.stages


def test_an_interrupt_inside_an_event_append_leaves_the_history_whole(monkeypatch: Any) -> None:
    # a KeyboardInterrupt lands between two of add_state_io's appends (Python checks for signals after calls)
    import sfnkit
    from sfnkit.examples import machines
    from sfnkit.history import model

    real = model.HistoryBuilder.add_state_io
    calls = [0]

    def interrupted(self: Any, type_: str, prev: int, ts: float, name: str, key: str, value: Any) -> int:
        calls[0] += 1
        if calls[0] == 37:
            self._kinds.append(self.kinds.io_kind(type_, name, key))
            self._prevs.append(prev)
            raise KeyboardInterrupt
        return real(self, type_, prev, ts, name, key, value)

    monkeypatch.setattr(model.HistoryBuilder, "add_state_io", interrupted)
    ex = sfnkit.run(sfnkit.load(machines.inline_map(max_concurrency=0)), list(range(30)), type="EXPRESS")
    assert ex.status == "ABORTED" and ex.error == "KeyboardInterrupt"
    assert ex.history[-1].type == "ExecutionAborted"
    _consistent(ex)


class _Flaky(list):  # type: ignore[type-arg]
    """A column whose ``n``-th append is followed by an interrupt (the append itself done)."""

    def __init__(self, items: Any, n: int) -> None:
        super().__init__(items)
        self.n = n

    def append(self, value: Any) -> None:
        super().append(value)
        self.n -= 1
        if self.n == 0:
            raise KeyboardInterrupt


def test_an_interrupt_inside_a_visit_append_loses_no_visit() -> None:
    import sfnkit
    from sfnkit.examples import machines

    sm = sfnkit.load(machines.inline_map(max_concurrency=0))
    for n in (1, 2, 9, 10):  # the Map's own visit (opened), then Pass visits (added whole)
        ex = sfnkit.start(sm, list(range(20)), type="EXPRESS")
        log = ex._interp.visits
        log._first = _Flaky(log._first, n)
        ex.run()
        assert ex.status == "ABORTED"
        _consistent(ex)
        interrupted = ex.visits[n - 1]
        if n == 1:
            assert interrupted.name == "EachItem" and interrupted.stages == {"input": list(range(20))}
        else:  # a Pass visit that had exited: written whole
            assert list(interrupted.stages) == ["input", "afterInputPath", "afterParameters", "result",
                                                "afterResultPath", "output"]  # fmt: skip
