"""JSONata machines loaded and run from many threads (issue 13: the engine killed the process with SIGSEGV).

The native engine keeps state bound to the thread that first imported it; sfnkit makes sure that thread lives
as long as the process (``sfnkit.asl.jsonata._engine_module``). Each scenario runs in a fresh interpreter, so
the engine is first imported on the scenario's worker thread, and a regression fails the test (exit status
-11) instead of killing pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

COMMON = """
import concurrent.futures, threading, sfnkit

def machine(expr):
    return {"StartAt": "S", "States": {"S": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": expr,
                                             "End": True}}}

def in_thread(f):
    box = []
    th = threading.Thread(target=lambda: box.append(f()))
    th.start()
    th.join()
    return box[0]

PARTITION = machine("{% $partition($states.input.a, $states.input.b) %}")
EXPRESSIONS = [
    ("{% $states.input %}", {"x": 1}, {"x": 1}),
    ("{% $partition($states.input.a, 2) %}", {"a": [0, 1, 2]}, [[0, 1], [2]]),
    ("{% $string($states.input.x) & '!' %}", {"x": 5}, "5!"),
    ("{% $states.input.a[0] %}", {"a": [7]}, 7),
    ("{% $sum($states.input.a) %}", {"a": [1, 2]}, 3),
    ("{% $uppercase($states.input.s) %}", {"s": "ab"}, "AB"),
    ("{% $hash($states.input.s, 'MD5') %}", {"s": ""}, "d41d8cd98f00b204e9800998ecf8427e"),
    ("{% $states.input.a.b.c %}", {"a": {"b": {"c": True}}}, True),
]

def load_and_run(i):
    expr, data, expected = EXPRESSIONS[i % len(EXPRESSIONS)]
    ex = sfnkit.run(sfnkit.load(machine(expr)), data)
    assert ex.status == "SUCCEEDED" and ex.output == expected, (expr, ex.status, ex.output, ex.cause)
    return i
"""

SCENARIOS = {
    # the report's own three lines
    "issue-repro": """
in_thread(lambda: sfnkit.run(sfnkit.load(machine("{% $states.input %}")), {"x": 1}))
in_thread(lambda: sfnkit.run(sfnkit.load(PARTITION), {"a": [0], "b": 1}))
ex = in_thread(lambda: sfnkit.run(sfnkit.load(PARTITION), {"a": [0, 1, 2], "b": 1}))
assert ex.output == [[0], [1], [2]], ex.output
""",
    "short-lived-threads": """
for i in range(120):
    assert in_thread(lambda: load_and_run(i)) == i
""",
    "thread-pool": """
with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
    assert sorted(pool.map(load_and_run, range(240))) == list(range(240))
for _ in range(5):  # pools that come and go: their threads exit holding engine objects in thread caches
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(load_and_run, range(24)))
""",
    "one-machine-many-threads": """
sm = sfnkit.load(PARTITION)
def go(n):
    return sfnkit.run(sm, {"a": list(range(n)), "b": 2}).output
outs = [in_thread(lambda: go(n)) for n in range(1, 40)]
assert outs[2] == [[0, 1], [2]], outs[2]
with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
    assert list(pool.map(go, range(1, 40))) == outs
""",
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_jsonata_machines_from_many_threads(name: str) -> None:
    # the whole scenario, the first import of the engine included, happens off the main thread
    body = COMMON + "\ndef scenario():\n" + textwrap.indent(SCENARIOS[name], "    ") + "\n"
    body += "in_thread(scenario)\nprint('done')\n"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", body], env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, f"exit status {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    assert proc.stdout.strip().endswith("done")
