"""Registry commands: import a manager's spreadsheet, undo an import, export a list, look after one record."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from clientbase.cli.common import (
    DEFAULT_DB,
    DbOption,
    JsonOption,
    cli_errors,
    console,
    err_console,
    open_store,
    print_json,
)
from clientbase.cli.main import app

if TYPE_CHECKING:  # the registry pulls in SQLAlchemy, pandas and the store: imported when a command runs
    from clientbase.imports import mapping
    from clientbase.imports.plan import ImportPlan
    from clientbase.registry import access
    from clientbase.store import Store

AsOption = Annotated[
    str,
    typer.Option(
        "--as",
        envvar="CLIENTBASE_USER",
        metavar="ID",
        help="Manager id of the user acting (or set CLIENTBASE_USER).",
    ),
]


def _actor(store: Store, manager_id: str) -> access.Actor:
    from clientbase.registry import access

    with store.begin() as conn:
        return access.load_actor(conn, manager_id)


def _db_args(db: str) -> list[str]:
    """``--db URL`` unless the URL is the default one (a hint printed with it runs as printed)."""
    return [] if db == DEFAULT_DB else ["--db", db]


def _command(*words: str) -> str:
    """A command line a shell runs as shown."""
    import shlex

    return "clientbase " + " ".join(shlex.quote(word) for word in words)


def _confirm_mapping(suggested: mapping.ColumnMapping, save_to: Path | None, yes: bool) -> None:
    """Show the suggested mapping; go on only if confirmed (or --yes). Without a terminal, stop with advice."""
    from clientbase.imports import mapping

    if yes:
        return
    if not sys.stdin.isatty():
        if save_to is not None:
            mapping.save(suggested, save_to)
        sys.stdout.write(mapping.to_toml(suggested))
        saved = (
            f"It was saved to {save_to}; edit it if needed, then"
            if save_to
            else "Save it with --save-mapping map.toml, edit it if needed, then"
        )
        err_console.print(
            f"No terminal to confirm the suggested mapping above. {saved} run again with --mapping "
            f"{save_to or 'map.toml'}, or pass --yes to accept the suggestion as it is."
        )
        raise typer.Exit(2)
    table = Table(title="Suggested mapping")
    for column in ("spreadsheet column", "field", "sure"):
        table.add_column(column)
    for header, name in suggested.columns.items():
        score = suggested.scores.get(header)
        table.add_row(header, name or "[dim](ignored)[/]", f"{score:.0f}%" if score is not None else "")
    console.print(table)
    if not typer.confirm("Use this mapping?", default=True):
        hint = save_to or Path("map.toml")
        mapping.save(suggested, hint)
        console.print(f"Saved the suggestion to {hint}: edit it, then run again with --mapping {hint}.")
        raise typer.Exit(1)


def _print_plan(plan: ImportPlan) -> None:
    counts = Table(title=f"{plan.file}: what the import does")
    for action in ("new", "updated", "unchanged", "rejected"):
        counts.add_column(action, justify="right")
    counts.add_row(*(f"{plan.count(a):,}" for a in ("new", "updated", "unchanged", "rejected")))
    console.print(counts)
    diffs = plan.diffs()
    if diffs:
        table = Table(title="Changes to existing records")
        for column in ("row", "record", "field", "old", "new"):
            table.add_column(column)
        for diff in diffs[:50]:
            table.add_row(
                *(
                    str(diff[k] if diff[k] is not None else "")
                    for k in ("row", "record_id", "field", "old", "new")
                )
            )
        console.print(table)
        if len(diffs) > 50:
            console.print(f"... and {len(diffs) - 50} more changes (--json lists them all)")
    errors = plan.errors
    for problem in errors[:20]:
        err_console.print(f"[red]rejected[/] {problem}", highlight=False)
    if len(errors) > 20:
        err_console.print(f"... and {len(errors) - 20} more problems (see the error report)")


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX, XLS or ODS file of counterparties.")],
    acting: AsOption = "",
    db: DbOption = DEFAULT_DB,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="Sheet of a workbook (default: the first).")
    ] = None,
    mapping_file: Annotated[
        Path | None, typer.Option("--mapping", help="Mapping file (TOML) from --save-mapping.")
    ] = None,
    save_mapping: Annotated[
        Path | None, typer.Option("--save-mapping", help="Write the mapping used to this TOML file.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would happen (the default).")] = False,
    do_apply: Annotated[
        bool, typer.Option("--apply", help="Write it, as one batch that can be undone.")
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            "--skip-rejected",
            help="With --apply: write the valid rows and list the rejected ones in the error report.",
        ),
    ] = False,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Owner of new records when the file has no owner column.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Accept the suggested mapping without asking.")] = False,
    json: JsonOption = False,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="Encoding of a CSV file (default: detected).")
    ] = None,
    errors: Annotated[
        Path | None,
        typer.Option(
            "--errors",
            help="Error report CSV for rejected rows (default: <file>-errors.csv beside the file).",
        ),
    ] = None,
) -> None:
    """Import a manager's spreadsheet of counterparties: dry run first, then --apply.

    The column mapping is suggested from the headers (English, German, Russian, French, Swedish) and shown
    for confirmation; --yes accepts it, --save-mapping keeps it for next time. Rows are matched to existing
    records by tax ID, e-mail or e-mail domain, then name + country. Rejected rows go to an error report
    beside the file. --apply writes all rows or none; with --skip-invalid it writes the valid rows.

    Example: clientbase import anna_kunden.xlsx --as M01 --yes --apply
    """
    from clientbase.imports import mapping, service

    if dry_run and do_apply:
        raise typer.BadParameter("give either --dry-run or --apply, not both")
    if not acting:
        raise typer.BadParameter("say who is importing: --as <manager id> (or set CLIENTBASE_USER)")
    with open_store(db) as store, cli_errors():
        actor = _actor(store, acting)
        if mapping_file is not None:
            used = mapping.load(mapping_file)
        else:
            _table, used = service.suggest_mapping(file, sheet=sheet, encoding=encoding)
            _confirm_mapping(used, save_mapping, yes)
        if save_mapping is not None:
            mapping.save(used, save_mapping)
        outcome = service.import_spreadsheet(
            store, actor=actor, path=file, mapping=used, sheet=sheet, encoding=encoding, default_owner=owner
        )
        plan = outcome.plan
        report = None
        if plan.errors:
            from clientbase.outputs import error_report_path, write_error_report

            report = write_error_report(plan.errors, error_report_path(file, errors))
        if do_apply:
            outcome = service.apply_plan(store, outcome, skip_invalid=skip_invalid)
    result = outcome.result
    summary = outcome.summary()
    summary["error_report"] = str(report) if report else None
    if json:
        print_json(summary)
        return
    _print_plan(plan)
    if report:
        console.print(f"Rejected rows are listed in {report}.")
    if result is None:
        console.print("Dry run: nothing was written. Run again with --apply to write it.")
    elif result.batch_id is None:
        console.print("Nothing to change: every row matches what is stored.")
    else:
        undo = _command("undo-import", result.batch_id, "--as", acting, *_db_args(db))
        console.print(f"Applied as batch [bold]{result.batch_id}[/]; undo it with: {undo}", highlight=False)


@app.command("undo-import")
def undo_import_command(
    batch_id: Annotated[str, typer.Argument(help="Batch to undo (see import-batches).")],
    acting: AsOption = "",
    db: DbOption = DEFAULT_DB,
) -> None:
    """Undo an applied import entirely: records, history and freshness go back exactly as they were.

    Refused, with nothing changed, when a record was edited after the import.

    Example: clientbase undo-import B20240517T103102-3f9a --as M01
    """
    from clientbase.imports import service

    if not acting:
        raise typer.BadParameter("say who is undoing: --as <manager id> (or set CLIENTBASE_USER)")
    with open_store(db) as store, cli_errors():
        result = service.undo_import(store, actor=_actor(store, acting), batch_id=batch_id)
    console.print(f"Undid {result.batch_id}: removed {result.removed} record(s), restored {result.restored}.")


@app.command("import-batches")
def import_batches_command(db: DbOption = DEFAULT_DB, json: JsonOption = False) -> None:
    """List applied spreadsheet imports, newest first, with their counts and status.

    Example: clientbase import-batches --json
    """
    from clientbase.imports import service

    with open_store(db) as store:
        rows = service.import_batches(store)
    if json:
        print_json([{k: v for k, v in row.items() if k != "mapping"} for row in rows])
        return
    table = Table(title="Import batches")
    for column in ("batch", "file", "by", "at", "status", "new", "updated"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["batch_id"],
            row["file_name"] or "",
            row["created_by"] or "",
            f"{row['created_at']:%Y-%m-%d %H:%M}",
            row["status"],
            str(row["new_count"]),
            str(row["updated_count"]),
        )
    console.print(table)


@app.command("export-list")
def export_list_command(
    out: Annotated[Path, typer.Argument(help="File to write: .csv or .xlsx.")],
    acting: AsOption = "",
    db: DbOption = DEFAULT_DB,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this manager's records.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    role: Annotated[str | None, typer.Option("--role", help="Only records with this role.")] = None,
    country: Annotated[str | None, typer.Option("--country", help="Only this country (ISO code).")] = None,
    segment: Annotated[str | None, typer.Option("--segment", help="Only this segment.")] = None,
    industry: Annotated[str | None, typer.Option("--industry", help="Only this industry.")] = None,
    region: Annotated[str | None, typer.Option("--region", help="Only this region.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Only names containing this text.")] = None,
    archived: Annotated[bool, typer.Option("--archived", help="Include archived records.")] = False,
) -> None:
    """Export a filtered list of counterparties in the columns `clientbase import` reads back.

    A manager exports their own records; the head and analysts any.

    Example: clientbase export-list active.xlsx --as M01 --status active --country DE
    """
    from clientbase.registry import export

    if not acting:
        raise typer.BadParameter("say who is exporting: --as <manager id> (or set CLIENTBASE_USER)")
    filters = export.ListFilter(
        owner=owner,
        status=status,
        role=role,
        country=country,
        segment=segment,
        industry=industry,
        region=region,
        name=name,
        include_archived=archived,
    )
    with open_store(db) as store, cli_errors():
        count = export.export_list(store, actor=_actor(store, acting), path=out, filters=filters)
    console.print(f"Wrote {count:,} counterparties to {out}.")


@app.command("show-record")
def show_record_command(
    record_id: Annotated[str, typer.Argument(help="Counterparty (C...) or contact (P...) id.")],
    acting: AsOption = "",
    db: DbOption = DEFAULT_DB,
    contact: Annotated[bool, typer.Option("--contact", help="The id is a contact's.")] = False,
    json: JsonOption = False,
) -> None:
    """Show one record with its field history and when each field was last verified.

    Example: clientbase show-record C000042 --as M01
    """
    from clientbase.registry import history, service

    kind = "contacts" if contact else "counterparties"
    with open_store(db) as store, cli_errors():
        actor = _actor(store, acting)
        row = service.get_record(store, actor=actor, kind=kind, record_id=record_id)
        past = service.record_history(store, actor=actor, kind=kind, record_id=record_id)
        with store.begin() as conn:
            fresh = history.freshness(conn, service.table_of(kind), record_id)
    if json:
        print_json({"record": row, "history": past, "verified": fresh})
        return
    table = Table(title=f"{kind} {record_id} (version {row.get('version')})")
    for column in ("field", "value", "last verified"):
        table.add_column(column)
    for key, value in row.items():
        when = fresh.get(key)
        table.add_row(key, "" if value is None else str(value), f"{when:%Y-%m-%d}" if when else "")
    console.print(table)
    changes = Table(title="History")
    for column in ("when", "who", "source", "field", "old", "new"):
        changes.add_column(column)
    for h in past:
        changes.add_row(
            f"{h['changed_at']:%Y-%m-%d %H:%M}",
            h["changed_by"] or "",
            h["source"],
            h["field_name"],
            h["old_value"] or "",
            h["new_value"] or "",
        )
    console.print(changes)


@app.command("verify-record")
def verify_record_command(
    record_id: Annotated[str, typer.Argument(help="Counterparty (C...) or contact (P...) id.")],
    fields: Annotated[list[str], typer.Argument(help="Fields confirmed to be still right.")],
    acting: AsOption = "",
    db: DbOption = DEFAULT_DB,
    contact: Annotated[bool, typer.Option("--contact", help="The id is a contact's.")] = False,
) -> None:
    """Confirm that fields of a record are still right, without changing them (freshness).

    Example: clientbase verify-record C000042 phone email --as M01
    """
    from clientbase.registry import service

    kind = "contacts" if contact else "counterparties"
    with open_store(db) as store, cli_errors():
        fresh = service.verify(
            db=store, actor=_actor(store, acting), kind=kind, record_id=record_id, fields=fields
        )
    for name in fields:
        console.print(f"{name}: verified {fresh[name]:%Y-%m-%d %H:%M} UTC")


@app.command("transfer-owner")
def transfer_owner_command(
    counterparty_id: Annotated[str, typer.Argument(help="Counterparty to transfer.")],
    to_owner: Annotated[str, typer.Argument(help="Manager id of the new owner.")],
    acting: AsOption = "",
    db: DbOption = DEFAULT_DB,
) -> None:
    """Give a counterparty to another manager (head only); the transfer is recorded.

    Example: clientbase transfer-owner C000042 M04 --as M01
    """
    from clientbase.registry import service

    with open_store(db) as store, cli_errors():
        actor = _actor(store, acting)
        current = service.get_record(store, actor=actor, kind="counterparties", record_id=counterparty_id)
        service.transfer_owner(
            db=store,
            actor=actor,
            counterparty_id=counterparty_id,
            to_owner=to_owner,
            expected_version=int(current.get("version") or 0),
            source="ui",
        )
    console.print(f"{counterparty_id} now belongs to {to_owner}.")


@app.command("import-transactions")
def import_transactions_command(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8, any common delimiter) or Parquet file.")],
    table: Annotated[str, typer.Option("--table", help="order_lines, invoices, payments or activities.")],
    db: DbOption = DEFAULT_DB,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and count, write nothing.")] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="Load the valid rows and list the others in the error report."),
    ] = False,
    errors: Annotated[
        Path | None,
        typer.Option("--errors", help="Error report CSV (default: <file>-errors.csv beside the file)."),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Load a file of transactions in bulk (validated by the engine), all or nothing, merged by key.

    Columns are named as in docs/data-format.md. Any bad row is reported with file, row, column, value and
    rule (also in the error report), and then nothing is written, unless --skip-invalid loads the valid rows.
    Re-importing an overlapping export adds nothing twice.

    Example: clientbase import-transactions lines_2024-05.csv --table order_lines
    """
    from clientbase.cli.exchange import print_load, reporting_problems
    from clientbase.imports import service

    with open_store(db) as store, cli_errors(), reporting_problems(file, errors):
        report = service.load_transactions(
            store, actor=None, path=file, table=table, dry_run=dry_run, skip_invalid=skip_invalid
        )
    print_load(file.name, report, file, errors, json, dry_run)


