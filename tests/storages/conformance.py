"""The storage conformance suite: the behaviour every BaseStorage backend must have.

The tests take a ``storage`` fixture (defined in ``test_conformance.py``, parametrised over every
backend's factory). A new backend joins by adding a factory there; these tests stay unchanged.
"""

from __future__ import annotations

import datetime
import math
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from hpo.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from hpo.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from hpo.storages import BaseStorage
from hpo.study import StudyDirection
from hpo.trial import FrozenTrial, TrialState, create_trial

MIN = [StudyDirection.MINIMIZE]
UNKNOWN_ID = 987654321


def _name() -> str:
    return f"conf-{uuid.uuid4().hex[:12]}"


def _study(storage: BaseStorage, directions: list[StudyDirection] = MIN) -> int:
    return storage.create_new_study(directions, _name())


def _run_threads(n: int, target: Callable[[int], Any]) -> list[Any]:
    results: list[Any] = [None] * n
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = target(i)
        except BaseException as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


# --- studies ----------------------------------------------------------------------------------


def test_create_study_returns_distinct_ids_and_names(storage: BaseStorage) -> None:
    name_a, name_b = _name(), _name()
    a = storage.create_new_study(MIN, name_a)
    b = storage.create_new_study([StudyDirection.MAXIMIZE, StudyDirection.MINIMIZE], name_b)
    assert isinstance(a, int) and isinstance(b, int) and a != b
    assert storage.get_study_id_from_name(name_a) == a
    assert storage.get_study_name_from_id(b) == name_b
    assert storage.get_study_directions(a) == MIN
    assert storage.get_study_directions(b) == [StudyDirection.MAXIMIZE, StudyDirection.MINIMIZE]


def test_create_study_without_name_generates_one(storage: BaseStorage) -> None:
    study_id = storage.create_new_study(MIN)
    assert storage.get_study_name_from_id(study_id).startswith("no-name-")


def test_duplicate_study_name_raises(storage: BaseStorage) -> None:
    name = _name()
    storage.create_new_study(MIN, name)
    with pytest.raises(DuplicatedStudyError):
        storage.create_new_study(MIN, name)


def test_delete_study_removes_it_and_its_trials(storage: BaseStorage) -> None:
    name = _name()
    study_id = storage.create_new_study(MIN, name)
    trial_id = storage.create_new_trial(study_id)
    storage.delete_study(study_id)
    with pytest.raises(KeyError):
        storage.get_study_id_from_name(name)
    with pytest.raises(KeyError):
        storage.get_all_trials(study_id)
    with pytest.raises(KeyError):
        storage.get_trial(trial_id)
    assert name not in [s.study_name for s in storage.get_all_studies()]
    storage.create_new_study(MIN, name)  # the name is free again


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.delete_study(UNKNOWN_ID),
        lambda s: s.set_study_user_attr(UNKNOWN_ID, "k", 1),
        lambda s: s.set_study_system_attr(UNKNOWN_ID, "k", 1),
        lambda s: s.get_study_name_from_id(UNKNOWN_ID),
        lambda s: s.get_study_directions(UNKNOWN_ID),
        lambda s: s.get_study_user_attrs(UNKNOWN_ID),
        lambda s: s.get_study_system_attrs(UNKNOWN_ID),
        lambda s: s.create_new_trial(UNKNOWN_ID),
        lambda s: s.get_all_trials(UNKNOWN_ID),
        lambda s: s.get_study_id_from_name("no-such-study-" + uuid.uuid4().hex),
    ],
)
def test_unknown_study_raises_key_error(storage: BaseStorage, call: Callable) -> None:
    with pytest.raises(KeyError):
        call(storage)


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.get_trial(UNKNOWN_ID),
        lambda s: s.set_trial_param(UNKNOWN_ID, "x", 0.5, FloatDistribution(0, 1)),
        lambda s: s.set_trial_state_values(UNKNOWN_ID, TrialState.COMPLETE, [1.0]),
        lambda s: s.set_trial_intermediate_value(UNKNOWN_ID, 0, 1.0),
        lambda s: s.set_trial_user_attr(UNKNOWN_ID, "k", 1),
        lambda s: s.set_trial_system_attr(UNKNOWN_ID, "k", 1),
        lambda s: s.get_trial_number_from_id(UNKNOWN_ID),
    ],
)
def test_unknown_trial_raises_key_error(storage: BaseStorage, call: Callable) -> None:
    with pytest.raises(KeyError):
        call(storage)


