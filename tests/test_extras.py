"""The install extras promised by the README exist, and environment.yml mirrors them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _extras() -> dict[str, list[str]]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]


def _name(requirement: str) -> str:
    return re.split(r"[<>=\[ ;]", requirement, maxsplit=1)[0].lower()


def test_the_jupyter_extra_installs_jupyterlab_and_notebook_7_and_all_includes_it() -> None:
    extras = _extras()
    jupyter = {_name(r): r for r in extras["jupyter"]}
    assert {"jupyterlab", "notebook", "ipykernel"} <= set(jupyter)
    assert jupyter["notebook"].startswith("notebook>=7")
    assert any("jupyter" in r for r in extras["all"])


def test_environment_yml_mirrors_the_jupyter_extra() -> None:
    env = (ROOT / "environment.yml").read_text(encoding="utf-8")
    for requirement in _extras()["jupyter"]:
        assert _name(requirement) in env, requirement
