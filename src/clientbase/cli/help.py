"""How ``clientbase --help`` looks: plain words where Typer would print ``<bool>``, ``<str>`` and ``{file}``.

Typer shows a type placeholder beside every option (``--json <bool>``, ``--db <str>``) and wraps required
arguments in braces in the usage line (``clientbase import [OPTIONS] {file}``). The commands of the
``clientbase`` app use the classes below instead (:class:`App` makes them the default), which render help
the way Click does: a flag shows nothing, an option shows what to type (``--db URL``, ``--from DATE``,
``--limit INTEGER``), an argument is its name in capitals (``clientbase import [OPTIONS] FILE``), and the
paragraphs of a docstring are reflowed to the terminal instead of keeping the source's line breaks.

Only typer and the standard library are imported here: this module is loaded on every start-up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

#: what an option of each Python type asks for, when its declaration names no ``metavar``
WORDS: dict[type, str] = {
    str: "TEXT",
    int: "INTEGER",
    float: "NUMBER",
    dt.datetime: "DATE",
    dt.date: "DATE",
}


class Argument(TyperArgument):
    """A positional argument shown as its name in capitals: ``FILE`` when required, ``[FILE]`` when not,
    ``FIELDS...`` when it takes several values; no type placeholder beside it."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def get_usage_pieces(self, ctx: Any) -> list[str]:
        name = self.display_name_raw
        if not self.required:
            name = f"[{name}]"
        return [name + ("..." if self.nargs != 1 else "")]


def _word(option: TyperOption) -> str | None:
    """The metavar of ``option``: nothing for a flag, a word for a value; None keeps Typer's (choices)."""
    if option.is_flag or option.count:
        return ""
    descriptor = option.type_descriptor
    if descriptor.is_choice:
        return None
    if descriptor.is_path:
        return "PATH"
    annotation = descriptor.annotation
    if descriptor.is_list:
        return None
    return WORDS.get(annotation, "VALUE") if isinstance(annotation, type) else "VALUE"


def plain_params(params: Iterable[Any]) -> None:
    """Give every argument and option of a command its plain-help form (see the module docstring)."""
    for param in params:
        if isinstance(param, TyperArgument) and not isinstance(param, Argument):
            # Typer builds its own argument objects; this subclass only changes how they are shown
            param.__class__ = Argument
        if isinstance(param, Argument) and param.metavar is None:
            param.metavar = (param.name or "value").upper()
        elif isinstance(param, TyperOption):
            if param.metavar is None:
                word = _word(param)
                if word is not None:
                    param.metavar = word
            if param.is_bool_flag and param.default is None:
                # an absent flag is False; left None, Typer coerces it through pydantic, whose import
                # costs every `clientbase <command> --help` 0.1-0.2 s
                param.default = False


def reflow(text: str | None) -> str | None:
    """``text`` with the line breaks inside each paragraph joined (paragraphs stay apart), so Rich wraps
    a docstring to the terminal's width instead of breaking lines where the source did.

    Example:
        >>> reflow("One line\\n    and its end.\\n\\nExample: clientbase demo")
        'One line and its end.\\n\\nExample: clientbase demo'
    """
    if not text:
        return text
    paragraphs = [" ".join(line.strip() for line in p.splitlines()) for p in text.strip().split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


class _PlainHelp:
    """Reflows the help text and gives every parameter its plain-help form (see the module docstring)."""

    help: str | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = reflow(self.help)

    def get_params(self, ctx: Any) -> list[Any]:
        # every parameter the help shows passes here, also those Typer adds after the command is built
        # (--help, --install-completion, --show-completion)
        params: list[Any] = super().get_params(ctx)  # type: ignore[misc]
        plain_params(params)
        return params


class Command(_PlainHelp, TyperCommand):
    """A ``clientbase`` command with plain help."""


class Group(_PlainHelp, TyperGroup):
    """A group of ``clientbase`` commands with plain help."""


class App(typer.Typer):
    """A Typer app whose groups and commands are :class:`Group` and :class:`Command` unless told otherwise."""

    def __init__(self, *args: Any, cls: type[TyperGroup] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, cls=cls or Group, **kwargs)

    def command(
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any
    ) -> Any:
        return super().command(name, cls=cls or Command, **kwargs)


__all__ = ["App", "Argument", "Command", "Group", "plain_params", "reflow"]
