"""The Distributed Map: ItemReader, ItemBatcher, ResultWriter, tolerated failures and child executions.

AWS docs, "Using Map state in Distributed mode": a distributed Map reads its items through an ``ItemReader``
(:mod:`sfnkit.runtime.items` reads S3 objects from the run's storage), may group them with an ``ItemBatcher``,
runs each item as a child execution with a history of its own (a ``MapRun``, :mod:`sfnkit.history.map_runs`),
fails once more children fail than ``ToleratedFailureCount``/``ToleratedFailurePercentage`` allow, and may write
the children's results with a ``ResultWriter``. The parent's history records ``MapRunStarted`` and
``MapRunSucceeded``/``MapRunFailed``; each child's records ``ExecutionStarted`` ... ``ExecutionSucceeded``/
``ExecutionFailed``/``ExecutionAborted``.

:class:`DistributedMap` belongs to one :class:`~sfnkit.runtime.interpreter.Interpreter`, whose ``s_map`` runs
every Map (inline or distributed) and calls in here for what only a distributed one does. :func:`map_number` reads
a Map setting given literally or through its ``...Path`` form (``MaxConcurrencyPath`` of an inline Map too).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sfnkit import messages as msg
from sfnkit.asl import model as m
from sfnkit.errors import EXCEED_TOLERATED_FAILURE_THRESHOLD, ITEM_READER_FAILED, RUNTIME
from sfnkit.history import events as ev
from sfnkit.history.map_runs import MapRun
from sfnkit.history.model import HistoryBuilder
from sfnkit.runtime import dataflow as df
from sfnkit.runtime import items as items_mod
from sfnkit.runtime.failures import error_details, state_error
from sfnkit.runtime.scheduler import Branch, Failed, Join

if TYPE_CHECKING:
    from sfnkit.runtime.interpreter import Interpreter

__all__ = ["DistributedMap", "map_number"]


class ReaderFailure(Sequence[Any]):
    """No items: the ItemReader failed (``States.ItemReaderFailed``). AWS reads the items inside the map run
    (recorded: test_map_item_reader_csv_headers_decl_duplicate_headers, ...csv_max_items_paths[-1]): the failure
    shows after ``MapRunStarted``, as ``MapRunFailed``, its cause without the state prefix, so
    :meth:`DistributedMap.start` raises it there."""

    __slots__ = ("failure",)

    def __init__(self, failure: Failed) -> None:
        self.failure = failure

    def __len__(self) -> int:
        return 0

    def __getitem__(self, index: Any) -> Any:
        raise IndexError("the ItemReader failed: no items")


class DistributedMap:
    """The distributed Maps of one execution: their MapRuns, their running children, their item I/O."""

    def __init__(self, ip: Interpreter) -> None:
        # a weak reference: the interpreter holds this object, which must not hold the interpreter (a cycle
        # would keep every finished execution, its history included, until the cycle collector runs)
        self.ip = weakref.proxy(ip)
        self._children: dict[Branch, tuple[MapRun, int]] = {}  # running child executions

    # -- the map run ------------------------------------------------------------------------------------------
    def start(self, st: m.MapState, branch: Branch, items: Sequence[Any]) -> str:
        """Record ``MapRunStarted``; returns the map run's ARN. Items that an ItemReader failed to read
        (:class:`ReaderFailure`) fail the run here: ``MapRunFailed``, then the Map's failure."""
        ip = self.ip
        run_arn = (
            f"arn:aws:states:{ip.region}:{ip.account}:mapRun:{ip.sm_ctx['Name']}/{st.label or st.name}:{ip.uuid()}"
        )
        ip.record(branch, ev.MAP_RUN_STARTED, {"mapRunArn": run_arn})
        if isinstance(items, ReaderFailure):
            ip.record(branch, ev.MAP_RUN_FAILED, error_details(items.failure))
            raise items.failure
        return run_arn

    def open_run(self, st: m.MapState, run_arn: str, count: int) -> MapRun:
        """The MapRun of ``count`` children (items or batches), listed on the interpreter's ``map_runs``."""
        run = MapRun(st.name, run_arn, self.ip.child_histories, count)
        self.ip.map_runs.append(run)
        return run

    def succeeded(self, branch: Branch) -> None:
        self.ip.record(branch, ev.MAP_RUN_SUCCEEDED)

    def failed(self, branch: Branch, f: Failed) -> Failed:
        """Record ``MapRunFailed``; returns the Map's failure: a child's failure past the tolerated threshold is
        ``States.ExceedToleratedFailureThreshold``, a terminal run-time error stays what it is."""
        self.ip.record(branch, ev.MAP_RUN_FAILED, error_details(f))
        if not f.terminal:
            return Failed(EXCEED_TOLERATED_FAILURE_THRESHOLD, msg.tolerated_threshold_exceeded())
        return f

    def tolerance(
        self, st: m.MapState, eid: int, branch: Branch, data: Any, eff: Any, ctx: Any, variables: Any
    ) -> Callable[[int, int], bool]:
        """The rule ``tolerated(failures, total)`` of ``ToleratedFailureCount``/``...Percentage`` (or their
        ``...Path`` forms; JSONata expressions in a JSONata state)."""
        try:
            if st.query_language == "JSONata":
                return self._j_tolerance(st, eid, branch, {"input": data, "context": ctx})
            return self._tolerance(st, eff, ctx, variables)
        except Failed as f:
            raise state_error(st, eid, f) from None

    # -- child executions -------------------------------------------------------------------------------------
    def child_started(self, run: MapRun, i: int, child: Branch) -> None:
        """Child ``i`` is an execution of its own: its own history, whose first event links to none."""
        child.prev = 0
        child.sink = HistoryBuilder(self.ip.builder.kinds)  # the parent's table of event kinds: a few, shared
        run.child_started(i, child.sink, self.ip.clock.now())
        self._children[child] = (run, i)

    def child_execution_started(self, child: Branch, data: Any) -> None:
        self.ip.record(child, ev.EXECUTION_STARTED, {"input": data, "roleArn": self.ip.exec_ctx["RoleArn"]})

    def child_succeeded(self, child: Branch, output: Any) -> None:
        self.ip.record(child, ev.EXECUTION_SUCCEEDED, {"output": output})
        self.child_ended(child, "SUCCEEDED")

    def child_failed(self, child: Branch, f: Failed) -> None:
        self.ip.record(child, ev.EXECUTION_FAILED, error_details(f))
        self.child_ended(child, "FAILED")

    def child_aborted(self, child: Branch) -> None:
        self.ip.record(child, ev.EXECUTION_ABORTED)
        self.child_ended(child, "ABORTED")

    def params(
        self,
        st: m.MapState,
        eid: int,
        branch: Branch,
        spec: Mapping[str, Any],
        field: str,
        eff: Any,
        ctx: Any,
        states: Any,
    ) -> Any:
        if st.query_language == "JSONata":
            return self.ip.jn.evaluate(st, eid, branch, spec.get("Arguments", {}), f"{field}/Arguments", states)
        try:
            return df.evaluate_template(spec.get("Parameters", {}), eff, ctx, branch.variables, self.ip.rng)
        except Failed as f:
            raise state_error(st, eid, f) from None

    def reader_items(self, st: m.MapState, eid: int, branch: Branch, eff: Any, ctx: Any, states: Any) -> Sequence[Any]:
        reader = st.item_reader or {}
        config = dict(reader.get("ReaderConfig") or {})
        params = self.params(st, eid, branch, reader, "ItemReader", eff, ctx, states)
        max_items = config.get("MaxItems")
        if states is not None and isinstance(max_items, str):
            max_items = self.ip.jn.typed(
                st, eid, branch, max_items, "ItemReader/ReaderConfig/MaxItems", states, "integer"
            )
        elif "MaxItemsPath" in config:
            max_items = map_number(None, config["MaxItemsPath"], "MaxItems", eff, ctx, branch.variables, "integer")
        try:
            return items_mod.read_items(
                self.ip.storage,
                str(reader.get("Resource", "")),
                params or {},
                config,
                int(max_items) if max_items is not None else None,
            )
        except Failed as f:
            if f.error != ITEM_READER_FAILED or not st.is_distributed:
                raise
            return ReaderFailure(f)

    def batches(
        self,
        st: m.MapState,
        eid: int,
        branch: Branch,
        items: Sequence[Any],
        eff: Any,
        data: Any,
        ctx: Any,
        selector: Any,
        entered: float,
    ) -> Sequence[Any]:
        spec = st.item_batcher or {}
        jn = st.query_language == "JSONata"
        states = {"input": data, "context": ctx}
        limits: dict[str, int | None] = {}
        for key in ("MaxItemsPerBatch", "MaxInputBytesPerBatch"):
            value = spec.get(key)
            if jn and isinstance(value, str):
                value = self.ip.jn.typed(st, eid, branch, value, f"ItemBatcher/{key}", states, "integer")
            elif not jn and f"{key}Path" in spec:
                try:
                    value = map_number(None, spec[f"{key}Path"], key, eff, ctx, branch.variables, "integer")
                except Failed as f:
                    raise state_error(st, eid, f) from None
            limits[key] = int(value) if value is not None else None
        batch_input = None
        if "BatchInput" in spec:
            batch_input = (
                self.ip.jn.evaluate(st, eid, branch, spec["BatchInput"], "ItemBatcher/BatchInput", states)
                if jn
                else df.evaluate_template(spec["BatchInput"], eff, ctx, branch.variables, self.ip.rng)
            )
        if selector is not m.MISSING:
            selected = []
            for i, item in enumerate(items):
                item_ctx = self.ip.context(st, entered, branch, {"Map": {"Item": {"Index": i, "Value": item}}})
                selected.append(
                    self.ip.jn.evaluate(st, eid, branch, selector, "ItemSelector", {"input": data, "context": item_ctx})
                    if jn
                    else df.evaluate_template(selector, eff, item_ctx, branch.variables, self.ip.rng)
                )
            items = selected
        return items_mod.batch_items(items, limits["MaxItemsPerBatch"], limits["MaxInputBytesPerBatch"], batch_input)

    def write_results(
        self,
        st: m.MapState,
        eid: int,
        branch: Branch,
        join: Join,
        items: Sequence[Any],
        run_arn: str,
        data: Any,
        eff: Any,
        ctx: Any,
    ) -> Any:
        spec = st.result_writer or {}
        params = self.params(st, eid, branch, spec, "ResultWriter", eff, ctx, {"input": data, "context": ctx})

        def outcomes() -> Iterator[tuple[str, Any, Any]]:  # one child at a time: items may be decoded lazily
            for i in range(len(items)):
                failure = join.errors.get(i)
                if failure is None:
                    yield "SUCCEEDED", items[i], join.results[i]
                else:
                    yield "FAILED", items[i], {"Error": failure.error, "Cause": failure.cause}

        return items_mod.write_results(self.ip.storage, params or {}, run_arn, self.ip.exec_ctx["Id"], outcomes())

    def _j_tolerance(self, st: m.MapState, eid: int, branch: Branch, states: Any) -> Callable[[int, int], bool]:
        count, pct = st.tolerated_failure_count, st.tolerated_failure_percentage
        if count is not None:
            count = int(self.ip.jn.typed(st, eid, branch, count, "ToleratedFailureCount", states, "integer"))
        if pct is not None:
            pct = float(self.ip.jn.typed(st, eid, branch, pct, "ToleratedFailurePercentage", states, "number"))
        return self._tolerance_rule(count, pct)

    def _tolerance(self, st: m.MapState, eff: Any, ctx: Any, variables: Any) -> Callable[[int, int], bool]:
        count = map_number(
            st.tolerated_failure_count,
            st.tolerated_failure_count_path,
            "ToleratedFailureCount",
            eff,
            ctx,
            variables,
            "integer",
        )
        pct = map_number(
            st.tolerated_failure_percentage,
            st.tolerated_failure_percentage_path,
            "ToleratedFailurePercentage",
            eff,
            ctx,
            variables,
            "float",
        )
        return self._tolerance_rule(count, pct)

    @staticmethod
    def _tolerance_rule(count: int | None, pct: float | None) -> Callable[[int, int], bool]:
        if count is not None and count < 0:
            raise Failed(RUNTIME, msg.tolerated_count_negative(), terminal=True)
        if pct is not None and not 0 <= pct <= 100:
            raise Failed(RUNTIME, msg.tolerated_percentage_range(), terminal=True)

        def tolerated(failures: int, total: int) -> bool:
            if count is not None and failures <= count:
                return True
            return pct is not None and total > 0 and failures * 100.0 / total <= pct

        return tolerated

    def child_ended(self, child: Branch, status: str) -> None:
        """A Distributed Map child execution ended: its MapRun notes it (and drops its history if so asked)."""
        entry = self._children.pop(child, None)
        if entry is not None and child.sink is not None:
            run, index = entry
            run.child_ended(index, child.sink, status, self.ip.clock.now())


def map_number(value: Any, path: str | None, field: str, eff: Any, ctx: Any, variables: Any, kind: str) -> Any:
    """A Map setting given literally or through its ``...Path`` form (numeric strings are accepted, as AWS does)."""
    if path is None:
        return value
    v = df.select(path, eff, ctx, variables)
    number: float | None = None
    if isinstance(v, int | float) and not isinstance(v, bool):
        number = v
    elif isinstance(v, str):
        try:
            number = int(v) if kind == "integer" else float(v)
        except ValueError:
            number = None
    if number is None or (kind == "integer" and not float(number).is_integer()):
        shown = v if isinstance(v, str) else df.json_text(v)
        raise Failed(RUNTIME, msg.map_path_value_invalid(field, shown, kind, path), terminal=True)
    return int(number) if kind == "integer" else float(number)
