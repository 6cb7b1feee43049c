"""``Debugger``: step through an execution in the notebook, or replay a finished one.

Three ways in:

* ``Debugger(sm, input, resources=...)`` starts an execution (:func:`sfnkit.start`, paused before the first
  state) and drives it;
* ``Debugger(execution)`` drives an :class:`sfnkit.Execution` you started (or shows a finished one);
* ``Debugger(history, definition=sm)`` replays a finished history, local or fetched from AWS: a cursor slider
  recolours the graph in the browser, with no work in the kernel per step.

It drives the execution only through its public methods (``step``, ``step(over=True)``, ``run``,
``run(until=...)``, ``stop``, ``breakpoints``, ``break_on_error``, ``send_task_success``/``failure``) and reads
what it shows from the history's derived views and the runtime's ``visits`` (:mod:`sfnkit.widgets.data`).

The buttons in the browser send ``{"action": ...}`` messages; each lands on the Python method of the same name,
so everything the widget does can also be done (and is tested) from Python. Errors from an action are shown in
the widget (``message``), never raised into the comm handler.
"""

from __future__ import annotations

import inspect
import json
import types
from collections.abc import Callable, Mapping
from typing import Any, Final

import traitlets

from sfnkit.asl import model as m
from sfnkit.errors import ExecutionStateError
from sfnkit.history.model import History
from sfnkit.views.render import Engine, clean_text, status_of, svg
from sfnkit.widgets import data
from sfnkit.widgets.graph import SfnkitWidget, compact
from sfnkit.widgets.live import LiveView
from sfnkit.widgets.messages import ActionMessage, Info, InspectorData, PauseError, Position

__all__ = ["Debugger"]

#: Events shown in the live event list (the newest ones).
EVENTS_TAIL: Final = 20

Condition = Callable[[Any], bool]


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:g} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _describe_condition(condition: Condition | None) -> str:
    """Short text for a breakpoint condition: the lambda's source when it can be read, else its name."""
    if condition is None:
        return ""
    name = getattr(condition, "__name__", type(condition).__name__)
    if name == "<lambda>":
        try:
            src = inspect.getsource(condition)
        except (OSError, TypeError):
            return "a lambda"
        start = src.find("lambda")
        if start < 0:
            return "a lambda"
        depth = 0
        end = len(src)
        for i in range(start, len(src)):
            ch = src[i]
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                if depth == 0:
                    end = i
                    break
                depth -= 1
            elif (ch == "," and depth == 0) or ch == "\n":
                end = i
                break
        text = " ".join(src[start:end].split())
        return text if len(text) <= 120 else text[:119] + "…"
    return str(name)


def _fresh_clock(clock: Any, start: float) -> Any:
    """A clock like ``clock`` as it was when its execution started (a virtual clock has moved on since)."""
    from sfnkit.runtime.clock import VirtualClock

    if type(clock) is VirtualClock:
        return VirtualClock(start, handler_time=clock.handler_time_counts)
    return type(clock)() if getattr(clock, "real_time", False) else clock


def _restart_options(ex: Any) -> dict[str, Any]:
    """The keywords that start an execution like ``ex`` again: every option it was started with
    (:attr:`sfnkit.Execution.options`), with a fresh clock starting where its clock started and a test case's
    mocks with fresh invocation counters."""
    options: dict[str, Any] = ex.options.keywords()
    options["clock"] = _fresh_clock(ex.clock, ex.start_time)
    mocks = options["mocks"]
    if mocks is not None and hasattr(mocks, "test_case_name"):  # one test case's mocks: they count invocations
        options["mocks"] = type(mocks)(
            state_machine_name=mocks.state_machine_name, test_case_name=mocks.test_case_name, mocks=mocks.mocks
        )
    return options


