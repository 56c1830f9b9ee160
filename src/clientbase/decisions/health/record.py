"""Step 2, record it: how complete, valid, fresh and unique the common base is, and how it is filled.

From the quality audit (:mod:`clientbase.quality`), its snapshots for the trend, the duplicate pairs (the
last duplicate search and the review queue's decisions), the owners, and the field history (which records
were created through the common base and which were imported from private lists).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pandas as pd

from clientbase.decisions.health.common import customers_link, pct, share, worst
from clientbase.decisions.health.context import Context
from clientbase.decisions.health.model import Change, Indicator, Point

STEP = "record"
#: history sources that mean the record was entered in the common base itself
COMMON_BASE_SOURCES = ("ui", "api")

DEFINITIONS: list[tuple[str, str, str, str, str]] = [
    (
        "record.quality_score",
        "Data-quality score",
        "The quality audit's overall score (0-100: completeness, validity, freshness, uniqueness and "
        "consistency of every live record, docs/quality.md) as of the check's day; its parts in the detail, "
        "its trend from the stored snapshots (clientbase quality --snapshot).",
        "score",
        "higher",
    ),
    (
        "record.completeness",
        "Completeness of the records",
        "Mean over the live records of the quality audit's completeness part, in % (every required field "
        "weighs 2, every recommended field 1; docs/quality.md); records and values left empty in the detail.",
        "score",
        "higher",
    ),
    (
        "record.duplicates_per_1000",
        "Duplicates per 1,000 records",
        "Likely duplicate pairs (the last duplicate search, less the pairs the review rejected, plus those "
        "it confirmed and nobody merged yet) per 1,000 live records.",
        "per_1000",
        "lower",
    ),
    (
        "record.without_owner",
        "Records without an owner",
        "Share of live customers and prospects with no owner, or an owner no longer active.",
        "share",
        "lower",
    ),
    (
        "record.stale_fields",
        "Records with fields past their freshness",
        "Share of live records with at least one field neither changed nor confirmed within its maximum "
        "age (docs/quality.md); the count of such field values in the detail.",
        "share",
        "lower",
    ),
    (
        "record.common_base_share",
        "Records created in the common base",
        "Share of the records with a history whose first entry was made in the common base (the web, the "
        "API or the CLI's record commands) rather than imported from a spreadsheet or an exchange folder.",
        "share",
        "higher",
    ),
    (
        "record.days_to_complete",
        "Days from first order to a complete record",
        "Median over the customers whose first order fell in the last 12 months of the days from that "
        "order until every required field was filled (0 when it was complete before); a record still "
        "incomplete counts with the days until the as-of date.",
        "days",
        "lower",
    ),
]


def _blank(code: str, note: str) -> Indicator:
    row = next(d for d in DEFINITIONS if d[0] == code)
    return Indicator(*row, value=None, note=note)


def indicators(ctx: Context) -> list[Indicator]:
    report = ctx.audit
    records = ctx.records
    out = [
        _quality(ctx, report),
        _issue_share(report, "record.completeness", "missing"),
        _duplicates(ctx, records),
        _without_owner(ctx, records),
        _stale(report),
        _common_base(ctx, records),
        _days_to_complete(ctx, report, records),
    ]
    for ind in out:
        m = worst(ind.by_manager, ind.better)
        if m is not None:
            ind.detail["worst_manager"] = m
    return out


def _quality(ctx: Context, report: Any) -> Indicator:
    from clientbase.quality import trend

    if report is None:
        return _blank("record.quality_score", "the quality audit could not run on this base")
    ind = Indicator(
        *DEFINITIONS[0],
        value=report.overall_score,
        trend=[Point(str(t["taken_at"]), float(t["score"])) for t in trend(ctx.store)[-6:]],
        by_manager={str(m["manager_id"]): m["score"] for m in report.by_manager if m["manager_id"]},
        detail={
            "records": len(report.records),
            "parts": {
                p: round(sum(100 * r.parts[p] for r in report.records) / len(report.records), 1)
                if report.records
                else None
                for p in ("completeness", "validity", "freshness", "uniqueness", "consistency")
            },
            "uniqueness_scored": ctx.duplicates,
        },
    )
    m = worst(ind.by_manager, "higher")
    if m is not None:
        row = next(r for r in report.by_manager if r["manager_id"] == m)
        ind.change = Change(
            f"{m}'s records score {row['score']:.1f}: {row['missing']} empty fields, {row['stale']} stale "
            f"values, {row['inconsistent']} contradictions with the facts in {row['records']} records",
            customers_link(owner_id=m),
        )
    return ind


def _owners_of(records: pd.DataFrame) -> pd.Series:
    return records["owner_id"]


def _duplicates(ctx: Context, records: pd.DataFrame) -> Indicator:
    pairs = ctx.duplicate_pairs
    if pairs is None:
        return _blank(
            "record.duplicates_per_1000",
            "no duplicate search yet: clientbase serve runs one, or clientbase health --duplicates",
        )
    live = len(records)
    owners = _owners_of(records)
    touching: Counter[str] = Counter()
    for a, b in pairs:
        for m in {owners.get(a), owners.get(b)} - {None}:
            touching[str(m)] += 1
    counts = owners.value_counts()
    by_manager: dict[str, float | None] = {
        str(m): round(1000 * touching[str(m)] / int(n), 1) for m, n in sorted(counts.items())
    }
    ind = Indicator(
        *DEFINITIONS[2],
        value=round(1000 * len(pairs) / live, 1) if live else None,
        by_manager=by_manager,
        detail={"pairs": len(pairs), "records": live},
    )
    if pairs:
        ind.change = Change(
            f"review and merge the {len(pairs)} likely duplicate pairs (clientbase duplicates review)", None
        )
    return ind


def _without_owner(ctx: Context, records: pd.DataFrame) -> Indicator:
    active = set(ctx.managers.index[ctx.managers["active"].fillna(True).astype(bool)])
    people = records[records["roles"].fillna("").str.contains("customer|prospect")]
    orphan = people[~people["owner_id"].isin(active)]
    former = orphan["owner_id"].dropna().value_counts()
    ind = Indicator(
        *DEFINITIONS[3],
        value=share(len(orphan), len(people)),
        detail={
            "records": len(people),
            "without_owner": len(orphan),
            "by_former_owner": {str(k): int(v) for k, v in former.sort_index().items()},
        },
        members=sorted(orphan.index),
    )
    if len(orphan):
        top = str(former.index[0]) if len(former) else None
        ind.change = Change(
            f"give the {len(orphan)} records without an active owner a new owner"
            + (f" ({int(former.iloc[0])} of them still held by {top}, no longer active)" if top else ""),
            customers_link(owner_id=top) if top else None,
        )
    return ind


def _issue_share(report: Any, code: str, kind: str) -> Indicator:
    """The audit's completeness part, overall and per owner, with the records that have ``kind`` issues."""
    if report is None:
        return _blank(code, "the quality audit could not run on this base")
    counted: dict[str, int] = {}
    for r in report.records:
        n = sum(1 for i in r.issues if i["kind"] == kind)
        if n:
            counted[r.counterparty_id] = n
    owners: dict[str, list[int]] = {}
    for r in report.records:
        if r.owner_id:
            owners.setdefault(r.owner_id, []).append(counted.get(r.counterparty_id, 0))
    part = "completeness"
    by_manager: dict[str, float | None] = {
        str(m["manager_id"]): m[part] for m in report.by_manager if m["manager_id"]
    }
    row = next(d for d in DEFINITIONS if d[0] == code)
    records = report.records
    ind = Indicator(
        *row,
        value=round(sum(100 * r.parts[part] for r in records) / len(records), 1) if records else None,
        by_manager=by_manager,
        detail={"records_with_empty_fields": len(counted), "empty_values": sum(counted.values())},
        members=sorted(counted),
    )
    m = worst(by_manager, "higher")
    if m is not None:
        mine = [r for r in records if r.owner_id == m and r.counterparty_id in counted]
        share_of = share(len(mine), sum(1 for r in records if r.owner_id == m))
        ind.change = Change(
            f"{m}: fill the {sum(counted[r.counterparty_id] for r in mine)} empty fields of {len(mine)} records "
            f"({pct(share_of)} of theirs)",
            customers_link(owner_id=m),
        )
    return ind


