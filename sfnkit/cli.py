"""The ``sfnkit`` command: ``validate``, ``run``, ``report`` and ``demo``.

Output is meant for people first (compiler-style diagnostics, a short run summary) and for tools second
(``--format json``). Exit codes: 0 success, 1 the definition has errors or the execution did not succeed,
2 bad command-line usage.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import sfnkit
from sfnkit.asl.diagnostics import Diagnostic

__all__ = ["main"]


def _print_diagnostics(name: str, diags: Sequence[Diagnostic], out: Any) -> None:
    for d in diags:
        print(d.format(name), file=out)


def _template_options(args: argparse.Namespace, source: Any) -> dict[str, Any]:
    """``name=``/``parameters=`` for a template source (SAM, CloudFormation, CDK, serverless, Terraform)."""
    from sfnkit.asl.project.load import template_kind

    options: dict[str, Any] = {}
    if template_kind(source) is None:
        if getattr(args, "name", None) or getattr(args, "parameter", None):
            raise SystemExit(f"sfnkit: --name and --parameter apply to templates; {source} is a definition file")
        return options
    if getattr(args, "name", None):
        options["name"] = args.name
    if getattr(args, "parameter", None):
        parameters: dict[str, str] = {}
        for item in args.parameter:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise SystemExit(f"sfnkit: --parameter wants KEY=VALUE, got {item!r}")
            parameters[key] = value
        options["parameters"] = parameters
    return options


def cmd_validate(args: argparse.Namespace) -> int:
    failed = False
    report: list[dict[str, Any]] = []
    for path in args.files:
        # Path(...) so that a file argument is always read as a file, never taken for JSON or YAML text
        source: Any = Path(path) if path != "-" else sys.stdin.read()
        diags = sfnkit.validate(source, **_template_options(args, source) if path != "-" else {})
        errors = sum(d.severity == "ERROR" for d in diags)
        failed |= errors > 0
        if args.format == "json":
            report.append({"file": path, "valid": errors == 0, "diagnostics": [d.to_dict() for d in diags]})
        else:
            _print_diagnostics(path, diags, sys.stdout)
            warnings = len(diags) - errors
            status = "OK" if errors == 0 else "INVALID"
            print(f"{path}: {status} ({errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)})")
    if args.format == "json":
        print(json.dumps(report, indent=2))
    return 1 if failed else 0


def _load_json_arg(text: str | None, what: str) -> Any:
    if text is None:
        return {}
    if text.startswith("@"):
        with open(text[1:], encoding="utf-8") as f:
            text = f.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise SystemExit(
            f"sfnkit: {what} is not valid JSON ({e.msg} at line {e.lineno} column {e.colno}): {text[:80]!r}"
        ) from None


def _load_resources(specs: Sequence[str]) -> dict[str, Any]:
    import importlib
    import os

    # `--resources handlers:HANDLERS` means handlers.py in the folder the command runs in, as with `python -m`;
    # the `sfnkit` console script does not put that folder on sys.path by itself
    if specs and os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    resources: dict[str, Any] = {}
    for spec in specs:
        module_name, _, attr = spec.partition(":")
        if not attr:
            raise SystemExit(f"sfnkit: --resources wants module:attribute (a dict of handlers), got {spec!r}")
        try:
            obj = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as e:
            raise SystemExit(f"sfnkit: cannot load resources {spec!r}: {e}") from None
        if not isinstance(obj, dict):
            raise SystemExit(
                f"sfnkit: {spec} must be a dict mapping resource names to functions, got {type(obj).__name__}"
            )
        resources.update(obj)
    return resources


def cmd_run(args: argparse.Namespace) -> int:
    options = _template_options(args, Path(args.file))
    diags = sfnkit.validate(Path(args.file), **options)
    if any(d.severity == "ERROR" for d in diags):
        _print_diagnostics(args.file, diags, sys.stderr)
        return 1
    sm = sfnkit.load(Path(args.file), **options)
    extra: dict[str, Any] = {"services": args.services} if args.services else {}
    try:
        with _warnings_to(sys.stderr):
            ex = sfnkit.run(
                sm,
                _load_json_arg(args.input, "--input"),
                resources=_load_resources(args.resources),
                seed=args.seed,
                missing_resources="fail" if args.missing_fail else "raise",
                **extra,
            )
    except sfnkit.ResourceError as e:
        # the library's hint is Python advice (resources=...); on the command line the options say it
        lines = (re.sub(r";? ?\(?pass resources=.*$", "", line).rstrip() for line in str(e).split("\n"))
        message = "\n".join(line for line in lines if line)
        print(f"sfnkit: {message}", file=sys.stderr)
        print(
            "sfnkit: give the handlers with --resources MODULE:ATTR (a dict of name or ARN -> function, e.g. "
            "--resources handlers:HANDLERS for HANDLERS in handlers.py in this folder; repeatable), or pass "
            "--missing-fail to fail those tasks at run time as AWS does",
            file=sys.stderr,
        )
        return 1
    except sfnkit.SfnkitError as e:  # e.g. the [local] extra is not installed
        print(f"sfnkit: {e}", file=sys.stderr)
        return 1
    print(ex.summary())
    for child in ex.children:
        print(f"  child execution {child.state_machine_arn.rsplit(':', 1)[-1]}: {child.summary()}")
    if args.save_history:
        # History.to_json(): what `aws stepfunctions get-execution-history` prints (json.dump of to_boto()
        # would fail on its datetimes); `sfnkit report` and History.from_boto read it back
        Path(args.save_history).write_text(ex.history.to_json(), encoding="utf-8")
        print(f"history written to {args.save_history}")
    if ex.status == "SUCCEEDED":
        print(json.dumps(ex.output, indent=2))
    if args.report:
        from sfnkit import reports

        print(f"report written to {reports.html(ex, args.report)}")
    return 0 if ex.status == "SUCCEEDED" else 1


def _definition_arg(path: str | None) -> Any:
    if path is None:
        return None
    diags = sfnkit.validate(Path(path))
    if any(d.severity == "ERROR" for d in diags):
        _print_diagnostics(path, diags, sys.stderr)
        raise SystemExit(1)
    return sfnkit.load(Path(path))


@contextlib.contextmanager
def _warnings_to(out: Any) -> Iterator[None]:
    """Show warnings (e.g. which Tasks were stubbed) as one ``sfnkit: warning: ...`` line each on ``out``."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for w in caught:
                print(f"sfnkit: warning: {w.message}", file=out)


