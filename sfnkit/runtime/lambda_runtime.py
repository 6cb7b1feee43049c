"""What AWS Lambda's Python runtime sends back for one invocation, byte for byte.

A Python handler's answer reaches a state machine through the Lambda Python runtime (the runtime interface
client ``awslambdaric`` of the ``python3.12``/``python3.13`` managed runtimes) and then through Lambda's
``Invoke`` API. This module owns that wire format, so the interpreter shows a handler's result and error
exactly as AWS would:

* **Result.** A ``bytes`` result is sent as it is. Anything else is encoded with the standard ``json``
  encoder at its defaults (separators ``", "`` and ``": "``, NaN and infinities allowed) with
  ``ensure_ascii=False`` (the python3.12+ runtimes send UTF-8, not ``\\uXXXX`` escapes). An object JSON cannot
  encode fails the invocation with ``Runtime.MarshalError``, ``"Unable to marshal response: <reason>"``.
* **Error.** An exception escaping the handler becomes the document ``{"errorMessage": str(exc),
  "errorType": <class name>, "requestId": <invocation id>, "stackTrace": [...]}``, encoded the same way
  (spaced separators; Step Functions passes it on as the cause text). ``stackTrace`` holds one entry per
  frame of the user's code, formatted as :func:`traceback.format_list` formats it (``'  File "...", line N,
  in f\\n    source\\n'``, plus the caret line newer Pythons print under a sub-expression); the runtime's own
  frames (sfnkit's, here) are left out.
* **Headers.** ``lambda:invoke`` results carry ``SdkHttpMetadata``: the header set AWS records for Lambda's
  ``Invoke`` response, with ``Content-Length`` the byte length of the body above and ``X-Amzn-Trace-Id`` an
  X-Ray trace header.

The recorded cases that pin these rules are listed in ``tests/test_lambda_runtime.py``.
"""

from __future__ import annotations

import decimal
import json
import traceback
from types import TracebackType
from typing import Any, Final

from sfnkit import messages as msg
from sfnkit.history.model import join_surrogate_pairs

__all__ = [
    "EXIT_ERROR",
    "INVALID_REQUEST_CONTENT",
    "MARSHAL_ERROR",
    "RESOURCE_NOT_FOUND",
    "UNKNOWN",
    "MarshalError",
    "decode_payload",
    "error_document",
    "exit_error_document",
    "exit_status",
    "invoke_headers",
    "response_body",
    "stack_entry",
    "trace_header",
]

#: The error type the runtime reports when a result cannot be encoded.
MARSHAL_ERROR: Final = "Runtime.MarshalError"
#: The error type Lambda reports when the runtime process exits during an invocation (``sys.exit()``).
EXIT_ERROR: Final = "Runtime.ExitError"
#: The error Step Functions reports when the function to invoke does not exist.
RESOURCE_NOT_FOUND: Final = "Lambda.ResourceNotFoundException"
#: The error Lambda's Invoke API answers a request body that is not JSON with, before any code runs.
INVALID_REQUEST_CONTENT: Final = "Lambda.InvalidRequestContentException"
#: The error Step Functions reports for a function error whose payload names no ``errorType``.
UNKNOWN: Final = "Lambda.Unknown"


class _RuntimeEncoder(json.JSONEncoder):
    """The runtime's encoder: ``json`` defaults, UTF-8 text, and ``Decimal`` written as the number it holds."""

    def default(self, o: Any) -> Any:
        if isinstance(o, decimal.Decimal):
            # the runtime writes a Decimal's digits as a JSON number; int/float carry the same value
            if o.is_nan() or o.is_infinite():
                return float(o)
            return int(o) if o == o.to_integral_value() else float(o)
        return super().default(o)


_ENCODER: Final = _RuntimeEncoder(ensure_ascii=False, allow_nan=True)
# Step Functions' own encoding of JSON it writes again (the error of a lambda:invoke task)
_COMPACT: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class MarshalError(Exception):
    """The handler's result cannot be encoded; ``str()`` is the runtime's ``errorMessage``."""


