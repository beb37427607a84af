"""Snapshots: the replayed state as JSON (never pickle), with the log position it covers.

A snapshot also keeps the last operation it covers. A reader that restores it re-reads that one
operation from the log and compares: a snapshot that does not belong to this log (the log was
replaced, truncated or rewritten) is discarded and the whole log is replayed instead.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from hpo.distributions import BaseDistribution, distribution_to_json
from hpo.storages.journal._replay import ReplayState, StudyState
from hpo.study._study_direction import StudyDirection
from hpo.trial._frozen import FrozenTrial
from hpo.trial._state import TrialState

FORMAT = "hpo-journal-snapshot"
VERSION = 1

_UTC = datetime.timezone.utc


def _time_to_json(value: datetime.datetime | None) -> float | None:
    if value is None:
        return None
    return value.astimezone(_UTC).timestamp()


def _time_from_json(value: float | None) -> datetime.datetime | None:
    if value is None:
        return None
    return datetime.datetime.fromtimestamp(value)


def dump_snapshot(state: ReplayState, backend_hint: Any = None) -> bytes:
    """Serialize ``state`` (which must have applied at least one operation)."""
    dist_index: dict[int, int] = {}
    dists: list[str] = []

    def index(dist: BaseDistribution) -> int:
        key = id(dist)
        found = dist_index.get(key)
        if found is None:
            found = dist_index[key] = len(dists)
            dists.append(distribution_to_json(dist))
        return found

    trials = []
    for trial_id, t in state.trials.items():
        trials.append(
            [
                trial_id,
                state.trial_study[trial_id],
                t._number,
                int(t.state),
                t._values,
                _time_to_json(t._datetime_start),
                _time_to_json(t.datetime_complete),
                {
                    name: [dist.to_internal_repr(t._params[name]), index(dist)]
                    for name, dist in t._distributions.items()
                },
                t._user_attrs,
                t._system_attrs,
                [[step, v] for step, v in t.intermediate_values.items()],
            ]
        )
    studies = [
        [
            study_id,
            s.name,
            [int(d) for d in s.directions],
            s.user_attrs,
            s.system_attrs,
            s.trial_ids,
            {name: index(dist) for name, dist in s.distributions.items()},
        ]
        for study_id, s in state.studies.items()
    ]
    document = {
        "format": FORMAT,
        "version": VERSION,
        "log_number": state.log_number_read,
        "last_log": state.last_log,
        "backend_hint": backend_hint,
        "next_study_id": state.next_study_id,
        "next_trial_id": state.next_trial_id,
        "distributions": dists,
        "studies": studies,
        "trials": trials,
        "heartbeats": [[k, v] for k, v in state.heartbeats.items()],
    }
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


def load_snapshot(data: bytes, own_prefix: str) -> tuple[ReplayState, Any]:
    """Restore a state (and the backend's position hint) from :func:`dump_snapshot` output.

    Raises:
        ValueError: ``data`` is not a snapshot of this format (it is only ever parsed as JSON).
    """
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"the snapshot is not JSON ({err})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError("the snapshot is not an hpo journal snapshot")
    if document.get("version") != VERSION:
        raise ValueError(f"unknown snapshot version {document.get('version')!r}")
    state = ReplayState(own_prefix)
    try:
        _restore(state, document)
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise ValueError(f"the snapshot is corrupt ({type(err).__name__}: {err})") from None
    return state, document.get("backend_hint")


_FIELDS = (
    "_number",
    "state",
    "_values",
    "_datetime_start",
    "datetime_complete",
    "_params",
    "_distributions",
    "_user_attrs",
    "_system_attrs",
    "intermediate_values",
    "_trial_id",
)


def _trial_factory() -> Any:
    """Build FrozenTrials without re-validating arguments (they come from a validated state).

    Falls back to the constructor if FrozenTrial's attributes are not the expected ones.
    """
    probe = FrozenTrial(0, TrialState.RUNNING, None, None, None, {}, {}, {}, {}, {}, 0)
    if set(probe.__dict__) != set(_FIELDS):

        def build(number, state, values, start, complete, params, dists, user, system, iv, tid):  # type: ignore[no-untyped-def]
            return FrozenTrial(
                number,
                state,
                None,
                start,
                complete,
                params,
                dists,
                user,
                system,
                iv,
                tid,
                values=values,
            )

        return build
    new = FrozenTrial.__new__

    def fast(*fields: Any) -> FrozenTrial:
        trial = new(FrozenTrial)
        trial.__dict__.update(zip(_FIELDS, fields))
        return trial

    return fast


def _restore(state: ReplayState, document: dict[str, Any]) -> None:
    dists = [state._distribution(text) for text in document["distributions"]]
    state.log_number_read = int(document["log_number"])
    state.last_log = document["last_log"]
    state.next_study_id = int(document["next_study_id"])
    state.next_trial_id = int(document["next_trial_id"])
    for study_id, name, directions, user_attrs, system_attrs, trial_ids, known in document[
        "studies"
    ]:
        study = StudyState(name, [StudyDirection(d) for d in directions])
        study.user_attrs = user_attrs
        study.system_attrs = system_attrs
        study.trial_ids = trial_ids
        study.distributions = {n: dists[i] for n, i in known.items()}
        state.studies[study_id] = study
        state.name_to_id[name] = study_id
    waiting = TrialState.WAITING
    by_value = {int(s): s for s in TrialState}
    make = _trial_factory()
    trials, trial_study, studies = state.trials, state.trial_study, state.studies
    for row in document["trials"]:
        trial_id, study_id, number, state_value, values, start, complete = row[:7]
        params, user_attrs, system_attrs, intermediate = row[7:]
        distributions = {}
        external = {}
        for name, (internal, i) in params.items():
            dist = distributions[name] = dists[i]
            external[name] = dist.to_external_repr(internal)
        trial = make(
            number,
            by_value[state_value],
            None if values is None else [float(v) for v in values],
            _time_from_json(start),
            _time_from_json(complete),
            external,
            distributions,
            user_attrs,
            system_attrs,
            {int(step): float(v) for step, v in intermediate},
            trial_id,
        )
        trials[trial_id] = trial
        trial_study[trial_id] = study_id
        if trial.state is waiting:
            studies[study_id].waiting.add(trial_id)
    state.heartbeats = {int(k): float(v) for k, v in document["heartbeats"]}
