"""Matplotlib plots over execution histories: a Gantt timeline, durations per state, a Pareto of errors.

Every plot takes ``ax=None`` (a new figure from ``matplotlib.pyplot`` when not given, so it shows in a
notebook), returns the ``Axes`` it drew on, and never calls ``plt.show()``. The plots read the same memoised
rows as the frames (``sfnkit.reports.frames``), so they work on histories from AWS too.

What is drawn, so tests and users can find it again: every group of rectangles is one ``PolyCollection`` in
``ax.collections`` whose label names it (``"succeeded"``, ``"failed"``, ``"wait"``, ``"failed attempt"``,
``"retry backoff"``...); markers are ``PathCollection``\\ s labelled the same way; bars of the Pareto chart are
``BarContainer``\\ s in ``ax.containers``, one per outcome.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

from sfnkit.history import views
from sfnkit.history.model import History
from sfnkit.history.views import ScopeFrame
from sfnkit.reports import frames
from sfnkit.reports._inputs import collect, require
from sfnkit.types import HistorySource

__all__ = ["COLORS", "durations", "retries_failures", "timeline"]

#: Colours by status/outcome (colour-blind-friendly Tableau 10 shades; failures are red).
COLORS: Final[dict[str, str]] = {
    "succeeded": "#4C78A8",
    "caught": "#F58518",
    "failed": "#D62728",
    "aborted": "#9D9D9D",
    "running": "#72B7B2",
    "retried": "#EECA3B",
    "tolerated": "#BAB0AC",
    "pending": "#72B7B2",
    "failed attempt": "#D62728",
    "retry backoff": "#F58518",
    "density": "#54A24B",
}
_STATUSES: Final = ("succeeded", "caught", "failed", "aborted", "running")
_COLLAPSED_ALPHA: Final = 0.6
_UNITS: Final = (("s", 1.0), ("min", 60.0), ("h", 3600.0), ("days", 86400.0))


def _pyplot_axes(figsize: tuple[float, float]) -> Any:
    plt = require("matplotlib.pyplot", "sfnkit.reports plots")
    _fig, ax = plt.subplots(figsize=figsize)
    return ax


def _unit(seconds: float, unit: str | None) -> tuple[str, float]:
    if unit is not None:
        for name, scale in _UNITS:
            if name == unit:
                return name, scale
        raise ValueError(f"unit must be one of {[u for u, _ in _UNITS]}, got {unit!r}")
    if seconds < 120:
        return _UNITS[0]
    if seconds < 2 * 3600:
        return _UNITS[1]
    if seconds < 48 * 3600:
        return _UNITS[2]
    return _UNITS[3]


def _one_history(source: Any, function: str) -> History:
    histories, many = collect(source, function)
    if many:
        if len(histories) == 1:
            return histories[0]
        raise TypeError(
            f"{function}() draws one execution, got {len(histories)}; pick one, e.g. {function}(batch[0]), or use "
            "durations()/retries_failures() to compare executions"
        )
    return histories[0]


# ---------------------------------------------------------------------------------------------------------
# timeline


# A lane key: one segment per enclosing Map iteration / Parallel branch, (state name, kind, index or None when
# collapsed), then the state's name.
LaneKey = tuple[Any, ...]


class _Rects:
    """Rectangles of one kind, drawn as one PolyCollection."""

    __slots__ = ("colors", "verts")

    def __init__(self) -> None:
        self.verts: list[list[tuple[float, float]]] = []
        self.colors: list[tuple[float, float, float, float]] = []

    def add(self, x0: float, x1: float, y: float, half: float, rgba: tuple[float, float, float, float]) -> None:
        self.verts.append([(x0, y - half), (x0, y + half), (x1, y + half), (x1, y - half)])
        self.colors.append(rgba)


def _item_text(span: Any, width: int = 28) -> str:
    """A Map iteration's item, as compact JSON cut to ``width`` characters ("" when unknown)."""
    try:
        value = span.input
    except Exception:  # an undecodable input: no label rather than no chart
        return ""
    if value is None:
        return ""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def timeline(
    source: HistorySource,
    ax: Any = None,
    *,
    max_iterations: int = 20,
    unit: str | None = None,
    legend: bool = True,
    title: str | None = None,
    time_scale: str = "auto",
) -> Any:
    """A Gantt chart of one execution: one lane per state, sub-lanes per Parallel branch and Map iteration.

    ``source``: a ``History`` (local or ``History.from_boto(...)``) or an ``Execution``. Lanes are ordered
    as a tree: each Map/Parallel lane is followed by its branches' and iterations' lanes (labelled
    ``› [i] State`` for Map iteration ``i``, ``› b0 State`` for Parallel branch 0, one ``›`` per level). A Map that
    ran more than ``max_iterations`` iterations in one visit is *collapsed*: one lane per inner state
    (``› [*] State``; overlapping bars of the same kind merged and drawn lighter) under a density band,
    ``iterations running``, showing how many iterations were in flight over time.

    Bars are coloured by how the visit ended (``COLORS``: failed in red, caught in orange, aborted grey);
    Wait states are hatched; a Task's failed attempts are red inner bars, the Retry backoff after each is a
    hatched inner bar, and each retry is marked with a ``>`` where the next attempt was scheduled. The x axis
    is time since the execution started, in ``unit`` (``"s"``, ``"min"``, ``"h"``, ``"days"``; chosen from
    the execution's length when ``None``). ``time_scale``: ``"linear"``, ``"log"`` (matplotlib's ``symlog``: linear
    for short times, logarithmic past them, so one long Wait no longer squeezes every other bar to a pixel), or
    ``"auto"`` (log when the longest bar is more than 20 times the median bar and covers most of the run). On
    a log axis each long bar is labelled with its duration. The first lane of each Map iteration names the
    iteration's item (its input, cut short): ``› [2] Pack · {"sku":"piano"}``.

    In a notebook, end the line with ``;`` (or assign the Axes) so the returned Axes is not echoed as text.
    """
    history = _one_history(source, "timeline")
    require("matplotlib", "sfnkit.reports.timeline()")
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    spans = views.spans(history)
    tasks = frames.attempts_by_visit(history)
    start_us = frames.start_us(history)
    end_us = start_us
    for span in spans:
        e = frames.epoch_us(span.ended_at if span.ended_at is not None else span.entered_at)
        end_us = max(end_us, e)
    summary = views.execution_summary(history)
    if summary.stopped_at is not None:
        end_us = max(end_us, frames.epoch_us(summary.stopped_at))
    if len(history):
        end_us = max(end_us, frames.epoch_us(history[-1].timestamp))
    unit_name, scale = _unit((end_us - start_us) / 1e6 if start_us != frames.NAT else 0.0, unit)

    def x(ts_us: int) -> float:
        return (ts_us - start_us) / 1e6 / scale

    # which Map visits collapse: more than max_iterations iterations in one run of one visit
    iterations: dict[tuple[int, int], set[int]] = {}
    for span in spans:
        for frame in span.scope:
            if frame.kind == "map":
                iterations.setdefault((frame.entered_event_id, frame.started_event_id), set()).add(frame.index)
    collapsed_visits = {key[0] for key, indexes in iterations.items() if len(indexes) > max_iterations}

    def segment(frame: ScopeFrame) -> tuple[str, str, int | None]:
        if frame.kind == "map" and frame.entered_event_id in collapsed_visits:
            return (frame.state_name, "map", None)
        return (frame.state_name, frame.kind, frame.index)

    first_seen: dict[LaneKey, int] = {}
    lane_of: list[LaneKey] = []
    item_lane: dict[LaneKey, str] = {}  # first lane of each Map iteration -> its item, short
    iteration_seen: set[LaneKey] = set()
    for span in spans:
        key = (*(segment(f) for f in span.scope), span.name)
        lane_of.append(key)
        if key not in first_seen:
            first_seen[key] = len(first_seen)
        if len(key) > 1 and key[-2][1] == "map" and key[-2][2] is not None and key[:-1] not in iteration_seen:
            iteration_seen.add(key[:-1])
            item_lane.setdefault(key, _item_text(span))

    def order(key: LaneKey) -> tuple[int, ...]:
        out: list[int] = []
        for j, seg in enumerate(key[:-1]):
            out.append(first_seen.get((*key[:j], seg[0]), len(first_seen)))
            out.append(-1 if seg[2] is None else seg[2])
        out.append(first_seen[key])
        return tuple(out)

    # (sort key, label, lane key, whether it is a density band); a band's lane key is its Map's lane key
    lanes: list[tuple[tuple[int, ...], str, LaneKey, bool]] = []
    for key in first_seen:
        depth = len(key) - 1
        label = str(key[-1])
        if depth:
            _name, kind, index = key[-2]
            prefix = ("[*]" if index is None else f"[{index}]") if kind == "map" else f"b{index}"
            label = f"{prefix} {label}"
            if item_lane.get(key):
                label += f" · {item_lane[key]}"
        lanes.append((order(key), "›" * depth + (" " if depth else "") + label, key, False))

    # density bands of collapsed Maps: iteration intervals at the collapsed level
    bands: dict[LaneKey, dict[tuple[int, int, int], list[int]]] = {}
    for span, key in zip(spans, lane_of, strict=True):
        for j, frame in enumerate(span.scope):
            if frame.kind == "map" and frame.entered_event_id in collapsed_visits:
                parent_key = (*key[:j], frame.state_name)
                ident = (frame.entered_event_id, frame.started_event_id, frame.index)
                entered = frames.epoch_us(span.entered_at)
                ended = frames.epoch_us(span.ended_at) if span.ended_at is not None else end_us
                interval = bands.setdefault(parent_key, {}).setdefault(ident, [entered, ended])
                interval[0] = min(interval[0], entered)
                interval[1] = max(interval[1], ended)
    for parent_key in bands:
        sort = (*order(parent_key), -2) if parent_key in first_seen else (len(first_seen), -2)
        depth = len(parent_key)
        lanes.append((sort, "›" * depth + " iterations running", parent_key, True))

    lanes.sort(key=lambda lane: lane[0])
    y_of = {lane[2]: y for y, lane in enumerate(lanes) if not lane[3]}
    band_y = {lane[2]: y for y, lane in enumerate(lanes) if lane[3]}
    n_lanes = len(lanes)
    if ax is None:
        ax = _pyplot_axes((10.0, min(2.0 + 0.3 * n_lanes, 40.0)))

    rects: dict[str, _Rects] = {}
    ticks: list[tuple[float, float]] = []
    # Bars in collapsed lanes are merged where they overlap (per lane, kind and colour): thousands of
    # iterations draw as a few bars, and the density band shows how many ran at once.
    merged: dict[tuple[str, int, float, str, float], list[tuple[float, float]]] = {}

    def add(
        kind: str, x0: float, x1: float, y: int, half: float, color: str, alpha: float = 1.0, merge: bool = False
    ) -> None:
        if merge:
            merged.setdefault((kind, y, half, color, alpha), []).append((x0, x1))
        else:
            rects.setdefault(kind, _Rects()).add(x0, x1, y, half, to_rgba(color, alpha))

    for span, key in zip(spans, lane_of, strict=True):
        y = y_of[key]
        collapsed = any(seg[2] is None for seg in key[:-1])
        alpha = _COLLAPSED_ALPHA if collapsed else 1.0
        entered = frames.epoch_us(span.entered_at)
        ended = frames.epoch_us(span.ended_at) if span.ended_at is not None else end_us
        x0, x1 = x(entered), x(ended)
        status = span.status
        if span.state_type == "Wait":
            add("wait", x0, x1, y, 0.4, COLORS[status], 0.45 * alpha, collapsed)
        else:
            add(status, x0, x1, y, 0.4, COLORS[status], alpha, collapsed)
        if span.state_type != "Task":
            continue
        attempts = tasks.get(span.entered_event_id, [])
        for k, attempt in enumerate(attempts):
            if attempt.status in ("failed", "timed_out") and attempt.ended_at is not None:
                a0 = frames.epoch_us(attempt.scheduled_at) if attempt.scheduled_at is not None else entered
                a1 = frames.epoch_us(attempt.ended_at)
                add("failed attempt", x(a0), x(a1), y, 0.22, COLORS["failed attempt"], alpha, collapsed)
                if k + 1 < len(attempts) and attempts[k + 1].scheduled_at is not None:
                    nxt = frames.epoch_us(attempts[k + 1].scheduled_at)
                    add("retry backoff", x(a1), x(nxt), y, 0.22, "white", alpha, collapsed)
                    ticks.append((x(nxt), y))
    for (kind, y, half, color, alpha), intervals in merged.items():
        intervals.sort()
        lo, hi = intervals[0]
        for a, b in intervals[1:]:
            if a > hi:
                add(kind, lo, hi, y, half, color, alpha)
                lo, hi = a, b
            elif b > hi:
                hi = b
        add(kind, lo, hi, y, half, color, alpha)

    styles = {
        "wait": {"hatch": "////", "edgecolor": "#555555"},
        "retry backoff": {"hatch": "xxx", "edgecolor": COLORS["retry backoff"]},
    }
    drawn: list[str] = []
    for kind in (*_STATUSES, "wait", "failed attempt", "retry backoff"):
        group = rects.get(kind)
        if group is None:
            continue
        style = styles.get(kind, {})
        collection = PolyCollection(
            group.verts,
            facecolors=group.colors,
            edgecolors=style.get("edgecolor", group.colors),
            linewidths=0.8,
            hatch=style.get("hatch"),
            label=kind,
            zorder=2 if kind in _STATUSES or kind == "wait" else 3,
        )
        ax.add_collection(collection)
        drawn.append(kind)
    if ticks:
        ax.scatter(
            [t[0] for t in ticks], [t[1] for t in ticks], marker=">", s=22, color="black", zorder=4, label="retry"
        )
        drawn.append("retry")

    band_max: list[int] = []
    for parent_key, y in band_y.items():
        changes: dict[int, int] = {}
        for began, finished in bands[parent_key].values():
            changes[began] = changes.get(began, 0) + 1
            changes[finished] = changes.get(finished, 0) - 1
        xs: list[float] = []
        counts: list[int] = []
        running = 0
        for t in sorted(changes):
            running += changes[t]
            xs.append(x(t))
            counts.append(running)
        peak = max(counts) if counts else 0
        band_max.append(peak)
        if peak:
            ax.fill_between(
                xs,
                [y + 0.4] * len(xs),
                [y + 0.4 - 0.8 * c / peak for c in counts],
                step="post",
                color=COLORS["density"],
                alpha=0.6,
                linewidth=0,
                label="iterations running",
            )
            ax.annotate(f"max {peak}", (xs[-1], y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=7)
    if band_max:
        drawn.append("iterations running")

    total = x(end_us) if n_lanes else 1.0
    bar_lengths = sorted(
        x(frames.epoch_us(s.ended_at)) - x(frames.epoch_us(s.entered_at)) for s in spans if s.ended_at is not None
    )
    longest = bar_lengths[-1] if bar_lengths else 0.0
    median = bar_lengths[len(bar_lengths) // 2] if bar_lengths else 0.0
    if time_scale not in ("auto", "linear", "log"):
        raise ValueError(f"timeline(time_scale=...) is 'auto', 'linear' or 'log', got {time_scale!r}")
    log = time_scale == "log" or (
        time_scale == "auto" and total > 0 and longest > 0.5 * total and longest > 20 * max(median, total / 10_000)
    )
    ax.set_xlim(0, total * 1.02 if total > 0 else 1.0)
    if log and total > 0:
        # linear up to a typical bar's length, logarithmic after: short states stay visible beside a long wait
        threshold = max(median, total / 2_000, 1e-9)
        ax.set_xscale("symlog", linthresh=threshold, linscale=1.0)
        ax.set_xlim(0, total * 1.3)
        for span, key in zip(spans, lane_of, strict=True):
            if span.ended_at is None:
                continue
            a, b = x(frames.epoch_us(span.entered_at)), x(frames.epoch_us(span.ended_at))
            if b - a > 10 * threshold:
                ax.annotate(f"{(b - a):.3g} {unit_name}", (b, y_of[key]), xytext=(3, 0), textcoords="offset points",
                            va="center", fontsize=7)  # fmt: skip
    ax.set_ylim(n_lanes - 0.5, -0.5)  # first lane on top
    ax.set_yticks(range(n_lanes))
    ax.set_yticklabels([_drawable(lane[1]) for lane in lanes], fontsize=8)
    ax.set_xlabel(f"time since start ({unit_name}" + (", log scale past short times)" if log else ")"))
    ax.grid(axis="x", alpha=0.3)
    if title is None:
        duration = summary.duration
        took = f" in {duration.total_seconds() / scale:.4g} {unit_name}" if duration is not None else ""
        title = f"{summary.status}{took}: {len(spans)} state visits, {len(history)} events"
    ax.set_title(_drawable(title), fontsize=10)
    if legend and drawn:
        handles: list[Any] = []
        for kind in drawn:
            if kind == "retry":
                handles.append(Line2D([], [], marker=">", linestyle="", color="black", label="retry"))
            elif kind == "iterations running":
                handles.append(Patch(facecolor=COLORS["density"], alpha=0.6, label=kind))
            elif kind == "wait":
                handles.append(Patch(facecolor="white", edgecolor="#555555", hatch="////", label="Wait state"))
            elif kind == "retry backoff":
                handles.append(Patch(facecolor="white", edgecolor=COLORS[kind], hatch="xxx", label=kind))
            else:
                handles.append(Patch(facecolor=COLORS[kind], label=kind))
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.08 - 2.0 / max(n_lanes * 3, 8)),
            ncol=min(len(handles), 5),
            fontsize=7,
            frameon=False,
        )
    return ax


