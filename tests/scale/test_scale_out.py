"""Scale-out on one machine's loopback, with real parts only: a PostgreSQL primary and a streaming
replica (initdb, pg_basebackup -R, pg_ctl), an S3-compatible server (moto's), two web processes
(`svidok serve --no-worker`, gunicorn) and two `svidok worker` processes on that one database.

Several people sign in (password and second factor) and run a short mixed load against both web
processes at once: lists, searches and pages; incidents created, each read back at once through the
*other* web process; one evidence upload each, whose object in S3 must have the uploaded bytes'
SHA-256. Then: no error answer, no stale read, the replica really answered reads (its statement log),
every job run exactly once by one of the two workers (their logs), each periodic job queued once.

Runs with `make test-scale` (SVIDOK_TESTS_SCALE=1), not in `make test`'s two pytest passes: it makes
its own database cluster and processes. Figures it prints are in docs/deploy.md, "Measured here".
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.scale

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "scale-test-password-1"
PEOPLE = 4  # documenters, each in a thread of their own
ROUNDS = 6  # per person: create an incident (read back through the other process), lists, searches, a page
JOBS = 40  # jobs queued while both workers run
BUCKET = "svidok-scale"
S3_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
READY_TIMEOUT = 180  # seconds for a process to come up on a loaded machine (not a timing assertion)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def until(condition, timeout: float, what: str, step: float = 0.2):
    """Poll ``condition`` until it returns something true; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(step)


