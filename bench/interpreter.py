"""Benchmark sfnkit's interpreter against moto's, side by side in one process.

For each workload and engine it prints state transitions per second, wall time, peak memory, and the ratio
sfnkit/moto. Transitions are counted from the execution histories (one per ``...StateEntered`` event).

    python bench/interpreter.py            # full run (several minutes, mostly moto)
    python bench/interpreter.py --quick    # smoke run: small workloads, short moto budget
    python bench/interpreter.py --only pass_chain choice_loop --budget 30 --json bench.json

How each engine is measured:

* sfnkit: ``sfnkit.run(machine, input, resources=..., seed=0)`` on its virtual clock. The definition is loaded
  once with ``sfnkit.load`` and run once untimed before the clock starts (per-machine compilation; moto's
  ``create_state_machine`` is outside its timer too). The wall time is the median of ``--repeats`` timed
  passes (default 5), each after a ``gc.collect()``: a pass of a few milliseconds varies by a third from one
  run to the next on a small shared machine. The note gives the fastest and slowest pass.
* moto: ``moto.mock_aws(config={"stepfunctions": {"execute_state_machine": True}})`` with a boto3 client:
  ``create_state_machine``, then ``start_execution`` and ``describe_execution`` polling until the execution
  leaves RUNNING. moto's interpreter runs executions in threads and waits in real time. Each workload has a
  wall-time budget (``--budget``); past it the execution is stopped and the result says "timeout".
* Wall time comes from a first, untraced pass; peak memory from a second pass under ``tracemalloc`` (the
  peak of Python allocations during the run). moto's memory pass is skipped when its timed pass did not finish
  or took more than a quarter of the budget, so the run stays bounded.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import gc
import json
import logging
import platform
import signal
import statistics
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Run from a checkout without installing: `python bench/interpreter.py`.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ACCOUNT = "111111111111"
REGION = "us-east-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/sfnkit-bench"


# --------------------------------------------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------------------------------------------


class TransientError(Exception):
    """Raised by the benchmark's flaky task; a Retry clause catches it by this class name."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Workload:
    name: str
    title: str
    definition: dict[str, Any]
    input: Any
    executions: int = 1
    # A fresh resources dict per pass (handlers may keep per-run state).
    resources: Callable[[], dict[str, Callable[..., Any]]] = dict
    # moto: None = run the same definition; a string = do not run it there, and say why.
    moto_skip: str | None = None
    moto_definition: dict[str, Any] | None = None
    moto_note: str = ""
    show_virtual_time: bool = False
    # EXPRESS for workloads whose history passes STANDARD's 25,000-event quota (AWS would fail them too)
    type: str = "STANDARD"
    jsonata_share: bool = False  # also measure the JSONata engine's share of the time


def _task_resources() -> dict[str, Callable[..., Any]]:
    failed_once: set[int] = set()

    def work(event: Any, context: Any) -> Any:
        i = event["i"]
        if i % 10 == 0 and i not in failed_once:  # every 10th item fails on its first attempt
            failed_once.add(i)
            raise TransientError(f"item {i} is not ready yet")
        return {"i": i, "double": 2 * i}

    return {"bench_work": work}


def _flaky_resources() -> dict[str, Callable[..., Any]]:
    attempts = {"n": 0}

    def flaky(event: Any, context: Any) -> Any:
        attempts["n"] += 1
        if attempts["n"] <= 4:  # four failures, retried after 2, 4, 8 and 16 s
            raise TransientError(f"attempt {attempts['n']} failed")
        return {"attempts": attempts["n"]}

    return {"bench_flaky": flaky}


_NO_PYTHON_TASKS = "moto's interpreter cannot call Python functions (its Lambda runs code in Docker)"


