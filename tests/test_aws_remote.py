"""sfnkit.aws against a moto server: deploy, run, follow, fetch the history, list, stop, and clear errors.

Every call goes over HTTP to a real server (moto in server mode) through boto3, exactly as it would go to AWS.
Operations moto lacks (TestState, StartSyncExecution, ValidateStateMachineDefinition, RedriveExecution) are
tested against a small local HTTP server that answers with AWS-shaped documents (see ``fake_sfn``).
"""

from __future__ import annotations

import http.server
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pytest

import sfnkit
import sfnkit.aws
from sfnkit.errors import AwsError

pytest.importorskip("boto3")

PASS_FAIL = {
    "StartAt": "Add",
    "States": {
        "Add": {"Type": "Pass", "Result": {"a": 1}, "ResultPath": "$.r", "Next": "Check"},
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Done"}],
            "Default": "Broken",
        },
        "Done": {"Type": "Succeed"},
        "Broken": {"Type": "Fail", "Error": "Oops", "Cause": "not ok"},
    },
}
ROLE = "arn:aws:iam::123456789012:role/sfnkit-test"


def _name(prefix: str = "sm") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def sfn(moto_server: Any) -> Any:
    return moto_server.client("stepfunctions")


def test_deploy_creates_then_updates_idempotently(sfn: Any) -> None:
    name = _name()
    r1 = sfnkit.aws.deploy(PASS_FAIL, name=name, role_arn=ROLE, client=sfn)
    assert r1.created and not r1.updated
    assert r1.arn.endswith(f":stateMachine:{name}")
    again = sfnkit.aws.deploy(PASS_FAIL, name=name, role_arn=ROLE, client=sfn)
    assert again.arn == r1.arn and not again.created and not again.updated
    changed = json.loads(json.dumps(PASS_FAIL))
    changed["States"]["Add"]["Result"] = {"a": 2}
    r2 = sfnkit.aws.deploy(changed, name=name, role_arn=ROLE, client=sfn)
    assert r2.updated and r2.arn == r1.arn
    assert json.loads(sfn.describe_state_machine(stateMachineArn=r1.arn)["definition"]) == changed


def test_deploy_validates_locally_first(sfn: Any) -> None:
    with pytest.raises(sfnkit.DefinitionError):
        sfnkit.aws.deploy({"StartAt": "Nowhere", "States": {}}, name=_name(), role_arn=ROLE, client=sfn)


def test_deploy_needs_a_role_to_create(sfn: Any) -> None:
    with pytest.raises(ValueError, match="role_arn"):
        sfnkit.aws.deploy(PASS_FAIL, name=_name(), client=sfn)


def test_run_succeeds_with_the_surface_of_a_local_execution(sfn: Any) -> None:
    remote = sfnkit.aws.deploy(PASS_FAIL, name=_name(), role_arn=ROLE, client=sfn)
    ex = remote.run({"ok": True}, timeout=30)
    local = sfnkit.run(PASS_FAIL, {"ok": True})
    assert ex.status == local.status == "SUCCEEDED"
    assert ex.output == local.output == {"ok": True, "r": {"a": 1}}
    assert ex.error is None and ex.cause is None
    assert isinstance(ex.history, sfnkit.History)
    assert [e.type for e in ex.history] == [e.type for e in local.history]
    assert ex.history.status == "SUCCEEDED"
    assert ex.summary().startswith("SUCCEEDED")
    assert "3 state transitions" in ex.summary()


def test_run_failure_reports_error_and_cause(sfn: Any) -> None:
    remote = sfnkit.aws.deploy(PASS_FAIL, name=_name(), role_arn=ROLE, client=sfn)
    ex = remote.run({"ok": False}, name="will-fail", timeout=30)
    assert ex.name == "will-fail"
    assert (ex.status, ex.error, ex.cause, ex.output) == ("FAILED", "Oops", "not ok", None)
    assert "error 'Oops'" in ex.summary()
    assert ex.history[-1].type == "ExecutionFailed"


def test_history_feeds_the_history_views(sfn: Any) -> None:
    from sfnkit.history import execution_summary, spans

    remote = sfnkit.aws.deploy(PASS_FAIL, name=_name(), role_arn=ROLE, client=sfn)
    ex = remote.run({"ok": True}, timeout=30)
    visits = spans(ex.history)
    assert [v.name for v in visits] == ["Add", "Check", "Done"]
    assert visits[0].output == {"ok": True, "r": {"a": 1}}
    summary = execution_summary(ex.history)
    assert summary.status == "SUCCEEDED" and summary.output == {"ok": True, "r": {"a": 1}}
    # the history round-trips through AWS's JSON
    assert sfnkit.History.from_boto(ex.history.to_json()) == ex.history


# The execution waits on a task token that the test itself answers from inside a follow() callback: the end can
# only come after a callback has seen events, so the events arrive in more than one poll whatever the load.
TOKEN_WAIT = {
    "StartAt": "P",
    "States": {
        "P": {"Type": "Pass", "Result": {"step": 1}, "Next": "T"},
        "T": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "", "MessageBody": {"token.$": "$$.Task.Token"}},
            "End": True,
        },
    },
}


