#!/usr/bin/env python
"""Forensics on every shipped vote (issue 11): import and summary, and the integer test, per file.

    .venv/bin/python bench/forensics_votes.py                                   # every file, SQLite
    .venv/bin/python bench/forensics_votes.py --db sqlite,postgresql --results bench/RESULTS.md
    .venv/bin/python bench/forensics_votes.py --files 2016,2020 --replicates 200

For each file of ``data/elections/`` (2004, 2008, 2011, 2016, 2018, 2020), side by side in one run:

- **import and summary** on each database, in a child process on a fresh database (as
  ``bench/forensics.py``): ``services.import_results`` (read, check, insert every precinct, audit)
  and ``stats.summary`` on the arrays it primed; goal ≤ 3 s. Beside it, the reference: pandas
  reading the same zipped CSV (``pandas.read_csv``, no checks, nothing stored), the floor of what
  any reader of that file pays.
- **the command as a user runs it**: ``svidok forensics import FILE --election ... --create-election``
  in its own process (Django start-up included), wall clock, on SQLite.
- **the integer test** with 1,000 replicates (``stats.integer_test``) against the straightforward
  NumPy version in ``bench/forensics.py`` (``reference_integer_test``); goal ≤ 8 s.

Figures only; the tests check correctness. ``--results`` writes the ``forensics-votes`` section of
bench/RESULTS.md between its markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")

from bench.children import run_on_databases  # noqa: E402
from bench.forensics import _loadavg, _machine, _timed, reference_integer_test  # noqa: E402 (sets up Django)
from bench.sections import write_section  # noqa: E402

FILES = {
    "2004": ("2004-03-14", "presidential"),
    "2008": ("2008-03-02", "presidential"),
    "2011": ("2011-12-04", "parliamentary"),
    "2016": ("2016-09-18", "parliamentary"),
    "2018": ("2018-03-18", "presidential"),
    "2020": ("2020-07-01", "referendum"),
}
IMPORT_GOAL = 3.0
INTEGER_GOAL = 8.0


def data_file(year: str) -> Path:
    return ROOT / "data" / "elections" / f"{year}.csv.zip"


def child_import(out: Path, years: list[str]) -> None:
    """In a fresh database: import each file once, then the summary; the reference read beside it."""
    import pandas as pd
    from django.core.management import call_command
    from django.db import connection

    from svidok.accounts.services import system_account
    from svidok.forensics import services, stats
    from svidok.forensics.data import load_precincts
    from svidok.incidents.models import Election

    call_command("migrate", verbosity=0)
    actor = system_account()
    runs = {}
    for year in years:
        day, _kind = FILES[year]
        election = Election.objects.create(name=f"bench {year}", date=dt.date.fromisoformat(day))
        start = time.perf_counter()
        outcome = services.import_results(actor=actor, election=election, source=data_file(year))
        t_import = time.perf_counter() - start
        summary = stats.summary(load_precincts(outcome.result_set))
        t_total = time.perf_counter() - start
        frame, t_pandas = _timed(pd.read_csv, data_file(year))
        runs[year] = {"import_seconds": t_import, "import_and_summary_seconds": t_total,
                      "pandas_seconds": t_pandas, "pandas_rows": len(frame),
                      "precincts": outcome.result_set.precinct_count, "registered": summary["registered"],
                      "turnout": summary["turnout"], "leader_share": summary["leader_share"],
                      "leader": outcome.result_set.leader}
    database = connection.vendor
    version = connection.cursor().connection.execute("select version()").fetchone()[0] if database == "postgresql" \
        else f"SQLite {connection.Database.sqlite_version}"
    out.write_text(json.dumps({"database": version, "runs": runs}))


def run_imports(databases: list[str], years: list[str]) -> dict:
    return run_on_databases("forensics_votes.py", databases,
                            lambda out: ["--child-import", str(out), "--files", ",".join(years)])


def run_commands(years: list[str]) -> dict:
    """``svidok forensics import`` as a user runs it, each file in its own process, on one fresh SQLite."""
    times = {}
    with tempfile.TemporaryDirectory(prefix="svidok-bench-votes-cmd-") as tmp:
        env = dict(os.environ, SVIDOK_VAR_DIR=tmp, SVIDOK_PLAIN_STATIC="1")
        env.pop("DATABASE_URL", None)
        svidok = [str(Path(sys.executable).parent / "svidok")]
        subprocess.run([*svidok, "keys", "init", "--if-missing"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*svidok, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        for year in years:
            day, kind = FILES[year]
            cmd = [*svidok, "forensics", "import", str(data_file(year)), "--election", f"Vote {year}",
                   "--create-election", "--date", day, "--kind", kind, "--no-progress"]
            start = time.perf_counter()
            subprocess.run(cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            times[year] = time.perf_counter() - start
    return times


def _edges(p) -> int:
    """Precincts of the test's sample whose turnout or leader's share lies exactly 0.05 points from a
    whole percentage (``20 * |100k - jn| == n``): the integer test counts them (decided in integers),
    a floating-point check such as the reference's may or may not."""
    import numpy as np

    from svidok.forensics import stats

    mask = stats.integer_test_sample(p)
    edge = np.zeros(int(mask.sum()), dtype=bool)
    for k, n in ((p.issued, p.registered), (p.leader_votes, p.cast)):
        k, n = k[mask].astype(np.int64), n[mask].astype(np.int64)
        j = (200 * k + n) // (2 * n)  # the nearest whole percentage, in integers
        edge |= 20 * np.abs(100 * k - j * n) == n
    return int(edge.sum())


