"""Python functions as Task states, and the service-integration steps.

A Python function becomes a Task with :func:`task` (a decorator) or ``Task("Name", resource=fn)``: the
definition gets a Lambda ARN (:func:`~sfnkit.build.states.placeholder_arn`, in sfnkit's local account and
region) and the built machine carries the function, so ``sfnkit.run(machine, input)`` needs no ``resources=``
(an entry in ``resources=`` still wins). On AWS, :func:`sfnkit.aws.deploy` takes ``functions={name: arn}`` and
:func:`bind_functions` swaps each placeholder for the real Lambda ARN; an unmapped function is an error naming it.

The service steps write the Task the AWS developer guide documents for each optimized integration
("Integrating services with Step Functions"): ``arn:aws:states:::<service>:<api>[.sync|.sync:2|.waitForTaskToken]``
with the API's request fields as ``Parameters`` (JSONPath) or ``Arguments`` (JSONata), whichever the state's
query language uses when the machine is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sfnkit.build.fields import BuildError, caller
from sfnkit.build.states import PythonFunction, Task, placeholder_arn

__all__ = [
    "FunctionTask",
    "ServiceTask",
    "batch_submit_job",
    "bind_functions",
    "dynamodb",
    "ecs_run_task",
    "glue_start_job_run",
    "lambda_invoke",
    "sagemaker_create_endpoint",
    "sagemaker_create_endpoint_config",
    "sagemaker_create_model",
    "sagemaker_create_training_job",
    "sagemaker_create_transform_job",
    "sns_publish",
    "sqs_send_message",
    "start_execution",
    "task",
]

_PATTERNS = ("", ".sync", ".sync:2", ".waitForTaskToken")


class FunctionTask(Task):
    """A Task running a Python function (what :func:`task` makes); calling it calls the function."""

    def __init__(self, name: str, /, function: PythonFunction, **fields: Any) -> None:
        super().__init__(name, resource=function, **fields)
        self.function = function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)


def task(
    fn: Callable[..., Any] | None = None, /, *, name: str | None = None, function_name: str | None = None, **fields: Any
) -> Any:
    """Turn a Python function into a Task state (named after the function unless ``name=``)::

        @task(result_path="$.score", retry=[Retry([errors.TASK_FAILED], max_attempts=2)])
        def score(event):
            return {"auc": 0.91}

        machine = Machine(prepare >> score >> done)

    ``function_name`` is the Lambda function name it stands for (default: the function's ``__name__``).
    """

    def wrap(f: Callable[..., Any]) -> FunctionTask:
        return FunctionTask(name or f.__name__, PythonFunction(f, name=function_name), **fields)

    return wrap(fn) if fn is not None else wrap


class _Input:
    """The whole state input as a request field: ``"Key.$": "$"`` (JSONPath) or ``"{% $states.input %}"``."""

    def __repr__(self) -> str:
        return "STATE_INPUT"


STATE_INPUT = _Input()


class ServiceTask(Task):
    """A Task calling an AWS API through an optimized integration: ``ServiceTask("Send", service="sqs",
    api="sendMessage", request={...})``; ``pattern`` is "", ".sync", ".sync:2" or ".waitForTaskToken"."""

    def __init__(
        self, name: str, /, *, service: str, api: str, request: Mapping[str, Any], pattern: str = "", **fields: Any
    ) -> None:
        origin = caller()
        if pattern not in _PATTERNS:
            raise BuildError(
                f"{origin}: pattern must be one of {', '.join(repr(p) for p in _PATTERNS)}, got {pattern!r}"
            )
        if "parameters" in fields or "arguments" in fields:
            raise BuildError(
                f"{origin}: give the request fields as request={{...}} (the builder writes Parameters "
                "or Arguments to suit the query language)"
            )
        super().__init__(name, resource=f"arn:aws:states:::{service}:{api}{pattern}", **fields)
        self.request = {k: v for k, v in request.items() if v is not None}

    def _fields(self, ql: str) -> dict[str, Any]:
        req: dict[str, Any] = {}
        for k, v in self.request.items():
            if isinstance(v, PythonFunction):
                v = v.arn
            if v is STATE_INPUT:
                if ql == "JSONata":
                    req[k] = "{% $states.input %}"
                else:
                    req[k + ".$"] = "$"
            else:
                req[k] = v
        out = dict(self.fields)
        # the request sits where the data flow expects it: before ResultSelector/ResultPath in the ASL order
        out["Arguments" if ql == "JSONata" else "Parameters"] = req
        return out

    def _value(self, key: str, value: Any, cx: Any, ptr: str, ql: str) -> Any:
        if key == "Parameters" or key == "Arguments":
            fname = self.request.get("FunctionName")
            if isinstance(fname, PythonFunction):
                cx.function(fname)
        return super()._value(key, value, cx, ptr, ql)


def _req(extra: Mapping[str, Any] | None, **fields: Any) -> dict[str, Any]:
    out = dict(fields)
    out.update(extra or {})
    return out


def _sync(sync: bool | str) -> str:
    if sync is True:
        return ".sync"
    return sync or ""


def lambda_invoke(
    name: str,
    /,
    function: str | Callable[..., Any],
    *,
    payload: Any = STATE_INPUT,
    request: Mapping[str, Any] | None = None,
    wait_for_task_token: bool = False,
    **fields: Any,
) -> ServiceTask:
    """``arn:aws:states:::lambda:invoke``: the result is Lambda's response (``Payload``, ``StatusCode``, ...).
    ``function`` is a name, an ARN, or a Python function (attached to the machine like :func:`task`)."""
    fn: Any = function
    if callable(function) and not isinstance(function, PythonFunction):
        fn = PythonFunction(function)
    return ServiceTask(
        name,
        service="lambda",
        api="invoke",
        pattern=".waitForTaskToken" if wait_for_task_token else "",
        request=_req(request, FunctionName=fn, Payload=payload),
        **fields,
    )


def sqs_send_message(
    name: str,
    /,
    queue_url: str,
    message_body: Any = STATE_INPUT,
    *,
    request: Mapping[str, Any] | None = None,
    wait_for_task_token: bool = False,
    **fields: Any,
) -> ServiceTask:
    """``arn:aws:states:::sqs:sendMessage`` (``.waitForTaskToken`` for a callback)."""
    return ServiceTask(
        name,
        service="sqs",
        api="sendMessage",
        pattern=".waitForTaskToken" if wait_for_task_token else "",
        request=_req(request, QueueUrl=queue_url, MessageBody=message_body),
        **fields,
    )


def sns_publish(
    name: str, /, topic_arn: str, message: Any = STATE_INPUT, *, request: Mapping[str, Any] | None = None, **fields: Any
) -> ServiceTask:
    """``arn:aws:states:::sns:publish``."""
    return ServiceTask(
        name, service="sns", api="publish", request=_req(request, TopicArn=topic_arn, Message=message), **fields
    )


def dynamodb(
    name: str, /, action: str, table_name: str, *, request: Mapping[str, Any] | None = None, **fields: Any
) -> ServiceTask:
    """``arn:aws:states:::dynamodb:<action>`` for getItem, putItem, updateItem or deleteItem; the ``Key`` /
    ``Item`` / ``UpdateExpression`` ... go in ``request``."""
    if action not in ("getItem", "putItem", "updateItem", "deleteItem"):
        raise BuildError(
            f"{caller()}: DynamoDB's optimized integration has getItem, putItem, updateItem and "
            f"deleteItem, not {action!r}"
        )
    return ServiceTask(name, service="dynamodb", api=action, request=_req(request, TableName=table_name), **fields)


def glue_start_job_run(
    name: str,
    /,
    job_name: str,
    *,
    job_arguments: Mapping[str, Any] | None = None,
    request: Mapping[str, Any] | None = None,
    sync: bool = True,
    **fields: Any,
) -> ServiceTask:
    """``arn:aws:states:::glue:startJobRun.sync`` (``sync=False``: start and move on)."""
    return ServiceTask(
        name,
        service="glue",
        api="startJobRun",
        pattern=_sync(sync),
        request=_req(request, JobName=job_name, Arguments=job_arguments),
        **fields,
    )


def sagemaker_create_training_job(
    name: str, /, request: Mapping[str, Any], *, sync: bool = True, **fields: Any
) -> ServiceTask:
    """``arn:aws:states:::sagemaker:createTrainingJob.sync``: ``request`` is CreateTrainingJob's request."""
    return ServiceTask(
        name, service="sagemaker", api="createTrainingJob", pattern=_sync(sync), request=request, **fields
    )


def sagemaker_create_model(name: str, /, request: Mapping[str, Any], **fields: Any) -> ServiceTask:
    """``arn:aws:states:::sagemaker:createModel``."""
    return ServiceTask(name, service="sagemaker", api="createModel", request=request, **fields)


def sagemaker_create_transform_job(
    name: str, /, request: Mapping[str, Any], *, sync: bool = True, **fields: Any
) -> ServiceTask:
    """``arn:aws:states:::sagemaker:createTransformJob.sync``."""
    return ServiceTask(
        name, service="sagemaker", api="createTransformJob", pattern=_sync(sync), request=request, **fields
    )


def sagemaker_create_endpoint_config(name: str, /, request: Mapping[str, Any], **fields: Any) -> ServiceTask:
    """``arn:aws:states:::sagemaker:createEndpointConfig``."""
    return ServiceTask(name, service="sagemaker", api="createEndpointConfig", request=request, **fields)


def sagemaker_create_endpoint(name: str, /, request: Mapping[str, Any], **fields: Any) -> ServiceTask:
    """``arn:aws:states:::sagemaker:createEndpoint``."""
    return ServiceTask(name, service="sagemaker", api="createEndpoint", request=request, **fields)


def batch_submit_job(
    name: str,
    /,
    job_name: str,
    job_queue: str,
    job_definition: str,
    *,
    request: Mapping[str, Any] | None = None,
    sync: bool = True,
    **fields: Any,
) -> ServiceTask:
    """``arn:aws:states:::batch:submitJob.sync``."""
    return ServiceTask(
        name,
        service="batch",
        api="submitJob",
        pattern=_sync(sync),
        request=_req(request, JobName=job_name, JobQueue=job_queue, JobDefinition=job_definition),
        **fields,
    )


def ecs_run_task(
    name: str,
    /,
    cluster: str,
    task_definition: str,
    *,
    launch_type: str | None = None,
    request: Mapping[str, Any] | None = None,
    sync: bool = True,
    **fields: Any,
) -> ServiceTask:
    """``arn:aws:states:::ecs:runTask.sync``."""
    return ServiceTask(
        name,
        service="ecs",
        api="runTask",
        pattern=_sync(sync),
        request=_req(request, Cluster=cluster, TaskDefinition=task_definition, LaunchType=launch_type),
        **fields,
    )


def start_execution(
    name: str,
    /,
    state_machine_arn: str,
    input: Any = STATE_INPUT,
    *,
    request: Mapping[str, Any] | None = None,
    sync: bool | str = ".sync:2",
    **fields: Any,
) -> ServiceTask:
    """``arn:aws:states:::states:startExecution.sync:2``: run another state machine (``sync=".sync"`` gives its
    output as a JSON string, ``sync=False`` starts it and moves on)."""
    return ServiceTask(
        name,
        service="states",
        api="startExecution",
        pattern=_sync(sync),
        request=_req(request, StateMachineArn=state_machine_arn, Input=input),
        **fields,
    )


# -- deploying --------------------------------------------------------------------------------------------------


def bind_functions(definition: Any, attached: Iterable[str], functions: Mapping[str, str] | None) -> Any:
    """``definition`` with each attached Python function's placeholder ARN replaced by ``functions[name]``.

    Raises :class:`ValueError` naming every attached function without a Lambda ARN (and any mapped value
    that is not a Lambda ARN)."""
    names = sorted(attached)
    functions = dict(functions or {})
    missing = [n for n in names if n not in functions]
    if missing:
        pairs = ", ".join(f"{n!r}: 'arn:aws:lambda:<region>:<account>:function:<name>'" for n in missing)
        raise ValueError(
            f"the state machine runs Python functions that have no Lambda function on AWS: {', '.join(missing)}; "
            f"deploy each as a Lambda function and pass functions={{{pairs}}}"
        )
    bad = [
        f"{n!r} -> {functions[n]!r}"
        for n in names
        if not (isinstance(functions[n], str) and functions[n].startswith("arn:") and ":lambda:" in functions[n])
    ]
    if bad:
        raise ValueError(
            "functions= maps each Python function to a Lambda function ARN "
            f"(arn:aws:lambda:<region>:<account>:function:<name>); got {', '.join(bad)}"
        )
    swap = {placeholder_arn(n): functions[n] for n in names}

    def walk(v: Any) -> Any:
        if isinstance(v, str):
            return swap.get(v, v)
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    return walk(definition)
