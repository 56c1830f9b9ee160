"""Numbers a reader can check, on the demo company: one count of customers in `summary`, `analyze` and
`value`; prospects as acquisition cost, not as customers; a headline whose amounts and shares are the
bridge's; a compared period before the data that says so; XYZ classes that all occur."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest
from typer.testing import CliRunner

from clientbase.analytics.run import Analysis, analyze
from clientbase.cli.main import app
from clientbase.demo.build import load_demo
from clientbase.demo.generate import generate
from clientbase.store import connect

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("numbers") / "demo.duckdb"
    with connect(f"duckdb:///{path}") as store:
        load_demo(store, generate(customers=400, years=3, seed=7))
    return str(path)


@pytest.fixture(scope="module")
def analysis(demo: str) -> Analysis:
    with connect(f"duckdb:///{demo}") as store:
        return analyze(store)


def _json(*args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _sql(demo: str, query: str) -> list[tuple]:  # type: ignore[type-arg]
    with duckdb.connect(demo, read_only=True) as con:
        return con.execute(query).fetchall()


def test_summary_analyze_and_value_count_the_same_customers(demo: str) -> None:
    db = f"duckdb:///{demo}"
    summary, analysed, value = (
        _json("summary", "--db", db),
        _json("analyze", "--db", db),
        _json("value", "--db", db),
    )
    period = analysed["period"]
    # counted by hand: distinct buyers on the order lines of the analysed 12 months
    [(by_hand,)] = _sql(
        demo,
        "SELECT count(DISTINCT counterparty_id) FROM order_lines "
        f"WHERE order_date BETWEEN DATE '{period['from']}' AND DATE '{period['to']}'",
    )
    latest = summary["years"][-1]
    assert (latest["period_start"], latest["period_end"]) == (period["from"], period["to"])
    assert latest["customers"] == analysed["totals"]["customers"] == value["customers_in_period"] == by_hand
    assert analysed["whale"]["customers"] == len(analysed["customers"]) == by_hand
    assert value["period"] == {"from": period["from"], "to": period["to"]}
    # the whole table also scores customers who bought only before the period
    assert len(value["customers"]) > by_hand
    assert summary["customer_definition"] == analysed["customer_definition"] == value["customer_definition"]


def test_prospects_are_acquisition_cost_not_customers(demo: str, analysis: Analysis) -> None:
    p = analysis.periods.current
    whale_ids = {str(c) for c in analysis.whale.ids}
    never_bought = {
        r[0]
        for r in _sql(
            demo,
            "SELECT counterparty_id FROM counterparties WHERE counterparty_id NOT IN "
            f"(SELECT counterparty_id FROM order_lines WHERE order_date <= DATE '{p.end}')",
        )
    }
    assert not whale_ids & never_bought  # no prospect on the whale curve
    # acquisition cost by hand: the activities of the period of counterparties that never bought by its end,
    # priced at the rate valid on their date, each customer's kind rounded to the cent (methodology.md)
    rows = _sql(
        demo,
        "SELECT c.acquisition_channel, c.acquisition_mode, a.counterparty_id, a.kind, sum(a.quantity * d.rate) "
        "FROM activities a JOIN cost_drivers d ON a.kind = d.kind AND a.activity_date >= d.valid_from "
        "AND (d.valid_to IS NULL OR a.activity_date <= d.valid_to) "
        "JOIN counterparties c ON c.counterparty_id = a.counterparty_id "
        f"WHERE a.activity_date BETWEEN DATE '{p.start}' AND DATE '{p.end}' GROUP BY ALL",
    )
    by_hand: dict[tuple[str | None, str | None], tuple[set[str], Decimal]] = {}
    for channel, mode, cid, _, cost in rows:
        if cid in never_bought:
            ids, total = by_hand.get((channel, mode), (set(), Decimal(0)))
            by_hand[(channel, mode)] = (
                ids | {cid},
                total + Decimal(cost).quantize(Decimal("0.01"), ROUND_HALF_UP),
            )
    got = {(r.channel, r.mode): (r.prospects, r.cost) for r in analysis.acquisition}
    assert got == {key: (len(ids), total) for key, (ids, total) in by_hand.items()}
    assert len(got) >= 2  # the demo works prospects through more than one channel
    # and they still count in the company's total
    split = analysis.standing_totals
    assert analysis.totals.lines["net_contribution"] == sum(
        t.lines["net_contribution"] for t in split.values()
    )
    assert -split["prospect"].lines["net_contribution"] == sum(r.cost for r in analysis.acquisition)


def test_the_headline_says_amounts_and_shares_of_the_bridge(analysis: Analysis) -> None:
    bridge, text = analysis.bridge, analysis.headline
    change = bridge.total_change
    assert change < 0 and f"(−{abs(change).quantize(Decimal(1), ROUND_HALF_UP):,})" in text
    named = re.findall(r" ([\d,]+) (?:more )?\((\d+(?:\.\d)?) %", text)
    assert len(named) >= 3
    parts = {abs(v).quantize(Decimal(1), ROUND_HALF_UP): v for v in bridge.components.values()}
    for amount, share in named:
        value = parts[Decimal(amount.replace(",", ""))]  # every amount is one part of the bridge ...
        # ... and its share is that part over the change, which can pass 100 %
        places = Decimal("0.1") if "." in share else Decimal(1)
        assert Decimal(share) == (abs(value) * 100 / abs(change)).quantize(places, ROUND_HALF_UP)
    # the size-band split is said with its count: "N key accounts gave S % of it" for the discounts
    m = re.search(
        r"discounts given to ([\d,]+) customers cost [\d,]+ more \([^;]+; ([\d,]+) (\w+) accounts gave (\d+) % of it",
        text,
    )
    assert m, text
    price = bridge.parts["price_discount"]
    givers = price[price < 0]
    assert int(m.group(1).replace(",", "")) == len(givers)
    bands = analysis.attributes["size_band"].reindex(givers.index)
    in_band = givers[bands == m.group(3)]
    assert int(m.group(2)) == len(in_band) < len(givers)
    share = (Decimal(int(in_band.sum())) * 100 / Decimal(int(givers.sum()))).quantize(
        Decimal(1), ROUND_HALF_UP
    )
    assert Decimal(m.group(4)) == share


def test_a_compared_period_before_the_data_says_so(demo: str) -> None:
    [(first,)] = _sql(demo, "SELECT min(order_date) FROM order_lines")
    start = dt.date(first.year + 1, 1, 1)
    with connect(f"duckdb:///{demo}") as store:
        a = analyze(store, start=start, end=dt.date(start.year, 12, 31))
    note = f"the compared period {start.year - 1}-01-01 to {start.year - 1}-12-31 starts before the data begins on {first}"
    assert a.notes == [note]
    assert a.headline.startswith(f"The compared period {start.year - 1}-01-01 to")
    assert "compare periods the data covers only in part, not a trend" in a.headline
    assert a.document()["notes"] == [note]
    # the default periods lie inside the data: no note, the growth is stated as it is
    with connect(f"duckdb:///{demo}") as store:
        assert analyze(store).notes == []


def test_xyz_defaults_discriminate_on_the_demo(demo: str) -> None:
    value = _json("value", "--db", f"duckdb:///{demo}")
    classes = [c["xyz"] for c in value["customers"] if c["in_period"]]
    counts = {x: classes.count(x) for x in "XYZ"}
    assert all(counts[x] > 0 for x in "XYZ"), counts
    # the inventory textbooks' 10 % and 25 % leave X empty and nearly everyone Z
    textbook = _json("value", "--db", f"duckdb:///{demo}", "--xyz", "10,25")
    old = [c["xyz"] for c in textbook["customers"] if c["in_period"]]
    assert old.count("X") == 0 and old.count("Z") > 0.95 * len(old), {x: old.count(x) for x in "XYZ"}
