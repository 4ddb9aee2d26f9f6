#!/usr/bin/env python
"""Time to the numbers and to the plots of the forensics results page, by the scope it opens on.

    .venv/bin/python bench/forensics_pages.py                          # prints a Markdown section
    .venv/bin/python bench/forensics_pages.py --results bench/RESULTS.md

In a child process on a fresh SQLite database (bench/children.py): the shipped 2018 file is imported,
then the page of each scope is asked for as a signed-in analyst through Django's test client, caches
emptied first (the live report, the drawn plots and the in-memory arrays: what the first reader of a
fresh server waits for). "Numbers" is the page's response (the figures and tests, plots not yet
drawn); "plots" is the page plus each plot's fragment asked one after another, as a browser without
parallel requests would (a browser asks for them together, so this is the upper bound). The whole
file is what a bare link opened before issue 13; the territory is what it opens on now.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shlex
import sys
import time
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RUNS = 2
SCOPES = [
    ("whole file (`?territory=all`; before: every bare link)", "?territory=all"),
    ("occupied regions (a bare link now)", ""),
    ("from the Crimean election page (`?place=UA01…`)", "?place=UA01000000000013043"),
]


def child(out: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    from svidok.accounts.models import Role
    from svidok.accounts.services import system_account
    from svidok.forensics import data, services
    from svidok.incidents.models import Election, Place
    from tests.helpers import make_user

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    actor = system_account()
    Place.objects.create(code="UA01000000000013043", category="O", name_uk="Автономна Республіка Крим",
                         name_latin="Avtonomna Respublika Krym")
    election = Election.objects.create(name="bench 2018", date=dt.date(2018, 3, 18))
    rs = services.import_results(actor=actor, election=election, source=ROOT / "data" / "elections" / "2018.csv.zip").result_set
    client = Client()
    client.force_login(make_user(Role.ANALYST, "bench-analyst"))
    import matplotlib.pyplot  # noqa: F401  (loaded once per process whatever the scope: not timed)

    rows = []
    for label, query in SCOPES:
        runs = []
        for _ in range(RUNS):
            cache.clear()
            data.clear_cache()
            start = time.perf_counter()
            response = client.get(f"/forensics/results/{rs.uuid}/{query}")
            t_numbers = time.perf_counter() - start
            body = response.content.decode()
            fragments = re.findall(r'hx-get="([^"]+)" hx-trigger="load"', body)
            for url in fragments:
                assert client.get(unescape(url)).status_code == 200
            t_plots = time.perf_counter() - start
            precincts = re.search(r"<dt>Precincts</dt><dd>([^<(]+)", body).group(1).strip()
            runs.append({"status": response.status_code, "numbers": t_numbers, "plots": t_plots,
                         "plot_count": len(fragments), "images_in_page": body.count("<img"), "precincts": precincts})
        rows.append({"scope": label, "runs": runs})
    out.write_text(json.dumps({"rows": rows}))


def markdown(result: dict, command: str) -> str:
    import platform

    lines = [
        "## Forensics pages: time to the numbers and to the plots, by the scope a page opens on",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- command: `{command}`",
        f"- machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite, load average at end: "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "",
        "The 2018 file (97,699 precincts), caches emptied before each run; seconds, each run (`bench/forensics_pages.py`):",
        "",
        "| scope | precincts | to the numbers, s | to the last plot, s | plots | images in the first response |",
        "|---|---:|---|---|---:|---:|",
    ]
    for row in result["rows"]:
        runs = row["runs"]
        lines.append(f"| {row['scope']} | {runs[0]['precincts']} | " + " / ".join(f"{r['numbers']:.2f}" for r in runs)
                     + " | " + " / ".join(f"{r['plots']:.2f}" for r in runs)
                     + f" | {runs[0]['plot_count']} | {runs[0]['images_in_page']} |")
    lines.append("")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", help="write the section into this file (e.g. bench/RESULTS.md)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(Path(args.child))
        return
    from bench.children import run_on_databases
    from bench.sections import write_section

    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", "bench/forensics_pages.py", *(argv or sys.argv[1:])])
    result = run_on_databases("forensics_pages.py", ["sqlite"], lambda out: ["--child", str(out)])["sqlite"]
    text = markdown(result, command)
    print(text)
    if args.results:
        write_section(Path(args.results), "forensics-pages", text)


if __name__ == "__main__":
    main()
