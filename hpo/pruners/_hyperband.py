from __future__ import annotations

import binascii
import functools
import math
from collections.abc import Callable, Container
from typing import TYPE_CHECKING

from hpo.pruners._base import BasePruner
from hpo.pruners._history import history
from hpo.pruners._successive_halving import prune_successive_halving
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial

# Study system attribute holding the estimated ``max_resource="auto"``, shared by all workers.
MAX_RESOURCE_KEY = "pruners:hyperband:max_resource"


class _Brackets:
    """How trials are spread over brackets for one ``max_resource``."""

    def __init__(self, min_resource: int, max_resource: int, reduction_factor: int) -> None:
        n = math.floor(math.log(max_resource / min_resource, reduction_factor)) + 1
        self.n_brackets = max(n, 0)
        # Bracket b (s = n - 1 - b in the Hyperband paper) receives a share of trials
        # proportional to ceil(n * eta**s / (s + 1)).
        self.budgets = [
            math.ceil(
                self.n_brackets
                * reduction_factor ** (self.n_brackets - 1 - b)
                / (self.n_brackets - b)
            )
            for b in range(self.n_brackets)
        ]
        self.total = sum(self.budgets)
        self._memo: dict[str, dict[int, int]] = {}

    def bracket_of(self, study_name: str, number: int) -> int:
        """The bracket of trial ``number``: a hash of the study name and number, so every
        process computes the same one."""
        memo = self._memo.get(study_name)
        if memo is None:
            memo = self._memo[study_name] = {}
        bracket = memo.get(number)
        if bracket is None:
            n = binascii.crc32(f"{study_name}_{number}".encode()) % self.total
            bracket = 0
            for budget in self.budgets:
                n -= budget
                if n < 0:
                    break
                bracket += 1
            memo[number] = bracket
        return bracket

    def membership(self, study_name: str, bracket: int) -> Callable[[int], bool]:
        """A fast ``number -> bool``: is trial ``number`` in ``bracket``?"""
        memo = self._memo.setdefault(study_name, {})

        def member(number: int) -> bool:
            b = memo.get(number)
            if b is None:
                b = self.bracket_of(study_name, number)
            return b == bracket

        return member


