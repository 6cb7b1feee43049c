"""A self-contained HTML report of one execution or many: one file, nothing loaded from anywhere else.

The page opens with a contents list and the per-state summary; every section folds (``<details>``, no script),
the long tables (events, executions) start folded. The file holds the state-machine graph (an SVG from ``sfnkit.views.render.svg``, when the definition is known and
that module is present), the summary tables, PNG plots (timeline, durations, errors) and the event table.
Images are ``data:`` URIs; there is no script at all, and a Content-Security-Policy forbids loading anything,
so the file opens the same offline, in a mail attachment or in a CI artefact.

Everything that comes from the execution (state names, errors, causes, event details) is HTML-escaped; the
graph SVG is embedded as an image (``<img src="data:image/svg+xml;base64,...">``), where browsers never run
scripts, so even a renderer bug cannot inject markup into the page.
"""

from __future__ import annotations

import base64
import html as _html
import io
import os
import warnings
from collections.abc import Iterable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from sfnkit.history.model import History
from sfnkit.reports import frames, plots
from sfnkit.reports import pricing as _cost
from sfnkit.reports._inputs import collect, require, state_machine_of

__all__ = ["html"]

_CSS: Final = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;max-width:1200px;
padding:0 1em;color:#222}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em;
margin-top:2em}h3{font-size:1em}
.meta{color:#555}.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5em 1em}
table{border-collapse:collapse;font-size:12px;margin:.5em 0 1.5em}th,td{border:1px solid #ddd;padding:2px 6px;
text-align:left;vertical-align:top}th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.details{font-family:ui-monospace,Menlo,Consolas,monospace;max-width:40em;word-break:break-all}
.status-SUCCEEDED,.status-succeeded{color:#2e7d32}.status-FAILED,.status-failed,.status-TIMED_OUT{color:#c62828}
.status-caught,.status-retried{color:#e65100}img{max-width:100%}
nav.toc{background:#f8f9fa;border:1px solid #e0e0e0;padding:.4em 1em;margin:1em 0}nav.toc ol{margin:.2em 0;
padding-left:1.4em}details.section{margin-top:1.2em}details.section>summary{cursor:pointer;list-style:revert}
details.section>summary h2{display:inline;border:0;margin:0}.scroll{overflow-x:auto}
"""
_CSP: Final = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _e(value: Any) -> str:
    return _html.escape(str(value), quote=True)


def _fmt(value: Any) -> str:
    """A cell's text: durations in seconds, timestamps in ISO 8601, missing values empty."""
    if value is None:
        return ""
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return ""
        if isinstance(value, pd.Timestamp):
            return str(value.isoformat())
    except ImportError:  # pragma: no cover - the report needs pandas anyway
        pass
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, timedelta):
        from sfnkit.reports._display import compact_duration

        return compact_duration(value)  # the notebook display's format: 0.65 s, 25m43s, 1d00h
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _table(frame: Any, *, max_rows: int | None = None, details: Iterable[str] = ()) -> str:
    """An HTML table of a DataFrame, every header and cell escaped."""
    wide = set(details)
    columns = list(frame.columns)
    numeric = {c for c in columns if frame[c].dtype.kind in "iufm" or str(frame[c].dtype) == "Int64"}
    rows = frame if max_rows is None else frame.head(max_rows)
    out = ["<table><thead><tr>", *(f"<th>{_e(c)}</th>" for c in columns), "</tr></thead><tbody>"]
    for record in rows.itertuples(index=False, name=None):
        out.append("<tr>")
        for column, value in zip(columns, record, strict=True):
            text = _fmt(value)
            if column in wide and len(text) > 600:
                text = text[:600] + "…"
            css = "num" if column in numeric else ("details" if column in wide else "")
            if column == "status":
                css = f"status-{text}"
            out.append(f'<td class="{_e(css)}">{_e(text)}</td>' if css else f"<td>{_e(text)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    if max_rows is not None and len(frame) > max_rows:
        out.append(f'<p class="note">Showing the first {max_rows:,} of {len(frame):,} rows.</p>')
    return "".join(out)


# Across executions, the state's worst outcome wins (within one execution, sfnkit.views.render.status_of decides).
_BATCH_RANK: Final = {
    name: i
    for i, name in enumerate(("not_run", "succeeded", "running", "waiting", "aborted", "retried", "caught", "failed"))
}


def _graph_status(render: Any, sm: Any, histories: Sequence[History]) -> dict[str, str]:
    """State name -> status for ``sfnkit.views.render.svg``: ``render.status_of`` per execution, worst across many."""
    merged: dict[str, str] = {}
    for h in histories:
        for name, status in render.status_of(h, sm=sm).items():
            old = merged.get(name)
            if old is None or _BATCH_RANK.get(status, 0) > _BATCH_RANK.get(old, 0):
                merged[name] = status
    return merged


def _png(draw: Any, width: float = 10.0, *, tall: bool = False) -> str:
    """Draw on a fresh Figure (no pyplot: no global state, no GUI) and return a PNG data URI."""
    require("matplotlib", "sfnkit.reports.html()")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, 4.0))
    ax = figure.subplots()
    draw(ax)
    if tall:  # one lane per y tick: make room for each
        lanes = len(ax.get_yticks())
        figure.set_size_inches(width, min(2.0 + 0.3 * max(lanes, 1), 40.0))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(title: str, uri: str) -> str:
    return f'<figure><img alt="{_e(title)}" src="{uri}"><figcaption>{_e(title)}</figcaption></figure>'


def _graph_section(source: Any, histories: Sequence[History], definition: Any = None) -> str:
    from sfnkit.asl.validate import load

    sm = load(definition) if definition is not None else state_machine_of(source)
    head = ""
    if sm is None:
        return head + (
            '<p class="note">No graph: the report was given histories only, without their state machine '
            "definition. From Python, pass <code>definition=</code> (or the Execution, or the batch from "
            "sfnkit.run_many); on the command line, <code>sfnkit report HISTORY.json --definition FILE</code>.</p>"
        )
    try:
        from sfnkit.views import render
    except ImportError as error:
        return head + (
            f'<p class="note">No graph: the SVG renderer (sfnkit.views.render.svg) is not available here ({_e(error)}).</p>'
        )
    try:
        svg_text = render.svg(sm, status=_graph_status(render, sm, histories))
    except Exception as error:  # the report is still worth writing without its picture
        return head + f'<p class="note">No graph: rendering it failed with {_e(type(error).__name__)}: {_e(error)}</p>'
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg_text.encode("utf-8")).decode("ascii")
    caption = "state colours: " + (
        "how the execution went" if len(histories) == 1 else "the worst outcome of each state across executions"
    )
    return head + _figure(caption, uri)


