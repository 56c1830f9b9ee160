"""The share of duplicates in a list, re-estimated from the scored candidate pairs.

Before scoring, the prior (the probability that two random records are duplicates) is estimated from a few
near-certain rules, assuming they find 70 % of the duplicates. On a list whose duplicates are heavily
mistyped they find far fewer, and the prior comes out several times too small, which pushes every pair's
probability down. Once the model is trained, each candidate pair's evidence ``W`` (its match weight less the
prior's log-odds) is known, and the prior that agrees with it is the fixed point of

    prior = sum over candidate pairs of P(match | W, prior) / number of possible pairs,

the expectation-maximisation update of the prior alone, run over all candidate pairs instead of one training
block. Pairs outside the candidates are taken as non-matches (their probability is negligible).
"""

from __future__ import annotations

import math

import numpy as np


def log2_odds(probability: float) -> float:
    """``log2(p / (1 - p))``.

    Example:
        >>> log2_odds(0.5), round(log2_odds(0.2), 3)
        (0.0, -2.0)
    """
    return math.log2(probability / (1.0 - probability))


def calibrated_prior(
    evidence: np.ndarray, prior: float, total_pairs: float, *, iterations: int = 100
) -> float:
    """The fixed point of the prior given each candidate pair's ``evidence`` (bits, without the prior).

    Kept within ``[1 / total_pairs, 0.5)``.

    Example:
        >>> import numpy as np
        >>> # 100 pairs with overwhelming evidence among 1,000,000 possible pairs: the prior is 100 / 1e6
        >>> round(calibrated_prior(np.full(100, 40.0), 1e-6, 1e6), 8)
        0.0001
    """
    low, high = 1.0 / max(total_pairs, 2.0), 0.499
    current = min(max(prior, low), high)
    for _ in range(iterations):
        probability = 1.0 / (1.0 + np.exp2(-(evidence + log2_odds(current))))
        updated = min(max(float(probability.sum()) / total_pairs, low), high)
        if abs(updated - current) <= 1e-4 * current:
            return updated
        current = updated
    return current


def decontaminated_u(observed: np.ndarray, m: np.ndarray, prior: float, floor: float) -> np.ndarray:
    """The u of a comparison's levels with the true duplicates taken out of the random pairs.

    u is estimated on random pairs, and a share ``prior`` of those are duplicates, which reach each level
    with probability m: ``observed = prior * m + (1 - prior) * u``. On a list with many duplicates this
    matters for rare agreement levels (the same address: observed 2e-4 where u is 5e-5). The correction
    never lowers u below a tenth of what was observed: the observed counts of rare levels are small, and a
    difference of two small counts is noisier than either.

    Example:
        >>> import numpy as np
        >>> u = decontaminated_u(np.array([2.25e-4, 0.999775]), np.array([0.4, 0.6]), 4e-4, 1e-6)
        >>> [round(float(x), 7) for x in u]
        [6.5e-05, 0.999935]
    """
    u = np.maximum((observed - prior * m) / (1.0 - prior), np.maximum(floor, observed / 10.0))
    return np.asarray(u / u.sum())
