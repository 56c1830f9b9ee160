"""Duplicates: the review queue, each pair side by side with the weight of every comparison in the match,
merge (the record kept and, per field, whose value survives), not a duplicate (remembered), later, and the
merge history with undo. Roles as :mod:`clientbase.dedupe.service` says."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from clientbase.dedupe import service
from clientbase.errors import Problem, ValidationError
from clientbase.web import reports
from clientbase.web.charts import chart_block, waterfall
from clientbase.web.deps import StoreDep, UserDep
from clientbase.web.navigation import NavItem
from clientbase.web.rendering import render

router = APIRouter(include_in_schema=False)
NAV = (NavItem("Duplicates", "/duplicates", order=16),)

Later = Annotated[list[str], Query(max_length=50)]


def pair_key(id_l: str, id_r: str) -> str:
    return f"{id_l}~{id_r}"


@router.get("/duplicates")
def queue_page(
    request: Request,
    store: StoreDep,
    user: UserDep,
    later: Later = [],  # noqa: B006 (FastAPI copies defaults)
    merged: Annotated[str, Query(max_length=40)] = "",
    undone: Annotated[str, Query(max_length=40)] = "",
    rejected: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    pairs = service.review_pairs(store, actor=user.actor, result=reports.duplicate_search(request, store))
    postponed = set(later)
    pairs = [p for p in pairs if pair_key(p["id_l"], p["id_r"]) not in postponed] + [
        p for p in pairs if pair_key(p["id_l"], p["id_r"]) in postponed
    ]
    history = service.merge_history(store, actor=user.actor)
    return render(
        request,
        "duplicates/queue.html",
        {
            "pairs": pairs,
            "postponed": postponed,
            "later": later,
            "history": history,
            "merged": next((m for m in history if m["merge_id"] == merged), None) if merged else None,
            "undone": undone,
            "rejected": rejected,
            "pair_key": pair_key,
        },
    )


def _waterfall(scored: dict[str, Any]) -> dict[str, str]:
    steps: list[tuple[str, Decimal | None, bool]] = [
        ("Prior (two records at random)", Decimal(str(scored["prior_weight"])), False)
    ]
    steps += [
        (f"{f['field']}: {f['level']}", Decimal(str(f["match_weight"])), False)
        for f in scored["fields"]
        if f["match_weight"]
    ]
    if scored["other_weight"]:
        steps.append(("Rare or common values", Decimal(str(scored["other_weight"])), False))
    steps.append(("Match weight", Decimal(str(scored["match_weight"])), True))
    spec = waterfall(steps, currency="match weight (log2 odds)")
    description = "; ".join(f"{label} {float(amount or 0):+.2f}" for label, amount, _ in steps)
    return chart_block(
        spec,
        chart_id="pair_waterfall",
        title=f"Why they match: probability {scored['match_probability']:.3f}",
        description=description,
    )


@router.get("/duplicates/{counterparty_id}/{other_id}")
def pair_page(
    request: Request,
    store: StoreDep,
    user: UserDep,
    counterparty_id: str,
    other_id: str,
    survivor: Annotated[str | None, Query(max_length=64)] = None,
    later: Later = [],  # noqa: B006
) -> Response:
    detail = service.pair_detail(
        store,
        actor=user.actor,
        a=counterparty_id,
        b=other_id,
        survivor_id=survivor or None,
        result=reports.duplicate_search(request, store),
    )
    key = pair_key(detail["id_l"], detail["id_r"])
    return render(
        request,
        "duplicates/pair.html",
        {
            "d": detail,
            "chart": _waterfall(detail["scored"]) if detail["scored"] else None,
            "later": [*[k for k in later if k != key], key],
        },
    )


def _versions(form: dict[str, Any], *ids: str) -> dict[str, int]:
    versions = {}
    for key in ids:
        raw = form.get(f"version_{key}")
        try:
            versions[key] = int(str(raw))
        except ValueError:
            raise ValidationError(
                [Problem("form", None, f"version_{key}", str(raw), "type: the form lost a version; reload")]
            ) from None
    return versions


def _ids(form: dict[str, Any], *names: str) -> list[str]:
    values = [str(form.get(name) or "") for name in names]
    missing = [n for n, v in zip(names, values, strict=True) if not v or len(v) > 64]
    if missing:
        raise ValidationError([Problem("form", None, n, None, "required: name the record") for n in missing])
    return values


@router.post("/duplicates/merge")
async def merge(request: Request, store: StoreDep, user: UserDep) -> Response:
    form = dict(await request.form())
    survivor_id, merged_id = _ids(form, "survivor_id", "merged_id")
    take = {
        str(name)[len("take_") :]: str(value)
        for name, value in form.items()
        if str(name).startswith("take_") and value
    }
    result = service.merge_pair(
        store,
        actor=user.actor,
        survivor_id=survivor_id,
        merged_id=merged_id,
        versions=_versions(form, survivor_id, merged_id),
        take=take,
    )
    return RedirectResponse(f"/duplicates?merged={result.merge_id}", status_code=303)


@router.post("/duplicates/reject")
async def reject(request: Request, store: StoreDep, user: UserDep) -> Response:
    form = dict(await request.form())
    a, b = _ids(form, "a", "b")
    row = service.decide_pair(store, actor=user.actor, a=a, b=b, versions=_versions(form, a, b))
    return RedirectResponse(f"/duplicates?rejected={pair_key(row['id_l'], row['id_r'])}", status_code=303)


@router.post("/duplicates/merges/{merge_id}/undo")
def undo(store: StoreDep, user: UserDep, merge_id: str) -> Response:
    service.undo(store, actor=user.actor, merge_id=merge_id)
    return RedirectResponse(f"/duplicates?undone={merge_id}", status_code=303)
