#!/usr/bin/env python
"""The open data files at scale: time and memory to stream every published incident.

    .venv/bin/python bench/open_data.py [--n 20000]                    # prints a Markdown section
    .venv/bin/python bench/open_data.py --n 20000 --results bench/RESULTS.md

In a child process on a fresh SQLite database (bench/children.py): ``--n`` synthetic incidents
(bench/generate.py: persons, involvements, tags, made up), all made verified, public and published,
and one protected person recorded through the service, so that the blind index is not empty and
every batch's words are looked up as on a real installation. Each file is asked for anonymously
through Django's test client and read to its end (the streamed response); then the JSON file once
more under tracemalloc, for the peak of Python memory while streaming.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FILES = ["incidents.json", "incidents.geojson", "incidents.csv"]


def child(out: Path, n: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from bench import generate
    from svidok.accounts.services import system_account
    from svidok.incidents.models import Incident
    from svidok.people.services import record_person

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    call_command("load_vocabularies", verbosity=0)
    loaded = generate.load_read_fixture(n, log=lambda *a: None)
    record_person(actor=system_account(), name="Ірина Коваленко", protected=True)
    Incident.objects.update(status=Incident.Status.VERIFIED, sensitivity=Incident.Sensitivity.PUBLIC,
                            published_at=timezone.now(), duplicate_of=None)
    client = Client()
    client.get("/public/data/")  # the first request imports every URL module's views: not the files' time
    rows = []
    for name in FILES:
        start = time.perf_counter()
        response = client.get(f"/public/data/{name}")
        first = None
        size = 0
        for piece in response.streaming_content:
            if first is None:
                first = time.perf_counter() - start
            size += len(piece)
        rows.append({"file": name, "status": response.status_code, "seconds": time.perf_counter() - start,
                     "first_piece": first, "bytes": size})
    tracemalloc.start()
    response = client.get("/public/data/incidents.json")
    count = sum(piece.count(b'"reference": "SV-') for piece in response.streaming_content)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out.write_text(json.dumps({"n": n, "incidents": Incident.objects.count(), "rows": rows, "peak": peak,
                               "counted": count, "places": loaded.get("places_origin", "")}))


def markdown(result: dict, command: str) -> str:
    import platform

    n = result["incidents"]
    lines = [
        "## Open data: every published incident as JSON, GeoJSON and CSV",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- command: `{command}`",
        f"- machine: {os.cpu_count()} CPUs (shared), Python {platform.python_version()}, SQLite, load average at end: "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "",
        f"{n:,} synthetic incidents (bench/generate.py), all published, streamed anonymously through Django's test "
        "client and read to the end; redaction on (one protected person in the blind index, every batch's words "
        "looked up). `bench/open_data.py`:",
        "",
        "| file | seconds | incidents/s | first piece after, s | size, MB |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        lines.append(f"| `{row['file']}` | {row['seconds']:.1f} | {n / row['seconds']:,.0f} | {row['first_piece']:.2f} | "
                     f"{row['bytes'] / 1e6:.1f} |")
    lines += ["", f"Peak Python memory while streaming the JSON file (tracemalloc): {result['peak'] / 1e6:.1f} MB "
              f"for {result['counted']:,} incidents (batches of 500).", ""]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20000, help="incidents (default 20000)")
    parser.add_argument("--results", help="write the section into this file (e.g. bench/RESULTS.md)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(Path(args.child), args.n)
        return
    from bench.children import run_on_databases
    from bench.sections import write_section

    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", "bench/open_data.py", *(argv or sys.argv[1:])])
    result = run_on_databases("open_data.py", ["sqlite"], lambda out: ["--child", str(out), "--n", str(args.n)])["sqlite"]
    text = markdown(result, command)
    print(text)
    if args.results:
        write_section(Path(args.results), "open-data", text)


if __name__ == "__main__":
    main()
