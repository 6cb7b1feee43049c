"""What executions would cost on AWS: state transitions for Standard workflows, duration and memory for Express.

All prices live in one table, ``PRICES`` (a frozen ``Prices``), with the date they were read and the region
they are for. Override them per call (``cost(batch, prices=dataclasses.replace(PRICES, region="eu-west-1",
standard_per_transition=0.000025))``) or build your own ``Prices``.

How AWS bills (the AWS Step Functions pricing page):

* **Standard**: per state transition. "Step Functions counts a state transition each time a step of your
  workflow is executed", and each retry counts as an additional transition. Here: one per
  ``...StateEntered`` event, plus one per retry (Task retries and Map/Parallel restarts); the same count as
  ``overview().transitions``. The free tier (4,000 transitions a month, per account) is not subtracted.
* **Express**: per request (execution started) plus duration x memory. Duration runs from the start of the
  execution to its end, rounded up to the next 100 ms; memory is billed in 64 MB chunks. AWS estimates a
  workflow's memory as ``50 MB + definition size + payload size x number of Map or Parallel steps``; sfnkit
  takes the largest state input or output of the execution as the payload and the Map iterations plus
  Parallel branches run as the steps (at least 1). Pass ``memory_mb=`` to use a figure you measured (CloudWatch
  ``ExpressExecutionMemory``). Duration prices fall in monthly volume tiers (GB-hours across the account);
  per-execution figures use the first tier, ``Prices.express_duration_usd(gb_seconds)`` applies the tiers
  to a month's total.

The figures are estimates for comparing designs, not a bill: service integrations (Lambda, ...), data
transfer and the free tier are not included.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Final

from sfnkit.history import views
from sfnkit.history.model import History, encode_json
from sfnkit.reports import frames
from sfnkit.reports._inputs import collect, require, state_machine_of

__all__ = ["COST_COLUMNS", "PRICES", "Prices", "cost", "transitions"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Prices:
    """AWS Step Functions prices, in USD, for one region, as published on one date."""

    as_of: str
    """The date the prices were read from the AWS pricing page (ISO 8601)."""
    region: str
    currency: str = "USD"
    standard_per_transition: float
    """Standard workflows: price of one state transition ($0.025 per 1,000 in us-east-1)."""
    standard_free_transitions_per_month: int = 4000
    """Not subtracted by ``cost()``: the free tier is per account and month."""
    express_per_request: float
    """Express workflows: price of one request (one execution started)."""
    express_gb_second_tiers: tuple[tuple[float, float], ...]
    """(up to this many GB-hours a month, price per GB-second), in order; the last tier has ``math.inf``."""
    express_duration_increment_ms: int = 100
    express_memory_chunk_mb: int = 64
    express_base_memory_mb: float = 50.0
    source: str = "https://aws.amazon.com/step-functions/pricing/"

    def express_duration_usd(self, gb_seconds: float) -> float:
        """The duration charge of ``gb_seconds`` billed in one month, through the volume tiers."""
        left = gb_seconds / 3600.0  # GB-hours
        used = 0.0
        usd = 0.0
        for limit, per_gb_second in self.express_gb_second_tiers:
            in_tier = min(left, limit - used)
            if in_tier <= 0:
                continue
            usd += in_tier * 3600.0 * per_gb_second
            left -= in_tier
            used += in_tier
            if left <= 0:
                break
        return usd


#: US East (N. Virginia) prices. Standard: $0.025 per 1,000 state transitions. Express: $1.00 per million
#: requests; duration $0.06 per GB-hour for the first 1,000 GB-hours a month, $0.03 for the next 4,000,
#: $0.01642 beyond (per GB-second: 0.0000166667, 0.0000083333, 0.0000045611).
PRICES: Final = Prices(
    as_of="2026-11-29",
    region="us-east-1",
    standard_per_transition=0.025 / 1000,
    express_per_request=1.00 / 1_000_000,
    express_gb_second_tiers=(
        (1000.0, 0.06 / 3600),
        (5000.0, 0.03 / 3600),
        (math.inf, 0.01642 / 3600),
    ),
)

COST_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("status", "str"),
    ("transitions", "int"),
    ("duration", "td"),
    ("billed_duration", "td"),
    ("memory_mb", "float"),
    ("billed_memory_mb", "int"),
    ("standard_usd", "float"),
    ("express_usd", "float"),
)


#: The longest an Express workflow may run (AWS: "Express Workflows can run for up to five minutes").
EXPRESS_MAX_US: Final = 5 * 60 * 1_000_000


def transitions(history: History) -> int:
    """State transitions as AWS bills them for a Standard workflow: states entered plus one per retry
    (:func:`sfnkit.history.views.state_transitions`, the count every sfnkit summary prints)."""
    return views.state_transitions(history)


def definition_size(source: Any) -> int:
    """The UTF-8 size of the definition behind ``source`` (0 when there is none, as for an AWS history)."""
    sm = state_machine_of(source)
    definition = getattr(sm, "definition", None)
    if not definition:
        return 0
    # the history's encoder: it also writes integers past Python's 4,300-digit limit and escapes lone surrogates
    return len(encode_json(definition).encode("utf-8"))


def _memory_mb(history: History, definition_bytes: int, prices: Prices) -> float:
    rows = history.cached("sfnkit.reports.states", frames.state_rows)
    payload = max(
        (size for column in ("input_bytes", "output_bytes") for size in rows[column] if size is not None), default=0
    )
    steps: set[tuple[int, int, str, int]] = set()
    for span in views.spans(history):
        for frame in span.scope:
            steps.add((frame.entered_event_id, frame.started_event_id, frame.kind, frame.index))
    mb = 1024 * 1024
    return prices.express_base_memory_mb + (definition_bytes + payload * max(1, len(steps))) / mb


def cost(
    source: Any,
    *,
    prices: Prices = PRICES,
    memory_mb: float | None = None,
    definition_bytes: int | None = None,
) -> Any:
    """Estimated AWS price of each execution, as a Standard and as an Express workflow.

        ``source``: one execution (History or Execution) or many (a batch, or a list). ``definition_bytes``:
        the size of the definition for the Express memory estimate (taken from the Execution's state machine when
        there is one, else 0); ``memory_mb``: use this memory instead of the estimate. The frame's
        ``attrs["prices"]`` is the ``Prices`` used. An execution longer than 5 minutes (Express's limit) gets no Express
    price and a warning (``attrs["sfnkit_notes"]``, also a ``UserWarning``). The notebook display adds a total row
    (``attrs["sfnkit_total"]``); the data keeps one row per execution, so ``cost(batch).standard_usd.sum()`` works.

        ======================  ======================  =======================================================
        column                  dtype                   meaning
        ======================  ======================  =======================================================
        ``execution``           int64                   (many only) position of the history in the collection
        ``status``              string                  the execution's status
        ``transitions``         int64                   billed state transitions (Standard): states entered, plus
                                                        one per retry
        ``duration``            timedelta64[us]         start to end of the execution (NaT while running)
        ``billed_duration``     timedelta64[us]         ``duration`` rounded up to the next 100 ms (Express)
        ``memory_mb``           float64                 memory used (Express), estimated unless given
        ``billed_memory_mb``    int64                   rounded up to the next 64 MB chunk
        ``standard_usd``        float64                 ``transitions x standard_per_transition``
        ``express_usd``         float64                 one request plus billed GB-seconds at the first tier's
                                                        price (NaN while running, and for an execution longer
                                                        than 5 minutes, which cannot run as Express)
        ======================  ======================  =======================================================
    """
    pd = require("pandas", "sfnkit.reports.cost()")
    import numpy as np

    histories, many = collect(source, "cost")
    if definition_bytes is None:
        definition_bytes = definition_size(source)
    increment_us = prices.express_duration_increment_ms * 1000
    chunk = prices.express_memory_chunk_mb
    first_tier = prices.express_gb_second_tiers[0][1]
    rows: dict[str, list[Any]] = {name: [] for name, _ in COST_COLUMNS}
    for h in histories:
        summary = views.execution_summary(h)
        n = transitions(h)
        duration = summary.duration
        mem = memory_mb if memory_mb is not None else _memory_mb(h, definition_bytes, prices)
        billed_mem = max(1, math.ceil(mem / chunk)) * chunk
        if duration is None:
            d_us = billed_us = frames.NAT
            express = math.nan
        else:
            d_us = duration // frames.MICROSECOND
            billed_us = max(1, -(-d_us // increment_us)) * increment_us
            express = prices.express_per_request + billed_us / 1e6 * billed_mem / 1024 * first_tier
        rows["status"].append(summary.status)
        rows["transitions"].append(n)
        rows["duration"].append(d_us)
        rows["billed_duration"].append(billed_us)
        rows["memory_mb"].append(mem)
        rows["billed_memory_mb"].append(billed_mem)
        rows["standard_usd"].append(n * prices.standard_per_transition)
        rows["express_usd"].append(express)
    data: dict[str, Any] = {}
    if many:
        data["execution"] = np.arange(len(histories), dtype=np.int64)
    for name, kind in COST_COLUMNS:
        data[name] = frames.frame_column(pd, np, rows[name], kind)
    from sfnkit.reports._display import report_frame

    frame = report_frame(pd.DataFrame(data, copy=False))
    frame.attrs["prices"] = prices
    too_long = [i for i, d in enumerate(rows["duration"]) if d != frames.NAT and d > EXPRESS_MAX_US]
    notes: list[str] = []
    if too_long:
        longest = max(rows["duration"][i] for i in too_long) / 1e6
        which = (
            "the execution" if len(rows["duration"]) == 1 else f"{len(too_long)} of {len(rows['duration'])} executions"
        )
        notes.append(
            f"{which} ran longer than 5 minutes (longest {longest / 60:.1f} min), the most an Express workflow may run: "
            "AWS would stop it (States.Timeout), so it has no Express price (express_usd is NaN); "
            "the Express total covers the others only"
        )
        frame.loc[too_long, "express_usd"] = math.nan
        warnings.warn("sfnkit.reports.cost(): " + notes[-1], UserWarning, stacklevel=2)
    frame.attrs["sfnkit_notes"] = tuple(notes)
    frame.attrs["sfnkit_total"] = _total(frame)
    return frame


def _total(frame: Any) -> dict[str, Any]:
    """The total row the display adds (the data keeps one row per execution): sums of what adds up."""
    priced = frame["express_usd"].notna()
    return {
        "status": f"{len(frame)} executions" if len(frame) != 1 else "1 execution",
        "transitions": int(frame["transitions"].sum()),
        "duration": frame["duration"].sum(),
        "billed_duration": frame.loc[priced, "billed_duration"].sum(),
        "standard_usd": float(frame["standard_usd"].sum()),
        "express_usd": float(frame.loc[priced, "express_usd"].sum()),
    }
