"""Reports over execution histories: pandas tables, matplotlib plots, cost estimates, an HTML report.

Everything here reads ``sfnkit.History`` only (through the memoised views of ``sfnkit.history.views``), so it
works the same on a local execution and on an AWS one (``sfnkit.History.from_boto(...)`` reads a boto3
``get_execution_history`` response, its pages, or the JSON file ``aws stepfunctions get-execution-history``
writes). Each function takes one execution (a ``History`` or an ``Execution``) or many (the batch
``sfnkit.run_many`` returns, or a list); with many, tables get an ``execution`` column::

    from sfnkit import reports
    reports.states(ex)                        # one row per state visit
    reports.summary(batch).sort_values("p95", ascending=False)   # which state makes the p95 latency
    reports.timeline(ex)                      # Gantt chart (matplotlib Axes)
    reports.html(batch, "report.html")        # one self-contained file

Tables (``frames``): ``events``, ``states``, ``attempts``, ``failures``, ``errors``, ``overview``,
``summary``; each documents its columns and dtypes; ``map_run`` tabulates a Distributed Map run's child
executions. Plots (``plots``): ``timeline``, ``durations``,
``retries_failures``. Cost (``pricing``): ``cost``, ``transitions``, ``PRICES``/``Prices``. HTML (``report``):
``html``.

Needs the ``reports`` extra (pandas, matplotlib): ``pip install 'sfnkit[reports]'``. Importing this package
without pandas raises ``sfnkit.errors.MissingDependencyError``; matplotlib is imported only by the plots.
"""

from sfnkit.reports._inputs import require as _require

_require("pandas", "sfnkit.reports")

from sfnkit.reports.frames import attempts, errors, events, failures, overview, states, summary  # noqa: E402
from sfnkit.reports.map_runs import map_run  # noqa: E402
from sfnkit.reports.plots import durations, retries_failures, timeline  # noqa: E402
from sfnkit.reports.pricing import PRICES, Prices, cost, transitions  # noqa: E402
from sfnkit.reports.report import html  # noqa: E402

__all__ = [
    "PRICES",
    "Prices",
    "attempts",
    "cost",
    "durations",
    "errors",
    "events",
    "failures",
    "html",
    "map_run",
    "overview",
    "retries_failures",
    "states",
    "summary",
    "timeline",
    "transitions",
]
