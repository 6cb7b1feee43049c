"""What sfnkit knows about the project a state machine came from (a SAM/CloudFormation/CDK/Serverless/Terraform
template), as plain frozen data.

The template readers (``sfnkit.asl.project``) produce it; the embedded local AWS (``services="local"``) consumes
it to create the declared tables, buckets and queues, to run the template's Python Lambdas in-process, and to run
nested state machines of the same template as child executions. It sits in the front end because it is a
description of source files, with no behaviour: nothing here imports boto3, moto or the runtime.

Names follow CloudFormation: a resource is known by its logical id, its ``Type`` (``AWS::DynamoDB::Table``) and
the physical name/ARN sfnkit resolved for it in the local account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: The account and region every template value resolves into when the user does not choose others.
LOCAL_ACCOUNT = "123456789012"
LOCAL_REGION = "us-east-1"


@dataclass(frozen=True)
class ResourceSpec:
    """A resource the template declares (a table, bucket, queue, topic, secret, event bus, ...)."""

    logical_id: str
    type: str  # CloudFormation type, e.g. "AWS::DynamoDB::Table"
    name: str  # what ``Ref`` gives for it (table name, bucket name, queue URL's name part, ...)
    arn: str  # what ``Fn::GetAtt X.Arn`` gives
    #: The resource's ``Properties`` with every intrinsic resolved to local values (best effort).
    properties: Mapping[str, Any] = field(default_factory=dict)
    #: What ``Ref`` returns when it is not ``name`` (a queue's URL, a topic's or a secret's ARN); "" otherwise.
    ref: str = ""
    #: The ``Fn::GetAtt`` attributes sfnkit knows for it (``Arn``, ``QueueUrl``, ``StreamArn``, ...).
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function of the template (``AWS::Serverless::Function`` or ``AWS::Lambda::Function``)."""

    logical_id: str
    name: str  # the function name (``FunctionName`` or the generated one)
    arn: str  # ``arn:aws:lambda:<region>:<account>:function:<name>``
    runtime: str | None  # "python3.12", "nodejs20.x", ... (None when not stated)
    handler: str | None  # "app.handler" (module.function)
    code_dir: str | None  # absolute folder of ``CodeUri`` (None for inline ``ZipFile`` code)
    environment: Mapping[str, str] = field(default_factory=dict)
    timeout: int | None = None
    #: Inline source (``Code.ZipFile`` / ``InlineCode``) when the template carries it.
    inline_code: str | None = None


@dataclass(frozen=True)
class StateMachineSpec:
    """A state machine of the template: its names and where its definition came from."""

    logical_id: str
    name: str  # ``StateMachineName`` or the logical id
    arn: str  # ``arn:aws:states:<region>:<account>:stateMachine:<name>``
    type: str = "STANDARD"  # or "EXPRESS"
    #: Where the definition text lives: the template itself or the ``DefinitionUri`` file.
    definition_file: str | None = None
    #: The definition with its substitutions resolved (a dict), when the reader has it: ``services="local"`` runs
    #: ``states:startExecution`` of this machine from it as a child execution.
    definition: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Project:
    """Everything a template declares that a local run needs. Keys are logical ids."""

    template: str  # absolute path of the template file (or project folder)
    format: str  # "sam" | "cloudformation" | "cdk" | "serverless" | "terraform"
    account: str = LOCAL_ACCOUNT
    region: str = LOCAL_REGION
    state_machines: Mapping[str, StateMachineSpec] = field(default_factory=dict)
    functions: Mapping[str, FunctionSpec] = field(default_factory=dict)
    resources: Mapping[str, ResourceSpec] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def function_for(self, arn_or_name: str) -> FunctionSpec | None:
        """The function a Task's ``Resource``/``FunctionName`` points at (ARN, name, or ``:alias``/``:$LATEST``)."""
        key = arn_or_name.split(":function:", 1)[-1].split(":", 1)[0]
        for fn in self.functions.values():
            if key in (fn.name, fn.logical_id) or arn_or_name == fn.arn:
                return fn
        return None

    def state_machine_for(self, arn: str) -> StateMachineSpec | None:
        """The state machine of this project an ARN names (for ``states:startExecution`` of a sibling)."""
        name = arn.split(":stateMachine:", 1)[-1].split(":", 1)[0]
        for spec in self.state_machines.values():
            if arn == spec.arn or name in (spec.name, spec.logical_id):
                return spec
        return None
