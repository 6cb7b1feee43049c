"""How the frames sfnkit returns look in a notebook: compact durations, wide tables that stay readable.

Every frame of :mod:`sfnkit.reports` is a :class:`ReportFrame`, a ``pandas.DataFrame`` subclass that changes
nothing but its HTML display (pandas' documented way to extend a DataFrame: ``_constructor``, ``_metadata``),
so the data keeps its documented dtypes (``timedelta64[us]`` stays a timedelta, sums and quantiles work) and
operations (``sort_values``, column selection, ``head``) keep the display. The HTML repr:

* writes durations compactly and in one style per column (``0.65 s``, ``25m43s``, ``3h05m``, ``1d00h``)
  instead of pandas' ``0 days 00:25:43.000000``;
* sits in a box that scrolls sideways, with the first column pinned, so the right-hand columns of a wide
  table can be read in JupyterLab;
* adds the notes and the total row a frame carries in ``attrs`` (``sfnkit_notes``, ``sfnkit_total``), e.g.
  :func:`sfnkit.reports.cost`'s Express warning and totals.
"""

from __future__ import annotations

import html
import math
from datetime import timedelta
from typing import Any, Final

import pandas as pd

__all__ = ["ReportFrame", "compact_duration", "report_frame"]

_STYLE: Final = (
    "<style>.sfnkit-frame{overflow-x:auto;max-width:100%}"
    ".sfnkit-frame table{white-space:nowrap}"
    ".sfnkit-frame tbody th,.sfnkit-frame thead th:first-child{position:sticky;left:0;"
    "background:var(--jp-layout-color0,#fff);z-index:1}"
    ".sfnkit-frame .sfnkit-note{color:#a50e0e;margin:2px 0 4px}</style>"
)


def compact_duration(value: Any) -> str:
    """``timedelta`` -> short text: ``0.65 s``, ``12.4 s``, ``25m43s``, ``3h05m``, ``1d00h``; missing -> ``""``."""
    if value is None or value is pd.NaT:
        return ""
    seconds = value.total_seconds() if isinstance(value, pd.Timedelta | timedelta) else float(value)
    if math.isnan(seconds):
        return ""
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    if s < 60:
        if s == 0:
            return "0 s"
        return f"{sign}{s:.3g} s" if s < 10 else f"{sign}{s:.1f} s"
    whole = round(s)
    if whole < 3600:
        return f"{sign}{whole // 60}m{whole % 60:02d}s"
    if whole < 86400:
        return f"{sign}{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"{sign}{whole // 86400}d{whole % 86400 // 3600:02d}h"


def _cell(value: Any) -> Any:
    if isinstance(value, pd.Timedelta | timedelta):
        return compact_duration(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return value


class ReportFrame(pd.DataFrame):  # type: ignore[misc]  # pandas ships no stubs here: DataFrame is Any
    """A DataFrame whose notebook display is compact (see the module docstring); the data is untouched."""

    _metadata: list[str] = []  # noqa: RUF012 - pandas' own protocol

    @property
    def _constructor(self) -> type[ReportFrame]:
        return ReportFrame

    def _display_copy(self) -> pd.DataFrame:
        shown = pd.DataFrame(self, copy=True)
        for column in shown.columns:
            if pd.api.types.is_timedelta64_dtype(shown[column].dtype):
                shown[column] = shown[column].map(compact_duration).astype("string")
        return shown

    def _repr_html_(self) -> str | None:
        shown = self._display_copy()
        total = self.attrs.get("sfnkit_total")
        if isinstance(total, dict) and len(shown):
            row = {c: _cell(total.get(c, "")) for c in shown.columns}
            footer = pd.DataFrame([row], index=["total"], dtype=object)
            shown = pd.concat([shown.astype(object), footer])
        inner = pd.DataFrame._repr_html_(shown)
        if inner is None:
            return None
        notes = "".join(
            f'<div class="sfnkit-note">⚠ {html.escape(str(n))}</div>' for n in self.attrs.get("sfnkit_notes", ())
        )
        return f'{_STYLE}<div class="sfnkit-frame">{notes}{inner}</div>'


def report_frame(frame: pd.DataFrame) -> ReportFrame:
    """``frame`` as a :class:`ReportFrame` (no copy of the data; ``attrs`` kept)."""
    out = ReportFrame(frame, copy=False)
    out.attrs.update(frame.attrs)
    return out
