#!/usr/bin/env python
"""The first name match of a new process: `svidok people match`, before and after the index store.

    .venv/bin/python bench/first_match.py --var-dir DIR --base /tmp/l-base [--after DIR] [--results bench/RESULTS.md]

``DIR`` is an installation's var directory with its database (e.g. the one bench/load.py's fixture
makes: 20,000 incidents and the EU 269/2014 annex as ``eu-269``). Each code tree runs, as new
processes one after the other: a match against ``eu-269`` twice (for the tree with the store: the
first builds and stores the index, the second reads it), a match against the registry, and
``--file`` with ``--names`` names against ``eu-269`` (one process, one index). Wall time of the
whole command, start-up included, and the seconds of the index build or read reported inside the
process.
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

NAMES = ["Mikhail Malyshev", "Inna Guzeeva", "Sergey Ivanov", "Олександр Шевченко", "Ayder Asanov", "Natalia Petrova",
         "Виктор Михайлов", "Andrei Tkachenko", "Enver Seitumerov", "Ирина Смирнова"]


def run(code: Path, env: dict, *args) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sys; from svidok.cli import main; sys.exit(main())", "people", "match", *args],
                   env=dict(env, PYTHONPATH=str(code)), cwd=code, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var-dir", required=True)
    parser.add_argument("--base", required=True)
    parser.add_argument("--after", default=str(ROOT))
    parser.add_argument("--names", type=int, default=200)
    parser.add_argument("--results")
    args = parser.parse_args(argv)
    env = dict(os.environ, SVIDOK_VAR_DIR=args.var_dir, SVIDOK_PLAIN_STATIC="1", DJANGO_SETTINGS_MODULE="svidok.settings")
    env.pop("DATABASE_URL", None)
    shutil.rmtree(Path(args.var_dir) / "cache" / "names", ignore_errors=True)
    before_load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        names = Path(tmp) / "names.txt"
        names.write_text("\n".join(NAMES[i % len(NAMES)] for i in range(args.names)) + "\n", encoding="utf-8")
        for label, code in (("before", Path(args.base).resolve()), ("after", Path(args.after).resolve())):
            row = {
                "list, 1st process": run(code, env, "Sergey Ivanov", "--list", "eu-269"),
                "list, 2nd process": run(code, env, "Sergey Ivanov", "--list", "eu-269"),
                "registry": run(code, env, "Sergey Ivanov"),
                "registry, 2nd process": run(code, env, "Sergey Ivanov"),
            }
            if label == "after":
                row[f"--file, {args.names} names, list"] = run(code, env, "--file", str(names), "--list", "eu-269", "--json")
            rows[label] = row
            print(label, {k: round(v, 2) for k, v in row.items()}, file=sys.stderr, flush=True)
    after_load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", "bench/first_match.py", *(argv or sys.argv[1:])])
    lines = [
        "## The first name match of a new process (`bench/first_match.py`)",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- command: `{command}`",
        f"- machine: {os.cpu_count()} CPUs shared with other work, Python {platform.python_version()}, SQLite; load average "
        f"{before_load} → {after_load}",
        "- each cell: wall seconds of one `svidok people match` process, start-up (~2-4 s of imports and Django set-up) "
        "included; the store emptied first",
        "",
        "| call | before | after |",
        "|---|---:|---:|",
    ]
    for key in rows["after"]:
        before = rows["before"].get(key)
        shown = f"{before:.2f}" if before is not None else "— (no --file)"
        lines.append(f"| {key} | {shown} | {rows['after'][key]:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.results:
        from bench.sections import write_section

        write_section(Path(args.results), "first-match", text)


if __name__ == "__main__":
    main()
