"""Generate the demo company as Arrow tables (one per schema table) plus the planted truth.

Deterministic: the same story and seed give byte-identical tables. Facts are generated in chunks of
customers (``Story.chunk_customers``), each chunk with its own seeded generator, so memory stays bounded
and 10M order lines are reachable.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import sqlalchemy as sa

from clientbase import schema
from clientbase.demo.arrays import date_array, day_number, decimal_array, key_array, string_array
from clientbase.demo.catalogue import (
    KIND_INDEX,
    KINDS,
    build_catalogue,
    cost_drivers_table,
    settings_table,
)
from clientbase.demo.counterparties import build_counterparties
from clientbase.demo.identity import Identities, draw_contacts, draw_identities
from clientbase.demo.people import managers_table
from clientbase.demo.pipeline import lost_prospects, pipeline_rng, winning_activities, with_open_attributes
from clientbase.demo.population import Buyers, draw_buyers, sales_managers
from clientbase.demo.story import Story
from clientbase.demo.transactions import Counters, generate_chunk
from clientbase.demo.verification import field_verification
from clientbase.errors import ConfigurationError

#: order lines per customer per year at intensity 1 with the default segments (measured; used to size
#: ``lines=`` requests)
LINES_PER_CUSTOMER_YEAR = 63.0

#: called as progress(step, done, total)
Progress = Callable[[str, int, int], None]


@dataclass
class DemoData:
    """The generated company: exchange tables in load order, the planted truth (``demo_truth``) and when
    each counterparty field was last verified (``field_verification``, not part of the exchange format)."""

    story: Story
    tables: dict[str, pa.Table]
    truth: pa.Table
    verification: pa.Table

    @property
    def order_lines(self) -> int:
        return self.tables["order_lines"].num_rows


def story_for(
    customers: int | None = None,
    years: int = 3,
    seed: int = 42,
    *,
    lines: int | None = None,
    end_date: date | None = None,
) -> Story:
    """The default story resized: ``lines`` (about that many order lines) sets the customers when they are
    not given, or the purchase intensity when they are.

    Example:
        >>> story_for(lines=1_000_000, years=3).customers
        5291
    """
    base = Story()
    changes: dict[str, object] = {"years": years, "seed": seed}
    if end_date is not None:
        changes["end_date"] = end_date
    if lines is not None and lines <= 0:
        raise ConfigurationError(f"lines must be positive (got {lines}); e.g. --lines 1000000")
    if years < 1:
        raise ConfigurationError(f"years must be at least 1 (got {years})")
    if customers is None:
        customers = (
            base.customers if lines is None else max(10, round(lines / (LINES_PER_CUSTOMER_YEAR * years)))
        )
    elif lines is not None:
        changes["intensity"] = lines / (LINES_PER_CUSTOMER_YEAR * years * customers)
    changes["customers"] = customers
    return base.with_(**changes)


def generate(
    customers: int | None = None,
    years: int = 3,
    seed: int = 42,
    *,
    lines: int | None = None,
    end_date: date | None = None,
    story: Story | None = None,
    progress: Progress | None = None,
) -> DemoData:
    """Generate the demo company.

    Args:
        customers: customers to generate (default 5,000; prospects, suppliers and duplicates come on top).
        years: length of the sales window, ending at ``end_date``.
        seed: the seed; the same seed gives byte-identical tables.
        lines: about this many order lines (sets ``customers`` when not given, else the purchase intensity).
        end_date: last day of the data (default 2026-10-31).
        story: a full :class:`Story` instead of the arguments above.
        progress: called as ``progress(step, done, total)`` while the facts are generated.

    Example:
        >>> data = generate(customers=50, years=1, seed=1)
        >>> sorted(data.tables)[:3]
        ['activities', 'contacts', 'cost_drivers']
        >>> data.tables["order_lines"].num_rows > 0
        True
    """
    story = story or story_for(customers, years, seed, lines=lines, end_date=end_date)
    report = progress or (lambda step, done, total: None)
    root = np.random.SeedSequence(story.seed)
    rng_cat, rng_pop, rng_id, rng_rest = (np.random.default_rng(s) for s in root.spawn(4))
    start, end = day_number(story.start_date), day_number(story.end_date)

    catalogue = build_catalogue(story, rng_cat)
    buyers = draw_buyers(story, rng_pop)
    n = story.customers
    n_pros = round(n * story.prospect_share)
    n_sup = max(1, round(n * story.supplier_share))
    ids = draw_identities(n + n_pros + n_sup, rng_id)

    # Keys by creation date, so duplicates and prospects are not told apart by their number.
    created = np.concatenate(
        [
            buyers.created,
            end - rng_rest.integers(0, 540, size=n_pros),
            start - rng_rest.integers(400, 4000, size=n_sup),
        ]
    )
    total = len(created)
    rank = np.empty(total, dtype=np.int64)
    rank[np.lexsort((np.arange(total), created))] = np.arange(total)
    width = max(6, len(str(total)))
    cp_keys = key_array("C", rank + 1, width)
    manager_keys = key_array("M", np.arange(1, story.managers + 1), 2)

    # -- facts, chunk by chunk ------------------------------------------------------------------------
    counters = Counters()
    chunk = story.chunk_customers
    bounds = [*range(0, len(buyers), chunk), len(buyers)]
    parts: dict[str, list[pa.Table]] = {}
    last_order = np.empty(len(buyers), dtype=np.int64)
    first_order = np.empty(len(buyers), dtype=np.int64)
    contribution = np.empty(len(buyers))
    buyer_keys = cp_keys.slice(0, len(buyers))
    for i, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        rng = np.random.default_rng(np.random.SeedSequence([story.seed, 1, i]))
        result = generate_chunk(
            story,
            buyers.take(slice(lo, hi)),
            buyer_keys.slice(lo, hi - lo),
            manager_keys,
            catalogue,
            counters,
            rng,
            start,
            end,
        )
        for name, table in result.tables.items():
            parts.setdefault(name, []).append(table)
        last_order[lo:hi] = result.last_order
        first_order[lo:hi] = result.first_order
        contribution[lo:hi] = result.contribution
        report("order lines", hi, len(buyers))

    # prospects are worked too: calls and the odd visit while in the pipeline
    managers = sales_managers(story)
    prospect_owner = managers[rng_rest.integers(0, len(managers), size=n_pros)]
    parts["activities"].append(
        _prospect_activities(
            rng_rest, cp_keys.slice(len(buyers), n_pros), prospect_owner, manager_keys, counters, end
        )
    )

    # what it took to win the customers acquired in the window: calls and visits before the first order
    rng_pipeline = pipeline_rng(story)
    winning, winning_cost = winning_activities(
        buyers, buyer_keys, manager_keys, counters, catalogue.rate_cents, rng_pipeline, start
    )
    parts["activities"].append(winning)
    contribution -= winning_cost

    cps, truth_rows = build_counterparties(
        story,
        buyers,
        ids,
        cp_keys,
        created,
        last_order,
        first_order,
        contribution,
        prospect_owner,
        rng_rest,
        end,
    )
    contacts = _contacts(ids, buyers, n_pros, n_sup, cp_keys, rng_rest)
    verification, stale_truth = field_verification(story, cps, rng_rest)
    truth_rows += stale_truth

    # the prospects never won, the open prospects' profiles and the campaigns (demo/pipeline.py)
    pipe = lost_prospects(
        story, buyers, ids, cps, contacts.num_rows, n_pros, manager_keys, counters, rng_pipeline, start, end
    )
    lost_verification, lost_stale = field_verification(story, pipe.counterparties, rng_pipeline)
    cps = pa.concat_tables([with_open_attributes(cps, pipe.open_columns, len(buyers)), pipe.counterparties])
    contacts = pa.concat_tables([contacts, pipe.contacts])
    verification = pa.concat_tables([verification, lost_verification])
    parts["activities"].append(pipe.activities)
    truth_rows += lost_stale + pipe.truth
    tables = {
        "settings": settings_table(story),
        "managers": managers_table(story),
        "cost_drivers": cost_drivers_table(),
        "products": catalogue.products,
        "counterparties": cps,
        "contacts": contacts,
        **{name: pa.concat_tables(p) for name, p in parts.items()},
        "campaigns": pipe.campaigns,
    }
    tables = {name: conform(tables[name], name) for name in _load_order()}
    truth = conform(
        pa.table(
            {
                "counterparty_id": string_array([r[0] for r in truth_rows]),
                "cause": string_array([r[1] for r in truth_rows]),
                "detail": string_array([r[2] for r in truth_rows]),
            }
        ).sort_by([("counterparty_id", "ascending"), ("cause", "ascending")]),
        "demo_truth",
    )
    return DemoData(story=story, tables=tables, truth=truth, verification=verification)


def _load_order() -> list[str]:
    return [t.name for t in schema.EXCHANGE_TABLES]


def arrow_type(column: sa.Column[object]) -> pa.DataType:
    """The Arrow type of a schema column: decimals as decimal128(18, scale), dates as date32."""
    t = column.type
    if isinstance(t, sa.Numeric):
        return pa.decimal128(t.precision or 18, t.scale or 0)
    if isinstance(t, sa.Boolean):
        return pa.bool_()
    if isinstance(t, sa.Integer):
        return pa.int32()
    if isinstance(t, sa.Date):
        return pa.date32()
    if isinstance(t, sa.DateTime):
        return pa.timestamp("us")
    return pa.string()


def conform(table: pa.Table, name: str) -> pa.Table:
    """``table`` with exactly the schema's columns of ``name`` in schema order and types (internal columns
    the generator does not fill are left out)."""
    columns = schema.metadata.tables[name].columns
    fields, arrays = [], []
    for c in columns:
        if c.name not in table.column_names:
            continue
        fields.append(pa.field(c.name, arrow_type(c)))
        arrays.append(table[c.name].cast(arrow_type(c)))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _prospect_activities(
    rng: np.random.Generator,
    keys: pa.Array,
    owners: np.ndarray,
    manager_keys: pa.Array,
    counters: Counters,
    end: int,
) -> pa.Table:
    m = len(keys)
    calls = 1 + rng.poisson(2.0, size=m)
    who = np.repeat(np.arange(m), calls)
    k = len(who)
    day = end - rng.integers(0, 365, size=k)
    visit = rng.random(k) < 0.1
    kind = np.where(visit, KIND_INDEX["visit"], KIND_INDEX["call"])
    minutes = np.where(visit, rng.integers(45, 120, size=k), rng.integers(5, 25, size=k))
    order = np.lexsort((day, who))
    who, day, kind, minutes = who[order], day[order], kind[order], minutes[order]
    act_no = counters.activity + np.arange(k)
    counters.activity += k
    return pa.table(
        {
            "activity_id": key_array("A", act_no, 9),
            "counterparty_id": keys.take(pa.array(who)),
            "activity_date": date_array(day),
            "kind": pa.array(np.array(KINDS)[kind].tolist(), pa.string()),
            "quantity": decimal_array(minutes * 1000, 3),
            "manager_id": manager_keys.take(pa.array(owners[who])),
            "order_id": pa.nulls(k, pa.string()),
        }
    )


def _contacts(
    ids: Identities, buyers: Buyers, n_pros: int, n_sup: int, cp_keys: pa.Array, rng: np.random.Generator
) -> pa.Table:
    n = int((buyers.duplicate_of < 0).sum())
    counts = np.concatenate(
        [
            1 + rng.poisson(np.where(buyers.segment[:n] == 0, 2.0, 0.5)),
            np.ones(n_pros + n_sup, dtype=np.int64),
        ]
    )
    people = draw_contacts(ids, np.arange(n + n_pros + n_sup), counts, rng)
    # identities are numbered customers, prospects, suppliers; keys skip the duplicates after the customers
    entity = np.array(people["counterparty"], dtype=np.int64)
    key_index = np.where(entity < n, entity, entity + len(buyers) - n)
    k = len(entity)
    return pa.table(
        {
            "contact_id": key_array("K", np.arange(1, k + 1), 7),
            "counterparty_id": cp_keys.take(pa.array(key_index)),
            "name": pa.array(people["name"], pa.string()),
            "title": pa.array(people["title"], pa.string()),
            "email": pa.array(people["email"], pa.string()),
            "phone": pa.array(people["phone"], pa.string()),
            "is_primary": pa.array(people["is_primary"], pa.bool_()),
        }
    )
