"""Cost-to-serve, the time-driven ABC way: each activity priced at the rate of its kind valid on its date.

A rate is either per event or per minute; ``activities.quantity`` is in the unit of its driver (events or
minutes), so cost = quantity x rate in both cases. How a company sets the rate (capacity cost rate = cost of
the capacity / practical capacity) and what unused capacity means is in docs/methodology.md.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import ibis
import ibis.expr.types as ir

from clientbase.analytics._periods_expr import in_any, in_period, money_sum
from clientbase.analytics.money import cents, exact_div, ratio
from clientbase.analytics.period import Period
from clientbase.errors import Problem, ValidationError

#: scale of quantity (3 decimals) x rate (6 decimals)
COST_SCALE = 9
#: stands for an open ``valid_to``
OPEN_END = dt.date(9999, 12, 31)


def priced_activities(activities: ir.Table, cost_drivers: ir.Table) -> ir.Table:
    """Every activity with the driver valid on its date: ``valid_from``, ``unit``, ``rate`` and ``cost``
    (quantity x rate, exact; its sum is cast to DECIMAL(38, 9) by :func:`cost_to_serve_facts`).

    An activity no driver prices keeps ``valid_from`` null (see :func:`check_priced`).
    """
    d = cost_drivers.select(
        driver_kind=cost_drivers.kind,
        valid_from=cost_drivers.valid_from,
        valid_to=cost_drivers.valid_to.coalesce(ibis.literal(OPEN_END)),
        unit=cost_drivers.unit,
        rate=cost_drivers.rate,
    )
    a = activities.select("counterparty_id", "activity_date", "kind", "quantity")
    joined = a.left_join(
        d,
        [
            a.kind == d.driver_kind,
            a.activity_date >= d.valid_from,
            a.activity_date <= d.valid_to,
        ],
    )
    return joined.select(
        "counterparty_id",
        "activity_date",
        "kind",
        "quantity",
        "valid_from",
        "unit",
        "rate",
        cost=joined.quantity * joined.rate,
    )


def cost_to_serve_facts(priced: ir.Table, periods: Mapping[str, Period], kinds: Sequence[str]) -> ir.Table:
    """Per customer, for every period label ``p``: ``p_cost_<i>`` the exact cost of the activities of
    ``kinds[i]``, and ``p_count`` the number of priced activities (one GROUP BY customer, no pivot after)."""
    t = priced.filter(in_any(priced.activity_date, periods) & priced.valid_from.notnull())
    aggs: dict[str, ir.Value] = {}
    for label, period in periods.items():
        inside = in_period(t.activity_date, period)
        for i, kind in enumerate(kinds):
            aggs[f"{label}_cost_{i}"] = money_sum(t.cost, inside & (t.kind == kind), COST_SCALE)
        aggs[f"{label}_count"] = t.count(where=inside)
    return t.group_by("counterparty_id").aggregate(**aggs)


def driver_usage(priced: ir.Table, periods: Mapping[str, Period]) -> ir.Table:
    """Per kind and driver (``valid_from``; null: no driver prices it), for every period label ``p``:
    ``p_quantity`` (driver units) and ``p_count`` (activities)."""
    t = priced.filter(in_any(priced.activity_date, periods))
    aggs: dict[str, ir.Value] = {}
    for label, period in periods.items():
        inside = in_period(t.activity_date, period)
        aggs[f"{label}_quantity"] = money_sum(t.quantity, inside, 3)
        aggs[f"{label}_count"] = t.count(where=inside)
    return t.group_by("kind", "valid_from").aggregate(**aggs)


def check_priced(usage: list[dict[str, object]], labels: list[str]) -> None:
    """Raise when an activity in a period has no cost driver valid on its date (rows of :func:`driver_usage`)."""
    problems = [
        Problem(
            file="activities",
            row=None,
            column="kind",
            value=str(r["kind"]),
            rule=(
                f"{r[f'{label}_count']} activit(ies) of kind {r['kind']!r} have no cost driver valid on their "
                "date; add a cost_drivers row for this kind covering those dates"
            ),
        )
        for r in usage
        for label in labels
        if r["valid_from"] is None and int(str(r[f"{label}_count"])) > 0
    ]
    if problems:
        raise ValidationError(problems)


def check_drivers(drivers: list[dict[str, object]]) -> None:
    """Raise when two rates of one kind are valid on the same day (the cost would count twice)."""
    by_kind: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for d in drivers:
        valid_to = d["valid_to"] or OPEN_END
        assert isinstance(d["valid_from"], dt.date) and isinstance(valid_to, dt.date)
        by_kind.setdefault(str(d["kind"]), []).append((d["valid_from"], valid_to))
    problems = []
    for kind, spans in by_kind.items():
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            if start <= end:
                problems.append(
                    Problem(
                        file="cost_drivers",
                        row=None,
                        column="valid_from",
                        value=f"{kind} {start}",
                        rule=f"two rates of kind {kind!r} are valid on {start}; end the older one the day before",
                    )
                )
    if problems:
        raise ValidationError(problems)


@dataclass(frozen=True)
class CapacityUse:
    """Use of one driver's capacity in the period, when its cost pool and practical capacity are known."""

    kind: str
    valid_from: dt.date
    unit: str
    rate: Decimal
    cost_pool: Decimal | None
    practical_capacity: Decimal | None
    #: cost pool / practical capacity: the rate the pool implies
    implied_rate: Decimal | None
    #: practical capacity x days of the period the driver is valid / 365
    capacity_in_period: Decimal | None
    used: Decimal
    unused: Decimal | None
    unused_cost: Decimal | None
    utilisation: Decimal | None

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def capacity_use(
    drivers: list[dict[str, object]], used: Mapping[tuple[str, dt.date], Decimal], period: Period
) -> list[CapacityUse]:
    """Used and unused capacity of every driver valid in ``period``.

    ``used`` maps (kind, valid_from) to the driver quantity used in the period. The yearly practical capacity
    is pro-rated to the days the driver is valid inside the period; unused capacity is priced at the rate.

    Example:
        >>> d = [{"kind": "visit", "valid_from": dt.date(1900, 1, 1), "valid_to": None, "unit": "minute",
        ...       "rate": Decimal("2"), "cost_pool": Decimal("73000"), "practical_capacity": Decimal("36500")}]
        >>> year = Period(dt.date(2023, 1, 1), dt.date(2023, 12, 31))
        >>> u = capacity_use(d, {("visit", dt.date(1900, 1, 1)): Decimal("30000")}, year)[0]
        >>> u.capacity_in_period, u.unused, u.unused_cost, u.utilisation
        (Decimal('36500.000'), Decimal('6500.000'), Decimal('13000.00'), Decimal('0.8219'))
    """
    out = []
    for d in drivers:
        valid_from = d["valid_from"]
        valid_to = d["valid_to"] or OPEN_END
        assert isinstance(valid_from, dt.date) and isinstance(valid_to, dt.date)
        start, end = max(valid_from, period.start), min(valid_to, period.end)
        if start > end:
            continue
        days = (end - start).days + 1
        rate = Decimal(str(d["rate"]))
        pool = None if d["cost_pool"] is None else Decimal(str(d["cost_pool"]))
        capacity = None if d["practical_capacity"] is None else Decimal(str(d["practical_capacity"]))
        quantity = used.get((str(d["kind"]), valid_from), Decimal(0))
        implied = ratio(pool, capacity, 6) if pool is not None and capacity else None
        in_period_cap = unused = unused_cost = utilisation = None
        if capacity is not None:
            in_period_cap = exact_div(capacity * days, Decimal(365)).quantize(Decimal("0.001"))
            unused = in_period_cap - quantity
            unused_cost = cents(unused * rate)
            utilisation = ratio(quantity, in_period_cap)
        out.append(
            CapacityUse(
                kind=str(d["kind"]),
                valid_from=valid_from,
                unit=str(d["unit"]),
                rate=rate,
                cost_pool=pool,
                practical_capacity=capacity,
                implied_rate=implied,
                capacity_in_period=in_period_cap,
                used=quantity,
                unused=unused,
                unused_cost=unused_cost,
                utilisation=utilisation,
            )
        )
    return out
