"""Write and execute the tutorial notebooks from the sources below (``python notebooks/_build.py [NAME...]``).

The notebooks are committed with their outputs so they read well on GitHub, and the test suite executes them
again (``pytest --nbval-lax``). Keeping their sources here, as plain Python data, keeps them reviewable and
their outputs reproducible: every run uses the virtual clock and fixed seeds, and needs no network.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent

MD = "md"
PY = "py"

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {}


def notebook(name: str, cells: list[tuple[str, str]]) -> None:
    NOTEBOOKS[name] = cells


# --------------------------------------------------------------------------------------------------------------
notebook("01_getting_started", [
    (MD, """# Getting started with sfnkit

sfnkit runs AWS Step Functions state machines (Amazon States Language, ASL) inside this notebook. Task states
call Python functions; waits and retries run on a virtual clock; the result is the same output, error and event
history AWS would record. This notebook builds a first state machine, runs it, and looks at what it did."""),
    (PY, """import sfnkit

sfnkit.__version__"""),
    (MD, """## A state machine is a JSON document

Two states: a **Task** that calls a function, then a **Succeed** state. `sfnkit.load` validates the definition
and returns an immutable `StateMachine`. In a notebook it displays as its graph."""),
    (PY, """greeter = sfnkit.load({
    "Comment": "Greet someone",
    "StartAt": "Greet",
    "States": {
        "Greet": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:greet",
            "ResultPath": "$.greeting",
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
})
greeter"""),
    (MD, """## Tasks are Python functions

`resources` maps the Lambda function name (or the full ARN) to a function. It receives the task's input and
returns its result, as a Lambda handler would."""),
    (PY, """def greet(event):
    return f"Hello, {event['name']}!"

execution = sfnkit.run(greeter, {"name": "Ada"}, resources={"greet": greet})
execution"""),
    (PY, """# NBVAL_CHECK_OUTPUT
print(execution.status)
print(execution.output)"""),
    (MD, """## The history is what AWS would record

`execution.history` is a sequence of events with the same types and details as AWS's `GetExecutionHistory`.
`to_boto()` gives exactly that response body."""),
    (PY, """# NBVAL_CHECK_OUTPUT
for event in execution.history:
    print(event.id, event.previous_event_id, event.type, event.state_name or "")"""),
    (PY, """execution.history.to_boto()["events"][2]"""),
    (MD, """## Mistakes are reported before anything runs

A typo in a field name, a missing state or a missing function each get a message that says what is wrong,
where (a JSON Pointer into the definition), and what would be right."""),
    (PY, """# NBVAL_CHECK_OUTPUT
for d in sfnkit.validate({"StartAt": "Greet", "States": {"Greet": {"Type": "Pass", "Nxt": "Done"}}}):
    print(d)"""),
    (PY, """# NBVAL_CHECK_OUTPUT
try:
    sfnkit.run(greeter, {"name": "Ada"}, resources={"gret": greet})
except sfnkit.ResourceError as e:
    print(e)"""),
])

# --------------------------------------------------------------------------------------------------------------
notebook("03_error_handling", [
    (MD, """# Error handling: Retry, Catch, timeouts and heartbeats

Everything time-related runs on sfnkit's **virtual clock**: a retry that backs off for minutes, or a one-day
Wait, finishes at once, while the history shows the times AWS would have shown."""),
    (PY, """import sfnkit"""),
    (MD, """## Retry with exponential backoff and jitter

`flaky` fails twice with a `ServiceBusy` error, then succeeds. The Retry waits 2 s, then 4 s (BackoffRate 2),
capped by `MaxDelaySeconds`; `JitterStrategy: FULL` would randomise each wait between 0 and that value, drawn
from the execution's seed."""),
    (PY, """calls = {"n": 0}

def flaky(event):
    calls["n"] += 1
    if calls["n"] <= 2:
        raise sfnkit.TaskFailure("ServiceBusy", f"attempt {calls['n']}: try again later")
    return {"ok": True, "attempts": calls["n"]}

retrying = sfnkit.load({
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
            "Retry": [{"ErrorEquals": ["ServiceBusy"], "IntervalSeconds": 2, "BackoffRate": 2.0,
                       "MaxAttempts": 3, "MaxDelaySeconds": 60}],
            "End": True,
        }
    },
})
ex = sfnkit.run(retrying, {}, resources={"flaky": flaky})
ex"""),
    (PY, """# NBVAL_CHECK_OUTPUT
start = ex.history[0].timestamp
for e in ex.history:
    print(f"+{(e.timestamp - start).total_seconds():5.1f} s  {e.type}")"""),
    (MD, """## Catch with a fallback

When retries run out, `Catch` sends the error to another state. `ResultPath` decides where the error output
(`{"Error": ..., "Cause": ...}`) goes in the input; here it is kept beside the original input."""),
    (PY, """def always_down(event):
    raise ConnectionError("payment service unreachable")

with_fallback = sfnkit.load({
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
            "Retry": [{"ErrorEquals": ["ConnectionError"], "MaxAttempts": 2}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "QueueForLater"}],
            "End": True,
        },
        "QueueForLater": {"Type": "Pass", "Result": "queued", "ResultPath": "$.status", "End": True},
    },
})
ex = sfnkit.run(with_fallback, {"order": 7}, resources={"charge": always_down})
print(ex.status)
print(ex.output["status"], "|", ex.output["error"]["Error"])"""),
    (MD, """A Python exception becomes a task failure whose error is the exception's class name and whose cause is
Lambda's error payload (`errorMessage`, `errorType`, `stackTrace`), exactly as a real Lambda function would
report it."""),
    (PY, """import json
json.loads(ex.output["error"]["Cause"])["errorMessage"]"""),
    (MD, """## Timeouts and heartbeats

`TimeoutSeconds` bounds a task. `sfnkit.virtual_sleep(seconds)` lets a handler take virtual time, so a slow
task can be simulated without waiting."""),
    (PY, """def slow(event):
    sfnkit.virtual_sleep(90)   # pretend this takes a minute and a half
    return "finally"

timed = sfnkit.load({
    "StartAt": "Slow",
    "States": {"Slow": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:slow",
                        "TimeoutSeconds": 30, "End": True}},
})
ex = sfnkit.run(timed, {}, resources={"slow": slow})
print(ex.status, ex.error)
print([e.type for e in ex.history])"""),
    (MD, """A callback task (`.waitForTaskToken`) with `HeartbeatSeconds` must hear from its worker in time. `run()`
stops while the token is pending, so you can answer it; calling `run()` again without answering lets virtual
time pass, and the heartbeat deadline fires."""),
    (PY, """callback = sfnkit.load({
    "StartAt": "Approve",
    "States": {"Approve": {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "notify", "Payload": {"token.$": "$$.Task.Token"}},
        "TimeoutSeconds": 3600, "HeartbeatSeconds": 60, "End": True}},
})
ex = sfnkit.run(callback, {}, resources={"notify": lambda event: None})
print(ex.status, "waiting on", len(ex.pending_tokens), "token")
ex.run()   # nobody answers: time passes
print(ex.status, ex.error)"""),
    (MD, """## What `States.ALL` does not catch

`States.ALL` catches every error except `States.Runtime`: a run-time error in the data flow (a path that matches
nothing, say) fails the execution, whatever the Catch says."""),
    (PY, """# NBVAL_CHECK_OUTPUT
strict = sfnkit.load({
    "StartAt": "Pick",
    "States": {
        "Pick": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo",
                 "OutputPath": "$.no.such.field",
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": True},
        "Caught": {"Type": "Succeed"},
    },
})
ex = sfnkit.run(strict, {"x": 1}, resources={"echo": lambda event: event})
print(ex.status, ex.error)
print(ex.cause)"""),
])

