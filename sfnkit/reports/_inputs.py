"""What the report functions accept, and the optional packages they need.

Every report reads ``History`` objects only (DESIGN.md: reports never import the runtime). The caller may hand
over, for one execution, a ``History`` (local, or ``History.from_boto(...)`` from AWS) or anything with a
``.history`` (an ``sfnkit.Execution``); for many, anything with ``.histories`` (what ``sfnkit.run_many``
returns) or a list/tuple of the single kinds. Duck typing keeps ``sfnkit.reports`` free of runtime imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

from sfnkit.errors import MissingDependencyError
from sfnkit.history.model import History
from sfnkit.types import HistorySource

__all__ = ["collect", "require", "state_machine_of"]


def require(package: str, feature: str) -> ModuleType:
    """Import an optional package of the ``reports`` extra, or raise ``MissingDependencyError``."""
    import importlib

    try:
        return importlib.import_module(package)
    except ImportError:
        raise MissingDependencyError(package.split(".")[0], "reports", feature) from None


def _one(item: Any, where: str) -> History:
    if isinstance(item, History):
        return item
    history = getattr(item, "history", None)
    if isinstance(history, History):
        return history
    if isinstance(item, dict) and ("events" in item or "type" in item):
        raise TypeError(
            f"{where} is a GetExecutionHistory response or event, not a History; "
            "read it first with sfnkit.History.from_boto(...)"
        )
    raise TypeError(
        f"{where} is a {type(item).__name__}; expected an sfnkit.History (History.from_boto(...) reads one from "
        "AWS) or an sfnkit.Execution"
    )


def collect(source: HistorySource, function: str) -> tuple[list[History], bool]:
    """The histories in ``source`` and whether it holds *many* (frames then get an ``execution`` column).

    One: a ``History`` or an object with ``.history``. Many: an object with ``.histories`` (a batch from
    ``sfnkit.run_many``) or a list/tuple of Histories and Executions (possibly empty).
    """
    if isinstance(source, History):
        return [source], False
    histories = getattr(source, "histories", None)
    if histories is not None and not isinstance(source, History):
        return [_one(h, f"{function}(): histories[{i}]") for i, h in enumerate(histories)], True
    history = getattr(source, "history", None)
    if isinstance(history, History):
        return [history], False
    if isinstance(source, Sequence) and not isinstance(source, str | bytes):
        return [_one(item, f"{function}(): item {i}") for i, item in enumerate(source)], True
    if isinstance(source, dict):
        raise TypeError(
            f"{function}() got a dict; pass a History (sfnkit.History.from_boto(...) reads an AWS response), an "
            "Execution, a batch from sfnkit.run_many, or a list of those (use list(d.values()) for a dict)"
        )
    raise TypeError(
        f"{function}() got a {type(source).__name__}; pass a History, an Execution, a batch from "
        "sfnkit.run_many, or a list of Histories/Executions"
    )


def state_machine_of(source: Any) -> Any:
    """The ``StateMachine`` behind an Execution or a batch, else ``None`` (a history from AWS has none)."""
    sm = getattr(source, "state_machine", None)
    if sm is not None:
        return sm
    if isinstance(source, Sequence) and not isinstance(source, str | bytes | History) and len(source):
        return getattr(source[0], "state_machine", None)
    return None
