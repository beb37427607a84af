from __future__ import annotations

import json
import math
import warnings

import pytest

from hpo import distributions as d

# --- FloatDistribution ----------------------------------------------------------------------


def test_float_distribution_stores_floats() -> None:
    dist = d.FloatDistribution(0, 1)
    assert (dist.low, dist.high, dist.log, dist.step) == (0.0, 1.0, False, None)
    assert isinstance(dist.low, float) and isinstance(dist.high, float)


def test_float_low_greater_than_high_names_both_values() -> None:
    with pytest.raises(ValueError, match=r"low=2.*high=1"):
        d.FloatDistribution(2, 1)


@pytest.mark.parametrize("low", [0.0, -1.0])
def test_float_log_requires_positive_low(low: float) -> None:
    with pytest.raises(ValueError, match=rf"log=True.*low > 0.*low={low}"):
        d.FloatDistribution(low, 1.0, log=True)


def test_float_step_and_log_are_exclusive() -> None:
    with pytest.raises(ValueError, match=r"step=0.1.*not supported when `log` is true"):
        d.FloatDistribution(0.1, 1.0, log=True, step=0.1)


@pytest.mark.parametrize("step", [0, -0.5])
def test_float_step_must_be_positive(step: float) -> None:
    with pytest.raises(ValueError, match=rf"step > 0.*step={step}"):
        d.FloatDistribution(0.0, 1.0, step=step)


def test_float_step_not_dividing_range_warns_and_adjusts_high() -> None:
    with pytest.warns(UserWarning, match=r"\[0, 1\].*step=0.3.*0.9"):
        dist = d.FloatDistribution(0, 1, step=0.3)
    assert dist.high == pytest.approx(0.9)


def test_float_step_dividing_range_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dist = d.FloatDistribution(0, 1, step=0.1)
    assert dist.high == 1.0


def test_float_single() -> None:
    assert d.FloatDistribution(1.0, 1.0).single()
    assert not d.FloatDistribution(0.0, 1.0).single()
    assert not d.FloatDistribution(0.0, 1.0, step=0.5).single()
    assert d.FloatDistribution(0.0, 0.0, step=0.5).single()


def test_float_contains() -> None:
    dist = d.FloatDistribution(0.0, 1.0, step=0.25)
    assert dist._contains(0.5)
    assert not dist._contains(0.3)
    assert not dist._contains(1.25)
    assert d.FloatDistribution(0.0, 1.0)._contains(0.3)


def test_float_to_internal_repr_rejects_non_numbers() -> None:
    with pytest.raises(ValueError, match="'x'"):
        d.FloatDistribution(0, 1).to_internal_repr("x")


# --- IntDistribution ------------------------------------------------------------------------


def test_int_distribution_basic() -> None:
    dist = d.IntDistribution(1, 10)
    assert (dist.low, dist.high, dist.log, dist.step) == (1, 10, False, 1)
    assert dist.to_external_repr(3.0) == 3 and isinstance(dist.to_external_repr(3.0), int)
    assert dist.to_internal_repr(3) == 3.0


def test_int_low_greater_than_high() -> None:
    with pytest.raises(ValueError, match=r"low=5.*high=1"):
        d.IntDistribution(5, 1)


def test_int_log_requires_low_at_least_one() -> None:
    with pytest.raises(ValueError, match=r"low >= 1.*low=0"):
        d.IntDistribution(0, 10, log=True)


def test_int_log_with_step_other_than_one() -> None:
    with pytest.raises(ValueError, match=r"step=2"):
        d.IntDistribution(1, 10, log=True, step=2)


def test_int_step_must_be_positive() -> None:
    with pytest.raises(ValueError, match=r"step=0"):
        d.IntDistribution(0, 10, step=0)


def test_int_step_not_dividing_range_warns_and_adjusts_high() -> None:
    with pytest.warns(UserWarning, match=r"step=3.*9"):
        dist = d.IntDistribution(0, 10, step=3)
    assert dist.high == 9


def test_int_single_and_contains() -> None:
    assert d.IntDistribution(3, 3).single()
    assert not d.IntDistribution(3, 4).single()
    dist = d.IntDistribution(0, 10, step=2)
    assert dist._contains(4) and not dist._contains(5) and not dist._contains(12)


