"""Machines built by size, shared by ``bench/`` and ``tests/``: a chain of Pass states, inline and JSONata Maps,
a Parallel fan-out, a Choice loop with an intrinsic, a Map of Tasks with Retry, a day-long Wait before a Task, a
Map that doubles numbers with an intrinsic, a Map of Tasks followed by a Pass, a Map of retried Tasks and Waits
(the 25,000-event history), a Distributed Map (with an S3 ItemReader), and an ML pipeline (Parallel, Map with
Retry, Catch).

Each function returns a fresh ASL definition (a dict) that ``sfnkit.load`` takes. The benchmarks quote figures
on these shapes, and the tests check the behaviour the figures rely on with the same definitions, so a change to
one is seen by both. (The bundled order pipeline is :func:`sfnkit.examples.definition` ``("order_pipeline")``.)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "choice_loop",
    "distributed_map",
    "doubling_map",
    "inline_map",
    "jsonata_map",
    "ml_pipeline",
    "parallel",
    "pass_chain",
    "retried_map",
    "s3_reader",
    "task_map",
    "task_then_pass_map",
    "wait_then_task",
]


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


def doubling_map(then: str | None = None, *, state: str = "Items") -> dict[str, Any]:
    """An inline Map over the input array: Double (Parameters ``{"n.$": "States.MathAdd($, $)"}``) then Keep, two
    Pass states an item; with ``then``, the Map goes on to a Pass state of that name (something to step over to)."""
    map_state: dict[str, Any] = {
        "Type": "Map",
        "ItemProcessor": {
            "StartAt": "Double",
            "States": {
                "Double": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($, $)"}, "Next": "Keep"},
                "Keep": {"Type": "Pass", "End": True},
            },
        },
    }
    if then is None:
        return {"StartAt": state, "States": {state: {**map_state, "End": True}}}
    return {"StartAt": state, "States": {state: {**map_state, "Next": then}, then: {"Type": "Pass", "End": True}}}


def task_then_pass_map(
    resource: str, *, max_concurrency: int, then: str = "Done", items_path: str | None = None
) -> dict[str, Any]:
    """An inline Map ``Fan`` (over ``items_path``, or the input array) whose iterations call ``resource`` (Work),
    then pass through a Pass state named ``then``."""
    fan: dict[str, Any] = {"Type": "Map"}
    if items_path is not None:
        fan["ItemsPath"] = items_path
    fan.update(
        {
            "MaxConcurrency": max_concurrency,
            "ItemProcessor": {
                "StartAt": "Work",
                "States": {
                    "Work": {"Type": "Task", "Resource": resource, "Next": then},
                    then: {"Type": "Pass", "End": True},
                },
            },
            "End": True,
        }
    )
    return {"StartAt": "Fan", "States": {"Fan": fan}}


def retried_map(resource: str) -> dict[str, Any]:
    """Load (Pass), then a Map over ``$.items`` (MaxConcurrency 40) whose iterations call ``resource`` (Work,
    retrying ``Throttled``: 1 s, 3 attempts) and Wait a second (Settle): a history whose length grows by the same
    number of events per item, so the reports benchmark can size one just under AWS's 25,000-event quota."""
    return {
        "StartAt": "Load",
        "States": {
            "Load": {"Type": "Pass", "Next": "Process"},
            "Process": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 40,
                "ItemProcessor": {
                    "StartAt": "Work",
                    "States": {
                        "Work": {
                            "Type": "Task",
                            "Resource": resource,
                            "Retry": [{"ErrorEquals": ["Throttled"], "IntervalSeconds": 1, "MaxAttempts": 3}],
                            "Next": "Settle",
                        },
                        "Settle": {"Type": "Wait", "Seconds": 1, "End": True},
                    },
                },
                "End": True,
            },
        },
    }


