"""Any series file (CSV, XLSX/ODS, Parquet) read into regular series: one per id, on one calendar.

Rows with the same id and time are added up, so a file of transactions works as well as a file of monthly
totals; with ``freq`` the times are first cut into months, weeks, days or quarters. Without it the
frequency is inferred from the distinct times (pandas' ``infer_freq``). A period with no row counts 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from clientbase.errors import ConfigurationError, Problem, ValidationError

#: --freq of a file, with the pandas period alias and the season length (a year; a week for days)
FILE_FREQUENCIES = {
    "day": ("D", 7),
    "week": ("W-MON", 52),
    "month": ("M", 12),
    "quarter": ("Q", 4),
    "year": ("Y", 1),
}
_INFERRED_SEASON = {
    "D": 7,
    "B": 5,
    "W": 52,
    "M": 12,
    "MS": 12,
    "ME": 12,
    "Q": 4,
    "QS": 4,
    "QE": 4,
    "H": 24,
    "h": 24,
}


@dataclass(frozen=True)
class FileSeries:
    """Series read from a file: ``values`` (ids x periods, floats) on the calendar ``periods``."""

    file: str
    ids: list[str]
    periods: list[str]
    values: np.ndarray[Any, Any]
    season: int
    #: pandas frequency alias of the calendar, to label the forecast periods
    freq: str
    #: decimals of the target as written in the file (forecasts are rounded to them, at least 2)
    decimals: int
    starts: Any


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if "," in text and "." in text:  # the later mark is the decimal one
        text = (
            text.replace(",", "")
            if text.rfind(".") > text.rfind(",")
            else text.replace(".", "").replace(",", ".")
        )
    elif "," in text:
        text = text.replace(",", ".")
    return float(text)


def _read(path: Path, sheet: str | None) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as exc:
            raise ValidationError(
                [Problem(path.name, None, None, None, f"not a readable Parquet file: {exc}")]
            ) from exc
        columns = [table[c].to_pylist() for c in table.column_names]
        rows = [(i + 2, [col[i] for col in columns]) for i in range(table.num_rows)]
        return list(table.column_names), rows
    from clientbase.imports.spreadsheet import read_table

    sheet_data = read_table(path, sheet=sheet)
    return sheet_data.headers, sheet_data.rows


def _column(headers: list[str], name: str, role: str, file: str) -> int:
    if name in headers:
        return headers.index(name)
    lowered = [h.lower() for h in headers]
    if name.lower() in lowered:
        return lowered.index(name.lower())
    raise ValidationError(
        [
            Problem(
                file,
                1,
                name,
                None,
                f"{role} column not found; the columns are {', '.join(map(str, headers))}",
            )
        ]
    )


def _decimals(values: np.ndarray[Any, Any]) -> int:
    for digits in range(7):
        scaled = values * 10**digits
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-6):
            return max(digits, 2)
    return 6


def read_series_file(
    path: str | Path,
    *,
    time_col: str,
    target_col: str,
    id_col: str | None = None,
    freq: str | None = None,
    sheet: str | None = None,
) -> FileSeries:
    """Read ``path`` into regular series (see the module docstring).

    Raises:
        ValidationError: a missing column, or a time or value that cannot be read (file, row, column, value).
        ConfigurationError: the frequency cannot be inferred (give ``freq``) or is unknown.

    Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "s.csv")
        >>> _ = open(p, "w").write("month,sales\\n2024-01-01,10\\n2024-02-01,12.5\\n2024-04-01,9\\n")
        >>> s = read_series_file(p, time_col="month", target_col="sales")
        >>> s.periods, s.values.tolist(), s.season
        (['2024-01', '2024-02', '2024-03', '2024-04'], [[10.0, 12.5, 0.0, 9.0]], 12)
    """
    import pandas as pd

    path = Path(path)
    if freq is not None and freq not in FILE_FREQUENCIES:
        raise ConfigurationError(f"Unknown frequency {freq!r}; use one of {', '.join(FILE_FREQUENCIES)}.")
    headers, rows = _read(path, sheet)
    t_i = _column(headers, time_col, "time", path.name)
    y_i = _column(headers, target_col, "target", path.name)
    id_i = _column(headers, id_col, "id", path.name) if id_col else None
    problems: list[Problem] = []
    times, values, ids = [], [], []
    for number, cells in rows:
        padded = [*cells, *([None] * (max(t_i, y_i, id_i or 0) + 1 - len(cells)))]
        raw_t, raw_y = padded[t_i], padded[y_i]
        try:
            stamp = pd.Timestamp(raw_t) if raw_t is not None and str(raw_t).strip() else None
        except (ValueError, TypeError):
            stamp = None
        if stamp is None or stamp is pd.NaT:
            problems.append(
                Problem(
                    path.name,
                    number,
                    headers[t_i],
                    None if raw_t is None else str(raw_t),
                    "not a date or time; write it as YYYY-MM-DD",
                )
            )
            continue
        try:
            value = _number(raw_y)
        except ValueError:
            problems.append(Problem(path.name, number, headers[y_i], str(raw_y), "not a number"))
            continue
        times.append(stamp)
        values.append(0.0 if value is None else value)
        ids.append("" if id_i is None or padded[id_i] is None else str(padded[id_i]))
    if problems:
        raise ValidationError(problems[:20], total=len(problems))
    if not times:
        raise ValidationError([Problem(path.name, None, None, None, "the file has no data rows")])
    frame = pd.DataFrame(
        {
            "id": ids,
            "t": pd.DatetimeIndex(times).tz_localize(None)
            if pd.DatetimeIndex(times).tz is not None
            else pd.DatetimeIndex(times),
            "y": values,
        }
    )
    if freq is not None:
        alias, season = FILE_FREQUENCIES[freq]
    else:
        alias, season = _infer(frame["t"], path.name)
    period = frame["t"].dt.to_period(alias)
    grouped = frame.assign(p=period).groupby(["id", "p"])["y"].sum()
    calendar = pd.period_range(period.min(), period.max(), freq=alias)
    series_ids = sorted(frame["id"].unique().tolist())
    matrix = np.zeros((len(series_ids), len(calendar)))
    position = {p: i for i, p in enumerate(calendar)}
    row_of = {s: i for i, s in enumerate(series_ids)}
    for (sid, p), v in grouped.items():
        matrix[row_of[sid], position[p]] += v
    return FileSeries(
        file=path.name,
        ids=series_ids,
        periods=[period_label(p) for p in calendar],
        values=matrix,
        season=season,
        freq=alias,
        decimals=_decimals(np.asarray(values, dtype=np.float64)),
        starts=calendar,
    )


def _infer(times: Any, file: str) -> tuple[str, int]:
    import pandas as pd

    distinct = pd.DatetimeIndex(sorted(set(times)))
    if len(distinct) < 3:
        raise ValidationError([Problem(file, None, None, None, "a series needs at least 3 distinct times")])
    inferred = pd.infer_freq(distinct)
    if inferred is None:
        # months given on varying days, or gaps: months if every time is a month start, else refuse
        if all(t.day == 1 for t in distinct):
            return "M", 12
        raise ConfigurationError(
            f"{file}: cannot infer the frequency from the times (irregular or with gaps); "
            f"give it with --freq ({', '.join(FILE_FREQUENCIES)})."
        )
    base = inferred.split("-")[0]
    for alias in ("MS", "ME", "M", "QS", "QE", "Q", "W", "D", "B", "H", "h"):
        if base == alias:
            period_alias = {"MS": "M", "ME": "M", "QS": "Q", "QE": "Q", "B": "D", "H": "h"}.get(alias, alias)
            if alias == "W":
                period_alias = inferred  # keep the weekday anchor
            return period_alias, _INFERRED_SEASON[alias]
    if base in ("YS", "YE", "Y", "AS", "A"):
        return "Y", 1
    return inferred, 1


def period_label(period: Any) -> str:
    """A calendar period as text: ``2024-03`` (month), ``2024Q1``, ``2024-03-05`` (a day, or a week's first day).

    Example:
        >>> import pandas as pd
        >>> period_label(pd.Period("2024-03-06", freq="W-SUN")), period_label(pd.Period("2024-03", freq="M"))
        ('2024-03-04', '2024-03')
    """
    if str(period.freqstr).startswith("W"):
        return str(period.start_time.date().isoformat())
    return str(period)
