"""RedisStorage: studies and trials as Redis keys holding JSON, updated by Lua scripts."""

from __future__ import annotations

import datetime
import json
import os
import threading
import uuid
import weakref
from collections.abc import Container, Sequence
from typing import Any

from hpo import logging
from hpo.distributions import (
    BaseDistribution,
    check_distribution_compatibility,
    distribution_to_json,
    json_to_distribution,
)
from hpo.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from hpo.storages._base import DEFAULT_STUDY_NAME_PREFIX, BaseStorage
from hpo.storages._heartbeat import StaleTrialCallback, check_heartbeat_arguments
from hpo.storages._redis_heartbeat import RedisHeartbeat
from hpo.storages._redis_scripts import (
    SCRIPTS,
    _loads,
    _now,
    _send_pending,
    _update_mirror,
    parse_trial,
)
from hpo.storages.journal._replay import format_time, parse_time
from hpo.study._frozen import FrozenStudy
from hpo.study._study_direction import StudyDirection
from hpo.trial._frozen import FrozenTrial, _new_running_trial
from hpo.trial._state import TrialState

_logger = logging.get_logger(__name__)

_UTC = datetime.timezone.utc


class _StudyCache:
    __slots__ = ("version", "trials")

    def __init__(self) -> None:
        self.version = 0
        self.trials: list[FrozenTrial | None] = []


