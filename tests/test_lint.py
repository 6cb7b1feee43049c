"""The code's own checks, run as tests so CI runs them: ``mypy --strict`` (configured in pyproject.toml) over the
package, ``ruff check`` and ``ruff format --check`` over the package, the tests and the benches.

They carry the ``lint`` marker: ``pytest -m lint`` runs only them, ``pytest -m "not lint"`` leaves them out while
iterating. The README's test command runs everything, these included. The tool versions are pinned in the
``test`` extra so that a fresh install judges the code as this checkout was judged.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.lint
ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[test]' brings it"
    return found


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_mypy_strict_passes_on_the_package() -> None:
    done = _run(_tool("mypy"), "sfnkit")  # strict = true in [tool.mypy]
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "Success: no issues found" in done.stdout


def test_ruff_check_passes() -> None:
    done = _run(_tool("ruff"), "check", "sfnkit", "tests", "bench")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_ruff_format_is_applied() -> None:
    done = _run(_tool("ruff"), "format", "--check", "sfnkit", "tests", "bench")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_strict_mode_is_what_the_config_asks_for() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert config.get("strict") is True
    # the only global relaxation: third-party packages without type information are read as Any
    assert set(config) <= {"python_version", "packages", "ignore_missing_imports", "strict", "untyped_calls_exclude"}
