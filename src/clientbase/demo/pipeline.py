"""The acquisition pipeline behind the customers: what it took to win them, the prospects never won, and
the campaigns that fed the channels.

Every customer acquired inside the window was a prospect first (its record was created up to 120 days
before its first order), and calls, for targeted prospects often a visit, went into winning it. Beside
each customer won, the pipeline held ``Poisson((1 - p) / p)`` prospects of the same kind that were never
won, where ``p`` is the conversion rate of the kind and mode (``Segment.conversion``, times
``Story.targeted_conversion_lift`` for a targeted prospect), so each kind and mode converts at ``p`` by
construction; they were worked the same way until they were given up (status ``lost``) 14-150 days after
they were created. The open prospects get the attributes of a kind drawn from the recent pipeline.

Everything here is drawn from its own generator, seeded by ``(seed, 2)``, after everything else, so the
customers, their orders and the other tables come out as before; the lost prospects are numbered after
the existing counterparties.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from clientbase.demo.arrays import date_array, decimal_array, key_array, rank_within
from clientbase.demo.catalogue import KIND_INDEX, KINDS
from clientbase.demo.counterparties import INDUSTRIES, SPONTANEOUS_CHANNELS, TARGETED_CHANNELS, blank_fields
from clientbase.demo.countries import COUNTRIES
from clientbase.demo.identity import IDENTITY_FIELDS, Identities, draw_contacts, draw_identities
from clientbase.demo.population import Buyers, sales_managers
from clientbase.demo.story import Story
from clientbase.demo.transactions import Counters

#: per mode: mean calls beyond the first, probability of a visit, while a prospect is worked
EFFORT = {"targeted": (2.0, 0.6), "spontaneous": (0.8, 0.05)}
#: a lost prospect is given up this many days after it was created (uniform)
GIVEN_UP_AFTER = (14, 150)
#: lost prospects are created within this many days of a customer won from the same list
SAME_LIST_DAYS = 45
#: (channel, mode or None for both, months per campaign, cost per campaign at 5,000 customers, key, name)
CAMPAIGNS: tuple[tuple[str, str | None, int, int, str, str], ...] = (
    ("trade_fair", None, 6, 30_000, "FAIR", "Trade fair season"),
    ("targeted_campaign", "targeted", 3, 6_000, "MAIL", "Targeted mailing"),
    ("referral", "targeted", 12, 4_000, "REF", "Referral programme"),
    ("cold_call_directory", "spontaneous", 12, 5_000, "DIR", "Business directory licence"),
    ("inbound_web", "spontaneous", 1, 1_500, "WEB", "Web ads"),
)

Truth = list[tuple[str, str, str]]


def pipeline_rng(story: Story) -> np.random.Generator:
    """The pipeline's own generator: the rest of the company does not move when it changes."""
    return np.random.default_rng(np.random.SeedSequence([story.seed, 2]))


@dataclass
class Effort:
    """Calls and visits to prospects while they were worked, one entry per activity."""

    who: np.ndarray  # index of the prospect
    day: np.ndarray
    kind: np.ndarray  # index into KINDS
    minutes: np.ndarray

    def cost_cents(self, rate_cents: np.ndarray, prospects: int) -> np.ndarray:
        """Per prospect: minutes x the rate of the activity's kind, in cents (float, as the generator sums)."""
        return np.bincount(self.who, weights=self.minutes * rate_cents[self.kind], minlength=prospects)


