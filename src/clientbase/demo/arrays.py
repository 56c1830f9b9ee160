"""Turning numpy arrays into typed Arrow columns without a Python loop: exact decimals, dates and keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def day_number(day: date) -> int:
    """Days since 1970-01-01 (the integer behind an Arrow ``date32``).

    Example:
        >>> day_number(date(1970, 1, 2))
        1
    """
    return day.toordinal() - EPOCH_ORDINAL


def decimal_array(scaled: np.ndarray, scale: int, *, mask: np.ndarray | None = None) -> pa.Array:
    """A ``decimal128(18, scale)`` column whose unscaled integers are ``scaled`` (exact, no float step).

    Example:
        >>> decimal_array(np.array([12345, -50]), 2).to_pylist()
        [Decimal('123.45'), Decimal('-0.50')]
    """
    values = np.ascontiguousarray(scaled, dtype=np.int64)
    words = np.empty((len(values), 2), dtype=np.int64)
    words[:, 0] = values
    words[:, 1] = values >> 63  # two's complement sign extension into the high word
    array = pa.Array.from_buffers(pa.decimal128(18, scale), len(values), [None, pa.py_buffer(words)])
    if mask is not None:
        array = pc.if_else(pa.array(mask), pa.scalar(None, array.type), array)
    return array


def date_array(days: np.ndarray, *, mask: np.ndarray | None = None) -> pa.Array:
    """A ``date32`` column from days since 1970-01-01 (``mask`` True = null)."""
    return pa.array(np.ascontiguousarray(days, dtype=np.int32), mask=mask).cast(pa.date32())


def key_array(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Keys like ``C000042``: ``prefix`` then ``numbers`` zero-padded to ``width`` digits (more digits when a
    number needs them). Built straight into Arrow's string buffers: no Python string per key.

    Example:
        >>> key_array("C", np.array([42, 7]), 6).to_pylist()
        ['C000042', 'C000007']
    """
    values = np.asarray(numbers, dtype=np.int64)
    if len(values) and values.min() < 0:
        raise ValueError("key numbers must not be negative")
    largest = int(values.max()) if len(values) else 0
    width = max(width, len(str(largest)))
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    size = len(head) + width
    chars = np.empty((len(values), size), dtype=np.uint8)
    chars[:, : len(head)] = head
    rest = values.copy()
    for position in range(size - 1, len(head) - 1, -1):
        chars[:, position] = 48 + rest % 10
        rest //= 10
    offsets = np.arange(0, (len(values) + 1) * size, size, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), len(values), [None, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes())]
    )


def string_array(values: Sequence[str | None] | np.ndarray, *, mask: np.ndarray | None = None) -> pa.Array:
    """A string column (``mask`` True = null)."""
    array = pa.array(list(values) if not isinstance(values, np.ndarray) else values.tolist(), pa.string())
    if mask is not None:
        array = pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), array)
    return array


def segment_starts(counts: np.ndarray) -> np.ndarray:
    """Start offset of each group in an array laid out group after group with these ``counts``."""
    starts = np.zeros(len(counts), dtype=np.int64)
    if len(counts) > 1:
        np.cumsum(counts[:-1], out=starts[1:])
    return starts


def rank_within(counts: np.ndarray) -> np.ndarray:
    """0, 1, ... within each group of a grouped layout (e.g. line numbers within orders).

    Example:
        >>> rank_within(np.array([2, 3])).tolist()
        [0, 1, 0, 1, 2]
    """
    total = int(counts.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(segment_starts(counts), counts)
