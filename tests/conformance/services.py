"""Run the AWS-recorded conformance cases that need AWS services (SQS, SNS, DynamoDB, S3, nested executions...)
against a moto server, through ``sfnkit.aws.integrations``.

A recording holds the state machine, its input and what AWS did, but not what the recording's own test set up
around it (the queue, the table, the object in the bucket, the child state machine, the worker that answered the
task token). This module rebuilds that world on the moto server from what the recording shows:

* placeholders in the input and definition (``<sqs_queue_url>``, ``bucket-name``, ``table-name``, the topic
  fixture, the child state machine ARN) become real resources created for the case;
* objects the case reads are written first (``get_object`` cases), child state machines are deployed with the
  behaviour their recorded result shows (a Pass returning ``{"Arg1": "argument1"}``, a Fail, a timeout);
* the external worker of a ``.waitForTaskToken`` task reads the message the task sent, takes its token and
  answers as the recording shows (``TaskSucceeded`` output, ``TaskFailed`` error and cause), or stays silent
  when the recording timed out.

Nothing here changes how the interpreter runs: the case runs with ``sfnkit.run`` and is scored by
``harness.compare_execution`` with the same rules as every other case. Cases whose need this module cannot meet
are reported with a reason by :func:`unsupported_reason`.

Moto picks the account by access key: the cases run with the credentials of a role assumed in account
``111111111111`` (the recorded account), so every ARN has that account in it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.conformance import harness

__all__ = [
    "INTERPRETER_DIFFERENCES",
    "KNOWN_FAILURES",
    "SERVICE_NEEDS",
    "ServiceWorld",
    "run_service_case",
    "service_cases",
    "unsupported_reason",
]

#: ``needs`` this module can meet against moto.
SERVICE_NEEDS = frozenset(
    {
        "service:sqs",
        "service:sns",
        "service:dynamodb",
        "service:s3",
        "service:states",
        "service:events",
        "service:aws-sdk:s3",
        "service:aws-sdk:dynamodb",
        "service:aws-sdk:sfn",
        "service:aws-sdk:secretsmanager",
    }
)

#: Cases that run but cannot match AWS here, because the stand-in (moto, botocore) differs from AWS.
KNOWN_FAILURES: Mapping[str, str] = {
    "test_task_service_sqs__test_send_message_no_such_queue__get_execution_history__ac45b70c": "botocore sends SQS calls to the client's endpoint, not to the QueueUrl's host, so an unreachable queue "
    "host is a QueueDoesNotExist answer, not an SdkClientException",
    "test_aws_sdk__test_invalid_secret_name__get_execution_history__ca10a851": "moto accepts the secret name 'Invalid Name', which Secrets Manager rejects",
    "test_events_task_service__test_put_events_mixed_malformed_detail__get_execution_history__6647cf1b": "moto accepts a Detail that is not a JSON object, which EventBridge reports as MalformedDetail",
    "test_sns_task_service__test_fifo_message_attribute__input_params0-True__get_execution_history__c7f2e6fa": "moto accepts a publish to a FIFO topic without MessageGroupId",
    "test_callback__test_start_execution_sync_delegate_timeout__get_execution_history__b361caec": "moto's interpreter cannot make the child's task time out (FAILED with States.Timeout)",
    **{
        f"test_aws_sdk_task_service__test_s3_put_object__{kind}": "moto's PutObject answer lacks ChecksumType"
        for kind in (
            "dict__get_execution_history__58232d9d",
            "list__get_execution_history__6b5bac75",
            "num__get_execution_history__d593bee2",
            "str__get_execution_history__34b9694a",
        )
    },
}

#: Cases where sfnkit's interpreter (not the integrations) differs from what AWS recorded.
INTERPRETER_DIFFERENCES: Mapping[str, str] = {}

SECRET = "sfnkit-conformance-secret"

CHILD_OK = {"StartAt": "Pass", "States": {"Pass": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": True}}}
CHILD_FAIL = {
    "StartAt": "Fail",
    "States": {
        "Fail": {"Type": "Fail", "Error": "SomeFailure", "Cause": "This state machines raises a 'SomeFailure' failure."}
    },
}


# The recorded child failed with States.Timeout and no cause (its task timed out); moto cannot time a task out,
# so the closest it can do is an execution that times out (see KNOWN_FAILURES).
CHILD_TIMEOUT = {
    "TimeoutSeconds": 1,
    "StartAt": "Wait",
    "States": {"Wait": {"Type": "Wait", "Seconds": 5, "End": True}},
}
CHILD_ARN = "arn:aws:states:us-east-1:111111111111:stateMachine:<ArnPart_0idx>"
TOPIC = "magic:fixture:sns_create_topic()[TopicArn]"


def unsupported_reason(case: harness.Case) -> str | None:
    """Why ``case`` cannot run here (None when it can)."""
    if case.runnable_locally:
        return "runs without services (test_conformance.py runs it)"
    missing = [n for n in case.needs if n not in SERVICE_NEEDS]
    if missing:
        return f"needs {', '.join(missing)}"
    if "item_reader" in case.features or "result_writer" in case.features or not _task_resources(case.definition):
        return "Distributed Map ItemReader/ResultWriter over S3 needs the interpreter hook (see sfnkit/aws report)"
    return None


def service_cases(cases: tuple[harness.Case, ...] | None = None) -> list[harness.Case]:
    """Every case that needs services and can run against moto."""
    return [c for c in (cases if cases is not None else harness.load_cases()) if unsupported_reason(c) is None]


def _task_resources(value: Any) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        if value.get("Type") == "Task" and isinstance(value.get("Resource"), str):
            found.append(value["Resource"])
        for v in value.values():
            found.extend(_task_resources(v))
    elif isinstance(value, list):
        for v in value:
            found.extend(_task_resources(v))
    return found


def _replace(value: Any, mapping: Mapping[str, str]) -> Any:
    """``value`` with every string equal to a key, or containing one, rewritten."""
    if isinstance(value, str):
        if value in mapping:
            return mapping[value]
        for k, v in mapping.items():
            if k in value:
                value = value.replace(k, v)
        return value
    if isinstance(value, dict):
        return {k: _replace(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, mapping) for v in value]
    return value


@dataclass
class ServiceWorld:
    """The moto server as the cases see it: account ``111111111111``, region ``us-east-1``."""

    endpoint_url: str
    region: str = harness.REGION
    _session: Any = field(default=None, repr=False)

    @property
    def session(self) -> Any:
        if self._session is None:
            import boto3

            # moto picks the account by access key: credentials of a role assumed in account 111111111111
            base = boto3.Session(
                aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key=SECRET, region_name=self.region
            )
            creds = base.client("sts", endpoint_url=self.endpoint_url).assume_role(
                RoleArn=f"arn:aws:iam::{harness.ACCOUNT}:role/sfnkit-conformance",
                RoleSessionName="conformance",
            )["Credentials"]
            self._session = boto3.Session(
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
                region_name=self.region,
            )
        return self._session

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint_url)

    def integrations(self) -> dict[str, Any]:
        import sfnkit.aws

        return sfnkit.aws.integrations(
            self.session, self.endpoint_url, poll=sfnkit.aws.Poll(initial=0.05, factor=1.5, maximum=0.5), max_wait=60
        )


@dataclass
class Prepared:
    definition: Any
    input: Any
    queues: list[str]


def _suffix(case: harness.Case) -> str:
    return hashlib.sha1(f"{case.id}{time.time_ns()}".encode()).hexdigest()[:10]


def prepare(case: harness.Case, world: ServiceWorld) -> Prepared:
    """Create what the case expects to exist and return its definition and input with real names in them."""
    tag = _suffix(case)
    text = json.dumps([case.definition, case.input])
    mapping: dict[str, str] = {}
    queues: list[str] = []
    if "sqs_queue_url" in text:
        url = world.client("sqs").create_queue(QueueName=f"q-{tag}")["QueueUrl"]
        queues.append(url)
        mapping["<sqs_queue_url>"] = url
        mapping["sqs_queue_url"] = url
    if "<no_such_sqs_queue_url>" in text:
        mapping["<no_such_sqs_queue_url>"] = f"{world.endpoint_url}/{harness.ACCOUNT}/no-such-queue-{tag}"
    if TOPIC in text:
        sns = world.client("sns")
        if "fifo" in case.id:
            arn = sns.create_topic(Name=f"t-{tag}.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
        else:
            arn = sns.create_topic(Name=f"t-{tag}")["TopicArn"]
        mapping[TOPIC] = arn
    for table in ("table-name", "sfn_test_table_qz0001"):
        if f'"{table}"' in text:
            name = f"tbl-{tag}"
            world.client("dynamodb").create_table(
                TableName=name,
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            mapping[table] = name
    if '"bucket-name"' in text:
        bucket = f"bkt-{tag}"
        s3 = world.client("s3")
        s3.create_bucket(Bucket=bucket)
        # S3 encrypts every new object with SSE-S3 by default (since January 2023)
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        mapping["bucket-name"] = bucket
        # the objects the get_object cases read, as their recorded results show them
        if "get_object__bytearray" in case.id:
            s3.put_object(Bucket=bucket, Key="file_key", Body=b"byte array data")
        elif "get_object__empty" in case.id:
            s3.put_object(Bucket=bucket, Key="file_key", Body=b"")
    if CHILD_ARN in text:
        import sfnkit.aws

        child: dict[str, Any] = CHILD_OK
        if "delegate_failure" in case.id:
            child = CHILD_FAIL
        elif "delegate_timeout" in case.id:
            child = CHILD_TIMEOUT
        remote = sfnkit.aws.deploy(
            child,
            name=f"child-{tag}",
            role_arn=f"arn:aws:iam::{harness.ACCOUNT}:role/sfn",
            client=world.client("stepfunctions"),
        )
        mapping[CHILD_ARN] = remote.arn
    definition, input = _replace([case.definition, case.input], mapping)
    return Prepared(definition=definition, input=input, queues=queues)


# -- the external worker of task tokens ----------------------------------------------------------------------


def _recorded_answers(case: harness.Case) -> Iterator[tuple[str, Any]]:
    """What the recording's worker did after each ``TaskSubmitted`` of a token task: ("success", output),
    ("failure", (error, cause)) or ("silent", None)."""
    events = case.expected.events_full or ()
    waiting = False
    for ev in events:
        kind = ev.get("type")
        if kind == "TaskSubmitted":
            details = ev.get("taskSubmittedEventDetails") or {}
            waiting = str(details.get("resource", "")).endswith(".waitForTaskToken")
            continue
        if not waiting:
            continue
        if kind == "TaskSucceeded":
            output = (ev.get("taskSucceededEventDetails") or {}).get("output")
            if isinstance(output, str):  # a JSON string output is kept as its text in the recording
                with contextlib.suppress(ValueError):
                    output = json.loads(output)
            yield "success", output
        elif kind == "TaskFailed":
            d = ev.get("taskFailedEventDetails") or {}
            yield "failure", (d.get("error"), d.get("cause"))
        elif kind == "TaskTimedOut":
            yield "silent", None
        else:
            continue
        waiting = False


def _token_from_queues(world: ServiceWorld, queues: list[str], pending: list[str]) -> str | None:
    """The token in a message the task sent (as the recording's worker read it), if it is one we wait on."""
    sqs = world.client("sqs")
    for url in queues:
        for msg in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            try:
                body = json.loads(msg["Body"])
            except ValueError:
                continue
            token = body.get("TaskToken") if isinstance(body, dict) else None
            if token in pending:
                return str(token)
    return None


def _answer(ex: Any, case: harness.Case, world: ServiceWorld, prepared: Prepared) -> None:
    answers = _recorded_answers(case)
    for _ in range(20):
        if ex.done or not ex.pending_tokens:
            if not ex.done and ex.status == "RUNNING":
                ex.run()
            if ex.done:
                return
            continue
        kind, value = next(answers, ("silent", None))
        token = _token_from_queues(world, prepared.queues, ex.pending_tokens) if prepared.queues else None
        if token is None and not prepared.queues:
            token = ex.pending_tokens[0]  # SNS: the recording's worker got it through a subscription
        if kind == "silent" or token is None:
            ex.run()  # nobody answers: let virtual time pass (heartbeat and timeout deadlines fire)
        elif kind == "success":
            ex.send_task_success(token, value)
        else:
            error, cause = value
            ex.send_task_failure(token, error, cause)  # None: the worker gave no error / no cause
        if not ex.done:
            ex.run()


def run_service_case(
    case: harness.Case, world: ServiceWorld, run: Callable[..., Any] | None = None
) -> harness.CaseResult:
    """Prepare the world for ``case``, run it locally with real (moto) services, answer its task tokens as the
    recording's worker did, and score it like any conformance case."""
    try:
        if run is None:
            import sfnkit

            run = sfnkit.run
        prepared = prepare(case, world)
        ex = run(
            prepared.definition,
            prepared.input,
            resources=world.integrations(),
            seed=0,
            account=harness.ACCOUNT,
            region=harness.REGION,
            type=case.state_machine_type,
        )
        _answer(ex, case, world, prepared)
        return harness.compare_execution(case, ex)
    except Exception as exc:  # the harness records a crash as a result, as evaluate() does
        return harness.CaseResult.crashed(case, exc)
