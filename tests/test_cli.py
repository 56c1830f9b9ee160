"""Every command documents itself with a runnable example, and library errors become clean CLI errors."""

from __future__ import annotations

import typer.core
import typer.main
from typer.testing import CliRunner

from clientbase.cli.main import app

runner = CliRunner()


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
    result = runner.invoke(app, ["export-folder", str(tmp_path), "--db", "duckdb:////no/such/dir/x.duckdb"])
    assert result.exit_code == 1
    assert "does not exist" in result.output
