"""``to_python``: readable :mod:`sfnkit.build` code for any ASL definition, which builds back to the same definition.

The code reads the way a person would write it: one variable per state (named after the state), the linear
runs of ``Next`` as ``a >> b >> c``, Choice rules as expressions on ``P`` (``P.input.total > 100``), catchers as
``.catch(...)`` calls, nested branches and processors built before the state that holds them, and
``machine = Machine(...)`` at the end. Whatever has no nicer spelling (a path with filters, a rule with an operand
of the wrong type) is written literally (``P("$..x")``, ``Test(...)``, a dict), so nothing is lost: for every
definition ``exec(to_python(d))`` gives a ``machine`` whose ``definition()`` equals ``d``.

Limits: the definition must have a ``States`` object whose states have one of the eight ASL types (anything
:func:`sfnkit.load` accepts does); a field outside ASL (which load rejects) has no keyword, so such a definition
raises ``ValueError``/:class:`~sfnkit.build.fields.BuildError` rather than losing the field. Python functions
attached to a built machine cannot be written back as code: the tasks keep their Lambda ARNs and a comment names
the functions.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from typing import Any

from sfnkit.asl.operators import OPERATORS
from sfnkit.build.fields import snake_name

__all__ = ["to_python"]

_WIDTH = 110
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SEGMENT = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]")
_PATH_NAMES = frozenset(
    {
        "path",
        "kind",
        "as_number",
        "as_string",
        "as_timestamp",
        "as_boolean",
        "matches",
        "is_present",
        "is_null",
        "is_numeric",
        "is_string",
        "is_boolean",
        "is_timestamp",
    }
)
_RESERVED = frozenset(
    {
        "P",
        "And",
        "Or",
        "Not",
        "Test",
        "Machine",
        "Branch",
        "Processor",
        "Retry",
        "Catch",
        "When",
        "Task",
        "Pass",
        "Choice",
        "Wait",
        "Succeed",
        "Fail",
        "Parallel",
        "Map",
        "ItemReader",
        "ItemBatcher",
        "ResultWriter",
        "ReaderConfig",
        "machine",
        "chain",
        "errors",
    }
)
_STATE_CLASSES = {"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}
_STRUCTURED = {"Type", "Next", "Choices", "Default", "Branches", "Iterator", "ItemProcessor", "Retry", "Catch"}
_PART_FIELDS = {
    "ItemReader": ("ItemReader", {"Resource", "Parameters", "Arguments", "ReaderConfig"}),
    "ItemBatcher": (
        "ItemBatcher",
        {
            "MaxItemsPerBatch",
            "MaxItemsPerBatchPath",
            "MaxInputBytesPerBatch",
            "MaxInputBytesPerBatchPath",
            "BatchInput",
        },
    ),
    "ResultWriter": ("ResultWriter", {"Resource", "Parameters", "Arguments", "WriterConfig"}),
    "ReaderConfig": (
        "ReaderConfig",
        {"InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "MaxItems", "MaxItemsPath", "ManifestType"},
    ),
}
_RELATION_OPS = {"Equals": "==", "LessThan": "<", "GreaterThan": ">", "LessThanEquals": "<=", "GreaterThanEquals": ">="}


def _error_constants() -> dict[str, str]:
    from sfnkit import errors

    return {
        v: f"errors.{k}"
        for k, v in vars(errors).items()
        if k.isupper() and isinstance(v, str) and v.startswith("States.")
    }


def literal(value: Any, indent: int = 0) -> str:
    """A Python literal for a JSON value, on one line when it fits, else one item per line."""
    flat = _flat(value)
    if len(flat) + indent <= _WIDTH or not isinstance(value, (dict, list)) or not value:
        return flat
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        items = [f"{pad}{k!r}: {literal(v, indent + 4 + len(repr(k)) + 2)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{pad}{literal(v, indent + 4)}," for v in value]
    return "[\n" + "\n".join(items) + "\n" + " " * indent + "]"


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    return repr(value)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.used: set[str] = set()
        self.names: set[str] = set(_RESERVED)

    def var(self, state_name: str) -> str:
        words = re.split(r"[^A-Za-z0-9]+", state_name)
        base = snake_name("".join(w[:1].upper() + w[1:] for w in words)).strip("_") or "state"
        if base[0].isdigit():
            base = "s_" + base
        if keyword.iskeyword(base) or base in self.names:
            base += "_"
        name, n = base, 2
        while name in self.names:
            name, n = f"{base}{n}", n + 1
        self.names.add(name)
        return name

    def call(self, head: str, args: list[str], indent: int = 0) -> str:
        one = f"{head}({', '.join(args)})"
        if len(one) + indent <= _WIDTH:
            return one
        pad = " " * (indent + 4)
        return f"{head}(\n" + "".join(f"{pad}{a},\n" for a in args) + " " * indent + ")"

    # -- paths and rules ------------------------------------------------------------------------------------
    def path(self, text: Any) -> str:
        self.used.add("P")
        if not isinstance(text, str):
            return f"P({text!r})"
        m = re.match(r"^(\$\$|\$(?=[.\[]|$)|\$([A-Za-z_][A-Za-z0-9_]*))", text)
        if m is None:
            return f"P({text!r})"
        if m.group(1) == "$$":
            out = "P.context"
        elif m.group(2):
            if not _IDENT.match(m.group(2)) or keyword.iskeyword(m.group(2)) or m.group(2).startswith("__"):
                out = f"P.var[{m.group(2)!r}]"
            else:
                out = f"P.var.{m.group(2)}"
        else:
            out = "P.input"
        rebuilt = m.group(1)
        pos = m.end()
        while pos < len(text):
            s = _SEGMENT.match(text, pos)
            if s is None:
                return f"P({text!r})"
            if s.group(1) is not None:
                name = s.group(1)
                rebuilt += "." + name
                if keyword.iskeyword(name) or name in _PATH_NAMES or name.startswith("_"):
                    out += f"[{name!r}]"
                else:
                    out += "." + name
            elif s.group(2) is not None:
                if s.group(2) != str(int(s.group(2))):
                    return f"P({text!r})"
                rebuilt += f"[{s.group(2)}]"
                out += f"[{s.group(2)}]"
            else:
                key = re.sub(r"\\(.)", r"\1", s.group(3))
                if _IDENT.match(key):  # Path writes identifiers as .name; keep the brackets literally
                    return f"P({text!r})"
                requoted = "'" + key.replace("\\", "\\\\").replace("'", "\\'") + "'"
                if requoted != f"'{s.group(3)}'":
                    return f"P({text!r})"
                rebuilt += f"[{requoted}]"
                out += f"[{key!r}]"
            pos = s.end()
        return out if rebuilt == text else f"P({text!r})"

    def rule(self, d: Any, *, top: bool) -> str:
        """A rule expression; at the top the Comment is left to when(comment=...)."""
        if not isinstance(d, dict):
            return literal(d)
        comment = d.get("Comment")
        keys = set(d) - {"Comment"}
        if isinstance(comment, str) or "Comment" not in d:
            expr = self._rule_expr(d, keys)
            if expr is not None:
                if "Comment" in d and not top:
                    if expr.startswith(("And(", "Or(", "Not(")):
                        return expr[:-1] + f", comment={comment!r})"
                    return f"({expr}).with_comment({comment!r})"
                return expr
        return literal({k: v for k, v in d.items() if not (top and k == "Comment")})

    def _rule_expr(self, d: dict[str, Any], keys: set[str]) -> str | None:
        if keys in ({"And"}, {"Or"}):
            (k,) = keys
            subs = d[k]
            if not isinstance(subs, list) or not subs:
                return None
            self.used.add(k)
            return f"{k}(" + ", ".join(self.rule(r, top=False) for r in subs) + ")"
        if keys == {"Not"}:
            if not isinstance(d["Not"], dict):
                return None
            self.used.add("Not")
            return f"Not({self.rule(d['Not'], top=False)})"
        ops = keys - {"Variable"}
        if "Variable" not in keys or len(ops) != 1:
            return None
        (op,) = ops
        if op not in OPERATORS:
            return None
        var, val = self.path(d["Variable"]), d[op]
        spec = OPERATORS[op]
        generic = f"Test({var}, {op!r}, {literal(val)})"
        if spec.is_path:
            if not isinstance(val, str) or not val.startswith("$"):
                self.used.add("Test")
                return generic
            kind = {"string": "as_string", "number": "as_number", "boolean": "as_boolean", "timestamp": "as_timestamp"}[
                spec.compares or "string"
            ]
            rel = _RELATION_OPS[op[len(_family(op)) : -len("Path")]]
            return f"{var}.{kind} {rel} {self.path(val)}"
        if spec.relation == "is":
            if isinstance(val, bool):
                method = snake_name(op)
                return f"{var}.{method}()" if val else f"{var}.{method}(False)"
        elif op == "StringMatches":
            if isinstance(val, str):
                return f"{var}.matches({val!r})"
        else:
            fam = _family(op)
            rel = _RELATION_OPS[op[len(fam) :]]
            ok = {
                "String": isinstance(val, str),
                "Numeric": isinstance(val, (int, float)) and not isinstance(val, bool),
                "Boolean": isinstance(val, bool),
                "Timestamp": isinstance(val, str),
            }[fam]
            if ok:
                view = ".as_timestamp" if fam == "Timestamp" else ""
                return f"{var}{view} {rel} {literal(val)}"
        self.used.add("Test")
        return generic


def _family(op: str) -> str:
    for fam in ("String", "Numeric", "Boolean", "Timestamp"):
        if op.startswith(fam):
            return fam
    return ""


def _targets(st: Any, scope: Mapping[str, Any]) -> list[str]:
    """A state's in-scope transitions in the order :meth:`sfnkit.build.states.State.targets` walks them."""
    if not isinstance(st, dict):
        return []
    out: list[str] = []
    if st.get("Type") == "Choice":
        for r in st.get("Choices") or ():
            if isinstance(r, dict) and isinstance(r.get("Next"), str) and r["Next"] in scope:
                out.append(r["Next"])
        if isinstance(st.get("Default"), str) and st["Default"] in scope:
            out.append(st["Default"])
        return out
    if isinstance(st.get("Next"), str) and st["Next"] in scope:
        out.append(st["Next"])
    for c in st.get("Catch") or ():
        if isinstance(c, dict) and isinstance(c.get("Next"), str) and c["Next"] in scope:
            out.append(c["Next"])
    return out


