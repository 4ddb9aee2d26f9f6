"""English names of places where English has its own (exonyms): "Autonomous Republic of Crimea",
not the transliteration "Avtonomna Respublika Krym"; "Kherson Oblast", not "Khersonska".

``data/gazetteer/exonyms.csv`` (written for Svidok) holds them by KATOTTG code, with the Ukrainian
name beside each for the reader of the table (the code is the key). A place without one is shown to
English readers in the national transliteration (``Place.name_latin``), which is what English
uses for most Ukrainian places.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

TABLE = Path(__file__).resolve().parents[2] / "data" / "gazetteer" / "exonyms.csv"


@functools.cache
def exonyms() -> dict[str, str]:
    with TABLE.open(encoding="utf-8", newline="") as f:
        return {row["code"]: row["en"] for row in csv.DictReader(f)}


def english_name(code: str) -> str:
    """The English exonym of the place with KATOTTG ``code``, or ""."""
    return exonyms().get(code or "", "")
