"""Diagnostics: what is wrong with a definition, where, and how bad.

They mirror the result of AWS's ``ValidateStateMachineDefinition``: a severity, a code (AWS's own codes where
AWS has one, ``SFNKIT_*`` for checks AWS does not make), a message and a location given as a JSON Pointer into
the definition (``/States/Charge/Retry/0``). ``line``/``column`` are filled in when the definition came from text;
``file`` names the file they refer to when it is not the source itself (a definition embedded in a SAM,
CloudFormation, serverless or Terraform template points into the template, or into its ``DefinitionUri`` file).

:class:`CaretError` is the base of the expression syntax errors (JSONPath, intrinsic functions): its text shows
the expression with a caret under the offending character, as Lark's parse errors do.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from sfnkit.frozen import frozen

__all__ = ["CaretError", "Diagnostic", "Severity", "caret_message", "pointer", "sort_key"]

Severity = Literal["ERROR", "WARNING"]

# AWS's codes (ValidateStateMachineDefinitionDiagnostic.code)
INVALID_JSON_DESCRIPTION = "INVALID_JSON_DESCRIPTION"
SCHEMA_VALIDATION_FAILED = "SCHEMA_VALIDATION_FAILED"
MISSING_TRANSITION_TARGET = "MISSING_TRANSITION_TARGET"
DUPLICATE_STATE_NAME = "DUPLICATE_STATE_NAME"
INVALID_STATE_NAME = "INVALID_STATE_NAME"
INVALID_LABEL_NAME = "INVALID_LABEL_NAME"
DUPLICATE_LABEL_NAME = "DUPLICATE_LABEL_NAME"
# sfnkit's finer codes for problems that AWS reports as SCHEMA_VALIDATION_FAILED (they are not in AWS's list,
# so they carry the SFNKIT_ prefix)
INVALID_JSON_PATH = "SFNKIT_INVALID_JSON_PATH"
INVALID_INTRINSIC_FUNCTION = "SFNKIT_INVALID_INTRINSIC_FUNCTION"
INVALID_JSONATA = "SFNKIT_INVALID_JSONATA"
INVALID_QUERY_LANGUAGE = "SFNKIT_INVALID_QUERY_LANGUAGE"
# AWS's codes again
MISSING_END_STATE = "MISSING_END_STATE"
NO_TERMINAL_STATE = MISSING_END_STATE  # AWS: "Workflow has no terminal state"
# AWS has no code of its own for an unreachable state: it reports 'State "X" is not reachable.' under this one.
UNREACHABLE_STATE = MISSING_TRANSITION_TARGET
# sfnkit's warnings
RETRY_NEVER_RETRIES = "SFNKIT_RETRY_NEVER_RETRIES"
TASK_WITHOUT_TIMEOUT = "SFNKIT_TASK_WITHOUT_TIMEOUT"
LOOP_WITHOUT_WAIT = "SFNKIT_LOOP_WITHOUT_WAIT"
# sfnkit's codes for templates (SAM, CloudFormation, CDK, serverless, Terraform)
TEMPLATE_INVALID = "SFNKIT_TEMPLATE_INVALID"  # unreadable, malformed, no state machine, a missing DefinitionUri file
UNKNOWN_INTRINSIC = "SFNKIT_TEMPLATE_UNKNOWN_INTRINSIC"  # !Foo / Fn::Foo that CloudFormation does not define
UNRESOLVED_REFERENCE = "SFNKIT_TEMPLATE_UNRESOLVED"  # a Ref/GetAtt/${...} with no local value


def pointer(*parts: str | int) -> str:
    """Build a JSON Pointer (RFC 6901) from path parts, escaping ``~`` and ``/``."""
    out = ""
    for part in parts:  # a plain loop: this runs for every state and field of every definition loaded
        p = str(part)
        if "~" in p or "/" in p:
            p = p.replace("~", "~0").replace("/", "~1")
        out += "/" + p
    return out


@frozen
class Diagnostic:
    """One problem in a definition."""

    severity: Severity
    code: str
    message: str
    location: str = ""
    line: int | None = None
    column: int | None = None
    file: str | None = None

    def format(self, source_name: str | None = None) -> str:
        """Compiler style: ``file:line:col: error CODE /location: message``."""
        where = self.file or source_name or "<definition>"
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        loc = f"{self.location}: " if self.location else ""
        return f"{where}: {self.severity.lower()} {self.code} {loc}{self.message}"

    def with_position(self, line: int | None, column: int | None) -> Diagnostic:
        return replace(self, line=line, column=column)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "location": self.location,
            "line": self.line,
            "column": self.column,
        }
        if self.file is not None:
            out["file"] = self.file
        return out

    def __str__(self) -> str:
        return self.format()


def sort_key(d: Diagnostic) -> tuple[int, int, int, int, str]:
    """Errors first; then the most specific (deepest location) first, as jsonschema's ``best_match`` does: an
    unknown field ``/States/A/Nxt`` explains the ``/States/A`` without a Next and the ``/States`` without an end
    that follow from it; then by position in the text."""
    depth = d.location.count("/")
    return (0 if d.severity == "ERROR" else 1, -depth, d.line or 0, d.column or 0, d.location)


def caret_message(reason: str, expression: str, position: int) -> str:
    """``reason``, then the expression with a caret under ``position`` (Lark style)."""
    position = max(0, min(position, len(expression)))
    return f"{reason} (at position {position})\n\n    {expression}\n    {' ' * position}^"


class CaretError(ValueError):
    """A syntax error in an expression; its text points a caret at ``position`` (0-based) in ``expression``."""

    what = "expression"

    def __init__(self, expression: str, position: int, reason: str) -> None:
        super().__init__(reason)
        self.expression = expression
        self.position = position
        self.reason = reason

    def __str__(self) -> str:
        return caret_message(f"invalid {self.what} {self.expression!r}: {self.reason}", self.expression, self.position)
