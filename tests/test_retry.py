"""Unit tests of ``sfnkit.runtime.retry``: backoff delays and ErrorEquals matching (ASL spec "Retrying after
error", "Fallback states"; AWS's ``MaxDelaySeconds`` and ``JitterStrategy`` additions)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfnkit.asl.model import Catcher, Retrier
from sfnkit.errors import (
    ALL,
    BRANCH_FAILED,
    DATA_LIMIT_EXCEEDED,
    HEARTBEAT_TIMEOUT,
    NO_CHOICE_MATCHED,
    PERMISSIONS,
    RUNTIME,
    TASK_FAILED,
    TIMEOUT,
)
from sfnkit.runtime.retry import MAX_DELAY_SECONDS, find_catcher, find_retrier, matches, retry_delay


def retrier(
    *errors: str,
    interval: int = 1,
    attempts: int = 3,
    backoff: float = 2.0,
    max_delay: int | None = None,
    jitter: str = "NONE",
) -> Retrier:
    return Retrier(
        location="/States/T/Retry/0",
        error_equals=tuple(errors) or (ALL,),
        interval_seconds=interval,
        max_attempts=attempts,
        backoff_rate=backoff,
        max_delay_seconds=max_delay,
        jitter_strategy=jitter,  # type: ignore[arg-type]
    )


def catcher(*errors: str, next: str = "Handler") -> Catcher:
    return Catcher(location="/States/T/Catch/0", error_equals=tuple(errors), next=next)


# ---------------------------------------------------------------------------------------------------------
# retry_delay


def test_defaults_are_the_spec_defaults() -> None:
    r = Retrier(location="/x", error_equals=(ALL,))
    assert (r.interval_seconds, r.max_attempts, r.backoff_rate) == (1, 3, 2.0)
    rng = random.Random(0)
    assert [retry_delay(r, n, rng) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]


@pytest.mark.parametrize(
    ("interval", "backoff", "expected"),
    [
        (1, 2.0, [1, 2, 4, 8, 16]),
        (3, 1.0, [3, 3, 3, 3, 3]),  # BackoffRate 1: a constant interval
        (2, 1.5, [2, 3, 4.5, 6.75, 10.125]),
        (5, 3.0, [5, 15, 45, 135, 405]),
        (0, 2.0, [0, 0, 0, 0, 0]),  # IntervalSeconds 0 is allowed: retry at once
    ],
)
def test_interval_times_backoff_rate_to_the_power_of_attempt_minus_one(
    interval: int, backoff: float, expected: list[float]
) -> None:
    r = retrier(interval=interval, backoff=backoff)
    rng = random.Random(0)
    assert [retry_delay(r, n, rng) for n in range(1, 6)] == pytest.approx(expected)


def test_max_delay_seconds_caps_the_delay() -> None:
    r = retrier(interval=3, backoff=2.0, max_delay=10)
    rng = random.Random(0)
    assert [retry_delay(r, n, rng) for n in range(1, 6)] == [3, 6, 10, 10, 10]


def test_max_delay_seconds_above_every_delay_changes_nothing() -> None:
    r = retrier(interval=1, backoff=2.0, max_delay=1000)
    assert [retry_delay(r, n, random.Random(0)) for n in range(1, 5)] == [1, 2, 4, 8]


def test_no_jitter_does_not_touch_the_random_source() -> None:
    rng = random.Random(42)
    before = rng.getstate()
    retry_delay(retrier(interval=3), 2, rng)
    assert rng.getstate() == before


def test_full_jitter_is_within_zero_and_the_capped_delay() -> None:
    r = retrier(interval=3, backoff=2.0, max_delay=5, jitter="FULL")
    rng = random.Random(7)
    for attempt in range(1, 8):
        cap = min(3 * 2 ** (attempt - 1), 5)
        for _ in range(50):
            d = retry_delay(r, attempt, rng)
            assert 0 <= d <= cap


def test_full_jitter_is_seeded() -> None:
    r = retrier(interval=10, backoff=2.0, jitter="FULL")
    a = [retry_delay(r, n, random.Random(123)) for n in range(1, 6)]
    b = [retry_delay(r, n, random.Random(123)) for n in range(1, 6)]
    assert a == b
    c = [retry_delay(r, n, random.Random(124)) for n in range(1, 6)]
    assert a != c


def test_full_jitter_actually_varies() -> None:
    r = retrier(interval=10, jitter="FULL")
    rng = random.Random(0)
    values = {retry_delay(r, 1, rng) for _ in range(20)}
    assert len(values) > 1
    assert all(0 <= v <= 10 for v in values)


def test_full_jitter_draws_from_the_given_source_only() -> None:
    """The global random generator is never used (DESIGN principle 3)."""
    random.seed(5)
    state = random.getstate()
    retry_delay(retrier(interval=4, jitter="FULL"), 1, random.Random(1))
    assert random.getstate() == state


@settings(max_examples=200, deadline=None)
@given(
    interval=st.integers(0, 1000),
    backoff=st.floats(1.0, 5.0),
    attempt=st.integers(1, 12),
    max_delay=st.none() | st.integers(1, 3600),
    seed=st.integers(0, 2**32),
)
def test_delay_bounds_property(interval: int, backoff: float, attempt: int, max_delay: int | None, seed: int) -> None:
    plain = retry_delay(retrier(interval=interval, backoff=backoff, max_delay=max_delay), attempt, random.Random(seed))
    expected = min(interval * backoff ** (attempt - 1), MAX_DELAY_SECONDS)  # no retry waits longer
    if max_delay is not None:
        expected = min(expected, max_delay)
    assert plain == pytest.approx(expected)
    jittered = retry_delay(
        retrier(interval=interval, backoff=backoff, max_delay=max_delay, jitter="FULL"), attempt, random.Random(seed)
    )
    assert 0 <= jittered <= plain * (1 + 1e-12)


# ---------------------------------------------------------------------------------------------------------
# matches


@pytest.mark.parametrize(
    "error",
    [
        "MyError",
        "ValueError",
        TIMEOUT,
        HEARTBEAT_TIMEOUT,
        TASK_FAILED,
        PERMISSIONS,
        BRANCH_FAILED,
        NO_CHOICE_MATCHED,
        DATA_LIMIT_EXCEEDED,
        "Lambda.ServiceException",
        "",
    ],
)
def test_states_all_matches_everything_but_states_runtime(error: str) -> None:
    assert matches([ALL], error)


def test_states_runtime_is_never_matched() -> None:
    assert not matches([ALL], RUNTIME)
    assert not matches([RUNTIME], RUNTIME)
    assert not matches([TASK_FAILED], RUNTIME)
    assert not matches(["Foo", ALL, TASK_FAILED, RUNTIME], RUNTIME)


@pytest.mark.parametrize(
    "error", ["MyError", "ValueError", "Lambda.Unknown", HEARTBEAT_TIMEOUT, PERMISSIONS, TASK_FAILED, BRANCH_FAILED]
)
def test_states_task_failed_is_a_wildcard(error: str) -> None:
    assert matches([TASK_FAILED], error)


def test_states_task_failed_does_not_match_states_timeout() -> None:
    assert not matches([TASK_FAILED], TIMEOUT)
    assert matches([TASK_FAILED, TIMEOUT], TIMEOUT)


def test_exact_names() -> None:
    assert matches(["A", "B"], "B")
    assert not matches(["A", "B"], "C")
    assert not matches([], "A")
    assert not matches(["a"], "A")  # error names are case-sensitive
    assert not matches(["States.Timeout"], "States.TaskFailed")


# ---------------------------------------------------------------------------------------------------------
# find_retrier / find_catcher


def test_find_retrier_takes_the_first_match() -> None:
    rs = (retrier("A"), retrier(TASK_FAILED), retrier(ALL))
    assert find_retrier(rs, "A") == 0
    assert find_retrier(rs, "B") == 1
    assert find_retrier(rs, TIMEOUT) == 2
    assert find_retrier(rs, RUNTIME) is None
    assert find_retrier((), "A") is None


def test_find_catcher_takes_the_first_match() -> None:
    cs = (catcher("A", next="One"), catcher(ALL, next="Two"))
    found = find_catcher(cs, "A")
    assert found is not None and found.next == "One"
    found = find_catcher(cs, "Other")
    assert found is not None and found.next == "Two"
    assert find_catcher(cs, RUNTIME) is None
    assert find_catcher((catcher("A"),), "B") is None


# ---------------------------------------------------------------------------------------------------------
# issue 13: no overflow however many attempts


@pytest.mark.parametrize("backoff", [1.0, 1.5, 2.0, 10.0])
@pytest.mark.parametrize("max_delay", [None, 1, 3600])
def test_huge_attempt_numbers_never_overflow(backoff: float, max_delay: int | None) -> None:
    r = retrier(interval=99_999_999, attempts=99_999_999, backoff=backoff, max_delay=max_delay)
    cap = MAX_DELAY_SECONDS if max_delay is None else max_delay
    for attempt in (1, 2, 1_000, 10**6, 99_999_999, 10**30):
        delay = retry_delay(r, attempt, random.Random(0))
        assert 0 < delay <= cap
        jittered = retrier(interval=1, attempts=99_999_999, backoff=backoff, max_delay=max_delay, jitter="FULL")
        assert 0 <= retry_delay(jittered, attempt, random.Random(attempt)) <= cap
    if backoff > 1:
        assert retry_delay(r, 10**30, random.Random(0)) == cap


def test_a_retry_with_huge_max_attempts_ends_the_execution() -> None:
    """Issue 13: MaxAttempts 99999999 overflowed ``BackoffRate ** attempt`` and left the execution RUNNING."""
    import sfnkit

    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                "End": True,
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 99999999, "BackoffRate": 2.0}],
            }
        },
    }

    def fail(event: object) -> None:
        raise ValueError("again")

    ex = sfnkit.run(definition, {}, resources={"f": fail})
    # each retry waits at most 99999999 s, so the execution reaches AWS's one-year maximum duration
    assert ex.status == "TIMED_OUT" and ex.error == "States.Timeout"
    stamps = [e.timestamp for e in ex.history]
    assert (stamps[-1] - stamps[0]).days == 365
