"""Data quality: the score and its trend, per manager and per field (table and chart), and each manager's
fix-first list, each issue linking to the card's field. Managers see their own records, the head and
analysts the whole base (:func:`clientbase.quality.service.quality_overview`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from clientbase.quality.audit import PARTS
from clientbase.quality.service import quality_overview
from clientbase.registry import card as card_service
from clientbase.web import reports
from clientbase.web.charts import chart_block, score_grid, score_trend
from clientbase.web.deps import StoreDep, UserDep
from clientbase.web.navigation import NavItem
from clientbase.web.rendering import render

router = APIRouter(include_in_schema=False)
NAV = (NavItem("Quality", "/quality", order=14),)

#: the parts a field is scored on (uniqueness and consistency are of records, not of fields)
FIELD_PARTS = ("completeness", "validity", "freshness")
ON_CARD = {name for group in card_service.FIELD_GROUPS.values() for name in group}


def issue_link(counterparty_id: str, issue: dict[str, Any]) -> str:
    """Where on the card an issue is fixed: the field, the duplicates section, or the card."""
    if issue["kind"] == "duplicate":
        return f"/customers/{counterparty_id}#duplicates"
    if issue["field"] in ON_CARD:
        return f"/customers/{counterparty_id}#field-{issue['field']}"
    return f"/customers/{counterparty_id}"


@router.get("/quality")
def quality_page(request: Request, store: StoreDep, user: UserDep) -> Response:
    view = quality_overview(store, actor=user.actor, report=reports.quality_report(request, store))
    charts = []
    if view.trend:
        charts.append(
            chart_block(
                score_trend(view.trend),
                chart_id="quality_trend",
                title="Score over time",
                description=", ".join(f"{t['taken_at']:%Y-%m-%d}: {t['score']}" for t in view.trend[-12:]),
            )
        )
    managers = [{**m, "manager": m["manager_id"] or "(no owner)"} for m in view.report.by_manager]
    charts.append(
        chart_block(
            score_grid(managers, key="manager", parts=PARTS),
            chart_id="quality_managers",
            title="Per manager and part",
            description="; ".join(f"{m['manager']}: {m['score']}" for m in managers),
        )
    )
    fields = sorted(view.report.by_field, key=lambda f: (f["score"], f["field"]))
    charts.append(
        chart_block(
            score_grid(fields, key="field", parts=FIELD_PARTS, scale=100),
            chart_id="quality_fields",
            title="Per field and part",
            description="; ".join(f"{f['field']}: {f['score']}" for f in fields),
        )
    )
    return render(
        request,
        "quality/page.html",
        {
            "view": view,
            "parts": PARTS,
            "field_parts": FIELD_PARTS,
            "fields": fields,
            "charts": charts,
            "issue_link": issue_link,
            "trend_change": (
                float(view.trend[-1]["score"]) - float(view.trend[-2]["score"])
                if len(view.trend) > 1
                else None
            ),
        },
    )
