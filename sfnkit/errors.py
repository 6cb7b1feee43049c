"""Exceptions raised by sfnkit, and the names of the errors ASL itself defines.

The whole tree::

    Exception
    ├── SfnkitError                  base of everything sfnkit raises on misuse
    │   ├── DefinitionError          invalid ASL; ``.diagnostics`` lists every problem found
    │   ├── ResourceError            a Task names a resource that has no handler (reported before a run starts)
    │   ├── ExecutionStateError      an Execution handle used in a way its state does not allow
    │   ├── AwsError                 a call to AWS failed; the message names the operation
    │   └── MissingDependencyError   an optional dependency is not installed (also an ImportError)
    ├── TaskFailure                  raise it from a task handler to fail the task with a chosen error and cause
    └── StatesError                  an ASL run-time error (``States.Runtime``, ...) raised by the pure ASL
                                     functions; the runtime turns it into history events, it never escapes
                                     ``run()`` or ``step()``

Principle (see DESIGN.md): definition problems are diagnostics, execution problems are events, only misuse
raises. ``StatesError`` is what the pure, public ASL functions of :mod:`sfnkit.asl` (paths, intrinsics, payload
templates, choice operators, JSONata) raise: they know nothing of a running execution. The runtime converts it,
where it calls them (:mod:`sfnkit.runtime.dataflow`, :mod:`sfnkit.runtime.jsonata_flow`), into the one failure
that travels *inside* the interpreter, :class:`sfnkit.runtime.scheduler.Failed` (internal, not exported), which
adds what only a run needs: ``terminal`` (States.Runtime skips Retry and Catch) and ``detach()`` (a caught failure
drops its traceback, so no reference cycle keeps a finished execution alive). Two classes, one boundary: the ASL
layer never imports the runtime, and the runtime never lets a ``StatesError`` past that boundary.

The constants below are the predefined error names of the Amazon States Language spec, section "Errors".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from sfnkit.asl.diagnostics import Diagnostic

__all__ = [
    "ALL",
    "BRANCH_FAILED",
    "DATA_LIMIT_EXCEEDED",
    "EXCEED_TOLERATED_FAILURE_THRESHOLD",
    "HEARTBEAT_TIMEOUT",
    "HTTP_SOCKET",
    "INTRINSIC_FAILURE",
    "ITEM_READER_FAILED",
    "NO_CHOICE_MATCHED",
    "PARAMETER_PATH_FAILURE",
    "PERMISSIONS",
    "PREDEFINED_ERRORS",
    "QUERY_EVALUATION_ERROR",
    "RESULT_PATH_MATCH_FAILURE",
    "RESULT_WRITER_FAILED",
    "RUNTIME",
    "TASK_FAILED",
    "TIMEOUT",
    "AwsError",
    "DefinitionError",
    "ExecutionStateError",
    "MissingDependencyError",
    "ResourceError",
    "SfnkitError",
    "StatesError",
    "TaskFailure",
]

ALL = "States.ALL"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
TIMEOUT = "States.Timeout"
TASK_FAILED = "States.TaskFailed"
PERMISSIONS = "States.Permissions"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"
BRANCH_FAILED = "States.BranchFailed"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
ITEM_READER_FAILED = "States.ItemReaderFailed"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"
RUNTIME = "States.Runtime"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
HTTP_SOCKET = "States.Http.Socket"

#: The 17 error names the ASL spec reserves (the ``States.`` prefix is reserved for them).
PREDEFINED_ERRORS: tuple[str, ...] = (
    ALL,
    HEARTBEAT_TIMEOUT,
    TIMEOUT,
    TASK_FAILED,
    PERMISSIONS,
    RESULT_PATH_MATCH_FAILURE,
    PARAMETER_PATH_FAILURE,
    QUERY_EVALUATION_ERROR,
    BRANCH_FAILED,
    NO_CHOICE_MATCHED,
    INTRINSIC_FAILURE,
    EXCEED_TOLERATED_FAILURE_THRESHOLD,
    ITEM_READER_FAILED,
    RESULT_WRITER_FAILED,
    RUNTIME,
    DATA_LIMIT_EXCEEDED,
    HTTP_SOCKET,
)


class SfnkitError(Exception):
    """Base class of the exceptions sfnkit raises when it is used in a way it cannot honour."""


class DefinitionError(SfnkitError):
    """The definition is not valid ASL.

    ``diagnostics`` holds every problem found (errors first); the message is the first error plus a count of
    the others, so a traceback is readable on its own.
    """

    def __init__(self, diagnostics: Sequence[Diagnostic], *, source_name: str | None = None) -> None:
        self.diagnostics = list(diagnostics)
        self.source_name = source_name
        errors = [d for d in self.diagnostics if d.severity == "ERROR"] or self.diagnostics
        head = errors[0].format(source_name) if errors else "invalid state machine definition"
        more = len(errors) - 1
        super().__init__(head + (f" (+{more} more)" if more > 0 else ""))


class ResourceError(SfnkitError):
    """A Task's resource has no handler; the message names the resource and the closest keys that exist."""


class ExecutionStateError(SfnkitError):
    """An :class:`~sfnkit.Execution` was asked to do something its current state does not allow."""


class AwsError(SfnkitError):
    """A call to AWS failed. The message names the operation; ``code`` is AWS's error code when there is one."""

    def __init__(self, message: str, *, operation: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.operation = operation
        self.code = code


class MissingDependencyError(SfnkitError, ImportError):
    """An optional dependency is missing; the message says which extra to install."""

    def __init__(self, package: str, extra: str, feature: str) -> None:
        super().__init__(
            f"{feature} needs the optional package {package!r}, which is not installed. "
            f"Install it with: pip install 'sfnkit[{extra}]'"
        )
        self.package = package
        self.extra = extra


class TaskFailure(Exception):
    """Raise from a task handler to fail the task with an error name and cause of your choosing.

    >>> def charge(event):
    ...     raise TaskFailure("Payment.Declined", "card expired")
    """

    def __init__(self, error: str, cause: str | None = None) -> None:
        super().__init__(error if cause is None else f"{error}: {cause}")
        self.error = error
        self.cause = cause


class StatesError(Exception):
    """An ASL run-time error with its AWS error name and cause text.

    Raised by the pure ASL functions (:mod:`sfnkit.asl`: paths, intrinsics, templates, operators, JSONata), for
    callers that evaluate them on their own (``%%sfn`` magics, tests) as well as for the runtime, which converts it
    into its internal ``Failed`` where it calls them and records that as history events (Retry and Catch see it).
    ``location`` is a JSON Pointer into the definition when known.
    """

    def __init__(self, error: str, cause: str | None = None, *, location: str | None = None) -> None:
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause
        self.location = location
