"""Incidents on a map: where each point goes, the GeoJSON the map reads, the base layer of region and
raion outlines, and a static SVG of the same map for PDF reports (docs/maps.md).

A point goes to the place's own coordinates; when the place has none, or the incident is placed
at a raion or a region as a whole, to that raion's or region's centroid (``data/gazetteer/
centroids.csv``, computed on the OSM boundaries by ``scripts/simplify_boundaries.py``), and says so
(``precision``). An incident without a place, or whose place has neither coordinates nor a
raion or region with a centroid, is not drawn: callers say how many (``feature_collection(...,
not_shown=...)``).
"""

from __future__ import annotations

import csv
import functools
import json
import math
import zlib
from collections import Counter
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from svidok.incidents.gazetteer import data_dir
from svidok.incidents.models import Place

ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"

# One colour per incident type (vocabulary code). The codes only pick a colour; people read the
# type's label. Types added to the vocabulary later get one of FALLBACK by their code.
TYPE_COLOURS = {
    "dismissal": "#1f77b4",
    "threat_of_dismissal": "#6baed6",
    "forced_voting": "#d62728",
    "coerced_participation": "#ff7f0e",
    "coerced_election_work": "#b8860b",
    "intimidation": "#9467bd",
    "detention": "#8c564b",
    "search": "#e377c2",
    "administrative_case": "#17becf",
    "criminal_case": "#393b79",
    "violence": "#a50f15",
    "surveillance": "#2ca02c",
    "property": "#8c8c00",
    "other": "#7f7f7f",
}
FALLBACK = ["#637939", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363"]

REGION_CATEGORIES = (Place.Category.REGION, Place.Category.SPECIAL_CITY)


def colour_for(type_code: str) -> str:
    return TYPE_COLOURS.get(type_code) or FALLBACK[zlib.crc32(type_code.encode()) % len(FALLBACK)]


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    precision: str  # "place" | "raion" | "region"


def precision_label(precision: str) -> str:
    return {
        "place": _("at the place itself"),
        "raion": _("placed at the raion's centre"),
        "region": _("placed at the region's centre"),
    }[precision]


@functools.cache
def centroids() -> dict[str, tuple[float, float]]:
    """KATOTTG code of a region or raion -> (latitude, longitude) of its centre."""
    with open(data_dir() / "centroids.csv", encoding="utf-8", newline="") as handle:
        return {row["code"]: (float(row["latitude"]), float(row["longitude"])) for row in csv.DictReader(handle)}


@functools.cache
def boundaries_text() -> str:
    """``boundaries()`` as the file holds it (served as it is)."""
    return (data_dir() / "boundaries.geojson").read_text(encoding="utf-8")


def boundaries() -> dict:
    """The outlines of the occupied regions (ARC, Donetsk, Zaporizhzhia, Luhansk, Kherson) and their
    raions, simplified; read once per process. Sevastopol has no outline in the source."""
    return _boundaries()


@functools.cache
def _boundaries() -> dict:
    return json.loads(boundaries_text())


def _centre(place: Place | None, precision: str) -> Location | None:
    if place is None:
        return None
    point = centroids().get(place.code)
    return Location(point[0], point[1], precision) if point else None


def place_location(place: Place | None) -> Location | None:
    """Where a place goes on the map; None when nothing about it has a position."""
    if place is None:
        return None
    if place.category in REGION_CATEGORIES:
        return _centre(place, "region")
    if place.category == Place.Category.RAION:
        return _centre(place, "raion") or _centre(place.region, "region")
    if place.latitude is not None and place.longitude is not None:
        return Location(float(place.latitude), float(place.longitude), "place")
    return _centre(place.raion, "raion") or _centre(place.region, "region")


def incident_location(incident) -> Location | None:
    """Where ``incident`` goes on the map: its place's coordinates, else its raion's or region's centre."""
    return place_location(incident.place)


def date_text(incident) -> str:
    """The incident's date as the lists show it, in the reader's format."""
    start = incident.date_start
    precision = incident.date_precision
    if precision == "year":
        return str(start.year)
    if precision == "month":
        return formats.date_format(start, "YEAR_MONTH_FORMAT")
    text = formats.date_format(start, "DATE_FORMAT")
    if precision == "approximate":
        return "≈ " + text
    if incident.date_end and incident.date_end != start:
        return f"{text} – {formats.date_format(incident.date_end, 'DATE_FORMAT')}"
    return text


def feature(*, incident, title: str, url: str, location: Location) -> dict:
    """One map point (a GeoJSON Feature); ``incident`` needs its type and place loaded."""
    code = incident.type.code
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(location.longitude, 6), round(location.latitude, 6)]},
        "properties": {
            "title": title,
            "url": url,
            "reference": incident.reference,
            "type": code,
            "type_label": incident.type.label,
            "colour": colour_for(code),
            "date": date_text(incident),
            "place": incident.place.name if incident.place else "",
            "precision": location.precision,
            "precision_label": precision_label(location.precision),
        },
    }


