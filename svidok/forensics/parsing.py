"""Reading precinct-result files: zipped or plain CSV, columns found by name or by an explicit mapping.

Published precinct files differ from year to year (column wording, an ``oik`` column or not,
``uik`` written ``554`` or ``УИК №554``, absentee-certificate lines, regions whose rows carry no
numbers). :func:`detect_columns` recognises the protocol lines of Russian CEC exports by their
wording; anything it cannot place is either a candidate column or reported as ignored, and a
mapping given by the user overrides the guess field by field.

The file is read whole or rejected whole: a structural problem (no header, a row with the wrong
number of cells, a cell that is not a whole number, a mapping naming an absent column) raises
:class:`ResultsFileError` listing each problem with its line and column. Content that is readable
but implausible (ballots issued above registered, votes not adding up, negative or missing
numbers, a precinct listed twice) is *flagged* per precinct and kept, never dropped. Rows that are
not faults but not ordinary stations either (remote electronic voting, a station with no voter or
no ballot) are *marked* and counted; rows of higher commissions (a ``level`` column) are kept apart
as the file's own totals and checked against their precincts. docs/forensics.md lists the shapes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext_lazy as _

from svidok.common.text import UndecodableText, decode_text
from svidok.common.untrusted import InputRefused, open_zip, read_member
from svidok.forensics.arrays import PROTOCOL_FIELDS, REQUIRED_FIELDS, Precincts

if TYPE_CHECKING:
    import pandas as pd

IDENTITY_FIELDS = ("region", "oik", "tik", "uik", "url")
MAX_ERRORS = 50
# The largest count the database stores (PostgreSQL integer); no precinct comes near it.
MAX_COUNT = 2**31 - 1

# Validation flags, as stored on each precinct and shown in reports.
FLAG_MISSING = "missing"                      # a number the analyses need is empty
FLAG_NEGATIVE = "negative"                    # a negative number anywhere in the protocol
FLAG_ISSUED_ABOVE_REGISTERED = "issued_above_registered"
FLAG_VOTES_NOT_VALID = "votes_not_valid"      # candidate votes do not add up to valid ballots
FLAG_BOXES_NOT_CAST = "boxes_not_cast"        # ballots in boxes differ from valid + invalid
FLAG_DUPLICATE = "duplicate"                  # same region, commission and precinct as an earlier row
FLAGS = {
    FLAG_MISSING: _("a number needed for analysis is missing"),
    FLAG_NEGATIVE: _("a negative number"),
    FLAG_ISSUED_ABOVE_REGISTERED: _("more ballots issued than voters registered"),
    FLAG_VOTES_NOT_VALID: _("candidate votes do not add up to the valid ballots"),
    FLAG_BOXES_NOT_CAST: _("ballots in the boxes differ from valid + invalid ballots"),
    FLAG_DUPLICATE: _("the same precinct appears twice"),
}
# Marks: facts about a row, not faults (the row is counted like any other): remote electronic voting
# (no polling station, no precinct number: the CEC's totals include it), a station with no voter on
# its list, a station that issued no ballot. Kept per result set as the file lines they are on.
MARK_ELECTRONIC = "electronic"
MARK_NO_REGISTERED = "no_registered"
MARK_NO_BALLOTS = "no_ballots"
MARKS = {
    MARK_ELECTRONIC: _("remote electronic voting, not a polling station"),
    MARK_NO_REGISTERED: _("no voters registered at this station"),
    MARK_NO_BALLOTS: _("no ballots issued at this station"),
}

# ONE table of the wordings the CEC uses for each protocol line (lower-case, ё written е), in the
# order tried: more specific wordings first ("вне помещения" before "в помещении"). Years differ by
# number ("в список" / "в списки", "в помещении" / "в помещениях") and by who votes ("избиратели",
# "участники голосования" in the 2020 vote, "участники референдума"). ``issued_total`` is not a
# protocol field: the 2020 file gives only the ballots issued in all (see :func:`_check`). Lines about
# absentee certificates ("открепительных удостоверений") never map to a ballot field.
CEC_WORDINGS = (
    ("registered", ("избирателей, включенных в список", "избирателей, включенных в списки",
                    "избирателей, внесенных в список", "избирателей, внесенных в списки",
                    "участников голосования, включенных в список", "участников голосования, внесенных в список",
                    "участников референдума, включенных", "участников референдума, внесенных")),
    ("ballots_received", ("бюллетеней, полученных", "полученных избирательных бюллетеней")),
    ("issued_early", ("досрочно",)),
    ("issued_outside", ("выданных вне помещения", "выданных вне помещений", "вне помещения для голосования",
                        "вне помещений для голосования")),
    ("issued_station", ("выданных в помещении", "выданных в помещениях", "в помещении для голосования",
                        "в помещениях для голосования", "выданных в день голосования")),
    ("issued_total", ("бюллетеней, выданных участникам голосования", "бюллетеней, выданных участникам референдума")),
    ("cancelled", ("погашенных",)),
    ("portable_box", ("переносных ящиках",)),
    ("stationary_box", ("стационарных ящиках",)),
    ("invalid", ("недействительных",)),
    ("valid", ("действительных",)),
    ("lost", ("утраченных",)),
    ("unaccounted", ("не учтенных при получении", "неучтенных")),
)
_IDENTITY_NAMES = {
    "region": ("region", "регион", "субъект"),
    "oik": ("oik", "оик", "округ"),
    "tik": ("tik", "тик"),
    "uik": ("uik", "уик", "precinct"),
    "url": ("url", "link", "ссылка"),
}
# Text columns read but not stored per precinct: ``level`` names the commission that published the
# row (a precinct's, or a higher one whose row holds its totals), ``name`` the vote (the 2020 file).
TEXT_FIELDS = ("level", "name")
_TEXT_NAMES = {"level": ("level", "уровень"), "name": ("name", "название выборов")}
# How the answers of a vote (not candidates, not parties) are written.
_ANSWERS = {"да", "нет", "за", "против"}
_PARTY = re.compile(r"^\d+\.\s.*парти", re.IGNORECASE)
# A level naming a precinct commission; any other level names a higher commission.
_PRECINCT_LEVEL = ("уик", "участков")
ELECTRONIC = "дистанционное электронное голосование"
_IGNORED_MARKERS = ("открепительн", "досрочного голосования")
_UIK_NUMBER = re.compile(r"(\d+)")


class ResultsFileError(Exception):
    """The file cannot be imported; ``problems`` lists each one (line, column, why)."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []

    def __str__(self):
        text = self.args[0]
        if self.problems:
            text += "\n" + "\n".join(f"  - {p}" for p in self.problems)
        return text


