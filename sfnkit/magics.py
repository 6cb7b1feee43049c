"""IPython magics: ``%load_ext sfnkit``, then

``%%asl NAME``
    define a state machine from the cell (JSON or YAML); it is stored as ``NAME`` in the notebook and displayed
    with its diagnostics. An invalid definition prints the diagnostics (no traceback) and stores nothing.
``%sfn run NAME [--input JSON] [--resources VAR] [--seed N]``
    run it on the virtual clock; the execution is returned (so it displays) and stored as ``NAME_execution``.
``%sfn validate NAME``
    print the diagnostics of a stored state machine or of a definition held in a variable.
``%%jsonata [--input JSON_OR_VAR]``, ``%%jsonpath [--input JSON_OR_VAR]``
    evaluate the cell's expression against a JSON value (the cell's first line may be ``--input ...`` too), for
    learning and debugging. ``%%jsonpath`` takes a path (``$.a[0]``, ``$$.Execution.Id``, ``$var``), an intrinsic
    function (``States.Format('{}', $.x)``) or a payload template (a JSON object with ``.$`` keys).
"""

from __future__ import annotations

import argparse
import json
import random
import shlex
from typing import Any

__all__ = ["load_ipython_extension"]  # the magics class is built on first use (IPython is optional)


def _json_or_variable(text: str | None, namespace: dict[str, Any], what: str) -> Any:
    if text is None:
        return {}
    if text in namespace:
        return namespace[text]
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise _UsageError(
            f"{what} must be JSON text or the name of a notebook variable; {text!r} is neither ({e.msg})"
        ) from None


class _UsageError(Exception):
    """A magic was used wrongly: printed as a one-line message, never as a traceback."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would exit the kernel
        raise _UsageError(f"{self.prog}: {message}")


def _split_input_line(line: str, cell: str) -> tuple[str, str]:
    """``--input`` may be given on the magic line or as the cell's first line."""
    first, _, rest = cell.partition("\n")
    if first.strip().startswith("--input"):
        return (line + " " + first.strip()).strip(), rest
    return line, cell


