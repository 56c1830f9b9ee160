"""Forming the base: the acquisition cohorts (targeted against spontaneous per channel, as a table and a
chart), the profile of customers worth winning in words and numbers, the ranked prospects with the "work
this list" export, and the score section of a prospect's card (a fragment the card loads).

The targeting models are fitted in the background once per data fingerprint (:mod:`clientbase.web.computed`);
a page shows "computing" and polls with HTMX until they are ready.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from clientbase.targeting import service
from clientbase.targeting.charts import acquisition_chart
from clientbase.web import computed
from clientbase.web.api.targeting import export_file
from clientbase.web.charts import chart_block
from clientbase.web.deps import StoreDep, UserDep
from clientbase.web.jobs import Job
from clientbase.web.navigation import NavItem
from clientbase.web.rendering import is_htmx, render

router = APIRouter(include_in_schema=False)
NAV = (
    NavItem("Acquisition", "/acquisition", order=40),
    NavItem("Prospects", "/targets", order=41),
)
POLL = "load delay:2s"
PAGE = 50
#: the figures of each mode per channel, as the table shows them: (key, label, kind)
FIGURES = (
    ("prospects", "Prospects", "number"),
    ("converted", "Won", "number"),
    ("conversion_rate", "Conversion", "percent"),
    ("days_to_first_order", "Days to first order", "number"),
    ("cost_per_acquired", "Cost to win one", "money"),
    ("first12_per_acquired", "12 months per customer won", "money"),
    ("net_first12_per_acquired", "After the cost", "money"),
    ("payback_month", "Payback month", "number"),
    ("still_active_share", "Still active", "percent"),
)


def _state(job: Job) -> dict[str, Any]:
    return {"pending": not job.done, "seconds": round(job.running_for), "error": job.error, "poll": POLL}


def _fragment(request: Request, target: str) -> bool:
    return is_htmx(request) and request.headers.get("hx-target") == target


@router.get("/acquisition")
def acquisition_page(request: Request, user: UserDep) -> Response:
    job = computed.acquisition(request, user)
    context: dict[str, Any] = {"self_url": "/acquisition", "figures": FIGURES, **_state(job)}
    if job.done and job.error is None:
        document = job.value
        chart = job.derive("chart", acquisition_chart)
        context |= {
            "doc": document,
            "chart": chart_block(
                chart,
                chart_id="acq",
                title="Targeted against spontaneous, per channel",
                description="Conversion rate, cost to win a customer and the 12-month net contribution "
                "per customer won after that cost, for each channel and mode; the table below gives the numbers.",
            ),
        }
    template = (
        "targeting/_acquisition.html" if _fragment(request, "acq-result") else "targeting/acquisition.html"
    )
    return render(request, template, context)


@router.get("/targets")
def targets_page(
    request: Request,
    user: UserDep,
    owner: Annotated[str | None, Query(max_length=64)] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Response:
    owner = owner or None
    job = computed.targets(request, user)
    query = {"owner": owner} if owner else {}
    context: dict[str, Any] = {
        "self_url": "/targets?" + urlencode({**query, "offset": offset}),
        "owner": owner,
        "export_query": urlencode(query),
        "sees_all": user.actor.sees_all,
        **_state(job),
    }
    if job.done and job.error is None:
        document = service.narrow(job.value, actor=user.actor, owner=owner, limit=PAGE, offset=offset)
        total = document["open_prospects"]
        context |= {
            "doc": document,
            "first": min(offset + 1, total),
            "last": min(offset + PAGE, total),
            "previous_url": None
            if offset <= 0
            else "/targets?" + urlencode({**query, "offset": max(offset - PAGE, 0)}),
            "next_url": "/targets?" + urlencode({**query, "offset": offset + PAGE})
            if offset + PAGE < total
            else None,
        }
    template = "targeting/_targets.html" if _fragment(request, "targets-result") else "targeting/targets.html"
    return render(request, template, context)


@router.get("/targets/export.{fmt}")
def export(
    request: Request,
    store: StoreDep,
    user: UserDep,
    fmt: Literal["csv", "xlsx"],
    owner: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """ "Work this list": the ranked prospects as XLSX or CSV."""
    return export_file(request, store, user, fmt, owner or None)


@router.get("/customers/{counterparty_id}/score")
def card_score(request: Request, store: StoreDep, user: UserDep, counterparty_id: str) -> Response:
    """The card's score section of a prospect (the card loads it; it polls while the models are fitted)."""
    job = computed.targets(request, user)
    context: dict[str, Any] = {"counterparty_id": counterparty_id, **_state(job), "score": None}
    document = job.value if job.done and job.error is None else None
    card = service.prospect_card(
        store=store,
        actor=user.actor,
        counterparty_id=counterparty_id,
        document=document
        if document is not None
        else {"prospects": [], "method": None, "horizon_days": None},
    )
    context["score"] = card
    return render(request, "targeting/_card_score.html", context)