# --------------------------------------------------------------------------------------------------------------
notebook("07_jsonata_and_variables", [
    (MD, """# JSONata and variables

Since November 2024 Step Functions has a second query language, **JSONata**, and **workflow variables**
(`Assign`). sfnkit runs both, with AWS's JSONata extensions (`$partition`, `$range`, `$hash`, `$random`,
`$uuid`, `$parse`)."""),
    (PY, """import sfnkit"""),
    (MD, """## The same state in both languages

JSONPath reshapes data with `InputPath`, `Parameters`, `ResultSelector`, `ResultPath` and `OutputPath`. JSONata
has two fields: `Arguments` (what the task receives) and `Output` (what the state passes on), each written as
`{% expression %}` with `$states.input`, `$states.result` and `$states.context`."""),
    (PY, """def price(event):
    return {"net": round(sum(i["price"] * i["qty"] for i in event["items"]), 2)}

jsonpath_version = {
    "StartAt": "Price",
    "States": {"Price": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:price",
        "Parameters": {"items.$": "$.order.items"},
        "ResultSelector": {"total.$": "$.net"},
        "ResultPath": "$.invoice",
        "End": True}},
}
jsonata_version = {
    "QueryLanguage": "JSONata",
    "StartAt": "Price",
    "States": {"Price": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:price",
        "Arguments": {"items": "{% $states.input.order.items %}"},
        "Output": "{% $merge([$states.input, {'invoice': {'total': $states.result.net}}]) %}",
        "End": True}},
}
order = {"order": {"items": [{"price": 2.5, "qty": 4}, {"price": 1.25, "qty": 2}]}}
a = sfnkit.run(jsonpath_version, order, resources={"price": price})
b = sfnkit.run(jsonata_version, order, resources={"price": price})
print(a.output)
print(b.output)
assert a.output == b.output"""),
    (MD, """## Variables

`Assign` stores values under a name; later states read them as `$name`, in either language. All the
expressions of one `Assign` see the variables as they were before it, and a state's `Output` does not see what
its own `Assign` writes."""),
    (PY, """# NBVAL_CHECK_OUTPUT
counter = sfnkit.load({
    "QueryLanguage": "JSONata",
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Assign": {"count": 0, "seen": []}, "Next": "Loop"},
        "Loop": {"Type": "Choice",
                 "Choices": [{"Condition": "{% $count < 3 %}", "Next": "Step"}],
                 "Default": "Report"},
        "Step": {"Type": "Pass",
                 "Assign": {"count": "{% $count + 1 %}", "seen": "{% $append($seen, $count) %}"},
                 "Next": "Loop"},
        "Report": {"Type": "Pass", "Output": {"count": "{% $count %}", "seen": "{% $seen %}"}, "End": True},
    },
})
ex = sfnkit.run(counter, {})
print(ex.output)
print([dict(e.details["assignedVariables"]) for e in ex.history if e.details and "assignedVariables" in e.details])"""),
    (MD, """## Scopes

A Parallel branch or a Map iteration reads the variables outside it but cannot change them: its assignments
stay inside."""),
    (PY, """# NBVAL_CHECK_OUTPUT
scoped = sfnkit.load({
    "QueryLanguage": "JSONata",
    "StartAt": "Set",
    "States": {
        "Set": {"Type": "Pass", "Assign": {"label": "outer"}, "Next": "Each"},
        "Each": {"Type": "Map", "Items": [1, 2, 3],
                 "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {
                     "Type": "Pass", "Assign": {"label": "inner"},
                     "Output": "{% $label & '-' & $string($states.input) %}", "End": True}}},
                 "Next": "After"},
        "After": {"Type": "Pass", "Output": {"items": "{% $states.input %}", "label": "{% $label %}"}, "End": True},
    },
})
print(sfnkit.run(scoped, {}).output)"""),
    (MD, """## AWS's JSONata functions

`$partition`, `$range`, `$hash`, `$random`, `$uuid` and `$parse` behave as on AWS; `$random` and `$uuid` draw
from the execution's seed, so a run is reproducible. `%%jsonata` evaluates an expression in a cell, for
trying things out."""),
    (PY, """%load_ext sfnkit"""),
    (PY, """%%jsonata --input {"n": 7, "text": "{\\"a\\": [1, 2, 3]}"}
{
  "chunks": $partition($range(1, $states.input.n, 1), 3),
  "sha": $hash("sfnkit", "SHA-256"),
  "parsed": $parse($states.input.text).a
}"""),
    (MD, """Mistakes in expressions are caught when the definition is loaded, with a caret under the problem, or at run
time as `States.QueryEvaluationError` with AWS's own wording."""),
    (PY, """# NBVAL_CHECK_OUTPUT
for d in sfnkit.validate({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {
        "Type": "Pass", "Output": "{% $states.inptu.x %}", "End": True}}}):
    print(d)
ex = sfnkit.run({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {
        "Type": "Pass", "Output": "{% $states.input.missing %}", "End": True}}}, {})
print(ex.error)
print(ex.cause)"""),
])