def run_integer(years: list[str], replicates: int, seed: int) -> dict:
    from svidok.forensics import stats
    from svidok.forensics.parsing import read_results

    out = {}
    for year in years:
        p = read_results(data_file(year)).to_precincts()
        ours, t_ours = _timed(stats.integer_test, p, replicates=replicates, seed=seed)
        ref, t_ref = _timed(reference_integer_test, p, replicates=replicates, seed=seed)
        out[year] = {"precincts": ours["precincts"], "seconds": t_ours, "reference_seconds": t_ref,
                     "observed": ours["observed"], "excess": ours["excess"], "z": ours["z"],
                     "observed_identical": ours["observed"] == ref["observed"], "exactly_005": _edges(p)}
    return out


def markdown(meta: dict, imports: dict, commands: dict, integer: dict, replicates: int) -> str:
    m = meta["machine"]
    years = list(integer or commands or next(iter(imports.values()))["runs"])
    out = [
        "## Forensics: every shipped vote (2004–2020), import and summary, integer test",
        "",
        f"- date: {meta['started']}",
        f"- command: `{meta['command']}`",
        f"- machine: {m['nproc']} CPUs ({m['cpu']}), Linux {m['kernel']}, Python {m['python']}, NumPy {m['numpy']}",
        f"- load average (1, 5, 15 min) at start: {meta['load_before']}; at end: {meta['load_after']}",
        "",
    ]
    if imports:
        dbs = list(imports)
        first = imports[dbs[0]]["runs"]
        out += [
            f"Import into a fresh database (`services.import_results`: read, check, insert, audit entry) and the "
            f"summary after it, one run per file (goal ≤ {IMPORT_GOAL:g} s); the reference beside it is "
            "`pandas.read_csv` of the same zipped file (reading only: no checks, nothing stored); "
            "`svidok forensics import` is the whole command as a user runs it (its own process, Django start-up "
            "included, SQLite):",
            "",
            "| file | precincts | registered | turnout | leader's share | "
            + " | ".join(f"import + summary, {imports[d]['database'].split(' on ')[0].split(' (')[0]}" for d in dbs)
            + " | `pandas.read_csv` | `svidok forensics import` |",
            "|---|---:|---:|---:|---:|" + "---:|" * len(dbs) + "---:|---:|",
        ]
        for year in first:
            r = first[year]
            cells = [f"{imports[d]['runs'][year]['import_and_summary_seconds']:.2f} s" for d in dbs]
            cmd = f"{commands[year]:.2f} s" if year in commands else "—"
            out.append(f"| {year} | {r['precincts']:,} | {r['registered']:,} | {r['turnout']:.2f}% | "
                       f"{r['leader_share']:.2f}% | " + " | ".join(cells) + f" | {r['pandas_seconds']:.2f} s | {cmd} |")
        worst = max(imports[d]["runs"][y]["import_and_summary_seconds"] for d in dbs for y in first)
        out += ["", f"Slowest import + summary: {worst:.2f} s — goal ≤ {IMPORT_GOAL:g} s "
                    f"**{'met' if worst <= IMPORT_GOAL else 'not met'}**.", ""]
    if integer:
        out += [
            f"Integer-percentage test, {replicates:,} replicates, seed 0 (goal ≤ {INTEGER_GOAL:g} s), against the "
            "reference NumPy version of `bench/forensics.py` (per replicate `rng.binomial` for every precinct); "
            "observed counts either / result / turnout:",
            "",
            "| file | precincts tested | `stats.integer_test` | reference | observed | excess | z | observed identical |",
            "|---|---:|---:|---:|---|---|---|---|",
        ]
        for year in years:
            r = integer[year]
            out.append(
                f"| {year} | {r['precincts']:,} | {r['seconds']:.2f} s | {r['reference_seconds']:.2f} s | "
                + " / ".join(f"{r['observed'][k]:,}" for k in ("either", "result", "turnout")) + " | "
                + " / ".join(f"{r['excess'][k]:,.1f}" for k in ("either", "result", "turnout")) + " | "
                + " / ".join(f"{r['z'][k]:.2f}" for k in ("either", "result", "turnout")) + " | "
                + ("yes" if r["observed_identical"] else f"no ({r['exactly_005']} at exactly 0.05)") + " |")
        if not all(r["observed_identical"] for r in integer.values()):
            out += ["", "Where the observed counts differ, precincts sit exactly 0.05 points from a whole percentage "
                        "(e.g. 541 of 2,000 = 27.05%): `stats.integer_test` decides them in integers and counts them, "
                        "the reference's floating-point check `abs(x - round(x)) <= 0.05` may not (27.05 is computed "
                        "as 27.050000000000000711, more than 0.05 from 27)."]
        worst = max(r["seconds"] for r in integer.values())
        out += ["", f"Slowest integer test: {worst:.2f} s — goal ≤ {INTEGER_GOAL:g} s "
                    f"**{'met' if worst <= INTEGER_GOAL else 'not met'}**.", ""]
    return "\n".join(out)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", default=",".join(FILES), help="comma-separated years (default: all six)")
    parser.add_argument("--db", default="sqlite", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--no-integer", action="store_true", help="skip the integer test")
    parser.add_argument("--no-command", action="store_true", help="skip timing the command in its own process")
    parser.add_argument("--results", help="write the section into this file (e.g. bench/RESULTS.md)")
    parser.add_argument("--child-import", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    years = [y for y in args.files.split(",") if y]
    unknown = [y for y in years if y not in FILES]
    if unknown:
        raise SystemExit(f"no shipped file for {', '.join(unknown)}; known: {', '.join(FILES)}")
    if args.child_import:
        child_import(Path(args.child_import), years)
        return
    meta = {"started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": _machine(),
            "load_before": _loadavg(),
            "command": " ".join(shlex.quote(a) for a in [".venv/bin/python", "bench/forensics_votes.py",
                                                          *(argv or sys.argv[1:])])}
    imports = run_imports([d for d in args.db.split(",") if d], years) if args.db else {}
    commands = {} if args.no_command else run_commands(years)
    integer = {} if args.no_integer else run_integer(years, args.replicates, 0)
    meta["load_after"] = _loadavg()
    text = markdown(meta, imports, commands, integer, args.replicates)
    print(text)
    if args.results:
        write_section(Path(args.results), "forensics-votes", text)


if __name__ == "__main__":
    main()
