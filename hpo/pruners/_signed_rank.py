"""One-sided Wilcoxon signed-rank p-values, fast enough to run on every ``should_prune``.

Gives the same p-values as ``scipy.stats.wilcoxon(d, alternative=..., zero_method="zsplit")``
(SciPy's default ``method="auto"``), choosing the same way between:

* the exact null distribution, when there are at most 50 differences, no zeros and no ties;
* exact enumeration of all sign flips, when there are zeros or ties and at most 13 differences;
* the normal approximation with tie correction (no continuity correction) otherwise.

The exact p-values are ``count / 2**n`` like SciPy's; the approximation may differ from SciPy's
in the last bits of a float.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

_MAX_EXACT = 50
_MAX_ENUMERATED = 13


def signed_rank_pvalue(diffs: Sequence[float], alternative: str) -> float:
    """P-value that the differences are centred at zero against ``"greater"`` or ``"less"``."""
    n = len(diffs)
    if n == 0:
        return math.nan
    ranks4, tie_sizes = _ranks_times_four(diffs)
    zero_half4 = sum(r for r, d in zip(ranks4, diffs) if d == 0) // 2
    plus4 = sum(r for r, d in zip(ranks4, diffs) if d > 0) + zero_half4
    has_zeros = any(d == 0 for d in diffs)
    has_ties = any(size > 1 for size in tie_sizes)

    if n <= _MAX_EXACT and not (has_zeros or has_ties):
        # Ranks are 1..n: the statistic is an integer.
        return _exact_tail(n, plus4 // 4, alternative)
    if n <= _MAX_ENUMERATED:
        nonzero = [r for r, d in zip(ranks4, diffs) if d != 0]
        return _enumerated_tail(nonzero, plus4 - zero_half4, alternative)
    return _normal_tail(n, plus4 / 4, tie_sizes, alternative)


def _ranks_times_four(diffs: Sequence[float]) -> tuple[list[int], list[int]]:
    """Average ranks of ``|d|`` times four (integers) and the sizes of the tie groups."""
    order = sorted(range(len(diffs)), key=lambda i: abs(diffs[i]))
    ranks4 = [0] * len(diffs)
    tie_sizes = []
    start = 0
    while start < len(order):
        end = start
        value = abs(diffs[order[start]])
        while end + 1 < len(order) and abs(diffs[order[end + 1]]) == value:
            end += 1
        size = end - start + 1
        # Average of ranks start+1 .. end+1, times four.
        average4 = 2 * (start + end + 2)
        for k in range(start, end + 1):
            ranks4[order[k]] = average4
        tie_sizes.append(size)
        start = end + 1
    return ranks4, tie_sizes


@functools.cache
def _exact_counts(n: int) -> tuple[int, ...]:
    """Number of sign patterns of ranks 1..n with each rank sum 0..n(n+1)/2."""
    counts = [1]
    for k in range(1, n + 1):
        new = counts + [0] * k
        for s, c in enumerate(counts):
            new[s + k] += c
        counts = new
    return tuple(counts)


def _exact_tail(n: int, statistic: int, alternative: str) -> float:
    counts = _exact_counts(n)
    if alternative == "greater":
        hits = sum(counts[statistic:])
    else:
        hits = sum(counts[: statistic + 1])
    return hits / 2**n


def _enumerated_tail(nonzero_ranks4: list[int], observed4: int, alternative: str) -> float:
    sums: dict[int, int] = {0: 1}
    for r in nonzero_ranks4:
        grown: dict[int, int] = dict(sums)
        for s, c in sums.items():
            grown[s + r] = grown.get(s + r, 0) + c
        sums = grown
    if alternative == "greater":
        hits = sum(c for s, c in sums.items() if s >= observed4)
    else:
        hits = sum(c for s, c in sums.items() if s <= observed4)
    # Flipping a zero changes nothing: counting 2**n patterns would scale hits and total alike.
    return hits / 2 ** len(nonzero_ranks4)


def _normal_tail(n: int, r_plus: float, tie_sizes: list[int], alternative: str) -> float:
    mean = n * (n + 1.0) * 0.25
    var_sum = n * (n + 1.0) * (2.0 * n + 1.0)
    tie_correction = float(sum(t**3 - t for t in tie_sizes))
    se = math.sqrt((var_sum - tie_correction / 2) / 24)
    z = (r_plus - mean) / se
    if alternative == "greater":
        z = -z
    return 0.5 * math.erfc(-z / math.sqrt(2.0))