def _stale(report: Any) -> Indicator:
    if report is None:
        return _blank("record.stale_fields", "the quality audit could not run on this base")
    stale: dict[str, int] = {}
    for r in report.records:
        n = sum(1 for i in r.issues if i["kind"] == "stale")
        if n:
            stale[r.counterparty_id] = n
    owners: dict[str, list[int]] = {}
    for r in report.records:
        if r.owner_id:
            owners.setdefault(r.owner_id, []).append(stale.get(r.counterparty_id, 0))
    by_manager = {m: share(sum(1 for n in v if n), len(v)) for m, v in sorted(owners.items())}
    ind = Indicator(
        *DEFINITIONS[4],
        value=share(len(stale), len(report.records)),
        by_manager=by_manager,
        detail={"records_with_stale": len(stale), "stale_values": sum(stale.values())},
        members=sorted(stale),
    )
    m = worst(by_manager, "lower")
    if m is not None:
        mine = [r for r in report.records if r.owner_id == m and r.counterparty_id in stale]
        lapsed = sum(
            1 for r in mine if any(i["kind"] == "inconsistent" and i["field"] == "status" for i in r.issues)
        )
        ind.change = Change(
            f"{m}'s {len(mine)} stale records ({pct(by_manager[m])} of theirs) hide {lapsed} customers "
            "marked active with no order for over the audit's inactive days",
            customers_link(owner_id=m, status="active"),
        )
    return ind


