"""The analysis as the dashboard, the analysis page and the customer-value page show it, for the acting user.

Every service here reads the materialised analysis (:mod:`clientbase.decisions.customer_metrics`: the
per-customer rows, the company-wide summary and the key figures per owner), so a page costs a few reads of
those tables and no scan of the fact tables. The one exception is :func:`analysis_view` for periods other
than the materialised ones: it runs the analysis (:func:`clientbase.analytics.run.analyze`) for them.

Roles follow :func:`~clientbase.decisions.customer_metrics.analysis_document`: the company-wide analysis
(headline, totals, roll-ups, every customer's P&L) is for the head and analysts; a manager's dashboard and
customer-value page cover their own customers, and the analysis page refuses them (403).

Example:
    >>> from clientbase.registry.access import Actor
    >>> from clientbase.store import connect
    >>> with connect("duckdb:///:memory:") as store:
    ...     dashboard(store, actor=Actor("H1", "head"))["computed_at"] is None
    True
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.analytics.period import PeriodError
from clientbase.analytics.rollup import ROLLUP_ATTRIBUTES
from clientbase.decisions import customer_metrics
from clientbase.errors import PermissionDeniedError, Problem, ValidationError
from clientbase.store import Store

cp, cm, mg = schema.counterparties, schema.customer_metrics, schema.managers
#: rows in each of the dashboard's work lists
WORK_LIST = 10
#: the attributes the analysis table shows and filters by: the roll-ups' and the status
ATTRIBUTES = (*ROLLUP_ATTRIBUTES, "status")
#: the P&L columns of the analysis table
PNL_COLUMNS = (
    "net_revenue",
    "gross_margin",
    "cost_to_serve",
    "credit_cost",
    "net_contribution",
    "net_margin_pct",
    "orders",
    "net_contribution_prev",
    "change",
)
#: the periods' inputs (the keywords of :func:`~clientbase.analytics.period.resolve_periods`) as the web's query
#: parameters and form fields name them
PERIOD_PARAMETERS = {
    "start": "from",
    "end": "to",
    "as_of": "as_of",
    "compare_start": "compare_from",
    "compare_end": "compare_to",
}
PERIOD_FIELDS = tuple(PERIOD_PARAMETERS.values())


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _manager_names(conn: sa.Connection) -> dict[str, str]:
    return {str(r.manager_id): str(r.name) for r in conn.execute(sa.select(mg.c.manager_id, mg.c.name))}


def _periods(state: Mapping[str, Any] | None) -> dict[str, Any]:
    if state is None:
        return {"computed_at": None, "period": None, "compare_period": None, "currency": None}
    return {
        "computed_at": state["computed_at"],
        "period": {"from": state["period_start"], "to": state["period_end"], "as_of": state["as_of"]},
        "compare_period": {"from": state["previous_start"], "to": state["previous_end"]},
        "currency": state["currency"],
    }


# -- the dashboard -----------------------------------------------------------------------------------------


_DECODER = json.JSONDecoder()
_INVOICES = '"invoices":'


def _invoices(recent: str) -> list[dict[str, Any]]:
    """The open invoices of a ``recent`` JSON document, decoding only that list (not the orders and
    activities before it: three times faster on the head's dashboard). A quote inside a value is escaped, so
    the key is found only as the key.

    Example:
        >>> _invoices('{"orders":[{"order_id":"O1"}],"invoices":[{"invoice_id":"F1"}]}')
        [{'invoice_id': 'F1'}]
    """
    at = recent.find(_INVOICES)
    if at < 0:
        return []
    found, _end = _DECODER.raw_decode(recent, at + len(_INVOICES))
    return list(found)


def _work(
    conn: sa.Connection, actor: Any, as_of: dt.date | None, owners: list[str]
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per owner of ``owners``: their loss-making customers, overdue invoices and duplicate pairs to review."""
    from clientbase.dedupe.review import ordered

    wanted = cp.c.owner_id.in_(owners)
    work: dict[str, dict[str, list[dict[str, Any]]]] = {
        o: {"loss_makers": [], "overdue": [], "duplicates": []} for o in owners
    }
    rows = conn.execute(
        sa.select(cp.c.counterparty_id, cp.c.name, cp.c.owner_id, cm.c.net_contribution, cm.c.loss_making)
        .select_from(cp.join(cm, cm.c.counterparty_id == cp.c.counterparty_id))
        .where(wanted, cm.c.loss_making.is_(True))
        .order_by(cm.c.net_contribution, cp.c.counterparty_id)
    )
    for r in rows:
        listed = work[r.owner_id]["loss_makers"]
        listed.append(
            {"counterparty_id": r.counterparty_id, "name": r.name, "net_contribution": r.net_contribution}
        )
    if as_of is not None:
        recent = conn.execute(
            sa.select(cp.c.counterparty_id, cp.c.name, cp.c.owner_id, cm.c.recent)
            .select_from(cp.join(cm, cm.c.counterparty_id == cp.c.counterparty_id))
            .where(wanted, cm.c.recent.contains('"invoices":[{'))
        )
        for r in recent:
            for invoice in _invoices(r.recent):
                due = dt.date.fromisoformat(invoice["due_date"])
                if due < as_of and Decimal(invoice["open"]) > 0:
                    work[r.owner_id]["overdue"].append(
                        {
                            "counterparty_id": r.counterparty_id,
                            "name": r.name,
                            "invoice_id": invoice["invoice_id"],
                            "due_date": due,
                            "days_overdue": (as_of - due).days,
                            "open": Decimal(invoice["open"]),
                        }
                    )
    sd, dd = schema.suspected_duplicates, schema.duplicate_decisions
    left, right = cp.alias("l"), cp.alias("r")
    pairs = conn.execute(
        sa.select(
            sd.c.id_l,
            sd.c.id_r,
            sd.c.match_probability,
            left.c.name.label("name_l"),
            right.c.name.label("name_r"),
            left.c.owner_id.label("owner_l"),
            right.c.owner_id.label("owner_r"),
        )
        .select_from(
            sd.join(left, left.c.counterparty_id == sd.c.id_l).join(
                right, right.c.counterparty_id == sd.c.id_r
            )
        )
        .where(sa.or_(left.c.owner_id.in_(owners), right.c.owner_id.in_(owners)))
        .order_by(sd.c.match_probability.desc(), sd.c.id_l, sd.c.id_r)
    ).all()
    decided = {(r.id_l, r.id_r) for r in conn.execute(sa.select(dd.c.id_l, dd.c.id_r))}
    for p in pairs:
        if ordered(p.id_l, p.id_r) in decided:
            continue
        entry = {
            "id_l": p.id_l,
            "id_r": p.id_r,
            "name_l": p.name_l,
            "name_r": p.name_r,
            "match_probability": p.match_probability,
        }
        for owner in dict.fromkeys((p.owner_l, p.owner_r)):
            if owner in work and (actor.sees_all or (p.owner_l == p.owner_r == owner)):
                work[owner]["duplicates"].append(entry)
            elif owner in work:  # the other record is another manager's: show only one's own side
                own_left = p.owner_l == owner
                work[owner]["duplicates"].append(
                    {
                        **entry,
                        "name_r" if own_left else "name_l": None,
                        "id_r" if own_left else "id_l": None,
                    }
                )
    for lists in work.values():
        lists["overdue"].sort(key=lambda i: (-i["open"], i["invoice_id"]))
    return work


def dashboard(store: Store, *, actor: Any) -> dict[str, Any]:
    """The dashboard of ``actor``: the materialised periods, the headline (the company's, for the head and
    analysts), the key figures of both periods with the bridge (the company's, or a manager's own
    customers'), the whale curve, and the work: each owner's loss-making customers, overdue invoices (due
    before the analysis date, still open at the refresh) and undecided duplicate pairs (a manager's own; the
    head's by manager; an analyst owns none). Lists hold at most :data:`WORK_LIST` rows, with their counts.
    """
    from clientbase.analytics.whale import whale_curve

    state = customer_metrics.state(store)
    stored = customer_metrics.summary(store)
    out: dict[str, Any] = {
        **_periods(state),
        "scope": "company" if actor.sees_all else "own",
        "headline": None,
        "key_figures": None,
        "whale": None,
        "whale_points": [],
        "work": [],
    }
    if state is None or stored is None:
        return out
    with store.begin() as conn:
        names = _manager_names(conn)
        if actor.role == "head":
            owners = sorted(
                str(o)
                for o in conn.execute(sa.select(cp.c.owner_id).where(cp.c.owner_id.is_not(None)).distinct())
                .scalars()
                .all()
            )
        else:
            owners = [] if actor.sees_all else [actor.manager_id]
        work = _work(conn, actor, state["as_of"], owners)
        if not actor.sees_all:
            own = conn.execute(
                sa.select(cm.c.counterparty_id, cm.c.net_contribution)
                .select_from(cm.join(cp, cp.c.counterparty_id == cm.c.counterparty_id))
                .where(cp.c.owner_id == actor.manager_id, cm.c.loss_making.is_not(None))
            ).all()
    figures = stored["key_figures"]
    if actor.sees_all:
        out["headline"] = stored["summary"]["headline"]
        out["key_figures"] = figures.get(customer_metrics.COMPANY)
        out["whale"] = stored["summary"]["whale"]
        out["whale_points"] = stored["whale_points"]
    else:
        empty = {"net_revenue": "0.00", "net_contribution": "0.00", "margin_pct": None}
        blank = {**empty, "customers": 0, "loss_makers": 0}
        out["key_figures"] = figures.get(
            actor.manager_id, {"current": blank, "previous": blank, "bridge": None}
        )
        cents = [int(Decimal(r.net_contribution) * 100) for r in own]
        curve = whale_curve([r.counterparty_id for r in own], cents)
        out["whale"] = curve.summary()
        out["whale_points"] = curve.sampled()
    for owner in owners:
        lists = work[owner]
        out["work"].append(
            {
                "owner_id": owner,
                "owner_name": names.get(owner),
                "key_figures": figures.get(owner) if actor.role == "head" else None,
                **{f"{k}_count": len(v) for k, v in lists.items()},
                **{k: v[:WORK_LIST] for k, v in lists.items()},
            }
        )
    return out


def quality_work(store: Store, *, actor: Any) -> dict[str, Any]:
    """The data-quality fix-first lists (:func:`clientbase.quality.audit`, without the duplicate search: the
    dashboard lists the duplicates on their own): a manager's own list, the head's per manager, none for an
    analyst. This one audits every record (seconds on a large base): the dashboard loads it on its own."""
    from clientbase.quality import audit

    if actor.role == "analyst":
        return {"as_of": None, "lists": {}}
    report = audit(store, duplicates=False)
    lists = report.work_lists
    if actor.role != "head":
        lists = {actor.manager_id: lists.get(actor.manager_id, [])}
    return {"as_of": report.as_of, "lists": {k: v[:WORK_LIST] for k, v in lists.items()}}


# -- the analysis ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodChoice:
    """The periods asked for: each ``None`` takes the analysis' default (as ``clientbase analyze``)."""

    start: dt.date | None = None
    end: dt.date | None = None
    as_of: dt.date | None = None
    compare_start: dt.date | None = None
    compare_end: dt.date | None = None

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> PeriodChoice:
        """The periods of query-string parameters ``from``, ``to``, ``as_of``, ``compare_from``, ``compare_to``
        (YYYY-MM-DD, empty for the default); every wrong one is a problem at its field.

        Example:
            >>> PeriodChoice.parse({"from": "2024-01-01", "to": "2024-12-31"}).end
            datetime.date(2024, 12, 31)
            >>> try:
            ...     PeriodChoice.parse({"from": "2024-13-01", "to": "2023-01-01"})
            ... except ValidationError as exc:
            ...     [p.column for p in exc.problems]
            ['from']
        """
        problems: list[Problem] = []
        dates: dict[str, dt.date | None] = {}
        for name in PERIOD_FIELDS:
            raw = str(params.get(name) or "").strip()
            try:
                dates[name] = dt.date.fromisoformat(raw) if raw else None
            except ValueError:
                problems.append(Problem("period", None, name, raw[:40], "type: a date as YYYY-MM-DD"))
                dates[name] = None
        if not problems:
            choice = cls(
                dates["from"], dates["to"], dates["as_of"], dates["compare_from"], dates["compare_to"]
            )
            problems = choice.problems()
        if problems:
            raise ValidationError(problems)
        return choice

    def problems(self) -> list[Problem]:
        """What is wrong with the periods as given, by field (the rest the analysis checks against the data)."""
        out = []

        def problem(name: str, value: dt.date | None, rule: str) -> None:
            out.append(Problem("period", None, name, None if value is None else value.isoformat(), rule))

        if self.start and self.end and self.end < self.start:
            problem("to", self.end, f"range: the period ends before it starts ({self.start})")
        if (self.compare_start is None) != (self.compare_end is None):
            missing = "compare_to" if self.compare_end is None else "compare_from"
            problem(missing, None, "required: give both ends of the compared period, or neither")
        elif self.compare_start and self.compare_end and self.compare_end < self.compare_start:
            problem("compare_to", self.compare_end, f"range: ends before it starts ({self.compare_start})")
        if self.as_of and self.end and self.as_of < self.end:
            problem("as_of", self.as_of, f"range: on or after the period's last day ({self.end})")
        return out

    def as_params(self) -> dict[str, str]:
        values = (self.start, self.end, self.as_of, self.compare_start, self.compare_end)
        return {k: v.isoformat() for k, v in zip(PERIOD_FIELDS, values, strict=True) if v is not None}

    def is_materialised(self, state: Mapping[str, Any] | None) -> bool:
        """Whether these periods are the materialised ones (each given date equals the stored one)."""
        if state is None:
            return False
        stored = (
            (self.start, state["period_start"]),
            (self.end, state["period_end"]),
            (self.as_of, state["as_of"]),
            (self.compare_start, state["previous_start"]),
            (self.compare_end, state["previous_end"]),
        )
        return all(given is None or given == kept for given, kept in stored)


@dataclass(frozen=True)
class AnalysisView:
    """The company-wide analysis of chosen periods as the analysis page shows it: ``summary`` is the
    document of ``clientbase analyze --json`` without its per-customer lists, ``customers`` the P&L of
    every customer of the period (highest net contribution first), ``managers`` names by id."""

    summary: dict[str, Any]
    customers: list[dict[str, Any]]
    whale_points: list[Any]
    managers: dict[str, str]
    choice: PeriodChoice
    materialised: bool
    #: the company's key figures of both periods and its bridge (:func:`customer_metrics.key_figures`)
    key_figures: dict[str, Any] = field(default_factory=dict)
    computed_at: dt.datetime | None = None
    attributes: tuple[str, ...] = field(default=ATTRIBUTES)

    def owner(self, manager_id: str | None) -> str:
        """The manager's name with the id in brackets, the id alone when the name is unknown."""
        if not manager_id:
            return "(no owner)"
        name = self.managers.get(str(manager_id))
        return f"{name} ({manager_id})" if name else str(manager_id)


def _customer_row(
    cid: str,
    name: Any,
    attrs: Mapping[str, Any],
    current: Mapping[str, Any],
    previous_nc: Decimal | None,
) -> dict[str, Any]:
    from clientbase.analytics.money import percent

    nc, nr = _dec(current["net_contribution"]) or Decimal(0), _dec(current["net_revenue"]) or Decimal(0)
    return {
        "counterparty_id": cid,
        "name": name,
        **{a: attrs.get(a) for a in ATTRIBUTES},
        "net_revenue": nr,
        "gross_margin": _dec(current["gross_margin"]),
        "cost_to_serve": _dec(current["cost_to_serve"]),
        "credit_cost": _dec(current["credit_cost"]),
        "net_contribution": nc,
        "net_margin_pct": percent(nc, nr),
        "orders": current.get("orders"),
        "net_contribution_prev": previous_nc,
        "change": nc - (previous_nc or Decimal(0)),
        "loss_making": nc < 0,
    }


def _materialised_view(store: Store, choice: PeriodChoice, state: Mapping[str, Any]) -> AnalysisView | None:
    stored = customer_metrics.summary(store)
    if stored is None:
        return None
    with store.begin() as conn:
        rows = conn.execute(
            sa.select(
                cp.c.counterparty_id,
                cp.c.name,
                *[cp.c[a] for a in ATTRIBUTES],
                cm.c.net_revenue,
                cm.c.gross_margin,
                cm.c.cost_to_serve,
                cm.c.credit_cost,
                cm.c.net_contribution,
                cm.c.orders,
                cm.c.net_contribution_prev,
            )
            .select_from(cm.join(cp, cp.c.counterparty_id == cm.c.counterparty_id))
            .where(cm.c.loss_making.is_not(None))
        ).mappings()
        customers = []
        for row in rows:
            r = dict(row)
            customers.append(_customer_row(r["counterparty_id"], r["name"], r, r, r["net_contribution_prev"]))
    customers.sort(key=lambda r: (-r["net_contribution"], r["counterparty_id"]))
    return AnalysisView(
        summary=stored["summary"],
        customers=customers,
        whale_points=stored["whale_points"],
        managers=stored["managers"],
        choice=choice,
        materialised=True,
        key_figures=stored["key_figures"][customer_metrics.COMPANY],
        computed_at=state["computed_at"],
    )


def _analyze(store: Store, choice: PeriodChoice) -> Any:
    """The analysis of ``choice`` (as ``clientbase analyze``), its periods checked by field first."""
    from clientbase.analytics.run import analyze

    problems = choice.problems()
    if problems:
        raise ValidationError(problems)
    try:
        return analyze(
            store,
            start=choice.start,
            end=choice.end,
            as_of=choice.as_of,
            compare_start=choice.compare_start,
            compare_end=choice.compare_end,
        )
    except PeriodError as exc:  # what only the data can say (no orders yet: no default period)
        text = exc.worded(PERIOD_PARAMETERS)
        # the last input named is the one to change (no default period: give the end, the rest follows)
        field = PERIOD_PARAMETERS[exc.fields[-1]] if exc.fields else "to"
        raise ValidationError([Problem("period", None, field, None, f"required: {text}")]) from exc


def analysis_view(store: Store, *, actor: Any, choice: PeriodChoice | None = None) -> AnalysisView:
    """The company-wide analysis of ``choice`` (default: the materialised periods), for the head and analysts.
    The materialised periods are read from the store; others are computed (as ``clientbase analyze``).

    Raises:
        PermissionDeniedError: a manager (their customers' P&L is on the dashboard and the cards).
        ValidationError: periods that cannot be (the field says which).
    """
    from clientbase.analytics.pnl import customer_dicts

    if not actor.sees_all:
        raise PermissionDeniedError(
            f"{actor.manager_id} is a manager: the company-wide analysis is for the head and analysts; "
            "your customers' figures are on the dashboard and their cards."
        )
    choice = choice or PeriodChoice()
    problems = choice.problems()
    if problems:
        raise ValidationError(problems)
    state = customer_metrics.state(store)
    if choice.is_materialised(state):
        assert state is not None
        view = _materialised_view(store, choice, state)
        if view is not None:
            return view
    a = _analyze(store, choice)
    attributes = a.attributes.reindex(a.whale.ids)
    previous = a.pnl_previous.frame["net_contribution"]
    customers = []
    for entry, (_cid, attrs) in zip(
        customer_dicts(a.customers, a.whale.ids), attributes.iterrows(), strict=True
    ):
        cid = entry["counterparty_id"]
        before = previous.get(cid)
        clean = {k: (None if v != v else v) for k, v in attrs.to_dict().items()}  # NaN -> None
        customers.append(
            _customer_row(
                cid,
                clean.get("name"),
                clean,
                entry,
                None if before is None else Decimal(int(before)) / 100,
            )
        )
    return AnalysisView(
        summary=a.summary(),
        customers=customers,
        whale_points=a.whale.sampled(),
        managers=a.managers,
        choice=choice,
        materialised=False,
        key_figures=customer_metrics.key_figures(a)[customer_metrics.COMPANY],
    )


# -- customer value ----------------------------------------------------------------------------------------

#: the customer-value columns of the value page: the materialised ones, the CLV and the receivables
VALUE_COLUMNS = (*customer_metrics.VALUE_COLUMNS, "clv", "receivables")


def value_view(store: Store, *, actor: Any) -> dict[str, Any]:
    """Customer value of the materialised analysis date for the customers ``actor`` sees (a manager: their
    own): every customer's RFM segment, ABC and XYZ classes, CLV, P(alive), expected purchases and payment
    discipline, the segment counts and the ABC x XYZ nine-box (by revenue and by profit), as
    ``clientbase value --json --as-of <the analysis date>`` has them."""
    from clientbase.analytics import segments as seg

    state = customer_metrics.state(store)
    with store.begin() as conn:
        rows = [
            dict(r)
            for r in conn.execute(
                sa.select(
                    cp.c.counterparty_id,
                    cp.c.name,
                    cp.c.owner_id,
                    cp.c.segment,
                    *[cm.c[c] for c in VALUE_COLUMNS],
                    cm.c.net_revenue,
                    cm.c.net_contribution,
                )
                .select_from(cm.join(cp, cp.c.counterparty_id == cm.c.counterparty_id))
                .where(
                    cm.c.rfm_segment.is_not(None),
                    *([] if actor.sees_all else [cp.c.owner_id == actor.manager_id]),
                )
                .order_by(cm.c.clv.desc(), cp.c.counterparty_id)
            ).mappings()
        ]
    segments = {name: 0 for name in seg.SEGMENTS}
    boxes: dict[str, dict[str, int]] = {"abc_revenue": {}, "abc_profit": {}}
    for r in rows:
        segments[r["rfm_segment"]] = segments.get(r["rfm_segment"], 0) + 1
        for by, cells in boxes.items():
            if r[by] and r["xyz"]:
                cells[r[by] + r["xyz"]] = cells.get(r[by] + r["xyz"], 0) + 1
    return {
        **_periods(state),
        "value_error": None if state is None else state["value_error"],
        "scope": "company" if actor.sees_all else "own",
        "customers": rows,
        "segments": segments,
        "abc_xyz": seg.nine_box(boxes["abc_revenue"]),
        "abc_xyz_profit": seg.nine_box(boxes["abc_profit"]),
    }


def write_report(
    store: Store, *, actor: Any, choice: PeriodChoice | None = None, path: Any, kind: str
) -> Any:
    """Write the analysis report of ``choice`` as ``kind`` (``html``: the self-contained report, ``xlsx``: the
    workbook) to ``path``, as ``clientbase report`` does; for the head and analysts.

    Raises:
        PermissionDeniedError: a manager.
        ValidationError: an unknown kind, or periods that cannot be.
    """
    from clientbase.report import write_html, write_xlsx

    if kind not in ("html", "xlsx"):
        raise ValidationError([Problem("report", None, "format", kind, "enum: a report as .html or .xlsx")])
    if not actor.sees_all:
        raise PermissionDeniedError(
            f"{actor.manager_id} is a manager: the analysis report covers the whole company and is for the "
            "head and analysts."
        )
    a = _analyze(store, choice or PeriodChoice())
    return write_html(a, path) if kind == "html" else write_xlsx(a, path)


def sort_rows(rows: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """``rows`` sorted by the column ``sort`` (``-`` first for descending), empty values last, ties by key.

    Example:
        >>> [r["k"] for r in sort_rows([{"k": "a", "v": 1}, {"k": "b", "v": None}, {"k": "c", "v": 3}], "-v")]
        ['c', 'a', 'b']
    """
    name, descending = sort.lstrip("-"), sort.startswith("-")
    keyed = sorted(rows, key=lambda r: str(r.get("counterparty_id") or r.get("k") or ""))
    present = [r for r in keyed if r.get(name) is not None]
    missing = [r for r in keyed if r.get(name) is None]
    present.sort(
        key=lambda r: r[name] if not isinstance(r[name], str) else r[name].lower(), reverse=descending
    )
    return present + missing


def customer_page(
    store: Store, *, actor: Any, view: AnalysisView, query: Any, sort: str, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of ``view``'s customers matching ``query`` (the customer list's
    :class:`~clientbase.registry.listing.ListQuery`: search and filters on the record as it is now;
    ``loss_making`` on the analysed period's net contribution), sorted by ``sort``; and how many match."""
    from dataclasses import replace

    from clientbase.registry import listing

    rows = view.customers
    filters = dict(query.filters)
    lossy = filters.pop("loss_making", None)
    if lossy is not None:
        rows = [r for r in rows if r["loss_making"] == (lossy == "true")]
    if filters or query.q:
        ids = set(
            listing.matching_ids(
                store, actor=actor, query=replace(query, filters=filters, include_archived=True)
            )
        )
        rows = [r for r in rows if r["counterparty_id"] in ids]
    ordered_rows = sort_rows(rows, sort)
    return ordered_rows[offset : offset + limit], len(ordered_rows)
