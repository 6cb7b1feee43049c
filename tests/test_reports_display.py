"""How report frames display (compact durations, readable wide tables), cost's Express limit and total, and the
one definition of "state transitions" that every summary, the CLI and the HTML report print."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from datetime import timedelta
from pathlib import Path

import pytest

pd = pytest.importorskip("pandas")

import sfnkit  # noqa: E402
from sfnkit import demo, examples, reports  # noqa: E402
from sfnkit.history import views  # noqa: E402
from sfnkit.reports._display import ReportFrame, compact_duration  # noqa: E402
from sfnkit.views import display  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ORDER = sfnkit.load(examples.definition("order_pipeline"))
WAIT = {
    "StartAt": "Work",
    "States": {
        "Work": {"Type": "Pass", "Next": "Sleep"},
        "Sleep": {"Type": "Wait", "SecondsPath": "$.seconds", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}


def test_compact_durations() -> None:
    assert compact_duration(timedelta(seconds=0.65)) == "0.65 s"
    assert compact_duration(timedelta(seconds=1.2)) == "1.2 s"
    assert compact_duration(timedelta(seconds=41.5)) == "41.5 s"
    assert compact_duration(timedelta(minutes=25, seconds=43)) == "25m43s"
    assert compact_duration(timedelta(hours=3, minutes=5)) == "3h05m"
    assert compact_duration(timedelta(days=1)) == "1d00h"
    assert compact_duration(timedelta(0)) == "0 s"
    assert compact_duration(pd.NaT) == ""


def test_every_frame_displays_durations_compactly_and_keeps_timedelta_dtypes() -> None:
    ex = sfnkit.run(ORDER, demo.ORDER, resources=demo.resources())
    batch = sfnkit.run_many(ORDER, [demo.ORDER] * 3, resources=demo.resources(), progress=False)
    assert batch.counts() == {"SUCCEEDED": 3}
    made = [
        reports.events(ex), reports.states(ex), reports.attempts(ex), reports.failures(ex), reports.errors(ex),
        reports.overview(batch), reports.summary(batch), reports.cost(batch),
    ]  # fmt: skip
    for frame in made:
        assert isinstance(frame, ReportFrame) and isinstance(frame, pd.DataFrame)
        tds = [c for c in frame.columns if pd.api.types.is_timedelta64_dtype(frame[c].dtype)]
        html = frame._repr_html_()
        assert "days" not in html and "0 days 00:" not in html
        assert html.count('class="sfnkit-frame"') == 1 and "overflow-x:auto" in html  # wide tables scroll
        for c in tds:
            assert str(frame[c].dtype) == "timedelta64[us]"  # the data is untouched
    summary = reports.summary(batch)
    # operations keep the display; the 24-hour wait shows as 1d00h, not "1 days 00:00:00"
    top = summary.sort_values("p95", ascending=False)[["state", "p95", "max"]]
    assert isinstance(top, ReportFrame)
    assert "1d00h" in top._repr_html_() and top["max"].max() >= pd.Timedelta(days=1)
    assert summary["total"].sum() > pd.Timedelta(0)  # still timedeltas for computation


def test_cost_warns_about_runs_too_long_for_express_and_totals() -> None:
    runs = [sfnkit.run(WAIT, {"seconds": s}) for s in (30, 43 * 60, 24 * 3600)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cost = reports.cost(runs)
    assert any("longer than 5 minutes" in str(w.message) for w in caught)
    assert cost["express_usd"].notna().tolist() == [True, False, False]  # priced what is possible
    assert cost["standard_usd"].notna().all()
    total = cost.attrs["sfnkit_total"]
    assert total["transitions"] == int(cost["transitions"].sum()) == 9
    assert total["express_usd"] == pytest.approx(float(cost["express_usd"].iloc[0]))
    assert total["standard_usd"] == pytest.approx(float(cost["standard_usd"].sum()))
    html = cost._repr_html_()
    assert "⚠ 2 of 3 executions ran longer than 5 minutes" in html
    assert re.search(r"<th>total</th>\s*<td></td>\s*<td>3 executions</td>\s*<td>9</td>", html)
    assert len(cost) == 3  # the data keeps one row per execution
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        short = reports.cost(runs[0])  # nothing to warn about
    assert short.attrs["sfnkit_notes"] == ()


def test_state_transitions_have_one_definition_everywhere(tmp_path: Path) -> None:
    ex = sfnkit.run(ORDER, demo.ORDER, resources=demo.resources())
    spans = views.spans(ex.history)
    n = views.state_transitions(ex.history)
    assert n == len(spans) + sum(s.retries for s in spans) and sum(s.retries for s in spans) == 2
    assert f"{n} state transitions" in ex.summary()
    assert f"{n} state transitions" in display.execution_text(ex).replace("\n", " ") or n == 0
    assert int(reports.overview(ex)["transitions"].iloc[0]) == n == reports.transitions(ex.history)
    assert int(reports.cost(ex)["transitions"].iloc[0]) == n
    page = reports.html(ex, tmp_path / "r.html").read_text(encoding="utf-8")
    assert f"{n} state transitions" in page
    # the CLI prints the same count
    (tmp_path / "sm.json").write_text(json.dumps(ORDER.definition), encoding="utf-8")
    (tmp_path / "handlers.py").write_text("from sfnkit import demo\nHANDLERS = demo.resources()\n", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "sfnkit", "run", "sm.json", "--input", json.dumps(demo.ORDER),
         "--resources", "handlers:HANDLERS"],
        cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert f"{n} state transitions" in out.stdout
