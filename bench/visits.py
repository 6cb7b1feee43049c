"""What the per-visit data-flow stages cost: a 100,000-item inline Map (EXPRESS, 2 Pass states an item: 600,006
events, 200,001 visits) run with ``keep_stages=True`` (the default) and ``keep_stages=False``.

    python bench/visits.py [--items 100000] [--repeats 5] [--no-trace] [--against /path/to/other/checkout]

Every run is a fresh Python process (so each peak RSS, Linux's VmHWM, is that run's own). Printed per mode: the
run's wall time and CPU time (best and median of ``--repeats``), peak RSS (best and median), and in one more
process under tracemalloc the bytes the finished execution keeps (and their share per visit). Then, with
stages: what reading them costs (every visit's ``stages``, the Debugger inspector's records of one state, the
explanation of the last visit). The machine is shared: the best of several runs is the figure to quote, and
CPU time moves less than wall time when other processes compete for the cores.

``--against PATH`` runs the same processes with ``PYTHONPATH=PATH`` too (another checkout of sfnkit, e.g. the
main branch), alternating with this one, and prints its lines beside this checkout's: a before/after in the same
conditions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))


def _machine() -> dict[str, Any]:
    from sfnkit.examples import machines

    return machines.inline_map(max_concurrency=0)


def _vm_hwm() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))


def child(items: int, keep: bool, trace: bool) -> dict[str, Any]:
    """One run in this (fresh) process."""
    import sfnkit

    sm = sfnkit.load(_machine())
    data = list(range(items))
    sfnkit.run(sm, list(range(10)), type="EXPRESS")  # warm: first-run caches of the machine
    if trace:
        import tracemalloc

        tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    ex = sfnkit.run(sm, data, type="EXPRESS", keep_stages=keep)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    out: dict[str, Any] = {"wall": wall, "cpu": cpu, "status": ex.status, "visits": len(ex.visits)}
    if trace:
        import tracemalloc

        out["kept"], out["traced_peak"] = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return out
    out["rss"] = _vm_hwm()
    if keep:
        from sfnkit.explaining import explain
        from sfnkit.widgets import data as wdata

        t0 = time.perf_counter()
        visits = ex.visits
        n = sum(len(v.stages) for v in visits)
        out["read_all_stages"] = time.perf_counter() - t0
        out["stage_count"] = n
        history = ex.history
        t0 = time.perf_counter()
        wdata.inspector(history, "Tag", visits=ex.visits)
        out["inspector"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        explain(ex, "Keep")
        out["explain_last"] = time.perf_counter() - t0
    return out


def _spawn(items: int, keep: bool, trace: bool, path: str | None = None) -> dict[str, Any]:
    """One child process; ``path``: the sfnkit checkout it imports (default: the one this script runs with)."""
    cmd = [sys.executable, __file__, "--child", str(items), "1" if keep else "0", "1" if trace else "0"]
    env = None if path is None else {**os.environ, "PYTHONPATH": path}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _checkout() -> str:
    import sfnkit

    return os.path.dirname(os.path.dirname(os.path.abspath(sfnkit.__file__)))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        print(json.dumps(child(int(argv[1]), argv[2] == "1", argv[3] == "1")))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc process")
    parser.add_argument("--against", metavar="PATH", help="also run another sfnkit checkout, alternating")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    print(f"inline Map of {args.items:,} items x 2 Pass (EXPRESS); load average {load:.2f}; "
          f"{args.repeats} fresh processes a mode")  # fmt: skip
    here = _checkout()
    paths = [here] if args.against is None else [os.path.abspath(args.against), here]
    for keep in (True, False):
        runs: dict[str, list[dict[str, Any]]] = {p: [] for p in paths}
        for _ in range(args.repeats):
            for p in paths:  # alternating: both see the same load
                runs[p].append(_spawn(args.items, keep, False, p))
        for p in paths:
            _report(args, keep, p, runs[p], label=f"[{p}] " if len(paths) > 1 else "")
    return 0


def _report(args: argparse.Namespace, keep: bool, path: str, runs: list[dict[str, Any]], label: str) -> None:
    walls = [r["wall"] for r in runs]
    cpus = [r["cpu"] for r in runs]
    rss = [r["rss"] / 2**20 for r in runs]
    line = (
        f"  {label}keep_stages={keep!s:<5}  wall best {min(walls):.2f} s, median {statistics.median(walls):.2f} s;"
        f"  CPU best {min(cpus):.2f} s, median {statistics.median(cpus):.2f} s;"
        f"  peak RSS best {min(rss):.0f} MiB, median {statistics.median(rss):.0f} MiB;"
        f"  {runs[0]['visits']:,} visits"
    )
    if not args.no_trace:
        t = _spawn(args.items, keep, True, path)
        line += f";  kept {t['kept'] / 2**20:.1f} MiB (tracemalloc; peak {t['traced_peak'] / 2**20:.1f})"
        if keep:
            _KEPT[path] = (t["kept"], runs[0]["visits"])
        elif path in _KEPT:
            kept_with, visits = _KEPT[path]
            line += (
                f"\n  {label}the visits and their stages keep {(kept_with - t['kept']) / 2**20:.1f} MiB: "
                f"{(kept_with - t['kept']) / max(1, visits):.0f} B a visit"
            )
    print(line)
    if keep:
        best = min(runs, key=lambda r: r["read_all_stages"])
        print(
            f"  {label}reading (best): every visit's stages ({best['stage_count']:,} stages) "
            f"{best['read_all_stages'] * 1000:.0f} ms; inspector of one state "
            f"{min(r['inspector'] for r in runs) * 1000:.0f} ms; explain(last visit) "
            f"{min(r['explain_last'] for r in runs) * 1000:.0f} ms"
        )


_KEPT: dict[str, tuple[int, int]] = {}  # checkout -> (bytes kept with stages, visits), for the line without


if __name__ == "__main__":
    raise SystemExit(main())
