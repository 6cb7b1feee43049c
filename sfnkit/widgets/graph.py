"""``GraphView``: the graph of a state machine as a live anywidget, recoloured by status without a new layout.

The kernel lays the machine out once (:func:`sfnkit.views.render.svg`, Graphviz) and sends the SVG in the ``svg``
trait; afterwards only the small ``status`` dict (state name -> status, ``not_run`` left out) crosses to the
browser, which sets ``data-status`` and the colours of :data:`sfnkit.views.render.STATUS_STYLES` on the existing
picture. A click on a state comes back in ``selected``.

Static first (DESIGN principle 7): displaying a widget writes **two outputs**. The first is the live widget view
(with a one-line ``text/plain``); the second is its static copy: ``text/html`` (the summary and the SVG with the
current colours baked in), ``image/svg+xml`` and an informative ``text/plain``, kept in a display handle so
:meth:`refresh_static` (called by the Debugger at checkpoints) rewrites it in place. The static copy is a separate
output because every place a notebook is read without the widget's kernel model drops or breaks the widget view:
nbconvert's HTML points saved widget state at a CDN (blank offline), and JupyterLab shows "Error displaying
widget: model not found" for a reopened notebook saved without widget state.

A small ``<style>`` in the static copy's HTML (:data:`STATIC_CSS`, CSS ``:has()``) decides which of the two is
seen, with no kernel and no script: while the live view is drawn, the static copy below it is hidden; when the
widget view cannot be drawn (its model is gone), the broken view is hidden and the static copy shows. Front ends
that ignore the style (GitHub, VS Code) show both, the static copy second.
"""

from __future__ import annotations

import html
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any, Final

import anywidget
import traitlets

from sfnkit.asl import model as m
from sfnkit.history.colours import RANK
from sfnkit.history.model import History
from sfnkit.views.render import STATUS_STYLES, STATUSES, Engine, clean_text, status_of, svg
from sfnkit.widgets._assets import asset

__all__ = ["GraphView"]

_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

#: The CSS of the static copy (see the module docstring). ``.jp-OutputArea-child`` is one output in JupyterLab,
#: Notebook 7 and nbconvert's HTML; ``.sfnkit-widget`` is on every live sfnkit view.
STATIC_CSS: Final = (
    ".jp-OutputArea-child:has(.sfnkit-widget) + .jp-OutputArea-child:has(.sfnkit-static){display:none}"
    ".jp-OutputArea-child:has(.jupyter-widgets):not(:has(.sfnkit-widget)):has(+ .jp-OutputArea-child "
    ".sfnkit-static){display:none}"
)


def static_html(inner: str, *, kind: str) -> str:
    """``inner`` (HTML made by sfnkit, every text in it already escaped) as the static copy of a widget."""
    return (
        f'<div class="sfnkit-static" data-widget="{kind}"><style>{STATIC_CSS}</style>'
        f'<div style="overflow:auto;max-width:100%">{inner}</div></div>'
    )


def _styles() -> dict[str, dict[str, str | int]]:
    """Each status's colours and label, and its ``rank`` (:data:`sfnkit.history.colours.RANK`): a collapsed
    node shows its members' most telling status, which the browser works out with it."""
    return {
        k: {"fill": v.fill, "stroke": v.stroke, "label": v.label, "glyph": v.glyph, "rank": RANK[k]}
        for k, v in STATUS_STYLES.items()
    }


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
    """The laid-out picture, sent once (:func:`sfnkit.views.render.svg`)."""
    status = traitlets.Dict(value_trait=traitlets.Unicode(), key_trait=traitlets.Unicode()).tag(sync=True)
    """State name -> status (one of :data:`sfnkit.views.render.STATUSES`); a state left out is ``not_run``."""
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

    def static_bundle(self) -> dict[str, str]:
        """The static copy: ``text/html`` (with :data:`STATIC_CSS`), ``image/svg+xml`` and ``text/plain``.

        Never raises (a display hook must not): a failure is reported in the text instead.
        """
        try:
            bundle: dict[str, str] = dict(self._static_bundle())
        except Exception as e:  # a display hook never raises: say what went wrong instead
            return {"text/plain": f"<{type(self).__name__}: the static picture failed: {type(e).__name__}: {e}>"}
        inner = bundle.get("text/html") or bundle.get("image/svg+xml") or ""
        if inner:
            bundle["text/html"] = static_html(inner, kind=type(self).__name__)
        return bundle

    def _widget_view(self) -> dict[str, Any]:
        return {
            _WIDGET_MIME: {"version_major": 2, "version_minor": 0, "model_id": self.model_id},
            "text/plain": f"<{type(self).__name__} widget: live while its kernel runs; its static copy follows>",
        }

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The widget view plus the static picture and text, in one bundle (for front ends that ask for one;
        IPython's display goes through :meth:`_ipython_display_`, which writes them as two outputs)."""
        bundle: dict[str, Any] = self.static_bundle()
        bundle[_WIDGET_MIME] = self._widget_view()[_WIDGET_MIME]
        return bundle, {}

    def _ipython_display_(self) -> None:
        """Two outputs: the live view, then its static copy under a display id (refreshed in place later)."""
        from IPython.display import display

        if self._display_id is None:
            self._display_id = uuid.uuid4().hex
        display(self._widget_view(), raw=True)
        display(self.static_bundle(), raw=True, display_id=self._display_id)

    def refresh_static(self) -> None:
        """Rewrite the static copy everywhere this widget is displayed (the live view is left alone)."""
        if self._display_id is None:
            return
        from IPython.display import update_display

        update_display(self.static_bundle(), raw=True, display_id=self._display_id)


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
        picture = svg(self.state_machine, dict(self.status), engine=self._engine, legend=True)
        text = self._text()
        return {
            "text/plain": text,
            "text/html": f'<div style="color:#5f6368;font:12px sans-serif">{html.escape(text)}</div>{picture}',
            "image/svg+xml": picture,
        }

    def __repr__(self) -> str:
        return self._text()
