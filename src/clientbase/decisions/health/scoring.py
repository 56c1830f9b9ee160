"""Scores: each indicator 0-100 on its target range, each step the weighted mean of its indicators, the
overall score the weighted mean of the steps; per manager the same over the indicators that have a value
per manager. An indicator without a value (nothing to measure on this base) is left out of the means and
its weight goes to the others."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from clientbase.decisions.health.model import Indicator, Step
from clientbase.decisions.health.settings import IndicatorRule


def linear_score(value: float | None, good: float, bad: float) -> float | None:
    """100 at ``good`` or beyond, 0 at ``bad`` or beyond, linear between (either direction).

    Example:
        >>> linear_score(0.3, good=0.1, bad=0.5), linear_score(0.9, good=0.8, bad=0.2), linear_score(None, 1, 0)
        (50.0, 100.0, None)
    """
    if value is None or good == bad:
        return None
    share = (value - bad) / (good - bad)
    return round(100.0 * min(1.0, max(0.0, share)), 1)


def _better(a: float, b: float, better: str) -> bool:
    return a > b if better == "higher" else a < b


def target_of(
    indicator: Indicator, rule: IndicatorRule, counts: Mapping[str, int], min_records: int
) -> dict[str, object]:
    """The target range of ``indicator`` and its source (``counts``: records per manager, for which
    managers count towards the best-manager target)."""
    good, source = rule.good, "rule of thumb (docs/health.md)"
    if rule.target == "best_manager":
        values = [
            (v, m)
            for m, v in indicator.by_manager.items()
            if v is not None and counts.get(m, 0) >= min_records
        ]
        if len(values) >= 2:
            best, who = values[0]
            for v, m in values[1:]:
                if _better(v, best, indicator.better):
                    best, who = v, m
            if _better(best, rule.bad, indicator.better) or best == rule.bad:
                good, source = best, f"the company's best manager ({who})"
    elif rule.target == "history":
        past = [p.value for p in indicator.trend if p.value is not None]
        if past:
            best = past[0]
            for v in past[1:]:
                if _better(v, best, indicator.better):
                    best = v
            if best != rule.bad:
                good, source = best, "the company's own best period"
    low, high = sorted((good, rule.bad))
    return {"good": good, "bad": rule.bad, "low": low, "high": high, "source": source}


def score_indicator(
    indicator: Indicator, rule: IndicatorRule, counts: Mapping[str, int], min_records: int
) -> None:
    """Set ``target``, ``score``, ``weight`` and ``manager_scores`` of ``indicator``."""
    target = target_of(indicator, rule, counts, min_records)
    good = float(target["good"])  # type: ignore[arg-type]
    indicator.target = target
    indicator.weight = rule.weight
    indicator.score = linear_score(indicator.value, good, rule.bad)
    indicator.manager_scores = {m: linear_score(v, good, rule.bad) for m, v in indicator.by_manager.items()}
    indicator.trend = [replace(p, score=linear_score(p.value, good, rule.bad)) for p in indicator.trend]


def weighted(pairs: list[tuple[float | None, float]]) -> float | None:
    """The weighted mean of the scores that are not ``None``.

    Example:
        >>> weighted([(100.0, 1.0), (50.0, 3.0), (None, 5.0)])
        62.5
    """
    known = [(s, w) for s, w in pairs if s is not None and w > 0]
    total = sum(w for _, w in known)
    return None if not known else round(sum(s * w for s, w in known) / total, 1)


def score_step(step: Step, weight: float) -> None:
    """Set the step's score, weight and per-manager scores from its scored indicators."""
    step.weight = weight
    step.score = weighted([(i.score, i.weight) for i in step.indicators])
    managers = sorted({m for i in step.indicators for m in i.manager_scores})
    step.by_manager = {
        m: weighted([(i.manager_scores.get(m), i.weight) for i in step.indicators]) for m in managers
    }


def points_to_gain(indicator: Indicator, step: Step, steps: Mapping[str, Step]) -> float:
    """Points the overall score would gain if ``indicator`` reached its target (scores of the others kept)."""
    if indicator.score is None or step.score is None:
        return 0.0
    in_step = sum(i.weight for i in step.indicators if i.score is not None)
    overall = sum(s.weight for s in steps.values() if s.score is not None)
    if in_step <= 0 or overall <= 0:
        return 0.0
    return round((100.0 - indicator.score) * indicator.weight / in_step * step.weight / overall, 1)
