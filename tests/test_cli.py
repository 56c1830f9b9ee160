"""Every command documents itself with a runnable example, and library errors become clean CLI errors."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import typer.core
import typer.main
from typer.testing import CliRunner

from clientbase.cli.main import app

runner = CliRunner()

#: libraries `import clientbase.cli.main` must not load: each costs 0.1-0.5 s of every start-up
HEAVY = (
    "pandas",
    "ibis",
    "pyarrow",
    "sqlalchemy",
    "duckdb",
    "scipy",
    "splink",
    "sklearn",
    "statsforecast",
    "fastapi",
    "numpy",
    "altair",
    "xlsxwriter",
)


def all_commands() -> dict[str, typer.core.TyperCommand | typer.core.TyperGroup]:
    root = typer.main.get_command(app)
    found: dict[str, typer.core.TyperCommand | typer.core.TyperGroup] = {}

    def walk(group: object, prefix: str) -> None:
        for name, command in getattr(group, "commands", {}).items():
            found[f"{prefix}{name}"] = command
            walk(command, f"{prefix}{name} ")

    walk(root, "")
    return found


def test_every_command_has_help_with_a_runnable_example() -> None:
    commands = all_commands()
    assert "import-folder" in commands and "export-folder" in commands
    for name, command in commands.items():
        if isinstance(command, typer.core.TyperGroup):
            continue
        help_text = command.help or ""
        assert "Example: clientbase " in help_text, (
            f"`clientbase {name} --help` has no 'Example: clientbase ...' line"
        )
        assert help_text.split("Example: clientbase ", 1)[1].split()[0] in name.split()[0], name


def test_validation_error_exits_with_code_3_and_no_traceback(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "bad"
    folder.mkdir()
    (folder / "managers.csv").write_text("manager_id,name\nM1,Anna\nM1,Bo\n")
    result = runner.invoke(app, ["import-folder", str(folder), "--db", f"duckdb:///{tmp_path}/x.duckdb"])
    assert result.exit_code == 3
    assert "managers.csv, row 2, column 'manager_id'" in result.output
    assert "Traceback" not in result.output


def test_missing_folder_of_database_is_a_clear_error(tmp_path: object) -> None:
    result = runner.invoke(app, ["init", "--db", "duckdb:////no/such/dir/x.duckdb"])
    assert result.exit_code == 1
    assert "does not exist" in result.output
    result = runner.invoke(app, ["export-folder", str(tmp_path), "--db", "duckdb:////no/such/dir/x.duckdb"])
    assert result.exit_code == 4
    assert "No database at /no/such/dir/x.duckdb" in result.output


def test_importing_the_cli_loads_no_heavy_library() -> None:
    """A fresh interpreter imports the CLI (every command module registered) without any heavy library."""
    code = (
        "import sys, clientbase.cli.main as m, typer.main; typer.main.get_command(m.app); "
        f"print(','.join(n for n in {HEAVY!r} if n in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "", f"loaded at start-up: {run.stdout.strip()}"


def test_default_database_is_the_stores() -> None:
    from clientbase.cli.common import DEFAULT_DB
    from clientbase.store import DEFAULT_URL

    assert DEFAULT_DB == DEFAULT_URL


HELP_NAMES = ["", *sorted(all_commands())]


@pytest.mark.parametrize("name", HELP_NAMES, ids=lambda n: n or "clientbase")
def test_every_help_works_without_placeholders(name: str) -> None:
    """`--help` of the app and of every command exits 0 and shows no Typer placeholder: no `<bool>` or
    `<str>` beside an option, no `{file}` in the usage line."""
    result = runner.invoke(app, [*name.split(), "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Usage: clientbase" in text
    usage = text[text.index("Usage:") :].split("\n", 1)[0]
    assert "{" not in usage, usage
    placeholders = re.findall(r"<(?:bool|str|int|float|path|datetime|list\[[a-z]+\])[^>]*>", text)
    assert not placeholders, f"{name}: {placeholders}"
