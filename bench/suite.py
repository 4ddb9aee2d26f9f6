#!/usr/bin/env python
"""Wall time of the whole test suite (`scripts/test.sh`, what `make test` runs after installing),
for two commits side by side in one run on this machine.

    .venv/bin/python bench/suite.py                      # BASE=d9a4bbf (before issue 8) vs HEAD
    .venv/bin/python bench/suite.py --base REV --head REV [--results bench/RESULTS.md]

Each commit is cloned into a temporary directory and its own `scripts/test.sh` runs there with this
checkout's virtualenv (first on PATH; PYTHONPATH points at the clone, so the clone's code is the
one imported). The runs are sequential, so they share the machine but not the time. Prints each
stage's wall time, the pytest summary lines, and writes the `suite` section of bench/RESULTS.md.
"""

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sections import write_section  # noqa: E402

STAGE = re.compile(r"^== (.*)$")
SUMMARY = re.compile(r"^=*\s*(\d+ passed.*?)\s*=*$|^(\d+ passed.*)$")


def run_suite(commit: str, workdir: Path) -> dict:
    clone = workdir / commit[:12]
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", commit], check=True)
    # The front-end packages (Leaflet and the rest, served as static files) of this checkout, as the
    # virtualenv: `make test` would install them; the clone has neither.
    if (ROOT / "node_modules").is_dir():
        (clone / "node_modules").symlink_to(ROOT / "node_modules")
    env = dict(os.environ, PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}", PYTHONPATH=str(clone))
    env.pop("DATABASE_URL", None)
    stages, summaries, current, began = {}, [], None, time.perf_counter()
    started = began
    process = subprocess.Popen(["bash", "scripts/test.sh"], cwd=clone, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:
        line = line.rstrip("\n")
        stage = STAGE.match(line)
        if stage:
            now = time.perf_counter()
            if current:
                stages[current] = now - started
            current, started = stage.group(1), now
            print(f"[{commit[:9]}] {line}", flush=True)
        found = SUMMARY.match(line.strip())
        if found:
            summaries.append(found.group(1) or found.group(2))
            print(f"[{commit[:9]}] {line.strip()}", flush=True)
    code = process.wait()
    end = time.perf_counter()
    if current:
        stages[current] = end - started
    return {"commit": commit, "seconds": end - began, "stages": stages, "summaries": summaries, "exit": code}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="d9a4bbf", help="the earlier commit (default: the last one before issue 8)")
    parser.add_argument("--head", default="HEAD")
    parser.add_argument("--results", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    resolve = lambda rev: subprocess.check_output(["git", "-C", str(ROOT), "rev-parse", rev], text=True).strip()  # noqa: E731
    base, head = resolve(args.base), resolve(args.head)
    with tempfile.TemporaryDirectory(prefix="svidok-suite-") as tmp:
        runs = [run_suite(base, Path(tmp)), run_suite(head, Path(tmp))]
    for run in runs:
        print(f"{run['commit'][:9]}: {run['seconds']:.0f} s, exit {run['exit']}, " + "; ".join(run["summaries"]))
    ratio = runs[1]["seconds"] / runs[0]["seconds"]
    print(f"head / base = {ratio:.2f}")
    stages = sorted(set(runs[0]["stages"]) | set(runs[1]["stages"]), key=lambda s: (s not in runs[0]["stages"], s))
    lines = [
        "## Test suite wall time: before and after issue 8, one run",
        "",
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, `.venv/bin/python bench/suite.py --base {base[:9]} --head {head[:9]}`, "
        f"{os.cpu_count()} cores. Each commit's own `scripts/test.sh` (lint, checks, the whole suite on SQLite "
        "then PostgreSQL, browser tests included) in a fresh clone, one after the other.",
        "",
        f"| stage | {base[:9]} (before) | {head[:9]} (after) |",
        "|---|---:|---:|",
    ]
    for stage in stages:
        cells = [f"{run['stages'][stage]:.0f} s" if stage in run["stages"] else "—" for run in runs]
        lines.append(f"| {stage} | {cells[0]} | {cells[1]} |")
    lines.append(f"| **total** | **{runs[0]['seconds']:.0f} s** | **{runs[1]['seconds']:.0f} s** ({ratio:.2f}×) |")
    lines += ["", *(f"- {run['commit'][:9]}: " + "; ".join(run["summaries"]) + f" (exit {run['exit']})" for run in runs)]
    write_section(Path(args.results), "suite", "\n".join(lines))


if __name__ == "__main__":
    main()
