"""Fixtures and the terminal summary of the conformance suite.

The summary prints pass rates (output, events, events_full) per feature tag, with and without the
Choice-operator matrix, and writes the same figures to ``conformance-report.json`` in the pytest rootdir.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conformance import harness


class ResultLog(list[harness.CaseResult]):
    """The session's case results (a list with a short repr, so failure reports stay readable)."""

    def __repr__(self) -> str:
        return f"<{len(self)} conformance results>"


_RESULTS = pytest.StashKey[ResultLog]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_RESULTS] = ResultLog()


@pytest.fixture(scope="session")
def sfnkit_run() -> Callable[..., Any]:
    """``sfnkit.run``; while the interpreter does not exist, every conformance case errors here."""
    return harness.interpreter_run()


@pytest.fixture
def conformance_results(request: pytest.FixtureRequest) -> ResultLog:
    """The session's list of case results, read by the terminal summary."""
    return request.config.stash[_RESULTS]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    results = config.stash.get(_RESULTS, ResultLog())
    if not results:
        return
    try:
        cases = harness.load_cases()
        ledger = harness.load_ledger()
    except (OSError, ValueError):
        cases, ledger = (), {}
    not_runnable = [c for c in cases if not c.runnable_locally]
    summary = harness.summarise(results, not_runnable=not_runnable, ledger=ledger, directory=harness.cases_dir())
    terminalreporter.section("sfnkit conformance (executions recorded on AWS)")
    for line in harness.format_summary(summary):
        terminalreporter.write_line(line)
    path = config.rootpath / "conformance-report.json"
    try:
        path.write_text(json.dumps(summary, indent=1, sort_keys=False) + "\n", encoding="utf-8")
        terminalreporter.write_line(f"figures written to {path}")
    except OSError as exc:
        terminalreporter.write_line(f"could not write {path}: {exc}")
