"""A running trial's jointly sampled parameters, shared through its system attributes.

A relative sampler picks all of a trial's parameters at once, but they reach storage one
``suggest_*`` call at a time. Publishing the whole sample lets other workers treat the trial's
point as taken (constant liar, kriging believer) before the objective has suggested it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hpo.storages import BaseStorage
    from hpo.trial import FrozenTrial

_CHUNK = 2045  # RDB storages limit a system attribute value to 2,045 characters


def publish(storage: BaseStorage, trial_id: int, key: str, params: dict[str, Any]) -> None:
    """Store ``params`` as JSON in the system attributes ``key:0``, ``key:1``, ..."""
    text = json.dumps(params)
    for i in range(0, len(text), _CHUNK):
        storage.set_trial_system_attr(trial_id, f"{key}:{i // _CHUNK}", text[i : i + _CHUNK])


def planned_params(trial: FrozenTrial, key: str) -> dict[str, Any]:
    """The trial's parameters suggested so far, completed by its published sample if any."""
    chunks = []
    i = 0
    while (chunk := trial._system_attrs.get(f"{key}:{i}")) is not None:
        chunks.append(chunk)
        i += 1
    if not chunks:
        return trial._params
    try:
        params = json.loads("".join(chunks))
    except ValueError:  # another worker is writing the chunks right now
        return trial._params
    params.update(trial._params)
    return params
