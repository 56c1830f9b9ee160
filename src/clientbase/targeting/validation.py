"""Honest accuracy: fit on the prospects created before a cut-off, judge on those created after.

* **Labels.** A prospect is *labelled* once the horizon has passed since its creation (``horizon_days``,
  by default the 95th percentile of the days from creation to first order, in whole months of 30 days,
  30-365); it *converted* when its first order came within the horizon.
* **Cut-off.** The outcome in money of a prospect is known once its first 12 months as a customer could
  be over: created at least horizon + 365 days before the as-of date. The cut-off is the creation date
  before which lie ``1 - test_share`` of those; the models are fitted on the prospects created before
  it and judged on the labelled ones created from it on (conversion) and on those whose money is known
  (profit).
* **Conversion.** AUC (the chance a random convert ranks above a random non-convert), Brier score (mean
  squared error of the probability; beside it the Brier score of predicting the base rate for everyone),
  calibration by decile of the predicted probability, and the top-decile lift (conversion rate in the
  top tenth by probability / the rate of all); the same for the cohort rates of channel and mode.
* **Profit.** Realised value of a prospect = its net contribution in its first 12 months as a customer
  (0 if never won) minus what winning it cost. Working the top ``top_share`` of the list ranked by
  expected value is compared with working all of them (the spontaneous way), with a random pick of the
  same size (the expected value: top_share x all), with the cohort rates' ranking and with a ranking by
  the probability to convert alone (the usual lead score).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import numpy as np
import pandas as pd

from clientbase.analytics.money import div_round, from_cents
from clientbase.targeting.features import FeatureOptions, FieldChoice, choose_fields
from clientbase.targeting.history import History
from clientbase.targeting.model import CostToWin, Prediction, ProspectModel, ranked_factors


@dataclass(frozen=True)
class TargetOptions:
    """Thresholds of the targeting model; the defaults suit a base of a few thousand prospects."""

    horizon_days: int | None = None
    #: fewer labelled prospects (before the cut-off), conversions or non-conversions: cohort rates instead
    min_prospects: int = 300
    min_conversions: int = 30
    #: customers won whose first 12 months are over, for the contribution model
    min_customers: int = 30
    test_share: float = 0.3
    top_share: float = 0.2
    factors: int = 3
    features: FeatureOptions = field(default_factory=FeatureOptions)


class Scorer(Protocol):
    def predict(self, frame: pd.DataFrame) -> Prediction: ...

    def factors(self, prediction: Prediction, top: int = 3) -> list[list[dict[str, Any]]]: ...


def horizon_days(history: History, options: TargetOptions) -> int:
    """Days after its creation a prospect has to convert (see the module docstring).

    Example:
        >>> import math
        >>> min(365, max(30, 30 * math.ceil(113 / 30)))
        120
    """
    if options.horizon_days is not None:
        return options.horizon_days
    days = history.prospects["days_to_first_order"].dropna()
    if days.empty:
        return 90
    return min(365, max(30, 30 * math.ceil(float(np.percentile(np.maximum(days, 0), 95)) / 30)))


@dataclass(frozen=True)
class Labels:
    """The prospects' labels for a horizon: which are labelled, which converted, whose money is known."""

    horizon: int
    labelled: np.ndarray
    converted: np.ndarray
    value_known: np.ndarray
    #: realised value in cents: first-12-month net contribution if won and known, minus acquisition cost
    realised: np.ndarray

    @classmethod
    def of(cls, history: History, horizon: int) -> Labels:
        p = history.prospects
        created = pd.to_datetime(p["created"]).to_numpy()
        as_of = np.datetime64(history.as_of, "ns")
        labelled = created <= as_of - np.timedelta64(horizon, "D")
        days = p["days_to_first_order"].to_numpy(dtype=np.float64)
        converted = p["converted"].to_numpy() & (np.nan_to_num(days, nan=np.inf) <= horizon)
        known = p["first12_known"].to_numpy()
        value_known = (created <= as_of - np.timedelta64(horizon + 365, "D")) & (~converted | known)
        first12 = np.where(known, p["first12"].to_numpy(), 0)
        return cls(horizon, labelled, converted, value_known, first12 - p["acquisition_cost"].to_numpy())


