"""Step Functions Local mock configurations: parsing, counting across retries and Map iterations, and replaying a
recorded execution (``sfnkit.runtime.mocks``, public as ``sfnkit.mocks``)."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest

import sfnkit
from sfnkit.runtime.execution import Execution
from sfnkit.runtime.mocks import MockConfig, MockConfigError, TestCaseMocks, from_history

# The interpreter consults the mocks only once sfnkit.run accepts mocks= (see the report to the lead).
HOOKS = "mocks" in inspect.signature(Execution.__init__).parameters
needs_hooks = pytest.mark.skipif(not HOOKS, reason="sfnkit.run(mocks=...) is not integrated in the interpreter yet")

# The example of the AWS docs ("Configuration file for mocked service integrations")
DOC_EXAMPLE: dict[str, Any] = {
    "StateMachines": {
        "LambdaSQSIntegration": {
            "TestCases": {
                "HappyPath": {"LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess"},
                "RetryPath": {"LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess"},
                "HybridPath": {"LambdaState": "MockedLambdaSuccess"},
            }
        }
    },
    "MockedResponses": {
        "MockedLambdaSuccess": {
            "0": {"Return": {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}}
        },
        "LambdaMockedResourceNotReady": {
            "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready."}}
        },
        "MockedSQSSuccess": {
            "0": {
                "Return": {
                    "MD5OfMessageBody": "3bcb6e8e-7h85-4375-b0bc-1a59812c6e51",
                    "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51",
                }
            }
        },
        "MockedLambdaRetry": {
            "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready."}},
            "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "Lambda timed out."}},
            "3": {"Return": {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}},
        },
    },
}

# The state machine of that example: a Lambda task with retries, then SQS
MACHINE: dict[str, Any] = {
    "StartAt": "LambdaState",
    "States": {
        "LambdaState": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"Payload.$": "$", "FunctionName": "HelloFunction"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2}],
            "Next": "SQSState",
        },
        "SQSState": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {
                "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/myQueue",
                "MessageBody.$": "$",
            },
            "End": True,
        },
    },
}


def _call(state: str, attempt: int = 0) -> sfnkit.TaskCall:
    return sfnkit.TaskCall(
        input={}, resource="arn:aws:states:::lambda:invoke", state_name=state, context={}, attempt=attempt
    )


def test_load_from_dict_path_and_text(tmp_path: Any) -> None:
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps(DOC_EXAMPLE))
    a = MockConfig.load(DOC_EXAMPLE)
    b = MockConfig.load(path)
    c = MockConfig.load(str(path))
    d = MockConfig.load(json.dumps(DOC_EXAMPLE))
    assert a == b == c == d
    assert b.source == str(path)
    assert a.to_dict() == DOC_EXAMPLE


def test_handler_for_counts_invocations_like_step_functions_local() -> None:
    mocks = MockConfig.load(DOC_EXAMPLE).test_case("LambdaSQSIntegration", "RetryPath")
    assert isinstance(mocks, TestCaseMocks)
    handler = mocks.handler_for("LambdaState")
    assert handler is not None and mocks.handler_for("LambdaState") is handler
    assert mocks.handler_for("NotMocked") is None
    outcomes = []
    for n in range(4):
        try:
            outcomes.append(handler(_call("LambdaState", n)))
        except sfnkit.TaskFailure as e:
            outcomes.append((e.error, e.cause))
    assert outcomes == [
        ("Lambda.ResourceNotReadyException", "Lambda resource is not ready."),
        ("Lambda.TimeoutException", "Lambda timed out."),
        ("Lambda.TimeoutException", "Lambda timed out."),
        {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}},
    ]
    assert mocks.invocations("LambdaState") == 4
    with pytest.raises(sfnkit.TaskFailure) as info:  # a fifth invocation has no response
        handler(_call("LambdaState", 4))
    assert info.value.error == "States.Runtime"
    assert "no mocked response for invocation 4 of state 'LambdaState'" in str(info.value.cause)
    assert "covers 0, 1-2, 3" in str(info.value.cause)
    # the handler takes a TaskCall, and a lambda:invoke Return is the whole Invoke response
    assert list(inspect.signature(handler).parameters) == ["call"]
    assert handler.sfnkit_raw_response is True  # type: ignore[attr-defined]


def test_each_test_case_starts_with_fresh_counters() -> None:
    config = MockConfig.load(DOC_EXAMPLE)
    first = config.test_case("LambdaSQSIntegration", "HappyPath").handler_for("LambdaState")
    second = config.test_case("LambdaSQSIntegration", "HappyPath").handler_for("LambdaState")
    assert first is not None and second is not None
    assert first(_call("LambdaState")) == second(_call("LambdaState"))  # both answer invocation 0


def test_returned_values_are_private_copies() -> None:
    mocks = MockConfig.load(DOC_EXAMPLE).test_case("LambdaSQSIntegration", "HappyPath")
    handler = mocks.handler_for("SQSState")
    assert handler is not None
    handler(_call("SQSState"))["MessageId"] = "changed"
    config_again = MockConfig.load(DOC_EXAMPLE)
    assert config_again.responses["MockedSQSSuccess"].entries[0].value["MessageId"].startswith("3bcb6e8e")


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"MockedResponses": {"R": {"x": {"Return": 1}}}}, "/MockedResponses/R/x: invocation key 'x' must be"),
        ({"MockedResponses": {"R": {"3-1": {"Return": 1}}}}, "invocation key '3-1' must be"),
        ({"MockedResponses": {"R": {"-1": {"Return": 1}}}}, "invocation key '-1' must be"),
        (
            {"MockedResponses": {"R": {"0-2": {"Return": 1}, "2": {"Return": 2}}}},
            '/MockedResponses/R: invocation 2 is covered twice (by "0-2" and "2")',
        ),
        ({"MockedResponses": {"R": {"0": {"Return": 1, "Throw": {}}}}}, 'exactly one field, "Return" or "Throw"'),
        ({"MockedResponses": {"R": {"0": {"Throw": {"Cause": "c"}}}}}, '/MockedResponses/R/0/Throw: must be {"Error"'),
        ({"MockedResponses": {"R": {"0": {"Throw": {"Error": "E", "Cause": 3}}}}}, "Cause: must be a string"),
        ({"MockedResponses": {"R": {}}}, "a mocked response must be a non-empty object"),
        (
            {"StateMachines": {"S": {"TestCases": {"T": {"A": "Rx"}}}}, "MockedResponses": {"R": {"0": {"Return": 1}}}},
            "/StateMachines/S/TestCases/T/A: no mocked response named 'Rx' in MockedResponses; did you mean 'R'?",
        ),
        ({"StateMachines": {"S": {"Cases": {}}}}, '/StateMachines/S: must be {"TestCases": {...}}'),
        ({"Mocks": {}}, "unknown field(s) ['Mocks']"),
    ],
)
def test_malformed_configurations_say_where_and_what_is_allowed(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(MockConfigError) as info:
        MockConfig.load(doc)
    assert message in str(info.value)


def test_unknown_machine_or_test_case_names_the_closest() -> None:
    config = MockConfig.load(DOC_EXAMPLE)
    with pytest.raises(KeyError, match="did you mean 'LambdaSQSIntegration'"):
        config.test_case("LambdaSQSIntegratio", "HappyPath")
    with pytest.raises(KeyError, match="did you mean 'HappyPath'"):
        config.test_case("LambdaSQSIntegration", "HapyPath")


def test_unreadable_file_is_a_clear_error(tmp_path: Any) -> None:
    with pytest.raises(MockConfigError, match="cannot read the mock configuration"):
        MockConfig.load(tmp_path / "missing.json")


# -- through the interpreter ------------------------------------------------------------------------------


def _run(
    definition: Any,
    input: Any,
    test_case: str,
    config: Any = DOC_EXAMPLE,
    name: str = "LambdaSQSIntegration",
    **kwargs: Any,
) -> sfnkit.Execution:
    return sfnkit.run(definition, input, mocks=config, test_case=test_case, state_machine_name=name, **kwargs)


@needs_hooks
def test_happy_path_uses_the_mocked_responses_without_handlers() -> None:
    ex = _run(MACHINE, {"x": 1}, "HappyPath")
    assert ex.status == "SUCCEEDED"
    assert ex.output == DOC_EXAMPLE["MockedResponses"]["MockedSQSSuccess"]["0"]["Return"]
    # the Lambda result is the mocked Invoke response itself, not wrapped in another envelope
    lambda_out = next(e for e in ex.history if e.type == "TaskSucceeded").output_value
    assert lambda_out == {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}


@needs_hooks
def test_retry_path_counts_each_retry_as_the_next_invocation() -> None:
    ex = _run(MACHINE, {"x": 1}, "RetryPath")
    assert ex.status == "SUCCEEDED"
    failed = [e.error for e in ex.history if e.type == "TaskFailed"]
    assert failed == ["Lambda.ResourceNotReadyException", "Lambda.TimeoutException", "Lambda.TimeoutException"]
    assert sum(1 for e in ex.history if e.type == "TaskScheduled") == 5  # 4 Lambda attempts + SQS


@needs_hooks
def test_hybrid_path_calls_the_handler_for_what_is_not_mocked() -> None:
    sent = []
    ex = _run(
        MACHINE,
        {"x": 1},
        "HybridPath",
        resources={"arn:aws:states:::sqs:sendMessage": lambda body: sent.append(body) or {"MessageId": "m"}},
    )
    assert ex.status == "SUCCEEDED" and ex.output == {"MessageId": "m"}
    assert len(sent) == 1


@needs_hooks
def test_a_state_without_a_mock_or_handler_is_reported_before_the_run() -> None:
    with pytest.raises(sfnkit.ResourceError, match="SQSState"):
        _run(MACHINE, {"x": 1}, "HybridPath")


@needs_hooks
def test_map_iterations_share_the_state_counter() -> None:
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "MaxConcurrency": 1,
                "End": True,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Work",
                    "States": {
                        "Work": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                            "Parameters": {"Bucket": "b", "Key.$": "$"},
                            "End": True,
                        }
                    },
                },
            }
        },
    }
    config = {
        "StateMachines": {"M": {"TestCases": {"T": {"Work": "Objects"}}}},
        "MockedResponses": {"Objects": {"0": {"Return": {"Body": "first"}}, "1-2": {"Return": {"Body": "later"}}}},
    }
    ex = _run(definition, ["a", "b", "c"], "T", config=config, name="M")
    assert ex.status == "SUCCEEDED"
    assert ex.output == [{"Body": "first"}, {"Body": "later"}, {"Body": "later"}]


@needs_hooks
def test_an_invocation_without_a_response_fails_the_execution_even_with_a_catch() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {},
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 5, "IntervalSeconds": 1}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Succeed"},
        },
    }
    config = {
        "StateMachines": {"M": {"TestCases": {"T": {"T": "Flaky"}}}},
        "MockedResponses": {"Flaky": {"0-1": {"Throw": {"Error": "SQS.Boom", "Cause": "no"}}}},
    }
    ex = _run(definition, {}, "T", config=config, name="M")
    assert ex.status == "FAILED" and ex.error == "States.Runtime"
    assert "no mocked response for invocation 2 of state 'T'" in str(ex.cause)


@needs_hooks
def test_a_mocked_wait_for_task_token_task_ends_with_its_response() -> None:
    definition = {
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                "End": True,
            }
        },
    }
    config = {
        "StateMachines": {"M": {"TestCases": {"T": {"Ask": "Approved"}}}},
        "MockedResponses": {"Approved": {"0": {"Return": {"approved": True}}}},
    }
    ex = _run(definition, {}, "T", config=config, name="M")
    assert (ex.status, ex.output, ex.pending_tokens) == ("SUCCEEDED", {"approved": True}, [])


# -- replaying a recorded execution ------------------------------------------------------------------------

FLAKY = {
    "StartAt": "Fetch",
    "States": {
        "Fetch": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:fetch",
            "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 3}],
            "Next": "Each",
        },
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "MaxConcurrency": 1,
            "Next": "Store",
            "ItemProcessor": {
                "StartAt": "Double",
                "States": {
                    "Double": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::lambda:invoke",
                        "Parameters": {"FunctionName": "double", "Payload.$": "$"},
                        "OutputPath": "$.Payload",
                        "End": True,
                    }
                },
            },
        },
        "Store": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName": "t", "Item": {"v": {"S.$": "States.JsonToString($)"}}},
            "End": True,
        },
    },
}


def _recorded() -> sfnkit.Execution:
    calls = {"fetch": 0}

    def fetch(event: Any) -> Any:
        calls["fetch"] += 1
        if calls["fetch"] < 3:
            raise sfnkit.TaskFailure("Flaky", "not yet")
        return {"items": [1, 2, 3]}

    return sfnkit.run(
        FLAKY,
        {},
        resources={
            "fetch": fetch,
            "double": lambda n: n * 2,
            "arn:aws:states:::dynamodb:putItem": lambda p: {"SdkHttpMetadata": {"HttpStatusCode": 200}},
        },
    )


def test_from_history_writes_one_invocation_per_attempt() -> None:
    ex = _recorded()
    assert ex.status == "SUCCEEDED"
    doc = from_history(ex.history, state_machine_name="Flaky", test_case_name="AsRecorded")
    config = MockConfig.load(doc)  # a valid configuration
    case = doc["StateMachines"]["Flaky"]["TestCases"]["AsRecorded"]
    assert set(case) == {"Fetch", "Double", "Store"}
    fetch = doc["MockedResponses"][case["Fetch"]]
    assert list(fetch) == ["0-1", "2"]  # two equal failures become a range
    assert fetch["0-1"]["Throw"]["Error"] == "Flaky"
    assert fetch["0-1"]["Throw"]["Cause"] == "not yet"
    assert fetch["2"] == {"Return": {"items": [1, 2, 3]}}
    double = doc["MockedResponses"][case["Double"]]
    assert [v["Return"]["Payload"] for v in double.values()] == [2, 4, 6]  # the whole Invoke response
    assert config.test_case("Flaky", "AsRecorded").handler_for("Store") is not None


@needs_hooks
def test_replaying_a_recorded_history_gives_the_same_execution() -> None:
    ex = _recorded()
    replay = sfnkit.run(
        FLAKY, {}, mocks=from_history(ex.history, test_case_name="R"), test_case="R", state_machine_name="StateMachine"
    )
    assert replay.status == ex.status and replay.output == ex.output
    assert [e.type for e in replay.history] == [e.type for e in ex.history]


def test_from_history_reads_an_aws_history_document() -> None:
    # GetExecutionHistory JSON as `aws stepfunctions get-execution-history` prints it
    aws = {
        "events": [
            {
                "timestamp": "2024-01-01T00:00:00Z",
                "type": "ExecutionStarted",
                "id": 1,
                "previousEventId": 0,
                "executionStartedEventDetails": {"input": "{}", "roleArn": "arn:aws:iam::1:role/r"},
            },
            {
                "timestamp": "2024-01-01T00:00:00Z",
                "type": "TaskStateEntered",
                "id": 2,
                "previousEventId": 0,
                "stateEnteredEventDetails": {"name": "Send", "input": "{}"},
            },
            {
                "timestamp": "2024-01-01T00:00:00Z",
                "type": "TaskScheduled",
                "id": 3,
                "previousEventId": 2,
                "taskScheduledEventDetails": {
                    "resourceType": "sqs",
                    "resource": "sendMessage",
                    "region": "us-east-1",
                    "parameters": "{}",
                },
            },
            {
                "timestamp": "2024-01-01T00:00:00Z",
                "type": "TaskStarted",
                "id": 4,
                "previousEventId": 3,
                "taskStartedEventDetails": {"resourceType": "sqs", "resource": "sendMessage"},
            },
            {
                "timestamp": "2024-01-01T00:00:01Z",
                "type": "TaskSucceeded",
                "id": 5,
                "previousEventId": 4,
                "taskSucceededEventDetails": {
                    "resourceType": "sqs",
                    "resource": "sendMessage",
                    "output": '{"MessageId":"m-1"}',
                },
            },
            {
                "timestamp": "2024-01-01T00:00:01Z",
                "type": "TaskStateExited",
                "id": 6,
                "previousEventId": 5,
                "stateExitedEventDetails": {"name": "Send", "output": '{"MessageId":"m-1"}'},
            },
            {
                "timestamp": "2024-01-01T00:00:01Z",
                "type": "ExecutionSucceeded",
                "id": 7,
                "previousEventId": 6,
                "executionSucceededEventDetails": {"output": '{"MessageId":"m-1"}'},
            },
        ]
    }
    doc = from_history(json.dumps(aws))
    assert doc == {
        "StateMachines": {"StateMachine": {"TestCases": {"Replay": {"Send": "SendReplay"}}}},
        "MockedResponses": {"SendReplay": {"0": {"Return": {"MessageId": "m-1"}}}},
    }
