"""Terraform: ``aws_sfn_state_machine`` resources of a module (every ``.tf`` file of a folder) as state machines.

python-hcl2 parses the files (its raw Lark tree keeps line and column of every node); this module evaluates the
HCL expressions a definition is written with, following Terraform's "Expressions" and "Functions" documentation:
strings with ``${...}`` interpolation, heredocs (``<<EOF`` and the indented ``<<-EOF``), objects and tuples,
``var.*`` (defaults, overridable with ``parameters=``), ``local.*``, ``path.module``, references to other
resources' attributes (``aws_lambda_function.worker.arn`` gets the function's local ARN), the AWS provider's
``data.aws_caller_identity``/``data.aws_region``/``data.aws_partition``, conditionals and arithmetic, and the
functions ``jsonencode``, ``templatefile``, ``file``, ``format``, ``join``, ``merge`` and a few more. What it
cannot evaluate (``module.*``, ``count``/``for_each``, for-expressions, unknown data sources) becomes a WARNING
naming the file and line, and the value stays as ``${...}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sfnkit.asl.diagnostics import TEMPLATE_INVALID, UNRESOLVED_REFERENCE, Diagnostic, pointer
from sfnkit.asl.project.base import Lookup, MachineSource, TemplateRead, nearest, placeholder_warnings, text_lookup
from sfnkit.asl.project.model import LOCAL_ACCOUNT, LOCAL_REGION, FunctionSpec, Project, ResourceSpec, StateMachineSpec
from sfnkit.asl.project.names import Physical, physical, stack_name_for
from sfnkit.asl.scan import Scanner

__all__ = ["read_terraform"]

# Terraform type -> (CloudFormation type, the argument that names it, {attribute: what it is})
_TYPES: dict[str, tuple[str, str, dict[str, str]]] = {
    "aws_lambda_function": ("AWS::Lambda::Function", "function_name", {"invoke_arn": "arn", "qualified_arn": "arn"}),
    "aws_dynamodb_table": ("AWS::DynamoDB::Table", "name", {"stream_arn": "StreamArn"}),
    "aws_s3_bucket": ("AWS::S3::Bucket", "bucket", {"bucket": "name", "bucket_domain_name": "DomainName"}),
    "aws_sqs_queue": ("AWS::SQS::Queue", "name", {"url": "QueueUrl", "id": "QueueUrl"}),
    "aws_sns_topic": ("AWS::SNS::Topic", "name", {"id": "arn"}),
    "aws_cloudwatch_event_bus": ("AWS::Events::EventBus", "name", {}),
    "aws_secretsmanager_secret": ("AWS::SecretsManager::Secret", "name", {"id": "arn"}),
    "aws_sfn_state_machine": ("AWS::StepFunctions::StateMachine", "name", {"id": "arn"}),
    "aws_sfn_activity": ("AWS::StepFunctions::Activity", "name", {"id": "arn"}),
    "aws_iam_role": ("AWS::IAM::Role", "name", {}),
    "aws_glue_job": ("AWS::Glue::Job", "name", {}),
    "aws_glue_crawler": ("AWS::Glue::Crawler", "name", {}),
    "aws_batch_job_queue": ("AWS::Batch::JobQueue", "name", {"id": "arn"}),
    "aws_batch_job_definition": ("AWS::Batch::JobDefinition", "name", {"id": "arn"}),
    "aws_ecs_cluster": ("AWS::ECS::Cluster", "name", {"id": "arn"}),
    "aws_ecs_task_definition": ("AWS::ECS::TaskDefinition", "family", {"id": "arn"}),
    "aws_sagemaker_model": ("AWS::SageMaker::Model", "name", {}),
    "aws_kinesis_stream": ("AWS::Kinesis::Stream", "name", {}),
    "aws_cloudwatch_log_group": ("AWS::Logs::LogGroup", "name", {}),
    "aws_ssm_parameter": ("AWS::SSM::Parameter", "name", {}),
    "aws_codebuild_project": ("AWS::CodeBuild::Project", "name", {}),
    "aws_athena_workgroup": ("AWS::Athena::WorkGroup", "name", {}),
}


class _Unresolved(Exception):
    def __init__(self, message: str, text: str) -> None:
        super().__init__(message)
        self.text = text


class _Ref:
    """A reference being built (``aws_lambda_function`` . ``worker`` . ``arn``), resolved when used as a value."""

    def __init__(self, parts: list[str]) -> None:
        self.parts = parts


def _tree_types() -> tuple[Any, Any]:
    from lark import Token, Tree

    return Tree, Token


_STRING_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(s: str) -> str:
    def one(m: re.Match[str]) -> str:
        c = m.group(1)
        if c[0] in "uU":
            return chr(int(c[1:], 16))
        return _STRING_ESCAPES.get(c, "\\" + c)

    return re.sub(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", one, s)


class _Module:
    """The blocks of one Terraform module and the evaluator over them."""

    def __init__(self, folder: Path, files: list[Path], parameters: Mapping[str, Any]) -> None:
        self.folder = folder.resolve()  # path.module is absolute, as Terraform gives it
        self.parameters = dict(parameters)
        self.diagnostics: list[Diagnostic] = []
        self.variables: dict[str, Any] = {}
        #: values of terraform.tfvars and *.auto.tfvars, which Terraform applies over the defaults
        self.tfvars: dict[str, Any] = {}
        self.locals: dict[str, tuple[Any, str]] = {}
        self.resources: dict[tuple[str, str], tuple[Any, str]] = {}  # (type, name) -> (body tree, file)
        self.data: dict[tuple[str, str], tuple[Any, str]] = {}
        self.stack = stack_name_for(folder.resolve().name)
        self.region = str(self.parameters.get("region") or LOCAL_REGION)
        self._physical: dict[tuple[str, str], Physical] = {}
        self._busy: set[Any] = set()
        self.file = ""
        self.positions: dict[str, tuple[int, int]] | None = None
        self.unresolved: set[str] = set()
        #: the file the last templatefile() call read (its lines are the definition's lines)
        self.last_template: Path | None = None
        #: the indentation ``<<-EOT`` removed from the last heredoc (columns in the file are that much further right)
        self.heredoc_indent = 0
        #: ids of the diagnostics a state machine took as its own (raised while reading its definition)
        self.claimed: set[int] = set()
        import hcl2

        Tree, _ = _tree_types()
        for f in files:
            try:
                tree = hcl2.parses_to_tree(f.read_text(encoding="utf-8"))
            except Exception as e:  # lark's UnexpectedInput and friends: report with their position
                line = getattr(e, "line", None)
                column = getattr(e, "column", None)
                first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                self.diagnostics.append(
                    Diagnostic(
                        severity="ERROR",
                        code=TEMPLATE_INVALID,
                        message=f"cannot parse the Terraform file: {first}",
                        line=line if isinstance(line, int) and line > 0 else None,
                        column=column if isinstance(column, int) and column > 0 else None,
                        file=str(f),
                    )
                )
                continue
            body = tree.children[0] if tree.children else None
            if f.suffix == ".tfvars":  # terraform.tfvars / *.auto.tfvars: values for the variables
                self.tfvars.update(self.attributes(body))
                continue
            for block in body.children if isinstance(body, Tree) else []:
                if isinstance(block, Tree) and block.data == "block":
                    self._block(block, str(f))

    # -- structure -----------------------------------------------------------------------------------------------
    def _labels(self, block: Any) -> tuple[str, list[str], Any]:
        Tree, _ = _tree_types()
        kind = ""
        labels: list[str] = []
        body = None
        for c in block.children:
            if isinstance(c, Tree) and c.data == "identifier":
                if not kind:
                    kind = str(c.children[0])
                else:
                    labels.append(str(c.children[0]))
            elif isinstance(c, Tree) and c.data == "string":
                labels.append("".join(str(p.children[0]) for p in c.children if isinstance(p, Tree)))
            elif isinstance(c, Tree) and c.data == "body":
                body = c
        return kind, labels, body

    def _block(self, block: Any, file: str) -> None:
        kind, labels, body = self._labels(block)
        if kind == "variable" and labels:
            default = self.attributes(body).get("default")
            self.variables[labels[0]] = (default, file)
        elif kind == "locals":
            for k, v in self.attributes(body).items():
                self.locals[k] = (v, file)
        elif kind == "resource" and len(labels) == 2:
            self.resources[labels[0], labels[1]] = (body, file)
        elif kind == "data" and len(labels) == 2:
            self.data[labels[0], labels[1]] = (body, file)

    def attributes(self, body: Any) -> dict[str, Any]:
        """name -> expression tree of a body's attributes (nested blocks under their type, as lists)."""
        Tree, _ = _tree_types()
        out: dict[str, Any] = {}
        for c in body.children if body is not None else []:
            if isinstance(c, Tree) and c.data == "attribute":
                name = c.children[0]
                key = str(name.children[0]) if isinstance(name, Tree) else str(name)
                out[key] = c.children[-1]
            elif isinstance(c, Tree) and c.data == "block":
                kind, _, inner = self._labels(c)
                out.setdefault("__blocks__", {}).setdefault(kind, []).append(inner)
        return out

    # -- evaluation ----------------------------------------------------------------------------------------------
    def warn(self, message: str, node: Any, file: str | None = None) -> None:
        meta = getattr(node, "meta", None)
        line = getattr(meta, "line", None) if meta is not None and not getattr(meta, "empty", True) else None
        column = getattr(meta, "column", None) if line else None
        self.diagnostics.append(
            Diagnostic(
                severity="WARNING",
                code=UNRESOLVED_REFERENCE,
                message=message,
                line=line,
                column=column,
                file=file or self.file,
            )
        )

    def value(self, node: Any, scope: Mapping[str, Any] | None = None, path: tuple[str | int, ...] = ()) -> Any:
        """The value of an expression; unresolvable parts are reported and left as ``${...}``."""
        try:
            return self._value(self._eval(node, scope or {}, path), node)
        except _Unresolved as e:
            self.warn(str(e), node)
            self.unresolved.add("${" + e.text + "}")
            return "${" + e.text + "}"

    def _element(self, node: Any, scope: Mapping[str, Any], path: tuple[str | int, ...]) -> Any:
        """One element of an object or tuple: what cannot be evaluated is reported there and left as ``${...}``,
        so the rest of a ``jsonencode({...})`` definition still loads."""
        try:
            return self._value(self._eval(node, scope, path), node)
        except _Unresolved as e:
            self.warn(str(e), node)
            self.unresolved.add("${" + e.text + "}")
            return "${" + e.text + "}"

    def _value(self, v: Any, node: Any) -> Any:
        if isinstance(v, _Ref):
            return self.reference(v.parts)
        return v

    def _meaningful(self, node: Any) -> list[Any]:
        Tree, _ = _tree_types()
        return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]

    def _record(self, node: Any, path: tuple[str | int, ...]) -> None:
        if self.positions is not None:
            meta = getattr(node, "meta", None)
            if meta is not None and not meta.empty:
                self.positions.setdefault(pointer(*path), (meta.line, meta.column))

    def _eval(self, node: Any, scope: Mapping[str, Any], path: tuple[str | int, ...]) -> Any:
        Tree, Token = _tree_types()
        if isinstance(node, Token):
            return str(node)
        data = node.data
        if data == "expr_term":
            inner = self._meaningful(node)
            if len(inner) == 1:
                return self._eval(inner[0], scope, path)
            raise _Unresolved("an empty expression", "?")
        if data == "string":
            return self._string(node, scope)
        if data == "int_lit":
            return int(str(node.children[0]))
        if data == "float_lit":
            return float(str(node.children[0]))
        if data == "literal_value":
            return {"true": True, "false": False, "null": None}[str(node.children[0])]
        if data == "identifier":
            name = str(node.children[0])
            if name in scope:
                return scope[name]
            return _Ref([name])
        if data == "get_attr_expr_term":
            base = self._eval(node.children[0], scope, path)
            attr_node = node.children[1].children[-1]
            attr = str(attr_node.children[0]) if isinstance(attr_node, Tree) else str(attr_node)
            if isinstance(base, _Ref):
                return _Ref([*base.parts, attr])
            if isinstance(base, Mapping) and attr in base:
                return base[attr]
            raise _Unresolved(f"no attribute {attr!r} here", attr)
        if data == "index_expr_term":
            base = self._value(self._eval(node.children[0], scope, path), node)
            idx_node = node.children[1]
            if idx_node.data == "short_index":
                idx: Any = int(str(idx_node.children[-1]))
            else:
                idx = self._value(self._eval(self._meaningful(idx_node)[0], scope, path), node)
            try:
                return base[idx]
            except (KeyError, IndexError, TypeError):
                raise _Unresolved(f"cannot index {json.dumps(base)[:40]} with {idx!r}", f"[{idx}]") from None
        if data == "tuple":
            out_list = []
            for i, c in enumerate(self._meaningful(node)):
                self._record(c, (*path, i))
                out_list.append(self._element(c, scope, (*path, i)))
            return out_list
        if data == "object":
            out: dict[str, Any] = {}
            for elem in self._meaningful(node):
                key_node = elem.children[0]
                key_inner = self._meaningful(key_node)[0] if self._meaningful(key_node) else key_node
                if isinstance(key_inner, Tree) and key_inner.data == "expr_term":
                    inner = self._meaningful(key_inner)
                    key_inner = inner[0] if inner else key_inner
                if isinstance(key_inner, Tree) and key_inner.data == "identifier":
                    key = str(key_inner.children[0])
                else:
                    key = str(self._value(self._eval(key_inner, scope, path), key_inner))
                self._record(elem, (*path, key))
                out[key] = self._element(elem.children[-1], scope, (*path, key))
            return out
        if data == "function_call":
            return self._call(node, scope, path)
        if data in ("heredoc_template", "heredoc_template_trim"):
            return self._heredoc(str(node.children[0]), data == "heredoc_template_trim", scope, node)
        if data == "conditional":
            parts = self._meaningful(node)
            cond = self._value(self._eval(parts[0], scope, path), node)
            return self._value(self._eval(parts[1] if cond else parts[2], scope, path), node)
        if data == "binary_op":
            lhs = self._value(self._eval(node.children[0], scope, path), node)
            term = node.children[1]
            op = str(term.children[0].children[0])
            rhs = self._value(self._eval(self._meaningful(term)[-1], scope, path), node)
            return _binary(op, lhs, rhs)
        if data == "unary_op":
            op = str(node.children[0])
            v = self._value(self._eval(node.children[1], scope, path), node)
            return -v if op == "-" else not v
        raise _Unresolved(f"Terraform {data.replace('_', ' ')} is not evaluated locally", data)

    def _string(self, node: Any, scope: Mapping[str, Any]) -> Any:
        Tree, Token = _tree_types()
        pieces: list[Any] = []
        for part in node.children:
            if not isinstance(part, Tree):
                continue
            inner = part.children[0]
            if isinstance(inner, Tree) and inner.data == "interpolation":
                pieces.append(self._value(self._eval(self._meaningful(inner)[0], scope, ()), inner))
            elif isinstance(inner, Token) and inner.type == "ESCAPED_INTERPOLATION":
                pieces.append(str(inner)[1:])
            elif isinstance(inner, Token):
                pieces.append(_unescape(str(inner)))
            else:
                raise _Unresolved("template directives (%{ if }/%{ for }) are not evaluated locally", "%{...}")
        if len(pieces) == 1 and not isinstance(pieces[0], str):
            return pieces[0]  # "${x}" is x itself, with its type
        return "".join(p if isinstance(p, str) else json.dumps(p) for p in pieces)

    def _heredoc(self, raw: str, trim: bool, scope: Mapping[str, Any], node: Any) -> str:
        m = re.match(r"<<-?([A-Za-z][A-Za-z0-9._-]*)\r?\n", raw)
        marker = m.group(1) if m else "EOF"
        content = raw[m.end() if m else 0 :]
        content = re.sub(r"\s*" + re.escape(marker) + r"\r?\n?$", "", content)
        if trim:
            lines = content.split("\n")
            widths = [len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()]
            cut = min(widths) if widths else 0
            content = "\n".join(ln[cut:] for ln in lines)
            self.heredoc_indent = cut
        return self.render(content, scope, node)

    def render(self, text: str, scope: Mapping[str, Any], node: Any) -> str:
        """A string template's ``${expr}`` interpolations (``$${`` stays a literal ``${``)."""
        out: list[str] = []
        i = 0
        while i < len(text):
            j = text.find("${", i)
            if j < 0:
                out.append(text[i:])
                break
            if j > 0 and text[j - 1] == "$":
                out.append(text[i : j - 1] + "${")
                i = j + 2
                continue
            out.append(text[i:j])
            end = _matching_brace(text, j + 2)
            expr = text[j + 2 : end]
            try:
                value = self._value(self._eval(self.parse_expression(expr), scope, ()), node)
            except _Unresolved as e:
                self.warn(f"${{{expr.strip()}}}: {e}", node)
                self.unresolved.add("${" + expr + "}")
                value = "${" + expr + "}"
            out.append(value if isinstance(value, str) else json.dumps(value))
            i = end + 1
        return "".join(out)

    def parse_expression(self, expr: str) -> Any:
        import hcl2

        try:
            tree = hcl2.parses_to_tree(f"x = {expr.strip()}\n")
        except Exception as e:
            raise _Unresolved(
                f"cannot parse the expression {expr.strip()!r}: {str(e).splitlines()[0] if str(e) else e}", expr
            ) from None
        attr = tree.children[0].children
        attr = next(c for c in attr if getattr(c, "data", None) == "attribute")
        return attr.children[-1]

    def _call(self, node: Any, scope: Mapping[str, Any], path: tuple[str | int, ...]) -> Any:
        Tree, _ = _tree_types()
        name = str(node.children[0].children[0])
        args_node = next((c for c in node.children if isinstance(c, Tree) and c.data == "arguments"), None)
        arg_nodes = self._meaningful(args_node) if args_node is not None else []
        if name == "jsonencode" and len(arg_nodes) == 1:
            return json.dumps(self._value(self._eval(arg_nodes[0], scope, path), node), separators=(",", ":"))
        args = [self._value(self._eval(a, scope, ()), a) for a in arg_nodes]
        try:
            if name == "templatefile":
                target = self._path(args[0])
                self.last_template = target
                return self.render(target.read_text(encoding="utf-8"), dict(args[1]) if len(args) > 1 else {}, node)
            if name == "file":
                target = self._path(args[0])
                self.last_template = target  # a file()'s lines are the definition's lines too
                return target.read_text(encoding="utf-8")
            simple = _FUNCTIONS.get(name)
            if simple is not None:
                return simple(*args)
        except OSError as e:
            raise _Unresolved(f"{name}(): cannot read {args[0]}: {e.strerror or e}", f"{name}(...)") from None
        except (TypeError, ValueError, IndexError, KeyError, AttributeError, StopIteration, ZeroDivisionError) as e:
            raise _Unresolved(f"{name}(): {e or type(e).__name__}", f"{name}(...)") from None
        raise _Unresolved(f"the Terraform function {name}() is not evaluated locally", f"{name}(...)")

    def _path(self, p: Any) -> Path:
        path = Path(str(p))
        return path if path.is_absolute() else (self.folder / path)

    # -- references ----------------------------------------------------------------------------------------------
    def reference(self, parts: list[str]) -> Any:
        text = ".".join(parts)
        head = parts[0]
        if head == "var" and len(parts) >= 2:
            name = parts[1]
            if name in self.parameters:
                return _walk(self.parameters[name], parts[2:], text)
            if name in self.tfvars:
                return _walk(self.value(self.tfvars[name]), parts[2:], text)
            if name in self.variables:
                default, _ = self.variables[name]
                if default is None:
                    raise _Unresolved(f"var.{name} has no default; pass parameters={{{name!r}: ...}}", text)
                return _walk(self.value(default), parts[2:], text)
            raise _Unresolved(f"no variable {name!r} is declared", text)
        if head == "local" and len(parts) >= 2:
            if parts[1] not in self.locals or ("local", parts[1]) in self._busy:
                raise _Unresolved(f"no local value {parts[1]!r}", text)
            self._busy.add(("local", parts[1]))
            try:
                return _walk(self.value(self.locals[parts[1]][0]), parts[2:], text)
            finally:
                self._busy.discard(("local", parts[1]))
        if head == "path" and len(parts) == 2 and parts[1] in ("module", "root", "cwd"):
            return str(self.folder)
        if head == "data" and len(parts) >= 4:
            return self._data(parts[1], parts[2], parts[3], text)
        if head in ("module", "each", "count", "terraform", "self"):
            raise _Unresolved(f"{text} is not evaluated locally ({head}.* needs a Terraform plan)", text)
        if len(parts) >= 3 and (head, parts[1]) in self.resources:
            return self.attribute(head, parts[1], parts[2], text)
        raise _Unresolved(f"{text}: no such resource, variable or local in this module", text)

    def _data(self, type_: str, name: str, attr: str, text: str) -> Any:
        if type_ == "aws_caller_identity" and attr == "account_id":
            return LOCAL_ACCOUNT
        if type_ == "aws_region" and attr in ("name", "region", "id"):
            return self.region
        if type_ == "aws_partition" and attr == "partition":
            return "aws"
        if type_ == "archive_file" and (type_, name) in self.data and attr == "output_path":
            attrs = self.attributes(self.data[type_, name][0])
            if "output_path" in attrs:
                return self.value(attrs["output_path"])
        raise _Unresolved(f"data source {type_}.{name}.{attr} has no local value", text)

    def physical(self, type_: str, name: str) -> Physical:
        key = (type_, name)
        if key in self._physical:
            return self._physical[key]
        cfn_type, name_arg, _ = _TYPES.get(
            type_, ("AWS::" + type_.removeprefix("aws_").title().replace("_", "") + "::Resource", "name", {})
        )
        body, _ = self.resources[key]
        attrs = self.attributes(body)
        given: str | None = None
        if name_arg in attrs and key not in self._busy:
            self._busy.add(key)
            try:
                v = self.value(attrs[name_arg])
            finally:
                self._busy.discard(key)
            given = v if isinstance(v, str) else None
        if given is None and cfn_type == "AWS::StepFunctions::StateMachine":
            given = name
        fifo = type_ == "aws_sqs_queue" and "fifo_queue" in attrs and self.value(attrs["fifo_queue"]) is True
        phys = physical(cfn_type, name, given, stack=self.stack, account=LOCAL_ACCOUNT, region=self.region, fifo=fifo)
        self._physical[key] = phys
        return phys

    def attribute(self, type_: str, name: str, attr: str, text: str) -> Any:
        phys = self.physical(type_, name)
        _, name_arg, extra = _TYPES.get(type_, ("", "name", {}))
        if attr == "arn":
            return phys.arn
        if attr in (name_arg, "name") or (attr == "id" and attr not in extra):
            return phys.ref if attr == "id" and phys.ref != phys.name else phys.name
        if attr in extra:
            what = extra[attr]
            if what == "arn":
                return phys.arn
            if what == "name":
                return phys.name
            if what in phys.attributes:
                return phys.attributes[what]
        body, _ = self.resources[type_, name]
        attrs = self.attributes(body)
        if attr in attrs:
            return self.value(attrs[attr])
        raise _Unresolved(f"{text}: sfnkit has no local value for attribute {attr!r} of {type_}", text)


