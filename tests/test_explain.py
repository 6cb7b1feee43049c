"""``sfnkit.explain``: narrations from recorded data-flow stages."""

from __future__ import annotations

from typing import Any

import pytest

import sfnkit
from sfnkit import demo, examples


@pytest.fixture(scope="module")
def order_run() -> sfnkit.Execution:
    return sfnkit.run(examples.definition("order_pipeline"), demo.ORDER, resources=demo.resources(), seed=42)


def test_task_visit_narrates_every_stage(order_run: sfnkit.Execution) -> None:
    text = str(sfnkit.explain(order_run, "Charge"))
    assert text.startswith('State "Charge" (Task, JSONPath), visit 1 of 1, entered at event #9')
    assert "Parameters built" in text and '"total": 45.0' in text
    assert "ResultSelector picked" in text
    assert 'ResultPath "$.payment" put the result into the input' in text
    assert "retried 2 time(s), after PaymentGatewayBusy, PaymentGatewayBusy" in text


def test_choice_visit_names_the_branch_taken(order_run: sfnkit.Execution) -> None:
    assert 'The Choice went to "Charge"' in str(sfnkit.explain(order_run, "IsValid"))


def test_caught_failure_is_said_caught() -> None:
    ex = sfnkit.run(
        examples.definition("order_pipeline"),
        {"order": {"id": 1, "items": [{"sku": "piano", "price": 5000, "qty": 1}]}},
        resources=demo.resources(),
        seed=1,
    )
    text = str(sfnkit.explain(ex, "Charge"))
    assert "It failed with Payment.Declined: card declined for 5000 (caught)" in text


def test_state_machine_fields_without_data() -> None:
    sm = sfnkit.load(examples.definition("order_pipeline"))
    text = str(sfnkit.explain(sm, "Charge"))
    assert "Retry #0 retries PaymentGatewayBusy up to 4 times" in text
    assert 'Catch sends States.ALL to "PaymentFailed"' in text


def test_jsonata_state_and_html_escaping() -> None:
    ex = sfnkit.run(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "<b>x</b>",
            "States": {
                "<b>x</b>": {"Type": "Pass", "Output": {"v": "{% $states.input.a & '<script>' %}"}, "End": True}
            },
        },
        {"a": "<i>"},
    )
    e = sfnkit.explain(ex, "<b>x</b>")
    assert "Output" in str(e)
    html = e._repr_html_()
    assert "<script>" not in html and "<b>x</b>" not in html and "&lt;script&gt;" in html


def test_unvisited_state_and_bad_visit_index(order_run: sfnkit.Execution) -> None:
    assert "was not visited" in str(sfnkit.explain(order_run, "Rejected"))
    with pytest.raises(IndexError, match="visited 1 time"):
        sfnkit.explain(order_run, "Charge", visit=3)
    with pytest.raises(KeyError, match="did you mean"):
        sfnkit.explain(order_run.state_machine, "Chrage")
    bad: Any = 42
    with pytest.raises(TypeError):
        sfnkit.explain(bad, "Charge")
