"""The layers of DESIGN.md hold, and no module reaches into another module's private names.

Every import in ``sfnkit/`` is read from the source (``ast``: module-level, function-level and ``TYPE_CHECKING``
imports alike) and checked against :data:`MAY_IMPORT`, which says for each layer the layers it may import.
Imports flow downwards::

    top        sfnkit/__init__.py, __main__, cli, magics, demo      anything
    widgets    sfnkit/widgets/        views, tools, the runtime's public modules (RUNTIME_PUBLIC), history, asl
    tools      explain, batch         the runtime's public modules, reports, views, history, asl
    aws        sfnkit/aws/            runtime, build, history, asl
    reports    sfnkit/reports/        views, history, asl (never the runtime)
    views      sfnkit/views/          history, asl
    build      sfnkit/build/          asl
    runtime    sfnkit/runtime/        history, asl
    text       sfnkit/text.py         history.model (escape_surrogates)
    types      sfnkit/types.py        the typed seams (Protocols), type-only names of history.model
    history    sfnkit/history/        asl.model at most
    asl        sfnkit/asl/            nothing below
    base       errors, messages       nothing

(``base`` and ``types`` may be imported by every layer above them, ``text`` by the runtime and up.) An import outside these rules must be in
:data:`ALLOWED`, with its reason; an entry that no import uses any more fails too, so the list stays short and
true. :data:`PENDING` holds the entries another branch of issue 16 removes (they are not checked for staleness).

The second check: no ``from X import _name``, no ``X._name`` on an imported sfnkit module, and no private module
(``sfnkit/_x.py``, ``sfnkit/pkg/_x.py``) imported from outside its own folder. A helper two modules share is
public, in a home of its own.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sfnkit"

#: (first matching prefix wins) module-name prefix -> layer. Every module must have one: a new top-level module
#: is placed here deliberately.
LAYERS: tuple[tuple[str, str], ...] = (
    ("sfnkit.asl", "asl"),
    ("sfnkit.history", "history"),
    ("sfnkit.runtime", "runtime"),
    ("sfnkit.build", "build"),
    ("sfnkit.views", "views"),
    ("sfnkit.reports", "reports"),
    ("sfnkit.aws", "aws"),
    ("sfnkit.widgets", "widgets"),
    ("sfnkit.examples", "base"),  # packaged example definitions (data); imports nothing of sfnkit
    ("sfnkit.errors", "base"),
    ("sfnkit.messages", "base"),
    ("sfnkit.text", "text"),
    ("sfnkit.types", "types"),
    ("sfnkit.gcpause", "base"),  # the one pause of the cyclic collector; imports nothing of sfnkit
    ("sfnkit.frozen", "base"),  # branch perf-load: the model's frozen-dataclass maker; imports nothing of sfnkit
    ("sfnkit.explaining", "tools"),
    ("sfnkit.batch", "tools"),
    ("sfnkit.cli", "top"),
    ("sfnkit.magics", "top"),
    ("sfnkit.demo", "top"),
    ("sfnkit.__main__", "top"),
)

#: The runtime's public modules: what the widgets and the tools may drive (an Execution through its public methods,
#: TestState, the resources and clocks a user passes in, the mock configurations). The rest (interpreter,
#: scheduler, data flow, retry, items, ...) are the runtime's internals.
RUNTIME_PUBLIC = frozenset(
    {
        "sfnkit.runtime",
        "sfnkit.runtime.clock",
        "sfnkit.runtime.execution",
        "sfnkit.runtime.mocks",
        "sfnkit.runtime.resources",
        "sfnkit.runtime.teststate",
    }
)

_BELOW_ALL = frozenset({"base", "types"})
MAY_IMPORT: dict[str, frozenset[str]] = {
    "base": frozenset({"base"}),
    "types": frozenset({"base", "types", "sfnkit.history.model"}),  # Protocols; they name History (type-only)
    "asl": _BELOW_ALL | {"asl"},
    "history": _BELOW_ALL | {"history", "sfnkit.asl.model"},
    "text": _BELOW_ALL | {"text", "sfnkit.history.model"},
    "runtime": _BELOW_ALL | {"text", "asl", "history", "runtime"},
    "build": _BELOW_ALL | {"asl", "build"},
    "views": _BELOW_ALL | {"text", "asl", "history", "views"},
    "reports": _BELOW_ALL | {"text", "asl", "history", "views", "reports"},
    "aws": _BELOW_ALL | {"text", "asl", "history", "runtime", "build", "aws"},
    "tools": _BELOW_ALL | {"text", "asl", "history", "runtime-public", "views", "reports", "tools"},
    "widgets": _BELOW_ALL | {"text", "asl", "history", "runtime-public", "views", "tools", "widgets"},
}

#: (importer, imported module) -> why this upward import is right. Keep it short.
ALLOWED: dict[tuple[str, str], str] = {
    ("sfnkit.errors", "sfnkit.asl.diagnostics"): (
        "type-only (TYPE_CHECKING): DefinitionError carries the front end's Diagnostics, and the front end raises "
        "DefinitionError"
    ),
    ("sfnkit.asl.model", "sfnkit.views.display"): (
        "StateMachine._repr_mimebundle_: Jupyter asks the object itself for its picture; the import is inside the "
        "method, so it runs only when a notebook displays a machine"
    ),
    ("sfnkit.runtime.execution", "sfnkit.views.display"): (
        "Execution._repr_mimebundle_: the display hook of the live object, imported only when a notebook shows it"
    ),
    ("sfnkit.runtime.execution", "sfnkit.aws.local_services"): (
        'run(services="local"): the local stand-ins (moto, boto3) live in sfnkit.aws above the runtime and load '
        "only when a run asks for them by that keyword; they plug in as ordinary resources"
    ),
    ("sfnkit.types", "sfnkit.runtime.mocks"): (
        "type-only (TYPE_CHECKING): the MockSource alias names MockConfig; at run time sfnkit.types imports nothing"
    ),
    ("sfnkit.reports.report", "sfnkit"): (
        "__version__ for the report's footer: the version lives in sfnkit/__init__.py, where the build reads it"
    ),
}

#: Entries that another branch of issue 16 removes; not checked for staleness, so the branches merge in any order.
PENDING: dict[tuple[str, str], str] = {}

#: (importer, "module._name") -> why a private name crosses modules; same rules as ALLOWED.
PRIVATE_ALLOWED: dict[tuple[str, str], str] = {}

PRIVATE_PENDING: dict[tuple[str, str], str] = {
    ("sfnkit.asl.project.load", "sfnkit.asl.validate._graph_checks"): (
        "branch perf-load replaces both with the public validate.check_graph (one walk for the checks and the index)"
    ),
    ("sfnkit.asl.project.load", "sfnkit.asl.validate._index"): (
        "branch perf-load replaces both with the public validate.check_graph (one walk for the checks and the index)"
    ),
    ("sfnkit.asl.model", "sfnkit.frozen"): (
        "branch perf-load's frozen-dataclass maker, private at the top of the package; it belongs in sfnkit/asl/"
    ),
    ("sfnkit.asl.parse", "sfnkit.frozen"): (
        "branch perf-load's frozen-dataclass maker, private at the top of the package; it belongs in sfnkit/asl/"
    ),
}


@dataclass(frozen=True, slots=True)
class Import:
    importer: str
    line: int
    module: str  # the sfnkit module imported (a submodule when ``from pkg import sub`` names one)
    names: tuple[str, ...]  # the names taken from it (empty for ``import x``)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(importer: str, source: str, known: set[str], *, is_package: bool = False) -> Iterator[Import]:
    """Every import of an sfnkit module in ``source``, wherever it stands (top level, function, TYPE_CHECKING)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "sfnkit" or alias.name.startswith("sfnkit."):
                    yield Import(importer, node.lineno, alias.name, ())
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(importer, is_package, node)
            if target != "sfnkit" and not target.startswith("sfnkit."):
                continue
            plain: list[str] = []
            for alias in node.names:
                if f"{target}.{alias.name}" in known:  # ``from sfnkit.asl import model``: the submodule itself
                    yield Import(importer, node.lineno, f"{target}.{alias.name}", ())
                else:
                    plain.append(alias.name)
            if plain:
                yield Import(importer, node.lineno, target, tuple(plain))


