"""``svidok serve`` runs gunicorn and one background worker, and both stop when it stops."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import var_dir_with_database
from tests.loopback import closed_port

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory, migrated_sqlite):
    tmp_path = var_dir_with_database(migrated_sqlite, tmp_path_factory.mktemp("serve"))
    env = {**os.environ, "SVIDOK_VAR_DIR": str(tmp_path), "SVIDOK_PLAIN_STATIC": "1"}
    env.pop("DATABASE_URL", None)  # a database of its own, whatever the suite runs on
    return env


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_starts_a_worker_and_both_stop_with_it(var_dir, stop):
    port = closed_port()
    serve = subprocess.Popen(
        [sys.executable, "-c", "import sys; from svidok.cli import main; sys.exit(main())", "serve", "--port", str(port), "--workers", "1"],
        env=var_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def kinds():
            # A child just forked still shows the parent's command line until it execs: ask until
            # both children run their own program (or time out and show what they run).
            children = children_of(serve.pid)
            found = sorted("worker" if " worker " in command_line(pid) else "gunicorn" for pid in children)
            return found if found == ["gunicorn", "worker"] else None

        assert wait_for(kinds) == ["gunicorn", "worker"]
        children = children_of(serve.pid)
        page = wait_for(lambda: _get(f"http://127.0.0.1:{port}/accounts/login/"))
        assert page == 200

        serve.send_signal(stop)
        assert serve.wait(timeout=60) == 0
        assert [pid for pid in children if alive(pid)] == []
    finally:
        if serve.poll() is None:
            serve.kill()


def test_serve_stops_the_web_server_when_the_worker_dies(var_dir):
    port = closed_port()
    serve = subprocess.Popen(
        [sys.executable, "-c", "import sys; from svidok.cli import main; sys.exit(main())", "serve", "--port", str(port), "--workers", "1"],
        env=var_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        children = wait_for(lambda: (lambda c: c if len(c) == 2 and any(" worker " in command_line(p) for p in c)
                                     else None)(children_of(serve.pid)))
        worker = next(pid for pid in children if " worker " in command_line(pid))
        os.kill(worker, signal.SIGKILL)
        assert serve.wait(timeout=60) == 1
        assert [pid for pid in children if alive(pid)] == []
    finally:
        if serve.poll() is None:
            serve.kill()


def _get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except OSError:
        return None


def test_serve_passes_threads_and_its_workers_store_the_matchers_indexes_at_start(var_dir):
    """The gunicorn workers read or build the matcher's indexes in the background as they start
    (docs/matching.md, "Stored indexes and start-up"): the registry's index appears in the store
    without anybody asking for a match."""
    store = Path(var_dir["SVIDOK_VAR_DIR"]) / "cache" / "names"
    port = closed_port()
    serve = subprocess.Popen(
        [sys.executable, "-c", "import sys; from svidok.cli import main; sys.exit(main())", "serve", "--port", str(port),
         "--workers", "1", "--threads", "2", "--no-worker"],
        env=var_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: _get(f"http://127.0.0.1:{port}/accounts/login/")) == 200
        gunicorn = [command_line(pid) for pid in children_of(serve.pid)]
        assert len(gunicorn) == 1 and " --threads 2 " in gunicorn[0]
        assert wait_for(lambda: sorted(p.suffix for p in store.glob("index-*"))) == [".lock", ".pickle"]
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)


def test_serve_refuses_no_threads(var_dir):
    done = subprocess.run([sys.executable, "-c", "import sys; from svidok.cli import main; sys.exit(main())", "serve",
                           "--threads", "0"], env=var_dir, capture_output=True, text=True, timeout=120)

    assert done.returncode != 0
    assert "--workers and --threads must be at least 1." in done.stderr
