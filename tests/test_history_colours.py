"""The one colour rule (``sfnkit.history.colours``) and the three views that colour with it.

``views.render.status_of`` (static pictures), ``widgets.live.LiveView`` (the Debugger while it drives an execution) and
``widgets.data.status_changes`` (the replay timeline) must give the same colours at every event, and the pending
task list must list exactly the attempts the rule calls waiting.
"""

from __future__ import annotations

import itertools
from typing import Any

import sfnkit
from sfnkit.history import colours
from sfnkit.views.render import status_of
from sfnkit.widgets import data
from sfnkit.widgets.live import LiveView

ACT = "arn:aws:states:us-east-1:123456789012:activity:human"
TOKEN = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
FLAKY = "arn:aws:lambda:us-east-1:123456789012:function:flaky"


def test_the_rule() -> None:
    assert colours.COLOURS[0] == "not_run" and colours.COLOURS[-1] == "waiting"
    # a visit
    assert colours.visit_colour("succeeded", 0) == "succeeded"
    assert colours.visit_colour("succeeded", 2) == "retried"
    assert colours.visit_colour("caught", 1) == "caught"
    assert colours.visit_colour("failed", 0) == "failed"
    assert colours.visit_colour("aborted", 0) == "aborted"
    assert colours.visit_colour("running", 0) == "running"
    assert colours.visit_colour("running", 1, waiting=True) == "waiting"
    # which open attempts wait, and until when
    assert colours.waits(TOKEN, "task", started=True)
    assert colours.waits(ACT, "activity", started=False)
    assert not colours.waits(ACT, "activity", started=True)  # a worker took it: running, not waiting
    assert not colours.waits("arn:aws:lambda:us-east-1:1:function:f", "lambda", started=False)
    assert colours.waiting_ends(ACT, "activity", started_event_id=7, ended_event_id=9) == 7
    assert colours.waiting_ends(ACT, "activity", started_event_id=None, ended_event_id=9) == 9
    assert colours.waiting_ends(TOKEN, "task", started_event_id=7, ended_event_id=None) is None
    # a state: its most telling visit
    order = ["succeeded", "retried", "caught", "aborted", "failed", "running", "waiting"]
    for weaker, stronger in itertools.pairwise(order):
        assert colours.most_telling([stronger, weaker, "not_run"]) == stronger
    assert colours.most_telling([]) == "not_run"


def _event(i: int, type_: str, prev: int, key: str | None = None, **details: Any) -> dict[str, Any]:
    e: dict[str, Any] = {"id": i, "type": type_, "previousEventId": prev, "timestamp": 1_700_000_000 + i}
    if key is not None:
        e[key] = details
    return e


def _worker_history() -> sfnkit.History:
    """An activity that a worker picked up (ActivityStarted, no end yet): running, not waiting; then another
    activity nobody took: waiting. Written by hand: sfnkit's local workers answer in the same step."""
    return sfnkit.History.from_boto(
        [
            _event(1, "ExecutionStarted", 0, "executionStartedEventDetails", input="{}", roleArn="r"),
            _event(2, "TaskStateEntered", 0, "stateEnteredEventDetails", name="Work", input="{}"),
            _event(3, "ActivityScheduled", 2, "activityScheduledEventDetails", resource=ACT, input="{}"),
            _event(4, "ActivityStarted", 3, "activityStartedEventDetails", workerName="w"),
            _event(5, "ActivitySucceeded", 4, "activitySucceededEventDetails", output="{}"),
            _event(6, "TaskStateExited", 5, "stateExitedEventDetails", name="Work", output="{}"),
            _event(7, "TaskStateEntered", 6, "stateEnteredEventDetails", name="Human", input="{}"),
            _event(8, "ActivityScheduled", 7, "activityScheduledEventDetails", resource=ACT, input="{}"),
        ]
    )


def _prefix(history: sfnkit.History, n: int) -> sfnkit.History:
    return sfnkit.History.from_boto(history.to_boto()["events"][:n])


def test_three_views_agree_at_every_event_of_a_hand_written_history() -> None:
    history = _worker_history()
    expected = {
        2: {"Work": "running"},
        3: {"Work": "waiting"},
        4: {"Work": "running"},  # the worker has it
        6: {"Work": "succeeded"},
        8: {"Work": "succeeded", "Human": "waiting"},
    }
    changes = data.status_changes(history)
    view = LiveView()
    for n in range(1, len(history) + 1):
        prefix = _prefix(history, n)
        view.feed(prefix)
        whole = {k: v for k, v in status_of(prefix).items() if v != "not_run"}
        assert view.statuses() == whole == data.statuses_at(changes, n), f"after event {n}"
        if n in expected:
            assert whole == expected[n]
    # the pending list names exactly the waiting attempts: Human's, not Work's (it was started by a worker)
    assert [p["state"] for p in data.pending_tasks(history, ["t"])] == ["Human"]
    assert view.pending(history, ["t"]) == data.pending_tasks(history, ["t"])
    started = _prefix(history, 4)
    assert data.pending_tasks(started, ["t"])[0]["state"] is None
    assert LiveView().pending(started, ["t"]) == data.pending_tasks(started, ["t"])


def test_three_views_agree_on_a_local_run_with_tokens_activities_and_retries() -> None:
    worker = "arn:aws:states:us-east-1:123456789012:activity:worker"
    sm = {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {"StartAt": "Human", "States": {"Human": {"Type": "Task", "Resource": ACT, "End": True}}},
                    {"StartAt": "Worker", "States": {"Worker": {"Type": "Task", "Resource": worker, "End": True}}},
                    {"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": TOKEN,
                                                          "Parameters": {"t.$": "$$.Task.Token"}, "End": True}}},
                    {"StartAt": "Flaky", "States": {"Flaky": {"Type": "Task", "Resource": FLAKY, "End": True,
                                                              "Retry": [{"ErrorEquals": ["States.ALL"],
                                                                         "IntervalSeconds": 1}]}}},
                ],
            }
        },
    }  # fmt: skip
    calls = []

    def flaky(_event: Any) -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("once")
        return 1

    ex = sfnkit.start(sm, {}, resources={worker: lambda x: {"w": 1}, TOKEN: lambda p: None, FLAKY: flaky})
    view = LiveView()
    seen = set()
    while True:
        view.feed(ex.history)
        whole = {k: v for k, v in status_of(ex.history).items() if v != "not_run"}
        assert view.statuses() == whole == data.statuses_at(data.status_changes(ex.history))
        assert view.pending(ex.history, ex.pending_tokens) == data.pending_tasks(ex.history, ex.pending_tokens)
        seen |= set(whole.values())
        if ex.done:
            break
        if not ex.pending_tokens or len(ex.pending_tokens) < 2:
            ex.step()
            continue
        for token in ex.pending_tokens:
            ex.send_task_success(token, {})
    assert {"waiting", "running", "retried", "succeeded"} <= seen
    assert status_of(ex)["Flaky"] == "retried"