def _matching_brace(text: str, start: int) -> int:
    """The ``}`` that closes the interpolation whose body starts at ``start`` (HCL strings are double-quoted)."""
    scan = Scanner(text, start, quotes='"', opening="{", closing="}")
    for i, _ch in scan:
        if scan.depth < 0:
            return i
    return len(text)


def _walk(value: Any, parts: list[str], text: str) -> Any:
    for p in parts:
        if isinstance(value, Mapping) and p in value:
            value = value[p]
        else:
            raise _Unresolved(f"{text}: no key {p!r}", text)
    return value


def _binary(op: str, a: Any, b: Any) -> Any:
    ops: dict[str, Any] = {
        "+": lambda: a + b,
        "-": lambda: a - b,
        "*": lambda: a * b,
        "/": lambda: a / b,
        "%": lambda: a % b,
        "==": lambda: a == b,
        "!=": lambda: a != b,
        "<": lambda: a < b,
        ">": lambda: a > b,
        "<=": lambda: a <= b,
        ">=": lambda: a >= b,
        "&&": lambda: bool(a) and bool(b),
        "||": lambda: bool(a) or bool(b),
    }
    try:
        return ops[op]()
    except (TypeError, ZeroDivisionError, KeyError):
        raise _Unresolved(f"cannot compute {a!r} {op} {b!r}", f"{a} {op} {b}") from None


