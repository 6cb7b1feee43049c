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
        match=r"2 state machines here; pick one with name= \(--name on the command line\): First \(StateMachineName first-machine\), Second",
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


# -- CDK synth output ------------------------------------------------------------------------------------------


def test_cdk_synth_output_fn_join_and_assets() -> None:
    sm = sfnkit.load(PROJECTS / "cdk-order-stack" / "cdk.out" / "OrderStack.template.json")
    project = sm.project
    assert project.format == "cdk"
    price = project.functions["PriceFunction5A3B2C1D"]
    assert sm.find("Price order").raw["Parameters"]["FunctionName"] == price.arn
    assert sm.find("Price order").resource == "arn:aws:states:::lambda:invoke"  # Ref AWS::Partition -> aws
    table = project.resources["OrdersTable315BB997"]
    assert sm.find("Save order").raw["Parameters"]["TableName"] == table.name
    assert price.code_dir and price.code_dir.endswith("asset.3f2a9c1e7b") and price.handler == "price.handler"
    receipt = project.functions["ReceiptFunction8E7D6C5B"]
    assert receipt.environment == {"TABLE_NAME": table.name}
    # CDK's BootstrapVersion SSM parameter is declared but never used: no warning about it
    assert sfnkit.validate(PROJECTS / "cdk-order-stack") == []


# -- serverless.yml --------------------------------------------------------------------------------------------


def test_serverless_variables_functions_and_getatt_by_function_key() -> None:
    path = PROJECTS / "serverless-image-pipeline" / "serverless.yml"
    sm = sfnkit.load(path)
    project = sm.project
    assert project.format == "serverless"
    resize = project.functions["ResizeLambdaFunction"]
    assert resize.name == "image-pipeline-dev-resize" and sm.find("Resize").resource == resize.arn
    assert (resize.handler, Path(resize.code_dir or "").name, resize.timeout) == ("resize.handler", "src", 30)
    assert resize.environment == {"BUCKET": "image-pipeline-dev-images"}  # provider.environment + ${self:custom...}
    tag = project.functions["TagDashimageLambdaFunction"]  # the framework's logical id for "tag-image"
    assert sm.find("Tag").raw["Parameters"]["FunctionName"] == tag.arn
    assert sm.find("Resize").raw["Parameters"]["size"] == 128  # a whole-string variable keeps its type
    entry = sm.find("Announce").raw["Parameters"]["Entries"][0]
    assert entry["EventBusName"] == f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"  # #{AWS::Region}
    prod = sfnkit.load(path, name="imagePipeline", parameters={"stage": "prod"})  # --stage prod
    assert prod.project.state_machines["ImagePipelineStepFunctionsStateMachine"].name == "image-pipeline-prod"
    assert prod.find("Record").raw["Parameters"]["TableName"] == "image-pipeline-prod-images"


def test_serverless_file_variables_and_two_machines() -> None:
    machines = sfnkit.state_machines(PROJECTS / "serverless-order-express" / "serverless.yml")
    assert sorted(machines) == ["cancelOrder", "place-order-dev"]
    place = machines["place-order-dev"]
    assert place.project.state_machines["PlaceOrderStepFunctionsStateMachine"].type == "EXPRESS"
    assert place.find("Save").raw["Parameters"]["TableName"] == "orders-express-dev"  # ${file(./config.dev.json)}
    assert (
        place.find("Alert").raw["Parameters"]["TopicArn"] == f"arn:aws:sns:us-east-1:{ACCOUNT}:order-express-dev-alerts"
    )
    assert place.project.functions["ChargeCardLambdaFunction"].environment["ALERTS"] == "order-express-dev-alerts"


def test_serverless_unresolvable_variable_points_at_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "serverless.yml",
        """
        service: s
        provider: {name: aws, runtime: python3.12}
        stepFunctions:
          stateMachines:
            m:
              definition:
                StartAt: A
                States:
                  A:
                    Type: Pass
                    Result: ${ssm:/config/value}
                    End: true
        """,
    )
    (d,) = sfnkit.validate(path)
    assert (d.severity, d.code, d.location, d.line) == ("WARNING", "SFNKIT_TEMPLATE_UNRESOLVED", "/States/A/Result", 11)
    assert "ssm:" in d.message and "fallback" in d.message
    assert sfnkit.load(path).find("A").raw["Result"] == "${ssm:/config/value}"


