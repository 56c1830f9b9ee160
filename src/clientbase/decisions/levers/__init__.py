"""The decision rules, one module per kind of lever; :data:`RULES` runs them in order.

Order matters: :func:`~clientbase.decisions.levers.relationship.mark_stopped` first (the other levers leave a
customer who stopped buying alone), and ``exit_or_self_service`` last (it counts the other levers' effects).
"""

from __future__ import annotations

from collections.abc import Callable

from clientbase.decisions.levers.base import Finding, RuleContext
from clientbase.decisions.levers.credit import collect, renegotiate_terms
from clientbase.decisions.levers.exit import exit_or_self_service
from clientbase.decisions.levers.price import reprice
from clientbase.decisions.levers.prospects import prospects
from clientbase.decisions.levers.relationship import grow, mark_stopped, retain, win_back
from clientbase.decisions.levers.serving import cut_cost_to_serve, minimum_order

RULES: tuple[Callable[[RuleContext], None], ...] = (
    mark_stopped,
    win_back,
    reprice,
    minimum_order,
    cut_cost_to_serve,
    collect,
    renegotiate_terms,
    grow,
    retain,
    exit_or_self_service,
    prospects,
)

__all__ = ["RULES", "Finding", "RuleContext"]
