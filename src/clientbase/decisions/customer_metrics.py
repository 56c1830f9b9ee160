"""The per-customer analysis materialised in the store, so pages and the API read it instead of recomputing.

:func:`refresh` runs the net-profit analysis of the default periods (the last 12 months against the 12 before,
:func:`clientbase.analytics.run.analyze`), customer value (:func:`clientbase.decisions.value.customer_value`)
and the duplicate search (:func:`clientbase.dedupe.counterparties.find_counterparty_duplicates`), and
replaces ``customer_metrics`` (with the company-wide summary in ``analysis_summary``: headline, totals, whale
curve, bridge, roll-ups) and ``suspected_duplicates``, with a row in ``metrics_state`` saying when, for which
periods and from which data.

The P&L and customer value are written in one transaction, then the duplicate pairs in another (the
duplicate search is the longest part on a large base). *From which data* is a :func:`fingerprint`: row counts, latest dates and column sums of the tables the
analysis reads (order lines, invoices, payments, activities, cost drivers, settings) and of the
counterparties. :func:`refresh_if_stale` recomputes only when the fingerprint moved on; ``clientbase serve``
calls it at start and then every minute in the background (and the import pages will call it after an
import), so a page shows numbers at most about a minute plus one computation behind the data. Customer value
needs enough history to fit its models: when it cannot be computed, the P&L is still materialised and
``metrics_state.value_error`` says why.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.analytics.pnl import MONEY_LINES
from clientbase.errors import ClientbaseError
from clientbase.registry.bulk import insert_rows
from clientbase.registry.history import as_text, utc_now
from clientbase.store import Store

log = logging.getLogger(__name__)

NAME = "customer_metrics"
#: PostgreSQL advisory-lock key: one worker refreshes at a time, the others skip
ADVISORY_KEY = 0x0C11E47B
MONEY = MONEY_LINES
#: (table, count it, latest of this date, sum of this number): what the analysis reads
FINGERPRINTED = (
    ("order_lines", "order_date", "net_price"),
    ("invoices", "issue_date", "amount"),
    ("payments", "paid_date", "amount"),
    ("activities", "activity_date", "quantity"),
    ("cost_drivers", "valid_to", "rate"),
    ("counterparties", "created_at", "version"),
)
VALUE_COLUMNS = (
    "abc_revenue",
    "abc_profit",
    "xyz",
    "rfm_segment",
    "p_alive",
    "expected_purchases_90d",
    "avg_days_to_pay",
    "days_over_terms",
    "share_paid_late",
    "dso",
)


@dataclass(frozen=True)
class Refresh:
    """What a refresh did: ``customers`` rows written, ``seconds`` taken, ``value_error`` if value failed."""

    customers: int
    duplicates: int
    seconds: float
    value_error: str | None


def fingerprint(store: Store) -> str:
    """Counts, latest dates and sums of the tables the analysis reads, and the settings, as one string.

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     fingerprint(store).split(";")[0]
        'order_lines:0:None:None'
    """
    parts = []
    with store.begin() as conn:
        for name, date_col, sum_col in FINGERPRINTED:
            table = schema.metadata.tables[name]
            count, latest, total = conn.execute(
                sa.select(sa.func.count(), sa.func.max(table.c[date_col]), sa.func.sum(table.c[sum_col]))
            ).one()
            shown = None if total is None else Decimal(total).normalize()
            parts.append(f"{name}:{count}:{latest}:{shown}")
        settings = conn.execute(sa.select(schema.settings).order_by(schema.settings.c.key)).all()
    parts.append("settings:" + ",".join(f"{k}={v}" for k, v in settings))
    return ";".join(parts)


def state(store: Store) -> dict[str, Any] | None:
    """The ``metrics_state`` row of the materialised analysis, or ``None`` before the first refresh."""
    ms = schema.metrics_state
    with store.begin() as conn:
        row = conn.execute(sa.select(ms).where(ms.c.name == NAME)).first()
    return None if row is None else dict(row._mapping)


def is_stale(store: Store) -> bool:
    """Whether the data moved on since the last refresh (or there was none)."""
    current = state(store)
    return current is None or current["fingerprint"] != fingerprint(store)


@contextlib.contextmanager
def _exclusive(store: Store) -> Iterator[bool]:
    """On PostgreSQL, hold an advisory lock so one of several server workers refreshes; elsewhere always."""
    if store.dialect != "postgresql":
        yield True
        return
    with store.engine.connect() as conn:
        got = bool(conn.execute(sa.text("select pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar())
        try:
            yield got
        finally:
            if got:
                conn.execute(sa.text("select pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            conn.commit()


def refresh_if_stale(store: Store) -> Refresh | None:
    """Refresh when the data changed since the last refresh; ``None`` when it was current (or another worker
    holds the refresh)."""
    if not is_stale(store):
        return None
    with _exclusive(store) as mine:
        return refresh(store) if mine else None


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _pnl_rows(analysis: Any) -> dict[str, dict[str, Any]]:
    from clientbase.analytics.pnl import customer_dicts

    rows: dict[str, dict[str, Any]] = {}
    details: dict[str, dict[str, Any]] = {}
    # the whole P&L, prospects and former customers too (their cost is on their card and in the total);
    # "loss-making" is said of customers with sales in the period only
    customers = set(analysis.customers.frame.index)
    for suffix, pnl in (("", analysis.pnl), ("_prev", analysis.pnl_previous)):
        for entry in customer_dicts(pnl):
            cid = entry["counterparty_id"]
            row = rows.setdefault(cid, {"counterparty_id": cid})
            row.update({f"{line}{suffix}": entry[line] for line in MONEY})
            row[f"orders{suffix}"] = entry["orders"]
            details.setdefault(cid, {})["current" if not suffix else "previous"] = entry
    for cid, row in rows.items():
        nc = row.get("net_contribution")
        row["loss_making"] = None if nc is None or cid not in customers else nc < 0
        row["detail"] = json.dumps(details[cid], default=_json, separators=(",", ":"))
    return rows


def _add_value(rows: dict[str, dict[str, Any]], store: Store, as_of: dt.date) -> str | None:
    import pandas as pd

    from clientbase.decisions.value import customer_value

    try:
        value = customer_value(store, as_of=as_of)
    except ClientbaseError as exc:
        log.warning("customer value not materialised: %s", exc)
        return str(exc)[:1000]
    frame = value.customers
    for record in frame.to_dict("records"):
        cid = str(record["counterparty_id"])
        row = rows.setdefault(cid, {"counterparty_id": cid})
        for name in VALUE_COLUMNS:
            item = record.get(name)
            row[name] = (
                None if item is None or (isinstance(item, float) and item != item) or item is pd.NA else item
            )
        row["clv"] = record["clv"]
        row["receivables"] = (
            None if pd.isna(record.get("receivables")) else Decimal(str(record["receivables"]))
        )
    return None


def _recent_facts(store: Store, rows: dict[str, dict[str, Any]], most: int = 10) -> None:
    """Add to ``rows`` each customer's ``recent`` JSON: the ``most`` latest orders (with lines, net amount and
    discount) and activities, and the open invoices (amount less payments), so the card reads one row."""
    od, ol, ac, inv, pay = (
        schema.orders,
        schema.order_lines,
        schema.activities,
        schema.invoices,
        schema.payments,
    )
    order_rank = sa.func.row_number().over(
        partition_by=od.c.counterparty_id, order_by=(od.c.order_date.desc(), od.c.order_id.desc())
    )
    latest = sa.select(
        od.c.order_id, od.c.counterparty_id, od.c.order_date, od.c.manager_id, order_rank.label("rn")
    ).subquery()
    chosen = sa.select(latest).where(latest.c.rn <= most).subquery()
    totals = (
        sa.select(
            ol.c.order_id,
            sa.func.count().label("lines"),
            sa.func.sum(ol.c.quantity * ol.c.net_price).label("net_amount"),
            sa.func.sum(ol.c.quantity * (ol.c.list_price - ol.c.net_price)).label("discount"),
        )
        .where(ol.c.order_id.in_(sa.select(chosen.c.order_id)))
        .group_by(ol.c.order_id)
        .subquery()
    )
    orders = sa.select(chosen, totals.c.lines, totals.c.net_amount, totals.c.discount).select_from(
        chosen.outerjoin(totals, totals.c.order_id == chosen.c.order_id)
    )
    activity_rank = sa.func.row_number().over(
        partition_by=ac.c.counterparty_id, order_by=(ac.c.activity_date.desc(), ac.c.activity_id.desc())
    )
    acts = sa.select(
        ac.c.activity_id,
        ac.c.counterparty_id,
        ac.c.activity_date,
        ac.c.kind,
        ac.c.quantity,
        ac.c.manager_id,
        ac.c.order_id,
        activity_rank.label("rn"),
    ).subquery()
    paid = (
        sa.select(pay.c.invoice_id, sa.func.sum(pay.c.amount).label("paid"))
        .group_by(pay.c.invoice_id)
        .subquery()
    )
    open_amount = inv.c.amount - sa.func.coalesce(paid.c.paid, 0)
    invoices = (
        sa.select(
            inv.c.invoice_id,
            inv.c.counterparty_id,
            inv.c.order_id,
            inv.c.issue_date,
            inv.c.due_date,
            inv.c.amount,
            sa.func.coalesce(paid.c.paid, 0).label("paid"),
            open_amount.label("open"),
        )
        .select_from(inv.outerjoin(paid, paid.c.invoice_id == inv.c.invoice_id))
        .where(open_amount > 0)
    )
    cents = Decimal("0.01")
    facts: dict[str, dict[str, list[dict[str, Any]]]] = {}
    with store.begin() as conn:
        for r in conn.execute(orders):
            facts.setdefault(r.counterparty_id, {}).setdefault("orders", []).append(
                {
                    "order_id": r.order_id,
                    "order_date": r.order_date,
                    "manager_id": r.manager_id,
                    "lines": r.lines,
                    "net_amount": None if r.net_amount is None else Decimal(r.net_amount).quantize(cents),
                    "discount": None if r.discount is None else Decimal(r.discount).quantize(cents),
                }
            )
        for r in conn.execute(sa.select(acts).where(acts.c.rn <= most)):
            facts.setdefault(r.counterparty_id, {}).setdefault("activities", []).append(
                {
                    "activity_id": r.activity_id,
                    "activity_date": r.activity_date,
                    "kind": r.kind,
                    "quantity": as_text(r.quantity),
                    "manager_id": r.manager_id,
                    "order_id": r.order_id,
                }
            )
        for r in conn.execute(invoices):
            facts.setdefault(r.counterparty_id, {}).setdefault("invoices", []).append(
                {
                    "invoice_id": r.invoice_id,
                    "order_id": r.order_id,
                    "issue_date": r.issue_date,
                    "due_date": r.due_date,
                    "amount": r.amount,
                    "paid": r.paid,
                    "open": r.open,
                }
            )
    for cid, parts in facts.items():
        parts.setdefault("orders", []).sort(key=lambda o: (o["order_date"], o["order_id"]), reverse=True)
        parts.setdefault("activities", []).sort(
            key=lambda a: (a["activity_date"], a["activity_id"]), reverse=True
        )
        parts.setdefault("invoices", []).sort(key=lambda i: (i["due_date"], i["invoice_id"]))
        row = rows.setdefault(cid, {"counterparty_id": cid})
        row["recent"] = json.dumps(parts, default=_json, separators=(",", ":"))


def _duplicates(store: Store) -> list[dict[str, Any]]:
    from clientbase.dedupe.counterparties import find_counterparty_duplicates

    try:
        _, clusters = find_counterparty_duplicates(store)
    except ClientbaseError as exc:
        log.warning("duplicates not materialised: %s", exc)
        return []
    return [
        {
            "id_l": pair["id_l"],
            "id_r": pair["id_r"],
            "match_probability": pair["match_probability"],
            "explanation": str(pair.get("explanation") or "")[:1000],
        }
        for cluster in clusters
        for pair in cluster.pairs
    ]


#: the key of the whole company in :func:`key_figures`
COMPANY = "*"


def key_figures(analysis: Any) -> dict[str, dict[str, Any]]:
    """The dashboard's key figures of both periods for the company (:data:`COMPANY`) and for each owner's
    counterparties (by their owner now): net revenue and net contribution of every counterparty in the P&L
    (the company's are the analysis' totals), margin % (``net_margin_pct``), customers with sales and the loss-makers among them;
    and the bridge's parts summed over the same counterparties (exact: the bridge is split per customer).

    Example:
        >>> import datetime as dt
        >>> from clientbase.analytics.run import analyze
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     key_figures(analyze(store, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31)))["*"]["current"]
        {'net_revenue': Decimal('0.00'), 'net_contribution': Decimal('0.00'), 'margin_pct': None, 'customers': 0, 'loss_makers': 0}
    """
    import pandas as pd

    from clientbase.analytics.bridge import COMPONENTS
    from clientbase.analytics.money import from_cents, percent
    from clientbase.analytics.standing import CUSTOMER

    owners = (
        analysis.attributes["owner_id"]
        if "owner_id" in analysis.attributes
        else pd.Series(dtype=object, index=analysis.attributes.index)
    )
    out: dict[str, dict[str, Any]] = {}
    periods = (
        ("current", analysis.pnl, analysis.standings),
        ("previous", analysis.pnl_previous, analysis.standings_previous),
    )
    for name, pnl, standings in periods:
        index = pnl.frame.index
        frame = pd.DataFrame(
            {"nr": pnl.cents("net_revenue"), "nc": pnl.cents("net_contribution")}, index=index
        ).astype(object)
        frame["customer"] = standings.reindex(index).to_numpy() == CUSTOMER
        frame["loss"] = frame["customer"] & (frame["nc"] < 0)
        frame["owner"] = owners.reindex(index).fillna("").astype(str).to_numpy()
        groups = [(COMPANY, frame), *((str(k), g) for k, g in frame.groupby("owner") if k)]
        for key, part in groups:
            nr, nc = int(sum(part["nr"])), int(sum(part["nc"]))
            out.setdefault(key, {})[name] = {
                "net_revenue": from_cents(nr),
                "net_contribution": from_cents(nc),
                "margin_pct": percent(nc, nr),  # as the totals' net_margin_pct
                "customers": int(part["customer"].sum()),
                "loss_makers": int(part["loss"].sum()),
            }
    parts = analysis.bridge.parts
    columns = ["before", "after", *COMPONENTS]
    cents = parts[columns].astype(object)
    cents["owner"] = owners.reindex(parts.index).fillna("").astype(str).to_numpy()
    groups = [(COMPANY, cents), *((str(k), g) for k, g in cents.groupby("owner") if k)]
    for key, part in groups:
        sums = {c: int(sum(part[c])) for c in columns}
        entry = out.setdefault(key, {})
        entry["bridge"] = {
            "before": from_cents(sums["before"]),
            "after": from_cents(sums["after"]),
            "total_change": from_cents(sums["after"] - sums["before"]),
            "components": {c: from_cents(sums[c]) for c in COMPONENTS},
        }
    empty = {"net_revenue": Decimal(0), "net_contribution": Decimal(0), "margin_pct": None}
    for entry in out.values():
        for name in ("current", "previous"):
            entry.setdefault(name, {**empty, "customers": 0, "loss_makers": 0})
    return out


def summary_json(analysis: Any) -> str:
    """What ``analysis_summary`` keeps of ``analysis``: its summary document (:meth:`Analysis.summary`), the
    whale curve's points for a chart, the managers' names and the :func:`key_figures`, as JSON (money as
    exact decimal strings)."""
    document = {
        "summary": analysis.summary(),
        "whale_points": analysis.whale.sampled(),
        "managers": analysis.managers,
        "key_figures": key_figures(analysis),
    }
    return json.dumps(document, default=_json, separators=(",", ":"))


def summary(store: Store) -> dict[str, Any] | None:
    """The materialised :func:`summary_json` document, or ``None`` before the first refresh."""
    table = schema.analysis_summary
    with store.begin() as conn:
        text = conn.execute(sa.select(table.c.document).where(table.c.name == NAME)).scalar()
    return None if text is None else dict(json.loads(text))


def refresh(store: Store, *, duplicates: bool = True) -> Refresh:
    """Recompute and replace the materialised analysis (see the module docstring); returns what it did.

    Two transactions: the P&L and customer value first (the cards show them as soon as they are written),
    then the duplicate pairs, whose search takes longest on a large base.
    """
    from clientbase.analytics.run import analyze

    started = time.perf_counter()
    source = fingerprint(store)
    analysis = analyze(store)
    rows = _pnl_rows(analysis)
    value_error = _add_value(rows, store, analysis.periods.as_of) if rows else "no customer has sales yet"
    _recent_facts(store, rows)
    p = analysis.periods
    with store.begin() as conn:
        conn.execute(sa.delete(schema.customer_metrics))
        insert_rows(conn, schema.customer_metrics, list(rows.values()))
        conn.execute(sa.delete(schema.analysis_summary).where(schema.analysis_summary.c.name == NAME))
        conn.execute(sa.insert(schema.analysis_summary).values(name=NAME, document=summary_json(analysis)))
        conn.execute(sa.delete(schema.metrics_state).where(schema.metrics_state.c.name == NAME))
        conn.execute(
            sa.insert(schema.metrics_state).values(
                name=NAME,
                fingerprint=source,
                computed_at=utc_now(),
                seconds=round(time.perf_counter() - started, 2),
                period_start=p.current.start,
                period_end=p.current.end,
                previous_start=p.previous.start,
                previous_end=p.previous.end,
                as_of=p.as_of,
                currency=analysis.currency,
                value_error=value_error,
            )
        )
    pairs = _duplicates(store) if duplicates else []
    if duplicates:
        with store.begin() as conn:
            conn.execute(sa.delete(schema.suspected_duplicates))
            insert_rows(conn, schema.suspected_duplicates, pairs)
    return Refresh(len(rows), len(pairs), time.perf_counter() - started, value_error)


def customer_pnl(store: Store, *, actor: Any, counterparty_id: str) -> dict[str, Any]:
    """One customer's materialised P&L of both default periods, with the periods and when it was computed.

    Raises:
        NotFoundError: no such record or one the actor may not see.
    """
    from clientbase.registry import service

    cm = schema.customer_metrics
    with store.begin() as conn:
        service.get_record(conn, actor=actor, kind="counterparties", record_id=counterparty_id)
        detail = conn.execute(sa.select(cm.c.detail).where(cm.c.counterparty_id == counterparty_id)).scalar()
    current = state(store)
    periods = None
    if current is not None:
        periods = {
            "period": {
                "from": current["period_start"].isoformat(),
                "to": current["period_end"].isoformat(),
                "as_of": current["as_of"].isoformat(),
            },
            "compare_period": {
                "from": current["previous_start"].isoformat(),
                "to": current["previous_end"].isoformat(),
            },
            "currency": current["currency"],
            "computed_at": current["computed_at"].isoformat() + "Z",
        }
    parts = json.loads(detail) if detail else {}
    return {
        "counterparty_id": counterparty_id,
        **(periods or {"period": None, "compare_period": None, "currency": None, "computed_at": None}),
        "current": parts.get("current"),
        "previous": parts.get("previous"),
    }


def analysis_document(
    store: Store,
    *,
    actor: Any,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.date | None = None,
    compare_start: dt.date | None = None,
    compare_end: dt.date | None = None,
) -> dict[str, Any]:
    """The company-wide analysis document (as ``clientbase analyze --json``), for the head and analysts.

    Raises:
        PermissionDeniedError: a manager (they see their own customers' P&L on the cards instead).
    """
    from clientbase.analytics.run import analyze
    from clientbase.errors import PermissionDeniedError

    if not actor.sees_all:
        raise PermissionDeniedError(
            f"{actor.manager_id} is a manager: the company-wide analysis is for the head and analysts; "
            "your customers' P&L is on their cards (GET /api/v1/counterparties/{id}/pnl)."
        )
    analysis = analyze(
        store, start=start, end=end, as_of=as_of, compare_start=compare_start, compare_end=compare_end
    )
    return analysis.document()
