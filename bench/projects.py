"""Real projects, offline: over the sample projects in ``tests/projects/`` (SAM, CloudFormation JSON/YAML, CDK
synth output, serverless.yml, Terraform), print

* the share of projects that **load** without error (``sfnkit.state_machines(folder)``), and of state machines;
* the share of state machines that **run to SUCCEEDED** with ``services="local"`` and no handler code (the
  template's own Python Lambdas run; everything else is the embedded moto AWS or a stub). The input is what a
  user would pass, from ``bench/project_inputs.json`` (else ``{}``);
* the **time to first run** of a project in a fresh process (``import sfnkit``, load the template, start the
  embedded AWS, run), median of three processes, and the time of a second run in the same process.

::

    python bench/projects.py                 # every project, then the first-run timing
    python bench/projects.py --no-timing     # only the shares
    python bench/projects.py --json out.json

Run it from the repository root (it imports the checkout's ``sfnkit``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROJECTS = ROOT / "tests" / "projects"
TIMED = ROOT / "notebooks" / "sam_project" / "template.yaml"


INPUTS = json.loads((Path(__file__).resolve().parent / "project_inputs.json").read_text(encoding="utf-8"))


def _input_for(folder: Path, name: str) -> Any:
    return INPUTS.get(folder.name, {}).get(name, {})


def survey() -> dict[str, Any]:
    import sfnkit

    rows: list[dict[str, Any]] = []
    projects = sorted(p for p in PROJECTS.iterdir() if p.is_dir())
    loaded_projects = 0
    for folder in projects:
        try:
            machines = sfnkit.state_machines(folder)
        except Exception as e:
            rows.append(
                {
                    "project": folder.name,
                    "machine": "-",
                    "load": f"error: {str(e).splitlines()[0][:90]}",
                    "status": "-",
                    "stubbed": 0,
                }
            )
            continue
        loaded_projects += 1
        for name, sm in sorted(machines.items()):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    ex = sfnkit.run(sm, _input_for(folder, name), services="local")
                    status = ex.status
                    detail = "" if status == "SUCCEEDED" else f"{ex.error}: {(ex.cause or '')[:70]}"
                except Exception as e:  # a misuse error (e.g. a ResourceError) counts as not running
                    status, detail = "ERROR", f"{type(e).__name__}: {str(e).splitlines()[0][:70]}"
            stubbed = sum(1 for w in caught if "services='local'" in str(w.message))
            rows.append(
                {
                    "project": folder.name,
                    "machine": name,
                    "load": "ok",
                    "status": status,
                    "detail": detail,
                    "stubbed": stubbed,
                }
            )
    machines_total = sum(1 for r in rows if r["machine"] != "-")
    succeeded = sum(1 for r in rows if r["status"] == "SUCCEEDED")
    return {
        "projects": len(projects),
        "projects_loaded": loaded_projects,
        "machines": machines_total,
        "machines_succeeded": succeeded,
        "rows": rows,
    }


_FIRST_RUN = """
import time
t0 = time.perf_counter()
import sfnkit
sm = sfnkit.load({path!r}, name="OrderMachine")
t1 = time.perf_counter()
ex = sfnkit.run(sm, {{"orderId": "b-1", "items": [{{"product": "latte"}}]}}, services="local")
t2 = time.perf_counter()
assert ex.status == "SUCCEEDED", ex.summary()
again = sfnkit.run(sm, {{"orderId": "b-2", "items": [{{"product": "latte"}}]}}, services="local")
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def first_run(repeat: int = 3) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", _FIRST_RUN.format(path=str(TIMED))],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
            timeout=300,
        )
        if done.returncode != 0:
            raise SystemExit(f"first-run timing failed:\n{done.stderr}")
        samples.append([float(x) for x in done.stdout.split()])
    load = statistics.median(s[0] for s in samples)
    run = statistics.median(s[1] for s in samples)
    second = statistics.median(s[2] for s in samples)
    return {"import_and_load_s": load, "first_run_s": run, "time_to_first_run_s": load + run, "second_run_s": second}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--json", metavar="PATH")
    args = ap.parse_args()
    started = time.perf_counter()
    result = survey()
    print(f"{'project':28} {'machine':34} {'load':6} {'status':10} stubs  detail")
    for r in result["rows"]:
        print(
            f"{r['project'][:28]:28} {r['machine'][:34]:34} {r['load'][:6]:6} {r['status']:10} "
            f"{r['stubbed']:5}  {r.get('detail', r['load'] if r['load'] != 'ok' else '')}"
        )
    p, pl = result["projects"], result["projects_loaded"]
    n, ok = result["machines"], result["machines_succeeded"]
    print()
    print(f"projects that load without error: {pl}/{p} ({100 * pl / max(p, 1):.0f} %)")
    print(
        f"state machines that run to SUCCEEDED with services='local', no handler code: {ok}/{n} "
        f"({100 * ok / max(n, 1):.0f} %)"
    )
    print(f"(survey took {time.perf_counter() - started:.1f} s in one process)")
    if not args.no_timing:
        t = first_run()
        result["timing"] = t
        print(
            f"time to first run of {TIMED.relative_to(ROOT)} in a fresh process (median of 3): "
            f"{t['time_to_first_run_s']:.2f} s (import + load {t['import_and_load_s']:.2f} s, first run with the "
            f"embedded AWS starting {t['first_run_s']:.2f} s); a second run in the same process: "
            f"{t['second_run_s'] * 1000:.0f} ms"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