# --- CategoricalDistribution ----------------------------------------------------------------


def test_categorical_basic() -> None:
    dist = d.CategoricalDistribution(["a", 1, None, 2.5, True])
    assert dist.choices == ("a", 1, None, 2.5, True)
    assert dist.to_internal_repr(None) == 2.0
    assert dist.to_external_repr(0.0) == "a"
    assert not dist.single()
    assert d.CategoricalDistribution(["only"]).single()


def test_categorical_empty_choices() -> None:
    with pytest.raises(ValueError, match="choices"):
        d.CategoricalDistribution([])


@pytest.mark.parametrize("choice", [[1, 2], {"a": 1}, object()])
def test_categorical_unsupported_choice_warns_naming_type(choice: object) -> None:
    with pytest.warns(UserWarning, match=type(choice).__name__):
        d.CategoricalDistribution([choice])


def test_categorical_unknown_value_names_it_and_choices() -> None:
    with pytest.raises(ValueError, match=r"'z'.*\('a', 'b'\)"):
        d.CategoricalDistribution(["a", "b"]).to_internal_repr("z")


def test_categorical_nan_choice_round_trip() -> None:
    dist = d.CategoricalDistribution([1.0, float("nan")])
    assert dist.to_internal_repr(float("nan")) == 1.0


def test_categorical_equality_and_hash() -> None:
    a = d.CategoricalDistribution(["x", "y"])
    b = d.CategoricalDistribution(("x", "y"))
    assert a == b and hash(a) == hash(b)
    assert a != d.CategoricalDistribution(["y", "x"])


# --- equality, repr, hashing ----------------------------------------------------------------


def test_equality_depends_on_class_and_attributes() -> None:
    assert d.FloatDistribution(0, 1) == d.FloatDistribution(0.0, 1.0)
    assert d.FloatDistribution(0, 1) != d.FloatDistribution(0, 2)
    assert d.IntDistribution(0, 1) != d.FloatDistribution(0, 1)
    assert len({d.FloatDistribution(0, 1), d.FloatDistribution(0, 1)}) == 1


def test_repr_lists_sorted_attributes() -> None:
    assert repr(d.FloatDistribution(0, 1)) == (
        "FloatDistribution(high=1.0, log=False, low=0.0, step=None)"
    )
    assert repr(d.IntDistribution(0, 1)) == "IntDistribution(high=1, log=False, low=0, step=1)"


# --- deprecated classes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "factory, expected",
    [
        (lambda: d.UniformDistribution(0, 1), d.FloatDistribution(0, 1)),
        (lambda: d.LogUniformDistribution(0.1, 1), d.FloatDistribution(0.1, 1, log=True)),
        (
            lambda: d.DiscreteUniformDistribution(0, 1, 0.5),
            d.FloatDistribution(0, 1, step=0.5),
        ),
        (lambda: d.IntUniformDistribution(0, 10, 2), d.IntDistribution(0, 10, step=2)),
        (lambda: d.IntLogUniformDistribution(1, 10), d.IntDistribution(1, 10, log=True)),
    ],
)
def test_deprecated_classes_warn_and_convert(factory, expected) -> None:
    with pytest.warns(FutureWarning, match="deprecated"):
        old = factory()
    assert isinstance(old, type(expected))
    new = d._convert_old_distribution_to_new_distribution(old)
    assert type(new) is type(expected) and new == expected


def test_discrete_uniform_q_property() -> None:
    with pytest.warns(FutureWarning):
        assert d.DiscreteUniformDistribution(0, 1, 0.25).q == 0.25


# --- JSON -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dist",
    [
        d.FloatDistribution(0, 1),
        d.FloatDistribution(1e-3, 1, log=True),
        d.FloatDistribution(0, 1, step=0.25),
        d.IntDistribution(0, 10),
        d.IntDistribution(1, 100, log=True),
        d.IntDistribution(0, 10, step=2),
        d.CategoricalDistribution(["a", None, 1, 2.5, True]),
    ],
)
def test_json_round_trip(dist: d.BaseDistribution) -> None:
    text = d.distribution_to_json(dist)
    assert json.loads(text)["name"] == type(dist).__name__
    assert d.json_to_distribution(text) == dist


