"""BG/NBD: the beta-geometric / negative binomial "buy till you die" model (Fader, Hardie & Lee 2005).

While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha); after each purchase they drop out with
probability p ~ Beta(a, b). The inputs are per customer: ``frequency`` x (repeat purchases), ``recency`` t_x
and age ``T``, all in one time unit (see :mod:`clientbase.analytics.rfm`).

Formulas: Fader, Hardie & Lee, "'Counting your customers' the easy way: an alternative to the Pareto/NBD
model", Marketing Science 24(2), 2005 (the likelihood, E[X(t)], P(X(t) = x) and the conditional expectation)
and Fader, Hardie & Lee, "Computing P(alive) using the BG/NBD model" (2008 note). Everything is evaluated in log space; the Gaussian hypergeometric functions
are taken in their Euler-transformed form ``(1 - z)^(a - 1) 2F1(a + b - 1 - r, a - 1; c; z)`` which stays finite
for customers with thousands of purchases.
"""

from __future__ import annotations

from typing import Self

import numpy as np
from scipy import special, stats

from clientbase.models.base import ArrayLike, FittedModel, FloatArray, check_rfm, fit_rfm_model


def bgnbd_log_likelihood(
    theta: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray, with_gradient: bool
) -> tuple[FloatArray, FloatArray | None]:
    """Per-customer BG/NBD log-likelihood (FHL 2005) and its gradient in (r, alpha, a, b)."""
    r, alpha, a, b = theta
    x_at_least_1 = np.maximum(x, 1.0)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.betaln(a, b + x) - special.betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(x > 0, np.log(a) - np.log(b + x_at_least_1 - 1) - (r + x) * np.log(alpha + t_x), -np.inf)
    d = np.logaddexp(a3, a4)
    ll = a1 + a2 + d
    if not with_gradient:
        return ll, None
    w3 = np.exp(a3 - d)
    w4 = np.exp(a4 - d)
    psi_ab, psi_abx = special.digamma(a + b), special.digamma(a + b + x)
    gradient = np.vstack(
        [
            special.digamma(r + x)
            - special.digamma(r)
            + np.log(alpha)
            - w3 * np.log(alpha + T)
            - w4 * np.log(alpha + t_x),
            r / alpha - w3 * (r + x) / (alpha + T) - w4 * (r + x) / (alpha + t_x),
            psi_ab - psi_abx + w4 / a,
            psi_ab + special.digamma(b + x) - special.digamma(b) - psi_abx - w4 / (b + x_at_least_1 - 1),
        ]
    )
    return ll, gradient


class BGNBDModel(FittedModel):
    """The BG/NBD model. Parameters ``r, alpha`` (purchase rate) and ``a, b`` (drop-out probability).

    Example:
        >>> from clientbase.models import BGNBDModel
        >>> model = BGNBDModel().fit([2, 1, 0, 0, 7, 3], [30.4, 1.7, 0, 0, 29.4, 20.0], [38.9] * 6)
        >>> round(model.probability_alive(0, 0, 38.9).item(), 3)
        1.0
        >>> BGNBDModel.from_json(model.to_json()).params_ == model.params_
        True
    """

    model_name = "bgnbd"
    param_names = ("r", "alpha", "a", "b")

    def fit(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, weights: ArrayLike | None = None
    ) -> Self:
        """Maximum-likelihood fit; ``weights`` count how many customers each row stands for.

        Args:
            frequency: repeat purchases per customer (whole numbers).
            recency: time of the last purchase since the first.
            T: time since the first purchase to the end of the calibration period.
            weights: optional number of customers per row (identical rows are grouped anyway).
        """
        fit_rfm_model(
            self, bgnbd_log_likelihood, frequency, recency, T, weights, time_params=(1,), analytic=True
        )
        return self

    def log_likelihood(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
        """Per-customer log-likelihood at the fitted parameters."""
        x, t_x, age = check_rfm(frequency, recency, T)
        return bgnbd_log_likelihood(np.array(self._params()), x, t_x, age, False)[0]

    def expected_purchases(self, t: ArrayLike) -> FloatArray:
        """E[X(t)]: expected purchases of a new customer in a period of length ``t``."""
        r, alpha, a, b = self._params()
        t = np.asarray(t, dtype=np.float64)
        z = t / (alpha + t)
        tail = (1 - z) ** (a - 1) * special.hyp2f1(a + b - 1 - r, a - 1, a + b - 1, z)
        return np.asarray((a + b - 1) / (a - 1) * (1 - tail), dtype=np.float64)

    def probability_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
        """P(alive | x, t_x, T); 1 for customers without repeat purchases."""
        r, alpha, a, b = self._params()
        x, t_x, age = check_rfm(frequency, recency, T)
        log_odds_dead = np.where(
            x > 0,
            np.log(a)
            - np.log(b + np.maximum(x, 1) - 1)
            + (r + x) * (np.log(alpha + age) - np.log(alpha + t_x)),
            -np.inf,
        )
        return np.asarray(special.expit(-log_odds_dead), dtype=np.float64)

    def conditional_expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` of a customer with this history."""
        r, alpha, a, b = self._params()
        x, _, age = check_rfm(frequency, recency, T)
        t = np.asarray(t, dtype=np.float64)
        z = t / (alpha + age + t)
        c = a + b + x - 1
        tail = (1 - z) ** (a - 1) * special.hyp2f1(a + b - 1 - r, a - 1, c, z)
        expected_if_alive = c / (a - 1) * (1 - tail)
        return np.asarray(expected_if_alive * self.probability_alive(x, recency, age), dtype=np.float64)

    def probability_of_purchases(self, n: ArrayLike, t: ArrayLike) -> FloatArray:
        """P(X(t) = n): probability that a new customer makes exactly ``n`` purchases in (0, t]."""
        r, alpha, a, b = self._params()
        n = np.asarray(n, dtype=np.float64)
        t = np.asarray(t, dtype=np.float64)
        p = alpha / (alpha + t)
        beta_ab = special.betaln(a, b)
        alive = np.exp(special.betaln(a, b + n) - beta_ab + stats.nbinom.logpmf(n, r, p))
        dropped = np.where(
            n > 0,
            np.exp(special.betaln(a + 1, b + np.maximum(n, 1) - 1) - beta_ab)
            * stats.nbinom.sf(np.maximum(n, 1) - 1, r, p),
            0.0,
        )
        return np.asarray(alive + dropped, dtype=np.float64)
