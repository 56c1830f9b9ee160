"""The quality audit: completeness, validity, freshness, uniqueness and consistency of every live record.

Scored per record, per field, per manager and overall on 0-100 (weights in :mod:`.criteria`), with the
issues behind each score and a work list per manager: the records to fix first, ranked by customer value
(net revenue over the last 12 months, plus 1 so records without sales still rank) x badness (100 - score).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.quality.criteria import Criteria
from clientbase.quality.facts import Facts, load_facts
from clientbase.store import Store, consistent_read

#: fields a person fills in (keys, bookkeeping and dates the system sets are not audited)
_SKIP = ("counterparty_id", "version", "created_at", "first_order_date")
PARTS = ("completeness", "validity", "freshness", "uniqueness", "consistency")


@dataclass
class RecordQuality:
    counterparty_id: str
    name: str | None
    owner_id: str | None
    parts: dict[str, float]
    score: float
    issues: list[dict[str, Any]] = field(default_factory=list)
    value: Decimal = Decimal(0)
    #: the audited fields that hold a value
    filled: frozenset[str] = frozenset()

    @property
    def priority(self) -> float:
        return (float(self.value) + 1.0) * (100.0 - self.score)


@dataclass
class QualityReport:
    as_of: dt.date
    overall_score: float
    records: list[RecordQuality]
    by_manager: list[dict[str, Any]]
    by_field: list[dict[str, Any]]
    work_lists: dict[str, list[dict[str, Any]]]
    weights: dict[str, float]

    @property
    def issues(self) -> list[dict[str, Any]]:
        return [i for r in self.records for i in r.issues]

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready dict (the shape ``clientbase quality --json`` prints)."""
        return {
            "as_of": self.as_of.isoformat(),
            "overall_score": self.overall_score,
            "weights": self.weights,
            "by_manager": self.by_manager,
            "by_field": self.by_field,
            "work_lists": self.work_lists,
            "records": [
                {"counterparty_id": r.counterparty_id, "owner_id": r.owner_id, "score": r.score, **r.parts}
                for r in self.records
            ],
            "issues": self.issues,
        }


def _issue(record_id: str, name: str, kind: str, detail: str) -> dict[str, Any]:
    return {"counterparty_id": record_id, "field": name, "kind": kind, "detail": detail}


def _verified_at(store: Store) -> dict[tuple[str, str], dt.datetime]:
    fv = schema.field_verification
    with store.begin() as conn:
        rows = conn.execute(
            sa.select(fv.c.record_id, fv.c.field_name, fv.c.verified_at).where(
                fv.c.table_name == "counterparties"
            )
        )
        return {(r.record_id, r.field_name): r.verified_at for r in rows if r.verified_at is not None}


def _duplicate_clusters(store: Store) -> dict[str, list[str]]:
    from clientbase.dedupe.counterparties import find_counterparty_duplicates

    _result, clusters = find_counterparty_duplicates(store)
    out: dict[str, list[str]] = {}
    for cluster in clusters:
        ids = [m["counterparty_id"] for m in cluster.members]
        for i in ids:
            out[i] = [x for x in ids if x != i]
    return out


def audited_fields() -> list[str]:
    """The counterparty fields the audit scores (those a person fills in), in the schema's order."""
    return [c.name for c in schema.counterparties.columns if c.name not in _SKIP]


@consistent_read
def audit(
    store: Store,
    *,
    as_of: dt.date | None = None,
    criteria: Criteria | None = None,
    duplicates: bool = True,
) -> QualityReport:
    """Audit every live (not archived) counterparty.

    Args:
        store: the database.
        as_of: the day the audit looks from (default: today, UTC).
        criteria: weights, ages and thresholds (default: the documented ones).
        duplicates: search duplicate clusters for the uniqueness part (splink; seconds on a large base).

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     audit(store, as_of=dt.date(2024, 12, 31)).overall_score
        100.0
    """
    from clientbase.registry import rules

    criteria = criteria or Criteria()
    as_of = as_of or dt.datetime.now(dt.UTC).date()
    cp = schema.counterparties
    with store.begin() as conn:
        rows = [
            dict(r)
            for r in conn.execute(
                sa.select(cp)
                .where(sa.or_(cp.c.status.is_(None), cp.c.status != "archived"))
                .order_by(cp.c.counterparty_id)
            ).mappings()
        ]
        managers = [r[0] for r in conn.execute(sa.select(schema.managers.c.manager_id))]
    facts = load_facts(store, as_of=as_of, window_days=criteria.facts_window_days)
    verified = _verified_at(store)
    clusters = _duplicate_clusters(store) if duplicates else {}
    audited = audited_fields()
    records = [
        _record_quality(row, audited, criteria, facts, verified, clusters, managers, as_of, rules)
        for row in rows
    ]
    return QualityReport(
        as_of=as_of,
        overall_score=_mean([r.score for r in records]),
        records=records,
        by_manager=by_manager(records),
        by_field=by_field(records, criteria),
        work_lists=work_lists(records, criteria.work_list_size),
        weights=dict(criteria.weights),
    )


