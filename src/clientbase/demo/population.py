"""Who buys, when and how: one row per buying counterparty, drawn in whole arrays (no loop per customer).

Purchase timing is Pareto/NBD-like: each customer has a gamma-distributed purchase rate and a
gamma-distributed dropout rate; the lifetime is exponential in the dropout rate and orders arrive as a
Poisson process while the customer is alive.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from clientbase.demo.arrays import day_number
from clientbase.demo.story import Story

#: manager indexes (0-based; key = ``M01`` ...) with a role or a data habit
HEAD, ANALYST, SLOPPY, STALE, DUPLICATOR = 0, 1, 2, 3, 4


@dataclass
class Buyers:
    """Arrays with one entry per buying counterparty (customers, then their planted duplicates)."""

    segment: np.ndarray
    spontaneous: np.ndarray
    existing: np.ndarray
    acquired: np.ndarray  # day of the first order (before the window for existing customers)
    created: np.ndarray  # day the record was created
    alive_from: np.ndarray  # first day orders can fall on in the window
    alive_to: np.ndarray  # first day after the customer's last possible order (exclusive)
    n_orders: np.ndarray
    first_on_acquired: np.ndarray  # the first order falls on the acquisition day
    order_rate: np.ndarray
    lines: np.ndarray
    units: np.ndarray
    discount: np.ndarray  # percent
    creep: np.ndarray  # discount creep, percentage points per year (0: none)
    payment_days: np.ndarray
    late_days: np.ndarray  # mean days late (0: pays on time)
    returns: np.ndarray
    rush: np.ndarray
    special: np.ndarray
    extra_deliveries: np.ndarray
    visits: np.ndarray
    visit_minutes: np.ndarray
    calls: np.ndarray
    call_minutes: np.ndarray
    tickets: np.ndarray
    owner: np.ndarray
    duplicate_of: np.ndarray  # index of the original, -1 for an original

    def __len__(self) -> int:
        return len(self.segment)

    def take(self, index: np.ndarray | slice) -> Buyers:
        """The buyers at ``index`` (every array sliced the same way)."""
        return Buyers(**{f.name: getattr(self, f.name)[index] for f in fields(self)})


def sales_managers(story: Story) -> np.ndarray:
    """Indexes of the managers who own customers (everyone but the analyst)."""
    return np.array([m for m in range(story.managers) if m != ANALYST], dtype=np.int64)


def draw_buyers(story: Story, rng: np.random.Generator) -> Buyers:
    """Draw the customers of ``story`` and append their planted duplicates."""
    segs = story.segments
    n = story.customers
    start, end = day_number(story.start_date), day_number(story.end_date)
    window = story.window_days

    def per_segment(attr: str) -> np.ndarray:
        return np.array([getattr(s, attr) for s in segs], dtype=np.float64)[segment]

    segment = rng.choice(len(segs), size=n, p=[s.share for s in segs]).astype(np.int8)
    spontaneous = rng.random(n) < per_segment("spontaneous")
    # Acquisition over the history before the window and the window itself, with an intensity growing
    # exponentially at the segment's rate (inverse-CDF draw); customers acquired before the window are
    # the existing base, thinned by their own dropout. The same dynamics hold for any window length.
    history = story.history_years
    growth = per_segment("acquisition_growth")
    span = history + story.years
    u = rng.random(n)
    safe = np.where(np.abs(growth) > 1e-9, growth, 1.0)
    t = np.where(np.abs(growth) > 1e-9, np.log1p(u * np.expm1(safe * span)) / safe, u * span) - history
    day = start + np.minimum(np.floor(t * 365.0).astype(np.int64), window - 1)
    existing = day < start
    acquired = _weekday(day, start)
    created = acquired - rng.integers(0, 120, size=n)

    rate_mean = per_segment("order_rate") * story.intensity
    shape = per_segment("order_rate_shape")
    order_rate = rng.gamma(shape, rate_mean / shape)
    d_shape = per_segment("dropout_shape")
    dropout = rng.gamma(d_shape, per_segment("dropout") / d_shape)
    lifetime_days = rng.exponential(1.0 / np.maximum(dropout, 1e-6)) * 365.25
    alive_to = np.minimum(acquired + 1 + lifetime_days.astype(np.int64), end + 1)
    alive_from = np.where(existing, np.maximum(acquired, start), acquired + 1)
    span_years = np.maximum(alive_to - alive_from, 0) / 365.25
    first_on_acquired = ~existing
    n_orders = rng.poisson(order_rate * span_years) + first_on_acquired

    discount = rng.uniform(_lo(segs, "discount")[segment], _hi(segs, "discount")[segment])
    retained = existing & (alive_to > start + window // 2)
    creeping = retained & (
        ((segment == 0) & (rng.random(n) < story.discount_creep_share))
        | ((segment == 1) & (rng.random(n) < 0.1))
    )
    creep = np.where(creeping, rng.uniform(*story.discount_creep_pp, size=n), 0.0)

    late = rng.random(n) < per_segment("late_payer")
    terms = _choice_per_segment(rng, segs, segment)
    payment_days = np.where(late, rng.choice(np.array(story.late_payment_days), size=n), terms)
    late_days = np.where(late, rng.uniform(*story.late_days, size=n), 0.0)

    managers = sales_managers(story)
    owner = managers[rng.integers(0, len(managers), size=n)]
    owner = np.where((segment == 0) & (rng.random(n) < 0.3), HEAD, owner)

    buyers = Buyers(
        segment=segment,
        spontaneous=spontaneous,
        existing=existing,
        acquired=acquired,
        created=created,
        alive_from=alive_from,
        alive_to=alive_to,
        n_orders=n_orders.astype(np.int64),
        first_on_acquired=first_on_acquired,
        order_rate=order_rate,
        lines=per_segment("lines"),
        units=per_segment("units"),
        discount=np.round(discount, 1),
        creep=np.round(creep, 2),
        payment_days=payment_days.astype(np.int64),
        late_days=late_days,
        returns=per_segment("returns"),
        rush=per_segment("rush"),
        special=per_segment("special"),
        extra_deliveries=per_segment("extra_deliveries"),
        visits=per_segment("visits"),
        visit_minutes=per_segment("visit_minutes"),
        calls=per_segment("calls"),
        call_minutes=per_segment("call_minutes"),
        tickets=per_segment("tickets"),
        owner=owner.astype(np.int64),
        duplicate_of=np.full(n, -1, dtype=np.int64),
    )
    return _with_duplicates(story, buyers, rng, start, end)


def _lo(segs: tuple, attr: str) -> np.ndarray:
    return np.array([getattr(s, attr)[0] for s in segs], dtype=np.float64)


def _hi(segs: tuple, attr: str) -> np.ndarray:
    return np.array([getattr(s, attr)[1] for s in segs], dtype=np.float64)


def _choice_per_segment(rng: np.random.Generator, segs: tuple, segment: np.ndarray) -> np.ndarray:
    """One payment term per customer, drawn from its segment's offered terms."""
    width = max(len(s.payment_days) for s in segs)
    table = np.array([[s.payment_days[i % len(s.payment_days)] for i in range(width)] for s in segs])
    lengths = np.array([len(s.payment_days) for s in segs])
    pick = (rng.random(len(segment)) * lengths[segment]).astype(np.int64)
    return np.asarray(table[segment, pick], dtype=np.int64)


