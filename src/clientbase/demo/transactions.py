"""Orders, order lines, returns, invoices, payments and activities of a chunk of buyers, in whole arrays.

Nothing here loops per order, line or invoice: counts are drawn per buyer, expanded with ``np.repeat``,
and every column is computed on the expanded arrays. Money is kept in integer cents until it becomes an
Arrow decimal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clientbase.demo.arrays import (
    date_array,
    decimal_array,
    key_array,
    rank_within,
    segment_starts,
)
from clientbase.demo.catalogue import KIND_INDEX as K
from clientbase.demo.catalogue import Catalogue
from clientbase.demo.population import Buyers
from clientbase.demo.story import Story


@dataclass
class Counters:
    """Next free number of each key sequence, carried from chunk to chunk."""

    order: int = 1
    credit_note: int = 1
    invoice: int = 1
    activity: int = 1


@dataclass
class ChunkResult:
    """The fact tables of one chunk and what each buyer's facts say about it."""

    tables: dict[str, pa.Table]
    #: per buyer of the chunk: last order day in the window (-1 if none), orders in the window
    last_order: np.ndarray
    first_order: np.ndarray
    orders: np.ndarray
    #: per buyer: net contribution in cents by the documented rules (gross margin - cost-to-serve - credit)
    contribution: np.ndarray


