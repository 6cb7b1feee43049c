"""The self-contained HTML report (escaping, nothing external, graph or a note) and the cost estimate."""

from __future__ import annotations

import base64
import dataclasses
import math
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

pd = pytest.importorskip("pandas")
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import sfnkit  # noqa: E402
from sfnkit import reports  # noqa: E402
from sfnkit.batch import run_many  # noqa: E402
from tests.test_reports_data import (  # noqa: E402
    FLAKY,
    MAP_CATCH_RETRY,
    PIPELINE,
    aws_history,
    flaky_handlers,
    needs_cases,
    run_pipeline,
)

EVIL_STATE = "<script>alert('state')</script>"
EVIL = {
    "Comment": "names and data that try to break out of the page",
    "StartAt": EVIL_STATE,
    "States": {
        EVIL_STATE: {"Type": "Pass", "Next": "Boom"},
        "Boom": {
            "Type": "Fail",
            "Error": "Err<script>alert('error')</script>",
            "Cause": "<img src=x onerror=alert(1)>",
        },
    },
}
EVIL_INPUT = {"note": "</td></table><script>alert('input')</script>", "quote": '" onmouseover="alert(2)'}


class _Page(HTMLParser):
    """Collects tags, attributes and text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((tag, name, value) for name, value in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> tuple[str, _Page]:
    text = path.read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    return text, page


def assert_self_contained(text: str, page: _Page) -> None:
    assert "script" not in page.tags
    assert not {"link", "iframe", "object", "embed", "base"} & set(page.tags)
    for tag, name, value in page.attrs:
        assert not name.startswith("on"), (tag, name)  # no event handlers
        if name in ("src", "href"):
            # data: URIs, or links to a section of the same page (the contents list): nothing is loaded
            assert value is not None and value.startswith(("data:", "#")), (tag, name, value[:40] if value else value)
    assert "@import" not in text and "url(" not in text
    assert re.search(r"<script", text, re.IGNORECASE) is None


def test_names_and_data_are_escaped_everywhere(tmp_path: Path) -> None:
    ex = sfnkit.run(EVIL, EVIL_INPUT)
    assert ex.status == "FAILED"
    path = reports.html(ex, tmp_path / "evil.html")
    text, page = parse(path)
    assert_self_contained(text, page)
    body = "".join(page.text)
    # the text is all there, as text
    assert EVIL_STATE in body
    assert "Err<script>alert('error')</script>" in body
    assert "<img src=x onerror=alert(1)>" in body
    assert "</td></table><script>alert('input')</script>" in body
    assert "&lt;script&gt;alert(&#x27;state&#x27;)&lt;/script&gt;" in text
    # the graph is an image, and the SVG inside it escapes the names too
    svg_uri = [v for t, n, v in page.attrs if t == "img" and n == "src" and v and v.startswith("data:image/svg+xml")]
    if svg_uri:
        svg = base64.b64decode(svg_uri[0].split(",", 1)[1]).decode("utf-8")
        assert "<script" not in svg.lower()
        assert "&lt;script&gt;" in svg


def test_report_of_one_execution(tmp_path: Path) -> None:
    ex = run_pipeline()
    text, page = parse(reports.html(ex, tmp_path / "one.html", title="Pipeline <run 1>"))
    assert_self_contained(text, page)
    assert "<title>Pipeline &lt;run 1&gt;</title>" in text
    headings = [h for h in re.findall(r"<h[23]>(.*?)</h[23]>", text)]
    assert headings == [
        "Per-state summary",  # first: which state did what
        "State machine",
        "Execution",
        "Errors",
        "Cost estimate",
        "Total",
        "Execution",
        "Timeline",
        "Events (58)",
    ]
    # a contents list links every section; each section folds; the long event table starts folded
    toc = re.findall(r'<li><a href="#([a-z]+)">', text)
    assert toc == ["states", "graph", "execution", "errors", "cost", "timeline", "events"]
    for key in toc:
        assert f'<details class="section" id="{key}"' in text
    assert '<details class="section" id="events">' in text and '<details class="section" id="states" open>' in text
    pngs = [v for t, n, v in page.attrs if t == "img" and n == "src" and v and v.startswith("data:image/png;base64,")]
    assert len(pngs) == 1  # the timeline
    assert base64.b64decode(pngs[0].split(",", 1)[1]).startswith(b"\x89PNG")
    # the event table: 58 events, one row each
    events_table = text.split("<h2>Events (58)</h2>", 1)[1]
    assert events_table.count("<tr>") == 1 + 58
    assert "Model.BelowThreshold" in events_table
    assert "41.5 s" in text


def test_report_of_a_batch(tmp_path: Path) -> None:
    batch = run_many(FLAKY, 40, resources=flaky_handlers(), seed=100, progress=False)
    assert batch.counts() == {"SUCCEEDED": 39, "FAILED": 1} and batch.statuses[30] == "FAILED"
    path = batch.html(tmp_path / "batch.html")
    text, page = parse(path)
    assert_self_contained(text, page)
    assert "40 executions: 39 SUCCEEDED, 1 FAILED; " in text
    headings = re.findall(r"<h[23]>(.*?)</h[23]>", text)
    assert headings[:7] == [
        "Per-state summary", "State machine", "Executions", "Errors", "Cost estimate", "Total", "Plots",
    ]  # fmt: skip
    assert headings[7].startswith("Events of the slowest execution (#35)")
    assert '<details class="section" id="executions">' in text  # 40 rows: folded
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", text)
    assert captions[-4:] == [
        "durations per state",
        "errors by state",
        "timeline of the slowest execution (#35)",
        "timeline of the first failed execution (#30)",
    ]
    executions_table = text.split("<h2>Executions</h2>", 1)[1].split("</table>", 1)[0]
    assert executions_table.count("<tr>") == 1 + 40
    assert executions_table.count('<td class="status-FAILED">FAILED</td>') == 1


def test_without_the_renderer_the_report_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sfnkit.views.render", None)  # import sfnkit.views.render -> ImportError
    import sfnkit.views

    monkeypatch.delattr(sfnkit.views, "render", raising=False)
    text, page = parse(reports.html(run_pipeline(), tmp_path / "no-render.html"))
    assert_self_contained(text, page)
    assert "No graph: the SVG renderer (sfnkit.views.render.svg) is not available here" in text
    assert "data:image/svg+xml" not in text


@needs_cases
def test_report_of_an_aws_history_has_no_graph(tmp_path: Path) -> None:
    text, page = parse(reports.html(aws_history(MAP_CATCH_RETRY), tmp_path / "aws.html"))
    assert_self_contained(text, page)
    assert "No graph: the report was given histories only" in text
    assert "States.QueryEvaluationError" in text


def test_graph_colours_come_from_the_renderer(tmp_path: Path) -> None:
    render = pytest.importorskip("sfnkit.views.render")
    seen: list[dict[str, str]] = []

    def fake_svg(sm: Any, status: Any = None, **kwargs: Any) -> str:
        seen.append(dict(status))
        return '<svg xmlns="http://www.w3.org/2000/svg"><text>ok</text></svg>'

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(render, "svg", fake_svg)
        reports.html(run_pipeline(), tmp_path / "one.html")
        reports.html(
            [run_pipeline(), sfnkit.run(PIPELINE, {}, resources={}, missing_resources="fail")], tmp_path / "two.html"
        )
    assert seen[0] == {
        "Prepare": "succeeded", "Features": "succeeded", "Clean": "succeeded", "Cooldown": "succeeded",
        "Embed": "succeeded", "Train": "succeeded", "Fit": "retried", "Evaluate": "caught", "Report": "succeeded",
    }  # fmt: skip
    # across executions the worst outcome wins: the second run failed in Prepare and ran nothing else
    assert seen[1]["Prepare"] == "failed" and seen[1]["Fit"] == "retried" and seen[1]["Report"] == "succeeded"


# ---------------------------------------------------------------------------------------------------------
# cost


def test_cost_of_the_local_pipeline() -> None:
    ex = run_pipeline()
    df = reports.cost(ex)
    assert list(df.columns) == [
        "status", "transitions", "duration", "billed_duration", "memory_mb", "billed_memory_mb", "standard_usd",
        "express_usd",
    ]  # fmt: skip
    row = df.iloc[0]
    assert row["transitions"] == 12  # 11 states entered + 1 retry
    assert row["standard_usd"] == pytest.approx(12 * 0.025 / 1000)
    assert row["duration"] == row["billed_duration"] == pd.Timedelta(seconds=41.5)
    assert row["billed_memory_mb"] == 64
    # 50 MB + the definition + the largest payload (132 bytes) x (3 iterations + 2 branches)
    definition = len(sfnkit.load(PIPELINE).to_json(indent=None).replace(", ", ",").replace(": ", ":").encode())
    assert row["memory_mb"] == pytest.approx(50 + (definition + 132 * 5) / 2**20, rel=1e-3)
    assert row["express_usd"] == pytest.approx(1e-6 + 41.5 * 64 / 1024 * 0.06 / 3600)
    assert df.attrs["prices"] is reports.PRICES


def test_cost_rounds_express_duration_up_and_takes_overrides() -> None:
    ex = sfnkit.run({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}})
    h = ex.history
    prices = dataclasses.replace(reports.PRICES, standard_per_transition=0.001, express_per_request=0.0)
    df = reports.cost([h, h], prices=prices, memory_mb=200)
    assert df["execution"].tolist() == [0, 1]
    assert df["transitions"].tolist() == [1, 1]
    assert df["standard_usd"].tolist() == [0.001, 0.001]
    assert df["billed_memory_mb"].tolist() == [256, 256]  # 200 MB -> 4 chunks of 64 MB
    assert df["express_usd"].iloc[0] == pytest.approx(1.0 * 256 / 1024 * 0.06 / 3600)
    assert df.attrs["prices"] is prices
    instant = reports.cost(sfnkit.run({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))
    assert instant["billed_duration"].iloc[0] == pd.Timedelta(milliseconds=100)  # billed at least 100 ms


def test_express_duration_tiers() -> None:
    p = reports.PRICES
    assert p.as_of and p.region == "us-east-1"
    assert p.express_duration_usd(3600 * 1000) == pytest.approx(60.0)  # the first 1,000 GB-hours at $0.06
    assert p.express_duration_usd(3600 * 1001) == pytest.approx(60.03)
    assert p.express_duration_usd(3600 * 6000) == pytest.approx(60 + 120 + 1000 * 0.01642)
    assert p.express_gb_second_tiers[-1][0] == math.inf


def test_transitions_count_retries(batch_size: int = 10) -> None:
    batch = run_many(FLAKY, batch_size, resources=flaky_handlers(), seed=5, progress=False)
    states = reports.states(batch)
    per_execution = states.groupby("execution").size() + states.groupby("execution")["retries"].sum()
    assert [reports.transitions(h) for h in batch.histories] == per_execution.tolist()
    assert reports.cost(batch)["transitions"].tolist() == per_execution.tolist()


def test_lone_surrogates_in_state_names_and_errors_do_not_break_the_report(tmp_path: Path) -> None:
    import sfnkit
    from sfnkit import reports

    name = "A\ud800"  # legal in JSON text as an escape, so a legal state name
    sm = {"StartAt": name, "States": {name: {"Type": "Task", "End": True,
                                             "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f"}}}  # fmt: skip

    def f(event: object) -> object:
        raise sfnkit.TaskFailure("E\udfff", "cause")

    batch = sfnkit.run_many(sm, 3, resources={"f": f}, progress=False)
    out = reports.html(batch, tmp_path / "report.html")
    text = out.read_text("utf-8", "surrogatepass")
    # the names are there (as they are, 3 bytes each, or as the JSON escape their history holds)
    assert ("A\ud800" in text or "A\\ud800" in text) and ("E\udfff" in text or "E\\udfff" in text)
    assert reports.cost(batch[0]).shape[0] >= 1