# ---------------------------------------------------------------------------------------------------------
# durations across executions


def _state_groups(
    source: Any, function: str, states: Sequence[str] | None
) -> tuple[list[str], dict[str, list[tuple[int, str]]]]:
    histories, _many = collect(source, function)
    groups: dict[str, list[tuple[int, str]]] = {}
    for h in histories:
        rows = h.cached("sfnkit.reports.states", frames.state_rows)
        for name, duration, status in zip(rows["state"], rows["duration"], rows["status"], strict=True):
            if duration != frames.NAT:
                groups.setdefault(name, []).append((duration, status))
    if states is not None:
        missing = [s for s in states if s not in groups]
        if missing:
            raise ValueError(f"{function}(): no finished visits of {missing}; states with durations: {sorted(groups)}")
        names = list(states)
    else:
        names = list(groups)
    return names, groups


def durations(
    source: HistorySource,
    ax: Any = None,
    *,
    kind: str = "box",
    states: Sequence[str] | None = None,
    unit: str | None = None,
    log: bool = False,
) -> Any:
    """Durations of each state's visits across executions: one box (or strip) per state.

    ``source``: many executions (a batch from ``sfnkit.run_many`` or a list of Histories/Executions), or one.
    ``kind="box"`` draws box plots (whiskers at 1.5 IQR, outliers as dots) with each state's p95 marked by a
    diamond; ``kind="strip"`` draws every visit as a dot, coloured by how it ended (failed in red). States
    appear top to bottom in the order they were first entered (or as listed in ``states``), labelled with
    their visit count. Only finished visits count.
    """
    if kind not in ("box", "strip"):
        raise ValueError(f'kind must be "box" or "strip", got {kind!r}')
    require("matplotlib", "sfnkit.reports.durations()")
    import numpy as np

    names, groups = _state_groups(source, "durations", states)
    longest = max((d for name in names for d, _s in groups[name]), default=0) / 1e6
    unit_name, scale = _unit(longest, unit)
    if ax is None:
        ax = _pyplot_axes((9.0, min(1.5 + 0.45 * max(len(names), 1), 30.0)))
    data = [np.asarray([d for d, _s in groups[name]], dtype=np.float64) / 1e6 / scale for name in names]
    positions = list(range(len(names)))
    if kind == "box" and names:
        from matplotlib import cbook

        stats = []
        for values, name in zip(data, names, strict=True):
            (stat,) = cbook.boxplot_stats(values)
            stat["label"] = name
            stats.append(stat)
        options = {
            "positions": positions,
            "patch_artist": True,
            "widths": 0.6,
            "manage_ticks": False,
            "boxprops": {"facecolor": "#C6D7EA", "edgecolor": COLORS["succeeded"]},
            "medianprops": {"color": "black"},
            "flierprops": {"marker": ".", "markersize": 3, "markerfacecolor": "#555555", "markeredgecolor": "none"},
        }
        try:
            ax.bxp(stats, orientation="horizontal", **options)
        except TypeError:  # matplotlib < 3.10
            ax.bxp(stats, vert=False, **options)
        p95 = [float(np.quantile(values, 0.95)) for values in data]
        ax.scatter(p95, positions, marker="D", s=18, color=COLORS["failed"], zorder=4, label="p95")
    elif names:
        rng = np.random.default_rng(0)  # fixed jitter: the same data draws the same picture
        by_status: dict[str, tuple[list[float], list[float]]] = {}
        for position, name, values in zip(positions, names, data, strict=True):
            jitter = rng.uniform(-0.3, 0.3, size=len(values))
            for value, (_d, status), j in zip(values, groups[name], jitter, strict=True):
                xs, ys = by_status.setdefault(status, ([], []))
                xs.append(float(value))
                ys.append(position + float(j))
        for status in _STATUSES:
            if status in by_status:
                xs, ys = by_status[status]
                ax.scatter(xs, ys, s=9, color=COLORS[status], alpha=0.7, label=status, zorder=3)
    ax.set_yticks(positions)
    ax.set_yticklabels([_drawable(f"{name} (n={len(groups[name])})") for name in names], fontsize=8)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_xlabel(f"duration ({unit_name})")
    if log:
        ax.set_xscale("log")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("state durations" + (" (p95 as ◆)" if kind == "box" else ""), fontsize=10)
    if kind == "strip" and names:
        ax.legend(fontsize=7, loc="lower right")
    return ax


