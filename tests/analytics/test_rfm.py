"""The RFM/BTYD summary reproduces the published CDNOW summary files (Fader, Hardie & Lee 2005)."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import ibis
import pytest

from clientbase.analytics.rfm import rfm_groups, rfm_summary
from clientbase.errors import ValidationError

CDNOW = Path(__file__).parent.parent / "data" / "cdnow"


def cdnow_transactions() -> ibis.Table:
    """CDNOW_sample.txt as a table: customer (sample id), date, amount."""
    customers, dates, amounts = [], [], []
    for line in (CDNOW / "CDNOW_sample.txt").read_text().splitlines():
        _master, sample_id, day, _cds, dollars = line.split()
        customers.append(int(sample_id))
        dates.append(dt.datetime.strptime(day, "%Y%m%d").date())
        amounts.append(float(dollars))
    return ibis.memtable({"customer": customers, "date": dates, "amount": amounts})


def read_published(name: str) -> dict[int, list[str]]:
    with (CDNOW / name).open(newline="") as handle:
        rows = list(csv.reader(handle))
    return {int(row[0]): row[1:] for row in rows[1:]}


def cents(value: object) -> str:
    """Rounded half up to 2 decimals, as the published files are (22.345 -> 22.35)."""
    return str(Decimal(f"{value:.9f}").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def cdnow_summary(con: ibis.BaseBackend | None = None) -> list[dict[str, object]]:
    tx = cdnow_transactions()
    if con is not None:
        tx = con.create_table("cdnow_tx", tx.to_pyarrow(), overwrite=True)
    summary = rfm_summary(
        tx,
        customer_col="customer",
        date_col="date",
        amount_col="amount",
        calibration_end="1997-09-30",
        time_unit="week",
    )
    return summary.order_by("customer").to_pyarrow().to_pylist()


def test_reproduces_cdnow_customers_summary_of_lifetimes() -> None:
    published = read_published("cdnow_customers_summary.csv")
    ours = cdnow_summary()
    assert len(ours) == len(published) == 2357
    for row in ours:
        frequency, recency, age = published[row["customer"]]  # type: ignore[index]
        assert (row["frequency"], f"{row['recency']:.2f}", f"{row['T']:.2f}") == (
            int(frequency),
            f"{float(recency):.2f}",
            f"{float(age):.2f}",
        ), row


def test_reproduces_cdnow_summary_with_transactions_of_Fader_Hardie_Lee_2005() -> None:
    published = read_published("cdnow_customers_summary_with_transactions.csv")
    ours = cdnow_summary()
    assert len(ours) == len(published) == 2357
    for row in ours:
        x, t_x, age, zbar = published[row["customer"]]  # type: ignore[index]
        assert (
            row["frequency"],
            cents(row["recency"]),
            cents(row["T"]),
            cents(row["monetary_value"]),
        ) == (int(x), t_x, age, zbar), row


def test_cdnow_customer_1_by_hand() -> None:
    # customer 1 bought on 1997-01-01, 01-18 and 08-02 (the 12-12 purchase is after the calibration end):
    # 2 repeat days, recency 213 days = 30.43 weeks, T 272 days = 38.86 weeks, zbar (29.73 + 14.96) / 2.
    first = cdnow_summary()[0]
    assert first["frequency"] == 2
    assert first["recency"] == pytest.approx(213 / 7)
    assert first["T"] == pytest.approx(272 / 7)
    assert first["monetary_value"] == pytest.approx((29.73 + 14.96) / 2)


def small() -> ibis.Table:
    return ibis.memtable(
        {
            "who": ["a", "a", "a", "a", "b", "c"],
            "when": [
                dt.datetime(2024, 1, 1, 9),
                dt.datetime(2024, 1, 1, 17),  # same day: merged with the 9 o'clock purchase
                dt.datetime(2024, 1, 31, 12),
                dt.datetime(2024, 3, 1, 12),  # after the calibration end: ignored
                dt.datetime(2024, 1, 11, 8),
                dt.datetime(2024, 2, 5, 8),  # first purchase after the end: no row
            ],
            "value": [1.0, 2.0, 4.0, 100.0, 3.0, 5.0],
        }
    )


@pytest.mark.parametrize(("unit", "days"), [("day", 1.0), ("week", 7.0), ("month", 30.4375)])
def test_time_units_scale_recency_and_T(unit: str, days: float) -> None:
    rows = (
        rfm_summary(
            small(),
            customer_col="who",
            date_col="when",
            amount_col="value",
            calibration_end=dt.date(2024, 1, 31),
            time_unit=unit,
        )
        .order_by("who")
        .to_pyarrow()
        .to_pylist()
    )
    assert [r["who"] for r in rows] == ["a", "b"]
    a, b = rows
    assert (a["frequency"], a["recency"], a["T"], a["monetary_value"]) == (
        1,
        pytest.approx(30 / days),
        pytest.approx(30 / days),
        4.0,
    )
    assert (b["frequency"], b["recency"], b["T"], b["monetary_value"]) == (
        0,
        0.0,
        pytest.approx(20 / days),
        0.0,
    )


def test_without_amount_there_is_no_monetary_value() -> None:
    summary = rfm_summary(small(), customer_col="who", date_col="when", calibration_end="2024-12-31")
    assert summary.columns == ("who", "frequency", "recency", "T")
    assert summary.order_by("who").frequency.to_pyarrow().to_pylist() == [2, 0, 0]


def test_groups_count_identical_rows() -> None:
    summary = rfm_summary(
        cdnow_transactions(), customer_col="customer", date_col="date", calibration_end="1997-09-30"
    )
    groups = rfm_groups(summary).to_pyarrow().to_pylist()
    assert sum(g["weight"] for g in groups) == 2357
    assert len(groups) < 2357
    # 1,411 CDNOW customers never came back; they differ only by T (84 first-purchase days)
    assert sum(g["weight"] for g in groups if g["frequency"] == 0) == 1411


def test_missing_column_is_named() -> None:
    with pytest.raises(ValidationError, match=r"'buyer'.*customer column not found.*who, when, value"):
        rfm_summary(small(), customer_col="buyer", date_col="when", calibration_end="2024-01-31")


def test_bad_time_unit_and_end_date() -> None:
    with pytest.raises(ValidationError, match="unknown time unit"):
        rfm_summary(
            small(), customer_col="who", date_col="when", calibration_end="2024-01-31", time_unit="year"
        )
    with pytest.raises(ValidationError, match="calibration end is not a date"):
        rfm_summary(small(), customer_col="who", date_col="when", calibration_end="31/01/2024")


def test_amount_must_be_numeric() -> None:
    with pytest.raises(ValidationError, match=r"'who'.*must be numeric"):
        rfm_summary(
            small(), customer_col="who", date_col="when", amount_col="who", calibration_end="2024-01-31"
        )


@pytest.mark.postgres
def test_same_summary_on_postgresql(pg_url: str) -> None:
    con = ibis.connect(pg_url)
    try:
        on_postgres, on_duckdb = cdnow_summary(con), cdnow_summary()
        assert len(on_postgres) == len(on_duckdb) == 2357
        for pg_row, duck_row in zip(on_postgres, on_duckdb, strict=True):
            assert pg_row == pytest.approx(duck_row, abs=1e-9)
    finally:
        con.disconnect()
