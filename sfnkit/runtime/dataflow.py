"""JSONPath data flow of one state (ASL spec "Input and Output Processing"):

``InputPath -> Parameters -> (task) -> ResultSelector -> ResultPath -> OutputPath``

Every function takes the values it needs and returns a new value; nothing is mutated. Failures raise
:class:`~sfnkit.runtime.scheduler.Failed` with AWS's error name and cause *detail*; the interpreter adds the
"An error occurred while executing the state 'X' (entered at the event id #N). " prefix.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from typing import Any

from sfnkit.asl import paths, templates
from sfnkit.errors import RUNTIME, StatesError
from sfnkit.runtime.scheduler import Failed

__all__ = ["apply_input_path", "apply_output_path", "apply_result_path", "evaluate_template", "select", "size_of"]

#: AWS's payload limit for state input, output and task results (256 KiB of UTF-8).
MAX_PAYLOAD_BYTES = 256 * 1024


def select(expr: str, data: Any, context: Mapping[str, Any] | None, variables: Mapping[str, Any] | None) -> Any:
    """Evaluate a path; a path that selects nothing is a terminal States.Runtime failure."""
    try:
        return paths.compile_path(expr).select(data, context=context, variables=variables)
    except paths.PathNotFound as e:
        raise Failed(RUNTIME, f"Invalid path '{expr}' : {e.detail}", terminal=True) from None
    except StatesError as e:
        raise Failed(e.error, e.cause, terminal=e.error == RUNTIME) from None


def apply_input_path(expr: str | None, data: Any, context: Any, variables: Any) -> Any:
    if expr == "$":
        return data
    if expr is None:  # "InputPath": null discards the input
        return {}
    return select(expr, data, context, variables)


def apply_output_path(expr: str | None, data: Any, context: Any, variables: Any) -> Any:
    if expr == "$":
        return data
    if expr is None:
        return {}
    return select(expr, data, context, variables)


def apply_result_path(expr: str | None, state_input: Any, result: Any) -> Any:
    if expr == "$":
        return result
    if expr is None:  # "ResultPath": null keeps the input and discards the result
        return state_input
    try:
        return paths.set_path(state_input, expr, result)
    except StatesError as e:
        raise Failed(e.error, e.cause, terminal=e.error == RUNTIME) from None


def evaluate_template(template: Any, data: Any, context: Any, variables: Any, rng: random.Random) -> Any:
    try:
        return templates.compile_template(template).evaluate(data, context=context, variables=variables, rng=rng)
    except paths.PathNotFound as e:
        raise Failed(RUNTIME, f"Invalid path '{e.expression}' : {e.detail}", terminal=True) from None
    except StatesError as e:
        raise Failed(e.error, e.cause, terminal=e.error == RUNTIME) from None


def size_of(value: Any) -> int:
    """Bytes of the compact JSON text of ``value`` (what AWS counts against its 256 KiB limit)."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
