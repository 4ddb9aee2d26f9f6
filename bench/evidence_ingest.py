"""Evidence ingest against ``sha256sum``: a 1 GiB file of random bytes, in one run, side by side.

    .venv/bin/python bench/evidence_ingest.py [--size-mib 1024] [--runs 3] [--results bench/RESULTS.md]

For each run, on the same file (read once beforehand, so both read it from the page cache):

- ``sha256sum FILE`` (coreutils), wall time;
- ``add_item`` on the file in a child process (Django set up, database migrated beforehand, so
  the timing is the ingest alone: read, hash, write a temporary, fsync, rename into place, sniff,
  record), wall time measured inside the child, and the child's peak RSS (``os.wait4``);
- ``svidok evidence add FILE`` as a user runs it, wall time including start-up, and its peak RSS.

Every ingest stores the file anew (a fresh copy of the migrated database and an empty evidence
directory per run). The best of the runs is reported for each; the goal is an ingest throughput of
at least 0.9x sha256sum's and a peak RSS of at most 100 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
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

SVIDOK = str(Path(sys.executable).with_name("svidok"))
MIB = 1024 * 1024


def make_file(path: Path, size: int) -> None:
    with open(path, "wb") as out:
        left = size
        while left:
            block = os.urandom(min(left, 16 * MIB))
            out.write(block)
            left -= len(block)


def warm(path: Path) -> None:
    with open(path, "rb") as handle:
        while handle.read(16 * MIB):
            pass


def run_child(args: list[str], env: dict) -> tuple[float, int, bytes]:
    """Run a command; its wall time, its own peak RSS in bytes (wait4 reports this child only), its stdout."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.PIPE)
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        stderr = process.stderr.read()
        process.stderr.close()
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise SystemExit(f"{args[0]} failed ({code}): {stderr.decode(errors='replace')}")
        out.seek(0)
        return elapsed, usage.ru_maxrss * 1024, out.read()


