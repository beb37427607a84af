"""ask and tell: run trials from outside Python, e.g. from a shell script."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from hpo.cli._format import Column, Record, add_format_args, render
from hpo.cli._storage import open_storage
from hpo.cli._study import AddParser, load_study
from hpo.exceptions import CLIUsageError
from hpo.logging import get_logger

if TYPE_CHECKING:
    from hpo.distributions import BaseDistribution
    from hpo.samplers import BaseSampler

_STATES = ("complete", "pruned", "fail")

_logger = get_logger(__name__)


def _json_object(text: str, option: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise CLIUsageError(f"{option} is not valid JSON: {e}.") from None
    if not isinstance(value, dict):
        raise CLIUsageError(f"{option} must be a JSON object, got {text!r}.")
    return value


def _sampler(name: str | None, kwargs_json: str | None) -> BaseSampler | None:
    import hpo.samplers

    if name is None:
        if kwargs_json is not None:
            raise CLIUsageError("--sampler-kwargs needs --sampler; give both or neither.")
        return None
    kwargs = _json_object(kwargs_json, "--sampler-kwargs") if kwargs_json is not None else {}
    cls = getattr(hpo.samplers, name, None)
    if not (isinstance(cls, type) and issubclass(cls, hpo.samplers.BaseSampler)):
        known = [
            n
            for n in hpo.samplers.__all__
            if n.endswith("Sampler") and not n.startswith(("Base", "_"))
        ]
        raise CLIUsageError(f"Unknown sampler {name!r}; choose from {', '.join(known)}.")
    try:
        return cls(**kwargs)
    except TypeError as e:
        raise CLIUsageError(f"--sampler-kwargs do not fit {name}: {e}.") from None


def _search_space(text: str | None) -> dict[str, BaseDistribution]:
    from hpo.distributions import json_to_distribution

    if text is None:
        return {}
    space = {}
    for name, dist in _json_object(text, "--search-space").items():
        try:
            space[name] = json_to_distribution(json.dumps(dist))
        except (ValueError, TypeError, KeyError) as e:
            message = e.args[0] if isinstance(e, KeyError) and e.args else e
            raise CLIUsageError(f"--search-space: parameter {name!r}: {message}") from None
    return space


def ask(args: argparse.Namespace) -> int:
    sampler = _sampler(args.sampler, args.sampler_kwargs)
    search_space = _search_space(args.search_space)
    study = load_study(open_storage(args), args.study_name, sampler)
    trial = study.ask(fixed_distributions=search_space)
    _logger.info(f"Asked trial {trial.number} with parameters {trial.params}.")

    record: Record = {("number", ""): trial.number}
    columns: list[Column] = [("number", "")]
    if not trial.params and not args.flatten:
        record[("params", "")] = {}
        columns.append(("params", ""))
    for name, value in trial.params.items():
        record[("params", name)] = value
        columns.append(("params", name))
    print(render(record, columns, args.format, args.flatten))
    return 0


def tell(args: argparse.Namespace) -> int:
    from hpo.trial import TrialState

    if args.trial_number is None:
        raise CLIUsageError("tell needs --trial-number.")
    study = load_study(open_storage(args), args.study_name)
    state = TrialState[args.state.upper()] if args.state is not None else None
    study.tell(
        trial=args.trial_number,
        values=args.values,
        state=state,
        skip_if_finished=args.skip_if_finished,
    )
    _logger.info(f"Told trial {args.trial_number} with values {args.values} and state {state}.")
    return 0


def register(add: AddParser) -> None:
    """Add this module's commands; ``add(name, help=...)`` makes a subcommand parser."""
    p = add("ask", help="Start a trial, suggest its parameters and print them.")
    p.add_argument("--study-name", default=None, help="The study (made with create-study).")
    p.add_argument("--sampler", default=None, help="Sampler class name, e.g. TPESampler.")
    p.add_argument(
        "--sampler-kwargs", default=None, help="The sampler's keyword arguments as a JSON object."
    )
    p.add_argument(
        "--search-space",
        default=None,
        help="JSON object: parameter name -> distribution as written by "
        "hpo.distributions.distribution_to_json.",
    )
    add_format_args(p, default="json", flatten_help="Spread params over params_<name>.")
    p.set_defaults(handler=ask)

    p = add("tell", help="Finish a trial started by ask.")
    p.add_argument("--study-name", default=None, help="The study of the trial.")
    p.add_argument("--trial-number", type=int, default=None, help="The trial's number.")
    p.add_argument("--values", type=float, nargs="+", default=None, help="Objective value(s).")
    p.add_argument("--state", choices=_STATES, default=None, help="The trial's final state.")
    p.add_argument(
        "--skip-if-finished",
        action="store_true",
        help="Do nothing (and succeed) if the trial has finished already.",
    )
    p.set_defaults(handler=tell)
