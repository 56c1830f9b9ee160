"""The analysis as JSON, fast, and byte for byte what ``json.dumps(document, default=...)`` writes.

``analyze --json`` writes a document with one record per customer (and per counterparty without sales, and
per customer of the bridge): at 100,000 customers some 90 MB. Building a dict per record and letting
``json.dumps`` walk them costs seconds; here each array of records is a :class:`Records`: the JSON text of
every value made **column by column** as an Arrow string array (Arrow's compute kernels, no Python object
per value), the records joined element-wise from those columns and written from Arrow's buffer in large
chunks. The small rest of the document goes through ``json.dumps`` as before, and :func:`write_json` splices
the arrays in.

The text is the one ``json.dumps(document, default=json_value, ensure_ascii=False)`` gives the dict document
(:meth:`clientbase.analytics.run.Analysis.document`): separators ``", "`` and ``": "``, ``Decimal`` as the
float nearest to it, ``None`` as ``null``, dates ISO; a test compares both on the demo and on edge values.

Why the amounts can be written from their integers: an amount of ``units`` x 10^-places with fewer than 16
significant digits (|units| < 10^15) is what ``repr`` of the nearest float spells (every decimal of at most
15 significant digits survives the round trip through a float, so the shortest text that reads back as that
float is the decimal itself, without trailing zeros): ``-12.5``, ``0.05``, ``1500.0``. Larger amounts (ten
trillion and more) and Python integers beyond int64 take the float route (``repr`` through ``json.dumps``).
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from json.encoder import encode_basestring  # the C encoder json.dumps uses with ensure_ascii=False
from typing import Any, TextIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: the JSON text of one value per row (Arrow strings with 64-bit offsets: a column may exceed 2 GB)
TEXT = pa.large_string()
#: below this magnitude, ``units`` x 10^-places has at most 15 significant digits (see the module's text)
_EXACT_DIGITS = 10**15
#: the most decimal places written from the integers: 10^-4 is the smallest amount ``repr`` spells without
#: an exponent
_MOST_PLACES = 4
#: characters ``json`` escapes in a string (with ensure_ascii=False); RE2 syntax
_ESCAPED = r'[\x00-\x1f"\\]'
#: records joined and written at a time (bounds the memory of the joined text)
_CHUNK_ROWS = 1 << 16


def json_value(value: Any) -> Any:
    """The ``default`` of ``json.dumps`` for the analysis: Decimal as float, dates ISO."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dumps(value: Any) -> str:
    return json.dumps(value, default=json_value, ensure_ascii=False)


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, TEXT)


def _join(*parts: Any) -> pa.Array:
    """Element-wise concatenation of text arrays and scalars (a null part gives null)."""
    return pc.binary_join_element_wise(*parts, _text(""))


def _column(values: Iterable[str]) -> pa.Array:
    return pa.array(values if isinstance(values, list) else list(values), TEXT)


def _float_text(values: Iterable[float]) -> list[str]:
    """What json writes for each float: one ``json.dumps`` of the list (its C loop, ``float.__repr__``,
    NaN and infinities spelt as json does), split at the separator no float's text contains."""
    floats = values if isinstance(values, list) else list(values)
    if not floats:
        return []
    return json.dumps(floats)[1:-1].split(", ")


def _fractions(places: int) -> pa.Array:
    """The text from the point on of each remainder 0 .. 10^places - 1: ``.0``, ``.01`` ... ``.1``, ``.11``"""
    return _column(
        "." + (f"{f:0{places}d}".rstrip("0") or "0") if places else ".0" for f in range(10**places)
    )


def _as_int64(array: np.ndarray[Any, Any]) -> np.ndarray[Any, Any] | None:
    """``array`` as int64 when it is an integer array that fits, else None."""
    if array.dtype.kind == "i":
        return array.astype(np.int64, copy=False)
    if array.dtype.kind == "u" and (not array.size or int(array.max()) < 2**63):
        return array.astype(np.int64)
    return None


def scaled(units: Any, places: int) -> pa.Array:
    """The JSON of whole ``units`` of ``10**-places`` (cents: ``places=2``) as json writes the Decimal amount.

    Example:
        >>> scaled(np.array([123, -5, 0, 10**17]), 2).to_pylist()
        ['1.23', '-0.05', '0.0', '1000000000000000.0']
    """
    array = np.asarray(units)
    ints = _as_int64(array)
    if ints is None or places > _MOST_PLACES:
        scale = 10**places
        return _column(_float_text(int(v) / scale for v in array.tolist()))  # correctly rounded
    exact = (ints > -_EXACT_DIGITS) & (ints < _EXACT_DIGITS)
    small = np.where(exact, ints, 0)
    whole, remainder = np.divmod(np.abs(small), 10**places)
    negative = small < 0
    signed = pc.cast(pa.array(np.where(negative, -whole, whole)), TEXT)
    text = _join(signed, _fractions(places).take(pa.array(remainder)))
    # through the float: the amounts beyond 15 digits, and those between -1 and 0 (their whole part has no sign)
    rest = ~exact | (negative & (whole == 0))
    if not rest.any():
        return text
    scale = 10**places
    floats = _float_text(int(v) / scale for v in ints[rest].tolist())
    return pc.replace_with_mask(text, pa.array(rest), _column(floats))


def scaled_or_null(units: Any, valid: Any, places: int) -> pa.Array:
    """Like :func:`scaled`, ``null`` where ``valid`` is false."""
    ok = np.asarray(valid, dtype=bool)
    array = np.asarray(units)
    texts = scaled(np.where(ok, array, 0) if array.dtype.kind in "iu" else array, places)
    return pc.if_else(pa.array(ok), texts, _text("null"))


