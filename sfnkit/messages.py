"""The cause texts of the run-time errors Step Functions writes: one builder per message, and nowhere else.

Every ``States.Runtime``, ``States.ResultPathMatchFailure``, ``States.QueryEvaluationError``, intrinsic-function,
Wait, Map, ItemReader/ResultWriter and limit message the interpreter records is built here, worded as AWS words
it, and so are the AWS SDK error texts the service integrations quote (``... (Service: AmazonSNS; Status Code:
400; ...)``) and the Lambda Python runtime's ``Runtime.MarshalError`` text. The wording comes from AWS's recorded
executions (``tests/conformance/cases``, and AWS recordings published with LocalStack's test suite for the cases
those files do not hold: both named in ``tests/test_messages.py`` beside each message) and, where no recording
covers a message, from the AWS documentation ("Handling errors in Step Functions workflows", "Intrinsic
functions", "Wait", "Map state", "Quotas"). A builder whose docstring says "sfnkit's own" has no AWS equivalent.
Texts the data-flow functions raise are the *detail*; :func:`in_state` adds the prefix AWS puts in front of it
once the state is known.

The JSONata engine's own error texts (``T2001: ...``, as jsonata-js words them) stay with the JSONata adapter,
:mod:`sfnkit.asl.jsonata`, which quotes them after :func:`jsonata_threw`; :mod:`sfnkit.runtime.lambda_runtime`
owns the rest of the Lambda runtime's behaviour. ``tests/test_messages.py`` fails when another module of
``sfnkit/`` writes one of these texts itself.

This module imports nothing from sfnkit, so every layer (front end, runtime, AWS backend) can use it.
"""

from __future__ import annotations

__all__ = [
    "STATE_PREFIX",
    "choice_variable_invalid",
    "csv_duplicate_headers",
    "data_limit_exceeded",
    "data_too_deep",
    "execution_max_duration",
    "field_must_be_string",
    "field_path_not_found",
    "filter_needs_array",
    "format_argument_count",
    "format_unmatched_close",
    "format_unmatched_open",
    "function_not_found",
    "history_limit",
    "http_request_failed",
    "in_state",
    "internal_error",
    "interrupted",
    "intrinsic_error",
    "intrinsic_path_not_found",
    "invalid_arguments",
    "invalid_execution_input",
    "invalid_path",
    "item_reader_needs_storage",
    "items_not_iterable",
    "jsonata_returned_undefined",
    "jsonata_threw",
    "jsonata_unexpected_type",
    "jsonata_unparsable",
    "jsonata_unsupported_result",
    "jsonl_line_not_json",
    "key_leaves_bucket",
    "lambda_invalid_request_content",
    "malformed_aws_sdk_resource",
    "map_input_not_array",
    "map_path_value_invalid",
    "max_items_not_positive",
    "member_must_not_be_null",
    "missing_property",
    "mock_not_covered",
    "nested_too_deeply",
    "no_bucket_folder",
    "no_choice_matched",
    "no_handler",
    "no_results",
    "no_such_api_action",
    "no_such_aws_sdk_service",
    "not_an_object",
    "object_not_json",
    "object_not_utf8",
    "parameters_unusable",
    "path_is_null",
    "reader_parameter_missing",
    "resource_names_no_action",
    "result_path_unapplicable",
    "result_writer_needs_storage",
    "sdk_v1_cause",
    "sdk_v2_cause",
    "seconds_path_missing",
    "seconds_path_negative",
    "seconds_path_not_long",
    "stopped_waiting",
    "stopped_without_ending",
    "storage_failed",
    "string_to_json_failed",
    "template_invalid",
    "timestamp_field_invalid",
    "timestamp_path_invalid",
    "timestamp_path_missing",
    "tolerated_count_negative",
    "tolerated_percentage_range",
    "tolerated_threshold_exceeded",
    "unable_to_marshal",
    "unsupported_input_type",
    "unsupported_item_reader_resource",
    "validation_errors",
    "variable_not_defined",
    "variables_too_large",
]

#: How every state-level cause starts (AWS adds it to path, intrinsic, Wait, Map and JSONata failures).
STATE_PREFIX = "An error occurred while executing the state"


