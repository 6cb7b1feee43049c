"""Choice rules written as Python expressions on a path object.

ASL spec, "Choice State" (https://states-language.net/spec.html#choice-state): a data-test rule reads one value
with ``Variable`` and tests it with one of the 39 comparison operators of :mod:`sfnkit.asl.operators`;
``And``/``Or``/``Not`` combine rules. Here::

    P.input.total > 100                      -> {"Variable": "$.total", "NumericGreaterThan": 100}
    P.input.name == "x"                      -> StringEquals        (the operand's type picks the family)
    P.input.ok == True                       -> BooleanEquals
    P.input.when.as_timestamp <= "2024-..."  -> TimestampLessThanEquals
    P.input.a.as_number > P.input.b          -> NumericGreaterThanPath (a path operand needs a typed side)
    P.input.name.matches("log-*")            -> StringMatches
    P.input.x.is_present()                   -> IsPresent (is_null, is_numeric, is_string, is_boolean, is_timestamp)
    (r1 & r2) | ~r3                          -> Or(And(r1, r2), Not(r3)); ``!=`` is Not of the equality

``P.input`` is the state's input (``$``), ``P.context`` the context object (``$$``), ``P.var.name`` a variable
(``$name``) and ``P("$.any['path'][0]")`` any path text. A field whose name is a method here (``matches``,
``as_number``, ...) is reached with ``P.input["matches"]``. :class:`Test` writes any operator by name.
"""

from __future__ import annotations

import re
from typing import Any

from sfnkit.asl.operators import OPERATORS
from sfnkit.build.fields import BuildError, Origin, caller

__all__ = ["And", "Not", "Or", "P", "Path", "Rule", "Test", "TypedPath"]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FAMILIES = {"string": "String", "number": "Numeric", "boolean": "Boolean", "timestamp": "Timestamp"}
_RELATIONS = {"eq": "Equals", "lt": "LessThan", "gt": "GreaterThan", "le": "LessThanEquals", "ge": "GreaterThanEquals"}


class Rule:
    """A Choice rule (a data test or a combination); ``&``, ``|`` and ``~`` combine rules."""

    comment: str | None
    origin: Origin

    def to_asl(self) -> dict[str, Any]:
        raise NotImplementedError

    def with_comment(self, comment: str) -> Rule:
        """The same rule with a ``Comment``."""
        raise NotImplementedError

    def __and__(self, other: Rule) -> And:
        return And(*_flat(self, And), *_flat(other, And), _joined=True)

    def __or__(self, other: Rule) -> Or:
        return Or(*_flat(self, Or), *_flat(other, Or), _joined=True)

    def __invert__(self) -> Not:
        return Not(self)

    def __bool__(self) -> bool:
        raise BuildError(
            f"{self.origin}: a Choice rule has no truth value: combine rules with & | ~ (not and/or/not), and "
            "write one comparison per rule (a < P.x < b is two rules: (P.x > a) & (P.x < b))"
        )


def _flat(rule: Rule, kind: type) -> tuple[Rule, ...]:
    # a & b & c reads as one And of three; an explicit And(...) stays a nested rule
    if isinstance(rule, kind) and getattr(rule, "joined", False):
        return rule.rules  # type: ignore[attr-defined, no-any-return]
    return (rule,)


