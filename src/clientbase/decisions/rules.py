"""The decision rules' thresholds, weights and effect assumptions, with their documented defaults, in TOML.

Every key is optional: a rules file holds only what it changes (``clientbase actions --rules rules.toml``;
``clientbase actions --print-rules`` prints every key with its default and meaning). Each rule is explained
with a worked example in ``docs/decisions.md``. Unknown sections or keys and values of the wrong type are
refused with the file, the key and how to fix it, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clientbase.errors import Problem, ValidationError
from clientbase.schema import ACTION_CODES


def _doc(text: str, default: Any) -> Any:
    """A rule's default (immutable: numbers, text, tuples) with its meaning, shown by :func:`rules_toml`."""
    return field(default=default, metadata={"doc": text})


@dataclass(frozen=True)
class General:
    volume_bands: int = _doc(
        "peers: customers banded by sales at list price in the period (10 = deciles)", 10
    )
    min_peers: int = _doc("a band with fewer customers than this takes the whole company as peers", 5)
    materiality_share: float = _doc(
        "an action fires only if its amount at stake is at least this share of the median customer's "
        "gross margin a year",
        0.01,
    )
    materiality_min: float = _doc("... and at least this amount (database currency)", 0.0)
    order_kinds: tuple[str, ...] = _doc(
        "activity kinds driven by orders (handling, delivery, rush ...); empty: the kinds whose activities "
        "mostly name an order",
        (),
    )
    quality_floor: float = _doc("records scoring below this in the quality audit get a warning", 70.0)
    use_quality: bool = _doc("run the quality audit (without the duplicate search) for those warnings", True)


@dataclass(frozen=True)
class Matrix:
    price_threshold_pct: float = _doc(
        "net price realised (% of list) that splits high from low price; 0: the revenue-weighted median", 0.0
    )
    cost_threshold_pct: float = _doc(
        "cost-to-serve (% of net revenue) that splits high from low cost; 0: the revenue-weighted median", 0.0
    )


@dataclass(frozen=True)
class Reprice:
    tolerance_pp: float = _doc("fires when the discount is this many points above the agreed discount", 2.0)
    peer_tolerance_pp: float = _doc("... or this many points above the peers' typical discount", 3.0)
    creep_pp: float = _doc("... or has risen by this many points since the compared period", 2.0)
    recovery: float = _doc("share of the excess discount won back (volume unchanged)", 0.5)


@dataclass(frozen=True)
class MinimumOrder:
    max_cost_share: float = _doc(
        "fires when order-driven costs take this share of the gross margin (0.9: an order keeps a tenth)", 0.9
    )
    target_share: float = _doc(
        "the minimum order value proposed is the one at which they take this share", 0.4
    )
    recovery: float = _doc("share of the orders saved by consolidating that is realised", 0.5)


@dataclass(frozen=True)
class CutCostToServe:
    peer_multiple: float = _doc(
        "fires when relationship costs (activities without an order: visits, calls, tickets) take this "
        "multiple of the peers' typical share of gross margin",
        2.0,
    )
    min_share: float = _doc("... and at least this share of the gross margin", 0.5)
    recovery: float = _doc("share of the excess over the peers' typical share that is saved", 0.5)


@dataclass(frozen=True)
class Collect:
    age_days: tuple[int, ...] = _doc(
        "days past due that start each age bucket; money fewer days past due than the first is not chased",
        (15, 31, 91, 181),
    )
    loss_share: tuple[float, ...] = _doc(
        "share of each bucket lost if not chased (the older, the less is ever collected)",
        (0.02, 0.05, 0.15, 0.30),
    )
    credit_days_saved: int = _doc("days of credit cost saved by collecting now", 30)


@dataclass(frozen=True)
class RenegotiateTerms:
    late_days: float = _doc(
        "habitual lateness: paying this many days after the due date (amount-weighted)", 15.0
    )
    excess_terms_days: float = _doc("long terms: this many days longer than the peers' typical terms", 30.0)
    recovery: float = _doc("share of the avoidable credit cost saved", 0.5)


@dataclass(frozen=True)
class WinBack:
    p_alive_below: float = _doc("buying stopped: P(alive) of the purchase model below this", 0.5)
    gap_multiple: float = _doc(
        "... or no purchase for this many times the customer's usual days between purchases", 3.0
    )
    min_repeat: int = _doc("the usual gap needs at least this many repeat purchases", 2)
    min_quiet_days: int = _doc("... and the quiet spell at least this many days", 90)
    success: float = _doc("chance a win-back brings the customer back for a year", 0.25)


@dataclass(frozen=True)
class Grow:
    peer_attribute: str = _doc("counterparty field whose groups set the typical spend", "size_band")
    headroom_share: float = _doc("fires below this share of the group's median net revenue", 0.5)
    capture: float = _doc("share of the gap to that median won in a year, at the customer's net margin", 0.2)


