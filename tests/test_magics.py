"""The IPython magics, driven through a real InteractiveShell."""

from __future__ import annotations

from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

import sfnkit


@pytest.fixture(scope="module")
def shell() -> Any:
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "sfnkit")
    return ip


DEFINITION = """{
  "StartAt": "Hello",
  "States": {"Hello": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('Hello, {}!', $.name)"}, "End": true}}
}"""


def test_asl_defines_a_state_machine_and_sfn_runs_it(shell: Any, capsys: Any) -> None:
    sm = shell.run_cell_magic("asl", "hello", DEFINITION)
    assert isinstance(sm, sfnkit.StateMachine)
    assert shell.user_ns["hello"] is sm
    ex = shell.run_line_magic("sfn", """run hello --input '{"name": "Ada"}'""")
    assert ex.status == "SUCCEEDED"
    assert ex.output == {"greeting": "Hello, Ada!"}
    assert shell.user_ns["hello_execution"] is ex


def test_asl_in_yaml(shell: Any) -> None:
    sm = shell.run_cell_magic("asl", "y", "StartAt: A\nStates:\n  A:\n    Type: Succeed\n")
    assert sm.start_at == "A"


def test_asl_with_errors_prints_diagnostics_and_defines_nothing(shell: Any, capsys: Any) -> None:
    shell.user_ns.pop("broken", None)
    out = shell.run_cell_magic("asl", "broken", '{"StartAt": "A", "States": {"A": {"Type": "Pass", "Nxt": "B"}}}')
    assert out is None
    text = capsys.readouterr().out
    assert 'unknown field "Nxt"' in text and 'did you mean "Next"' in text
    assert "broken was not defined" in text
    assert "broken" not in shell.user_ns


def test_sfn_run_with_resources_from_a_variable(shell: Any) -> None:
    shell.user_ns["handlers"] = {"double": lambda event: event["x"] * 2}
    shell.run_cell_magic(
        "asl",
        "calc",
        '{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:double", "End": true}}}',
    )
    ex = shell.run_line_magic("sfn", "run calc --input '{\"x\": 21}' --resources handlers")
    assert ex.output == 42


def test_sfn_usage_errors_are_one_line_messages(shell: Any, capsys: Any) -> None:
    assert shell.run_line_magic("sfn", "run nothing_here") is None
    assert "define it with %%asl nothing_here" in capsys.readouterr().out
    assert shell.run_line_magic("sfn", "run hello --input '{not json'") is None
    assert "--input must be JSON text" in capsys.readouterr().out
    assert shell.run_line_magic("sfn", "") is None
    assert "usage: %sfn run" in capsys.readouterr().out


def test_sfn_validate(shell: Any, capsys: Any) -> None:
    shell.user_ns["raw"] = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}
    shell.run_line_magic("sfn", "validate raw")
    text = capsys.readouterr().out
    assert "MISSING_TRANSITION_TARGET" in text and "raw: INVALID" in text


def test_jsonata_cell(shell: Any) -> None:
    shell.user_ns["order"] = {"items": [{"price": 2, "qty": 3}, {"price": 1, "qty": 4}]}
    assert shell.run_cell_magic("jsonata", "--input order", "$sum($states.input.items.(price * qty))") == 10
    assert shell.run_cell_magic("jsonata", "", '--input {"a": 5}\n$states.input.a + 1') == 6


def test_jsonata_errors_are_messages(shell: Any, capsys: Any) -> None:
    assert shell.run_cell_magic("jsonata", "", "$states.input.(") is None
    assert "invalid JSONata expression" in capsys.readouterr().out
    assert shell.run_cell_magic("jsonata", "", "$nothing") is None
    assert "returned nothing (undefined)" in capsys.readouterr().out


def test_jsonpath_cell(shell: Any, capsys: Any) -> None:
    shell.user_ns["doc"] = {"a": [{"b": 1}, {"b": 2}], "name": "x"}
    assert shell.run_cell_magic("jsonpath", "--input doc", "$.a[1].b") == 2
    assert shell.run_cell_magic("jsonpath", "--input doc", "$.a[*].b") == [1, 2]
    assert shell.run_cell_magic("jsonpath", "--input doc", "States.Format('{}-{}', $.name, $.a[0].b)") == "x-1"
    assert shell.run_cell_magic("jsonpath", "--input doc", '{"first.$": "$.a[0]", "k": 1}') == {
        "first": {"b": 1},
        "k": 1,
    }
    assert shell.run_cell_magic("jsonpath", "--input doc", "$.missing") is None
    assert "no match" in capsys.readouterr().out
    assert shell.run_cell_magic("jsonpath", "--input doc", "$.a[") is None
    assert "^" in capsys.readouterr().out
