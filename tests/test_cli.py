"""The ``sfnkit`` command, run in-process through :func:`sfnkit.cli.main`.

Exit codes: 0 success, 1 the definition has errors, 2 bad command-line usage.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

import sfnkit
from sfnkit.cli import main

GOOD: dict[str, Any] = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
BROKEN_TEXT = '{\n  "StartAt": "A",\n  "States": {\n    "A": {"Type": "Pass", "Nxt": "B", "End": true}\n  }\n}\n'
WARNED: dict[str, Any] = {
    "StartAt": "T",
    "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": True}},
}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {
        "good": tmp_path / "good.asl.json",
        "broken": tmp_path / "broken.asl.json",
        "warned": tmp_path / "warned.json",
        "yaml": tmp_path / "good.yaml",
        "bad_yaml": tmp_path / "bad.yml",
    }
    out["good"].write_text(json.dumps(GOOD))
    out["broken"].write_text(BROKEN_TEXT)
    out["warned"].write_text(json.dumps(WARNED))
    out["yaml"].write_text("StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n")
    out["bad_yaml"].write_text("StartAt: A\nStates:\n  A: {Type: Pass\n")
    return out


def test_validate_a_good_file(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(files["good"])]) == 0
    out = capsys.readouterr().out
    assert out == f"{files['good']}: OK (0 errors, 0 warnings)\n"


def test_validate_yaml(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(files["yaml"])]) == 0
    assert "OK (0 errors" in capsys.readouterr().out


def test_validate_a_broken_file_prints_compiler_style_lines(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(files["broken"])]) == 1
    lines = capsys.readouterr().out.splitlines()
    path = re.escape(str(files["broken"]))
    assert re.fullmatch(
        path + r':4:27: error SCHEMA_VALIDATION_FAILED /States/A/Nxt: unknown field "Nxt" in a Pass state; '
        r'did you mean "Next"\?',
        lines[0],
    ), lines[0]
    assert lines[-1] == f"{files['broken']}: INVALID (1 error, 0 warnings)"


def test_file_line_col_format_for_every_diagnostic(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    main(["validate", str(files["bad_yaml"])])
    first = capsys.readouterr().out.splitlines()[0]
    assert re.match(
        re.escape(str(files["bad_yaml"])) + r":\d+:\d+: error INVALID_JSON_DESCRIPTION malformed YAML", first
    ), first


def test_warnings_alone_exit_zero(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(files["warned"])]) == 0
    out = capsys.readouterr().out
    assert re.search(r":1:\d+: warning SFNKIT_TASK_WITHOUT_TIMEOUT /States/T: ", out), out
    assert "OK (0 errors, 1 warning)" in out


def test_several_files_fail_if_any_fails(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(files["good"]), str(files["broken"]), str(files["yaml"])]) == 1
    out = capsys.readouterr().out
    assert out.count(": OK (") == 2 and out.count(": INVALID (") == 1


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.txt"  # any suffix: a command-line argument is always a file
    assert main(["validate", str(missing)]) == 1
    assert f"{missing}: error INVALID_JSON_DESCRIPTION cannot read" in capsys.readouterr().out


def test_format_json(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--format", "json", str(files["good"]), str(files["broken"])]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [r["file"] for r in report] == [str(files["good"]), str(files["broken"])]
    assert [r["valid"] for r in report] == [True, False]
    assert report[0]["diagnostics"] == []
    (d,) = report[1]["diagnostics"]
    assert d == {
        "severity": "ERROR",
        "code": "SCHEMA_VALIDATION_FAILED",
        "location": "/States/A/Nxt",
        "line": 4,
        "column": 27,
        "message": 'unknown field "Nxt" in a Pass state; did you mean "Next"?',
    }


def test_format_json_when_everything_is_valid(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--format=json", str(files["warned"])]) == 0
    (r,) = json.loads(capsys.readouterr().out)
    assert r["valid"] is True and [d["severity"] for d in r["diagnostics"]] == ["WARNING"]


def test_validate_reads_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(BROKEN_TEXT))
    assert main(["validate", "-"]) == 1
    assert capsys.readouterr().out.startswith("-:4:27: error SCHEMA_VALIDATION_FAILED")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"sfnkit {sfnkit.__version__}"


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "validate" in capsys.readouterr().out


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["validate"], ["validate", "--format", "xml", "f.json"], ["frobnicate"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
    capsys.readouterr()


def test_demo_exits_zero(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report = tmp_path / "demo.html"
    assert main(["demo", "--runs", "20", "--report", str(report)]) == 0
    assert report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    out = capsys.readouterr().out
    assert out.startswith(f"sfnkit {sfnkit.__version__} demo")
    assert "Validation: 0 errors" in out


def test_run_with_report_and_report_of_a_history_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    definition = tmp_path / "m.asl.json"
    definition.write_text('{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "End": true}}}')
    out_html = tmp_path / "run.html"
    assert main(["run", str(definition), "--input", '{"a": 1}', "--report", str(out_html)]) == 0
    assert "report written to" in capsys.readouterr().out
    assert out_html.exists()
    history = tmp_path / "history.json"
    history.write_text(sfnkit.run(sfnkit.load(definition), {}).history.to_json())
    assert main(["report", str(history), "-o", str(tmp_path / "h.html")]) == 0
    assert (tmp_path / "h.html").exists()
    assert main(["report", str(tmp_path / "nope.json")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_run_reports_missing_handlers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    definition = tmp_path / "t.asl.json"
    definition.write_text(
        '{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "End": true}}}'
    )
    assert main(["run", str(definition)]) == 1
    assert "has no handler" in capsys.readouterr().err
    assert main(["run", str(definition), "--missing-fail"]) == 1
    assert "Lambda.ResourceNotFoundException" in capsys.readouterr().out


def test_run_saves_the_history_and_report_draws_the_graph_with_the_definition(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    definition = tmp_path / "m.asl.json"
    definition.write_text('{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "End": true}}}')
    saved = tmp_path / "h.json"
    assert main(["run", str(definition), "--save-history", str(saved)]) == 0
    assert f"history written to {saved}" in capsys.readouterr().out
    history = sfnkit.History.from_boto(saved)  # the file is to_json(): AWS CLI's shape, datetimes as text
    assert history[0].type == "ExecutionStarted" and history.status == "SUCCEEDED"
    assert main(["report", str(saved), "-o", str(tmp_path / "bare.html")]) == 0
    assert "add --definition FILE" in capsys.readouterr().err
    assert "sfnkit report HISTORY.json --definition FILE" in (tmp_path / "bare.html").read_text()
    assert main(["report", str(saved), "--definition", str(definition), "-o", str(tmp_path / "g.html")]) == 0
    page = (tmp_path / "g.html").read_text()
    assert "data:image/svg+xml;base64," in page and "No graph" not in page


def test_resources_load_from_the_current_folder_and_the_hint_names_cli_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    definition = tmp_path / "t.asl.json"
    definition.write_text(
        '{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "End": true}}}'
    )
    (tmp_path / "my_cli_handlers.py").write_text("HANDLERS = {'f': lambda event: {'ok': event}}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])  # as the console script
    assert main(["run", "t.asl.json", "--input", '{"a": 1}', "--resources", "my_cli_handlers:HANDLERS"]) == 0
    assert '"ok"' in capsys.readouterr().out
    assert main(["run", "t.asl.json"]) == 1
    err = capsys.readouterr().err
    assert "has no handler" in err and "--resources MODULE:ATTR" in err and "--missing-fail" in err
    assert "resources={" not in err  # no Python advice on the command line
