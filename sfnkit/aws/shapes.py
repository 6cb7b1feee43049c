"""Translating between Step Functions' view of an AWS API call and boto3's: parameter names, values, results and
errors, for the service integrations of local runs (``sfnkit.aws.integrations``).

Step Functions calls AWS with the AWS SDK for Java: the ``aws-sdk:<service>:<action>`` integrations with SDK v2,
the optimized ones (``sqs:sendMessage``, ``dynamodb:putItem``...) with SDK v1. That choice shows in what a state
machine sees, and sfnkit reproduces it:

* parameters are written in PascalCase (``StateMachineArn``) even where the API's own members are camelCase
  (``stateMachineArn``); they are matched to botocore's member names case-insensitively, through the service
  model, at every depth;
* results keep the API's member names with the first letter capitalised (``ExecutionArn``), timestamps become
  ISO-8601 text, blobs and streamed bodies become text; optimized integrations also carry the SDK v1 response
  envelope (``SdkHttpMetadata``, ``SdkResponseMetadata``);
* errors are named ``<Service>.<Exception>``: SDK v2 names (``S3.NoSuchKeyException``,
  ``DynamoDb.DynamoDbException`` for an unmodelled error) with the cause
  ``<message> (Service: S3, Status Code: 404, Request ID: ..., Extended Request ID: ...)``, or SDK v1 names
  (``DynamoDB.AmazonDynamoDBException``) with the cause
  ``<message> (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ValidationException; Request ID: ...;
  Proxy: null)``. These formats are the ones recorded on AWS in the conformance cases.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sfnkit import messages as msg

__all__ = [
    "V1_SERVICES",
    "boto_service_name",
    "error_of",
    "from_boto",
    "sdk_metadata",
    "sdk_v2_service_name",
    "to_boto",
]

# Step Functions' aws-sdk service names that are not boto3's (the others match once '-' is dropped).
_SERVICE_ALIASES = {
    "sfn": "stepfunctions",
    "eventbridge": "events",
    "cloudwatchlogs": "logs",
    "cloudwatchevents": "events",
    "elasticloadbalancingv2": "elbv2",
    "elasticloadbalancing": "elb",
    "costexplorer": "ce",
    "cognitoidentityprovider": "cognito-idp",
    "databasemigration": "dms",
    "elasticsearch": "es",
    "migrationhub": "mgh",
    "lexmodelbuilding": "lex-models",
    "lexruntime": "lex-runtime",
    "pinpointemail": "pinpoint-email",
    "marketplacemetering": "meteringmarketplace",
}

#: Optimized integrations (SDK v1): the prefix of error names, the SDK v1 service name in causes, and the name
#: of the service's base exception (used for errors the service model does not declare).
V1_SERVICES: Mapping[str, tuple[str, str, str]] = {
    "dynamodb": ("DynamoDB", "AmazonDynamoDBv2", "AmazonDynamoDBException"),
    "sqs": ("SQS", "AmazonSQS", "AmazonSQSException"),
    "sns": ("SNS", "AmazonSNS", "AmazonSNSException"),
    "lambda": ("Lambda", "AWSLambda", "AWSLambdaException"),
    "s3": ("S3", "Amazon S3", "AmazonS3Exception"),
    "events": ("EventBridge", "AmazonEventBridge", "AmazonEventBridgeException"),
    "ecs": ("ECS", "AmazonECS", "AmazonECSException"),
    "batch": ("Batch", "AWSBatch", "AWSBatchException"),
    "glue": ("Glue", "AWSGlue", "AWSGlueException"),
    "sagemaker": ("SageMaker", "AmazonSageMaker", "AmazonSageMakerException"),
    "stepfunctions": ("StepFunctions", "AWSStepFunctions", "AWSStepFunctionsException"),
}

_available: set[str] | None = None


def _services() -> set[str]:
    global _available
    if _available is None:
        import botocore.session

        _available = set(botocore.session.get_session().get_available_services())
    return _available


def boto_service_name(sfn_name: str) -> str:
    """boto3's name for the service in ``arn:aws:states:::aws-sdk:<sfn_name>:<action>``."""
    name = sfn_name.lower()
    if name in _SERVICE_ALIASES:
        return _SERVICE_ALIASES[name]
    services = _services()
    if name in services:
        return name
    squeezed = {s.replace("-", ""): s for s in services}
    if name in squeezed:
        return squeezed[name]
    import difflib

    close = difflib.get_close_matches(name, sorted(squeezed), n=3)
    raise KeyError(msg.no_such_aws_sdk_service(sfn_name, close))


