"""Peers from the data: volume bands, and the typical value of a metric among a customer's peers.

The decision rules compare a customer with *similar customers*, and similar is defined from the company's own
data, never from names: customers are banded by their sales at list price in the period (deciles by default),
and the typical value of a band is its median, weighted by sales where the metric is a rate of sales (a
discount depth is the depth of the band's money, not of its head count).

* :func:`volume_bands`: band ``floor(bands x rank / n)`` where ``rank`` is the number of customers with
  strictly smaller sales, so equal sales always share a band (the quintile rule of the RFM scores).
* :func:`weighted_median`: the smallest value at which the cumulative weight reaches half the total weight
  (values sorted ascending); with equal weights it is the lower median.
* :func:`band_medians`: that median within each band, for every customer; a band with fewer than
  ``min_peers`` customers takes the median of all customers instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]


def volume_bands(values: Array, bands: int) -> Array:
    """The band (0 = smallest) of each value among ``values``, by rank; ties share the lowest band.

    Example:
        >>> volume_bands(np.array([5.0, 1.0, 3.0, 3.0, 9.0]), 2).tolist()
        [1, 0, 0, 0, 1]
    """
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    rank = np.searchsorted(np.sort(values), values, side="left")
    return np.minimum((bands * rank) // n, bands - 1).astype(np.int64)


def weighted_median(values: Array, weights: Array | None = None) -> float | None:
    """The weighted median of ``values`` (``None`` when there is no positive weight).

    Example:
        >>> weighted_median(np.array([2.0, 10.0, 4.0]), np.array([1.0, 1.0, 5.0]))
        4.0
        >>> weighted_median(np.array([1.0, 2.0, 3.0, 4.0]))
        2.0
    """
    values = np.asarray(values, dtype=np.float64)
    w = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=np.float64)
    keep = np.isfinite(values) & np.isfinite(w) & (w > 0)
    values, w = values[keep], w[keep]
    if len(values) == 0:
        return None
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(w[order])
    at = int(np.searchsorted(cumulative, cumulative[-1] / 2, side="left"))
    return float(values[order][min(at, len(values) - 1)])


def band_medians(values: Array, bands: Array, *, weights: Array | None = None, min_peers: int = 5) -> Array:
    """For every customer, the (weighted) median of ``values`` in its band; NaN where nothing is known.

    Example:
        >>> band_medians(np.array([1.0, 3.0, 10.0, 20.0, 30.0]), np.array([0, 0, 1, 1, 1]), min_peers=3).tolist()
        [10.0, 10.0, 20.0, 20.0, 20.0]
    """
    values = np.asarray(values, dtype=np.float64)
    bands = np.asarray(bands)
    w = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=np.float64)
    overall = weighted_median(values, w)
    out = np.full(len(values), np.nan if overall is None else overall)
    for band in np.unique(bands):
        members = bands == band
        known = members & np.isfinite(values)
        if int(known.sum()) < min_peers:
            continue
        median = weighted_median(values[members], w[members])
        if median is not None:
            out[members] = median
    return out
