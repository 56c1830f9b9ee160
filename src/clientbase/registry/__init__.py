"""Steps 1-3 of the client base: counterparty and contact records kept to common criteria.

- :mod:`.rules` validation rules declared beside the schema; :mod:`.access` who may see and edit what;
- :mod:`.history` field-level history and freshness; :mod:`.service` create / update / archive / restore /
  transfer / verify with optimistic locking;
- :mod:`.spreadsheet`, :mod:`.cells`, :mod:`.mapping`, :mod:`.matching`, :mod:`.plan`, :mod:`.batch`: the
  spreadsheet import (dry run, atomic and idempotent apply, undo); :mod:`.export` filtered lists out;
- :mod:`.transactions` bulk transaction files (order lines, invoices, payments, activities) through the
  engine-side loader of :mod:`clientbase.exchange`.
"""

from clientbase.registry.access import Actor
from clientbase.registry.service import StaleRecordError

__all__ = ["Actor", "StaleRecordError"]
