"""The open data (issue 14, item 4): only incidents a coordinator published that are verified and
public now appear in the JSON, GeoJSON and CSV files, and no protected real name, reviewer note,
status reason, place detail or internal id occurs anywhere in their bytes."""

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal

import jsonschema
import pytest
from django.conf import settings
from django.utils import timezone

from svidok.incidents import publication
from svidok.incidents.models import Incident, Place
from svidok.incidents.services import (
    add_involvement,
    link_source,
    reject_incident,
    reopen_incident,
    submit_incident,
    update_incident,
    verify_incident,
)
from svidok.people import consent as consents
from svidok.public import opendata
from svidok.public.records import KEYS, NotPublished, public_record, public_records, published_incidents
from tests import factories
from tests.helpers import second_lead

pytestmark = pytest.mark.django_db

NAME = "Ірина Коваленко"  # the protected victim's real name, sealed in the vault
TYPED = "Iryna Kovalenko"  # the same name as a monitor typed it into the texts
CONSENTED = "Оксана Мельничук"  # a protected witness who agreed to publication
CONSENTED_TYPED = "Oksana Melnychuk"
OFFICIAL = "Олег Петренко"  # a perpetrator: not protected, always named
REVIEW_NOTE = "Reviewernote qzx: two sources checked by phone"
STATUS_REASON = "Rejectreason qzx"
PLACE_DETAIL = "Flat 7, Lenina street 12"
DETAILS = "dismissed as teacher at school No. 5 qzx"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def verified(coordinator, *, title, sensitivity="public", reason=REVIEW_NOTE, **fields):
    incident = factories.incident(coordinator, title=title, sensitivity=sensitivity, **fields)
    submit_incident(actor=coordinator, incident=incident)
    return verify_incident(actor=second_lead(), incident=incident, reason=reason)


@pytest.fixture
def world(coordinator, places, election):
    """Every kind of incident the brief names, each with a title that says what it is."""
    town = places["town"]
    Place.objects.filter(pk=town.pk).update(latitude=Decimal("44.752000"), longitude=Decimal("33.860000"))
    lead = second_lead()
    victim = factories.person(coordinator, name=NAME, protected=True)
    witness = factories.person(coordinator, name=CONSENTED, protected=True)
    consents.record_consent(actor=coordinator, person=witness, purpose="publication", given_on=dt.date(2024, 3, 1),
                            method="written")
    official = factories.person(coordinator, name=OFFICIAL)
    role = lambda code: factories.term("involvement_role", code)  # noqa: E731

    # Published, verified, public, with a protected victim named in every free text.
    shown = factories.incident(
        coordinator, title=f"{TYPED} dismissed before the vote", sensitivity="public", place=town,
        place_text=PLACE_DETAIL, election=election, narrative=f"The director told {TYPED} to vote or leave.")
    add_involvement(actor=coordinator, incident=shown, role=role("victim"), person=victim, details=DETAILS)
    add_involvement(actor=coordinator, incident=shown, role=role("perpetrator"), person=official,
                    perpetrator_type=factories.term("perpetrator_type", "school"))
    link_source(actor=coordinator, incident=shown, source=factories.source(
        coordinator, title=f"Interview with {TYPED}", excerpt=f"{TYPED} said she was threatened",
        url="https://news.example.org/2018/iryna-kovalenko-dismissed", publisher="QHA",
        published_on=dt.date(2018, 3, 22)), note=f"{TYPED} agreed to talk")
    link_source(actor=coordinator, incident=shown, source=factories.source(
        coordinator, title="Report on dismissals", url="https://news.example.org/2018/dismissals", publisher="KHPG"))
    submit_incident(actor=coordinator, incident=shown)
    verify_incident(actor=lead, incident=shown, reason=REVIEW_NOTE)
    publication.publish(coordinator, shown)

    # Published, with a protected witness who agreed to publication; its place (the hromada) has no
    # coordinates of its own: the point is the raion's.
    consented = factories.incident(coordinator, title="Witness of a search", sensitivity="public", place=places["hromada"],
                                   narrative=f"{CONSENTED_TYPED} saw the search.", date=dt.date(2018, 2, 1))
    add_involvement(actor=coordinator, incident=consented, role=role("witness"), person=witness)
    submit_incident(actor=coordinator, incident=consented)
    verify_incident(actor=lead, incident=consented)
    publication.publish(coordinator, consented)

    factories.incident(coordinator, title="Draft qzx", sensitivity="public")
    reported = factories.incident(coordinator, title="Reported qzx", sensitivity="public")
    submit_incident(actor=coordinator, incident=reported)
    # Published while public, then made restricted: off the public site by itself.
    restricted = verified(coordinator, title="Restricted later qzx")
    publication.publish(coordinator, restricted)
    update_incident(actor=coordinator, incident=restricted, fields={"sensitivity": "restricted"})
    # Internal: never publishable; marked published behind the service's back, still not shown.
    internal = verified(coordinator, title="Internal qzx", sensitivity="internal")
    Incident.objects.filter(pk=internal.pk).update(published_at=shown.published_at)
    # Published, then withdrawn.
    withdrawn = verified(coordinator, title="Withdrawn qzx")
    publication.publish(coordinator, withdrawn)
    publication.withdraw(coordinator, withdrawn, "The victim asked us to")
    # Verified and public but nobody published it.
    verified(coordinator, title="Not chosen qzx")
    # A rejected incident with a reason, published before it was reopened and rejected.
    rejected = verified(coordinator, title="Rejected later qzx")
    publication.publish(coordinator, rejected)
    reopen_incident(actor=coordinator, incident=rejected, reason="new facts")
    reject_incident(actor=coordinator, incident=rejected, reason=STATUS_REASON)
    shown.refresh_from_db()
    consented.refresh_from_db()
    return {"shown": shown, "consented": consented, "victim": victim, "witness": witness}