def test_follow_calls_back_with_new_events_until_the_end(sfn: Any, moto_server: Any, monkeypatch: Any) -> None:
    # moto runs the SQS call of the execution against its own server: tell it where that server listens
    monkeypatch.setenv("MOTO_PORT", moto_server.url.rsplit(":", 1)[1])
    sqs = moto_server.client("sqs")
    queue = sqs.create_queue(QueueName=_name("q"))["QueueUrl"]
    definition = json.loads(json.dumps(TOKEN_WAIT))
    definition["States"]["T"]["Parameters"]["QueueUrl"] = queue
    remote = sfnkit.aws.deploy(definition, name=_name(), role_arn=ROLE, client=sfn)
    ex = remote.start({"x": 1})
    updates: list[sfnkit.aws.FollowUpdate] = []
    answered: list[str] = []

    def on_update(update: sfnkit.aws.FollowUpdate) -> None:
        updates.append(update)
        if not answered and any(e.type == "TaskSubmitted" for e in update.history):  # the message is in the queue
            assert update.status == "RUNNING"
            message = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=20)["Messages"][0]
            token = json.loads(message["Body"])["token"]
            sfn.send_task_success(taskToken=token, output=json.dumps({"paid": True}))
            answered.append(token)

    ex.follow(on_update, poll=sfnkit.aws.Poll(initial=0.05, maximum=0.2), timeout=120)
    assert answered and len(updates) >= 2
    seen = [e.id for u in updates for e in u.new_events]
    assert seen == list(range(1, len(ex.history) + 1))  # each event delivered exactly once, in order
    assert [u.status for u in updates[:-1]] == ["RUNNING"] * (len(updates) - 1)
    last = updates[-1]
    assert last.history == ex.history and last.history[-1].type == "ExecutionSucceeded"
    assert last.status == ex.status == "SUCCEEDED"
    assert ex.output == {"paid": True}


def _event(i: int, type_: str, **details: Any) -> dict[str, Any]:
    return {"id": i, "previousEventId": i - 1, "type": type_, "timestamp": 1700000000.0 + i, **details}


def _steps(n: int, first: int = 2) -> list[dict[str, Any]]:
    return [
        _event(i, "PassStateEntered", stateEnteredEventDetails={"name": f"S{i}", "input": "{}"})
        for i in range(first, first + n)
    ]