def child_ingest(path: str) -> None:
    """In the child: time add_item alone, after Django is set up."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
    django.setup()
    import resource

    from svidok.accounts.services import system_account
    from svidok.evidence.services import add_item

    actor = system_account()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Django and the project, loaded
    started = time.perf_counter()
    item = add_item(actor=actor, file=path, name=Path(path).name, method="command")
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "sha256": item.blob.sha256, "size": item.blob.size, "baseline": baseline}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", help="where to put the file and the scratch vault (default: var/bench-evidence)")
    parser.add_argument("--results", help="write the evidence-ingest section of this RESULTS.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child_ingest(args.child)

    work = Path(args.dir or ROOT / "var" / "bench-evidence")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    size = args.size_mib * MIB
    try:
        data = work / "random.bin"
        print(f"writing {args.size_mib} MiB of random bytes to {data} ...", flush=True)
        make_file(data, size)
        base = work / "base"
        (base / "static").mkdir(parents=True)
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(SVIDOK_VAR_DIR=str(base), SVIDOK_EVIDENCE_STORAGE="local",
                   SVIDOK_EVIDENCE_MAX_BYTES=str(max(size + 1, 4 * 1024**3)))
        subprocess.run([SVIDOK, "migrate", "-v0"], env=env, check=True)
        subprocess.run([SVIDOK, "shell", "-c", "from svidok.accounts.services import system_account; system_account()"],
                       env=env, check=True, capture_output=True)
        warm(data)

        sums, ingests, commands, baselines = [], [], [], []
        expected = None
        for run in range(args.runs):
            elapsed, _rss, out = run_child(["sha256sum", str(data)], env)
            expected = out.split()[0].decode()
            sums.append(elapsed)
            for kind, results in (("add_item", ingests), ("command", commands)):
                var = work / f"var-{run}-{kind}"
                (var / "static").mkdir(parents=True)
                shutil.copy(base / "svidok.sqlite3", var / "svidok.sqlite3")
                shutil.copy(base / "secret_key", var / "secret_key") if (base / "secret_key").exists() else None
                run_env = {**env, "SVIDOK_VAR_DIR": str(var)}
                if kind == "add_item":
                    wall, rss, out = run_child([sys.executable, __file__, "--child", str(data)], run_env)
                    report = json.loads(out.decode().strip().splitlines()[-1])
                    assert report["sha256"] == expected and report["size"] == size, report
                    results.append((report["seconds"], rss))
                    baselines.append(report["baseline"])
                else:
                    wall, rss, out = run_child([SVIDOK, "evidence", "add", str(data), "--json"], run_env)
                    assert json.loads(out.decode().strip().splitlines()[-1])["sha256"] == expected
                    results.append((wall, rss))
                shutil.rmtree(var)  # the stored gigabyte goes before the next run writes one
            print(f"run {run + 1}: sha256sum {sums[-1]:.2f} s, add_item {ingests[-1][0]:.2f} s "
                  f"({ingests[-1][1] / MIB:.0f} MiB RSS), svidok evidence add {commands[-1][0]:.2f} s "
                  f"({commands[-1][1] / MIB:.0f} MiB RSS)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    best_sum = min(sums)
    best_ingest = min(ingests)
    best_command = min(commands)
    mb = size / 1e6

    def row(label, seconds, rss):
        ratio = best_sum / seconds
        return (f"| {label} | {seconds:.2f} | {mb / seconds:,.0f} | {ratio:.2f}x | "
                f"{(f'{rss / 1e6:.0f}') if rss is not None else '—'} |")

    peak = max(r for _s, r in ingests)
    baseline = min(baselines)
    peak_command = max(r for _s, r in commands)
    ratio = best_sum / best_ingest[0]
    text = "\n".join([
        "## Evidence ingest: 1 GiB file against sha256sum",
        "",
        f"{dt.date.today().isoformat()}, `{' '.join(['.venv/bin/python', 'bench/evidence_ingest.py', *sys.argv[1:]])}`, "
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
        f"{args.size_mib} MiB of random bytes, best of {args.runs} runs (the file read once beforehand; "
        f"each ingest stores it anew into the local evidence directory, fsynced).",
        "",
        "| what | seconds | MB/s | throughput vs sha256sum | peak RSS (MB) |",
        "|---|---|---|---|---|",
        row("`sha256sum FILE` (coreutils)", best_sum, None),
        row("`add_item` (read, SHA-256, write, fsync, rename, sniff, record)", best_ingest[0], peak),
        row("`svidok evidence add FILE` (the whole command, start-up included)", best_command[0], peak_command),
        "",
        f"Goal: ingest ≥ 0.9x sha256sum's throughput — **{ratio:.2f}x, {'met' if ratio >= 0.9 else 'not met'}**; "
        f"peak RSS ≤ 100 MB — **{peak / 1e6:.0f} MB, {'met' if peak <= 100e6 else 'not met'}** "
        f"(the whole command: {peak_command / 1e6:.0f} MB). Of the peak, {baseline / 1e6:.0f} MB is there before the "
        f"ingest starts (Python, Django and the project's imports after `django.setup()`; NumPy and the name "
        f"matcher load only when first used); the ingest itself adds {(peak - baseline) / 1e6:.0f} MB, "
        f"the same whatever the file's size (1 MiB chunks).",
        "Why faster than sha256sum: Python's hashlib uses OpenSSL's SHA-256, which uses the CPU's SHA "
        "instructions where present; this coreutils build does not. The copy reads and writes 1 MiB "
        "chunks, hashing as it goes, and the finished temporary is renamed into its content address "
        "(no second copy). Timings on a shared 2-core machine vary between runs by up to 2x.",
    ])
    print(text)
    if args.results:
        write_section(Path(args.results), "evidence-ingest", text)


if __name__ == "__main__":
    main()
