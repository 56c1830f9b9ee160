"""The targeting services the CLI and the web share: keyword-only, given the store and the acting user,
returning JSON-ready documents (Decimal money, ISO dates).

Who sees what: the acquisition table, the profile and the validation are company figures every user may
read; the scored prospects are those the user may see (:mod:`clientbase.registry.access`: the head and
analysts all, a manager their own).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from clientbase.errors import NotFoundError, PermissionDeniedError
from clientbase.registry.access import Actor
from clientbase.targeting.cohorts import CohortOptions, acquisition_table
from clientbase.targeting.history import History, read_history
from clientbase.targeting.profile import profile
from clientbase.targeting.validation import Fitted, Labels, TargetOptions, fit_scorer, horizon_days, validate

if TYPE_CHECKING:
    from clientbase.store import Store

#: record columns each scored prospect carries
PROSPECT_COLUMNS = (
    "name",
    "owner_id",
    "acquisition_channel",
    "acquisition_mode",
    "industry",
    "size_band",
    "country",
    "region",
)


def acquisition(
    *,
    store: Store,
    actor: Actor,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    options: CohortOptions | None = None,
) -> dict[str, Any]:
    """Acquisition in profit: cohorts by channel, mode and month, and targeted against spontaneous per
    channel (:func:`~clientbase.targeting.cohorts.acquisition_table`). Every role may read it.

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     acquisition(store=store, actor=Actor("M01", "head"))
        Traceback (most recent call last):
        ...
        clientbase.errors.ConfigurationError: The database has no order lines or activities, so there is no acquisition history to read; load transactions first (clientbase import-folder or import-transactions).
    """
    del actor  # company figures: every role reads them
    return acquisition_table(read_history(store, as_of=as_of, since=since), options)


def _check_owner(actor: Actor, owner: str | None) -> str | None:
    """The owner whose prospects ``actor`` asks for (a manager: always their own)."""
    if actor.sees_all:
        return owner
    if owner not in (None, actor.manager_id):
        raise PermissionDeniedError(
            f"{actor.manager_id} is a manager and sees only their own prospects, not those of {owner}."
        )
    return actor.manager_id


def _money(value: float) -> Decimal:
    """A model's estimate as an amount to the cent."""
    return Decimal(str(round(float(value), 2))).quantize(Decimal("0.01"))


def score_prospects(history: History, fitted: Fitted, labels: Labels, options: TargetOptions) -> pd.DataFrame:
    """Every open prospect with its scores and factors, ranked by expected value (overall and per owner)."""
    p = history.prospects
    open_ = p[p["open"].to_numpy()]
    if open_.empty:
        return pd.DataFrame(columns=["counterparty_id", *PROSPECT_COLUMNS])
    pred = fitted.scorer.predict(open_)
    scored = open_[[c for c in PROSPECT_COLUMNS if c in open_.columns]].copy()
    age = (pd.Timestamp(history.as_of) - pd.to_datetime(open_["created"])).dt.days.to_numpy()
    scored["created"] = open_["created"]
    scored["age_days"] = age
    scored["beyond_horizon"] = age > labels.horizon
    scored["p_convert"] = np.round(pred.p_convert, 4)
    scored["expected_contribution"] = [_money(v) for v in pred.expected_contribution]
    scored["expected_cost"] = [_money(v) for v in pred.expected_cost]
    scored["expected_value"] = [_money(v) for v in pred.expected_value]
    scored["factors"] = [
        [{**f, "effect": _money(f["effect"]), "contribution": _money(f["contribution"])} for f in row]
        for row in fitted.scorer.factors(pred, options.factors)
    ]
    scored["_ev"] = pred.expected_value
    scored = scored.sort_values(["_ev"], ascending=False, kind="stable")
    scored["rank"] = np.arange(1, len(scored) + 1)
    scored["owner_rank"] = scored.groupby("owner_id", dropna=False).cumcount() + 1
    return scored.drop(columns=["_ev"]).reset_index()


def targets(
    *,
    store: Store,
    actor: Actor,
    owner: str | None = None,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    options: TargetOptions | None = None,
    limit: int | None = None,
    export_to: str | Path | None = None,
) -> dict[str, Any]:
    """The prospects worth winning: the time-split validation, the profile in words and numbers, and the
    open prospects the user may see (of ``owner`` when given), ranked by expected value, with P(convert),
    the expected 12-month net contribution if won, the expected cost to win and the top factors. With
    ``export_to`` (``.xlsx`` or ``.csv``) the ranked list is also written there for a campaign, with the
    prospects' phone, e-mail and city (``export``: the file and the rows written).

    Raises:
        PermissionDeniedError: a manager asked for another owner's prospects.

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     targets(store=store, actor=Actor("M03", "manager"), owner="M04")
        Traceback (most recent call last):
        ...
        clientbase.errors.PermissionDeniedError: M03 is a manager and sees only their own prospects, not those of M04.
    """
    options = options or TargetOptions()
    owner = _check_owner(actor, owner)
    history = read_history(store, as_of=as_of, since=since)
    labels = Labels.of(history, horizon_days(history, options))
    validation = validate(history, labels, options)
    fitted = fit_scorer(history, labels, np.ones(len(history.prospects), dtype=bool), options)
    if fitted.method != "model":
        validation["reason"] = validation["reason"] or fitted.reason
    scored = score_prospects(history, fitted, labels, options)
    if owner is not None:
        scored = scored[scored["owner_id"] == owner]
    owners = (
        scored.groupby("owner_id", dropna=False)
        .agg(prospects=("counterparty_id", "size"))
        .reset_index()
        .to_dict("records")
    )
    shown = scored if limit is None else scored.head(limit)
    document = {
        "as_of": history.as_of,
        "since": history.since,
        "currency": history.currency,
        "method": fitted.method,
        "reason": fitted.reason,
        "horizon_days": labels.horizon,
        "validation": validation,
        "fields": fields_used(fitted),
        "profile": profile(history, labels, fitted),
        "owner": owner,
        "owners": owners,
        "open_prospects": len(scored),
        "prospects": [_jsonable(r) for r in shown.to_dict("records")],
    }
    if export_to is not None:
        from clientbase.targeting.export import write_list

        document["export"] = {"path": str(export_to), "rows": write_list(store, document, export_to)}
    return document


