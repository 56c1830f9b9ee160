"""Actions: every customer with sales (and every prospect) gets zero or more actions from the rules, each with
its reasons in numbers, the expected effect a year and its assumptions, an owner, a due date and a priority.

The codes are a public contract (:data:`~clientbase.schema.ACTION_CODES`); the rules are in
:mod:`clientbase.decisions.levers`, their settings in :mod:`clientbase.decisions.rules`, and each is
explained with a worked example in ``docs/decisions.md``.

* **owner**: the record's owner when that manager is active, else the head (said so in the reasons);
* **due**: the as-of date of the analysis + ``due_days`` of the code;
* **priority**: rank by score = expected effect x the code's weight (1 = do first), over all actions;
* a record whose quality score is below ``quality_floor`` gets a warning in its reasons.

:func:`list_actions` is the service the CLI and the web call: it enforces the roles (a manager sees the
actions on their own customers, the head and analysts all).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from clientbase.decisions.inputs import DecisionInputs, gather_inputs
from clientbase.decisions.levers import RULES, Finding, RuleContext
from clientbase.decisions.rules import Rules
from clientbase.errors import ConfigurationError, NotFoundError, PermissionDeniedError
from clientbase.registry.access import Actor
from clientbase.schema import ACTION_CODES

#: the codes that correct a problem (the others protect, grow or win back)
CORRECTIVE = (
    "reprice",
    "minimum_order",
    "cut_cost_to_serve",
    "collect",
    "renegotiate_terms",
    "exit_or_self_service",
)


@dataclass(frozen=True)
class Action:
    """One proposed action, JSON-ready through :meth:`as_dict` (the shape of ``clientbase actions --json``)."""

    counterparty_id: str
    code: str
    priority: int
    score: Decimal
    reasons: tuple[str, ...]
    expected_effect: Decimal
    assumptions: tuple[str, ...]
    at_stake: Decimal
    owner_id: str | None
    due: dt.date
    name: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "counterparty_id": self.counterparty_id,
            "name": self.name,
            "code": self.code,
            "priority": self.priority,
            "score": self.score,
            "reasons": list(self.reasons),
            "expected_effect": self.expected_effect,
            "assumptions": list(self.assumptions),
            "at_stake": self.at_stake,
            "owner_id": self.owner_id,
            "due": self.due.isoformat(),
            "facts": self.facts,
        }


@dataclass(frozen=True)
class ActionList:
    """The actions of one analysis (as far as the acting user may see them), with their context."""

    period: dict[str, str]
    compare_period: dict[str, str]
    currency: str
    materiality: Decimal
    actions: list[Action]
    notes: list[str]
    rules: Rules

    def by_owner(self) -> list[dict[str, Any]]:
        """Per owner: the number of actions, their expected effect, and the count per code."""
        groups: dict[str | None, list[Action]] = defaultdict(list)
        for a in self.actions:
            groups[a.owner_id].append(a)
        out = []
        for owner in sorted(groups, key=lambda o: (o is None, o or "")):
            members = groups[owner]
            codes: dict[str, int] = defaultdict(int)
            for a in members:
                codes[a.code] += 1
            out.append(
                {
                    "owner_id": owner,
                    "actions": len(members),
                    "expected_effect": sum((a.expected_effect for a in members), Decimal("0.00")),
                    "by_code": dict(sorted(codes.items())),
                }
            )
        return out

    def by_code(self) -> dict[str, dict[str, Any]]:
        """Per code (every code listed): the number of actions and their expected effect."""
        out: dict[str, dict[str, Any]] = {
            c: {"actions": 0, "expected_effect": Decimal("0.00")} for c in ACTION_CODES
        }
        for a in self.actions:
            out[a.code]["actions"] += 1
            out[a.code]["expected_effect"] += a.expected_effect
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "compare_period": self.compare_period,
            "currency": self.currency,
            "materiality": self.materiality,
            "actions": [a.as_dict() for a in self.actions],
            "by_code": self.by_code(),
            "by_owner": self.by_owner(),
            "notes": self.notes,
        }


def run_rules(inputs: DecisionInputs, rules: Rules) -> list[Finding]:
    """Every finding of every rule, in rule order."""
    ctx = RuleContext(inputs=inputs, rules=rules)
    for rule in RULES:
        rule(ctx)
    return [finding for code in ACTION_CODES for finding in ctx.found.get(code, [])]


def _owner(inputs: DecisionInputs, cid: str) -> tuple[str | None, str | None]:
    """The owner of the actions on ``cid`` and, when it is not the record's owner, why."""
    recorded = inputs.frame.at[cid, "owner_id"]
    recorded = None if recorded is None or recorded != recorded else str(recorded)
    if recorded is not None and recorded in inputs.active_managers:
        return recorded, None
    if inputs.head_id is None:
        return recorded, None
    why = (
        "the record has no owner"
        if recorded is None
        else f"the record's owner {recorded} is no longer active"
    )
    return inputs.head_id, f"{why}: given to the head {inputs.head_id}"


