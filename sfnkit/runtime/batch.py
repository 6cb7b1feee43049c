"""Many executions of one state machine: ``sfnkit.run_many`` and the ``Batch`` it returns.

Execution ``i`` of a batch runs exactly like ``sfnkit.run(sm, inputs[i], seed=seed + i, ...)``, each on its own
virtual clock starting at the same instant, so a batch is as reproducible as a single run, and a single
execution of it can be replayed on its own. Runs happen one after another in this process (a 200-run batch of
a small pipeline takes well under a second); a progress bar (tqdm) shows in notebooks and terminals.

A ``Batch`` is a ``Sequence[Execution]``; its reports (``summary()``, ``states()``, ``timeline(i)``,
``html(path)``...) are those of ``sfnkit.reports``, imported when first used, so ``import sfnkit`` needs
neither pandas nor matplotlib.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

from sfnkit.asl import model as m
from sfnkit.asl.validate import load
from sfnkit.errors import MissingDependencyError
from sfnkit.history.model import History
from sfnkit.runtime.clock import Clock, VirtualClock
from sfnkit.runtime.execution import Execution
from sfnkit.runtime.resources import Resources

__all__ = ["Batch", "run_many"]

ResourcesArg = Mapping[str, Any] | Resources | None


class Batch(Sequence[Execution]):
    """The executions of one ``run_many`` call, in input order, with reports over all of them.

    ``histories``, ``statuses``, ``names`` and ``seeds`` are tuples aligned with the executions. The report
    methods take the same keywords as the ``sfnkit.reports`` functions of the same name; tables get an
    ``execution`` column holding the position in the batch.
    """

    __slots__ = ("_executions", "_histories", "interrupted", "not_started", "seed", "state_machine")

    def __init__(self, executions: Iterable[Execution], *, state_machine: m.StateMachine, seed: int = 0) -> None:
        self._executions: tuple[Execution, ...] = tuple(executions)
        self._histories: list[History | None] = [None] * len(self._executions)
        self.state_machine = state_machine
        self.seed = seed
        #: a Ctrl-C stopped the batch: the executions are those that ran (the last one ABORTED if the interrupt
        #: came during it); ``not_started`` counts the inputs never run (None when the inputs had no length)
        self.interrupted = False
        self.not_started: int | None = 0

    # -- Sequence ---------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._executions)

    @overload
    def __getitem__(self, index: int) -> Execution: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Execution]: ...

    def __getitem__(self, index: int | slice) -> Execution | Sequence[Execution]:
        return self._executions[index]

    def __iter__(self) -> Iterator[Execution]:
        return iter(self._executions)

    # -- aligned data -----------------------------------------------------------------------------------
    @property
    def histories(self) -> tuple[History, ...]:
        """Each execution's history (immutable snapshots).

        The snapshots are kept while an execution's history does not grow, so the views and report rows
        memoised on them are computed once however many reports are asked for.
        """
        out = []
        for i, ex in enumerate(self._executions):
            fresh = ex.history
            kept = self._histories[i]
            if kept is None or len(kept) != len(fresh):
                kept = self._histories[i] = fresh
            out.append(kept)
        return tuple(out)

    @property
    def statuses(self) -> tuple[str, ...]:
        """Each execution's status: ``"SUCCEEDED"``, ``"FAILED"``, ``"TIMED_OUT"``, ``"ABORTED"``, ``"RUNNING"``."""
        return tuple(ex.status for ex in self._executions)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(ex.name for ex in self._executions)

    @property
    def seeds(self) -> tuple[int, ...]:
        """The seed of each execution: ``seed + i``."""
        return tuple(ex.seed for ex in self._executions)

    def counts(self) -> dict[str, int]:
        """How many executions ended with each status, most frequent first."""
        return dict(Counter(self.statuses).most_common())

    # -- reports (sfnkit.reports, imported on first use) -------------------------------------------------
    @staticmethod
    def _reports() -> Any:
        import sfnkit.reports

        return sfnkit.reports

    def events(self) -> Any:
        """``sfnkit.reports.events``: one row per event of every execution."""
        return self._reports().events(self)

    def states(self) -> Any:
        """``sfnkit.reports.states``: one row per state visit."""
        return self._reports().states(self)

    def attempts(self) -> Any:
        """``sfnkit.reports.attempts``: one row per Task attempt."""
        return self._reports().attempts(self)

    def failures(self) -> Any:
        """``sfnkit.reports.failures``: one row per failure event."""
        return self._reports().failures(self)

    def errors(self) -> Any:
        """``sfnkit.reports.errors``: one row per error raised, where it arose."""
        return self._reports().errors(self)

    def overview(self) -> Any:
        """``sfnkit.reports.overview``: one row per execution."""
        return self._reports().overview(self)

    def summary(self) -> Any:
        """``sfnkit.reports.summary``: per state count, total, mean, p50, p95, max, retry and failure rates."""
        return self._reports().summary(self)

    def cost(self, **kwargs: Any) -> Any:
        """``sfnkit.reports.cost``: estimated AWS price per execution (Standard and Express)."""
        return self._reports().cost(self, **kwargs)

    def timeline(self, index: int = 0, ax: Any = None, **kwargs: Any) -> Any:
        """``sfnkit.reports.timeline`` of execution ``index``."""
        return self._reports().timeline(self._executions[index], ax=ax, **kwargs)

    def durations(self, ax: Any = None, **kwargs: Any) -> Any:
        """``sfnkit.reports.durations``: each state's durations across the batch."""
        return self._reports().durations(self, ax=ax, **kwargs)

    def retries_failures(self, ax: Any = None, **kwargs: Any) -> Any:
        """``sfnkit.reports.retries_failures``: a Pareto chart of errors by state."""
        return self._reports().retries_failures(self, ax=ax, **kwargs)

    def html(self, path: Any, **kwargs: Any) -> Any:
        """``sfnkit.reports.html``: write a self-contained HTML report of the batch."""
        return self._reports().html(self, path, **kwargs)

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in self.counts().items())
        stopped = ""
        if self.interrupted:
            left = "the rest" if self.not_started is None else f"{self.not_started}"
            stopped = f"; interrupted, {left} not started"
        return f"<Batch: {len(self)} executions{': ' + counts if counts else ''}{stopped}>"


