"""What every rule shares: the arrays it reads (:class:`RuleContext`), what it finds (:class:`Finding`), and
how numbers are written in reasons (money without cents and with the currency, rates with one decimal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from clientbase.decisions.inputs import DecisionInputs
from clientbase.decisions.rules import Rules

Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class Finding:
    """One action a rule proposes for one counterparty, before owner, due date and priority are set."""

    counterparty_id: str
    code: str
    reasons: list[str]
    expected_effect: Decimal
    assumptions: list[str]
    #: the money the problem or chance is about a year; it must reach the materiality for the rule to fire
    at_stake: Decimal
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class RuleContext:
    """The inputs as arrays in the order of ``inputs.frame``; flows are annualised (:attr:`annual`)."""

    inputs: DecisionInputs
    rules: Rules
    #: findings of the rules run so far, by code (the exit rule reads the other levers' effects)
    found: dict[str, list[Finding]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        f = self.inputs.frame
        self.ids: list[str] = [str(i) for i in f.index]
        self.currency = self.inputs.analysis.currency
        self.rate = float(self.inputs.analysis.financing_rate)
        self.materiality = float(self.inputs.materiality) * 100  # cents
        self.annual: Array = f["annual"].to_numpy(dtype=np.float64)
        self.sales: Array = f["gross_sales_list"].to_numpy() > 0
        roles = f["roles"].fillna("").astype(str)
        status = f["status"].fillna("").astype(str)
        self.prospect: Array = (
            (status == "prospect") | roles.str.contains("prospect")
        ).to_numpy() & ~self.sales
        self.stopped: Array = np.zeros(len(f), dtype=bool)  # set by the win_back rule

    def col(self, name: str) -> Array:
        """Column ``name`` as floats."""
        return self.inputs.frame[name].to_numpy(dtype=np.float64)

    def flow(self, name: str) -> Array:
        """Money column ``name`` (cents) over a year: the period's amount x :attr:`annual`."""
        return self.col(name) * self.annual

    def value(self, name: str, i: int) -> Any:
        return self.inputs.frame[name].iat[i]

    def money(self, cents: float) -> str:
        return money(cents, self.currency)

    def effect(self, cents: float) -> Decimal:
        """An expected effect in cents as a Decimal amount, rounded to the cent."""
        return Decimal(round(cents)).scaleb(-2)

    def add(self, finding: Finding) -> None:
        self.found.setdefault(finding.code, []).append(finding)

    def effects_of(self, codes: tuple[str, ...]) -> Array:
        """The summed expected effects (cents) of ``codes`` per counterparty, in frame order."""
        position = {cid: i for i, cid in enumerate(self.ids)}
        total = np.zeros(len(self.ids))
        for code in codes:
            for finding in self.found.get(code, []):
                total[position[finding.counterparty_id]] += float(finding.expected_effect) * 100
        return total


def money(cents: float, currency: str) -> str:
    """An amount in cents as whole units with thousands separators and the currency.

    Example:
        >>> money(1426049, "EUR"), money(-99, "EUR")
        ('14,260 EUR', '-1 EUR')
    """
    return f"{round(cents / 100):,} {currency}"


def pct(share: float) -> str:
    """A share as a percentage with one decimal.

    Example:
        >>> pct(0.1864)
        '18.6 %'
    """
    return f"{100 * share:.1f} %"


def finite(values: Array) -> Array:
    return np.isfinite(values)


def safe_div(num: Array, den: Array) -> Array:
    """``num / den`` where ``den`` is not 0, NaN elsewhere."""
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    out = np.full(len(num), np.nan)
    ok = den != 0
    out[ok] = num[ok] / den[ok]
    return out
