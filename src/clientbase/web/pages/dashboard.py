"""The dashboard at ``/``, different per role: the headline, key figures of both periods, the whale curve and
the profit bridge (the company's for the head and analysts, a manager's own customers'), and the user's work:
loss-making customers, overdue invoices, duplicates to review and (loaded on its own, it audits every
record) the data-quality fix-first list; the head sees the same for each manager."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from clientbase.decisions import overview
from clientbase.web.charts import chart_block, waterfall, whale
from clientbase.web.deps import StoreDep, UserDep
from clientbase.web.navigation import NavItem
from clientbase.web.rendering import is_htmx, render

router = APIRouter(include_in_schema=False)
NAV = (NavItem("Dashboard", "/", order=5),)
#: the bridge's parts as the charts and tables name them
BRIDGE_LABELS = {
    "new_customers": "New customers",
    "lost_customers": "Lost customers",
    "volume": "Volume",
    "price_discount": "Price and discount",
    "mix_cogs": "Mix and cost of goods",
    "cost_to_serve": "Cost to serve",
    "credit_cost": "Credit cost",
}
KPIS = (
    ("net_revenue", "Net revenue", "money"),
    ("net_contribution", "Net contribution", "money"),
    ("margin_pct", "Margin", "pct"),
    ("customers", "Customers with sales", "count"),
    ("loss_makers", "Loss-makers", "count"),
)


def bridge_chart(bridge: dict[str, Any] | None, currency: str, chart_id: str) -> dict[str, str] | None:
    """The bridge from the compared period's net contribution to the analysed one's as a waterfall."""
    if not bridge:
        return None
    steps: list[tuple[str, Decimal | None, bool]] = [("Before", Decimal(str(bridge["before"])), True)]
    steps += [(BRIDGE_LABELS[k], Decimal(str(v)), False) for k, v in bridge["components"].items()]
    steps.append(("After", Decimal(str(bridge["after"])), True))
    description = (
        f"Net contribution from {bridge['before']} to {bridge['after']} {currency}: "
        + ", ".join(f"{BRIDGE_LABELS[k].lower()} {v}" for k, v in bridge["components"].items())
        + "."
    )
    return chart_block(
        waterfall(steps, currency=currency),
        chart_id=chart_id,
        title="Profit bridge: why net contribution moved",
        description=description,
    )


def whale_chart(summary: dict[str, Any] | None, points: list[Any], chart_id: str) -> dict[str, str] | None:
    if not summary or not summary.get("customers"):
        return None
    description = (
        f"{summary['customers']} customers; the most profitable {summary['customers_at_peak']} earn "
        f"{summary['peak_net_contribution']}, the other {summary['customers'] - summary['customers_at_peak']} "
        f"lose {summary['tail_loss']}; {summary['loss_makers']} are loss-makers."
    )
    return chart_block(whale(points), chart_id=chart_id, title="Whale curve", description=description)


@router.get("/")
def dashboard(request: Request, store: StoreDep, user: UserDep) -> Response:
    board = overview.dashboard(store, actor=user.actor)
    figures = board["key_figures"] or {}
    context = {
        "board": board,
        "kpis": KPIS,
        "bridge_labels": BRIDGE_LABELS,
        "charts": [
            c
            for c in (
                whale_chart(board["whale"], board["whale_points"], "whale"),
                bridge_chart(figures.get("bridge"), board["currency"] or "", "bridge"),
            )
            if c
        ],
    }
    return render(request, "dashboard/index.html", context)


@router.get("/dashboard/health")
def health_score(request: Request, store: StoreDep, user: UserDep) -> Response:
    """The overall score of the five steps (the head's and analysts'): shown once the background check of
    the current data is done; until then the part asks again."""
    from clientbase.decisions.health.service import overall_score

    score = overall_score(store, user.actor, wait=False)
    return render(request, "dashboard/_health.html", {"health": score})


@router.get("/dashboard/quality")
def quality(request: Request, store: StoreDep, user: UserDep) -> Response:
    """The fix-first lists (an audit of every record: at most five minutes old, per user)."""
    key = ("dashboard-quality", user.actor.manager_id, user.actor.role)
    work = request.app.state.cache.get(key, lambda: overview.quality_work(store, actor=user.actor))
    template = "dashboard/_quality.html" if is_htmx(request) else "dashboard/quality.html"
    return render(request, template, {"quality": work})