def cmd_report(args: argparse.Namespace) -> int:
    """An HTML report of a history JSON file (as `aws stepfunctions get-execution-history` writes it)."""
    from sfnkit import reports

    try:
        history = sfnkit.History.from_boto(Path(args.history))
    except (OSError, ValueError, TypeError) as e:
        print(f"sfnkit: cannot read {args.history} as an execution history: {e}", file=sys.stderr)
        return 1
    definition = _definition_arg(args.definition)
    print(f"report written to {reports.html(history, args.output, definition=definition)}")
    if definition is None:
        print(
            "sfnkit: the report has no graph: add --definition FILE (the state machine's ASL) to draw it",
            file=sys.stderr,
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from sfnkit import demo

    return demo.main(report=args.report, runs=args.runs)


def _add_template_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--name",
        metavar="STATE_MACHINE",
        help="for a template (SAM, CloudFormation, CDK, serverless.yml, Terraform): the state machine to use, "
        "by logical id or name",
    )
    p.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="for a template: a parameter (SAM/CloudFormation), option (serverless --stage) or variable "
        "(Terraform) value (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sfnkit", description="AWS Step Functions at home in Jupyter.")
    p.add_argument("--version", action="version", version=f"sfnkit {sfnkit.__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    v = sub.add_parser("validate", help="check ASL definitions and print diagnostics like a compiler")
    v.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="definition files (.json, .asl.json, .yaml), templates (SAM, CloudFormation, CDK synth output, "
        "serverless.yml, Terraform .tf) or project folders; - reads stdin",
    )
    v.add_argument("--format", choices=("text", "json"), default="text")
    _add_template_arguments(v)
    v.set_defaults(func=cmd_validate)
    r = sub.add_parser("run", help="run a definition (or a state machine of a template) locally on the virtual clock")
    r.add_argument(
        "file",
        metavar="FILE",
        help="an ASL definition, or a SAM/CloudFormation/CDK/serverless/Terraform template or project folder",
    )
    r.add_argument(
        "--services",
        choices=("local",),
        help="answer every Task without a --resources handler locally: an embedded moto AWS, the "
        "template's Python Lambdas in-process, nested state machines as child executions",
    )
    r.add_argument("--input", help="execution input as JSON text, or @file.json")
    r.add_argument(
        "--resources",
        action="append",
        default=[],
        metavar="MODULE:ATTR",
        help="a dict mapping resource names/ARNs to Python functions (repeatable)",
    )
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--report", metavar="HTML", help="also write a self-contained HTML report here")
    r.add_argument(
        "--save-history",
        metavar="JSON",
        help="write the execution history here, as `aws stepfunctions get-execution-history` prints it "
        "(read it back with `sfnkit report`)",
    )
    r.add_argument(
        "--missing-fail",
        action="store_true",
        help="fail Tasks that have no handler at run time (as AWS does) instead of refusing to start",
    )
    _add_template_arguments(r)
    r.set_defaults(func=cmd_run)
    rep = sub.add_parser("report", help="write an HTML report of an execution history JSON file (local or from AWS)")
    rep.add_argument("history", metavar="HISTORY.json")
    rep.add_argument("-o", "--output", default="report.html", metavar="HTML")
    rep.add_argument(
        "--definition",
        metavar="FILE",
        help="the state machine's ASL definition, so the report draws its graph (a history holds none)",
    )
    rep.set_defaults(func=cmd_report)
    d = sub.add_parser("demo", help="run the embedded example pipeline, summarise it and write an HTML report")
    d.add_argument("--report", default="sfnkit-demo-report.html", metavar="HTML", help="where to write the report")
    d.add_argument("--runs", type=int, default=200, help="how many orders the batch part runs (default 200)")
    d.set_defaults(func=cmd_demo)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except sfnkit.DefinitionError as e:
        print(f"sfnkit: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