def test_study_attrs_round_trip_json_values(storage: BaseStorage) -> None:
    study_id = _study(storage)
    values: dict[str, Any] = {
        "int": 1,
        "float": 2.5,
        "str": "hello 'quoted' \"double\" % ; -- comment",
        "none": None,
        "bool": True,
        "list": [1, "a", None, [2.0]],
        "dict": {"nested": {"k": [1, 2]}},
    }
    for key, value in values.items():
        storage.set_study_user_attr(study_id, key, value)
        storage.set_study_system_attr(study_id, "sys:" + key, value)
    assert storage.get_study_user_attrs(study_id) == values
    assert storage.get_study_system_attrs(study_id) == {"sys:" + k: v for k, v in values.items()}
    storage.set_study_user_attr(study_id, "int", 7)
    assert storage.get_study_user_attrs(study_id)["int"] == 7


def test_get_all_studies_lists_every_study(storage: BaseStorage) -> None:
    name = _name()
    study_id = storage.create_new_study([StudyDirection.MAXIMIZE], name)
    storage.set_study_user_attr(study_id, "owner", "me")
    storage.set_study_system_attr(study_id, "sys", [1])
    found = [s for s in storage.get_all_studies() if s.study_name == name]
    assert len(found) == 1
    frozen = found[0]
    assert frozen._study_id == study_id
    assert frozen.directions == [StudyDirection.MAXIMIZE]
    assert frozen.user_attrs == {"owner": "me"}
    assert frozen.system_attrs == {"sys": [1]}


# --- trials -----------------------------------------------------------------------------------


def test_new_trials_are_running_with_dense_numbers(storage: BaseStorage) -> None:
    study_id = _study(storage)
    other = _study(storage)
    ids = [storage.create_new_trial(study_id) for _ in range(3)]
    storage.create_new_trial(other)
    assert len(set(ids)) == 3
    trials = storage.get_all_trials(study_id)
    assert [t.number for t in trials] == [0, 1, 2]
    assert [t._trial_id for t in trials] == ids
    for t in trials:
        assert t.state is TrialState.RUNNING
        assert isinstance(t.datetime_start, datetime.datetime)
        assert t.datetime_complete is None
        assert t.values is None
    assert storage.get_trial_id_from_study_id_trial_number(study_id, 1) == ids[1]
    assert storage.get_trial_number_from_id(ids[2]) == 2
    with pytest.raises(KeyError):
        storage.get_trial_id_from_study_id_trial_number(study_id, 3)


def test_create_trial_from_complete_template(storage: BaseStorage) -> None:
    study_id = _study(storage)
    template = create_trial(
        value=1.5,
        params={"x": 0.25, "n": 3, "kind": "b"},
        distributions={
            "x": FloatDistribution(0, 1),
            "n": IntDistribution(1, 5),
            "kind": CategoricalDistribution(["a", "b", None]),
        },
        user_attrs={"u": [1, 2]},
        system_attrs={"s": {"k": "v"}},
        intermediate_values={0: 3.0, 2: 2.0},
    )
    trial_id = storage.create_new_trial(study_id, template_trial=template)
    got = storage.get_trial(trial_id)
    assert got.number == 0
    assert got.state is TrialState.COMPLETE
    assert got.values == [1.5]
    assert got.params == {"x": 0.25, "n": 3, "kind": "b"}
    assert isinstance(got.params["n"], int)
    assert got.distributions == template.distributions
    assert got.user_attrs == {"u": [1, 2]}
    assert got.system_attrs == {"s": {"k": "v"}}
    assert got.intermediate_values == {0: 3.0, 2: 2.0}
    assert got.datetime_start is not None and got.datetime_complete is not None


