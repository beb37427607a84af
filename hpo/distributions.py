"""Parameter distributions and the conversion between external and internal values.

Every parameter has two representations. The *external* one is what the objective function sees
(a float, an int, or one of the categorical choices). The *internal* one is a float that storages
and samplers work with: floats and ints are stored as themselves, a categorical choice as its index
in ``choices``. A distribution converts between the two.
"""

from __future__ import annotations

import abc
import copy
import decimal
import json
import math
import warnings
from collections.abc import Sequence
from typing import Any, Union

from hpo._deprecated import deprecated_class

CategoricalChoiceType = Union[None, bool, int, float, str]

__all__ = [
    "BaseDistribution",
    "CategoricalChoiceType",
    "CategoricalDistribution",
    "DiscreteUniformDistribution",
    "FloatDistribution",
    "IntDistribution",
    "IntLogUniformDistribution",
    "IntUniformDistribution",
    "LogUniformDistribution",
    "UniformDistribution",
    "check_distribution_compatibility",
    "distribution_to_json",
    "json_to_distribution",
]


class BaseDistribution(abc.ABC):
    """Base class of all distributions."""

    def to_external_repr(self, param_value_in_internal_repr: float) -> Any:
        """Convert an internal (float) value to the value the objective function sees."""
        return param_value_in_internal_repr

    @abc.abstractmethod
    def to_internal_repr(self, param_value_in_external_repr: Any) -> float:
        """Convert a value the objective function sees to its internal float."""

    @abc.abstractmethod
    def single(self) -> bool:
        """Return whether the distribution contains exactly one value."""

    @abc.abstractmethod
    def _contains(self, param_value_in_internal_repr: float) -> bool:
        """Return whether an internal value lies in the distribution."""

    def _asdict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, BaseDistribution):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((self.__class__,) + tuple(sorted(self.__dict__.items())))

    def __repr__(self) -> str:
        kwargs = ", ".join(f"{k}={v!r}" for k, v in sorted(self._asdict().items()))
        return f"{self.__class__.__name__}({kwargs})"


def _to_float(value: Any) -> float:
    try:
        result = float(value)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{value!r} is not a valid parameter value: a number is expected.") from e
    if math.isnan(result):
        raise ValueError("A parameter value must not be NaN.")
    return result


def _adjusted_high(low: float, high: float, step: float) -> float:
    """Largest value ``low + k * step`` that is <= high, computed in decimal to avoid drift."""
    d_high, d_low, d_step = (decimal.Decimal(str(x)) for x in (high, low, step))
    n_steps = (d_high - d_low) // d_step
    return float(d_low + n_steps * d_step)


def _warn_range_adjusted(low: Any, high: Any, step: Any, new_high: Any) -> None:
    warnings.warn(
        f"The range [{low}, {high}] is not divisible by step={step}; "
        f"`high` is replaced with {new_high}, giving the range [{low}, {new_high}].",
        stacklevel=3,
    )


