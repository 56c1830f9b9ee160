"""What the quality audit checks and how it weighs it: the documented weights, ages and thresholds.

A record's score is ``100 x`` the weighted sum of five parts, each between 0 and 1:

=============  ======  =============================================================================
part           weight  1 means
=============  ======  =============================================================================
completeness   0.30    every required field (weight 2) and recommended field (weight 1) is filled
validity       0.25    every filled field passes the registry's rules (formats, enums, references)
freshness      0.20    every filled field with a maximum age was set or verified within it
uniqueness     0.15    the record is in no cluster of likely duplicates
consistency    0.10    no contradiction with the facts (each one found takes 0.5)
=============  ======  =============================================================================

Scores of a manager, of a field and overall are means over the records (fields: the mean of the field's
completeness, validity and freshness where they apply).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Criteria:
    """The audit's settings; the defaults are the documented ones."""

    weights: dict[str, float] = field(
        default_factory=lambda: {
            "completeness": 0.30,
            "validity": 0.25,
            "freshness": 0.20,
            "uniqueness": 0.15,
            "consistency": 0.10,
        }
    )
    #: filled in a good record though no rule requires them
    recommended: tuple[str, ...] = (
        "email",
        "phone",
        "address",
        "postcode",
        "city",
        "tax_id",
        "registration_id",
        "industry",
        "size_band",
        "segment",
    )
    #: field -> days after which a value neither changed nor verified is stale
    max_age_days: dict[str, int] = field(
        default_factory=lambda: {
            "phone": 365,
            "email": 365,
            "address": 730,
            "postcode": 730,
            "city": 730,
            "owner_id": 365,
            "payment_days": 180,
            "discount_pct": 180,
            "credit_limit": 180,
            "price_list": 180,
        }
    )
    #: an active record with no order for this many days is inconsistent
    inactive_days: int = 548
    #: agreed payment days vs the median actually given on invoices (last 12 months): allowed difference
    payment_days_tolerance: int = 5
    #: agreed discount vs the depth actually given on order lines (last 12 months): allowed difference, points
    discount_tolerance_pp: float = 2.0
    #: look-back window of the facts compared with the agreed terms, and of the customer value
    facts_window_days: int = 365
    #: records listed per manager in the work list
    work_list_size: int = 10

    def __post_init__(self) -> None:
        total = sum(self.weights.values())
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"The quality weights must add up to 1, they add up to {total}.")
