"""The ``clientbase`` command. Each topic lives in its own module and registers its commands here."""

from __future__ import annotations

import typer

from clientbase import __version__

app = typer.Typer(
    name="clientbase",
    help="One shared client base: form, record, work, analyse, decide.\n\nExample: clientbase demo && clientbase summary",
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


def _register() -> None:
    # Each module adds its commands to ``app``; imported here so `clientbase --help` lists them all.
    from clientbase.cli import analyze  # noqa: F401
    from clientbase.cli import demo  # noqa: F401
    from clientbase.cli import dedupe  # noqa: F401
    from clientbase.cli import exchange  # noqa: F401
    from clientbase.cli import registry  # noqa: F401


_register()
