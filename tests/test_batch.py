"""``run_many``: many executions, reproducible by seed, and a ``Batch`` whose reports work like single ones."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import pytest

import sfnkit
from sfnkit.errors import MissingDependencyError, ResourceError
from sfnkit.runtime.batch import Batch, run_many
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
        "from sfnkit.runtime.batch import run_many\n"
        "b = run_many({'StartAt': 'P', 'States': {'P': {'Type': 'Pass', 'End': True}}}, 2, progress=False)\n"
        "print(b.statuses, [m for m in ('pandas', 'matplotlib', 'tqdm') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "('SUCCEEDED', 'SUCCEEDED') []"


def test_progress_in_a_notebook_is_plain_output_that_ends_at_the_final_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """In a kernel the bar is HTML refreshed through a display handle (no widget), so exports show the end."""
    import IPython.display

    from sfnkit.runtime import batch as batch_module

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
