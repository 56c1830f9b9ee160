"""campaigns.csv travels with the exchange format: optional, validated, round-tripped."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from clientbase.errors import ValidationError
from clientbase.exchange import export_folder, import_folder
from clientbase.exchange.docs import render_data_format
from clientbase.store import connect
from tests.exchange.test_folder import write_folder

CAMPAIGNS = (
    "campaign_id,channel,mode,start,end,cost,name\n"
    "FAIR-1,trade_fair,,2024-03-04,2024-03-08,24000.00,BAU fair\n"
    "MAIL-1,targeted_campaign,targeted,2024-01-01,2024-03-31,6000.50,\n"
)


def test_a_folder_without_campaigns_still_loads(db_url: str, tmp_path: Path) -> None:
    with connect(db_url) as store:
        report = import_folder(store, write_folder(tmp_path / "in"))
        assert "campaigns" not in report.tables
        assert store.table("campaigns").count().execute() == 0


def test_campaigns_load_and_round_trip(db_url: str, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in", **{"campaigns.csv": CAMPAIGNS})
    with connect(db_url) as store:
        assert import_folder(store, folder).tables["campaigns"].inserted == 2
        rows = store.table("campaigns").order_by("campaign_id").to_pyarrow().to_pylist()
        assert [(r["campaign_id"], r["mode"], r["cost"]) for r in rows] == [
            ("FAIR-1", None, Decimal("24000.00")),
            ("MAIL-1", "targeted", Decimal("6000.50")),
        ]
        written = export_folder(store, tmp_path / "out")
        assert written["campaigns.csv"] == 2
        assert import_folder(store, tmp_path / "out").tables["campaigns"].unchanged == 2


@pytest.mark.parametrize(
    ("line", "column", "rule"),
    [
        ("X,trade_fair,,2024-03-08,2024-03-04,10.00,", "end", "ends before it starts"),
        ("X,trade_fair,both,2024-03-04,2024-03-08,10.00,", "mode", "must be one of: targeted, spontaneous"),
        ("X,trade_fair,,2024-03-04,2024-03-08,-1.00,", "cost", "must be 0 or more"),
        ("X,,,2024-03-04,2024-03-08,10.00,", "channel", "required"),
    ],
)
def test_a_bad_campaign_is_named_and_nothing_is_written(
    db_url: str, tmp_path: Path, line: str, column: str, rule: str
) -> None:
    header = CAMPAIGNS.splitlines()[0]
    folder = write_folder(tmp_path / "in", **{"campaigns.csv": f"{header}\n{line}\n"})
    with connect(db_url) as store, pytest.raises(ValidationError) as caught:
        import_folder(store, folder)
    problem = caught.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("campaigns.csv", 2, column)
    assert rule in problem.rule
    with connect(db_url) as store:
        assert store.table("counterparties").count().execute() == 0


def test_the_data_format_documents_campaigns() -> None:
    doc = render_data_format()
    assert "## `campaigns.csv`" in doc and "shared by the prospects of its channel and mode" in doc