@dataclass
class ColumnMapping:
    """Which header of the file holds which field; the candidates' columns, and the leader's."""

    fields: dict[str, str] = field(default_factory=dict)  # field name -> header (identity and protocol)
    candidates: list[str] = field(default_factory=list)
    leader: str = ""
    ignored: list[str] = field(default_factory=list)
    # What the vote columns are: "candidates", "parties" (Duma party lists) or "answers" (ДА/НЕТ).
    kind: str = "candidates"
    # Fields not read from a column but worked out, and how (e.g. valid = sum of the answers).
    derived: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        out = {"fields": dict(self.fields), "candidates": list(self.candidates), "leader": self.leader,
               "ignored": list(self.ignored)}
        if self.kind != "candidates":
            out["kind"] = self.kind
        if self.derived:
            out["derived"] = dict(self.derived)
        return out

    @property
    def leader_role(self) -> str:
        """How the leader is named: the candidate, party or answer with most votes."""
        return {"parties": "the party with most votes", "answers": "the answer with most votes"}.get(
            self.kind, "the candidate with most votes")


@dataclass
class ParsedResults:
    """A whole file, read and checked, column by column (``None`` where a cell was empty)."""

    name: str
    sha256: str
    size: int
    mapping: ColumnMapping
    lines: list[int]
    identity: dict[str, list[str]]
    counts: dict[str, list[int | None]]
    votes: list[list[int | None]]
    flags: list[list[str]]
    arrays: dict | None = None  # the same numbers as NumPy arrays (counts, missing, votes, votes_missing)
    # Rows of higher commissions (a ``level`` column naming one): kept out of the precincts, each
    # checked against the sums of its precincts (line, level, region, tik, precincts, mismatches).
    totals: list[dict] = field(default_factory=list)
    marks: dict[str, list[int]] = field(default_factory=dict)  # MARKS -> file lines of the rows so marked

    @property
    def candidates(self) -> list[str]:
        return self.mapping.candidates

    @property
    def leader(self) -> int:
        return self.mapping.candidates.index(self.mapping.leader)

    def __len__(self) -> int:
        return len(self.lines)

    def flag_counts(self) -> dict[str, int]:
        totals = dict.fromkeys(FLAGS, 0)
        for flags in self.flags:
            for f in flags:
                totals[f] += 1
        return totals

    def to_precincts(self) -> Precincts:
        """Arrays for analysis: every precinct with the required numbers (the others counted as excluded)."""
        keep = [i for i, flags in enumerate(self.flags) if FLAG_MISSING not in flags]
        if self.arrays is not None:
            index = np.array(keep, dtype=np.int64)
            return Precincts(
                region=np.array(self.identity["region"], dtype=object)[index],
                tik=np.array(self.identity["tik"], dtype=object)[index],
                uik=np.array(self.identity["uik"], dtype=object)[index],
                uik_number=np.array([uik_number(self.identity["uik"][i]) for i in keep], dtype=np.int64),
                counts={f: self.arrays["counts"][f][index] for f in PROTOCOL_FIELDS},
                votes=self.arrays["votes"][index],
                candidates=tuple(self.candidates),
                leader=self.leader,
                excluded=len(self) - len(keep),
                row=np.array(self.lines, dtype=np.int64)[index],
            )
        return build_precincts(
            region=[self.identity["region"][i] for i in keep],
            tik=[self.identity["tik"][i] for i in keep],
            uik=[self.identity["uik"][i] for i in keep],
            counts={f: [self.counts[f][i] or 0 for i in keep] for f in PROTOCOL_FIELDS},
            votes=[self.votes[i] for i in keep],
            candidates=self.candidates,
            leader=self.leader,
            excluded=len(self) - len(keep),
            rows=[self.lines[i] for i in keep],
        )


