"""The counterparty list: server-side search, filters, sorting and paging over the records a user may see.

One query service for the web list, the API and exports of a list view. Filters are the common criteria's
fields plus two from the materialised analysis (``loss_making`` in the last period and the ``abc`` class by net
revenue, from ``customer_metrics``); ``q`` searches name, ids (key, tax and registration numbers), e-mail,
phone and city, every word of it (any case). Visibility is :func:`clientbase.registry.access.visible`, so a
manager's list, count and export hold only their own records. Only one page of rows leaves the database.

Example:
    >>> import datetime as dt, sqlalchemy as sa
    >>> from clientbase.store import connect
    >>> store = connect("duckdb:///:memory:")
    >>> with store.begin() as conn:
    ...     _ = conn.execute(sa.insert(schema.managers).values(manager_id="M01", name="Anna", role="head"))
    ...     for i, name in enumerate(["Nordic Tools AB", "Baltic Paints", "Nordic Steel"]):
    ...         _ = conn.execute(sa.insert(schema.counterparties).values(
    ...             counterparty_id=f"C{i}", name=name, roles="customer", status="active",
    ...             created_at=dt.date(2024, 1, 1), owner_id="M01"))
    >>> page = list_counterparties(store, actor=Actor("M01", "head"), query=ListQuery.parse({"q": "nordic"}))
    >>> page.total, [row["name"] for row in page.items]
    (2, ['Nordic Steel', 'Nordic Tools AB'])
    >>> store.close()
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from clientbase import schema
from clientbase.errors import ConfigurationError, Problem, ValidationError
from clientbase.registry import access
from clientbase.registry.access import Actor
from clientbase.store import Store

cp, cm, mg = schema.counterparties, schema.customer_metrics, schema.managers


@dataclass(frozen=True)
class ListColumn:
    """A column the list can show and sort by: its label and how to show it (``text``, ``money``, ``date``,
    ``number``, ``percent``, ``bool``)."""

    name: str
    label: str
    kind: str = "text"


def _kind(column: sa.Column[Any]) -> str:
    if isinstance(column.type, sa.Boolean):
        return "bool"
    if isinstance(column.type, sa.Numeric) and column.type.scale == 2:
        return "money"
    if isinstance(column.type, sa.Integer | sa.Numeric | sa.Float):
        return "number"
    if isinstance(column.type, sa.Date):
        return "date"
    return "text"


#: the metrics the list offers (from ``customer_metrics``) and their labels
METRIC_LABELS = {
    "net_revenue": "Net revenue",
    "net_contribution": "Net contribution",
    "net_contribution_prev": "Net contribution, period before",
    "gross_margin": "Gross margin",
    "cost_to_serve": "Cost to serve",
    "discount": "Discount",
    "orders": "Orders",
    "loss_making": "Loss-making",
    "abc_revenue": "ABC (revenue)",
    "abc_profit": "ABC (profit)",
    "rfm_segment": "RFM group",
    "clv": "Lifetime value",
    "p_alive": "P(alive)",
    "days_over_terms": "Days over terms",
    "receivables": "Receivables",
}
RECORD_COLUMNS = tuple(c.name for c in cp.columns)
#: labels that say more than the column's name
FIELD_LABELS = {
    "counterparty_id": "Id",
    "owner_id": "Owner",
    "tax_id": "VAT / tax number",
    "registration_id": "Registration number",
    "discount_pct": "Discount %",
    "email": "E-mail",
    "acquisition_channel": "Channel",
}
COLUMNS: dict[str, ListColumn] = {
    **{
        c.name: ListColumn(c.name, FIELD_LABELS.get(c.name, c.name.replace("_", " ").capitalize()), _kind(c))
        for c in cp.columns
        if c.name != "version"
    },
    "owner_name": ListColumn("owner_name", "Owner", "text"),
    **{name: ListColumn(name, label, _kind(cm.c[name])) for name, label in METRIC_LABELS.items()},
}
COLUMNS["p_alive"] = ListColumn("p_alive", "P(alive)", "percent")

DEFAULT_COLUMNS = (
    "counterparty_id",
    "name",
    "status",
    "owner_name",
    "city",
    "country",
    "segment",
    "net_revenue",
    "net_contribution",
    "abc_revenue",
)
#: filters on a field of the record: query-string name -> column
FIELD_FILTERS = {
    "owner_id": cp.c.owner_id,
    "status": cp.c.status,
    "segment": cp.c.segment,
    "size_band": cp.c.size_band,
    "country": cp.c.country,
    "region": cp.c.region,
    "industry": cp.c.industry,
    "acquisition_channel": cp.c.acquisition_channel,
    "acquisition_mode": cp.c.acquisition_mode,
}
FILTERS = ("role", *FIELD_FILTERS, "loss_making", "abc")
#: fields whose distinct values the list offers as choices
CHOICE_FIELDS = ("owner_id", "segment", "country", "region", "industry", "acquisition_channel")
SEARCHED = (cp.c.name, cp.c.counterparty_id, cp.c.tax_id, cp.c.registration_id, cp.c.email, cp.c.city)
MAX_LIMIT = 500


def _problem(field: str, value: object, rule: str) -> Problem:
    return Problem("query", None, field, None if value is None else str(value), rule)


@dataclass(frozen=True)
class ListQuery:
    """What to list: search text, filters (``FILTERS``), sort (a column, ``-`` first for descending), page."""

    q: str | None = None
    filters: Mapping[str, str] = field(default_factory=dict)
    sort: str = "name"
    limit: int = 50
    offset: int = 0
    include_archived: bool = False

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> ListQuery:
        """A query from query-string parameters; unknown sorts, bad numbers and values raise ValidationError.

        Example:
            >>> ListQuery.parse({"status": "active", "sort": "-net_revenue", "limit": "20"}).filters
            {'status': 'active'}
        """
        problems: list[Problem] = []
        filters = {name: str(params[name]).strip() for name in FILTERS if params.get(name) not in (None, "")}
        sort = str(params.get("sort") or "name")
        if sort.lstrip("-") not in COLUMNS:
            problems.append(
                _problem("sort", sort, f"enum: sort by one of {', '.join(COLUMNS)} (prefix - for descending)")
            )
        numbers = {}
        for name, default, most in (("limit", 50, MAX_LIMIT), ("offset", 0, None)):
            raw = params.get(name)
            try:
                value = default if raw in (None, "") else int(str(raw))
            except ValueError:
                problems.append(_problem(name, raw, "type: a whole number"))
                continue
            if value < (1 if name == "limit" else 0) or (most is not None and value > most):
                problems.append(
                    _problem(name, raw, f"range: between {1 if name == 'limit' else 0} and {most or 'any'}")
                )
            numbers[name] = value
        for name, allowed in (
            ("role", schema.ROLES),
            ("status", schema.STATUSES),
            ("size_band", schema.SIZE_BANDS),
            ("acquisition_mode", schema.ACQUISITION_MODES),
            ("abc", ("A", "B", "C")),
            ("loss_making", ("true", "false")),
        ):
            chosen = filters.get(name)
            if chosen is not None and chosen not in allowed:
                problems.append(_problem(name, chosen, f"enum: one of {', '.join(allowed)}"))
        if problems:
            raise ValidationError(problems)
        archived = str(params.get("include_archived") or "").lower() in ("1", "true", "on", "yes")
        q = str(params.get("q") or "").strip() or None
        return cls(
            q=q,
            filters=filters,
            sort=sort,
            limit=numbers.get("limit", 50),
            offset=numbers.get("offset", 0),
            include_archived=archived,
        )


@dataclass(frozen=True)
class Page:
    """One page of the list: its rows (dicts by column), the count of all matching rows, and the query."""

    items: list[dict[str, Any]]
    total: int
    query: ListQuery


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"\s+", text.strip()) if w][:8]


class contains_word(sa.sql.functions.FunctionElement[bool]):
    """``text`` contains the regular expression ``pattern``, in any case: DuckDB's case-insensitive
    ``regexp_matches`` (about twice as fast as lowering every string first), PostgreSQL's ``~*``."""

    type = sa.Boolean()
    inherit_cache = True
    name = "contains_word"


