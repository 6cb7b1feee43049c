"""Benchmark ``sfnkit.reports``: tables and plots from one 25,000-event history and from 200 executions.

    python bench/reports.py            # full: a ~25,000-event history (AWS's quota) and 200 executions
    python bench/reports.py --quick    # smoke run: 2,500 events and 20 executions
    python bench/reports.py --json bench-reports.json

Workloads:

* ``big history``: one STANDARD execution just under the 25,000-event quota (an inline Map whose iterations
  run a flaky Task with a Retry, then a Wait), run on the virtual clock; measured twice: as the interpreter
  wrote it, and read back from the JSON ``aws stepfunctions get-execution-history`` would print (an AWS
  history: every event already parsed).
* ``200 executions``: ``sfnkit.run_many`` of a flaky ML pipeline (Parallel feature steps, a Map of five
  training folds with a Retry on ``GPU.OutOfMemory``, an evaluation with a Catch), then the question the
  batch is for: which state makes the p95 latency.

For each: the seven frames (``events``, ``states``, ``attempts``, ``failures``, ``errors``, ``overview``,
``summary``) *cold* (the first call: the history views, the memoised rows and the DataFrames) and *warm*
(rows memoised: DataFrames only), then the plots rendered to PNG on the Agg backend. Peak memory is the
``tracemalloc`` peak of a separate cold pass (Python allocations: views, rows and frames, not RSS). Goal: the
cold frames of the 25,000-event history under a second.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import platform
import random
import re
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run from a checkout without installing: `python bench/reports.py`.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matplotlib

matplotlib.use("Agg")

import sfnkit
from sfnkit import reports
from sfnkit.batch import run_many
from sfnkit.examples import machines  # shared with tests/ (tests/test_machines.py)
from sfnkit.history import History

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"
FRAMES = ("events", "states", "attempts", "failures", "errors", "overview", "summary")
QUOTA = 25_000


# --------------------------------------------------------------------------------------------------------------
# workloads


def big_machine() -> dict[str, Any]:
    return machines.retried_map(LAMBDA + "work")


def big_handlers() -> dict[str, Any]:
    def work(call: sfnkit.TaskCall) -> Any:
        if call.input % 13 == 0 and call.attempt == 0:
            raise sfnkit.TaskFailure("Throttled", "rate exceeded")
        sfnkit.virtual_sleep(0.5 + (call.input % 7) / 10)
        return {"item": call.input}

    return {"work": work}


def big_items(sm: Any, target: int) -> int:
    """How many Map items make a successful STANDARD execution with as many events as possible up to ``target``."""
    probe = sfnkit.run(sm, {"items": list(range(100))}, resources=big_handlers())
    per_item = (len(probe.history) - 10) / 100
    items = int((target - 10) / per_item)
    while True:
        ex = sfnkit.run(sm, {"items": list(range(items))}, resources=big_handlers())
        if ex.status == "SUCCEEDED" and len(ex.history) <= target:
            return items
        items -= max(1, items // 200)


def big_history(sm: Any, items: int) -> History:
    return sfnkit.run(sm, {"items": list(range(items))}, resources=big_handlers()).history


# the pipeline of tests/test_reports_data.py, with longer waits and a flakier GPU (pipeline_handlers)
PIPELINE = machines.ml_pipeline(
    LAMBDA,
    cooldown_seconds=3,
    max_concurrency=2,
    retry_interval_seconds=10,
    retry_max_attempts=3,
    comment="a flaky ML pipeline",
)


def pipeline_handlers() -> dict[str, Any]:
    def draw(call: sfnkit.TaskCall) -> random.Random:
        return random.Random(f"{call.context['Execution']['Name']}/{call.state_name}/{call.attempt}/{call.input}")

    def prepare(call: sfnkit.TaskCall) -> Any:
        sfnkit.virtual_sleep(2 + draw(call).random())
        return {"folds": [1, 2, 3, 4, 5]}

    def clean(call: sfnkit.TaskCall) -> Any:
        sfnkit.virtual_sleep(4 + 2 * draw(call).random())
        return {}

    def embed(call: sfnkit.TaskCall) -> Any:
        sfnkit.virtual_sleep(3 + draw(call).random())
        return {}

    def fit(call: sfnkit.TaskCall) -> Any:
        r = draw(call)
        if r.random() < 0.2:
            raise sfnkit.TaskFailure("GPU.OutOfMemory", "CUDA out of memory")
        sfnkit.virtual_sleep(30 + 30 * r.random() ** 3)
        return {"fold": call.input}

    def evaluate(call: sfnkit.TaskCall) -> Any:
        r = draw(call)
        sfnkit.virtual_sleep(1)
        if r.random() < 0.1:
            raise sfnkit.TaskFailure("Model.BelowThreshold", "accuracy below 0.9")
        return {"accuracy": round(0.9 + r.random() / 10, 3)}

    return {"prepare": prepare, "clean": clean, "embed": embed, "fit": fit, "evaluate": evaluate}


# --------------------------------------------------------------------------------------------------------------
# measuring


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    gc.collect()
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def peak_mib(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def frames(source: Any) -> dict[str, float]:
    seconds = {}
    for name in FRAMES:
        _value, t = timed(lambda name=name: getattr(reports, name)(source))
        seconds[name] = t
    return seconds


def png(draw: Callable[[Any], Any]) -> tuple[int, float]:
    from matplotlib.figure import Figure

    def render() -> int:
        figure = Figure(figsize=(10, 6))
        ax = figure.subplots()
        draw(ax)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=80)
        return len(buffer.getvalue())

    return timed(render)


def measure(label: str, make: Callable[[], Any], plots: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """Cold frames on a fresh object, warm frames, peak memory of a cold pass on another fresh object, plots."""
    source = make()
    cold = frames(source)
    warm = frames(source)
    other = make()
    memory = peak_mib(lambda: [getattr(reports, name)(other) for name in FRAMES])
    drawn = {name: png(lambda ax, draw=draw: draw(source, ax)) for name, draw in plots.items()}
    row = {
        "workload": label,
        "frames_cold_s": sum(cold.values()),
        "frames_warm_s": sum(warm.values()),
        "cold_by_frame_s": cold,
        "peak_mib": memory,
        "plots_s": {name: t for name, (_size, t) in drawn.items()},
        "png_bytes": {name: size for name, (size, _t) in drawn.items()},
    }
    print(f"\n{label}")
    print(
        f"  frames, cold: {row['frames_cold_s']:.3f} s   warm: {row['frames_warm_s']:.3f} s   peak memory: {memory:.1f} MiB"
    )
    print("  cold, per frame: " + ", ".join(f"{n} {t * 1000:.0f} ms" for n, t in cold.items()))
    for name, (size, t) in drawn.items():
        print(f"  {name}: {t:.3f} s ({size / 1024:.0f} KiB PNG)")
    return row


def debugger_steps(iterations: int) -> dict[str, Any]:
    """The Debugger driving an inline Map of ``iterations`` items, one Task each: the latency of Step (the
    Python side: run to the next state, recolour the graph, rebuild the inspector), of the iteration picker,
    and of Continue to the end."""
    import statistics

    from sfnkit.widgets import Debugger

    definition = machines.task_then_pass_map(LAMBDA + "work", max_concurrency=10, then="Tidy", items_path="$.items")
    data = {"items": list(range(iterations))}
    resources = {"work": lambda event: {"done": event}}
    dbg, t_open = timed(lambda: Debugger(definition, data, resources=resources, type="EXPRESS"))
    steps = []
    for _ in range(60):
        _r, t = timed(dbg.step)
        steps.append(t)
    dbg.add_breakpoint("Tidy")
    for _ in range(iterations // 2):  # deep into the run: every Tidy visit is a stop
        dbg.execution.run()
    late = []
    for _ in range(30):
        _r, t = timed(dbg.step)
        late.append(t)
    events = len(dbg.history)
    picks = []
    for index in (0, iterations // 2, iterations - 1):
        _r, t = timed(lambda index=index: dbg.choose_iteration("Fan", index))
        picks.append(t)
    dbg.clear_breakpoints()
    _r, t_end = timed(dbg.run)
    row = {
        "workload": f"Debugger, {iterations:,}-iteration Map",
        "open_s": t_open,
        "step_ms_median": statistics.median(steps) * 1000,
        "step_ms_late_median": statistics.median(late) * 1000,
        "events_at_late_steps": events,
        "iteration_pick_ms_max": max(picks) * 1000,
        "continue_to_end_s": t_end,
        "status": dbg.execution.status,
    }
    print(f"\nDebugger on a {iterations:,}-iteration Map (Python side of each action)")
    print(
        f"  open {t_open * 1000:.0f} ms; Step median {row['step_ms_median']:.1f} ms at the start, "
        f"{row['step_ms_late_median']:.1f} ms with {events:,} events recorded; iteration picker at most "
        f"{row['iteration_pick_ms_max']:.1f} ms; Continue to the end {t_end:.2f} s ({row['status']}, "
        f"{len(dbg.history):,} events)"
    )
    return row


def big_graph(states: int) -> dict[str, Any]:
    """The static picture of a ``states``-state machine (a chain of Choice/Pass pairs) and of its status
    recolouring, in this process."""
    from sfnkit.views import render

    sm = sfnkit.load(machines.pass_chain(states, step=False))
    picture, t_first = timed(lambda: render.svg(sm))
    _r, t_again = timed(lambda: render.svg(sm, {"S0": "succeeded"}))
    print(
        f"\ngraph of {states:,} states: first picture {t_first:.2f} s ({len(picture) / 1024:.0f} KiB SVG), "
        f"recoloured {t_again * 1000:.0f} ms"
    )
    return {
        "workload": f"graph of {states:,} states",
        "first_s": t_first,
        "recolour_s": t_again,
        "svg_kib": len(picture) / 1024,
    }


def collapse_threshold(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    """What justifies ``render.COLLAPSE_ABOVE``: the full picture (``collapse=False``) and the collapsed one of a
    chain of each size, first layout each time (the layout cache emptied), and the full picture's height."""
    from sfnkit.views import render

    rows = []
    print("\ncollapse threshold (chain of Pass states; first picture, layout cache emptied):")
    for states in sizes:
        row: dict[str, Any] = {"workload": f"graph of {states:,} states, collapse=False vs True"}
        for collapse in (False, True):
            sm = sfnkit.load(machines.pass_chain(states, step=False))
            render._layouts.clear()  # a first layout, not a cached one
            picture, seconds = timed(lambda sm=sm, collapse=collapse: render.svg(sm, collapse=collapse))
            height = float(re.search(r'height="([\d.]+)pt"', picture).group(1))  # type: ignore[union-attr]
            key = "collapsed" if collapse else "full"
            row[f"{key}_s"], row[f"{key}_kib"], row[f"{key}_height_pt"] = seconds, len(picture) / 1024, height
        print(
            f"  {states:>6,} states: full {row['full_s']:.2f} s, {row['full_kib']:,.0f} KiB, "
            f"{row['full_height_pt'] / 72:,.0f} in tall | collapsed {row['collapsed_s']:.3f} s, "
            f"{row['collapsed_kib']:,.0f} KiB"
        )
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small workloads (2,500 events, 20 executions)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--executions", type=int, default=None, help="batch size for the frames (default 500)")
    args = parser.parse_args(argv)
    target = 2_500 if args.quick else QUOTA
    runs = args.executions or (20 if args.quick else 500)
    html_runs = 20 if args.quick else 200

    import matplotlib as mpl
    import numpy as np
    import pandas as pd

    print(
        f"sfnkit {sfnkit.__version__}, Python {platform.python_version()}, pandas {pd.__version__}, "
        f"numpy {np.__version__}, matplotlib {mpl.__version__}, {platform.machine()}"
    )
    results: list[dict[str, Any]] = []

    big = sfnkit.load(big_machine())
    items = big_items(big, target)
    history, t_run = timed(lambda: big_history(big, items))
    text = history.to_json()
    print(
        f"\nbig history: {len(history):,} events, {len(reports.states(history)):,} state visits (run in {t_run:.2f} s)"
    )
    timeline = {"timeline": lambda h, ax: reports.timeline(h, ax=ax)}
    results.append(
        measure(
            f"{len(history):,}-event history, as the interpreter wrote it", lambda: big_history(big, items), timeline
        )
    )
    results.append(
        measure(f"{len(history):,}-event history, read from AWS JSON", lambda: History.from_boto(text), timeline)
    )

    sm = sfnkit.load(PIPELINE)
    batch, t_batch = timed(lambda: run_many(sm, runs, resources=pipeline_handlers(), seed=0, progress=False))
    events = sum(len(h) for h in batch.histories)
    print(f"\n{runs} executions: {events:,} events, {batch.counts()} (run_many in {t_batch:.2f} s)")
    slowest = int(reports.overview(batch)["duration"].to_numpy().argmax())
    results.append(
        measure(
            f"{runs} executions",
            lambda: run_many(sm, runs, resources=pipeline_handlers(), seed=0, progress=False),
            {
                "durations": lambda b, ax: reports.durations(b, ax=ax),
                "retries_failures": lambda b, ax: reports.retries_failures(b, ax=ax),
                "timeline (slowest)": lambda b, ax: reports.timeline(b[slowest], ax=ax),
            },
        )
    )
    small = run_many(sm, html_runs, resources=pipeline_handlers(), seed=0, progress=False)
    _path, t_html = timed(lambda: reports.html(small, Path("/tmp") / "sfnkit-bench-report.html"))
    size_kib = _path.stat().st_size / 1024
    print(f"  html report of {html_runs} executions: {t_html:.2f} s ({size_kib:.0f} KiB)")
    results.append({"workload": f"html report, {html_runs} executions", "seconds": t_html, "kib": size_kib})

    # which state makes the p95 latency?
    summary = reports.summary(batch).sort_values("p95", ascending=False)
    print("\nwhich state makes the p95 latency (summary sorted by p95):")
    for row in summary.head(4).itertuples():
        print(
            f"  {row.state:<10} {row.type:<9} p50 {row.p50.total_seconds():7.1f} s  p95 {row.p95.total_seconds():7.1f} s"
            f"  retry rate {row.retry_rate:5.1%}  failure rate {row.failure_rate:5.1%}"
        )
    overview = reports.overview(batch)
    p95 = overview["duration"].quantile(0.95)
    slow = overview.loc[overview["duration"] >= p95, "execution"]
    states = reports.states(batch)
    top = states[(states["depth"] == 0) & states["execution"].isin(slow)].groupby("state")["duration"].sum()
    share = (top / top.sum()).sort_values(ascending=False)
    print(
        f"  in the {len(slow)} executions at or above the p95 duration ({p95.total_seconds():.1f} s), top-level time: "
        + ", ".join(f"{name} {value:.0%}" for name, value in share.head(3).items())
    )

    results.append(debugger_steps(100 if args.quick else 1_000))
    results.append(big_graph(1_000 if args.quick else 10_000))
    results += collapse_threshold((200, 800) if args.quick else (200, 400, 800, 1_600, 3_200, 10_000))

    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
