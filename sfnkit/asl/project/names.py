"""The physical names and ARNs a template's resources get in the local account, deterministically.

CloudFormation gives an unnamed resource a physical id ``<stack>-<LogicalId>-<random suffix>`` (AWS docs
"Name type"); sfnkit uses the same shape with a suffix derived from a hash of the stack and logical id, so the
same template always resolves to the same names. What ``Ref`` and ``Fn::GetAtt`` return per resource type follows
the "Return values" section of each type's page in the CloudFormation resource reference (a queue's ``Ref`` is its
URL, a topic's and a state machine's ``Ref`` is the ARN, a table's ``Ref`` is its name, ...).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field

__all__ = ["Physical", "generated_name", "physical", "stack_name_for"]


@dataclass(frozen=True, slots=True)
class Physical:
    """The local identity of one resource: its name, what ``Ref`` returns, its ARN and other attributes."""

    name: str
    ref: str
    arn: str
    attributes: dict[str, str] = field(default_factory=dict)


def _suffix(stack: str, logical_id: str, n: int = 12) -> str:
    digest = hashlib.sha256(f"{stack}/{logical_id}".encode()).digest()
    return base64.b32encode(digest).decode("ascii")[:n]


def generated_name(stack: str, logical_id: str, *, lower: bool = False, limit: int = 64) -> str:
    """``<stack>-<LogicalId>-<SUFFIX>`` as CloudFormation names unnamed resources, but deterministic."""
    name = f"{stack}-{logical_id}"[: max(1, limit - 13)] + "-" + _suffix(stack, logical_id)
    return name.lower() if lower else name


def stack_name_for(label: str) -> str:
    """A valid stack name (letters, digits, hyphens, starting with a letter) from a folder or file name."""
    cleaned = re.sub(r"[^A-Za-z0-9-]+", "-", label).strip("-") or "sfnkit-local"
    return cleaned if cleaned[0].isalpha() else f"s-{cleaned}"


# type -> (name property, how Ref answers: "name" | "arn" | "url" | "id", ARN pattern, lower-case names)
_TYPES: dict[str, tuple[str | None, str, str, bool]] = {
    "AWS::DynamoDB::Table": ("TableName", "name", "arn:{p}:dynamodb:{r}:{a}:table/{n}", False),
    "AWS::DynamoDB::GlobalTable": ("TableName", "name", "arn:{p}:dynamodb:{r}:{a}:table/{n}", False),
    "AWS::Serverless::SimpleTable": ("TableName", "name", "arn:{p}:dynamodb:{r}:{a}:table/{n}", False),
    "AWS::S3::Bucket": ("BucketName", "name", "arn:{p}:s3:::{n}", True),
    "AWS::SQS::Queue": ("QueueName", "url", "arn:{p}:sqs:{r}:{a}:{n}", False),
    "AWS::SNS::Topic": ("TopicName", "arn", "arn:{p}:sns:{r}:{a}:{n}", False),
    "AWS::Events::EventBus": ("Name", "name", "arn:{p}:events:{r}:{a}:event-bus/{n}", False),
    "AWS::Events::Rule": ("Name", "name", "arn:{p}:events:{r}:{a}:rule/{n}", False),
    "AWS::SecretsManager::Secret": ("Name", "arn", "arn:{p}:secretsmanager:{r}:{a}:secret:{n}-{s6}", False),
    "AWS::Lambda::Function": ("FunctionName", "name", "arn:{p}:lambda:{r}:{a}:function:{n}", False),
    "AWS::Serverless::Function": ("FunctionName", "name", "arn:{p}:lambda:{r}:{a}:function:{n}", False),
    "AWS::StepFunctions::StateMachine": ("StateMachineName", "arn", "arn:{p}:states:{r}:{a}:stateMachine:{n}", False),
    "AWS::Serverless::StateMachine": ("Name", "arn", "arn:{p}:states:{r}:{a}:stateMachine:{n}", False),
    "AWS::StepFunctions::Activity": ("Name", "arn", "arn:{p}:states:{r}:{a}:activity:{n}", False),
    "AWS::IAM::Role": ("RoleName", "name", "arn:{p}:iam::{a}:role/{n}", False),
    "AWS::IAM::ManagedPolicy": ("ManagedPolicyName", "arn", "arn:{p}:iam::{a}:policy/{n}", False),
    "AWS::Glue::Job": ("Name", "name", "arn:{p}:glue:{r}:{a}:job/{n}", False),
    "AWS::Glue::Crawler": ("Name", "name", "arn:{p}:glue:{r}:{a}:crawler/{n}", False),
    "AWS::Glue::Database": (None, "name", "arn:{p}:glue:{r}:{a}:database/{n}", True),
    "AWS::Batch::JobQueue": ("JobQueueName", "arn", "arn:{p}:batch:{r}:{a}:job-queue/{n}", False),
    "AWS::Batch::JobDefinition": ("JobDefinitionName", "arn", "arn:{p}:batch:{r}:{a}:job-definition/{n}:1", False),
    "AWS::Batch::ComputeEnvironment": (
        "ComputeEnvironmentName",
        "arn",
        "arn:{p}:batch:{r}:{a}:compute-environment/{n}",
        False,
    ),
    "AWS::ECS::Cluster": ("ClusterName", "name", "arn:{p}:ecs:{r}:{a}:cluster/{n}", False),
    "AWS::ECS::TaskDefinition": ("Family", "arn", "arn:{p}:ecs:{r}:{a}:task-definition/{n}:1", False),
    "AWS::ECS::Service": ("ServiceName", "arn", "arn:{p}:ecs:{r}:{a}:service/{n}", False),
    "AWS::SageMaker::Model": ("ModelName", "arn", "arn:{p}:sagemaker:{r}:{a}:model/{n}", True),
    "AWS::Kinesis::Stream": ("Name", "name", "arn:{p}:kinesis:{r}:{a}:stream/{n}", False),
    "AWS::Logs::LogGroup": ("LogGroupName", "name", "arn:{p}:logs:{r}:{a}:log-group:{n}:*", False),
    "AWS::SSM::Parameter": ("Name", "name", "arn:{p}:ssm:{r}:{a}:parameter/{n}", False),
    "AWS::CodeBuild::Project": ("Name", "name", "arn:{p}:codebuild:{r}:{a}:project/{n}", False),
    "AWS::Athena::WorkGroup": ("Name", "name", "arn:{p}:athena:{r}:{a}:workgroup/{n}", False),
    "AWS::EMR::Cluster": ("Name", "id", "arn:{p}:elasticmapreduce:{r}:{a}:cluster/{n}", False),
    "AWS::KMS::Key": (None, "id", "arn:{p}:kms:{r}:{a}:key/{n}", True),
    "AWS::Lambda::LayerVersion": ("LayerName", "arn", "arn:{p}:lambda:{r}:{a}:layer:{n}:1", False),
    "AWS::Serverless::LayerVersion": ("LayerName", "arn", "arn:{p}:lambda:{r}:{a}:layer:{n}:1", False),
    "AWS::ApiGateway::RestApi": ("Name", "id", "arn:{p}:apigateway:{r}::/restapis/{n}", True),
    "AWS::Serverless::Api": ("Name", "id", "arn:{p}:apigateway:{r}::/restapis/{n}", True),
}

#: Resource types whose default name is the logical id rather than a generated one. sfnkit names state machines
#: after their logical id so that ``name="OrderMachine"`` and the ARN agree (StateMachineSpec's contract).
_LOGICAL_ID_NAMED = frozenset({"AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine"})


def physical(
    type_: str,
    logical_id: str,
    given_name: str | None,
    *,
    stack: str,
    account: str,
    region: str,
    partition: str = "aws",
    fifo: bool = False,
) -> Physical:
    """The local identity of resource ``logical_id`` of type ``type_`` (``given_name`` when the template names it)."""
    name_prop, ref_kind, arn_pattern, lower = _TYPES.get(type_, (None, "name", "", False))
    if given_name:
        name = given_name
    elif type_ in _LOGICAL_ID_NAMED:
        name = logical_id
    else:
        name = generated_name(stack, logical_id, lower=lower)
        if fifo and not name.endswith(".fifo"):
            name = name[:75] + ".fifo"
    s6 = _suffix(stack, logical_id, 6)
    if arn_pattern:
        arn = arn_pattern.format(p=partition, r=region, a=account, n=name, s6=s6)
    else:
        # AWS::Service::Thing -> arn:aws:service:region:account:thing/name (the common shape)
        parts = type_.split("::")
        service = parts[1].lower() if len(parts) > 1 else "unknown"
        kind = re.sub(r"(?<!^)(?=[A-Z])", "-", parts[-1]).lower() if parts else "resource"
        arn = f"arn:{partition}:{service}:{region}:{account}:{kind}/{name}"
    url = f"https://sqs.{region}.amazonaws.com/{account}/{name}"
    ref = {"name": name, "arn": arn, "url": url, "id": name}[ref_kind]
    attributes: dict[str, str] = {"Arn": arn}
    if type_ == "AWS::SQS::Queue":
        attributes.update(QueueName=name, QueueUrl=url)
    elif type_ == "AWS::SNS::Topic":
        attributes.update(TopicArn=arn, TopicName=name)
    elif type_ in ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"):
        attributes["StreamArn"] = f"{arn}/stream/1970-01-01T00:00:00.000"
    elif type_ == "AWS::S3::Bucket":
        attributes.update(
            DomainName=f"{name}.s3.amazonaws.com",
            RegionalDomainName=f"{name}.s3.{region}.amazonaws.com",
            WebsiteURL=f"http://{name}.s3-website-{region}.amazonaws.com",
        )
    elif type_ in _LOGICAL_ID_NAMED or type_ == "AWS::StepFunctions::Activity":
        attributes["Name"] = name
    elif type_ == "AWS::IAM::Role":
        attributes["RoleId"] = "AROA" + _suffix(stack, logical_id, 17)
    elif type_ == "AWS::Events::EventBus":
        attributes["Name"] = name
    elif type_ in ("AWS::ApiGateway::RestApi", "AWS::Serverless::Api"):
        attributes["RootResourceId"] = _suffix(stack, logical_id + "/root", 10).lower()
    if name_prop:
        attributes.setdefault(name_prop, name)
    return Physical(name=name, ref=ref, arn=arn, attributes=attributes)


def name_property(type_: str) -> str | None:
    """The property that names a resource of this type (``TableName``, ``QueueName``, ...), if known."""
    entry = _TYPES.get(type_)
    return entry[0] if entry else "Name"
