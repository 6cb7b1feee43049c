"""The visits of an execution and their data-flow stages, kept compactly: what the Debugger's inspector,
:func:`sfnkit.explain` and :func:`sfnkit.test_state` read (never the history; DESIGN.md, principle 1).

A visit is one entry into a state. Its stages use AWS TestState's names (``input``, ``afterInputPath``,
``afterParameters``, ``afterArguments``, ``result``, ``afterResultSelector``, ``afterResultPath``, ``output``) plus
``next`` for a Choice. The interpreter writes a visit through an :class:`OpenVisit` while the state runs and
:meth:`VisitLog.close` packs it when the state exits; readers get :class:`Visit` views through
``Execution.visits`` (a :class:`Visits` snapshot).

Why a column store. A 100,000-item inline Map of two Pass states makes 200,001 visits. One object with a stage
dict each took about 440 bytes a visit (88 MiB, more than the 600,000-event history itself), and the six stages
of a Pass without paths are one or two distinct objects: ``input`` is ``afterInputPath``, ``afterParameters``
is ``result`` is ``afterResultPath`` is ``output``. A closed visit is therefore a row across parallel columns:
its name, entered event id, branch index, scope, the variables in scope, its first stage value, the values
that start a new run (nothing, the value itself, or a tuple; a run is stages that are one object), and a shape
number. A shape, shared by every visit that has it, is the tuple of stage names in the order they were written
and, for each, which run it is in. Values are references, never copies, so every stage reads back as the very
object the interpreter handed over (and two stages that were one object still are). About 60 bytes a visit.

A visit's scope (the enclosing Parallel/Map states with the branch or item index) is ``(*prefix, (name,
branch_index))`` for every visit inside a branch: the row keeps a :class:`_Frame` (prefix and name) that all
the iterations of one Map run share, instead of one scope tuple per iteration.

Failures, retries and ``Assign`` are rare on a visit, so they live in a sparse side table. A visit that never
exits (the state failed, the run is paused or still running) stays an :class:`OpenVisit`, read as it is.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import accumulate, compress, islice, repeat
from operator import is_not, itemgetter
from typing import Any, Final, overload

__all__ = ["OpenVisit", "Visit", "VisitLog", "Visits"]

Error = tuple[str, "str | None"]

#: the stages of a JSONPath Pass state, in the order it applies them (see VisitLog.add_pass)
_PASS_STAGES: Final = ("input", "afterInputPath", "afterParameters", "result", "afterResultPath", "output")

_NO_ERRORS: Final[tuple[()]] = ()  # attempt_errors until a visit fails: most never do, so no list per visit


class OpenVisit:
    """A visit while its state runs: the interpreter writes its stages, error, retried errors and assigned
    variables here (the same attributes a :class:`Visit` reads); :meth:`VisitLog.close` packs it."""

    __slots__ = ("attempt_errors", "entered_event_id", "error", "index", "stages", "variables")

    def __init__(self, index: int, entered_event_id: int, state_input: Any) -> None:
        self.index = index
        self.entered_event_id = entered_event_id
        self.stages: dict[str, Any] = {"input": state_input}
        self.error: Error | None = None  # the failure that ended the visit (caught or not)
        self.attempt_errors: Sequence[Error] = _NO_ERRORS  # every failure, retried ones included
        self.variables: dict[str, Any] | None = None  # what this visit's Assign wrote

    def __repr__(self) -> str:
        return f"OpenVisit(#{self.index}, entered=#{self.entered_event_id}, stages={list(self.stages)})"


class _Frame:
    """The scope shared by the visits of one branch kind: ``prefix`` (the enclosing scope) and the name of the
    Parallel or Map state; a visit's scope is ``(*prefix, (name, its branch index))``."""

    __slots__ = ("depth", "name", "prefix")

    def __init__(self, prefix: tuple[tuple[str, int], ...], name: str) -> None:
        self.prefix = prefix
        self.name = name
        self.depth = len(prefix) + 1

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Frame, (self.prefix, self.name))


#: builds a packed visit's stage dict from its first value and its other distinct values (None, one, or a tuple)
_Builder = Callable[[Any, Any], dict[str, Any]]


