"""Every run-time error message sfnkit writes, checked word for word, and written in one place (sfnkit.messages).

Where AWS's recordings show a message, the case files are named (tests/conformance/cases); the conformance
suite checks those too. The rest follow the AWS documentation and the same patterns; these tests pin them,
including the cases no recording covers (a Fail state's ErrorPath/CausePath that selects nothing, a
ResultSelector, ItemSelector or Assign path that is missing, intrinsic failures, Jayway's path details).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

import sfnkit
from sfnkit import messages as msg

LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:f"
PASS_PROCESSOR = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
INPUT = {"n": 1, "s": "str", "l": [1, 2], "o": {"a": None}, "neg": -1, "frac": 1.5, "bad": "05-12-2016", "t": "{ oops"}
SHOWN = json.dumps(INPUT, separators=(",", ":"))
PREFIX = "An error occurred while executing the state 'S' (entered at the event id #2). "
RUNTIME = "States.Runtime"

# (id, states, error, cause) -- the cause without the state prefix when PREFIX applies (all but NoChoiceMatched)
CASES: list[tuple[str, dict[str, Any], str, str]] = [
    # Fail state paths that select nothing (recorded on AWS, LocalStack's snapshot of
    # test_invalid_jsonpath[INVALID_JSONPATH_IN_ERRORPATH] / [ST.INVALID_JSONPATH_IN_CAUSEPATH]): worded as a
    # payload field, not as InputPath's Jayway detail
    (
        "fail-error-path",
        {"S": {"Type": "Fail", "ErrorPath": "$.missing", "Cause": "c"}},
        RUNTIME,
        f"The JSONPath '$.missing' specified for the field 'ErrorPath' could not be found in the input '{SHOWN}'",
    ),
    (
        "fail-cause-path",
        {"S": {"Type": "Fail", "Error": "E", "CausePath": "$.o.missing.deeper"}},
        RUNTIME,
        f"The JSONPath '$.o.missing.deeper' specified for the field 'CausePath' could not be found in the input "
        f"'{SHOWN}'",
    ),
    (
        "fail-cause-path-intrinsic",
        {"S": {"Type": "Fail", "Error": "E", "CausePath": "States.Format('{}', $.missing)"}},
        RUNTIME,
        "The function 'States.Format('{}', $.missing)' had the following error: The JsonPath argument for the "
        f"field '$.missing' could not be found in the input '{SHOWN}'",
    ),
    # payload templates: the document the path was applied to is shown
    (
        "result-selector",
        {"S": {"Type": "Task", "Resource": LAMBDA_ARN, "ResultSelector": {"a.$": "$.missing"}, "End": True}},
        RUNTIME,
        "The JSONPath '$.missing' specified for the field 'a.$' could not be found in the input '{\"r\":1}'",
    ),
    (
        "parameters",
        {"S": {"Type": "Pass", "Parameters": {"a.$": "$.missing"}, "End": True}},
        RUNTIME,
        f"The JSONPath '$.missing' specified for the field 'a.$' could not be found in the input '{SHOWN}'",
    ),
    (
        "item-selector",
        {
            "S": {
                "Type": "Map",
                "ItemsPath": "$.l",
                "ItemSelector": {"a.$": "$.missing"},
                "ItemProcessor": PASS_PROCESSOR,
                "End": True,
            }
        },
        RUNTIME,
        f"The JSONPath '$.missing' specified for the field 'a.$' could not be found in the input '{SHOWN}'",
    ),
    (
        "assign",
        {"S": {"Type": "Pass", "Assign": {"v.$": "$.missing"}, "End": True}},
        RUNTIME,
        f"The JSONPath '$.missing' specified for the field 'v.$' could not be found in the input '{SHOWN}'",
    ),
    # path fields (recorded: test_base__*TimeoutSecondsPath*, *no.such.result.path*), Jayway's details
    (
        "input-path",
        {"S": {"Type": "Pass", "InputPath": "$.missing", "End": True}},
        RUNTIME,
        "Invalid path '$.missing' : No results for path: $['missing']",
    ),
    (
        "output-path-intermediate",
        {"S": {"Type": "Pass", "OutputPath": "$.missing.x", "End": True}},
        RUNTIME,
        "Invalid path '$.missing.x' : Missing property in path $['missing']",
    ),
    (
        "index-on-null",
        {"S": {"Type": "Pass", "InputPath": "$.o.a[0]", "End": True}},
        RUNTIME,
        "Invalid path '$.o.a[0]' : The path $['o']['a'] is null",
    ),
    (
        "index-on-object",
        {"S": {"Type": "Pass", "InputPath": "$.o[0]", "End": True}},
        RUNTIME,
        "Invalid path '$.o[0]' : Filter: [0] can only be applied to arrays. Current context is: {\"a\":null}",
    ),
    (
        "property-on-string",
        {"S": {"Type": "Pass", "InputPath": "$.s.x", "End": True}},
        RUNTIME,
        "Invalid path '$.s.x' : Expected to find an object with property ['x'] in path $['s'] but found "
        "'java.lang.String'. This is not a json object according to the JsonProvider: "
        "'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'.",
    ),
    (
        "variable-undefined",
        {"S": {"Type": "Pass", "InputPath": "$nope", "End": True}},
        RUNTIME,
        "Invalid path '$nope' : The variable '$nope' is not defined",
    ),
    (
        "choice-variable",
        {
            "S": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.missing", "NumericEquals": 1, "Next": "X"}],
                "Default": "X",
            },
            "X": {"Type": "Succeed"},
        },
        RUNTIME,
        "Invalid path '$.missing': The choice state's condition path references an invalid value.",
    ),
    (
        "choice-variable-nested",
        {
            "S": {
                "Type": "Choice",
                "Choices": [{"Not": {"Variable": "$.o.b.c", "StringEquals": "x"}, "Next": "X"}],
                "Default": "X",
            },
            "X": {"Type": "Succeed"},
        },
        RUNTIME,
        "Invalid path '$.o.b.c': The choice state's condition path references an invalid value.",
    ),
    # ResultPath
    (
        "result-path-index",
        {"S": {"Type": "Pass", "Result": 1, "ResultPath": "$.l[5]", "End": True}},
        "States.ResultPathMatchFailure",
        f"Unable to apply ReferencePath $.l[5] to input {SHOWN}",
    ),
    (
        "result-path-into-scalar",
        {"S": {"Type": "Pass", "Result": 1, "ResultPath": "$.s.x", "End": True}},
        "States.ResultPathMatchFailure",
        f"Unable to apply ReferencePath $.s.x to input {SHOWN}",
    ),
    # intrinsic functions
    (
        "intrinsic-path",
        {"S": {"Type": "Pass", "Parameters": {"a.$": "States.Format('{}', $.missing)"}, "End": True}},
        RUNTIME,
        "The function 'States.Format('{}', $.missing)' had the following error: The JsonPath argument for the "
        f"field '$.missing' could not be found in the input '{SHOWN}'",
    ),
    (
        "intrinsic-arguments",
        {"S": {"Type": "Pass", "Parameters": {"a.$": "States.ArrayGetItem($.l, 9)"}, "End": True}},
        RUNTIME,
        "There was an error while evaluating the intrinsic function: States.ArrayGetItem($.l, 9). "
        "Invalid arguments in States.ArrayGetItem",
    ),
    (
        "intrinsic-format-count",
        {"S": {"Type": "Pass", "Parameters": {"a.$": "States.Format('{} {}', $.n)"}, "End": True}},
        RUNTIME,
        "There was an error while evaluating the intrinsic function: States.Format('{} {}', $.n). Invalid arguments in "
        "States.Format: number of arguments do not match the occurrences of {}.",
    ),
    (
        "intrinsic-format-template",
        {"S": {"Type": "Pass", "Parameters": {"a.$": "States.Format($.t)"}, "End": True}},
        RUNTIME,
        "There was an error while evaluating the intrinsic function: States.Format($.t). Invalid template in "
        "States.Format: matching '}' not found for '{'.",
    ),
    (
        "intrinsic-string-to-json",
        {"S": {"Type": "Pass", "Parameters": {"a.$": "States.StringToJson($.s)"}, "End": True}},
        RUNTIME,
        "There was an error while evaluating the intrinsic function: States.StringToJson($.s). Cannot convert String to "
        "Json in States.StringToJson, caused by: Unrecognized token 'str': was expecting (JSON String, Number, Array, "
        "Object or token 'null', 'true' or 'false')\n at [Source: REDACTED "
        "(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 4]",
    ),
    # JSONata evaluation (recorded: test_assign_reference_variables__test_undefined_reference__*,
    # test_base_scenarios__test_map_state_items_eval_jsonata_*fail*; a function result: AWS's recording in LocalStack's
    # snapshot of test_map_state_items_eval_jsonata_fail[function]; "threw" follows the pattern)
    (
        "jsonata-undefined",
        {"S": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input.missing %}", "End": True}},
        "States.QueryEvaluationError",
        "The JSONata expression '$states.input.missing' specified for the field 'Output' returned nothing (undefined).",
    ),
    (
        "jsonata-function-result",
        {"S": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% function($x){$x} %}", "End": True}},
        "States.QueryEvaluationError",
        "The JSONata expression 'function($x){$x}' specified for the field 'Output' returned an unsupported result "
        "type.",
    ),
    (
        "jsonata-threw-nested",
        {"S": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"a": ['{% $number("x") %}']}, "End": True}},
        "States.QueryEvaluationError",
        "The JSONata expression '$number(\"x\")' specified for the field 'Output/a[0]' threw an error during "
        'evaluation. D3030: Unable to cast value to a number: "x"',
    ),
    (
        "jsonata-items-type",
        {
            "S": {
                "Type": "Map",
                "QueryLanguage": "JSONata",
                "Items": "{% $states.input.s %}",
                "ItemProcessor": PASS_PROCESSOR,
                "End": True,
            }
        },
        "States.QueryEvaluationError",
        "The JSONata expression '$states.input.s' specified for the field 'Items' returned an unexpected result "
        "type. Expected 'array', but was 'string' for value: \"str\"",
    ),
    # Map (recorded: test_map_*: "was: null", MaxConcurrencyPath "{}")
    (
        "map-not-array",
        {"S": {"Type": "Map", "ItemsPath": "$.s", "ItemProcessor": PASS_PROCESSOR, "End": True}},
        RUNTIME,
        'Map state input must be an array but was: "str"',
    ),
    (
        "map-max-concurrency-path",
        {
            "S": {
                "Type": "Map",
                "ItemsPath": "$.l",
                "MaxConcurrencyPath": "$.s",
                "ItemProcessor": PASS_PROCESSOR,
                "End": True,
            }
        },
        RUNTIME,
        'The MaxConcurrencyPath field refers to value "str" which is not a valid integer: $.s',
    ),
    # Wait (recorded: test_wait*)
    (
        "wait-seconds-missing",
        {"S": {"Type": "Wait", "SecondsPath": "$.missing", "End": True}},
        RUNTIME,
        "The SecondsPath parameter does not reference an input value: $.missing",
    ),
    (
        "wait-seconds-fraction",
        {"S": {"Type": "Wait", "SecondsPath": "$.frac", "End": True}},
        RUNTIME,
        "The SecondsPath parameter cannot be parsed as a long value: $.frac == 1.5",
    ),
    (
        "wait-seconds-negative",
        {"S": {"Type": "Wait", "SecondsPath": "$.neg", "End": True}},
        RUNTIME,
        "The SecondsPath parameter references a negative value: $.neg == -1",
    ),
    (
        "wait-timestamp-missing",
        {"S": {"Type": "Wait", "TimestampPath": "$.missing", "End": True}},
        RUNTIME,
        "The TimestampPath parameter does not reference an input value: $.missing",
    ),
    (
        "wait-timestamp-invalid",
        {"S": {"Type": "Wait", "TimestampPath": "$.bad", "End": True}},
        RUNTIME,
        "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: "
        "$.bad == 05-12-2016",
    ),
    (
        "wait-jsonata-timestamp",
        {"S": {"Type": "Wait", "QueryLanguage": "JSONata", "Timestamp": "{% $states.input.bad %}", "End": True}},
        "States.QueryEvaluationError",
        "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: 05-12-2016",
    ),
]


@pytest.mark.parametrize(("states", "error", "cause"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_message_word_for_word(states: dict[str, Any], error: str, cause: str) -> None:
    ex = sfnkit.run({"StartAt": "S", "States": states}, INPUT, resources={"f": lambda e: {"r": 1}})
    assert (ex.status, ex.error) == ("FAILED", error)
    assert ex.cause == PREFIX + cause


def test_the_recorded_fail_state_paths() -> None:
    # AWS: test_invalid_jsonpath[INVALID_JSONPATH_IN_ERRORPATH] and [ST.INVALID_JSONPATH_IN_CAUSEPATH] (the
    # recording masks the input as <json-input:1>; it is the Fail state's input)
    for field, path in (("ErrorPath", "$.ErrorX"), ("CausePath", "$.NoSuchCausePath")):
        fail: dict[str, Any] = {"Type": "Fail", field: path}
        fail["Cause" if field == "ErrorPath" else "Error"] = "x"
        states = {"pass": {"Type": "Pass", "Result": {"Error": "error-value"}, "Next": "fail"}, "fail": fail}
        ex = sfnkit.run({"StartAt": "pass", "States": states}, {"int-literal": 0})
        assert [e.type for e in ex.history] == [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "FailStateEntered",
            "ExecutionFailed",
        ]
        assert (ex.error, ex.cause) == (
            RUNTIME,
            "An error occurred while executing the state 'fail' (entered at the event id #4). "
            f"The JSONPath '{path}' specified for the field '{field}' could not be found in the input "
            '\'{"Error":"error-value"}\'',
        )


def test_no_choice_matched_has_no_state_prefix() -> None:
    states = {
        "S": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 2, "Next": "X"}]},
        "X": {"Type": "Succeed"},
    }
    ex = sfnkit.run({"StartAt": "S", "States": states}, INPUT)
    assert (ex.error, ex.cause) == ("States.NoChoiceMatched", "No Matches! (state 'S')")


def test_lambda_function_not_found() -> None:
    # recorded: test_task_lambda__test_no_such_function*
    states = {"S": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:nope", "End": True}}
    ex = sfnkit.run({"StartAt": "S", "States": states}, {}, missing_resources="fail")
    assert ex.error == "Lambda.ResourceNotFoundException"
    head = "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:$LATEST (Service: AWSLambda; "
    assert (ex.cause or "").startswith(head + "Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ")
    assert (ex.cause or "").endswith("; Proxy: null)")


def test_a_result_over_the_payload_limit() -> None:
    # recorded: test_states_errors__*data_limit_exceeded*: no state prefix, the state (or task) named
    states = {"S": {"Type": "Pass", "Result": "x" * (257 * 1024), "End": True}}
    ex = sfnkit.run({"StartAt": "S", "States": states}, {})
    assert (ex.error, ex.cause) == ("States.DataLimitExceeded", msg.data_limit_exceeded("S"))
    assert (
        ex.cause
        == "The state/task 'S' returned a result with a size exceeding the maximum number of bytes service limit."
    )


def test_builders_that_no_run_above_reaches() -> None:
    assert msg.history_limit(25000) == "The execution reached the maximum number of history events (25000)."
    assert msg.tolerated_count_negative() == "ToleratedFailureCount cannot be negative."
    assert msg.tolerated_percentage_range() == "ToleratedFailurePercentage must be between 0 and 100."
    assert msg.tolerated_threshold_exceeded() == "The specified tolerated failure threshold was exceeded"
    assert msg.format_unmatched_close() == "Invalid template in States.Format: matching '{' not found for '}'."
    assert msg.map_path_value_invalid("ToleratedFailurePercentage", "{}", "float", "$.p") == (
        'The ToleratedFailurePercentagePath field refers to value "{}" which is not a valid float: $.p'
    )
    assert (
        msg.in_state("A", 7, "x") == "An error occurred while executing the state 'A' (entered at the event id #7). x"
    )
    assert (
        msg.no_handler("arn:aws:states:::sqs:sendMessage")
        == "no handler for resource 'arn:aws:states:::sqs:sendMessage'"
    )


def _reader_map(reader_config: dict[str, Any], key: str = "items.json") -> dict[str, Any]:
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": reader_config,
        "Parameters": {"Bucket": "data", "Key": key},
    }
    processor = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, **PASS_PROCESSOR}
    return {
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "ItemReader": reader, "ItemProcessor": processor, "End": True}},
    }


@pytest.mark.parametrize(
    ("body", "config", "cause"),
    [
        # recorded: test_map_item_reader_csv_headers_decl_duplicate_headers, test_map_item_reader_csv_max_items_paths
        ("a,b\n1,2\n", {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["h", "h"]}, ""),
        ("[1]", {"InputType": "JSON", "MaxItemsPath": "$.neg"}, "field MaxItems must be positive"),
        # no public recording: AWS's words as emulators that replay AWS write them
        ('{"not": "an array"}', {"InputType": "JSON"}, "Attempting to map over non-iterable node."),
        ("7", {"InputType": "JSON"}, "Attempting to map over non-iterable node."),
        # sfnkit's own words (no AWS recording); the parser's message follows
        ("[1,", {"InputType": "JSON"}, "s3://data/items.json is not valid JSON: Expecting value at line 1..."),
        ('{"a": 1}\n{bad}\n', {"InputType": "JSONL"}, "s3://data/items.json line 2 is not valid JSON: ..."),
    ],
    ids=["csv-duplicate-headers", "max-items-negative", "json-object", "json-number", "json-broken", "jsonl-line"],
)
def test_item_reader_messages(tmp_path: Path, body: str, config: dict[str, Any], cause: str) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "items.json").write_text(body)
    ex = sfnkit.run(_reader_map(config), {"neg": -1}, storage=tmp_path)
    assert (ex.status, ex.error) == ("FAILED", "States.ItemReaderFailed")
    expected = cause or "CSV headers cannot contain duplicates."
    # as recorded: the items are read inside the map run; MapRunFailed and ExecutionFailed carry the cause
    # without the state prefix, and MapStateStarted counts no items
    assert ex.cause is not None
    assert ex.cause.startswith(expected[:-3]) if expected.endswith("...") else ex.cause == expected
    assert [e.type for e in ex.history] == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapRunStarted",
        "MapRunFailed",
        "MapStateFailed",
        "ExecutionFailed",
    ]
    assert ex.history[2].details == {"length": 0}
    assert ex.history[4].details == {"error": "States.ItemReaderFailed", "cause": ex.cause}


def test_sdk_error_texts() -> None:
    # recorded: test_sns_task_service__test_fifo_message_attribute*, test_aws_sdk__test_dynamodb_invalid_param,
    # test_aws_sdk__test_s3_no_such_key, test_task_service_sqs__test_send_message_no_such_queue,
    # test_task_service_dynamodb__test_invalid_param
    assert msg.sdk_v1_cause("Invalid parameter: x", "AmazonSNS", 400, "InvalidParameter", "r-1") == (
        "Invalid parameter: x (Service: AmazonSNS; Status Code: 400; Error Code: InvalidParameter; Request ID: r-1; "
        "Proxy: null)"
    )
    assert msg.sdk_v2_cause("Requested resource not found", "DynamoDb", 400, "r-2", None) == (
        "Requested resource not found (Service: DynamoDb, Status Code: 400, Request ID: r-2)"
    )
    assert msg.sdk_v2_cause("The specified key does not exist.", "S3", 404, "r-3", "x-4") == (
        "The specified key does not exist. (Service: S3, Status Code: 404, Request ID: r-3, Extended Request ID: x-4)"
    )
    assert msg.http_request_failed("q: Name or service not known") == (
        "Unable to execute HTTP request: q: Name or service not known"
    )
    assert msg.validation_errors([msg.member_must_not_be_null("item")]) == (
        "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null"
    )
    assert msg.validation_errors(["a", "b"]) == "2 validation errors detected: a; b"
    assert msg.unable_to_marshal("Object of type set is not JSON serializable") == (
        "Unable to marshal response: Object of type set is not JSON serializable"
    )


# Fragments of the messages above: as string literals they may appear in sfnkit.messages only.
FRAGMENTS = (
    "An error occurred while executing the state",
    "Invalid path '",
    "No results for path",
    "Missing property in path",
    "could not be found in the input",
    "Unable to apply ReferencePath",
    "There was an error while evaluating the intrinsic function",
    "Invalid arguments in",
    "Invalid template in States.Format",
    "Cannot convert String to Json",
    "SecondsPath parameter",
    "TimestampPath parameter",
    "The Timestamp field cannot be parsed",
    "Map state input must be an array",
    "which is not a valid",
    "ToleratedFailureCount cannot",
    "ToleratedFailurePercentage must",
    "tolerated failure threshold",
    "No Matches!",
    "condition path references",
    "returned a result with a size exceeding",
    "maximum number of history events",
    "Function not found:",
    "Could not parse request body",
    "is not defined",
    "can only be applied to arrays",
    "This is not a json object",
    "The JSONata expression '",
    "specified for the field",
    "returned nothing (undefined)",
    "returned an unsupported result type",
    "threw an error during evaluation",
    "could not be parsed:",
    "returned an unexpected result type",
    # Distributed Map's ItemReader and ResultWriter
    "MaxItems must be positive",
    "CSV headers cannot contain",
    "non-iterable node",
    "is not valid JSON: ",
    "ReaderConfig.InputType",
    "unsupported ItemReader resource",
    "parameters need a",
    "pass storage= to sfnkit.run",
    "no local folder for bucket",
    "leaves the folder of bucket",
    "cannot read s3://",
    "cannot write s3://",
    "cannot list s3://",
    # service integrations (the SDK's error texts) and the Lambda runtime
    "(Service: ",
    "Proxy: null",
    "Unable to execute HTTP request",
    "validation error",
    "failed to satisfy constraint",
    "Invalid State Machine Execution Input",
    "has no action",
    "names no AWS API action",
    "malformed aws-sdk resource",
    "no AWS service is called",
    "sfnkit stopped waiting",
    "Unable to marshal",
    # the interpreter's own
    "nested too deeply to be evaluated",
    "payload template is not valid",
    "maximum duration of a",
    "internal error in sfnkit",
)


def _literal_texts(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal of a module except docstrings (f-strings contribute their literal parts)."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_each_message_is_written_in_one_place() -> None:
    package = Path(sfnkit.__file__).parent
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "messages.py" and path.parent == package:
            continue
        if path.parts[-2] in ("widgets", "reports", "project"):
            # renderers quote no runtime message, template readers write diagnostics (not run-time causes)
            continue
        for lineno, text in _literal_texts(ast.parse(path.read_text(encoding="utf-8"))):
            found += [f"{path.relative_to(package)}:{lineno}: {f!r}" for f in FRAGMENTS if f in text]
    assert found == [], "messages written outside sfnkit/messages.py:\n" + "\n".join(found)


#: The calls that carry a run-time error's cause, and where their cause is among the arguments.
CAUSE_CARRIERS = {"Failed": 1, "StatesError": 1, "TaskFailure": 1, "QueryEvaluationError": 0}


def test_no_cause_is_written_where_it_is_raised() -> None:
    """Beyond the fragments above: no module hands a cause it writes itself (a literal or an f-string) to a
    failure, or as ``cause=``. The JSONata engine's own ``CODE: message`` texts (jsonata-js's words, raised as the
    adapter's host errors) and the demo's example handlers are not run-time causes of sfnkit's."""
    package = Path(sfnkit.__file__).parent
    found = []
    for path in sorted(package.rglob("*.py")):
        if (path.name == "messages.py" and path.parent == package) or path.name == "demo.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            position = CAUSE_CARRIERS.get(name)
            causes = [k.value for k in node.keywords if k.arg == "cause"]
            if position is not None and len(node.args) > position:
                causes.append(node.args[position])
            for cause in causes:
                if isinstance(cause, ast.JoinedStr) or (
                    isinstance(cause, ast.Constant) and isinstance(cause.value, str)
                ):
                    found.append(f"{path.relative_to(package)}:{node.lineno}: {name}({ast.unparse(cause)[:60]})")
    assert found == [], "causes written outside sfnkit/messages.py:\n" + "\n".join(found)


def test_the_builders_moved_here_keep_their_words() -> None:
    assert msg.parameters_unusable('{"FunctionName":1}', [msg.field_must_be_string("FunctionName")]) == (
        "The Parameters '{\"FunctionName\":1}' could not be used to start the Task: [The value for the field "
        "'FunctionName' must be a STRING]"
    )
    assert msg.variables_too_large("A", 300000, 262144) == (
        "The variables assigned by the state 'A' take 300000 bytes, more than the 262144 bytes (256 KiB) a state "
        "may assign."
    )
    assert msg.no_such_api_action("sqs", "sendMesage", ["sendMessage"]) == (
        "sqs has no action 'sendMesage'; did you mean sendMessage?"
    )
    assert msg.storage_failed("read", "s3://b/k", "NoSuchKey: gone") == "cannot read s3://b/k: NoSuchKey: gone"