class FloatDistribution(BaseDistribution):
    """A float parameter in ``[low, high]``, optionally log-scaled or discretised by ``step``.

    Args:
        low: Lower bound, inclusive.
        high: Upper bound, inclusive.
        log: Sample in log space. Requires ``low > 0``; incompatible with ``step``.
        step: Discretisation step; values are ``low + k * step``.

    Raises:
        ValueError: ``low > high``, ``log`` with ``low <= 0``, ``step`` with ``log``, or
            ``step <= 0``.

    Example:
        >>> from hpo.distributions import FloatDistribution
        >>> FloatDistribution(1e-5, 1e-1, log=True).to_internal_repr(0.01)
        0.01
    """

    def __init__(
        self, low: float, high: float, log: bool = False, step: None | float = None
    ) -> None:
        if log and step is not None:
            raise ValueError(
                f"FloatDistribution got log=True and step={step}: the parameter `step` is not "
                "supported when `log` is true. Use either log=True or a step."
            )
        if low > high:
            raise ValueError(
                f"FloatDistribution needs `low <= high`, but got low={low}, high={high}."
            )
        if log and low <= 0.0:
            raise ValueError(
                f"FloatDistribution with log=True needs `low > 0`, but got low={low} "
                f"(high={high}). Use a positive lower bound or log=False."
            )
        if step is not None and step <= 0:
            raise ValueError(f"FloatDistribution needs `step > 0`, but got step={step}.")

        self.step: float | None = None
        if step is not None:
            new_high = _adjusted_high(low, high, step)
            if new_high != high:
                _warn_range_adjusted(low, high, step, new_high)
                high = new_high
            self.step = float(step)
        self.low = float(low)
        self.high = float(high)
        self.log = log

    def single(self) -> bool:
        if self.step is None:
            return self.low == self.high
        if self.low == self.high:
            return True
        high = decimal.Decimal(str(self.high))
        low = decimal.Decimal(str(self.low))
        return (high - low) < decimal.Decimal(str(self.step))

    def _contains(self, param_value_in_internal_repr: float) -> bool:
        value = param_value_in_internal_repr
        if self.step is None:
            return self.low <= value <= self.high
        k = (value - self.low) / self.step
        return self.low <= value <= self.high and abs(k - round(k)) < 1.0e-8

    def to_internal_repr(self, param_value_in_external_repr: float) -> float:
        value = _to_float(param_value_in_external_repr)
        if self.log and value <= 0.0:
            raise ValueError(
                f"{param_value_in_external_repr!r} is not valid for a log-scaled distribution: "
                "a positive value is expected."
            )
        return value


class IntDistribution(BaseDistribution):
    """An integer parameter in ``[low, high]``, optionally log-scaled or with a ``step``.

    Args:
        low: Lower bound, inclusive.
        high: Upper bound, inclusive.
        log: Sample in log space. Requires ``low >= 1`` and ``step == 1``.
        step: Spacing between values; values are ``low + k * step``.

    Raises:
        ValueError: ``low > high``, ``log`` with ``low < 1``, ``log`` with ``step != 1``, or
            ``step <= 0``.
    """

    def __init__(self, low: int, high: int, log: bool = False, step: int = 1) -> None:
        if log and step != 1:
            raise ValueError(
                f"IntDistribution got log=True and step={step}: only step=1 is supported "
                "when `log` is true."
            )
        if low > high:
            raise ValueError(
                f"IntDistribution needs `low <= high`, but got low={low}, high={high}."
            )
        if log and low < 1:
            raise ValueError(
                f"IntDistribution with log=True needs `low >= 1`, but got low={low} (high={high})."
            )
        if step <= 0:
            raise ValueError(f"IntDistribution needs `step > 0`, but got step={step}.")

        self.log = log
        self.step = int(step)
        self.low = int(low)
        high = int(high)
        new_high = high - (high - self.low) % self.step
        if new_high != high:
            _warn_range_adjusted(low, high, step, new_high)
        self.high = new_high

    def to_external_repr(self, param_value_in_internal_repr: float) -> int:
        return int(param_value_in_internal_repr)

    def to_internal_repr(self, param_value_in_external_repr: int) -> float:
        value = _to_float(param_value_in_external_repr)
        if self.log and value <= 0.0:
            raise ValueError(
                f"{param_value_in_external_repr!r} is not valid for a log-scaled distribution: "
                "a positive value is expected."
            )
        return value

    def single(self) -> bool:
        if self.log:
            return self.low == self.high
        return self.low == self.high or (self.high - self.low) < self.step

    def _contains(self, param_value_in_internal_repr: float) -> bool:
        value = param_value_in_internal_repr
        return self.low <= value <= self.high and (value - self.low) % self.step == 0


_CHOICE_TYPES = (type(None), bool, int, float, str)


