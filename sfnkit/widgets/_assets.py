"""Where the widgets' front-end files are: ``sfnkit/_frontend`` in an installed wheel, ``<repo>/widgets`` in a
checkout (or an editable install). The wheel gets them through pyproject's ``force-include`` of ``widgets``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["asset"]

_PACKAGE = Path(__file__).resolve().parent.parent  # sfnkit/


@cache
def asset(name: str) -> Path:
    """The path of front-end file ``name`` (``"sfnkit.js"``, ``"sfnkit.css"``)."""
    for folder in (_PACKAGE / "_frontend", _PACKAGE.parent / "widgets"):
        path = folder / name
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"sfnkit's widget front end {name!r} is missing: looked in {_PACKAGE / '_frontend'} (installed wheel) "
        f"and {_PACKAGE.parent / 'widgets'} (source checkout); reinstall sfnkit with pip install 'sfnkit[widgets]'"
    )
