"""``GraphView``: the graph of a state machine as a live anywidget, recoloured by status without a new layout.

The kernel lays the machine out once (:func:`sfnkit.render.svg`, Graphviz) and sends the SVG in the ``svg``
trait; afterwards only the small ``status`` dict (state name -> status, ``not_run`` left out) crosses to the
browser, which sets ``data-status`` and the colours of :data:`sfnkit.render.STATUS_STYLES` on the existing
picture. A click on a state comes back in ``selected``.

Static first (DESIGN principle 7): the mime bundle also carries the SVG with the current colours baked in and an
informative ``text/plain``, because an exported notebook drops the widget view and an untrusted one shows only
text. The display is kept in a display handle, so :meth:`refresh_static` (called by the Debugger at checkpoints)
updates that fallback in place.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any

import anywidget
import traitlets

from sfnkit.asl import model as m
from sfnkit.history.model import History
from sfnkit.render import STATUS_STYLES, STATUSES, Engine, clean_text, status_of, svg
from sfnkit.widgets._assets import asset

__all__ = ["GraphView"]

_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _styles() -> dict[str, dict[str, str]]:
    return {k: {"fill": v.fill, "stroke": v.stroke, "label": v.label} for k, v in STATUS_STYLES.items()}


def compact(status: Mapping[str, str]) -> dict[str, str]:
    """The statuses worth sending: ``not_run`` is what the browser assumes for a state left out."""
    return {name: st for name, st in status.items() if st != "not_run"}


class SfnkitWidget(anywidget.AnyWidget):
    """What GraphView and Debugger share: the front end, the picture and its static fallback."""

    _esm = asset("sfnkit.js")
    _css = asset("sfnkit.css")
    _view = traitlets.Unicode("graph").tag(sync=True)
    _styles = traitlets.Dict().tag(sync=True)
    svg = traitlets.Unicode("").tag(sync=True)
    """The laid-out picture, sent once (:func:`sfnkit.render.svg`)."""
    status = traitlets.Dict(value_trait=traitlets.Unicode(), key_trait=traitlets.Unicode()).tag(sync=True)
    """State name -> status (one of :data:`sfnkit.render.STATUSES`); a state left out is ``not_run``."""
    selected = traitlets.Unicode("").tag(sync=True)
    """The state clicked in the browser (``""``: none)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(_styles=_styles(), **kwargs)
        self._display_id: str | None = None

    @traitlets.validate("status")
    def _check_status(self, proposal: Any) -> dict[str, str]:
        value = proposal["value"]
        for name, st in value.items():
            if st not in STATUS_STYLES:
                raise traitlets.TraitError(
                    f"status of state {clean_text(str(name))!r} is {st!r}; expected one of {', '.join(STATUSES)}"
                )
        return dict(value)

    # -- static fallback ----------------------------------------------------------------------------------
    def _static_bundle(self) -> dict[str, str]:  # pragma: no cover - each widget says what it shows
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The widget view plus the static picture and text (kept by exports that drop the widget)."""
        try:
            bundle: dict[str, Any] = dict(self._static_bundle())
        except Exception as e:  # a display hook never raises: say what went wrong instead
            bundle = {"text/plain": f"<{type(self).__name__}: the static picture failed: {type(e).__name__}: {e}>"}
        bundle[_WIDGET_MIME] = {"version_major": 2, "version_minor": 0, "model_id": self.model_id}
        return bundle, {}

    def _ipython_display_(self) -> None:
        """Display with a display id, so the static fallback can be refreshed in place later."""
        from IPython.display import display

        if self._display_id is None:
            self._display_id = uuid.uuid4().hex
        data, metadata = self._repr_mimebundle_()
        display(data, metadata=metadata, raw=True, display_id=self._display_id)

    def refresh_static(self) -> None:
        """Rewrite the static fallback of every place this widget is displayed (the widget view stays live)."""
        if self._display_id is None:
            return
        from IPython.display import update_display

        data, metadata = self._repr_mimebundle_()
        update_display(data, metadata=metadata, raw=True, display_id=self._display_id)


class GraphView(SfnkitWidget):
    """The graph of a state machine, coloured by status, live in the notebook.

    ``GraphView(source)``: ``source`` is a ``StateMachine`` (or anything :func:`sfnkit.load` reads), an
    :class:`sfnkit.Execution` (coloured by what it did; call :meth:`refresh` after driving it), or a
    :class:`sfnkit.History` with ``definition=`` its machine (a history from AWS does not carry it).
    Set ``status`` from Python to colour states yourself; read ``selected`` for the state clicked last.
    """

    def __init__(
        self,
        source: Any,
        *,
        definition: Any = None,
        status: Mapping[str, str] | None = None,
        engine: Engine | None = None,
    ) -> None:
        from sfnkit.asl.validate import load

        self._source: Any = None
        if isinstance(source, History) or (
            hasattr(source, "history") and not isinstance(getattr(source, "state_machine", None), m.Body)
        ):
            if definition is None:
                raise TypeError(
                    "GraphView(history) needs the state machine too: GraphView(history, definition=sm), with sm "
                    "from sfnkit.load(...) (for an AWS execution: describe_state_machine_for_execution's definition)"
                )
            self.state_machine: m.StateMachine = load(definition)
            self._source = source
        elif isinstance(getattr(source, "state_machine", None), m.Body) and hasattr(source, "history"):
            self.state_machine = source.state_machine
            self._source = source
        else:
            self.state_machine = load(source)
        self._engine = engine
        super().__init__()
        self.svg = svg(self.state_machine, None, engine=engine, legend=True)
        if status is not None:
            self.status = compact(status)
        else:
            self.refresh()

    @property
    def source(self) -> Any:
        """The Execution or History the colours come from (``None`` for a bare state machine)."""
        return self._source

    def refresh(self) -> GraphView:
        """Recolour from the execution or history given to the constructor (nothing to do for a bare machine)."""
        if self._source is not None:
            history = self._source if isinstance(self._source, History) else self._source.history
            self.status = compact(status_of(history, sm=self.state_machine))
        return self

    def _text(self) -> str:
        counts = Counter(self.status.values())
        total = sum(1 for _ in self.state_machine.walk())
        shown = ", ".join(f"{counts[s]} {STATUS_STYLES[s].label}" for s in STATUSES[1:] if counts[s])
        text = f"<GraphView: {total} states" + (f"; {shown}" if shown else "")
        if self.selected:
            text += f"; selected {clean_text(self.selected)!r}"
        return text + ">"

    def _static_bundle(self) -> dict[str, str]:
        return {
            "text/plain": self._text(),
            "image/svg+xml": svg(self.state_machine, dict(self.status), engine=self._engine, legend=True),
        }

    def __repr__(self) -> str:
        return self._text()