@dataclass
class CohortRates:
    """The fallback scorer: each prospect gets its channel and mode's conversion rate, 12-month net
    contribution per customer won and cost per prospect (the mode's, then everyone's, for small pairs)."""

    rate: CostToWin = field(default_factory=CostToWin)
    contribution: CostToWin = field(default_factory=CostToWin)
    cost: CostToWin = field(default_factory=CostToWin)
    mean_value_: float = 0.0

    def fit(
        self, labelled: pd.DataFrame, converted: np.ndarray, won: pd.DataFrame, first12: np.ndarray
    ) -> CohortRates:
        self.rate = CostToWin.fit(labelled.assign(acquisition_cost=converted.astype(np.float64) * 100))
        self.contribution = CostToWin.fit(won.assign(acquisition_cost=first12 * 100))
        self.cost = CostToWin.fit(labelled)
        p = self.predict(labelled)
        self.mean_value_ = float(p.expected_value.mean()) if len(labelled) else 0.0
        return self

    def predict(self, frame: pd.DataFrame) -> Prediction:
        n = len(frame)
        return Prediction(
            p_convert=self.rate.predict(frame),
            expected_contribution=self.contribution.predict(frame),
            expected_cost=self.cost.predict(frame),
            logit_parts=np.zeros((n, 0)),
            contribution_parts=np.zeros((n, 0)),
            values=frame[["channel", "mode"]],
        )

    def factors(self, prediction: Prediction, top: int = 3) -> list[list[dict[str, Any]]]:
        """Per prospect, one factor: its channel and mode's expected value against the average."""
        pairs = prediction.values.to_numpy(dtype=object)
        return [
            ranked_factors(
                [
                    {
                        "field": "channel and mode",
                        "value": f"{pairs[i, 0]} / {pairs[i, 1]}",
                        "effect": float(value) - self.mean_value_,
                        "p_convert": 0.0,
                        "contribution": 0.0,
                    }
                ],
                top,
            )
            for i, value in enumerate(prediction.expected_value)
        ]


@dataclass
class Fitted:
    """A scorer with how it was chosen, and the cohort rates fitted on the same prospects."""

    scorer: Scorer
    method: str  # "model" or "cohort_rates"
    reason: str | None
    fields: list[FieldChoice]
    rates: CohortRates


def training_sets(
    history: History, labels: Labels, subset: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, np.ndarray]:
    """The labelled prospects of ``subset`` with their conversion, and its customers won whose first 12
    months are over with that net contribution (currency units)."""
    p = history.prospects
    rows = labels.labelled & subset
    won_rows = subset & p["converted"].to_numpy() & p["first12_known"].to_numpy()
    return p[rows], labels.converted[rows], p[won_rows], p["first12"].to_numpy()[won_rows] / 100


def fit_scorer(history: History, labels: Labels, subset: np.ndarray, options: TargetOptions) -> Fitted:
    """The model fitted on the labelled prospects of ``subset``, or the cohort rates with the reason when
    there is too little history (thresholds of ``options``) or no usable field."""
    labelled, converted, won, first12 = training_sets(history, labels, subset)
    candidates = [c for c in history.attributes if c in labelled.columns]
    fields = choose_fields(labelled, candidates, converted, options.features)
    used = [f for f in fields if f.used]
    reason = _too_little(len(labelled), int(converted.sum()), len(won), options) or (
        None if used else "no field of the record is filled well enough to learn from"
    )
    rates = CohortRates().fit(labelled, converted, won, first12)
    if reason is not None:
        return Fitted(rates, "cohort_rates", reason, fields, rates)
    model = ProspectModel(used, options.features.min_level_count).fit(labelled, converted, won, first12)
    return Fitted(model, "model", None, fields, rates)