def _natural(body: Mapping[str, Any]) -> list[str]:
    states = body.get("States") or {}
    out: list[str] = []
    start = body.get("StartAt")
    if isinstance(start, str) and start in states:
        stack = [start]
        while stack:
            s = stack.pop()
            if s in out:
                continue
            out.append(s)
            stack.extend(reversed(_targets(states[s], states)))
    return out


class _Gen(_Writer):
    def body(self, body: dict[str, Any], indent: int) -> tuple[str, list[str]]:
        """Emit a scope's states and wiring; returns the start expression and the extra keyword arguments."""
        states: dict[str, Any] = body.get("States") or {}
        vars_ = {name: self.var(name) for name in states}
        for name, st in states.items():
            self.state(name, st, vars_[name], states, vars_)
        self.wire(states, vars_)
        start = body.get("StartAt")
        start_expr = vars_[start] if isinstance(start, str) and start in vars_ else literal(start)
        extra: list[str] = []
        if set(_natural(body)) != set(states) or not (isinstance(start, str) and start in states):
            extra.append("states=[" + ", ".join(vars_[n] for n in states) + "]")
        return start_expr, extra

    def state(self, name: str, st: dict[str, Any], var: str, scope: Mapping[str, Any], vars_: dict[str, str]) -> None:
        typ = st["Type"]
        self.used.add(typ)
        args = [repr(name)]
        for key, value in st.items():
            if key in _STRUCTURED:
                continue
            args.append(f"{snake_name(key)}={self.value(key, value)}")
        if "Retry" in st:
            retries = [self.part("Retry", r) for r in st["Retry"]]
            args.append("retry=[" + ", ".join(retries) + "]")
        if st.get("Catch") == []:
            args.append("catch=[]")
        if "Branches" in st:
            branches = []
            for b in st["Branches"]:
                start, extra = self.body(b, 0)
                fields = [f"{snake_name(k)}={literal(v)}" for k, v in b.items() if k not in ("StartAt", "States")]
                if extra or fields:
                    self.used.add("Branch")
                    branches.append(f"Branch({', '.join([start, *extra, *fields])})")
                else:
                    branches.append(start)
            args.append("branches=[" + ", ".join(branches) + "]")
        for key in ("ItemProcessor", "Iterator"):
            if key in st:
                args.append(f"{snake_name(key)}={self.processor(st[key])}")
        if "Next" in st and not (isinstance(st["Next"], str) and st["Next"] in scope):
            args.append(f"next={literal(st['Next'])}")
        if "End" in args[-1:] or any(a.startswith("end=") for a in args):  # End reads last, as in ASL
            args = [a for a in args if not a.startswith("end=")] + [a for a in args if a.startswith("end=")]
        self.lines.append(f"{var} = " + self.call(typ, args))

    def processor(self, p: dict[str, Any]) -> str:
        start, extra = self.body(p, 0)
        fields = []
        cfg = p.get("ProcessorConfig")
        for k, v in p.items():
            if k in ("StartAt", "States", "ProcessorConfig"):
                continue
            fields.append(f"{snake_name(k)}={literal(v)}")
        if "ProcessorConfig" in p:
            if isinstance(cfg, dict) and cfg and set(cfg) <= {"Mode", "ExecutionType"}:
                fields.extend(f"{snake_name(k)}={v!r}" for k, v in cfg.items())
            else:
                fields.append(f"processor_config={literal(cfg)}")
        if not extra and not fields:
            return start
        self.used.add("Processor")
        return f"Processor({', '.join([start, *extra, *fields])})"

    def value(self, key: str, value: Any) -> str:
        if key in _PART_FIELDS and isinstance(value, dict):
            return self.part(key, value)
        return literal(value, 4)

    def errors(self, names: Any) -> str:
        """An ErrorEquals list, with the reserved names as the constants of :mod:`sfnkit.errors`."""
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            return literal(names)
        consts = _error_constants()
        if any(n in consts for n in names):
            self.used.add("errors")
        return "[" + ", ".join(consts.get(n, repr(n)) for n in names) + "]"

    def part(self, key: str, d: Any) -> str:
        if key == "Retry":
            if not isinstance(d, dict):
                return literal(d)
            self.used.add("Retry")
            args = []
            if "ErrorEquals" in d:
                args.append(self.errors(d["ErrorEquals"]))
            args += [f"{snake_name(k)}={literal(v)}" for k, v in d.items() if k != "ErrorEquals"]
            return f"Retry({', '.join(args)})"
        cls, allowed = _PART_FIELDS[key]
        if not set(d) <= allowed:
            return literal(d, 4)
        self.used.add(cls)
        return f"{cls}(" + ", ".join(f"{snake_name(k)}={self.value(k, v)}" for k, v in d.items()) + ")"

    def wire(self, states: dict[str, Any], vars_: dict[str, str]) -> None:
        done: set[str] = set()
        for name, st in states.items():
            if name in done or st.get("Type") == "Choice":
                continue
            run = [name]
            cur = name
            while (
                cur not in done
                and isinstance(states[cur].get("Next"), str)
                and states[cur]["Next"] in states
                and states[cur].get("Type") != "Choice"
            ):
                done.add(cur)
                cur = states[cur]["Next"]
                run.append(cur)
            if len(run) > 1:
                self.lines.append(" >> ".join(vars_[n] for n in run))
        for name, st in states.items():
            var = vars_[name]
            if st.get("Type") == "Choice":
                for rule in st.get("Choices") or ():
                    self.when(var, rule, states, vars_)
                if "Default" in st:
                    self.lines.append(f"{var}.otherwise({self.target(st['Default'], states, vars_)})")
            for c in st.get("Catch") or ():
                self.catch(var, c, states, vars_)

    def target(self, name: Any, states: Mapping[str, Any], vars_: dict[str, str]) -> str:
        return vars_[name] if isinstance(name, str) and name in states else literal(name)

    def when(self, var: str, rule: Any, states: Mapping[str, Any], vars_: dict[str, str]) -> None:
        if not isinstance(rule, dict):
            self.lines.append(f"{var}.choices.append(When({literal(rule)}, 'Next'))")
            return
        extra = []
        rest = {k: v for k, v in rule.items() if k not in ("Next", "Assign", "Output")}
        if "Condition" in rule:
            cond = literal(rule["Condition"])
            rest.pop("Condition")
            if "Comment" in rest:
                extra.append(f"comment={rest.pop('Comment')!r}")
            if rest:  # unexpected keys beside Condition: the whole rule as a dict
                cond = literal({k: v for k, v in rule.items() if k not in ("Next", "Assign", "Output", "Comment")})
        else:
            cond = self.rule(rest, top=True)
            if "Comment" in rest and isinstance(rest["Comment"], str) and not cond.startswith("{"):
                extra.append(f"comment={rest['Comment']!r}")
        for k in ("Assign", "Output"):
            if k in rule:
                extra.append(f"{k.lower()}={literal(rule[k], 4)}")
        nxt = self.target(rule.get("Next"), states, vars_) if "Next" in rule else "None"
        self.lines.append(f"{var}.when(" + ", ".join([cond, nxt, *extra]) + ")")

    def catch(self, var: str, c: Any, states: Mapping[str, Any], vars_: dict[str, str]) -> None:
        if not isinstance(c, dict):
            self.lines.append(f"{var}.catches.append({literal(c)})")
            return
        errs = self.errors(c["ErrorEquals"]) if "ErrorEquals" in c else "None"
        nxt = self.target(c["Next"], states, vars_) if "Next" in c else "None"
        kw = [f"{snake_name(k)}={literal(v)}" for k, v in c.items() if k not in ("ErrorEquals", "Next")]
        self.lines.append(self.call(f"{var}.catch", [errs, nxt, *kw]))


