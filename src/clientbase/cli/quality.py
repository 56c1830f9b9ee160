"""`clientbase quality`: the data-quality audit per field and manager, with each manager's work list."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

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
from clientbase.cli.decide import AsOption, actor_for
from clientbase.cli.main import app


@app.command("quality")
def quality(
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Day the audit looks from, YYYY-MM-DD (default: today).")
    ] = None,
    snapshot: Annotated[
        bool, typer.Option("--snapshot", help="Also store the scores, for the trend over time.")
    ] = False,
    no_duplicates: Annotated[
        bool,
        typer.Option("--no-duplicates", help="Skip the duplicate search (faster; uniqueness not scored)."),
    ] = False,
    acting: AsOption = "",
) -> None:
    """Audit the base: which manager's records are incomplete, invalid, stale, duplicated, and what to fix first.

    With --as a manager sees their own records only (their score, fields, work list and trend).

    Example: clientbase quality --snapshot && clientbase quality --json
    """
    import logging

    from clientbase.errors import ConfigurationError
    from clientbase.quality import audit, save_snapshot
    from clientbase.quality.service import quality_overview

    logging.getLogger("splink").setLevel(logging.ERROR)
    with cli_errors():
        try:
            day = dt.date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise ConfigurationError(f"--as-of {as_of!r} is not a date; write it as YYYY-MM-DD.") from None
    with open_store(db) as store, cli_errors():
        actor = actor_for(store, acting)
        full = audit(store, as_of=day, duplicates=not no_duplicates)
        if snapshot:
            save_snapshot(store, full)
        view = quality_overview(store, actor=actor, report=full)
    if as_json:
        print_json(view.as_dict())
        return
    report, history = view.report, view.trend
    title = "Overall quality" if view.scope == "all" else f"Quality of {view.scope}'s records"
    console.print(
        f"{title} {report.overall_score:.1f} / 100 ({len(report.records)} records, as of {report.as_of})"
    )
    managers = Table(
        "manager", "score", "records", "missing", "invalid", "stale", "duplicate", "inconsistent"
    )
    for m in report.by_manager:
        managers.add_row(
            m["manager_id"] or "(no owner)",
            f"{m['score']:.1f}",
            str(m["records"]),
            *(str(m[k]) for k in ("missing", "invalid", "stale", "duplicate", "inconsistent")),
        )
    console.print(managers)
    fields = Table("field", "score", "complete", "valid", "fresh")
    for f in sorted(report.by_field, key=lambda f: f["score"])[:12]:
        fields.add_row(
            f["field"],
            f"{f['score']:.1f}",
            *(
                "" if f[k] is None else f"{100 * f[k]:.0f} %"
                for k in ("completeness", "validity", "freshness")
            ),
        )
    console.print(fields)
    for owner, items in report.work_lists.items():
        console.print(f"[bold]Fix first, {owner}:[/]")
        for item in items[:5]:
            console.print(
                f"  {item['counterparty_id']} {item['name']} (score {item['score']:.0f}): "
                + "; ".join(item["fix"][:3]),
                highlight=False,
            )
    if len(history) > 1:
        console.print("Trend: " + " -> ".join(f"{h['score']}" for h in history[-6:]))