class Test(Rule):
    """One data test: ``Test(P.input.x, "NumericGreaterThan", 5)``; any of the 39 operators by name."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(
        self,
        variable: Path | str,
        operator: str,
        operand: Any,
        *,
        comment: str | None = None,
        origin: Origin | None = None,
    ) -> None:
        self.origin = origin or caller()
        if operator not in OPERATORS:
            import difflib

            close = difflib.get_close_matches(operator, list(OPERATORS), n=1)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            raise BuildError(f"{self.origin}: unknown Choice operator {operator!r}{hint}")
        self.variable = variable
        self.operator = operator
        self.operand = operand
        self.comment = comment

    def with_comment(self, comment: str) -> Rule:
        return Test(self.variable, self.operator, self.operand, comment=comment, origin=self.origin)

    def to_asl(self) -> dict[str, Any]:
        operand = self.operand.path if isinstance(self.operand, Path) else self.operand
        out: dict[str, Any] = {"Variable": _text(self.variable), self.operator: operand}
        if self.comment is not None:
            out["Comment"] = self.comment
        return out


class And(Rule):
    """All of the rules: ``And(r1, r2)`` (or ``r1 & r2``)."""

    def __init__(self, *rules: Rule, comment: str | None = None, _joined: bool = False) -> None:
        self.origin = caller()
        if not rules:
            raise BuildError(f"{self.origin}: {type(self).__name__}() needs at least one rule")
        for r in rules:
            if not isinstance(r, Rule):
                raise BuildError(f"{self.origin}: {type(self).__name__}() takes rules, got {type(r).__name__}")
        self.rules = tuple(rules)
        self.comment = comment
        self.joined = _joined

    def with_comment(self, comment: str) -> Rule:
        out = type(self)(*self.rules, comment=comment)
        out.origin = self.origin
        return out

    def to_asl(self) -> dict[str, Any]:
        out: dict[str, Any] = {type(self).__name__: [r.to_asl() for r in self.rules]}
        if self.comment is not None:
            out["Comment"] = self.comment
        return out


class Or(And):
    """Any of the rules: ``Or(r1, r2)`` (or ``r1 | r2``)."""


class Not(Rule):
    """The opposite of a rule: ``Not(r)`` (or ``~r``)."""

    def __init__(self, rule: Rule, *, comment: str | None = None) -> None:
        self.origin = caller()
        if not isinstance(rule, Rule):
            raise BuildError(f"{self.origin}: Not() takes a rule, got {type(rule).__name__}")
        self.rule = rule
        self.comment = comment

    def with_comment(self, comment: str) -> Rule:
        out = Not(self.rule, comment=comment)
        out.origin = self.origin
        return out

    def to_asl(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Not": self.rule.to_asl()}
        if self.comment is not None:
            out["Comment"] = self.comment
        return out


def _text(p: Path | str) -> str:
    return p.path if isinstance(p, Path) else p


class Path:
    """A JSONPath into the input, the context object or a variable; comparisons on it make Choice rules."""

    __slots__ = ("path",)
    path: str
    __hash__ = None  # type: ignore[assignment]  # == builds a rule, so paths are not dict keys

    def __init__(self, path: str) -> None:
        self.path = path

    def __getattr__(self, name: str) -> Path:
        if name.startswith("__"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, key: str | int) -> Path:
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            raise BuildError(f"{caller()}: a path step is a field name or an array index, got {key!r}")
        if isinstance(key, int):
            return Path(f"{self.path}[{key}]")
        if _IDENT.match(key):
            return Path(f"{self.path}.{key}")
        return Path(f"{self.path}[{_quote(key)}]")

    def __repr__(self) -> str:
        return f"P({self.path!r})"

    # -- typed views: the operator family of a comparison with another path --------------------------------
    @property
    def as_number(self) -> TypedPath:
        return TypedPath(self.path, "number")

    @property
    def as_string(self) -> TypedPath:
        return TypedPath(self.path, "string")

    @property
    def as_timestamp(self) -> TypedPath:
        return TypedPath(self.path, "timestamp")

    @property
    def as_boolean(self) -> TypedPath:
        return TypedPath(self.path, "boolean")

    # -- comparisons -----------------------------------------------------------------------------------------
    def _family(self, operand: Any, rel: str) -> str:
        if isinstance(operand, Path):
            raise BuildError(
                f"{caller()}: comparing two paths needs their type: write {self!r}.as_number (or .as_string, "
                ".as_timestamp, .as_boolean) on one side"
            )
        if isinstance(operand, bool):
            return "Boolean"
        if isinstance(operand, (int, float)):
            return "Numeric"
        if isinstance(operand, str):
            return "String"
        raise BuildError(
            f"{caller()}: a Choice comparison takes a string, number, boolean or path, got {type(operand).__name__}"
        )

    def _compare(self, rel: str, operand: Any) -> Rule:
        family = self._family(operand, rel)
        name = family + _RELATIONS[rel]
        if name not in OPERATORS:
            raise BuildError(f"{caller()}: ASL has no {name} operator (booleans compare only with ==)")
        if isinstance(operand, TypedPath):
            name += "Path"
        return Test(self.path, name, operand.path if isinstance(operand, Path) else operand, origin=caller())

    def __eq__(self, operand: Any) -> Rule:  # type: ignore[override]
        return self._compare("eq", operand)

    def __ne__(self, operand: Any) -> Rule:  # type: ignore[override]
        return Not(self._compare("eq", operand))

    def __lt__(self, operand: Any) -> Rule:
        return self._compare("lt", operand)

    def __le__(self, operand: Any) -> Rule:
        return self._compare("le", operand)

    def __gt__(self, operand: Any) -> Rule:
        return self._compare("gt", operand)

    def __ge__(self, operand: Any) -> Rule:
        return self._compare("ge", operand)

    def matches(self, pattern: str) -> Rule:
        """``StringMatches``: ``*`` matches any run of characters; ``\\*`` is a literal star."""
        return Test(self.path, "StringMatches", pattern, origin=caller())

    def is_present(self, value: bool = True) -> Rule:
        return Test(self.path, "IsPresent", value, origin=caller())

    def is_null(self, value: bool = True) -> Rule:
        return Test(self.path, "IsNull", value, origin=caller())

    def is_numeric(self, value: bool = True) -> Rule:
        return Test(self.path, "IsNumeric", value, origin=caller())

    def is_string(self, value: bool = True) -> Rule:
        return Test(self.path, "IsString", value, origin=caller())

    def is_boolean(self, value: bool = True) -> Rule:
        return Test(self.path, "IsBoolean", value, origin=caller())

    def is_timestamp(self, value: bool = True) -> Rule:
        return Test(self.path, "IsTimestamp", value, origin=caller())


class TypedPath(Path):
    """A path whose value is compared as one type (``P.input.a.as_number``): comparisons with another path
    become the ``...Path`` operators, comparisons with a literal that type's operators."""

    __slots__ = ("kind",)
    kind: str

    def __init__(self, path: str, kind: str) -> None:
        super().__init__(path)
        self.kind = kind

    def __repr__(self) -> str:
        return f"P({self.path!r}).as_{self.kind}"

    def _family(self, operand: Any, rel: str) -> str:
        return _FAMILIES[self.kind]

    def _compare(self, rel: str, operand: Any) -> Rule:
        family = self._family(operand, rel)
        name = family + _RELATIONS[rel]
        if name not in OPERATORS:
            raise BuildError(f"{caller()}: ASL has no {name} operator (booleans compare only with ==)")
        if isinstance(operand, Path):
            return Test(self.path, name + "Path", operand.path, origin=caller())
        return Test(self.path, name, operand, origin=caller())


def _quote(key: str) -> str:
    return "'" + key.replace("\\", "\\\\").replace("'", "\\'") + "'"


class _Root:
    """``P``: ``P.input`` ($), ``P.context`` ($$), ``P.var.name`` ($name), ``P("$.any.path")``."""

    @property
    def input(self) -> Path:
        return Path("$")

    @property
    def context(self) -> Path:
        return Path("$$")

    @property
    def var(self) -> _Vars:
        return _Vars()

    def __call__(self, path: str) -> Path:
        if not isinstance(path, str) or not path.startswith("$"):
            raise BuildError(f"{caller()}: P(...) takes a path starting with $, got {path!r}")
        return Path(path)

    def __repr__(self) -> str:
        return "P"


class _Vars:
    def __getattr__(self, name: str) -> Path:
        if name.startswith("__"):
            raise AttributeError(name)
        return Path("$" + name)

    def __getitem__(self, name: str) -> Path:
        return Path("$" + name)


P = _Root()