_WORD = re.compile(r"[A-Z]+[0-9]*(?=[A-Z][a-z]|[^A-Za-z0-9]|$)|[A-Z][a-z0-9]*|[a-z0-9]+")


def sdk_v2_service_name(service_id: str) -> str:
    """The AWS SDK for Java v2's name for a service (its client class without ``Client``), from botocore's
    ``serviceId``: ``"DynamoDB"`` -> ``"DynamoDb"``, ``"Secrets Manager"`` -> ``"SecretsManager"``,
    ``"SFN"`` -> ``"Sfn"``, ``"S3"`` -> ``"S3"``."""
    out = []
    for part in re.split(r"[\s_\-]+", service_id):
        for word in _WORD.findall(part):
            out.append(word[:1].upper() + word[1:].lower())
    return "".join(out)


# -- parameters ---------------------------------------------------------------------------------------------


def to_boto(value: Any, shape: Any, where: str = "") -> Any:
    """Step Functions parameters -> boto3 parameters for ``shape`` (botocore's input shape).

    Member names match case-insensitively; ``None`` members are dropped (the Java SDK sends no null); a blob
    or streamed payload given as JSON that is not a string is sent as its JSON text, as Step Functions does.
    Unknown members are kept as given (botocore then names them in its error).
    """
    if shape is None:
        return value
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, Mapping):
            return value
        members = shape.members
        lower = {k.lower(): k for k in members}
        out: dict[str, Any] = {}
        for k, v in value.items():
            if v is None:
                continue
            key = str(k)
            name: str = key if key in members else lower.get(key.lower(), key)
            out[name] = to_boto(v, members.get(name), f"{where}.{name}" if where else name)
        return out
    if t == "list":
        if isinstance(value, list):
            return [to_boto(v, shape.member, where) for v in value]
        return value
    if t == "map":
        if isinstance(value, Mapping):
            return {k: to_boto(v, shape.value, where) for k, v in value.items()}
        return value
    if t == "blob":
        if isinstance(value, str):
            return value.encode("utf-8")
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if t in ("integer", "long") and isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        # the Java SDK's JSON mapper coerces numeric text to numbers, and templates make text of numbers: a Ref
        # to a CloudFormation Number parameter is a string
        return int(value)
    if t in ("float", "double") and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    if t == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if t == "string" and not isinstance(value, str) and value is not None:
        # Step Functions serialises JSON given for a string member (SQS MessageBody, SNS Message...)
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return value


def missing_required(value: Any, shape: Any) -> list[str]:
    """AWS's validation messages for required top-level members that are absent or null."""
    if shape is None or not isinstance(value, Mapping | type(None)):
        return []
    value = value or {}
    problems = []
    lower = {str(k).lower(): v for k, v in value.items()}
    for name in shape.required_members:
        if lower.get(name.lower()) is None:
            problems.append(msg.member_must_not_be_null(name[:1].lower() + name[1:]))
    return problems


# -- results ------------------------------------------------------------------------------------------------


def iso_instant(d: datetime) -> str:
    """A datetime as Java's ``Instant.toString()`` writes it (UTC, ``Z``, milliseconds only when not zero)."""
    if d.tzinfo is None:
        d = d.replace(tzinfo=UTC)
    d = d.astimezone(UTC)
    text = d.strftime("%Y-%m-%dT%H:%M:%S")
    if d.microsecond:
        text += f".{d.microsecond // 1000:03d}"
    return text + "Z"


def from_boto(value: Any, shape: Any = None, *, pascal: bool = True, epoch_millis: bool = False) -> Any:
    """A boto3 result -> what a state machine sees (JSON only): structure members with a capital first letter,
    timestamps as ISO-8601 (or epoch milliseconds, as SDK v1 integrations give them), blobs and streams as text
    (base64 when they are not UTF-8)."""
    if isinstance(value, Mapping):
        members = getattr(shape, "members", None) if shape is not None and shape.type_name == "structure" else None
        is_map = shape is not None and shape.type_name == "map"
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k == "ResponseMetadata" and not is_map and k not in (members or {}):
                continue  # boto3's own envelope, never part of the API's result
            sub = None
            if members is not None:
                sub = members.get(k)
            elif is_map:
                sub = shape.value
            key = k if is_map or not pascal else k[:1].upper() + k[1:]
            out[key] = from_boto(v, sub, pascal=pascal, epoch_millis=epoch_millis)
        return out
    if isinstance(value, list | tuple):
        member = shape.member if shape is not None and shape.type_name == "list" else None
        return [from_boto(v, member, pascal=pascal, epoch_millis=epoch_millis) for v in value]
    if isinstance(value, datetime):
        if epoch_millis:
            return int(value.timestamp() * 1000)
        return iso_instant(value)
    if hasattr(value, "read") and callable(value.read):  # botocore's StreamingBody
        value = value.read()
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(bytes(value)).decode("ascii")
    return value


