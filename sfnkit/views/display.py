"""Static notebook displays: what a state machine, an execution or a history shows without any widget.

DESIGN principle 7, "static first": every object that renders has a form that survives export. The
``*_mimebundle`` functions return IPython mime bundles that ``_repr_mimebundle_`` methods delegate to:

* ``image/svg+xml``: the graph (:func:`sfnkit.views.render.svg`), coloured by status for an execution;
* ``text/html`` (executions and histories): a one-line summary (status, duration, state transitions, retries,
  events), the errors with what became of them, and the coloured graph inline;
* ``text/plain``: informative on its own, because a reopened *untrusted* notebook shows only text.

A display hook must not raise: when the graph cannot be drawn (no layout engine installed), the bundle keeps
the text and HTML parts and says why in the text. :func:`show_static` displays such a bundle and nothing else
(no widget state), for notebooks that are exported to HTML or read offline.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any, Final

from sfnkit.asl import model as m
from sfnkit.errors import MissingDependencyError
from sfnkit.history.model import History
from sfnkit.text import format_duration
from sfnkit.views.render import STATUS_STYLES, STATUSES, clean_text, status_of, svg

__all__ = [
    "execution_mimebundle",
    "execution_text",
    "history_mimebundle",
    "history_text",
    "mimebundle",
    "show_static",
    "state_machine_mimebundle",
    "state_machine_text",
]

MAX_TEXT_STATES: Final = 60
MAX_ERRORS: Final = 10
_FONT: Final = "font-family:Helvetica,Arial,'Liberation Sans',sans-serif"
_EXECUTION_COLOURS: Final = {
    "SUCCEEDED": ("#ceead6", "#188038"),
    "FAILED": ("#fad2cf", "#c5221f"),
    "TIMED_OUT": ("#fad2cf", "#c5221f"),
    "ABORTED": ("#e8eaed", "#5f6368"),
    "RUNNING": ("#d2e3fc", "#1a73e8"),
}


def _h(text: object) -> str:
    return html.escape(clean_text(str(text)), quote=True)


def _filter(bundle: dict[str, str], include: Iterable[str] | None, exclude: Iterable[str] | None) -> dict[str, str]:
    if include is not None:
        wanted = set(include)
        bundle = {k: v for k, v in bundle.items() if k in wanted}
    if exclude is not None:
        unwanted = set(exclude)
        bundle = {k: v for k, v in bundle.items() if k not in unwanted}
    return bundle


def _try_svg(sm: m.Body, status: Mapping[str, str] | None) -> tuple[str | None, str | None]:
    """``(svg, None)``, or ``(None, why)`` when the picture cannot be drawn: a display hook never raises."""
    try:
        return svg(sm, status), None
    except MissingDependencyError as e:
        return None, str(e)
    except Exception as e:  # a layout failure must not hide the object; say what happened instead
        return None, f"the graph could not be drawn: {type(e).__name__}: {e}"


def _duration(d: timedelta | None) -> str:
    if d is None:
        return "?"
    return format_duration(d.total_seconds())


# ---------------------------------------------------------------------------------------------------------
# state machines


def state_machine_text(sm: m.StateMachine, *, max_states: int = MAX_TEXT_STATES) -> str:
    """An outline of the machine: one line per state with its type and transitions, nested bodies indented."""
    lines = [repr(sm)]
    if sm.comment:
        lines.append(f"Comment: {_one_line(sm.comment, 100)}")
    shown = 0
    total = len(sm.index) if sm.index else sum(1 for _ in sm.walk())
    rows: list[tuple[str, str, str] | str] = []  # (indented name, type, transitions) or a header line

    def body(b: m.Body, indent: str) -> None:
        nonlocal shown
        for st in b.states.values():
            if shown >= max_states:
                return
            shown += 1
            rows.append((indent + _one_line(st.name, 40), st.type, _transitions_text(st)))
            for i, child in enumerate(m.state_children(st)):
                what = f"Branch {i + 1}" if isinstance(st, m.ParallelState) else "Item processor"
                if child.processor_mode == "DISTRIBUTED":
                    what += " (DISTRIBUTED)"
                rows.append(f"{indent}  {what}: StartAt {_one_line(child.start_at, 40)}")
                body(child, indent + "    ")

    body(sm, "  ")
    width = max((len(r[0]) for r in rows if isinstance(r, tuple)), default=0)
    for r in rows:
        lines.append(r if isinstance(r, str) else f"{r[0]:<{width}}  {r[1]:<8}  {r[2]}".rstrip())
    if shown < total:
        lines.append(f"  … {total - shown} more states")
    return "\n".join(lines)


def _one_line(text: str, width: int) -> str:
    text = " ".join(clean_text(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _transitions_text(st: m.State) -> str:
    parts: list[str] = []
    if isinstance(st, m.ChoiceState):
        n = len(st.choices)
        targets = ", ".join(dict.fromkeys(clean_text(r.next) for r in st.choices if r.next is not None))
        parts.append(f"{n} rule{'' if n == 1 else 's'} -> {targets}")
        if st.default is not None:
            parts.append(f"Default -> {clean_text(st.default)}")
    if st.next is not None:
        parts.append(f"-> {clean_text(st.next)}")
    if st.end:
        parts.append("End")
    if isinstance(st, m.FailState) and (st.error or st.error_path):
        parts.append(f"Error {_one_line(st.error or st.error_path or '', 40)}")
    retry = getattr(st, "retry", ())
    if retry:
        parts.append("Retry " + ", ".join(_one_line(", ".join(r.error_equals), 40) for r in retry))
    for c in getattr(st, "catch", ()):
        parts.append(f"Catch {_one_line(', '.join(c.error_equals), 40)} -> {clean_text(c.next)}")
    return "; ".join(parts)


def state_machine_mimebundle(
    sm: m.StateMachine, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
) -> dict[str, str]:
    """``{"image/svg+xml": graph, "text/plain": outline}`` for ``StateMachine._repr_mimebundle_``."""
    text = state_machine_text(sm)
    picture, why = _try_svg(sm, None)
    bundle: dict[str, str] = {"text/plain": text if why is None else f"{text}\n({why})"}
    if picture is not None:
        bundle["image/svg+xml"] = picture
    return _filter(bundle, include, exclude)


# ---------------------------------------------------------------------------------------------------------
# executions and histories


class _Facts:
    """What the summaries say, read once from a history (views are memoised on the History)."""

    def __init__(self, history: History, statuses: Mapping[str, str]) -> None:
        from sfnkit.history.views import execution_summary, failures, spans, state_transitions

        self.summary = execution_summary(history)
        self.spans = spans(history)
        self.failures = failures(history)
        self.status = self.summary.status
        duration = self.summary.duration
        if duration is None and self.summary.started_at is not None and len(history):
            duration = history[-1].timestamp - self.summary.started_at
        self.duration = duration
        self.transitions = state_transitions(history)  # states entered plus retries (one definition)
        self.retries = sum(s.retries for s in self.spans)
        self.events = len(history)
        self.counts = Counter(statuses.values())

    def counts_text(self) -> str:
        return ", ".join(
            f"{self.counts[s]} {STATUS_STYLES[s].label}" for s in (*STATUSES[1:], STATUSES[0]) if self.counts[s]
        )

    def headline(self) -> str:
        retries = f", {self.retries} retr{'y' if self.retries == 1 else 'ies'}" if self.retries else ""
        return (
            f"{self.status} in {_duration(self.duration)}, {self.transitions} state transition"
            f"{'' if self.transitions == 1 else 's'}{retries}, {self.events} events"
        )

    def grouped_failures(self) -> list[tuple[Any, int]]:
        """Failures with consecutive repeats (same state, error, outcome and cause) counted once."""
        groups: list[tuple[Any, int]] = []
        for f in self.failures:
            if groups:
                last, n = groups[-1]
                if (last.state_name, last.error, last.outcome, last.cause) == (
                    f.state_name,
                    f.error,
                    f.outcome,
                    f.cause,
                ):
                    groups[-1] = (last, n + 1)
                    continue
            groups.append((f, 1))
        return groups

    def error_lines(self) -> list[str]:
        lines = []
        groups = self.grouped_failures()
        for f, n in groups[:MAX_ERRORS]:
            where = _one_line(f.state_name, 40) if f.state_name else "execution"
            times = f" x{n}" if n > 1 else ""
            cause = f" - {_one_line(f.cause, 120)}" if f.cause else ""
            lines.append(f"  {where}: {_one_line(f.error or f.type, 60)} ({f.outcome}{times}){cause}")
        if len(groups) > MAX_ERRORS:
            lines.append(f"  … {len(groups) - MAX_ERRORS} more")
        return lines


def _text(first_line: str, facts: _Facts, extra: Iterable[str] = ()) -> str:
    lines = [first_line]
    if facts.counts:
        lines.append(f"States: {facts.counts_text()}")
    lines.extend(extra)
    if facts.summary.error or facts.summary.cause:
        error = facts.summary.error or ""
        cause = f": {_one_line(facts.summary.cause, 200)}" if facts.summary.cause else ""
        lines.append(f"Error {_one_line(error, 80)}{cause}")
    errors = facts.error_lines()
    if errors:
        lines.append("Failures:")
        lines.extend(errors)
    return "\n".join(lines)


def _html(title: str, facts: _Facts, picture: str | None, note: str | None, extra: Iterable[str] = ()) -> str:
    fill, stroke = _EXECUTION_COLOURS.get(facts.status, ("#e8eaed", "#5f6368"))
    badge = (
        f'<span style="background:{fill};border:1px solid {stroke};color:#202124;border-radius:4px;'
        f'padding:1px 6px;font-weight:600">{_h(facts.status)}</span>'
    )
    stats = [
        f"{_h(_duration(facts.duration))}",
        f"{facts.transitions} state transition{'' if facts.transitions == 1 else 's'}",
    ]
    if facts.retries:
        stats.append(f"{facts.retries} retr{'y' if facts.retries == 1 else 'ies'}")
    stats.append(f"{facts.events} events")
    out = [f'<div class="sfnkit-execution" style="{_FONT};font-size:13px;line-height:1.45">']
    out.append(f"<div>{badge} <b>{_h(title)}</b> · {' · '.join(stats)}</div>")
    if facts.counts:
        out.append(f'<div style="color:#5f6368">States: {_h(facts.counts_text())}</div>')
    out.extend(f'<div style="color:#5f6368">{_h(line)}</div>' for line in extra)
    if facts.summary.error or facts.summary.cause:
        out.append(
            f"<div><b>Error</b> <code>{_h(facts.summary.error or '')}</code>"
            + (f": {_h(_one_line(facts.summary.cause, 300))}" if facts.summary.cause else "")
            + "</div>"
        )
    if facts.failures:
        rows = []
        groups = facts.grouped_failures()
        for f, n in groups[:MAX_ERRORS]:
            times = f" ×{n}" if n > 1 else ""
            rows.append(
                f"<tr><td>{_h(f.state_name or 'execution')}</td><td><code>{_h(f.error or f.type)}</code></td>"
                f"<td>{_h(f.outcome)}{times}</td><td>{_h(_one_line(f.cause or '', 160))}</td></tr>"
            )
        more = len(groups) - MAX_ERRORS
        if more > 0:
            rows.append(f'<tr><td colspan="4">… {more} more</td></tr>')
        out.append(
            '<table style="border-collapse:collapse;margin:4px 0;font-size:12px">'
            "<thead><tr><th style='text-align:left'>State</th><th style='text-align:left'>Error</th>"
            "<th style='text-align:left'>Outcome</th><th style='text-align:left'>Cause</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    if picture is not None:
        out.append(f'<div style="overflow:auto;max-width:100%">{picture}</div>')
    elif note:
        out.append(f'<div style="color:#5f6368">({_h(note)})</div>')
    out.append("</div>")
    return "\n".join(out)


def execution_text(ex: Any) -> str:
    """The text an untrusted notebook shows for an execution: status line, state counts, errors."""
    statuses = status_of(ex)
    return _text(clean_text(repr(ex)), _Facts(ex.history, statuses), _execution_extra(ex))


def _execution_extra(ex: Any) -> list[str]:
    extra = []
    if not ex.done:
        if getattr(ex, "paused_at", None) is not None:
            extra.append(f"Paused before {clean_text(ex.paused_at)!r}")
        tokens = getattr(ex, "pending_tokens", ())
        if tokens:
            extra.append(f"Waiting on {len(tokens)} task token{'' if len(tokens) == 1 else 's'}")
    return extra


def execution_mimebundle(
    ex: Any, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
) -> dict[str, str]:
    """The graph coloured by status, an HTML summary with the graph, and text, for ``Execution._repr_mimebundle_``."""
    history = ex.history
    statuses = status_of(ex)
    facts = _Facts(history, statuses)
    extra = _execution_extra(ex)
    picture, why = _try_svg(ex.state_machine, statuses)
    text = _text(clean_text(repr(ex)), facts, extra)
    bundle: dict[str, str] = {
        "text/plain": text if why is None else f"{text}\n({why})",
        "text/html": _html(f"Execution {ex.name}", facts, picture, why, extra),
    }
    if picture is not None:
        bundle["image/svg+xml"] = picture
    return _filter(bundle, include, exclude)


def history_text(history: History, *, sm: m.Body | None = None) -> str:
    facts = _Facts(history, status_of(history, sm=sm))
    return _text(f"<History: {facts.headline()}>", facts)


def history_mimebundle(
    history: History,
    *,
    sm: m.StateMachine | None = None,
    include: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
) -> dict[str, str]:
    """Summary of a history (local or from AWS); with ``sm``, also the graph coloured by status."""
    statuses = status_of(history, sm=sm)
    facts = _Facts(history, statuses)
    picture, why = _try_svg(sm, statuses) if sm is not None else (None, None)
    text = _text(f"<History: {facts.headline()}>", facts)
    bundle: dict[str, str] = {
        "text/plain": text if why is None else f"{text}\n({why})",
        "text/html": _html("History", facts, picture, why),
    }
    if picture is not None:
        bundle["image/svg+xml"] = picture
    return _filter(bundle, include, exclude)


# ---------------------------------------------------------------------------------------------------------
# one entry point


def mimebundle(obj: Any, *, sm: m.StateMachine | None = None) -> dict[str, str]:
    """The static bundle of a StateMachine, an Execution (or anything with an ``execution``), or a History."""
    if isinstance(obj, m.StateMachine):
        return state_machine_mimebundle(obj)
    if isinstance(obj, History):
        return history_mimebundle(obj, sm=sm)
    inner = getattr(obj, "execution", None)  # a widget wrapping an Execution
    if inner is not None and not hasattr(obj, "state_machine"):
        obj = inner
    if isinstance(getattr(obj, "history", None), History) and isinstance(getattr(obj, "state_machine", None), m.Body):
        return execution_mimebundle(obj)
    raise TypeError(f"show_static() shows a StateMachine, an Execution or a History; got {type(obj).__name__}")


def show_static(obj: Any, *, sm: m.StateMachine | None = None) -> None:
    """Display ``obj`` as static SVG/HTML/text only (no widget), e.g. before exporting a notebook to HTML.

    ``obj`` is a StateMachine, an Execution (or a widget holding one in ``.execution``) or a History; give a
    History its machine with ``sm=`` to see the coloured graph.
    """
    bundle = mimebundle(obj, sm=sm)
    try:
        from IPython.display import display
    except ImportError:
        raise MissingDependencyError("ipython", "widgets", "show_static()") from None
    display(bundle, raw=True)
