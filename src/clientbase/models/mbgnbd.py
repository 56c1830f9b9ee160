"""MBG/NBD: the modified BG/NBD model (Batislam, Denizel & Filiztekin 2007; Wagner & Hoppe 2008).

As BG/NBD, but a customer may also drop out right after the first purchase (at time 0), so customers with
no repeat purchase are not certainly alive. Parameters ``r, alpha`` (purchase rate, Gamma) and ``a, b``
(drop-out probability, Beta). Formulas: Batislam et al., "Empirical validation and comparison of models for
customer base analysis", IJRM 24(3), 2007, eqs. 5-9, in the form of lifetimes' ``ModifiedBetaGeoFitter`` and
BTYDplus' ``mbgcnbd`` with k = 1; evaluated in log space with Euler-transformed hypergeometric functions.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from clientbase.models.base import (
    ArrayLike,
    FloatArray,
    RfmData,
    RfmModel,
    check_rfm,
)
from clientbase.models.bgnbd import beta_mixture_complement, bg_family_log_likelihood, log_beta_ratio


def mbgnbd_log_likelihood(
    theta: FloatArray, data: RfmData, with_gradient: bool
) -> tuple[float, FloatArray | None]:
    """Weighted total MBG/NBD log-likelihood and its gradient in (r, alpha, a, b)."""
    return bg_family_log_likelihood(theta, data, with_gradient, modified=True)


def mbgnbd_customer_log_likelihood(
    theta: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> FloatArray:
    """The MBG/NBD log-likelihood of each customer (lifetimes' ModifiedBetaGeoFitter form)."""
    r, alpha, a, b = theta
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = log_beta_ratio(a, b, x + 1)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + x) - (r + x) * np.log(alpha + t_x)
    return np.asarray(a1 + a2 + np.logaddexp(a3, a4), dtype=np.float64)


class MBGNBDModel(RfmModel):
    """The MBG/NBD model. Parameters ``r, alpha, a, b``.

    Example:
        >>> from clientbase.models import MBGNBDModel
        >>> model = MBGNBDModel().fit([2, 1, 0, 0, 7, 3], [30.4, 1.7, 0, 0, 29.4, 20.0], [38.9] * 6)
        >>> 0 < model.probability_alive(0, 0, 38.9).item() < 1
        True
    """

    model_name = "mbgnbd"
    param_names = ("r", "alpha", "a", "b")
    total_log_likelihood = staticmethod(mbgnbd_log_likelihood)
    customer_log_likelihood = staticmethod(mbgnbd_customer_log_likelihood)
    bounded_params = (2, 3)

    def expected_purchases(self, t: ArrayLike) -> FloatArray:
        """E[X(t)]: expected purchases of a new customer in a period of length ``t``."""
        r, alpha, a, b = self._params()
        t = np.asarray(t, dtype=np.float64)
        # b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))], the bracket as
        # 1 - 2F1(r, a-1; a+b; -t/alpha). Limit a, b -> inf: (1 - p)/p (1 - (alpha/(alpha + p t))^r)
        complement = beta_mixture_complement(r, t / alpha, a - 1, b + 1)
        return np.asarray(b / (a - 1) * complement, dtype=np.float64)

    def probability_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
        """P(alive | x, t_x, T); below 1 even without repeat purchases (drop-out at time 0)."""
        r, alpha, a, b = self._params()
        x, t_x, age = check_rfm(frequency, recency, T)
        log_odds_dead = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + age) - np.log(alpha + t_x))
        return np.asarray(special.expit(-log_odds_dead), dtype=np.float64)

    def conditional_expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` of a customer with this history."""
        r, alpha, a, b = self._params()
        x, _, age = check_rfm(frequency, recency, T)
        t = np.asarray(t, dtype=np.float64)
        # (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))], the
        # bracket as 1 - 2F1(r+x, a-1; a+b+x; -t/(alpha+T)). Limit: (1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p
        complement = beta_mixture_complement(r + x, t / (alpha + age), a - 1, b + x + 1)
        expected_if_alive = (a + b + x) / (a - 1) * complement
        return np.asarray(expected_if_alive * self.probability_alive(x, recency, age), dtype=np.float64)

    def probability_of_purchases(self, n: ArrayLike, t: ArrayLike) -> FloatArray:
        """P(X(t) = n) for a new customer (drop-out possible after every purchase, the first included)."""
        r, alpha, a, b = self._params()
        n = np.asarray(n, dtype=np.float64)
        t = np.asarray(t, dtype=np.float64)
        p = alpha / (alpha + t)
        alive = np.exp(log_beta_ratio(a, b, n + 1) + stats.nbinom.logpmf(n, r, p))
        # dropped after the n-th purchase: n purchases happened before the drop-out time
        survival = np.where(n > 0, stats.nbinom.sf(np.maximum(n, 1) - 1, r, p), 1.0)
        # B(a + 1, b + n) / B(a, b) = a / (a + b + n) B(a, b + n) / B(a, b)
        dropped = np.exp(np.log(a) - np.log(a + b + n) + log_beta_ratio(a, b, n)) * survival
        return np.asarray(alive + dropped, dtype=np.float64)
