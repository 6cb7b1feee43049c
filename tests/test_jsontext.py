"""``sfnkit.asl.jsontext``: JSON's type names, where a value stops being JSON, where values sit in JSON text."""

from __future__ import annotations

import datetime
import math
from types import MappingProxyType
from typing import Any

import pytest

from sfnkit.asl.jsontext import JSON_TYPES, json_positions, json_problems, type_name, with_article


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (None, "null"),
        (True, "boolean"),
        (0, "number"),
        (2.5, "number"),
        ("", "string"),
        ([], "array"),
        ((1, 2), "array"),
        ({}, "object"),
        (MappingProxyType({"a": 1}), "object"),
    ],
)
def test_type_name_speaks_json(value: Any, name: str) -> None:
    assert type_name(value) == name
    assert name in JSON_TYPES


def test_what_is_not_json_is_named_by_its_python_type_or_as_asked() -> None:
    assert type_name(datetime.date(2024, 1, 1)) == "date"
    assert type_name({1, 2}) == "set"
    assert type_name(len, other="object") == "object"
    assert type_name([], other="object") == "array"


def test_with_article() -> None:
    assert [with_article(n) for n in JSON_TYPES] == [
        "null",
        "a boolean",
        "a number",
        "a string",
        "an array",
        "an object",
    ]


def test_json_problems_points_at_the_first_non_json_value() -> None:
    assert json_problems({"a": [1, {"b": "x"}]}) == []
    (nan,) = json_problems({"a": [1, {"b": math.nan}]})
    assert nan.location == "/a/1/b" and "NaN" in nan.message
    (key,) = json_problems({"a": {1: "x"}})
    assert key.location == "/a" and "not a string" in key.message


def test_json_positions_maps_pointers_to_lines_and_columns() -> None:
    text = '{\n  "StartAt": "A",\n  "States": {\n    "A": {"Type": "Pass", "End": true}\n  }\n}'
    positions = json_positions(text)
    assert positions[""] == (1, 1)
    assert positions["/StartAt"] == (2, 3)
    assert positions["/States/A"] == (4, 5)
    assert positions["/States/A/End"] == (4, 27)
