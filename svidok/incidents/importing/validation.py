"""Validating rows: every problem of every row, with its line and field, before anything is written.

:func:`validate_rows` turns ``(line, {column: value})`` rows into :class:`ParsedRow` objects holding
model-ready values (terms, places, elections, dates), with a handful of batch lookups rather than
one query per row.

Parsing (is this a date, which term does this code name, which place is this) happens here; the
rules of the domain do not: each parsed row goes through the same checks the use cases apply one
record at a time (``incidents.services.check_incident``, ``check_involvement``, ``validate_source``
and ``people.services.validate_name``), so a row the form or the API would refuse is refused here
too, with the same words. Only what those services cannot know stays here: codes and names that do
not exist, references, duplicates within the file.
"""

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Q
from django.utils.translation import gettext as _

from svidok.incidents.importing.columns import LIST_SEPARATOR, REFERENCE_RE
from svidok.incidents.models import DatePrecision, Election, Incident, Place, Term
from svidok.incidents.services import check_incident, check_involvement, validate_source
from svidok.people.models import PROTECTED_ROLES
from svidok.people.services import validate_name

_url = URLValidator(schemes=["http", "https"])


@dataclass
class RowError:
    line: int
    field: str
    message: str

    def __str__(self):
        return f"line {self.line}: {self.field}: {self.message}"


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


