"""The fields of a counterparty record a person reads and writes: what a list exports and a spreadsheet sets.

Counterparty columns by name (internal columns and ``version`` left out), and the main contact's columns as
``contact_*``. The export (:mod:`clientbase.registry.export`) writes them and the import chain
(:mod:`clientbase.imports.mapping`) maps spreadsheet columns onto them.
"""

from __future__ import annotations

from clientbase import schema

#: ``contact_<field>`` of an import or export -> column of ``contacts``
CONTACT_FIELDS = {
    "contact_name": "name",
    "contact_title": "title",
    "contact_email": "email",
    "contact_phone": "phone",
}
COUNTERPARTY_FIELDS = tuple(
    c.name for c in schema.counterparties.columns if not c.info["field"].internal and c.name != "version"
)
IMPORT_FIELDS = COUNTERPARTY_FIELDS + tuple(CONTACT_FIELDS)
