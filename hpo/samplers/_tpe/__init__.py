from hpo.samplers._tpe.sampler import TPESampler

__all__ = ["TPESampler"]
