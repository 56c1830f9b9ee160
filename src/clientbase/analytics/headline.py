"""The plain-language headline of the bridge: how sales and profit moved, and which parts of the bridge
caused it, each as an amount and as a share of the change that a reader can check against the bridge table.

The parts that move with the change come first (the three largest), then the two largest that work against
it; each says who is behind it (customers, or counterparties split into customers, prospects and former
customers where those take part), and, when one size band holds at least half of a part's amount, how many of
that band gave how much of it. Amounts are whole currency units when the change is 1,000 or more, else cents;
a share is the part's amount over the change (so shares above 100 % are possible: other parts gave some back).
A period that reaches beyond the data is said first, so a partial period's growth does not read as a trend.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from clientbase.analytics.bridge import Bridge
from clientbase.analytics.money import EXACT
from clientbase.analytics.pnl import Totals
from clientbase.analytics.standing import CUSTOMER, CUSTOMER_DEFINITION, FORMER, PROSPECT
from clientbase.analytics.whale import WhaleCurve

#: how each bridge part reads, when it costs net contribution (first) and when it adds to it (second)
PHRASES: dict[str, tuple[str, str]] = {
    "new_customers": ("new {who} cost {amount}", "new {who} brought {amount}"),
    "lost_customers": ("the loss of {who} cost {amount}", "parting with loss-making {who} saved {amount}"),
    "volume": ("lower volume from {who} cost {amount}", "higher volume from {who} brought {amount}"),
    "price_discount": (
        "discounts given to {who} cost {amount} more",
        "better prices from {who} brought {amount}",
    ),
    "mix_cogs": (
        "product mix and cost of goods at {who} cost {amount}",
        "a richer mix at {who} brought {amount}",
    ),
    "cost_to_serve": ("cost-to-serve of {who} rose {amount}", "lower cost-to-serve of {who} saved {amount}"),
    "credit_cost": ("longer credit taken by {who} cost {amount}", "faster payment by {who} saved {amount}"),
}
#: parts named in the headline: moving with the change, and against it
WITH, AGAINST = 3, 2


def _pct(numerator: Decimal | int, denominator: Decimal | int, places: int) -> Decimal | None:
    """``numerator`` in % of ``denominator``, rounded once, half away from zero, to ``places`` decimals."""
    if denominator == 0:
        return None
    exact = EXACT.divide(Decimal(numerator) * 100, Decimal(denominator))
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=EXACT)


def _signed_pct(numerator: Decimal, denominator: Decimal) -> str:
    value = _pct(numerator, denominator, 1)
    if value is None:
        return "n/a"
    return f"{value:+} %".replace("-", "−")


def _amount(value: Decimal, whole: bool) -> str:
    if whole:
        return f"{abs(value).quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"
    return f"{abs(value):,.2f}"


def _share(amount: Decimal, change: Decimal) -> str:
    share = _pct(abs(amount), abs(change), 0) or Decimal(0)
    return f"{_pct(abs(amount), abs(change), 1)} %" if share < 1 else f"{share} %"


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


#: the standings and how a count of each reads
KINDS = (
    (CUSTOMER, "customer", "customers"),
    (PROSPECT, "prospect", "prospects"),
    (FORMER, "former customer", "former customers"),
)


def _who(ids: pd.Index, standings: pd.Series | None, part: str) -> str:
    """'469 customers', or for counterparties of several standings '12 counterparties (10 customers,
    2 prospects)'; the new and lost parts read 'customers (212)', 'prospects (3)' or 'counterparties (215:
    212 customers, 3 prospects)'."""
    kinds = standings.reindex(ids) if standings is not None else pd.Series(CUSTOMER, index=ids)
    counts = {kind: int((kinds == kind).sum()) for kind, _, _ in KINDS}
    present = [(kind, one, many) for kind, one, many in KINDS if counts[kind]]
    if len(present) == 1:
        _, one, many = present[0]
        return (
            f"{many} ({len(ids):,})"
            if part in ("new_customers", "lost_customers")
            else _plural(len(ids), one, many)
        )
    shown = ", ".join(_plural(counts[kind], one, many) for kind, one, many in present)
    if part in ("new_customers", "lost_customers"):
        return f"counterparties ({len(ids):,}: {shown})"
    return f"{_plural(len(ids), 'counterparty', 'counterparties')} ({shown})"


def _band(amounts: pd.Series, bands: pd.Series | None) -> str:
    """'; 85 key accounts gave 62 % of it' when one size band holds at least half of the amounts and is
    not all of the counterparties behind them."""
    if bands is None or len(amounts) < 2 or amounts.sum() == 0:
        return ""
    by_band = amounts.groupby(bands.reindex(amounts.index).to_numpy()).agg(["sum", "count"])
    if by_band.empty:
        return ""
    band = by_band["sum"].idxmax()
    total, amount = int(amounts.sum()), int(by_band.at[band, "sum"])
    if amount * 2 < total or int(by_band.at[band, "count"]) == len(amounts):
        return ""
    share = _pct(amount, total, 0)
    return f"; {_plural(int(by_band.at[band, 'count']), f'{band} account')} gave {share} % of it"


