"""The wholesaler's catalogue, its cost drivers and settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from clientbase.demo.arrays import decimal_array, key_array, string_array
from clientbase.demo.story import Story

#: (kind, unit, rate in EUR, yearly cost pool or None, practical capacity per year or None)
COST_DRIVERS: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("visit", "minute", "1.200000", "420000.00", "350000"),
    ("call", "minute", "0.900000", "180000.00", "200000"),
    ("delivery", "event", "28.000000", None, None),
    ("order_handling", "event", "14.000000", "210000.00", "15000"),
    ("order_line_handling", "event", "1.800000", None, None),
    ("rush_order", "event", "45.000000", None, None),
    ("special_request", "event", "35.000000", None, None),
    ("returns_handling", "event", "22.000000", None, None),
    ("support_ticket", "event", "30.000000", "96000.00", "3200"),
)
KINDS = tuple(d[0] for d in COST_DRIVERS)
KIND_INDEX = {kind: i for i, kind in enumerate(KINDS)}
RATES_VALID_FROM = date(2020, 1, 1)
FINANCING_RATE = "0.08"
CURRENCY = "EUR"

#: category -> (median list price EUR, product name nouns)
CATEGORIES: dict[str, tuple[float, tuple[str, ...]]] = {
    "power_tools": (180.0, ("Cordless drill", "Angle grinder", "Impact driver", "Circular saw", "Jigsaw")),
    "hand_tools": (25.0, ("Hammer", "Screwdriver set", "Pliers", "Spirit level", "Utility knife")),
    "fasteners": (8.0, ("Wood screws", "Wall plugs", "Hex bolts", "Washers", "Anchor bolts")),
    "electrical": (30.0, ("Cable reel", "Junction box", "Circuit breaker", "Socket outlet", "Cable ties")),
    "plumbing": (40.0, ("Ball valve", "Pipe fitting", "Mixer tap", "PEX pipe", "Siphon")),
    "safety": (20.0, ("Safety glasses", "Work gloves", "Ear defenders", "Hard hat", "Dust mask")),
    "adhesives": (12.0, ("Silicone sealant", "Construction adhesive", "Wood glue", "Epoxy", "Tape")),
    "paint": (35.0, ("Primer", "Wall paint", "Wood stain", "Spray paint", "Paint roller")),
    "garden": (60.0, ("Garden hose", "Hedge trimmer", "Wheelbarrow", "Rake", "Sprinkler")),
    "storage": (90.0, ("Tool box", "Shelving unit", "Storage bin", "Tool cabinet", "Wall rack")),
    "lighting": (45.0, ("LED panel", "Work light", "Flood light", "LED tube", "Head torch")),
    "workwear": (30.0, ("Work trousers", "Safety boots", "Hi-vis vest", "Fleece jacket", "Knee pads")),
}
SPECS = ("Pro", "Basic", "XL", "Compact", "Heavy duty", "Eco", "Plus", "Mini", "Max", "Standard")


@dataclass
class Catalogue:
    """Products as arrays (current prices in cents) and the cost-driver rates the generator prices with."""

    keys: pa.Array
    list_cents: np.ndarray
    cost_cents: np.ndarray
    popularity: np.ndarray
    kinds: tuple[str, ...]
    rate_cents: np.ndarray
    financing_rate: float
    products: pa.Table


def build_catalogue(story: Story, rng: np.random.Generator) -> Catalogue:
    """Draw ``story.products`` products in the categories above, with skewed popularity."""
    n = story.products
    names = list(CATEGORIES)
    cat = rng.integers(0, len(names), size=n)
    median = np.array([CATEGORIES[c][0] for c in names])[cat]
    list_cents = np.maximum(np.rint(median * rng.lognormal(0.0, 0.6, size=n) * 100), 50).astype(np.int64)
    cost_cents = np.rint(list_cents * rng.uniform(0.55, 0.75, size=n)).astype(np.int64)
    rank = rng.permutation(n) + 1
    popularity = 1.0 / rank**0.9
    popularity /= popularity.sum()
    noun = rng.integers(0, 5, size=n)
    spec = rng.integers(0, len(SPECS), size=n)
    product_names = [
        f"{CATEGORIES[names[c]][1][w]} {SPECS[s]} {i + 1:04d}"
        for i, (c, w, s) in enumerate(zip(cat.tolist(), noun.tolist(), spec.tolist(), strict=True))
    ]
    keys = key_array("P-", np.arange(1001, 1001 + n), 4)
    products = pa.table(
        {
            "product_id": keys,
            "name": string_array(product_names),
            "category": string_array([names[c] for c in cat.tolist()]),
            "list_price": decimal_array(list_cents * 100, 4),
            "unit_cost": decimal_array(cost_cents * 100, 4),
        }
    )
    rates = np.array([float(d[2]) * 100 for d in COST_DRIVERS])
    return Catalogue(
        keys=keys,
        list_cents=list_cents,
        cost_cents=cost_cents,
        popularity=popularity,
        kinds=KINDS,
        rate_cents=rates,
        financing_rate=float(FINANCING_RATE),
        products=products,
    )


def cost_drivers_table() -> pa.Table:
    """The cost-driver rates: per event, or per minute of capacity (time-driven ABC)."""
    from decimal import Decimal

    def dec(values: list[str | None], scale: int) -> pa.Array:
        return pa.array([None if v is None else Decimal(v) for v in values], pa.decimal128(18, scale))

    return pa.table(
        {
            "kind": pa.array(KINDS, pa.string()),
            "valid_from": pa.array([RATES_VALID_FROM] * len(KINDS), pa.date32()),
            "valid_to": pa.array([None] * len(KINDS), pa.date32()),
            "unit": pa.array([d[1] for d in COST_DRIVERS], pa.string()),
            "rate": dec([d[2] for d in COST_DRIVERS], 6),
            "cost_pool": dec([d[3] for d in COST_DRIVERS], 2),
            "practical_capacity": dec([d[4] for d in COST_DRIVERS], 3),
        }
    )


def settings_table(story: Story) -> pa.Table:
    """Currency, annual financing rate, and the date the demo's data ends (the analysis date)."""
    return pa.table(
        {
            "key": pa.array(["currency", "financing_rate_annual", "as_of_date"], pa.string()),
            "value": pa.array([CURRENCY, FINANCING_RATE, story.end_date.isoformat()], pa.string()),
        }
    )