class HyperbandPruner(BasePruner):
    """Hyperband: several Successive Halving brackets with different aggressiveness.

    Each trial belongs to one bracket, chosen deterministically from the study name and trial
    number (so every process agrees). Bracket ``b`` runs :class:`SuccessiveHalvingPruner` with
    ``min_early_stopping_rate=b`` and compares a trial only with trials of its own bracket. The
    sampler likewise sees only the trial's bracket when it suggests parameters for it. Brackets
    that prune aggressively get more trials, following the Hyperband paper.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 1)
        ...     for step in range(27):
        ...         trial.report(x + 1 / (step + 1), step)
        ...         if trial.should_prune():
        ...             raise hpo.TrialPruned()
        ...     return x
        >>> pruner = hpo.pruners.HyperbandPruner(min_resource=1, max_resource=27)
        >>> study = hpo.create_study(pruner=pruner)
        >>> study.optimize(objective, n_trials=10)

    Args:
        min_resource: Steps before a trial's first rung in the most aggressive bracket
            (``>= 1``); see :class:`SuccessiveHalvingPruner`.
        max_resource: The largest step a trial reaches (e.g. the number of epochs), or
            ``"auto"``: the last step of the first trial to complete, plus one, stored on the
            study so every worker uses the same value. No trial is pruned before it is known.
            There are ``floor(log_eta(max_resource / min_resource)) + 1`` brackets.
        reduction_factor: ``eta`` (``>= 2``): about ``1/eta`` of the trials reaching a rung are
            promoted.
        bootstrap_count: See :class:`SuccessiveHalvingPruner`; needs an explicit
            ``max_resource``.

    Raises:
        ValueError: An argument is out of its range, or ``bootstrap_count > 0`` with
            ``max_resource="auto"``.
    """

    def __init__(
        self,
        min_resource: int = 1,
        max_resource: str | int = "auto",
        reduction_factor: int = 3,
        bootstrap_count: int = 0,
    ) -> None:
        if isinstance(min_resource, bool) or not isinstance(min_resource, int) or min_resource < 1:
            raise ValueError(
                f"`min_resource` must be an integer >= 1, but got min_resource={min_resource!r}."
            )
        if isinstance(max_resource, str):
            if max_resource != "auto":
                raise ValueError(
                    f"`max_resource` must be an integer or 'auto', but got "
                    f"max_resource={max_resource!r}."
                )
        elif isinstance(max_resource, bool) or not isinstance(max_resource, int):
            raise ValueError(
                f"`max_resource` must be an integer or 'auto', but got "
                f"max_resource={max_resource!r}."
            )
        if reduction_factor < 2:
            raise ValueError(
                f"`reduction_factor` must be at least 2, but got "
                f"reduction_factor={reduction_factor!r}."
            )
        if bootstrap_count < 0:
            raise ValueError(
                f"`bootstrap_count` must be non-negative, but got "
                f"bootstrap_count={bootstrap_count!r}."
            )
        if bootstrap_count > 0 and max_resource == "auto":
            raise ValueError(
                f"bootstrap_count={bootstrap_count!r} needs an explicit `max_resource`; it cannot "
                "be combined with max_resource='auto'."
            )
        self._min_resource = min_resource
        self._max_resource = max_resource
        self._reduction_factor = reduction_factor
        self._bootstrap_count = bootstrap_count
        self._layouts: dict[int, _Brackets] = {}

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """Apply the Successive Halving rule of ``trial``'s bracket, against that bracket only."""
        brackets = self._brackets(study)
        if brackets is None:
            return False
        name = study.study_name
        bracket = brackets.bracket_of(name, trial.number)
        return prune_successive_halving(
            study,
            trial,
            min_resource=self._min_resource,
            reduction_factor=self._reduction_factor,
            min_early_stopping_rate=bracket,
            bootstrap_count=self._bootstrap_count,
            in_bracket=brackets.membership(name, bracket),
            bracket_key=(name, tuple(brackets.budgets), bracket),
        )

    def _bracket_id(self, study: Study, number: int) -> int:
        """The bracket of trial ``number``; 0 while ``max_resource`` is not known yet."""
        brackets = self._brackets(study)
        return 0 if brackets is None else brackets.bracket_of(study.study_name, number)

    def _filter_study(self, study: Study, trial: FrozenTrial) -> Study:
        """The study as the sampler sees it for ``trial``: only trials of ``trial``'s bracket.

        Brackets are looked up on every read, so the view is right also when ``max_resource``
        becomes known while the trial runs.
        """
        return _bracket_study_class()(study, self, trial.number)

    def _brackets(self, study: Study) -> _Brackets | None:
        max_resource = self._max_resource
        if not isinstance(max_resource, int):
            max_resource = _auto_max_resource(study)
            if max_resource is None:
                return None
        layout = self._layouts.get(max_resource)
        if layout is None:
            layout = self._layouts[max_resource] = _Brackets(
                self._min_resource, max_resource, self._reduction_factor
            )
        return layout if layout.n_brackets > 0 else None


def _auto_max_resource(study: Study) -> int | None:
    cache = history(study._storage, study._study_id)
    stored = cache.known_fixed_attr(MAX_RESOURCE_KEY)
    if stored is None and cache.n_complete() > 0:
        stored = cache.fixed_attr(MAX_RESOURCE_KEY)
    if stored is not None:
        return int(stored)
    last_step = cache.first_finished_last_step()
    if last_step is None:
        return None
    return int(cache.set_fixed_attr(MAX_RESOURCE_KEY, last_step + 1))


@functools.cache
def _bracket_study_class() -> type:
    from hpo.study import Study

    class _BracketStudy(Study):
        """A view of a study that shows only the trials of one trial's Hyperband bracket."""

        def __init__(self, study: Study, pruner: HyperbandPruner, number: int) -> None:
            self.__dict__.update(study.__dict__)
            self._base_study = study
            self._hyperband = pruner
            self._trial_number = number

        def _get_trials(
            self,
            deepcopy: bool = True,
            states: Container[TrialState] | None = None,
            use_cache: bool = False,
        ) -> list[FrozenTrial]:
            base = self._base_study
            trials = base._get_trials(deepcopy=deepcopy, states=states, use_cache=use_cache)
            brackets = self._hyperband._brackets(base)
            if brackets is None:  # not known yet: every trial counts as bracket 0
                return trials
            name = base.study_name
            member = brackets.membership(name, brackets.bracket_of(name, self._trial_number))
            return [t for t in trials if member(t.number)]

        def get_trials(
            self, deepcopy: bool = True, states: Container[TrialState] | None = None
        ) -> list[FrozenTrial]:
            return self._get_trials(deepcopy=deepcopy, states=states)

        def _get_best_trial(self, deepcopy: bool) -> FrozenTrial:
            completed = self._get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if not completed:
                raise ValueError("No trials are completed yet in this Hyperband bracket.")
            pick = max if self.direction.name == "MAXIMIZE" else min
            best = pick(completed, key=lambda t: t.values[0])
            return best._copy() if deepcopy else best

        def stop(self) -> None:
            self._base_study.stop()

    return _BracketStudy