# ---------------------------------------------------------------------------------------------------------
# Pareto of errors


_OUTCOMES: Final = ("retried", "caught", "tolerated", "failed", "pending")


def retries_failures(source: HistorySource, ax: Any = None, *, top: int = 15) -> Any:
    """A Pareto chart of errors by state: which state raised which error how often, and what became of it.

    Reads ``errors()``: one count per error raised (each failed Task attempt, each Fail state, each failed
    evaluation...), grouped by (state, error), most frequent first; the bars are stacked by outcome
    (``retried``, ``caught``, ``tolerated``, ``failed`` in red, ``pending``) and a line on the right axis
    gives the cumulative share of all errors. Past ``top`` pairs the rest are summed into one ``other`` bar.
    Works on one execution or many.
    """
    require("matplotlib", "sfnkit.reports.retries_failures()")
    from matplotlib.ticker import PercentFormatter

    histories, _many = collect(source, "retries_failures")
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for h in histories:
        rows = h.cached("sfnkit.reports.errors", frames.error_rows)
        for state, error, outcome in zip(rows["state"], rows["error"], rows["outcome"], strict=True):
            cell = counts.setdefault((state, error if error is not None else "(no error name)"), {})
            cell[outcome] = cell.get(outcome, 0) + 1
    pairs = sorted(counts.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    if len(pairs) > top > 0:
        other: dict[str, int] = {}
        for _pair, cell in pairs[top:]:
            for outcome, n in cell.items():
                other[outcome] = other.get(outcome, 0) + n
        pairs = [*pairs[:top], ((f"other ({len(pairs) - top} pairs)", ""), other)]
    if ax is None:
        ax = _pyplot_axes((max(6.0, 1.0 + 0.7 * len(pairs)), 4.5))
    if not pairs:
        ax.text(0.5, 0.5, "no errors", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title("errors by state", fontsize=10)
        return ax
    positions = list(range(len(pairs)))
    bottoms = [0] * len(pairs)
    for outcome in _OUTCOMES:
        xs, heights, base = [], [], []
        for position, (_pair, cell) in enumerate(pairs):
            n = cell.get(outcome, 0)
            if n:
                xs.append(position)
                heights.append(n)
                base.append(bottoms[position])
                bottoms[position] += n
        if xs:
            ax.bar(xs, heights, bottom=base, color=COLORS[outcome], label=outcome, width=0.7, zorder=2)
    totals = [sum(cell.values()) for _pair, cell in pairs]
    grand = sum(totals)
    cumulative, running = [], 0
    for n in totals:
        running += n
        cumulative.append(100.0 * running / grand)
    twin = ax.twinx()
    twin.plot(positions, cumulative, color="black", marker="o", markersize=3, linewidth=1, label="cumulative")
    twin.set_ylim(0, 105)
    twin.yaxis.set_major_formatter(PercentFormatter())
    twin.set_ylabel("cumulative share", fontsize=8)
    ax.set_xticks(positions)
    ax.set_xticklabels(
        [_drawable(f"{state}\n{error}") for (state, error), _cell in pairs], rotation=30, ha="right", fontsize=7
    )
    ax.set_ylabel("errors")
    ax.set_ylim(0, max(totals) * 1.15)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="center right")
    ax.set_title(
        f"errors by state: {grand} in {len(histories)} execution{'s' if len(histories) != 1 else ''}", fontsize=10
    )
    return ax


def _drawable(text: str) -> str:
    """``text`` as matplotlib can draw it: a lone surrogate (legal in JSON text, so in a state name) has no glyph
    and makes the font renderer raise; it is drawn as U+FFFD instead."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
