"""The one place the profitability analysis executes: build the Ibis expressions, run them, assemble the result.

The engine reads each fact table once and returns exact sums per customer and span of the timeline (a few
rows per customer; :mod:`clientbase.analytics.timeline`). Everything after that works on per-customer-sized
data in exact integers and ``Decimal`` (:mod:`clientbase.analytics.facts` adds the spans into periods; the
P&L rounded to the cent, whale curve, bridge, roll-ups, headline), so the numbers are the same to the cent on
DuckDB, PostgreSQL and Spark.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, TextIO

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from clientbase.analytics import cost_to_serve as cts
from clientbase.analytics.bridge import Bridge, bridge
from clientbase.analytics.credit import credit_columns, financing_rate, invoice_spans, payment_spans
from clientbase.analytics.facts import by_customer
from clientbase.analytics.headline import headline
from clientbase.analytics.jsonwriter import strings, texts, write_json
from clientbase.analytics.period import Periods, coverage_notes, resolve_periods
from clientbase.analytics.pnl import (
    CustomerPnL,
    Facts,
    PnL,
    Totals,
    build_pnl,
    customer_dicts,
    customer_records,
    totals,
    with_sales,
)
from clientbase.analytics.rollup import ROLLUP_ATTRIBUTES, RollupRow, rollup
from clientbase.analytics.sales import (
    first_orders,
    order_columns,
    order_spans,
    orders_from_lines,
    sales_columns,
    sales_spans,
)
from clientbase.analytics.standing import (
    CUSTOMER,
    CUSTOMER_DEFINITION,
    AcquisitionRow,
    acquisition_cost,
    split,
    standing,
)
from clientbase.analytics.tables import Tables
from clientbase.analytics.timeline import Timeline
from clientbase.analytics.whale import WhaleCurve, whale_curve
from clientbase.errors import ClientbaseError, StoreError
from clientbase.schema import DEFAULT_SETTINGS
from clientbase.store.connection import consistent_read

CUR, PREV = "cur", "prev"
#: counterparty columns the analysis carries beside the roll-up attributes (the report lists them)
DETAIL_ATTRIBUTES = (
    "status",
    "acquisition_channel",
    "payment_days",
    "discount_pct",
    "credit_limit",
    "price_list",
)


@dataclass(frozen=True)
class Analysis:
    """The per-customer net profit analysis of one period against another.

    ``pnl`` holds every counterparty in the analysed period's P&L, ``standings`` who each is in it (customer,
    prospect or former customer without sales, :mod:`clientbase.analytics.standing`): the totals and the
    bridge are the company's (all of them), the whale curve, the roll-ups and the customer counts are over the
    customers in the period (:attr:`customers`), and what the prospects cost is :attr:`acquisition`.
    """

    periods: Periods
    currency: str
    financing_rate: Decimal
    pnl: PnL
    pnl_previous: PnL
    standings: pd.Series
    standings_previous: pd.Series
    totals: Totals
    totals_previous: Totals
    whale: WhaleCurve
    bridge: Bridge
    headline: str
    rollups: dict[str, list[RollupRow]]
    acquisition: list[AcquisitionRow]
    capacity: list[cts.CapacityUse]
    #: counterparty attributes (name, segment, ...), indexed by counterparty_id
    attributes: pd.DataFrame
    #: manager names by manager_id (empty when the source has no managers table)
    managers: dict[str, str]
    #: the earliest and latest date of any order line, activity, invoice or payment
    data_from: dt.date | None
    data_to: dt.date | None
    #: where the periods reach beyond the data (:func:`~clientbase.analytics.period.coverage_notes`)
    notes: list[str]

    @cached_property
    def by_standing(self) -> dict[str, PnL]:
        """The analysed period's P&L of each standing: customer, prospect, former."""
        return split(self.pnl, self.standings)

    @cached_property
    def by_standing_previous(self) -> dict[str, PnL]:
        return split(self.pnl_previous, self.standings_previous)

    @property
    def customers(self) -> PnL:
        """The P&L of the customers in the analysed period (an order line in it)."""
        return self.by_standing[CUSTOMER]

    @property
    def customers_previous(self) -> PnL:
        return self.by_standing_previous[CUSTOMER]

    @cached_property
    def standing_totals(self) -> dict[str, Totals]:
        """The totals of each standing in the analysed period; they add up to :attr:`totals`."""
        return {name: totals(pnl) for name, pnl in self.by_standing.items()}

    @cached_property
    def standing_totals_previous(self) -> dict[str, Totals]:
        return {name: totals(pnl) for name, pnl in self.by_standing_previous.items()}

    def ranked_ids(self) -> list[str]:
        """Customers of the analysed period by net contribution, highest first."""
        return [str(cid) for cid in self.whale.ids]

    def name(self, cid: str) -> str | None:
        """The name of counterparty ``cid``."""
        if cid not in self.attributes.index:
            return None
        value = self.attributes.at[cid, "name"]
        return None if value is None else str(value)

    def manager(self, manager_id: str | None) -> str:
        """A manager as a reader knows them: 'Anna Berg (M01)', the id alone when the name is unknown."""
        if manager_id is None or manager_id != manager_id:
            return "(no owner)"
        name = self.managers.get(str(manager_id))
        return f"{name} ({manager_id})" if name else str(manager_id)

    def ranked_customers(self, ids: list[str] | None = None) -> list[CustomerPnL]:
        """The P&L of ``ids`` (default: every customer by net contribution, highest first)."""
        return [self.customers[cid] for cid in (self.ranked_ids() if ids is None else ids)]

    def _names(self, ids: Any) -> list[str | None]:
        known = self.attributes["name"].reindex(ids).tolist()
        return [None if v is None or v != v else str(v) for v in known]

    def _name_texts(self, ids: Any) -> Any:
        """:meth:`_names` as JSON text (:func:`~clientbase.analytics.jsonwriter.strings`)."""
        return strings(self.attributes["name"].reindex(ids))

    def summary(self) -> dict[str, Any]:
        """The analysis without its per-customer lists (what the dashboard shows and the store materialises):
        the keys of :meth:`document` except ``customers`` and ``without_sales``, the bridge without its
        ``customers``."""
        return self._document(records=False, customers=False)

    def document(self) -> dict[str, Any]:
        """The analysis as one JSON-ready document (Decimal money, ISO dates)."""
        return self._document(records=False)

    def write_json(self, out: TextIO) -> None:
        """Write :meth:`document` as one line of JSON to ``out``, the same text as ``json.dumps(document(),
        default=json_value, ensure_ascii=False)``, the per-customer arrays made column by column
        (:mod:`clientbase.analytics.jsonwriter`)."""
        write_json(self._document(records=True), out)

    def _document(self, *, records: bool, customers: bool = True) -> dict[str, Any]:
        p = self.periods
        document: dict[str, Any] = {
            "currency": self.currency,
            "financing_rate_annual": self.financing_rate,
            "period": {**p.current.as_dict(), "as_of": p.as_of.isoformat()},
            "compare_period": {**p.previous.as_dict(), "as_of": p.as_of_previous.isoformat()},
            "data": {
                "from": self.data_from.isoformat() if self.data_from else None,
                "to": self.data_to.isoformat() if self.data_to else None,
            },
            "notes": self.notes,
            "customer_definition": CUSTOMER_DEFINITION,
            "totals": self.totals.as_dict(),
            "totals_previous": self.totals_previous.as_dict(),
            "by_standing": {k: t.as_dict() for k, t in self.standing_totals.items()},
            "by_standing_previous": {k: t.as_dict() for k, t in self.standing_totals_previous.items()},
            "customers": None,
            "without_sales": None,
            "acquisition": [r.as_dict() for r in self.acquisition],
            "whale": self.whale.summary(),
            "bridge": self.bridge.summary(),
            "headline": self.headline,
            "capacity": [u.as_dict() for u in self.capacity],
            "rollups": {by: [r.as_dict() for r in rows] for by, rows in self.rollups.items()},
        }
        if not customers:
            del document["customers"], document["without_sales"]
            return document
        others = self.pnl.subset(~with_sales(self.pnl.frame))
        if records:
            document["customers"] = customer_records(
                self.customers, self.whale.ids, first={"name": self._name_texts(self.whale.ids)}
            )
            document["without_sales"] = customer_records(
                others,
                first={
                    "standing": texts(self.standings.reindex(others.frame.index)),
                    "name": self._name_texts(others.frame.index),
                },
            )
            document["bridge"]["customers"] = self.bridge.customer_records()
        else:
            document["customers"] = customer_dicts(
                self.customers, self.whale.ids, first={"name": self._names(self.whale.ids)}
            )
            document["without_sales"] = customer_dicts(
                others,
                first={
                    "standing": self.standings.reindex(others.frame.index).tolist(),
                    "name": self._names(others.frame.index),
                },
            )
            document["bridge"]["customers"] = self.bridge.customer_dicts()
        return document