def uik_number(label: str) -> int:
    """The precinct number in a label: ``"554"`` and ``"УИК №554"`` both give 554; -1 when none."""
    match = _UIK_NUMBER.search(label or "")
    if not match:
        return -1
    number = int(match.group(1))
    return number if number <= MAX_COUNT else -1  # some other long figure, not a precinct number


def build_precincts(*, region, tik, uik, counts, votes, candidates, leader, excluded=0, rows=None) -> Precincts:
    n = len(region)
    width = len(candidates)
    return Precincts(
        region=np.array(region, dtype=object),
        tik=np.array(tik, dtype=object),
        uik=np.array(uik, dtype=object),
        uik_number=np.array([uik_number(u) for u in uik], dtype=np.int64),
        counts={f: np.array(counts[f], dtype=np.int64) for f in PROTOCOL_FIELDS},
        votes=np.array(votes, dtype=np.int64).reshape(n, width),
        candidates=tuple(candidates),
        leader=leader,
        excluded=excluded,
        row=None if rows is None else np.array(rows, dtype=np.int64),
    )


# -- reading ---------------------------------------------------------------------------------


def _normalize(header: str) -> str:
    return " ".join(header.replace("ё", "е").replace("Ё", "Е").lower().split())


def detect_columns(header: list[str], overrides: dict | None = None) -> ColumnMapping:
    """Guess the mapping from the header; ``overrides`` (same keys as :meth:`ColumnMapping.as_dict`
    minus ``ignored``, ``fields`` may also be given flat) wins wherever it says something."""
    overrides = dict(overrides or {})
    forced_fields = overrides.pop("fields", {}) or {}
    forced_candidates = overrides.pop("candidates", None)
    forced_leader = overrides.pop("leader", "") or ""
    forced_ignore = overrides.pop("ignore", []) or []
    # A mapping comes from a user's JSON file: check its shape before using it.
    problems = _shape_problems(forced_fields, forced_candidates, forced_leader, forced_ignore, overrides)
    if problems:
        raise ResultsFileError("The column mapping does not fit the file.", problems)
    forced_fields = dict(forced_fields)
    forced_ignore = list(forced_ignore)
    # Flat form: {"registered": "Header", ...}
    for key in list(overrides):
        if key in PROTOCOL_FIELDS or key in IDENTITY_FIELDS:
            forced_fields[key] = overrides.pop(key)
    if overrides:
        raise ResultsFileError(
            f"Unknown key(s) in the column mapping: {', '.join(sorted(overrides))}. Known: fields "
            f"({', '.join(IDENTITY_FIELDS + PROTOCOL_FIELDS)}), candidates, leader, ignore."
        )
    present = set(header)
    for key, column in forced_fields.items():
        if key not in PROTOCOL_FIELDS and key not in IDENTITY_FIELDS:
            problems.append(f"mapping: {key!r} is not a field (known: {', '.join(IDENTITY_FIELDS + PROTOCOL_FIELDS)})")
        elif column and column not in present:
            problems.append(f"mapping: {key} -> {column!r}: the file has no such column")
    for column in (forced_candidates or []) + ([forced_leader] if forced_leader else []) + forced_ignore:
        if column not in present:
            problems.append(f"mapping: {column!r}: the file has no such column")
    named = [c for c in forced_fields.values() if c] + (forced_candidates or []) + forced_ignore
    problems += [f"mapping: {c!r} is named for more than one field" for c in sorted({c for c in named if named.count(c) > 1})]
    if problems:
        raise ResultsFileError("The column mapping does not fit the file.", problems)

    mapping = ColumnMapping(fields={k: v for k, v in forced_fields.items() if v})
    taken = set(mapping.fields.values()) | set(forced_ignore) | set(forced_candidates or [])
    unplaced = []
    for column in header:
        if column in taken:
            continue
        if not column:
            mapping.ignored.append(column)  # unnamed (a trailing delimiter): never a candidate
            continue
        norm = _normalize(column)
        placed = False
        for key, names in _IDENTITY_NAMES.items():
            if key not in mapping.fields and norm in names:
                mapping.fields[key] = column
                placed = True
                break
        for key, names in _TEXT_NAMES.items():
            if key not in mapping.fields and norm in names:
                mapping.fields[key] = column
                placed = True
                break
        if placed:
            continue
        if norm in PROTOCOL_FIELDS and norm not in mapping.fields:
            mapping.fields[norm] = column
            continue
        if any(marker in norm for marker in _IGNORED_MARKERS):
            mapping.ignored.append(column)
            continue
        for key, patterns in CEC_WORDINGS:
            if key not in mapping.fields and any(p in norm for p in patterns):
                mapping.fields[key] = column
                placed = True
                break
        if placed:
            continue
        if norm.startswith("число ") or norm.startswith("number of "):
            mapping.ignored.append(column)  # a protocol line we do not use
        else:
            unplaced.append(column)
    mapping.ignored += forced_ignore
    mapping.candidates = list(forced_candidates) if forced_candidates is not None else unplaced
    if forced_candidates is not None:
        mapping.ignored += [c for c in unplaced if c not in mapping.candidates]
    mapping.leader = forced_leader

    missing = [f for f in ("region", "uik") + REQUIRED_FIELDS if f not in mapping.fields]
    if "issued_total" in mapping.fields and not {"issued_early", "issued_station", "issued_outside"} & set(mapping.fields):
        # The 2020 vote's protocol gives the ballots issued in all, not where: see _check.
        missing = [f for f in missing if not f.startswith("issued_")]
        mapping.derived.update({"issued_station": "ballots issued in all (the file does not split them)",
                                "issued_early": "0 (not in the file)", "issued_outside": "0 (not in the file)"})
    elif "issued_total" in mapping.fields:
        mapping.ignored.append(mapping.fields.pop("issued_total"))
    if "valid" in missing and vote_kind(mapping.candidates) == "answers":
        missing.remove("valid")
        mapping.derived["valid"] = "sum of the votes for each answer"
    if missing:
        raise ResultsFileError(
            "Cannot tell which column holds: " + ", ".join(missing) + ". Name them in a column mapping "
            "(e.g. --column registered='<header>'); the file's columns are: " + "; ".join(header) + "."
        )
    if not mapping.candidates:
        raise ResultsFileError("The file has no candidate (or party) columns; list them in the column mapping.")
    if mapping.leader and mapping.leader not in mapping.candidates:
        raise ResultsFileError(f"The leader {mapping.leader!r} is not one of the candidate columns.")
    mapping.kind = vote_kind(mapping.candidates)
    return mapping