def effort(targeted: np.ndarray, lo: np.ndarray, hi: np.ndarray, rng: np.random.Generator) -> Effort:
    """The calls and visits to prospects worked from day ``lo`` to the day before ``hi``.

    Example:
        >>> e = effort(np.array([True, False]), np.array([0, 0]), np.array([30, 30]), np.random.default_rng(1))
        >>> bool((e.day < 30).all()), sorted(set(e.who.tolist()))
        (True, [0, 1])
    """
    n = len(targeted)
    extra = np.where(targeted, EFFORT["targeted"][0], EFFORT["spontaneous"][0])
    visit_p = np.where(targeted, EFFORT["targeted"][1], EFFORT["spontaneous"][1])
    calls = 1 + rng.poisson(extra)
    count = calls + (rng.random(n) < visit_p)
    who = np.repeat(np.arange(n), count)
    is_visit = rank_within(count) >= calls[who]
    span = np.maximum(hi - lo, 1)[who]
    day = lo[who] + (rng.random(len(who)) * span).astype(np.int64)
    minutes = np.where(is_visit, rng.integers(45, 121, size=len(who)), rng.integers(5, 26, size=len(who)))
    kind = np.where(is_visit, KIND_INDEX["visit"], KIND_INDEX["call"])
    keep = day < hi[who]
    order = np.lexsort((day[keep], who[keep]))
    return Effort(who[keep][order], day[keep][order], kind[keep][order], minutes[keep][order])


def activities_table(
    e: Effort, keys: pa.Array, owners: np.ndarray, manager_keys: pa.Array, counters: Counters
) -> pa.Table:
    """The activities of ``e`` (``keys`` and ``owners`` per prospect), numbered on from ``counters``."""
    k = len(e.who)
    numbers = counters.activity + np.arange(k)
    counters.activity += k
    return pa.table(
        {
            "activity_id": key_array("A", numbers, 9),
            "counterparty_id": keys.take(pa.array(e.who)),
            "activity_date": date_array(e.day),
            "kind": pa.array(np.array(KINDS)[e.kind].tolist(), pa.string()),
            "quantity": decimal_array(e.minutes * 1000, 3),
            "manager_id": manager_keys.take(pa.array(owners[e.who])),
            "order_id": pa.nulls(k, pa.string()),
        }
    )


def winning_activities(
    buyers: Buyers,
    buyer_keys: pa.Array,
    manager_keys: pa.Array,
    counters: Counters,
    rate_cents: np.ndarray,
    rng: np.random.Generator,
    start: int,
) -> tuple[pa.Table, np.ndarray]:
    """The calls and visits that won each customer acquired in the window (from its record's creation to
    the day before its first order, inside the window), and their cost per buyer in cents."""
    won = np.flatnonzero(buyers.first_on_acquired)
    lo = np.maximum(buyers.created[won], start)
    e = effort(~buyers.spontaneous[won], lo, buyers.acquired[won], rng)
    table = activities_table(e, buyer_keys.take(pa.array(won)), buyers.owner[won], manager_keys, counters)
    cost = np.zeros(len(buyers))
    cost[won] = e.cost_cents(rate_cents, len(won))
    return table, cost


@dataclass
class Pipeline:
    """What the pipeline adds: lost prospects with their contacts, activities and freshness rows, the open
    prospects' attributes, the campaigns, and the truth rows (``prospect_kind``)."""

    counterparties: pa.Table
    contacts: pa.Table
    activities: pa.Table
    open_columns: dict[str, list[str]]
    campaigns: pa.Table
    truth: Truth


