"""The Study: one optimization task, its sampler, pruner and storage."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Container, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from hpo import _constraints, logging
from hpo._deprecated import experimental_func
from hpo.distributions import BaseDistribution, _convert_old_distribution_to_new_distribution
from hpo.exceptions import UpdateFinishedTrialError
from hpo.storages._heartbeat import HeartbeatThread, is_heartbeat_enabled
from hpo.study import _optimize, _tell
from hpo.study._defaults import default_pruner, default_sampler
from hpo.study._study_direction import StudyDirection
from hpo.trial._frozen import FrozenTrial
from hpo.trial._state import TrialState
from hpo.trial._trial import FIXED_PARAMS_KEY, Trial, check_json_attr

if TYPE_CHECKING:
    import pandas as pd

    from hpo.pruners import BasePruner
    from hpo.samplers import BaseSampler
    from hpo.storages import BaseStorage

ObjectiveFuncType = Callable[[Trial], float | Sequence[float]]

_logger = logging.get_logger(__name__)
_METRIC_NAMES_KEY = "study:metric_names"


class Study:
    """An optimization task: a named set of trials in a storage, with a sampler and a pruner.

    Create one with :func:`hpo.create_study` or :func:`hpo.load_study`.

    Example:
        >>> import hpo
        >>> study = hpo.create_study(direction="minimize")
        >>> study.optimize(lambda t: (t.suggest_float("x", -10, 10) - 2) ** 2, n_trials=20)
        >>> study.best_params  # doctest: +SKIP
        {'x': 2.07...}
    """

    def __init__(
        self,
        study_name: str,
        storage: str | BaseStorage,
        sampler: BaseSampler | None = None,
        pruner: BasePruner | None = None,
    ) -> None:
        self.study_name = study_name
        from hpo.study._api import get_storage

        self._storage = get_storage(storage)
        self._study_id = self._storage.get_study_id_from_name(study_name)
        self._directions = self._storage.get_study_directions(self._study_id)
        self.sampler = sampler if sampler is not None else default_sampler()
        self.pruner = pruner if pruner is not None else default_pruner()
        self._stop_flag = False
        self._optimize_lock = threading.Lock()
        self._optimize_thread: threading.Thread | None = None
        self._heartbeats: dict[int, HeartbeatThread] = {}
        self._thread_local = threading.local()  # per-thread read cache, see _get_trials

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_optimize_lock"]
        state.pop("_thread_local", None)
        state["_optimize_thread"] = None
        state["_heartbeats"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._optimize_lock = threading.Lock()
        self._thread_local = threading.local()

    # --- results ------------------------------------------------------------------------------

    @property
    def best_params(self) -> dict[str, Any]:
        """Parameters of the best trial (single objective)."""
        return self.best_trial.params

    @property
    def best_value(self) -> float:
        """Objective value of the best trial (single objective)."""
        value = self.best_trial.value
        assert value is not None
        return value

    @property
    def best_trial(self) -> FrozenTrial:
        """The best COMPLETE trial; among feasible ones when constraints are set.

        Raises:
            RuntimeError: The study has several objectives (use :attr:`best_trials`).
            ValueError: No (feasible) trial is complete yet.
        """
        if self._is_multi_objective():
            raise RuntimeError(
                "A single best trial cannot be retrieved from a multi-objective study. "
                "Consider using Study.best_trials to retrieve a list containing the best trials."
            )
        return self._get_best_trial(deepcopy=True)

    def _get_best_trial(self, deepcopy: bool) -> FrozenTrial:
        best = self._storage.get_best_trial(self._study_id)
        if not best.constraints or _constraints.is_feasible(best):
            return best
        feasible = _constraints.feasible_trials(
            self._get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        )
        if not feasible:
            raise ValueError("No feasible trials are completed yet.")
        pick = min if self.direction is StudyDirection.MINIMIZE else max
        best = pick(feasible, key=lambda t: t.values[0])  # type: ignore[index]
        return best._copy() if deepcopy else best

    @property
    def best_trials(self) -> list[FrozenTrial]:
        """The COMPLETE trials on the Pareto front (feasible ones only if constraints are set)."""
        from hpo.study import _multi_objective

        trials = _multi_objective.pareto_front_trials(self, consider_constraint=False)
        if _constraints.is_constrained(trials) or _constraints.is_constrained(
            self._get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        ):
            trials = _multi_objective.pareto_front_trials(self, consider_constraint=True)
        return [t._copy() for t in trials]

    @property
    def direction(self) -> StudyDirection:
        """The direction of a single-objective study.

        Raises:
            RuntimeError: The study has several objectives (use :attr:`directions`).
        """
        if self._is_multi_objective():
            raise RuntimeError(
                "A single direction cannot be retrieved from a multi-objective study. Consider "
                "using Study.directions to retrieve a list containing all directions."
            )
        return self._directions[0]

    @property
    def directions(self) -> list[StudyDirection]:
        """One direction per objective."""
        return list(self._directions)

    @property
    def trials(self) -> list[FrozenTrial]:
        """All trials, ordered by number (copies; see :meth:`get_trials`)."""
        return self.get_trials(deepcopy=True, states=None)

    def get_trials(
        self, deepcopy: bool = True, states: Container[TrialState] | None = None
    ) -> list[FrozenTrial]:
        """Return the trials, ordered by number.

        Args:
            deepcopy: Return copies. With ``False`` the storage's own objects are returned:
                faster, but they must not be modified.
            states: Only trials in these states.
        """
        return self._get_trials(deepcopy, states, use_cache=False)

    def _get_trials(
        self,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
        use_cache: bool = False,
    ) -> list[FrozenTrial]:
        """The trials, ordered by number.

        With ``use_cache`` (for samplers, while a trial is being sampled) all trials are read
        from storage once and reused by later calls in the same thread until the next
        :meth:`ask`, :meth:`tell` or :meth:`add_trial` of this study in this thread. Trials
        created meanwhile by other workers are not seen until then. Without ``deepcopy`` the
        returned trials (and, with ``use_cache``, the list) must not be modified.
        """
        if not use_cache:
            return self._storage.get_all_trials(self._study_id, deepcopy=deepcopy, states=states)
        trials = getattr(self._thread_local, "all_trials", None)
        if trials is None:
            trials = self._storage.get_all_trials(self._study_id, deepcopy=False)
            self._thread_local.all_trials = trials
        if states is not None:
            trials = [t for t in trials if t.state in states]
        return [t._copy() for t in trials] if deepcopy else trials

    def _clear_trial_cache(self) -> None:
        """Forget this thread's read cache (see :meth:`_get_trials`)."""
        self._thread_local.all_trials = None

    @property
    def user_attrs(self) -> dict[str, Any]:
        """User attributes of the study (a copy: changing it does not change the study)."""
        return copy.deepcopy(self._storage.get_study_user_attrs(self._study_id))

    @property
    def system_attrs(self) -> dict[str, Any]:
        """System attributes of the study (used by hpo's components; a copy)."""
        return copy.deepcopy(self._storage.get_study_system_attrs(self._study_id))

    @property
    def metric_names(self) -> list[str] | None:
        """Names of the objectives, set with :meth:`set_metric_names`, or ``None``."""
        return self._storage.get_study_system_attrs(self._study_id).get(_METRIC_NAMES_KEY)

    @experimental_func("3.2.0")
    def set_metric_names(self, metric_names: list[str]) -> None:
        """Name the objectives (used in logs and ``trials_dataframe``).

        Raises:
            ValueError: The number of names differs from the number of objectives.
        """
        if len(self._directions) != len(metric_names):
            raise ValueError(
                f"The study has {len(self._directions)} objective(s) but {len(metric_names)} "
                f"metric names were given: {metric_names}."
            )
        self._storage.set_study_system_attr(self._study_id, _METRIC_NAMES_KEY, list(metric_names))

    def set_user_attr(self, key: str, value: Any) -> None:
        """Set a JSON-serialisable user attribute of the study.

        Raises:
            TypeError: ``value`` cannot be stored as JSON (the message names ``key``).
        """
        check_json_attr("Study user", key, value)
        self._storage.set_study_user_attr(self._study_id, key, value)

    def set_system_attr(self, key: str, value: Any) -> None:
        check_json_attr("Study system", key, value)
        self._storage.set_study_system_attr(self._study_id, key, value)

    # --- running trials -----------------------------------------------------------------------

    def optimize(
        self,
        func: ObjectiveFuncType,
        n_trials: int | None = None,
        timeout: float | None = None,
        n_jobs: int = 1,
        catch: Iterable[type[Exception]] | type[Exception] = (),
        callbacks: Iterable[Callable[[Study, FrozenTrial], None]] | None = None,
        gc_after_trial: bool = False,
        show_progress_bar: bool = False,
    ) -> None:
        """Run trials of ``func`` until ``n_trials`` have run, ``timeout`` seconds have passed,
        or :meth:`stop` is called.

        A returned number completes the trial. NaN, a non-number or the wrong number of values
        fails it with a warning. :class:`~hpo.TrialPruned` prunes it (its value is the last
        reported one). An exception in ``catch`` fails it and the loop goes on; any other
        exception (``KeyboardInterrupt`` too) fails it and is re-raised. Either way the trial is
        finished in storage.

        Args:
            func: Objective taking a :class:`~hpo.trial.Trial` and returning a float (or one
                float per objective).
            n_trials: Number of trials to run; ``None`` for no limit.
            timeout: Stop starting trials after this many seconds.
            n_jobs: Worker threads; ``-1`` uses the CPU count.
            catch: Exception types that fail a trial without stopping the loop.
            callbacks: Called as ``callback(study, frozen_trial)`` after every trial.
            gc_after_trial: Run ``gc.collect()`` after each trial.
            show_progress_bar: Show a tqdm progress bar.
        """
        if isinstance(catch, type):
            catch = (catch,)
        elif isinstance(catch, Iterable):
            catch = tuple(catch)
        _optimize.optimize(
            self,
            func,
            n_trials,
            timeout,
            n_jobs,
            catch,
            callbacks,
            gc_after_trial,  # type: ignore[arg-type]
            show_progress_bar,
        )

    def ask(self, fixed_distributions: dict[str, BaseDistribution] | None = None) -> Trial:
        """Start a trial (an enqueued one first) for the ask-and-tell interface.

        Args:
            fixed_distributions: Parameters to suggest right away, name -> distribution.

        Example:
            >>> import hpo
            >>> study = hpo.create_study()
            >>> trial = study.ask()
            >>> x = trial.suggest_float("x", -1, 1)
            >>> frozen = study.tell(trial, x ** 2)
        """
        self._clear_trial_cache()
        trial_id = self._pop_waiting_trial_id()
        if trial_id is None:
            trial_id = self._storage.create_new_trial(self._study_id)
        trial = Trial(self, trial_id)
        for name, distribution in (fixed_distributions or {}).items():
            trial._suggest(name, _convert_old_distribution_to_new_distribution(distribution))
        if is_heartbeat_enabled(self._storage):
            self._heartbeats[trial_id] = HeartbeatThread(trial_id, self._storage).start()
        return trial

    def _pop_waiting_trial_id(self) -> int | None:
        for trial in self._storage.get_all_trials(
            self._study_id, deepcopy=False, states=(TrialState.WAITING,)
        ):
            try:
                claimed = self._storage.set_trial_state_values(
                    trial._trial_id, state=TrialState.RUNNING
                )
            except UpdateFinishedTrialError:  # another worker claimed and finished it meanwhile
                continue
            if claimed:
                _logger.debug(f"Trial {trial.number} popped from the trial queue.")
                return trial._trial_id
        return None

    def _stop_heartbeat(self, trial_id: int) -> None:
        thread = self._heartbeats.pop(trial_id, None)
        if thread is not None:
            thread.stop()

    def tell(
        self,
        trial: Trial | int,
        values: float | Sequence[float] | None = None,
        state: TrialState | None = None,
        skip_if_finished: bool = False,
    ) -> FrozenTrial:
        """Finish a trial started with :meth:`ask`.

        Args:
            trial: The trial or its number.
            values: The objective value(s); required for COMPLETE.
            state: COMPLETE (the default when values are given), PRUNED or FAIL.
            skip_if_finished: Return quietly if the trial has finished already.

        Returns:
            The finished trial.

        Raises:
            ValueError: The trial has finished (the message names its number), the trial
                number does not exist, or values and state do not fit together.
        """
        return _tell.tell(self, trial, values, state, skip_if_finished)

    def stop(self) -> None:
        """Let :meth:`optimize` finish the running trial(s) and return.

        Raises:
            RuntimeError: Called while no ``optimize`` is running.
        """
        if not self._optimize_lock.locked():
            raise RuntimeError(
                "`Study.stop` is supposed to be invoked inside an objective function or a "
                "callback."
            )
        self._stop_flag = True

    def enqueue_trial(
        self,
        params: dict[str, Any],
        user_attrs: dict[str, Any] | None = None,
        skip_if_exists: bool = False,
    ) -> None:
        """Queue a trial with fixed parameters; the next ``ask``/``optimize`` trial takes it.

        Parameters the objective suggests but ``params`` lacks are sampled as usual. A waiting
        trial is claimed atomically, so two workers never run the same one.

        Args:
            params: Parameter name -> value.
            user_attrs: User attributes of the queued trial.
            skip_if_exists: Skip if a trial with the same parameters exists already.

        Example:
            >>> import hpo
            >>> study = hpo.create_study()
            >>> study.enqueue_trial({"x": 5.0})
            >>> study.optimize(lambda t: t.suggest_float("x", 0, 10), n_trials=1)
            >>> study.trials[0].params
            {'x': 5.0}
        """
        for key, value in params.items():
            check_json_attr("Enqueued parameter", key, value)
        if skip_if_exists and self._has_trial_with_params(params):
            _logger.info(f"Trial with params {params} already exists. Skipping enqueue.")
            return
        from hpo.trial._frozen import create_trial

        self.add_trial(
            create_trial(
                state=TrialState.WAITING,
                system_attrs={FIXED_PARAMS_KEY: dict(params)},
                user_attrs=user_attrs,
            )
        )

    def _has_trial_with_params(self, params: dict[str, Any]) -> bool:
        for trial in self._get_trials(deepcopy=False):
            existing = trial.system_attrs.get(FIXED_PARAMS_KEY, trial.params)
            if existing.keys() != params.keys():
                continue
            if all(_same_value(existing[k], params[k]) for k in params):
                return True
        return False

    def add_trial(self, trial: FrozenTrial) -> None:
        """Add a finished (or WAITING) trial, e.g. results from elsewhere.

        Raises:
            ValueError: The trial is invalid or has the wrong number of values.
        """
        trial._validate()
        if trial.values is not None and len(trial.values) != len(self._directions):
            raise ValueError(
                f"The added trial has {len(trial.values)} values, but the study has "
                f"{len(self._directions)} objective(s)."
            )
        self._storage.create_new_trial(self._study_id, template_trial=trial)
        self._clear_trial_cache()

    def add_trials(self, trials: Iterable[FrozenTrial]) -> None:
        """Add several trials (see :meth:`add_trial`)."""
        for trial in trials:
            self.add_trial(trial)

    def trials_dataframe(
        self,
        attrs: tuple[str, ...] = (
            "number",
            "value",
            "datetime_start",
            "datetime_complete",
            "duration",
            "params",
            "user_attrs",
            "system_attrs",
            "state",
        ),
        multi_index: bool = False,
    ) -> pd.DataFrame:
        """Return the trials as a pandas DataFrame (needs the ``pandas`` extra)."""
        from hpo.study._dataframe import trials_dataframe

        return trials_dataframe(self, attrs, multi_index)

    # --- helpers ------------------------------------------------------------------------------

    def _is_multi_objective(self) -> bool:
        return len(self._directions) > 1

    def _log_completed_trial(
        self, values: list[float], number: int, params: dict[str, Any]
    ) -> None:
        if not _logger.isEnabledFor(logging.INFO):
            return
        names = self.metric_names
        if len(values) > 1:
            shown: Any = values if names is None else dict(zip(names, values))
            _logger.info(f"Trial {number} finished with values: {shown} and parameters: {params}.")
            return
        shown = values[0] if names is None else {names[0]: values[0]}
        message = f"Trial {number} finished with value: {shown} and parameters: {params}."
        try:
            best = self._get_best_trial(deepcopy=False)
            message += f" Best is trial {best.number} with value: {best.value}."
        except ValueError:
            pass
        _logger.info(message)


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return float(a) == float(b)
        except (TypeError, ValueError):
            return False
    return bool(a == b)
