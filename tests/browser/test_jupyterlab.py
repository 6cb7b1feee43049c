"""The widgets in a real browser: JupyterLab + Debian's Chromium driven by Playwright.

One test, end to end: it starts its own JupyterLab (127.0.0.1, a free port, no token, temporary config,
runtime, settings and workspace folders), opens ``notebooks/06_step_debugging.ipynb?reset`` (a copy, so autosave
cannot touch the repository), runs every cell, then drives the first Debugger with the mouse: Step (a state's
``data-status`` changes), a click on a state (the inspector shows its visit), zoom in / Fit / 100% (labels stay
at least 11 px at the default zoom), folding the side panel, Continue to a breakpoint, a breakpoint set by
double-clicking a state (the documented gesture; the widget shows the gestures), the conditional breakpoint, the
end of the run and the replay slider. An appended cell pauses a run on an error: the banner names the error and
its cause. Another appends hostile state names and data and checks nothing of it runs as markup. Last, the
notebook is saved, its kernel shut down and the notebook reopened: no "model not found" is visible, and every
widget's static copy shows its coloured graph. Screenshots go to ``tests/browser/artifacts/`` (git-ignored);
with ``SFNKIT_UPDATE_SCREENSHOTS=1`` the ones the README shows are also written to ``docs/``.

It needs Chromium (``apt-get install chromium``; never ``playwright install``) and the Python packages
``playwright jupyterlab ipykernel anywidget ipywidgets``. It is skipped only when Chromium is absent **and**
``SFNKIT_NO_BROWSER=1`` is set; anywhere else a missing piece is a failure, so CI cannot skip it by accident.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "notebooks/06_step_debugging.ipynb"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DOCS = ROOT / "docs"
# screenshots the README shows: artifact name -> file in docs/
DOC_SHOTS = {
    "debugger-breakpoint.png": "debugger.png",
    "debugger-error-pause.png": "debugger_error_pause.png",
    "debugger-fit.png": "debugger_fit.png",
    "reopened.png": "reopened_notebook.png",
}
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
# JupyterLab's user settings for the test: no news or update checks (no network), and every cell kept in the
# DOM (no windowing), so the widgets below the fold exist for the test to find.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def _chromium() -> str | None:
    for candidate in (os.environ.get("SFNKIT_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium",
                      shutil.which("chromium-browser")):  # fmt: skip
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chromium() -> str:
    path = _chromium()
    if path is None:
        if os.environ.get("SFNKIT_NO_BROWSER") == "1":
            pytest.skip("Chromium is not installed and SFNKIT_NO_BROWSER=1")
        pytest.fail(
            "the browser test needs Chromium: apt-get install -y chromium (or set SFNKIT_CHROMIUM to its path); "
            "to skip it on a machine without a browser, set SFNKIT_NO_BROWSER=1"
        )
    return path


def _require_packages() -> None:
    for module in ("jupyterlab", "ipykernel", "anywidget", "ipywidgets", "playwright"):
        try:
            __import__(module)
        except ImportError:
            pytest.fail(f"the browser test needs the Python package {module!r}: pip install 'sfnkit[widgets,test]'")


@contextlib.contextmanager
def serve_lab(base: Path, served: Path, log_name: str) -> Iterator[str]:
    """A JupyterLab of our own (its config, data, settings and kernel under ``base``) serving ``served``; yields its
    base URL, stops it afterwards and keeps its log as ``artifacts/<log_name>``. Shared by every browser test."""
    _require_packages()
    dirs = {name: base / name for name in ("config", "runtime", "data", "settings", "workspaces", "ipython")}
    for d in dirs.values():
        d.mkdir()
    for rel, value in LAB_SETTINGS.items():
        path = dirs["settings"] / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value), encoding="utf-8")
    # the kernel runs this interpreter with the checkout's sfnkit first on the path
    kernel = dirs["data"] / "kernels" / "python3"
    kernel.mkdir(parents=True)
    kernel.joinpath("kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "env": {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))},
            }
        ),
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(dirs["config"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
        "JUPYTER_DATA_DIR": str(dirs["data"]),
        "JUPYTERLAB_SETTINGS_DIR": str(dirs["settings"]),
        "JUPYTERLAB_WORKSPACES_DIR": str(dirs["workspaces"]),
        "JUPYTER_PLATFORM_DIRS": "1",
        "IPYTHONDIR": str(dirs["ipython"]),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    port = _free_port()
    log = (base / "lab.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=", "--allow-root",
            f"--ServerApp.root_dir={served}", "--LabApp.expose_app_in_browser=True",
        ],
        cwd=served, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"JupyterLab exited with {proc.returncode}:\n{(base / 'lab.log').read_text(errors='replace')[-3000:]}"
                )
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"JupyterLab did not answer in 90 s:\n{(base / 'lab.log').read_text(errors='replace')[-3000:]}"
                )
            time.sleep(0.25)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)  # the server shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(base / "lab.log", ARTIFACTS / log_name)


@contextlib.contextmanager
def serve_cells(base: Path, notebook: str, cells: list[str], log_name: str) -> Iterator[str]:
    """``serve_lab`` over a notebook ``notebook`` written from ``cells`` (one code cell each, in order, not run)."""
    served = base / "root"
    served.mkdir()
    made = [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": src} for src in cells
    ]
    kernel = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    document = {"cells": made, "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}
    (served / notebook).write_text(json.dumps(document), encoding="utf-8")
    with serve_lab(base, served, log_name) as url:
        yield url


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A JupyterLab of our own, serving a copy of the notebook; yields its base URL and stops it afterwards."""
    base = tmp_path_factory.mktemp("lab")
    served = base / "root"
    (served / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / NOTEBOOK, served / NOTEBOOK)
    with serve_lab(base, served, "lab.log") as url:
        yield url


