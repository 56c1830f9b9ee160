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

from clientbase.models.base import ArrayLike, FittedModel, FloatArray, RfmData, check_rfm, dot, fit_rfm_model


def bg_family_log_likelihood(
    theta: FloatArray, data: RfmData, with_gradient: bool, *, modified: bool = False
) -> tuple[float, FloatArray | None]:
    """Weighted total log-likelihood of BG/NBD (or, ``modified``, MBG/NBD) and its gradient in (r, alpha, a, b).

    Per customer, ll = f(x) - (r + x) log(alpha + T) + log(1 + exp(delta)) with
    delta = c(x) - (r + x) (log(alpha + t_x) - log(alpha + T)); c(x) = log a - log(b + x - 1) for BG/NBD (and
    -inf without repeat purchases), log a - log(b + x) for MBG/NBD. Terms in x alone or T alone are summed per
    distinct value; only delta is evaluated per row. Its sigmoid is the probability of having dropped out.
    """
    r, alpha, a, b = theta
    xv, xi, x, w = data.x_values, data.x_index, data.x, data.weight
    shift = 1.0 if modified else 0.0  # MBG/NBD: one more drop-out opportunity (after the first purchase)
    per_x = (
        special.gammaln(r + xv)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.betaln(a, b + xv + shift)
        - special.betaln(a, b)
    )
    if modified:
        b_term = b + xv
        c = np.log(a) - np.log(b_term)
    else:
        b_term = b + np.maximum(xv, 1.0) - 1
        c = np.where(xv > 0, np.log(a) - np.log(b_term), -np.inf)
    log_t_values = np.log(alpha + data.T_values)
    log_t = log_t_values[data.T_index]
    log_gap = np.log(alpha + data.t_x_values)[data.t_x_index] - log_t
    rx = r + x
    delta = c[xi] - rx * log_gap
    total = (
        dot(data.weight_by_x, per_x)
        - dot(r * data.weight_by_T + data.weighted_x_by_T, log_t_values)
        + dot(w, np.logaddexp(0.0, delta))
    )
    if not with_gradient:
        return total, None
    dropped = w * special.expit(delta)  # weight x P(the last purchase was followed by the drop-out)
    inv_t_values = 1 / (alpha + data.T_values)
    inv_gap = (1 / (alpha + data.t_x_values))[data.t_x_index] - inv_t_values[data.T_index]
    psi_ab, psi_abx = special.digamma(a + b), special.digamma(a + b + xv + shift)
    weight_x = data.weight_by_x
    gradient = np.array(
        [
            dot(weight_x, special.digamma(r + xv) - special.digamma(r) + np.log(alpha))
            - dot(data.weight_by_T, log_t_values)
            - dot(dropped, log_gap),
            float(w.sum()) * r / alpha
            - dot(r * data.weight_by_T + data.weighted_x_by_T, inv_t_values)
            - dot(dropped * rx, inv_gap),
            dot(weight_x, psi_ab - psi_abx) + float(dropped.sum()) / a,
            dot(weight_x, psi_ab + special.digamma(b + xv + shift) - special.digamma(b) - psi_abx)
            - dot(dropped, (1 / b_term)[xi]),
        ]
    )
    return total, gradient


def bgnbd_log_likelihood(
    theta: FloatArray, data: RfmData, with_gradient: bool
) -> tuple[float, FloatArray | None]:
    """Weighted total BG/NBD log-likelihood (FHL 2005) and its gradient in (r, alpha, a, b)."""
    return bg_family_log_likelihood(theta, data, with_gradient, modified=False)


def bgnbd_customer_log_likelihood(
    theta: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> FloatArray:
    """The BG/NBD log-likelihood of each customer, straight from FHL (2005)."""
    r, alpha, a, b = theta
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.betaln(a, b + x) - special.betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(
        x > 0, np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x), -np.inf
    )
    return np.asarray(a1 + a2 + np.logaddexp(a3, a4), dtype=np.float64)


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
        return bgnbd_customer_log_likelihood(np.array(self._params()), x, t_x, age)

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