# --------------------------------------------------------------------------------------------------------------
notebook("02_workflow_patterns", [
    (MD, """# Workflow patterns: sequence, Parallel, Choice and Map

Four building blocks, each with its graph and a timeline of one run. The tasks are small Python functions that
take some *virtual* time (`sfnkit.virtual_sleep`), so the timelines show realistic durations while the notebook
runs in a blink."""),
    (PY, """import sfnkit
from sfnkit import reports

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"

def work(seconds):
    def handler(event):
        sfnkit.virtual_sleep(seconds)
        return event
    return handler"""),
    (MD, """## Sequence

States run one after another; each passes its output to the next."""),
    (PY, """sequence = sfnkit.load({
    "StartAt": "Extract",
    "States": {
        "Extract": {"Type": "Task", "Resource": ARN + "extract", "Next": "Transform"},
        "Transform": {"Type": "Task", "Resource": ARN + "transform", "Next": "Load"},
        "Load": {"Type": "Task", "Resource": ARN + "load", "End": True},
    },
})
ex = sfnkit.run(sequence, {"rows": 100}, resources={"extract": work(3), "transform": work(5), "load": work(2)})
ex"""),
    (PY, """reports.timeline(ex);"""),
    (MD, """## Parallel

Branches run side by side; the state's result is the list of the branches' outputs, in branch order."""),
    (PY, """parallel = sfnkit.load({
    "StartAt": "Enrich",
    "States": {"Enrich": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "Geo", "States": {"Geo": {"Type": "Task", "Resource": ARN + "geo", "End": True}}},
        {"StartAt": "Credit", "States": {
            "Credit": {"Type": "Task", "Resource": ARN + "credit", "Next": "Score"},
            "Score": {"Type": "Task", "Resource": ARN + "score", "End": True}}},
    ]}},
})
ex = sfnkit.run(parallel, {"customer": 42}, resources={"geo": work(4), "credit": work(2), "score": work(3)})
print(ex.output)
reports.timeline(ex);"""),
    (MD, """## Choice

A Choice state picks the next state from rules over the input; `Default` catches everything else."""),
    (PY, """# NBVAL_CHECK_OUTPUT
choice = sfnkit.load({
    "StartAt": "Route",
    "States": {
        "Route": {"Type": "Choice", "Choices": [
            {"Variable": "$.amount", "NumericGreaterThan": 1000, "Next": "ManualReview"},
            {"And": [{"Variable": "$.country", "StringEquals": "NL"},
                     {"Variable": "$.vip", "BooleanEquals": True}], "Next": "FastTrack"}],
         "Default": "Standard"},
        "ManualReview": {"Type": "Pass", "Result": "manual", "End": True},
        "FastTrack": {"Type": "Pass", "Result": "fast", "End": True},
        "Standard": {"Type": "Pass", "Result": "standard", "End": True},
    },
})
for order in [{"amount": 5000}, {"amount": 20, "country": "NL", "vip": True}, {"amount": 20, "country": "FR", "vip": True}]:
    print(order, "->", sfnkit.run(choice, order).output)"""),
    (PY, """sfnkit.run(choice, {"amount": 5000})"""),
    (MD, """## Map

A Map runs the same states for every item of an array. `MaxConcurrency` limits how many run at once: with 2,
the ten items below take five rounds."""),
    (PY, """mapping = sfnkit.load({
    "StartAt": "Each",
    "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.files", "MaxConcurrency": 2, "End": True,
        "ItemProcessor": {"StartAt": "Resize", "States": {
            "Resize": {"Type": "Task", "Resource": ARN + "resize", "End": True}}}}},
})
ex = sfnkit.run(mapping, {"files": [f"img{i}.png" for i in range(10)]}, resources={"resize": work(6)})
print(ex.summary())
reports.timeline(ex);"""),
    (PY, """reports.states(ex)[["state", "iteration", "entered", "duration", "status"]].head()"""),
])

