"""The acquisition history of a base, read once: every prospect, what winning it cost, and what it brought
month by month after its first order. The one place the targeting package executes queries.

A *prospect* here is every counterparty that is or was a customer or a prospect (roles ``customer`` or
``prospect``) created from ``since`` (default: the first day with an order line or an activity, since the
records of prospects dropped before the data began may be gone) to ``as_of`` (default: the latest date of
any order, activity, invoice or payment). It *converted* on its first order: the earlier of the record's
``first_order_date`` and its first order line with a positive quantity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from clientbase import schema
from clientbase.analytics.credit import financing_rate
from clientbase.analytics.period import Period
from clientbase.analytics.sales import orders_from_lines
from clientbase.analytics.tables import Tables
from clientbase.errors import ClientbaseError, ConfigurationError, StoreError
from clientbase.targeting import acquisition_cost as acq
from clientbase.targeting.contribution import calendar_months, monthly_net_contribution

#: the first months after the first order whose net contribution the profile and the model weigh
FIRST_MONTHS = 12
#: record columns never used as attributes: keys, bookkeeping, dates, identifiers, contact details, names
NOT_ATTRIBUTES = frozenset(
    {
        "counterparty_id",
        "name",
        "roles",
        "status",
        "owner_id",
        "created_at",
        "first_order_date",
        "version",
        "tax_id",
        "registration_id",
        "email",
        "phone",
        "website",
        "address",
        "postcode",
    }
)


@dataclass(frozen=True)
class History:
    """The prospects of a base with their acquisition cost and what they brought (money in whole cents).

    ``prospects`` is indexed by ``counterparty_id`` with: ``name``, ``owner_id``, ``status``, ``channel``,
    ``mode``, ``created``, ``converted_on``, ``converted``, ``days_to_first_order``, ``first_sale``,
    ``last_sale``, ``activity_cost``, ``winning_activities``, ``campaign_cost``, ``acquisition_cost``,
    ``first12`` and ``first12_known`` (net contribution of the first 12 calendar months from the month of
    the first order, known when those months are over), ``to_date`` (net contribution from the first order
    to ``as_of``), ``open`` (a prospect not yet won nor given up), and every record column in
    ``attributes``. ``curves[i, k]`` is the cumulative net contribution of acquired customer
    ``curve_ids[i]`` over its first ``k + 1`` months, valid for ``k < curve_months[i]`` (months over).
    """

    as_of: dt.date
    since: dt.date
    currency: str
    months: list[Period]
    complete_months: int
    prospects: pd.DataFrame
    curve_ids: pd.Index
    curves: np.ndarray
    curve_months: np.ndarray
    campaigns: list[acq.CampaignShare]
    attributes: list[str]
    #: records created before ``since`` (left out)
    before_since: int


def _run(step: str, expr: ir.Table) -> pa.Table:
    try:
        return expr.to_pyarrow()
    except ClientbaseError:
        raise
    except Exception as exc:
        raise StoreError(f"The targeting step {step!r} failed in the database engine: {exc}") from exc


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def data_dates(tables: Tables) -> tuple[dt.date | None, dt.date | None]:
    """The first day with an order line or an activity, and the latest date of any order line, activity,
    invoice or payment (one query)."""
    lines, acts = tables.order_lines, tables.activities
    q = lines.aggregate(a=lines.order_date.min(), b=lines.order_date.max())
    q = q.cross_join(acts.aggregate(c=acts.activity_date.min(), d=acts.activity_date.max()))
    q = q.cross_join(tables.invoices.aggregate(e=tables.invoices.issue_date.max()))
    q = q.cross_join(tables.payments.aggregate(f=tables.payments.paid_date.max()))
    row = _run("dates of the data", q).to_pylist()[0]
    firsts = [d for d in (_as_date(row["a"]), _as_date(row["c"])) if d is not None]
    lasts = [d for d in (_as_date(row[k]) for k in "bdef") if d is not None]
    return (min(firsts) if firsts else None), (max(lasts) if lasts else None)


def read_history(store: Any, *, as_of: dt.date | None = None, since: dt.date | None = None) -> History:
    """Read the acquisition history of ``store`` (a :class:`~clientbase.store.Store`).

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     read_history(store, as_of=dt.date(2024, 6, 30), since=dt.date(2024, 1, 1)).prospects.shape[0]
        0
    """
    tables = Tables.of(store)
    first_day, latest = data_dates(tables)
    as_of = as_of or latest
    since = since or first_day
    if as_of is None or since is None:
        raise ConfigurationError(
            "The database has no order lines or activities, so there is no acquisition history to read; "
            "load transactions first (clientbase import-folder or import-transactions)."
        )
    if since > as_of:
        raise ConfigurationError(f"--since {since} is after the as-of date {as_of}; give an earlier --since.")
    settings = {r["key"]: r["value"] for r in _run("settings", tables.settings).to_pylist()}
    rate = financing_rate(
        settings.get("financing_rate_annual", schema.DEFAULT_SETTINGS["financing_rate_annual"])
    )
    currency = str(settings.get("currency", schema.DEFAULT_SETTINGS["currency"]))

    cp = tables.counterparties
    conversions = acq.conversion_dates(cp, tables.order_lines)
    records = _records(cp, conversions)
    counted = records[(records["created"] >= since) & (records["created"] <= as_of)]
    before = int((records["created"] < since).sum())

    before_acts, after_acts = acq.split_activities(tables.activities, conversions)
    spans = _run(
        "activities before the first order", acq.winning_cost_spans(before_acts, tables.cost_drivers, as_of)
    )
    prospects = counted.join(acq.winning_cost(spans, counted.index))
    campaigns = _campaigns(store, since, as_of)
    shares, used = acq.campaign_cost(campaigns, prospects)
    prospects["campaign_cost"] = shares
    prospects["acquisition_cost"] = prospects["activity_cost"] + prospects["campaign_cost"]

    months = calendar_months(since, as_of)
    drivers = _run("cost drivers", tables.cost_drivers).to_pylist()
    kinds = sorted({str(d["kind"]) for d in drivers})
    has_headers = bool(_run("orders", tables.orders.aggregate(n=tables.orders.count())).to_pylist()[0]["n"])
    monthly = monthly_net_contribution(
        order_lines=tables.order_lines,
        orders=tables.orders if has_headers else orders_from_lines(tables.order_lines),
        served=after_acts,
        cost_drivers=tables.cost_drivers,
        invoices=tables.invoices,
        payments=tables.payments,
        months=months,
        as_of=as_of,
        financing_rate=rate,
        kinds=kinds,
        run=_run,
    )
    complete = sum(1 for p in months if _month_over(p, as_of))
    prospects, curve_ids, curves, curve_months = _after_first_order(
        prospects, monthly, months, complete, as_of
    )
    return History(
        as_of=as_of,
        since=since,
        currency=currency,
        months=months,
        complete_months=complete,
        prospects=prospects,
        curve_ids=curve_ids,
        curves=curves,
        curve_months=curve_months,
        campaigns=used,
        attributes=[c for c in cp.columns if c not in NOT_ATTRIBUTES],
        before_since=before,
    )


def _month_over(month: Period, as_of: dt.date) -> bool:
    """Whether the whole calendar month of ``month`` lies on or before ``as_of``."""
    following = (month.start + dt.timedelta(days=32)).replace(day=1)
    return following - dt.timedelta(days=1) <= as_of


def _records(cp: ir.Table, conversions: ir.Table) -> pd.DataFrame:
    """The customers and prospects of the base with their conversion and last sale."""
    j = cp.left_join(conversions, cp.counterparty_id == conversions.c_id)
    wanted = j.filter(j.roles.contains("customer") | j.roles.contains("prospect"))
    attributes = [c for c in cp.columns if c not in NOT_ATTRIBUTES]
    frame = _run(
        "customers and prospects",
        wanted.select(
            "counterparty_id",
            "name",
            "owner_id",
            "status",
            "created_at",
            "converted_on",
            "first_sale",
            "last_sale",
            *attributes,
        ),
    ).to_pandas()
    frame = frame.set_index("counterparty_id").sort_index()
    for column in ("created_at", "converted_on", "first_sale", "last_sale"):
        frame[column] = [_as_date(v) for v in frame[column]]
    frame = frame.rename(columns={"created_at": "created"})
    frame["channel"] = frame["acquisition_channel"].where(frame["acquisition_channel"].notna(), None)
    frame["mode"] = frame["acquisition_mode"].where(frame["acquisition_mode"].notna(), None)
    return frame


def _campaigns(store: Any, since: dt.date, as_of: dt.date) -> pd.DataFrame:
    """The campaigns that overlap ``since`` to ``as_of``, cost in cents."""
    t = store.table("campaigns")
    t = t.filter((t["end"] >= ibis.literal(since)) & (t["start"] <= ibis.literal(as_of)))
    rows = _run("campaigns", t.select("campaign_id", "channel", "mode", "start", "end", "cost")).to_pylist()
    return pd.DataFrame(
        {
            "campaign_id": [r["campaign_id"] for r in rows],
            "channel": [r["channel"] for r in rows],
            "mode": [r["mode"] for r in rows],
            "start": [_as_date(r["start"]) for r in rows],
            "end": [_as_date(r["end"]) for r in rows],
            "cost_cents": [int(r["cost"].scaleb(2)) for r in rows],
        }
    ).sort_values("campaign_id", kind="stable")


def _after_first_order(
    prospects: pd.DataFrame, monthly: pd.DataFrame, months: list[Period], complete: int, as_of: dt.date
) -> tuple[pd.DataFrame, pd.Index, np.ndarray, np.ndarray]:
    """Add what each prospect brought after its first order, and the curves of the acquired customers."""
    p = prospects.copy()
    starts = [m.start for m in months]
    converted = p["converted_on"].map(lambda d: d is not None and d <= as_of).astype(bool)
    p["converted"] = converted
    p["days_to_first_order"] = [
        (c - s).days if ok else np.nan
        for c, s, ok in zip(p["converted_on"], p["created"], converted, strict=True)
    ]
    # month of the first order on the timeline (-1: before it, or not converted)
    first_month = np.array(
        [_month_index(starts, c) if ok else -1 for c, ok in zip(p["converted_on"], converted, strict=True)],
        dtype=np.int64,
    )
    p["first_month"] = first_month
    ids = p.index[first_month >= 0]
    curve_months = np.maximum(complete - first_month[first_month >= 0], 0)
    width = max(complete, 1)
    matrix = np.zeros((len(ids), width), dtype=np.int64)
    position = pd.Series(np.arange(len(ids)), index=ids)
    m = monthly[monthly["counterparty_id"].isin(ids)]
    row = position.reindex(m["counterparty_id"]).to_numpy()
    offset = m["month"].to_numpy() - first_month[first_month >= 0][row]
    keep = (offset >= 0) & (offset < width)
    np.add.at(matrix, (row[keep], offset[keep]), m["net_contribution"].to_numpy()[keep])
    cumulative = np.cumsum(matrix, axis=1)
    to_date = np.zeros(len(p), dtype=np.int64)
    after = m[offset >= 0]
    totals = after.groupby("counterparty_id")["net_contribution"].sum()
    to_date[p.index.get_indexer(totals.index)] = totals.to_numpy()
    p["to_date"] = to_date
    first12 = np.zeros(len(p), dtype=np.int64)
    known = np.zeros(len(p), dtype=bool)
    where = p.index.get_indexer(ids)
    ok = curve_months >= FIRST_MONTHS
    first12[where[ok]] = cumulative[ok, FIRST_MONTHS - 1] if width >= FIRST_MONTHS else 0
    known[where[ok]] = True
    p["first12"] = first12
    p["first12_known"] = known
    p["open"] = (p["status"] == "prospect") & ~converted
    return p, ids, cumulative, curve_months


def _month_index(starts: list[dt.date], day: dt.date) -> int:
    """The index of the month of ``day`` in ``starts`` (-1 before the first)."""
    if day < starts[0]:
        return -1
    return (day.year - starts[0].year) * 12 + day.month - starts[0].month
