"""AWS service integrations for *local* runs: Task handlers that call the real services (or a moto server, or
LocalStack) through boto3, so ``sfnkit.run`` can drive SQS, SNS, DynamoDB, S3, Lambda, nested executions and the
rest from the notebook.

``integrations(...)`` returns ``{ARN or ARN pattern: handler}``, ready to merge into ``resources=``::

    ex = sfnkit.run(sm, input, resources={**sfnkit.aws.integrations(endpoint_url=url), "my-fn": my_fn})

What is covered (AWS docs, "Integrating services with Step Functions"):

* ``arn:aws:states:::aws-sdk:<service>:<action>``: any action of any service boto3 knows; PascalCase parameters;
  results and ``<Service>.<Exception>`` errors shaped as Step Functions shapes them (see :mod:`sfnkit.aws.shapes`);
* optimized integrations: ``sqs:sendMessage``, ``sns:publish``, ``dynamodb:getItem|putItem|updateItem|
  deleteItem``, ``s3:getObject|putObject|listObjectsV2``, ``lambda:invoke`` (and plain Lambda function ARNs),
  ``states:startExecution`` (``.sync``, ``.sync:2``), ``glue:startJobRun``, ``sagemaker:createTrainingJob``,
  ``batch:submitJob``, ``ecs:runTask`` (each ``.sync`` too) and ``events:putEvents``;
* ``.waitForTaskToken``: the handler only sends the request (the message carries ``$$.Task.Token``); the
  interpreter records ``TaskSubmitted`` and waits for ``send_task_success``/``send_task_failure``;
* ``.sync``: the handler starts the job, then polls it with backoff, letting the *virtual* clock advance by each
  delay (``sfnkit.virtual_sleep``) and really waiting for a remote job to make progress (``wall_sleep``).
  A ``.sync`` handler returns a :class:`Submitted` (its two answers), so the history gets ``TaskSubmitted`` with
  the start response before ``TaskSucceeded``, as on AWS (:mod:`sfnkit.runtime.invoke` runs it).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from sfnkit import messages as msg
from sfnkit.aws import shapes
from sfnkit.aws.connection import Connection, not_implemented
from sfnkit.aws.remote import Poll
from sfnkit.errors import RUNTIME, TASK_FAILED, TaskFailure
from sfnkit.runtime import lambda_runtime as lr
from sfnkit.runtime.resources import TaskCall, strip_pattern, virtual_sleep

__all__ = ["Submitted", "integrations"]

Handler = Callable[[TaskCall], Any]
#: ``(service, operation, operation model, parameters) -> a boto3-style response`` for calls an endpoint lacks.
Unimplemented = Callable[[str, str, Any, Any], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Submitted:
    """A ``.sync`` task's two answers: ``output`` (the start request's response, recorded as ``TaskSubmitted``)
    and ``wait()``, which polls until the job ends and returns the task's result or raises
    :class:`sfnkit.TaskFailure`."""

    output: Any
    wait: Callable[[], Any]
    sfnkit_submitted: ClassVar[bool] = True


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _asked_capacity(params: Any) -> bool:
    return isinstance(params, Mapping) and params.get("ReturnConsumedCapacity") in ("INDEXES", "TOTAL")


def _pattern_of(resource: str) -> str:
    for suffix in (".waitForTaskToken", ".sync:2", ".sync"):
        if resource.endswith(suffix):
            return suffix
    return ""


class ServiceHandlers:
    """The handlers of one ``integrations()`` call, sharing a connection."""

    def __init__(
        self,
        conn: Connection,
        poll: Poll,
        wall_sleep: Callable[[float], None],
        max_wait: float | None,
        unimplemented: Unimplemented | None = None,
    ) -> None:
        self.conn = conn
        self.poll = poll
        self.wall_sleep = wall_sleep
        self.max_wait = max_wait
        #: What answers a call the endpoint does not implement (the local AWS's stubs), else the call fails.
        self.unimplemented = unimplemented

    # -- calling ---------------------------------------------------------------------------------------------
    def _client(self, service: str) -> Any:
        return self.conn.client(service)

    def request(self, service: str, operation: str, params: Any, *, v1: bool) -> tuple[dict[str, Any], Any]:
        """Call ``operation`` with Step Functions-style ``params``; returns (boto3's response, the output shape).
        A failure raises TaskFailure named as Step Functions names it."""
        client = self._client(service)
        model = client.meta.service_model
        try:
            op = model.operation_model(operation)
        except Exception:
            import difflib

            names = list(model.operation_names)
            close = [c[:1].lower() + c[1:] for c in difflib.get_close_matches(operation, names, n=3)]
            action = operation[:1].lower() + operation[1:]
            raise TaskFailure(RUNTIME, msg.no_such_api_action(service, action, close)) from None
        v1_service = service if v1 else None
        problems = shapes.missing_required(params, op.input_shape)
        if problems:
            raise TaskFailure(*shapes.validation_error(problems, client, v1=v1_service))
        boto_params = shapes.to_boto(params if params is not None else {}, op.input_shape)
        from botocore import xform_name

        method = getattr(client, xform_name(operation))
        try:
            response = method(**boto_params)
        except Exception as e:  # every botocore failure becomes a task failure
            if self.unimplemented is not None and not_implemented(e):
                return self.unimplemented(service, operation, op, params), op.output_shape
            if type(e).__name__ == "ParamValidationError":
                svc = shapes.sdk_v2_service_name(str(model.service_id))
                prefix = shapes.V1_SERVICES.get(service, (svc,))[0] if v1 else svc
                raise TaskFailure(f"{prefix}.SdkClientException", str(e)) from None
            raise TaskFailure(*shapes.error_of(e, client, v1=v1_service)) from None
        if service == "dynamodb" and "ConsumedCapacity" in response and not _asked_capacity(params):
            # DynamoDB returns ConsumedCapacity only when ReturnConsumedCapacity asks for it (some emulators
            # always do)
            response = {k: v for k, v in response.items() if k != "ConsumedCapacity"}
        return response, op.output_shape

    def v1(self, service: str, operation: str, params: Any, *, metadata: bool = True) -> dict[str, Any]:
        """An optimized integration's request/response call: the result plus SDK v1's envelope."""
        response, shape = self.request(service, operation, params, v1=True)
        out: dict[str, Any] = shapes.from_boto(response, shape, epoch_millis=True)
        if metadata:
            out.update(shapes.sdk_metadata(response))
        return out

    # -- polling -------------------------------------------------------------------------------------------------
    def until(self, check: Callable[[], tuple[bool, Any]], what: str) -> Any:
        """Call ``check()`` until it says done; between calls, let virtual time pass and wait for real."""
        started = time.monotonic()
        for delay in self.poll.delays():
            done, value = check()
            if done:
                return value
            if self.max_wait is not None and time.monotonic() - started > self.max_wait:
                raise TaskFailure(TASK_FAILED, msg.stopped_waiting(what, self.max_wait))
            virtual_sleep(delay)
            self.wall_sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def sync(self, call: TaskCall, submitted: Any, wait: Callable[[], Any]) -> Any:
        """A started job's answer: its two answers for a ``.sync`` task, the start response otherwise."""
        if _pattern_of(call.resource).startswith(".sync"):
            return Submitted(submitted, wait)
        return submitted

    # -- aws-sdk ----------------------------------------------------------------------------------------------
    def aws_sdk(self, call: TaskCall) -> Any:
        resource = strip_pattern(call.resource)
        _, _, rest = resource.partition(":aws-sdk:")
        sfn_service, _, action = rest.partition(":")
        if not sfn_service or not action:
            raise TaskFailure(RUNTIME, msg.malformed_aws_sdk_resource(call.resource))
        try:
            service = shapes.boto_service_name(sfn_service)
        except KeyError as e:
            raise TaskFailure(RUNTIME, str(e.args[0])) from None
        response, shape = self.request(service, action[:1].upper() + action[1:], call.input, v1=False)
        return shapes.from_boto(response, shape)

    # -- optimized integrations ------------------------------------------------------------------------------
    def sqs_send_message(self, call: TaskCall) -> Any:
        return self.v1("sqs", "SendMessage", call.input)

    def sns_publish(self, call: TaskCall) -> Any:
        return self.v1("sns", "Publish", call.input)

    def dynamodb(self, operation: str) -> Handler:
        def handler(call: TaskCall) -> Any:
            return self.v1("dynamodb", operation, call.input)

        handler.__name__ = f"dynamodb_{operation}"
        return handler

    def s3(self, operation: str) -> Handler:
        """``s3:getObject``/``putObject``/``listObjectsV2``: results as the aws-sdk integration gives them (the
        Body of getObject as text). Distributed Map's ItemReader and ResultWriter name these resources."""

        def handler(call: TaskCall) -> Any:
            response, shape = self.request("s3", operation, call.input, v1=False)
            return shapes.from_boto(response, shape)

        handler.__name__ = f"s3_{operation}"
        return handler

    def events_put_events(self, call: TaskCall) -> Any:
        out = self.v1("events", "PutEvents", call.input)
        if out.get("FailedEntryCount"):
            body = {k: v for k, v in out.items() if k in ("Entries", "FailedEntryCount")}
            raise TaskFailure("EventBridge.FailedEntry", json.dumps(body, separators=(",", ":")))
        return out

    def lambda_invoke(self, call: TaskCall) -> Any:
        """``lambda:invoke`` and plain function ARNs: the interpreter hands over the payload and builds the
        Step Functions envelope; this returns the function's decoded payload or raises its error."""
        name = call.function_name or call.resource
        params = {"FunctionName": name, "Payload": _json_text({} if call.input is None else call.input)}
        response, _ = self.request("lambda", "Invoke", params, v1=True)
        raw: Any = response.get("Payload")
        data = raw.read() if hasattr(raw, "read") else (raw or b"")
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else str(data)
        try:
            payload = json.loads(text) if text else None
        except ValueError:
            payload = text
        if response.get("FunctionError"):
            error = payload.get("errorType") if isinstance(payload, Mapping) else None
            raise TaskFailure(str(error or lr.UNKNOWN), text)
        return payload

    def states_start_execution(self, call: TaskCall) -> Any:
        params = dict(call.input or {})
        if "Input" in params:
            params["Input"] = None if params["Input"] is None else _json_text(params["Input"])
        submitted = self.v1("stepfunctions", "StartExecution", params)
        arn = submitted["ExecutionArn"]
        version2 = call.resource.endswith(".sync:2")
        # what DescribeExecution says, as Step Functions passes it on (recordings since redrive exists carry the
        # Redrive* fields too); not the version/alias/trace/map-run fields, which it leaves out
        keys = (
            "Cause",
            "Error",
            "ExecutionArn",
            "Input",
            "InputDetails",
            "Name",
            "Output",
            "OutputDetails",
            "RedriveCount",
            "RedriveStatus",
            "RedriveStatusReason",
            "StartDate",
            "StateMachineArn",
            "Status",
            "StopDate",
        )

        def wait() -> Any:
            def check() -> tuple[bool, Any]:
                d = self.v1("stepfunctions", "DescribeExecution", {"ExecutionArn": arn}, metadata=False)
                return d.get("Status") != "RUNNING", d

            d = self.until(check, f"execution {arn}")
            out = {k: d[k] for k in keys if k in d}
            # AWS always says whether the data is included; some endpoints leave the details out
            for k in ("Input", "Output"):
                if k in out and f"{k}Details" not in out:
                    out[f"{k}Details"] = {"Included": True}
            out = {k: out[k] for k in sorted(out)}
            for k in ("Input", "Output"):
                if isinstance(out.get(k), str):
                    try:
                        value = json.loads(out[k])
                    except ValueError:
                        continue
                    # .sync:2 gives the JSON itself; .sync its text, written compactly as AWS writes it
                    out[k] = value if version2 else json.dumps(value, separators=(",", ":"), ensure_ascii=False)
            if out.get("Status") != "SUCCEEDED":
                raise TaskFailure(TASK_FAILED, json.dumps(out, separators=(",", ":"), ensure_ascii=False))
            return out

        return self.sync(call, submitted, wait)

    def _job(
        self,
        call: TaskCall,
        service: str,
        start: str,
        describe: Callable[[dict[str, Any]], dict[str, Any]],
        status_of: Callable[[dict[str, Any]], str],
        success: tuple[str, ...],
        failure: tuple[str, ...],
        failed: Callable[[dict[str, Any]], bool] | None = None,
    ) -> Any:
        submitted = self.v1(service, start, call.input)

        def wait() -> Any:
            def check() -> tuple[bool, Any]:
                d = describe(submitted)
                return status_of(d) in success + failure, d

            d = self.until(check, f"{service} job")
            if status_of(d) in failure or (failed is not None and failed(d)):
                raise TaskFailure(TASK_FAILED, json.dumps(d, separators=(",", ":"), ensure_ascii=False, default=str))
            return d

        return self.sync(call, submitted, wait)

    def glue_start_job_run(self, call: TaskCall) -> Any:
        job = (call.input or {}).get("JobName")

        def describe(sub: dict[str, Any]) -> dict[str, Any]:
            r = self.v1("glue", "GetJobRun", {"JobName": job, "RunId": sub["JobRunId"]}, metadata=False)
            return dict(r.get("JobRun") or {})

        return self._job(
            call,
            "glue",
            "StartJobRun",
            describe,
            lambda d: str(d.get("JobRunState")),
            ("SUCCEEDED",),
            ("FAILED", "STOPPED", "TIMEOUT", "ERROR", "EXPIRED"),
        )

    def sagemaker_create_training_job(self, call: TaskCall) -> Any:
        name = (call.input or {}).get("TrainingJobName")

        def describe(sub: dict[str, Any]) -> dict[str, Any]:
            return self.v1("sagemaker", "DescribeTrainingJob", {"TrainingJobName": name}, metadata=False)

        return self._job(
            call,
            "sagemaker",
            "CreateTrainingJob",
            describe,
            lambda d: str(d.get("TrainingJobStatus")),
            ("Completed",),
            ("Failed", "Stopped"),
        )

    def batch_submit_job(self, call: TaskCall) -> Any:
        def describe(sub: dict[str, Any]) -> dict[str, Any]:
            r = self.v1("batch", "DescribeJobs", {"Jobs": [sub["JobId"]]}, metadata=False)
            jobs = r.get("Jobs") or [{}]
            return dict(jobs[0])

        return self._job(
            call, "batch", "SubmitJob", describe, lambda d: str(d.get("Status")), ("SUCCEEDED",), ("FAILED",)
        )

    def ecs_run_task(self, call: TaskCall) -> Any:
        cluster = (call.input or {}).get("Cluster")

        def describe(sub: dict[str, Any]) -> dict[str, Any]:
            arns = [t["TaskArn"] for t in sub.get("Tasks", [])]
            if not arns:
                raise TaskFailure(TASK_FAILED, json.dumps({"Failures": sub.get("Failures", [])}))
            params: dict[str, Any] = {"Tasks": arns}
            if cluster:
                params["Cluster"] = cluster
            return self.v1("ecs", "DescribeTasks", params, metadata=False)

        def status(d: dict[str, Any]) -> str:
            tasks = d.get("Tasks") or []
            return "STOPPED" if tasks and all(t.get("LastStatus") == "STOPPED" for t in tasks) else "RUNNING"

        def failed(d: dict[str, Any]) -> bool:
            return any(c.get("ExitCode") not in (0, None) for t in d.get("Tasks", []) for c in t.get("Containers", []))

        return self._job(call, "ecs", "RunTask", describe, status, ("STOPPED",), (), failed)


_SYNC_POLL = Poll(initial=1.0, factor=1.5, maximum=30.0)


def integrations(
    session: Any = None,
    endpoint_url: str | None = None,
    region: str | None = None,
    *,
    config: Any = None,
    clients: Mapping[str, Any] | None = None,
    endpoint_urls: Mapping[str, str] | None = None,
    connection: Connection | None = None,
    poll: Poll = _SYNC_POLL,
    wall_sleep: Callable[[float], None] = time.sleep,
    max_wait: float | None = 3600.0,
    lambda_functions: bool = True,
    unimplemented: Unimplemented | None = None,
) -> dict[str, Handler]:
    """Handlers that call AWS services through boto3 for the Task resources of a local run.

    ``session`` (a ``boto3.Session``), ``endpoint_url`` (e.g. a moto server or LocalStack; ``endpoint_urls``
    per boto3 service name), ``region``, ``config`` (a ``botocore.config.Config``) and ``clients`` (ready
    clients by boto3 service name) say where calls go. ``poll`` spaces the status checks of ``.sync`` jobs (each
    delay passes on the virtual clock and, through ``wall_sleep``, for real); ``max_wait`` bounds the real
    waiting. With ``lambda_functions``, plain Lambda function ARNs are invoked too. ``unimplemented`` answers the
    calls the endpoint says it does not implement (``services="local"`` stubs them from the output shape).
    """
    if config is None:
        # Step Functions' SDK does not ask S3 for response checksums (GetObject then carries no ChecksumCRC32)
        from botocore.config import Config

        config = Config(response_checksum_validation="when_required")
    conn = connection or Connection(
        session=session,
        endpoint_url=endpoint_url,
        region=region,
        config=config,
        clients=clients,
        endpoint_urls=endpoint_urls,
    )
    s = ServiceHandlers(conn, poll, wall_sleep, max_wait, unimplemented)
    p = "arn:aws:states:::"
    handlers: dict[str, Handler] = {
        f"{p}sqs:sendMessage": s.sqs_send_message,
        f"{p}sns:publish": s.sns_publish,
        f"{p}dynamodb:getItem": s.dynamodb("GetItem"),
        f"{p}dynamodb:putItem": s.dynamodb("PutItem"),
        f"{p}dynamodb:updateItem": s.dynamodb("UpdateItem"),
        f"{p}dynamodb:deleteItem": s.dynamodb("DeleteItem"),
        f"{p}s3:getObject": s.s3("GetObject"),
        f"{p}s3:putObject": s.s3("PutObject"),
        f"{p}s3:listObjectsV2": s.s3("ListObjectsV2"),
        f"{p}events:putEvents": s.events_put_events,
        f"{p}lambda:invoke": s.lambda_invoke,
    }
    for suffix in ("", ".sync", ".sync:2"):
        handlers[f"{p}states:startExecution{suffix}"] = s.states_start_execution
    for suffix in ("", ".sync"):
        handlers[f"{p}glue:startJobRun{suffix}"] = s.glue_start_job_run
        handlers[f"{p}sagemaker:createTrainingJob{suffix}"] = s.sagemaker_create_training_job
        handlers[f"{p}batch:submitJob{suffix}"] = s.batch_submit_job
        handlers[f"{p}ecs:runTask{suffix}"] = s.ecs_run_task
    handlers[f"{p}aws-sdk:*"] = s.aws_sdk
    if lambda_functions:
        handlers["arn:aws:lambda:*:*:function:*"] = s.lambda_invoke
    return handlers