def _section(key: str, title: str, body: str, *, open_: bool = True) -> tuple[str, str, str]:
    """``(anchor, title, html)`` of one collapsible section (``<details>``: no script needed to fold it)."""
    opened = " open" if open_ else ""
    return (
        key,
        title,
        (
            f'<details class="section" id="{_e(key)}"{opened}><summary><h2>{_e(title)}</h2></summary>'
            f'<div class="scroll">{body}</div></details>'
        ),
    )


def _contents(sections: Sequence[tuple[str, str, str]]) -> str:
    items = "".join(f'<li><a href="#{_e(key)}">{_e(title)}</a></li>' for key, title, _ in sections)
    return f'<nav class="toc" aria-label="Contents"><b>Contents</b><ol>{items}</ol></nav>'


def _timeline_png(history: History) -> str:
    return _png(lambda ax: plots.timeline(history, ax=ax), tall=True)


def html(
    source: Any,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    max_events: int = 5000,
    definition: Any = None,
) -> Path:
    """Write a self-contained HTML report to ``path`` and return the path.

    ``source``: one execution (an ``Execution``, or a ``History``, e.g. from AWS) or many (a batch from
    ``sfnkit.run_many``, or a list). The page opens with a contents list; each section folds (``<details>``).
    One execution: per-state summary, graph, overview, errors, cost estimate, timeline, event table (the
    first ``max_events`` events, folded). Many: per-state summary, graph (worst outcome per state), status
    counts, errors by state, cost estimate with totals, durations per state, the timelines of the slowest and
    of the first failed execution, the table of executions (folded), and the events of the slowest execution
    (folded). The graph needs the state machine: an Execution or a batch has it, or pass ``definition=``
    (anything :func:`sfnkit.load` reads); without it the report says how to add it.
    """
    pd = require("pandas", "sfnkit.reports.html()")
    histories, many = collect(source, "html")
    if not histories:
        raise ValueError("html(): nothing to report: the collection holds no execution")
    title = title or ("sfnkit report: " + (f"{len(histories)} executions" if many else histories[0].status))
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
    ]
    overview = frames.overview(histories if many else histories[0])
    summary = frames.summary(histories)
    errors = frames.errors(histories if many else histories[0])
    sm_bytes = _cost.definition_size(definition if definition is not None else source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the report shows cost()'s notes itself
        costs = _cost.cost(source if many else histories[0], definition_bytes=sm_bytes)
    from sfnkit import __version__

    if many:
        counts = overview["status"].value_counts()
        status_text = ", ".join(f"{n} {s}" for s, n in counts.items())
        transitions = int(overview["transitions"].sum())
        parts.append(
            f'<p class="meta">{len(histories)} executions: {_e(status_text)}; {transitions:,} state transitions '
            f"(states entered plus retries, as AWS counts them). Made by sfnkit {_e(__version__)}.</p>"
        )
    else:
        row = overview.iloc[0]
        parts.append(
            f'<p class="meta">Status <span class="status-{_e(row["status"])}">{_e(row["status"])}</span>, '
            f"{_e(_fmt(row['duration']))}, {int(row['events']):,} events, {int(row['transitions']):,} state "
            f"transitions (states entered plus retries, as AWS counts them). Made by sfnkit {_e(__version__)}.</p>"
        )
        if isinstance(row["error"], str):
            parts.append(f"<p>Error <code>{_e(row['error'])}</code>: {_e(_fmt(row['cause']))}</p>")

    sections: list[tuple[str, str, str]] = []
    sections.append(_section("states", "Per-state summary", _table(summary)))
    sections.append(_section("graph", "State machine", _graph_section(source, histories, definition)))
    if many:
        sections.append(_section("executions", "Executions", _table(overview, max_rows=1000), open_=False))
    else:
        sections.append(_section("execution", "Execution", _table(overview)))
    if len(errors):
        error_body = _table(errors, max_rows=1000, details=("cause",))
    else:
        error_body = "<p>No state raised an error.</p>"
    sections.append(_section("errors", "Errors", error_body))
    prices = costs.attrs["prices"]
    cost_body = (
        f"<p>AWS prices for {_e(prices.region)} as of {_e(prices.as_of)} "
        "(estimates: no free tier, no service integrations, Express memory estimated).</p>"
    )
    cost_body += "".join(f'<p class="note">{_e(note)}</p>' for note in costs.attrs.get("sfnkit_notes", ()))
    total = costs.attrs["sfnkit_total"]
    totals = pd.DataFrame(
        {
            "executions": [len(costs)],
            "transitions": [total["transitions"]],
            "standard_usd": [total["standard_usd"]],
            "express_usd": [total["express_usd"]],
        }
    )
    cost_body += "<h3>Total</h3>" + _table(totals)
    if not many:
        cost_body += "<h3>Execution</h3>" + _table(costs)
    sections.append(_section("cost", "Cost estimate", cost_body))

    if many:
        plot_body = _figure("durations per state", _png(lambda ax: plots.durations(histories, ax=ax)))
        plot_body += _figure("errors by state", _png(lambda ax: plots.retries_failures(histories, ax=ax)))
        durations = overview["duration"]
        slowest = int(durations.fillna(pd.Timedelta(0)).to_numpy().argmax())
        shown = [(f"timeline of the slowest execution (#{slowest})", slowest)]
        failed = overview.index[overview["status"].isin(["FAILED", "TIMED_OUT", "ABORTED"])].tolist()
        if failed and failed[0] != slowest:
            shown.append((f"timeline of the first failed execution (#{failed[0]})", failed[0]))
        for caption, i in shown:
            plot_body += _figure(caption, _timeline_png(histories[i]))
        sections.append(_section("plots", "Plots", plot_body))
        event_source, event_caption = histories[slowest], f"Events of the slowest execution (#{slowest})"
    else:
        sections.append(_section("timeline", "Timeline", _figure("timeline", _timeline_png(histories[0]))))
        event_source, event_caption = histories[0], "Events"

    events = frames.events(event_source).drop(columns=["timestamp", "entered_event_id"])
    event_body = _table(events, max_rows=max_events, details=("details", "cause"))
    sections.append(_section("events", f"{event_caption} ({len(events):,})", event_body, open_=False))
    parts.append(_contents(sections))
    parts.extend(body for _, _, body in sections)
    parts.append("</body></html>")
    target = Path(path)
    # surrogatepass: a lone surrogate (legal in JSON text as an escape) in a state name or in data has no UTF-8 form
    target.write_text("\n".join(parts), encoding="utf-8", errors="surrogatepass")
    return target
