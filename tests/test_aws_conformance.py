"""The AWS-recorded conformance cases that need AWS services, run locally with ``sfnkit.aws.integrations``
against a moto server (see ``tests/conformance/services.py``).

A case that cannot match AWS here says why, as a strict xfail: because moto or botocore differs from AWS
(``services.KNOWN_FAILURES``) or because sfnkit's interpreter differs from AWS (``INTERPRETER_DIFFERENCES``).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance import harness, services

pytest.importorskip("boto3")

try:
    CASES = services.service_cases()
except (OSError, ValueError):  # no cases directory: test_conformance.py reports that
    CASES = []


def _param(case: harness.Case) -> Any:
    reason = services.KNOWN_FAILURES.get(case.id) or services.INTERPRETER_DIFFERENCES.get(case.id)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.fixture(scope="module")
def world(moto_server: Any) -> services.ServiceWorld:
    return services.ServiceWorld(moto_server.url)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_service_case(case: harness.Case, world: services.ServiceWorld) -> None:
    result = services.run_service_case(case, world)
    if result.exception is not None:
        raise result.exception
    if not result.passed:
        pytest.fail(result.describe(), pytrace=False)


def test_service_cases_were_found() -> None:
    if not CASES:
        pytest.skip("no conformance cases directory")
    assert len(CASES) >= 50


def test_every_case_that_needs_services_is_run_or_says_why() -> None:
    try:
        cases = harness.load_cases()
    except (OSError, ValueError):
        pytest.skip("no conformance cases directory")
    for case in cases:
        if not case.runnable_locally:
            reason = services.unsupported_reason(case)
            assert reason is None or reason, case.id


def test_the_ledgers_name_real_service_cases() -> None:
    ids = {c.id for c in CASES}
    if not ids:
        pytest.skip("no conformance cases directory")
    for key in (*services.KNOWN_FAILURES, *services.INTERPRETER_DIFFERENCES):
        assert key in ids, key