def integers(values: Any) -> pa.Array:
    """The JSON of whole numbers (counts).

    Example:
        >>> integers(np.array([3, -1, 0])).to_pylist()
        ['3', '-1', '0']
    """
    array = np.asarray(values)
    ints = _as_int64(array)
    if ints is None:
        return _column(str(int(v)) for v in array.tolist())
    return pc.cast(pa.array(ints), TEXT)


def texts(values: Any) -> pa.Array:
    """The JSON of each value of a column of strings (``None`` as ``null``; anything else as json writes it).

    Example:
        >>> texts(["Zoë", None, 'say "hi"']).to_pylist()
        ['"Zoë"', 'null', '"say \\\\"hi\\\\""']
    """
    listed = values if isinstance(values, list) else np.asarray(values, dtype=object)
    try:
        return _quoted(pa.array(listed, TEXT))
    except (pa.ArrowException, TypeError, UnicodeError):  # not strings (or not UTF-8): json's own text
        return _column(encode_basestring(v) if type(v) is str else _dumps(v) for v in listed)


def strings(values: Any) -> pa.Array:
    """The JSON of ``str(value)`` of each value, ``null`` where it is None or NaN (ids, names).

    Example:
        >>> strings(np.array(["C1", None, float("nan"), 7], dtype=object)).to_pylist()
        ['"C1"', 'null', 'null', '"7"']
    """
    array = np.asarray(values, dtype=object)
    try:
        text = pa.array(array, TEXT, from_pandas=True)  # NaN as null
    except (pa.ArrowException, TypeError, UnicodeError):
        text = pa.array([None if v is None or v != v else str(v) for v in array.tolist()], TEXT)
    return _quoted(text)


def _quoted(strings: pa.Array) -> pa.Array:
    """Each string as a JSON string (null as ``null``): in quotes, escaped by json's encoder where it holds
    a character json escapes."""
    quoted = _join(_text('"'), strings, _text('"')).fill_null(_text("null"))
    escape = pc.match_substring_regex(strings, _ESCAPED).fill_null(False)
    if not pc.any(escape).as_py():
        return quoted
    escaped = [encode_basestring(v) for v in strings.filter(escape).to_pylist()]
    return pc.replace_with_mask(quoted, escape, _column(escaped))


def objects(columns: Mapping[str, pa.Array], keep: Sequence[Any]) -> pa.Array:
    """One JSON object per row made of the ``columns`` (already JSON text) where ``keep`` (one boolean array
    per column, same order) holds: ``{"a": 1.5, "c": 2.0}``, ``{}`` when nothing is kept."""
    pieces = [
        pc.if_else(
            pa.array(np.asarray(ok, dtype=bool)), _join(_text(f", {encode_basestring(k)}: "), v), _text("")
        )
        for (k, v), ok in zip(columns.items(), keep, strict=True)
    ]
    body = pc.utf8_slice_codeunits(_join(*pieces), 2)  # without the first ", "
    return _join(_text("{"), body, _text("}"))


def _byte_writer(out: TextIO) -> Callable[[memoryview], None]:
    """A function that writes UTF-8 bytes to ``out``: straight into its binary buffer when it has one and
    encodes UTF-8 (the text layer flushed first, so the order stays), else decoded."""
    buffer = getattr(out, "buffer", None)
    encoding = getattr(out, "encoding", None)
    utf8 = isinstance(encoding, str) and codecs.lookup(encoding).name == "utf-8"
    if isinstance(out, io.TextIOBase) and buffer is not None and utf8:

        def direct(data: memoryview) -> None:
            out.flush()
            buffer.write(data)

        return direct

    def decoded(data: memoryview) -> None:
        out.write(str(data, "utf-8"))

    return decoded


class Records:
    """An array of JSON objects with the same keys, held as one column of JSON text per key (in key order)."""

    def __init__(self, columns: Mapping[str, pa.Array | Sequence[str]]) -> None:
        self.columns = {k: v if isinstance(v, pa.Array) else _column(v) for k, v in columns.items()}
        lengths = {len(v) for v in self.columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def _chunks(self) -> Iterable[memoryview]:
        """The UTF-8 text of the array, ``[`` to ``]``, in pieces of up to :data:`_CHUNK_ROWS` records."""
        if not len(self):
            yield memoryview(b"[]")
            return
        # every record led by ", ": the joined chunks are one run of text, the array's first ", " cut
        keys = [
            _text((", {" if i == 0 else ", ") + encode_basestring(k) + ": ")
            for i, k in enumerate(self.columns)
        ]
        yield memoryview(b"[")
        for start in range(0, len(self), _CHUNK_ROWS):
            parts = [
                p
                for key, column in zip(keys, self.columns.values(), strict=True)
                for p in (key, column.slice(start, _CHUNK_ROWS))
            ]
            rows = _join(*parts, _text("}"))
            offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)
            first, last = int(offsets[rows.offset]), int(offsets[rows.offset + len(rows)])
            data = memoryview(rows.buffers()[2])[first:last]
            yield data[2:] if start == 0 else data
        yield memoryview(b"]")

    def write(self, out: TextIO) -> None:
        """Write the array as json writes it, ``[{"k": v, ...}, ...]``, to ``out``."""
        write = _byte_writer(out)
        for chunk in self._chunks():
            write(chunk)

    def encode(self) -> str:
        """The array as json writes it: ``[{"k": v, ...}, ...]``."""
        return b"".join(self._chunks()).decode("utf-8")

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
        found[int(text[at + len(place) : end])].write(out)
        start = end + 1
    out.write(text[start:])
    out.write("\n")
