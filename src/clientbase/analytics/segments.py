"""Customer segments: RFM scores and named groups, ABC by value, XYZ by demand variability, the ABC-XYZ matrix.

Every function is pure Ibis, table in, table out (nothing executes here), so the same expression runs on DuckDB,
PostgreSQL or Spark. The rules (documented with worked examples in ``docs/value.md``):

* **RFM scores 1-5** (:func:`rfm_scores`): quintiles by rank. A customer's score is ``1 + floor(5 x rank / n)``
  where ``rank`` is the number of customers strictly worse than it (SQL ``RANK() - 1``) and ``n`` the number of
  customers. Ties get the same score (the lowest their group reaches), so a group of equal values is never split
  between two scores; with many ties the scores are uneven (e.g. every one-off buyer has F = 1). Recency is
  scored on the days since the last purchase (fewer is better), frequency and monetary value on the value itself.
* **Named groups** (:func:`rfm_segment`): the common R x F grid, see :data:`SEGMENT_RULES`.
* **ABC** (:func:`abc_classes`): customers sorted by value, largest first (ties by id). A customer is A while the
  cumulative positive value *before* it is below ``a`` (80 %) of the positive total, B while below ``a + b``
  (95 %), else C: A is the smallest set of top customers that makes up at least 80 %. Customers whose value is
  zero or negative are C; ``loss_making`` flags value < 0.
* **XYZ** (:func:`xyz_classes`): the coefficient of variation (population standard deviation / mean) of a
  customer's monthly demand over ``months`` whole calendar months, months without sales counting as 0.
  X: CV <= 50 %, Y: CV <= 100 %, Z: above, or no positive demand at all (CV undefined). The limits fit
  B2B order data, where a customer buys a few times a month or less (docs/value.md section 6 derives them
  from Syntetos, Boylan & Croston's demand categories); the 10 % / 25 % of inventory textbooks make every
  such customer Z.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir

from clientbase.analytics.period import shift_months
from clientbase.errors import ConfigurationError, Problem, ValidationError

#: the named groups and the R/F score cells they cover: (name, R scores, F scores)
SEGMENT_RULES: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...] = (
    ("Champions", (5,), (4, 5)),
    ("Loyal", (3, 4), (4, 5)),
    ("Potential loyalists", (4, 5), (2, 3)),
    ("New", (5,), (1,)),
    ("Promising", (4,), (1,)),
    ("Needs attention", (3,), (1, 2, 3)),
    ("At risk", (1, 2), (3, 4)),
    ("Cannot lose", (1, 2), (5,)),
    ("Hibernating", (2,), (1, 2)),
    ("Lost", (1,), (1, 2)),
)
SEGMENTS = tuple(name for name, _, _ in SEGMENT_RULES)
ABC = ("A", "B", "C")
XYZ = ("X", "Y", "Z")


def _missing(table: ir.Table, columns: list[str], where: str) -> None:
    for column in columns:
        if column not in table.columns:
            raise ValidationError(
                [
                    Problem(
                        where,
                        None,
                        column,
                        None,
                        f"column not found; the columns are {', '.join(table.columns)}",
                    )
                ]
            )


def _quintile(rank: ir.IntegerValue, n: ir.IntegerValue) -> ir.IntegerValue:
    score = (rank.cast("float64") * 5 / n.cast("float64")).floor().cast("int64") + 1
    return ibis.least(score, 5).cast("int64")


def rfm_scores(
    table: ir.Table,
    *,
    days_since_last_col: str = "days_since_last",
    frequency_col: str = "purchases",
    monetary_col: str = "monetary",
    where: str = "RFM table",
) -> ir.Table:
    """``table`` with ``r_score``, ``f_score``, ``m_score`` (1-5) and ``rfm_segment`` added.

    Args:
        table: one row per customer.
        days_since_last_col: days since the customer's last purchase (fewer is better: R = 5).
        frequency_col: number of purchases (more is better).
        monetary_col: money spent (more is better).
        where: name of the input in error messages.

    Example:
        >>> import ibis
        >>> t = ibis.memtable({"id": list("abcdefghij"), "days_since_last": [5, 10, 20, 40, 60, 90, 120, 200, 300, 400],
        ...     "purchases": [12, 9, 1, 8, 3, 2, 10, 1, 4, 1], "monetary": [100.0] * 10})
        >>> s = rfm_scores(t).order_by("id").execute()
        >>> s["r_score"].tolist(), s["f_score"].tolist()
        ([5, 5, 4, 4, 3, 3, 2, 2, 1, 1], [5, 4, 1, 4, 3, 2, 5, 1, 3, 1])
        >>> s["rfm_segment"].tolist()[:3]
        ['Champions', 'Champions', 'Promising']
    """
    _missing(table, [days_since_last_col, frequency_col, monetary_col], where)
    n = table.count().over(ibis.window())
    scored = table.mutate(
        r_score=_quintile(ibis.rank().over(order_by=ibis.desc(table[days_since_last_col])), n),
        f_score=_quintile(ibis.rank().over(order_by=table[frequency_col]), n),
        m_score=_quintile(ibis.rank().over(order_by=table[monetary_col]), n),
    )
    return scored.mutate(rfm_segment=rfm_segment(scored.r_score, scored.f_score))


def rfm_segment(r_score: ir.IntegerValue, f_score: ir.IntegerValue) -> ir.StringValue:
    """The named group of an R and an F score, by :data:`SEGMENT_RULES` (every one of the 25 cells is covered).

    Example:
        >>> import ibis
        >>> t = ibis.memtable({"r": [5, 1, 2, 3], "f": [5, 1, 5, 3]})
        >>> t.select(s=rfm_segment(t.r, t.f)).execute()["s"].tolist()
        ['Champions', 'Lost', 'Cannot lose', 'Needs attention']
    """
    case = ibis.cases(
        *[(r_score.isin(list(rs)) & f_score.isin(list(fs)), name) for name, rs, fs in SEGMENT_RULES],
        else_=ibis.null("string"),
    )
    return case


@dataclass(frozen=True)
class AbcThresholds:
    """Shares of the cumulative positive total: A up to ``a``, B the next ``b``, C the rest (default 80/15/5)."""

    a: Decimal = Decimal("0.80")
    b: Decimal = Decimal("0.15")

    def __post_init__(self) -> None:
        a, b = Decimal(self.a), Decimal(self.b)
        if not (0 < a < 1 and b >= 0 and a + b <= 1) or (a * 10**6) % 1 or (b * 10**6) % 1:
            raise ConfigurationError(
                f"ABC shares a={self.a}, b={self.b} are invalid; give 0 < a < 1 and b >= 0 with a + b <= 1, "
                "to at most 6 decimals (e.g. a=0.80, b=0.15)."
            )


def abc_classes(
    table: ir.Table,
    *,
    value_col: str,
    id_col: str = "counterparty_id",
    prefix: str = "abc",
    thresholds: AbcThresholds | None = None,
    where: str = "ABC input",
) -> ir.Table:
    """``table`` with ``{prefix}`` (A/B/C), ``{prefix}_share`` (cumulative share including the customer, float)
    and ``{prefix}_loss_making`` (value < 0) added.

    Args:
        table: one row per customer with a numeric ``value_col`` (net revenue, net contribution, ...).
        value_col: the value ranked; exact decimals or integers (e.g. cents) keep the classes exact.
        id_col: breaks ties between equal values (lower id first).
        prefix: name of the added columns (e.g. ``abc_revenue``).
        thresholds: the A and B shares (default 80 % and 15 %).

    Example:
        >>> import ibis
        >>> t = ibis.memtable({"counterparty_id": list("abcdef"), "v": [500, 250, 120, 80, 50, -40]})
        >>> r = abc_classes(t, value_col="v").order_by("counterparty_id").execute()
        >>> r["abc"].tolist(), r["abc_loss_making"].tolist()[-1]
        (['A', 'A', 'A', 'B', 'C', 'C'], True)
    """
    _missing(table, [value_col, id_col], where)
    limits = thresholds or AbcThresholds()
    value = table[value_col]
    zero = ibis.literal(0).cast(value.type())
    positive = ibis.ifelse(value > zero, value, zero)
    order = [ibis.desc(value), table[id_col]]
    before = positive.sum().over(ibis.window(order_by=order, rows=(None, -1))).coalesce(zero)
    upto = positive.sum().over(ibis.window(order_by=order, rows=(None, 0)))
    total = positive.sum().over(ibis.window())
    # exact on integers and decimals: before x 10^6 < total x (share in millionths)
    a_ppm = int(Decimal(limits.a) * 10**6)
    b_ppm = int((Decimal(limits.a) + Decimal(limits.b)) * 10**6)
    million = ibis.literal(10**6, type="int64")
    cls = ibis.cases(
        (value <= zero, "C"),
        (before * million < total * ibis.literal(a_ppm, type="int64"), "A"),
        (before * million < total * ibis.literal(b_ppm, type="int64"), "B"),
        else_="C",
    )
    share = ibis.ifelse(total > 0, upto.cast("float64") / total.cast("float64"), ibis.null("float64"))
    return table.mutate(**{prefix: cls, f"{prefix}_share": share, f"{prefix}_loss_making": value < 0})


@dataclass(frozen=True)
class XyzThresholds:
    """Coefficient-of-variation limits: X up to ``x``, Y up to ``y``, Z above (default 50 % and 100 %)."""

    x: float = 0.50
    y: float = 1.00

    def __post_init__(self) -> None:
        if not (0 < self.x <= self.y):
            raise ConfigurationError(
                f"XYZ limits x={self.x}, y={self.y} are invalid; give 0 < x <= y (e.g. x=0.50, y=1.00)."
            )


def xyz_window(as_of: dt.date, months: int = 12) -> tuple[dt.date, dt.date]:
    """The ``months`` whole calendar months ending with the last whole month on or before ``as_of``.

    Example:
        >>> xyz_window(dt.date(2024, 6, 15))
        (datetime.date(2023, 6, 1), datetime.date(2024, 5, 31))
        >>> xyz_window(dt.date(2024, 6, 30), months=3)
        (datetime.date(2024, 4, 1), datetime.date(2024, 6, 30))
    """
    if months < 2:
        raise ConfigurationError(f"XYZ needs at least 2 months of demand; got months={months}.")
    next_day = as_of + dt.timedelta(days=1)
    end_month = next_day if next_day.day == 1 else as_of.replace(day=1)
    end = end_month - dt.timedelta(days=1)
    start = shift_months(end_month, -months)
    return start, end


def xyz_classes(
    transactions: ir.Table,
    *,
    as_of: dt.date,
    amount: ir.NumericValue | None = None,
    amount_col: str | None = None,
    customer_col: str = "counterparty_id",
    date_col: str = "order_date",
    months: int = 12,
    thresholds: XyzThresholds | None = None,
) -> ir.Table:
    """Per customer with demand in the window: ``demand_mean`` (per month), ``demand_cv`` and ``xyz``.

    Monthly demand is the sum of ``amount`` (an expression on ``transactions``, or the column ``amount_col``) per
    calendar month of :func:`xyz_window`; a month without sales counts as 0, so the mean is the window total /
    ``months`` and the variance E[x^2] - mean^2 uses the sum of the squared monthly sums (no row per empty month).
    Customers absent from the result had no demand in the window: they are Z.

    Example:
        >>> import ibis
        >>> t = ibis.memtable({"counterparty_id": ["a"] * 4 + ["b"] * 2,
        ...     "order_date": [dt.date(2024, m, 3) for m in (1, 2, 3, 4)] + [dt.date(2024, 1, 9), dt.date(2024, 3, 9)],
        ...     "v": [100, 110, 90, 100, 50, 50]})
        >>> r = xyz_classes(t, amount_col="v", as_of=dt.date(2024, 4, 30), months=4).order_by("counterparty_id")
        >>> [(x["xyz"], round(x["demand_cv"], 4)) for x in r.execute().to_dict("records")]
        [('X', 0.0707), ('Z', 1.0)]
    """
    limits = thresholds or XyzThresholds()
    if (amount is None) == (amount_col is None):
        raise ConfigurationError("xyz_classes: give either amount (an expression) or amount_col.")
    value = amount if amount is not None else transactions[amount_col]
    start, end = xyz_window(as_of, months)
    t = transactions.mutate(_value=value.cast("float64"), _month=transactions[date_col].truncate("M"))
    t = t.filter(
        (t[date_col] >= ibis.literal(start)) & (t[date_col] <= ibis.literal(end)), t[customer_col].notnull()
    )
    monthly = t.group_by([customer_col, "_month"]).aggregate(_sum=t._value.sum())
    per = monthly.group_by(customer_col).aggregate(
        _total=monthly._sum.sum(), _squares=(monthly._sum * monthly._sum).sum()
    )
    m = float(months)
    mean = per._total / m
    variance = ibis.greatest(per._squares / m - mean * mean, 0.0)
    cv = ibis.ifelse(mean > 0, variance.sqrt() / mean, ibis.null("float64"))
    out = per.select(customer_col, demand_mean=mean, demand_cv=cv)
    return out.mutate(
        xyz=ibis.cases(
            (out.demand_cv.isnull(), "Z"),
            (out.demand_cv <= limits.x, "X"),
            (out.demand_cv <= limits.y, "Y"),
            else_="Z",
        )
    )


def abc_xyz_matrix(table: ir.Table, *, abc_col: str = "abc_revenue", xyz_col: str = "xyz") -> ir.Table:
    """Counts per cell of the nine-box ABC-XYZ matrix (``cell`` such as ``"AX"``, ``customers``).

    Example:
        >>> import ibis
        >>> t = ibis.memtable({"abc_revenue": ["A", "A", "C"], "xyz": ["X", "X", "Z"]})
        >>> abc_xyz_matrix(t).order_by("cell").execute().to_dict("records")
        [{'cell': 'AX', 'customers': 2}, {'cell': 'CZ', 'customers': 1}]
    """
    _missing(table, [abc_col, xyz_col], "ABC-XYZ input")
    cell = table[abc_col].concat(table[xyz_col])
    return table.group_by(cell.name("cell")).aggregate(customers=table.count())


def a_revenue_c_profit(
    table: ir.Table, *, revenue_class_col: str = "abc_revenue", profit_class_col: str = "abc_profit"
) -> ir.Table:
    """The customers that are A by revenue but C (or loss-making) by net contribution: big and unprofitable.

    Example:
        >>> import ibis
        >>> t = ibis.memtable({"id": [1, 2], "abc_revenue": ["A", "A"], "abc_profit": ["A", "C"]})
        >>> a_revenue_c_profit(t).execute()["id"].tolist()
        [2]
    """
    _missing(table, [revenue_class_col, profit_class_col], "ABC input")
    return table.filter((table[revenue_class_col] == "A") & (table[profit_class_col] == "C"))


def nine_box(counts: dict[str, Any]) -> dict[str, int]:
    """Every cell of the ABC-XYZ matrix (AX ... CZ) with its count, zeros included.

    Example:
        >>> nine_box({"AX": 2})["AX"], nine_box({"AX": 2})["CZ"]
        (2, 0)
    """
    return {a + x: int(counts.get(a + x, 0)) for a in ABC for x in XYZ}
