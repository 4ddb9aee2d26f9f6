"""Export of incidents in the format the importer reads (``docs/import-format.md``).

JSON is lossless (every involvement and source, nested) and carries the vocabularies; CSV and XLSX
are flat, one row per incident, and keep victims, witnesses, perpetrators and the first source.
Export then import into a database with the same reference data (vocabularies, gazetteer,
elections) gives the same incidents.

Every export names a purpose (``people.consent.Purpose``): internal by default (the organisation's
own working file, which the round trip above is for), litigation, a named partner, or publication.
A :class:`~svidok.people.consent.Disclosure` decides how each protected person is shown (real name,
pseudonym, or withheld as "a protected person" with no details), protected names typed into the
free text are replaced, and the file carries the list of what was held back (``docs/redaction.md``).
Publication exports only verified public incidents: it is how a public site must be fed.
"""

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch

from svidok.accounts.rules import require
from svidok.audit.services import record
from svidok.common.cells import csv_row, xlsx_cell
from svidok.incidents.importing import COLUMNS, LIST_SEPARATOR
from svidok.incidents.models import Incident, IncidentSource, Involvement
from svidok.incidents.queries import visible_incidents
from svidok.incidents.services import export_vocabularies
from svidok.people.consent import Disclosure, Purpose, Shown
from svidok.people.freetext import Matcher

FLAT_ROLES = {"victim": "victims", "witness": "witnesses"}
REDACTION_COLUMNS = ["where", "field", "person", "shown", "reason"]
BATCH = 500  # incidents whose texts share one blind-index lookup


@dataclass
class ExportResult:
    incidents: int = 0
    # What a flat (CSV/XLSX) file could not hold; JSON holds everything.
    dropped: dict[str, int] = field(default_factory=dict)
    purpose: str = Purpose.INTERNAL.value
    partner: str = ""
    left_out: int = 0  # incidents the purpose does not allow (publication: not verified and public)
    withheld: int = 0  # involvements of persons withheld entirely
    redactions: list[dict] = field(default_factory=list)


def _queryset(actor, purpose: Purpose = Purpose.INTERNAL):
    incidents = visible_incidents(actor)
    if purpose is Purpose.PUBLICATION:
        incidents = incidents.filter(sensitivity=Incident.Sensitivity.PUBLIC, status=Incident.Status.VERIFIED)
    return (
        incidents
        .select_related("type", "place", "election", "duplicate_of")
        .prefetch_related(
            "legal_tags", "tags",
            Prefetch("involvements", queryset=Involvement.objects.select_related(
                "role", "perpetrator_type", "person__identity", "organization").order_by("id")),
            Prefetch("source_links", queryset=IncidentSource.objects.select_related("source__kind").order_by("id")),
        )
        .order_by("date_start", "reference")
    )


def incident_items(*, actor, disclosure: Disclosure | None = None) -> Iterator[dict]:
    """Each incident ``actor`` may see (and ``disclosure``'s purpose allows) as a JSON-ready dict
    (the nested import form). Protected persons are shown as ``disclosure`` decides (by default:
    internal use, so real names only when the actor is allowed ``person.identity``; the command
    line's system account is); its ``redactions`` collect what was held back."""
    require(actor, "data.export")  # here, not when the caller starts reading: nothing written before a refusal
    disclosure = disclosure or Disclosure(actor=actor, purpose=Purpose.INTERNAL)
    return _items(actor, disclosure)


def _batches(queryset) -> Iterator[list]:
    batch = []
    for incident in queryset.iterator(chunk_size=2000):
        batch.append(incident)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _texts(incident) -> Iterator[str]:
    yield from (incident.title, incident.narrative, incident.place_text, incident.status_reason)
    for involvement in incident.involvements.all():
        yield involvement.details
    for link in incident.source_links.all():
        yield from (link.source.title, link.source.excerpt, link.note)


def _items(actor, disclosure: Disclosure) -> Iterator[dict]:
    # Internal use by a reader who may see identities shows everything: no need to look for names.
    everything = disclosure.purpose is Purpose.INTERNAL and disclosure.cleared
    for batch in _batches(_queryset(actor, disclosure.purpose)):
        matcher = None if everything else Matcher(t for i in batch for t in _texts(i))
        disclosure.prepare({v.person_id for i in batch for v in i.involvements.all() if v.person_id})
        for incident in batch:
            yield _item(incident, disclosure, matcher)


