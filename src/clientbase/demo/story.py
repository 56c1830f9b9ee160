"""The parameters of the demo company's story, in one place (documented in ``docs/demo.md``).

A B2B wholesaler whose revenue grows about 10 % a year while its net profit falls, for causes planted on
purpose: discount creep in retained key accounts, a growing tail of small customers with many small orders,
late payers on long terms, returns, and two acquisition modes with different results.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from clientbase.errors import ConfigurationError


@dataclass(frozen=True)
class Segment:
    """How one kind of customer buys, is served and pays. Rates are per year, means are of the draws."""

    name: str
    #: share of the customers in this segment
    share: float
    #: probability that a customer of the segment came by cold calling (``spontaneous``)
    spontaneous: float
    #: growth rate of the acquisition intensity over history and window (per year; 0 = steady)
    acquisition_growth: float
    #: purchase rate (orders/year): gamma with this mean and shape (heterogeneous, Pareto/NBD-like)
    order_rate: float
    order_rate_shape: float
    #: dropout rate (per year): gamma with this mean and shape; lifetime ~ exponential(dropout)
    dropout: float
    dropout_shape: float
    #: mean lines per order and mean units per line
    lines: float
    units: float
    #: agreed discount off list, drawn uniformly in this range (percent)
    discount: tuple[float, float]
    #: payment terms offered (days), one drawn per customer
    payment_days: tuple[int, ...]
    #: probability of being a late payer (paying long after the due date)
    late_payer: float
    #: per order: probability of a return, a rush order, a special request; mean extra deliveries
    returns: float
    rush: float
    special: float
    extra_deliveries: float
    #: per year: visits, calls, support tickets; minutes per visit and per call
    visits: float
    visit_minutes: float
    calls: float
    call_minutes: float
    tickets: float
    size_bands: tuple[str, ...]
    segment_label: str
    #: probability that a spontaneous prospect of this kind becomes a customer (``demo/pipeline.py``)
    conversion: float = 0.3


def _segments() -> tuple[Segment, ...]:
    return (
        Segment(
            name="key_account",
            share=0.06,
            spontaneous=0.0,
            acquisition_growth=-0.02,
            order_rate=52.0,
            order_rate_shape=4.0,
            dropout=0.08,
            dropout_shape=2.0,
            lines=14.0,
            units=6.0,
            discount=(7.0, 12.0),
            payment_days=(30, 45, 60),
            late_payer=0.05,
            returns=0.02,
            rush=0.03,
            special=0.04,
            extra_deliveries=0.05,
            visits=10.0,
            visit_minutes=90.0,
            calls=24.0,
            call_minutes=15.0,
            tickets=2.0,
            size_bands=("key", "key", "key", "large"),
            segment_label="key_accounts",
            conversion=0.5,
        ),
        Segment(
            name="targeted_mid",
            share=0.30,
            spontaneous=0.1,
            acquisition_growth=0.03,
            order_rate=24.0,
            order_rate_shape=2.0,
            dropout=0.15,
            dropout_shape=2.0,
            lines=7.0,
            units=3.0,
            discount=(5.0, 10.0),
            payment_days=(30, 30, 45),
            late_payer=0.06,
            returns=0.03,
            rush=0.04,
            special=0.05,
            extra_deliveries=0.1,
            visits=6.0,
            visit_minutes=60.0,
            calls=10.0,
            call_minutes=12.0,
            tickets=1.0,
            size_bands=("medium", "large", "medium"),
            segment_label="installers",
            conversion=0.45,
        ),
        Segment(
            name="spontaneous_small",
            share=0.40,
            spontaneous=0.75,
            acquisition_growth=0.3,
            order_rate=14.0,
            order_rate_shape=1.2,
            dropout=0.35,
            dropout_shape=1.5,
            lines=3.0,
            units=2.0,
            discount=(0.0, 4.0),
            payment_days=(14, 30, 30),
            late_payer=0.12,
            returns=0.05,
            rush=0.1,
            special=0.15,
            extra_deliveries=0.5,
            visits=0.5,
            visit_minutes=45.0,
            calls=6.0,
            call_minutes=10.0,
            tickets=1.0,
            size_bands=("small", "micro", "small"),
            segment_label="resellers",
            conversion=0.3,
        ),
        Segment(
            name="small_order_tail",
            share=0.24,
            spontaneous=0.9,
            acquisition_growth=0.45,
            order_rate=48.0,
            order_rate_shape=2.0,
            dropout=0.3,
            dropout_shape=1.5,
            lines=1.6,
            units=2.0,
            discount=(0.0, 3.0),
            payment_days=(14, 30),
            late_payer=0.15,
            returns=0.07,
            rush=0.3,
            special=0.3,
            extra_deliveries=0.8,
            visits=0.5,
            visit_minutes=45.0,
            calls=12.0,
            call_minutes=12.0,
            tickets=3.0,
            size_bands=("micro", "small", "micro"),
            segment_label="small_trade",
            conversion=0.4,
        ),
    )


@dataclass(frozen=True)
class Story:
    """Everything that shapes the demo company. Same story and seed -> byte-identical tables.

    Example:
        >>> Story(customers=300, years=2, seed=1).window_days
        730
    """

    customers: int = 5000
    years: int = 3
    seed: int = 42
    end_date: date = date(2026, 10, 31)
    #: multiplies every purchase rate; ``lines=`` of :func:`~clientbase.demo.generate.generate` sets it
    intensity: float = 1.0
    #: years of customer acquisition before the window (the existing base comes from them)
    history_years: float = 10.0
    products: int = 600
    managers: int = 10
    #: prospects in the pipeline, per customer
    prospect_share: float = 0.12
    #: pure suppliers, per customer
    supplier_share: float = 0.01
    #: a targeted prospect (chosen for its profile) converts this many times as often as a spontaneous one
    #: of the same kind (``Segment.conversion``), at most 0.9
    targeted_conversion_lift: float = 1.5
    #: share of counterparties entered a second time (with variations) by another manager
    duplicate_rate: float = 0.03
    #: retained key accounts whose discount creeps up; creep in percentage points per year
    discount_creep_share: float = 0.8
    discount_creep_pp: tuple[float, float] = (4.0, 7.0)
    #: late payers are this many days late on average (drawn per customer)
    late_days: tuple[float, float] = (25.0, 70.0)
    #: payment terms of late payers (long terms)
    late_payment_days: tuple[int, ...] = (60, 90)
    #: share of invoices paid in two parts; share of a late payer's invoices never paid
    partial_payments: float = 0.03
    bad_debt: float = 0.01
    #: price inflation per year on list prices and unit costs
    inflation: float = 0.02
    #: data habits: share of the sloppy manager's records with blank fields, of the stale manager's with
    #: stale values
    blank_share: float = 0.6
    stale_share: float = 0.7
    #: customers generated per chunk (bounds memory at large scale)
    chunk_customers: int = 20000
    segments: tuple[Segment, ...] = field(default_factory=_segments)

    def __post_init__(self) -> None:
        problems = []
        if self.customers < 10:
            problems.append(f"customers must be at least 10 (got {self.customers})")
        if not 1 <= self.years <= 20:
            problems.append(f"years must be between 1 and 20 (got {self.years})")
        if self.intensity <= 0:
            problems.append(f"intensity must be positive (got {self.intensity})")
        if not 0 <= self.duplicate_rate <= 0.5:
            problems.append(f"duplicate_rate must be between 0 and 0.5 (got {self.duplicate_rate})")
        if not 6 <= self.managers <= 99:
            problems.append(
                f"managers must be between 6 and 99 (head, analyst, four with data habits; got {self.managers})"
            )
        if self.products < 20:
            problems.append(f"products must be at least 20 (got {self.products})")
        if abs(sum(s.share for s in self.segments) - 1.0) > 1e-9:
            problems.append("segment shares must add up to 1")
        if problems:
            raise ConfigurationError("Invalid demo story: " + "; ".join(problems))

    @property
    def window_days(self) -> int:
        """Length of the sales window in days (365 per year)."""
        return 365 * self.years

    @property
    def start_date(self) -> date:
        """First day of the sales window."""
        return date.fromordinal(self.end_date.toordinal() - self.window_days + 1)

    def with_(self, **changes: object) -> Story:
        """A copy with some parameters changed."""
        return replace(self, **changes)  # type: ignore[arg-type]
