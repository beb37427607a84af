"""Study commands: create-study, delete-study, study set-user-attr, study-names, studies."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hpo.cli._format import DATETIME_FORMAT, Column, Record, add_format_args, render
from hpo.cli._storage import open_storage
from hpo.exceptions import CLIUsageError, DuplicatedStudyError
from hpo.logging import get_logger

if TYPE_CHECKING:
    from hpo.samplers import BaseSampler
    from hpo.storages import BaseStorage
    from hpo.study import Study

AddParser = Callable[..., argparse.ArgumentParser]
_DIRECTIONS = ("minimize", "maximize")

_logger = get_logger(__name__)


def load_study(
    storage: BaseStorage, study_name: str | None, sampler: BaseSampler | None = None
) -> Study:
    """The study named ``study_name`` (``None``: the storage's only study), or a usage error."""
    import hpo

    if study_name is None:
        names = hpo.get_all_study_names(storage)
        if len(names) != 1:
            raise CLIUsageError(
                f"Give --study-name: the storage holds {len(names)} studies, not exactly one."
            )
        study_name = names[0]
    try:
        return hpo.load_study(study_name=study_name, storage=storage, sampler=sampler)
    except KeyError:
        raise CLIUsageError(
            f"No study named {study_name!r} in the storage. List the studies with "
            "`hpo study-names`; create one with `hpo create-study`."
        ) from None


def create_study(args: argparse.Namespace) -> int:
    import hpo

    try:
        study = hpo.create_study(
            storage=open_storage(args),
            study_name=args.study_name,
            direction=args.direction,
            directions=args.directions,
            load_if_exists=args.skip_if_exists,
        )
    except DuplicatedStudyError:
        raise CLIUsageError(
            f"A study named {args.study_name!r} already exists; pass --skip-if-exists to reuse it."
        ) from None
    print(study.study_name)
    return 0


def delete_study(args: argparse.Namespace) -> int:
    import hpo

    if args.study_name is None:
        raise CLIUsageError("delete-study needs --study-name.")
    hpo.delete_study(study_name=args.study_name, storage=open_storage(args))
    return 0


def set_user_attr(args: argparse.Namespace) -> int:
    study = load_study(open_storage(args), args.study_name)
    study.set_user_attr(args.key, args.value)
    _logger.info(f"Set the user attribute {args.key!r} of study {study.study_name!r}.")
    return 0


def study_names(args: argparse.Namespace) -> int:
    import hpo

    column: Column = ("name", "")
    records: list[Record] = [{column: n} for n in hpo.get_all_study_names(open_storage(args))]
    print(render(records, [column], args.format, flatten=False))
    return 0


def studies(args: argparse.Namespace) -> int:
    import hpo

    summaries = hpo.get_all_study_summaries(open_storage(args), include_best_trial=False)
    records: list[Record] = []
    for s in summaries:
        start = s.datetime_start.strftime(DATETIME_FORMAT) if s.datetime_start else None
        record: dict[Column, Any] = {
            ("name", ""): s.study_name,
            ("direction", ""): tuple(d.name for d in s.directions),
            ("n_trials", ""): s.n_trials,
            ("datetime_start", ""): start,
            ("user_attrs", ""): s.user_attrs,
        }
        records.append(record)
    columns: list[Column] = [
        ("name", ""),
        ("direction", ""),
        ("n_trials", ""),
        ("datetime_start", ""),
    ]
    if any(r[("user_attrs", "")] for r in records):
        columns.append(("user_attrs", ""))
    print(render(records, columns, args.format, args.flatten))
    return 0


def register(add: AddParser) -> None:
    """Add this module's commands; ``add(name, help=...)`` makes a subcommand parser."""
    p = add("create-study", help="Create a study and print its name.")
    p.add_argument("--study-name", default=None, help="The study's name (generated if omitted).")
    p.add_argument(
        "--direction", default=None, choices=_DIRECTIONS, help="Direction of a single objective."
    )
    p.add_argument(
        "--skip-if-exists",
        action="store_true",
        help="Reuse a study of the same name instead of failing.",
    )
    p.add_argument(
        "--directions",
        default=None,
        nargs="+",
        choices=_DIRECTIONS,
        help="One direction per objective, separated by spaces.",
    )
    p.set_defaults(handler=create_study)

    p = add("delete-study", help="Delete a study and its trials.")
    p.add_argument("--study-name", default=None, help="The study to delete.")
    p.set_defaults(handler=delete_study)

    p = add("study set-user-attr", help="Set a user attribute of a study.")
    p.add_argument("--study-name", required=True, help="The study to change.")
    p.add_argument("--key", "-k", required=True, help="The attribute's key.")
    p.add_argument("--value", required=True, help="The attribute's value (stored as a string).")
    p.set_defaults(handler=set_user_attr)

    p = add("study-names", help="List the names of the studies in a storage.")
    add_format_args(p, default="value")
    p.set_defaults(handler=study_names)

    p = add("studies", help="List the studies in a storage.")
    add_format_args(p, default="table", flatten_help="Spread directions over direction_<i>.")
    p.set_defaults(handler=studies)
