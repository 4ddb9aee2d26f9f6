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
numbers, a precinct listed twice) is *flagged* per precinct and kept, never dropped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from svidok.forensics.arrays import PROTOCOL_FIELDS, REQUIRED_FIELDS, Precincts

IDENTITY_FIELDS = ("region", "oik", "tik", "uik", "url")
MAX_ERRORS = 50

# Validation flags, as stored on each precinct and shown in reports.
FLAG_MISSING = "missing"                      # a number the analyses need is empty
FLAG_NEGATIVE = "negative"                    # a negative number anywhere in the protocol
FLAG_ISSUED_ABOVE_REGISTERED = "issued_above_registered"
FLAG_VOTES_NOT_VALID = "votes_not_valid"      # candidate votes do not add up to valid ballots
FLAG_BOXES_NOT_CAST = "boxes_not_cast"        # ballots in boxes differ from valid + invalid
FLAG_DUPLICATE = "duplicate"                  # same region, commission and precinct as an earlier row
FLAGS = {
    FLAG_MISSING: "a number needed for analysis is missing",
    FLAG_NEGATIVE: "a negative number",
    FLAG_ISSUED_ABOVE_REGISTERED: "more ballots issued than voters registered",
    FLAG_VOTES_NOT_VALID: "candidate votes do not add up to the valid ballots",
    FLAG_BOXES_NOT_CAST: "ballots in the boxes differ from valid + invalid ballots",
    FLAG_DUPLICATE: "the same precinct appears twice",
}

