"""Regression tests for issue 13's front-end classes: each definition that used to pass validation and crash
``run()`` with a Python exception, text that made ``validate()`` raise or exhaust memory, credentials that leaked
into reprs and errors, a non-JSON answer taken for one, and caches that kept dropped definitions alive.

Each test checks a class, not one example: several members of it, and the rule the fix follows (a diagnostic
with AWS's code and a JSON Pointer, or the run failing with AWS's runtime error).
"""

from __future__ import annotations

import gc
import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import sfnkit
from sfnkit.asl import identity, jsonata, templates
from sfnkit.asl.diagnostics import INVALID_JSON_DESCRIPTION, INVALID_JSON_PATH, SCHEMA_VALIDATION_FAILED
from sfnkit.errors import AwsError

LAMBDA = "arn:aws:states:::lambda:invoke"


def _errors(definition: Any) -> list[tuple[str, str]]:
    return [(d.code, d.location) for d in sfnkit.validate(definition) if d.severity == "ERROR"]


def _one(state: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": "S", "States": {"S": state}}


def _dmap(**fields: Any) -> dict[str, Any]:
    state = {
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "End": True}},
        },
        "End": True,
        **fields,
    }
    return _one(state)


# -- ResultPath must write into the state data ---------------------------------------------------------------------
@pytest.mark.parametrize("path", ["$foo", "$$", "$$.Execution", "$$.Execution.Input", "$var.x"])
@pytest.mark.parametrize("where", ["Pass", "Task", "Catch"])
def test_result_path_outside_the_state_data_is_a_diagnostic(path: str, where: str) -> None:
    if where == "Pass":
        d, loc = _one({"Type": "Pass", "ResultPath": path, "End": True}), "/States/S/ResultPath"
    elif where == "Task":
        d, loc = _one({"Type": "Task", "Resource": LAMBDA, "ResultPath": path, "End": True}), "/States/S/ResultPath"
    else:
        d = {
            "StartAt": "S",
            "States": {
                "S": {
                    "Type": "Task",
                    "Resource": LAMBDA,
                    "End": True,
                    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": path, "Next": "F"}],
                },
                "F": {"Type": "Fail"},
            },
        }
        loc = "/States/S/Catch/0/ResultPath"
    assert (INVALID_JSON_PATH, loc) in _errors(d)
    message = next(x.message for x in sfnkit.validate(d) if x.location == loc)
    assert "Reference Path into the state data" in message and path in message
    with pytest.raises(sfnkit.DefinitionError):
        sfnkit.load(d)


def test_result_path_into_the_data_still_loads() -> None:
    for path in ("$", "$.a", "$['a b'][0]", None):
        sfnkit.load(_one({"Type": "Pass", "ResultPath": path, "End": True}))


# -- Credentials ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("credentials", "location", "code"),
    [
        ({"RoleArn.$": 5}, "/States/S/Credentials/RoleArn.$", SCHEMA_VALIDATION_FAILED),
        ({"RoleArn.$": ["$.r"]}, "/States/S/Credentials/RoleArn.$", SCHEMA_VALIDATION_FAILED),
        ({"RoleArn.$": "$$$"}, "/States/S/Credentials/RoleArn.$", INVALID_JSON_PATH),
        ({"RoleArn": 7}, "/States/S/Credentials/RoleArn", SCHEMA_VALIDATION_FAILED),
        ({"RoleArn": "arn:aws:iam::1:role/r", "RoleArn.$": "$.r"}, "/States/S/Credentials", SCHEMA_VALIDATION_FAILED),
        ({}, "/States/S/Credentials", SCHEMA_VALIDATION_FAILED),
        ({"Role": "x"}, "/States/S/Credentials/Role", SCHEMA_VALIDATION_FAILED),
        ("arn:aws:iam::1:role/r", "/States/S/Credentials", SCHEMA_VALIDATION_FAILED),
    ],
)
def test_bad_credentials_are_diagnostics(credentials: Any, location: str, code: str) -> None:
    d = _one(
        {
            "Type": "Task",
            "Resource": LAMBDA,
            "Parameters": {"FunctionName": "f"},
            "Credentials": credentials,
            "End": True,
        }
    )
    assert (code, location) in _errors(d)


