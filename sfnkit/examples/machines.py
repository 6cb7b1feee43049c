"""Machines built by size, shared by ``bench/`` and ``tests/``: a chain of Pass states, inline and JSONata Maps,
a Parallel fan-out, a Choice loop with an intrinsic, a Map of Tasks with Retry, a day-long Wait before a Task.

Each function returns a fresh ASL definition (a dict) that ``sfnkit.load`` takes. The benchmarks quote figures
on these shapes, and the tests check the behaviour the figures rely on with the same definitions, so a change to
one is seen by both. (The bundled order pipeline is :func:`sfnkit.examples.definition` ``("order_pipeline")``.)
"""

from __future__ import annotations

from typing import Any

__all__ = ["choice_loop", "inline_map", "jsonata_map", "parallel", "pass_chain", "task_map", "wait_then_task"]


def pass_chain(n: int, *, prefix: str = "S", step: bool = True) -> dict[str, Any]:
    """``n`` Pass states ``S0 -> S1 -> ...``; with ``step`` each writes its number to ``$.step`` (a static Result
    and a ResultPath: the interpreter benchmark's chain), without it they pass their input on (the big-graph
    tests and benchmarks)."""
    states: dict[str, Any] = {}
    for i in range(n):
        state: dict[str, Any] = {"Type": "Pass", "Result": i, "ResultPath": "$.step"} if step else {"Type": "Pass"}
        state.update({"Next": f"{prefix}{i + 1}"} if i < n - 1 else {"End": True})
        states[f"{prefix}{i}"] = state
    return (
        {"Comment": f"{n} Pass states", "StartAt": f"{prefix}0", "States": states}
        if step
        else {
            "StartAt": f"{prefix}0",
            "States": states,
        }
    )


def inline_map(max_concurrency: int) -> dict[str, Any]:
    """An inline Map over its input array; each item goes through Tag (Parameters ``{"item.$": "$", "seen": true}``)
    and Keep (OutputPath ``$.item``), so the output equals the input: 6 events and 2 visits an item."""
    return {
        "StartAt": "EachItem",
        "States": {
            "EachItem": {
                "Type": "Map",
                "MaxConcurrency": max_concurrency,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Tag",
                    "States": {
                        "Tag": {"Type": "Pass", "Parameters": {"item.$": "$", "seen": True}, "Next": "Keep"},
                        "Keep": {"Type": "Pass", "OutputPath": "$.item", "End": True},
                    },
                },
                "End": True,
            }
        },
    }


def jsonata_map() -> dict[str, Any]:
    """A JSONata Map over ``$states.input.items`` (``sku``, ``price``, ``qty``) with an ItemSelector, an Assign and
    an Output per item, summing ``net`` (price x qty x ``rate``, rounded) at the end."""
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Price",
        "States": {
            "Price": {
                "Type": "Map",
                "Items": "{% $states.input.items %}",
                "ItemSelector": {"item": "{% $states.context.Map.Item.Value %}", "rate": "{% $states.input.rate %}"},
                "ItemProcessor": {
                    "StartAt": "Line",
                    "States": {
                        "Line": {
                            "Type": "Pass",
                            "Assign": {"gross": "{% $states.input.item.price * $states.input.item.qty %}"},
                            "Output": {
                                "sku": "{% $uppercase($states.input.item.sku) %}",
                                "net": "{% $round($states.input.item.price * $states.input.item.qty * $states.input.rate, 2) %}",
                            },
                            "End": True,
                        }
                    },
                },
                "Output": "{% $sum($states.result.net) %}",
                "End": True,
            }
        },
    }


def parallel(branches: int, depth: int) -> dict[str, Any]:
    """A Parallel state of ``branches`` branches, each a chain of ``depth`` Pass states."""

    def branch(b: int) -> dict[str, Any]:
        states = {
            f"B{b}S{i}": ({"Type": "Pass", "Next": f"B{b}S{i + 1}"} if i < depth - 1 else {"Type": "Pass", "End": True})
            for i in range(depth)
        }
        return {"StartAt": f"B{b}S0", "States": states}

    return {
        "StartAt": "Fan",
        "States": {"Fan": {"Type": "Parallel", "Branches": [branch(b) for b in range(branches)], "End": True}},
    }


def choice_loop(limit: int) -> dict[str, Any]:
    """Count ``$.count`` from 0 to ``limit`` with ``States.MathAdd`` through a Choice: 2 transitions a turn."""
    return {
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Parameters": {"count": 0}, "Next": "More?"},
            "More?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.count", "NumericLessThan": limit, "Next": "Increment"}],
                "Default": "Done",
            },
            "Increment": {"Type": "Pass", "Parameters": {"count.$": "States.MathAdd($.count, 1)"}, "Next": "More?"},
            "Done": {"Type": "Succeed"},
        },
    }


def task_map(resource: str) -> dict[str, Any]:
    """An inline Map calling ``resource`` for each item, retrying ``TransientError`` (1 s, x2, 3 attempts)."""
    return {
        "StartAt": "EachItem",
        "States": {
            "EachItem": {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Work",
                    "States": {
                        "Work": {
                            "Type": "Task",
                            "Resource": resource,
                            "Retry": [
                                {
                                    "ErrorEquals": ["TransientError"],
                                    "IntervalSeconds": 1,
                                    "BackoffRate": 2.0,
                                    "MaxAttempts": 3,
                                }
                            ],
                            "End": True,
                        }
                    },
                },
                "End": True,
            }
        },
    }


def wait_then_task(resource: str) -> dict[str, Any]:
    """A one-day Wait, then ``resource`` retried on ``TransientError`` (2 s, x2, 5 attempts)."""
    return {
        "StartAt": "SleepOneDay",
        "States": {
            "SleepOneDay": {"Type": "Wait", "Seconds": 86400, "Next": "Flaky"},
            "Flaky": {
                "Type": "Task",
                "Resource": resource,
                "Retry": [
                    {"ErrorEquals": ["TransientError"], "IntervalSeconds": 2, "BackoffRate": 2.0, "MaxAttempts": 5}
                ],
                "End": True,
            },
        },
    }
