"""Where incidents go on the map (svidok.reports.geo): the place's coordinates, else the centre of its
raion or region, said in the point's precision; the GeoJSON contract; the static SVG map."""

import csv
import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from svidok.incidents.gazetteer import data_dir
from svidok.incidents.models import Incident, Place
from svidok.reports import geo
from tests import factories

SVG = "{http://www.w3.org/2000/svg}"
RAION_CENTRE = (44.70138, 33.92522)  # Bakhchysarai raion, data/gazetteer/centroids.csv
CRIMEA_CENTRE = (45.30576, 34.34593)


def _located(documenter, place, **fields):
    return factories.incident(documenter, place=place, **fields)


@pytest.mark.django_db
def test_incident_location_is_the_place_when_it_has_coordinates(documenter, places):
    town = places["town"]
    town.latitude, town.longitude = Decimal("44.751"), Decimal("33.860")
    town.save()

    location = geo.incident_location(_located(documenter, town))

    assert location == geo.Location(44.751, 33.86, "place")


@pytest.mark.django_db
def test_incident_location_falls_back_to_raion_centre_for_place_without_coordinates(documenter, places):
    location = geo.incident_location(_located(documenter, places["town"]))

    assert location == geo.Location(*RAION_CENTRE, "raion")


@pytest.mark.django_db
def test_incident_location_at_raion_and_region_is_their_centre(documenter, places):
    assert geo.incident_location(_located(documenter, places["raion"])) == geo.Location(*RAION_CENTRE, "raion")
    assert geo.incident_location(_located(documenter, places["crimea"])) == geo.Location(*CRIMEA_CENTRE, "region")


@pytest.mark.django_db
def test_incident_location_falls_back_to_region_when_raion_has_no_centre(documenter, places):
    # A raion code the boundary files do not know (a renamed or future raion).
    raion = Place.objects.create(code="UA01990000000000001", category="P", name_uk="Новий", parent=places["crimea"],
                                 region=places["crimea"])
    village = Place.objects.create(code="UA01990010010000001", category="C", name_uk="Село", parent=raion,
                                   region=places["crimea"], raion=raion)

    assert geo.incident_location(_located(documenter, village)) == geo.Location(*CRIMEA_CENTRE, "region")
    assert geo.incident_location(_located(documenter, raion)) == geo.Location(*CRIMEA_CENTRE, "region")


@pytest.mark.django_db
def test_incident_location_is_none_without_place_or_any_position(documenter):
    nowhere = Place.objects.create(code="UA99000000000000001", category="O", name_uk="Невідома")

    assert geo.incident_location(factories.incident(documenter)) is None
    assert geo.incident_location(_located(documenter, nowhere)) is None


def test_sevastopol_has_a_centre_without_a_polygon():
    assert geo.centroids()["UA85000000000065278"] == (44.60795, 33.52134)


def test_every_raion_of_the_occupied_regions_has_a_centre():
    occupied = ("UA01", "UA14", "UA23", "UA44", "UA65")
    with open(data_dir() / "kodifikator-16-05-2025.csv", encoding="utf-8", newline="") as handle:
        raions = {row[1] for row in csv.reader(handle, delimiter=";") if row[5] == "P" and row[1][:4] in occupied}

    assert len(raions) == 36
    assert raions - set(geo.centroids()) == set()


def test_boundaries_hold_the_five_regions_and_their_raions():
    collection = geo.boundaries()

    levels = [f["properties"]["level"] for f in collection["features"]]
    assert collection["type"] == "FeatureCollection"
    assert (levels.count("region"), levels.count("raion")) == (5, 36)
    assert "OpenStreetMap" in collection["attribution"]


@pytest.mark.django_db
def test_feature_carries_the_contract_properties_in_the_readers_language(documenter, places):
    incident = _located(documenter, places["town"], type_code="search", date=dt.date(2018, 2, 1))

    with translation.override("uk"):
        item = geo.feature(incident=incident, title="Обшук", url="/incidents/x/", location=geo.incident_location(incident))

    assert item["geometry"] == {"type": "Point", "coordinates": [RAION_CENTRE[1], RAION_CENTRE[0]]}
    assert item["properties"] == {
        "title": "Обшук", "url": "/incidents/x/", "reference": incident.reference, "type": "search",
        "type_label": incident.type.label_uk, "colour": geo.TYPE_COLOURS["search"], "date": "01 лютого 2018 р.",
        "place": "Бахчисарай", "precision": "raion", "precision_label": "позначено в центрі району",
    }


