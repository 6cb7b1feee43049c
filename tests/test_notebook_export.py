"""What a notebook shows without its kernel: nbconvert's HTML export of every tutorial contains its graphs.

Two ways in, both offline (no network, no widget JavaScript):

* a tutorial executed here with nbclient (widget state stored, as ``jupyter nbconvert --execute`` does) and
  exported to HTML: every widget output is followed by its static copy, whose SVG is in the HTML with the
  execution's colours;
* every tutorial as committed (they are committed with their outputs): each output that drew a graph is in the
  HTML export as an inline SVG.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbconvert = pytest.importorskip("nbconvert")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
GRAPH = re.compile(r'<svg class="sfnkit-graph"')
SVG_IMAGE = re.compile(r'<img [^>]*src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')


def _graphs(html: str) -> int:
    """Graphs in an exported page: inline (inside an HTML output) or as an SVG image (an SVG-only output)."""
    images = sum(1 for b in SVG_IMAGE.findall(html) if b"sfnkit-graph" in base64.b64decode(b))
    return len(GRAPH.findall(html)) + images


def _export(nb: Any) -> str:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nb)
    return str(body)


def _graph_outputs(nb: Any) -> int:
    """Outputs that carry a graph picture (an SVG of sfnkit's, as SVG or inside HTML)."""
    n = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "sfnkit-graph" in str(data.get("image/svg+xml", "")) + str(data.get("text/html", "")):
                n += 1
    return n


def test_every_tutorial_is_committed_with_its_outputs() -> None:
    assert len(NOTEBOOKS) >= 9
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(c.get("execution_count") for c in code), f"{path.name} has cells that never ran"
        assert any(c.get("outputs") for c in code), f"{path.name} is committed without outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_html_export_of_each_tutorial_contains_its_graphs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    expected = _graph_outputs(nb)
    html = _export(nb)
    assert _graphs(html) >= expected
    assert "model not found" not in html
    if path.stem in ("01_getting_started", "03_error_handling", "06_step_debugging"):
        assert expected > 0, f"{path.name} should show graphs"


def test_an_executed_debugger_notebook_exports_its_static_copies() -> None:
    """Execute 06 with nbclient (widget state stored), export it offline, and find every widget's picture."""
    from nbclient import NotebookClient

    nb = nbformat.read(ROOT / "notebooks" / "06_step_debugging.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "notebooks")}}
    ).execute()
    assert "widgets" in nb.metadata  # the state nbconvert would point at a CDN
    widget_outputs = 0
    for cell in nb.cells:
        outs = cell.get("outputs", [])
        for i, out in enumerate(outs):
            if WIDGET_MIME in out.get("data", {}):
                widget_outputs += 1
                assert i + 1 < len(outs), f"no static copy after the widget in {cell.source[:40]!r}"
                static = outs[i + 1]["data"]
                assert static["text/html"].startswith('<div class="sfnkit-static"')
                assert "sfnkit-graph" in static["image/svg+xml"]
    assert widget_outputs >= 4
    html = _export(nb)
    # each widget's copy is in the page: the HTML copy (with its SVG) of every widget output
    assert html.count('class="sfnkit-static"') == widget_outputs
    assert _graphs(html) >= widget_outputs
    # the copies show what happened: the crashed order's Charge was caught, the big Map succeeded
    # (nbconvert's HTML cleaner sorts attributes)
    assert 'data-state="Charge" data-status="caught"' in html
    assert 'data-state="Validate" data-status="succeeded"' in html
    assert "Paused before" in html or "SUCCEEDED" in html
