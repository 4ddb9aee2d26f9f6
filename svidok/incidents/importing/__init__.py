"""Bulk import of incidents (with involvements and sources) from CSV, XLSX or JSON.

The row format is documented in ``docs/import-format.md``. An import is all-or-nothing: every row
is validated first and every problem reported with its line, field and reason; only a clean file
is written, in one transaction, with one bulk insert per table and one audit entry per created
record. The steps live in their own modules:

- :mod:`.reading`: files into ``(line, {column: value})`` rows (:func:`read_file`);
- :mod:`.validation`: rows into model-ready values, or errors (:func:`validate_rows`);
- :mod:`.writing`: validated rows into the database (:class:`Writer`);

and :func:`import_incidents` here is the use case that ties them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from svidok.accounts.rules import require
from svidok.incidents.importing.columns import COLUMNS, LIST_SEPARATOR
from svidok.incidents.importing.reading import ImportFileError, read_file
from svidok.incidents.importing.validation import RowError, validate_rows
from svidok.incidents.importing.writing import Writer, allocate_references

__all__ = ["COLUMNS", "LIST_SEPARATOR", "ImportFileError", "ImportResult", "RowError", "import_incidents", "read_file"]


@dataclass
class ImportResult:
    rows: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)


def import_incidents(*, actor, rows: Iterable[tuple[int, dict]], dry_run: bool = False,
                     progress: Callable[[int], None] | None = None, verified_elsewhere: bool = False) -> ImportResult:
    """Validate every row, then (unless ``dry_run`` or any row is bad) create all of them in one transaction.

    ``rows`` are ``(line number, {column: value})`` pairs as :func:`read_file` returns them.
    ``actor`` needs ``data.import`` (the command runs as ``--as`` or the system account). Returns an :class:`ImportResult`
    whose ``errors`` list every bad row (line, field, reason); when there are errors nothing is written.

    Under four eyes (``SVIDOK_FOUR_EYES``) an import verifies nothing by itself: a row with status
    ``verified`` is refused unless ``verified_elsewhere`` says the file's verifications were decided in
    the system the file comes from (a migration); the audit entry of each such incident then says so.
    """
    require(actor, "data.import")
    rows = list(rows)
    result = ImportResult(rows=len(rows), dry_run=dry_run)
    parsed, errors = validate_rows(rows, progress)
    if settings.SVIDOK_FOUR_EYES and not verified_elsewhere:
        errors.extend(_refuse_verified(parsed))
    result.errors = sorted(errors, key=lambda e: e.line)
    if errors or dry_run or not parsed:
        return result
    with transaction.atomic():
        allocate_references(parsed)
        writer = Writer(actor, progress, verified_elsewhere=verified_elsewhere)
        result.created |= writer.persons(parsed)
        result.created |= writer.organizations(parsed)
        result.created |= writer.sources(parsed)
        incidents = writer.incidents(parsed)
        audit_entries = writer.audit_entries()
        writer.index(incidents)
        result.created |= {"incidents": len(incidents), "involvements": writer.involvement_count, "audit_entries": audit_entries}
        result.references = [i.reference for i in incidents]
    return result


def _refuse_verified(parsed) -> list[RowError]:
    refused = []
    for row in parsed:
        if row.values.get("status") == "verified":
            row.error("status", _("an import verifies nothing under four eyes: import the incident as “submitted” and "
                                  "have it verified on its page, or, if the file's incidents were verified in the system "
                                  "it comes from, say so when importing (--verified-elsewhere on the command line)"))
            refused.append(row.errors[-1])
    return refused
