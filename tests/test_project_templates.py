"""Templates as sources: SAM, CloudFormation (JSON/YAML), CDK synth output, serverless.yml and Terraform.

Each reader gives a StateMachine whose ``project`` describes the template, with every ``${...}``, ``Ref`` and
``Fn::GetAtt`` resolved to the local account's ARNs, and diagnostics that point into the template file.
"""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

import pytest

import sfnkit
from sfnkit.asl.project.model import Project

PROJECTS = Path(__file__).parent / "projects"
ACCOUNT = "123456789012"


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def codes(diags: list[sfnkit.Diagnostic]) -> list[str]:
    return [d.code for d in diags]


# -- SAM ---------------------------------------------------------------------------------------------------------


def test_sam_definition_uri_with_substitutions() -> None:
    sm = sfnkit.load(PROJECTS / "sam-order-processing" / "template.yaml")
    project = sm.project
    assert isinstance(project, Project) and project.format == "sam"
    fn = project.functions["ValidateFunction"]
    table = project.resources["OrdersTable"]
    queue = project.resources["ShippingQueue"]
    params = sm.find("Validate").raw["Parameters"]
    assert params["FunctionName"] == fn.arn == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{fn.name}"
    # CloudFormation's shape for an unnamed resource: <stack>-<LogicalId>-<SUFFIX>
    assert table.name.startswith("sam-order-processing-OrdersTable-") and len(table.name.rsplit("-", 1)[1]) == 12
    assert sm.find("Store").raw["Parameters"]["TableName"] == table.name
    assert table.arn == f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table.name}"
    # Ref of a queue is its URL (CloudFormation's return value for AWS::SQS::Queue)
    assert (
        sm.find("Ship").raw["Parameters"]["QueueUrl"] == f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{queue.name}"
    )
    assert fn.runtime == "python3.12" and fn.handler == "app.handler" and fn.timeout == 10
    assert fn.code_dir == str((PROJECTS / "sam-order-processing" / "functions" / "validate").resolve())
    assert fn.environment == {"STAGE": "dev", "TABLE_NAME": table.name}  # Globals merged with the function's own
    spec = project.state_machines["OrderMachine"]
    assert spec.name == "order-machine-dev" and spec.arn.endswith(":stateMachine:order-machine-dev")
    assert spec.definition_file and spec.definition_file.endswith("order.asl.json")


def test_names_are_deterministic_and_parameters_override_defaults() -> None:
    path = PROJECTS / "sam-order-processing" / "template.yaml"
    a, b = sfnkit.load(path), sfnkit.load(path)
    assert a.definition == b.definition
    prod = sfnkit.load(path, name="OrderMachine", parameters={"Stage": "prod"})
    assert prod.project.state_machines["OrderMachine"].name == "order-machine-prod"
    assert prod.project.functions["ValidateFunction"].environment["STAGE"] == "prod"
    assert sfnkit.load(path, name="order-machine-dev").project.parameters == {"Stage": "dev"}