def _run(step: str, run: Callable[[], Any]) -> Any:
    try:
        return run()
    except ClientbaseError:
        raise
    except Exception as exc:
        raise StoreError(f"The analysis step {step!r} failed in the database engine: {exc}") from exc


def _arrow(step: str, expr: ir.Table) -> pa.Table:
    return _run(step, expr.to_pyarrow)


def _rows(step: str, expr: ir.Table) -> list[dict[str, Any]]:
    return list(_arrow(step, expr).to_pylist())


@dataclass(frozen=True)
class _Overview:
    latest_order: dt.date | None
    #: the earliest and the latest date of any order line, activity, invoice or payment
    first: dt.date | None
    last: dt.date | None
    has_orders: bool


def _overview(tables: Tables) -> _Overview:
    """The latest order date, the dates the data runs from and to, and whether the ``orders`` headers are
    filled (one query)."""
    parts = [
        (tables.order_lines, "order_date"),
        (tables.activities, "activity_date"),
        (tables.invoices, "issue_date"),
        (tables.payments, "paid_date"),
    ]
    combined = tables.orders.aggregate(headers=tables.orders.count())
    for i, (table, column) in enumerate(parts):
        combined = combined.cross_join(
            table.aggregate(**{f"earliest_{i}": table[column].min(), f"latest_{i}": table[column].max()})
        )
    row = _rows("data dates", combined)[0]
    latest = [_as_date(row[f"latest_{i}"]) for i in range(len(parts))]
    earliest = [d for d in (_as_date(row[f"earliest_{i}"]) for i in range(len(parts))) if d is not None]
    known = [d for d in latest if d is not None]
    return _Overview(
        latest_order=latest[0],
        first=min(earliest) if earliest else None,
        last=max(known) if known else None,
        has_orders=bool(row["headers"]),
    )


