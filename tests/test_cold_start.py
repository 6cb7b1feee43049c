"""What a fresh process's first ``load`` and ``run`` import (bench/interpreter.py --cold times them).

A JSONPath machine of Pass states needs the front end, the interpreter and the history: never the template
readers, the JSONata engine, the Lambda runtime, the item readers, payload templates, the history's views, or
modules such as uuid (and platform) that only some states use. Each test runs in a fresh interpreter."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

NOT_ON_THE_PASS_CHAIN_PATH = [
    "sfnkit.asl.project.load",
    "sfnkit.asl.jsonata",
    "sfnkit.asl.templates",
    "sfnkit.asl.intrinsics",
    "sfnkit.runtime.jsonata_flow",
    "sfnkit.runtime.invoke",
    "sfnkit.runtime.lambda_runtime",
    "sfnkit.runtime.distributed_map",
    "sfnkit.runtime.items",
    "sfnkit.history.views",
    "uuid",
    "platform",
    "difflib",
    "hashlib",
    "csv",
]


def _modules_after(code: str) -> set[str]:
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT)}
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_a_pass_chain_loads_and_runs_without_the_modules_it_does_not_use() -> None:
    loaded = _modules_after(
        "import sfnkit\n"
        "states = {f'S{i}': {'Type': 'Pass', 'Result': i, 'ResultPath': '$.step', 'Next': f'S{i + 1}'} for i in range(9)}\n"
        "states['S9'] = {'Type': 'Pass', 'End': True}\n"
        "ex = sfnkit.run(sfnkit.load({'StartAt': 'S0', 'States': states}), {'x': 1}, seed=0)\n"
        "assert ex.status == 'SUCCEEDED' and ex.output == {'x': 1, 'step': 8}, ex.output\n"
        "assert len(ex.history) == 22 and ex.name.count('-') == 4"
    )
    assert "sfnkit.runtime.interpreter" in loaded
    assert sorted(set(NOT_ON_THE_PASS_CHAIN_PATH) & loaded) == []


def test_the_lazy_parts_load_when_a_machine_uses_them() -> None:
    loaded = _modules_after(
        "import sfnkit\n"
        "d = {'StartAt': 'T', 'States': {'T': {'Type': 'Pass', 'Parameters': {'id.$': 'States.UUID()'}, 'Next': 'J'},\n"
        "     'J': {'Type': 'Pass', 'QueryLanguage': 'JSONata', 'Output': '{% $states.input.id %}', 'End': True}}}\n"
        "ex = sfnkit.run(sfnkit.load(d), {}, seed=0)\n"
        "assert ex.status == 'SUCCEEDED' and len(ex.output) == 36, ex.output\n"
        "from sfnkit.history import spans\n"
        "assert spans(ex.history)"
    )
    for name in ("sfnkit.asl.templates", "sfnkit.asl.intrinsics", "uuid", "sfnkit.runtime.jsonata_flow"):
        assert name in loaded
    assert "sfnkit.history.views" in loaded


def test_execution_names_are_the_uuid4_strings_they_were() -> None:
    from sfnkit.runtime.execution import _uuid4

    for seed in range(500):
        assert _uuid4(random.Random(seed)) == str(uuid.UUID(int=random.Random(seed).getrandbits(128), version=4))
    name = __import__("sfnkit").run({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}, {}, seed=3).name
    assert name == str(uuid.UUID(int=random.Random(3).getrandbits(128), version=4))
