"""The one adapter between sfnkit and its JSONata engine (AWS runs JSONata 2.0.6).

The engine is ``jsonatapy`` (Rust core): measured in ../shared/NOTEBOOKS.md at about 1.5 µs for a simple
``$states.input.x + 1`` against 2,600 µs/26x slower for the pure-Python ``jsonata-python`` on a sum over 100
items. Everything else in sfnkit goes through the functions here, so the engine can be swapped.
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = ["check_syntax", "compile_expression", "strip"]

_POSITION = re.compile(r"(?:position|at char(?:acter)?)\s*(\d+)", re.I)


def strip(text: str) -> str:
    """The expression inside ``{% ... %}``."""
    return text[2:-2].strip()


@functools.lru_cache(maxsize=4096)
def compile_expression(expr: str) -> Any:
    """Compile a bare JSONata expression (without ``{% %}``); raises ValueError on bad syntax."""
    import jsonatapy

    return jsonatapy.compile(expr)


def check_syntax(text: str) -> str | None:
    """A readable message when ``{% expr %}`` does not parse, else None."""
    expr = strip(text)
    if not expr:
        return "empty JSONata expression: write something between {% and %}"
    try:
        compile_expression(expr)
    except ImportError:  # pragma: no cover - jsonatapy is a core dependency
        return None
    except Exception as e:  # the engine raises ValueError; be defensive about its other failures
        msg = str(e).replace("Parse error: ", "")
        caret = ""
        m = _POSITION.search(msg)
        if m:
            pos = min(int(m.group(1)), len(expr))
            caret = f"\n    {expr}\n    {' ' * pos}^"
        elif "end of expression" in msg:
            caret = f"\n    {expr}\n    {' ' * len(expr)}^"
        else:
            caret = f"\n    {expr}"
        return f"invalid JSONata expression: {msg}{caret}"
    return None
