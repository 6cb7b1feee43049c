"""``views.state_visits`` (one state's visits, made for that state alone: what the Debugger's inspector reads)
gives what filtering the whole-history views gives, on random machines' histories and on the AWS-recorded
conformance histories: the same counts, state type, spans, attempts and failures, for every state, every ``last``
and a chosen Map iteration; whether the whole views were made before or not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfnkit.history.model import History
from sfnkit.history.views import Scope, StateSpan, attempts, failures, spans, state_visits
from sfnkit.widgets.data import in_iteration
from tests.conformance.harness import recorded_histories
from tests.test_runtime_properties import Built, inputs, machines, run


def expected(
    h: History, name: str, where: Callable[[Scope], bool] | None, last: int | None
) -> tuple[int, int, str | None, list[StateSpan], list[list[Any]], list[list[Any]]]:
    named = [s for s in spans(h) if s.name == name]
    chosen = [s for s in named if where is None or where(s.scope)]
    shown = chosen if last is None else (chosen[-last:] if last > 0 else [])
    tries = [[a for a in attempts(h) if a.span_entered_event_id == s.entered_event_id] for s in shown]
    fails = [[f for f in failures(h) if f.span_entered_event_id == s.entered_event_id] for s in shown]
    return len(named), len(chosen), named[0].state_type if named else None, shown, tries, fails


def check(h: History, lasts: tuple[int | None, ...] = (None, 0, 1, 3)) -> None:
    fresh = History.from_boto(h.to_boto())  # no views made yet: state_visits runs the pass itself
    names = sorted({s.name for s in spans(h)} | {"NoSuchState"})
    iterations: list[dict[str, int] | None] = [None]
    for s in spans(h):
        for frame in s.scope:
            if frame.kind == "map":
                iterations.append({frame.state_name: frame.index})
    # fresh: read from the pass's own visits; then, once its spans are made (which lets those visits go), from the
    # spans; and h, whose spans were made first
    for history in (fresh, "spans made", h):
        if history == "spans made":
            spans(fresh)
            history = fresh
        assert isinstance(history, History)
        for name in names:
            for iteration in iterations[:4]:
                where = (lambda scope, it=iteration: in_iteration(scope, it)) if iteration else None
                for last in lasts:
                    got = state_visits(history, name, where=where, last=last)
                    total, matching, state_type, shown, tries, fails = expected(h, name, where, last)
                    assert (got.total, got.matching, got.state_type) == (total, matching, state_type)
                    assert list(got.spans) == shown
                    assert [s.path for s in got.spans] == [s.path for s in shown]
                    assert [list(a) for a in got.attempts] == tries
                    assert [list(f) for f in got.failures] == fails


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(built=machines(), data=inputs, seed=st.integers(0, 2**16))
def test_state_visits_equals_the_whole_views_on_random_machines(built: Built, data: dict[str, Any], seed: int) -> None:
    check(run(built, data, seed).history)


@pytest.mark.parametrize("case", recorded_histories(), ids=lambda c: c.id)
def test_state_visits_equals_the_whole_views_on_aws_recorded_histories(case: Any) -> None:
    # the recordings keep no timestamps (they differ run to run): one a second, as in test_widgets_live
    events = [{"timestamp": 1_700_000_000 + i, **raw} for i, raw in enumerate(case.expected.events_full)]
    check(History.from_boto({"events": events}), lasts=(None, 2))


def test_state_visits_of_a_state_never_entered_is_empty() -> None:
    h = History.from_boto([])
    got = state_visits(h, "Nowhere")
    assert (got.total, got.matching, got.state_type, got.spans, got.attempts, got.failures) == (0, 0, None, (), (), ())