def _first_entries(ctx: Context) -> pd.DataFrame:
    h = ctx.origin
    if h.empty:
        return h
    return h.sort_values("changed_at").groupby("record_id").first()


def _common_base(ctx: Context, records: pd.DataFrame) -> Indicator:
    first = _first_entries(ctx)
    if first.empty:
        return _blank(
            "record.common_base_share",
            "no field history on this base (records loaded without one), so where records came from is unknown",
        )
    first = first[first.index.isin(records.index)]
    common = first["source"].isin(COMMON_BASE_SOURCES)
    owners = records["owner_id"].reindex(first.index)

    def value(members: pd.DataFrame) -> float | None:
        return share(int(members["source"].isin(COMMON_BASE_SOURCES).sum()), len(members))

    trend = []
    if ctx.as_of is not None:
        from clientbase.decisions.health.context import period_label, year_windows

        when = pd.to_datetime(first["changed_at"]).dt.date
        for a, b in year_windows(ctx.as_of, ctx.settings.windows.trend_periods):
            inside = first[(when >= a) & (when <= b)]
            trend.append(Point(period_label(a, b), value(inside)))
    sources = first["source"].map(lambda s: "import" if str(s).startswith("import") else str(s))
    ind = Indicator(
        *DEFINITIONS[5],
        value=share(int(common.sum()), len(first)),
        trend=trend,
        by_manager={str(m): value(rows) for m, rows in first.groupby(owners, sort=True)},
        detail={
            "records_with_history": len(first),
            "by_source": {str(k): int(v) for k, v in sources.value_counts().sort_index().items()},
        },
    )
    imported = len(first) - int(common.sum())
    if imported:
        ind.change = Change(
            f"enter new records in the common base: {imported} of {len(first)} came from imported lists", None
        )
    return ind


def _days_to_complete(ctx: Context, report: Any, records: pd.DataFrame) -> Indicator:
    if report is None or ctx.as_of is None:
        return _blank("record.days_to_complete", "the quality audit could not run on this base")
    as_of = ctx.as_of
    start = as_of - dt.timedelta(days=ctx.settings.windows.year_days)
    first_order = records["first_order"].map(lambda d: d if d is not None and not pd.isna(d) else None)
    new = records[first_order.map(lambda d: d is not None and start <= d <= as_of).astype(bool)]
    incomplete = {
        r.counterparty_id
        for r in report.records
        if any(i["kind"] == "missing" and "required" in i["detail"] for i in r.issues)
    }
    h = ctx.origin
    filled_at: dict[str, dt.date] = {}
    if not h.empty:
        got = h[h["new_value"].notna()]
        last = got.groupby("record_id")["changed_at"].max()
        filled_at = {str(k): (v.date() if isinstance(v, dt.datetime) else v) for k, v in last.items()}
    days: dict[str, int] = {}
    for cid, row in new.iterrows():
        first = row["first_order"]
        if cid in incomplete:
            days[str(cid)] = (as_of - first).days
        else:
            done = filled_at.get(str(cid), row["created"])
            days[str(cid)] = max(0, (done - first).days) if done is not None else 0
    series = pd.Series(days, dtype=float)

    def median(ids: pd.Index) -> float | None:
        values = series.reindex(ids).dropna()
        return None if values.empty else float(values.median())

    owners = records["owner_id"].reindex(series.index)
    ind = Indicator(
        *DEFINITIONS[6],
        value=median(series.index),
        by_manager={str(m): median(rows.index) for m, rows in series.to_frame().groupby(owners, sort=True)},
        detail={
            "new_customers": len(series),
            "still_incomplete": sum(1 for cid in series.index if cid in incomplete),
        },
    )
    m = worst(ind.by_manager, "lower")
    if m is not None:
        open_ = [cid for cid in series.index if cid in incomplete and owners.get(cid) == m]
        ind.change = Change(
            f"{m}: complete the required fields of {len(open_)} new customers still incomplete",
            customers_link(owner_id=m),
        )
    return ind
