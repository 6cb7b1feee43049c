"""The machines ``bench/`` and ``tests/`` share (sfnkit.examples.machines) behave as the benchmarks' figures
assume: the events and visits they count, the outputs they check."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import sfnkit
from sfnkit import TaskFailure
from sfnkit.examples import machines

ROOT = Path(__file__).resolve().parents[1]
ARN = "arn:aws:lambda:us-east-1:123456789012:function:work"


def _bench(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while it runs
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_the_interpreter_bench_runs_the_shared_machines() -> None:
    bench = _bench("interpreter")
    by_name = {w.name: w.definition for w in bench.workloads(quick=True)}
    assert by_name["pass_chain"] == machines.pass_chain(100)
    assert by_name["map_inline_mc0"] == machines.inline_map(0)
    assert by_name["choice_loop"] == machines.choice_loop(100)
    assert by_name["parallel"] == machines.parallel(10, 20)
    assert by_name["jsonata_map"] == machines.jsonata_map()
    # the cold section spells the chain out (importing sfnkit would start before its timer): the same machine
    assert bench._cold_chain(50) == machines.pass_chain(50)


def test_pass_chain() -> None:
    ex = sfnkit.run(machines.pass_chain(30), {"a": 1})
    assert ex.output == {"a": 1, "step": 29}
    assert ex.summary().count("30 state transitions") == 1
    plain = sfnkit.run(machines.pass_chain(5, prefix="P", step=False), {"a": 1})
    assert plain.output == {"a": 1} and [v.name for v in plain.visits] == ["P0", "P1", "P2", "P3", "P4"]


def test_inline_map_gives_back_its_input_with_six_events_and_two_visits_an_item() -> None:
    for concurrency in (0, 1):
        ex = sfnkit.run(machines.inline_map(concurrency), list(range(50)), type="EXPRESS")
        assert ex.output == list(range(50))
        assert len(ex.history) == 6 * 50 + 6
        assert len(ex.visits) == 2 * 50 + 1


def test_choice_loop_counts_to_its_limit() -> None:
    ex = sfnkit.run(machines.choice_loop(20), {})
    assert ex.output == {"count": 20}
    assert [v.stages["next"] for v in ex.visits.named("More?")] == ["Increment"] * 20 + ["Done"]


def test_parallel_and_jsonata_map() -> None:
    assert sfnkit.run(machines.parallel(3, 4), {"x": 1}).output == [{"x": 1}] * 3
    items = [{"sku": "a", "price": 2.5, "qty": 2}, {"sku": "b", "price": 1, "qty": 3}]
    ex = sfnkit.run(machines.jsonata_map(), {"rate": 2, "items": items}, type="EXPRESS")
    assert ex.output == 2 * (2.5 * 2 + 1 * 3)
    assert [v.variables for v in ex.visits.named("Line")] == [{"gross": 5}, {"gross": 3}]


def test_task_map_and_wait_then_task_retry_transient_errors() -> None:
    failed: set[int] = set()

    def work(event: Any) -> Any:
        if "i" in event and event["i"] % 2 == 0 and event["i"] not in failed:
            failed.add(event["i"])
            raise TaskFailure("TransientError", "not yet")
        return {"ok": event.get("i")}

    ex = sfnkit.run(machines.task_map(ARN), [{"i": i} for i in range(4)], resources={ARN: work})
    assert ex.status == "SUCCEEDED" and ex.output == [{"ok": i} for i in range(4)]
    assert sum(len(v.attempt_errors) for v in ex.visits.named("Work")) == 2
    failed.clear()
    ex = sfnkit.run(machines.wait_then_task(ARN), {"i": 0}, resources={ARN: work})
    assert ex.status == "SUCCEEDED" and ex.output == {"ok": 0}
    assert (ex.history[-1].timestamp - ex.history[0].timestamp).total_seconds() >= 86400 + 2


def test_the_reports_bench_runs_the_shared_machines() -> None:
    bench = _bench("reports")
    lam = bench.LAMBDA
    assert bench.big_machine() == machines.retried_map(lam + "work")
    pipeline = bench.PIPELINE
    assert pipeline == machines.ml_pipeline(
        lam, cooldown_seconds=3, max_concurrency=2, retry_interval_seconds=10, retry_max_attempts=3,
        comment="a flaky ML pipeline",
    )  # fmt: skip
    # the big history's size grows by the same number of events per item: big_items() sizes it from a probe
    sm = sfnkit.load(bench.big_machine())
    sizes = [
        len(sfnkit.run(sm, {"items": list(range(n))}, resources=bench.big_handlers()).history) for n in (26, 52, 78)
    ]
    assert sizes[2] - sizes[1] == sizes[1] - sizes[0] > 26 * 8
    ex = sfnkit.run(sm, {"items": list(range(26))}, resources=bench.big_handlers())
    assert ex.status == "SUCCEEDED" and sum(len(v.attempt_errors) for v in ex.visits.named("Work")) == 2  # 0 and 13
    # the pipeline of the 200-execution batch: all succeed, some retry Fit, some catch Evaluate's error
    batch = sfnkit.run_many(bench.PIPELINE, 20, resources=bench.pipeline_handlers(), progress=False)
    assert set(batch.statuses) == {"SUCCEEDED"}
    errors = [e.details.get("error") for ex in batch for e in ex.history if e.type == "LambdaFunctionFailed"]
    assert "GPU.OutOfMemory" in errors
    assert sum(1 for ex in batch if "error" in ex.output) == errors.count("Model.BelowThreshold") > 0


def test_doubling_map_steps_two_pass_states_an_item() -> None:
    ex = sfnkit.run(machines.doubling_map(), [1, 2, 3])
    assert ex.output == [{"n": 2}, {"n": 4}, {"n": 6}]
    assert [v.name for v in ex.visits].count("Double") == 3 and [v.name for v in ex.visits].count("Keep") == 3
    after = sfnkit.run(machines.doubling_map(then="After"), [5])
    assert after.output == [{"n": 10}] and after.visits[-1].name == "After"


def test_the_distributed_map_bench_machine_on_a_small_bucket(tmp_path: Path) -> None:
    bench = _bench("distributed_map")
    (tmp_path / "data").mkdir()
    lines = "".join(f'{{"id": {i}, "value": {i % 97}}}\n' for i in range(200))
    (tmp_path / "data" / "items.jsonl").write_text(lines)
    storage = {"data": tmp_path / "data", "out": tmp_path / "out"}
    ex = sfnkit.run(bench.machine("items.jsonl", 10), {}, resources={"work": bench.work}, storage=storage)
    # 20 batches; the one from item 0 fails: 5 % of the children, as many as the machine tolerates
    assert ex.status == "SUCCEEDED", ex.cause
    (run,) = ex.map_runs
    assert len(run) == 20 and run.counts()["failed"] == 1
    assert sorted(ex.output["ResultWriterDetails"]) == ["Bucket", "Key"]
    moto_shape = machines.distributed_map(state="Fan", ItemsPath="$.items", MaxConcurrency=1000)
    assert sfnkit.run(moto_shape, {"items": [{"id": 1}, {"id": 2}]}).output == [{"id": 1}, {"id": 2}]
