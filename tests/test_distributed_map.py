"""Distributed Map with ItemReader, ItemBatcher and ResultWriter over a local folder standing in for S3."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import sfnkit
from sfnkit.examples import machines


def _dmap(reader: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return machines.distributed_map(reader, **extra)


_reader = machines.s3_reader


@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "items.json").write_text(json.dumps([{"n": 1}, {"n": 2}, {"n": 3}]))
    (folder / "items.jsonl").write_text('{"n": 1}\n\n{"n": 2}\n')
    (folder / "rows.csv").write_text("name,qty\nbolt,4\nnut,\n")
    (folder / "plain.csv").write_text("a;b\nc;d\n")
    return tmp_path


def test_json_reader(bucket: Path) -> None:
    ex = sfnkit.run(_dmap(_reader("JSON", "items.json")), {}, storage=bucket)
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output == [{"n": 1}, {"n": 2}, {"n": 3}]
    types = [e.type for e in ex.history]
    assert "MapRunStarted" in types and "MapRunSucceeded" in types
    assert "PassStateEntered" not in types  # child executions keep their own histories


def test_jsonl_reader_and_max_items(bucket: Path) -> None:
    ex = sfnkit.run(_dmap(_reader("JSONL", "items.jsonl")), {}, storage=bucket)
    assert ex.output == [{"n": 1}, {"n": 2}]
    ex = sfnkit.run(_dmap(_reader("JSON", "items.json", MaxItems=2)), {}, storage=bucket)
    assert ex.output == [{"n": 1}, {"n": 2}]


def test_csv_reader_with_first_row_and_given_headers(bucket: Path) -> None:
    ex = sfnkit.run(_dmap(_reader("CSV", "rows.csv", CSVHeaderLocation="FIRST_ROW")), {}, storage=bucket)
    assert ex.output == [{"name": "bolt", "qty": "4"}, {"name": "nut", "qty": ""}]
    given = _reader("CSV", "plain.csv", CSVHeaderLocation="GIVEN", CSVHeaders=["x", "y"], CSVDelimiter="SEMICOLON")
    ex = sfnkit.run(_dmap(given), {}, storage={"data": bucket / "data"})
    assert ex.output == [{"x": "a", "y": "b"}, {"x": "c", "y": "d"}]


def test_duplicate_csv_headers_fail_the_reader(bucket: Path) -> None:
    reader = _reader("CSV", "rows.csv", CSVHeaderLocation="GIVEN", CSVHeaders=["h", "h"])
    ex = sfnkit.run(_dmap(reader), {}, storage=bucket)
    assert (ex.status, ex.error) == ("FAILED", "States.ItemReaderFailed")
    assert "CSV headers cannot contain duplicates." in (ex.cause or "")


def test_list_objects_reader(bucket: Path) -> None:
    reader = {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "data", "Prefix": "items"}}
    ex = sfnkit.run(_dmap(reader), {}, storage=bucket)
    assert [o["Key"] for o in ex.output] == ["items.json", "items.jsonl"]
    assert {"Etag", "Key", "LastModified", "Size", "StorageClass"} <= set(ex.output[0])


def test_reader_parameters_from_the_input_and_missing_storage(bucket: Path) -> None:
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket.$": "$.bucket", "Key.$": "$.key"},
    }
    ex = sfnkit.run(_dmap(reader), {"bucket": "data", "key": "items.json"}, storage=bucket)
    assert len(ex.output) == 3
    ex = sfnkit.run(_dmap(reader), {"bucket": "data", "key": "items.json"})
    assert ex.error == "States.ItemReaderFailed"
    assert "pass storage= to sfnkit.run" in (ex.cause or "")
    ex = sfnkit.run(_dmap(reader), {"bucket": "data", "key": "../../etc/passwd"}, storage=bucket)
    assert ex.error == "States.ItemReaderFailed" and "leaves the folder" in (ex.cause or "")


def test_item_batcher_with_batch_input_and_item_selector(bucket: Path) -> None:
    d = _dmap(
        _reader("JSON", "items.json"),
        ItemSelector={"value.$": "$$.Map.Item.Value.n", "index.$": "$$.Map.Item.Index"},
        ItemBatcher={"MaxItemsPerBatch": 2, "BatchInput": {"run.$": "$.run"}},
    )
    ex = sfnkit.run(d, {"run": "r1"}, storage=bucket)
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output == [
        {"Items": [{"value": 1, "index": 0}, {"value": 2, "index": 1}], "BatchInput": {"run": "r1"}},
        {"Items": [{"value": 3, "index": 2}], "BatchInput": {"run": "r1"}},
    ]


def test_result_writer_writes_results_and_a_manifest(bucket: Path) -> None:
    def maybe_fail(event: Any) -> Any:
        if event["n"] == 2:
            raise ValueError("two is bad")
        return event["n"] * 10

    d = _dmap(
        _reader("JSON", "items.json"),
        work="arn:aws:lambda:us-east-1:123456789012:function:work",
        ResultWriter={"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out", "Prefix": "runs"}},
        ToleratedFailureCount=1,
    )
    ex = sfnkit.run(d, {}, storage=bucket, resources={"work": maybe_fail})
    assert ex.status == "SUCCEEDED", ex.cause
    details = ex.output["ResultWriterDetails"]
    assert (
        details["Bucket"] == "out" and details["Key"].startswith("runs/") and details["Key"].endswith("/manifest.json")
    )
    manifest = json.loads((bucket / "out" / details["Key"]).read_text())
    assert manifest["MapRunArn"] == ex.output["MapRunArn"]
    folder = (bucket / "out" / details["Key"]).parent
    succeeded = json.loads((folder / "SUCCEEDED_0.json").read_text())
    failed = json.loads((folder / "FAILED_0.json").read_text())
    assert [json.loads(e["Output"]) for e in succeeded] == [10, 30]
    assert [e["Error"] for e in failed] == ["ValueError"]


def test_too_many_failures_exceed_the_threshold(bucket: Path) -> None:
    d = _dmap(_reader("JSON", "items.json"), ToleratedFailureCount=0)
    d["States"]["Each"]["ItemProcessor"]["States"]["Work"] = {"Type": "Fail", "Error": "Bad", "Cause": "no"}
    ex = sfnkit.run(d, {}, storage=bucket)
    assert (ex.status, ex.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert [e.type for e in ex.history if e.type.startswith("MapRun")] == ["MapRunStarted", "MapRunFailed"]


# -- scale: streamed items, lazy batches, map runs and their child histories ------------------------------------

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"


def _work_map(**extra: Any) -> dict[str, Any]:
    """The shape of bench/distributed_map.py's machine: JSONL items, a Task per child."""
    return machines.distributed_map(_reader("JSONL", "many.jsonl"), work=LAMBDA + "work", **extra)


