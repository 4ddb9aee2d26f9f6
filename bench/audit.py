#!/usr/bin/env python
"""Audit log benchmark: ``svidok audit verify`` over N audit entries against raw ``hashlib``.

    .venv/bin/python bench/audit.py                                  # 1,000,000 entries, SQLite
    .venv/bin/python bench/audit.py --entries 100000 --db sqlite,postgresql --results bench/RESULTS.md

For each database a child process gets a fresh one (SQLite in a temporary var dir, PostgreSQL in a
throwaway cluster from ``scripts/with-postgres.sh``), migrates it, bulk-inserts N audit entries with
realistic payloads (canonical JSON as ``audit.services.build_entry`` writes it: Cyrillic titles and
narratives, 250 to 1,300 bytes), sequences them into leaves and signs a head. Then, alternately,
``runs`` times each:

- ``svidok audit verify`` (the command, a process of its own: Django start-up, every leaf hash
  recomputed from the payload and compared, the order, the tree, every head's root and signature);
- the reference: a Python process that reads the same payload column with the database's plain
  driver (``sqlite3`` / ``psycopg``, batches of 20,000) and computes ``hashlib.sha256`` of every
  payload's UTF-8 bytes, nothing else.

The best wall time of each is compared (goal: verify ≤ 2× the reference); peak RSS of each process
comes from ``wait4``. Also shown: the same hashing over payloads already in memory (no database),
the bulk insert and the sequencing. Figures only; the tests check correctness.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shlex
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

REFERENCE = r'''
import hashlib, os, sys, time
url = os.environ.get("DATABASE_URL")
t0 = time.perf_counter()
if url:
    import psycopg
    conn = psycopg.connect(url)
    cur = conn.cursor(name="payloads")  # server-side, like a careful reader of a big table
    cur.itersize = 20000
else:
    import sqlite3
    conn = sqlite3.connect(sys.argv[1])
    cur = conn.cursor()
cur.execute("SELECT payload FROM audit_auditentry ORDER BY id")
sha, n = hashlib.sha256, 0
while rows := cur.fetchmany(20000):
    for (p,) in rows:
        sha(p.encode()).digest()
    n += len(rows)
print(n, time.perf_counter() - t0)
'''

WORDS = ("вчителька", "звільнена", "за відмову", "голосувати", "на дільниці", "Мелітополь", "директор школи",
         "погрожував", "повідомлення", "Telegram", "бюлетень", "дільнична комісія", "referendum", "threat",
         "dismissal", "Бердянськ", "примусово", "поквартирний обхід", "скриньку", "автоматники")


def _text(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def _rows(count: int, seed: int = 9):
    from svidok.audit.services import canonical_json

    rng = random.Random(seed)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(count):
        now = start + dt.timedelta(seconds=i * 7)
        kind = rng.random()
        if kind < 0.3:
            action, changes = "create", {"title": [None, _text(rng, 4, 12)], "narrative": [None, _text(rng, 10, 70)],
                                         "status": [None, "draft"], "type": [None, "threat_of_dismissal"]}
        elif kind < 0.8:
            action, changes = "update", {"narrative": [_text(rng, 3, 25), _text(rng, 3, 25)]}
        else:
            action, changes = "status", {"status": ["submitted", "verified"]}
        actor = f"documenter{rng.randint(1, 40)}"
        object_id = f"SV-2026-{rng.randint(1, 200000):06d}"
        request_id = f"{rng.getrandbits(128):032x}"
        payload = canonical_json({"time": now.isoformat(), "actor": actor, "action": action,
                                  "object_type": "incidents.incident", "object_id": object_id, "changes": changes,
                                  "request_id": request_id})
        yield (now, actor, action, "incidents.incident", object_id, "", changes, request_id, payload)


def _timed_child(cmd: list[str], env: dict) -> tuple[float, int, str]:
    """Run ``cmd``; wall seconds, peak RSS (MiB) and stdout."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{cmd[:3]} failed: {err[-2000:]}")
    return seconds, usage.ru_maxrss // 1024, out