def vote_kind(columns: list[str]) -> str:
    """"answers" when every vote column is an answer (ДА, НЕТ), "parties" when most are numbered
    parties (Duma lists: "4. Всероссийская политическая партия ..."), else "candidates"."""
    names = [_normalize(c) for c in columns]
    if names and all(n in _ANSWERS for n in names):
        return "answers"
    if names and sum(bool(_PARTY.match(n)) for n in names) * 2 > len(names):
        return "parties"
    return "candidates"


def _shape_problems(fields, candidates, leader, ignore, flat) -> list[str]:
    """What is wrong with the shape of a mapping (it comes from a user's JSON file)."""
    problems = []
    named = dict(flat)
    if isinstance(fields, dict):
        named.update(fields)
    else:
        problems.append("mapping: fields must be an object {field: column}")
    for key, column in named.items():
        if (key in PROTOCOL_FIELDS or key in IDENTITY_FIELDS) and column is not None and not isinstance(column, str):
            problems.append(f"mapping: {key} must be a column name")
    for key, value in (("candidates", candidates), ("ignore", ignore)):
        if value is not None and not (isinstance(value, list) and all(isinstance(c, str) for c in value)):
            problems.append(f"mapping: {key} must be a list of column names")
    if not isinstance(leader, str):
        problems.append("mapping: leader must be a column name")
    return problems


