"""Writing ASL the way people write it by hand: a stable key order, JSON or YAML.

The order follows the examples of the ASL spec (https://states-language.net/spec.html) and the AWS Step
Functions developer guide: a machine opens with ``Comment``, ``StartAt``, ``QueryLanguage`` and
``TimeoutSeconds`` and ends with ``States``; a state opens with ``Type`` (then ``Comment`` and
``QueryLanguage``), keeps its input/output fields in the order data flows through them, and ends with
``Retry``, ``Catch`` and its transition (``Default``, ``Next`` or ``End``). Only the ASL structure is reordered:
payloads the user wrote (``Parameters``, ``Arguments``, ``Result``, ``Assign``, ``Output``, ...) keep their own
order, and keys this module does not know keep theirs, after the known ones and before the transition.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

__all__ = ["ordered", "to_json", "to_yaml"]

_TOP = ("Comment", "StartAt", "QueryLanguage", "TimeoutSeconds", "Version", "States")
_BODY = ("Comment", "ProcessorConfig", "StartAt", "QueryLanguage", "States")
_STATE = (
    "Type", "Comment", "QueryLanguage", "Resource", "Credentials", "InputPath",
    "ItemReader", "ItemsPath", "Items", "ItemSelector", "ItemBatcher",
    "MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailureCount", "ToleratedFailureCountPath",
    "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "Label",
    "Parameters", "Arguments", "Result",
    "Seconds", "SecondsPath", "Timestamp", "TimestampPath",
    "Error", "ErrorPath", "Cause", "CausePath",
    "Choices", "Branches", "ItemProcessor", "Iterator", "ResultWriter",
    "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath",
    "ResultSelector", "ResultPath", "OutputPath", "Output", "Assign", "Retry", "Catch",
)  # fmt: skip
_TRANSITION = ("Default", "Next", "End")
_RETRY = (
    "ErrorEquals",
    "Comment",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
)
_CATCH = ("ErrorEquals", "Comment", "ResultPath", "Output", "Assign")
_RULE_HEAD = ("Condition", "Variable", "And", "Or", "Not")
_RULE_TAIL = ("Comment", "Assign", "Output")
_READER = ("Resource", "ReaderConfig", "WriterConfig", "Parameters", "Arguments")


def _arrange(d: dict[str, Any], head: Sequence[str], tail: Sequence[str] = ()) -> dict[str, Any]:
    out = {k: d[k] for k in head if k in d}
    out.update((k, v) for k, v in d.items() if k not in out and k not in tail)
    out.update((k, d[k]) for k in tail if k in d)
    return out


def _body(d: Any, top: bool = False) -> Any:
    if not isinstance(d, dict):
        return d
    out = _arrange(d, _TOP if top else _BODY)
    states = out.get("States")
    if isinstance(states, dict):
        out["States"] = {name: _state(s) for name, s in states.items()}
    if isinstance(out.get("States"), dict):  # States last, whatever unknown keys came before
        out["States"] = out.pop("States")
    return out


def _rule(d: Any) -> Any:
    if not isinstance(d, dict):
        return d
    out = _arrange(d, _RULE_HEAD, (*_RULE_TAIL, "Next"))
    for k in ("And", "Or"):
        if isinstance(out.get(k), list):
            out[k] = [_rule(r) for r in out[k]]
    if "Not" in out:
        out["Not"] = _rule(out["Not"])
    return out


def _state(d: Any) -> Any:
    if not isinstance(d, dict):
        return d
    out = _arrange(d, _STATE, _TRANSITION)
    if isinstance(out.get("Retry"), list):
        out["Retry"] = [_arrange(r, _RETRY) if isinstance(r, dict) else r for r in out["Retry"]]
    if isinstance(out.get("Catch"), list):
        out["Catch"] = [_arrange(c, _CATCH, ("Next",)) if isinstance(c, dict) else c for c in out["Catch"]]
    if isinstance(out.get("Choices"), list):
        out["Choices"] = [_rule(r) for r in out["Choices"]]
    if isinstance(out.get("Branches"), list):
        out["Branches"] = [_body(b) for b in out["Branches"]]
    for k in ("ItemProcessor", "Iterator"):
        if k in out:
            out[k] = _body(out[k])
    for k in ("ItemReader", "ResultWriter"):
        if isinstance(out.get(k), dict):
            out[k] = _arrange(out[k], _READER)
    return out


def ordered(definition: Any) -> Any:
    """A copy of ``definition`` with its ASL keys in the hand-written order (payloads untouched)."""
    return _body(definition, top=True)


def to_json(definition: Any, indent: int | None = 2) -> str:
    """ASL JSON text in the hand-written key order."""
    return json.dumps(ordered(definition), indent=indent, ensure_ascii=False)


def to_yaml(definition: Any) -> str:
    """ASL YAML text in the hand-written key order (block style, as in SAM templates)."""
    import yaml

    return str(
        yaml.safe_dump(ordered(definition), sort_keys=False, allow_unicode=True, default_flow_style=False, width=120)
    )
