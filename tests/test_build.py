"""sfnkit.build: every ASL field reachable, Choice expressions for all 39 operators, Python tasks that run
without resources=, misuse that names the Python line, to_python round trips, and hand-written key order."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

import sfnkit
from sfnkit.asl import parse
from sfnkit.asl.operators import OPERATORS
from sfnkit.build import (
    And,
    Branch,
    BuildError,
    Catch,
    Choice,
    Fail,
    ItemBatcher,
    ItemReader,
    Machine,
    Map,
    Not,
    Or,
    P,
    Parallel,
    Pass,
    Processor,
    ReaderConfig,
    ResultWriter,
    Retry,
    Succeed,
    Task,
    Test,
    Wait,
    chain,
    errors,
    task,
    to_python,
)
from sfnkit.build import tasks as steps
from sfnkit.build.fields import snake_name

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted((ROOT / "tests" / "conformance" / "cases").glob("*.json"))
CLASSES = {
    "Pass": Pass,
    "Task": Task,
    "Choice": Choice,
    "Wait": Wait,
    "Succeed": Succeed,
    "Fail": Fail,
    "Parallel": Parallel,
    "Map": Map,
}
STRUCTURED = {"Type", "Next", "Choices", "Default", "Branches", "Iterator", "ItemProcessor", "Retry", "Catch"}
THIS = Path(__file__).name


def state_asl(st: Any, *others: Any) -> dict[str, Any]:
    d = Machine(st, states=[st, *others]).definition()
    return d["States"][st.name]  # type: ignore[no-any-return]


# -- every field ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typ", sorted(parse.FIELDS))
def test_every_plain_field_of_every_state_type_is_a_snake_case_keyword(typ: str) -> None:
    for f in sorted(parse.FIELDS[typ] - STRUCTURED):
        value = {"k": f} if f in ("Parameters", "Arguments", "Result", "Assign", "Output") else f"v-{f}"
        st = CLASSES[typ]("S", **{snake_name(f): value})
        if typ == "Choice":
            st.when(P.input.go == True, "Elsewhere")  # noqa: E712
        assert state_asl(st)[f] == value, (typ, f)
        assert state_asl(st)["Type"] == typ


def test_the_structured_fields() -> None:
    target = Pass("T")
    # Next / End
    assert state_asl(Pass("S", next=target))["Next"] == "T"
    assert state_asl(Pass("S", end=True))["End"] is True
    # Choices / Default
    c = Choice("C").when(P.input.x == 1, target).otherwise("Elsewhere")
    assert state_asl(c) == {
        "Type": "Choice",
        "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "T"}],
        "Default": "Elsewhere",
    }
    # Retry / Catch on the three states that have them
    for cls in (Task, Parallel, Map):
        st = cls("S", retry=[Retry([errors.TIMEOUT], interval_seconds=1)]).catch(
            [errors.ALL], target, result_path="$.err"
        )
        d = state_asl(st, target)
        assert d["Retry"] == [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 1}]
        assert d["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "T"}]
    # Branches
    par = Parallel("Par", branches=[Pass("A") >> Pass("B", end=True), Branch(Pass("X", end=True), comment="b")])
    d = state_asl(par)
    assert d["Branches"][0] == {
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}},
    }
    assert d["Branches"][1]["Comment"] == "b"
    # ItemProcessor (inline and distributed) and the old Iterator
    m = Map("M", item_processor=Processor(Pass("I", end=True), mode="DISTRIBUTED", execution_type="EXPRESS"))
    assert state_asl(m)["ItemProcessor"] == {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
        "StartAt": "I",
        "States": {"I": {"Type": "Pass", "End": True}},
    }
    assert state_asl(Map("M", iterator=Pass("J", end=True)))["Iterator"]["StartAt"] == "J"


@pytest.mark.parametrize(
    ("cls", "table"),
    [
        (Retry, parse.RETRY_FIELDS),
        (Catch, parse.CATCH_FIELDS),
        (ItemReader, parse.ITEM_READER_FIELDS),
        (ReaderConfig, parse.READER_CONFIG_FIELDS),
        (ItemBatcher, parse.ITEM_BATCHER_FIELDS),
        (ResultWriter, parse.RESULT_WRITER_FIELDS),
    ],
)
def test_every_field_of_the_nested_objects(cls: Any, table: frozenset[str]) -> None:
    fields = {snake_name(f): f"v-{f}" for f in table}
    obj = cls(**fields)
    holder = {Retry: "retry", Catch: "catch"}.get(cls)
    if holder:
        got = state_asl(Task("S", **{holder: [obj]}))["Retry" if cls is Retry else "Catch"][0]
    else:
        key = {ReaderConfig: "ItemReader"}.get(cls, cls.__name__)
        wrapped = ItemReader(reader_config=obj) if cls is ReaderConfig else obj
        got = state_asl(Map("S", **{snake_name(key): wrapped}))[key]
        got = got["ReaderConfig"] if cls is ReaderConfig else got
    assert got == {f: f"v-{f}" for f in table}


def test_every_field_of_the_machine_and_its_bodies() -> None:
    top = {snake_name(f): f"v-{f}" for f in parse.TOP_FIELDS - {"StartAt", "States"}}
    d = Machine(Pass("A", end=True), **top).definition()
    assert set(d) == parse.TOP_FIELDS
    body = {snake_name(f): f"v-{f}" for f in parse.BODY_FIELDS - {"StartAt", "States"}}
    b = state_asl(Parallel("P", branches=[Branch(Pass("B", end=True), **body)]))["Branches"][0]
    assert set(b) == parse.BODY_FIELDS
    proc = {snake_name(f): f"v-{f}" for f in parse.PROCESSOR_FIELDS - {"StartAt", "States", "ProcessorConfig"}}
    p = state_asl(Map("M", item_processor=Processor(Pass("C", end=True), mode="INLINE", execution_type="X", **proc)))
    assert set(p["ItemProcessor"]) == parse.PROCESSOR_FIELDS
    assert set(p["ItemProcessor"]["ProcessorConfig"]) == parse.PROCESSOR_CONFIG_FIELDS


def test_both_query_languages_and_assign() -> None:
    st = Task(
        "J",
        query_language="JSONata",
        resource="arn:aws:states:::lambda:invoke",
        arguments={"FunctionName": "f", "Payload": "{% $states.input %}"},
        output="{% $states.result.Payload %}",
        assign={"seen": "{% $states.input.n %}"},
        end=True,
    )
    sm = Machine(st).build()
    assert sm.start.query_language == "JSONata"
    assert sm.definition["States"]["J"]["Assign"] == {"seen": "{% $states.input.n %}"}
    when = (
        Choice("C", query_language="JSONata")
        .when("{% $states.input.n > 1 %}", Succeed("Big"), assign={"x": 1}, output={"big": True})
        .otherwise(Fail("Small"))
    )
    d = Machine(when).build().definition["States"]["C"]
    assert d["Choices"] == [
        {"Condition": "{% $states.input.n > 1 %}", "Assign": {"x": 1}, "Output": {"big": True}, "Next": "Big"}
    ]


# -- Choice rules -------------------------------------------------------------------------------------------------

X, Y = P.input.x, P.input.y
EXPRESSIONS = [
    (X == "a", "StringEquals"),
    (X < "a", "StringLessThan"),
    (X > "a", "StringGreaterThan"),
    (X <= "a", "StringLessThanEquals"),
    (X >= "a", "StringGreaterThanEquals"),
    (X.as_string == Y, "StringEqualsPath"),
    (X.as_string < Y, "StringLessThanPath"),
    (X.as_string > Y, "StringGreaterThanPath"),
    (X.as_string <= Y, "StringLessThanEqualsPath"),
    (X.as_string >= Y, "StringGreaterThanEqualsPath"),
    (X.matches("log-*"), "StringMatches"),
    (X == 1, "NumericEquals"),
    (X < 1, "NumericLessThan"),
    (X > 1.5, "NumericGreaterThan"),
    (X <= 1, "NumericLessThanEquals"),
    (X >= 1, "NumericGreaterThanEquals"),
    (X.as_number == Y, "NumericEqualsPath"),
    (X.as_number < Y, "NumericLessThanPath"),
    (X.as_number > Y, "NumericGreaterThanPath"),
    (X.as_number <= Y, "NumericLessThanEqualsPath"),
    (X.as_number >= Y, "NumericGreaterThanEqualsPath"),
    (X == True, "BooleanEquals"),  # noqa: E712
    (X.as_boolean == Y, "BooleanEqualsPath"),
    (X.as_timestamp == "2024-01-01T00:00:00Z", "TimestampEquals"),
    (X.as_timestamp < "2024-01-01T00:00:00Z", "TimestampLessThan"),
    (X.as_timestamp > "2024-01-01T00:00:00Z", "TimestampGreaterThan"),
    (X.as_timestamp <= "2024-01-01T00:00:00Z", "TimestampLessThanEquals"),
    (X.as_timestamp >= "2024-01-01T00:00:00Z", "TimestampGreaterThanEquals"),
    (X.as_timestamp == Y, "TimestampEqualsPath"),
    (X.as_timestamp < Y, "TimestampLessThanPath"),
    (X.as_timestamp > Y, "TimestampGreaterThanPath"),
    (X.as_timestamp <= Y, "TimestampLessThanEqualsPath"),
    (X.as_timestamp >= Y, "TimestampGreaterThanEqualsPath"),
    (X.is_null(), "IsNull"),
    (X.is_present(), "IsPresent"),
    (X.is_numeric(), "IsNumeric"),
    (X.is_string(), "IsString"),
    (X.is_boolean(False), "IsBoolean"),
    (X.is_timestamp(), "IsTimestamp"),
]


def test_choice_expressions_cover_all_39_operators() -> None:
    seen = set()
    for rule, op in EXPRESSIONS:
        d = rule.to_asl()
        assert d["Variable"] == "$.x" and op in d, (d, op)
        if OPERATORS[op].is_path:
            assert d[op] == "$.y"
        seen.add(op)
    assert seen == set(OPERATORS) and len(seen) == 39


def test_each_operator_expression_decides_like_aws_when_run() -> None:
    route = Choice("Route")
    route.when(P.input.total > 100, Succeed("Big"))
    route.when((P.input.name.matches("vip-*") & P.input.tier.is_present()) | ~(P.input.total >= 0), Succeed("Vip"))
    route.when(P.input.name != "x", Succeed("NotX"))
    route.otherwise(Fail("Other"))
    sm = Machine(route).build()
    cases = {
        "Big": {"total": 101},
        "Vip": {"total": 1, "name": "vip-1", "tier": 0},
        "NotX": {"total": 1, "name": "y"},
        "Other": {"total": 1, "name": "x"},
    }
    for want, inp in cases.items():
        events = sfnkit.run(sm, inp).history.to_boto()["events"]
        entered = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
        assert entered == ["Route", want], inp


def test_rules_combine_and_explain_their_misuse() -> None:
    r = (X > 1) & (X < 5) & Y.is_null()
    assert r.to_asl() == {
        "And": [
            {"Variable": "$.x", "NumericGreaterThan": 1},
            {"Variable": "$.x", "NumericLessThan": 5},
            {"Variable": "$.y", "IsNull": True},
        ]
    }
    assert And(And(X > 1, X < 5), Y.is_null()).to_asl()["And"][0] == {
        "And": [{"Variable": "$.x", "NumericGreaterThan": 1}, {"Variable": "$.x", "NumericLessThan": 5}]
    }
    assert Or(X == 1, comment="c").to_asl() == {"Or": [{"Variable": "$.x", "NumericEquals": 1}], "Comment": "c"}
    assert Not(X == 1).to_asl() == {"Not": {"Variable": "$.x", "NumericEquals": 1}}
    assert (X == 1).with_comment("one").to_asl()["Comment"] == "one"
    assert Test("$.z", "StringEquals", 5).to_asl() == {"Variable": "$.z", "StringEquals": 5}
    assert P.context.Execution.Id.path == "$$.Execution.Id"
    assert P.var.total.path == "$total"
    assert P.input.items[0]["odd key"].path == "$.items[0]['odd key']"
    with pytest.raises(BuildError, match=rf"{THIS}:\d+: a Choice rule has no truth value"):
        _ = 1 < X < 5
    with pytest.raises(BuildError, match="comparing two paths needs their type"):
        _ = X == Y
    with pytest.raises(BuildError, match="no BooleanLessThan"):
        _ = X < True
    with pytest.raises(BuildError, match='did you mean "NumericEquals"'):
        Test(X, "NumericEqual", 1)


# -- Python functions as tasks --------------------------------------------------------------------------------------


def test_python_function_tasks_run_without_resources_and_resources_still_win() -> None:
    @task(result_path="$.doubled", retry=[Retry([errors.TASK_FAILED], max_attempts=2)])
    def double(event: dict[str, Any]) -> int:
        return int(event["x"]) * 2

    def triple(event: dict[str, Any]) -> int:
        return int(event["x"]) * 3

    sm = Machine(double >> Task("Triple", resource=triple, result_path="$.tripled", end=True)).build()
    assert isinstance(sm, sfnkit.StateMachine)
    assert sm.definition["States"]["double"]["Resource"] == "arn:aws:lambda:us-east-1:123456789012:function:double"
    assert sorted(sm.handlers) == ["double", "triple"]
    ex = sfnkit.run(sm, {"x": 2})
    assert ex.status == "SUCCEEDED" and ex.output == {"x": 2, "doubled": 4, "tripled": 6}
    ex = sfnkit.run(sm, {"x": 2}, resources={"double": lambda e: -1})
    assert ex.output == {"x": 2, "doubled": -1, "tripled": 6}
    assert double({"x": 5}) == 10  # the decorated function still works as a function
    again = task(lambda e: e["x"] + 1, name="Inc", function_name="inc", result_path="$.inc")
    assert sfnkit.run(Machine(again >> Succeed("Done")), {"x": 1}).output == {"x": 1, "inc": 2}


def test_two_different_functions_with_one_name_are_refused() -> None:
    def f(e: Any) -> Any:
        return 1

    g = f

    def make() -> Any:
        def f(e: Any) -> Any:  # a second function called f
            return 2

        return f

    with pytest.raises(BuildError, match="two different Python functions are both called 'f'"):
        Machine(Task("A", resource=g) >> Task("B", resource=make(), end=True)).build()


@pytest.mark.parametrize(
    ("step", "resource", "request_key"),
    [
        (steps.lambda_invoke("S", "my-fn"), "arn:aws:states:::lambda:invoke", "FunctionName"),
        (steps.sqs_send_message("S", "https://sqs/q"), "arn:aws:states:::sqs:sendMessage", "QueueUrl"),
        (steps.sns_publish("S", "arn:aws:sns:us-east-1:1:t"), "arn:aws:states:::sns:publish", "TopicArn"),
        (steps.dynamodb("S", "putItem", "T", request={"Item": {}}), "arn:aws:states:::dynamodb:putItem", "TableName"),
        (steps.glue_start_job_run("S", "job"), "arn:aws:states:::glue:startJobRun.sync", "JobName"),
        (
            steps.sagemaker_create_training_job("S", {"TrainingJobName": "t"}),
            "arn:aws:states:::sagemaker:createTrainingJob.sync",
            "TrainingJobName",
        ),
        (steps.sagemaker_create_model("S", {"ModelName": "m"}), "arn:aws:states:::sagemaker:createModel", "ModelName"),
        (
            steps.sagemaker_create_transform_job("S", {"TransformJobName": "t"}),
            "arn:aws:states:::sagemaker:createTransformJob.sync",
            "TransformJobName",
        ),
        (
            steps.sagemaker_create_endpoint_config("S", {"EndpointConfigName": "c"}),
            "arn:aws:states:::sagemaker:createEndpointConfig",
            "EndpointConfigName",
        ),
        (
            steps.sagemaker_create_endpoint("S", {"EndpointName": "e"}),
            "arn:aws:states:::sagemaker:createEndpoint",
            "EndpointName",
        ),
        (steps.batch_submit_job("S", "j", "q", "d"), "arn:aws:states:::batch:submitJob.sync", "JobQueue"),
        (steps.ecs_run_task("S", "c", "td", launch_type="FARGATE"), "arn:aws:states:::ecs:runTask.sync", "Cluster"),
        (
            steps.start_execution("S", "arn:aws:states:us-east-1:1:stateMachine:child"),
            "arn:aws:states:::states:startExecution.sync:2",
            "StateMachineArn",
        ),
    ],
)
def test_service_steps_write_the_documented_integration(step: Any, resource: str, request_key: str) -> None:
    step >> Succeed("Done")
    sm = Machine(step).definition()
    d = sm["States"]["S"]
    assert d["Resource"] == resource and request_key in d["Parameters"]
    assert [x for x in sfnkit.validate(sm) if x.severity == "ERROR"] == []
    jsonata = Machine(step, query_language="JSONata").definition()["States"]["S"]
    assert "Parameters" not in jsonata and request_key in jsonata["Arguments"]
    assert not any(k.endswith(".$") for k in jsonata["Arguments"])


def test_a_service_step_runs_locally_with_a_handler_for_its_arn() -> None:
    sent = []
    step = steps.sqs_send_message("Send", "https://sqs.us-east-1.amazonaws.com/1/q", result_path=None)
    sm = Machine(step >> Succeed("Done")).build()
    ex = sfnkit.run(sm, {"n": 1}, resources={"arn:aws:states:::sqs:sendMessage": lambda e: sent.append(e) or {}})
    assert ex.status == "SUCCEEDED" and ex.output == {"n": 1}
    assert sent == [{"QueueUrl": "https://sqs.us-east-1.amazonaws.com/1/q", "MessageBody": {"n": 1}}]


def test_lambda_invoke_of_a_python_function_attaches_it() -> None:
    def shout(event: Any) -> Any:
        return {"said": event["w"].upper()}

    step = steps.lambda_invoke("Shout", shout, result_selector={"said.$": "$.Payload.said"}, end=True)
    sm = Machine(step).build()
    assert sm.definition["States"]["Shout"]["Parameters"]["FunctionName"].endswith(":function:shout")
    assert sfnkit.run(sm, {"w": "hi"}).output == {"said": "HI"}


def test_deploy_maps_python_functions_to_lambda_arns(moto_server: Any) -> None:
    sfn = moto_server.client("stepfunctions")
    sm = Machine(_work_machine()).build()
    role = "arn:aws:iam::123456789012:role/sfnkit-test"
    with pytest.raises(ValueError, match="no Lambda function on AWS: work"):
        sfnkit.aws.deploy(sm, name="built-unmapped", role_arn=role, client=sfn)
    with pytest.raises(ValueError, match="does not run as a Python function"):
        sfnkit.aws.deploy(sm, name="built-x", role_arn=role, client=sfn, functions={"work": "arn:x", "other": "y"})
    real = "arn:aws:lambda:eu-west-1:111122223333:function:prod-work"
    remote = sfnkit.aws.deploy(sm, name="built-mapped", role_arn=role, client=sfn, functions={"work": real})
    on_aws = json.loads(sfn.describe_state_machine(stateMachineArn=remote.arn)["definition"])
    assert on_aws["States"]["work"]["Resource"] == real


def _work_machine() -> Any:
    @task(end=True)
    def work(event: Any) -> Any:
        return event

    return work


# -- misuse names the Python line ------------------------------------------------------------------------------------


def _line_of(marker: str) -> int:
    for i, line in enumerate(Path(__file__).read_text().splitlines(), 1):
        if marker in line and "_line_of" not in line:
            return i
    raise AssertionError(marker)


def test_a_state_with_two_nexts_names_both_lines() -> None:
    a = Pass("A")
    a >> Pass("B")  # first-next
    with pytest.raises(BuildError) as e:
        a >> Pass("C")  # second-next
    msg = str(e.value)
    assert msg.startswith(f"{__file__}:{_line_of('# second-next')}:")
    assert f"set at {__file__}:{_line_of('# first-next')}" in msg and "a state has one Next" in msg
    with pytest.raises(BuildError, match="has End=True"):
        Pass("E", end=True) >> Pass("F")


def test_a_choice_without_rules_names_its_line() -> None:
    lonely = Choice("Lonely")  # lonely-choice
    with pytest.raises(BuildError) as e:
        Machine(Pass("A") >> lonely).definition()
    assert str(e.value).startswith(f"{__file__}:{_line_of('# lonely-choice')}: Choice 'Lonely' has no rules")
    with pytest.raises(BuildError, match=r"has no Next; use \.when"):
        Choice("C") >> Pass("D")
    with pytest.raises(BuildError, match=r"a Succeed state .* has no Next"):
        Succeed("S") >> Pass("D")


def test_an_unknown_field_names_its_line_and_the_closest_field() -> None:
    with pytest.raises(BuildError) as e:
        Task("T", resource="arn:aws:states:::x", result_selectr={})  # unknown-field
    assert str(e.value).startswith(f"{__file__}:{_line_of('# unknown-field')}: unknown field 'result_selectr'")
    assert 'did you mean "result_selector"' in str(e.value)
    with pytest.raises(BuildError, match="unknown field 'seconds' for a Pass state"):
        Pass("P", seconds=3)
    with pytest.raises(BuildError, match="unknown field 'foo' for a Retry"):
        Retry([errors.ALL], foo=1)


def test_definition_errors_point_at_the_python_line_of_the_state() -> None:
    m = Machine(Pass("A") >> Wait("W", seconds=-1, end=True))  # bad-wait
    with pytest.raises(sfnkit.DefinitionError) as e:
        m.build()
    line = _line_of("# bad-wait")
    assert f"(built at {__file__}:{line})" in str(e.value)
    assert str(e.value).startswith(f"{__file__}:{line}:")
    assert all(d.line == line for d in e.value.diagnostics if d.location.startswith("/States/W"))
    assert any("built at" in d.message for d in m.validate())


def test_two_states_with_one_name_and_a_state_in_two_scopes_are_refused() -> None:
    with pytest.raises(BuildError, match="two different states are called 'A'"):
        Machine(Pass("A") >> Pass("A", end=True)).definition()
    shared = Pass("Shared", end=True)
    with pytest.raises(BuildError, match="used in two scopes"):
        Machine(Parallel("P", branches=[shared], next=shared)).definition()


def test_chain_and_loops_by_name() -> None:
    a, b, c = Pass("A"), Wait("B", seconds=1), Choice("C")
    chain(a, b, c)
    c.when(P.input.n.is_present(False), a).otherwise(Succeed("Done"))
    sm = Machine(a).build()
    assert list(sm.definition["States"]) == ["A", "B", "C", "Done"]
    assert sm.definition["States"]["C"]["Choices"][0] == {"Variable": "$.n", "IsPresent": False, "Next": "A"}


# -- round trip ----------------------------------------------------------------------------------------------------


def _rebuild(definition: Any) -> tuple[str, Any]:
    code = to_python(definition)
    ns: dict[str, Any] = {}
    exec(compile(code, "<to_python>", "exec"), ns)
    return code, ns["machine"]


@pytest.mark.parametrize("path", CASES, ids=[p.stem[:90] for p in CASES])
def test_to_python_round_trips_every_conformance_definition(path: Path) -> None:
    definition = json.loads(path.read_text())["definition"]
    code, machine = _rebuild(definition)
    assert machine.definition() == definition
    if not any(d.severity == "ERROR" for d in sfnkit.validate(definition)):
        assert machine.build().definition == definition
    ast.parse(code)  # plain Python, nothing generated at run time


def test_every_conformance_case_was_round_tripped() -> None:
    assert len(CASES) == 680


def _notebook_definitions() -> list[tuple[str, Any]]:
    """Every definition written as a literal in a notebook's code (those built with f-strings or helpers are
    covered by the notebook's own execution)."""
    out = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            src = "".join(cell["source"])
            try:
                tree = ast.parse("\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!"))))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Dict):
                    try:
                        value = ast.literal_eval(node)
                    except ValueError:
                        continue
                    if (
                        isinstance(value, dict)
                        and "StartAt" in value
                        and isinstance(value.get("States"), dict)
                        and not any(d.severity == "ERROR" for d in sfnkit.validate(value))
                    ):
                        out.append((nb.name, value))  # (a notebook also shows invalid ASL on purpose)
    return out


