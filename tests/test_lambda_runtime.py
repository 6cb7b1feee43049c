"""A Python handler's result and error as the Lambda Python runtime sends them (sfnkit.runtime.lambda_runtime).

Each rule comes from AWS's recordings (tests/conformance/cases) and from the runtime's documented behaviour:

* Payload text is ``json.dumps`` at its defaults, UTF-8: ``Content-Length`` counts its bytes.
  test_base_scenarios__test_numbered_mock_responses_multiple_s* record ``{"status": "running"}`` as 21 bytes
  (spaced separators), test_mixed_query_language__test_task_dataflow_to_state* 93 bytes for an object.
* A ``bytes`` result is the body as it is: test_assign_reference_variables__test_variables_in_lambda_task*
  (``b'"HelloWorld!"'``, Content-Length 13) and test_lambda_task__test_invoke_bytes_payload*.
* The header set of ``lambda:invoke`` results, X-Amzn-Trace-Id included: every lambda:invoke recording
  (e.g. test_lambda_task_service__test_invoke_json_values__*, test_lambda_task_service__test_invoke_unsupported_param*
  with ``LogType: Tail``).
* The error document: a Lambda Task's cause is the runtime's spaced text (test_task_lambda__test_raise_exception_catch*,
  test_base_scenarios__test_lambda_invoke_with_retry_extended_input*); ``lambda:invoke`` writes it again
  compactly (test_task_service_lambda__test_raise_exception_catch*, test_error_output__test_map_catch_error*).
  An exception without a message has ``errorMessage: ""`` (test_task_service_lambda__test_raise_custom_exception*).
"""

from __future__ import annotations

import decimal
import json
import re
import sys
import traceback
from typing import Any

import pytest

import sfnkit
from sfnkit.runtime import lambda_runtime as lr

LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:f"
RECORDED_HEADERS = [
    "Connection",
    "Content-Length",
    "Content-Type",
    "Date",
    "X-Amz-Executed-Version",
    "X-Amzn-Trace-Id",
    "x-amzn-Remapped-Content-Length",
    "x-amzn-RequestId",
]


def invoke_machine(**extra: Any) -> dict[str, Any]:
    params = {"FunctionName": "f", "Payload.$": "$", **extra}
    return {
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": params, "End": True}
        },
    }


def task_machine(catch: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Task", "Resource": LAMBDA_ARN, "End": True}
    if catch:
        state["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]
    states: dict[str, Any] = {"T": state}
    if catch:
        states["Caught"] = {"Type": "Pass", "End": True}
    return {"StartAt": "T", "States": states}


def invoke(result: Any) -> dict[str, Any]:
    ex = sfnkit.run(invoke_machine(), {}, resources={"f": lambda event, context: result})
    assert ex.status == "SUCCEEDED", ex.cause
    out: dict[str, Any] = ex.output
    return out


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"status": "running"},
        [],
        ["string-literal"],
        "HelloWorld!",
        0,
        0.0,
        1.5,
        -7,
        True,
        False,
        None,
        {"nested": {"list": [1, 2.5, "x", None, True]}},
        {"name": "Zoë", "city": "Zürich"},
        "日本語",
        10**20,
    ],
)
def test_every_json_type_reaches_the_state_machine_with_the_runtimes_content_length(value: Any) -> None:
    out = invoke(value)
    assert out["Payload"] == value and type(out["Payload"]) is type(value)
    # json.dumps at its defaults (", " and ": "), UTF-8 text: what the runtime sends
    expected = len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    headers = out["SdkHttpMetadata"]["HttpHeaders"]
    assert headers["Content-Length"] == str(expected)
    assert out["SdkHttpMetadata"]["AllHttpHeaders"]["Content-Length"] == [str(expected)]


def test_the_recorded_content_lengths() -> None:
    # test_base_scenarios__test_numbered_mock_responses_multiple_s*: 21 and 23 bytes
    assert invoke({"status": "running"})["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"] == "21"
    assert invoke({"status": "completed"})["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"] == "23"
    # test_lambda_task_service__test_invoke_json_values__*: 0 -> 1 byte, true -> 4, {} -> 2
    values: list[Any] = [0, True, {}]
    assert [invoke(v)["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"] for v in values] == ["1", "4", "2"]