def _builder(names: tuple[str, ...], which: tuple[int, ...]) -> _Builder:
    """The function that builds the stage dict of a shape from a row's first value ``f`` and the rest ``r``.

    A dict display with the shape's names, compiled once per shape (``{'input': f, 'afterInputPath': f,
    'output': r}``): three times quicker than ``dict(zip(...))`` (reading every stage of a 200,000-visit run
    took 0.4 s; the list of dicts this store replaced, 17 ms). The names are written with ``repr()``, so only
    ``str`` names (all the interpreter writes) take this way; other keys get the general one."""
    count = which[-1] + 1 if which else 0
    rest = ["r"] if count == 2 else [f"r[{k}]" for k in range(count - 1)]  # a lone second value is kept bare
    terms = ["f" if w == 0 else rest[w - 1] for w in which]
    if all(type(n) is str for n in names):
        items = ", ".join(f"{n!r}: {t}" for n, t in zip(names, terms, strict=True))
        built: _Builder = eval(f"lambda f, r: {{{items}}}", {"__builtins__": {}})  # repr()'d names: no code
        return built

    def build(f: Any, r: Any) -> dict[str, Any]:
        values = (f, r) if count == 2 else (f, *(r or ()))
        return dict(zip(names, map(values.__getitem__, which), strict=True))

    return build