def layer_of(module: str) -> str:
    if module == "sfnkit":
        return "top"
    for prefix, layer in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return layer
    raise LookupError(f"{module} has no layer: add it to LAYERS in tests/test_layers.py")


def may_import(importer: str, module: str) -> bool:
    mine, theirs = layer_of(importer), layer_of(module)
    if mine == "top":
        return True
    allowed = MAY_IMPORT[mine]
    if theirs in allowed or module in allowed:
        return True
    return theirs == "runtime" and "runtime-public" in allowed and module in RUNTIME_PUBLIC


def upward_imports(found: list[Import]) -> dict[tuple[str, str], list[Import]]:
    out: dict[tuple[str, str], list[Import]] = {}
    for imp in found:
        if not may_import(imp.importer, imp.module):
            out.setdefault((imp.importer, imp.module), []).append(imp)
    return out


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _folder(module: str, modules: set[str]) -> str:
    """The package a module's file sits in (a package's ``__init__`` sits in the package itself)."""
    return module if any(m.startswith(module + ".") for m in modules) else module.rpartition(".")[0]


def private_uses(importer: str, source: str, known: set[str], *, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, "module._name") for each private name of another sfnkit module that ``source`` uses."""
    found = list(imports_of(importer, source, known, is_package=is_package))
    here = _folder(importer, known | {importer})
    for imp in found:
        for name in imp.names:
            if _is_private(name) and imp.module != importer:
                yield imp.line, f"{imp.module}.{name}"
        # a private module (sfnkit/_text.py, sfnkit/reports/_inputs.py) serves its own folder only
        parts = imp.module.split(".")
        for i, part in enumerate(parts):
            if _is_private(part) and ".".join(parts[:i]) != here:
                yield imp.line, imp.module
                break
    # ``frames._us`` where ``frames`` names an imported sfnkit module
    aliases: dict[str, str] = {}
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("sfnkit") and alias.asname:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(importer, is_package, node)
            for alias in node.names:
                if f"{target}.{alias.name}" in known:
                    aliases[alias.asname or alias.name] = f"{target}.{alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and _is_private(node.attr):
            module = aliases.get(node.value.id)
            if module is not None and module != importer:
                yield node.lineno, f"{module}.{node.attr}"


@functools.cache
def _scan() -> tuple[list[Import], dict[tuple[str, str], list[int]]]:
    modules = all_modules()
    known = set(modules)
    found: list[Import] = []
    private: dict[tuple[str, str], list[int]] = {}
    for name, path in modules.items():
        source = path.read_text(encoding="utf-8")
        package = path.name == "__init__.py"
        found.extend(imports_of(name, source, known, is_package=package))
        for line, what in private_uses(name, source, known, is_package=package):
            private.setdefault((name, what), []).append(line)
    return found, private


def _where(module: str, lines: list[int]) -> str:
    path = all_modules()[module].relative_to(ROOT)
    return ", ".join(f"{path}:{n}" for n in sorted(set(lines)))


# -- the package ------------------------------------------------------------------------------------------------


def test_every_module_has_a_layer() -> None:
    for module in all_modules():
        layer_of(module)


def test_imports_flow_downwards() -> None:
    found, _ = _scan()
    upward = upward_imports(found)
    bad = [
        f"{_where(importer, [i.line for i in imps])}: {importer} ({layer_of(importer)}) imports {module} "
        f"({layer_of(module)})"
        for (importer, module), imps in sorted(upward.items())
        if (importer, module) not in ALLOWED and (importer, module) not in PENDING
    ]
    assert not bad, "upward imports (fix them, or add an entry with its reason to ALLOWED):\n" + "\n".join(bad)


def test_the_allow_list_is_used() -> None:
    found, _ = _scan()
    upward = upward_imports(found)
    stale = [f"{importer} -> {module}" for importer, module in ALLOWED if (importer, module) not in upward]
    assert not stale, "ALLOWED entries no import needs any more (remove them):\n" + "\n".join(stale)


def test_the_allow_list_is_short_and_reasoned() -> None:
    assert len(ALLOWED) + len(PRIVATE_ALLOWED) <= 8
    for entry, reason in {**ALLOWED, **PENDING, **PRIVATE_ALLOWED, **PRIVATE_PENDING}.items():
        assert len(reason) > 40, entry


def test_the_runtime_never_imports_the_reports_widgets_or_views() -> None:
    """DESIGN.md's three sentences, checked on their own (no allow-list entry may cover a runtime -> reports import)."""
    found, _ = _scan()
    for imp in found:
        if layer_of(imp.importer) == "runtime":
            assert layer_of(imp.module) not in ("reports", "widgets", "tools", "top"), imp
        if layer_of(imp.importer) == "reports":
            assert layer_of(imp.module) not in ("runtime", "widgets", "tools"), imp
        if layer_of(imp.importer) in ("widgets", "views") and layer_of(imp.module) == "runtime":
            assert imp.module in RUNTIME_PUBLIC, imp


