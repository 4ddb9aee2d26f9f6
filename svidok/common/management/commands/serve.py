import ctypes
import os
import shutil
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: Linux sends it SIGTERM when ``serve`` dies, even by SIGKILL, so a
    worker or web server never outlives the command that started it."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: the signal handlers below still stop the children


class Command(BaseCommand):
    help = ("Serve Svidok with gunicorn, a production WSGI server (port from SVIDOK_PORT, default 8000), "
            "with one background worker beside it; both stop when this command stops.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("SVIDOK_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("SVIDOK_WORKERS", "2")),
                            help="gunicorn worker processes (default: SVIDOK_WORKERS, else 2)")
        parser.add_argument("--threads", type=int, default=int(os.environ.get("SVIDOK_THREADS", "4")),
                            help="threads per worker process (default: SVIDOK_THREADS, else 4)")
        parser.add_argument("--no-worker", action="store_true",
                            help="Start no background worker (when workers run elsewhere: svidok worker).")

    def handle(self, *args, host, port, workers, threads, no_worker, **options):
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which("gunicorn")
        if gunicorn is None:
            raise CommandError("gunicorn is not installed in this environment")
        commands = [[
            gunicorn, "svidok.wsgi:application", "--bind", f"{host}:{port}", "--workers", str(workers),
            "--threads", str(threads), "--access-logfile", "-", "--access-logformat", '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss',
        ]]
        if not no_worker:
            commands.append([sys.executable, "-c", "import sys; from svidok.cli import main; sys.exit(main())",
                             "worker", "--no-reload"])
        self.stdout.write(f"Svidok is serving on http://{host}:{port}/ (Ctrl+C stops it)"
                          + ("" if no_worker else ", with a background worker"))
        self.stdout.flush()
        # Own process groups: Ctrl+C in the terminal reaches only this command, which stops each child
        # once, gently (the worker finishes the job in hand, gunicorn the requests in hand).
        children = [subprocess.Popen(command, preexec_fn=_die_with_parent, process_group=0) for command in commands]

        requested = []

        def stop(signum, frame):
            if signum is not None:
                requested.append(signum)
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, stop)
        # When either child ends (stopped, or crashed), stop the other: serving without the worker
        # would queue captures nobody makes, and a worker without the web server serves nobody.
        try:
            pid, status = os.wait()
        except ChildProcessError:
            pid, status = 0, 0
        stop(None, None)
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if requested:
            return
        ended = "the background worker" if len(children) > 1 and pid == children[1].pid else "the web server"
        raise CommandError(f"{ended} stopped (exit status {os.waitstatus_to_exitcode(status)}); Svidok stopped with it.")
