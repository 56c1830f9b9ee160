"""The ``clientbase`` command: a thin shell over the library (Typer + Rich)."""
