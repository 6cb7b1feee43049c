"""``sfnkit demo``: the main job on the embedded example pipeline (``sfnkit.examples``).

It validates the order pipeline, runs it on the virtual clock with Python task functions (one of them flaky,
so the Retry shows; a declined card shows the Catch), and prints the result and a summary of the history.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

from sfnkit import examples
from sfnkit.asl import model as m
from sfnkit.text import format_duration

__all__ = ["main", "resources"]


def resources(seed: int = 7, busy_calls: int | None = 2) -> dict[str, Any]:
    """The demo's task functions. ``charge_card`` is busy on its first ``busy_calls`` calls, or, with
    ``busy_calls=None``, on about a third of its calls at random (seeded)."""
    calls = Counter[str]()
    rng = random.Random(seed)

    def validate_order(order: dict[str, Any]) -> dict[str, Any]:
        items = order["order"]["items"]
        return {"ok": bool(items), "total": round(sum(i["price"] * i["qty"] for i in items), 2)}

    def charge_card(payment: dict[str, Any]) -> dict[str, Any]:
        from sfnkit import TaskFailure

        calls["charge"] += 1
        busy = calls["charge"] <= busy_calls if busy_calls is not None else rng.random() < 0.35
        if busy:
            raise TaskFailure("PaymentGatewayBusy", "the gateway asked us to retry later")
        if payment["total"] > 1000:
            raise TaskFailure("Payment.Declined", f"card declined for {payment['total']}")
        return {"charged": payment["total"], "auth": f"AUTH-{rng.randrange(10**6):06d}"}

    def pack_item(item: dict[str, Any]) -> dict[str, Any]:
        return {"sku": item["sku"], "box": "small" if item["qty"] < 3 else "large"}

    return {"validate_order": validate_order, "charge_card": charge_card, "pack_item": pack_item}


ORDER = {
    "order": {
        "id": 1042,
        "items": [
            {"sku": "notebook", "price": 4.5, "qty": 2},
            {"sku": "pen", "price": 1.2, "qty": 5},
            {"sku": "lamp", "price": 30.0, "qty": 1},
        ],
    }
}


def _tree(body: m.Body, indent: str = "  ") -> list[str]:
    lines = []
    for st in body.states.values():
        arrow = " (end)" if st.is_terminal else ""
        nxt = ", ".join(f"{kind} -> {target}" for kind, target in st.transitions())
        lines.append(f"{indent}{st.name:<16} {st.type:<9} {nxt}{arrow}")
        for i, child in enumerate(m.state_children(st)):
            label = f"branch {i}" if isinstance(st, m.ParallelState) else "item processor"
            lines.append(f"{indent}  [{label}] StartAt {child.start_at}")
            lines.extend(_tree(child, indent + "    "))
    return lines


def main(report: Any = "sfnkit-demo-report.html", runs: int = 200) -> int:
    import sfnkit

    definition = examples.definition("order_pipeline")
    diagnostics = sfnkit.validate(definition)
    sm = sfnkit.load(definition)
    print(f"sfnkit {sfnkit.__version__} demo: the embedded order pipeline")
    print(f"  {definition['Comment']}")
    print(
        f"\nValidation: {sum(d.severity == 'ERROR' for d in diagnostics)} errors, "
        f"{sum(d.severity == 'WARNING' for d in diagnostics)} warnings"
    )
    for d in diagnostics:
        print("  " + d.format("order_pipeline.asl.json"))
    print(f"\nStates ({len(sm.index)}), StartAt {sm.start_at}:")
    print("\n".join(_tree(sm)))

    ex = sfnkit.run(sm, ORDER, resources=resources(), seed=42)
    print(f"\nRun 1 (a good order): {ex.summary()}")
    print("Output:")
    for key, value in ex.output.items():
        print(f"  {key}: {json.dumps(value)}")
    history = ex.history
    t0 = history[0].timestamp
    print("\nHistory (time since start, event, state):")
    for e in history:
        if e.type.endswith(("StateEntered", "Failed", "Succeeded")) and not e.type.startswith("Lambda"):
            print(f"  +{(e.timestamp - t0).total_seconds():>10.3f} s  #{e.id:<3} {e.type:<24} {e.state_name or ''}")
    counts = Counter(e.type for e in ex.history)
    print(f"  ({len(history)} events in all; {counts['TaskFailed']} failed charge attempts were retried)")

    big = {"order": {"id": 1043, "items": [{"sku": "piano", "price": 4999.0, "qty": 1}]}}
    ex2 = sfnkit.run(sm, big, resources=resources(), seed=42)
    print(f"\nRun 2 (a declined card, caught and failed on purpose): {ex2.summary()}")
    ok = ex.status == "SUCCEEDED" and ex2.status == "FAILED"
    if runs <= 0:
        return 0 if ok else 1
    try:
        from sfnkit import reports
    except ImportError as e:  # the reports extra is not installed: the demo still did its main job
        print(f"\n(no batch report: {e})")
        return 0 if ok else 1

    orders = [random_order(i) for i in range(runs)]
    batch = sfnkit.run_many(sm, orders, resources=lambda i: resources(seed=i, busy_calls=None), seed=0, progress=False)
    print(f"\nA batch of {runs} orders: " + ", ".join(f"{n} {s}" for s, n in sorted(batch.counts().items())))
    table = reports.summary(batch).sort_values("p95", ascending=False)
    print("Where the time goes (per state, slowest p95 first):")
    for row in table.head(5).itertuples():
        p95 = format_duration(row.p95.total_seconds()) if row.p95 == row.p95 else "-"  # NaT: no finished visit
        print(f"  {row.state:<16} count {row.count:>4}  p95 {p95:>8}  retry rate {row.retry_rate:.0%}")
    path = reports.html(batch, report, title="sfnkit demo: the order pipeline")
    print(f"\nHTML report written to {path.resolve()}")
    return 0 if ok else 1


def random_order(i: int) -> dict[str, Any]:
    """An order of 1 to 4 items; about one in eight is too expensive and gets declined."""
    rng = random.Random(i)
    catalogue = [("notebook", 4.5), ("pen", 1.2), ("lamp", 30.0), ("desk", 240.0), ("piano", 4999.0)]
    items = []
    for _ in range(rng.randint(1, 4)):
        sku, price = rng.choice(catalogue[:-1] if rng.random() > 0.12 else catalogue)
        items.append({"sku": sku, "price": price, "qty": rng.randint(1, 5)})
    return {"order": {"id": 2000 + i, "items": items}}
