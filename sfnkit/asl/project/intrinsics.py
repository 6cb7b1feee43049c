"""CloudFormation intrinsic functions and pseudo parameters, evaluated to deterministic local values.

Follows the CloudFormation User Guide, "Intrinsic function reference" (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``,
``Fn::Join``, ``Fn::If``, ``Fn::Select``, ``Fn::Split``, ``Fn::FindInMap``, ``Fn::Base64``, ``Fn::Equals``,
``Fn::And``/``Or``/``Not``, ``Condition``, ``Fn::ImportValue``, ``Fn::GetAZs``, and the ``AWS::LanguageExtensions``
``Fn::Length``/``Fn::ToJsonString``) and "Pseudo parameters reference". Every resource resolves to the physical
name/ARN :mod:`sfnkit.asl.project.names` gives it in the local account.

Nothing here raises on a template's content: what cannot be resolved becomes a WARNING diagnostic that names the
template location (file:line:column and the JSON Pointer into the template), and the value is kept as the text
``${...}`` so that the user sees what was not filled in.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from sfnkit.asl.diagnostics import UNRESOLVED_REFERENCE, Diagnostic, pointer
from sfnkit.asl.project.names import Physical, name_property, physical

__all__ = ["Resolver", "mark_of"]

KNOWN = frozenset(
    {
        "Ref",
        "Condition",
        "Fn::GetAtt",
        "Fn::Sub",
        "Fn::Join",
        "Fn::If",
        "Fn::Select",
        "Fn::Split",
        "Fn::FindInMap",
        "Fn::Base64",
        "Fn::Equals",
        "Fn::And",
        "Fn::Or",
        "Fn::Not",
        "Fn::ImportValue",
        "Fn::GetAZs",
        "Fn::Cidr",
        "Fn::Length",
        "Fn::ToJsonString",
        "Fn::Transform",
        "Fn::ForEach",
        # rule-specific functions (the Rules section: CDK's bootstrap version check uses them)
        "Fn::Contains",
        "Fn::EachMemberEquals",
        "Fn::EachMemberIn",
        "Fn::RefAll",
        "Fn::ValueOf",
        "Fn::ValueOfAll",
    }
)
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}|\$\{!([^}]*)\}")
_NO_VALUE = object()


def mark_of(node: Any) -> tuple[int | None, int | None]:
    """1-based (line, column) of a node the template decoder marked, or (None, None) for plain values."""
    mark = getattr(node, "start_mark", None)
    if mark is None:
        return None, None
    return mark.line + 1, mark.column + 1


class Resolver:
    """Evaluates intrinsics over one template. ``diagnostics`` collects what could not be resolved."""

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        file: str,
        stack: str,
        account: str,
        region: str,
        partition: str = "aws",
        parameters: Mapping[str, Any] | None = None,
        aliases: Mapping[str, str] | None = None,
        resource_names: Callable[[str, Mapping[str, Any]], str | None] | None = None,
    ) -> None:
        self.template = template
        self.file = file
        self.stack = stack
        self.account = account
        self.region = region
        self.partition = partition
        self.diagnostics: list[Diagnostic] = []
        #: the ``${...}`` texts left in place of what could not be resolved (already reported)
        self.unresolved: set[str] = set()
        self.resources: Mapping[str, Any] = template.get("Resources") or {}
        if not isinstance(self.resources, Mapping):
            self.resources = {}
        #: other names a logical id is known by (serverless: a function's key for its ``...LambdaFunction`` id)
        self.aliases = dict(aliases or {})
        self._resource_names = resource_names
        self._physical: dict[str, Physical] = {}
        self._busy: set[str] = set()
        self._conditions: dict[str, bool] = {}
        self._ssm: set[str] = set()
        self.parameters = self._parameters(parameters or {})

    # -- reporting ---------------------------------------------------------------------------------------------
    def warn(self, message: str, path: tuple[str | int, ...], node: Any, code: str = UNRESOLVED_REFERENCE) -> None:
        self.diagnostics.append(template_warning(self.file, message, path, node, code))

    # -- parameters and pseudo parameters ----------------------------------------------------------------------
    def _parameters(self, given: Mapping[str, Any]) -> dict[str, Any]:
        declared = self.template.get("Parameters") or {}
        out: dict[str, Any] = {}
        if not isinstance(declared, Mapping):
            declared = {}
        for name, spec in declared.items():
            spec = spec if isinstance(spec, Mapping) else {}
            type_ = str(spec.get("Type", "String"))
            if name in given:
                value: Any = given[name]
            elif "Default" in spec:
                value = spec["Default"]
            else:
                self.warn(
                    f"parameter {name!r} has no Default and none was passed; pass parameters={{{name!r}: ...}} "
                    "(its name is used as its value)",
                    ("Parameters", name),
                    name,  # the parameter's key carries the decoder's mark
                )
                value = name
            if type_.startswith("AWS::SSM::Parameter::Value") and name not in given:
                self._ssm.add(name)  # warned about where it is used (CDK declares one it never uses)
            allowed = spec.get("AllowedValues")
            if isinstance(allowed, list) and allowed and str(value) not in [str(a) for a in allowed]:
                self.warn(
                    f"parameter {name!r} is {value!r}, which is not one of its AllowedValues "
                    f"({', '.join(str(a) for a in allowed)}); CloudFormation would refuse it",
                    ("Parameters", name),
                    name,  # the parameter's key carries the decoder's mark
                )
            if (type_ == "CommaDelimitedList" or type_.startswith("List<")) and isinstance(value, str):
                value = [v.strip() for v in value.split(",")]
            elif isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, int | float):
                value = str(value)
            out[name] = value
        for name, value in given.items():  # parameters the template does not declare: still usable by Ref
            out.setdefault(name, value)
        return out

    def pseudo(self, name: str) -> Any:
        return {
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::Partition": self.partition,
            "AWS::StackName": self.stack,
            "AWS::StackId": f"arn:{self.partition}:cloudformation:{self.region}:{self.account}:stack/{self.stack}/"
            "00000000-0000-0000-0000-000000000000",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": _NO_VALUE,
        }.get(name)

    # -- resources ---------------------------------------------------------------------------------------------
    def resource_type(self, logical_id: str) -> str | None:
        res = self.resources.get(logical_id)
        return str(res.get("Type")) if isinstance(res, Mapping) and "Type" in res else None

    def physical(self, logical_id: str) -> Physical | None:
        """The local identity of a resource of the template (None when there is no such resource)."""
        logical_id = self.aliases.get(logical_id, logical_id)
        if logical_id in self._physical:
            return self._physical[logical_id]
        res = self.resources.get(logical_id)
        if not isinstance(res, Mapping):
            implicit = self._implicit(logical_id)
            if implicit is None:
                return None
            type_, given = implicit
            props: Mapping[str, Any] = {}
        else:
            type_ = str(res.get("Type", ""))
            props = res.get("Properties") or {}
            if not isinstance(props, Mapping):
                props = {}
            given = None
            if self._resource_names is not None:
                given = self._resource_names(logical_id, res)
            prop = name_property(type_)
            if given is None and prop and prop in props and logical_id not in self._busy:
                self._busy.add(logical_id)
                try:
                    value = self.resolve(props[prop], ("Resources", logical_id, "Properties", prop))
                finally:
                    self._busy.discard(logical_id)
                given = value if isinstance(value, str) else None
        fifo = bool(props.get("FifoQueue")) if type_ == "AWS::SQS::Queue" else False
        phys = physical(
            type_,
            logical_id,
            given,
            stack=self.stack,
            account=self.account,
            region=self.region,
            partition=self.partition,
            fifo=fifo,
        )
        self._physical[logical_id] = phys
        return phys

    def _implicit(self, logical_id: str) -> tuple[str, str | None] | None:
        """Resources SAM creates for you (``<Function>Role``, ``<StateMachine>Role``), so a Ref to them resolves."""
        if logical_id.endswith("Role"):
            owner = self.resource_type(logical_id[: -len("Role")])
            if owner in ("AWS::Serverless::Function", "AWS::Serverless::StateMachine"):
                return "AWS::IAM::Role", None
        return None

    # -- evaluation --------------------------------------------------------------------------------------------
    def resolve(self, value: Any, path: tuple[str | int, ...] = ()) -> Any:
        """``value`` with every intrinsic evaluated (``AWS::NoValue`` entries removed)."""
        out = self._resolve(value, path)
        return None if out is _NO_VALUE else out

    def _resolve(self, value: Any, path: tuple[str | int, ...]) -> Any:
        if isinstance(value, Mapping):
            if len(value) == 1:
                ((key, arg),) = value.items()
                key = str(key)
                if (
                    key == "Ref"
                    or key.startswith("Fn::")
                    or (key == "Condition" and isinstance(arg, str) and self._in_condition_context(path))
                ):
                    return self._function(key, arg, value, (*path, key))
            out: dict[str, Any] = {}
            for k, v in value.items():
                r = self._resolve(v, (*path, str(k)))
                if r is not _NO_VALUE:
                    out[str(k)] = r
            return out
        if isinstance(value, list):
            items = [self._resolve(v, (*path, i)) for i, v in enumerate(value)]
            return [v for v in items if v is not _NO_VALUE]
        if isinstance(value, str):
            return str(value)  # drop the decoder's marked subclass: the model wants plain values
        return value

    @staticmethod
    def _in_condition_context(path: tuple[str | int, ...]) -> bool:
        return any(p in ("Fn::And", "Fn::Or", "Fn::Not", "Fn::If", "Conditions") for p in path)

    def _function(self, key: str, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        if key not in KNOWN:
            # the reader reports unknown tags as errors (CloudFormation rejects them); keep a visible placeholder
            self.unresolved.add("${!" + key.removeprefix("Fn::") + "}")
            return "${!" + key.removeprefix("Fn::") + "}"
        try:
            method = getattr(self, "_fn_" + key.removeprefix("Fn::").lower(), None)
            if method is None:
                raise _Unresolved(f"{key} is evaluated by CloudFormation rules only; it has no local value", key)
            return method(arg, node, path)
        except _Unresolved as e:
            self.warn(str(e), path[:-1], node)
            self.unresolved.add("${" + e.text + "}")
            return "${" + e.text + "}"

    def _fn_ref(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        name = self.resolve(arg, path)
        if not isinstance(name, str):
            raise _Unresolved(f"Ref wants a name, got {json.dumps(name)[:60]}", "Ref")
        self._ssm_warning(name, path, node)
        return self.ref(name)

    def _ssm_warning(self, name: str, path: tuple[str | int, ...], node: Any) -> None:
        if name in self._ssm:
            self.warn(
                f"parameter {name!r} is read from SSM Parameter Store on AWS; locally it takes the value "
                f"{self.parameters[name]!r} (pass parameters={{{name!r}: ...}} to choose one)",
                path[:-1],
                node,
            )

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            value = self.pseudo(name)
            if value is None:
                raise _Unresolved(f"unknown pseudo parameter {name}", name)
            return value
        if name in self.parameters:
            return self.parameters[name]
        phys = self.physical(name)
        if phys is None:
            raise _Unresolved(self._not_found("Ref", name), name)
        return phys.ref

    def _not_found(self, what: str, name: str) -> str:
        import difflib

        known = [*self.resources, *self.parameters]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f'; did you mean "{close[0]}"?' if close else ""
        return f"{what} {name!r}: no resource or parameter of that name in the template{hint}"

    def _fn_getatt(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        arg = self.resolve(arg, path)
        if isinstance(arg, str):
            logical_id, _, attr = arg.partition(".")
        elif isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
            logical_id, attr = arg
        else:
            raise _Unresolved(f"Fn::GetAtt wants [LogicalId, Attribute], got {json.dumps(arg)[:60]}", "GetAtt")
        return self.getatt(logical_id, attr)

    def getatt(self, logical_id: str, attr: str) -> str:
        phys = self.physical(logical_id)
        if phys is None:
            raise _Unresolved(self._not_found("Fn::GetAtt", logical_id), f"{logical_id}.{attr}")
        if attr in phys.attributes:
            return phys.attributes[attr]
        if attr == "Name":
            return phys.name
        raise _Unresolved(
            f"Fn::GetAtt {logical_id}.{attr}: sfnkit has no local value for attribute {attr!r} of "
            f"{self.resource_type(logical_id) or 'this resource'} (it knows {', '.join(sorted(phys.attributes))})",
            f"{logical_id}.{attr}",
        )

    def _fn_sub(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        variables: Mapping[str, Any] = {}
        if isinstance(arg, list) and len(arg) == 2:
            text = arg[0]
            resolved_vars = self.resolve(arg[1], (*path, 1))
            variables = resolved_vars if isinstance(resolved_vars, Mapping) else {}
        else:
            text = arg
        if not isinstance(text, str):
            raise _Unresolved("Fn::Sub wants a string or [string, {variables}]", "Sub")
        return self.substitute(str(text), variables, path, node)

    def substitute(self, text: str, variables: Mapping[str, Any], path: tuple[str | int, ...], node: Any) -> str:
        """``Fn::Sub``: fill ``${Name}``, ``${Logical.Attr}`` and ``${AWS::Region}``; ``${!Literal}`` stays literal."""

        def one(m: re.Match[str]) -> str:
            if m.group(2) is not None:
                return "${" + m.group(2) + "}"
            name = m.group(1).strip()
            try:
                if name in variables:
                    value = variables[name]
                elif "." in name and not name.startswith("AWS::"):
                    logical_id, _, attr = name.partition(".")
                    value = self.getatt(logical_id, attr)
                else:
                    self._ssm_warning(name, path, node)
                    value = self.ref(name)
            except _Unresolved as e:
                self.warn(f"Fn::Sub ${{{name}}}: {e}", path[:-1], node)
                self.unresolved.add(m.group(0))
                return m.group(0)
            if isinstance(value, list):
                return ",".join(str(v) for v in value)
            return value if isinstance(value, str) else json.dumps(value)

        return _SUB_VAR.sub(one, text)

    def _fn_join(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        arg = self.resolve(arg, path)
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], list)):
            raise _Unresolved("Fn::Join wants [delimiter, [values]]", "Join")
        return arg[0].join(v if isinstance(v, str) else json.dumps(v) for v in arg[1])

    def _fn_select(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        arg = self.resolve(arg, path)
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            try:
                return arg[1][int(arg[0])]
            except (ValueError, IndexError, TypeError):
                pass
        raise _Unresolved(f"Fn::Select: cannot pick {json.dumps(arg)[:80]}", "Select")

    def _fn_split(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        arg = self.resolve(arg, path)
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], str) and arg[0]:
            return arg[1].split(arg[0])
        raise _Unresolved("Fn::Split wants [delimiter, string]", "Split")

    def _fn_findinmap(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        arg = self.resolve(arg, path)
        if isinstance(arg, list) and len(arg) >= 3:
            mappings = self.template.get("Mappings") or {}
            try:
                return self.resolve(
                    mappings[arg[0]][arg[1]][arg[2]], ("Mappings", str(arg[0]), str(arg[1]), str(arg[2]))
                )
            except (KeyError, TypeError):
                if len(arg) == 4 and isinstance(arg[3], Mapping) and "DefaultValue" in arg[3]:
                    return arg[3]["DefaultValue"]
        raise _Unresolved(f"Fn::FindInMap: no entry {json.dumps(arg)[:80]} in Mappings", "FindInMap")

    def _fn_base64(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        arg = self.resolve(arg, path)
        return base64.b64encode(str(arg).encode()).decode("ascii")

    def _fn_getazs(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        region = self.resolve(arg, path) or self.region
        return [f"{region}{z}" for z in "abc"]

    def _fn_importvalue(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        name = self.resolve(arg, path)
        raise _Unresolved(
            f"Fn::ImportValue {name!r} reads another stack's export, which is not in this template",
            f"ImportValue:{name}",
        )

    def _fn_cidr(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        raise _Unresolved("Fn::Cidr has no local value", "Cidr")

    def _fn_transform(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        raise _Unresolved("Fn::Transform runs a macro on AWS; sfnkit cannot expand it locally", "Transform")

    def _fn_foreach(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        raise _Unresolved("Fn::ForEach is not expanded locally", "ForEach")

    def _fn_length(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        arg = self.resolve(arg, path)
        if isinstance(arg, list):
            return len(arg)
        raise _Unresolved("Fn::Length wants a list", "Length")

    def _fn_tojsonstring(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        return json.dumps(self.resolve(arg, path), separators=(",", ":"))

    # conditions
    def _fn_equals(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        arg = self.resolve(arg, path)
        if isinstance(arg, list) and len(arg) == 2:
            return str(arg[0]) == str(arg[1])
        raise _Unresolved("Fn::Equals wants [a, b]", "Equals")

    def _fn_and(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        return all(self._truth(v, (*path, i)) for i, v in enumerate(arg if isinstance(arg, list) else [arg]))

    def _fn_or(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        return any(self._truth(v, (*path, i)) for i, v in enumerate(arg if isinstance(arg, list) else [arg]))

    def _fn_not(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        return not self._truth(arg[0] if isinstance(arg, list) and arg else arg, (*path, 0))

    def _fn_condition(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        return self.condition(str(arg), node)

    def _fn_if(self, arg: Any, node: Any, path: tuple[str | int, ...]) -> Any:
        if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
            raise _Unresolved("Fn::If wants [ConditionName, value_if_true, value_if_false]", "If")
        chosen = 1 if self.condition(arg[0], node) else 2
        return self._resolve(arg[chosen], (*path, chosen))

    def _truth(self, value: Any, path: tuple[str | int, ...]) -> bool:
        r = self._resolve(value, path)
        if isinstance(r, bool):
            return r
        return str(r).lower() == "true"

    def condition(self, name: str, node: Any = None) -> bool:
        """The value of a named condition of the ``Conditions`` section (False, with a warning, when unknown)."""
        if name in self._conditions:
            return self._conditions[name]
        conditions = self.template.get("Conditions") or {}
        if not isinstance(conditions, Mapping) or name not in conditions:
            self.warn(f"condition {name!r} is not defined in Conditions; taken as false", ("Conditions",), node)
            self._conditions[name] = False
            return False
        self._conditions[name] = False  # guards against a condition that refers to itself
        value = self._truth(conditions[name], ("Conditions", name))
        self._conditions[name] = value
        return value


class _Unresolved(Exception):
    """An intrinsic that has no local value: ``text`` is what is left in its place (inside ``${...}``)."""

    def __init__(self, message: str, text: str) -> None:
        super().__init__(message)
        self.text = text


def template_warning(
    file: str | None, message: str, path: tuple[str | int, ...], node: Any, code: str = UNRESOLVED_REFERENCE
) -> Diagnostic:
    """A warning about a template value: at the JSON Pointer ``path`` and at the file position of ``node``."""
    line, column = mark_of(node)
    return Diagnostic(
        severity="WARNING", code=code, message=message, location=pointer(*path), line=line, column=column, file=file
    )
