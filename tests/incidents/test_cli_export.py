import csv
import datetime as dt
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from svidok.incidents.models import Incident, IncidentSource, Involvement, Place, ReferenceCounter, Source, Tag
from svidok.incidents.services import (
    add_involvement,
    link_source,
    mark_duplicate,
    record_election,
    submit_incident,
    update_incident,
    verify_incident,
)
from svidok.people.models import Organization, Person
from tests import factories
from tests.helpers import second_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(coordinator):
    """Incidents with every kind of data the export carries, all made through the services."""
    town = Place.objects.create(code="UA01020010010073418", category="M", name_uk="Бахчисарай", name_latin="Bakhchysarai")
    election = record_election(actor=coordinator, fields={"name": "Presidential election 2018", "date": dt.date(2018, 3, 18)})
    first = factories.incident(coordinator, place=town, election=election, narrative="Line one\nLine two, with a comma",
                               sensitivity="restricted", victim_count=3)
    update_incident(actor=coordinator, incident=first, fields={}, legal_tags=[factories.term("legal_qualification", "echr-10")],
                    tags=["crimea", "school"])
    role = factories.term("involvement_role", "victim")
    add_involvement(actor=coordinator, incident=first, role=role, person=factories.person(coordinator, name="Victim One", protected=True))
    add_involvement(actor=coordinator, incident=first, role=factories.term("involvement_role", "perpetrator"),
                    person=factories.person(coordinator, name="Ivan Petrov"), perpetrator_type=factories.term("perpetrator_type", "employer"))
    add_involvement(actor=coordinator, incident=first, role=factories.term("involvement_role", "perpetrator"),
                    organization=factories.organization(coordinator), perpetrator_type=factories.term("perpetrator_type", "employer"))
    link_source(actor=coordinator, incident=first, source=factories.source(coordinator, url="https://qha.example/1",
                published_on=dt.date(2018, 3, 20), reliability="B", credibility=2), note="names the school")
    second = factories.incident(coordinator, title="Threat", type_code="threat_of_dismissal", date=dt.date(2018, 3, 1),
                                date_end=dt.date(2018, 3, 15), date_precision="range")
    submit_incident(actor=coordinator, incident=second)
    verify_incident(actor=second_lead(), incident=second, reason="two sources")
    third = factories.incident(coordinator, title="Same threat", date=dt.date(2016, 9, 18))
    submit_incident(actor=coordinator, incident=third)
    mark_duplicate(actor=coordinator, incident=third, original=second)
    return [first, second, third]


def wipe():
    """Empty the incident data, keeping the reference data (vocabularies, gazetteer, elections)."""
    IncidentSource.objects.all().delete()
    Involvement.objects.all().delete()
    Incident.objects.filter(status="duplicate").delete()
    Incident.objects.all().delete()
    Person.objects.all().delete()
    Organization.objects.all().delete()
    Source.objects.all().delete()
    Tag.objects.all().delete()
    ReferenceCounter.objects.all().delete()


def export(tmp_path, fmt):
    path = tmp_path / f"export.{fmt}"
    call_command("export", "--format", fmt, "--output", str(path))
    return path


def test_export_json_round_trip_gives_the_same_incidents(tmp_path, world):
    first = export(tmp_path, "json")
    before = json.loads(first.read_text(encoding="utf-8"))
    wipe()

    call_command("import", str(first), "--no-progress", "--verified-elsewhere")
    after = json.loads(export(tmp_path, "json").read_text(encoding="utf-8"))

    assert len(before["incidents"]) == 3
    assert after["incidents"] == before["incidents"]
    assert after["vocabularies"] == before["vocabularies"]
    assert Person.objects.get(protected=True).identity.full_name == "Victim One"


def test_export_csv_round_trip_gives_the_same_incidents(tmp_path, world):
    first = export(tmp_path, "csv")
    before = list(csv.DictReader(first.open(encoding="utf-8", newline="")))
    wipe()

    call_command("import", str(first), "--no-progress", "--verified-elsewhere")
    after = list(csv.DictReader(export(tmp_path, "csv").open(encoding="utf-8", newline="")))

    assert [row["reference"] for row in before] == ["SV-2016-000001", "SV-2018-000002", "SV-2018-000001"]
    assert before[2]["victims"] == "Victim One"
    assert before[2]["narrative"] == "Line one\nLine two, with a comma"
    assert after == before


def test_export_xlsx_round_trip_gives_the_same_incidents(tmp_path, world):
    first = export(tmp_path, "xlsx")
    before = list(load_workbook(first).active.values)
    wipe()

    call_command("import", str(first), "--no-progress", "--verified-elsewhere")
    after = list(load_workbook(export(tmp_path, "xlsx")).active.values)

    assert len(before) == 4
    assert after == before


def test_export_csv_warns_about_what_does_not_fit(tmp_path, world, coordinator, capsys):
    add_involvement(actor=coordinator, incident=world[0], role=factories.term("involvement_role", "lawyer"),
                    person=factories.person(coordinator, name="Emil Kurbedinov"))

    export(tmp_path, "csv")

    assert capsys.readouterr().err.splitlines() == [
        "Exported 3 incidents.",
        "Warning: 1 involvements do not fit the CSV columns; use --format json to keep them.",
    ]
