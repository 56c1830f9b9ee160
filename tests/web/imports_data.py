"""Files the import tests upload: a messy managers' spreadsheet, a program in disguise, a zip bomb."""

from __future__ import annotations

import io
import zipfile

#: a manager's list as exported by a German Excel: cp1252, ';', a title line, an empty row, decimal commas,
#: and one column ("Bonität €", the credit limit) that the suggestion leaves unmapped
MESSY_CSV = (
    "Kundenliste Stand März 2026\n"
    "\n"
    "Firma;Land;Ort;E-Mail;Zahlungsziel (Tage);Rabatt %;Bonität €\n"
    "Gärtnerei Blümel Ost GmbH;DE;Würzburg;info@bluemel-ost.example.de;30;2,5;10.000,50\n"
    "Weißbräu Nord KG;AT;Graz;bier@weissbraeu-nord.example.at;14;0;5.000\n"
    "Öko Frische Süd AG;DE;Nürnberg;kein-at-zeichen;45;3,75;1.250\n"
).encode("cp1252")
MESSY_NAMES = ("Gärtnerei Blümel Ost GmbH", "Weißbräu Nord KG")
UNMAPPED = "Bonität €"


def program_as_xlsx() -> bytes:
    """The first bytes of a Windows program, named .xlsx by the test."""
    return b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 2000


def zip_bomb(unpacked: int = 32 * 2**20) -> bytes:
    """An "xlsx" whose one member unpacks to ``unpacked`` zero bytes (a few kB packed)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member,
    ):
        chunk = b"\x00" * 2**20
        for _ in range(unpacked // len(chunk)):
            member.write(chunk)
    return buffer.getvalue()
