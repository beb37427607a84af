"""Module-level study functions: create, load, delete, copy, summaries, names."""

from __future__ import annotations

import datetime

import pytest

import hpo
from hpo.exceptions import DuplicatedStudyError
from hpo.storages import InMemoryStorage
from hpo.study import StudyDirection, StudySummary


@pytest.fixture
def storage() -> InMemoryStorage:
    return InMemoryStorage()


# --- create_study ---------------------------------------------------------------------------


def test_create_study_defaults() -> None:
    study = hpo.create_study()
    assert isinstance(study, hpo.Study)
    assert study.direction is StudyDirection.MINIMIZE
    assert study.study_name.startswith("no-name-")
    assert isinstance(study._storage, InMemoryStorage)
    assert isinstance(study.sampler, hpo.samplers.BaseSampler)
    assert isinstance(study.pruner, hpo.pruners.BasePruner)


def test_create_study_directions() -> None:
    assert hpo.create_study(direction="maximize").direction is StudyDirection.MAXIMIZE
    assert hpo.create_study(direction=StudyDirection.MAXIMIZE).direction is StudyDirection.MAXIMIZE
    study = hpo.create_study(directions=["maximize", StudyDirection.MINIMIZE])
    assert study.directions == [StudyDirection.MAXIMIZE, StudyDirection.MINIMIZE]
    assert study._is_multi_objective()


def test_create_study_direction_and_directions() -> None:
    with pytest.raises(ValueError, match="only one of `direction` and `directions`"):
        hpo.create_study(direction="minimize", directions=["minimize"])


@pytest.mark.parametrize(
    "kwargs, bad",
    [
        (dict(direction="min"), "'min'"),
        (dict(directions=["minimize", "up"]), "'up'"),
        (dict(direction=StudyDirection.NOT_SET), "0"),
    ],
)
def test_create_study_unknown_direction_names_it(kwargs, bad: str) -> None:
    with pytest.raises(ValueError, match=rf"{bad}.*'minimize', 'maximize'"):
        hpo.create_study(**kwargs)


def test_create_study_empty_directions() -> None:
    with pytest.raises(ValueError, match="at least one"):
        hpo.create_study(directions=[])


def test_create_study_duplicate_name_suggests_load_if_exists(storage: InMemoryStorage) -> None:
    hpo.create_study(study_name="s", storage=storage)
    with pytest.raises(DuplicatedStudyError, match=r"'s'.*load_if_exists=True"):
        hpo.create_study(study_name="s", storage=storage)


def test_create_study_load_if_exists(storage: InMemoryStorage) -> None:
    first = hpo.create_study(study_name="s", storage=storage)
    first.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    again = hpo.create_study(study_name="s", storage=storage, load_if_exists=True)
    assert again._study_id == first._study_id
    assert len(again.trials) == 2


def test_create_study_unknown_storage_url() -> None:
    with pytest.raises(ValueError, match="'foo'"):
        hpo.create_study(storage="foo://bar")


def test_create_study_with_sampler_and_pruner() -> None:
    sampler = hpo.samplers.RandomSampler(seed=1)
    pruner = hpo.pruners.NopPruner()
    study = hpo.create_study(sampler=sampler, pruner=pruner)
    assert study.sampler is sampler and study.pruner is pruner


# --- load_study -----------------------------------------------------------------------------


def test_load_study(storage: InMemoryStorage) -> None:
    created = hpo.create_study(study_name="s", storage=storage, direction="maximize")
    created.set_user_attr("k", "v")
    loaded = hpo.load_study(study_name="s", storage=storage)
    assert loaded.study_name == "s"
    assert loaded.direction is StudyDirection.MAXIMIZE
    assert loaded.user_attrs == {"k": "v"}


def test_load_unknown_study_lists_existing_names(storage: InMemoryStorage) -> None:
    hpo.create_study(study_name="alpha", storage=storage)
    hpo.create_study(study_name="beta", storage=storage)
    with pytest.raises(KeyError, match=r"'gamma'.*'alpha', 'beta'"):
        hpo.load_study(study_name="gamma", storage=storage)


def test_load_study_name_none(storage: InMemoryStorage) -> None:
    hpo.create_study(study_name="only", storage=storage)
    assert hpo.load_study(study_name=None, storage=storage).study_name == "only"
    hpo.create_study(study_name="second", storage=storage)
    with pytest.raises(ValueError, match=r"2.*'only', 'second'"):
        hpo.load_study(study_name=None, storage=storage)


# --- delete_study ---------------------------------------------------------------------------


