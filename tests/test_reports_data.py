"""Fixed histories for the report tests: a local ML pipeline on the virtual clock, and AWS-recorded ones.

The local pipeline's times are exact (virtual clock, no jitter):

=====  ===========================  ==========================================================
t (s)  state                        what happens
=====  ===========================  ==========================================================
0      Prepare (Task)               1.5 s of work
1.5    Features (Parallel)          branch 0: Clean (2 s); branch 1: Cooldown (Wait 5 s), Embed (3 s)
9.5    Train (Map, MaxConcurrency 1)  folds 1, 2, 3 one after another, 10 s each; fold 2's first
                                    attempt fails at once (GPU.OutOfMemory), the Retry waits 2 s
41.5   Evaluate (Task)              fails (Model.BelowThreshold), caught: on to Report
41.5   Report (Pass)                the execution succeeds at 41.5 s
=====  ===========================  ==========================================================

The AWS histories are the ``events_full`` of conformance cases, with timestamps added by ``aws_history``:
event ``k`` (1-based) at ``T0 + (k - 1)`` seconds.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest

import sfnkit
from sfnkit.examples import machines
from sfnkit.history import History
from tests.conformance.harness import cases_dir

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"
T0 = datetime(2024, 3, 1, 9, 0, 0, tzinfo=UTC)
START = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)  # sfnkit's default virtual clock start

# bench/reports.py runs the same pipeline with longer waits (its handlers draw their times at random)
PIPELINE: dict[str, Any] = machines.ml_pipeline(
    LAMBDA, cooldown_seconds=5, max_concurrency=1, retry_interval_seconds=2, retry_max_attempts=2
)


def pipeline_handlers() -> dict[str, Any]:
    """Handlers of ``PIPELINE``. A failing attempt fails at once (no virtual time passes in it)."""

    def prepare(call: sfnkit.TaskCall) -> Any:
        sfnkit.virtual_sleep(1.5)
        return {"folds": [1, 2, 3]}

    def clean(call: sfnkit.TaskCall) -> Any:
        sfnkit.virtual_sleep(2)
        return {"rows": 100}

    def embed(call: sfnkit.TaskCall) -> Any:
        sfnkit.virtual_sleep(3)
        return {"dim": 8}

    def fit(call: sfnkit.TaskCall) -> Any:
        if call.input == 2 and call.attempt == 0:
            raise sfnkit.TaskFailure("GPU.OutOfMemory", "CUDA out of memory")
        sfnkit.virtual_sleep(10)
        return {"fold": call.input}

    def evaluate(call: sfnkit.TaskCall) -> Any:
        raise sfnkit.TaskFailure("Model.BelowThreshold", "accuracy 0.61 < 0.9")

    return {"prepare": prepare, "clean": clean, "embed": embed, "fit": fit, "evaluate": evaluate}


def run_pipeline() -> sfnkit.Execution:
    return sfnkit.run(PIPELINE, {"run": "r1"}, resources=pipeline_handlers())


# A flaky pipeline for batches: each attempt draws from a random source seeded by the execution's name (which
# comes from the execution's seed), the state and the attempt, so a batch is reproducible.
FLAKY: dict[str, Any] = {
    "StartAt": "Ingest",
    "States": {
        "Ingest": {"Type": "Task", "Resource": LAMBDA + "ingest", "Next": "Train"},
        "Train": {
            "Type": "Task",
            "Resource": LAMBDA + "train",
            "Retry": [{"ErrorEquals": ["GPU.OutOfMemory"], "IntervalSeconds": 5, "MaxAttempts": 2, "BackoffRate": 2}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Alert"}],
            "Next": "Publish",
        },
        "Publish": {"Type": "Task", "Resource": LAMBDA + "publish", "End": True},
        "Alert": {"Type": "Fail", "Error": "Training.Failed", "Cause": "training failed after retries"},
    },
}


def flaky_handlers() -> dict[str, Any]:
    def draw(call: sfnkit.TaskCall) -> random.Random:
        return random.Random(f"{call.context['Execution']['Name']}/{call.state_name}/{call.attempt}")

    def ingest(call: sfnkit.TaskCall) -> Any:
        sfnkit.virtual_sleep(1 + draw(call).random())
        return {"rows": 1000}

    def train(call: sfnkit.TaskCall) -> Any:
        r = draw(call)
        if r.random() < 0.35:
            raise sfnkit.TaskFailure("GPU.OutOfMemory", "CUDA out of memory")
        sfnkit.virtual_sleep(20 + 40 * r.random())
        return {"accuracy": round(r.random(), 3)}

    def publish(call: sfnkit.TaskCall) -> Any:
        sfnkit.virtual_sleep(0.5)
        return {"published": True}

    return {"ingest": ingest, "train": train, "publish": publish}


# ---------------------------------------------------------------------------------------------------------
# AWS-recorded histories

CASES = cases_dir()
MAP_CATCH_RETRY = (
    "test_error_output__test_map_catch_error__MAP_CATCH_ERROR_OUTPUT_WITH_RETRY__get_execution_history__ba19b818.json"
)
PARALLEL_RETRY = "test_base_scenarios__test_parallel_state_retry__get_execution_history__eaeb2030.json"
LAMBDA_RETRY = "test_base_scenarios__test_lambda_invoke_with_retry_extended_input__get_execution_history__43098ca8.json"

needs_cases = pytest.mark.skipif(not CASES.is_dir(), reason=f"conformance cases not found at {CASES}")


def aws_history(name: str) -> History:
    """The recorded AWS history of case ``name``, event ``k`` stamped ``T0 + (k - 1)`` seconds.

    The recordings dropped timestamps and decoded JSON causes into objects (AWS sends text); both are put
    back. Only cases recorded ``as_recorded`` (real ids and links) are used here.
    """
    case = json.loads((CASES / name).read_text(encoding="utf-8"))
    assert case["events_order"] == "as_recorded"
    events = []
    for position, raw in enumerate(case["expected"]["events_full"]):
        event = dict(raw)
        event["timestamp"] = T0.timestamp() + position
        for key, value in list(event.items()):
            if key.endswith("EventDetails") and "cause" in value and not isinstance(value["cause"], str):
                event[key] = {**value, "cause": json.dumps(value["cause"])}
        events.append(event)
    return History.from_boto({"events": events})


# ---------------------------------------------------------------------------------------------------------
# the fixtures themselves


def test_the_local_pipeline_runs_as_documented() -> None:
    ex = run_pipeline()
    assert ex.status == "SUCCEEDED"
    assert len(ex.history) == 58
    assert ex.history[-1].timestamp == datetime(2025, 1, 1, 12, 0, 41, 500000, tzinfo=UTC)
    assert ex.history == run_pipeline().history  # the same every time


@needs_cases
def test_aws_histories_load_with_controlled_timestamps() -> None:
    h = aws_history(LAMBDA_RETRY)
    assert len(h) == 18 and h.status == "SUCCEEDED"
    assert [e.timestamp for e in h][:2] == [T0, T0.replace(second=1)]
