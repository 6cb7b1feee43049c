"""What the Debugger computes fast agrees with what the history views compute slowly.

* ``LiveView`` (incremental, used while an execution runs) gives, after every step, the same colours as
  :func:`sfnkit.views.render.status_of` on the whole history, the same scope for every event as
  :func:`sfnkit.history.views.event_scopes`, and the same inspector visits as :func:`sfnkit.widgets.data.inspector`.
* ``status_changes`` (the replay slider's timeline) ends with the colours ``status_of`` gives, on the AWS-recorded
  histories of the conformance cases and on local runs; applied up to any event it gives the colours of every
  state at that point.

These need no widget library: they test the pure data layer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

import sfnkit
from sfnkit import demo, examples
from sfnkit.history.views import event_scopes, spans
from sfnkit.views.render import status_of
from sfnkit.widgets import data
from sfnkit.widgets.live import LiveView
from tests.conformance.harness import ACCOUNT, REGION, build_resources, load_cases, recorded_histories

MAX_STEPS = 400


def compact(status: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in status.items() if v != "not_run"}


def runnable_cases() -> list[Any]:
    try:
        cases = load_cases()
    except FileNotFoundError:
        return []
    return [c for c in cases if c.runnable_locally]


def _normalise_visit(v: dict[str, Any]) -> dict[str, Any]:
    return {
        "entered": v["entered"],
        "ended": v["ended"],
        "path": v["path"],
        "iteration": v["iteration"],
        "status": "running" if v["status"] == "waiting" else v["status"],
        "retries": v["retries"],
        "stages": [s[0] for s in v["stages"]],
        "attempts": [
            (a["number"], a["status"], a["error"], a["scheduled"], a["ended"], a["backoff"]) for a in v["attempts"]
        ],
    }


def step_and_compare(ex: Any, *, inspect: bool = True) -> int:
    """Step ``ex`` to its end, comparing the live view with the whole-history views after every step (and at
    every error, when the execution breaks on errors)."""
    view = LiveView()
    names = sorted({st.name for st in ex.state_machine.walk()})
    steps = 0
    while not ex.done and steps < MAX_STEPS:
        history = ex.history
        view.feed(history)
        assert view.statuses() == compact(status_of(history, sm=ex.state_machine)), f"after step {steps}"
        scopes = event_scopes(history)
        assert view.analysis.scopes == list(scopes)
        tail = max(0, len(history) - 5)
        assert view.rows(history, tail) == data.event_rows(history, tail)
        if inspect:
            for name in names:
                live = view.inspector(history, name, visits=ex.visits, limit=0)
                whole = data.inspector(history, name, visits=ex.visits, limit=0)
                assert (live["total"], live["matching"]) == (whole["total"], whole["matching"])
                assert [_normalise_visit(v) for v in live["visits"]] == [_normalise_visit(v) for v in whole["visits"]]
        if ex.pending_tokens:
            assert view.pending(history, ex.pending_tokens) == data.pending_tasks(history, ex.pending_tokens)
            break  # nobody answers: stepping on would let the task time out, which is fine but slow to compare
        ex.step()
        steps += 1
    return steps


@pytest.mark.parametrize("case", runnable_cases(), ids=lambda c: c.id)
def test_live_view_matches_the_history_views_at_every_step(case: Any) -> None:
    ex = sfnkit.start(
        case.definition, case.input, resources=build_resources(case), seed=0, account=ACCOUNT, region=REGION,
        type=case.state_machine_type, missing_resources="fail", break_on_error=True,
    )  # fmt: skip
    step_and_compare(ex, inspect=len(case.definition.get("States", {})) < 30)


MACHINES = {
    "order": (examples.definition("order_pipeline"), demo.ORDER, demo.resources),
    "order_declined": (
        examples.definition("order_pipeline"),
        {"order": {"id": 7, "items": [{"sku": "piano", "price": 4000.0, "qty": 1}]}},
        demo.resources,
    ),
}


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_live_view_on_the_example_pipeline(name: str) -> None:
    definition, input_, resources = MACHINES[name]
    ex = sfnkit.start(definition, input_, resources=resources())
    assert step_and_compare(ex) >= 4


def test_live_view_with_break_on_error_and_task_tokens() -> None:
    token = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    sm = {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": token,
                                                          "Parameters": {"t.$": "$$.Task.Token"}, "End": True}}},
                    {"StartAt": "Ask2", "States": {"Ask2": {"Type": "Task", "Resource": token,
                                                            "Parameters": {"t.$": "$$.Task.Token"}, "End": True}}},
                ],
                "End": True,
            }
        },
    }  # fmt: skip
    ex = sfnkit.start(sm, {}, resources={token: lambda p: None}, break_on_error=True)
    view = LiveView()
    ex.run()
    view.feed(ex.history)
    assert view.statuses() == compact(status_of(ex)) == {"Fan": "running", "Ask": "waiting", "Ask2": "waiting"}
    first, second = ex.pending_tokens
    assert view.pending(ex.history, [second, first]) == data.pending_tasks(ex.history, [second, first])
    assert [p["state"] for p in view.pending(ex.history, [first, second])] == ["Ask", "Ask2"]
    ex.send_task_success(first, {"ok": 1})
    ex.send_task_failure(second, "No", "nope")
    ex.run()
    view.feed(ex.history)
    assert view.statuses() == compact(status_of(ex))


# ---------------------------------------------------------------------------------------------------------
# the replay timeline


def _history_of(case: Any) -> sfnkit.History:
    events = []
    for i, raw in enumerate(case.expected.events_full):
        event = dict(raw)
        event.setdefault("timestamp", 1_700_000_000 + i)
        events.append(event)
    return sfnkit.History.from_boto({"events": events})


@pytest.mark.parametrize("case", recorded_histories(), ids=lambda c: c.id)
def test_timeline_ends_with_status_of_on_aws_recorded_histories(case: Any) -> None:
    history = _history_of(case)
    changes = data.status_changes(history)
    assert data.statuses_at(changes) == compact(status_of(history))
    ids = [row[0] for row in changes]
    assert ids == sorted(ids)
    assert all(row[2] in data.RANK for row in changes)
    rows = data.event_rows(history)
    assert [r[0] for r in rows] == [e.id for e in history]
    packed = data.pack_rows(rows)
    assert [[r[0], packed["types"][r[1]], *r[2:]] for r in packed["events"]] == rows
    json.dumps(packed, allow_nan=False)


def _local_runs() -> Iterator[tuple[str, Any]]:
    for name, (definition, input_, resources) in sorted(MACHINES.items()):
        yield name, sfnkit.run(definition, input_, resources=resources())


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_timeline_at_every_event_of_a_local_run(name: str) -> None:
    ex = dict(_local_runs())[name]
    history = ex.history
    changes = data.status_changes(history)
    assert data.statuses_at(changes) == compact(status_of(history))
    # before its first event a state is not run; while one of its visits is open it is running
    for span in spans(history):
        at_entry = data.statuses_at(changes, span.entered_event_id)
        assert at_entry[span.name] in ("running", "waiting") or span.ended_event_id == span.entered_event_id
    assert data.statuses_at(changes, 1) == {}


def test_timeline_with_an_iteration_keeps_only_that_iteration() -> None:
    sm = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "C",
                    "States": {
                        "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 1, "Next": "One"}],
                              "Default": "Other"},
                        "One": {"Type": "Pass", "End": True},
                        "Other": {"Type": "Pass", "End": True},
                    },
                },
                "End": True,
            }
        },
    }  # fmt: skip
    history = sfnkit.run(sm, [0, 1, 2]).history
    everything = data.statuses_at(data.status_changes(history))
    assert everything == {"M": "succeeded", "C": "succeeded", "One": "succeeded", "Other": "succeeded"}
    one = data.statuses_at(data.status_changes(history, iteration={"M": 1}))
    assert one == {"M": "succeeded", "C": "succeeded", "One": "succeeded"}
    assert data.map_iterations(history) == {"M": 3}
