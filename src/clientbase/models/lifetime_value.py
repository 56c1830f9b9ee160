"""Customer lifetime value: expected purchases per month x margin per purchase, discounted (DCF).

The same computation as lifetimes' ``customer_lifetime_value``: for each month i = 1..months the expected
purchases in that month, E[Y(i)] - E[Y(i - 1)] from the conditional expectation of a BG/NBD, MBG/NBD or
Pareto/NBD model, times the margin per purchase, divided by (1 + monthly discount rate)^i. The margin is the
caller's: the net contribution margin per purchase where it is known (never revenue if margin is known).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from clientbase.errors import Problem, ValidationError
from clientbase.models.base import ArrayLike, FloatArray

#: length of a month in each time unit (lifetimes' factors: 30 days, 4.345 weeks, 1 month)
PERIODS_PER_MONTH: dict[str, float] = {"day": 30.0, "week": 4.345, "month": 1.0}


class PurchaseModel(Protocol):
    def conditional_expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray: ...


def customer_lifetime_value(
    model: PurchaseModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    margin_per_purchase: ArrayLike,
    *,
    months: int = 12,
    monthly_discount_rate: float = 0.01,
    time_unit: str = "week",
) -> FloatArray:
    """Discounted value of each customer's expected purchases over the next ``months``.

    Args:
        model: a fitted purchase model (BG/NBD, MBG/NBD or Pareto/NBD).
        frequency, recency, T: the customers' RFM summary, in ``time_unit``.
        margin_per_purchase: margin of one purchase per customer (or one number for all), e.g. the Gamma-Gamma
            expected average spend times a contribution-margin rate, or the net contribution per purchase.
        months: horizon in months.
        monthly_discount_rate: discount rate per month (0.01 = 1 %).
        time_unit: the unit of recency and T: ``day``, ``week`` or ``month``.

    Example:
        >>> from clientbase.models import BGNBDModel, customer_lifetime_value
        >>> model = BGNBDModel.from_dict({"model": "bgnbd",
        ...     "params": {"r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258}})
        >>> clv = customer_lifetime_value(model, [2, 0], [30.43, 0], [38.86, 38.86], [10.0, 10.0])
        >>> [round(v, 2) for v in clv.tolist()]
        [14.71, 2.37]
    """
    if time_unit not in PERIODS_PER_MONTH:
        raise ValidationError(
            [
                Problem(
                    "lifetime value",
                    None,
                    "time_unit",
                    time_unit,
                    f"use one of {', '.join(PERIODS_PER_MONTH)}",
                )
            ]
        )
    if months < 1 or monthly_discount_rate <= -1:
        raise ValidationError(
            [
                Problem(
                    "lifetime value",
                    None,
                    "months",
                    str(months),
                    "need months >= 1 and a discount rate > -100 %",
                )
            ]
        )
    factor = PERIODS_PER_MONTH[time_unit]
    margin = np.asarray(margin_per_purchase, dtype=np.float64)
    previous = np.zeros(np.broadcast(np.asarray(frequency), np.asarray(T)).shape)
    value = np.zeros_like(previous)
    for month in range(1, months + 1):
        cumulative = model.conditional_expected_purchases(month * factor, frequency, recency, T)
        value = value + margin * (cumulative - previous) / (1 + monthly_discount_rate) ** month
        previous = cumulative
    return np.asarray(value, dtype=np.float64)
