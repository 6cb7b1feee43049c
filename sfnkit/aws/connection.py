"""How sfnkit reaches AWS (or an AWS-compatible endpoint such as a moto server): boto3 sessions and clients,
and the translation of botocore's exceptions into :class:`sfnkit.errors.AwsError`.

boto3 is imported lazily, on the first call that needs it, so ``import sfnkit.aws`` costs nothing and a missing
boto3 raises :class:`~sfnkit.errors.MissingDependencyError` naming the ``aws`` extra.

Credentials never leave boto3: no repr, message or report of sfnkit shows them. Error messages that botocore or a
server wrote are passed through :func:`redact`, which masks anything shaped like an access key id, a secret key
or a session token.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from sfnkit.errors import AwsError, MissingDependencyError

__all__ = ["Connection", "boto3_module", "redact"]


def boto3_module() -> Any:
    """``import boto3``, or a :class:`MissingDependencyError` that says how to install it."""
    try:
        import boto3
    except ImportError:  # pragma: no cover - boto3 is installed in the test environment
        raise MissingDependencyError("boto3", "aws", "Talking to AWS Step Functions and AWS services") from None
    return boto3


# Access key ids (AKIA.../ASIA...), 40-character secret keys after a "secret" word, and long session tokens.
_SECRET_PATTERNS = (
    re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b"),
    re.compile(r"(?i)(secret[_ -]?(?:access[_ -]?)?key['\"]?\s*[:=]\s*['\"]?)[^\s'\",;]+"),
    re.compile(r"(?i)(session[_ -]?token['\"]?\s*[:=]\s*['\"]?)[^\s'\",;]+"),
    re.compile(r"(?i)(X-Amz-Security-Token=)[^&\s]+"),
    re.compile(r"(?i)(Credential=)[^/\s,]+"),
)


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
    def of(cls, client: Any = None, *, session: Any = None, endpoint_url: str | None = None,
           region: str | None = None, config: Any = None) -> Connection:
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
        method: Callable[..., Any] = getattr(client, xform_name(operation))
        try:
            return dict(method(**params))
        except Exception as e:
            raise self.error(e, operation) from None

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

        method: Callable[..., Any] = getattr(self.client(service), xform_name(operation))
        try:
            return dict(method(**params))
        except Exception as e:
            if not_implemented(e) or (type(e).__name__ == "EndpointConnectionError" and "sync-" in str(e)):
                _UNSUPPORTED.add(key)
                return None
            raise self.error(e, operation) from None

    def error(self, e: BaseException, operation: str) -> AwsError:
        """Translate a botocore exception into an AwsError naming ``operation``, with a hint, and no secrets."""
        return aws_error(e, operation, where=self.describe())

    def describe(self) -> str:
        """Where calls go, for messages: ``region us-east-1`` or ``region us-east-1, endpoint http://...``."""
        try:
            region = self.region
        except AwsError:
            region = "?"
        return f"region {region}" + (f", endpoint {self.endpoint_url}" if self.endpoint_url else "")

    def __repr__(self) -> str:
        return f"Connection({self.describe()})"


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
        text = f"{operation} failed: {kind}: {redact(str(e))}" + (f"; {hint}" if hint else "") + suffix
        return AwsError(text, operation=operation, code=kind)
    hint = _HINTS.get(code, "")
    if not hint and status == 500 and not_implemented(e):
        hint = "the endpoint does not implement this operation"
        message = message if "<html" not in message.lower() else "Internal Server Error"
    if not hint and "role" in message.lower() and ("assume" in message.lower() or "iam" in message.lower()):
        hint = "Step Functions cannot use that role; check role_arn and the role's trust policy"
    text = f"{operation} failed: {code}: {redact(message)}".rstrip(": ")
    if status is not None:
        text += f" (HTTP {status})"
    if hint:
        text += f"; {hint}"
    return AwsError(text + suffix, operation=operation, code=code)

