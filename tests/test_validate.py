"""``sfnkit.validate``: one row per way a definition can be wrong, with the diagnostic it must produce.

Each row gives the definition, the expected code, the JSON Pointer location and a fragment of the message (and,
for text sources, the line and column). A row passes when *some* diagnostic matches all of them; other
diagnostics may come with it (a dangling ``Next`` also leaves a state unreachable, as on AWS).

Codes follow AWS's ``ValidateStateMachineDefinition`` where AWS has one (``SCHEMA_VALIDATION_FAILED``,
``MISSING_TRANSITION_TARGET``, ``MISSING_END_STATE``, ``DUPLICATE_STATE_NAME``, ``INVALID_STATE_NAME``, ...);
``SFNKIT_INVALID_JSON_PATH``, ``SFNKIT_INVALID_INTRINSIC_FUNCTION``, ``SFNKIT_INVALID_JSONATA`` and ``SFNKIT_INVALID_QUERY_LANGUAGE`` are
sfnkit's finer names for what AWS reports as schema errors; ``SFNKIT_*`` codes are warnings AWS does not give.

The second half lists definitions AWS *accepts*: sfnkit may warn about them but must never report an ERROR.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import sfnkit
from sfnkit.asl import diagnostics as codes

LAMBDA = "arn:aws:lambda:us-east-1:111111111111:function:f"
PASS_END: dict[str, Any] = {"Type": "Pass", "End": True}


# -- builders: small definitions that differ from a valid one in exactly one place ---------------------------------
def machine(states: dict[str, Any], start: str | None = None, **top: Any) -> dict[str, Any]:
    return {"StartAt": start if start is not None else next(iter(states)), "States": states, **top}


def one(state: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A machine whose only state is ``S``."""
    return machine({"S": state}, **top)


