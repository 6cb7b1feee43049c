"""sfnkit's JSONata evaluation next to the reference jsonata-js 2.0.6 under node, and the oracle's figures.

    python bench/jsonata.py            # speed table (about 30 s) and the oracle's matching / total per group
    python bench/jsonata.py --speed    # speed table only
    python bench/jsonata.py --oracle   # oracle figures only

Speed: for each Step-Functions-style expression, microseconds per evaluation. sfnkit: ``jsonata.evaluate``
as a state calls it (``$states`` and variables bound, the compiled program cached, the result converted to
Python). node: ``expr.evaluate(undefined, {states, ...})`` on a compiled expression inside the node process (no
pipe in the timing), which is all AWS's engine does per evaluation. Each figure is the best of 9 passes (1,000
evaluations each, 100 for "big" rows), the two engines' passes alternating so that both see the same load. "big" rows give the
expression an input of 1,000 objects. Needs node and ``tests/jsonata_oracle/node_modules/jsonata`` (``.ci/run``
installs them). Run from the repository root.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sfnkit.asl import jsonata
from tests.jsonata_oracle import compare, corpus
from tests.jsonata_oracle.oracle import Oracle, missing

SMALL = {"input": corpus.INPUT, "context": corpus.CONTEXT}
BIG = {
    "input": {"items": [{"id": i, "sku": f"S-{i}", "qty": i % 7, "price": i * 0.5} for i in range(1000)]},
    "context": corpus.CONTEXT,
}
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("plain path", "$states.input.customer.name", SMALL),
    ("arithmetic", "$states.input.items[0].qty * $states.input.items[0].price + 1", SMALL),
    (
        "object",
        "{'id': $states.input.orderId, 'n': $count($states.input.items), 'who': $states.input.customer.id}",
        SMALL,
    ),
    ("string concat", "$states.input.orderId & '-' & $states.context.Execution.Name", SMALL),
    ("$string number", "'qty=' & $string($states.input.items[0].qty)", SMALL),
    ("url building", "$base & '/orders/' & $encodeUrlComponent($states.input.orderId) & '?limit=' & $limit", SMALL),
    ("regex", "$replace($states.input.text, /\\s+/, '_')", SMALL),
    ("map/filter", "$states.input.items[price > 1].{'sku': sku, 'line': qty * price}", SMALL),
    ("sum", "$sum($states.input.items.(qty * price))", SMALL),
    ("dates", "$toMillis($states.context.State.EnteredTime) - $toMillis($states.context.Execution.StartTime)", SMALL),
    ("big: plain path", "$states.input.items[999].sku", BIG),
    ("big: filter", "$count($states.input.items[qty > 3])", BIG),
    ("big: sum", "$sum($states.input.items.price)", BIG),
]


PASSES = 9


def sfnkit_pass(expr: str, states: dict[str, Any], n: int) -> float:
    """Microseconds per evaluation over one pass of ``n`` evaluations."""
    text = "{% " + expr + " %}"
    rng = random.Random(0)
    start = time.perf_counter()
    for _ in range(n):
        jsonata.evaluate(text, states=states, variables=corpus.VARIABLES, field="Output", rng=rng)
    return (time.perf_counter() - start) / n * 1e6


def speed(oracle: Oracle) -> None:
    # the two engines' passes alternate, so that both see the same load on a shared machine; each figure is
    # the best of its passes (on a busy machine a pass is slowed down by others, never sped up)
    print(f"{'expression':<18} {'sfnkit us':>10} {'node us':>10} {'node/sfnkit':>12}")
    for name, expr, states in CASES:
        n = 100 if states is BIG else 1000
        request = {"expr": expr, "bindings": {"states": states, **corpus.VARIABLES}, "bench": n}
        sfnkit_pass(expr, states, 1)  # compiles
        ours, theirs = [], []
        for _ in range(PASSES):
            ours.append(sfnkit_pass(expr, states, n))
            theirs.append(oracle.ask(request)["us"])
        mine, node = min(ours), min(theirs)
        print(f"{name:<18} {mine:>10.1f} {node:>10.1f} {node / mine:>11.1f}x")


def figures(oracle: Oracle) -> None:
    for part, outcomes in (("suite", compare.run_suite(oracle)), ("corpus", compare.run_corpus(oracle))):
        table = compare.figures(outcomes)
        m, t = table.pop("all")
        print(f"{part}: {m} / {t} match the reference ({100 * m / t:.1f}%)")
        for group, (gm, gt) in table.items():
            if part == "corpus" or gm != gt:
                print(f"  {group:<34} {gm:>4} / {gt}")
        if part == "suite":
            full = sum(1 for gm, gt in table.values() if gm == gt)
            print(f"  (the other {full} groups match in full)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--speed", action="store_true", help="speed table only")
    parser.add_argument("--oracle", action="store_true", help="oracle figures only")
    args = parser.parse_args()
    why = missing()
    if why:
        sys.exit(f"bench/jsonata.py needs the reference engine: {why}")
    oracle = Oracle()
    try:
        if not args.oracle:
            speed(oracle)
        if not args.speed:
            figures(oracle)
    finally:
        oracle.close()


if __name__ == "__main__":
    main()
