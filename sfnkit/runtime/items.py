"""Distributed Map's ItemReader, ItemBatcher and ResultWriter (AWS "Map state in Distributed mode").

ItemReader reads the items from an object store, ItemBatcher groups them into batches, ResultWriter writes the
children's results back. The store is behind the small :class:`Storage` protocol so that one interpreter serves
both worlds: :class:`LocalStorage` maps buckets to folders on this machine (``storage="data/"`` or
``storage={"my-bucket": "data/"}``), and ``sfnkit.aws`` provides a boto3/S3 implementation.

Readers (``ReaderConfig.InputType``): ``JSON`` (an array), ``JSONL`` (one value per line), ``CSV`` (header from
the ``FIRST_ROW`` or ``GIVEN`` in ``CSVHeaders``; ``CSVDelimiter`` COMMA, PIPE, SEMICOLON, SPACE or TAB; every
value a string), and ``s3:listObjectsV2`` (one item per object). ``MaxItems`` caps the count.

Scale: a JSON Lines object is checked line by line when it is read (a bad line fails the ItemReader before
any child starts, as on AWS) but kept as its text plus one offset per line; an item is decoded again only when
its child execution starts. ItemBatcher batches (without an ItemSelector) are index ranges over the items,
built when their child starts. So a Distributed Map over a million JSONL items holds the object's text and
8 bytes per item, not a million decoded values (bench/distributed_map.py).
"""

from __future__ import annotations

import csv
import io
import json
import json.encoder
import json.scanner
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, overload

from sfnkit import messages as msg
from sfnkit.errors import ITEM_READER_FAILED, RESULT_WRITER_FAILED
from sfnkit.runtime.scheduler import Failed
from sfnkit.types import Storage, StorageSource

__all__ = ["JsonLines", "LocalStorage", "Storage", "batch_items", "read_items", "storage_from", "write_results"]