def workloads(quick: bool) -> list[Workload]:
    from sfnkit.examples import machines  # shared with the tests; imported here, not before a cold timer starts

    n_chain, n_map, n_loop, n_tasks, n_tiny = (100, 200, 100, 100, 50) if quick else (1000, 10000, 1000, 1000, 1000)
    return [
        Workload(
            name="pass_chain",
            title=f"chain of {n_chain:,} Pass states",
            definition=machines.pass_chain(n_chain),
            input={},
        ),
        Workload(
            name="map_inline_mc0",
            title=f"inline Map, {n_map:,} items x 2 Pass, MaxConcurrency 0 (EXPRESS: 60,000 events)",
            definition=machines.inline_map(0),
            input=list(range(n_map)),
            type="EXPRESS",
        ),
        Workload(
            name="map_inline_mc1",
            title=f"inline Map, {n_map:,} items x 2 Pass, MaxConcurrency 1 (EXPRESS)",
            definition=machines.inline_map(1),
            input=list(range(n_map)),
            type="EXPRESS",
        ),
        Workload(
            name="jsonata_map",
            title=f"JSONata Map, {n_map:,} items: ItemSelector, Output and Assign expressions (EXPRESS)",
            definition=machines.jsonata_map(),
            input={
                "rate": 1.2,
                "items": [{"sku": f"S{i}", "price": i % 97 + 0.5, "qty": i % 7 + 1} for i in range(n_map)],
            },
            type="EXPRESS",
            jsonata_share=True,
        ),
        Workload(
            name="parallel",
            title="Parallel, 10 branches x 20 Pass states",
            definition=machines.parallel(10, 20),
            input={},
        ),
        Workload(
            name="choice_loop",
            title=f"Choice loop counting to {n_loop:,} (States.MathAdd)",
            definition=machines.choice_loop(n_loop),
            input={},
        ),
        Workload(
            name="task_retry",
            title=f"{n_tasks:,} items through a Python Task with Retry (every 10th fails once: "
            f"{n_tasks + n_tasks // 10:,} calls)",
            definition=machines.task_map(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:bench_work"),
            input=[{"i": i} for i in range(n_tasks)],
            resources=_task_resources,
            moto_skip=_NO_PYTHON_TASKS,
        ),
        Workload(
            name="tiny_executions",
            title=f"{n_tiny:,} executions of a one-Pass machine",
            definition={"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": True}}},
            input={"hello": "world"},
            executions=n_tiny,
        ),
        Workload(
            name="wait_day_retry",
            title="Wait 1 day, then a Task retried 4 times with backoff",
            definition=machines.wait_then_task(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:bench_flaky"),
            input={},
            resources=_flaky_resources,
            moto_definition={
                "StartAt": "SleepOneDay",
                "States": {"SleepOneDay": {"Type": "Wait", "Seconds": 86400, "End": True}},
            },
            moto_note="only the one-day Wait runs on moto (" + _NO_PYTHON_TASKS + "); moto waits in real time",
            show_virtual_time=True,
        ),
    ]


# --------------------------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------------------------


def _bare_step(name: str, data: Any, i: int) -> dict[str, Any]:
    return {"name": name, "i": i}


def machine_speed(n: int = 100_000, passes: int = 5) -> float:
    """Transitions per second of a bare Python loop doing the least an interpreter must per transition (call
    a state function that builds a small dict, append an event, look up the next state): the median of a
    few passes. Measured right before each workload's sfnkit passes and printed with them, so figures can be
    read against the machine's speed at the time (on a shared VM it drifts by 2x within minutes)."""
    following = {f"S{i}": f"S{i + 1}" for i in range(n)}
    rates = []
    for _ in range(passes):
        events: list[tuple[str, int, Any]] = []
        name, data = "S0", None
        t = time.perf_counter()
        for i in range(n):
            data = _bare_step(name, data, i)
            events.append(("PassStateEntered", i, data))
            name = following[name]
        rates.append(n / (time.perf_counter() - t))
    return statistics.median(rates)


@dataclasses.dataclass(slots=True, kw_only=True)
class Measurement:
    engine: str
    status: str  # ok | failed | timeout | skipped | unavailable
    wall_s: float | None = None
    transitions: int | None = None
    peak_bytes: int | None = None
    note: str = ""
    virtual_s: float | None = None
    bare_loop_rate: float | None = None  # machine_speed() just before the measurement (sfnkit rows)

    @property
    def rate(self) -> float | None:
        if self.status != "ok" or not self.wall_s or not self.transitions:
            return None
        return self.transitions / self.wall_s


def _entered(events: list[dict[str, Any]]) -> int:
    return sum(1 for e in events if str(e.get("type", "")).endswith("StateEntered"))


def _virtual_span(events: list[dict[str, Any]]) -> float | None:
    stamps: list[dt.datetime] = [e["timestamp"] for e in events if isinstance(e.get("timestamp"), dt.datetime)]
    return (max(stamps) - min(stamps)).total_seconds() if len(stamps) >= 2 else None


