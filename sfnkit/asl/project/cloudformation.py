"""SAM and CloudFormation templates (JSON or YAML with short-form tags), CDK synth output included.

Decoding (:mod:`sfnkit.asl.project.decode`) reads JSON and YAML, turns the short-form tags (``!Sub``,
``!GetAtt``, ...) into their ``Fn::`` forms and marks every node with its line and column, which is what
diagnostics need to point into the template. State machines come from ``AWS::Serverless::StateMachine``
(``Definition`` / ``DefinitionUri``, AWS SAM Developer Guide) and ``AWS::StepFunctions::StateMachine``
(``Definition`` / ``DefinitionString`` / ``DefinitionS3Location``), with ``DefinitionSubstitutions`` applied to
the definition text as CloudFormation does. Functions come from ``AWS::Serverless::Function`` (with the
template's ``Globals.Function``) and ``AWS::Lambda::Function`` (CDK's assets via ``Metadata.aws:asset:path``).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sfnkit.asl.diagnostics import TEMPLATE_INVALID, UNKNOWN_INTRINSIC, Diagnostic, pointer
from sfnkit.asl.project.base import (
    MachineSource,
    TemplateRead,
    node_positions,
    placeholder_warnings,
    prefixed_lookup,
    substitute_text,
    substitute_value,
    text_lookup,
)
from sfnkit.asl.project.intrinsics import KNOWN, Resolver, mark_of
from sfnkit.asl.project.model import LOCAL_ACCOUNT, LOCAL_REGION, FunctionSpec, Project, ResourceSpec, StateMachineSpec
from sfnkit.asl.project.names import stack_name_for

__all__ = ["FUNCTION_TYPES", "STATE_MACHINE_TYPES", "decode", "read_cloudformation", "read_decoded"]

STATE_MACHINE_TYPES = ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


def decode(path: Path) -> tuple[Any, list[Diagnostic]]:
    """The template with every node marked by its line and column, or None with the parse errors as diagnostics."""
    from sfnkit.asl.project.decode import decode as marked_decode

    return marked_decode(path)


def template_format(template: Mapping[str, Any], path: Path) -> str:
    resources = template.get("Resources") or {}
    if isinstance(resources, Mapping) and any(
        isinstance(r, Mapping)
        and (r.get("Type") == "AWS::CDK::Metadata" or "aws:cdk:path" in (r.get("Metadata") or {}))
        for r in resources.values()
    ):
        return "cdk"
    transform = template.get("Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    if any(isinstance(t, str) and t.startswith("AWS::Serverless") for t in transforms):
        return "sam"
    return "cloudformation"


def read_cloudformation(path: Path, parameters: Mapping[str, Any] | None = None) -> TemplateRead:
    """Read a SAM/CloudFormation/CDK template file."""
    template, diags = decode(path)
    file = str(path)
    if template is None:
        return TemplateRead(Project(template=file, format="cloudformation"), [], diags)
    if not isinstance(template, Mapping) or not isinstance(template.get("Resources"), Mapping):
        diags.append(
            Diagnostic(
                severity="ERROR",
                code=TEMPLATE_INVALID,
                message="not a CloudFormation template: it has no Resources section",
                file=file,
                line=mark_of(template)[0] or 1,
                column=1,
            )
        )
        return TemplateRead(Project(template=file, format="cloudformation"), [], diags)
    fmt = template_format(template, path)
    stack = stack_name_for(path.name.split(".")[0] if fmt == "cdk" else path.resolve().parent.name)
    return read_decoded(template, path, fmt=fmt, stack=stack, parameters=parameters, diagnostics=diags)


def read_decoded(
    template: Mapping[str, Any],
    path: Path,
    *,
    fmt: str,
    stack: str,
    parameters: Mapping[str, Any] | None = None,
    diagnostics: list[Diagnostic] | None = None,
    resolver: Resolver | None = None,
    machine_entries: Mapping[str, Mapping[str, Any]] | None = None,
    functions: Mapping[str, FunctionSpec] | None = None,
) -> TemplateRead:
    """Read an already decoded template (serverless.yml hands over its ``resources`` section this way)."""
    file = str(path)
    diags = list(diagnostics or [])
    base = path.resolve().parent
    res = resolver or Resolver(
        template, file=file, stack=stack, account=LOCAL_ACCOUNT, region=LOCAL_REGION, parameters=parameters
    )
    positions = node_positions(template)
    diags.extend(_unknown_tags(template, file))
    resources: Mapping[str, Any] = template.get("Resources") or {}
    fns: dict[str, FunctionSpec] = dict(functions or {})
    others: dict[str, ResourceSpec] = {}
    machine_resources: dict[str, Mapping[str, Any]] = dict(machine_entries or {})
    globals_fn = _globals(template, res)
    for lid, r in resources.items():
        if not isinstance(r, Mapping):
            continue
        type_ = str(r.get("Type", ""))
        if type_ in STATE_MACHINE_TYPES:
            machine_resources[str(lid)] = r
        elif type_ in FUNCTION_TYPES:
            fns[str(lid)] = _function(str(lid), r, res, base, globals_fn)
        else:
            phys = res.physical(str(lid))
            props = res.resolve(r.get("Properties") or {}, ("Resources", lid, "Properties"))
            if phys is not None:
                others[str(lid)] = ResourceSpec(
                    logical_id=str(lid),
                    type=type_,
                    name=phys.name,
                    arn=phys.arn,
                    properties=props if isinstance(props, Mapping) else {},
                    ref=phys.ref if phys.ref != phys.name else "",
                    attributes=dict(phys.attributes),
                )
    machines: list[MachineSource] = []
    specs: dict[str, StateMachineSpec] = {}
    for lid, r in machine_resources.items():
        ms = _machine(lid, r, res, file, base, positions)
        machines.append(ms)
        specs[lid] = ms.spec
    project = Project(
        template=str(path.resolve()),
        format=fmt,
        state_machines=specs,
        functions=fns,
        resources=others,
        parameters=dict(res.parameters),
    )
    # warnings the resolver raised while reading the definitions belong to their machines; the rest to the template
    machine_paths = {lid: pointer("Resources", lid) for lid in machine_resources}
    template_diags: list[Diagnostic] = []
    for d in [*diags, *res.diagnostics]:
        owner = next((ms for ms in machines if d.location.startswith(machine_paths[ms.spec.logical_id] + "/")), None)
        if owner is None:
            if d not in template_diags:
                template_diags.append(d)
            continue
        inline = pointer("Resources", owner.spec.logical_id, "Properties", "Definition")
        if d.location == inline or d.location.startswith(inline + "/"):
            d = dataclasses.replace(d, location=d.location[len(inline) :])
        owner.diagnostics.append(d)
    for ms in machines:
        ms.diagnostics.sort(key=lambda d: d.severity != "ERROR")
    return TemplateRead(project, machines, template_diags)


def _unknown_tags(template: Any, file: str) -> list[Diagnostic]:
    """``!Foo`` (decoded as ``Fn::Foo``) that CloudFormation does not know: it rejects the template, so do we."""
    out: list[Diagnostic] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(template, ())]
    while stack:
        node, parts = stack.pop()
        if isinstance(node, Mapping):
            for k, v in node.items():
                if isinstance(k, str) and k.startswith("Fn::") and k not in KNOWN and len(node) == 1:
                    line, column = mark_of(node)
                    out.append(
                        Diagnostic(
                            severity="ERROR",
                            code=UNKNOWN_INTRINSIC,
                            message=f"unknown tag !{k[4:]} ({k}); CloudFormation's intrinsic functions are "
                            + ", ".join("!" + n[4:] for n in sorted(KNOWN) if n.startswith("Fn::"))
                            + ", !Ref and !Condition",
                            location=pointer(*parts),
                            line=line,
                            column=column,
                            file=file,
                        )
                    )
                stack.append((v, (*parts, str(k))))
        elif isinstance(node, list):
            stack.extend((v, (*parts, i)) for i, v in enumerate(node))
    return out


def _globals(template: Mapping[str, Any], res: Resolver) -> Mapping[str, Any]:
    g = template.get("Globals") or {}
    fn = g.get("Function") if isinstance(g, Mapping) else None
    if not isinstance(fn, Mapping):
        return {}
    out = res.resolve(fn, ("Globals", "Function"))
    return out if isinstance(out, Mapping) else {}


def _function(lid: str, r: Mapping[str, Any], res: Resolver, base: Path, globals_fn: Mapping[str, Any]) -> FunctionSpec:
    type_ = str(r.get("Type"))
    props = res.resolve(r.get("Properties") or {}, ("Resources", lid, "Properties"))
    props = props if isinstance(props, Mapping) else {}
    phys = res.physical(lid)
    assert phys is not None  # the resource exists
    sam = type_ == "AWS::Serverless::Function"
    merged: dict[str, Any] = dict(globals_fn) if sam else {}
    for k, v in props.items():
        if k == "Environment" and isinstance(v, Mapping) and isinstance(merged.get("Environment"), Mapping):
            env = dict(merged["Environment"].get("Variables") or {})
            env.update(v.get("Variables") or {})
            merged["Environment"] = {"Variables": env}
        else:
            merged[k] = v
    inline: str | None = None
    code_dir: str | None = None
    if sam:
        inline = merged.get("InlineCode") if isinstance(merged.get("InlineCode"), str) else None
        code_uri = merged.get("CodeUri")
        if inline is None and (code_uri is None or isinstance(code_uri, str)) and merged.get("PackageType") != "Image":
            target = (base / (code_uri or ".")).resolve()
            code_dir = str(target.parent if target.suffix in (".zip", ".jar") else target)
    else:
        code = merged.get("Code")
        if isinstance(code, Mapping) and isinstance(code.get("ZipFile"), str):
            inline = code["ZipFile"]
        asset = (r.get("Metadata") or {}).get("aws:asset:path") if isinstance(r.get("Metadata"), Mapping) else None
        if isinstance(asset, str):
            code_dir = str((base / asset).resolve())
    env_vars = (
        (merged.get("Environment") or {}).get("Variables") if isinstance(merged.get("Environment"), Mapping) else None
    )
    environment = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in (env_vars or {}).items()}
    timeout = merged.get("Timeout")
    return FunctionSpec(
        logical_id=lid,
        name=phys.name,
        arn=phys.arn,
        runtime=str(merged["Runtime"]) if merged.get("Runtime") else None,
        handler=str(merged["Handler"]) if merged.get("Handler") else None,
        code_dir=code_dir,
        environment=environment,
        timeout=int(timeout) if isinstance(timeout, int | str) and str(timeout).isdigit() else None,
        inline_code=inline,
    )


def _machine(
    lid: str, r: Mapping[str, Any], res: Resolver, file: str, base: Path, positions: Mapping[str, tuple[int, int]]
) -> MachineSource:
    props: Mapping[str, Any] = r.get("Properties") or {}
    if not isinstance(props, Mapping):
        props = {}
    where = ("Resources", lid, "Properties")
    sam = r.get("Type") == "AWS::Serverless::StateMachine"
    phys = res.physical(lid)
    assert phys is not None
    type_value = res.resolve(props.get("Type" if sam else "StateMachineType", "STANDARD"), (*where, "Type"))
    spec_kwargs: dict[str, Any] = {
        "logical_id": lid,
        "name": phys.name,
        "arn": phys.arn,
        "type": str(type_value).upper() if type_value else "STANDARD",
    }
    subs_raw = props.get("DefinitionSubstitutions") or {}
    subs = res.resolve(subs_raw, (*where, "DefinitionSubstitutions"))
    subs = subs if isinstance(subs, Mapping) else {}
    why = "it is not a key of DefinitionSubstitutions"

    def error(message: str, key: str) -> MachineSource:
        line, column = positions.get(pointer(*where, key)) or positions.get(pointer("Resources", lid)) or (None, None)
        d = Diagnostic(severity="ERROR", code=TEMPLATE_INVALID, message=message, line=line, column=column, file=file)
        return MachineSource(
            StateMachineSpec(**spec_kwargs, definition_file=str(Path(file).resolve())), None, diagnostics=[d]
        )

    if "Definition" in props:
        prefix = pointer(*where, "Definition")
        value = substitute_value(res.resolve(props["Definition"], (*where, "Definition")), subs)
        lookup = prefixed_lookup(file, positions, prefix)
        ms = MachineSource(StateMachineSpec(**spec_kwargs, definition_file=str(Path(file).resolve())), value, lookup)
        ms.diagnostics.extend(placeholder_warnings(value, lookup, why, res.unresolved))
        return ms
    uri_key = "DefinitionUri" if "DefinitionUri" in props else "DefinitionS3Location"
    if uri_key in props:
        uri = res.resolve(props[uri_key], (*where, uri_key))
        if not isinstance(uri, str):
            return error(
                f"{uri_key} points at S3 ({json.dumps(uri)[:80]}); sfnkit reads definitions from local files only: "
                "use a local path in DefinitionUri (as `sam build` does) or an inline Definition",
                uri_key,
            )
        def_path = (base / uri).resolve()
        try:
            text = def_path.read_text(encoding="utf-8")
        except OSError as e:
            return error(f"DefinitionUri {uri!r}: cannot read {def_path}: {e.strerror or e}", uri_key)
        except UnicodeDecodeError as e:
            return error(f"DefinitionUri {uri!r}: {def_path} is not UTF-8 text: {e.reason}", uri_key)
        from sfnkit.asl.source import parse_text

        kind = "yaml" if def_path.suffix in (".yaml", ".yml") else "json"
        read = parse_text(substitute_text(text, subs), str(def_path), kind)
        lookup = text_lookup(
            str(def_path), substitute_text(text, subs), read.positions.kind if read.positions else kind
        )
        diags = [d if d.line is not None else d.with_position(*lookup(d.location)[1:]) for d in read.diagnostics]
        diags = [dataclasses.replace(d, file=str(def_path)) for d in diags]
        ms = MachineSource(
            StateMachineSpec(**spec_kwargs, definition_file=str(def_path)), None if diags else read.value, lookup, diags
        )
        if read.value is not None and not diags:
            ms.diagnostics.extend(placeholder_warnings(read.value, lookup, why, res.unresolved))
        return ms
    if "DefinitionString" in props:
        raw = props["DefinitionString"]
        pieces = _join_pieces(raw, res, (*where, "DefinitionString"))
        text = "".join(p for p, _ in pieces) if pieces is not None else res.resolve(raw, (*where, "DefinitionString"))
        if not isinstance(text, str):
            return error("DefinitionString must resolve to a string (JSON text)", "DefinitionString")
        substituted = substitute_text(text, subs)
        lookup = _string_lookup(file, raw, positions.get(pointer(*where, "DefinitionString")))
        if pieces is not None and substituted == text:
            lookup = _join_lookup(file, text, pieces, lookup)
        text = substituted
        try:
            value = json.loads(text)
        except json.JSONDecodeError as e:
            return error(
                f"DefinitionString is not valid JSON once resolved: {e.msg} (line {e.lineno} column {e.colno} of the resolved text)",
                "DefinitionString",
            )
        ms = MachineSource(
            StateMachineSpec(**spec_kwargs, definition_file=str(Path(file).resolve())),
            value,
            _definition_text_lookup(file, raw, text, lookup),
        )
        ms.diagnostics.extend(placeholder_warnings(value, ms.lookup, why, res.unresolved))
        return ms
    keys = "Definition or DefinitionUri" if sam else "Definition, DefinitionString or DefinitionS3Location"
    line, column = positions.get(pointer("Resources", lid)) or (None, None)
    return MachineSource(
        StateMachineSpec(**spec_kwargs, definition_file=str(Path(file).resolve())),
        None,
        diagnostics=[
            Diagnostic(
                severity="ERROR",
                code=TEMPLATE_INVALID,
                message=f"state machine {lid} has no definition: give it {keys}",
                location="",
                line=line,
                column=column,
                file=file,
            )
        ],
    )


# a definition JSON Pointer -> (template file, line, column) of what it came from, or Nones
_Lookup = Callable[[str], tuple[str | None, int | None, int | None]]


def _json_string_lookup(file: str, raw: str, text: str, mark: Any, fallback: _Lookup) -> _Lookup:
    """A definition written as one JSON string of a JSON template: a pointer's offset in the string, escaped as
    the template writes it, is its column on the string's line."""
    from sfnkit.asl.source import Positions

    try:
        json.loads(raw)
        as_written = raw  # ${...} sit inside JSON strings: the text before substitution has the template's columns
    except ValueError:
        as_written = text
    positions = Positions(as_written, "json")
    line_starts = [0] + [i + 1 for i, ch in enumerate(as_written) if ch == "\n"]

    def lookup(location: str) -> tuple[str | None, int | None, int | None]:
        line, column = positions.lookup(location)
        if line is None:
            return fallback(location)
        offset = line_starts[line - 1] + (column or 1) - 1
        escaped = len(json.dumps(as_written[:offset])) - 2  # \" and \n take two characters in the template
        return file, mark.line + 1, mark.column + 2 + escaped

    return lookup