def to_python(source: Any, *, name: str = "machine") -> str:
    """Python code that builds ``source`` (a :class:`~sfnkit.StateMachine`, a definition dict, or anything
    :func:`sfnkit.load` reads) with :mod:`sfnkit.build`; it ends with ``machine = Machine(...)``."""
    from sfnkit.asl.format import ordered

    definition = ordered(_definition(source))
    if (
        not isinstance(definition, dict)
        or not isinstance(definition.get("States"), dict)
        or not all(isinstance(s, dict) and s.get("Type") in _STATE_CLASSES for s in definition["States"].values())
    ):
        raise ValueError("to_python needs a definition whose States are objects with a known Type")
    g = _Gen()
    g.names.add(name)
    start, extra = g.body(definition, 0)
    fields = [f"{snake_name(k)}={literal(v)}" for k, v in definition.items() if k not in ("StartAt", "States")]
    g.lines.append(f"{name} = " + g.call("Machine", [start, *extra, *fields]))
    g.used.add("Machine")
    imports = sorted(g.used, key=lambda s: (s.lower(), s))
    note = ""
    attached = sorted(getattr(source, "handlers", None) or ())
    if attached:  # JSON cannot carry Python: say which tasks ran Python functions, and how to give them back
        note = (
            f"# The original machine ran Python functions for {', '.join(attached)}: pass them back with\n"
            f"# sfnkit.run(machine, input, resources={{...}}), or use Task(name, resource=function).\n"
        )
    return _imports(imports) + "\n\n" + note + "\n".join(g.lines) + "\n"


def _imports(names: list[str]) -> str:
    one = "from sfnkit.build import " + ", ".join(names)
    if len(one) <= _WIDTH:
        return one
    return "from sfnkit.build import (\n" + "".join(f"    {n},\n" for n in names) + ")"


def _definition(source: Any) -> Any:
    from sfnkit.asl.model import StateMachine

    if isinstance(source, StateMachine):
        return source.definition
    if isinstance(source, dict):
        return source
    if hasattr(source, "definition") and callable(source.definition):
        return source.definition()
    from sfnkit.asl.validate import load

    return load(source).definition