def test_to_python_round_trips_the_examples_and_notebook_definitions() -> None:
    sources = [json.loads(p.read_text()) for p in sorted((ROOT / "sfnkit" / "examples").glob("*.json"))]
    notebook = [d for _, d in _notebook_definitions()]
    assert len(sources) >= 1 and len(notebook) >= 5
    for definition in [*sources, *notebook]:
        _, machine = _rebuild(definition)
        assert machine.definition() == definition
        assert machine.build().definition == definition


def test_to_python_reads_like_hand_written_code() -> None:
    code = to_python(ROOT / "sfnkit" / "examples" / "order_pipeline.asl.json")
    assert code.startswith("from sfnkit.build import ")
    assert "validate >> is_valid" in code
    assert "is_valid.when(P.input.validation.ok == True, charge)" in code
    assert "charge.catch([errors.ALL], payment_failed, result_path='$.error')" in code
    assert code.rstrip().splitlines()[-1].startswith(("machine = Machine(", ")"))
    assert to_python(sfnkit.load(ROOT / "sfnkit" / "examples" / "order_pipeline.asl.json")) == code


# -- ASL text ------------------------------------------------------------------------------------------------------


def test_to_json_and_to_yaml_write_the_hand_written_key_order() -> None:
    messy = {
        "States": {
            "B": {"End": True, "Type": "Pass", "ResultPath": "$.r", "Comment": "c", "Result": {"z": 1, "a": 2}},
            "A": {
                "Next": "B",
                "Retry": [{"MaxAttempts": 1, "ErrorEquals": ["X"]}],
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:1:function:f",
            },
        },
        "TimeoutSeconds": 60,
        "QueryLanguage": "JSONPath",
        "StartAt": "A",
        "Comment": "top",
    }
    sm = sfnkit.load(messy)
    d = json.loads(sm.to_json())
    assert list(d) == ["Comment", "StartAt", "QueryLanguage", "TimeoutSeconds", "States"]
    assert list(d["States"]["B"]) == ["Type", "Comment", "Result", "ResultPath", "End"]
    assert list(d["States"]["B"]["Result"]) == ["z", "a"]  # payloads keep the author's order
    assert list(d["States"]["A"]) == ["Type", "Resource", "Retry", "Next"]
    assert list(d["States"]["A"]["Retry"][0]) == ["ErrorEquals", "MaxAttempts"]
    assert d == messy
    import yaml

    text = sm.to_yaml()
    assert text.startswith("Comment: top\nStartAt: A\nQueryLanguage: JSONPath\nTimeoutSeconds: 60\nStates:\n")
    assert yaml.safe_load(text) == messy
    assert sfnkit.load(text).definition == messy


