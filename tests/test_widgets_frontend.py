"""The widgets' front-end sources as code: they parse as ES modules (``node --check``), and ``widgets/sfnkit.js``
keeps its shape (each part of the Debugger a small component class with JSDoc-typed inputs, ``renderDebugger``
only wiring them). What the components do is checked in a real browser by ``tests/browser/``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sfnkit.widgets._assets import asset

MODULES = ("sfnkit.js", "dataflow.js")


def _node_check(node: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([node, "--check", str(path)], capture_output=True, text=True, timeout=60, check=False)


def test_front_end_modules_parse_as_es_modules(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("the syntax check needs node (.ci/run installs it)")
    # checked as .mjs: node 20 checks a .js file as CommonJS and lets a module's syntax errors through unseen
    bad = tmp_path / "bad.mjs"
    bad.write_text("export default { render( };\n", encoding="utf-8")
    assert _node_check(node, bad).returncode != 0  # the check does see a syntax error
    for name in MODULES:
        copy = tmp_path / f"{Path(name).stem}.mjs"
        copy.write_text(asset(name).read_text(encoding="utf-8"), encoding="utf-8")
        done = _node_check(node, copy)
        assert done.returncode == 0, f"{name}: {done.stderr}"


TSC = Path(__file__).resolve().parent / "jsdoc" / "node_modules" / "typescript" / "bin" / "tsc"


def test_the_jsdoc_types_check_with_typescript() -> None:
    """TypeScript reads the modules' JSDoc (``tests/jsdoc/tsconfig.json``: ``checkJs``, nothing emitted): a state
    passed that does not fit its type, or a type name that does not exist, fails here."""
    node = shutil.which("node")
    if node is None or not TSC.is_file():
        pytest.skip("the JSDoc check needs node and typescript@5.9.3 in tests/jsdoc (.ci/run installs them)")
    done = subprocess.run([node, str(TSC), "-p", str(TSC.parents[3] / "tsconfig.json")], capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


# ---------------------------------------------------------------------------------------------------------
# the shape of widgets/sfnkit.js

# the Debugger's parts (renderDebugger wires them) and the picture they share with GraphView
COMPONENTS = {"Graph", "Toolbar", "StatusLine", "ReplayBar", "SidePanel", "PausePosition", "PendingTokens",
              "IterationPicker", "Inspector", "BreakpointList", "EventLog"}  # fmt: skip
# type names the JSDoc may use without a typedef of its own
BUILTIN_TYPES = {"Object", "Array", "HTMLElement", "Set", "WeakMap", "Timeline", "Graph"}


def _source() -> str:
    return asset("sfnkit.js").read_text(encoding="utf-8")


def _function_body(js: str, signature: str) -> list[str]:
    lines = js.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(signature))
    end = next(i for i in range(start, len(lines)) if lines[i] == "}")
    return lines[start : end + 1]


def _methods(js: str, cls: str) -> dict[str, str]:
    """Each method of class ``cls`` -> the JSDoc block right above it ("" if none)."""
    body = js[js.index(f"\nclass {cls} {{") :]
    body = body[: body.index("\n}\n")]
    found: dict[str, str] = {}
    for m in re.finditer(r"(/\*\*(?:(?!\*/).)*\*/\s*)?\n  (\w+)\(([^)]*)\) \{", body, flags=re.S):
        found[m.group(2)] = m.group(1) or ""
    return found


def test_render_debugger_only_wires_the_components() -> None:
    js = _source()
    body = _function_body(js, "function renderDebugger(")
    assert len(body) < 120, len(body)
    text = "\n".join(body)
    for cls in COMPONENTS - {"PausePosition", "PendingTokens", "IterationPicker", "Inspector", "BreakpointList"}:
        assert f"new {cls}(" in text, cls  # the side panel's parts are the side panel's
    assert "replaceChildren" not in text and 'h("button"' not in text  # no drawing of its own


def test_each_component_takes_its_container_and_callbacks_with_typed_inputs() -> None:
    js = _source()
    for cls in COMPONENTS:
        methods = _methods(js, cls)
        assert "constructor" in methods, cls
        assert "@param {" in methods["constructor"], f"{cls}'s constructor has no JSDoc types"
        if cls == "Graph":
            continue  # drawn through setSvg / applyStatus / applyMarks, GraphView's and the Debugger's alike
        assert re.search(rf"class {cls} {{\n(?:.*\n)*?  constructor\(container,", js), f"{cls} takes no container"
        if cls == "SidePanel":
            assert {"setOpen", "restoreScroll"} <= set(methods)  # its parts draw themselves, each by its update
            continue
        assert "update" in methods, cls
        assert "@param {" in methods["update"], f"{cls}.update has no JSDoc type"


def test_every_type_the_jsdoc_names_is_defined() -> None:
    js = _source()
    typedefs = set(re.findall(r"@typedef \{[^}]*\} (\w+)", js))
    used: set[str] = set()
    for block in re.findall(r"/\*\*(.*?)\*/", js, flags=re.S):
        for braces in re.findall(r"@(?:param|property|type|returns) \{(.*?)\}(?=\s)", block):
            used |= set(re.findall(r"\b[A-Z]\w*", braces))
    assert used - typedefs - BUILTIN_TYPES == set()
    # every component state type is used by the component that draws it
    for name in ("ToolbarState", "RunState", "IterationState", "PendingState", "BreakpointState", "InspectorState",
                 "EventLogState", "SidePanelCallbacks", "ToolbarCallbacks", "GraphCallbacks", "Marks"):  # fmt: skip
        assert name in typedefs and f"{{{name}}}" in js.replace(f"}} {name}\n", ""), name