def _follow_fake(
    handler: Any, client: Any, events: Callable[[int], list[dict[str, Any]]], describe: Callable[[int], dict[str, Any]]
) -> tuple[Any, list[sfnkit.aws.FollowUpdate], list[str]]:
    """Follow an execution on the fake endpoint: ``events(n)`` is what the n-th history read (0-based) shows,
    ``describe(n)`` what DescribeExecution answers once n history reads were made."""
    arn = "arn:aws:states:us-east-1:123456789012:execution:sm:e"
    reads = [0]
    ops: list[str] = []

    def history(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        ops.append("GetExecutionHistory")
        shown = events(reads[0])
        reads[0] += 1
        return 200, {"events": shown[::-1] if body.get("reverseOrder") else shown}

    def describe_execution(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        ops.append("DescribeExecution")
        return 200, {
            "executionArn": arn,
            "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
            "name": "e",
            "startDate": 1700000000.0,
            "input": "{}",
            **describe(reads[0]),
        }

    handler.answers.update({"DescribeExecution": describe_execution, "GetExecutionHistory": history})
    updates: list[sfnkit.aws.FollowUpdate] = []
    ex = sfnkit.aws.execution(arn, client=client)
    ex.follow(updates.append, poll=sfnkit.aws.Poll(initial=0.001, maximum=0.001), sleep=lambda s: None, timeout=30)
    return ex, updates, ops


def test_follow_ends_with_the_history_when_describe_execution_lags(fake_sfn: Any) -> None:
    # DescribeExecution is eventually consistent: here it says RUNNING until three history reads were made, while
    # the second read already ends with ExecutionSucceeded. The last update must carry that end and say SUCCEEDED
    # (reading the status before the events, follow() used to end on a RUNNING update).
    client, handler = fake_sfn
    start = [_event(1, "ExecutionStarted", executionStartedEventDetails={"input": "{}", "roleArn": ROLE})]
    done = [*start, *_steps(3), _event(5, "ExecutionSucceeded", executionSucceededEventDetails={"output": '{"v":7}'})]
    ex, updates, ops = _follow_fake(
        handler,
        client,
        lambda n: start if n == 0 else done,
        lambda n: {"status": "SUCCEEDED", "output": '{"v":7}'} if n >= 3 else {"status": "RUNNING"},
    )
    assert [u.status for u in updates] == ["RUNNING", "SUCCEEDED"]
    assert [[e.id for e in u.new_events] for u in updates] == [[1], [2, 3, 4, 5]]
    assert updates[-1].history == ex.history and ex.history[-1].type == "ExecutionSucceeded"
    calls = len(ops)
    assert (ex.status, ex.done, ex.output, ex.error) == ("SUCCEEDED", True, {"v": 7}, None)
    assert ex.stop_date is not None and ex.stop_date.timestamp() == 1700000005.0
    assert len(ops) == calls  # the end is known: no more calls, and no going back to RUNNING


def test_follow_reports_a_failure_the_history_ends_with(fake_sfn: Any) -> None:
    client, handler = fake_sfn
    start = [_event(1, "ExecutionStarted", executionStartedEventDetails={"input": "{}", "roleArn": ROLE})]
    failed = [*start, _event(2, "ExecutionFailed", executionFailedEventDetails={"error": "Oops", "cause": "bad"})]
    ex, updates, _ = _follow_fake(
        handler, client, lambda n: start if n < 2 else failed, lambda n: {"status": "RUNNING"}
    )
    assert [u.status for u in updates] == ["RUNNING", "FAILED"]
    assert (ex.status, ex.error, ex.cause, ex.output) == ("FAILED", "Oops", "bad", None)


def test_follow_ends_on_describe_execution_when_the_history_never_records_the_end(fake_sfn: Any) -> None:
    # an endpoint whose history lacks the end event: a final DescribeExecution answer read *before* a history
    # read ends the following once that read brings no end event (it never will)
    client, handler = fake_sfn
    start = [_event(1, "ExecutionStarted", executionStartedEventDetails={"input": "{}", "roleArn": ROLE})]
    more = [*start, *_steps(2)]
    ex, updates, ops = _follow_fake(
        handler,
        client,
        lambda n: start if n == 0 else more,
        lambda n: {"status": "SUCCEEDED" if n >= 2 else "RUNNING", "output": "{}"},
    )
    assert [u.status for u in updates] == ["RUNNING", "RUNNING"]
    assert ops[-2:] == ["DescribeExecution", "GetExecutionHistory"]  # the history was read after the final answer
    assert ex.status == "SUCCEEDED" and [e.id for e in ex.history] == [1, 2, 3]


def test_follow_does_not_stop_at_the_end_a_redrive_reopens(fake_sfn: Any) -> None:
    # DescribeExecution already counts one redrive; the history still ends with the first run's ExecutionFailed
    # until its ExecutionRedriven event is written: that old end is not the end
    client, handler = fake_sfn
    failed = [
        _event(1, "ExecutionStarted", executionStartedEventDetails={"input": "{}", "roleArn": ROLE}),
        _event(2, "ExecutionFailed", executionFailedEventDetails={"error": "Oops"}),
    ]
    redriven = [*failed, _event(3, "ExecutionRedriven", executionRedrivenEventDetails={"redriveCount": 1})]
    done = [*redriven, _event(4, "ExecutionSucceeded", executionSucceededEventDetails={"output": "1"})]
    ex, updates, _ = _follow_fake(
        handler,
        client,
        lambda n: [failed, failed, redriven, done][min(n, 3)],
        lambda n: {"status": "SUCCEEDED" if n >= 4 else "RUNNING", "redriveCount": 1, "output": "1"},
    )
    assert [u.status for u in updates] == ["RUNNING", "RUNNING", "SUCCEEDED"]
    assert [[e.id for e in u.new_events] for u in updates] == [[1, 2], [3], [4]]
    assert ex.status == "SUCCEEDED" and ex.output == 1


def test_follow_a_long_history(sfn: Any) -> None:
    # 150 Pass states: more than 300 events
    states = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(150)}
    states["S150"] = {"Type": "Wait", "Seconds": 1, "End": True}
    definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "S0"}, **states}}
    remote = sfnkit.aws.deploy(definition, name=_name(), role_arn=ROLE, client=sfn)
    ex = remote.start()
    ex.follow(poll=sfnkit.aws.Poll(initial=0.05, maximum=0.2), timeout=60)
    ids = [e.id for e in ex.history]
    assert ids == list(range(1, len(ids) + 1)) and len(ids) > 300


def test_attach_stop_and_list_executions(sfn: Any, moto_server: Any) -> None:
    remote = sfnkit.aws.deploy(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}},
        name=_name(),
        role_arn=ROLE,
        client=sfn,
    )
    started = remote.start({"n": 1}, name="long-one")
    ex = sfnkit.aws.execution(started.arn, session=moto_server.session(), endpoint_url=moto_server.url)
    assert ex.status == "RUNNING" and ex.input == {"n": 1}
    ex.stop(error="Enough", cause="stopped by the test")
    assert ex.status == "ABORTED"
    rows = sfnkit.aws.list_executions(remote)
    assert [r["name"] for r in rows] == ["long-one"]
    assert set(rows[0]) == {
        "name",
        "status",
        "start_date",
        "stop_date",
        "execution_arn",
        "state_machine_arn",
        "redrive_count",
        "map_run_arn",
    }
    assert rows[0]["status"] == "ABORTED"
    assert remote.executions(status="RUNNING") == []
    with pytest.raises(ValueError, match="status must be one of"):
        remote.executions(status="DONE")