def feature_collection(features: list[dict], *, not_shown: int | None = None) -> dict:
    """The map's points; ``not_shown`` (a foreign member) is how many incidents have no position."""
    collection = {"type": "FeatureCollection", "features": features}
    if not_shown is not None:
        collection["not_shown"] = not_shown
    return collection


RELATED = ("type", "place", "place__raion", "place__region")


def note(*, total: int, considered: int, shown: int) -> str:
    """What the map does not show, in the reader's language ("" when it shows everything):
    ``total`` incidents asked for, the ``considered`` ones read (a limit), ``shown`` with a position."""
    if total == 0:
        return _("No incidents to show.")
    texts = []
    if considered < total:
        texts.append(ngettext("The map draws the latest %(limit)s of %(total)s incident; narrow the filters to see the others.",
                              "The map draws the latest %(limit)s of %(total)s incidents; narrow the filters to see the others.",
                              total) % {"limit": considered, "total": total})
    missing = considered - shown
    if missing:
        texts.append(ngettext("%(count)s incident is not on the map: it has no place, or its place has no position.",
                              "%(count)s incidents are not on the map: they have no place, or their place has no position.",
                              missing) % {"count": missing})
    return " ".join(texts)


def incident_features(queryset, *, url_for, title_for=None) -> list[dict]:
    """A Feature per incident of ``queryset`` that has a position, in one query (read in chunks,
    so a large set never sits in memory as model objects); a list of incidents with ``RELATED``
    loaded works too. ``title_for(incident)`` gives the title a reader may see (default: the title
    as stored)."""
    features = []
    if hasattr(queryset, "select_related"):
        queryset = queryset.select_related(*RELATED).order_by("date_start", "id").iterator(chunk_size=2000)
    for incident in queryset:
        location = incident_location(incident)
        if location is None:
            continue
        title = title_for(incident) if title_for else incident.title
        features.append(feature(incident=incident, title=title, url=url_for(incident), location=location))
    return features


def legend(features: list[dict]) -> list[dict]:
    """The types among ``features``, most frequent first: ``label``, ``colour``, ``count``."""
    counts = Counter((f["properties"]["type_label"], f["properties"]["colour"]) for f in features)
    return [{"label": label, "colour": colour, "count": n}
            for (label, colour), n in sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))]


# --- static SVG ----------------------------------------------------------------------------------------------

def _rings(geometry: dict):
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for polygon in polygons:
        yield from polygon


def _extent(features: list[dict]) -> tuple[float, float, float, float]:
    """(west, south, east, north) to draw: around the points, at least a region wide; all the
    occupied regions when there is no point."""
    if not features:
        xs, ys = [], []
        for item in boundaries()["features"]:
            for ring in _rings(item["geometry"]):
                xs += [p[0] for p in ring]
                ys += [p[1] for p in ring]
        return min(xs), min(ys), max(xs), max(ys)
    xs = [f["geometry"]["coordinates"][0] for f in features]
    ys = [f["geometry"]["coordinates"][1] for f in features]
    west, south, east, north = min(xs), min(ys), max(xs), max(ys)
    minimum = 1.6  # degrees: a point alone shows its region around it
    if east - west < minimum:
        middle = (east + west) / 2
        west, east = middle - minimum / 2, middle + minimum / 2
    if north - south < minimum / 1.6:
        middle = (north + south) / 2
        south, north = middle - minimum / 3.2, middle + minimum / 3.2
    pad_x, pad_y = (east - west) * 0.08, (north - south) * 0.08
    return west - pad_x, south - pad_y, east + pad_x, north + pad_y


