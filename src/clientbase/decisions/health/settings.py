"""The health check's weights, target ranges and windows, with their documented defaults, in TOML.

A settings file holds only what it changes (``clientbase health --settings health.toml``;
``clientbase health --print-settings`` prints every key with its default)::

    [steps]                 # weight of each step in the overall score (any positive numbers)
    record = 2

    [indicators."record.stale_fields"]
    weight = 2              # weight within its step
    good = 0.05             # at or beyond this the indicator scores 100
    bad = 0.4               # at or beyond this it scores 0
    target = "rule"         # where "good" comes from: rule, best_manager or history

    [windows]
    touch_days = 90

Unknown sections or keys and values of the wrong type are refused with the key and how to fix it.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clientbase.decisions.health.model import STEPS
from clientbase.errors import Problem, ValidationError

TARGET_SOURCES = ("rule", "best_manager", "history")


@dataclass(frozen=True)
class IndicatorRule:
    """Weight within its step, the value that scores 100 (``good``) and 0 (``bad``), and where ``good``
    comes from: the ``rule`` itself, the company's ``best_manager`` or its own ``history`` (the best
    value of the trend), whichever of those is named; ``bad`` always comes from the rule."""

    weight: float
    good: float
    bad: float
    target: str = "rule"


#: the documented defaults (docs/health.md explains each)
DEFAULT_INDICATORS: dict[str, IndicatorRule] = {
    "form.targeted_share": IndicatorRule(1.0, 0.6, 0.2),
    "form.conversion": IndicatorRule(1.0, 0.3, 0.05),
    "form.cost_per_profitable": IndicatorRule(1.0, 0.5, 2.0),
    "form.loss_after_12m": IndicatorRule(1.0, 0.1, 0.4),
    "record.quality_score": IndicatorRule(2.0, 95.0, 70.0),
    "record.completeness": IndicatorRule(1.0, 98.0, 85.0),
    "record.duplicates_per_1000": IndicatorRule(1.0, 5.0, 50.0),
    "record.without_owner": IndicatorRule(1.0, 0.0, 0.05),
    "record.stale_fields": IndicatorRule(1.0, 0.1, 0.5),
    "record.common_base_share": IndicatorRule(1.0, 0.8, 0.3),
    "record.days_to_complete": IndicatorRule(1.0, 7.0, 90.0),
    "work.touched_share": IndicatorRule(2.0, 0.8, 0.2, "best_manager"),
    "work.overdue_tasks": IndicatorRule(1.0, 0.05, 0.5),
    "work.buying_untouched": IndicatorRule(1.0, 0.05, 0.4),
    "analyse.priced_share": IndicatorRule(2.0, 0.95, 0.5),
    "analyse.payment_data_share": IndicatorRule(1.0, 0.95, 0.6),
    "analyse.periods_available": IndicatorRule(1.0, 36.0, 12.0),
    "analyse.capacity_mismatch": IndicatorRule(1.0, 0.1, 0.5),
    "decide.tasks_taken_up": IndicatorRule(1.0, 0.7, 0.2),
    "decide.measured_effect": IndicatorRule(1.0, 0.8, 0.0),
    "decide.loss_without_action": IndicatorRule(2.0, 0.1, 0.7),
    "decide.creep_without_action": IndicatorRule(1.0, 0.1, 0.7),
    "decide.forecast_accuracy": IndicatorRule(1.0, 0.8, 1.2),
}


@dataclass(frozen=True)
class Windows:
    """Days and thresholds the indicators count with."""

    #: a customer was looked after if it had an activity, a contact change or a verification this recently
    touch_days: int = 90
    #: still buying: an order line this recently; untouched: no relationship activity this long
    year_days: int = 365
    #: prospects younger than this are left out of the conversion rate (not yet had time to convert)
    maturity_days: int = 180
    #: periods (of 12 months back from the as-of date) in the trend of the indicators that have one
    trend_periods: int = 4
    #: discount creep: the discount off list rose by at least this many points from one period to the next
    creep_pp: float = 2.0
    #: ... on a customer with at least this share of the median customer's sales at list (not the tiny ones)
    creep_min_sales_share: float = 1.0
    #: a manager's value counts for the best-manager target only with at least this many records behind it
    min_manager_records: int = 20


@dataclass(frozen=True)
class HealthSettings:
    steps: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STEPS, 1.0))
    indicators: dict[str, IndicatorRule] = field(default_factory=lambda: dict(DEFAULT_INDICATORS))
    windows: Windows = field(default_factory=Windows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "steps": dict(self.steps),
            "indicators": {k: dataclasses.asdict(v) for k, v in self.indicators.items()},
            "windows": dataclasses.asdict(self.windows),
        }


def _bad(file: str, key: str, rule: str) -> ValidationError:
    return ValidationError([Problem(file, None, key, None, rule)])


def _number(value: Any, file: str, key: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(file, key, "type: a number")
    if positive and value <= 0:
        raise _bad(file, key, "minimum: must be above 0")
    return float(value)


def settings_from_dict(data: dict[str, Any], *, file: str = "settings") -> HealthSettings:
    """Settings from parsed TOML; every key optional, unknown keys refused.

    Example:
        >>> s = settings_from_dict({"steps": {"record": 2}, "indicators": {"record.stale_fields": {"good": 0.2}}})
        >>> s.steps["record"], s.indicators["record.stale_fields"].good, s.indicators["record.stale_fields"].bad
        (2.0, 0.2, 0.5)
    """
    base = HealthSettings()
    unknown = set(data) - {"steps", "indicators", "windows"}
    if unknown:
        raise _bad(file, sorted(unknown)[0], "unknown section: use steps, indicators or windows")
    steps = dict(base.steps)
    for name, value in dict(data.get("steps") or {}).items():
        if name not in STEPS:
            raise _bad(file, f"steps.{name}", f"unknown step: one of {', '.join(STEPS)}")
        steps[name] = _number(value, file, f"steps.{name}", positive=True)
    indicators = dict(base.indicators)
    for code, values in dict(data.get("indicators") or {}).items():
        if code not in indicators:
            raise _bad(
                file, f"indicators.{code}", "unknown indicator: see clientbase health --print-settings"
            )
        if not isinstance(values, dict):
            raise _bad(file, f"indicators.{code}", "type: a table of weight, good, bad, target")
        current = dataclasses.asdict(indicators[code])
        for key, value in values.items():
            where = f"indicators.{code}.{key}"
            if key == "target":
                if value not in TARGET_SOURCES:
                    raise _bad(file, where, f"enum: one of {', '.join(TARGET_SOURCES)}")
                current[key] = value
            elif key in ("weight", "good", "bad"):
                current[key] = _number(value, file, where, positive=key == "weight")
            else:
                raise _bad(file, where, "unknown key: use weight, good, bad or target")
        if current["good"] == current["bad"]:
            raise _bad(file, f"indicators.{code}", "good and bad must differ")
        indicators[code] = IndicatorRule(**current)
    windows = dataclasses.asdict(base.windows)
    for key, value in dict(data.get("windows") or {}).items():
        if key not in windows:
            raise _bad(file, f"windows.{key}", f"unknown key: one of {', '.join(windows)}")
        number = _number(value, file, f"windows.{key}", positive=True)
        windows[key] = int(number) if isinstance(windows[key], int) else number
    return HealthSettings(steps=steps, indicators=indicators, windows=Windows(**windows))


def load_settings(path: Path | str | None) -> HealthSettings:
    """The settings of a TOML file (``None``: the defaults)."""
    if path is None:
        return HealthSettings()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(
            [Problem(str(path), None, None, None, f"cannot read the file: {exc}")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError([Problem(str(path), None, None, None, f"not valid TOML: {exc}")]) from None
    return settings_from_dict(data, file=str(path))


def settings_toml(settings: HealthSettings | None = None) -> str:
    """Every key with its value, as TOML a settings file can start from.

    Example:
        >>> settings_from_dict(tomllib.loads(settings_toml())) == HealthSettings()
        True
    """
    s = settings or HealthSettings()
    lines = ["[steps]", *(f"{k} = {v}" for k, v in s.steps.items()), ""]
    for code, rule in s.indicators.items():
        lines += [
            f'[indicators."{code}"]',
            f"weight = {rule.weight}",
            f"good = {rule.good}",
            f"bad = {rule.bad}",
            f'target = "{rule.target}"',
            "",
        ]
    lines.append("[windows]")
    lines += [f"{k} = {v}" for k, v in dataclasses.asdict(s.windows).items()]
    return "\n".join(lines) + "\n"
