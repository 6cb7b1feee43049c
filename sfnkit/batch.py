"""Many executions of one state machine: ``sfnkit.run_many`` and the ``Batch`` it returns.

Execution ``i`` of a batch runs exactly like ``sfnkit.run(sm, inputs[i], seed=seed + i, ...)``, each on its own
virtual clock starting at the same instant, so a batch is as reproducible as a single run, and a single
execution of it can be replayed on its own. Runs happen one after another in this process (a 200-run batch of
a small pipeline takes well under a second), or, with ``processes=N``, in N forked worker processes: each worker
runs a contiguous chunk of the batch and sends back the finished executions as plain data
(``Execution.finished_state()``), which this process turns back into executions in input order. Forking is what
lets handlers defined in a notebook cell run in the workers unchanged: nothing of them is pickled. Either way,
progress shows in notebooks (plain output refreshed in place, so an exported notebook shows the final count) and
in terminals (tqdm).

A ``Batch`` is a ``Sequence[Execution]``; its reports (``summary()``, ``states()``, ``timeline(i)``,
``html(path)``...) are those of ``sfnkit.reports``, imported when first used, so ``import sfnkit`` needs
neither pandas nor matplotlib.

Layer (DESIGN.md): a tool over the runtime, beside :mod:`sfnkit.explaining`. It drives executions through their
public surface (``Execution``, ``finished_state()``) and hands them to the reports, so it sits above both: the
runtime never imports the reports (``tests/test_layers.py``), and the reports read only histories.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

from sfnkit.asl import model as m
from sfnkit.asl.validate import load
from sfnkit.errors import MissingDependencyError, SfnkitError
from sfnkit.history.model import History, PackedBuilder
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


class _NotebookProgress:
    """Progress in a notebook as plain HTML/text output updated through a display handle (no widget).

    tqdm's notebook bar is a widget: an exported or reopened notebook shows the state it was saved with, or
    nothing, so a finished run read "0%". Plain output refreshed in place ends as the final count, and that is
    what every export shows. Updates are throttled (each 2% and at the end).
    """

    def __init__(self, total: int | None, description: str) -> None:
        import uuid

        from IPython.display import display

        self.total, self.description, self.n, self.postfix = total, description, 0, ""
        self._id = uuid.uuid4().hex
        self._shown = -1.0
        display(self._bundle(), raw=True, display_id=self._id)

    def _bundle(self, done: bool = False) -> dict[str, str]:
        import html

        if self.total:
            share = self.n / self.total
            text = f"{self.description}: {self.n}/{self.total} ({share:.0%})"
        else:
            share = 1.0 if done else 0.0
            text = f"{self.description}: {self.n}"
        text += (f"; {self.postfix}" if self.postfix else "") + (" - done" if done else "")
        bar = (
            f'<div style="font:12px sans-serif"><progress value="{share:.4f}" max="1" style="width:16em;'
            f'vertical-align:middle"></progress> {html.escape(text)}</div>'
        )
        return {"text/plain": text, "text/html": bar}

    def _refresh(self, done: bool = False) -> None:
        from IPython.display import update_display

        update_display(self._bundle(done), raw=True, display_id=self._id)

    def update(self, n: int = 1) -> None:
        self.n += n
        share = self.n / self.total if self.total else float(self.n)
        if self.total is None or share - self._shown >= 0.02:
            self._shown = share
            self._refresh()

    def set_postfix_str(self, text: str) -> None:
        self.postfix = text

    def close(self) -> None:
        self._refresh(done=True)


def _in_notebook() -> bool:
    """Running in a Jupyter kernel (where output can be refreshed through a display handle)."""
    import sys

    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()
    except Exception:
        return False
    return ip is not None and hasattr(ip, "kernel")


def _progress(total: int | None, progress: bool | None, description: str) -> Any:
    """Progress: in a notebook, HTML refreshed in place (:class:`_NotebookProgress`, survives export); in a
    terminal, a tqdm text bar; or ``None``."""
    if progress is False:
        return None
    if _in_notebook():
        return _NotebookProgress(total, description)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if progress:
            raise MissingDependencyError("tqdm", "reports", "run_many(progress=True)") from None
        return None
    return tqdm(total=total, desc=description, unit="run", leave=True, file=sys.stderr)


def run_many(
    definition: Any,
    inputs: Iterable[Any] | int,
    *,
    resources: ResourcesArg | Callable[[int], ResourcesArg] = None,
    seed: int = 0,
    clock: Callable[[int], Clock] | Clock | None = None,
    progress: bool | None = None,
    keep_stages: bool = False,
    processes: int | None = None,
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
    the per-state data-flow stages for the debugger (off by default: a batch is for statistics).
    ``processes``: run the batch in that many forked worker processes (``None`` or 1: here, one after
    another). The results are the same executions, in input order, with the same histories as a serial run;
    what handlers change in the workers' memory (counters, caches) stays in the workers. It pays for batches
    whose handlers do real work: the finished histories are copied back, which costs about as much as running
    a tiny pipeline (bench/interpreter.py --batch). Needs the ``fork`` start method (Linux, macOS). Other
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
    if processes is not None and (isinstance(processes, bool) or not isinstance(processes, int) or processes < 1):
        raise ValueError(
            f"run_many(): processes must be a whole number of worker processes (1 or more), got {processes!r}"
        )
    if processes is not None and processes > 1:
        item_list = list(items)
        job = _Job(sm, item_list, resources, per_run_resources, shared, clock, seed, keep_stages, kwargs)
        done, stopped = _run_in_processes(job, processes, progress)
        batch = Batch(done, state_machine=sm, seed=seed)
        if stopped:  # Ctrl-C: the workers are stopped; what came back is kept, the rest never started
            batch.interrupted = True
            batch.not_started = len(item_list) - len(done)
        return batch
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
                clock=run_clock,
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


# -- worker processes ---------------------------------------------------------------------------------------


class _Job:
    """One ``run_many`` call, as the forked workers inherit it (through ``_JOB``, never pickled)."""

    __slots__ = ("clock", "items", "keep_stages", "kwargs", "per_run", "resources", "seed", "shared", "sm")

    def __init__(self, sm: m.StateMachine, items: list[Any], resources: Any, per_run: bool, shared: Resources | None,
                 clock: Any, seed: int, keep_stages: bool, kwargs: dict[str, Any]) -> None:  # fmt: skip
        self.sm, self.items, self.resources, self.per_run, self.shared = sm, items, resources, per_run, shared
        self.clock, self.seed, self.keep_stages, self.kwargs = clock, seed, keep_stages, kwargs

    def shared_options(self) -> dict[str, Any]:
        """The keywords every execution of the batch gets as the same objects (not made per run): the parent puts
        them back into the options of the executions the workers send (``Execution.from_finished_state``)."""
        clock = self.clock
        per_run_clock = callable(clock) and not isinstance(clock, Clock)
        return {**self.kwargs, **({} if per_run_clock else {"clock": clock})}

    def execution(self, i: int) -> Execution:
        run_resources = self.resources(i) if self.per_run else self.shared
        clock = self.clock
        run_clock = clock(i) if callable(clock) and not isinstance(clock, Clock) else clock
        return Execution(self.sm, self.items[i], resources=run_resources, seed=self.seed + i, clock=run_clock,
                         keep_stages=self.keep_stages, **self.kwargs)  # fmt: skip


_JOB: _Job | None = None  # set in the parent just before the workers fork; each worker reads its copy


def _run_chunk(bounds: tuple[int, int]) -> bytes:
    """In a worker: run executions ``start..stop-1`` and return their finished states, pickled."""
    import pickle

    job = _JOB
    assert job is not None, "run_many worker started without a job"
    states = []
    for i in range(*bounds):
        state = job.execution(i).run().finished_state()
        state["_builder"] = PackedBuilder(state["_builder"])  # decoded in the parent only when read
        states.append(state)
    return pickle.dumps(states, protocol=pickle.HIGHEST_PROTOCOL)


def _ignore_interrupts() -> None:
    """Worker initializer: Ctrl-C is the parent's to handle (it stops the pool and keeps what came back)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_in_processes(job: _Job, processes: int, progress: bool | None) -> tuple[list[Execution], bool]:
    import multiprocessing
    import pickle

    global _JOB
    if "fork" not in multiprocessing.get_all_start_methods():
        raise SfnkitError(
            "run_many(processes=...) needs the 'fork' start method, which this platform lacks; handlers defined in "
            "a notebook could not be sent to worker processes here. Run the batch in this process (processes=None)."
        )
    n = len(job.items)
    workers = min(processes, max(n, 1))
    # several chunks per worker: the progress bar moves, and a worker that finishes early takes the next one
    size = max(1, -(-n // (workers * 8)))
    chunks = [(start, min(start + size, n)) for start in range(0, n, size)]
    bar = _progress(n, progress, "executions")
    executions: list[Execution] = []
    unsuccessful = 0
    _JOB = job
    shared = job.shared_options()
    interrupted = False
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_interrupts) as pool:
            for blob in pool.imap(_run_chunk, chunks):
                for state in pickle.loads(blob):
                    ex = Execution.from_finished_state(state, job.sm, job.shared, shared)
                    executions.append(ex)
                    if ex.status != "SUCCEEDED":
                        unsuccessful += 1
                if bar is not None:
                    bar.update(len(executions) - bar.n)
                    if unsuccessful:
                        bar.set_postfix_str(f"{unsuccessful} not succeeded")
    except KeyboardInterrupt:  # leaving the with block terminated the workers; keep every execution received
        interrupted = True
    finally:
        _JOB = None
        if bar is not None:
            bar.close()
    return executions, interrupted
