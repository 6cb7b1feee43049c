"""Templates as sources: recognise a template or project folder, read it, and build its state machines.

``sfnkit.load(path, name=..., parameters=...)``, ``sfnkit.validate(path)`` and ``sfnkit.state_machines(path)``
come here when ``path`` is a SAM/CloudFormation template, CDK synth output, a ``serverless.yml``, Terraform
``.tf`` files or a folder holding them. Each state machine's definition goes through the same front end as any
other source (``asl.parse`` + the graph checks); its diagnostics carry the template's file, line and column as
well as the JSON Pointer inside the definition.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sfnkit.asl import model as m
from sfnkit.asl.diagnostics import TEMPLATE_INVALID, Diagnostic, sort_key
from sfnkit.asl.project.base import MachineSource, TemplateRead
from sfnkit.errors import DefinitionError

__all__ = ["find_templates", "load_template", "read_template", "state_machines", "template_kind", "validate_template"]

_CFN_YAML = re.compile(r"^(?:Resources|AWSTemplateFormatVersion|Transform)\s*:", re.M)
_CFN_JSON = re.compile(r'"(?:Resources|AWSTemplateFormatVersion)"\s*:')
_SKIP_DIRS = frozenset(
    {"node_modules", "__pycache__", ".git", ".aws-sam", ".serverless", ".terraform", ".venv", "venv"}
)


def template_kind(source: Any) -> str | None:
    """``"cloudformation"``, ``"serverless"``, ``"terraform"`` or ``"folder"`` when ``source`` is a path to a
    template or project folder; None for anything else (a definition file, text, a dict)."""
    if not isinstance(source, str | os.PathLike):
        return None
    if isinstance(source, str) and (
        not source.strip() or "\n" in source or source.lstrip()[:1] in ("{", "[") or len(source) > 4096
    ):
        return None
    try:
        path = Path(source)
        if path.is_dir():
            return "folder"
        if not path.is_file():
            return None
    except (OSError, ValueError):
        return None
    name = path.name.lower()
    if name.endswith(".tf"):
        return "terraform"
    if name in ("serverless.yml", "serverless.yaml", "serverless.json"):
        return "serverless"
    if not name.endswith((".yaml", ".yml", ".json", ".template", ".tpl")):
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = f.read(200_000)
    except OSError:
        return None
    if name.endswith((".yaml", ".yml", ".template")) and _CFN_YAML.search(head):
        return "cloudformation"
    if _CFN_JSON.search(head):
        import json

        try:  # the whole file: a CDK template is often bigger than the head read above
            value = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return None
        if (
            isinstance(value, Mapping)
            and ("Resources" in value or "AWSTemplateFormatVersion" in value)
            and "StartAt" not in value
        ):
            return "cloudformation"
    return None


def find_templates(folder: Path, max_depth: int = 3) -> list[tuple[str, Path]]:
    """The templates of a project folder, outermost first: (kind, path); a folder of ``.tf`` files is one entry."""
    found: list[tuple[str, Path]] = []
    for root, dirs, files in os.walk(folder):
        depth = len(Path(root).relative_to(folder).parts)
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".") and depth < max_depth)
        tf = False
        for f in sorted(files):
            p = Path(root) / f
            kind = template_kind(p)
            if kind == "terraform":
                tf = True
            elif kind is not None:
                found.append((kind, p))
        if tf:
            found.append(("terraform", Path(root)))
    return found


def read_template(path: Path, kind: str, parameters: Mapping[str, Any] | None = None) -> TemplateRead:
    """Read one template of a known kind (never raises on the template's content)."""
    from sfnkit.errors import MissingDependencyError

    try:
        return _read_template(path, kind, parameters)
    except (MissingDependencyError, RecursionError) as e:
        if isinstance(e, MissingDependencyError):
            raise
        problem = "the template is nested too deeply"
    except Exception as e:  # a reader bug must not become a traceback in the user's notebook
        problem = f"sfnkit could not read this template ({type(e).__name__}: {e}); please report it"
    from sfnkit.asl.project.model import Project

    return TemplateRead(Project(template=str(path), format=kind), [], [_template_error(path, problem)])


def _read_template(path: Path, kind: str, parameters: Mapping[str, Any] | None) -> TemplateRead:
    if kind == "cloudformation":
        from sfnkit.asl.project.cloudformation import read_cloudformation

        return read_cloudformation(path, parameters)
    if kind == "serverless":
        from sfnkit.asl.project.serverless import read_serverless

        return read_serverless(path, parameters)
    from sfnkit.asl.project.terraform import read_terraform

    return read_terraform(path, parameters)


def _reads(path: Path, kind: str, parameters: Mapping[str, Any] | None) -> list[TemplateRead]:
    if kind != "folder":
        return [read_template(path, kind, parameters)]
    return [read_template(p, k, parameters) for k, p in find_templates(path)]


def _build(ms: MachineSource, read: TemplateRead) -> tuple[m.StateMachine | None, list[Diagnostic]]:
    from sfnkit.asl.parse import build
    from sfnkit.asl.validate import check_graph

    diags = list(ms.diagnostics)
    sm = None
    index: dict[str, tuple[m.State, ...]] = {}
    if ms.definition is not None and not any(d.severity == "ERROR" for d in diags):
        from sfnkit.asl.jsontext import json_problems

        found = json_problems(ms.definition)
        if not found:
            sm, found = build(ms.definition)
            if sm is not None:
                graph, index = check_graph(sm)
                found.extend(graph)
        for d in found:
            file, line, column = ms.lookup(d.location)
            diags.append(dataclasses.replace(d, file=file, line=line, column=column))
    if sm is not None:
        source_name = ms.spec.definition_file or read.project.template
        sm = dataclasses.replace(sm, index=index, source_name=source_name, project=read.project)
    diags.sort(key=sort_key)
    return sm, diags


def _template_error(path: Path, message: str) -> Diagnostic:
    return Diagnostic(severity="ERROR", code=TEMPLATE_INVALID, message=message, file=str(path))


def _machines(reads: list[TemplateRead]) -> list[tuple[MachineSource, TemplateRead]]:
    return [(ms, r) for r in reads for ms in r.machines]


def _pick(path: Path, reads: list[TemplateRead], name: str | None) -> tuple[MachineSource, TemplateRead]:
    pairs = _machines(reads)
    template_diags = [d for r in reads for d in r.diagnostics]
    if any(d.severity == "ERROR" for d in template_diags):
        raise DefinitionError(sorted(template_diags, key=sort_key), source_name=str(path))
    if not pairs:
        raise DefinitionError(
            [
                _template_error(
                    path,
                    "no state machine found: looked for AWS::Serverless::StateMachine and AWS::StepFunctions::StateMachine "
                    "resources, serverless.yml stepFunctions.stateMachines, and Terraform aws_sfn_state_machine",
                )
            ],
            source_name=str(path),
        )
    labels = [
        f"{ms.spec.logical_id}" + (f" (StateMachineName {ms.spec.name})" if ms.spec.name != ms.spec.logical_id else "")
        for ms, _ in pairs
    ]
    if name is None:
        if len(pairs) == 1:
            return pairs[0]
        raise DefinitionError(
            [
                _template_error(
                    path,
                    f"{len(pairs)} state machines here; pick one with name= (--name on the command line): {', '.join(labels)}",
                )
            ],
            source_name=str(path),
        )
    for ms, r in pairs:
        if name in (ms.spec.logical_id, ms.spec.name, *ms.aliases):
            return ms, r
    import difflib

    close = difflib.get_close_matches(name, [n for ms, _ in pairs for n in (ms.spec.logical_id, ms.spec.name)], n=1)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    raise DefinitionError(
        [_template_error(path, f"no state machine named {name!r}{hint}; the state machines here: {', '.join(labels)}")],
        source_name=str(path),
    )


def load_template(
    path: str | os.PathLike[str], name: str | None = None, parameters: Mapping[str, Any] | None = None
) -> m.StateMachine:
    """The state machine ``name`` (logical id or StateMachineName) of a template; optional with one machine."""
    p = Path(path)
    kind = template_kind(p) or "cloudformation"
    ms, read = _pick(p, _reads(p, kind, parameters), name)
    sm, diags = _build(ms, read)
    all_diags = sorted([*diags, *read.diagnostics], key=sort_key)
    if sm is None or any(d.severity == "ERROR" for d in all_diags):
        raise DefinitionError(all_diags, source_name=str(p))
    return sm


def validate_template(
    path: str | os.PathLike[str], name: str | None = None, parameters: Mapping[str, Any] | None = None
) -> list[Diagnostic]:
    """Every problem of a template's state machines (all of them, or the one ``name`` picks), errors first."""
    p = Path(path)
    kind = template_kind(p) or "cloudformation"
    reads = _reads(p, kind, parameters)
    if name is not None:
        try:
            ms, read = _pick(p, reads, name)
        except DefinitionError as e:
            return list(e.diagnostics)
        return sorted([*_build(ms, read)[1], *read.diagnostics], key=sort_key)
    out: list[Diagnostic] = [d for r in reads for d in r.diagnostics]
    pairs = _machines(reads)
    if not pairs and not any(d.severity == "ERROR" for d in out):
        try:
            _pick(p, reads, None)
        except DefinitionError as e:
            out.extend(e.diagnostics)
    for ms, read in pairs:
        for d in _build(ms, read)[1]:
            out.append(dataclasses.replace(d, message=f"[{ms.spec.logical_id}] {d.message}") if len(pairs) > 1 else d)
    return sorted(out, key=sort_key)


def state_machines(
    path: str | os.PathLike[str], parameters: Mapping[str, Any] | None = None
) -> dict[str, m.StateMachine]:
    """Every state machine of a template file or project folder, by name (StateMachineName, else logical id).

    Raises :class:`DefinitionError` listing every problem when a template or a state machine has errors.
    """
    p = Path(path)
    kind = template_kind(p)
    if kind is None:
        raise DefinitionError(
            [
                _template_error(
                    p,
                    "not a template or project folder: give a SAM/CloudFormation template (.yaml/.yml/.json), CDK "
                    "synth output (cdk.out/*.template.json), a serverless.yml, Terraform .tf files, or a folder of them",
                )
            ],
            source_name=str(p),
        )
    reads = _reads(p, kind, parameters)
    errors = [d for r in reads for d in r.diagnostics if d.severity == "ERROR"]
    out: dict[str, m.StateMachine] = {}
    for ms, read in _machines(reads):
        sm, diags = _build(ms, read)
        errors.extend(d for d in diags if d.severity == "ERROR")
        if sm is not None:
            key = ms.spec.name if ms.spec.name not in out else f"{ms.spec.name} ({read.project.template})"
            out[key] = sm
    if errors:
        raise DefinitionError(sorted(errors, key=sort_key), source_name=str(p))
    return out
