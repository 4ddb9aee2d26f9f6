#!/usr/bin/env python
"""25 people at once against `svidok serve` on loopback: 20 readers and 5 writers over ~20,000 incidents.

    .venv/bin/python bench/load.py --base /tmp/l-base                            # SQLite
    scripts/with-postgres.sh .venv/bin/python bench/load.py --base /tmp/l-base   # PostgreSQL (DATABASE_URL)
    ... --results bench/RESULTS.md                                              # and write the section

One database is filled once (``bench.generate.load_read_fixture``: incidents, persons, organizations,
involvements, search keys; the EU 269/2014 annex imported as the reference list ``eu-269``; 20
coordinators and 5 documenters with a confirmed authenticator, each signed in as the tests do: a
session holding the verified device). Then each code tree in turn (``--base DIR`` first: the code
before the change, then this tree) is served by its own ``svidok serve`` (gunicorn and the
background worker, as deployed) against that same database, and the same load runs against it.

The user model: each of the 25 clients is one person with a keep-alive connection who clicks, waits
for the answer, reads it for a think time drawn from an exponential distribution of mean
``--think`` seconds, and clicks again. A reader (coordinator) opens the incident list with filters
(40 %), searches across types (25 %), opens an incident page (25 %) or checks a name in the "already
recorded?" box (10 %, ``POST /people/persons/suggest/`` as the UI's htmx does). A writer (documenter)
records an incident through the API (``POST /api/v1/incidents/``, session and CSRF as the browser's
fetch; 30 %), opens the list (30 %), an incident page (20 %) or the name box (20 %). Then the same with
no think time at all (saturation: 25 requests always in flight), which no group of people produces
but shows the ceiling. The load generator runs on the same 2-CPU machine (Python threads), so the
figures are an upper bound of what the server alone would answer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

READERS, WRITERS = 20, 5
KINDS = ("list", "search", "incident", "match", "write")
READER_MIX = (("list", 40), ("search", 25), ("incident", 25), ("match", 10))
WRITER_MIX = (("write", 30), ("list", 30), ("incident", 20), ("match", 20))
SEARCH_WORDS = ["Шевченко", "Іванов", "teacher", "Asanov", "вчителька", "Сімферополь", "Kovalenko", "dismissal", "Мельник",
                "Seitumerov", "учительница", "director", "Бондаренко", "Petrov", "school"]
MATCH_NAMES = ["Олександр Шевченко", "Sergey Ivanov", "Ayder Asanov", "Ирина Смирнова", "Mykola Kovalenko",
               "Andrei Tkachenko", "Enver Seitumerov", "Natalia Petrova", "Виктор Михайлов", "Lenur Memetov"]
LIST_FILTERS = ["", "type=dismissal", "status=verified", "date_from=2018-01-01&date_to=2018-12-31", "type=detention&status=verified",
                "q=teacher", "sort=-date_start", "page=3", "sensitivity=internal", "type=intimidation&page=2"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- the fixture (child process, this tree's code) -------------------------------------------------


def make_fixture(n: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bench.generate import load_read_fixture
    from svidok.accounts.models import User
    from svidok.accounts.services import system_account
    from svidok.incidents.models import Incident
    from svidok.sanctions import lists

    call_command("migrate", verbosity=0)
    call_command("load_vocabularies", verbosity=0)
    call_command("load_gazetteer", verbosity=0)
    started = time.perf_counter()
    facts = load_read_fixture(n, log=log)
    seal_identities()
    lists.import_list(actor=system_account(), path=ROOT / "data/sanctions/eu-regulation-269-2014-annex-i.csv", name="eu-269",
                      title="EU 269/2014")
    sessions = []
    for role, count in (("coordinator", READERS), ("documenter", WRITERS)):
        for i in range(count):
            user = User(username=f"load-{role}-{i}", role=role)
            user.set_unusable_password()
            user.save()
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
            client = Client()
            client.force_login(user)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
            sessions.append({"role": role, "session": session.session_key})
    from svidok.incidents.queries import visible_incidents

    references = list(Incident.objects.order_by("?").values_list("reference", flat=True)[:500])
    # A documenter opens the incidents a documenter may see (not others' drafts, nor restricted ones).
    writer = User.objects.get(username="load-documenter-0")
    writer_references = list(visible_incidents(writer).order_by("?").values_list("reference", flat=True)[:500])
    return {"sessions": sessions, "references": references, "writer_references": writer_references, "incidents": Incident.objects.count(),
            "fixture_seconds": round(time.perf_counter() - started, 1), "facts": {k: v for k, v in facts.items() if k != "rows"}}


def seal_identities() -> None:
    """The fixture writes identity values as plain text (straight into the table); the pages open
    them sealed (``people.models.SealedField``), so seal them as the model's save would."""
    from django.db import connection, transaction

    from svidok.common import crypto
    from svidok.people.models import PersonIdentity

    fields = list(PersonIdentity.sealed_fields())
    table = PersonIdentity._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT id, person_id, {', '.join(f.column for f in fields)} FROM {table}")
        rows = cursor.fetchall()
        for field in fields:
            updates = []
            for row in rows:
                value = row[2 + fields.index(field)]
                if value not in (None, ""):
                    context = PersonIdentity(id=row[0], person_id=row[1]).seal_context(field.column)
                    updates.append((crypto.seal(str(value), context), row[0]))
            if updates:
                cursor.executemany(f"UPDATE {table} SET {field.column} = %s WHERE id = %s", updates)


