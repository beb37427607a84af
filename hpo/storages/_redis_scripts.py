"""RedisStorage's Lua scripts (every change is one atomic script run) and small helpers."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

from hpo.storages.journal._replay import parse_time
from hpo.trial._frozen import FrozenTrial
from hpo.trial._state import TrialState

_UTC = datetime.timezone.utc


class _CorruptData(ValueError):
    pass


def _loads(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise _CorruptData(
            f"{where} holds {text[:60]!r}, which is not JSON. RedisStorage stores only JSON and "
            "never unpickles; this value was written by another program."
        ) from None


# Every script gets the key prefix as ARGV[1]. Trial hashes hold "study_id", "number", "state",
# "values", "start", "complete", and one field per parameter ("p:" name -> [internal, dist]),
# attribute ("u:"/"s:" key -> value) and intermediate value ("i:" step -> value), all JSON.
# Every change of a trial bumps its study's counter and records the trial in "<study>:changes"
# with that counter as score, so a reader fetches exactly the trials changed since its last read.
_COMMON = """
local p = ARGV[1]
local function bump(sid, tid)
    local v = redis.call('incr', p .. ':study:' .. sid .. ':version')
    redis.call('zadd', p .. ':study:' .. sid .. ':changes', v, tid)
end
local function updatable(tid)
    local st = redis.call('hmget', p .. ':trial:' .. tid, 'state', 'study_id')
    if not st[1] then return nil, -1 end
    if st[1] ~= '0' and st[1] ~= '4' then return nil, -2 end
    return st, 0
end
"""
_CREATE_STUDY = """
if redis.call('hexists', p .. ':study_names', ARGV[2]) == 1 then return -1 end
local sid = redis.call('incr', p .. ':study_counter') - 1
redis.call('hset', p .. ':study_names', ARGV[2], sid)
redis.call('zadd', p .. ':study_ids', sid, sid)
redis.call('hset', p .. ':study:' .. sid, 'name', ARGV[2], 'directions', ARGV[3])
return sid
"""
_DELETE_STUDY = """
local key = p .. ':study:' .. ARGV[2]
local name = redis.call('hget', key, 'name')
if not name then return 0 end
for _, tid in ipairs(redis.call('lrange', key .. ':trials', 0, -1)) do
    redis.call('del', p .. ':trial:' .. tid)
end
redis.call('del', key, key .. ':trials', key .. ':user_attrs', key .. ':system_attrs',
           key .. ':dists', key .. ':version', key .. ':changes', key .. ':beats')
redis.call('hdel', p .. ':study_names', name)
redis.call('zrem', p .. ':study_ids', ARGV[2])
return 1
"""
_CREATE_TRIAL = """
local sid = ARGV[2]
if redis.call('exists', p .. ':study:' .. sid) == 0 then return {-1, -1} end
local tid = redis.call('incr', p .. ':trial_counter') - 1
local number = redis.call('rpush', p .. ':study:' .. sid .. ':trials', tid) - 1
local key = p .. ':trial:' .. tid
redis.call('hset', key, 'study_id', sid, 'number', number)
for i = 4, #ARGV, 2 do redis.call('hset', key, ARGV[i], ARGV[i + 1]) end
for name, dist in string.gmatch(ARGV[3], '([^\\n]*)\\n([^\\n]*)\\n') do
    redis.call('hsetnx', p .. ':study:' .. sid .. ':dists', name, dist)
end
bump(sid, tid)
return {tid, number}
"""
# ARGV: prefix, trial id, field, value, [param name, distribution JSON, force]
_SET_FIELD = """
local st, err = updatable(ARGV[2])
if not st then return {err} end
if ARGV[5] then
    local dists = p .. ':study:' .. st[2] .. ':dists'
    local known = redis.call('hget', dists, ARGV[5])
    if not known then
        redis.call('hset', dists, ARGV[5], ARGV[6])
    elseif known ~= ARGV[6] and ARGV[7] ~= '1' then
        return {-3, known}
    end
