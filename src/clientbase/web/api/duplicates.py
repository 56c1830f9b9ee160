"""Duplicate counterparties: the review queue (``clientbase duplicate-review --json``), one pair side by
side with the merge the rules would make, merges with the value chosen per field, undo, and decisions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, StringConstraints

from clientbase.dedupe import service
from clientbase.web import reports
from clientbase.web.api.analysis import json_response
from clientbase.web.api.models import ERRORS, NO_NUL, STRICT
from clientbase.web.deps import StoreDep, UserDep

router = APIRouter(tags=["duplicates"], responses={k: ERRORS[k] for k in (400, 401, 403, 404, 422)})

Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_NUL)]


class MergeRequest(BaseModel):
    """Merge ``merged_id`` into ``survivor_id``; both versions as read (a changed record answers 409)."""

    model_config = STRICT
    survivor_id: Id = Field(description="The record kept")
    merged_id: Id = Field(description="The record merged into it and archived")
    survivor_version: int = Field(description="The kept record's version when it was read")
    merged_version: int = Field(description="The merged record's version when it was read")
    take: dict[Annotated[str, StringConstraints(max_length=64, pattern=NO_NUL)], Id] = Field(
        default_factory=dict,
        description="Field -> whose value survives: survivor, merged or either record's id (else the rules)",
    )


class DecisionRequest(BaseModel):
    """A decision on a pair: ``rejected`` (not one company; never proposed again) or ``confirmed``."""

    model_config = STRICT
    id_l: Id
    id_r: Id
    version_l: int = Field(description="id_l's version when it was read")
    version_r: int = Field(description="id_r's version when it was read")
    decision: Literal["rejected", "confirmed"] = "rejected"
    note: Annotated[str, StringConstraints(max_length=1000, pattern=NO_NUL)] | None = None


@router.get("/duplicates")
def review_queue(
    request: Request,
    store: StoreDep,
    user: UserDep,
    from_: Annotated[float, Query(alias="from", ge=0.01, le=0.999, description="Lowest probability")] = 0.5,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """Undecided candidate pairs you may see (a manager: of their own records), most likely first, each with
    the weight of every comparison (prior + weights = match weight) and the records side by side."""
    found = reports.duplicate_search(request, store, from_)
    pairs = service.review_pairs(store, actor=user.actor, low=from_, limit=limit, result=found)
    return json_response({"pairs": pairs})


@router.get("/duplicates/merges")
def merges(store: StoreDep, user: UserDep) -> Response:
    """The merges of records you may see, newest first."""
    return json_response({"merges": service.merge_history(store, actor=user.actor)})


@router.get("/duplicates/{counterparty_id}/{other_id}")
def pair(
    request: Request,
    store: StoreDep,
    user: UserDep,
    counterparty_id: str,
    other_id: str,
    survivor: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
) -> Response:
    """Two records side by side, the model's score of the pair, its decision, and per field whose value a
    merge keeping ``survivor`` (default: the older record) would keep, by which rule."""
    detail = service.pair_detail(
        store,
        actor=user.actor,
        a=counterparty_id,
        b=other_id,
        survivor_id=survivor,
        result=reports.duplicate_search(request, store),
    )
    return json_response(detail)


def _created(document: Any) -> Response:
    response = json_response(document)
    response.status_code = 201
    return response


def _merge_document(result: Any) -> dict[str, Any]:
    return {
        "merge_id": result.merge_id,
        "survivor": result.survivor,
        "choices": {f: {"side": s, "rule": r} for f, (s, r) in result.choices.items()},
        "repointed": result.repointed,
    }


@router.post("/duplicates/merges", status_code=201, responses={409: ERRORS[409]})
def merge(store: StoreDep, user: UserDep, body: MergeRequest) -> Response:
    """Merge two records (the head; a manager their own): values by the rules unless ``take`` chooses;
    orders, invoices, activities and contacts re-pointed; the merged record archived. Undo it by its id."""
    result = service.merge_pair(
        store,
        actor=user.actor,
        survivor_id=body.survivor_id,
        merged_id=body.merged_id,
        versions={body.survivor_id: body.survivor_version, body.merged_id: body.merged_version},
        take=body.take,
    )
    return _created(_merge_document(result))


@router.post("/duplicates/merges/{merge_id}/undo", responses={409: ERRORS[409]})
def undo(store: StoreDep, user: UserDep, merge_id: str) -> Response:
    """Undo a merge exactly (refused when either record changed after it)."""
    return json_response(service.undo(store, actor=user.actor, merge_id=merge_id))


@router.post("/duplicates/decisions", status_code=201, responses={409: ERRORS[409]})
def decide(store: StoreDep, user: UserDep, body: DecisionRequest) -> Response:
    """Remember a decision on a pair (not analysts)."""
    row = service.decide_pair(
        store,
        actor=user.actor,
        a=body.id_l,
        b=body.id_r,
        versions={body.id_l: body.version_l, body.id_r: body.version_r},
        decision=body.decision,
        note=body.note,
    )
    return _created(row)
