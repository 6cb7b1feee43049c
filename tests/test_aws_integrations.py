"""Service integrations of local runs, through boto3, against a moto server (``sfnkit.aws.integrations``).

Each test runs a state machine with ``sfnkit.run`` on the virtual clock; its Tasks call the moto server over
HTTP exactly as they would call AWS, and the test checks both the task's result (shaped as Step Functions shapes
it) and the effect on the service.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import Any

import pytest

import sfnkit
import sfnkit.aws

pytest.importorskip("boto3")

ROLE = "arn:aws:iam::123456789012:role/sfnkit-test"


def _uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def aws(moto_server: Any) -> dict[str, Any]:
    """Integrations against the moto server, polling fast (each poll still passes on the virtual clock)."""
    return sfnkit.aws.integrations(
        moto_server.session(), moto_server.url, poll=sfnkit.aws.Poll(initial=0.02, factor=1.5, maximum=0.1)
    )


def task(resource: str, parameters: Any = None, **fields: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Task", "Resource": resource, "End": True, **fields}
    if parameters is not None:
        state["Parameters"] = parameters
    return {"StartAt": "T", "States": {"T": state}}


def event_types(ex: sfnkit.Execution) -> list[str]:
    return [e.type for e in ex.history]


# -- aws-sdk ------------------------------------------------------------------------------------------------


def test_aws_sdk_s3_put_then_get_object(aws: dict[str, Any], moto_server: Any) -> None:
    bucket = _uid("bucket")
    moto_server.client("s3").create_bucket(Bucket=bucket)
    put = sfnkit.run(
        task("arn:aws:states:::aws-sdk:s3:putObject", {"Bucket": bucket, "Key": "k.json", "Body": {"Dict": "Value"}}),
        {},
        resources=aws,
    )
    assert put.status == "SUCCEEDED", put.cause
    assert put.output["ETag"].startswith('"') and "ResponseMetadata" not in put.output
    # a JSON Body that is not a string is stored as its JSON text, as Step Functions does
    stored = moto_server.client("s3").get_object(Bucket=bucket, Key="k.json")["Body"].read()
    assert stored == b'{"Dict":"Value"}'
    got = sfnkit.run(
        task("arn:aws:states:::aws-sdk:s3:getObject", {"Bucket.$": "$.b", "Key": "k.json"}),
        {"b": bucket},
        resources=aws,
    )
    assert got.status == "SUCCEEDED"
    assert got.output["Body"] == '{"Dict":"Value"}'  # the body as text
    assert got.output["ContentLength"] == 16
    assert got.output["LastModified"].endswith("Z")  # timestamps as ISO-8601 text
    assert set(got.output) >= {
        "AcceptRanges",
        "Body",
        "ContentLength",
        "ContentType",
        "ETag",
        "LastModified",
        "Metadata",
    }


def test_aws_sdk_error_names_and_causes_follow_step_functions(aws: dict[str, Any], moto_server: Any) -> None:
    bucket = _uid("bucket")
    moto_server.client("s3").create_bucket(Bucket=bucket)
    definition = {
        "StartAt": "Get",
        "States": {
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                "Parameters": {"Bucket": bucket, "Key": "nope.json"},
                "Catch": [{"ErrorEquals": ["S3.NoSuchKeyException"], "Next": "Missing"}],
                "End": True,
            },
            "Missing": {"Type": "Pass", "End": True},
        },
    }
    ex = sfnkit.run(definition, {}, resources=aws)
    assert ex.status == "SUCCEEDED"
    assert ex.output["Error"] == "S3.NoSuchKeyException"
    assert ex.output["Cause"].startswith(
        "The specified key does not exist. (Service: S3, Status Code: 404, Request ID: "
    )
    ddb = sfnkit.run(
        task(
            "arn:aws:states:::aws-sdk:dynamodb:putItem",
            {"TableName": _uid("no-such-table"), "Item": {"id": {"S": "1"}}},
        ),
        {},
        resources=aws,
    )
    assert ddb.error == "DynamoDb.ResourceNotFoundException"
    assert ddb.cause.startswith("Requested resource not found (Service: DynamoDb, Status Code: 400, Request ID: ")
    # a required member missing: AWS's validation message, and SDK v2's base exception of the service
    bad = sfnkit.run(
        task("arn:aws:states:::aws-sdk:dynamodb:putItem", {"TableName": "t", "Item": None}), {}, resources=aws
    )
    assert bad.error == "DynamoDb.DynamoDbException"
    assert bad.cause.startswith(
        "1 validation error detected: Value null at 'item' failed to satisfy constraint: "
        "Member must not be null (Service: DynamoDb, Status Code: 400"
    )


def test_aws_sdk_pascal_case_parameters_reach_camel_case_apis(aws: dict[str, Any], moto_server: Any) -> None:
    child = sfnkit.aws.deploy(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
        name=_uid("child"),
        role_arn=ROLE,
        client=moto_server.client("stepfunctions"),
    )
    ex = sfnkit.run(
        task("arn:aws:states:::aws-sdk:sfn:startExecution", {"StateMachineArn": child.arn, "Input": {"key": "value"}}),
        {},
        resources=aws,
    )
    assert ex.status == "SUCCEEDED", ex.cause
    assert set(ex.output) == {"ExecutionArn", "StartDate"}  # the API's members, first letter capitalised
    started = moto_server.client("stepfunctions").describe_execution(executionArn=ex.output["ExecutionArn"])
    assert json.loads(started["input"]) == {"key": "value"}


def test_aws_sdk_unknown_service_or_action_is_a_clear_failure(aws: dict[str, Any]) -> None:
    ex = sfnkit.run(task("arn:aws:states:::aws-sdk:s3:getObjekt", {"Bucket": "b", "Key": "k"}), {}, resources=aws)
    assert ex.error == "States.Runtime" and "s3 has no action 'getObjekt'; did you mean getObject" in ex.cause
    ex = sfnkit.run(task("arn:aws:states:::aws-sdk:dynamodbb:getItem", {}), {}, resources=aws)
    assert ex.error == "States.Runtime" and "did you mean dynamodb" in ex.cause


# -- optimized integrations ---------------------------------------------------------------------------------


def test_sqs_send_message(aws: dict[str, Any], moto_server: Any) -> None:
    sqs = moto_server.client("sqs")
    url = sqs.create_queue(QueueName=_uid("q"))["QueueUrl"]
    ex = sfnkit.run(
        task("arn:aws:states:::sqs:sendMessage", {"QueueUrl": url, "MessageBody": {"order": 7}}), {}, resources=aws
    )
    assert ex.status == "SUCCEEDED"
    assert {"MD5OfMessageBody", "MessageId", "SdkHttpMetadata", "SdkResponseMetadata"} <= set(ex.output)
    assert ex.output["SdkHttpMetadata"]["HttpStatusCode"] == 200
    message = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert json.loads(message["Body"]) == {"order": 7}
    assert message["MessageId"] == ex.output["MessageId"]
    missing = sfnkit.run(
        task("arn:aws:states:::sqs:sendMessage", {"QueueUrl": url + "-gone", "MessageBody": "x"}), {}, resources=aws
    )
    assert missing.error == "SQS.QueueDoesNotExistException"  # SDK v1 naming of optimized integrations
    assert (
        "(Service: AmazonSQS; Status Code: 400; Error Code: AWS.SimpleQueueService.NonExistentQueue; Request ID: "
        in missing.cause
        and missing.cause.endswith("; Proxy: null)")
    )


def test_sqs_wait_for_task_token_sends_the_token_and_waits(aws: dict[str, Any], moto_server: Any) -> None:
    sqs = moto_server.client("sqs")
    url = sqs.create_queue(QueueName=_uid("q"))["QueueUrl"]
    definition = task(
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        {"QueueUrl": url, "MessageBody": {"token.$": "$$.Task.Token", "n.$": "$.n"}},
    )
    ex = sfnkit.run(definition, {"n": 3}, resources=aws)
    assert ex.status == "RUNNING" and len(ex.pending_tokens) == 1
    body = json.loads(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"])
    assert body["n"] == 3 and body["token"] == ex.pending_tokens[0]
    ex.send_task_success(body["token"], {"done": body["n"] * 2})
    assert ex.status == "SUCCEEDED" and ex.output == {"done": 6}
    assert event_types(ex)[2:6] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]


def test_sns_publish(aws: dict[str, Any], moto_server: Any) -> None:
    sns, sqs = moto_server.client("sns"), moto_server.client("sqs")
    topic = sns.create_topic(Name=_uid("topic"))["TopicArn"]
    queue = sqs.create_queue(QueueName=_uid("q"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    ex = sfnkit.run(
        task(
            "arn:aws:states:::sns:publish",
            {
                "TopicArn": topic,
                "Message": {"hello": "world"},
                "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "greeting"}},
            },
        ),
        {},
        resources=aws,
    )
    assert ex.status == "SUCCEEDED", ex.cause
    assert "MessageId" in ex.output and "SdkHttpMetadata" in ex.output
    delivered = sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"]
    assert json.loads(delivered) == {"hello": "world"}


def test_dynamodb_put_get_update_delete(aws: dict[str, Any], moto_server: Any) -> None:
    table = _uid("table")
    moto_server.client("dynamodb").create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    p = "arn:aws:states:::dynamodb:"
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": p + "putItem",
                "ResultPath": "$.put",
                "Next": "Update",
                "Parameters": {"TableName.$": "$.table", "Item": {"id": {"S": "1"}, "v": {"S": "a"}}},
            },
            "Update": {
                "Type": "Task",
                "Resource": p + "updateItem",
                "ResultPath": "$.update",
                "Next": "Get",
                "Parameters": {
                    "TableName.$": "$.table",
                    "Key": {"id": {"S": "1"}},
                    "UpdateExpression": "SET v = :v",
                    "ExpressionAttributeValues": {":v": {"S": "b"}},
                    "ReturnValues": "UPDATED_NEW",
                },
            },
            "Get": {
                "Type": "Task",
                "Resource": p + "getItem",
                "ResultPath": "$.get",
                "Next": "Delete",
                "Parameters": {"TableName.$": "$.table", "Key": {"id": {"S": "1"}}},
            },
            "Delete": {
                "Type": "Task",
                "Resource": p + "deleteItem",
                "ResultPath": "$.delete",
                "End": True,
                "Parameters": {"TableName.$": "$.table", "Key": {"id": {"S": "1"}}},
            },
        },
    }
    ex = sfnkit.run(definition, {"table": table}, resources=aws)
    assert ex.status == "SUCCEEDED", ex.cause
    out = ex.output
    assert set(out["put"]) == {"SdkHttpMetadata", "SdkResponseMetadata"}
    assert out["update"]["Attributes"] == {"v": {"S": "b"}}
    assert out["get"]["Item"] == {"id": {"S": "1"}, "v": {"S": "b"}}
    assert "Item" not in moto_server.client("dynamodb").get_item(TableName=table, Key={"id": {"S": "1"}})
    bad = sfnkit.run(task(p + "putItem", {"TableName": table}), {}, resources=aws)
    assert bad.error == "DynamoDB.AmazonDynamoDBException"
    assert bad.cause.startswith(
        "1 validation error detected: Value null at 'item' failed to satisfy constraint: "
        "Member must not be null (Service: AmazonDynamoDBv2; Status Code: 400; "
        "Error Code: ValidationException; Request ID: "
    )


def test_s3_get_and_put_object(aws: dict[str, Any], moto_server: Any) -> None:
    bucket = _uid("bucket")
    moto_server.client("s3").create_bucket(Bucket=bucket)
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::s3:putObject",
                "ResultPath": None,
                "Next": "Get",
                "Parameters": {"Bucket": bucket, "Key": "items.csv", "Body": "a,b\n1,2\n"},
            },
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::s3:getObject",
                "End": True,
                "Parameters": {"Bucket": bucket, "Key": "items.csv"},
                "OutputPath": "$.Body",
            },
        },
    }
    ex = sfnkit.run(definition, {}, resources=aws)
    assert (ex.status, ex.output) == ("SUCCEEDED", "a,b\n1,2\n")


def test_lambda_invoke_and_function_arns(aws: dict[str, Any], moto_server: Any) -> None:
    iam = moto_server.client("iam")
    role_name = _uid("role")
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("h.py", "def handler(event, context):\n    return event\n")
    name = _uid("fn")
    arn = moto_server.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="h.handler", Code={"ZipFile": buf.getvalue()}
    )["FunctionArn"]
    # moto without Docker answers an invocation with the payload it was sent
    ex = sfnkit.run(
        task("arn:aws:states:::lambda:invoke", {"FunctionName": name, "Payload": {"x": 1}}), {}, resources=aws
    )
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output["Payload"] == {"x": 1} and ex.output["StatusCode"] == 200
    plain = sfnkit.run(task(arn), {"y": 2}, resources=aws)
    assert (plain.status, plain.output) == ("SUCCEEDED", {"y": 2})
    # (moto without Docker answers even for a function that does not exist, so the 404 is not tested here)


CHILD_OK = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": True}}}
CHILD_FAIL = {
    "StartAt": "F",
    "States": {
        "F": {"Type": "Fail", "Error": "SomeFailure", "Cause": "This state machines raises a 'SomeFailure' failure."}
    },
}


@pytest.mark.parametrize("suffix", ["", ".sync", ".sync:2"])
def test_states_start_execution(aws: dict[str, Any], moto_server: Any, suffix: str) -> None:
    child = sfnkit.aws.deploy(CHILD_OK, name=_uid("child"), role_arn=ROLE, client=moto_server.client("stepfunctions"))
    ex = sfnkit.run(
        task(
            "arn:aws:states:::states:startExecution" + suffix,
            {"StateMachineArn": child.arn, "Name": "TestStartTarget", "Input": None},
        ),
        {},
        resources=aws,
    )
    assert ex.status == "SUCCEEDED", ex.cause
    out = ex.output
    assert out["ExecutionArn"].endswith(":TestStartTarget")
    if suffix == "":
        assert set(out) == {"ExecutionArn", "StartDate", "SdkHttpMetadata", "SdkResponseMetadata"}
        return
    assert out["Status"] == "SUCCEEDED" and out["Name"] == "TestStartTarget"
    assert out["StateMachineArn"] == child.arn
    if suffix == ".sync":
        assert isinstance(out["Input"], str) and isinstance(out["Output"], str)  # JSON text
        assert (json.loads(out["Input"]), json.loads(out["Output"])) == ({}, {"Arg1": "argument1"})
    else:
        assert (out["Input"], out["Output"]) == ({}, {"Arg1": "argument1"})  # parsed JSON
    types = event_types(ex)
    assert types[2:6] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
    submitted = next(e for e in ex.history if e.type == "TaskSubmitted").output_value
    assert set(submitted) == {"ExecutionArn", "StartDate", "SdkHttpMetadata", "SdkResponseMetadata"}


def test_states_start_execution_sync_failure(aws: dict[str, Any], moto_server: Any) -> None:
    child = sfnkit.aws.deploy(CHILD_FAIL, name=_uid("child"), role_arn=ROLE, client=moto_server.client("stepfunctions"))
    ex = sfnkit.run(
        task("arn:aws:states:::states:startExecution.sync", {"StateMachineArn": child.arn, "Name": "TestStartTarget"}),
        {},
        resources=aws,
    )
    assert ex.status == "FAILED" and ex.error == "States.TaskFailed"
    cause = json.loads(ex.cause)
    assert cause["Status"] == "FAILED" and cause["Error"] == "SomeFailure"
    assert cause["Cause"] == "This state machines raises a 'SomeFailure' failure."
    assert "Output" not in cause


def test_sync_polling_takes_virtual_time(moto_server: Any) -> None:
    child = sfnkit.aws.deploy(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}},
        name=_uid("child"),
        role_arn=ROLE,
        client=moto_server.client("stepfunctions"),
    )
    slept: list[float] = []
    aws = sfnkit.aws.integrations(
        moto_server.session(),
        moto_server.url,
        wall_sleep=lambda s: slept.append(s) or __import__("time").sleep(0.05),
        poll=sfnkit.aws.Poll(initial=1, factor=2, maximum=4),
    )
    t0 = __import__("time").perf_counter()
    ex = sfnkit.run(
        task("arn:aws:states:::states:startExecution.sync", {"StateMachineArn": child.arn}), {}, resources=aws
    )
    real = __import__("time").perf_counter() - t0
    assert ex.status == "SUCCEEDED", ex.cause
    assert slept[:3] == [1, 2, 4][: len(slept[:3])]  # the backoff
    start, end = ex.history[0].timestamp, ex.history[-1].timestamp
    # each poll delay passed on the virtual clock; the calls' own real time counts too once it passes 1 s (the
    # handler-time rule of sfnkit.runtime.clock), which a busy machine can reach
    virtual = (end - start).total_seconds()
    assert sum(slept) - 1e-3 <= virtual <= sum(slept) + (real if real > 1 else 0) + 1e-3


def test_glue_start_job_run_sync(aws: dict[str, Any], moto_server: Any) -> None:
    job = _uid("job")
    moto_server.client("glue").create_job(
        Name=job, Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://b/s.py"}
    )
    ex = sfnkit.run(task("arn:aws:states:::glue:startJobRun.sync", {"JobName": job}), {}, resources=aws)
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output["JobRunState"] == "SUCCEEDED" and ex.output["JobName"] == job
    plain = sfnkit.run(task("arn:aws:states:::glue:startJobRun", {"JobName": job}), {}, resources=aws)
    assert plain.output["JobRunId"].startswith("jr_")


def test_sagemaker_create_training_job_sync(aws: dict[str, Any], moto_server: Any) -> None:
    name = _uid("train")
    ex = sfnkit.run(
        task(
            "arn:aws:states:::sagemaker:createTrainingJob.sync",
            {
                "TrainingJobName": name,
                "RoleArn": ROLE,
                "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
                "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
                "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
                "StoppingCondition": {"MaxRuntimeInSeconds": 60},
            },
        ),
        {},
        resources=aws,
    )
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output["TrainingJobStatus"] == "Completed" and ex.output["TrainingJobName"] == name


def test_batch_submit_job_sync(aws: dict[str, Any], moto_server: Any) -> None:
    batch, iam = moto_server.client("batch"), moto_server.client("iam")
    role = iam.create_role(RoleName=_uid("batch"), AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    env = batch.create_compute_environment(computeEnvironmentName=_uid("env"), type="UNMANAGED", serviceRole=role)[
        "computeEnvironmentArn"
    ]
    queue = batch.create_job_queue(
        jobQueueName=_uid("queue"),
        state="ENABLED",
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": env}],
    )["jobQueueArn"]
    definition = batch.register_job_definition(
        jobDefinitionName=_uid("def"),
        type="container",
        containerProperties={"image": "busybox", "vcpus": 1, "memory": 128, "command": ["true"]},
    )["jobDefinitionArn"]
    ex = sfnkit.run(
        task("arn:aws:states:::batch:submitJob.sync", {"JobName": "j", "JobQueue": queue, "JobDefinition": definition}),
        {},
        resources=aws,
    )
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output["Status"] == "SUCCEEDED" and ex.output["JobName"] == "j"


def test_ecs_run_task(aws: dict[str, Any], moto_server: Any) -> None:
    ecs, ec2 = moto_server.client("ecs"), moto_server.client("ec2")
    cluster = _uid("cluster")
    ecs.create_cluster(clusterName=cluster)
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]
    document = json.dumps({"instanceId": instance["InstanceId"]})
    ecs.register_container_instance(cluster=cluster, instanceIdentityDocument=document)
    family = _uid("family")
    ecs.register_task_definition(
        family=family, containerDefinitions=[{"name": "app", "image": "busybox", "memory": 128}]
    )
    ex = sfnkit.run(
        task("arn:aws:states:::ecs:runTask", {"Cluster": cluster, "TaskDefinition": family}), {}, resources=aws
    )
    assert ex.status == "SUCCEEDED", ex.cause
    assert len(ex.output["Tasks"]) == 1 and ex.output["Tasks"][0]["TaskArn"].startswith("arn:aws:ecs:")


def test_events_put_events(aws: dict[str, Any], moto_server: Any) -> None:
    ex = sfnkit.run(
        task(
            "arn:aws:states:::events:putEvents",
            {"Entries": [{"Source": "my.app", "DetailType": "order", "Detail": {"order": 7}}]},
        ),
        {},
        resources=aws,
    )
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output["FailedEntryCount"] == 0 and len(ex.output["Entries"]) == 1


def test_events_put_events_with_failed_entries_fails_the_task(moto_server: Any) -> None:
    # moto accepts every entry; a PutEvents answer with failures, as EventBridge documents it, comes from a stub
    # client built on the real botocore model (boto3 itself is not mocked: only its transport)
    from botocore.stub import Stubber

    client = moto_server.client("events")
    stub = Stubber(client)
    stub.add_response(
        "put_events",
        {
            "FailedEntryCount": 1,
            "Entries": [{"EventId": "e-1"}, {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}],
        },
    )
    with stub:
        aws = sfnkit.aws.integrations(clients={"events": client}, region="us-east-1")
        ex = sfnkit.run(
            task(
                "arn:aws:states:::events:putEvents",
                {
                    "Entries": [
                        {"Source": "s", "DetailType": "d", "Detail": "{}"},
                        {"Source": "s", "DetailType": "d", "Detail": '"jsonstring"'},
                    ]
                },
            ),
            {},
            resources=aws,
        )
    assert ex.error == "EventBridge.FailedEntry"
    assert json.loads(ex.cause) == {
        "Entries": [{"EventId": "e-1"}, {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}],
        "FailedEntryCount": 1,
    }


def test_a_bad_endpoint_fails_the_task_like_the_sdk_does(moto_server: Any) -> None:
    from botocore.config import Config

    aws = sfnkit.aws.integrations(
        moto_server.session(), "http://127.0.0.1:9", config=Config(retries={"max_attempts": 1}, connect_timeout=1)
    )
    ex = sfnkit.run(task("arn:aws:states:::sqs:sendMessage", {"QueueUrl": "q", "MessageBody": "x"}), {}, resources=aws)
    assert ex.error == "SQS.SdkClientException"
    assert ex.cause.startswith("Unable to execute HTTP request: Could not connect to the endpoint URL")


def test_merge_with_other_resources(aws: dict[str, Any], moto_server: Any) -> None:
    sqs = moto_server.client("sqs")
    url = sqs.create_queue(QueueName=_uid("q"))["QueueUrl"]
    definition = {
        "StartAt": "Score",
        "States": {
            "Score": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:score",
                "Next": "Send",
            },
            "Send": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "End": True,
                "Parameters": {"QueueUrl": url, "MessageBody.$": "$"},
            },
        },
    }
    ex = sfnkit.run(definition, {"x": 2}, resources={**aws, "score": lambda e: {"score": e["x"] * 10}})
    assert ex.status == "SUCCEEDED", ex.cause
    assert json.loads(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"]) == {"score": 20}