def _decode(raw: bytes, name: str, encoding: str | None) -> str:
    try:
        return decode_text(raw, name=name, encoding=encoding or "UTF-8")
    except LookupError:
        raise ResultsFileError(f"{name} cannot be read as {encoding}: LookupError.") from None
    except UndecodableText as exc:
        if encoding:
            raise ResultsFileError(f"{name} cannot be read as {encoding} (undecodable byte at line {exc.line}).") from None
        raise ResultsFileError(
            f"{name} is not UTF-8 (undecodable byte at line {exc.line}); give its encoding (e.g. --encoding cp1251)."
        ) from None


def _unzip(raw: bytes, name: str) -> tuple[bytes, str]:
    try:
        archive = open_zip(raw, name=name)
    except zipfile.BadZipFile:
        raise ResultsFileError(f"{name} is not a readable ZIP archive.") from None
    except InputRefused as exc:
        raise ResultsFileError(str(exc)) from None
    members = [m for m in archive.namelist() if m.lower().endswith((".csv", ".txt", ".tsv")) and not m.startswith("__MACOSX")]
    if len(members) != 1:
        raise ResultsFileError(
            f"{name} must hold exactly one CSV file; it holds {len(members)}"
            + (f" ({', '.join(members[:5])})." if members else ".")
        )
    try:
        return read_member(archive, members[0], name=name), members[0]
    except InputRefused as exc:
        raise ResultsFileError(str(exc)) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
        # A damaged member, a compression method or encryption zipfile does not read.
        raise ResultsFileError(f"{name}: {members[0][:100]} cannot be unpacked (damaged, encrypted or of an unknown compression).") from None
    finally:
        archive.close()


def _delimiter(first_line: str) -> str:
    # Only delimiters outside quotes count: CEC headers are quoted because they hold commas.
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t")}
    return max(counts, key=counts.get)


