"""Export of incidents in the format the importer reads (``docs/import-format.md``).

JSON is lossless (every involvement and source, nested) and carries the vocabularies; CSV and XLSX
are flat, one row per incident, and keep victims, witnesses, perpetrators and the first source.
Export then import into a database with the same reference data (vocabularies, gazetteer,
elections) gives the same incidents.
"""

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Prefetch

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.common.cells import csv_row, xlsx_cell
from svidok.incidents.importing import COLUMNS, LIST_SEPARATOR
from svidok.incidents.models import IncidentSource, Involvement
from svidok.incidents.queries import visible_incidents
from svidok.incidents.services import export_vocabularies

FLAT_ROLES = {"victim": "victims", "witness": "witnesses"}


@dataclass
class ExportResult:
    incidents: int = 0
    # What a flat (CSV/XLSX) file could not hold; JSON holds everything.
    dropped: dict[str, int] = field(default_factory=dict)


def _queryset(actor):
    return (
        visible_incidents(actor)
        .select_related("type", "place", "election", "duplicate_of")
        .prefetch_related(
            "legal_tags", "tags",
            Prefetch("involvements", queryset=Involvement.objects.select_related(
                "role", "perpetrator_type", "person__identity", "organization").order_by("id")),
            Prefetch("source_links", queryset=IncidentSource.objects.select_related("source__kind").order_by("id")),
        )
        .order_by("date_start", "reference")
    )


def incident_items(*, actor) -> Iterator[dict]:
    """Each incident ``actor`` may see as a JSON-ready dict (the nested import form), with
    pseudonyms unless the actor is allowed ``person.identity`` (the command line's system account
    is: it exports everything, real names included)."""
    require(actor, "data.export")  # here, not when the caller starts reading: nothing written before a refusal
    return _items(actor)


def _items(actor) -> Iterator[dict]:
    reveal = rules.can(actor, "person.identity")
    for incident in _queryset(actor).iterator(chunk_size=2000):
        involvements = []
        for involvement in incident.involvements.all():
            party = involvement.person or involvement.organization
            name = party.display_name
            if involvement.person_id and party.protected and reveal:
                identity = getattr(party, "identity", None)
                name = (identity.full_name if identity else "") or name
            involvements.append({
                "role": involvement.role.code, "kind": "person" if involvement.person_id else "organization", "name": name,
                "protected": bool(involvement.person_id and party.protected),
                "perpetrator_type": involvement.perpetrator_type.code if involvement.perpetrator_type_id else "",
                "details": involvement.details,
            })
        sources = [{
            "kind": link.source.kind.code, "title": link.source.title, "url": link.source.url,
            "publisher": link.source.publisher, "author": link.source.author,
            "published_on": link.source.published_on.isoformat() if link.source.published_on else "",
            "language": link.source.language, "reliability": link.source.reliability,
            "credibility": str(link.source.credibility), "excerpt": link.source.excerpt, "note": link.note,
        } for link in incident.source_links.all()]
        yield {
            "reference": incident.reference, "title": incident.title, "type": incident.type.code,
            "date_start": incident.date_start.isoformat(),
            "date_end": incident.date_end.isoformat() if incident.date_end else "",
            "date_precision": incident.date_precision,
            "place": incident.place.code if incident.place_id else "", "place_text": incident.place_text,
            "election": incident.election.name if incident.election_id else "",
            "status": incident.status, "status_reason": incident.status_reason,
            "duplicate_of": incident.duplicate_of.reference if incident.duplicate_of_id else "",
            "sensitivity": incident.sensitivity, "confidence": incident.confidence,
            "victim_count": "" if incident.victim_count is None else str(incident.victim_count),
            "narrative": incident.narrative,
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


def export_incidents(*, actor, fmt: str, output) -> ExportResult:
    """Write every incident ``actor`` may export to ``output`` (a text handle; binary for xlsx)."""
    result = ExportResult()
    items = incident_items(actor=actor)
    if fmt == "json":
        # Streamed by hand so a large export never sits in memory as one document.
        output.write('{"format": "svidok-incidents", "version": 1,\n"vocabularies": ')
        output.write(json.dumps(export_vocabularies(), ensure_ascii=False))
        output.write(',\n"incidents": [')
        for n, item in enumerate(items):
            output.write(("\n" if n == 0 else ",\n") + json.dumps(item, ensure_ascii=False))
            result.incidents += 1
        output.write("\n]}\n")
    elif fmt == "csv":
        writer = csv.DictWriter(output, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for item in items:
            writer.writerow(csv_row(flatten(item, result)))
            result.incidents += 1
    elif fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("incidents")
        sheet.append(list(COLUMNS))
        for item in items:
            row = flatten(item, result)
            sheet.append([xlsx_cell(row[c]) for c in COLUMNS])
            result.incidents += 1
        workbook.save(output)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return result
