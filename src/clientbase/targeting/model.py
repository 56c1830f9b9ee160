"""Who converts and what a customer brings: two interpretable linear models on the fields known at
acquisition, fitted with scikit-learn.

* **Conversion**: a logistic regression (L2, its strength chosen by 5-fold cross-validated log-loss) of
  "first order within the horizon" on the one-hot coded fields (:mod:`clientbase.targeting.features`);
  it gives a probability, not a ranking alone, so its calibration can be checked.
* **Contribution**: a ridge regression (penalty by cross-validation) of the net contribution of the
  first 12 months after the first order, on the customers won whose 12 months are over. The target is
  clipped to its 1st and 99th percentiles, so a few whales or disasters do not set the profile alone.
* **Cost to win**: the mean acquisition cost per prospect of the prospect's channel and mode in the
  history (the mode's mean, then everyone's, where a pair has fewer than 20 prospects).

``expected_value = P(convert) x expected contribution - expected cost to win``. Both models are additive
in their fields, so each field's part is exact: the *factors* of a prospect are, per field, how much its
value moves the expected value against the average prospect (and the cost to win against the average
cost), ranked for and against.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from clientbase.targeting.features import Encoder, FieldChoice

#: a channel-mode pair needs this many prospects for its own mean cost
MIN_GROUP = 20


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


@dataclass
class CostToWin:
    """Mean acquisition cost per prospect by channel and mode (in currency units), with fallbacks."""

    by_pair: dict[tuple[str, str], float] = field(default_factory=dict)
    by_mode: dict[str, float] = field(default_factory=dict)
    overall: float = 0.0

    @classmethod
    def fit(cls, frame: pd.DataFrame) -> CostToWin:
        """From ``channel``, ``mode`` and ``acquisition_cost`` (cents) of prospects worked."""
        cost = frame["acquisition_cost"].to_numpy(dtype=np.float64) / 100
        keyed = pd.DataFrame(
            {"channel": _label(frame["channel"]), "mode": _label(frame["mode"]), "cost": cost}
        )
        pairs = keyed.groupby(["channel", "mode"])["cost"].agg(["mean", "size"])
        modes = keyed.groupby("mode")["cost"].agg(["mean", "size"])
        return cls(
            by_pair={k: float(r["mean"]) for k, r in pairs.iterrows() if r["size"] >= MIN_GROUP},
            by_mode={k: float(r["mean"]) for k, r in modes.iterrows() if r["size"] >= MIN_GROUP},
            overall=float(cost.mean()) if len(cost) else 0.0,
        )

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        out = []
        for channel, mode in zip(_label(frame["channel"]), _label(frame["mode"]), strict=True):
            out.append(self.by_pair.get((channel, mode), self.by_mode.get(mode, self.overall)))
        return np.array(out, dtype=np.float64)


def _label(values: pd.Series) -> list[str]:
    return ["(none)" if v is None or v != v else str(v) for v in values]


@dataclass
class Prediction:
    """Scores of a set of prospects (arrays in their order) and each field's part of them."""

    p_convert: np.ndarray
    expected_contribution: np.ndarray
    expected_cost: np.ndarray
    #: [prospect, field]: part of the log-odds of converting and of the expected contribution
    logit_parts: np.ndarray
    contribution_parts: np.ndarray
    values: pd.DataFrame

    @property
    def expected_value(self) -> np.ndarray:
        return self.p_convert * self.expected_contribution - self.expected_cost


def _logistic(c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    # liblinear is five times faster here than lbfgs; a large intercept scaling keeps its penalty off
    # the intercept, so the probabilities stay calibrated
    return LogisticRegression(C=c, solver="liblinear", intercept_scaling=100.0, max_iter=2000)


def _ridge(alpha: float) -> Any:
    from sklearn.linear_model import Ridge

    # lsqr: 3 ms a fit here against 55 ms for the default solver (measured, 2,500 x 45)
    return Ridge(alpha=alpha, solver="lsqr", tol=1e-6)


def _log_loss(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(model.predict_proba(x)[:, 1], 1e-12, 1 - 1e-12)
    return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).sum())