def _format(fmt: str, *args: Any) -> str:
    it = iter(args)
    return re.sub(r"%[sdvq%]", lambda m: "%" if m.group(0) == "%%" else str(next(it)), fmt)


_FUNCTIONS: dict[str, Any] = {
    "format": _format,
    "join": lambda sep, items: sep.join(str(i) for i in items),
    "split": lambda sep, s: s.split(sep),
    "lower": lambda s: s.lower(),
    "upper": lambda s: s.upper(),
    "replace": lambda s, a, b: s.replace(a, b),
    "trimspace": lambda s: s.strip(),
    "merge": lambda *ms: {k: v for m in ms for k, v in m.items()},
    "concat": lambda *ls: [x for item in ls for x in item],
    "tostring": lambda v: v if isinstance(v, str) else json.dumps(v),
    "tonumber": lambda v: json.loads(v) if isinstance(v, str) else v,
    "jsondecode": json.loads,
    "lookup": lambda m, k, *d: m[k] if k in m or not d else d[0],
    "coalesce": lambda *vs: next(v for v in vs if v not in (None, "")),
    "length": len,
    "element": lambda ls, i: ls[i % len(ls)],
    "basename": lambda p: Path(p).name,
    "dirname": lambda p: str(Path(p).parent),
    "abspath": lambda p: str(Path(p).resolve()),
}


