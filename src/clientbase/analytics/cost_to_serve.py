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
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clientbase.analytics.facts import Grouped
from clientbase.analytics.money import cents, exact_div, ratio
from clientbase.analytics.period import Period
from clientbase.analytics.timeline import Timeline
from clientbase.errors import Problem, ValidationError

#: scale of quantity (3 decimals) x rate (6 decimals)
COST_SCALE = 9
_COST = f"decimal(38, {COST_SCALE})"
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


def activity_spans(priced: ir.Table, timeline: Timeline) -> ir.Table:
    """Priced activities in the window per customer, kind, driver (``valid_from``; null: no driver prices
    it) and span: ``cost`` (exact), ``quantity`` (driver units) and ``count``. One query serves the
    cost-to-serve per customer, the use of each driver's capacity and the check that every activity is
    priced."""
    t = priced.filter(timeline.in_window(priced.activity_date))
    return t.group_by("counterparty_id", "kind", "valid_from", span=timeline.span(t.activity_date)).aggregate(
        cost=t.cost.sum().cast(_COST),
        quantity=t.quantity.sum().cast("decimal(38, 3)"),
        count=t.count(),
    )


def cost_columns(spans: Grouped, timeline: Timeline, kinds: Sequence[str]) -> dict[str, np.ndarray]:
    """Per customer, for every period label ``p``: ``p_cost_<i>`` the cost of the activities of ``kinds[i]``
    in whole cents and ``p_activities`` the number of activities, from :func:`activity_spans`."""
    kind = spans.keys("kind")
    out = {}
    for label in timeline.periods:
        inside = timeline.contains(spans.keys("span"), label)
        for i, name in enumerate(kinds):
            out[f"{label}_cost_{i}"] = spans.cents("cost", COST_SCALE, inside & (kind == name))
        out[f"{label}_activities"] = spans.total("count", inside)
    return out


def driver_usage(spans: pa.Table, timeline: Timeline, label: str) -> dict[tuple[str, dt.date], Decimal]:
    """The quantity of each driver (kind, valid_from) used in period ``label``, from :func:`activity_spans`."""
    rows = spans.filter(pa.array(timeline.contains(spans["span"].to_numpy(), label)))
    used = rows.group_by(["kind", "valid_from"]).aggregate([("quantity", "sum")])
    return {
        (str(r["kind"]), r["valid_from"]): Decimal(r["quantity_sum"])
        for r in used.to_pylist()
        if r["valid_from"] is not None
    }


def check_priced(spans: pa.Table, timeline: Timeline) -> None:
    """Raise when an activity in a period has no cost driver valid on its date (rows of
    :func:`activity_spans` without ``valid_from``)."""
    unpriced = spans.filter(pc.is_null(spans["valid_from"]))
    counts: dict[tuple[str, str], int] = {}
    for r in unpriced.to_pylist():
        for label in timeline.periods:
            if r["span"] in timeline.spans(label):
                key = (label, str(r["kind"]))
                counts[key] = counts.get(key, 0) + int(r["count"])
    problems = [
        Problem(
            file="activities",
            row=None,
            column="kind",
            value=kind,
            rule=(
                f"{n} activit(ies) of kind {kind!r} have no cost driver valid on their date; "
                "add a cost_drivers row for this kind covering those dates"
            ),
        )
        for (_, kind), n in sorted(counts.items())
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
