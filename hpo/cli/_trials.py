"""Trial listings: trials, best-trial, best-trials."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from hpo.cli._format import Column, Record, add_format_args, render
from hpo.cli._storage import open_storage
from hpo.cli._study import AddParser, load_study

if TYPE_CHECKING:
    from hpo.study import Study

# Column groups in output order; params and user_attrs hold one column per key.
_GROUPS = (
    "number",
    "value",
    "datetime_start",
    "datetime_complete",
    "duration",
    "params",
    "user_attrs",
    "state",
)


def trial_records(study: Study) -> tuple[list[Record], list[Column]]:
    """One record per trial of ``study`` and the columns that occur in any of them.

    Objective values are ``("value", "")`` for one objective and ``("values", i)`` for several;
    with metric names set, the names take the place of ``""`` and ``i``.
    """
    n_objectives = len(study.directions)
    names = study.metric_names
    value_group = "values" if n_objectives > 1 else "value"
    if n_objectives > 1:
        value_keys: list[str | int] = list(names) if names else list(range(n_objectives))
    else:
        value_keys = [names[0] if names else ""]
    seen: dict[str, set[str]] = {"params": set(), "user_attrs": set()}
    records: list[Record] = []
    for trial in study.get_trials(deepcopy=False):
        values = trial.values if trial.values is not None else [None] * n_objectives
        record: Record = {("number", ""): trial.number}
        record.update(((value_group, k), v) for k, v in zip(value_keys, values))
        record[("datetime_start", "")] = trial.datetime_start
        record[("datetime_complete", "")] = trial.datetime_complete
        record[("duration", "")] = trial.duration
        record.update((("params", k), v) for k, v in trial.params.items())
        record.update((("user_attrs", k), v) for k, v in trial.user_attrs.items())
        record[("state", "")] = trial.state.name
        records.append(record)
        seen["params"].update(trial.params)
        seen["user_attrs"].update(trial.user_attrs)
    columns: list[Column] = []
    if not records:
        return records, columns
    for group in _GROUPS:
        if group == "value":
            columns.extend((value_group, k) for k in value_keys)
        elif group in ("params", "user_attrs"):
            columns.extend((group, k) for k in sorted(seen[group]))
        else:
            columns.append((group, ""))
    return records, columns


def trials(args: argparse.Namespace) -> int:
    study = load_study(open_storage(args), args.study_name)
    records, columns = trial_records(study)
    print(render(records, columns, args.format, args.flatten))
    return 0


def best_trial(args: argparse.Namespace) -> int:
    study = load_study(open_storage(args), args.study_name)
    number = study.best_trial.number
    records, columns = trial_records(study)
    record = next(r for r in records if r[("number", "")] == number)
    print(render(record, columns, args.format, args.flatten))
    return 0


def best_trials(args: argparse.Namespace) -> int:
    study = load_study(open_storage(args), args.study_name)
    numbers = {t.number for t in study.best_trials}
    records, columns = trial_records(study)
    best = [r for r in records if r[("number", "")] in numbers]
    print(render(best, columns, args.format, args.flatten))
    return 0


def register(add: AddParser) -> None:
    """Add this module's commands; ``add(name, help=...)`` makes a subcommand parser."""
    flatten_help = "Spread params and user_attrs over params_<name> and user_attrs_<key>."
    for name, handler, summary in (
        ("trials", trials, "List the trials of a study."),
        ("best-trial", best_trial, "Show the best trial of a single-objective study."),
        ("best-trials", best_trials, "List the trials on the Pareto front of a study."),
    ):
        p = add(name, help=summary)
        p.add_argument("--study-name", required=True, help="The study to read.")
        add_format_args(p, default="table", flatten_help=flatten_help)
        p.set_defaults(handler=handler)
