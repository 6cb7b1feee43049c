"""The DataFlow playground in a real browser: JupyterLab + Debian's Chromium driven by Playwright.

It starts its own JupyterLab (as ``test_jupyterlab.py`` does, with the same isolation), opens a small notebook
written for the test, runs it, then edits the playground in the page: typing a failing ``OutputPath`` turns the
output stage into AWS's error, putting a good one back recomputes every stage, and hostile state names and data
show as text, never as markup. Screenshots go to ``tests/browser/artifacts/`` (git-ignored). Skipped only when
Chromium is absent **and** ``SFNKIT_NO_BROWSER=1`` is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.test_jupyterlab import (
    APPEND_AND_RUN,
    CHROMIUM_FLAGS,
    chromium,  # noqa: F401 - the fixture, shared
    open_and_run,
    serve_cells,
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
NOTEBOOK = "dataflow_playground.ipynb"
CELLS = [
    "from sfnkit.widgets import DataFlow",
    """flow = DataFlow(
    {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:price",
     "InputPath": "$.order", "Parameters": {"id.$": "$.id", "qty": 2},
     "ResultSelector": {"total.$": "$.sum"}, "ResultPath": "$.priced", "OutputPath": "$.priced", "End": True},
    {"order": {"id": 7}}, result={"sum": 30})
flow""",
    """evil = '<img src=x onerror="window.__sfnkit_xss=1">'
DataFlow({"Type": "Pass", "Result": {"html": "<script>window.__sfnkit_xss=2</script>"}, "ResultPath": "$.r",
          "End": True}, {evil: evil}, name=evil)""",
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A JupyterLab of our own serving the test notebook; yields its base URL and stops it afterwards."""
    with serve_cells(tmp_path_factory.mktemp("lab-dataflow"), NOTEBOOK, CELLS, "lab-dataflow.log") as url:
        yield url


def test_dataflow_playground_in_jupyterlab(lab: str, chromium: str) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS, headless=True)
        try:
            page = open_and_run(
                browser,
                f"{lab}/lab/tree/{NOTEBOOK}?reset",
                problems,
                viewport=(1400, 1000),
                timeout_ms=120_000,
                shot="dataflow-timeout.png",
            )

            flow = page.locator(".sfnkit-dataflow").first
            expect(flow).to_be_visible()
            output = flow.locator('li.sfnkit-df-stage[data-stage="output"]')
            expect(output).to_have_attribute("data-status", "ok")
            expect(output.locator(".sfnkit-df-value")).to_contain_text('"total": 30')
            expect(flow.locator(".sfnkit-df-status")).to_have_text("SUCCEEDED")
            flow.screenshot(path=str(ARTIFACTS / "dataflow-ok.png"))

            # type a path that selects nothing: the output stage shows AWS's error, the status turns FAILED
            editor = flow.locator('textarea[data-field="OutputPath"]')
            editor.fill("$.nope")
            expect(output).to_have_attribute("data-status", "failed")
            expect(output.locator(".sfnkit-df-error")).to_have_text("States.Runtime")
            expect(output.locator(".sfnkit-df-cause")).to_contain_text("Invalid path '$.nope'")
            expect(flow.locator(".sfnkit-df-status")).to_have_text("FAILED")
            flow.screenshot(path=str(ARTIFACTS / "dataflow-failed.png"))

            # edit the task result: every later stage is recomputed
            editor.fill("$.priced")
            flow.locator('textarea[data-field="task result"]').fill('{"sum": 99}')
            expect(output.locator(".sfnkit-df-value")).to_contain_text('"total": 99')
            expect(flow.locator('li[data-stage="afterResultSelector"] .sfnkit-df-value')).to_contain_text("99")

            # an edit from Python shows in the page's boxes and stages
            page.evaluate(APPEND_AND_RUN, 'flow.set("ResultPath", "$.p2").set("OutputPath", "$.p2")')
            expect(flow.locator('textarea[data-field="ResultPath"]')).to_have_value("$.p2")
            expect(flow.locator('li[data-stage="afterResultPath"] .sfnkit-df-field')).to_contain_text("$.p2")
            expect(output.locator(".sfnkit-df-value")).to_contain_text('"total": 99')

            # hostile names and data are text
            hostile = page.locator(".sfnkit-dataflow").nth(1)
            expect(hostile.locator(".sfnkit-df-head b").first).to_have_text(
                '<img src=x onerror="window.__sfnkit_xss=1">'
            )
            expect(hostile.locator('li[data-stage="result"]')).to_contain_text("<script>window.__sfnkit_xss=2</script>")
            assert hostile.locator("img, script, iframe").count() == 0
            assert page.evaluate("() => window.__sfnkit_xss === undefined")
        finally:
            browser.close()
    assert problems == []