class CategoricalDistribution(BaseDistribution):
    """A categorical parameter: one of ``choices``.

    The internal representation is the index of the choice. Choices should be ``None``, ``bool``,
    ``int``, ``float`` or ``str`` so they can be stored as JSON; other types give a warning and
    work only with in-memory storage.

    Raises:
        ValueError: ``choices`` is empty.
    """

    def __init__(self, choices: Sequence[CategoricalChoiceType]) -> None:
        if len(choices) == 0:
            raise ValueError(
                "CategoricalDistribution needs at least one choice, but `choices` is empty."
            )
        for choice in choices:
            if not isinstance(choice, _CHOICE_TYPES):
                warnings.warn(
                    f"Categorical choices should be None, bool, int, float or str so they can be "
                    f"stored persistently, but {choice!r} is of type {type(choice).__name__}. "
                    "It will work only with in-memory storage.",
                    stacklevel=2,
                )
        self.choices = tuple(choices)

    def to_external_repr(self, param_value_in_internal_repr: float) -> CategoricalChoiceType:
        return self.choices[int(param_value_in_internal_repr)]

    def to_internal_repr(self, param_value_in_external_repr: CategoricalChoiceType) -> float:
        value = param_value_in_external_repr
        try:
            return float(self.choices.index(value))
        except ValueError:
            if isinstance(value, float) and math.isnan(value):
                for index, choice in enumerate(self.choices):
                    if isinstance(choice, float) and math.isnan(choice):
                        return float(index)
            raise ValueError(f"{value!r} is not one of the choices {self.choices}.") from None

    def single(self) -> bool:
        return len(self.choices) == 1

    def _contains(self, param_value_in_internal_repr: float) -> bool:
        index = int(param_value_in_internal_repr)
        return 0 <= index < len(self.choices)

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, BaseDistribution):
            return NotImplemented
        if not isinstance(other, CategoricalDistribution):
            return False
        if len(self.choices) != len(other.choices):
            return False
        for a, b in zip(self.choices, other.choices):
            if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
                continue
            if type(a) is not type(b) or a != b:
                return False
        return True

    def __hash__(self) -> int:
        return hash((self.__class__, self.choices))


_DEPRECATION_TEXT = "Use FloatDistribution or IntDistribution instead."


@deprecated_class("3.0.0", "6.0.0", text="Use FloatDistribution instead.")
class UniformDistribution(FloatDistribution):
    """Deprecated: ``FloatDistribution(low, high)``."""

    def __init__(self, low: float, high: float) -> None:
        super().__init__(low=low, high=high, log=False, step=None)

    def _asdict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high}


@deprecated_class("3.0.0", "6.0.0", text="Use FloatDistribution(..., log=True) instead.")
class LogUniformDistribution(FloatDistribution):
    """Deprecated: ``FloatDistribution(low, high, log=True)``."""

    def __init__(self, low: float, high: float) -> None:
        super().__init__(low=low, high=high, log=True, step=None)

    def _asdict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high}


@deprecated_class("3.0.0", "6.0.0", text="Use FloatDistribution(..., step=q) instead.")
class DiscreteUniformDistribution(FloatDistribution):
    """Deprecated: ``FloatDistribution(low, high, step=q)``."""

    def __init__(self, low: float, high: float, q: float) -> None:
        super().__init__(low=low, high=high, step=q)

    @property
    def q(self) -> float:
        assert self.step is not None
        return self.step

    def _asdict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "q": self.step}


@deprecated_class("3.0.0", "6.0.0", text="Use IntDistribution instead.")
class IntUniformDistribution(IntDistribution):
    """Deprecated: ``IntDistribution(low, high, step=step)``."""

    def __init__(self, low: int, high: int, step: int = 1) -> None:
        super().__init__(low=low, high=high, log=False, step=step)

    def _asdict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "step": self.step}


@deprecated_class("3.0.0", "6.0.0", text="Use IntDistribution(..., log=True) instead.")
class IntLogUniformDistribution(IntDistribution):
    """Deprecated: ``IntDistribution(low, high, log=True)``."""

    def __init__(self, low: int, high: int, step: int = 1) -> None:
        super().__init__(low=low, high=high, log=True, step=step)

    def _asdict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "step": self.step}


DISTRIBUTION_CLASSES = (
    IntDistribution,
    IntLogUniformDistribution,
    IntUniformDistribution,
    FloatDistribution,
    UniformDistribution,
    LogUniformDistribution,
    DiscreteUniformDistribution,
    CategoricalDistribution,
)
_CLASS_BY_NAME = {cls.__name__: cls for cls in DISTRIBUTION_CLASSES}


