"""sfnkit: AWS Step Functions at home in Jupyter.

Load and validate ASL, run it in the kernel on a virtual clock, step through it, and report on it::

    import sfnkit
    sm = sfnkit.load("pipeline.asl.json")
    ex = sfnkit.run(sm, {"x": 1}, resources={"MyFunction": my_function})

or build one in Python with :mod:`sfnkit.build` (and turn any definition into that code with :func:`to_python`).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for type checkers and IDEs; at run time each name loads on first use (see __getattr__)
    from sfnkit.asl.diagnostics import Diagnostic
    from sfnkit.asl.model import StateMachine
    from sfnkit.asl.project.load import state_machines
    from sfnkit.asl.validate import load, validate
    from sfnkit.aws.local import local_aws
    from sfnkit.batch import Batch, run_many
    from sfnkit.build.codegen import to_python
    from sfnkit.errors import (
        DefinitionError,
        ExecutionStateError,
        ResourceError,
        SfnkitError,
        StatesError,
        TaskFailure,
    )
    from sfnkit.explaining import explain
    from sfnkit.history import History, HistoryEvent
    from sfnkit.runtime.clock import VirtualClock, WallClock
    from sfnkit.runtime.execution import Execution, ExecutionOptions, run, start
    from sfnkit.runtime.resources import LambdaContext, Resources, TaskCall, task_call, virtual_sleep
    from sfnkit.views.display import show_static

__version__ = "0.1.0"

__all__ = [
    "Batch",
    "DefinitionError",
    "Diagnostic",
    "Execution",
    "ExecutionOptions",
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
    "local_aws",
    "run",
    "run_many",
    "show_static",
    "start",
    "state_machines",
    "task_call",
    "to_python",
    "validate",
    "virtual_sleep",
]


# Where each public name lives. ``import sfnkit`` imports none of these modules: a notebook's first cell pays
# only for what it uses (``sfnkit.load`` needs the front end, ``sfnkit.run`` the interpreter; the views,
# reports and widgets load when something is shown). Measured in bench/interpreter.py's cold section: the
# eager imports took about 100 ms of a fresh process's time before a single definition was read.
_HOMES: dict[str, str] = {
    "Diagnostic": "sfnkit.asl.diagnostics",
    "StateMachine": "sfnkit.asl.model",
    "load": "sfnkit.asl.validate",
    # the embedded moto AWS of services="local" (boto3 and moto load only when it is first used)
    "local_aws": "sfnkit.aws.local",
    "validate": "sfnkit.asl.validate",
    "state_machines": "sfnkit.asl.project.load",
    "to_python": "sfnkit.build.codegen",
    "show_static": "sfnkit.views.display",
    "DefinitionError": "sfnkit.errors",
    "ExecutionStateError": "sfnkit.errors",
    "ResourceError": "sfnkit.errors",
    "SfnkitError": "sfnkit.errors",
    "StatesError": "sfnkit.errors",
    "TaskFailure": "sfnkit.errors",
    "explain": "sfnkit.explaining",
    "History": "sfnkit.history",
    "HistoryEvent": "sfnkit.history",
    "Batch": "sfnkit.batch",
    "run_many": "sfnkit.batch",
    "VirtualClock": "sfnkit.runtime.clock",
    "WallClock": "sfnkit.runtime.clock",
    "Execution": "sfnkit.runtime.execution",
    "ExecutionOptions": "sfnkit.runtime.execution",
    "run": "sfnkit.runtime.execution",
    "start": "sfnkit.runtime.execution",
    "LambdaContext": "sfnkit.runtime.resources",
    "Resources": "sfnkit.runtime.resources",
    "TaskCall": "sfnkit.runtime.resources",
    "task_call": "sfnkit.runtime.resources",
    "virtual_sleep": "sfnkit.runtime.resources",
}

# Subpackages reachable as attributes of ``sfnkit``. ``sfnkit.mocks`` is the documented name (README) of the mock
# configurations, which live beside the interpreter in ``sfnkit.runtime.mocks``.
_SUBMODULES: dict[str, str] = {
    "aws": "sfnkit.aws",
    "build": "sfnkit.build",
    "mocks": "sfnkit.runtime.mocks",
    "reports": "sfnkit.reports",
    "widgets": "sfnkit.widgets",
}


def __getattr__(name: str) -> object:
    """Each public name, and ``sfnkit.reports``, ``sfnkit.widgets``, ``sfnkit.aws``, ``sfnkit.build`` and ``sfnkit.mocks``, load on
    first use (PEP 562), so that ``import sfnkit`` costs a few milliseconds and needs none of pandas,
    matplotlib, ipywidgets or boto3. The value is then cached in the module's namespace."""
    import importlib

    home = _HOMES.get(name)
    if home is not None:
        value = getattr(importlib.import_module(home), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(_SUBMODULES[name])
        globals()[name] = module
        return module
    raise AttributeError(f"module 'sfnkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext sfnkit``: the ``%%asl``, ``%sfn``, ``%%jsonata`` and ``%%jsonpath`` magics."""
    from sfnkit.magics import load_ipython_extension as _load

    _load(ipython)