def in_state(state: str, entered_event_id: int, detail: str) -> str:
    """``detail`` as AWS reports it for a state: prefixed with the state's name and its Entered event id."""
    return f"{STATE_PREFIX} '{state}' (entered at the event id #{entered_event_id}). {detail}"


# -- JSONPath (Jayway's wording, which AWS quotes) -------------------------------------------------------------


def no_results(rendered: str) -> str:
    """A definite path whose last step matched nothing; ``rendered`` is ``$['a']['b']``."""
    return f"No results for path: {rendered}"


def missing_property(rendered: str) -> str:
    """A definite path whose intermediate step matched nothing; ``rendered`` stops at that step."""
    return f"Missing property in path {rendered}"


def path_is_null(rendered: str) -> str:
    """An index step applied to ``null``."""
    return f"The path {rendered} is null"


def filter_needs_array(step: int | str, java_model: str) -> str:
    """An index step applied to a value that is not an array; ``java_model`` is how Jayway shows the value."""
    return f"Filter: [{step}] can only be applied to arrays. Current context is: {java_model}"


def not_an_object(fragment: str, rendered: str, java_class: str, provider: str) -> str:
    """A property step applied to a value that is not an object."""
    return (
        f"Expected to find an object with property {fragment} in path {rendered} but found '{java_class}'. "
        f"This is not a json object according to the JsonProvider: '{provider}'."
    )


def variable_not_defined(name: str) -> str:
    """A ``$name`` path whose variable no state has assigned in scope."""
    return f"The variable '${name}' is not defined"


def invalid_path(expr: str, detail: str) -> str:
    """A path field (InputPath, OutputPath, ItemsPath, ErrorPath/CausePath, a Choice Variable, ...) that
    selects nothing (``States.Runtime``)."""
    return f"Invalid path '{expr}' : {detail}"


def choice_variable_invalid(variable: str) -> str:
    """A Choice rule's ``Variable`` that selects nothing (any operator but ``IsPresent``). Not Jayway's detail:
    AWS words this one itself (note the colon right after the quoted path)."""
    return f"Invalid path '{variable}': The choice state's condition path references an invalid value."


def field_path_not_found(path: str, field: str, shown_input: str) -> str:
    """A ``"key.$"`` of Parameters, ResultSelector, ItemSelector or Assign whose path selects nothing; AWS shows
    the document the path was applied to (the context object for ``$$.`` paths)."""
    return f"The JSONPath '{path}' specified for the field '{field}' could not be found in the input '{shown_input}'"


def result_path_unapplicable(expr: str, shown_input: str) -> str:
    """``States.ResultPathMatchFailure``: ResultPath cannot be written into the state's input."""
    return f"Unable to apply ReferencePath {expr} to input {shown_input}"


# -- intrinsic functions -----------------------------------------------------------------------------------------


def intrinsic_error(expr: str, detail: str) -> str:
    """An intrinsic function that failed on its arguments; ``expr`` is the call as written."""
    return f"There was an error while evaluating the intrinsic function: {expr}. {detail}"


def intrinsic_path_not_found(expr: str, field: str, shown_input: str) -> str:
    """A path argument of an intrinsic function that selects nothing."""
    return (
        f"The function '{expr}' had the following error: The JsonPath argument for the field '{field}' could not "
        f"be found in the input '{shown_input}'"
    )


def invalid_arguments(function: str) -> str:
    """An argument of the wrong type, count or range (the detail of :func:`intrinsic_error`)."""
    return f"Invalid arguments in {function}"


def format_argument_count(function: str = "States.Format") -> str:
    return f"Invalid arguments in {function}: number of arguments do not match the occurrences of {{}}."


def format_unmatched_open() -> str:
    return "Invalid template in States.Format: matching '}' not found for '{'."


def format_unmatched_close() -> str:
    return "Invalid template in States.Format: matching '{' not found for '}'."


def string_to_json_failed(function: str, parser_message: str) -> str:
    """``States.StringToJson`` of text that is not JSON; ``parser_message`` is the JSON parser's (Jackson's)."""
    return f"Cannot convert String to Json in {function}, caused by: {parser_message}"


