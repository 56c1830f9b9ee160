"""A what-if scenario: a scope of customers, changes to their terms, and the response assumptions, in TOML.

```toml
name = "Distributors: 2 points less discount, 30 days"
[scope]                      # every condition given must hold; none: every customer with sales
customers = ["C000042"]      # counterparty ids
segment = "distributors"     # the counterparty field segment
quadrant = "aggressive"      # of the customer matrix
action = "reprice"           # customers the rules give this action
filter = { owner = "M12", country = "SE" }   # the registry's list filter (as `clientbase export-list`)
[changes]
discount_points = -2         # discount change in points of list price (-2: 2 points less discount)
payment_days = 30            # payment terms set to this many days
minimum_order_value = 150    # orders below it merged into orders of at least this value
small_order_fee = 9.5        # fee on each order below small_order_below
small_order_below = 150
delivery_fee = 5             # fee on every order
visits_per_year = 4          # visits (activity kind visit_kind) a year
visit_kind = "visit"
channel_handling_rate = 2.0  # orders through a channel (web shop) at this cost per order, instead of
channel_replaces = ["order_handling", "order_line_handling"]   # ... these activity kinds
exit = false                 # stop serving the scope
[assumptions]                # three values each: the scenario runs with the first, second, third set
elasticity = [2.0, 1.0, 0.3]            # volume change per unit of relative net price change
loss_per_point = [0.04, 0.02, 0.005]    # chance of losing a customer per point its net price rises
loss_per_service_cut = [0.1, 0.05, 0.0] # chance of losing it if all its visits stop (pro rata)
loss_per_policy = [0.1, 0.05, 0.01]     # chance of losing it if all its orders fall under a new order rule
max_loss = 0.9
```

The projection and the meaning of every assumption: :mod:`clientbase.decisions.projection` and
``docs/decisions.md``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from clientbase.decisions.matrix import QUADRANTS
from clientbase.errors import Problem, ValidationError
from clientbase.schema import ACTION_CODES

#: the fields of the registry's list filter a scope may use
FILTER_FIELDS = ("owner", "status", "role", "country", "segment", "industry", "region", "name")


@dataclass(frozen=True)
class Scope:
    customers: tuple[str, ...] = ()
    segment: str | None = None
    quadrant: str | None = None
    action: str | None = None
    filter: dict[str, str] = field(default_factory=dict)

    def is_everyone(self) -> bool:
        return not (self.customers or self.segment or self.quadrant or self.action or self.filter)


@dataclass(frozen=True)
class Changes:
    discount_points: float = 0.0
    payment_days: int | None = None
    minimum_order_value: float | None = None
    small_order_fee: float = 0.0
    small_order_below: float = 0.0
    delivery_fee: float = 0.0
    visits_per_year: float | None = None
    visit_kind: str = "visit"
    channel_handling_rate: float | None = None
    channel_replaces: tuple[str, ...] = ("order_handling", "order_line_handling")
    exit: bool = False

    def describe(self) -> list[str]:
        """The changes in words."""
        out = []
        if self.discount_points:
            more = "more" if self.discount_points > 0 else "less"
            out.append(f"{abs(self.discount_points):g} points {more} discount off list")
        if self.payment_days is not None:
            out.append(f"payment terms of {self.payment_days} days")
        if self.minimum_order_value is not None:
            out.append(f"a minimum order value of {self.minimum_order_value:g}")
        if self.small_order_fee:
            out.append(f"a fee of {self.small_order_fee:g} on orders below {self.small_order_below:g}")
        if self.delivery_fee:
            out.append(f"a delivery fee of {self.delivery_fee:g} per order")
        if self.visits_per_year is not None:
            out.append(f"{self.visits_per_year:g} visits a year")
        if self.channel_handling_rate is not None:
            replaced = ", ".join(self.channel_replaces)
            out.append(
                f"orders through a channel at {self.channel_handling_rate:g} each instead of {replaced}"
            )
        if self.exit:
            out.append("stop serving them")
        return out or ["no change"]


@dataclass(frozen=True)
class Assumptions:
    elasticity: tuple[float, float, float] = (2.0, 1.0, 0.3)
    loss_per_point: tuple[float, float, float] = (0.04, 0.02, 0.005)
    loss_per_service_cut: tuple[float, float, float] = (0.1, 0.05, 0.0)
    loss_per_policy: tuple[float, float, float] = (0.1, 0.05, 0.01)
    max_loss: float = 0.9

    def run(self, k: int) -> dict[str, float]:
        """The ``k``-th set of values (0, 1, 2)."""
        return {
            "elasticity": self.elasticity[k],
            "loss_per_point": self.loss_per_point[k],
            "loss_per_service_cut": self.loss_per_service_cut[k],
            "loss_per_policy": self.loss_per_policy[k],
            "max_loss": self.max_loss,
        }


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario (module docstring); ``text`` is the TOML it came from, kept when it is saved."""

    name: str
    scope: Scope = field(default_factory=Scope)
    changes: Changes = field(default_factory=Changes)
    assumptions: Assumptions = field(default_factory=Assumptions)
    text: str = ""

    def as_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out.pop("text")
        return out