def test_stop_returns_once_describe_execution_says_the_execution_ended(fake_sfn: Any) -> None:
    # StopExecution answered, but DescribeExecution (eventually consistent; moto ends the run on another thread)
    # says RUNNING twice more: stop() waits for the end instead of returning a RUNNING execution
    client, handler = fake_sfn
    arn = "arn:aws:states:us-east-1:123456789012:execution:sm:e"
    stopped: list[dict[str, Any]] = []
    describes_after_stop = [0]

    def describe(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if stopped:
            describes_after_stop[0] += 1
        ended = describes_after_stop[0] > 2
        return 200, {
            "executionArn": arn,
            "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
            "name": "e",
            "status": "ABORTED" if ended else "RUNNING",
            "startDate": 1700000000.0,
            "input": "{}",
            **({"error": "Enough", "cause": "by the test"} if ended else {}),
        }

    def stop(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        stopped.append(body)
        return 200, {"stopDate": 1700000001.0}

    handler.answers.update({"DescribeExecution": describe, "StopExecution": stop})
    ex = sfnkit.aws.execution(arn, client=client)
    slept: list[float] = []
    assert ex.stop(error="Enough", cause="by the test", sleep=slept.append) is ex
    assert stopped == [{"executionArn": arn, "error": "Enough", "cause": "by the test"}]
    assert (ex.status, ex.error, ex.cause) == ("ABORTED", "Enough", "by the test")
    assert describes_after_stop[0] == 3 and slept  # it waited, and asked until the answer said ABORTED


def test_attach_to_a_missing_execution_is_a_clear_error(sfn: Any) -> None:
    arn = "arn:aws:states:us-east-1:123456789012:execution:nope:nope"
    with pytest.raises(AwsError, match="DescribeExecution failed: ExecutionDoesNotExist") as info:
        sfnkit.aws.execution(arn, client=sfn)
    assert info.value.operation == "DescribeExecution"
    assert info.value.code == "ExecutionDoesNotExist"


def test_express_run_falls_back_to_start_and_wait_where_sync_is_missing(sfn: Any) -> None:
    remote = sfnkit.aws.deploy(PASS_FAIL, name=_name(), role_arn=ROLE, type="EXPRESS", client=sfn)
    ex = remote.run({"ok": True}, timeout=30)
    assert (ex.status, ex.output) == ("SUCCEEDED", {"ok": True, "r": {"a": 1}})


def test_validation_and_redrive_are_skipped_or_explained_where_the_endpoint_lacks_them(sfn: Any) -> None:
    remote = sfnkit.aws.deploy(PASS_FAIL, name=_name(), role_arn=ROLE, client=sfn)
    assert remote.validated is False  # moto has no ValidateStateMachineDefinition; the local validator ran
    ex = remote.run({"ok": False}, timeout=30)
    with pytest.raises(AwsError, match="does not implement RedriveExecution"):
        ex.redrive()


# -- errors ---------------------------------------------------------------------------------------------------


def test_bad_endpoint_is_a_clear_error(moto_server: Any) -> None:
    from botocore.config import Config

    client = moto_server.session().client(
        "stepfunctions",
        endpoint_url="http://127.0.0.1:9",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1),
    )
    with pytest.raises(AwsError) as info:
        sfnkit.aws.deploy(PASS_FAIL, name=_name(), role_arn=ROLE, client=client)
    text = str(info.value)
    assert "ValidateStateMachineDefinition failed: EndpointConnectionError" in text
    assert "check endpoint_url" in text and "http://127.0.0.1:9" in text


def test_bad_role_is_a_clear_error(sfn: Any) -> None:
    with pytest.raises(AwsError) as info:
        sfnkit.aws.deploy(PASS_FAIL, name=_name(), role_arn="not-a-role", client=sfn)
    assert info.value.operation == "CreateStateMachine"
    assert "CreateStateMachine failed: InvalidArn" in str(info.value)
    assert "role_arn must look like arn:aws:iam::<account>:role/<name>" in str(info.value)


# -- a small AWS-shaped server for what moto lacks ----------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    answers: ClassVar[dict[str, Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]]] = {}
    seen: ClassVar[list[tuple[str, dict[str, Any], dict[str, str]]]] = []

    def do_POST(self) -> None:
        target = self.headers.get("X-Amz-Target", "")
        op = target.rsplit(".", 1)[-1]
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        type(self).seen.append((op, body, dict(self.headers)))
        answer = type(self).answers.get(op)
        if answer is None:
            status, doc = 400, {"__type": "UnknownOperationException", "message": f"{op} is not known here"}
        else:
            status, doc = answer(body)
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("x-amzn-RequestId", "req-1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_sfn(moto_server: Any) -> Iterator[tuple[Any, type[_Handler]]]:
    """A local HTTP server speaking the Step Functions JSON protocol for chosen operations."""
    handler = type("H", (_Handler,), {"answers": {}, "seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    from botocore.config import Config

    client = moto_server.session().client(
        "stepfunctions",
        endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, inject_host_prefix=False),
    )
    try:
        yield client, handler
    finally:
        server.shutdown()
        server.server_close()


def test_throttling_is_a_clear_error(fake_sfn: Any) -> None:
    client, handler = fake_sfn
    handler.answers["ListStateMachines"] = lambda body: (
        400,
        {"__type": "ThrottlingException", "message": "Rate exceeded"},
    )
    with pytest.raises(AwsError) as info:
        sfnkit.aws.deploy(PASS_FAIL, name=_name(), role_arn=ROLE, client=client)
    assert info.value.code == "ThrottlingException"
    assert str(info.value).startswith("ListStateMachines failed: ThrottlingException: Rate exceeded (HTTP 400)")
    assert "throttled" in str(info.value) and "retries" in str(info.value)


def test_access_denied_is_a_clear_error(fake_sfn: Any) -> None:
    client, handler = fake_sfn
    handler.answers["ListStateMachines"] = lambda body: (
        400,
        {
            "__type": "AccessDeniedException",
            "message": "User: arn:aws:iam::123456789012:user/ada is not authorized to perform: states:ListStateMachines",
        },
    )
    with pytest.raises(
        AwsError,
        match=r"ListStateMachines failed: AccessDeniedException: User: .* not authorized"
        r".*check their IAM policy",
    ):
        sfnkit.aws.deploy(PASS_FAIL, name=_name(), role_arn=ROLE, client=client)


def test_aws_validation_rejects_with_every_diagnostic(fake_sfn: Any) -> None:
    client, handler = fake_sfn
    handler.answers["ValidateStateMachineDefinition"] = lambda body: (
        200,
        {
            "result": "FAIL",
            "diagnostics": [
                {
                    "severity": "ERROR",
                    "code": "SCHEMA_VALIDATION_FAILED",
                    "message": "These fields are required: [Next]",
                    "location": "/States/Add",
                },
                {"severity": "WARNING", "code": "X", "message": "just a warning", "location": "/States"},
            ],
        },
    )
    with pytest.raises(AwsError) as info:
        sfnkit.aws.deploy(PASS_FAIL, name=_name(), role_arn=ROLE, client=client)
    assert "ValidateStateMachineDefinition rejected the definition" in str(info.value)
    assert "/States/Add: SCHEMA_VALIDATION_FAILED: These fields are required: [Next]" in str(info.value)


def test_express_run_uses_start_sync_execution(fake_sfn: Any) -> None:
    client, handler = fake_sfn
    sm_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:x"
    handler.answers.update(
        {
            "ValidateStateMachineDefinition": lambda body: (200, {"result": "OK", "diagnostics": []}),
            "ListStateMachines": lambda body: (
                200,
                {"stateMachines": [{"name": "x", "stateMachineArn": sm_arn, "type": "EXPRESS", "creationDate": 0}]},
            ),
            "DescribeStateMachine": lambda body: (
                200,
                {
                    "stateMachineArn": sm_arn,
                    "name": "x",
                    "type": "EXPRESS",
                    "definition": json.dumps(PASS_FAIL),
                    "roleArn": ROLE,
                    "creationDate": 0,
                },
            ),
            # StartSyncExecution's response, as documented in the Step Functions API reference
            "StartSyncExecution": lambda body: (
                200,
                {
                    "executionArn": "arn:aws:states:us-east-1:123456789012:express:x:e1:abc",
                    "stateMachineArn": sm_arn,
                    "name": "e1",
                    "startDate": 1700000000.0,
                    "stopDate": 1700000000.5,
                    "status": "SUCCEEDED",
                    "input": body["input"],
                    "output": '{"ok":true,"r":{"a":1}}',
                    "billingDetails": {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 100},
                },
            ),
        }
    )
    remote = sfnkit.aws.deploy(PASS_FAIL, name="x", role_arn=ROLE, type="EXPRESS", client=client)
    assert remote.validated and not remote.created and not remote.updated
    ex = remote.run({"ok": True})
    assert (ex.status, ex.output, ex.name) == ("SUCCEEDED", {"ok": True, "r": {"a": 1}}, "e1")
    assert [e.type for e in ex.history] == ["ExecutionStarted", "ExecutionSucceeded"]
    assert ex.summary() == "SUCCEEDED in 0.5 s, 0 state transitions, 2 events"
    ops = [op for op, _, _ in handler.seen]
    assert ops == ["ValidateStateMachineDefinition", "ListStateMachines", "DescribeStateMachine", "StartSyncExecution"]


TASKY = {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "InputPath": "$.order",
            "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
            "ResultSelector": {"paid.$": "$.Payload.paid"},
            "ResultPath": "$.charge",
            "End": True,
        }
    },
}


def test_follow_pages_forward_first_then_reads_only_new_events_newest_first(fake_sfn: Any) -> None:
    client, handler = fake_sfn
    arn = "arn:aws:states:us-east-1:123456789012:execution:sm:e"
    total = 260
    events = [
        {
            "id": 1,
            "previousEventId": 0,
            "type": "ExecutionStarted",
            "timestamp": 1700000000.0,
            "executionStartedEventDetails": {"input": "{}", "roleArn": ROLE},
        }
    ]
    events += [
        {
            "id": i,
            "previousEventId": i - 1,
            "type": "PassStateEntered",
            "timestamp": 1700000000.0 + i,
            "stateEnteredEventDetails": {"name": f"S{i}", "input": "{}"},
        }
        for i in range(2, total)
    ]
    events.append(
        {
            "id": total,
            "previousEventId": total - 1,
            "type": "ExecutionSucceeded",
            "timestamp": 1700000999.0,
            "executionSucceededEventDetails": {"output": "{}"},
        }
    )
    visible = [70]  # how many events exist so far; grows by 120 between two reads of the history
    reads_started = [0]

    def describe(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status = "SUCCEEDED" if visible[0] == total else "RUNNING"
        return 200, {
            "executionArn": arn,
            "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
            "name": "e",
            "status": status,
            "startDate": 1700000000.0,
            "input": "{}",
            "output": "{}",
        }

    def history(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        # GetExecutionHistory as AWS pages it: maxResults, reverseOrder, an opaque nextToken
        if "nextToken" not in body:
            if reads_started[0]:
                visible[0] = min(total, visible[0] + 120)
            reads_started[0] += 1
        shown = events[: visible[0]]
        if body.get("reverseOrder"):
            shown = shown[::-1]
        start = int(body.get("nextToken", "0"))
        size = body.get("maxResults", 100)
        page = shown[start : start + size]
        doc: dict[str, Any] = {"events": page}
        if start + size < len(shown):
            doc["nextToken"] = str(start + size)
        return 200, doc

    handler.answers.update({"DescribeExecution": describe, "GetExecutionHistory": history})
    updates: list[sfnkit.aws.FollowUpdate] = []
    ex = sfnkit.aws.execution(arn, client=client)
    ex.follow(updates.append, poll=sfnkit.aws.Poll(initial=0.001, maximum=0.001))
    assert [e.id for u in updates for e in u.new_events] == list(range(1, total + 1))
    assert [e.id for e in ex.history] == list(range(1, total + 1))
    reads = [
        (b.get("reverseOrder", False), b.get("nextToken")) for op, b, _ in handler.seen if op == "GetExecutionHistory"
    ]
    assert reads[0] == (False, None)  # the first read goes forward
    assert all(reverse for reverse, _ in reads[1:])  # then only newest-first reads of the new events
    assert any(token is not None for _, token in reads[1:])  # more than 100 new events: a second page
    assert ex.summary() == f"SUCCEEDED in 999 s, {total - 2} state transitions, {total} events"


def test_test_state_returns_the_local_stage_names(fake_sfn: Any) -> None:
    client, handler = fake_sfn
    # A TestState response as the Step Functions API reference documents it (inspectionData fields are JSON text)
    handler.answers["TestState"] = lambda body: (
        200,
        {
            "output": '{"order":{"amount":3},"charge":{"paid":true}}',
            "status": "SUCCEEDED",
            "inspectionData": {
                "input": '{"order":{"amount":3}}',
                "afterInputPath": '{"amount":3}',
                "afterParameters": '{"FunctionName":"charge","Payload":{"amount":3}}',
                "result": '{"Payload":{"paid":true},"StatusCode":200}',
                "afterResultSelector": '{"paid":true}',
                "afterResultPath": '{"order":{"amount":3},"charge":{"paid":true}}',
            },
        },
    )
    result = sfnkit.aws.test_state(TASKY, "Charge", {"order": {"amount": 3}}, role_arn=ROLE, client=client)
    assert result.status == "SUCCEEDED" and result.next_state is None
    assert result.output == {"order": {"amount": 3}, "charge": {"paid": True}}
    assert result.stages["afterInputPath"] == {"amount": 3}
    assert result.stages["afterResultSelector"] == {"paid": True}
    # the same stage names, and for this state the same values, as a local visit records
    local = sfnkit.run(TASKY, {"order": {"amount": 3}}, resources={"charge": lambda e: {"paid": True}})
    stages = local.visits[0].stages
    for key in ("afterInputPath", "afterParameters", "afterResultSelector", "afterResultPath"):
        assert result.stages[key] == stages[key], key
    op, body, _headers = handler.seen[-1]
    assert op == "TestState" and body["stateName"] == "Charge" and body["inspectionLevel"] == "DEBUG"
    assert json.loads(body["definition"]) == TASKY and json.loads(body["input"]) == {"order": {"amount": 3}}


def test_test_state_names_a_missing_state(fake_sfn: Any) -> None:
    client, _ = fake_sfn
    with pytest.raises(KeyError, match="did you mean 'Charge'"):
        sfnkit.aws.test_state(TASKY, "Charg", {}, client=client)


def test_test_state_on_moto_says_the_endpoint_lacks_it(sfn: Any) -> None:
    with pytest.raises(AwsError, match="does not implement TestState"):
        sfnkit.aws.test_state(TASKY, "Charge", {"order": {}}, role_arn=ROLE, client=sfn)


# -- credentials ---------------------------------------------------------------------------------------------


def test_credentials_never_appear_in_reprs_messages_or_reports(moto_server: Any, capsys: Any) -> None:
    session = moto_server.session()
    remote = sfnkit.aws.deploy(PASS_FAIL, name=_name(), role_arn=ROLE, session=session, endpoint_url=moto_server.url)
    ex = remote.run({"ok": False}, timeout=30)
    texts = [
        repr(remote),
        repr(ex),
        ex.summary(),
        repr(ex.history),
        ex.history.to_json(),
        repr(remote.connection),
        json.dumps(sfnkit.aws.list_executions(remote), default=str),
        repr(sfnkit.aws.integrations(session)),
    ]
    try:
        sfnkit.aws.deploy(PASS_FAIL, name=_name(), role_arn="bad", session=session, endpoint_url=moto_server.url)
    except AwsError as e:
        texts.append(str(e))
    from sfnkit.aws.connection import aws_error, redact

    texts.append(str(aws_error(Exception(f"oops key={moto_server.access_key}"), "X")))
    out = capsys.readouterr()
    texts += [out.out, out.err]
    for text in texts:
        assert moto_server.access_key not in text
        assert moto_server.secret_key not in text
    assert redact(f"aws_secret_access_key = {moto_server.secret_key}") == "aws_secret_access_key = ****"
    assert redact("X-Amz-Security-Token=FQoGZXIvYXdzE&x=1") == "X-Amz-Security-Token=****&x=1"


def test_importing_sfnkit_aws_does_not_import_boto3() -> None:
    import subprocess
    import sys

    code = (
        "import sys, sfnkit, sfnkit.aws, sfnkit.runtime.mocks; print('boto3' in sys.modules, 'botocore' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False False"


# -- parity --------------------------------------------------------------------------------------------------

PARITY = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {
            "Type": "Pass",
            "Parameters": {"items.$": "$.items", "n.$": "States.ArrayLength($.items)"},
            "Next": "Both",
        },
        "Both": {
            "Type": "Parallel",
            "Next": "Each",
            "Branches": [
                {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "Result": "L", "End": True}}},
                {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "InputPath": "$.n", "End": True}}},
            ],
            "ResultPath": "$.both",
        },
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ResultPath": "$.doubled",
            "End": True,
            "ItemProcessor": {
                "StartAt": "Double",
                "States": {"Double": {"Type": "Pass", "Parameters": {"v.$": "States.MathAdd($, $)"}, "End": True}},
            },
        },
    },
}


