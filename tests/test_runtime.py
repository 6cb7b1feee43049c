"""Executions end to end through ``sfnkit.run``: the execution's own limits (TimeoutSeconds), its context object,
names and ARNs, immutability of what the caller and the history hold, and the interpreter's own objects (seeded
UUIDs, no reference cycles). The states themselves are in the other ``test_runtime_*.py`` modules, one per module
of ``sfnkit/runtime``: ``states`` and ``parallel_map`` (interpreter.py), ``invoke`` (invoke.py), ``errors``
(failures.py, retry.py), ``distributed_map`` (distributed_map.py), ``vocabulary`` (the event and error names).

The facts about AWS used here come from the AWS-recorded conformance cases in ``tests/conformance/cases``
(file names are cited where a test depends on one); the helpers (``one``, ``task``, ``types``, ...) are in
``tests/_runtime.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import sfnkit
from sfnkit import virtual_sleep
from tests._runtime import ACCOUNT, offsets, one, task, types

# ---------------------------------------------------------------------------------------------------------
# execution-level timeout


def test_top_level_timeout_seconds_times_the_execution_out() -> None:
    sm = {"TimeoutSeconds": 10, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": True}}}
    ex = sfnkit.run(sm, {})
    assert ex.status == "TIMED_OUT"
    assert ex.output is None
    assert types(ex) == ["ExecutionStarted", "WaitStateEntered", "ExecutionTimedOut"]
    assert offsets(ex, "ExecutionTimedOut") == [10]
    assert ex.history.status == "TIMED_OUT"


def test_top_level_timeout_during_a_slow_task() -> None:
    def slow(event: Any) -> Any:
        virtual_sleep(60)
        return 1

    sm = {"TimeoutSeconds": 5, **task()}
    ex = sfnkit.run(sm, {}, resources={"f": slow})
    assert ex.status == "TIMED_OUT"
    assert offsets(ex, "ExecutionTimedOut") == [5]
    assert types(ex)[-1] == "ExecutionTimedOut"


def test_top_level_timeout_not_reached() -> None:
    sm = {"TimeoutSeconds": 10, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 9, "End": True}}}
    ex = sfnkit.run(sm, {})
    assert ex.status == "SUCCEEDED"
    assert types(ex)[-1] == "ExecutionSucceeded"


# ---------------------------------------------------------------------------------------------------------
# the context object, names and ARNs


def test_context_object_and_arns() -> None:
    sm = one({"Type": "Pass", "Parameters": {"ctx.$": "$$"}}, name="P")
    ex = sfnkit.run(sm, {"a": 1}, name="run-1", account="111111111111", region="eu-west-1", state_machine_name="orders")
    ctx = ex.output["ctx"]
    assert ctx["Execution"]["Id"] == "arn:aws:states:eu-west-1:111111111111:execution:orders:run-1"
    assert ctx["Execution"]["Name"] == "run-1"
    assert ctx["Execution"]["Input"] == {"a": 1}
    assert ctx["Execution"]["StartTime"] == "2025-01-01T12:00:00Z"
    assert ctx["StateMachine"] == {"Id": "arn:aws:states:eu-west-1:111111111111:stateMachine:orders", "Name": "orders"}
    assert ctx["State"]["Name"] == "P"
    assert ex.arn == ctx["Execution"]["Id"]


def test_express_execution_arn() -> None:
    """Express execution ARNs have one more part (recorded: ``express:<sm>:<part1>:<part2>``)."""
    ex = sfnkit.run(one({"Type": "Pass"}), {}, type="EXPRESS", name="e1")
    assert ex.arn.startswith(f"arn:aws:states:us-east-1:{ACCOUNT}:express:sfnkit-local:e1:")
    assert len(ex.arn.split(":")) == 9


def test_default_name_is_a_seeded_uuid() -> None:
    a = sfnkit.run(one({"Type": "Pass"}), {}, seed=3)
    b = sfnkit.run(one({"Type": "Pass"}), {}, seed=3)
    c = sfnkit.run(one({"Type": "Pass"}), {}, seed=4)
    assert a.name == b.name != c.name
    assert len(a.name) == 36


def test_none_input_is_an_empty_object() -> None:
    assert sfnkit.run(one({"Type": "Pass"})).output == {}


# ---------------------------------------------------------------------------------------------------------
# immutability (DESIGN principle 4)


def test_the_callers_input_is_not_shared_with_the_history() -> None:
    data = {"a": [1]}
    ex = sfnkit.run(one({"Type": "Pass"}), data)
    data["a"].append(2)
    assert ex.history[0].input_value == {"a": [1]}
    assert ex.output == {"a": [1]}


def test_mutating_an_output_does_not_change_the_state_machine() -> None:
    sm = sfnkit.load(one({"Type": "Pass", "Result": {"x": [1]}}))
    first = sfnkit.run(sm, {})
    first.output["x"].append(99)
    assert sfnkit.run(sm, {}).output == {"x": [1]}


def test_mutating_an_output_does_not_change_the_history() -> None:
    ex = sfnkit.run(task(), {}, resources={"f": lambda e: {"v": [1]}})
    ex.output["v"].append(2)
    assert ex.history[-1].output_value == {"v": [1]}


def test_a_non_json_input_is_rejected_before_the_run() -> None:
    """Misuse raises (DESIGN principle 2): an input that is not JSON cannot be recorded in a history."""
    with pytest.raises((TypeError, ValueError)):
        sfnkit.run(one({"Type": "Pass"}), {"tags": {"a", "b"}})
    with pytest.raises((TypeError, ValueError)):
        sfnkit.run(one({"Type": "Pass"}), {"x": float("nan")})


# ---------------------------------------------------------------------------------------------------------
# the interpreter's own objects: seeded UUIDs, reference cycles


def test_uuids_are_the_standard_library_text_of_the_same_random_bits() -> None:
    import random
    import uuid

    from sfnkit.runtime.interpreter import Interpreter

    class Holder:
        rng = random.Random(7)

    reference = random.Random(7)
    for _ in range(2000):
        expected = str(uuid.UUID(int=reference.getrandbits(128), version=4))
        assert Interpreter.uuid(Holder()) == expected  # type: ignore[arg-type]


def _collected_after(run: Callable[[], Any]) -> list[str]:
    """The objects the cycle collector finds after ``run()`` and dropping its result (type names)."""
    import gc

    run()  # first run: imports and per-machine caches
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        run()
        gc.collect()
        return [type(o).__name__ for o in gc.garbage]
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
        gc.collect()
        if was_enabled:
            gc.enable()


def test_a_finished_execution_leaves_no_reference_cycles() -> None:
    """Dropping a finished execution frees it at once (reference counting), even after retried and uncaught
    task failures and a failed Parallel branch: no history waits for the cycle collector."""
    seen: set[int] = set()

    def flaky(event: Any) -> Any:
        if event["i"] not in seen:
            seen.add(event["i"])
            raise TimeoutError("not yet")
        if event["i"] == 3:
            raise ValueError("item 3 is bad")
        return event

    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Each",
                        "States": {
                            "Each": {
                                "Type": "Map",
                                "ItemProcessor": {
                                    "StartAt": "Work",
                                    "States": {
                                        "Work": {
                                            "Type": "Task",
                                            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
                                            "Retry": [{"ErrorEquals": ["TimeoutError"], "IntervalSeconds": 1}],
                                            "End": True,
                                        }
                                    },
                                },
                                "End": True,
                            }
                        },
                    },
                    {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 5, "End": True}}},
                ],
                "End": True,
            }
        },
    }
    machine = sfnkit.load(definition)

    def run() -> None:
        seen.clear()
        ex = sfnkit.run(machine, [{"i": i} for i in range(5)], resources={"flaky": flaky})
        assert ex.status == "FAILED" and ex.error == "ValueError"

    assert _collected_after(run) == []
