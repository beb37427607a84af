"""Pruners stop unpromising trials early from their reported intermediate values."""

from hpo.pruners._base import BasePruner
from hpo.pruners._hyperband import HyperbandPruner
from hpo.pruners._median import MedianPruner
from hpo.pruners._nop import NopPruner
from hpo.pruners._patient import PatientPruner
from hpo.pruners._percentile import PercentilePruner
from hpo.pruners._successive_halving import SuccessiveHalvingPruner
from hpo.pruners._threshold import ThresholdPruner
from hpo.pruners._wilcoxon import WilcoxonPruner

__all__ = [
    "BasePruner",
    "HyperbandPruner",
    "MedianPruner",
    "NopPruner",
    "PatientPruner",
    "PercentilePruner",
    "SuccessiveHalvingPruner",
    "ThresholdPruner",
    "WilcoxonPruner",
]