def test_no_private_names_across_modules() -> None:
    _, private = _scan()
    bad = [
        f"{_where(importer, lines)}: {importer} uses {what}"
        for (importer, what), lines in sorted(private.items())
        if (importer, what) not in PRIVATE_ALLOWED and (importer, what) not in PRIVATE_PENDING
    ]
    assert not bad, "private names used across modules (make the helper public, in a home of its own):\n" + "\n".join(
        bad
    )


def test_the_private_allow_list_is_used() -> None:
    _, private = _scan()
    stale = [f"{importer} -> {what}" for importer, what in PRIVATE_ALLOWED if (importer, what) not in private]
    assert not stale, "PRIVATE_ALLOWED entries nothing needs any more:\n" + "\n".join(stale)


# -- the checker itself, on small sources ----------------------------------------------------------------------

KNOWN = {
    "sfnkit",
    "sfnkit.asl",
    "sfnkit.asl.model",
    "sfnkit.history",
    "sfnkit.history.views",
    "sfnkit.reports",
    "sfnkit.reports.frames",
    "sfnkit.reports.plots",
    "sfnkit.reports._inputs",
    "sfnkit.runtime",
    "sfnkit.runtime.execution",
    "sfnkit.runtime.interpreter",
    "sfnkit.widgets",
    "sfnkit.widgets.graph",
    "sfnkit._text",
}


