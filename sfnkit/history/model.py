"""Execution histories: ``HistoryEvent``, the immutable ``History`` and the interpreter's ``HistoryBuilder``.

A history is the product of a run (see DESIGN.md, "The history is the product"). Its shape is AWS's
``GetExecutionHistory`` response, field for field (botocore ``stepfunctions`` service model, shapes
``HistoryEvent`` and ``...EventDetails``): the same event types, ids, ``previousEventId`` links and
details objects, whether the history came from sfnkit's interpreter or from AWS.

Three objects share the work:

* ``HistoryBuilder`` is what the interpreter appends to on its hot path, in columns (an event's kind, previous
  id, timestamp and details or value: no object per event). The values of the JSON-text fields (``input``, ``output``, ``parameters``, the values of ``assignedVariables``)
  stay Python values until an event is looked at.
* ``History`` is an immutable ``Sequence[HistoryEvent]``. It materialises events lazily (encoding the
  JSON-text fields with AWS's compact encoding and adding the ``{"truncated": false}`` siblings) and caches
  them. ``to_boto()``/``to_json()``/``from_boto()`` convert to and from what boto3 and the AWS CLI give.
* ``HistoryEvent`` is one event, exactly as AWS describes it (details included), plus decoding helpers.

JSON text, the way AWS writes it: AWS stores state input and output as JSON text. Values it computed itself
are written compact (no space after ``,`` or ``:``: ``[{"a":1},"b"]``, ``0.0`` stays ``0.0``). Text it received
and passed on untouched keeps the sender's spelling: in the AWS recordings an execution started with
``[[1, 2, 3], [4, 5, 6]]`` shows exactly that text as the input of its first state, and the Parallel state
wrapping it outputs ``[[[[1, 2, 3], [4, 5, 6]]]]``. ``encode_json`` writes the compact form (non-ASCII left
unescaped: assumed, no AWS recording at hand has non-ASCII text); a top-level value wrapped in ``JsonText``
is written verbatim, so the interpreter can keep a received text as AWS does.
"""

from __future__ import annotations

import json
import os
import re
import reprlib
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, TypeVar, overload

from sfnkit.history.events import (
    EXECUTION_END_TYPES,
    JSON_TEXT_FIELDS,
    JSON_TEXT_MAP_FIELDS,
    details_key_for,
    state_type_of,
)

__all__ = [
    "EventKinds",
    "History",
    "HistoryBuilder",
    "HistoryEvent",
    "JsonText",
    "RawEvent",
    "decode_json",
    "encode_json",
]

T = TypeVar("T")

_TRUNCATED_FALSE: Final[Mapping[str, bool]] = MappingProxyType({"truncated": False})

# AWS's compact encoding. One encoder built once: json.dumps() with non-default options builds a new one per
# call, and JSONEncoder.encode() builds its C iterator per call; we build the C iterator once when we can.
_compact_encoder: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