# json's own scanner (C when available): decodes the value that starts at an offset of a text, in place
_SCAN: Final = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
_DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}


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
        raise Failed(ITEM_READER_FAILED, msg.no_bucket_folder(bucket, list(self._buckets)))

    def _path(self, bucket: str, key: str) -> Path:
        folder = self._folder(bucket).resolve()
        path = (folder / key).resolve()
        if folder != path and folder not in path.parents:
            raise Failed(ITEM_READER_FAILED, msg.key_leaves_bucket(key, bucket))
        return path

    def get_object(self, bucket: str, key: str) -> bytes:
        path = self._path(bucket, key)
        try:
            return path.read_bytes()
        except OSError as e:
            url = f"s3://{bucket}/{key} (local file {path})"
            raise Failed(ITEM_READER_FAILED, msg.storage_failed("read", url, str(e.strerror or e))) from None

    def list_objects(self, bucket: str, prefix: str = "") -> list[dict[str, Any]]:
        folder = self._folder(bucket)
        out = []
        for p in sorted(folder.rglob("*")):
            key = p.relative_to(folder).as_posix()
            if p.is_file() and key.startswith(prefix):
                stat = p.stat()
                out.append(
                    {
                        "Etag": f'"{stat.st_size:x}-{int(stat.st_mtime):x}"',
                        "Key": key,
                        "LastModified": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(),
                        "Size": stat.st_size,
                        "StorageClass": "STANDARD",
                    }
                )
        return out

    def put_object(self, bucket: str, key: str, body: bytes) -> None:
        path = self._path(bucket, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
        except OSError as e:
            url = f"s3://{bucket}/{key} (local file {path})"
            raise Failed(RESULT_WRITER_FAILED, msg.storage_failed("write", url, str(e.strerror or e))) from None

    def __repr__(self) -> str:
        return f"LocalStorage({self._root or self._buckets!r})"


def storage_from(value: StorageSource) -> Storage | None:
    """``storage=`` of ``sfnkit.run``: None, a folder, a bucket->folder mapping, or a Storage object."""
    if value is None:
        return None
    if isinstance(value, str | Path | Mapping):
        return LocalStorage(value)
    for method in ("get_object", "list_objects", "put_object"):
        if not callable(getattr(value, method, None)):
            raise TypeError(
                f"storage must be a folder, a bucket->folder mapping or an object with {method}(); "
                f"got {type(value).__name__}"
            )
    return value


def read_items(
    storage: Storage | None, resource: str, params: Mapping[str, Any], config: Mapping[str, Any], max_items: int | None
) -> Sequence[Any]:
    """The items an ItemReader produces."""
    if storage is None:
        raise Failed(ITEM_READER_FAILED, msg.item_reader_needs_storage())
    if max_items is not None and max_items < 0:
        raise Failed(ITEM_READER_FAILED, msg.max_items_not_positive())
    bucket = params.get("Bucket")
    if not isinstance(bucket, str):
        raise Failed(ITEM_READER_FAILED, msg.reader_parameter_missing("ItemReader", "Bucket"))
    action = resource.rsplit(":", 1)[-1]
    if action == "listObjectsV2":
        items: Sequence[Any] = storage.list_objects(bucket, str(params.get("Prefix", "")))
    elif action == "getObject":
        key = params.get("Key")
        if not isinstance(key, str):
            raise Failed(ITEM_READER_FAILED, msg.reader_parameter_missing("ItemReader", "Key"))
        items = _parse(storage.get_object(bucket, key), config, bucket, key)
    else:
        raise Failed(ITEM_READER_FAILED, msg.unsupported_item_reader_resource(resource))
    if max_items:  # 0 means no limit
        items = items[:max_items]
    return items


class JsonLines(Sequence[Any]):
    """The items of a JSON Lines object: its text and where each non-blank line starts, decoded on access.

    Every line is decoded once up front, so a bad line fails the ItemReader (``States.ItemReaderFailed``, with
    the line number) before any child runs; the values are not kept. Each access decodes a fresh value, so a
    child that changes its input cannot change another's.
    """

    __slots__ = ("_ends", "_starts", "_text")

    def __init__(self, text: str, where: str) -> None:
        starts, ends = array("q"), array("q")
        scan = _SCAN  # the C scanner json.loads itself uses, run in place on the whole text (no slices)
        pos, n, size = 0, 0, len(text)
        while pos < size:
            end = text.find("\n", pos)
            if end < 0:
                end = size
            n += 1
            first = pos
            while first < end and text[first] in " \t\r":
                first += 1
            if first < end:
                try:
                    _value, stop = scan(text, first)
                except (StopIteration, ValueError):
                    stop = -1
                if stop < 0 or text[stop:end].strip(" \t\r"):
                    try:  # json.loads words the error the way the line's reader expects
                        json.loads(text[pos:end])
                        message = "extra data after the value"
                    except json.JSONDecodeError as e:
                        message = e.msg
                    raise Failed(ITEM_READER_FAILED, msg.jsonl_line_not_json(where, n, message))
                starts.append(first)
                ends.append(stop)
            pos = end + 1
        self._text, self._starts, self._ends = text, starts, ends

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> JsonLines: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            part = JsonLines.__new__(JsonLines)
            part._text, part._starts, part._ends = self._text, self._starts[index], self._ends[index]
            return part
        return _SCAN(self._text, self._starts[index])[0]

    def __iter__(self) -> Iterator[Any]:
        text, scan = self._text, _SCAN
        for start in self._starts:
            yield scan(text, start)[0]

    def __repr__(self) -> str:
        return f"<JsonLines: {len(self):,} items>"


def _parse(body: bytes, config: Mapping[str, Any], bucket: str, key: str) -> Sequence[Any]:
    kind = config.get("InputType", "JSON")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Failed(ITEM_READER_FAILED, msg.object_not_utf8(bucket, key)) from None
    if kind == "JSON":
        try:
            value = json.loads(text)
        except json.JSONDecodeError as e:
            raise Failed(ITEM_READER_FAILED, msg.object_not_json(bucket, key, e.msg, e.lineno)) from None
        if not isinstance(value, list):
            raise Failed(ITEM_READER_FAILED, msg.items_not_iterable())
        return value
    if kind == "JSONL":
        return JsonLines(text, f"s3://{bucket}/{key}")
    if kind == "CSV":
        delimiter = _DELIMITERS.get(str(config.get("CSVDelimiter", "COMMA")), ",")
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        if config.get("CSVHeaderLocation", "FIRST_ROW") == "GIVEN":
            headers = list(config.get("CSVHeaders") or [])
        else:
            headers, rows = (rows[0], rows[1:]) if rows else ([], [])
        if len(set(headers)) != len(headers):
            raise Failed(ITEM_READER_FAILED, msg.csv_duplicate_headers())
        # extra fields beyond the headers are dropped; missing ones are empty strings (as AWS reads them)
        return [{h: (row[i] if i < len(row) else "") for i, h in enumerate(headers)} for row in rows]
    raise Failed(ITEM_READER_FAILED, msg.unsupported_input_type(kind))


def batch_items(items: Sequence[Any], max_items: int | None, max_bytes: int | None, batch_input: Any) -> Sequence[Any]:
    """ItemBatcher: ``{"Items": [...], "BatchInput": ...}`` per child, within the item and byte limits.

    The batches are index ranges over ``items``; each is built when it is read (see :class:`Batches`)."""
    bounds = array("q", [0])
    count = size = 0
    for item in items if max_bytes else range(len(items)):
        item_size = len(json.dumps(item, separators=(",", ":")).encode()) if max_bytes else 0
        full = (max_items is not None and count >= max_items) or (
            max_bytes is not None and count and size + item_size > max_bytes
        )
        if full:
            bounds.append(bounds[-1] + count)
            count, size = 0, 0
        count += 1
        size += item_size
    if count:
        bounds.append(bounds[-1] + count)
    return Batches(items, bounds, batch_input)


_quote: Final = json.encoder.encode_basestring_ascii


def _array_entry(entry: Mapping[str, Any]) -> str:
    """``entry`` as an element of a JSON array written with ``json.dumps(..., indent=1)``: the same text, built
    directly for the flat string entries of a result file (the indenting encoder runs in Python, ten times
    slower than this)."""
    parts = []
    for key, value in entry.items():
        if isinstance(value, str):
            text = _quote(value)
        elif value is None:
            text = "null"
        else:  # not a flat entry after all: the general (slow) path
            return " " + json.dumps(entry, indent=1).replace("\n", "\n ")
        parts.append(f"  {_quote(key)}: {text}")
    return " {\n" + ",\n".join(parts) + "\n }"


class Batches(Sequence[Any]):
    """ItemBatcher's batches as boundaries over the items: batch ``i`` is built (its items decoded) on access."""

    __slots__ = ("_batch_input", "_bounds", "_items")

    def __init__(self, items: Sequence[Any], bounds: array[int], batch_input: Any) -> None:
        self._items, self._bounds, self._batch_input = items, bounds, batch_input

    def __len__(self) -> int:
        return len(self._bounds) - 1

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("batch index out of range")
        start, stop = self._bounds[index], self._bounds[index + 1]
        items = self._items
        entry: dict[str, Any] = {"Items": [items[j] for j in range(start, stop)]}
        if self._batch_input is not None:
            entry["BatchInput"] = self._batch_input
        return entry

    def __repr__(self) -> str:
        return f"<Batches: {len(self):,} batches of {self._bounds[-1]:,} items>"


def write_results(
    storage: Storage | None,
    params: Mapping[str, Any],
    map_run_arn: str,
    execution_arn: str,
    results: Iterable[tuple[str, Any, Any]],
) -> dict[str, Any]:
    """ResultWriter: write SUCCEEDED/FAILED result files and a manifest; return what the Map state outputs.

    ``results`` gives (status, input, output-or-error) per child, in item order; each is encoded as it comes,
    so a million children's results are held as their JSON text only.
    """
    if storage is None:
        raise Failed(RESULT_WRITER_FAILED, msg.result_writer_needs_storage())
    bucket = params.get("Bucket")
    if not isinstance(bucket, str):
        raise Failed(RESULT_WRITER_FAILED, msg.reader_parameter_missing("ResultWriter", "Bucket"))
    prefix = str(params.get("Prefix", "")).strip("/")
    run_id = map_run_arn.rsplit(":", 1)[-1]
    base = f"{prefix}/{run_id}" if prefix else run_id
    # each status file is a JSON array indented by one space: the entries are encoded one by one and shifted
    # into the array (the same text as json.dumps(entries, indent=1))
    groups: dict[str, list[str]] = {"SUCCEEDED": [], "FAILED": [], "PENDING": []}
    for i, (status, child_input, outcome) in enumerate(results):
        entry: dict[str, Any] = {
            "ExecutionArn": f"{execution_arn}:{i}",
            "Input": json.dumps(child_input),
            "Status": status,
        }
        if status == "SUCCEEDED":
            entry["Output"] = json.dumps(outcome)
        else:
            entry.update(outcome or {})
        groups.setdefault(status, []).append(_array_entry(entry))
    files: list[dict[str, Any]] = []
    for status, entries in groups.items():
        if not entries:
            continue
        key = f"{base}/{status}_0.json"
        storage.put_object(bucket, key, ("[\n" + ",\n".join(entries) + "\n]").encode())
        files.append({"Key": key, "Size": len(entries)})
        entries.clear()
    manifest = {
        "DestinationBucket": bucket,
        "MapRunArn": map_run_arn,
        "ResultFiles": {status: [f for f in files if str(f["Key"]).endswith(f"/{status}_0.json")] for status in groups},
    }
    manifest_key = f"{base}/manifest.json"
    storage.put_object(bucket, manifest_key, json.dumps(manifest, indent=1).encode())
    return {"MapRunArn": map_run_arn, "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key}}
