"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987), in the form of Fader & Hardie's notes.

While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha); their lifetime is exponential with rate
mu ~ Gamma(s, beta), independent of lambda. Formulas: Fader & Hardie, "A Note on Deriving the Pareto/NBD Model
and Related Expressions" (2005): the likelihood with its hypergeometric term A0, P(alive) and the
conditional expectation; E[X(t)] as in Schmittlein et al.
P(X(t) = n) is computed from its definition, a one-dimensional integral over the lifetime (quadrature),
rather than the long closed form of Fader & Hardie (2006). ``beta`` is weakly identified on small data.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, special, stats

from clientbase.models.base import (
    ArrayLike,
    FloatArray,
    RfmData,
    RfmModel,
    check_rfm,
    dot,
)


def _log_hyp2f1_c_is_a_plus_1(a: FloatArray, b: FloatArray | float, z: FloatArray) -> FloatArray:
    """log 2F1(a, b; a + 1; z) for 0 <= z < 1, finite even when the direct value overflows (large b)."""
    direct = special.hyp2f1(a, b, a + 1, z)
    # Pfaff: 2F1(a, b; c; z) = (1 - z)^(-b) 2F1(c - a, b; c; z / (z - 1)), here c - a = 1
    pfaff = -b * np.log1p(-z) + np.log(special.hyp2f1(1.0, b, a + 1, z / (z - 1)))
    ok = np.isfinite(direct) & (direct > 0)
    return np.asarray(np.where(ok, np.log(np.where(ok, direct, 1.0)), pfaff), dtype=np.float64)


def _log_a0(theta: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """log A0 of Fader & Hardie (2005), in its alpha >= beta or alpha < beta form; -inf when t_x = T."""
    r, alpha, s, beta = theta
    rsx = r + s + x
    if alpha >= beta:
        low, high, b_param = beta, alpha, s + 1
    else:
        low, high, b_param = alpha, beta, r + x
    gap = high - low
    log_1 = _log_hyp2f1_c_is_a_plus_1(rsx, b_param, gap / (high + t_x)) - rsx * np.log(high + t_x)
    log_2 = _log_hyp2f1_c_is_a_plus_1(rsx, b_param, gap / (high + T)) - rsx * np.log(high + T)
    difference = np.minimum(log_2 - log_1, 0.0)
    with np.errstate(divide="ignore"):
        return np.asarray(log_1 + np.log(-np.expm1(difference)), dtype=np.float64)


def pareto_nbd_log_likelihood(theta: FloatArray, data: RfmData, with_gradient: bool) -> tuple[float, None]:
    """Weighted total Pareto/NBD log-likelihood (no analytic gradient)."""
    return dot(data.weight, pareto_nbd_customer_log_likelihood(theta, data.x, data.t_x, data.T)), None


def pareto_nbd_customer_log_likelihood(
    theta: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> FloatArray:
    """The Pareto/NBD log-likelihood of each customer (Fader & Hardie 2005 note)."""
    r, alpha, s, beta = theta
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha) + s * math.log(beta)
    survived = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    died = math.log(s) - np.log(r + s + x) + _log_a0(theta, x, t_x, T)
    return np.asarray(a1 + np.logaddexp(survived, died), dtype=np.float64)


class ParetoNBDModel(RfmModel):
    """The Pareto/NBD model. Parameters ``r, alpha`` (purchase rate) and ``s, beta`` (drop-out rate).

    Example:
        >>> from clientbase.models import ParetoNBDModel
        >>> model = ParetoNBDModel().fit([2, 1, 0, 0, 7, 3, 0], [30.4, 1.7, 0, 0, 29.4, 20.0, 0], [38.9] * 7)
        >>> bool(model.probability_alive(1000, 10, 100).item() < 1e-12)
        True
    """

    model_name = "pareto"
    param_names = ("r", "alpha", "s", "beta")
    total_log_likelihood = staticmethod(pareto_nbd_log_likelihood)
    customer_log_likelihood = staticmethod(pareto_nbd_customer_log_likelihood)
    time_params = (1, 3)
    analytic_gradient = False

    def expected_purchases(self, t: ArrayLike) -> FloatArray:
        """E[X(t)] = r beta / (alpha (s - 1)) [1 - (beta / (beta + t))^(s - 1)] for a new customer."""
        r, alpha, s, beta = self._params()
        t = np.asarray(t, dtype=np.float64)
        return np.asarray(r / alpha * _lifetime_integral(s, beta, t), dtype=np.float64)

    def probability_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
        """P(alive | x, t_x, T)."""
        theta = np.array(self._params())
        r, alpha, s, beta = theta
        x, t_x, age = check_rfm(frequency, recency, T)
        log_odds_dead = (
            math.log(s)
            - np.log(r + s + x)
            + (r + x) * np.log(alpha + age)
            + s * np.log(beta + age)
            + _log_a0(theta, x, t_x, age)
        )
        return np.asarray(special.expit(-log_odds_dead), dtype=np.float64)

    def conditional_expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T] = P(alive) (r + x)/(alpha + T) E[time alive in (T, T + t] | alive at T]."""
        r, alpha, s, beta = self._params()
        x, _, age = check_rfm(frequency, recency, T)
        t = np.asarray(t, dtype=np.float64)
        rate = (r + x) / (alpha + age)
        return np.asarray(
            self.probability_alive(x, recency, age) * rate * _lifetime_integral(s, beta + age, t),
            dtype=np.float64,
        )

    def probability_of_purchases(self, n: ArrayLike, t: ArrayLike) -> FloatArray:
        """P(X(t) = n) for a new customer.

        Given the lifetime tau, the purchases in (0, min(tau, t)] are negative binomial; tau has density
        s beta^s / (beta + tau)^(s + 1). So P(X(t) = n) = (beta/(beta+t))^s NB(n; r, alpha/(alpha+t))
        + integral_0^t s beta^s/(beta+tau)^(s+1) NB(n; r, alpha/(alpha+tau)) d tau.
        """
        r, alpha, s, beta = self._params()

        def one(count: float, horizon: float) -> float:
            alive = math.exp(s * (math.log(beta) - math.log(beta + horizon))) * stats.nbinom.pmf(
                count, r, alpha / (alpha + horizon)
            )

            def dying_at(tau: float) -> float:
                log_density = math.log(s) + s * math.log(beta) - (s + 1) * math.log(beta + tau)
                return float(math.exp(log_density) * stats.nbinom.pmf(count, r, alpha / (alpha + tau)))

            died, _ = integrate.quad(dying_at, 0.0, horizon, limit=200, epsabs=1e-12, epsrel=1e-10)
            return float(alive + died)

        return np.asarray(np.vectorize(one, otypes=[np.float64])(n, t), dtype=np.float64)


def _lifetime_integral(s: float, beta: FloatArray | float, t: FloatArray) -> FloatArray:
    """beta/(s-1) [1 - (beta/(beta+t))^(s-1)]: expected time alive in the next t (limit beta log(1 + t/beta) at s=1)."""
    log_ratio = np.log(beta) - np.log(beta + t)
    if abs(s - 1) < 1e-12:
        return np.asarray(-np.asarray(beta) * log_ratio, dtype=np.float64)
    return np.asarray(np.asarray(beta) * -np.expm1((s - 1) * log_ratio) / (s - 1), dtype=np.float64)
