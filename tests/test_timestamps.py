"""ASL timestamps: which strings Step Functions reads as one, and how it writes one (sfnkit.asl.timestamps)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sfnkit.asl.timestamps import format_timestamp, is_timestamp, parse_timestamp, timestamp_nanos
from tests.conformance.harness import cases_dir

CASES_DIR = cases_dir()

ACCEPTED = [
    "2016-03-14T01:59:00Z",  # the spec's example
    "2016-03-05T21:29:29.243167252Z",  # nine fraction digits (recorded on AWS)
    "2024-01-01T00:00:00.000000Z",  # recorded
    "2024-01-01T00:00:00.00Z",  # recorded
    "2016-12-05T21:29:29.5Z",
    "2012-10-09T19:00:55+01:00",
    "2012-10-09T19:00:55-05:30",
    "2012-10-09T19:00:55+01",  # Java's lenient offset: hours alone
    "2012-10-09T19:00:55+01:00:30",
    "2012-10-09T19:00:55+18:00",
    "2012-10-09T19:00:55-00:00",
    "2016-12-05t21:29:29z",  # Java parses case-insensitively (TestState, third-party measurement)
    "2016-12-05T21:29Z",  # seconds are optional in ISO_OFFSET_DATE_TIME (same measurement)
    "2016-02-29T00:00:00Z",  # a leap day
    "2016-12-05T21:29:29.Z",  # Java's fraction parser takes "." with no digit
]

REJECTED = [
    "2016-12-05T25:29:29Z",  # hour 25 (recorded on AWS)
    "05-12-2016T21:29:29Z",  # day first (recorded)
    "2016-13-05T21:29:29Z",  # month 13 (recorded)
    "2024-01-01T00:00:00",  # no offset (recorded)
    "2024-01-01T00:00:00.000000",  # no offset (recorded)
    "2016-02-30T21:29:29Z",  # February 30
    "2015-02-29T00:00:00Z",  # not a leap year
    "2016-12-05 21:29:29Z",  # space instead of T
    "2016-12-05T24:00:00Z",  # Java's strict resolver refuses 24:00
    "2016-12-05T23:59:60Z",  # no leap seconds
    "2016-12-05T21:29:29.1234567890Z",  # ten fraction digits
    "2016-12-05T21:29:29+0100",  # offset without its colon
    "2016-12-05T21:29:29+18:01",  # beyond java.time.ZoneOffset's range
    "2016-12-05T21:29:29+01:60",
    "2016-12-05T21:29.5Z",  # a fraction needs seconds
    "2016-12-05",
    "2016-12-05T21Z",
    "16-12-05T21:29:29Z",
    " 2016-12-05T21:29:29Z",
    "2016-12-05T21:29:29Z ",
    "2016-12-05T21:29:29ZZ",
    "２016-12-05T21:29:29Z",  # a full-width digit
    "0000-01-01T00:00:00Z",  # Java reads year 0; datetime cannot (documented limit)
    "+10000-01-01T00:00:00Z",
    "",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted(text: str) -> None:
    assert parse_timestamp(text) is not None
    assert timestamp_nanos(text) is not None
    assert is_timestamp(text)


@pytest.mark.parametrize("text", REJECTED)
def test_rejected(text: str) -> None:
    assert parse_timestamp(text) is None
    assert timestamp_nanos(text) is None
    assert not is_timestamp(text)


@pytest.mark.parametrize("value", [None, 0, 1.5, True, [], {}, ["2016-03-14T01:59:00Z"]])
def test_non_strings_are_never_timestamps(value: object) -> None:
    assert parse_timestamp(value) is None  # type: ignore[arg-type]
    assert timestamp_nanos(value) is None
    assert not is_timestamp(value)


def test_the_offset_is_kept_and_applied() -> None:
    parsed = parse_timestamp("2012-10-09T19:00:55+01:00")
    assert parsed == datetime(2012, 10, 9, 19, 0, 55, tzinfo=timezone(timedelta(hours=1)))
    assert parsed.utcoffset() == timedelta(hours=1)  # type: ignore[union-attr]
    assert timestamp_nanos("2012-10-09T19:00:55+01:00") == timestamp_nanos("2012-10-09T18:00:55Z")
    assert timestamp_nanos("2012-10-09T19:00:55+01") == timestamp_nanos("2012-10-09T18:00:55Z")
    assert timestamp_nanos("2012-10-09T19:00:55-00:00") == timestamp_nanos("2012-10-09T19:00:55Z")


def test_nanos_are_exact_and_datetime_keeps_microseconds() -> None:
    assert timestamp_nanos("1970-01-01T00:00:00Z") == 0
    assert timestamp_nanos("1970-01-01T00:00:01.000000001Z") == 1_000_000_001
    assert timestamp_nanos("1969-12-31T23:59:59.5Z") == -500_000_000
    assert timestamp_nanos("2016-12-05T21:29:29Z") == 1_480_973_369 * 10**9
    assert timestamp_nanos("2016-03-05T21:29:29.243167252Z") == 1_457_213_369_243_167_252
    assert parse_timestamp("2016-03-05T21:29:29.243167252Z") == datetime(2016, 3, 5, 21, 29, 29, 243167, tzinfo=UTC)
    # One nanosecond apart: distinct instants for the Choice operators, equal once squeezed into a datetime.
    a, b = "2016-03-05T21:29:29.000000001Z", "2016-03-05T21:29:29.000000002Z"
    assert timestamp_nanos(a) != timestamp_nanos(b)
    assert parse_timestamp(a) == parse_timestamp(b)
    # Trailing zeros do not change the instant.
    assert timestamp_nanos("2024-01-01T00:00:00.00Z") == timestamp_nanos("2024-01-01T00:00:00Z")


def test_format_timestamp_writes_the_context_object_form() -> None:
    assert format_timestamp(datetime(2019, 3, 26, 20, 14, 13, 192_000, tzinfo=UTC)) == "2019-03-26T20:14:13.192Z"
    # Truncated, not rounded; and no fraction when the milliseconds are zero (as Instant.toString()).
    assert format_timestamp(datetime(2019, 3, 26, 20, 14, 13, 192_999, tzinfo=UTC)) == "2019-03-26T20:14:13.192Z"
    assert format_timestamp(datetime(2025, 2, 3, 4, 5, 6, tzinfo=UTC)) == "2025-02-03T04:05:06Z"
    assert format_timestamp(datetime(2025, 2, 3, 4, 5, 6, 999, tzinfo=UTC)) == "2025-02-03T04:05:06Z"
    assert format_timestamp(datetime(2025, 2, 3, 4, 5, 6, 1_000, tzinfo=UTC)) == "2025-02-03T04:05:06.001Z"
    assert format_timestamp(datetime(2025, 2, 3, 4, 5, 6, 100_000, tzinfo=UTC)) == "2025-02-03T04:05:06.100Z"
    # Other offsets are converted to UTC.
    plus_two = timezone(timedelta(hours=2))
    assert format_timestamp(datetime(2025, 1, 1, 1, 0, 0, tzinfo=plus_two)) == "2024-12-31T23:00:00Z"


def test_format_timestamp_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        format_timestamp(datetime(2025, 1, 1))


@pytest.mark.parametrize("millis", [0, 1, 999, 1_000, 1_480_973_369_243, 1_704_067_200_000, 253_402_300_799_999])
def test_what_is_written_reads_back(millis: int) -> None:
    when = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)
    text = format_timestamp(when)
    assert parse_timestamp(text) == when
    assert timestamp_nanos(text) == millis * 1_000_000


def _wait_cases() -> list[tuple[str, str, bool]]:
    """(case id, timestamp text, AWS accepted it) for every recorded Wait that reads a timestamp from the input."""
    found: list[tuple[str, str, bool]] = []
    for path in sorted(CASES_DIR.glob("*.json")) if CASES_DIR.is_dir() else []:
        case = json.loads(path.read_text())
        for state in case["definition"].get("States", {}).values():
            if state.get("Type") != "Wait":
                continue
            source = state.get("TimestampPath") or state.get("Timestamp")
            if not isinstance(source, str):
                continue
            # "$.key" (JSONPath) or "{% $states.input.key %}" (JSONata) over an object input.
            key = source.removeprefix("$.").removeprefix("{% $states.input.").removesuffix(" %}")
            if not isinstance(case["input"], dict) or key not in case["input"]:
                continue  # e.g. "$startAt", a variable assigned by an earlier state
            expected = case["expected"]
            failed_on_it = expected["status"] == "FAILED" and "ISO-8601" in (expected["cause"] or "")
            found.append((case["id"], case["input"][key], not failed_on_it))
    return found


WAIT_CASES = _wait_cases()


@pytest.mark.skipif(not CASES_DIR.is_dir(), reason=f"conformance cases not found at {CASES_DIR}")
def test_the_recorded_wait_cases_are_found() -> None:
    assert len(WAIT_CASES) >= 10


@pytest.mark.parametrize(("case_id", "text", "accepted"), WAIT_CASES, ids=[c[0] for c in WAIT_CASES])
def test_aws_recorded_wait_timestamps(case_id: str, text: str, accepted: bool) -> None:
    """What AWS's Wait state accepted or failed with "not a valid ISO-8601 extended offset date-time"."""
    assert is_timestamp(text) is accepted


@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.integers(min_value=-18 * 60, max_value=18 * 60),
    st.integers(min_value=0, max_value=999),
)
def test_the_instant_agrees_with_datetime(local: datetime, offset_minutes: int, extra_nanos: int) -> None:
    zone = timezone(timedelta(minutes=offset_minutes))
    when = local.replace(tzinfo=zone)
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    text = (
        f"{local.year:04d}-{local:%m-%dT%H:%M:%S}.{local.microsecond:06d}{extra_nanos:03d}"
        f"{sign}{hours:02d}:{minutes:02d}"
    )
    assert parse_timestamp(text) == when
    delta = when - datetime(1970, 1, 1, tzinfo=UTC)
    expected = (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000 + extra_nanos
    assert timestamp_nanos(text) == expected
