"""Cells for CSV and XLSX exports: no formula, no character the file format cannot hold.

A spreadsheet opening an export runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula (``=HYPERLINK(...)`` leaks data, ``+cmd|...`` once ran programs), and a tab or carriage
return in front lets one through after a re-import. Following OWASP ("CSV injection"), a text cell
starting with any of these gets a leading apostrophe, which spreadsheets show as text; numbers and
dates stay what they are. XLSX (XML) cannot hold most control characters at all: openpyxl refuses
the whole file, so they are replaced by U+FFFD, in CSV cells too (input validation refuses them
now, but records older than that rule may hold them).
"""

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# What XML 1.0 cannot carry: C0 controls except tab, newline and carriage return, lone surrogates,
# and the non-characters U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def csv_cell(value):
    """``value`` safe to write into a CSV or XLSX cell: text never read as a formula, and holding
    only characters XML allows (a CSV holding NUL trips many readers, Svidok's importer among them)."""
    if not isinstance(value, str):
        return value
    value = _NOT_XML.sub("\ufffd", value)
    return "'" + value if value.startswith(FORMULA_START) else value


# The same rule: XLSX is where a control character breaks the whole file.
xlsx_cell = csv_cell


def csv_row(row: dict) -> dict:
    """A ``csv.DictWriter`` row with every cell made safe by :func:`csv_cell`."""
    return {key: csv_cell(value) for key, value in row.items()}
