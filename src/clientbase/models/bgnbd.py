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

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from clientbase.models.base import (
    ArrayLike,
    FloatArray,
    RfmData,
    RfmModel,
    check_rfm,
    dot,
)

#: from this size on, log-gamma and digamma differences use their asymptotic (Stirling) series, which have no
#: cancellation: ``gammaln(z + m) - gammaln(z)`` loses ``z log z * 1e-16`` absolutely, garbage for z ~ 1e12
_ASYMPTOTIC = 1e5
#: from this a + b on, the beta mixtures take their limit: every customer has the same p = a / (a + b)
LIMIT_SIZE = 1e10
_NODES, _WEIGHTS = np.polynomial.hermite.hermgauss(20)
_LOG_WEIGHTS = np.log(_WEIGHTS) + _NODES**2


def log_pochhammer(z: ArrayLike, m: ArrayLike) -> FloatArray:
    """``log Gamma(z + m) - log Gamma(z)`` for z > 0, m >= 0, accurate for any size of z."""
    z_, m_ = np.broadcast_arrays(np.asarray(z, dtype=np.float64), np.asarray(m, dtype=np.float64))
    big = z_ >= _ASYMPTOTIC
    small = np.where(big, 1.0, z_)
    exact = special.gammaln(small + m_) - special.gammaln(small)
    zs = np.where(big, z_, 1.0)
    w = zs + m_
    stirling = m_ * np.log(w) - m_ + (zs - 0.5) * np.log1p(m_ / zs) - m_ / (12 * zs * w)
    return np.asarray(np.where(big, stirling, exact), dtype=np.float64)


def digamma_difference(z: ArrayLike, m: ArrayLike) -> FloatArray:
    """``digamma(z + m) - digamma(z)`` for z > 0, m >= 0, accurate for any size of z."""
    z_, m_ = np.broadcast_arrays(np.asarray(z, dtype=np.float64), np.asarray(m, dtype=np.float64))
    big = z_ >= _ASYMPTOTIC
    small = np.where(big, 1.0, z_)
    exact = special.digamma(small + m_) - special.digamma(small)
    zs = np.where(big, z_, 1.0)
    w = zs + m_
    series = np.log1p(m_ / zs) + m_ / (2 * zs * w) + m_ * (zs + w) / (12 * zs**2 * w**2)
    return np.asarray(np.where(big, series, exact), dtype=np.float64)


def log_beta_ratio(a: float, b: float, n: ArrayLike) -> FloatArray:
    """``log B(a, b + n) - log B(a, b)``; tends to ``n log(b / (a + b))`` as a, b -> infinity."""
    return log_pochhammer(b, n) - log_pochhammer(a + b, n)


def beta_mixture_complement(A: ArrayLike, v: ArrayLike, D: ArrayLike, E: ArrayLike) -> FloatArray:
    """``1 - E[(1 + s v)^(-A)]`` for ``s ~ Beta(D, E)``, that is ``1 - 2F1(A, D; D + E; -v)``.

    The expectations of BG/NBD and MBG/NBD are ``(D + E) / D`` times this (D = a - 1). Three regimes:

    - D + E >= :data:`LIMIT_SIZE`: the limit ``1 - (1 + p v)^(-A)``, p = D / (D + E) (all mass of Beta at p);
    - D, E >= 10: Gauss-Hermite quadrature (20 nodes) of the Beta mixture in logit space, centred on the mode
      of the integrand and self-normalised, written without cancellation (relative error < 1e-9 against the
      series, a + b from 25 to 1e10); scipy's ``hyp2f1`` returns NaN there once a + b passes ~1e4;
    - otherwise (a small, as on CDNOW): scipy's ``hyp2f1`` in the Euler-transformed form.
    """
    A_, v_, D_, E_ = np.broadcast_arrays(*(np.asarray(value, dtype=np.float64) for value in (A, v, D, E)))
    C_ = D_ + E_
    out = np.empty(A_.shape)
    limit = C_ >= LIMIT_SIZE
    quadrature = ~limit & (D_ >= 10) & (E_ >= 10)
    exact = ~limit & ~quadrature
    if limit.any():
        p = D_[limit] / C_[limit]
        out[limit] = -np.expm1(-A_[limit] * np.log1p(p * v_[limit]))
    if quadrature.any():
        q = quadrature  # customers with the same (x, T) share one evaluation
        rows, inverse = _unique_rows([A_[q], v_[q], D_[q], E_[q]])
        out[q] = -np.expm1(_log_beta_mixture(*rows))[inverse]
    if exact.any():
        Ae, ve, De, Ce = A_[exact], v_[exact], D_[exact], C_[exact]
        z = ve / (1 + ve)
        out[exact] = 1 - (1 - z) ** De * special.hyp2f1(Ce - Ae, De, Ce, z)
    return out


def _unique_rows(columns: list[FloatArray]) -> tuple[list[FloatArray], npt.NDArray[np.intp]]:
    """The distinct rows of ``columns`` and, per row, the index of its distinct row (one lexsort)."""
    order = np.lexsort(columns[::-1])
    change = np.zeros(order.size, dtype=bool)
    change[:1] = True
    for column in columns:
        ordered = column[order]
        change[1:] |= ordered[1:] != ordered[:-1]
    inverse = np.empty(order.size, dtype=np.intp)
    inverse[order] = np.cumsum(change) - 1
    return [column[order[change]] for column in columns], inverse


