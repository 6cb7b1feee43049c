"""ASL timestamps: what Step Functions accepts as one, and how it writes one.

ASL spec, section "Timestamps" (https://states-language.net/spec.html#timestamps): the Choice and Wait states
read strings that "MUST conform to the RFC3339 profile of ISO 8601, with the further restrictions that an
uppercase T character MUST be used to separate date and time, and an uppercase Z character MUST be present in
the absence of a numeric time zone offset", for example ``2016-03-14T01:59:00Z``.

That sentence tells a state machine *author* what to write. What AWS actually *accepts* is wider, and this
module follows AWS. AWS rejects a bad value with "... does not reference a valid ISO-8601 extended offset
date-time format string", which is the Javadoc wording of Java's ``DateTimeFormatter.ISO_OFFSET_DATE_TIME``,
and every recorded behaviour fits that parser:

* ``YYYY-MM-DD``, a ``T``, ``hh:mm``, then optionally ``:ss``, then optionally ``.`` and 0 to 9 digits of
  fraction (``2016-03-05T21:29:29.243167252Z`` and ``...T00:00:00.00Z`` are accepted, recorded on AWS);
* then ``Z`` or an offset ``+hh``, ``+hh:mm`` or ``+hh:mm:ss`` (``-`` too), at most 18 hours;
* the letters ``T`` and ``Z`` in either case (``2016-12-05t21:29:29z`` was accepted by AWS's TestState, as
  was ``2016-12-05T21:29Z`` without seconds; measured by a third party, see the report of this module);
* dates and times are checked strictly: ``2016-13-05T21:29:29Z``, ``2016-12-05T25:29:29Z``,
  ``2016-02-30T21:29:29Z``, ``05-12-2016T21:29:29Z``, a space instead of ``T`` and a missing offset
  (``2024-01-01T00:00:00``) are all rejected (the first four and the last recorded on AWS);
* only ASCII digits count; no leading or trailing white space.

Known limits: years are 0001 to 9999 (Java also reads year 0000 and signed years beyond 9999; Python's
``datetime`` cannot hold them); :func:`parse_timestamp` keeps microseconds (``datetime``'s precision), while
:func:`timestamp_nanos` keeps all nine digits, so comparisons (Choice ``Timestamp*`` operators) are exact.

Writing: the context object (``$$.Execution.StartTime``, ``$$.State.EnteredTime``) holds UTC instants at
millisecond precision ending in ``Z``, e.g. ``2019-03-26T20:14:13.192Z`` (AWS docs, "Context object"), and
like Java's ``Instant.toString()`` the fraction is left out when the milliseconds are zero
(``2025-02-03T04:05:06Z``, not ``...06.000Z``; reported by AWS support, see the report of this module).
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

__all__ = ["format_timestamp", "is_timestamp", "parse_timestamp", "timestamp_nanos"]


# One regex, compiled on first use (a run that reads no timestamp never needs it). Groups: year, month, day,
# hour, minute, second?, fraction?, zulu?, sign?, offset hours?, offset minutes?, offset seconds?. re.ASCII keeps
# \d to 0-9 (Java reads ASCII digits).
@functools.cache
def _timestamp_re() -> re.Pattern[str]:
    return re.compile(
        r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})"
        r"(?::(\d{2})(?:\.(\d{0,9}))?)?"
        r"(?:([Zz])|([+-])(\d{2})(?::(\d{2})(?::(\d{2}))?)?)",
        re.ASCII,
    )


_MAX_OFFSET_SECONDS = 18 * 3600  # java.time.ZoneOffset's range
_NANOS_PER_SECOND = 1_000_000_000
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class _Parsed:
    """A parsed timestamp. (A plain class: a NamedTuple builds its class with eval() at import, 1 M instructions
    of every fresh process's first run, for four fields read by name.)"""

    __slots__ = ("fields", "nanos", "offset", "seconds")

    def __init__(self, seconds: int, nanos: int, offset: int, fields: tuple[int, int, int, int, int, int]) -> None:
        self.seconds = seconds  # since the epoch, offset applied
        self.nanos = nanos  # nanosecond of the second, 0..999_999_999
        self.offset = offset  # the written offset, in seconds east of UTC
        self.fields = fields  # year, month, day, hour, minute, second as written


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm, integers only)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


