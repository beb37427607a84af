"""TPE's good/bad split: gamma and weights, ranking, Pareto ranks, hypervolume and HSSP."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import hpo
from hpo._hypervolume import compute_hypervolume, reference_point_for, solve_hssp
from hpo.distributions import FloatDistribution
from hpo.samplers._tpe import _pareto
from hpo.samplers._tpe._history import TrialHistory
from hpo.samplers._tpe._pareto import ParetoSelection
from hpo.samplers._tpe._split import (
    below_mask,
    default_gamma,
    default_gamma_multiobjective,
    default_weights,
    hyperopt_default_gamma,
    nondomination_rank,
    select_multi_objective,
)
from hpo.trial import TrialState, create_trial

X = FloatDistribution(-10.0, 10.0)


def test_default_gamma_and_weights() -> None:
    assert [default_gamma(n) for n in (0, 1, 10, 11, 100, 1000)] == [0, 1, 1, 2, 10, 25]
    assert default_gamma_multiobjective(1000) == 100
    assert hyperopt_default_gamma(100) == 3
    assert default_weights(0).size == 0
    np.testing.assert_array_equal(default_weights(10), np.ones(10))
    w = default_weights(100)
    assert len(w) == 100 and np.all(w[-25:] == 1.0) and np.all(np.diff(w[:75]) > 0)
    assert w[0] == pytest.approx(0.01)


def test_default_weights_are_numpys_linear_ramp_then_ones() -> None:
    for n in [*range(0, 60), 99, 100, 1000, 4321]:
        if n < 25:
            expected = np.ones(n)
        else:
            expected = np.concatenate([np.linspace(1.0 / n, 1.0, num=n - 25), np.ones(25)])
        np.testing.assert_array_equal(default_weights(n), expected)


def _history(study: hpo.Study) -> TrialHistory:
    history = TrialHistory(study._storage, study._study_id, study.directions)
    history.update(study)
    return history


def _below_numbers(study: hpo.Study, n_below: int) -> set[int]:
    history = _history(study)
    mask = below_mask(history, n_below)
    return set(history.numbers[: history.n][mask].tolist())


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_single_objective_split_takes_the_best_values(direction: str) -> None:
    study = hpo.create_study(direction=direction)
    for i, v in enumerate([5.0, 1.0, 3.0, 4.0, 2.0]):
        study.add_trial(create_trial(params={"x": float(i)}, distributions={"x": X}, value=v))
    expected = {1, 4} if direction == "minimize" else {0, 3}
    assert _below_numbers(study, 2) == expected


def test_pruned_trials_rank_by_progress_then_last_value() -> None:
    study = hpo.create_study()
    study.add_trial(create_trial(params={"x": 0.0}, distributions={"x": X}, value=1.0))
    pruned = [{0: 5.0, 3: 9.0}, {0: 1.0}, {0: 2.0, 3: 0.5}, {}]
    for i, iv in enumerate(pruned):
        study.add_trial(
            create_trial(
                state=TrialState.PRUNED,
                params={"x": float(i)},
                distributions={"x": X},
                intermediate_values=iv,
            )
        )
    # The complete trial first, then pruned trials that reached step 3 (better value first).
    assert _below_numbers(study, 2) == {0, 3}
    assert _below_numbers(study, 3) == {0, 3, 1}
    assert _below_numbers(study, 4) == {0, 3, 1, 2}


def test_infeasible_trials_come_last_ranked_by_violation() -> None:
    study = hpo.create_study()
    specs = [(0.0, 3.0), (5.0, -1.0), (1.0, 0.5), (2.0, 2.0), (9.0, 0.0)]
    for i, (value, constraint) in enumerate(specs):
        study.add_trial(
            create_trial(
                params={"x": float(i)},
                distributions={"x": X},
                value=value,
                constraints={"c": constraint},
            )
        )
    # Feasible: #1 (5.0) and #4 (9.0). Infeasible by violation: #2 (0.5), #3 (2.0), #0 (3.0).
    assert _below_numbers(study, 1) == {1}
    assert _below_numbers(study, 2) == {1, 4}
    assert _below_numbers(study, 3) == {1, 4, 2}
    assert _below_numbers(study, 4) == {1, 4, 2, 3}


def _brute_rank(losses: np.ndarray) -> np.ndarray:
    n = len(losses)
    ranks = np.full(n, -1)
    remaining = set(range(n))
    rank = 0
    while remaining:
        front = {
            i
            for i in remaining
            if not any(
                np.all(losses[j] <= losses[i]) and np.any(losses[j] < losses[i]) for j in remaining
            )
        }
        for i in front:
            ranks[i] = rank
        remaining -= front
        rank += 1
    return ranks


@pytest.mark.parametrize("n_obj", [2, 3])
def test_nondomination_rank_matches_brute_force(n_obj: int) -> None:
    rng = np.random.RandomState(n_obj)
    losses = rng.randint(0, 6, size=(60, n_obj)).astype(float)  # many ties and duplicates
    np.testing.assert_array_equal(nondomination_rank(losses), _brute_rank(losses))
    partial = nondomination_rank(losses, n_below=10)
    full = _brute_rank(losses)
    cutoff = partial.max()
    assert np.all(partial[full < cutoff] == full[full < cutoff])
    assert np.sum(partial < cutoff) >= 10
    assert np.sum(full < cutoff) == np.sum(partial < cutoff)


def _grid_hypervolume(points: np.ndarray, ref: np.ndarray) -> float:
    """Count dominated unit cells (exact for integer points)."""
    cells = itertools.product(*(range(int(r)) for r in ref))
    return float(sum(any(np.all(p <= np.array(c)) for p in points) for c in cells))


@pytest.mark.parametrize("n_obj", [2, 3, 4])
def test_hypervolume_matches_cell_counting(n_obj: int) -> None:
    rng = np.random.RandomState(10 + n_obj)
    ref = np.full(n_obj, 6.0)
    for _ in range(3):
        points = rng.randint(0, 7, size=(8, n_obj)).astype(float)  # some outside the box
        assert compute_hypervolume(points, ref) == pytest.approx(_grid_hypervolume(points, ref))


def test_hypervolume_edge_cases() -> None:
    assert compute_hypervolume(np.zeros((0, 2)), np.ones(2)) == 0.0
    assert compute_hypervolume(np.array([[2.0, 2.0]]), np.ones(2)) == 0.0
    assert compute_hypervolume(np.array([[0.5, 0.5]]), np.array([1.0, np.inf])) == np.inf


def _greedy_reference(losses: np.ndarray, k: int, ref: np.ndarray) -> list[int]:
    chosen: list[int] = []
    for _ in range(k):
        base = compute_hypervolume(losses[chosen], ref) if chosen else 0.0
        gains = [
            -1.0 if i in chosen else compute_hypervolume(losses[chosen + [i]], ref) - base
            for i in range(len(losses))
        ]
        chosen.append(int(np.argmax(gains)))
    return sorted(chosen)


@pytest.mark.parametrize("n_obj", [2, 3])
def test_hssp_equals_plain_greedy(n_obj: int) -> None:
    rng = np.random.RandomState(n_obj)
    points = rng.rand(25, n_obj)
    points /= np.linalg.norm(points, axis=1, keepdims=True)  # all on one front
    ref = reference_point_for(points)
    for k in (1, 4, 10):
        assert solve_hssp(points, k, ref).tolist() == _greedy_reference(points, k, ref)


def test_select_multi_objective_takes_whole_fronts_then_hssp() -> None:
    front0 = np.array([[0.0, 3.0], [1.0, 1.0], [3.0, 0.0]])
    front1 = np.array([[1.0, 4.0], [2.0, 2.0], [4.0, 1.0], [2.5, 2.5]])
    losses = np.concatenate([front1, front0])
    chosen = select_multi_objective(losses, 4)
    assert set(chosen.tolist()) >= {4, 5, 6}
    assert len(chosen) == 4
    # From front 1, HSSP prefers the balanced (2, 2) point over the dominated-ish extremes.
    assert 1 in chosen.tolist()


# --- incremental maintenance ------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", ["continuous-2", "continuous-3", "integer-3", "duplicates-2", "with-inf-2"]
)
def test_pareto_selection_kept_up_to_date_equals_a_fresh_one(kind: str) -> None:
    rng = np.random.RandomState(len(kind))
    n_obj = int(kind[-1])
    if kind.startswith("integer"):
        losses = rng.randint(0, 7, size=(160, n_obj)).astype(float)
    elif kind.startswith("duplicates"):
        losses = rng.rand(40, n_obj).round(1)[rng.randint(0, 40, 160)]
    else:
        losses = rng.rand(160, n_obj)
        losses[:, 0] += 0.3 * losses[:, 1]  # a front of a few dozen points
        if kind.startswith("with-inf"):
            losses[rng.rand(160) < 0.05, 1] = np.inf
    pareto = ParetoSelection(n_obj)
    for n in range(1, len(losses) + 1):
        pareto.add(losses[n - 1 : n])
        np.testing.assert_array_equal(pareto.ranks[:n], nondomination_rank(losses[:n]))
        k = max(1, n // 5)
        np.testing.assert_array_equal(pareto.select(k), select_multi_objective(losses[:n], k))


def test_pareto_selection_replays_the_previous_greedy_picks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prefixes: list[int] = []
    real = _pareto.greedy_hssp

    def spy(losses, size, ref, prefix=None):  # type: ignore[no-untyped-def]
        prefixes.append(len(prefix or []))
        return real(losses, size, ref, prefix=prefix)

    monkeypatch.setattr(_pareto, "greedy_hssp", spy)
    rng = np.random.RandomState(0)
    angles = rng.uniform(0, np.pi / 2, 120)
    front = np.column_stack([np.cos(angles), np.sin(angles)])  # every point non-dominated
    pareto = ParetoSelection(2)
    pareto.add(front[:60])
    for i in range(60, 120):
        pareto.add(front[i : i + 1])
        assert pareto.select(12).tolist() == sorted(
            solve_hssp(front[: i + 1], 12, reference_point_for(front[: i + 1])).tolist()
        )
    assert max(prefixes) > 0  # most selections continued from earlier picks


def test_below_mask_follows_a_growing_history_like_a_fresh_one() -> None:
    rng = np.random.RandomState(5)
    study = hpo.create_study()
    history = TrialHistory(study._storage, study._study_id, study.directions)
    for _ in range(80):
        kind = rng.randint(4)
        x = float(rng.uniform(-10, 10))
        if kind == 0:
            trial = create_trial(
                state=TrialState.PRUNED,
                params={"x": x},
                distributions={"x": X},
                intermediate_values={s: float(rng.rand()) for s in range(rng.randint(0, 4))},
            )
        else:
            constraint = float(rng.uniform(-1, 1)) if kind == 1 else -1.0
            trial = create_trial(
                params={"x": x},
                distributions={"x": X},
                value=float(rng.randint(0, 20)),  # ties, broken by number
                constraints={"c": constraint},
            )
        study.add_trial(trial)
        history.update(study)
        for n_below in (1, 5, 30):
            np.testing.assert_array_equal(
                below_mask(history, n_below), below_mask(_history(study), n_below)
            )
