"""``sfnkit.reports`` plots, rendered on the Agg backend: lanes, bars, boxes and colours are what they should be."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("pandas")
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

import sfnkit  # noqa: E402
from sfnkit import reports  # noqa: E402
from sfnkit.batch import run_many  # noqa: E402
from sfnkit.examples import machines  # noqa: E402
from sfnkit.reports.plots import COLORS  # noqa: E402
from tests.test_reports_data import (  # noqa: E402
    FLAKY,
    LAMBDA,
    MAP_CATCH_RETRY,
    aws_history,
    flaky_handlers,
    needs_cases,
    run_pipeline,
)

RED = COLORS["failed"].lower()


@pytest.fixture(autouse=True)
def _no_show(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Plots never call plt.show(); figures are closed after each test."""
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("a plot called plt.show()"))
    yield
    plt.close("all")


def collections(ax: Any) -> dict[str, Any]:
    return {c.get_label(): c for c in ax.collections}


def counts(ax: Any) -> dict[str, int]:
    """Rectangles per PolyCollection, points per PathCollection (markers), by label."""
    return {
        label: len(c.get_offsets()) if isinstance(c, PathCollection) else len(c.get_paths())
        for label, c in collections(ax).items()
    }


def facecolors(collection: Any) -> set[str]:
    return {to_hex(c) for c in collection.get_facecolors()}


def labels(ax: Any) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def png(ax: Any) -> bytes:
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png")
    data = buffer.getvalue()
    assert data.startswith(b"\x89PNG")
    return data


@pytest.fixture(scope="module")
def local() -> Any:
    return run_pipeline()


@pytest.fixture(scope="module")
def batch() -> Any:
    return run_many(FLAKY, 40, resources=flaky_handlers(), seed=100, progress=False)


# ---------------------------------------------------------------------------------------------------------
# timeline


def test_timeline_of_the_local_pipeline(local: Any) -> None:
    ax = reports.timeline(local)
    png(ax)
    assert labels(ax) == [
        "Prepare", "Features", "› b0 Clean", "› b1 Cooldown", "› b1 Embed", "Train",
        "› [0] Fit · 1", "› [1] Fit · 2", "› [2] Fit · 3", "Evaluate", "Report",  # each iteration names its item
    ]  # fmt: skip
    assert counts(ax) == {
        "succeeded": 9,  # every visit but the Wait (hatched) and Evaluate (caught)
        "caught": 1,
        "wait": 1,
        "failed attempt": 2,  # Fit of fold 2, first attempt; Evaluate
        "retry backoff": 1,
        "retry": 1,
    }
    c = collections(ax)
    assert facecolors(c["failed attempt"]) == {RED}
    assert facecolors(c["caught"]) == {COLORS["caught"].lower()}
    assert c["wait"].get_hatch() == "////"
    assert c["retry backoff"].get_hatch() == "xxx"
    # the Retry waited from 19.5 s to 21.5 s, in the lane of fold 2
    (x0, y0), _, (x1, _y1), _ = c["retry backoff"].get_paths()[0].vertices[:4]
    assert (x0, x1) == (19.5, 21.5) and labels(ax)[round(y0 + 0.22)] == "› [1] Fit · 2"
    assert c["retry"].get_offsets().tolist() == [[21.5, 7.0]]
    # the Wait state's bar covers 1.5 s .. 6.5 s
    (wx0, _), _, (wx1, _), _ = c["wait"].get_paths()[0].vertices[:4]
    assert (wx0, wx1) == (1.5, 6.5)
    assert ax.get_xlabel() == "time since start (s)"
    assert ax.get_title() == "SUCCEEDED in 41.5 s: 11 state visits, 58 events"


@needs_cases
def test_timeline_colours_failures_red() -> None:
    ax = reports.timeline(aws_history(MAP_CATCH_RETRY))
    png(ax)
    assert labels(ax) == ["ProcessItems", "› [0] ProcessItem · 1", "› [0] Fallback"]
    assert counts(ax) == {"caught": 1, "failed": 2, "failed attempt": 2, "retry backoff": 1, "retry": 1}
    failed = collections(ax)["failed"]
    assert facecolors(failed) == {RED}
    assert [round(p.vertices[0][1] + 0.4) for p in failed.get_paths()] == [0, 2]  # the Map and the Fallback lanes
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["caught", "failed", "failed attempt", "retry backoff", "retry"]


