"""The quality service the CLI and the web share: the audit as the acting user may see it, with its trend.

The head and analysts see the whole base: the overall score, every manager, every field, every work list,
and the overall trend from the snapshots. A manager sees their own records only: their score (the mean over
their records), their row, the fields scored over their records, their work list and their own trend.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.quality.audit import (
    QualityReport,
    audit,
    by_field,
    by_manager,
    trend,
    work_lists,
)
from clientbase.quality.criteria import Criteria
from clientbase.registry.access import Actor
from clientbase.store import Store


@dataclass(frozen=True)
class QualityView:
    """The audit as one user sees it: ``scope`` is ``all`` or the manager's id; ``report`` holds only the
    records in the scope (scores, managers, fields and work lists computed over them)."""

    scope: str
    report: QualityReport
    trend: list[dict[str, Any]]
    #: manager id -> name, for the managers in the view
    manager_names: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the shape of ``clientbase quality --json`` (plus ``scope`` and ``manager_names``)."""
        return {
            "scope": self.scope,
            **self.report.as_dict(),
            "trend": self.trend,
            "manager_names": self.manager_names,
        }


def quality_overview(
    store: Store,
    *,
    actor: Actor,
    as_of: dt.date | None = None,
    criteria: Criteria | None = None,
    duplicates: bool = True,
    report: QualityReport | None = None,
) -> QualityView:
    """The audit (:func:`clientbase.quality.audit.audit`) restricted to what ``actor`` may see.

    ``report`` is an audit already made (then ``as_of``, ``criteria`` and ``duplicates`` are its own).

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     quality_overview(store, actor=Actor("M01", "head"), as_of=dt.date(2024, 12, 31)).scope
        'all'
    """
    criteria = criteria or Criteria()
    if report is None:
        report = audit(store, as_of=as_of, criteria=criteria, duplicates=duplicates)
    names = _names(store)
    if actor.sees_all:
        shown = {m["manager_id"] for m in report.by_manager}
        return QualityView(
            scope="all",
            report=report,
            trend=trend(store),
            manager_names={k: v for k, v in names.items() if k in shown},
        )
    mine = [r for r in report.records if r.owner_id == actor.manager_id]
    rows = by_manager(mine)
    own = QualityReport(
        as_of=report.as_of,
        overall_score=rows[0]["score"] if rows else 100.0,
        records=mine,
        by_manager=rows,
        by_field=by_field(mine, criteria),
        work_lists=work_lists(mine, criteria.work_list_size),
        weights=report.weights,
    )
    return QualityView(
        scope=actor.manager_id,
        report=own,
        trend=trend(store, scope="manager", key=actor.manager_id),
        manager_names={actor.manager_id: names.get(actor.manager_id, actor.manager_id)},
    )


def state_key(store: Store, as_of: dt.date | None = None) -> str:
    """What the audit depends on, as one string: the data the analysis reads
    (:func:`clientbase.decisions.customer_metrics.fingerprint`, the counterparties included), the
    verifications, the duplicate decisions, the managers and the day. Equal keys, equal audits: a caller may
    keep a report under it.
    """
    from clientbase.decisions.customer_metrics import fingerprint

    fv, dd, m = schema.field_verification, schema.duplicate_decisions, schema.managers
    with store.begin() as conn:
        verified = conn.execute(sa.select(sa.func.count(), sa.func.max(fv.c.verified_at))).one()
        decided = conn.execute(sa.select(sa.func.count(), sa.func.max(dd.c.decided_at))).one()
        managers = conn.execute(
            sa.select(m.c.manager_id, m.c.role, m.c.active).order_by(m.c.manager_id)
        ).all()
    day = as_of or dt.datetime.now(dt.UTC).date()
    return ";".join(
        [
            fingerprint(store),
            f"verified:{verified[0]}:{verified[1]}",
            f"decided:{decided[0]}:{decided[1]}",
            "managers:" + ",".join(f"{r.manager_id}/{r.role}/{r.active}" for r in managers),
            f"day:{day}",
        ]
    )


def _names(store: Store) -> dict[str, str]:
    m = schema.managers
    with store.begin() as conn:
        return {
            r.manager_id: r.name or r.manager_id for r in conn.execute(sa.select(m.c.manager_id, m.c.name))
        }
