from __future__ import annotations

import hpo
from hpo.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from hpo.search_space import (
    IntersectionSearchSpace,
    _GroupDecomposedSearchSpace,
    _SearchSpaceGroup,
    intersection_search_space,
)
from hpo.trial import TrialState, create_trial

X = FloatDistribution(0, 1)
Y = IntDistribution(0, 10)
Z = CategoricalDistribution(["a", "b"])


def _trial(state=TrialState.COMPLETE, **dists) -> hpo.trial.FrozenTrial:
    params = {
        name: dist.to_external_repr(dist.low if hasattr(dist, "low") else 0)
        for name, dist in dists.items()
    }
    value = 0.0 if state is TrialState.COMPLETE else None
    return create_trial(state=state, params=params, distributions=dists, value=value)


def _study(*trials) -> hpo.Study:
    study = hpo.create_study()
    study.add_trials(trials)
    return study


def test_intersection_keeps_params_present_in_all_complete_trials() -> None:
    trials = [_trial(x=X, y=Y, z=Z), _trial(x=X, y=Y), _trial(x=X, z=Z, y=Y)]
    assert intersection_search_space(trials) == {"x": X, "y": Y}
    assert list(intersection_search_space(trials)) == ["x", "y"]  # sorted by name


def test_intersection_drops_params_with_different_distributions() -> None:
    trials = [_trial(x=X, y=Y), _trial(x=FloatDistribution(0, 2), y=Y)]
    assert intersection_search_space(trials) == {"y": Y}


def test_intersection_ignores_unfinished_and_optionally_pruned() -> None:
    trials = [
        _trial(x=X, y=Y),
        _trial(state=TrialState.PRUNED, x=X),
        _trial(state=TrialState.FAIL),
        create_trial(state=TrialState.RUNNING),
    ]
    assert intersection_search_space(trials) == {"x": X, "y": Y}
    assert intersection_search_space(trials, include_pruned=True) == {"x": X}


def test_intersection_of_nothing_is_empty() -> None:
    assert intersection_search_space([]) == {}
    assert IntersectionSearchSpace().calculate(hpo.create_study()) == {}


def test_intersection_search_space_object_is_incremental() -> None:
    study = _study(_trial(x=X, y=Y, z=Z))
    space = IntersectionSearchSpace()
    assert space.calculate(study) == {"x": X, "y": Y, "z": Z}
    study.add_trial(_trial(x=X, z=Z))
    assert space.calculate(study) == {"x": X, "z": Z}
    study.add_trial(_trial(state=TrialState.PRUNED, z=Z))
    assert space.calculate(study) == {"x": X, "z": Z}


def test_intersection_search_space_object_include_pruned() -> None:
    study = _study(_trial(x=X, y=Y), _trial(state=TrialState.PRUNED, y=Y))
    assert IntersectionSearchSpace(include_pruned=True).calculate(study) == {"y": Y}


def test_intersection_search_space_object_switches_study() -> None:
    space = IntersectionSearchSpace()
    assert space.calculate(_study(_trial(x=X))) == {"x": X}
    assert space.calculate(_study(_trial(y=Y))) == {"y": Y}


def test_search_space_group_partitions() -> None:
    group = _SearchSpaceGroup()
    group.add_distributions({"x": X, "y": Y})
    group.add_distributions({"x": X, "y": Y, "z": Z})
    assert group.search_spaces == [{"x": X, "y": Y}, {"z": Z}]
    group.add_distributions({"x": X})
    assert sorted(map(sorted, group.search_spaces)) == [["x"], ["y"], ["z"]]


def test_group_decomposed_search_space() -> None:
    study = _study(_trial(x=X, y=Y), _trial(x=X, y=Y, z=Z), _trial(state=TrialState.PRUNED, z=Z))
    groups = _GroupDecomposedSearchSpace().calculate(study).search_spaces
    assert sorted(map(sorted, groups)) == [["x", "y"], ["z"]]
