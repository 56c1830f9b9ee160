"""Did it work? The effect of done tasks, measured afterwards by a difference in differences.

For a task done on day ``d``, with ``L`` = the days of data after it (at most ``window_days``, at least
``min_days``, else the task waits): the customer's net contribution over the ``L`` days from ``d`` (*after*)
and the ``L`` days before ``d`` (*before*) come from the same analysis as every P&L
(:func:`~clientbase.analytics.run.analyze`). The *controls* are the customers with sales in the before-window
who have no accepted or done task of the same code, in the treated customer's volume band (``bands`` bands
of sales at list in the before-window; all controls when the band has fewer than ``min_controls``).

* effect = (after - before) of the customer - the mean (after - before) of its controls;
* its standard error = the controls' standard deviation of (after - before) x sqrt(1 + 1 / controls), i.e.
  the customer's own change is taken to vary as much as a control's;
* a year = x 365 / L. Per code, the lever's effect a year is the mean over its measured tasks ``n``. Its
  variance adds the customers' own noise, sum of sd^2 / n^2, and the noise of the control means, counted once
  per group of controls the tasks share: sum over groups of (tasks in it / n)^2 x sd^2 / controls. The 95 %
  interval is +-1.96 standard errors; beside it, the mean expected effect a year the tasks were proposed with.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from clientbase.analytics.run import analyze
from clientbase.decisions.peers import volume_bands
from clientbase.decisions.tasks import Task, list_tasks, treated_customers
from clientbase.registry.access import Actor

Z95 = 1.96


@dataclass(frozen=True)
class EffectOptions:
    """The measurement's settings (module docstring)."""

    window_days: int = 180
    min_days: int = 30
    bands: int = 5
    min_controls: int = 5


def _money(cents: float) -> Decimal:
    return Decimal(round(cents)).scaleb(-2)


@dataclass(frozen=True)
class TaskEffect:
    task_id: str
    counterparty_id: str
    code: str
    done_on: dt.date
    days: int
    before: Decimal
    after: Decimal
    control_change: Decimal
    controls: int
    effect: Decimal
    standard_error: Decimal
    expected_a_year: Decimal | None
    #: the controls' standard deviation of (after - before), and which controls (window and band) they are
    control_sd: float = 0.0
    control_group: tuple[dt.date, int, int] | None = None

    @property
    def effect_a_year(self) -> Decimal:
        return _money(float(self.effect) * 100 * 365 / self.days)

    @property
    def standard_error_a_year(self) -> Decimal:
        return _money(float(self.standard_error) * 100 * 365 / self.days)

    def as_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "counterparty_id": self.counterparty_id,
            "code": self.code,
            "done_on": self.done_on.isoformat(),
            "days": self.days,
            "before": self.before,
            "after": self.after,
            "change": self.after - self.before,
            "control_change": self.control_change,
            "controls": self.controls,
            "effect": self.effect,
            "standard_error": self.standard_error,
            "effect_a_year": self.effect_a_year,
            "standard_error_a_year": self.standard_error_a_year,
            "expected_a_year": self.expected_a_year,
        }


@dataclass(frozen=True)
class LeverEffect:
    code: str
    tasks: int
    effect_a_year: Decimal
    standard_error_a_year: Decimal
    expected_a_year: Decimal | None

    def as_dict(self) -> dict[str, Any]:
        se = self.standard_error_a_year
        return {
            "code": self.code,
            "tasks": self.tasks,
            "effect_a_year": self.effect_a_year,
            "standard_error_a_year": se,
            "ci95_low": self.effect_a_year - _money(Z95 * float(se) * 100),
            "ci95_high": self.effect_a_year + _money(Z95 * float(se) * 100),
            "expected_a_year": self.expected_a_year,
        }


@dataclass(frozen=True)
class EffectReport:
    tasks: list[TaskEffect]
    waiting: list[dict[str, Any]] = field(default_factory=list)

    def levers(self) -> list[LeverEffect]:
        """Per code: the mean effect a year over its measured tasks and its standard error, counting once the
        noise of controls that several tasks share (module docstring)."""
        groups: dict[str, list[TaskEffect]] = defaultdict(list)
        for t in self.tasks:
            groups[t.code].append(t)
        out = []
        for code in sorted(groups):
            members = groups[code]
            n = len(members)
            yearly = [365 / m.days for m in members]
            mean = sum(float(m.effect) * 100 * y for m, y in zip(members, yearly, strict=True)) / n  # cents
            own = sum((m.control_sd * y) ** 2 for m, y in zip(members, yearly, strict=True)) / n**2
            shared: dict[Any, list[float]] = defaultdict(list)
            for m, y in zip(members, yearly, strict=True):
                shared[m.control_group].append(m.control_sd * y / math.sqrt(m.controls))
            common = sum((len(v) / n * v[0]) ** 2 for v in shared.values())
            expected = [float(m.expected_a_year) for m in members if m.expected_a_year is not None]
            out.append(
                LeverEffect(
                    code=code,
                    tasks=n,
                    effect_a_year=_money(mean),
                    standard_error_a_year=_money(math.sqrt(own + common)),
                    expected_a_year=_money(100 * sum(expected) / len(expected)) if expected else None,
                )
            )
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "levers": [lever.as_dict() for lever in self.levers()],
            "tasks": [t.as_dict() for t in self.tasks],
            "waiting": self.waiting,
        }


