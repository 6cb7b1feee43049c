"""The README's examples run verbatim: every ```python block whose first line is ``import sfnkit`` is executed as
it is written, in order, in one namespace (later blocks may use names from earlier ones)."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    return [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if b.startswith("import sfnkit\n")]


def test_readme_has_runnable_examples() -> None:
    assert len(_blocks()) >= 2


def test_readme_examples_run_verbatim() -> None:
    namespace: dict[str, object] = {"__name__": "__readme__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in _blocks():
            exec(compile(block, str(README), "exec"), namespace)
    printed = out.getvalue()
    # the comments in the README say what these lines print
    assert "SUCCEEDED {'greeting': 'Hello, Ada!'}" in printed
    assert "['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled'" in printed
    assert "13 EUR" in printed
    assert "'keys': ['2', '10', 'b'], 'n': '121932631112635000'" in printed


def test_readme_first_screen_commands() -> None:
    text = README.read_text(encoding="utf-8")
    first_screen = text[:1500]
    assert "sfnkit demo" in first_screen
    assert "pip install -e '.[test]'" in first_screen and "python -m pytest" in first_screen


def test_demo_command_runs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sfnkit", "demo"], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "Run 1 (a good order): SUCCEEDED" in done.stdout
    assert "A batch of 200 orders" in done.stdout
    assert (tmp_path / "sfnkit-demo-report.html").exists()
