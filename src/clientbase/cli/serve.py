"""``clientbase serve``: the web app and HTTP API on one DuckDB file (one process) or PostgreSQL (workers)."""

from __future__ import annotations

import os
import signal
import sys
from typing import Annotated

import typer

from clientbase.cli.common import DEFAULT_DB, DbOption, cli_errors, console, err_console
from clientbase.cli.main import app


@app.command()
def serve(
    db: DbOption = DEFAULT_DB,
    host: Annotated[
        str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes; more than 1 needs PostgreSQL.")
    ] = 1,
    secure_cookies: Annotated[
        bool | None,
        typer.Option(
            "--secure-cookies/--no-secure-cookies", help="Mark cookies Secure (behind an https proxy)."
        ),
    ] = None,
    refresh_every: Annotated[
        float, typer.Option(min=0, help="Seconds between checks that the materialised analysis is current.")
    ] = 60.0,
) -> None:
    """Serve the web app and the HTTP API (pages at /, API at /api/v1, docs at /docs).

    On a DuckDB file the server is one process and holds the file: other clientbase commands on it are told
    to use the web app or the API. On PostgreSQL it can run several workers and the CLI works beside it: the
    schema is migrated once (an advisory lock), and each worker holds at most its share of the server's
    max_connections (10 kept for the CLI and others). On the
    first start of a base whose users have no passwords, the first active head gets a random password,
    printed here once.

    Example: clientbase serve --db duckdb:////tmp/d.duckdb --port 8000
    """
    import uvicorn

    from clientbase.accounts.users import first_start_password
    from clientbase.store import connect, lock
    from clientbase.store.connection import connections_per_process, max_connections, parse_url
    from clientbase.web import asgi

    with cli_errors():
        target = parse_url(db)
        duck = target.engine == "duckdb"
        path = (str(target.path) if target.path is not None else ":memory:") if duck else None
        if duck and workers > 1:
            err_console.print(
                "[bold red]error:[/] a DuckDB file allows one writing process: serve it with --workers 1, "
                "or move the base to PostgreSQL for several workers."
            )
            raise typer.Exit(2)
        if path == ":memory:":
            err_console.print("[bold red]error:[/] serve a database file or PostgreSQL, not :memory:.")
            raise typer.Exit(2)
        holder = lock.serving(path, host=host, port=port) if path else None
        if holder is not None:
            holder.__enter__()
        try:
            with connect(db, create=False) as store:  # serve a base; it never makes one
                first = first_start_password(store)
                share = None if duck else connections_per_process(max_connections(store), workers)
            if store.migrated:
                console.print(f"Migrated the schema ({', '.join(store.migrated)}).")
            url = f"http://{host}:{port}"
            console.print(f"clientbase serves {db} at [bold]{url}[/] (API docs at {url}/docs).")
            if first is not None:
                console.print(
                    f"First start: log in as [bold]{first[0]}[/] with the password [bold]{first[1]}[/] "
                    "(shown only now; change it at /account/password)."
                )
            else:
                console.print(
                    "Log in with your manager id and password. No password yet? "
                    "Stop the server and run: clientbase user set-password MANAGER_ID"
                )
            os.environ[asgi.DB_ENV] = db
            os.environ[asgi.REFRESH_ENV] = str(refresh_every)
            if share is not None:
                os.environ[asgi.CONNECTIONS_ENV] = str(share)
                console.print(
                    f"{workers} worker{'s' if workers > 1 else ''}, each holding at most {share} PostgreSQL "
                    "connections."
                )
            if secure_cookies is not None:
                os.environ[asgi.SECURE_ENV] = "1" if secure_cookies else "0"
            # uvicorn re-raises SIGTERM once it has shut down: exit cleanly then, so the marker is removed
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            uvicorn.run(
                "clientbase.web.asgi:create",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_level="info",
                proxy_headers=True,
            )
        finally:
            if holder is not None:
                holder.__exit__(None, None, None)