def test_compare_runs_both_sides_and_finds_no_difference(sfn: Any) -> None:
    remote = sfnkit.aws.deploy(PARITY, name=_name(), role_arn=ROLE, client=sfn)
    rows = sfnkit.aws.compare(PARITY, {"items": [1, 2]}, remote=remote)
    assert rows[0]["state"] == "(execution)" and rows[0]["local_status"] == rows[0]["remote_status"] == "SUCCEEDED"
    assert [r["difference"] for r in rows if not r["equal"]] == []
    visited = {(r["state"], r["scope"], r["visit"]) for r in rows[1:]}
    assert ("Double", "Each[1]", 0) in visited and ("Right", "Both.Branches[1]", 0) in visited
    assert all(r["in_local"] and r["in_remote"] for r in rows)


def _reinterleave(history: sfnkit.History, order: list[int]) -> sfnkit.History:
    """The same events in another order (``order`` lists the old ids), renumbered as AWS numbers them, with each
    ``previousEventId`` following its event: how a run whose concurrent branches took turns differently records
    the same work."""
    events = json.loads(history.to_json())["events"]
    assert sorted(order) == [e["id"] for e in events]
    new_id = {old: i for i, old in enumerate(order, 1)}
    by_id = {e["id"]: e for e in events}
    out = []
    for old in order:
        e = dict(by_id[old])
        e["id"], e["previousEventId"] = new_id[old], new_id.get(e["previousEventId"], 0)
        out.append(e)
    return sfnkit.History.from_boto({"events": out})


