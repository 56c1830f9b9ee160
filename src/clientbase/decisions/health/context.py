"""What the five steps read, gathered once per check and only when a step asks for it.

Each source is computed on first use and kept: the net-profit analysis of the default periods
(:func:`clientbase.analytics.run.analyze`), the acquisition history (:func:`clientbase.targeting.history.
read_history`), the quality audit as of the same day (:func:`clientbase.quality.audit`, the duplicate
search only when asked), the records, the tasks, and small per-customer aggregates of activities,
verifications and history. A source that cannot be read on this database (no orders yet, an activity
without a rate ...) is ``None`` and its reason goes to ``notes``; the indicators that need it say so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import ibis
import pandas as pd
import sqlalchemy as sa

from clientbase import schema
from clientbase.decisions.health.settings import HealthSettings
from clientbase.errors import ClientbaseError

CUSTOMER_STATUSES = ("active",)


def period_label(start: dt.date, end: dt.date) -> str:
    """``2025-11-01..2026-10-31``."""
    return f"{start.isoformat()}..{end.isoformat()}"


def year_windows(as_of: dt.date, count: int) -> list[tuple[dt.date, dt.date]]:
    """``count`` periods of 12 months ending on ``as_of``, then a year before ..., oldest first.

    Example:
        >>> year_windows(dt.date(2026, 10, 31), 2)
        [(datetime.date(2024, 11, 1), datetime.date(2025, 10, 31)), (datetime.date(2025, 11, 1), datetime.date(2026, 10, 31))]
    """
    out = []
    end = as_of
    for _ in range(count):
        start = _years_before(end, 1) + dt.timedelta(days=1)
        out.append((start, end))
        end = start - dt.timedelta(days=1)
    return out[::-1]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass
class Context:
    store: Any
    settings: HealthSettings
    as_of_asked: dt.date | None = None
    duplicates: bool = False
    forecast: bool = False
    notes: list[str] = field(default_factory=list)

    def _try(self, what: str, run: Callable[[], Any]) -> Any:
        try:
            return run()
        except ClientbaseError as exc:
            self.notes.append(f"{what}: {exc}")
            return None

    # -- the sources -------------------------------------------------------------------------------------

    @cached_property
    def analysis(self) -> Any:
        from clientbase.analytics.run import analyze

        return self._try("the net-profit analysis", lambda: analyze(self.store, as_of=self.as_of_asked))

    @cached_property
    def data_dates(self) -> tuple[dt.date | None, dt.date | None]:
        from clientbase.analytics.tables import Tables
        from clientbase.targeting.history import data_dates

        return data_dates(Tables.of(self.store))

    @cached_property
    def as_of(self) -> dt.date | None:
        """The day the check looks from: the one asked, else the latest date in the data."""
        return self.as_of_asked or self.data_dates[1]

    @cached_property
    def history(self) -> Any:
        from clientbase.targeting.history import read_history

        if self.as_of is None:
            return None
        return self._try("the acquisition history", lambda: read_history(self.store, as_of=self.as_of))

    @cached_property
    def audit(self) -> Any:
        from clientbase.quality import audit

        if not self.duplicates:
            self.notes.append(
                "the quality score is without its uniqueness part (no duplicate search; --duplicates runs it)"
            )
        return self._try(
            "the quality audit", lambda: audit(self.store, as_of=self.as_of, duplicates=self.duplicates)
        )

    @cached_property
    def records(self) -> pd.DataFrame:
        """Every counterparty that is not archived, indexed by id."""
        cp = schema.counterparties
        with self.store.begin() as conn:
            rows = conn.execute(
                sa.select(
                    cp.c.counterparty_id,
                    cp.c.name,
                    cp.c.roles,
                    cp.c.status,
                    cp.c.owner_id,
                    cp.c.created_at,
                    cp.c.first_order_date,
                ).where(sa.or_(cp.c.status.is_(None), cp.c.status != "archived"))
            ).all()
        frame = pd.DataFrame(
            rows, columns=["counterparty_id", "name", "roles", "status", "owner_id", "created", "first_order"]
        )
        return frame.set_index("counterparty_id")

    @cached_property
    def managers(self) -> pd.DataFrame:
        m = schema.managers
        with self.store.begin() as conn:
            rows = conn.execute(sa.select(m.c.manager_id, m.c.name, m.c.role, m.c.active)).all()
        return pd.DataFrame(rows, columns=["manager_id", "name", "role", "active"]).set_index("manager_id")

    @cached_property
    def owners(self) -> list[str]:
        """The managers who own live records, sorted."""
        return sorted({str(o) for o in self.records["owner_id"].dropna()})

    @cached_property
    def tasks(self) -> pd.DataFrame:
        t = schema.action_tasks
        cols = ["task_id", "counterparty_id", "code", "owner_id", "status", "due", "created_at", "done_on"]
        cols += ["expected_effect"]
        with self.store.begin() as conn:
            rows = conn.execute(sa.select(*(t.c[c] for c in cols))).all()
        return pd.DataFrame(rows, columns=cols)

    @cached_property
    def last_activity(self) -> pd.DataFrame:
        """Per customer: the latest activity of any kind and the latest of a kind not driven by orders."""
        from clientbase.decisions.inputs import _order_kinds
        from clientbase.decisions.rules import Rules

        kinds = set(_order_kinds(self.store, Rules()))
        a = self.store.table("activities")
        if self.as_of is not None:
            a = a.filter(a.activity_date <= self.as_of)
        relationship = a.filter(~a.kind.isin(sorted(kinds))) if kinds else a
        every = a.group_by("counterparty_id").aggregate(last_any=a.activity_date.max())
        rel = relationship.group_by("counterparty_id").aggregate(last_rel=relationship.activity_date.max())
        left = every.to_pandas().set_index("counterparty_id")
        right = rel.to_pandas().set_index("counterparty_id")
        frame = left.join(right, how="outer")
        for c in frame.columns:
            frame[c] = pd.to_datetime(frame[c]).dt.date
        return frame

    def activity_windows(self, days: int, count: int) -> dict[int, set[str]]:
        """Per window k (0: the ``days`` up to the as-of date, 1: the ``days`` before ...): the customers with
        an activity of any kind in it."""
        if self.as_of is None:
            return {}
        a = self.store.table("activities")
        first = self.as_of - dt.timedelta(days=days * count)
        a = a.filter((a.activity_date > first) & (a.activity_date <= self.as_of))
        age = (ibis.literal(self.as_of) - a.activity_date.cast("date")).cast("int64")
        rows = (
            a.select("counterparty_id", bucket=((age - 1) // days).cast("int64"))
            .distinct()
            .to_pyarrow()
            .to_pylist()
        )
        out: dict[int, set[str]] = {}
        for r in rows:
            out.setdefault(int(r["bucket"]), set()).add(str(r["counterparty_id"]))
        return out

    @cached_property
    def last_sale(self) -> pd.Series:
        """Per customer: the latest order line with a positive quantity, up to the as-of date."""
        lines = self.store.table("order_lines")
        lines = lines.filter(lines.quantity > 0)
        if self.as_of is not None:
            lines = lines.filter(lines.order_date <= self.as_of)
        frame = lines.group_by("counterparty_id").aggregate(last=lines.order_date.max()).to_pandas()
        return pd.to_datetime(frame.set_index("counterparty_id")["last"]).dt.date

    @cached_property
    def last_touch(self) -> pd.Series:
        """Per counterparty: the latest field verification or change of one of its contacts (a person
        confirmed or updated something on the record)."""
        fv, fh, ct = schema.field_verification, schema.field_history, schema.contacts
        with self.store.begin() as conn:
            verified = conn.execute(
                sa.select(fv.c.record_id, sa.func.max(fv.c.verified_at))
                .where(fv.c.table_name == "counterparties")
                .group_by(fv.c.record_id)
            ).all()
            contact_changes = conn.execute(
                sa.select(ct.c.counterparty_id, sa.func.max(fh.c.changed_at))
                .select_from(fh.join(ct, fh.c.record_id == ct.c.contact_id))
                .where(fh.c.table_name == "contacts")
                .group_by(ct.c.counterparty_id)
            ).all()
        out: dict[str, dt.date] = {}
        for cid, when in [*verified, *contact_changes]:
            if when is None:
                continue
            day = when.date() if isinstance(when, dt.datetime) else when
            if self.as_of is not None and day > self.as_of:
                continue
            if cid not in out or day > out[cid]:
                out[cid] = day
        return pd.Series(out, dtype=object)

    @cached_property
    def origin(self) -> pd.DataFrame:
        """Per counterparty with a history: the source and time of its first history entry and, per field,
        the last time the field got a value (for the time to a complete record)."""
        fh = schema.field_history
        with self.store.begin() as conn:
            rows = conn.execute(
                sa.select(
                    fh.c.record_id, fh.c.field_name, fh.c.source, fh.c.changed_at, fh.c.new_value
                ).where(fh.c.table_name == "counterparties")
            ).all()
        return pd.DataFrame(rows, columns=["record_id", "field_name", "source", "changed_at", "new_value"])

    @cached_property
    def duplicate_pairs(self) -> list[tuple[str, str]] | None:
        """Likely duplicate pairs: from the duplicate search when asked, else the ones the last
        materialisation stored (``None`` when there was none), less rejected and merged pairs, plus the
        confirmed pairs still waiting for a merge."""
        from clientbase.dedupe.review import decided_pairs

        pairs: set[tuple[str, str]]
        if self.duplicates:
            from clientbase.dedupe.counterparties import find_counterparty_duplicates

            found = self._try("the duplicate search", lambda: find_counterparty_duplicates(self.store))
            if found is None:
                return None
            pairs = {(p["id_l"], p["id_r"]) for cluster in found[1] for p in cluster.pairs}
        else:
            sd, ms = schema.suspected_duplicates, schema.metrics_state
            with self.store.begin() as conn:
                done = conn.execute(
                    sa.select(ms.c.computed_at).where(ms.c.name == "customer_metrics")
                ).first()
                if done is None:
                    return None
                pairs = {(a, b) for a, b in conn.execute(sa.select(sd.c.id_l, sd.c.id_r))}
        pairs -= decided_pairs(self.store, "rejected")
        pairs |= decided_pairs(self.store, "confirmed")
        live = set(self.records.index)
        return sorted(p for p in pairs if p[0] in live and p[1] in live)
