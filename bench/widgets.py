"""The Debugger widget on a 1,000-iteration Map: time per step and bytes sent to the browser per update.

Run it from the repository root (it imports the checkout's sfnkit; needs ``pip install -e '.[widgets]'``)::

    python bench/widgets.py              # 1,000 items, every step
    python bench/widgets.py --items 200  # smaller
    python bench/widgets.py --json bench-widgets.json

No browser and no kernel: the widget's comm is the no-op one ipywidgets uses outside a kernel, wrapped to count
what *would* be sent. Bytes are the JSON text of each comm message as the kernel encodes it (the ``update``
messages carrying trait changes; the ``_esm``/``_css``/``svg`` of the first state message are reported apart).

What it measures:

* ``init``: building the Debugger (graph layout included; the first Graphviz call of a process also compiles
  the WebAssembly module, reported separately as ``layout warm-up``).
* ``step``: ``Debugger.step()`` until the execution ends (step into: every state of every iteration), split
  into the execution's own ``step()`` and the widget's work (reading the history's views, building the update).
* ``bytes per update``: the size of each update message sent by a step (status colours, position, event list
  tail, ... in one message), and of the status part alone.
* ``timeline``: the one message that hands the finished history to the replay slider.
* ``replay``: ``Debugger(history, definition=...)`` on the finished history, and a Map iteration change.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class Meter:
    """Wraps a widget's comm to record the size of every message it sends."""

    def __init__(self, widget: Any) -> None:
        self.sizes: list[int] = []
        self.status_sizes: list[int] = []  # the "status" part of the updates that carry one
        comm = widget.comm
        original = comm.send

        def send(data: Any = None, metadata: Any = None, buffers: Any = None) -> Any:
            text = json.dumps(data, ensure_ascii=False, allow_nan=False)
            self.sizes.append(len(text.encode("utf-8")) + sum(len(b) for b in (buffers or ())))
            state = data.get("state", {}) if isinstance(data, dict) else {}
            if "status" in state:
                self.status_sizes.append(len(json.dumps({"status": state["status"]}, ensure_ascii=False).encode()))
            return original(data=data, metadata=metadata, buffers=buffers)

        comm.send = send

    def mark(self) -> int:
        return len(self.sizes)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def step_through(debugger_class: Any, sm: Any, items: int, selected: str) -> dict[str, Any]:
    """Step a new Debugger into every state until the execution ends; time each step and size each update."""
    dbg = debugger_class(sm, list(range(items)))
    if selected:
        dbg.select(selected)
    meter = Meter(dbg)
    ex_times: list[float] = []
    total_times: list[float] = []
    update_sizes: list[int] = []
    execution = dbg.execution
    original_step = execution.step

    def timed_step(*a: Any, **k: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original_step(*a, **k)
        finally:
            ex_times.append(time.perf_counter() - t0)

    execution.step = timed_step
    final_bytes = 0
    final_ms = 0.0
    while not execution.done:
        before = meter.mark()
        t0 = time.perf_counter()
        dbg.step()
        elapsed = time.perf_counter() - t0
        if execution.done:
            final_bytes, final_ms = sum(meter.sizes[before:]), 1000 * elapsed
            ex_times.pop()
            break
        total_times.append(elapsed)
        update_sizes.append(sum(meter.sizes[before:]))
    status_sizes = meter.status_sizes[:-1] if final_bytes else meter.status_sizes
    widget_times = [a - b for a, b in zip(total_times, ex_times, strict=False)]
    return {
        "_debugger": dbg,
        "steps": len(total_times) + 1,
        "events": len(execution.history),
        "status": execution.status,
        "step_ms_mean": 1000 * statistics.fmean(total_times),
        "step_ms_p50": 1000 * pct(total_times, 0.5),
        "step_ms_p95": 1000 * pct(total_times, 0.95),
        "step_ms_max": 1000 * max(total_times),
        "first_100_ms": 1000 * statistics.fmean(total_times[:100]),
        "last_100_ms": 1000 * statistics.fmean(total_times[-100:]),
        "execution_step_ms_mean": 1000 * statistics.fmean(ex_times),
        "widget_ms_mean": 1000 * statistics.fmean(widget_times),
        "update_bytes_mean": statistics.fmean(update_sizes),
        "update_bytes_max": max(update_sizes),
        "status_bytes_mean": statistics.fmean(status_sizes) if status_sizes else 0,
        "status_bytes_max": max(status_sizes) if status_sizes else 0,
        "status_updates": len(status_sizes),
        "final_update_bytes": final_bytes,
        "final_step_ms": final_ms,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1000, help="Map items (default 1000)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    import sfnkit
    from sfnkit.examples import machines
    from sfnkit.views import render
    from sfnkit.widgets import Debugger

    figures: dict[str, Any] = {"items": args.items}
    t = time.perf_counter()
    render.warm_up()
    figures["layout_warm_up_s"] = time.perf_counter() - t

    sm = sfnkit.load(machines.doubling_map())  # shared with tests/test_widgets.py
    t = time.perf_counter()
    Debugger(sm, list(range(args.items)))
    figures["init_s"] = time.perf_counter() - t
    first = Debugger(sm, list(range(args.items)))
    state = first.get_state()
    figures["initial_state_bytes"] = {
        key: len(json.dumps(state[key], ensure_ascii=False).encode()) for key in ("_esm", "_css", "svg")
    }
    figures["initial_state_bytes"]["all"] = len(json.dumps(state, ensure_ascii=False).encode())
    runs = {"no state selected": "", "'Double' selected (inspector refreshed)": "Double"}
    last = None
    for label, selected in runs.items():
        figures[label] = stepped = step_through(Debugger, sm, args.items, selected)
        last = stepped.pop("_debugger")
    assert last is not None
    # replay of the finished history, as if fetched from AWS
    history = sfnkit.History.from_boto(last.execution.history.to_json())
    t = time.perf_counter()
    replay = Debugger(history, definition=sm)
    figures["replay_init_s"] = time.perf_counter() - t
    figures["replay_timeline_bytes"] = len(json.dumps(replay.timeline, ensure_ascii=False).encode())
    figures["replay_changes_bytes"] = len(json.dumps(replay.changes, ensure_ascii=False).encode())
    rmeter = Meter(replay)
    t = time.perf_counter()
    replay.choose_iteration("Items", args.items // 2)
    figures["iteration_change_ms"] = 1000 * (time.perf_counter() - t)
    figures["iteration_change_bytes"] = sum(rmeter.sizes)
    t = time.perf_counter()
    replay.select("Double")
    figures["select_ms"] = 1000 * (time.perf_counter() - t)

    print(f"Debugger on a {args.items:,}-iteration Map (2 Pass states per item), stepped into every state")
    print(f"  layout warm-up (first Graphviz call)  {figures['layout_warm_up_s']:.2f} s")
    print(f"  Debugger(...) init                    {figures['init_s'] * 1000:.0f} ms")
    b = figures["initial_state_bytes"]
    print(
        f"  first state message (once per widget) {b['all']:,} bytes: front end {b['_esm'] + b['_css']:,}, "
        f"picture {b['svg']:,}"
    )
    for label in runs:
        f = figures[label]
        print(f"  {label}:")
        print(f"    steps                               {f['steps']:,} ({f['events']:,} events, {f['status']})")
        print(
            f"    time per step                       mean {f['step_ms_mean']:.2f} ms, p50 {f['step_ms_p50']:.2f} ms, "
            f"p95 {f['step_ms_p95']:.2f} ms, max {f['step_ms_max']:.1f} ms"
        )
        print(f"      of which Execution.step()         {f['execution_step_ms_mean']:.3f} ms (mean)")
        print(f"      of which the widget               {f['widget_ms_mean']:.3f} ms (mean)")
        print(
            f"    first 100 steps / last 100 steps    {f['first_100_ms']:.2f} ms / {f['last_100_ms']:.2f} ms per step"
        )
        print(
            f"    bytes per update (one message)      mean {f['update_bytes_mean']:,.0f}, max {f['update_bytes_max']:,}"
        )
        print(
            f"    bytes of the status dict in it      mean {f['status_bytes_mean']:,.0f}, max {f['status_bytes_max']:,} "
            f"(in {f['status_updates']:,} of the updates: the others changed no colour)"
        )
        print(
            f"    last step (ends, sends the timeline) {f['final_step_ms']:.0f} ms, {f['final_update_bytes']:,} bytes"
        )
    print(
        f"  replay: Debugger(history) init        {figures['replay_init_s'] * 1000:.0f} ms; events "
        f"{figures['replay_timeline_bytes']:,} bytes + colour changes {figures['replay_changes_bytes']:,} bytes, "
        "sent once (the slider then needs no kernel)"
    )
    print(
        f"  replay: pick a Map iteration          {figures['iteration_change_ms']:.1f} ms, {figures['iteration_change_bytes']:,} bytes"
    )
    print(f"  replay: select a state (inspector)    {figures['select_ms']:.1f} ms")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