def map_svg(features: list[dict], *, width: int = 800, height: int = 560) -> str:
    """A static map of ``features`` (the region and raion outlines, a circle per place and type with
    its count, a legend by type) as an SVG document: no JavaScript, no style attributes, for
    PDF reports and print."""
    legend_rows = legend(features)
    legend_height = 22 * len(legend_rows) + 12 if legend_rows else 0
    map_height = height
    west, south, east, north = _extent(features)
    # Equirectangular with the longitude squeezed by the cosine of the middle latitude: true shapes
    # at these latitudes (44°–50° N), and no projection library needed.
    squeeze = math.cos(math.radians((south + north) / 2))
    span_x, span_y = (east - west) * squeeze, north - south
    scale = min(width / span_x, map_height / span_y)
    off_x = (width - span_x * scale) / 2
    off_y = (map_height - span_y * scale) / 2

    def project(lon: float, lat: float) -> tuple[float, float]:
        return off_x + (lon - west) * squeeze * scale, off_y + (north - lat) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="map-title" font-family="DejaVu Sans, sans-serif">',
        f'<title id="map-title">{escape(_("Map of incidents"))}</title>',
        f'<defs><clipPath id="map-area"><rect x="0" y="0" width="{width}" height="{map_height}"/></clipPath></defs>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#eef3f7"/>',
        '<g clip-path="url(#map-area)">',
    ]
    for level, fill, stroke, stroke_width in (("region", "#fbfaf6", "#5b6770", "1.4"), ("raion", "none", "#9aa5ad", "0.6")):
        for item in boundaries()["features"]:
            if item["properties"]["level"] != level:
                continue
            path = []
            for ring in _rings(item["geometry"]):
                points = [project(x, y) for x, y in ring]
                path.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
            parts.append(f'<path d="{"".join(path)}" fill="{fill}" stroke="{stroke}" stroke-width="{stroke_width}" '
                         f'fill-rule="evenodd"/>')
    # Points at one position (a raion's centre, a town) are drawn once per type, with their count.
    groups: dict[tuple, list[dict]] = {}
    for item in features:
        x, y = project(*item["geometry"]["coordinates"])
        groups.setdefault((round(x), round(y), item["properties"]["colour"]), []).append(item)
    for (x, y, colour), items in sorted(groups.items(), key=lambda g: -len(g[1])):
        count = len(items)
        radius = 5 + 3 * math.sqrt(count - 1)
        first = items[0]["properties"]
        label = f'{first["type_label"]}: {count}' if count > 1 else f'{first["reference"]} · {first["type_label"]} · {first["place"]}'
        parts.append(f'<g class="point" data-count="{count}"><title>{escape(label)}</title>'
                     f'<circle cx="{x}" cy="{y}" r="{radius:.1f}" fill="{colour}" fill-opacity="0.85" stroke="#ffffff" '
                     f'stroke-width="1.2"/>')
        if count > 1:
            parts.append(f'<text x="{x}" y="{y + 3.5:.1f}" text-anchor="middle" font-size="10" fill="#ffffff" '
                         f'font-weight="bold">{count}</text>')
        parts.append("</g>")
    parts.append("</g>")
    if legend_rows:
        box_width = min(width - 20, 40 + 7 * max(len(f'{row["label"]} ({row["count"]})') for row in legend_rows))
        top = height - legend_height - 22
        parts.append(f'<g class="legend"><rect x="10" y="{top}" width="{box_width}" height="{legend_height}" fill="#ffffff" '
                     f'fill-opacity="0.9" stroke="#9aa5ad"/>')
        for index, row in enumerate(legend_rows):
            y = top + 16 + 22 * index
            parts.append(f'<circle cx="24" cy="{y}" r="6" fill="{row["colour"]}"/>'
                         f'<text x="38" y="{y + 4}" font-size="12" fill="#1b2328">{escape(row["label"])} ({row["count"]})</text>')
        parts.append("</g>")
    parts.append(f'<text x="{width - 8}" y="{height - 8}" text-anchor="end" font-size="10" fill="#4a555c">'
                 f'{escape(ATTRIBUTION)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)

