"""Existing lists imported for cross-checking: FollowTheMoney JSON lines, or the EU Regulation
269/2014 annex as a CSV in the OpenSanctions transcription format.

A reference list is kept apart from the registry: its entities are never persons of Svidok, only
something to match against. :func:`import_list` is the only writer of :class:`ReferenceList` and
:class:`ReferenceEntity` (one audited transaction; a re-import under the same name replaces the
list's entities, or nothing changes at all).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from svidok.accounts.rules import require
from svidok.audit.services import record
from svidok.common.text import UndecodableText, decode_text
from svidok.common.untrusted import InputRefused, load_json
from svidok.sanctions.models import ReferenceEntity, ReferenceList

# The name properties of a FollowTheMoney entity, in the order a reader would want them.
NAME_PROPS = ("name", "alias", "previousName", "weakAlias")
# Columns of the EU CSV that are not entity properties (FORMAT.md: "sanctions metadata").
EU_META_COLUMNS = ("celex", "amendedCelex", "amendmentCelex", "recordId", "programKey", "annex", "measure",
                   "startDate", "reason", "schema", "name")
EU_REQUIRED_COLUMNS = ("recordId", "schema", "name")
EU_DATE_COLUMNS = ("birthDate", "incorporationDate")
MAX_FIELD = {"record_id": 200, "schema": 40, "caption": 500, "program": 200}

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_DOTTED = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\s*$")
_WORDED = re.compile(r"^\s*(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{4})\s*$")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


class ListFileError(ValueError):
    """A file that cannot be imported; the message names the line (or row) and what is wrong."""


@dataclass
class ParsedEntity:
    record_id: str
    schema: str
    caption: str
    names: list[str]
    properties: dict[str, list[str]]
    listed_since: dt.date | None = None
    program: str = ""


@dataclass
class ParsedList:
    format: str
    entities: list[ParsedEntity]
    skipped: dict[str, int] = field(default_factory=dict)  # schema -> count of entities not kept


# -- dates -----------------------------------------------------------------------------------------

def parse_date(text: str) -> str | None:
    """An ISO date (or year, year-month) from the EU's printed forms: ``17.3.2014``, ``2014-03-17``,
    ``2 December 1985``, ``26 Feb. 2011``; ``None`` when it is none of them."""
    text = (text or "").strip()
    for pattern in (_DOTTED, _WORDED):
        m = pattern.match(text)
        if m:
            day, month, year = m.groups()
            month = _MONTHS.get(month[:3].lower()) if not month.isdigit() else int(month)
            try:
                return dt.date(int(year), int(month or 0), int(day)).isoformat()
            except (TypeError, ValueError):
                return None
    m = _ISO.match(text)
    if m:
        year, month, day = m.groups()
        try:
            if day:
                return dt.date(int(year), int(month), int(day)).isoformat()
            if month and not 1 <= int(month) <= 12:
                return None
        except ValueError:
            return None
        return text.strip()
    return None


def fuzzy_date(text: str) -> str | None:
    """A birth or incorporation date as FollowTheMoney wants it: the full date when the text is
    one, else the year when the text names exactly one (``1964 (possibly: 21 April)``,
    ``Approximately 1952``), else ``None``."""
    exact = parse_date(text)
    if exact:
        return exact
    years = set(_YEAR.findall(text or ""))
    return years.pop() if len(years) == 1 else None


def _full_date(iso: str | None) -> dt.date | None:
    if iso and len(iso) == 10:
        return dt.date.fromisoformat(iso)
    return None


# -- FollowTheMoney JSON lines ------------------------------------------------------------------------

def _names(proxy) -> list[str]:
    names: list[str] = []
    for prop in NAME_PROPS:
        if prop in proxy.schema.properties:
            names.extend(v for v in proxy.get(prop) if v not in names)
    return names


def _decode(data: bytes, source: str) -> str:
    try:
        return decode_text(data, name=source)
    except UndecodableText as exc:
        if exc.utf16:
            raise ListFileError(f"{source}: UTF-16 text, not UTF-8.") from None
        raise ListFileError(f"{source}: not UTF-8 text (byte {exc.offset}, line {exc.line}).") from None


def read_ftm(data: bytes, *, source: str = "file") -> ParsedList:
    """Entities of a FollowTheMoney JSON lines file.

    Persons, organizations and other legal entities are kept; ``Sanction`` entities give their
    entity's listing date (``startDate``, else ``listingDate``) and program; other schemas
    (addresses, positions...) are counted and left out. Any malformed line stops the whole import.
    """
    from followthemoney.exc import InvalidData  # FollowTheMoney on first use (decision 79)

    proxies: dict[str, object] = {}
    sanctions: list[tuple[int, object]] = []
    skipped: dict[str, int] = {}
    text = _decode(data, source)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        proxy = _ftm_line(line, number)
        if proxy.schema.name == "Sanction":
            sanctions.append((number, proxy))
        elif proxy.schema.is_a("LegalEntity"):
            if proxy.id in proxies:
                try:
                    proxies[proxy.id].merge(proxy)
                except InvalidData as exc:
                    raise ListFileError(f"line {number}: entity {proxy.id!r} appears again with another schema ({exc}).") from None
            else:
                proxies[proxy.id] = proxy
        else:
            skipped[proxy.schema.name] = skipped.get(proxy.schema.name, 0) + 1
    listing: dict[str, tuple[dt.date | None, str]] = {}
    for _number, sanction in sanctions:
        since = min((d for d in (_full_date(v) for v in sanction.get("startDate") + sanction.get("listingDate")) if d),
                    default=None)
        program = (sanction.get("program") or sanction.get("programId") or [""])[0]
        for entity_id in sanction.get("entity"):
            before, before_program = listing.get(entity_id, (None, ""))
            if since and (before is None or since < before):
                before = since
            listing[entity_id] = (before, before_program or program)
    entities = []
    for entity_id, proxy in proxies.items():
        if len(entity_id) > MAX_FIELD["record_id"]:
            raise ListFileError(f"entity {entity_id[:40]!r}…: the id is longer than {MAX_FIELD['record_id']} characters.")
        names = _names(proxy)
        if not names:
            skipped[f"{proxy.schema.name} without a name"] = skipped.get(f"{proxy.schema.name} without a name", 0) + 1
            continue
        since, program = listing.get(entity_id, (None, ""))
        entities.append(ParsedEntity(
            record_id=entity_id, schema=proxy.schema.name, caption=proxy.caption[:MAX_FIELD["caption"]], names=names,
            properties=proxy.to_dict()["properties"], listed_since=since, program=program[:MAX_FIELD["program"]],
        ))
    return ParsedList(format=ReferenceList.Format.FTM, entities=entities, skipped=skipped)


def _ftm_line(line: str, number: int):
    from followthemoney import model  # on first use (decision 79)

    try:
        data = load_json(line, name=f"line {number}")
    except InputRefused as exc:
        raise ListFileError(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise ListFileError(f"line {number}: not valid JSON ({exc.msg} at column {exc.colno}).") from None
    except ValueError as exc:
        raise ListFileError(f"line {number}: not valid JSON ({str(exc)[:20]} is not a JSON number).") from None
    if not isinstance(data, dict):
        raise ListFileError(f"line {number}: a FollowTheMoney entity is a JSON object, not {type(data).__name__}.")
    schema_name = data.get("schema")
    if not schema_name or not isinstance(schema_name, str):
        raise ListFileError(f"line {number}: the entity has no \"schema\".")
    schema = model.get(schema_name)
    if schema is None:
        raise ListFileError(f"line {number}: unknown FollowTheMoney schema {schema_name!r}.")
    entity_id = data.get("id")
    if not entity_id or not isinstance(entity_id, str):
        raise ListFileError(f"line {number}: the entity has no \"id\".")
    properties = data.get("properties", {})
    if not isinstance(properties, dict):
        raise ListFileError(f"line {number}: \"properties\" must be an object of lists.")
    proxy = model.make_entity(schema)
    proxy.id = entity_id
    for prop, values in properties.items():
        if prop not in schema.properties:
            raise ListFileError(f"line {number}: {schema.name} has no property {prop!r}.")
        values = values if isinstance(values, list) else [values]
        for value in values:
            if isinstance(value, dict):  # a nested entity (OpenSanctions' nested export): its id
                value = value.get("id")
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                raise ListFileError(f"line {number}: property {prop!r} holds {type(value).__name__}, not text.")
            proxy.add(prop, str(value))
    return proxy


# -- EU 269/2014 annex CSV ----------------------------------------------------------------------------

def split_values(cell: str) -> list[str]:
    """The values of a multi-valued cell of the EU CSV: ``;``-separated, CSV-quoted when a value
    itself holds ``;`` (FORMAT.md of the transcription)."""
    cell = (cell or "").strip()
    if not cell:
        return []
    row = next(csv.reader([cell], delimiter=";", skipinitialspace=True))
    values: list[str] = []
    for value in (v.strip() for v in row):
        if value and value not in values:
            values.append(value)
    return values


def read_eu_csv(data: bytes, *, source: str = "file") -> ParsedList:
    """Entities of the EU annex CSV, one per ``annex`` + ``recordId`` (persons and entities are
    numbered separately in the annex, so ``I.PERSONS/30`` and ``I.ENTITIES/30`` are different
    records). The listing date is ``startDate``; dates are converted to ISO for FollowTheMoney."""
    from followthemoney import model  # on first use: half a second, and every process loads this module

    text = _decode(data, source)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in EU_REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ListFileError(f"{source}: not an EU annex CSV, column(s) missing: {', '.join(missing)}.")
    by_id: dict[str, ParsedEntity] = {}
    proxies: dict[str, object] = {}
    skipped: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        if None in row:
            raise ListFileError(f"row {number}: more cells than the header has columns.")
        schema_name = (row.get("schema") or "").strip()
        schema = model.get(schema_name) if schema_name else None
        if schema is None:
            raise ListFileError(f"row {number}: unknown or empty schema {schema_name!r}.")
        name = " ".join((row.get("name") or "").split())
        if not name:
            raise ListFileError(f"row {number}: the name is empty.")
        annex = (row.get("annex") or "").strip()
        number_in_annex = (row.get("recordId") or "").strip() or f"row-{number}"
        record_id = f"{annex}/{number_in_annex}" if annex else number_in_annex
        if len(record_id) > MAX_FIELD["record_id"]:
            raise ListFileError(f"row {number}: the record id is longer than {MAX_FIELD['record_id']} characters.")
        proxy = model.make_entity(schema)
        proxy.id = "eu-269-" + re.sub(r"[^A-Za-z0-9]+", "-", record_id).strip("-").lower()
        proxy.add("name", name)
        for column, cell in row.items():
            if column in EU_META_COLUMNS or not cell or not cell.strip():
                continue
            if column not in schema.properties:
                skipped[f"{column} on {schema.name}"] = skipped.get(f"{column} on {schema.name}", 0) + 1
                continue
            values = split_values(cell)
            if column in EU_DATE_COLUMNS:
                values = [d for d in (fuzzy_date(v) for v in values) if d]
            proxy.add(column, values)
        since = _full_date(parse_date(row.get("startDate") or ""))
        if (row.get("startDate") or "").strip() and since is None:
            raise ListFileError(f"row {number}: startDate {row['startDate']!r} is not a date (d.m.yyyy).")
        program = (row.get("programKey") or "").strip()[:MAX_FIELD["program"]]
        if record_id in by_id:
            # The same designation under another program or measure: one entity, earliest listing.
            known = by_id[record_id]
            proxies[record_id].merge(proxy)
            if since and (known.listed_since is None or since < known.listed_since):
                known.listed_since = since
            continue
        proxies[record_id] = proxy
        by_id[record_id] = ParsedEntity(record_id=record_id, schema=schema.name, caption="", names=[],
                                        properties={}, listed_since=since, program=program)
    for record_id, entity in by_id.items():
        proxy = proxies[record_id]
        entity.caption = proxy.caption[:MAX_FIELD["caption"]]
        entity.names = _names(proxy)
        entity.properties = proxy.to_dict()["properties"]
    return ParsedList(format=ReferenceList.Format.EU_269_CSV, entities=list(by_id.values()), skipped=skipped)


# -- import ---------------------------------------------------------------------------------------------

def detect_format(data: bytes, name: str) -> str:
    """``.csv`` is the EU annex; ``.json``, ``.jsonl``, ``.ftm`` FtM JSON lines; otherwise a file
    that starts like JSON is FtM."""
    lower = name.lower()
    if lower.endswith(".csv"):
        return ReferenceList.Format.EU_269_CSV
    if lower.endswith((".json", ".jsonl", ".ijson", ".ftm")):
        return ReferenceList.Format.FTM
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return ReferenceList.Format.FTM if head in (b"{", b"[", b"") else ReferenceList.Format.EU_269_CSV


def read_list(data: bytes, *, format: str | None = None, source: str = "file") -> ParsedList:
    format = format or detect_format(data, source)
    if format == ReferenceList.Format.FTM:
        return read_ftm(data, source=source)
    if format == ReferenceList.Format.EU_269_CSV:
        return read_eu_csv(data, source=source)
    raise ListFileError(f"unknown format {format!r}: use {' or '.join(ReferenceList.Format.values)}.")


_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


@transaction.atomic
def import_list(*, actor, path: str | Path, name: str, format: str | None = None, title: str = "",
                publisher: str = "", jurisdiction: str = "") -> ReferenceList:
    """Import ``path`` as the reference list ``name`` (a slug such as ``eu-269``).

    Reading and checking happen before anything is written; a malformed line or row raises
    :class:`ListFileError` naming it. Importing again under the same name replaces every entity
    of that list in the same transaction (the list keeps its id). One audit entry names the
    file, its SHA-256, the format and the counts.
    """
    require(actor, "list.import")
    name = (name or "").strip()
    if not _SLUG.match(name) or len(name) > 100:
        raise ListFileError(f"list name {name!r}: use letters, digits, '-' or '_' (at most 100), e.g. eu-269.")
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ListFileError(f"cannot read {path}: {exc.strerror}.") from None
    parsed = read_list(data, format=format, source=path.name)
    if not parsed.entities:
        raise ListFileError(f"{path.name}: no person or organization in the file.")
    sha256 = hashlib.sha256(data).hexdigest()
    existing = ReferenceList.objects.select_for_update().filter(name=name).first()
    replaced = None
    now = timezone.now()
    fields = {"format": parsed.format, "source_name": path.name[:255], "sha256": sha256,
              "entity_count": len(parsed.entities), "imported_at": now,
              "imported_by": actor if getattr(actor, "pk", None) else None}
    if existing is None:
        reference_list = ReferenceList.objects.create(name=name, title=title[:300], publisher=publisher[:200],
                                                      jurisdiction=jurisdiction[:16], **fields)
    else:
        reference_list = existing
        replaced = {"file": existing.source_name, "sha256": existing.sha256, "entities": existing.entity_count}
        existing.entities.all().delete()
        for key, value in fields.items():
            setattr(existing, key, value)
        for key, value in (("title", title[:300]), ("publisher", publisher[:200]), ("jurisdiction", jurisdiction[:16])):
            if value:
                setattr(existing, key, value)
        existing.save()
    ReferenceEntity.objects.bulk_create(
        [ReferenceEntity(reference_list=reference_list, record_id=e.record_id, schema=e.schema[:MAX_FIELD["schema"]],
                         caption=e.caption, names=e.names, properties=e.properties, listed_since=e.listed_since,
                         program=e.program) for e in parsed.entities],
        batch_size=500,
    )
    changes = {"file": path.name, "sha256": sha256, "format": parsed.format, "entities": len(parsed.entities)}
    if parsed.skipped:
        changes["not_kept"] = dict(sorted(parsed.skipped.items()))
    if replaced:
        changes["replaced"] = replaced
    record(actor=actor, action="import", obj=reference_list, object_repr=name, changes=changes)
    return reference_list
