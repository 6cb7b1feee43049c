"""Unit tests of the conformance harness: placeholders, skip paths, JSON-text fields, Parallel normalisation,
the ledger and the scores. No interpreter needed: executions are faked from the recordings themselves."""

from __future__ import annotations

import json
import re
import time
import traceback
from typing import Any

import pytest

from tests.conformance import harness
from tests.conformance.harness import Matcher, compare_execution, parse_skip_path, rewrite_actual

# ---------------------------------------------------------------------------------------------------------------
# Placeholders
# ---------------------------------------------------------------------------------------------------------------


def test_bracket_placeholder_matches_any_text() -> None:
    m = Matcher()
    assert m.match_text(
        "arn:<partition>:states:<region>:111111111111:execution:<ExecArnPart_0idx>:x",
        "arn:<partition>:states:<region>:111111111111:execution:sm-1234:x",
    )
    assert m.match_text("<uuid:1>", "0b9c2d5e-1111-2222-3333-444455556666")
    assert m.match_text("<uuid:1>", "")  # any text, the empty one too
    assert not m.match_text("id-<uuid:1>", "ID-abc")  # the literal part still counts


def test_nested_placeholder_is_one_wildcard() -> None:
    assert Matcher().match_text("<<task_token>:1>", "AAAA-token")
    assert Matcher().is_wildcard("<<task_token>:1>")


def test_listed_tokens_are_wildcards_too() -> None:
    m = Matcher(placeholders=["snf_role_arn", "bucket-name"])
    assert m.match_text("snf_role_arn", "arn:aws:iam::111111111111:role/sfn")
    assert m.match_text("s3://bucket-name/key", "s3://my-bucket-17/key")
    assert not Matcher().match_text("snf_role_arn", "arn:aws:iam::111111111111:role/sfn")


def test_partition_and_region_are_literal_after_rewriting() -> None:
    m = Matcher(placeholders=["<region>"])  # even when listed, they are not wildcards
    actual = rewrite_actual("arn:aws:lambda:us-east-1:111111111111:function:f")
    assert actual == "arn:<partition>:lambda:<region>:111111111111:function:f"
    assert m.match_text("arn:<partition>:lambda:<region>:111111111111:function:f", actual)
    assert not m.match_text(
        "arn:<partition>:lambda:<region>:111111111111:function:f",
        rewrite_actual("arn:aws:lambda:eu-west-1:111111111111:function:f"),
    )


def test_rewrite_reaches_nested_values_and_keys() -> None:
    assert rewrite_actual({"us-east-1": ["arn:aws:s3:::b", 1, None]}) == {
        "<region>": ["arn:<partition>:s3:::b", 1, None]
    }


def test_regex_characters_in_recordings_are_literal() -> None:
    m = Matcher()
    assert m.match_text("a.b*(c)<uuid:1>[d]", "a.b*(c)xyz[d]")
    assert not m.match_text("a.b<uuid:1>", "aXbzz")


def test_whole_value_placeholder_matches_any_type() -> None:
    m = Matcher()
    assert m.compare({"Timestamp": "<timestamp>"}, {"Timestamp": 1700000000}) == []
    assert m.compare({"n": "<x>"}, {"n": {"deep": [1]}}) == []
    assert m.compare({"n": "id-<x>"}, {"n": 5})  # a partial placeholder still wants a string


def test_recorder_date_words_match_timestamps_only() -> None:
    m = Matcher()
    assert m.compare({"StartTime": "date"}, {"StartTime": "2025-01-01T12:00:00Z"}) == []
    assert m.compare({"TimestampValue": "timestamp"}, {"TimestampValue": "2016-13-05T21:29:29Z"}) == []
    assert m.compare("date", "2016-03-05T21:29:29.243167252Z") == []
    assert m.compare("date", "05-12-2016T21:29:29Z") == []
    assert m.compare("date", "Mon, 01 Jan 2024 00:00:00 GMT") == []
    assert m.compare("date", "tomorrow")
    assert m.compare({"kind": "timestamp"}, {"kind": "string"})


# ---------------------------------------------------------------------------------------------------------------
# Structural comparison
# ---------------------------------------------------------------------------------------------------------------


