from __future__ import annotations

import hpo
from hpo.samplers._planned_params import planned_params, publish


def test_a_long_sample_is_split_into_chunks_and_read_back_whole() -> None:
    study = hpo.create_study()
    trial = study.ask()
    params = {f"p{i}": float(i) for i in range(400)}  # JSON far longer than one chunk
    publish(study._storage, trial._trial_id, "s:plan", params)
    frozen = study._storage.get_trial(trial._trial_id)
    assert "s:plan:1" in frozen.system_attrs
    assert all(len(v) <= 2045 for k, v in frozen.system_attrs.items() if k.startswith("s:plan"))
    assert planned_params(frozen, "s:plan") == params


def test_suggested_values_win_and_a_torn_sample_is_ignored() -> None:
    study = hpo.create_study()
    trial = study.ask()
    publish(study._storage, trial._trial_id, "s:plan", {"x": 1.0, "y": 2.0})
    trial.suggest_float("x", 5.0, 6.0)
    frozen = study._storage.get_trial(trial._trial_id)
    assert planned_params(frozen, "s:plan") == {"x": frozen.params["x"], "y": 2.0}
    other = study.ask()
    study._storage.set_trial_system_attr(other._trial_id, "s:plan:0", '{"x": 1')
    assert planned_params(study._storage.get_trial(other._trial_id), "s:plan") == {}