def _progress(total: int | None, progress: bool | None, description: str) -> Any:
    """A tqdm bar (``tqdm.auto``: a widget in notebooks, text in terminals), or ``None``."""
    if progress is False:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if progress:
            raise MissingDependencyError("tqdm", "reports", "run_many(progress=True)") from None
        return None
    return tqdm(total=total, desc=description, unit="run", leave=True)


def run_many(
    definition: Any,
    inputs: Iterable[Any] | int,
    *,
    resources: ResourcesArg | Callable[[int], ResourcesArg] = None,
    seed: int = 0,
    clock: Callable[[int], Clock] | Clock | None = None,
    progress: bool | None = None,
    keep_stages: bool = False,
    **kwargs: Any,
) -> Batch:
    """Run one state machine once per input and return the executions as a ``Batch``.

    ``definition``: anything ``sfnkit.load`` accepts (loaded once). ``inputs``: the execution inputs, or an
    ``int`` n for n executions with input ``{}``. Execution ``i`` uses seed ``seed + i`` (it is exactly
    ``sfnkit.run(definition, inputs[i], seed=seed + i, ...)``). ``resources``: as for ``sfnkit.run`` and
    shared by all executions, or a function ``i -> resources`` to give each execution its own (for handlers
    that keep state). ``clock``: by default each execution gets a fresh ``VirtualClock`` (so they all start at
    the same instant); pass a function ``i -> Clock`` to choose, or a ``WallClock``. ``progress``: ``None``
    shows a tqdm bar when tqdm is installed, ``True`` requires it, ``False`` hides it. ``keep_stages``: keep
    the per-state data-flow stages for the debugger (off by default: a batch is for statistics). Other
    keywords go to every ``Execution`` (``type``, ``account``, ``region``, ``missing_resources``, ...).

    Misuse (a Task whose resource has no handler, bad keywords) raises before or at the first execution;
    anything that goes wrong *inside* an execution is in its history, as for ``sfnkit.run``.

    Ctrl-C (KeyboardInterrupt) stops the batch and returns what ran: the execution it interrupted is kept,
    ``ABORTED``, with its history closed as for ``sfnkit.run``; the batch has ``interrupted = True`` and
    ``not_started``, the number of inputs never run.
    """
    if "name" in kwargs:
        raise TypeError("run_many() takes no name=: each execution gets its own name from its seed (seed + i)")
    if "breakpoints" in kwargs:
        raise TypeError("run_many() runs every execution to its end; use sfnkit.start() to step with breakpoints")
    if isinstance(clock, VirtualClock):
        raise TypeError(
            "run_many(clock=VirtualClock(...)) would make the executions share one clock; pass a function that "
            "makes one per execution, e.g. clock=lambda i: sfnkit.VirtualClock(start)"
        )
    if isinstance(inputs, bool) or not isinstance(inputs, int | Iterable):
        raise TypeError(
            f"run_many(): inputs must be an iterable of execution inputs or an int, not {type(inputs).__name__}"
        )
    if isinstance(inputs, int):
        if inputs < 0:
            raise ValueError(f"run_many(): cannot run {inputs} executions")
        count: int | None = inputs
        items: Iterable[Any] = ({} for _ in range(inputs))
    else:
        count = len(inputs) if isinstance(inputs, Sequence) else None
        items = inputs
    sm = load(definition)
    per_run_resources = callable(resources) and not isinstance(resources, Mapping | Resources)
    shared: Resources | None = None
    if not per_run_resources:
        shared = resources if isinstance(resources, Resources) else Resources(resources or {})  # type: ignore[arg-type]
    bar = _progress(count, progress, "executions")
    executions: list[Execution] = []
    unsuccessful = 0
    interrupted = False
    try:
        for i, item in enumerate(items):
            if interrupted:
                break
            run_resources = resources(i) if per_run_resources else shared  # type: ignore[operator,misc]
            run_clock = clock(i) if callable(clock) and not isinstance(clock, Clock) else clock
            ex = Execution(
                sm,
                item,
                resources=run_resources,
                seed=seed + i,
                clock=run_clock,  # type: ignore[arg-type]
                keep_stages=keep_stages,
                **kwargs,
            )
            executions.append(ex.run())
            # Ctrl-C during a run aborts that execution (kept, ABORTED); the batch stops there
            interrupted = ex.interrupted
            if bar is not None:
                bar.update(1)
                if ex.status != "SUCCEEDED":
                    unsuccessful += 1
                    bar.set_postfix_str(f"{unsuccessful} not succeeded")
    except KeyboardInterrupt:  # Ctrl-C between two runs: keep every execution that finished
        interrupted = True
    finally:
        if bar is not None:
            bar.close()
    batch = Batch(executions, state_machine=sm, seed=seed)
    if interrupted:
        batch.interrupted = True
        batch.not_started = None if count is None else count - len(executions)
    return batch