def _too_little(prospects: int, conversions: int, customers: int, options: TargetOptions) -> str | None:
    if prospects < options.min_prospects:
        return f"{prospects} labelled prospects (needs {options.min_prospects})"
    if min(conversions, prospects - conversions) < options.min_conversions:
        return (
            f"{conversions} conversions and {prospects - conversions} prospects not won "
            f"(needs {options.min_conversions} of each)"
        )
    if customers < options.min_customers:
        return f"{customers} customers won with their first 12 months over (needs {options.min_customers})"
    return None


def cutoff_date(history: History, labels: Labels, options: TargetOptions) -> dt.date | None:
    """The creation date before which ``1 - test_share`` of the prospects whose money is known lie."""
    created = pd.to_datetime(history.prospects["created"])[labels.value_known]
    if len(created) < 2:
        return None
    return pd.Timestamp(np.quantile(created.astype("int64"), 1 - options.test_share)).date()


def validate(history: History, labels: Labels, options: TargetOptions) -> dict[str, Any]:
    """The time-split validation document (see the module docstring); ``reason`` says why a number is
    missing."""
    out: dict[str, Any] = dict.fromkeys(
        ("cutoff", "auc", "brier", "top_decile_lift", "auc_cohort_rates", "top_decile_lift_cohort_rates"),
        None,
    )
    out.update(horizon_days=labels.horizon, method=None, reason=None, calibration=[], profit=None)
    cutoff = cutoff_date(history, labels, options)
    if cutoff is None:
        out["reason"] = "no prospect is old enough for its 12 months as a customer to be over"
        return out
    created = pd.to_datetime(history.prospects["created"]).to_numpy()
    before = created < np.datetime64(cutoff, "ns")
    fitted = fit_scorer(history, labels, before, options)
    out.update(cutoff=cutoff, method=fitted.method, train_prospects=int((labels.labelled & before).sum()))
    if fitted.method != "model":
        out["reason"] = f"too little history before the cut-off {cutoff}: {fitted.reason}"
        return out
    test = labels.labelled & ~before
    y = labels.converted[test]
    out.update(test_prospects=int(test.sum()), test_conversions=int(y.sum()))
    if len(y) < 50 or min(int(y.sum()), int((~y).sum())) < 10:
        out["reason"] = (
            f"too few prospects after the cut-off {cutoff} to judge ({len(y)}, {int(y.sum())} won)"
        )
        return out
    frame = history.prospects[test]
    predicted = fitted.scorer.predict(frame)
    base = fitted.rates.predict(frame)
    out.update(conversion_scores(y, predicted.p_convert))
    out["auc_cohort_rates"] = _auc(y, base.p_convert)
    out["top_decile_lift_cohort_rates"] = top_decile_lift(y, base.p_convert)
    value_test = labels.value_known & ~before
    if value_test.sum() >= 30:
        vf = history.prospects[value_test]
        scored = fitted.scorer.predict(vf)
        out["profit"] = profit_captured(
            labels.realised[value_test],
            {
                "model": scored.expected_value,
                "cohort_rates": fitted.rates.predict(vf).expected_value,
                "conversion_only": scored.p_convert,
            },
            options.top_share,
            labels.converted[value_test],
        )
    else:
        out["reason"] = (
            f"too few prospects after the cut-off {cutoff} with their 12 months over to judge profit"
        )
    return out