def _bad(file: str, where: str, value: Any, rule: str) -> ValidationError:
    return ValidationError([Problem(file, None, where, None if value is None else repr(value), rule)])


def _number(value: Any, where: str, file: str, *, signed: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _bad(file, where, value, "must be a number")
    if not signed and value < 0:
        raise _bad(file, where, value, "must be 0 or more")
    return float(value)


def _text_list(value: Any, where: str, file: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(file, where, value, 'must be a list of texts in quotes, e.g. ["C000042"]')
    return tuple(value)


def _known(table: dict[str, Any], allowed: tuple[str, ...], where: str, file: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ValidationError(
            [
                Problem(file, None, f"{where}.{k}", None, f"unknown key; [{where}] has {', '.join(allowed)}")
                for k in unknown
            ]
        )


def _scope(table: Any, file: str) -> Scope:
    if not isinstance(table, dict):
        raise _bad(file, "scope", table, "must be a table")
    _known(table, tuple(f.name for f in dataclasses.fields(Scope)), "scope", file)
    quadrant, action = table.get("quadrant"), table.get("action")
    if quadrant is not None and quadrant not in QUADRANTS:
        raise _bad(file, "scope.quadrant", quadrant, f"use one of {', '.join(QUADRANTS)}")
    if action is not None and action not in ACTION_CODES:
        raise _bad(file, "scope.action", action, f"use one of {', '.join(ACTION_CODES)}")
    filters = table.get("filter", {})
    if not isinstance(filters, dict) or not all(isinstance(v, str) for v in filters.values()):
        raise _bad(file, "scope.filter", filters, 'must be a table of texts, e.g. { country = "SE" }')
    _known(filters, FILTER_FIELDS, "scope.filter", file)
    segment = table.get("segment")
    if segment is not None and not isinstance(segment, str):
        raise _bad(file, "scope.segment", segment, "must be a text in quotes")
    return Scope(
        customers=_text_list(table.get("customers", []), "scope.customers", file),
        segment=segment,
        quadrant=quadrant,
        action=action,
        filter=dict(filters),
    )


def _changes(table: Any, file: str) -> Changes:
    if not isinstance(table, dict):
        raise _bad(file, "changes", table, "must be a table")
    _known(table, tuple(f.name for f in dataclasses.fields(Changes)), "changes", file)
    out: dict[str, Any] = {}
    for key, value in table.items():
        where = f"changes.{key}"
        if key == "exit":
            if not isinstance(value, bool):
                raise _bad(file, where, value, "must be true or false")
            out[key] = value
        elif key == "visit_kind":
            if not isinstance(value, str):
                raise _bad(file, where, value, "must be an activity kind in quotes")
            out[key] = value
        elif key == "channel_replaces":
            out[key] = _text_list(value, where, file)
        elif key == "payment_days":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise _bad(file, where, value, "must be a whole number of days, 0 or more")
            out[key] = value
        else:
            out[key] = _number(value, where, file, signed=key == "discount_points")
    changes = Changes(**out)
    if changes.small_order_fee and not changes.small_order_below:
        raise _bad(
            file, "changes.small_order_below", None, "give the order value below which the fee applies"
        )
    if changes.minimum_order_value is not None and changes.minimum_order_value <= 0:
        raise _bad(file, "changes.minimum_order_value", changes.minimum_order_value, "must be above 0")
    return changes


def _assumptions(table: Any, file: str) -> Assumptions:
    if not isinstance(table, dict):
        raise _bad(file, "assumptions", table, "must be a table")
    _known(table, tuple(f.name for f in dataclasses.fields(Assumptions)), "assumptions", file)
    out: dict[str, Any] = {}
    for key, value in table.items():
        where = f"assumptions.{key}"
        if key == "max_loss":
            out[key] = _number(value, where, file)
            if out[key] > 1:
                raise _bad(file, where, value, "is a probability: between 0 and 1")
            continue
        if not isinstance(value, list) or len(value) != 3:
            raise _bad(
                file, where, value, "give three values: the first, base and third run, e.g. [2.0, 1.0, 0.3]"
            )
        values = tuple(_number(v, where, file) for v in value)
        if key != "elasticity" and any(v > 1 for v in values):
            raise _bad(file, where, value, "are probabilities: between 0 and 1")
        out[key] = values
    return Assumptions(**out)


def parse_scenario(text: str, *, file: str = "scenario") -> Scenario:
    """The :class:`Scenario` of TOML ``text``.

    Raises:
        ValidationError: not TOML, an unknown key, or a value that cannot work (file and key named).

    Example:
        >>> s = parse_scenario('name = "less discount"\\n[changes]\\ndiscount_points = -2\\n')
        >>> s.changes.discount_points, s.scope.is_everyone(), s.assumptions.elasticity
        (-2.0, True, (2.0, 1.0, 0.3))
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError([Problem(file, None, None, None, f"not valid TOML: {exc}")]) from None
    _known(data, ("name", "scope", "changes", "assumptions"), "scenario", file)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _bad(file, "name", name, 'give the scenario a name, e.g. name = "2 points less discount"')
    return Scenario(
        name=name.strip(),
        scope=_scope(data.get("scope", {}), file),
        changes=_changes(data.get("changes", {}), file),
        assumptions=_assumptions(data.get("assumptions", {}), file),
        text=text,
    )


#: the fields of the scenario form (web), in the order shown: (name, section of the TOML, kind)
FORM_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "", "text"),
    ("customers", "scope", "ids"),
    ("segment", "scope", "text"),
    ("quadrant", "scope", "text"),
    ("action", "scope", "text"),
    ("owner", "scope.filter", "text"),
    ("country", "scope.filter", "text"),
    ("discount_points", "changes", "signed"),
    ("payment_days", "changes", "days"),
    ("minimum_order_value", "changes", "number"),
    ("small_order_fee", "changes", "number"),
    ("small_order_below", "changes", "number"),
    ("delivery_fee", "changes", "number"),
    ("visits_per_year", "changes", "number"),
    ("channel_handling_rate", "changes", "number"),
    ("exit", "changes", "flag"),
    ("elasticity", "assumptions", "three"),
    ("loss_per_point", "assumptions", "three"),
    ("loss_per_service_cut", "assumptions", "three"),
    ("loss_per_policy", "assumptions", "three"),
    ("max_loss", "assumptions", "number"),
)
#: the longest text a form field may hold, and the largest number
FORM_MAX_LENGTH = 200
FORM_MAX_NUMBER = 1_000_000_000


def form_defaults() -> dict[str, str]:
    """The form's starting values: the default assumptions shown (and editable), everything else empty."""
    a = Assumptions()
    out = {name: "" for name, _, _ in FORM_FIELDS}
    for name in ("elasticity", "loss_per_point", "loss_per_service_cut", "loss_per_policy"):
        out[name] = ", ".join(f"{v:g}" for v in getattr(a, name))
    out["max_loss"] = f"{a.max_loss:g}"
    return out


def _form_number(name: str, text: str, kind: str, problems: list[Problem]) -> str | None:
    """The TOML literal of one number of the form, or ``None`` with a problem at the field."""
    try:
        value = float(int(text)) if kind == "days" else float(text)
    except ValueError:
        example = "30" if kind == "days" else "-2" if kind == "signed" else "150"
        whole = "a whole number of days" if kind == "days" else "a number"
        problems.append(Problem("form", None, name, text, f"must be {whole}, e.g. {example}"))
        return None
    if not math.isfinite(value) or abs(value) > FORM_MAX_NUMBER:
        problems.append(
            Problem(
                "form",
                None,
                name,
                text,
                f"must be a number between -{FORM_MAX_NUMBER:,} and {FORM_MAX_NUMBER:,}",
            )
        )
        return None
    return str(int(value)) if kind == "days" else repr(value)


def scenario_from_form(values: dict[str, str]) -> Scenario:
    """The :class:`Scenario` of the web form's fields (:data:`FORM_FIELDS`, texts as posted), with its TOML
    text (kept when it is saved). Empty fields are left out (the TOML's defaults hold).

    Raises:
        ValidationError: every bad field, each under its form field's name (never a TOML key path).

    Example:
        >>> s = scenario_from_form({"name": "less discount", "discount_points": "-2", "quadrant": "aggressive"})
        >>> s.changes.discount_points, s.scope.quadrant, s.text.splitlines()[0]
        (-2.0, 'aggressive', 'name = "less discount"')
    """
    problems: list[Problem] = []
    sections: dict[str, list[str]] = {
        "": [],
        "scope": [],
        "scope.filter": [],
        "changes": [],
        "assumptions": [],
    }
    for name, section, kind in FORM_FIELDS:
        raw = values.get(name)
        text = raw.strip() if isinstance(raw, str) else ""
        if kind == "flag":
            if text in ("on", "true", "1", "yes"):
                sections[section].append(f"{name} = true")
            continue
        if not text:
            continue
        if "\x00" in text or len(text) > FORM_MAX_LENGTH * (20 if kind == "ids" else 1):
            problems.append(Problem("form", None, name, None, "too long, or holds a NUL character"))
            continue
        if kind == "text":
            sections[section].append(f"{name} = {json.dumps(text, ensure_ascii=False)}")
        elif kind == "ids":
            ids = [i for i in re.split(r"[\s,;]+", text) if i]
            sections[section].append(f"{name} = {json.dumps(ids, ensure_ascii=False)}")
        elif kind == "three":
            parts = [p for p in re.split(r"[\s,;]+", text) if p]
            if len(parts) != 3:
                problems.append(
                    Problem(
                        "form",
                        None,
                        name,
                        text,
                        "give three values: the first, base and third run, e.g. 2, 1, 0.3",
                    )
                )
                continue
            literals = [_form_number(name, p, "number", problems) for p in parts]
            if all(v is not None for v in literals):
                sections[section].append(f"{name} = [{', '.join(str(v) for v in literals)}]")
        else:
            literal = _form_number(name, text, kind, problems)
            if literal is not None:
                sections[section].append(f"{name} = {literal}")
    if not sections[""] and not any(p.column == "name" for p in problems):
        problems.append(
            Problem("form", None, "name", None, "give the scenario a name, e.g. 2 points less discount")
        )
    if problems:
        raise ValidationError(problems)
    lines = list(sections[""])
    for section in ("scope", "scope.filter", "changes", "assumptions"):
        if sections[section]:
            lines += ["", f"[{section}]", *sections[section]]
    text = "\n".join(lines) + "\n"
    try:
        return parse_scenario(text, file="form")
    except ValidationError as exc:  # the key path of the TOML back to the form's field
        raise ValidationError(
            [
                Problem("form", None, (p.column or "name").rsplit(".", 1)[-1], p.value, p.rule)
                for p in exc.problems
            ]
        ) from None