def task(**fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": LAMBDA, "End": True, **fields}


def retry(**fields: Any) -> dict[str, Any]:
    """A Task ``S`` with one retrier (ErrorEquals ["X"] unless given)."""
    return one(task(Retry=[{"ErrorEquals": ["X"], **fields}]))


def choice(*rules: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A Choice ``C`` whose rules and Default lead to the terminal Pass ``B``."""
    return machine({"C": {"Type": "Choice", "Choices": list(rules), **fields}, "B": PASS_END})


def rule(**fields: Any) -> dict[str, Any]:
    return {"Variable": "$.x", "Next": "B", **fields}


def jsonata(state: dict[str, Any]) -> dict[str, Any]:
    return one({**state, "QueryLanguage": "JSONata"})


def processor(**extra: Any) -> dict[str, Any]:
    return {"StartAt": "X", "States": {"X": PASS_END}, **extra}


def map_state(**fields: Any) -> dict[str, Any]:
    return one({"Type": "Map", "End": True, "ItemProcessor": processor(), **fields})


def distributed_map(**fields: Any) -> dict[str, Any]:
    cfg = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}}
    return one({"Type": "Map", "End": True, "ItemProcessor": processor(**cfg), **fields})


def parallel(*branches: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"Type": "Parallel", "End": True, "Branches": list(branches), **fields}


def pass_with(**fields: Any) -> dict[str, Any]:
    return one({"Type": "Pass", "End": True, **fields})


@dataclass(frozen=True)
class Row:
    id: str
    definition: Any
    code: str
    location: str
    fragment: str
    line: int | None = None
    column: int | None = None
    severity: str = "ERROR"


SCHEMA = codes.SCHEMA_VALIDATION_FAILED
JSON_DESC = codes.INVALID_JSON_DESCRIPTION
TARGET = codes.MISSING_TRANSITION_TARGET
PATH = codes.INVALID_JSON_PATH
INTRINSIC = codes.INVALID_INTRINSIC_FUNCTION
JSONATA = codes.INVALID_JSONATA
QL = codes.INVALID_QUERY_LANGUAGE

BROKEN_JSON = '{\n  "StartAt": "A",\n  "States": {\n    "A": {"Type": "Pass" "End": true}\n  }\n}'
TRAILING_COMMA = '{\n  "StartAt": "A",\n  "States": {"A": {"Type": "Pass", "End": true},}\n}'
BROKEN_YAML = "StartAt: A\nStates:\n  A: {Type: Pass\n  B: x\n"
TAB_YAML = "StartAt: A\nStates:\n\tA: {Type: Pass, End: true}\n"
UNCLOSED_STRING = '{"StartAt": "A", "States": {"A": {"Type": "Pass, "End": true}}}'
TEXT_WITH_TYPO = '{\n  "StartAt": "A",\n  "States": {\n    "A": {\n      "Type": "Pass",\n      "Nxt": "A",\n      "End": true\n    }\n  }\n}'
YAML_WITH_TYPO = "StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n    Resultpath: $.x\n"

ROWS: list[Row] = [
    # -- malformed text: line and column -------------------------------------------------------------------------
    Row("json-missing-comma", BROKEN_JSON, JSON_DESC, "", "malformed JSON: Expecting ',' delimiter", 4, 26),
    Row("json-trailing-comma", TRAILING_COMMA, JSON_DESC, "", "malformed JSON", 3, 49),
    Row("json-unclosed-string", UNCLOSED_STRING, JSON_DESC, "", "malformed JSON", 1, 51),
    Row(
        "json-nan",
        '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Result": NaN}}}',
        JSON_DESC,
        "/States/A/Result",
        "not a JSON number",
        1,
        64,
    ),
    Row("yaml-unclosed-flow", BROKEN_YAML, JSON_DESC, "", "malformed YAML", 4, 4),
    Row("yaml-tab", TAB_YAML, JSON_DESC, "", "malformed YAML: found character '\\t'", 3, 1),
    Row(
        "yaml-non-scalar-key",
        "StartAt: A\nStates:\n  A: {Type: Pass, End: true, Result: {[1, 2]: x}}\n",
        JSON_DESC,
        "",
        "not a plain value",
        3,
        39,
    ),
    Row(
        "yaml-binary",
        "StartAt: A\nStates:\n  A: {Type: Pass, End: true, Result: !!binary aGVsbG8=}\n",
        JSON_DESC,
        "/States/A/Result",
        "bytes is not a JSON value",
        3,
        30,
    ),
    Row(
        "yaml-self-reference",
        "StartAt: A\nStates:\n  A: &a {Type: Pass, End: true, Result: [*a]}\n",
        JSON_DESC,
        "/States/A/Result/0",
        "contains itself",
    ),
    Row("yaml-scalar", "just words", JSON_DESC, "", "neither a JSON object nor a YAML mapping"),
    Row("json-array", "[1, 2]", SCHEMA, "", "must be a JSON object, got array", 1, 1),
    Row("json-null", "null", SCHEMA, "", "must be a JSON object, got null"),
    Row("not-a-source", 42, JSON_DESC, "", "got int"),
    Row("dict-int-key", {"StartAt": "A", "States": {"A": {**PASS_END, 3: 1}}}, JSON_DESC, "/States/A", "key 3"),
    Row("missing-file", "does/not/exist.asl.json", JSON_DESC, "", "cannot read"),
    # positions of diagnostics found after parsing
    Row("json-position-of-typo", TEXT_WITH_TYPO, SCHEMA, "/States/A/Nxt", 'did you mean "Next"?', 6, 7),
    Row("yaml-position-of-typo", YAML_WITH_TYPO, SCHEMA, "/States/A/Resultpath", 'did you mean "ResultPath"?', 6, 5),
    # -- top level -------------------------------------------------------------------------------------------------
    Row("top-unknown-field", one(PASS_END, Startat="S"), SCHEMA, "/Startat", 'did you mean "StartAt"?'),
    Row("top-missing-startat", {"States": {"A": PASS_END}}, SCHEMA, "", 'missing required field "StartAt"'),
    Row(
        "top-startat-not-string",
        {"StartAt": 1, "States": {"A": PASS_END}},
        SCHEMA,
        "/StartAt",
        "must be a string, got number",
    ),
    Row("top-missing-states", {"StartAt": "A"}, SCHEMA, "", 'missing required field "States"'),
    Row("top-states-array", {"StartAt": "A", "States": []}, SCHEMA, "/States", "must be an object, got array"),
    Row("top-states-empty", {"StartAt": "A", "States": {}}, SCHEMA, "/States", "at least one state"),
    Row("top-timeout-negative", one(PASS_END, TimeoutSeconds=-5), SCHEMA, "/TimeoutSeconds", "between 0 and 99999999"),
    Row("top-version-number", one(PASS_END, Version=1), SCHEMA, "/Version", "must be a string"),
    Row("top-comment-number", one(PASS_END, Comment=7), SCHEMA, "/Comment", "must be a string"),
    # -- states: common fields ---------------------------------------------------------------------------------
    Row("state-not-object", one([]), SCHEMA, "/States/S", "must be an object, got array"),
    Row("state-missing-type", one({"End": True}), SCHEMA, "/States/S", 'missing required field "Type"'),
    Row("state-type-typo", one({"Type": "Pas", "End": True}), SCHEMA, "/States/S/Type", 'did you mean "Pass"?'),
    Row("state-type-number", one({"Type": 3, "End": True}), SCHEMA, "/States/S/Type", "allowed: Pass, Task"),
    Row(
        "state-unknown-field",
        pass_with(Nxt="S"),
        SCHEMA,
        "/States/S/Nxt",
        'unknown field "Nxt" in a Pass state; did you mean "Next"?',
    ),
    Row("state-unknown-field-no-match", pass_with(Zzz=1), SCHEMA, "/States/S/Zzz", "allowed: Assign, Comment, End"),
    Row(
        "state-name-too-long",
        machine({"A" * 81: PASS_END}),
        codes.INVALID_STATE_NAME,
        "/States/" + "A" * 81,
        "1 to 80 characters",
    ),
    Row("state-name-empty", machine({"": PASS_END}), codes.INVALID_STATE_NAME, "/States/", "1 to 80 characters"),
    Row("retry-on-pass", pass_with(Retry=[]), SCHEMA, "/States/S/Retry", 'unknown field "Retry" in a Pass state'),
    Row(
        "timeout-on-parallel",
        one(parallel(processor(), TimeoutSeconds=3)),
        SCHEMA,
        "/States/S/TimeoutSeconds",
        "in a Parallel state",
    ),
    Row("comment-not-string", pass_with(Comment=[]), SCHEMA, "/States/S/Comment", "must be a string, got array"),
    # -- Next / End -------------------------------------------------------------------------------------------------
    Row(
        "next-and-end",
        machine({"A": {"Type": "Pass", "Next": "B", "End": True}, "B": PASS_END}),
        SCHEMA,
        "/States/A",
        'both "Next" and "End"',
    ),
    Row(
        "neither-next-nor-end",
        one({"Type": "Pass"}),
        SCHEMA,
        "/States/S",
        'needs "Next" (the state to go to) or "End": true',
    ),
    Row("end-false-alone", one({"Type": "Pass", "End": False}), SCHEMA, "/States/S", 'needs "Next"'),
    Row("end-not-boolean", one({"Type": "Pass", "End": "yes"}), SCHEMA, "/States/S/End", '"End" must be true or false'),
    Row("next-not-string", one({"Type": "Pass", "Next": 3}), SCHEMA, "/States/S/Next", '"Next" must be a string'),
    Row(
        "choice-with-end",
        machine({"C": {"Type": "Choice", "End": True, "Choices": [rule(IsPresent=True)]}, "B": PASS_END}),
        SCHEMA,
        "/States/C/End",
        'a Choice state cannot have "End"',
    ),
    Row("succeed-with-next", machine({"A": {"Type": "Succeed", "Next": "A"}}), SCHEMA, "/States/A/Next", "terminal"),
    Row("fail-with-end", one({"Type": "Fail", "End": True}), SCHEMA, "/States/S/End", "a Fail state is terminal"),
    # -- transitions: targets that do not exist -------------------------------------------------------------------
    Row("startat-missing-target", machine({"A": PASS_END}, start="B"), TARGET, "/StartAt", '"StartAt" points at "B"'),
    Row("startat-typo", machine({"Begin": PASS_END}, start="Begn"), TARGET, "/StartAt", 'did you mean "Begin"?'),
    Row(
        "next-missing-target",
        machine({"A": {"Type": "Pass", "Next": "C"}, "B": PASS_END}),
        TARGET,
        "/States/A/Next",
        '"Next" points at "C", which is not a state',
    ),
    Row(
        "default-missing-target",
        choice(rule(IsPresent=True), Default="Z"),
        TARGET,
        "/States/C/Default",
        '"Default" points at "Z"',
    ),
    Row(
        "choice-next-missing-target",
        choice({"Variable": "$.x", "IsPresent": True, "Next": "Nowhere"}),
        TARGET,
        "/States/C/Choices/0/Next",
        '"Next" points at "Nowhere"',
    ),
    Row(
        "catch-missing-target",
        one(task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Z"}])),
        TARGET,
        "/States/S/Catch/0/Next",
        '"Next" points at "Z"',
    ),
    Row(
        "branch-startat-missing",
        one(parallel({"StartAt": "Q", "States": {"X": PASS_END}})),
        TARGET,
        "/States/S/Branches/0/StartAt",
        'which is not a state in branch 0 of Parallel state "S"',
    ),
    Row(
        "processor-startat-missing",
        map_state(ItemProcessor={"StartAt": "Q", "States": {"X": PASS_END}}),
        TARGET,
        "/States/S/ItemProcessor/StartAt",
        'the ItemProcessor of Map state "S"',
    ),
    # -- transitions out of a Parallel branch or a Map processor ----------------------------------------------------
    Row(
        "branch-escape",
        machine({"P": parallel({"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Out"}}}), "Out": PASS_END}),
        TARGET,
        "/States/P/Branches/0/States/X/Next",
        "transitions cannot leave a Parallel branch or a Map processor",
    ),
    Row(
        "map-escape",
        machine(
            {
                "M": {
                    "Type": "Map",
                    "End": True,
                    "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Out"}}},
                },
                "Out": PASS_END,
            }
        ),
        TARGET,
        "/States/M/ItemProcessor/States/X/Next",
        "defined outside the ItemProcessor",
    ),
    Row(
        "catch-escape-from-branch",
        machine(
            {
                "P": parallel(
                    {"StartAt": "X", "States": {"X": task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Out"}])}}
                ),
                "Out": PASS_END,
            }
        ),
        TARGET,
        "/States/P/Branches/0/States/X/Catch/0/Next",
        "defined outside branch 0",
    ),
    Row(
        "branch-into-parent-startat",
        machine({"P": parallel({"StartAt": "P", "States": {"X": PASS_END}})}),
        TARGET,
        "/States/P/Branches/0/StartAt",
        "defined outside branch 0",
    ),
    # -- reachability and terminal states --------------------------------------------------------------------------
    Row(
        "unreachable-state", machine({"A": PASS_END, "B": PASS_END}), TARGET, "/States/B", 'state "B" is not reachable'
    ),
    Row(
        "unreachable-in-branch",
        one(parallel({"StartAt": "X", "States": {"X": PASS_END, "Y": PASS_END}})),
        TARGET,
        "/States/S/Branches/0/States/Y",
        'state "Y" is not reachable',
    ),
    Row(
        "no-terminal-state",
        machine({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}),
        codes.MISSING_END_STATE,
        "/States",
        "has no terminal state",
    ),
    Row(
        "no-terminal-in-processor",
        map_state(ItemProcessor={"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "X"}}}),
        codes.MISSING_END_STATE,
        "/States/S/ItemProcessor/States",
        'the ItemProcessor of Map state "S" has no terminal state',
    ),
    # -- duplicate names --------------------------------------------------------------------------------------------
    Row(
        "duplicate-name-in-branch",
        one(parallel({"StartAt": "S", "States": {"S": PASS_END}})),
        codes.DUPLICATE_STATE_NAME,
        "/States/S/Branches/0/States/S",
        'state name "S" is already used at /States/S',
    ),
    Row(
        "duplicate-name-across-branches",
        one(parallel({"StartAt": "X", "States": {"X": PASS_END}}, {"StartAt": "X", "States": {"X": PASS_END}})),
        codes.DUPLICATE_STATE_NAME,
        "/States/S/Branches/1/States/X",
        "/States/S/Branches/0/States/X",
    ),
    Row(
        "duplicate-name-in-processor",
        map_state(ItemProcessor={"StartAt": "S", "States": {"S": PASS_END}}),
        codes.DUPLICATE_STATE_NAME,
        "/States/S/ItemProcessor/States/S",
        "unique across the whole state machine",
    ),
    Row(
        "duplicate-map-label",
        machine(
            {
                "P": parallel(
                    {
                        "StartAt": "M1",
                        "States": {"M1": {"Type": "Map", "End": True, "Label": "L", "ItemProcessor": processor()}},
                    },
                    {
                        "StartAt": "M2",
                        "States": {
                            "M2": {
                                "Type": "Map",
                                "End": True,
                                "Label": "L",
                                "ItemProcessor": {"StartAt": "Y", "States": {"Y": PASS_END}},
                            }
                        },
                    },
                )
            }
        ),
        codes.DUPLICATE_LABEL_NAME,
        "/States/P/Branches/1/States/M2/Label",
        "already used",
    ),
    # -- Retry and Catch ---------------------------------------------------------------------------------------------
    Row(
        "retry-not-array",
        one(task(Retry={"ErrorEquals": ["X"]})),
        SCHEMA,
        "/States/S/Retry",
        "must be an array of retriers",
    ),
    Row("retrier-not-object", one(task(Retry=["X"])), SCHEMA, "/States/S/Retry/0", "a retrier must be an object"),
    Row(
        "retry-missing-errorequals",
        one(task(Retry=[{}])),
        SCHEMA,
        "/States/S/Retry/0",
        'missing required field "ErrorEquals"',
    ),
    Row("retry-empty-errorequals", retry(ErrorEquals=[]), SCHEMA, "/States/S/Retry/0/ErrorEquals", "non-empty array"),
    Row(
        "retry-errorequals-number",
        retry(ErrorEquals=[1]),
        SCHEMA,
        "/States/S/Retry/0/ErrorEquals",
        "array of error names",
    ),
    Row(
        "retry-all-not-alone",
        retry(ErrorEquals=["States.ALL", "X"]),
        SCHEMA,
        "/States/S/Retry/0/ErrorEquals",
        "must appear alone",
    ),
    Row(
        "retry-all-not-last",
        one(task(Retry=[{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}])),
        SCHEMA,
        "/States/S/Retry/0/ErrorEquals",
        'a retrier with "States.ALL" must be the last one',
    ),
    Row(
        "catch-all-not-last",
        machine(
            {
                "A": task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "B"}, {"ErrorEquals": ["X"], "Next": "B"}]),
                "B": PASS_END,
            }
        ),
        SCHEMA,
        "/States/A/Catch/0/ErrorEquals",
        'a catcher with "States.ALL" must be the last one',
    ),
    Row(
        "retry-backoff-below-one",
        retry(BackoffRate=0.5),
        SCHEMA,
        "/States/S/Retry/0/BackoffRate",
        "at least 1.0, got 0.5",
    ),
    Row("retry-backoff-string", retry(BackoffRate="2"), SCHEMA, "/States/S/Retry/0/BackoffRate", "at least 1.0"),
    Row(
        "retry-maxattempts-negative",
        retry(MaxAttempts=-1),
        SCHEMA,
        "/States/S/Retry/0/MaxAttempts",
        "between 0 and 99999999, got -1",
    ),
    Row(
        "retry-maxattempts-float", retry(MaxAttempts=1.5), SCHEMA, "/States/S/Retry/0/MaxAttempts", "must be an integer"
    ),
    Row(
        "retry-interval-zero",
        retry(IntervalSeconds=0),
        SCHEMA,
        "/States/S/Retry/0/IntervalSeconds",
        "between 1 and 99999999",
    ),
    Row(
        "retry-jitter-unknown",
        retry(JitterStrategy="HALF"),
        SCHEMA,
        "/States/S/Retry/0/JitterStrategy",
        '"FULL" or "NONE", got "HALF"',
    ),
    Row(
        "retry-maxdelay-zero",
        retry(MaxDelaySeconds=0),
        SCHEMA,
        "/States/S/Retry/0/MaxDelaySeconds",
        "between 1 and 31622400",
    ),
    Row(
        "retry-maxdelay-too-big",
        retry(MaxDelaySeconds=31622401),
        SCHEMA,
        "/States/S/Retry/0/MaxDelaySeconds",
        "got 31622401",
    ),
    Row(
        "retry-unknown-field",
        retry(MaxAttempt=3),
        SCHEMA,
        "/States/S/Retry/0/MaxAttempt",
        'did you mean "MaxAttempts"?',
    ),
    Row(
        "catch-missing-next",
        one(task(Catch=[{"ErrorEquals": ["States.ALL"]}])),
        SCHEMA,
        "/States/S/Catch/0",
        'missing required field "Next" in a catcher',
    ),
    Row("catch-not-array", one(task(Catch={})), SCHEMA, "/States/S/Catch", "must be an array of catchers"),
    # -- JSONPath syntax -------------------------------------------------------------------------------------------
    Row("inputpath-no-dollar", pass_with(InputPath="a.b"), PATH, "/States/S/InputPath", "must start with '$'"),
    Row("inputpath-script", pass_with(InputPath="$.a[("), PATH, "/States/S/InputPath", "^"),
    Row(
        "inputpath-not-string",
        pass_with(InputPath=3),
        SCHEMA,
        "/States/S/InputPath",
        "must be a JSONPath string or null",
    ),
    Row(
        "resultpath-wildcard",
        pass_with(ResultPath="$.a[*]"),
        PATH,
        "/States/S/ResultPath",
        "a Reference Path must select a single node",
    ),
    Row("outputpath-dangling-dot", pass_with(OutputPath="$."), PATH, "/States/S/OutputPath", "cannot end with '.'"),
    Row("itemspath-filter", map_state(ItemsPath="$.a[?(@.x > 1)]"), PATH, "/States/S/ItemsPath", "Reference Path"),
    Row("itemspath-null", map_state(ItemsPath=None), SCHEMA, "/States/S/ItemsPath", "cannot be null"),
    Row(
        "secondspath-bad",
        one({"Type": "Wait", "End": True, "SecondsPath": "$["}),
        PATH,
        "/States/S/SecondsPath",
        "unterminated '['",
    ),
    Row(
        "choice-variable-bad",
        choice(rule(Variable="x", IsPresent=True)),
        PATH,
        "/States/C/Choices/0/Variable",
        "must start with '$'",
    ),
    Row(
        "choice-operand-path-bad",
        choice(rule(StringEqualsPath="$.")),
        PATH,
        "/States/C/Choices/0/StringEqualsPath",
        "cannot end",
    ),
    Row("errorpath-bad", one({"Type": "Fail", "ErrorPath": "$.a b"}), PATH, "/States/S/ErrorPath", "bracket notation"),
    # -- payload templates ----------------------------------------------------------------------------------------
    Row(
        "template-non-string",
        pass_with(Parameters={"a.$": 3}),
        SCHEMA,
        "/States/S/Parameters/a.$",
        "must be a string holding a JSONPath",
    ),
    Row(
        "template-not-a-path", pass_with(Parameters={"a.$": "hello"}), SCHEMA, "/States/S/Parameters/a.$", "got 'hello'"
    ),
    Row(
        "template-bad-path",
        pass_with(Parameters={"a.$": "$.x[("}),
        PATH,
        "/States/S/Parameters/a.$",
        "is not a valid JSONPath",
    ),
    Row(
        "template-nested-bad-path",
        pass_with(Parameters={"outer": [{"in.$": "$$.["}]}),
        PATH,
        "/States/S/Parameters/outer/0/in.$",
        "is not a valid JSONPath",
    ),
    Row(
        "resultselector-bad-path",
        one(task(ResultSelector={"r.$": "$.."})),
        PATH,
        "/States/S/ResultSelector/r.$",
        "JSONPath",
    ),
    Row(
        "resultselector-array",
        one(task(ResultSelector=[1])),
        SCHEMA,
        "/States/S/ResultSelector",
        "must be an object, got array",
    ),
    Row(
        "itemselector-bad", map_state(ItemSelector={"v.$": 1}), SCHEMA, "/States/S/ItemSelector/v.$", "must be a string"
    ),
    Row("assign-bad-name", pass_with(Assign={"1x": 1}), SCHEMA, "/States/S/Assign/1x", "not a valid variable name"),
    Row("assign-not-object", pass_with(Assign=[1]), SCHEMA, "/States/S/Assign", '"Assign" must be an object'),
    Row("assign-bad-path", pass_with(Assign={"v.$": "$.a["}), PATH, "/States/S/Assign/v.$", "JSONPath"),
    # -- intrinsic functions (with a caret under the problem) ----------------------------------------------------------
    Row(
        "intrinsic-unclosed",
        pass_with(Parameters={"a.$": "States.Format('x', $.a"}),
        INTRINSIC,
        "/States/S/Parameters/a.$",
        "missing ')' to close States.Format( (at position 22)\n\n    States.Format('x', $.a\n                          ^",
    ),
    Row(
        "intrinsic-unknown",
        pass_with(Parameters={"a.$": "States.Fromat('x')"}),
        INTRINSIC,
        "/States/S/Parameters/a.$",
        "did you mean 'States.Format'?",
    ),
    Row(
        "intrinsic-in-fail-causepath",
        one({"Type": "Fail", "CausePath": "States.Format('{}'"}),
        INTRINSIC,
        "/States/S/CausePath",
        "^",
    ),
    # -- JSONata syntax -----------------------------------------------------------------------------------------------
    Row(
        "jsonata-unexpected-end",
        jsonata({"Type": "Pass", "End": True, "Output": "{% 1 + %}"}),
        JSONATA,
        "/States/S/Output",
        "Unexpected end of expression",
    ),
    Row(
        "jsonata-empty",
        jsonata({"Type": "Pass", "End": True, "Output": "{% %}"}),
        JSONATA,
        "/States/S/Output",
        "empty JSONata expression",
    ),
    Row(
        "jsonata-nested-in-arguments",
        jsonata(task(Arguments={"a": ["{% $states.input. %}"]})),
        JSONATA,
        "/States/S/Arguments/a/0",
        "invalid JSONata expression",
    ),
    Row(
        "jsonata-condition",
        machine(
            {
                "C": {"Type": "Choice", "QueryLanguage": "JSONata", "Choices": [{"Condition": "{% ( %}", "Next": "B"}]},
                "B": PASS_END,
            }
        ),
        JSONATA,
        "/States/C/Choices/0/Condition",
        "invalid JSONata expression",
    ),
    Row("jsonata-timeout", jsonata(task(TimeoutSeconds="{% $x + %}")), JSONATA, "/States/S/TimeoutSeconds", "JSONata"),
    Row(
        "jsonata-timeout-string",
        jsonata(task(TimeoutSeconds="10")),
        SCHEMA,
        "/States/S/TimeoutSeconds",
        'an integer or a JSONata expression "{% ... %}"',
    ),
    # -- fields of the other query language -----------------------------------------------------------------------
    Row(
        "jsonpath-field-in-jsonata",
        jsonata({"Type": "Pass", "End": True, "InputPath": "$"}),
        SCHEMA,
        "/States/S/InputPath",
        "only allowed in JSONPath states; this Pass state uses JSONata",
    ),
    Row("parameters-in-jsonata-task", jsonata(task(Parameters={})), SCHEMA, "/States/S/Parameters", 'use "Arguments"'),
    Row(
        "result-in-jsonata-pass",
        jsonata({"Type": "Pass", "End": True, "Result": 1}),
        SCHEMA,
        "/States/S/Result",
        'use "Output"',
    ),
    Row(
        "itemspath-in-jsonata-map",
        one({"Type": "Map", "End": True, "QueryLanguage": "JSONata", "ItemsPath": "$.x", "ItemProcessor": processor()}),
        SCHEMA,
        "/States/S/ItemsPath",
        'use "Items"',
    ),
    Row(
        "jsonata-field-in-jsonpath",
        pass_with(Output={}),
        SCHEMA,
        "/States/S/Output",
        'only allowed in JSONata states; this Pass state uses JSONPath; add "QueryLanguage": "JSONata"',
    ),
    Row(
        "arguments-in-jsonpath-task",
        one(task(Arguments={})),
        SCHEMA,
        "/States/S/Arguments",
        "only allowed in JSONata states",
    ),
    Row("items-in-jsonpath-map", map_state(Items=[1]), SCHEMA, "/States/S/Items", "only allowed in JSONata states"),
    Row(
        "catch-output-in-jsonpath",
        machine({"A": task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "B", "Output": {}}]), "B": PASS_END}),
        SCHEMA,
        "/States/A/Catch/0/Output",
        "this catcher uses JSONPath",
    ),
    Row(
        "catch-resultpath-in-jsonata",
        machine(
            {
                "A": {
                    **task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "B", "ResultPath": "$.e"}]),
                    "QueryLanguage": "JSONata",
                },
                "B": PASS_END,
            }
        ),
        SCHEMA,
        "/States/A/Catch/0/ResultPath",
        "this catcher uses JSONata",
    ),
    Row(
        "jsonata-items-not-array",
        one({"Type": "Map", "End": True, "QueryLanguage": "JSONata", "Items": "abc", "ItemProcessor": processor()}),
        SCHEMA,
        "/States/S/Items",
        "must be an array or a JSONata expression",
    ),
    # -- QueryLanguage -----------------------------------------------------------------------------------------------
    Row(
        "querylanguage-unknown-top",
        one(PASS_END, QueryLanguage="JSONPath2"),
        QL,
        "/QueryLanguage",
        'must be "JSONPath" or "JSONata", got "JSONPath2"',
    ),
    Row("querylanguage-wrong-case", pass_with(QueryLanguage="jsonata"), QL, "/States/S/QueryLanguage", 'got "jsonata"'),
    Row(
        "jsonpath-state-in-jsonata-machine",
        one({"Type": "Pass", "End": True, "QueryLanguage": "JSONPath"}, QueryLanguage="JSONata"),
        QL,
        "/States/S/QueryLanguage",
        'cannot use "JSONPath" when the state machine\'s QueryLanguage is "JSONata"',
    ),
    Row(
        "jsonpath-state-in-jsonata-branch",
        one(
            parallel({"StartAt": "X", "States": {"X": {**PASS_END, "QueryLanguage": "JSONPath"}}}),
            QueryLanguage="JSONata",
        ),
        QL,
        "/States/S/Branches/0/States/X/QueryLanguage",
        'cannot use "JSONPath"',
    ),
    # -- Task -------------------------------------------------------------------------------------------------------
    Row(
        "task-missing-resource",
        one({"Type": "Task", "End": True}),
        SCHEMA,
        "/States/S",
        'missing required field "Resource"',
    ),
    Row("task-resource-not-arn", one(task(Resource="my-function")), SCHEMA, "/States/S/Resource", "must be an ARN"),
    Row("task-timeout-zero", one(task(TimeoutSeconds=0)), SCHEMA, "/States/S/TimeoutSeconds", "between 1 and 99999999"),
    Row(
        "task-heartbeat-not-below-timeout",
        one(task(TimeoutSeconds=5, HeartbeatSeconds=5)),
        SCHEMA,
        "/States/S/HeartbeatSeconds",
        "must be smaller than",
    ),
    Row(
        "task-timeout-and-path",
        one(task(TimeoutSeconds=5, TimeoutSecondsPath="$.t")),
        SCHEMA,
        "/States/S",
        'both "TimeoutSeconds" and "TimeoutSecondsPath"',
    ),
    Row("task-credentials-string", one(task(Credentials="role")), SCHEMA, "/States/S/Credentials", "must be an object"),
    # -- Choice rules ------------------------------------------------------------------------------------------------
    Row(
        "choice-missing-choices",
        machine({"C": {"Type": "Choice", "Default": "B"}, "B": PASS_END}),
        SCHEMA,
        "/States/C",
        'missing required field "Choices"',
    ),
    Row("choice-empty-choices", choice(Default="B"), SCHEMA, "/States/C/Choices", "non-empty array of rules"),
    Row("choice-no-operator", choice(rule()), SCHEMA, "/States/C/Choices/0", "needs exactly one comparison operator"),
    Row(
        "choice-two-operators",
        choice(rule(StringEquals="a", NumericEquals=1)),
        SCHEMA,
        "/States/C/Choices/0",
        "exactly one operator, found StringEquals, NumericEquals",
    ),
    Row(
        "choice-operand-type",
        choice(rule(NumericEquals="a")),
        SCHEMA,
        "/States/C/Choices/0/NumericEquals",
        'needs a number, got string "a"',
    ),
    Row(
        "choice-boolean-operand",
        choice(rule(BooleanEquals="true")),
        SCHEMA,
        "/States/C/Choices/0/BooleanEquals",
        "needs a boolean",
    ),
    Row(
        "choice-timestamp-operand",
        choice(rule(TimestampEquals="yesterday")),
        SCHEMA,
        "/States/C/Choices/0/TimestampEquals",
        "not a valid ISO-8601",
    ),
    Row(
        "choice-operator-typo",
        choice(rule(StringEqual="a")),
        SCHEMA,
        "/States/C/Choices/0/StringEqual",
        'did you mean "StringEquals"?',
    ),
    Row(
        "choice-missing-variable",
        choice({"StringEquals": "a", "Next": "B"}),
        SCHEMA,
        "/States/C/Choices/0",
        'missing required field "Variable"',
    ),
    Row(
        "choice-missing-next",
        choice({"Variable": "$.x", "IsPresent": True}, Default="B"),
        SCHEMA,
        "/States/C/Choices/0",
        'missing required field "Next" in a Choice rule',
    ),
    Row(
        "choice-next-inside-not",
        choice({"Not": rule(IsPresent=True), "Next": "B"}),
        SCHEMA,
        "/States/C/Choices/0/Not/Next",
        'unknown field "Next" in a Choice rule',
    ),
    Row(
        "choice-and-empty",
        choice({"And": [], "Next": "B"}),
        SCHEMA,
        "/States/C/Choices/0/And",
        "non-empty array of rules",
    ),
    Row(
        "choice-variable-with-and",
        choice({"Variable": "$.x", "And": [{"Variable": "$.x", "IsPresent": True}], "Next": "B"}),
        SCHEMA,
        "/States/C/Choices/0/Variable",
        '"Variable" cannot be used with "And"',
    ),
    Row("choice-rule-not-object", choice("x"), SCHEMA, "/States/C/Choices/0", "a Choice rule must be an object"),
    Row(
        "choice-jsonata-no-condition",
        machine({"C": {"Type": "Choice", "QueryLanguage": "JSONata", "Choices": [{"Next": "B"}]}, "B": PASS_END}),
        SCHEMA,
        "/States/C/Choices/0",
        'missing required field "Condition"',
    ),
    Row(
        "choice-jsonata-condition-plain-string",
        machine(
            {
                "C": {"Type": "Choice", "QueryLanguage": "JSONata", "Choices": [{"Condition": "yes", "Next": "B"}]},
                "B": PASS_END,
            }
        ),
        SCHEMA,
        "/States/C/Choices/0/Condition",
        'a JSONata expression "{% ... %}" or a boolean',
    ),
    # -- Wait ---------------------------------------------------------------------------------------------------------
    Row(
        "wait-no-time-field",
        one({"Type": "Wait", "End": True}),
        SCHEMA,
        "/States/S",
        "exactly one of Seconds, Timestamp, SecondsPath or TimestampPath",
    ),
    Row(
        "wait-two-time-fields",
        one({"Type": "Wait", "End": True, "Seconds": 1, "Timestamp": "2020-01-01T00:00:00Z"}),
        SCHEMA,
        "/States/S",
        "found Seconds, Timestamp",
    ),
    Row(
        "wait-negative-seconds",
        one({"Type": "Wait", "End": True, "Seconds": -1}),
        SCHEMA,
        "/States/S/Seconds",
        "between 0 and 99999999",
    ),
    Row(
        "wait-bad-timestamp",
        one({"Type": "Wait", "End": True, "Timestamp": "2020-01-01"}),
        SCHEMA,
        "/States/S/Timestamp",
        "not an ISO-8601",
    ),
    Row(
        "wait-seconds-string",
        one({"Type": "Wait", "End": True, "Seconds": "10"}),
        SCHEMA,
        "/States/S/Seconds",
        "must be an integer",
    ),
    # -- Fail -----------------------------------------------------------------------------------------------------------
    Row(
        "fail-error-and-errorpath",
        one({"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}),
        SCHEMA,
        "/States/S",
        'both "Error" and "ErrorPath"',
    ),
    Row("fail-cause-number", one({"Type": "Fail", "Cause": 1}), SCHEMA, "/States/S/Cause", '"Cause" must be a string'),
    # -- Parallel and Map --------------------------------------------------------------------------------------------
    Row(
        "parallel-missing-branches",
        one({"Type": "Parallel", "End": True}),
        SCHEMA,
        "/States/S",
        'missing required field "Branches"',
    ),
    Row("parallel-empty-branches", one(parallel()), SCHEMA, "/States/S/Branches", "non-empty array"),
    Row("parallel-branch-not-object", one(parallel("x")), SCHEMA, "/States/S/Branches/0", "a branch must be an object"),
    Row(
        "parallel-branch-unknown-field",
        one(parallel({**processor(), "Next": "S"})),
        SCHEMA,
        "/States/S/Branches/0/Next",
        'unknown field "Next" in a Parallel branch',
    ),
    Row(
        "map-missing-processor",
        one({"Type": "Map", "End": True}),
        SCHEMA,
        "/States/S",
        'missing required field "ItemProcessor"',
    ),
    Row(
        "map-processor-and-iterator",
        map_state(Iterator=processor()),
        SCHEMA,
        "/States/S",
        'both "ItemProcessor" and its legacy name "Iterator"',
    ),
    Row(
        "map-itemselector-and-parameters",
        map_state(ItemSelector={}, Parameters={}),
        SCHEMA,
        "/States/S",
        'both "ItemSelector" and its legacy name',
    ),
    Row(
        "map-maxconcurrency-negative",
        map_state(MaxConcurrency=-1),
        SCHEMA,
        "/States/S/MaxConcurrency",
        "between 0 and 99999999, got -1",
    ),
    Row(
        "map-maxconcurrency-string",
        map_state(MaxConcurrency="3"),
        SCHEMA,
        "/States/S/MaxConcurrency",
        'must be an integer, got string "3"',
    ),
    Row(
        "map-maxconcurrency-and-path",
        map_state(MaxConcurrency=1, MaxConcurrencyPath="$.m"),
        SCHEMA,
        "/States/S",
        'both "MaxConcurrency" and "MaxConcurrencyPath"',
    ),
    Row(
        "map-tolerated-percentage-over-100",
        map_state(ToleratedFailurePercentage=101),
        SCHEMA,
        "/States/S/ToleratedFailurePercentage",
        "from 0 to 100, got 101",
    ),
    Row(
        "map-tolerated-percentage-negative",
        map_state(ToleratedFailurePercentage=-0.5),
        SCHEMA,
        "/States/S/ToleratedFailurePercentage",
        "from 0 to 100",
    ),
    Row(
        "map-tolerated-count-negative",
        map_state(ToleratedFailureCount=-1),
        SCHEMA,
        "/States/S/ToleratedFailureCount",
        "between 0 and 99999999",
    ),
    Row(
        "map-batcher-zero",
        distributed_map(ItemBatcher={"MaxItemsPerBatch": 0}),
        SCHEMA,
        "/States/S/ItemBatcher/MaxItemsPerBatch",
        "between 1 and 99999999, got 0",
    ),
    Row(
        "map-batcher-bytes-too-big",
        distributed_map(ItemBatcher={"MaxInputBytesPerBatch": 262145}),
        SCHEMA,
        "/States/S/ItemBatcher/MaxInputBytesPerBatch",
        "between 1 and 262144",
    ),
    Row(
        "map-batcher-empty", distributed_map(ItemBatcher={}), SCHEMA, "/States/S/ItemBatcher", "needs MaxItemsPerBatch"
    ),
    Row(
        "map-batcher-inline",
        map_state(ItemBatcher={"MaxItemsPerBatch": 2}),
        SCHEMA,
        "/States/S/ItemBatcher",
        "only allowed in a DISTRIBUTED Map",
    ),
    Row(
        "map-reader-without-resource",
        distributed_map(ItemReader={"ReaderConfig": {}}),
        SCHEMA,
        "/States/S/ItemReader",
        'missing required field "Resource" in ItemReader',
    ),
    Row(
        "map-reader-maxitems-negative",
        distributed_map(ItemReader={"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"MaxItems": -1}}),
        SCHEMA,
        "/States/S/ItemReader/ReaderConfig/MaxItems",
        "between 0 and 100000000",
    ),
    Row(
        "map-writer-empty",
        distributed_map(ResultWriter={}),
        SCHEMA,
        "/States/S/ResultWriter",
        'needs "Resource" or "WriterConfig"',
    ),
    Row(
        "map-mode-unknown",
        map_state(ItemProcessor=processor(ProcessorConfig={"Mode": "PARALLEL"})),
        SCHEMA,
        "/States/S/ItemProcessor/ProcessorConfig/Mode",
        '"INLINE" or "DISTRIBUTED", got "PARALLEL"',
    ),
    Row(
        "map-distributed-without-execution-type",
        map_state(ItemProcessor=processor(ProcessorConfig={"Mode": "DISTRIBUTED"})),
        SCHEMA,
        "/States/S/ItemProcessor/ProcessorConfig",
        'needs "ExecutionType"',
    ),
    Row(
        "map-label-with-space",
        distributed_map(Label="my label"),
        codes.INVALID_LABEL_NAME,
        "/States/S/Label",
        "at most 40 characters",
    ),
]

WARNING_ROWS: list[Row] = [
    Row(
        "retry-maxattempts-zero",
        retry(MaxAttempts=0),
        codes.RETRY_NEVER_RETRIES,
        "/States/S/Retry/0/MaxAttempts",
        "never retries",
        severity="WARNING",
    ),
    Row(
        "callback-task-without-timeout",
        one(task(Resource="arn:aws:states:::sqs:sendMessage.waitForTaskToken")),
        codes.TASK_WITHOUT_TIMEOUT,
        "/States/S",
        'waits for a callback but has no "TimeoutSeconds"',
        severity="WARNING",
    ),
    Row(
        "activity-task-without-timeout",
        one(task(Resource="arn:aws:states:us-east-1:111111111111:activity:work")),
        codes.TASK_WITHOUT_TIMEOUT,
        "/States/S",
        "99999999 seconds",
        severity="WARNING",
    ),
    Row(
        "loop-without-wait",
        machine(
            {
                "A": {"Type": "Pass", "Next": "C"},
                "C": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.done", "BooleanEquals": False, "Next": "A"}],
                    "Default": "E",
                },
                "E": PASS_END,
            }
        ),
        codes.LOOP_WITHOUT_WAIT,
        "/States/A",
        "the loop through 'A', 'C' in the state machine has no Wait state",
        severity="WARNING",
    ),
    Row(
        "self-loop-in-branch",
        one(
            parallel(
                {
                    "StartAt": "X",
                    "States": {
                        "X": {
                            "Type": "Choice",
                            "Choices": [{"Variable": "$.again", "BooleanEquals": True, "Next": "X"}],
                            "Default": "Y",
                        },
                        "Y": PASS_END,
                    },
                }
            )
        ),
        codes.LOOP_WITHOUT_WAIT,
        "/States/S/Branches/0/States/X",
        "branch 0 of Parallel state",
        severity="WARNING",
    ),
]


def _matching(diags: list[sfnkit.Diagnostic], row: Row) -> list[sfnkit.Diagnostic]:
    return [
        d
        for d in diags
        if d.severity == row.severity
        and d.code == row.code
        and d.location == row.location
        and row.fragment in d.message
    ]


def _describe(diags: list[sfnkit.Diagnostic]) -> str:
    return (
        "\n".join(f"  {d.severity} {d.code} {d.location!r} {d.line}:{d.column} {d.message!r}" for d in diags)
        or "  (none)"
    )


def test_the_table_is_big_enough_and_ids_are_unique() -> None:
    ids = [r.id for r in ROWS + WARNING_ROWS]
    assert len(ROWS) >= 90
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_invalid_definition_is_reported(row: Row, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.chdir(tmp_path)  # "does/not/exist.asl.json" must really not exist
    diags = sfnkit.validate(row.definition)
    found = _matching(diags, row)
    assert found, (
        f"expected {row.severity} {row.code} at {row.location!r} containing {row.fragment!r}; got:\n{_describe(diags)}"
    )
    if row.line is not None:
        assert (found[0].line, found[0].column) == (row.line, row.column), _describe(found)
    # an invalid definition never loads, and the exception carries the same diagnostics
    with pytest.raises(sfnkit.DefinitionError) as info:
        sfnkit.load(row.definition)
    assert info.value.diagnostics == diags


@pytest.mark.parametrize("row", WARNING_ROWS, ids=[r.id for r in WARNING_ROWS])
def test_warning_is_reported_and_does_not_block_loading(row: Row) -> None:
    diags = sfnkit.validate(row.definition)
    assert _matching(diags, row), f"expected {row.code} at {row.location!r}; got:\n{_describe(diags)}"
    assert not [d for d in diags if d.severity == "ERROR"], _describe(diags)
    sfnkit.load(row.definition)  # warnings never stop a load


def test_every_diagnostic_of_the_table_has_a_message_and_a_pointer_location() -> None:
    for row in ROWS:
        for d in sfnkit.validate(row.definition):
            assert d.message.strip()
            assert d.location == "" or d.location.startswith("/"), (row.id, d)
            assert d.severity in ("ERROR", "WARNING")


def test_errors_come_before_warnings() -> None:
    definition = machine(
        {
            "A": {"Type": "Pass", "Next": "C"},
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "A"}],
                "Default": "Nope",
            },
        }
    )
    severities = [d.severity for d in sfnkit.validate(definition)]
    assert severities == sorted(severities, key=lambda s: s != "ERROR")
    assert "WARNING" in severities and "ERROR" in severities


def test_a_dangling_next_also_reports_what_it_orphans() -> None:
    # AWS: "Missing 'Next' target: C at /States/A/Next" and "State "B" is not reachable. at /States/B"
    diags = sfnkit.validate(machine({"A": {"Type": "Pass", "Next": "C"}, "B": PASS_END}))
    assert [(d.code, d.location) for d in diags] == [(TARGET, "/States/A/Next"), (TARGET, "/States/B")]


def test_next_or_end_on_terminal_states_is_reported_once() -> None:
    diags = sfnkit.validate(one({"Type": "Succeed", "End": True}))
    assert [(d.code, d.location) for d in diags] == [(SCHEMA, "/States/S/End")]


def test_json_pointer_escapes_in_locations() -> None:
    diags = sfnkit.validate(machine({"a/b": PASS_END, "c~d": PASS_END}))
    assert [d.location for d in diags] == ["/States/c~0d"]


# -- what AWS accepts: never an ERROR ------------------------------------------------------------------------------
ACCEPTED: dict[str, Any] = {
    "minimal": one(PASS_END),
    "retry-maxattempts-zero": retry(MaxAttempts=0),
    "retry-full-set": retry(
        IntervalSeconds=1, MaxAttempts=99999999, BackoffRate=1.0, MaxDelaySeconds=31622400, JitterStrategy="FULL"
    ),
    "retry-backoff-float": retry(BackoffRate=1.5),
    "catch-resultpath-null": machine(
        {"A": task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "B", "ResultPath": None}]), "B": PASS_END}
    ),
    "inputpath-null": pass_with(InputPath=None, OutputPath=None, ResultPath=None),
    # ASL spec "Filters": InputPath and OutputPath are Paths, not Reference Paths
    "inputpath-wildcard": pass_with(InputPath="$.items[*].id"),
    "outputpath-filter": pass_with(OutputPath="$.items[?(@.price > 10)]"),
    "inputpath-context-object": pass_with(InputPath="$$.Execution.Input"),
    "context-and-variables-in-template": pass_with(
        Parameters={"a.$": "$$.Execution.Id", "b.$": "$myVar.field", "c": {"d.$": "$.x"}}
    ),
    "intrinsic-nested": pass_with(Parameters={"a.$": "States.Format('{} {}', States.ArrayLength($.xs), $.name)"}),
    "wait-zero-seconds": one({"Type": "Wait", "End": True, "Seconds": 0}),
    "wait-timestamp-offset": one({"Type": "Wait", "End": True, "Timestamp": "2016-03-14T01:59:00.123+01:00"}),
    "wait-timestamppath": one({"Type": "Wait", "End": True, "TimestampPath": "$.when"}),
    "state-names-with-spaces": machine({"Step one": {"Type": "Pass", "Next": "Step two!"}, "Step two!": PASS_END}),
    "state-name-80-characters": machine({"A" * 80: PASS_END}),
    "map-limits": map_state(MaxConcurrency=0, ToleratedFailurePercentage=100, ToleratedFailureCount=0),
    "map-tolerated-percentage-fraction": map_state(ToleratedFailurePercentage=12.5),
    "map-legacy-iterator-and-parameters": one(
        {
            "Type": "Map",
            "End": True,
            "ItemsPath": "$.xs",
            "Parameters": {"v.$": "$$.Map.Item.Value"},
            "Iterator": processor(),
        }
    ),
    "distributed-map-full": distributed_map(
        ItemReader={
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "MaxItems": 10},
            "Parameters": {"Bucket": "b", "Key": "k"},
        },
        ItemBatcher={"MaxItemsPerBatch": 10, "MaxInputBytesPerBatch": 262144, "BatchInput": {"x": 1}},
        ResultWriter={"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b", "Prefix": "p"}},
        Label="Batch_1",
        ToleratedFailurePercentage=5,
    ),
    "parallel-nested": one(
        parallel({"StartAt": "P2", "States": {"P2": parallel({"StartAt": "X", "States": {"X": PASS_END}})}})
    ),
    "choice-every-kind-of-rule": choice(
        {
            "And": [{"Variable": "$.a", "NumericGreaterThan": 1}, {"Not": {"Variable": "$.b", "IsNull": True}}],
            "Next": "B",
        },
        {
            "Or": [
                {"Variable": "$.s", "StringMatches": "log-*.txt"},
                {"Variable": "$.t", "TimestampLessThanPath": "$.u"},
            ],
            "Next": "B",
        },
        {"Variable": "$.c", "BooleanEquals": True, "Next": "B", "Assign": {"seen": True}},
        Default="B",
    ),
    "choice-without-default": choice(rule(IsPresent=True)),
    "jsonata-machine": one(
        task(
            Arguments={"x": "{% $states.input.x + 1 %}"},
            Output="{% $states.result %}",
            TimeoutSeconds="{% 30 %}",
            Assign={"v": "{% $states.result.v %}"},
        ),
        QueryLanguage="JSONata",
    ),
    "jsonata-choice": machine(
        {
            "C": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input.x > 1 %}", "Next": "B", "Output": {"a": 1}}],
                "Default": "B",
            },
            "B": PASS_END,
        },
        QueryLanguage="JSONata",
    ),
    "jsonata-map": one(
        {
            "Type": "Map",
            "End": True,
            "Items": "{% [1, 2, 3] %}",
            "ItemSelector": {"v": "{% $states.context.Map.Item.Value %}"},
            "MaxConcurrency": "{% 2 %}",
            "ItemProcessor": processor(),
        },
        QueryLanguage="JSONata",
    ),
    "jsonata-catch-output": machine(
        {
            "A": task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "B", "Output": "{% $states.errorOutput %}"}]),
            "B": PASS_END,
        },
        QueryLanguage="JSONata",
    ),
    "jsonata-state-in-jsonpath-machine": machine(
        {"A": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% 1 %}", "Next": "B"}, "B": PASS_END}
    ),
    "jsonata-fail": one({"Type": "Fail", "Error": "{% 'E' %}", "Cause": "{% 'c' %}"}, QueryLanguage="JSONata"),
    "fail-paths": one({"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('x {}', $.c)"}),
    "task-everything": one(
        task(
            TimeoutSecondsPath="$.t",
            HeartbeatSecondsPath="$.h",
            ResultSelector={"r.$": "$.Payload"},
            ResultPath="$.out",
            Credentials={"RoleArn": "arn:aws:iam::111111111111:role/r"},
        )
    ),
    "task-heartbeat-below-timeout": one(task(TimeoutSeconds=10, HeartbeatSeconds=9)),
    "callback-task-with-timeout": one(
        task(Resource="arn:aws:states:::sqs:sendMessage.waitForTaskToken", TimeoutSeconds=60)
    ),
    "loop-with-wait": machine(
        {
            "W": {"Type": "Wait", "Seconds": 5, "Next": "C"},
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.done", "BooleanEquals": False, "Next": "W"}],
                "Default": "E",
            },
            "E": {"Type": "Succeed"},
        }
    ),
    "variables-assign-jsonpath": pass_with(Assign={"total.$": "$.a", "const": [1, 2], "_x9": None}),
    "top-level-fields": one(PASS_END, Comment="c", Version="1.0", TimeoutSeconds=60, QueryLanguage="JSONPath"),
    "yaml-text": "StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n",
    "yaml-keys-that-look-like-other-types": 'StartAt: "Yes"\nStates:\n  Yes: {Type: Pass, Next: "1"}\n  1: {Type: Pass, End: true}\n',
    "yaml-timestamp-stays-text": "StartAt: W\nStates:\n  W: {Type: Wait, End: true, Timestamp: 2016-03-14T01:59:00Z}\n",
    "json-text": json.dumps(one(PASS_END)),
    "json-bytes": json.dumps(one(PASS_END)).encode(),
}


@pytest.mark.parametrize("definition", list(ACCEPTED.values()), ids=list(ACCEPTED))
def test_definitions_aws_accepts_have_no_errors(definition: Any) -> None:
    errors = [d for d in sfnkit.validate(definition) if d.severity == "ERROR"]
    assert not errors, _describe(errors)
    sfnkit.load(definition)


def test_yaml_keys_are_kept_as_written() -> None:
    sm = sfnkit.load(ACCEPTED["yaml-keys-that-look-like-other-types"])
    assert list(sm.states) == ["Yes", "1"]


# -- every definition AWS accepted in the conformance recordings validates without an ERROR ------------------------
def _cases_dir() -> Path:
    """Same lookup as ``tests/conformance/harness.py``."""
    from tests.conformance.harness import cases_dir

    return cases_dir()


CASE_FILES = sorted(_cases_dir().glob("*.json")) if _cases_dir().is_dir() else []


def _with_real_resources(value: Any, placeholders: frozenset[str]) -> Any:
    """Replace placeholder Resources by the kind of ARN they stand for.

    The recorder replaced account-specific ARNs by tokens it lists in ``placeholders``; in the activity cases the
    whole ``Resource`` became the literal ``"activity_arn"``. AWS saw a real activity ARN there (the recorded run
    scheduled the activity), so the test puts one back; a bare token is not an ARN and sfnkit rightly rejects it.
    """
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "Resource" and isinstance(v, str) and v in placeholders and not v.startswith("arn:"):
                kind = "activity" if "activity" in v else "function"
                service = "states" if kind == "activity" else "lambda"
                out[k] = f"arn:aws:{service}:us-east-1:111111111111:{kind}:{v.replace('_arn', '')}"
            else:
                out[k] = _with_real_resources(v, placeholders)
        return out
    if isinstance(value, list):
        return [_with_real_resources(v, placeholders) for v in value]
    return value


@pytest.mark.skipif(not CASE_FILES, reason="conformance cases not found (set SFNKIT_CONFORMANCE_DIR)")
@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_conformance_definitions_are_valid(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    definition = _with_real_resources(case["definition"], frozenset(case.get("placeholders", ())))
    errors = [d for d in sfnkit.validate(definition) if d.severity == "ERROR"]
    assert not errors, f"AWS accepted {path.name}, sfnkit reports:\n{_describe(errors)}"
    sfnkit.load(definition)


def test_placeholder_resources_are_substituted_only_where_they_stand_alone() -> None:
    d = {
        "A": {"Resource": "activity_arn"},
        "B": {"Resource": "arn:aws:lambda:us-east-1:1:function:<name>"},
        "C": ["activity_arn"],
    }
    out = _with_real_resources(d, frozenset({"activity_arn", "<name>"}))
    assert out["A"]["Resource"] == "arn:aws:states:us-east-1:111111111111:activity:activity"
    assert out["B"] == d["B"] and out["C"] == d["C"]
