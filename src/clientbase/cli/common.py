"""What every command shares: the --db option, the console, and turning library errors into exit codes.

Loaded at every start-up, so it imports only typer, rich and the standard library at module level: the store
(SQLAlchemy, DuckDB, Ibis) is imported when a command opens it.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from clientbase.errors import (
    ClientbaseError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)

if TYPE_CHECKING:
    from clientbase.store import Store

#: into a pipe or file Rich would assume 80 columns and cut numbers short ("672,79…"): be wide there instead
console = Console() if Console().is_terminal else Console(width=200)
err_console = Console(stderr=True, soft_wrap=True)  # messages hold paths: never wrap them

#: the database a command opens without --db or CLIENTBASE_DB (the same as clientbase.store.DEFAULT_URL,
#: written out here so that `clientbase --help` need not import the store; tests/test_cli.py checks it)
DEFAULT_DB = "duckdb:///./clientbase.duckdb"

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="CLIENTBASE_DB",
        metavar="URL",
        help="Database URL (duckdb:///file.duckdb or postgresql://...).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")]

#: exit codes by error kind; 1 is any other clientbase error
EXIT_CODES: dict[type[ClientbaseError], int] = {
    ValidationError: 3,
    NotFoundError: 4,
    ConflictError: 5,
    PermissionDeniedError: 6,
}


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """Print a library error as one clean message and exit with its code (no traceback)."""
    try:
        yield
    except ClientbaseError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
        code = next((c for kind, c in EXIT_CODES.items() if isinstance(exc, kind)), 1)
        raise typer.Exit(code) from None


@contextlib.contextmanager
def open_store(url: str, *, create: bool = False) -> Iterator[Store]:
    """The store at ``url``, opened for one command (library errors become clean CLI errors); a missing base
    is an error unless the command makes one (``create``)."""
    from clientbase.store import connect

    with cli_errors(), connect(url, create=create) as store:
        yield store


FactsOption = Annotated[
    str | None,
    typer.Option(
        "--facts",
        help="Read the facts (order lines, orders, activities, invoices, payments) from this Parquet lake, "
        "one folder per table (export-folder --format parquet writes one); the registry stays in --db.",
    ),
]
#: the engines --engine names
ENGINES = ("duckdb", "spark", "postgres")
EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="Where the queries run: duckdb, spark or postgres. With --facts: duckdb (default) or spark "
        "(clientbase[spark]; the active Spark session, else a local one). Without: the engine of --db.",
    ),
]


def facts_source(store: Store, facts: str | None, engine: str | None = None) -> Any:
    """What a command analyses: ``store`` on its own engine, or its registry with the facts of the lake
    ``facts`` on ``engine`` (:func:`clientbase.analytics.lake.lake_source`)."""
    if facts is not None:
        from clientbase.analytics.lake import lake_source

        return lake_source(store, facts, engine=engine or "duckdb")
    own = "duckdb" if store.dialect == "duckdb" else "postgres"
    if engine is None or engine == own:
        return store
    if engine not in ENGINES:
        raise ConfigurationError(f"--engine is {', '.join(ENGINES)}, not {engine!r}.")
    if engine == "postgres":
        raise ConfigurationError(
            f"--engine postgres runs on a PostgreSQL base (--db postgresql://...); this is {own}."
        )
    raise ConfigurationError(
        f"Without --facts the queries run in the base's own engine ({own}); to run them on {engine}, keep the "
        "facts in a Parquet lake (clientbase export-folder DIR --format parquet) and give --facts DIR."
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(document: Any) -> None:
    """Write one JSON document to stdout (decimals as numbers, dates as ISO strings); indented for a person
    at a terminal, compact into a pipe or file (Python's JSON encoder is about four times faster then)."""
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(document, default=_json_default, indent=indent, ensure_ascii=False) + "\n")
