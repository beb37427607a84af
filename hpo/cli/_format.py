"""Output formats of the listing commands: value, table, json and yaml.

A command builds *records*: dicts keyed by ``(group, key)`` columns. ``key`` is ``""`` for a plain
column (``("state", "")``), a name for a nested one (``("params", "x")``) or an index for a list
element (``("values", 0)``). Rendering either nests the columns back into one field per group
(``{"params": {"x": 1}}``) or, with ``--flatten``, spreads them into ``group_key`` fields.
"""

from __future__ import annotations

import argparse
import datetime
import json
from typing import Any

from hpo.exceptions import CLIUsageError

Column = tuple[str, "str | int"]
Record = dict[Column, Any]

FORMATS = ("value", "json", "table", "yaml")
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def require_format(output_format: str) -> None:
    """Fail before a command acts if ``output_format`` cannot be produced here."""
    if output_format == "yaml":
        _yaml()


def _yaml() -> Any:
    try:
        import yaml
    except ImportError:
        raise CLIUsageError(
            "The yaml output format needs the PyYAML package (pip install PyYAML); "
            "use -f json or -f table instead."
        ) from None
    return yaml


def render(
    records: list[Record] | Record, columns: list[Column], output_format: str, flatten: bool
) -> str:
    """Format ``records`` (or one record, printed as an object rather than a list)."""
    single = isinstance(records, dict)
    rows, header = _to_rows([records] if single else records, columns, flatten)
    if output_format == "value":
        return _as_values(rows, header)
    if output_format == "table":
        return _as_table(rows, header)
    payload: Any = rows[0] if single else rows
    if output_format == "json":
        return json.dumps(payload)
    if output_format == "yaml":
        return _yaml().safe_dump(payload).strip()
    raise CLIUsageError(f"Unknown output format {output_format!r}; use one of {FORMATS}.")


def _plain(value: Any) -> Any:
    """``value`` with datetimes, timedeltas and other objects turned into JSON/YAML-able values."""
    if value is None or isinstance(value, (int, float, str)):
        return value
    if isinstance(value, datetime.datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return str(value)


def _to_rows(
    records: list[Record], columns: list[Column], flatten: bool
) -> tuple[list[dict[str, Any]], list[str]]:
    return _flat_rows(records, columns) if flatten else _nested_rows(records, columns)


def _flat_rows(
    records: list[Record], columns: list[Column]
) -> tuple[list[dict[str, Any]], list[str]]:
    header: list[str] = []
    spread: set[Column] = set()  # plain columns holding sequences: one field per element
    for column in columns:
        group, key = column
        if key != "":
            header.append(f"{group}_{key}")
            continue
        lengths = [len(r[column]) for r in records if isinstance(r.get(column), (list, tuple))]
        if lengths:
            spread.add(column)
            header.extend(f"{group}_{i}" for i in range(max(lengths)))
        else:
            header.append(group)
    rows = []
    for record in records:
        row: dict[str, Any] = {}
        for column in columns:
            if column not in record:
                continue
            group, key = column
            value = _plain(record[column])
            if key != "":
                row[f"{group}_{key}"] = value
            elif column in spread:
                row.update((f"{group}_{i}", v) for i, v in enumerate(value or ()))
            else:
                row[group] = value
        rows.append(row)
    return rows, header


def _nested_rows(
    records: list[Record], columns: list[Column]
) -> tuple[list[dict[str, Any]], list[str]]:
    header = list(dict.fromkeys(group for group, _ in columns))
    rows = []
    for record in records:
        row: dict[str, Any] = {group: {} for group in header}
        for column in columns:
            if column not in record:
                continue
            group, key = column
            value = _plain(record[column])
            if isinstance(key, int):
                items = row[group] if isinstance(row[group], list) else []
                items.extend([None] * (key + 1 - len(items)))
                items[key] = value
                row[group] = items
            elif key != "":
                row[group][key] = value
            else:
                row[group] = value
        rows.append(row)
    return rows, header


def _as_values(rows: list[dict[str, Any]], header: list[str]) -> str:
    lines = []
    for row in rows:
        cells = (row.get(name) for name in header)
        lines.append(" ".join("" if cell is None else str(cell) for cell in cells))
    return "\n".join(lines).strip()


def _is_number(value: Any) -> bool:
    return value is None or isinstance(value, (int, float))


def _as_table(rows: list[dict[str, Any]], header: list[str]) -> str:
    separator = "+"
    head = "|"
    lines = ["|"] * len(rows)
    for name in header:
        cells = [row.get(name) for row in rows]
        # A column of numbers (and blanks) is right-aligned; anything else left-aligned.
        align = ">" if all(_is_number(c) for c in cells) else "<"
        # str(None) counts too, so a column of blanks is at least four wide.
        width = max([len(name), *(len(str(c)) for c in cells)])
        separator += "-" * (width + 2) + "+"
        head += f" {name:{align}{width}} |"
        for i, cell in enumerate(cells):
            text = "" if cell is None else str(cell)
            lines[i] += f" {text:{align}{width}} |"
    return "\n".join([separator, head, separator, *lines, separator])


def add_format_args(
    parser: argparse.ArgumentParser, default: str, flatten_help: str | None = None
) -> None:
    """``-f/--format`` (and ``--flatten`` when ``flatten_help`` is given) for a listing command."""
    parser.add_argument(
        "-f",
        "--format",
        choices=FORMATS,
        default=default,
        help=f"Output format (default: {default}).",
    )
    if flatten_help is not None:
        parser.add_argument("--flatten", action="store_true", help=flatten_help)