# --------------------------------------------------------------------------------------------------------------
notebook("04_data_pipeline", [
    (MD, """# A data pipeline: extract, validate, transform, load

An ETL over a real dataset shipped with this repository (`data/wine.csv`: 178 wines, 13 chemical measurements,
three cultivars; see `data/README.md`). The Task functions use pandas; the state machine orchestrates them:
extract, validate, a Map over one partition per cultivar, and a load step that writes the results. Each step
also takes a little virtual time proportional to its work, so the report at the end has something to show."""),
    (PY, """import tempfile
from pathlib import Path

import pandas as pd

import sfnkit
from sfnkit import reports

DATA = Path("data/wine.csv")
OUT = Path(tempfile.mkdtemp(prefix="sfnkit-etl-"))"""),
    (MD, """## The tasks

Payloads between states must be JSON (and under 256 KiB), so the tasks pass file paths and small summaries,
not DataFrames."""),
    (PY, """def extract(event):
    frame = pd.read_csv(event["source"])
    sfnkit.virtual_sleep(len(frame) * 0.05)
    return {"source": event["source"], "rows": len(frame), "cultivars": sorted(frame["cultivar"].unique().tolist())}

LIMITS = {"alcohol": (10, 16), "ash": (1, 4), "hue": (0.4, 2), "proline": (200, 1800)}

def validate(event):
    frame = pd.read_csv(event["source"])
    bad = pd.Series(False, index=frame.index)
    for column, (low, high) in LIMITS.items():
        bad |= ~frame[column].between(low, high)
    sfnkit.virtual_sleep(len(frame) * 0.02)
    if bad.mean() > 0.05:
        raise sfnkit.TaskFailure("Data.TooManyBadRows", f"{int(bad.sum())} of {len(frame)} rows out of range")
    return {"checked": len(frame), "rejected": int(bad.sum())}

def transform(event):
    frame = pd.read_csv(event["source"])
    part = frame[frame["cultivar"] == event["cultivar"]]
    sfnkit.virtual_sleep(len(part) * 0.1)
    stats = part.drop(columns="cultivar").agg(["mean", "std"]).round(3)
    path = OUT / f"cultivar_{event['cultivar']}.csv"
    stats.to_csv(path)
    return {"cultivar": event["cultivar"], "rows": len(part), "file": str(path),
            "mean_alcohol": float(stats.loc["mean", "alcohol"])}

def load(event):
    summary = pd.DataFrame(event["partitions"]).sort_values("cultivar")
    summary.to_csv(OUT / "summary.csv", index=False)
    sfnkit.virtual_sleep(1)
    return {"written": sorted(p.name for p in OUT.glob("*.csv")), "rows": int(summary["rows"].sum())}

handlers = {"extract": extract, "validate": validate, "transform": transform, "load": load}"""),
    (MD, """## The state machine"""),
    (PY, """ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
etl = sfnkit.load({
    "Comment": "Wine ETL",
    "StartAt": "Extract",
    "States": {
        "Extract": {"Type": "Task", "Resource": ARN + "extract", "ResultPath": "$.extracted", "Next": "Validate"},
        "Validate": {"Type": "Task", "Resource": ARN + "validate",
                     "Parameters": {"source.$": "$.source"}, "ResultPath": "$.validation",
                     "Catch": [{"ErrorEquals": ["Data.TooManyBadRows"], "ResultPath": "$.error", "Next": "Rejected"}],
                     "Next": "Transform"},
        "Transform": {"Type": "Map", "ItemsPath": "$.extracted.cultivars", "MaxConcurrency": 2,
                      "ItemSelector": {"source.$": "$.source", "cultivar.$": "$$.Map.Item.Value"},
                      "ItemProcessor": {"StartAt": "Partition", "States": {
                          "Partition": {"Type": "Task", "Resource": ARN + "transform", "End": True}}},
                      "ResultPath": "$.partitions", "Next": "Load"},
        "Load": {"Type": "Task", "Resource": ARN + "load", "Parameters": {"partitions.$": "$.partitions"},
                 "ResultPath": "$.loaded", "End": True},
        "Rejected": {"Type": "Fail", "Error": "Data.Rejected", "CausePath": "$.error.Cause"},
    },
})
etl"""),
    (PY, """ex = sfnkit.run(etl, {"source": str(DATA)}, resources=handlers)
ex"""),
    (PY, """# NBVAL_CHECK_OUTPUT
print(ex.output["validation"])
for part in ex.output["partitions"]:
    print(part["cultivar"], part["rows"], part["mean_alcohol"])
print(ex.output["loaded"])"""),
    (PY, """pd.read_csv(OUT / "summary.csv")"""),
    (MD, """## Where the time went"""),
    (PY, """reports.timeline(ex);"""),
    (PY, """reports.summary(ex)[["state", "count", "total", "mean", "max"]]"""),
])

# --------------------------------------------------------------------------------------------------------------
notebook("05_ml_pipeline", [
    (MD, """# An ML pipeline: train, compare, decide, and measure over many runs

Preprocess the wine data, train three models in **Parallel** (one per hyper-parameter), pick the best, and let
a **Choice** decide whether it is good enough to register. The data download is flaky, so it has a **Retry**.
Then `sfnkit.run_many` runs the whole pipeline over 50 seeds, and the reports show which state makes the p95
latency and where the failures come from. scikit-learn does the learning."""),
    (PY, """import random

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sfnkit
from sfnkit import reports

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
WINE = pd.read_csv("data/wine.csv")"""),
    (PY, """def make_handlers(seed):
    rng = random.Random(seed)

    def fetch(event):
        sfnkit.virtual_sleep(rng.uniform(1, 4))
        if rng.random() < 0.3:                      # the data source is flaky
            raise ConnectionError("data source timed out")
        return {"rows": len(WINE), "split_seed": seed}

    def train(event):
        X, y = WINE.drop(columns="cultivar"), WINE["cultivar"]
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=event["split_seed"])
        model = make_pipeline(StandardScaler(), LogisticRegression(C=event["C"], max_iter=500))
        model.fit(X_train, y_train)
        sfnkit.virtual_sleep(10 + 20 * rng.random() + 5 / event["C"])   # bigger penalties train longer
        return {"C": event["C"], "accuracy": round(float(model.score(X_test, y_test)), 4)}

    def register(event):
        sfnkit.virtual_sleep(2)
        return {"registered": f"wine-logreg-C{event['best']['C']}"}

    return {"fetch": fetch, "train": train, "register": register}"""),
    (PY, """def branch(c):
    name = f"TrainC{str(c).replace('.', '_')}"
    return {"StartAt": name, "States": {name: {
        "Type": "Task", "Resource": ARN + "train",
        "Parameters": {"C": c, "split_seed.$": "$.data.split_seed"}, "End": True}}}

ml = sfnkit.load({
    "Comment": "Train, compare, register",
    "StartAt": "Fetch",
    "States": {
        "Fetch": {"Type": "Task", "Resource": ARN + "fetch", "ResultPath": "$.data",
                  "Retry": [{"ErrorEquals": ["ConnectionError"], "IntervalSeconds": 5, "BackoffRate": 2,
                             "MaxAttempts": 3, "JitterStrategy": "FULL"}],
                  "Next": "Train"},
        "Train": {"Type": "Parallel", "Branches": [branch(0.01), branch(0.1), branch(1.0)],
                  "ResultSelector": {"candidates.$": "$"}, "ResultPath": "$.models", "Next": "PickBest"},
        "PickBest": {"Type": "Pass", "QueryLanguage": "JSONata",
                     "Output": "{% $merge([$states.input, {'best': $states.input.models.candidates^(>accuracy)[0]}]) %}",
                     "Next": "GoodEnough"},
        "GoodEnough": {"Type": "Choice",
                       "Choices": [{"Variable": "$.best.accuracy", "NumericGreaterThanEquals": 0.95, "Next": "Register"}],
                       "Default": "TooWeak"},
        "Register": {"Type": "Task", "Resource": ARN + "register", "ResultPath": "$.registry", "End": True},
        "TooWeak": {"Type": "Fail", "Error": "Model.TooWeak", "Cause": "no candidate reached 95% accuracy"},
    },
})
ml"""),
    (MD, """## One run"""),
    (PY, """ex = sfnkit.run(ml, {}, resources=make_handlers(1), seed=1)
print(ex.summary())
print(ex.output["models"]["candidates"] if ex.output else ex.error)
ex"""),
    (PY, """reports.timeline(ex);"""),
    (MD, """## Fifty runs

Each run gets its own seed (for the flaky fetch, the data split and the jitter) and its own handlers."""),
    (PY, """batch = sfnkit.run_many(ml, 50, resources=make_handlers, seed=100, progress=False)
batch.counts()"""),
    (PY, """summary = reports.summary(batch).sort_values("p95", ascending=False)
summary[["state", "count", "mean", "p50", "p95", "max", "retry_rate", "failure_rate"]]"""),
    (PY, """reports.durations(batch, kind="box");"""),
    (PY, """reports.retries_failures(batch);"""),
    (PY, """reports.cost(batch)"""),
])