def _after(order: list[int], scope_of: dict[int, str], moved: str, other: str) -> list[int]:
    """``order`` with the events of scope ``moved`` taken out and put right after the last event of ``other``."""
    taken = [i for i in order if scope_of[i] == moved]
    rest = [i for i in order if scope_of[i] != moved]
    last = max(k for k, i in enumerate(rest) if scope_of[i] == other)
    return rest[: last + 1] + taken + rest[last + 1 :]


def test_compare_matches_parallel_branches_and_map_iterations_by_identity_not_by_position() -> None:
    from sfnkit.aws.compare import compare_histories
    from sfnkit.history import event_scopes

    local = sfnkit.run(PARITY, {"items": [1, 2]}).history
    scope_of = {e.id: "/".join(map(str, s)) for e, s in zip(local, event_scopes(local), strict=True)}
    # AWS-like: the Right branch runs before the Left one, and iteration 1 before iteration 0
    order = _after([e.id for e in local], scope_of, "Both.Branches[0]", "Both.Branches[1]")
    order = _after(order, scope_of, "Each[0]", "Each[1]")
    remote = _reinterleave(local, order)
    entered = [e for e in remote if e.type == "PassStateEntered"]
    assert [e.state_name for e in entered] == ["Prepare", "Right", "Left", "Double", "Double"]
    assert [e.input_value for e in entered if e.state_name == "Double"] == [2, 1]
    # by position, the Right branch is now the first branch of this history
    positional = {str(s[-1]) for e, s in zip(remote, event_scopes(remote), strict=True) if e.state_name == "Right"}
    assert positional == {"Both.Branches[0]"}

    for definition in (None, PARITY):
        rows = compare_histories(local, remote, definition=definition)
        assert [r["difference"] for r in rows if not r["equal"]] == []
        assert all(r["in_local"] and r["in_remote"] for r in rows)
        keys = {(r["state"], r["scope"], r["visit"]) for r in rows[1:]}
        assert keys == {
            ("Prepare", "", 0),
            ("Both", "", 0),
            ("Left", "Both.Branches[0]", 0),
            ("Right", "Both.Branches[1]", 0),
            ("Each", "", 0),
            ("Double", "Each[0]", 0),
            ("Double", "Each[1]", 0),
        }
    # the other way round too: the definition numbers the branches, whichever history comes first
    rows = compare_histories(remote, local, definition=PARITY)
    assert [r["difference"] for r in rows if not r["equal"]] == []
    assert ("Right", "Both.Branches[1]", 0) in {(r["state"], r["scope"], r["visit"]) for r in rows}

    # and a real difference is still found, in the right branch and iteration
    events = json.loads(remote.to_json())["events"]
    for e in events:
        details = e.get("stateExitedEventDetails", {})
        if details.get("name") == "Right":
            details["output"] = "3"
        if details.get("name") == "Double" and details["output"] == '{"v":2}':
            details["output"] = '{"v":-2}'
    rows = compare_histories(local, sfnkit.History.from_boto({"events": events}), definition=PARITY)
    assert {(r["state"], r["scope"]): r["difference"] for r in rows if not r["equal"]} == {
        ("Right", "Both.Branches[1]"): "output differs",
        ("Double", "Each[0]"): "output differs",
    }