def _record_quality(
    row: dict[str, Any],
    audited: list[str],
    criteria: Criteria,
    facts: Facts,
    verified: dict[tuple[str, str], dt.datetime],
    clusters: dict[str, list[str]],
    managers: list[str],
    as_of: dt.date,
    rules: Any,
) -> RecordQuality:
    rid = row["counterparty_id"]
    issues: list[dict[str, Any]] = []
    # completeness: required (schema + role/status rules) weigh 2, recommended 1
    required = {c.name for c in schema.counterparties.columns if c.info["field"].required} - set(_SKIP)
    required |= {name for name, _who in rules.required_fields(row)}
    wanted = {name: 2.0 for name in required}
    wanted.update({name: 1.0 for name in criteria.recommended if name not in wanted})
    missing = [name for name in wanted if row.get(name) is None or row.get(name) == ""]
    for name in missing:
        kind = "required" if wanted[name] == 2.0 else "recommended"
        issues.append(_issue(rid, name, "missing", f"{kind} field is empty"))
    completeness = 1 - sum(wanted[n] for n in missing) / sum(wanted.values())
    # validity: the registry's rules on the filled fields
    values = {k: v for k, v in row.items() if k != "version"}
    _clean, failures = rules.clean_record(schema.counterparties, values, managers=managers)
    invalid = {f.field: f for f in failures if f.rule != "required" and row.get(f.field) is not None}
    for name, failure in invalid.items():
        issues.append(_issue(rid, name, "invalid", f"{failure.rule}: {failure.message}"))
    filled = [n for n in audited if row.get(n) is not None]
    validity = 1 - len(invalid) / len(filled) if filled else 1.0
    # freshness: the last time each filled field was set or verified, else the record's creation
    tracked = [n for n in filled if n in criteria.max_age_days]
    stale = []
    created = row.get("created_at")
    for name in tracked:
        last = verified.get((rid, name))
        last_day = last.date() if last is not None else created
        if last_day is None or (as_of - last_day).days > criteria.max_age_days[name]:
            stale.append(name)
            since = "never verified" if last_day is None else f"last set or verified {last_day.isoformat()}"
            issues.append(
                _issue(rid, name, "stale", f"{since}; maximum age {criteria.max_age_days[name]} days")
            )
    freshness = 1 - len(stale) / len(tracked) if tracked else 1.0
    # uniqueness
    uniqueness = 1.0
    if rid in clusters:
        uniqueness = 0.0
        issues.append(
            _issue(rid, "counterparty_id", "duplicate", "likely the same as " + ", ".join(clusters[rid]))
        )
    # consistency with the facts
    inconsistencies = _inconsistencies(row, facts, criteria, as_of)
    issues += [_issue(rid, name, "inconsistent", detail) for name, detail in inconsistencies]
    consistency = max(0.0, 1 - 0.5 * len(inconsistencies))
    parts = {
        "completeness": round(completeness, 4),
        "validity": round(validity, 4),
        "freshness": round(freshness, 4),
        "uniqueness": uniqueness,
        "consistency": consistency,
    }
    score = round(100 * sum(criteria.weights[p] * parts[p] for p in PARTS), 1)
    return RecordQuality(
        counterparty_id=rid,
        name=row.get("name"),
        owner_id=row.get("owner_id"),
        parts=parts,
        score=score,
        issues=issues,
        value=facts.value.get(rid, Decimal(0)),
        filled=frozenset(filled),
    )


def _inconsistencies(
    row: dict[str, Any], facts: Facts, criteria: Criteria, as_of: dt.date
) -> list[tuple[str, str]]:
    rid = row["counterparty_id"]
    found: list[tuple[str, str]] = []
    if row.get("status") == "active":
        last = facts.last_order.get(rid)
        if last is None or (as_of - last).days > criteria.inactive_days:
            when = "no order ever" if last is None else f"last order {last.isoformat()}"
            found.append(("status", f"status active but {when} (over {criteria.inactive_days} days)"))
    agreed_days, given_days = row.get("payment_days"), facts.payment_days.get(rid)
    if (
        agreed_days is not None
        and given_days is not None
        and abs(given_days - agreed_days) > criteria.payment_days_tolerance
    ):
        found.append(
            ("payment_days", f"agreed {agreed_days} days, invoices give {given_days:g} days (median)")
        )
    agreed_pct, given_pct = row.get("discount_pct"), facts.discount_pct.get(rid)
    if (
        agreed_pct is not None
        and given_pct is not None
        and abs(given_pct - float(agreed_pct)) > criteria.discount_tolerance_pp
    ):
        found.append(
            (
                "discount_pct",
                f"agreed {float(agreed_pct):g} %, order lines give {given_pct:.1f} % off list",
            )
        )
    return found


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 1) if values else 100.0


