"""The wholesaler's own people: a head of sales, an analyst and the sales managers."""

from __future__ import annotations

import pyarrow as pa

from clientbase.demo.population import ANALYST, HEAD
from clientbase.demo.story import Story

FIRST = (
    "Anna",
    "Lukas",
    "Erik",
    "Sophie",
    "Jan",
    "Maria",
    "Oliver",
    "Katarzyna",
    "Mikko",
    "Mette",
    "Paul",
    "Elena",
)
LAST = (
    "Berg",
    "Weber",
    "Lind",
    "Martin",
    "de Vries",
    "García",
    "Smith",
    "Nowak",
    "Virtanen",
    "Jensen",
    "Roux",
    "Ivanova",
)
COMPANY_DOMAIN = "nordwholesale.example"


def manager_names(count: int) -> list[str]:
    """``count`` distinct full names.

    Example:
        >>> manager_names(2)
        ['Anna Berg', 'Lukas Weber']
    """
    return [f"{FIRST[i % len(FIRST)]} {LAST[(i + i // len(LAST)) % len(LAST)]}" for i in range(count)]


def managers_table(story: Story) -> pa.Table:
    """M01 head, M02 analyst, the rest managers; the last one has left the company (``active`` false) when
    there are at least seven, so some records have an owner who is gone."""
    names = manager_names(story.managers)
    roles = ["head" if i == HEAD else "analyst" if i == ANALYST else "manager" for i in range(story.managers)]
    active = [not (story.managers >= 7 and i == story.managers - 1) for i in range(story.managers)]
    emails = [
        ".".join(part.lower().replace(" ", "").replace("í", "i") for part in name.split(" ", 1))
        + f"@{COMPANY_DOMAIN}"
        for name in names
    ]
    return pa.table(
        {
            "manager_id": pa.array([f"M{i + 1:02d}" for i in range(story.managers)], pa.string()),
            "name": pa.array(names, pa.string()),
            "email": pa.array(emails, pa.string()),
            "role": pa.array(roles, pa.string()),
            "active": pa.array(active, pa.bool_()),
        }
    )