# Wording of CEC protocol lines (lower-case, ё written е), most specific first. Lines about
# absentee certificates ("открепительных удостоверений") never map to a ballot field.
_PROTOCOL_PATTERNS = (
    ("registered", ("число избирателей, включенных в список", "число избирателей, внесенных в список",
                    "число участников референдума, включенных", "число участников референдума, внесенных")),
    ("ballots_received", ("бюллетеней, полученных",)),
    ("issued_early", ("досрочно",)),
    ("issued_outside", ("выданных вне помещения", "вне помещения для голосования")),
    ("issued_station", ("выданных в помещении", "в помещении для голосования")),
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

    def as_dict(self) -> dict:
        return {"fields": dict(self.fields), "candidates": list(self.candidates), "leader": self.leader,
                "ignored": list(self.ignored)}


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
    return int(match.group(1)) if match else -1


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
        if placed:
            continue
        if norm in PROTOCOL_FIELDS and norm not in mapping.fields:
            mapping.fields[norm] = column
            continue
        if any(marker in norm for marker in _IGNORED_MARKERS):
            mapping.ignored.append(column)
            continue
        for key, patterns in _PROTOCOL_PATTERNS:
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
    if missing:
        raise ResultsFileError(
            "Cannot tell which column holds: " + ", ".join(missing) + ". Name them in a column mapping "
            "(e.g. --column registered='<header>'); the file's columns are: " + "; ".join(header) + "."
        )
    if not mapping.candidates:
        raise ResultsFileError("The file has no candidate (or party) columns; list them in the column mapping.")
    if mapping.leader and mapping.leader not in mapping.candidates:
        raise ResultsFileError(f"The leader {mapping.leader!r} is not one of the candidate columns.")
    return mapping


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
    if encoding:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ResultsFileError(f"{name} cannot be read as {encoding}: {exc.__class__.__name__}.") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ResultsFileError(
            f"{name} is not UTF-8 (undecodable byte at line {line}); give its encoding (e.g. --encoding cp1251)."
        ) from None


def _unzip(raw: bytes, name: str) -> tuple[bytes, str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise ResultsFileError(f"{name} is not a readable ZIP archive.") from None
    members = [m for m in archive.namelist() if m.lower().endswith((".csv", ".txt", ".tsv")) and not m.startswith("__MACOSX")]
    if len(members) != 1:
        raise ResultsFileError(
            f"{name} must hold exactly one CSV file; it holds {len(members)}"
            + (f" ({', '.join(members[:5])})." if members else ".")
        )
    with archive.open(members[0]) as member:
        return member.read(), members[0]


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
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise ResultsFileError(f"{name} is not a readable CSV file: {exc}") from None
    duplicated = sorted({h for h in header if header.count(h) > 1 and h})
    if duplicated:
        raise ResultsFileError(f"{name} has duplicate column names: {', '.join(duplicated)}.")
    overrides = dict(mapping or {})
    if leader:
        overrides["leader"] = leader
    columns = detect_columns(header, overrides)
    index = {h: i for i, h in enumerate(header)}
    ident_idx = {f: index[columns.fields[f]] for f in IDENTITY_FIELDS if f in columns.fields}
    proto_idx = [(f, index[columns.fields[f]]) for f in PROTOCOL_FIELDS if f in columns.fields]
    vote_idx = [index[c] for c in columns.candidates]
    number_idx = [i for _, i in proto_idx] + vote_idx
    width = len(header)

    lines: list[int] = []
    identity = {f: [] for f in IDENTITY_FIELDS}
    numbers: list[list[int | None]] = []
    problems: list[str] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                line = reader.line_num + 1
                continue
            if len(cells) != width:
                problems.append(f"line {line}: {len(cells)} cells, but the header has {width} columns")
            else:
                try:
                    values = [int(cells[i]) if cells[i] else None for i in number_idx]
                except ValueError:
                    values = []
                    for i in number_idx:
                        cell = cells[i].strip()
                        try:
                            values.append(int(cell) if cell else None)
                        except ValueError:
                            problems.append(f"line {line}, column {header[i]!r}: {cell[:40]!r} is not a whole number")
                            break
                lines.append(line)
                for f in IDENTITY_FIELDS:
                    identity[f].append(cells[ident_idx[f]].strip() if f in ident_idx else "")
                numbers.append(values)
            if len(problems) >= MAX_ERRORS:
                problems.append("... stopped after the first problems; nothing was imported")
                break
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ResultsFileError(f"{name}, line {reader.line_num}: {exc}") from None
    if problems:
        raise ResultsFileError(f"{name} cannot be imported; nothing was written.", problems)
    if not lines:
        raise ResultsFileError(f"{name} has a header but no precincts.")

    n_proto = len(proto_idx)
    counts: dict[str, list[int | None]] = {}
    for j, (f, _) in enumerate(proto_idx):
        counts[f] = [row[j] for row in numbers]
    for f in PROTOCOL_FIELDS:
        counts.setdefault(f, [None] * len(lines))
    votes = [row[n_proto:] for row in numbers]

    if not columns.leader:
        totals = [sum(v[k] or 0 for v in votes) for k in range(len(columns.candidates))]
        columns.leader = columns.candidates[max(range(len(totals)), key=totals.__getitem__)]
    flags = _flag(identity, counts, votes, numbers)
    return ParsedResults(name=name, sha256=sha256, size=size, mapping=columns, lines=lines, identity=identity,
                         counts=counts, votes=votes, flags=flags)


def _flag(identity, counts, votes, numbers) -> list[list[str]]:
    """Validation flags per precinct (see FLAGS); nothing is dropped."""
    reg, valid, invalid = counts["registered"], counts["valid"], counts["invalid"]
    early, station, outside = counts["issued_early"], counts["issued_station"], counts["issued_outside"]
    portable, stationary = counts["portable_box"], counts["stationary_box"]
    seen = set()
    flags = []
    for i, row in enumerate(numbers):
        f = []
        if any(counts[k][i] is None for k in REQUIRED_FIELDS) or any(v is None for v in votes[i]):
            f.append(FLAG_MISSING)
        if any(v is not None and v < 0 for v in row):
            f.append(FLAG_NEGATIVE)
        if FLAG_MISSING not in f:
            if early[i] + station[i] + outside[i] > reg[i]:
                f.append(FLAG_ISSUED_ABOVE_REGISTERED)
            if sum(votes[i]) != valid[i]:
                f.append(FLAG_VOTES_NOT_VALID)
            if portable[i] is not None and stationary[i] is not None and portable[i] + stationary[i] != valid[i] + invalid[i]:
                f.append(FLAG_BOXES_NOT_CAST)
        key = (identity["region"][i], identity["oik"][i], identity["tik"][i], identity["uik"][i])
        if key in seen:
            f.append(FLAG_DUPLICATE)
        seen.add(key)
        flags.append(f)
    return flags
