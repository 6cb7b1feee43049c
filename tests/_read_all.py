"""Read a history every way sfnkit offers (the "every history is readable" invariant of issue 13).

``read_everything(ex)`` drives each history view, report table, plot, the HTML report, every repr, the display
mimebundles and the widgets' data functions over one execution, and checks that every piece of text they give
has a UTF-8 form (so it can be written to a file or sent to the notebook front end). Shared by the hardening
tests; plots and the HTML report only when ``full=True`` (they cost tens of milliseconds).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sfnkit
from sfnkit import History
from sfnkit.history import views
from sfnkit.views.display import execution_mimebundle, history_mimebundle
from sfnkit.widgets import data as wdata


def _utf8(value: Any, where: str) -> None:
    if isinstance(value, str):
        value.encode("utf-8")  # raises on a lone surrogate
    elif isinstance(value, dict):
        for k, v in value.items():
            _utf8(k, where)
            _utf8(v, where)
    elif isinstance(value, list | tuple):
        for v in value:
            _utf8(v, where)


def rows_from_events(h: History) -> list[list[Any]]:
    """The Debugger's event rows computed from materialised ``HistoryEvent`` objects, the straightforward way:
    what :func:`sfnkit.widgets.data.event_rows` (which reads raw events) must equal."""
    scopes = views.event_scopes(h)
    t0 = h[0].timestamp if len(h) else None
    rows: list[list[Any]] = []
    for position, e in enumerate(h):
        name = e.state_name or e.map_name or ""
        if e.type.startswith("MapIteration") and e.map_index is not None:
            name = f"{name}[{e.map_index}]"
        seconds = None if t0 is None else round((e.timestamp - t0).total_seconds(), 6)
        rows.append([e.id, e.type, name, seconds, wdata.scope_text(scopes[position]), e.error or ""])
    return rows


def read_history(h: History, *, html: bool = True) -> None:
    """Every view of one history (no runtime objects needed: works on AWS histories too); ``html=False`` checks
    the report tables' text through their CSV only (their HTML is the slow part)."""
    import sfnkit.reports as reports

    _utf8(repr(h), "repr(History)")
    for e in h:
        _utf8(repr(e), "repr(HistoryEvent)")
        e.input_value, e.output_value, e.parameters_value, e.assigned_variables  # noqa: B018
        e.state_name, e.error, e.cause  # noqa: B018
    text = h.to_json()
    _utf8(text, "to_json")
    json.loads(text)
    assert History.from_boto(h.to_boto()) == h
    assert History.from_boto(text) == h
    for s in views.spans(h):
        repr(s)
        s.input, s.output, s.duration, s.path  # noqa: B018
    for a in views.attempts(h):
        repr(a)
        a.input, a.output, a.duration  # noqa: B018
    for f in views.failures(h):
        _utf8(repr(f), "repr(Failure)")
    summary = views.execution_summary(h)
    repr(summary)
    summary.input, summary.output, summary.duration  # noqa: B018
    views.event_scopes(h)
    for name in ("events", "states", "attempts", "failures", "errors", "overview", "summary"):
        frame = getattr(reports, name)(h)
        if html:
            _utf8(frame.to_html(), f"reports.{name}")
        _utf8(frame.to_csv(), f"reports.{name}")
    reports.cost(h)
    _utf8(history_mimebundle(h), "history_mimebundle")
    rows = wdata.event_rows(h)
    _utf8(rows, "event_rows")
    assert rows == rows_from_events(h), "event_rows (read from raw events) differs from the events themselves"
    wdata.pack_rows(rows)
    _utf8(wdata.status_changes(h), "status_changes")
    wdata.map_iterations(h)
    for name in {s.name for s in views.spans(h)}:
        _utf8(wdata.inspector(h, name), "inspector")
    wdata.pending_tasks(h, [])


def read_everything(ex: sfnkit.Execution, tmp: Path | None = None, *, full: bool = False, html: bool = True) -> None:
    """Every view of an execution: its own reprs and display, then :func:`read_history` of its history."""
    _utf8(repr(ex), "repr(Execution)")
    _utf8(ex.summary(), "Execution.summary")
    _utf8([ex.error, ex.cause], "Execution.error/cause")
    ex.output  # noqa: B018
    _utf8(execution_mimebundle(ex), "execution_mimebundle")
    h = ex.history
    read_history(h, html=html)
    for name in {s.name for s in views.spans(h)}:
        _utf8(wdata.inspector(h, name, visits=ex.visits), "inspector(visits)")
    if full:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        import sfnkit.reports as reports

        for plot in (reports.timeline, reports.durations, reports.retries_failures):
            plot(h)
            plt.close("all")
        if tmp is not None:
            path = reports.html(ex, tmp / "report.html")
            path.read_text(encoding="utf-8")