def test_sam_inline_definition_with_intrinsics(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "app/template.yaml",
        """
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          Env: {Type: String, Default: test}
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
        Mappings:
          Sizes: {test: {Batch: "5"}, prod: {Batch: "50"}}
        Resources:
          Machine:
            Type: AWS::Serverless::StateMachine
            Properties:
              Type: EXPRESS
              Definition:
                StartAt: Work
                States:
                  Work:
                    Type: Task
                    Resource: !GetAtt Worker.Arn
                    Parameters:
                      region: !Ref AWS::Region
                      account: !Sub "${AWS::AccountId}"
                      partition: !Ref AWS::Partition
                      mode: !If [IsProd, fast, careful]
                      batch: !FindInMap [Sizes, !Ref Env, Batch]
                      first: !Select [0, !Split [",", "a,b,c"]]
                      joined: !Join ["-", [x, !Ref Env]]
                      encoded: !Base64 hi
                      zones: !GetAZs ""
                      bus: !GetAtt Bus.Arn
                      secret: !Ref Secret
                      topic: !Ref Topic
                      bucket: !Ref Bucket
                    End: true
          Worker:
            Type: AWS::Serverless::Function
            Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: src/, FunctionName: worker}
          Bus: {Type: AWS::Events::EventBus, Properties: {Name: orders}}
          Secret: {Type: AWS::SecretsManager::Secret, Properties: {Name: api-key}}
          Topic: {Type: AWS::SNS::Topic}
          Bucket: {Type: AWS::S3::Bucket}
        """,
    )
    sm = sfnkit.load(path)
    work = sm.find("Work")
    assert work.resource == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:worker"
    p = work.raw["Parameters"]
    assert (p["region"], p["account"], p["partition"]) == ("us-east-1", ACCOUNT, "aws")
    assert p["mode"] == "careful" and p["batch"] == "5" and p["first"] == "a" and p["joined"] == "x-test"
    assert p["encoded"] == "aGk=" and p["zones"] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert p["bus"] == f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/orders"
    assert p["secret"].startswith(f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:api-key-")
    assert p["topic"].startswith(f"arn:aws:sns:us-east-1:{ACCOUNT}:app-Topic-")
    assert p["bucket"] == p["bucket"].lower() and p["bucket"].startswith("app-bucket-")
    assert sm.project.state_machines["Machine"].type == "EXPRESS"
    assert sfnkit.load(path, parameters={"Env": "prod"}).find("Work").raw["Parameters"]["mode"] == "fast"
    assert sfnkit.validate(path) == []


def test_diagnostics_point_into_the_template(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "template.yaml",
        """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Machine:
            Type: AWS::Serverless::StateMachine
            Properties:
              Definition:
                StartAt: A
                States:
                  A:
                    Type: Task
                    Resource: !GetAtt Missing.Arn
                    Nxt: B
                    End: true
        """,
    )
    with pytest.raises(sfnkit.DefinitionError) as e:
        sfnkit.load(path)
    by_location = {(d.severity, d.location): d for d in e.value.diagnostics}
    err = by_location["ERROR", "/States/A/Nxt"]
    assert (err.file, err.line, err.column) == (str(path), 12, 13)
    assert f"{path}:12:13: error SCHEMA_VALIDATION_FAILED /States/A/Nxt" in err.format()
    # the unresolved GetAtt is a warning at the tag, and the Resource it left unfilled is ASL's own error
    warn = by_location["WARNING", "/States/A/Resource"]
    assert warn.code == "SFNKIT_TEMPLATE_UNRESOLVED" and "'Missing'" in warn.message and warn.line == 11
    assert "must be an ARN" in by_location["ERROR", "/States/A/Resource"].message


def test_unresolvable_reference_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "template.yaml",
        """
        Resources:
          Machine:
            Type: AWS::StepFunctions::StateMachine
            Properties:
              Definition:
                StartAt: A
                States:
                  A:
                    Type: Pass
                    Parameters:
                      other: !ImportValue shared-table
                      nope: !Ref Nowhere
                      sub: !Sub "${Nothing}-x"
                      attr: !GetAtt Queue.Nonsense
                    End: true
          Queue: {Type: AWS::SQS::Queue}
        """,
    )
    sm = sfnkit.load(path)  # warnings never stop a load
    p = sm.find("A").raw["Parameters"]
    assert p["nope"] == "${Nowhere}" and p["sub"] == "${Nothing}-x"
    diags = sfnkit.validate(path)
    assert [d.severity for d in diags] == ["WARNING"] * 4
    assert sorted(d.line for d in diags) == [11, 12, 13, 14]
    assert all(d.file == str(path) for d in diags)
    assert any("Nonsense" in d.message and "QueueUrl" in d.message for d in diags)


def test_unknown_tag_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "template.yaml",
        """
        Resources:
          Machine:
            Type: AWS::StepFunctions::StateMachine
            Properties:
              Definition:
                StartAt: A
                States:
                  A: {Type: Pass, Result: !Frobnicate x, End: true}
        """,
    )
    with pytest.raises(sfnkit.DefinitionError) as e:
        sfnkit.load(path)
    d = e.value.diagnostics[0]
    assert d.code == "SFNKIT_TEMPLATE_UNKNOWN_INTRINSIC" and "!Frobnicate" in d.message and "!GetAtt" in d.message
    assert (d.line, d.location) == (8, "/States/A/Result")


def test_missing_definition_uri_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "template.yaml",
        """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Machine:
            Type: AWS::Serverless::StateMachine
            Properties:
              DefinitionUri: statemachine/missing.asl.json
        """,
    )
    with pytest.raises(sfnkit.DefinitionError) as e:
        sfnkit.load(path)
    d = e.value.diagnostics[0]
    assert (
        d.code == "SFNKIT_TEMPLATE_INVALID" and "missing.asl.json" in d.message and (d.file, d.line) == (str(path), 6)
    )


def test_definition_uri_file_errors_point_into_that_file(tmp_path: Path) -> None:
    write(tmp_path, "sm.asl.yaml", "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Next: Gone\n")
    path = write(
        tmp_path,
        "template.yaml",
        """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Machine:
            Type: AWS::Serverless::StateMachine
            Properties: {DefinitionUri: sm.asl.yaml}
        """,
    )
    d = sfnkit.validate(path)[0]
    assert (d.file, d.line, d.location) == (str(tmp_path / "sm.asl.yaml"), 5, "/States/A/Next")