def by_manager(records: list[RecordQuality]) -> list[dict[str, Any]]:
    """Per owner (``None`` last): mean score and parts, records, issues by kind."""
    groups: dict[str | None, list[RecordQuality]] = defaultdict(list)
    for r in records:
        groups[r.owner_id].append(r)
    out = []
    for manager_id in sorted(groups, key=lambda m: (m is None, m or "")):
        members = groups[manager_id]
        kinds: dict[str, int] = defaultdict(int)
        for r in members:
            for i in r.issues:
                kinds[i["kind"]] += 1
        out.append(
            {
                "manager_id": manager_id,
                "score": _mean([r.score for r in members]),
                "records": len(members),
                "issues": sum(kinds.values()),
                **{k: kinds.get(k, 0) for k in ("missing", "invalid", "stale", "duplicate", "inconsistent")},
                **{p: _mean([100 * r.parts[p] for r in members]) for p in PARTS},
            }
        )
    return out


def by_field(records: list[RecordQuality], criteria: Criteria) -> list[dict[str, Any]]:
    """Per audited field: its completeness, validity and freshness over ``records``, and their mean."""
    issues: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in records:
        for i in r.issues:
            issues[(i["field"], i["kind"])].add(i["counterparty_id"])
    out = []
    for name in audited_fields():
        filled = sum(1 for r in records if name in r.filled)
        missing = len(issues[(name, "missing")])
        applicable = filled + missing
        completeness = round(1 - missing / applicable, 4) if applicable else None
        validity = round(1 - len(issues[(name, "invalid")]) / filled, 4) if filled else None
        freshness = (
            round(1 - len(issues[(name, "stale")]) / filled, 4)
            if filled and name in criteria.max_age_days
            else None
        )
        parts = [p for p in (completeness, validity, freshness) if p is not None]
        if not parts:
            continue
        out.append(
            {
                "field": name,
                "score": round(100 * sum(parts) / len(parts), 1),
                "completeness": completeness,
                "validity": validity,
                "freshness": freshness,
                "filled": filled,
            }
        )
    return out


def work_lists(records: list[RecordQuality], size: int) -> dict[str, list[dict[str, Any]]]:
    lists: dict[str, list[dict[str, Any]]] = {}
    by_owner: dict[str, list[RecordQuality]] = defaultdict(list)
    for r in records:
        if r.issues:
            by_owner[r.owner_id or "(no owner)"].append(r)
    for owner, members in sorted(by_owner.items()):
        ranked = sorted(members, key=lambda r: (-r.priority, r.counterparty_id))[:size]
        lists[owner] = [
            {
                "counterparty_id": r.counterparty_id,
                "name": r.name,
                "score": r.score,
                "value": r.value,
                "priority": round(r.priority, 1),
                "fix": [f"{i['field']}: {i['kind']} ({i['detail']})" for i in r.issues],
                "issues": [{"field": i["field"], "kind": i["kind"], "detail": i["detail"]} for i in r.issues],
            }
            for r in ranked
        ]
    return lists


def save_snapshot(store: Store, report: QualityReport, *, at: dt.datetime | None = None) -> dt.datetime:
    """Store the report's scores (overall, per manager, per field) for the trend; returns the time used."""
    at = at or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    rows = [
        {
            "taken_at": at,
            "scope": "overall",
            "scope_key": "*",
            "score": report.overall_score,
            "records": len(report.records),
            "issues": len(report.issues),
        },
    ]
    rows += [
        {
            "taken_at": at,
            "scope": "manager",
            "scope_key": m["manager_id"] or "(no owner)",
            "score": m["score"],
            "records": m["records"],
            "issues": m["issues"],
        }
        for m in report.by_manager
    ]
    rows += [
        {
            "taken_at": at,
            "scope": "field",
            "scope_key": f["field"],
            "score": f["score"],
            "records": f["filled"],
            "issues": None,
        }
        for f in report.by_field
    ]
    for row in rows:
        row["score"] = Decimal(str(row["score"])).quantize(Decimal("0.1"))
    with store.begin() as conn:
        conn.execute(sa.insert(schema.quality_snapshots), rows)
    return at


def trend(store: Store, *, scope: str = "overall", key: str = "*") -> list[dict[str, Any]]:
    """Scores of one scope over time, oldest first: ``[{taken_at, score, records, issues}]``."""
    qs = schema.quality_snapshots
    with store.begin() as conn:
        rows = conn.execute(
            sa.select(qs.c.taken_at, qs.c.score, qs.c.records, qs.c.issues)
            .where(qs.c.scope == scope, qs.c.scope_key == key)
            .order_by(qs.c.taken_at)
        ).mappings()
        return [dict(r) for r in rows]
