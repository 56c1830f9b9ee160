"""Gamma-Gamma model of the value of purchases (Fader & Hardie, "The Gamma-Gamma Model of Monetary Value", 2013;
Colombo & Jiang 1999).

A customer's purchase values are Gamma(p, nu) with nu ~ Gamma(q, gamma) across customers; independent of the
purchase process. It is fitted on the customers with at least one repeat purchase, from their number of repeat
purchases ``frequency`` x and the mean value of those purchases ``monetary_value`` (z-bar, the first purchase
excluded, as :func:`clientbase.analytics.rfm.rfm_summary` computes it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np
from scipy import special

from clientbase.errors import Problem, ValidationError
from clientbase.models.base import (
    ArrayLike,
    FittedModel,
    FloatArray,
    as_float_array,
    dot,
    group_identical,
    log_standard_errors,
    maximise_likelihood,
)


@dataclass(frozen=True)
class SpendData:
    """Repeat buyers' ``x``, mean spend ``m`` and weights ``w``, with the sums the likelihood needs."""

    w: FloatArray
    wx: FloatArray
    xm: FloatArray
    x_values: FloatArray
    weight_by_x: FloatArray
    #: sum of w x (log m + log x), and sum of w log m
    constant_x_log: float
    constant_log_m: float

    @classmethod
    def build(cls, x: FloatArray, m: FloatArray, w: FloatArray) -> SpendData:
        xv, xi = np.unique(x, return_inverse=True)
        log_m = np.log(m)
        return cls(
            w,
            w * x,
            x * m,
            xv,
            np.asarray(np.bincount(xi.ravel(), w, xv.size), dtype=np.float64),
            dot(w * x, log_m + np.log(x)),
            dot(w, log_m),
        )


def gamma_gamma_log_likelihood(
    theta: FloatArray, data: SpendData, with_gradient: bool
) -> tuple[float, FloatArray | None]:
    """Weighted total of log f(z-bar | p, q, gamma, x) of Fader & Hardie (2013), and its gradient in (p, q, gamma).

    Per customer: log G(px + q) - log G(px) - log G(q) + q log gamma + (px - 1) log m + px log x
    - (px + q) log(x m + gamma).
    """
    p, q, gamma = theta
    xv = data.x_values
    log_xm_gamma = np.log(data.xm + gamma)
    per_x = special.gammaln(p * xv + q) - special.gammaln(p * xv) - special.gammaln(q) + q * np.log(gamma)
    total = (
        dot(data.weight_by_x, per_x)
        + p * data.constant_x_log
        - data.constant_log_m
        - p * dot(data.wx, log_xm_gamma)
        - q * dot(data.w, log_xm_gamma)
    )
    if not with_gradient:
        return total, None
    psi_pxq = special.digamma(p * xv + q)
    inverse = 1 / (data.xm + gamma)
    gradient = np.array(
        [
            dot(data.weight_by_x, xv * (psi_pxq - special.digamma(p * xv)))
            + data.constant_x_log
            - dot(data.wx, log_xm_gamma),
            dot(data.weight_by_x, psi_pxq - special.digamma(q) + np.log(gamma)) - dot(data.w, log_xm_gamma),
            float(data.w.sum()) * q / gamma - p * dot(data.wx, inverse) - q * dot(data.w, inverse),
        ]
    )
    return total, gradient


class GammaGammaModel(FittedModel):
    """The Gamma-Gamma spend model. Parameters ``p, q, gamma``.

    Example:
        >>> from clientbase.models import GammaGammaModel
        >>> model = GammaGammaModel().fit([2, 1, 7, 3, 1, 4], [22.35, 11.77, 73.74, 25.55, 40.0, 30.0])
        >>> float(model.conditional_expected_average_spend(0, 0).item()) == model.mean_spend()
        True
    """

    model_name = "gammagamma"
    param_names = ("p", "q", "gamma")

    def fit(self, frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None = None) -> Self:
        """Maximum-likelihood fit on the customers with ``frequency > 0`` (the others carry no spend data).

        Args:
            frequency: repeat purchases per customer.
            monetary_value: mean value of the repeat purchases (must be > 0 where frequency > 0).
            weights: optional number of customers per row (identical rows are grouped anyway).
        """
        x = as_float_array(frequency, "frequency")
        m = as_float_array(monetary_value, "monetary_value")
        if x.size != m.size:
            raise ValidationError(
                [Problem("RFM summary", None, None, None, "frequency and monetary_value differ in length")]
            )
        w = np.ones(x.size) if weights is None else as_float_array(weights, "weights")
        repeat = (x > 0) & (w > 0)
        bad = np.flatnonzero(repeat & (m <= 0))
        if bad.size:
            row = int(bad[0])
            raise ValidationError(
                [
                    Problem(
                        "RFM summary",
                        row + 1,
                        "monetary_value",
                        str(m[row]),
                        "a repeat buyer's mean spend must be > 0 (drop zero-value purchases or such customers)",
                    )
                ],
                total=int(bad.size),
            )
        (x, m), w = group_identical([x[repeat], m[repeat]], w[repeat])
        if x.size == 0:
            raise ValidationError(
                [
                    Problem(
                        "RFM summary",
                        None,
                        "frequency",
                        None,
                        "no customer with a repeat purchase: nothing to fit",
                    )
                ]
            )
        scale = 10.0 / float(np.average(m, weights=w))  # spend rescaled to a mean of 10 while optimising
        scaled = SpendData.build(x, m * scale, w)
        n = float(w.sum())

        def objective(u: FloatArray, with_gradient: bool) -> tuple[float, FloatArray | None]:
            theta = np.exp(u)
            total, grad = gamma_gamma_log_likelihood(theta, scaled, with_gradient)
            f = -total / n
            if not np.isfinite(f):
                return np.inf, (np.zeros_like(u) if with_gradient else None)
            if grad is None:
                return f, None
            return f, -grad * theta / n

        u = maximise_likelihood(self.model_name, objective, np.zeros(3), analytic=True)
        se_log = log_standard_errors(objective, u, n, analytic=True)
        theta = np.exp(u)
        theta[2] /= scale
        total = gamma_gamma_log_likelihood(theta, SpendData.build(x, m, w), False)[0]
        self._set_fit(theta, theta * se_log, total, n)
        return self

    def mean_spend(self) -> float:
        """Population mean value of a purchase, p gamma / (q - 1) (infinite when q <= 1)."""
        p, q, gamma = self._params()
        return p * gamma / (q - 1) if q > 1 else float("inf")

    def conditional_expected_average_spend(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> FloatArray:
        """E[Z | x, z-bar] = p (gamma + x z-bar) / (p x + q - 1): a customer's expected value per purchase.

        A weighted mean of the population mean and the customer's own mean; customers without repeat purchases
        get the population mean.
        """
        p, q, gamma = self._params()
        x = as_float_array(frequency, "frequency")
        m = as_float_array(monetary_value, "monetary_value")
        m = np.where(x > 0, m, 0.0)
        return np.asarray(p * (gamma + x * m) / (p * x + q - 1), dtype=np.float64)
