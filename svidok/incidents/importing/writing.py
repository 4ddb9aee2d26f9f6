"""Writing validated rows: persons, organizations, sources, incidents and their links, audit entries
and search keys, each table in one bulk insert (:func:`svidok.common.bulk.insert_rows`).

Audit entries are built by :func:`svidok.audit.services.build_entry`, the same payload as the
per-record services. Everything here runs inside the caller's transaction.
"""

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable

from django.utils import timezone

from svidok.audit.models import AuditEntry
from svidok.audit.services import PROTECTED_VALUE, build_entry
from svidok.common import crypto
from svidok.common.bulk import insert_rows
from svidok.common.context import current_request_id
from svidok.incidents import search_index
from svidok.incidents.importing.columns import REFERENCE_RE
from svidok.incidents.importing.validation import ParsedRow
from svidok.incidents.models import Incident, IncidentSource, Involvement, ReferenceCounter, Source, Tag
from svidok.incidents.services import party_ref
from svidok.names import romanizations
from svidok.people import search_index as people_index
from svidok.people.models import NameVariant, Organization, Person, PersonIdentity
from svidok.people.services import new_pseudonyms

VARIANT_COLUMNS = ["person_id", "organization_id", "name", "lang", "script", "kind", "origin", "primary", "raw", "keys"]


def allocate_references(parsed: list[ParsedRow]) -> None:
    """Give rows without a reference the next numbers of their year, taken from the counter in blocks."""
    by_year: dict[int, list[ParsedRow]] = defaultdict(list)
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


def _save_all(model, objs: list, key: str, now) -> None:
    """Insert model instances and give them their primary keys, found again by the unique ``key``."""
    if not objs:
        return
    concrete = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]  # the database fills generated ones
    for f in concrete:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                setattr(obj, f.attname, now)
    names = [f.attname for f in concrete]
    insert_rows(model, names, (tuple(getattr(obj, n) for n in names) for obj in objs))
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


class Writer:
    """Creates the records of validated rows, queueing one audit entry per created record."""

    def __init__(self, actor, progress, *, verified_elsewhere: bool = False):
        self.actor = actor
        self.verified_elsewhere = verified_elsewhere
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

    def persons(self, parsed: list[ParsedRow]) -> dict:
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
        # The names are sealed as the identity field would seal them (``people.models.SealedField``).
        table = PersonIdentity._meta.db_table
        insert_rows(PersonIdentity, ["person_id", "full_name", "other_names", "contacts", "identifiers", "address", "notes"],
                ((p.pk, crypto.seal(n, f"{table}.full_name.{p.pk}"), "", "", "", "", "")
                 for p, n in zip(persons, real_names, strict=True)))
        insert_rows(NameVariant, VARIANT_COLUMNS,
                ((p.pk, None, p.display_name, "", _script(p.display_name), NameVariant.Kind.OFFICIAL, "", True, "",
                  romanizations(p.display_name)) for p in persons[: len(new_public)]))
        for person in persons:
            self.entry(obj=person, snapshot={"protected": person.protected, "pseudonym": person.pseudonym,
                                             "identity": PROTECTED_VALUE})
        by_name = existing | dict(zip(new_public, persons, strict=False))
        for item, person in zip(protected_items, persons[len(new_public):], strict=True):
            item["party"] = person
        for row in parsed:
            for item in row.involvements:
                if item["kind"] == "person" and not item["protected"]:
                    item["party"] = by_name[item["name"]]
        self.new_persons = persons
        return {"persons": len(persons)}

    def organizations(self, parsed: list[ParsedRow]) -> dict:
        kinds = {}
        for row in parsed:
            for item in row.involvements:
                if item["kind"] == "organization":
                    kinds.setdefault(item["name"], item["perpetrator_type"])
        names = sorted(kinds)
        existing = _chunked_lookup(Organization.objects.all(), "name", names, lambda o: o.name)
        new = [Organization(name=n, kind=kinds[n], created_by=self.created_by) for n in names if n not in existing]
        _save_all(Organization, new, "uuid", self.now)
        insert_rows(NameVariant, VARIANT_COLUMNS,
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

    def sources(self, parsed: list[ParsedRow]) -> dict:
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

    def incidents(self, parsed: list[ParsedRow]) -> list[Incident]:
        fields = ("title", "narrative", "type", "date_start", "date_end", "date_precision", "place", "place_text", "election",
                  "confidence", "sensitivity", "victim_count", "status", "status_reason")
        originals = [r for r in parsed if not r.duplicate_of]
        duplicates = [r for r in parsed if r.duplicate_of]
        by_ref = dict(Incident.objects.filter(reference__in=[r.duplicate_of for r in duplicates]).values_list("reference", "pk"))
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
                changes["involvements"] = [None, [{**party_ref(item["party"]), "role": item["role"].code,
                                                   "perpetrator_type": item["perpetrator_type"].code if item["perpetrator_type"] else None}
                                                  for item in row.involvements]]
            if row.sources:
                changes["sources"] = [None, [{"source": v["source"].public_id, "title": v["source"].title, "note": v["note"]}
                                             for v in row.sources]]
            if self.verified_elsewhere and row.values["status"] == Incident.Status.VERIFIED:
                changes["verified_elsewhere"] = [None, True]
            self.entry(obj=incident, snapshot=snapshot, extra=changes)
        insert_rows(Involvement, ["uuid", "incident_id", "person_id", "organization_id", "role_id", "perpetrator_type_id", "details"],
                    involvements)
        insert_rows(IncidentSource, ["incident_id", "source_id", "note"], links)
        insert_rows(LegalThrough, ["incident_id", "term_id"], legal)
        insert_rows(TagThrough, ["incident_id", "tag_id"], tag_links)
        self.involvement_count = len(involvements)
        return [incident for _row, incident in created]

    def audit_entries(self) -> int:
        """Insert the queued audit entries; returns how many."""
        columns = [f.attname for f in AuditEntry._meta.concrete_fields if not f.primary_key]
        # One insert in creation order keeps the sequence numbers (ids) in the order of the writes.
        return insert_rows(AuditEntry, columns, (tuple(getattr(e, n) for n in columns) for e in self.audit))

    def index(self, incidents: list[Incident]) -> None:
        """Update the search index in bulk: the new persons and organizations, then the incidents."""
        people_index.index_persons(self.new_persons)
        people_index.index_organizations(self.new_organizations)
        search_index.index_incidents(incidents)
