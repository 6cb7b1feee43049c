"""``serverless.yml`` with the serverless-step-functions plugin layout, as a template.

The Serverless Framework's variables (``${self:...}``, ``${opt:stage, 'dev'}``, ``${sls:stage}``,
``${aws:accountId}``, ``${aws:region}``, ``${env:NAME, default}``, ``${file(./x.json):key}``, with fallbacks) are
filled first, following the framework's "Variables" documentation; ``#{AWS::Region}`` (serverless-pseudo-parameters)
becomes a ``Fn::Sub``. Then the file is read as the CloudFormation it deploys to: each function becomes the
``<Name>LambdaFunction`` resource the framework generates (named ``<service>-<stage>-<function>``), each entry of
``stepFunctions.stateMachines`` a state machine, and ``resources.Resources`` joins them, so ``Fn::GetAtt`` and
``Ref`` resolve exactly as in a SAM template (the plugin also accepts a function's key in ``Fn::GetAtt``).
Values the framework would fetch from AWS (``${cf:...}``, ``${ssm:...}``, ``${s3:...}``) take their fallback, or
stay as written with a warning.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sfnkit.asl.diagnostics import TEMPLATE_INVALID, Diagnostic, pointer
from sfnkit.asl.project.base import TemplateRead
from sfnkit.asl.project.intrinsics import Resolver, template_warning
from sfnkit.asl.project.model import LOCAL_ACCOUNT, LOCAL_REGION, Project
from sfnkit.asl.project.names import stack_name_for
from sfnkit.asl.scan import Scanner

__all__ = ["normalize", "read_serverless"]

_VAR = re.compile(r"\$\{\s*((?:self|opt|sls|aws|env|cf|ssm|s3|param|strToBool|file\()[^${}]*)\}")
_PSEUDO = re.compile(r"#\{([^}]+)\}")


def normalize(name: str) -> str:
    """The framework's logical-id form of a name: first letter upper case, ``-`` -> ``Dash``, ``_`` -> ``Underscore``."""
    out = name[:1].upper() + name[1:]
    return out.replace("-", "Dash").replace("_", "Underscore")


