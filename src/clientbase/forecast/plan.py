"""The sales plan: targets per measure, month, owner and segment, set by the head; actual and forecast
against it, with the gap and the customers that carry it.

A plan line names an owner and a segment (``*`` for all of either). Its actual is the measure over the
customers it covers in a complete month; its forecast the coherent forecast of those customers (the sum of
their bottom forecasts, exact to the cent) in a month ahead. The gap is actual or forecast minus target.

The customers that carry a gap: over the months ahead, each customer of the line is expected to bring its
share of the target (its share of the line's actual in the last twelve complete months), and its expected
shortfall is its forecast minus that share. The shortfalls add up to the line's forecast gap (each share
rounded to the cent) when the line had any sales in those twelve months; the largest are listed first.

Only the head sets plans. The head and analysts see every line; a manager the lines of their own book.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import ConfigurationError, PermissionDeniedError, Problem, ValidationError
from clientbase.forecast.document import amount
from clientbase.forecast.series import NONE_LABEL, SCALES
from clientbase.registry.access import Actor

if TYPE_CHECKING:
    from clientbase.forecast.service import BaseForecast, ForecastOptions

ANY = schema.PLAN_ANY
PLAN_COLUMNS = ("owner_id", "segment", "month", "target", "measure")


def _month(text: Any, where: tuple[str, int | None, str]) -> dt.date:
    if isinstance(text, dt.datetime):
        return text.date().replace(day=1)
    if isinstance(text, dt.date):
        return text.replace(day=1)
    value = str(text or "").strip()
    try:
        parsed = dt.date.fromisoformat(value + "-01" if len(value) == 7 else value)
    except ValueError:
        raise ValidationError(
            [Problem(where[0], where[1], where[2], value, "not a month; write it as YYYY-MM")]
        ) from None
    return parsed.replace(day=1)


def _target(value: Any, measure: str, where: tuple[str, int | None, str]) -> Decimal:
    try:
        target = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        target = Decimal("NaN")
    scale = SCALES.get(measure, 2)
    if not target.is_finite() or target < 0 or target != target.quantize(Decimal(1).scaleb(-scale)):
        raise ValidationError(
            [
                Problem(
                    where[0],
                    where[1],
                    where[2],
                    str(value),
                    f"a target is a number >= 0 with at most {scale} decimals",
                )
            ]
        )
    return target


def _known(conn: sa.Connection) -> tuple[set[str], set[str]]:
    managers = {r[0] for r in conn.execute(sa.select(schema.managers.c.manager_id))}
    cp = schema.counterparties
    segments = {
        r[0] if r[0] is not None else NONE_LABEL for r in conn.execute(sa.select(cp.c.segment).distinct())
    }
    return managers, segments


def _check_line(
    line: dict[str, Any], managers: set[str], segments: set[str], where: tuple[str, int | None]
) -> dict[str, Any]:
    file, row = where
    measure = str(line.get("measure") or "net_revenue").strip()
    if measure not in schema.PLAN_MEASURES:
        raise ValidationError(
            [Problem(file, row, "measure", measure, f"use one of {', '.join(schema.PLAN_MEASURES)}")]
        )
    owner = str(line.get("owner_id") or ANY).strip()
    if owner != ANY and owner not in managers:
        raise ValidationError(
            [Problem(file, row, "owner_id", owner, "no such manager; use a manager id or * for all")]
        )
    segment = str(line.get("segment") or ANY).strip()
    if segment != ANY and segment not in segments:
        known = ", ".join(sorted(segments)[:12])
        raise ValidationError(
            [Problem(file, row, "segment", segment, f"no customer has this segment; known: {known}, or *")]
        )
    return {
        "measure": measure,
        "month": _month(line.get("month"), (file, row, "month")),
        "owner_id": owner,
        "segment": segment,
        "target": _target(line.get("target"), measure, (file, row, "target")),
    }


def _ensure_head(actor: Actor) -> None:
    if actor.role != "head":
        raise PermissionDeniedError(
            f"{actor.manager_id} ({actor.role}) may not set the plan: only the head sets plans."
        )


def _write(store: Any, actor: Actor, lines: Sequence[dict[str, Any]]) -> int:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    t = schema.plan_targets
    with store.begin() as conn:
        for line in lines:
            key = [t.c[c] == line[c] for c in ("measure", "month", "owner_id", "segment")]
            conn.execute(sa.delete(t).where(*key))
            conn.execute(sa.insert(t).values(**line, set_by=actor.manager_id, set_at=now))
    return len(lines)


def set_plan(
    *,
    store: Any,
    actor: Actor,
    month: str | dt.date,
    target: str | Decimal,
    owner_id: str = ANY,
    segment: str = ANY,
    measure: str = "net_revenue",
) -> dict[str, Any]:
    """Set (or replace) one plan line. Only the head may.

    Raises:
        PermissionDeniedError: the actor is not the head.
        ValidationError: an unknown owner or segment, a bad month or target.

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     set_plan(store=store, actor=Actor("M01", "head"), month="2026-11", target="1000.00")["target"]
        Decimal('1000.00')
    """
    _ensure_head(actor)
    with store.begin() as conn:
        managers, segments = _known(conn)
    line = _check_line(
        {"owner_id": owner_id, "segment": segment, "month": month, "target": target, "measure": measure},
        managers,
        segments,
        ("plan", None),
    )
    _write(store, actor, [line])
    return {**line, "target": line["target"].quantize(Decimal(1).scaleb(-SCALES[line["measure"]]))}


def import_plan(*, store: Any, actor: Actor, path: str | Path) -> dict[str, Any]:
    """Set every line of a CSV or XLSX plan (columns owner_id, segment, month, target[, measure]); all or
    nothing: one bad row and nothing is written.

    Raises:
        PermissionDeniedError: the actor is not the head.
        ValidationError: each bad row with file, row, column and value.
    """
    from clientbase.imports.spreadsheet import read_table

    _ensure_head(actor)
    sheet = read_table(path)
    headers = [h.strip().lower() for h in sheet.headers]
    missing = [c for c in ("month", "target") if c not in headers]
    if missing:
        raise ValidationError(
            [
                Problem(
                    sheet.file,
                    1,
                    missing[0],
                    None,
                    f"column missing; a plan has the columns {', '.join(PLAN_COLUMNS)}",
                )
            ]
        )
    with store.begin() as conn:
        managers, segments = _known(conn)
    lines: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: dict[tuple[Any, ...], int] = {}
    for number, cells in sheet.rows:
        raw = {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(headers)}
        try:
            line = _check_line(raw, managers, segments, (sheet.file, number))
        except ValidationError as exc:
            problems.extend(exc.problems)
            continue
        key = (line["measure"], line["month"], line["owner_id"], line["segment"])
        if key in seen:
            problems.append(
                Problem(
                    sheet.file, number, "month", str(raw.get("month")), f"the same line as row {seen[key]}"
                )
            )
            continue
        seen[key] = number
        lines.append(line)
    if problems:
        raise ValidationError(problems[:20], total=len(problems))
    return {"file": sheet.file, "lines": _write(store, actor, lines)}


def plan_lines(*, store: Any, actor: Actor, measure: str = "net_revenue") -> list[dict[str, Any]]:
    """The plan lines of ``measure`` the actor may see (a manager: their own), by month, owner, segment."""
    t = schema.plan_targets
    query = sa.select(t).where(t.c.measure == measure).order_by(t.c.month, t.c.owner_id, t.c.segment)
    if not actor.sees_all:
        query = query.where(t.c.owner_id == actor.manager_id)
    with store.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for r in rows:
        r["month"] = r["month"] if isinstance(r["month"], dt.date) else dt.date.fromisoformat(str(r["month"]))
        r["target"] = Decimal(r["target"])
    return rows


def plan_options(measure: str = "net_revenue", horizon: int = 12, jobs: int = 1) -> ForecastOptions:
    """The options of the forecast a plan is set against: every customer, with its segment and owner."""
    from clientbase.forecast.service import ForecastOptions

    return ForecastOptions(
        horizon=horizon,
        measure=measure,
        levels=("total", "segment", "owner", "customer"),
        views=False,
        jobs=jobs,
    )


def plan_vs_forecast(
    *,
    store: Any,
    actor: Actor,
    measure: str = "net_revenue",
    horizon: int = 12,
    jobs: int = 1,
    top: int = 10,
    forecast: BaseForecast | Callable[[], BaseForecast] | None = None,
) -> dict[str, Any]:
    """Actual and forecast against every visible plan line, the gaps, and the customers that carry them.

    The forecast is the base's at the customer level (a manager's: their own customers), so each line's
    forecast is an exact sum of its customers' coherent forecasts. ``forecast``: that forecast already
    made (``forecast_base`` with :func:`plan_options`, by the same actor), e.g. kept by the web app, or a
    function that returns it, called only when there are plan lines; the plan lines are always read as
    they are now.
    """
    from clientbase.forecast.service import forecast_base, period_text, scope_of

    lines = plan_lines(store=store, actor=actor, measure=measure)
    if not lines:
        raise ConfigurationError(
            f"No plan for {measure} visible to {actor.manager_id}; the head sets one with "
            "`clientbase plan set` or `clientbase plan import`."
        )
    if callable(forecast):
        forecast = forecast()
    if forecast is None:
        forecast = forecast_base(store=store, actor=actor, options=plan_options(measure, horizon, jobs))
    elif forecast.options != plan_options(measure, horizon, forecast.options.jobs) or forecast.scope.get(
        "owner_id"
    ) != scope_of(actor):
        raise ConfigurationError("The forecast given is not the plan's: use plan_options and the same actor.")
    result = forecast
    s, f = result.series, result.forecast
    n_b, scale = s.n_bottom, s.scale
    bottom_hist = s.values[-n_b:, : s.complete]
    bottom_fc = f.mean[-n_b:]
    hist_index = {p: i for i, p in enumerate(s.periods[: s.complete])}
    fc_index = {p: i for i, p in enumerate(result.forecast_periods)}
    owners = np.array([a.get("owner", NONE_LABEL) for a in s.bottom_attributes], dtype=object)
    segs = np.array([a.get("segment", NONE_LABEL) for a in s.bottom_attributes], dtype=object)
    ids = [a["customer"] for a in s.bottom_attributes]
    out: list[dict[str, Any]] = []
    groups: dict[tuple[str, str], list[tuple[int, int, np.ndarray[Any, Any]]]] = {}
    for line in lines:
        members = np.ones(n_b, dtype=bool)
        if line["owner_id"] != ANY:
            members &= owners == line["owner_id"]
        if line["segment"] != ANY:
            members &= segs == line["segment"]
        month = line["month"]
        entry = {
            "month": period_text(month, "month"),
            "owner_id": line["owner_id"],
            "segment": line["segment"],
            "target": line["target"],
        }
        target_units = int(line["target"].scaleb(scale))
        if month in hist_index:
            value = int(bottom_hist[members, hist_index[month]].sum())
            entry |= {
                "basis": "actual",
                "value": amount(value, scale),
                "gap": amount(value - target_units, scale),
            }
        elif month in fc_index:
            value = int(bottom_fc[members, fc_index[month]].sum())
            entry |= {
                "basis": "forecast",
                "value": amount(value, scale),
                "gap": amount(value - target_units, scale),
            }
            groups.setdefault((line["owner_id"], line["segment"]), []).append(
                (fc_index[month], target_units, members)
            )
        else:
            entry |= {"basis": "beyond the forecast", "value": None, "gap": None}
        out.append(entry)
    carriers = [
        _carriers(owner, segment, months, bottom_hist, bottom_fc, ids, scale, top)
        for (owner, segment), months in groups.items()
    ]
    return {
        "measure": measure,
        "as_of": s.as_of.isoformat(),
        "scope": result.scope,
        "lines": out,
        "shortfalls": carriers,
        "coherent": result.forecast.coherent(s.aggregate, n_b),
    }


def _carriers(
    owner: str,
    segment: str,
    months: list[tuple[int, int, np.ndarray[Any, Any]]],
    history: np.ndarray[Any, Any],
    forecast: np.ndarray[Any, Any],
    ids: list[str],
    scale: int,
    top: int,
) -> dict[str, Any]:
    """The customers of one owner/segment by expected shortfall against their share of the target."""
    members = months[0][2]
    columns = [m for m, _, _ in months]
    target = sum(t for _, t, _ in months)
    expected = forecast[:, columns].sum(axis=1)
    recent = history[:, -12:].sum(axis=1)
    base = int(recent[members].sum())
    rows = np.flatnonzero(members)
    shares = [(int(recent[i]) * target) / base if base > 0 else 0.0 for i in rows]
    shortfall = [int(expected[i]) - share for i, share in zip(rows, shares, strict=True)]
    ranked = sorted(range(len(rows)), key=lambda j: shortfall[j])[:top]
    gap = int(expected[members].sum()) - target
    return {
        "owner_id": owner,
        "segment": segment,
        "months": len(columns),
        "target": amount(target, scale),
        "forecast": amount(int(expected[members].sum()), scale),
        "gap": amount(gap, scale),
        "customers": [
            {
                "counterparty_id": ids[rows[j]],
                "forecast": amount(int(expected[rows[j]]), scale),
                "share_of_target": amount(round(shares[j]), scale),
                "shortfall": amount(round(shortfall[j]), scale),
            }
            for j in ranked
        ],
    }
