"""A result set checked against the file's own totals, and its marked rows, ready to show.

What the platform holds (precincts, registered voters) beside what the file's rows of higher
commissions say (``ResultSet.mapping["totals"]``, checked at import by
:func:`svidok.forensics.parsing._totals_checked`), and the marks (remote electronic voting, empty
stations) with their file lines. Only the file's own rows are compared: no outside reference.
The result set page, the import's outcome, the API's result set detail and the import command
read it from here, so they say the same.
"""

from __future__ import annotations

import re

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from svidok.forensics.models import Precinct, ResultSet
from svidok.forensics.parsing import MARK_ELECTRONIC, MARK_NO_BALLOTS, MARK_NO_REGISTERED, MARKS, naming_electronic

# How many file lines of a mark a page lists before "and N more".
SHOWN_LINES = 20
# The import writes each mismatch as "<figure>: <file's value> in the row, <sum> in the sum of its <n> precincts"
# (parsing._totals_checked); the figure is a candidate's, party's or answer's column name and may hold a colon.
_MISMATCH = re.compile(r"^(?P<figure>.*): (?P<file>-?\d+) in the row, (?P<sum>-?\d+) in the sum of its (?P<n>\d+) precincts$")
FIGURES = {"registered": _("registered voters"), "issued": _("ballots issued")}
MARK_ORDER = (MARK_ELECTRONIC, MARK_NO_REGISTERED, MARK_NO_BALLOTS)


def held(result_set: ResultSet) -> dict:
    """The number of precincts and the registered voters the platform holds for the result set."""
    row = Precinct.objects.filter(result_set=result_set).aggregate(precincts=Count("id"), registered=Sum("registered"))
    return {"precincts": row["precincts"], "registered": row["registered"] or 0}


def mismatch(text: str) -> dict:
    """One stored mismatch as ``{figure, figure_label, file, sum, precincts}`` (``text`` alone if unreadable)."""
    match = _MISMATCH.match(text)
    if match is None:
        return {"text": text}
    figure = match["figure"]
    return {"figure": figure, "figure_label": str(FIGURES.get(figure, figure)), "file": int(match["file"]),
            "sum": int(match["sum"]), "precincts": int(match["n"])}


def totals(result_set: ResultSet) -> list[dict]:
    """The file's rows of higher commissions, each with what it covers and its mismatches in parts."""
    out = []
    for row in result_set.mapping.get("totals") or []:
        where = " / ".join(x for x in (row.get("region", ""), row.get("tik", "")) if x)
        mismatches = [mismatch(m) for m in row.get("mismatches") or []]
        out.append({"line": row["line"], "level": row.get("level", ""), "where": where,
                    "precincts": row.get("precincts", 0), "registered": row.get("registered"),
                    "agrees": not mismatches, "mismatches": mismatches})
    return out


def marks(result_set: ResultSet) -> list[dict]:
    """The marks of the result set in a fixed order: ``{mark, label, count, lines, more}``, where
    ``lines`` are the first SHOWN_LINES file lines and ``more`` how many are not listed."""
    stored = result_set.mapping.get("marks") or {}
    out = []
    for mark in MARK_ORDER:
        if mark not in stored:
            continue
        count, lines = stored[mark]["count"], stored[mark]["lines"]
        out.append({"mark": mark, "label": str(MARKS[mark]), "count": count, "lines": lines[:SHOWN_LINES],
                    "more": count - len(lines[:SHOWN_LINES])})
    return out


def import_checks(result_set: ResultSet) -> dict:
    """Everything the pages, the API and the command show about a result set's checks (JSON-ready).

    ``has_totals`` is false when the file carries no rows of higher commissions: nothing of its own
    to check the sums against. ``mismatched`` counts the higher rows that do not match."""
    rows = totals(result_set)
    return {"held": held(result_set), "has_totals": bool(rows), "totals": rows,
            "mismatched": sum(not r["agrees"] for r in rows), "marks": marks(result_set)}


def electronic_count(result_set: ResultSet) -> int:
    """How many rows of remote electronic voting the import found (0 for a file without them)."""
    return ((result_set.mapping.get("marks") or {}).get(MARK_ELECTRONIC) or {}).get("count", 0)


def row_marks(precinct: Precinct) -> list[str]:
    """The marks of one stored precinct, by the import's rules (see parsing.MARKS)."""
    out = []
    if naming_electronic([precinct.tik, precinct.uik]).any():
        out.append(MARK_ELECTRONIC)
    if precinct.registered == 0:
        out.append(MARK_NO_REGISTERED)
    issued = (precinct.issued_early, precinct.issued_station, precinct.issued_outside)
    if None not in issued and sum(issued) == 0:
        out.append(MARK_NO_BALLOTS)
    return out