def read_results(source: str | Path | bytes, *, name: str | None = None, mapping: dict | None = None,
                 leader: str | None = None, encoding: str | None = None) -> ParsedResults:
    """Read and check a results file (path or bytes; ``.zip`` holding one CSV, or plain CSV/TSV).

    ``mapping`` overrides column detection (see :func:`detect_columns`); ``leader`` names the
    candidate column to analyse (default: the candidate with the most votes in the file).
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or path.name
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ResultsFileError(f"Cannot read {path.name}: {exc.strerror}.") from None
    else:
        raw, name = source, name or "file"
    sha256 = hashlib.sha256(raw).hexdigest()
    size = len(raw)
    content = raw
    if raw[:4] == b"PK\x03\x04":
        content, _member = _unzip(raw, name)
    text = _decode(content, name, encoding)
    if not text.strip():
        raise ResultsFileError(f"{name} is empty.")
    first_line = text.split("\n", 1)[0]
    delimiter = _delimiter(first_line)
    try:
        header = [h.strip() for h in next(csv.reader([first_line.rstrip("\r")], delimiter=delimiter))]
    except (csv.Error, StopIteration) as exc:
        raise ResultsFileError(f"{name} is not a readable CSV file: {exc}") from None
    duplicated = sorted({h for h in header if header.count(h) > 1 and h})
    if duplicated:
        raise ResultsFileError(f"{name} has duplicate column names: {', '.join(duplicated)}.")
    overrides = dict(mapping or {})
    if leader:
        overrides["leader"] = leader
    columns = detect_columns(header, overrides)
    table = _read_table(text, delimiter, header, columns, name)
    return _check(table, columns, header, text=text, delimiter=delimiter, name=name, sha256=sha256, size=size)


def _read_table(text: str, delimiter: str, header: list[str], columns: ColumnMapping, name: str) -> pd.DataFrame:
    """The file as a table (pandas' C reader: ~10x the csv module on 100k-row files); index = file line - 2.

    Text columns (identity, unused, and always the last one, so that a row with too few cells shows
    as a missing value there) are read as strings; number columns are left to pandas, which reads a
    clean column straight into int64 and leaves a column holding anything else for :func:`_numbers`.
    """
    import pandas as pd  # on first use: the web and worker processes start without it

    text_columns = set(columns.ignored) | {columns.fields[f] for f in IDENTITY_FIELDS if f in columns.fields} | {header[-1]}
    text_columns |= set(header) - set(columns.candidates) - {columns.fields.get(f) for f in PROTOCOL_FIELDS}
    try:
        table = pd.read_csv(io.StringIO(text), sep=delimiter, header=0,
                            dtype={i: str for i, h in enumerate(header) if h in text_columns},
                            keep_default_na=False, na_values=[], skip_blank_lines=False, engine="c")
    except pd.errors.ParserError as exc:
        match = _PANDAS_FIELDS.search(str(exc))
        if match:
            raise ResultsFileError(f"{name} cannot be imported; nothing was written.", [
                f"line {match.group(2)}: {match.group(3)} cells, but the header has {match.group(1)} columns"]) from None
        raise ResultsFileError(f"{name} is not a readable CSV file: {exc}") from None
    except pd.errors.EmptyDataError:
        raise ResultsFileError(f"{name} is empty.") from None
    if not isinstance(table.index, pd.RangeIndex):
        # Every row has more cells than the header (pandas took the extra leading cells as an index).
        raise ResultsFileError(f"{name} cannot be imported; nothing was written.",
                               [f"line 2: more cells than the header's {len(header)} columns"])
    table.columns = header
    return table


_PANDAS_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _numbers(cells: pd.Series, lines: np.ndarray, column: str, problems: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(values, empty) of a number column; a cell that is not a whole number, or is beyond MAX_COUNT, is
    a problem (line, column)."""
    import pandas as pd  # on first use: the web and worker processes start without it

    if cells.dtype.kind in "iu":
        values = cells.to_numpy()
        lowest = values.min() if len(values) and cells.dtype.kind == "i" else 0
        if not len(values) or (values.max() <= MAX_COUNT and lowest >= -MAX_COUNT):
            return values.astype(np.int64), np.zeros(len(values), dtype=bool)
        cells = cells.astype(str)  # out of range (an uint64 would wrap around): reported below
    if cells.dtype.kind == "f":
        floats = cells.to_numpy(dtype=float)
        empty = np.isnan(floats)
        bad = np.flatnonzero(~empty & (np.mod(np.nan_to_num(floats), 1) != 0))
        texts = cells.astype(str)
    else:
        texts = cells.astype(str).str.strip()
        empty = texts.eq("").to_numpy() | cells.isna().to_numpy()
        floats = pd.to_numeric(texts.mask(empty), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.flatnonzero((np.isnan(floats) & ~empty) | (~np.isnan(floats) & (np.mod(np.nan_to_num(floats), 1) != 0)))
    for i in bad[: max(0, MAX_ERRORS - len(problems))]:
        problems.append(f"line {lines[i]}, column {column!r}: {texts.iloc[i][:40]!r} is not a whole number")
    large = ~empty & ~np.isnan(floats) & (np.abs(floats) > MAX_COUNT)
    for i in np.flatnonzero(large)[: max(0, MAX_ERRORS - len(problems))]:
        problems.append(f"line {lines[i]}, column {column!r}: {texts.iloc[i][:40]!r} is too large for a precinct count")
    return np.where(empty | np.isnan(floats) | large, 0, floats).astype(np.int64), empty


def _row_lines(text: str, delimiter: str, rows: int):
    """The file line each table row starts on, and a function giving row i's number of cells.

    Row i is line i + 2 unless a quoted cell holds a line break: only then is the file read again,
    with the csv module, to find where each row starts. (Lines are split at "\\n" as pandas does;
    str.splitlines would also split at U+2028 and other characters that may sit inside a cell.)
    """
    if text.count("\n") + (not text.endswith("\n")) == rows + 1:
        raw = []

        def cell_count(i):
            if not raw:
                raw.extend(text.split("\n"))
            return len(next(csv.reader([raw[i + 1].rstrip("\r")], delimiter=delimiter), []))

        return np.arange(2, rows + 2, dtype=np.int64), cell_count
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader, None)
    starts, widths = [], []
    start = reader.line_num + 1
    for row in reader:
        starts.append(start)
        widths.append(len(row))
        start = reader.line_num + 1
    return np.array(starts[:rows], dtype=np.int64), widths.__getitem__


def _check(table: pd.DataFrame, columns: ColumnMapping, header: list[str], *, text: str, delimiter: str, name: str,
           sha256: str, size: int) -> ParsedResults:
    """Numbers parsed and checked column by column; every problem named with its line and column."""
    blank = (table.isna() | table.eq("")).all(axis=1).to_numpy()
    # pandas pads a row with too few cells with empty values: count the cells of rows ending empty.
    ends_empty = np.flatnonzero((table[header[-1]].isna() | table[header[-1]].eq("")).to_numpy() & ~blank)
    short_rows = np.zeros(len(table), dtype=bool)
    problems = []
    lines, cell_count = _row_lines(text, delimiter, len(table))
    for i in ends_empty:
        cells = cell_count(i)
        if cells < len(header):
            short_rows[i] = True
            if len(problems) < MAX_ERRORS:
                problems.append(f"line {lines[i]}: {cells} cells, but the header has {len(header)} columns")
    if blank.any() or short_rows.any():
        keep = np.flatnonzero(~blank & ~short_rows)
        table, lines = table.iloc[keep], lines[keep]

    numbers: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for column in [columns.fields[f] for f in PROTOCOL_FIELDS + ("issued_total",) if f in columns.fields] + columns.candidates:
        if column not in numbers and len(problems) < MAX_ERRORS:
            numbers[column] = _numbers(table[column], lines, column, problems)
    if problems:
        if len(problems) >= MAX_ERRORS:
            problems.append("... stopped after the first problems")
        raise ResultsFileError(f"{name} cannot be imported; nothing was written.", problems)
    if not len(lines):
        raise ResultsFileError(f"{name} has a header but no precincts.")

    n = len(lines)
    identity = {f: (table[columns.fields[f]].str.strip().tolist() if f in columns.fields else [""] * n)
                for f in IDENTITY_FIELDS}
    counts_arr, missing = {}, {}
    for f in PROTOCOL_FIELDS:
        if f in columns.fields:
            counts_arr[f], missing[f] = numbers[columns.fields[f]]
        else:
            counts_arr[f], missing[f] = np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)
    votes = np.column_stack([numbers[c][0] for c in columns.candidates]) if columns.candidates else np.zeros((n, 0), np.int64)
    votes_missing = np.column_stack([numbers[c][1] for c in columns.candidates])
    if "issued_total" in columns.fields:
        # Only the total is published (2020): counted as issued at the station, so turnout is right.
        counts_arr["issued_station"], missing["issued_station"] = numbers[columns.fields["issued_total"]]
        for f in ("issued_early", "issued_outside"):
            counts_arr[f], missing[f] = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    if "valid" not in columns.fields and "valid" in columns.derived:
        counts_arr["valid"], missing["valid"] = votes.sum(axis=1), votes_missing.any(axis=1)
    level = table[columns.fields["level"]].fillna("").astype(str).str.strip().tolist() if "level" in columns.fields else None
    totals = []
    if level is not None:
        higher = np.array([_is_higher(lv, identity["uik"][i]) for i, lv in enumerate(level)], dtype=bool)
        if higher.all():
            raise ResultsFileError(f"{name} holds no precinct rows: every row's {columns.fields['level']!r} names a higher commission.")
        if higher.any():
            keep = np.flatnonzero(~higher)
            totals = _totals_checked(np.flatnonzero(higher), keep, level, identity, counts_arr, missing, votes, lines,
                                     columns.candidates)
            identity = {f: [v[i] for i in keep] for f, v in identity.items()}
            counts_arr = {f: v[keep] for f, v in counts_arr.items()}
            missing = {f: v[keep] for f, v in missing.items()}
            votes, votes_missing, lines = votes[keep], votes_missing[keep], lines[keep]
    if not columns.leader:
        columns.leader = columns.candidates[int(np.argmax(votes.sum(axis=0)))]
    flags = _flag(identity, counts_arr, missing, votes, votes_missing)
    return ParsedResults(
        marks=_marks(identity, counts_arr, missing, lines),
        name=name, sha256=sha256, size=size, mapping=columns, lines=lines.tolist(), identity=identity,
        counts={f: _with_none(counts_arr[f], missing[f]) for f in PROTOCOL_FIELDS},
        votes=_votes_with_none(votes, votes_missing), flags=flags,
        arrays={"counts": counts_arr, "missing": missing, "votes": votes, "votes_missing": votes_missing},
        totals=totals,
    )


