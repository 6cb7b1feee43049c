"""The typed seams of sfnkit.types fit the objects sfnkit and its users actually pass around."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing
from pathlib import Path

import sfnkit
from sfnkit import types
from sfnkit.runtime.items import LocalStorage

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


def test_executions_and_batches_have_histories() -> None:
    ex = sfnkit.run(PASS, {"a": 1})
    assert isinstance(ex, types.HasHistory) and not isinstance(ex, types.HasHistories)
    batch = sfnkit.run_many(PASS, [{}, {}], progress=False)
    assert isinstance(batch, types.HasHistories)
    assert not isinstance(ex.history, types.HasHistory)  # a History is read as itself, not through .history


def test_local_and_s3_storage_are_storage(tmp_path: Path) -> None:
    from sfnkit.aws.storage import S3Storage

    assert isinstance(LocalStorage(tmp_path), types.Storage)
    assert issubclass(S3Storage, types.Storage)
    assert not isinstance(object(), types.Storage)


def test_mocks_of_a_test_case_are_state_mocks() -> None:
    from sfnkit.runtime.mocks import MockConfig

    config = MockConfig.load(
        {
            "StateMachines": {"M": {"TestCases": {"T": {"P": "R"}}}},
            "MockedResponses": {"R": {"0": {"Return": {"x": 1}}}},
        }
    )
    case = config.test_case("M", "T")
    assert callable(case.handler_for("P")) and case.handler_for("Other") is None
    assert {"handler_for"} <= {n for n, _ in inspect.getmembers(type(case))}
    assert typing.get_type_hints(types.StateMocks.handler_for)["state_name"] is str


def test_signatures_name_the_seams() -> None:
    params = inspect.signature(sfnkit.run).parameters
    assert params["storage"].annotation == "StorageSource" and params["mocks"].annotation == "MockSource"
    import sfnkit.reports as reports

    assert "HistorySource" in str(inspect.signature(reports.states).parameters["source"].annotation)


def test_the_module_imports_nothing_of_sfnkit_at_run_time() -> None:
    code = "import sys, sfnkit.types; print(sorted(m for m in sys.modules if m.startswith('sfnkit.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['sfnkit.types']"
