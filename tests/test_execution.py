"""The ``Execution`` handle: ``sfnkit.start``, ``step()``, breakpoints, ``run(until=...)``, ``stop()``, what
happens when a handler raises, ``summary()``, ``visits`` (the debugger's data-flow stages) and ``repr``."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

import sfnkit
from sfnkit import TaskFailure, virtual_sleep

ACCOUNT = "123456789012"


def arn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"


def types(ex: sfnkit.Execution) -> list[str]:
    return [e.type for e in ex.history]


def entered(ex: sfnkit.Execution) -> list[str | None]:
    return [e.state_name for e in ex.history if e.type.endswith("StateEntered")]


LINEAR = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Result": {"n": 1}, "Next": "B"},
        "B": {"Type": "Task", "Resource": arn("f"), "Next": "C"},
        "C": {"Type": "Pass", "End": True},
    },
}

PARALLEL = {
    "StartAt": "P",
    "States": {
        "P": {
            "Type": "Parallel",
            "Next": "Z",
            "Branches": [
                {
                    "StartAt": "B1",
                    "States": {"B1": {"Type": "Pass", "Next": "B2"}, "B2": {"Type": "Pass", "End": True}},
                },
                {
                    "StartAt": "C1",
                    "States": {"C1": {"Type": "Pass", "Next": "C2"}, "C2": {"Type": "Pass", "End": True}},
                },
            ],
        },
        "Z": {"Type": "Pass", "End": True},
    },
}

MAP = {
    "StartAt": "M",
    "States": {
        "M": {
            "Type": "Map",
            "End": True,
            "ItemProcessor": {
                "StartAt": "I",
                "States": {"I": {"Type": "Pass", "Next": "J"}, "J": {"Type": "Pass", "End": True}},
            },
        }
    },
}

LOOP = {
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Result": {"i": 0}, "Next": "Loop"},
        "Loop": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "Check"},
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.i", "NumericLessThan": 3, "Next": "Loop"}],
            "Default": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def plus_one(event: Any) -> Any:
    return {"n": event["n"] + 1}


# ---------------------------------------------------------------------------------------------------------
# start and step


def test_start_is_paused_before_the_first_state() -> None:
    ex = sfnkit.start(LINEAR, {"x": 1}, resources={"f": plus_one})
    assert isinstance(ex, sfnkit.Execution)
    assert ex.status == "RUNNING"
    assert not ex.done
    assert ex.paused_at == "A"
    assert types(ex) == ["ExecutionStarted"]
    assert ex.history[0].input_value == {"x": 1}
    assert ex.visits == []
    assert ex.output is None


def test_start_accepts_a_loaded_state_machine_and_yaml() -> None:
    sm = sfnkit.load(LINEAR)
    assert sfnkit.start(sm, {}, resources={"f": plus_one}).paused_at == "A"
    yaml_text = "StartAt: Only\nStates:\n  Only:\n    Type: Pass\n    End: true\n"
    assert sfnkit.start(yaml_text).paused_at == "Only"


def test_step_runs_one_state_at_a_time() -> None:
    ex = sfnkit.start(LINEAR, {}, resources={"f": plus_one})
    ex.step()
    assert ex.paused_at == "B"
    assert types(ex) == ["ExecutionStarted", "PassStateEntered", "PassStateExited"]
    ex.step()
    assert ex.paused_at == "C"
    assert types(ex)[-1] == "TaskStateExited"
    assert ex.history[-1].output_value == {"n": 2}
    ex.step()
    assert ex.paused_at is None
    assert ex.status == "SUCCEEDED"
    assert ex.output == {"n": 2}
    # stepping a finished execution does nothing
    n = len(ex.history)
    assert ex.step() is ex
    assert len(ex.history) == n


def test_step_returns_the_execution_for_chaining() -> None:
    ex = sfnkit.start(LINEAR, {}, resources={"f": plus_one})
    assert ex.step().step().paused_at == "C"


def test_history_snapshots_do_not_grow() -> None:
    ex = sfnkit.start(LINEAR, {}, resources={"f": plus_one})
    before = ex.history
    ex.run()
    assert len(before) == 1
    assert len(ex.history) == 11


def test_stepping_gives_the_same_history_as_running_parallel() -> None:
    ran = sfnkit.run(PARALLEL, {"v": 1})
    stepped = sfnkit.start(PARALLEL, {"v": 1})
    while not stepped.done:
        stepped.step()
    assert stepped.history.to_boto() == ran.history.to_boto()


def test_stepping_gives_the_same_history_as_running_map() -> None:
    ran = sfnkit.run(MAP, [1, 2, 3])
    stepped = sfnkit.start(MAP, [1, 2, 3])
    while not stepped.done:
        stepped.step()
    assert stepped.history.to_boto() == ran.history.to_boto()


def test_step_inside_parallel_visits_branches_round_robin() -> None:
    ex = sfnkit.start(PARALLEL, {})
    seen = [ex.paused_at]
    while not ex.done:
        ex.step()
        seen.append(ex.paused_at)
    assert entered(sfnkit.run(PARALLEL, {})) == ["P", "B1", "C1", "B2", "C2", "Z"]
    assert seen == ["P", "B1", "C1", "B2", "C2", "Z", None]


def test_step_inside_map_stops_before_each_iteration_state() -> None:
    ex = sfnkit.start(MAP, [1, 2])
    seen = [ex.paused_at]
    while not ex.done:
        ex.step()
        seen.append(ex.paused_at)
    assert seen.count("I") == 2 and seen.count("J") == 2
    assert seen[0] == "M" and seen[-1] is None
    assert ex.output == [1, 2]


def test_step_with_a_wait_moves_the_virtual_clock() -> None:
    sm = {
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 60, "Next": "X"}, "X": {"Type": "Pass", "End": True}},
    }
    ex = sfnkit.start(sm, {})
    t0 = ex.clock.now()
    ex.step()
    assert ex.paused_at == "X"
    assert ex.clock.now() - t0 == 60


# ---------------------------------------------------------------------------------------------------------
# breakpoints and run(until=...)


def test_breakpoint_stops_before_the_state() -> None:
    ex = sfnkit.start(LINEAR, {}, resources={"f": plus_one}, breakpoints={"C"})
    ex.run()
    assert ex.status == "RUNNING"
    assert ex.paused_at == "C"
    assert entered(ex) == ["A", "B"]
    ex.run()
    assert ex.status == "SUCCEEDED"
    assert ex.paused_at is None


def test_breakpoint_on_the_first_state_does_not_stop_run_twice() -> None:
    ex = sfnkit.start(LINEAR, {}, resources={"f": plus_one}, breakpoints={"A"})
    assert ex.paused_at == "A"
    ex.run()
    assert ex.status == "SUCCEEDED"


def test_breakpoint_with_run_stops_at_every_visit() -> None:
    ex = sfnkit.start(LOOP, {}, breakpoints=["Loop"])
    stops = 0
    while True:
        ex.run()
        if ex.done:
            break
        assert ex.paused_at == "Loop"
        stops += 1
    assert stops == 3
    assert ex.output == {"i": 3}


def test_breakpoints_can_be_edited_between_runs() -> None:
    ex = sfnkit.start(LOOP, {}, breakpoints={"Loop"})
    ex.run()
    assert ex.paused_at == "Loop"
    ex.breakpoints.clear()
    ex.run()
    assert ex.status == "SUCCEEDED"


def test_breakpoint_given_to_run_directly() -> None:
    ex = sfnkit.run(LINEAR, {}, resources={"f": plus_one}, breakpoints={"B"})
    assert ex.paused_at == "B"
    assert ex.status == "RUNNING"


def test_breakpoint_inside_a_map_iteration() -> None:
    ex = sfnkit.start(MAP, [1, 2], breakpoints={"J"})
    ex.run()
    assert ex.paused_at == "J"
    ex.run()
    assert ex.paused_at == "J"
    ex.run()
    assert ex.status == "SUCCEEDED"


def test_conditional_breakpoint_none_means_always() -> None:
    ex = sfnkit.start(LINEAR, {}, resources={"f": plus_one}, breakpoints={"B": None})
    ex.run()
    assert ex.paused_at == "B"


def test_conditional_breakpoint_false_never_stops() -> None:
    ex = sfnkit.start(LINEAR, {}, resources={"f": plus_one}, breakpoints={"B": lambda _: False})
    ex.run()
    assert ex.status == "SUCCEEDED"


def test_conditional_breakpoint_on_the_state_input() -> None:
    """A condition is only useful if it can look at the data the state is about to receive: here, stop in the
    loop only on the pass where ``$.i`` is 2."""
    ex = sfnkit.start(LOOP, {}, breakpoints={"Loop": lambda data: data["i"] == 2})
    ex.run()
    assert ex.paused_at == "Loop"
    assert ex.history[-1].type == "ChoiceStateExited"
    assert ex.history[-1].output_value == {"i": 2}
    ex.run()
    assert ex.status == "SUCCEEDED"


def test_run_until_a_state() -> None:
    ex = sfnkit.start(LINEAR, {}, resources={"f": plus_one})
    ex.run(until="C")
    assert ex.paused_at == "C"
    assert entered(ex) == ["A", "B"]
    ex.run()  # until applies to one call only
    assert ex.status == "SUCCEEDED"


def test_run_until_a_state_that_is_never_reached_runs_to_the_end() -> None:
    ex = sfnkit.start(LINEAR, {}, resources={"f": plus_one})
    ex.run(until="Nowhere")
    assert ex.status == "SUCCEEDED"


def test_run_until_inside_a_map() -> None:
    ex = sfnkit.start(MAP, [1, 2])
    ex.run(until="J")
    assert ex.paused_at == "J"
    assert "MapStateExited" not in types(ex)


# ---------------------------------------------------------------------------------------------------------
# stop


def test_stop_aborts_and_keeps_the_history() -> None:
    ex = sfnkit.start(LINEAR, {}, resources={"f": plus_one}, breakpoints={"C"})
    ex.run()
    kept = types(ex)
    assert ex.stop() is ex
    assert ex.status == "ABORTED"
    assert ex.done
    assert types(ex) == [*kept, "ExecutionAborted"]
    assert ex.history.status == "ABORTED"
    assert ex.output is None
    # nothing more happens after a stop
    ex.run()
    ex.step()
    ex.stop()
    assert types(ex) == [*kept, "ExecutionAborted"]


def test_stop_with_error_and_cause() -> None:
    ex = sfnkit.start(LINEAR, {}, resources={"f": plus_one})
    ex.stop("Operator.Stop", "not needed")
    assert (ex.error, ex.cause) == ("Operator.Stop", "not needed")
    last = ex.history[-1]
    assert (last.type, last.error, last.cause) == ("ExecutionAborted", "Operator.Stop", "not needed")


def test_stop_right_after_start() -> None:
    ex = sfnkit.start(LINEAR, {}, resources={"f": plus_one})
    ex.stop()
    assert types(ex) == ["ExecutionStarted", "ExecutionAborted"]
    aborted = ex.history[1]
    assert aborted.previous_event_id == 0
    assert aborted.details is not None and dict(aborted.details) == {}  # AWS writes an empty details object


def test_execution_aborted_is_linked_to_event_zero() -> None:
    """Recorded on AWS (test_sfn_api__test_stop_execution, stopped during a Wait): ``ExecutionAborted`` has
    ``previousEventId`` 0 and empty details, whatever ran before the stop."""
    sm = {
        "StartAt": "State_1",
        "States": {
            "State_1": {"Type": "Wait", "Seconds": 60, "Next": "State_2"},
            "State_2": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": True},
        },
    }
    ex = sfnkit.start(sm, {}, breakpoints={"State_2"})
    ex.run()
    ex.stop()
    last = ex.history.to_boto()["events"][-1]
    assert last["type"] == "ExecutionAborted"
    assert last["previousEventId"] == 0
    assert last["executionAbortedEventDetails"] == {}


def test_stop_a_finished_execution_does_nothing() -> None:
    ex = sfnkit.run(LINEAR, {}, resources={"f": plus_one})
    ex.stop()
    assert ex.status == "SUCCEEDED"
    assert types(ex)[-1] == "ExecutionSucceeded"


def test_stop_while_waiting_on_a_task_token() -> None:
    res = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    sm = {
        "StartAt": "W",
        "States": {"W": {"Type": "Task", "Resource": res, "Parameters": {"MessageBody": "x"}, "End": True}},
    }
    ex = sfnkit.run(sm, {}, resources={res: lambda p: {}})
    token = ex.pending_tokens[0]
    ex.stop()
    assert ex.status == "ABORTED"
    assert ex.pending_tokens == []
    with pytest.raises(sfnkit.ExecutionStateError):
        ex.send_task_success(token, {})


def test_stop_in_a_parallel_keeps_every_branch_event() -> None:
    ex = sfnkit.start(PARALLEL, {}, breakpoints={"C2"})
    ex.run()
    kept = types(ex)
    ex.stop()
    assert types(ex)[: len(kept)] == kept
    assert types(ex)[-1] == "ExecutionAborted"


# ---------------------------------------------------------------------------------------------------------
# nothing a handler raises escapes run() or step()


def test_keyboard_interrupt_in_a_handler_aborts_during_run() -> None:
    def interrupted(event: Any) -> Any:
        raise KeyboardInterrupt

    ex = sfnkit.start(LINEAR, {}, resources={"f": interrupted})
    ex.run()  # must not raise
    assert ex.status == "ABORTED"
    assert ex.done
    assert ex.error == "KeyboardInterrupt"
    assert types(ex) == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "ExecutionAborted",
    ]


def test_keyboard_interrupt_in_a_handler_aborts_during_step() -> None:
    def interrupted(event: Any) -> Any:
        raise KeyboardInterrupt

    ex = sfnkit.start(LINEAR, {}, resources={"f": interrupted})
    ex.step()
    ex.step()  # must not raise
    assert ex.status == "ABORTED"
    assert types(ex)[-1] == "ExecutionAborted"


def test_keyboard_interrupt_from_sfnkit_run() -> None:
    def interrupted(event: Any) -> Any:
        raise KeyboardInterrupt

    ex = sfnkit.run(LINEAR, {}, resources={"f": interrupted})
    assert ex.status == "ABORTED"


def test_keyboard_interrupt_inside_parallel_records_aborted_states() -> None:
    def slow(event: Any) -> Any:
        virtual_sleep(10)
        return 1

    def interrupted(event: Any) -> Any:
        raise KeyboardInterrupt

    sm = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": True}}},
                    {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": arn("f"), "End": True}}},
                ],
            }
        },
    }
    ex = sfnkit.run(sm, {}, resources={"f": interrupted})
    assert ex.status == "ABORTED"
    t = types(ex)
    assert t[-1] == "ExecutionAborted"
    assert "WaitStateAborted" in t and "TaskStateAborted" in t
    assert "WaitStateExited" not in t


class CustomBaseError(BaseException):
    pass


BASE_EXCEPTIONS = [SystemExit(3), asyncio.CancelledError(), GeneratorExit(), CustomBaseError("odd")]


@pytest.mark.parametrize("exc", BASE_EXCEPTIONS, ids=lambda e: type(e).__name__)
def test_other_base_exceptions_never_escape_run(exc: BaseException) -> None:
    """A handler calling ``sys.exit()`` is a function error on Lambda (Runtime.ExitError), not the end of the
    notebook kernel: only KeyboardInterrupt is special (it aborts)."""

    def handler(event: Any) -> Any:
        raise exc

    ex = sfnkit.start(LINEAR, {}, resources={"f": handler})
    ex.run()
    assert ex.done
    assert ex.status in ("FAILED", "ABORTED")
    assert types(ex)[-1] in ("ExecutionFailed", "ExecutionAborted")


@pytest.mark.parametrize("exc", BASE_EXCEPTIONS, ids=lambda e: type(e).__name__)
def test_other_base_exceptions_never_escape_step(exc: BaseException) -> None:
    def handler(event: Any) -> Any:
        raise exc

    ex = sfnkit.start(LINEAR, {}, resources={"f": handler})
    ex.step()
    ex.step()
    assert ex.done


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("v"),
        RuntimeError("r"),
        StopIteration(1),
        RecursionError("deep"),
        MemoryError(),
        TaskFailure("My.Error", "mine"),
        ZeroDivisionError("z"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_exceptions_become_task_failures(exc: BaseException) -> None:
    def handler(event: Any) -> Any:
        raise exc

    ex = sfnkit.start(LINEAR, {}, resources={"f": handler})
    ex.step()
    ex.step()
    assert ex.status == "FAILED"
    expected = "My.Error" if isinstance(exc, TaskFailure) else type(exc).__name__
    assert ex.error == expected
    assert types(ex)[-2:] == ["LambdaFunctionFailed", "ExecutionFailed"]


def test_exception_in_a_map_iteration_becomes_a_failure() -> None:
    sm = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": arn("f"), "End": True}}},
            }
        },
    }
    ex = sfnkit.run(sm, [1, 0], resources={"f": lambda x: 1 / x})
    assert (ex.status, ex.error) == ("FAILED", "ZeroDivisionError")


# ---------------------------------------------------------------------------------------------------------
# summary and repr


def test_summary_of_a_success() -> None:
    sm = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 7, "End": True}}}
    ex = sfnkit.run(sm, {})
    assert ex.summary() == "SUCCEEDED in 7 s, 1 state transitions, 4 events"


def test_summary_of_a_failure() -> None:
    sm = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Oops", "Cause": "why"}}}
    assert sfnkit.run(sm, {}).summary() == "FAILED in 0 s, 1 state transitions, 3 events; error 'Oops': why"


def test_summary_of_a_long_run() -> None:
    sm = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5400, "End": True}}}
    assert sfnkit.run(sm, {}).summary().startswith("SUCCEEDED in 1.5 h, ")
    sm = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 90, "End": True}}}
    assert sfnkit.run(sm, {}).summary().startswith("SUCCEEDED in 1.5 min, ")
    sm = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 86400 * 3, "End": True}}}
    assert sfnkit.run(sm, {}).summary().startswith("SUCCEEDED in 3.0 days, ")


def test_summary_while_paused() -> None:
    ex = sfnkit.start(LINEAR, {}, resources={"f": plus_one})
    assert ex.summary() == "RUNNING in 0 s, 0 state transitions, 1 events; paused before 'A'"
    ex.step()
    assert ex.summary() == "RUNNING in 0 s, 1 state transitions, 3 events; paused before 'B'"


def test_summary_of_a_timeout() -> None:
    sm = {"TimeoutSeconds": 3, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": True}}}
    text = sfnkit.run(sm, {}).summary()
    assert text.startswith("TIMED_OUT in 3 s, 1 state transitions, 3 events")


def test_summary_of_a_plain_stop_says_nothing_about_a_missing_error() -> None:
    ex = sfnkit.start(LINEAR, {}, resources={"f": plus_one})
    ex.stop()
    text = ex.summary()
    assert text.startswith("ABORTED in 0 s, 0 state transitions, 2 events")
    assert "None" not in text


def test_repr() -> None:
    ex = sfnkit.run(LINEAR, {}, resources={"f": plus_one}, name="my-run")
    assert repr(ex) == "<Execution my-run: SUCCEEDED in 0 s, 3 state transitions, 11 events>"
    paused = sfnkit.start(LINEAR, {}, resources={"f": plus_one}, name="p")
    assert repr(paused) == "<Execution p: RUNNING in 0 s, 0 state transitions, 1 events; paused before 'A'>"


# ---------------------------------------------------------------------------------------------------------
# visits: the per-state data-flow stages


def test_task_visit_has_every_data_flow_stage() -> None:
    sm = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": arn("f"),
                "End": True,
                "InputPath": "$.in",
                "Parameters": {"n.$": "$.n", "k": 10},
                "ResultSelector": {"sum.$": "$.sum"},
                "ResultPath": "$.res",
                "OutputPath": "$.res",
            }
        },
    }
    ex = sfnkit.run(
        sm, {"in": {"n": 1, "drop": True}, "other": 0}, resources={"f": lambda e: {"sum": e["n"] + e["k"], "noise": 1}}
    )
    (visit,) = ex.visits
    assert visit.name == "T"
    assert visit.entered_event_id == 2
    assert visit.error is None
    assert visit.stages == {
        "input": {"in": {"n": 1, "drop": True}, "other": 0},
        "afterInputPath": {"n": 1, "drop": True},
        "afterParameters": {"n": 1, "k": 10},
        "result": {"sum": 11, "noise": 1},
        "afterResultSelector": {"sum": 11},
        "afterResultPath": {"in": {"n": 1, "drop": True}, "other": 0, "res": {"sum": 11}},
        "output": {"sum": 11},
    }


def test_pass_visit_stages() -> None:
    sm = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Pass", "End": True, "InputPath": "$.a", "Parameters": {"v.$": "$.v"}, "ResultPath": "$.r"}
        },
    }
    ex = sfnkit.run(sm, {"a": {"v": 1}})
    (visit,) = ex.visits
    stages = visit.stages
    assert stages["input"] == {"a": {"v": 1}}
    assert stages["afterInputPath"] == {"v": 1}
    assert stages["afterParameters"] == {"v": 1}
    # ResultPath writes into the state's raw input, not into the InputPath selection (ASL spec, "ResultPath")
    assert stages["afterResultPath"] == {"a": {"v": 1}, "r": {"v": 1}}
    assert stages["output"] == {"a": {"v": 1}, "r": {"v": 1}}


def test_visits_in_parallel_and_map() -> None:
    ex = sfnkit.run(PARALLEL, {"v": 1})
    assert [v.name for v in ex.visits] == ["P", "B1", "C1", "B2", "C2", "Z"]
    p = ex.visits[0]
    assert p.stages["result"] == [{"v": 1}, {"v": 1}]
    assert p.stages["output"] == [{"v": 1}, {"v": 1}]
    assert [v.branch_index for v in ex.visits[1:5]] == [0, 1, 0, 1]
    m = sfnkit.run(MAP, [5, 6])
    assert m.visits[0].name == "M"
    assert m.visits[0].stages["result"] == [5, 6]
    assert sorted(v.stages["input"] for v in m.visits if v.name == "I") == [5, 6]


def test_visit_of_a_failed_task_records_the_error() -> None:
    ex = sfnkit.run(LINEAR, {}, resources={"f": lambda e: (_ for _ in ()).throw(TaskFailure("E", "c"))})
    visit = ex.visits[-1]
    assert visit.name == "B"
    assert visit.error == ("E", "c")
    assert "output" not in visit.stages


def test_visit_of_a_choice_records_the_next_state() -> None:
    ex = sfnkit.run(LOOP, {})
    checks = [v for v in ex.visits if v.name == "Check"]
    assert [v.stages["next"] for v in checks] == ["Loop", "Loop", "Done"]


def test_visits_record_assigned_variables() -> None:
    sm = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"x": 1}, "End": True}}}
    (visit,) = sfnkit.run(sm, {}).visits
    assert visit.variables == {"x": 1}


def test_visits_are_kept_beside_the_history_not_in_it() -> None:
    ex = sfnkit.run(LINEAR, {}, resources={"f": plus_one})
    text = ex.history.to_json()
    assert "afterInputPath" not in text and "afterParameters" not in text


def test_keep_stages_false_records_no_visits() -> None:
    ex = sfnkit.run(LINEAR, {}, resources={"f": plus_one}, keep_stages=False)
    assert ex.status == "SUCCEEDED"
    assert ex.visits == []


def test_visits_grow_while_stepping() -> None:
    ex = sfnkit.start(LINEAR, {}, resources={"f": plus_one})
    assert [v.name for v in ex.visits] == []
    ex.step()
    assert [v.name for v in ex.visits] == ["A"]
    ex.step()
    assert [v.name for v in ex.visits] == ["A", "B"]


def test_visits_keep_the_variables_in_scope_and_the_scope() -> None:
    ex = sfnkit.run(
        {
            "StartAt": "Set",
            "States": {
                "Set": {"Type": "Pass", "Assign": {"a": 1}, "Next": "M"},
                "M": {
                    "Type": "Map",
                    "ItemProcessor": {"StartAt": "In", "States": {"In": {"Type": "Pass", "End": True}}},
                    "End": True,
                },
            },
        },
        [10, 20],
    )
    by_name = {(v.name, v.scope): v for v in ex.visits}
    assert by_name[("Set", ())].variables_before == {}
    assert by_name[("Set", ())].variables == {"a": 1}
    assert by_name[("In", (("M", 1),))].variables_before == {"a": 1}


def test_wall_clock_really_waits() -> None:
    import time

    start = time.time()
    ex = sfnkit.run(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}, {}, clock=sfnkit.WallClock()
    )
    elapsed = time.time() - start
    assert ex.status == "SUCCEEDED"
    assert elapsed >= 1.0
    first, last = ex.history[0].timestamp.timestamp(), ex.history[-1].timestamp.timestamp()
    assert abs(first - start) < 5 and last - first >= 1.0


def test_summary_counts_state_transitions_as_the_views_do() -> None:
    """repr/summary count transitions as the run goes (O(1)); the count is views.state_transitions'."""
    from sfnkit.history.views import state_transitions

    calls = {"n": 0}

    def flaky(event: object) -> object:
        calls["n"] += 1
        if calls["n"] % 3:
            raise sfnkit.TaskFailure("Busy", "try again")
        return event

    retry = [{"ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 5}]
    definition = {
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "Retry": retry,
                  "Next": "M"},
            "M": {"Type": "Map", "ItemsPath": "$.items", "Retry": retry, "Next": "P",
                  "ItemProcessor": {"StartAt": "U", "States": {"U": {
                      "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": True}}}},
            "P": {"Type": "Pass", "End": True},
        },
    }  # fmt: skip
    ex = sfnkit.run(definition, {"items": [1, 2]}, resources={"f": flaky})
    n = state_transitions(ex.history)
    assert n > len([e for e in ex.history if e.type.endswith("StateEntered")])  # retries counted
    assert f", {n} state transitions," in ex.summary() and f"{n} state transitions" in repr(ex)


