"""Issue 13: lone surrogates where the issue's regression tests did not put them (found by checking each bullet
of the issue against the tests): in a *state name* (the timeline's labels, which commit 3f6183f left open, the
report tables and the HTML report) and in a Fail state's Error/Cause (``repr(ex)``, the debugger's data)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import sfnkit

sys.path.insert(0, str(Path(__file__).parent))
from _read_all import read_everything
from test_runtime_properties import check_ids, check_time

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f"


def test_a_lone_surrogate_in_state_names_is_read_by_every_view(tmp_path: Path) -> None:
    first, second = "Step \ud800", "Then \udfff"  # legal in JSON text as escapes, so legal state names
    definition = {
        "StartAt": first,
        "States": {
            first: {"Type": "Task", "Resource": ARN, "Next": second, "Retry": [{"ErrorEquals": ["States.ALL"]}]},
            second: {"Type": "Fail", "Error": "Bad \ud83d", "Cause": "lone \udc00"},
        },
    }
    calls: list[Any] = []

    def f(event: Any) -> Any:
        calls.append(event)
        if len(calls) == 1:
            raise ValueError("once \ud800")
        return event

    ex = sfnkit.run(definition, {"k": "\ud800"}, resources={"f": f})
    assert (ex.status, ex.error) == ("FAILED", "Bad \\ud83d")  # as the history reads it
    # text fields of the history keep a lone surrogate as its JSON escape (encodable everywhere), which a JSON
    # reader turns back into the name
    names = [e.state_name for e in ex.history if e.type.endswith("StateEntered")]
    assert [json.loads(f'"{n}"') for n in names] == [first, second]
    check_ids(ex.history)
    check_time(ex.history)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sfnkit import reports

    for plot in (reports.timeline, reports.durations, reports.retries_failures):
        plot(ex.history)
        plt.close("all")
    for name in ("events", "states", "attempts", "failures", "errors", "overview", "summary"):
        frame = getattr(reports, name)(ex.history)
        # the tables write the name as the history's JSON text does, so they can be saved as UTF-8
        frame.to_csv(tmp_path / f"{name}.csv")
        frame.to_html().encode("utf-8")
    reports.html(ex, tmp_path / "report.html")
    repr(ex).encode("utf-8")
    ex.summary().encode("utf-8")


def test_a_fail_state_with_a_lone_surrogate_keeps_repr_and_summary_readable(tmp_path: Path) -> None:
    """Found by this test file: a Fail state's Error/Cause (a literal, or ErrorPath/CausePath into the data) with
    a lone surrogate left ``ex.error``/``ex.cause`` without a UTF-8 form, so ``repr(ex)`` could not be shown;
    they now read as the history reads them."""
    literal = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E\ud800", "Cause": "c\udc00"}}}
    from_data = {"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}}}
    for ex in (sfnkit.run(literal, {}), sfnkit.run(from_data, {"e": "E\ud800", "c": "c\udc00"})):
        assert (ex.error, ex.cause) == ("E\\ud800", "c\\udc00") == (ex.history[-1].error, ex.history[-1].cause)
        read_everything(ex, tmp_path, full=True)
    batch = sfnkit.run_many(literal, 2, progress=False)
    repr(batch).encode("utf-8")
    repr(batch.summary()).encode("utf-8")
