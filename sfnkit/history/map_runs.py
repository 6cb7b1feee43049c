"""What a Distributed Map run leaves behind: its child executions, as ``DescribeMapRun`` and
``ListExecutions(mapRunArn=...)`` show them on AWS.

AWS runs each item (or batch) of a Distributed Map as a child execution with a history of its own; the parent
history only says that the map run started and ended (``MapRunStarted``, ``MapRunSucceeded``/``Failed``). A
:class:`MapRun` keeps, per child, its status, start and stop times and event count in flat arrays (25 bytes a
child), and the child's history itself as the user chose with ``child_histories=`` on ``sfnkit.run`` /
``start`` / ``run_many``:

* ``"auto"`` (the default): ``"all"`` for a map run of up to 10,000 children, ``"failed"`` beyond (a
  child's history costs about 5 KiB, so 100,000 kept histories would take half a GiB);
* ``"all"``: every child's history;
* ``"failed"``: only the failed and aborted children's histories; a succeeded child's history is dropped
  when it ends. This is the setting for runs of hundreds of thousands of children: the figures stay exact,
  and what a user looks at after a big run, the failures, stays whole;
* ``"none"``: no child history (statuses, times and counts only).

A dropped history reads as ``None`` from :meth:`MapRun.history`, never as an empty or made-up one.

It lives beside the history model (not in the runtime) because it is recorded data that the reports read,
and reports never import the runtime.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Any, Final

from sfnkit.history.model import History, HistoryBuilder

__all__ = ["AUTO_KEEP_ALL", "CHILD_HISTORIES", "MapRun"]

#: The values ``child_histories=`` accepts.
CHILD_HISTORIES: Final = ("auto", "all", "failed", "none")
#: Up to this many children, ``"auto"`` keeps every child history.
AUTO_KEEP_ALL: Final = 10_000

# child status codes in MapRun._status (one byte a child)
_NOT_STARTED, _SUCCEEDED, _FAILED, _ABORTED, _RUNNING = 0, 1, 2, 3, 4
_NAMES: Final = ("NOT_STARTED", "SUCCEEDED", "FAILED", "ABORTED", "RUNNING")
_CODES: Final = {name: code for code, name in enumerate(_NAMES)}


class MapRun:
    """One run of a Distributed Map state: ``len(run)`` children (items or batches), in item order."""

    __slots__ = ("_events", "_histories", "_start", "_status", "_stop", "arn", "keep", "state")

    def __init__(self, state: str, arn: str, keep: str, total: int) -> None:
        self.state = state
        """The Map state's name."""
        self.arn = arn
        """The map run ARN (as in ``MapRunStarted`` and the ResultWriter manifest)."""
        self.keep = keep if keep != "auto" else ("all" if total <= AUTO_KEEP_ALL else "failed")
        """Which child histories are kept: ``"all"``, ``"failed"`` or ``"none"`` (``"auto"`` resolved)."""
        self._status = bytearray(total)
        self._start = array("d", bytes(8 * total))
        self._stop = array("d", bytes(8 * total))
        self._events = array("l", bytes(array("l").itemsize * total))
        self._histories: dict[int, HistoryBuilder] = {}

    # -- written by the interpreter ----------------------------------------------------------------------------
    def child_started(self, index: int, sink: HistoryBuilder, at: float) -> None:
        self._start[index] = at
        self._status[index] = _RUNNING
        if self.keep != "none":
            self._histories[index] = sink

    def child_ended(self, index: int, sink: HistoryBuilder, status: str, at: float) -> None:
        code = _CODES[status]
        self._status[index] = code
        self._stop[index] = at
        self._events[index] = len(sink)
        if self.keep == "failed" and code == _SUCCEEDED:
            self._histories.pop(index, None)

    def heal(self) -> None:
        """``HistoryBuilder.heal`` for every kept child history (an interrupt may land in a child's event)."""
        for sink in self._histories.values():
            sink.heal()

    # -- read by users -----------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._status)

    def status(self, index: int) -> str:
        """``"SUCCEEDED"``, ``"FAILED"``, ``"ABORTED"``, ``"RUNNING"`` (started, not ended: a paused run) or
        ``"NOT_STARTED"`` (the run ended before this child started)."""
        return _NAMES[self._status[index]]

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(_NAMES[c] for c in self._status)

    def counts(self) -> dict[str, int]:
        """Children by status, with their total (the ``executionCounts`` of ``DescribeMapRun``)."""
        status = self._status
        out = {name.lower(): status.count(code) for code, name in enumerate(_NAMES)}
        out["total"] = len(status)
        return out

    def failed(self) -> list[int]:
        """Indexes of the children that failed or were aborted."""
        return [i for i, c in enumerate(self._status) if c in (_FAILED, _ABORTED)]

    def history(self, index: int) -> History | None:
        """Child ``index``'s history, or ``None`` when ``child_histories=`` dropped it (or it never started)."""
        if not 0 <= index < len(self._status):
            raise IndexError(f"map run of {self.state!r} has {len(self._status)} children; no child {index}")
        sink = self._histories.get(index)
        return None if sink is None else sink.build()

    def kept(self) -> Iterator[int]:
        """Indexes of the children whose history was kept, in order."""
        return iter(sorted(self._histories))

    def times(self, index: int) -> tuple[float, float, int]:
        """(start, stop, events) of child ``index``, in the execution clock's seconds."""
        return self._start[index], self._stop[index], self._events[index]

    def rows(self) -> Iterator[dict[str, Any]]:
        """One plain dict per child (what ``sfnkit.reports.map_run`` tabulates)."""
        for i, code in enumerate(self._status):
            yield {
                "index": i,
                "status": _NAMES[code],
                "start": self._start[i],
                "stop": self._stop[i],
                "events": self._events[i],
                "history_kept": i in self._histories,
            }

    def __repr__(self) -> str:
        c = self.counts()
        kept = len(self._histories)
        return (
            f"<MapRun of {self.state!r}: {c['total']:,} children, {c['succeeded']:,} succeeded, {c['failed']:,} "
            f"failed, {c['aborted']:,} aborted; {kept:,} histories kept (child_histories={self.keep!r})>"
        )