def body(client, name, headers=None, **params):
    response = client.get(f"/public/data/{name}", params, headers=headers)
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


SECRETS = [NAME, TYPED, "Kovalenko", "kovalenko", CONSENTED, CONSENTED_TYPED, REVIEW_NOTE, "Reviewernote",
           STATUS_REASON, PLACE_DETAIL, DETAILS, "agreed to talk", "said she was threatened", "Draft qzx", "Reported qzx",
           "Restricted later qzx", "Internal qzx", "Withdrawn qzx", "Not chosen qzx", "Rejected later qzx",
           "The victim asked us to", "coordinator"]


def assert_nothing_secret(data: bytes, world):
    text = data.decode("utf-8")
    assert [s for s in [*SECRETS, world["victim"].pseudonym] if s in text] == []
    assert UUID.findall(text) == []
    assert '"id": ' not in text.replace('"id": "SV-', "")  # no primary key under any name


@pytest.mark.parametrize("name", ["incidents.json", "incidents.geojson", "incidents.csv"])
def test_open_data_holds_only_published_incidents_and_no_secret(client, world, name):
    response, data = body(client, name)

    assert_nothing_secret(data, world)
    assert response["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    references = re.findall(rb"SV-\d{4}-\d{6}", data)
    assert sorted(set(references)) == sorted({world["shown"].reference.encode(), world["consented"].reference.encode()})
    assert world["witness"].pseudonym.encode() in data  # consent to publication: the pseudonym, never the name


def test_json_file_follows_its_schema_and_redacts_each_field(client, world):
    _response, data = body(client, "incidents.json")
    document = json.loads(data)
    schema = json.loads((settings.BASE_DIR / "svidok/public/schema/incidents.schema.json").read_text())

    jsonschema.validate(document, schema)
    assert (document["format"], document["licence"]["name"], document["language"]) == ("svidok-public-incidents", "CC BY 4.0", "en")
    consented, shown = document["incidents"]  # by date: February, then March
    assert shown == {
        "reference": world["shown"].reference,
        "title": "[protected name] dismissed before the vote",
        "narrative": "The director told [protected name] to vote or leave.",
        "type": "dismissal", "type_label": shown["type_label"],
        "date_start": "2018-03-20", "date_end": None, "date_precision": "day",
        "place_code": "UA01020010010073418", "place_name": "Bakhchysarai",
        "latitude": 44.752, "longitude": 33.86, "location_precision": "place",
        "election": "Russian presidential election 2018 in Crimea",
        "involvements": [
            {"role": "victim", "role_label": shown["involvements"][0]["role_label"], "name": "a protected person",
             "withheld": True, "perpetrator_type": "", "perpetrator_type_label": ""},
            {"role": "perpetrator", "role_label": shown["involvements"][1]["role_label"], "name": OFFICIAL,
             "withheld": False, "perpetrator_type": "school",
             "perpetrator_type_label": shown["involvements"][1]["perpetrator_type_label"]},
        ],
        "legal_qualification": [],
        "sources": [
            # The address held the victim's name: left out rather than mangled.
            {"title": "Interview with [protected name]", "url": "", "publisher": "QHA", "published_on": "2018-03-22"},
            {"title": "Report on dismissals", "url": "https://news.example.org/2018/dismissals", "publisher": "KHPG",
             "published_on": None},
        ],
        "published_on": timezone.localdate().isoformat(),
    }
    assert shown["type_label"] != "" and shown["involvements"][0]["role_label"] != "victim"
    assert (consented["narrative"], consented["involvements"][0]["name"], consented["involvements"][0]["withheld"]) == (
        f"{world['witness'].pseudonym} saw the search.", world["witness"].pseudonym, False)
    # The hromada has no coordinates: the centre of its raion (data/gazetteer/centroids.csv), said so.
    assert (consented["latitude"], consented["longitude"], consented["location_precision"]) == (44.70138, 33.92522, "raion")


def test_geojson_is_a_feature_collection_with_one_feature_per_incident(client, world):
    Incident.objects.filter(pk=world["consented"].pk).update(place=None)
    _response, data = body(client, "incidents.geojson")
    document = json.loads(data)

    assert (document["type"], document["licence"]["url"]) == ("FeatureCollection", "https://creativecommons.org/licenses/by/4.0/")
    consented, shown = document["features"]
    assert (shown["type"], shown["id"], shown["geometry"]) == (
        "Feature", world["shown"].reference, {"type": "Point", "coordinates": [33.86, 44.752]})
    assert consented["geometry"] is None  # no place: still listed, without a point
    assert sorted(shown["properties"]) == sorted(k for k in KEYS if k not in ("latitude", "longitude"))
    assert (shown["properties"]["place_code"], shown["properties"]["sources"][1]["url"]) == (
        "UA01020010010073418", "https://news.example.org/2018/dismissals")


def test_csv_is_flat_with_one_row_per_incident(client, world):
    _response, data = body(client, "incidents.csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))

    assert [r["reference"] for r in rows] == [world["consented"].reference, world["shown"].reference]
    shown = rows[1]
    assert (shown["victims"], shown["perpetrators"], shown["source_titles"], shown["source_urls"], shown["date_end"]) == (
        "a protected person", OFFICIAL, "Interview with [protected name] | Report on dismissals",
        " | https://news.example.org/2018/dismissals", "")
    assert list(rows[0]) == opendata.CSV_COLUMNS


def test_labels_follow_the_lang_parameter_not_the_browser(client, world):
    _response, english = body(client, "incidents.json", headers={"Accept-Language": "uk"})
    _response, ukrainian = body(client, "incidents.json", lang="uk")

    assert json.loads(english)["incidents"][1]["place_name"] == "Bakhchysarai"
    document = json.loads(ukrainian)
    assert (document["language"], document["incidents"][1]["place_name"],
            document["incidents"][1]["involvements"][0]["name"]) == ("uk", "Бахчисарай", "захищена особа")
    assert_nothing_secret(ukrainian, world)


def test_a_change_of_status_or_sensitivity_takes_an_incident_off(coordinator, world):
    shown = world["shown"]
    update_incident(actor=coordinator, incident=shown, fields={"sensitivity": "internal"})

    assert [r["reference"] for r in public_records()] == [world["consented"].reference]
    with pytest.raises(NotPublished):
        public_record(shown)


def test_public_records_narrow_any_queryset_to_the_published(world):
    everything = Incident.objects.all()

    assert sorted(r["reference"] for r in public_records(everything)) == sorted(
        [world["shown"].reference, world["consented"].reference])
    assert published_incidents().count() == 2


def test_open_data_is_anonymous_and_the_data_page_names_the_licence(client, world):
    response = client.get("/public/data/")
    schema = client.get("/public/data/schema.json")

    assert response.status_code == 200
    assert b"CC BY 4.0" in response.content and b"/public/data/incidents.geojson" in response.content
    assert "2 verified incidents" in response.content.decode()
    assert (schema.status_code, schema["Content-Type"]) == (200, "application/schema+json")
    assert client.post("/public/data/incidents.json").status_code == 405


def test_empty_open_data_is_valid(client, db):
    _response, data = body(client, "incidents.json")
    _response, geo = body(client, "incidents.geojson")
    _response, flat = body(client, "incidents.csv")

    assert json.loads(data)["incidents"] == []
    assert json.loads(geo)["features"] == []
    assert flat.decode().splitlines() == [",".join(opendata.CSV_COLUMNS)]


def test_open_data_reads_in_a_fixed_number_of_queries(client, world, coordinator, django_assert_max_num_queries):
    for n in range(5):
        incident = verified(coordinator, title=f"More {n}")
        publication.publish(coordinator, incident)
    with django_assert_max_num_queries(14):
        _response, data = body(client, "incidents.json")
    assert len(json.loads(data)["incidents"]) == 7


def test_csv_cells_are_never_formulas(client, coordinator):
    incident = verified(coordinator, title="=HYPERLINK(\"https://evil.example\")", reason="")
    publication.publish(coordinator, incident)

    _response, data = body(client, "incidents.csv")
    [row] = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))

    assert row["title"] == "'=HYPERLINK(\"https://evil.example\")"
    assert client.head("/public/data/incidents.csv").status_code == 200