@compiles(contains_word, "duckdb")
def _contains_word_duckdb(element: contains_word, compiler: Any, **kw: Any) -> str:
    text, pattern = list(element.clauses)
    return f"regexp_matches({compiler.process(text, **kw)}, {compiler.process(pattern, **kw)}, 'i')"


@compiles(contains_word)
def _contains_word_default(element: contains_word, compiler: Any, **kw: Any) -> str:
    text, pattern = list(element.clauses)
    return f"({compiler.process(text, **kw)} ~* {compiler.process(pattern, **kw)})"


def _search(text: str) -> Any:
    """Every word in one of the searched fields (one case-insensitive match on their concatenation, several
    times cheaper than a LIKE per field), or in the phone's digits."""
    haystack = sa.func.concat_ws(" ", *SEARCHED)
    phone = sa.func.coalesce(cp.c.phone, "")
    all_digits = re.sub(r"\D", "", text)
    if re.fullmatch(r"[\d\s+()./-]+", text) and len(all_digits) >= 3:
        # a phone number as people write it ("+46 70 123"): its digits, in the stored E.164 form
        return sa.or_(sa.func.strpos(phone, all_digits) > 0, contains_word(haystack, re.escape(text.strip())))
    conditions = []
    for word in _words(text):
        found: Any = contains_word(haystack, re.escape(word))
        digits = re.sub(r"\D", "", word)
        if len(digits) >= 3:
            found = sa.or_(found, sa.func.strpos(phone, digits) > 0)
        conditions.append(found)
    return sa.and_(*conditions)