class _Variables:
    def __init__(self, doc: Mapping[str, Any], base: Path, file: str, parameters: Mapping[str, Any]) -> None:
        self.doc = doc
        self.base = base
        self.file = file
        self.parameters = dict(parameters)
        self.diagnostics: list[Diagnostic] = []
        self.unresolved: set[str] = set()
        provider = doc.get("provider") if isinstance(doc.get("provider"), Mapping) else {}
        self.provider: Mapping[str, Any] = provider or {}
        self._depth = 0

    def warn(self, message: str, path: tuple[str | int, ...], node: Any) -> None:
        self.diagnostics.append(template_warning(self.file, message, path, node))

    @property
    def stage(self) -> str:
        for v in (self.parameters.get("stage"), self.provider.get("stage")):
            if isinstance(v, str) and "${" not in v:
                return v
        return "dev"

    @property
    def region(self) -> str:
        for v in (self.parameters.get("region"), self.provider.get("region")):
            if isinstance(v, str) and "${" not in v:
                return v
        return LOCAL_REGION

    def fill(self, node: Any, path: tuple[str | int, ...], parent: Any = None) -> Any:
        """Resolve variables in place (dicts and lists keep their identity, so the decoder's marks survive)."""
        if isinstance(node, dict):
            for k in list(node):
                # the key carries the decoder's mark: a warning about the value points at its line
                node[k] = self.fill(node[k], (*path, str(k)), k if hasattr(k, "start_mark") else node)
            return node
        if isinstance(node, list):
            for i in range(len(node)):
                node[i] = self.fill(node[i], (*path, i), node)
            return node
        if isinstance(node, str) and ("${" in node or "#{" in node):
            return self.string(node, path, parent if parent is not None else node)
        return node

    def string(self, text: str, path: tuple[str | int, ...], node: Any) -> Any:
        left: list[str] = []  # variables with no value, put back as written once the others are filled
        for _ in range(50):  # nested variables resolve innermost first
            m = _VAR.search(text)
            if m is None:
                break
            value = self.variable(m.group(1), path, node)
            if value is None:
                left.append(m.group(0))
                self.unresolved.add(m.group(0))
                value = f"\0{len(left) - 1}\0"
            elif m.span() == (0, len(text)) and not isinstance(value, str):
                return value  # a whole-string variable keeps the type of what it points at
            text = text[: m.start()] + (value if isinstance(value, str) else json.dumps(value)) + text[m.end() :]
        for i, original in enumerate(left):
            text = text.replace(f"\0{i}\0", original)
        if _PSEUDO.search(text):
            return {"Fn::Sub": _PSEUDO.sub(lambda mm: "${" + mm.group(1) + "}", text)}
        return text

    def variable(self, expression: str, path: tuple[str | int, ...], node: Any) -> Any:
        options = _split_top(expression)
        for option in options:
            value = self.source(option.strip(), path, node, last=option is options[-1])
            if value is not None:
                return value
        return None

    def source(self, ref: str, path: tuple[str | int, ...], node: Any, last: bool) -> Any:
        if len(ref) >= 2 and ref[0] == ref[-1] and ref[0] in "'\"":
            return ref[1:-1]
        if re.fullmatch(r"-?\d+(\.\d+)?", ref):
            return json.loads(ref)
        if ref in ("true", "false"):
            return ref == "true"
        kind, _, rest = ref.partition(":")
        if ref.startswith("file("):
            return self.from_file(ref, path, node)
        if kind == "self":
            return self.from_self(rest, path, node)
        if kind == "opt":
            value = self.parameters.get(rest)
            if value is None and rest == "stage":
                return None if not last else self.stage
            if value is None and rest == "region":
                return None if not last else self.region
            return value
        if kind == "sls":
            return {"stage": self.stage, "instanceId": "local"}.get(rest)
        if kind == "aws":
            return {"accountId": LOCAL_ACCOUNT, "region": self.region}.get(rest)
        if kind in ("env", "param"):
            return self.parameters.get(rest)
        if kind == "strToBool":
            return rest.strip().lower() in ("true", "1")
        if last:
            self.warn(
                f"${{{ref}}} reads {kind}: from AWS when deployed; it has no local value (give a fallback, e.g. "
                f"${{{ref}, 'value'}}, or pass parameters={{{rest!r}: ...}})",
                path,
                node,
            )
        return None

    def from_self(self, dotted: str, path: tuple[str | int, ...], node: Any) -> Any:
        value: Any = self.doc
        for part in [p for p in dotted.split(".") if p]:
            if isinstance(value, Mapping) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return None
        if isinstance(value, str) and "${" in value and self._depth < 10:
            self._depth += 1
            try:
                value = self.string(value, path, node)
            finally:
                self._depth -= 1
        return value

    def from_file(self, ref: str, path: tuple[str | int, ...], node: Any) -> Any:
        m = re.fullmatch(r"file\(([^)]+)\)(?::(.*))?", ref)
        if not m:
            return None
        target = (self.base / m.group(1).strip().strip("'\"")).resolve()
        try:
            text = target.read_text(encoding="utf-8")
            import yaml

            value: Any = json.loads(text) if target.suffix == ".json" else yaml.safe_load(text)
        except (OSError, ValueError, ImportError) as e:
            self.warn(f"${{{ref}}}: cannot read {target}: {e}", path, node)
            return None
        except Exception as e:  # a YAML error: report, never crash
            self.warn(f"${{{ref}}}: cannot read {target}: {e}", path, node)
            return None
        for part in [p for p in (m.group(2) or "").split(".") if p]:
            value = value.get(part) if isinstance(value, Mapping) else None
        return value


def _split_top(expression: str) -> list[str]:
    """``a, 'b, c'`` -> ``["a", "'b, c'"]``: commas outside quotes and parentheses separate fallbacks."""
    parts: list[str] = []
    start = 0
    scan = Scanner(expression, escapes=False)  # serverless variables have no escapes inside quotes
    for i, ch in scan:
        if ch == "," and scan.depth == 0:
            parts.append(expression[start:i])
            start = i + 1
    parts.append(expression[start:])
    return parts


