"""The graph of a state machine: one neutral, immutable picture that every renderer draws.

ASL spec sections drawn here: "Structure of a State Machine" (``StartAt``, ``States``), "Transitions"
(``Next``, ``End``), "Choice Rules" (``Choices``, ``Default``), "Fallback states" (``Catch``), "Parallel State"
(``Branches``) and "Map State" (``ItemProcessor``/``Iterator``). Nothing here lays out or draws anything: the
SVG renderer (:mod:`sfnkit.views.render`) and the widgets read the same :class:`Graph`.

The shape of the graph
----------------------
* A :class:`Scope` is a set of states with a start: the machine itself (``kind="machine"``, id ``""``), a
  Parallel branch (``"branch"``) or a Map's item processor (``"processor"``). A scope's id is the JSON Pointer
  of its body in the definition (``"/States/Fulfil/Branches/0"``), so ids are unique and stable.
* A :class:`Node` is a state (``kind="state"``, id ``"state:" + name``) or a scope's start or end marker
  (``"start:" + scope id``, ``"end:" + scope id``). The prefixes keep every id distinct whatever the state
  names are. A Parallel or Map node lists the scopes nested in it in ``children``: the renderer draws it as a
  container around them.
* An :class:`Edge` is one transition: ``start`` (marker to ``StartAt``), ``next``, ``choice`` (one per
  Choice rule, labelled with the rule's short form), ``default``, ``catch`` (one per Catcher, labelled with
  its error names) and ``end`` (a terminal state to its scope's end marker: ``End: true``, Succeed, Fail).
  An edge's id is the JSON Pointer of the field that makes it (``/States/IsValid/Choices/0``), so it can
  point back into the definition. ASL transitions never leave their scope, so neither do edges.

Labels are plain text (never markup): renderers escape them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from sfnkit.asl import model as m

__all__ = ["Edge", "EdgeKind", "Graph", "Node", "NodeKind", "Scope", "ScopeKind", "build", "resource_label"]

NodeKind = Literal["state", "start", "end"]
EdgeKind = Literal["start", "next", "choice", "default", "catch", "end"]
ScopeKind = Literal["machine", "branch", "processor"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """A state, or the start or end marker of a scope.

    ``label`` is what to print (the state name, ``"Start"``, ``"End"``); ``detail`` a short second line
    (``"Task · lambda validate_order"``); ``title`` a longer text for a tooltip. ``children`` holds the ids of
    the scopes nested in a Parallel (one per branch) or a Map (its item processor).
    """

    id: str
    kind: NodeKind
    scope: str
    """Id of the :class:`Scope` that holds this node."""
    location: str
    """JSON Pointer of the state (of the body, for a marker)."""
    label: str
    name: str | None = None
    """The state name (``None`` for markers)."""
    type: str | None = None
    """The ASL state type (``"Task"``...), ``None`` for markers."""
    detail: str = ""
    title: str = ""
    retry: tuple[str, ...] = ()
    """One short text per Retrier, e.g. ``"PaymentGatewayBusy: 4 attempts, 2 s x2"``."""
    children: tuple[str, ...] = ()

    @property
    def is_container(self) -> bool:
        """True for a Parallel or Map state (drawn around its branches or item processor)."""
        return bool(self.children)


@dataclass(frozen=True, slots=True, kw_only=True)
class Edge:
    """One transition. ``label`` is short text for the drawing (may be empty), ``title`` the full text."""

    id: str
    """The JSON Pointer of the field that makes this transition (``/States/A/Next``, ``/States/C/Choices/1``,
    ``/States/T/Catch/0``, ``<body>/StartAt``; ``/States/A/End`` or ``/States/A/Type`` for an end edge)."""
    kind: EdgeKind
    source: str
    """Node id."""
    target: str
    """Node id."""
    scope: str
    label: str = ""
    title: str = ""
    index: int | None = None
    """Position of the Choice rule or Catcher in its array; ``None`` for the other kinds."""
    errors: tuple[str, ...] = ()
    """A Catcher's ``ErrorEquals``."""

    @property
    def location(self) -> str:
        return self.id


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """The machine, a Parallel branch or a Map item processor."""

    id: str
    """The JSON Pointer of the body (``""`` for the machine)."""
    kind: ScopeKind
    parent: str | None
    """Node id of the Parallel or Map state holding this scope; ``None`` for the machine."""
    label: str
    """``""`` for the machine, ``"Branch 1"``..., ``"Item processor"`` (with ``" · DISTRIBUTED"``)."""
    start_at: str
    query_language: str
    depth: int
    """0 for the machine, 1 inside a top-level Parallel or Map, and so on."""
    index: int
    """The branch index in its Parallel (0 for the machine and for a processor)."""
    nodes: tuple[str, ...]
    """Ids of the nodes directly in this scope: start marker, states in definition order, end marker."""

    @property
    def location(self) -> str:
        return self.id


