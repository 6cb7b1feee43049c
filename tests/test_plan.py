"""The runtime's plan of a machine (``sfnkit.runtime.plan``): built once per machine, owned by the runtime, not
stored on the frozen model, and let go with the machine."""

from __future__ import annotations

import ast
import dataclasses
import gc
from pathlib import Path

import sfnkit
from sfnkit.runtime import plan as plan_module
from sfnkit.runtime.plan import plan_for

ROOT = Path(__file__).resolve().parents[1]

PIPELINE = {
    "StartAt": "P",
    "States": {
        "P": {"Type": "Pass", "Result": {"n": 1}, "Next": "T"},
        "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": True},
    },
}


def test_one_plan_per_machine_filled_by_its_executions() -> None:
    sm = sfnkit.load(PIPELINE)
    assert plan_for(sm) is plan_for(sm)
    assert plan_for(sfnkit.load(PIPELINE)) is not plan_for(sm)  # an equal machine is another machine
    sfnkit.run(sm, {}, resources={"f": lambda e: e})
    plan = plan_for(sm)
    assert set(plan.task_flow) == {"/States/T"}
    assert plan.static_size["/States/P"] == len('{"n":1}')
    second = sfnkit.run(sm, {"x": 2}, resources={"f": lambda e: e})
    assert second.output == {"n": 1} and plan_for(sm) is plan


def test_the_plan_goes_with_the_machine() -> None:
    sm = sfnkit.load(PIPELINE)
    sfnkit.run(sm, {}, resources={"f": lambda e: e})
    key = id(sm)
    assert key in plan_module._PLANS
    del sm
    gc.collect()
    assert key not in plan_module._PLANS


def test_the_model_carries_no_runtime_cache() -> None:
    names = {f.name for f in dataclasses.fields(sfnkit.StateMachine)}
    assert "cache" not in names


def test_no_frozen_object_is_mutated_from_outside() -> None:
    """``object.__setattr__`` only in a class's own constructor (``self``), never on a model built elsewhere."""
    found = []
    for path in sorted((ROOT / "sfnkit").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "__setattr__"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "object"
                and not (node.args and isinstance(node.args[0], ast.Name) and node.args[0].id == "self")
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, "a frozen object mutated after construction (use dataclasses.replace): " + ", ".join(found)


def test_reads_context_gives_the_answer_of_the_repr_it_replaced() -> None:
    import collections

    cases = [
        {"Type": "Pass", "Result": 1, "Next": "B"},
        {"Type": "Pass", "InputPath": "$$.Execution.Input"},
        {"Type": "Pass", "Parameters": {"id.$": "$$.Execution.Id", "n": [1, 2.5, None, True]}},
        {"Type": "Pass", "Parameters": {"$$odd": 1}},  # in a key
        {"Type": "Pass", "Result": [1, [2, ["deep $$"]]]},
        {"Type": "Pass", "Result": "$ $", "Comment": "$"},  # a lone $ each
        {"Type": "Pass", "Result": (1, "$$")},  # not JSON (a tuple): read from the repr as before
        {"Type": "Pass", "Result": collections.OrderedDict(b="$$")},
        {"Type": "Pass", "Result": {"k": 'it\'s "$$"'}},  # quotes escaped by repr
    ]
    for raw in cases:
        assert plan_module.reads_context(raw) is ("$$" in repr(raw)), raw


def test_payload_sizes_of_scalars_are_their_json_text() -> None:
    import json

    from sfnkit.runtime.dataflow import size_of

    for value in (0, -7, 10**18, -(1 << 63), (1 << 63) - 1, 1 << 63, 10**40, None, True, False, 1.5, "é$"):
        assert size_of(value) == len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()), value


def test_task_states_are_the_walk_order_tasks_found_once() -> None:
    fn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    branch = {"StartAt": "B1", "States": {"B1": {"Type": "Task", "Resource": fn, "End": True}}}
    sm = sfnkit.load(
        {
            "StartAt": "A",
            "States": {
                "A": {"Type": "Task", "Resource": fn, "Next": "P"},
                "P": {"Type": "Parallel", "Branches": [branch], "Next": "M"},
                "M": {
                    "Type": "Map",
                    "ItemProcessor": {"StartAt": "M1", "States": {"M1": {"Type": "Task", "Resource": fn, "End": True}}},
                    "Next": "Z",
                },
                "Z": {"Type": "Task", "Resource": fn, "End": True},
            },
        }
    )
    walked = tuple(st for st in sm.walk() if st.type == "Task")
    assert [st.name for st in walked] == ["A", "B1", "M1", "Z"]
    assert plan_module.task_states(sm) == walked and plan_module.task_states(sm) is plan_for(sm).tasks
