"""Use case: import an existing web archive (WARC or WACZ) as one evidence item.

The file is checked first, by reading it (``evidence.warc``): every record parsed and its digests
recomputed, a WACZ read from inside the ZIP without unpacking it. A file that is not a readable
archive, or a hostile ZIP (a path outside the archive, a zip bomb), is refused before anything is
stored. A good one is stored byte-exact through the vault (method "archive"), with what it holds
(captured URLs and dates, record counts) in the item's metadata and in its custody entry.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from svidok.accounts.rules import require
from svidok.audit.services import record
from svidok.evidence import warc
from svidok.evidence.models import EvidenceItem

ARCHIVE_ERRORS = {
    "not_warc": _("This is not a readable web archive (WARC): record %(record)s could not be read."),
    "digest": _("Record %(record)s of this web archive does not match its recorded digest: the file is damaged or was altered."),
    "empty": _("This web archive holds no records."),
    "not_zip": _("This is neither a WARC nor a readable WACZ (ZIP) file."),
    "too_many_members": _("This WACZ holds too many files."),
    "unsafe_name": _("This WACZ holds a file whose name points outside the archive; it is refused."),
    "bomb": _("This WACZ unpacks to far more than its size (a zip bomb); it is refused."),
    "no_datapackage": _("This ZIP has no datapackage.json: it is not a WACZ."),
    "bad_datapackage": _("The datapackage.json of this WACZ cannot be read."),
    "no_warc": _("This WACZ holds no WARC files under archive/."),
}


def archive_error_text(error: warc.ArchiveError) -> str:
    template = ARCHIVE_ERRORS.get(error.code, ARCHIVE_ERRORS["not_warc"])
    return str(template) % {"record": "?", **error.params} if "%(" in str(template) else str(template)


def _as_path(file, directory: str) -> Path:
    """The archive as a file on disk: ZIP members are read by seeking, so a stream is spooled first."""
    if isinstance(file, (str, Path)):
        return Path(file)
    path = Path(directory) / "archive"
    with open(path, "wb") as out:
        shutil.copyfileobj(file, out, 1024 * 1024)
    return path


@transaction.atomic
def import_archive(*, actor, file, name: str = "", incident=None, source=None, description: str = "",
                   origin: str = "") -> EvidenceItem:
    """Check the WARC or WACZ ``file`` (a path or a binary stream) and store it as one item."""
    require(actor, "evidence.add")
    from svidok.evidence.services import add_item  # the vault's one way in

    with tempfile.TemporaryDirectory(prefix="svidok-archive-") as directory:
        path = _as_path(file, directory)
        try:
            kind, facts = warc.describe_archive(path)
        except warc.ArchiveError as error:
            raise ValidationError({"file": archive_error_text(error)}) from None
        except OSError as error:
            raise ValidationError({"file": _("The file could not be read: %(reason)s") % {"reason": error.strerror or error}}) from None
        name = name or path.name
        claimed = "application/wacz" if kind == "wacz" else "application/warc"
        item = add_item(actor=actor, file=path, name=name, incident=incident, source=source, description=description,
                        method=EvidenceItem.Method.ARCHIVE, origin=origin or name, claimed_type=claimed)
    facts = {"format": kind, **facts}
    # What the archive holds is read by us, not claimed by the sender: kept beside the vault's own facts.
    EvidenceItem.objects.filter(pk=item.pk).update(metadata={**item.metadata, "web_archive": facts})
    item.refresh_from_db(fields=["metadata"])
    record(actor=actor, action="archive_checked", obj=item, changes={
        "format": [None, kind], "records": [None, facts["records"]], "captures": [None, facts["captures"]],
        "first_date": [None, facts["first_date"]], "last_date": [None, facts["last_date"]],
        "urls": [None, len(facts["urls"])]})
    return item