def test_create_trial_from_waiting_template(storage: BaseStorage) -> None:
    study_id = _study(storage)
    template = create_trial(state=TrialState.WAITING, system_attrs={"fixed_params": {"x": 1}})
    trial_id = storage.create_new_trial(study_id, template_trial=template)
    got = storage.get_trial(trial_id)
    assert got.state is TrialState.WAITING
    assert got.datetime_start is None
    assert got.system_attrs == {"fixed_params": {"x": 1}}


def test_set_trial_param_stores_external_and_internal_values(storage: BaseStorage) -> None:
    study_id = _study(storage)
    trial_id = storage.create_new_trial(study_id)
    storage.set_trial_param(trial_id, "x", 0.5, FloatDistribution(0, 1))
    storage.set_trial_param(trial_id, "lr", 1e-3, FloatDistribution(1e-5, 1, log=True))
    storage.set_trial_param(trial_id, "n", 4.0, IntDistribution(0, 10, step=2))
    storage.set_trial_param(trial_id, "c", 1.0, CategoricalDistribution(["a", "b"]))
    got = storage.get_trial(trial_id)
    assert got.params == {"x": 0.5, "lr": 1e-3, "n": 4, "c": "b"}
    assert got.distributions["n"] == IntDistribution(0, 10, step=2)
    assert storage.get_trial_param(trial_id, "c") == 1.0
    assert storage.get_trial_params(trial_id) == got.params
    with pytest.raises(KeyError):
        storage.get_trial_param(trial_id, "missing")


def test_incompatible_distribution_in_another_trial_is_rejected(storage: BaseStorage) -> None:
    study_id = _study(storage)
    first = storage.create_new_trial(study_id)
    storage.set_trial_param(first, "x", 0.5, FloatDistribution(0, 1))
    second = storage.create_new_trial(study_id)
    with pytest.raises(ValueError):
        storage.set_trial_param(second, "x", 0.0, CategoricalDistribution(["a"]))
    # A different range of the same kind is fine (define-by-run spaces change).
    storage.set_trial_param(second, "x", 1.5, FloatDistribution(0, 2))


def test_state_values_and_timestamps(storage: BaseStorage) -> None:
    study_id = _study(storage, [StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE])
    trial_id = storage.create_new_trial(study_id)
    assert storage.set_trial_state_values(trial_id, TrialState.RUNNING) is False
    assert storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0, -2.5]) is True
    got = storage.get_trial(trial_id)
    assert got.state is TrialState.COMPLETE
    assert got.values == [1.0, -2.5]
    assert got.datetime_complete is not None
    assert got.datetime_start is not None
    assert got.datetime_complete >= got.datetime_start


def test_infinite_values_are_stored_faithfully(storage: BaseStorage) -> None:
    study_id = _study(storage, [StudyDirection.MINIMIZE, StudyDirection.MINIMIZE])
    trial_id = storage.create_new_trial(study_id)
    storage.set_trial_intermediate_value(trial_id, 0, math.inf)
    storage.set_trial_intermediate_value(trial_id, 1, -math.inf)
    storage.set_trial_intermediate_value(trial_id, 2, math.nan)
    storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [math.inf, -math.inf])
    got = storage.get_trial(trial_id)
    assert got.values == [math.inf, -math.inf]
    assert got.intermediate_values[0] == math.inf
    assert got.intermediate_values[1] == -math.inf
    assert math.isnan(got.intermediate_values[2])