def database_version(env: dict) -> str:
    code = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'svidok.settings'); django.setup();"
            "from django.db import connection as c; cur = c.cursor();"
            "cur.execute('select sqlite_version()' if c.vendor == 'sqlite' else 'show server_version');"
            "print(('SQLite ' if c.vendor == 'sqlite' else 'PostgreSQL ') + cur.fetchone()[0])")
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


# --- the server ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(code: Path, env: dict, port: int, logfile: Path) -> subprocess.Popen:
    """``svidok serve`` of the code tree ``code`` (its own gunicorn settings), as deployed."""
    env = dict(env, PYTHONPATH=str(code))
    command = [sys.executable, "-c", "import sys; from svidok.cli import main; sys.exit(main())", "serve", "--port", str(port)]
    with open(logfile, "ab") as out:
        server = subprocess.Popen(command, env=env, cwd=code, stdout=out, stderr=out, process_group=0)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/accounts/login/")
            conn.getresponse().read()
            conn.close()
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"svidok serve ({code}) stopped: see {logfile}") from None
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"svidok serve ({code}) did not answer within 120 s")


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# --- one person --------------------------------------------------------------------------------------


class Person:
    def __init__(self, port: int, session: str, role: str, fixture: dict, rng: random.Random):
        self.port, self.role, self.fixture, self.rng = port, role, fixture, rng
        self.cookies = {"sessionid": session}
        self.conn = None
        self.csrf = None
        self.last_status = None

    def connect(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
        if self.conn is None:
            self.connect()
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        all_headers = {"Accept-Language": "en", "Cookie": cookie, "Host": f"127.0.0.1:{self.port}", **(headers or {})}
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed the idle keep-alive connection while the person was reading (as
                # gunicorn does after its keep-alive timeout): a browser opens a new one and sends again.
                self.connect()
                if attempt == 2:
                    raise
            except (OSError, http.client.HTTPException):
                self.connect()
                raise
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.connect()
        self.last_status = response.status
        return response.status, data

    def ensure_csrf(self):
        if self.csrf is None:
            status, body = self.request("GET", "/incidents/new/" if self.role == "documenter" else "/accounts/")
            found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
            self.csrf = found.group(1).decode() if found else self.cookies.get("csrftoken", "")

    def pick(self) -> str:
        mix = READER_MIX if self.role == "coordinator" else WRITER_MIX
        return self.rng.choices([k for k, _w in mix], weights=[w for _k, w in mix])[0]

    def act(self, kind: str) -> bool:
        """One click of ``kind``; True when it answered as the UI expects."""
        rng = self.rng
        if kind == "list":
            query = rng.choice(LIST_FILTERS)
            status, _body = self.request("GET", "/incidents/" + (f"?{query}" if query else ""))
            return status == 200
        if kind == "search":
            status, _body = self.request("GET", "/search/?" + urllib.parse.urlencode({"q": rng.choice(SEARCH_WORDS)}))
            return status == 200
        if kind == "incident":
            references = self.fixture["references" if self.role == "coordinator" else "writer_references"]
            status, _body = self.request("GET", f"/incidents/{rng.choice(references)}/")
            return status == 200
        if kind == "match":
            self.ensure_csrf()
            body = urllib.parse.urlencode({"prefix": "", "name": rng.choice(MATCH_NAMES), "party_kind": "person"}).encode()
            status, _body = self.request("POST", "/people/persons/suggest/", body, {
                "Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": self.csrf, "HX-Request": "true",
                "Referer": f"http://127.0.0.1:{self.port}/incidents/new/"})
            return status == 200
        if kind == "write":
            self.ensure_csrf()
            day = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(2000))
            payload = {"title": f"Teacher in Dzhankoi told to vote or leave ({rng.randrange(10**6)})", "type": "threat_of_dismissal",
                       "date_start": day.isoformat(), "date_precision": "day", "confidence": "medium", "sensitivity": "internal",
                       "narrative": "The school director told the staff that whoever did not vote would be dismissed.",
                       "tags": ["schools"], "involvements": [{"role": "victim", "person_name": rng.choice(MATCH_NAMES)}]}
            status, _body = self.request("POST", "/api/v1/incidents/", json.dumps(payload).encode(), {
                "Content-Type": "application/json", "X-CSRFToken": self.csrf,
                "Referer": f"http://127.0.0.1:{self.port}/incidents/new/"})
            return status == 201
        raise ValueError(kind)


def run_load(port: int, fixture: dict, *, seconds: float, think: float, seed: int) -> dict:
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    timings: dict[str, list[float]] = {k: [] for k in KINDS}
    errors: dict[str, int] = {k: 0 for k in KINDS}
    samples: list[str] = []

    def one(index: int, session: dict):
        rng = random.Random(seed * 1000 + index)
        person = Person(port, session["session"], session["role"], fixture, rng)
        mine = {k: [] for k in KINDS}
        my_errors = {k: 0 for k in KINDS}
        if think:
            time.sleep(rng.uniform(0, think))  # people do not all click in the same instant
        while time.monotonic() < stop_at:
            kind = person.pick()
            started = time.perf_counter()
            try:
                ok = person.act(kind)
            except (OSError, http.client.HTTPException) as exc:
                ok = False
                with lock:
                    samples.append(f"{kind}: {type(exc).__name__}")
            elapsed = time.perf_counter() - started
            mine[kind].append(elapsed)
            if not ok:
                my_errors[kind] += 1
                with lock:
                    samples.append(f"{kind}: {person.last_status}")
            if think:
                time.sleep(min(rng.expovariate(1 / think), 10 * think))
        if person.conn is not None:
            person.conn.close()
        with lock:
            for k in KINDS:
                timings[k].extend(mine[k])
                errors[k] += my_errors[k]

    threads = [threading.Thread(target=one, args=(i, s)) for i, s in enumerate(fixture["sessions"])]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    rows = {}
    every = []
    for kind in KINDS:
        values = sorted(timings[kind])
        every.extend(values)
        rows[kind] = summary(values, errors[kind])
    rows["all"] = summary(sorted(every), sum(errors.values()))
    return {"rows": rows, "seconds": elapsed, "rps": len(every) / elapsed, "samples": samples[:5]}


def summary(values: list[float], errors: int) -> dict:
    def pct(q):
        return 1000 * values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))] if values else 0.0

    return {"n": len(values), "errors": errors, "p50": pct(50), "p95": pct(95), "max": 1000 * values[-1] if values else 0.0}


