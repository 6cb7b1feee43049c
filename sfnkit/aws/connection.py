"""How sfnkit reaches AWS (or an AWS-compatible endpoint such as a moto server): boto3 sessions and clients,
and the translation of botocore's exceptions into :class:`sfnkit.errors.AwsError`.

boto3 is imported lazily, on the first call that needs it, so ``import sfnkit.aws`` costs nothing and a missing
boto3 raises :class:`~sfnkit.errors.MissingDependencyError` naming the ``aws`` extra.

Credentials never leave boto3: no repr, message or report of sfnkit shows them. Error messages that botocore or a
server wrote are passed through :func:`redact`, which masks anything shaped like an access key id, a secret key
or a session token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from sfnkit.errors import AwsError, MissingDependencyError

__all__ = ["Connection", "boto3_module", "redact", "safe_url"]


def boto3_module() -> Any:
    """``import boto3``, or a :class:`MissingDependencyError` that says how to install it."""
    try:
        import boto3
    except ImportError:  # pragma: no cover - boto3 is installed in the test environment
        raise MissingDependencyError("boto3", "aws", "Talking to AWS Step Functions and AWS services") from None
    return boto3


# By rule, not by example: whatever names a credential, in any of the forms a server or botocore writes it
# (``name=value`` in a query string, ``Name: value`` in a header, ``"Name": "value"`` in JSON), loses its value;
# so do the values themselves when they have a recognisable shape (access key ids; STS session tokens, which are
# base64 that always opens with the same bytes) and the user:password part of any URL.
_NAME_VALUE = r"['\"]?\s*[:=]\s*['\"]?"
_SECRET_PATTERNS = (
    re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b"),
    re.compile(r"(?i)((?:secret|private)[_ -]?(?:access[_ -]?)?key" + _NAME_VALUE + r")[^\s'\",;&]+"),
    re.compile(r"(?i)((?:x-amz-)?(?:session|security)[_ -]?token" + _NAME_VALUE + r")[^\s'\",;&]+"),
    re.compile(r"(?i)((?:password|passwd)" + _NAME_VALUE + r")[^\s'\",;&]+"),
    re.compile(r"(?i)(Credential=)[^/\s,]+"),
    re.compile(r"(?i)(Signature=)[0-9a-f]{16,}"),
    re.compile(r"\b(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9+/=]+"),
    re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/\s@'\"]+@"),
)


def safe_url(url: str) -> str:
    """``url`` without its ``user:password@`` part (an endpoint_url may carry one; it is never shown)."""
    return _SECRET_PATTERNS[-1].sub(lambda m: m.group(1) + "****@", url)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with credentials masked (``secrets`` are literal strings to mask too)."""
    for s in secrets:
        if s and len(s) >= 4:
            text = text.replace(s, "****")
    for pat in _SECRET_PATTERNS:
        text = pat.sub(lambda m: (m.group(1) if m.groups() else "") + "****", text)
    return text


# What to tell the user for well-known error codes (the message always names the operation first).
_HINTS: Mapping[str, str] = {
    "AccessDeniedException": "the credentials in use are not allowed to do this; check their IAM policy",
    "AccessDenied": "the credentials in use are not allowed to do this; check their IAM policy",
    "UnrecognizedClientException": "the access key is not known to AWS; check the credentials of the session",
    "InvalidClientTokenId": "the access key is not known to AWS; check the credentials of the session",
    "ExpiredTokenException": "the session's credentials have expired; refresh them (e.g. aws sso login)",
    "ThrottlingException": "AWS throttled the request (rate exceeded) even after boto3's retries; slow down, or "
    "raise the retry budget with botocore.config.Config(retries={'max_attempts': 10, 'mode': 'adaptive'})",
    "TooManyRequestsException": "AWS throttled the request even after boto3's retries; slow down and try again",
    "InvalidArn": "an ARN is malformed; role_arn must look like arn:aws:iam::<account>:role/<name>",
    "InvalidDefinition": "AWS rejected the state machine definition",
    "StateMachineDoesNotExist": "no state machine has that ARN in this account and region",
    "ExecutionDoesNotExist": "no execution has that ARN in this account and region",
    "ExecutionAlreadyExists": "an execution with that name exists already with a different input; pick another name",
    "StateMachineAlreadyExists": "a state machine with that name exists already with a different definition",
}


def _error_code_and_message(e: BaseException) -> tuple[str | None, str, int | None]:
    response = getattr(e, "response", None)
    if isinstance(response, Mapping):
        err = response.get("Error") or {}
        code = err.get("Code")
        message = err.get("Message") or ""
        status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        return (str(code) if code is not None else None), str(message), status
    return None, str(e), None


