"""From a JSON value to the :mod:`sfnkit.asl.model`, collecting every structural problem on the way.

This module owns the *shape* rules of ASL (ASL spec "State Types", "Common State Fields", AWS's JSONata
additions): which fields each state type accepts in each query language, their JSON types and ranges, the
Retry/Catch/Choice rule structures, and the syntax of paths, payload templates, intrinsic functions and
JSONata expressions. Rules about the *graph* (targets exist, reachability, terminal states, duplicate names)
live in :mod:`sfnkit.asl.validate`.

Problems never raise: each becomes a :class:`Diagnostic`, and the builder carries on with a best-effort model so
that one run reports everything at once.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from sfnkit.asl import model as m
from sfnkit.asl import paths
from sfnkit.asl.diagnostics import (
    INVALID_INTRINSIC_FUNCTION,
    INVALID_JSON_PATH,
    INVALID_JSONATA,
    INVALID_LABEL_NAME,
    INVALID_QUERY_LANGUAGE,
    INVALID_STATE_NAME,
    RETRY_NEVER_RETRIES,
    SCHEMA_VALIDATION_FAILED,
    Diagnostic,
    pointer,
)
from sfnkit.asl.jsontext import type_name as _type_name
from sfnkit.errors import ALL
from sfnkit.frozen import make

__all__ = ["build"]

STATE_TYPES = ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
QUERY_LANGUAGES = ("JSONPath", "JSONata")
MAX_NAME_LENGTH = 80
MAX_INT = 99999999

# Fields each query language allows on top of the common ones (ASL spec + AWS's JSONata documentation).
JSONPATH_ONLY = frozenset(
    {
        "InputPath",
        "OutputPath",
        "ResultPath",
        "Parameters",
        "ResultSelector",
        "Result",
        "ItemsPath",
        "Iterator",
        "SecondsPath",
        "TimestampPath",
        "ErrorPath",
        "CausePath",
        "TimeoutSecondsPath",
        "HeartbeatSecondsPath",
        "MaxConcurrencyPath",
        "ToleratedFailureCountPath",
        "ToleratedFailurePercentagePath",
    }
)
JSONATA_ONLY = frozenset({"Arguments", "Output", "Items"})
_COMMON = ("Type", "Comment", "QueryLanguage")
_FLOW = ("Next", "End")
_IO = ("InputPath", "OutputPath", "Output")
_RESULT = ("ResultPath", "ResultSelector")
_ERRORS = ("Retry", "Catch")
FIELDS: dict[str, frozenset[str]] = {
    "Pass": frozenset((*_COMMON, *_FLOW, *_IO, "ResultPath", "Parameters", "Result", "Assign")),
    "Task": frozenset(
        (
            *_COMMON,
            *_FLOW,
            *_IO,
            *_RESULT,
            *_ERRORS,
            "Resource",
            "Parameters",
            "Arguments",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
            "Assign",
        )
    ),
    "Choice": frozenset((*_COMMON, *_IO, "Choices", "Default", "Assign")),
    "Wait": frozenset((*_COMMON, *_FLOW, *_IO, "Seconds", "Timestamp", "SecondsPath", "TimestampPath", "Assign")),
    "Succeed": frozenset((*_COMMON, *_IO)),
    "Fail": frozenset((*_COMMON, "Error", "ErrorPath", "Cause", "CausePath")),
    "Parallel": frozenset(
        (*_COMMON, *_FLOW, *_IO, *_RESULT, *_ERRORS, "Branches", "Parameters", "Arguments", "Assign")
    ),
    "Map": frozenset(
        (
            *_COMMON,
            *_FLOW,
            *_IO,
            *_RESULT,
            *_ERRORS,
            "Parameters",
            "ItemSelector",
            "ItemsPath",
            "Items",
            "Iterator",
            "ItemProcessor",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "Label",
            "Assign",
        )
    ),
}
RETRY_FIELDS = frozenset(
    {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment"}
)
CATCH_FIELDS = frozenset({"ErrorEquals", "Next", "ResultPath", "Output", "Assign", "Comment"})
TOP_FIELDS = frozenset({"StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage"})
BODY_FIELDS = frozenset({"StartAt", "States", "Comment", "QueryLanguage"})
PROCESSOR_FIELDS = frozenset({"StartAt", "States", "Comment", "ProcessorConfig", "QueryLanguage"})
PROCESSOR_CONFIG_FIELDS = frozenset({"Mode", "ExecutionType"})
ITEM_READER_FIELDS = frozenset({"Resource", "Parameters", "Arguments", "ReaderConfig"})
READER_CONFIG_FIELDS = frozenset(
    {"InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "MaxItems", "MaxItemsPath", "ManifestType"}
)
ITEM_BATCHER_FIELDS = frozenset(
    {"MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", "BatchInput"}
)
RESULT_WRITER_FIELDS = frozenset({"Resource", "Parameters", "Arguments", "WriterConfig"})
JITTER = ("FULL", "NONE")
STATES_FIELDS = frozenset({"input", "context", "result", "errorOutput"})
STATES_ALWAYS = frozenset({"input", "context"})
STATES_WITH_RESULT = frozenset({"input", "context", "result"})
STATES_IN_CATCH = frozenset({"input", "context", "errorOutput"})


@functools.cache  # JSONata states only: compiled on first use, not at import
def _states_field() -> re.Pattern[str]:
    return re.compile(r"\$states\.([A-Za-z_][A-Za-z0-9_]*)")


# Reference Paths already checked (ResultPath "$.result" in thousands of states): the check is a pure function of
# the text, and two calls fewer per state's ResultPath in a 10,000-state load.
_REFERENCE_PATHS: dict[str, paths.Path] = {}


def is_jsonata(value: Any) -> bool:
    """A JSONata expression string: ``{% ... %}``."""
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}") and len(value) >= 4


def _is_int(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (
        isinstance(v, float) and v.is_integer() and math.isfinite(v)
    )


class Builder:
    """Walks a definition once, building the model and collecting diagnostics."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    # -- reporting -----------------------------------------------------------------------------------------
    def error(self, location: str, message: str, code: str = SCHEMA_VALIDATION_FAILED) -> None:
        self.diagnostics.append(Diagnostic(severity="ERROR", code=code, message=message, location=location))

    def warning(self, location: str, message: str, code: str) -> None:
        self.diagnostics.append(Diagnostic(severity="WARNING", code=code, message=message, location=location))

    def unknown_fields(
        self,
        obj: Mapping[str, Any],
        allowed: frozenset[str],
        loc: str,
        what: str,
        other_ql: frozenset[str] | None = None,
        ql: str | None = None,
    ) -> None:
        for key in obj:
            if key in allowed:
                continue
            if other_ql is not None and key in other_ql:
                other = "JSONata" if ql == "JSONPath" else "JSONPath"
                this = what.removeprefix("a ").removeprefix("the ")
                self.error(
                    pointer_join(loc, key),
                    f'field "{key}" is only allowed in {other} states; this {this} uses {ql}' + _ql_hint(key, ql),
                )
                continue
            import difflib  # only for a message's hint

            close = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.6)
            hint = f'; did you mean "{close[0]}"?' if close else f"; allowed: {', '.join(sorted(allowed))}"
            self.error(pointer_join(loc, key), f'unknown field "{key}" in {what}{hint}')

    # -- typed getters ---------------------------------------------------------------------------------------
    def get_str(
        self, obj: Mapping[str, Any], key: str, loc: str, *, required: bool = False, what: str = ""
    ) -> str | None:
        if key not in obj:
            if required:
                self.error(loc, f'missing required field "{key}"{what}')
            return None
        v = obj[key]
        if not isinstance(v, str):
            self.error(pointer_join(loc, key), f'"{key}" must be a string, got {_type_name(v)}')
            return None
        return v

    def get_int(
        self,
        obj: Mapping[str, Any],
        key: str,
        loc: str,
        *,
        minimum: int = 0,
        maximum: int = MAX_INT,
        jsonata_ok: bool = False,
    ) -> Any:
        if key not in obj:
            return None
        v = obj[key]
        if jsonata_ok and is_jsonata(v):
            self.check_jsonata(v, pointer_join(loc, key))
            return v
        if not _is_int(v):
            allowed = "an integer" + (' or a JSONata expression "{% ... %}"' if jsonata_ok else "")
            self.error(pointer_join(loc, key), f'"{key}" must be {allowed}, got {_type_name(v)} {_short(v)}')
            return None
        v = int(v)
        if not minimum <= v <= maximum:
            self.error(pointer_join(loc, key), f'"{key}" must be between {minimum} and {maximum}, got {v}')
        return v

    def get_path(
        self,
        obj: Mapping[str, Any],
        key: str,
        loc: str,
        *,
        reference: bool = True,
        nullable: bool = True,
        default: str | None = "$",
        into_data: bool = False,
    ) -> str | None:
        if key not in obj:
            return default
        v = obj[key]
        if v is None:
            if not nullable:
                self.error(pointer_join(loc, key), f'"{key}" cannot be null')
            return None
        if not isinstance(v, str):
            self.error(
                pointer_join(loc, key),
                f'"{key}" must be a JSONPath string{" or null" if nullable else ""}, got {_type_name(v)}',
            )
            return default
        path = _REFERENCE_PATHS.get(v) if reference else None
        if path is None:
            try:  # the pointer is built only for a message: this runs for most fields of every state
                path = paths.check_reference_path(v) if reference else paths.check_path(v)
            except paths.PathSyntaxError as e:
                self.error(pointer_join(loc, key), str(e), INVALID_JSON_PATH)
                path = None
            else:
                if reference and len(_REFERENCE_PATHS) < 4096:
                    _REFERENCE_PATHS[v] = path
        if into_data and path is not None and path.root != "input":
            # ResultPath writes into the state data: the context object ($$) is read-only and a variable ($name)
            # is set with Assign, so neither can be a target.
            what = "the context object" if path.root == "context" else f"the variable ${path.variable}"
            self.error(
                pointer_join(loc, key),
                f'"{key}" must be a Reference Path into the state data (starting with "$." '
                f'or "$["), got {_short(v)}, which names {what}',
                INVALID_JSON_PATH,
            )
        return v

    def check_path(self, expr: str, loc: str, *, reference: bool = True) -> Any:
        try:
            if reference:
                return paths.check_reference_path(expr)
            return paths.check_path(expr)
        except paths.PathSyntaxError as e:
            self.error(loc, str(e), INVALID_JSON_PATH)
            return None

    def check_template(self, value: Any, loc: str) -> None:
        from sfnkit.asl import templates

        for where, message in templates.check_template(value, loc):
            # A ".$" value that parses as neither a path nor an intrinsic call is a schema error on AWS
            # ("The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call").
            if "is not a valid intrinsic function call" in message:
                code = INVALID_INTRINSIC_FUNCTION
            elif "is not a valid JSONPath" in message:
                code = INVALID_JSON_PATH
            else:
                code = SCHEMA_VALIDATION_FAILED
            self.error(where, message, code)

    def check_jsonata(self, expr: str, loc: str, available: frozenset[str] = STATES_ALWAYS) -> None:
        """Syntax (with a caret), references AWS refuses at creation, and ``$states`` fields: only ``input``,
        ``context``, ``result`` (after a Task, Parallel or Map) and ``errorOutput`` (in a Catch) exist."""
        from sfnkit.asl import jsonata

        problem = jsonata.check_syntax(expr)
        if problem:
            self.error(loc, problem, INVALID_JSONATA)
            return
        refused = jsonata.unsupported_reference(expr)
        if refused:
            self.error(loc, f"{refused} Use $states.input (the state's input) or $states.context.", INVALID_JSONATA)
        for name in _states_field().findall(expr):
            if name not in STATES_FIELDS:
                import difflib  # only for a message's hint

                close = difflib.get_close_matches(name, sorted(STATES_FIELDS), n=1)
                hint = f'; did you mean "$states.{close[0]}"?' if close else ""
                self.error(
                    loc,
                    f'"$states.{name}" does not exist: $states has input, context, result and errorOutput{hint}',
                    INVALID_JSONATA,
                )
            elif name not in available:
                where = "after a Task, Parallel or Map (in Output and Assign)" if name == "result" else "in a Catch"
                self.error(loc, f'"$states.{name}" is only available {where}', INVALID_JSONATA)

    def check_jsonata_tree(self, value: Any, loc: str, available: frozenset[str] = STATES_ALWAYS) -> None:
        """Check every ``{% %}`` string inside a JSONata-state value (Arguments, Output, Assign, ...)."""
        if isinstance(value, str):
            if is_jsonata(value):
                self.check_jsonata(value, loc, available)
        elif isinstance(value, dict):
            for k, v in value.items():
                self.check_jsonata_tree(v, pointer_join(loc, k), available)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.check_jsonata_tree(v, pointer_join(loc, i), available)

    def check_assign(
        self, value: Any, loc: str, ql: str, available: frozenset[str] = STATES_ALWAYS
    ) -> Mapping[str, Any] | None:
        if not isinstance(value, dict):
            self.error(loc, f'"Assign" must be an object mapping variable names to values, got {_type_name(value)}')
            return None
        for key in value:
            name = key[:-2] if ql == "JSONPath" and key.endswith(".$") else key
            if not _valid_variable_name(name):
                self.error(
                    pointer_join(loc, key),
                    f'"{name}" is not a valid variable name: use letters, digits and '
                    '"_", not starting with a digit, at most 80 characters',
                )
        if ql == "JSONPath":
            self.check_template(value, loc)
        else:
            self.check_jsonata_tree(value, loc, available)
        return value

    # -- the walk --------------------------------------------------------------------------------------------
    def machine(self, d: Any) -> m.StateMachine | None:
        if not isinstance(d, dict):
            self.error("", f"a state machine definition must be a JSON object, got {_type_name(d)}")
            return None
        self.unknown_fields(d, TOP_FIELDS, "", "the state machine")
        ql = self.query_language(d, "", None)
        body = self.body(d, "", ql, "the state machine")
        version = self.get_str(d, "Version", "")
        timeout = self.get_int(d, "TimeoutSeconds", "", minimum=0)
        if body is None:
            return None
        return make(
            m.StateMachine,
            {
                "location": "",
                "start_at": body.start_at,
                "states": body.states,
                "query_language": ql,
                "comment": body.comment,
                "timeout_seconds": timeout,
                "version": version,
                "definition": d,
            },
        )

    def query_language(self, d: Mapping[str, Any], loc: str, inherited: str | None) -> Any:
        if "QueryLanguage" not in d:
            return inherited or "JSONPath"
        v = d["QueryLanguage"]
        if v not in QUERY_LANGUAGES:
            self.error(
                pointer_join(loc, "QueryLanguage"),
                f'"QueryLanguage" must be "JSONPath" or "JSONata", got {_short(v)}',
                INVALID_QUERY_LANGUAGE,
            )
            return inherited or "JSONPath"
        if inherited == "JSONata" and v == "JSONPath":
            self.error(
                pointer_join(loc, "QueryLanguage"),
                'a state cannot use "JSONPath" when the state machine\'s QueryLanguage is "JSONata"; set JSONPath at '
                "the top level and opt single states into JSONata instead",
                INVALID_QUERY_LANGUAGE,
            )
        return v

    def body(self, d: Mapping[str, Any], loc: str, ql: str, what: str, **extra: Any) -> m.Body | None:
        start_at = self.get_str(d, "StartAt", loc, required=True, what=f" in {what}")
        states_raw = d.get("States")
        states: dict[str, m.State] = {}
        if "States" not in d:
            self.error(loc, f'missing required field "States" in {what}')
        elif not isinstance(states_raw, dict):
            self.error(pointer_join(loc, "States"), f'"States" must be an object, got {_type_name(states_raw)}')
        elif not states_raw:
            self.error(pointer_join(loc, "States"), '"States" must contain at least one state')
        else:
            prefix = loc + "/States/"
            for name, sd in states_raw.items():
                part = name if "~" not in name and "/" not in name else pointer(name)[1:]
                st = self.state(name, sd, prefix + part, ql)
                if st is not None:
                    states[name] = st
        comment = self.get_str(d, "Comment", loc)
        if start_at is None:
            return None
        return make(
            m.Body,
            {
                "location": loc,
                "start_at": start_at,
                "states": states,
                "query_language": ql,
                "comment": comment,
                **extra,
            },
        )

    def state(self, name: str, d: Any, loc: str, inherited: str) -> m.State | None:
        if not name or len(name) > MAX_NAME_LENGTH:
            self.error(
                loc, f"state names must have 1 to {MAX_NAME_LENGTH} characters, got {len(name)}", INVALID_STATE_NAME
            )
        if not isinstance(d, dict):
            self.error(loc, f'state "{name}" must be an object, got {_type_name(d)}')
            return None
        typ = d.get("Type")
        if typ not in STATE_TYPES:
            if "Type" not in d:
                self.error(loc, f'missing required field "Type" in state "{name}"; allowed: {", ".join(STATE_TYPES)}')
            else:
                import difflib  # only for a message's hint

                close = difflib.get_close_matches(str(typ), STATE_TYPES, n=1, cutoff=0.5)
                hint = f'; did you mean "{close[0]}"?' if close else f"; allowed: {', '.join(STATE_TYPES)}"
                self.error(pointer_join(loc, "Type"), f"unknown state type {_short(typ)}{hint}")
            return None
        ql = self.query_language(d, loc, inherited) if "QueryLanguage" in d else inherited
        allowed, other = _FIELDS_FOR[typ, ql]
        if not allowed.issuperset(d):  # (the usual case, no unknown field, costs one set operation)
            # Next/End on a Choice, Succeed or Fail state get their own, clearer message below; do not report
            # them twice.
            misplaced_flow = ("Next", "End") if typ in ("Choice", "Succeed", "Fail") else ()
            checked = {k: v for k, v in d.items() if k not in misplaced_flow} if misplaced_flow else d
            self.unknown_fields(checked, allowed, loc, f"a {typ} state", other_ql=other, ql=ql)

        # Only the fields present are set here; make() gives the rest the model's defaults, which are what an
        # absent field means (None, or "$" for the paths).
        common: dict[str, Any] = {"name": name, "type": typ, "location": loc, "query_language": ql, "raw": d}
        if "Comment" in d:
            common["comment"] = self.get_str(d, "Comment", loc)
        if ql == "JSONPath":
            # ASL spec "Filters": InputPath and OutputPath are Paths (wildcards, filters allowed); ResultPath,
            # ItemsPath and the *Path fields that name one value are Reference Paths.
            if "InputPath" in d:
                common["input_path"] = self.get_path(d, "InputPath", loc, reference=False)
            if "OutputPath" in d:
                common["output_path"] = self.get_path(d, "OutputPath", loc, reference=False)
        elif "Output" in d:
            self.check_jsonata_tree(d["Output"], pointer_join(loc, "Output"), _available(typ))
            common["output"] = d["Output"]
        if "Assign" in d and "Assign" in allowed:
            common["assign"] = self.check_assign(d["Assign"], pointer_join(loc, "Assign"), ql, _available(typ))
        if typ not in ("Choice", "Succeed", "Fail"):
            nxt = d.get("Next")
            if type(nxt) is str and "End" not in d:  # the usual case: nothing flow() could report
                common["next"] = nxt
            else:
                self.flow(d, loc, common)
        elif typ == "Choice":
            for key in ("Next", "End"):
                if key in d:
                    self.error(
                        pointer_join(loc, key), f'a Choice state cannot have "{key}"; use "Choices" and "Default"'
                    )
        else:
            for key in ("Next", "End"):
                if key in d:
                    self.error(pointer_join(loc, key), f'a {typ} state is terminal and cannot have "{key}"')
        builder: Callable[[Builder, Mapping[str, Any], str, str, dict[str, Any]], m.State] = _BUILDERS[typ]
        return builder(self, d, loc, ql, common)

    def flow(self, d: Mapping[str, Any], loc: str, common: dict[str, Any]) -> None:
        nxt = self.get_str(d, "Next", loc)
        end = d.get("End")
        if "End" in d and not isinstance(end, bool):
            self.error(pointer_join(loc, "End"), f'"End" must be true or false, got {_type_name(end)}')
        if nxt is not None and end is True:
            self.error(loc, 'a state cannot have both "Next" and "End": true; keep one')
        elif nxt is None and end is not True and "Next" not in d:
            self.error(loc, f'state "{common["name"]}" needs "Next" (the state to go to) or "End": true')
        common["next"] = nxt
        common["end"] = end is True

    # -- per type -------------------------------------------------------------------------------------------
    def result_fields(
        self, d: Mapping[str, Any], loc: str, ql: str, out: dict[str, Any], *, parameters: bool = True
    ) -> None:
        """ResultPath and ResultSelector (JSONPath), and with ``parameters`` the state's Parameters (JSONPath) or
        Arguments (JSONata). A Map passes ``parameters=False``: its Parameters is the legacy name of ItemSelector,
        read with it, and it has no Arguments (unknown_fields says so)."""
        if ql == "JSONPath":
            out["result_path"] = self.get_path(d, "ResultPath", loc, into_data=True)
            if parameters and "Parameters" in d:
                self.check_template(d["Parameters"], pointer_join(loc, "Parameters"))
                out["parameters"] = d["Parameters"]
            if "ResultSelector" in d:
                if not isinstance(d["ResultSelector"], dict):
                    self.error(
                        pointer_join(loc, "ResultSelector"),
                        f'"ResultSelector" must be an object, got {_type_name(d["ResultSelector"])}',
                    )
                self.check_template(d["ResultSelector"], pointer_join(loc, "ResultSelector"))
                out["result_selector"] = d["ResultSelector"]
        elif parameters and "Arguments" in d:
            self.check_jsonata_tree(d["Arguments"], pointer_join(loc, "Arguments"))
            out["parameters"] = d["Arguments"]

    def s_pass(self, d: Mapping[str, Any], loc: str, ql: str, c: dict[str, Any]) -> m.State:
        if ql == "JSONPath":
            if "ResultPath" in d:
                v = d["ResultPath"]
                known = _REFERENCE_PATHS.get(v) if type(v) is str else None
                # a Reference Path into the data that is already checked is what get_path() would return
                ok = known is not None and known.root == "input"
                c["result_path"] = v if ok else self.get_path(d, "ResultPath", loc, into_data=True)
            if "Parameters" in d:
                self.check_template(d["Parameters"], pointer_join(loc, "Parameters"))
                c["parameters"] = d["Parameters"]
            if "Result" in d:
                c["result"] = d["Result"]
        return make(m.PassState, c)

    def s_task(self, d: Mapping[str, Any], loc: str, ql: str, c: dict[str, Any]) -> m.State:
        resource = self.get_str(d, "Resource", loc, required=True, what=" in a Task state")
        if resource is not None and not resource.startswith("arn:") and not is_jsonata(resource):
            self.error(
                pointer_join(loc, "Resource"), f'"Resource" must be an ARN (arn:aws:...), got {_short(resource)}'
            )
        c["resource"] = resource or ""
        self.result_fields(d, loc, ql, c)
        self.errors_fields(d, loc, ql, c)
        for key, path_key, attr, path_attr in _TASK_TIMES:
            c[attr] = self.get_int(d, key, loc, minimum=1, jsonata_ok=ql == "JSONata")
            if ql == "JSONPath":
                c[path_attr] = self.get_path(d, path_key, loc, default=None, nullable=False)
            if key in d and path_key in d:
                self.error(loc, f'a Task state cannot have both "{key}" and "{path_key}"')
        to, hb = c.get("timeout_seconds"), c.get("heartbeat_seconds")
        if isinstance(to, int) and isinstance(hb, int) and hb >= to:
            self.error(
                pointer_join(loc, "HeartbeatSeconds"),
                f'"HeartbeatSeconds" ({hb}) must be smaller than "TimeoutSeconds" ({to})',
            )
        if "Credentials" in d:
            self.credentials(d["Credentials"], pointer_join(loc, "Credentials"), ql)
            c["credentials"] = d["Credentials"]
        return make(m.TaskState, c)

    def credentials(self, cred: Any, loc: str, ql: str) -> None:
        """``Credentials``: an object with exactly one of ``RoleArn`` (a string; a JSONata expression in JSONata
        states) and, in JSONPath states, ``RoleArn.$`` (a path or an intrinsic call)."""
        if not isinstance(cred, dict):
            self.error(loc, f'"Credentials" must be an object, got {_type_name(cred)}')
            return
        allowed = frozenset({"RoleArn", "RoleArn.$"} if ql == "JSONPath" else {"RoleArn"})
        self.unknown_fields(cred, allowed, loc, "Credentials")
        keys = [k for k in ("RoleArn", "RoleArn.$") if k in cred]
        if not keys:
            self.error(loc, '"Credentials" needs "RoleArn"' + (' or "RoleArn.$"' if ql == "JSONPath" else ""))
        elif len(keys) == 2:
            self.error(loc, '"Credentials" cannot have both "RoleArn" and "RoleArn.$"')
        if "RoleArn" in cred:
            role = cred["RoleArn"]
            if not isinstance(role, str):
                self.error(
                    pointer_join(loc, "RoleArn"),
                    f'"RoleArn" must be a string (an IAM role ARN), got {_type_name(role)}',
                )
            elif ql == "JSONata" and is_jsonata(role):
                self.check_jsonata(role, pointer_join(loc, "RoleArn"))
        if ql == "JSONPath" and "RoleArn.$" in cred:
            self.check_template({"RoleArn.$": cred["RoleArn.$"]}, loc)

    def s_choice(self, d: Mapping[str, Any], loc: str, ql: str, c: dict[str, Any]) -> m.State:
        rules: list[m.ChoiceRule] = []
        choices = d.get("Choices")
        if "Choices" not in d:
            self.error(loc, 'missing required field "Choices" in a Choice state')
        elif not isinstance(choices, list) or not choices:
            self.error(pointer_join(loc, "Choices"), '"Choices" must be a non-empty array of rules')
        else:
            for i, rd in enumerate(choices):
                r = self.rule(rd, pointer_join(loc, "Choices", i), ql, top=True)
                if r is not None:
                    rules.append(r)
        c["choices"] = tuple(rules)
        c["default"] = self.get_str(d, "Default", loc)
        return make(m.ChoiceState, c)

    def rule(self, d: Any, loc: str, ql: str, *, top: bool) -> m.ChoiceRule | None:
        from sfnkit.asl import operators

        if not isinstance(d, dict):
            self.error(loc, f"a Choice rule must be an object, got {_type_name(d)}")
            return None
        kw: dict[str, Any] = {"location": loc, "comment": self.get_str(d, "Comment", loc)}
        if top:
            kw["next"] = self.get_str(d, "Next", loc, required=True, what=" in a Choice rule")
            if "Assign" in d:
                kw["assign"] = self.check_assign(d["Assign"], pointer_join(loc, "Assign"), ql)
        if ql == "JSONata":
            allowed = frozenset({"Condition", "Next", "Output", "Assign", "Comment"})
            self.unknown_fields(d, allowed, loc, "a JSONata Choice rule")
            if "Condition" not in d:
                self.error(loc, 'missing required field "Condition" in a JSONata Choice rule')
            else:
                cond = d["Condition"]
                if is_jsonata(cond):
                    self.check_jsonata(cond, pointer_join(loc, "Condition"))
                elif not isinstance(cond, bool):
                    self.error(
                        pointer_join(loc, "Condition"),
                        '"Condition" must be a JSONata expression "{% ... %}" or a boolean',
                    )
                kw["condition"] = cond
            if "Output" in d:
                self.check_jsonata_tree(d["Output"], pointer_join(loc, "Output"))
                kw["output"] = d["Output"]
            return make(m.ChoiceRule, kw)
        names = operators.operator_names()
        combinators = ("And", "Or", "Not")
        allowed = frozenset({"Variable", "Comment", *names, *combinators} | ({"Next", "Assign"} if top else set()))
        self.unknown_fields(
            d, allowed, loc, "a Choice rule", other_ql=frozenset({"Condition", "Output"}) if top else None, ql=ql
        )
        ops = [k for k in d if k in names]
        combs = [k for k in d if k in combinators]
        if len(ops) + len(combs) != 1:
            if not ops and not combs:
                self.error(
                    loc,
                    "a Choice rule needs exactly one comparison operator (such as StringEquals or NumericGreaterThan) or And/Or/Not",
                )
            else:
                self.error(loc, f"a Choice rule must have exactly one operator, found {', '.join(ops + combs)}")
        if combs:
            if "Variable" in d:
                self.error(pointer_join(loc, "Variable"), f'"Variable" cannot be used with "{combs[0]}"')
            key = combs[0]
            v = d[key]
            if key == "Not":
                kw["not_"] = self.rule(v, pointer_join(loc, key), ql, top=False)
            elif not isinstance(v, list) or not v:
                self.error(pointer_join(loc, key), f'"{key}" must be a non-empty array of rules')
            else:
                sub = [self.rule(x, pointer_join(loc, key, i), ql, top=False) for i, x in enumerate(v)]
                kw["and_" if key == "And" else "or_"] = tuple(r for r in sub if r is not None)
        elif ops:
            var = self.get_str(d, "Variable", loc, required=True, what=" in a Choice rule")
            if var is not None:
                self.check_path(var, pointer_join(loc, "Variable"), reference=False)
            op = ops[0]
            operand = d[op]
            problem = operators.check_operand(op, operand)
            if problem:
                self.error(pointer_join(loc, op), problem)
            elif op.endswith("Path") and isinstance(operand, str):
                self.check_path(operand, pointer_join(loc, op), reference=False)
            kw.update(variable=var, operator=op, operand=operand)
        return make(m.ChoiceRule, kw)

    def s_wait(self, d: Mapping[str, Any], loc: str, ql: str, c: dict[str, Any]) -> m.State:
        keys = [k for k in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath") if k in d]
        if len(keys) != 1:
            self.error(
                loc,
                "a Wait state needs exactly one of Seconds, Timestamp, SecondsPath or TimestampPath"
                + (f", found {', '.join(keys)}" if keys else ""),
            )
        c["seconds"] = self.get_int(d, "Seconds", loc, minimum=0, jsonata_ok=ql == "JSONata")
        if "Timestamp" in d:
            ts = d["Timestamp"]
            if ql == "JSONata" and is_jsonata(ts):
                self.check_jsonata(ts, pointer_join(loc, "Timestamp"))
            elif not isinstance(ts, str):
                self.error(
                    pointer_join(loc, "Timestamp"), f'"Timestamp" must be an ISO-8601 string, got {_type_name(ts)}'
                )
            else:
                from sfnkit.asl.timestamps import parse_timestamp

                if parse_timestamp(ts) is None:
                    self.error(
                        pointer_join(loc, "Timestamp"),
                        f'"Timestamp" {_short(ts)} is not an ISO-8601 date-time such as "2026-01-31T12:00:00Z"',
                    )
            c["timestamp"] = ts if isinstance(ts, str) else None
        if ql == "JSONPath":
            c["seconds_path"] = self.get_path(d, "SecondsPath", loc, default=None, nullable=False)
            c["timestamp_path"] = self.get_path(d, "TimestampPath", loc, default=None, nullable=False)
        return make(m.WaitState, c)

    def s_succeed(self, d: Mapping[str, Any], loc: str, ql: str, c: dict[str, Any]) -> m.State:
        return make(m.SucceedState, c)

    def s_fail(self, d: Mapping[str, Any], loc: str, ql: str, c: dict[str, Any]) -> m.State:
        for key, path_key, attr, path_attr in _FAIL_FIELDS:
            if key in d and path_key in d:
                self.error(loc, f'a Fail state cannot have both "{key}" and "{path_key}"')
            v = self.get_str(d, key, loc)
            if v is not None and ql == "JSONata" and is_jsonata(v):
                self.check_jsonata(v, pointer_join(loc, key))
            c[attr] = v
            if path_key in d:
                pv = d[path_key]
                if not isinstance(pv, str):
                    self.error(pointer_join(loc, path_key), f'"{path_key}" must be a string, got {_type_name(pv)}')
                else:
                    from sfnkit.asl import intrinsics

                    if intrinsics.is_intrinsic(pv):
                        try:
                            intrinsics.compile_intrinsic(pv)
                        except intrinsics.IntrinsicSyntaxError as e:
                            self.error(pointer_join(loc, path_key), str(e), INVALID_INTRINSIC_FUNCTION)
                    else:
                        self.check_path(pv, pointer_join(loc, path_key), reference=False)
                    c[path_attr] = pv
        return make(m.FailState, c)

    def s_parallel(self, d: Mapping[str, Any], loc: str, ql: str, c: dict[str, Any]) -> m.State:
        self.result_fields(d, loc, ql, c)
        self.errors_fields(d, loc, ql, c)
        branches: list[m.Body] = []
        raw = d.get("Branches")
        if "Branches" not in d:
            self.error(loc, 'missing required field "Branches" in a Parallel state')
        elif not isinstance(raw, list) or not raw:
            self.error(
                pointer_join(loc, "Branches"), '"Branches" must be a non-empty array of {"StartAt", "States"} objects'
            )
        else:
            for i, bd in enumerate(raw):
                bl = pointer_join(loc, "Branches", i)
                if not isinstance(bd, dict):
                    self.error(bl, f"a branch must be an object with StartAt and States, got {_type_name(bd)}")
                    continue
                self.unknown_fields(bd, BODY_FIELDS, bl, "a Parallel branch")
                b = self.body(bd, bl, self.query_language(bd, bl, ql), "a Parallel branch")
                if b is not None:
                    branches.append(b)
        c["branches"] = tuple(branches)
        return make(m.ParallelState, c)

    def s_map(self, d: Mapping[str, Any], loc: str, ql: str, c: dict[str, Any]) -> m.State:
        self.result_fields(d, loc, ql, c, parameters=False)
        self.errors_fields(d, loc, ql, c)
        if ql == "JSONPath":
            c["items_path"] = self.get_path(d, "ItemsPath", loc, reference=True, nullable=False)
            for key in ("ItemSelector", "Parameters"):
                if key in d:
                    self.check_template(d[key], pointer_join(loc, key))
                    c["item_selector"] = d[key]
            if "ItemSelector" in d and "Parameters" in d:
                self.error(loc, 'a Map state cannot have both "ItemSelector" and its legacy name "Parameters"')
        else:
            if "Items" in d:
                items = d["Items"]
                if is_jsonata(items):
                    self.check_jsonata(items, pointer_join(loc, "Items"))
                elif not isinstance(items, list):
                    self.error(
                        pointer_join(loc, "Items"), '"Items" must be an array or a JSONata expression "{% ... %}"'
                    )
                c["items"] = items
            if "ItemSelector" in d:
                self.check_jsonata_tree(d["ItemSelector"], pointer_join(loc, "ItemSelector"))
                c["item_selector"] = d["ItemSelector"]
        proc_key = "ItemProcessor" if "ItemProcessor" in d else "Iterator" if "Iterator" in d else None
        if "ItemProcessor" in d and "Iterator" in d:
            self.error(loc, 'a Map state cannot have both "ItemProcessor" and its legacy name "Iterator"')
        if proc_key is None:
            self.error(loc, 'missing required field "ItemProcessor" in a Map state')
        else:
            pd = d[proc_key]
            pl = pointer_join(loc, proc_key)
            if not isinstance(pd, dict):
                self.error(pl, f'"{proc_key}" must be an object with StartAt and States, got {_type_name(pd)}')
            else:
                self.unknown_fields(pd, PROCESSOR_FIELDS, pl, f"a Map {proc_key}")
                mode, etype = "INLINE", None
                cfg = pd.get("ProcessorConfig")
                if cfg is not None:
                    cl = pointer_join(pl, "ProcessorConfig")
                    if not isinstance(cfg, dict):
                        self.error(cl, '"ProcessorConfig" must be an object')
                    else:
                        self.unknown_fields(cfg, PROCESSOR_CONFIG_FIELDS, cl, "ProcessorConfig")
                        mode = cfg.get("Mode", "INLINE")
                        if mode not in ("INLINE", "DISTRIBUTED"):
                            self.error(
                                pointer_join(cl, "Mode"),
                                f'"Mode" must be "INLINE" or "DISTRIBUTED", got {_short(mode)}',
                            )
                            mode = "INLINE"
                        etype = cfg.get("ExecutionType")
                        if etype is not None and etype not in ("STANDARD", "EXPRESS"):
                            self.error(
                                pointer_join(cl, "ExecutionType"),
                                f'"ExecutionType" must be "STANDARD" or "EXPRESS", got {_short(etype)}',
                            )
                        if mode == "DISTRIBUTED" and etype is None:
                            self.error(cl, 'a DISTRIBUTED Map needs "ExecutionType": "STANDARD" or "EXPRESS"')
                c["processor"] = self.body(
                    pd,
                    pl,
                    self.query_language(pd, pl, ql),
                    f"a Map {proc_key}",
                    processor_mode=mode,
                    execution_type=etype,
                )
        distributed = c.get("processor") is not None and c["processor"].processor_mode == "DISTRIBUTED"
        for key, allowed in (
            ("ItemReader", ITEM_READER_FIELDS),
            ("ItemBatcher", ITEM_BATCHER_FIELDS),
            ("ResultWriter", RESULT_WRITER_FIELDS),
        ):
            if key not in d:
                continue
            v = d[key]
            kl = pointer_join(loc, key)
            if not isinstance(v, dict):
                self.error(kl, f'"{key}" must be an object, got {_type_name(v)}')
                continue
            if not distributed:
                self.error(kl, f'"{key}" is only allowed in a DISTRIBUTED Map (ItemProcessor.ProcessorConfig.Mode)')
            self.unknown_fields(v, allowed, kl, key)
            if key in ("ItemReader", "ResultWriter"):
                if "Resource" in v:
                    resource = self.get_str(v, "Resource", kl)
                    if resource is not None and not resource.startswith("arn:"):
                        self.error(
                            pointer_join(kl, "Resource"),
                            f'"Resource" must be an ARN (arn:aws:states:::s3:...), got {_short(resource)}',
                        )
                self.map_io_template(v, kl, ql)
            if key == "ItemReader":
                if "Resource" not in v:
                    self.error(kl, 'missing required field "Resource" in ItemReader')
                rc = v.get("ReaderConfig")
                rcl = pointer_join(kl, "ReaderConfig")
                if "ReaderConfig" in v and not isinstance(rc, dict):
                    self.error(rcl, f'"ReaderConfig" must be an object, got {_type_name(rc)}')
                if isinstance(rc, dict):
                    self.unknown_fields(rc, READER_CONFIG_FIELDS, rcl, "ReaderConfig")
                    self.get_int(rc, "MaxItems", rcl, minimum=0, maximum=100_000_000, jsonata_ok=ql == "JSONata")
                    if ql == "JSONPath":
                        self.get_path(rc, "MaxItemsPath", rcl, default=None, nullable=False)
                    elif "MaxItemsPath" in rc:
                        self.error(
                            pointer_join(rcl, "MaxItemsPath"),
                            '"MaxItemsPath" is only allowed in JSONPath states; use "MaxItems" with a JSONata expression',
                        )
                    if "MaxItems" in rc and "MaxItemsPath" in rc:
                        self.error(rcl, 'ReaderConfig cannot have both "MaxItems" and "MaxItemsPath"')
            if key == "ItemBatcher":
                if not any(
                    k in v
                    for k in (
                        "MaxItemsPerBatch",
                        "MaxItemsPerBatchPath",
                        "MaxInputBytesPerBatch",
                        "MaxInputBytesPerBatchPath",
                    )
                ):
                    self.error(
                        kl, "ItemBatcher needs MaxItemsPerBatch, MaxInputBytesPerBatch or one of their Path forms"
                    )
                self.get_int(v, "MaxItemsPerBatch", kl, minimum=1, jsonata_ok=ql == "JSONata")
                self.get_int(v, "MaxInputBytesPerBatch", kl, minimum=1, maximum=262144, jsonata_ok=ql == "JSONata")
                for base, pk in (
                    ("MaxItemsPerBatch", "MaxItemsPerBatchPath"),
                    ("MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath"),
                ):
                    if ql == "JSONPath":
                        self.get_path(v, pk, kl, default=None, nullable=False)
                    elif pk in v:
                        self.error(
                            pointer_join(kl, pk),
                            f'"{pk}" is only allowed in JSONPath states; use "{base}" with a JSONata expression',
                        )
                    if pk in v and base in v:
                        self.error(kl, f'ItemBatcher cannot have both "{base}" and "{pk}"')
                if "BatchInput" in v:
                    bl = pointer_join(kl, "BatchInput")
                    if ql == "JSONPath":
                        if not isinstance(v["BatchInput"], dict):
                            self.error(bl, f'"BatchInput" must be an object, got {_type_name(v["BatchInput"])}')
                        self.check_template(v["BatchInput"], bl)
                    else:
                        self.check_jsonata_tree(v["BatchInput"], bl)
            if key == "ResultWriter" and "Resource" not in v and "WriterConfig" not in v:
                self.error(kl, 'ResultWriter needs "Resource" or "WriterConfig"')
            if key == "ResultWriter" and "WriterConfig" in v and not isinstance(v["WriterConfig"], dict):
                self.error(
                    pointer_join(kl, "WriterConfig"),
                    f'"WriterConfig" must be an object, got {_type_name(v["WriterConfig"])}',
                )
            c[_MAP_CONFIG_ATTRS[key]] = v
        jn = ql == "JSONata"
        c["max_concurrency"] = self.get_int(d, "MaxConcurrency", loc, minimum=0, jsonata_ok=jn)
        c["tolerated_failure_count"] = self.get_int(d, "ToleratedFailureCount", loc, minimum=0, jsonata_ok=jn)
        if "ToleratedFailurePercentage" in d:
            v = d["ToleratedFailurePercentage"]
            if jn and is_jsonata(v):
                self.check_jsonata(v, pointer_join(loc, "ToleratedFailurePercentage"))
            elif not isinstance(v, int | float) or isinstance(v, bool) or not 0 <= v <= 100:
                self.error(
                    pointer_join(loc, "ToleratedFailurePercentage"),
                    f'"ToleratedFailurePercentage" must be a number from 0 to 100, got {_short(v)}',
                )
            c["tolerated_failure_percentage"] = v
        if not jn:
            for base, key, attr in _MAP_PATHS:
                c[attr] = self.get_path(d, key, loc, default=None, nullable=False)
                if key in d and base in d:
                    self.error(loc, f'a Map state cannot have both "{base}" and "{key}"')
        label = self.get_str(d, "Label", loc)
        if label is not None and (len(label) > 40 or any(ch in label for ch in ' <>{}[]?*"#%\\^|~`$&,;:/')):
            self.error(
                pointer_join(loc, "Label"),
                '"Label" must be at most 40 characters with no spaces or special characters',
                INVALID_LABEL_NAME,
            )
        c["label"] = label
        return make(m.MapState, c)

    def map_io_template(self, v: Mapping[str, Any], kl: str, ql: str) -> None:
        """``Parameters`` (JSONPath) or ``Arguments`` (JSONata) of an ItemReader or a ResultWriter: an object,
        checked as every other payload template is (the run evaluates it as one)."""
        key, other = ("Parameters", "Arguments") if ql == "JSONPath" else ("Arguments", "Parameters")
        if other in v:
            self.error(
                pointer_join(kl, other),
                f'"{other}" is only allowed in {"JSONata" if other == "Arguments" else "JSONPath"} '
                f'states; this Map uses {ql}, so use "{key}"',
            )
        if key not in v:
            return
        value, where = v[key], pointer_join(kl, key)
        if ql == "JSONPath":
            if not isinstance(value, dict):
                self.error(where, f'"{key}" must be an object, got {_type_name(value)}')
            self.check_template(value, where)
        else:
            if not isinstance(value, dict) and not is_jsonata(value):
                self.error(
                    where, f'"{key}" must be an object or a JSONata expression "{{% ... %}}", got {_type_name(value)}'
                )
            self.check_jsonata_tree(value, where)

    # -- Retry and Catch ------------------------------------------------------------------------------------
    def errors_fields(self, d: Mapping[str, Any], loc: str, ql: str, c: dict[str, Any]) -> None:
        c["retry"] = tuple(self.retriers(d.get("Retry"), pointer_join(loc, "Retry"))) if "Retry" in d else ()
        c["catch"] = tuple(self.catchers(d.get("Catch"), pointer_join(loc, "Catch"), ql)) if "Catch" in d else ()

    def error_equals(self, d: Mapping[str, Any], loc: str, index: int, count: int, what: str) -> tuple[str, ...]:
        ee = d.get("ErrorEquals")
        if "ErrorEquals" not in d:
            self.error(loc, f'missing required field "ErrorEquals" in a {what}')
            return ()
        if not isinstance(ee, list) or not ee or not all(isinstance(x, str) for x in ee):
            self.error(pointer_join(loc, "ErrorEquals"), '"ErrorEquals" must be a non-empty array of error names')
            return ()
        if ALL in ee:
            if len(ee) != 1:
                self.error(pointer_join(loc, "ErrorEquals"), f'"{ALL}" must appear alone in "ErrorEquals"')
            if index != count - 1:
                self.error(pointer_join(loc, "ErrorEquals"), f'a {what} with "{ALL}" must be the last one')
        return tuple(ee)

    def retriers(self, raw: Any, loc: str) -> list[m.Retrier]:
        out: list[m.Retrier] = []
        if not isinstance(raw, list):
            self.error(loc, f'"Retry" must be an array of retriers, got {_type_name(raw)}')
            return out
        for i, rd in enumerate(raw):
            rl = pointer_join(loc, i)
            if not isinstance(rd, dict):
                self.error(rl, f"a retrier must be an object, got {_type_name(rd)}")
                continue
            self.unknown_fields(rd, RETRY_FIELDS, rl, "a retrier")
            ee = self.error_equals(rd, rl, i, len(raw), "retrier")
            kw: dict[str, Any] = {"location": rl, "error_equals": ee, "comment": self.get_str(rd, "Comment", rl)}
            iv = self.get_int(rd, "IntervalSeconds", rl, minimum=1)
            if iv is not None:
                kw["interval_seconds"] = iv
            ma = self.get_int(rd, "MaxAttempts", rl, minimum=0)
            if ma is not None:
                kw["max_attempts"] = ma
                if ma == 0:
                    self.warning(
                        pointer_join(rl, "MaxAttempts"),
                        '"MaxAttempts": 0 means this retrier never retries; remove it or raise MaxAttempts',
                        RETRY_NEVER_RETRIES,
                    )
            if "BackoffRate" in rd:
                br = rd["BackoffRate"]
                if not isinstance(br, int | float) or isinstance(br, bool) or not 1.0 <= br <= MAX_INT:
                    self.error(
                        pointer_join(rl, "BackoffRate"),
                        f'"BackoffRate" must be a number of at least 1.0, got {_short(br)}',
                    )
                else:
                    kw["backoff_rate"] = float(br)
            md = self.get_int(rd, "MaxDelaySeconds", rl, minimum=1, maximum=31622400)
            if md is not None:
                kw["max_delay_seconds"] = md
            if "JitterStrategy" in rd:
                js = rd["JitterStrategy"]
                if js not in JITTER:
                    self.error(
                        pointer_join(rl, "JitterStrategy"),
                        f'"JitterStrategy" must be "FULL" or "NONE", got {_short(js)}',
                    )
                else:
                    kw["jitter_strategy"] = js
            out.append(make(m.Retrier, kw))
        return out

    def catchers(self, raw: Any, loc: str, ql: str) -> list[m.Catcher]:
        out: list[m.Catcher] = []
        if not isinstance(raw, list):
            self.error(loc, f'"Catch" must be an array of catchers, got {_type_name(raw)}')
            return out
        allowed = CATCH_FIELDS - ({"Output"} if ql == "JSONPath" else {"ResultPath"})
        for i, cd in enumerate(raw):
            cl = pointer_join(loc, i)
            if not isinstance(cd, dict):
                self.error(cl, f"a catcher must be an object, got {_type_name(cd)}")
                continue
            self.unknown_fields(cd, allowed, cl, "a catcher", other_ql=CATCH_FIELDS - allowed, ql=ql)
            ee = self.error_equals(cd, cl, i, len(raw), "catcher")
            kw: dict[str, Any] = {"location": cl, "error_equals": ee, "comment": self.get_str(cd, "Comment", cl)}
            kw["next"] = self.get_str(cd, "Next", cl, required=True, what=" in a catcher") or ""
            if ql == "JSONPath":
                kw["result_path"] = self.get_path(cd, "ResultPath", cl, into_data=True)
                kw["result_path_given"] = "ResultPath" in cd
            elif "Output" in cd:
                self.check_jsonata_tree(cd["Output"], pointer_join(cl, "Output"), STATES_IN_CATCH)
                kw["output"] = cd["Output"]
            if "Assign" in cd:
                kw["assign"] = self.check_assign(cd["Assign"], pointer_join(cl, "Assign"), ql, STATES_IN_CATCH)
            out.append(make(m.Catcher, kw))
        return out


def _available(state_type: str) -> frozenset[str]:
    """The ``$states`` fields a state's Output and Assign can read."""
    return STATES_WITH_RESULT if state_type in ("Task", "Parallel", "Map") else STATES_ALWAYS


def _valid_variable_name(name: str) -> bool:
    return (
        0 < len(name) <= 80
        and not name[0].isdigit()
        and all(ch.isalnum() or ch == "_" for ch in name)
        and name != "states"
    )


def _ql_hint(key: str, ql: str | None) -> str:
    if ql == "JSONata":
        replacement = {
            "Parameters": "Arguments",
            "ResultSelector": "Output",
            "ResultPath": "Output",
            "InputPath": "Arguments",
            "OutputPath": "Output",
            "ItemsPath": "Items",
            "Result": "Output",
        }.get(key)
        if replacement:
            return f'; use "{replacement}" with a {{% %}} expression'
        if key.endswith("Path"):
            return f'; use "{key[:-4]}" with a {{% %}} expression'
    elif key in ("Arguments", "Output", "Items"):
        return '; add "QueryLanguage": "JSONata" to the state to use it'
    return ""


def _short(v: Any) -> str:
    import json

    try:
        text = json.dumps(v)
    except (TypeError, ValueError):
        text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _fields_for(typ: str, ql: str) -> tuple[frozenset[str], frozenset[str]]:
    """The fields a ``typ`` state may have in query language ``ql``, and those it may have only in the other one."""
    foreign = JSONATA_ONLY if ql == "JSONPath" else JSONPATH_ONLY
    return frozenset(FIELDS[typ] - foreign), frozenset(FIELDS[typ] & foreign)


_FIELDS_FOR = {(typ, ql): _fields_for(typ, ql) for typ in FIELDS for ql in QUERY_LANGUAGES}


def pointer_join(base: str, *parts: str | int) -> str:
    return base + pointer(*parts)


# The model's attribute for each ASL field that the builders read in a loop.
_TASK_TIMES = (
    ("TimeoutSeconds", "TimeoutSecondsPath", "timeout_seconds", "timeout_seconds_path"),
    ("HeartbeatSeconds", "HeartbeatSecondsPath", "heartbeat_seconds", "heartbeat_seconds_path"),
)
_FAIL_FIELDS = (("Error", "ErrorPath", "error", "error_path"), ("Cause", "CausePath", "cause", "cause_path"))
_MAP_CONFIG_ATTRS = {"ItemReader": "item_reader", "ItemBatcher": "item_batcher", "ResultWriter": "result_writer"}
_MAP_PATHS = (
    ("MaxConcurrency", "MaxConcurrencyPath", "max_concurrency_path"),
    ("ToleratedFailureCount", "ToleratedFailureCountPath", "tolerated_failure_count_path"),
    ("ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "tolerated_failure_percentage_path"),
)
# The builder of each state type.
_BUILDERS: dict[str, Callable[[Builder, Mapping[str, Any], str, str, dict[str, Any]], m.State]] = {
    "Pass": Builder.s_pass,
    "Task": Builder.s_task,
    "Choice": Builder.s_choice,
    "Wait": Builder.s_wait,
    "Succeed": Builder.s_succeed,
    "Fail": Builder.s_fail,
    "Parallel": Builder.s_parallel,
    "Map": Builder.s_map,
}


def build(value: Any) -> tuple[m.StateMachine | None, list[Diagnostic]]:
    """Build the model from a JSON value; returns the model (None when unusable) and the diagnostics."""
    b = Builder()
    try:
        sm = b.machine(value)
    except RecursionError:
        b.error("", "the definition is nested too deeply")
        sm = None
    return sm, b.diagnostics
