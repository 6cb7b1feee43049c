"""Both engines over the JSONata 2.0.6 suite (``tests/jsonata_suite``) and over the Step Functions corpus
(``corpus.py``): the cases, the two answers, and the figures per group."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sfnkit.asl import jsonata
from tests.jsonata_oracle import corpus
from tests.jsonata_oracle.oracle import Oracle, canonical

SUITE = Path(__file__).resolve().parents[1] / "jsonata_suite"
LEDGER = Path(__file__).resolve().parent / "ledger.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    case: str  # suite: "<group>/<file>[#n]"; corpus: "<group>-NNN"
    group: str
    expr: str
    ours: str
    reference: str

    @property
    def matches(self) -> bool:
        return self.ours == self.reference


def suite_cases() -> Iterator[tuple[str, str, dict[str, Any]]]:
    datasets: dict[str, Any] = {}
    for path in sorted((SUITE / "groups").glob("*/*.json")):
        loaded = json.loads(path.read_text(encoding="utf-8"))
        many = isinstance(loaded, list)
        for n, case in enumerate(loaded if many else [loaded]):
            if "expr-file" in case:
                case = {**case, "expr": (path.parent / case["expr-file"]).read_text(encoding="utf-8")}
            if "data" not in case and case.get("dataset"):
                name = case["dataset"]
                if name not in datasets:
                    datasets[name] = json.loads((SUITE / "datasets" / f"{name}.json").read_text(encoding="utf-8"))
                case = {**case, "data": datasets[name]}
            ident = f"{path.parent.name}/{path.stem}" + (f"#{n}" if many else "")
            yield ident, path.parent.name, case


def run_suite(oracle: Oracle) -> list[Outcome]:
    out = []
    for ident, group, case in suite_cases():
        request: dict[str, Any] = {"expr": case["expr"], "bindings": case.get("bindings") or {}}
        if "data" in case:
            request["data"] = case["data"]
        for key in ("timelimit", "depth"):
            if key in case:
                request[key] = case[key]
        reference = canonical(oracle.ask(request))
        kwargs: dict[str, Any] = {"bindings": request["bindings"]}
        if "data" in case:
            kwargs["data"] = case["data"]
        ours = canonical(jsonata.evaluate_document(case["expr"], **kwargs))
        out.append(Outcome(case=ident, group=group, expr=case["expr"], ours=ours, reference=reference))
    return out


_CODE = re.compile(r"\b([STDU]\d{4})\b")


def sfnkit_answer(expr: str) -> dict[str, Any]:
    """What a JSONata state gets from sfnkit: the load-time check, then :func:`jsonata.evaluate`."""
    text = "{% " + expr + " %}"
    problem = jsonata.check_syntax(text) or jsonata.unsupported_reference(text)
    if problem:
        m = _CODE.search(problem)
        return {"error": {"code": m.group(1) if m else "load", "message": problem}}
    try:
        value = jsonata.evaluate(
            text,
            states={"input": corpus.INPUT, "context": corpus.CONTEXT},
            variables=corpus.VARIABLES,
            field="Output",
            rng=random.Random(0),
        )
    except jsonata.QueryEvaluationError as e:
        cause = e.cause or ""
        if cause.endswith("returned nothing (undefined)."):
            return {"undefined": True}
        if cause.endswith("returned an unsupported result type."):
            return {"function": True}
        m = _CODE.search(cause)
        return {"error": {"code": m.group(1) if m else "", "message": cause}}
    return {"result": value}


def run_corpus(oracle: Oracle) -> list[Outcome]:
    bindings = {"states": {"input": corpus.INPUT, "context": corpus.CONTEXT}, **corpus.VARIABLES}
    out = []
    for ident, expr in corpus.cases():
        reference = canonical(oracle.ask({"expr": expr, "bindings": bindings}))
        ours = canonical(sfnkit_answer(expr), as_written=True)
        out.append(Outcome(case=ident, group=ident.rsplit("-", 1)[0], expr=expr, ours=ours, reference=reference))
    return out


def figures(outcomes: list[Outcome]) -> dict[str, tuple[int, int]]:
    """group -> (matching, total), plus "all"."""
    table: dict[str, list[int]] = {}
    for o in outcomes:
        row = table.setdefault(o.group, [0, 0])
        row[0] += o.matches
        row[1] += 1
    result = {g: (m, t) for g, (m, t) in sorted(table.items())}
    result["all"] = (sum(m for m, _ in result.values()), sum(t for _, t in result.values()))
    return result


def load_ledger() -> dict[str, dict[str, str]]:
    """``{"suite": {case: reason}, "corpus": {case: reason}, "timing": {case: reason}}``."""
    loaded: dict[str, dict[str, str]] = json.loads(LEDGER.read_text(encoding="utf-8"))
    return loaded
