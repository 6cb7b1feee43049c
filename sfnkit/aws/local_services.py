"""``services="local"``: the local stand-ins that answer every Task the user's ``resources=`` do not (DESIGN, "Local
services are handlers, nothing more").

For one execution, :func:`local_resources` puts the user's resources in front of these handlers, in this order:

1. the template's Python Lambda functions, run in the kernel (:mod:`sfnkit.aws.local_lambda`);
2. ``states:startExecution[.sync[:2]]`` of a state machine of the same template: a local *child execution*, with
   its own history (``Execution.children``), on the parent's virtual clock;
3. ``.sync`` jobs (Glue, SageMaker, Batch, ECS, and any other ``.sync`` resource): a local job whose status
   completes: ``TaskSubmitted`` carries the start request's response, ``TaskSucceeded`` the job description with
   its success status, as on AWS;
4. optimized integrations and ``aws-sdk:*`` calls: the embedded moto server (:mod:`sfnkit.aws.local`), through
   the same boto3 integration code as a run against AWS (:mod:`sfnkit.aws.integrations`);
5. what nothing local can answer -- a service moto lacks, an operation moto does not implement, a Lambda function
   with another runtime or not in the template -- a response generated from botocore's output shape
   (:mod:`sfnkit.aws.stubs`), with a warning naming the stubbed tasks. A Lambda's payload is opaque to the
   service model, so a stubbed function returns its event (an echo), which keeps the paths into it valid.

``.waitForTaskToken`` tasks send their request (to moto, or a stub), record ``TaskSubmitted`` and wait; a local
worker then answers the token with success, as soon as the execution has nothing else to do. Its output is the
message it received (the SQS ``MessageBody``, the SNS ``Message``, the Lambda ``Payload``), else the request's
parameters, less the token. Answer it yourself with ``ex.send_task_success`` by passing
``services=LocalServices(callbacks="wait")``.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from sfnkit import messages as msg
from sfnkit.asl import model as m
from sfnkit.errors import RUNTIME, TASK_FAILED, TaskFailure
from sfnkit.runtime.resources import Layered, Resources, TaskCall, function_name_of, strip_pattern, virtual_sleep

__all__ = ["LocalServices", "StubbedTaskWarning", "local_resources"]


class StubbedTaskWarning(UserWarning):
    """Some Tasks of a ``services="local"`` run are answered by a response generated from the output shape."""


@dataclass(frozen=True)
class LocalServices:
    """Options of ``services=``: ``"local"`` is ``LocalServices()``.

    ``callbacks``: ``"answer"`` (a local worker answers ``.waitForTaskToken`` tasks) or ``"wait"`` (the execution
    waits for ``send_task_success``/``send_task_failure``, as on AWS with no worker). ``aws``: the embedded AWS to
    use (default: the kernel's :func:`sfnkit.local_aws`)."""

    callbacks: str = "answer"
    aws: Any = None

    def __post_init__(self) -> None:
        if self.callbacks not in ("answer", "wait"):
            raise ValueError(f'callbacks must be "answer" or "wait", got {self.callbacks!r}')


def options_of(services: Any) -> LocalServices:
    if isinstance(services, LocalServices):
        return services
    if services == "local":
        return LocalServices()
    raise ValueError(f'services must be "local" or sfnkit.aws.LocalServices(...), got {services!r}')


_V1_META = {
    "ResponseMetadata": {
        "HTTPStatusCode": 200,
        "RequestId": "",
        "HTTPHeaders": {"content-type": "application/x-amz-json-1.0"},
    }
}

#: ``.sync`` jobs with a status to complete: (service, start, describe, describe params from (input, start
#: response), the path of the job in the describe response, its status member, the success value).
_JOBS: Mapping[str, tuple[str, str, str, Callable[[Any, Any], dict[str, Any]], tuple[Any, ...], str, str]] = {
    "glue:startJobRun": (
        "glue",
        "StartJobRun",
        "GetJobRun",
        lambda i, s: {"JobName": i.get("JobName"), "RunId": s.get("JobRunId")},
        ("JobRun",),
        "JobRunState",
        "SUCCEEDED",
    ),
    "sagemaker:createTrainingJob": (
        "sagemaker",
        "CreateTrainingJob",
        "DescribeTrainingJob",
        lambda i, s: {"TrainingJobName": i.get("TrainingJobName")},
        (),
        "TrainingJobStatus",
        "Completed",
    ),
    "batch:submitJob": (
        "batch",
        "SubmitJob",
        "DescribeJobs",
        lambda i, s: {"Jobs": [s.get("JobId")]},
        ("Jobs", 0),
        "Status",
        "SUCCEEDED",
    ),
    "ecs:runTask": (
        "ecs",
        "RunTask",
        "DescribeTasks",
        lambda i, s: {
            "Tasks": [t.get("TaskArn") for t in s.get("Tasks", [])],
            **({"Cluster": i["Cluster"]} if i.get("Cluster") else {}),
        },
        (),
        "",
        "STOPPED",
    ),
}


def _submitted_class() -> Any:
    from sfnkit.aws.integrations import Submitted

    return _LocalSubmitted if _LocalSubmitted is not None else _make_local_submitted(Submitted)


_LocalSubmitted: Any = None


def _make_local_submitted(base: Any) -> Any:
    """``Submitted`` of a local job: its wait takes the virtual time it asks for, not its real time."""
    global _LocalSubmitted

    @dataclasses.dataclass(frozen=True, slots=True)
    class LocalSubmitted(base):  # type: ignore[misc]
        sfnkit_emulated: ClassVar[bool] = True

    _LocalSubmitted = LocalSubmitted
    return LocalSubmitted


class _Local:
    """The local handlers of one execution (and its children)."""

    def __init__(
        self, sm: m.StateMachine, opts: LocalServices, *, seed: int, region: str, account: str, execution: Any
    ) -> None:
        from sfnkit.aws.integrations import ServiceHandlers
        from sfnkit.aws.local import local_aws
        from sfnkit.aws.remote import Poll

        self.sm = sm
        self.opts = opts
        self.aws = opts.aws or local_aws()
        self.project = sm.project
        self.seed = seed
        self.region = region
        self.account = account
        self.execution = execution
        self.stubbed: dict[str, str] = {}  # state name -> why it was stubbed
        self.answers: dict[str, Any] = {}  # task token -> what the local callback worker answers
        self._warned: set[str] = set()
        from sfnkit.aws.connection import Connection

        conn = Connection(
            session=self.aws.session(region),
            endpoint_url=self.aws.endpoint_url,
            region=region,
            config=self.aws.config,
            clients=self.aws.clients(region),
        )
        # the moto server answers at once: poll with virtual delays, no real waiting
        self.services = ServiceHandlers(
            conn, Poll(initial=1.0, factor=1.5, maximum=30.0), lambda _s: None, None, self._unimplemented
        )
        self._conn = conn
        self._current_state: str | None = None

    def storage(self) -> Any:
        """The local S3, for a Distributed Map's ItemReader and ResultWriter."""
        from sfnkit.aws.storage import S3Storage

        return S3Storage(client=self.aws.client("s3", self.region))

    # -- the stub of last resort -------------------------------------------------------------------------------
    def _stub(
        self, service: str, operation: str, op: Any, state: str | None, why: str, request: Any = None
    ) -> dict[str, Any]:
        from sfnkit.aws.stubs import stub_response

        if state is not None:
            self.stubbed.setdefault(state, why)
            if state not in self._warned:
                self._warned.add(state)
                warnings.warn(
                    f"services='local': Task {state!r} was stubbed ({why}); its result was generated "
                    "from botocore's output shape",
                    StubbedTaskWarning,
                    stacklevel=2,
                )
        out = stub_response(
            op.output_shape if op is not None else None,
            seed=self.seed,
            key=f"{state}:{service}:{operation}",
            service=service,
            region=self.region,
            account=self.account,
            request=request,
        )
        return {**out, **_V1_META}

    def _unimplemented(self, service: str, operation: str, op: Any, params: Any) -> dict[str, Any]:
        return self._stub(
            service,
            operation,
            op,
            self._current_state,
            f"the local AWS does not implement {service} {operation}",
            params if isinstance(params, Mapping) else None,
        )

    def _op(self, service: str, operation: str) -> Any:
        return self._conn.client(service).meta.service_model.operation_model(operation)

    def _http_metadata(self, result: Any) -> Any:
        """SDK v1 envelopes as AWS writes them: the ``Date`` of the execution's clock (not the kernel's), and no
        ``Server`` header naming the emulator's web framework."""
        meta = result.get("SdkHttpMetadata") if isinstance(result, dict) else None
        if not isinstance(meta, dict):
            return result
        from datetime import UTC, datetime

        now = self.execution.clock.now() if self.execution is not None else 0.0
        date = datetime.fromtimestamp(now, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
        for key, wrap in (("HttpHeaders", False), ("AllHttpHeaders", True)):
            headers = meta.get(key)
            if isinstance(headers, dict):
                if "Date" in headers:
                    headers["Date"] = [date] if wrap else date
                headers.pop("Server", None)
        return result

    def _traced(self, fn: Callable[[TaskCall], Any]) -> Callable[[TaskCall], Any]:
        aliases = self._aliases()

        def handler(call: TaskCall) -> Any:
            if aliases:
                call = dataclasses.replace(call, input=_swap(call.input, aliases))
            self._current_state = call.state_name
            try:
                return self._http_metadata(fn(call))
            finally:
                self._current_state = None

        handler.__name__ = getattr(fn, "__name__", "local_handler")
        # the stand-ins' real time is the emulator's (moto, stubs, a child's interpretation), not the service's:
        # it does not count on the virtual clock; a template Lambda runs user code, whose time does count
        handler.sfnkit_emulated = fn != self.lambda_function  # type: ignore[attr-defined]
        return handler

    # -- Lambda ------------------------------------------------------------------------------------------------
    def lambda_function(self, call: TaskCall) -> Any:
        from sfnkit.aws.local_lambda import is_python

        name = call.function_name or call.resource
        spec = self.project.function_for(name) if self.project is not None else None
        if spec is not None and is_python(spec.runtime) and spec.handler and (spec.code_dir or spec.inline_code):
            fn = self._python_function(spec)
            from sfnkit.runtime.resources import LambdaContext

            ctx = LambdaContext(
                function_name=spec.name,
                invoked_function_arn=spec.arn,
                state_context=call.context,
                task_token=call.task_token,
            )
            return fn(call.input, ctx)
        if spec is None:
            why = f"Lambda function {function_name_of(name)!r} is not a function of the template"
        elif not is_python(spec.runtime):
            why = f"Lambda function {spec.name!r} has runtime {spec.runtime or 'unknown'}, not Python"
        else:
            why = f"Lambda function {spec.name!r} has no Handler or code folder"
        self._stub("lambda", "Invoke", None, call.state_name, why)
        return call.input  # the echo: a Lambda payload has no shape to generate from

    def _python_function(self, spec: Any) -> Any:
        from sfnkit.aws.local_lambda import PythonFunction

        # one per function version for the whole kernel: a warm Lambda keeps its module (and the clients it
        # made at import time) from one invocation to the next
        key = (id(self.aws), self.region, json.dumps(dataclasses.asdict(spec), sort_keys=True, default=str))
        fn = _WARM.get(key)
        if fn is None:
            aws = self.aws
            fn = _WARM[key] = PythonFunction(
                spec, endpoint_url=lambda: aws.endpoint_url, region=self.region, account=self.account
            )
        return fn

    # -- nested state machines ---------------------------------------------------------------------------------
    def _child_machine(self, arn: str) -> tuple[Any, m.StateMachine | None]:
        spec = self.project.state_machine_for(arn) if self.project is not None and arn else None
        if spec is None:
            return None, None
        definition = getattr(spec, "definition", None)
        if definition is not None:
            from sfnkit.asl.validate import load

            child = load(definition)
            return spec, _with_project(child, self.project)
        for key, child in _siblings(self.project).items():
            if key in (spec.logical_id, spec.name):
                return spec, child if child.project is not None else _with_project(child, self.project)
        return spec, None

    def start_execution(self, call: TaskCall) -> Any:
        from sfnkit.aws.shapes import sdk_metadata
        from sfnkit.runtime.clock import VirtualClock
        from sfnkit.runtime.execution import Execution

        params = dict(call.input or {})
        arn = str(params.get("StateMachineArn") or "")
        spec, child_sm = self._child_machine(arn)
        if child_sm is None:
            why = (
                f"state machine {arn!r} is not part of the template"
                if spec is None
                else f"the definition of state machine {spec.name!r} is not available"
            )
            op = self._op("stepfunctions", "StartExecution")
            from sfnkit.aws.shapes import from_boto

            out = from_boto(
                self._stub("stepfunctions", "StartExecution", op, call.state_name, why),
                op.output_shape,
                epoch_millis=True,
            )
            out.update(sdk_metadata(_V1_META))
            if call.resource.endswith((".sync", ".sync:2")):
                return {**out, "Status": "SUCCEEDED", "Output": "{}" if call.resource.endswith(".sync") else {}}
            return out
        raw_input = params.get("Input", {})
        if isinstance(raw_input, str):
            try:
                raw_input = json.loads(raw_input)
            except ValueError:
                raise TaskFailure(
                    "StepFunctions.InvalidExecutionInputException", msg.invalid_execution_input()
                ) from None
        parent = self.execution
        started = parent.clock.now() + parent._interp.task_seconds[0]
        n = len(parent.children)
        child = Execution(
            child_sm,
            raw_input,
            resources=parent.user_resources,
            services=self.opts,
            seed=self.seed * 1000 + n + 1,
            clock=VirtualClock(started),
            name=params.get("Name") or None,
            account=self.account,
            region=self.region,
            type=getattr(spec, "type", "STANDARD"),
            state_machine_name=spec.name,
        )
        parent.children.append(child)
        child.run()
        meta = sdk_metadata(_V1_META)
        submitted = {"ExecutionArn": child.arn, "StartDate": int(started * 1000), **meta}
        if not call.resource.endswith((".sync", ".sync:2")):
            return submitted
        version2 = call.resource.endswith(".sync:2")

        def wait() -> Any:
            if child.stop_time is not None:
                virtual_sleep(child.stop_time - started)
            out: dict[str, Any] = {
                "ExecutionArn": child.arn,
                "Input": _json_out(child.input, version2),
                "InputDetails": {"Included": True},
                "Name": child.name,
                "RedriveCount": 0,
                "StartDate": int(started * 1000),
                "StateMachineArn": child.state_machine_arn,
                "Status": child.status,
            }
            if child.stop_time is not None:
                out["StopDate"] = int(child.stop_time * 1000)
            if child.status == "SUCCEEDED":
                out["Output"] = _json_out(child.output, version2)
                out["OutputDetails"] = {"Included": True}
                out["RedriveStatus"] = "NOT_REDRIVABLE"
                out["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
                return dict(sorted(out.items()))
            if child.error is not None:
                out["Error"] = child.error
            if child.cause is not None:
                out["Cause"] = child.cause
            out["RedriveStatus"] = "REDRIVABLE"
            raise TaskFailure(
                TASK_FAILED, json.dumps(dict(sorted(out.items())), separators=(",", ":"), ensure_ascii=False)
            )

        return _submitted_class()(submitted, wait)

    # -- .sync jobs --------------------------------------------------------------------------------------------
    def job(self, call: TaskCall) -> Any:
        from sfnkit.aws.shapes import from_boto

        base = strip_pattern(call.resource)[len("arn:aws:states:::") :]
        inp = call.input if isinstance(call.input, Mapping) else {}
        known = _JOBS.get(base)
        if known is None:  # another .sync resource (EMR, CodeBuild, Athena, ...): stub start and end
            service, _, action = base.partition(":")
            boto = _boto_name(service)
            operation = action[:1].upper() + action[1:]
            try:
                op = self._op(boto, operation)
            except Exception:
                op = None
            start = self._stub(boto, operation, op, call.state_name, f"{base}.sync has no local job", inp)
            submitted = from_boto(start, op.output_shape if op else None, epoch_millis=True)
            return _submitted_class()(submitted, lambda: submitted)
        service, start_op, describe_op, describe_params, path, status_key, success = known
        try:
            submitted = self.services.v1(service, start_op, call.input)
        except TaskFailure as e:
            if e.error.endswith(("ValidationException", "SdkClientException")):
                raise
            op = self._op(service, start_op)
            submitted = from_boto(
                self._stub(service, start_op, op, call.state_name, f"the local AWS cannot start it ({e.error})", inp),
                op.output_shape,
                epoch_millis=True,
            )

        def wait() -> Any:
            params = describe_params(inp, submitted)
            op = self._op(service, describe_op)
            try:
                described: Any = self.services.v1(service, describe_op, params, metadata=False)
            except TaskFailure:
                described = None
            d = _at(described, path)
            if not d:  # the local AWS does not know the job (it was stubbed): describe it from the shape
                stub = from_boto(
                    self._stub(service, describe_op, op, None, "", params), op.output_shape, epoch_millis=True
                )
                d = _at(stub, path) or {}
                # the job is the one that was started: same ids and names
                d.update({k: v for k, v in submitted.items() if k in d or k in ("JobId", "JobName", "JobArn")})
            if service == "ecs":  # every task stopped, its containers exited 0
                tasks = [dict(t) for t in d.get("Tasks", [])] or [{}]
                for t in tasks:
                    t["LastStatus"] = "STOPPED"
                    t["Containers"] = [{**c, "ExitCode": 0, "LastStatus": "STOPPED"} for c in t.get("Containers", [])]
                d["Tasks"] = tasks
            else:
                d[status_key] = success
            return d

        return _submitted_class()(submitted, wait)

    # -- callbacks ---------------------------------------------------------------------------------------------
    def callback(self, inner: Callable[[TaskCall], Any]) -> Callable[[TaskCall], Any]:
        """A ``.waitForTaskToken`` request: sent by ``inner``; the local worker's answer is remembered."""

        def handler(call: TaskCall) -> Any:
            result = inner(call)
            if call.task_token is not None and self.opts.callbacks == "answer":
                self.answers[call.task_token] = _callback_answer(call.resource, call.input, call.task_token)
            return result

        handler.__name__ = f"callback_{getattr(inner, '__name__', 'task')}"
        return handler

    def optimized(self, call: TaskCall) -> Any:
        """An optimized integration sfnkit has no dedicated handler for (``sagemaker:createModel``,
        ``athena:getQueryResults``, ...): the action of the same name, through the SDK v1 path."""
        service, operation = _svc_op(strip_pattern(call.resource))
        try:
            self._op(service, operation)
        except Exception:
            raise TaskFailure(RUNTIME, msg.resource_names_no_action(call.resource)) from None
        if not self.aws.implements(service):
            op = self._op(service, operation)
            from sfnkit.aws.shapes import from_boto, sdk_metadata

            out = self._stub(service, operation, op, call.state_name, f"the local AWS has no {service} service")
            return {**from_boto(out, op.output_shape, epoch_millis=True), **sdk_metadata(out)}
        return self.services.v1(service, operation, call.input)

    def aws_sdk_guard(self, inner: Callable[[TaskCall], Any]) -> Callable[[TaskCall], Any]:
        """``aws-sdk:<service>:<action>`` of a service moto lacks: stubbed without asking the server."""
        from sfnkit.aws import shapes

        def handler(call: TaskCall) -> Any:
            rest = strip_pattern(call.resource).partition(":aws-sdk:")[2]
            sfn_service, _, action = rest.partition(":")
            try:
                boto = shapes.boto_service_name(sfn_service)
            except KeyError:
                return inner(call)  # the integration's own error names the service
            if not self.aws.implements(boto):
                operation = action[:1].upper() + action[1:]
                try:
                    op = self._op(boto, operation)
                except Exception:
                    return inner(call)
                out = self._stub(boto, operation, op, call.state_name, f"the local AWS has no {boto} service")
                return shapes.from_boto(out, op.output_shape)
            return inner(call)

        handler.__name__ = "aws_sdk_local"
        return handler

    # -- assembling --------------------------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Import the template's Python Lambdas now, before the run: a cold start's imports are the kernel's
        time, not the task's (an import that fails is tried again, and reported, when the function is called)."""
        if self.project is None:
            return
        from sfnkit.aws.local_lambda import is_python

        for spec in self.project.functions.values():
            if is_python(spec.runtime) and spec.handler and (spec.code_dir or spec.inline_code):
                self._python_function(spec).preload()

    def handlers(self) -> Resources:
        from sfnkit.aws.integrations import integrations

        base = integrations(connection=self._conn, lambda_functions=False)
        base.pop("arn:aws:states:::lambda:invoke", None)
        h: dict[str, Callable[[TaskCall], Any]] = {}
        p = "arn:aws:states:::"
        h[f"{p}lambda:invoke"] = self.lambda_function
        for suffix in ("", ".sync", ".sync:2"):
            h[f"{p}states:startExecution{suffix}"] = self.start_execution
        for key in _JOBS:
            h[f"{p}{key}.sync"] = self.job
        # the integrations, moto behind them, with the local stubs for what moto lacks
        for key, fn in base.items():
            if key.startswith(f"{p}states:startExecution") or key in h:
                continue
            h[key] = fn
        h[f"{p}aws-sdk:*"] = self.aws_sdk_guard(base[f"{p}aws-sdk:*"])
        h["arn:aws:lambda:*:*:function:*"] = self.lambda_function
        h[f"{p}*"] = self.optimized  # a pattern: asked after every handler above
        # every other .sync resource of the machine gets a local job; callbacks get the local worker
        for st in self.sm.walk():
            if isinstance(st, m.TaskState) and st.resource.startswith(p):
                res = st.resource
                if res.endswith((".sync", ".sync:2")) and res not in h and not res.startswith(f"{p}states:"):
                    h[res] = self.job
                if res.endswith(".waitForTaskToken"):
                    plain = strip_pattern(res)
                    inner = h.get(plain) or (h[f"{p}aws-sdk:*"] if ":aws-sdk:" in plain else self.optimized)
                    h[res] = self.callback(inner)
        return Resources({k: self._traced(v) for k, v in h.items()})

    def _aliases(self) -> dict[str, str]:
        """Template ARNs the local AWS knows by another name: a secret's ARN ends in six random characters that
        moto draws itself, so the template's ARN is sent as the secret's name."""
        if self.project is None:
            return {}
        return {r.arn: r.name for r in self.project.resources.values() if r.type == "AWS::SecretsManager::Secret"}

    def predicted_stubs(self, user: Resources) -> list[str]:
        """The Tasks that will be stubbed, known before the run (the ones found only at run time are warned then)."""
        from sfnkit.aws import shapes
        from sfnkit.aws.local_lambda import is_python

        out = []
        for st in self.sm.walk():
            if not isinstance(st, m.TaskState):
                continue
            res = st.resource
            params = st.parameters if isinstance(st.parameters, Mapping) else {}
            fname = params.get("FunctionName") if res.startswith("arn:aws:states:::lambda:invoke") else None
            if user.resolve_task(res, fname if isinstance(fname, str) else None) is not None:
                continue
            why = None
            if (":lambda:" in res and ":function:" in res) or isinstance(fname, str):
                name = fname if isinstance(fname, str) else res
                spec = self.project.function_for(name) if self.project is not None else None
                if spec is None:
                    why = f"Lambda function {function_name_of(name)!r} is not a function of the template"
                elif not is_python(spec.runtime):
                    why = f"Lambda function {spec.name!r} has runtime {spec.runtime or 'unknown'}, not Python"
            elif ":aws-sdk:" in res:
                sfn_service = strip_pattern(res).partition(":aws-sdk:")[2].partition(":")[0]
                try:
                    if not self.aws.implements(shapes.boto_service_name(sfn_service)):
                        why = f"the local AWS has no {sfn_service} service"
                except KeyError:
                    pass
            if why is not None:
                out.append(f"{st.name!r} ({why})")
                # said once, before the run: not again when the task runs
                self._warned.add(st.name)
                self.stubbed.setdefault(st.name, why)
        return out


def _boto_name(service: str) -> str:
    from sfnkit.aws import shapes

    try:
        return shapes.boto_service_name(service)
    except KeyError:
        return service


def _svc_op(plain: str) -> tuple[str, str]:
    service, _, action = plain[len("arn:aws:states:::") :].partition(":")
    return _boto_name(service), action[:1].upper() + action[1:]


#: Where a callback request carries what its worker receives (the worker answers with it, less the token).
_MESSAGE_OF = {
    "sqs:sendMessage": "MessageBody",
    "sns:publish": "Message",
    "lambda:invoke": "Payload",
    "ecs:runTask": None,
    "events:putEvents": None,
}


def _callback_answer(resource: str, params: Any, token: str) -> Any:
    """What the local worker of a ``.waitForTaskToken`` task answers: the message it received (an SQS body, an
    SNS message, a Lambda payload, decoded when it is JSON text), else the request's parameters, less the token."""
    key = _MESSAGE_OF.get(strip_pattern(resource)[len("arn:aws:states:::") :])
    body = params.get(key) if key and isinstance(params, Mapping) else None
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            body = None
    return _without(body if body is not None else params, token)


def _at(value: Any, path: tuple[Any, ...]) -> dict[str, Any] | None:
    """The job description at ``path`` in a describe response (None when it is not there)."""
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return dict(value) if isinstance(value, Mapping) and value else None


def _swap(value: Any, aliases: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return aliases.get(value, value)
    if isinstance(value, Mapping):
        return {k: _swap(v, aliases) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, aliases) for v in value]
    return value


def _without(value: Any, token: str) -> Any:
    """``value`` with every string equal to the task token left out (what the local worker answers with)."""
    if isinstance(value, Mapping):
        return {k: _without(v, token) for k, v in value.items() if v != token}
    if isinstance(value, list):
        return [_without(v, token) for v in value if v != token]
    return value


def _json_out(value: Any, parsed: bool) -> Any:
    return value if parsed else json.dumps(value, separators=(",", ":"), ensure_ascii=False)


_WARM: dict[tuple[int, str, str], Any] = {}
_SIBLINGS: dict[tuple[str, str, float], dict[str, m.StateMachine]] = {}


def _siblings(project: Any) -> dict[str, m.StateMachine]:
    """Every state machine of ``project``'s template (read once per template version and parameters)."""
    import os

    from sfnkit.asl.project.load import state_machines

    template = str(project.template)
    try:
        mtime = os.path.getmtime(template)
    except OSError:
        return {}
    key = (template, json.dumps(dict(project.parameters or {}), sort_keys=True, default=str), mtime)
    found = _SIBLINGS.get(key)
    if found is None:
        try:
            found = state_machines(template, parameters=dict(project.parameters or {}) or None)
        except Exception:  # a sibling that does not load is reported when the Task runs (stubbed, with the reason)
            found = {}
        _SIBLINGS[key] = found
    return found


def _with_project(sm: m.StateMachine, project: Any) -> m.StateMachine:
    import dataclasses

    return dataclasses.replace(sm, project=project) if sm.project is None else sm


def local_resources(
    sm: m.StateMachine, user: Resources, services: Any, *, seed: int, region: str, account: str, execution: Any
) -> tuple[Layered, _Local]:
    """The resources of a ``services="local"`` execution: ``user`` first, then the local stand-ins. Creates the
    template's declared resources in the local AWS (once) and warns about the Tasks that will be stubbed."""
    opts = options_of(services)
    local = _Local(sm, opts, seed=seed, region=region, account=account, execution=execution)
    if sm.project is not None:
        local.aws.provision(sm.project)
        local.warm_up()
    stubs = local.predicted_stubs(user)
    if stubs:
        warnings.warn(
            "services='local': these Tasks get a response generated from botocore's output shape "
            "(pass resources= to answer them yourself): " + ", ".join(stubs),
            StubbedTaskWarning,
            stacklevel=4,
        )
    return Layered(user, local.handlers()), local
