"""CMA-ES sampler built on the ``cmaes`` package (imported when a sampler is created)."""

from hpo.samplers._cmaes._sampler import CmaEsSampler

__all__ = ["CmaEsSampler"]
