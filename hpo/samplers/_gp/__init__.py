from hpo.samplers._gp._sampler import GPSampler

__all__ = ["GPSampler"]
