"""Pareto-front and hypervolume-history plots (plotly)."""

from __future__ import annotations

import pytest

import hpo
from hpo.exceptions import ExperimentalWarning
from hpo.visualization import plot_hypervolume_history, plot_pareto_front

go = pytest.importorskip("plotly.graph_objects")


def _losses(study: hpo.Study, values: list[float]) -> list[float]:
    return [
        -v if d == hpo.study.StudyDirection.MAXIMIZE else v
        for v, d in zip(values, study.directions)
    ]


def _non_dominated(study: hpo.Study, trials: list) -> set[int]:
    """Numbers of the trials no other trial dominates (brute force)."""
    losses = {t.number: _losses(study, t.values) for t in trials}
    front = set()
    for n, a in losses.items():
        dominated = any(
            all(x <= y for x, y in zip(b, a)) and any(x < y for x, y in zip(b, a))
            for m, b in losses.items()
            if m != n
        )
        if not dominated:
            front.add(n)
    return front


def _numbers(trace) -> set[int]:
    return set(trace.marker.color)


def test_pareto_front_splits_best_and_dominated(two_objective_study: hpo.Study) -> None:
    fig = plot_pareto_front(two_objective_study)
    dominated, best = fig.data
    trials = two_objective_study.trials
    front = _non_dominated(two_objective_study, trials)
    assert _numbers(best) == front
    assert _numbers(dominated) == {t.number for t in trials} - front
    by_number = {t.number: t.values for t in trials}
    for x, y, n in zip(best.x, best.y, best.marker.color):
        assert [x, y] == by_number[n]
    assert fig.layout.xaxis.title.text == "Objective 0"
    assert fig.layout.yaxis.title.text == "Objective 1"


def test_pareto_front_options(two_objective_study: hpo.Study) -> None:
    fig = plot_pareto_front(two_objective_study, include_dominated_trials=False)
    assert len(fig.data[0].x) == 0
    fig = plot_pareto_front(two_objective_study, target_names=["cost", "gain"])
    assert fig.layout.xaxis.title.text == "cost"
    swapped = plot_pareto_front(
        two_objective_study, targets=lambda t: (t.values[1], t.values[0]), target_names=["b", "a"]
    )
    assert list(swapped.data[1].x) == [
        v[1] for v in _values_of(swapped.data[1], two_objective_study)
    ]
    with pytest.raises(ValueError, match="target_names"):
        plot_pareto_front(two_objective_study, target_names=["only one"])


def _values_of(trace, study: hpo.Study) -> list[list[float]]:
    by_number = {t.number: t.values for t in study.trials}
    return [by_number[n] for n in trace.marker.color]


def test_pareto_front_with_constraints() -> None:
    study = hpo.create_study(directions=["minimize", "minimize"])
    for values, constraint in [((1.0, 1.0), 1.0), ((2.0, 2.0), -1.0), ((3.0, 1.0), -1.0)]:
        study.add_trial(
            hpo.trial.create_trial(values=values, system_attrs={"constraints": [constraint]})
        )
    infeasible, dominated, best = plot_pareto_front(study).data
    assert list(infeasible.x) == [1.0]  # would dominate everything, but is infeasible
    assert sorted(best.marker.color) == [1, 2]
    assert len(dominated.x) == 0


def test_pareto_front_of_three_objectives_is_3d() -> None:
    study = hpo.create_study(directions=["minimize"] * 3)
    study.optimize(
        lambda t: (
            t.suggest_float("x", 0, 1),
            t.suggest_float("y", 0, 1),
            t.suggest_float("z", 0, 1),
        ),
        n_trials=10,
    )
    fig = plot_pareto_front(study)
    assert all(isinstance(t, go.Scatter3d) for t in fig.data)
    assert fig.layout.scene.zaxis.title.text == "Objective 2"


def test_pareto_front_rejects_unsupported_objective_counts() -> None:
    with pytest.raises(ValueError, match="2 or 3"):
        plot_pareto_front(hpo.create_study())
    four = hpo.create_study(directions=["minimize"] * 4)
    with pytest.raises(ValueError, match="2 or 3"):
        plot_pareto_front(four)


def test_pareto_front_of_empty_study_warns(hpo_log) -> None:
    fig = plot_pareto_front(hpo.create_study(directions=["minimize", "minimize"]))
    assert all(len(t.x) == 0 for t in fig.data)
    assert "does not have any completed trials" in hpo_log.text


def _hypervolume_2d(points: list[tuple[float, float]], ref: tuple[float, float]) -> float:
    """Area dominated by ``points`` (minimisation) inside ``ref``, by sweeping x."""
    inside = sorted(p for p in points if p[0] < ref[0] and p[1] < ref[1])
    area, best_y = 0.0, ref[1]
    for i, (x, y) in enumerate(inside):
        best_y = min(best_y, y)
        next_x = inside[i + 1][0] if i + 1 < len(inside) else ref[0]
        area += (next_x - x) * (ref[1] - best_y)
    return area


def test_hypervolume_history_matches_direct_computation(two_objective_study: hpo.Study) -> None:
    reference = [1.0, 0.0]  # minimise objective 0 (< 1), maximise objective 1 (> 0)
    with pytest.warns(ExperimentalWarning):
        fig = plot_hypervolume_history(two_objective_study, reference_point=reference)
    (line,) = fig.data
    trials = two_objective_study.trials
    assert list(line.x) == [t.number for t in trials]
    for k, volume in enumerate(line.y):
        points = [(t.values[0], -t.values[1]) for t in trials[: k + 1]]
        assert volume == pytest.approx(_hypervolume_2d(points, (1.0, 0.0)))
    assert list(line.y) == sorted(line.y)


@pytest.mark.filterwarnings("ignore::hpo.exceptions.ExperimentalWarning")
def test_hypervolume_history_arguments(two_objective_study: hpo.Study) -> None:
    with pytest.raises(ValueError, match="multi-objective"):
        plot_hypervolume_history(hpo.create_study(), reference_point=[1.0])
    with pytest.raises(ValueError, match="dimension"):
        plot_hypervolume_history(two_objective_study, reference_point=[1.0])