def test_to_python_of_a_built_machine_names_its_python_functions() -> None:
    sm = Machine(_work_machine()).build()
    code, machine = _rebuild(sm)
    assert "# The original machine ran Python functions for work" in code
    assert machine.definition() == sm.definition
    assert sfnkit.run(machine.build(), {"a": 1}, resources=sm.handlers).output == {"a": 1}
    assert Machine(Pass("A", end=True)).to_yaml() == "StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n"


def test_paths_as_references_in_fields_and_templates() -> None:
    st = Pass(
        "A",
        input_path=P.input.order,
        parameters={"id": P.input.id, "run": P.context.Execution.Id, "fixed": 1, "nested": {"t": P.var.total}},
        end=True,
    )
    d = state_asl(st)
    assert d["InputPath"] == "$.order"
    assert d["Parameters"] == {"id.$": "$.id", "run.$": "$$.Execution.Id", "fixed": 1, "nested": {"t.$": "$total"}}
    j = Pass("J", query_language="JSONata", output={"id": P.input.order["odd key"][0], "all": [P.input.a, 2]}, end=True)
    assert state_asl(j)["Output"] == {
        "id": "{% $states.input.order.`odd key`[0] %}",
        "all": ["{% $states.input.a %}", 2],
    }
    ex = sfnkit.run(Machine(st).build(), {"order": {"id": 3}})
    assert ex.status == "FAILED"  # $total is not a variable here: the reference is real ASL, checked like any
    ok = Pass("B", parameters={"id": P.input.id}, end=True)
    assert sfnkit.run(Machine(Pass("S", input_path=P.input.order) >> ok).build(), {"order": {"id": 3}}).output == {
        "id": 3
    }
    with pytest.raises(BuildError, match="paths only as object values"):
        state_asl(Pass("L", parameters={"xs": [P.input.a]}, end=True))
    with pytest.raises(BuildError, match="no plain JSONata form"):
        state_asl(Pass("F", query_language="JSONata", output={"x": P("$..a")}, end=True))