# -- options ---------------------------------------------------------------------------------------------------


def test_options_are_the_keywords_as_given() -> None:
    resources = {"f": lambda event: event}
    ex = sfnkit.start(LINEAR, {"x": 1}, resources=resources, seed=3, region="eu-west-1", keep_stages=False,
                      breakpoints=["C"], child_histories="none")  # fmt: skip
    options = ex.options
    assert isinstance(options, sfnkit.ExecutionOptions)
    assert options.resources is resources and options.seed == 3 and options.region == "eu-west-1"
    assert options.keep_stages is False and options.breakpoints == ["C"] and options.child_histories == "none"
    # as given, not as made: no clock and no name were given (the execution made a virtual clock and a name)
    assert options.clock is None and options.name is None and ex.name
    with pytest.raises(AttributeError):
        ex.options = options  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.seed = 4  # type: ignore[misc]
    assert options.replace(seed=4).seed == 4 and options.seed == 3
    # the keywords start the same execution again
    again = sfnkit.Execution(ex.state_machine, ex.input, **options.keywords()).run()
    assert again.history.to_boto() == ex.run().history.to_boto()
    assert again.options == options


def test_options_hold_each_keyword_in_its_own_field(tmp_path: Path) -> None:
    given: dict[str, Any] = {
        "resources": {"f": plus_one}, "seed": 9, "clock": sfnkit.VirtualClock(1_900_000_000), "name": "n1",
        "account": "111122223333", "region": "ap-south-1", "type": "EXPRESS", "role_arn": "arn:aws:iam::1:role/r",
        "state_machine_name": "Machine", "breakpoints": {"C": None}, "missing_resources": "fail",
        "keep_stages": False, "break_on_error": True, "storage": tmp_path, "mocks": None, "test_case": None,
        "child_histories": "failed", "services": None,
    }  # fmt: skip
    assert set(given) == {f.name for f in dataclasses.fields(sfnkit.ExecutionOptions)}
    assert sfnkit.start(LINEAR, {"n": 1}, **given).options.keywords() == given