def test_kinds_are_strict() -> None:
    m = Matcher()
    assert m.compare(1, True)  # JSON true is not 1
    assert m.compare(True, 1)
    assert m.compare(3, 3.0)  # AWS writes 3, not 3.0
    assert m.compare(None, "")
    assert m.compare(0.5, 0.5) == []
    assert m.compare([1, {"a": "b"}], [1, {"a": "b"}]) == []


def test_diff_says_where_and_what() -> None:
    diffs = Matcher().compare({"a": {"b": [1, 2]}, "gone": 1}, {"a": {"b": [1, 3]}, "extra": True}, ("output",))
    text = [str(d) for d in diffs]
    assert "$.output.a.b[1]: expected 2, got 3" in text
    assert "$.output.gone: missing; expected 1" in text
    assert "$.output.extra: unexpected field, value true" in text
    assert [str(d) for d in Matcher().compare(3, 3.0)] == [
        "$: expected 3, got 3.0 (a float where AWS wrote an integer)"
    ]


def test_array_length_difference_is_reported_once_with_item_diffs() -> None:
    diffs = [str(d) for d in Matcher().compare([1, 2, 3], [1, 9])]
    assert diffs == ["$: expected 3 items, got 2", "$[1]: expected 2, got 9"]


def test_json_text_fields_compare_parsed() -> None:
    m = Matcher()
    assert m.compare_json_text("[[1, 2, 3], [4, 5, 6]]", "[[1,2,3],[4,5,6]]") == []
    assert m.compare_json_text({"a": 1}, '{"a":1}') == []
    assert m.compare_json_text("1", "1.0")  # parsed, kinds still count
    assert m.compare_json_text({"a": 1}, "not json")
    assert m.compare_json_text("Condition is false", "Condition is false") == []
    assert m.compare_json_text("stateExitedEventDetails.output", '{"x": 1}')  # not a token here...
    assert (
        Matcher(placeholders=["stateExitedEventDetails.output"]).compare_json_text(
            "stateExitedEventDetails.output", '{"x": 1}'
        )
        == []
    )  # ...but a listed one matches anything
    assert m.compare_json_text({"arn": "arn:<partition>:states:::x"}, '{"arn":"arn:aws:states:::x"}') == []


# ---------------------------------------------------------------------------------------------------------------
# Skip paths
# ---------------------------------------------------------------------------------------------------------------


def test_parse_skip_paths() -> None:
    assert parse_skip_path("$..SdkHttpMetadata") == ((True, "SdkHttpMetadata"),)
    assert parse_skip_path("$..events[4].previousEventId") == ((True, "events"), (False, 4), (False, "previousEventId"))
    assert parse_skip_path("$..events..stateEnteredEventDetails.input") == (
        (True, "events"),
        (True, "stateEnteredEventDetails"),
        (False, "input"),
    )
    assert parse_skip_path("$..['odd key']")[0] == (True, "odd key")
    with pytest.raises(ValueError, match="must start with"):
        parse_skip_path("events")
    with pytest.raises(ValueError, match="cannot read"):
        parse_skip_path("$..events(4)")


def test_skip_paths_match_prefixes_at_any_depth() -> None:
    m = Matcher(skip_paths=["$..SdkHttpMetadata", "$..events[4].previousEventId", "$..output.Cause"])
    assert m.skipped(("events", 3, "taskSucceededEventDetails", "output", "SdkHttpMetadata", "HttpHeaders"))
    assert m.skipped(("events", 4, "previousEventId"))
    assert not m.skipped(("events", 5, "previousEventId"))
    assert not m.skipped(("events", 4, "id"))
    assert m.skipped(("output", "Cause"))
    assert not m.skipped(("output", "Error"))
    assert not m.skipped(("cause",))  # JSONPath keys are case-sensitive


def test_skipped_fields_are_not_compared() -> None:
    m = Matcher(skip_paths=["$..SdkHttpMetadata", "$..RedriveCount"])
    expected = {"Payload": 1, "SdkHttpMetadata": {"AllHttpHeaders": {}}}
    assert m.compare(expected, {"Payload": 1}) == []
    assert m.compare(expected, {"Payload": 1, "SdkHttpMetadata": "other", "RedriveCount": 0}) == []
    assert m.compare(expected, {"Payload": 2})