@pytest.mark.parametrize("role", [{"a": 1}, [1], 5, None])
def test_a_role_arn_that_evaluates_to_a_non_string_fails_the_run(role: Any) -> None:
    sm = sfnkit.load(
        _one(
            {
                "Type": "Task",
                "Resource": LAMBDA,
                "Parameters": {"FunctionName": "f"},
                "Credentials": {"RoleArn.$": "$.role"},
                "End": True,
            }
        )
    )
    ex = sfnkit.run(sm, {"role": role}, resources={"f": lambda e: 1})
    assert ex.status == "FAILED" and ex.error == "States.Runtime"
    assert "The value for the field 'RoleArn' must be a STRING" in (ex.cause or "")
    assert ex.cause.startswith("An error occurred while executing the state 'S' (entered at the event id #2).")


# -- Distributed Map: ItemReader, ItemBatcher, ResultWriter ---------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "location"),
    [
        (
            {"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket.$": 5}}},
            "/States/S/ItemReader/Parameters/Bucket.$",
        ),
        (
            {"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket.$": "$$$"}}},
            "/States/S/ItemReader/Parameters/Bucket.$",
        ),
        (
            {"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "Parameters": [1]}},
            "/States/S/ItemReader/Parameters",
        ),
        (
            {"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"MaxItemsPath": "$..x"}}},
            "/States/S/ItemReader/ReaderConfig/MaxItemsPath",
        ),
        (
            {"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": 3}},
            "/States/S/ItemReader/ReaderConfig",
        ),
        ({"ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"a.$": 7}}}, "/States/S/ItemBatcher/BatchInput/a.$"),
        (
            {"ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"a.$": "States.Foo("}}},
            "/States/S/ItemBatcher/BatchInput/a.$",
        ),
        ({"ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": "x"}}, "/States/S/ItemBatcher/BatchInput"),
        ({"ItemBatcher": {"MaxItemsPerBatchPath": 5}}, "/States/S/ItemBatcher/MaxItemsPerBatchPath"),
        (
            {"ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket.$": [1]}}},
            "/States/S/ResultWriter/Parameters/Bucket.$",
        ),
        ({"ResultWriter": {"Resource": 5}}, "/States/S/ResultWriter/Resource"),
    ],
)
def test_bad_distributed_map_templates_are_diagnostics(fields: dict[str, Any], location: str) -> None:
    d = _dmap(**fields)
    assert location in [loc for _, loc in _errors(d)]
    with pytest.raises(sfnkit.DefinitionError):
        sfnkit.load(d)


# -- depth --------------------------------------------------------------------------------------------------------
def _nested(depth: int, leaf: Any) -> Any:
    v = leaf
    for _ in range(depth):
        v = {"x": v}
    return v


@pytest.mark.parametrize("depth", [260, 500, 5000])
@pytest.mark.parametrize("leaf", [1, {"a.$": "$"}, "{% 1 %}"])
def test_a_definition_nested_too_deeply_is_a_diagnostic(depth: int, leaf: Any) -> None:
    d = _one({"Type": "Pass", "Parameters": _nested(depth, leaf), "End": True})
    diags = sfnkit.validate(d)
    assert [x.code for x in diags] == [INVALID_JSON_DESCRIPTION]
    assert diags[0].location.startswith("/States/S/Parameters/x/x") and "at most 250 levels" in diags[0].message
    with pytest.raises(sfnkit.DefinitionError):
        sfnkit.load(d)


@pytest.mark.parametrize("leaf", [1, {"a.$": "$"}])
def test_deep_parameters_and_deep_inputs_never_raise(leaf: Any) -> None:
    deep_input = [1]
    for _ in range(600):
        deep_input = [deep_input]
    for state in (
        {"Type": "Pass", "Parameters": _nested(240, leaf), "End": True},
        {"Type": "Pass", "Parameters": {"a.$": "$"}, "ResultPath": "$.r", "End": True},
        {"Type": "Pass", "End": True},
    ):
        d = _one(state)
        sfnkit.validate(d)
        sm = sfnkit.load(d)
        for data in ({}, deep_input, _nested(600, 1)):
            ex = sfnkit.run(sm, data)
            assert ex.status == "SUCCEEDED" or (ex.status == "FAILED" and ex.error == "States.Runtime"), ex.cause


# -- a dynamic FunctionName that is not a string ---------------------------------------------------------------------
@pytest.mark.parametrize("name", [{"a": 1}, [1, 2], 5, True])
def test_a_non_string_function_name_fails_the_run(name: Any) -> None:
    sm = sfnkit.load(_one({"Type": "Task", "Resource": LAMBDA, "Parameters": {"FunctionName.$": "$.f"}, "End": True}))
    ex = sfnkit.run(sm, {"f": name}, resources={"f": lambda e: 1})
    assert ex.status == "FAILED" and ex.error == "States.Runtime"
    assert "could not be used to start the Task: [The value for the field 'FunctionName' must be a STRING]" in ex.cause
    assert "TaskScheduled" not in [e.type for e in ex.history]  # AWS refuses the request before scheduling it


