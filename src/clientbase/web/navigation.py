"""The layout's navigation: each page module declares its entries; the layout shows those the user's role
may open. A new page module adds ``NAV = (NavItem(...),)`` and its name to ``pages.PAGE_MODULES``."""

from __future__ import annotations

from dataclasses import dataclass

from clientbase.schema import MANAGER_ROLES


@dataclass(frozen=True)
class NavItem:
    """One link of the top navigation: its label, path, the roles that see it, and its place (lower first)."""

    label: str
    path: str
    roles: tuple[str, ...] = MANAGER_ROLES
    order: int = 50

    def shown_to(self, role: str) -> bool:
        return role in self.roles