# -- page helpers ---------------------------------------------------------------------------------------------

KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""

ALL_RUN = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  if (!k || k.status !== 'idle') return false;
  return w.content.widgets.every(c => c.model.type !== 'code' || (c.model.executionCount !== null && !c.hasClass('jp-mod-pending')));
}"""

CELL_STATES = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  return {kernel: k ? k.status : null, cells: w.content.widgets.filter(c => c.model.type === 'code').map(
    c => [c.model.executionCount, c.hasClass('jp-mod-pending'), c.model.sharedModel.getSource().slice(0, 30)])};
}"""

CELL_ERRORS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const out = [];
  w.content.widgets.forEach((c, i) => {
    if (c.model.type !== 'code') return;
    for (const o of c.model.outputs.toJSON()) {
      if (o.output_type === 'error') out.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
    }
  });
  return out;
}"""

APPEND_AND_RUN = """async (source) => {
  const app = window.jupyterapp;
  const nb = app.shell.currentWidget.content;
  nb.activeCellIndex = nb.widgets.length - 1;
  await app.commands.execute('notebook:insert-cell-below');
  nb.activeCell.model.sharedModel.setSource(source);
  await app.commands.execute('notebook:run-cell');
  return nb.widgets.length;
}"""

HOSTILE_CELL = r"""
evil = '<img src=x onerror="window.__sfnkit_xss=1">'
evil_script = "<script>window.__sfnkit_xss=2</script>"
hostile = {
    "StartAt": evil,
    "States": {
        evil: {"Type": "Pass", "Result": {"html": "<img src=x onerror=window.__sfnkit_xss=3>", "s": evil_script},
               "ResultPath": "$.r", "Next": evil_script},
        evil_script: {"Type": "Fail", "Error": "<b onmouseover=window.__sfnkit_xss=4>E</b>", "Cause": "<svg onload=window.__sfnkit_xss=5>"},
    },
}
xss = Debugger(hostile, {"<i>k</i>": "<script>window.__sfnkit_xss=6</script>"})
xss.add_breakpoint(evil_script)
xss.select(evil)
xss.run()
xss
"""


# a machine above COLLAPSE_ABOVE states: the live view draws its collapsed picture and maps members to it
BIG_CELL = r"""
chain = {"StartAt": "S0", "States": {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(900)}}
chain["States"]["S900"] = {"Type": "Succeed"}
bigdbg = Debugger(chain, {})
bigdbg.add_breakpoint("S450")
bigdbg.run()
bigdbg
"""

ERROR_PAUSE_CELL = r"""
big = {"order": {"id": 7, "items": [{"sku": "piano", "price": 4000.0, "qty": 1}]}}
paused = Debugger(sm, big, resources=demo.resources(), break_on_error=True)
paused.run()
paused
"""

# the smallest label of a widget's graph, in CSS px as drawn (font size in user units times the SVG's scale)
SMALLEST_LABEL_PX = """(root) => {
  const svg = root.querySelector('svg.sfnkit-graph');
  const scale = svg.getScreenCTM().a;
  let least = Infinity;
  for (const t of svg.querySelectorAll('text')) {
    if (!t.textContent.trim()) continue;
    least = Math.min(least, parseFloat(getComputedStyle(t).fontSize) * scale);
  }
  return least;
}"""


def _screenshot(locator: Any, name: str) -> None:
    """An element screenshot; retried, because a checkpoint redraws the widget's static copy (refreshed through
    its display handle), which can move the element while it is being photographed."""
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(5):
        try:
            locator.screenshot(path=str(ARTIFACTS / name))
            break
        except PlaywrightError:
            if attempt == 4:
                raise
            time.sleep(0.3)
    if name in DOC_SHOTS and os.environ.get("SFNKIT_UPDATE_SCREENSHOTS") == "1":
        shutil.copy(ARTIFACTS / name, DOCS / DOC_SHOTS[name])


def _wait_all_run(page: Any, timeout_ms: int, shot: str = "timeout.png") -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(ALL_RUN, timeout=timeout_ms, polling=250)
    except PlaywrightTimeout:
        page.screenshot(path=str(ARTIFACTS / shot))
        pytest.fail(f"the cells did not all run in {timeout_ms / 1000:g} s: {page.evaluate(CELL_STATES)}")


def open_and_run(
    browser: Any,
    url: str,
    problems: list[str],
    *,
    viewport: tuple[int, int] = (1500, 1100),
    console: Callable[[str], bool] | None = None,
    timeout_ms: int = 180_000,
    shot: str = "timeout.png",
) -> Any:
    """A new page on the notebook at ``url`` (``?reset``: a fresh layout) once its kernel is idle, every cell run
    and none in error. Page errors, and console errors whose text ``console`` accepts, go to ``problems``; a run
    that does not end in ``timeout_ms`` leaves a screenshot ``artifacts/<shot>``. Shared by every browser test."""
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    page.set_default_timeout(60_000)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    if console is not None:
        page.on(
            "console",
            lambda m: problems.append(f"console: {m.text}") if m.type == "error" and console(m.text) else None,
        )
    page.goto(url)
    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    _wait_all_run(page, timeout_ms, shot)
    assert page.evaluate(CELL_ERRORS) == []
    return page


def test_debugger_in_jupyterlab(lab: str, chromium: str) -> None:
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
                console=lambda text: "sfnkit" in text or "anywidget" in text or "sfn-" in text,
            )

            dbg = page.locator(".sfn-debugger").first
            expect(dbg).to_be_visible()
            # live: the widget is drawn and its static copy (the next output) is hidden by the copy's own CSS
            statics = page.locator(".sfnkit-static")
            assert statics.count() >= 4
            expect(statics.first).to_be_hidden()
            state = lambda name: dbg.locator(f'g.sfn-state[data-state="{name}"]')  # noqa: E731
            expect(state("Validate")).to_have_attribute("data-status", "not_run")
            expect(state("Validate")).to_have_attribute("data-current", "true")
            expect(state("Fulfil")).to_have_attribute("data-breakpoint", "always")
            expect(state("Ship")).to_have_attribute("data-breakpoint", "conditional")

            # readable at the default zoom; zoom in, Fit and 100% change the drawn size; the gestures are shown
            assert dbg.evaluate(SMALLEST_LABEL_PX) >= 11
            expect(dbg.locator(".sfn-hint")).to_contain_text("double-click")
            box = dbg.locator(".sfn-graphbox")
            start_zoom = float(box.get_attribute("data-zoom") or "0")
            dbg.locator("button.sfn-zoom-in").click()
            assert float(box.get_attribute("data-zoom") or "0") > start_zoom
            expect(dbg.locator(".sfn-zoom-level")).not_to_have_text(f"{round(start_zoom * 100)}%")
            dbg.locator("button.sfn-fit").click()
            fit = dbg.locator("svg.sfnkit-graph").bounding_box()
            assert fit is not None and fit["height"] <= page.viewport_size["height"]  # type: ignore[index]
            _screenshot(dbg, "debugger-fit.png")
            dbg.locator("button.sfn-zoom-reset").click()
            expect(dbg.locator(".sfn-zoom-level")).to_have_text("100%")
            assert dbg.evaluate(SMALLEST_LABEL_PX) >= 13
            # the side panel folds away and the graph takes the width
            narrow = box.bounding_box()
            dbg.locator("button.sfn-panel-toggle").click()
            expect(dbg.locator(".sfn-side")).to_be_hidden()
            wide = box.bounding_box()
            assert narrow is not None and wide is not None and wide["width"] > narrow["width"] + 200
            dbg.locator("button.sfn-panel-toggle").click()
            expect(dbg.locator(".sfn-side")).to_be_visible()
            expect(dbg.locator(".sfn-banner")).to_contain_text("Paused before")

            # Step: Validate runs, its colour changes, the position moves on
            dbg.locator("button.sfn-step").click()
            expect(state("Validate")).to_have_attribute("data-status", "succeeded")
            expect(state("IsValid")).to_have_attribute("data-current", "true")
            shape_fill = state("Validate").locator(".sfn-shape").first.get_attribute("fill")
            assert shape_fill == "#ceead6"

            # click a state: the inspector shows its visit and data-flow stages
            state("Validate").click()
            expect(state("Validate")).to_have_attribute("data-selected", "true")
            inspector = dbg.locator(".sfn-inspector")
            expect(inspector.locator(".sfn-state-name")).to_have_text("Validate")
            expect(inspector.locator(".sfn-visit")).to_have_count(1)
            expect(inspector.locator('tr[data-stage="input"] pre')).to_contain_text('"id": 1042')
            expect(inspector.locator('tr[data-stage="afterResultPath"] pre')).to_contain_text('"total": 45.0')
            _screenshot(dbg, "debugger-step.png")

            # Continue: Charge is retried, then the breakpoint on Fulfil stops the run
            dbg.locator("button.sfn-continue").click()
            expect(state("Fulfil")).to_have_attribute("data-current", "true")
            expect(dbg.locator(".sfn-position")).to_contain_text("breakpoint")
            expect(dbg.locator(".sfn-banner-breakpoint")).to_contain_text("Fulfil")
            # "you are here" and the breakpoint are two different marks on the same state
            expect(state("Fulfil").locator(".sfn-mark-here")).to_have_count(1)
            expect(state("Fulfil").locator(".sfn-mark-bp")).to_have_count(1)
            expect(state("Charge")).to_have_attribute("data-status", "retried")
            state("Charge").click()
            expect(inspector.locator(".sfn-attempt")).to_have_count(3)
            expect(inspector.locator(".sfn-attempts")).to_contain_text("PaymentGatewayBusy")

            expect(state("Charge").locator(".sfn-glyph")).to_have_text(" ↻")  # retried, readable without colour
            # the documented gesture: double-click a state to toggle its breakpoint
            state("Done").dblclick()
            expect(state("Done")).to_have_attribute("data-breakpoint", "always")
            expect(state("Done").locator(".sfn-mark-bp")).to_have_count(1)
            expect(dbg.locator('.sfn-breakpoints .sfn-bp[data-name="Done"]')).to_have_count(1)
            # ... and the toolbar button on the selected state does the same (off, then on again)
            expect(state("Done")).to_have_attribute("data-selected", "true")
            dbg.locator("button.sfn-toggle_breakpoint").click()
            expect(state("Done")).not_to_have_attribute("data-breakpoint", "always")
            dbg.locator("button.sfn-toggle_breakpoint").click()
            expect(state("Done")).to_have_attribute("data-breakpoint", "always")

            # the conditional breakpoint (order id > 1000) stops in the courier branch
            dbg.locator("button.sfn-continue").click()
            expect(state("Ship")).to_have_attribute("data-current", "true")
            expect(state("PackItems")).to_have_attribute("data-status", "succeeded")
            dbg.locator("button.sfn-fit").click()  # the whole graph in the picture the README shows
            _screenshot(dbg, "debugger-breakpoint.png")
            dbg.locator("button.sfn-continue").click()
            expect(state("Done")).to_have_attribute("data-current", "true")
            dbg.locator("button.sfn-continue").click()
            expect(dbg.locator(".sfn-exec")).to_have_text("SUCCEEDED")
            expect(state("Done")).to_have_attribute("data-status", "succeeded")

            # the finished run can be replayed in the browser: back to the first event, then one change forward
            expect(dbg.locator(".sfn-replay")).to_be_visible()
            dbg.locator("button.sfn-first").click()
            expect(state("Validate")).to_have_attribute("data-status", "not_run")
            dbg.locator("button.sfn-next").click()
            expect(state("Validate")).to_have_attribute("data-status", "running")
            expect(dbg.locator(".sfn-events .sfn-current-row")).to_contain_text("TaskStateEntered")
            dbg.locator("button.sfn-last").click()
            expect(state("Done")).to_have_attribute("data-status", "succeeded")

            # the static fallback of the display was refreshed at the checkpoints (end of the run)
            fallback = page.evaluate(
                """() => {
                  const nb = window.jupyterapp.shell.currentWidget.content;
                  for (const c of nb.widgets) {
                    if (c.model.type !== 'code' || !c.model.sharedModel.getSource().startsWith('dbg = Debugger')) continue;
                    return c.model.outputs.toJSON().map(o => (o.data || {})['text/plain'] || '').join('\\n');
                  }
                  return null;
                }"""
            )
            assert fallback is not None and "SUCCEEDED" in str(fallback), fallback

            # break on error: the banner names the error and its cause; the state is drawn as failing
            page.evaluate(APPEND_AND_RUN, ERROR_PAUSE_CELL)
            _wait_all_run(page, 60_000)
            assert page.evaluate(CELL_ERRORS) == []
            paused = page.locator(".sfn-debugger").last
            banner = paused.locator(".sfn-banner-error")
            expect(banner).to_contain_text("Paused on an error in")
            expect(banner.locator(".sfn-banner-errorname")).to_have_text("PaymentGatewayBusy")
            expect(banner).to_contain_text("the gateway asked us to retry later")
            charge = paused.locator('g.sfn-state[data-state="Charge"]')
            expect(charge).to_have_attribute("data-failing", "true")
            expect(charge).to_have_attribute("data-current", "true")
            expect(charge.locator(".sfn-glyph")).to_have_text(" ✕")
            _screenshot(paused, "debugger-error-pause.png")

            # hostile names and data are shown as text, never run
            page.evaluate(APPEND_AND_RUN, HOSTILE_CELL)
            _wait_all_run(page, 60_000)
            assert page.evaluate(CELL_ERRORS) == []
            xss = page.locator(".sfn-debugger").last
            evil = '<img src=x onerror="window.__sfnkit_xss=1">'
            expect(xss.locator("g.sfn-state").first).to_be_visible()
            assert xss.locator("g.sfn-state").evaluate_all("gs => gs.map(g => g.getAttribute('data-state'))") == [
                evil,
                "<script>window.__sfnkit_xss=2</script>",
            ]
            expect(xss.locator(".sfn-inspector .sfn-state-name")).to_have_text(evil)
            expect(xss.locator(".sfn-inspector")).to_contain_text("<img src=x onerror=window.__sfnkit_xss=3>")
            expect(xss.locator(".sfn-position")).to_contain_text("<script>window.__sfnkit_xss=2</script>")
            assert xss.locator("img, script, iframe, foreignObject").count() == 0
            page.mouse.move(0, 0)
            xss.hover()
            assert page.evaluate("window.__sfnkit_xss") is None
            _screenshot(xss, "debugger-hostile.png")

            # a big machine: one collapsed node stands for the chain, coloured and marked through its members
            page.evaluate(APPEND_AND_RUN, BIG_CELL)
            _wait_all_run(page, 60_000)
            assert page.evaluate(CELL_ERRORS) == []
            big = page.locator(".sfn-debugger").last
            folded = big.locator("g.sfn-state[data-members]")
            expect(folded).to_have_count(1)
            expect(folded).to_have_attribute("data-status", "succeeded")  # S0..S449 ran, the rest not yet
            expect(folded).to_have_attribute("data-current", "true")  # paused before S450, inside it
            expect(folded).to_have_attribute("data-breakpoint", "always")
            expect(big.locator("svg g.sfn-note")).to_contain_text("Collapsed view")
            folded.click()
            expect(folded).to_have_attribute("data-selected", "true")
            expect(big.locator(".sfn-inspector .sfn-state-name")).to_have_text("S0")
            big.locator("button.sfn-continue").click()
            expect(folded).to_have_attribute("data-status", "succeeded")
            expect(big.locator(".sfn-exec-status")).to_have_text("SUCCEEDED")
            expect(folded).not_to_have_attribute("data-current", "true")
            _screenshot(big, "debugger-collapsed.png")

            dbg.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "jupyterlab.png"))

            # save, shut the kernel down, reopen: the widgets' models are gone, their static copies show
            page.evaluate(
                """async () => {
                  const app = window.jupyterapp;
                  const panel = app.shell.currentWidget;
                  await panel.context.save();
                  await panel.sessionContext.shutdown();
                  await app.commands.execute('application:close-all');
                }"""
            )
            page.goto(f"{lab}/lab/tree/{NOTEBOOK}?reset")
            page.wait_for_function(KERNEL_IDLE, timeout=90_000)
            statics = page.locator(".sfnkit-static")
            expect(statics.first).to_be_visible()
            assert statics.count() >= 6
            for i in range(statics.count()):
                expect(statics.nth(i).locator("svg.sfnkit-graph")).to_be_visible()
            # the copy of the first Debugger shows where the run ended: every state coloured, the run SUCCEEDED
            first = statics.first
            expect(first).to_contain_text("SUCCEEDED")
            expect(first.locator('g.sfn-state[data-state="Done"]')).to_have_attribute("data-status", "succeeded")
            expect(statics.nth(1).locator('g.sfn-state[data-state="Charge"]')).to_have_attribute(
                "data-status", "caught"
            )
            time.sleep(1.5)  # let the widget manager give up on the old models
            broken = page.get_by_text("model not found")
            assert all(not broken.nth(i).is_visible() for i in range(broken.count())), "a broken widget is visible"
            assert page.locator(".sfn-debugger").count() == 0  # nothing live: no kernel model to draw
            page.set_viewport_size({"width": 1500, "height": 1500})  # the whole copy in one picture
            first.scroll_into_view_if_needed()
            _screenshot(first, "reopened.png")
            page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        finally:
            browser.close()
    assert problems == [], problems
