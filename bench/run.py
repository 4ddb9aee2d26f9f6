#!/usr/bin/env python
"""Svidok benchmarks: figures, not tests. Writes ``bench/RESULTS.md`` (full run) and prints everything.

    .venv/bin/python bench/run.py            # full: import 100k, reads at 1M, SQLite and PostgreSQL
    .venv/bin/python bench/run.py --quick    # smoke check at small scale; prints, writes nothing

Each database runs in its own child process on a fresh database: SQLite in a temporary var dir,
PostgreSQL in a throwaway cluster from ``scripts/with-postgres.sh``. The parent gathers their
JSON results and writes one report, so every figure in it comes from the same run.
"""

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small scale smoke run (writes no RESULTS.md)")
    parser.add_argument("--db", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--parts", default="import,read", help="comma-separated: import, read")
    parser.add_argument("--import-n", type=int, help="incidents in the import benchmark (default 100000; quick 2000)")
    parser.add_argument("--read-n", type=int, help="incidents for the read benchmark (default 1000000; quick 10000)")
    parser.add_argument("--reps", type=int, help="timed repetitions per read case (default 60; quick 10)")
    parser.add_argument("--results", help="where to write the report (default bench/RESULTS.md; quick: nowhere)")
    parser.add_argument("--profile", action="store_true", help="profile the import service (cProfile) and print the hot spots")
    parser.add_argument("--keep", metavar="DIR", help="keep each database in DIR and reuse the read fixture found there "
                        "(a million incidents take 8-30 min to load); without it every run starts from empty databases")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: path of the JSON result file
    args = parser.parse_args(argv)
    args.import_n = args.import_n or (2000 if args.quick else 100_000)
    args.read_n = args.read_n or (10_000 if args.quick else 1_000_000)
    args.reps = args.reps or (10 if args.quick else 60)
    if args.keep and args.parts != "read":
        parser.error("--keep reuses the read fixture: use it with --parts read (the import part needs empty tables)")
    if args.results is None and not args.quick:
        args.results = str(ROOT / "bench" / "RESULTS.md")
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- child: one database ---------------------------------------------------------------------------

def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
    os.environ.setdefault("SVIDOK_PLAIN_STATIC", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_vocabularies", verbosity=0)


def database_facts() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return {"vendor": "sqlite", "version": "SQLite " + cursor.fetchone()[0]}
        cursor.execute("show server_version")
        return {"vendor": "postgresql", "version": "PostgreSQL " + cursor.fetchone()[0]}


def child(args) -> None:
    setup_django()
    # Import everything the parts use up front: a broken module fails the run in seconds, not after an hour.
    import svidok.incidents.importing  # noqa: F401
    import svidok.incidents.views  # noqa: F401
    from bench import import_bench, read_bench

    result = {"database": database_facts(), "parts": {}}
    log(f"[{result['database']['version']}]")
    parts = args.parts.split(",")
    if "import" in parts:
        result["parts"]["import"] = import_bench.run(args.import_n, profile=args.profile, log=log)
        result["parts"]["import"]["loadavg"] = loadavg()
    if "read" in parts:
        result["parts"]["read"] = read_bench.run(args.read_n, reps=args.reps, log=log)
        result["parts"]["read"]["loadavg"] = loadavg()
    Path(args.child).write_text(json.dumps(result, default=str, indent=1))


# --- parent ------------------------------------------------------------------------------------------

def machine_facts() -> dict:
    meminfo = Path("/proc/meminfo").read_text().split("\n")
    mem_kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().split("\n")
                if line.startswith("model name")), platform.processor())
    import django

    return {
        "nproc": os.cpu_count(), "ram_gib": round(mem_kb / 2**20, 1), "cpu": cpu,
        "python": platform.python_version(), "django": django.get_version(), "kernel": platform.release(),
    }


def run_children(args, argv) -> dict:
    results = {}
    passthrough = ["--parts", args.parts, "--import-n", str(args.import_n), "--read-n", str(args.read_n), "--reps", str(args.reps)]
    passthrough += ["--profile"] if args.profile else []
    for db in args.db.split(","):
        with tempfile.TemporaryDirectory(prefix=f"svidok-bench-{db}-") as tmp:
            out = Path(tmp) / "result.json"
            var = tmp
            env = dict(os.environ, SVIDOK_PLAIN_STATIC="1", PYTHONUNBUFFERED="1")
            env.pop("DATABASE_URL", None)
            if args.keep:
                var = str(Path(args.keep).resolve() / f"{db}-var")
                Path(var).mkdir(parents=True, exist_ok=True)
                os.chmod(var, 0o777)
                if db == "postgresql":
                    env["SVIDOK_PG_DIR"] = str(Path(args.keep).resolve() / "postgresql")
            env["SVIDOK_VAR_DIR"] = var
            cmd = [sys.executable, str(ROOT / "bench" / "run.py"), *passthrough, "--child", str(out)]
            if db == "postgresql":
                cmd = [str(ROOT / "scripts" / "with-postgres.sh"), *cmd]
                # The cluster belongs to the 'postgres' user when we run as root; the child writes here.
                os.chmod(tmp, 0o777)
            elif db != "sqlite":
                raise SystemExit(f"unknown database {db!r}")
            log(f"== {db}: {shlex.join(cmd)}  (load average {loadavg()})")
            started = time.perf_counter()
            subprocess.run(cmd, env=env, cwd=ROOT, check=True)
            results[db] = json.loads(out.read_text())
            results[db]["wall_seconds"] = round(time.perf_counter() - started)
            # Kept as it comes, so a later failure does not lose this database's figures.
            (Path(tempfile.gettempdir()) / f"svidok-bench-{db}-last.json").write_text(json.dumps(results[db], default=str, indent=1))
    return results


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.child:
        child(args)
        return
    from bench import report

    started = dt.datetime.now(dt.UTC)
    load_before = loadavg()
    results = run_children(args, argv)
    context = {
        "started": started.strftime("%Y-%m-%d %H:%M UTC"),
        "command": shlex.join([".venv/bin/python", "bench/run.py", *argv]),
        "machine": machine_facts(),
        "load_before": load_before,
        "load_after": loadavg(),
        "args": {"import_n": args.import_n, "read_n": args.read_n, "reps": args.reps},
        "results": results,
    }
    text = report.render(context)
    print(text)
    if args.results:
        # The forensics, matching and duplicates sections come from bench/forensics.py,
        # bench/matching.py and bench/duplicates.py: keep them across full runs of this script.
        old = Path(args.results).read_text() if Path(args.results).exists() else ""
        from bench.sections import PARTS, markers

        for part in PARTS:
            start, end = markers(part)
            if start in old and end in old:
                text = text.rstrip() + "\n\n" + old[old.index(start): old.index(end) + len(end)] + "\n"
        Path(args.results).write_text(text)
        log(f"written to {args.results}")
    raw_path = Path(tempfile.gettempdir()) / "svidok-bench-last.json"
    raw_path.write_text(json.dumps(context, default=str, indent=1))
    log(f"raw figures in {raw_path}")


if __name__ == "__main__":
    main()