@pytest.mark.parametrize(
    "name, attrs, expected",
    [
        ("UniformDistribution", {"low": 0, "high": 1}, d.FloatDistribution(0, 1)),
        ("LogUniformDistribution", {"low": 0.1, "high": 1}, d.FloatDistribution(0.1, 1, log=True)),
        (
            "DiscreteUniformDistribution",
            {"low": 0, "high": 1, "q": 0.5},
            d.FloatDistribution(0, 1, step=0.5),
        ),
        (
            "IntUniformDistribution",
            {"low": 0, "high": 10, "step": 2},
            d.IntDistribution(0, 10, step=2),
        ),
        (
            "IntLogUniformDistribution",
            {"low": 1, "high": 10, "step": 1},
            d.IntDistribution(1, 10, log=True),
        ),
    ],
)
def test_json_legacy_names_read_as_new_distributions(name, attrs, expected) -> None:
    # hpo reads legacy names as the equivalent new class (Optuna returns the deprecated class).
    text = json.dumps({"name": name, "attributes": attrs})
    assert d.json_to_distribution(text) == expected


def test_json_of_deprecated_class_keeps_legacy_name() -> None:
    with pytest.warns(FutureWarning):
        old = d.UniformDistribution(0, 1)
    loaded = json.loads(d.distribution_to_json(old))
    assert loaded == {"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 1.0}}
    assert d.json_to_distribution(d.distribution_to_json(old)) == d.FloatDistribution(0, 1)


def test_json_unknown_distribution_names_it() -> None:
    with pytest.raises(ValueError, match="'Foo'"):
        d.json_to_distribution('{"name": "Foo", "attributes": {}}')


def test_json_garbage_is_value_error() -> None:
    with pytest.raises(ValueError):
        d.json_to_distribution("not json")


# --- check_distribution_compatibility -------------------------------------------------------


def test_compatibility_allows_range_and_step_changes() -> None:
    d.check_distribution_compatibility(d.FloatDistribution(0, 1), d.FloatDistribution(0, 2))
    d.check_distribution_compatibility(
        d.FloatDistribution(0, 1), d.FloatDistribution(0, 1, step=0.5)
    )
    d.check_distribution_compatibility(d.IntDistribution(0, 1), d.IntDistribution(0, 10, step=2))
    d.check_distribution_compatibility(
        d.CategoricalDistribution(["a"]), d.CategoricalDistribution(("a",))
    )


def test_compatibility_rejects_different_kinds() -> None:
    with pytest.raises(ValueError, match="different distribution kind"):
        d.check_distribution_compatibility(d.FloatDistribution(0, 1), d.IntDistribution(0, 1))
    with pytest.raises(ValueError, match="different distribution kind"):
        d.check_distribution_compatibility(
            d.CategoricalDistribution([0, 1]), d.IntDistribution(0, 1)
        )


def test_compatibility_rejects_log_change() -> None:
    with pytest.raises(ValueError, match="log"):
        d.check_distribution_compatibility(
            d.FloatDistribution(0.1, 1), d.FloatDistribution(0.1, 1, log=True)
        )
    with pytest.raises(ValueError, match="log"):
        d.check_distribution_compatibility(
            d.IntDistribution(1, 10), d.IntDistribution(1, 10, log=True)
        )


def test_compatibility_rejects_changed_choices_and_names_them() -> None:
    with pytest.raises(ValueError, match=r"\(1, 2\).*\(1, 3\)"):
        d.check_distribution_compatibility(
            d.CategoricalDistribution([1, 2]), d.CategoricalDistribution([1, 3])
        )


def test_helpers() -> None:
    assert d._is_distribution_log(d.FloatDistribution(0.1, 1, log=True))
    assert not d._is_distribution_log(d.CategoricalDistribution([1]))
    assert d._get_single_value(d.CategoricalDistribution(["z"])) == "z"
    assert d._get_single_value(d.IntDistribution(4, 4)) == 4
    assert math.isclose(d._get_single_value(d.FloatDistribution(0.5, 0.5)), 0.5)
