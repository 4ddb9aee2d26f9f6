"""The ``svidok`` command: every manage.py command, plus ``serve``.

``svidok migrate``, ``svidok import FILE``... all run with the same settings, so the database is
``var/svidok.sqlite3`` unless ``DATABASE_URL`` says otherwise, whichever command is used.
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
    from django.core.management import execute_from_command_line

    argv[0] = "svidok"
    execute_from_command_line(argv)
    return 0