# --------------------------------------------------------------------------------------------------------------
notebook("08_callbacks_and_mocks", [
    (MD, """# Callbacks and mocks

Two ways a task's answer can come from outside the task function:

* a **callback** (`.waitForTaskToken`): the task hands a token to someone (a person, a queue, another system)
  and the execution waits until that someone calls `SendTaskSuccess` or `SendTaskFailure` with the token;
* a **mock**: Step Functions Local's `MockConfigFile` says what each Task state returns or throws, call by call,
  so a workflow can be tested without any of its services."""),
    (PY, """import json
import sfnkit"""),
    (MD, """## A human approval step

The `Notify` function would e-mail a reviewer the token; here it just keeps it. `sfnkit.run` stops when
nothing can move until the token is answered."""),
    (PY, """outbox = []

def notify(event):
    outbox.append(event)          # in real life: send the token to a reviewer
    return {"sent": True}

approval = sfnkit.load({
    "StartAt": "AskReviewer",
    "States": {
        "AskReviewer": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "notify",
                           "Payload": {"expense.$": "$.expense", "token.$": "$$.Task.Token"}},
            "TimeoutSeconds": 86400,
            "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.rejection", "Next": "Refund"}],
            "ResultPath": "$.decision",
            "Next": "Pay",
        },
        "Pay": {"Type": "Pass", "Result": "paid", "ResultPath": "$.status", "End": True},
        "Refund": {"Type": "Pass", "Result": "refused", "ResultPath": "$.status", "End": True},
    },
})
ex = sfnkit.run(approval, {"expense": {"amount": 120, "what": "train ticket"}}, resources={"notify": notify})
print(ex.status, "| pending tokens:", len(ex.pending_tokens))
token = outbox[-1]["token"]
token == ex.pending_tokens[0]"""),
    (MD, """Answering the token resumes the run where it waited. (The Debugger widget of `06_step_debugging` has
buttons for this.)"""),
    (PY, """# NBVAL_CHECK_OUTPUT
ex.send_task_success(token, {"approved_by": "grace"})
print(ex.status, ex.output["status"], ex.output["decision"])"""),
    (PY, """# NBVAL_CHECK_OUTPUT
ex = sfnkit.run(approval, {"expense": {"amount": 9000, "what": "yacht"}}, resources={"notify": notify})
ex.send_task_failure(outbox[-1]["token"], "Rejected", "not a business expense")
print(ex.status, ex.output["status"], ex.output["rejection"])"""),
    (PY, """# NBVAL_CHECK_OUTPUT
print([e.type for e in ex.history])"""),
    (MD, """## A MockConfigFile

The format of AWS Step Functions Local: test cases map state names to *mocked responses*, and a mocked response
says, invocation by invocation (`"0"`, `"1-2"`...), what the state returns or throws. Retries and Map iterations
count as further invocations, so a flaky dependency is easy to script. States without a mock run their Python
handlers as usual."""),
    (PY, """orders = sfnkit.load({
    "StartAt": "Charge",
    "States": {
        "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
                   "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 2, "MaxAttempts": 3}],
                   "ResultSelector": {"receipt.$": "$.Payload"}, "ResultPath": "$.payment", "Next": "Ship"},
        "Ship": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                 "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/shipping",
                                "MessageBody.$": "$"}, "ResultPath": None, "End": True},
    },
})
mock_config = {
    "StateMachines": {"Orders": {"TestCases": {
        "HappyPath": {"Charge": "ChargeOk", "Ship": "Sent"},
        "Throttled": {"Charge": "ChargeThrottledTwice", "Ship": "Sent"},
    }}},
    "MockedResponses": {
        "ChargeOk": {"0": {"Return": {"StatusCode": 200, "Payload": {"id": "ch_1"}}}},
        "ChargeThrottledTwice": {
            "0-1": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "Rate exceeded"}},
            "2": {"Return": {"StatusCode": 200, "Payload": {"id": "ch_2"}}}},
        "Sent": {"0": {"Return": {"MessageId": "m-1"}}},
    },
}"""),
    (PY, """# NBVAL_CHECK_OUTPUT
for case in ["HappyPath", "Throttled"]:
    ex = sfnkit.run(orders, {"order": 7}, mocks=mock_config, test_case=case)
    failed = sum(e.type == "TaskFailed" for e in ex.history)
    print(f"{case:<10} {ex.status}  payment={ex.output['payment']}  throttled calls={failed}")"""),
    (MD, """`sfnkit.mocks.from_history` writes the mock configuration that replays a recorded execution, from this
kernel or from AWS (`sfnkit.History.from_boto(...)`): handy to turn a production incident into a local test."""),
    (PY, """from sfnkit import mocks

replay = mocks.from_history(ex.history, state_machine_name="Orders", test_case_name="FromProduction")
print(json.dumps(replay, indent=1)[:600])
again = sfnkit.run(orders, {"order": 7}, mocks=replay, test_case="FromProduction")
print(again.status, again.output == ex.output)"""),
])