class Cluster:
    """A primary and a streaming replica in a temporary directory, removed by ``stop``."""

    def __init__(self, base: Path):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
        if not bins:
            pytest.fail("PostgreSQL server binaries not found; scripts/system-deps.sh test installs them")
        self.bin = bins[-1].parent
        self.base = base
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.primary_port, self.replica_port = free_port(), free_port()
        self.started: list[Path] = []

    def run(self, *args, **kwargs):
        program = args[0] if args[0] == "sh" else str(self.bin / args[0])
        done = subprocess.run([*self.as_pg, program, *map(str, args[1:])], cwd=self.base, capture_output=True, text=True,
                              **kwargs)
        assert done.returncode == 0, f"{args[0]} failed:\n{done.stdout}\n{done.stderr}"
        return done

    def start(self, data: Path, port: int):
        self.run("pg_ctl", "-D", data, "-l", data.parent / f"{data.name}.log", "-w", "-t", str(READY_TIMEOUT), "-o",
                 f"-h 127.0.0.1 -p {port} -k {self.base}", "start")
        self.started.append(data)

    def up(self):
        if self.as_pg:
            shutil.chown(self.base, "postgres")
        primary, replica = self.base / "primary", self.base / "replica"
        self.run("initdb", "-D", primary, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8")
        # Every statement is logged with its client's name: the replica's share of the reads is counted from the logs.
        # The replica inherits this file through the base backup.
        self.configure(primary, "wal_level = replica", "max_wal_senders = 4", "log_statement = 'all'",
                       "log_line_prefix = '%a '", "fsync = off", "full_page_writes = off")
        self.start(primary, self.primary_port)
        self.run("createdb", "-h", "127.0.0.1", "-p", self.primary_port, "-U", "postgres", "svidok")
        # The replica as docs/deploy.md sets one up: a base backup that writes its own standby settings (-R).
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", self.primary_port, "-U", "postgres", "-D", replica, "-R",
                 "-X", "stream", "-c", "fast")
        self.configure(replica, "hot_standby = on", "hot_standby_feedback = on")
        self.start(replica, self.replica_port)

    def configure(self, data: Path, *lines: str):
        self.run("sh", "-c", f"cat >> {data}/postgresql.conf", input="\n".join(lines) + "\n")

    def url(self, port: int, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/svidok?application_name={name}"

    def sql(self, port: int, query: str) -> str:
        return self.run("psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "svidok", "-XAtc", query).stdout.strip()

    def log(self, which: str) -> Path:
        return self.base / f"{which}.log"

    def stop(self):
        for data in reversed(self.started):
            with contextlib.suppress(AssertionError):
                self.run("pg_ctl", "-D", data, "-m", "immediate", "stop")


class Processes:
    """Svidok processes with their output in files; each stopped (SIGTERM, then SIGKILL) by ``stop``."""

    def __init__(self, base: Path, env: dict):
        self.base, self.env, self.running = base, env, []

    def command(self, *args) -> list[str]:
        return [sys.executable, "-c", "import sys; from svidok.cli import main; sys.exit(main())", *args]

    def call(self, *args, stdin: str | None = None) -> str:
        done = subprocess.run(self.command(*args), cwd=ROOT, env=self.env, input=stdin, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, f"svidok {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self, name: str, *args, env: dict | None = None) -> Path:
        log = self.base / f"{name}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(self.command(*args), cwd=ROOT, env={**self.env, **(env or {})}, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append(process)
        return log

    def stop(self):
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def sign_in(base_url: str, username: str, key: str) -> requests.Session:
    """Through the sign-in form and the second factor, as a person does."""
    from django_otp.oath import totp

    session = requests.Session()
    page = session.get(f"{base_url}/accounts/login/", timeout=60)
    assert page.status_code == 200
    answer = session.post(f"{base_url}/accounts/login/", timeout=60, data={
        "username": username, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]})
    assert "/accounts/two-factor/" in answer.url, f"no second-factor step after the password: {answer.url}"
    code = f"{totp(bytes.fromhex(key)):06d}"
    answer = session.post(answer.url, timeout=60, data={"otp_token": code,
                                                        "csrfmiddlewaretoken": session.cookies["csrftoken"]})
    assert answer.status_code == 200 and "/accounts/" not in answer.url, f"second factor refused: {answer.url}"
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    return session


USERS = """
from django_otp.plugins.otp_totp.models import TOTPDevice
from svidok.accounts.models import User
for number in range({people}):
    user = User(username=f"documenter{{number}}", role="documenter")
    user.set_password({password!r})
    user.save()
    print(user.username, TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True).key)
"""

QUEUE_JOBS = """
from svidok.common.tasks import run_periodic
for number in range({jobs}):
    print(run_periodic.enqueue(f"scale.test.job{{number}}").id)
"""


def statements(log: Path, offset: int, client: str) -> list[str]:
    with open(log, "rb") as handle:
        handle.seek(offset)
        text = handle.read().decode("utf-8", "replace")
    return [line for line in text.splitlines() if line.startswith(f"{client} ") and " statement: " in line]


@pytest.fixture
def scale_dir():
    base = Path(tempfile.mkdtemp(prefix="svidok-scale."))
    os.chmod(base, 0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def test_two_web_processes_two_workers_a_replica_and_s3(scale_dir):
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server: a line per S3 request
    started = time.monotonic()
    cluster = Cluster(scale_dir / "pg")
    (scale_dir / "pg").mkdir()
    s3_port = free_port()
    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=s3_port)
    web_ports = [free_port(), free_port()]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "SVIDOK_", "DJANGO_"))}
    env |= {
        "PYTHONPATH": str(ROOT), "SVIDOK_VAR_DIR": str(scale_dir / "var"), "SVIDOK_PLAIN_STATIC": "1",
        "SECRET_KEY": "scale-test-" + "k" * 40, "SVIDOK_RATE_SEARCH": "off", "LOG_LEVEL": "INFO",
        "DATABASE_URL": cluster.url(cluster.primary_port, "svidok-setup"),
        "SVIDOK_EVIDENCE_STORAGE": "s3", "SVIDOK_EVIDENCE_S3_BUCKET": BUCKET,
        "SVIDOK_EVIDENCE_S3_ENDPOINT": f"http://127.0.0.1:{s3_port}", "SVIDOK_EVIDENCE_S3_ACCESS_KEY": "testing",
        "SVIDOK_EVIDENCE_S3_SECRET_KEY": "testing", "SVIDOK_EVIDENCE_S3_REGION": "us-east-1",
        "SVIDOK_EVIDENCE_S3_PREFIX": "vault",
    }
    processes = Processes(scale_dir, env)
    s3.start()
    try:
        cluster.up()
        s3_client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{s3_port}", **S3_KEYS)
        s3_client.create_bucket(Bucket=BUCKET)
        processes.call("setup")
        keys = dict(re.findall(r"^(documenter\d+) ([0-9a-f]{40})$", processes.call("shell", "-c", USERS.format(
            people=PEOPLE, password=PASSWORD)), re.MULTILINE))
        assert len(keys) == PEOPLE

        web = {"DATABASE_URL": cluster.url(cluster.primary_port, "svidok-web"),
               "DATABASE_REPLICA_URLS": cluster.url(cluster.replica_port, "svidok-web")}
        worker = {"DATABASE_URL": cluster.url(cluster.primary_port, "svidok-worker")}
        for port in web_ports:
            processes.start(f"web-{port}", "serve", "--no-worker", "--port", str(port), "--workers", "2", env=web)
        worker_logs = [processes.start(f"worker-{n}", "worker", "--interval", "0.2", env=worker) for n in (1, 2)]
        bases = [f"http://127.0.0.1:{port}" for port in web_ports]
        for base in bases:
            until(lambda base=base: _answers(f"{base}/accounts/login/"), READY_TIMEOUT, f"the web process at {base}")
        until(lambda: all("Starting worker" in log.read_text() for log in worker_logs), READY_TIMEOUT, "both workers")
        ready = time.monotonic()

        offsets = {which: cluster.log(which).stat().st_size for which in ("primary", "replica")}
        sessions = {name: sign_in(bases[number % 2], name, key) for number, (name, key) in enumerate(sorted(keys.items()))}
        jobs = re.findall(r"^[0-9a-f-]{36}$", processes.call("shell", "-c", QUEUE_JOBS.format(jobs=JOBS)), re.MULTILINE)
        assert len(jobs) == JOBS

        def person(number: int, name: str) -> dict:
            return load(sessions[name], bases, number, cluster, s3_client)

        load_started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(PEOPLE) as pool:
            results = list(pool.map(person, range(PEOPLE), sorted(sessions)))
        load_seconds = time.monotonic() - load_started

        errors = [error for result in results for error in result["errors"]]
        assert errors == [], "\n".join(errors[:20])
        stale = [read for result in results for read in result["stale"]]
        assert stale == [], f"stale reads: {stale}"

        # The replica answered the web processes' reads, and only reads.
        replica_web = statements(cluster.log("replica"), offsets["replica"], "svidok-web")
        primary_web = statements(cluster.log("primary"), offsets["primary"], "svidok-web")
        reads = re.compile(r"statement: SELECT .*FROM \"(incidents|search)_")
        replica_reads = [line for line in replica_web if reads.search(line)]
        primary_reads = [line for line in primary_web if reads.search(line)]
        assert replica_reads, "no read of incidents or search keys reached the replica"
        assert not [line for line in replica_web if re.search(r"statement: (INSERT|UPDATE|DELETE)", line)]

        # With the replica's replay paused it is behind every write, for certain: each writer's next read,
        # through the other process, must still see the write (the cookie keeps it on the primary), while
        # the same session without that cookie gets the replica's stale answer.
        pinned = paused(cluster, sessions, bases)

        # Every job done, each by exactly one worker, once; each periodic job queued once.
        until(lambda: cluster.sql(cluster.primary_port, "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                                  "WHERE task_path LIKE '%run_periodic' AND args_kwargs->'args'->>0 LIKE 'scale.test.%' "
                                  "AND status IN ('READY', 'RUNNING')") == "0", READY_TIMEOUT, "the queued jobs")
        rows = cluster.sql(cluster.primary_port, "SELECT id, status, jsonb_array_length(worker_ids) FROM "
                           "django_tasks_database_dbtaskresult WHERE args_kwargs->'args'->>0 LIKE 'scale.test.%'")
        done = {row.split("|")[0]: row.split("|")[1:] for row in rows.splitlines()}
        assert sorted(done) == sorted(jobs)
        assert {tuple(value) for value in done.values()} == {("SUCCESSFUL", "1")}
        runs = Counter()
        for log in worker_logs:
            runs.update(re.findall(r"Task id=(\S+) path=\S+ state=RUNNING", log.read_text()))
        assert all(runs[job] == 1 for job in jobs), {job: runs[job] for job in jobs if runs[job] != 1}
        by_worker = [sum(1 for job in jobs if f"Task id={job} " in log.read_text()) for log in worker_logs]
        periodic = cluster.sql(cluster.primary_port, "SELECT args_kwargs->'args'->>0, count(*) FROM "
                               "django_tasks_database_dbtaskresult WHERE status = 'READY' AND task_path LIKE "
                               "'%run_periodic' GROUP BY 1 HAVING count(*) > 1")
        assert periodic == "", f"periodic jobs queued more than once: {periodic}"

        lag = cluster.sql(cluster.primary_port, "SELECT coalesce(max(replay_lag)::text, 'none') FROM pg_stat_replication")
        requests_made = sum(result["requests"] for result in results)
        behind = sum(result["behind"] for result in results)
        writes = sum(result["writes"] for result in results)
        print(f"\nscale-out: setup and start {ready - started:.1f} s, load {load_seconds:.1f} s, total "
              f"{time.monotonic() - started:.1f} s; {requests_made} requests by {PEOPLE} people over 2 web processes, "
              f"{writes} writes each read back through the other process (the replica had not yet replayed the write "
              f"at {behind} of them; {pinned} more with its replay paused); incidents/search SELECTs on the replica {len(replica_reads)}, on the primary "
              f"{len(primary_reads)} ({100 * len(replica_reads) / (len(replica_reads) + len(primary_reads)):.0f}% on "
              f"the replica); {JOBS} jobs run once each (worker 1: {by_worker[0]}, worker 2: {by_worker[1]}); "
              f"replay lag at the end {lag}; load average {os.getloadavg()[0]:.2f}")
    except BaseException:
        # What each process said, for the failure report (logs hold no personal data: test records only).
        for log in sorted(scale_dir.glob("*.log")) + sorted((scale_dir / "pg").glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()
            print(f"\n--- {log.name} (last 40 of {len(lines)} lines)\n" + "\n".join(lines[-40:]))
        raise
    finally:
        processes.stop()
        cluster.stop()
        s3.stop()


def paused(cluster: Cluster, sessions: dict, bases: list[str]) -> int:
    cluster.sql(cluster.replica_port, "SELECT pg_wal_replay_pause()")
    written = []
    try:
        for number, name in enumerate(sorted(sessions)):
            session, here, there = sessions[name], bases[number % 2], bases[(number + 1) % 2]
            title = f"Director {number} threatened while replay is paused"
            created = session.post(f"{here}/api/v1/incidents/", timeout=120, json={
                "title": title, "type": "dismissal", "date_start": "2024-03-21", "sensitivity": "internal"})
            assert created.status_code == 201, created.text[:300]
            reference = created.json()["reference"]
            written.append(reference)
            assert cluster.sql(cluster.replica_port, f"SELECT count(*) FROM incidents_incident WHERE reference = "
                               f"'{reference}'") == "0", "the replica replayed the write although paused"
            read = session.get(f"{there}/api/v1/incidents/{reference}/", timeout=120)
            assert read.status_code == 200 and read.json()["title"] == title, f"stale read of {reference}: {read.status_code}"
            blind = requests.get(f"{there}/api/v1/incidents/{reference}/", timeout=120,
                                 cookies={"sessionid": session.cookies["sessionid"]})
            assert blind.status_code == 404, f"without the cookie {reference} was read from the primary: {blind.status_code}"
    finally:
        cluster.sql(cluster.replica_port, "SELECT pg_wal_replay_resume()")
    # Replayed, the writers' reads go back to the replica and the cookie is dropped.
    until(lambda: cluster.sql(cluster.replica_port, "SELECT count(*) FROM incidents_incident WHERE reference IN ("
                              + ",".join(f"'{reference}'" for reference in written) + ")") == str(len(written)),
          READY_TIMEOUT, "the replica to replay the paused writes")
    for number, name in enumerate(sorted(sessions)):
        session = sessions[name]
        assert session.get(f"{bases[number % 2]}/incidents/", timeout=120).status_code == 200
        assert "svidok_primary_lsn" not in session.cookies, f"{name}'s cookie was kept after the replica caught up"
    return len(written)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=10).status_code == 200
    except requests.RequestException:
        return False