class VisitLog:
    """Every visit of one execution, in the order the states were entered (see the module docstring)."""

    __slots__ = (
        "_before",
        "_branch",
        "_builders",
        "_entered",
        "_extra",
        "_first",
        "_frame",
        "_frames",
        "_names",
        "_open",
        "_pass_shapes",
        "_rest",
        "_scope",
        "_shape",
        "_shape_ids",
        "_shapes",
    )

    def __init__(self) -> None:
        self._names: list[str] = []
        self._entered: array[int] = array("q")
        self._branch: array[int] = array("q")
        self._scope: list[_Frame | tuple[tuple[str, int], ...]] = []
        self._before: list[Mapping[str, Any] | None] = []
        self._first: list[Any] = []  # the first stage's value (the input)
        self._rest: list[Any] = []  # the other distinct values: None, the one value, or a tuple of them
        self._shape: array[int] = array("I")  # index into _shapes (0 while the visit is open)
        # a shape: (stage names, which distinct value each is, how many distinct values)
        self._shapes: list[tuple[tuple[str, ...], tuple[int, ...], int]] = [((), (), 0)]
        self._shape_ids: dict[tuple[tuple[str, ...], tuple[int, ...]], int] = {}
        self._builders: list[_Builder] = [_builder((), ())]  # shape -> the function building its stage dict
        self._open: dict[int, OpenVisit] = {}
        self._extra: dict[int, tuple[Error | None, Sequence[Error], dict[str, Any] | None]] = {}
        self._frame: _Frame | None = None  # the last frame used: the iterations of one Map share it
        self._pass_shapes: dict[int, tuple[int, Callable[[tuple[Any, ...]], Any] | None]] = {}  # see add_pass
        self._frames: dict[tuple[str, int, int], _Frame] = {}

    # -- writing (the interpreter) ---------------------------------------------------------------------------
    def open(
        self,
        name: str,
        entered_event_id: int,
        branch_index: int,
        state_input: Any,
        variables_before: Mapping[str, Any] | None,
        scope: tuple[tuple[str, int], ...],
    ) -> OpenVisit:
        """A new visit of state ``name`` (its Entered event just recorded), with its first stage, ``input``."""
        index = len(self._names)
        entry = self._scope_entry(scope, branch_index) if scope else scope
        try:
            self._names.append(name)
            self._entered.append(entered_event_id)
            self._branch.append(branch_index)
            self._scope.append(entry)
            self._before.append(variables_before)
            self._first.append(state_input)
            self._rest.append(None)
            self._shape.append(0)
            visit = self._open[index] = OpenVisit(index, entered_event_id, state_input)
        except BaseException:  # an interrupt between two appends: the state was entered, its visit stays (open)
            self._rewrite(index, (name, entered_event_id, branch_index, entry, variables_before, state_input, None, 0))
            self._open[index] = OpenVisit(index, entered_event_id, state_input)
            raise
        return visit

    def _scope_entry(
        self, scope: tuple[tuple[str, int], ...], branch_index: int
    ) -> _Frame | tuple[tuple[str, int], ...]:
        """What the scope column keeps for a visit in a branch: its branch's shared frame, or the scope itself."""
        last = scope[-1]
        frame = self._frame
        if (
            frame is None
            or last[1] != branch_index
            or last[0] != frame.name
            or len(scope) != frame.depth
            or (frame.depth > 1 and scope[-2] is not frame.prefix[-1])
        ):
            frame = self._frame_of(scope, branch_index)
        return scope if frame is None else frame

    def _frame_of(self, scope: tuple[tuple[str, int], ...], branch_index: int) -> _Frame | None:
        """The shared frame of ``scope``, or None when the scope does not end with this branch's index (the
        row then keeps the scope tuple itself)."""
        name, number = scope[-1]
        if number != branch_index:
            return None
        # keyed by the identity of the enclosing scope's last element: the frame holds that element (in its
        # prefix), so the id cannot be reused while the key is in the table
        key = (name, len(scope), id(scope[-2]) if len(scope) > 1 else 0)
        frame = self._frames.get(key)
        if frame is None:
            frame = self._frames[key] = _Frame(scope[:-1], name)
        self._frame = frame
        return frame

    def close(self, visit: OpenVisit) -> None:
        """Pack a visit whose state exited: its stages become a shape and the values that start a run."""
        index = visit.index
        if self._open.pop(index, None) is None:
            return  # closed already (or not this log's)
        stages = visit.stages
        values = tuple(stages.values())
        if values:
            # runs of one object: a stage that is the previous stage's very object is stored once (a value seen
            # earlier, not just before, is stored again: the same reference, so it still reads back as that object)
            starts = (True, *map(is_not, values[1:], values[:-1]))
            key = (tuple(stages), starts)
            shape = self._shape_ids.get(key)
            if shape is None:
                shape = self._new_shape(key)
            self._shape[index] = shape
            self._first[index] = values[0]
            count = self._shapes[shape][2]
            if count == 2:
                self._rest[index] = next(compress(values[1:], starts[1:]))
            elif count > 2:
                self._rest[index] = tuple(compress(values[1:], starts[1:]))
        # (no stages at all: shape 0, the empty one)
        if visit.error is not None or visit.attempt_errors or visit.variables is not None:
            self._extra[index] = (visit.error, visit.attempt_errors, visit.variables)

    def _new_shape(self, key: tuple[tuple[str, ...], tuple[bool, ...]]) -> int:
        """Number a shape seen for the first time: (stage names, which stages start a run)."""
        shape = self._shape_ids[key] = len(self._shapes)
        which = tuple(w - 1 for w in accumulate(key[1]))  # the run each stage is in
        self._shapes.append((key[0], which, which[-1] + 1))
        self._builders.append(_builder(key[0], which))
        return shape

    def add_pass(
        self,
        name: str,
        entered_event_id: int,
        branch_index: int,
        variables_before: Mapping[str, Any] | None,
        scope: tuple[tuple[str, int], ...],
        state_input: Any,
        after_input_path: Any,
        after_parameters: Any,
        result: Any,
        after_result_path: Any,
        output: Any,
        assigned: dict[str, Any] | None,
    ) -> None:
        """A whole visit of a JSONPath Pass state that has exited, in one call: the row that :meth:`open`, its six
        stages and :meth:`close` would write. (Nothing runs between a Pass state's Entered and Exited events, so
        no reader could have seen it open; the interpreter opens one as usual when the state fails.) Most visits
        of a big run are these: one call instead of an :class:`OpenVisit`, a stage dict and a shape key built
        and hashed per visit."""
        # which stages start a run: five identity tests, one bit each (a cache of at most 32 shapes)
        runs = (
            (after_input_path is not state_input)
            | (after_parameters is not after_input_path) << 1
            | (result is not after_parameters) << 2
            | (after_result_path is not result) << 3
            | (output is not after_result_path) << 4
        )
        known = self._pass_shapes.get(runs)
        if known is None:
            known = self._pass_shape(runs)
        shape, rest = known
        index = len(self._names)
        entry = self._scope_entry(scope, branch_index) if scope else scope
        others = None if rest is None else rest((after_input_path, after_parameters, result, after_result_path, output))
        try:
            self._names.append(name)
            self._entered.append(entered_event_id)
            self._branch.append(branch_index)
            self._scope.append(entry)
            self._before.append(variables_before)
            self._first.append(state_input)
            self._rest.append(others)
            self._shape.append(shape)
        except BaseException:  # an interrupt between two appends: the state has exited, its visit is written whole
            self._rewrite(index, (name, entered_event_id, branch_index, entry, variables_before, state_input, others,
                                  shape))  # fmt: skip
            raise
        finally:
            if assigned is not None:
                self._extra[index] = (None, _NO_ERRORS, assigned)

    def _pass_shape(self, runs: int) -> tuple[int, Callable[[tuple[Any, ...]], Any] | None]:
        """The shape of a Pass visit whose runs start where ``runs`` has a bit, and what picks its other values
        (as :meth:`close` keeps them: none, the one value, or a tuple)."""
        starts = (True, *(bool(runs >> k & 1) for k in range(5)))
        key = (_PASS_STAGES, starts)
        shape = self._shape_ids.get(key)
        if shape is None:
            shape = self._new_shape(key)
        positions = [k for k in range(5) if starts[k + 1]]
        known = self._pass_shapes[runs] = (shape, itemgetter(*positions) if positions else None)
        return known

    def _rewrite(self, index: int, row: tuple[Any, ...]) -> None:
        """Visit ``index``'s row, written again whole after an interrupt stopped it half-way."""
        self.heal(index)
        for column, value in zip(self._columns(), row, strict=True):
            column.append(value)

    def _columns(self) -> tuple[Any, ...]:
        return (
            self._names, self._entered, self._branch, self._scope, self._before, self._first, self._rest, self._shape
        )  # fmt: skip

    def heal(self, length: int | None = None) -> None:
        """Make the columns one length again (``length``, or the shortest column's) after an interrupt landed
        between two appends (see ``HistoryBuilder.heal``; :meth:`open` and :meth:`add_pass` then write their row
        again whole, so no visit of a state that was entered is lost)."""
        columns = self._columns()
        lengths = set(map(len, columns))
        if length is None:
            if len(lengths) == 1:
                return  # the usual case: nothing half-written
            length = min(lengths)
        for column in columns:
            del column[length:]
        for table in (self._open, self._extra):
            for index in [i for i in table if i >= length]:
                del table[index]

    # -- reading -----------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._names)

    def name(self, index: int) -> str:
        return self._names[index]

    def entered_event_id(self, index: int) -> int:
        return self._entered[index]

    def branch_index(self, index: int) -> int:
        return self._branch[index]

    def scope(self, index: int) -> tuple[tuple[str, int], ...]:
        entry = self._scope[index]
        if isinstance(entry, _Frame):
            return (*entry.prefix, (entry.name, self._branch[index]))
        return entry

    def variables_before(self, index: int) -> Mapping[str, Any]:
        before = self._before[index]
        return {} if before is None else before

    def is_open(self, index: int) -> bool:
        return index in self._open

    def stages(self, index: int) -> dict[str, Any]:
        """The visit's stages, a new dict in the order they were written (the values are the recorded objects)."""
        visit = self._open.get(index)
        if visit is not None:
            return dict(visit.stages)
        return self._builders[self._shape[index]](self._first[index], self._rest[index])

    def error(self, index: int) -> Error | None:
        visit = self._open.get(index)
        if visit is not None:
            return visit.error
        extra = self._extra.get(index)
        return None if extra is None else extra[0]

    def attempt_errors(self, index: int) -> Sequence[Error]:
        visit = self._open.get(index)
        if visit is not None:
            return visit.attempt_errors
        extra = self._extra.get(index)
        return _NO_ERRORS if extra is None else extra[1]

    def variables(self, index: int) -> dict[str, Any] | None:
        visit = self._open.get(index)
        if visit is not None:
            return visit.variables
        extra = self._extra.get(index)
        return None if extra is None else extra[2]

    def visit(self, index: int) -> Visit:
        """The view of visit ``index``."""
        return Visit(self, index, self._names[index])

    def snapshot(self) -> Visits:
        """The visits so far, as a read-only sequence (later visits do not join it)."""
        return Visits(self, len(self._names))

    def __getstate__(self) -> dict[str, Any]:
        # an empty log (keep_stages=False: every execution of a run_many batch) travels as nothing; the frame
        # cache is keyed by object ids, which mean nothing in another process: rebuilt empty there
        if not self._names:
            return {}
        # (the shapes' builders are functions: made again from the shapes)
        return {
            k: getattr(self, k) for k in self.__slots__ if k not in ("_frame", "_frames", "_builders", "_pass_shapes")
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]
        for k, v in state.items():
            setattr(self, k, v)
        self._builders = [_builder(names, which) for names, which, _count in self._shapes]

    def __repr__(self) -> str:
        return f"<VisitLog: {len(self._names)} visits, {len(self._open)} open, {len(self._shapes) - 1} shapes>"


