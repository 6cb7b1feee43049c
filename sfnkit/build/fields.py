"""Which Python keyword stands for which ASL field, and where in the user's code a builder object was made.

The builder mirrors ASL one to one: every field of every state type (the tables of :mod:`sfnkit.asl.parse`, which
follow the ASL spec, https://states-language.net/spec.html, and AWS's JSONata documentation) is a keyword
argument spelled in snake_case (``ResultSelector`` -> ``result_selector``, ``CSVHeaderLocation`` ->
``csv_header_location``). This module owns that mapping, the "unknown field" message, and :class:`Origin`, the
``file:line`` of the Python call that built an object, which diagnostics point at.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass

from sfnkit.errors import SfnkitError

__all__ = ["BuildError", "Origin", "asl_name", "caller", "snake_name"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


class BuildError(SfnkitError, ValueError):
    """The builder was used in a way ASL does not allow; the message names the Python line that did it."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a builder object was made: the first frame outside :mod:`sfnkit.build`."""

    filename: str
    lineno: int

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}"


def caller() -> Origin:
    """The ``file:line`` of the user's code that is calling into the builder right now."""
    frame = sys._getframe(1)
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _PACKAGE_DIR:
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return Origin("<unknown>", 0)
    return Origin(frame.f_code.co_filename, frame.f_lineno)


def snake_name(field: str) -> str:
    """``ResultSelector`` -> ``result_selector``; ``CSVHeaderLocation`` -> ``csv_header_location``."""
    return _BOUNDARY.sub("_", field).lower()


def asl_name(keyword: str, allowed: Iterable[str], *, what: str, origin: Origin) -> str:
    """The ASL field a keyword stands for, among ``allowed``; else a :class:`BuildError` with the closest names."""
    table = {snake_name(f): f for f in allowed}
    if keyword in table:
        return table[keyword]
    wanted = snake_name(keyword)
    close = difflib.get_close_matches(wanted, sorted(table), n=1, cutoff=0.6)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    fields = ", ".join(sorted(table))
    raise BuildError(f"{origin}: unknown field {keyword!r} for {what}{hint} (allowed: {fields})")