@dataclass(frozen=True)
class Retain:
    top_share: float = _doc(
        "the most profitable customers who together earn this share of the positive net contribution", 0.5
    )
    save_share: float = _doc("share of the expected loss of contribution a retention plan avoids", 0.5)


@dataclass(frozen=True)
class ExitOrSelfService:
    self_service_cost_share: float = _doc(
        "share of the cost-to-serve left when served by self-service (web shop, no visits)", 0.3
    )


@dataclass(frozen=True)
class Prospects:
    peer_attributes: tuple[str, ...] = _doc(
        "counterparty fields whose values a prospect shares with the customers it is compared with",
        ("size_band", "acquisition_mode"),
    )
    min_group: int = _doc("customers a group needs before it says anything about a prospect", 10)
    qualify_share: float = _doc(
        "qualify when at least this share of the group's customers is profitable", 0.6
    )
    drop_share: float = _doc(
        "drop when less than this share is, or when pursuit costs more than it gains", 0.4
    )
    conversion: float = _doc("chance a pursued prospect becomes a customer within a year", 0.1)


#: priority score = expected effect a year x this weight
DEFAULT_WEIGHTS = {
    "reprice": 1.0,
    "minimum_order": 1.0,
    "cut_cost_to_serve": 1.0,
    "collect": 1.5,
    "renegotiate_terms": 1.0,
    "win_back": 0.8,
    "grow": 0.6,
    "retain": 0.6,
    "exit_or_self_service": 0.8,
    "qualify": 0.5,
    "drop_prospect": 0.5,
}
#: due date = the as-of date of the analysis + these days
DEFAULT_DUE_DAYS = {
    "reprice": 30,
    "minimum_order": 30,
    "cut_cost_to_serve": 45,
    "collect": 7,
    "renegotiate_terms": 30,
    "win_back": 14,
    "grow": 60,
    "retain": 30,
    "exit_or_self_service": 60,
    "qualify": 30,
    "drop_prospect": 14,
}


@dataclass(frozen=True)
class Rules:
    """Every threshold, weight and assumption of the decision rules (the defaults are the documented ones)."""

    general: General = field(default_factory=General)
    priority: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    due_days: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_DUE_DAYS))
    matrix: Matrix = field(default_factory=Matrix)
    reprice: Reprice = field(default_factory=Reprice)
    minimum_order: MinimumOrder = field(default_factory=MinimumOrder)
    cut_cost_to_serve: CutCostToServe = field(default_factory=CutCostToServe)
    collect: Collect = field(default_factory=Collect)
    renegotiate_terms: RenegotiateTerms = field(default_factory=RenegotiateTerms)
    win_back: WinBack = field(default_factory=WinBack)
    grow: Grow = field(default_factory=Grow)
    retain: Retain = field(default_factory=Retain)
    exit_or_self_service: ExitOrSelfService = field(default_factory=ExitOrSelfService)
    prospects: Prospects = field(default_factory=Prospects)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_SECTION_DOCS = {
    "general": "peers, materiality, order-driven kinds, data-quality warnings",
    "priority": "priority score = expected effect a year x the code's weight (rank 1 = highest score)",
    "due_days": "due date = the as-of date of the analysis + these days",
    "matrix": "the customer matrix (Shapiro et al. 1987)",
}


def _check(value: Any, kind: str, where: str, file: str) -> Any:
    """``value`` as the type ``kind`` names, or a :class:`ValidationError` saying what is wrong."""

    def bad(rule: str) -> ValidationError:
        return ValidationError([Problem(file, None, where, repr(value), rule)])

    if kind == "bool":
        if not isinstance(value, bool):
            raise bad("must be true or false")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise bad("must be a whole number, 0 or more")
        return value
    if kind == "float":
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 0
        ):
            raise bad("must be a number, 0 or more")
        return float(value)
    if kind == "str":
        if not isinstance(value, str):
            raise bad('must be text in quotes, e.g. "size_band"')
        return value
    if kind.startswith("tuple["):
        inner = kind[len("tuple[") :].split(",")[0].strip()
        if not isinstance(value, list):
            raise bad(f"must be a list of {inner} values in brackets, e.g. []")
        return tuple(_check(v, inner, f"{where}[{i}]", file) for i, v in enumerate(value))
    raise AssertionError(f"unknown rule type {kind}")  # pragma: no cover - a typo in this module


def _section(cls: type, values: Any, name: str, file: str) -> Any:
    if not isinstance(values, dict):
        raise ValidationError([Problem(file, None, name, repr(values), f"[{name}] must be a table of keys")])
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValidationError(
            [
                Problem(file, None, f"{name}.{key}", None, f"unknown key; [{name}] has {', '.join(known)}")
                for key in unknown
            ]
        )
    checked = {key: _check(v, str(known[key].type), f"{name}.{key}", file) for key, v in values.items()}
    return cls(**checked)