def _is_higher(level: str, uik: str) -> bool:
    """A row published by a commission above the precincts (its totals), by the text of its level."""
    norm = _normalize(level)
    if not norm or any(word in norm for word in _PRECINCT_LEVEL):
        return False
    return ELECTRONIC not in _normalize(uik)


def _totals_checked(higher, keep, level, identity, counts, missing, votes, lines, candidates) -> list[dict]:
    """Each higher commission's row beside the sums of the precincts it covers (same region, and same
    territorial commission when the row names one; the whole file when it names no region or is the
    CEC's)."""
    region = np.array(identity["region"], dtype=object)
    tik = np.array(identity["tik"], dtype=object)
    issued = counts["issued_early"] + counts["issued_station"] + counts["issued_outside"]
    out = []
    for i in higher:
        scope = keep
        # The CEC's own row covers the whole file, whatever its region cell says ("Российская Федерация").
        if region[i] and "цик" not in _normalize(level[i]).split():
            scope = scope[region[scope] == region[i]]
            if tik[i]:
                scope = scope[tik[scope] == tik[i]]
        compared = {"registered": (int(counts["registered"][i]), int(counts["registered"][scope].sum())),
                    "issued": (int(issued[i]), int(issued[scope].sum()))}
        for j, c in enumerate(candidates):
            compared[c] = (int(votes[i, j]), int(votes[scope, j].sum()))
        mismatches = [f"{k}: {a} in the row, {b} in the sum of its {len(scope)} precincts"
                      for k, (a, b) in compared.items() if a != b]
        out.append({"line": int(lines[i]), "level": level[i], "region": str(region[i]), "tik": str(tik[i]),
                    "precincts": len(scope), "registered": compared["registered"][0],
                    "mismatches": mismatches})
    return out