def _item(incident, disclosure: Disclosure, matcher) -> dict:
    where = incident.reference

    def text(value: str, field_name: str) -> str:
        if matcher is None or not value:
            return value
        return disclosure.redact_text(value, where=where, field_name=field_name, matcher=matcher)

    involvements = []
    for involvement in incident.involvements.all():
        party = involvement.person or involvement.organization
        protected = bool(involvement.person_id and party.protected)
        decision = disclosure.decide(party) if protected else None
        entry = {
            "role": involvement.role.code, "kind": "person" if involvement.person_id else "organization",
            "name": party.display_name, "protected": protected,
            "perpetrator_type": involvement.perpetrator_type.code if involvement.perpetrator_type_id else "",
        }
        if decision is not None and decision.shown is Shown.WITHHELD:
            # Not even the pseudonym, nor the details: repeated across published incidents they could point to a person.
            disclosure.note(where=where, field_name="involvements", person=party, decision=decision)
            entry |= {"name": disclosure.label(party), "details": "", "withheld": True}
        else:
            entry["details"] = text(involvement.details, "involvements.details")
        if decision is not None and decision.shown is Shown.NAMED:
            identity = getattr(party, "identity", None)
            entry["name"] = (identity.full_name if identity else "") or party.display_name
        elif decision is not None and decision.shown is Shown.PSEUDONYM:
            disclosure.note(where=where, field_name="involvements", person=party, decision=decision)
        involvements.append(entry)
    sources = [{
        "kind": link.source.kind.code, "title": text(link.source.title, "sources.title"), "url": link.source.url,
        "publisher": link.source.publisher, "author": link.source.author,
        "published_on": link.source.published_on.isoformat() if link.source.published_on else "",
        "language": link.source.language, "reliability": link.source.reliability,
        "credibility": str(link.source.credibility), "excerpt": text(link.source.excerpt, "sources.excerpt"),
        "note": text(link.note, "sources.note"),
    } for link in incident.source_links.all()]
    return {
        "reference": incident.reference, "title": text(incident.title, "title"), "type": incident.type.code,
        "date_start": incident.date_start.isoformat(),
        "date_end": incident.date_end.isoformat() if incident.date_end else "",
        "date_precision": incident.date_precision,
        "place": incident.place.code if incident.place_id else "", "place_text": text(incident.place_text, "place_text"),
        "election": incident.election.name if incident.election_id else "",
        "status": incident.status, "status_reason": text(incident.status_reason, "status_reason"),
        "duplicate_of": incident.duplicate_of.reference if incident.duplicate_of_id else "",
        "sensitivity": incident.sensitivity, "confidence": incident.confidence,
        "victim_count": "" if incident.victim_count is None else str(incident.victim_count),
        "narrative": text(incident.narrative, "narrative"),
        "legal_tags": sorted(t.code for t in incident.legal_tags.all()),
        "tags": sorted(t.name for t in incident.tags.all()),
        "involvements": involvements, "sources": sources,
    }


def flatten(item: dict, result: ExportResult) -> dict:
    """One nested item as a CSV/XLSX row; counts what the flat form cannot hold."""
    row = {column: item.get(column, "") for column in COLUMNS}
    row["legal_tags"] = LIST_SEPARATOR.join(item["legal_tags"])
    row["tags"] = LIST_SEPARATOR.join(item["tags"])
    lists = {"victims": [], "witnesses": [], "perpetrators": [], "perpetrator_organizations": []}
    perpetrator_types = []
    for involvement in item["involvements"]:
        role, kind = involvement["role"], involvement["kind"]
        if role in FLAT_ROLES and kind == "person" and involvement["protected"]:
            lists[FLAT_ROLES[role]].append(involvement["name"])
        elif role == "perpetrator":
            lists["perpetrators" if kind == "person" else "perpetrator_organizations"].append(involvement["name"])
            perpetrator_types.append(involvement["perpetrator_type"])
        else:
            result.dropped["involvements"] = result.dropped.get("involvements", 0) + 1
            continue
        if involvement["details"]:
            result.dropped["involvement details"] = result.dropped.get("involvement details", 0) + 1
    for key, names in lists.items():
        row[key] = LIST_SEPARATOR.join(names)
    row["perpetrator_type"] = next((t for t in perpetrator_types if t), "")
    if len(set(filter(None, perpetrator_types))) > 1:
        result.dropped["perpetrator types"] = result.dropped.get("perpetrator types", 0) + 1
    if item["sources"]:
        source = item["sources"][0]
        row |= {"source_type": source["kind"], "source_date": source["published_on"]}
        row |= {f"source_{k}": source[k] for k in ("title", "url", "publisher", "author", "language", "reliability",
                                                 "credibility", "excerpt", "note")}
        if len(item["sources"]) > 1:
            result.dropped["sources"] = result.dropped.get("sources", 0) + len(item["sources"]) - 1
    return row