def _conditions(actor: Actor, query: ListQuery) -> list[Any]:
    where = [access.visible(actor, cp)]
    f = query.filters
    for name, column in FIELD_FILTERS.items():
        if name in f:
            where.append(column == (f[name].upper() if name == "country" else f[name]))
    if "role" in f:
        where.append(sa.or_(cp.c.roles == f["role"], cp.c.roles.contains(f["role"], autoescape=True)))
    if "loss_making" in f:
        lossy = sa.func.coalesce(cm.c.loss_making, False)
        where.append(lossy.is_(True) if f["loss_making"] == "true" else lossy.is_(False))
    if "abc" in f:
        where.append(cm.c.abc_revenue == f["abc"])
    if not query.include_archived and f.get("status") != "archived":
        where.append(sa.func.coalesce(cp.c.status, "") != "archived")
    if query.q:
        where.append(_search(query.q))
    return where


def _source(query: ListQuery | None = None) -> Any:
    """The tables a query reads: the metrics and owners are joined only when a filter or the sort needs them
    (joining 100,000 metrics rows costs more than the rest of a count)."""
    source: Any = cp
    if query is None or _needs_metrics(query):
        source = cp.outerjoin(cm, cm.c.counterparty_id == cp.c.counterparty_id)
    if query is None or query.sort.lstrip("-") == "owner_name":
        source = source.outerjoin(mg, mg.c.manager_id == cp.c.owner_id)
    return source


def _needs_metrics(query: ListQuery) -> bool:
    return query.sort.lstrip("-") in METRIC_LABELS or bool({"loss_making", "abc"} & set(query.filters))


def _rows_of(conn: sa.Connection, ids: list[str], columns: Sequence[str] | None) -> dict[str, dict[str, Any]]:
    """The records ``ids`` with their ``columns``, each table read by key on its own (a join would build a
    hash table of every customer's metrics for fifty rows)."""
    wanted = list(dict.fromkeys(columns or ()))
    unknown = [name for name in wanted if name not in COLUMNS]
    if unknown:
        raise ConfigurationError(f"The list has no column {unknown[0]!r}; use one of {', '.join(COLUMNS)}.")
    rows = {
        r.counterparty_id: dict(r._mapping)
        for r in conn.execute(sa.select(cp).where(cp.c.counterparty_id.in_(ids)))
    }
    metrics = [name for name in wanted if name in METRIC_LABELS]
    if metrics:
        found = conn.execute(
            sa.select(cm.c.counterparty_id, *[cm.c[name] for name in metrics]).where(
                cm.c.counterparty_id.in_(ids)
            )
        )
        values = {r.counterparty_id: r for r in found}
        for cid, row in rows.items():
            hit = values.get(cid)
            row.update({name: None if hit is None else getattr(hit, name) for name in metrics})
    if "owner_name" in wanted:
        owners = {row["owner_id"] for row in rows.values()}
        found = conn.execute(sa.select(mg.c.manager_id, mg.c.name).where(mg.c.manager_id.in_(owners)))
        names: dict[str, str] = {r.manager_id: r.name for r in found}
        for row in rows.values():
            row["owner_name"] = names.get(row["owner_id"])
    return rows