def _make_class() -> type:
    from IPython.core.magic import Magics, cell_magic, line_magic, magics_class

    @magics_class
    class SfnkitMagics(Magics):
        """The sfnkit magics (see the module docstring)."""

        def _print_error(self, message: str) -> None:
            print(f"sfnkit: {message}")

        def _input_and_expression(self, line: str, cell: str) -> tuple[Any, str | None]:
            """The ``--input`` value (line or first cell line) and the expression; (None, None) after a message."""
            line, cell = _split_input_line(line, cell)
            try:
                return _json_or_variable(_input_arg(line), self.ns, "--input"), cell.strip()
            except _UsageError as e:
                self._print_error(str(e))
                return None, None

        @property
        def ns(self) -> dict[str, Any]:
            """The notebook's namespace."""
            assert self.shell is not None
            return self.shell.user_ns  # type: ignore[no-any-return]

        @cell_magic
        def asl(self, line: str, cell: str) -> Any:
            import sfnkit

            name = line.strip()
            if not name.isidentifier():
                self._print_error(
                    f"%%asl needs a variable name for the state machine, e.g. %%asl pipeline (got {name!r})"
                )
                return None
            diagnostics = sfnkit.validate(cell)
            for d in diagnostics:
                print(d.format(f"%%asl {name}"))
            if any(d.severity == "ERROR" for d in diagnostics):
                print(f"{name} was not defined: fix the errors above")
                return None
            sm = sfnkit.load(cell)
            self.ns[name] = sm
            return sm

        @line_magic
        def sfn(self, line: str) -> Any:
            import sfnkit

            ns = self.ns
            parser = _Parser(prog="%sfn", add_help=False)
            sub = parser.add_subparsers(dest="command")
            run = sub.add_parser("run", prog="%sfn run", add_help=False)
            run.add_argument("name")
            run.add_argument("--input", default=None)
            run.add_argument("--resources", default=None)
            run.add_argument("--seed", type=int, default=0)
            val = sub.add_parser("validate", prog="%sfn validate", add_help=False)
            val.add_argument("name")
            try:
                args = parser.parse_args(shlex.split(line))
                if args.command is None:
                    raise _UsageError(
                        "usage: %sfn run NAME [--input JSON] [--resources VAR] [--seed N] | %sfn validate NAME"
                    )
                if args.name not in ns:
                    raise _UsageError(f"no variable named {args.name!r}: define it with %%asl {args.name}")
                target = ns[args.name]
                if args.command == "validate":
                    diagnostics = sfnkit.validate(target)
                    for d in diagnostics:
                        print(d.format(args.name))
                    print(f"{args.name}: {'OK' if not any(d.severity == 'ERROR' for d in diagnostics) else 'INVALID'}")
                    return None
                data = _json_or_variable(args.input, ns, "--input")
                resources = ns[args.resources] if args.resources else None
                if args.resources and resources is None:
                    raise _UsageError(f"no variable named {args.resources!r} for --resources")
                ex = sfnkit.run(target, data, resources=resources, seed=args.seed)
            except (_UsageError, sfnkit.SfnkitError, TypeError) as e:
                self._print_error(str(e))
                return None
            ns[f"{args.name}_execution"] = ex
            return ex

        @cell_magic
        def jsonata(self, line: str, cell: str) -> Any:
            from sfnkit.asl import jsonata as engine
            from sfnkit.errors import StatesError

            data, text = self._input_and_expression(line, cell)
            if text is None:
                return None
            if not (text.startswith("{%") and text.endswith("%}")):
                text = "{% " + text + " %}"
            problem = engine.check_syntax(text)
            if problem:
                self._print_error(problem)
                return None
            try:
                return engine.evaluate(
                    text, states={"input": data}, variables=None, field="%%jsonata", rng=random.Random(0)
                )
            except StatesError as e:
                self._print_error(f"{e.error}: {e.cause}")
                return None

        @cell_magic
        def jsonpath(self, line: str, cell: str) -> Any:
            from sfnkit.asl import intrinsics, paths, templates
            from sfnkit.errors import StatesError

            data, text = self._input_and_expression(line, cell)
            if text is None:
                return None
            rng = random.Random(0)
            try:
                if text.startswith("{"):
                    template = json.loads(text)
                    problems = templates.check_template(template, "")
                    if problems:
                        self._print_error("; ".join(f"{loc or '/'}: {msg}" for loc, msg in problems))
                        return None
                    return templates.compile_template(template).evaluate(data, context={}, variables={}, rng=rng)
                if intrinsics.is_intrinsic(text):
                    return intrinsics.compile_intrinsic(text).evaluate(data, context={}, variables={}, rng=rng)
                return paths.compile_path(text).select(data, context={}, variables={})
            except (paths.PathSyntaxError, intrinsics.IntrinsicSyntaxError, json.JSONDecodeError) as e:
                self._print_error(str(e))
            except paths.PathNotFound as e:
                self._print_error(f"no match: {e}")
            except StatesError as e:
                self._print_error(f"{e.error}: {e.cause}")
            return None

    return SfnkitMagics


def _input_arg(line: str) -> str | None:
    """The value after ``--input`` (the rest of the line: JSON may contain spaces), unquoted."""
    text = line.strip()
    if not text:
        return None
    if not text.startswith("--input"):
        raise _UsageError(f"expected --input JSON_OR_VARIABLE, got {line!r}")
    value = text[len("--input") :].lstrip(" =").strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return value or None


def __getattr__(name: str) -> Any:
    if name == "SfnkitMagics":
        return _make_class()
    raise AttributeError(name)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext sfnkit`` registers the magics."""
    ipython.register_magics(_make_class())
