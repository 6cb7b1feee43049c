"""Distributed Map with ItemReader, ItemBatcher and ResultWriter over a local folder standing in for S3."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import sfnkit


def _dmap(reader: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Work",
            "States": {"Work": {"Type": "Pass", "End": True}},
        },
        "End": True,
        **extra,
    }
    if reader is not None:
        state["ItemReader"] = reader
    return {"StartAt": "Each", "States": {"Each": state}}


def _reader(kind: str, key: str, **config: Any) -> dict[str, Any]:
    return {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": kind, **config},
        "Parameters": {"Bucket": "data", "Key": key},
    }


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
        ResultWriter={"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out", "Prefix": "runs"}},
        ToleratedFailureCount=1,
    )
    d["States"]["Each"]["ItemProcessor"]["States"]["Work"] = {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:work", "End": True,
    }
    ex = sfnkit.run(d, {}, storage=bucket, resources={"work": maybe_fail})
    assert ex.status == "SUCCEEDED", ex.cause
    details = ex.output["ResultWriterDetails"]
    assert details["Bucket"] == "out" and details["Key"].startswith("runs/") and details["Key"].endswith("/manifest.json")
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