def _join_pieces(raw: Any, res: Resolver, path: tuple[str | int, ...]) -> list[tuple[str, Any]] | None:
    """The resolved parts of a ``DefinitionString: {Fn::Join: [delimiter, [...]]}`` (CDK's form), each with the
    template node it came from; None when the definition is not such a join."""
    if not (isinstance(raw, Mapping) and len(raw) == 1 and "Fn::Join" in raw):
        return None
    arg = raw["Fn::Join"]
    if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], list)):
        return None
    out: list[tuple[str, Any]] = []
    for i, piece in enumerate(arg[1]):
        if i and arg[0]:
            out.append((str(arg[0]), arg[0]))
        value = res.resolve(piece, (*path, "Fn::Join", 1, i))
        out.append((value if isinstance(value, str) else json.dumps(value), piece))
    return out


def _join_lookup(file: str, text: str, pieces: list[tuple[str, Any]], fallback: _Lookup) -> _Lookup:
    """A definition pointer -> the line of the ``Fn::Join`` piece its text starts in (CDK puts one per line)."""
    from sfnkit.asl.source import Positions

    positions = Positions(text, "json")
    starts: list[tuple[int, Any]] = []
    offset = 0
    for piece_text, node in pieces:
        starts.append((offset, node))
        offset += len(piece_text)
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def lookup(location: str) -> tuple[str | None, int | None, int | None]:
        line, column = positions.lookup(location)
        if line is None:
            return fallback(location)
        at = line_starts[line - 1] + (column or 1) - 1
        node = next((n for start, n in reversed(starts) if start <= at), None)
        mark = getattr(node, "start_mark", None)
        if mark is None:
            return fallback(location)
        return file, mark.line + 1, mark.column + 1

    return lookup


