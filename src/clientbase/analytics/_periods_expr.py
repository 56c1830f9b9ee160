"""Shared Ibis helpers: period membership, exact decimal products."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from clientbase.analytics.period import Period


def in_period(date: ir.DateValue, period: Period) -> ir.BooleanValue:
    """``date`` lies in ``period`` (both ends included)."""
    return (date >= ibis.literal(period.start)) & (date <= ibis.literal(period.end))


def in_any(date: ir.DateValue, periods: Mapping[str, Period]) -> ir.BooleanValue:
    """``date`` lies in at least one of ``periods``."""
    start = min(p.start for p in periods.values())
    end = max(p.end for p in periods.values())
    return (date >= ibis.literal(start)) & (date <= ibis.literal(end))


def product(left: ir.NumericValue, right: ir.NumericValue, scale: int) -> Any:
    """``left * right`` as DECIMAL(38, scale): exact on every engine, and typed alike on every engine."""
    return (left * right).cast(dt.Decimal(38, scale))


def money_sum(value: ir.NumericValue, where: ir.BooleanValue, scale: int) -> Any:
    """The exact sum of ``value`` where ``where`` holds, as DECIMAL(38, scale); 0 when nothing matches.

    The cast comes after the sum: casting every row first costs DuckDB twice the scan.
    """
    return (
        value.sum(where=where)
        .cast(dt.Decimal(38, scale))
        .coalesce(ibis.literal(0).cast(dt.Decimal(38, scale)))
    )