def test_intermediate_values_and_attrs(storage: BaseStorage) -> None:
    study_id = _study(storage)
    trial_id = storage.create_new_trial(study_id)
    storage.set_trial_intermediate_value(trial_id, 0, 1.0)
    storage.set_trial_intermediate_value(trial_id, 5, 0.5)
    storage.set_trial_intermediate_value(trial_id, 5, 0.25)
    storage.set_trial_user_attr(trial_id, "note", {"a": [1, None]})
    storage.set_trial_system_attr(trial_id, "sys", "x")
    storage.set_trial_user_attr(trial_id, "note2", "it's 100% ok; -- really")
    got = storage.get_trial(trial_id)
    assert got.intermediate_values == {0: 1.0, 5: 0.25}
    assert got.user_attrs == {"note": {"a": [1, None]}, "note2": "it's 100% ok; -- really"}
    assert got.system_attrs == {"sys": "x"}
    assert storage.get_trial_user_attrs(trial_id) == got.user_attrs
    assert storage.get_trial_system_attrs(trial_id) == got.system_attrs


@pytest.mark.parametrize("final_state", [TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL])
def test_finished_trials_are_immutable(storage: BaseStorage, final_state: TrialState) -> None:
    study_id = _study(storage)
    trial_id = storage.create_new_trial(study_id)
    storage.set_trial_param(trial_id, "x", 0.5, FloatDistribution(0, 1))
    values = [1.0] if final_state is TrialState.COMPLETE else None
    storage.set_trial_state_values(trial_id, final_state, values)
    writes = [
        lambda: storage.set_trial_param(trial_id, "y", 0.5, FloatDistribution(0, 1)),
        lambda: storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [2.0]),
        lambda: storage.set_trial_state_values(trial_id, TrialState.RUNNING),
        lambda: storage.set_trial_intermediate_value(trial_id, 0, 1.0),
        lambda: storage.set_trial_user_attr(trial_id, "k", 1),
        lambda: storage.set_trial_system_attr(trial_id, "k", 1),
    ]
    for write in writes:
        with pytest.raises(UpdateFinishedTrialError):
            write()
    got = storage.get_trial(trial_id)
    assert got.state is final_state
    assert got.values == values
    assert got.params == {"x": 0.5}


def test_waiting_trial_claim_sets_start_time(storage: BaseStorage) -> None:
    study_id = _study(storage)
    trial_id = storage.create_new_trial(study_id, create_trial(state=TrialState.WAITING))
    assert storage.set_trial_state_values(trial_id, TrialState.RUNNING) is True
    got = storage.get_trial(trial_id)
    assert got.state is TrialState.RUNNING
    assert got.datetime_start is not None
    assert storage.set_trial_state_values(trial_id, TrialState.RUNNING) is False


def test_get_all_trials_filters_and_copies(storage: BaseStorage) -> None:
    study_id = _study(storage)
    complete = storage.create_new_trial(study_id)
    storage.set_trial_state_values(complete, TrialState.COMPLETE, [1.0])
    running = storage.create_new_trial(study_id)
    waiting = storage.create_new_trial(study_id, create_trial(state=TrialState.WAITING))
    pruned = storage.create_new_trial(study_id)
    storage.set_trial_state_values(pruned, TrialState.PRUNED)

    def ids(states: Any) -> list[int]:
        return [t._trial_id for t in storage.get_all_trials(study_id, states=states)]

    assert ids(None) == [complete, running, waiting, pruned]
    assert ids((TrialState.COMPLETE,)) == [complete]
    assert ids((TrialState.WAITING,)) == [waiting]
    assert ids((TrialState.RUNNING, TrialState.PRUNED)) == [running, pruned]
    assert ids(()) == []
    assert storage.get_n_trials(study_id) == 4
    assert storage.get_n_trials(study_id, TrialState.COMPLETE) == 1
    assert storage.get_n_trials(study_id, (TrialState.COMPLETE, TrialState.RUNNING)) == 2

    copies = storage.get_all_trials(study_id, deepcopy=True)
    copies[0].user_attrs["mutated"] = True
    copies[0].values = [99.0]
    fresh = storage.get_trial(complete)
    assert "mutated" not in fresh.user_attrs
    assert fresh.values == [1.0]


