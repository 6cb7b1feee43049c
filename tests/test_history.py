"""The history contract: event-type table, HistoryBuilder, History and the boto round trip."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfnkit.history import History, HistoryBuilder, HistoryEvent, JsonText, encode_json
from sfnkit.history import events as et

T0 = 1_700_000_000.0


# ---------------------------------------------------------------------------------------------------------
# the event-type table, checked against botocore's service model


@pytest.fixture(scope="module")
def sfn_model() -> dict[str, Any]:
    loaders = pytest.importorskip("botocore.loaders")
    return loaders.Loader().load_service_model("stepfunctions", "service-2")  # type: ignore[no-any-return]


def test_event_types_are_botocores(sfn_model: dict[str, Any]) -> None:
    enum = sfn_model["shapes"]["HistoryEventType"]["enum"]
    assert [t.name for t in et.EVENT_TYPES] == enum
    assert len(et.EVENT_TYPE_NAMES) == len(enum)


def test_details_keys_and_shapes_match_botocore(sfn_model: dict[str, Any]) -> None:
    members = sfn_model["shapes"]["HistoryEvent"]["members"]
    detail_members = {k for k in members if k.endswith("EventDetails")}
    used = set()
    for row in et.EVENT_TYPES:
        if row.details_key is None:
            # no member named after the type, and not a state entered/exited event
            assert row.name[:1].lower() + row.name[1:] + "EventDetails" not in members, row.name
            assert not row.name.endswith(("StateEntered", "StateExited")), row.name
            continue
        assert row.details_key in members, row
        assert members[row.details_key]["shape"] == row.details_shape, row
        used.add(row.details_key)
    assert used == detail_members  # every details member of HistoryEvent belongs to some type


def test_details_key_examples() -> None:
    assert et.DETAILS_KEY["TaskStateEntered"] == "stateEnteredEventDetails"
    assert et.DETAILS_KEY["MapStateExited"] == "stateExitedEventDetails"
    assert et.DETAILS_KEY["LambdaFunctionScheduled"] == "lambdaFunctionScheduledEventDetails"
    assert et.DETAILS_KEY["MapIterationStarted"] == "mapIterationStartedEventDetails"
    assert et.DETAILS_KEY["LambdaFunctionStarted"] is None
    assert et.DETAILS_KEY["ParallelStateStarted"] is None
    assert et.DETAILS_KEY["TaskStateAborted"] is None
    # types added by AWS after this table follow the naming rule
    assert et.details_key_for("FooStateEntered") == "stateEnteredEventDetails"
    assert et.details_key_for("WidgetPolished") == "widgetPolishedEventDetails"
    assert et.state_type_of("TaskStateAborted") == "Task"
    assert et.state_type_of("MapIterationStarted") is None
    assert et.TASK_STATE_ENTERED == "TaskStateEntered"
    assert et.STATE_ENTERED["Parallel"] == et.PARALLEL_STATE_ENTERED
    assert "Fail" not in et.STATE_EXITED


def test_json_text_fields_match_botocore(sfn_model: dict[str, Any]) -> None:
    shapes = sfn_model["shapes"]
    members = shapes["HistoryEvent"]["members"]
    text: dict[str, tuple[tuple[str, str | None], ...]] = {}
    maps: dict[str, tuple[tuple[str, str | None], ...]] = {}
    for key, member in members.items():
        if not key.endswith("EventDetails"):
            continue
        fields = shapes[member["shape"]]["members"]
        t = tuple(
            (f, f + "Details" if f + "Details" in fields else None)
            for f, m in fields.items()
            if m["shape"] in ("SensitiveData", "ConnectorParameters")
        )
        mp = tuple(
            (f, f + "Details" if f + "Details" in fields else None)
            for f, m in fields.items()
            if shapes[m["shape"]]["type"] == "map"
        )
        if t:
            text[key] = t
        if mp:
            maps[key] = mp
    assert dict(et.JSON_TEXT_FIELDS) == text
    assert dict(et.JSON_TEXT_MAP_FIELDS) == maps
    # the map of assigned variables holds JSON text values
    assert shapes["AssignedVariables"]["value"]["shape"] == "VariableValue"


def test_history_imports_neither_botocore_nor_the_runtime() -> None:
    # the history package sits below the runtime (DESIGN.md, layers) and reads botocore only in tests
    package = Path(et.__file__).parent
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(("botocore", "boto3", "sfnkit.runtime")), (module.name, name)
                if name.startswith("sfnkit."):
                    # sfnkit.frozen and sfnkit.gcpause: the base layer (they import nothing of sfnkit)
                    allowed = ("sfnkit.history", "sfnkit.asl.model", "sfnkit.frozen", "sfnkit.gcpause")
                    assert name.startswith(allowed), (module.name, name)


# ---------------------------------------------------------------------------------------------------------
# HistoryBuilder and materialisation


def small_history() -> History:
    b = HistoryBuilder()
    started = b.add("ExecutionStarted", 0, T0, {"input": JsonText('{"items": [1, 2]}'), "roleArn": "arn:role"})
    entered = b.add("PassStateEntered", 0, T0 + 0.25, {"name": "Init", "input": {"items": [1, 2]}})
    exited = b.add(
        "PassStateExited",
        entered,
        T0 + 0.5,
        {"name": "Init", "output": ["é", 1.5, None], "assignedVariables": {"x": 42, "s": "hi"}},
    )
    b.add("ExecutionSucceeded", exited, T0 + 1, {"output": "done"})
    assert started == 1
    return b.build()


def test_add_returns_contiguous_ids() -> None:
    b = HistoryBuilder()
    ids = [b.add("PassStateEntered", i, T0 + i, {"name": "S", "input": {}}) for i in range(5)]
    assert ids == [1, 2, 3, 4, 5]
    assert len(b) == 5 and b.last_id == 5
    assert [e.id for e in b.build()] == ids


def test_materialised_details_are_aws_shaped() -> None:
    h = small_history()
    start, entered, exited, end = h
    assert start.details == {
        "input": '{"items": [1, 2]}',  # JsonText: verbatim, AWS keeps the caller's spelling
        "inputDetails": {"truncated": False},
        "roleArn": "arn:role",
    }
    assert entered.details == {"name": "Init", "input": '{"items":[1,2]}', "inputDetails": {"truncated": False}}
    assert exited.details == {
        "name": "Init",
        "output": '["é",1.5,null]',  # compact, non-ASCII unescaped
        "outputDetails": {"truncated": False},
        "assignedVariables": {"x": "42", "s": '"hi"'},
        "assignedVariablesDetails": {"truncated": False},
    }
    assert end.details == {"output": '"done"', "outputDetails": {"truncated": False}}
    # sibling follows its field, in insertion order (as AWS sends them)
    assert list(entered.details) == ["name", "input", "inputDetails"]
    assert entered.timestamp == datetime.fromtimestamp(T0 + 0.25, UTC)
    assert entered.timestamp.tzinfo is not None


def test_event_helpers() -> None:
    h = small_history()
    start, entered, exited, end = h
    assert entered.details_key == "stateEnteredEventDetails"
    assert entered.state_name == "Init" and entered.state_type == "Pass"
    assert entered.input_value == {"items": [1, 2]}
    assert exited.output_value == ["é", 1.5, None]
    assert exited.assigned_variables == {"x": 42, "s": "hi"}
    assert start.output_value is None and start.state_name is None
    assert end.output_value == "done"
    b = HistoryBuilder()
    b.add(
        "TaskScheduled",
        0,
        T0,
        {"resourceType": "lambda", "resource": "invoke", "region": "us-east-1", "parameters": {"FunctionName": "f"}},
    )
    b.add("TaskFailed", 1, T0, {"resourceType": "lambda", "resource": "invoke", "error": "E", "cause": "c"})
    b.add("MapIterationStarted", 0, T0, {"name": "M", "index": 3})
    b.add("LambdaFunctionStarted", 0, T0, None)
    scheduled, failed, iteration, lambda_started = b.build()
    assert scheduled.parameters_value == {"FunctionName": "f"}
    assert scheduled.details is not None and "parametersDetails" not in scheduled.details
    assert failed.error == "E" and failed.cause == "c"
    assert iteration.map_name == "M" and iteration.map_index == 3
    assert lambda_started.details is None and lambda_started.details_key is None
    assert (
        "details" not in lambda_started.to_boto()
        and "lambdaFunctionStartedEventDetails" not in lambda_started.to_boto()
    )


def test_events_are_immutable() -> None:
    event = small_history()[1]
    with pytest.raises(AttributeError):
        event.type = "X"  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.details["name"] = "other"  # type: ignore[index]
    boto = event.to_boto()
    boto["stateEnteredEventDetails"]["name"] = "changed"  # a fresh copy: the event is untouched
    assert event.state_name == "Init"
    with pytest.raises(ValueError, match="no time zone"):
        HistoryEvent(id=1, previous_event_id=0, type="ExecutionStarted", timestamp=datetime(2024, 1, 1), details=None)


def test_builder_keeps_growing_and_snapshots_stay_fixed() -> None:
    b = HistoryBuilder()
    b.add("ExecutionStarted", 0, T0, {"input": {}, "roleArn": "r"})
    first = b.build()
    e = b.add("WaitStateEntered", 0, T0 + 1, {"name": "W", "input": {}})
    second = b.build()
    b.add("WaitStateExited", e, T0 + 2, {"name": "W", "output": {}})
    assert len(first) == 1 and len(second) == 2 and len(b.build()) == 3
    assert second[1] is b.build()[1]  # the event cache is shared between snapshots
    assert first != second and second == second and b.build() == b.build()
    assert first.status == "RUNNING"
    with pytest.raises(IndexError, match="has 2 events"):
        second[2]


def test_sequence_protocol() -> None:
    h = small_history()
    assert len(h) == 4
    assert h[-1].type == "ExecutionSucceeded"
    assert [e.id for e in h[1:3]] == [2, 3]
    assert h.get(3) is h[2] and h.get(99) is None
    assert h.index(h[2]) == 2 and h[2] in h
    assert h.status == "SUCCEEDED"


def test_repr() -> None:
    h = small_history()
    text = repr(h)
    assert text.startswith("<History: 4 events, SUCCEEDED, ExecutionStarted #1 .. ExecutionSucceeded #4")
    assert "+1s" in text
    assert repr(History([])) == "<History: 0 events>"
    assert "type='PassStateEntered'" in repr(h[1]) and "'name': 'Init'" in repr(h[1])
    long_output = HistoryBuilder()
    long_output.add("PassStateExited", 0, T0, {"name": "P", "output": "x" * 10_000})
    assert len(repr(long_output.build()[0])) < 400


def test_encode_json() -> None:
    assert encode_json({"a": [1, 2.5, None, True], "b": "é\n"}) == '{"a":[1,2.5,null,true],"b":"é\\n"}'
    assert encode_json("text") == '"text"'
    assert encode_json(JsonText("[1, 2]")) == "[1, 2]"
    assert encode_json(0.0) == "0.0"
    with pytest.raises(ValueError):
        encode_json(float("nan"))
    with pytest.raises(TypeError, match="set"):
        encode_json({1, 2})


# ---------------------------------------------------------------------------------------------------------
# to_boto / to_json / from_boto


def test_to_boto_is_get_execution_history_body() -> None:
    body = small_history().to_boto()
    assert list(body) == ["events"]
    first = body["events"][0]
    assert list(first) == ["timestamp", "type", "id", "previousEventId", "executionStartedEventDetails"]
    assert first["timestamp"] == datetime.fromtimestamp(T0, UTC)
    assert isinstance(first["executionStartedEventDetails"]["inputDetails"], dict)


def test_to_json_is_cli_output() -> None:
    text = small_history().to_json()
    doc = json.loads(text)
    assert doc["events"][1]["timestamp"] == "2023-11-14T22:13:20.250000+00:00"
    assert doc["events"][2]["stateExitedEventDetails"]["output"] == '["é",1.5,null]'
    assert "é" in text  # like the AWS CLI, no ASCII escaping
    assert text.startswith('{\n    "events": [')


def test_from_boto_accepts_every_form(tmp_path: Path) -> None:
    h = small_history()
    body = h.to_boto()
    assert History.from_boto(body) == h
    assert History.from_boto({**body, "ResponseMetadata": {"HTTPStatusCode": 200}, "nextToken": "t"}) == h
    assert History.from_boto(body["events"]) == h
    assert History.from_boto(h.to_json()) == h
    assert History.from_boto(h.to_json().encode()) == h
    path = tmp_path / "history.json"
    path.write_text(h.to_json(), encoding="utf-8")
    assert History.from_boto(path) == h
    assert History.from_boto(str(path)) == h
    assert History.from_boto(h) is h
    # several pages, as a list and as an iterator (a boto3 paginator yields pages)
    events = h.to_boto()["events"]
    pages = [{"events": events[:2], "nextToken": "a"}, {"events": events[2:]}]
    assert History.from_boto(pages) == h
    assert History.from_boto(iter(pages)) == h
    # reverseOrder=True
    assert History.from_boto({"events": list(reversed(events))}) == h


def test_from_boto_timestamps() -> None:
    h = small_history()
    events = h.to_boto()["events"]
    as_epoch = [{**e, "timestamp": e["timestamp"].timestamp()} for e in events]
    as_iso_z = [{**e, "timestamp": e["timestamp"].strftime("%Y-%m-%dT%H:%M:%S.%fZ")} for e in events]
    paris = timezone(timedelta(hours=1))
    as_local = [{**e, "timestamp": e["timestamp"].astimezone(paris).isoformat()} for e in events]
    naive = [{**e, "timestamp": e["timestamp"].replace(tzinfo=None)} for e in events]
    for variant in (as_epoch, as_iso_z, as_local, naive):
        loaded = History.from_boto(variant)
        assert loaded == h
        assert all(e.timestamp.tzinfo == UTC for e in loaded)


def test_from_boto_encodes_decoded_json_fields() -> None:
    # recordings (and some tools) store input/output decoded; a non-string value is encoded the AWS way
    raw = [
        {
            "id": 1,
            "previousEventId": 0,
            "type": "ExecutionStarted",
            "timestamp": T0,
            "executionStartedEventDetails": {"input": {"a": [1, 2]}, "inputDetails": {"truncated": False}},
        },
        {
            "id": 2,
            "previousEventId": 1,
            "type": "PassStateExited",
            "timestamp": T0,
            "stateExitedEventDetails": {"name": "P", "output": "[1, 2]", "assignedVariables": {"v": {"k": 1}}},
        },
    ]
    h = History.from_boto(raw)
    assert h[0].input_json == '{"a":[1,2]}'
    assert h[1].output_json == "[1, 2]"  # a string is the JSON text itself
    assert h[1].details is not None and h[1].details["assignedVariables"] == {"v": '{"k":1}'}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"nope": []}, "'events' list"),
        ([{"id": 1, "type": "ExecutionStarted"}], "no 'timestamp'"),
        ([{"id": "1", "type": "ExecutionStarted", "timestamp": T0}], "'id' must be an integer"),
        ([{"id": 1, "timestamp": T0}], "'type' must be an event type name"),
        ([{"id": 1, "type": "ExecutionStarted", "timestamp": "yesterday"}], "neither ISO 8601 nor epoch"),
        ([{"id": 1, "type": "ExecutionStarted", "timestamp": T0, "colour": "red"}], "unknown field 'colour'"),
        (
            [{"id": 1, "type": "TaskStateEntered", "timestamp": T0, "taskStateEnteredEventDetails": {}}],
            "under 'stateEnteredEventDetails'",
        ),
        (
            [{"id": 1, "type": "ParallelStateStarted", "timestamp": T0, "parallelStateStartedEventDetails": {}}],
            "have no details",
        ),
        (
            [
                {"id": 1, "type": "PassStateEntered", "timestamp": T0},
                {"id": 1, "type": "PassStateExited", "timestamp": T0},
            ],
            "two events with id 1",
        ),
        ([3], "item 0 is a int"),
    ],
)
def test_from_boto_says_what_is_wrong(doc: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        History.from_boto(doc)


def test_from_boto_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no file"):
        History.from_boto(str(tmp_path / "missing.json"))
    with pytest.raises(TypeError, match="cannot read a history from a int"):
        History.from_boto(42)


# ---------------------------------------------------------------------------------------------------------
# properties

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)


@st.composite
def builder_histories(draw: st.DrawFn) -> History:
    b = HistoryBuilder()
    n = draw(st.integers(0, 25))
    ts = draw(st.floats(1_500_000_000, 1_800_000_000, allow_nan=False).map(lambda x: round(x, 3)))
    for i in range(n):
        row = draw(st.sampled_from(et.EVENT_TYPES))
        details: dict[str, Any] | None = None
        if row.details_key is not None:
            details = {}
            if row.details_key in ("stateEnteredEventDetails", "stateExitedEventDetails"):
                details["name"] = draw(st.text(min_size=1, max_size=10))
            for field, _sibling in et.JSON_TEXT_FIELDS.get(row.details_key, ()):
                if draw(st.booleans()):
                    value = draw(json_values)
                    details[field] = JsonText(encode_json(value)) if draw(st.booleans()) else value
            for field, _sibling in et.JSON_TEXT_MAP_FIELDS.get(row.details_key, ()):
                if draw(st.booleans()):
                    details[field] = draw(st.dictionaries(st.text(min_size=1, max_size=5), json_values, max_size=3))
            if draw(st.booleans()):
                details["error"] = draw(st.text(max_size=10))
                details["cause"] = draw(st.text(max_size=30))
        ts += draw(st.integers(0, 5000)) / 1000
        b.add(row.name, draw(st.integers(0, i)), ts, details)
    return b.build()


@settings(max_examples=150, deadline=None)
@given(builder_histories())
def test_round_trip_through_boto_and_json(h: History) -> None:
    assert [e.id for e in h] == list(range(1, len(h) + 1))  # ids contiguous from 1
    assert all(0 <= e.previous_event_id < e.id for e in h)
    assert History.from_boto(h.to_boto()) == h
    assert History.from_boto(h.to_json()) == h
    assert History.from_boto(json.loads(h.to_json())["events"]) == h
    again = History.from_boto(h.to_boto())
    assert again.to_boto() == h.to_boto()
    for event in h:
        for field in ("input", "output"):
            if event.details is not None and field in event.details:
                json.loads(event.details[field])  # always valid JSON text


def test_event_kinds_number_each_kind_once_and_keep_restored_numbers() -> None:
    import pickle
    import threading

    from sfnkit.history.model import EventKinds

    kinds = EventKinds()
    assert kinds.io_kind("PassStateEntered", "A", "input") == 0
    assert kinds.plain_kind("ExecutionStarted") == 1
    assert kinds.io_kind("PassStateEntered", "A", "input") == 0 and len(kinds.table) == 2
    # a restored table keeps every number it gave, a duplicate entry included
    restored = EventKinds([("X", None, None), ("P", "A", "input"), ("X", None, None)])
    assert restored.table[2] == ("X", None, None) and restored.plain_kind("X") == 0
    assert pickle.loads(pickle.dumps(kinds)).table == kinds.table
    # threads adding the same new kinds at once get the same numbers, and each number reads back its kind
    shared = EventKinds()
    got: list[list[int]] = []

    def add() -> None:
        got.append([shared.io_kind("TaskStateEntered", f"S{i}", "input") for i in range(2000)])

    workers = [threading.Thread(target=add) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert all(g == got[0] for g in got) and len(shared.table) == 2000
    assert all(shared.table[k] == ("TaskStateEntered", f"S{i}", "input") for i, k in enumerate(got[0]))
