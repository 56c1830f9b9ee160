"""The health service the CLI, the API and the page share, and the overall score for the dashboard.

:func:`health` gathers the sources once (:class:`~clientbase.decisions.health.context.Context`), runs the
five step modules, scores every indicator, step and manager (:mod:`.scoring`) and picks the three changes
that would add the most points to the overall score. The head and analysts read it; a manager may not (the
check compares managers with each other).

A check reads the whole base (about 10 s on the 5,000-customer demo), so the result is kept in memory per
store, options and *data fingerprint* (:func:`fingerprint`: the materialised analysis' fingerprint of the
fact tables and records, plus the tasks, verifications, history, duplicate decisions and quality
snapshots): the page and the API recompute only when the data moved on.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.decisions.health import analyse, decide, form, record, work
from clientbase.decisions.health.context import Context, period_label, year_windows
from clientbase.decisions.health.model import STEPS, HealthReport, Improvement, Step
from clientbase.decisions.health.scoring import points_to_gain, score_indicator, score_step, weighted
from clientbase.decisions.health.settings import HealthSettings
from clientbase.errors import PermissionDeniedError, Problem, ValidationError
from clientbase.registry.access import Actor

MODULES = {"form": form, "record": record, "work": work, "analyse": analyse, "decide": decide}
#: how many changes "what to improve first" lists
IMPROVE_FIRST = 3
#: (table, timestamp column) whose count and latest value join the fingerprint
_MORE = (
    ("action_tasks", "updated_at"),
    ("action_tasks", "created_at"),
    ("field_verification", "verified_at"),
    ("field_history", "changed_at"),
    ("duplicate_decisions", "decided_at"),
    ("quality_snapshots", "taken_at"),
    ("campaigns", "start"),
    ("metrics_state", "computed_at"),
    ("managers", None),
)
#: the days a check may look from (its trend reaches years back, its windows days ahead)
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(9000, 12, 31)
_CACHE: OrderedDict[tuple[Any, ...], HealthReport] = OrderedDict()
_CACHE_SIZE = 8
_LOCK = threading.Lock()
#: cache keys a background check is computing
_RUNNING: set[tuple[Any, ...]] = set()
log = logging.getLogger(__name__)


def fingerprint(store: Any) -> str:
    """What the check reads, as one string: changes whenever a check could come out differently."""
    from clientbase.decisions.customer_metrics import fingerprint as data_fingerprint

    parts = [data_fingerprint(store)]
    with store.begin() as conn:
        for name, column in _MORE:
            table = schema.metadata.tables[name]
            if column is None:
                rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
                parts.append(f"{name}:{hash(tuple(tuple(r) for r in rows))}")
                continue
            count, latest = conn.execute(sa.select(sa.func.count(), sa.func.max(table.c[column]))).one()
            parts.append(f"{name}.{column}:{count}:{latest}")
    return ";".join(parts)


def _key(
    store: Any, as_of: dt.date | None, settings: HealthSettings, duplicates: bool, forecast: bool
) -> tuple[Any, ...]:
    return (store.url, id(store.engine), as_of, repr(settings), duplicates, forecast, fingerprint(store))


def _check_reader(actor: Actor) -> None:
    if not actor.sees_all:
        raise PermissionDeniedError(
            f"{actor.manager_id} is a manager; the health check compares the managers and is for the head "
            "and analysts."
        )


def health(
    store: Any,
    *,
    actor: Actor,
    as_of: dt.date | None = None,
    settings: HealthSettings | None = None,
    duplicates: bool = False,
    forecast: bool = False,
    cache: bool = True,
) -> HealthReport:
    """The five steps checked, scored, and what to improve first (docs/health.md).

    Args:
        store: the database.
        actor: who asks (the head or an analyst).
        as_of: the day to look from (default: the latest date in the data).
        settings: weights, targets and windows (default: the documented ones).
        duplicates: run the duplicate search (splink, seconds) instead of reading the last stored one.
        forecast: run the forecast's backtest for the forecast-accuracy indicator (seconds).
        cache: reuse a check of the same store, options and data fingerprint.

    Raises:
        PermissionDeniedError: a manager asks.

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     report = health(store, actor=Actor("H1", "head"))
        >>> sorted(report.steps) == sorted(STEPS), 0 <= report.overall <= 100
        (True, True)
    """
    _check_reader(actor)
    if as_of is not None and not FIRST_DAY <= as_of <= LAST_DAY:
        raise ValidationError(
            [Problem("query", None, "as_of", as_of.isoformat(), f"range: between {FIRST_DAY} and {LAST_DAY}")]
        )
    settings = settings or HealthSettings()
    key = None
    if cache:
        key = _key(store, as_of, settings, duplicates, forecast)
        with _LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
    report = _check(store, as_of, settings, duplicates, forecast)
    if key is not None:
        with _LOCK:
            _CACHE[key] = report
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return report


def _check(
    store: Any, as_of: dt.date | None, settings: HealthSettings, duplicates: bool, forecast: bool
) -> HealthReport:
    started = time.perf_counter()
    with store.snapshot() as view:
        ctx = Context(view, settings, as_of, duplicates=duplicates, forecast=forecast)
        steps = {name: Step(name, MODULES[name].indicators(ctx)) for name in STEPS}
        counts = {str(k): int(v) for k, v in ctx.records["owner_id"].value_counts().items()}
        currency = ctx.analysis.currency if ctx.analysis is not None else "EUR"
        day = ctx.as_of
    for name, step in steps.items():
        for ind in step.indicators:
            ind.step = name
            score_indicator(ind, settings.indicators[ind.code], counts, settings.windows.min_manager_records)
        score_step(step, settings.steps[name])
    overall = weighted([(s.score, s.weight) for s in steps.values()])
    managers = sorted({m for s in steps.values() for m in s.by_manager})
    by_manager = {m: weighted([(s.by_manager.get(m), s.weight) for s in steps.values()]) for m in managers}
    periods = (
        [period_label(a, b) for a, b in year_windows(day, settings.windows.trend_periods)] if day else []
    )
    return HealthReport(
        as_of=day,
        periods=periods,
        currency=currency,
        steps=steps,
        overall=overall,
        by_manager=by_manager,
        improve_first=improve_first(steps),
        notes=ctx.notes,
        weights=dict(settings.steps),
        seconds=round(time.perf_counter() - started, 2),
    )


def improve_first(steps: dict[str, Step], count: int = IMPROVE_FIRST) -> list[Improvement]:
    """The ``count`` changes that would add the most points to the overall score (money at stake breaks
    ties), one per indicator that has a change to make."""
    found = []
    for step in steps.values():
        for ind in step.indicators:
            if ind.change is None or ind.score is None or ind.score >= 100:
                continue
            points = points_to_gain(ind, step, steps)
            if points <= 0:
                continue
            found.append(
                Improvement(step.name, ind.code, ind.change.text, ind.change.link, points, ind.change.money)
            )
    found.sort(key=lambda i: (-i.points, -(i.money or 0), i.code))
    return found[:count]


@dataclass(frozen=True)
class OverallScore:
    """The overall score as the dashboard shows it: ``ready`` once a check of the current data is done,
    ``score`` its overall score (``None``: nothing on this base could be scored)."""

    ready: bool
    score: float | None


def overall_score(store: Any, actor: Actor, *, wait: bool = True) -> OverallScore:
    """The overall health score (0-100) for the head's dashboard.

    ``wait=False`` never makes the caller wait for a check: it returns the score of a check of the current
    data already in memory, else ``ready=False`` while one check runs in a background thread (started once),
    so a page can show the score as soon as it is there.

    Raises:
        PermissionDeniedError: a manager asks (the check compares the managers).
    """
    _check_reader(actor)
    if wait:
        return OverallScore(True, health(store, actor=actor).overall)
    key = _key(store, None, HealthSettings(), False, False)
    with _LOCK:
        if key in _CACHE:
            return OverallScore(True, _CACHE[key].overall)
        if key in _RUNNING:
            return OverallScore(False, None)
        _RUNNING.add(key)

    def run() -> None:
        try:
            health(store, actor=actor)
        except Exception:  # a background warm-up logs its failure and ends
            log.exception("the background health check failed")
        finally:
            with _LOCK:
                _RUNNING.discard(key)

    threading.Thread(target=run, name="health-check", daemon=True).start()
    return OverallScore(False, None)
