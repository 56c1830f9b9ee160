"""One way to show field errors: a ``ValidationError``'s problems by field, for the forms' ``errors`` and the
``errors_for`` macro (``layout/_macros.html``)."""

from __future__ import annotations

from collections.abc import Mapping

from clientbase.errors import ValidationError


def errors_by_field(exc: ValidationError) -> dict[str, list[str]]:
    """``{field: [reason, ...]}`` of ``exc`` (problems without a field under ``""``).

    Example:
        >>> from clientbase.errors import Problem
        >>> errors_by_field(ValidationError([Problem("counterparties", None, "email", "x", "format: no @")]))
        {'email': ['format: no @']}
    """
    out: dict[str, list[str]] = {}
    for problem in exc.problems:
        out.setdefault(problem.column or "", []).append(problem.rule)
    return out


def submitted(form: Mapping[str, object], names: tuple[str, ...] | list[str]) -> dict[str, object]:
    """The fields of ``names`` present in a posted form, empty strings as ``None`` (a cleared field)."""
    out: dict[str, object] = {}
    for name in names:
        if name in form:
            value = form[name]
            out[name] = value.strip() or None if isinstance(value, str) else value
    return out
