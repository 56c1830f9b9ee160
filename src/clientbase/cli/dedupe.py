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
    file: Annotated[Path, typer.Argument(help="CSV or XLSX list of people or of companies.")],
    id_col: Annotated[
        str | None,
        typer.Option("--id-col", help="Column that identifies each row (default: the row number)."),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            help="Roles of columns where the guess from headers and values is wrong or missing, as "
            "role=COLUMN,...; a role given twice takes both columns (address=No,address=Street). Companies: "
            "name, tax_id, registration_id, domain, website; people: given_name, family_name, full_name, "
            "birth_date, national_id; both: email, phone, address, postcode, city, region, country.",
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
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="Where the pairs are made and scored: duckdb (in this process) or spark (the active "
            "SparkSession, else local mode; needs clientbase[spark]). Same model and results.",
        ),
    ] = "duckdb",
) -> None:
    """Find duplicates in any list of people or companies: pairs with match probability and the reasons.

    Column roles are guessed from the headers (English, German, French, Swedish, Russian ...) and values.
    --engine spark runs splink's Spark backend for lists beyond what one process holds (docs/dedupe.md).

    --columns overrides the guesses; docs/dedupe.md lists the roles and what each is compared by.

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
            options=LinkOptions(threshold=threshold, default_country=country, engine=engine),
        )
        pairs = result.pairs.select(["id_l", "id_r", "match_probability", "explanation"])
        if out is not None:
            _write_csv(pairs, out)
        if clusters is not None:
            _write_csv(result.clusters, clusters)
    roles = ", ".join(
        f"{role}={column if isinstance(column, str) else '+'.join(column)}"
        for role, column in records.roles.items()
    )
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


AsOption = Annotated[
    str,
    typer.Option(
        "--as", envvar="CLIENTBASE_USER", help="Manager id of the user acting (or set CLIENTBASE_USER)."
    ),
]


@app.command("duplicate-review")
def duplicate_review(
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most this many pairs.")] = 50,
    low: Annotated[
        float, typer.Option("--from", min=0.01, max=0.999, help="Lowest match probability proposed.")
    ] = 0.5,
    acting: Annotated[
        str,
        typer.Option(
            "--as",
            envvar="CLIENTBASE_USER",
            help="Manager id of the user reviewing: a manager sees pairs of their own records (default: all).",
        ),
    ] = "",
) -> None:
    """The review queue: undecided candidate duplicate pairs, most likely first, with the reasons.

    Each pair has the weight of every comparison in the match (with the prior, they add up to the match
    weight) and the two records side by side.

    Example: clientbase duplicate-review --db duckdb:///clientbase.duckdb --limit 20
    """
    from clientbase.cli.decide import actor_for
    from clientbase.dedupe.service import review_pairs

    _quiet_splink()
    with open_store(db) as store, cli_errors():
        queue = review_pairs(store, actor=actor_for(store, acting), low=low, limit=limit)
    if as_json:
        print_json({"pairs": queue})
        return
    if not queue:
        console.print("Nothing to review.")
        return
    marks = {"agree": "[green]=[/]", "differ": "[red]≠[/]", "missing": "[dim]·[/]"}
    for p in queue:
        table = Table("field", p["id_l"], "", p["id_r"], title=f"p={p['match_probability']:.3f}")
        for f in p["side_by_side"]:
            table.add_row(f["field"], f["left"] or "", marks[f["verdict"]], f["right"] or "")
        console.print(table)
        console.print(f"  why: {p['explanation']}", highlight=False)
    console.print("Decide with: clientbase duplicate-decide ID_L ID_R confirmed|rejected --as MANAGER")


@app.command("duplicate-decide")
def duplicate_decide(
    id_l: Annotated[str, typer.Argument(help="One counterparty of the pair.")],
    id_r: Annotated[str, typer.Argument(help="The other counterparty.")],
    decision: Annotated[str, typer.Argument(help="confirmed (same company) or rejected (different).")],
    actor: AsOption,
    note: Annotated[str | None, typer.Option("--note", help="Why.")] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Confirm or reject a candidate pair; a rejected pair is never proposed again.

    Example: clientbase duplicate-decide C000042 C000107 rejected --as M01 --note "two branches"
    """
    from clientbase.dedupe.review import decide

    with open_store(db) as store, cli_errors():
        row = decide(store, a=id_l, b=id_r, decision=decision, actor_id=actor, note=note)
    console.print(f"{row['id_l']} ~ {row['id_r']}: {row['decision']} by {row['decided_by']}")


@app.command("merge")
def merge(
    survivor: Annotated[str, typer.Argument(help="Counterparty kept.")],
    merged: Annotated[str, typer.Argument(help="Counterparty merged into it and archived.")],
    actor: AsOption,
    take: Annotated[
        str | None,
        typer.Option(
            "--take",
            help="Fields whose value to take from one side: phone=merged,name=survivor (else the rules).",
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Merge a duplicate into the record kept: values by documented rules, orders/invoices/contacts re-pointed.

    Example: clientbase merge C000042 C000107 --as M01 --take phone=merged
    """
    from clientbase.dedupe.merge import merge_counterparties
    from clientbase.errors import ConfigurationError

    choices: dict[str, str] = {}
    for part in (take or "").split(","):
        if not part.strip():
            continue
        name, sep, side = part.partition("=")
        if not sep:
            with cli_errors():
                raise ConfigurationError(f"--take: {part!r} is not field=survivor|merged.")
        choices[name.strip()] = side.strip()
    with open_store(db) as store, cli_errors():
        result = merge_counterparties(
            store, survivor_id=survivor, merged_id=merged, actor_id=actor, choices=choices
        )
    if as_json:
        print_json(
            {
                "merge_id": result.merge_id,
                "survivor": result.survivor,
                "choices": {f: {"side": s, "rule": r} for f, (s, r) in result.choices.items()},
                "repointed": result.repointed,
            }
        )
        return
    moved = ", ".join(f"{n} {t}" for t, n in result.repointed.items() if n) or "nothing"
    console.print(f"Merged {merged} into {survivor} as {result.merge_id}; re-pointed: {moved}.")
    console.print(f"Undo with: clientbase unmerge {result.merge_id} --as {actor}")


@app.command("unmerge")
def unmerge(
    merge_id: Annotated[str, typer.Argument(help="The merge to undo (see `clientbase merges`).")],
    actor: AsOption,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Undo a merge exactly: both records' values, their freshness and every re-pointed row as they were.

    Each record gets a new version (versions only move forward), so a copy read before the undo is stale.

    Example: clientbase unmerge X20240517103102a1b2c3 --as M01
    """
    from clientbase.dedupe.merge import undo_merge

    with open_store(db) as store, cli_errors():
        row = undo_merge(store, merge_id=merge_id, actor_id=actor)
    console.print(f"Merge {merge_id} undone: {row['merged_id']} and {row['survivor_id']} are as they were.")


@app.command("merges")
def merges(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """List merges of duplicate counterparties, newest first.

    Example: clientbase merges --json
    """
    from clientbase.dedupe.merge import list_merges

    with open_store(db) as store:
        rows = list_merges(store)
    if as_json:
        print_json({"merges": rows})
        return
    table = Table("merge", "survivor", "merged", "by", "at", "status")
    for r in rows:
        table.add_row(
            r["merge_id"],
            r["survivor_id"],
            r["merged_id"],
            r["merged_by"] or "",
            str(r["merged_at"]),
            r["status"],
        )
    console.print(table)