# -- Wait --------------------------------------------------------------------------------------------------------


def seconds_path_missing(path: str) -> str:
    return f"The SecondsPath parameter does not reference an input value: {path}"


def seconds_path_not_long(path: str, shown_value: str) -> str:
    return f"The SecondsPath parameter cannot be parsed as a long value: {path} == {shown_value}"


def seconds_path_negative(path: str, shown_value: str) -> str:
    return f"The SecondsPath parameter references a negative value: {path} == {shown_value}"


def timestamp_path_missing(path: str) -> str:
    return f"The TimestampPath parameter does not reference an input value: {path}"


def timestamp_path_invalid(path: str, shown_value: str) -> str:
    return (
        "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format "
        f"string: {path} == {shown_value}"
    )


def timestamp_field_invalid(text: str) -> str:
    """A JSONata ``Timestamp`` that evaluates to a string which is no date (``States.QueryEvaluationError``)."""
    return f"The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {text}"


# -- JSONata (States.QueryEvaluationError) ----------------------------------------------------------------------


def _jsonata_field(expr: str, field: str) -> str:
    """How every JSONata evaluation cause starts: the expression (inside ``{% %}``) and the field it is in
    (``Output``, ``Assign/result``, ``Output/a/b[0]``)."""
    return f"The JSONata expression '{expr}' specified for the field '{field}'"


def jsonata_returned_undefined(expr: str, field: str) -> str:
    """The expression evaluated to nothing (JSONata's ``undefined``)."""
    return f"{_jsonata_field(expr, field)} returned nothing (undefined)."


def jsonata_unsupported_result(expr: str, field: str) -> str:
    """The expression evaluated to a function, which is no JSON value."""
    return f"{_jsonata_field(expr, field)} returned an unsupported result type."


def jsonata_threw(expr: str, field: str, engine_cause: str) -> str:
    """The engine raised; ``engine_cause`` is its ``CODE: message`` as jsonata-js words it."""
    return f"{_jsonata_field(expr, field)} threw an error during evaluation. {engine_cause}"


def jsonata_unparsable(expr: str, field: str, parser_message: str) -> str:
    """The expression does not parse (reached only by a definition that skipped validation)."""
    return f"{_jsonata_field(expr, field)} could not be parsed: {parser_message}"


def jsonata_unexpected_type(expr: str, field: str, expected: str, actual: str, shown_value: str) -> str:
    """A field that takes one JSON type (``Items``: array, ``Seconds``: integer, ...) got another."""
    return (
        f"{_jsonata_field(expr, field)} returned an unexpected result type. "
        f"Expected '{expected}', but was '{actual}' for value: {shown_value}"
    )


# -- Map ---------------------------------------------------------------------------------------------------------


def map_input_not_array(shown_value: str) -> str:
    """The items of a Map are not an array (``States.Runtime``; ``States.QueryEvaluationError`` in JSONata)."""
    return f"Map state input must be an array but was: {shown_value}"


def map_path_value_invalid(field: str, shown_value: str, kind: str, path: str) -> str:
    """``MaxConcurrencyPath``, ``ToleratedFailureCountPath``/``PercentagePath`` or ``MaxItemsPath`` pointing at a
    value that is not a number of the kind the field takes (``integer``, ``float``)."""
    return f'The {field}Path field refers to value "{shown_value}" which is not a valid {kind}: {path}'


def tolerated_count_negative() -> str:
    return "ToleratedFailureCount cannot be negative."


def tolerated_percentage_range() -> str:
    return "ToleratedFailurePercentage must be between 0 and 100."


def tolerated_threshold_exceeded() -> str:
    """``States.ExceedToleratedFailureThreshold``."""
    return "The specified tolerated failure threshold was exceeded"


# -- Distributed Map: ItemReader (States.ItemReaderFailed) and ResultWriter (States.ResultWriterFailed) -------


def max_items_not_positive() -> str:
    """``MaxItems``/``MaxItemsPath`` below zero (recorded: test_map_item_reader_csv_max_items_paths)."""
    return "field MaxItems must be positive"