# --------------------------------------------------------------------------------------------------------------
notebook("09_from_notebook_to_aws", [
    (MD, """# From notebook to AWS

When a pipeline outgrows the notebook, it runs on AWS Step Functions. `sfnkit.aws` deploys the same definition,
starts executions, follows them and fetches their histories, which every report and widget of sfnkit reads just
like a local one. Local runs can also call real AWS services through boto3.

**This notebook does not need an AWS account.** When no AWS credentials are configured, it starts a
[moto](https://github.com/getmoto/moto) server on this machine and points boto3 at it, exactly as it would point
at AWS. Set `SFNKIT_USE_AWS=1` (with credentials and an IAM role ARN in `SFNKIT_ROLE_ARN`) to use your AWS account
instead."""),
    (PY, """import os

import boto3

import sfnkit
import sfnkit.aws
from sfnkit import reports

if os.environ.get("SFNKIT_USE_AWS") == "1":
    session = boto3.Session()
    endpoint = None
    role_arn = os.environ["SFNKIT_ROLE_ARN"]
    print("Using AWS in", session.region_name)
else:
    from moto.server import ThreadedMotoServer

    import logging
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)   # no line per request, no moto tracebacks
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # let moto really execute state machines (its default leaves executions RUNNING)
    import json, urllib.request
    config = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/config", data=config, method="POST")).read()
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    role_arn = "arn:aws:iam::123456789012:role/sfnkit-demo"
    print("No AWS here: using a local moto server (an AWS stand-in), not your AWS account")"""),
    (MD, """## Deploy and run

`deploy` creates the state machine, or updates it when it exists (it is idempotent), after validating it.
`run` starts an execution and waits for it; the handle has the same surface as a local `Execution`."""),
    (PY, """definition = {
    "Comment": "A small pipeline",
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Parameters": {"items.$": "States.ArrayRange(1, 5, 1)"}, "Next": "Double"},
        "Double": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
                   "ItemProcessor": {"StartAt": "Calc", "States": {"Calc": {
                       "Type": "Pass", "Parameters": {"n.$": "$", "twice.$": "States.MathAdd($, $)"}, "End": True}}},
                   "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}
remote = sfnkit.aws.deploy(definition, name="sfnkit-notebook-demo", role_arn=role_arn,
                           session=session, endpoint_url=endpoint)
remote"""),
    (PY, """ex = remote.run({"from": "notebook"})
print(ex.status)
print(ex.output)"""),
    (MD, """The history came from `GetExecutionHistory`; the reports work on it unchanged."""),
    (PY, """reports.states(ex.history)[["state", "type", "iteration", "status"]]"""),
    (MD, """## The same definition locally, and a parity check

`sfnkit.aws.compare` runs the definition here and on the endpoint and lists, state by state, where output,
error or path differ. An empty table means they agree."""),
    (PY, """local = sfnkit.run(definition, {"from": "notebook"})
print("local:", local.output)
rows = sfnkit.aws.compare(definition, {"from": "notebook"}, remote=remote)
[r for r in rows if r.get("differs")]"""),
    (MD, """## Local runs that call real services

`sfnkit.aws.integrations(...)` returns handlers for the service integrations (SQS, SNS, DynamoDB, S3, Lambda,
nested executions, EventBridge, `aws-sdk:*`...), built on boto3 with the session and endpoint you give. Merge them
into `resources=`: the run stays local, the calls are real."""),
    (PY, """dynamodb = session.client("dynamodb", endpoint_url=endpoint)
dynamodb.create_table(TableName="notes", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                      AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                      BillingMode="PAY_PER_REQUEST")
store = sfnkit.load({
    "StartAt": "Put",
    "States": {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": "notes", "Item": {"id": {"S.$": "$.id"}, "text": {"S.$": "$.text"}}},
                "ResultPath": None, "Next": "Get"},
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": "notes", "Key": {"id": {"S.$": "$.id"}}}, "End": True},
    },
})
ex = sfnkit.run(store, {"id": "n1", "text": "hello from a local run"},
                resources=sfnkit.aws.integrations(session=session, endpoint_url=endpoint))
print(ex.status, ex.output["Item"])"""),
    (MD, """## What changes for AWS, moto or LocalStack

* **AWS**: `session = boto3.Session(profile_name=...)` (or your environment's credentials), `endpoint_url=None`,
  and a real IAM role that Step Functions can assume.
* **moto** (as here): `endpoint_url="http://127.0.0.1:<port>"` of a `ThreadedMotoServer` or `moto_server`; any
  role ARN.
* **LocalStack**: `endpoint_url="http://localhost:4566"`.

Credentials never appear in any output, repr or report of sfnkit."""),
    (PY, """if endpoint is not None:
    server.stop()"""),
])