@lru_cache(maxsize=4096)
def _parse(text: str) -> _Parsed | None:
    """The instant a timestamp string denotes, or None. Integer arithmetic only (no datetime): this is hot.

    Cached: a Map iterating over the same items, or a Choice in a loop, sees the same strings again.
    """
    match = _timestamp_re().fullmatch(text)
    if match is None:
        return None
    year_s, month_s, day_s, hour_s, minute_s, second_s, fraction, zulu, sign, off_h, off_m, off_s = match.groups()
    year, month, day = int(year_s), int(month_s), int(day_s)
    hour, minute, second = int(hour_s), int(minute_s), int(second_s or 0)
    # Java's STRICT resolver: real calendar dates, 00:00:00 to 23:59:59 (no 24:00, no leap second).
    if year < 1 or not 1 <= month <= 12 or hour > 23 or minute > 59 or second > 59:
        return None
    leap = month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not 1 <= day <= _DAYS_IN_MONTH[month] + leap:
        return None
    offset = 0
    if zulu is None:
        oh, om, os_ = int(off_h), int(off_m or 0), int(off_s or 0)
        if om > 59 or os_ > 59:
            return None
        offset = oh * 3600 + om * 60 + os_
        if offset > _MAX_OFFSET_SECONDS:
            return None
        if sign == "-":
            offset = -offset
    nanos = int(fraction.ljust(9, "0")) if fraction else 0
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
    return _Parsed(seconds, nanos, offset, (year, month, day, hour, minute, second))


def parse_timestamp(text: str) -> datetime | None:
    """The instant an ASL timestamp string denotes, as an aware ``datetime`` keeping its offset; else ``None``.

    Never raises: a non-string or a string AWS would reject gives ``None`` (the Wait state turns that into
    ``States.Runtime``, the Choice operators into ``false``). Digits beyond microseconds are dropped here; use
    :func:`timestamp_nanos` to compare instants exactly.

    >>> parse_timestamp("2016-03-14T01:59:00Z")
    datetime.datetime(2016, 3, 14, 1, 59, tzinfo=datetime.timezone.utc)
    >>> parse_timestamp("2016-03-14T01:59:00") is None   # no offset
    True
    """
    if text.__class__ is not str:
        return None
    parsed = _parse(text)
    if parsed is None:
        return None
    year, month, day, hour, minute, second = parsed.fields
    zone = UTC if parsed.offset == 0 else timezone(timedelta(seconds=parsed.offset))
    return datetime(year, month, day, hour, minute, second, parsed.nanos // 1000, tzinfo=zone)


def timestamp_nanos(text: object) -> int | None:
    """Nanoseconds since 1970-01-01T00:00:00Z of an ASL timestamp string (exact, offset applied); else ``None``.

    This is the comparison key of the Choice ``Timestamp*`` operators: two timestamps are equal when they
    denote the same instant, whatever their offsets and however many fraction digits they spell.
    """
    if text.__class__ is not str:
        return None
    parsed = _parse(text)
    return None if parsed is None else parsed.seconds * _NANOS_PER_SECOND + parsed.nanos


def is_timestamp(value: object) -> bool:
    """True for a string that AWS accepts as a timestamp (what Choice's ``IsTimestamp`` tests)."""
    return value.__class__ is str and _parse(value) is not None


def format_timestamp(when: datetime) -> str:
    """Write an instant as Step Functions writes ``$$.Execution.StartTime`` and ``$$.State.EnteredTime``.

    UTC, truncated to milliseconds, ``Z`` suffix, and no fraction at all when the milliseconds are zero:

    >>> format_timestamp(datetime(2019, 3, 26, 20, 14, 13, 192_999, tzinfo=UTC))
    '2019-03-26T20:14:13.192Z'
    >>> format_timestamp(datetime(2025, 2, 3, 4, 5, 6, 999, tzinfo=UTC))
    '2025-02-03T04:05:06Z'

    A naive ``datetime`` is refused (``ValueError``): the runtime's clocks always carry a time zone.
    """
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"format_timestamp needs an aware datetime (with tzinfo), got the naive {when.isoformat()!r}")
    utc = when.astimezone(UTC)
    millis = utc.microsecond // 1000
    head = f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    return f"{head}.{millis:03d}Z" if millis else f"{head}Z"
