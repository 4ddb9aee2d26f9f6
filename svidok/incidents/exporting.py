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


def _queryset(actor, purpose: Purpose = Purpose.INTERNAL, within=None):
    incidents = visible_incidents(actor)
    if within is not None:
        # A narrowing (the web list's filter or selection), never a widening: still only what the actor sees.
        incidents = incidents.filter(pk__in=within.values("pk"))
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


def incident_items(*, actor, disclosure: Disclosure | None = None, within=None) -> Iterator[dict]:
    """Each incident ``actor`` may see (and ``disclosure``'s purpose allows) as a JSON-ready dict
    (the nested import form). Protected persons are shown as ``disclosure`` decides (by default:
    internal use, so real names only when the actor is allowed ``person.identity``; the command
    line's system account is); its ``redactions`` collect what was held back."""
    require(actor, "data.export")  # here, not when the caller starts reading: nothing written before a refusal
    disclosure = disclosure or Disclosure(actor=actor, purpose=Purpose.INTERNAL)
    return _items(actor, disclosure, within)


def batches(queryset) -> Iterator[list]:
    """The incidents of ``queryset`` in lists of ``BATCH``, read in chunks (the export and the public
    site's records: the texts of one batch share one blind-index lookup)."""
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


def _items(actor, disclosure: Disclosure, within=None) -> Iterator[dict]:
    # Internal use by a reader who may see identities shows everything: no need to look for names.
    everything = disclosure.purpose is Purpose.INTERNAL and disclosure.cleared
    for batch in batches(_queryset(actor, disclosure.purpose, within)):
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


def export_incidents(*, actor, fmt: str, output, purpose: Purpose | str = Purpose.INTERNAL, partner: str = "",
                     within=None) -> ExportResult:
    """Write every incident ``actor`` may export for ``purpose`` to ``output`` (a text handle; binary
    for xlsx). JSON and XLSX carry their list of redactions (XLSX: a second sheet); a CSV cannot, so
    the caller writes ``result.redactions`` beside it (:func:`write_redactions_csv`). ``within`` (a
    queryset of incidents) narrows the export to those incidents, e.g. the web list's filter."""
    require(actor, "data.export")
    purpose = Purpose(purpose)
    if fmt == "xlsx":
        disclosure, result = _start(actor, purpose, partner, within)
        _write_xlsx(incident_items(actor=actor, disclosure=disclosure, within=within), output, result, disclosure)
        _record_export(actor, fmt, result)
        return result
    result = ExportResult()
    for part in export_parts(actor=actor, fmt=fmt, purpose=purpose, partner=partner, within=within, result=result):
        output.write(part)
    return result


def _start(actor, purpose: Purpose, partner: str, within) -> tuple[Disclosure, ExportResult]:
    disclosure = Disclosure(actor=actor, purpose=purpose, partner=partner if purpose is Purpose.PARTNER else "")
    result = ExportResult(purpose=purpose.value, partner=disclosure.partner)
    if purpose is Purpose.PUBLICATION:
        result.left_out = _queryset(actor, Purpose.INTERNAL, within).count() - _queryset(actor, purpose, within).count()
    return disclosure, result


class _Echo:
    """A file whose ``write`` hands back what it is given: the csv module then returns each line."""

    def write(self, value: str) -> str:
        return value


def export_parts(*, actor, fmt: str, purpose: Purpose | str = Purpose.INTERNAL, partner: str = "", within=None,
                 result: ExportResult | None = None) -> Iterator[str]:
    """A JSON or CSV export as pieces of text, one incident at a time, for a response that streams
    (the web's export page) as well as for a file (:func:`export_incidents`). Refused (``require``)
    before the first piece. The audit entry is written when the last piece has been made; an
    export whose reader stopped early (a closed download) is audited too, as incomplete."""
    require(actor, "data.export")  # first: nothing made, nothing audited, for an actor who may not export
    purpose = Purpose(purpose)
    if fmt not in ("json", "csv"):
        raise ValueError(f"unknown export format {fmt!r}")
    disclosure, started = _start(actor, purpose, partner, within)
    result = result if result is not None else ExportResult()
    result.__dict__.update(started.__dict__)
    return _parts(actor, fmt, disclosure, result, within)


def _parts(actor, fmt: str, disclosure: Disclosure, result: ExportResult, within) -> Iterator[str]:
    items = incident_items(actor=actor, disclosure=disclosure, within=within)
    complete = False
    try:
        if fmt == "json":
            # By hand, piece by piece, so a large export never sits in memory as one document.
            yield ('{"format": "svidok-incidents", "version": 1, '
                   f'"purpose": {json.dumps(result.purpose)}, "partner": {json.dumps(result.partner, ensure_ascii=False)},\n'
                   '"vocabularies": ' + json.dumps(export_vocabularies(), ensure_ascii=False) + ',\n"incidents": [')
            for n, item in enumerate(items):
                yield ("\n" if n == 0 else ",\n") + json.dumps(item, ensure_ascii=False)
                result.incidents += 1
            _finish(result, disclosure)
            yield "\n],\n\"redactions\": " + json.dumps(result.redactions, ensure_ascii=False) + f',\n"left_out": {result.left_out}}}\n'
        else:
            writer = csv.DictWriter(_Echo(), fieldnames=COLUMNS, lineterminator="\n")
            yield writer.writeheader()
            for item in items:
                yield writer.writerow(csv_row(flatten(item, result)))
                result.incidents += 1
            _finish(result, disclosure)
        complete = True
    finally:
        if not complete:
            _finish(result, disclosure)
        _record_export(actor, fmt, result, complete=complete)


def _write_xlsx(items, output, result: ExportResult, disclosure: Disclosure) -> None:
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


def _record_export(actor, fmt: str, result: ExportResult, *, complete: bool = True) -> None:
    """One audit entry per export, written once the file is complete (or its reader stopped): who
    exported how many incidents, in which format, for which purpose and partner, with how many
    redactions."""
    entry = {"format": fmt, "purpose": result.purpose, "partner": result.partner, "incidents": result.incidents,
             "redactions": len(result.redactions), "left_out": result.left_out}
    if not complete:
        entry["complete"] = False
    with transaction.atomic():
        record(actor=actor, action="export", object_type="incidents.export", object_id=result.purpose,
               object_repr=result.partner, changes={"export": [None, entry]})


def _finish(result: ExportResult, disclosure: Disclosure) -> None:
    result.redactions = [r.as_dict() for r in disclosure.redactions]
    result.withheld = sum(1 for r in disclosure.redactions if r.field == "involvements" and r.shown is Shown.WITHHELD)


def write_redactions_csv(redactions: list[dict], output) -> None:
    """The list of redactions as CSV (the sidecar of a CSV export)."""
    writer = csv.DictWriter(output, fieldnames=REDACTION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for redaction in redactions:
        writer.writerow(csv_row(redaction))