def test_get_all_trials_sees_updates_of_running_trials(storage: BaseStorage) -> None:
    study_id = _study(storage)
    trial_id = storage.create_new_trial(study_id)
    storage.get_all_trials(study_id, deepcopy=False)
    storage.set_trial_param(trial_id, "x", 0.5, FloatDistribution(0, 1))
    storage.set_trial_intermediate_value(trial_id, 3, 0.75)
    (got,) = storage.get_all_trials(study_id, deepcopy=False)
    assert got.params == {"x": 0.5}
    assert got.intermediate_values == {3: 0.75}
    storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [0.5])
    (got,) = storage.get_all_trials(study_id, deepcopy=False)
    assert got.state is TrialState.COMPLETE and got.values == [0.5]


@pytest.mark.parametrize("direction", [StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE])
def test_best_trial(storage: BaseStorage, direction: StudyDirection) -> None:
    study_id = _study(storage, [direction])
    with pytest.raises(ValueError):
        storage.get_best_trial(study_id)
    for value in (3.0, 1.0, 2.0):
        trial_id = storage.create_new_trial(study_id)
        storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [value])
    storage.create_new_trial(study_id)  # running trials never count
    best = storage.get_best_trial(study_id)
    assert best.values == ([1.0] if direction is StudyDirection.MINIMIZE else [3.0])


def test_best_trial_of_multi_objective_study_raises(storage: BaseStorage) -> None:
    study_id = _study(storage, [StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE])
    trial_id = storage.create_new_trial(study_id)
    storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0, 2.0])
    with pytest.raises(RuntimeError):
        storage.get_best_trial(study_id)


def test_returned_trials_are_frozen_trials(storage: BaseStorage) -> None:
    study_id = _study(storage)
    trial_id = storage.create_new_trial(study_id)
    assert isinstance(storage.get_trial(trial_id), FrozenTrial)
    assert all(isinstance(t, FrozenTrial) for t in storage.get_all_trials(study_id))


# --- races ------------------------------------------------------------------------------------


def test_concurrent_trial_creation_gives_unique_dense_numbers(storage: BaseStorage) -> None:
    study_id = _study(storage)
    n_threads, per_thread = 4, 10

    def create(_: int) -> list[int]:
        ids = [storage.create_new_trial(study_id) for _ in range(per_thread)]
        storage.remove_session()
        return ids

    all_ids = [i for ids in _run_threads(n_threads, create) for i in ids]
    assert len(set(all_ids)) == n_threads * per_thread
    numbers = sorted(t.number for t in storage.get_all_trials(study_id))
    assert numbers == list(range(n_threads * per_thread))


def test_concurrent_claims_of_one_waiting_trial_have_one_winner(storage: BaseStorage) -> None:
    study_id = _study(storage)
    for _ in range(3):
        trial_id = storage.create_new_trial(study_id, create_trial(state=TrialState.WAITING))

        def claim(_: int, trial_id: int = trial_id) -> bool:
            won = storage.set_trial_state_values(trial_id, TrialState.RUNNING)
            storage.remove_session()
            return won

        results = _run_threads(4, claim)
        assert results.count(True) == 1
        assert storage.get_trial(trial_id).state is TrialState.RUNNING


def test_a_study_runs_end_to_end(storage: BaseStorage) -> None:
    import hpo

    study = hpo.create_study(
        storage=storage, study_name=_name(), sampler=hpo.samplers.RandomSampler(0)
    )
    study.enqueue_trial({"x": 0.5})
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 0, 2), n_trials=5)
    trials = study.trials
    assert [t.number for t in trials] == list(range(5))
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert trials[0].params["x"] == 0.5
    assert study.best_value == min(t.value for t in trials)
    loaded = hpo.load_study(study_name=study.study_name, storage=storage)
    assert [t.params for t in loaded.trials] == [t.params for t in trials]
