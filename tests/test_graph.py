"""The graph IR (``sfnkit.asl.graph``): one neutral picture of a state machine for every renderer."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

import sfnkit
from sfnkit import examples
from sfnkit.asl import graph
from sfnkit.asl.graph import Graph, build, resource_label
from tests.conformance.harness import cases_dir

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:work"


def g_of(definition: dict[str, Any]) -> Graph:
    return build(sfnkit.load(definition))


def edges(g: Graph) -> list[tuple[str, str, str]]:
    return [(e.kind, e.source, e.target) for e in g.edges]


def test_linear_machine_has_start_and_end_markers() -> None:
    g = g_of({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}}})
    assert [n.id for n in g.nodes] == ["start:", "state:A", "state:B", "end:"]
    assert [n.kind for n in g.nodes] == ["start", "state", "state", "end"]
    assert edges(g) == [
        ("start", "start:", "state:A"),
        ("next", "state:A", "state:B"),
        ("end", "state:B", "end:"),
    ]
    assert [e.id for e in g.edges] == ["/StartAt", "/States/A/Next", "/States/B/End"]
    assert g.root.kind == "machine" and g.root.id == "" and g.root.start_at == "A" and g.root.depth == 0
    assert g.root.nodes == ("start:", "state:A", "state:B", "end:")
    a = g.state("A")
    assert (a.name, a.type, a.location, a.label, a.scope, a.detail) == ("A", "Pass", "/States/A", "A", "", "Pass")
    assert g.node("start:").label == "Start" and g.node("end:").label == "End"


def test_choice_rules_default_and_labels() -> None:
    g = g_of(
        {
            "StartAt": "C",
            "States": {
                "C": {
                    "Type": "Choice",
                    "Choices": [
                        {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"},
                        {
                            "And": [
                                {"Variable": "$.s", "StringEquals": "x"},
                                {"Variable": "$.b", "BooleanEquals": True},
                            ],
                            "Next": "Big",
                        },
                    ],
                    "Default": "Small",
                },
                "Big": {"Type": "Succeed"},
                "Small": {"Type": "Fail", "Error": "TooSmall"},
            },
        }
    )
    choice = [e for e in g.edges if e.source == "state:C"]
    assert [(e.kind, e.target, e.index, e.id) for e in choice] == [
        ("choice", "state:Big", 0, "/States/C/Choices/0"),
        ("choice", "state:Big", 1, "/States/C/Choices/1"),
        ("default", "state:Small", None, "/States/C/Default"),
    ]
    assert choice[0].label == "$.n NumericGreaterThan 10"
    assert choice[1].label == '($.s StringEquals "x") and ($.b BooleanEquals true)'
    assert choice[2].label == "Default"
    assert g.state("C").detail == "Choice · 2 rules"
    # Succeed and Fail end their scope; their end edge points at the Type that makes them terminal
    ends = [e for e in g.edges if e.kind == "end"]
    assert [(e.source, e.id) for e in ends] == [
        ("state:Big", "/States/Big/Type"),
        ("state:Small", "/States/Small/Type"),
    ]
    assert g.state("Small").detail == "Fail · TooSmall"


def test_jsonata_choice_label_is_the_condition() -> None:
    g = g_of(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "C",
            "States": {
                "C": {
                    "Type": "Choice",
                    "Choices": [{"Condition": "{% $states.input.n > 1 %}", "Next": "D"}],
                    "Default": "D",
                },
                "D": {"Type": "Succeed"},
            },
        }
    )
    assert g.edges[1].label == "$states.input.n > 1"
    assert g.root.query_language == "JSONata"


def test_catch_edges_carry_error_names_and_retry_texts() -> None:
    g = g_of(
        {
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": LAMBDA,
                    "Retry": [
                        {
                            "ErrorEquals": ["Busy"],
                            "IntervalSeconds": 2,
                            "MaxAttempts": 4,
                            "BackoffRate": 2.0,
                            "JitterStrategy": "FULL",
                        }
                    ],
                    "Catch": [
                        {"ErrorEquals": ["Declined", "Expired"], "Next": "H"},
                        {"ErrorEquals": ["States.ALL"], "Next": "H"},
                    ],
                    "End": True,
                },
                "H": {"Type": "Pass", "End": True},
            },
        }
    )
    catches = [e for e in g.edges if e.kind == "catch"]
    assert [(e.label, e.errors, e.index, e.id) for e in catches] == [
        ("Declined, Expired", ("Declined", "Expired"), 0, "/States/T/Catch/0"),
        ("States.ALL", ("States.ALL",), 1, "/States/T/Catch/1"),
    ]
    t = g.state("T")
    assert t.retry == ("Busy: 4 attempts, 2 s x2, full jitter",)
    assert "Retry Busy: 4 attempts" in t.title and "Catch Declined, Expired -> H" in t.title
    assert t.detail == "Task · lambda work"


def test_parallel_branches_are_nested_scopes() -> None:
    g = g_of(
        {
            "StartAt": "P",
            "States": {
                "P": {
                    "Type": "Parallel",
                    "Branches": [
                        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                        {
                            "StartAt": "B",
                            "States": {"B": {"Type": "Wait", "Seconds": 5, "Next": "C"}, "C": {"Type": "Succeed"}},
                        },
                    ],
                    "Next": "Z",
                },
                "Z": {"Type": "Pass", "End": True},
            },
        }
    )
    p = g.state("P")
    assert p.is_container and p.children == ("/States/P/Branches/0", "/States/P/Branches/1")
    assert p.detail == "Parallel · 2 branches"
    b0, b1 = (g.scope(c) for c in p.children)
    assert (b0.kind, b0.parent, b0.label, b0.depth, b0.index, b0.start_at) == (
        "branch",
        "state:P",
        "Branch 1",
        1,
        0,
        "A",
    )
    assert (b1.label, b1.index) == ("Branch 2", 1)
    assert b1.nodes == ("start:/States/P/Branches/1", "state:B", "state:C", "end:/States/P/Branches/1")
    assert g.state("B").scope == "/States/P/Branches/1" and g.state("B").detail == "Wait · 5 s"
    # edges stay inside their scope, in definition order
    assert [(e.kind, e.scope) for e in g.edges_in("/States/P/Branches/1")] == [
        (kind, "/States/P/Branches/1") for kind in ("start", "next", "end")
    ]
    assert [s.id for s in g.scopes] == ["", "/States/P/Branches/0", "/States/P/Branches/1"]
    assert [n.id for n in g.nodes_in("")] == ["start:", "state:P", "state:Z", "end:"]


def test_map_processor_scope_inline_distributed_and_legacy_iterator() -> None:
    g = g_of(
        {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "Inner",
                        "States": {"Inner": {"Type": "Pass", "End": True}},
                    },
                    "Label": "Fan",
                    "Next": "Old",
                },
                "Old": {
                    "Type": "Map",
                    "Iterator": {"StartAt": "It", "States": {"It": {"Type": "Pass", "End": True}}},
                    "End": True,
                },
            },
        }
    )
    m = g.state("M")
    (proc,) = (g.scope(c) for c in m.children)
    assert (proc.kind, proc.label, proc.id) == ("processor", "Item processor · DISTRIBUTED", "/States/M/ItemProcessor")
    assert m.detail == "Map · distributed Fan"
    old = g.state("Old")
    assert old.children == ("/States/Old/Iterator",) and g.scope("/States/Old/Iterator").label == "Item processor"


def test_three_levels_of_nesting_depths() -> None:
    inner = {"StartAt": "L3", "States": {"L3": {"Type": "Pass", "End": True}}}
    mid = {"StartAt": "L2", "States": {"L2": {"Type": "Map", "ItemProcessor": inner, "End": True}}}
    top = {"StartAt": "L1", "States": {"L1": {"Type": "Parallel", "Branches": [mid], "End": True}}}
    g = g_of(top)
    assert [(s.depth, s.kind) for s in g.scopes] == [(0, "machine"), (1, "branch"), (2, "processor")]
    assert g.state("L3").scope == "/States/L1/Branches/0/States/L2/ItemProcessor"


@pytest.mark.parametrize(
    ("resource", "parameters", "expected"),
    [
        ("arn:aws:lambda:us-east-1:1:function:charge", None, "lambda charge"),
        ("arn:aws:lambda:us-east-1:1:function:charge:$LATEST", None, "lambda charge"),
        (
            "arn:aws:states:::lambda:invoke",
            {"FunctionName": "arn:aws:lambda:us-east-1:1:function:f:1"},
            "lambda:invoke f",
        ),
        ("arn:aws:states:::lambda:invoke", {"FunctionName": "plain"}, "lambda:invoke plain"),
        ("arn:aws:states:::lambda:invoke", {"FunctionName.$": "$.f"}, "lambda:invoke"),
        ("arn:aws:states:::sqs:sendMessage.waitForTaskToken", {}, "sqs:sendMessage.waitForTaskToken"),
        ("arn:aws:states:us-east-1:1:activity:approve", None, "activity approve"),
        ("arn:aws:states:::aws-sdk:s3:listBuckets", None, "aws-sdk:s3:listBuckets"),
    ],
)
def test_resource_labels(resource: str, parameters: Any, expected: str) -> None:
    assert resource_label(resource, parameters) == expected


def test_ids_never_collide_whatever_the_names() -> None:
    names = ["start:", "end:", "state:x", "", "/States/A"]
    states = {n or " ": {"Type": "Pass", "Next": names[i + 1] or " "} for i, n in enumerate(names[:-1])}
    states["/States/A"] = {"Type": "Pass", "End": True}
    g = g_of({"StartAt": "start:", "States": states})
    ids = [n.id for n in g.nodes]
    assert len(ids) == len(set(ids)) == len(names) + 2
    assert g.state("start:").id == "state:start:" and g.node("start:").kind == "start"


def test_graph_is_frozen_deterministic_and_serialisable() -> None:
    sm = sfnkit.load(examples.definition("order_pipeline"))
    g1, g2 = build(sm), build(sm)
    assert g1 == g2
    with pytest.raises(dataclasses.FrozenInstanceError):
        g1.nodes = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        g1.nodes[0].label = "x"  # type: ignore[misc]
    data = json.loads(json.dumps(g1.to_dict()))
    assert [n["id"] for n in data["nodes"]] == [n.id for n in g1.nodes]
    assert {e["kind"] for e in data["edges"]} == {"start", "next", "choice", "default", "catch", "end"}
    assert g1.state_names() == [st.name for st in sm.walk()]


def test_lookups_say_what_is_wrong() -> None:
    g = build(sfnkit.load(examples.definition("order_pipeline")))
    with pytest.raises(KeyError, match="did you mean 'Charge'"):
        g.state("Charg")
    with pytest.raises(KeyError, match="state ids are 'state:<name>'"):
        g.node("Charge")
    with pytest.raises(KeyError, match="body JSON Pointers"):
        g.scope("/nope")


def test_order_pipeline_edges() -> None:
    g = build(sfnkit.load(examples.definition("order_pipeline")))
    kinds = [
        (e.kind, e.source.removeprefix("state:"), e.target.removeprefix("state:")) for e in g.edges if e.scope == ""
    ]
    assert kinds == [
        ("start", "start:", "Validate"),
        ("next", "Validate", "IsValid"),
        ("choice", "IsValid", "Charge"),
        ("default", "IsValid", "Rejected"),
        ("next", "Charge", "Fulfil"),
        ("catch", "Charge", "PaymentFailed"),
        ("next", "Fulfil", "Done"),
        ("end", "Done", "end:"),
        ("end", "Rejected", "end:"),
        ("end", "PaymentFailed", "end:"),
    ]


def _definitions() -> list[Any]:
    cases = cases_dir()
    if not cases.is_dir():
        return []
    seen: dict[str, Any] = {}
    for path in sorted(Path(cases).glob("*.json")):
        d = json.loads(path.read_text())["definition"]
        seen.setdefault(json.dumps(d, sort_keys=True), d)
    return list(seen.values())


def test_every_conformance_definition_builds_a_consistent_graph() -> None:
    definitions = _definitions()
    if not definitions:
        pytest.skip("conformance cases not available")
    built = 0
    for d in definitions:
        try:
            sm = sfnkit.load(d)
        except sfnkit.DefinitionError:  # a few recordings keep placeholders where ARNs were ("activity_arn")
            continue
        built += 1
        g = build(sm)
        ids = {n.id for n in g.nodes}
        assert len(ids) == len(g.nodes)
        assert [n.name for n in g.states()] == [st.name for st in sm.walk()]
        for e in g.edges:
            assert e.source in ids and e.target in ids
            # ASL transitions never leave their scope
            assert g.node(e.source).scope == g.node(e.target).scope == e.scope
        for s in g.scopes:
            assert g.node("start:" + s.id).scope == s.id
            assert any(e.kind == "start" and e.scope == s.id for e in g.edges)
        assert graph.build(sm) == g
    assert built > 250
