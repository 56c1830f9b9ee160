"""The CDNOW calibration summary (Fader, Hardie & Lee 2005), weeks as the time unit."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

SUMMARY = Path(__file__).parent.parent / "data" / "cdnow" / "cdnow_customers_summary_with_transactions.csv"


@dataclass(frozen=True)
class Cdnow:
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    zbar: np.ndarray


@pytest.fixture(scope="session")
def cdnow() -> Cdnow:
    with SUMMARY.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return Cdnow(
        x=np.array([float(r["x"]) for r in rows]),
        t_x=np.array([float(r["t_x"]) for r in rows]),
        T=np.array([float(r["T"]) for r in rows]),
        zbar=np.array([float(r["zbar"]) for r in rows]),
    )
