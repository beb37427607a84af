"""The fANOVA variance decomposition of one tree, checked against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hpo.importance._fanova._tree import TreeAnova

sklearn_tree = pytest.importorskip("sklearn.tree")


def _cells(tree, bounds: np.ndarray) -> list[np.ndarray]:
    """Per column, the edges of the intervals between the tree's split thresholds."""
    edges = []
    for j, (low, high) in enumerate(bounds):
        cuts = tree.threshold[(tree.feature == j) & (tree.children_left >= 0)]
        edges.append(np.unique(np.concatenate([[low, high], cuts])))
    return edges


def _brute_force(tree_model, bounds: np.ndarray, columns: list[int]) -> tuple[float, float]:
    """Total variance and main-effect variance of ``columns`` by enumerating every cell."""
    edges = _cells(tree_model.tree_, bounds)
    mids = [0.5 * (e[1:] + e[:-1]) for e in edges]
    widths = [np.diff(e) / (e[-1] - e[0]) for e in edges]
    grid = np.array(list(itertools.product(*mids)))
    weight = np.array([np.prod(w) for w in itertools.product(*widths)])
    pred = tree_model.predict(grid).reshape([len(m) for m in mids])
    weight = weight.reshape(pred.shape)
    mean = np.sum(weight * pred)
    total = np.sum(weight * (pred - mean) ** 2)
    others = tuple(j for j in range(len(bounds)) if j not in columns)
    marginal = np.sum(weight * pred, axis=others) / np.sum(weight, axis=others)
    marginal_weight = np.sum(weight, axis=others)
    main = np.sum(marginal_weight * (marginal - mean) ** 2)
    return float(total), float(main)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_main_effects_match_enumeration(seed: int) -> None:
    rng = np.random.RandomState(seed)
    bounds = np.array([[-2.0, 3.0], [0.0, 1.0], [10.0, 20.0]])
    x = rng.uniform(bounds[:, 0], bounds[:, 1], size=(40, 3))
    y = np.sin(x[:, 0]) * x[:, 1] + 0.1 * x[:, 2] + rng.normal(scale=0.05, size=40)
    model = sklearn_tree.DecisionTreeRegressor(max_depth=5, random_state=seed).fit(x, y)
    anova = TreeAnova(model.tree_, bounds)
    for columns in ([0], [1], [2], [0, 1], [1, 2]):
        total, main = _brute_force(model, bounds, columns)
        assert anova.variance == pytest.approx(total, rel=1e-9)
        assert anova.main_effect_variance(np.array(columns)) == pytest.approx(
            main, rel=1e-9, abs=1e-12
        )


def test_all_columns_explain_everything_and_single_leaf_explains_nothing() -> None:
    rng = np.random.RandomState(0)
    bounds = np.array([[0.0, 1.0], [0.0, 1.0]])
    x = rng.uniform(size=(30, 2))
    model = sklearn_tree.DecisionTreeRegressor(random_state=0).fit(x, x[:, 0] * x[:, 1])
    anova = TreeAnova(model.tree_, bounds)
    assert anova.main_effect_variance(np.array([0, 1])) == pytest.approx(anova.variance)

    flat = sklearn_tree.DecisionTreeRegressor().fit(x, np.ones(30))
    assert TreeAnova(flat.tree_, bounds).variance == 0.0
    assert TreeAnova(flat.tree_, bounds).main_effect_variance(np.array([0])) == 0.0
