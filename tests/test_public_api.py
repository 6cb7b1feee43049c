"""The public API of ``sfnkit`` is pinned here: adding or removing a name is a deliberate act.

To change it, edit ``PUBLIC_API`` below (keep it sorted) together with ``sfnkit/__init__.py``.
"""

from __future__ import annotations

import subprocess
import sys

import sfnkit

PUBLIC_API = sorted(
    [
        "Batch",
        "DefinitionError",
        "Diagnostic",
        "Execution",
        "ExecutionOptions",
        "ExecutionStateError",
        "History",
        "HistoryEvent",
        "LambdaContext",
        "ResourceError",
        "Resources",
        "SfnkitError",
        "StateMachine",
        "StatesError",
        "TaskCall",
        "TaskFailure",
        "VirtualClock",
        "WallClock",
        "__version__",
        "explain",
        "load",
        "local_aws",
        "run",
        "run_many",
        "show_static",
        "start",
        "state_machines",
        "task_call",
        "to_python",
        "validate",
        "virtual_sleep",
    ]
)


def test_all_is_pinned() -> None:
    assert sorted(sfnkit.__all__) == PUBLIC_API


BUILD_API = sorted(
    [
        "And", "Branch", "BuildError", "Catch", "Chain", "Choice", "Fail", "FunctionTask", "ItemBatcher", "ItemReader",
        "Machine", "Map", "Not", "Or", "P", "Parallel", "Pass", "Path", "Processor", "PythonFunction", "ReaderConfig",
        "ResultWriter", "Retry", "Rule", "STATE_INPUT", "ServiceTask", "State", "Succeed", "Task", "Test", "Wait",
        "When", "batch_submit_job", "chain", "dynamodb", "ecs_run_task", "errors", "glue_start_job_run",
        "lambda_invoke", "sagemaker_create_endpoint", "sagemaker_create_endpoint_config", "sagemaker_create_model",
        "sagemaker_create_training_job", "sagemaker_create_transform_job", "sns_publish", "sqs_send_message",
        "start_execution", "task", "to_python",
    ]
)  # fmt: skip


def test_build_api_is_pinned() -> None:
    import sfnkit.build

    assert sorted(sfnkit.build.__all__) == BUILD_API
    for name in BUILD_API:
        assert hasattr(sfnkit.build, name), name


def test_all_has_no_duplicates_and_is_sorted() -> None:
    assert len(set(sfnkit.__all__)) == len(sfnkit.__all__)
    assert list(sfnkit.__all__) == sorted(sfnkit.__all__)


def test_every_name_in_all_exists() -> None:
    for name in sfnkit.__all__:
        assert hasattr(sfnkit, name), name


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from sfnkit import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == PUBLIC_API


def test_documented_subpackages_are_attributes() -> None:
    """``sfnkit.mocks`` (README) is the mock configurations' module, which lives beside the interpreter."""
    import sfnkit.runtime.mocks

    assert sfnkit.mocks is sfnkit.runtime.mocks
    assert callable(sfnkit.mocks.from_history)
    assert {"aws", "build", "mocks", "reports", "widgets"} <= set(dir(sfnkit))


def test_version_is_a_string() -> None:
    assert isinstance(sfnkit.__version__, str) and sfnkit.__version__.count(".") >= 2


def test_exceptions_form_the_documented_tree() -> None:
    for cls in (sfnkit.DefinitionError, sfnkit.ResourceError, sfnkit.ExecutionStateError):
        assert issubclass(cls, sfnkit.SfnkitError)
    assert not issubclass(sfnkit.StatesError, sfnkit.SfnkitError)
    assert not issubclass(sfnkit.TaskFailure, sfnkit.SfnkitError)


def test_import_does_not_pull_heavy_optional_packages() -> None:
    """DESIGN.md principle 8: ``import sfnkit`` imports neither pandas, matplotlib, ipywidgets, boto3 nor the template parsers."""
    code = (
        "import sys, sfnkit\n"
        "heavy = [m for m in ('pandas', 'matplotlib', 'ipywidgets', 'boto3', 'cfnlint', 'hcl2') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_submodules_load_on_first_use() -> None:
    code = (
        "import sys, sfnkit; assert 'pandas' not in sys.modules; "
        "sfnkit.reports.states; assert 'pandas' in sys.modules; "
        "import pytest\n"
        "try:\n    sfnkit.nothing\nexcept AttributeError as e:\n    assert 'nothing' in str(e)\nelse:\n    raise SystemExit(1)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_run_and_start_spell_out_every_execution_keyword() -> None:
    # help(sfnkit.run) and IDEs show the real keywords; a keyword added to Execution must be added to both
    import inspect

    def keywords(fn: object) -> list[tuple[str, object]]:
        ps = inspect.signature(fn).parameters.values()  # type: ignore[arg-type]
        return [(p.name, p.default) for p in ps if p.kind is inspect.Parameter.KEYWORD_ONLY]

    expected = keywords(sfnkit.Execution.__init__)
    assert expected, "Execution takes its options as keywords"
    assert keywords(sfnkit.run) == expected
    assert keywords(sfnkit.start) == expected
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in inspect.signature(sfnkit.run).parameters.values())
    # and ex.options has one field per keyword, with the same name and default: Debugger.restart() passes them on
    import dataclasses

    fields = [(f.name, f.default) for f in dataclasses.fields(sfnkit.ExecutionOptions)]
    assert fields == expected


def test_importing_every_submodule_first_leaves_the_public_names_alone() -> None:
    # a submodule named like a public function (sfnkit.explain was one) would rebind the package attribute to itself
    # when imported before the lazy name was read, e.g. by the Debugger: sfnkit.explain(...) then raised TypeError
    import subprocess
    import sys

    code = (
        "import importlib, pkgutil, types, sfnkit\n"
        "for m in pkgutil.walk_packages(sfnkit.__path__, 'sfnkit.'):\n"
        "    if not m.name.startswith(('sfnkit.__main__', 'sfnkit.magics')):\n"
        "        importlib.import_module(m.name)\n"
        "print(sorted(n for n in sfnkit.__all__ if isinstance(getattr(sfnkit, n), types.ModuleType)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    modules = {n for n in sfnkit.__all__ if isinstance(getattr(sfnkit, n), type(sfnkit))}
    assert done.stdout.strip() == str(sorted(modules))
