"""The sampler and pruner a study gets when the user names none."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hpo.pruners import BasePruner
    from hpo.samplers import BaseSampler


def default_sampler() -> BaseSampler:
    from hpo.samplers import TPESampler

    return TPESampler()


def default_pruner() -> BasePruner:
    from hpo.pruners import MedianPruner

    return MedianPruner()