def _codes(values: Any, name: str, kind: str, file: str, defaults: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(values, dict):
        raise ValidationError([Problem(file, None, name, repr(values), f"[{name}] must be a table of codes")])
    unknown = sorted(set(values) - set(ACTION_CODES))
    if unknown:
        raise ValidationError(
            [
                Problem(
                    file, None, f"{name}.{code}", None, f"unknown action code; use {', '.join(ACTION_CODES)}"
                )
                for code in unknown
            ]
        )
    return {**defaults, **{code: _check(v, kind, f"{name}.{code}", file) for code, v in values.items()}}


def rules_from_dict(data: dict[str, Any], *, file: str = "rules") -> Rules:
    """:class:`Rules` from parsed TOML: the defaults with what ``data`` sets.

    Example:
        >>> rules_from_dict({"reprice": {"tolerance_pp": 1.5}}).reprice.tolerance_pp
        1.5
    """
    defaults = Rules()
    sections = {f.name: f for f in dataclasses.fields(Rules)}
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise ValidationError(
            [
                Problem(file, None, key, None, f"unknown section; the sections are {', '.join(sections)}")
                for key in unknown
            ]
        )
    changes: dict[str, Any] = {}
    for name, values in data.items():
        if name == "priority":
            changes[name] = _codes(values, name, "float", file, defaults.priority)
        elif name == "due_days":
            changes[name] = _codes(values, name, "int", file, defaults.due_days)
        else:
            changes[name] = _section(type(getattr(defaults, name)), values, name, file)
    rules = dataclasses.replace(defaults, **changes)
    _check_consistent(rules, file)
    return rules


def _check_consistent(rules: Rules, file: str) -> None:
    c = rules.collect
    problems = []
    if len(c.age_days) != len(c.loss_share) or not c.age_days:
        problems.append(
            Problem(
                file,
                None,
                "collect.loss_share",
                repr(list(c.loss_share)),
                "give one share per entry of age_days",
            )
        )
    elif list(c.age_days) != sorted(set(c.age_days)):
        problems.append(Problem(file, None, "collect.age_days", repr(list(c.age_days)), "must rise strictly"))
    if rules.general.volume_bands < 1:
        problems.append(Problem(file, None, "general.volume_bands", "0", "must be at least 1"))
    shares = {
        "reprice.recovery": rules.reprice.recovery,
        "minimum_order.recovery": rules.minimum_order.recovery,
        "cut_cost_to_serve.recovery": rules.cut_cost_to_serve.recovery,
        "renegotiate_terms.recovery": rules.renegotiate_terms.recovery,
        "win_back.success": rules.win_back.success,
        "win_back.p_alive_below": rules.win_back.p_alive_below,
        "grow.capture": rules.grow.capture,
        "retain.top_share": rules.retain.top_share,
        "retain.save_share": rules.retain.save_share,
        "prospects.conversion": rules.prospects.conversion,
    }
    problems += [
        Problem(file, None, key, repr(v), "must be a share between 0 and 1")
        for key, v in shares.items()
        if v > 1
    ]
    if problems:
        raise ValidationError(problems)


def load_rules(path: Path | str | None) -> Rules:
    """The rules of the TOML file ``path`` (the defaults for keys it does not set; ``None``: all defaults).

    Raises:
        ValidationError: the file is not TOML, or names an unknown key, or a value of the wrong type.
    """
    if path is None:
        return Rules()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError([Problem(str(path), None, None, None, "file not found")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError([Problem(str(path), None, None, None, f"not valid TOML: {exc}")]) from None
    return rules_from_dict(data, file=str(path))


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


def rules_toml(rules: Rules | None = None) -> str:
    """Every rule as TOML with its meaning as a comment (``rules_from_dict`` reads it back).

    Example:
        >>> text = rules_toml()
        >>> rules_from_dict(tomllib.loads(text)) == Rules()
        True
    """
    rules = rules or Rules()
    out = ["# clientbase decision rules: every key optional; the values shown are the defaults.", ""]
    for section in dataclasses.fields(Rules):
        value = getattr(rules, section.name)
        out.append(f"[{section.name}]")
        if section.name in _SECTION_DOCS:
            out.append(f"# {_SECTION_DOCS[section.name]}")
        if isinstance(value, dict):
            out += [f"{code} = {_toml_value(v)}" for code, v in value.items()]
        else:
            for f in dataclasses.fields(value):
                out.append(f"# {f.metadata['doc']}")
                out.append(f"{f.name} = {_toml_value(getattr(value, f.name))}")
        out.append("")
    return "\n".join(out)
