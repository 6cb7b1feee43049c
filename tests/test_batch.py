"""``run_many``: many executions, reproducible by seed, and a ``Batch`` whose reports work like single ones."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import pytest

import sfnkit
from sfnkit.batch import Batch, run_many
from sfnkit.errors import MissingDependencyError, ResourceError
from sfnkit.runtime.clock import VirtualClock, WallClock
from tests.test_reports_data import FLAKY, LAMBDA, flaky_handlers

ECHO = {"StartAt": "Echo", "States": {"Echo": {"Type": "Task", "Resource": LAMBDA + "echo", "End": True}}}


def test_execution_i_is_the_single_run_with_seed_plus_i() -> None:
    batch = run_many(FLAKY, 12, resources=flaky_handlers(), seed=40, progress=False)
    assert isinstance(batch, Batch) and isinstance(batch, Sequence) and len(batch) == 12
    assert batch.seeds == tuple(range(40, 52))
    for i in (0, 5, 11):
        alone = sfnkit.run(FLAKY, {}, resources=flaky_handlers(), seed=40 + i)
        assert batch[i].history == alone.history
        assert batch[i].name == alone.name
    # and again: the same batch
    again = run_many(FLAKY, 12, resources=flaky_handlers(), seed=40, progress=False)
    assert again.histories == batch.histories
    assert batch.statuses == tuple(ex.status for ex in batch)
    assert batch.names == tuple(ex.name for ex in batch)
    assert sum(batch.counts().values()) == 12


def test_inputs_are_given_in_order() -> None:
    batch = run_many(ECHO, [{"n": i} for i in range(5)], resources={"echo": lambda event: event}, progress=False)
    assert [ex.output for ex in batch] == [{"n": i} for i in range(5)]
    assert run_many(ECHO, iter([{"a": 1}]), resources={"echo": lambda e: e}, progress=False)[0].output == {"a": 1}
    assert run_many(ECHO, 3, resources={"echo": lambda e: e}, progress=False)[2].output == {}
    assert len(run_many(ECHO, 0, resources={"echo": lambda e: e}, progress=False)) == 0
    assert batch[1:3] == tuple(batch)[1:3]


def test_resources_per_execution() -> None:
    made: list[int] = []

    def resources(i: int) -> dict[str, Any]:
        made.append(i)
        return {"echo": lambda event: {"run": i}}

    batch = run_many(ECHO, 4, resources=resources, progress=False)
    assert made == [0, 1, 2, 3]
    assert [ex.output for ex in batch] == [{"run": i} for i in range(4)]


def test_clocks() -> None:
    batch = run_many(ECHO, 2, resources={"echo": lambda e: e}, progress=False)
    assert batch[0].history[0].timestamp == batch[1].history[0].timestamp  # each starts on a fresh virtual clock
    later = run_many(
        ECHO, 2, resources={"echo": lambda e: e}, clock=lambda i: VirtualClock(1_000_000 + 60 * i), progress=False
    )
    assert [ex.history[0].timestamp.timestamp() for ex in later] == [1_000_000, 1_000_060]
    wall = run_many(ECHO, 1, resources={"echo": lambda e: e}, clock=WallClock(), progress=False)
    assert wall[0].status == "SUCCEEDED"
    with pytest.raises(TypeError, match="one per execution"):
        run_many(ECHO, 2, resources={"echo": lambda e: e}, clock=VirtualClock())


def test_misuse_is_reported() -> None:
    with pytest.raises(ResourceError, match="echo"):
        run_many(ECHO, 2, progress=False)
    with pytest.raises(TypeError, match="no name="):
        run_many(ECHO, 2, resources={"echo": lambda e: e}, name="x")
    with pytest.raises(TypeError, match="breakpoints"):
        run_many(ECHO, 2, resources={"echo": lambda e: e}, breakpoints={"Echo"})
    with pytest.raises(TypeError, match="inputs must be"):
        run_many(ECHO, 2.5, resources={"echo": lambda e: e})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot run -1"):
        run_many(ECHO, -1, resources={"echo": lambda e: e})


def test_other_keywords_reach_every_execution() -> None:
    batch = run_many(ECHO, 2, resources={"echo": lambda e: e}, type="EXPRESS", region="eu-west-1", progress=False)
    assert all(ex.type == "EXPRESS" and ":eu-west-1:" in ex.arn for ex in batch)
    assert all(not ex.visits for ex in batch)  # no data-flow stages kept by default
    kept = run_many(ECHO, 1, resources={"echo": lambda e: e}, keep_stages=True, progress=False)
    assert kept[0].visits


def test_progress_bar(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("tqdm")
    run_many(ECHO, 3, resources={"echo": lambda e: e}, progress=True)
    assert "3/3" in capsys.readouterr().err
    run_many(ECHO, 3, resources={"echo": lambda e: e}, progress=False)
    assert capsys.readouterr().err == ""
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(MissingDependencyError, match=r"sfnkit\[reports\]"):
        run_many(ECHO, 1, resources={"echo": lambda e: e}, progress=True)
    assert len(run_many(ECHO, 1, resources={"echo": lambda e: e})) == 1  # progress=None: no bar, no error


def test_batch_reports_are_the_reports_of_its_histories() -> None:
    pytest.importorskip("pandas")
    from sfnkit import reports

    batch = run_many(FLAKY, 20, resources=flaky_handlers(), seed=7, progress=False)
    histories = list(batch.histories)
    for name in ("events", "states", "attempts", "failures", "errors", "overview", "summary"):
        assert getattr(batch, name)().equals(getattr(reports, name)(histories)), name
    # the batch knows its definition, which counts in the Express memory estimate; bare histories do not
    assert batch.cost(definition_bytes=0).equals(reports.cost(histories))
    assert (batch.cost()["memory_mb"] > reports.cost(histories)["memory_mb"]).all()
    states = batch.states()
    assert states["execution"].tolist() == sorted(states["execution"].tolist())
    assert set(states["execution"]) == set(range(20))
    overview = batch.overview()
    assert overview["status"].tolist() == list(batch.statuses)
    # which state makes the p95 latency: Train, by far
    summary = batch.summary().sort_values("p95", ascending=False)
    assert summary["state"].iloc[0] == "Train"


def test_histories_are_kept_so_views_are_computed_once() -> None:
    batch = run_many(ECHO, 3, resources={"echo": lambda e: e}, progress=False)
    first = batch.histories
    assert all(a is b for a, b in zip(first, batch.histories, strict=True))


def test_repr_and_lazy_imports() -> None:
    batch = run_many(FLAKY, 5, resources=flaky_handlers(), seed=1, progress=False)
    assert repr(batch).startswith("<Batch: 5 executions: ")
    code = (
        "import sys\n"
        "from sfnkit.batch import run_many\n"
        "b = run_many({'StartAt': 'P', 'States': {'P': {'Type': 'Pass', 'End': True}}}, 2, progress=False)\n"
        "print(b.statuses, [m for m in ('pandas', 'matplotlib', 'tqdm') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "('SUCCEEDED', 'SUCCEEDED') []"


# -- processes=N -----------------------------------------------------------------------------------------------


def test_processes_give_the_serial_batch() -> None:
    counter = {"calls": 0}

    def count(event: Any) -> Any:  # a closure defined here, as in a notebook cell: never pickled
        counter["calls"] += 1
        return {"n": event.get("n"), "pid_free": True}

    resources = {**flaky_handlers(), "echo": count}
    serial = run_many(FLAKY, 40, resources=flaky_handlers(), seed=7, progress=False)
    parallel = run_many(FLAKY, 40, resources=flaky_handlers(), seed=7, progress=False, processes=2)
    assert parallel.histories == serial.histories
    assert parallel.names == serial.names and parallel.statuses == serial.statuses
    assert [ex.output for ex in parallel] == [ex.output for ex in serial]
    assert [ex.error for ex in parallel] == [ex.error for ex in serial]
    assert [ex.summary() for ex in parallel] == [ex.summary() for ex in serial]
    assert [repr(ex) for ex in parallel] == [repr(ex) for ex in serial]
    assert parallel.seeds == serial.seeds

    inputs = [{"n": i} for i in range(25)]
    echoed = run_many(ECHO, inputs, resources=resources, progress=False, processes=3)
    assert [ex.output for ex in echoed] == [{"n": i, "pid_free": True} for i in range(25)]
    assert counter["calls"] == 0  # the handler ran in the workers' copies of this process


def test_processes_batch_reads_like_a_serial_one() -> None:
    pytest.importorskip("pandas")
    serial = run_many(FLAKY, 10, resources=flaky_handlers(), seed=3, progress=False)
    parallel = run_many(FLAKY, 10, resources=flaky_handlers(), seed=3, progress=False, processes=2)
    assert parallel.summary().equals(serial.summary())
    assert parallel.states().equals(serial.states())
    ex = parallel[0]
    assert ex.done and ex.pending_tokens == [] and ex.position is None
    assert ex.run() is ex and ex.stop() is ex  # a finished execution stays finished
    ex.break_on_error = True  # a switch of a finished execution: accepted, changes nothing
    assert "image/svg+xml" in ex._repr_mimebundle_() or "text/html" in ex._repr_mimebundle_()


def test_processes_keep_stages_and_per_run_resources() -> None:
    def resources(i: int) -> dict[str, Any]:
        return {"echo": lambda event: {"run": i}}

    batch = run_many(ECHO, 6, resources=resources, progress=False, processes=2, keep_stages=True)
    assert [ex.output for ex in batch] == [{"run": i} for i in range(6)]
    serial = run_many(ECHO, 6, resources=resources, progress=False, keep_stages=True)

    def seen(ex: Any) -> list[tuple[str, int, dict[str, Any]]]:
        return [(v.name, v.entered_event_id, v.stages) for v in ex.visits]

    assert seen(batch[4]) and seen(batch[4]) == seen(serial[4])


def test_processes_misuse() -> None:
    for bad in (0, -2, 1.5, "2", True):
        with pytest.raises(ValueError, match="processes must be a whole number"):
            run_many(ECHO, 2, resources={"echo": lambda e: e}, progress=False, processes=bad)  # type: ignore[arg-type]
    # processes=1 is the serial run
    assert run_many(ECHO, 2, resources={"echo": lambda e: e}, progress=False, processes=1)[1].output == {}
    # a Task with no handler raises in the parent, as in a serial run
    with pytest.raises(ResourceError):
        run_many(ECHO, 4, resources={}, progress=False, processes=2)


def test_processes_handler_exceptions_stay_in_the_history() -> None:
    class Odd(Exception):
        def __init__(self, a: int, b: int) -> None:  # not re-creatable from its args: pickling it would fail
            super().__init__(f"{a}/{b}")

    def boom(event: Any) -> Any:
        raise Odd(1, 2)

    batch = run_many(ECHO, 4, resources={"echo": boom}, progress=False, processes=2)
    assert batch.statuses == ("FAILED",) * 4
    assert {ex.error for ex in batch} == {"Odd"}
    assert batch[0].cause == run_many(ECHO, 1, resources={"echo": boom}, progress=False)[0].cause


def test_finished_state_needs_a_finished_execution() -> None:
    from sfnkit.errors import ExecutionStateError

    sm = sfnkit.load({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5, "End": True}}})
    ex = sfnkit.start(sm, {}, breakpoints=["W"])
    with pytest.raises(ExecutionStateError, match="only a finished execution"):
        ex.finished_state()


def test_processes_ctrl_c_keeps_what_came_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import sfnkit.batch as batch_module

    class CtrlCAfterTwoChunks:  # the progress bar's update runs in the parent between chunks: Ctrl-C lands there
        n = 0
        calls = 0

        def update(self, k: int) -> None:
            self.n += k
            self.calls += 1
            if self.calls == 2:
                raise KeyboardInterrupt

        def set_postfix_str(self, text: str) -> None: ...

        def close(self) -> None: ...

    monkeypatch.setattr(batch_module, "_progress", lambda *args: CtrlCAfterTwoChunks())
    batch = run_many(ECHO, [{"i": i} for i in range(200)], resources={"echo": lambda e: e}, processes=2)
    assert batch.interrupted and 0 < len(batch) < 200
    assert batch.not_started == 200 - len(batch)
    assert [ex.output for ex in batch] == [{"i": i} for i in range(len(batch))]  # in order, none lost
    assert all(ex.status == "SUCCEEDED" for ex in batch)


def test_progress_in_a_notebook_is_plain_output_that_ends_at_the_final_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """In a kernel the bar is HTML refreshed through a display handle (no widget), so exports show the end."""
    import IPython.display

    from sfnkit import batch as batch_module

    shown: list[tuple[str, dict[str, str], str]] = []
    monkeypatch.setattr(batch_module, "_in_notebook", lambda: True)
    monkeypatch.setattr(
        IPython.display, "display", lambda data, **kw: shown.append(("display", data, kw["display_id"]))
    )
    monkeypatch.setattr(
        IPython.display, "update_display", lambda data, **kw: shown.append(("update", data, kw["display_id"]))
    )
    flaky = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}
    sfnkit.run_many(flaky, 10, progress=None)
    assert shown[0][0] == "display" and "0/10 (0%)" in shown[0][1]["text/plain"]
    assert {d for _, _, d in shown} == {shown[0][2]}  # one output, refreshed in place
    last = shown[-1][1]
    assert last["text/plain"] == "executions: 10/10 (100%); 10 not succeeded - done"
    assert '<progress value="1.0000"' in last["text/html"] and "widget" not in str(last)
