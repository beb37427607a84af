"""The signed-rank p-values WilcoxonPruner uses equal SciPy's wilcoxon (zero_method="zsplit")."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from hpo.pruners._signed_rank import signed_rank_pvalue

stats = pytest.importorskip("scipy.stats")


def _samples() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(0)
    out = []
    for n in (2, 3, 5, 8, 13, 20, 50):  # exact null distribution (no ties, no zeros)
        out.append(("exact", rng.normal(0.3, 1.0, n)))
    for n in (2, 4, 7):  # ties and zeros, enumerated sign flips (SciPy: up to 13)
        out.append(("enumerated", rng.integers(-2, 3, n).astype(float)))
    for n in (14, 30, 51, 80):  # normal approximation (ties, or more than 50)
        out.append(("normal", np.round(rng.normal(0.2, 1.0, n), 1)))
    out.append(("normal", rng.normal(0.1, 1.0, 60)))
    return out


@pytest.mark.parametrize("alternative", ["greater", "less"])
@pytest.mark.parametrize("regime, diffs", _samples())
def test_matches_scipy(regime: str, diffs: np.ndarray, alternative: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = float(
            stats.wilcoxon(diffs, alternative=alternative, zero_method="zsplit").pvalue
        )
    got = signed_rank_pvalue([float(d) for d in diffs], alternative)
    if regime == "normal":
        assert got == pytest.approx(expected, rel=1e-12)
    else:
        assert got == expected  # count / 2**n, exactly


def test_hand_computed_exact_values() -> None:
    # All four differences positive: only the all-plus pattern reaches the maximum rank sum.
    assert signed_rank_pvalue([1.0, 2.0, 3.0, 4.0], "greater") == 1 / 16
    assert signed_rank_pvalue([1.0, 2.0, 3.0, 4.0], "less") == 1.0
    # Ranks 1 (negative), 2, 3 (positive): rank sum 5 of 6; patterns with sum >= 5: {2,3}, {1,2,3}.
    assert signed_rank_pvalue([-1.0, 2.0, 3.0], "greater") == 2 / 8
    # All zeros: every sign pattern gives the same statistic.
    assert signed_rank_pvalue([0.0] * 5, "greater") == 1.0
    assert signed_rank_pvalue([0.0] * 5, "less") == 1.0