def read_serverless(path: Path, parameters: Mapping[str, Any] | None = None) -> TemplateRead:
    """Read a ``serverless.yml`` (or ``.yaml``/``.json``)."""
    from sfnkit.asl.project.cloudformation import decode, read_decoded

    file = str(path)
    doc, diags = decode(path)
    empty = Project(template=file, format="serverless")
    if doc is None:
        return TemplateRead(empty, [], diags)
    if not isinstance(doc, dict):
        diags.append(
            Diagnostic(severity="ERROR", code=TEMPLATE_INVALID, message="serverless.yml is not a mapping", file=file)
        )
        return TemplateRead(empty, [], diags)
    base = path.resolve().parent
    variables = _Variables(doc, base, file, parameters or {})
    variables.fill(doc, ())
    service = doc.get("service")
    if isinstance(service, Mapping):  # the old form: service: {name: ...}
        service = service.get("name")
    service = str(service or base.name)
    stage = variables.stage
    provider = variables.provider
    resources: dict[str, Any] = {}
    aliases: dict[str, str] = {}
    functions = doc.get("functions") or {}
    for key, fn in functions.items() if isinstance(functions, Mapping) else []:
        if not isinstance(fn, Mapping):
            continue
        lid = normalize(str(key)) + "LambdaFunction"
        aliases[str(key)] = lid
        handler = str(fn.get("handler") or "")
        module_path, _, function = handler.rpartition(".")
        code_dir = (base / module_path).parent if module_path else base
        env = {**(provider.get("environment") or {}), **(fn.get("environment") or {})}
        props: dict[str, Any] = {
            "FunctionName": fn.get("name") or f"{service}-{stage}-{key}",
            "Handler": f"{Path(module_path).name}.{function}" if module_path else handler or None,
            "Runtime": fn.get("runtime") or provider.get("runtime"),
            "Environment": {"Variables": env},
        }
        if fn.get("timeout") or provider.get("timeout"):
            props["Timeout"] = fn.get("timeout") or provider.get("timeout")
        resources[lid] = {
            "Type": "AWS::Lambda::Function",
            "Properties": props,
            "Metadata": {"aws:asset:path": str(code_dir.resolve())},
        }
    sf = doc.get("stepFunctions") or {}
    machines = sf.get("stateMachines") if isinstance(sf, Mapping) else None
    for key, spec in machines.items() if isinstance(machines, Mapping) else []:
        if not isinstance(spec, Mapping):
            continue
        lid = normalize(str(key)) + "StepFunctionsStateMachine"
        aliases[str(key)] = lid
        props = {"StateMachineName": spec.get("name") or str(key)}
        if "definition" in spec:
            value = spec["definition"]
            props["DefinitionString" if isinstance(value, str) else "Definition"] = value
        if spec.get("type"):
            props["StateMachineType"] = spec["type"]
        resources[lid] = {"Type": "AWS::StepFunctions::StateMachine", "Properties": props}
    extra = doc.get("resources") or {}
    declared = extra.get("Resources") if isinstance(extra, Mapping) else None
    if isinstance(declared, Mapping):
        resources.update(declared)
    template: dict[str, Any] = {"Resources": resources}
    if isinstance(extra, Mapping):
        for section in ("Conditions", "Mappings", "Parameters"):
            if section in extra:
                template[section] = extra[section]
    stack = stack_name_for(f"{service}-{stage}")
    res = Resolver(
        template,
        file=file,
        stack=stack,
        account=LOCAL_ACCOUNT,
        region=variables.region,
        parameters=parameters,
        aliases=aliases,
    )
    res.unresolved.update(variables.unresolved)
    read = read_decoded(
        template, path, fmt="serverless", stack=stack, parameters=parameters, diagnostics=diags, resolver=res
    )
    # a variable left unfilled in a definition is that machine's warning, at its pointer in the definition
    machines_prefix = pointer("stepFunctions", "stateMachines")
    for ms in read.machines:
        key = next((k for k, v in aliases.items() if v == ms.spec.logical_id), ms.spec.logical_id)
        ms.aliases = (key,)
        prefix = pointer("stepFunctions", "stateMachines", key, "definition")
        for d in variables.diagnostics:
            if d.location == prefix or d.location.startswith(prefix + "/"):
                ms.diagnostics.append(dataclasses.replace(d, location=d.location[len(prefix) :]))
    read.diagnostics.extend(d for d in variables.diagnostics if not d.location.startswith(machines_prefix + "/"))
    return read
