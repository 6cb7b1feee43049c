"""Replay every locally runnable execution recorded on AWS and compare sfnkit's result with AWS's.

One test per case id. A case passes when its output (status, output, error, cause) and, where recorded, its
sequence of event types match; ``events_full`` differences are reported in the terminal summary, not failed.
Cases listed in ``xfail_ledger.txt`` are ``xfail(strict=True)``: one that starts passing fails the suite until
its ledger line goes. Cases that need AWS services sfnkit does not emulate yet are counted, not run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conformance import harness

CASE_TIMEOUT_ENV = "SFNKIT_CONFORMANCE_CASE_TIMEOUT"

try:
    CASES: tuple[harness.Case, ...] = harness.load_cases()
    LOAD_ERROR: Exception | None = None
except (OSError, ValueError) as exc:
    CASES, LOAD_ERROR = (), exc

try:
    LEDGER: dict[str, str] = harness.load_ledger()
    LEDGER_ERROR: Exception | None = None
except harness.LedgerError as exc:
    LEDGER, LEDGER_ERROR = {}, exc

try:
    harness.interpreter_run()
    INTERPRETER_PRESENT = True
except RuntimeError:
    # Without the interpreter every case must error (not xfail): see the sfnkit_run fixture.
    INTERPRETER_PRESENT = False

RUNNABLE = {c.id: c for c in CASES if c.runnable_locally}


def _param(case: harness.Case) -> Any:
    marks = []
    if INTERPRETER_PRESENT and case.id in LEDGER:
        marks.append(pytest.mark.xfail(strict=True, reason=LEDGER[case.id]))
    return pytest.param(case.id, id=case.id, marks=marks)


class CaseTimeout(Exception):
    """A case ran longer than the per-case limit (the interpreter runs on a virtual clock: it should not)."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    usable = seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise CaseTimeout(f"the case ran longer than {seconds:g} s of wall time (${CASE_TIMEOUT_ENV} sets the limit)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("case_id", [_param(c) for c in RUNNABLE.values()])
def test_case(case_id: str, sfnkit_run: Callable[..., Any], conformance_results: list[harness.CaseResult]) -> None:
    case = RUNNABLE[case_id]
    with _time_limit(float(os.environ.get(CASE_TIMEOUT_ENV, "30"))):
        result = harness.evaluate(case, sfnkit_run)
    conformance_results.append(result)
    if result.exception is not None:
        raise result.exception
    if not result.passed:
        pytest.fail(result.describe(), pytrace=False)


def test_cases_were_found() -> None:
    assert LOAD_ERROR is None, str(LOAD_ERROR)
    assert RUNNABLE, f"no case in {harness.cases_dir()} is runnable locally"


def test_ledger_is_well_formed() -> None:
    assert LEDGER_ERROR is None, str(LEDGER_ERROR)


def test_ledger_ids_are_runnable_cases() -> None:
    if LOAD_ERROR is not None:  # test_cases_were_found fails for that; the ledger cannot be checked without cases
        pytest.skip(f"the conformance cases could not be read: {LOAD_ERROR}")
    known = {c.id: c for c in CASES}
    unknown = sorted(i for i in LEDGER if i not in known)
    assert not unknown, f"{harness.LEDGER_PATH.name} lists ids that are not cases in {harness.cases_dir()}: {unknown}"
    never_run = sorted(i for i in LEDGER if not known[i].runnable_locally)
    assert not never_run, (
        f"{harness.LEDGER_PATH.name} lists cases that are not runnable locally (never run): {never_run}"
    )


def test_cases_not_run_say_why() -> None:
    silent = [c.id for c in CASES if not c.runnable_locally and not c.not_runnable_because]
    assert not silent, f"cases marked not runnable locally without a reason: {silent}"
