"""Write one benchmark's section into docs/benchmarks.md, between its start and end markers."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_section(start: str, end: str, section: str, doc: Path = DOC) -> None:
    """Replace the text from ``start`` to ``end`` in ``doc`` with ``section`` (which holds both markers),
    or append ``section`` when the markers are not there yet."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    if start in text and end in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.write_text(text, encoding="utf-8")
