"""The open data files: published incidents as JSON, GeoJSON and CSV (``docs/open-data.md``).

Each file is made piece by piece from :func:`public.records.public_records` (a batch of incidents
at a time), so that a response streams and a large registry never sits in memory. The JSON and
GeoJSON files carry the licence in their metadata; the CSV cannot, so the response names it in a
``Link: <...>; rel="license"`` header, and the documentation and the data page say it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from django.utils import timezone

from svidok.common.cells import csv_row
from svidok.public.records import KEYS, public_records, published_incidents

FORMAT = "svidok-public-incidents"
VERSION = 1
LICENCE = {
    "name": "CC BY 4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "url": "https://creativecommons.org/licenses/by/4.0/",
}
# The coordinates of places come from GeoNames (CC BY 4.0), the centres of raions and regions from
# OpenStreetMap boundaries (ODbL; data/NOTICE): their attributions travel with them.
ATTRIBUTION = ("Svidok. Contains data from GeoNames (geonames.org), CC BY 4.0, and centres of raions and regions "
               "computed from OpenStreetMap (© OpenStreetMap contributors, ODbL).")
LINK_HEADER = f'<{LICENCE["url"]}>; rel="license"'

# The CSV's columns: the record's keys, lists flattened (``docs/open-data.md``).
CSV_COLUMNS = [k for k in KEYS if k not in ("involvements", "sources", "legal_qualification")] + [
    "victims", "perpetrators", "perpetrator_types", "other_parties", "legal_qualification",
    "source_titles", "source_urls", "source_publishers", "source_dates",
]
LIST_SEPARATOR = " | "


def _queryset():
    # The file's own order: by date, then reference (stable from one day's file to the next).
    return published_incidents().order_by("date_start", "reference")


def metadata(language: str) -> dict:
    return {"format": FORMAT, "version": VERSION, "language": language, "licence": LICENCE,
            "attribution": ATTRIBUTION, "generated_at": timezone.now().replace(microsecond=0).isoformat()}


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def json_parts(language: str) -> Iterator[str]:
    """``{"format": ..., "licence": ..., "incidents": [record, ...]}`` in pieces."""
    head = metadata(language)
    yield "{" + ", ".join(f"{_dumps(k)}: {_dumps(v)}" for k, v in head.items()) + ',\n"incidents": ['
    for n, record in enumerate(public_records(_queryset())):
        yield ("\n" if n == 0 else ",\n") + _dumps(record)
    yield "\n]}\n"


def feature(record: dict) -> dict:
    """One record as a GeoJSON Feature (RFC 7946): a Point at ``[longitude, latitude]``, or a null
    geometry when the incident's place (or its raion or region) has no coordinates."""
    geometry = None
    if record["latitude"] is not None and record["longitude"] is not None:
        geometry = {"type": "Point", "coordinates": [record["longitude"], record["latitude"]]}
    properties = {k: v for k, v in record.items() if k not in ("latitude", "longitude")}
    return {"type": "Feature", "id": record["reference"], "geometry": geometry, "properties": properties}


def geojson_parts(language: str) -> Iterator[str]:
    """A FeatureCollection in pieces; the licence and format are foreign members (RFC 7946, 6.1)."""
    head = metadata(language)
    yield ('{"type": "FeatureCollection", ' + ", ".join(f"{_dumps(k)}: {_dumps(v)}" for k, v in head.items())
           + ',\n"features": [')
    for n, record in enumerate(public_records(_queryset())):
        yield ("\n" if n == 0 else ",\n") + _dumps(feature(record))
    yield "\n]}\n"


def flat(record: dict) -> dict:
    """One record as a CSV row: lists joined with `` | ``, numbers and absent values as text."""
    row = {k: record[k] for k in CSV_COLUMNS if k in record}
    for key in ("date_end", "latitude", "longitude"):
        row[key] = "" if record[key] is None else record[key]
    parties: dict[str, list[str]] = {"victims": [], "perpetrators": [], "other_parties": []}
    for involvement in record["involvements"]:
        if involvement["role"] == "victim":
            parties["victims"].append(involvement["name"])
        elif involvement["role"] == "perpetrator":
            parties["perpetrators"].append(involvement["name"])
        else:
            parties["other_parties"].append(f'{involvement["name"]} ({involvement["role_label"]})')
    row |= {k: LIST_SEPARATOR.join(v) for k, v in parties.items()}
    row["perpetrator_types"] = LIST_SEPARATOR.join(
        dict.fromkeys(i["perpetrator_type_label"] for i in record["involvements"] if i["perpetrator_type_label"]))
    row["legal_qualification"] = LIST_SEPARATOR.join(record["legal_qualification"])
    sources = record["sources"]
    row["source_titles"] = LIST_SEPARATOR.join(s["title"] for s in sources)
    row["source_urls"] = LIST_SEPARATOR.join(s["url"] for s in sources)
    row["source_publishers"] = LIST_SEPARATOR.join(s["publisher"] for s in sources)
    row["source_dates"] = LIST_SEPARATOR.join(s["published_on"] or "" for s in sources)
    return row


class _Echo:
    """A file whose ``write`` hands back what it is given: the csv module then returns each line."""

    def write(self, value: str) -> str:
        return value


def csv_parts(language: str) -> Iterator[str]:
    writer = csv.DictWriter(_Echo(), fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    yield writer.writeheader()
    for record in public_records(_queryset()):
        yield writer.writerow(csv_row(flat(record)))