def csv_duplicate_headers() -> str:
    """A CSV header row, or ``CSVHeaders``, naming a column twice (recorded:
    test_map_item_reader_csv_headers_decl_duplicate_headers)."""
    return "CSV headers cannot contain duplicates."


def items_not_iterable() -> str:
    """A JSON ItemReader object that holds no array. AWS's own wording, as emulators that replay AWS's answers
    (LocalStack's ResourceOutputTransformerJson) write it: the object is a Jackson node, not an iterable one."""
    return "Attempting to map over non-iterable node."


def object_not_utf8(bucket: str, key: str) -> str:
    """sfnkit's own words (no AWS recording): an ItemReader object that is not UTF-8 text."""
    return f"s3://{bucket}/{key} is not UTF-8 text"


def object_not_json(bucket: str, key: str, parser_message: str, line: int) -> str:
    """sfnkit's own words (no AWS recording): a JSON ItemReader object that does not parse."""
    return f"s3://{bucket}/{key} is not valid JSON: {parser_message} at line {line}"


def jsonl_line_not_json(where: str, line: int, parser_message: str) -> str:
    """sfnkit's own words (no AWS recording): a line of a JSONL ItemReader object that does not parse."""
    return f"{where} line {line} is not valid JSON: {parser_message}"


def unsupported_input_type(kind: str) -> str:
    """``ReaderConfig.InputType`` that no reader knows (validation refuses it first)."""
    return f"unsupported ReaderConfig.InputType '{kind}': use JSON, JSONL or CSV"


def unsupported_item_reader_resource(resource: str) -> str:
    """An ItemReader ``Resource`` other than the two S3 actions (validation refuses it first)."""
    return f"unsupported ItemReader resource '{resource}': use s3:getObject or s3:listObjectsV2"


def reader_parameter_missing(reader: str, field: str) -> str:
    """``the ItemReader parameters need a Bucket``: a required S3 parameter of ItemReader/ResultWriter is absent."""
    return f"the {reader} parameters need a {field}"


def item_reader_needs_storage() -> str:
    """sfnkit's own (no AWS equivalent): a local run of an S3 ItemReader without ``storage=``."""
    return (
        "this Map reads its items from S3: pass storage= to sfnkit.run (a local folder whose subfolders are "
        "buckets, a {bucket: folder} mapping, or sfnkit.aws's S3 storage)"
    )


def result_writer_needs_storage() -> str:
    """sfnkit's own (no AWS equivalent): a local run of a ResultWriter without ``storage=``."""
    return "this Map writes its results to S3: pass storage= to sfnkit.run"


def no_bucket_folder(bucket: str, known: list[str]) -> str:
    """sfnkit's own: a bucket that a ``{bucket: folder}`` storage mapping does not name."""
    return f"no local folder for bucket '{bucket}'; known buckets: {', '.join(known)}"


def key_leaves_bucket(key: str, bucket: str) -> str:
    """sfnkit's own: a key such as ``../x`` that would reach outside the bucket's local folder."""
    return f"the key '{key}' leaves the folder of bucket '{bucket}'"


def storage_failed(verb: str, url: str, reason: str) -> str:
    """sfnkit's own: reading, listing or writing an object failed (``verb`` is ``read``, ``list`` or ``write``;
    ``reason`` is the file system's or S3's answer)."""
    return f"cannot {verb} {url}: {reason}"


# -- service integrations: the SDK's error texts, as Step Functions quotes them -----------------------------------


def sdk_v1_cause(message: str, service: str, status: int | str, code: str, request_id: str) -> str:
    """An optimized integration's AWS error, in the AWS SDK for Java v1 form Step Functions writes (recorded:
    test_sns_task_service__test_fifo_message_attribute*: ``... (Service: AmazonSNS; Status Code: 400; Error Code: InvalidParameter; ...)``)."""
    return (
        f"{message} (Service: {service}; Status Code: {status}; Error Code: {code}; Request ID: {request_id}; "
        "Proxy: null)"
    )