# -- text that made validate() raise or eat memory -------------------------------------------------------------------
@pytest.mark.parametrize("digits", [4301, 5000, 20000])
def test_a_number_too_long_to_read_is_a_diagnostic(digits: int) -> None:
    text = '{"StartAt": "S",\n "States": {"S": {"Type": "Pass", "Result": %s, "End": true}}}' % ("7" * digits)
    diags = sfnkit.validate(text)
    column = text.split("\n")[1].index("7") + 1
    assert [(d.code, d.line, d.column) for d in diags] == [(INVALID_JSON_DESCRIPTION, 2, column)]
    assert f"{digits:,} digits" in diags[0].message and "at most" in diags[0].message
    with pytest.raises(sfnkit.DefinitionError):
        sfnkit.load(text)


def _laughs(levels: int) -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev = "a"
    for name in "bcdefghijk"[:levels]:
        text += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
        prev = name
    return text + f"StartAt: S\nStates: {{S: {{Type: Pass, Result: *{prev}, End: true}}}}\n"


@pytest.mark.parametrize("levels", [6, 8, 10])
def test_alias_expansion_is_bounded(levels: int) -> None:
    text = _laughs(levels)
    assert len(text) < 600
    diags = sfnkit.validate(text)
    assert len(diags) == 1 and diags[0].code == INVALID_JSON_DESCRIPTION
    d = diags[0]
    assert d.line is not None and d.column is not None  # points at an alias that repeats the most
    assert "1,048,576 bytes" in d.message and "aliases" in d.message
    with pytest.raises(sfnkit.DefinitionError):
        sfnkit.load(text)


def test_small_aliases_still_work() -> None:
    text = "x: &pass {Type: Pass, Next: B}\nStartAt: A\nStates:\n  A: *pass\n  B: {Type: Succeed}\n"
    assert [d.location for d in sfnkit.validate(text)] == ["/x"]  # only the unknown top-level field
    text = _laughs(3).replace("a: &a", "Comment: &a")  # 9**4 short strings: well under the bound
    assert INVALID_JSON_DESCRIPTION not in [d.code for d in sfnkit.validate(text)]


# -- credentials in text --------------------------------------------------------------------------------------------
TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDexample0123456789abcdefSESSIONTOKEN=="


@pytest.mark.parametrize(
    "text",
    [
        f"X-Amz-Security-Token: {TOKEN}",
        f"x-amz-security-token:{TOKEN}\r\nHost: x",
        f'{{"X-Amz-Security-Token": "{TOKEN}"}}',
        f"X-Amz-Security-Token={TOKEN}&X-Amz-Date=1",
        f"'SessionToken': '{TOKEN}'",
        f"aws_session_token = {TOKEN}",
        f"the request carried {TOKEN} and failed",
        "https://user:s3cr3tpass@example.com/x",
        'Could not connect to the endpoint URL: "http://me:hunter2@127.0.0.1:1/"',
    ],
)
def test_redact_masks_tokens_in_every_form(text: str) -> None:
    from sfnkit.aws.connection import redact

    out = redact(text)
    for secret in (TOKEN, "s3cr3tpass", "hunter2"):
        assert secret not in out
    assert "****" in out


def test_endpoint_url_credentials_never_show(moto_server: Any) -> None:
    from sfnkit.aws.connection import Connection

    host = moto_server.url.split("://", 1)[1]
    texts = []
    for url in (f"http://admin:hunter2secret@{host}", "http://admin:hunter2secret@127.0.0.1:1"):
        conn = Connection(session=moto_server.session(), endpoint_url=url, region="us-east-1")
        texts += [repr(conn), conn.describe()]
        try:
            conn.call(
                "stepfunctions",
                "DescribeExecution",
                executionArn="arn:aws:states:us-east-1:123456789012:execution:nope:nope",
            )
        except AwsError as e:
            texts.append(str(e))
        else:  # pragma: no cover - the execution does not exist
            raise AssertionError("DescribeExecution of an unknown execution succeeded")
    assert len(texts) == 6
    for text in texts:
        assert "hunter2secret" not in text, text
    assert "http://****@127.0.0.1" in texts[0]