def test_delete_study(storage: InMemoryStorage) -> None:
    study = hpo.create_study(study_name="s", storage=storage)
    study.optimize(lambda t: 1.0, n_trials=2)
    old_ids = {t._trial_id for t in study.trials}
    hpo.delete_study(study_name="s", storage=storage)
    assert hpo.get_all_study_names(storage) == []
    with pytest.raises(KeyError):
        hpo.load_study(study_name="s", storage=storage)
    # The name can be reused; trial ids of the deleted study are not.
    again = hpo.create_study(study_name="s", storage=storage)
    assert len(again.trials) == 0
    again.optimize(lambda t: 1.0, n_trials=3)
    assert not old_ids & {t._trial_id for t in again.trials}


def test_delete_unknown_study(storage: InMemoryStorage) -> None:
    with pytest.raises(KeyError, match="'nope'"):
        hpo.delete_study(study_name="nope", storage=storage)


# --- copy_study -----------------------------------------------------------------------------


def _populated(storage: InMemoryStorage, name: str = "src") -> hpo.Study:
    study = hpo.create_study(study_name=name, storage=storage, directions=["minimize", "maximize"])
    study.set_user_attr("owner", "me")

    def objective(trial):
        trial.set_user_attr("n", trial.number)
        x = trial.suggest_float("x", 0, 1)
        return x, 1 - x

    study.optimize(objective, n_trials=3)
    study.enqueue_trial({"x": 0.5})
    return study


def test_copy_study_to_other_storage(storage: InMemoryStorage) -> None:
    src = _populated(storage)
    dst_storage = InMemoryStorage()
    hpo.copy_study(from_study_name="src", from_storage=storage, to_storage=dst_storage)
    dst = hpo.load_study(study_name="src", storage=dst_storage)
    assert dst.directions == src.directions
    assert dst.user_attrs == {"owner": "me"}
    assert [(t.number, t.state, t.values, t.params, t.user_attrs) for t in dst.trials] == [
        (t.number, t.state, t.values, t.params, t.user_attrs) for t in src.trials
    ]


def test_copy_study_to_new_name_in_same_storage(storage: InMemoryStorage) -> None:
    _populated(storage)
    hpo.copy_study(
        from_study_name="src", from_storage=storage, to_storage=storage, to_study_name="dst"
    )
    assert sorted(hpo.get_all_study_names(storage)) == ["dst", "src"]
    assert len(hpo.load_study(study_name="dst", storage=storage).trials) == 4


def test_copy_study_onto_existing_name(storage: InMemoryStorage) -> None:
    _populated(storage)
    with pytest.raises(DuplicatedStudyError):
        hpo.copy_study(from_study_name="src", from_storage=storage, to_storage=storage)


# --- summaries and names --------------------------------------------------------------------


def test_get_all_study_summaries(storage: InMemoryStorage) -> None:
    single = hpo.create_study(study_name="single", storage=storage, direction="maximize")
    single.set_user_attr("k", 1)
    single.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    _populated(storage, "multi")
    hpo.create_study(study_name="empty", storage=storage)

    summaries = {s.study_name: s for s in hpo.get_all_study_summaries(storage)}
    assert set(summaries) == {"single", "multi", "empty"}
    s = summaries["single"]
    assert isinstance(s, StudySummary)
    assert s.n_trials == 3
    assert s.direction is StudyDirection.MAXIMIZE
    assert s.best_trial is not None and s.best_trial.value == single.best_value
    assert s.user_attrs == {"k": 1}
    assert isinstance(s.datetime_start, datetime.datetime)
    m = summaries["multi"]
    assert m.best_trial is None
    assert list(m.directions) == [StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE]
    with pytest.raises(RuntimeError):
        _ = m.direction
    e = summaries["empty"]
    assert (e.n_trials, e.best_trial, e.datetime_start) == (0, None, None)


def test_get_all_study_summaries_without_best_trial(storage: InMemoryStorage) -> None:
    hpo.create_study(study_name="s", storage=storage).optimize(lambda t: 1.0, n_trials=1)
    (summary,) = hpo.get_all_study_summaries(storage, include_best_trial=False)
    assert summary.best_trial is None and summary.n_trials == 1


def test_get_all_study_names(storage: InMemoryStorage) -> None:
    assert hpo.get_all_study_names(storage) == []
    for name in ("b", "a", "c"):
        hpo.create_study(study_name=name, storage=storage)
    assert hpo.get_all_study_names(storage) == ["b", "a", "c"]
