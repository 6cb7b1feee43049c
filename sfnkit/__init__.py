"""sfnkit: AWS Step Functions at home in Jupyter.

Load and validate ASL, run it in the kernel on a virtual clock, step through it, and report on it::

    import sfnkit
    sm = sfnkit.load("pipeline.asl.json")
    ex = sfnkit.run(sm, {"x": 1}, resources={"MyFunction": my_function})

or build one in Python with :mod:`sfnkit.build` (and turn any definition into that code with :func:`to_python`).
"""

from sfnkit.asl.diagnostics import Diagnostic
from sfnkit.asl.model import StateMachine
from sfnkit.asl.validate import load, validate
from sfnkit.build.codegen import to_python
from sfnkit.display import show_static
from sfnkit.errors import DefinitionError, ExecutionStateError, ResourceError, SfnkitError, StatesError, TaskFailure
from sfnkit.explain import explain
from sfnkit.history import History, HistoryEvent
from sfnkit.runtime.batch import Batch, run_many
from sfnkit.runtime.clock import VirtualClock, WallClock
from sfnkit.runtime.execution import Execution, run, start
from sfnkit.runtime.resources import LambdaContext, Resources, TaskCall, virtual_sleep

__version__ = "0.1.0"

__all__ = [
    "Batch",
    "DefinitionError",
    "Diagnostic",
    "Execution",
    "ExecutionStateError",
    "History",
    "HistoryEvent",
    "LambdaContext",
    "ResourceError",
    "Resources",
    "SfnkitError",
    "StateMachine",
    "StatesError",
    "TaskCall",
    "TaskFailure",
    "VirtualClock",
    "WallClock",
    "__version__",
    "explain",
    "load",
    "run",
    "run_many",
    "show_static",
    "start",
    "to_python",
    "validate",
    "virtual_sleep",
]


_SUBMODULES = ("aws", "build", "mocks", "reports", "widgets")


def __getattr__(name: str) -> object:
    """``sfnkit.reports``, ``sfnkit.widgets``, ``sfnkit.aws`` and ``sfnkit.mocks`` load on first use, so that
    ``import sfnkit`` needs none of pandas, matplotlib, ipywidgets or boto3."""
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"sfnkit.{name}")
    raise AttributeError(f"module 'sfnkit' has no attribute {name!r}")


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext sfnkit``: the ``%%asl``, ``%sfn``, ``%%jsonata`` and ``%%jsonpath`` magics."""
    from sfnkit.magics import load_ipython_extension as _load

    _load(ipython)
