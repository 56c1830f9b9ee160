"""The spreadsheet import chain: read, map, parse cells, match, plan, apply as a batch, undo.

:mod:`clientbase.imports.service` is its one entry point; the CLI (``clientbase import``, ``undo-import``,
``import-batches``, ``import-transactions``) and the web (``/imports``, ``/api/v1/imports``) both call it.
The package imports nothing heavy on import: its modules do.
"""
