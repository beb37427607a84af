"""The terminator's adapter to hpo's Gaussian process: the quantities the evaluators rely on.

These also flag a change inside ``hpo.samplers._gp`` that the adapter has to follow.
"""

from __future__ import annotations

import numpy as np
import pytest

from hpo.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from hpo.terminator import _gp_adapter
from hpo.trial import create_trial

SPACE = {
    "c": CategoricalDistribution(["a", "b"]),
    "n": IntDistribution(1, 5),
    "x": FloatDistribution(-1, 1),
}


def _data(n: int = 15) -> tuple[_gp_adapter.Space, np.ndarray, np.ndarray]:
    rng = np.random.RandomState(0)
    trials = [
        create_trial(
            value=0.0,
            params={
                "c": rng.choice(["a", "b"]),
                "n": int(rng.randint(1, 6)),
                "x": rng.uniform(-1, 1),
            },
            distributions=SPACE,
        )
        for _ in range(n)
    ]
    space = _gp_adapter.Space(SPACE)
    X = space.encode(trials)
    y = np.sin(3 * X[:, 2]) + 0.1 * X[:, 1] + 0.2 * X[:, 0]
    return space, X, (y - y.mean()) / y.std()


def test_encoding_and_random_points_lie_in_the_unit_cube() -> None:
    space, X, _ = _data()
    samples = space.sample(200, np.random.RandomState(0))
    for points in (X, samples):
        assert points.shape[1] == 3
        assert np.all(points[:, 1:] >= 0) and np.all(points[:, 1:] <= 1)
        assert set(np.unique(points[:, 0])) <= {0.0, 1.0}  # categorical: choice index
    assert list(space.is_categorical) == [True, False, False]


@pytest.mark.parametrize("deterministic", [False, True])
def test_fit_keeps_the_noise_at_or_above_the_floor(deterministic: bool) -> None:
    space, X, y = _data()
    model = _gp_adapter.fit(X, y, space.is_categorical, deterministic)
    assert model.noise >= _gp_adapter.NOISE_FLOOR * (1 - 1e-9)
    if deterministic:
        assert model.noise == pytest.approx(_gp_adapter.NOISE_FLOOR)
    mean, var = model.mean_var(X)
    assert mean == pytest.approx(y, abs=0.1)  # a smooth function is interpolated closely
    assert np.all(var >= 0)


def test_covariance_agrees_with_variance_and_with_conditioning() -> None:
    space, X, y = _data()
    model = _gp_adapter.fit(X, y, space.is_categorical)
    x1, x2 = np.array([1.0, 0.3, 0.2]), np.array([0.0, 0.6, 0.9])
    assert model.covariance(x1, x1) == pytest.approx(model.mean_var(x1)[1][0], rel=1e-6)
    # Observing y2 at x2 moves the mean at x1 by cov(x1, x2) / (var(x2) + noise) * (y2 - mu2).
    mu1 = model.mean_var(x1)[0][0]
    mu2, var2 = (a[0] for a in model.mean_var(x2))
    moved = model.with_data(np.vstack([X, x2]), np.append(y, mu2 + 1.0)).mean_var(x1)[0][0]
    expected = model.covariance(x1, x2) / (var2 + model.noise)
    assert moved - mu1 == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_with_data_keeps_the_hyperparameters() -> None:
    space, X, y = _data()
    model = _gp_adapter.fit(X, y, space.is_categorical)
    points = space.sample(50, np.random.RandomState(1))
    same = model.with_data(X, y)
    for a, b in zip(same.mean_var(points), model.mean_var(points)):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12)
    fewer = model.with_data(X[:-1], y[:-1])
    assert fewer.noise == model.noise
    var_all, var_fewer = model.mean_var(X[-1])[1][0], fewer.mean_var(X[-1])[1][0]
    assert var_fewer > var_all  # the removed observation no longer pins its own point
