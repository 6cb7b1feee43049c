"""Notebook widgets: :class:`GraphView` (a state machine's graph, recoloured live), :class:`Debugger` (step
through an execution, or replay a finished history) and :class:`DataFlow` (a playground for one state's data
flow). Both are anywidgets; their front end is the plain ES module
``widgets/sfnkit.js`` (packaged as ``sfnkit/_frontend``), with no bundler and no CDN.

``import sfnkit.widgets`` is cheap: anywidget and ipywidgets are imported when a widget is first used, and a
missing one raises :class:`sfnkit.errors.MissingDependencyError` naming the ``widgets`` extra. The data the
widgets show is computed in :mod:`sfnkit.widgets.data`, which needs neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sfnkit.errors import MissingDependencyError

if TYPE_CHECKING:  # pragma: no cover
    from sfnkit.widgets.dataflow import DataFlow
    from sfnkit.widgets.debugger import Debugger
    from sfnkit.widgets.graph import GraphView

__all__ = ["DataFlow", "Debugger", "GraphView"]


def _require() -> None:
    for package in ("anywidget", "ipywidgets"):
        try:
            __import__(package)
        except ImportError:
            raise MissingDependencyError(package, "widgets", "sfnkit's notebook widgets") from None


def __getattr__(name: str) -> Any:
    if name == "GraphView":
        _require()
        from sfnkit.widgets.graph import GraphView

        return GraphView
    if name == "DataFlow":
        _require()
        from sfnkit.widgets.dataflow import DataFlow

        return DataFlow
    if name == "Debugger":
        _require()
        from sfnkit.widgets.debugger import Debugger

        return Debugger
    raise AttributeError(f"module 'sfnkit.widgets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
