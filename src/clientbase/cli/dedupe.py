"""Duplicate commands: find duplicates in any CSV/XLSX list, list duplicate counterparties in the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from clientbase.cli.common import (
    DEFAULT_DB,
    DbOption,
    JsonOption,
    cli_errors,
    console,
    open_store,
    print_json,
)
from clientbase.cli.main import app

ThresholdOption = Annotated[
    float,
    typer.Option(
        "--threshold",
        min=0.01,
        max=0.999,
        help="Match probability at and above which two records are the same.",
    ),
]


def _quiet_splink() -> None:
    """splink warns on stderr about levels its training never saw; the floors in the model handle them."""
    import logging

    logging.getLogger("splink").setLevel(logging.ERROR)


def _write_csv(table: Any, path: Path) -> None:
    import pyarrow.csv as pacsv

    try:
        pacsv.write_csv(table, path)
    except OSError as exc:
        from clientbase.errors import ConfigurationError

        raise ConfigurationError(
            f"Cannot write {path}: {exc.strerror or exc}; check the folder exists."
        ) from exc


@app.command("dedupe")
def dedupe_file(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX list of people or companies.")],
    id_col: Annotated[
        str | None,
        typer.Option("--id-col", help="Column that identifies each row (default: the row number)."),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            help="Roles of columns when the headers do not say it: name=COL,tax_id=COL,registration_id=COL,"
            "email=COL,website=COL,phone=COL,address=COL,postcode=COL,city=COL,country=COL.",
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the candidate pairs to this CSV.")] = None,
    clusters: Annotated[
        Path | None, typer.Option("--clusters", help="Write the records in clusters to this CSV.")
    ] = None,
    threshold: ThresholdOption = 0.9,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="Sheet of a workbook (default: the first).")
    ] = None,
    country: Annotated[
        str | None,
        typer.Option("--country", help="Country (e.g. SE) of phone numbers written without +code."),
    ] = None,
) -> None:
    """Find duplicates in any list before importing it: pairs with match probability and the reasons.

    Example: clientbase dedupe customers.xlsx --id-col "Customer no" --out pairs.csv --clusters clusters.csv
    """
    from clientbase.dedupe import LinkOptions, find_duplicates
    from clientbase.dedupe.files import parse_columns, read_records

    _quiet_splink()
    with cli_errors():
        records = read_records(file, id_col=id_col, columns=parse_columns(columns), sheet=sheet)
        result = find_duplicates(
            records.table,
            id_col=records.id_col,
            roles=records.roles,
            options=LinkOptions(threshold=threshold, default_country=country),
        )
        pairs = result.pairs.select(["id_l", "id_r", "match_probability", "explanation"])
        if out is not None:
            _write_csv(pairs, out)
        if clusters is not None:
            _write_csv(result.clusters, clusters)
    roles = ", ".join(f"{role}={column}" for role, column in records.roles.items())
    n_clusters = len(set(result.clusters.column("cluster_id").to_pylist()))
    console.print(
        f"{result.records} records ({roles}): {pairs.num_rows} pair(s) at probability >= {threshold}, "
        f"{n_clusters} cluster(s) of {result.clusters.num_rows} records, in {result.seconds['total']:.1f} s."
    )
    if out is None:
        table = Table("id_l", "id_r", "probability", "why")
        for row in pairs.slice(0, 20).to_pylist():
            table.add_row(row["id_l"], row["id_r"], f"{row['match_probability']:.3f}", row["explanation"])
        console.print(table)
        if pairs.num_rows > 20:
            console.print(f"... {pairs.num_rows - 20} more; write them all with --out pairs.csv")
    else:
        console.print(f"Pairs written to {out}" + (f", clusters to {clusters}" if clusters else ""))


@app.command("duplicates")
def duplicates(
    db: DbOption = DEFAULT_DB, as_json: JsonOption = False, threshold: ThresholdOption = 0.9
) -> None:
    """List clusters of duplicate counterparties in the database, with why each pair matched.

    Example: clientbase duplicates --db duckdb:///clientbase.duckdb --json
    """
    from clientbase.dedupe import LinkOptions
    from clientbase.dedupe.counterparties import find_counterparty_duplicates

    _quiet_splink()
    with open_store(db) as store:
        _result, found = find_counterparty_duplicates(store, LinkOptions(threshold=threshold))
    if as_json:
        print_json(
            {
                "threshold": threshold,
                "clusters": [
                    {"cluster_id": c.cluster_id, "members": c.members, "pairs": c.pairs} for c in found
                ],
            }
        )
        return
    if not found:
        console.print("No duplicate counterparties found.")
        return
    for cluster in found:
        members = ", ".join(f"{m['counterparty_id']} {m['name']}" for m in cluster.members)
        console.print(f"[bold]{members}[/]")
        for pair in cluster.pairs:
            console.print(
                f"  {pair['id_l']} ~ {pair['id_r']}  p={pair['match_probability']:.3f}  {pair['explanation']}",
                highlight=False,
            )
