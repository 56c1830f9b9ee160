"""Clusters of records: connected components of the pairs at or above the threshold."""

from __future__ import annotations

from collections.abc import Iterable


def components(pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Connected components of the pair graph, each sorted, ordered by their first id.

    Example:
        >>> components([("b", "c"), ("a", "b"), ("x", "y")])
        [['a', 'b', 'c'], ['x', 'y']]
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for left, right in pairs:
        a, b = find(left), find(right)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])
