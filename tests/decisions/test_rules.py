"""The rules file: documented defaults that read back, and a clear error for every mistake in it."""

from __future__ import annotations

import doctest
import importlib
import tomllib
from pathlib import Path

import pytest

from clientbase.decisions.rules import Rules, load_rules, rules_from_dict, rules_toml
from clientbase.errors import ValidationError

MODULES = ["rules", "peers", "aging", "inputs", "matrix", "scenario", "projection", "effect", "levers.base"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(f"clientbase.decisions.{name}"))
    assert result.failed == 0 and result.attempted > 0


def test_the_printed_defaults_read_back_as_the_defaults() -> None:
    text = rules_toml()
    assert rules_from_dict(tomllib.loads(text)) == Rules()
    # every key is explained by a comment above it
    for section in ("general", "reprice", "minimum_order", "collect", "win_back", "prospects"):
        assert f"[{section}]" in text
    assert (
        "# fires when the discount is this many points above the agreed discount\ntolerance_pp = 2.0" in text
    )


def test_a_rules_file_changes_only_what_it_says(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        '[reprice]\ntolerance_pp = 1\n[priority]\ncollect = 3\n[prospects]\npeer_attributes = ["industry"]\n'
    )
    rules = load_rules(path)
    assert rules.reprice.tolerance_pp == 1.0 and rules.reprice.recovery == 0.5
    assert rules.priority["collect"] == 3.0 and rules.priority["reprice"] == 1.0
    assert rules.prospects.peer_attributes == ("industry",)


@pytest.mark.parametrize(
    ("text", "column", "rule"),
    [
        ("[reprise]\ntolerance_pp = 1\n", "reprise", "unknown section"),
        ("[reprice]\ntolerence_pp = 1\n", "reprice.tolerence_pp", "unknown key"),
        ('[reprice]\ntolerance_pp = "two"\n', "reprice.tolerance_pp", "must be a number"),
        ("[reprice]\nrecovery = 1.5\n", "reprice.recovery", "between 0 and 1"),
        ("[general]\nuse_quality = 1\n", "general.use_quality", "true or false"),
        ("[priority]\nrepricing = 2\n", "priority.repricing", "unknown action code"),
        ("[collect]\nage_days = [15, 31]\n", "collect.loss_share", "one share per entry"),
        ("[collect]\nage_days = [31, 15, 91, 181]\n", "collect.age_days", "rise strictly"),
        ("[reprice\n", None, "not valid TOML"),
    ],
)
def test_a_mistake_in_the_rules_file_is_named(
    tmp_path: Path, text: str, column: str | None, rule: str
) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(ValidationError) as info:
        load_rules(path)
    problem = info.value.problems[0]
    assert problem.file == str(path) and problem.column == column and rule in problem.rule


def test_a_missing_rules_file() -> None:
    with pytest.raises(ValidationError, match="file not found"):
        load_rules("/no/such/rules.toml")


def test_docs_show_the_rules_as_the_code_has_them() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "decisions.md").read_text(encoding="utf-8")
    assert "```toml\n" + rules_toml() + "```" in docs
