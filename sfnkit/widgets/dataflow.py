"""``DataFlow``: a playground for one state's input and output processing, for learning the data flow.

``DataFlow(state, input, result=...)`` shows every stage of the state's data flow (TestState's stage names,
computed by :func:`sfnkit.runtime.teststate.test_state`, which runs the state through the ordinary interpreter):
``InputPath -> Parameters -> result -> ResultSelector -> ResultPath -> OutputPath`` for JSONPath, or
``Arguments -> result -> Output`` and ``Assign`` for JSONata. Edit a field, the input or the task result, in the
browser or from Python (``flow.set("ResultPath", "$.r")``, ``flow.input = {...}``), and every stage is recomputed;
a path that fails shows at its stage with the error and cause AWS gives (or the definition error, for a field
AWS would reject). It does offline what the AWS console's retired data flow simulator did.

Static first: the mime bundle carries an HTML table of the stages (everything from the definition or the data
escaped) and a text summary, for exported and untrusted notebooks; :meth:`to_html` gives the same table.
"""

from __future__ import annotations

import html
import json
from typing import Any

import anywidget
import traitlets

from sfnkit.runtime.teststate import MISSING, StateTest, state_definition, test_state
from sfnkit.widgets._assets import asset
from sfnkit.widgets.data import json_text

__all__ = ["DataFlow"]

_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: Fields written as a path (plain text; ``null`` is JSON null); the others are JSON values.
PATH_FIELDS = frozenset({"InputPath", "ResultPath", "OutputPath"})
JSONPATH_FIELDS = ("InputPath", "Parameters", "Result", "ResultSelector", "ResultPath", "OutputPath")
JSONATA_FIELDS = ("Arguments", "Output", "Assign")
_HINTS = {
    "InputPath": "path: which part of the input the state works on",
    "Parameters": "JSON template: keys ending in .$ take a path or intrinsic",
    "Result": "JSON: the Pass state's fixed result",
    "ResultSelector": "JSON template over the task result",
    "ResultPath": "path: where the result goes in the input (null: discard it)",
    "OutputPath": "path: which part becomes the output",
    "Arguments": "JSON or {% JSONata %}: what the task is called with",
    "Output": "JSON or {% JSONata %}: the state output",
    "Assign": "JSON object: variables to set",
}
_FIELDS_OF = {
    "Pass": ("InputPath", "Parameters", "Result", "ResultPath", "OutputPath", "Output", "Assign"),
    "Task": ("InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath", "Arguments", "Output", "Assign"),
    "Parallel": ("InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath", "Arguments", "Output",
                 "Assign"),
    "Choice": ("InputPath", "OutputPath", "Output", "Assign"),
    "Wait": ("InputPath", "OutputPath", "Output", "Assign"),
    "Succeed": ("InputPath", "OutputPath", "Output"),
    "Fail": (),
}  # fmt: skip


def _field_text(name: str, value: Any) -> str:
    if value is MISSING:
        return ""
    if name in PATH_FIELDS and isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False)


def _parse_field(name: str, text: str) -> Any:
    """The value a field's text stands for (MISSING when blank); ValueError says what is wrong."""
    t = text.strip()
    if not t:
        return MISSING
    if name in PATH_FIELDS:
        return None if t == "null" else t
    if t.startswith("{%") and t.endswith("%}"):
        return t
    try:
        return json.loads(t)
    except ValueError as e:
        raise ValueError(f"{name}: not JSON ({e}); write a JSON value, or a JSONata expression {{% ... %}}") from None


def _parse_json(what: str, text: str) -> Any:
    try:
        return json.loads(text) if text.strip() else MISSING
    except ValueError as e:
        raise ValueError(f"{what}: not JSON ({e})") from None