def first_match(port: int, fixture: dict) -> float:
    """Milliseconds of the first name check a fresh server answers (every worker's first match pays
    for what the matcher builds in that process)."""
    person = Person(port, fixture["sessions"][0]["session"], "coordinator", fixture, random.Random(0))
    person.ensure_csrf()
    started = time.perf_counter()
    ok = person.act("match")
    elapsed = 1000 * (time.perf_counter() - started)
    person.conn.close()
    if not ok:
        raise SystemExit("the first name check failed")
    return elapsed


# --- the run ------------------------------------------------------------------------------------------


def run(args) -> dict:
    with tempfile.TemporaryDirectory(prefix="svidok-bench-load-") as tmp:
        env = dict(os.environ, SVIDOK_VAR_DIR=tmp, SVIDOK_PLAIN_STATIC="1", DJANGO_SETTINGS_MODULE="svidok.settings")
        env.pop("PYTHONPATH", None)
        bin_dir = Path(sys.executable).parent
        subprocess.run([str(bin_dir / "svidok"), "keys", "init", "--if-missing"], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        out = Path(tmp) / "fixture.json"
        log(f"fixture: {args.incidents:,} incidents ...")
        subprocess.run([sys.executable, __file__, "--fixture", str(out), "--incidents", str(args.incidents)], env=env,
                       cwd=ROOT, check=True)
        fixture = json.loads(out.read_text())
        log(f"fixture: {fixture['incidents']:,} incidents in {fixture['fixture_seconds']} s")
        database = database_version(env)
        trees = ([("before", Path(args.base).resolve())] if args.base else []) + [("after", Path(args.after or ROOT).resolve())]
        results = {}
        for label, code in trees:
            port = free_port()
            logfile = Path(tmp) / f"serve-{label}.log"
            server = start_server(code, env, port, logfile)
            try:
                commit = subprocess.run(["git", "-C", str(code), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
                entry = {"code": str(code), "commit": commit, "loadavg_before": loadavg()}
                entry["first_match_ms"] = first_match(port, fixture)
                log(f"[{label} {commit}] first name check: {entry['first_match_ms']:.0f} ms")
                # A short warm-up (not counted): each worker opens its connections and fills its caches.
                run_load(port, fixture, seconds=args.warmup, think=0, seed=99)
                for mode, think in (("think", args.think), ("saturation", 0.0)):
                    result = run_load(port, fixture, seconds=args.seconds, think=think, seed=1 if mode == "think" else 2)
                    entry[mode] = result
                    a = result["rows"]["all"]
                    log(f"[{label} {commit}] {mode}: {a['n']} requests, {result['rps']:.1f}/s, p50 {a['p50']:.0f} ms, "
                        f"p95 {a['p95']:.0f} ms, max {a['max']:.0f} ms, {a['errors']} errors {result['samples']}")
                entry["loadavg_after"] = loadavg()
            finally:
                stop_server(server)
            # A restart: new processes, the same data (and, for a tree that stores them, the stored indexes).
            port = free_port()
            server = start_server(code, env, port, logfile)
            try:
                entry["restart_first_match_ms"] = first_match(port, fixture)
                log(f"[{label} {commit}] first name check after a restart: {entry['restart_first_match_ms']:.0f} ms")
            finally:
                stop_server(server)
            results[label] = entry
    return {"database": database, "incidents": fixture["incidents"], "fixture": fixture["facts"], "trees": results}


def markdown(result: dict, args, command: str) -> str:
    trees = result["trees"]
    labels = list(trees)
    lines = [
        f"## 25 people at once: lists, search, incident pages, name checks and writes ({result['database'].split()[0]}, `bench/load.py`)",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- command: `{command}`",
        f"- machine: {os.cpu_count()} CPUs shared with other work, Linux {platform.release()}, Python {platform.python_version()}, "
        f"{result['database']}; `svidok serve` (gunicorn + the background worker) on 127.0.0.1, the 25 clients "
        "(Python threads, keep-alive) on the same machine",
        f"- {result['incidents']:,} incidents (bench.generate), the EU 269/2014 annex as reference list `eu-269`; "
        f"{READERS} coordinators (readers) and {WRITERS} documenters (writers), each signed in with a verified second factor",
        "- " + "; ".join(f"{label}: `{trees[label]['commit']}` ({'the code before the change' if label == 'before' else 'with the changes'}), "
                         f"load average {trees[label]['loadavg_before']} → {trees[label]['loadavg_after']}" for label in labels),
        f"- user model: think time exponential with mean {args.think:g} s between one person's clicks (then none: saturation); "
        f"{args.seconds:g} s per run after a {args.warmup:g} s warm-up; reader mix "
        + ", ".join(f"{k} {w} %" for k, w in READER_MIX) + "; writer mix " + ", ".join(f"{k} {w} %" for k, w in WRITER_MIX),
        "",
        "First name check (`POST /people/persons/suggest/`, registry and `eu-269`) right after the server answers, "
        "on a new installation (no stored index): "
        + "; ".join(f"{label} {trees[label]['first_match_ms']:,.0f} ms" for label in labels)
        + ". The same after a restart (new processes, same data): "
        + "; ".join(f"{label} {trees[label]['restart_first_match_ms']:,.0f} ms" for label in labels) + ".",
        "",
    ]
    for mode, title in (("think", f"with think time (mean {args.think:g} s)"), ("saturation", "saturation (no think time)")):
        lines += [f"**{title}** — ms; target p95 ≤ 300 ms, 0 errors", "",
                  "| kind | " + " | ".join(f"{label} n | {label} err | {label} p50 | {label} p95 | {label} max" for label in labels) + " |",
                  "|---|" + "---:|" * (5 * len(labels))]
        for kind in (*KINDS, "all"):
            cells = []
            for label in labels:
                row = trees[label][mode]["rows"][kind]
                cells.append(f"{row['n']:,} | {row['errors']} | {row['p50']:.0f} | {row['p95']:.0f} | {row['max']:.0f}")
            lines.append(f"| {kind} | " + " | ".join(cells) + " |")
        lines.append("| requests/s | " + " | ".join(f"{trees[label][mode]['rps']:.1f} | | | |" for label in labels) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=20_000)
    parser.add_argument("--base", help="a checkout of the code before the change, run first against the same data")
    parser.add_argument("--after", help="the code after the change (default: this tree)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each measured run (default 60)")
    parser.add_argument("--warmup", type=float, default=20.0, help="unmeasured load before the runs (default 20)")
    parser.add_argument("--think", type=float, default=5.0, help="mean think time in seconds (default 5)")
    parser.add_argument("--results", help="write the section into this file (e.g. bench/RESULTS.md)")
    parser.add_argument("--json", help="also write the raw figures here")
    parser.add_argument("--fixture", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fixture:
        Path(args.fixture).write_text(json.dumps(make_fixture(args.incidents)))
        return
    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", "bench/load.py", *(argv or sys.argv[1:])])
    if os.environ.get("DATABASE_URL"):
        command = "scripts/with-postgres.sh " + command
    result = run(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
    text = markdown(result, args, command)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    if args.results:
        from bench.sections import write_section

        write_section(Path(args.results), "load-" + result["database"].split()[0].lower(), text)


if __name__ == "__main__":
    main()