def s3_reader(input_type: str, key: str, *, bucket: str = "data", **reader_config: Any) -> dict[str, Any]:
    """A Distributed Map's ``ItemReader`` that reads ``s3://bucket/key`` (``s3:getObject``) as ``input_type``
    (JSON, JSONL, CSV...), with more ``ReaderConfig`` fields (``MaxItems``, ``CSVHeaderLocation``...)."""
    return {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": input_type, **reader_config},
        "Parameters": {"Bucket": bucket, "Key": key},
    }


def distributed_map(
    reader: dict[str, Any] | None = None,
    *,
    work: str | None = None,
    state: str = "Each",
    execution_type: str = "STANDARD",
    **fields: Any,
) -> dict[str, Any]:
    """A Distributed Map state named ``state`` (the machine's only state) whose child executions
    (``execution_type``) run one state, Work: a Pass, or a Task calling ``work``. ``reader`` is its ItemReader
    (:func:`s3_reader`); ``fields`` are more fields of the Map (``ItemsPath``, ``ItemBatcher``, ``MaxConcurrency``,
    ``ResultWriter``, ``ToleratedFailurePercentage``...)."""
    step: dict[str, Any] = (
        {"Type": "Pass", "End": True} if work is None else {"Type": "Task", "Resource": work, "End": True}
    )
    map_state: dict[str, Any] = {
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": execution_type},
            "StartAt": "Work",
            "States": {"Work": step},
        },
        "End": True,
        **fields,
    }
    if reader is not None:
        map_state["ItemReader"] = reader
    return {"StartAt": state, "States": {state: map_state}}


def ml_pipeline(
    resource_prefix: str,
    *,
    cooldown_seconds: int,
    max_concurrency: int,
    retry_interval_seconds: int,
    retry_max_attempts: int,
    comment: str = "an ML pipeline: prepare, features in parallel, train per fold, evaluate",
) -> dict[str, Any]:
    """An ML pipeline: Prepare (Task); Features (Parallel: Clean; Cooldown, a Wait of ``cooldown_seconds``, then
    Embed); Train (a Map over ``$.folds``, ``max_concurrency`` at a time, whose Fit Task retries
    ``GPU.OutOfMemory``: ``retry_interval_seconds``, x2, ``retry_max_attempts``); Evaluate (a Task whose
    ``Model.BelowThreshold`` is caught into ``$.error``); Report (Pass). The Tasks call ``resource_prefix`` +
    prepare, clean, embed, fit and evaluate."""
    lam = resource_prefix
    return {
        "Comment": comment,
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Task", "Resource": lam + "prepare", "Next": "Features"},
            "Features": {
                "Type": "Parallel",
                "ResultPath": None,
                "Next": "Train",
                "Branches": [
                    {"StartAt": "Clean", "States": {"Clean": {"Type": "Task", "Resource": lam + "clean", "End": True}}},
                    {
                        "StartAt": "Cooldown",
                        "States": {
                            "Cooldown": {"Type": "Wait", "Seconds": cooldown_seconds, "Next": "Embed"},
                            "Embed": {"Type": "Task", "Resource": lam + "embed", "End": True},
                        },
                    },
                ],
            },
            "Train": {
                "Type": "Map",
                "ItemsPath": "$.folds",
                "MaxConcurrency": max_concurrency,
                "ResultPath": "$.models",
                "Next": "Evaluate",
                "ItemProcessor": {
                    "StartAt": "Fit",
                    "States": {
                        "Fit": {
                            "Type": "Task",
                            "Resource": lam + "fit",
                            "Retry": [
                                {
                                    "ErrorEquals": ["GPU.OutOfMemory"],
                                    "IntervalSeconds": retry_interval_seconds,
                                    "MaxAttempts": retry_max_attempts,
                                    "BackoffRate": 2,
                                }
                            ],
                            "End": True,
                        }
                    },
                },
            },
            "Evaluate": {
                "Type": "Task",
                "Resource": lam + "evaluate",
                "Catch": [{"ErrorEquals": ["Model.BelowThreshold"], "ResultPath": "$.error", "Next": "Report"}],
                "Next": "Report",
            },
            "Report": {"Type": "Pass", "End": True},
        },
    }