class Visit:
    """One visit, read from a :class:`VisitLog`: ``name``, ``entered_event_id``, ``branch_index``, ``scope``
    (the enclosing ``(Parallel/Map state, branch/item index)`` pairs, outermost first), ``stages`` (a dict,
    stage name -> value, in the order the state applied them), ``error`` (the ``(error, cause)`` that ended the
    visit, caught or not), ``attempt_errors`` (every failure, retried ones included), ``variables`` (what its
    ``Assign`` wrote) and ``variables_before`` (every variable in scope when the state was entered).

    The values are the interpreter's own objects, shared with the history: read them, do not change them.
    """

    # the name is copied in (the one attribute every reader filters on: a slot read); the rest is read from the log
    __slots__ = ("_index", "_log", "_stages", "name")

    def __init__(self, log: VisitLog, index: int, name: str) -> None:
        self._log = log
        self._index = index
        self._stages: dict[str, Any] | None = None
        self.name = name

    @property
    def entered_event_id(self) -> int:
        return self._log.entered_event_id(self._index)

    @property
    def branch_index(self) -> int:
        return self._log.branch_index(self._index)

    @property
    def scope(self) -> tuple[tuple[str, int], ...]:
        return self._log.scope(self._index)

    @property
    def stages(self) -> dict[str, Any]:
        stages = self._stages
        if stages is None:
            log, index = self._log, self._index
            if index in log._open:
                return log.stages(index)  # still open: read as it is now, every time
            # a closed visit never changes again: built once, straight from the columns (no call per column)
            stages = self._stages = log._builders[log._shape[index]](log._first[index], log._rest[index])
        return stages

    @property
    def error(self) -> Error | None:
        return self._log.error(self._index)

    @property
    def attempt_errors(self) -> Sequence[Error]:
        return self._log.attempt_errors(self._index)

    @property
    def variables(self) -> dict[str, Any] | None:
        return self._log.variables(self._index)

    @property
    def variables_before(self) -> Mapping[str, Any]:
        return self._log.variables_before(self._index)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Visit):
            return other._log is self._log and other._index == self._index
        return NotImplemented

    def __hash__(self) -> int:
        return hash((id(self._log), self._index))

    def __repr__(self) -> str:
        return f"Visit({self.name!r}, entered=#{self.entered_event_id}, stages={list(self.stages)})"