def generate_chunk(
    story: Story,
    buyers: Buyers,
    buyer_keys: pa.Array,
    manager_keys: pa.Array,
    catalogue: Catalogue,
    counters: Counters,
    rng: np.random.Generator,
    start: int,
    end: int,
) -> ChunkResult:
    """The facts of ``buyers`` (one chunk), keys continuing from ``counters`` (which are advanced)."""
    nb = len(buyers)

    # -- orders -------------------------------------------------------------------------------------
    n_orders = buyers.n_orders
    cust = np.repeat(np.arange(nb), n_orders)
    lo = np.repeat(buyers.alive_from, n_orders)
    hi = np.repeat(np.minimum(buyers.alive_to, end + 1), n_orders)
    day = lo + (rng.random(len(cust)) * np.maximum(hi - lo, 0)).astype(np.int64)
    first = rank_within(n_orders) == 0
    day = np.where(
        first & np.repeat(buyers.first_on_acquired, n_orders), np.repeat(buyers.acquired, n_orders), day
    )
    day = np.minimum(day, end)
    dow = (day + 3) % 7
    moved = day - np.where(dow == 5, 1, np.where(dow == 6, 2, 0))
    day = np.where(moved >= np.repeat(np.maximum(buyers.alive_from - 1, start), n_orders), moved, day)
    order_sort = np.lexsort((day, cust))
    cust, day = cust[order_sort], day[order_sort]
    n_ord = len(cust)
    order_no = counters.order + np.arange(n_ord)
    counters.order += n_ord
    order_ids = key_array("O", order_no, 8)

    # -- order lines --------------------------------------------------------------------------------
    n_lines = 1 + rng.poisson(np.maximum(buyers.lines[cust] - 1, 0))
    line_order = np.repeat(np.arange(n_ord), n_lines)
    line_cust = cust[line_order]
    line_day = day[line_order]
    n_ln = len(line_order)
    product = rng.choice(len(catalogue.list_cents), size=n_ln, p=catalogue.popularity)
    mean_units = buyers.units[line_cust]
    units = 1 + rng.negative_binomial(1.5, 1.5 / (1.5 + np.maximum(mean_units - 1, 0.01)))
    years_to_end = (end - line_day) / 365.0
    price_factor = (1.0 + story.inflation) ** (-years_to_end)
    list_cents = np.maximum(np.rint(catalogue.list_cents[product] * price_factor), 1).astype(np.int64)
    cost_cents = np.maximum(np.rint(catalogue.cost_cents[product] * price_factor), 1).astype(np.int64)
    years_in = (line_day - start) / 365.0
    disc = buyers.discount[line_cust] + buyers.creep[line_cust] * years_in + rng.uniform(-0.5, 0.5, n_ln)
    disc = np.clip(disc, 0.0, 60.0)
    net_cents = np.rint(list_cents * (1.0 - disc / 100.0)).astype(np.int64)
    line_no = rank_within(n_lines) + 1

    # -- returns: one credit-note line per returned order, at the original line's prices --------------
    returned = rng.random(n_ord) < buyers.returns[cust]
    cn_day = day + rng.integers(3, 31, size=n_ord)
    returned &= cn_day <= end
    ret_orders = np.flatnonzero(returned)
    line_start = segment_starts(n_lines)
    ret_line = line_start[ret_orders] + (rng.random(len(ret_orders)) * n_lines[ret_orders]).astype(np.int64)
    ret_units = -np.maximum(1, np.ceil(rng.random(len(ret_orders)) * units[ret_line])).astype(np.int64)
    n_cn = len(ret_orders)
    cn_no = counters.credit_note + np.arange(n_cn)
    counters.credit_note += n_cn
    cn_ids = key_array("R", cn_no, 8)
    cn_cust = cust[ret_orders]
    cn_days = cn_day[ret_orders]

    # -- tables: orders and order lines (sales, then credit notes) --------------------------------------
    owner_keys = manager_keys.take(pa.array(buyers.owner))
    all_order_ids = pa.concat_arrays([order_ids, cn_ids])
    all_cust = np.concatenate([cust, cn_cust])
    all_days = np.concatenate([day, cn_days])
    orders = pa.table(
        {
            "order_id": all_order_ids,
            "counterparty_id": buyer_keys.take(pa.array(all_cust)),
            "order_date": date_array(all_days),
            "manager_id": owner_keys.take(pa.array(all_cust)),
        }
    )
    line_units = np.concatenate([units, ret_units])
    line_list = np.concatenate([list_cents, list_cents[ret_line]])
    line_net = np.concatenate([net_cents, net_cents[ret_line]])
    line_cost = np.concatenate([cost_cents, cost_cents[ret_line]])
    line_idx = np.concatenate([line_order, n_ord + np.arange(n_cn)])
    lines_cust = np.concatenate([line_cust, cn_cust])
    order_lines = pa.table(
        {
            "order_id": pa.concat_arrays([key_array("O", order_no[line_order], 8), cn_ids]),
            "line_no": pa.array(np.concatenate([line_no, np.ones(n_cn, dtype=np.int64)]).astype(np.int32)),
            "counterparty_id": buyer_keys.take(pa.array(lines_cust)),
            "order_date": date_array(all_days[line_idx]),
            "product_id": catalogue.keys.take(pa.array(np.concatenate([product, product[ret_line]]))),
            "quantity": decimal_array(line_units * 1000, 3),
            "list_price": decimal_array(line_list * 100, 4),
            "net_price": decimal_array(line_net * 100, 4),
            "unit_cost": decimal_array(line_cost * 100, 4),
        }
    )

    # -- invoices: one per order and credit note; amount = the order's net total in cents ----------------
    n_all = n_ord + n_cn
    amount = np.bincount(line_idx, weights=line_units * line_net, minlength=n_all)
    amount = np.rint(amount).astype(np.int64)  # exact: integer sums far below 2**53
    issue = np.minimum(all_days + rng.integers(0, 3, size=n_all), end)
    is_cn = np.arange(n_all) >= n_ord
    terms = np.where(is_cn, 0, buyers.payment_days[all_cust])
    due = issue + terms
    inv_no = counters.invoice + np.arange(n_all)
    counters.invoice += n_all
    invoice_ids = key_array("F", inv_no, 8)
    invoices = pa.table(
        {
            "invoice_id": invoice_ids,
            "counterparty_id": buyer_keys.take(pa.array(all_cust)),
            "order_id": all_order_ids,
            "issue_date": date_array(issue),
            "due_date": date_array(due),
            "amount": decimal_array(amount, 2),
        }
    )

    # -- payments: on time around the due date, late payers long after; a few in two parts; none after the
    # end of the window (open); a few of the late payers' invoices never paid; credit notes settled at once
    late_mean = buyers.late_days[all_cust]
    is_late = late_mean > 0
    delay = np.where(
        is_late,
        np.rint(rng.gamma(2.0, np.maximum(late_mean, 1.0) / 2.0)),
        np.rint(rng.normal(-3.0, 4.0, size=n_all)),
    ).astype(np.int64)
    paid1 = np.where(is_cn, issue, np.maximum(due + delay, issue))
    unpaid = is_late & ~is_cn & (rng.random(n_all) < story.bad_debt)
    partial = ~is_cn & (rng.random(n_all) < story.partial_payments) & (amount > 1000)
    part1 = np.where(partial, np.rint(amount * rng.uniform(0.3, 0.8, size=n_all)), amount).astype(np.int64)
    paid2 = paid1 + rng.integers(10, 46, size=n_all)
    pay_inv = np.concatenate([np.arange(n_all), np.flatnonzero(partial)])
    pay_day = np.concatenate([paid1, paid2[partial]])
    pay_amt = np.concatenate([part1, (amount - part1)[partial]])
    pay_n = np.concatenate([np.ones(n_all, dtype=np.int64), np.full(int(partial.sum()), 2)])
    keep = (pay_day <= end) & ~unpaid[pay_inv]
    pay_inv, pay_day, pay_amt, pay_n = pay_inv[keep], pay_day[keep], pay_amt[keep], pay_n[keep]
    pay_dates = date_array(pay_day)
    pay_inv_ids = invoice_ids.take(pa.array(pay_inv))
    payment_ids = pc.binary_join_element_wise(
        pay_inv_ids, pc.strftime(pay_dates, format="%Y-%m-%d"), pc.cast(pa.array(pay_n), pa.string()), ":"
    )
    payments = pa.table(
        {
            "payment_id": payment_ids,
            "invoice_id": pay_inv_ids,
            "paid_date": pay_dates,
            "amount": decimal_array(pay_amt, 2),
        }
    )

    # -- activities --------------------------------------------------------------------------------------
    acts = _activities(story, buyers, rng, cust, day, n_lines, cn_cust, cn_days, start, end)
    n_act = len(acts["cust"])
    act_no = counters.activity + np.arange(n_act)
    counters.activity += n_act
    act_order = acts["order"]
    has_order = act_order >= 0
    activities = pa.table(
        {
            "activity_id": key_array("A", act_no, 9),
            "counterparty_id": buyer_keys.take(pa.array(acts["cust"])),
            "activity_date": date_array(acts["day"]),
            "kind": pa.DictionaryArray.from_arrays(
                pa.array(acts["kind"].astype(np.int32)), pa.array(catalogue.kinds)
            ).cast(pa.string()),
            "quantity": decimal_array(acts["quantity"] * 1000, 3),
            "manager_id": owner_keys.take(pa.array(acts["cust"])),
            "order_id": pc.if_else(
                pa.array(has_order), all_order_ids.take(pa.array(np.where(has_order, act_order, 0))), None
            ),
        }
    )

    # -- what the facts say per buyer ------------------------------------------------------------------
    last_order = np.full(nb, -1, dtype=np.int64)
    np.maximum.at(last_order, cust, day)
    first_order = np.full(nb, -1, dtype=np.int64)
    has_orders = np.bincount(cust, minlength=nb) > 0
    first_order[has_orders] = day[segment_starts(np.bincount(cust, minlength=nb))[has_orders]]
    margin = np.bincount(lines_cust, weights=line_units * (line_net - line_cost), minlength=nb)
    rates = catalogue.rate_cents[acts["kind"]]
    serve = np.bincount(acts["cust"], weights=acts["quantity"] * rates, minlength=nb)
    settled = np.bincount(pay_inv, weights=pay_amt * (pay_day - issue[pay_inv]), minlength=n_all)
    open_amount = amount - np.bincount(pay_inv, weights=pay_amt, minlength=n_all)
    amount_days = settled + open_amount * (end - issue)
    credit = np.bincount(all_cust, weights=amount_days, minlength=nb) * catalogue.financing_rate / 365.0
    return ChunkResult(
        tables={
            "orders": orders,
            "order_lines": order_lines,
            "invoices": invoices,
            "payments": payments,
            "activities": activities,
        },
        last_order=last_order,
        first_order=first_order,
        orders=np.bincount(cust, minlength=nb),
        contribution=margin - serve - credit,
    )