def _dynamodb_properties(module: _Module, attrs: Mapping[str, Any]) -> dict[str, Any]:
    """The CloudFormation form of an ``aws_dynamodb_table`` (key schema and attributes), for the local AWS."""
    props: dict[str, Any] = {}
    keys = [("hash_key", "HASH"), ("range_key", "RANGE")]
    schema = [{"AttributeName": module.value(attrs[k]), "KeyType": t} for k, t in keys if k in attrs]
    if schema:
        props["KeySchema"] = schema
    definitions = []
    for block in (attrs.get("__blocks__") or {}).get("attribute", []):
        a = module.attributes(block)
        if "name" in a and "type" in a:
            definitions.append({"AttributeName": module.value(a["name"]), "AttributeType": module.value(a["type"])})
    if definitions:
        props["AttributeDefinitions"] = definitions
    if "billing_mode" in attrs:
        props["BillingMode"] = module.value(attrs["billing_mode"])
    return props


def read_terraform(path: Path, parameters: Mapping[str, Any] | None = None) -> TemplateRead:
    """Read a Terraform module: ``path`` is a ``.tf`` file (its whole folder is the module) or the folder."""
    try:
        import hcl2  # noqa: F401
    except ImportError as e:  # pragma: no cover - part of the [templates] extra
        from sfnkit.errors import MissingDependencyError

        raise MissingDependencyError("python-hcl2", "templates", "reading Terraform files") from e
    folder = path if path.is_dir() else path.parent
    tfvars = [folder / "terraform.tfvars"] if (folder / "terraform.tfvars").is_file() else []
    files = sorted(folder.glob("*.tf")) + tfvars + sorted(folder.glob("*.auto.tfvars"))
    module = _Module(folder, files, parameters or {})
    project_path = str(folder.resolve())
    functions: dict[str, FunctionSpec] = {}
    resources: dict[str, ResourceSpec] = {}
    machines: list[MachineSource] = []
    for (type_, name), (body, file) in module.resources.items():
        module.file = file
        attrs = module.attributes(body)
        if type_ == "aws_sfn_state_machine":
            continue
        phys = module.physical(type_, name)
        if type_ == "aws_lambda_function":
            env: dict[str, str] = {}
            for block in (attrs.get("__blocks__") or {}).get("environment", []):
                variables = module.attributes(block).get("variables")
                if variables is not None:
                    value = module.value(variables)
                    if isinstance(value, Mapping):
                        env.update({str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()})
            code_dir = _code_dir(module, attrs)
            timeout = module.value(attrs["timeout"]) if "timeout" in attrs else None
            functions[name] = FunctionSpec(
                logical_id=name,
                name=phys.name,
                arn=phys.arn,
                runtime=module.value(attrs["runtime"]) if "runtime" in attrs else None,
                handler=module.value(attrs["handler"]) if "handler" in attrs else None,
                code_dir=code_dir,
                environment=env,
                timeout=timeout if isinstance(timeout, int) else None,
            )
            continue
        cfn_type = _TYPES.get(type_, ("AWS::Terraform::" + type_, "", {}))[0]
        props = _dynamodb_properties(module, attrs) if type_ == "aws_dynamodb_table" else {}
        if type_ == "aws_sqs_queue" and "fifo_queue" in attrs:
            props["FifoQueue"] = module.value(attrs["fifo_queue"])
        resources[name] = ResourceSpec(
            logical_id=name,
            type=cfn_type,
            name=phys.name,
            arn=phys.arn,
            properties=props,
            ref=phys.ref if phys.ref != phys.name else "",
            attributes=dict(phys.attributes),
        )
    specs: dict[str, StateMachineSpec] = {}
    for (type_, name), (body, file) in module.resources.items():
        if type_ != "aws_sfn_state_machine":
            continue
        module.file = file
        ms = _machine(module, name, body, file)
        machines.append(ms)
        specs[name] = ms.spec
    project = Project(
        template=project_path,
        format="terraform",
        region=module.region,
        state_machines=specs,
        functions=functions,
        resources=resources,
        parameters={k: module.value(v[0]) for k, v in module.variables.items() if v[0] is not None}
        | {k: module.value(v) for k, v in module.tfvars.items()}
        | dict(parameters or {}),
    )
    template_diags = [d for d in module.diagnostics if d.severity == "ERROR"]
    other = [d for d in module.diagnostics if d.severity != "ERROR"]
    # warnings raised while reading a machine were attached to it by _machine; the rest concern the module
    template_diags.extend(d for d in other if id(d) not in module.claimed)
    return TemplateRead(project, machines, template_diags)


