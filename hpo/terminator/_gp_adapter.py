"""The terminator's only door into the Gaussian process of :mod:`hpo.samplers._gp`.

Everything the improvement evaluators need from the GP (encoding trials into the unit cube,
random points, fitting, posterior mean, variance and covariance) goes through this module, so a
change of names inside ``hpo.samplers._gp`` is absorbed here. It imports scipy: the evaluators
import it only when they evaluate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from hpo.samplers._gp import _model
from hpo.samplers._gp._search_space import SearchSpace

if TYPE_CHECKING:
    from hpo.distributions import BaseDistribution
    from hpo.trial import FrozenTrial

# Noise floor of the terminator's surrogate (targets standardised). The sampler's GP may go much
# lower to separate values near the optimum; the confidence bounds here assume observations
# known to about a thousandth of a standard deviation, as Optuna's terminator does.
NOISE_FLOOR = 1e-6


class Space:
    """Unit-cube encoding of a search space (categorical columns hold the choice index)."""

    def __init__(self, distributions: Mapping[str, BaseDistribution]) -> None:
        self._space = SearchSpace(distributions)
        self.dim: int = self._space.dim
        self.is_categorical: np.ndarray = self._space.is_categorical

    def encode(self, trials: Sequence[FrozenTrial]) -> np.ndarray:
        if not trials:
            return np.empty((0, self.dim))
        return self._space.encode([t.params for t in trials])

    def sample(self, n: int, rng: np.random.RandomState) -> np.ndarray:
        """``n`` uniformly random encoded points (discrete coordinates on their grids)."""
        return self._space.sample(n, rng)


class Surrogate:
    """A fitted GP: posterior mean, variance and covariance of the latent function."""

    def __init__(self, gp: _model.GaussianProcess) -> None:
        self._gp = gp

    @property
    def noise(self) -> float:
        """Observation-noise variance (standardised units)."""
        return float(self._gp.noise)

    def mean_var(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean, var, _, _ = self._gp.posterior(np.atleast_2d(X))
        return mean, var

    def covariance(self, x1: np.ndarray, x2: np.ndarray) -> float:
        """Posterior covariance of the latent function at two points."""
        gp = self._gp
        points = np.vstack([x1, x2])
        k_data = _kernel(gp, points, gp.X)  # (2, n)
        V = k_data @ gp.L_inv_T
        prior = float(_kernel(gp, points[:1], points[1:])[0, 0])
        return prior - float(V[0] @ V[1])

    def with_data(self, X: np.ndarray, y: np.ndarray) -> Surrogate:
        """The same hyperparameters conditioned on other observations."""
        gp = self._gp
        return Surrogate(_model.GaussianProcess(X, y, gp.is_cat, gp.theta, gp.deterministic))


def _kernel(gp: _model.GaussianProcess, A: np.ndarray, B: np.ndarray) -> np.ndarray:
    r2 = _model.squared_diffs(A, B, gp.is_cat) @ gp.lam
    return gp.scale * _model.matern52(r2, False)[0]


def fit(
    X: np.ndarray,
    y: np.ndarray,
    is_categorical: np.ndarray,
    deterministic: bool = False,
    warm_start: Surrogate | None = None,
) -> Surrogate:
    """Fit the kernel hyperparameters to ``(X, y)`` (``y`` standardised), noise at least
    :data:`NOISE_FLOOR` (exactly that for a deterministic objective)."""
    initial = None if warm_start is None else warm_start._gp.theta
    gp = _model.fit(X, y, is_categorical, initial_theta=initial, deterministic=deterministic)
    if gp.noise < NOISE_FLOOR or deterministic:
        # theta = [log inverse squared length scales..., log scale, log(noise - minimum)]
        theta = np.array(gp.theta, dtype=float)
        theta[X.shape[1] + 1] = math.log(max(NOISE_FLOOR - _model.MINIMUM_NOISE, 1e-30))
        gp = _model.GaussianProcess(X, y, is_categorical, theta, deterministic=False)
    return Surrogate(gp)
