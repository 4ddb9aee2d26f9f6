"""Region names of the results files in the reader's language, and which of them are occupied
Ukrainian territory.

The CEC's files name regions in Russian, and name the occupied Ukrainian regions by the occupiers'
designations ("Республика Крым", "город Севастополь"). ``data/elections/regions.csv`` (written for
Svidok) gives each name that occurs in ``data/elections`` and matters here an English, Ukrainian,
Russian and Crimean Tatar label, Ukraine's name for the occupied ones. A name missing from the
table is shown transliterated (Russian Wikipedia's romanization) to English and Crimean Tatar
readers, who may not read Cyrillic, and as written to Ukrainian and Russian readers.

The name as written stays the key everywhere (URLs, saved analyses, JSON, the command line): only
what a person reads changes.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import get_language

TABLE = Path(__file__).resolve().parents[2] / "data" / "elections" / "regions.csv"
LANGUAGES = ("en", "uk", "ru", "crh")
LATIN_FALLBACK = ("en", "crh")


@dataclass(frozen=True)
class Region:
    name: str            # as the results files write it
    katottg: str         # first four characters of Ukraine's KATOTTG code; "" outside Ukraine
    occupied: bool       # occupied Ukrainian territory
    labels: dict


@functools.cache
def table() -> dict[str, Region]:
    with TABLE.open(encoding="utf-8", newline="") as f:
        return {row["region"]: Region(row["region"], row["katottg"], row["occupied"] == "1",
                                      {lang: row[lang] for lang in LANGUAGES})
                for row in csv.DictReader(f)}


def reader_language(lang: str | None = None) -> str:
    lang = (lang or get_language() or "en").lower().split("-")[0].split("_")[0]
    return lang if lang in LANGUAGES else "en"


@functools.lru_cache(maxsize=4096)
def _transliterate(name: str) -> str:
    import iuliia

    return iuliia.WIKIPEDIA.translate(name)


def region_label(name: str, lang: str | None = None) -> str:
    """How a reader of ``lang`` (default: the active language) reads the region ``name`` of a file."""
    if not name:
        return name
    lang = reader_language(lang)
    found = table().get(name)
    if found is not None and found.labels.get(lang):
        return found.labels[lang]
    return _transliterate(name) if lang in LATIN_FALLBACK else name


def is_occupied(name: str) -> bool:
    found = table().get(name)
    return bool(found and found.occupied)


def occupied_regions(names) -> tuple[str, ...]:
    """The names among ``names`` that are occupied Ukrainian territory, in table order."""
    present = set(names)
    return tuple(r.name for r in table().values() if r.occupied and r.name in present)


# Crimea and Sevastopol are one territory to the pages: the occupation holds its votes on the whole
# peninsula at once, and the series of votes in Crimea (svidok/forensics/series.py) takes both.
PENINSULA = ("UA01", "UA85")


def regions_of_place(code: str) -> tuple[str, ...]:
    """The names the files may give the territory of a gazetteer place (KATOTTG ``code``): its
    region's, and for a place in Crimea or Sevastopol both of theirs."""
    prefix = (code or "")[:4]
    prefixes = PENINSULA if prefix in PENINSULA else (prefix,)
    return tuple(r.name for r in table().values() if prefix and r.katottg in prefixes)