def test_compare_reports_output_error_and_path_differences() -> None:
    from sfnkit.aws.compare import compare_histories

    machine = {
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:1:function:a",
                "Next": "B",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}],
            },
            "B": {"Type": "Pass", "End": True},
            "Recover": {"Type": "Pass", "End": True},
        },
    }
    ok = sfnkit.run(machine, {}, resources={"a": lambda e: {"v": 1}})
    other = sfnkit.run(machine, {}, resources={"a": lambda e: {"v": 2}})
    failing = sfnkit.run(machine, {}, resources={"a": lambda e: 1 / 0})
    rows = compare_histories(ok.history, other.history)
    diffs = {r["state"]: r["difference"] for r in rows if not r["equal"]}
    assert diffs == {"(execution)": "output differs", "A": "output differs", "B": "output differs"}
    rows = compare_histories(ok.history, failing.history, ignore=("A",))
    diffs = {r["state"]: r["difference"] for r in rows if not r["equal"]}
    assert diffs["A"] == "status succeeded locally, caught on AWS; error None locally, 'ZeroDivisionError' on AWS"
    assert diffs["B"] == "visited only locally" and diffs["Recover"] == "visited only on AWS"
    pd = pytest.importorskip("pandas")

    frame = pd.DataFrame(rows)
    assert list(frame.columns[:5]) == ["state", "scope", "visit", "in_local", "in_remote"]


def test_redrive_restarts_a_failed_execution(fake_sfn: Any) -> None:
    client, handler = fake_sfn
    arn = "arn:aws:states:us-east-1:123456789012:execution:sm:e"
    state = {"status": "FAILED"}

    def describe(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {
            "executionArn": arn,
            "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
            "name": "e",
            "status": state["status"],
            "startDate": 1700000000.0,
            "input": "{}",
            "redriveCount": 1 if state["status"] != "FAILED" else 0,
        }

    def redrive(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        assert body["executionArn"] == arn  # (botocore adds an idempotency clientToken)
        state["status"] = "RUNNING"
        return 200, {"redriveDate": 1700000100.0}

    handler.answers.update({"DescribeExecution": describe, "RedriveExecution": redrive})
    ex = sfnkit.aws.execution(arn, client=client)
    assert ex.status == "FAILED"
    ex.redrive()
    assert ex.status == "RUNNING" and ex.describe["redriveCount"] == 1