def _fan_out(n: int) -> sfnkit.Execution:
    definition = machines.task_then_pass_map(LAMBDA + "work", max_concurrency=5)  # bench/reports.py's, smaller

    def work(call: sfnkit.TaskCall) -> Any:
        sfnkit.virtual_sleep(1 + call.input % 3)
        return call.input

    return sfnkit.run(definition, list(range(n)), resources={"work": work})


def test_timeline_collapses_big_maps_into_a_density_band() -> None:
    ex = _fan_out(30)
    ax = reports.timeline(ex, max_iterations=20)
    png(ax)
    assert labels(ax) == ["Fan", "› iterations running", "› [*] Work", "› [*] Done"]
    c = counts(ax)
    # the Map's bar, then the iterations' bars merged where they overlap: one bar of Work (five at a time, no
    # gap), and the instant Pass states, apart from each other
    assert c["iterations running"] == 1
    succeeded = collections(ax)["succeeded"].get_paths()
    lanes = [round(p.vertices[0][1] + 0.4) for p in succeeded]
    assert lanes.count(0) == 1 and lanes.count(2) == 1 and 1 < lanes.count(3) <= 30
    band = collections(ax)["iterations running"]
    assert max(band.get_paths()[0].vertices[:, 1]) == pytest.approx(1.4)  # the band's baseline: lane 1
    assert any(t.get_text() == "max 5" for t in ax.texts)  # MaxConcurrency 5
    # lighter bars in collapsed lanes
    assert {round(rgba[3], 2) for rgba in collections(ax)["succeeded"].get_facecolors()} == {1.0, 0.6}


def test_timeline_keeps_every_iteration_below_the_threshold() -> None:
    ax = reports.timeline(_fan_out(30), max_iterations=30)
    assert len(labels(ax)) == 1 + 30 * 2
    assert labels(ax)[:5] == ["Fan", "› [0] Work · 0", "› [0] Done", "› [1] Work · 1", "› [1] Done"]
    assert "iterations running" not in collections(ax)


def test_timeline_draws_on_the_axes_it_is_given(local: Any) -> None:
    _fig, (left, right) = plt.subplots(1, 2)
    assert reports.timeline(local, ax=right, legend=False, title="mine") is right
    assert not left.collections and right.get_title() == "mine" and right.get_legend() is None


def test_timeline_draws_one_execution(batch: Any) -> None:
    with pytest.raises(TypeError, match=r"timeline\(batch\[0\]\)"):
        reports.timeline(batch)
    assert labels(reports.timeline([batch[0]]))[0] == "Ingest"
    assert labels(batch.timeline(3))[0] == "Ingest"
    with pytest.raises(ValueError, match="unit must be one of"):
        reports.timeline(batch[0], unit="weeks")
    assert reports.timeline(batch[0], unit="min", time_scale="linear").get_xlabel() == "time since start (min)"


# ---------------------------------------------------------------------------------------------------------
# durations


def test_durations_box_per_state(batch: Any) -> None:
    ax = reports.durations(batch)
    png(ax)
    summary = reports.summary(batch)
    finished = summary[summary["count"] > 0]
    names = finished["state"].tolist()
    assert labels(ax) == [f"{n} (n={c})" for n, c in zip(names, finished["count"], strict=True)]
    assert len(ax.patches) == len(names)  # one box each
    p95 = collections(ax)["p95"].get_offsets()
    expected = [row.p95.total_seconds() for row in finished.itertuples()]
    assert p95[:, 0].tolist() == pytest.approx(expected, abs=1e-6)
    assert p95[:, 1].tolist() == list(range(len(names)))


def test_durations_strip_colours_each_visit_by_how_it_ended(batch: Any) -> None:
    ax = reports.durations(batch, kind="strip", states=["Train", "Alert"])
    png(ax)
    states = reports.states(batch)
    chosen = states[states["state"].isin(["Train", "Alert"])]
    expected = chosen["status"].value_counts().to_dict()
    assert counts(ax) == expected
    if "failed" in expected:
        assert facecolors(collections(ax)["failed"]) == {RED}
    assert [t.split(" ")[0] for t in labels(ax)] == ["Train", "Alert"]
    with pytest.raises(ValueError, match="no finished visits of"):
        reports.durations(batch, states=["Nope"])
    with pytest.raises(ValueError, match='kind must be "box" or "strip"'):
        reports.durations(batch, kind="violin")


