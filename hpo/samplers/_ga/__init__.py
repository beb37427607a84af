from hpo.samplers._ga._base import BaseGASampler

__all__ = ["BaseGASampler"]
