"""Following a live execution's history event by event, so a Debugger step costs the same at event 10 and 10,000.

The history views (:mod:`sfnkit.history.views`) analyse a whole history in one pass. A live execution's history
only grows, and the Debugger looks at it after every step, so re-analysing it each time would make a step cost
grow with the history (measured: about 30 ms per step at 6,000 events). :class:`LiveView` follows it with the
views' public incremental pass, :class:`sfnkit.history.views.Analysis`: each :meth:`LiveView.feed` reads only
the events added since the last one and hears back only about the visits that changed (new, or open before),
with their colours (:mod:`sfnkit.history.colours`, the rule every picture uses). What it gives back has the shapes
of :mod:`sfnkit.widgets.data` (statuses, event rows, inspector records, pending tokens), made by the same
functions there, and ``tests/test_widgets_live.py`` checks it against the whole-history views at every step of
many executions.

Once the execution has ended, the Debugger switches to the whole-history views (the end of a history settles
visits that were left open, which only the whole pass does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sfnkit.history.colours import COLOURS, RANK
from sfnkit.history.model import History
from sfnkit.history.views import Analysis, Scope
from sfnkit.widgets.data import MAX_VISITS, event_rows, in_iteration, inspector, pending_tasks
from sfnkit.widgets.messages import InspectorData, PendingTask

__all__ = ["LiveView"]


class LiveView:
    """The state of a growing history, updated by :meth:`feed` with the events added since the last call."""

    def __init__(self) -> None:
        self.analysis = Analysis()
        """The incremental pass this view reads (public: :class:`sfnkit.history.views.Analysis`)."""
        self._visit: dict[int, tuple[str, Scope, str]] = {}  # visit number -> (name, scope, colour)
        self._counts: dict[str, list[int]] = {}  # state name -> visits per colour rank (in the chosen iteration)
        self._iteration: Mapping[str, int] | None = None

    @property
    def maps(self) -> Mapping[str, int]:
        """Map state name -> iterations started."""
        return self.analysis.iterations

    # -- following the history ------------------------------------------------------------------------------
    def feed(self, history: History) -> set[str]:
        """Apply the events added since the last call; return the names of the states whose visits may have
        changed (those that were open, or were entered since)."""
        touched: set[str] = set()
        for update in self.analysis.extend(history).updates():
            touched.add(update.name)
            old = self._visit.get(update.number)
            if old is not None and old[2] == update.colour:
                continue
            self._visit[update.number] = (update.name, update.scope, update.colour)
            if old is not None:
                self._count(old[0], old[1], old[2], -1)
            self._count(update.name, update.scope, update.colour, +1)
        return touched

    def _count(self, name: str, scope: Scope, colour: str, delta: int) -> None:
        if not in_iteration(scope, self._iteration):
            return
        counts = self._counts.get(name)
        if counts is None:
            counts = self._counts[name] = [0] * len(RANK)
        counts[RANK[colour]] += delta

    def set_iteration(self, iteration: Mapping[str, int] | None) -> None:
        """Count only the visits in the chosen Map iterations (``{map state name: index}``; ``None``: all)."""
        self._iteration = dict(iteration) if iteration else None
        self._counts = {}
        for name, scope, colour in self._visit.values():
            self._count(name, scope, colour, +1)

    # -- what the Debugger shows ------------------------------------------------------------------------------
    @property
    def transitions(self) -> int:
        """State transitions so far: states entered plus retries (``views.state_transitions``)."""
        return self.analysis.transitions

    def statuses(self) -> dict[str, str]:
        """State name -> colour, for the states with at least one visit (``not_run`` left out)."""
        out: dict[str, str] = {}
        for name, counts in self._counts.items():
            for rank in range(len(counts) - 1, 0, -1):
                if counts[rank] > 0:
                    out[name] = COLOURS[rank]
                    break
        return out

    def rows(self, history: History, start: int) -> list[list[Any]]:
        """:func:`sfnkit.widgets.data.event_rows` for the events from position ``start`` on."""
        scopes = self.analysis.scopes
        return event_rows(history, start, len(scopes), scopes=scopes)

    def pending(self, history: History, tokens: Sequence[str]) -> list[PendingTask]:
        """:func:`sfnkit.widgets.data.pending_tasks` from the open visits."""
        return pending_tasks(history, tokens, analysis=self.analysis)

    def inspector(
        self,
        history: History,
        name: str,
        *,
        visits: Sequence[Any] | None = None,
        iteration: Mapping[str, int] | None = None,
        limit: int = MAX_VISITS,
        state_type: str | None = None,
    ) -> InspectorData:
        """:func:`sfnkit.widgets.data.inspector` for a live execution, from the visits followed so far."""
        return inspector(history, name, visits=visits, iteration=iteration, limit=limit, state_type=state_type,
                         analysis=self.analysis)  # fmt: skip
