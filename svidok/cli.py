"""The ``svidok`` command: every manage.py command, plus ``serve``.

``svidok migrate``, ``svidok import FILE``... all run with the same settings, so the database is
``var/svidok.sqlite3`` unless ``DATABASE_URL`` says otherwise, whichever command is used.
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    from svidok.common.filemodes import make_private

    make_private()  # before settings create var/ and its secret key (svidok/common/filemodes.py)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
    import uuid

    from django.core.management import execute_from_command_line

    from svidok.common.context import set_request_id

    # Audit entries written by one command invocation share an id, as those of one web request do.
    set_request_id("cli-" + uuid.uuid4().hex)
    argv[0] = "svidok"
    execute_from_command_line(argv)
    return 0