def test_bytes_are_the_body_as_they_are() -> None:
    out = invoke(b'"HelloWorld!"')  # the recorded case: Content-Length 13, Payload the string
    assert out["Payload"] == "HelloWorld!"
    assert out["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"] == "13"
    out = invoke(b'{"a":1,"b":[true]}')  # compact bytes keep their own length
    assert out["Payload"] == {"a": 1, "b": [True]}
    assert out["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"] == str(len(b'{"a":1,"b":[true]}'))
    out = invoke("naïve".encode())  # bytes that are not JSON reach the state machine as their text
    assert out["Payload"] == "naïve"
    assert out["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"] == "6"


def test_bytes_from_a_lambda_task_are_decoded_too() -> None:
    ex = sfnkit.run(task_machine(), {}, resources={"f": lambda e, c: b'"HelloWorld!"'})
    assert ex.output == "HelloWorld!"


def test_what_json_dumps_changes_on_the_way() -> None:
    # tuples become lists, integer keys become strings, a Decimal is the number it holds
    out = invoke({"t": (1, 2), 3: "three", "d": decimal.Decimal("2.50"), "i": decimal.Decimal("7")})
    assert out["Payload"] == {"t": [1, 2], "3": "three", "d": 2.5, "i": 7}


def test_the_header_set_aws_records() -> None:
    out = invoke({"ok": True})
    meta = out["SdkHttpMetadata"]
    assert sorted(meta["HttpHeaders"]) == sorted(RECORDED_HEADERS)
    assert list(meta["AllHttpHeaders"]) == list(meta["HttpHeaders"])
    assert all(meta["AllHttpHeaders"][k] == [v] for k, v in meta["HttpHeaders"].items())
    headers = meta["HttpHeaders"]
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Amz-Executed-Version"] == "$LATEST"
    assert headers["x-amzn-Remapped-Content-Length"] == "0"
    assert headers["x-amzn-RequestId"] == out["SdkResponseMetadata"]["RequestId"]
    assert re.fullmatch(r"root=1-[0-9a-f]{8}-[0-9a-f]{24};sampled=0", headers["X-Amzn-Trace-Id"])
    assert re.fullmatch(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT", headers["Date"])
    assert (meta["HttpStatusCode"], out["StatusCode"], out["ExecutedVersion"]) == (200, 200, "$LATEST")


def test_log_type_tail_adds_the_log_result_header() -> None:
    ex = sfnkit.run(invoke_machine(LogType="Tail"), {}, resources={"f": lambda e, c: {}})
    out = ex.output
    headers = out["SdkHttpMetadata"]["HttpHeaders"]
    assert sorted(headers) == sorted([*RECORDED_HEADERS, "X-Amz-Log-Result"])
    assert headers["X-Amz-Log-Result"] == out["LogResult"]


class CustomException(Exception):
    message: str

    def __init__(self) -> None:
        self.message = "CustomException message"  # not passed to Exception: str() is ""


def raise_custom(event: Any, context: Any) -> Any:
    raise CustomException()


def raise_non_ascii(event: Any, context: Any) -> Any:
    raise ValueError("Zahlung abgelehnt: Größe ungültig ✗")


def _helper(value: int) -> float:
    return 10 / value


def raise_in_helper(event: Any, context: Any) -> Any:
    return _helper(0)


def test_a_lambda_tasks_cause_is_the_runtimes_spaced_document() -> None:
    ex = sfnkit.run(task_machine(), {}, resources={"f": raise_non_ascii})
    assert ex.error == "ValueError"
    cause = ex.cause or ""
    doc = json.loads(cause)
    assert list(doc) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert cause == json.dumps(doc, ensure_ascii=False)  # spaced separators, UTF-8 text
    assert doc["errorMessage"] == "Zahlung abgelehnt: Größe ungültig ✗"
    assert "Größe" in cause  # not \u escapes (the python3.12+ runtimes)


def test_lambda_invoke_writes_the_error_again_compactly() -> None:
    ex = sfnkit.run(invoke_machine(), {}, resources={"f": raise_non_ascii})
    cause = ex.cause or ""
    doc = json.loads(cause)
    assert cause == json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    assert "Größe ungültig ✗" in cause


@pytest.mark.parametrize("machine", [task_machine(catch=True), invoke_machine()], ids=["lambda-task", "invoke"])
def test_a_custom_exception_without_a_message(machine: dict[str, Any]) -> None:
    ex = sfnkit.run(machine, {}, resources={"f": raise_custom})
    history_failure = next(e for e in ex.history if e.type in ("LambdaFunctionFailed", "TaskFailed"))
    assert history_failure.error == "CustomException"
    doc = json.loads(history_failure.cause or "")
    assert doc["errorMessage"] == "" and doc["errorType"] == "CustomException"
    line = raise_custom.__code__.co_firstlineno + 1
    assert doc["stackTrace"] == [f'  File "{__file__}", line {line}, in raise_custom\n    raise CustomException()\n']


def test_the_stack_trace_is_every_user_frame_as_traceback_formats_it() -> None:
    ex = sfnkit.run(task_machine(), {}, resources={"f": raise_in_helper})
    doc = json.loads(ex.cause or "")
    assert doc["errorType"] == "ZeroDivisionError" and doc["errorMessage"] == "division by zero"
    handler_line = raise_in_helper.__code__.co_firstlineno + 1
    helper_line = _helper.__code__.co_firstlineno + 1
    assert len(doc["stackTrace"]) == 2
    assert doc["stackTrace"][0].startswith(f'  File "{__file__}", line {handler_line}, in raise_in_helper\n')
    assert doc["stackTrace"][1].startswith(
        f'  File "{__file__}", line {helper_line}, in _helper\n    return 10 / value\n'
    )
    # Python 3.11+ (and so Lambda's python3.12+) underlines the failing sub-expression
    assert doc["stackTrace"][1].endswith("    return 10 / value\n           ~~~^~~~~~~\n")
    # exactly what the runtime's traceback.format_list prints for the same frames
    try:
        raise_in_helper({}, None)
    except ZeroDivisionError as e:
        frames = traceback.format_list(traceback.extract_tb(e.__traceback__)[1:])
    assert doc["stackTrace"] == frames


def test_a_result_json_cannot_carry_is_a_marshal_error() -> None:
    ex = sfnkit.run(task_machine(), {}, resources={"f": lambda e, c: {"s": {1, 2}}})
    assert ex.error == "Runtime.MarshalError"
    doc = json.loads(ex.cause or "")
    assert doc["errorMessage"] == "Unable to marshal response: Object of type set is not JSON serializable"
    assert (doc["errorType"], doc["stackTrace"]) == ("Runtime.MarshalError", [])


def test_a_result_over_256_kib_is_data_limit_exceeded() -> None:
    big = b"a" * (257 * 1024)  # the recorded large_utf8_response handler
    ex = sfnkit.run(task_machine(), {}, resources={"f": lambda e, c: big})
    assert ex.error == "States.DataLimitExceeded"


def test_module_functions() -> None:
    assert lr.response_body({"a": [1, "é"]}) == '{"a": [1, "é"]}'.encode()
    assert lr.response_body(b"\x00raw") == b"\x00raw"
    with pytest.raises(lr.MarshalError, match="Unable to marshal response: Object of type object"):
        lr.response_body(object())
    assert lr.decode_payload(b"NaN") == "NaN"  # not JSON to Step Functions
    assert (
        lr.error_document("m", "E", "r", [])
        == '{"errorMessage": "m", "errorType": "E", "requestId": "r", "stackTrace": []}'
    )
    assert (
        lr.error_document("m", "E", "r", [], compact=True)
        == '{"errorMessage":"m","errorType":"E","requestId":"r","stackTrace":[]}'
    )
    assert lr.trace_header("0123abcd-4567-4890-abcd-ef0123456789", 0x6543210F) == (
        "root=1-6543210f-0123abcd45674890abcdef01;sampled=0"
    )


def test_a_string_payload_is_the_request_body() -> None:
    # test_lambda_task_service__test_invoke_json_values__*: the string "0" reaches the handler as the number 0
    machine = invoke_machine()
    machine["States"]["T"]["Parameters"] = {"FunctionName": "f", "Payload.$": "$.p"}
    ex = sfnkit.run(machine, {"p": '{"a": [1, true]}'}, resources={"f": lambda event, context: event})
    assert ex.output["Payload"] == {"a": [1, True]}


def test_a_string_payload_that_is_not_json_is_refused_by_lambda() -> None:
    called = []
    machine = invoke_machine()
    machine["States"]["T"]["Parameters"] = {"FunctionName": "f", "Payload.$": "$.p"}
    ex = sfnkit.run(machine, {"p": "hello"}, resources={"f": lambda event, context: called.append(event)})
    assert called == []  # Lambda's Invoke refuses the body before any code runs
    assert ex.error == "Lambda.InvalidRequestContentException"
    cause = ex.cause or ""
    assert cause.startswith(
        "Could not parse request body into json: Could not parse payload into json: Unrecognized token 'hello': "
        "was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
    )
    assert re.search(
        r"\(Service: AWSLambda; Status Code: 400; Error Code: InvalidRequestContentException; "
        r"Request ID: [0-9a-f-]{36}; Proxy: null\)$",
        cause,
    )


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (3, "Runtime exited with error: exit status 3"),
        ("fatal: no config", "Runtime exited with error: exit status 1"),
        (None, "Runtime exited without providing a reason"),
    ],
)
def test_sys_exit_in_a_handler_is_lambdas_runtime_exit_error(code: object, reason: str) -> None:
    def handler(event: Any, context: Any) -> Any:
        sys.exit(code)  # type: ignore[arg-type]

    ex = sfnkit.run(task_machine(), {}, resources={"f": handler})
    assert ex.error == "Runtime.ExitError"
    doc = json.loads(ex.cause or "")
    assert list(doc) == ["errorType", "errorMessage"]  # Lambda's own document: no requestId field, no stack
    assert re.fullmatch(r"RequestId: [0-9a-f-]{36} Error: " + re.escape(reason), doc["errorMessage"])
    assert ex.cause == json.dumps(doc, separators=(",", ":"))