def load(session: requests.Session, bases: list[str], number: int, cluster: Cluster, s3_client) -> dict:
    """One person's share of the load; errors and stale reads are collected, not raised, so every
    thread finishes and the test reports them all."""
    errors, stale = [], []
    counts = {"requests": 0, "behind": 0, "writes": 0}

    def call(method: str, base: str, path: str, expect: int, **kwargs):
        counts["requests"] += 1
        answer = session.request(method, f"{base}{path}", timeout=120, **kwargs)
        if answer.status_code != expect:
            errors.append(f"{method} {base}{path}: {answer.status_code} (expected {expect}): {answer.text[:300]}")
            return None
        return answer

    for round_ in range(ROUNDS):
        here, there = bases[(number + round_) % 2], bases[(number + round_ + 1) % 2]
        title = f"Teacher {number}-{round_} pressed to campaign"
        created = call("POST", here, "/api/v1/incidents/", 201, json={
            "title": title, "type": "dismissal", "date_start": "2024-03-20", "sensitivity": "internal"})
        if created is None:
            continue
        counts["writes"] += 1
        reference = created.json()["reference"]
        # Was the replica behind at this moment? Then a read there would have been stale.
        if cluster.sql(cluster.replica_port, f"SELECT count(*) FROM incidents_incident WHERE reference = '{reference}'") == "0":
            counts["behind"] += 1
        read = call("GET", there, f"/api/v1/incidents/{reference}/", 200)
        if read is not None and read.json().get("title") != title:
            stale.append(f"{reference} through {there}: {read.json().get('title')!r}")
        listed = call("GET", there, "/api/v1/incidents/", 200)
        if listed is not None and reference not in {row["reference"] for row in listed.json()["results"]}:
            stale.append(f"{reference} missing from the list through {there}")
        call("GET", here, "/api/v1/search/", 200, params={"q": "teacher"})
        call("GET", there, "/incidents/", 200)
        call("GET", here, "/api/v1/places/", 200)
        if round_ == 0:
            data = f"statement {number}: the head teacher said to vote or leave".encode() * 50
            uploaded = call("POST", here, "/api/v1/evidence/", 201, data={"incident": reference},
                            files={"files": (f"statement-{number}.txt", data, "text/plain")})
            if uploaded is None:
                continue
            counts["writes"] += 1
            item = uploaded.json()[0]
            sha = hashlib.sha256(data).hexdigest()
            if item["sha256"] != sha:
                errors.append(f"evidence {item['id']}: sha256 {item['sha256']} is not the upload's {sha}")
            stored = [obj["Key"] for obj in s3_client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
                      if sha in obj["Key"]]
            if len(stored) != 1:
                errors.append(f"evidence {sha}: {len(stored)} objects in S3")
            elif hashlib.sha256(s3_client.get_object(Bucket=BUCKET, Key=stored[0])["Body"].read()).hexdigest() != sha:
                errors.append(f"evidence {sha}: the object in S3 has other bytes")
            again = call("GET", there, f"/api/v1/evidence/{item['id']}/", 200)
            if again is not None and again.json()["sha256"] != sha:
                stale.append(f"evidence {item['id']} through {there}")
    return {"errors": errors, "stale": stale, **counts}