SetOption = Annotated[
    list[str],
    typer.Option(
        "--set",
        metavar="FIELD=VALUE",
        help="field=value to write (repeat for several fields; field= empties it).",
        show_default=False,
    ),
]


def _fields(sets: list[str]) -> dict[str, object]:
    """``["phone=+46 18 12 34 56", "city="]`` as ``{"phone": "+46 18 12 34 56", "city": None}``."""
    from clientbase.errors import ConfigurationError

    changes: dict[str, object] = {}
    for item in sets:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigurationError(f"--set {item!r}: write it as field=value, e.g. --set payment_days=30")
        changes[name.strip()] = value if value.strip() else None
    return changes


@app.command("edit")
def edit_command(
    record_id: Annotated[
        str, typer.Argument(help="Counterparty (C...) or, with --contact, contact (P...) id.")
    ],
    sets: SetOption,
    acting: AsOption = "",
    db: DbOption = DEFAULT_DB,
    contact: Annotated[bool, typer.Option("--contact", help="The id is a contact's.")] = False,
    version: Annotated[
        int | None,
        typer.Option("--version", help="The version you read (show-record); refused if it moved on since."),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Change fields of one record, by the registry's rules, with its history and freshness.

    Values are written as docs/registry.md says (numbers like 30 or 1234.50, dates YYYY-MM-DD); a value is
    checked and stored in its canonical form (a phone as E.164). A manager edits their own records only.

    Example: clientbase edit C000042 --set payment_days=45 --set phone="+49 30 1544300" --as M01
    """
    from clientbase.registry import service

    kind = "contacts" if contact else "counterparties"
    with open_store(db) as store, cli_errors():
        actor = _actor(store, acting)
        changes = _fields(sets)
        current = service.get_record(store, actor=actor, kind=kind, record_id=record_id)
        expected = int(current.get("version") or 0) if version is None else version
        update = service.update_contact if contact else service.update_counterparty
        key = "contact_id" if contact else "counterparty_id"
        row = update(
            db=store, actor=actor, changes=changes, expected_version=expected, source="ui", **{key: record_id}
        )
    _print_record(kind, row, json)


@app.command("create")
def create_command(
    sets: SetOption,
    acting: AsOption = "",
    db: DbOption = DEFAULT_DB,
    contact: Annotated[
        bool, typer.Option("--contact", help="Create a contact (give --set counterparty_id=...).")
    ] = False,
    json: JsonOption = False,
) -> None:
    """Create a counterparty (or, with --contact, a contact) by the registry's rules; the key is generated.

    A manager's new record is their own; a record needs what its roles and status require (an active customer
    an owner, a country and payment days; a prospect a channel and an acquisition mode).

    Example: clientbase create --set name="Nordic Tools AB" --set country=SE --set payment_days=30 --as M03
    """
    from clientbase.registry import service

    kind = "contacts" if contact else "counterparties"
    with open_store(db) as store, cli_errors():
        actor = _actor(store, acting)
        values = {k: v for k, v in _fields(sets).items() if v is not None}
        if not contact:  # the import's defaults for a new record
            values.setdefault("roles", "customer")
            values.setdefault("status", "prospect" if "prospect" in str(values["roles"]) else "active")
        create = service.create_contact if contact else service.create_counterparty
        row = create(db=store, actor=actor, values=values, source="ui")
    _print_record(kind, row, json)


def _print_record(kind: str, row: dict[str, object], json: bool) -> None:
    if json:
        print_json({"record": row})
        return
    key = "contact_id" if kind == "contacts" else "counterparty_id"
    table = Table(title=f"{kind} {row[key]} (version {row.get('version')})")
    for column in ("field", "value"):
        table.add_column(column)
    for name, value in row.items():
        table.add_row(name, "" if value is None else str(value))
    console.print(table)
