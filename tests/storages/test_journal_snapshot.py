"""Snapshots: state from snapshot + tail equals state from a full replay (property test)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpo.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from hpo.exceptions import UpdateFinishedTrialError
from hpo.storages.journal import (
    BaseJournalBackend,
    BaseJournalSnapshot,
    JournalFileBackend,
    JournalStorage,
)
from hpo.storages.journal._replay import ReplayState
from hpo.study import StudyDirection
from hpo.trial import TrialState, create_trial


class ListBackend(BaseJournalBackend, BaseJournalSnapshot):
    """A journal in a Python list (JSON round-tripped like a real backend)."""

    def __init__(self) -> None:
        import json

        self._json = json
        self.lines: list[str] = []
        self.snapshot: bytes | None = None
        self.snapshots_saved = 0

    def read_logs(self, log_number_from: int) -> list[dict[str, Any]]:
        return [self._json.loads(line) for line in self.lines[log_number_from:]]

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        self.lines.extend(self._json.dumps(log) for log in logs)

    def save_snapshot(self, snapshot: bytes) -> None:
        self.snapshot = snapshot
        self.snapshots_saved += 1

    def load_snapshot(self) -> bytes | None:
        return self.snapshot


DISTRIBUTIONS = [
    FloatDistribution(0, 1),
    FloatDistribution(1e-3, 1, log=True),
    IntDistribution(0, 10, step=2),
    CategoricalDistribution(["a", None, 1.5]),
]

_index = st.integers(0, 6)
_json_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("study"), st.integers(1, 2)),
        st.tuples(st.just("trial"), _index),
        st.tuples(st.just("waiting"), _index),
        st.tuples(st.just("complete_template"), _index, st.floats(-1e3, 1e3)),
        st.tuples(st.just("param"), _index, st.integers(0, 3), st.floats(0, 1)),
        st.tuples(st.just("claim"), _index),
        st.tuples(
            st.just("finish"),
            _index,
            st.sampled_from([TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL]),
            st.floats(allow_nan=False),
        ),
        st.tuples(
            st.just("attr"), _index, st.sampled_from(["u", "s"]), st.text(max_size=3), _json_value
        ),
        st.tuples(st.just("inter"), _index, st.integers(0, 3), st.floats(allow_nan=True)),
        st.tuples(st.just("study_attr"), _index, st.text(max_size=3), _json_value),
        st.tuples(st.just("delete"), _index),
    ),
    max_size=40,
)


def _pick(ids: list[int], i: int) -> int:
    return ids[i % len(ids)] if ids else 10**6


def _run(storage: JournalStorage, operations: list[tuple[Any, ...]]) -> None:
    studies: list[int] = [storage.create_new_study([StudyDirection.MINIMIZE], "first")]
    trials: list[int] = []
    for n, op in enumerate(operations):
        kind, index = op[0], op[1]
        try:
            if kind == "study":
                directions = [StudyDirection.MINIMIZE] * index
                studies.append(storage.create_new_study(directions, f"s{n}"))
            elif kind == "trial":
                trials.append(storage.create_new_trial(_pick(studies, index)))
            elif kind == "waiting":
                template = create_trial(state=TrialState.WAITING, system_attrs={"q": n})
                trials.append(storage.create_new_trial(_pick(studies, index), template))
            elif kind == "complete_template":
                template = create_trial(
                    value=op[2], params={"x": 0.5}, distributions={"x": DISTRIBUTIONS[0]}
                )
                trials.append(storage.create_new_trial(_pick(studies, index), template))
            elif kind == "param":
                dist = DISTRIBUTIONS[op[2]]
                internal = dist.to_internal_repr(
                    {0: op[3], 1: max(op[3], 1e-3), 2: 4, 3: None}[op[2]]
                )
                storage.set_trial_param(_pick(trials, index), f"p{op[2]}", internal, dist)
            elif kind == "claim":
                storage.set_trial_state_values(_pick(trials, index), TrialState.RUNNING)
            elif kind == "finish":
                state, value = op[2], op[3]
                directions = 1
                values = [value] * directions if state is TrialState.COMPLETE else None
                storage.set_trial_state_values(_pick(trials, index), state, values)
            elif kind == "attr":
                setter = (
                    storage.set_trial_user_attr if op[2] == "u" else storage.set_trial_system_attr
                )
                setter(_pick(trials, index), op[3], op[4])
            elif kind == "inter":
                storage.set_trial_intermediate_value(_pick(trials, index), op[2], op[3])
            elif kind == "study_attr":
                storage.set_study_user_attr(_pick(studies, index), op[2], op[3])
            elif kind == "delete":
                storage.delete_study(_pick(studies, index))
        except (KeyError, UpdateFinishedTrialError, ValueError):
            pass
    storage.remove_session()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _as_data(state: ReplayState) -> dict[str, Any]:
    return {
        "log_number_read": state.log_number_read,
        "next": (state.next_study_id, state.next_trial_id),
        "names": state.name_to_id,
        "studies": {
            i: (
                s.name,
                s.directions,
                s.user_attrs,
                s.system_attrs,
                s.trial_ids,
                {k: repr(d) for k, d in s.distributions.items()},
                sorted(s.waiting),
            )
            for i, s in state.studies.items()
        },
        "trials": {
            i: {k: (repr(v) if k == "_distributions" else v) for k, v in t.__dict__.items()}
            for i, t in state.trials.items()
        },
        "trial_study": state.trial_study,
        "heartbeats": state.heartbeats,
    }


def _full_replay(backend: BaseJournalBackend) -> ReplayState:
    state = ReplayState()
    for log in backend.read_logs(0):
        state.apply(log)
    return state


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=OPERATIONS, interval=st.integers(1, 8))
def test_snapshot_plus_tail_equals_full_replay(
    operations: list[tuple[Any, ...]], interval: int
) -> None:
    backend = ListBackend()
    _run(JournalStorage(backend, snapshot_interval=interval), operations)
    reopened = JournalStorage(backend, snapshot_interval=10**9)
    reopened.get_all_studies()
    if backend.snapshot is not None:
        assert reopened._last_snapshot > 0  # it started from the snapshot
    assert _same(_as_data(reopened._state), _as_data(_full_replay(backend)))


def test_file_snapshot_is_used_and_a_stale_one_is_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "journal.log"
    storage = JournalStorage(JournalFileBackend(str(path)), snapshot_interval=5)
    _run(
        storage, [("trial", 0), ("param", 0, 0, 0.5), ("finish", 0, TrialState.COMPLETE, 1.0)] * 4
    )
    assert (tmp_path / "journal.log.hpo-snapshot").exists()
    reopened = JournalStorage(JournalFileBackend(str(path)))
    assert reopened._last_snapshot > 0
    assert _same(_as_data(reopened._state), _as_data(_full_replay(JournalFileBackend(str(path)))))

    # A snapshot of another log (here: the log was replaced) is detected and ignored.
    path.write_bytes(path.read_bytes().splitlines(keepends=True)[0])
    caplog.set_level("WARNING")
    fresh = JournalStorage(JournalFileBackend(str(path)))
    assert "does not match the log" in caplog.text
    assert fresh.get_all_trials(0) == []


def test_opening_a_long_log_saves_a_snapshot(tmp_path: Path) -> None:
    backend = ListBackend()
    _run(JournalStorage(backend, snapshot_interval=10**9), [("trial", 0)] * 30)
    assert backend.snapshot is None
    JournalStorage(backend, snapshot_interval=10)  # replays 31 operations: saves one
    assert backend.snapshot is not None
    reopened = JournalStorage(backend, snapshot_interval=10)
    assert reopened._last_snapshot == 31
