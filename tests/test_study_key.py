from __future__ import annotations

import gc

import hpo
from hpo._study_key import storage_token, study_key


def test_same_study_same_key() -> None:
    study = hpo.create_study()
    again = hpo.load_study(study_name=study.study_name, storage=study._storage)
    assert study_key(study) == study_key(again)


def test_freed_storage_token_is_never_reused() -> None:
    # id() of a freed object is routinely handed to the next one; tokens must not be.
    seen = set()
    for _ in range(50):
        study = hpo.create_study()
        key = study_key(study)
        assert key not in seen
        seen.add(key)
        del study
        gc.collect()


def test_unhashable_storage_still_gets_a_stable_token() -> None:
    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

    obj = Unhashable()
    assert storage_token(obj) == storage_token(obj)
    assert storage_token(obj) != storage_token(Unhashable())
