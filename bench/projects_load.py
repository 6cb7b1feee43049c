"""Sample projects as sources: the share that loads, how long loading takes, and the parser measurements.

    python bench/projects_load.py            # every project in tests/projects
    python bench/projects_load.py --repeat 20

Prints, per project: its format, its state machines, whether every one loaded without error, the warnings, the
time of the first load in a fresh interpreter (imports included: what a notebook's first cell pays) and the warm
load time. Then the parser comparison that chose the readers: sfnkit's decoder (PyYAML with CloudFormation's tags)
against cfn-lint's (when installed), and python-hcl2's raw tree against its dict API.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = ROOT / "tests" / "projects"
sys.path.insert(0, str(ROOT))


def first_load(folder: Path) -> float:
    """Seconds to import sfnkit and load every machine of ``folder`` in a fresh interpreter."""
    code = (
        "import time, sys; t = time.perf_counter(); import sfnkit\n"
        f"sfnkit.state_machines({str(folder)!r})\n"
        "print(time.perf_counter() - t)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
        check=False,
    )
    return float(done.stdout.strip()) if done.returncode == 0 else float("nan")


def projects(repeat: int) -> None:
    import sfnkit

    rows = []
    for folder in sorted(p for p in PROJECTS.iterdir() if p.is_dir()):
        try:
            machines = sfnkit.state_machines(folder)
            ok, error = True, ""
        except sfnkit.DefinitionError as e:
            machines, ok, error = {}, False, str(e)
        warnings = [d for d in sfnkit.validate(folder) if d.severity == "WARNING"]
        warm = []
        for _ in range(repeat):
            t = time.perf_counter()
            sfnkit.state_machines(folder)
            warm.append(time.perf_counter() - t)
        fmt = next(iter(machines.values())).project.format if machines else "?"
        rows.append(
            (folder.name, fmt, len(machines), ok, len(warnings), first_load(folder), statistics.median(warm), error)
        )
    print(
        f"{'project':34} {'format':15} {'machines':>8} {'loads':>6} {'warnings':>8} {'first load':>11} {'warm load':>10}"
    )
    for name, fmt, n, ok, w, first, warm_s, error in rows:
        print(f"{name:34} {fmt:15} {n:8} {'yes' if ok else 'NO':>6} {w:8} {first * 1000:9.0f}ms {warm_s * 1000:8.1f}ms")
        if error:
            print(f"    {error}")
    loaded = sum(r[3] for r in rows)
    print(
        f"\nloads without error: {loaded}/{len(rows)} projects ({100 * loaded / len(rows):.0f}%), "
        f"{sum(r[2] for r in rows)} state machines"
    )
    print(
        f"first load (fresh interpreter, imports included): median {statistics.median(r[5] for r in rows) * 1000:.0f} ms, "
        f"max {max(r[5] for r in rows) * 1000:.0f} ms; warm load: median {statistics.median(r[6] for r in rows) * 1000:.1f} ms"
    )


def _import_time(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
    )
    return float(done.stdout.strip())


def parsers(repeat: int) -> None:
    """sfnkit's decoder (PyYAML + CloudFormation tags, marks on every node) against cfn-lint's, when installed."""
    import importlib.util

    from sfnkit.asl.project.decode import decode as sfnkit_decode

    templates = sorted(p for p in PROJECTS.glob("*/*") if p.suffix in (".yaml", ".yml"))
    jsons = sorted(PROJECTS.glob("**/*.template.json")) + sorted(PROJECTS.glob("cfn-json-*/*.json"))
    tfs = sorted(PROJECTS.glob("terraform-*/*.tf"))
    have_cfnlint = importlib.util.find_spec("cfnlint") is not None

    def median_ms(fn: object, files: list[Path]) -> float:
        times = []
        for f in files:
            for _ in range(repeat):
                t = time.perf_counter()
                fn(f)  # type: ignore[operator]
                times.append(time.perf_counter() - t)
        return statistics.median(times) * 1000

    print("\nparsers (import in a fresh interpreter; median time per file over the sample projects):")
    imports = f"  import sfnkit.asl.project.decode + yaml: {_import_time('sfnkit.asl.project.decode') * 1000:.0f} ms"
    if have_cfnlint:
        imports += f"   import cfnlint.decode: {_import_time('cfnlint.decode') * 1000:.0f} ms"
    print(imports + f"   import hcl2: {_import_time('hcl2') * 1000:.0f} ms")
    line = f"  YAML ({len(templates)} files): sfnkit {median_ms(sfnkit_decode, templates):.2f} ms"
    jline = f"  JSON ({len(jsons)} files): sfnkit {median_ms(sfnkit_decode, jsons):.2f} ms"
    if have_cfnlint:
        import logging

        from cfnlint.decode import decode

        logging.getLogger("cfnlint").setLevel(logging.CRITICAL)
        line += f"   cfn-lint {median_ms(lambda f: decode(str(f)), templates):.2f} ms"
        jline += f"   cfn-lint {median_ms(lambda f: decode(str(f)), jsons):.2f} ms"
    print(line + "  (both mark every node with its line and column)")
    print(jline + f"   plain json.loads {median_ms(lambda f: json.loads(f.read_text()), jsons):.3f} ms (no marks)")
    import hcl2

    print(
        f"  Terraform ({len(tfs)} files): hcl2.parses_to_tree {median_ms(lambda f: hcl2.parses_to_tree(f.read_text()), tfs):.2f} ms"
        f" (raw tree with positions, what sfnkit evaluates)  vs  hcl2.loads {median_ms(lambda f: hcl2.loads(f.read_text()), tfs):.2f} ms"
        " (dict of expression strings, no positions)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm loads per project (default 5)")
    args = parser.parse_args()
    projects(args.repeat)
    parsers(args.repeat)


if __name__ == "__main__":
    main()
