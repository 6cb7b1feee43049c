"""The cause texts of the run-time errors Step Functions writes: one builder per message, and nowhere else.

Every ``States.Runtime``, ``States.ResultPathMatchFailure``, intrinsic-function and limit message the
interpreter records is built here, worded as AWS words it. The wording comes from AWS's recorded executions
(``tests/conformance/cases``: the case files named in ``tests/test_messages.py`` beside each builder) and, where
no recording covers a message, from the AWS documentation ("Handling errors in Step Functions workflows",
"Intrinsic functions", "Wait", "Map state", "Quotas"). Texts the data-flow functions raise are the *detail*;
:func:`in_state` adds the prefix AWS puts in front of it once the state is known.

The ``States.QueryEvaluationError`` causes of the JSONata evaluation path ("returned nothing (undefined)", ...)
are here too; the JSONata engine's own error texts (``T2001: ...``, as jsonata-js words them) stay with the
JSONata adapter, :mod:`sfnkit.asl.jsonata`, which quotes them after :func:`jsonata_threw`.

This module imports nothing from sfnkit, so every layer (front end, runtime, AWS backend) can use it.
"""

from __future__ import annotations

__all__ = [
    "STATE_PREFIX",
    "choice_variable_invalid",
    "data_limit_exceeded",
    "field_path_not_found",
    "filter_needs_array",
    "format_argument_count",
    "format_unmatched_close",
    "format_unmatched_open",
    "function_not_found",
    "history_limit",
    "in_state",
    "intrinsic_error",
    "intrinsic_path_not_found",
    "invalid_arguments",
    "invalid_path",
    "jsonata_returned_undefined",
    "jsonata_threw",
    "jsonata_unexpected_type",
    "jsonata_unparsable",
    "jsonata_unsupported_result",
    "lambda_invalid_request_content",
    "map_input_not_array",
    "map_path_value_invalid",
    "missing_property",
    "nested_too_deeply",
    "no_choice_matched",
    "no_handler",
    "no_results",
    "not_an_object",
    "path_is_null",
    "result_path_unapplicable",
    "seconds_path_missing",
    "seconds_path_negative",
    "seconds_path_not_long",
    "string_to_json_failed",
    "timestamp_field_invalid",
    "timestamp_path_invalid",
    "timestamp_path_missing",
    "tolerated_count_negative",
    "tolerated_percentage_range",
    "tolerated_threshold_exceeded",
    "variable_not_defined",
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


def history_limit(limit: int) -> str:
    """The execution reached the quota of events in one history (25,000 for STANDARD)."""
    return f"The execution reached the maximum number of history events ({limit})."


def function_not_found(arn: str, request_id: str) -> str:
    """``Lambda.ResourceNotFoundException``: the function (qualified ARN) does not exist."""
    return (
        f"Function not found: {arn} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; "
        f"Request ID: {request_id}; Proxy: null)"
    )


def lambda_invalid_request_content(parser_message: str, request_id: str) -> str:
    """``Lambda.InvalidRequestContentException``: ``lambda:invoke`` with a string ``Payload`` that is not JSON text
    (Step Functions sends a string Payload as the request body, and Lambda's Invoke refuses what does not parse)."""
    return (
        f"Could not parse request body into json: Could not parse payload into json: {parser_message} (Service: "
        f"AWSLambda; Status Code: 400; Error Code: InvalidRequestContentException; Request ID: {request_id}; "
        "Proxy: null)"
    )


def no_handler(resource: str) -> str:
    """sfnkit's own (no AWS equivalent): a service Task whose resource has no handler in ``resources``."""
    return f"no handler for resource '{resource}'"