def difference_in_differences(treated: float, controls: np.ndarray[Any, Any]) -> tuple[float, float]:
    """The effect and its standard error for one treated change against the controls' changes.

    Example:
        >>> effect, se = difference_in_differences(300.0, np.array([50.0, 100.0, 150.0]))
        >>> effect, round(se, 3)
        (200.0, 57.735)
    """
    controls = np.asarray(controls, dtype=np.float64)
    n = len(controls)
    sd = float(np.std(controls, ddof=1)) if n > 1 else float("nan")
    return treated - float(controls.mean()), sd * math.sqrt(1 + 1 / n)


def _latest_order(store: Any) -> dt.date | None:
    lines = store.table("order_lines")
    value = lines.aggregate(d=lines.order_date.max()).to_pyarrow()["d"][0].as_py()
    return value.date() if isinstance(value, dt.datetime) else value


def _measure_window(
    store: Any,
    tasks: list[Task],
    day: dt.date,
    days: int,
    treated_codes: dict[str, set[str]],
    opts: EffectOptions,
) -> list[TaskEffect]:
    """The effects of ``tasks`` done on ``day``, with ``days`` of data on each side."""
    a = analyze(
        store,
        start=day,
        end=day + dt.timedelta(days=days - 1),
        compare_start=day - dt.timedelta(days=days),
        compare_end=day - dt.timedelta(days=1),
        as_of=day + dt.timedelta(days=days - 1),
    )
    after, before = a.customers.frame, a.customers_previous.frame
    ids = before.index[before["gross_sales_list"].to_numpy() > 0]
    change = after["net_contribution"].reindex(ids, fill_value=0).to_numpy(dtype=np.float64) - before[
        "net_contribution"
    ].reindex(ids).to_numpy(dtype=np.float64)
    bands = volume_bands(before["gross_sales_list"].reindex(ids).to_numpy(dtype=np.float64), opts.bands)
    position = {str(c): i for i, c in enumerate(ids)}
    out = []
    for task in tasks:
        i = position.get(task.counterparty_id)
        if i is None:
            continue
        untreated = ~np.isin(np.asarray(ids, dtype=object), list(treated_codes[task.code]))
        controls = untreated & (bands == bands[i])
        group = (day, days, int(bands[i]))
        if controls.sum() < opts.min_controls:
            controls, group = untreated, (day, days, -1)
        if controls.sum() < 2:
            continue
        effect, se = difference_in_differences(change[i], change[controls])
        cid = task.counterparty_id
        out.append(
            TaskEffect(
                task_id=task.task_id,
                counterparty_id=cid,
                code=task.code,
                done_on=day,
                days=days,
                before=_money(float(before.at[cid, "net_contribution"])),
                after=_money(float(after["net_contribution"].get(cid, 0))),
                control_change=_money(float(change[controls].mean())),
                controls=int(controls.sum()),
                effect=_money(effect),
                standard_error=_money(se),
                expected_a_year=task.expected_effect,
                control_sd=float(np.std(change[controls], ddof=1)),
                control_group=group,
            )
        )
    return out


def measure_effects(store: Any, *, actor: Actor, options: EffectOptions | None = None) -> EffectReport:
    """The measured effect of every done task ``actor`` may see, per task and per lever (module docstring)."""
    opts = options or EffectOptions()
    visible = list_tasks(store, actor=actor)
    treated = treated_customers(store)
    done = [t for t in visible if t.status == "done" and t.done_on is not None]
    latest = _latest_order(store)
    waiting: list[dict[str, Any]] = []
    windows: dict[tuple[dt.date, int], list[Task]] = defaultdict(list)
    for t in done:
        assert t.done_on is not None
        days = 0 if latest is None else min(opts.window_days, (latest - t.done_on).days + 1)
        if days < opts.min_days:
            waiting.append(
                {
                    "task_id": t.task_id,
                    "counterparty_id": t.counterparty_id,
                    "code": t.code,
                    "reason": f"{max(days, 0)} days of data after {t.done_on}; {opts.min_days} needed",
                }
            )
            continue
        windows[(t.done_on, days)].append(t)
    measured: list[TaskEffect] = []
    for (day, days), tasks in sorted(windows.items()):
        found = _measure_window(store, tasks, day, days, treated, opts)
        got = {e.task_id for e in found}
        waiting += [
            {
                "task_id": t.task_id,
                "counterparty_id": t.counterparty_id,
                "code": t.code,
                "reason": "no sales in the window before it was done, or too few controls",
            }
            for t in tasks
            if t.task_id not in got
        ]
        measured += found
    return EffectReport(tasks=measured, waiting=waiting)