def not_implemented(e: BaseException) -> bool:
    """True when the endpoint does not offer the operation (AWS: UnknownOperationException; moto: HTTP 500 with
    "not been implemented", or 404)."""
    code, message, status = _error_code_and_message(e)
    if code in ("UnknownOperationException", "NotImplemented", "NotImplementedException", "InvalidAction"):
        return True
    if status in (404, 501) and code in (None, "404", "501", "NotFound"):
        return True
    return status == 500 and (code == "500" or "not been implemented" in message or "Internal Server Error" in message)


# Operations an endpoint answered "not implemented" to, by endpoint URL: asked once per process, not on every
# call (botocore retries a 500 with backoff, which makes each asking slow).
_UNSUPPORTED: set[tuple[str, str]] = set()


class Connection:
    """Where and as whom to call AWS: a boto3 session (or the default one), an optional endpoint URL (a moto
    server, LocalStack, a VPC endpoint) and a region. Clients are made once per service and reused.

    ``clients`` may hold ready-made clients by service name (``{"stepfunctions": client}``); they win.
    """

    def __init__(
        self,
        *,
        session: Any = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        config: Any = None,
        clients: Mapping[str, Any] | None = None,
        endpoint_urls: Mapping[str, str] | None = None,
    ) -> None:
        self._session = session
        self.endpoint_url = endpoint_url
        self._region = region
        self._config = config
        self._clients: dict[str, Any] = dict(clients or {})
        self.endpoint_urls = dict(endpoint_urls or {})

    @classmethod
    def of(
        cls,
        client: Any = None,
        *,
        session: Any = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        config: Any = None,
    ) -> Connection:
        """A connection around a ready boto3 Step Functions ``client`` (its region and endpoint are kept for the
        other services), or made from a session / endpoint / region."""
        if client is None:
            return cls(session=session, endpoint_url=endpoint_url, region=region, config=config)
        meta = getattr(client, "meta", None)
        region = region or getattr(meta, "region_name", None)
        if endpoint_url is None and meta is not None:
            url = getattr(meta, "endpoint_url", None)
            # a client made for a custom endpoint keeps it; the public AWS endpoint is not "custom"
            if url and "amazonaws.com" not in url:
                endpoint_url = url
        name = getattr(getattr(meta, "service_model", None), "service_name", "stepfunctions")
        return cls(session=session, endpoint_url=endpoint_url, region=region, config=config, clients={name: client})

    # -- what boto3 gives us -----------------------------------------------------------------------------
    @property
    def session(self) -> Any:
        if self._session is None:
            self._session = boto3_module().session.Session(region_name=self._region)
        return self._session

    @property
    def region(self) -> str:
        if self._region:
            return self._region
        for c in self._clients.values():
            r = getattr(getattr(c, "meta", None), "region_name", None)
            if r:
                return str(r)
        r = getattr(self.session, "region_name", None)
        if not r:
            raise AwsError(
                "no AWS region is configured: pass region='us-east-1' (or set AWS_DEFAULT_REGION / a profile region)",
                operation="configuration",
            )
        return str(r)

    def client(self, service: str) -> Any:
        """The boto3 client for ``service`` (``"stepfunctions"``, ``"sqs"``...), made once."""
        c = self._clients.get(service)
        if c is not None:
            return c
        url = self.endpoint_urls.get(service, self.endpoint_url)
        config = self._config
        if url is not None:
            # A custom endpoint has no "sync-" host for StartSyncExecution/TestState: do not prepend it.
            from botocore.config import Config

            extra = Config(inject_host_prefix=False)
            config = extra if config is None else config.merge(extra)
        kwargs: dict[str, Any] = {"region_name": self.region}
        if url is not None:
            kwargs["endpoint_url"] = url
        if config is not None:
            kwargs["config"] = config
        try:
            c = self.session.client(service, **kwargs)
        except Exception as e:
            raise self.error(e, f"creating the {service} client") from None
        self._clients[service] = c
        return c

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """Call ``operation`` (PascalCase, as AWS names it: ``"StartExecution"``) on ``service``; any botocore
        failure becomes an :class:`AwsError` that names the operation."""
        from botocore import xform_name

        client = self.client(service)
        _watch_bodies(client)
        method: Callable[..., Any] = getattr(client, xform_name(operation))
        try:
            response = dict(method(**params))
        except Exception as e:
            raise self.error(e, operation) from None
        return self._checked(client, operation, response)

    def _checked(self, client: Any, operation: str, response: dict[str, Any]) -> dict[str, Any]:
        """The answer, if it is one. botocore reads a 200 whose body is not JSON (an endpoint_url pointing at
        a web page, a proxy's login form...) as an empty answer; :func:`_watch_bodies` marks those."""
        body = response.pop(_NOT_JSON, None)
        if body is None:
            return response
        shown = body if len(body) <= 200 else body[:200] + "..."
        status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        http = f" (HTTP {status})" if status is not None else ""
        raise AwsError(
            redact(
                f"{operation} failed: the endpoint answered with a body that is not JSON{http}: {shown!r}; is "
                f"endpoint_url an AWS-compatible endpoint? ({self.describe()})"
            ),
            operation=operation,
            code="InvalidResponse",
        )

    def _endpoint_of(self, service: str) -> str:
        c = self._clients.get(service)
        url = getattr(getattr(c, "meta", None), "endpoint_url", None) if c is not None else None
        return str(url or self.endpoint_urls.get(service, self.endpoint_url) or "aws")

    def optional(self, service: str, operation: str, **params: Any) -> dict[str, Any] | None:
        """Like :meth:`call`, but None when the endpoint does not implement ``operation`` (remembered per endpoint,
        so it is asked once)."""
        key = (self._endpoint_of(service), operation)
        if key in _UNSUPPORTED:
            return None
        from botocore import xform_name

        client = self.client(service)
        _watch_bodies(client)
        method: Callable[..., Any] = getattr(client, xform_name(operation))
        try:
            response = dict(method(**params))
        except Exception as e:
            if not_implemented(e) or (type(e).__name__ == "EndpointConnectionError" and "sync-" in str(e)):
                _UNSUPPORTED.add(key)
                return None
            raise self.error(e, operation) from None
        return self._checked(client, operation, response)

    def error(self, e: BaseException, operation: str) -> AwsError:
        """Translate a botocore exception into an AwsError naming ``operation``, with a hint, and no secrets."""
        return aws_error(e, operation, where=self.describe())

    def describe(self) -> str:
        """Where calls go, for messages: ``region us-east-1`` or ``region us-east-1, endpoint http://...``."""
        try:
            region = self.region
        except AwsError:
            region = "?"
        return f"region {region}" + (f", endpoint {safe_url(self.endpoint_url)}" if self.endpoint_url else "")

    def __repr__(self) -> str:
        return f"Connection({self.describe()})"


