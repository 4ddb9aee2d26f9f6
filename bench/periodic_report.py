#!/usr/bin/env python
"""The periodic report over N incidents: wall time and peak memory of `svidok report` per format.

    .venv/bin/python bench/periodic_report.py                                   # 100,000 incidents, SQLite
    .venv/bin/python bench/periodic_report.py --incidents 10000 --formats html pdf
    .venv/bin/python bench/periodic_report.py --results bench/RESULTS.md

A fresh SQLite database in a temporary var dir is migrated and filled with the read benchmark's
fixture (``bench.generate.load_read_fixture``: synthetic incidents with victims and perpetrators,
straight into the tables, places from the gazetteer when it loads). Then `svidok report --from ...
--to ... --format F -o FILE` runs once per format, each in a process of its own, as the system
account (internal: every incident counted, the verified ones listed): the figures, charts and map
from aggregate queries, the incidents read in batches and written as they come (HTML piece by
piece, PDF in parts of 1,000 incidents joined by pypdf, DOCX in one python-docx document). Wall
time and peak RSS (``wait4``) of the whole command, Django start-up included. Figures only; the
tests check the report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.sections import write_section  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
CLI = "import sys; from svidok.cli import main; sys.exit(main(['svidok', *sys.argv[1:]]))"

SETUP = r'''
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
import django
django.setup()
from django.core.management import call_command
call_command("keys", "init", "--if-missing", verbosity=0)
call_command("migrate", verbosity=0)
call_command("load_vocabularies", verbosity=0)
from bench import generate
result = generate.load_read_fixture(int(sys.argv[1]), log=lambda *a: None)
# The fixture writes identities in the clear (it is made for reads that never open them); a report
# opens them as any reader's page does, so they are sealed here as PersonIdentity.save would.
from django.db import connection, transaction
from svidok.common import crypto
from svidok.people.models import PersonIdentity
columns = [f.column for f in PersonIdentity.sealed_fields()]
with transaction.atomic(), connection.cursor() as cursor:
    cursor.execute(f"SELECT person_id, {', '.join(columns)} FROM people_personidentity")
    rows = cursor.fetchall()
    sealed = [[crypto.seal(value, f"people_personidentity.{column}.{row[0]}") for column, value in zip(columns, row[1:])]
              + [row[0]] for row in rows]
    cursor.executemany(f"UPDATE people_personidentity SET {', '.join(c + ' = %s' for c in columns)} WHERE person_id = %s",
                       sealed)
from svidok.incidents.models import Incident
result["verified"] = Incident.objects.filter(status="verified").count()
result["counted"] = Incident.objects.filter(status__in=["submitted", "verified"]).count()
print(json.dumps(result))
'''


def timed(command: list[str], env: dict) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MiB) and standard error of a child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = process.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr}")
    return elapsed, usage.ru_maxrss // 1024, stderr


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--formats", nargs="+", default=["html", "pdf", "docx"], choices=["html", "pdf", "docx"])
    parser.add_argument("--results", help="write the figures into this RESULTS.md (section periodic-report)")
    parser.add_argument("--reuse", help="a folder of an earlier run (its var/ and fixture.json): skip the load")
    args = parser.parse_args(argv)

    import json

    folder = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="svidok-bench-report-"))
    env = {**os.environ, "SVIDOK_VAR_DIR": str(folder / "var"), "PYTHONPATH": str(ROOT), "SVIDOK_PLAIN_STATIC": "1"}
    env.pop("DATABASE_URL", None)
    load = os.getloadavg()
    if args.reuse:
        fixture = json.loads((folder / "fixture.json").read_text())
    else:
        print(f"loading {args.incidents:,} incidents into {folder} ...", flush=True)
        start = time.perf_counter()
        setup = subprocess.run([PYTHON, "-c", SETUP, str(args.incidents)], env=env, cwd=ROOT, check=True,
                               capture_output=True, text=True)
        fixture = json.loads(setup.stdout.strip().splitlines()[-1])
        (folder / "fixture.json").write_text(json.dumps(fixture))
        print(f"  loaded in {time.perf_counter() - start:.0f} s: {fixture['counted']:,} counted, "
              f"{fixture['verified']:,} verified; places: {fixture['places']}", flush=True)
    args.incidents = fixture["incidents"]

    rows = []
    for fmt in args.formats:
        out = folder / f"report.{fmt}"
        command = [PYTHON, "-c", CLI, "report", "--from", "2000-01-01", "--to", "2030-12-31", "--format", fmt,
                   "-o", str(out), "--language", "uk"]
        seconds, rss, stderr = timed(command, env)
        size = out.stat().st_size
        pages = ""
        if fmt == "pdf":
            from pypdf import PdfReader

            pages = f"{len(PdfReader(out).pages):,}"
        rows.append((fmt, seconds, rss, size, pages))
        print(f"  {fmt}: {seconds:.1f} s, peak RSS {rss} MiB, {size / 2**20:.1f} MiB{', ' + pages + ' pages' if pages else ''}",
              flush=True)
        out.unlink()

    load_end = os.getloadavg()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    lines = [
        "## Periodic report: `svidok report` over 100,000 incidents" if args.incidents == 100_000 else
        f"## Periodic report: `svidok report` over {args.incidents:,} incidents",
        "",
        f"`.venv/bin/python bench/periodic_report.py --incidents {args.incidents} --results bench/RESULTS.md` — "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {commit}, CPython {platform.python_version()}, "
        f"{os.cpu_count()} cores, SQLite, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start, "
        f"{load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f} at end (the machine is shared).",
        "",
        f"The read benchmark's fixture ({args.incidents:,} synthetic incidents with victims and perpetrators, no sources; "
        f"places: {fixture['places']}): {fixture['counted']:,} reported or verified are counted, {fixture['verified']:,} "
        "verified are listed one by one. Internal report in Ukrainian, as the system account, over every day of the "
        "fixture; one process per format, Django start-up included:",
        "",
        "| format | seconds | peak RSS MiB | file MiB | pages |",
        "|---|---:|---:|---:|---:|",
    ]
    for fmt, seconds, rss, size, pages in rows:
        lines.append(f"| {fmt} | {seconds:.1f} | {rss} | {size / 2**20:.1f} | {pages or '–'} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.results:
        write_section(Path(args.results), "periodic-report", text)


if __name__ == "__main__":
    main()