def _code_dir(module: _Module, attrs: Mapping[str, Any]) -> str | None:
    """Where the function's source is: an ``archive_file``'s ``source_dir``/``source_file``, else None."""
    Tree, _ = _tree_types()
    filename = attrs.get("filename")
    text = json.dumps(str(filename.pretty())) if isinstance(filename, Tree) else ""
    m = re.search(r"archive_file.{0,200}?identifier\\t([A-Za-z0-9_-]+)", text)
    for (type_, name), (body, _) in module.data.items():
        if type_ != "archive_file" or (m and m.group(1) != name):
            continue
        a = module.attributes(body)
        if "source_dir" in a:
            return str(module._path(module.value(a["source_dir"])).resolve())
        if "source_file" in a:
            return str(module._path(module.value(a["source_file"])).resolve().parent)
    return None


def _machine(module: _Module, name: str, body: Any, file: str) -> MachineSource:
    attrs = module.attributes(body)
    phys = module.physical("aws_sfn_state_machine", name)
    kind = module.value(attrs["type"]) if "type" in attrs else "STANDARD"
    meta = getattr(body, "meta", None)
    block_line = meta.line if meta is not None and not meta.empty else None
    start = len(module.diagnostics)
    spec = StateMachineSpec(
        logical_id=name,
        name=phys.name,
        arn=phys.arn,
        type=str(kind).upper(),
        definition_file=str(Path(file).resolve()),
    )
    node = attrs.get("definition")
    if node is None:
        d = Diagnostic(
            severity="ERROR",
            code=TEMPLATE_INVALID,
            message=f'aws_sfn_state_machine "{name}" has no definition argument',
            line=block_line,
            file=file,
        )
        return MachineSource(spec, None, diagnostics=[d], aliases=(f"aws_sfn_state_machine.{name}",))
    module.positions = {}
    module.last_template = None
    module.heredoc_indent = 0
    text = module.value(node)
    positions, module.positions = module.positions, None
    dmeta = getattr(node, "meta", None)
    def_line = dmeta.line if dmeta is not None and not dmeta.empty else block_line
    owned = module.diagnostics[start:]
    module.claimed.update(id(d) for d in owned)

    def fail(message: str) -> MachineSource:
        d = Diagnostic(severity="ERROR", code=TEMPLATE_INVALID, message=message, line=def_line, file=file)
        return MachineSource(spec, None, diagnostics=[*owned, d], aliases=(f"aws_sfn_state_machine.{name}",))

    if isinstance(text, str) and text in module.unresolved and owned:
        return MachineSource(
            spec,
            None,
            diagnostics=[
                Diagnostic(
                    severity="ERROR",
                    code=TEMPLATE_INVALID,
                    message=f'cannot evaluate the definition of aws_sfn_state_machine "{name}": {owned[-1].message}',
                    line=owned[-1].line or def_line,
                    column=owned[-1].column,
                    file=file,
                ),
                *owned[:-1],
            ],
            aliases=(f"aws_sfn_state_machine.{name}",),
        )
    if not isinstance(text, str):
        return fail(
            f'the definition of aws_sfn_state_machine "{name}" must be JSON text (a heredoc, jsonencode(...) or templatefile(...))'
        )
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        return fail(
            f'the definition of aws_sfn_state_machine "{name}" is not valid JSON: {e.msg} (line {e.lineno} column {e.colno} of the definition)'
        )
    first = _first_data_node(node)
    template_file = module.last_template
    lookup: Lookup
    if positions:  # jsonencode({...}): every key of the object literal has its own line in the .tf file

        def by_key(location: str) -> tuple[str | None, int | None, int | None]:
            line, column = nearest(positions, location)
            return file, line or def_line, column

        lookup = by_key

    elif template_file is not None and first is not None and first.data == "function_call":
        lookup = text_lookup(str(template_file), text, "json")
    elif first is not None and first.data in ("heredoc_template", "heredoc_template_trim"):
        cut = module.heredoc_indent
        lookup = text_lookup(
            file, text, "json", line_offset=first.meta.line if not first.meta.empty else 0, indent=lambda line: cut
        )
    else:

        def at_definition(location: str) -> tuple[str | None, int | None, int | None]:
            return file, def_line, None

        lookup = at_definition

    ms = MachineSource(spec, value, lookup, list(owned), aliases=(f"aws_sfn_state_machine.{name}",))
    ms.diagnostics.extend(
        placeholder_warnings(value, lookup, "Terraform did not give it a value here", module.unresolved)
    )
    return ms


def _first_data_node(node: Any) -> Any:
    Tree, _ = _tree_types()
    while isinstance(node, Tree) and node.data == "expr_term":
        inner = [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
        if len(inner) != 1:
            break
        node = inner[0]
    return node if isinstance(node, Tree) else None