def _expression(value: Any) -> str:
    if value is MISSING:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class DataFlow(anywidget.AnyWidget):
    """Edit one state's data-flow fields, its input and its task result, and watch every stage.

    ``state`` is a state's definition (a dict), ``sm.find("Name")`` of a loaded machine, or a
    :mod:`sfnkit.build` state; ``result`` is what a Task (or Parallel) returns (default: what it was given).
    """

    _esm = asset("dataflow.js")
    _css = asset("dataflow.css")
    state_name = traitlets.Unicode("").tag(sync=True)
    state_type = traitlets.Unicode("").tag(sync=True)
    query_language = traitlets.Unicode("JSONPath").tag(sync=True)
    editable = traitlets.List(traitlets.Unicode()).tag(sync=True)
    hints = traitlets.Dict().tag(sync=True)
    fields = traitlets.Dict(value_trait=traitlets.Unicode(), key_trait=traitlets.Unicode()).tag(sync=True)
    """Field name -> its text as edited (a path, or JSON); ``""`` leaves the field out."""
    input_text = traitlets.Unicode("{}").tag(sync=True)
    result_text = traitlets.Unicode("").tag(sync=True)
    has_result = traitlets.Bool(False).tag(sync=True)
    stages: traitlets.List[dict[str, str]] = traitlets.List().tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        state: Any,
        input: Any = None,
        *,
        result: Any = MISSING,
        name: str | None = None,
        query_language: str | None = None,
    ) -> None:
        sname, st = state_definition(state)
        typ = st.get("Type")
        if typ not in _FIELDS_OF:
            raise ValueError(
                f"DataFlow shows Pass, Task, Parallel, Choice, Wait, Succeed and Fail states, got {typ!r}"
                + ("; for a Map, open one of its ItemProcessor's states" if typ == "Map" else "")
            )
        ql = st.get("QueryLanguage") or query_language or "JSONPath"
        own = JSONATA_FIELDS if ql == "JSONata" else JSONPATH_FIELDS
        editable = [f for f in _FIELDS_OF[typ] if f in own]
        self._state = st
        self._machine_ql = query_language
        self.test: StateTest | None = None
        super().__init__(
            state_name=name or sname,
            state_type=typ,
            query_language=ql,
            editable=editable,
            hints={f: _HINTS[f] for f in editable},
            fields={f: _field_text(f, st.get(f, MISSING)) for f in editable},
            input_text=json.dumps({} if input is None else input, indent=2, ensure_ascii=False),
            result_text="" if result is MISSING else json.dumps(result, indent=2, ensure_ascii=False),
            has_result=typ in ("Task", "Parallel"),
        )
        self._recompute()

    # -- Python API -------------------------------------------------------------------------------------------
    def set(self, field: str, value: Any = MISSING) -> DataFlow:
        """Set a field (``MISSING``, the default, removes it) and recompute; returns the widget."""
        if field not in self.editable:
            raise ValueError(
                f"{field!r} is not a data-flow field of this {self.state_type} state "
                f"({self.query_language}); editable: {', '.join(self.editable)}"
            )
        self.fields = {**self.fields, field: _field_text(field, value)}
        return self

    @property
    def input(self) -> Any:
        return json.loads(self.input_text or "{}")

    @input.setter
    def input(self, value: Any) -> None:
        self.input_text = json.dumps(value, indent=2, ensure_ascii=False)

    @property
    def result(self) -> Any:
        return json.loads(self.result_text) if self.result_text.strip() else MISSING

    @result.setter
    def result(self, value: Any) -> None:
        self.result_text = "" if value is MISSING else json.dumps(value, indent=2, ensure_ascii=False)

    def state(self) -> dict[str, Any]:
        """The state's definition as currently edited."""
        st = {k: v for k, v in self._state.items() if k not in self.editable}
        for f in self.editable:
            value = _parse_field(f, self.fields.get(f, ""))
            if value is not MISSING:
                st[f] = value
        return st

    # -- recomputing ------------------------------------------------------------------------------------------
    @traitlets.observe("fields", "input_text", "result_text")
    def _on_edit(self, change: Any) -> None:
        self._recompute()

    def _recompute(self) -> None:
        try:
            st = self.state()
            data = _parse_json("input", self.input_text)
            result = _parse_json("task result", self.result_text)
        except ValueError as e:
            self.message = str(e)  # keep the last good stages on screen while the text is being typed
            return
        try:
            self.test = test_state(
                st,
                {} if data is MISSING else data,
                result=result,
                name=self.state_name,
                query_language=self._machine_ql,
            )
        except Exception as e:  # a playground never raises into the comm handler: say what went wrong
            self.message = f"{type(e).__name__}: {e}"
            return
        self.message = ""
        self.stages = [
            {
                "name": s.name,
                "field": s.field or "",
                "expression": _expression(s.expression),
                "status": s.status,
                "value": json_text(s.value) if s.status == "ok" else "",
                "error": s.error or "",
                "cause": s.cause or "",
            }
            for s in self.test.stages
        ]
        self.status = self.test.status

    # -- static fallback ------------------------------------------------------------------------------------
    def to_html(self) -> str:
        """The stages as an HTML table (escaped), as the static fallback shows them."""
        e = html.escape
        rows = []
        for s in self.stages:
            if s["status"] == "ok":
                cell = f"<pre style='margin:0'>{e(s['value'])}</pre>"
            elif s["status"] == "failed":
                cell = f"<b style='color:#cf222e'>{e(s['error'])}</b><pre style='margin:0;white-space:pre-wrap'>{e(s['cause'])}</pre>"
            else:
                cell = "<i>(no such field)</i>" if s["status"] == "absent" else "<i>(not reached)</i>"
            field = f"{e(s['field'])}: <code>{e(s['expression'])}</code>" if s["expression"] else e(s["field"])
            rows.append(
                f"<tr data-status='{e(s['status'])}'><td><b>{e(s['name'])}</b></td><td>{field}</td><td>{cell}</td></tr>"
            )
        head = (
            f"<div><b>{e(self.state_name)}</b> {e(self.state_type)} · {e(self.query_language)} · "
            f"<b>{e(self.status)}</b></div>"
        )
        return (
            f"<div class='sfnkit-dataflow-static'>{head}<table><tr><th>stage</th><th>field</th><th>value</th></tr>"
            + "".join(rows)
            + "</table></div>"
        )

    def __repr__(self) -> str:
        parts = [f"{s['name']}={s['status']}" for s in self.stages]
        err = f", {self.test.error}" if self.test is not None and self.test.error else ""
        return (
            f"<DataFlow {self.state_name!r} ({self.state_type}, {self.query_language}): {self.status}{err}; "
            + " ".join(parts)
            + ">"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        try:
            bundle: dict[str, Any] = {"text/html": self.to_html(), "text/plain": repr(self)}
        except Exception as e:  # a display hook never raises
            bundle = {"text/plain": f"<DataFlow: the static view failed: {type(e).__name__}: {e}>"}
        bundle[_WIDGET_MIME] = {"version_major": 2, "version_minor": 0, "model_id": self.model_id}
        return bundle, {}
