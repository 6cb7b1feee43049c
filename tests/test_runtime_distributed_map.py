"""The Distributed Map's run (``sfnkit/runtime/distributed_map.py``): its MapRun, child executions and tolerated
failures, end to end through ``sfnkit.run``. ItemReader, ItemBatcher and ResultWriter over local storage are in
``test_distributed_map.py``.

The facts about AWS used here come from the AWS-recorded conformance cases in ``tests/conformance/cases``
(file names are cited where a test depends on one); the helpers (``one``, ``task``, ``types``, ...) are in
``tests/_runtime.py``.
"""

from __future__ import annotations

from typing import Any

import sfnkit
from tests._runtime import ACCOUNT, chain, one, types

# ---------------------------------------------------------------------------------------------------------
# Map (distributed)


def _dmap(**fields: Any) -> dict[str, Any]:
    return one(
        {
            "Type": "Map",
            **fields,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                **chain(
                    (
                        "C",
                        {
                            "Type": "Choice",
                            "Choices": [{"Variable": "$", "NumericGreaterThan": 2, "Next": "F"}],
                            "Default": "S",
                        },
                    ),
                    ("F", {"Type": "Fail", "Error": "TooBig", "Cause": "big"}),
                    ("S", {"Type": "Succeed"}),
                ),
            },
        },
        name="M",
    )


def test_distributed_map_records_a_map_run() -> None:
    ex = sfnkit.run(_dmap(), [1, 2])
    assert ex.status == "SUCCEEDED"
    assert ex.output == [1, 2]
    assert types(ex) == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]
    run_arn = ex.history[3].details["mapRunArn"]  # type: ignore[index]
    assert run_arn.startswith(f"arn:aws:states:us-east-1:{ACCOUNT}:mapRun:")
    assert "/M:" in run_arn
    # the child executions' events stay out of the parent history
    assert not any(t.startswith("MapIteration") or t.startswith("Choice") for t in types(ex))


def test_distributed_map_tolerated_failure_count() -> None:
    ex = sfnkit.run(_dmap(ToleratedFailureCount=2), [1, 2, 3, 4])
    assert ex.status == "SUCCEEDED"
    assert len(ex.output) == 4
    assert ex.output[:2] == [1, 2]


def test_distributed_map_tolerated_failure_percentage() -> None:
    assert sfnkit.run(_dmap(ToleratedFailurePercentage=50), [1, 2, 3, 4]).status == "SUCCEEDED"
    ex = sfnkit.run(_dmap(ToleratedFailurePercentage=49), [1, 2, 3, 4])
    assert ex.error == "States.ExceedToleratedFailureThreshold"


def test_distributed_map_exceeding_the_threshold() -> None:
    ex = sfnkit.run(_dmap(ToleratedFailureCount=1), [1, 2, 3, 4])
    assert ex.status == "FAILED"
    assert ex.error == "States.ExceedToleratedFailureThreshold"
    assert ex.cause == "The specified tolerated failure threshold was exceeded"
    assert types(ex) == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapRunStarted",
        "MapRunFailed",
        "MapStateFailed",
        "ExecutionFailed",
    ]


def test_distributed_map_without_tolerance_fails_on_the_first_failure() -> None:
    ex = sfnkit.run(_dmap(), [1, 5])
    assert ex.error == "States.ExceedToleratedFailureThreshold"


def test_distributed_map_threshold_error_can_be_caught() -> None:
    sm = _dmap(ToleratedFailureCount=0)
    sm["States"]["M"].pop("End")
    sm["States"]["M"]["Next"] = "Done"
    sm["States"]["M"]["Catch"] = [{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "Next": "Handled"}]
    sm["States"]["Done"] = {"Type": "Succeed"}
    sm["States"]["Handled"] = {"Type": "Pass", "OutputPath": "$.Error", "End": True}
    assert sfnkit.run(sm, [9]).output == "States.ExceedToleratedFailureThreshold"
