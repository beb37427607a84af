"""The ``hpo`` command line, a stand-in for Optuna's ``optuna`` command.

Usage::

    hpo create-study --storage sqlite:///hpo.db --study-name demo --direction minimize
    hpo ask --storage sqlite:///hpo.db --study-name demo \\
        --search-space '{"x": {"name": "FloatDistribution", "attributes": {"low": 0, "high": 1}}}'
    hpo tell --storage sqlite:///hpo.db --study-name demo --trial-number 0 --values 0.25
    hpo trials --storage sqlite:///hpo.db --study-name demo -f json
    hpo storage upgrade --storage postgresql://user@host/db

``hpo --help`` lists every command; ``hpo COMMAND --help`` its options. The storage can also come
from the ``HPO_STORAGE`` (or ``OPTUNA_STORAGE``) environment variable.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import traceback
from collections.abc import Iterator, Sequence

from hpo.cli import _ask_tell, _study, _trials
from hpo.cli._format import require_format
from hpo.cli._storage import storage_class_arg, storage_upgrade
from hpo.exceptions import CLIUsageError
from hpo.version import __version__

__all__ = ["main"]

# Global options that take a value: a command name right after one of them is that value.
_VALUE_OPTIONS = ("--storage", "--storage-class", "--log-file")


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--storage",
        default=None,
        help="Storage URL, e.g. sqlite:///hpo.db, or a journal file. Defaults to the "
        "HPO_STORAGE or OPTUNA_STORAGE environment variable.",
    )
    common.add_argument(
        "--storage-class",
        default=None,
        type=storage_class_arg,
        help="Which storage the URL is: RDBStorage, JournalFileBackend, JournalRedisBackend or "
        "RedisStorage (guessed from the URL if omitted).",
    )
    verbosity = common.add_mutually_exclusive_group()
    verbosity.add_argument(
        "-v",
        "--verbose",
        action="count",
        dest="verbose_level",
        default=1,
        help="Log more (repeat for debug messages).",
    )
    verbosity.add_argument(
        "-q",
        "--quiet",
        action="store_const",
        dest="verbose_level",
        const=0,
        help="Log only warnings and errors.",
    )
    common.add_argument("--log-file", default=None, help="Also write the log to this file.")
    common.add_argument("--debug", action="store_true", help="Show the traceback of an error.")
    return common


def _build_parser() -> tuple[argparse.ArgumentParser, set[str]]:
    """The ``hpo`` argument parser and its command names (some of two words)."""
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="hpo", description="hpo command line interface.", parents=[common]
    )
    parser.add_argument("--version", action="version", version=f"hpo {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help: str) -> argparse.ArgumentParser:
        return subparsers.add_parser(name, parents=[common], help=help, description=help)

    _study.register(add)
    _trials.register(add)
    p = add("storage upgrade", help="Upgrade the schema of an RDB storage to this hpo's.")
    p.set_defaults(handler=storage_upgrade)
    _ask_tell.register(add)

    def print_help(args: argparse.Namespace) -> int:
        parser.print_help()
        return 0

    p = subparsers.add_parser("help", help="Show this help and exit.")
    p.set_defaults(handler=print_help)
    return parser, set(subparsers.choices)


def _hoist_command(argv: list[str], commands: set[str]) -> list[str]:
    """Move the (one- or two-word) command to the front, so options may stand on either side."""
    i = 0
    while i < len(argv):
        for n in (2, 1):
            words = argv[i : i + n]
            if len(words) == n and " ".join(words) in commands:
                return [" ".join(words), *argv[:i], *argv[i + n :]]
        i += 2 if argv[i] in _VALUE_OPTIONS else 1
    return argv


@contextlib.contextmanager
def _logging(verbose_level: int, log_file: str | None) -> Iterator[None]:
    """Send hpo's log to the current stderr (and ``log_file``) for the command's duration."""
    import hpo.logging
    from hpo.logging import _ColorlessFormatter

    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose_level, logging.DEBUG)
    logger = logging.getLogger("hpo")
    previous = hpo.logging.get_verbosity()
    stream = logging.StreamHandler(sys.stderr)
    stream.setLevel(level)
    handlers: list[logging.Handler] = [stream]
    if log_file is not None:
        handlers.append(logging.FileHandler(log_file))
    had_default = hpo.logging._default_handler in logger.handlers
    if had_default:
        hpo.logging.disable_default_handler()
    for handler in handlers:
        handler.setFormatter(_ColorlessFormatter())
        logger.addHandler(handler)
    # The file gets INFO even under --quiet; the stream handler filters by its own level.
    hpo.logging.set_verbosity(min(level, logging.INFO) if log_file else level)
    try:
        yield
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
            handler.close()
        if had_default:
            hpo.logging.enable_default_handler()
        hpo.logging.set_verbosity(previous)


def _describe(error: Exception) -> str:
    if isinstance(error, KeyError) and error.args:
        message = str(error.args[0])
    else:
        message = str(error)
    message = message.strip().splitlines()[0] if message.strip() else ""
    if isinstance(error, (CLIUsageError, KeyError, ValueError, RuntimeError)) and message:
        return message
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``hpo`` command line on ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Errors print one line to stderr and return 1 (``--debug`` adds the traceback); a command
    line argparse rejects returns 2.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, commands = _build_parser()
    if not argv:
        parser.print_help()
        return 0
    try:
        args = parser.parse_args(_hoist_command(argv, commands))
    except SystemExit as e:  # --help, --version, or a command line argparse rejected
        return e.code if isinstance(e.code, int) else int(e.code is not None)
    handler = getattr(args, "handler", None)
    if handler is None:
        print(f"hpo: error: no command in {' '.join(argv)!r}; see `hpo --help`.", file=sys.stderr)
        return 1
    try:
        with _logging(args.verbose_level, args.log_file):
            format_ = getattr(args, "format", None)
            if format_ is not None:
                require_format(format_)
            return handler(args)
    except Exception as e:
        if args.debug:
            traceback.print_exc()
        print(f"hpo: error: {_describe(e)}", file=sys.stderr)
        return 1
