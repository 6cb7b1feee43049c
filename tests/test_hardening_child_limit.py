"""Issue 13: a Distributed Map child execution is an execution, so its history has the same 25,000-event limit
as its parent's (``sfnkit.runtime.interpreter.MAX_HISTORY_EVENTS``).

AWS: "When an execution reaches 24,999 events, it waits for the next event to happen. If the event number 25,000
is ExecutionSucceeded, the execution finishes successfully"; any other event in that place becomes
ExecutionFailed (States.Runtime) instead. A child that fails that way is one failed child execution of the map
run: the parent's Map applies its tolerated-failure settings to it as to any failed child.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import sfnkit

sys.path.insert(0, str(Path(__file__).parent))
from _read_all import read_everything
from test_runtime_properties import check_ids, check_time

LIMIT = 25_000
LIMIT_CAUSE = f"The execution reached the maximum number of history events ({LIMIT})."


def counting_loop(n: int) -> dict[str, Any]:
    """A child machine of 4n + 4 events from ``{"i": 0}`` (as the parent-limit test's): n turns of Pass and Choice,
    then Succeed, between ExecutionStarted and the execution's end."""
    return {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Inc",
        "States": {
            "Inc": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "Check"},
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.i", "NumericLessThan": n, "Next": "Inc"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }


def dmap(processor: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": processor, "End": True, **extra}}}


def child(ex: sfnkit.Execution, index: int) -> sfnkit.History:
    (run,) = ex.map_runs
    h = run.history(index)
    assert h is not None
    return h


def test_a_child_that_ends_at_event_25000_succeeds() -> None:
    ex = sfnkit.run(dmap(counting_loop(6249)), [{"i": 0}])
    assert ex.status == "SUCCEEDED", ex.cause
    h = child(ex, 0)
    assert len(h) == LIMIT and h[-1].type == "ExecutionSucceeded"
    check_ids(h)


def test_a_child_that_would_pass_25000_events_fails_at_event_25000() -> None:
    ex = sfnkit.run(dmap(counting_loop(6250)), [{"i": 0}])
    h = child(ex, 0)
    assert len(h) == LIMIT
    last = h[-1]
    assert last.type == "ExecutionFailed"
    assert (last.details or {}).get("error") == "States.Runtime"
    assert (last.details or {}).get("cause") == LIMIT_CAUSE  # the parent's wording, word for word
    check_ids(h)
    check_time(h)
    (run,) = ex.map_runs
    assert run.statuses == ("FAILED",)
    # in the parent the child is one failed child execution: no tolerance, so the map run fails with the
    # threshold error, as for any failed child
    assert (ex.status, ex.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    types = [e.type for e in ex.history]
    assert types[-4:] == ["MapRunStarted", "MapRunFailed", "MapStateFailed", "ExecutionFailed"]
    check_ids(ex.history)
    read_everything(ex)


def test_a_tolerated_child_at_the_limit_lets_the_parent_succeed() -> None:
    ex = sfnkit.run(dmap(counting_loop(6250), ToleratedFailureCount=1), [{"i": 0}, {"i": 6249}])
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output == [None, {"i": 6250}]  # a tolerated failed child leaves null in the results
    (run,) = ex.map_runs
    assert run.statuses == ("FAILED", "SUCCEEDED")
    assert len(child(ex, 0)) == LIMIT and child(ex, 0)[-1].type == "ExecutionFailed"


def test_an_endless_child_with_a_catch_all_cannot_catch_the_limit() -> None:
    """States.Runtime is terminal: a Catch on States.ALL inside the child does not catch the history limit."""
    loop = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "A",
                        "States": {  # a loop whose way out is never taken
                            "A": {"Type": "Pass", "Next": "B"},
                            "B": {
                                "Type": "Choice",
                                "Choices": [{"Variable": "$$.State.Name", "StringEquals": "never", "Next": "Out"}],
                                "Default": "A",
                            },
                            "Out": {"Type": "Succeed"},
                        },
                    },
                    {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100000, "End": True}}},
                ],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Succeed"},
        },
    }
    ex = sfnkit.run(dmap(loop), [1])
    h = child(ex, 0)
    assert len(h) == LIMIT and h[-1].type == "ExecutionFailed"
    assert "SucceedStateEntered" not in [e.type for e in h]
    check_ids(h)
    check_time(h)
    assert ex.error == "States.ExceedToleratedFailureThreshold"
    read_everything(ex)


def test_parallel_branches_and_inline_maps_inside_a_child_record_into_the_childs_history() -> None:
    """Found while writing the limit tests: the events of a Parallel's branches and of an inline Map's
    iterations inside a Distributed Map child execution went into the *parent's* history (so they were not
    counted against the child's limit either)."""
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                    {"StartAt": "B", "States": {"B": {"Type": "Fail", "Error": "Bad"}}},
                ],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Each"}],
                "Next": "Each",
            },
            "Each": {
                "Type": "Map",
                "ItemsPath": "$$.Execution.Input",
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
                "End": True,
            },
        },
    }
    ex = sfnkit.run(dmap(processor), [1, 2])
    assert ex.status == "SUCCEEDED", ex.cause
    parent = [e.type for e in ex.history]
    assert parent == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]
    for i in (0, 1):
        h = child(ex, i)
        types = [e.type for e in h]
        assert types.count("PassStateEntered") == 3  # A, and I for the two items of the inline Map
        assert "FailStateEntered" in types and "MapIterationSucceeded" in types
        assert types[-1] == "ExecutionSucceeded"
        check_ids(h)
        check_time(h)
    read_everything(ex)