def export_incidents(*, actor, fmt: str, output, purpose: Purpose | str = Purpose.INTERNAL, partner: str = "") -> ExportResult:
    """Write every incident ``actor`` may export for ``purpose`` to ``output`` (a text handle; binary
    for xlsx). JSON and XLSX carry their list of redactions (XLSX: a second sheet); a CSV cannot, so
    the caller writes ``result.redactions`` beside it (:func:`write_redactions_csv`)."""
    purpose = Purpose(purpose)
    disclosure = Disclosure(actor=actor, purpose=purpose, partner=partner if purpose is Purpose.PARTNER else "")
    result = ExportResult(purpose=purpose.value, partner=disclosure.partner)
    items = incident_items(actor=actor, disclosure=disclosure)
    if purpose is Purpose.PUBLICATION:
        result.left_out = visible_incidents(actor).count() - _queryset(actor, purpose).count()
    if fmt == "json":
        # Streamed by hand so a large export never sits in memory as one document.
        output.write('{"format": "svidok-incidents", "version": 1, ')
        output.write(f'"purpose": {json.dumps(result.purpose)}, "partner": {json.dumps(result.partner, ensure_ascii=False)},\n')
        output.write('"vocabularies": ' + json.dumps(export_vocabularies(), ensure_ascii=False))
        output.write(',\n"incidents": [')
        for n, item in enumerate(items):
            output.write(("\n" if n == 0 else ",\n") + json.dumps(item, ensure_ascii=False))
            result.incidents += 1
        _finish(result, disclosure)
        output.write("\n],\n\"redactions\": " + json.dumps(result.redactions, ensure_ascii=False))
        output.write(f',\n"left_out": {result.left_out}}}\n')
    elif fmt == "csv":
        writer = csv.DictWriter(output, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for item in items:
            writer.writerow(csv_row(flatten(item, result)))
            result.incidents += 1
        _finish(result, disclosure)
    elif fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("incidents")  # first: the sheet the importer reads
        sheet.append(list(COLUMNS))
        for item in items:
            row = flatten(item, result)
            sheet.append([xlsx_cell(row[c]) for c in COLUMNS])
            result.incidents += 1
        _finish(result, disclosure)
        listed = workbook.create_sheet("redactions")
        listed.append(REDACTION_COLUMNS)
        for redaction in result.redactions:
            listed.append([xlsx_cell(redaction[c]) for c in REDACTION_COLUMNS])
        workbook.save(output)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    _record_export(actor, fmt, result)
    return result


def _record_export(actor, fmt: str, result: ExportResult) -> None:
    """One audit entry per export, written once the file is complete: who exported how many
    incidents, in which format, for which purpose and partner, with how many redactions."""
    with transaction.atomic():
        record(actor=actor, action="export", object_type="incidents.export", object_id=result.purpose,
               object_repr=result.partner, changes={"export": [None, {
                   "format": fmt, "purpose": result.purpose, "partner": result.partner, "incidents": result.incidents,
                   "redactions": len(result.redactions), "left_out": result.left_out}]})


def _finish(result: ExportResult, disclosure: Disclosure) -> None:
    result.redactions = [r.as_dict() for r in disclosure.redactions]
    result.withheld = sum(1 for r in disclosure.redactions if r.field == "involvements" and r.shown is Shown.WITHHELD)


def write_redactions_csv(redactions: list[dict], output) -> None:
    """The list of redactions as CSV (the sidecar of a CSV export)."""
    writer = csv.DictWriter(output, fieldnames=REDACTION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for redaction in redactions:
        writer.writerow(csv_row(redaction))
