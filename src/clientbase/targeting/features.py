"""Which fields of the record the model may learn from, and how they become numbers.

A field is used when it is known at acquisition and filled well enough:

* it is filled for at least ``min_fill`` of the prospects never won *and* of the customers won: a field
  filled for customers but not for prospects (payment terms, credit limit, price list, a segment given
  after the first order) is filled once a customer is won, and would let the model see the answer;
* a text field has at most ``max_levels`` distinct values (a city or a name is not a profile); values seen
  fewer than ``min_level_count`` times are pooled as ``(other)``, empty ones as ``(blank)``;
* a numeric field is used as a number (standardised; empty: the mean).

Each field is one-hot coded (text) or one column (number), so every coefficient of the linear models
belongs to one field and value, and a prospect's score splits exactly into the parts of its fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

OTHER = "(other)"
BLANK = "(blank)"


@dataclass(frozen=True)
class FeatureOptions:
    """How well a field must be filled and how many values it may have to be used."""

    min_fill: float = 0.8
    max_levels: int = 50
    min_level_count: int = 20


@dataclass(frozen=True)
class FieldChoice:
    """Whether a record field is used, and why."""

    field: str
    used: bool
    kind: str  # "text" or "number"
    fill_not_won: float
    fill_won: float
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _filled(values: pd.Series) -> float:
    if values.empty:
        return 0.0
    text = values.map(lambda v: v is not None and v == v and str(v).strip() != "")
    return float(text.mean())


def _is_number(values: pd.Series) -> bool:
    present = values.dropna()
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return True
    return bool(len(present)) and all(isinstance(v, (Decimal, int, float)) for v in present.head(100))


def choose_fields(
    frame: pd.DataFrame, candidates: list[str], won: np.ndarray, options: FeatureOptions
) -> list[FieldChoice]:
    """Decide for each of ``candidates`` (columns of ``frame``, the labelled prospects; ``won`` marks the
    customers won) whether the model uses it.

    Example:
        >>> f = pd.DataFrame({"size_band": ["small", "large"] * 30, "price_list": [None, "trade"] * 30})
        >>> won = np.array([False, True] * 30)
        >>> [(c.field, c.used) for c in choose_fields(f, ["size_band", "price_list"], won, FeatureOptions())]
        [('size_band', True), ('price_list', False)]
    """
    out = []
    for name in candidates:
        values = frame[name]
        fill_not, fill_won = _filled(values[~won]), _filled(values[won])
        number = _is_number(values)
        kind = "number" if number else "text"
        levels = values.dropna().astype(str).nunique()
        if min(fill_not, fill_won) < options.min_fill:
            reason = (
                f"filled for {fill_won:.0%} of the customers won and {fill_not:.0%} of the prospects never "
                f"won (needs {options.min_fill:.0%} of both: a field filled only once a customer is won is "
                "not known at acquisition)"
            )
            used = False
        elif not number and levels > options.max_levels:
            reason, used = f"{levels:,} distinct values (at most {options.max_levels})", False
        elif levels < 2:
            reason, used = "the same value everywhere", False
        else:
            reason, used = "used", True
        out.append(FieldChoice(name, used, kind, round(fill_not, 4), round(fill_won, 4), reason))
    return out


@dataclass
class Encoder:
    """One-hot columns for the text fields, a standardised column for the numeric ones, fitted once."""

    fields: list[FieldChoice]
    min_level_count: int = 20
    levels_: dict[str, list[str]] | None = None
    scale_: dict[str, tuple[float, float]] | None = None

    def fit(self, frame: pd.DataFrame) -> Encoder:
        self.levels_, self.scale_ = {}, {}
        for f in self.fields:
            if f.kind == "number":
                x = _numbers(frame[f.field])
                mean = float(np.nanmean(x)) if np.isfinite(x).any() else 0.0
                std = float(np.nanstd(x)) if np.isfinite(x).any() else 1.0
                self.scale_[f.field] = (mean, std if std > 0 else 1.0)
            else:
                counts = _text(frame[f.field]).value_counts()
                kept = sorted(str(v) for v, n in counts.items() if n >= self.min_level_count and v != OTHER)
                self.levels_[f.field] = [*kept, OTHER]
        return self

    @property
    def columns(self) -> list[tuple[str, str]]:
        """(field, value) of every column; a numeric field's value is ``""``."""
        assert self.levels_ is not None
        out: list[tuple[str, str]] = []
        for f in self.fields:
            if f.kind == "number":
                out.append((f.field, ""))
            else:
                out += [(f.field, v) for v in self.levels_[f.field]]
        return out

    def values(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Each used field's value as the model sees it: the level (``(other)``, ``(blank)``) or the number."""
        assert self.levels_ is not None
        out = {}
        for f in self.fields:
            if f.kind == "number":
                out[f.field] = pd.Series(_numbers(frame[f.field]), index=frame.index)
            else:
                known = set(self.levels_[f.field])
                text = _text(frame[f.field])
                out[f.field] = text.where(text.isin(known), OTHER)
        return pd.DataFrame(out, index=frame.index)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        assert self.levels_ is not None and self.scale_ is not None
        values = self.values(frame)
        parts = []
        for f in self.fields:
            if f.kind == "number":
                mean, std = self.scale_[f.field]
                x = values[f.field].to_numpy(dtype=np.float64)
                parts.append(np.where(np.isfinite(x), (x - mean) / std, 0.0)[:, None])
            else:
                v = values[f.field].to_numpy()
                parts.append(
                    np.stack([v == level for level in self.levels_[f.field]], axis=1).astype(np.float64)
                )
        return np.hstack(parts) if parts else np.zeros((len(frame), 0))

    def field_of_column(self) -> np.ndarray:
        """For every column, the index of its field in ``fields``."""
        names = [f.field for f in self.fields]
        return np.array([names.index(field) for field, _ in self.columns], dtype=np.int64)


def _text(values: pd.Series) -> pd.Series:
    def one(v: object) -> str:
        if v is None or v != v or str(v).strip() == "":
            return BLANK
        return str(v).strip()

    return values.map(one)


def _numbers(values: pd.Series) -> np.ndarray:
    return np.array([float(v) if v is not None and v == v else np.nan for v in values], dtype=np.float64)