def _weekday(days: np.ndarray, start: int) -> np.ndarray:
    """Move Saturdays and Sundays back to Friday, unless that leaves the window."""
    dow = (days + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    back = np.where(dow == 5, 1, np.where(dow == 6, 2, 0))
    moved = days - back
    return np.where((days >= start) & (moved < start), days, moved)


def _with_duplicates(story: Story, buyers: Buyers, rng: np.random.Generator, start: int, end: int) -> Buyers:
    """Append a duplicate record for ``duplicate_rate`` of the customers: same company, entered again later
    by another manager, with a few orders of its own."""
    n = len(buyers)
    k = round(n * story.duplicate_rate)
    if k == 0:
        return buyers
    originals = np.sort(rng.choice(n, size=k, replace=False))
    dup = buyers.take(originals)
    dup.duplicate_of = originals.astype(np.int64)
    dup.created = np.minimum(dup.created + rng.integers(20, 500, size=k), end)
    dup.existing = np.zeros(k, dtype=bool)
    dup.first_on_acquired = np.zeros(k, dtype=bool)
    dup.alive_from = np.maximum.reduce([dup.alive_from, dup.created, np.full(k, start)])
    alive = dup.alive_to > dup.alive_from
    dup.n_orders = np.where(alive, 1 + rng.poisson(1.5, size=k), 0).astype(np.int64)
    dup.creep = np.zeros(k)
    others = sales_managers(story)
    others = others[others != DUPLICATOR]
    dup.owner = np.where(
        buyers.owner[originals] == DUPLICATOR, others[rng.integers(0, len(others), size=k)], DUPLICATOR
    )
    return Buyers(
        **{f.name: np.concatenate([getattr(buyers, f.name), getattr(dup, f.name)]) for f in fields(buyers)}
    )
