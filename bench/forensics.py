#!/usr/bin/env python
"""Forensics benchmark on the shipped 2018 file: parsing + summary, and the integer-percentage test.

    .venv/bin/python bench/forensics.py                  # 1,000 replicates, prints a Markdown section
    .venv/bin/python bench/forensics.py --replicates 200
    .venv/bin/python bench/forensics.py --db sqlite,postgresql --results bench/RESULTS.md

With ``--db``, the import into the database (``services.import_results``: read, check, insert every
precinct, audit) and the summary after it are timed on each database in a child process on a fresh
database (SQLite in a temporary var dir, PostgreSQL in a throwaway cluster from
``scripts/with-postgres.sh``), three imports in a row. ``--results`` writes the section into
bench/RESULTS.md between the ``<!-- forensics -->`` markers, leaving the rest of the file alone.

The integer test (``svidok.forensics.stats.integer_test``) runs side by side with a straightforward
vectorised NumPy version of the same test written here (:func:`reference_integer_test`: per
replicate, ``rng.binomial`` for every precinct's turnout and leader counts, then the integer check
and the plain and weighted counts), same replicate count and seed. Both must report identical
observed counts; their null means and SDs must agree within Monte Carlo error (they use different
random streams, so they are not equal digit for digit). Figures only, no assertions: the tests
check correctness. ``run()`` returns the figures, ``markdown()`` renders them for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import scipy
import scipy.stats  # noqa: F401  (the integer test imports it on first use: 0.6 s once per process, not timed, as before)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The parser reads the import limits from the settings (svidok.common.untrusted).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
import django  # noqa: E402

django.setup()

from bench.sections import write_section  # noqa: E402
from svidok.forensics import stats  # noqa: E402
from svidok.forensics.parsing import read_results  # noqa: E402

DATA_FILE = ROOT / "data" / "elections" / "2018.csv.zip"
KINDS = ("either", "result", "turnout")


def reference_integer_test(p, *, replicates: int = 1000, seed: int = 0) -> dict:
    """The integer test as one would first write it with NumPy: draw the binomial counts of every
    precinct for each replicate and test them. Same inclusion rule, same 0.05-point tolerance, same
    weights, same p-value and z definitions as ``stats.integer_test``; independent code."""
    reg, issued, cast, leader = p.registered, p.issued, p.cast, p.leader_votes
    keep = (cast > 0) & (reg >= 100) & (issued / np.maximum(reg, 1) <= 0.99) & (leader / np.maximum(cast, 1) <= 0.99)
    reg, issued, cast, leader = reg[keep], issued[keep], cast[keep], leader[keep]
    weights = np.column_stack([np.ones(reg.size), reg, cast, leader]).astype(float)

    def integer(k, n):
        x = 100.0 * k / n
        return np.abs(x - np.round(x)) <= 0.05

    def counts(it, ir):
        return {"turnout": it @ weights, "result": ir @ weights, "either": (it | ir) @ weights}

    observed = counts(integer(issued, reg), integer(leader, cast))
    rng = np.random.default_rng(seed)
    sims = {kind: np.empty((replicates, 4)) for kind in KINDS}
    q_turnout, q_result = issued / reg, leader / cast
    for r in range(replicates):
        it = integer(rng.binomial(reg, q_turnout), reg)
        ir = integer(rng.binomial(cast, q_result), cast)
        for kind, value in counts(it, ir).items():
            sims[kind][r] = value

    def block(column):
        out = {key: {} for key in ("observed", "expected", "sd", "excess", "z", "p")}
        for kind in KINDS:
            sim = sims[kind][:, column]
            obs = float(observed[kind][column])
            expected, sd = float(sim.mean()), float(sim.std(ddof=1))
            out["observed"][kind] = int(round(obs))
            out["expected"][kind] = expected
            out["sd"][kind] = sd
            out["excess"][kind] = obs - expected
            out["z"][kind] = (obs - expected) / sd
            out["p"][kind] = (1 + int(np.count_nonzero(sim >= obs))) / (replicates + 1)
        return out

    result = {"precincts": int(keep.sum()), "replicates": replicates, "seed": seed, **block(0)}
    result["weighted"] = {name: block(i + 1) for i, name in enumerate(("registered", "ballots", "leader_votes"))}
    return result


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


def _machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "kernel": platform.release()}


def _loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def run(replicates: int = 1000, seed: int = 0, command: str | None = None) -> dict:
    """Measure everything once; returns plain figures (seconds, counts, statistics)."""
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = _loadavg()
    parsed, t_read = _timed(read_results, DATA_FILE)
    p, t_arrays = _timed(parsed.to_precincts)
    summary, t_summary = _timed(stats.summary, p)

    ours, t_ours = _timed(stats.integer_test, p, replicates=replicates, seed=seed)
    mask = stats.integer_test_sample(p)
    # The set-up step alone, best of three (the machine is shared; one run can be slowed by others).
    t_prob = min(
        _timed(lambda: (stats.integer_probability(p.registered[mask], p.issued[mask] / p.registered[mask]),
                        stats.integer_probability(p.cast[mask], p.leader_votes[mask] / p.cast[mask])))[1]
        for _ in range(3)
    )
    reference, t_reference = _timed(reference_integer_test, p, replicates=replicates, seed=seed)

    # Difference of the two null means in standard errors of that difference (~N(0,1) if they agree).
    agreement = {}
    for kind in KINDS:
        se = math.sqrt((ours["sd"][kind] ** 2 + reference["sd"][kind] ** 2) / replicates)
        agreement[kind] = (ours["expected"][kind] - reference["expected"][kind]) / se if se else None
    return {
        "started": started,
        "command": command or "python bench/forensics.py",
        "machine": _machine(),
        "load_before": load_before,
        "load_after": _loadavg(),
        "file": {"name": DATA_FILE.name, "precincts": len(p), "sha256": parsed.sha256},
        "parse": {"read_seconds": t_read, "arrays_seconds": t_arrays, "summary_seconds": t_summary,
                  "turnout": summary["turnout"], "leader_share": summary["leader_share"]},
        "integer_test": {
            "replicates": replicates,
            "seed": seed,
            "precincts": ours["precincts"],
            "ours": {"seconds": t_ours, "probability_seconds": t_prob, **_core(ours)},
            "reference": {"seconds": t_reference, **_core(reference)},
            "speedup": t_reference / t_ours,
            "observed_identical": ours["observed"] == reference["observed"]
            and all(ours["weighted"][w]["observed"] == reference["weighted"][w]["observed"] for w in ours["weighted"]),
            "mean_difference_in_se": agreement,
        },
    }


def _core(result: dict) -> dict:
    return {key: dict(result[key]) for key in ("observed", "expected", "sd", "excess", "z", "p")}


def markdown(results: dict) -> str:
    """A section for bench/RESULTS.md: dated, with the command, every figure from ``results``."""
    m = results["machine"]
    parse = results["parse"]
    it = results["integer_test"]
    ours, ref = it["ours"], it["reference"]

    def triple(d, fmt):
        return " / ".join(fmt.format(d[k]) for k in KINDS)

    out = [
        f"## Forensics: {results['file']['name']} ({results['file']['precincts']:,} precincts)",
        "",
        f"- date: {results['started']}",
        f"- command: `{results['command']}`",
        f"- machine: {m['nproc']} CPUs ({m['cpu']}), Linux {m['kernel']}, Python {m['python']}, NumPy {m['numpy']}, "
        f"SciPy {m['scipy']}",
        f"- load average (1, 5, 15 min) at start: {results['load_before']}; at end: {results['load_after']}",
        "",
        "Parsing and summary, in memory (`read_results` → `to_precincts` → `stats.summary`; the database import is "
        "measured separately):",
        "",
        "| step | seconds |",
        "|---|---:|",
        f"| read and check the file (`read_results`) | {parse['read_seconds']:.2f} |",
        f"| arrays (`to_precincts`) | {parse['arrays_seconds']:.2f} |",
        f"| summary (turnout {parse['turnout']:.2f}%, leader {parse['leader_share']:.2f}%) | {parse['summary_seconds']:.3f} |",
        f"| total | {parse['read_seconds'] + parse['arrays_seconds'] + parse['summary_seconds']:.2f} |",
        "",
        f"Integer-percentage test, {it['replicates']:,} replicates, seed {it['seed']}, {it['precincts']:,} precincts "
        "after the inclusion filter; figures are either / result / turnout:",
        "",
        "| implementation | seconds | observed | expected | sd | excess | z |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| `stats.integer_test` (exact per-precinct probabilities, uniforms) | {ours['seconds']:.2f} | "
        f"{triple(ours['observed'], '{:,}')} | {triple(ours['expected'], '{:,.1f}')} | {triple(ours['sd'], '{:.1f}')} | "
        f"{triple(ours['excess'], '{:,.1f}')} | {triple(ours['z'], '{:.2f}')} |",
        f"| reference: `rng.binomial` for all precincts per replicate | {ref['seconds']:.2f} | "
        f"{triple(ref['observed'], '{:,}')} | {triple(ref['expected'], '{:,.1f}')} | {triple(ref['sd'], '{:.1f}')} | "
        f"{triple(ref['excess'], '{:,.1f}')} | {triple(ref['z'], '{:.2f}')} |",
        "",
        f"Speed-up {it['speedup']:.1f}x (the exact per-precinct probabilities alone, timed separately, best of 3: "
        f"{ours['probability_seconds']:.2f} s); observed counts, plain and weighted, identical: {'yes' if it['observed_identical'] else 'NO'}; "
        "difference of the null means in standard errors: "
        + " / ".join(f"{it['mean_difference_in_se'][k]:+.2f}" for k in KINDS)
        + " (published excess, Kobak et al.: 1,708.8 / 859.0 / 1,296.2).",
        "",
    ]
    return "\n".join(out)


IMPORT_RUNS = 3


def child_import(out: Path) -> None:
    """In a child process on a fresh database: time the 2018 import three times, then the summary."""
    import json

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from svidok.accounts.services import system_account
    from svidok.forensics import services
    from svidok.forensics.data import clear_cache, load_precincts
    from svidok.incidents.models import Election

    call_command("migrate", verbosity=0)
    runs = []
    actor = system_account()  # as `svidok forensics import` without --as
    for i in range(IMPORT_RUNS):
        election = Election.objects.create(name=f"bench {i}", date=dt.date(2018, 3, 18))
        start = time.perf_counter()
        outcome = services.import_results(actor=actor, election=election, source=DATA_FILE)
        t_import = time.perf_counter() - start
        p = load_precincts(outcome.result_set)  # the arrays the import primed
        summary = stats.summary(p)
        t_total = time.perf_counter() - start
        clear_cache()
        p2, t_load = _timed(load_precincts, outcome.result_set)
        runs.append({"import_seconds": t_import, "import_and_summary_seconds": t_total, "load_seconds": t_load,
                     "precincts": outcome.result_set.precinct_count, "turnout": summary["turnout"],
                     "same_after_reload": bool(stats.summary(p2) == summary)})
    database = connection.vendor
    version = connection.cursor().connection.execute("select version()").fetchone()[0] if database == "postgresql" \
        else f"SQLite {connection.Database.sqlite_version}"
    out.write_text(json.dumps({"database": version, "runs": runs}))


def run_imports(databases: list[str]) -> dict:
    from bench.children import run_on_databases

    return run_on_databases("forensics.py", databases, lambda out: ["--child-import", str(out)])


def markdown_imports(results: dict) -> str:
    out = [
        f"Import of the same file into the database (`services.import_results`: read, check, insert {IMPORT_RUNS} x, "
        "audit entry) and the summary right after it (goal: import and summary <= 3 s); then a load of the arrays from "
        "the database alone (what an analysis in another process pays once):",
        "",
        "| database | import, s (each run) | import + summary, s (each run) | load from the database, s | same summary after reload |",
        "|---|---|---|---|---|",
    ]
    for r in results.values():
        runs = r["runs"]
        out.append(
            f"| {r['database'].split(' on ')[0]} | " + " / ".join(f"{x['import_seconds']:.2f}" for x in runs)
            + " | " + " / ".join(f"{x['import_and_summary_seconds']:.2f}" for x in runs)
            + " | " + " / ".join(f"{x['load_seconds']:.2f}" for x in runs)
            + " | " + ("yes" if all(x["same_after_reload"] for x in runs) else "NO") + " |"
        )
    out.append("")
    return "\n".join(out)



def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--db", default="", help="comma-separated: sqlite, postgresql (times the database import)")
    parser.add_argument("--results", help="write the section into this file (e.g. bench/RESULTS.md)")
    parser.add_argument("--child-import", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_import:
        child_import(Path(args.child_import))
        return
    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", "bench/forensics.py", *(argv or sys.argv[1:])])
    text = markdown(run(args.replicates, args.seed, command=command))
    if args.db:
        text += "\n" + markdown_imports(run_imports([d for d in args.db.split(",") if d]))
    print(text)
    if args.results:
        write_section(Path(args.results), "forensics", text)


if __name__ == "__main__":
    main()
