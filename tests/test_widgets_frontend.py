"""The widgets' front-end sources as code: they parse as ES modules (``node --check``), and ``widgets/sfnkit.js``
keeps its shape (each part of the Debugger a small component class with JSDoc-typed inputs, ``renderDebugger``
only wiring them). What the components do is checked in a real browser by ``tests/browser/``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from sfnkit.widgets._assets import asset

MODULES = ("sfnkit.js", "dataflow.js")


def _node_check(node: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([node, "--check", str(path)], capture_output=True, text=True, timeout=60, check=False)


def test_front_end_modules_parse_as_es_modules(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("the syntax check needs node (.ci/run installs it)")
    # checked as .mjs: node 20 checks a .js file as CommonJS and lets a module's syntax errors through unseen
    bad = tmp_path / "bad.mjs"
    bad.write_text("export default { render( };\n", encoding="utf-8")
    assert _node_check(node, bad).returncode != 0  # the check does see a syntax error
    for name in MODULES:
        copy = tmp_path / f"{Path(name).stem}.mjs"
        copy.write_text(asset(name).read_text(encoding="utf-8"), encoding="utf-8")
        done = _node_check(node, copy)
        assert done.returncode == 0, f"{name}: {done.stderr}"
