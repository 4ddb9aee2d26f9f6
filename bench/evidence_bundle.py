#!/usr/bin/env python
"""Court bundle export of N evidence files against `zip` of the same files, in one run.

    .venv/bin/python bench/evidence_bundle.py                          # 10,000 files, SQLite
    .venv/bin/python bench/evidence_bundle.py --files 10000 --results bench/RESULTS.md

A child process gets a fresh SQLite database in a temporary var dir, migrates it, loads the
vocabularies and records one incident with N evidence items (`evidence.services.add_item` on N
files of 2 to 60 KB: text, JPEG-like and PDF-like bytes; the setup is timed too). Then, alternately,
`runs` times each:

- `svidok bundle --incident ... -o case.zip` (a process of its own: Django start-up, the query of
  the items and of every audit entry about them, one signed head, an inclusion proof per entry,
  every original streamed into the ZIP with its SHA-256, manifest, SHA256SUMS);
- `zip -q -r -0 ref.zip DIR` (stored, as the bundle stores originals) and `zip -q -r ref.zip DIR`
  (deflate, zip's default) over the same N files in a directory.

The best wall time of each is compared; peak RSS from `wait4`. Figures only; the tests check the
bundle.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shlex
import shutil
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
SVIDOK = str(ROOT / ".venv" / "bin" / "svidok")

SETUP = r'''
import os, random, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
import django
django.setup()
from pathlib import Path
from django.core.management import call_command
from svidok.accounts.services import system_account
from svidok.evidence.models import EvidenceItem
from svidok.evidence.services import add_item
from tests import factories

count, folder = int(sys.argv[1]), Path(sys.argv[2])
call_command("load_vocabularies", verbosity=0)
actor = system_account()
incident = factories.incident(actor, title="Bench: many files")
rng = random.Random(5)
folder.mkdir(parents=True)
kinds = [(b"%PDF-1.4\n", ".pdf"), (b"\xff\xd8\xff\xe0", ".jpg"), (b"", ".txt")]
for n in range(count):
    head, suffix = kinds[n % 3]
    data = head + rng.randbytes(rng.randint(2_000, 60_000))
    (folder / f"file-{n:05d}{suffix}").write_bytes(data)
t0 = time.perf_counter()
for path in sorted(folder.iterdir()):
    add_item(actor=actor, file=path, name=path.name, incident=incident, method=EvidenceItem.Method.COMMAND)
print(incident.reference, time.perf_counter() - t0)
'''


def timed(command: list[str], env: dict, cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of a child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{shlex.join(command)} failed: {process.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--results", help="write the evidence-bundle section of this RESULTS.md")
    args = parser.parse_args()
    if not shutil.which("zip"):
        raise SystemExit("zip is not installed (apt-get install zip).")
    with tempfile.TemporaryDirectory(prefix="svidok-bundle-bench-") as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "SVIDOK_VAR_DIR": str(tmp / "var"), "PYTHONPATH": str(ROOT)}
        env.pop("DATABASE_URL", None)
        (tmp / "var" / "static").mkdir(parents=True)
        subprocess.run([SVIDOK, "migrate", "-v0"], env=env, check=True)
        done = subprocess.run([PYTHON, "-c", SETUP, str(args.files), str(tmp / "files")], env=env, cwd=ROOT,
                              check=True, capture_output=True, text=True)
        reference, setup_seconds = done.stdout.split()[-2:]
        total = sum(p.stat().st_size for p in (tmp / "files").iterdir())
        figures = {"bundle": [], "zip -0": [], "zip": []}
        for _ in range(args.runs):
            for name, output, command in (
                ("bundle", "case.zip", [SVIDOK, "bundle", "--incident", reference, "-o", str(tmp / "case.zip")]),
                ("zip -0", "ref0.zip", ["zip", "-q", "-r", "-0", str(tmp / "ref0.zip"), "files"]),
                ("zip", "ref.zip", ["zip", "-q", "-r", str(tmp / "ref.zip"), "files"]),
            ):
                (tmp / output).unlink(missing_ok=True)  # zip would add to an existing archive
                figures[name].append(timed(command, env, tmp))
        sizes = {name: (tmp / output).stat().st_size for name, output in (("bundle", "case.zip"), ("zip -0", "ref0.zip"), ("zip", "ref.zip"))}
        check = subprocess.run([SVIDOK, "verify-bundle", str(tmp / "case.zip")], env=env, capture_output=True, text=True)

    best = {name: min(runs) for name, runs in figures.items()}
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "python bench/evidence_bundle.py " + shlex.join(sys.argv[1:])
    lines = [
        "## Court bundle export against zip, one run",
        "",
        f"{when}, `.venv/bin/{command.strip()}`, {platform.machine()}, {os.cpu_count()} cores, SQLite. "
        f"{args.files:,} evidence files ({total / 1024**2:,.0f} MiB) of one incident; best of {args.runs} alternating runs; "
        f"recording them with `add_item` took {float(setup_seconds):,.0f} s ({float(setup_seconds) / args.files * 1000:.1f} ms per file).",
        "",
        "| | wall | throughput | peak RSS | archive |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, label in (("bundle", "`svidok bundle` (process, stored originals + manifest, proofs, sums)"),
                        ("zip -0", "`zip -r -0` (stored)"), ("zip", "`zip -r` (deflate)")):
        seconds, rss = best[name]
        lines.append(f"| {label} | {seconds:.2f} s | {total / 1024**2 / seconds:,.0f} MiB/s | {rss} MiB | {sizes[name] / 1024**2:,.1f} MiB |")
    lines += ["", f"Bundle / `zip -0`: **{best['bundle'][0] / best['zip -0'][0]:.2f}×** the time; bundle / `zip`: "
              f"**{best['bundle'][0] / best['zip'][0]:.2f}×**. `svidok verify-bundle` on the result: "
              f"{'verifies' if check.returncode == 0 else 'FAILED: ' + check.stdout[-300:]}."]
    text = "\n".join(lines)
    print(text)
    if args.results:
        write_section(Path(args.results), "evidence-bundle", text)


if __name__ == "__main__":
    main()
