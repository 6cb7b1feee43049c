"""The Debugger's event rows (``sfnkit.widgets.data.event_rows``) read raw events without materialising them;
they must equal the rows computed from the ``HistoryEvent`` objects themselves, on random machines (retries,
catches, Map, Parallel: ``tests/test_runtime_properties``), on the AWS-recorded conformance histories, and for
any ``start``/``stop`` window."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfnkit import History
from sfnkit.widgets import data
from tests._read_all import rows_from_events
from tests.conformance.harness import recorded_histories
from tests.test_runtime_properties import Built, inputs, machines, run


def check(h: History) -> None:
    expected = rows_from_events(h)
    assert data.event_rows(h) == expected
    n = len(expected)
    for start, stop in ((0, 1), (n // 3, n // 2), (n - 1, n), (n - 1, None), (n + 5, None)):
        assert data.event_rows(h, start, stop) == expected[start:stop]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(built=machines(), data_=inputs, seed=st.integers(0, 2**16))
def test_event_rows_equal_the_events_on_random_machines(built: Built, data_: dict[str, Any], seed: int) -> None:
    ex = run(built, data_, seed)
    check(ex.history)
    check(History.from_boto(ex.history.to_boto()))  # events read back as AWS writes them


@pytest.mark.parametrize("case", recorded_histories(), ids=lambda c: c.id)
def test_event_rows_equal_the_events_on_aws_recorded_histories(case: Any) -> None:
    events = [{"timestamp": 1_700_000_000 + i, **raw} for i, raw in enumerate(case.expected.events_full)]
    check(History.from_boto({"events": events}))


def test_event_rows_of_an_empty_history() -> None:
    assert data.event_rows(History.from_boto([])) == []
