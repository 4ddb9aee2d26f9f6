import os
import shutil
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve Svidok with gunicorn, a production WSGI server (port from SVIDOK_PORT, default 8000)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("SVIDOK_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("SVIDOK_WORKERS", "2")))

    def handle(self, *args, host, port, workers, **options):
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which("gunicorn")
        if gunicorn is None:
            raise CommandError("gunicorn is not installed in this environment")
        self.stdout.write(f"Svidok is serving on http://{host}:{port}/ (Ctrl+C stops it)")
        self.stdout.flush()
        os.execv(gunicorn, [
            gunicorn, "svidok.wsgi:application", "--bind", f"{host}:{port}", "--workers", str(workers),
            "--threads", "4", "--access-logfile", "-", "--access-logformat", '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss',
        ])
