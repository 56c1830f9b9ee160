"""Two lines beside the history-based forecast, never mixed into it: the customer-value view and the
prospects' pipeline.

**Customer-value view** (bottom-up): each customer's expected purchases in every month ahead from the
purchase model of :mod:`clientbase.decisions.value` (BG/NBD or MBG/NBD) times its expected spend per purchase
(Gamma-Gamma), summed over the customers. Net contribution applies each customer's margin rate; orders are the
expected purchases (a purchase is an order day). The difference from the model view is explained with what
the customer-value view leaves out, measured on the last twelve complete months: customers new in that year
(it forecasts only customers already there) and returns (it counts purchases only); the rest is trend and
seasonality, which it does not model.

**Prospects' pipeline**: the expected value of converting the open prospects (status ``prospect``). Each
prospect converts in a month ahead with the monthly hazard of first orders by months since creation, read
from the base's own counterparties of the same acquisition mode (created, and converted or still open); a
conversion brings the average measure of new customers in their first months. The ``targets`` step
(issue 16) scores each prospect; its probabilities can replace the cohort hazard here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np

from clientbase.analytics.facts import unscaled
from clientbase.analytics.money import div_round
from clientbase.analytics.sales import LINE_SCALE
from clientbase.analytics.tables import Tables
from clientbase.errors import ClientbaseError
from clientbase.forecast.document import amount
from clientbase.forecast.series import NONE_LABEL, _run, period_start

if TYPE_CHECKING:
    from clientbase.forecast.service import BaseForecast

DAYS_PER_MONTH = 365.25 / 12
#: months of conversion history and of a new customer's first months the pipeline reads at most
PIPELINE_MONTHS = 36


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def customer_value_view(store: Any, result: BaseForecast) -> dict[str, Any]:
    """The bottom-up view of the total over the forecast months, and the difference explained."""
    from clientbase.decisions.value import customer_value
    from clientbase.forecast.service import period_text

    s, f = result.series, result.forecast
    measure = s.measure
    title = "Customer-value view (BG/NBD x Gamma-Gamma)"
    if measure == "quantity":
        return {
            "title": title,
            "summary": "not available for quantity: the customer-value models count purchases and their value, not units.",
        }
    value = customer_value(store, as_of=s.as_of)
    customers = value.customers
    owner = result.scope.get("owner_id")
    if owner is not None:
        cp = Tables.of(store).counterparties
        own = set(
            _run("own customers", cp.filter(cp.owner_id == owner).select("counterparty_id"))
            .column(0)
            .to_pylist()
        )
        customers = customers[customers["counterparty_id"].isin(own)]
    x, t_x, age = (customers[c].to_numpy(dtype=np.float64) for c in ("frequency", "recency", "T"))
    weeks = DAYS_PER_MONTH / 7  # the value models count time in weeks
    cumulative = [np.zeros(len(customers))]
    # month h ahead counts from as_of (the customer-value models' calibration end)
    for h in range(1, len(result.forecast_periods) + 1):
        cumulative.append(value.purchase_model.conditional_expected_purchases(h * weeks, x, t_x, age))
    per_month = np.diff(np.vstack(cumulative), axis=0)  # months x customers
    weight = np.ones(len(customers))
    if measure in ("net_revenue", "net_contribution"):
        weight = customers["expected_spend"].to_numpy(dtype=np.float64)
        if measure == "net_contribution":
            weight = weight * customers["margin_rate"].to_numpy(dtype=np.float64)
    monthly = per_month @ weight
    unit = 10**s.scale
    months = [period_text(p, "month") for p in result.forecast_periods]
    monthly_units = [int(v) for v in np.rint(monthly * unit)]
    view_total = sum(monthly_units)  # the total is the sum of the months shown, to the cent
    model_total = int(f.mean[0].sum())
    gap = model_total - view_total
    explained = _explain(store, s.as_of, s.periods[: s.complete], owner, measure)
    parts = {k: int(v.scaleb(s.scale)) if isinstance(v, Decimal) else None for k, v in explained.items()}
    rest = gap - sum(v for v in parts.values() if v is not None)
    summary = (
        f"{amount(view_total, s.scale):,.2f} over the {len(months)} months against the model view's "
        f"{amount(model_total, s.scale):,.2f} (difference {amount(gap, s.scale):,.2f})."
    )
    new = parts.get("new_customers")
    if new is not None:
        summary += (
            f" In the last 12 months, customers new that year brought {amount(new, s.scale):,.2f}"
            f" and returns came to {amount(parts['returns'] or 0, s.scale):,.2f}; the customer-value view has neither."
        )
    return {
        "title": title,
        "model": value.purchase_model.__class__.__name__,
        "customers": len(customers),
        "forecast": [
            {"period": p, "mean": amount(v, s.scale)} for p, v in zip(months, monthly_units, strict=True)
        ],
        "total": amount(view_total, s.scale),
        "model_view_total": amount(model_total, s.scale),
        "difference": amount(gap, s.scale),
        "explained": {
            "new_customers_last_12_months": explained.get("new_customers"),
            "returns_last_12_months": explained.get("returns"),
            "trend_seasonality_and_models": amount(rest, s.scale),
        },
        "summary": summary,
    }


def _explain(
    store: Any, as_of: dt.date, complete: list[dt.date], owner: str | None, measure: str
) -> dict[str, Decimal | None]:
    """Net revenue (or orders) in the last 12 complete months from customers new in them, and from returns."""
    if len(complete) < 12 or measure not in ("net_revenue", "orders", "net_contribution"):
        return {"new_customers": None, "returns": None}
    tables = Tables.of(store)
    start = complete[-12]
    end = _next_month(complete[-1]) - dt.timedelta(days=1)
    lines = tables.order_lines
    if owner is not None:
        cp = tables.counterparties
        lines = lines.filter(lines.counterparty_id.isin(cp.filter(cp.owner_id == owner).counterparty_id))
    first = (
        lines.filter(lines.quantity > 0)
        .group_by("counterparty_id")
        .aggregate(first_day=lambda t: t.order_date.min())
    )
    window = lines.filter((lines.order_date >= ibis.literal(start)) & (lines.order_date <= ibis.literal(end)))
    joined = window.join(first, "counterparty_id")
    revenue = (joined.quantity * joined.net_price).cast(f"decimal(38, {LINE_SCALE})")
    row = _run(
        "what the customer-value view leaves out",
        joined.aggregate(
            new=revenue.sum(where=joined.first_day >= ibis.literal(start)).cast(f"decimal(38, {LINE_SCALE})"),
            returns=revenue.sum(where=joined.quantity < 0).cast(f"decimal(38, {LINE_SCALE})"),
        ),
    )
    shift = 10 ** (LINE_SCALE - 2)
    new = int(div_round(unscaled(row["new"], LINE_SCALE), shift)[0])
    returns = int(div_round(unscaled(row["returns"], LINE_SCALE), shift)[0])
    if measure == "orders":  # in orders the split is not in money: leave it to the remainder
        return {"new_customers": None, "returns": None}
    return {"new_customers": amount(new, 2), "returns": amount(returns, 2)}


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def pipeline_view(store: Any, result: BaseForecast) -> dict[str, Any]:
    """The expected value of converting the open prospects, month by month (see the module docstring)."""
    from clientbase.forecast.service import period_text

    s = result.series
    title = "Prospects' pipeline (expected value of conversions, not in the forecast)"
    if s.measure == "net_contribution":
        return {
            "title": title,
            "summary": "shown for net revenue, orders and quantity: a prospect's profit needs the cost to win it (the targets step).",
        }
    tables = Tables.of(store)
    cp = tables.counterparties
    if result.scope.get("owner_id") is not None:
        cp = cp.filter(cp.owner_id == result.scope["owner_id"])
    rows = _run(
        "counterparties for the pipeline",
        cp.select(
            "counterparty_id",
            "status",
            "created_at",
            "first_order_date",
            mode=cp.acquisition_mode.fill_null(NONE_LABEL),
        ),
    ).to_pylist()
    as_of = s.as_of
    horizon = len(result.forecast_periods)
    hazards = _hazards(rows, as_of)
    value = _value_per_month(tables, s.measure, as_of, horizon, s.scale)
    open_prospects = [
        r for r in rows if r["status"] == "prospect" and r["first_order_date"] is None and r["created_at"]
    ]
    expected = np.zeros(horizon)
    conversions = np.zeros(horizon)
    for r in open_prospects:
        hazard = hazards.get(r["mode"], hazards.get("*"))
        if hazard is None:
            continue
        age = max(_months_between(_day(r["created_at"]), as_of), 0)
        alive = 1.0
        for k in range(horizon):
            a = age + k + 1
            h = hazard[a] if a < len(hazard) else 0.0
            p = alive * h
            alive *= 1 - h
            conversions[k] += p
            expected[k:] += p * value[: horizon - k]
    unit = 10**s.scale
    months = [period_text(p, "month") for p in result.forecast_periods]
    expected_units = [int(v) for v in np.rint(expected * unit)]
    total = sum(expected_units)
    return {
        "title": title,
        "open_prospects": len(open_prospects),
        "expected_conversions": round(float(conversions.sum()), 2),
        "forecast": [
            {
                "period": p,
                "expected_value": amount(v, s.scale),
                "expected_conversions": round(float(c), 3),
            }
            for p, v, c in zip(months, expected_units, conversions, strict=True)
        ],
        "total": amount(total, s.scale),
        "summary": (
            f"{len(open_prospects):,} open prospects, {conversions.sum():.1f} expected to convert in "
            f"{horizon} months, worth {amount(total, s.scale):,.2f} — separate from the forecast."
        ),
    }


def _day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _hazards(rows: list[dict[str, Any]], as_of: dt.date) -> dict[str, np.ndarray[Any, Any]]:
    """Monthly hazard of a first order by months since creation, per acquisition mode and overall (``*``)."""
    out = {}
    for mode in [*sorted({r["mode"] for r in rows}), "*"]:
        at_risk = np.zeros(PIPELINE_MONTHS + 2)
        converted = np.zeros(PIPELINE_MONTHS + 2)
        for r in rows:
            if (mode != "*" and r["mode"] != mode) or not r["created_at"]:
                continue
            created = _day(r["created_at"])
            if created > as_of:
                continue
            first = r["first_order_date"]
            if first is not None and _day(first) <= as_of:
                age = max(_months_between(created, _day(first)), 0)
                if age <= PIPELINE_MONTHS:
                    at_risk[: age + 1] += 1
                    converted[age] += 1
            else:
                seen = min(_months_between(created, as_of), PIPELINE_MONTHS)
                at_risk[: seen + 1] += 1
        with np.errstate(divide="ignore", invalid="ignore"):
            hazard = np.where(at_risk > 0, converted / np.where(at_risk > 0, at_risk, 1), 0.0)
        if converted.sum() > 0:
            out[mode] = hazard
    return out


def _value_per_month(
    tables: Tables, measure: str, as_of: dt.date, horizon: int, scale: int
) -> np.ndarray[Any, Any]:
    """The average measure of a new customer in month k after its first order (k = 0, 1, ...)."""
    lines = tables.order_lines.filter(tables.order_lines.order_date <= ibis.literal(as_of))
    first = (
        lines.filter(lines.quantity > 0)
        .group_by("counterparty_id")
        .aggregate(first_day=lambda t: t.order_date.min())
    )
    j = lines.join(first, "counterparty_id")
    age = (j.order_date.year() - j.first_day.year()) * 12 + j.order_date.month() - j.first_day.month()
    amounts = {
        "net_revenue": (j.quantity * j.net_price).sum().cast("float64"),
        "quantity": j.quantity.sum().cast("float64"),
        "orders": j.order_id.nunique().cast("float64"),
    }
    try:
        by_age = _run(
            "a new customer's first months", j.group_by(age=age).aggregate(v=amounts[measure])
        ).to_pylist()
        starts = _run("first orders", first.select("first_day")).column(0).to_pylist()
    except ClientbaseError:
        raise
    last_month = period_start(as_of, "month")
    observed = np.zeros(horizon)
    for d in starts:
        months = _months_between(_day(d), last_month)
        observed[: min(months, horizon)] += 1  # months k < months are complete for this customer
    total = np.zeros(horizon)
    for r in by_age:
        if 0 <= r["age"] < horizon:
            total[r["age"]] += r["v"]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(observed > 0, total / np.where(observed > 0, observed, 1), 0.0)


def views_beside(store: Any, result: BaseForecast) -> dict[str, Any]:
    """Both views, each computed where it can be (a failing view says why instead of stopping the forecast)."""
    out: dict[str, Any] = {}
    for name, build in (("customer_value_view", customer_value_view), ("pipeline", pipeline_view)):
        try:
            out[name] = build(store, result)
        except ClientbaseError as exc:
            out[name] = {"title": name.replace("_", " "), "summary": f"not available: {exc}"}
    return out