def _auc(y: np.ndarray, score: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    return None if len(set(y.tolist())) < 2 else round(float(roc_auc_score(y, score)), 4)


def top_sum(values: np.ndarray, score: np.ndarray, k: int) -> tuple[int, int, int]:
    """What the ``k`` highest-scored items add up to when the ties at the boundary are broken at random:
    ``(sum above the boundary score, sum of the items tied at it, how many of them are taken / how many
    there are)`` as ``(above, tied_sum x taken, tied_count)``; the expected sum is ``above + tied_sum x
    taken / tied_count``. Sorting alone would let the order of the rows pick among equal scores.

    Example:
        >>> top_sum(np.array([5, 1, 3, 0]), np.array([0.9, 0.5, 0.5, 0.1]), 2)  # 5 + one of (1, 3)
        (5, 4, 2)
    """
    order = np.argsort(-score, kind="stable")
    boundary = score[order[k - 1]]
    above, tied = score > boundary, score == boundary
    taken = k - int(above.sum())
    return int(values[above].sum()), int(values[tied].sum()) * taken, int(tied.sum())


def _expected(parts: tuple[int, int, int]) -> float:
    above, tied, count = parts
    return above + tied / count


def top_decile_lift(y: np.ndarray, score: np.ndarray) -> float | None:
    """Conversion rate among the top tenth by ``score`` over the rate of all (ties at the boundary count at
    their mean rate).

    Example:
        >>> top_decile_lift(np.array([1] * 5 + [0] * 5 + [1] * 5 + [0] * 85), np.arange(100)[::-1] / 100)
        5.0
        >>> top_decile_lift(np.array([1, 0] * 50), np.ones(100))  # one score for all: no lift
        1.0
    """
    if not y.any():
        return None
    k = max(1, math.ceil(len(y) / 10))
    return round(_expected(top_sum(y.astype(np.int64), score, k)) / k / float(y.mean()), 3)


def calibration_by_decile(y: np.ndarray, p: np.ndarray) -> list[dict[str, Any]]:
    """Mean predicted against observed conversion per tenth of the prospects by predicted probability;
    equal probabilities stay in one bin (by their average rank), so there may be fewer than ten."""
    from scipy.stats import rankdata

    bins = np.floor((rankdata(p, method="average") - 1) * 10 / len(p)).astype(np.int64)
    return [
        {
            "decile": int(b) + 1,
            "prospects": int((bins == b).sum()),
            "predicted": round(float(p[bins == b].mean()), 4),
            "observed": round(float(y[bins == b].mean()), 4),
        }
        for b in np.unique(bins)
    ]


def conversion_scores(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    """AUC, Brier score (and that of the base rate), top-decile lift and calibration by decile."""
    from sklearn.metrics import brier_score_loss

    return {
        "auc": _auc(y, p),
        "brier": round(float(brier_score_loss(y, p)), 4),
        "brier_base_rate": round(float(brier_score_loss(y, np.full(len(y), y.mean()))), 4),
        "top_decile_lift": top_decile_lift(y, p),
        "base_rate": round(float(y.mean()), 4),
        "calibration": calibration_by_decile(y, p),
    }


def profit_captured(
    realised: np.ndarray, rankings: dict[str, np.ndarray], share: float, converted: np.ndarray
) -> dict[str, Any]:
    """Realised value (cents) of working the top ``share`` of each ranking (ties at the boundary at their
    mean), of all, and of a random pick.

    Example:
        >>> r = profit_captured(np.array([900, -100, -100, 300, -100]), {"model": np.array([5, 1, 2, 4, 3])},
        ...                     0.4, np.array([True, False, False, True, False]))
        >>> r["top"]["model"], r["all"], r["random"]
        (Decimal('12.00'), Decimal('9.00'), Decimal('3.60'))
    """
    k = max(1, math.ceil(share * len(realised)))
    total = int(realised.sum())
    top: dict[str, Decimal] = {}
    won: dict[str, float] = {}
    for name, score in rankings.items():
        above, tied, count = top_sum(realised.astype(np.int64), score, k)
        top[name] = from_cents(above + int(div_round(np.array([tied]), np.array([count]))[0]))
        won[name] = round(_expected(top_sum(converted.astype(np.int64), score, k)), 1)
    return {
        "prospects": len(realised),
        "worked": k,
        "top_share": share,
        "top": top,
        "conversions_top": won,
        "all": from_cents(total),
        "conversions_all": int(converted.sum()),
        "random": from_cents(round(total * k / len(realised))),
    }