def json_to_distribution(json_str: str) -> BaseDistribution:
    """Deserialize a distribution written by :func:`distribution_to_json` (or by Optuna).

    Legacy names (``UniformDistribution``, ``IntUniformDistribution``, …) are read back as the
    equivalent :class:`FloatDistribution` or :class:`IntDistribution`.

    Raises:
        ValueError: The JSON does not describe a known distribution.
    """
    try:
        loaded = json.loads(json_str)
        name = loaded["name"]
        attrs = dict(loaded["attributes"])
    except (TypeError, ValueError, KeyError) as e:
        raise ValueError(f"Not a serialized distribution: {json_str!r}.") from e
    if name == "CategoricalDistribution":
        return CategoricalDistribution(choices=attrs["choices"])
    if name == "FloatDistribution":
        return FloatDistribution(**attrs)
    if name == "IntDistribution":
        return IntDistribution(**attrs)
    if name == "UniformDistribution":
        return FloatDistribution(attrs["low"], attrs["high"])
    if name == "LogUniformDistribution":
        return FloatDistribution(attrs["low"], attrs["high"], log=True)
    if name == "DiscreteUniformDistribution":
        return FloatDistribution(attrs["low"], attrs["high"], step=attrs["q"])
    if name == "IntUniformDistribution":
        return IntDistribution(attrs["low"], attrs["high"], step=attrs.get("step", 1))
    if name == "IntLogUniformDistribution":
        return IntDistribution(attrs["low"], attrs["high"], log=True)
    raise ValueError(f"Unknown distribution {name!r}; expected one of {sorted(_CLASS_BY_NAME)}.")


def distribution_to_json(dist: BaseDistribution) -> str:
    """Serialize a distribution to JSON (the same format Optuna writes)."""
    return json.dumps({"name": dist.__class__.__name__, "attributes": dist._asdict()})


def check_distribution_compatibility(
    dist_old: BaseDistribution, dist_new: BaseDistribution
) -> None:
    """Check that one parameter name may be suggested with both distributions.

    Ranges may change between trials (define-by-run), but the kind of distribution, its log
    setting and a categorical's choices may not.

    Raises:
        ValueError: The distributions are incompatible; the message says how.
    """
    if (
        dist_old.__class__ != dist_new.__class__
        and not (
            isinstance(dist_old, FloatDistribution) and isinstance(dist_new, FloatDistribution)
        )
        and not (isinstance(dist_old, IntDistribution) and isinstance(dist_new, IntDistribution))
    ):
        raise ValueError(
            f"Cannot set different distribution kinds to the same parameter name: "
            f"{dist_old} was used before, now {dist_new}."
        )
    if isinstance(dist_old, (FloatDistribution, IntDistribution)):
        assert isinstance(dist_new, (FloatDistribution, IntDistribution))
        if dist_old.log != dist_new.log:
            raise ValueError(
                "Cannot set different log configuration to the same parameter name: "
                f"{dist_old} was used before, now {dist_new}."
            )
    if isinstance(dist_old, CategoricalDistribution) and dist_old != dist_new:
        raise ValueError(
            "CategoricalDistribution does not support dynamic value space: the same parameter "
            f"name was suggested with choices {dist_old.choices} and then "
            f"{dist_new.choices}."  # type: ignore[attr-defined]
        )


def _is_distribution_log(distribution: BaseDistribution) -> bool:
    return isinstance(distribution, (FloatDistribution, IntDistribution)) and distribution.log


def _get_single_value(distribution: BaseDistribution) -> int | float | CategoricalChoiceType:
    assert distribution.single()
    if isinstance(distribution, (FloatDistribution, IntDistribution)):
        return distribution.low
    assert isinstance(distribution, CategoricalDistribution)
    return distribution.choices[0]


def _convert_old_distribution_to_new_distribution(
    distribution: BaseDistribution,
) -> BaseDistribution:
    """Map a deprecated distribution class onto FloatDistribution / IntDistribution."""
    if type(distribution) in (FloatDistribution, IntDistribution, CategoricalDistribution):
        return distribution
    if isinstance(distribution, FloatDistribution):
        return FloatDistribution(
            distribution.low, distribution.high, distribution.log, distribution.step
        )
    if isinstance(distribution, IntDistribution):
        return IntDistribution(
            distribution.low, distribution.high, distribution.log, distribution.step
        )
    return copy.copy(distribution)