# ---------------------------------------------------------------------------------------------------------------
# Parallel normalisation (reconstructed from the recordings)
# ---------------------------------------------------------------------------------------------------------------


def _ev(i: int, prev: int, kind: str, **details: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"id": i, "previousEventId": prev, "type": kind, "timestamp": "t"}
    if details:
        key = {
            "Entered": "stateEnteredEventDetails",
            "Exited": "stateExitedEventDetails",
        }[next(s for s in ("Entered", "Exited") if kind.endswith(s))]
        event[key] = details
    return event


def test_parallel_sort_sorts_the_last_group_and_drops_the_closing_event() -> None:
    history = [
        _ev(1, 0, "ExecutionStarted"),
        _ev(2, 0, "ParallelStateEntered", name="P", input="{}"),
        _ev(3, 2, "ParallelStateStarted"),
        _ev(4, 3, "PassStateEntered", name="B2", input="{}"),
        _ev(5, 3, "PassStateEntered", name="B1", input="{}"),
        _ev(6, 4, "PassStateExited", name="B2", output="{}"),
        _ev(7, 5, "PassStateExited", name="B1", output="{}"),
        _ev(8, 7, "ParallelStateSucceeded"),
        _ev(9, 7, "ParallelStateExited", name="P", output="[{},{}]"),
        _ev(10, 9, "ExecutionSucceeded"),
    ]
    out = harness.sort_parallel_events(history)
    assert [e["type"] for e in out] == [
        "ExecutionStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "PassStateEntered",
        "PassStateEntered",
        "PassStateExited",
        "PassStateExited",
        "ParallelStateExited",
        "ExecutionSucceeded",
    ]
    assert [e["stateEnteredEventDetails"]["name"] for e in out[3:5]] == ["B1", "B2"]
    assert all(e["id"] == [0] and e["previousEventId"] == 0 for e in out[3:7])
    assert history[3]["id"] == 4  # the input is not mutated


def test_parallel_sort_nested_matches_the_recording() -> None:
    # AWS's history of a Parallel in a Parallel; the recording kept ids 1,2,3,[0],5,[0],[0],11,12.
    history = [
        _ev(1, 0, "ExecutionStarted"),
        _ev(2, 0, "ParallelStateEntered", name="L1", input="[]"),
        _ev(3, 2, "ParallelStateStarted"),
        _ev(4, 3, "ParallelStateEntered", name="L2", input="[]"),
        _ev(5, 4, "ParallelStateStarted"),
        _ev(6, 5, "PassStateEntered", name="B", input="[]"),
        _ev(7, 6, "PassStateExited", name="B", output="[]"),
        _ev(8, 7, "ParallelStateSucceeded"),
        _ev(9, 7, "ParallelStateExited", name="L2", output="[[]]"),
        _ev(10, 9, "ParallelStateSucceeded"),
        _ev(11, 9, "ParallelStateExited", name="L1", output="[[[]]]"),
        _ev(12, 11, "ExecutionSucceeded"),
    ]
    out = harness.sort_parallel_events(history)
    assert [e["id"] for e in out] == [1, 2, 3, [0], 5, [0], [0], 11, 12]


def test_a_history_without_parallel_end_events_gets_a_hint() -> None:
    case = _case(events_order="parallel_sorted", expected={"events": ["ExecutionStarted", "ParallelStateStarted"]})
    events = [_ev(1, 0, "ExecutionStarted"), _ev(2, 1, "ParallelStateStarted"), _ev(3, 2, "ExecutionSucceeded")]
    result = compare_execution(case, FakeExecution(output={"a": 1}, events=events))
    assert result.events.diffs[0].startswith("note: the history has ParallelStateStarted but no ParallelStateSucceeded")


# ---------------------------------------------------------------------------------------------------------------
# Ledger
# ---------------------------------------------------------------------------------------------------------------