def response_body(result: Any) -> bytes:
    """The bytes the runtime sends for ``result``; raises :class:`MarshalError` when JSON cannot carry it."""
    if isinstance(result, bytes | bytearray | memoryview):
        return bytes(result)
    try:
        # surrogatepass: a lone surrogate a handler returns is kept (the history escapes it), not a marshal error
        return _ENCODER.encode(result).encode("utf-8", "surrogatepass")
    except (TypeError, ValueError, RecursionError) as e:
        raise MarshalError(msg.unable_to_marshal(str(e))) from None


def error_document(message: str, error_type: str, request_id: str, stack: list[str], *, compact: bool = False) -> str:
    """The error document of a failed invocation, as the cause Step Functions records.

    A Lambda Task (``"Resource": "arn:aws:lambda:..."``) passes the runtime's text on as it is (spaced
    separators); ``arn:aws:states:::lambda:invoke`` (like every service integration) decodes the function error
    and writes it again, compactly (``compact=True``), keys in the same order and non-ASCII characters unescaped.
    """
    doc = {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack}
    return (_COMPACT if compact else _ENCODER).encode(doc)


def exit_status(code: object) -> int:
    """The process exit status of ``sys.exit(code)``: None is 0, an int itself, anything else (a message) 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    return 1


def exit_error_document(request_id: str, code: object) -> str:
    """The error Lambda (not the runtime, which is gone) reports when the handler ends the process: no stack
    trace and no requestId field, the request id in the message, written compactly by Lambda's service."""
    status = exit_status(code)
    reason = (
        f"Runtime exited with error: exit status {status}" if status else "Runtime exited without providing a reason"
    )
    return _COMPACT.encode({"errorType": EXIT_ERROR, "errorMessage": f"RequestId: {request_id} Error: {reason}"})


def stack_entry(tb: TracebackType) -> str:
    """One ``stackTrace`` entry: the frame of ``tb`` as :func:`traceback.format_list` formats it."""
    return "".join(traceback.format_list(traceback.extract_tb(tb, limit=1)))


def trace_header(request_id: str, epoch_seconds: float) -> str:
    """An X-Ray trace header as Lambda returns it (``root=1-<epoch hex>-<24 hex>;sampled=0``), derived from the
    invocation's request id so that it costs no draw from the execution's random source."""
    return f"root=1-{int(epoch_seconds) & 0xFFFFFFFF:08x}-{request_id.replace('-', '')[:24]};sampled=0"


def invoke_headers(
    *, content_length: int, request_id: str, date: str, trace_id: str, log_result: str | None = None
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """``(AllHttpHeaders, HttpHeaders)`` of Lambda's ``Invoke`` response as Step Functions records them."""
    single: dict[str, str] = {
        "Connection": "keep-alive",
        "Content-Length": str(content_length),
        "Content-Type": "application/json",
        "Date": date,
        "X-Amz-Executed-Version": "$LATEST",
    }
    if log_result is not None:
        single["X-Amz-Log-Result"] = log_result
    single["X-Amzn-Trace-Id"] = trace_id
    single["x-amzn-Remapped-Content-Length"] = "0"
    single["x-amzn-RequestId"] = request_id
    return {k: [v] for k, v in single.items()}, single


def _reject_constant(name: str) -> Any:
    # NaN/Infinity are not JSON: Step Functions' parser refuses them, so the body stays text
    raise ValueError(name)


# built once: json.loads with a keyword builds a new decoder on every call (twice the cost)
_DECODER: Final = json.JSONDecoder(parse_constant=_reject_constant)


def decode_payload(body: bytes) -> Any:
    """What Step Functions makes of a response body: the JSON value it holds, else its text as a string."""
    try:
        text = body.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return body.decode("utf-8", "replace")
    if not text.isascii():  # a surrogate pair the handler returned is one character once read as JSON
        text = join_surrogate_pairs(text)
    try:
        return _DECODER.decode(text)
    except ValueError:
        return text