def _with_none(values: np.ndarray, missing: np.ndarray) -> list[int | None]:
    out = values.tolist()
    for i in np.flatnonzero(missing):
        out[i] = None
    return out


def _votes_with_none(votes: np.ndarray, missing: np.ndarray) -> list[list[int | None]]:
    out = votes.tolist()
    for i, j in zip(*np.nonzero(missing), strict=True):
        out[i][j] = None
    return out


def _flag(identity, counts, missing, votes, votes_missing) -> list[list[str]]:
    """Validation flags per precinct (see FLAGS), computed column-wise; nothing is dropped."""
    import pandas as pd  # on first use: the web and worker processes start without it

    n = len(votes)
    no_number = np.zeros(n, dtype=bool)
    for f in REQUIRED_FIELDS:
        no_number |= missing[f]
    no_number |= votes_missing.any(axis=1)
    negative = (votes < 0).any(axis=1)
    for f in PROTOCOL_FIELDS:
        negative |= (counts[f] < 0) & ~missing[f]
    complete = ~no_number
    issued = counts["issued_early"] + counts["issued_station"] + counts["issued_outside"]
    boxes_known = complete & ~missing["portable_box"] & ~missing["stationary_box"]
    keys = pd.Series([f"{r}\x1f{o}\x1f{t}\x1f{u}" for r, o, t, u in
                      zip(identity["region"], identity["oik"], identity["tik"], identity["uik"], strict=True)])
    masks = (
        (FLAG_MISSING, no_number),
        (FLAG_NEGATIVE, negative),
        (FLAG_ISSUED_ABOVE_REGISTERED, complete & (issued > counts["registered"])),
        (FLAG_VOTES_NOT_VALID, complete & (votes.sum(axis=1) != counts["valid"])),
        (FLAG_BOXES_NOT_CAST, boxes_known & (counts["portable_box"] + counts["stationary_box"]
                                             != counts["valid"] + counts["invalid"])),
        (FLAG_DUPLICATE, keys.duplicated(keep="first").to_numpy()),
    )
    flags: list[list[str]] = [[] for _ in range(n)]
    for flag, mask in masks:
        for i in np.flatnonzero(mask):
            flags[i].append(flag)
    return flags


def naming_electronic(values) -> np.ndarray:
    """Which values name remote electronic voting: each distinct text looked at once (commission
    names repeat, precinct numbers are digits), then matched back in one vectorised step."""
    import pandas as pd  # on first use: the web and worker processes start without it

    values = pd.Series(values, dtype=object)
    hits = {v for v in values.unique() if isinstance(v, str) and v and not v.isdigit() and ELECTRONIC in _normalize(v)}
    return values.isin(hits).to_numpy() if hits else np.zeros(len(values), dtype=bool)


def _marks(identity, counts, missing, lines) -> dict[str, list[int]]:
    """The file lines of electronic-voting rows and of stations with no voter or no ballot (see MARKS)."""
    issued = counts["issued_early"] + counts["issued_station"] + counts["issued_outside"]
    issued_known = ~missing["issued_early"] & ~missing["issued_station"] & ~missing["issued_outside"]
    electronic = naming_electronic(identity["tik"]) | naming_electronic(identity["uik"])
    masks = {
        MARK_ELECTRONIC: electronic,
        MARK_NO_REGISTERED: ~missing["registered"] & (counts["registered"] == 0),
        MARK_NO_BALLOTS: issued_known & (issued == 0),
    }
    return {mark: lines[mask].tolist() for mark, mask in masks.items() if mask.any()}
