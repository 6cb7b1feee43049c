"""``sfnkit.reports`` tables: exact columns, dtypes and values on fixed histories (local and AWS-recorded)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

pd = pytest.importorskip("pandas")

from sfnkit import reports  # noqa: E402
from sfnkit.history import History  # noqa: E402
from sfnkit.reports import frames  # noqa: E402
from tests.test_reports_data import (  # noqa: E402
    LAMBDA_RETRY,
    MAP_CATCH_RETRY,
    PARALLEL_RETRY,
    START,
    T0,
    aws_history,
    needs_cases,
    run_pipeline,
)

NA = pd.NA


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def rows(df: Any, columns: list[str]) -> list[tuple[Any, ...]]:
    """Rows as tuples of plain values: <NA> and NaT become None, timedeltas stay timedeltas."""
    out = []
    for record in df[columns].itertuples(index=False, name=None):
        values = []
        for v in record:
            if v is NA or v is pd.NaT:
                values.append(None)
            elif isinstance(v, pd.Timedelta):
                values.append(v.to_pytimedelta())
            elif isinstance(v, pd.Timestamp):
                values.append(v.to_pydatetime())
            else:
                values.append(v.item() if hasattr(v, "item") else v)
        out.append(tuple(values))
    return out


def dtypes(df: Any) -> dict[str, str]:
    return {column: str(dtype) for column, dtype in df.dtypes.items()}


@pytest.fixture(scope="module")
def local() -> Any:
    return run_pipeline()


# ---------------------------------------------------------------------------------------------------------
# columns and dtypes


EXPECTED_DTYPES = {
    "events": {
        "id": "int64", "previous_event_id": "int64", "type": "string", "timestamp": "datetime64[us, UTC]",
        "offset": "timedelta64[us]", "state": "string", "state_type": "string", "scope": "string",
        "entered_event_id": "Int64", "error": "string", "cause": "string", "details": "string",
    },
    "states": {
        "state": "string", "type": "string", "path": "string", "scope": "string", "depth": "int64",
        "iteration": "Int64", "branch": "Int64", "parent_event_id": "Int64", "entered_event_id": "int64",
        "ended_event_id": "Int64", "entered": "datetime64[us, UTC]", "exited": "datetime64[us, UTC]",
        "ended": "datetime64[us, UTC]", "offset": "timedelta64[us]", "duration": "timedelta64[us]",
        "status": "string", "attempts": "int64", "retries": "int64", "error": "string", "cause": "string",
        "input_bytes": "Int64", "output_bytes": "Int64",
    },
    "attempts": {
        "state": "string", "path": "string", "scope": "string", "iteration": "Int64", "branch": "Int64",
        "entered_event_id": "Int64", "attempt": "int64", "kind": "string", "resource": "string",
        "resource_type": "string", "status": "string", "scheduled_event_id": "Int64", "ended_event_id": "Int64",
        "scheduled": "datetime64[us, UTC]", "started": "datetime64[us, UTC]", "ended": "datetime64[us, UTC]",
        "offset": "timedelta64[us]", "duration": "timedelta64[us]", "backoff": "timedelta64[us]",
        "error": "string", "cause": "string", "timeout_seconds": "Int64", "heartbeat_seconds": "Int64",
    },
    "failures": {
        "event_id": "int64", "type": "string", "timestamp": "datetime64[us, UTC]", "offset": "timedelta64[us]",
        "state": "string", "state_type": "string", "path": "string", "scope": "string",
        "entered_event_id": "Int64", "error": "string", "cause": "string", "outcome": "string",
    },
    "errors": {
        "state": "string", "state_type": "string", "path": "string", "scope": "string",
        "entered_event_id": "int64", "attempt": "Int64", "timestamp": "datetime64[us, UTC]",
        "offset": "timedelta64[us]", "error": "string", "cause": "string", "outcome": "string",
    },
    "overview": {
        "status": "string", "started": "datetime64[us, UTC]", "stopped": "datetime64[us, UTC]",
        "duration": "timedelta64[us]", "events": "int64", "transitions": "int64", "visits": "int64",
        "retries": "int64", "failures": "int64", "error": "string", "cause": "string",
        "input_bytes": "Int64", "output_bytes": "Int64",
    },
    "summary": {
        "state": "string", "type": "string", "count": "int64", "executions": "int64",
        "total": "timedelta64[us]", "mean": "timedelta64[us]", "p50": "timedelta64[us]", "p95": "timedelta64[us]",
        "max": "timedelta64[us]", "attempts": "int64", "retries": "int64", "retry_rate": "float64",
        "failures": "int64", "failure_rate": "float64",
    },
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED_DTYPES))
def test_columns_and_dtypes_are_the_documented_ones(local: Any, name: str) -> None:
    function = getattr(reports, name)
    one = function(local)
    assert dtypes(one) == EXPECTED_DTYPES[name]
    assert list(one.columns) == list(EXPECTED_DTYPES[name])
    many = function([local.history, local])
    if name == "summary":  # per state across executions: no execution column
        assert dtypes(many) == EXPECTED_DTYPES[name]
    else:
        assert dtypes(many) == {"execution": "int64", **EXPECTED_DTYPES[name]}
        assert len(many) == 2 * len(one)
        assert many["execution"].tolist() == [0] * len(one) + [1] * len(one)
    # an empty collection has the same columns and dtypes
    empty = function([])
    assert len(empty) == 0
    assert dtypes(empty) == dtypes(many)


@pytest.mark.parametrize("name", sorted(EXPECTED_DTYPES))
def test_every_column_is_documented(name: str) -> None:
    doc = getattr(reports, name).__doc__
    for column in ["execution", *EXPECTED_DTYPES[name]]:
        if name == "summary" and column == "execution":
            continue
        assert f"``{column}``" in doc, (name, column)


def test_the_column_tables_match_the_docstrings() -> None:
    for name, spec in [
        ("events", frames.EVENT_COLUMNS),
        ("states", frames.STATE_COLUMNS),
        ("attempts", frames.ATTEMPT_COLUMNS),
        ("failures", frames.FAILURE_COLUMNS),
        ("errors", frames.ERROR_COLUMNS),
        ("overview", frames.OVERVIEW_COLUMNS),
        ("summary", frames.SUMMARY_COLUMNS),
    ]:
        assert [c for c, _ in spec] == list(EXPECTED_DTYPES[name])


# ---------------------------------------------------------------------------------------------------------
# the local pipeline: exact values


def test_states_of_the_local_pipeline(local: Any) -> None:
    df = reports.states(local)
    assert rows(df, ["path", "type", "scope", "depth", "iteration", "branch", "parent_event_id"]) == [
        ("Prepare", "Task", "", 0, None, None, None),
        ("Features", "Parallel", "", 0, None, None, None),
        ("Features.Branches[0]/Clean", "Task", "Features.Branches[0]", 1, None, 0, 7),
        ("Features.Branches[1]/Cooldown", "Wait", "Features.Branches[1]", 1, None, 1, 7),
        ("Features.Branches[1]/Embed", "Task", "Features.Branches[1]", 1, None, 1, 7),
        ("Train", "Map", "", 0, None, None, None),
        ("Train[0]/Fit", "Task", "Train[0]", 1, 0, None, 23),
        ("Train[1]/Fit", "Task", "Train[1]", 1, 1, None, 23),
        ("Train[2]/Fit", "Task", "Train[2]", 1, 2, None, 23),
        ("Evaluate", "Task", "", 0, None, None, None),
        ("Report", "Pass", "", 0, None, None, None),
    ]
    assert rows(df, ["state", "entered_event_id", "ended_event_id", "offset", "duration", "status"]) == [
        ("Prepare", 2, 6, s(0), s(1.5), "succeeded"),
        ("Features", 7, 22, s(1.5), s(8), "succeeded"),
        ("Clean", 9, 14, s(1.5), s(2), "succeeded"),
        ("Cooldown", 11, 15, s(1.5), s(5), "succeeded"),
        ("Embed", 16, 20, s(6.5), s(3), "succeeded"),
        ("Train", 23, 50, s(9.5), s(32), "succeeded"),
        ("Fit", 26, 30, s(9.5), s(10), "succeeded"),
        ("Fit", 33, 40, s(19.5), s(12), "succeeded"),
        ("Fit", 43, 47, s(31.5), s(10), "succeeded"),
        ("Evaluate", 51, 55, s(41.5), s(0), "caught"),
        ("Report", 56, 57, s(41.5), s(0), "succeeded"),
    ]
    assert rows(df, ["state", "attempts", "retries", "error", "cause", "input_bytes", "output_bytes"]) == [
        ("Prepare", 1, 0, None, None, 12, 17),
        ("Features", 1, 0, None, None, 17, 17),
        ("Clean", 1, 0, None, None, 17, 12),
        ("Cooldown", 1, 0, None, None, 17, 17),
        ("Embed", 1, 0, None, None, 17, 9),
        ("Train", 1, 0, None, None, 17, 61),
        ("Fit", 1, 0, None, None, 1, 10),
        ("Fit", 2, 1, None, None, 1, 10),
        ("Fit", 1, 0, None, None, 1, 10),
        ("Evaluate", 1, 0, "Model.BelowThreshold", "accuracy 0.61 < 0.9", 61, 132),
        ("Report", 1, 0, None, None, 132, 132),
    ]
    first = df.iloc[0]
    assert first["entered"] == pd.Timestamp(START)
    assert first["exited"] == first["ended"] == pd.Timestamp(START) + pd.Timedelta(seconds=1.5)
    assert (df["ended"] - df["entered"]).equals(df["duration"])
    assert (df["entered"] - pd.Timestamp(START)).equals(df["offset"])


def test_attempts_of_the_local_pipeline(local: Any) -> None:
    df = reports.attempts(local)
    assert rows(
        df,
        [
            "path",
            "attempt",
            "kind",
            "status",
            "scheduled_event_id",
            "ended_event_id",
            "offset",
            "duration",
            "backoff",
            "error",
        ],
    ) == [
        ("Prepare", 0, "lambda", "succeeded", 3, 5, s(0), s(1.5), None, None),
        ("Features.Branches[0]/Clean", 0, "lambda", "succeeded", 10, 13, s(1.5), s(2), None, None),
        ("Features.Branches[1]/Embed", 0, "lambda", "succeeded", 17, 19, s(6.5), s(3), None, None),
        ("Train[0]/Fit", 0, "lambda", "succeeded", 27, 29, s(9.5), s(10), None, None),
        ("Train[1]/Fit", 0, "lambda", "failed", 34, 36, s(19.5), s(0), s(2), "GPU.OutOfMemory"),
        ("Train[1]/Fit", 1, "lambda", "succeeded", 37, 39, s(21.5), s(10), None, None),
        ("Train[2]/Fit", 0, "lambda", "succeeded", 44, 46, s(31.5), s(10), None, None),
        ("Evaluate", 0, "lambda", "failed", 52, 54, s(41.5), s(0), None, "Model.BelowThreshold"),
    ]
    assert df["entered_event_id"].tolist() == [2, 9, 16, 26, 33, 33, 43, 51]
    assert df["iteration"].tolist() == [NA, NA, NA, 0, 1, 1, 2, NA]
    assert df["resource"].iloc[0] == "arn:aws:lambda:us-east-1:123456789012:function:prepare"


def test_errors_failures_and_events_of_the_local_pipeline(local: Any) -> None:
    assert rows(
        reports.errors(local), ["path", "entered_event_id", "attempt", "offset", "error", "cause", "outcome"]
    ) == [
        ("Train[1]/Fit", 33, 0, s(19.5), "GPU.OutOfMemory", "CUDA out of memory", "retried"),
        ("Evaluate", 51, 0, s(41.5), "Model.BelowThreshold", "accuracy 0.61 < 0.9", "caught"),
    ]
    assert rows(reports.failures(local), ["event_id", "type", "path", "scope", "error", "outcome"]) == [
        (36, "LambdaFunctionFailed", "Train[1]/Fit", "Train[1]", "GPU.OutOfMemory", "retried"),
        (54, "LambdaFunctionFailed", "Evaluate", "", "Model.BelowThreshold", "caught"),
    ]
    events = reports.events(local)
    assert len(events) == 58 and events["id"].tolist() == list(range(1, 59))
    assert rows(events.iloc[[0, 1, 10, 24, 35, 36, 57]], ["id", "previous_event_id", "type", "offset", "state", "scope", "entered_event_id", "error"]) == [
        (1, 0, "ExecutionStarted", s(0), None, "", None, None),
        (2, 0, "TaskStateEntered", s(0), "Prepare", "", 2, None),
        (11, 8, "WaitStateEntered", s(1.5), "Cooldown", "Features.Branches[1]", 11, None),
        (25, 24, "MapIterationStarted", s(9.5), "Train", "Train[0]", 23, None),
        (36, 35, "LambdaFunctionFailed", s(19.5), "Fit", "Train[1]", 33, "GPU.OutOfMemory"),
        (37, 36, "LambdaFunctionScheduled", s(21.5), "Fit", "Train[1]", 33, None),
        (58, 57, "ExecutionSucceeded", s(41.5), None, "", None, None),
    ]  # fmt: skip
    assert events["details"].iloc[24] == '{"index":0,"name":"Train"}'
    assert events["details"].iloc[35] == '{"error":"GPU.OutOfMemory","cause":"CUDA out of memory"}'
    assert events["details"].iloc[3] is NA  # LambdaFunctionStarted has no details


def test_summary_and_overview_of_the_local_pipeline(local: Any) -> None:
    df = reports.summary(local)
    assert rows(df, ["state", "type", "count", "executions", "total", "mean", "p50", "p95", "max"]) == [
        ("Prepare", "Task", 1, 1, s(1.5), s(1.5), s(1.5), s(1.5), s(1.5)),
        ("Features", "Parallel", 1, 1, s(8), s(8), s(8), s(8), s(8)),
        ("Clean", "Task", 1, 1, s(2), s(2), s(2), s(2), s(2)),
        ("Cooldown", "Wait", 1, 1, s(5), s(5), s(5), s(5), s(5)),
        ("Embed", "Task", 1, 1, s(3), s(3), s(3), s(3), s(3)),
        ("Train", "Map", 1, 1, s(32), s(32), s(32), s(32), s(32)),
        # 10, 12, 10 s: mean 10.666667, p95 interpolates between 10 and 12: 10 + 0.9 * 2 = 11.8
        ("Fit", "Task", 3, 1, s(32), timedelta(seconds=10, microseconds=666667), s(10), s(11.8), s(12)),
        ("Evaluate", "Task", 1, 1, s(0), s(0), s(0), s(0), s(0)),
        ("Report", "Pass", 1, 1, s(0), s(0), s(0), s(0), s(0)),
    ]
    assert rows(df, ["state", "attempts", "retries", "retry_rate", "failures", "failure_rate"]) == [
        ("Prepare", 1, 0, 0.0, 0, 0.0),
        ("Features", 1, 0, 0.0, 0, 0.0),
        ("Clean", 1, 0, 0.0, 0, 0.0),
        ("Cooldown", 1, 0, 0.0, 0, 0.0),
        ("Embed", 1, 0, 0.0, 0, 0.0),
        ("Train", 1, 0, 0.0, 0, 0.0),
        ("Fit", 4, 1, 1 / 3, 0, 0.0),
        ("Evaluate", 1, 0, 0.0, 1, 1.0),
        ("Report", 1, 0, 0.0, 0, 0.0),
    ]
    assert rows(reports.overview(local), list(EXPECTED_DTYPES["overview"])) == [
        ("SUCCEEDED", START, START + s(41.5), s(41.5), 58, 12, 11, 1, 1, None, None, 12, 132)
    ]


def test_summary_across_executions_counts_every_visit(local: Any) -> None:
    df = reports.summary([local, local.history, local])
    fit = df.set_index("state").loc["Fit"]
    assert (fit["count"], fit["executions"], fit["attempts"], fit["retries"]) == (9, 3, 12, 3)
    assert fit["p50"] == pd.Timedelta(seconds=10) and fit["max"] == pd.Timedelta(seconds=12)


def test_frames_are_memoised_on_the_history(local: Any) -> None:
    h = local.history
    reports.states(h)
    cached = h.cached("sfnkit.reports.states", lambda _h: pytest.fail("recomputed"))
    assert cached["state"][0] == "Prepare"
    assert reports.states(h).equals(reports.states(h))


# ---------------------------------------------------------------------------------------------------------
# AWS-recorded histories: exact values with the timestamps the test controls


def at(seconds: float) -> Any:
    return T0 + s(seconds)


@needs_cases
def test_aws_map_with_retry_catch_and_a_failing_fallback() -> None:
    h = aws_history(MAP_CATCH_RETRY)
    st = reports.states(h)
    assert rows(st, ["path", "type", "entered_event_id", "ended_event_id", "entered", "exited", "ended", "duration", "status", "attempts", "retries", "error"]) == [
        ("ProcessItems", "Map", 2, 16, at(1), None, at(15), s(14), "failed", 1, 0, "States.QueryEvaluationError"),
        ("ProcessItems[0]/ProcessItem", "Task", 5, 12, at(4), at(11), at(11), s(7), "caught", 2, 1, "Exception"),
        ("ProcessItems[0]/Fallback", "Pass", 13, 14, at(12), None, at(13), s(1), "failed", 1, 0, "States.QueryEvaluationError"),
    ]  # fmt: skip
    assert st["input_bytes"].tolist() == [17, 1, 304]
    assert st["output_bytes"].tolist() == [NA, 304, NA]
    at_ = reports.attempts(h)
    assert rows(at_, ["path", "attempt", "kind", "resource", "resource_type", "status", "offset", "duration", "backoff", "error"]) == [
        ("ProcessItems[0]/ProcessItem", 0, "task", "invoke", "lambda", "failed", s(5), s(2), s(1), "Exception"),
        ("ProcessItems[0]/ProcessItem", 1, "task", "invoke", "lambda", "failed", s(8), s(2), None, "Exception"),
    ]  # fmt: skip
    assert at_["started"].tolist() == [pd.Timestamp(at(6)), pd.Timestamp(at(9))]
    assert rows(reports.errors(h), ["path", "attempt", "offset", "error", "outcome"]) == [
        ("ProcessItems[0]/ProcessItem", 0, s(7), "Exception", "retried"),
        ("ProcessItems[0]/ProcessItem", 1, s(10), "Exception", "caught"),
        # the Map failed because of its iteration: no error of its own
        ("ProcessItems[0]/Fallback", None, s(13), "States.QueryEvaluationError", "failed"),
    ]
    assert rows(reports.failures(h), ["event_id", "type", "state", "path", "scope", "outcome"]) == [
        (8, "TaskFailed", "ProcessItem", "ProcessItems[0]/ProcessItem", "ProcessItems[0]", "retried"),
        (11, "TaskFailed", "ProcessItem", "ProcessItems[0]/ProcessItem", "ProcessItems[0]", "caught"),
        (14, "EvaluationFailed", "Fallback", "ProcessItems[0]/Fallback", "ProcessItems[0]", "propagated"),
        (15, "MapIterationFailed", "ProcessItems", "ProcessItems", "ProcessItems[0]", "propagated"),
        (16, "MapStateFailed", "ProcessItems", "ProcessItems", "", "propagated"),
        (17, "ExecutionFailed", None, None, "", "terminal"),
    ]
    assert rows(reports.overview(h), ["status", "started", "stopped", "duration", "events", "transitions", "visits", "retries", "failures", "error", "input_bytes"]) == [
        ("FAILED", T0, at(16), s(16), 17, 4, 3, 1, 3, "States.QueryEvaluationError", 17)
    ]  # fmt: skip
    events = reports.events(h)
    assert events["cause"].iloc[7].startswith('{"errorMessage": "Some exception was raised."')
    assert events["state"].tolist()[:6] == [
        NA,
        "ProcessItems",
        "ProcessItems",
        "ProcessItems",
        "ProcessItem",
        "ProcessItem",
    ]


@needs_cases
def test_aws_parallel_retried_twice() -> None:
    h = aws_history(PARALLEL_RETRY)
    assert rows(
        reports.states(h), ["path", "type", "offset", "duration", "status", "attempts", "retries", "error"]
    ) == [
        ("ParallelState", "Parallel", s(1), s(7), "failed", 3, 2, "FailureType"),
        # AWS's history names the Fail state's error only at the end (ExecutionFailed)
        ("ParallelState.Branches[0]/Branch1", "Fail", s(3), s(0), "failed", 1, 0, None),
        ("ParallelState.Branches[0]/Branch1", "Fail", s(5), s(0), "failed", 1, 0, None),
        ("ParallelState.Branches[0]/Branch1", "Fail", s(7), s(0), "failed", 1, 0, "FailureType"),
    ]
    assert rows(reports.errors(h), ["path", "entered_event_id", "error", "outcome"]) == [
        ("ParallelState.Branches[0]/Branch1", 4, None, "retried"),
        ("ParallelState.Branches[0]/Branch1", 6, None, "retried"),
        ("ParallelState.Branches[0]/Branch1", 8, "FailureType", "failed"),
    ]
    assert reports.attempts(h).empty
    assert rows(reports.summary(h), ["state", "count", "total", "attempts", "retries", "retry_rate", "failures", "failure_rate"]) == [
        ("ParallelState", 1, s(7), 3, 2, 1.0, 1, 1.0),
        ("Branch1", 3, s(0), 3, 0, 0.0, 3, 1.0),
    ]  # fmt: skip
    assert reports.overview(h)["transitions"].tolist() == [6]


@needs_cases
def test_aws_lambda_retried_three_times_then_caught() -> None:
    h = aws_history(LAMBDA_RETRY)
    at_ = reports.attempts(h)
    assert rows(at_, ["attempt", "kind", "status", "scheduled_event_id", "ended_event_id", "duration", "backoff"]) == [
        (0, "lambda", "failed", 3, 5, s(2), s(1)),
        (1, "lambda", "failed", 6, 8, s(2), s(1)),
        (2, "lambda", "failed", 9, 11, s(2), s(1)),
        (3, "lambda", "failed", 12, 14, s(2), None),
    ]
    assert set(at_["resource"]) == {"arn:<partition>:lambda:<region>:111111111111:function:<lambda_function_1_name>"}
    assert rows(reports.states(h), ["state", "status", "attempts", "retries", "error", "duration"]) == [
        ("InvokeLambdaWithRetry", "caught", 4, 3, "Exception", s(13)),
        ("HandleError", "succeeded", 1, 0, None, s(1)),
    ]
    assert reports.errors(h)["outcome"].tolist() == ["retried", "retried", "retried", "caught"]
    summary = reports.summary([h, h])
    assert summary["count"].tolist() == [2, 2] and summary["retries"].tolist() == [6, 0]


@needs_cases
def test_aws_history_from_a_cli_json_file(tmp_path: Path) -> None:
    """The JSON that ``aws stepfunctions get-execution-history`` writes gives the same frames."""
    h = aws_history(MAP_CATCH_RETRY)
    path = tmp_path / "history.json"
    path.write_text(h.to_json(), encoding="utf-8")
    again = History.from_boto(str(path))
    assert reports.states(again).equals(reports.states(h))
    assert reports.events(again).equals(reports.events(h))


# ---------------------------------------------------------------------------------------------------------
# inputs and dependencies


def test_what_the_functions_accept(local: Any) -> None:
    with pytest.raises(TypeError, match=r"History\.from_boto"):
        reports.states(local.history.to_boto())
    with pytest.raises(TypeError, match=r"History\.from_boto"):
        reports.states([local.history.to_boto()])
    with pytest.raises(TypeError, match="pass a History"):
        reports.states(42)
    assert reports.states(local).equals(reports.states(local.history))


def test_reports_never_import_the_runtime() -> None:
    root = Path(reports.__file__).parent
    for path in root.glob("*.py"):
        assert "sfnkit.runtime" not in path.read_text(encoding="utf-8"), path


def test_importing_reports_does_not_import_matplotlib() -> None:
    code = "import sys, sfnkit.reports; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_missing_pandas_raises_missing_dependency_error() -> None:
    code = (
        "import sys\n"
        "sys.modules['pandas'] = None\n"
        "from sfnkit.errors import MissingDependencyError\n"
        "try:\n"
        "    import sfnkit.reports\n"
        "except MissingDependencyError as e:\n"
        "    print(e.package, e.extra, '|', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out.startswith("pandas reports |")
    assert "pip install 'sfnkit[reports]'" in out
