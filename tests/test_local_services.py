"""``services="local"``: runs that need no AWS account, network or Docker. The embedded AWS is the kernel's moto
server on 127.0.0.1 (``sfnkit.local_aws()``); the project is built here as the template readers build it."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

import sfnkit
from sfnkit.asl.project.model import FunctionSpec, Project, ResourceSpec, StateMachineSpec
from sfnkit.aws.local_services import LocalServices, StubbedTaskWarning

HERE = Path(__file__).parent / "local_projects" / "orders"
ACCOUNT, REGION = "123456789012", "us-east-1"


def fn_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def sm_arn(name: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"


CHILD = {
    "StartAt": "Notify",
    "States": {
        "Notify": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": fn_arn("orders-notify"), "Payload.$": "$"},
            "OutputPath": "$.Payload",
            "End": True,
        },
    },
}


def parent_definition(table: str, queue: str) -> dict[str, Any]:
    return {
        "StartAt": "Record",
        "States": {
            "Record": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": fn_arn("orders-record"), "Payload.$": "$"},
                "ResultSelector": {"recorded.$": "$.Payload"},
                "ResultPath": "$.record",
                "Next": "Audit",
            },
            "Audit": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": table,
                    "Item": {"id": {"S.$": "States.Format('audit-{}', $.order.id)"}, "status": {"S": "AUDITED"}},
                },
                "ResultPath": None,
                "Next": "Announce",
            },
            "Announce": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {
                    "QueueUrl": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{queue}",
                    "MessageBody.$": "$.record.recorded",
                },
                "ResultSelector": {"id.$": "$.MessageId"},
                "ResultPath": "$.sent",
                "Next": "Child",
            },
            "Child": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": sm_arn("orders-notify-machine"), "Input": {"id.$": "$.order.id"}},
                "ResultSelector": {"message.$": "$.Output.message", "status.$": "$.Status"},
                "ResultPath": "$.child",
                "End": True,
            },
        },
    }


def make_project(suffix: str, **changes: Any) -> tuple[Project, str, str]:
    """A project like a SAM template's: two Python functions, a table, a queue, a nested state machine. Names carry
    ``suffix``, so tests do not see each other's items in the kernel's one local AWS."""
    table, queue = f"Orders{suffix}", f"order-events{suffix}"
    functions = {
        "RecordFunction": FunctionSpec(
            logical_id="RecordFunction",
            name="orders-record",
            arn=fn_arn("orders-record"),
            runtime="python3.12",
            handler="app.handler",
            code_dir=str(HERE / "functions" / "record"),
            environment={"TABLE_NAME": table, "QUEUE_NAME": queue, "STAGE": "local"},
        ),
        "NotifyFunction": FunctionSpec(
            logical_id="NotifyFunction",
            name="orders-notify",
            arn=fn_arn("orders-notify"),
            runtime="python3.12",
            handler="app.handler",
            code_dir=str(HERE / "functions" / "notify"),
        ),
    }
    resources = {
        "OrdersTable": ResourceSpec(
            logical_id="OrdersTable",
            type="AWS::DynamoDB::Table",
            name=table,
            arn=f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}",
            properties={
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        ),
        "EventsQueue": ResourceSpec(
            logical_id="EventsQueue",
            type="AWS::SQS::Queue",
            name=queue,
            arn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}",
            properties={},
        ),
    }
    machines = {
        "OrderMachine": StateMachineSpec(
            logical_id="OrderMachine",
            name="orders-machine",
            arn=sm_arn("orders-machine"),
            definition=parent_definition(table, queue),
        ),
        "NotifyMachine": StateMachineSpec(
            logical_id="NotifyMachine",
            name="orders-notify-machine",
            arn=sm_arn("orders-notify-machine"),
            definition=CHILD,
        ),
    }
    project = Project(
        template=str(HERE / f"template{suffix}.yaml"),
        format="sam",
        state_machines=machines,
        functions=functions,
        resources=resources,
    )
    return dataclasses.replace(project, **changes), table, queue


def machine(project: Project, logical_id: str = "OrderMachine") -> sfnkit.StateMachine:
    sm = sfnkit.load(project.state_machines[logical_id].definition)
    return dataclasses.replace(sm, project=project)


def test_python_lambda_writes_to_dynamodb_and_sqs_through_the_local_aws() -> None:
    project, table, queue = make_project("A")
    ex = sfnkit.run(machine(project), {"order": {"id": "o-1", "amount": 12.5}}, services="local")
    assert ex.status == "SUCCEEDED", ex.summary()
    aws = sfnkit.local_aws()
    items = {i["id"]: i for i in aws.items(table)}
    assert items["o-1"] == {"id": "o-1", "amount": 12.5, "status": "RECORDED"}
    assert items["audit-o-1"]["status"] == "AUDITED"
    bodies = [m["Body"] for m in aws.messages(queue)]
    assert {"orderId": "o-1"} in bodies  # sent by the Lambda's own boto3 client
    assert {"id": "o-1", "amount": 12.5, "function": "orders-record", "stage": "local"} in bodies  # by sqs:sendMessage
    # the Lambda's Decimal came back as the number it holds, its context named the function
    assert ex.output["record"]["recorded"] == {
        "id": "o-1",
        "amount": 12.5,
        "function": "orders-record",
        "stage": "local",
    }


def test_nested_state_machine_runs_as_a_child_execution_with_its_own_history() -> None:
    project, _, _ = make_project("B")
    ex = sfnkit.run(machine(project), {"order": {"id": "o-2", "amount": 3}}, services="local")
    assert ex.status == "SUCCEEDED", ex.summary()
    assert ex.output["child"] == {"message": "order o-2 recorded", "status": "SUCCEEDED"}
    (child,) = ex.children
    assert child.status == "SUCCEEDED"
    assert child.state_machine_arn == sm_arn("orders-notify-machine")
    assert next(e.type for e in child.history) == "ExecutionStarted"
    assert child.history[-1].type == "ExecutionSucceeded"
    types = [e.type for e in ex.history if e.type.startswith("Task")]
    # .sync:2 keeps AWS's event sequence: submitted with the start response, then succeeded with the description
    child_events = [e for e in ex.history if (e.details or {}).get("resource") == "startExecution.sync:2"]
    assert [e.type for e in child_events] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
    assert json.loads(child_events[2].details["output"])["ExecutionArn"] == child.arn
    assert "TaskSubmitted" in types


def test_environment_and_boto3_session_are_restored_after_the_call(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import boto3

    monkeypatch.setenv("AWS_PROFILE", "someone-real")
    monkeypatch.delenv("TABLE_NAME", raising=False)
    before_session = boto3.DEFAULT_SESSION
    project, _, _ = make_project("C")
    ex = sfnkit.run(machine(project), {"order": {"id": "o-3", "amount": 1}}, services="local")
    assert ex.status == "SUCCEEDED", ex.summary()
    assert os.environ["AWS_PROFILE"] == "someone-real"
    assert "TABLE_NAME" not in os.environ and "AWS_ENDPOINT_URL" not in os.environ
    assert boto3.DEFAULT_SESSION is before_session


def test_user_resources_always_win() -> None:
    project, table, _ = make_project("D")
    seen = []

    def my_record(event: Any) -> Any:
        seen.append(event)
        return {"id": event["order"]["id"], "mine": True}

    ex = sfnkit.run(
        machine(project),
        {"order": {"id": "o-4", "amount": 1}},
        services="local",
        resources={
            "orders-record": my_record,
            "arn:aws:states:::states:startExecution*": lambda c: {
                "Output": {"message": "from me"},
                "Status": "SUCCEEDED",
            },
        },
    )
    assert ex.status == "SUCCEEDED", ex.summary()
    assert seen and ex.output["record"]["recorded"] == {"id": "o-4", "mine": True}
    assert ex.output["child"] == {"message": "from me", "status": "SUCCEEDED"}
    assert ex.children == []
    assert [i["id"] for i in sfnkit.local_aws().items(table)] == ["audit-o-4"]  # only the Audit state wrote


def test_declared_resources_are_created_idempotently_and_seeded_data_survives() -> None:
    project, table, _ = make_project("E")
    aws = sfnkit.local_aws()
    aws.provision(project)
    aws.client("dynamodb").put_item(TableName=table, Item={"id": {"S": "seeded"}})
    assert aws.provision(project) == []
    ex = sfnkit.run(machine(project), {"order": {"id": "o-5", "amount": 2}}, services="local")
    assert ex.status == "SUCCEEDED", ex.summary()
    assert {i["id"] for i in aws.items(table)} == {"seeded", "o-5", "audit-o-5"}


STUBBED = {
    "StartAt": "Translate",
    "States": {
        "Translate": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:translate:translateText",
            "Parameters": {"Text": "hallo", "SourceLanguageCode": "de", "TargetLanguageCode": "en"},
            "ResultSelector": {"text.$": "$.TranslatedText"},
            "Next": "Node",
        },
        "Node": {"Type": "Task", "Resource": fn_arn("node-fn"), "Next": "Glue"},
        "Glue": {
            "Type": "Task",
            "Resource": "arn:aws:states:::glue:startJobRun.sync",
            "Parameters": {"JobName": "nightly"},
            "ResultSelector": {"state.$": "$.JobRunState"},
            "End": True,
        },
    },
}


def test_services_moto_lacks_and_other_runtimes_are_stubbed_with_a_warning() -> None:
    project = Project(
        template=str(HERE / "stubbed.yaml"),
        format="sam",
        functions={
            "NodeFn": FunctionSpec(
                logical_id="NodeFn",
                name="node-fn",
                arn=fn_arn("node-fn"),
                runtime="nodejs20.x",
                handler="index.handler",
                code_dir=str(HERE),
            )
        },
    )
    sm = dataclasses.replace(sfnkit.load(STUBBED), project=project)
    with pytest.warns(StubbedTaskWarning) as caught:
        ex = sfnkit.run(sm, {"x": 1}, services="local", seed=7)
    assert ex.status == "SUCCEEDED", ex.summary()
    text = " ".join(str(w.message) for w in caught)
    assert "'Translate'" in text and "translate" in text
    assert "'Node'" in text and "nodejs20.x" in text
    # the stub follows TranslateText's output shape; the Glue job reaches its success status
    assert ex.output == {"state": "SUCCEEDED"}
    translate = next(e for e in ex.history if e.type == "TaskSucceeded")
    assert set(json.loads(translate.details["output"])) >= {"TranslatedText", "SourceLanguageCode"}
    glue = [e.type for e in ex.history if (e.details or {}).get("resource") == "startJobRun.sync"]
    assert glue == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
    # deterministic per seed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = sfnkit.run(sm, {"x": 1}, services="local", seed=7)
        other = sfnkit.run(sm, {"x": 1}, services="local", seed=8)
    assert again.history.to_boto() == ex.history.to_boto()
    assert other.history.to_boto() != ex.history.to_boto()


CALLBACK = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "QUEUE", "MessageBody": {"token.$": "$$.Task.Token", "q.$": "$.q"}},
            "End": True,
        },
    },
}


def test_wait_for_task_token_is_submitted_then_answered_by_the_local_worker() -> None:
    aws = sfnkit.local_aws()
    url = aws.client("sqs").create_queue(QueueName="callbacks-F")["QueueUrl"]
    definition = json.loads(json.dumps(CALLBACK).replace("QUEUE", url))
    ex = sfnkit.run(definition, {"q": "approve?"}, services="local")
    assert ex.status == "SUCCEEDED", ex.summary()
    types = [e.type for e in ex.history]
    assert types[types.index("TaskScheduled") : types.index("TaskSucceeded") + 1] == [
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
    ]
    assert ex.output == {"q": "approve?"}  # the worker answers with the message it received, less the token
    (msg,) = aws.messages(url)
    assert msg["Body"]["q"] == "approve?" and msg["Body"]["token"]
    # with callbacks="wait" the execution waits for the notebook to answer, as on AWS
    waiting = sfnkit.run(definition, {"q": "again"}, services=LocalServices(callbacks="wait"))
    assert waiting.status == "RUNNING" and len(waiting.pending_tokens) == 1
    waiting.send_task_success(waiting.pending_tokens[0], {"ok": True})
    assert waiting.status == "SUCCEEDED" and waiting.output == {"ok": True}


def test_start_run_many_and_step_take_services() -> None:
    project, table, _ = make_project("G")
    sm = machine(project)
    ex = sfnkit.start(sm, {"order": {"id": "g-0", "amount": 1}}, services="local")
    assert ex.position is not None and ex.position["state"] == "Record"
    ex.step()
    assert ex.position is not None and ex.position["state"] == "Audit"
    ex.run()
    assert ex.status == "SUCCEEDED"
    batch = sfnkit.run_many(sm, [{"order": {"id": f"g-{i}", "amount": i}} for i in range(1, 3)], services="local")
    assert batch.statuses == ("SUCCEEDED", "SUCCEEDED")
    assert {i["id"] for i in sfnkit.local_aws().items(table)} >= {"g-0", "g-1", "g-2"}


def test_lambda_errors_are_lambda_shaped(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import not_installed_anywhere\n\ndef handler(e, c):\n    return e\n")
    (tmp_path / "ok.py").write_text("def handler(e, c):\n    raise ValueError('bad order')\n")
    project = Project(
        template=str(tmp_path / "t.yaml"),
        format="sam",
        functions={
            "Broken": FunctionSpec(
                logical_id="Broken",
                name="broken",
                arn=fn_arn("broken"),
                runtime="python3.12",
                handler="broken.handler",
                code_dir=str(tmp_path),
            ),
            "Raises": FunctionSpec(
                logical_id="Raises",
                name="raises",
                arn=fn_arn("raises"),
                runtime="python3.12",
                handler="ok.handler",
                code_dir=str(tmp_path),
            ),
            "Missing": FunctionSpec(
                logical_id="Missing",
                name="missing",
                arn=fn_arn("missing"),
                runtime="python3.12",
                handler="ok.nope",
                code_dir=str(tmp_path),
            ),
        },
    )
    for name, error, text in (
        ("broken", "Runtime.ImportModuleError", "Unable to import module 'broken'"),
        ("raises", "ValueError", "bad order"),
        ("missing", "Runtime.HandlerNotFound", "Handler 'nope' missing on module 'ok'"),
    ):
        sm = dataclasses.replace(
            sfnkit.load({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": fn_arn(name), "End": True}}}),
            project=project,
        )
        ex = sfnkit.run(sm, {}, services="local")
        assert ex.status == "FAILED" and ex.error == error, (name, ex.summary())
        assert text in (ex.cause or "")


def test_bad_services_value_says_what_is_allowed() -> None:
    with pytest.raises(ValueError, match='services must be "local"'):
        sfnkit.run({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, services="cloud")


def test_import_sfnkit_stays_light_until_services_local_is_used() -> None:
    code = (
        "import sys, sfnkit\n"
        "assert 'moto' not in sys.modules and 'boto3' not in sys.modules\n"
        "sfnkit.run({'StartAt': 'P', 'States': {'P': {'Type': 'Pass', 'End': True}}})\n"
        "assert 'moto' not in sys.modules and 'boto3' not in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr


SAM = Path(__file__).resolve().parent.parent / "notebooks" / "sam_project" / "template.yaml"


def test_the_shipped_sam_project_runs_offline_from_its_template() -> None:
    sm = sfnkit.load(SAM, name="OrderMachine")
    ex = sfnkit.run(
        sm, {"orderId": "t-1", "customer": "ada", "items": [{"product": "latte", "quantity": 2}]}, services="local"
    )
    assert ex.status == "SUCCEEDED", ex.summary()
    assert ex.output["stored"] == {"status": "SHIPPED", "total": "7.6"}
    (child,) = ex.children
    assert child.state_machine_arn.endswith(":stateMachine:coffee-shipping-dev")
    assert [e.type for e in child.history if e.type.endswith("StateEntered")] == [
        "WaitStateEntered",
        "TaskStateEntered",
        "TaskStateEntered",
    ]
    table = sm.project.resources["OrdersTable"].name
    items = {i["orderId"]: i for i in sfnkit.local_aws().items(table)}
    assert items["t-1"] == {"orderId": "t-1", "customer": "ada", "total": 7.6, "status": "SHIPPED", "stage": "dev"}
    # the Ship task waited for the child's two minutes of virtual time
    assert ex.stop_time is not None and ex.stop_time - ex.start_time >= 120


def test_cli_runs_a_template_with_services_local(capsys: pytest.CaptureFixture[str]) -> None:
    from sfnkit.cli import main

    code = main(
        [
            "run",
            str(SAM),
            "--name",
            "OrderMachine",
            "--services",
            "local",
            "--input",
            '{"orderId": "cli-1", "items": [{"product": "espresso"}]}',
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out.startswith("SUCCEEDED")
    assert "child execution coffee-shipping-dev: SUCCEEDED" in out.out
    assert json.loads(out.out[out.out.index("{") :])["stored"]["status"] == "SHIPPED"


def test_cli_prints_which_tasks_were_stubbed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sfnkit.cli import main

    state = {k: v for k, v in STUBBED["States"]["Translate"].items() if k != "Next"}
    path = tmp_path / "translate.asl.json"
    path.write_text(json.dumps({"StartAt": "T", "States": {"T": {**state, "End": True}}}))
    code = main(["run", str(path), "--services", "local"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "sfnkit: warning: services='local'" in out.err and "'T'" in out.err


def test_a_warm_lambda_keeps_its_module_until_its_file_changes(tmp_path: Path) -> None:
    import os

    code = tmp_path / "counter.py"
    code.write_text("CALLS = []\n\ndef handler(event, context):\n    CALLS.append(1)\n    return len(CALLS)\n")
    project = Project(
        template=str(tmp_path / "t.yaml"),
        format="sam",
        functions={
            "Counter": FunctionSpec(
                logical_id="Counter",
                name="counter",
                arn=fn_arn("counter"),
                runtime="python3.12",
                handler="counter.handler",
                code_dir=str(tmp_path),
            )
        },
    )
    sm = dataclasses.replace(
        sfnkit.load({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": fn_arn("counter"), "End": True}}}),
        project=project,
    )
    assert [sfnkit.run(sm, {}, services="local").output for _ in range(3)] == [1, 2, 3]
    code.write_text("def handler(event, context):\n    return 'edited'\n")
    os.utime(code, (os.path.getmtime(code) + 5, os.path.getmtime(code) + 5))
    assert sfnkit.run(sm, {}, services="local").output == "edited"


def test_optimized_integrations_without_a_dedicated_handler_and_distributed_map_use_the_local_aws() -> None:
    aws = sfnkit.local_aws()
    aws.client("s3").create_bucket(Bucket="items-h")
    aws.client("s3").put_object(Bucket="items-h", Key="rows.json", Body=json.dumps([{"n": 1}, {"n": 2}]))
    definition = {
        "StartAt": "Topic",
        "States": {
            "Topic": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:createTopic",
                "Parameters": {"Name": "t-h"},
                "ResultSelector": {"arn.$": "$.TopicArn"},
                "ResultPath": "$.topic",
                "Next": "Each",
            },
            "Each": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    "Parameters": {"Bucket": "items-h", "Key": "rows.json"},
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "P",
                    "States": {"P": {"Type": "Pass", "End": True}},
                },
                "ResultPath": "$.items",
                "End": True,
            },
        },
    }
    ex = sfnkit.run(definition, {}, services="local")
    assert ex.status == "SUCCEEDED", ex.summary()
    assert ex.output["topic"]["arn"] == f"arn:aws:sns:{REGION}:{ACCOUNT}:t-h"
    assert ex.output["items"] == [{"n": 1}, {"n": 2}]
    assert any(t["TopicArn"].endswith(":t-h") for t in aws.client("sns").list_topics()["Topics"])


def test_template_secrets_are_found_by_their_template_arn() -> None:
    arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:api-key-i-AbC123"
    project = Project(
        template=str(HERE / "secrets.yaml"),
        format="sam",
        resources={
            "Key": ResourceSpec(
                logical_id="Key",
                type="AWS::SecretsManager::Secret",
                name="api-key-i",
                arn=arn,
                properties={"SecretString": "s3cr3t"},
            )
        },
    )
    sm = dataclasses.replace(
        sfnkit.load(
            {
                "StartAt": "Get",
                "States": {
                    "Get": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue",
                        "Parameters": {"SecretId": arn},
                        "ResultSelector": {"v.$": "$.SecretString"},
                        "End": True,
                    }
                },
            }
        ),
        project=project,
    )
    ex = sfnkit.run(sm, {}, services="local")
    assert ex.status == "SUCCEEDED", ex.summary()
    assert ex.output == {"v": "s3cr3t"}


def test_the_debugger_takes_services_local() -> None:
    from sfnkit.widgets import Debugger

    project, table, _ = make_project("J")
    dbg = Debugger(machine(project), {"order": {"id": "j-1", "amount": 4}}, services="local")
    ex = dbg.execution
    assert ex is not None and ex.position is not None and ex.position["state"] == "Record"
    ex.run()
    assert ex.status == "SUCCEEDED", ex.summary()
    assert "j-1" in {i["id"] for i in sfnkit.local_aws().items(table)}


def test_numeric_text_reaches_integer_members_as_numbers() -> None:
    import botocore.session

    from sfnkit.aws.shapes import to_boto

    model = botocore.session.get_session().get_service_model("glue")
    shape = model.operation_model("StartJobRun").input_shape
    assert to_boto({"JobName": "j", "NumberOfWorkers": "5", "Timeout": 10}, shape) == {
        "JobName": "j",
        "NumberOfWorkers": 5,
        "Timeout": 10,
    }
    assert to_boto({"JobName": "j", "NumberOfWorkers": "five"}, shape)["NumberOfWorkers"] == "five"


def test_start_execution_without_sync_and_with_sync_v1() -> None:
    project, _, _ = make_project("K")
    child_arn = sm_arn("orders-notify-machine")
    definition = {
        "StartAt": "Fire",
        "States": {
            "Fire": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution",
                "Parameters": {"StateMachineArn": child_arn, "Name": "fired", "Input": {"id": "k-1"}},
                "ResultSelector": {"arn.$": "$.ExecutionArn"},
                "ResultPath": "$.fired",
                "Next": "Wait",
            },
            "Wait": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync",
                "Parameters": {"StateMachineArn": child_arn, "Input": '{"id": "k-2"}'},
                "ResultSelector": {"output.$": "$.Output", "status.$": "$.Status"},
                "End": True,
            },
        },
    }
    sm = dataclasses.replace(sfnkit.load(definition), project=project)
    ex = sfnkit.run(sm, {}, services="local")
    assert ex.status == "SUCCEEDED", ex.summary()
    first, second = ex.children
    assert second.input == {"id": "k-2"}
    assert first.arn.endswith(":execution:orders-notify-machine:fired")
    assert ex.output == {"output": '{"message":"order k-2 recorded"}', "status": "SUCCEEDED"}  # .sync: JSON text
    assert first.output == {"message": "order k-1 recorded"}
    fired = [e for e in ex.history if (e.details or {}).get("resource") == "startExecution"]
    assert [e.type for e in fired] == ["TaskScheduled", "TaskStarted", "TaskSucceeded"]
