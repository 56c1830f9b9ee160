"""The ``clientbase`` command. Each topic lives in its own module and registers its commands here."""

from __future__ import annotations

import importlib
import importlib.util

import typer

from clientbase import __version__
from clientbase.cli.help import App

app = App(
    name="clientbase",
    help="One shared client base: form, record, work, analyse, decide.\n\nExample: clientbase demo --customers 500 && clientbase summary",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"clientbase {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """One shared client base: form, record, work, analyse, decide."""


#: Modules under clientbase.cli that add commands to ``app``, in the order `clientbase --help` lists them.
#: To add a topic: create cli/<topic>.py with ``@app.command`` functions and add its name here.
COMMAND_MODULES = (
    "demo",
    "exchange",
    "registry",
    "dedupe",
    "quality",
    "analyze",
    "clv",
    "value",
    "decide",
    "scenario",
    "tasks",
    "targeting",
    "serve",
    "users",
    "forecast",
    "health",
)


def _register() -> None:
    for name in COMMAND_MODULES:
        if importlib.util.find_spec(f"clientbase.cli.{name}") is not None:
            importlib.import_module(f"clientbase.cli.{name}")


_register()
