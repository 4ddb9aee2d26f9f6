"""Reading CSV, XLSX and JSON files into ``(line, {column: value})`` rows, before any validation.

A file that cannot be read as a whole (encoding, format, missing or unknown columns) raises
:class:`ImportFileError`; a row that cannot be read on its own is kept with an ``__error__`` entry,
which validation reports with its line.
"""

import csv
import datetime as dt
import io
import json
from pathlib import Path

from django.utils.translation import gettext as _

from svidok.common.text import UndecodableText, decode_text
from svidok.common.untrusted import XLSX_UNREADABLE, InputRefused, check_row_count, load_json, open_xlsx
from svidok.incidents.importing.columns import COLUMNS, REQUIRED_COLUMNS


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, format, missing columns)."""


def _decode(raw: bytes, name: str) -> str:
    try:
        return decode_text(raw, name=name)
    except UndecodableText as exc:
        if exc.utf16:
            raise ImportFileError(_("%(name)s is UTF-16 encoded; save it as UTF-8 (in a spreadsheet: 'CSV UTF-8').") % {"name": name}) from None
        raise ImportFileError(
            _("%(name)s is not UTF-8 (undecodable byte at line %(line)s); save it as UTF-8 (in a spreadsheet: 'CSV UTF-8').")
            % {"name": name, "line": exc.line}
        ) from None


def _check_columns(header: list[str], name: str) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(_("%(name)s lacks the required column(s): %(columns)s.") % {"name": name, "columns": ", ".join(missing)})
    unknown = [c for c in header if c and c not in COLUMNS]
    if unknown:
        raise ImportFileError(_("%(name)s has unknown column(s): %(columns)s (see docs/import-format.md).") % {"name": name, "columns": ", ".join(unknown)})


def read_csv(raw: bytes, name: str = "file") -> list[tuple[int, dict]]:
    reader = csv.reader(io.StringIO(_decode(raw, name), newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ImportFileError(_("%(name)s is empty.") % {"name": name}) from None
    except csv.Error as exc:
        raise ImportFileError(f"{name} is not a readable CSV file: {exc}") from None
    _check_columns(header, name)
    rows = []
    line = reader.line_num + 1
    try:
        for values in reader:
            check_row_count(len(rows) + 1, name=name)
            if any(v.strip() for v in values):
                if len(values) > len(header):
                    rows.append((line, {"__error__": _("%(cells)s cells but %(columns)s columns") % {"cells": len(values), "columns": len(header)}}))
                else:
                    rows.append((line, dict(zip(header, values, strict=False))))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(f"{name}, line {reader.line_num}: {exc}") from None
    except InputRefused as exc:
        raise ImportFileError(str(exc)) from None
    return rows


def read_xlsx(raw: bytes, name: str = "file") -> list[tuple[int, dict]]:
    from defusedxml import DefusedXmlException

    try:
        workbook, sheet, max_row, max_col = open_xlsx(raw, name=name)
    except InputRefused as exc:
        raise ImportFileError(str(exc)) from None
    except (*XLSX_UNREADABLE, DefusedXmlException) as exc:
        raise ImportFileError(f"{name} is not a readable XLSX workbook ({exc.__class__.__name__}).") from None
    try:
        return _xlsx_rows(sheet.iter_rows(values_only=True, max_row=max_row, max_col=max_col), name)
    except InputRefused as exc:
        raise ImportFileError(str(exc)) from None
    except (*XLSX_UNREADABLE, DefusedXmlException) as exc:
        raise ImportFileError(f"{name} is not a readable XLSX workbook ({exc.__class__.__name__}).") from None
    finally:
        workbook.close()


def _xlsx_rows(rows_iter, name: str) -> list[tuple[int, dict]]:
    try:
        header = [str(h or "").strip().lower() for h in next(rows_iter)]
    except StopIteration:
        raise ImportFileError(_("%(name)s is empty.") % {"name": name}) from None
    _check_columns(header, name)
    rows = []
    for line, values in enumerate(rows_iter, start=2):
        check_row_count(line - 1, name=name)
        cells = {}
        for column, value in zip(header, values, strict=False):
            if not column or value is None:
                continue
            if isinstance(value, dt.datetime):
                value = value.date().isoformat()
            elif isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, float) and value.is_integer():
                value = str(int(value))
            cells[column] = str(value)
        if any(v.strip() for v in cells.values()):
            rows.append((line, cells))
    return rows


def read_json(raw: bytes, name: str = "file") -> list[tuple[int, dict]]:
    try:
        data = load_json(_decode(raw, name), name=name)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}.") from None
    except InputRefused as exc:
        raise ImportFileError(str(exc)) from None
    except ValueError as exc:  # NaN or Infinity, which JSON does not have
        raise ImportFileError(f"{name} is not valid JSON: {exc} is not a number JSON knows.") from None
    if isinstance(data, dict):
        data = data.get("incidents")
    if not isinstance(data, list):
        raise ImportFileError(_("%(name)s must hold a list of incidents (or an export with an 'incidents' list).") % {"name": name})
    try:
        check_row_count(len(data), name=name)
    except InputRefused as exc:
        raise ImportFileError(str(exc)) from None
    # JSON items are numbered from 1 ("line" in reports means item number).
    return [(n, item if isinstance(item, dict) else {"__error__": _("an incident must be a JSON object")})
            for n, item in enumerate(data, start=1)]


def read_file(path: str | Path, fmt: str | None = None) -> list[tuple[int, dict]]:
    """Read a CSV, XLSX or JSON file into ``(line, row)`` pairs; the format follows the suffix by default."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    readers = {"csv": read_csv, "xlsx": read_xlsx, "json": read_json}
    if fmt not in readers:
        raise ImportFileError(f"Unknown format {fmt!r}; use csv, xlsx or json.")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Cannot read {path.name}: {exc.strerror}.") from None
    return readers[fmt](raw, path.name)
