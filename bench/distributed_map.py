"""Benchmark a Distributed Map at AWS scale: 1,000,000 JSONL items from a local bucket, side by side with moto.

    python bench/distributed_map.py                 # 1,000,000 items, batches of 10 (100,000 child executions)
    python bench/distributed_map.py --items 100000 --batch 1 --child-histories all

The machine: ``ItemReader`` (``s3:getObject``, ``InputType: JSONL``), ``ItemBatcher``, ``MaxConcurrency``
1,000, ``ToleratedFailurePercentage`` 5, a Python Task per batch (the batch whose first item id is a multiple
of 5,000 fails), and ``ResultWriter`` to a second local bucket. Each figure comes from a fresh process (peak RSS
is the process's own ``VmHWM``): the run's wall time and peak RSS, the ``reports.map_run`` table of its child
executions, one failed child's history and its ``reports.states``, and a ``Debugger`` replay of that child.

moto: its Step Functions interpreter (``execute_state_machine``) has no ItemReader over S3 and no Python tasks,
so it runs what it can of the same shape: a Distributed Map over an inline array of ``--moto-items`` items
(default 1,000) with a Pass state per item (STANDARD children: moto's parser refuses EXPRESS there), and the script prints that beside sfnkit running the same machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"


def machine(key: str, batch: int) -> dict[str, Any]:
    """The benchmark's machine (module docstring), from the Distributed Map the tests run too."""
    from sfnkit.examples import machines

    return machines.distributed_map(
        machines.s3_reader("JSONL", key),
        work=LAMBDA + "work",
        state="Fan",
        execution_type="EXPRESS",
        MaxConcurrency=1000,
        ToleratedFailurePercentage=5,
        ResultWriter={"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out", "Prefix": "runs"}},
        **({"ItemBatcher": {"MaxItemsPerBatch": batch}} if batch > 1 else {}),
    )


def work(event: Any) -> Any:
    items = event["Items"] if isinstance(event, dict) and "Items" in event else [event]
    if items[0]["id"] % 5000 == 0:
        raise RuntimeError(f"batch from item {items[0]['id']} failed")
    return {"sum": sum(item["value"] for item in items)}


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def child(folder: str, items: int, batch: int, keep: str) -> int:
    import sfnkit
    from sfnkit import reports
    from sfnkit.widgets import Debugger

    root = Path(folder)
    key = f"items-{items}.jsonl"
    sm = sfnkit.load(machine(key, batch))
    t0 = time.perf_counter()
    ex = sfnkit.run(sm, {}, resources={"work": work}, storage={"data": root / "data", "out": root / "out"},
                    child_histories=keep, keep_stages=False)  # fmt: skip
    t_run = time.perf_counter() - t0
    rss = _rss_mib()
    (mr,) = ex.map_runs
    t0 = time.perf_counter()
    table = reports.map_run(ex)
    t_table = time.perf_counter() - t0
    failed = mr.failed()
    t0 = time.perf_counter()
    history = mr.history(failed[0]) if failed else None
    states = reports.states(history) if history is not None else None
    t_child = time.perf_counter() - t0
    processor = {"StartAt": "Work", "States": sm.definition["States"]["Fan"]["ItemProcessor"]["States"]}
    t0 = time.perf_counter()
    if history is not None:
        Debugger(history, definition=processor)
    t_debugger = time.perf_counter() - t0
    manifest_key = ex.output["ResultWriterDetails"]["Key"] if ex.status == "SUCCEEDED" else None
    manifest = json.loads((root / "out" / manifest_key).read_text()) if manifest_key else {}
    print(json.dumps({
        "status": ex.status, "error": ex.error, "run_s": t_run, "peak_rss_mib": rss, "children": len(mr),
        "counts": mr.counts(), "kept": len(list(mr.kept())), "keep": mr.keep, "parent_events": len(ex.history),
        "table_s": t_table, "table_rows": len(table), "failed_child_s": t_child,
        "failed_child_states": 0 if states is None else len(states), "debugger_s": t_debugger,
        "result_files": {k: [f["Key"].rsplit("/", 1)[-1] for f in v] for k, v in manifest.get("ResultFiles", {}).items()},
    }))  # fmt: skip
    return 0