class Visits(Sequence[Visit]):
    """``Execution.visits``: the visits recorded when it was read, oldest first, as :class:`Visit` views made
    on demand (a list of 200,000 visit objects is what the compact log avoids). Compares equal to a list or
    tuple of the same visits, so ``ex.visits == []`` reads as before."""

    __slots__ = ("_length", "_log")

    def __init__(self, log: VisitLog, length: int) -> None:
        self._log = log
        self._length = length

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> Visit: ...

    @overload
    def __getitem__(self, index: slice) -> list[Visit]: ...

    def __getitem__(self, index: int | slice) -> Visit | list[Visit]:
        log = self._log
        names = log._names
        if isinstance(index, slice):
            return [Visit(log, i, names[i]) for i in range(*index.indices(self._length))]
        n = self._length
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("visit index out of range")
        return Visit(log, index, names[index])

    # Views are made by map() over the columns (no Python frame per visit): a scan of 200,000 visits by name
    # takes about 80 ms. (The list of visit objects this replaced was faster to scan, 12 ms, and 7 times bigger.)
    def __iter__(self) -> Iterator[Visit]:
        n = self._length
        return map(Visit, repeat(self._log, n), range(n), islice(self._log._names, n))

    def __reversed__(self) -> Iterator[Visit]:
        n = self._length
        names = self._log._names
        return map(Visit, repeat(self._log, n), range(n - 1, -1, -1), islice(reversed(names), len(names) - n, None))

    def named(self, name: str) -> list[Visit]:
        """The visits of state ``name``, oldest first: the name column is scanned without a view for the others
        (100,000 visits of one state out of 200,000 in about 50 ms)."""
        n = self._length
        log = self._log
        where = compress(range(n), map(name.__eq__, islice(log._names, n)))
        return [Visit(log, i, name) for i in where]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Visits):
            return other._log is self._log and other._length == self._length
        if isinstance(other, (list, tuple)):
            return len(other) == self._length and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(repr(v) for v in self[:10])
        more = f", ... ({self._length} visits)" if self._length > 10 else ""
        return f"[{shown}{more}]"
