"""``clientbase user``: list the users, set a password, make an API token for scripts."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from clientbase.cli.common import (
    DEFAULT_DB,
    DbOption,
    JsonOption,
    console,
    err_console,
    open_store,
    print_json,
)
from clientbase.cli.help import App
from clientbase.cli.main import app

user_app = App(
    name="user",
    help="Users of the web app and API: list them, set passwords, make API tokens.\n\n"
    "Example: clientbase user list",
    no_args_is_help=True,
)
app.add_typer(user_app)

IdArgument = Annotated[str, typer.Argument(help="Manager id of the user, like M01.")]


@user_app.command("list")
def list_users(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """The users (the managers table): id, name, role, active, whether a password is set.

    Example: clientbase user list
    """
    from clientbase.accounts import users
    from clientbase.registry.access import Actor

    with open_store(db) as store:
        rows = users.list_users(store, actor=Actor("console", "head"))
    if as_json:
        print_json(
            [
                {k: r.get(k) for k in ("manager_id", "name", "email", "role", "active", "has_password")}
                for r in rows
            ]
        )
        return
    table = Table(title="Users")
    for column in ("id", "name", "role", "active", "password"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["manager_id"],
            r["name"] or "",
            r["role"] or "",
            "no" if r["active"] is False else "yes",
            "set" if r["has_password"] else "[dim]none[/]",
        )
    console.print(table)


@user_app.command("set-password")
def set_password(
    manager_id: IdArgument,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from one line of standard input.")
    ] = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Set a user's password (stored only as an argon2 hash); prompts at a terminal. Logs the user out
    everywhere.

    Example: clientbase user set-password M03 --password-stdin < new-password.txt
    """
    from clientbase.accounts import users

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = typer.prompt(f"New password for {manager_id}", hide_input=True, confirmation_prompt=True)
    else:
        err_console.print("No terminal to ask for the password: pass --password-stdin and pipe it in.")
        raise typer.Exit(2)
    with open_store(db) as store:
        users.set_password(store, actor=None, manager_id=manager_id, password=password)
    console.print(f"Set the password of {manager_id}.")


@user_app.command("token")
def token(
    manager_id: IdArgument,
    name: Annotated[str, typer.Option(help="What the token is for (shown in the token list).")] = "script",
    db: DbOption = DEFAULT_DB,
) -> None:
    """Make an API token for scripts that lasts until revoked; printed once (only its hash is kept).

    Example: clientbase user token M02 --name nightly-export
    """
    from clientbase.accounts import sessions, users
    from clientbase.registry.access import Actor

    with open_store(db) as store:
        users.get_user(store, actor=Actor("console", "head"), manager_id=manager_id)
        issued = sessions.issue_token(store, manager_id=manager_id, kind="script", name=name)
    sys.stdout.write(issued["access_token"] + "\n")
    err_console.print(
        f"An API token for {manager_id}; send it as 'Authorization: Bearer <token>'. Keep it secret."
    )