def headline(
    bridge: Bridge,
    *,
    sales_before: Decimal,
    sales_after: Decimal,
    attributes: pd.DataFrame | None = None,
    standings: pd.Series | None = None,
    standings_previous: pd.Series | None = None,
    notes: list[str] | None = None,
) -> str:
    """One or two sentences: sales and net contribution in %, the change in money, and the parts of the bridge
    behind it (see the module docstring). ``attributes`` gives the size bands (``size_band``), ``standings``
    and ``standings_previous`` who each counterparty is in the later and the earlier period
    (:mod:`clientbase.analytics.standing`), ``notes`` where the periods reach beyond the data.

    Example:
        >>> import datetime as dt
        >>> from clientbase.analytics.bridge import bridge
        >>> from clientbase.analytics.period import Period
        >>> from clientbase.analytics.pnl import COLUMNS, PnL
        >>> def pnl(list_, net):
        ...     f = pd.DataFrame({c: [0] for c in COLUMNS}, index=["A"])
        ...     f["gross_sales_list"], f["net_revenue"], f["gross_margin"], f["net_contribution"] = list_, net, net, net
        ...     return PnL(f, pd.DataFrame(index=["A"]))
        >>> b = bridge(pnl(10000, 10000), pnl(12000, 9000),
        ...            from_period=Period(dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
        ...            to_period=Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
        >>> headline(b, sales_before=Decimal("100.00"), sales_after=Decimal("90.00"))
        'Sales −10.0 %, net contribution −10.0 % (−10.00): discounts given to 1 customer cost 30.00 more (300 % of the fall); higher volume from 1 customer brought 20.00 (200 % of the fall).'
    """
    sales = _signed_pct(sales_after - sales_before, sales_before)
    before, change = bridge.before_total, bridge.total_change
    profit = _signed_pct(change, abs(before))
    whole = abs(change) >= 1000
    signed = ("−" if change < 0 else "+") + _amount(change, whole)
    if change == 0:
        return f"Sales {sales}, net contribution {profit}: no change in net contribution."
    if notes:
        caution = "; ".join(notes)
        start = (
            f"{caution[0].upper()}{caution[1:]}: sales {sales} and net contribution {profit} compare periods "
            f"the data covers only in part, not a trend. Net contribution {'fell' if change < 0 else 'rose'} "
            f"{_amount(change, whole)}"
        )
    else:
        start = f"Sales {sales}, net contribution {profit} ({signed})"
    sign = -1 if change < 0 else 1
    word = "the fall" if sign < 0 else "the rise"
    bands = attributes["size_band"] if attributes is not None and "size_band" in attributes else None
    ranked = sorted(bridge.components.items(), key=lambda kv: -abs(kv[1]))
    groups = (
        [(k, v) for k, v in ranked if v * sign > 0][:WITH],
        [(k, v) for k, v in ranked if v * sign < 0][:AGAINST],
    )
    clauses = []
    for group in groups:
        texts = []
        for i, (name, amount) in enumerate(group):
            moving = bridge.parts[name]
            moving = moving[moving * (1 if amount > 0 else -1) > 0]
            who_standings = standings_previous if name == "lost_customers" else standings
            text = PHRASES[name][0 if amount < 0 else 1].format(
                who=_who(moving.index, who_standings, name), amount=_amount(amount, whole)
            )
            extra = _band(moving.abs(), bands) if name not in ("new_customers", "lost_customers") else ""
            texts.append(f"{text} ({_share(amount, change)}{f' of {word}' if i == 0 else ''}{extra})")
        if texts:
            clauses.append(", ".join(texts[:-1]) + (" and " if len(texts) > 1 else "") + texts[-1])
    return f"{start}: {'; '.join(clauses)}."


def whale_sentence(whale: WhaleCurve, by_standing: dict[str, Totals], company: Decimal) -> str:
    """The whale curve in words, over the customers in the period, with what the prospects and the former
    customers without sales cost beside it, adding up to the company's net contribution ``company``.

    Example:
        >>> from clientbase.analytics.pnl import Totals
        >>> from clientbase.analytics.whale import whale_curve
        >>> def t(n, nc):
        ...     return Totals(customers=0, counterparties=n, lines={"net_contribution": Decimal(nc)},
        ...                   counts={}, cost_to_serve_by_kind={})
        >>> w = whale_curve(["A", "B"], [378, -1791])
        >>> print(whale_sentence(w, {"prospect": t(1, "-15.00"), "former": t(0, "0.00")}, Decimal("-29.13")))
        Whale curve over the 2 customers with an order line in the period: the 1 most profitable earn 3.78; the other 1 lose 17.91, leaving -14.13. Besides them, 1 prospect cost 15.00 of acquisition (their activities at the cost-driver rates): the company's net contribution is -29.13.
    """
    peak = whale.peak_share_of_profit
    share = f", {peak * 100:.0f} % of the customers' {whale.total:,.2f}" if peak is not None else ""
    rest = whale.customers - whale.customers_at_peak
    text = (
        f"Whale curve over the {whale.customers:,} {CUSTOMER_DEFINITION}: the {whale.customers_at_peak:,} most profitable earn {whale.peak:,.2f}{share}; the other {rest:,} "
        f"lose {whale.tail_loss:,.2f}"
    )
    text += "." if share else f", leaving {whale.total:,.2f}."
    costs = []
    prospects, former = by_standing.get(PROSPECT), by_standing.get(FORMER)
    if prospects is not None and prospects.counterparties:
        cost = -prospects.lines["net_contribution"]
        costs.append(
            f"{_plural(prospects.counterparties, 'prospect')} cost {cost:,.2f} of acquisition "
            "(their activities at the cost-driver rates)"
        )
    if former is not None and former.counterparties:
        cost = -former.lines["net_contribution"]
        costs.append(
            f"{_plural(former.counterparties, 'former customer')} without sales in the period cost {cost:,.2f}"
        )
    if costs:
        text += f" Besides them, {' and '.join(costs)}: the company's net contribution is {company:,.2f}."
    return text
