"""The counterparties table (customers, their planted duplicates, prospects, suppliers) and the planted
truth about them: statuses that follow the purchase history, the managers' data habits, the causes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from clientbase.demo.arrays import EPOCH_ORDINAL, date_array, decimal_array
from clientbase.demo.countries import COUNTRIES
from clientbase.demo.duplicates import vary
from clientbase.demo.identity import IDENTITY_FIELDS, Identities
from clientbase.demo.population import HEAD, SLOPPY, STALE, Buyers
from clientbase.demo.story import Story

INDUSTRIES = (
    "construction",
    "installation",
    "manufacturing",
    "facility_management",
    "retail",
    "public_sector",
    "agriculture",
    "automotive",
)
TARGETED_CHANNELS = ("targeted_campaign", "trade_fair", "referral")
#: trade fairs bring both: visitors met by appointment because they fit the profile, and whoever stopped by
SPONTANEOUS_CHANNELS = ("cold_call_directory", "inbound_web", "trade_fair")
#: per segment: credit limit range (EUR) and price list
CREDIT_LIMITS = ((100_000, 500_000), (20_000, 80_000), (5_000, 20_000), (2_000, 10_000))
PRICE_LISTS = ("key_account", "trade", "standard", "standard")
#: days since the last order: up to ACTIVE active, up to LAPSED lapsed, beyond lost
ACTIVE_DAYS, LAPSED_DAYS = 180, 540
BLANKABLE = ("email", "phone", "website", "industry", "region", "postcode")

Truth = list[tuple[str, str, str]]


def iso(day: int) -> str:
    """The ISO date of a day number."""
    return date.fromordinal(day + EPOCH_ORDINAL).isoformat()


def status_from_recency(days_since_last_order: np.ndarray) -> np.ndarray:
    """``active`` / ``lapsed`` / ``lost`` from days since the last order.

    Example:
        >>> status_from_recency(np.array([10, 300, 900])).tolist()
        ['active', 'lapsed', 'lost']
    """
    return np.where(
        days_since_last_order <= ACTIVE_DAYS,
        "active",
        np.where(days_since_last_order <= LAPSED_DAYS, "lapsed", "lost"),
    ).astype(object)


def build_counterparties(
    story: Story,
    buyers: Buyers,
    ids: Identities,
    cp_keys: pa.Array,
    created: np.ndarray,
    last_order: np.ndarray,
    first_order: np.ndarray,
    contribution: np.ndarray,
    prospect_owner: np.ndarray,
    rng: np.random.Generator,
    end: int,
) -> tuple[pa.Table, Truth]:
    """All counterparties in key-assignment order (customers, duplicates, prospects, suppliers)."""
    n = int((buyers.duplicate_of < 0).sum())
    nb = len(buyers)
    n_pros = len(prospect_owner)
    n_sup = len(ids.core) - n - n_pros
    total = nb + n_pros + n_sup
    keys = cp_keys.to_pylist()
    originals = buyers.duplicate_of[n:]
    # identity index of each row: customers, then the duplicates' originals, then prospects and suppliers
    ident = np.concatenate([np.arange(n), originals, np.arange(n, n + n_pros + n_sup)])
    col: dict[str, list[object]] = {f: [getattr(ids, f)[i] for i in ident.tolist()] for f in IDENTITY_FIELDS}
    varied, variations = vary(ids, originals, rng)
    for f, values in varied.items():
        col[f][n:nb] = values
    col["country"] = [COUNTRIES[int(c)].code for c in ids.country[ident].tolist()]
    truth: Truth = []

    # -- status from the purchase history -------------------------------------------------------------
    last_known = np.where(last_order >= 0, last_order, np.where(buyers.existing, buyers.acquired, -1))
    status = status_from_recency(end - last_known)
    no_history = last_known < 0
    status[no_history] = status[buyers.duplicate_of[no_history]] if no_history.any() else status[no_history]
    archived = (status == "lost") & (end - last_known > 3 * 365) & (rng.random(nb) < 0.5)
    status[archived] = "archived"
    true_status = status.copy()
    first = np.where(buyers.duplicate_of < 0, buyers.acquired, first_order)

    seg = buyers.segment.astype(np.int64)
    segments = story.segments
    size = [
        s.size_bands[int(rng.integers(0, len(s.size_bands)))] for s in (segments[i] for i in seg.tolist())
    ]
    lo = np.array([c[0] for c in CREDIT_LIMITS])[seg]
    hi = np.array([c[1] for c in CREDIT_LIMITS])[seg]
    credit = (np.rint(rng.uniform(lo, hi) / 1000) * 1000).astype(np.int64)
    industry = np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), size=nb)]
    industry[n:] = industry[originals]
    channel = np.where(
        buyers.spontaneous,
        np.array(SPONTANEOUS_CHANNELS)[rng.integers(0, len(SPONTANEOUS_CHANNELS), size=nb)],
        np.array(TARGETED_CHANNELS)[rng.integers(0, len(TARGETED_CHANNELS), size=nb)],
    )
    payment_days = buyers.payment_days.copy()
    roles = np.where(rng.random(nb) < 0.015, "customer;supplier", "customer").astype(object)

    # -- the stale manager: statuses and terms not kept up to date ----------------------------------------
    stale = (buyers.owner == STALE) & (buyers.duplicate_of < 0) & (rng.random(nb) < story.stale_share)
    stale_status = stale & np.isin(true_status, ["lapsed", "lost"])
    status[stale_status] = "active"
    for i in np.flatnonzero(stale_status).tolist():
        truth.append(
            (
                keys[i],
                "stale_status",
                f"recorded active; truly {true_status[i]}, last order {iso(int(last_known[i]))}",
            )
        )
    stale_terms = stale & (n_orders_of(last_order) > 0)
    other_terms = np.array([14, 30, 45, 60])
    for i in np.flatnonzero(stale_terms).tolist():
        options = other_terms[other_terms != payment_days[i]]
        recorded = int(options[int(rng.integers(0, len(options)))])
        truth.append(
            (keys[i], "stale_terms", f"record says {recorded} payment days; invoices give {payment_days[i]}")
        )
        payment_days[i] = recorded

    # -- prospects and suppliers ---------------------------------------------------------------------
    p_targeted = rng.random(n_pros) < 0.4
    rows = {
        "status": np.concatenate(
            [status, np.full(n_pros, "prospect", object), np.full(n_sup, "active", object)]
        ),
        "roles": np.concatenate(
            [roles, np.full(n_pros, "prospect", object), np.full(n_sup, "supplier", object)]
        ),
        "owner": np.concatenate([buyers.owner, prospect_owner, np.full(n_sup, HEAD)]),
    }
    mode: list[str | None] = [("spontaneous" if s else "targeted") for s in buyers.spontaneous.tolist()]
    mode += ["targeted" if t else "spontaneous" for t in p_targeted.tolist()] + [None] * n_sup
    chan = (
        channel.tolist()
        + [TARGETED_CHANNELS[0] if t else SPONTANEOUS_CHANNELS[0] for t in p_targeted.tolist()]
        + [None] * n_sup
    )
    col["industry"] = (
        industry.tolist()
        + np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), size=n_pros + n_sup)].tolist()
    )

    truth += blank_fields(story, rows["owner"], col, keys, rng)

    table = pa.table(
        {
            "counterparty_id": cp_keys,
            "name": pa.array(col["name"], pa.string()),
            "roles": pa.array(rows["roles"].tolist(), pa.string()),
            "status": pa.array(rows["status"].tolist(), pa.string()),
            "owner_id": pa.array([f"M{o + 1:02d}" for o in rows["owner"].tolist()], pa.string()),
            "acquisition_channel": pa.array(chan, pa.string()),
            "acquisition_mode": pa.array(mode, pa.string()),
            "country": pa.array(col["country"], pa.string()),
            "region": pa.array(col["region"], pa.string()),
            "city": pa.array(col["city"], pa.string()),
            "postcode": pa.array(col["postcode"], pa.string()),
            "address": pa.array(col["address"], pa.string()),
            "industry": pa.array(col["industry"], pa.string()),
            "size_band": pa.array(size + ["small"] * n_pros + ["large"] * n_sup, pa.string()),
            "segment": pa.array(
                [segments[i].segment_label for i in seg.tolist()] + [None] * (n_pros + n_sup), pa.string()
            ),
            "payment_days": pa.array(
                np.concatenate([payment_days, np.zeros(n_pros + n_sup)]).astype(np.int32),
                mask=np.arange(total) >= nb,
            ),
            "discount_pct": decimal_array(
                np.rint(np.concatenate([buyers.discount, np.zeros(n_pros + n_sup)]) * 10000).astype(np.int64),
                4,
                mask=np.arange(total) >= nb,
            ),
            "credit_limit": decimal_array(
                np.concatenate([credit, np.zeros(n_pros + n_sup, dtype=np.int64)]) * 100,
                2,
                mask=np.arange(total) >= nb,
            ),
            "price_list": pa.array(
                [PRICE_LISTS[i] for i in seg.tolist()] + [None] * (n_pros + n_sup), pa.string()
            ),
            "tax_id": pa.array(col["tax_id"], pa.string()),
            "registration_id": pa.array(col["registration_id"], pa.string()),
            "email": pa.array(col["email"], pa.string()),
            "phone": pa.array(col["phone"], pa.string()),
            "website": pa.array(col["website"], pa.string()),
            "created_at": date_array(created),
            "first_order_date": date_array(
                np.concatenate([np.maximum(first, 0), np.zeros(n_pros + n_sup, dtype=np.int64)]),
                mask=np.concatenate([first < 0, np.ones(n_pros + n_sup, dtype=bool)]),
            ),
        }
    )
    truth += cause_rows(story, buyers, keys, contribution, last_order, variations, end)
    return table, truth


def blank_fields(
    story: Story, owner: np.ndarray, col: dict[str, list[object]], keys: list[str], rng: np.random.Generator
) -> Truth:
    """The sloppy manager leaves fields blank: ``col`` (field -> values per row) is changed in place; one
    truth row per record touched."""
    truth: Truth = []
    sloppy = np.flatnonzero((owner == SLOPPY) & (rng.random(len(owner)) < story.blank_share))
    for i in sloppy.tolist():
        blank = [f for f in BLANKABLE if rng.random() < 0.5] or ["phone"]
        for f in blank:
            col[f][i] = None
        truth.append((keys[i], "blank_fields", "left blank: " + ", ".join(blank)))
    return truth


def n_orders_of(last_order: np.ndarray) -> np.ndarray:
    """1 where a buyer ordered in the window, else 0."""
    return (last_order >= 0).astype(np.int64)


def cause_rows(
    story: Story,
    buyers: Buyers,
    keys: list[str],
    contribution: np.ndarray,
    last_order: np.ndarray,
    variations: list[str],
    end: int,
) -> Truth:
    """One truth row per planted cause on a buyer."""
    rows: Truth = []
    n = int((buyers.duplicate_of < 0).sum())
    start = end - story.window_days + 1
    tail = story.segments[-1].name
    for i in np.flatnonzero(buyers.creep > 0).tolist():
        rows.append(
            (
                keys[i],
                "discount_creep",
                f"agreed discount {buyers.discount[i]:.1f} %, +{buyers.creep[i]:.2f} pp a year from {iso(start)}",
            )
        )
    seg_names = [s.name for s in story.segments]
    is_tail = buyers.segment == seg_names.index(tail)
    for i in np.flatnonzero(is_tail & (last_order >= 0) & (buyers.duplicate_of < 0)).tolist():
        rows.append(
            (
                keys[i],
                "small_order_tail",
                f"{buyers.order_rate[i]:.1f} orders a year of about {buyers.lines[i]:.1f} lines; "
                f"rush {buyers.rush[i]:.0%}, special requests {buyers.special[i]:.0%} of orders",
            )
        )
    for i in np.flatnonzero((buyers.late_days > 0) & (buyers.duplicate_of < 0)).tolist():
        rows.append(
            (
                keys[i],
                "late_payer",
                f"terms {buyers.payment_days[i]} days; pays about {buyers.late_days[i]:.0f} days after the due date",
            )
        )
    for i in np.flatnonzero((contribution < 0) & (last_order >= 0)).tolist():
        why = [seg_names[int(buyers.segment[i])]]
        if buyers.late_days[i] > 0:
            why.append("late_payer")
        if buyers.creep[i] > 0:
            why.append("discount_creep")
        rows.append(
            (
                keys[i],
                "unprofitable",
                f"net contribution {contribution[i] / 100:.2f} EUR over the window; by design: {', '.join(why)}",
            )
        )
    churned = (buyers.duplicate_of < 0) & (buyers.alive_to <= end) & (buyers.alive_to > start)
    for i in np.flatnonzero(churned).tolist():
        rows.append((keys[i], "churned", f"dropped out on {iso(int(buyers.alive_to[i]))}"))
    for j, i in enumerate(range(n, len(buyers))):
        original = keys[int(buyers.duplicate_of[i])]
        rows.append((keys[i], "duplicate", original))
        rows.append((keys[i], "duplicate_variations", variations[j] or "none"))
    return rows