def moto_side(n: int) -> dict[str, Any]:
    """The same shape on moto and on sfnkit: a Distributed Map of Pass states over an inline array."""
    import boto3
    from moto import mock_aws

    import sfnkit
    from sfnkit.examples import machines

    definition = machines.distributed_map(state="Fan", ItemsPath="$.items", MaxConcurrency=1000)
    data = {"items": [{"id": i} for i in range(n)]}
    sm = sfnkit.load(definition)  # loaded outside the timer, as moto's create_state_machine is
    sfnkit.run(sm, {"items": []})  # and the runtime imported once
    t0 = time.perf_counter()
    ex = sfnkit.run(sm, data)
    t_sfnkit = time.perf_counter() - t0
    out: dict[str, Any] = {"items": n, "sfnkit_s": t_sfnkit, "sfnkit_status": ex.status}
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name="us-east-1")
        arn = client.create_state_machine(
            name="dmap", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/bench"
        )["stateMachineArn"]
        t0 = time.perf_counter()
        run = client.start_execution(stateMachineArn=arn, input=json.dumps(data))["executionArn"]
        deadline = t0 + 120
        status = "RUNNING"
        while status == "RUNNING" and time.perf_counter() < deadline:
            time.sleep(0.01)
            status = client.describe_execution(executionArn=run)["status"]
        out.update(moto_s=time.perf_counter() - t0, moto_status=status if status != "RUNNING" else "timeout (120 s)")
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child(argv[1], int(argv[2]), int(argv[3]), argv[4])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10, help="MaxItemsPerBatch (1: no ItemBatcher)")
    parser.add_argument("--child-histories", default="auto", choices=("auto", "all", "failed", "none"))
    parser.add_argument("--moto-items", type=int, default=1_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        data.mkdir()
        with open(data / f"items-{args.items}.jsonl", "w", encoding="utf-8") as f:
            for i in range(args.items):
                f.write(json.dumps({"id": i, "value": i % 97}) + "\n")
        size = (data / f"items-{args.items}.jsonl").stat().st_size
        done = subprocess.run(
            [sys.executable, __file__, "--child", folder, str(args.items), str(args.batch), args.child_histories],
            capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
        if done.returncode != 0:
            print(done.stderr)
            return 1
        r = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"Distributed Map over {args.items:,} JSONL items ({size / 2**20:.0f} MiB), batches of {args.batch}, "
        f"child_histories={args.child_histories!r}:"
    )
    print(
        f"  {r['status']} in {r['run_s']:.1f} s, peak RSS {r['peak_rss_mib']:.0f} MiB; {r['children']:,} child "
        f"executions {r['counts']}; {r['kept']:,} child histories kept ({r['keep']}); parent history "
        f"{r['parent_events']} events; result files {r['result_files']}"
    )
    print(
        f"  reports.map_run: {r['table_rows']:,} rows in {r['table_s'] * 1000:.0f} ms; a failed child's history "
        f"and reports.states: {r['failed_child_s'] * 1000:.1f} ms; Debugger replay of it: "
        f"{r['debugger_s'] * 1000:.0f} ms"
    )
    m = moto_side(args.moto_items)
    print(f"\nthe same shape on both engines (a Distributed Map of Pass states over {m['items']:,} inline items):")
    print(f"  sfnkit {m['sfnkit_s']:.2f} s ({m['sfnkit_status']}); moto {m['moto_s']:.2f} s ({m['moto_status']})")
    if m["moto_status"] == "SUCCEEDED":
        print(f"  ratio moto/sfnkit: {m['moto_s'] / m['sfnkit_s']:.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