class Debugger(SfnkitWidget):
    """Graph, controls, inspector and event list for one execution (see the module docstring).

    Controls (buttons, or these methods): :meth:`step`, :meth:`step_over`, :meth:`run` (Continue),
    :meth:`run_to` / :meth:`run_to_selected`, :meth:`restart`, :meth:`stop`; breakpoints with
    :meth:`add_breakpoint` (optionally with a condition on the state's input), :meth:`remove_breakpoint`,
    :meth:`toggle_breakpoint` (or shift-click / double-click a state), and ``break_on_error``; task tokens with
    :meth:`send_task_success` / :meth:`send_task_failure`; the Map iteration to inspect with
    :meth:`choose_iteration`; the replay cursor with :meth:`seek`.
    """

    _view = traitlets.Unicode("debugger").tag(sync=True)
    mode = traitlets.Unicode("live").tag(sync=True)
    """``"live"`` (an execution to drive) or ``"replay"`` (a history)."""
    info = traitlets.Dict().tag(sync=True)
    """Execution status, summary, position (state, scope, reason) and notes; ``seq`` grows on every update."""
    _breakpoints = traitlets.Dict().tag(sync=True)
    break_on_error = traitlets.Bool(False).tag(sync=True)
    """Pause when a state fails, before Retry or Catch handle it."""
    pending: traitlets.List[Any] = traitlets.List().tag(sync=True)
    """Tasks waiting for a token: ``{"token", "state", "path", "resource"}``."""
    events: traitlets.List[Any] = traitlets.List().tag(sync=True)
    """The newest history events, as :func:`sfnkit.widgets.data.event_rows` rows (live)."""
    timeline = traitlets.Dict().tag(sync=True)
    """A finished history's events for the replay slider (:func:`sfnkit.widgets.data.pack_rows`), sent once."""
    changes: traitlets.List[Any] = traitlets.List().tag(sync=True)
    """The colour changes of that history (:func:`sfnkit.widgets.data.status_changes`), in the chosen iteration."""
    cursor = traitlets.Int(0).tag(sync=True)
    """The replay cursor: the event id shown (0: the last event). Moved in the browser without kernel work."""
    inspector = traitlets.Dict().tag(sync=True)
    """The selected state's visits (:func:`sfnkit.widgets.data.inspector`)."""
    maps = traitlets.Dict().tag(sync=True)
    """Map state name -> number of iterations started, for the iteration picker."""
    iteration = traitlets.Dict(value_trait=traitlets.Int(), key_trait=traitlets.Unicode()).tag(sync=True)
    """The Map iterations chosen: Map state name -> index. States in those Maps show only that iteration."""
    message = traitlets.Unicode("").tag(sync=True)
    """The last action's error, if any."""

    def __init__(
        self,
        source: Any,
        input: Any = None,
        *,
        resources: Any = None,
        definition: Any = None,
        engine: Engine | None = None,
        **start_kwargs: Any,
    ) -> None:
        from sfnkit.asl.validate import load
        from sfnkit.runtime.execution import Execution, start

        self._history: History | None = None
        self._execution: Execution | None = None
        if isinstance(source, Execution):
            if input is not None or resources is not None or start_kwargs:
                raise TypeError(
                    "Debugger(execution) takes no input, resources or start options: the execution has them"
                )
            self._execution = source
            sm: m.StateMachine = source.state_machine
        elif isinstance(source, History) or (hasattr(source, "history") and hasattr(source, "arn")):
            history = source if isinstance(source, History) else source.history
            if definition is None:
                raise TypeError(
                    "Debugger(history) replays a history on its state machine's graph, which a history does not "
                    "carry: pass Debugger(history, definition=sm) with sm = sfnkit.load(...) (for an AWS "
                    "execution, the definition from describe_state_machine_for_execution)"
                )
            if input is not None or resources is not None or start_kwargs:
                raise TypeError("Debugger(history) replays: it takes no input, resources or start options")
            self._history = history
            sm = load(definition)
        else:
            if definition is not None:
                raise TypeError(
                    "definition= is for Debugger(history, definition=sm); here the machine is the first argument"
                )
            sm = load(source)
            kwargs = dict(start_kwargs)
            if resources is not None:
                kwargs["resources"] = resources
            self._execution = start(sm, input, **kwargs)
        self.state_machine = sm
        self._engine = engine
        self._types = {st.name: st.type for st in sm.walk()}
        self._has_maps = any(t == "Map" for t in self._types.values())
        self._seq = 0
        self._live_view: LiveView | None = None
        self._live_view_of: Any = None
        self._inspector_stale = False
        super().__init__()
        self.svg = svg(sm, None, engine=engine, legend=True)
        if self._execution is not None:
            self.break_on_error = self._execution.break_on_error
            self.mode = "live"
        else:
            self.mode = "replay"
        self.on_msg(self._on_front_end_message)
        self._sync()

    # -- what it drives ---------------------------------------------------------------------------------------
    @property
    def execution(self) -> Any:
        """The :class:`sfnkit.Execution` being debugged (a new one after :meth:`restart`); ``None`` in a replay."""
        return self._execution

    @property
    def history(self) -> History:
        """The history shown: the execution's so far, or the replayed one."""
        if self._execution is not None:
            return self._execution.history
        assert self._history is not None
        return self._history

    @property
    def breakpoints(self) -> Mapping[str, Condition | None]:
        """The breakpoints (state name -> condition or ``None``), read-only: change them with the methods."""
        return types.MappingProxyType(self._execution.breakpoints if self._execution is not None else {})

    # -- controls ---------------------------------------------------------------------------------------------
    def step(self) -> Debugger:
        """Run the current state and pause before the next one, stepping into Parallel branches and Map iterations."""
        return self._drive(lambda ex: ex.step())

    def step_over(self) -> Debugger:
        """Step over a Parallel or Map: pause at the next state no deeper than the current one."""
        return self._drive(lambda ex: ex.step(over=True))

    def run(self, until: str | None = None) -> Debugger:
        """Continue until a breakpoint, an error (with ``break_on_error``), a task token, ``until`` or the end."""
        if until is not None:
            self._check_state(until)
        return self._drive(lambda ex: ex.run(until=until))

    def run_to(self, name: str) -> Debugger:
        """Run until state ``name`` is about to be entered."""
        return self.run(until=name)

    def run_to_selected(self) -> Debugger:
        """Run until the state selected in the graph is about to be entered."""
        if not self.selected:
            raise ValueError("select a state first (click it in the graph, or debugger.select(name))")
        return self.run(until=self.selected)

    def stop(self) -> Debugger:
        """Abort the execution (status ``ABORTED``); its history is kept and can be replayed with the slider."""
        return self._drive(lambda ex: ex.stop())

    def restart(self) -> Debugger:
        """Start a new execution from the same input, resources and options, keeping breakpoints and
        ``break_on_error``.

        Every option of the original execution is kept: the clock (a fresh one of the same kind, starting where
        the first one started), name, seed, type, account, region, role, state machine name, mocks (with fresh
        invocation counters), storage, ``missing_resources``, ``services`` and the rest of
        :attr:`sfnkit.Execution.options`, whether the Debugger started the execution or was given it. The
        previous execution is left as it was (the resources are the
        same objects, so handlers that count their calls keep counting).
        """
        from sfnkit.runtime.execution import Execution

        old = self._live()
        options = {
            **_restart_options(old),
            "breakpoints": dict(old.breakpoints),
            "break_on_error": self.break_on_error,
        }
        self._execution = Execution(old.state_machine, old.input, **options).step()
        with self.hold_sync():
            self.message = ""
            self.cursor = 0
            self.timeline = {}
            self.changes = []
            self._sync()
        self.refresh_static()
        return self

    # -- breakpoints ------------------------------------------------------------------------------------------
    def add_breakpoint(self, name: str, condition: Condition | None = None) -> Debugger:
        """Pause before state ``name`` is entered; with ``condition``, only when ``condition(state_input)`` is true.

        A condition that raises stops the run there and says why (``info["note"]``).
        """
        self._check_state(name)
        if condition is not None and not callable(condition):
            raise TypeError(
                f"a breakpoint condition must be a function of the state input, got {type(condition).__name__}"
            )
        self._live().breakpoints[name] = condition
        self._sync()
        return self

    def remove_breakpoint(self, name: str) -> Debugger:
        """Remove the breakpoint on ``name`` (no error if there is none)."""
        self._live().breakpoints.pop(name, None)
        self._sync()
        return self

    def toggle_breakpoint(self, name: str) -> Debugger:
        """Add an unconditional breakpoint on ``name``, or remove the one there."""
        if name in self._live().breakpoints:
            return self.remove_breakpoint(name)
        return self.add_breakpoint(name)

    def clear_breakpoints(self) -> Debugger:
        self._live().breakpoints.clear()
        self._sync()
        return self

    # -- task tokens ------------------------------------------------------------------------------------------
    def send_task_success(self, token: str | None = None, output: Any = None) -> Debugger:
        """Answer a pending task token with ``output`` (``token=None``: the only pending one)."""
        ex = self._live()
        return self._drive(lambda e: e.send_task_success(self._token(ex, token), output))

    def send_task_failure(self, token: str | None = None, error: str = "", cause: str = "") -> Debugger:
        """Fail the task waiting on ``token`` (``None``: the only pending one) with ``error`` and ``cause``."""
        ex = self._live()
        return self._drive(lambda e: e.send_task_failure(self._token(ex, token), error, cause))

    @staticmethod
    def _token(ex: Any, token: str | None) -> str:
        if token is not None:
            return token
        tokens = ex.pending_tokens
        if len(tokens) != 1:
            raise ExecutionStateError(
                f"{len(tokens)} task tokens are pending; say which one: {tokens}"
                if tokens
                else "no task token is pending"
            )
        return str(tokens[0])

    # -- what is shown ----------------------------------------------------------------------------------------
    def select(self, name: str) -> Debugger:
        """Select state ``name`` (``""``: none) and show its visits in the inspector."""
        if name:
            self._check_state(name)
        self.selected = name
        return self

    def choose_iteration(self, map_state: str, index: int | None) -> Debugger:
        """Show only iteration ``index`` of Map state ``map_state`` (``None``: all iterations again)."""
        self._check_state(map_state)
        if self._types[map_state] != "Map":
            raise ValueError(f"{map_state!r} is a {self._types[map_state]} state; choose_iteration() takes a Map state")
        chosen = dict(self.iteration)
        if index is None:
            chosen.pop(map_state, None)
        else:
            if not isinstance(index, int) or index < 0:
                raise ValueError(f"a Map iteration index is an int >= 0, got {index!r}")
            chosen[map_state] = index
        self.iteration = chosen
        return self

    def seek(self, event_id: int) -> Debugger:
        """Move the replay cursor to event ``event_id`` (0: the last event)."""
        if not self.timeline:
            raise ExecutionStateError("the cursor moves through a finished history: this execution is still running")
        self.cursor = max(0, int(event_id))
        return self

    def refresh(self) -> Debugger:
        """Show the execution as it is now (after driving ``debugger.execution`` directly)."""
        self._sync()
        return self

    # -- internals --------------------------------------------------------------------------------------------
    def _live(self) -> Any:
        if self._execution is None:
            raise ExecutionStateError("this Debugger replays a finished history: there is no execution to drive")
        return self._execution

    def _check_state(self, name: str) -> None:
        if name not in self._types:
            import difflib

            close = difflib.get_close_matches(name, list(self._types), n=3)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise KeyError(f"no state named {clean_text(name)!r} in this state machine{hint}")

    def _drive(self, action: Callable[[Any], Any]) -> Debugger:
        ex = self._live()
        self.message = ""
        action(ex)
        self._sync()
        position = ex.position
        if ex.done or (position is not None and position.get("reason") in ("breakpoint", "error", "until")):
            self.refresh_static()  # a checkpoint: the exported fallback shows where we are
        return self

    def _statuses(self, history: History) -> dict[str, str]:
        """Colours from the whole history (a finished execution, or a replay)."""
        if self.iteration:
            return data.statuses_at(data.status_changes(history, iteration=self.iteration))
        return compact(status_of(history, sm=self.state_machine))

    def _position(self, ex: Any) -> Position | None:
        pos = ex.position
        if pos is None:
            return None
        parts = []
        for state, index in pos.get("scope") or ():
            parts.append(f"{state}[{index}]" if self._types.get(state) == "Map" else f"{state}.Branches[{index}]")
        return {"state": pos["state"], "scope": "/".join(parts), "reason": pos.get("reason") or ""}

    def _sync(self) -> None:
        """Send the browser everything that may have changed (one message: ``hold_sync``)."""
        self._seq += 1
        with self.hold_sync():
            if self._execution is None:
                self._sync_replay()
            elif self._execution.done:
                self._sync_finished()
            else:
                self._sync_live()

    def _follow(self, ex: Any, history: History) -> tuple[LiveView, set[str]]:
        view = self._live_view
        if view is None or self._live_view_of is not ex:
            view = self._live_view = LiveView()
            self._live_view_of = ex
            view.set_iteration(self.iteration or None)
            self._inspector_stale = True  # a new execution (restart): what the inspector shows is gone
        return view, view.feed(history)

    def _sync_live(self) -> None:
        """A running execution: everything from the incremental view, so a step costs the same late as early."""
        ex = self._execution
        assert ex is not None
        history = ex.history
        view, touched = self._follow(ex, history)
        self.status = view.statuses()
        self._breakpoints = {name: _describe_condition(cond) for name, cond in ex.breakpoints.items()}
        self.break_on_error = ex.break_on_error
        tokens = ex.pending_tokens
        self.pending = view.pending(history, tokens) if tokens else []
        self.events = view.rows(history, len(history) - EVENTS_TAIL)
        if self._has_maps:
            self.maps = dict(view.maps)
        if self.timeline:
            self.timeline, self.changes = {}, []
        name = self.selected
        if not name:
            self.inspector = {}
        elif name in touched or self.inspector.get("state") != name or self._inspector_stale:
            self.inspector = self._inspect(history)
        self._inspector_stale = False
        self.info = self._info(
            {
                "seq": self._seq,
                "status": ex.status,
                "done": False,
                "summary": self._live_summary(ex, view, len(history)),
                "error": ex.error,
                "cause": ex.cause,
                "position": self._position(ex),
                "pause_error": self._pause_error(ex),
                "note": ex.breakpoint_error or "",
                "events": len(history),
            }
        )

    @staticmethod
    def _info(info: Info) -> dict[str, Any]:
        """The ``info`` trait's value: an :class:`~sfnkit.widgets.messages.Info` (mypy checks its keys)."""
        return dict(info)

    @staticmethod
    def _pause_error(ex: Any) -> PauseError | None:
        """At a break-on-error pause: the error the paused state raised, and its cause (for the banner)."""
        pos = ex.position
        if pos is None or pos.get("reason") != "error":
            return None
        for visit in reversed(ex.visits):
            if visit.name == pos["state"] and visit.attempt_errors:
                error, cause = visit.attempt_errors[-1]
                return {"error": str(error or ""), "cause": str(cause or "")}
        return None

    def _live_summary(self, ex: Any, view: LiveView, events: int) -> str:
        """``Execution.summary()`` without counting the whole history again."""
        elapsed = ex.clock.now() - ex.start_time
        n = view.transitions
        text = f"{ex.status} at {_duration(elapsed)}, {n} state transition{'' if n == 1 else 's'}, {events} events"
        tokens = ex.pending_tokens
        if tokens:
            text += f"; waiting on {len(tokens)} task token{'' if len(tokens) == 1 else 's'}"
        if ex.paused_at is not None:
            text += f"; paused before {clean_text(ex.paused_at)!r}"
        return text

    def _sync_finished(self) -> None:
        """A finished execution: the whole-history views, once, and the timeline for the replay slider."""
        ex = self._execution
        assert ex is not None
        history = ex.history
        self._live_view = self._live_view_of = None
        self.status = self._statuses(history)
        self._breakpoints = {name: _describe_condition(cond) for name, cond in ex.breakpoints.items()}
        self.break_on_error = ex.break_on_error
        self.pending = []
        self.events = []
        if self._has_maps:
            self.maps = data.map_iterations(history)
        if not self.timeline:
            self._set_timeline(history)
        self.inspector = self._inspect(history) if self.selected else {}
        self.info = self._info(
            {
                "seq": self._seq,
                "status": ex.status,
                "done": True,
                "summary": ex.summary(),
                "error": ex.error,
                "cause": ex.cause,
                "position": None,
                "pause_error": None,
                "note": ex.breakpoint_error or "",
                "events": len(history),
            }
        )

    def _sync_replay(self) -> None:
        history = self.history
        if not self.timeline:
            self._set_timeline(history)
        self.status = data.statuses_at(self.changes)
        if self._has_maps:
            self.maps = data.map_iterations(history)
        self.inspector = self._inspect(history) if self.selected else {}
        summary = data.event_rows(history, len(history) - 1)  # the last event says how it ended
        self.info = self._info(
            {
                "seq": self._seq,
                "status": history.status,
                "done": True,
                "summary": f"Replay of {len(history)} events; ended with {summary[0][1] if summary else 'nothing'}",
                "error": None,
                "cause": None,
                "position": None,
                "pause_error": None,
                "note": "",
                "events": len(history),
            }
        )

    def _set_timeline(self, history: History) -> None:
        self.changes = data.status_changes(history, iteration=self.iteration or None)
        self.timeline = dict(data.pack_rows(data.event_rows(history)))

    def _inspect(self, history: History) -> dict[str, Any]:
        name = self.selected
        if name not in self._types:
            return {}
        iteration = self.iteration or None
        ex = self._execution
        if ex is not None and not ex.done and self._live_view is not None:
            found = self._live_view.inspector(history, name, visits=ex.visits, iteration=iteration,
                                              state_type=self._types[name])  # fmt: skip
        else:
            visits = ex.visits if ex is not None else None
            found = data.inspector(history, name, visits=visits, iteration=iteration, state_type=self._types[name])
        if ex is not None:
            self._add_explanations(found, name, ex.visits)
        return dict(found)

    def _add_explanations(self, found: InspectorData, name: str, visits: Any) -> None:
        """The "in plain words" part of each visit (sfnkit.explain), from the recorded data-flow stages."""
        from sfnkit.explaining import visit_steps

        try:
            state = self.state_machine.find(name)
        except KeyError:
            return
        by_id = {v.entered_event_id: v for v in visits if v.name == name}
        for record in found["visits"]:
            visit = by_id.get(record["entered"])
            if visit is not None:
                record["explain"] = visit_steps(state, visit)

    @traitlets.observe("selected")
    def _on_selected(self, _change: Any) -> None:
        if self._seq:  # after __init__
            self.inspector = self._inspect(self.history) if self.selected else {}

    @traitlets.observe("iteration")
    def _on_iteration(self, _change: Any) -> None:
        if not self._seq:
            return
        history = self.history
        with self.hold_sync():
            if self.timeline:
                self.changes = data.status_changes(history, iteration=self.iteration or None)
            ex = self._execution
            if ex is None:
                self.status = data.statuses_at(self.changes)
            elif not ex.done and self._live_view is not None:
                self._live_view.set_iteration(self.iteration or None)
                self.status = self._live_view.statuses()
            else:
                self.status = self._statuses(history)
            self._on_selected(None)

    @traitlets.observe("break_on_error")
    def _on_break_on_error(self, change: Any) -> None:
        if self._execution is not None and self._execution.break_on_error != change["new"]:
            self._execution.break_on_error = change["new"]

    def _on_front_end_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        """A button in the browser: run the method of the same name and show any error in the widget."""
        if not isinstance(content, dict):
            return
        message: ActionMessage = content  # type: ignore[assignment]  # JSON from the page: checked key by key
        action = message.get("action")
        try:
            if action == "step":
                self.step()
            elif action == "step_over":
                self.step_over()
            elif action == "continue":
                self.run()
            elif action == "run_to":
                name = content.get("name") or ""
                if not name:
                    raise ValueError("select a state first: Run to selected runs until that state is entered")
                self.run_to(str(name))
            elif action == "restart":
                self.restart()
            elif action == "stop":
                self.stop()
            elif action == "toggle_breakpoint":
                self.toggle_breakpoint(str(content.get("name") or ""))
            elif action == "send_success":
                text = content.get("output")
                try:
                    output = json.loads(text) if isinstance(text, str) and text.strip() else None
                except ValueError as e:
                    raise ValueError(f"the task output is not valid JSON: {e}") from None
                self.send_task_success(content.get("token"), output)
            elif action == "send_failure":
                self.send_task_failure(
                    content.get("token"), str(content.get("error") or ""), str(content.get("cause") or "")
                )
            else:
                raise ValueError(f"unknown action {action!r}")
        except Exception as e:
            text = str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)
            with self.hold_sync():
                self.message = f"{action}: {text}"
                self._sync()

    # -- static fallback ----------------------------------------------------------------------------------------
    def _static_bundle(self) -> dict[str, str]:
        from sfnkit.views.display import execution_mimebundle, history_mimebundle

        if self._execution is not None:
            return execution_mimebundle(self._execution)
        return history_mimebundle(self.history, sm=self.state_machine)

    def __repr__(self) -> str:
        if self._execution is not None:
            return f"<Debugger: {self._execution.summary()}>"
        return f"<Debugger: replay of {len(self.history)} events, {self.history.status}>"