# ---------------------------------------------------------------------------------------------------------
# retries and failures


def test_pareto_of_errors_by_state(batch: Any) -> None:
    ax = reports.retries_failures(batch)
    png(ax)
    errors = reports.errors(batch)
    table = errors.groupby(["state", "error", "outcome"], dropna=False).size()
    pairs = errors.groupby(["state", "error"], dropna=False).size().sort_values(ascending=False)
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"{s}\n{e}" for s, e in pairs.index]
    bars = {container.get_label(): container for container in ax.containers}
    assert set(bars) == set(errors["outcome"])
    assert sum(len(c.patches) for c in bars.values()) == len(table)  # one bar per (state, error, outcome)
    for outcome, container in bars.items():
        assert {to_hex(p.get_facecolor()) for p in container.patches} == {COLORS[outcome].lower()}
    assert {to_hex(p.get_facecolor()) for p in bars["failed"].patches} == {RED}
    totals = [
        sum(p.get_height() for c in bars.values() for p in c.patches if round(p.get_x() + p.get_width() / 2) == i)
        for i in range(len(pairs))
    ]
    assert totals == pairs.tolist() and totals == sorted(totals, reverse=True)
    twin = next(a for a in ax.figure.axes if a is not ax)
    assert twin.lines[0].get_ydata()[-1] == pytest.approx(100.0)


def test_pareto_groups_the_tail_and_says_when_there_is_nothing(batch: Any) -> None:
    ax = reports.retries_failures(batch, top=1)
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()][-1].startswith("other (")
    clean = sfnkit.run({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    ax = reports.retries_failures(clean)
    assert [t.get_text() for t in ax.texts] == ["no errors"]


def test_timeline_nests_lanes_as_a_tree() -> None:
    definition = {
        "StartAt": "band",  # a state may be called anything, even like the timeline's own lanes
        "States": {
            "band": {"Type": "Pass", "Next": "Outer"},
            "Outer": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {
                        "StartAt": "Inner",
                        "States": {
                            "Inner": {
                                "Type": "Map",
                                "End": True,
                                "ItemProcessor": {
                                    "StartAt": "Leaf",
                                    "States": {"Leaf": {"Type": "Wait", "Seconds": 1, "End": True}},
                                },
                            }
                        },
                    },
                    {"StartAt": "Other", "States": {"Other": {"Type": "Wait", "Seconds": 3, "End": True}}},
                ],
            },
        },
    }
    ex = sfnkit.run(definition, [1, 2])
    assert labels(reports.timeline(ex)) == [
        "band", "Outer", "› b0 Inner", "›› [0] Leaf · 1", "›› [1] Leaf · 2", "› b1 Other",
    ]  # fmt: skip
    collapsed = reports.timeline(ex, max_iterations=1)
    assert labels(collapsed) == ["band", "Outer", "› b0 Inner", "›› iterations running", "›› [*] Leaf", "› b1 Other"]
    assert counts(collapsed)["wait"] == 2  # both Leaf waits ran at once: merged; and Other


def test_a_long_wait_gets_a_log_like_axis_and_labelled_bars() -> None:
    sm = sfnkit.load({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "Nap"},
        "Nap": {"Type": "Wait", "Seconds": 3600, "Next": "Items"},
        "Items": {"Type": "Map", "ItemProcessor": {"StartAt": "Pack", "States": {"Pack": {"Type": "Pass", "End": True}}},
                  "End": True}}})  # fmt: skip
    ex = sfnkit.run(sm, [{"sku": "piano"}, {"sku": "flute"}])
    ax = reports.timeline(ex)
    png(ax)
    assert ax.get_xscale() == "symlog" and "log scale" in ax.get_xlabel()
    assert any(t.get_text().endswith(" h") or t.get_text().endswith(" min") for t in ax.texts)  # the wait's length
    assert '› [1] Pack · {"sku":"flute"}' in labels(ax)
    assert reports.timeline(ex, time_scale="linear").get_xscale() == "linear"
    with pytest.raises(ValueError, match="time_scale"):
        reports.timeline(ex, time_scale="broken")
