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
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from svidok.incidents.gazetteer import data_dir
from svidok.incidents.models import Place

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
    return _precision_label(precision, get_language())


@functools.lru_cache(maxsize=64)
def _precision_label(precision: str, _language: str) -> str:
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
    return dates_text(incident.date_start, incident.date_end, incident.date_precision)


def dates_text(start, end, precision: str) -> str:
    """An incident's date as far as it is known, in the active language's format ("2018", "March
    2018", "≈ 18 March 2018", "1 – 5 March 2018"): the map's points and the public site's records."""
    return _date_text(start, end, precision, get_language())


# Incidents share dates: formatting each once per language keeps 20,000 points fast.
@functools.lru_cache(maxsize=8192)
def _date_text(start, end, precision: str, _language: str) -> str:
    if precision == "year":
        return str(start.year)
    if precision == "month":
        return formats.date_format(start, "YEAR_MONTH_FORMAT")
    text = formats.date_format(start, "DATE_FORMAT")
    if precision == "approximate":
        return "≈ " + text
    if end and end != start:
        return f"{text} – {formats.date_format(end, 'DATE_FORMAT')}"
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
# The columns a Feature reads: ``queryset.select_related(*RELATED).only(*ONLY)`` builds points from
# slimmer rows (a caller whose url_for reads other fields must not use it: each would be a query).
ONLY = ("reference", "title", "date_start", "date_end", "date_precision", *RELATED, "type__code", "type__label_en",
        "type__label_uk", "type__label_ru", "type__label_crh", "place__code", "place__category", "place__latitude",
        "place__longitude", "place__name_uk", "place__name_ru", "place__name_latin", "place__name_crh",
        "place__raion__code", "place__region__code")


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


def iter_incident_features(queryset, *, url_for, title_for=None):
    """A Feature per incident of ``queryset`` that has a position, one at a time, in one query
    (read in chunks: a report over 100,000 incidents never holds them all); a list of incidents
    with ``RELATED`` loaded works too. ``title_for(incident)`` gives the title a reader may see
    (default: the title as stored)."""
    if hasattr(queryset, "select_related"):
        queryset = queryset.select_related(*RELATED).order_by("date_start", "id").iterator(chunk_size=2000)
    for incident in queryset:
        location = incident_location(incident)
        if location is None:
            continue
        title = title_for(incident) if title_for else incident.title
        yield feature(incident=incident, title=title, url=url_for(incident), location=location)


def incident_features(queryset, *, url_for, title_for=None) -> list[dict]:
    """``iter_incident_features`` as a list."""
    return list(iter_incident_features(queryset, url_for=url_for, title_for=title_for))


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


def _extent(positions: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    """(west, south, east, north) to draw: around the points, at least a region wide; all the
    occupied regions when there is no point."""
    if not positions:
        xs, ys = [], []
        for item in boundaries()["features"]:
            for ring in _rings(item["geometry"]):
                xs += [p[0] for p in ring]
                ys += [p[1] for p in ring]
        return min(xs), min(ys), max(xs), max(ys)
    xs = [x for x, _y in positions]
    ys = [y for _x, y in positions]
    west, south, east, north = min(xs), min(ys), max(xs), max(ys)
    minimum = 1.6  # degrees: a point alone shows its region around it
    if east - west < minimum:
        middle = (east + west) / 2
        west, east = middle - minimum / 2, middle + minimum / 2
    if north - south < minimum / 1.6:
        middle = (north + south) / 2
        south, north = middle - minimum / 3.2, middle + minimum / 3.2
    pad_x, pad_y = (east - west) * 0.12, (north - south) * 0.12
    return west - pad_x, south - pad_y, east + pad_x, north + pad_y


def map_svg(features, *, width: int = 800, height: int = 560) -> str:
    """A static map of ``features`` (the region and raion outlines, a circle per place and type with
    its count, a legend by type) as an SVG document: no JavaScript, no style attributes, for
    PDF reports and print. ``features`` may be a generator (``iter_incident_features``): it is
    read once and only counts per position and type are kept."""
    # Points at one position (a raion's centre, a town) are drawn once per type, with their count.
    spots: dict[tuple, list] = {}
    types: Counter = Counter()
    for item in features:
        properties = item["properties"]
        lon, lat = item["geometry"]["coordinates"]
        spot = spots.setdefault((lon, lat, properties["colour"]), [0, properties])
        spot[0] += 1
        types[(properties["type_label"], properties["colour"])] += 1
    legend_rows = [{"label": label, "colour": colour, "count": n}
                   for (label, colour), n in sorted(types.items(), key=lambda item: (-item[1], item[0][0]))]
    # The legend flows in lines under the map (never over its points), then the attribution.
    placed, x, line = [], 10, 0
    for row in legend_rows:
        text = f'{row["label"]} ({row["count"]})'
        item_width = 30 + 7 * len(text)
        if x + item_width > width - 10 and x > 10:
            x, line = 10, line + 1
        placed.append((x, line, row["colour"], text))
        x += item_width
    legend_height = 22 * (line + 1) + 6 if legend_rows else 0
    map_height = height - legend_height - 18
    west, south, east, north = _extent([(lon, lat) for lon, lat, _colour in spots])
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
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<rect x="0" y="0" width="{width}" height="{map_height}" fill="#eef3f7"/>',
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
    groups: dict[tuple, list] = {}
    for (lon, lat, colour), (count, properties) in spots.items():
        x, y = project(lon, lat)
        group = groups.setdefault((round(x), round(y), colour), [0, properties])
        group[0] += count
    for (x, y, colour), (count, first) in sorted(groups.items(), key=lambda g: -g[1][0]):
        radius = 5 + 3 * math.sqrt(count - 1)
        label = f'{first["type_label"]}: {count}' if count > 1 else f'{first["reference"]} · {first["type_label"]} · {first["place"]}'
        parts.append(f'<g class="point" data-count="{count}"><title>{escape(label)}</title>'
                     f'<circle cx="{x}" cy="{y}" r="{radius:.1f}" fill="{colour}" fill-opacity="0.85" stroke="#ffffff" '
                     f'stroke-width="1.2"/>')
        if count > 1:
            parts.append(f'<text x="{x}" y="{y + 3.5:.1f}" text-anchor="middle" font-size="10" fill="#ffffff" '
                         f'font-weight="bold">{count}</text>')
        parts.append("</g>")
    parts.append("</g>")
    if placed:
        parts.append('<g class="legend">')
        for x, line, colour, text in placed:
            y = map_height + 16 + 22 * line
            parts.append(f'<circle cx="{x + 8}" cy="{y}" r="6" fill="{colour}"/>'
                         f'<text x="{x + 20}" y="{y + 4}" font-size="12" fill="#1b2328">{escape(text)}</text>')
        parts.append("</g>")
    parts.append(f'<text x="{width - 8}" y="{height - 8}" text-anchor="end" font-size="10" fill="#4a555c">'
                 f'{escape(_("Boundaries © OpenStreetMap contributors (ODbL)"))}</text>')
    parts.append("</svg>")
    return "\n".join(parts)