def populate(count: int) -> dict:
    """In a process whose environment names a fresh database: fill it, sequence it, sign a head."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from svidok.audit import log
    from svidok.audit.models import AuditEntry
    from svidok.common.bulk import insert_rows

    call_command("migrate", verbosity=0)
    AuditEntry.objects.count()
    columns = ["created_at", "actor_label", "action", "object_type", "object_id", "object_repr", "changes",
               "request_id", "payload"]
    t0 = time.perf_counter()
    with transaction.atomic():
        insert_rows(AuditEntry, columns, _rows(count))
    insert_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    size = log.sequence()
    sequence_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    head = log.issue_head()
    head_seconds = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(length(payload)), count(*) FROM audit_auditentry")
        chars, entries = cursor.fetchone()
        cursor.execute("SELECT payload FROM audit_auditentry ORDER BY id")
        payloads = [p.encode() for (p,) in cursor.fetchall()]
    total_bytes = sum(map(len, payloads))
    import hashlib

    sha = hashlib.sha256
    t0 = time.perf_counter()
    for p in payloads:
        sha(p).digest()
    in_memory = time.perf_counter() - t0
    del payloads
    return {"vendor": connection.vendor, "entries": entries, "tree_size": size, "payload_bytes": total_bytes,
            "payload_chars": chars, "insert_seconds": insert_seconds, "sequence_seconds": sequence_seconds,
            "head_seconds": head_seconds, "in_memory_hash_seconds": in_memory, "head": head,
            "db_file": None if connection.vendor == "postgresql" else str(connection.settings_dict["NAME"])}


def child(count: int, runs: int) -> dict:
    """Fill a fresh database in a process of its own, then time both readers from this small one
    (Linux keeps a process's peak RSS across fork and exec: a big parent would inflate its children's)."""
    out = subprocess.run([PYTHON, str(Path(__file__).resolve()), "--populate", "--entries", str(count)],
                         capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    env = dict(os.environ)
    db_file = result["db_file"]
    verify, reference = [], []
    for _ in range(runs):
        seconds, rss, out = _timed_child([SVIDOK, "audit", "verify", "--json"], env)
        report = json.loads(out)
        verify.append({"seconds": seconds, "rss_mib": rss, "ok": report["ok"], "tree_size": report["tree_size"]})
        seconds, rss, out = _timed_child([PYTHON, "-c", REFERENCE, db_file or ""], env)
        reference.append({"seconds": seconds, "rss_mib": rss, "inner_seconds": float(out.split()[1]),
                          "hashed": int(out.split()[0])})
    return {**result, "verify": verify, "reference": reference}


def run(dbs: list[str], count: int, runs: int) -> list[dict]:
    results = []
    for db in dbs:
        with tempfile.TemporaryDirectory(prefix="svidok-bench-audit-") as var:
            env = {**os.environ, "SVIDOK_VAR_DIR": var, "SVIDOK_PLAIN_STATIC": "1"}
            env.pop("DATABASE_URL", None)
            cmd = [PYTHON, str(Path(__file__).resolve()), "--child", "--entries", str(count), "--runs", str(runs)]
            if db == "postgresql":
                cmd = [str(ROOT / "scripts" / "with-postgres.sh"), *cmd]
            elif db != "sqlite":
                raise SystemExit(f"unknown database {db!r}: sqlite or postgresql")
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
            if out.returncode:
                raise SystemExit(out.stderr[-3000:])
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


def markdown(results: list[dict], *, command: str, started: str, load: tuple) -> str:
    out = [
        "## Audit log: `svidok audit verify` against raw hashlib SHA-256",
        "",
        f"- date: {started}",
        f"- command: `{command}`",
        f"- machine: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), Linux {platform.release()}, "
        f"Python {platform.python_version()}",
        f"- load average (1, 5, 15 min) at start: {load[0]}; at end: {load[1]}",
        "",
        "| database | entries | payload MiB | bulk insert s | sequence s | `svidok audit verify` s (best) | peak RSS MiB "
        "| raw hashlib, read from the db s (best) | peak RSS MiB | ratio (goal ≤ 2) | hashlib over bytes in memory s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        v = min(r["verify"], key=lambda x: x["seconds"])
        ref = min(r["reference"], key=lambda x: x["seconds"])
        out.append(
            f"| {r['vendor']} | {r['entries']:,} | {r['payload_bytes'] / 2**20:,.0f} | {r['insert_seconds']:.1f} "
            f"| {r['sequence_seconds']:.1f} | {v['seconds']:.2f} | {v['rss_mib']} | {ref['seconds']:.2f} "
            f"| {ref['rss_mib']} | {v['seconds'] / ref['seconds']:.2f}× | {r['in_memory_hash_seconds']:.2f} |")
    out += ["", "All runs (seconds, wall clock of the process):", ""]
    for r in results:
        verifies = ", ".join(f"{x['seconds']:.2f}" + ("" if x["ok"] else " (NOT ok)") for x in r["verify"])
        refs = ", ".join(f"{x['seconds']:.2f}" for x in r["reference"])
        out.append(f"- {r['vendor']}: verify {verifies}; reference {refs}; signing a head over the whole log "
                   f"{r['head_seconds']:.2f} s")
    out += ["", "Both processes include their start-up (verify: Django and the settings; the reference: the "
            "interpreter and the driver). Verify reads leaf index, entry id, stored leaf hash and payload per "
            "entry, hashes each payload, builds the whole tree (n − 1 more SHA-256) and checks every head.", ""]
    return "\n".join(out)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", default="sqlite", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--results", help="write the section into this file (e.g. bench/RESULTS.md)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--populate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.populate:
        print(json.dumps(populate(args.entries), default=str))
        return
    if args.child:
        print(json.dumps(child(args.entries, args.runs), default=str))
        return
    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", "bench/audit.py", *(argv or sys.argv[1:])])
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    before = os.getloadavg()
    results = run([d for d in args.db.split(",") if d], args.entries, args.runs)
    load = (", ".join(f"{x:.2f}" for x in before), ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    text = markdown(results, command=command, started=started, load=load)
    print(text)
    if args.results:
        write_section(Path(args.results), "audit", text)


if __name__ == "__main__":
    main()
