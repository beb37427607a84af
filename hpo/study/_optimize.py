"""The optimize loop: ask, evaluate, tell, repeat — in one thread or several."""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from hpo import logging
from hpo.exceptions import TrialPruned
from hpo.storages._heartbeat import fail_stale_trials, is_heartbeat_enabled
from hpo.study import _tell
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.study.study import ObjectiveFuncType
    from hpo.trial import FrozenTrial

_logger = logging.get_logger(__name__)


class _Budget:
    """Counts trials and time across worker threads; tells the workers when to stop."""

    def __init__(self, study: Study, n_trials: int | None, timeout: float | None) -> None:
        self._study = study
        self._n_trials = n_trials
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._started = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Reserve one trial; ``False`` when the budget or time is spent or the study stopped."""
        with self._lock:
            if self._study._stop_flag:
                return False
            if self._n_trials is not None and self._started >= self._n_trials:
                return False
            if self._deadline is not None and time.monotonic() >= self._deadline:
                return False
            self._started += 1
            return True


class _ProgressBar:
    def __init__(self, enabled: bool, n_trials: int | None, timeout: float | None) -> None:
        self._bar: Any = None
        self._timeout = timeout
        self._start = time.monotonic()
        if not enabled:
            return
        if n_trials is None and timeout is None:
            warnings.warn(
                "The progress bar is not shown: it needs `n_trials` or `timeout`.", stacklevel=4
            )
            return
        from tqdm.auto import tqdm

        if n_trials is not None:
            self._bar = tqdm(total=n_trials, file=sys.stderr)
        else:
            assert timeout is not None
            limit = tqdm.format_interval(timeout)
            self._bar = tqdm(
                total=timeout, file=sys.stderr, bar_format="{l_bar}{bar}| {elapsed}/" + limit
            )

    def update(self, study: Study, trial: FrozenTrial) -> None:
        if self._bar is None:
            return
        if self._timeout is None:
            self._bar.update(1)
        else:
            elapsed = min(time.monotonic() - self._start, self._timeout)
            self._bar.update(elapsed - self._bar.n)
        try:
            if not study._is_multi_objective():
                best = study.best_trial
                self._bar.set_description(
                    f"Best trial: {best.number}. Best value: {best.value:.6g}"
                )
        except ValueError:
            pass

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def optimize(
    study: Study,
    func: ObjectiveFuncType,
    n_trials: int | None,
    timeout: float | None,
    n_jobs: int,
    catch: tuple[type[Exception], ...],
    callbacks: Iterable[Callable[[Study, FrozenTrial], None]] | None,
    gc_after_trial: bool,
    show_progress_bar: bool,
) -> None:
    if not isinstance(catch, tuple):
        raise TypeError(
            f"`catch` must be an exception class or a tuple/list of them, but got {catch!r}."
        )
    if n_trials is not None and n_trials < 0:
        raise ValueError(f"`n_trials` must be None or >= 0, but got {n_trials}.")
    if timeout is not None and timeout < 0:
        raise ValueError(f"`timeout` must be None or >= 0, but got {timeout}.")
    if n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"`n_jobs` must be -1 (all CPUs) or >= 1, but got {n_jobs}.")
    if study._optimize_lock.locked() and threading.current_thread() is study._optimize_thread:
        raise RuntimeError("Nested optimization is not allowed: optimize() is already running.")

    callbacks = list(callbacks or [])
    study._stop_flag = False
    budget = _Budget(study, n_trials, timeout)
    bar = _ProgressBar(show_progress_bar, n_trials, timeout)
    n_workers = (os.cpu_count() or 1) if n_jobs == -1 else n_jobs

    def loop() -> None:
        while budget.take():
            frozen = _run_trial(study, func, catch)
            for callback in callbacks:
                callback(study, frozen)
            bar.update(study, frozen)
            if gc_after_trial:
                gc.collect()

    with study._optimize_lock:
        study._optimize_thread = threading.current_thread()
        try:
            if n_workers == 1:
                loop()
                return
            if n_trials is None and timeout is None:
                _logger.warning(
                    "optimize(n_jobs>1) without n_trials or timeout runs until stop()."
                )
            study.sampler.reseed_rng()
            with ThreadPoolExecutor(max_workers=n_workers) as executor:
                futures: set[Future[None]] = {executor.submit(loop) for _ in range(n_workers)}
                while futures:
                    done, futures = wait(futures, return_when=FIRST_COMPLETED)
                    for f in done:
                        if f.exception() is not None:
                            study._stop_flag = True  # let the other workers wind down
                            wait(futures)
                            raise f.exception()  # type: ignore[misc]
        finally:
            study._optimize_thread = None
            study._storage.remove_session()
            bar.close()


def _run_trial(
    study: Study, func: ObjectiveFuncType, catch: tuple[type[Exception], ...]
) -> FrozenTrial:
    if is_heartbeat_enabled(study._storage):
        fail_stale_trials(study)

    trial = study.ask()
    state: TrialState | None = None
    value_or_values: Any = None
    func_err: BaseException | None = None
    try:
        value_or_values = func(trial)
    except TrialPruned as e:
        state = TrialState.PRUNED
        func_err = e
    except (Exception, KeyboardInterrupt) as e:
        state = TrialState.FAIL
        func_err = e

    if state is None:
        frozen = _tell.tell(study, trial, value_or_values, None, suppress_warning=True)
    else:
        frozen = _tell.tell(study, trial, None, state, suppress_warning=True)

    if frozen.state is TrialState.COMPLETE:
        study._log_completed_trial(frozen.values or [], frozen.number, frozen.params)
    elif frozen.state is TrialState.PRUNED:
        _logger.info(f"Trial {frozen.number} pruned. {func_err or ''}".rstrip())
    elif frozen.state is TrialState.FAIL:
        if func_err is not None:
            _logger.warning(
                f"Trial {frozen.number} failed with parameters: {frozen.params} because of the "
                f"following error: {func_err!r}.",
                exc_info=(type(func_err), func_err, func_err.__traceback__),
            )
        else:
            _logger.warning(f"Trial {frozen.number} failed with value {value_or_values!r}.")
    if state is TrialState.FAIL and func_err is not None and not isinstance(func_err, catch):
        raise func_err
    return frozen
