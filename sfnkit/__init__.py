"""sfnkit: AWS Step Functions at home in Jupyter.

Load and validate ASL, run it in the kernel on a virtual clock, step through it, and report on it::

    import sfnkit
    sm = sfnkit.load("pipeline.asl.json")
    ex = sfnkit.run(sm, {"x": 1}, resources={"MyFunction": my_function})
"""

from sfnkit.asl.diagnostics import Diagnostic
from sfnkit.asl.model import StateMachine
from sfnkit.asl.validate import load, validate
from sfnkit.errors import DefinitionError, ExecutionStateError, ResourceError, SfnkitError, StatesError, TaskFailure

__version__ = "0.1.0"

__all__ = [
    "DefinitionError",
    "Diagnostic",
    "ExecutionStateError",
    "ResourceError",
    "SfnkitError",
    "StateMachine",
    "StatesError",
    "TaskFailure",
    "__version__",
    "load",
    "validate",
]