# A lone UTF-16 surrogate is legal in a Python str (and, escaped, in JSON text) but has no UTF-8 form: text holding
# one cannot be written to a file, sent to the notebook front end or shown in HTML.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def join_surrogate_pairs(text: str) -> str:
    """``text`` with each high-low surrogate pair written as the one character it stands for (as JSON and UTF-16
    read it: ``"\\ud800\\udfff"`` is U+103FF); lone surrogates are left as they are."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def escape_surrogates(text: str) -> str:
    """``text`` with each lone surrogate written as the six characters ``\\udXXX`` (JSON's escape for it), so it
    has a UTF-8 form. In JSON text this keeps the value the same; elsewhere it shows what was there."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(_escape, text)


def _not_json(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _make_compact() -> Callable[[Any], str]:
    try:
        from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - CPython always has the accelerator
        c_make_encoder = None
    if c_make_encoder is None:  # pragma: no cover
        return _compact_encoder.encode
    # markers=None: no cycle check (JSON values from the interpreter are trees); allow_nan=False like AWS
    iterencode = c_make_encoder(None, _not_json, encode_basestring, None, ":", ",", False, False, False)

    def compact(value: Any) -> str:
        return "".join(iterencode(value, 0))

    return compact


_compact_fast: Final = _make_compact()


def _compact(value: Any) -> str:
    """AWS's compact JSON text of ``value``, integers past Python's integer-to-text limit included."""
    try:
        return _compact_fast(value)
    except ValueError as e:
        if "digits" not in str(e):
            raise
        try:
            return _compact_big_ints(value)
        except RecursionError:  # deep as well: as unencodable as the C encoder found it (callers handle ValueError)
            raise e from None


def copy_json_iteratively(root: Any, ints: Callable[[int], Any] | None = None) -> Any:
    """A deep copy of a JSON value without recursion (dicts and lists rebuilt, tuples as lists, scalars shared),
    for values nested deeper than Python's recursion limit allows (still JSON: AWS and the C encoder take them).
    ``ints`` replaces each integer (the long-integer writer below marks those too long for ``str()``)."""
    top: list[Any] = [None]
    todo: list[tuple[Any, Any, Any]] = [(root, top, 0)]
    while todo:
        v, into, key = todo.pop()
        if isinstance(v, dict):
            copy: dict[Any, Any] = dict.fromkeys(v)  # keys first: the copy keeps the order
            into[key] = copy
            todo.extend((x, copy, k) for k, x in v.items())
        elif isinstance(v, list | tuple):
            items: list[Any] = [None] * len(v)
            into[key] = items
            todo.extend((x, items, i) for i, x in enumerate(v))
        else:
            into[key] = ints(v) if ints is not None and type(v) is int else v
    return top[0]


def _compact_big_ints(value: Any) -> str:
    """The compact text of a value holding integers too long for ``str()`` (Python's 4,300-digit limit): each such
    integer is written in full through ``decimal`` (which has no such limit), so the history keeps what was
    recorded. Rare (the runtime refuses them from handlers and inputs); never on the hot path."""
    import decimal

    big: list[int] = []

    def placeholder(n: int) -> Any:
        try:
            str(n)
        except ValueError:
            big.append(n)
            return f"\x00sfnkit-big-int-{len(big) - 1}\x00"
        return n

    text = _compact_fast(copy_json_iteratively(value, ints=placeholder))
    for i, n in enumerate(big):
        text = text.replace(f'"\\u0000sfnkit-big-int-{i}\\u0000"', format(decimal.Decimal(n), "f"), 1)
    return text


def _parse_int(text: str) -> int:
    """``int(text)`` for JSON numbers of any length (``int()`` refuses more than 4,300 digits)."""
    try:
        return int(text)
    except ValueError:
        import decimal

        return int(decimal.Decimal(text))


class JsonText(str):
    """JSON text to be written into a history verbatim (already encoded; not encoded again).

    ``HistoryBuilder.add()`` encodes the values of JSON-text fields; a ``JsonText`` value is taken as the
    finished text instead (e.g. the execution input exactly as the caller spelled it). Only a top-level
    value is recognised: a ``JsonText`` nested inside a list or dict is encoded as a JSON string.
    """

    __slots__ = ()


def encode_json(value: Any) -> str:
    """Encode ``value`` the way AWS writes JSON text into a history: compact, non-ASCII kept as is.

    A ``JsonText`` is returned unchanged. NaN and infinities are not JSON and raise ``ValueError``.
    """
    if isinstance(value, JsonText):
        return escape_surrogates(str(value))
    return escape_surrogates(_compact(value))


def decode_json(text: str | None) -> Any:
    """Decode JSON text from a history (``None`` stays ``None``); integers of any length are read."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError as e:
        if "digits" not in str(e):
            raise
        return json.loads(text, parse_int=_parse_int)


def _freeze(value: Any) -> Any:
    """Read-only view of a details object: dicts become ``MappingProxyType``, recursively."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    """A fresh, mutable copy of a frozen details object (plain dicts and lists, as boto3 returns)."""
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


# details key -> {field: (is a map of JSON texts, sibling or None)}
_JSON_FIELDS: Final[Mapping[str, Mapping[str, tuple[bool, str | None]]]] = {
    key: {
        **{field: (False, sibling) for field, sibling in JSON_TEXT_FIELDS.get(key, ())},
        **{field: (True, sibling) for field, sibling in JSON_TEXT_MAP_FIELDS.get(key, ())},
    }
    for key in {*JSON_TEXT_FIELDS, *JSON_TEXT_MAP_FIELDS}
}
_SCALARS: Final = frozenset((str, int, float, bool, type(None), JsonText))


def _text_safe(value: Any) -> Any:
    """A plain text field (error, cause, name...) with any lone surrogate escaped; other values as they are."""
    return escape_surrogates(value) if isinstance(value, str) else value


def _encode_details(details_key: str | None, details: Mapping[str, Any]) -> Mapping[str, Any]:
    """Materialise builder details: encode JSON-text fields, add their ``{"truncated": false}`` siblings."""
    fields = _JSON_FIELDS.get(details_key or "")
    if fields is None:
        return MappingProxyType({k: _freeze(_text_safe(v)) for k, v in details.items()})
    out: dict[str, Any] = {}
    for key, value in details.items():
        spec = fields.get(key)
        if spec is None:
            out[key] = _text_safe(value) if value.__class__ in _SCALARS else _freeze(value)
            continue
        is_map, sibling = spec
        if is_map:
            out[key] = MappingProxyType({name: encode_json(v) for name, v in value.items()})
        else:
            # a lone surrogate in a string value is written as JSON's \udXXX escape: the text decodes to the
            # same value and, unlike the raw character, can be written to a file or sent to the notebook
            out[key] = escape_surrogates(str(value) if value.__class__ is JsonText else _compact(value))
        if sibling is not None and sibling not in details:
            out[sibling] = _TRUNCATED_FALSE
    return MappingProxyType(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryEvent:
    """One event of an execution history, as ``GetExecutionHistory`` returns it.

    ``details`` is AWS's details object for this event type (read-only), or ``None`` for the types that
    have none. Its JSON-text fields are *text*: ``details["input"] == '{"a":1}'``; use ``input_value``.
    """

    id: int
    previous_event_id: int
    type: str
    timestamp: datetime
    details: Mapping[str, Any] | None

    def __post_init__(self) -> None:
        if self.timestamp.tzinfo is None:
            raise ValueError(
                f"HistoryEvent {self.id} ({self.type}): timestamp {self.timestamp.isoformat()} has no time zone; "
                "history timestamps are aware datetimes in UTC"
            )

    def __hash__(self) -> int:
        # details may hold read-only mappings, which are not hashable; id and type identify an event in a history
        return hash((self.id, self.type, self.previous_event_id))

    @property
    def details_key(self) -> str | None:
        """The name of the details member (``"stateEnteredEventDetails"``), or ``None`` if there is none."""
        return details_key_for(self.type) if self.details is not None else None

    @property
    def state_type(self) -> str | None:
        """The ASL state type of a ``<Type>State...`` event (``"Task"``), else ``None``."""
        return state_type_of(self.type)

    @property
    def state_name(self) -> str | None:
        """The state this event is about: ``name`` of a state entered/exited event, ``state`` of an
        ``EvaluationFailed`` event, else ``None`` (Map iteration events name their Map state: see ``map_name``)."""
        return named_state(self.type, self.details)

    def _get(self, field: str) -> Any:
        return None if self.details is None else self.details.get(field)

    def _text(self, field: str) -> str | None:
        value = self._get(field)
        return value if isinstance(value, str) else None

    @property
    def input_json(self) -> str | None:
        """The ``input`` JSON text of the details, or ``None``."""
        return self._text("input")

    @property
    def output_json(self) -> str | None:
        """The ``output`` JSON text of the details, or ``None``."""
        return self._text("output")

    @property
    def input_value(self) -> Any:
        """The decoded ``input`` (``None`` when absent; a JSON ``null`` also decodes to ``None``)."""
        return decode_json(self.input_json)

    @property
    def output_value(self) -> Any:
        """The decoded ``output`` (``None`` when absent; a JSON ``null`` also decodes to ``None``)."""
        return decode_json(self.output_json)

    @property
    def parameters_value(self) -> Any:
        """The decoded ``parameters`` of a ``TaskScheduled`` event, or ``None``."""
        return decode_json(self._get("parameters"))

    @property
    def assigned_variables(self) -> dict[str, Any] | None:
        """The decoded ``assignedVariables`` of a state exited event (name -> value), or ``None``."""
        assigned = self._get("assignedVariables")
        return None if assigned is None else {k: decode_json(v) for k, v in assigned.items()}

    @property
    def error(self) -> str | None:
        """The ``error`` of a failure event's details, or ``None``."""
        return self._text("error")

    @property
    def cause(self) -> str | None:
        """The ``cause`` of a failure event's details, or ``None``."""
        return self._text("cause")

    @property
    def map_name(self) -> str | None:
        """The Map state's name in a ``MapIteration...`` event, else ``None``."""
        return self._get("name") if self.type.startswith("MapIteration") else None

    @property
    def map_index(self) -> int | None:
        """The iteration index in a ``MapIteration...`` event, else ``None``."""
        return self._get("index") if self.type.startswith("MapIteration") else None

    def to_boto(self) -> dict[str, Any]:
        """This event as boto3 returns it: camelCase keys, ``timestamp`` a datetime, fresh mutable dicts."""
        out: dict[str, Any] = {
            "timestamp": self.timestamp,
            "type": self.type,
            "id": self.id,
            "previousEventId": self.previous_event_id,
        }
        if self.details is not None:
            out[details_key_for(self.type) or "details"] = _thaw(self.details)
        return out

    def __repr__(self) -> str:
        details = "None" if self.details is None else _short_repr.repr(_thaw(self.details))
        return (
            f"HistoryEvent(id={self.id}, previous_event_id={self.previous_event_id}, type={self.type!r}, "
            f"timestamp={self.timestamp.isoformat()!r}, details={details})"
        )


_short_repr = reprlib.Repr()
_short_repr.maxstring = 80
_short_repr.maxother = 80
_short_repr.maxdict = 8
_short_repr.maxlevel = 3

#: One event as :meth:`History.raw_event` gives it: ``(id, type, previous event id, timestamp, details)``.
RawEvent = tuple[int, str, int, float | datetime, Mapping[str, Any] | None]

# A builder record: (type, previous_event_id, timestamp as epoch seconds, raw details or None).
_Record = tuple[str, int, float, "dict[str, Any] | None"]


def named_state(type_: str, details: Mapping[str, Any] | None) -> str | None:
    """:attr:`HistoryEvent.state_name` from an event's type and details, encoded or raw (:meth:`History.raw_event`):
    the one rule, for views that read big histories without materialising their events."""
    if details is None:
        return None
    if type_.endswith(("StateEntered", "StateExited")):
        return details.get("name")
    if type_ == "EvaluationFailed":
        return details.get("state")
    return None


def _materialise(record: _Record | HistoryEvent, position: int) -> HistoryEvent:
    if isinstance(record, HistoryEvent):
        return record
    type_, previous_event_id, timestamp, details = record
    return HistoryEvent(
        id=position + 1,
        previous_event_id=previous_event_id,
        type=type_,
        timestamp=datetime.fromtimestamp(timestamp, UTC),
        details=None if details is None else _encode_details(details_key_for(type_), details),
    )


class History(Sequence[HistoryEvent]):
    """An immutable execution history: a ``Sequence[HistoryEvent]`` in event-id order.

    Build one with ``HistoryBuilder.build()`` (the interpreter) or ``History.from_boto()`` (AWS). Events are
    materialised on first access and cached. Derived views (``sfnkit.history.views``) are memoised on the
    instance through ``cached()``, so reports and widgets reading the same history share one computation.
    """

    __slots__ = ("_derived", "_events", "_length", "_records")

    def __init__(
        self,
        records: Sequence[_Record | HistoryEvent],
        length: int | None = None,
        *,
        _events: dict[int, HistoryEvent] | None = None,
    ) -> None:
        self._records = records
        self._length = len(records) if length is None else length
        # position -> materialised event; may be shared with the builder and with other snapshots of it
        self._events: dict[int, HistoryEvent] = {} if _events is None else _events
        self._derived: dict[str, Any] = {}

    # -- Sequence ---------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> HistoryEvent: ...

    @overload
    def __getitem__(self, index: slice) -> list[HistoryEvent]: ...

    def __getitem__(self, index: int | slice) -> HistoryEvent | list[HistoryEvent]:
        if isinstance(index, slice):
            return [self._event(i) for i in range(*index.indices(self._length))]
        n = self._length
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"history index {index} out of range: the history has {n} events")
        return self._event(index)

    def _event(self, position: int) -> HistoryEvent:
        event = self._events.get(position)
        if event is None:
            event = _materialise(self._records[position], position)
            self._events[position] = event
        return event

    def __iter__(self) -> Iterator[HistoryEvent]:
        for position in range(self._length):
            yield self._event(position)

    def get(self, event_id: int) -> HistoryEvent | None:
        """The event with id ``event_id``, or ``None``."""
        position = event_id - 1
        if 0 <= position < self._length:
            event = self._event(position)
            if event.id == event_id:
                return event
        # a history loaded from a partial page need not start at id 1
        lo, hi = 0, self._length
        while lo < hi:
            mid = (lo + hi) // 2
            mid_id = self._event(mid).id
            if mid_id < event_id:
                lo = mid + 1
            else:
                hi = mid
        if lo < self._length and self._event(lo).id == event_id:
            return self._event(lo)
        return None

    def raw_event(self, position: int) -> RawEvent:
        """The event at ``position`` as a :data:`RawEvent` ``(id, type, previous id, timestamp, details)``, without
        materialising a :class:`HistoryEvent` or encoding any JSON text: for views that read big histories.

        ``timestamp`` is epoch seconds (an interpreter's history) or a ``datetime`` (one read from AWS), and
        ``details`` may be the interpreter's *raw* details: JSON-text fields (``input``, ``output``...) not encoded
        and no ``...Details`` siblings. Read only the other fields (``name``, ``index``, ``resource``, ``error``...)
        from it; ``self[position]`` gives the event as AWS writes it.
        """
        record = self._records[position]
        if isinstance(record, HistoryEvent):
            return record.id, record.type, record.previous_event_id, record.timestamp, record.details
        type_, previous_event_id, timestamp, details = record
        return position + 1, type_, previous_event_id, timestamp, details

    def raw_events(self, start: int = 0) -> Iterator[RawEvent]:
        """:meth:`raw_event` for every position from ``start`` to the end, in order."""
        records = self._records
        if type(records) is _Columns:  # an interpreter's history: its columns' own iterator (no generator between)
            return records.raw(max(0, start), self._length)
        return self._raw_records(start)

    def _raw_records(self, start: int) -> Iterator[RawEvent]:
        records = self._records
        for position in range(max(0, start), self._length):
            record = records[position]
            if isinstance(record, HistoryEvent):
                yield record.id, record.type, record.previous_event_id, record.timestamp, record.details
            else:
                type_, previous_event_id, timestamp, details = record
                yield position + 1, type_, previous_event_id, timestamp, details

    # -- identity ---------------------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, History):
            return NotImplemented
        if self is other:
            return True
        if self._length != other._length:
            return False
        if self._records is other._records:
            return True
        return all(self._event(i) == other._event(i) for i in range(self._length))

    def __hash__(self) -> int:
        if not self._length:
            return hash(0)
        last = self._event(self._length - 1)
        return hash((self._length, last.id, last.type))

    def cached(self, key: str, compute: Callable[[History], T]) -> T:
        """Memoise a derived view on this (immutable) history: ``compute(self)`` runs once per key."""
        try:
            return self._derived[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self._derived[key] = compute(self)
            return value

    # -- conversions ------------------------------------------------------------------------------------
    def to_boto(self) -> dict[str, Any]:
        """The ``GetExecutionHistory`` response body boto3 returns: ``{"events": [...]}`` (fresh dicts)."""
        return {"events": [event.to_boto() for event in self]}

    def to_json(self, *, indent: int | None = 4) -> str:
        """The JSON that ``aws stepfunctions get-execution-history`` prints (timestamps in ISO 8601, UTC)."""
        return json.dumps(self.to_boto(), indent=indent, ensure_ascii=False, default=_json_default)

    @classmethod
    def from_boto(cls, source: Any) -> History:
        """Read an execution history as AWS gives it.

        ``source`` may be a boto3 ``get_execution_history`` response (``{"events": [...], ...}``), several
        pages of it (a list of responses, or a boto3 paginator's iterator), a list of event dicts, the JSON
        text of any of these (as ``aws stepfunctions get-execution-history`` prints it), a path to a file
        holding that JSON, or a ``History`` (returned as is). Timestamps may be datetimes, ISO 8601 strings
        or epoch seconds; naive datetimes are taken as UTC. Events given in reverse order (``reverseOrder``)
        are put back in id order. JSON-text fields given as decoded values (dict, list, number, ...) are
        encoded with AWS's compact encoding; a string is taken as the JSON text itself.
        """
        if isinstance(source, History):
            return source
        raw_events = _collect_events(_load_source(source))
        events = [_event_from_boto(raw, position) for position, raw in enumerate(raw_events)]
        if any(events[i].id >= events[i + 1].id for i in range(len(events) - 1)):
            events.sort(key=lambda event: event.id)
            for i in range(len(events) - 1):
                if events[i].id == events[i + 1].id:
                    raise ValueError(
                        f"history has two events with id {events[i].id} ({events[i].type} and "
                        f"{events[i + 1].type}); event ids must be unique"
                    )
        return cls(events, _events=dict(enumerate(events)))

    # -- display ----------------------------------------------------------------------------------------
    @property
    def status(self) -> str:
        """``"SUCCEEDED"``, ``"FAILED"``, ``"TIMED_OUT"``, ``"ABORTED"`` from the last event, else ``"RUNNING"``."""
        if not self._length:
            return "RUNNING"
        return EXECUTION_END_TYPES.get(self.raw_event(self._length - 1)[1], "RUNNING")

    def __repr__(self) -> str:
        n = self._length
        if not n:
            return "<History: 0 events>"
        first, last = self._event(0), self._event(n - 1)
        span = last.timestamp - first.timestamp
        return (
            f"<History: {n} event{'s' if n != 1 else ''}, {self.status}, "
            f"{first.type} #{first.id} .. {last.type} #{last.id}, "
            f"{first.timestamp.isoformat()} +{span.total_seconds():g}s>"
        )


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write a {type(value).__name__} into history JSON: {value!r}")


class EventKinds:
    """The kinds of event a builder has recorded, numbered in the order first seen: a kind is an event type, or,
    for a state's Entered/Exited event and a ``MapIteration...`` event, the triple (type, state name, details
    key). A builder keeps each event's kind number (4 bytes) where it kept its type and a details tuple.

    One table may serve several builders: a Distributed Map's child executions record into builders that share
    their parent's, so 100,000 children do not carry 100,000 copies of the same few kinds."""

    __slots__ = ("_first", "_lock", "io", "plain", "table")

    def __init__(self, table: Iterable[tuple[str, str | None, str | None]] = ()) -> None:
        self.table: list[tuple[str, str | None, str | None]] = []
        """kind number -> (type, state name or None, details key or None)"""
        self.plain: dict[str, int] = {}
        """type -> kind number of its events whose details are given whole (a dict or None)"""
        self.io: dict[tuple[str, str, str], int] = {}
        """(type, name, key) -> kind number of the events whose details are ``{"name": name, key: value}``"""
        self._first: dict[tuple[str, str | None, str | None], int] = {}  # entry -> its first number
        self._lock = threading.Lock()
        for entry in table:  # verbatim: numbers already given to events stay theirs
            self._append(entry)

    def _append(self, entry: tuple[str, str | None, str | None]) -> int:
        table = self.table
        kind = self._first.setdefault(entry, len(table))
        table.append(entry)
        type_, name, key = entry
        if name is None:
            return self.plain.setdefault(type_, kind)
        return self.io.setdefault((type_, name, key), kind)  # type: ignore[arg-type]

    def _add(self, entry: tuple[str, str | None, str | None]) -> int:
        # A new kind (each state's first Entered and Exited event): numbered under a lock, so that two threads
        # adding kinds at once cannot take each other's numbers. (Finding the number with table.index(entry)
        # instead, lock-free, scanned the whole table for every new kind: a run of a 5,000-state chain took
        # 4.8 s instead of 0.13 s, quadratic in its states.)
        with self._lock:
            kind = self._first.get(entry)
            if kind is None:
                return self._append(entry)
        type_, name, key = entry
        return self.plain[type_] if name is None else self.io[(type_, name, key)]  # type: ignore[index]

    def plain_kind(self, type_: str) -> int:
        """The kind of ``type_`` events whose details are kept whole, added on first use."""
        kind = self.plain.get(type_)
        return self._add((type_, None, None)) if kind is None else kind

    def io_kind(self, type_: str, name: str, key: str) -> int:
        """The kind of ``type_`` events with details ``{"name": name, key: value}``, added on first use."""
        kind = self.io.get((type_, name, key))
        return self._add((type_, name, key)) if kind is None else kind

    def __getstate__(self) -> list[tuple[str, str | None, str | None]]:
        return self.table

    def __setstate__(self, table: list[tuple[str, str | None, str | None]]) -> None:
        self.__init__(table)  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"<EventKinds: {len(self.table)} kinds>"


class HistoryBuilder:
    """The interpreter's append-only event log; ``build()`` gives ``History`` snapshots of it.

    ``add()`` is on the interpreter's hot path: it appends to four columns and returns the new event id (ids
    start at 1 and are contiguous). ``details`` is kept by reference and encoded only when an event is looked
    at, so neither the dict nor the values in it may be changed after ``add()``. In the JSON-text fields
    (``input``, ``output``, ``parameters``, the values of ``assignedVariables``) pass Python values (a ``str``
    is a JSON string and gets quoted) or a ``JsonText`` holding finished JSON text; the
    ``inputDetails``/``outputDetails``/``assignedVariablesDetails`` siblings (``{"truncated": false}``) are
    added on materialisation. Other fields are AWS's, verbatim (``name``, ``error``, ``cause``, ``resource``...).
    """

    # Columns rather than a tuple per event: a history of 10,000 events is then a few lists and arrays instead
    # of 10,000 tuples that the garbage collector would scan again and again during the run (measured: the
    # tuples cost a Map of 1,000 Tasks about 5% of its time, in collections).
    # The kinds, previous ids and timestamps are machine-word arrays (4 and 8 bytes an event instead of a
    # pointer and an int or float object). The commonest details, a state's {"name", "input"|"output"} and a
    # Map iteration's {"index", "name"}, are not kept as such: the kind (an index into a small EventKinds table)
    # says the type, the name and the key, and the value column holds the value itself. A 100,000-item Map
    # records 600,000 events: a (name, key, value) tuple each took 73 bytes (44 MiB with the type column; and a
    # tuple holding a dict stays tracked by the garbage collector, which scanned 200,000 of them in every full
    # collection); the kind and the value now take 12 (bench/visits.py).
    __slots__ = ("_events", "_io", "_kind_table", "_kinds", "_plain", "_prevs", "_times", "_values", "_view")

    def __init__(self, kinds: EventKinds | None = None) -> None:
        self._kind_table = EventKinds() if kinds is None else kinds
        self._io = self._kind_table.io  # the table's dicts, bound once: read on every add
        self._plain = self._kind_table.plain
        self._kinds: array[int] = array("I")
        self._prevs: array[int] = array("q")
        self._times: array[float] = array("d")
        self._values: list[Any] = []  # the details (dict or None), or for a state I/O kind the value alone
        self._events: dict[int, HistoryEvent] = {}
        self._view = _Columns(self._kind_table.table, self._kinds, self._prevs, self._times, self._values)

    @property
    def kinds(self) -> EventKinds:
        """The table of event kinds this builder numbers its events by (shareable with other builders)."""
        return self._kind_table

    def add(
        self,
        type: str,
        previous_event_id: int,
        timestamp: float,
        details: dict[str, Any] | None = None,
    ) -> int:
        """Append an event; return its id."""
        kind = self._plain.get(type)
        self._kinds.append(self._kind_table.plain_kind(type) if kind is None else kind)
        self._prevs.append(previous_event_id)
        self._times.append(timestamp)
        column = self._values
        column.append(details)
        return len(column)

    def add_state_io(self, type: str, previous_event_id: int, timestamp: float, name: str, key: str, value: Any) -> int:
        """``add(type, previous_event_id, timestamp, {"name": name, key: value})``, kept compactly."""
        kind = self._io.get((type, name, key))
        self._kinds.append(self._kind_table.io_kind(type, name, key) if kind is None else kind)
        self._prevs.append(previous_event_id)
        self._times.append(timestamp)
        column = self._values
        column.append(value)
        return len(column)

    def __len__(self) -> int:
        return len(self._values)

    def discard_last(self) -> None:
        """Take back the event just added (the interpreter's history limit), before anything has read it."""
        position = len(self._values) - 1
        for column in (self._kinds, self._prevs, self._times, self._values):
            column.pop()
        self._events.pop(position, None)

    def heal(self) -> None:
        """Make the columns one length again: a KeyboardInterrupt can land between two of ``add()``'s appends
        (Python checks for signals after a call returns), leaving an event half-added that would shift every
        later one. The execution calls this when it ends, before it records its last events (never lose)."""
        columns: tuple[list[Any] | array[Any], ...] = (self._kinds, self._prevs, self._times, self._values)
        lengths = {len(column) for column in columns}
        if len(lengths) == 1:
            return  # the usual case: nothing half-added
        length = min(lengths)
        for column in columns:
            del column[length:]
        for position in [p for p in self._events if p >= length]:
            del self._events[position]

    @property
    def last_id(self) -> int:
        """The id of the last event added (0 when empty)."""
        return len(self._values)

    def types_since(self, position: int) -> list[str]:
        """The types of the events from ``position`` (0-based) on, read from the columns: no event is built."""
        table = self._kind_table.table
        return [table[kind][0] for kind in self._kinds[position:]]

    def count_since(self, position: int, types: frozenset[str]) -> int:
        """How many events from ``position`` (0-based) on have a type in ``types``: one pass over the kind
        column, no type read per event (``repr(ex)`` of a run of 600,000 events counts its transitions)."""
        flags = [type_ in types for type_, _name, _key in self._kind_table.table]
        return sum(map(flags.__getitem__, self._kinds[position:])) if position < len(self._kinds) else 0

    def __getstate__(self) -> tuple[EventKinds, bytes, bytes, bytes, list[Any]]:
        """The columns only (the event cache is rebuilt on demand): how a worker process of
        ``run_many(processes=...)`` sends a finished history back. The kind table is pickled as an object, so
        builders that share one still share it when unpickled together."""
        return self._kind_table, self._kinds.tobytes(), self._prevs.tobytes(), self._times.tobytes(), self._values

    def __setstate__(self, state: tuple[EventKinds, bytes, bytes, bytes, list[Any]]) -> None:
        kinds, kind_bytes, prevs, times, values = state
        self.__init__(kinds)  # type: ignore[misc]
        self._kinds.frombytes(kind_bytes)
        self._prevs.frombytes(prevs)
        self._times.frombytes(times)
        self._values.extend(values)

    def build(self) -> History:
        """A ``History`` of the events added so far. Cheap: it shares the columns and the event cache."""
        return History(self._view, len(self._values), _events=self._events)

    def __repr__(self) -> str:
        return f"<HistoryBuilder: {len(self._values)} events>"


class PackedBuilder:
    """A finished :class:`HistoryBuilder`, pickled, unpickled on first use.

    ``run_many(processes=N)``'s workers send histories back in this form: this process then pays one ``bytes``
    object per execution when the batch arrives, and decodes a history only when something reads it (decoding
    all of them costs about as much as running a small pipeline: 0.2 s for 2,000 of the demo's). Stands in for
    the builder of a finished execution: ``len()``, ``last_id``, ``types_since()``, ``count_since()`` and
    ``build()``.
    """

    __slots__ = ("_blob", "_builder", "_length")

    def __init__(self, builder: HistoryBuilder) -> None:

        self._blob: bytes | None = _pickled(builder)
        self._length = len(builder)
        self._builder: HistoryBuilder | None = None

    def __getstate__(self) -> tuple[bytes | None, int]:
        return (self._blob if self._builder is None else _pickled(self._builder)), self._length

    def __setstate__(self, state: tuple[bytes, int]) -> None:
        self._blob, self._length = state
        self._builder = None

    def _unpacked(self) -> HistoryBuilder:
        if self._builder is None:
            import pickle

            assert self._blob is not None
            self._builder = pickle.loads(self._blob)  # our own worker's bytes, never outside data
            self._blob = None
        return self._builder

    def __len__(self) -> int:
        return self._length

    @property
    def last_id(self) -> int:
        return self._length

    def types_since(self, position: int) -> list[str]:
        return [] if position >= self._length else self._unpacked().types_since(position)

    def count_since(self, position: int, types: frozenset[str]) -> int:
        return 0 if position >= self._length else self._unpacked().count_since(position, types)

    def build(self) -> History:
        return self._unpacked().build()

    def __repr__(self) -> str:
        return f"<PackedBuilder: {self._length} events{'' if self._builder is None else ', unpacked'}>"


def _pickled(builder: HistoryBuilder) -> bytes:
    import pickle

    return pickle.dumps(builder, protocol=pickle.HIGHEST_PROTOCOL)


class _Columns(Sequence[_Record]):
    """A builder's events as ``(type, previous id, timestamp, details)`` records, read from its columns."""

    # the columns themselves, not the builder: a builder holding a view that holds it back would be a
    # reference cycle, and a finished execution would wait for the cycle collector to be freed
    __slots__ = ("_kinds", "_prevs", "_table", "_times", "_values")

    def __init__(
        self,
        table: list[tuple[str, str | None, str | None]],
        kinds: array[int],
        prevs: array[int],
        times: array[float],
        values: list[Any],
    ) -> None:
        self._table, self._kinds, self._prevs, self._times, self._values = table, kinds, prevs, times, values

    def __len__(self) -> int:
        return len(self._values)

    @overload
    def __getitem__(self, position: int) -> _Record: ...

    @overload
    def __getitem__(self, position: slice) -> list[_Record]: ...

    def __getitem__(self, position: int | slice) -> _Record | list[_Record]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        type_, name, key = self._table[self._kinds[position]]
        details = self._values[position]
        if name is not None:
            # MapIteration* details read {"index": i, "name": ...}, as AWS writes them; state I/O {"name", key}
            details = {key: details, "name": name} if key == "index" else {"name": name, key: details}
        return type_, self._prevs[position], self._times[position], details

    def raw(self, start: int, stop: int) -> Iterator[RawEvent]:
        """The events from ``start`` to ``stop`` as :data:`RawEvent` tuples, read in one pass over the columns
        (``History.raw_events``: the history views read every event of a big run this way)."""
        table, kinds, prevs, times, values = self._table, self._kinds, self._prevs, self._times, self._values
        for position in range(start, stop):
            type_, name, key = table[kinds[position]]
            details = values[position]
            if name is not None:
                details = {key: details, "name": name} if key == "index" else {"name": name, key: details}
            yield position + 1, type_, prevs[position], times[position], details


# ---------------------------------------------------------------------------------------------------------
# from_boto helpers

_EVENT_KEYS: Final = frozenset(("timestamp", "type", "id", "previousEventId"))


def _load_source(source: Any) -> Any:
    if isinstance(source, bytes | bytearray):
        source = source.decode("utf-8")
    if isinstance(source, str):
        stripped = source.lstrip()
        if stripped.startswith(("{", "[")):
            return decode_json(source)
        path = Path(source)
    elif isinstance(source, os.PathLike):
        path = Path(source)
    else:
        return source
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"History.from_boto: no file {str(path)!r}; pass a boto3 response, a list of events, JSON text "
            "or the path of a JSON file"
        ) from None
    return decode_json(text)


def _collect_events(doc: Any) -> list[Mapping[str, Any]]:
    if isinstance(doc, Mapping):
        if "events" not in doc:
            raise ValueError(
                f"History.from_boto: a dict must be a GetExecutionHistory response with an 'events' list; "
                f"got keys {sorted(doc)[:8]}"
            )
        events = doc["events"]
        if not isinstance(events, list | tuple):
            raise ValueError(f"History.from_boto: 'events' must be a list, not {type(events).__name__}")
        return list(events)
    if isinstance(doc, Iterable) and not isinstance(doc, str | bytes):
        items = list(doc)
        out: list[Mapping[str, Any]] = []
        for i, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise ValueError(
                    f"History.from_boto: item {i} is a {type(item).__name__}; expected an event dict or a "
                    "response page with 'events'"
                )
            if "events" in item and "type" not in item:
                out.extend(_collect_events(item))  # a page of a paginated response
            else:
                out.append(item)
        return out
    raise TypeError(
        f"History.from_boto: cannot read a history from a {type(doc).__name__}; pass a boto3 response, pages of "
        "responses, a list of events, JSON text or a path"
    )


def _parse_timestamp(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            try:
                return datetime.fromtimestamp(float(value), UTC)
            except ValueError:
                raise ValueError(f"{where}: timestamp {value!r} is neither ISO 8601 nor epoch seconds") from None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise ValueError(
        f"{where}: timestamp must be a datetime, an ISO 8601 string or epoch seconds, not {type(value).__name__}"
    )


def _details_from_boto(details_key: str, details: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(details, Mapping):
        raise ValueError(f"{where}: {details_key} must be an object, not {type(details).__name__}")
    text_fields = dict(JSON_TEXT_FIELDS.get(details_key, ()))
    map_fields = dict(JSON_TEXT_MAP_FIELDS.get(details_key, ()))
    out: dict[str, Any] = {}
    for key, value in details.items():
        if key in text_fields and not isinstance(value, str):
            value = encode_json(value)
        elif key in map_fields and isinstance(value, Mapping):
            value = {k: v if isinstance(v, str) else encode_json(v) for k, v in value.items()}
        out[key] = _freeze(value)
    return MappingProxyType(out)


def _event_from_boto(raw: Mapping[str, Any], position: int) -> HistoryEvent:
    where = f"History.from_boto: event at position {position}"
    type_ = raw.get("type")
    if not isinstance(type_, str):
        raise ValueError(f"{where}: 'type' must be an event type name (e.g. 'TaskStateEntered'), got {type_!r}")
    event_id = raw.get("id")
    if not isinstance(event_id, int) or isinstance(event_id, bool):
        raise ValueError(f"{where} ({type_}): 'id' must be an integer, got {event_id!r}")
    where = f"History.from_boto: event {event_id} ({type_})"
    previous = raw.get("previousEventId", 0)
    if not isinstance(previous, int) or isinstance(previous, bool):
        raise ValueError(f"{where}: 'previousEventId' must be an integer, got {previous!r}")
    if "timestamp" not in raw:
        raise ValueError(f"{where}: no 'timestamp'; every GetExecutionHistory event has one")
    timestamp = _parse_timestamp(raw["timestamp"], where)
    expected_key = details_key_for(type_)
    details: Mapping[str, Any] | None = None
    for key, value in raw.items():
        if key in _EVENT_KEYS:
            continue
        if not key.endswith("EventDetails"):
            raise ValueError(
                f"{where}: unknown field {key!r}; an event has 'timestamp', 'type', 'id', 'previousEventId' "
                "and one '...EventDetails' object"
            )
        if key != expected_key:
            raise ValueError(
                f"{where}: details under {key!r}, but AWS puts the details of a {type_} event under {expected_key!r}"
                if expected_key
                else f"{where}: {type_} events have no details, got {key!r}"
            )
        details = _details_from_boto(key, value, where)
    return HistoryEvent(id=event_id, previous_event_id=previous, type=type_, timestamp=timestamp, details=details)
