"""Crossover operators: combine parents' warped numeric coordinates into one child.

Every operator receives the parents as rows of an array in the warped space of
:mod:`hpo.samplers._ga._transform` (log-scaled parameters in log space) together with the bounds
of that space, and returns one child. The sampler rejects children outside the bounds.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

import numpy as np

from hpo._deprecated import experimental_class

if TYPE_CHECKING:
    from hpo.study import Study

_EPS = 1e-10


class BaseCrossover(abc.ABC):
    """Base class of crossover operators used by :class:`~hpo.samplers.NSGAIISampler`.

    Operators work on numerical parameters only; categorical parameters are always combined by
    uniform crossover inside the sampler.
    """

    def __str__(self) -> str:
        return self.__class__.__name__

    @property
    @abc.abstractmethod
    def n_parents(self) -> int:
        """How many parents one crossover needs."""

    @abc.abstractmethod
    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        """Create one child from the parents.

        Args:
            parents_params: ``(n_parents, n_params)`` array of the parents' coordinates.
            rng: Random generator to draw from.
            study: The study being optimized.
            search_space_bounds: ``(n_params, 2)`` array of lower and upper bounds.

        Returns:
            The child's coordinates, shape ``(n_params,)``.
        """


def _check_probability(name: str, value: float, allow_zero: bool = True) -> None:
    ok = (0.0 <= value <= 1.0) if allow_zero else (0.0 < value <= 1.0)
    if not ok:
        interval = "[0.0, 1.0]" if allow_zero else "(0.0, 1.0]"
        raise ValueError(f"`{name}` must be a float in {interval}, but got {value!r}.")


def _default_eta(study: Study, eta: float | None) -> float:
    if eta is not None:
        return eta
    return 20.0 if study._is_multi_objective() else 2.0


def _mix_two_children(
    c1: np.ndarray,
    c2: np.ndarray,
    x1: np.ndarray,
    x2: np.ndarray,
    rng: np.random.RandomState,
    use_child_gene_prob: float,
    uniform_crossover_prob: float,
) -> np.ndarray:
    """Turn the two children of an SBX-like operator into one: per gene, keep the offspring or
    the parents' values, swap the pair with ``uniform_crossover_prob``, then pick one side."""
    n = len(c1)
    use_child = rng.rand(n) < use_child_gene_prob
    swap = rng.rand(n) < uniform_crossover_prob
    first = np.where(use_child, c1, x1)
    second = np.where(use_child, c2, x2)
    first, second = np.where(swap, second, first), np.where(swap, first, second)
    return first if rng.rand() < 0.5 else second


class UniformCrossover(BaseCrossover):
    """Take every parameter from one of two parents at random (Syswerda, 1989).

    Args:
        swapping_prob: Probability that a parameter comes from the second parent.

    Raises:
        ValueError: ``swapping_prob`` is outside ``[0, 1]``.
    """

    n_parents = 2  # type: ignore[assignment]

    def __init__(self, swapping_prob: float = 0.5) -> None:
        _check_probability("swapping_prob", swapping_prob)
        self._swapping_prob = swapping_prob

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        from_second = rng.rand(parents_params.shape[1]) < self._swapping_prob
        return np.where(from_second, parents_params[1], parents_params[0])


@experimental_class("3.0.0")
class BLXAlphaCrossover(BaseCrossover):
    """Blend crossover: sample uniformly from the parents' bounding box widened by ``alpha`` of
    its width on each side (Eshelman and Schaffer, 1992).

    Args:
        alpha: Relative widening of the box.
    """

    n_parents = 2  # type: ignore[assignment]

    def __init__(self, alpha: float = 0.5) -> None:
        self._alpha = alpha

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        lo = parents_params.min(axis=0)
        hi = parents_params.max(axis=0)
        margin = self._alpha * (hi - lo)
        return rng.uniform(0.0, 1.0, size=lo.shape) * (hi - lo + 2 * margin) + (lo - margin)


@experimental_class("3.0.0")
class SPXCrossover(BaseCrossover):
    """Simplex crossover: sample uniformly from the parents' simplex expanded by ``epsilon``
    around its centroid (Tsutsui, Goldberg and Sastry, 2000).

    Args:
        epsilon: Expansion rate; ``sqrt(n_params + 2)`` when ``None``.
    """

    n_parents = 3  # type: ignore[assignment]

    def __init__(self, epsilon: float | None = None) -> None:
        self._epsilon = epsilon

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        k = len(parents_params)
        centroid = parents_params.mean(axis=0)
        epsilon = np.sqrt(parents_params.shape[1] + 2) if self._epsilon is None else self._epsilon
        vertices = centroid + epsilon * (parents_params - centroid)
        # r_i = u_i ** (1 / (i + 1)) makes the point uniform inside the simplex.
        r = rng.rand(k - 1) ** (1.0 / np.arange(1, k))
        offset = np.zeros_like(centroid)
        for i in range(1, k):
            offset = r[i - 1] * (vertices[i - 1] - vertices[i] + offset)
        return vertices[-1] + offset


class _SimulatedBinaryCrossover(BaseCrossover):
    """Shared arguments of the SBX-family crossovers (two parents, a distribution index)."""

    n_parents = 2  # type: ignore[assignment]

    def __init__(
        self,
        eta: float | None = None,
        uniform_crossover_prob: float = 0.5,
        use_child_gene_prob: float = 0.5,
    ) -> None:
        if eta is not None and eta < 0.0:
            raise ValueError(f"`eta` must be >= 0.0, but got {eta!r}.")
        _check_probability("uniform_crossover_prob", uniform_crossover_prob)
        _check_probability("use_child_gene_prob", use_child_gene_prob, allow_zero=False)
        self._eta = eta
        self._uniform_crossover_prob = uniform_crossover_prob
        self._use_child_gene_prob = use_child_gene_prob