def _upward(importer: str, source: str) -> list[str]:
    found = list(imports_of(importer, source, KNOWN))
    return sorted(module for _, module in upward_imports(found))


@pytest.mark.parametrize(
    ("importer", "source", "upward"),
    [
        # a function-level import counts like a module-level one
        ("sfnkit.runtime.execution", "def f():\n    import sfnkit.reports\n", ["sfnkit.reports"]),
        ("sfnkit.runtime.execution", "def f():\n    from sfnkit import reports\n", ["sfnkit.reports"]),
        # relative imports resolve
        ("sfnkit.history.views", "from ..runtime import execution\n", ["sfnkit.runtime.execution"]),
        ("sfnkit.history.views", "from sfnkit.asl.model import State\n", []),
        ("sfnkit.history.views", "from sfnkit.asl import parse\n", ["sfnkit.asl"]),
        # TYPE_CHECKING imports count too
        (
            "sfnkit.reports.frames",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sfnkit.runtime.execution import Execution\n",
            ["sfnkit.runtime.execution"],
        ),
        # the widgets may drive an Execution, not the interpreter
        ("sfnkit.widgets.graph", "from sfnkit.runtime.execution import start\n", []),
        (
            "sfnkit.widgets.graph",
            "from sfnkit.runtime.interpreter import Interpreter\n",
            ["sfnkit.runtime.interpreter"],
        ),
        ("sfnkit.asl.model", "import json\nfrom sfnkit.errors import StatesError\n", []),
    ],
)
def test_the_checker_finds_upward_imports(importer: str, source: str, upward: list[str]) -> None:
    assert _upward(importer, source) == upward


@pytest.mark.parametrize(
    ("importer", "source", "found"),
    [
        (
            "sfnkit.widgets.graph",
            "from sfnkit.history.views import _Analyser, spans\n",
            ["sfnkit.history.views._Analyser"],
        ),
        (
            "sfnkit.reports.plots",
            "from sfnkit.reports import frames\nx = frames._us(1)\n",
            ["sfnkit.reports.frames._us"],
        ),
        ("sfnkit.reports.plots", "from sfnkit.reports import frames as f\nx = f._us\n", ["sfnkit.reports.frames._us"]),
        ("sfnkit.reports.plots", "def g():\n    from .frames import _us\n", ["sfnkit.reports.frames._us"]),
        # a private module serves its own folder, not the others
        ("sfnkit.reports.plots", "from sfnkit.reports._inputs import collect\n", []),
        ("sfnkit.runtime.execution", "from sfnkit._text import safe_str\n", ["sfnkit._text"]),
        # dunder names and a module's own names are fine
        ("sfnkit.reports.plots", "from sfnkit import __version__\n", []),
        ("sfnkit.reports.plots", "import sfnkit.reports.plots as me\nme._x\n", []),
    ],
)
def test_the_checker_finds_private_names(importer: str, source: str, found: list[str]) -> None:
    assert sorted(what for _, what in private_uses(importer, source, KNOWN)) == found
