"""Bulk import of incidents (with involvements and sources) from CSV, XLSX or JSON.

The row format is documented in ``docs/import-format.md``. An import is all-or-nothing: every row
is validated first and every problem reported with its line, field and reason; only a clean file
is written, in one transaction, with batched ``executemany`` inserts (see :func:`_insert`) and one
audit entry per created record (built by :func:`svidok.audit.services.build_entry`, the same payload
as the per-record services).
"""

import csv
import datetime as dt
import io
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from svidok.accounts.rules import require
from svidok.audit.models import AuditEntry
from svidok.audit.services import PROTECTED_VALUE, build_entry
from svidok.common.context import current_request_id
from svidok.common.validation import today
from svidok.incidents import search_index
from svidok.incidents.models import (
    DatePrecision,
    Election,
    Incident,
    IncidentSource,
    Involvement,
    Place,
    ReferenceCounter,
    Source,
    Tag,
    Term,
)
from svidok.names import romanizations
from svidok.people import search_index as people_index
from svidok.people.models import PROTECTED_ROLES, NameVariant, Organization, Person, PersonIdentity
from svidok.people.services import new_pseudonyms

# Column order of CSV/XLSX files, as written by the exporter and read by the importer.
COLUMNS = (
    "reference", "title", "type", "date_start", "date_end", "date_precision", "place", "place_text", "election",
    "status", "status_reason", "duplicate_of", "sensitivity", "confidence", "victim_count", "narrative",
    "legal_tags", "tags", "victims", "witnesses", "perpetrators", "perpetrator_organizations", "perpetrator_type",
    "source_type", "source_title", "source_url", "source_publisher", "source_author", "source_date",
    "source_language", "source_reliability", "source_credibility", "source_excerpt", "source_note",
)
REQUIRED_COLUMNS = ("title", "type", "date_start")
LIST_SEPARATOR = ";"
REFERENCE_RE = re.compile(r"^SV-(\d{4})-(\d{6})$")
VARIANT_COLUMNS = ["person_id", "organization_id", "name", "lang", "script", "kind", "origin", "primary", "raw", "keys"]
_url = URLValidator(schemes=["http", "https"])


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, format, missing columns)."""


@dataclass
class RowError:
    line: int
    field: str
    message: str

    def __str__(self):
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class ImportResult:
    rows: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


# -- reading files ---------------------------------------------------------------------------


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(f"{name} is UTF-16 encoded; save it as UTF-8 (in a spreadsheet: 'CSV UTF-8').")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"{name} is not UTF-8 (undecodable byte at line {line}); save it as UTF-8 (in a spreadsheet: 'CSV UTF-8')."
        ) from None


def _check_columns(header: list[str], name: str) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(f"{name} lacks the required column(s): {', '.join(missing)}.")
    unknown = [c for c in header if c and c not in COLUMNS]
    if unknown:
        raise ImportFileError(f"{name} has unknown column(s): {', '.join(unknown)} (see docs/import-format.md).")


def read_csv(raw: bytes, name: str = "file") -> list[tuple[int, dict]]:
    reader = csv.reader(io.StringIO(_decode(raw, name), newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ImportFileError(f"{name} is empty.") from None
    except csv.Error as exc:
        raise ImportFileError(f"{name} is not a readable CSV file: {exc}") from None
    _check_columns(header, name)
    rows = []
    line = reader.line_num + 1
    try:
        for values in reader:
            if any(v.strip() for v in values):
                if len(values) > len(header):
                    rows.append((line, {"__error__": f"{len(values)} cells but {len(header)} columns"}))
                else:
                    rows.append((line, dict(zip(header, values, strict=False))))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(f"{name}, line {reader.line_num}: {exc}") from None
    return rows


def read_xlsx(raw: bytes, name: str = "file") -> list[tuple[int, dict]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError(f"{name} is not a readable XLSX workbook ({exc.__class__.__name__}).") from None
    sheet = workbook.worksheets[0]
    rows_iter = sheet.iter_rows(values_only=True)
    try:
        header = [str(h or "").strip().lower() for h in next(rows_iter)]
    except StopIteration:
        raise ImportFileError(f"{name} is empty.") from None
    _check_columns(header, name)
    rows = []
    for line, values in enumerate(rows_iter, start=2):
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
    workbook.close()
    return rows


def read_json(raw: bytes, name: str = "file") -> list[tuple[int, dict]]:
    try:
        data = json.loads(_decode(raw, name))
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}.") from None
    if isinstance(data, dict):
        data = data.get("incidents")
    if not isinstance(data, list):
        raise ImportFileError(f"{name} must hold a list of incidents (or an export with an 'incidents' list).")
    # JSON items are numbered from 1 ("line" in reports means item number).
    return [(n, item if isinstance(item, dict) else {"__error__": "an incident must be a JSON object"})
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


# -- validation ------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _split(value) -> list[str]:
    if isinstance(value, list):
        return [_text(v) for v in value if _text(v)]
    return [part.strip() for part in _text(value).split(LIST_SEPARATOR) if part.strip()]


def parse_date(value: str) -> tuple[dt.date, str | None]:
    """``YYYY-MM-DD``, or ``YYYY-MM`` / ``YYYY`` which also imply the precision."""
    value = value.strip()
    if re.fullmatch(r"\d{4}", value):
        return dt.date(int(value), 1, 1), DatePrecision.YEAR
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return dt.date(int(value[:4]), int(value[5:]), 1), DatePrecision.MONTH
    return dt.date.fromisoformat(value), None


class _Row:
    """One validated row: model-ready values, or the errors found."""

    __slots__ = ("line", "errors", "values", "legal_tags", "tags", "involvements", "sources", "reference", "duplicate_of")

    def __init__(self, line):
        self.line = line
        self.errors: list[RowError] = []
        self.values: dict = {}
        self.legal_tags: list[Term] = []
        self.tags: list[str] = []
        self.involvements: list[dict] = []
        self.sources: list[dict] = []
        self.reference = ""
        self.duplicate_of = ""

    def error(self, field_name: str, message: str) -> None:
        self.errors.append(RowError(self.line, field_name, message))


class _Validator:
    """Validates rows against the database with a handful of batch lookups, not one per row."""

    def __init__(self, rows: list[tuple[int, dict]]):
        self.terms = {(t.vocabulary.code, t.code): t for t in Term.objects.filter(active=True).select_related("vocabulary")}
        self.today = today()
        self.max_text = settings.SVIDOK_MAX_TEXT
        places = {_text(r.get("place")) for _line, r in rows if _text(r.get("place"))}
        codes = {p for p in places if re.fullmatch(r"UA\d{17}", p)}
        self.places = {p.code: p for p in Place.objects.filter(code__in=codes)} if codes else {}
        names = places - codes
        self.place_names: dict[str, list[Place]] = defaultdict(list)
        if names:
            lowered = {n.lower() for n in names}
            query = Q(name_uk__in=names) | Q(name_latin__in=names) | Q(name_ru__in=names) | Q(name_crh__in=names)
            for place in Place.objects.filter(query):
                for text in {place.name_uk, place.name_latin, place.name_ru, place.name_crh}:
                    if text and text.lower() in lowered:
                        self.place_names[text.lower()].append(place)
        self.elections = list(Election.objects.all())
        refs = [_text(r.get("reference")) for _line, r in rows if _text(r.get("reference"))]
        refs += [_text(r.get("duplicate_of")) for _line, r in rows if _text(r.get("duplicate_of"))]
        self.existing_refs = {}
        for start in range(0, len(refs), 5000):
            self.existing_refs.update(Incident.objects.filter(reference__in=refs[start:start + 5000]).values_list("reference", "pk"))
        self.seen_refs: set[str] = set()

    def term(self, row: _Row, field_name: str, vocabulary: str, code: str) -> Term | None:
        found = self.terms.get((vocabulary, code))
        if found is None:
            row.error(field_name, f"unknown {vocabulary} code {code[:60]!r}")
        return found

    def date(self, row: _Row, field_name: str, value: str):
        try:
            parsed, implied = parse_date(value)
        except ValueError:
            row.error(field_name, f"{value[:30]!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)")
            return None, None
        if parsed > self.today:
            row.error(field_name, f"{parsed.isoformat()} is in the future")
        return parsed, implied

    def text(self, row: _Row, field_name: str, value, limit: int | None = None) -> str:
        value = _text(value)
        limit = limit or self.max_text
        if len(value) > limit:
            row.error(field_name, f"text is {len(value)} characters long; the limit is {limit}")
        return value

    def name(self, row: _Row, field_name: str, value: str) -> str | None:
        value = " ".join(value.split())
        if len(value) > 300:
            row.error(field_name, "a name is at most 300 characters long")
            return None
        if not any(c.isalpha() for c in value):
            row.error(field_name, f"{value[:30]!r} is not a name (no letters)")
            return None
        return value

    def choice(self, row: _Row, field_name: str, value: str, choices, default):
        if not value:
            return default
        if value not in choices:
            row.error(field_name, f"{value[:30]!r} is not one of {', '.join(choices)}")
        return value

    def place(self, row: _Row, value: str):
        if not value:
            return None
        if value in self.places:
            return self.places[value]
        if re.fullmatch(r"UA\d{17}", value):
            row.error("place", f"unknown KATOTTG code {value}")
            return None
        found = {p.pk: p for p in self.place_names.get(value.lower(), [])}
        if len(found) == 1:
            return next(iter(found.values()))
        if not found:
            row.error("place", f"no gazetteer place is called {value[:60]!r}; give a KATOTTG code, or put free text in place_text")
        else:
            row.error("place", f"{len(found)} places are called {value[:60]!r}; give the KATOTTG code")
        return None

    def election(self, row: _Row, value: str):
        if not value:
            return None
        matches = [e for e in self.elections if str(e.uuid) == value.lower() or value in (e.name, e.name_uk)]
        if len(matches) != 1:
            row.error("election", f"no single election is {value[:60]!r}; give its UUID or exact name")
            return None
        return matches[0]

    def validate(self, line: int, raw: dict) -> _Row:
        row = _Row(line)
        if "__error__" in raw:
            row.error("row", raw["__error__"])
            return row
        v = row.values
        v["title"] = self.text(row, "title", raw.get("title"), 300)
        if not v["title"]:
            row.error("title", "a title is required")
        v["narrative"] = self.text(row, "narrative", raw.get("narrative"))
        code = _text(raw.get("type"))
        v["type"] = self.term(row, "type", "incident_type", code) if code else row.error("type", "a type is required")
        start = _text(raw.get("date_start"))
        implied = None
        if start:
            v["date_start"], implied = self.date(row, "date_start", start)
        else:
            row.error("date_start", "a date is required")
        end = _text(raw.get("date_end"))
        v["date_end"] = self.date(row, "date_end", end)[0] if end else None
        if v.get("date_start") and v["date_end"] and v["date_end"] < v["date_start"]:
            row.error("date_end", "the end date is before the start date")
        v["date_precision"] = self.choice(row, "date_precision", _text(raw.get("date_precision")), DatePrecision.values,
                                          implied or DatePrecision.DAY)
        if v["date_precision"] == DatePrecision.RANGE and not v["date_end"]:
            row.error("date_end", "a date range needs an end date")
        v["place"] = self.place(row, _text(raw.get("place")))
        v["place_text"] = self.text(row, "place_text", raw.get("place_text"), 300)
        v["election"] = self.election(row, _text(raw.get("election")))
        v["sensitivity"] = self.choice(row, "sensitivity", _text(raw.get("sensitivity")), Incident.Sensitivity.values, Incident.Sensitivity.INTERNAL)
        v["confidence"] = self.choice(row, "confidence", _text(raw.get("confidence")), Incident.Confidence.values, Incident.Confidence.MEDIUM)
        v["status"] = self.choice(row, "status", _text(raw.get("status")), Incident.Status.values, Incident.Status.DRAFT)
        v["status_reason"] = self.text(row, "status_reason", raw.get("status_reason"))
        count = _text(raw.get("victim_count"))
        v["victim_count"] = None
        if count:
            if count.isdigit() and int(count) <= 1_000_000:
                v["victim_count"] = int(count)
            else:
                row.error("victim_count", f"{count[:20]!r} is not a whole number of victims")
        self._reference(row, _text(raw.get("reference")))
        row.duplicate_of = _text(raw.get("duplicate_of"))
        if v["status"] == Incident.Status.DUPLICATE and not row.duplicate_of:
            row.error("duplicate_of", "a duplicate needs the reference of the incident it repeats")
        if row.duplicate_of and v["status"] != Incident.Status.DUPLICATE:
            row.error("duplicate_of", "only an incident with status 'duplicate' names an original")
        row.legal_tags = [t for t in (self.term(row, "legal_tags", "legal_qualification", c) for c in _split(raw.get("legal_tags"))) if t]
        row.tags = sorted({t.lower() for t in _split(raw.get("tags"))})
        if any(len(t) > 60 for t in row.tags):
            row.error("tags", "tags are at most 60 characters long")
        self._involvements(row, raw)
        self._sources(row, raw)
        return row

    def _reference(self, row: _Row, reference: str) -> None:
        if not reference:
            return
        match = REFERENCE_RE.match(reference)
        if not match:
            row.error("reference", f"{reference[:30]!r} is not a reference like SV-2018-000001")
        elif reference in self.existing_refs:
            row.error("reference", f"{reference} already exists")
        elif reference in self.seen_refs:
            row.error("reference", f"{reference} appears twice in the file")
        elif row.values.get("date_start") and int(match.group(1)) != row.values["date_start"].year:
            row.error("reference", f"{reference} does not carry the year of date_start")
        else:
            row.reference = reference
            self.seen_refs.add(reference)

    def _involvements(self, row: _Row, raw: dict) -> None:
        perpetrator_code = _text(raw.get("perpetrator_type"))
        perpetrator_type = self.term(row, "perpetrator_type", "perpetrator_type", perpetrator_code) if perpetrator_code else None
        for column, role in (("victims", "victim"), ("witnesses", "witness"), ("perpetrators", "perpetrator")):
            for name in _split(raw.get(column)):
                name = self.name(row, column, name)
                if name:
                    row.involvements.append({
                        "role": self.terms[("involvement_role", role)], "kind": "person", "name": name,
                        "protected": role in PROTECTED_ROLES,
                        "perpetrator_type": perpetrator_type if role == "perpetrator" else None, "details": "",
                    })
        for name in _split(raw.get("perpetrator_organizations")):
            name = self.name(row, "perpetrator_organizations", name)
            if name:
                row.involvements.append({
                    "role": self.terms[("involvement_role", "perpetrator")], "kind": "organization", "name": name,
                    "protected": False, "perpetrator_type": perpetrator_type, "details": "",
                })
        nested = raw.get("involvements") or []
        if not isinstance(nested, list):
            row.error("involvements", "must be a list")
            return
        for n, item in enumerate(nested, start=1):
            where = f"involvements[{n}]"
            if not isinstance(item, dict):
                row.error(where, "must be an object")
                continue
            role = self.term(row, f"{where}.role", "involvement_role", _text(item.get("role")))
            kind = _text(item.get("kind")) or "person"
            if kind not in ("person", "organization"):
                row.error(f"{where}.kind", "is person or organization")
            name = self.name(row, f"{where}.name", _text(item.get("name")))
            ptype_code = _text(item.get("perpetrator_type"))
            ptype = self.term(row, f"{where}.perpetrator_type", "perpetrator_type", ptype_code) if ptype_code else None
            details = _text(item.get("details"))
            if len(details) > 500:
                row.error(f"{where}.details", "details are at most 500 characters long")
            protected = item.get("protected")
            if protected is None and role is not None:
                protected = role.code in PROTECTED_ROLES
            if role and name:
                row.involvements.append({"role": role, "kind": kind, "name": name, "protected": bool(protected) and kind == "person",
                                         "perpetrator_type": ptype, "details": details})

    def _source(self, row: _Row, where: str, raw: dict, keys: dict) -> None:
        def get(key):
            return _text(raw.get(keys[key]))

        title = self.text(row, f"{where}{keys['title']}", get("title"), 500)
        if not title:
            row.error(f"{where}{keys['title']}", "a source needs a title")
        kind_code = get("kind") or "article"
        kind = self.term(row, f"{where}{keys['kind']}", "source_type", kind_code)
        url = get("url")
        if url:
            try:
                _url(url)
            except ValidationError:
                row.error(f"{where}{keys['url']}", "not a valid http(s) URL")
            if len(url) > 2000:
                row.error(f"{where}{keys['url']}", "a URL is at most 2000 characters long")
        published = None
        if get("published_on"):
            published = self.date(row, f"{where}{keys['published_on']}", get("published_on"))[0]
        reliability = (get("reliability") or "F").upper()
        if reliability not in Source.Reliability.values:
            row.error(f"{where}{keys['reliability']}", "reliability is a letter from A to F")
        credibility = get("credibility") or "6"
        if credibility not in {"1", "2", "3", "4", "5", "6"}:
            row.error(f"{where}{keys['credibility']}", "credibility is a number from 1 to 6")
            credibility = "6"
        row.sources.append({
            "kind": kind, "title": title, "url": url, "publisher": self.text(row, f"{where}{keys['publisher']}", get("publisher"), 300),
            "author": self.text(row, f"{where}{keys['author']}", get("author"), 300), "published_on": published,
            "language": get("language")[:8], "reliability": reliability, "credibility": int(credibility),
            "excerpt": self.text(row, f"{where}{keys['excerpt']}", get("excerpt")), "note": get("note")[:500],
        })

    def _sources(self, row: _Row, raw: dict) -> None:
        flat = {k: f"source_{k}" for k in ("title", "url", "publisher", "author", "language", "reliability", "credibility", "excerpt", "note")}
        flat |= {"kind": "source_type", "published_on": "source_date"}
        if any(_text(raw.get(column)) for column in flat.values()):
            self._source(row, "", raw, flat)
        nested = raw.get("sources") or []
        if not isinstance(nested, list):
            row.error("sources", "must be a list")
            return
        keys = {k: k for k in flat} | {"kind": "kind"}
        for n, item in enumerate(nested, start=1):
            if isinstance(item, dict):
                self._source(row, f"sources[{n}].", item, keys)
            else:
                row.error(f"sources[{n}]", "must be an object")


def validate_rows(rows: list[tuple[int, dict]], progress: Callable[[int], None] | None = None) -> tuple[list[_Row], list[RowError]]:
    validator = _Validator(rows)
    parsed, errors = [], []
    for line, raw in rows:
        row = validator.validate(line, raw)
        parsed.append(row)
        errors.extend(row.errors)
        if progress:
            progress(1)
    # Duplicates must point at an incident in the database or earlier/later in the file.
    # As in mark_duplicate, a duplicate links to an original, never to another duplicate.
    in_file = {r.reference: r for r in parsed if r.reference}
    duplicates_in_db = set(
        Incident.objects.filter(reference__in=[r.duplicate_of for r in parsed if r.duplicate_of], status=Incident.Status.DUPLICATE)
        .values_list("reference", flat=True)
    )
    for row in parsed:
        if not row.duplicate_of:
            continue
        target = in_file.get(row.duplicate_of)
        if row.duplicate_of not in validator.existing_refs and target is None:
            row.error("duplicate_of", f"no incident {row.duplicate_of[:30]!r} in the database or the file")
        elif row.duplicate_of == row.reference:
            row.error("duplicate_of", "an incident cannot duplicate itself")
        elif (target is not None and target.duplicate_of) or (target is None and row.duplicate_of in duplicates_in_db):
            row.error("duplicate_of", f"{row.duplicate_of[:30]!r} is itself a duplicate; name the incident it repeats")
        else:
            continue
        errors.append(row.errors[-1])
    return parsed, errors


# -- writing ---------------------------------------------------------------------------------


def _allocate_references(parsed: list[_Row]) -> None:
    """Give rows without a reference the next numbers of their year, taken from the counter in blocks."""
    by_year: dict[int, list[_Row]] = defaultdict(list)
    explicit: dict[int, int] = defaultdict(int)
    for row in parsed:
        if row.reference:
            year, number = (int(x) for x in REFERENCE_RE.match(row.reference).groups())
            explicit[year] = max(explicit[year], number)
        else:
            by_year[row.values["date_start"].year].append(row)
    for year in sorted(set(by_year) | set(explicit)):
        counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
        start = max(counter.last, explicit.get(year, 0))
        for offset, row in enumerate(by_year.get(year, ()), start=1):
            row.reference = f"SV-{year}-{start + offset:06d}"
        counter.last = start + len(by_year.get(year, ()))
        counter.save(update_fields=["last"])


# Values of these field types go to the database driver as they are; others are prepared by the field.
_PLAIN_TYPES = frozenset({
    "AutoField", "BigAutoField", "CharField", "TextField", "SlugField", "URLField", "IntegerField", "BigIntegerField",
    "PositiveIntegerField", "PositiveSmallIntegerField", "BooleanField", "ForeignKey", "OneToOneField",
})
INSERT_BATCH = 5000


def _insert(model, names: list[str], rows: Iterable[tuple]) -> None:
    """INSERT rows (values in the order of ``names``, field attnames) with ``executemany``.

    Several times faster than ``bulk_create``, which on SQLite builds statements of at most 999
    parameters and prepares every value through the field in Python; here only dates, UUIDs and
    JSON go through their field. Nothing else (signals, save()) is skipped that the models rely on.
    """
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    converters = [None if f.get_internal_type() in _PLAIN_TYPES else _converter(f) for f in fields]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    if any(converters):
        rows = (tuple(v if c is None else c(v, connection) for c, v in zip(converters, row, strict=True)) for row in rows)
    batch = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= INSERT_BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _converter(field):
    prepare = field.get_db_prep_save
    if field.get_internal_type() not in ("DateField", "DateTimeField"):
        return prepare
    # An import repeats few dates (and one creation time): prepare each distinct value once.
    cache = {}

    def convert(value, conn):
        try:
            return cache[value]
        except KeyError:
            cache[value] = prepared = prepare(value, conn)
            return prepared

    return convert


def _save_all(model, objs: list, key: str, now) -> None:
    """Insert model instances and give them their primary keys, found again by the unique ``key``."""
    if not objs:
        return
    concrete = [f for f in model._meta.concrete_fields if not f.primary_key]
    for f in concrete:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                setattr(obj, f.attname, now)
    names = [f.attname for f in concrete]
    _insert(model, names, (tuple(getattr(obj, n) for n in names) for obj in objs))
    ids = _chunked_ids(model, key, [getattr(obj, key) for obj in objs])
    for obj in objs:
        obj.pk = ids[getattr(obj, key)]
        obj._state.adding = False


def _chunked_ids(model, key: str, values: list) -> dict:
    ids = {}
    for start in range(0, len(values), 5000):
        ids.update(model.objects.filter(**{f"{key}__in": values[start:start + 5000]}).values_list(key, "pk"))
    return ids


def _plain(value):
    """A JSON value as :func:`svidok.audit.services.diff` would record it (the importer's values are simple)."""
    if isinstance(value, (dt.date, uuid.UUID)):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if hasattr(value, "_meta"):
        return getattr(value, "public_id", None) or str(value.pk)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _script(text: str) -> str:
    letters = [c for c in text if c.isalpha()]
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    return "" if not letters else ("Cyrl" if cyrillic * 2 >= len(letters) else "Latn")


def _chunked_lookup(queryset, field_name: str, values: list, key: Callable) -> dict:
    found = {}
    for start in range(0, len(values), 5000):
        for obj in queryset.filter(**{f"{field_name}__in": values[start:start + 5000]}):
            found.setdefault(key(obj), obj)
    return found


class _Writer:
    def __init__(self, actor, progress):
        self.actor = actor
        self.created_by = actor if getattr(actor, "pk", None) else None
        self.now = timezone.now()
        self.request_id = current_request_id()
        self.audit: list[AuditEntry] = []
        self.progress = progress

    def entry(self, *, snapshot: dict, extra: dict | None = None, **kwargs) -> None:
        """Queue the audit entry of one created record: ``changes`` as ``diff({}, snapshot)`` would give them."""
        changes = {key: [None, _plain(value)] for key, value in snapshot.items() if value is not None}
        changes.update(extra or {})
        self.audit.append(build_entry(actor=self.actor, action="import", now=self.now, request_id=self.request_id,
                                      changes=changes, changes_are_json=True, **kwargs))

    def persons(self, parsed: list[_Row]) -> dict:
        """Create the persons named in the rows; non-protected ones are reused by exact name."""
        public_names = sorted({i["name"] for r in parsed for i in r.involvements if i["kind"] == "person" and not i["protected"]})
        existing = _chunked_lookup(Person.objects.filter(protected=False), "display_name", public_names, lambda p: p.display_name)
        new_public = [n for n in public_names if n not in existing]
        protected_items = [i for r in parsed for i in r.involvements if i["kind"] == "person" and i["protected"]]
        pseudonyms = new_pseudonyms(len(protected_items))
        persons = [Person(protected=False, display_name=n, created_by=self.created_by) for n in new_public]
        persons += [Person(protected=True, pseudonym=p, display_name=p, created_by=self.created_by) for p in pseudonyms]
        _save_all(Person, persons, "uuid", self.now)
        real_names = new_public + [i["name"] for i in protected_items]
        _insert(PersonIdentity, ["person_id", "full_name", "other_names", "contacts", "identifiers", "address"],
                ((p.pk, n, "", "", "", "") for p, n in zip(persons, real_names, strict=True)))
        _insert(NameVariant, VARIANT_COLUMNS,
                ((p.pk, None, p.display_name, "", _script(p.display_name), NameVariant.Kind.OFFICIAL, "", True, "",
                  romanizations(p.display_name)) for p in persons[: len(new_public)]))
        for person in persons:
            self.entry(obj=person, snapshot={"protected": person.protected, "pseudonym": person.pseudonym,
                                             "full_name": PROTECTED_VALUE if person.protected else person.display_name})
        by_name = existing | dict(zip(new_public, persons, strict=False))
        for item, person in zip(protected_items, persons[len(new_public):], strict=True):
            item["party"] = person
        for row in parsed:
            for item in row.involvements:
                if item["kind"] == "person" and not item["protected"]:
                    item["party"] = by_name[item["name"]]
        self.new_persons = persons
        return {"persons": len(persons)}

    def organizations(self, parsed: list[_Row]) -> dict:
        kinds = {}
        for row in parsed:
            for item in row.involvements:
                if item["kind"] == "organization":
                    kinds.setdefault(item["name"], item["perpetrator_type"])
        names = sorted(kinds)
        existing = _chunked_lookup(Organization.objects.all(), "name", names, lambda o: o.name)
        new = [Organization(name=n, kind=kinds[n], created_by=self.created_by) for n in names if n not in existing]
        _save_all(Organization, new, "uuid", self.now)
        _insert(NameVariant, VARIANT_COLUMNS,
                ((None, o.pk, o.name, "", _script(o.name), NameVariant.Kind.OFFICIAL, "", True, "", romanizations(o.name)) for o in new))
        for organization in new:
            self.entry(obj=organization, snapshot={"name": organization.name, "kind": organization.kind.code if organization.kind else None})
        by_name = existing | {o.name: o for o in new}
        for row in parsed:
            for item in row.involvements:
                if item["kind"] == "organization":
                    item["party"] = by_name[item["name"]]
        self.new_organizations = new
        return {"organizations": len(new)}

    def sources(self, parsed: list[_Row]) -> dict:
        """Reuse a source with the same URL (or, without a URL, the same title, publisher and date)."""
        def key(values):
            if values["url"]:
                return ("url", values["url"])
            return ("title", values["title"], values["publisher"], values["published_on"])

        wanted = {}
        for row in parsed:
            for values in row.sources:
                wanted.setdefault(key(values), values)
        urls = sorted({k[1] for k in wanted if k[0] == "url"})
        titles = sorted({k[1] for k in wanted if k[0] == "title"})
        existing = _chunked_lookup(Source.objects.exclude(url=""), "url", urls, lambda s: ("url", s.url))
        existing |= _chunked_lookup(Source.objects.filter(url=""), "title", titles, lambda s: ("title", s.title, s.publisher, s.published_on))
        new_keys = [k for k in wanted if k not in existing]
        fields = ("kind", "title", "url", "publisher", "author", "published_on", "language", "reliability", "credibility", "excerpt")
        new = [Source(created_by=self.created_by, **{f: wanted[k][f] for f in fields}) for k in new_keys]
        _save_all(Source, new, "uuid", self.now)
        for source in new:
            snapshot = {f: getattr(source, f) for f in fields} | {"kind": source.kind.code}
            self.entry(obj=source, object_repr=source.title, snapshot=snapshot)
        by_key = existing | dict(zip(new_keys, new, strict=True))
        for row in parsed:
            for values in row.sources:
                values["source"] = by_key[key(values)]
        return {"sources": len(new)}

    def incidents(self, parsed: list[_Row], existing_refs: dict) -> list[Incident]:
        fields = ("title", "narrative", "type", "date_start", "date_end", "date_precision", "place", "place_text", "election",
                  "confidence", "sensitivity", "victim_count", "status", "status_reason")
        originals = [r for r in parsed if not r.duplicate_of]
        duplicates = [r for r in parsed if r.duplicate_of]
        by_ref = dict(existing_refs)
        created = []
        # Originals first: a duplicate in the file may point at an original in the same file.
        for group in (originals, duplicates):
            objs = []
            for row in group:
                values = {f: row.values[f] for f in fields}
                duplicate_of_id = by_ref[row.duplicate_of] if row.duplicate_of else None
                objs.append(Incident(reference=row.reference, duplicate_of_id=duplicate_of_id, created_by=self.created_by, **values))
            _save_all(Incident, objs, "reference", self.now)
            for obj in objs:
                by_ref[obj.reference] = obj.pk
            created.extend(zip(group, objs, strict=True))
            if self.progress:
                self.progress(len(objs))
        tag_names = sorted({t for r in parsed for t in r.tags})
        tags = _chunked_lookup(Tag.objects.all(), "name", tag_names, lambda t: t.name)
        missing = [Tag(name=n) for n in tag_names if n not in tags]
        Tag.objects.bulk_create(missing)
        tags |= {t.name: t for t in Tag.objects.filter(name__in=[t.name for t in missing])} if missing else {}
        involvements, links, legal, tag_links = [], [], [], []
        LegalThrough, TagThrough = Incident.legal_tags.through, Incident.tags.through
        for row, incident in created:
            for item in row.involvements:
                party = item["party"]
                involvements.append((
                    uuid.uuid4(), incident.pk, party.pk if item["kind"] == "person" else None,
                    party.pk if item["kind"] == "organization" else None, item["role"].pk,
                    item["perpetrator_type"].pk if item["perpetrator_type"] else None, item["details"],
                ))
            seen_sources = set()
            for values in row.sources:
                if values["source"].pk not in seen_sources:
                    seen_sources.add(values["source"].pk)
                    links.append((incident.pk, values["source"].pk, values["note"]))
            legal.extend((incident.pk, pk) for pk in {t.pk for t in row.legal_tags})
            tag_links.extend((incident.pk, tags[n].pk) for n in row.tags)
            snapshot = {f: row.values[f] for f in fields} | {
                "type": row.values["type"].code, "duplicate_of": row.duplicate_of or None,
                "legal_tags": sorted({t.code for t in row.legal_tags}), "tags": row.tags,
            }
            changes = {}
            if row.involvements:
                changes["involvements"] = [None, [{"party": item["party"].display_name, "role": item["role"].code,
                                                   "perpetrator_type": item["perpetrator_type"].code if item["perpetrator_type"] else None}
                                                  for item in row.involvements]]
            if row.sources:
                changes["sources"] = [None, [{"source": v["source"].public_id, "title": v["source"].title, "note": v["note"]}
                                             for v in row.sources]]
            self.entry(obj=incident, snapshot=snapshot, extra=changes)
        _insert(Involvement, ["uuid", "incident_id", "person_id", "organization_id", "role_id", "perpetrator_type_id", "details"],
                involvements)
        _insert(IncidentSource, ["incident_id", "source_id", "note"], links)
        _insert(LegalThrough, ["incident_id", "term_id"], legal)
        _insert(TagThrough, ["incident_id", "tag_id"], tag_links)
        self.involvement_count = len(involvements)
        return [incident for _row, incident in created]


def _index(incidents, persons, organizations) -> None:
    """Update the search index in bulk: persons and organizations, then the incidents."""
    people_index.index_persons(persons)
    people_index.index_organizations(organizations)
    search_index.index_incidents(incidents)


def import_incidents(*, actor, rows: Iterable[tuple[int, dict]], dry_run: bool = False,
                     progress: Callable[[int], None] | None = None) -> ImportResult:
    """Validate every row, then (unless ``dry_run`` or any row is bad) create all of them in one transaction.

    ``rows`` are ``(line number, {column: value})`` pairs as :func:`read_file` returns them.
    ``actor`` None is the installation owner at the command line. Returns an :class:`ImportResult`
    whose ``errors`` list every bad row (line, field, reason); when there are errors nothing is written.
    """
    require(actor, "data.import")
    rows = list(rows)
    result = ImportResult(rows=len(rows), dry_run=dry_run)
    parsed, errors = validate_rows(rows, progress)
    result.errors = sorted(errors, key=lambda e: e.line)
    if errors or dry_run or not parsed:
        return result
    with transaction.atomic():
        validator_refs = dict(Incident.objects.filter(reference__in=[r.duplicate_of for r in parsed if r.duplicate_of])
                              .values_list("reference", "pk"))
        _allocate_references(parsed)
        writer = _Writer(actor, progress)
        result.created |= writer.persons(parsed)
        result.created |= writer.organizations(parsed)
        result.created |= writer.sources(parsed)
        incidents = writer.incidents(parsed, validator_refs)
        audit_columns = [f.attname for f in AuditEntry._meta.concrete_fields if not f.primary_key]
        # One INSERT in creation order keeps the sequence numbers (ids) in the order of the writes.
        _insert(AuditEntry, audit_columns, (tuple(getattr(e, n) for n in audit_columns) for e in writer.audit))
        _index(incidents, writer.new_persons, writer.new_organizations)
        result.created |= {"incidents": len(incidents), "involvements": writer.involvement_count, "audit_entries": len(writer.audit)}
        result.references = [i.reference for i in incidents]
    return result