def test_ledger_parsing() -> None:
    text = "# header\n\ncase_a  # Map ToleratedFailure not implemented\n  case_b # jsonata $random\n"
    assert harness.parse_ledger(text) == {"case_a": "Map ToleratedFailure not implemented", "case_b": "jsonata $random"}
    with pytest.raises(harness.LedgerError, match=r":1: 'case_a' has no reason"):
        harness.parse_ledger("case_a\n")
    with pytest.raises(harness.LedgerError, match="listed twice"):
        harness.parse_ledger("a # x\na # y\n")
    with pytest.raises(harness.LedgerError, match="contains a space"):
        harness.parse_ledger("a b # x\n")


def test_the_shipped_ledger_parses() -> None:
    harness.load_ledger()


# ---------------------------------------------------------------------------------------------------------------
# Lambda handlers from sources
# ---------------------------------------------------------------------------------------------------------------


def test_handler_is_loaded_in_a_fresh_namespace() -> None:
    fn = harness.load_handler({"source": "X = []\ndef handler(event, context):\n    X.append(1)\n    return event\n"})
    other = harness.load_handler(
        {"source": "X = []\ndef handler(event, context):\n    X.append(1)\n    return event\n"}
    )
    assert fn({"a": 1}, None) == {"a": 1}
    assert fn.__globals__["X"] == [1] and other.__globals__["X"] == []


def test_handler_sleep_is_virtual_and_reaches_the_context() -> None:
    source = "import time\nfrom time import sleep\n\ndef handler(event, context):\n    time.sleep(60)\n    sleep(5)\n    return event\n"
    fn = harness.load_handler({"source": source})

    class Ctx:
        def __init__(self) -> None:
            self.slept: list[float] = []

        def sleep(self, s: float) -> None:
            self.slept.append(s)

    ctx = Ctx()
    t0 = time.perf_counter()
    assert fn(7, ctx) == 7
    assert time.perf_counter() - t0 < 1
    assert ctx.slept == [60, 5]
    assert fn.sfnkit_clock.slept == [60.0, 5.0]
    assert fn(8, object()) == 8  # a context without sleep is fine too


def test_handler_traceback_looks_like_lambda() -> None:
    fn = harness.load_handler(
        {"source": 'def handler(event, context):\n    raise Exception("Some exception was raised.")\n'}
    )
    with pytest.raises(Exception, match="Some exception") as info:
        fn({}, None)
    frames = traceback.extract_tb(info.value.__traceback__)[-1:]
    assert traceback.format_list(frames) == [
        '  File "/var/task/handler.py", line 2, in handler\n    raise Exception("Some exception was raised.")\n'
    ]


def test_handler_name_must_exist() -> None:
    with pytest.raises(ValueError, match="defines no callable 'main'"):
        harness.load_handler({"source": "def handler(e, c):\n    pass\n", "handler": "main", "path": "x.py"})


# ---------------------------------------------------------------------------------------------------------------
# Scores on small hand-made cases
# ---------------------------------------------------------------------------------------------------------------


def _case(**over: Any) -> harness.Case:
    data: dict[str, Any] = {
        "id": "c1",
        "source": "tests/x.py::test_x",
        "definition": {},
        "input": {},
        "expected": {
            "status": "SUCCEEDED",
            "output": {"a": 1},
            "error": None,
            "cause": None,
            "cause_is_json": False,
            "events": None,
            "events_full": None,
        },
        "features": ["pass"],
        "runnable_locally": True,
    }
    expected = over.pop("expected", {})
    data.update(over)
    data["expected"] = {**data["expected"], **expected}
    return harness.Case.from_json(data)


class FakeExecution:
    def __init__(
        self,
        status: str = "SUCCEEDED",
        output: Any = None,
        error: Any = None,
        cause: Any = None,
        events: list[dict[str, Any]] | None = None,
    ) -> None:
        self.status, self.output, self.error, self.cause = status, output, error, cause
        self.history = {"events": events or []}


def test_output_score() -> None:
    case = _case()
    assert compare_execution(case, FakeExecution(output={"a": 1})).passed
    result = compare_execution(case, FakeExecution(status="FAILED", error="States.Runtime", cause="boom"))
    assert not result.passed
    assert result.output.diffs == (
        '$.status: expected "SUCCEEDED", got "FAILED"',
        '$.output: expected {"a": 1}, got null (a null, not an object)',
        '$.error: expected null, got "States.Runtime" (a string, not a null)',
        '$.cause: expected null, got "boom" (a string, not a null)',
    )
    assert result.events.matched is None and result.events_full.matched is None


