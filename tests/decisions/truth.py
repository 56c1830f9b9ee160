"""Score the actions against what the demo planted (``demo_truth``): recall and precision per planted cause,
the share of profitable unplanted customers with a corrective action, and what fires on unplanted customers.

The rules never read ``demo_truth``; only this scoring does (the tests, and ``bench/decisions_truth.py`` for
the numbers in docs/decisions.md).

* Each cause maps to the codes that should find it (:data:`CAUSES`). Its planted customers are counted if they
  had sales in the analysed period; for ``churned``, those that were *valuable* (net contribution in the
  compared period at least the median of the profitable customers of that period). A customer planted as
  ``churned`` is left out of the other causes' counts: it has left, so no price or cost lever applies.
* recall = found / planted; precision = the share of the customers given those codes that were planted with
  the cause.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import pandas as pd

from clientbase.decisions.actions import CORRECTIVE, Action
from clientbase.decisions.inputs import DecisionInputs

CAUSES = {
    "discount_creep": ("reprice",),
    "small_order_tail": ("minimum_order", "cut_cost_to_serve"),
    "late_payer": ("collect", "renegotiate_terms"),
    "churned": ("win_back",),
}


@dataclass(frozen=True)
class Score:
    recall: dict[str, float]
    precision: dict[str, float]
    planted: dict[str, int]
    fired: dict[str, int]
    profitable_unplanted: int
    corrective_share: float
    unplanted_codes: Counter[str]


def score(inputs: DecisionInputs, actions: list[Action], truth: pd.DataFrame) -> Score:
    f = inputs.frame
    planted = {c: set(truth.loc[truth["cause"] == c, "counterparty_id"]) for c in truth["cause"].unique()}
    by_code: dict[str, set[str]] = defaultdict(set)
    for a in actions:
        by_code[a.code].add(a.counterparty_id)
    sales = set(f.index[f["gross_sales_list"] > 0])
    before = f["prev_net_contribution"]
    valuable = set(f.index[before >= before[before > 0].median()])
    churned = planted.get("churned", set())
    recall, precision, counted, fired_n = {}, {}, {}, {}
    for cause, codes in CAUSES.items():
        mine = planted.get(cause, set())
        base = (mine & valuable) if cause == "churned" else (mine & sales) - churned
        fired = set().union(*(by_code[c] for c in codes))
        recall[cause] = len(base & fired) / len(base) if base else float("nan")
        precision[cause] = len(fired & mine) / len(fired) if fired else float("nan")
        counted[cause], fired_n[cause] = len(base), len(fired)
    any_planted = set().union(*(planted.get(c, set()) for c in CAUSES))
    profitable = set(f.index[(f["net_contribution"] > 0) & (f["gross_sales_list"] > 0)]) - any_planted
    corrective = set().union(*(by_code[c] for c in CORRECTIVE))
    unplanted = Counter(a.code for a in actions if a.counterparty_id not in any_planted)
    return Score(
        recall=recall,
        precision=precision,
        planted=counted,
        fired=fired_n,
        profitable_unplanted=len(profitable),
        corrective_share=len(profitable & corrective) / len(profitable) if profitable else 0.0,
        unplanted_codes=unplanted,
    )


def unplanted_groups(
    inputs: DecisionInputs, actions: list[Action], truth: pd.DataFrame, segments: pd.Series
) -> list[dict[str, Any]]:
    """The actions on customers planted with none of the causes, grouped by code and the demo's segment (for
    explaining them in docs/decisions.md; the rules never see the segment names), largest first."""
    planted = set(truth.loc[truth["cause"].isin(list(CAUSES)), "counterparty_id"])
    groups: Counter[tuple[str, str, bool]] = Counter()
    for a in actions:
        if a.counterparty_id in planted:
            continue
        profitable = bool(inputs.frame.at[a.counterparty_id, "net_contribution"] > 0)
        groups[(a.code, str(segments.get(a.counterparty_id)), profitable)] += 1
    return [
        {"code": code, "segment": segment, "profitable": profitable, "actions": n}
        for (code, segment, profitable), n in groups.most_common()
    ]