def fields_used(fitted: Fitted) -> list[dict[str, Any]]:
    """Every candidate field with whether each model kept it, and why not."""
    from clientbase.targeting.model import ProspectModel

    model = fitted.scorer if isinstance(fitted.scorer, ProspectModel) else None
    out = []
    for f in fitted.fields:
        row = f.as_dict()
        row["conversion"] = model is not None and f.field in model.conversion_fields_
        row["contribution"] = model is not None and f.field in model.contribution_fields_
        if f.used and model is not None and not (row["conversion"] or row["contribution"]):
            row["used"] = False
            row["reason"] = (
                "dropped: leaving it out predicts conversion and contribution no worse out of sample"
            )
        elif f.used and model is None:
            row["used"] = False
            row["reason"] = "not fitted: the cohort rates stand in"
        out.append(row)
    return out


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and value != value:
            value = None
        out[key] = value
    return out


def prospect_score(
    *,
    store: Store,
    actor: Actor,
    counterparty_id: str,
    as_of: dt.date | None = None,
    options: TargetOptions | None = None,
) -> dict[str, Any]:
    """One open prospect's score and factors, for its card.

    Raises:
        NotFoundError: no open prospect ``counterparty_id`` the user may see.
    """
    document = targets(store=store, actor=actor, as_of=as_of, options=options)
    for row in document["prospects"]:
        if row["counterparty_id"] == counterparty_id:
            return {"method": document["method"], "horizon_days": document["horizon_days"], **row}
    raise NotFoundError(f"No open prospect {counterparty_id} visible to {actor.manager_id}.")


def export_targets(
    *,
    store: Store,
    actor: Actor,
    path: str | Path,
    owner: str | None = None,
    as_of: dt.date | None = None,
    options: TargetOptions | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Write the ranked prospects the user may see to ``path`` (``.xlsx`` or ``.csv``) for a campaign
    ("work this list"); returns the file and the rows written."""
    document = targets(
        store=store, actor=actor, owner=owner, as_of=as_of, options=options, limit=limit, export_to=path
    )
    return {**document["export"], "method": document["method"]}


def narrow(
    document: dict[str, Any],
    *,
    actor: Actor,
    owner: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> dict[str, Any]:
    """A :func:`targets` document made for ``actor`` (once, e.g. kept by the web app) cut to the prospects of
    ``owner`` (a manager: their own, asking for another owner's is refused) and to ``limit`` from
    ``offset``; ``open_prospects`` counts the prospects of the owner before the cut.

    Example:
        >>> doc = {"owner": None, "prospects": [{"counterparty_id": "C1", "owner_id": "M03"},
        ...                                     {"counterparty_id": "C2", "owner_id": "M04"}]}
        >>> [p["counterparty_id"] for p in narrow(doc, actor=Actor("M01", "head"), owner="M04")["prospects"]]
        ['C2']
    """
    owner = _check_owner(actor, owner)
    rows = document["prospects"]
    if owner is not None:
        rows = [p for p in rows if p["owner_id"] == owner]
    end = None if limit is None else offset + limit
    return {**document, "owner": owner, "open_prospects": len(rows), "prospects": rows[offset:end]}


def prospect_card(
    *,
    store: Store,
    actor: Actor,
    counterparty_id: str,
    document: dict[str, Any] | Callable[[], dict[str, Any]] | None = None,
) -> dict[str, Any] | None:
    """The score and factors of a record for its card, or ``None`` when it is not an open prospect.
    ``document``: the :func:`targets` document made for ``actor``, or a function returning it (called only
    once the user may see the record); computed when not given.

    Raises:
        NotFoundError: no record ``counterparty_id`` the user may see (the words of a missing one).
    """
    from clientbase.registry import service as registry

    registry.get_record(store, actor=actor, kind="counterparties", record_id=counterparty_id)
    if callable(document):
        document = document()
    if document is None:
        document = targets(store=store, actor=actor)
    for row in document["prospects"]:
        if row["counterparty_id"] == counterparty_id:
            return {"method": document["method"], "horizon_days": document["horizon_days"], **row}
    return None
