"""S3 as the store of a local Distributed Map: ``sfnkit.run(sm, input, storage=sfnkit.aws.S3Storage(...))``.

Implements the :class:`sfnkit.runtime.items.Storage` protocol (``get_object``, ``list_objects``,
``put_object``) with boto3, so a local run's ItemReader reads, and its ResultWriter writes, real S3 (or a moto or
LocalStack endpoint). Errors become ``States.ItemReaderFailed`` / ``States.ResultWriterFailed`` failures that
name the bucket and key.
"""

from __future__ import annotations

from typing import Any

from sfnkit import messages as msg
from sfnkit.aws.connection import Connection
from sfnkit.errors import ITEM_READER_FAILED, RESULT_WRITER_FAILED
from sfnkit.runtime.scheduler import Failed

__all__ = ["S3Storage"]


class S3Storage:
    """Buckets and keys on S3 (through a boto3 S3 client)."""

    def __init__(
        self,
        *,
        client: Any = None,
        session: Any = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        connection: Connection | None = None,
    ) -> None:
        if client is not None:
            self._client = client
        else:
            conn = connection or Connection(session=session, endpoint_url=endpoint_url, region=region)
            self._client = conn.client("s3")

    def get_object(self, bucket: str, key: str) -> bytes:
        try:
            return self._client.get_object(Bucket=bucket, Key=key)["Body"].read()  # type: ignore[no-any-return]
        except Exception as e:  # botocore's ClientError and connection errors
            raise Failed(ITEM_READER_FAILED, msg.storage_failed("read", f"s3://{bucket}/{key}", _describe(e))) from None

    def list_objects(self, bucket: str, prefix: str = "") -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        try:
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    out.append(
                        {
                            "Etag": obj.get("ETag"),
                            "Key": obj["Key"],
                            "LastModified": obj["LastModified"].isoformat()
                            if hasattr(obj.get("LastModified"), "isoformat")
                            else obj.get("LastModified"),
                            "Size": obj.get("Size"),
                            "StorageClass": obj.get("StorageClass", "STANDARD"),
                        }
                    )
        except Exception as e:
            raise Failed(
                ITEM_READER_FAILED, msg.storage_failed("list", f"s3://{bucket}/{prefix}", _describe(e))
            ) from None
        return out

    def put_object(self, bucket: str, key: str, body: bytes) -> None:
        try:
            self._client.put_object(Bucket=bucket, Key=key, Body=body)
        except Exception as e:
            raise Failed(
                RESULT_WRITER_FAILED, msg.storage_failed("write", f"s3://{bucket}/{key}", _describe(e))
            ) from None

    def __repr__(self) -> str:
        return f"S3Storage(endpoint={getattr(self._client.meta, 'endpoint_url', '?')})"


def _describe(e: BaseException) -> str:
    response = getattr(e, "response", None)
    if isinstance(response, dict):
        err = response.get("Error", {})
        return f"{err.get('Code', type(e).__name__)}: {err.get('Message', '')}".strip()
    return f"{type(e).__name__}: {e}"
