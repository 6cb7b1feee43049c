"""Reading SAM/CloudFormation/serverless templates (YAML or JSON) into values that remember where they were.

YAML goes through PyYAML (its C parser when installed) with constructors for CloudFormation's short-form tags
(CloudFormation User Guide, "Intrinsic function reference": ``!Ref`` is ``{"Ref": ...}``, ``!GetAtt a.b`` is
``{"Fn::GetAtt": ["a", "b"]}``, ``!Condition X`` is ``{"Condition": X}``, every other ``!Name`` is
``{"Fn::Name": ...}``, so that an unknown tag can be reported where it is). JSON goes through :func:`json.loads`
and sfnkit's JSON position scanner. Either way every mapping, sequence, string and mapping key is a subclass of
``dict``/``list``/``str`` with a ``start_mark`` (0-based ``line`` and ``column``), which is what diagnostics need
to point into the template.

Why not cfn-lint's decoder, which does the same: importing it pulls in sympy and networkx, about a second before
the first template loads (``bench/projects_load.py`` prints both).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sfnkit.asl.diagnostics import TEMPLATE_INVALID, Diagnostic

__all__ = ["Mark", "MarkedDict", "MarkedList", "MarkedStr", "decode", "decode_text"]


@dataclass(frozen=True, slots=True)
class Mark:
    """Where a node starts: 0-based line and column (PyYAML's convention)."""

    line: int
    column: int


class MarkedDict(dict[str, Any]):
    start_mark: Mark


class MarkedList(list[Any]):
    start_mark: Mark


class MarkedStr(str):
    start_mark: Mark


_M = TypeVar("_M", "MarkedDict", "MarkedList", "MarkedStr")


def _marked(cls: type[_M], value: Any, line: int, column: int) -> _M:
    out = cls(value)
    out.start_mark = Mark(line, column)
    return out


# -- YAML -----------------------------------------------------------------------------------------------------


def _make_loader() -> type:
    import yaml

    base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc]
        """SafeLoader with CloudFormation's tags; timestamps stay text and keys stay as written (JSON keys)."""

    def mapping(loader: Any, node: Any) -> MarkedDict:
        loader.flatten_mapping(node)
        out = MarkedDict()
        out.start_mark = Mark(node.start_mark.line, node.start_mark.column)
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found a key that is not a plain value",
                    key_node.start_mark,
                )
            key = _marked(MarkedStr, key_node.value, key_node.start_mark.line, key_node.start_mark.column)
            out[key] = loader.construct_object(value_node, deep=True)
        return out

    def sequence(loader: Any, node: Any) -> MarkedList:
        out = _marked(MarkedList, [], node.start_mark.line, node.start_mark.column)
        out.extend(loader.construct_object(child, deep=True) for child in node.value)
        return out

    def string(loader: Any, node: Any) -> MarkedStr:
        return _marked(MarkedStr, loader.construct_scalar(node), node.start_mark.line, node.start_mark.column)

    def tag(loader: Any, suffix: str, node: Any) -> MarkedDict:
        if isinstance(node, yaml.ScalarNode):
            value: Any = string(loader, node)
            if suffix == "GetAtt" and "." in value:  # !GetAtt Logical.Attr is the list form
                value = _marked(MarkedList, value.split(".", 1), node.start_mark.line, node.start_mark.column)
        elif isinstance(node, yaml.SequenceNode):
            value = sequence(loader, node)
        else:
            value = mapping(loader, node)
        name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
        out = MarkedDict()
        out.start_mark = Mark(node.start_mark.line, node.start_mark.column)
        out[_marked(MarkedStr, name, node.start_mark.line, node.start_mark.column)] = value
        return out

    Loader.add_constructor("tag:yaml.org,2002:map", mapping)
    Loader.add_constructor("tag:yaml.org,2002:seq", sequence)
    Loader.add_constructor("tag:yaml.org,2002:str", string)
    Loader.add_constructor("tag:yaml.org,2002:timestamp", string)
    Loader.add_multi_constructor("!", tag)
    return Loader


_LOADER: list[type] = []


def _yaml(text: str) -> Any:
    import yaml

    if not _LOADER:
        _LOADER.append(_make_loader())
    return yaml.load(text, Loader=_LOADER[0])


# -- JSON -----------------------------------------------------------------------------------------------------


def _json(text: str) -> Any:
    from sfnkit.asl.jsontext import json_positions

    value = json.loads(text)
    positions = json_positions(text)

    def wrap(v: Any, here: str) -> Any:  # ``here`` is the JSON Pointer of ``v``, built as the walk descends
        line, column = positions.get(here, (1, 1))
        if isinstance(v, dict):
            out = _marked(MarkedDict, {}, line - 1, column - 1)
            for k, x in v.items():
                child = here + "/" + k.replace("~", "~0").replace("/", "~1")
                kl, kc = positions.get(child, (line, column))
                out[_marked(MarkedStr, k, kl - 1, kc - 1)] = wrap(x, child)
            return out
        if isinstance(v, list):
            return _marked(MarkedList, [wrap(x, f"{here}/{i}") for i, x in enumerate(v)], line - 1, column - 1)
        if isinstance(v, str):
            return _marked(MarkedStr, v, line - 1, column - 1)
        return v

    return wrap(value, "")


# -- entry points -----------------------------------------------------------------------------------------------


def decode_text(text: str, file: str, kind: str) -> tuple[Any, list[Diagnostic]]:
    """``text`` as a marked value (``kind`` is "json" or "yaml"), or None with the syntax error as a diagnostic."""
    import yaml

    def error(message: str, line: int | None = None, column: int | None = None) -> tuple[Any, list[Diagnostic]]:
        return None, [
            Diagnostic(severity="ERROR", code=TEMPLATE_INVALID, message=message, line=line, column=column, file=file)
        ]

    if kind == "json":
        try:
            return _json(text), []
        except json.JSONDecodeError as e:
            return error(f"malformed JSON: {e.msg}", e.lineno, e.colno)
        except RecursionError:
            return error("the template is nested too deeply")
    try:
        return _yaml(text), []
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        return error(
            f"malformed YAML: {e.problem or e.context}",
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
        )
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as e:
        return error(f"malformed YAML: {e}")


def decode(path: Path) -> tuple[Any, list[Diagnostic]]:
    """Read and decode a template file; JSON when it looks like JSON, YAML otherwise."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        return None, [
            Diagnostic(
                severity="ERROR", code=TEMPLATE_INVALID, message=f"cannot read {path}: {e.strerror or e}", file=file
            )
        ]
    except UnicodeDecodeError as e:
        return None, [
            Diagnostic(
                severity="ERROR", code=TEMPLATE_INVALID, message=f"{path} is not UTF-8 text: {e.reason}", file=file
            )
        ]
    stripped = text.lstrip()
    if stripped.startswith("{") or path.suffix == ".json":
        value, diags = decode_text(text, file, "json")
        if value is not None or path.suffix == ".json":
            return value, diags
    return decode_text(text, file, "yaml")
