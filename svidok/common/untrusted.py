"""Reading files someone else made, within bounds checked before the reading starts.

Every importer opens JSON, ZIP and XLSX through these functions. A file over a limit is refused
with :class:`InputRefused`, whose message says which file (and member or row) and which limit, so
that the importer can show it as it is; nothing is read past the limit, so a hostile file costs
at most the limit in time and memory. The limits are settings (``SVIDOK_IMPORT_*``, see
docs/inputs.md).

- JSON: nesting depth and the length of numbers (Python's own limit, 4,300 digits, ends in a
  ValueError deep in the parser; a very deep document in a RecursionError).
- ZIP: number of members, declared unpacked size and compression ratio, checked from the central
  directory before anything is decompressed; members are then read with a hard cap, since a
  declared size may lie.
- XLSX: the ZIP checks, no DTD in any XML part (entity bombs and external entities, through
  ``defusedxml``), and the sheet's declared dimension against the row and column limits.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib

from django.conf import settings
from django.utils.translation import gettext as _


class InputRefused(ValueError):
    """A file over one of the import limits, or built to hurt the reader; the message says which."""


# --- JSON ---------------------------------------------------------------------------------------------


class _TooLong(Exception):
    pass


def _number(kind):
    def parse(text: str):
        if len(text) > settings.SVIDOK_IMPORT_MAX_NUMBER_DIGITS:
            raise _TooLong(len(text))
        return kind(text)
    return parse


def _reject_constant(text: str):
    raise ValueError(text)


def _depth(value) -> int:
    """The nesting depth of a parsed document (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def load_json(text: str | bytes, *, name: str):
    """``json.loads`` within the depth and number limits; ``NaN`` and ``Infinity`` are refused.

    Raises :class:`InputRefused` for a limit, ``json.JSONDecodeError`` (a ``ValueError``) for text
    that is not JSON, as ``json.loads`` does.
    """
    depth, digits = settings.SVIDOK_IMPORT_MAX_JSON_DEPTH, settings.SVIDOK_IMPORT_MAX_NUMBER_DIGITS
    try:
        value = json.loads(text, parse_int=_number(int), parse_float=_number(float), parse_constant=_reject_constant)
    except _TooLong as exc:
        raise InputRefused(_("%(name)s holds a number %(length)d characters long; the limit is %(limit)d.")
                           % {"name": name, "length": exc.args[0], "limit": digits}) from None
    except RecursionError:
        raise InputRefused(_("%(name)s is nested more than %(limit)d levels deep.") % {"name": name, "limit": depth}) from None
    if _depth(value) > depth:
        raise InputRefused(_("%(name)s is nested more than %(limit)d levels deep.") % {"name": name, "limit": depth})
    return value


# --- ZIP ----------------------------------------------------------------------------------------------

# Small members may compress very well (a run of empty rows) without costing anything: the ratio
# only counts above this size.
_RATIO_FLOOR = 1024 * 1024


def open_zip(data: bytes | io.IOBase, *, name: str) -> zipfile.ZipFile:
    """The ZIP archive, once its central directory passed :func:`check_zip`.

    Raises ``zipfile.BadZipFile`` for what is not a ZIP archive, :class:`InputRefused` for a limit.
    """
    archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    try:
        check_zip(archive, name=name)
    except InputRefused:
        archive.close()
        raise
    return archive


def check_zip(archive: zipfile.ZipFile, *, name: str) -> None:
    """Members, declared unpacked size and compression ratio within the limits (nothing decompressed)."""
    members = archive.infolist()
    most = settings.SVIDOK_IMPORT_MAX_ZIP_MEMBERS
    if len(members) > most:
        raise InputRefused(_("%(name)s holds %(count)d files; the limit is %(limit)d.")
                           % {"name": name, "count": len(members), "limit": most})
    limit, ratio = settings.SVIDOK_IMPORT_MAX_UNPACKED_BYTES, settings.SVIDOK_IMPORT_MAX_RATIO
    total = 0
    for member in members:
        total += member.file_size
        if total > limit:
            raise InputRefused(_("%(name)s unpacks to more than %(limit)s; it is refused.")
                               % {"name": name, "limit": _size(limit)})
        if member.file_size > _RATIO_FLOOR and member.file_size > ratio * max(member.compress_size, 1):
            raise InputRefused(_("%(name)s: %(member)s unpacks to %(ratio)d times its packed size (the limit is %(limit)d): "
                                 "a zip bomb is refused.")
                               % {"name": name, "member": member.filename[:100],
                                  "ratio": member.file_size // max(member.compress_size, 1), "limit": ratio})


def read_member(archive: zipfile.ZipFile, member: str | zipfile.ZipInfo, *, name: str) -> bytes:
    """A member's bytes, read in chunks and stopped at the unpacked-size limit whatever its header says."""
    limit = settings.SVIDOK_IMPORT_MAX_UNPACKED_BYTES
    chunks, size = [], 0
    with archive.open(member) as handle:
        while chunk := handle.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                raise InputRefused(_("%(name)s unpacks to more than %(limit)s; it is refused.")
                                   % {"name": name, "limit": _size(limit)})
            chunks.append(chunk)
    return b"".join(chunks)


def _size(count: int) -> str:
    from django.template.defaultfilters import filesizeformat

    return str(filesizeformat(count))


# --- XLSX ---------------------------------------------------------------------------------------------

_XML_SUFFIXES = (".xml", ".rels", ".vml")

# What openpyxl and zipfile raise for a damaged workbook: a bad ZIP or deflate stream, a missing
# part, XML that does not parse (ParseError and lxml's errors are SyntaxErrors), values of the
# wrong type or shape where openpyxl expects others. Callers report them all as "not a readable
# workbook"; they are read only inside the reading of one file, so nothing else is hidden.
XLSX_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, TypeError, AttributeError, IndexError,
                   OSError, SyntaxError)


def _check_xml_prolog(archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, name: str) -> None:
    """Refuse a DTD in an XML part (no spreadsheet needs one; entity bombs and external entities
    live there). Parsed with defusedxml up to the root element only, so the check is cheap."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, iterparse

    try:
        with archive.open(member) as handle:
            for _event in iterparse(handle, events=("start",), forbid_dtd=True):
                break
    except DefusedXmlException:
        raise InputRefused(_("%(name)s: %(member)s declares a DTD or entities, which spreadsheets never do; it is refused.")
                           % {"name": name, "member": member.filename[:100]}) from None
    except (ParseError, *XLSX_UNREADABLE):
        pass  # openpyxl reports what it cannot read, or ignores parts it does not need


def open_xlsx(data: bytes, *, name: str):
    """An openpyxl read-only workbook of ``data`` and its first sheet's bounds.

    Returns ``(workbook, sheet, max_row, max_col)``: iterate with
    ``sheet.iter_rows(max_row=max_row, max_col=max_col)`` and refuse a file that yields a row past
    ``SVIDOK_IMPORT_MAX_ROWS`` (:func:`check_row_count`); a sheet without a declared dimension
    cannot make openpyxl fill millions of empty rows that way. Raises ``zipfile.BadZipFile``,
    ``KeyError``, ``ValueError`` or ``OSError`` for what is not a workbook (as openpyxl does), and
    :class:`InputRefused` for a limit or a DTD.
    """
    from openpyxl import load_workbook

    archive = open_zip(data, name=name)
    with archive:
        for member in archive.infolist():
            if member.filename.lower().endswith(_XML_SUFFIXES):
                _check_xml_prolog(archive, member, name=name)
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    rows, columns = settings.SVIDOK_IMPORT_MAX_ROWS, settings.SVIDOK_IMPORT_MAX_COLUMNS
    declared_rows, declared_columns = sheet.max_row, sheet.max_column
    if declared_rows is not None and declared_rows > rows + 1:
        workbook.close()
        raise InputRefused(_("%(name)s declares %(count)d rows; the limit is %(limit)d.")
                           % {"name": name, "count": declared_rows - 1, "limit": rows})
    if declared_columns is not None and declared_columns > columns:
        workbook.close()
        raise InputRefused(_("%(name)s declares %(count)d columns; the limit is %(limit)d.")
                           % {"name": name, "count": declared_columns, "limit": columns})
    # One row past the limit (with the header): reaching it is what check_row_count refuses.
    return workbook, sheet, rows + 2, min(declared_columns or columns, columns)


def check_row_count(count: int, *, name: str) -> None:
    """Refuse the file once it has more data rows than ``SVIDOK_IMPORT_MAX_ROWS`` (call while reading)."""
    if count > settings.SVIDOK_IMPORT_MAX_ROWS:
        raise InputRefused(_("%(name)s has more than %(limit)d rows; split it into smaller files.")
                           % {"name": name, "limit": settings.SVIDOK_IMPORT_MAX_ROWS})