def test_cause_is_json_compares_parsed() -> None:
    case = _case(
        expected={
            "status": "FAILED",
            "output": None,
            "error": "Exception",
            "cause_is_json": True,
            "cause": '{"errorMessage": "m", "requestId": "<uuid:1>", "errorType": "Exception"}',
        }
    )
    actual = '{"errorType":"Exception","errorMessage":"m","requestId":"6f1e"}'
    assert compare_execution(case, FakeExecution("FAILED", error="Exception", cause=actual)).passed
    assert not compare_execution(case, FakeExecution("FAILED", error="Exception", cause="m")).passed


def test_events_and_events_full_scores() -> None:
    full = [
        {
            "id": 1,
            "previousEventId": 0,
            "type": "ExecutionStarted",
            "executionStartedEventDetails": {
                "input": {},
                "inputDetails": {"truncated": False},
                "roleArn": "snf_role_arn",
            },
        },
        {
            "id": 2,
            "previousEventId": 1,
            "type": "ExecutionSucceeded",
            "executionSucceededEventDetails": {"output": {"a": 1}, "outputDetails": {"truncated": False}},
        },
    ]
    case = _case(
        placeholders=["snf_role_arn"],
        expected={"events": ["ExecutionStarted", "ExecutionSucceeded"], "events_full": full},
    )
    good = [
        {
            "id": 1,
            "previousEventId": 0,
            "type": "ExecutionStarted",
            "timestamp": 0.0,
            "executionStartedEventDetails": {
                "input": "{}",
                "inputDetails": {"truncated": False},
                "roleArn": "arn:aws:iam::111111111111:role/x",
            },
        },
        {
            "id": 2,
            "previousEventId": 1,
            "type": "ExecutionSucceeded",
            "timestamp": 0.0,
            "executionSucceededEventDetails": {"output": '{"a":1}', "outputDetails": {"truncated": False}},
        },
    ]
    result = compare_execution(case, FakeExecution(output={"a": 1}, events=good))
    assert result.passed and result.events_full.matched, result.describe()

    wrong_detail = json.loads(json.dumps(good))
    wrong_detail[1]["executionSucceededEventDetails"]["output"] = '{"a":2}'
    result = compare_execution(case, FakeExecution(output={"a": 1}, events=wrong_detail))
    assert result.passed and result.events_full.matched is False  # events_full is reported, not failed
    assert result.events_full.diffs == (
        "event #2 ExecutionSucceeded: $.events[1].executionSucceededEventDetails.output.a: expected 1, got 2",
    )

    result = compare_execution(case, FakeExecution(output={"a": 1}, events=good[:1]))
    assert not result.passed
    assert result.events.diffs[0] == (
        "expected 2 events, got 1; first difference at event #2: expected ExecutionSucceeded, got the end"
    )
    assert "-ExecutionSucceeded" in result.events.diffs


def test_describe_is_short_and_readable() -> None:
    text = compare_execution(_case(), FakeExecution(output={"a": 2})).describe()
    assert text.splitlines() == [
        "c1: FAIL",
        "  output: DIFFERS",
        "      $.output.a: expected 1, got 2",
        "  events: not recorded",
        "  events_full: not recorded",
    ]


def test_evaluate_records_exceptions() -> None:
    def run(*args: Any, **kwargs: Any) -> Any:
        assert kwargs["account"] == "111111111111" and kwargs["region"] == "us-east-1"
        raise NotImplementedError("Map is not implemented")

    result = harness.evaluate(_case(), run)
    assert not result.passed and isinstance(result.exception, NotImplementedError)
    assert "the run raised NotImplementedError: Map is not implemented" in result.describe()


