"""What the decision rules read about every customer and prospect, gathered once: the one place it executes.

From a store, one row per counterparty (only per-customer-sized results leave the engine):

* the per-customer P&L of the analysed and the compared period and the bridge between them
  (:func:`~clientbase.analytics.run.analyze`), with cost-to-serve split into *order-driven* costs (the
  activity kinds whose activities name an order: handling, delivery, rush ...) and *relationship* costs
  (visits, calls, tickets: the others), and the count of each kind's activities in the period;
* payment discipline (:mod:`clientbase.analytics.payment`), the median terms given on invoices, and what is
  overdue now by age (:mod:`clientbase.decisions.aging`);
* the purchase rhythm (distinct order days, the usual days between them, days since the last) and P(alive)
  from customer value (:mod:`clientbase.decisions.value`); when its models cannot be fitted on this
  database, ``notes`` says so and the rules go on without P(alive);
* the record: owner, status, roles, agreed discount and payment days, size band, segment; and its quality
  score and issues from the audit (:func:`~clientbase.quality.audit`, without the duplicate search).

``annual`` turns the period's flows into a year for a customer whose first order falls inside the period
(``365 / days from the first order to the period end``, at most 12); 1 for the others.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from clientbase.analytics.bridge import COMPONENTS
from clientbase.analytics.payment import payment_discipline
from clientbase.analytics.pnl import COLUMNS
from clientbase.analytics.run import Analysis, analyze
from clientbase.decisions.aging import overdue_aging
from clientbase.decisions.peers import volume_bands, weighted_median
from clientbase.decisions.rules import Rules
from clientbase.errors import ClientbaseError, ConfigurationError, StoreError

#: counterparty fields the rules read (peer attributes named in the rules are added)
RECORD_COLUMNS = (
    "counterparty_id",
    "name",
    "roles",
    "status",
    "owner_id",
    "size_band",
    "segment",
    "discount_pct",
    "payment_days",
)
#: the smallest number of days a new customer's flows are annualised from
MIN_ACTIVE_DAYS = 30


@dataclass(frozen=True)
class DecisionInputs:
    """Everything the rules read, one row per counterparty in ``frame`` (index ``counterparty_id``).

    Money columns are whole cents (``int64``): the P&L lines of the analysed period under their names
    (:data:`~clientbase.analytics.pnl.COLUMNS`), of the compared period prefixed ``prev_``, the bridge parts
    prefixed ``bridge_``, ``order_cost`` / ``relationship_cost``, ``overdue_<k>`` and ``overdue``. Rates are
    floats; ``kinds`` holds the cost (cents) and ``counts`` the number of activities per kind.
    """

    analysis: Analysis
    frame: pd.DataFrame
    kinds: pd.DataFrame
    counts: pd.DataFrame
    order_kinds: tuple[str, ...]
    #: the head who takes the actions of customers without an active owner (None: no active head)
    head_id: str | None
    active_managers: frozenset[str]
    materiality: Decimal
    notes: list[str] = field(default_factory=list)

    @property
    def as_of(self) -> dt.date:
        return self.analysis.periods.as_of

    def sales_mask(self) -> np.ndarray[Any, Any]:
        """Customers with sales at list in the analysed period."""
        return np.asarray(self.frame["gross_sales_list"].to_numpy() > 0)


def _run(step: str, expr: Any) -> pd.DataFrame:
    try:
        return expr.to_pyarrow().to_pandas()
    except ClientbaseError:
        raise
    except Exception as exc:
        raise StoreError(f"The decision step {step!r} failed in the database engine: {exc}") from exc


def _order_kinds(store: Any, rules: Rules) -> tuple[str, ...]:
    if rules.general.order_kinds:
        return tuple(rules.general.order_kinds)
    a = store.table("activities")
    shares = _run(
        "order-driven kinds",
        a.group_by("kind").aggregate(n=a.count(), with_order=a.order_id.notnull().sum()),
    )
    return tuple(sorted(str(r.kind) for r in shares.itertuples() if r.with_order * 2 > r.n))


def _activity_counts(store: Any, start: dt.date, end: dt.date) -> pd.DataFrame:
    a = store.table("activities")
    a = a.filter((a.activity_date >= start) & (a.activity_date <= end))
    rows = _run("activities per kind", a.group_by("counterparty_id", "kind").aggregate(n=a.count()))
    if rows.empty:
        return pd.DataFrame()
    return rows.pivot_table(index="counterparty_id", columns="kind", values="n", fill_value=0, aggfunc="sum")


def _order_dates(store: Any, end: dt.date) -> pd.DataFrame:
    lines = store.table("order_lines")
    lines = lines.filter((lines.order_date <= end) & (lines.quantity > 0))
    return _run(
        "first and last order",
        lines.group_by("counterparty_id").aggregate(
            first_order=lines.order_date.min(),
            last_order=lines.order_date.max(),
            purchase_days=lines.order_date.nunique(),
        ),
    ).set_index("counterparty_id")


def _invoice_terms(store: Any, start: dt.date, end: dt.date) -> pd.Series:
    inv = store.table("invoices")
    inv = inv.filter((inv.issue_date >= start) & (inv.issue_date <= end) & (inv.amount > 0))
    days = inv.due_date.delta(inv.issue_date, unit="day")
    rows = _run("terms on invoices", inv.group_by("counterparty_id").aggregate(terms=days.median()))
    return rows.set_index("counterparty_id")["terms"].astype(float)


def _records(store: Any, rules: Rules) -> pd.DataFrame:
    cp = store.table("counterparties")
    wanted = list(RECORD_COLUMNS)
    for attribute in (rules.grow.peer_attribute, *rules.prospects.peer_attributes):
        if attribute not in cp.columns:
            raise ConfigurationError(
                f"The rules name the peer attribute {attribute!r}, which counterparties does not have; "
                f"use one of {', '.join(cp.columns)}."
            )
        if attribute not in wanted:
            wanted.append(attribute)
    records = _run("counterparties", cp.select(*wanted)).set_index("counterparty_id")
    return records[records["status"].fillna("") != "archived"]


def _p_alive(store: Any, end: dt.date, notes: list[str]) -> pd.Series:
    from clientbase.decisions.value import customer_value

    try:
        value = customer_value(store, as_of=end)
    except ClientbaseError as exc:
        notes.append(f"customer value unavailable, so no rule uses P(alive): {exc}")
        return pd.Series(dtype=float)
    return value.customers.set_index("counterparty_id")["p_alive"].astype(float)


def _quality_columns(store: Any, as_of: dt.date, rules: Rules, notes: list[str]) -> pd.DataFrame:
    if not rules.general.use_quality:
        return pd.DataFrame(columns=["quality_score", "quality_issues"])
    from clientbase.analytics.lake import registry_store
    from clientbase.quality import audit

    report = audit(registry_store(store), as_of=as_of, duplicates=False)
    rows = {
        r.counterparty_id: (r.score, [f"{i['field']} {i['kind']}" for i in r.issues]) for r in report.records
    }
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["quality_score", "quality_issues"])
    return frame


def _pnl_columns(a: Analysis, index: pd.Index) -> pd.DataFrame:
    # the whole P&L (prospects' costs too); in_current / in_previous say who had sales
    cur = a.pnl.frame.reindex(index, fill_value=0)
    prev = a.pnl_previous.frame.reindex(index, fill_value=0)
    parts = a.bridge.parts.reindex(index)
    out = {name: cur[name].to_numpy(dtype=np.int64) for name in COLUMNS}
    out.update({f"prev_{name}": prev[name].to_numpy(dtype=np.int64) for name in COLUMNS})
    out.update({f"bridge_{n}": parts[n].fillna(0).to_numpy(dtype=np.int64) for n in COMPONENTS})
    out["in_current"] = index.isin(a.customers.frame.index)
    out["in_previous"] = index.isin(a.customers_previous.frame.index)
    return pd.DataFrame(out, index=index)


def _annual(first_order: pd.Series, a: Analysis) -> np.ndarray[Any, Any]:
    start, end = a.periods.current.start, a.periods.current.end
    first = pd.to_datetime(first_order).to_numpy(dtype="datetime64[D]")
    days = (np.datetime64(end, "D") - first).astype("timedelta64[D]").astype(np.float64) + 1
    new = ~np.isnat(first) & (first > np.datetime64(start, "D"))
    return np.where(new, 365.0 / np.maximum(np.where(new, days, 365.0), MIN_ACTIVE_DAYS), 1.0)


def _purchase_rhythm(dates: pd.DataFrame, end: dt.date) -> pd.DataFrame:
    """Repeat purchases (distinct order days - 1), the usual days between them, days since the last one."""
    first = pd.to_datetime(dates["first_order"]).to_numpy(dtype="datetime64[D]")
    last = pd.to_datetime(dates["last_order"]).to_numpy(dtype="datetime64[D]")
    repeat = dates["purchase_days"].fillna(0).to_numpy(dtype=np.float64) - 1
    span = (last - first).astype("timedelta64[D]").astype(np.float64)
    since = (np.datetime64(end, "D") - last).astype("timedelta64[D]").astype(np.float64)
    return pd.DataFrame(
        {
            "repeat_purchases": np.maximum(repeat, 0),
            "usual_gap_days": np.where(repeat > 0, span / np.where(repeat > 0, repeat, 1), np.nan),
            "days_since_last": since,
        },
        index=dates.index,
    )


def materiality(frame: pd.DataFrame, rules: Rules) -> Decimal:
    """The smallest amount an action may be about: ``materiality_share`` of the median annual gross margin of
    the customers with sales, and at least ``materiality_min``.

    Example:
        >>> f = pd.DataFrame({"gross_sales_list": [1, 1, 1, 0], "gross_margin": [100000, 300000, 200000, 0],
        ...     "annual": [1.0, 1.0, 1.0, 1.0]})
        >>> materiality(f, Rules())
        Decimal('20.00')
    """
    sales = frame["gross_sales_list"].to_numpy() > 0
    margins = frame["gross_margin"].to_numpy()[sales] * frame["annual"].to_numpy()[sales]
    median = weighted_median(margins) if sales.any() else None
    amount = rules.general.materiality_share * (median or 0.0) / 100
    floor = max(amount, rules.general.materiality_min)
    return Decimal(f"{floor:.2f}")


def gather_inputs(
    store: Any,
    *,
    rules: Rules | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.date | None = None,
    with_value: bool = True,
) -> DecisionInputs:
    """Gather :class:`DecisionInputs` from ``store`` (a :class:`~clientbase.store.Store`).

    The period defaults are those of :func:`~clientbase.analytics.run.analyze` (the last 12 months to the
    latest order date against the 12 before; as of the latest date in the data).
    """
    rules = rules or Rules()
    notes: list[str] = []
    a = analyze(store, start=start, end=end, as_of=as_of)
    period, as_of = a.periods.current, a.periods.as_of
    records = _records(store, rules)
    prospects = records.index[
        (records["status"].fillna("") == "prospect") | records["roles"].fillna("").str.contains("prospect")
    ]
    active = a.customers.frame.index.union(a.customers_previous.frame.index)
    index = active.intersection(records.index).union(prospects).sort_values()
    frame = _pnl_columns(a, index).join(records.reindex(index))

    kinds_all = a.pnl.kinds.reindex(index, fill_value=0)
    order_kinds = tuple(k for k in _order_kinds(store, rules) if k in kinds_all.columns)
    order = kinds_all[list(order_kinds)].sum(axis=1) if order_kinds else pd.Series(0, index=index)
    frame["order_cost"] = order.to_numpy(dtype=np.int64)
    frame["relationship_cost"] = frame["cost_to_serve"].to_numpy() - frame["order_cost"].to_numpy()
    counts = _activity_counts(store, period.start, period.end).reindex(index, fill_value=0)

    pay = _run(
        "payment discipline",
        payment_discipline(
            store.table("invoices"),
            store.table("payments"),
            store.table("counterparties"),
            as_of=as_of,
            start=period.start,
        ),
    ).set_index("counterparty_id")
    for column in ("avg_days_to_pay", "days_over_terms", "share_paid_late", "dso"):
        frame[column] = pay[column].reindex(index).astype(float)
    frame["invoice_terms"] = _invoice_terms(store, period.start, period.end).reindex(index)
    edges = rules.collect.age_days
    aging = _run(
        "overdue by age",
        overdue_aging(store.table("invoices"), store.table("payments"), as_of=as_of, edges=edges),
    ).set_index("counterparty_id")
    for k in range(len(edges) + 1):
        frame[f"overdue_{k}"] = aging[f"overdue_{k}"].reindex(index, fill_value=0).to_numpy(dtype=np.int64)
    frame["overdue"] = aging["overdue"].reindex(index, fill_value=0).to_numpy(dtype=np.int64)
    frame["oldest_days"] = aging["oldest_days"].reindex(index).astype(float)

    dates = _order_dates(store, period.end).reindex(index)
    frame["first_order"], frame["last_order"] = dates["first_order"], dates["last_order"]
    frame["annual"] = _annual(dates["first_order"], a)
    frame = frame.join(_purchase_rhythm(dates, period.end))
    sales = frame["gross_sales_list"].to_numpy() > 0
    bands = np.full(len(index), -1, dtype=np.int64)
    bands[sales] = volume_bands(frame["gross_sales_list"].to_numpy()[sales], rules.general.volume_bands)
    frame["band"] = bands

    p_alive = _p_alive(store, period.end, notes) if with_value else pd.Series(dtype=float)
    frame["p_alive"] = p_alive.reindex(index).astype(float)
    quality = _quality_columns(store, as_of, rules, notes)
    frame["quality_score"] = quality["quality_score"].reindex(index).astype(float)
    frame["quality_issues"] = quality["quality_issues"].reindex(index)

    managers = _run("managers", store.table("managers").select("manager_id", "role", "active"))
    live = managers[managers["active"].fillna(True).astype(bool)]
    heads = sorted(live.loc[live["role"] == "head", "manager_id"].astype(str))
    return DecisionInputs(
        analysis=a,
        frame=frame,
        kinds=kinds_all,
        counts=counts,
        order_kinds=order_kinds,
        head_id=heads[0] if heads else None,
        active_managers=frozenset(live["manager_id"].astype(str)),
        materiality=materiality(frame, rules),
        notes=notes,
    )