# --------------------------------------------------------------------------------------------------------------
notebook("11_build_in_python", [
    (MD, """# Build a workflow in Python

Notebook 05 wrote its ML pipeline as ASL JSON. Here the same pipeline is **built in Python** with `sfnkit.build`:
one class per ASL state type (every field a snake_case keyword), Choice rules written as Python expressions on the
path object `P`, `>>` for transitions, and plain Python functions as Task states. The result is an ordinary
`sfnkit.StateMachine`: it validates, runs, debugs, reports and deploys like a loaded one, and it converts back to
ASL (and any ASL converts to this kind of code with `sfnkit.to_python`). At the end, a playground for the data
flow of one state: the part of ASL that is hardest to learn."""),
    (PY, """import random

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sfnkit
from sfnkit import reports
from sfnkit.build import Choice, Fail, Machine, P, Parallel, Pass, Retry, Task, errors, task

WINE = pd.read_csv("data/wine.csv")
rng = random.Random(1)      # the flaky download, reproducible"""),
    (MD, """## Python functions are the tasks

`@task(...)` turns a function into a Task state (named after the function unless `name=`); its keywords are the
state's ASL fields. `Task("Name", resource=fn)` does the same for a function used by several states. The machine
carries the functions, so `sfnkit.run` needs no `resources=` for them."""),
    (PY, """@task(name="Fetch", result_path="$.data",
      retry=[Retry(["ConnectionError"], interval_seconds=5, backoff_rate=2, max_attempts=3, jitter_strategy="FULL")])
def fetch(event):
    sfnkit.virtual_sleep(rng.uniform(1, 4))
    if rng.random() < 0.3:                      # the data source is flaky
        raise ConnectionError("data source timed out")
    return {"rows": len(WINE), "split_seed": 7}


def train(event):
    X, y = WINE.drop(columns="cultivar"), WINE["cultivar"]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=event["split_seed"])
    model = make_pipeline(StandardScaler(), LogisticRegression(C=event["C"], max_iter=500))
    model.fit(X_train, y_train)
    sfnkit.virtual_sleep(10 + 5 / event["C"])   # bigger penalties train longer
    return {"C": event["C"], "accuracy": round(float(model.score(X_test, y_test)), 4)}


@task(name="Register", result_path="$.registry", end=True)
def register(event):
    sfnkit.virtual_sleep(2)
    return {"registered": f"wine-logreg-C{event['best']['C']}"}"""),
    (MD, """## The pipeline

Three training branches in a **Parallel** state, a JSONata **Pass** that picks the best candidate, and a
**Choice** whose rule is the Python expression `P.input.best.accuracy >= 0.95` (it becomes
`NumericGreaterThanEquals`). A mistake shows the line that made it: an unknown keyword, a second `Next`, a
Choice without rules, or anything `sfnkit.load` rejects."""),
    (PY, """def branch(c):
    return Task(f"TrainC{str(c).replace('.', '_')}", resource=train,
                parameters={"C": c, "split_seed.$": "$.data.split_seed"}, end=True)


train_all = Parallel("Train", branches=[branch(c) for c in (0.01, 0.1, 1.0)],
                     result_selector={"candidates.$": "$"}, result_path="$.models")
pick_best = Pass("PickBest", query_language="JSONata",
                 output="{% $merge([$states.input, {'best': $states.input.models.candidates^(>accuracy)[0]}]) %}")
good_enough = Choice("GoodEnough")
good_enough.when(P.input.best.accuracy >= 0.95, register)
good_enough.otherwise(Fail("TooWeak", error="Model.TooWeak", cause="no candidate reached 95% accuracy"))

ml = Machine(fetch >> train_all >> pick_best >> good_enough, comment="Train, compare, register").build()
ml"""),
    (PY, """# NBVAL_CHECK_OUTPUT
try:
    Task("Oops", resource=train, result_selectr={})
except sfnkit.build.BuildError as e:
    print(str(e).split(": ", 1)[1])"""),
    (MD, """## Run, debug, report

No `resources=`: the functions travel with the machine (a `resources=` entry would still win)."""),
    (PY, """ex = sfnkit.run(ml, {}, seed=1)
print(ex.summary())
print(ex.output["best"], ex.output["registry"])"""),
    (PY, """from sfnkit.widgets import Debugger

dbg = Debugger(ml, {}, seed=2)
dbg.add_breakpoint("GoodEnough")
dbg.run()        # pauses before GoodEnough; step on with the buttons, or dbg.step()
dbg"""),
    (PY, """reports.states(ex.history)[["state", "type", "status", "duration"]]"""),
    (PY, """reports.timeline(ex);"""),
    (MD, """## Back to ASL, and back to Python

`to_json()` and `to_yaml()` write ASL the way people write it (Comment, StartAt, then States; in a state Type
first and the transition last). Loaded back, it is the same definition; it needs the functions as `resources=`
now, since JSON cannot carry Python (`ml.handlers` has them). On AWS, `sfnkit.aws.deploy(ml, ...,
functions={"train": "arn:aws:lambda:...", ...})` swaps each function for its Lambda, and names any you forgot."""),
    (PY, """print(ml.to_yaml()[:900])"""),
    (PY, """# NBVAL_CHECK_OUTPUT
loaded = sfnkit.load(ml.to_json())
print(loaded.definition == ml.definition)
again = sfnkit.run(loaded, {}, seed=1, resources=ml.handlers)
print(again.status, again.output == ex.output)"""),
    (PY, """print(sfnkit.to_python(loaded))"""),
    (MD, """## A data-flow playground

`DataFlow(state, input, result=...)` shows each stage of a state's input and output processing (TestState's
stage names), recomputed as you edit InputPath, Parameters, ResultSelector, ResultPath, OutputPath (or JSONata's
Arguments, Output, Assign), the input or the task result. A path that selects nothing shows AWS's error at its
stage. Edit the boxes in the widget, or from Python:"""),
    (PY, """from sfnkit.widgets import DataFlow

flow = DataFlow(ml.find("Train"), {"data": {"rows": 178, "split_seed": 7}},
                result=[{"C": 0.01, "accuracy": 0.94}, {"C": 0.1, "accuracy": 0.98}, {"C": 1.0, "accuracy": 0.96}])
flow"""),
    (PY, """# NBVAL_CHECK_OUTPUT
flow.set("ResultSelector", {"best.$": "$[1]"})
print(flow.test.output)
flow.set("OutputPath", "$.models.best.auc")
print(flow.test.status, flow.test.stage("output").cause)"""),
])


def execute(path: Path) -> None:
    """Execute a notebook kept as a file (06 is written by hand, not from a source here) and save its outputs.

    Widget state is not stored: the outputs carry each widget's static copy, which is what GitHub, nbconvert and
    a reopened notebook show (see ``sfnkit.widgets.graph``), and the file stays small.
    """
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(HERE)}}).execute()  # fmt: skip
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    print(f"executed {path.relative_to(HERE.parent)}")


#: Notebooks written by hand, executed in place by ``build``.
HAND_WRITTEN = ("06_step_debugging",)


