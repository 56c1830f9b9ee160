"""The engine's grouped sums, added up per customer and period in exact integers.

Each fact table comes back from the engine grouped by customer and a few small keys (the span of the
timeline, a due-date bucket, ...), a few rows per customer. :class:`Grouped` adds those rows up per customer
under a condition on the keys — "the spans of the previous period", "paid by its as-of date" — in 64-bit
integers of the column's smallest unit (a DECIMAL(38, 7) sum counts in 10^-7), falling back to Python
integers when 64 bits could overflow, so nothing is rounded before the per-customer total exists.
:func:`by_customer` gives the one sorted index of customers every source is aligned on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clientbase.analytics.money import div_round, group_sum, magnitude
from clientbase.errors import Problem, ValidationError

_INT64_MAX = 2**63 - 1


def unscaled(values: pa.Array | pa.ChunkedArray, scale: int) -> np.ndarray[Any, Any]:
    """Exact numbers as integers counting ``10**-scale`` (nulls as 0): int64, or Python ints beyond it.

    Example:
        >>> from decimal import Decimal as D
        >>> unscaled(pa.array([D("1.5"), D("-0.25"), None], pa.decimal128(38, 2)), 3).tolist()
        [1500, -250, 0]
        >>> unscaled(pa.array([7, None]), 2).tolist()
        [700, 0]
    """
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if pa.types.is_integer(array.type):
        ints = np.asarray(array.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
        return _rescale(ints, scale)
    if not pa.types.is_decimal(array.type) or array.type.bit_width != 128:
        raise TypeError(f"expected an exact number (integer or decimal), got {array.type}")
    have = array.type.scale
    words = np.frombuffer(array.buffers()[1], dtype=np.int64, count=2 * (array.offset + len(array)))
    low, high = words[2 * array.offset :: 2], words[2 * array.offset + 1 :: 2]
    if array.null_count:
        valid = array.is_valid().to_numpy(zero_copy_only=False)
        low, high = np.where(valid, low, 0), np.where(valid, high, 0)
    if np.array_equal(high, low >> 63):  # every value fits in 64 bits
        ints = low.copy()
    else:
        ints = np.array(
            [int(d.scaleb(have)) if d is not None else 0 for d in array.to_pylist()], dtype=object
        )
    if have > scale:
        raise ValueError(f"a sum with {have} decimals cannot be counted in 10^-{scale}")
    return _rescale(ints, scale - have)


def _rescale(ints: np.ndarray[Any, Any], digits: int) -> np.ndarray[Any, Any]:
    if digits == 0:
        return ints
    factor = 10**digits
    if ints.dtype == object or magnitude(ints) > _INT64_MAX // factor:
        return ints.astype(object) * factor
    return ints * factor


def by_customer(
    tables: Mapping[str, pa.Table], column: str = "counterparty_id"
) -> tuple[pa.Array, dict[str, Grouped]]:
    """The sorted ids of every customer in any of ``tables``, and each table's rows with the position of
    their customer among those ids (one hash pass over all the rows).

    Example:
        >>> ids, g = by_customer({"a": pa.table({"counterparty_id": ["B", "A", "B"]}),
        ...                       "b": pa.table({"counterparty_id": ["C"]})})
        >>> ids.to_pylist(), g["a"].positions.tolist(), g["b"].positions.tolist()
        (['A', 'B', 'C'], [1, 0, 1], [2])
    """
    columns = [t[column].cast(pa.string()).combine_chunks() for t in tables.values()]
    for name, ids in zip(tables, columns, strict=True):
        if ids.null_count:
            raise ValidationError(
                [
                    Problem(
                        file=name,
                        row=None,
                        column=column,
                        value=None,
                        rule=f"{ids.null_count} group(s) of {name} have no {column}; give every row its customer",
                    )
                ]
            )
    encoded = pa.concat_arrays(columns).dictionary_encode() if columns else pa.array([], pa.string())
    if not columns:
        return pa.array([], pa.string()), {}
    order = np.asarray(pc.sort_indices(encoded.dictionary).to_numpy(), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = rank[np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)]
    bounds = np.cumsum([0, *(len(c) for c in columns)])
    grouped = {
        name: Grouped(table, codes[bounds[i] : bounds[i + 1]], len(order))
        for i, (name, table) in enumerate(tables.items())
    }
    return encoded.dictionary.take(order), grouped


class Grouped:
    """An engine result with the position of its customer for every row (:func:`by_customer`)."""

    def __init__(self, table: pa.Table, positions: np.ndarray[Any, Any], customers: int) -> None:
        self.table = table
        self.positions = positions
        self.customers = customers
        #: the most rows one customer has (bounds the partial sums of :func:`group_sum`)
        self._most = int(np.bincount(positions).max()) if len(positions) else 0

    def keys(self, column: str) -> np.ndarray[Any, Any]:
        """A key column (span, bucket, flag) as a numpy array."""
        return np.asarray(self.table[column].to_numpy())

    def total(self, column: str, where: np.ndarray[Any, Any], scale: int = 0) -> np.ndarray[Any, Any]:
        """Per customer: the exact sum of ``column`` over the rows ``where`` holds, counting ``10**-scale``.

        Example:
            >>> t = pa.table({"counterparty_id": ["B", "A", "B"], "n": [1, 2, 3]})
            >>> g = by_customer({"t": t})[1]["t"]
            >>> g.total("n", np.array([True, True, False])).tolist()
            [2, 1]
        """
        values = np.where(where, unscaled(self.table[column], scale), 0)
        return group_sum(self.positions, values, self.customers, most=self._most)

    def cents(self, column: str, scale: int, where: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Per customer: the exact sum of a decimal ``column`` with ``scale`` decimals over the rows
        ``where`` holds, rounded half away from zero to whole cents."""
        total = self.total(column, where, scale)
        return total if scale <= 2 else div_round(total, 10 ** (scale - 2))
