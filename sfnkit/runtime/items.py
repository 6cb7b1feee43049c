"""Distributed Map's ItemReader, ItemBatcher and ResultWriter (AWS "Map state in Distributed mode").

ItemReader reads the items from an object store, ItemBatcher groups them into batches, ResultWriter writes the
children's results back. The store is behind the small :class:`Storage` protocol so that one interpreter serves
both worlds: :class:`LocalStorage` maps buckets to folders on this machine (``storage="data/"`` or
``storage={"my-bucket": "data/"}``), and ``sfnkit.aws`` provides a boto3/S3 implementation.

Readers (``ReaderConfig.InputType``): ``JSON`` (an array), ``JSONL`` (one value per line), ``CSV`` (header from
the ``FIRST_ROW`` or ``GIVEN`` in ``CSVHeaders``; ``CSVDelimiter`` COMMA, PIPE, SEMICOLON, SPACE or TAB; every
value a string), and ``s3:listObjectsV2`` (one item per object). ``MaxItems`` caps the count.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sfnkit.errors import ITEM_READER_FAILED, RESULT_WRITER_FAILED
from sfnkit.runtime.scheduler import Failed

__all__ = ["LocalStorage", "Storage", "batch_items", "read_items", "storage_from", "write_results"]

_DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}


class Storage(Protocol):
    """What Distributed Map needs from an object store."""

    def get_object(self, bucket: str, key: str) -> bytes: ...

    def list_objects(self, bucket: str, prefix: str = "") -> list[dict[str, Any]]: ...

    def put_object(self, bucket: str, key: str, body: bytes) -> None: ...


class LocalStorage:
    """Buckets as folders: ``LocalStorage("data/")`` reads ``s3://b/k`` from ``data/b/k``;
    ``LocalStorage({"b": "some/folder"})`` reads it from ``some/folder/k``."""

    def __init__(self, root: str | Path | Mapping[str, str | Path]) -> None:
        self._root = Path(root) if isinstance(root, str | Path) else None
        self._buckets = {k: Path(v) for k, v in root.items()} if isinstance(root, Mapping) else {}

    def _folder(self, bucket: str) -> Path:
        if bucket in self._buckets:
            return self._buckets[bucket]
        if self._root is not None:
            return self._root / bucket
        raise Failed(ITEM_READER_FAILED, f"no local folder for bucket '{bucket}'; known buckets: {', '.join(self._buckets)}")

    def _path(self, bucket: str, key: str) -> Path:
        folder = self._folder(bucket).resolve()
        path = (folder / key).resolve()
        if folder != path and folder not in path.parents:
            raise Failed(ITEM_READER_FAILED, f"the key '{key}' leaves the folder of bucket '{bucket}'")
        return path

    def get_object(self, bucket: str, key: str) -> bytes:
        path = self._path(bucket, key)
        try:
            return path.read_bytes()
        except OSError as e:
            raise Failed(ITEM_READER_FAILED, f"cannot read s3://{bucket}/{key} (local file {path}): {e.strerror or e}") from None

    def list_objects(self, bucket: str, prefix: str = "") -> list[dict[str, Any]]:
        folder = self._folder(bucket)
        out = []
        for p in sorted(folder.rglob("*")):
            key = p.relative_to(folder).as_posix()
            if p.is_file() and key.startswith(prefix):
                stat = p.stat()
                out.append({
                    "Etag": f'"{stat.st_size:x}-{int(stat.st_mtime):x}"',
                    "Key": key,
                    "LastModified": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(),
                    "Size": stat.st_size,
                    "StorageClass": "STANDARD",
                })
        return out

    def put_object(self, bucket: str, key: str, body: bytes) -> None:
        path = self._path(bucket, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
        except OSError as e:
            raise Failed(RESULT_WRITER_FAILED, f"cannot write s3://{bucket}/{key} (local file {path}): {e.strerror or e}") from None

    def __repr__(self) -> str:
        return f"LocalStorage({self._root or self._buckets!r})"


def storage_from(value: Any) -> Storage | None:
    """``storage=`` of ``sfnkit.run``: None, a folder, a bucket->folder mapping, or a Storage object."""
    if value is None:
        return None
    if isinstance(value, str | Path | Mapping):
        return LocalStorage(value)
    for method in ("get_object", "list_objects", "put_object"):
        if not callable(getattr(value, method, None)):
            raise TypeError(f"storage must be a folder, a bucket->folder mapping or an object with {method}(); "
                            f"got {type(value).__name__}")
    return value  # type: ignore[no-any-return]


def read_items(storage: Storage | None, resource: str, params: Mapping[str, Any], config: Mapping[str, Any],
               max_items: int | None) -> list[Any]:
    """The items an ItemReader produces."""
    if storage is None:
        raise Failed(ITEM_READER_FAILED, "this Map reads its items from S3: pass storage= to sfnkit.run (a local folder "
                     "whose subfolders are buckets, a {bucket: folder} mapping, or sfnkit.aws's S3 storage)")
    if max_items is not None and max_items < 0:
        raise Failed(ITEM_READER_FAILED, "field MaxItems must be positive")
    bucket = params.get("Bucket")
    if not isinstance(bucket, str):
        raise Failed(ITEM_READER_FAILED, "the ItemReader parameters need a Bucket")
    action = resource.rsplit(":", 1)[-1]
    if action == "listObjectsV2":
        items: list[Any] = storage.list_objects(bucket, str(params.get("Prefix", "")))
    elif action == "getObject":
        key = params.get("Key")
        if not isinstance(key, str):
            raise Failed(ITEM_READER_FAILED, "the ItemReader parameters need a Key")
        items = _parse(storage.get_object(bucket, key), config, bucket, key)
    else:
        raise Failed(ITEM_READER_FAILED, f"unsupported ItemReader resource '{resource}': use s3:getObject or s3:listObjectsV2")
    if max_items:  # 0 means no limit
        items = items[:max_items]
    return items


def _parse(body: bytes, config: Mapping[str, Any], bucket: str, key: str) -> list[Any]:
    kind = config.get("InputType", "JSON")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Failed(ITEM_READER_FAILED, f"s3://{bucket}/{key} is not UTF-8 text") from None
    if kind == "JSON":
        try:
            value = json.loads(text)
        except json.JSONDecodeError as e:
            raise Failed(ITEM_READER_FAILED, f"s3://{bucket}/{key} is not valid JSON: {e.msg} at line {e.lineno}") from None
        if not isinstance(value, list):
            raise Failed(ITEM_READER_FAILED, f"s3://{bucket}/{key} must hold a JSON array, not a JSON {type(value).__name__}")
        return value
    if kind == "JSONL":
        out = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise Failed(ITEM_READER_FAILED, f"s3://{bucket}/{key} line {n} is not valid JSON: {e.msg}") from None
        return out
    if kind == "CSV":
        delimiter = _DELIMITERS.get(str(config.get("CSVDelimiter", "COMMA")), ",")
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        if config.get("CSVHeaderLocation", "FIRST_ROW") == "GIVEN":
            headers = list(config.get("CSVHeaders") or [])
        else:
            headers, rows = (rows[0], rows[1:]) if rows else ([], [])
        if len(set(headers)) != len(headers):
            raise Failed(ITEM_READER_FAILED, "CSV headers cannot contain duplicates.")
        # extra fields beyond the headers are dropped; missing ones are empty strings (as AWS reads them)
        return [{h: (row[i] if i < len(row) else "") for i, h in enumerate(headers)} for row in rows]
    raise Failed(ITEM_READER_FAILED, f"unsupported ReaderConfig.InputType '{kind}': use JSON, JSONL or CSV")


def batch_items(items: list[Any], max_items: int | None, max_bytes: int | None, batch_input: Any) -> list[Any]:
    """ItemBatcher: ``{"Items": [...], "BatchInput": ...}`` per child, within the item and byte limits."""
    batches: list[Any] = []
    current: list[Any] = []
    size = 0
    for item in items:
        item_size = len(json.dumps(item, separators=(",", ":")).encode()) if max_bytes else 0
        full = (max_items is not None and len(current) >= max_items) or (
            max_bytes is not None and current and size + item_size > max_bytes
        )
        if full:
            batches.append(current)
            current, size = [], 0
        current.append(item)
        size += item_size
    if current:
        batches.append(current)
    out = []
    for b in batches:
        entry: dict[str, Any] = {"Items": b}
        if batch_input is not None:
            entry["BatchInput"] = batch_input
        out.append(entry)
    return out


def write_results(storage: Storage | None, params: Mapping[str, Any], map_run_arn: str, execution_arn: str,
                  results: list[tuple[str, Any, Any]]) -> dict[str, Any]:
    """ResultWriter: write SUCCEEDED/FAILED result files and a manifest; return what the Map state outputs.

    ``results`` holds (status, input, output-or-error) per child, in item order.
    """
    if storage is None:
        raise Failed(RESULT_WRITER_FAILED, "this Map writes its results to S3: pass storage= to sfnkit.run")
    bucket = params.get("Bucket")
    if not isinstance(bucket, str):
        raise Failed(RESULT_WRITER_FAILED, "the ResultWriter parameters need a Bucket")
    prefix = str(params.get("Prefix", "")).strip("/")
    run_id = map_run_arn.rsplit(":", 1)[-1]
    base = f"{prefix}/{run_id}" if prefix else run_id
    groups: dict[str, list[dict[str, Any]]] = {"SUCCEEDED": [], "FAILED": [], "PENDING": []}
    for i, (status, child_input, outcome) in enumerate(results):
        entry: dict[str, Any] = {"ExecutionArn": f"{execution_arn}:{i}", "Input": json.dumps(child_input), "Status": status}
        if status == "SUCCEEDED":
            entry["Output"] = json.dumps(outcome)
        else:
            entry.update(outcome or {})
        groups.setdefault(status, []).append(entry)
    files: list[dict[str, Any]] = []
    for status, entries in groups.items():
        if not entries:
            continue
        key = f"{base}/{status}_0.json"
        storage.put_object(bucket, key, json.dumps(entries, indent=1).encode())
        files.append({"Key": key, "Size": len(entries)})
    manifest = {
        "DestinationBucket": bucket,
        "MapRunArn": map_run_arn,
        "ResultFiles": {status: [f for f in files if str(f["Key"]).endswith(f"/{status}_0.json")] for status in groups},
    }
    manifest_key = f"{base}/manifest.json"
    storage.put_object(bucket, manifest_key, json.dumps(manifest, indent=1).encode())
    return {"MapRunArn": map_run_arn, "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key}}