def sdk_v2_cause(message: str, service: str, status: int | str, request_id: str, extended_id: str | None) -> str:
    """An ``aws-sdk:`` integration's AWS error, in the AWS SDK for Java v2 form (recorded: test_aws_sdk__test_dynamodb_invalid_param,
    test_aws_sdk__test_s3_no_such_key: ``... (Service: DynamoDb, Status Code: 400, Request ID: ...)``; S3 adds its Extended Request ID)."""
    extra = f", Extended Request ID: {extended_id}" if extended_id else ""
    return f"{message} (Service: {service}, Status Code: {status}, Request ID: {request_id}{extra})"


def http_request_failed(detail: str) -> str:
    """``<Service>.SdkClientException``: the endpoint could not be reached (recorded:
    test_task_service_sqs__test_send_message_no_such_queue: ``Unable to execute HTTP request: <host>: Name or service not known``)."""
    return f"Unable to execute HTTP request: {detail}"


def validation_errors(problems: list[str]) -> str:
    """AWS's request validation (``ValidationException``), recorded (test_task_service_dynamodb__test_invalid_param): ``1 validation error detected:
    Value null at 'item' failed to satisfy constraint: Member must not be null``."""
    n = len(problems)
    return f"{n} validation error{'s' if n > 1 else ''} detected: " + "; ".join(problems)


def member_must_not_be_null(member: str) -> str:
    """One problem of :func:`validation_errors`: a required request member is absent or null."""
    return f"Value null at '{member}' failed to satisfy constraint: Member must not be null"


def invalid_execution_input() -> str:
    """``StepFunctions.InvalidExecutionInputException``: ``states:startExecution`` with an ``Input`` string that
    is not JSON."""
    return "Invalid State Machine Execution Input: 'Input' is not valid JSON"


def no_such_api_action(service: str, action: str, close: list[str]) -> str:
    """sfnkit's own (AWS refuses such a resource when the definition is created): an aws-sdk or optimized
    integration naming an action the service's API lacks; ``close`` lists the nearest ones."""
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"{service} has no action {action!r}{hint}"


def resource_names_no_action(resource: str) -> str:
    """sfnkit's own: an optimized-integration resource whose action no AWS API has."""
    return f"the resource {resource!r} names no AWS API action"


def malformed_aws_sdk_resource(resource: str) -> str:
    """sfnkit's own (validation refuses it first): an ``aws-sdk`` resource without a service or an action."""
    return f"malformed aws-sdk resource {resource!r}; expected arn:aws:states:::aws-sdk:<service>:<action>"


def no_such_aws_sdk_service(name: str, close: list[str]) -> str:
    """sfnkit's own (validation refuses it first): an ``aws-sdk:<service>`` that names no AWS service."""
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"no AWS service is called {name!r} in aws-sdk integrations{hint}"


def stopped_waiting(what: str, seconds: float) -> str:
    """sfnkit's own: a ``.sync`` job still running when ``integrations(max_wait=...)`` ran out."""
    return f"sfnkit stopped waiting for {what} after {seconds:g} s of wall time (integrations(max_wait=...))"


# -- Choice, limits, tasks ---------------------------------------------------------------------------------------


def no_choice_matched(state: str) -> str:
    """``States.NoChoiceMatched``: no Choice rule matched and the state has no Default."""
    return f"No Matches! (state '{state}')"


def data_limit_exceeded(who: str) -> str:
    """``States.DataLimitExceeded``: a result over 256 KiB; ``who`` is the state name, or the Lambda ARN /
    service name of a task's result."""
    return f"The state/task '{who}' returned a result with a size exceeding the maximum number of bytes service limit."


def nested_too_deeply(state: str) -> str:
    """State data or a payload template nested deeper than can be evaluated (hundreds of levels): sfnkit's own
    words, in AWS's state-error form (AWS's service limits refuse such payloads before any state runs)."""
    return f"{STATE_PREFIX} '{state}'. The state data or a payload template is nested too deeply to be evaluated."


def data_too_deep() -> str:
    """sfnkit's own words: the detail of a payload template or state data nested too deeply (the interpreter
    adds the state prefix)."""
    return "The state data or the payload template is nested too deeply to be evaluated."


