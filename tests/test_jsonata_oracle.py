"""The differential oracle (issue 14): sfnkit's JSONata against the reference jsonata-js 2.0.6, the engine AWS
Step Functions runs, over the JSONata 2.0.6 test suite (``tests/jsonata_suite``, through
:func:`sfnkit.asl.jsonata.evaluate_document`) and over a corpus of Step-Functions-style expressions
(``tests/jsonata_oracle/corpus.py``, through :func:`sfnkit.asl.jsonata.evaluate` with ``$states`` bound).

Every difference is in the strict ledger ``tests/jsonata_oracle/ledger.json`` with its reason: the tests fail
when a new case differs and when a ledgered case starts to match (take it out of the ledger then).
The reference runs in one long-lived node process; ``.ci/run`` installs it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.jsonata_oracle import compare, corpus
from tests.jsonata_oracle.oracle import Oracle, missing


@pytest.fixture(scope="module")
def oracle() -> Iterator[Oracle]:
    why = missing()
    if why:
        pytest.skip(f"the JSONata oracle needs node and jsonata@2.0.6: {why}")
    running = Oracle()
    yield running
    running.close()


def _check(outcomes: list[compare.Outcome], ledgered: dict[str, str], timing: dict[str, str] | None = None) -> None:
    timing = timing or {}
    slow = [o for o in outcomes if o.case in timing]
    assert len(slow) == len(timing), "a timing case is missing from the suite"
    # near the 1 s bound: the reference's answer, or the bound's U1001, nothing else
    odd = [o for o in slow if not o.matches and o.ours != "error U1001"]
    assert not odd, [(o.case, o.ours, o.reference) for o in odd]
    outcomes = [o for o in outcomes if o.case not in timing]
    new = [o for o in outcomes if not o.matches and o.case not in ledgered]
    fixed = [o.case for o in outcomes if o.matches and o.case in ledgered]
    known = {o.case for o in outcomes}
    stale = sorted(set(ledgered) - known)
    lines = [
        f"NEW DIFFERENCE {o.case}: {o.expr!r}\n  sfnkit:    {o.ours[:300]}\n  reference: {o.reference[:300]}"
        for o in new
    ]
    lines += [f"NOW MATCHES (take it out of the ledger): {case}" for case in fixed]
    lines += [f"LEDGERED BUT NOT A CASE: {case}" for case in stale]
    assert not lines, "\n".join(lines)


def test_the_ledger_gives_a_reason_for_every_entry() -> None:
    ledger = compare.load_ledger()
    assert set(ledger) == {"suite", "corpus", "timing"}
    for part in ledger.values():
        for case, reason in part.items():
            assert reason and reason != "UNEXPLAINED", case


def test_the_corpus_is_step_functions_sized() -> None:
    assert len(corpus.cases()) >= 200
    assert {"url", "regex", "numbers", "dates", "key-order", "errors", "states-access"} <= set(corpus.GROUPS)


def test_suite_against_the_reference(oracle: Oracle) -> None:
    outcomes = compare.run_suite(oracle)
    assert len(outcomes) == 1625  # every case of the 2.0.6 suite, lists of cases included
    ledger = compare.load_ledger()
    _check(outcomes, ledger["suite"], ledger["timing"])


def test_corpus_against_the_reference(oracle: Oracle) -> None:
    outcomes = compare.run_corpus(oracle)
    _check(outcomes, compare.load_ledger()["corpus"])


@pytest.mark.parametrize(
    ("expr", "answer"),
    [
        ("$encodeUrlComponent('ord-0042')", 'result "ord-0042"'),
        ("$encodeUrl('a b[1]|{x}')", 'result "a%20b%5B1%5D%7C%7Bx%7D"'),
        ("$match('Café', /\\w+/).match", 'result "Caf"'),
        ("$match('x', /x/g)", "error S0202"),
        ("$states.input.items[0..1]", "error S0202"),
        ("$millis(1)", "error T0410"),
        ("$base64encode('María')", 'result "TWFy7WE="'),
        ("($f := function($a, $b)<a<s>s?:s>{ $join($a, $b) }; $f(['a', 'b']))", 'result "ab"'),
    ],
)
def test_the_issue_examples_agree(oracle: Oracle, expr: str, answer: str) -> None:
    bindings = {"states": {"input": corpus.INPUT, "context": corpus.CONTEXT}, **corpus.VARIABLES}
    from tests.jsonata_oracle.oracle import canonical

    assert canonical(oracle.ask({"expr": expr, "bindings": bindings})) == answer
    assert canonical(compare.sfnkit_answer(expr)) == answer
