"""Small text helpers shared by the runtime's summaries and the displays: safe_str (never raises), format_duration.

Public (``sfnkit.text``) because the runtime, the views and the demo all use it; it sits just above
``sfnkit.history.model``, whose escape_surrogates it uses (``tests/test_layers.py``).
"""

from __future__ import annotations

from typing import Any

from sfnkit.history.model import escape_surrogates

__all__ = ["escape_surrogates", "format_duration", "safe_str"]


def safe_str(value: Any) -> str:
    """``str(value)`` for messages about values sfnkit does not control (a handler's exception, a failure's
    error or cause): never raises (an ``__str__`` that raises gives a note saying so) and has a UTF-8 form."""
    try:
        text = value if type(value) is str else str(value)
        if not isinstance(text, str):  # pragma: no cover - str() always returns a str
            raise TypeError("__str__ returned a non-string")
    except Exception as e:
        try:
            kind = type(e).__name__
        except Exception:  # pragma: no cover - type(...).__name__ is a str
            kind = "Exception"
        text = f"<unprintable {type(value).__name__} object: str() raised {kind}>"
    return escape_surrogates(text)


def format_duration(seconds: float) -> str:
    """A short human duration: ``0.734 s``, ``12.5 s``, ``3.2 min``, ``24.0 h``, ``3.5 days``."""
    if seconds < 60:
        return f"{seconds:.3g} s" if seconds < 10 else f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