@dataclass(frozen=True, slots=True, kw_only=True)
class Graph:
    """Nodes, edges and scopes of a state machine; ``scopes[0]`` is the machine itself.

    Everything is in definition order (depth first), so two builds of the same definition are equal.
    """

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    scopes: tuple[Scope, ...]
    comment: str | None = None
    _nodes: Mapping[str, Node] = field(default_factory=dict, repr=False, compare=False, hash=False)
    _scopes: Mapping[str, Scope] = field(default_factory=dict, repr=False, compare=False, hash=False)

    @property
    def root(self) -> Scope:
        return self.scopes[0]

    def node(self, node_id: str) -> Node:
        """The node with this id (``"state:Charge"``, ``"start:"``, ``"end:/States/Fulfil/Branches/0"``)."""
        try:
            return self._nodes[node_id]
        except KeyError:
            raise KeyError(f"no node with id {node_id!r} in this graph; state ids are 'state:<name>'") from None

    def state(self, name: str) -> Node:
        """The node of the state called ``name``."""
        try:
            return self._nodes["state:" + name]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(name, self.state_names(), n=3)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise KeyError(f"no state named {name!r} in this graph{hint}") from None

    def scope(self, scope_id: str) -> Scope:
        try:
            return self._scopes[scope_id]
        except KeyError:
            raise KeyError(
                f"no scope with id {scope_id!r}; scope ids are body JSON Pointers ('' for the machine)"
            ) from None

    def states(self) -> tuple[Node, ...]:
        """The state nodes, in definition order (depth first)."""
        return tuple(n for n in self.nodes if n.kind == "state")

    def state_names(self) -> list[str]:
        return [n.name for n in self.nodes if n.name is not None]

    def nodes_in(self, scope_id: str) -> tuple[Node, ...]:
        """The nodes directly in a scope (not those of scopes nested deeper)."""
        return tuple(self._nodes[i] for i in self.scope(scope_id).nodes)

    def edges_in(self, scope_id: str) -> tuple[Edge, ...]:
        return tuple(e for e in self.edges if e.scope == scope_id)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (lists and dicts), e.g. to send the graph to a front end."""

        def node(n: Node) -> dict[str, Any]:
            return {
                "id": n.id, "kind": n.kind, "scope": n.scope, "location": n.location, "label": n.label,
                "name": n.name, "type": n.type, "detail": n.detail, "title": n.title, "retry": list(n.retry),
                "children": list(n.children),
            }  # fmt: skip

        def edge(e: Edge) -> dict[str, Any]:
            return {
                "id": e.id, "kind": e.kind, "source": e.source, "target": e.target, "scope": e.scope,
                "label": e.label, "title": e.title, "index": e.index, "errors": list(e.errors),
            }  # fmt: skip

        def scope(s: Scope) -> dict[str, Any]:
            return {
                "id": s.id, "kind": s.kind, "parent": s.parent, "label": s.label, "start_at": s.start_at,
                "query_language": s.query_language, "depth": s.depth, "index": s.index, "nodes": list(s.nodes),
            }  # fmt: skip

        return {
            "comment": self.comment,
            "nodes": [node(n) for n in self.nodes],
            "edges": [edge(e) for e in self.edges],
            "scopes": [scope(s) for s in self.scopes],
        }


# ---------------------------------------------------------------------------------------------------------
# short texts


def resource_label(resource: str, parameters: Any = None) -> str:
    """A short name for a Task's resource: ``"lambda charge_card"``, ``"sqs:sendMessage.waitForTaskToken"``.

    ``arn:aws:states:::lambda:invoke`` shows the ``FunctionName`` of its arguments when that is a plain string.
    """
    if resource.startswith("arn:aws:states:::") or resource.startswith("arn:aws-"):
        parts = resource.split(":")
        if len(parts) >= 7 and parts[2] == "states" and not parts[3] and not parts[4]:
            service = ":".join(parts[5:])
            if service.startswith("lambda:invoke") and isinstance(parameters, Mapping):
                fn = parameters.get("FunctionName")
                if isinstance(fn, str) and not fn.startswith("{%"):
                    return f"{service} {_function_name(fn)}"
            return service
    if resource.startswith("arn:"):
        parts = resource.split(":")
        if len(parts) >= 7 and parts[2] == "lambda":
            return f"lambda {_function_name(resource)}"
        if len(parts) >= 7 and parts[5] == "activity":
            return f"activity {parts[6]}"
    if resource.startswith("{%"):
        return "(JSONata resource)"
    return resource if len(resource) <= 40 else "…" + resource[-39:]


def _function_name(arn_or_name: str) -> str:
    parts = arn_or_name.split(":")
    if arn_or_name.startswith("arn:") and len(parts) >= 7 and parts[5] == "function":
        return parts[6]
    if len(parts) >= 3 and parts[1] == "function":
        return parts[2]
    return parts[-1] if arn_or_name.startswith("arn:") else parts[0]


def _value_text(value: Any) -> str:
    if isinstance(value, str) and value.startswith("{%"):
        return value[2:-2].strip() if value.endswith("%}") else value
    return str(value)


def _seconds(value: Any) -> str:
    text = _value_text(value)
    return f"{text} s" if isinstance(value, int | float) and not isinstance(value, bool) else text


def _detail(st: m.State) -> str:
    """The second line of a state's box: its type and the one fact that tells it apart."""
    extra = ""
    if isinstance(st, m.TaskState):
        extra = resource_label(st.resource, st.parameters if st.has_parameters else None)
    elif isinstance(st, m.WaitState):
        if st.seconds is not None:
            extra = _seconds(st.seconds)
        elif st.timestamp is not None:
            extra = "until " + _value_text(st.timestamp)
        elif st.seconds_path is not None:
            extra = "SecondsPath " + st.seconds_path
        elif st.timestamp_path is not None:
            extra = "until " + st.timestamp_path
    elif isinstance(st, m.ChoiceState):
        n = len(st.choices)
        extra = f"{n} rule" + ("" if n == 1 else "s")
    elif isinstance(st, m.FailState):
        extra = st.error or (f"ErrorPath {st.error_path}" if st.error_path else "")
    elif isinstance(st, m.MapState):
        if st.is_distributed:
            extra = "distributed"
        if st.label:
            extra = (extra + " " if extra else "") + st.label
    elif isinstance(st, m.ParallelState):
        n = len(st.branches)
        extra = f"{n} branch" + ("" if n == 1 else "es")
    if len(extra) > 40:
        extra = extra[:39] + "…"
    return f"{st.type} · {extra}" if extra else st.type


