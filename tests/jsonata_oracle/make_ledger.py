"""Rewrite ``ledger.json`` from a fresh oracle run: every case where sfnkit and jsonata-js 2.0.6 differ, with the
reason (the first rule in ``REASONS`` whose pattern finds the expression). A difference no rule explains is
written with the reason "UNEXPLAINED", which the test refuses: explain it here or fix it.

    PYTHONPATH=. python -m tests.jsonata_oracle.make_ledger
"""

from __future__ import annotations

import json
import re

from tests.jsonata_oracle import compare
from tests.jsonata_oracle.oracle import Oracle

# Cases that take the engine close to sfnkit's 1 s evaluation bound: on a busy machine they end with U1001,
# on a quiet one they match. The test accepts either answer for them, and no other.
TIMING = re.compile(r"\[1\.\.2e5\]|\[100\.\.10000099\]|\[1\.\.10000000\]")
TIMING_REASON = (
    "the time bound: sfnkit ends an evaluation after 1 s (a runaway must fail fast, issue 13); this case needs "
    "about that long in the engine (200,000 replaced-$string calls, or ten million numbers), so it matches or "
    "ends with U1001 depending on the machine's load"
)

REASONS: list[tuple[str, str]] = [
    (
        r"\[1\.\.2e5\]|\[100\.\.10000099\]",
        "the time bound: sfnkit ends an evaluation after 1 s (a runaway must fail "
        "fast, issue 13); the engine needs longer for 200,000 replaced-$string calls or ten million numbers",
    ),
    (
        r"\$string\(\{",
        "$string of an object holding functions: the host sees a function as null (jsonata-js "
        'writes ""), a limit of passing values out of the engine',
    ),
    (
        r"\$fromMillis\('x'\)|\$replace\([^,]+, /-/, 5\)",
        "signature matching: jsonata-js moves an argument of the wrong type to the next parameter "
        "and takes the (absent) context for the first; sfnkit checks each argument against its own parameter "
        "and refuses the type (T0410/T0411)",
    ),
    (r"\$eval\(", "AWS removes $eval (use $parse); sfnkit calls it a non-function (T1006) as AWS does"),
    (r"\$now\(\)", "$now() answers the virtual clock in sfnkit, the real clock in node"),
    (
        "\ud800",
        "a lone surrogate in the expression: the engine's strings cannot hold one, so the expression never "
        "reaches it (an error without a JSONata code); jsonata-js keeps it, and $encodeUrl refuses it with D3140",
    ),
    (
        r"\$formatNumber\(-?\d+(\.\d+)?e\+?(2[1-9]|[3-9]\d|\d{3})",
        "$formatNumber of a number from 1e21 on: jsonata-js formats the text of JavaScript's toFixed, "
        "which is exponential there (1e+21, and the picture's grouping goes into it); jsonatapy writes every digit",
    ),
    (
        r"\$reverse\(\$split\(",
        "a string split into UTF-16 code units: jsonata-js splits an emoji into its two "
        "surrogates; the engine's strings hold code points and cannot hold a lone surrogate",
    ),
    (
        r"\$factorial\(100\)",
        "the recursion bound: the suite's case limits the reference to depth 302, sfnkit's "
        "engine allows deeper non-tail recursion",
    ),
    (
        r"\[1\.\.10000000\]",
        "the time bound: sfnkit's runaway-evaluation bound (1 s) is shorter than the time the "
        "engine needs to build ten million numbers",
    ),
    (r"\$toMillis\('13:45'", "$now() answers the virtual clock in sfnkit, the real clock in node"),
]


def reason(expr: str) -> str:
    for pattern, why in REASONS:
        if re.search(pattern, expr):
            return why
    return "UNEXPLAINED"


def main() -> None:
    oracle = Oracle()
    try:
        suite = compare.run_suite(oracle)
        ledger = {
            "suite": {o.case: reason(o.expr) for o in suite if not o.matches and not TIMING.search(o.expr)},
            "corpus": {o.case: reason(o.expr) for o in compare.run_corpus(oracle) if not o.matches},
            "timing": {o.case: TIMING_REASON for o in suite if TIMING.search(o.expr)},
        }
    finally:
        oracle.close()
    compare.LEDGER.write_text(json.dumps(ledger, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for part, cases in ledger.items():
        print(part, len(cases), "ledgered;", sum(r == "UNEXPLAINED" for r in cases.values()), "unexplained")


if __name__ == "__main__":
    main()