def _first_orders(tables: Tables, pnls: list[PnL], up_to: dt.date) -> pd.Series:
    """The first order date, up to ``up_to``, of every counterparty in ``pnls`` without sales in its period:
    those without one are prospects (one small query, only when there are such counterparties)."""
    asked = sorted({str(c) for pnl in pnls for c in pnl.frame.index[~with_sales(pnl.frame)]})
    if not asked:
        return pd.Series(dtype=object)
    wanted = ibis.memtable(pa.table({"counterparty_id": pa.array(asked, pa.string())}))
    rows = _rows("first orders", first_orders(tables.order_lines, wanted, up_to=up_to))
    return pd.Series(
        [_as_date(r["first_order"]) for r in rows],
        index=[str(r["counterparty_id"]) for r in rows],
        dtype=object,
    )


def _manager_names(tables: Tables) -> dict[str, str]:
    if tables.managers is None:
        return {}
    rows = _rows("managers", tables.managers.select("manager_id", "name"))
    return {str(r["manager_id"]): str(r["name"]) for r in rows if r["name"] is not None}


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


@consistent_read  # every query of it reads one committed state of the store
def analyze(
    source: Any,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.date | None = None,
    compare_start: dt.date | None = None,
    compare_end: dt.date | None = None,
) -> Analysis:
    """Run the analysis on ``source``: a :class:`~clientbase.store.Store`, an Ibis backend or :class:`Tables`.

    Defaults: the last 12 months ending at the latest order date against the 12 months before; ``as_of`` is
    the latest date in the data (see :mod:`clientbase.analytics.period`).

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     a = analyze(store, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
        >>> a.totals.lines["net_contribution"], a.headline
        (Decimal('0.00'), 'Sales n/a, net contribution n/a: no change in net contribution.')
    """
    tables = Tables.of(source)
    overview = _overview(tables)
    periods = resolve_periods(
        latest_order_date=overview.latest_order,
        latest_date=overview.last,
        start=start,
        end=end,
        as_of=as_of,
        compare_start=compare_start,
        compare_end=compare_end,
    )
    settings = {r["key"]: r["value"] for r in _rows("settings", tables.settings)}
    rate = financing_rate(settings.get("financing_rate_annual", DEFAULT_SETTINGS["financing_rate_annual"]))
    currency = str(settings.get("currency", DEFAULT_SETTINGS["currency"]))
    drivers = _rows("cost drivers", tables.cost_drivers)
    cts.check_drivers(drivers)

    timeline = Timeline({CUR: periods.current, PREV: periods.previous})
    as_of_dates = {CUR: periods.as_of, PREV: periods.as_of_previous}
    headers = tables.orders if overview.has_orders else orders_from_lines(tables.order_lines)
    priced = cts.priced_activities(tables.activities, tables.cost_drivers)
    results = {
        "order_lines": _arrow("sales per customer", sales_spans(tables.order_lines, timeline)),
        "orders": _arrow("orders per customer", order_spans(headers, timeline)),
        "activities": _arrow("cost-to-serve per customer", cts.activity_spans(priced, timeline)),
        "invoices": _arrow("invoices per customer", invoice_spans(tables.invoices, timeline, as_of_dates)),
        "payments": _arrow(
            "payments per customer", payment_spans(tables.invoices, tables.payments, timeline, as_of_dates)
        ),
    }
    cts.check_priced(results["activities"], timeline)
    kinds = sorted({str(d["kind"]) for d in drivers})
    cp = tables.counterparties
    known = [c for c in dict.fromkeys((*ROLLUP_ATTRIBUTES, *DETAIL_ATTRIBUTES)) if c in cp.columns]
    attribute_cols = ["counterparty_id", "name", *known]
    attributes = _arrow("counterparties", cp.select(*attribute_cols)).to_pandas().set_index("counterparty_id")

    ids, g = by_customer(results)
    columns = {
        **sales_columns(g["order_lines"], timeline),
        **order_columns(g["orders"], timeline),
        **cts.cost_columns(g["activities"], timeline, kinds),
        **credit_columns(g["invoices"], g["payments"], timeline, as_of_dates),
    }
    facts = Facts(pd.Index(ids.to_pylist(), name="counterparty_id"), columns, kinds)
    current = build_pnl(CUR, facts, financing_rate=rate)
    previous = build_pnl(PREV, facts, financing_rate=rate)
    first = _first_orders(tables, [current, previous], max(periods.current.end, periods.previous.end))
    standings = standing(current, first, periods.current.end)
    standings_previous = standing(previous, first, periods.previous.end)
    customers = current.subset(standings.to_numpy() == CUSTOMER)
    used = cts.driver_usage(results["activities"], timeline, CUR)
    total_now, total_before = totals(current), totals(previous)
    the_bridge = bridge(previous, current, from_period=periods.previous, to_period=periods.current)
    aligned = attributes.reindex(customers.frame.index)  # once, not once per roll-up
    notes = coverage_notes(periods, overview.first, overview.last)
    return Analysis(
        periods=periods,
        currency=currency,
        financing_rate=rate,
        pnl=current,
        pnl_previous=previous,
        standings=standings,
        standings_previous=standings_previous,
        totals=total_now,
        totals_previous=total_before,
        whale=whale_curve(customers.frame.index, customers.cents("net_contribution")),
        bridge=the_bridge,
        headline=headline(
            the_bridge,
            sales_before=total_before.lines["net_revenue"],
            sales_after=total_now.lines["net_revenue"],
            attributes=attributes,
            standings=standings,
            standings_previous=standings_previous,
            notes=notes,
        ),
        rollups={by: rollup(customers, aligned, by) for by in ROLLUP_ATTRIBUTES if by in cp.columns},
        acquisition=acquisition_cost(current, standings, attributes),
        capacity=cts.capacity_use(drivers, used, periods.current),
        attributes=attributes,
        managers=_manager_names(tables),
        data_from=overview.first,
        data_to=overview.last,
        notes=notes,
    )