# -- Terraform -------------------------------------------------------------------------------------------------


def test_terraform_heredoc_with_archive_file_lambda() -> None:
    sm = sfnkit.load(PROJECTS / "terraform-heredoc-lambda" / "main.tf")
    project = sm.project
    assert project.format == "terraform"
    fn = project.functions["generator"]
    assert sm.find("Generate").resource == fn.arn == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:invoice-generator"
    assert fn.code_dir == str((PROJECTS / "terraform-heredoc-lambda" / "src").resolve())
    assert (fn.handler, fn.runtime, fn.timeout) == ("generate.handler", "python3.12", 20)
    assert fn.environment == {"TOPIC_ARN": f"arn:aws:sns:us-east-1:{ACCOUNT}:invoice-ready"}
    assert ACCOUNT in sm.comment  # data.aws_caller_identity.current.account_id
    renamed = sfnkit.load(PROJECTS / "terraform-heredoc-lambda", parameters={"project": "bill"})  # var overrides
    assert renamed.project.state_machines["invoice"].name == "bill-flow"


def test_terraform_jsonencode_locals_and_dynamodb_properties() -> None:
    sm = sfnkit.load(PROJECTS / "terraform-jsonencode-dynamodb", name="aws_sfn_state_machine.checkout")
    assert sm.find("Load cart").raw["Parameters"]["TableName"] == "cart-staging-carts"  # terraform.tfvars
    queue = sm.project.resources["checkout"]
    assert (
        sm.find("Queue checkout").raw["Parameters"]["QueueUrl"]
        == f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{queue.name}"
    )
    table = sm.project.resources["carts"]
    assert table.type == "AWS::DynamoDB::Table"
    assert table.properties == {
        "KeySchema": [{"AttributeName": "cartId", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "cartId", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    assert queue.properties == {"FifoQueue": True} and queue.name.endswith(".fifo")


def test_terraform_templatefile() -> None:
    sm = sfnkit.load(PROJECTS / "terraform-templatefile-etl")
    each = sm.find("Each day")
    assert each.raw["MaxConcurrency"] == 4
    assert sm.find("Partition").raw["Parameters"]["JobName"] == "partition-events"
    assert (
        sm.find("Repair table").raw["Parameters"]["ResultConfiguration"]["OutputLocation"]
        == "s3://analytics-lake-example/athena/"
    )
    assert (
        sfnkit.load(PROJECTS / "terraform-templatefile-etl", parameters={"max_concurrency": 9})
        .find("Each day")
        .raw["MaxConcurrency"]
        == 9
    )


def test_terraform_diagnostics_point_into_tf_and_template_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        "sm.json",
        '{\n  "StartAt": "A",\n  "States": {\n    "A": {"Type": "Pass", "Nxt": 1, "End": true}\n  }\n}\n',
    )
    tf = write(
        tmp_path,
        "main.tf",
        """
        resource "aws_sfn_state_machine" "heredoc" {
          name = "h"
          definition = <<-EOT
            {
              "StartAt": "A",
              "States": {
                "A": {"Type": "Pass", "Nxt": "B", "End": true}
              }
            }
          EOT
        }

        resource "aws_sfn_state_machine" "encoded" {
          name = "e"
          definition = jsonencode({
            StartAt = "A"
            States = {
              A = {
                Type = "Pass"
                Result = module.lambda.arn
                Nxt = "B"
                End = true
              }
            }
          })
        }

        resource "aws_sfn_state_machine" "file" {
          name = "f"
          definition = templatefile("${path.module}/sm.json", {})
        }

        resource "aws_sfn_state_machine" "missing" {
          name = "m"
          definition = templatefile("${path.module}/nope.json", {})
        }
        """,
    )
    lines = tf.read_text().splitlines()

    def at(name: str) -> list[sfnkit.Diagnostic]:
        return sfnkit.validate(tf, name=name)

    (heredoc,) = at("heredoc")
    assert (heredoc.file, heredoc.line, heredoc.location) == (str(tf), 7, "/States/A/Nxt")
    assert lines[6][heredoc.column - 1 :].startswith('"Nxt"')  # <<-EOT's removed indentation counted back in
    encoded = at("encoded")
    nxt = next(d for d in encoded if d.location == "/States/A/Nxt")
    assert (nxt.line, nxt.severity) == (21, "ERROR") and lines[20].strip().startswith("Nxt")
    unresolved = next(d for d in encoded if d.severity == "WARNING")
    assert unresolved.line == 20 and "module.lambda.arn" in unresolved.message
    (from_file,) = at("file")
    assert (from_file.file, from_file.line) == (str(tmp_path / "sm.json"), 4)
    (missing,) = at("missing")
    assert missing.code == "SFNKIT_TEMPLATE_INVALID" and "nope.json" in missing.message and missing.line == 35
    with pytest.raises(sfnkit.DefinitionError, match="4 state machines here"):
        sfnkit.load(tf)


def test_terraform_syntax_error_and_no_state_machine(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad/main.tf", 'resource "aws_sfn_state_machine" "x" {\n  name = \n}\n')
    (d,) = sfnkit.validate(bad)
    assert d.code == "SFNKIT_TEMPLATE_INVALID" and d.file == str(bad) and d.line == 2
    empty = write(tmp_path, "empty/main.tf", 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    with pytest.raises(sfnkit.DefinitionError, match="no state machine found"):
        sfnkit.load(empty)


# -- folders ---------------------------------------------------------------------------------------------------


def test_a_project_folder_lists_every_machine_and_skips_build_output(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "app"
    shutil.copytree(PROJECTS / "sam-nested-workflows", root)
    shutil.copytree(PROJECTS / "sam-nested-workflows", root / ".aws-sam" / "build")  # what `sam build` leaves
    assert sorted(sfnkit.state_machines(root)) == ["AuditMachine", "fulfil-line", "order-fulfilment"]
    assert sfnkit.load(root, name="ChildMachine").project.state_machines["ChildMachine"].type == "EXPRESS"


# -- the command line ------------------------------------------------------------------------------------------


def test_cli_validate_and_run_templates(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from sfnkit.cli import main

    nested = PROJECTS / "sam-nested-workflows" / "template.yaml"
    assert main(["validate", str(nested)]) == 0
    assert "OK (0 errors, 0 warnings)" in capsys.readouterr().out
    assert main(["run", str(nested), "--name", "AuditMachine", "--input", '{"orderId": "o-1"}']) == 0
    out = capsys.readouterr().out
    assert out.startswith("SUCCEEDED") and '"audited": true' in out
    assert main(["run", str(nested), "--input", "{}"]) == 1
    assert "3 state machines here" in capsys.readouterr().err
    broken = write(
        tmp_path,
        "template.yaml",
        """
        Resources:
          M:
            Type: AWS::StepFunctions::StateMachine
            Properties:
              Definition: {StartAt: A, States: {A: {Type: Pass, Nxt: B, End: true}}}
        """,
    )
    assert main(["validate", str(broken), "--format", "json"]) == 1
    (report,) = json.loads(capsys.readouterr().out)
    assert report["diagnostics"][0]["file"] == str(broken) and report["diagnostics"][0]["line"] == 5
    sam = PROJECTS / "sam-order-processing" / "template.yaml"
    assert main(["validate", str(sam), "--parameter", "Stage=prod", "--name", "order-machine-prod"]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit, match="KEY=VALUE"):
        main(["validate", str(sam), "--parameter", "Stage"])
    asl = write(tmp_path, "m.asl.json", '{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}')
    with pytest.raises(SystemExit, match="apply to templates"):
        main(["run", str(asl), "--name", "X"])


def test_resources_carry_ref_and_attributes_for_the_local_aws() -> None:
    sm = sfnkit.load(PROJECTS / "sam-order-processing" / "template.yaml")
    queue = sm.project.resources["ShippingQueue"]
    assert queue.ref == queue.attributes["QueueUrl"] == f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{queue.name}"
    table = sm.project.resources["OrdersTable"]
    assert table.ref == "" and table.attributes["Arn"] == table.arn
    tf = sfnkit.load(PROJECTS / "terraform-jsonencode-dynamodb").project.resources["checkout"]
    assert tf.ref.endswith("/cart-staging-checkout.fifo") and tf.attributes["QueueName"] == tf.name


def test_definition_uri_on_s3_is_a_clear_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "template.yaml",
        """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Machine:
            Type: AWS::Serverless::StateMachine
            Properties:
              DefinitionUri:
                Bucket: my-bucket
                Key: machine.asl.json
        """,
    )
    (d,) = sfnkit.validate(path)
    assert d.code == "SFNKIT_TEMPLATE_INVALID" and "local files only" in d.message and d.line == 6


MALFORMED = {
    "list-resources.yaml": "Resources: []\n",
    "string-resource.yaml": "Resources:\n  A: hello\n",
    "list-properties.yaml": "Resources:\n  A: {Type: AWS::StepFunctions::StateMachine, Properties: []}\n",
    "string-definition.yaml": "Resources:\n  A: {Type: AWS::StepFunctions::StateMachine, Properties: {Definition: hi}}\n",
    "bad-sub.yaml": "Resources:\n  A: {Type: AWS::StepFunctions::StateMachine, Properties: {DefinitionString: {Fn::Sub: [1, 2]}}}\n",
    "bad-getatt.yaml": "Resources:\n  A: {Type: AWS::StepFunctions::StateMachine, Properties: {DefinitionString: !GetAtt [a, b, c]}}\n",
    "numeric-uri.yaml": "Resources:\n  A: {Type: AWS::Serverless::StateMachine, Properties: {DefinitionUri: 5}}\n",
    "self-ref.yaml": "Resources:\n  A: {Type: AWS::StepFunctions::StateMachine, Properties: {StateMachineName: !Ref A, "
    "Definition: {StartAt: X, States: {X: {Type: Pass, Result: !Select [9, [1]], End: true}}}}}\n",
    "odd-sections.yaml": "Parameters: [1]\nConditions: 3\nMappings: x\nResources:\n  A: {Type: AWS::StepFunctions::StateMachine, "
    "Properties: {Definition: {StartAt: X, States: {X: {Type: Pass, Result: !FindInMap [a, b, c], End: true}}}}}\n",
    "not-json.json": '{"Resources": {"A": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"DefinitionString": "no"}}}}',
    "sls/serverless.yml": "service: [1]\nprovider: 3\nfunctions: [1]\nstepFunctions: x\n",
    "sls2/serverless.yml": "service: x\nstepFunctions:\n  stateMachines:\n    a: 3\n"
    "    b: {definition: 'not json ${self:nope} ${opt:x} ${file(./no.json)} ${env:HOME}'}\n",
    "tf/main.tf": 'resource "aws_sfn_state_machine" "x" {\n  definition = jsonencode([for s in var.x : s])\n}\n'
    'resource "aws_sfn_state_machine" "y" {\n  definition = format("%s", lower(1))\n}\n'
    'resource "aws_sfn_state_machine" "z" {\n  name = local.z\n  definition = "${local.z}"\n}\nlocals {\n  z = local.z\n}\n',
    "tf2/main.tf": "\x00\xff",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_templates_give_diagnostics_never_a_traceback(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, MALFORMED[name])
    target = path if "/" not in name else path.parent
    diags = sfnkit.validate(target)
    assert diags and all(isinstance(d, sfnkit.Diagnostic) and d.message for d in diags)
    try:
        sfnkit.load(target)
    except sfnkit.DefinitionError as e:
        assert e.diagnostics and str(e)


# -- the decoder -----------------------------------------------------------------------------------------------


def test_decoder_short_form_tags_and_marks(tmp_path: Path) -> None:
    from sfnkit.asl.project.decode import decode

    path = write(
        tmp_path,
        "t.yaml",
        """
        Conditions:
          Both: !And [!Condition A, !Not [!Equals [x, y]]]
        Resources:
          R:
            Properties:
              Arn: !GetAtt Fn.Arn
              List: !GetAtt [Fn, Arn]
              When: 2024-01-01
              Yes: on
              Custom: !Frobnicate {a: 1}
        """,
    )
    value, diags = decode(path)
    assert diags == []
    props = value["Resources"]["R"]["Properties"]
    assert props["Arn"] == {"Fn::GetAtt": ["Fn", "Arn"]} == props["List"]
    assert props["When"] == "2024-01-01"  # timestamps stay text
    assert "Yes" in props and props["Yes"] is True  # keys as written, values YAML 1.1
    assert props["Custom"] == {"Fn::Frobnicate": {"a": 1}}
    assert value["Conditions"]["Both"] == {"Fn::And": [{"Condition": "A"}, {"Fn::Not": [{"Fn::Equals": ["x", "y"]}]}]}
    arn_key = next(k for k in props if k == "Arn")
    assert (arn_key.start_mark.line, arn_key.start_mark.column) == (5, 6)  # 0-based, like PyYAML's marks
    assert (props["Arn"].start_mark.line, props["Arn"].start_mark.column) == (5, 11)


def test_loading_a_template_imports_no_heavy_parser() -> None:
    import subprocess
    import sys

    code = (
        "import sys, sfnkit\n"
        f"sfnkit.load({str(PROJECTS / 'sam-order-processing' / 'template.yaml')!r})\n"
        f"sfnkit.load({str(PROJECTS / 'cdk-order-stack')!r})\n"
        "print(','.join(m for m in ('cfnlint', 'sympy', 'networkx', 'hcl2', 'boto3') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == ""


def test_a_parameter_outside_its_allowed_values_is_a_warning() -> None:
    path = PROJECTS / "sam-express-thumbnail-api" / "template.yml"
    (d,) = sfnkit.validate(path, parameters={"Stage": "staging"})
    assert d.severity == "WARNING" and "AllowedValues" in d.message and d.location == "/Parameters/Stage"
    assert d.line == 6 and d.file == str(path)
    assert (
        sfnkit.load(path, parameters={"Stage": "prod"}).project.state_machines["ThumbnailWorkflow"].name
        == "thumbnail-prod"
    )


def test_terraform_tfvars_override_defaults_and_parameters_override_tfvars() -> None:
    folder = PROJECTS / "terraform-jsonencode-dynamodb"  # its terraform.tfvars sets environment = "staging"
    sm = sfnkit.load(folder)
    assert sm.project.state_machines["checkout"].name == "cart-staging-checkout"
    assert sm.project.parameters["environment"] == "staging"
    assert (
        sfnkit.load(folder, parameters={"environment": "prod"}).find("Load cart").raw["Parameters"]["TableName"]
        == "cart-prod-carts"
    )


def test_terraform_file_function_maps_lines_into_that_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        "sm.json",
        '{\n  "StartAt": "A",\n  "States": {\n    "A": {"Type": "Pass", "Nxt": 1, "End": true}\n  }\n}\n',
    )
    tf = write(
        tmp_path, "main.tf", 'resource "aws_sfn_state_machine" "f" {\n  name = "f"\n  definition = file("sm.json")\n}\n'
    )
    (d,) = sfnkit.validate(tf)
    assert (d.file, d.line, d.location) == (str(tmp_path / "sm.json"), 4, "/States/A/Nxt")


def test_cdk_fn_join_diagnostics_point_at_the_piece_line(tmp_path: Path) -> None:
    source = PROJECTS / "cdk-order-stack" / "cdk.out" / "OrderStack.template.json"
    template = json.loads(source.read_text())
    parts = template["Resources"]["OrderFlow6E8F3B2A"]["Properties"]["DefinitionString"]["Fn::Join"][1]
    parts[4] = parts[4].replace('"ResultPath":null', '"ResultPth":null')
    path = tmp_path / "cdk.out" / "OrderStack.template.json"
    path.parent.mkdir()
    path.write_text(json.dumps(template, indent=1))
    (d,) = sfnkit.validate(path)
    assert d.location == "/States/Save order/ResultPth" and d.file == str(path)
    assert "ResultPth" in path.read_text().splitlines()[d.line - 1]


def test_cloudformation_json_definition_string_errors_have_their_column(tmp_path: Path) -> None:
    template = json.loads((PROJECTS / "cfn-json-batch-job" / "pipeline.json").read_text())
    props = template["Resources"]["PipelineStateMachine"]["Properties"]["DefinitionString"]
    props["Fn::Sub"] = props["Fn::Sub"].replace('"ResultPath":"$.job"', '"ResultPth":"$.job"')
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(template, indent=2))
    (d,) = sfnkit.validate(path)
    assert d.location == "/States/Submit job/ResultPth"
    line = path.read_text().splitlines()[d.line - 1]
    assert line.lstrip().startswith('"Fn::Sub"') and line[d.column - 1 :].startswith('\\"ResultPth\\"')
