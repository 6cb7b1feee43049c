"""``sfnkit.explain``: what each field of a state does to the data, in plain words (a teaching aid).

(The module is ``explaining``, not ``explain``: a submodule named like the function would rebind ``sfnkit.explain``
to itself when first imported, since the package loads its public names lazily.)

Given an :class:`~sfnkit.Execution`, it narrates one visit of a state from the data-flow stages the interpreter
recorded (``ex.visits``): the input, what ``InputPath`` kept, what ``Parameters`` built, what the task
returned, what ``ResultSelector``, ``ResultPath`` and ``OutputPath`` made of it (or, in a JSONata state,
``Arguments``, ``Output`` and ``Assign``), the errors, retries and the next state. Given a bare
:class:`~sfnkit.StateMachine`, it explains the fields without data.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

from sfnkit.asl import model as m

__all__ = ["Explanation", "explain", "visit_steps"]

_MAX = 300


def _show(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except ValueError:  # an integer past Python's 4,300-digit text limit: the history's encoder writes it
        from sfnkit.history.model import encode_json

        try:
            text = encode_json(value)
        except (ValueError, RecursionError) as e:
            text = f"<a value JSON text cannot show: {e}>"
    return text if len(text) <= _MAX else text[: _MAX - 3] + "..."


@dataclass(frozen=True, slots=True)
class Explanation:
    """A numbered narration; prints as text and displays as (escaped) HTML in a notebook."""

    title: str
    steps: tuple[str, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        return self.title + "\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(self.steps, 1))

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in self.steps)
        return f"<div class='sfnkit-explain'><b>{html.escape(self.title)}</b><ol>{items}</ol></div>"

    def __repr__(self) -> str:
        return str(self)


def explain(subject: Any, state_name: str, visit: int = -1) -> Explanation:
    """Narrate state ``state_name``: for an Execution, its ``visit``-th visit (default: the last one, negative
    indexes count from the end); for a StateMachine, its fields only."""
    from sfnkit.runtime.execution import Execution

    if isinstance(subject, Execution):
        sm = subject.state_machine
        visits = subject.visits.named(state_name)  # the name column, scanned without a view per visit
        st = sm.find(state_name)
        if not visits:
            return Explanation(
                f'State "{state_name}" ({st.type}) was not visited in this execution',
                tuple(_field_steps(st)),
            )
        try:
            chosen = visits[visit]
        except IndexError:
            raise IndexError(
                f'state "{state_name}" was visited {len(visits)} time(s); visit={visit} does not exist'
            ) from None
        number = visits.index(chosen) + 1
        title = (
            f'State "{state_name}" ({st.type}, {st.query_language}), visit {number} of {len(visits)}, '
            f"entered at event #{chosen.entered_event_id}"
        )
        return Explanation(title, tuple(_visit_steps(st, chosen, subject)))
    if isinstance(subject, m.StateMachine):
        st = subject.find(state_name)
        return Explanation(f'State "{state_name}" ({st.type}, {st.query_language})', tuple(_field_steps(st)))
    raise TypeError(f"explain() takes an Execution or a StateMachine, got {type(subject).__name__}")


def _field_steps(st: m.State) -> list[str]:
    """What the fields do, without data."""
    raw = st.raw
    steps = []
    if st.query_language == "JSONata":
        if "Arguments" in raw:
            steps.append(f"Arguments builds the task input with JSONata: {_show(raw['Arguments'])}")
        if "Output" in raw:
            steps.append(f"Output builds the state output: {_show(raw['Output'])}")
        else:
            steps.append("With no Output, the state passes on its result (or its input when it has none)")
    else:
        for name, text in (
            ("InputPath", "selects the part of the input the state works on"),
            ("Parameters", "builds the task input (keys ending in .$ take paths or intrinsic functions)"),
            ("Result", "is the fixed result of this Pass state"),
            ("ResultSelector", "picks fields from the task result"),
            ("ResultPath", "says where the result goes in the state input (null: discard it)"),
            ("OutputPath", "selects what is passed on"),
        ):
            if name in raw:
                steps.append(f"{name} {_show(raw[name])} {text}")
    if "Assign" in raw:
        steps.append(f"Assign sets workflow variables: {_show(raw['Assign'])}")
    for i, r in enumerate(getattr(st, "retry", ())):
        steps.append(
            f"Retry #{i} retries {', '.join(r.error_equals)} up to {r.max_attempts} times, "
            f"waiting {r.interval_seconds} s x{r.backoff_rate:g} each time"
        )
    for c in getattr(st, "catch", ()):
        steps.append(f'Catch sends {", ".join(c.error_equals)} to "{c.next}"')
    steps.append("Next: " + (", ".join(f'{k} "{t}"' for k, t in st.transitions()) or "the end of its branch"))
    return steps


def visit_steps(st: m.State, v: Any) -> list[str]:
    """The narration of one recorded visit (a runtime Visit) of state ``st``: the Debugger shows it too."""
    return _visit_steps(st, v, None)


def _visit_steps(st: m.State, v: Any, ex: Any) -> list[str]:
    s = v.stages
    raw = st.raw
    steps = [f"Input: {_show(s.get('input'))}"]
    if st.query_language == "JSONata":
        if "afterArguments" in s:
            steps.append(f"Arguments {_show(raw.get('Arguments'))} gave the task input {_show(s['afterArguments'])}")
        if "result" in s and st.type in ("Task", "Parallel", "Map"):
            steps.append(f"The {st.type.lower()} returned {_show(s['result'])} (available as $states.result)")
        if "Output" in raw:
            steps.append(f"Output {_show(raw['Output'])} built the output")
    else:
        if "afterInputPath" in s:
            ip = raw.get("InputPath", "$")
            steps.append(
                "InputPath kept the whole input"
                if ip == "$"
                else f"InputPath {_show(ip)} kept {_show(s['afterInputPath'])}"
            )
        if "Parameters" in raw and "afterParameters" in s:
            steps.append(f"Parameters built {_show(s['afterParameters'])}")
        if "result" in s:
            if st.type == "Task":
                steps.append(f"The task ({getattr(st, 'resource', '')}) returned {_show(s['result'])}")
            elif st.type == "Pass" and "Result" in raw:
                steps.append(f"Result is the fixed value {_show(s['result'])}")
            elif st.type in ("Parallel", "Map"):
                steps.append(f"The {st.type} produced {_show(s['result'])}")
        if "ResultSelector" in raw and "afterResultSelector" in s:
            steps.append(f"ResultSelector picked {_show(s['afterResultSelector'])}")
        if "afterResultPath" in s and st.type in ("Pass", "Task", "Parallel", "Map"):
            rp = raw.get("ResultPath", "$")
            if rp is None:
                steps.append("ResultPath null discarded the result and kept the input")
            elif rp == "$":
                steps.append("ResultPath $ made the result the whole output")
            else:
                steps.append(f"ResultPath {_show(rp)} put the result into the input: {_show(s['afterResultPath'])}")
        if raw.get("OutputPath", "$") != "$":
            steps.append(f"OutputPath {_show(raw['OutputPath'])} selected what is passed on")
    retried = v.attempt_errors[: len(v.attempt_errors) - (1 if v.error is not None else 0)]
    if retried:
        # an error may have no name (SendTaskFailure without one, a TaskFailure(None, ...)): say so, do not fail
        names = ", ".join(str(e) if e is not None else "an error without a name" for e, _ in retried)
        steps.append(f"It was retried {len(retried)} time(s), after {names}")
    if v.error is not None:
        error, cause = v.error
        caught = "output" in s
        steps.append(
            f"It failed with {error if error is not None else 'an error without a name'}"
            + (f": {cause}" if cause else "")
            + (" (caught)" if caught else "")
        )
    if v.variables:
        steps.append(f"Assign set {_show(v.variables)}")
    if "output" in s:
        steps.append(f"Output: {_show(s['output'])}")
    if "next" in s:
        steps.append(f'The Choice went to "{s["next"]}"')
    return steps