def _work(n_fail_every: int) -> Any:
    def work(event: Any) -> Any:
        first = event["Items"][0] if isinstance(event, dict) and "Items" in event else event
        if first["n"] % n_fail_every == 0:
            raise RuntimeError(f"bad item {first['n']}")
        return {"seen": event}

    return work


@pytest.fixture
def many(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "many.jsonl").write_text("".join(json.dumps({"n": i}) + "\n" for i in range(1, 101)))
    return tmp_path


def test_jsonl_items_are_decoded_when_their_child_starts() -> None:
    from sfnkit.runtime.items import JsonLines, batch_items
    from sfnkit.runtime.scheduler import Failed

    lines = JsonLines('{"a": 1}\n\n  [1, 2] \r\n"x"\n', "s3://b/k")
    assert len(lines) == 3 and list(lines) == [{"a": 1}, [1, 2], "x"] and lines[-1] == "x"
    assert list(lines[1:]) == [[1, 2], "x"]
    lines[0]["a"] = 99
    assert lines[0] == {"a": 1}  # every read decodes a fresh value: children never share their input
    for bad, line in (('{"a": 1}\n{bad}\n', 2), ("1 2\n", 1), ('{"a": 1', 1)):
        with pytest.raises(Failed) as caught:
            JsonLines(bad, "s3://b/k")
        assert caught.value.error == "States.ItemReaderFailed"
        assert f"s3://b/k line {line} is not valid JSON" in str(caught.value.cause)
    batches = batch_items(JsonLines("".join(f"{i}\n" for i in range(7)), "w"), 3, None, {"k": 1})
    assert len(batches) == 3
    assert [b["Items"] for b in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    assert batches[-1] == {"Items": [6], "BatchInput": {"k": 1}}
    with pytest.raises(IndexError):
        batches[3]
    sized = batch_items([{"v": "x" * 10}] * 5, None, 40, None)  # 14 bytes an item: two per batch
    assert [len(b["Items"]) for b in sized] == [2, 2, 1]


def test_map_runs_record_every_child(many: Path) -> None:
    d = _work_map(ToleratedFailurePercentage=50)
    ex = sfnkit.run(d, {}, storage=many, resources={"work": _work(10)})
    assert ex.status == "SUCCEEDED", ex.cause
    (mr,) = ex.map_runs
    assert mr.state == "Each" and mr.arn == ex.history[3].details["mapRunArn"]
    assert len(mr) == 100 and mr.counts() == {
        "not_started": 0, "succeeded": 90, "failed": 10, "aborted": 0, "running": 0, "total": 100,
    }  # fmt: skip
    assert mr.failed() == [9, 19, 29, 39, 49, 59, 69, 79, 89, 99]
    assert mr.keep == "all"  # "auto" keeps every history of a run this small
    ok, bad = mr.history(0), mr.history(9)
    assert ok is not None and bad is not None
    assert ok[0].type == "ExecutionStarted" and ok[0].previous_event_id == 0
    assert ok[-1].type == "ExecutionSucceeded" and bad[-1].type == "ExecutionFailed"
    assert json.loads(ok[0].details["input"]) == {"n": 1}
    assert bad[-1].details["error"] == "RuntimeError"
    with pytest.raises(IndexError, match="100 children"):
        mr.history(100)
    assert "100 children, 90 succeeded, 10 failed" in repr(mr)


@pytest.mark.parametrize(("keep", "kept"), [("failed", 10), ("none", 0), ("all", 100)])
def test_child_histories_keep_what_the_user_chose(many: Path, keep: str, kept: int) -> None:
    d = _work_map(ToleratedFailurePercentage=50)
    ex = sfnkit.run(d, {}, storage=many, resources={"work": _work(10)}, child_histories=keep)
    (mr,) = ex.map_runs
    assert mr.keep == keep and len(list(mr.kept())) == kept
    assert mr.counts()["failed"] == 10  # the figures stay exact whatever is kept
    if keep == "failed":
        assert mr.history(0) is None and mr.history(9) is not None
        assert [i for i in mr.kept()] == mr.failed()
    start, stop, events = mr.times(0)
    assert stop >= start and events == 7  # ExecutionStarted, the Task (5 events), ExecutionSucceeded


def test_child_histories_misuse_and_auto_limit(many: Path) -> None:
    from sfnkit.history.map_runs import AUTO_KEEP_ALL, MapRun

    with pytest.raises(ValueError, match="child_histories must be one of 'auto', 'all', 'failed', 'none'"):
        sfnkit.run(_work_map(), {}, storage=many, resources={"work": _work(10)}, child_histories="some")
    assert MapRun("M", "arn", "auto", AUTO_KEEP_ALL).keep == "all"
    assert MapRun("M", "arn", "auto", AUTO_KEEP_ALL + 1).keep == "failed"
    assert MapRun("M", "arn", "all", 3).statuses == ("NOT_STARTED",) * 3


def test_map_run_report_and_batched_children(many: Path) -> None:
    pytest.importorskip("pandas")
    from sfnkit import reports

    d = _work_map(ItemBatcher={"MaxItemsPerBatch": 25}, ToleratedFailureCount=2)
    ex = sfnkit.run(d, {}, storage=many, resources={"work": _work(26)})
    assert ex.status == "SUCCEEDED", ex.cause
    frame = reports.map_run(ex)
    assert list(frame.columns) == ["index", "status", "started", "stopped", "duration", "events", "history_kept"]
    assert len(frame) == 4 and frame["status"].tolist() == ["SUCCEEDED", "FAILED", "SUCCEEDED", "SUCCEEDED"]
    assert str(frame["started"].dtype) == "datetime64[us, UTC]" and str(frame["duration"].dtype) == "timedelta64[us]"
    assert frame["history_kept"].all() and (frame["duration"] >= frame["duration"].iloc[0] * 0).all()
    assert frame.attrs["map_run_arn"] == ex.map_runs[0].arn
    assert reports.map_run(ex, "Each").equals(frame) and reports.map_run(ex.map_runs[0]).equals(frame)
    child = ex.map_runs[0].history(1)
    assert child is not None and json.loads(child[0].details["input"])["Items"][0] == {"n": 26}
    assert reports.states(child)["status"].tolist() == ["failed"]
    with pytest.raises(KeyError, match="no map run of a state named 'Nope'"):
        reports.map_run(ex, "Nope")
    with pytest.raises(ValueError, match="no Distributed Map run"):
        reports.map_run(sfnkit.run({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, {}))


def test_result_writer_streams_entries_as_json_dumps_would(many: Path) -> None:
    d = _work_map(ToleratedFailurePercentage=50, ItemBatcher={"MaxItemsPerBatch": 10})
    d["States"]["Each"]["ResultWriter"] = {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": "out", "Prefix": "runs"},
    }
    ex = sfnkit.run(d, {}, storage=many, resources={"work": _work(41)})  # the batch from item 41 fails
    assert ex.status == "SUCCEEDED", ex.cause
    key = ex.output["ResultWriterDetails"]["Key"]
    manifest = json.loads((many / "out" / key).read_text())
    files = {s: [f["Key"] for f in fs] for s, fs in manifest["ResultFiles"].items() if fs}
    assert sorted(files) == ["FAILED", "SUCCEEDED"]
    failed_text = (many / "out" / files["FAILED"][0]).read_text()
    failed = json.loads(failed_text)
    assert failed_text == json.dumps(failed, indent=1)  # byte for byte the indented form
    assert [json.loads(e["Input"])["Items"][0]["n"] for e in failed] == [41]
    assert failed[0]["Error"] == "RuntimeError" and failed[0]["ExecutionArn"].endswith(":4")
    succeeded = json.loads((many / "out" / files["SUCCEEDED"][0]).read_text())
    assert len(succeeded) == 9 and all(e["Status"] == "SUCCEEDED" for e in succeeded)
    assert json.loads(succeeded[0]["Output"])["seen"]["Items"][0] == {"n": 1}


def test_map_runs_survive_processes_and_every_view(many: Path) -> None:
    batch = sfnkit.run_many(
        _work_map(ToleratedFailurePercentage=50), 2, resources={"work": _work(10)}, progress=False,
        storage=many, processes=2, child_histories="failed",
    )  # fmt: skip
    for ex in batch:
        (mr,) = ex.map_runs
        assert mr.counts()["failed"] == 10 and len(list(mr.kept())) == 10
        child = mr.history(9)
        assert child is not None and child[-1].type == "ExecutionFailed"
        assert child.to_boto()["events"][0]["type"] == "ExecutionStarted"


CASES = Path(__file__).resolve().parent / "conformance" / "cases"


@pytest.mark.parametrize(
    "case_id",
    [
        "test_base_scenarios__test_map_item_reader_csv_headers_decl_duplicate_headers__get_execution_history__7bbb5378",
        "test_base_scenarios__test_map_item_reader_csv_max_items_paths__-1__get_execution_history__ffb6c968",
    ],
)
def test_recorded_item_reader_failures(case_id: str, tmp_path: Path) -> None:
    """Two AWS recordings the conformance suite cannot run (they read S3), run over a local folder: the object's
    content does not matter to either failure. The items are read inside the map run, so the failure follows
    ``MapRunStarted`` and its cause carries no state prefix."""
    case = json.loads((CASES / f"{case_id}.json").read_text(encoding="utf-8"))
    folder = tmp_path / case["input"]["Bucket"]
    folder.mkdir()
    (folder / case["input"]["Key"]).write_text("H1,H2,H3\na,b,c\n")
    ex = sfnkit.run(case["definition"], case["input"], storage=tmp_path)
    expected = case["expected"]
    assert (ex.status, ex.error, ex.cause) == (expected["status"], expected["error"], expected["cause"])
    assert [e.type for e in ex.history] == expected["events"]
    recorded = {e["type"]: e for e in expected["events_full"]}
    assert ex.history[2].details == recorded["MapStateStarted"]["mapStateStartedEventDetails"]
    assert ex.history[4].details == recorded["MapRunFailed"]["mapRunFailedEventDetails"]