def template_invalid(detail: str) -> str:
    """sfnkit's own words (validation reports such templates first): a payload template that cannot be
    evaluated, for a definition that skipped validation."""
    return f"The payload template is not valid: {detail}"


def unable_to_marshal(reason: str, *, submitted: bool = False) -> str:
    """``Runtime.MarshalError``: a handler's result that JSON cannot carry (the Lambda Python runtime's words,
    ``Unable to marshal response: <reason>``); ``submitted`` for the start answer of a ``.sync`` job."""
    return (
        f"Unable to marshal the submitted response: {reason}" if submitted else f"Unable to marshal response: {reason}"
    )


def execution_max_duration(workflow_type: str, duration: str) -> str:
    """``States.Timeout`` of an execution that ran for the longest a workflow of its type may (EXPRESS: 5
    minutes, STANDARD: one year; AWS docs, "Step Functions service quotas")."""
    return f"The execution ran for the maximum duration of a {workflow_type} workflow ({duration})."


def internal_error(kind: str, detail: str) -> str:
    """sfnkit's own: an interpreter bug ended the execution (its history so far is kept)."""
    return f"internal error in sfnkit's interpreter: {kind}: {detail}"


def field_must_be_string(field: str) -> str:
    """One problem of :func:`parameters_unusable`: a Task field that must be a string (``RoleArn`` of
    ``Credentials``, ``FunctionName`` of ``lambda:invoke``) is not."""
    return f"The value for the field '{field}' must be a STRING"


def parameters_unusable(shown_parameters: str, problems: list[str]) -> str:
    """``States.Runtime``: the evaluated Parameters of a Task cannot start it (the problems of
    :func:`field_must_be_string`)."""
    return f"The Parameters '{shown_parameters}' could not be used to start the Task: [{', '.join(problems)}]"


def variables_too_large(state: str, size: int, limit: int) -> str:
    """``States.DataLimitExceeded``: the values one ``Assign`` writes total more than 256 KiB (AWS docs,
    "Passing data between states with variables": a quota of 256 KiB per state's assignments)."""
    return f"The variables assigned by the state '{state}' take {size} bytes, more than the {limit} bytes (256 KiB) a state may assign."


def mock_not_covered(invocation: int, state: str, response: str, covered: str, test_case: str, machine: str) -> str:
    """sfnkit's own: a mocked Task invoked more often than its mocked response covers."""
    return (
        f"no mocked response for invocation {invocation} of state {state!r}: mocked response {response!r} covers "
        f"{covered} (test case {test_case!r} of {machine!r}); a mock must cover every invocation, retries and Map "
        "iterations included"
    )


def interrupted() -> str:
    """sfnkit's own: the notebook's kernel was interrupted during a run (the execution ends ABORTED)."""
    return "interrupted in the notebook"


def stopped_without_ending() -> str:
    """sfnkit's own: an interpreter bug left the execution with nothing to run and no end."""
    return "internal error: the execution stopped without an ending"


def history_limit(limit: int) -> str:
    """The execution reached the quota of events in one history (25,000 for STANDARD)."""
    return f"The execution reached the maximum number of history events ({limit})."


def function_not_found(arn: str, request_id: str) -> str:
    """``Lambda.ResourceNotFoundException``: the function (qualified ARN) does not exist."""
    return sdk_v1_cause(f"Function not found: {arn}", "AWSLambda", 404, "ResourceNotFoundException", request_id)


def lambda_invalid_request_content(parser_message: str, request_id: str) -> str:
    """``Lambda.InvalidRequestContentException``: ``lambda:invoke`` with a string ``Payload`` that is not JSON text
    (Step Functions sends a string Payload as the request body, and Lambda's Invoke refuses what does not parse)."""
    return sdk_v1_cause(
        f"Could not parse request body into json: Could not parse payload into json: {parser_message}",
        "AWSLambda",
        400,
        "InvalidRequestContentException",
        request_id,
    )


def no_handler(resource: str) -> str:
    """sfnkit's own (no AWS equivalent): a service Task whose resource has no handler in ``resources``."""
    return f"no handler for resource '{resource}'"