class ParsedRow:
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
        self.max_text = settings.SVIDOK_MAX_TEXT
        places = {_text(r.get("place")) for _line, r in rows if _text(r.get("place"))}
        codes = {p for p in places if re.fullmatch(r"UA\d{17}", p)}
        self.places = {p.code: p for p in Place.objects.filter(code__in=codes)} if codes else {}
        names = {n for n in places - codes if "\x00" not in n}  # a NUL finds no place (PostgreSQL refuses it)
        self.place_names: dict[str, list[Place]] = defaultdict(list)
        if names:
            lowered = {n.lower() for n in names}
            query = Q(name_uk__in=names) | Q(name_latin__in=names) | Q(name_ru__in=names) | Q(name_crh__in=names)
            for place in Place.objects.filter(query):
                for text in {place.name_uk, place.name_latin, place.name_ru, place.name_crh}:
                    if text and text.lower() in lowered:
                        self.place_names[text.lower()].append(place)
        self.elections = list(Election.objects.all())
        # Only what can be a reference is looked up: anything else is a row error below, and a NUL
        # in the query would be PostgreSQL's error (a crash of the whole import), not the row's.
        refs = [ref for _line, r in rows for ref in (_text(r.get("reference")), _text(r.get("duplicate_of")))
                if REFERENCE_RE.match(ref)]
        self.existing_refs = {}
        for start in range(0, len(refs), 5000):
            self.existing_refs.update(Incident.objects.filter(reference__in=refs[start:start + 5000]).values_list("reference", "pk"))
        self.seen_refs: set[str] = set()

    def term(self, row: ParsedRow, field_name: str, vocabulary: str, code: str) -> Term | None:
        found = self.terms.get((vocabulary, code))
        if found is None:
            row.error(field_name, _("unknown %(vocabulary)s code %(code)s") % {"vocabulary": vocabulary, "code": repr(code[:60])})
        return found

    def date(self, row: ParsedRow, field_name: str, value: str):
        try:
            return parse_date(value)
        except ValueError:
            row.error(field_name, _("%(value)s is not a date (YYYY-MM-DD, YYYY-MM or YYYY)") % {"value": repr(value[:30])})
            return None, None

    @staticmethod
    def apply(row: ParsedRow, check, where: Callable[[str], str] = str) -> None:
        """Run a service's check on parsed values; each of its field errors becomes a row error on
        the column ``where(field)``, unless parsing already reported a problem there."""
        try:
            check()
        except ValidationError as exc:
            flagged = {error.field for error in row.errors}
            for field_name, messages in exc.message_dict.items():
                column = where(field_name)
                if column not in flagged:
                    for message in messages:
                        row.error(column, message)

    def text(self, row: ParsedRow, field_name: str, value, limit: int | None = None) -> str:
        value = _text(value)
        limit = limit or self.max_text
        if len(value) > limit:
            row.error(field_name, _("text is %(length)s characters long; the limit is %(limit)s") % {"length": len(value), "limit": limit})
        return value

    def name(self, row: ParsedRow, field_name: str, value: str, kind: str = "person") -> str | None:
        """The name as the people services would record it, or None (and a row error) when they would refuse it."""
        try:
            return validate_name(field_name, value, kind=kind)
        except ValidationError as exc:
            for message in exc.message_dict[field_name]:
                row.error(field_name, message)
            return None

    def choice(self, row: ParsedRow, field_name: str, value: str, choices, default):
        if not value:
            return default
        if value not in choices:
            row.error(field_name, _("%(value)s is not one of %(choices)s") % {"value": repr(value[:30]), "choices": ", ".join(choices)})
        return value

    def place(self, row: ParsedRow, value: str):
        if not value:
            return None
        if value in self.places:
            return self.places[value]
        if re.fullmatch(r"UA\d{17}", value):
            row.error("place", _("unknown KATOTTG code %(code)s") % {"code": value})
            return None
        found = {p.pk: p for p in self.place_names.get(value.lower(), [])}
        if len(found) == 1:
            return next(iter(found.values()))
        if not found:
            row.error("place", _("no gazetteer place is called %(name)s; give a KATOTTG code, or put free text in place_text")
                      % {"name": repr(value[:60])})
        else:
            row.error("place", _("%(count)s places are called %(name)s; give the KATOTTG code") % {"count": len(found), "name": repr(value[:60])})
        return None

    def election(self, row: ParsedRow, value: str):
        if not value:
            return None
        matches = [e for e in self.elections if str(e.uuid) == value.lower() or value in (e.name, e.name_uk)]
        if len(matches) != 1:
            row.error("election", _("no single election is %(name)s; give its UUID or exact name") % {"name": repr(value[:60])})
            return None
        return matches[0]

    def validate(self, line: int, raw: dict) -> ParsedRow:
        row = ParsedRow(line)
        if "__error__" in raw:
            row.error("row", raw["__error__"])
            return row
        v = row.values
        v["title"] = _text(raw.get("title"))
        v["narrative"] = _text(raw.get("narrative"))
        code = _text(raw.get("type"))
        v["type"] = self.term(row, "type", "incident_type", code) if code else None
        start = _text(raw.get("date_start"))
        v["date_start"], implied = self.date(row, "date_start", start) if start else (None, None)
        end = _text(raw.get("date_end"))
        v["date_end"] = self.date(row, "date_end", end)[0] if end else None
        v["date_precision"] = self.choice(row, "date_precision", _text(raw.get("date_precision")), DatePrecision.values,
                                          implied or DatePrecision.DAY)
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
                row.error("victim_count", _("%(value)s is not a whole number of victims") % {"value": repr(count[:20])})
        self._reference(row, _text(raw.get("reference")))
        row.duplicate_of = _text(raw.get("duplicate_of"))
        if v["status"] == Incident.Status.DUPLICATE and not row.duplicate_of:
            row.error("duplicate_of", _("a duplicate needs the reference of the incident it repeats"))
        if row.duplicate_of and v["status"] != Incident.Status.DUPLICATE:
            row.error("duplicate_of", _("only an incident with status 'duplicate' names an original"))
        row.legal_tags = [t for t in (self.term(row, "legal_tags", "legal_qualification", c) for c in _split(raw.get("legal_tags"))) if t]
        row.tags = sorted({t.lower() for t in _split(raw.get("tags"))})
        fields = {key: v[key] for key in ("title", "narrative", "type", "date_start", "date_end", "date_precision")}
        self.apply(row, lambda: check_incident(fields, row.legal_tags, row.tags))
        self._involvements(row, raw)
        self._sources(row, raw)
        return row

    def _reference(self, row: ParsedRow, reference: str) -> None:
        if not reference:
            return
        match = REFERENCE_RE.match(reference)
        if not match:
            row.error("reference", _("%(value)s is not a reference like SV-2018-000001") % {"value": repr(reference[:30])})
        elif reference in self.existing_refs:
            row.error("reference", _("%(reference)s already exists") % {"reference": reference})
        elif reference in self.seen_refs:
            row.error("reference", _("%(reference)s appears twice in the file") % {"reference": reference})
        elif row.values.get("date_start") and int(match.group(1)) != row.values["date_start"].year:
            row.error("reference", _("%(reference)s does not carry the year of date_start") % {"reference": reference})
        else:
            row.reference = reference
            self.seen_refs.add(reference)

    def _involvements(self, row: ParsedRow, raw: dict) -> None:
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
            name = self.name(row, "perpetrator_organizations", name, kind="organization")
            if name:
                row.involvements.append({
                    "role": self.terms[("involvement_role", "perpetrator")], "kind": "organization", "name": name,
                    "protected": False, "perpetrator_type": perpetrator_type, "details": "",
                })
        nested = raw.get("involvements") or []
        if not isinstance(nested, list):
            row.error("involvements", _("must be a list"))
            return
        for n, item in enumerate(nested, start=1):
            where = f"involvements[{n}]"
            if not isinstance(item, dict):
                row.error(where, _("must be an object"))
                continue
            role = self.term(row, f"{where}.role", "involvement_role", _text(item.get("role")))
            kind = _text(item.get("kind")) or "person"
            if kind not in ("person", "organization"):
                row.error(f"{where}.kind", _("is person or organization"))
            name = self.name(row, f"{where}.name", _text(item.get("name")), kind="organization" if kind == "organization" else "person")
            ptype_code = _text(item.get("perpetrator_type"))
            ptype = self.term(row, f"{where}.perpetrator_type", "perpetrator_type", ptype_code) if ptype_code else None
            details = _text(item.get("details"))
            checked = {"role": role, "perpetrator_type": ptype, "details": details,
                       "new_organization" if kind == "organization" else "new_person": {"name": name}}
            self.apply(row, lambda checked=checked: check_involvement(checked), lambda field_name, where=where: f"{where}.{field_name}")
            protected = item.get("protected")
            if protected is None and role is not None:
                protected = role.code in PROTECTED_ROLES
            if role and name:
                row.involvements.append({"role": role, "kind": kind, "name": name, "protected": bool(protected) and kind == "person",
                                         "perpetrator_type": ptype, "details": details})

    def _source(self, row: ParsedRow, where: str, raw: dict, keys: dict) -> None:
        def get(key):
            return _text(raw.get(keys[key]))

        title = get("title")
        kind_code = get("kind") or "article"
        kind = self.term(row, f"{where}{keys['kind']}", "source_type", kind_code)
        url = get("url")
        if url:
            try:
                _url(url)
            except ValidationError:
                row.error(f"{where}{keys['url']}", _("not a valid http(s) URL"))
            if len(url) > 2000:
                row.error(f"{where}{keys['url']}", _("a URL is at most 2000 characters long"))
        published = None
        if get("published_on"):
            published = self.date(row, f"{where}{keys['published_on']}", get("published_on"))[0]
        reliability = (get("reliability") or "F").upper()
        credibility = get("credibility") or "6"
        credibility = int(credibility) if credibility.isdigit() else credibility
        source = {
            "kind": kind, "title": title, "url": url, "publisher": self.text(row, f"{where}{keys['publisher']}", get("publisher"), 300),
            "author": self.text(row, f"{where}{keys['author']}", get("author"), 300), "published_on": published,
            "language": get("language")[:8], "reliability": reliability, "credibility": credibility,
            "excerpt": get("excerpt"),
        }
        self.apply(row, lambda: validate_source(source), lambda field_name: f"{where}{keys.get(field_name, field_name)}")
        row.sources.append(source | {"note": get("note")[:500]})

    def _sources(self, row: ParsedRow, raw: dict) -> None:
        flat = {k: f"source_{k}" for k in ("title", "url", "publisher", "author", "language", "reliability", "credibility", "excerpt", "note")}
        flat |= {"kind": "source_type", "published_on": "source_date"}
        if any(_text(raw.get(column)) for column in flat.values()):
            self._source(row, "", raw, flat)
        nested = raw.get("sources") or []
        if not isinstance(nested, list):
            row.error("sources", _("must be a list"))
            return
        keys = {k: k for k in flat} | {"kind": "kind"}
        for n, item in enumerate(nested, start=1):
            if isinstance(item, dict):
                self._source(row, f"sources[{n}].", item, keys)
            else:
                row.error(f"sources[{n}]", _("must be an object"))


def validate_rows(rows: list[tuple[int, dict]], progress: Callable[[int], None] | None = None) -> tuple[list[ParsedRow], list[RowError]]:
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
        Incident.objects.filter(reference__in=[r.duplicate_of for r in parsed if REFERENCE_RE.match(r.duplicate_of)],
                                status=Incident.Status.DUPLICATE)
        .values_list("reference", flat=True)
    )
    for row in parsed:
        if not row.duplicate_of:
            continue
        target = in_file.get(row.duplicate_of)
        if row.duplicate_of not in validator.existing_refs and target is None:
            row.error("duplicate_of", _("no incident %(reference)s in the database or the file") % {"reference": repr(row.duplicate_of[:30])})
        elif row.duplicate_of == row.reference:
            row.error("duplicate_of", _("an incident cannot duplicate itself"))
        elif (target is not None and target.duplicate_of) or (target is None and row.duplicate_of in duplicates_in_db):
            row.error("duplicate_of", _("%(reference)s is itself a duplicate; name the incident it repeats") % {"reference": repr(row.duplicate_of[:30])})
        else:
            continue
        errors.append(row.errors[-1])
    return parsed, errors