def _log_beta_mixture(A: FloatArray, v: FloatArray, D: FloatArray, E: FloatArray) -> FloatArray:
    """``log E[(1 + s v)^(-A)]``, s ~ Beta(D, E), by Gauss-Hermite quadrature in y = logit(s).

    In y the integrand is ``exp(h(y))``, h = D y - C log(1 + e^y) - A log(1 + v sigmoid(y)); its mode solves
    ``v (A - C) s^2 + (v (D - A) - C) s + D = 0`` (one root in (0, 1)). Numerator and normaliser (A = 0, once
    per distinct (D, E)) are each integrated around their own mode; h is evaluated as a difference from the
    mode with log1p/expm1, so its rounding error is ~1e-16 sqrt(C), not 1e-16 C.
    """
    C = D + E
    qa = v * (A - C)
    qb = v * (D - A) - C
    s = 2 * D / (-qb + np.sqrt(qb * qb - 4 * qa * D))
    s0 = D / C
    g = s * (1 - s)
    curvature = C * g + A * v * g * (1 - 2 * s - v * s * s) / (1 + v * s) ** 2
    tau = 1 / np.sqrt(curvature)
    xi = _NODES[:, None]

    def log_integral(
        mode: FloatArray, scale: FloatArray, d: FloatArray, c: FloatArray, a_: FloatArray, v_: FloatArray
    ) -> FloatArray:
        step = np.expm1(np.sqrt(2) * scale * xi)
        h = d * np.sqrt(2) * scale * xi - c * np.log1p(mode * step)
        h = h - a_ * np.log1p(v_ * mode * (1 - mode) * step / ((1 + mode * step) * (1 + v_ * mode)))
        return np.asarray(
            special.logsumexp(h + _LOG_WEIGHTS[:, None], axis=0) + np.log(scale), dtype=np.float64
        )

    pairs, pair_index = _unique_rows([D, E])
    D0, C0 = pairs[0], pairs[0] + pairs[1]
    p0 = D0 / C0
    zero = np.zeros_like(D0)
    log_normaliser = log_integral(p0, 1 / np.sqrt(C0 * p0 * (1 - p0)), D0, C0, zero, zero)
    gap = np.log(s) - np.log1p(-s) - np.log(s0) + np.log1p(-s0)
    shift = D * gap - C * np.log1p(s0 * np.expm1(gap)) - A * np.log1p(v * s)
    return np.asarray(shift + log_integral(s, tau, D, C, A, v) - log_normaliser[pair_index], dtype=np.float64)


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
        special.gammaln(r + xv) - special.gammaln(r) + r * np.log(alpha) + log_beta_ratio(a, b, xv + shift)
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
    psi_ab_abx = -digamma_difference(a + b, xv + shift)  # digamma(a + b) - digamma(a + b + x + shift)
    weight_x = data.weight_by_x
    gradient = np.array(
        [
            dot(weight_x, special.digamma(r + xv) - special.digamma(r) + np.log(alpha))
            - dot(data.weight_by_T, log_t_values)
            - dot(dropped, log_gap),
            float(w.sum()) * r / alpha
            - dot(r * data.weight_by_T + data.weighted_x_by_T, inv_t_values)
            - dot(dropped * rx, inv_gap),
            dot(weight_x, psi_ab_abx) + float(dropped.sum()) / a,
            dot(weight_x, psi_ab_abx + digamma_difference(b, xv + shift)) - dot(dropped, (1 / b_term)[xi]),
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
    a2 = log_beta_ratio(a, b, x)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(
        x > 0, np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x), -np.inf
    )
    return np.asarray(a1 + a2 + np.logaddexp(a3, a4), dtype=np.float64)


class BGNBDModel(RfmModel):
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
    total_log_likelihood = staticmethod(bgnbd_log_likelihood)
    customer_log_likelihood = staticmethod(bgnbd_customer_log_likelihood)
    bounded_params = (2, 3)

    def expected_purchases(self, t: ArrayLike) -> FloatArray:
        """E[X(t)]: expected purchases of a new customer in a period of length ``t``."""
        r, alpha, a, b = self._params()
        t = np.asarray(t, dtype=np.float64)
        # (a + b - 1)/(a - 1) [1 - (alpha/(alpha + t))^r 2F1(r, b; a + b - 1; t/(alpha + t))]; the bracket is
        # 1 - 2F1(r, a - 1; a + b - 1; -t/alpha) (Pfaff). Limit a, b -> inf: (1 - (alpha/(alpha + p t))^r) / p
        complement = beta_mixture_complement(r, t / alpha, a - 1, b)
        return np.asarray((a + b - 1) / (a - 1) * complement, dtype=np.float64)

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
        # (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))], the
        # bracket as 1 - 2F1(r+x, a-1; a+b+x-1; -t/(alpha+T)). Limit: (1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p
        complement = beta_mixture_complement(r + x, t / (alpha + age), a - 1, b + x)
        expected_if_alive = (a + b + x - 1) / (a - 1) * complement
        return np.asarray(expected_if_alive * self.probability_alive(x, recency, age), dtype=np.float64)

    def probability_of_purchases(self, n: ArrayLike, t: ArrayLike) -> FloatArray:
        """P(X(t) = n): probability that a new customer makes exactly ``n`` purchases in (0, t]."""
        r, alpha, a, b = self._params()
        n = np.asarray(n, dtype=np.float64)
        t = np.asarray(t, dtype=np.float64)
        p = alpha / (alpha + t)
        alive = np.exp(log_beta_ratio(a, b, n) + stats.nbinom.logpmf(n, r, p))
        # B(a + 1, b + n - 1) / B(a, b) = a / (b + n - 1) B(a, b + n) / B(a, b)
        n1 = np.maximum(n, 1)
        dropped = np.where(
            n > 0,
            np.exp(np.log(a) - np.log(b + n1 - 1) + log_beta_ratio(a, b, n1)) * stats.nbinom.sf(n1 - 1, r, p),
            0.0,
        )
        return np.asarray(alive + dropped, dtype=np.float64)
