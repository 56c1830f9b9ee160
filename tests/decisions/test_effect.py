"""The effect of done tasks by a difference in differences: by hand on four customers, and recovering an
effect planted on a demo company."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clientbase.decisions.effect import EffectOptions, measure_effects
from clientbase.decisions.tasks import publish_tasks, update_task
from clientbase.demo.build import load_demo
from clientbase.demo.generate import generate
from clientbase.registry.access import Actor
from clientbase.store import connect
from tests.analytics.example import _line as example_line
from tests.analytics.example import load
from tests.decisions.test_tasks import action

HEAD = Actor("M01", "head")
d = dt.date
DONE = d(2024, 7, 1)  # 180 days of data after it: to 2024-12-27; 180 before: from 2024-01-03


def _line(order: str, cid: str, day: dt.date, net: str) -> dict[str, Any]:
    return example_line(order, 1, cid, day, "1", net, net, "0")


def _four_customers() -> dict[str, list[dict[str, Any]]]:
    after = {"T": "1300", "C1": "1050", "C2": "1100", "C3": "1150"}
    lines = [_line(f"{c}-0", c, d(2024, 3, 1), "1000") for c in after]
    lines += [_line(f"{c}-1", c, d(2024, 10, 1), v) for c, v in after.items()]
    lines.append(_line("T-9", "T", d(2024, 12, 27), "0"))  # the latest order: 180 days from DONE
    return {
        "managers": [{"manager_id": "M01", "name": "Helga", "role": "head", "active": True}],
        "products": [dict(product_id="P1", name="Drill", list_price=D("1"), unit_cost=D("0"))],
        "counterparties": [
            dict(
                counterparty_id=c,
                name=c,
                roles="customer",
                status="active",
                owner_id="M01",
                created_at=d(2020, 1, 1),
            )
            for c in after
        ],
        "order_lines": lines,
    }


def test_difference_in_differences_by_hand() -> None:
    with connect("duckdb:///:memory:") as store:
        load(store, _four_customers())
        task = publish_tasks(store, actor=HEAD, actions=[action("T", "reprice", "M01", "500.00")]).created[0]
        update_task(store, actor=HEAD, task_id=task.task_id, status="done", expected_version=1, done_on=DONE)
        report = measure_effects(store, actor=HEAD, options=EffectOptions(window_days=180))
    [t] = report.tasks
    # T: 1,000 -> 1,300 (+300); controls +50, +100, +150: mean +100, sd 50
    assert (t.before, t.after, t.control_change, t.controls, t.days) == (
        D("1000.00"),
        D("1300.00"),
        D("100.00"),
        3,
        180,
    )
    assert t.effect == D("200.00")
    assert t.standard_error == D("57.74")  # 50 x sqrt(1 + 1/3)
    assert t.effect_a_year == D("405.56")  # x 365 / 180
    [lever] = report.levers()
    d_ = lever.as_dict()
    assert (d_["code"], d_["tasks"], d_["effect_a_year"], d_["expected_a_year"]) == (
        "reprice",
        1,
        D("405.56"),
        D("500.00"),
    )
    assert d_["ci95_low"] < D("405.56") < d_["ci95_high"]


def test_a_task_done_too_recently_waits() -> None:
    with connect("duckdb:///:memory:") as store:
        load(store, _four_customers())
        task = publish_tasks(store, actor=HEAD, actions=[action("T", "reprice", "M01")]).created[0]
        update_task(
            store,
            actor=HEAD,
            task_id=task.task_id,
            status="done",
            expected_version=1,
            done_on=d(2024, 12, 20),
        )
        report = measure_effects(store, actor=HEAD)
    assert report.tasks == [] and "8 days of data after 2024-12-20; 30 needed" in report.waiting[0]["reason"]


def test_an_effect_planted_on_the_demo_is_recovered() -> None:
    data = generate(customers=600, years=2, seed=8)
    lines = data.tables["order_lines"]
    end = max(lines.column("order_date").to_pylist())
    done = end - dt.timedelta(days=179)
    # 100 customers with sales in the half-year before: from the done day their discount is 10 points less
    before = pc.and_(
        pc.greater_equal(lines["order_date"], pa.scalar(done - dt.timedelta(days=180))),
        pc.less(lines["order_date"], pa.scalar(done)),
    )
    buyers = sorted(set(pc.filter(lines["counterparty_id"], before).to_pylist()))
    treated = buyers[::3][:100]
    lifted = pc.and_(
        pc.is_in(lines["counterparty_id"], pa.array(treated)),
        pc.greater_equal(lines["order_date"], pa.scalar(done)),
    )
    list_price = lines["list_price"].cast(pa.float64()).to_numpy()
    net = lines["net_price"].cast(pa.float64()).to_numpy()
    mask = lifted.to_numpy(zero_copy_only=False)
    new_net = np.where(mask, np.minimum(list_price, net + 0.10 * list_price), net).round(4)
    lines = lines.set_column(
        lines.schema.get_field_index("net_price"),
        "net_price",
        pa.array(new_net).cast(lines.schema.field("net_price").type),
    )
    data.tables["order_lines"] = lines
    qty = lines["quantity"].cast(pa.float64()).to_numpy()
    lift = ((new_net - net) * qty)[mask]
    owners = np.asarray(lines["counterparty_id"].to_pylist(), dtype=object)[mask]
    planted_by = {c: float(lift[owners == c].sum()) for c in treated}  # over the 180 days
    with connect("duckdb:///:memory:") as store:
        load_demo(store, data)
        published = publish_tasks(store, actor=HEAD, actions=[action(c, "reprice", "M01") for c in treated])
        for t in published.created:
            update_task(store, actor=HEAD, task_id=t.task_id, status="done", expected_version=1, done_on=done)
        report = measure_effects(store, actor=HEAD, options=EffectOptions(window_days=180))
    assert len(report.tasks) >= 90  # those with sales in the half-year before
    planted = float(np.mean([planted_by[t.counterparty_id] for t in report.tasks]))
    [lever] = report.levers()
    estimate = float(lever.effect_a_year) * 180 / 365
    se = float(lever.standard_error_a_year) * 180 / 365
    print(f"planted {planted:.2f} per customer in 180 days; measured {estimate:.2f} +- {se:.2f}")
    assert abs(estimate - planted) < 2.5 * se
    assert estimate - 1.96 * se > 0  # the 95 % interval tells the effect from nothing
