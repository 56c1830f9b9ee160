"""No two modules of clientbase import each other, not even lazily inside a function (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[1] / "src"


def _module(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The clientbase modules ``path`` imports anywhere (``from a import b`` counts ``a.b`` if it is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name in modules}


#: circles left to break (each side imports the other only for type hints, or lazily); no new one may appear
KNOWN = {
    ("clientbase.exchange.load", "clientbase.exchange.merge"),
    ("clientbase.exchange.load", "clientbase.exchange.records"),
    ("clientbase.exchange.load", "clientbase.exchange.validate"),
    ("clientbase.forecast.service", "clientbase.forecast.views"),
}


def test_no_two_modules_import_each_other() -> None:
    paths = {_module(p): p for p in (SRC / "clientbase").rglob("*.py") if "migrations" not in p.parts}
    graph = {name: _imports(path, set(paths)) - {name} for name, path in paths.items()}
    packages = {name for name, path in paths.items() if path.name == "__init__.py"}
    circles = sorted(
        (a, b)
        for a, targets in graph.items()
        for b in targets
        if a < b and a in graph.get(b, set()) and not ({a, b} & packages) and (a, b) not in KNOWN
    )
    assert circles == []
    for a, b in [
        ("clientbase.store.connection", "clientbase.store.migrate"),
        ("clientbase.dedupe.counterparties", "clientbase.dedupe.review"),
    ]:
        assert not (b in graph[a] and a in graph[b]), (a, b)


def test_the_registry_does_not_import_the_import_chain() -> None:
    registry = [p for p in (SRC / "clientbase" / "registry").rglob("*.py")]
    offenders = [
        str(p.relative_to(SRC))
        for p in registry
        if any(name.startswith("clientbase.imports") for name in _imports(p, _all_modules()))
    ]
    assert offenders == []


def _all_modules() -> set[str]:
    return {_module(p) for p in (SRC / "clientbase").rglob("*.py")}