_NOT_JSON = "sfnkit:body-not-json"
_JSON_PROTOCOLS = frozenset({"json", "rest-json"})


def _mark_non_json(
    operation_model: Any, response_dict: Mapping[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    """botocore's ``before-parse`` hook: a successful answer of a JSON-protocol service must be JSON; when its
    body is not, say so in the parsed answer (botocore's parser would silently give ``{}``)."""
    if operation_model.metadata.get("protocol") not in _JSON_PROTOCOLS or response_dict.get("status_code") != 200:
        return
    if operation_model.has_streaming_output or operation_model.output_shape is None:
        return
    body = response_dict.get("body") or b""
    if not body.strip():
        return
    try:
        json.loads(body)
    except ValueError:
        customized_response_dict[_NOT_JSON] = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)


def _watch_bodies(client: Any) -> None:
    events = getattr(getattr(client, "meta", None), "events", None)
    if events is not None:  # registering under a unique id is idempotent: once per client
        events.register("before-parse", _mark_non_json, unique_id="sfnkit-non-json-answer")


def aws_error(e: BaseException, operation: str, *, where: str = "") -> AwsError:
    """An :class:`AwsError` for botocore exception ``e`` raised by ``operation``."""
    if isinstance(e, AwsError):
        return e
    code, message, status = _error_code_and_message(e)
    kind = type(e).__name__
    suffix = f" ({where})" if where else ""
    if code is None:
        # botocore's own exceptions: no HTTP answer at all
        hints = {
            "EndpointConnectionError": "could not connect to the endpoint; check endpoint_url and the network",
            "ConnectTimeoutError": "the endpoint did not answer in time; check endpoint_url and the network",
            "ReadTimeoutError": "the endpoint stopped answering; try again",
            "NoCredentialsError": "no AWS credentials were found; configure a profile, environment variables or "
            "pass a boto3 session",
            "PartialCredentialsError": "the AWS credentials are incomplete; check the profile or environment",
            "NoRegionError": "no AWS region is configured; pass region='us-east-1'",
            "ParamValidationError": "the request does not match the API's shape",
            "ProfileNotFound": "the named AWS profile does not exist",
        }
        hint = hints.get(kind, "")
        text = f"{operation} failed: {kind}: {e!s}" + (f"; {hint}" if hint else "") + suffix
        return AwsError(redact(text), operation=operation, code=kind)
    hint = _HINTS.get(code, "")
    if not hint and status == 500 and not_implemented(e):
        hint = "the endpoint does not implement this operation"
        message = message if "<html" not in message.lower() else "Internal Server Error"
    if not hint and "role" in message.lower() and ("assume" in message.lower() or "iam" in message.lower()):
        hint = "Step Functions cannot use that role; check role_arn and the role's trust policy"
    text = f"{operation} failed: {code}: {message}".rstrip(": ")
    if status is not None:
        text += f" (HTTP {status})"
    if hint:
        text += f"; {hint}"
    return AwsError(redact(text + suffix), operation=operation, code=code)