_HEADER_CASE = {
    "content-length": "Content-Length",
    "content-type": "Content-Type",
    "date": "Date",
    "server": "Server",
    "x-amzn-requestid": "x-amzn-RequestId",
    "x-amz-crc32": "x-amz-crc32",
    "connection": "connection",
}


def sdk_metadata(response: Mapping[str, Any]) -> dict[str, Any]:
    """``SdkHttpMetadata`` and ``SdkResponseMetadata`` as SDK v1 integrations add them to a result."""
    meta = response.get("ResponseMetadata") or {}
    headers = {
        _HEADER_CASE.get(k.lower(), k): v
        for k, v in (meta.get("HTTPHeaders") or {}).items()
        if k.lower() not in ("access-control-allow-origin",)
    }
    return {
        "SdkHttpMetadata": {
            "AllHttpHeaders": {k: [v] for k, v in headers.items()},
            "HttpHeaders": dict(headers),
            "HttpStatusCode": int(meta.get("HTTPStatusCode", 200)),
        },
        "SdkResponseMetadata": {"RequestId": meta.get("RequestId", "")},
    }


# -- errors -------------------------------------------------------------------------------------------------


def _exception_name(code: str, client: Any) -> str | None:
    """The modelled exception shape for AWS error ``code`` (``NoSuchKey``, ``AWS.SimpleQueueService.NonExistentQueue``
    -> ``QueueDoesNotExist``), or None when the service model does not declare it."""
    model = client.meta.service_model
    for shape in model.error_shapes:
        if shape.name == code or shape.error_code == code:
            return str(shape.name)
    return None


def error_of(e: BaseException, client: Any, *, v1: str | None = None) -> tuple[str, str]:
    """``(error, cause)`` for a failed call, named as Step Functions names it (see the module docstring).

    ``v1`` is the boto3 service name of an optimized integration (SDK v1 naming); None means aws-sdk (SDK v2)."""
    model = client.meta.service_model
    response = getattr(e, "response", None)
    if v1 is not None:
        prefix, v1_service, base = V1_SERVICES.get(v1, (model.service_id, model.service_id, "AmazonServiceException"))
    else:
        prefix = v1_service = sdk_v2_service_name(str(model.service_id))
        base = prefix + "Exception"
    if not isinstance(response, Mapping) or "Error" not in response:
        # no HTTP answer: the SDK's client-side exception
        text = str(e)
        if type(e).__name__ in (
            "EndpointConnectionError",
            "ConnectTimeoutError",
            "ReadTimeoutError",
            "ConnectionClosedError",
        ):
            text = msg.http_request_failed(text)
        return f"{prefix}.SdkClientException", text
    err = response.get("Error") or {}
    code = str(err.get("Code") or "")
    message = str(err.get("Message") or "")
    meta = response.get("ResponseMetadata") or {}
    status = meta.get("HTTPStatusCode", 400)
    headers = meta.get("HTTPHeaders") or {}
    request_id = meta.get("RequestId") or headers.get("x-amzn-requestid") or headers.get("x-amz-request-id") or ""
    shape = _exception_name(code, client) or _exception_name(str(err.get("QueryErrorCode") or ""), client)
    name = base if shape is None else (shape if shape.endswith("Exception") else shape + "Exception")
    if v1 is not None:
        cause = msg.sdk_v1_cause(message, v1_service, status, code, request_id)
    else:
        ext = meta.get("HostId") or headers.get("x-amz-id-2")
        cause = msg.sdk_v2_cause(message, v1_service, status, request_id, ext if model.service_name == "s3" else None)
    return f"{prefix}.{name}", cause


def validation_error(problems: list[str], client: Any, *, v1: str | None = None) -> tuple[str, str]:
    """``(error, cause)`` for a request that AWS's own validation rejects (required members missing)."""
    message = msg.validation_errors(problems)
    fake = type("ValidationFailure", (Exception,), {})()
    fake.response = {
        "Error": {"Code": "ValidationException", "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": ""},
    }
    return error_of(fake, client, v1=v1)


def now_iso() -> str:
    return iso_instant(datetime.now(UTC))
