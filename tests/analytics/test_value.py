"""The customer-value table on the demo company: it ranks customers, and the planted truths show in it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from clientbase.cli.main import app
from clientbase.decisions.value import VALUE_COLUMNS, CustomerValue, ValueOptions, customer_value, purchases
from clientbase.demo.build import load_demo
from clientbase.demo.generate import DemoData, generate
from clientbase.errors import ConfigurationError
from clientbase.models import ConvergenceError, GammaGammaModel
from clientbase.store import connect

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, DemoData]:
    data = generate(customers=300, years=2, seed=11)
    url = f"duckdb:///{tmp_path_factory.mktemp('value')}/demo.duckdb"
    with connect(url) as store:
        load_demo(store, data)
    return url, data


@pytest.fixture(scope="module")
def value(demo: tuple[str, DemoData]) -> CustomerValue:
    with connect(demo[0]) as store:
        return customer_value(store)


def _planted(data: DemoData, cause: str) -> set[str]:
    truth = data.truth.to_pandas()
    return set(truth.loc[truth["cause"] == cause, "counterparty_id"])


def test_every_buying_customer_is_ranked_by_lifetime_value(
    value: CustomerValue, demo: tuple[str, DemoData]
) -> None:
    c = value.customers
    lines = demo[1].tables["order_lines"].to_pandas()
    bought = lines[(lines["quantity"] > 0) & (lines["net_price"] > 0)]
    assert sorted(c["counterparty_id"]) == sorted(bought["counterparty_id"].unique())
    assert list(c.columns) == list(VALUE_COLUMNS)
    assert c["clv"].is_monotonic_decreasing
    assert c["churn_rank"].sort_values().tolist() == list(range(1, len(c) + 1))
    # purchases are distinct order dates with a positive line: check one customer by hand
    first = c.iloc[0]
    days = bought.loc[bought["counterparty_id"] == first["counterparty_id"], "order_date"].nunique()
    assert first["purchases"] == days and first["frequency"] == days - 1
    assert ((c["p_alive"] >= 0) & (c["p_alive"] <= 1)).all()
    # a loss-making margin never gives a positive value, a profitable one never a negative value
    assert (c["margin_rate"].astype(float) * c["clv"].astype(float) >= 0).all()
    assert (c["clv"].astype(float) < 0).sum() >= 10
    assert sum(value.segment_counts().values()) == len(c)
    assert sum(value.abc_xyz().values()) == len(c) == sum(value.abc_xyz("abc_profit").values())


def test_revenue_abc_adds_up_to_the_thresholds(value: CustomerValue) -> None:
    c = value.customers.sort_values("net_revenue", ascending=False)
    revenue = c["net_revenue"].astype(float)
    positive = revenue.clip(lower=0)
    share_before = (positive.cumsum() - positive) / positive.sum()
    expected = np.where(
        revenue <= 0, "C", np.where(share_before < 0.8, "A", np.where(share_before < 0.95, "B", "C"))
    )
    assert c["abc_revenue"].tolist() == expected.tolist()
    a_share = positive[c["abc_revenue"] == "A"].sum() / positive.sum()
    assert 0.8 <= a_share < 0.8 + positive.max() / positive.sum()


def test_late_payers_pay_worse(value: CustomerValue, demo: tuple[str, DemoData]) -> None:
    c = value.customers.set_index("counterparty_id")
    late = c.index.isin(list(_planted(demo[1], "late_payer")))
    assert late.sum() >= 10
    assert c.loc[late, "share_paid_late"].mean() > 2 * c.loc[~late, "share_paid_late"].mean()
    assert c.loc[late, "days_over_terms"].mean() > c.loc[~late, "days_over_terms"].mean() + 20
    assert c.loc[late, "dso"].mean() > 2 * c.loc[~late, "dso"].mean()


def test_unprofitable_customers_are_c_by_contribution(
    value: CustomerValue, demo: tuple[str, DemoData]
) -> None:
    c = value.customers.set_index("counterparty_id")
    planted = c.index.isin(list(_planted(demo[1], "unprofitable")))
    assert planted.sum() >= 30
    assert (c.loc[planted, "abc_profit"] == "C").mean() >= 0.9
    assert c.loc[planted, "loss_making"].mean() > 3 * c.loc[~planted, "loss_making"].mean()
    flagged = value.a_revenue_c_profit()
    assert ((flagged["abc_revenue"] == "A") & ((flagged["abc_profit"] == "C") | flagged["loss_making"])).all()


def test_churned_customers_look_dead(value: CustomerValue, demo: tuple[str, DemoData]) -> None:
    c = value.customers.set_index("counterparty_id")
    churned = c.index.isin(list(_planted(demo[1], "churned")))
    assert churned.sum() >= 20
    assert c.loc[churned, "p_alive"].mean() < 0.6 < c.loc[~churned, "p_alive"].mean()
    assert c.loc[churned, "churn_rank"].median() < c.loc[~churned, "churn_rank"].median() / 2
    assert (
        c.loc[churned, "expected_purchases_90d"].mean() < c.loc[~churned, "expected_purchases_90d"].mean() / 2
    )


def test_returns_are_not_purchases() -> None:
    lines = ibis.memtable(
        {"counterparty_id": ["A", "A", "A"], "quantity": [3.0, -1.0, 2.0], "net_price": [10.0, 10.0, 0.0]}
    )
    assert purchases(lines).to_pyarrow()["amount"].to_pylist() == [30.0]


def test_an_earlier_as_of_ignores_later_purchases(demo: tuple[str, DemoData], value: CustomerValue) -> None:
    earlier = value.as_of - dt.timedelta(days=180)
    with connect(demo[0]) as store:
        before = customer_value(store, as_of=earlier, options=ValueOptions(horizon_months=6, model="mbgnbd"))
    assert before.as_of == earlier and len(before.customers) < len(value.customers)
    now = value.customers.set_index("counterparty_id")["frequency"]
    then = before.customers.set_index("counterparty_id")["frequency"]
    assert (then <= now.reindex(then.index)).all()
    assert before.purchase_model.model_name == "mbgnbd"


def test_options_that_cannot_work_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="horizon"):
        ValueOptions(horizon_months=0)
    with pytest.raises(ConfigurationError, match="pareto"):
        ValueOptions(model="pareto")
    with connect("duckdb:///:memory:") as store, pytest.raises(ConfigurationError, match="no order lines"):
        customer_value(store)


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd"])
def test_a_short_history_with_little_drop_out_still_gets_a_value(model: str) -> None:
    # 60 customers over 2 years (seed 5): the free BG/NBD fit ran off to a = 1.7e5, b = 2e7 and its predictions
    # were NaN; now b stops at the bound and the predictions are the model's limit, finite and warning-free
    with connect("duckdb:///:memory:") as store:
        load_demo(store, generate(customers=60, years=2, seed=5))
        with np.errstate(all="raise"):
            value = customer_value(store, options=ValueOptions(model=model))
    c = value.customers
    assert value.purchase_model.at_bound_ == ("b",)
    assert value.document()["models"]["purchases"]["at_bound"] == ["b"]
    for column in ("p_alive", "expected_purchases_90d"):
        assert np.all(np.isfinite(c[column].astype(float)))
    assert c["clv"].notna().all() and c["clv"].is_monotonic_decreasing
    assert ((c["p_alive"] >= 0) & (c["p_alive"] <= 1)).all() and c["expected_purchases_90d"].max() > 1


def test_an_unusable_fit_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # e.g. a spend model without a finite mean: predictions not finite -> ConvergenceError naming the params
    def no_mean(self: GammaGammaModel, frequency: object, monetary_value: object) -> np.ndarray:
        return np.full(np.shape(frequency), np.inf)

    monkeypatch.setattr(GammaGammaModel, "conditional_expected_average_spend", no_mean)
    with connect("duckdb:///:memory:") as store:
        load_demo(store, generate(customers=60, years=2, seed=1))
        with pytest.raises(ConvergenceError, match=r"unusable \(r=.*gamma=.*not finite for \d+ customers"):
            customer_value(store)


@pytest.fixture(scope="module")
def small_on_duckdb() -> tuple[DemoData, CustomerValue]:
    data = generate(customers=120, years=2, seed=3)
    with connect("duckdb:///:memory:") as store:
        load_demo(store, data)
        return data, customer_value(store)


def test_same_value_on_every_engine(db_url: str, small_on_duckdb: tuple[DemoData, CustomerValue]) -> None:
    data, expected = small_on_duckdb
    with connect(db_url) as store:
        load_demo(store, data)
        got = customer_value(store)
    pd.testing.assert_frame_equal(got.customers, expected.customers, check_exact=False, rtol=1e-9)
    assert got.purchase_model.params_ == pytest.approx(expected.purchase_model.params_, rel=1e-9)


def test_value_command(demo: tuple[str, DemoData], value: CustomerValue) -> None:
    shown = runner.invoke(app, ["value", "--db", demo[0], "--json"])
    assert shown.exit_code == 0, shown.output
    doc = json.loads(shown.stdout)
    assert doc["as_of"] == value.as_of.isoformat()
    assert len(doc["customers"]) == len(value.customers)
    assert [r["counterparty_id"] for r in doc["customers"][:5]] == value.customers["counterparty_id"][
        :5
    ].tolist()
    assert set(doc["abc_xyz"]) == {a + x for a in "ABC" for x in "XYZ"}
    assert sum(doc["segments"].values()) == len(value.customers)
    assert {r["counterparty_id"] for r in doc["a_revenue_c_profit"]} == set(
        value.a_revenue_c_profit()["counterparty_id"]
    )
    narrow = runner.invoke(app, ["value", "--db", demo[0], "--json", "--abc", "50,30", "--xyz", "80,150"])
    assert narrow.exit_code == 0, narrow.output
    cells = json.loads(narrow.stdout)["abc_xyz"]
    a_default = sum(doc["abc_xyz"][f"A{x}"] for x in "XYZ")
    assert (
        sum(cells[f"A{x}"] for x in "XYZ") < a_default
    )  # A up to 50 % holds fewer customers than up to 80 %
    assert cells["AZ"] + cells["BZ"] + cells["CZ"] < sum(doc["abc_xyz"][f"{a}Z"] for a in "ABC")
    bad = runner.invoke(app, ["value", "--db", demo[0], "--abc", "eighty"])
    assert bad.exit_code == 2 and "--abc 80,15" in bad.output
    table = runner.invoke(app, ["value", "--db", demo[0], "--limit", "5", "--horizon-months", "6"])
    assert table.exit_code == 0, table.output
    assert "Top 5 customers by lifetime value" in table.stdout and "Champions" in table.stdout


def test_value_command_on_an_empty_database(tmp_path: Path) -> None:
    assert runner.invoke(app, ["init", "--db", f"duckdb:///{tmp_path}/empty.duckdb"]).exit_code == 0
    result = runner.invoke(app, ["value", "--db", f"duckdb:///{tmp_path}/empty.duckdb"])
    assert result.exit_code == 1
    assert "no order lines" in result.output


def test_the_examples_of_docs_value_md_run() -> None:
    import doctest

    path = Path(__file__).parents[2] / "docs" / "value.md"
    result = doctest.testfile(str(path), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10 and result.failed == 0
