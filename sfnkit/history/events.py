"""The execution-history event types of AWS Step Functions, as literal data.

This module owns the *names* of history events and where each keeps its details. It implements no ASL
section itself: the event vocabulary is AWS's, from the ``HistoryEventType`` enumeration and the
``HistoryEvent`` structure of botocore's ``stepfunctions`` service model (API version 2016-11-23). The
table below was generated once from that model at development time (botocore 1.44.8) and is checked
against it by ``tests/test_history.py``; nothing here reads botocore at import time.

For each event type, the table gives:

* ``details_key``: the member of ``HistoryEvent`` that holds the event's details
  (``TaskStateEntered`` -> ``stateEnteredEventDetails``, ``LambdaFunctionScheduled`` ->
  ``lambdaFunctionScheduledEventDetails``), or ``None`` for the types AWS sends without details
  (``LambdaFunctionStarted``, ``ParallelStateStarted``, ``MapStateSucceeded``, ``TaskStateAborted``, ...);
* ``details_shape``: the botocore shape of that member (several types share ``MapIterationEventDetails``);
* ``state_type``: the ASL state type for the ``<Type>State...`` events (``"Task"`` for
  ``TaskStateEntered``/``TaskStateExited``/``TaskStateAborted``), else ``None``.

``JSON_TEXT_FIELDS`` and ``JSON_TEXT_MAP_FIELDS`` list the details fields that AWS stores as JSON *text*
(``input``, ``output``: shape ``SensitiveData``; ``parameters``: ``ConnectorParameters``; the values of
``assignedVariables``), with the ``...Details`` sibling (``{"truncated": false}``) AWS sends beside them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from sfnkit.frozen import frozen

__all__ = [
    "ACTIVITY_FAILED",
    "ACTIVITY_SCHEDULED",
    "ACTIVITY_SCHEDULE_FAILED",
    "ACTIVITY_STARTED",
    "ACTIVITY_SUCCEEDED",
    "ACTIVITY_TIMED_OUT",
    "ATTEMPT_FAILED_TYPES",
    "ATTEMPT_KIND",
    "ATTEMPT_SCHEDULED_TYPES",
    "ATTEMPT_STARTED_TYPES",
    "ATTEMPT_SUCCEEDED_TYPES",
    "ATTEMPT_TIMED_OUT_TYPES",
    "BY_NAME",
    "CHOICE_STATE_ENTERED",
    "CHOICE_STATE_EXITED",
    "DETAILS_KEY",
    "EVALUATION_FAILED",
    "EVENT_TYPES",
    "EVENT_TYPE_NAMES",
    "EXECUTION_ABORTED",
    "EXECUTION_END_TYPES",
    "EXECUTION_FAILED",
    "EXECUTION_REDRIVEN",
    "EXECUTION_STARTED",
    "EXECUTION_SUCCEEDED",
    "EXECUTION_TIMED_OUT",
    "FAILURE_TYPES",
    "FAIL_STATE_ENTERED",
    "JSON_TEXT_FIELDS",
    "JSON_TEXT_MAP_FIELDS",
    "LAMBDA_FUNCTION_FAILED",
    "LAMBDA_FUNCTION_SCHEDULED",
    "LAMBDA_FUNCTION_SCHEDULE_FAILED",
    "LAMBDA_FUNCTION_STARTED",
    "LAMBDA_FUNCTION_START_FAILED",
    "LAMBDA_FUNCTION_SUCCEEDED",
    "LAMBDA_FUNCTION_TIMED_OUT",
    "MAP_ITERATION_ABORTED",
    "MAP_ITERATION_FAILED",
    "MAP_ITERATION_STARTED",
    "MAP_ITERATION_SUCCEEDED",
    "MAP_ITERATION_TYPES",
    "MAP_RUN_ABORTED",
    "MAP_RUN_FAILED",
    "MAP_RUN_REDRIVEN",
    "MAP_RUN_STARTED",
    "MAP_RUN_SUCCEEDED",
    "MAP_STATE_ABORTED",
    "MAP_STATE_ENTERED",
    "MAP_STATE_EXITED",
    "MAP_STATE_FAILED",
    "MAP_STATE_STARTED",
    "MAP_STATE_SUCCEEDED",
    "PARALLEL_STATE_ABORTED",
    "PARALLEL_STATE_ENTERED",
    "PARALLEL_STATE_EXITED",
    "PARALLEL_STATE_FAILED",
    "PARALLEL_STATE_STARTED",
    "PARALLEL_STATE_SUCCEEDED",
    "PASS_STATE_ENTERED",
    "PASS_STATE_EXITED",
    "STATE_ABORTED",
    "STATE_ABORTED_TYPES",
    "STATE_ENTERED",
    "STATE_ENTERED_TYPES",
    "STATE_EXITED",
    "STATE_EXITED_TYPES",
    "STATE_FAILED",
    "STATE_TYPES",
    "SUCCEED_STATE_ENTERED",
    "SUCCEED_STATE_EXITED",
    "TASK_FAILED",
    "TASK_SCHEDULED",
    "TASK_STARTED",
    "TASK_START_FAILED",
    "TASK_STATE_ABORTED",
    "TASK_STATE_ENTERED",
    "TASK_STATE_EXITED",
    "TASK_SUBMITTED",
    "TASK_SUBMIT_FAILED",
    "TASK_SUCCEEDED",
    "TASK_TIMED_OUT",
    "WAIT_STATE_ABORTED",
    "WAIT_STATE_ENTERED",
    "WAIT_STATE_EXITED",
    "EventType",
    "details_key_for",
    "state_type_of",
]


@frozen(kw_only=False)  # not @dataclass, which compiles its methods at import (sfnkit/frozen.py)
class EventType:
    """One row of the table: an event type name and where its details live."""

    name: str
    details_key: str | None
    details_shape: str | None
    state_type: str | None


# --- generated from botocore (stepfunctions 2016-11-23); the constant names are the types in UPPER_SNAKE ---
ACTIVITY_FAILED: Final = "ActivityFailed"
ACTIVITY_SCHEDULED: Final = "ActivityScheduled"
ACTIVITY_SCHEDULE_FAILED: Final = "ActivityScheduleFailed"
ACTIVITY_STARTED: Final = "ActivityStarted"
ACTIVITY_SUCCEEDED: Final = "ActivitySucceeded"
ACTIVITY_TIMED_OUT: Final = "ActivityTimedOut"
CHOICE_STATE_ENTERED: Final = "ChoiceStateEntered"
CHOICE_STATE_EXITED: Final = "ChoiceStateExited"
EXECUTION_ABORTED: Final = "ExecutionAborted"
EXECUTION_FAILED: Final = "ExecutionFailed"
EXECUTION_STARTED: Final = "ExecutionStarted"
EXECUTION_SUCCEEDED: Final = "ExecutionSucceeded"
EXECUTION_TIMED_OUT: Final = "ExecutionTimedOut"
FAIL_STATE_ENTERED: Final = "FailStateEntered"
LAMBDA_FUNCTION_FAILED: Final = "LambdaFunctionFailed"
LAMBDA_FUNCTION_SCHEDULED: Final = "LambdaFunctionScheduled"
LAMBDA_FUNCTION_SCHEDULE_FAILED: Final = "LambdaFunctionScheduleFailed"
LAMBDA_FUNCTION_STARTED: Final = "LambdaFunctionStarted"
LAMBDA_FUNCTION_START_FAILED: Final = "LambdaFunctionStartFailed"
LAMBDA_FUNCTION_SUCCEEDED: Final = "LambdaFunctionSucceeded"
LAMBDA_FUNCTION_TIMED_OUT: Final = "LambdaFunctionTimedOut"
MAP_ITERATION_ABORTED: Final = "MapIterationAborted"
MAP_ITERATION_FAILED: Final = "MapIterationFailed"
MAP_ITERATION_STARTED: Final = "MapIterationStarted"
MAP_ITERATION_SUCCEEDED: Final = "MapIterationSucceeded"
MAP_STATE_ABORTED: Final = "MapStateAborted"
MAP_STATE_ENTERED: Final = "MapStateEntered"
MAP_STATE_EXITED: Final = "MapStateExited"
MAP_STATE_FAILED: Final = "MapStateFailed"
MAP_STATE_STARTED: Final = "MapStateStarted"
MAP_STATE_SUCCEEDED: Final = "MapStateSucceeded"
PARALLEL_STATE_ABORTED: Final = "ParallelStateAborted"
PARALLEL_STATE_ENTERED: Final = "ParallelStateEntered"
PARALLEL_STATE_EXITED: Final = "ParallelStateExited"
PARALLEL_STATE_FAILED: Final = "ParallelStateFailed"
PARALLEL_STATE_STARTED: Final = "ParallelStateStarted"
PARALLEL_STATE_SUCCEEDED: Final = "ParallelStateSucceeded"
PASS_STATE_ENTERED: Final = "PassStateEntered"
PASS_STATE_EXITED: Final = "PassStateExited"
SUCCEED_STATE_ENTERED: Final = "SucceedStateEntered"
SUCCEED_STATE_EXITED: Final = "SucceedStateExited"
TASK_FAILED: Final = "TaskFailed"
TASK_SCHEDULED: Final = "TaskScheduled"
TASK_STARTED: Final = "TaskStarted"
TASK_START_FAILED: Final = "TaskStartFailed"
TASK_STATE_ABORTED: Final = "TaskStateAborted"
TASK_STATE_ENTERED: Final = "TaskStateEntered"
TASK_STATE_EXITED: Final = "TaskStateExited"
TASK_SUBMIT_FAILED: Final = "TaskSubmitFailed"
TASK_SUBMITTED: Final = "TaskSubmitted"
TASK_SUCCEEDED: Final = "TaskSucceeded"
TASK_TIMED_OUT: Final = "TaskTimedOut"
WAIT_STATE_ABORTED: Final = "WaitStateAborted"
WAIT_STATE_ENTERED: Final = "WaitStateEntered"
WAIT_STATE_EXITED: Final = "WaitStateExited"
MAP_RUN_ABORTED: Final = "MapRunAborted"
MAP_RUN_FAILED: Final = "MapRunFailed"
MAP_RUN_STARTED: Final = "MapRunStarted"
MAP_RUN_SUCCEEDED: Final = "MapRunSucceeded"
EXECUTION_REDRIVEN: Final = "ExecutionRedriven"
MAP_RUN_REDRIVEN: Final = "MapRunRedriven"
EVALUATION_FAILED: Final = "EvaluationFailed"

EVENT_TYPES: Final[tuple[EventType, ...]] = (
    EventType(ACTIVITY_FAILED, "activityFailedEventDetails", "ActivityFailedEventDetails", None),
    EventType(ACTIVITY_SCHEDULED, "activityScheduledEventDetails", "ActivityScheduledEventDetails", None),
    EventType(
        ACTIVITY_SCHEDULE_FAILED, "activityScheduleFailedEventDetails", "ActivityScheduleFailedEventDetails", None
    ),
    EventType(ACTIVITY_STARTED, "activityStartedEventDetails", "ActivityStartedEventDetails", None),
    EventType(ACTIVITY_SUCCEEDED, "activitySucceededEventDetails", "ActivitySucceededEventDetails", None),
    EventType(ACTIVITY_TIMED_OUT, "activityTimedOutEventDetails", "ActivityTimedOutEventDetails", None),
    EventType(CHOICE_STATE_ENTERED, "stateEnteredEventDetails", "StateEnteredEventDetails", "Choice"),
    EventType(CHOICE_STATE_EXITED, "stateExitedEventDetails", "StateExitedEventDetails", "Choice"),
    EventType(EXECUTION_ABORTED, "executionAbortedEventDetails", "ExecutionAbortedEventDetails", None),
    EventType(EXECUTION_FAILED, "executionFailedEventDetails", "ExecutionFailedEventDetails", None),
    EventType(EXECUTION_STARTED, "executionStartedEventDetails", "ExecutionStartedEventDetails", None),
    EventType(EXECUTION_SUCCEEDED, "executionSucceededEventDetails", "ExecutionSucceededEventDetails", None),
    EventType(EXECUTION_TIMED_OUT, "executionTimedOutEventDetails", "ExecutionTimedOutEventDetails", None),
    EventType(FAIL_STATE_ENTERED, "stateEnteredEventDetails", "StateEnteredEventDetails", "Fail"),
    EventType(LAMBDA_FUNCTION_FAILED, "lambdaFunctionFailedEventDetails", "LambdaFunctionFailedEventDetails", None),
    EventType(
        LAMBDA_FUNCTION_SCHEDULED, "lambdaFunctionScheduledEventDetails", "LambdaFunctionScheduledEventDetails", None
    ),
    EventType(
        LAMBDA_FUNCTION_SCHEDULE_FAILED,
        "lambdaFunctionScheduleFailedEventDetails",
        "LambdaFunctionScheduleFailedEventDetails",
        None,
    ),
    EventType(LAMBDA_FUNCTION_STARTED, None, None, None),
    EventType(
        LAMBDA_FUNCTION_START_FAILED,
        "lambdaFunctionStartFailedEventDetails",
        "LambdaFunctionStartFailedEventDetails",
        None,
    ),
    EventType(
        LAMBDA_FUNCTION_SUCCEEDED, "lambdaFunctionSucceededEventDetails", "LambdaFunctionSucceededEventDetails", None
    ),
    EventType(
        LAMBDA_FUNCTION_TIMED_OUT, "lambdaFunctionTimedOutEventDetails", "LambdaFunctionTimedOutEventDetails", None
    ),
    EventType(MAP_ITERATION_ABORTED, "mapIterationAbortedEventDetails", "MapIterationEventDetails", None),
    EventType(MAP_ITERATION_FAILED, "mapIterationFailedEventDetails", "MapIterationEventDetails", None),
    EventType(MAP_ITERATION_STARTED, "mapIterationStartedEventDetails", "MapIterationEventDetails", None),
    EventType(MAP_ITERATION_SUCCEEDED, "mapIterationSucceededEventDetails", "MapIterationEventDetails", None),
    EventType(MAP_STATE_ABORTED, None, None, "Map"),
    EventType(MAP_STATE_ENTERED, "stateEnteredEventDetails", "StateEnteredEventDetails", "Map"),
    EventType(MAP_STATE_EXITED, "stateExitedEventDetails", "StateExitedEventDetails", "Map"),
    EventType(MAP_STATE_FAILED, None, None, "Map"),
    EventType(MAP_STATE_STARTED, "mapStateStartedEventDetails", "MapStateStartedEventDetails", "Map"),
    EventType(MAP_STATE_SUCCEEDED, None, None, "Map"),
    EventType(PARALLEL_STATE_ABORTED, None, None, "Parallel"),
    EventType(PARALLEL_STATE_ENTERED, "stateEnteredEventDetails", "StateEnteredEventDetails", "Parallel"),
    EventType(PARALLEL_STATE_EXITED, "stateExitedEventDetails", "StateExitedEventDetails", "Parallel"),
    EventType(PARALLEL_STATE_FAILED, None, None, "Parallel"),
    EventType(PARALLEL_STATE_STARTED, None, None, "Parallel"),
    EventType(PARALLEL_STATE_SUCCEEDED, None, None, "Parallel"),
    EventType(PASS_STATE_ENTERED, "stateEnteredEventDetails", "StateEnteredEventDetails", "Pass"),
    EventType(PASS_STATE_EXITED, "stateExitedEventDetails", "StateExitedEventDetails", "Pass"),
    EventType(SUCCEED_STATE_ENTERED, "stateEnteredEventDetails", "StateEnteredEventDetails", "Succeed"),
    EventType(SUCCEED_STATE_EXITED, "stateExitedEventDetails", "StateExitedEventDetails", "Succeed"),
    EventType(TASK_FAILED, "taskFailedEventDetails", "TaskFailedEventDetails", None),
    EventType(TASK_SCHEDULED, "taskScheduledEventDetails", "TaskScheduledEventDetails", None),
    EventType(TASK_STARTED, "taskStartedEventDetails", "TaskStartedEventDetails", None),
    EventType(TASK_START_FAILED, "taskStartFailedEventDetails", "TaskStartFailedEventDetails", None),
    EventType(TASK_STATE_ABORTED, None, None, "Task"),
    EventType(TASK_STATE_ENTERED, "stateEnteredEventDetails", "StateEnteredEventDetails", "Task"),
    EventType(TASK_STATE_EXITED, "stateExitedEventDetails", "StateExitedEventDetails", "Task"),
    EventType(TASK_SUBMIT_FAILED, "taskSubmitFailedEventDetails", "TaskSubmitFailedEventDetails", None),
    EventType(TASK_SUBMITTED, "taskSubmittedEventDetails", "TaskSubmittedEventDetails", None),
    EventType(TASK_SUCCEEDED, "taskSucceededEventDetails", "TaskSucceededEventDetails", None),
    EventType(TASK_TIMED_OUT, "taskTimedOutEventDetails", "TaskTimedOutEventDetails", None),
    EventType(WAIT_STATE_ABORTED, None, None, "Wait"),
    EventType(WAIT_STATE_ENTERED, "stateEnteredEventDetails", "StateEnteredEventDetails", "Wait"),
    EventType(WAIT_STATE_EXITED, "stateExitedEventDetails", "StateExitedEventDetails", "Wait"),
    EventType(MAP_RUN_ABORTED, None, None, None),
    EventType(MAP_RUN_FAILED, "mapRunFailedEventDetails", "MapRunFailedEventDetails", None),
    EventType(MAP_RUN_STARTED, "mapRunStartedEventDetails", "MapRunStartedEventDetails", None),
    EventType(MAP_RUN_SUCCEEDED, None, None, None),
    EventType(EXECUTION_REDRIVEN, "executionRedrivenEventDetails", "ExecutionRedrivenEventDetails", None),
    EventType(MAP_RUN_REDRIVEN, "mapRunRedrivenEventDetails", "MapRunRedrivenEventDetails", None),
    EventType(EVALUATION_FAILED, "evaluationFailedEventDetails", "EvaluationFailedEventDetails", None),
)

EVENT_TYPE_NAMES: Final[frozenset[str]] = frozenset(t.name for t in EVENT_TYPES)
BY_NAME: Final[Mapping[str, EventType]] = {t.name: t for t in EVENT_TYPES}
DETAILS_KEY: Final[Mapping[str, str | None]] = {t.name: t.details_key for t in EVENT_TYPES}

# Details fields whose values are JSON text, with the sibling AWS adds ({"truncated": false}), per details key.
JSON_TEXT_FIELDS: Final[Mapping[str, tuple[tuple[str, str | None], ...]]] = {
    "activityScheduledEventDetails": (("input", "inputDetails"),),
    "activitySucceededEventDetails": (("output", "outputDetails"),),
    "taskScheduledEventDetails": (("parameters", None),),
    "taskSubmittedEventDetails": (("output", "outputDetails"),),
    "taskSucceededEventDetails": (("output", "outputDetails"),),
    "executionStartedEventDetails": (("input", "inputDetails"),),
    "executionSucceededEventDetails": (("output", "outputDetails"),),
    "lambdaFunctionScheduledEventDetails": (("input", "inputDetails"),),
    "lambdaFunctionSucceededEventDetails": (("output", "outputDetails"),),
    "stateEnteredEventDetails": (("input", "inputDetails"),),
    "stateExitedEventDetails": (("output", "outputDetails"),),
}
# Details fields that are maps whose *values* are JSON text (variable name -> JSON text of its value).
JSON_TEXT_MAP_FIELDS: Final[Mapping[str, tuple[tuple[str, str | None], ...]]] = {
    "stateExitedEventDetails": (("assignedVariables", "assignedVariablesDetails"),),
}

# ASL state types, and the event each emits when entered, exited and aborted (a Fail state never exits;
# only Task, Wait, Map and Parallel states have an "...Aborted" event).
STATE_TYPES: Final[tuple[str, ...]] = ("Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Map", "Parallel")
STATE_ENTERED: Final[Mapping[str, str]] = {
    "Task": TASK_STATE_ENTERED,
    "Pass": PASS_STATE_ENTERED,
    "Choice": CHOICE_STATE_ENTERED,
    "Wait": WAIT_STATE_ENTERED,
    "Succeed": SUCCEED_STATE_ENTERED,
    "Fail": FAIL_STATE_ENTERED,
    "Map": MAP_STATE_ENTERED,
    "Parallel": PARALLEL_STATE_ENTERED,
}
STATE_EXITED: Final[Mapping[str, str]] = {
    "Task": TASK_STATE_EXITED,
    "Pass": PASS_STATE_EXITED,
    "Choice": CHOICE_STATE_EXITED,
    "Wait": WAIT_STATE_EXITED,
    "Succeed": SUCCEED_STATE_EXITED,
    "Map": MAP_STATE_EXITED,
    "Parallel": PARALLEL_STATE_EXITED,
}
STATE_ABORTED: Final[Mapping[str, str]] = {
    "Task": TASK_STATE_ABORTED,
    "Wait": WAIT_STATE_ABORTED,
    "Map": MAP_STATE_ABORTED,
    "Parallel": PARALLEL_STATE_ABORTED,
}

# Only Map and Parallel states record a "...StateFailed" event (when their failure ends them).
STATE_FAILED: Final[Mapping[str, str]] = {"Map": MAP_STATE_FAILED, "Parallel": PARALLEL_STATE_FAILED}

STATE_ENTERED_TYPES: Final[frozenset[str]] = frozenset(STATE_ENTERED.values())
STATE_EXITED_TYPES: Final[frozenset[str]] = frozenset(STATE_EXITED.values())
STATE_ABORTED_TYPES: Final[frozenset[str]] = frozenset(STATE_ABORTED.values())

# The events that end an execution, and the execution status each gives (DescribeExecution's words).
EXECUTION_END_TYPES: Final[Mapping[str, str]] = {
    EXECUTION_SUCCEEDED: "SUCCEEDED",
    EXECUTION_FAILED: "FAILED",
    EXECUTION_TIMED_OUT: "TIMED_OUT",
    EXECUTION_ABORTED: "ABORTED",
}

# Families of the events that make up one attempt of a Task state (a retry schedules a new attempt).
# Resource kinds: "task" (optimised / SDK integrations), "lambda" (a Lambda ARN as Resource), "activity".
ATTEMPT_KIND: Final[Mapping[str, str]] = {
    **dict.fromkeys(
        (
            TASK_SCHEDULED,
            TASK_STARTED,
            TASK_START_FAILED,
            TASK_SUBMITTED,
            TASK_SUBMIT_FAILED,
            TASK_SUCCEEDED,
            TASK_FAILED,
            TASK_TIMED_OUT,
        ),
        "task",
    ),
    **dict.fromkeys(
        (
            LAMBDA_FUNCTION_SCHEDULED,
            LAMBDA_FUNCTION_SCHEDULE_FAILED,
            LAMBDA_FUNCTION_STARTED,
            LAMBDA_FUNCTION_START_FAILED,
            LAMBDA_FUNCTION_SUCCEEDED,
            LAMBDA_FUNCTION_FAILED,
            LAMBDA_FUNCTION_TIMED_OUT,
        ),
        "lambda",
    ),
    **dict.fromkeys(
        (
            ACTIVITY_SCHEDULED,
            ACTIVITY_SCHEDULE_FAILED,
            ACTIVITY_STARTED,
            ACTIVITY_SUCCEEDED,
            ACTIVITY_FAILED,
            ACTIVITY_TIMED_OUT,
        ),
        "activity",
    ),
}
ATTEMPT_SCHEDULED_TYPES: Final[frozenset[str]] = frozenset(
    (TASK_SCHEDULED, LAMBDA_FUNCTION_SCHEDULED, ACTIVITY_SCHEDULED)
)
ATTEMPT_STARTED_TYPES: Final[frozenset[str]] = frozenset((TASK_STARTED, LAMBDA_FUNCTION_STARTED, ACTIVITY_STARTED))
ATTEMPT_SUCCEEDED_TYPES: Final[frozenset[str]] = frozenset(
    (TASK_SUCCEEDED, LAMBDA_FUNCTION_SUCCEEDED, ACTIVITY_SUCCEEDED)
)
ATTEMPT_TIMED_OUT_TYPES: Final[frozenset[str]] = frozenset(
    (TASK_TIMED_OUT, LAMBDA_FUNCTION_TIMED_OUT, ACTIVITY_TIMED_OUT)
)
ATTEMPT_FAILED_TYPES: Final[frozenset[str]] = frozenset(
    (
        TASK_FAILED,
        TASK_START_FAILED,
        TASK_SUBMIT_FAILED,
        LAMBDA_FUNCTION_FAILED,
        LAMBDA_FUNCTION_START_FAILED,
        LAMBDA_FUNCTION_SCHEDULE_FAILED,
        ACTIVITY_FAILED,
        ACTIVITY_SCHEDULE_FAILED,
    )
)
MAP_ITERATION_TYPES: Final[frozenset[str]] = frozenset(
    (MAP_ITERATION_STARTED, MAP_ITERATION_SUCCEEDED, MAP_ITERATION_FAILED, MAP_ITERATION_ABORTED)
)
# Events that report a failure (their details carry error/cause, except the Map/Parallel ones).
FAILURE_TYPES: Final[frozenset[str]] = (
    ATTEMPT_FAILED_TYPES
    | ATTEMPT_TIMED_OUT_TYPES
    | frozenset(
        (
            EVALUATION_FAILED,
            MAP_RUN_FAILED,
            MAP_ITERATION_FAILED,
            MAP_STATE_FAILED,
            PARALLEL_STATE_FAILED,
            EXECUTION_FAILED,
            EXECUTION_TIMED_OUT,
        )
    )
)


def details_key_for(event_type: str) -> str | None:
    """The ``HistoryEvent`` member holding the details of ``event_type``.

    Known types come from the table. A type this table does not know (AWS adds types from time to time)
    follows AWS's naming rule: ``<Type>StateEntered``/``<Type>StateExited`` use ``stateEnteredEventDetails``/
    ``stateExitedEventDetails``, any other ``FooBar`` uses ``fooBarEventDetails``.
    """
    try:
        return DETAILS_KEY[event_type]
    except KeyError:
        pass
    if event_type.endswith("StateEntered"):
        return "stateEnteredEventDetails"
    if event_type.endswith("StateExited"):
        return "stateExitedEventDetails"
    return event_type[:1].lower() + event_type[1:] + "EventDetails" if event_type else None


def state_type_of(event_type: str) -> str | None:
    """The ASL state type of a ``<Type>State...`` event (``"Map"`` for ``MapStateStarted``), else ``None``."""
    row = BY_NAME.get(event_type)
    if row is not None:
        return row.state_type
    for state_type in STATE_TYPES:
        if event_type.startswith(state_type + "State"):
            return state_type
    return None