def test_options_of_an_execution_sent_from_a_worker_process() -> None:
    """``run_many(processes=N)``: the parent's executions show the options a serial batch's do; the caller's
    objects that cannot travel (here a MockConfig) are the parent's own."""
    from sfnkit.runtime.mocks import MockConfig

    config = MockConfig.load({"StateMachines": {"M": {"TestCases": {"T": {"B": "R"}}}},
                              "MockedResponses": {"R": {"0": {"Return": {"mocked": True}}}}})  # fmt: skip
    resources = sfnkit.Resources({"f": lambda event: event})
    keywords: dict[str, Any] = {"resources": resources, "seed": 5, "progress": False, "region": "eu-west-3",
                                "mocks": config, "test_case": "T", "state_machine_name": "M",
                                "storage": {"data": "/nonexistent"}}  # fmt: skip
    serial = sfnkit.run_many(LINEAR, 3, **keywords)
    parallel = sfnkit.run_many(LINEAR, 3, processes=2, **keywords)
    assert [ex.output for ex in parallel] == [ex.output for ex in serial] == [{"mocked": True}] * 3
    assert [ex.options for ex in parallel] == [ex.options for ex in serial]
    assert [ex.options.seed for ex in parallel] == [5, 6, 7]
    assert parallel[0].options.mocks is config and parallel[0].options.resources is resources
    # finished_state() alone sends the plain data only: the receiving side puts back what it holds
    state = serial[0].finished_state()
    assert state["_options"].mocks is None and state["_options"].resources is None
    assert state["_options"].storage == {"data": "/nonexistent"}
    rebuilt = sfnkit.Execution.from_finished_state(state, serial[0].state_machine, resources)
    assert rebuilt.options == serial[0].options.replace(mocks=None)
