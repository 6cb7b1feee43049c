"""What every template reader returns, and the position bookkeeping they share.

A reader turns one template (or Terraform module) into a :class:`TemplateRead`: the :class:`Project` plus, per
state machine, the definition as a plain JSON value and a ``lookup`` that maps a JSON Pointer of that definition
back to ``(file, line, column)`` in the file the user edits (the template itself, or the ``DefinitionUri`` file).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sfnkit.asl.diagnostics import UNRESOLVED_REFERENCE, Diagnostic, pointer
from sfnkit.asl.project.model import Project, StateMachineSpec

__all__ = ["Lookup", "MachineSource", "TemplateRead", "node_positions", "placeholder_warnings", "text_lookup"]

#: definition JSON Pointer -> (file, line, column); any of them may be None when unknown
Lookup = Callable[[str], tuple[str | None, int | None, int | None]]

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def _no_position(location: str) -> tuple[str | None, int | None, int | None]:
    return None, None, None


@dataclass
class MachineSource:
    """One state machine of a template, as read: ``definition`` is None when it could not be read."""

    spec: StateMachineSpec
    definition: Any
    lookup: Lookup = _no_position
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: other names ``name=`` may pick it by (a serverless.yml key, a Terraform resource address)
    aliases: tuple[str, ...] = ()


@dataclass
class TemplateRead:
    """A whole template as read: the project, its state machines, and template-level diagnostics."""

    project: Project
    machines: list[MachineSource] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def node_positions(root: Any) -> dict[str, tuple[int, int]]:
    """JSON Pointer -> 1-based (line, column) for every node the decoder marked (keys mark their entry)."""
    out: dict[str, tuple[int, int]] = {}
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(root, ())]
    while stack:
        node, parts = stack.pop()
        mark = getattr(node, "start_mark", None)
        if mark is not None:
            out.setdefault(pointer(*parts), (mark.line + 1, mark.column + 1))
        if isinstance(node, Mapping):
            for k, v in node.items():
                kmark = getattr(k, "start_mark", None)
                if kmark is not None:
                    out[pointer(*parts, str(k))] = (kmark.line + 1, kmark.column + 1)
                stack.append((v, (*parts, str(k))))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                stack.append((v, (*parts, i)))
    return out


def nearest(positions: Mapping[str, tuple[int, int]], location: str) -> tuple[int | None, int | None]:
    """The position of ``location`` or of its closest ancestor that has one."""
    loc = location
    while True:
        if loc in positions:
            return positions[loc]
        if not loc:
            return None, None
        loc = loc.rsplit("/", 1)[0]


def prefixed_lookup(file: str, positions: Mapping[str, tuple[int, int]], prefix: str) -> Lookup:
    """A lookup for a definition embedded at template pointer ``prefix``."""

    def lookup(location: str) -> tuple[str | None, int | None, int | None]:
        line, column = nearest(positions, prefix + location)
        return file, line, column

    return lookup


def text_lookup(
    file: str | None, text: str, kind: str, line_offset: int = 0, indent: Callable[[int], int] | None = None
) -> Lookup:
    """A lookup into definition text; ``line_offset``/``indent`` place text that sits inside a larger file
    (a YAML block scalar or a Terraform heredoc) at its real lines and columns."""
    from sfnkit.asl.source import Positions

    positions = Positions(text, kind)

    def lookup(location: str) -> tuple[str | None, int | None, int | None]:
        line, column = positions.lookup(location)
        if line is None:
            return file, (line_offset + 1) if line_offset else None, None
        real = line + line_offset
        return file, real, (column or 1) + (indent(real) if indent else 0)

    return lookup


def strings(value: Any, parts: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every string in a JSON value with its path (keys are not included)."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from strings(v, (*parts, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from strings(v, (*parts, i))
    elif isinstance(value, str):
        yield parts, value


def placeholder_warnings(definition: Any, lookup: Lookup, why: str, reported: Collection[str] = ()) -> list[Diagnostic]:
    """A WARNING for each ``${...}`` still in the definition after substitution (its value was not known);
    ``reported`` are placeholders already reported where they came from."""
    out: list[Diagnostic] = []
    for parts, s in strings(definition):
        for m in _PLACEHOLDER.finditer(s):
            if m.group(0) in reported:
                continue
            loc = pointer(*parts)
            file, line, column = lookup(loc)
            out.append(
                Diagnostic(
                    severity="WARNING",
                    code=UNRESOLVED_REFERENCE,
                    message=f"{m.group(0)} is left as written: {why}",
                    location=loc,
                    line=line,
                    column=column,
                    file=file,
                )
            )
    return out


def substitute_text(text: str, substitutions: Mapping[str, Any]) -> str:
    """``DefinitionSubstitutions``: replace each ``${key}`` of the definition text by its value."""
    import json

    def one(m: re.Match[str]) -> str:
        key = m.group(0)[2:-1]
        if key not in substitutions:
            return m.group(0)
        value = substitutions[key]
        return value if isinstance(value, str) else json.dumps(value)

    return _PLACEHOLDER.sub(one, text)


def substitute_value(value: Any, substitutions: Mapping[str, Any]) -> Any:
    """``DefinitionSubstitutions`` over an inline ``Definition`` object: every string value, in place of text."""
    if not substitutions:
        return value
    if isinstance(value, Mapping):
        return {k: substitute_value(v, substitutions) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute_value(v, substitutions) for v in value]
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole and value[2:-1] in substitutions and not isinstance(substitutions[value[2:-1]], str):
            return substitutions[value[2:-1]]  # a lone "${Count}" keeps its number/boolean type
        return substitute_text(value, substitutions)
    return value