class BudgetExceeded(Exception):
    pass


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """Interrupt a synchronous run after ``seconds`` (main thread, POSIX only; otherwise no limit)."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise BudgetExceeded

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _traced(enabled: bool) -> Iterator[list[int]]:
    """Yields a one-item list that receives the tracemalloc peak (bytes) when ``enabled``."""
    peak: list[int] = []
    if not enabled:
        yield peak
        return
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


# ----- sfnkit -------------------------------------------------------------------------------------------------


def _sfnkit_api() -> tuple[Any, str]:
    try:
        import sfnkit
    except Exception as exc:
        return None, f"import sfnkit failed: {type(exc).__name__}: {exc}"
    if not callable(getattr(sfnkit, "run", None)):
        return None, "sfnkit.run does not exist yet"
    return sfnkit, ""


def _sfnkit_pass(sfnkit: Any, w: Workload, budget: float, *, trace: bool) -> tuple[Measurement, list[Any]]:
    machine = sfnkit.load(w.definition) if callable(getattr(sfnkit, "load", None)) else w.definition
    # one untimed execution first: per-machine work (compiled paths, templates and JSONata programs, cached
    # per-state facts) is done once per loaded machine, like moto's create_state_machine outside its timer
    with contextlib.suppress(Exception):
        sfnkit.run(machine, w.input, resources=w.resources(), seed=0, account=ACCOUNT, region=REGION, type=w.type)
    executions: list[Any] = []
    gc.collect()
    with _traced(trace) as peak:
        t0 = time.perf_counter()
        try:
            with _alarm(budget):
                for _ in range(w.executions):
                    executions.append(
                        sfnkit.run(
                            machine,
                            w.input,
                            resources=w.resources(),
                            seed=0,
                            account=ACCOUNT,
                            region=REGION,
                            type=w.type,
                        )
                    )
        except BudgetExceeded:
            wall = time.perf_counter() - t0
            return Measurement(
                engine="sfnkit",
                status="timeout",
                wall_s=wall,
                note=f"stopped after {budget:g} s ({len(executions)}/{w.executions} executions done)",
            ), []
        except Exception as exc:
            return Measurement(engine="sfnkit", status="failed", note=f"{type(exc).__name__}: {exc}"), []
        wall = time.perf_counter() - t0
    m = Measurement(engine="sfnkit", status="ok", wall_s=wall, peak_bytes=peak[0] if peak else None)
    return m, executions


def run_sfnkit(w: Workload, budget: float, *, memory: bool, repeats: int = 5) -> Measurement:
    sfnkit, why = _sfnkit_api()
    if sfnkit is None:
        return Measurement(engine="sfnkit", status="unavailable", note=why)
    # The median of several timed passes: one pass of a few milliseconds swings by +-30% on a shared 2-core
    # machine. moto gets one pass: its runs take seconds to minutes, far above that noise.
    speed = machine_speed()  # right before the passes: the machine's speed drifts by 2x within minutes
    walls: list[float] = []
    for _ in range(max(1, repeats)):
        m, executions = _sfnkit_pass(sfnkit, w, budget, trace=False)
        if m.status != "ok":
            return m
        walls.append(m.wall_s or 0.0)
    walls.sort()
    m.wall_s = statistics.median(walls)
    m.bare_loop_rate = speed
    m.note = (
        f"median of {len(walls)} passes ({_fmt_time(walls[0]).strip()} to {_fmt_time(walls[-1]).strip()}); "
        f"bare loop just before: {speed:,.0f} transitions/s"
    )
    bad = [e for e in executions if e.status != "SUCCEEDED"]
    histories = [e.history.to_boto()["events"] for e in executions]
    m.transitions = sum(_entered(h) for h in histories)
    if bad:
        m.status = "failed"
        m.note = f"{len(bad)} executions ended {bad[0].status}: {bad[0].error}: {str(bad[0].cause)[:120]}"
        return m
    if w.show_virtual_time:
        m.virtual_s = _virtual_span(histories[0])
    del executions, histories
    if memory:
        mem, _ = _sfnkit_pass(sfnkit, w, budget, trace=True)
        m.peak_bytes = mem.peak_bytes
        rss = _child_rss(w.name)
        if rss:
            m.note = (m.note + "; " if m.note else "") + f"peak RSS of a fresh process running it: {rss / 2**20:.0f} MB"
    if w.jsonata_share:
        m.note = (m.note + "; " if m.note else "") + _jsonata_share(sfnkit, w)
    return m


def _jsonata_share(sfnkit: Any, w: Workload) -> str:
    """Time spent inside the JSONata adapter, per evaluation and as a share of the run (a second, instrumented
    pass; the instrumentation itself adds a little)."""
    from sfnkit.asl import jsonata

    real = jsonata.evaluate_tree
    spent = [0.0, 0]

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t
            spent[1] += 1

    machine = sfnkit.load(w.definition)
    jsonata.evaluate_tree = timed
    try:
        t0 = time.perf_counter()
        sfnkit.run(machine, w.input, seed=0, type=w.type)
        total = time.perf_counter() - t0
    finally:
        jsonata.evaluate_tree = real
    per = spent[0] / spent[1] * 1e6 if spent[1] else 0.0
    return (
        f"JSONata: {spent[1]:,} payload evaluations, {per:.1f} us each, "
        f"{spent[0] / total:.0%} of the run's time in the engine adapter"
    )


def _child_rss(name: str) -> int | None:
    """Peak resident memory of a fresh Python process that runs one sfnkit workload once (Linux, ru_maxrss)."""
    import subprocess

    try:
        out = (
            subprocess.run(
                [sys.executable, __file__, "--child-rss", name], capture_output=True, text=True, timeout=600, check=True
            )
            .stdout.strip()
            .splitlines()
        )
        return int(out[-1]) if out else None
    except (subprocess.SubprocessError, ValueError, OSError):
        return None


def _child_rss_main(name: str) -> int:
    import sfnkit

    w = {x.name: x for x in workloads(False)}[name]
    machine = sfnkit.load(w.definition)
    for _ in range(w.executions):
        sfnkit.run(machine, w.input, resources=w.resources(), seed=0, account=ACCOUNT, region=REGION, type=w.type)
    # VmHWM: this process's own peak resident memory. (ru_maxrss would include the parent's peak: Linux keeps
    # the high-water mark across fork and exec.)
    with open("/proc/self/status", encoding="ascii") as f:
        hwm_kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    print(hwm_kb * 1024)
    return 0


# ----- moto ---------------------------------------------------------------------------------------------------


def _moto_pass(w: Workload, budget: float, *, trace: bool) -> Measurement:
    import boto3
    from moto import mock_aws

    definition = w.moto_definition or w.definition
    baseline_threads = threading.active_count()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name=REGION)
        arn = client.create_state_machine(
            name=f"bench-{w.name}", definition=json.dumps(definition), roleArn=ROLE_ARN, type=w.type
        )["stateMachineArn"]
        payload = json.dumps(w.input)
        started: list[str] = []
        statuses: list[dict[str, Any]] = []
        stuck: str | None = None  # "timeout" or "hung"
        gc.collect()
        with _thread_errors() as crashes, _traced(trace) as peak:
            t0 = time.perf_counter()
            deadline = t0 + budget
            for i in range(w.executions):
                ex_arn = client.start_execution(stateMachineArn=arn, name=f"run-{i}", input=payload)["executionArn"]
                started.append(ex_arn)
                pause = 0.0005
                crashed_at: float | None = None
                while True:
                    d = client.describe_execution(executionArn=ex_arn)
                    if d["status"] != "RUNNING":
                        statuses.append(d)
                        break
                    now = time.perf_counter()
                    if crashes and crashed_at is None:
                        crashed_at = now
                    if crashed_at is not None and now - crashed_at > _HUNG_AFTER_S:
                        stuck = "hung"
                        break
                    if now > deadline:
                        stuck = "timeout"
                        break
                    time.sleep(pause)
                    pause = min(pause * 1.5, 0.05)
                if stuck:
                    break
            wall = time.perf_counter() - t0
            if stuck:
                client.stop_execution(executionArn=started[-1], error="Bench.Stopped", cause="benchmark budget")
                _wait_for_threads(baseline_threads, 30.0)
        done = f"{len(statuses)}/{w.executions} executions done"
        if stuck == "hung":
            return Measurement(
                engine="moto",
                status="failed",
                wall_s=wall,
                note=f"a moto worker thread raised {crashes[0]}; the execution stayed RUNNING, stopped ({done})",
            )
        if stuck == "timeout":
            return Measurement(
                engine="moto", status="timeout", wall_s=wall, note=f"stopped after {budget:g} s ({done})"
            )
        transitions = 0
        for ex_arn in started:
            transitions += _entered(client.get_execution_history(executionArn=ex_arn)["events"])
        bad = [d for d in statuses if d["status"] != "SUCCEEDED"]
        if bad:
            return Measurement(
                engine="moto",
                status="failed",
                wall_s=wall,
                transitions=transitions,
                note=f"{len(bad)} executions ended {bad[0]['status']}: {bad[0].get('error')}: "
                f"{str(bad[0].get('cause'))[:120]}",
            )
    return Measurement(
        engine="moto", status="ok", wall_s=wall, transitions=transitions, peak_bytes=peak[0] if peak else None
    )


# A worker thread that died leaves moto's execution RUNNING for ever; give it this long to end anyway.
_HUNG_AFTER_S = 2.0


@contextlib.contextmanager
def _thread_errors() -> Iterator[list[str]]:
    """Collects exceptions that kill threads (moto's workers) instead of printing their tracebacks."""
    errors: list[str] = []
    previous = threading.excepthook

    def hook(args: Any) -> None:
        errors.append(f"{args.exc_type.__name__}: {str(args.exc_value)[:120]}")

    threading.excepthook = hook
    try:
        yield errors
    finally:
        threading.excepthook = previous


def _wait_for_threads(baseline: int, limit: float) -> None:
    end = time.perf_counter() + limit
    while threading.active_count() > baseline and time.perf_counter() < end:
        time.sleep(0.05)


def run_moto(w: Workload, budget: float, *, memory: bool) -> Measurement:
    if w.moto_skip:
        return Measurement(engine="moto", status="skipped", note=w.moto_skip)
    try:
        import boto3  # noqa: F401
        import moto  # noqa: F401
    except ImportError as exc:
        return Measurement(engine="moto", status="unavailable", note=f"{exc} (pip install 'moto[stepfunctions]' boto3)")
    try:
        m = _moto_pass(w, budget, trace=False)
    except Exception as exc:
        return Measurement(engine="moto", status="failed", note=f"{type(exc).__name__}: {exc}")
    if memory and m.status == "ok" and m.wall_s is not None and m.wall_s <= budget / 4:
        try:
            m.peak_bytes = _moto_pass(w, budget, trace=True).peak_bytes
        except Exception as exc:
            m.note = f"memory pass failed: {type(exc).__name__}: {exc}"
    elif memory and m.status == "ok":
        m.note = f"memory not measured: the timed run took more than a quarter of the {budget:g} s budget"
    if w.moto_note:
        m.note = "; ".join(filter(None, [w.moto_note, m.note]))
    return m


# --------------------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------------------


def _fmt_time(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 1:
        return f"{s * 1000:.1f} ms"
    return f"{s:.2f} s"


def _fmt_mem(b: int | None) -> str:
    if b is None:
        return "-"
    return f"{b / 2**10:.0f} KiB" if b < 2**20 else f"{b / 2**20:.1f} MiB"


def _fmt_rate(r: float | None) -> str:
    return "-" if r is None else f"{r:,.0f}/s"


def _fmt_duration(s: float) -> str:
    return str(dt.timedelta(seconds=round(s)))


def _row(label: str, m: Measurement) -> str:
    return (
        f"  {label:<8} {m.status:<11} {m.transitions if m.transitions is not None else '-':>11} "
        f"{_fmt_time(m.wall_s):>10} {_fmt_rate(m.rate):>14} {_fmt_mem(m.peak_bytes):>11}"
    )


def _ratio_row(a: Measurement, b: Measurement) -> str | None:
    speed = a.rate / b.rate if a.rate and b.rate else None
    mem = a.peak_bytes / b.peak_bytes if a.peak_bytes and b.peak_bytes else None
    if speed is None and mem is None:
        return None
    return (
        f"  {'ratio':<8} {'sfnkit/moto':<11} {'':>11} {'':>10} "
        f"{(f'{speed:,.1f}x' if speed else '-'):>14} {(f'{mem:.2f}x' if mem else '-'):>11}"
    )


# ----- load: sfnkit.load of big definitions in a warm process ---------------------------------------------------


def load_times(repeats: int) -> list[dict[str, Any]]:
    """``sfnkit.load`` of 1,000- and 10,000-state Pass chains (plain dicts, as a notebook passes them), in this
    warm process: the best and the median of ``repeats`` loads (at least 5), each after a ``gc.collect()``."""
    import sfnkit
    from sfnkit.examples import machines

    rows = []
    for n in (1_000, 10_000):
        definition = machines.pass_chain(n)
        sfnkit.load(definition)  # the first load imports the front end; time the ones after it
        walls = []
        for _ in range(max(5, repeats)):
            gc.collect()
            t0 = time.perf_counter()
            sfnkit.load(definition)
            walls.append(time.perf_counter() - t0)
        rows.append({"states": n, "best_s": min(walls), "median_s": statistics.median(walls), "loads": len(walls)})
    return rows


def print_load(rows: list[dict[str, Any]], label: str = "") -> None:
    print(f"\nload: sfnkit.load of a Pass chain (a dict) in a warm process (best and median){label}")
    for r in rows:
        cpu = f"  cpu best {r['cpu_best_s'] * 1000:6.1f} ms" if "cpu_best_s" in r else ""
        print(
            f"  {r['states']:>6,} states  best {r['best_s'] * 1000:6.1f} ms  median {r['median_s'] * 1000:6.1f} ms"
            f"{cpu}  ({r['loads']} loads)"
        )


def _load_child(root: str, repeats: int) -> int:
    """``load_times`` in a fresh interpreter on the sfnkit of ``root``, with CPU time beside wall time."""
    sys.path.insert(0, root)
    import sfnkit

    if Path(sfnkit.__file__).resolve().parents[1] != Path(root).resolve():
        raise SystemExit(f"imported {sfnkit.__file__}, not the sfnkit of {root}")
    rows = []
    for n in (1_000, 10_000):
        definition = _cold_chain(n)
        sfnkit.load(definition)
        walls, cpus = [], []
        for _ in range(max(5, repeats)):
            gc.collect()
            t0, c0 = time.perf_counter(), time.process_time()
            sfnkit.load(definition)
            cpus.append(time.process_time() - c0)
            walls.append(time.perf_counter() - t0)
        rows.append({"states": n, "best_s": min(walls), "median_s": statistics.median(walls), "cpu_best_s": min(cpus)})
    print(json.dumps(rows))
    return 0


def load_against(repeats: int, roots: dict[str, str], rounds: int = 5) -> dict[str, list[dict[str, Any]]]:
    """The load section for each checkout in ``roots`` (label -> path), in fresh processes taking turns, so both
    see the same machine: per size, the best of the processes' best loads and the median of their medians."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs: dict[str, list[list[dict[str, Any]]]] = {label: [] for label in roots}
    for _ in range(rounds):
        for label, root in roots.items():
            done = subprocess.run(
                [sys.executable, __file__, "--load-child", root, str(repeats)], capture_output=True, text=True, env=env
            )
            if done.returncode != 0:
                raise SystemExit(f"the load child for {root} failed: {done.stderr.strip().splitlines()[-1:]}")
            runs[label].append(json.loads(done.stdout.strip().splitlines()[-1]))
    out: dict[str, list[dict[str, Any]]] = {}
    for label, procs in runs.items():
        out[label] = [
            {
                "states": procs[0][i]["states"],
                "best_s": min(p[i]["best_s"] for p in procs),
                "median_s": statistics.median(p[i]["median_s"] for p in procs),
                "cpu_best_s": min(p[i]["cpu_best_s"] for p in procs),
                "loads": sum(max(5, repeats) for _ in procs),
            }
            for i in range(len(procs[0]))
        ]
    return out


# ----- cold start: a fresh process per engine -------------------------------------------------------------------

_COLD_CHAIN = 1_000


def _cold_chain(n: int) -> dict[str, Any]:
    """``sfnkit.examples.machines.pass_chain(n)``, spelt out: importing it would import sfnkit before the cold
    timer starts (a test keeps the two equal)."""
    states: dict[str, Any] = {}
    for i in range(n):
        state: dict[str, Any] = {"Type": "Pass", "Result": i, "ResultPath": "$.step"}
        state.update({"Next": f"S{i + 1}"} if i < n - 1 else {"End": True})
        states[f"S{i}"] = state
    return {"Comment": f"{n} Pass states", "StartAt": "S0", "States": states}


def _cold_child(engine: str, root: str | None = None) -> int:
    """In a fresh interpreter: time what a notebook's first cells do, print the figures as one JSON line. ``root``:
    the checkout whose sfnkit to time (default: this one)."""
    if root is not None:
        sys.path.insert(0, root)
    t0 = time.perf_counter()
    definition = _cold_chain(_COLD_CHAIN)
    if engine == "sfnkit":
        import sfnkit

        t1 = time.perf_counter()
        machine = sfnkit.load(definition)
        t2 = time.perf_counter()
        ex = sfnkit.run(machine, {"x": 1}, seed=0)
        t3 = time.perf_counter()
        from sfnkit.views import render

        render.svg(sfnkit.load(_cold_chain(10)))
        t4 = time.perf_counter()
        out = {"import": t1 - t0, "load": t2 - t1, "run": t3 - t2, "graph": t4 - t3, "status": ex.status}
        if root is not None and Path(sfnkit.__file__).resolve().parents[1] != Path(root).resolve():
            raise SystemExit(f"imported {sfnkit.__file__}, not the sfnkit of {root}")
    else:
        import boto3
        from moto import mock_aws

        t1 = time.perf_counter()
        with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
            client = boto3.client("stepfunctions", region_name=REGION)
            arn = client.create_state_machine(name="cold", definition=json.dumps(definition), roleArn=ROLE_ARN)[
                "stateMachineArn"
            ]
            t2 = time.perf_counter()
            ex_arn = client.start_execution(stateMachineArn=arn, input='{"x": 1}')["executionArn"]
            pause = 0.0005
            while (status := client.describe_execution(executionArn=ex_arn)["status"]) == "RUNNING":
                time.sleep(pause)
                pause = min(pause * 1.5, 0.05)
            t3 = time.perf_counter()
        out = {"import": t1 - t0, "load": t2 - t1, "run": t3 - t2, "graph": None, "status": status}
    print(json.dumps(out))
    return 0


def cold(repeats: int, against: str | None = None) -> list[dict[str, Any]]:
    """Median figures over ``repeats`` fresh processes per engine (bytecode caches warm, as after an install).
    With ``against`` (another checkout), its sfnkit runs too, each of its processes right after one of this
    checkout's, so both see the same machine; the rows are "sfnkit" and "against"."""
    import subprocess

    env = {k: v for k, v in __import__("os").environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    engines: list[tuple[str, list[str]]] = [("sfnkit", ["sfnkit"])]
    if against is not None:
        engines.append(("against", ["sfnkit", against]))
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label, _ in engines}
    for _ in range(repeats):  # the sfnkit processes take turns
        for label, args in engines:
            done = subprocess.run(
                [sys.executable, __file__, "--cold-child", *args], capture_output=True, text=True, timeout=300, env=env
            )
            if done.returncode != 0:
                print(f"  {label}: the cold child failed: {done.stderr.strip().splitlines()[-1:]}")
                continue
            runs[label].append(json.loads(done.stdout.strip().splitlines()[-1]))
    runs["moto"] = []
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, __file__, "--cold-child", "moto"], capture_output=True, text=True, timeout=300, env=env
        )
        if done.returncode != 0:
            print(f"  moto: the cold child failed: {done.stderr.strip().splitlines()[-1:]}")
            break
        runs["moto"].append(json.loads(done.stdout.strip().splitlines()[-1]))
    rows = []
    for engine, got in runs.items():
        if got:
            med = {k: statistics.median(r[k] for r in got) for k in ("import", "load", "run")}
            graphs = [r["graph"] for r in got if r["graph"] is not None]
            med["graph"] = statistics.median(graphs) if graphs else None
            best = min(r["load"] + r["run"] for r in got)
            rows.append({"engine": engine, "status": got[0]["status"], "runs": len(got), "best": best, **med})
    return rows