def test_a_service_integration_handler_error_is_written_compactly_too() -> None:
    # Step Functions decodes an integration's error and writes it again, as it does for lambda:invoke
    machine = {
        "StartAt": "T",
        "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True}},
    }
    ex = sfnkit.run(machine, {}, resources={"arn:aws:states:::sqs:sendMessage": raise_non_ascii})
    cause = ex.cause or ""
    assert ex.error == "ValueError"
    assert cause == json.dumps(json.loads(cause), ensure_ascii=False, separators=(",", ":"))


class PaymentError(Exception):
    """A project's own exception base."""


class Gateway:
    class Declined(PaymentError):
        """Nested in a class: the runtime names it by its own ``__name__``, never its qualified name."""


def raise_declined(event: Any, context: Any) -> Any:
    raise Gateway.Declined("card 4242", {"retry": False})


def raise_key_error(event: Any, context: Any) -> Any:
    return {}["missing"]


def raise_chained(event: Any, context: Any) -> Any:
    try:
        return _helper(0)
    except ZeroDivisionError as e:
        raise PaymentError("could not price the order") from e


@pytest.mark.parametrize(
    ("handler", "error", "message"),
    [
        # errorType is type(e).__name__, errorMessage is str(e): args tuples and KeyError's repr as Python writes them
        (raise_declined, "Declined", "('card 4242', {'retry': False})"),
        (raise_key_error, "KeyError", "'missing'"),
        (raise_custom, "CustomException", ""),
    ],
    ids=["nested-class-with-args", "key-error", "no-message"],
)
def test_custom_exceptions_are_named_and_worded_as_the_runtime_does(handler: Any, error: str, message: str) -> None:
    for machine in (task_machine(), invoke_machine()):
        ex = sfnkit.run(machine, {}, resources={"f": handler})
        doc = json.loads(ex.cause or "")
        assert (ex.error, doc["errorType"], doc["errorMessage"]) == (error, error, message)


def test_a_chained_exception_reports_only_its_own_frames() -> None:
    # the runtime formats the traceback of the exception that escaped the handler; its __cause__ is not printed
    ex = sfnkit.run(task_machine(), {}, resources={"f": raise_chained})
    doc = json.loads(ex.cause or "")
    assert (doc["errorType"], doc["errorMessage"]) == ("PaymentError", "could not price the order")
    line = raise_chained.__code__.co_firstlineno + 4
    assert doc["stackTrace"] == [
        f'  File "{__file__}", line {line}, in raise_chained\n'
        '    raise PaymentError("could not price the order") from e\n'
    ]


def test_keys_json_dumps_rewrites_are_counted_as_sent() -> None:
    value = {True: 1, None: 2, 1.5: 3, "t": (1, "a")}
    out = invoke(value)
    assert out["Payload"] == {"true": 1, "null": 2, "1.5": 3, "t": [1, "a"]}
    sent = json.dumps(value, ensure_ascii=False).encode()
    assert sent == b'{"true": 1, "null": 2, "1.5": 3, "t": [1, "a"]}'
    assert out["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"] == str(len(sent))
