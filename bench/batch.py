"""``run_many`` serial and with worker processes: 2,000 executions of the demo pipeline, and of a CPU-bound one.

    python bench/batch.py [--runs 2000] [--processes 2]

Prints wall time for each, the speed-up, and checks that the histories, outputs and names are identical.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sfnkit
from sfnkit import demo, examples


def busy_resources(i: int) -> dict[str, Any]:
    """The demo's handlers, each doing about a millisecond of pure-Python work first (a CPU-bound batch)."""
    handlers = demo.resources(seed=i, busy_calls=None)

    def heavy(fn: Any) -> Any:
        def call(event: Any) -> Any:
            total = 0
            for k in range(20_000):
                total += k * k % 7
            return fn(event)

        return call

    return {name: heavy(fn) for name, fn in handlers.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    sm = sfnkit.load(examples.definition("order_pipeline"))
    orders = [demo.random_order(i) for i in range(args.runs)]
    sfnkit.run_many(sm, orders[:5], resources=lambda i: demo.resources(seed=i), progress=False)  # imports, warm-up
    for label, resources in (
        ("demo pipeline", lambda i: demo.resources(seed=i, busy_calls=None)),
        ("demo pipeline, ~1 ms of Python per task", busy_resources),
    ):
        times = {}
        batches = {}
        for procs in (None, args.processes):
            t0 = time.perf_counter()
            batches[procs] = sfnkit.run_many(sm, orders, resources=resources, seed=0, progress=False, processes=procs)
            times[procs] = time.perf_counter() - t0
        serial, parallel = batches[None], batches[args.processes]
        same = (
            serial.histories == parallel.histories
            and serial.names == parallel.names
            and [ex.output for ex in serial] == [ex.output for ex in parallel]
        )
        print(
            f"{args.runs:,} executions, {label}: serial {times[None]:.2f} s, processes={args.processes} "
            f"{times[args.processes]:.2f} s, speed-up {times[None] / times[args.processes]:.2f}x; "
            f"same executions: {same}; {serial.counts()}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