class RedisStorage(BaseStorage, RedisHeartbeat):
    """A storage in Redis, with every value stored as JSON.

    Trial numbers and the claim of a WAITING trial are atomic (Lua scripts). Nothing read from
    Redis is ever unpickled, so a shared Redis cannot make a worker run code. Each study has a
    change counter: a reader fetches only the trials changed since its last read, in one round
    trip, and keeps finished trials (which never change) in memory.

    Args:
        url: The Redis URL, e.g. ``redis://localhost:6379/0``.
        prefix: The prefix of every key, to keep several storages in one Redis database.
        heartbeat_interval: Seconds between heartbeats of running trials; ``None`` disables them.
        grace_period: Seconds without a heartbeat after which a RUNNING trial is failed; defaults
            to ``2 * heartbeat_interval``. Measured on the Redis server's clock.
        heartbeat_stale_trial_callback: Called once for every trial failed as stale, e.g.
            :class:`~hpo.storages.RetryHeartbeatStaleTrialCallback`.

    Example:
        >>> import hpo
        >>> study = hpo.create_study(storage="redis://localhost:6379/0")  # doctest: +SKIP
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "hpo",
        heartbeat_interval: int | None = None,
        grace_period: int | None = None,
        heartbeat_stale_trial_callback: StaleTrialCallback | None = None,
    ) -> None:
        if not isinstance(prefix, str) or not prefix:
            raise ValueError(f"`prefix` must be a non-empty string, but got {prefix!r}.")
        check_heartbeat_arguments(heartbeat_interval, grace_period)
        self._url = url
        self._prefix = prefix
        self.heartbeat_interval = heartbeat_interval
        self.grace_period = grace_period
        self.heartbeat_stale_trial_callback = heartbeat_stale_trial_callback
        self._connect()

    def _connect(self) -> None:
        import redis

        # Undecodable bytes (never written by hpo) become U+FFFD and then fail as "not JSON".
        self._redis = redis.Redis.from_url(
            self._url, decode_responses=True, encoding_errors="replace"
        )
        self._shas = {name: self._redis.script_load(body) for name, body in SCRIPTS.items()}
        self._caches: dict[int, _StudyCache] = {}
        self._dists: dict[str, BaseDistribution] = {}
        self._lock = threading.Lock()
        self._send_lock = threading.RLock()
        self._pid = os.getpid()
        # Writes to trials this process runs, sent with the next command (one round trip).
        self._pending: list[tuple[Any, ...]] = []
        # RUNNING trials created here -> study id, and their state as this process wrote it: a
        # running trial is updated by the one process that runs it, so reads need no round trip.
        self._owned: dict[int, int] = {}
        self._mirror: dict[int, FrozenTrial] = {}
        self._study_dists: dict[int, dict[str, BaseDistribution]] = {}
        weakref.finalize(self, _send_pending, self._redis, self._shas, self._prefix, self._pending)

    def __getstate__(self) -> dict[str, Any]:
        self._flush()
        names = ("_url", "_prefix", "heartbeat_interval", "grace_period")
        return {k: self.__dict__[k] for k in (*names, "heartbeat_stale_trial_callback")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._connect()

    def _run(self, script: str, *args: Any) -> Any:
        """Run a Lua script, after the buffered writes, in one round trip."""
        return self._exchange(None, script, *args)

    def _command(self, name: str, *args: Any) -> Any:
        """Run a Redis command, after the buffered writes, in one round trip."""
        return self._exchange(name, None, *args)

    def _exchange(self, command: str | None, script: str | None, *args: Any) -> Any:
        """Send the buffered writes, then ``command`` (or ``script``); return its reply."""
        if self._pid != os.getpid():  # forked: the parent's buffered writes are the parent's
            self._pid = os.getpid()
            self._pending.clear()
            self._owned.clear()
            self._mirror.clear()
            self._lock = threading.Lock()
            self._send_lock = threading.RLock()
        # One exchange at a time: a write taken from the buffer here must reach Redis before any
        # later command of the thread that buffered it.
        with self._send_lock:
            return self._send(command, script, *args)

    def _send(self, command: str | None, script: str | None, *args: Any) -> Any:
        import redis

        with self._lock:
            pending = list(self._pending)
            self._pending.clear()
        for attempt in range(2):
            if script is not None:
                call: tuple[Any, ...] = ("EVALSHA", self._shas[script], 0, self._prefix, *args)
            else:
                call = (command, *args)
            try:
                if not pending:
                    return self._redis.execute_command(*call)
                with self._redis.pipeline(transaction=False) as pipe:
                    for item in pending:
                        pipe.execute_command(
                            "EVALSHA", self._shas["set_field"], 0, self._prefix, *item
                        )
                    pipe.execute_command(*call)
                    replies = pipe.execute(raise_on_error=False)
                if any(isinstance(r, redis.exceptions.NoScriptError) for r in replies):
                    raise redis.exceptions.NoScriptError("the server has lost hpo's scripts")
                break
            except redis.exceptions.NoScriptError:
                if attempt:
                    raise
                # The server lost its scripts (restart, SCRIPT FLUSH), so none ran: load, retry.
                self._shas = {n: self._redis.script_load(b) for n, b in SCRIPTS.items()}
        self._settle(pending, replies[:-1])
        if isinstance(replies[-1], Exception):
            raise replies[-1]
        return replies[-1]

    def _settle(self, pending: list[tuple[Any, ...]], replies: list[Any]) -> None:
        """Report buffered writes that a concurrent update made impossible."""
        for args, reply in zip(pending, replies):
            if isinstance(reply, Exception):
                raise reply
            if reply[0] == -3:  # another process registered this parameter first
                try:
                    check_distribution_compatibility(
                        self._distribution(reply[1]), self._distribution(args[4])
                    )
                except ValueError as err:
                    _logger.warning(f"Parameter {args[3]!r} of trial {args[0]} dropped: {err}")
                    continue
                self._run("set_field", *args[:5], "1")
            elif reply[0] < 0:
                _logger.warning(
                    f"A buffered write to trial {args[0]} was rejected: the trial was finished "
                    "or deleted by another process."
                )

    def _flush(self) -> None:
        if self._pending:
            self._command("PING")

    def remove_session(self) -> None:
        self._flush()

    def _key(self, *parts: Any) -> str:
        return ":".join([self._prefix, *map(str, parts)])

    # --- studies ------------------------------------------------------------------------------

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        if study_name is None:
            study_name = DEFAULT_STUDY_NAME_PREFIX + str(uuid.uuid4())
        study_id = self._run("create_study", study_name, json.dumps([int(d) for d in directions]))
        if study_id < 0:
            raise DuplicatedStudyError(
                f"A study named {study_name!r} already exists. Pass load_if_exists=True to load "
                "it, or choose another name."
            )
        return int(study_id)

    def delete_study(self, study_id: int) -> None:
        if not self._run("delete_study", study_id):
            raise KeyError(f"No study with id {study_id}.")
        self._caches.pop(study_id, None)
        self._study_dists.pop(study_id, None)
        for trial_id in [t for t, s in self._owned.items() if s == study_id]:
            del self._owned[trial_id]
            self._mirror.pop(trial_id, None)

    def _study_hash(self, study_id: int) -> dict[str, str]:
        found = self._command("HGETALL", self._key("study", study_id))
        if not found:
            raise KeyError(f"No study with id {study_id}.")
        return found

    def _set_study_attr(self, study_id: int, kind: str, key: str, value: Any) -> None:
        self._study_hash(study_id)
        self._command("HSET", self._key("study", study_id, kind), key, json.dumps(value))

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self._set_study_attr(study_id, "user_attrs", key, value)

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self._set_study_attr(study_id, "system_attrs", key, value)

    def get_study_id_from_name(self, study_name: str) -> int:
        found = self._command("HGET", self._key("study_names"), study_name)
        if found is None:
            raise KeyError(f"No study named {study_name!r}.")
        return int(found)

    def get_study_name_from_id(self, study_id: int) -> str:
        return self._study_hash(study_id)["name"]

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        raw = self._study_hash(study_id)["directions"]
        return [StudyDirection(d) for d in _loads(raw, f"study {study_id}'s directions")]

    def _attrs(self, study_id: int, kind: str) -> dict[str, Any]:
        self._flush()
        with self._redis.pipeline() as pipe:
            pipe.exists(self._key("study", study_id))
            pipe.hgetall(self._key("study", study_id, kind))
            exists, raw = pipe.execute()
        if not exists:
            raise KeyError(f"No study with id {study_id}.")
        return {k: _loads(v, f"study {study_id}'s {kind}[{k!r}]") for k, v in raw.items()}

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        return self._attrs(study_id, "user_attrs")

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        return self._attrs(study_id, "system_attrs")

    def get_all_studies(self) -> list[FrozenStudy]:
        ids = [int(i) for i in self._command("ZRANGE", self._key("study_ids"), 0, -1)]
        with self._redis.pipeline(transaction=False) as pipe:
            for study_id in ids:
                pipe.hgetall(self._key("study", study_id))
                pipe.hgetall(self._key("study", study_id, "user_attrs"))
                pipe.hgetall(self._key("study", study_id, "system_attrs"))
            raw = pipe.execute()
        studies = []
        for i, study_id in enumerate(ids):
            head, user, system = raw[3 * i : 3 * i + 3]
            if not head:
                continue  # deleted meanwhile
            studies.append(
                FrozenStudy(
                    study_name=head["name"],
                    direction=None,
                    directions=[StudyDirection(d) for d in _loads(head["directions"], "study")],
                    user_attrs={k: _loads(v, "study user attr") for k, v in user.items()},
                    system_attrs={k: _loads(v, "study system attr") for k, v in system.items()},
                    study_id=study_id,
                )
            )
        return studies

    # --- trials: writes -----------------------------------------------------------------------

    def _known_distributions(self, study_id: int) -> dict[str, BaseDistribution]:
        raw = self._command("HGETALL", self._key("study", study_id, "dists"))
        return {name: self._distribution(text) for name, text in raw.items()}

    def _distribution(self, text: str) -> BaseDistribution:
        dist = self._dists.get(text)
        if dist is None:
            _loads(text, "a distribution")
            dist = self._dists[text] = json_to_distribution(text)
        return dist

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        fields: list[Any] = []
        dists = ""
        start = _now()
        if template_trial is None:
            fields += ["state", int(TrialState.RUNNING), "start", json.dumps(start)]
        else:
            t = template_trial
            known = self._known_distributions(study_id)
            for name, dist in t.distributions.items():
                if name in known and known[name] != dist:
                    check_distribution_compatibility(known[name], dist)
                text = distribution_to_json(dist)
                dists += f"{name}\n{text}\n"
                internal = dist.to_internal_repr(t.params[name])
                fields += ["p:" + name, json.dumps([internal, text])]
            fields += ["state", int(t.state)]
            if t.values is not None:
                fields += ["values", json.dumps([float(v) for v in t.values])]
            if t.datetime_start is not None:
                fields += ["start", json.dumps(format_time(t.datetime_start))]
            if t.datetime_complete is not None:
                fields += ["complete", json.dumps(format_time(t.datetime_complete))]
            for prefix, attrs in (("u:", t.user_attrs), ("s:", t.system_attrs)):
                fields += [x for k, v in attrs.items() for x in (prefix + k, json.dumps(v))]
            fields += [
                x for s, v in t.intermediate_values.items() for x in (f"i:{s}", json.dumps(v))
            ]
        trial_id, number = self._run("create_trial", study_id, dists, *fields)
        if trial_id < 0:
            raise KeyError(f"No study with id {study_id}.")
        if template_trial is None:
            self._owned[trial_id] = study_id
            self._mirror[trial_id] = _new_running_trial(int(number), trial_id, parse_time(start))
        return trial_id

    def _set_field(self, trial_id: int, field: str, value: Any, *param: Any) -> None:
        """Write one field of a trial; ``param`` is ``(name, distribution)`` for a parameter.

        Without heartbeats, writes to a RUNNING trial created by this storage are buffered (see
        :meth:`_exchange`). Others go out at once, so unknown and finished trials raise here; with
        heartbeats on, so do all writes, so that a killed worker's trial is retried as it was.
        """
        study_id = self._owned.get(trial_id)
        args: tuple[Any, ...] = (trial_id, field, json.dumps(value))
        if param:
            name, dist = param
            args += (name, distribution_to_json(dist))
            if study_id is not None:
                self._register(study_id, name, dist)
        if study_id is not None and self.heartbeat_interval is None:
            with self._lock:
                self._pending.append(args)
        else:
            result = self._run("set_field", *args)
            if result[0] == -3:
                check_distribution_compatibility(self._distribution(result[1]), param[1])
                result = self._run("set_field", *args, "1")
            self._check(result[0], trial_id)
        mirror = self._mirror.get(trial_id)
        if mirror is not None:
            _update_mirror(mirror, field, value, param)

    def _register(self, study_id: int, name: str, dist: BaseDistribution) -> None:
        """Check ``dist`` against the study's first distribution of ``name`` (ValueError)."""
        known_all = self._study_dists.get(study_id)
        known = None if known_all is None else known_all.get(name)
        if known is None:
            known_all = self._study_dists[study_id] = self._known_distributions(study_id)
            known = known_all.get(name)
        if known is None:
            known_all[name] = dist
        elif known != dist:
            check_distribution_compatibility(known, dist)

    def _check(self, code: int, trial_id: int) -> None:
        if code == -1:
            raise KeyError(f"No trial with id {trial_id}.")
        if code == -2:
            trial = self.get_trial(trial_id)
            raise UpdateFinishedTrialError(
                f"Trial#{trial.number} has already finished with state {trial.state.name} and "
                "can not be updated."
            )

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        value = [param_value_internal, distribution_to_json(distribution)]
        self._set_field(trial_id, "p:" + param_name, value, param_name, distribution)

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        if trial_number >= 0:
            found = self._command("LINDEX", self._key("study", study_id, "trials"), trial_number)
            if found is not None:
                return int(found)
        self._study_hash(study_id)
        raise KeyError(f"No trial number {trial_number} in study {study_id}.")

    def get_trial_number_from_id(self, trial_id: int) -> int:
        found = self._command("HGET", self._key("trial", trial_id), "number")
        if found is None:
            raise KeyError(f"No trial with id {trial_id}.")
        return int(found)

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        encoded = "" if values is None else json.dumps([float(v) for v in values])
        field = "start" if state is TrialState.RUNNING else ""
        field = "complete" if state.is_finished() else field
        result = self._run("set_state", trial_id, int(state), encoded, field, json.dumps(_now()))
        if state.is_finished() or result < 0:
            self._owned.pop(trial_id, None)
            self._mirror.pop(trial_id, None)
        self._check(result, trial_id)
        return result == 1

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        self._set_field(trial_id, f"i:{int(step)}", float(intermediate_value))

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._set_field(trial_id, "u:" + key, value)

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._set_field(trial_id, "s:" + key, value)

    # --- trials: reads ------------------------------------------------------------------------

    def _parse_trial(self, trial_id: int, raw: dict[str, str]) -> FrozenTrial:
        where = f"Redis key {self._key('trial', trial_id)}"
        return parse_trial(trial_id, raw, where, self._distribution)

    def get_trial(self, trial_id: int) -> FrozenTrial:
        mirror = self._mirror.get(trial_id)
        if mirror is not None:
            return mirror._copy()
        raw = self._command("HGETALL", self._key("trial", trial_id))
        if not raw:
            raise KeyError(f"No trial with id {trial_id}.")
        return self._parse_trial(trial_id, raw)

    def _sync(self, study_id: int) -> list[FrozenTrial | None]:
        cache = self._caches.get(study_id)
        if cache is None:
            cache = self._caches[study_id] = _StudyCache()
        reply = self._run("read_changes", study_id, cache.version)
        if reply[0] == -1:
            self._caches.pop(study_id, None)
            raise KeyError(f"No study with id {study_id}.")
        trials = cache.trials
        for i in range(1, len(reply), 2):
            flat = reply[i + 1]
            if not flat:
                continue
            trial = self._parse_trial(int(reply[i]), dict(zip(flat[::2], flat[1::2])))
            number = trial._number
            if number >= len(trials):
                trials.extend([None] * (number + 1 - len(trials)))
            trials[number] = trial
        cache.version = reply[0]
        return trials

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        trials = [t for t in self._sync(study_id) if t is not None]
        if states is not None:
            trials = [t for t in trials if t.state in states]
        if deepcopy:
            return [t._copy() for t in trials]
        return trials
