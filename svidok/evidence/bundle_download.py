"""A court bundle handed to the browser or an API client as a download, leaving no file behind.

:func:`bundle.export_bundle` writes to a path; here that path is in a private temporary folder.
Once the ZIP is written it is opened and the folder removed at once: the open handle keeps the
bytes readable (POSIX) until the response has sent them and closes it, and nothing is left on disk
whatever happens to the request. A refused or failed export leaves nothing either.
"""

import os
import re
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.http import FileResponse

from svidok.accounts.rules import require
from svidok.evidence.bundle import export_bundle

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def bundle_filename(references: list[str]) -> str:
    """``SV-2018-000123-bundle.zip`` for one incident, ``SV-…-and-2-more-bundle.zip`` for several."""
    first = _UNSAFE.sub("-", references[0]).strip("-") or "incidents"
    more = f"-and-{len(references) - 1}-more" if len(references) > 1 else ""
    return f"{first}{more}-bundle.zip"


def bundle_response(*, actor, references: list[str], purpose: str = "litigation", partner: str = "") -> FileResponse:
    """Export the bundle of ``references`` and answer it as an attachment. Raises what
    ``export_bundle`` raises (PermissionDenied, ValidationError, OSError) with nothing left behind."""
    require(actor, "evidence.bundle")  # before any file is made
    folder = Path(tempfile.mkdtemp(prefix="svidok-bundle-", dir=getattr(settings, "FILE_UPLOAD_TEMP_DIR", None)))
    try:
        path = folder / "bundle.zip"
        export_bundle(actor=actor, incidents=references, output=path, purpose=purpose, partner=partner)
        handle = open(path, "rb")  # noqa: SIM115 (closed by the response once sent)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    size = os.fstat(handle.fileno()).st_size
    response = FileResponse(handle, as_attachment=True, filename=bundle_filename(references), content_type="application/zip")
    response["Content-Length"] = str(size)
    response["Cache-Control"] = "no-store"
    return response