def _retrier_text(r: m.Retrier) -> str:
    errors = ", ".join(r.error_equals)
    parts = [f"{r.max_attempts} attempt" + ("" if r.max_attempts == 1 else "s")]
    parts.append(f"{r.interval_seconds} s")
    if r.backoff_rate != 1:
        parts[-1] += f" x{r.backoff_rate:g}"
    if r.max_delay_seconds is not None:
        parts.append(f"max {r.max_delay_seconds} s")
    if r.jitter_strategy == "FULL":
        parts.append("full jitter")
    return f"{errors}: {', '.join(parts)}"


def _title(st: m.State, retry: tuple[str, ...]) -> str:
    lines = [f"{st.name} ({st.type})", st.location or "/"]
    if st.comment:
        lines.append(st.comment)
    if isinstance(st, m.TaskState):
        lines.append(f"Resource: {st.resource}")
    lines.extend(f"Retry {text}" for text in retry)
    for c in getattr(st, "catch", ()):
        lines.append(f"Catch {', '.join(c.error_equals)} -> {c.next}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------
# the builder


def build(sm: m.Body) -> Graph:
    """The graph of a state machine (or of any body: a branch or a processor on its own). Pure: no layout."""
    b = _Builder()
    b.body(sm, kind="machine", parent=None, label="", depth=0, index=0)
    nodes = tuple(b.nodes)
    scopes = tuple(b.scopes)
    return Graph(
        nodes=nodes,
        edges=tuple(b.edges),
        scopes=scopes,
        comment=sm.comment,
        _nodes=MappingProxyType({n.id: n for n in nodes}),
        _scopes=MappingProxyType({s.id: s for s in scopes}),
    )


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.scopes: list[Scope] = []

    def body(self, body: m.Body, *, kind: ScopeKind, parent: str | None, label: str, depth: int, index: int) -> None:
        sid = body.location
        start_id, end_id = "start:" + sid, "end:" + sid
        at = len(self.scopes)
        self.scopes.append(None)  # type: ignore[arg-type]  # placeholder: keeps scopes in pre-order
        node_ids = [start_id]
        self.nodes.append(Node(id=start_id, kind="start", scope=sid, location=sid, label="Start"))
        if body.start_at in body.states:
            self.edges.append(
                Edge(
                    id=sid + "/StartAt",
                    kind="start",
                    source=start_id,
                    target="state:" + body.start_at,
                    scope=sid,
                    title=f"StartAt {body.start_at}",
                )
            )
        ends = False
        for st in body.states.values():
            node_ids.append(self.state(st, sid, depth))
            for edge in self._transitions(st, sid, body.states):
                ends = ends or edge.kind == "end"
                self.edges.append(edge)
        if ends:
            node_ids.append(end_id)
            self.nodes.append(Node(id=end_id, kind="end", scope=sid, location=sid, label="End"))
        self.scopes[at] = Scope(
            id=sid,
            kind=kind,
            parent=parent,
            label=label,
            start_at=body.start_at,
            query_language=body.query_language,
            depth=depth,
            index=index,
            nodes=tuple(node_ids),
        )

    def state(self, st: m.State, sid: str, depth: int) -> str:
        node_id = "state:" + st.name
        retry = tuple(_retrier_text(r) for r in getattr(st, "retry", ()))
        children = m.state_children(st)
        node = Node(
            id=node_id,
            kind="state",
            scope=sid,
            location=st.location,
            label=st.name,
            name=st.name,
            type=st.type,
            detail=_detail(st),
            title=_title(st, retry),
            retry=retry,
            children=tuple(child.location for child in children),
        )
        self.nodes.append(node)
        for i, child in enumerate(children):
            if isinstance(st, m.ParallelState):
                kind: ScopeKind = "branch"
                label = f"Branch {i + 1}"
            else:
                kind, label = "processor", "Item processor"
                if child.processor_mode == "DISTRIBUTED":
                    label += " · DISTRIBUTED"
            self.body(child, kind=kind, parent=node_id, label=label, depth=depth + 1, index=i)
        return node_id

    @staticmethod
    def _transitions(st: m.State, sid: str, states: Mapping[str, m.State]) -> Iterator[Edge]:
        src = "state:" + st.name
        loc = st.location

        def edge(kind: EdgeKind, target: str, where: str, **kw: Any) -> Edge | None:
            if target not in states:  # an invalid definition: validation reports it, the graph skips it
                return None
            return Edge(id=where, kind=kind, source=src, target="state:" + target, scope=sid, **kw)

        made: list[Edge | None] = []
        if isinstance(st, m.ChoiceState):
            for i, rule in enumerate(st.choices):
                if rule.next is not None:
                    text = rule.short()
                    made.append(edge("choice", rule.next, rule.location, label=text, title=text, index=i))
            if st.default is not None:
                made.append(edge("default", st.default, loc + "/Default", label="Default", title="Default"))
        if st.next is not None:
            made.append(edge("next", st.next, loc + "/Next", title=f"Next {st.next}"))
        for i, c in enumerate(getattr(st, "catch", ())):
            errors = ", ".join(c.error_equals)
            made.append(
                edge("catch", c.next, c.location, label=errors, title=f"Catch {errors}", index=i, errors=c.error_equals)
            )
        for e in made:
            if e is not None:
                yield e
        if st.is_terminal:
            where = loc + ("/End" if st.end else "/Type")
            title = "End" if st.end else f"{st.type} state"
            yield Edge(id=where, kind="end", source=src, target="end:" + sid, scope=sid, title=title)