def _string_lookup(file: str, raw: Any, key_position: tuple[int, int] | None) -> Any:
    line, column = mark_of(raw) if mark_of(raw)[0] else (key_position or (None, None))

    def lookup(location: str) -> tuple[str | None, int | None, int | None]:
        return file, line, column

    return lookup


def _definition_text_lookup(file: str, raw: Any, text: str, fallback: _Lookup) -> _Lookup:
    """A ``DefinitionString: !Sub |`` block keeps its lines: map the definition's lines onto the template's."""
    node = raw
    if isinstance(raw, Mapping) and len(raw) == 1 and "Fn::Sub" in raw:
        node = raw["Fn::Sub"][0] if isinstance(raw["Fn::Sub"], list) and raw["Fn::Sub"] else raw["Fn::Sub"]
    mark = getattr(node, "start_mark", None) or getattr(raw, "start_mark", None)  # a tag's argument has no mark
    if not isinstance(node, str) or mark is None or node.count("\n") != text.count("\n"):
        return fallback
    try:
        template_lines = Path(file).read_text(encoding="utf-8").split("\n")
        rest = template_lines[mark.line][mark.column :].split("#", 1)[0].split()
    except (OSError, IndexError, UnicodeDecodeError):
        return fallback
    if template_lines[mark.line][mark.column : mark.column + 1] == '"':  # a JSON template's one-line string
        # the mark may be the member's key ("Fn::Sub": "..."): the string itself starts after the colon
        line_text = template_lines[mark.line]
        key = re.compile(r'"(?:[^"\\]|\\.)*"\s*:\s*').match(line_text, mark.column)
        column = key.end() if key else mark.column
        if line_text[column : column + 1] != '"':
            return fallback
        return _json_string_lookup(file, str(node), text, type(mark)(mark.line, column), fallback)
    if not rest or rest[-1][:1] not in ("|", ">"):  # not a block scalar: the text has lines of its own
        return fallback

    # YAML strips the block's indentation (that of its first non-empty line) from every line
    first = next((ln for ln in template_lines[mark.line + 1 :] if ln.strip()), "")
    block_indent = len(first) - len(first.lstrip(" "))

    def indent(real_line: int) -> int:
        return block_indent

    try:  # columns as written: positions from the text before substitution when it is JSON already
        json.loads(node)
        as_written = str(node)
    except ValueError:
        as_written = text
    return text_lookup(file, as_written, "json", line_offset=mark.line + 1, indent=indent)