def _squared(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    return float(((model.predict(x) - y) ** 2).sum())


def select_fields(
    x: np.ndarray, y: np.ndarray, which: np.ndarray, make: Any, loss: Any, folds: list[Any]
) -> list[int]:
    """Backward elimination by cross-validation with the one-standard-error rule: while some field's
    removal raises the out-of-sample loss by less than one standard error of that rise over the folds,
    drop the field whose removal raises it least. Returns the fields kept."""

    def cv(fields: list[int]) -> np.ndarray:
        cols = np.isin(which, fields)
        if not cols.any():
            return np.array([_constant_loss(loss, y[tr], y[te]) for tr, te in folds])
        return np.array([loss(make().fit(x[tr][:, cols], y[tr]), x[te][:, cols], y[te]) for tr, te in folds])

    kept = sorted(set(which.tolist()))
    current = cv(kept)
    while kept:
        rises = {j: cv([k for k in kept if k != j]) - current for j in kept}
        j = min(rises, key=lambda k: float(rises[k].mean()))
        rise = rises[j]
        if rise.mean() > rise.std(ddof=1) / np.sqrt(len(rise)):
            break
        kept.remove(j)
        current = current + rise
    return kept


def _constant_loss(loss: Any, train: np.ndarray, test: np.ndarray) -> float:
    """The loss of predicting the training mean for everyone."""
    if loss is _squared:
        return float(((test - train.mean()) ** 2).sum())
    return _constant_log_loss(train, test)


def _constant_log_loss(train: np.ndarray, test: np.ndarray) -> float:
    p = float(np.clip(train.mean(), 1e-12, 1 - 1e-12))
    return float(-(test * np.log(p) + (1 - test) * np.log(1 - p)).sum())


@dataclass
class ProspectModel:
    """The conversion and contribution models and the cost to win, fitted on one history.

    Coefficients are kept per encoder column (0 for a field a model does not use): ``beta_`` and
    ``intercept_`` give the log-odds of converting, ``gamma_`` and ``base_`` the expected 12-month net
    contribution in currency units.
    """

    fields: list[FieldChoice]
    min_level_count: int = 20
    encoder_: Encoder | None = None
    beta_: np.ndarray | None = None
    intercept_: float = 0.0
    gamma_: np.ndarray | None = None
    base_: float = 0.0
    #: the fields each model kept after the backward elimination
    conversion_fields_: list[str] = field(default_factory=list)
    contribution_fields_: list[str] = field(default_factory=list)
    cost_: CostToWin | None = None
    means_: np.ndarray | None = None
    clip_: tuple[float, float] = (0.0, 0.0)
    mean_cost_: float = 0.0

    def fit(
        self, labelled: pd.DataFrame, converted: np.ndarray, won: pd.DataFrame, first12: np.ndarray
    ) -> ProspectModel:
        """Fit on ``labelled`` prospects (``converted``: won within the horizon) and on the customers
        ``won`` whose first 12 months are over (``first12``: their net contribution, currency units)."""
        from sklearn.linear_model import LogisticRegressionCV, RidgeCV
        from sklearn.model_selection import KFold

        self.encoder_ = Encoder(self.fields, self.min_level_count).fit(labelled)
        which = self.encoder_.field_of_column()
        x, y = self.encoder_.transform(labelled), converted.astype(np.int64)
        self.means_ = x.mean(axis=0)
        folds = list(KFold(5, shuffle=True, random_state=0).split(x))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=FutureWarning)
            c = float(
                LogisticRegressionCV(
                    Cs=[0.01, 0.03, 0.1, 0.3, 1.0, 3.0],
                    cv=folds,
                    scoring="neg_log_loss",
                    solver="liblinear",
                    intercept_scaling=100.0,
                    max_iter=2000,
                )
                .fit(x, y)
                .C_[0]
            )
        kept = select_fields(x, y, which, lambda: _logistic(c), _log_loss, folds)
        cols = np.isin(which, kept)
        self.beta_ = np.zeros(x.shape[1])
        self.intercept_ = float(np.log(max(y.mean(), 1e-12) / max(1 - y.mean(), 1e-12)))
        if cols.any():
            fitted = _logistic(c).fit(x[:, cols], y)
            self.beta_[cols] = fitted.coef_[0]
            self.intercept_ = float(fitted.intercept_[0])
        self.conversion_fields_ = [self.fields[j].field for j in kept]

        lo, hi = np.percentile(first12, [1, 99]) if len(first12) else (0.0, 0.0)
        self.clip_ = (float(lo), float(hi))
        target = np.clip(first12, lo, hi)
        xw = self.encoder_.transform(won)
        won_folds = list(KFold(5, shuffle=True, random_state=0).split(xw))
        alpha = float(RidgeCV(alphas=[0.1, 1.0, 10.0, 100.0, 1000.0]).fit(xw, target).alpha_)
        kept = select_fields(xw, target, which, lambda: _ridge(alpha), _squared, won_folds)
        cols = np.isin(which, kept)
        self.gamma_ = np.zeros(x.shape[1])
        self.base_ = float(target.mean()) if len(target) else 0.0
        if cols.any():
            ridge = _ridge(alpha).fit(xw[:, cols], target)
            self.gamma_[cols] = ridge.coef_
            self.base_ = float(ridge.intercept_)
        self.contribution_fields_ = [self.fields[j].field for j in kept]
        self.cost_ = CostToWin.fit(labelled)
        self.mean_cost_ = float(self.cost_.predict(labelled).mean()) if len(labelled) else 0.0
        return self

    def predict(self, frame: pd.DataFrame) -> Prediction:
        assert self.encoder_ is not None and self.means_ is not None and self.cost_ is not None
        assert self.beta_ is not None and self.gamma_ is not None
        x = self.encoder_.transform(frame)
        centred = x - self.means_
        which = self.encoder_.field_of_column()
        n_fields = len(self.fields)
        logit_parts = np.zeros((len(frame), n_fields))
        contribution_parts = np.zeros((len(frame), n_fields))
        for j in range(n_fields):
            cols = which == j
            logit_parts[:, j] = centred[:, cols] @ self.beta_[cols]
            contribution_parts[:, j] = centred[:, cols] @ self.gamma_[cols]
        return Prediction(
            p_convert=_sigmoid(x @ self.beta_ + self.intercept_),
            expected_contribution=x @ self.gamma_ + self.base_,
            expected_cost=self.cost_.predict(frame),
            logit_parts=logit_parts,
            contribution_parts=contribution_parts,
            values=self.encoder_.values(frame),
        )

    @staticmethod
    def effects(prediction: Prediction) -> tuple[np.ndarray, np.ndarray]:
        """Per prospect and field: the effect on the expected contribution (p x m with the field's parts
        minus p x m without them) and on P(convert)."""
        p, m = prediction.p_convert, prediction.expected_contribution
        logit = np.log(np.clip(p, 1e-12, 1 - 1e-12) / np.clip(1 - p, 1e-12, 1))
        p_without = _sigmoid(logit[:, None] - prediction.logit_parts)
        m_without = m[:, None] - prediction.contribution_parts
        return (p * m)[:, None] - p_without * m_without, p[:, None] - p_without

    def factors(self, prediction: Prediction, top: int = 3) -> list[list[dict[str, Any]]]:
        """Per prospect, the fields that move its expected value most, for and against: each field's
        effect is the expected value with its part minus the expected value without it; the cost to win
        counts against the average cost."""
        value_effect, p_effect = self.effects(prediction)
        values = prediction.values[[f.field for f in self.fields]].to_numpy(dtype=object)
        out = []
        for i in range(len(values)):
            found = [
                {
                    "field": f.field,
                    "value": _plain(values[i, j]),
                    "effect": float(value_effect[i, j]),
                    "p_convert": float(p_effect[i, j]),
                    "contribution": float(prediction.contribution_parts[i, j]),
                }
                for j, f in enumerate(self.fields)
            ]
            cost = float(prediction.expected_cost[i])
            found.append(
                {
                    "field": "cost_to_win",
                    "value": round(cost, 2),
                    "effect": self.mean_cost_ - cost,
                    "p_convert": 0.0,
                    "contribution": 0.0,
                }
            )
            out.append(ranked_factors(found, top))
        return out


def ranked_factors(found: list[dict[str, Any]], top: int) -> list[dict[str, Any]]:
    """The ``top`` largest positive effects ("for") then the ``top`` most negative ("against").

    Example:
        >>> f = [{"field": "a", "effect": 5.0}, {"field": "b", "effect": -2.0}, {"field": "c", "effect": 0.0}]
        >>> [(x["field"], x["direction"]) for x in ranked_factors(f, 2)]
        [('a', 'for'), ('b', 'against')]
    """
    pro = sorted((f for f in found if f["effect"] > 0), key=lambda f: -f["effect"])[:top]
    con = sorted((f for f in found if f["effect"] < 0), key=lambda f: f["effect"])[:top]
    return [{**f, "direction": "for"} for f in pro] + [{**f, "direction": "against"} for f in con]


def _plain(value: object) -> object:
    if isinstance(value, (np.floating, float)):
        return None if value != value else float(value)
    return value
