"""The analysis as JSON, fast, and byte for byte what ``json.dumps(document, default=...)`` writes.

``analyze --json`` writes a document with one record per customer (and per counterparty without sales, and
per customer of the bridge): at 100,000 customers some 90 MB. Building a dict per record and letting
``json.dumps`` walk them costs seconds; here each array of records is a :class:`Records`: the JSON text of
every value made **column by column** from the per-customer arrays (whole cents divided in one numpy
operation, strings through the C string encoder ``json`` uses), then one ``%`` template per row. The small
rest of the document goes through ``json.dumps`` as before, and :func:`write_json` splices the arrays in.

The text is the one ``json.dumps(document, default=json_value, ensure_ascii=False)`` gives the dict document
(:meth:`clientbase.analytics.run.Analysis.document`): separators ``", "`` and ``": "``, ``Decimal`` as the
float nearest to it (``float(Decimal)`` is correctly rounded, and so is ``cents / 100``), ``None`` as
``null``, dates ISO; a test compares both on the demo and on edge values.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from json.encoder import encode_basestring  # the C encoder json.dumps uses with ensure_ascii=False
from typing import Any, TextIO

import numpy as np

#: below this magnitude an int64 is exact as a float64, so ``value / 10**places`` in numpy rounds once
_FLOAT_EXACT = 2**53


def json_value(value: Any) -> Any:
    """The ``default`` of ``json.dumps`` for the analysis: Decimal as float, dates ISO."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dumps(value: Any) -> str:
    return json.dumps(value, default=json_value, ensure_ascii=False)


def _float_text(values: Iterable[float]) -> list[str]:
    """What json writes for each float: one ``json.dumps`` of the list (its C loop, ``float.__repr__``,
    NaN and infinities spelt as json does), split at the separator no float's text contains."""
    floats = values if isinstance(values, list) else list(values)
    if not floats:
        return []
    return json.dumps(floats)[1:-1].split(", ")


def scaled(units: Any, places: int) -> list[str]:
    """The JSON of whole ``units`` of ``10**-places`` (cents: ``places=2``) as json writes the Decimal amount.

    Example:
        >>> scaled(np.array([123, -5, 0, 10**17]), 2)
        ['1.23', '-0.05', '0.0', '1000000000000000.0']
    """
    array = np.asarray(units)
    if array.dtype.kind in "iu" and (not array.size or int(np.abs(array).max()) < _FLOAT_EXACT):
        return _float_text((array / 10**places).tolist())
    scale = 10**places
    return _float_text(int(v) / scale for v in array.tolist())  # Python int division: correctly rounded


def scaled_or_null(units: Any, valid: Any, places: int) -> list[str]:
    """Like :func:`scaled`, ``null`` where ``valid`` is false."""
    texts = scaled(np.where(np.asarray(valid, dtype=bool), units, 0) if _is_int(units) else units, places)
    return [t if ok else "null" for t, ok in zip(texts, np.asarray(valid, dtype=bool).tolist(), strict=True)]


def _is_int(units: Any) -> bool:
    return np.asarray(units).dtype.kind in "iu"


def integers(values: Any) -> list[str]:
    """The JSON of whole numbers (counts)."""
    return [str(int(v)) for v in np.asarray(values).tolist()]


def texts(values: Sequence[Any]) -> list[str]:
    """The JSON of each value of a column of strings (``None`` as ``null``; anything else as json writes it)."""
    return [encode_basestring(v) if type(v) is str else _dumps(v) for v in values]


def objects(columns: Mapping[str, list[str]], keep: Any) -> list[str]:
    """One JSON object per row made of the ``columns`` (already JSON text) where ``keep`` (one boolean array
    per column, same order) holds: ``{"a": 1.5, "c": 2.0}``, ``{}`` when nothing is kept."""
    keys = [encode_basestring(k) + ": " for k in columns]
    rows = zip(*columns.values(), *keep, strict=True)
    n = len(keys)
    return [
        "{" + ", ".join(k + v for k, v, ok in zip(keys, row[:n], row[n:], strict=True) if ok) + "}"
        for row in rows
    ]


class Records:
    """An array of JSON objects with the same keys, held as one list of JSON text per key (in key order)."""

    def __init__(self, columns: Mapping[str, list[str]]) -> None:
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        self.columns = dict(columns)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def encode(self) -> str:
        """The array as json writes it: ``[{"k": v, ...}, ...]``."""
        if not len(self):
            return "[]"
        template = (
            "{" + ", ".join(encode_basestring(k).replace("%", "%%") + ": %s" for k in self.columns) + "}"
        )
        return "[" + ", ".join(map(template.__mod__, zip(*self.columns.values(), strict=True))) + "]"

    def dicts(self) -> list[dict[str, Any]]:
        """The records as dicts of the decoded values (for tests and small bases)."""
        return list(json.loads(self.encode()))


def write_json(document: Any, out: TextIO) -> None:
    """Write ``document`` (dicts, lists, values and :class:`Records`) as one line of JSON to ``out``."""
    token = f"records-{uuid.uuid4().hex}-"
    found: list[Records] = []

    def swap(value: Any) -> Any:
        if isinstance(value, Records):
            found.append(value)
            return f"{token}{len(found) - 1}"
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    text = _dumps(swap(document))
    place = f'"{token}'
    start = 0
    while (at := text.find(place, start)) >= 0:
        out.write(text[start:at])
        end = text.index('"', at + 1)
        out.write(found[int(text[at + len(place) : end])].encode())
        start = end + 1
    out.write(text[start:])
    out.write("\n")