def _order(sort: str) -> list[Any]:
    name = sort.lstrip("-")
    column = cp.c[name] if name in cp.c else mg.c.name if name == "owner_name" else cm.c[name]
    ordered = column.desc() if sort.startswith("-") else column.asc()
    return [ordered.nulls_last(), cp.c.counterparty_id]


def list_counterparties(
    db: Store | sa.Connection, *, actor: Actor, query: ListQuery, columns: Sequence[str] | None = None
) -> Page:
    """One page of the counterparties ``actor`` may see that match ``query``, each row with the record's
    fields and ``columns`` (names of :data:`COLUMNS`), and the total count of matching rows.

    Two steps: the keys of the page and the count in one scan (sorted and cut in the engine, reading only the
    columns the filters and the sort need), then those rows in full; a wide sort of every row would cost
    several times more.
    """
    where = _conditions(actor, query)
    keys = (
        sa.select(cp.c.counterparty_id, sa.func.count().over().label("total"))
        .select_from(_source(query))
        .where(*where)
        .order_by(*_order(query.sort))
        .limit(query.limit)
        .offset(query.offset)
    )
    with _connection(db) as conn:
        page = conn.execute(keys).all()
        ids = [row.counterparty_id for row in page]
        if page:
            total = int(page[0].total)
        elif query.offset:  # past the last page: count on its own
            total = int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(_source(query)).where(*where)
                ).scalar_one()
            )
        else:
            total = 0
        found = _rows_of(conn, ids, columns) if ids else {}
    return Page([found[i] for i in ids if i in found], total, query)


@contextlib.contextmanager
def _connection(db: Store | sa.Connection) -> Iterator[sa.Connection]:
    """A connection of a Store in its own transaction, or the caller's connection as it is."""
    if isinstance(db, sa.Connection):
        yield db
        return
    with db.begin() as conn:
        yield conn


def matching_ids(store: Store, *, actor: Actor, query: ListQuery, most: int = 100_000) -> list[str]:
    """The keys of every row matching ``query`` (not only one page), in its sort order, at most ``most``."""
    select = (
        sa.select(cp.c.counterparty_id)
        .select_from(_source(query))
        .where(*_conditions(actor, query))
        .order_by(*_order(query.sort))
        .limit(most)
    )
    with store.begin() as conn:
        return list(conn.execute(select).scalars())


def export_view(store: Store, *, actor: Actor, query: ListQuery, path: str | Path) -> int:
    """Write every row of the list view ``query`` (all pages) to ``path`` (``.csv`` or ``.xlsx``) in the
    columns the importer reads back; returns the number of rows."""
    from clientbase.registry.export import with_main_contacts, write_rows

    target = Path(path)
    if target.suffix.lower() not in (".csv", ".xlsx"):
        raise ConfigurationError(f"Cannot export to {target.name}: name the file .csv or .xlsx.")
    select = (
        sa.select(cp).select_from(_source()).where(*_conditions(actor, query)).order_by(*_order(query.sort))
    )
    with store.begin() as conn:
        rows = with_main_contacts(conn, [dict(r._mapping) for r in conn.execute(select)])
    write_rows(target, rows)
    return len(rows)


def choices(store: Store, *, actor: Actor) -> dict[str, list[str]]:
    """The values the list's choice filters offer: each field's distinct values among the visible records
    (``owner_id``: every user, for the head's transfers too), in one round trip."""
    parts = [
        sa.select(sa.literal(name).label("field"), FIELD_FILTERS[name].label("value"))
        .where(access.visible(actor, cp), FIELD_FILTERS[name].is_not(None))
        .group_by(FIELD_FILTERS[name])
        for name in CHOICE_FIELDS
        if name != "owner_id"
    ]
    out: dict[str, list[str]] = {name: [] for name in CHOICE_FIELDS}
    with store.begin() as conn:
        for row in conn.execute(sa.union_all(*parts)):
            out[row.field].append(str(row.value))
        out["owner_id"] = [
            str(v) for v in conn.execute(sa.select(mg.c.manager_id).order_by(mg.c.manager_id)).scalars()
        ]
    return {name: sorted(values) for name, values in out.items()}