@experimental_class("3.0.0")
class SBXCrossover(_SimulatedBinaryCrossover):
    """Simulated binary crossover, bounded variant (Deb and Agrawal, 1995).

    SBX makes two children; one child is returned, built gene by gene: with
    ``use_child_gene_prob`` the offspring values are used (else the parents'), the pair is swapped
    with ``uniform_crossover_prob``, and one of the two resulting vectors is picked at random.

    Args:
        eta: Distribution index (larger: children closer to the parents). ``None`` uses 2 for
            single-objective and 20 for multi-objective studies.
        uniform_crossover_prob: Probability of swapping the two values of a gene, in ``[0, 1]``.
        use_child_gene_prob: Probability of using the offspring value of a gene, in ``(0, 1]``.

    Raises:
        ValueError: ``eta < 0`` or a probability outside its interval.
    """

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        eta = _default_eta(study, self._eta)
        lower, upper = search_space_bounds[:, 0], search_space_bounds[:, 1]
        y1 = parents_params.min(axis=0)
        y2 = parents_params.max(axis=0)
        spread = np.maximum(y2 - y1, _EPS)
        u = rng.rand(len(y1))

        def beta_q(room: np.ndarray) -> np.ndarray:
            # The spread factor's distribution is truncated so children stay within the bounds.
            beta = 1.0 + 2.0 * np.maximum(room, 0.0) / spread
            alpha = 2.0 - beta ** (-(eta + 1.0))
            inner = np.where(u <= 1.0 / alpha, u * alpha, 1.0 / np.maximum(2.0 - u * alpha, _EPS))
            return inner ** (1.0 / (eta + 1.0))

        mid = y1 + y2
        c1 = 0.5 * (mid - beta_q(y1 - lower) * spread)
        c2 = 0.5 * (mid + beta_q(upper - y2) * spread)
        return _mix_two_children(
            c1,
            c2,
            parents_params[0],
            parents_params[1],
            rng,
            self._use_child_gene_prob,
            self._uniform_crossover_prob,
        )


@experimental_class("3.0.0")
class VSBXCrossover(_SimulatedBinaryCrossover):
    """Vector-wise SBX: SBX without the region between-and-around the parents it excludes
    (Ballester and Carter, 2003). Combines its two children into one like
    :class:`SBXCrossover`.

    Args:
        eta: Distribution index. ``None`` uses 2 for single-objective and 20 for multi-objective
            studies.
        uniform_crossover_prob: Probability of swapping the two values of a gene, in ``[0, 1]``.
        use_child_gene_prob: Probability of using the offspring value of a gene, in ``(0, 1]``.

    Raises:
        ValueError: ``eta < 0`` or a probability outside its interval.
    """

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        eta = _default_eta(study, self._eta)
        x1, x2 = parents_params[0], parents_params[1]
        u = rng.rand(len(x1))
        power = 1.0 / (eta + 1.0)
        b1 = (1.0 / np.maximum(2.0 * u, _EPS)) ** power
        b2 = (1.0 / np.maximum(2.0 * (1.0 - u), _EPS)) ** power
        if rng.rand() <= 0.5:
            c1 = 0.5 * ((1.0 + b1) * x1 + (1.0 - b2) * x2)
        else:
            c1 = 0.5 * ((1.0 - b1) * x1 + (1.0 + b2) * x2)
        if rng.rand() <= 0.5:
            c2 = 0.5 * ((3.0 - b1) * x1 - (1.0 - b2) * x2)
        else:
            c2 = 0.5 * ((3.0 - b2) * x2 - (1.0 - b1) * x1)
        return _mix_two_children(
            c1, c2, x1, x2, rng, self._use_child_gene_prob, self._uniform_crossover_prob
        )


@experimental_class("3.0.0")
class UNDXCrossover(BaseCrossover):
    """Unimodal normal distribution crossover (Kita, Ono and Kobayashi, 1999).

    The child is normally distributed around the midpoint of the first two parents: along the
    line through them with standard deviation ``sigma_xi`` times their distance, and across it
    with ``sigma_eta`` times the third parent's distance to that line.

    Args:
        sigma_xi: Spread along the line through the first two parents.
        sigma_eta: Spread across that line; ``0.35 / sqrt(n_params)`` when ``None``.
    """

    n_parents = 3  # type: ignore[assignment]

    def __init__(self, sigma_xi: float = 0.5, sigma_eta: float | None = None) -> None:
        self._sigma_xi = sigma_xi
        self._sigma_eta = sigma_eta

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        p1, p2, p3 = parents_params[0], parents_params[1], parents_params[2]
        n = len(p1)
        sigma_eta = 0.35 / np.sqrt(n) if self._sigma_eta is None else self._sigma_eta
        midpoint = 0.5 * (p1 + p2)
        d = p1 - p2
        child = midpoint + rng.normal(0.0, self._sigma_xi) * d
        if n == 1:
            return child
        norm = np.linalg.norm(d)
        direction = d / norm if norm > _EPS else np.zeros(n)
        to_third = p3 - p1
        distance = np.linalg.norm(to_third - np.dot(to_third, direction) * direction)
        # Columns 1..n-1 of Q span the complement of `direction` (column 0 of the input).
        q, _ = np.linalg.qr(np.column_stack([direction, np.eye(n)]), mode="complete")
        orthogonal = q[:, 1:] if norm > _EPS else np.eye(n)[:, : n - 1]
        etas = rng.normal(0.0, sigma_eta, size=orthogonal.shape[1])
        return child + distance * (orthogonal @ etas)