def lost_prospects(
    story: Story,
    buyers: Buyers,
    ids: Identities,
    counterparties: pa.Table,
    contacts: int,
    n_open: int,
    manager_keys: pa.Array,
    counters: Counters,
    rng: np.random.Generator,
    start: int,
    end: int,
) -> Pipeline:
    """The prospects never won beside the customers won, the open prospects' kinds, and the campaigns.

    ``counterparties`` is the table so far (customers, duplicates, the ``n_open`` open prospects,
    suppliers, in that order) and ``contacts`` the number of contacts so far.
    """
    segs = story.segments
    won = np.flatnonzero(buyers.first_on_acquired)
    rate = conversion_rate(story, buyers.segment[won], ~buyers.spontaneous[won])
    source = np.repeat(won, rng.poisson((1 - rate) / rate))
    n = len(source)
    kind = buyers.segment[source].astype(np.int64)
    jitter = rng.integers(-SAME_LIST_DAYS, SAME_LIST_DAYS + 1, size=n)
    latest = end - GIVEN_UP_AFTER[1]
    created = np.clip(buyers.created[source] + jitter, start, max(start, latest))
    given_up = np.minimum(created + rng.integers(*GIVEN_UP_AFTER, size=n), end)
    attrs = _attributes(story, kind, buyers.spontaneous[source], rng)
    owner = sales_managers(story)[rng.integers(0, len(sales_managers(story)), size=n)]

    total = counterparties.num_rows
    width = max(6, len(str(total)))
    keys = key_array("C", total + 1 + np.arange(n), width)
    lost_ids = draw_identities(n, rng, taken=frozenset(ids.core))
    col: dict[str, list[object]] = {f: list(getattr(lost_ids, f)) for f in IDENTITY_FIELDS}
    col["industry"] = list(attrs.pop("industry"))
    truth = blank_fields(story, owner, col, keys.to_pylist(), rng)
    table = _counterparty_rows(counterparties.schema, keys, lost_ids.country, col, attrs, owner, created)

    e = effort(
        np.array([m == "targeted" for m in attrs["acquisition_mode"]], dtype=bool), created, given_up, rng
    )
    activities = activities_table(e, keys, owner, manager_keys, counters)
    people = draw_contacts(lost_ids, np.arange(n), np.ones(n, dtype=np.int64), rng)
    contact_rows = pa.table(
        {
            "contact_id": key_array("K", contacts + 1 + np.arange(n), 7),
            "counterparty_id": keys.take(pa.array(people["counterparty"], pa.int64())),
            "name": pa.array(people["name"], pa.string()),
            "title": pa.array(people["title"], pa.string()),
            "email": pa.array(people["email"], pa.string()),
            "phone": pa.array(people["phone"], pa.string()),
            "is_primary": pa.array(people["is_primary"], pa.bool_()),
        }
    )

    # the open prospects: a kind drawn from the recent pipeline (customers won and prospects lost)
    n_buyers = len(buyers)
    recent = np.concatenate([kind[created > end - 540], buyers.segment[won][buyers.created[won] > end - 540]])
    weights = np.bincount(recent, minlength=len(segs)).astype(np.float64) + 1e-9
    open_kind = rng.choice(len(segs), size=n_open, p=weights / weights.sum())
    open_spontaneous = rng.random(n_open) < np.array([s.spontaneous for s in segs])[open_kind]
    open_attrs = _attributes(story, open_kind, open_spontaneous, rng)
    open_keys = counterparties["counterparty_id"].slice(n_buyers, n_open).to_pylist()

    truth += [
        (k, "prospect_kind", f"{segs[s].name}; lost")
        for k, s in zip(keys.to_pylist(), kind.tolist(), strict=True)
    ]
    truth += [
        (k, "prospect_kind", f"{segs[s].name}; open")
        for k, s in zip(open_keys, open_kind.tolist(), strict=True)
    ]
    return Pipeline(
        counterparties=table,
        contacts=contact_rows,
        activities=activities,
        open_columns=open_attrs,
        campaigns=campaigns_table(story, rng),
        truth=truth,
    )


def conversion_rate(story: Story, kind: np.ndarray, targeted: np.ndarray) -> np.ndarray:
    """The probability that a prospect of ``kind`` (segment indexes) converts: its segment's rate, times
    ``targeted_conversion_lift`` (at most 0.9) when it was chosen for its profile.

    Example:
        >>> conversion_rate(Story(customers=10), np.array([2, 2]), np.array([False, True])).round(2).tolist()
        [0.3, 0.45]
    """
    base = np.array([s.conversion for s in story.segments])[kind]
    return np.where(targeted, np.minimum(base * story.targeted_conversion_lift, 0.9), base)