# -- a 200 that is not an answer ---------------------------------------------------------------------------------------
@pytest.fixture
def html_server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            # a JSON "{}" for one execution name (JSON, but no answer), a login page otherwise
            body = b"{}" if b"execution:m:empty" in request else b"<html><body>Please log in to the proxy</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_non_json_answer_is_an_aws_error(html_server: str, moto_server: Any) -> None:
    from sfnkit.aws.remote import RemoteExecution

    conn = sfnkit.aws.connection.Connection(session=moto_server.session(), endpoint_url=html_server, region="us-east-1")
    arn = "arn:aws:states:us-east-1:123456789012:execution:m:e"
    ex = RemoteExecution(arn, connection=conn)
    with pytest.raises(AwsError) as info:
        ex.refresh()
    message = str(info.value)
    assert info.value.operation == "DescribeExecution" and info.value.code == "InvalidResponse"
    assert "not JSON" in message and "Please log in" in message and "HTTP 200" in message
    with pytest.raises(AwsError):
        conn.call("stepfunctions", "ListStateMachines")
    with pytest.raises(AwsError, match="no execution status"):
        RemoteExecution(arn + "mpty", connection=conn).refresh()


# -- caches let go of dropped machines ----------------------------------------------------------------------------------
def _machine(i: int) -> dict[str, Any]:
    return {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Parameters": {"x.$": "$.a", "i": i, "pad": "p" * 1000}, "Next": "B"},
            "B": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": {"y": "{% $states.input %}", "i": i},
                "End": True,
            },
        },
    }


def test_dropped_machines_are_freed_from_the_template_caches() -> None:
    import weakref

    gc.collect()
    before = (len(templates._CACHE), len(jsonata._TREES))
    refs = []
    params_ids = []
    for i in range(300):
        sm = sfnkit.load(_machine(i))
        assert sfnkit.run(sm, {"a": 1}).status == "SUCCEEDED"
        refs.append(weakref.ref(sm))
        params_ids.append(id(sm.find("A").parameters))
    assert len(templates._CACHE) >= before[0] + 1 and len(jsonata._TREES) >= before[1] + 1
    del sm
    gc.collect()
    assert all(r() is None for r in refs)  # nothing holds a dropped machine...
    assert (len(templates._CACHE), len(jsonata._TREES)) == before  # ...nor its compiled payloads
    assert not any(templates._CACHE.get(pid) for pid in params_ids)
    # a live machine keeps its entries (and a hand-made template is cached up to the bound)
    live = sfnkit.load(_machine(1))
    sfnkit.run(live, {"a": 1})
    assert templates._CACHE.get(live.find("A").parameters) is not None
    assert identity.MAX_ENTRIES == 4096


# -- explain on an error without a name (found by bench/fuzz.py, seed 7 example 132) ----------------------------------
def test_explain_a_retried_error_without_a_name() -> None:
    calls = []

    def handler(event: Any) -> Any:
        calls.append(1)
        if len(calls) < 3:
            raise sfnkit.TaskFailure(None, None)  # type: ignore[arg-type]
        return {"ok": True}

    sm = sfnkit.load(
        _one(
            {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3}],
                "End": True,
            }
        )
    )
    ex = sfnkit.run(sm, {}, resources={"f": handler})
    assert ex.status == "SUCCEEDED"
    text = repr(sfnkit.explain(ex, "S"))
    assert "retried 2 time(s)" in text
    sfnkit.explain(ex, "S")._repr_html_()


# -- a failed Distributed Map links its events within the parent's history (found by bench/fuzz.py, seed 6 #93) -----
def test_a_failed_distributed_map_links_its_events_to_earlier_ones() -> None:
    d = {
        "StartAt": "D",
        "States": {
            "D": {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "X",
                    "States": {
                        "X": {
                            "Type": "Task",
                            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Fn",
                            "End": True,
                        }
                    },
                },
                "End": True,
            }
        },
    }

    def fail(event: Any) -> Any:
        raise ValueError("no")

    ex = sfnkit.run(d, [1, 2, 3], resources={"Fn": fail})
    assert ex.status == "FAILED"
    links = {e.type: (e.id, e.previous_event_id) for e in ex.history}
    assert all(prev < eid for eid, prev in links.values())
    assert links["MapRunFailed"][1] == links["MapRunStarted"][0]


# -- an intrinsic call with a number too long to read (found by bench/fuzz.py, seed 105 #1911) -------------------------
def test_an_intrinsic_with_a_number_too_long_is_a_diagnostic() -> None:
    d = _one({"Type": "Pass", "Parameters": {"a.$": "States.MathAdd(1, " + "9" * 5000 + ")"}, "End": True})
    diags = sfnkit.validate(d)
    assert [(x.code, x.location) for x in diags] == [("SFNKIT_INVALID_INTRINSIC_FUNCTION", "/States/S/Parameters/a.$")]
    assert "5,000 digits" in diags[0].message
