"""Running ``svidok news`` in a test: its output and errors as lines, and the error it ended with."""

import io

from django.core.management import CommandError, call_command


def news(*args) -> tuple[list[str], list[str], str | None]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("news", *args, stdout=out, stderr=err)
        failed = None
    except CommandError as error:
        failed = str(error)
    return out.getvalue().splitlines(), err.getvalue().splitlines(), failed
