"""The output formats of the listing commands, on hand-made records."""

from __future__ import annotations

import datetime
import json
import sys

import pytest

from hpo.cli._format import render, require_format
from hpo.exceptions import CLIUsageError

COLUMNS = [("number", ""), ("values", 0), ("values", 1), ("params", "a"), ("params", "b")]
RECORDS = [
    {("number", ""): 0, ("values", 0): 1.5, ("values", 1): 2, ("params", "a"): "x"},
    {("number", ""): 1, ("values", 0): None, ("values", 1): None, ("params", "b"): 0.25},
]


def test_nested_json_rebuilds_lists_and_dicts_per_group() -> None:
    rows = json.loads(render(RECORDS, COLUMNS, "json", flatten=False))
    assert rows == [
        {"number": 0, "values": [1.5, 2], "params": {"a": "x"}},
        {"number": 1, "values": [None, None], "params": {"b": 0.25}},
    ]


def test_list_positions_missing_from_a_record_are_null() -> None:
    record = {("number", ""): 0, ("values", 2): 3.0}
    assert json.loads(render(record, [("number", ""), ("values", 2)], "json", False)) == {
        "number": 0,
        "values": [None, None, 3.0],
    }


def test_a_group_without_columns_in_a_record_is_an_empty_object() -> None:
    rows = json.loads(
        render([{("number", ""): 0}], [("number", ""), ("params", "a")], "json", False)
    )
    assert rows == [{"number": 0, "params": {}}]


def test_flatten_joins_group_and_key_and_leaves_out_missing_keys() -> None:
    rows = json.loads(render(RECORDS, COLUMNS, "json", flatten=True))
    assert rows == [
        {"number": 0, "values_0": 1.5, "values_1": 2, "params_a": "x"},
        {"number": 1, "values_0": None, "values_1": None, "params_b": 0.25},
    ]


def test_flatten_spreads_a_tuple_column_over_the_longest_length() -> None:
    column = ("direction", "")
    records = [{column: ("MINIMIZE",)}, {column: ("MINIMIZE", "MAXIMIZE")}]
    assert json.loads(render(records, [column], "json", flatten=True)) == [
        {"direction_0": "MINIMIZE"},
        {"direction_0": "MINIMIZE", "direction_1": "MAXIMIZE"},
    ]
    table = render(records, [column], "table", flatten=True).splitlines()
    assert table[1] == "| direction_0 | direction_1 |"
    assert table[3] == "| MINIMIZE    |             |"


def test_table_aligns_numbers_right_text_left_and_blanks_none() -> None:
    lines = render(RECORDS, COLUMNS, "table", flatten=True).splitlines()
    assert lines == [
        "+--------+----------+----------+----------+----------+",
        "| number | values_0 | values_1 | params_a | params_b |",
        "+--------+----------+----------+----------+----------+",
        "|      0 |      1.5 |        2 | x        |          |",
        "|      1 |          |          |          |     0.25 |",
        "+--------+----------+----------+----------+----------+",
    ]


def test_table_of_no_records_is_the_header_alone() -> None:
    lines = render([], [("name", "")], "table", flatten=False).splitlines()
    assert lines == ["+------+", "| name |", "+------+", "+------+"]


def test_single_record_renders_as_an_object_not_a_list() -> None:
    assert json.loads(render(RECORDS[0], COLUMNS, "json", flatten=False))["number"] == 0


def test_value_format_is_space_separated_with_none_blank() -> None:
    out = render(RECORDS, COLUMNS, "value", flatten=True)
    # One space between cells, so a blank cell leaves two spaces in a row.
    assert out.splitlines() == ["0 1.5 2 x ", "1    0.25"]


def test_datetimes_are_seconds_and_other_objects_their_str() -> None:
    start = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)
    record = {("start", ""): start, ("duration", ""): datetime.timedelta(seconds=1.5)}
    out = json.loads(render(record, [("start", ""), ("duration", "")], "json", False))
    assert out == {"start": "2024-05-06 07:08:09", "duration": "0:00:01.500000"}


def test_yaml_matches_json() -> None:
    yaml = pytest.importorskip("yaml")
    for flatten in (False, True):
        as_yaml = yaml.safe_load(render(RECORDS, COLUMNS, "yaml", flatten))
        assert as_yaml == json.loads(render(RECORDS, COLUMNS, "json", flatten))


def test_yaml_without_pyyaml_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # makes `import yaml` fail
    with pytest.raises(CLIUsageError, match="PyYAML"):
        require_format("yaml")
    require_format("json")
