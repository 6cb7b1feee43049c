"""The Debugger's components, one by one, in a real browser: JupyterLab + Debian's Chromium driven by Playwright.

``test_jupyterlab.py`` walks the tutorial notebook; this test drives each part of the Debugger's front end
(``widgets/sfnkit.js``) that the walk does not, through a small notebook written for the test, and checks the
kernel saw what the page did:

* the toolbar: Run to selected (enabled only with a selection), Break on error, Step over, Stop, Restart;
* the status line: the banner's and the position's state links, the message of a refused action;
* the side panel: a breakpoint's link selects it and its × removes it; the task-token form sends a success and a
  failure; the iteration picker chooses an iteration (clamped to the Map's size) and "All" clears it;
* the replay bar and the event list: the slider, the previous and next change, a click on an event row;
* GraphView, which shares the Debugger's picture wiring: its colours, and a click selecting and unselecting.

It starts its own JupyterLab (``serve_lab``, as the other browser tests do). Skipped only when Chromium is absent
**and** ``SFNKIT_NO_BROWSER=1`` is set.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_jupyterlab import (
    ALL_RUN,
    APPEND_AND_RUN,
    CELL_ERRORS,
    CELL_STATES,
    CHROMIUM_FLAGS,
    chromium,  # noqa: F401 - the fixture, shared
    open_and_run,
    serve_cells,
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
NOTEBOOK = "debugger_parts.ipynb"
CELLS = [  # each widget in its own cell, in this order: dbg, picker, ask, replay
    """import sfnkit
from sfnkit import demo, examples
from sfnkit.widgets import Debugger

sm = sfnkit.load(examples.definition("order_pipeline"))""",
    """dbg = Debugger(sm, demo.ORDER, resources=demo.resources())
dbg.add_breakpoint("Fulfil").add_breakpoint("Done")
dbg""",
    """many = {"StartAt": "Score", "States": {"Score": {"Type": "Map", "MaxConcurrency": 5, "ItemProcessor": {
    "StartAt": "Grade", "States": {"Grade": {"Type": "Pass", "Parameters": {"n.$": "$"}, "End": True}}}, "End": True}}}
picker = Debugger(many, list(range(30)))
picker.run()
picker.select("Grade")
picker""",
    """approval = {"StartAt": "AskApproval", "States": {
    "AskApproval": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {"QueueUrl": "approvals", "MessageBody": {"token.$": "$$.Task.Token"}},
                    "ResultPath": "$.approval", "Next": "Approved?"},
    "Approved?": {"Type": "Choice", "Choices": [{"Variable": "$.approval.ok", "BooleanEquals": True, "Next": "Ship"}],
                  "Default": "Refused"},
    "Ship": {"Type": "Succeed"},
    "Refused": {"Type": "Fail", "Error": "Order.Refused"}}}
ask = Debugger(approval, {"order": 1042}, resources={"arn:aws:states:::sqs:sendMessage.waitForTaskToken": [].append})
ask.run()
ask""",
    """finished = sfnkit.run(sm, demo.ORDER, resources=demo.resources())
replay = Debugger(sfnkit.History.from_boto(finished.history.to_json()), definition=sm)
replay.select("Charge")
replay""",
    """from sfnkit.widgets import GraphView

view = GraphView(finished)
view""",
]

# the last cell's printed text (stdout), once it has run
LAST_OUTPUT = """() => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const cell = nb.widgets[nb.widgets.length - 1];
  return cell.model.outputs.toJSON().map(o => o.text || (o.data || {})['text/plain'] || '').join('');
}"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A JupyterLab of our own serving the test notebook; yields its base URL and stops it afterwards."""
    with serve_cells(tmp_path_factory.mktemp("lab-parts"), NOTEBOOK, CELLS, "lab-parts.log") as url:
        yield url