def propose_actions(inputs: DecisionInputs, rules: Rules | None = None) -> list[Action]:
    """Run the rules on ``inputs`` and give every finding its owner, due date and priority.

    Example: see ``docs/decisions.md`` (a worked example per rule) and ``tests/decisions``.
    """
    rules = rules or Rules()
    floor = rules.general.quality_floor
    frame = inputs.frame
    drafts = []
    for finding in run_rules(inputs, rules):
        cid = finding.counterparty_id
        owner, why = _owner(inputs, cid)
        reasons = list(finding.reasons)
        if why:
            reasons.append(why)
        score = frame.at[cid, "quality_score"]
        if score == score and score is not None and float(score) < floor:
            issues = frame.at[cid, "quality_issues"] or []
            listed = ", ".join(list(issues)[:4])
            reasons.append(
                f"record quality {float(score):.0f}/100 ({listed}): check the record before acting"
            )
        weighted = (finding.expected_effect * Decimal(str(rules.priority[finding.code]))).quantize(
            Decimal("0.01")
        )
        name = frame.at[cid, "name"]
        drafts.append((weighted, finding, owner, reasons, None if name != name else name))
    drafts.sort(key=lambda d: (-d[0], d[1].counterparty_id, ACTION_CODES.index(d[1].code)))
    as_of = inputs.as_of
    return [
        Action(
            counterparty_id=finding.counterparty_id,
            code=finding.code,
            priority=rank,
            score=weighted,
            reasons=tuple(reasons),
            expected_effect=finding.expected_effect,
            assumptions=tuple(finding.assumptions),
            at_stake=finding.at_stake,
            owner_id=owner,
            due=as_of + dt.timedelta(days=rules.due_days[finding.code]),
            name=name,
            facts=finding.facts,
        )
        for rank, (weighted, finding, owner, reasons, name) in enumerate(drafts, start=1)
    ]


def visible_to(actor: Actor, inputs: DecisionInputs, cid: str) -> bool:
    """Whether ``actor`` may see the actions on ``cid``: its own customers for a manager, all otherwise."""
    owner = inputs.frame.at[cid, "owner_id"] if cid in inputs.frame.index else None
    return actor.can_read({"owner_id": owner})


def list_actions(
    store: Any,
    *,
    actor: Actor,
    owner: str | None = None,
    code: str | None = None,
    counterparty_id: str | None = None,
    rules: Rules | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.date | None = None,
    inputs: DecisionInputs | None = None,
    proposed: list[Action] | None = None,
) -> ActionList:
    """The actions ``actor`` may see, optionally of one ``owner``, one ``code`` or one customer.

    ``inputs`` (from :func:`~clientbase.decisions.inputs.gather_inputs`) saves gathering them again, e.g.
    when a web page asks for several views of the same analysis; ``proposed`` (from :func:`propose_actions`
    on those inputs and ``rules``) saves running the rules again (:mod:`clientbase.decisions.current`).

    Raises:
        ConfigurationError: an unknown action code.
        PermissionDeniedError: a manager asking for another manager's actions.
        NotFoundError: ``counterparty_id`` is not a customer or prospect the actor may see.
    """
    if code is not None and code not in ACTION_CODES:
        raise ConfigurationError(f"Unknown action code {code!r}; the codes are {', '.join(ACTION_CODES)}.")
    if owner is not None and not actor.sees_all and owner != actor.manager_id:
        raise PermissionDeniedError(
            f"{actor.manager_id} sees only the actions on their own customers, not those of {owner}."
        )
    rules = rules or Rules()
    inputs = inputs or gather_inputs(store, rules=rules, start=start, end=end, as_of=as_of)
    if counterparty_id is not None and (
        counterparty_id not in inputs.frame.index or not visible_to(actor, inputs, counterparty_id)
    ):
        raise NotFoundError(f"No customer or prospect {counterparty_id!r} visible to {actor.manager_id}.")
    shown = [
        a
        for a in (proposed if proposed is not None else propose_actions(inputs, rules))
        if (owner is None or a.owner_id == owner)
        and (code is None or a.code == code)
        and (counterparty_id is None or a.counterparty_id == counterparty_id)
        and (actor.sees_all or visible_to(actor, inputs, a.counterparty_id))
    ]
    p = inputs.analysis.periods
    return ActionList(
        period={**p.current.as_dict(), "as_of": p.as_of.isoformat()},
        compare_period={**p.previous.as_dict(), "as_of": p.as_of_previous.isoformat()},
        currency=inputs.analysis.currency,
        materiality=inputs.materiality,
        actions=shown,
        notes=list(inputs.notes),
        rules=rules,
    )
