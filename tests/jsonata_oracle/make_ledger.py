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
        r"^\$(number|string)\(\d+,\s*\d+\)$",
        "too many arguments: the 2.0.6-exact replacement is a JSONata lambda "
        "(no signature: the engine checks one in about 40 µs per call), which ignores an extra argument where the "
        "built-in's signature refuses it (T0410)",
    ),
    (
        r"\$string\(\{",
        "$string of an object holding functions: the host sees a function as null (jsonata-js "
        'writes ""), a limit of passing values out of the engine',
    ),
    (
        r"\$fromMillis\('x'\)",
        "signature matching: jsonata-js moves a first argument of the wrong type to the next "
        "parameter and takes the (absent) context for the first; sfnkit's scan counts arguments, not their types, "
        "so the expression runs over the engine's document and the engine refuses the type (T0411)",
    ),
    (r"\$eval\(", "AWS removes $eval (use $parse); sfnkit calls it a non-function (T1006) as AWS does"),
    (r"\$now\(\)", "$now() answers the virtual clock in sfnkit, the real clock in node"),
    (
        r"~>\s*\||\|\s*\{|\|[^|]*\|[^|]*\|",
        "key order: the transform operator copies objects; jsonata-js (JavaScript objects) lists "
        "integer-like keys first and keeps the others in insertion order, jsonatapy keeps insertion order",
    ),
    (
        r"\$keys|\$each|\$spread|\$merge|\.\*|\{\s*\$string|codes|\{'(\d|b)|\$sift|\{\$string|\$string\(\{",
        "key order: jsonata-js "
        "(JavaScript objects) lists integer-like keys first, jsonatapy keeps insertion order; not overridable in the "
        "engine ($keys and $string take the compiled fast path), AWS outputs the JavaScript order",
    ),
    (r"^\$states\.input$", "key order: the input holds integer-like keys, which JavaScript lists first"),
    (
        r"\(\?<=|\\1",
        "regular expressions: the engine's Rust regex has no look-behind and no back-references "
        "(JavaScript has both); refused as 'Invalid regex' without a JSONata code",
    ),
    ("\ud800", "a lone surrogate never reaches the host function: the engine converts the string first"),
    (
        r"\$number\(' 12 '\)",
        "$number: jsonata-js refuses surrounding spaces (D3030); $number cannot be replaced in "
        "the engine (compiled fast path)",
    ),
    (
        r"\$string\(|\$formatNumber\(1e21",
        "number to string: jsonatapy computes integers exactly in 64 bits and prints "
        "all their digits; jsonata-js has doubles only and prints 15 significant digits; $string cannot be replaced in "
        "the engine (compiled fast path)",
    ),
    (
        r"\$toMillis",
        "$toMillis of an ISO date: jsonata-js takes JavaScript's Date, which rolls an impossible day "
        "over (2024-02-30 is March 1) and answers NaN for an impossible month or hour; jsonatapy refuses (D3110)",
    ),
    (
        r"\$fromMillis\(1\.5\)",
        "$fromMillis of a fraction: JavaScript's Date truncates to whole milliseconds; jsonatapy refuses it",
    ),
    (
        r"\$substring\(1\)|\$uppercase\(\)|\$fromMillis\('x'\)",
        "the context: the expression reads the top-level "
        "context with too few arguments; jsonatapy type-checks the (absent) context, jsonata-js answers undefined",
    ),
    (r"\.\$keys\(\)", "a context-defaulted function call as a path step over $states: jsonatapy answers undefined"),
    (
        r"\.\. '|' \.\.",
        "a range over a string literal: jsonata-js refuses it when parsing (S0201), jsonatapy when "
        "evaluating (T2003/T2004)",
    ),
    (r"/\*[^*]*$", "an unterminated comment: jsonatapy's parse error has no code (jsonata-js: S0106)"),
    (r"10e1000", "a number literal out of range: jsonatapy's parse error has no code (jsonata-js: S0102)"),
    (
        r"\$reverse\(\$split\(",
        "a string split into UTF-16 code units: jsonata-js splits an emoji into its two "
        "surrogates, Python strings hold code points",
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
