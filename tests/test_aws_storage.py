"""A local Distributed Map reading its items from, and writing its results to, S3 on a moto server."""

from __future__ import annotations

import json
from typing import Any

import sfnkit
from sfnkit.aws import S3Storage


def _machine(reader_key: str) -> dict[str, Any]:
    return {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                    "Parameters": {"Bucket": "sfnkit-in", "Key": reader_key},
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "Up",
                    "States": {
                        "Up": {"Type": "Pass", "Parameters": {"name.$": "States.Format('<{}>', $.name)"}, "End": True}
                    },
                },
                "ResultWriter": {
                    "Resource": "arn:aws:states:::s3:putObject",
                    "Parameters": {"Bucket": "sfnkit-out", "Prefix": "runs"},
                },
                "End": True,
            }
        },
    }


def test_distributed_map_over_s3(moto_server: Any) -> None:
    s3 = moto_server.client("s3")
    s3.create_bucket(Bucket="sfnkit-in")
    s3.create_bucket(Bucket="sfnkit-out")
    s3.put_object(Bucket="sfnkit-in", Key="people.csv", Body=b"name,age\nada,36\nalan,41\n")
    storage = S3Storage(client=s3)
    ex = sfnkit.run(_machine("people.csv"), {}, storage=storage)
    assert ex.status == "SUCCEEDED", ex.cause
    key = ex.output["ResultWriterDetails"]["Key"]
    manifest = json.loads(s3.get_object(Bucket="sfnkit-out", Key=key)["Body"].read())
    assert manifest["DestinationBucket"] == "sfnkit-out"
    folder = key.rsplit("/", 1)[0]
    results = json.loads(s3.get_object(Bucket="sfnkit-out", Key=f"{folder}/SUCCEEDED_0.json")["Body"].read())
    assert [json.loads(r["Output"]) for r in results] == [{"name": "<ada>"}, {"name": "<alan>"}]


def test_a_missing_object_fails_the_reader_with_its_name(moto_server: Any) -> None:
    s3 = moto_server.client("s3")
    s3.create_bucket(Bucket="sfnkit-in")
    s3.create_bucket(Bucket="sfnkit-out")
    ex = sfnkit.run(_machine("nope.csv"), {}, storage=S3Storage(client=s3))
    assert ex.error == "States.ItemReaderFailed"
    assert "s3://sfnkit-in/nope.csv" in (ex.cause or "") and "NoSuchKey" in (ex.cause or "")