def print_cold(rows: list[dict[str, Any]]) -> None:
    def ms(v: float | None) -> str:
        return "-" if v is None else f"{v * 1000:.1f} ms"

    print(f"\ncold start: fresh process, a {_COLD_CHAIN:,}-Pass chain (median of fresh processes)")
    print(f"  {'engine':<8} {'import':>10} {'load':>10} {'first run':>10} {'load+run':>10} {'first graph':>12}")
    by = {r["engine"]: r for r in rows}
    for r in rows:
        print(
            f"  {r['engine']:<8} {ms(r['import']):>10} {ms(r['load']):>10} {ms(r['run']):>10} "
            f"{ms(r['load'] + r['run']):>10} {ms(r['graph']):>12}  ({r['status']}, {r['runs']} processes)"
        )
    for name in ("sfnkit", "against"):
        if name in by and "moto" in by:
            a, b = by[name], by["moto"]
            print(
                f"  ratio moto/{name}: import {b['import'] / a['import']:.0f}x, "
                f"load+run {(b['load'] + b['run']) / (a['load'] + a['run']):.0f}x "
                f"(best sfnkit process: {a['best'] * 1000:.1f} ms; moto: import of moto+boto3, create_state_machine, "
                "start_execution until it ends)"
            )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child-rss"]:
        return _child_rss_main(argv[1])
    if argv[:1] == ["--cold-child"]:
        return _cold_child(argv[1], argv[2] if len(argv) > 2 else None)
    if argv[:1] == ["--load-child"]:
        return _load_child(argv[1], int(argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small workloads and a short moto budget (smoke run)")
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        help="wall-time budget per workload and engine, s (default 60, or 10 with --quick)",
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these workloads")
    parser.add_argument("--engines", nargs="+", choices=("sfnkit", "moto"), default=["sfnkit", "moto"])
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc passes")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--repeats", type=int, default=5, help="timed sfnkit passes per workload; the median is shown")
    parser.add_argument("--cold", action="store_true", help="only the cold-start section (fresh processes)")
    parser.add_argument("--load", action="store_true", help="only the load section (1,000 and 10,000 states)")
    parser.add_argument(
        "--against",
        metavar="PATH",
        help="with --cold or --load: also time the sfnkit of the checkout at PATH, its processes taking turns with "
        "this checkout's (a before/after on the same machine)",
    )
    args = parser.parse_args(argv)
    if args.against is not None:
        args.against = str(Path(args.against).resolve())
        if not (Path(args.against) / "sfnkit" / "__init__.py").is_file():
            parser.error(f"--against {args.against}: no sfnkit package there")
    if args.cold or args.load:
        if args.load and args.against:
            roots = {"this checkout": str(Path(__file__).resolve().parents[1]), args.against: args.against}
            for label, rows in load_against(args.repeats, roots).items():
                print_load(rows, f": {label}, fresh processes taking turns")
        elif args.load:
            print_load(load_times(args.repeats))
        if args.cold:
            print_cold(cold(args.repeats, args.against))
        return 0
    budget = args.budget if args.budget is not None else (10.0 if args.quick else 60.0)
    logging.getLogger("moto").setLevel(logging.CRITICAL)

    chosen = workloads(args.quick)
    if args.only:
        unknown = sorted(set(args.only) - {w.name for w in chosen})
        if unknown:
            parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(w.name for w in chosen)}")
        chosen = [w for w in chosen if w.name in args.only]

    versions = [f"Python {platform.python_version()}"]
    sfnkit, why = _sfnkit_api()
    versions.append(f"sfnkit {getattr(sfnkit, '__version__', '?')}" if sfnkit else f"sfnkit unavailable ({why})")
    try:
        import moto

        versions.append(f"moto {moto.__version__}")
    except ImportError:
        versions.append("moto not installed")
    print(
        f"sfnkit vs moto: {', '.join(versions)}; budget {budget:g} s per workload and engine"
        f"{'; quick mode' if args.quick else ''}"
    )
    print(f"  {'engine':<8} {'status':<11} {'transitions':>11} {'wall':>10} {'transitions/s':>14} {'peak mem':>11}")

    # Every sfnkit measurement first, then moto's: moto leaves threads behind (an execution it could not
    # finish stays RUNNING and keeps its worker busy), which took the GIL from whatever ran after them and
    # slowed later sfnkit rows by up to 3x when the engines alternated. The rows are printed per workload
    # once both engines are done.
    measured: dict[str, dict[str, Measurement]] = {w.name: {} for w in chosen}
    for engine in args.engines:
        for w in chosen:
            print(f"measuring {engine}: {w.name} ...", file=sys.stderr, flush=True)
            if engine == "sfnkit":
                measured[w.name][engine] = run_sfnkit(w, budget, memory=not args.no_memory, repeats=args.repeats)
            else:
                measured[w.name][engine] = run_moto(w, budget, memory=not args.no_memory)

    report: list[dict[str, Any]] = []
    for w in chosen:
        print(f"\n{w.name}: {w.title}")
        results = measured[w.name]
        for engine, m in results.items():
            print(_row(engine, m))
            notes = [m.note] if m.note else []
            if m.virtual_s is not None:
                notes.append(
                    f"virtual time covered: {_fmt_duration(m.virtual_s)} in {_fmt_time(m.wall_s)} of wall time"
                )
            for note in notes:
                print(f"  {'':<8} {note}")
        if "sfnkit" in results and "moto" in results:
            line = _ratio_row(results["sfnkit"], results["moto"])
            if line:
                print(line)
        report.append(
            {
                "workload": w.name,
                "title": w.title,
                "results": {k: {**dataclasses.asdict(v), "transitions_per_s": v.rate} for k, v in results.items()},
            }
        )

    if args.json:
        args.json.write_text(
            json.dumps({"budget_s": budget, "quick": args.quick, "versions": versions, "workloads": report}, indent=1)
            + "\n",
            encoding="utf-8",
        )
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
