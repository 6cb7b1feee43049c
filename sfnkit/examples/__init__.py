"""Example state machines shipped with sfnkit (used by ``sfnkit demo``, the README and the notebooks)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

__all__ = ["definition", "names"]


def names() -> list[str]:
    """The names of the bundled examples."""
    return sorted(
        p.name[: -len(".asl.json")] for p in resources.files(__name__).iterdir() if p.name.endswith(".asl.json")
    )


def definition(name: str) -> dict[str, Any]:
    """The ASL definition of a bundled example, as a dict."""
    path = resources.files(__name__) / f"{name}.asl.json"
    if not path.is_file():
        raise KeyError(f"no example named {name!r}; available: {', '.join(names())}")
    definition: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return definition
