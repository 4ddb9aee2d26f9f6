#!/usr/bin/env python
"""Throughput of the public portal from its cache, served by gunicorn on loopback.

    .venv/bin/python bench/public_portal.py                              # prints a Markdown section
    .venv/bin/python bench/public_portal.py --results bench/RESULTS.md   # and writes it there

A fresh SQLite database in a temporary var directory: migrated, vocabularies and gazetteer loaded,
``--incidents`` published incidents written straight into the table (a fixture for reads, as
bench/run.py's: no audit entries), each with a source and a perpetrator. gunicorn serves it as
``svidok serve`` does (2 workers, 4 threads each, no access log), on 127.0.0.1. Each address is asked
for a few times first (each worker fills its own cache), then ``--clients`` threads with keep-alive
connections ask for it ``--requests`` times in all, or until ``--seconds`` have passed. Beside the
portal's pages: a static file served by the same server (WhiteNoise: the ceiling of this stack),
and the home page with a new query string each time (never from the cache: what the cache saves).
The load generator runs on the same 2-CPU machine as the server, so the figures are a lower bound.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import shlex
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WORKERS, THREADS = 2, 4  # as `svidok serve`


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the fixture (child process: Django set up on the temporary database) ------------------------


def make_fixture(count: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from svidok.accounts.services import system_account
    from svidok.incidents.models import Incident, IncidentSource, Involvement, Place, Source, Term
    from svidok.people.models import Person

    call_command("migrate", verbosity=0)
    call_command("load_vocabularies", verbosity=0)
    call_command("load_gazetteer", verbosity=0)
    actor = system_account()
    places = list(Place.objects.exclude(latitude=None).order_by("code")[:300])
    types = list(Term.objects.filter(vocabulary__code="incident_type").order_by("order"))
    perpetrator = Term.objects.get(vocabulary__code="involvement_role", code="perpetrator")
    article = Term.objects.get(vocabulary__code="source_type", code="article")
    now = timezone.now()
    incidents = [
        Incident(reference=f"SV-2018-{i + 1:06d}", title=f"Bench incident {i + 1}: a teacher told to vote or leave",
                 narrative="Written for the benchmark. " * 20, type=types[i % len(types)],
                 date_start=dt.date(2014, 3, 1) + dt.timedelta(days=(i * 7) % 2500), place=places[i % len(places)],
                 status=Incident.Status.VERIFIED, sensitivity=Incident.Sensitivity.PUBLIC, created_by=actor,
                 published_at=now, published_by=actor)
        for i in range(count)
    ]
    Incident.objects.bulk_create(incidents, batch_size=500)
    incidents = list(Incident.objects.order_by("id"))
    persons = Person.objects.bulk_create([Person(display_name=f"Official {i}") for i in range(50)])
    Involvement.objects.bulk_create([Involvement(incident=inc, person=persons[i % 50], role=perpetrator)
                                     for i, inc in enumerate(incidents)], batch_size=500)
    sources = Source.objects.bulk_create([Source(kind=article, title=f"Report {i}", url=f"https://news.example.org/{i}",
                                                 publisher="Bench") for i in range(count)], batch_size=500)
    IncidentSource.objects.bulk_create([IncidentSource(incident=inc, source=src) for inc, src in zip(incidents, sources, strict=True)],
                                       batch_size=500)
    return {"incident": incidents[0].reference, "places": len(places)}


# --- load --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, str]:
    conn.request("GET", path, headers={"Accept-Language": "en"})
    response = conn.getresponse()
    response.read()
    return response.status, response.getheader("X-Portal-Cache") or ""


def wait_until_up(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            get(conn, "/static/svidok/app.css")
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def load(port: int, path, *, requests: int, seconds: float, clients: int) -> dict:
    """``clients`` threads share ``requests`` GETs of ``path`` (a string, or a function of the request
    number) over keep-alive connections; stops early after ``seconds``."""
    lock = threading.Lock()
    counter = iter(range(requests))
    latencies: list[float] = []
    errors, hits = [0], [0]
    deadline = time.monotonic() + seconds

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, my_errors, my_hits = [], 0, 0
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            target = path(n) if callable(path) else path
            started = time.perf_counter()
            try:
                status, cache = get(conn, target)
            except (OSError, http.client.HTTPException):
                my_errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
            if status != 200:
                my_errors += 1
            my_hits += cache == "hit"
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += my_errors
            hits[0] += my_hits

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(q):
        return 1000 * latencies[min(len(latencies) - 1, round(q / 100 * (len(latencies) - 1)))] if latencies else 0.0

    done = len(latencies)
    return {"requests": done, "errors": errors[0], "seconds": elapsed, "rps": done / elapsed if elapsed else 0.0,
            "p50": pct(50), "p95": pct(95), "hits": hits[0]}


def run(args) -> dict:
    with tempfile.TemporaryDirectory(prefix="svidok-bench-portal-") as tmp:
        env = dict(os.environ, SVIDOK_VAR_DIR=tmp, SVIDOK_PLAIN_STATIC="1", DJANGO_SETTINGS_MODULE="svidok.settings")
        env.pop("DATABASE_URL", None)
        bin_dir = Path(sys.executable).parent
        subprocess.run([str(bin_dir / "svidok"), "keys", "init", "--if-missing"], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        started = time.perf_counter()
        out = Path(tmp) / "fixture.json"
        subprocess.run([sys.executable, __file__, "--fixture", str(out), "--incidents", str(args.incidents)], env=env,
                       cwd=ROOT, check=True)
        fixture = json.loads(out.read_text())
        log(f"fixture: {args.incidents} published incidents in {time.perf_counter() - started:.1f} s")
        port = free_port()
        gunicorn = bin_dir / "gunicorn"
        server = subprocess.Popen([str(gunicorn), "svidok.wsgi:application", "--bind", f"127.0.0.1:{port}",
                                   "--workers", str(WORKERS), "--threads", str(THREADS), "--access-logfile", "/dev/null",
                                   "--error-logfile", str(Path(tmp) / "gunicorn.log")], env=env, cwd=ROOT)
        try:
            wait_until_up(port)
            cases = [
                ("home", "/public/"),
                ("incident list", "/public/incidents/"),
                ("incident list, filtered, page 2", "/public/incidents/?type=dismissal&page=2"),
                ("incident page", f"/public/incidents/{fixture['incident']}/"),
                ("statistics", "/public/statistics/"),
                ("chart (SVG)", "/public/statistics/by-month.svg"),
                ("map points (GeoJSON)", "/public/map/points.geojson"),
                ("open data: incidents.json", "/public/data/incidents.json"),
                ("open data: incidents.csv", "/public/data/incidents.csv"),
                ("embedded map", "/public/embed/map/"),
            ]
            references = [
                ("reference: static file (app.css, WhiteNoise)", "/static/svidok/app.css"),
                ("reference: home, not from the cache (a new 'since' date each time, before every incident)",
                 lambda n: f"/public/?since={(dt.date(1990, 1, 1) + dt.timedelta(days=n)).isoformat()}"),
            ]
            rows = []
            for label, path in [*cases, *references]:
                status, first_ms = 200, None
                if isinstance(path, str):
                    # A new connection for each: the kernel spreads them over the worker processes,
                    # and each fills its own cache; warm when several in a row came from a cache.
                    in_a_row, tries = 0, 0
                    while in_a_row < 4 * WORKERS and tries < 200:
                        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                        started = time.perf_counter()
                        status, cache = get(warm, path)
                        warm.close()
                        if first_ms is None:
                            first_ms = 1000 * (time.perf_counter() - started)
                        in_a_row = in_a_row + 1 if cache == "hit" or not path.startswith("/public/") else 0
                        tries += 1
                if status != 200:
                    raise SystemExit(f"{path}: {status}")
                requests = args.requests if isinstance(path, str) and not path.startswith("/public/data/") else args.requests // 4
                result = load(port, path, requests=requests, seconds=args.seconds, clients=args.clients)
                result.update(label=label, path=path if isinstance(path, str) else "/public/?since=DATE", first_ms=first_ms)
                rows.append(result)
                log(f"{label}: {result['rps']:.0f} req/s, p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms, "
                    f"{result['errors']} errors")
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {"rows": rows, "incidents": args.incidents}


def markdown(result: dict, command: str, load_before: str, load_after: str) -> str:
    import django

    lines = [
        "## Public portal: requests per second from the cache (`bench/public_portal.py`)",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- command: `{command}`",
        f"- machine: {os.cpu_count()} CPUs, Linux {platform.release()}, Python {platform.python_version()}, "
        f"Django {django.get_version()}, SQLite; gunicorn {WORKERS} workers × {THREADS} threads on 127.0.0.1, "
        "the load generator (Python threads, keep-alive) on the same machine",
        f"- load average (1, 5, 15 min) at start: {load_before}; at end: {load_after} (the machine is shared)",
        "",
        f"{result['incidents']:,} published incidents. Each address warmed first (every worker's cache filled), then "
        "asked for by the clients; \"from cache\" is the share of answers that said `X-Portal-Cache: hit`. "
        "Target: 200 requests/s.",
        "",
        "| address | requests | errors | req/s | p50 ms | p95 ms | from cache | first (uncached) ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        share = f"{100 * row['hits'] / row['requests']:.0f} %" if row["requests"] and row["path"].startswith("/public/") else "—"
        first = f"{row['first_ms']:.0f}" if row["first_ms"] is not None else "—"
        lines.append(f"| {row['label']} (`{row['path']}`) | {row['requests']:,} | {row['errors']} | {row['rps']:,.0f} | "
                     f"{row['p50']:.1f} | {row['p95']:.1f} | {share} | {first} |")
    lines.append("")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=500, help="published incidents in the fixture (default 500)")
    parser.add_argument("--requests", type=int, default=3000, help="requests per page (a quarter for open data files)")
    parser.add_argument("--seconds", type=float, default=15.0, help="at most this long per address")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections")
    parser.add_argument("--results", help="write the section into this file (e.g. bench/RESULTS.md)")
    parser.add_argument("--fixture", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fixture:
        Path(args.fixture).write_text(json.dumps(make_fixture(args.incidents)))
        return
    from bench.sections import write_section

    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", "bench/public_portal.py", *(argv or sys.argv[1:])])
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    result = run(args)
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
    text = markdown(result, command, load_before, load_after)
    print(text)
    if args.results:
        write_section(Path(args.results), "public-portal", text)


if __name__ == "__main__":
    main()