end
redis.call('hset', p .. ':trial:' .. ARGV[2], ARGV[3], ARGV[4])
bump(st[2], ARGV[2])
return {1}
"""
# ARGV: prefix, trial id, state, values JSON, time field, time
_SET_STATE = """
local st, err = updatable(ARGV[2])
if not st then return err end
if ARGV[3] == '0' and st[1] == '0' then return 0 end
local key = p .. ':trial:' .. ARGV[2]
redis.call('hset', key, 'state', ARGV[3])
if ARGV[4] ~= '' then redis.call('hset', key, 'values', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('hset', key, ARGV[5], ARGV[6]) end
if ARGV[3] ~= '0' and ARGV[3] ~= '4' then
    redis.call('zrem', p .. ':study:' .. st[2] .. ':beats', ARGV[2])
end
bump(st[2], ARGV[2])
return 1
"""
# Heartbeats: "<study>:beats" scores each RUNNING trial by its last beat, on the server's clock.
_SERVER_NOW = """
local function server_now()
    local t = redis.call('time')
    return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
"""
# ARGV: prefix, trial id -> 1 beat recorded, 0 trial not running, -1 no such trial
_HEARTBEAT = """
local st = redis.call('hmget', p .. ':trial:' .. ARGV[2], 'state', 'study_id')
if not st[1] then return -1 end
if st[1] ~= '0' then return 0 end
redis.call('zadd', p .. ':study:' .. st[2] .. ':beats', server_now(), ARGV[2])
return 1
"""
# ARGV: prefix, study id, grace seconds -> ids of RUNNING trials whose last beat is too old
_STALE_TRIALS = """
local key = p .. ':study:' .. ARGV[2] .. ':beats'
local deadline = string.format('(%.6f', server_now() - tonumber(ARGV[3]))
local out = {}
for _, tid in ipairs(redis.call('zrangebyscore', key, '-inf', deadline)) do
    if redis.call('hget', p .. ':trial:' .. tid, 'state') == '0' then
        table.insert(out, tid)
    else
        redis.call('zrem', key, tid)
    end
end
return out
"""
# ARGV: prefix, study id, counter seen -> {counter, tid1, fields1, tid2, fields2, ...}
_READ_CHANGES = """
local key = p .. ':study:' .. ARGV[2]
if redis.call('exists', key) == 0 then return {-1} end
local v = tonumber(redis.call('get', key .. ':version') or '0')
local out = {v}
if v == tonumber(ARGV[3]) then return out end
for _, tid in ipairs(redis.call('zrangebyscore', key .. ':changes', '(' .. ARGV[3], '+inf')) do
    table.insert(out, tid)
    table.insert(out, redis.call('hgetall', p .. ':trial:' .. tid))
end
return out
"""

SCRIPTS = {
    "create_study": _CREATE_STUDY,
    "delete_study": _DELETE_STUDY,
    "create_trial": _CREATE_TRIAL,
    "set_field": _SET_FIELD,
    "set_state": _SET_STATE,
    "read_changes": _READ_CHANGES,
    "heartbeat": _SERVER_NOW + _HEARTBEAT,
    "stale_trials": _SERVER_NOW + _STALE_TRIALS,
}
SCRIPTS = {name: _COMMON + body for name, body in SCRIPTS.items()}


def _send_pending(client: Any, shas: dict[str, str], prefix: str, pending: list[Any]) -> None:
    """At exit (or when the storage is collected): send writes still buffered."""
    for args in pending:
        try:
            client.evalsha(shas["set_field"], 0, prefix, *args)
        except Exception:  # best effort: the process is going away
            break
    pending.clear()


def _update_mirror(trial: FrozenTrial, field: str, value: Any, param: tuple[Any, ...]) -> None:
    kind, key = field[:2], field[2:]
    if kind == "p:":
        trial._params[key] = param[1].to_external_repr(value[0])
        trial._distributions[key] = param[1]
    elif kind == "i:":
        trial.intermediate_values[int(key)] = float(value)
    else:  # what a reader gets back from the JSON stored
        attrs = trial._user_attrs if kind == "u:" else trial._system_attrs
        attrs[key] = json.loads(json.dumps(value))


def _now() -> str:
    return datetime.datetime.now(tz=_UTC).isoformat(timespec="microseconds")


def parse_trial(
    trial_id: int, raw: dict[str, str], where: str, distribution: Callable[[str], Any]
) -> FrozenTrial:
    """A trial from its Redis hash (every value JSON; anything else is a clear error)."""
    params: dict[str, Any] = {}
    dists: dict[str, Any] = {}
    user: dict[str, Any] = {}
    system: dict[str, Any] = {}
    intermediate: dict[int, float] = {}
    for field, text in raw.items():
        kind = field[:2]
        if kind == "p:":
            internal, dist_text = _loads(text, f"{where} field {field!r}")
            dist = distribution(dist_text)
            params[field[2:]] = dist.to_external_repr(internal)
            dists[field[2:]] = dist
        elif kind == "u:":
            user[field[2:]] = _loads(text, f"{where} field {field!r}")
        elif kind == "s:":
            system[field[2:]] = _loads(text, f"{where} field {field!r}")
        elif kind == "i:":
            intermediate[int(field[2:])] = float(_loads(text, f"{where} field {field!r}"))
    values = raw.get("values")
    start, complete = raw.get("start"), raw.get("complete")
    try:
        return FrozenTrial(
            number=int(raw["number"]),
            state=TrialState(int(raw["state"])),
            value=None,
            values=None if values is None else _loads(values, f"{where} field 'values'"),
            datetime_start=None if start is None else parse_time(_loads(start, where)),
            datetime_complete=None if complete is None else parse_time(_loads(complete, where)),
            params=params,
            distributions=dists,
            user_attrs=user,
            system_attrs=system,
            intermediate_values=intermediate,
            trial_id=trial_id,
        )
    except (KeyError, TypeError, ValueError) as err:
        raise _CorruptData(f"{where} is not a valid trial ({err}).") from None
