#!/usr/bin/env python
"""How well the same-precinct rule matches the shipped result files, vote to vote.

    .venv/bin/python bench/precinct_matching.py          # prints a Markdown table (about 30 s)

Reads the six files in data/elections/ (2004, 2008, 2011, 2016, 2018, 2020) as an import reads them
(``parsing.read_results``, every row of the file, no database), and applies the matching rule of
``svidok.forensics.history.match`` to consecutive pairs (2004→2008, ..., 2018→2020) and, for the
precincts of Crimea and Sevastopol alone, to 2016→2018→2020. Columns: matched pairs, rows of each
side left unmatched (numbered and unique, but absent from the other vote), rows without a number,
rows whose (region, number) occurs twice in their own vote, and matched pairs whose territorial
commission is written differently. The table in docs/forensics.md ("Across votes") is its output.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The parser reads the import limits from the settings (svidok.common.untrusted).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
import django  # noqa: E402

django.setup()

from svidok.forensics.history import match, normalize_region  # noqa: E402
from svidok.forensics.parsing import read_results, uik_number  # noqa: E402

DATA = ROOT / "data" / "elections"
YEARS = ("2004", "2008", "2011", "2016", "2018", "2020")
CRIMEA = {normalize_region("Республика Крым"), normalize_region("город Севастополь")}


def columns(year: str, crimea: bool = False) -> tuple[list[str], list[str], list[int]]:
    parsed = read_results(DATA / f"{year}.csv.zip")
    regions, tiks, uiks = parsed.identity["region"], parsed.identity["tik"], parsed.identity["uik"]
    rows = [i for i in range(len(regions)) if not crimea or normalize_region(regions[i]) in CRIMEA]
    return [regions[i] for i in rows], [tiks[i] for i in rows], [uik_number(uiks[i]) for i in rows]


def table() -> list[str]:
    head = ("| votes | rows | matched | unmatched, first | unmatched, second | no number, first / second "
            "| listed twice, first / second | commission differs |")
    lines = [head, "|" + "---|" * 8]
    for label, years, crimea in (("Russia", YEARS, False), ("Crimea + Sevastopol", ("2016", "2018", "2020"), True)):
        loaded = {y: columns(y, crimea) for y in years}
        for first, second in zip(years, years[1:], strict=False):
            c = match(loaded[first], loaded[second]).counts
            lines.append(
                f"| {label} {first} → {second} | {len(loaded[first][0]):,} / {len(loaded[second][0]):,} "
                f"| {c['matched']:,} | {c['unmatched_first']:,} | {c['unmatched_second']:,} "
                f"| {c['unnumbered_first']:,} / {c['unnumbered_second']:,} "
                f"| {c['duplicate_first']:,} / {c['duplicate_second']:,} | {c['commission_differs']:,} |")
    return lines


if __name__ == "__main__":
    print("\n".join(table()))