def test_colour_of_a_type_outside_the_table_is_stable():
    assert geo.colour_for("newly_added_type") == geo.colour_for("newly_added_type")
    assert geo.colour_for("newly_added_type") in geo.FALLBACK


@pytest.mark.django_db
def test_incident_features_skip_incidents_without_position_in_one_query(documenter, places):
    for day in range(1, 7):
        factories.incident(documenter, place=places["town"] if day % 2 else None, date=dt.date(2018, 1, day))

    with CaptureQueriesContext(connection) as queries:
        features = geo.incident_features(Incident.objects.all(), url_for=lambda i: f"/incidents/{i.reference}/")

    assert len(features) == 3
    assert len(queries) == 1
    assert [f["properties"]["date"] for f in features] == ["Jan. 1, 2018", "Jan. 3, 2018", "Jan. 5, 2018"]
    assert geo.feature_collection(features, not_shown=3) == {"type": "FeatureCollection", "features": features, "not_shown": 3}


@pytest.mark.django_db
def test_incident_features_use_the_given_title(documenter, places):
    _located(documenter, places["town"], title="Kept as typed")

    features = geo.incident_features(Incident.objects.all(), url_for=lambda i: "", title_for=lambda i: i.title.upper())

    assert features[0]["properties"]["title"] == "KEPT AS TYPED"


def test_note_says_what_the_map_leaves_out():
    assert geo.note(total=0, considered=0, shown=0) == "No incidents to show."
    assert geo.note(total=5, considered=5, shown=5) == ""
    assert geo.note(total=5, considered=5, shown=4) == (
        "1 incident is not on the map: it has no place, or its place has no position.")
    assert geo.note(total=30, considered=20, shown=18) == (
        "The map draws the latest 20 of 30 incidents; narrow the filters to see the others. "
        "2 incidents are not on the map: they have no place, or their place has no position.")


def _point(lon, lat, type_code="dismissal", label="Dismissal", reference="SV-2018-000001"):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"title": "t", "url": "", "reference": reference, "type": type_code, "type_label": label,
                           "colour": geo.colour_for(type_code), "date": "", "place": "Bakhchysarai", "precision": "place",
                           "precision_label": ""}}


def test_map_svg_draws_every_point_and_a_legend():
    features = [_point(33.86, 44.75), _point(33.86, 44.75, reference="SV-2018-000002"),
                _point(34.10, 44.95, "search", "Search"), _point(37.55, 47.10, "detention", "Detention")]

    root = ET.fromstring(geo.map_svg(features, width=600, height=400))

    points = root.findall(f".//{SVG}g[@class='point']")
    assert root.tag == f"{SVG}svg" and root.get("width") == "600"
    assert sum(int(p.get("data-count")) for p in points) == 4
    assert len(points) == 3  # the two dismissals at one place are one circle marked 2
    legend = [t.text for t in root.findall(f".//{SVG}g[@class='legend']/{SVG}text")]
    assert legend == ["Dismissal (2)", "Detention (1)", "Search (1)"]
    assert root.find(f"{SVG}title").text == "Map of incidents"


def test_map_svg_without_points_draws_the_regions():
    root = ET.fromstring(geo.map_svg([]))

    assert root.findall(f".//{SVG}g[@class='point']") == []
    assert len(root.findall(f".//{SVG}path")) == 41
    assert "OpenStreetMap" in root.findall(f"{SVG}text")[-1].text


@pytest.mark.django_db
def test_map_svg_reads_a_generator_of_features_once(documenter, places):
    for day in range(1, 5):
        factories.incident(documenter, place=places["town"], date=dt.date(2018, 1, day))
    factories.incident(documenter, place=places["crimea"], type_code="search")
    factories.incident(documenter)  # no place: not drawn

    features = geo.iter_incident_features(Incident.objects.all(), url_for=lambda i: "")
    root = ET.fromstring(geo.map_svg(features))

    counts = sorted(int(p.get("data-count")) for p in root.findall(f".//{SVG}g[@class='point']"))
    assert counts == [1, 4]
    assert next(features, None) is None  # consumed, not copied