# --------------------------------------------------------------------------------------------------------------
notebook("10_your_sam_project", [
    (MD, """# Your SAM project, offline

Real Step Functions workflows live in a template beside the code of their Lambda functions. This notebook opens
one -- the small SAM project in [`sam_project/`](sam_project/template.yaml), written for sfnkit: a coffee-order
state machine, two Python Lambdas, a DynamoDB table, an SQS queue and a nested shipping state machine -- and
runs it **with no AWS account, no network and no Docker**, and without writing a handler:

* `sfnkit.load(template, name=...)` reads the template and resolves every `${...}`, `!Ref` and `!GetAtt` to the
  name or ARN the resource would have in account `123456789012`;
* `services="local"` answers every Task with a local stand-in: DynamoDB, SQS and the other services go to an
  embedded AWS (a [moto](https://github.com/getmoto/moto) server owned by this kernel), the template's Python
  Lambdas run here from their `CodeUri`, and the nested state machine runs as a child execution."""),
    (PY, """import sfnkit

machines = sfnkit.state_machines("sam_project/template.yaml")
sorted(machines)"""),
    (MD, """## The state machine, as the template defines it

`name` picks a state machine by logical id or name. The graph is the definition file of `DefinitionUri`, with
its `DefinitionSubstitutions` filled in."""),
    (PY, """sm = sfnkit.load("sam_project/template.yaml", name="OrderMachine")
sm"""),
    (PY, """project = sm.project
print("functions:")
for fn in project.functions.values():
    print(f"  {fn.logical_id:16} {fn.runtime:11} {fn.handler:12} -> {fn.name}")
print("resources:")
for r in project.resources.values():
    print(f"  {r.logical_id:16} {r.type:22} -> {r.name}")
sm.find("Record").parameters"""),
    (MD, """## Run it offline

The first run starts the embedded AWS (a second or so), creates the table and the queue the template declares,
and imports each Lambda's module with its `Environment` variables set, boto3 pointed at the embedded AWS, and
fake credentials -- only during the call: the kernel's own environment is left as it was."""),
    (PY, """order = {"orderId": "order-1", "customer": "ada", "items": [{"product": "latte", "quantity": 2},
                                                       {"product": "espresso"}]}
ex = sfnkit.run(sm, order, services="local")
ex"""),
    (PY, """# NBVAL_CHECK_OUTPUT
print(ex.summary())
ex.output["stored"], ex.output["shipping"]["status"]"""),
    (MD, """## What it wrote

`sfnkit.local_aws()` is the kernel's embedded AWS; it stays up while the kernel runs, so you can seed it before a
run and look inside after. `items()` scans a table, `messages()` peeks into a queue, and `client(...)` is an
ordinary boto3 client for anything else."""),
    (PY, """aws = sfnkit.local_aws()
table = project.resources["OrdersTable"].name
aws.items(table)"""),
    (PY, """[m["Body"] for m in aws.messages(project.resources["OrderEventsQueue"].name)]"""),
    (PY, """aws.client("dynamodb").describe_table(TableName=table)["Table"]["KeySchema"]"""),
    (MD, """## The nested state machine ran as a child execution

`Ship` starts `ShippingMachine` with `states:startExecution.sync:2`. The parent's history keeps AWS's event
sequence (`TaskSubmitted` with the start response, then `TaskSucceeded` with the child's description); the child
has its own history, on the same virtual clock (its two-minute `Wait` is why the run took two minutes)."""),
    (PY, """[(e.id, e.type) for e in ex.history if (e.details or {}).get("resource") == "startExecution.sync:2"]"""),
    (PY, """child = ex.children[0]
child"""),
    (MD, """## The report

Every report of sfnkit reads the same history."""),
    (PY, """from sfnkit import reports

reports.states(ex)[["state", "type", "entered", "duration", "status"]]"""),
    (PY, """reports.timeline(ex);"""),
    (PY, """import tempfile, pathlib

path = reports.html(ex, pathlib.Path(tempfile.mkdtemp()) / "coffee-order.html")
print("report written:", path.name, path.stat().st_size > 10_000)"""),
    (MD, """## Your own function always wins

Anything in `resources=` answers before the local stand-ins: here a Python function replaces the validation
Lambda, and rejects the order."""),
    (PY, """def strict_validate(event):
    return {**event, "valid": False}

validate_name = project.functions["ValidateFunction"].name
rejected = sfnkit.run(sm, {"orderId": "order-2", "items": []}, services="local",
                      resources={validate_name: strict_validate})
print(rejected.summary())"""),
    (MD, """## Many runs, one embedded AWS

`run_many` takes `services="local"` too; all runs share the kernel's embedded AWS."""),
    (PY, """batch = sfnkit.run_many(sm, [{"orderId": f"batch-{i}", "customer": "bo",
                               "items": [{"product": "flat white", "quantity": i}]} for i in range(1, 6)],
                        services="local", progress=False)
batch.counts(), len(aws.items(table))"""),
    (MD, """## From the command line

The same run, without a notebook:

```
sfnkit run sam_project/template.yaml --name OrderMachine --services local --input '{"orderId": "cli-1", ...}'
```"""),
    (PY, """import json, subprocess, sys

done = subprocess.run([sys.executable, "-m", "sfnkit", "run", "sam_project/template.yaml", "--name", "OrderMachine",
                       "--services", "local", "--input", json.dumps({"orderId": "cli-1",
                                                                     "items": [{"product": "espresso"}]})],
                      capture_output=True, text=True)
print(done.stdout.splitlines()[0])
print(done.stdout.splitlines()[1])"""),
])


def build(names: list[str]) -> None:
    for name in names or [*NOTEBOOKS, *HAND_WRITTEN]:
        if name in HAND_WRITTEN:
            execute(HERE / f"{name}.ipynb")
            continue
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.metadata["language_info"] = {"name": "python"}
        for kind, source in NOTEBOOKS[name]:
            nb.cells.append(nbformat.v4.new_markdown_cell(source) if kind == MD else nbformat.v4.new_code_cell(source))
        NotebookClient(nb, timeout=300, kernel_name="python3", store_widget_state=False,
                       resources={"metadata": {"path": str(HERE)}}).execute()  # fmt: skip
        path = HERE / f"{name}.ipynb"
        nbformat.write(nb, path)
        print(f"wrote {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    build(sys.argv[1:])