def test_summary_counts_per_feature_and_without_the_matrix() -> None:
    matrix = _case(id="m1", source="tests/choice_operators/test_is_operators.py::t", features=["choice"])
    other = _case(id="o1", features=["pass", "choice"])
    results = [
        compare_execution(matrix, FakeExecution(output={"a": 1})),
        compare_execution(other, FakeExecution(output={"a": 0})),
    ]
    summary = harness.summarise(results, ledger={"o1": "known"})
    assert summary["total"]["output"] == {"passed": 1, "total": 2, "rate": 0.5}
    assert summary["total_without_choice_matrix"]["output"] == {"passed": 0, "total": 1, "rate": 0.0}
    assert summary["by_feature"]["choice"]["all"]["cases"] == 2
    assert summary["by_feature"]["choice"]["without_choice_matrix"]["cases"] == 1
    assert summary["counts"]["choice_matrix"] == 1 and summary["counts"]["in_ledger"] == 1
    lines = harness.format_summary(summary)
    assert any(line.startswith("TOTAL") for line in lines)
    json.dumps(summary)  # the report is JSON


# ---------------------------------------------------------------------------------------------------------------
# Round trip over the real recordings: an "interpreter" that replays AWS's own result must score 100 %
# ---------------------------------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"<(?:[^<>]|<[^<>]*>)+>")


def _concrete(value: Any, tokens: list[str]) -> Any:
    """Turn a recorded value into one AWS could have produced: placeholders filled, partition/region real."""
    if isinstance(value, str):
        text = value.replace("<partition>", "\0P").replace("<region>", "\0R")
        text = _TOKEN_RE.sub("v4lue", text)
        for token in tokens:
            text = text.replace(token, "v4lue")
        return text.replace("\0P", "aws").replace("\0R", "us-east-1")
    if isinstance(value, dict):
        return {k: _concrete(v, tokens) for k, v in value.items()}
    if isinstance(value, list):
        return [_concrete(v, tokens) for v in value]
    return value


def _as_text(value: Any, tokens: list[str]) -> str:
    if isinstance(value, str):
        value = _concrete(value, tokens)
        try:  # re-serialise compactly, as AWS would, to prove that whitespace does not count
            return json.dumps(json.loads(value), separators=(",", ":"))
        except ValueError:
            return value
    return json.dumps(_concrete(value, tokens), separators=(",", ":"))


def _replay(case: harness.Case) -> FakeExecution:
    exp, tokens = case.expected, [t for t in case.placeholders if t not in ("<partition>", "<region>")]
    events: list[dict[str, Any]] = []
    if exp.events_full is not None:
        for e in exp.events_full:
            event: dict[str, Any] = {"timestamp": 1.0}
            for key, value in e.items():
                if key.endswith("EventDetails"):
                    value = {
                        f: (
                            _as_text(v, tokens)
                            if f in ("input", "output", "parameters", "cause")
                            else _concrete(v, tokens)
                        )
                        for f, v in value.items()
                    }
                event[key] = value
            events.append(event)
    elif exp.events is not None:
        events = [{"id": i + 1, "previousEventId": i, "type": t} for i, t in enumerate(exp.events)]
    cause = _as_text(exp.cause, tokens) if exp.cause is not None else None
    return FakeExecution(exp.status, _concrete(exp.output, tokens), exp.error, cause, events)


def _recorded_cases() -> tuple[harness.Case, ...]:
    try:
        return harness.load_cases()
    except (OSError, ValueError):
        return ()


@pytest.mark.skipif(not _recorded_cases(), reason="the shared conformance cases are not beside the repository")
def test_replaying_aws_results_scores_everything() -> None:
    failures = []
    for case in _recorded_cases():
        if case.events_order == "parallel_sorted":
            continue  # the recording is already normalised; covered by the sort tests above
        result = compare_execution(case, _replay(case))
        if not (result.passed and result.events_full.matched is not False):
            failures.append(result.describe())
    assert not failures, "\n".join(failures[:5])


@pytest.mark.skipif(not _recorded_cases(), reason="the shared conformance cases are not beside the repository")
def test_a_changed_output_is_noticed_in_every_case() -> None:
    missed = []
    for case in _recorded_cases():
        fake = _replay(case)
        fake.status = "ABORTED"  # no recording ended ABORTED with a matching output
        fake.output = {"unexpected": True}
        if compare_execution(case, fake).output.matched:
            missed.append(case.id)
    assert not missed
