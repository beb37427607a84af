"""The ``hpo`` command line.

Usage::

    hpo --version
    hpo create-study --storage sqlite:///hpo.db --study-name demo --direction minimize
    hpo studies --storage sqlite:///hpo.db
    hpo delete-study --storage sqlite:///hpo.db --study-name demo
    hpo storage upgrade --storage postgresql://user@host/db
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from hpo.exceptions import CLIUsageError, DuplicatedStudyError
from hpo.version import __version__

Command = Callable[[argparse.Namespace], int]


def _add_storage_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--storage", required=True, help="Storage URL, e.g. sqlite:///hpo.db.")


def _create_study(args: argparse.Namespace) -> int:
    import hpo

    directions = args.directions
    if args.direction is not None and directions is not None:
        raise CLIUsageError("Give --direction or --directions, not both.")
    try:
        study = hpo.create_study(
            storage=args.storage,
            study_name=args.study_name,
            direction=args.direction,
            directions=directions,
            load_if_exists=args.skip_if_exists,
        )
    except DuplicatedStudyError:
        raise CLIUsageError(
            f"A study named {args.study_name!r} already exists. Use --skip-if-exists to reuse it."
        ) from None
    print(study.study_name)
    return 0


def _delete_study(args: argparse.Namespace) -> int:
    import hpo

    hpo.delete_study(study_name=args.study_name, storage=args.storage)
    return 0


def _studies(args: argparse.Namespace) -> int:
    import hpo

    summaries = hpo.get_all_study_summaries(args.storage, include_best_trial=False)
    rows = [("NAME", "DIRECTIONS", "N_TRIALS", "DATETIME_START")]
    for s in summaries:
        directions = ",".join(d.name.lower() for d in s.directions)
        start = s.datetime_start.strftime("%Y-%m-%d %H:%M:%S") if s.datetime_start else "-"
        rows.append((s.study_name, directions, str(s.n_trials), start))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0


def _storage_upgrade(args: argparse.Namespace) -> int:
    from hpo.storages._rdb.storage import RDBStorage

    storage = RDBStorage(args.storage, skip_compatibility_check=True, skip_table_creation=True)
    head = storage.get_head_version()
    try:
        current = storage.get_current_version()
    except RuntimeError:  # no hpo tables yet: the migrations create them
        storage.upgrade()
        print(f"Created the hpo tables at revision {head}.")
        return 0
    if current == head:
        print(f"The storage is up to date (revision {head}).")
        return 0
    storage.upgrade()
    print(f"Upgraded the storage from revision {current} to {head}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hpo", description="hpo command line interface.")
    parser.add_argument("--version", action="version", version=f"hpo {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("create-study", help="Create a study and print its name.")
    _add_storage_arg(p)
    p.add_argument("--study-name", default=None)
    p.add_argument("--direction", choices=["minimize", "maximize"], default=None)
    p.add_argument("--directions", nargs="+", choices=["minimize", "maximize"], default=None)
    p.add_argument("--skip-if-exists", action="store_true")
    p.set_defaults(func=_create_study)

    p = sub.add_parser("delete-study", help="Delete a study and its trials.")
    _add_storage_arg(p)
    p.add_argument("--study-name", required=True)
    p.set_defaults(func=_delete_study)

    p = sub.add_parser("studies", help="List the studies in a storage.")
    _add_storage_arg(p)
    p.set_defaults(func=_studies)

    storage = sub.add_parser("storage", help="Manage a storage.")
    storage_sub = storage.add_subparsers(dest="storage_command", metavar="SUBCOMMAND")
    p = storage_sub.add_parser("upgrade", help="Upgrade an RDB storage's schema to the latest.")
    _add_storage_arg(p)
    p.set_defaults(func=_storage_upgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hpo`` console script. Returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Command | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return func(args)
    except (CLIUsageError, KeyError, ValueError) as e:
        message = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
        print(f"hpo: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
