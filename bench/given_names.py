#!/usr/bin/env python
"""Given names across languages: the matcher with and without the table of equivalents
(data/names/given-names.csv), on the EU list, in one run.

    .venv/bin/python bench/given_names.py                         # prints a Markdown section
    .venv/bin/python bench/given_names.py --results bench/RESULTS.md

In memory, no database: the EU list (data/sanctions/) indexed as ``svidok people match --list``
does. "Without the table" is the same index and scorer with an empty table (``names.given.table``
replaced): no word in any group, which is the scorer before the table.

1. **Recall.** Each listed person whose caption's first word is a given name of the table is
   queried as the press of another language would write them: the group's Ukrainian form (its
   key, the national romanization: Oleksandr, Mykola) + surname, and its English form where the
   table has one (Alexander, Michael) + surname; only when that spelling differs from the list's.
   Right record first (or tied first with a namesake), and first and above the threshold.
2. **Precision.** Every pair of different listed persons with the same surname whose first words
   are in one group (Aleksandr / Alexander TERENTYEV): the score of one against the other, and
   how many reach the threshold.
3. The four cases of issue 13, scored.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import os
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.sections import write_section  # noqa: E402

ISSUE_CASES = [("Alexander Moroz", "Aleksandr Ivanovich MOROZ"), ("Michael Sheremet", "Mikhail Sergeyevich SHEREMET"),
               ("Mykola Patrushev", "Nikolai Platonovich PATRUSHEV"), ("Alexander Udaltsov", "Aleksandr Ivanovich UDALTSOV")]


def _queries(entries, table):
    from svidok.names import fold

    spellings = {}
    with open(ROOT / "data" / "names" / "given-names.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        english = row["en"].split(";")[0] if row["en"] else ""
        for spelling in [row["key"], *(s for c in ("en", "latin") for s in row[c].split(";") if s)]:
            spellings[fold(spelling)] = (row["key"], english)
    queries, pairs, by_surname = [], [], {}
    for entry in entries:
        words = entry.caption.split()
        surnames = [w for w in words if w.isupper() and len(w) > 1]
        if not entry.is_person or len(words) < 2 or not surnames:
            continue
        given = fold(words[0])
        by_surname.setdefault(fold(surnames[-1]), []).append((given, entry))
        if given not in spellings:
            continue
        key, english = spellings[given]
        for kind, other in (("Ukrainian form", key), ("English form", english)):
            if other and fold(other) != given:
                queries.append((kind, f"{other.title()} {surnames[-1].title()}", entry.id))
    for people in by_surname.values():
        for (a, x), (b, y) in itertools.combinations(people, 2):
            if a != b and table.group_of(a) >= 0 and table.group_of(a) == table.group_of(b):
                pairs.append((x, y))
    return queries, pairs


def _measure(index, queries, pairs) -> dict:
    from svidok.names import matching

    figures: dict = {"kinds": {}}
    started = time.perf_counter()
    for kind, query, record in queries:
        results = index.match(query, limit=5).results
        top = results[0].score if results else 0.0
        own = next((r.score for r in results if r.entry.id == record), 0.0)
        cell = figures["kinds"].setdefault(kind, [0, 0, 0])
        cell[0] += 1
        cell[1] += own > 0 and own >= top
        cell[2] += own > 0 and own >= top and own >= matching.DEFAULT_THRESHOLD
    figures["seconds"] = time.perf_counter() - started
    scores = [matching.score_entries(a.shapes, None, [b])[0][0] for a, b in pairs]
    figures["pairs"] = {"count": len(pairs), "max": max(scores, default=0.0),
                        "same": sum(s >= matching.DEFAULT_THRESHOLD for s in scores)}
    by_caption = {e.caption: e for e in index.entries}
    figures["cases"] = {}
    for query, listed in ISSUE_CASES:
        results = index.match(query, limit=3).results
        figures["cases"][query] = (results[0].entry.caption if results else "", results[0].score if results else 0.0,
                                   next((r.score for r in results if r.entry is by_caption.get(listed)), 0.0))
    return figures


def run(command: str) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
    import django

    django.setup()
    from bench.matching import eu_entries
    from svidok.names import given, matching

    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    table = given.table()
    entries = eu_entries()
    index = matching.MatchIndex(entries, label="eu-269")
    queries, pairs = _queries(entries, table)
    results = {"with the table": _measure(index, queries, pairs)}
    real = given.table
    given.table = lambda: given.Table(groups=(), tokens={})
    try:
        results["without the table"] = _measure(index, queries, pairs)
    finally:
        given.table = real
    return {"started": started, "load": load, "command": command, "groups": len(table.groups),
            "spellings": len(table.tokens), "entries": len(entries), "results": results}


def markdown(run_: dict) -> str:
    results = run_["results"]
    kinds = list(next(iter(results.values()))["kinds"])
    out = [
        "## Given names across languages (the table of equivalents)",
        "",
        f"`{run_['command']}` — {run_['started']}, load {run_['load']}. The EU list ({run_['entries']:,} records), "
        f"the table data/names/given-names.csv ({run_['groups']} groups, {run_['spellings']} spellings); \"without\" is "
        "the same run with no word in any group (the scorer before the table).",
        "",
        "Listed persons queried by another language's form of their given name + surname (right record first, or tied first / "
        "first and above the threshold 0.8), and pairs of different listed records with one surname and equivalent given "
        "names spelled differently (judged the same: at or above 0.8; namesakes with another patronymic score exactly 0.8, "
        "see docs/matching.md):",
        "",
        "| matcher | " + " | ".join(kinds) + " | pairs judged same | highest pair score |",
        "|---|" + "---:|" * (len(kinds) + 2),
    ]
    for label, r in results.items():
        cells = " | ".join(f"{c[1]}/{c[2]} of {c[0]}" for c in (r["kinds"][k] for k in kinds))
        out.append(f"| {label} | {cells} | {r['pairs']['same']}/{r['pairs']['count']} | {r['pairs']['max']:.3f} |")
    out += ["", "The cases of issue 13 (best candidate, its score; the listed person's score):", "",
            "| query | " + " | ".join(results) + " |", "|---|" + "---|" * len(results)]
    for query in ISSUE_CASES:
        cells = " | ".join(f"{r['cases'][query[0]][0]} {r['cases'][query[0]][1]}; {query[1].split()[-1]} "
                           f"{r['cases'][query[0]][2]}" for r in results.values())
        out.append(f"| {query[0]} | {cells} |")
    return "\n".join(out) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", help="write the section into this file (e.g. bench/RESULTS.md)")
    args = parser.parse_args(argv)
    command = shlex.join([".venv/bin/python", "bench/given_names.py", *(argv if argv is not None else sys.argv[1:])])
    text = markdown(run(command))
    print(text)
    if args.results:
        write_section(Path(args.results), "given-names", text)


if __name__ == "__main__":
    main()