def _activities(
    story: Story,
    buyers: Buyers,
    rng: np.random.Generator,
    cust: np.ndarray,
    day: np.ndarray,
    n_lines: np.ndarray,
    cn_cust: np.ndarray,
    cn_days: np.ndarray,
    start: int,
    end: int,
) -> dict[str, np.ndarray]:
    """Cost-to-serve events: per order, per credit note and per customer-year (visits, calls, tickets)."""
    n_ord = len(cust)
    idx = np.arange(n_ord)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(c: np.ndarray, d: np.ndarray, kind: int, q: np.ndarray, order: np.ndarray) -> None:
        parts.append((c, d, np.full(len(c), kind, dtype=np.int64), q.astype(np.int64), order))

    ones = np.ones(n_ord, dtype=np.int64)
    add(cust, day, K["order_handling"], ones, idx)
    add(cust, day, K["order_line_handling"], n_lines, idx)
    deliveries = 1 + rng.poisson(buyers.extra_deliveries[cust])
    add(cust, np.minimum(day + rng.integers(1, 3, size=n_ord), end), K["delivery"], deliveries, idx)
    rush = rng.random(n_ord) < buyers.rush[cust]
    add(cust[rush], day[rush], K["rush_order"], ones[rush], idx[rush])
    special = rng.random(n_ord) < buyers.special[cust]
    add(cust[special], day[special], K["special_request"], ones[special], idx[special])
    n_cn = len(cn_cust)
    add(cn_cust, cn_days, K["returns_handling"], np.ones(n_cn, dtype=np.int64), n_ord + np.arange(n_cn))

    # per customer while alive in the window: visits and calls (minutes), support tickets (events)
    lo = np.maximum(buyers.alive_from, start)
    hi = np.minimum(buyers.alive_to, end + 1)
    years = np.maximum(hi - lo, 0) / 365.25
    for kind, rate, minutes in (
        ("visit", buyers.visits, buyers.visit_minutes),
        ("call", buyers.calls, buyers.call_minutes),
        ("support_ticket", buyers.tickets, None),
    ):
        count = rng.poisson(rate * years)
        c = np.repeat(np.arange(len(buyers)), count)
        d = lo[c] + (rng.random(len(c)) * (hi[c] - lo[c])).astype(np.int64)
        q = (
            np.ones(len(c))
            if minutes is None
            else np.maximum(5, np.rint(minutes[c] * rng.uniform(0.5, 1.5, len(c))))
        )
        add(c, d, K[kind], q, np.full(len(c), -1, dtype=np.int64))

    # kept in the order drawn (by kind, then order): sorting millions of rows buys nothing
    return {
        "cust": np.concatenate([p[0] for p in parts]),
        "day": np.concatenate([p[1] for p in parts]),
        "kind": np.concatenate([p[2] for p in parts]),
        "quantity": np.concatenate([p[3] for p in parts]),
        "order": np.concatenate([p[4] for p in parts]),
    }
