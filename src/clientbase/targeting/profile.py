"""The profile of customers worth winning, in words and numbers.

The fields whose values move the expected value of a prospect most (the mean absolute effect of each
field over the labelled prospects, :meth:`~clientbase.targeting.model.ProspectModel.effects`; a field
moving it less than a tenth of what the top field does is left out) define the groups: every combination of the values of the top three fields (two, then one, when fewer than four
groups have ``min_support`` prospects). Each group shows what the history says — the share that converted within the
horizon and the mean net contribution of its first 12 months per customer won — beside what the model
expects for such a prospect, and the groups are ranked by the model's expected value: the best to win
first, the ones to stop chasing last. With the cohort-rates fallback the groups are the channel-mode
pairs.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from clientbase.targeting.history import History
from clientbase.targeting.model import ProspectModel
from clientbase.targeting.validation import Fitted, Labels

#: how a field's value reads in a sentence; any other field reads "<field> <value>"
PHRASES = {
    "size_band": "of {} size",
    "acquisition_channel": "from {}",
    "acquisition_mode": "({})",
    "country": "in {}",
    "region": "in {}",
    "city": "in {}",
}
#: a field moving the expected value less than this share of what the top field moves it is left out
MINOR = 0.1
#: the order of the parts of a sentence (a field not named comes after the noun)
ORDER = ("size_band", "country", "region", "city", "acquisition_channel", "acquisition_mode")


def describe(
    values: dict[str, object], currency: str, rate: float | None, contribution: Decimal | None
) -> str:
    """A group in words and numbers.

    Example:
        >>> describe({"industry": "installation", "size_band": "medium", "acquisition_channel": "trade_fair"},
        ...          "EUR", 0.38, Decimal("4100"))
        'installation of medium size from trade fair: 38 % convert, +4,100 EUR in 12 months'
    """
    nouns = [str(v) for f, v in values.items() if f not in PHRASES]
    head = " ".join(_words(n) for n in nouns) or "prospects"
    others = [f for f in values if f in PHRASES]
    parts = [PHRASES[f].format(_words(str(values[f]))) for f in sorted(others, key=ORDER.index)]
    text = " ".join([head, *parts])
    numbers = []
    if rate is not None:
        numbers.append(f"{rate:.0%}".replace("%", " %") + " convert")
    if contribution is not None:
        numbers.append(f"{contribution:+,.0f} {currency} in 12 months")
    return text + (": " + ", ".join(numbers) if numbers else "")


def _words(value: str) -> str:
    return value.replace("_", " ")


def _money(value: float | None) -> Decimal | None:
    return (
        None
        if value is None or value != value
        else Decimal(str(round(float(value), 2))).quantize(Decimal("0.01"))
    )


def field_importance(model: ProspectModel, frame: pd.DataFrame) -> dict[str, float]:
    """Each field's mean absolute effect on the expected value over ``frame``."""
    value_effect, _ = model.effects(model.predict(frame))
    return {f.field: float(np.abs(value_effect[:, j]).mean()) for j, f in enumerate(model.fields)}


def profile(
    history: History, labels: Labels, fitted: Fitted, *, size: int = 5, min_support: int = 20
) -> list[dict[str, Any]]:
    """The groups of prospects from the most to the least worth winning (the ``size`` best and ``size``
    worst when there are more), each with its ``rank`` among ``of`` groups (see the module docstring)."""
    labelled = history.prospects[labels.labelled]
    converted = pd.Series(labels.converted[labels.labelled], index=labelled.index)
    if labelled.empty:
        return []
    pred = fitted.scorer.predict(labelled)
    if isinstance(fitted.scorer, ProspectModel):
        importance = field_importance(fitted.scorer, labelled)
        top = max(importance.values(), default=0.0)
        ranked = [
            f for f, v in sorted(importance.items(), key=lambda kv: -kv[1]) if v > 0 and v >= MINOR * top
        ]
        values = pred.values
    else:
        ranked = ["acquisition_channel", "acquisition_mode"]
        values = labelled[["channel", "mode"]].set_axis(ranked, axis=1)
    frame = values.assign(
        _converted=converted.to_numpy(),
        _first12=np.where(labelled["first12_known"], labelled["first12"] / 100, np.nan),
        _p=pred.p_convert,
        _m=pred.expected_contribution,
        _cost=pred.expected_cost,
        _ev=pred.expected_value,
    )
    groups: list[pd.DataFrame] = []
    keys: list[str] = []
    for width in (3, 2, 1):
        keys = ranked[:width]
        if not keys:
            return []
        groups = [g for _, g in frame.groupby(keys, sort=True) if len(g) >= min_support]
        if len(groups) >= 4 or width == 1:
            break
    rows = sorted(
        (_group(history.currency, keys, g) for g in groups), key=lambda r: -float(r["expected_value"])
    )
    chosen = rows if len(rows) <= 2 * size else rows[:size] + rows[-size:]
    return [{"rank": rows.index(r) + 1, "of": len(rows), **r} for r in chosen]


def _group(currency: str, keys: list[str], g: pd.DataFrame) -> dict[str, Any]:
    first = g.iloc[0]
    values = {k: (None if first[k] != first[k] else first[k]) for k in keys}
    won = g["_first12"].dropna()
    observed = _money(float(won.mean())) if len(won) >= 5 else None
    rate = float(g["_converted"].mean())
    return {
        "description": describe(values, currency, rate, observed),
        "fields": values,
        "prospects": len(g),
        "conversion_rate": round(rate, 4),
        "first12_per_customer": observed,
        "customers_with_12_months": len(won),
        "p_convert": round(float(g["_p"].mean()), 4),
        "expected_contribution": _money(float(g["_m"].mean())),
        "expected_cost": _money(float(g["_cost"].mean())),
        "expected_value": _money(float(g["_ev"].mean())),
        "worth_winning": float(g["_ev"].mean()) > 0,
    }