def _attributes(
    story: Story, kind: np.ndarray, spontaneous: np.ndarray, rng: np.random.Generator
) -> dict[str, list[str]]:
    """Mode, channel, size band and industry of prospects of ``kind`` (segment indexes), drawn as the
    customers' are."""
    segs = story.segments
    n = len(kind)
    channel = np.where(
        spontaneous,
        np.array(SPONTANEOUS_CHANNELS)[rng.integers(0, len(SPONTANEOUS_CHANNELS), size=n)],
        np.array(TARGETED_CHANNELS)[rng.integers(0, len(TARGETED_CHANNELS), size=n)],
    )
    pick = rng.random(n)
    size = [
        segs[k].size_bands[int(p * len(segs[k].size_bands))]
        for k, p in zip(kind.tolist(), pick.tolist(), strict=True)
    ]
    return {
        "acquisition_mode": ["spontaneous" if s else "targeted" for s in spontaneous.tolist()],
        "acquisition_channel": channel.tolist(),
        "size_band": size,
        "industry": np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), size=n)].tolist(),
    }


def _counterparty_rows(
    schema: pa.Schema,
    keys: pa.Array,
    country: np.ndarray,
    col: dict[str, list[object]],
    attrs: dict[str, list[str]],
    owner: np.ndarray,
    created: np.ndarray,
) -> pa.Table:
    """The lost prospects as counterparty rows with the columns of ``schema`` (the rest left empty)."""
    n = len(keys)
    values: dict[str, pa.Array] = {
        "counterparty_id": keys,
        "roles": pa.array(["prospect"] * n, pa.string()),
        "status": pa.array(["lost"] * n, pa.string()),
        "owner_id": pa.array([f"M{o + 1:02d}" for o in owner.tolist()], pa.string()),
        "country": pa.array([COUNTRIES[int(c)].code for c in country.tolist()], pa.string()),
        "created_at": date_array(created),
        **{f: pa.array(v, pa.string()) for f, v in col.items()},
        **{f: pa.array(v, pa.string()) for f, v in attrs.items()},
    }
    return pa.table(
        {f.name: values[f.name].cast(f.type) if f.name in values else pa.nulls(n, f.type) for f in schema},
        schema=schema,
    )


def with_open_attributes(counterparties: pa.Table, columns: dict[str, list[str]], first: int) -> pa.Table:
    """``counterparties`` with the open prospects' rows (from row ``first`` on) given ``columns``."""
    for name, values in columns.items():
        i = counterparties.schema.get_field_index(name)
        old = counterparties[name].to_pylist()
        old[first : first + len(values)] = values
        counterparties = counterparties.set_column(
            i, name, pa.array(old, counterparties.schema.field(name).type)
        )
    return counterparties


def campaigns_table(story: Story, rng: np.random.Generator) -> pa.Table:
    """Campaigns that tile the window per channel (a last, shorter one costs its share of days), their
    cost scaled to the company's size with +-20 % noise."""
    rows: list[tuple[str, str, str | None, dt.date, dt.date, int, str]] = []
    scale = story.customers / 5000
    for channel, mode, months, cost, prefix, name in CAMPAIGNS:
        first = story.start_date
        while first <= story.end_date:
            nxt = _add_months(first, months)
            last = min(nxt - dt.timedelta(days=1), story.end_date)
            share = ((last - first).days + 1) / (nxt - first).days
            cents = round(cost * scale * share * rng.uniform(0.8, 1.2) * 100)
            rows.append(
                (f"{prefix}-{first:%Y%m}", channel, mode, first, last, cents, f"{name} {first:%b %Y}")
            )
            first = nxt
    return pa.table(
        {
            "campaign_id": pa.array([r[0] for r in rows], pa.string()),
            "channel": pa.array([r[1] for r in rows], pa.string()),
            "mode": pa.array([r[2] for r in rows], pa.string()),
            "start": pa.array([r[3] for r in rows], pa.date32()),
            "end": pa.array([r[4] for r in rows], pa.date32()),
            "cost": decimal_array(np.array([r[5] for r in rows], dtype=np.int64), 2),
            "name": pa.array([r[6] for r in rows], pa.string()),
        }
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after ``day``'s month.

    Example:
        >>> _add_months(dt.date(2023, 11, 1), 3)
        datetime.date(2024, 2, 1)
    """
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