def test_template_without_state_machine_and_malformed_template(tmp_path: Path) -> None:
    path = write(tmp_path, "template.yaml", "Resources:\n  Table: {Type: AWS::DynamoDB::Table}\n")
    with pytest.raises(sfnkit.DefinitionError, match="no state machine found"):
        sfnkit.load(path)
    assert codes(sfnkit.validate(path)) == ["SFNKIT_TEMPLATE_INVALID"]
    bad = write(tmp_path, "bad.yaml", "Resources:\n  A: {Type: X\n")
    d = sfnkit.validate(bad)[0]
    assert d.code == "SFNKIT_TEMPLATE_INVALID" and d.line == 3 and d.file == str(bad)


def test_several_state_machines_need_a_name(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "template.yaml",
        """
        Resources:
          First:
            Type: AWS::StepFunctions::StateMachine
            Properties:
              StateMachineName: first-machine
              Definition: {StartAt: A, States: {A: {Type: Succeed}}}
          Second:
            Type: AWS::StepFunctions::StateMachine
            Properties:
              Definition: {StartAt: B, States: {B: {Type: Succeed}}}
        """,
    )
    with pytest.raises(
        sfnkit.DefinitionError,
        match=r"2 state machines here; pick one with name=: First \(StateMachineName first-machine\), Second",
    ):
        sfnkit.load(path)
    assert sfnkit.load(path, name="first-machine").start_at == "A"
    assert sfnkit.load(path, name="Second").start_at == "B"
    with pytest.raises(sfnkit.DefinitionError, match='did you mean "Second"'):
        sfnkit.load(path, name="Secnd")
    assert sorted(sfnkit.state_machines(path)) == ["Second", "first-machine"]


# -- CloudFormation JSON ---------------------------------------------------------------------------------------


def test_cloudformation_json_definition_string_sub_and_join(tmp_path: Path) -> None:
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Subbed": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "StateMachineName": "subbed",
                    "DefinitionString": {
                        "Fn::Sub": [
                            '{"StartAt":"Put","States":{"Put":{"Type":"Task","Resource":"arn:${AWS::Partition}:states:::dynamodb:putItem",'
                            '"Parameters":{"TableName":"${Table}","Item":{"id":{"S":"${Env}"}}},"End":true}}}',
                            {"Env": "local"},
                        ]
                    },
                },
            },
            "Joined": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "DefinitionString": {
                        "Fn::Join": [
                            "",
                            [
                                '{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"',
                                {"Fn::GetAtt": ["Fn", "Arn"]},
                                '","Next":"Notify"},"Notify":{"Type":"Task","Resource":"arn:aws:states:::sns:publish",'
                                '"Parameters":{"TopicArn":"',
                                {"Ref": "Topic"},
                                '","Message.$":"$"},"End":true}}}',
                            ],
                        ]
                    },
                },
            },
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "things"}},
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alerts"}},
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "FunctionName": "fn",
                    "Runtime": "python3.12",
                    "Handler": "i.h",
                    "Code": {"ZipFile": "x"},
                },
            },
        },
    }
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(template, indent=2))
    subbed = sfnkit.load(path, name="subbed")
    put = subbed.find("Put").raw
    assert put["Resource"] == "arn:aws:states:::dynamodb:putItem"
    assert put["Parameters"] == {"TableName": "things", "Item": {"id": {"S": "local"}}}
    joined = sfnkit.load(path, name="Joined")
    assert joined.find("Call").resource == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn"
    assert joined.find("Notify").raw["Parameters"]["TopicArn"] == f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"
    assert joined.project.format == "cloudformation"
    assert joined.project.functions["Fn"].inline_code == "x"


def test_definition_string_block_keeps_template_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "template.yaml",
        """
        Resources:
          Machine:
            Type: AWS::StepFunctions::StateMachine
            Properties:
              DefinitionString: !Sub |
                {
                  "StartAt": "A",
                  "States": {
                    "A": {"Type": "Task", "Resource": "${Fn.Arn}", "Nxt": "B", "End": true}
                  }
                }
          Fn: {Type: AWS::Lambda::Function, Properties: {Runtime: python3.12, Handler: a.b, Code: {ZipFile: x}}}
        """,
    )
    d = sfnkit.validate(path)[0]
    line = path.read_text().splitlines()[d.line - 1]
    assert d.location == "/States/A/Nxt" and d.line == 9 and line[d.column - 1 :].startswith('"Nxt"')


def test_non_templates_are_unchanged_and_name_is_for_templates(tmp_path: Path) -> None:
    asl = write(tmp_path, "machine.asl.json", '{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}')
    assert sfnkit.load(asl).project is None
    with pytest.raises(TypeError, match="name= and parameters="):
        sfnkit.load(asl, name="A")
    with pytest.raises(sfnkit.DefinitionError, match="not a template or project folder"):
        sfnkit.state_machines(asl)