def _kernel_says(page: Any, code: str) -> str:
    """Run ``code`` in a new last cell and return what it printed (so a test checks the kernel's side)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.evaluate(APPEND_AND_RUN, code)
    try:
        page.wait_for_function(ALL_RUN, timeout=60_000, polling=250)
    except PlaywrightTimeout:
        pytest.fail(f"the cell {code!r} did not run: {page.evaluate(CELL_STATES)}")
    assert page.evaluate(CELL_ERRORS) == []
    return str(page.evaluate(LAST_OUTPUT)).strip()


def _cursor(widget: Any) -> tuple[int, int]:
    """The replay bar's cursor text, ``event N of M``, as ``(N, M)``."""
    text = widget.locator(".sfn-cursor-text").text_content() or ""
    found = re.match(r"event (\d+) of (\d+)", text)
    assert found is not None, text
    return int(found.group(1)), int(found.group(2))


def test_debugger_components_in_jupyterlab(lab: str, chromium: str) -> None:  # noqa: F811
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
                console=lambda text: "sfn" in text,
                timeout_ms=120_000,
                shot="parts-timeout.png",
            )
            widgets = page.locator(".sfn-debugger")
            expect(widgets).to_have_count(4)  # and one GraphView
            dbg, picker, ask, replay = (widgets.nth(i) for i in range(4))

            # -- the status line and the side panel's breakpoints (dbg: paused before Validate) -------------------
            state = lambda name: dbg.locator(f'g.sfn-state[data-state="{name}"]')  # noqa: E731
            inspector = dbg.locator(".sfn-inspector")
            dbg.locator(".sfn-banner .sfn-banner-state").click()  # the banner's link selects the paused state
            expect(state("Validate")).to_have_attribute("data-selected", "true")
            expect(inspector.locator(".sfn-state-name")).to_have_text("Validate")
            dbg.locator(".sfn-position button.sfn-link").click()  # the position's link: a second click unselects
            expect(state("Validate")).not_to_have_attribute("data-selected", "true")
            expect(inspector).to_contain_text("Click a state to inspect its visits.")
            bps = dbg.locator(".sfn-breakpoints .sfn-bp")
            assert bps.evaluate_all("bs => bs.map(b => b.getAttribute('data-name'))") == ["Fulfil", "Done"]
            dbg.locator('.sfn-bp[data-name="Fulfil"] button.sfn-link').click()  # a breakpoint's name selects it
            expect(state("Fulfil")).to_have_attribute("data-selected", "true")
            expect(inspector).to_contain_text("Not entered yet.")
            dbg.locator('.sfn-bp[data-name="Done"] button.sfn-x').click()  # its × removes it
            expect(bps).to_have_count(1)
            expect(state("Done")).not_to_have_attribute("data-breakpoint", "always")
            expect(state("Done").locator(".sfn-mark-bp")).to_have_count(0)
            expect(state("Fulfil")).to_have_attribute("data-breakpoint", "always")

            # -- the toolbar: Run to selected, Break on error, Step over, Stop, Restart -------------------------
            run_to = dbg.locator("button.sfn-run_to")
            dbg.locator('.sfn-bp[data-name="Fulfil"] button.sfn-link').click()  # unselect: the two need a selection
            expect(run_to).to_be_disabled()
            expect(dbg.locator("button.sfn-toggle_breakpoint")).to_be_disabled()
            state("Charge").click()
            expect(run_to).to_be_enabled()
            run_to.click()
            expect(state("Charge")).to_have_attribute("data-current", "true")
            expect(dbg.locator(".sfn-banner-step")).to_contain_text("(run to)")
            expect(dbg.locator(".sfn-position .sfn-reason")).to_have_text("run to")
            boe = dbg.locator("input.sfn-break-on-error")
            expect(boe).not_to_be_checked()
            boe.check()  # Charge's first attempt fails: the next step pauses on its error
            dbg.locator("button.sfn-step").click()
            expect(dbg.locator(".sfn-banner-error")).to_contain_text("Paused on an error in")
            expect(dbg.locator(".sfn-banner-errorname")).to_have_text("PaymentGatewayBusy")
            expect(state("Charge")).to_have_attribute("data-failing", "true")
            boe.uncheck()
            dbg.locator("button.sfn-continue").click()  # the retries succeed; the breakpoint on Fulfil stops it
            expect(state("Fulfil")).to_have_attribute("data-current", "true")
            expect(dbg.locator(".sfn-banner-breakpoint")).to_contain_text("Fulfil")
            dbg.locator("button.sfn-step_over").click()  # the whole Parallel runs; paused before Done
            expect(state("Done")).to_have_attribute("data-current", "true")
            expect(state("Ship")).to_have_attribute("data-status", "succeeded")
            dbg.locator("button.sfn-stop").click()
            expect(dbg.locator(".sfn-exec")).to_have_text("ABORTED")
            expect(dbg.locator(".sfn-banner-error")).to_contain_text("ABORTED")
            for action in ("step", "step_over", "continue", "stop"):
                expect(dbg.locator(f"button.sfn-{action}")).to_be_disabled()
            expect(dbg.locator("button.sfn-restart")).to_be_enabled()
            dbg.locator("button.sfn-restart").click()
            expect(state("Validate")).to_have_attribute("data-current", "true")
            expect(state("Validate")).to_have_attribute("data-status", "not_run")
            expect(dbg.locator(".sfn-exec")).to_have_text("RUNNING")
            expect(state("Fulfil")).to_have_attribute("data-breakpoint", "always")  # a restart keeps breakpoints
            page.wait_for_function(ALL_RUN, timeout=60_000, polling=250)
            assert _kernel_says(page, "print(sorted(dbg.breakpoints), dbg.break_on_error, dbg.execution.status)") == (
                "['Fulfil'] False RUNNING"
            )

            # -- the iteration picker (picker: a finished Map of 30 iterations, Grade selected) ------------------
            chooser = picker.locator('input.sfn-iteration[data-map="Score"]')
            pinspector = picker.locator(".sfn-inspector")
            expect(chooser).to_have_value("")
            expect(picker.locator(".sfn-maps")).to_contain_text("of 30")
            expect(pinspector).to_contain_text("30 visits")
            chooser.fill("7")
            chooser.press("Tab")  # the choice is applied on change
            expect(pinspector).to_contain_text("1 in the chosen iteration")
            expect(pinspector.locator(".sfn-visit > summary")).to_contain_text("Score[7]/Grade")
            expect(pinspector.locator('tr[data-stage="input"] pre')).to_have_text("7")
            chooser.fill("99")  # past the last iteration: the last one
            chooser.press("Tab")
            expect(chooser).to_have_value("29")
            expect(pinspector.locator(".sfn-visit > summary")).to_contain_text("Score[29]/Grade")
            assert _kernel_says(page, "print(dict(picker.iteration))") == "{'Score': 29}"
            picker.locator(".sfn-maps button.sfn-all").click()
            expect(chooser).to_have_value("")
            expect(pinspector).not_to_contain_text("chosen iteration")
            assert _kernel_says(page, "print(dict(picker.iteration))") == "{}"

            # -- the task-token form (ask: waiting on AskApproval's token) --------------------------------------
            token = ask.locator(".sfn-pending .sfn-token")
            expect(token).to_have_count(1)
            expect(token).to_contain_text("AskApproval")
            token.locator("textarea.sfn-json").fill("{oops")
            token.locator("button.sfn-send-success").click()  # refused by the kernel: the message says why
            expect(ask.locator(".sfn-message")).to_contain_text("not valid JSON")
            expect(token).to_have_count(1)
            token.locator("textarea.sfn-json").fill('{"ok": true}')
            token.locator("button.sfn-send-success").click()
            expect(token).to_have_count(0)
            expect(ask.locator(".sfn-exec")).to_have_text("SUCCEEDED")  # the answer lets the run go on to its end
            expect(ask.locator('g.sfn-state[data-state="Ship"]')).to_have_attribute("data-status", "succeeded")
            ask.locator("button.sfn-restart").click()
            ask.locator("button.sfn-continue").click()
            expect(token).to_have_count(1)
            token.locator("input.sfn-error-name").fill("Order.Lost")
            token.locator("input.sfn-cause").fill("the courier <b>lost</b> it")
            token.locator("button.sfn-send-failure").click()
            expect(token).to_have_count(0)
            expect(ask.locator(".sfn-exec")).to_have_text("FAILED")
            expect(ask.locator(".sfn-banner-error .sfn-banner-errorname")).to_have_text("Order.Lost")
            expect(ask.locator(".sfn-banner-cause")).to_contain_text("the courier <b>lost</b> it")

            # -- the replay bar and the event list (replay: a finished history, Charge selected) ----------------
            expect(replay.locator(".sfn-controls")).to_be_hidden()  # nothing to drive in a replay
            expect(replay.locator(".sfn-breakpoints")).to_be_empty()
            expect(replay.locator(".sfn-replay")).to_be_visible()
            at, last = _cursor(replay)
            assert at == last > 20
            rstate = lambda name: replay.locator(f'g.sfn-state[data-state="{name}"]')  # noqa: E731
            expect(rstate("Done")).to_have_attribute("data-status", "succeeded")
            replay.locator("input.sfn-slider").fill("3")
            expect(replay.locator(".sfn-cursor-text")).to_contain_text("event 3 of")
            expect(replay.locator(".sfn-events .sfn-current-row")).to_have_attribute("data-event", "3")
            expect(rstate("Done")).to_have_attribute("data-status", "not_run")
            expect(replay.locator(".sfn-inspector")).to_contain_text("Not entered yet.")
            replay.locator("button.sfn-next").click()  # to the next change of colour
            after, _ = _cursor(replay)
            assert after > 3
            replay.locator("button.sfn-prev").click()
            before, _ = _cursor(replay)
            assert before < after
            # a row of the event list moves the cursor to its event and selects its state (here: not Charge)
            picked, name = replay.locator(".sfn-events tr[data-event]").evaluate_all(
                """rows => rows.map(r => [Number(r.dataset.event), r.cells[3].textContent])
                               .find(([id, name]) => id > 5 && name && name !== 'Charge')"""
            )
            replay.locator(f'.sfn-events tr[data-event="{picked}"]').click()
            expect(replay.locator(".sfn-cursor-text")).to_contain_text(f"event {picked} of {last}")
            expect(replay.locator(".sfn-events .sfn-current-row")).to_have_attribute("data-event", str(picked))
            expect(rstate(name)).to_have_attribute("data-selected", "true")
            expect(replay.locator(".sfn-inspector .sfn-state-name")).to_have_text(name)
            replay.locator("button.sfn-last").click()
            expect(replay.locator(".sfn-cursor-text")).to_contain_text(f"event {last} of {last}")
            expect(rstate("Done")).to_have_attribute("data-status", "succeeded")
            rstate("Charge").click()
            expect(replay.locator(".sfn-inspector .sfn-visit")).to_have_count(1)
            expect(replay.locator(".sfn-inspector .sfn-attempt")).to_have_count(3)
            replay.locator("input.sfn-slider").fill(str(picked))
            page.wait_for_timeout(400)  # the kernel hears of the cursor 150 ms after the last move
            assert _kernel_says(page, "print(replay.cursor)") == str(picked)
            replay.screenshot(path=str(ARTIFACTS / "debugger-parts-replay.png"))

            # -- GraphView (the same run): coloured, and a click selects a state, a second click unselects it ------
            view = page.locator(".sfn-graphview")
            expect(view).to_have_count(1)
            charge = view.locator('g.sfn-state[data-state="Charge"]')
            expect(charge).to_have_attribute("data-status", "retried")
            expect(view.locator('g.sfn-state[data-state="Done"]')).to_have_attribute("data-status", "succeeded")
            charge.click()
            expect(charge).to_have_attribute("data-selected", "true")
            assert _kernel_says(page, "print(view.selected)") == "Charge"
            charge.click()
            expect(charge).not_to_have_attribute("data-selected", "true")
            assert _kernel_says(page, "print(repr(view.selected))") == "''"
        finally:
            browser.close()
    assert problems == [], problems
