"""Every sample project in ``tests/projects`` loads: each state machine of each template, with no error and no
unresolved reference, and its ``project`` describes what the template declares."""

from __future__ import annotations

from pathlib import Path

import pytest

import sfnkit
from sfnkit.asl.project.load import find_templates

PROJECTS = Path(__file__).parent / "projects"
ALL = sorted(p.name for p in PROJECTS.iterdir() if p.is_dir())
FORMATS = {"sam", "cloudformation", "cdk", "serverless", "terraform"}


def test_there_are_at_least_twenty_projects_covering_every_format() -> None:
    assert len(ALL) >= 20
    formats = {sm.project.format for name in ALL for sm in sfnkit.state_machines(PROJECTS / name).values()}
    assert formats == FORMATS


@pytest.mark.parametrize("name", ALL)
def test_project_loads_without_diagnostics(name: str) -> None:
    folder = PROJECTS / name
    assert find_templates(folder), f"{name} has no template"
    machines = sfnkit.state_machines(folder)
    assert machines, f"{name} has no state machine"
    assert [d.format() for d in sfnkit.validate(folder)] == []
    for sm in machines.values():
        project = sm.project
        assert project is not None and sm.start_at in sm.states
        spec = next(s for s in project.state_machines.values() if s.arn.endswith(":stateMachine:" + s.name))
        assert spec.arn.startswith("arn:aws:states:us-east-1:123456789012:stateMachine:")
        # every Lambda ARN a Task names is a function of the project, so a local run can find its code
        for state in sm.walk():
            arn = getattr(state, "resource", "")
            if ":function:" in arn:
                assert project.function_for(arn) is not None, (name, state.name, arn)
        for fn in project.functions.values():
            assert fn.inline_code or (fn.code_dir and Path(fn.code_dir).is_dir()), (name, fn.logical_id)
            if fn.code_dir and fn.handler and fn.runtime and fn.runtime.startswith("python"):
                module = fn.handler.rsplit(".", 1)[0].replace(".", "/")
                assert (Path(fn.code_dir) / f"{module}.py").is_file(), (name, fn.logical_id, fn.handler)


def test_nested_state_machines_resolve_to_their_siblings() -> None:
    for name, parent, child in (
        ("sam-nested-workflows", "order-fulfilment", "fulfil-line"),
        ("cdk-data-pipeline", "lake-ingest", "lake-transform"),
        ("terraform-nested-eventbridge", "process-order", "take-payment"),
    ):
        machines = sfnkit.state_machines(PROJECTS / name)
        starts = [
            s.raw["Parameters"]["StateMachineArn"]
            for s in machines[parent].walk()
            if getattr(s, "resource", "").startswith("arn:aws:states:::states:startExecution")
        ]
        spec = machines[parent].project.state_machine_for(starts[0])
        assert spec is not None and spec.name == child
