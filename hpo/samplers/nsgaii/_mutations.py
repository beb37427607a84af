"""Mutation operators: perturb one warped numeric coordinate of a child."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

import numpy as np

from hpo._deprecated import experimental_class

if TYPE_CHECKING:
    from hpo.study import Study


@experimental_class("5.0.0")
class BaseMutation(abc.ABC):
    """Base class of mutation operators used by :class:`~hpo.samplers.NSGAIISampler`.

    A mutation changes one numerical parameter at a time, in the warped coordinate (log-scaled
    parameters in log space). Categorical parameters selected for mutation are resampled instead.
    """

    def __str__(self) -> str:
        return self.__class__.__name__

    @abc.abstractmethod
    def mutation(
        self,
        param: float,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> float:
        """Return a mutated coordinate.

        Args:
            param: The coordinate to mutate.
            rng: Random generator to draw from.
            study: The study being optimized.
            search_space_bounds: ``(lower, upper)`` bounds of the coordinate.
        """


@experimental_class("5.0.0")
class PolynomialMutation(BaseMutation):
    """Polynomial mutation (Deb et al., NSGA-II, 2002): a bounded perturbation whose spread
    shrinks as ``eta`` grows.

    Args:
        eta: Distribution index, ``>= 0``.

    Raises:
        ValueError: ``eta < 0``.
    """

    def __init__(self, eta: float = 20.0) -> None:
        if eta < 0:
            raise ValueError(f"`eta` must be >= 0.0, but got {eta!r}.")
        self._eta = eta

    def mutation(
        self,
        param: float,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> float:
        lower, upper = float(search_space_bounds[0]), float(search_space_bounds[1])
        width = upper - lower
        u = rng.rand()
        if width <= 0.0:
            return param
        power = self._eta + 1.0
        if u <= 0.5:
            below = 1.0 - (param - lower) / width
            base = 2.0 * u + (1.0 - 2.0 * u) * below**power
            shift = base ** (1.0 / power) - 1.0
        else:
            above = 1.0 - (upper - param) / width
            base = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * above**power
            shift = 1.0 - base ** (1.0 / power)
        return param + shift * width
