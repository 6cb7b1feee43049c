"""A small, fast run of the project's fuzz harness (``bench/fuzz.py``): 200 seeded examples of mutated
definitions, odd inputs and hostile handlers driven through every public API.

The run must find nothing at all: no escape from any API, no hang, no broken history; once without the history
classes (huge integers, lone surrogates, odd TaskFailures; ``HISTORY_CLASSES`` in the harness), so that a
regression there cannot hide one elsewhere, and once with them.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("pandas")
pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parent.parent


def _harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sfnkit_bench_fuzz", ROOT / "bench" / "fuzz.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_two_hundred_examples_find_nothing() -> None:
    fuzz = _harness()
    f = fuzz.fuzz(200, 7, timeout=30, heavy_every=50, history_classes=False)
    summary = fuzz.report(f, 7, 0.0, show=3)
    assert f.examples == 200
    assert not f.escapes and not f.hangs and not f.violations, summary
    # the run really drove the APIs: machines loaded and ran, and every view was asked
    assert f.outcomes["SUCCEEDED"] > 0 and f.outcomes["FAILED"] > 0
    for api in (
        "validate",
        "load",
        "run",
        "start/step",
        "run_many",
        "explain",
        "reports.states",
        "reports.timeline",
        "reports.html",
        "display.execution",
        "display.state_machine",
        "widgets.inspector",
        "invariants",
    ):
        assert f.calls[api] > 0, api


def test_the_same_seed_gives_the_same_findings() -> None:
    fuzz = _harness()
    a = fuzz.fuzz(30, 11, timeout=30, heavy_every=0, history_classes=True)
    b = fuzz.fuzz(30, 11, timeout=30, heavy_every=0, history_classes=True)
    assert (a.outcomes, a.calls, a.escapes) == (b.outcomes, b.calls, b.escapes)


def test_with_the_history_classes_nothing_escapes() -> None:
    fuzz = _harness()
    f = fuzz.fuzz(200, 7, timeout=30, heavy_every=0, history_classes=True)
    assert not f.escapes and not f.hangs and not f.violations, fuzz.report(f, 7, 0.0, show=3)
